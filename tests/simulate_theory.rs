//! The simulation against queueing theory: with constant arrivals and staffing, long runs must
//! reproduce Erlang C (M/M/c, no abandonment) and Erlang A (M/M/c+M, exponential patience)
//! within their 95% confidence intervals. The reference values are computed here from closed
//! forms, independently of the crate:
//!
//! - Erlang C: Erlang B by the recursion `B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))`, then
//!   `C = c B / (c - A (1 - B))`; `P(W <= t) = 1 - C exp(-(c mu - lambda) t)`,
//!   `ASA = C / (c mu - lambda)`, occupancy `A / c` (Gross & Harris, *Fundamentals of Queueing
//!   Theory*, §2.3).
//! - Erlang A: the birth–death chain with birth rate `lambda` and death rate
//!   `mu min(n, c) + theta max(n - c, 0)`, its stationary distribution summed in log space; by
//!   PASTA `P(no wait) = sum_{n<c} pi_n`, `P(abandon) = theta E[(N - c)+] / lambda`, occupancy
//!   `E[min(N, c)] / c` (Garnett, Mandelbaum & Reiman 2002, "Designing a call center with
//!   impatient customers", MSOM 4(3)).
//!
//! Each run is four days of constant quarter-hours (long enough that the start from an empty
//! system biases occupancy by less than 0.001); agents stay on an hour past the last arrival so
//! the final queue drains instead of counting as unanswered.

mod common;

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use common::{PlanConfig, PlanToml};
use shiftcast::io::forecast::ForecastRow;
use shiftcast::io::roster::RosterRow;
use shiftcast::simulate::{self, Estimate, SimulationOptions};
use shiftcast::time::Stamp;

fn plan(queue: &str) -> PlanConfig {
    plan_with_queue(&format!("name = \"voice\"\nchannel = \"voice\"\n{queue}"))
}

/// A UTC site open 24x7, 15-minute intervals, with the one queue given.
fn plan_with_queue(queue: &str) -> PlanConfig {
    PlanToml::sample()
        .site("time_zone = \"UTC\"\ninterval_minutes = 15")
        .shrinkage(0.3)
        .queues(&[queue])
        .config()
}

fn origin() -> Stamp {
    Tz::UTC.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap()
}

fn forecast(contacts: &[f64], aht_seconds: f64) -> Vec<ForecastRow> {
    contacts
        .iter()
        .enumerate()
        .map(|(i, &c)| ForecastRow {
            interval_start: origin() + Duration::minutes(15 * i as i64),
            queue: "voice".into(),
            contacts: c,
            contacts_p10: c,
            contacts_p90: c,
            aht_seconds,
        })
        .collect()
}

/// `count` agents on duty from `from_minutes` to `to_minutes` after the origin.
fn agents(count: usize, from_minutes: i64, to_minutes: i64, tag: &str) -> Vec<RosterRow> {
    (0..count)
        .map(|k| RosterRow {
            agent_id: format!("{tag}{k}"),
            name: format!("Agent {tag}{k}"),
            date: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
            queue: "voice".into(),
            shift_start: origin() + Duration::minutes(from_minutes),
            shift_end: origin() + Duration::minutes(to_minutes),
            paid_minutes: (to_minutes - from_minutes) as u32,
            breaks: Vec::new(),
        })
        .collect()
}

fn options(replications: u32, seed: u64) -> SimulationOptions {
    SimulationOptions { replications, seed, ..SimulationOptions::default() }
}

/// Erlang C probability of waiting for traffic `a` erlangs on `c` agents.
fn erlang_c(a: f64, c: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let c = f64::from(c);
    c * b / (c - a * (1.0 - b))
}

struct ErlangA {
    no_wait: f64,
    abandon: f64,
    occupancy: f64,
}

