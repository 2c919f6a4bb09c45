//! Staffing end to end: simulation cross-checks of Erlang C/A and the chat model, properties,
//! `staff` over a plan and a forecast (closed hours, DST, deferred email), and the CLI.

mod common;

use assert_cmd::Command;
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use common::{PlanConfig, PlanToml};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shiftcast::io::forecast::{write_forecast, ForecastRow};
use shiftcast::io::requirements::read_requirements;
use shiftcast::staffing::{
    projected_service_level, required_agents, staff, staff_plan, ErlangA, ErlangC, QueueModel,
    Targets,
};
use shiftcast::time::{self, IntervalGrid};

// ---------------------------------------------------------------------------------------------
// Simulation: FCFS multi-server queue with exponential patience.
// ---------------------------------------------------------------------------------------------

struct Simulated {
    wait_probability: f64,
    abandon_rate: f64,
    service_level: f64,
    asa_seconds: f64,
}

/// Customers are served in arrival order, each by the server that frees first; a customer whose
/// offered wait exceeds their patience abandons and uses no server (exact for FCFS with
/// abandonment: abandoning customers never delay anyone). `servers_per_agent` groups servers
/// into agents with that many chat slots; a chat takes the agent slot that frees first, which is
/// what an ACD routing to "any agent with a free slot" does.
/// Runs `customers` arrivals (after a 10 % warm-up) with a seeded ChaCha8 stream.
struct Setup {
    agents: usize,
    servers_per_agent: usize,
    traffic: f64,
    aht: f64,
    patience: Option<f64>,
    /// Service-level threshold, seconds.
    t: f64,
}

fn simulate(setup: Setup, customers: usize, seed: u64) -> Simulated {
    let Setup { agents, servers_per_agent, traffic, aht, patience, t } = setup;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut exp = |mean: f64| -mean * (1.0 - rng.random::<f64>()).ln();
    let lambda = traffic / aht;
    let mut slots = vec![0.0f64; agents * servers_per_agent];
    let (mut now, mut waited, mut abandoned, mut within, mut answered_wait) = (0.0, 0, 0, 0, 0.0);
    let warmup = customers / 10;
    let mut counted = 0usize;
    for i in 0..customers + warmup {
        now += exp(1.0 / lambda);
        let service = exp(aht);
        let patience_draw = patience.map(&mut exp);
        let (k, free_at) = slots
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one slot");
        let offered_wait = (free_at - now).max(0.0);
        let abandons = patience_draw.is_some_and(|p| p < offered_wait);
        if !abandons {
            slots[k] = now + offered_wait + service;
        }
        if i < warmup {
            continue;
        }
        counted += 1;
        if offered_wait > 0.0 {
            waited += 1;
        }
        if abandons {
            abandoned += 1;
        } else {
            answered_wait += offered_wait;
            if offered_wait <= t {
                within += 1;
            }
        }
    }
    let n = counted as f64;
    Simulated {
        wait_probability: waited as f64 / n,
        abandon_rate: abandoned as f64 / n,
        service_level: within as f64 / n,
        asa_seconds: answered_wait / (counted - abandoned) as f64,
    }
}

#[test]
fn erlang_c_agrees_with_simulation() {
    let m = ErlangC::new(10.0, 180.0).unwrap().metrics(14, 20.0);
    let s = simulate(
        Setup {
            agents: 14,
            servers_per_agent: 1,
            traffic: 10.0,
            aht: 180.0,
            patience: None,
            t: 20.0,
        },
        400_000,
        7,
    );
    assert!(
        (s.wait_probability - m.wait_probability).abs() < 0.01,
        "{} vs {}",
        s.wait_probability,
        m.wait_probability
    );
    assert!((s.service_level - m.service_level).abs() < 0.01);
    assert!((s.asa_seconds - m.asa_seconds).abs() < 0.6, "{} vs {}", s.asa_seconds, m.asa_seconds);
}

