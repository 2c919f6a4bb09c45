//! What-if sweeps checked by hand-worked arithmetic and by Erlang C computed here (the staffing
//! rule is passed in, so these tests do not depend on the staffing stage's code).

mod common;

use chrono::{Duration, TimeZone};
use chrono_tz::Tz;
use common::PlanToml;
use shiftcast::io::forecast::ForecastRow;
use shiftcast::io::requirements::RequirementRow;
use shiftcast::simulate::whatif::{self, Scenario, WhatifOptions, WhatifPlan};
use shiftcast::simulate::{SimulateError, SimulationOptions};
use shiftcast::time::Stamp;

fn plan() -> WhatifPlan {
    PlanToml::sample()
        .site("time_zone = \"UTC\"\ninterval_minutes = 15")
        .shrinkage(0.2)
        .queues(&["name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20"])
        .config()
        .whatif_plan()
}

fn origin() -> Stamp {
    Tz::UTC.with_ymd_and_hms(2025, 11, 10, 0, 0, 0).unwrap()
}

/// `days` days of constant quarter-hours.
fn forecast(days: i64, contacts: f64, aht_seconds: f64) -> Vec<ForecastRow> {
    (0..days * 96)
        .map(|i| ForecastRow {
            interval_start: origin() + Duration::minutes(15 * i),
            queue: "voice".into(),
            contacts,
            contacts_p10: contacts,
            contacts_p90: contacts,
            aht_seconds,
        })
        .collect()
}

/// Erlang C service level `1 - C(c, A) exp(-(c - A) t / aht)` (Gross & Harris §2.3).
fn erlang_c_sl(a: f64, c: u32, target: f64, aht: f64) -> f64 {
    if f64::from(c) <= a {
        return 0.0;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let cf = f64::from(c);
    let pw = cf * b / (cf - a * (1.0 - b));
    1.0 - pw * (-(cf - a) * target / aht).exp()
}

/// Fewest agents meeting the queue's service level by Erlang C; gross = ceil(net / (1 - s)).
fn erlang_c_staff(
    rows: &[ForecastRow],
    cfg: &WhatifPlan,
) -> Result<Vec<RequirementRow>, SimulateError> {
    let q = &cfg.site.queues[0];
    Ok(rows
        .iter()
        .map(|r| {
            let a = r.contacts * r.aht_seconds / 900.0;
            let mut c = a.floor() as u32 + 1;
            while erlang_c_sl(a, c, q.target_answer_seconds.unwrap(), r.aht_seconds)
                < q.service_level.unwrap()
            {
                c += 1;
            }
            let gross = (f64::from(c) / (1.0 - cfg.staffing.shrinkage)).ceil() as u32;
            RequirementRow {
                interval_start: r.interval_start,
                queue: r.queue.clone(),
                contacts: r.contacts,
                aht_seconds: r.aht_seconds,
                traffic_erlangs: a,
                agents_net: c,
                agents_gross: gross,
                service_level: erlang_c_sl(a, c, 20.0, r.aht_seconds),
                asa_seconds: 0.0,
                occupancy: a / f64::from(c),
                abandon_rate: None,
            }
        })
        .collect())
}

fn options(replications: u32) -> WhatifOptions {
    WhatifOptions {
        simulation: SimulationOptions { replications, seed: 9, ..SimulationOptions::default() },
        ..WhatifOptions::default()
    }
}

#[test]
fn hours_fte_and_cost_by_hand() {
    // 100 contacts × 180 s per quarter-hour = 20 erlangs; Erlang C 80/20 needs 24 agents
    // (SL(23) = 0.7021, SL(24) = 0.8089), gross ceil(24 / 0.8) = 30. Over 7 days that is
    // 30 × 168 = 5,040 paid hours, 5,040 / 40 = 126 FTE, × 20 = 100,800.
    let f = forecast(7, 100.0, 180.0);
    let s = [Scenario { name: "base".into(), hourly_cost: Some(20.0), ..Scenario::default() }];
    let mut o = options(1);
    o.simulate = false;
    let out = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &s, &o).unwrap();
    let r = &out[0];
    assert_eq!(r.required_agents_peak, 30);
    assert_eq!(r.on_duty_agents_peak, 24);
    assert_eq!(r.required_agent_intervals, 30 * 7 * 96);
    assert!((r.paid_hours - 5040.0).abs() < 1e-9);
    assert!((r.fte - 126.0).abs() < 1e-9);
    assert!((r.cost.unwrap() - 100_800.0).abs() < 1e-6);
    assert!((r.contacts - 67_200.0).abs() < 1e-9);
    assert!(r.simulated.is_none());
}