fn erlang_a(lambda: f64, mu: f64, theta: f64, c: u32) -> ErlangA {
    // log pi_n up to a state far beyond any mass (queue length ~ lambda / theta at most).
    let max_n = c as usize + 4000;
    let mut log_pi = Vec::with_capacity(max_n + 1);
    log_pi.push(0.0f64);
    for n in 1..=max_n {
        let death = mu * (n.min(c as usize) as f64) + theta * (n.saturating_sub(c as usize) as f64);
        log_pi.push(log_pi[n - 1] + lambda.ln() - death.ln());
    }
    let top = log_pi.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_pi.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = w.iter().sum();
    let no_wait = w[..c as usize].iter().sum::<f64>() / total;
    let queue: f64 =
        w.iter().enumerate().map(|(n, p)| n.saturating_sub(c as usize) as f64 * p).sum::<f64>()
            / total;
    let busy: f64 =
        w.iter().enumerate().map(|(n, p)| n.min(c as usize) as f64 * p).sum::<f64>() / total;
    ErlangA { no_wait, abandon: theta * queue / lambda, occupancy: busy / f64::from(c) }
}

fn assert_covers(name: &str, e: &Estimate, reference: f64, max_half_width: f64) {
    eprintln!("{name}: reference {reference:.5}, simulated {e:?}");
    assert!(
        e.covers(reference),
        "{name}: reference {reference:.5} outside the 95% interval [{:.5}, {:.5}] (mean {:.5})",
        e.ci_low.unwrap(),
        e.ci_high.unwrap(),
        e.mean
    );
    assert!(
        e.half_width() <= max_half_width,
        "{name}: interval half-width {} too wide to be a test",
        e.half_width()
    );
}

#[test]
fn long_run_matches_erlang_c() {
    // 100 contacts per quarter-hour, 180 s handle time: 20 erlangs on 23 agents.
    let (per_interval, aht, c, target) = (100.0, 180.0, 23u32, 20.0);
    let config = plan("service_level = 0.8\ntarget_answer_seconds = 20");
    let f = forecast(&[per_interval; 4 * 96], aht);
    let roster = agents(c as usize, 0, (4 * 24 + 1) * 60, "a");
    let r = simulate::run(&roster, &f, None, &config.site, &options(40, 7)).unwrap();

    let lambda = per_interval / 900.0;
    let mu = 1.0 / aht;
    let a = lambda / mu;
    let pw = erlang_c(a, c);
    let gap = f64::from(c) * mu - lambda;
    let sl = 1.0 - pw * (-gap * target).exp();
    let asa = pw / gap;
    let q = &r.queues[0].metrics;
    assert_covers("service level", q.service_level.as_ref().unwrap(), sl, 0.01);
    assert_covers("ASA", q.asa_seconds.as_ref().unwrap(), asa, 2.0);
    assert_covers("occupancy", q.occupancy.as_ref().unwrap(), a / f64::from(c), 0.005);
    assert_eq!(q.abandoned.mean, 0.0);
    // The all-queues total of a one-queue plan is that queue.
    assert_eq!(r.total, *q);
}

#[test]
fn long_run_matches_erlang_a() {
    // 120 contacts per quarter-hour, 180 s handle time, 120 s mean patience: 24 erlangs on only
    // 22 agents — overloaded for Erlang C, stable with abandonment.
    let (per_interval, aht, patience, c) = (120.0, 180.0, 120.0, 22u32);
    // A target of 0 s makes the service level the fraction answered without waiting.
    let config = plan(&format!(
        "service_level = 0.8\ntarget_answer_seconds = 0\npatience_seconds = {patience}"
    ));
    let f = forecast(&[per_interval; 4 * 96], aht);
    let roster = agents(c as usize, 0, (4 * 24 + 1) * 60, "a");
    let r = simulate::run(&roster, &f, None, &config.site, &options(40, 11)).unwrap();

    let reference = erlang_a(per_interval / 900.0, 1.0 / aht, 1.0 / patience, c);
    let q = &r.queues[0].metrics;
    assert_covers("P(no wait)", q.service_level.as_ref().unwrap(), reference.no_wait, 0.01);
    assert_covers("abandon rate", q.abandon_rate.as_ref().unwrap(), reference.abandon, 0.005);
    assert_covers("occupancy", q.occupancy.as_ref().unwrap(), reference.occupancy, 0.005);
}