#[test]
fn erlang_a_agrees_with_simulation() {
    // Heavy load with impatient callers: abandonment matters.
    let m = ErlangA::new(20.0, 240.0, 120.0).unwrap().metrics(19, 30.0);
    let s = simulate(
        Setup {
            agents: 19,
            servers_per_agent: 1,
            traffic: 20.0,
            aht: 240.0,
            patience: Some(120.0),
            t: 30.0,
        },
        400_000,
        11,
    );
    let ab = m.abandon_rate.unwrap();
    assert!((s.abandon_rate - ab).abs() < 0.01, "{} vs {ab}", s.abandon_rate);
    assert!((s.wait_probability - m.wait_probability).abs() < 0.015);
    assert!(
        (s.service_level - m.service_level).abs() < 0.015,
        "{} vs {}",
        s.service_level,
        m.service_level
    );
    assert!(
        (s.asa_seconds - m.asa_seconds).abs() < 0.05 * m.asa_seconds,
        "{} vs {}",
        s.asa_seconds,
        m.asa_seconds
    );
}

#[test]
fn chat_slot_model_agrees_with_simulated_agents() {
    // 12 Erlangs of chat sessions (AHT 260 s, patience 240 s: Erlang A), 3 chats per agent,
    // 5 agents = 15 slots.
    let chat = chat_queue();
    let contacts = 12.0 * 900.0 / 260.0;
    let sl = projected_service_level(&chat, contacts, 260.0, 15, 5);
    let s = simulate(
        Setup {
            agents: 5,
            servers_per_agent: 3,
            traffic: 12.0,
            aht: 260.0,
            patience: Some(240.0),
            t: 30.0,
        },
        400_000,
        3,
    );
    assert!((s.service_level - sl).abs() < 0.015, "{} vs {sl}", s.service_level);
}

#[test]
fn a_one_interval_deadline_is_projected_for_random_arrivals() {
    // Social posts answered within 15 minutes on a 15-minute grid: 7.5 posts × 180 s = 1.5
    // erlangs. The fluid backlog says 2 agents answer all of them in time; an M/M/2 queue
    // answers 0.947231 (worked by hand in staffing/deferred.rs), and so does a simulation.
    let mut social = chat_queue();
    social.channel = shiftcast::site::Channel::Social;
    social.deadline_minutes = Some(15.0);
    (social.service_level, social.target_answer_seconds) = (None, None);
    (social.patience_seconds, social.concurrency) = (None, None);
    let sl = projected_service_level(&social, 7.5, 180.0, 15, 2);
    assert!((sl - 0.947231).abs() < 1e-6, "{sl}");
    let setup = Setup {
        agents: 2,
        servers_per_agent: 1,
        traffic: 1.5,
        aht: 180.0,
        patience: None,
        t: 900.0,
    };
    let s = simulate(setup, 400_000, 5);
    assert!((s.service_level - sl).abs() < 0.01, "{} vs {sl}", s.service_level);
    // A 30-minute deadline spans two intervals: the backlog, 1.
    social.deadline_minutes = Some(30.0);
    assert_eq!(projected_service_level(&social, 7.5, 180.0, 15, 2), 1.0);
}

fn chat_queue() -> shiftcast::site::QueueConfig {
    plan(60).site.queues.into_iter().find(|q| q.name == "chat").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sl_rises_with_agents(traffic in 0.1f64..400.0, aht in 30.0f64..900.0, t in 0.0f64..120.0,
                            patience in proptest::option::of(10.0f64..2000.0), extra in 0u32..40) {
        let n = (traffic.floor() as u32).saturating_sub(5) + extra;
        let model = match patience {
            Some(p) => QueueModel::A(ErlangA::new(traffic, aht, p).unwrap()),
            None => QueueModel::C(ErlangC::new(traffic, aht).unwrap()),
        };
        let (m0, m1) = (model.metrics(n, t), model.metrics(n + 1, t));
        prop_assert!(m1.service_level >= m0.service_level - 1e-12, "{m0:?} {m1:?}");
        prop_assert!(m1.wait_probability <= m0.wait_probability + 1e-12);
        prop_assert!(m1.asa_seconds <= m0.asa_seconds * (1.0 + 1e-12) + 1e-12);
        if let (Some(a0), Some(a1)) = (m0.abandon_rate, m1.abandon_rate) {
            prop_assert!(a1 <= a0 + 1e-12);
        }
    }

    #[test]
    fn required_agents_rise_with_load(traffic in 0.5f64..2000.0, bump in 1.0f64..1.5,
                                      patience in proptest::option::of(30.0f64..900.0)) {
        let targets = Targets { service_level: Some(0.8), target_answer_seconds: Some(20.0),
                                max_occupancy: Some(0.9), ..Targets::default() };
        let model = |a: f64| match patience {
            Some(p) => QueueModel::A(ErlangA::new(a, 200.0, p).unwrap()),
            None => QueueModel::C(ErlangC::new(a, 200.0).unwrap()),
        };
        let low = required_agents(&model(traffic), &targets, 1).unwrap();
        let high = required_agents(&model(traffic * bump), &targets, 1).unwrap();
        prop_assert!(high.agents_net >= low.agents_net);
        prop_assert!(low.metrics.service_level >= 0.8 && low.metrics.occupancy <= 0.9);
        // The answer is the first count meeting the targets.
        let below = model(traffic).metrics(low.agents_net - 1, 20.0);
        prop_assert!(below.service_level < 0.8 || below.occupancy > 0.9);
    }
}