#[test]
fn volume_multiplier_applies_only_inside_its_range() {
    // ×1.6 on the second day only (end date inclusive): 160 contacts = 32 erlangs there.
    let f = forecast(3, 100.0, 180.0);
    let tz = Tz::UTC;
    let csv = b"name,volume_multiplier,start,end,shrinkage\nbase,,,,\npeak,1.6,2025-11-11,2025-11-11,\nshrink,,,,0.36\n";
    let s = whatif::parse_scenarios_csv("s.csv", csv, tz).unwrap();
    let mut o = options(1);
    o.simulate = false;
    let out = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &s, &o).unwrap();
    assert_eq!(out.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["base", "peak", "shrink"]);
    let req = |contacts: f64, shrinkage: f64| {
        let mut cfg = plan();
        cfg.staffing.shrinkage = shrinkage;
        erlang_c_staff(&forecast(1, contacts, 180.0)[..1], &cfg).unwrap()[0].agents_gross as u64
    };
    assert_eq!(out[0].required_agent_intervals, 3 * 96 * req(100.0, 0.2));
    assert_eq!(out[1].required_agent_intervals, 2 * 96 * req(100.0, 0.2) + 96 * req(160.0, 0.2));
    assert_eq!(out[1].required_agents_peak as u64, req(160.0, 0.2));
    assert_eq!(out[2].required_agent_intervals, 3 * 96 * req(100.0, 0.36));
    assert!((out[1].contacts - (200.0 * 96.0 + 160.0 * 96.0)).abs() < 1e-6);
}

#[test]
fn required_agents_deliver_the_erlang_service_level_and_a_cap_costs_service() {
    // A day of 20 erlangs staffed with exactly Erlang C's 24 agents: the simulated service level
    // must agree with Erlang C at 24 agents (constant load, so carry-over is steady state). A cap
    // of 28 scheduled of the 30 required (22 on duty after the proportional cut) must lower it.
    let f = forecast(1, 100.0, 180.0);
    let s = [
        Scenario { name: "required".into(), ..Scenario::default() },
        Scenario { name: "capped".into(), headcount_cap: Some(28), ..Scenario::default() },
    ];
    let out = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &s, &options(20)).unwrap();
    let sl = out[0].simulated.as_ref().unwrap().service_level.unwrap();
    let reference = erlang_c_sl(20.0, 24, 20.0, 180.0);
    assert!(sl.covers(reference), "simulated {sl:?}, Erlang C {reference}");
    assert_eq!(out[1].capped_intervals, 96);
    assert_eq!(out[1].required_agents_peak, 28);
    // floor(24 × 28 / 30) = 22 on duty.
    assert_eq!(out[1].on_duty_agents_peak, 22);
    let capped = out[1].simulated.as_ref().unwrap().service_level.unwrap();
    assert!(capped.ci_high.unwrap() < sl.ci_low.unwrap(), "{capped:?} vs {sl:?}");
    // Deterministic per seed, and in input order.
    let again = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &s, &options(20)).unwrap();
    assert_eq!(out, again);
}

#[test]
fn unknown_scenario_queue_is_an_error() {
    let s = [Scenario { name: "x".into(), queue: Some("chat".into()), ..Scenario::default() }];
    let e = whatif::run_with(
        &erlang_c_staff,
        &forecast(1, 10.0, 100.0),
        None,
        &plan(),
        &s,
        &options(1),
    )
    .unwrap_err();
    assert!(e.to_string().contains("queue \"chat\" is not in plan.toml"), "{e}");
}