#[test]
fn an_understaffed_interval_hurts_the_next_one() {
    // Three quarter-hours of 20 erlangs. Both runs have 23 agents in intervals 1 and 2 — Erlang C
    // projects the same service level there — but one has only 15 agents in interval 0, and the
    // backlog it builds is still being worked off in interval 1.
    let config = plan("service_level = 0.8\ntarget_answer_seconds = 20");
    let f = forecast(&[100.0; 3], 180.0);
    let staffed = agents(23, 0, 120, "a");
    let mut short = agents(15, 0, 120, "a");
    short.extend(agents(8, 15, 120, "b"));
    let opts = options(40, 3);
    let good = simulate::run(&staffed, &f, None, &config.site, &opts).unwrap();
    let bad = simulate::run(&short, &f, None, &config.site, &opts).unwrap();
    let sl =
        |r: &simulate::SimulationResult, i: usize| r.intervals[i].metrics.service_level.unwrap();
    // Interval 0 is understaffed (the cause) ...
    assert!(sl(&bad, 0).ci_high.unwrap() < sl(&good, 0).ci_low.unwrap());
    // ... and interval 1, staffed alike, is clearly worse (the carry-over).
    let (g1, b1) = (sl(&good, 1), sl(&bad, 1));
    assert!(b1.ci_high.unwrap() < g1.ci_low.unwrap(), "good {g1:?} bad {b1:?}");
    assert!(g1.mean - b1.mean > 0.15, "good {g1:?} bad {b1:?}");
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let config = plan("service_level = 0.8\ntarget_answer_seconds = 20\npatience_seconds = 90");
    let f = forecast(&[90.0; 8], 200.0);
    let roster = agents(20, 0, 150, "a");
    let a = simulate::run(&roster, &f, None, &config.site, &options(6, 5)).unwrap();
    let b = simulate::run(&roster, &f, None, &config.site, &options(6, 5)).unwrap();
    let c = simulate::run(&roster, &f, None, &config.site, &options(6, 6)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.total, c.total);
}

#[test]
fn chat_concurrency_is_erlang_c_on_slots() {
    // Chat agents holding 3 chats each with exponential chat durations: 8 agents are 24 slots,
    // an M/M/24 queue. 120 chats per quarter-hour × 150 s = 20 erlangs.
    let (per_interval, aht, target) = (120.0, 150.0, 30.0);
    let config = plan_with_queue(
        "name = \"voice\"\nchannel = \"chat\"\nservice_level = 0.8\n\
         target_answer_seconds = 30\nconcurrency = 3",
    );
    let f = forecast(&[per_interval; 4 * 96], aht);
    let roster = agents(8, 0, (4 * 24 + 1) * 60, "a");
    let r = simulate::run(&roster, &f, None, &config.site, &options(40, 13)).unwrap();
    let (lambda, mu, slots) = (per_interval / 900.0, 1.0 / aht, 24u32);
    let a = lambda / mu;
    let pw = erlang_c(a, slots);
    let gap = f64::from(slots) * mu - lambda;
    let q = &r.queues[0].metrics;
    assert_covers(
        "chat service level",
        q.service_level.as_ref().unwrap(),
        1.0 - pw * (-gap * target).exp(),
        0.01,
    );
    assert_covers(
        "chat occupancy (per slot)",
        q.occupancy.as_ref().unwrap(),
        a / f64::from(slots),
        0.005,
    );
}