// ---------------------------------------------------------------------------------------------
// staff(): plan + forecast → requirements.
// ---------------------------------------------------------------------------------------------

const VOICE: &str = "name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\n\
                     target_answer_seconds = 20\nmax_occupancy = 0.85\nmin_agents = 2";
const EMAIL: &str =
    "name = \"email\"\nchannel = \"email\"\ndeadline_minutes = 120\nmax_occupancy = 0.9";
const CHAT: &str = "name = \"chat\"\nchannel = \"chat\"\nservice_level = 0.8\n\
                    target_answer_seconds = 30\nconcurrency = 3\npatience_seconds = 240\n\
                    max_abandon_rate = 0.05";

/// A London site open 08:00-20:00 with queues voice, email and chat.
fn plan_toml(interval_minutes: u32) -> PlanToml {
    PlanToml::sample()
        .site(&format!(
            "time_zone = \"Europe/London\"\ninterval_minutes = {interval_minutes}\n\
             opening_hours = {{ all = \"08:00-20:00\" }}"
        ))
        .shrinkage(0.3)
        .queues(&[VOICE, EMAIL, CHAT])
}

fn plan(interval_minutes: u32) -> PlanConfig {
    plan_toml(interval_minutes).config()
}

fn london() -> Tz {
    time::parse_time_zone("Europe/London").unwrap()
}

/// A forecast for whole days: voice 100 / email 20 / chat 60 per 30 min while open, email also
/// 4 per interval overnight (arrives while closed), nothing else while closed.
fn forecast(first: NaiveDate, days: u32) -> Vec<ForecastRow> {
    let grid = IntervalGrid::new(london(), 30).unwrap();
    let hours = plan(30).site.opening_hours;
    let mut rows = Vec::new();
    for stamp in grid.range(first, days) {
        let open = hours.is_open(&stamp);
        for (queue, contacts, closed_contacts, aht) in
            [("voice", 100.0, 0.0, 180.0), ("email", 20.0, 4.0, 300.0), ("chat", 60.0, 0.0, 260.0)]
        {
            let c = if open { contacts } else { closed_contacts };
            rows.push(ForecastRow {
                interval_start: stamp,
                queue: queue.into(),
                contacts: c,
                contacts_p10: c * 0.8,
                contacts_p90: c * 1.2,
                aht_seconds: if c > 0.0 { aht } else { 0.0 },
            });
        }
    }
    rows
}