#[test]
fn with_a_roster_the_scenario_is_simulated_against_it() {
    // A roster of one agent for a day of 20 erlangs: the requirement figures are the same as
    // without a roster, but the simulation sees one agent, not 24.
    let f = forecast(1, 100.0, 180.0);
    let roster = [shiftcast::io::roster::RosterRow {
        agent_id: "A1".into(),
        name: "Ann".into(),
        date: origin().date_naive(),
        queue: "voice".into(),
        shift_start: origin(),
        shift_end: origin() + Duration::hours(24),
        paid_minutes: 1440,
        breaks: Vec::new(),
    }];
    let s = [Scenario { name: "base".into(), ..Scenario::default() }];
    let free = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &s, &options(2)).unwrap();
    let with = whatif::run_with(
        &erlang_c_staff,
        &f,
        Some(whatif::WhatifRoster { rows: &roster, skills: None, hourly_cost: None }),
        &plan(),
        &s,
        &options(2),
    )
    .unwrap();
    assert_eq!(with[0].required_agents_peak, free[0].required_agents_peak);
    assert_eq!(with[0].paid_hours, free[0].paid_hours);
    let sim = with[0].simulated.as_ref().unwrap();
    // One agent answers at most 86,400 / 180 = 480 of 9,600 contacts.
    assert!(sim.answered.mean <= 600.0, "{:?}", sim.answered);
    assert!(sim.service_level.unwrap().mean < 0.06);
    assert!(free[0].simulated.as_ref().unwrap().service_level.unwrap().mean > 0.7);
}

#[test]
fn with_a_roster_each_queue_and_day_is_reported_with_absence_and_the_rosters_own_figures() {
    // Two days of 20 erlangs; the same 30 agents rostered 24 h on each day, paid for all of
    // it: no breaks take any of the plan's 20% shrinkage, so auto absence is all of it and each
    // agent-day is absent with probability 0.2.
    let f = forecast(2, 100.0, 180.0);
    let roster: Vec<shiftcast::io::roster::RosterRow> = (0..60)
        .map(|k| {
            let day = origin() + Duration::days(k / 30);
            shiftcast::io::roster::RosterRow {
                agent_id: format!("A{}", k % 30),
                name: format!("Agent {}", k % 30),
                date: day.date_naive(),
                queue: "voice".into(),
                shift_start: day,
                shift_end: day + Duration::hours(24),
                paid_minutes: 1440,
                breaks: Vec::new(),
            }
        })
        .collect();
    let s = [Scenario { name: "base".into(), ..Scenario::default() }];
    let mut o = options(8);
    o.simulation.absence.setting = shiftcast::simulate::AbsenceSetting::Auto;
    let out = whatif::run_with(
        &erlang_c_staff,
        &f,
        Some(whatif::WhatifRoster { rows: &roster, skills: None, hourly_cost: None }),
        &plan(),
        &s,
        &o,
    )
    .unwrap();
    let r = &out[0];
    let figures = r.roster.as_ref().unwrap();
    assert_eq!((figures.agents, figures.shifts), (30, 60));
    assert!((figures.paid_hours - 60.0 * 24.0).abs() < 1e-9);
    assert_eq!(figures.scheduled_agents_peak, 30);
    // Auto absence with no breaks: the whole shrinkage of the scenario's plan (0.2).
    let a = r.absence.unwrap();
    assert!((a.day_probability - 0.2).abs() < 1e-12, "{a:?}");
    assert_eq!(r.queues.len(), 1);
    assert_eq!(
        r.days.iter().map(|d| d.date.as_str()).collect::<Vec<_>>(),
        ["2025-11-10", "2025-11-11"]
    );
    // 24 present on average of 30: Erlang C 80/20 at 20 erlangs gives ~0.81 with 24; with the
    // binomial spread the mean is lower than with all 30 present (0.99).
    let sl = r.queues[0].metrics.service_level.unwrap();
    assert!(sl.mean < 0.95 && sl.ci_high.unwrap() <= 1.0, "{sl:?}");
}

#[test]
fn a_huge_volume_or_dates_outside_the_horizon_are_errors() {
    let f = forecast(1, 100.0, 180.0);
    let huge =
        [Scenario { name: "x1e6".into(), volume_multiplier: Some(1e6), ..Scenario::default() }];
    let e = whatif::run_with(&erlang_c_staff, &f, None, &plan(), &huge, &options(1)).unwrap_err();
    assert!(
        e.to_string().contains("scenario \"x1e6\"") && e.to_string().contains("at most"),
        "{e}"
    );
    let elsewhere = [Scenario {
        name: "double 11".into(),
        volume_multiplier: Some(1.3),
        start: Some(origin() + Duration::days(30)),
        end: Some(origin() + Duration::days(37)),
        ..Scenario::default()
    }];
    let e =
        whatif::run_with(&erlang_c_staff, &f, None, &plan(), &elsewhere, &options(1)).unwrap_err();
    assert!(e.to_string().contains("miss the forecast's horizon"), "{e}");
}