#[test]
fn erlang_a_service_level_and_asa_match_the_staffing_stage() {
    // The answered-within-20 s service level and the ASA of Erlang A have no short closed form;
    // the staffing stage evaluates them from the Mandelbaum–Zeltyn series. 20 erlangs on 21
    // agents, 180 s handle time, 120 s patience.
    let (per_interval, aht, patience, c, target) = (100.0, 180.0, 120.0, 21u32, 20.0);
    let config = plan(&format!(
        "service_level = 0.8\ntarget_answer_seconds = {target}\npatience_seconds = {patience}"
    ));
    let f = forecast(&[per_interval; 4 * 96], aht);
    let roster = agents(c as usize, 0, (4 * 24 + 1) * 60, "a");
    let r = simulate::run(&roster, &f, None, &config.site, &options(40, 17)).unwrap();
    let m = shiftcast::staffing::ErlangA::from_contacts(per_interval, aht, 15, patience)
        .unwrap()
        .metrics(c, target);
    let q = &r.queues[0].metrics;
    assert_covers(
        "Erlang A service level",
        q.service_level.as_ref().unwrap(),
        m.service_level,
        0.01,
    );
    assert_covers("Erlang A ASA", q.asa_seconds.as_ref().unwrap(), m.asa_seconds, 1.0);
    assert_covers(
        "Erlang A abandon rate",
        q.abandon_rate.as_ref().unwrap(),
        m.abandon_rate.unwrap(),
        0.005,
    );
}

// ---------------------------------------------------------------------------------------------
// Several queues together: skills-based routing, priorities and absence.
//
// References, computed here independently of the crate:
// - pooling: agents skilled in both queues and equal priorities serve the union first-come-
//   first-served, an M/M/c queue with the summed load (Erlang C above);
// - disjoint skills: two independent M/M/c queues;
// - non-preemptive priority M/M/c with equal handle times (Cobham 1954, "Priority assignment in
//   waiting line problems", JORSA 2(1); Gross & Harris §3.4.2): class k waits on average
//   W_k = C(c, A) / (c·μ·(1 − σ_{k−1})(1 − σ_k)), σ_k = Σ_{i<=k} λ_i / (c·μ);
// - day absence p on N agents: each replication has K ~ Binomial(N, 1 − p) agents present for
//   the whole run, so its long-run service level is Erlang C's at K, and the mean over
//   replications is the mixture Σ_k P(K = k) · SL_C(k) (SL 0 where k <= A: unstable).
// ---------------------------------------------------------------------------------------------

use shiftcast::simulate::{AbsenceOptions, AbsenceSetting, Routing, Skills};

/// Two voice queues `a` and `b` (target 20 s, no patience) with these priorities.
fn two_queues(priority_a: i32, priority_b: i32) -> PlanConfig {
    let queue = |name: &str, priority: i32| {
        format!(
            "name = \"{name}\"\nchannel = \"voice\"\nservice_level = 0.8\n\
             target_answer_seconds = 20\npriority = {priority}"
        )
    };
    PlanToml::sample()
        .site("time_zone = \"UTC\"\ninterval_minutes = 15")
        .shrinkage(0.3)
        .queues(&[&queue("a", priority_a), &queue("b", priority_b)])
        .config()
}

/// Constant contacts per quarter-hour for queues `a` and `b` over `days` days.
fn forecast_two(
    days: usize,
    per_interval_a: f64,
    per_interval_b: f64,
    aht: f64,
) -> Vec<ForecastRow> {
    let mut rows = Vec::new();
    for (queue, per_interval) in [("a", per_interval_a), ("b", per_interval_b)] {
        for mut r in forecast(&vec![per_interval; days * 96], aht) {
            r.queue = queue.into();
            rows.push(r);
        }
    }
    rows
}

/// `count` agents on queue `queue` over the whole of `days` days (and an hour more to drain).
fn agents_on(count: usize, queue: &str, days: i64, tag: &str) -> Vec<RosterRow> {
    agents(count, 0, (days * 24 + 1) * 60, tag)
        .into_iter()
        .map(|mut r| {
            r.queue = queue.into();
            r
        })
        .collect()
}