#[test]
fn staff_meets_targets_and_closes_closed_hours() {
    let config = plan(30);
    let day = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
    let result = staff_plan(&forecast(day, 2), &config.site, &config.staffing).unwrap();
    let rows = &result.rows;
    assert_eq!(rows.len(), 2 * 48 * 3);
    // (interval_start, queue name) order.
    for w in rows.windows(2) {
        assert!((w[0].interval_start, &w[0].queue) < (w[1].interval_start, &w[1].queue));
    }
    for r in rows {
        let open = config.site.opening_hours.is_open(&r.interval_start);
        if !open {
            assert_eq!((r.agents_net, r.agents_gross), (0, 0), "{r:?}");
            continue;
        }
        match r.queue.as_str() {
            "voice" => {
                // The reference interval: 14 net, 20 gross.
                assert_eq!((r.agents_net, r.agents_gross), (14, 20));
                assert!((r.service_level - 0.888350).abs() < 5e-7);
                assert_eq!(r.abandon_rate, None);
            }
            "chat" => {
                assert!(r.service_level >= 0.8 && r.abandon_rate.unwrap() <= 0.05, "{r:?}");
                // Chat at 260 s, 60 per 30 min = 8.67 Erl on 3 slots per agent.
                assert!((r.traffic_erlangs - 60.0 * 260.0 / 1800.0).abs() < 1e-12);
                let one_less =
                    projected_service_level(&chat_queue(), 60.0, 260.0, 30, r.agents_net - 1);
                assert!(one_less < 0.8 || r.agents_net == 1 || r.abandon_rate.unwrap() > 0.0);
            }
            _ => {}
        }
    }
    // Email (2-hour deadline = 4 half-hour intervals, 1,620 s of work an agent-interval at 90 %
    // occupancy): each interval's work is spread over its window. Open work is 20 × 300 s =
    // 6,000 s an interval, 1,500 s in each of 4 intervals; at 08:00 the night's 64 emails are
    // released with the 20 of 08:00 (25,200 s, 6,300 s in each of 4). The window ends at closing
    // time (20:00), so 19:30 carries all of its own work, half of 19:00's, a third of 18:30's
    // and a quarter of 18:00's.
    let email: Vec<_> = rows.iter().filter(|r| r.queue == "email").collect();
    let agents_at = |hhmm: &str| {
        email
            .iter()
            .find(|r| time::format_local(&r.interval_start) == format!("2025-03-04T{hhmm}"))
            .unwrap()
            .agents_net
    };
    assert_eq!(agents_at("07:30"), 0);
    assert_eq!(agents_at("08:00"), 4); // 6,300 / 1,620 = 3.9
    assert_eq!(agents_at("09:30"), 7); // (6,300 + 3 × 1,500) / 1,620 = 6.7
    assert_eq!(agents_at("12:00"), 4); // 6,000 / 1,620 = 3.7
    assert_eq!(agents_at("19:30"), 8); // (6,000 + 3,000 + 2,000 + 1,500) / 1,620 = 7.7

    // The last evening's email (8 closed intervals × 4) is never released: carried out.
    let carried = result.carried_out.iter().find(|c| c.queue == "email").unwrap().contacts;
    assert!((carried - 32.0).abs() < 1e-9, "{carried}");
    let capacity: f64 = email.iter().map(|r| f64::from(r.agents_net) * 1800.0 * 0.9).sum();
    let work: f64 = email.iter().map(|r| r.contacts * r.aht_seconds).sum();
    assert!(capacity + 1e-6 >= work - carried * 300.0, "{capacity} vs {work}");
    for r in &email {
        assert!(r.occupancy <= 0.9 + 1e-9 && r.service_level == 1.0);
    }
}

#[test]
fn staff_covers_a_dst_day_and_names_missing_intervals() {
    // 2025-03-30 in London has 23 hours: 46 half-hour intervals.
    let config = plan(30);
    let day = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
    let rows = staff(&forecast(day, 1), &config.site, &config.staffing).unwrap();
    assert_eq!(rows.len(), 46 * 3);

    let mut f = forecast(day, 1);
    let at_ten = f
        .iter()
        .position(|r| {
            r.queue == "voice" && time::format_local(&r.interval_start) == "2025-03-30T10:00"
        })
        .unwrap();
    f.remove(at_ten);
    let e = staff(&f, &config.site, &config.staffing).unwrap_err().to_string();
    assert!(e.contains("\"voice\"") && e.contains("2025-03-30T10:00") && e.contains("open"), "{e}");

    let mut f = forecast(day, 1);
    f[0].queue = "fax".into();
    let e = staff(&f, &config.site, &config.staffing).unwrap_err().to_string();
    assert!(e.contains("fax"), "{e}");

    let mut f = forecast(day, 1);
    f[5].interval_start += Duration::minutes(10);
    assert!(staff(&f, &config.site, &config.staffing).unwrap_err().to_string().contains("grid"));
}