fn skills_of(roster: &[RosterRow], skills: &[&str]) -> Skills {
    Skills::from_pairs(
        roster.iter().map(|r| (r.agent_id.clone(), skills.iter().map(|s| s.to_string()).collect())),
    )
}

/// Erlang C service level (answered within `target` seconds) and ASA.
fn erlang_c_sl_asa(lambda: f64, mu: f64, c: u32, target: f64) -> (f64, f64) {
    let pw = erlang_c(lambda / mu, c);
    let gap = f64::from(c) * mu - lambda;
    (1.0 - pw * (-gap * target).exp(), pw / gap)
}

#[test]
fn agents_skilled_in_two_queues_pool_them_into_one_erlang_c_queue() {
    // 60 + 40 contacts a quarter-hour at 180 s: 20 erlangs on 23 agents, rostered 12 on a and
    // 11 on b but all skilled in both. Separately, a would have 12 erlangs on 12 agents
    // (unstable); pooled, it is the Erlang C of the summed load.
    let (la, lb, aht, target) = (60.0, 40.0, 180.0, 20.0);
    let config = two_queues(0, 0);
    let f = forecast_two(4, la, lb, aht);
    let mut roster = agents_on(12, "a", 4, "a");
    roster.extend(agents_on(11, "b", 4, "b"));
    let skills = skills_of(&roster, &["a", "b"]);
    let r = simulate::run(&roster, &f, Some(&skills), &config.site, &options(40, 21)).unwrap();
    let (sl, asa) = erlang_c_sl_asa((la + lb) / 900.0, 1.0 / aht, 23, target);
    for q in &r.queues {
        assert_covers(
            &format!("pooled SL {}", q.queue),
            q.metrics.service_level.as_ref().unwrap(),
            sl,
            0.015,
        );
        assert_covers(
            &format!("pooled ASA {}", q.queue),
            q.metrics.asa_seconds.as_ref().unwrap(),
            asa,
            3.0,
        );
    }
    assert_covers("pooled SL all", r.total.service_level.as_ref().unwrap(), sl, 0.01);
    // Occupancy over both queues: the agents' load A / c.
    let busy: f64 = r.queues.iter().map(|q| q.metrics.occupancy.unwrap().mean).sum();
    assert!(busy > 0.0);
}

#[test]
fn disjoint_skills_are_two_separate_queues() {
    // a: 60 a quarter-hour on 14 agents; b: 40 on 10 agents; 180 s: two Erlang C queues.
    let (la, lb, aht, target) = (60.0, 40.0, 180.0, 20.0);
    let config = two_queues(0, 0);
    let f = forecast_two(4, la, lb, aht);
    let mut roster = agents_on(14, "a", 4, "a");
    roster.extend(agents_on(10, "b", 4, "b"));
    let skills =
        Skills::from_pairs(roster.iter().map(|x| (x.agent_id.clone(), vec![x.queue.clone()])));
    let r = simulate::run(&roster, &f, Some(&skills), &config.site, &options(40, 23)).unwrap();
    for (q, lambda, c) in [(0, la, 14u32), (1, lb, 10u32)] {
        let (sl, asa) = erlang_c_sl_asa(lambda / 900.0, 1.0 / aht, c, target);
        let m = &r.queues[q].metrics;
        assert_covers(
            &format!("disjoint SL {}", r.queues[q].queue),
            m.service_level.as_ref().unwrap(),
            sl,
            0.015,
        );
        assert_covers(
            &format!("disjoint ASA {}", r.queues[q].queue),
            m.asa_seconds.as_ref().unwrap(),
            asa,
            3.0,
        );
        let rho = lambda / 900.0 * aht / f64::from(c);
        assert_covers(
            &format!("disjoint occupancy {}", r.queues[q].queue),
            m.occupancy.as_ref().unwrap(),
            rho,
            0.01,
        );
    }
    // The same agents under roster-queue routing (no skills at all) give the same result.
    let plain = SimulationOptions { routing: Routing::RosterQueue, ..options(40, 23) };
    let same = |o: &simulate::SimulationResult| o.queues == r.queues && o.intervals == r.intervals;
    assert!(same(&simulate::run(&roster, &f, Some(&skills), &config.site, &plain).unwrap()));
    assert!(same(&simulate::run(&roster, &f, None, &config.site, &options(40, 23)).unwrap()));
    // No agent has a skill besides its own queue's: nobody helps another queue.
    for q in &r.queues {
        assert_eq!((q.answered_by_helpers, q.answered_for_others), (0.0, 0.0), "{}", q.queue);
    }
}

#[test]
fn contacts_answered_by_agents_rostered_on_another_skill_count_as_help() {
    // Only queue a has contacts (30 a quarter-hour at 180 s: 6 erlangs); the 10 agents are
    // rostered on b and skilled in a and b. Every answered contact of a is help from b's
    // agents, and a is the Erlang C queue of 10 agents.
    let (la, aht, c, target) = (30.0, 180.0, 10u32, 20.0);
    let f = forecast_two(2, la, 0.0, aht);
    let roster = agents_on(c as usize, "b", 2, "b");
    let skills = skills_of(&roster, &["b", "a"]);
    let r = simulate::run(&roster, &f, Some(&skills), &two_queues(0, 0).site, &options(40, 31))
        .unwrap();
    let (a, b) = (&r.queues[0], &r.queues[1]);
    let answered = a.metrics.answered.mean;
    assert!(answered > 5_000.0, "{answered}");
    assert!(
        (a.answered_by_helpers - answered).abs() < 1e-6,
        "{} of {answered}",
        a.answered_by_helpers
    );
    assert!(
        (b.answered_for_others - answered).abs() < 1e-6,
        "{} of {answered}",
        b.answered_for_others
    );
    assert_eq!((a.answered_for_others, b.answered_by_helpers), (0.0, 0.0));
    let (sl, _) = erlang_c_sl_asa(la / 900.0, 1.0 / aht, c, target);
    assert_covers("helped SL", a.metrics.service_level.as_ref().unwrap(), sl, 0.015);
    // Under roster-queue routing nobody helps: a's contacts wait for agents who never come.
    let plain = SimulationOptions { routing: Routing::RosterQueue, ..options(40, 31) };
    let alone = simulate::run(&roster, &f, Some(&skills), &two_queues(0, 0).site, &plain).unwrap();
    assert_eq!(alone.queues[0].metrics.answered.mean, 0.0);
    assert_eq!(
        (alone.queues[0].answered_by_helpers, alone.queues[1].answered_for_others),
        (0.0, 0.0)
    );
    // A queue served by the same skill (a VIP line of b's skill, `skill = "b"`) is one pool
    // with b: its contacts answered by b's agents are not help.
    let vip = |name: &str, skill: &str| {
        format!(
            "name = \"{name}\"\nchannel = \"voice\"\nservice_level = 0.8\n\
             target_answer_seconds = 20\nskill = \"{skill}\""
        )
    };
    let pooled = PlanToml::sample()
        .site("time_zone = \"UTC\"\ninterval_minutes = 15")
        .shrinkage(0.3)
        .queues(&[&vip("a", "b"), &vip("b", "b")])
        .config();
    let skills = skills_of(&roster, &["b"]);
    let one = simulate::run(&roster, &f, Some(&skills), &pooled.site, &options(40, 31)).unwrap();
    assert_eq!(one.queues[0].metrics.answered.mean, answered);
    assert_eq!((one.queues[0].answered_by_helpers, one.queues[1].answered_for_others), (0.0, 0.0));
}