#[test]
fn staff_with_an_impossible_target_names_the_queue() {
    let voice = VOICE.replace("service_level = 0.8", "service_level = 1.0");
    let config = plan_toml(30).queues(&[&voice, EMAIL, CHAT]).config();
    let e = staff(
        &forecast(NaiveDate::from_ymd_opt(2025, 3, 4).unwrap(), 1),
        &config.site,
        &config.staffing,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("voice") && e.contains("service_level 1.0"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// CLI.
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_erlang_json_reproduces_the_reference() {
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args([
            "erlang",
            "--contacts",
            "100",
            "--interval-minutes",
            "30",
            "--aht-seconds",
            "180",
            "--target-answer-seconds",
            "20",
            "--service-level",
            "0.8",
            "--max-occupancy",
            "0.85",
            "--shrinkage",
            "0.3",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["agents_net"], 14);
    assert_eq!(v["agents_gross"], 20);
    let num = |k: &str| v[k].as_f64().unwrap();
    assert!((num("traffic_erlangs") - 10.0).abs() < 1e-12);
    assert!((num("wait_probability") - 0.174132).abs() < 5e-7);
    assert!((num("service_level") - 0.888350).abs() < 5e-7);
    assert!((num("asa_seconds") - 7.8359).abs() < 5e-5);
    assert!((num("occupancy") - 0.714286).abs() < 5e-7);
    assert!(v.get("abandon_rate").is_none());
}

#[test]
fn cli_erlang_a_at_given_agents() {
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args([
            "erlang",
            "--contacts",
            "100",
            "--interval-minutes",
            "30",
            "--aht-seconds",
            "180",
            "--target-answer-seconds",
            "20",
            "--patience-seconds",
            "300",
            "--agents",
            "14",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["wait_probability"].as_f64().unwrap() - 0.14526).abs() < 5e-6);
    assert!((v["abandon_rate"].as_f64().unwrap() - 0.013984).abs() < 5e-7);
}

#[test]
fn cli_erlang_bad_flags_are_named() {
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args([
            "erlang",
            "--contacts",
            "100",
            "--interval-minutes",
            "30",
            "--aht-seconds",
            "-3",
            "--target-answer-seconds",
            "20",
            "--service-level",
            "0.8",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad flag value is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--aht-seconds: must be a number > 0, got -3"));
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args([
            "erlang",
            "--contacts",
            "100",
            "--interval-minutes",
            "30",
            "--aht-seconds",
            "180",
            "--max-asa-seconds",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad flag value is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-asa-seconds"));
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args([
            "erlang",
            "--contacts",
            "100",
            "--interval-minutes",
            "30",
            "--aht-seconds",
            "180",
            "--service-level",
            "1.2",
            "--target-answer-seconds",
            "20",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--service-level: must be a fraction"));
}

#[test]
fn cli_staff_writes_requirements_and_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = plan_toml(30).write(dir.path());
    let forecast_path = dir.path().join("forecast.csv");
    write_forecast(&forecast_path, &forecast(NaiveDate::from_ymd_opt(2025, 3, 4).unwrap(), 1))
        .unwrap();
    let out_path = dir.path().join("requirements.csv");
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args(["staff", "--forecast"])
        .arg(&forecast_path)
        .arg("--config")
        .arg(&plan_path)
        .arg("--out")
        .arg(&out_path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], 144);
    let voice = v["queues"].as_array().unwrap().iter().find(|q| q["queue"] == "voice").unwrap();
    assert_eq!(voice["peak_agents_gross"], 20);
    assert_eq!(voice["open_intervals"], 24);
    let rows = read_requirements(&out_path, london()).unwrap();
    assert_eq!(rows.len(), 144);
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        text.contains("2025-03-04T09:00,voice,100,180,10,14,20,0.88835,7.836,0.714286,\n"),
        "{text}"
    );

    // A bad forecast cell: the error names file, line and column, and no output is written.
    let bad = std::fs::read_to_string(&forecast_path).unwrap().replacen(",300\n", ",-300\n", 1);
    std::fs::write(&forecast_path, bad).unwrap();
    let fresh = dir.path().join("fresh.csv");
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args(["staff", "--forecast"])
        .arg(&forecast_path)
        .arg("--config")
        .arg(&plan_path)
        .arg("--out")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forecast.csv line") && err.contains("column aht_seconds"), "{err}");
    assert!(!fresh.exists());
}