#[test]
fn two_priority_classes_wait_as_cobham_says() {
    // vip (a, priority 1): 7.5 a quarter-hour; b (priority 0): 22.5; 240 s; 10 agents serving
    // both. A = 8, c·μ = 1/24 per s, σ1 = 0.2, σ2 = 0.8.
    let (la, lb, aht, c) = (7.5, 22.5, 240.0, 10u32);
    let config = two_queues(1, 0);
    let f = forecast_two(4, la, lb, aht);
    let roster = agents_on(c as usize, "b", 4, "x");
    let skills = skills_of(&roster, &["b", "a"]);
    let r = simulate::run(&roster, &f, Some(&skills), &config.site, &options(40, 29)).unwrap();
    let (lambda_a, lambda_b, mu) = (la / 900.0, lb / 900.0, 1.0 / aht);
    let cmu = f64::from(c) * mu;
    let pw = erlang_c((lambda_a + lambda_b) / mu, c);
    let (s1, s2) = (lambda_a / cmu, (lambda_a + lambda_b) / cmu);
    let w1 = pw / (cmu * (1.0 - s1));
    let w2 = pw / (cmu * (1.0 - s1) * (1.0 - s2));
    eprintln!("Cobham: C = {pw:.5}, W1 = {w1:.3} s, W2 = {w2:.3} s");
    assert_covers("VIP mean wait", r.queues[0].metrics.asa_seconds.as_ref().unwrap(), w1, 1.0);
    assert_covers("regular mean wait", r.queues[1].metrics.asa_seconds.as_ref().unwrap(), w2, 8.0);
    // Without priorities both classes wait the Erlang C mean, between the two.
    let fifo = simulate::run(&roster, &f, Some(&skills), &two_queues(0, 0).site, &options(40, 29))
        .unwrap();
    let w = pw / (cmu - lambda_a - lambda_b);
    assert_covers("FIFO wait a", fifo.queues[0].metrics.asa_seconds.as_ref().unwrap(), w, 6.0);
    assert!(w1 < w && w < w2);
}

/// P(K = k) for K ~ Binomial(n, q).
fn binomial(n: u32, q: f64) -> Vec<f64> {
    let mut p = vec![0.0; n as usize + 1];
    for (k, pk) in p.iter_mut().enumerate() {
        let mut choose = 1.0;
        for j in 0..k {
            choose *= f64::from(n - j as u32) / (j + 1) as f64;
        }
        *pk = choose * q.powi(k as i32) * (1.0 - q).powi((n as usize - k) as i32);
    }
    p
}

#[test]
fn day_absence_gives_the_binomial_mixture_of_erlang_c() {
    // 22.5 contacts a quarter-hour at 240 s: 6 erlangs; 14 agents rostered, each absent with
    // probability 0.2 for the whole (2-day) run.
    let (per_interval, aht, n, p, target) = (22.5, 240.0, 14u32, 0.2, 20.0);
    let config = plan("service_level = 0.8\ntarget_answer_seconds = 20");
    let f = forecast(&[per_interval; 2 * 96], aht);
    let roster = agents(n as usize, 0, (2 * 24 + 1) * 60, "a");
    let mut opts = options(300, 31);
    opts.absence = AbsenceOptions { setting: AbsenceSetting::Fraction(p), ..AbsenceOptions::NONE };
    let r = simulate::run(&roster, &f, None, &config.site, &opts).unwrap();
    let (lambda, mu) = (per_interval / 900.0, 1.0 / aht);
    let mixture: f64 = binomial(n, 1.0 - p)
        .iter()
        .enumerate()
        .map(|(k, pk)| {
            let sl = if (k as f64) * mu > lambda {
                erlang_c_sl_asa(lambda, mu, k as u32, target).0
            } else {
                0.0
            };
            pk * sl
        })
        .sum();
    let all_present = erlang_c_sl_asa(lambda, mu, n, target).0;
    eprintln!("absence: mixture {mixture:.4}, all {n} present {all_present:.4}");
    assert_covers(
        "SL with day absence",
        r.queues[0].metrics.service_level.as_ref().unwrap(),
        mixture,
        0.02,
    );
    assert!(mixture < all_present - 0.01);
    assert!((r.absence.day_probability - p).abs() < 1e-12);
}
