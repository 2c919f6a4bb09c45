//! Benchmarks of the simulation stage (release build):
//!
//! ```sh
//! cargo run --release --example bench_simulate
//! ```
//!
//! 1. **Contacts per second per core**: a week of four queues (voice, chat with 3 concurrent
//!    chats, email, social; the DESIGN.md channel mix and intraday peaks) at 50,000 contacts a
//!    weekday, a greedy roster of 4.25-hour shifts with a 15-minute break;
//!    replications run sequentially on a one-thread pool, then on all cores.
//!    1b. The same week with a fifth, VIP voice queue (priority 1, 10% of voice) sharing
//!    agents with voice, a third of chat agents also on voice, a quarter of email agents also
//!    on social, and 25% absence (whole agent-days plus 5% off-queue blocks): skills routing,
//!    priorities and absence on.
//! 2. **1,000 staffing-level scenarios**: the same week at 5,000 contacts a weekday, volume
//!    multipliers 0.7–1.7 × shrinkage 0.25–0.40 × service targets, each staffed with Erlang
//!    (the staffing stage) and simulated once against exactly its required agents, on the
//!    machine's cores (the target is <= 60 s on 2 cores).
//!
//! 3. **Sample data, Erlang vs simulation** (when `data/` is present): next week's forecast from
//!    `data/history.csv`, staffed by the staffing stage, then simulated (20 replications) with
//!    exactly its `agents_net` on duty; per queue, the projected (Erlang) and simulated service
//!    levels side by side.
//!
//! Prints one line per figure; the numbers go into BENCHMARKS.md.

use std::path::Path;
use std::time::Instant;

use chrono::{Datelike, Duration, TimeZone, Timelike};
use chrono_tz::Tz;
use shiftcast::io::forecast::ForecastRow;
use shiftcast::io::roster::RosterRow;
use shiftcast::plan::config::PlanConfig;
use shiftcast::simulate::whatif::{self, Scenario, WhatifOptions};
use shiftcast::simulate::{self, SimulationOptions, Skills};
use shiftcast::time::Stamp;

const PLAN: &str = r#"
[site]
time_zone = "Asia/Shanghai"
interval_minutes = 15
[staffing]
shrinkage = 0.30
[[queues]]
name = "voice"
channel = "voice"
service_level = 0.8
target_answer_seconds = 20
patience_seconds = 180
[[queues]]
name = "chat"
channel = "chat"
service_level = 0.8
target_answer_seconds = 30
patience_seconds = 300
concurrency = 3
[[queues]]
name = "email"
channel = "email"
deadline_minutes = 120
[[queues]]
name = "social"
channel = "social"
deadline_minutes = 15
"#;

/// (queue, share of contacts, handle seconds, slots per agent)
const QUEUES: [(&str, f64, f64, f64); 4] = [
    ("voice", 0.42, 300.0, 1.0),
    ("chat", 0.38, 260.0, 3.0),
    ("email", 0.12, 400.0, 1.0),
    ("social", 0.08, 200.0, 1.0),
];

fn tz() -> Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn monday() -> Stamp {
    tz().with_ymd_and_hms(2025, 11, 10, 0, 0, 0).unwrap()
}

/// Relative intraday volume, open 08:00–20:00, peaks around 10:00 and 15:00.
fn shape(minute: f64) -> f64 {
    if !(480.0..1200.0).contains(&minute) {
        return 0.0;
    }
    let bump = |centre: f64, width: f64| (-((minute - centre) / width).powi(2)).exp();
    0.6 + bump(600.0, 60.0) + 0.8 * bump(900.0, 60.0)
}

/// A week of forecast rows at `weekday_contacts` a weekday (weekends 35% lower).
fn forecast(weekday_contacts: f64) -> Vec<ForecastRow> {
    let total_shape: f64 = (0..96).map(|s| shape(f64::from(s * 15))).sum();
    let mut rows = Vec::new();
    for i in 0..7 * 96 {
        let t = monday() + Duration::minutes(15 * i);
        let weekend = t.weekday().num_days_from_monday() >= 5;
        let day = weekday_contacts * if weekend { 0.65 } else { 1.0 };
        let minute = f64::from(t.hour() * 60 + t.minute());
        for (q, share, aht, _) in QUEUES {
            let c = day * share * shape(minute) / total_shape;
            rows.push(ForecastRow {
                interval_start: t,
                queue: q.into(),
                contacts: c,
                contacts_p10: c,
                contacts_p90: c,
                aht_seconds: if weekend { aht * 1.15 } else { aht },
            });
        }
    }
    rows
}

/// Greedy roster: 4.25-hour part-time shifts (a 15-minute break after 2 hours) started whenever
/// fewer agents are on duty than `load / 0.9`, rounded up.
fn roster(forecast: &[ForecastRow]) -> Vec<RosterRow> {
    let queues: Vec<(&str, f64)> = QUEUES.iter().map(|q| (q.0, q.3)).collect();
    roster_of(forecast, &queues, 1.0)
}

/// The greedy roster of `queues` (name, slots per agent), with `load / 0.9 / present` agents
/// (`present`: the fraction expected to turn up).
fn roster_of(forecast: &[ForecastRow], queues: &[(&str, f64)], present: f64) -> Vec<RosterRow> {
    let mut rows = Vec::new();
    for &(q, slots) in queues {
        let mine: Vec<&ForecastRow> = forecast.iter().filter(|r| r.queue == q).collect();
        let mut ends: Vec<usize> = Vec::new();
        for (i, r) in mine.iter().enumerate() {
            let load = r.contacts * r.aht_seconds / 900.0 / slots;
            let need = if r.contacts > 0.0 { (load / 0.9 / present).ceil() as usize } else { 0 };
            ends.retain(|&e| e > i);
            while ends.len() < need {
                let start = r.interval_start;
                let k = rows.len();
                rows.push(RosterRow {
                    agent_id: format!("A{k}"),
                    name: format!("Agent {k}"),
                    date: start.naive_local().date(),
                    queue: q.into(),
                    shift_start: start,
                    shift_end: start + Duration::minutes(255),
                    paid_minutes: 240,
                    breaks: vec![(start + Duration::minutes(120), start + Duration::minutes(135))],
                });
                ends.push(i + 17);
            }
        }
    }
    rows
}

/// CPU seconds used by this process so far (user + system, from /proc/self/stat), so that a
/// per-core rate is measured even when other jobs share the machine; `None` off Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let config = PlanConfig::parse("plan.toml", PLAN, Path::new("")).unwrap();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    // 1. Contacts per second per core.
    let big = forecast(50_000.0);
    let rows = roster(&big);
    let replications = 16;
    let options = SimulationOptions { replications, seed: 1, ..SimulationOptions::default() };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let _warm = simulate::run(
        &rows,
        &big,
        None,
        &config.site,
        &SimulationOptions { replications: 1, ..options },
    )
    .unwrap();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let result = one.install(|| simulate::run(&rows, &big, None, &config.site, &options)).unwrap();
    let single = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu).map(|(b, a)| b - a).filter(|c| *c > 0.0);
    let contacts = result.total.offered.mean * f64::from(replications);
    println!(
        "simulate, 1 thread: {contacts:.0} contacts ({replications} replications of a week, 4 queues, \
         {} roster rows) in {single:.2} s wall = {:.2} million contacts/s; CPU {} s = {} million \
         contacts per CPU-second (SL {:.3}, abandon {:.3}, occupancy {:.3})",
        rows.len(),
        contacts / single / 1e6,
        cpu.map_or("?".into(), |c| format!("{c:.2}")),
        cpu.map_or("?".into(), |c| format!("{:.2}", contacts / c / 1e6)),
        result.total.service_level.unwrap().mean,
        result.total.abandon_rate.unwrap().mean,
        result.total.occupancy.unwrap().mean,
    );
    let t = Instant::now();
    let again = simulate::run(&rows, &big, None, &config.site, &options).unwrap();
    let all = t.elapsed().as_secs_f64();
    assert_eq!(again, result, "thread count must not change the result");
    println!(
        "simulate, {cores} threads: {:.2} million contacts/s ({:.2} per core)",
        contacts / all / 1e6,
        contacts / all / 1e6 / cores as f64
    );

    skills_vip_absence(cores);

    // 2. 1,000 staffing-level scenarios over a week of 4 queues.
    let base = forecast(5_000.0);
    let mut scenarios = Vec::with_capacity(1000);
    for k in 0..1000 {
        scenarios.push(Scenario {
            name: format!("s{k:04}"),
            volume_multiplier: Some(0.7 + (k % 50) as f64 * 0.02),
            shrinkage: Some(0.25 + ((k / 50) % 4) as f64 * 0.05),
            service_level: Some([0.8, 0.9][(k / 200) % 2]),
            target_answer_seconds: Some([20.0, 30.0][(k / 400) % 2]),
            hourly_cost: Some(18.0),
            ..Scenario::default()
        });
    }
    let options = WhatifOptions {
        simulation: SimulationOptions { replications: 1, seed: 1, ..SimulationOptions::default() },
        ..WhatifOptions::default()
    };
    let t = Instant::now();
    let cpu = cpu_seconds();
    let out = whatif::run(&base, None, &config.whatif_plan(), &scenarios, &options).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu).map(|(b, a)| b - a);
    let simulated: f64 =
        out.iter().filter_map(|o| o.simulated.as_ref()).map(|m| m.offered.mean).sum();
    let sl: Vec<f64> =
        out.iter().filter_map(|o| o.simulated.as_ref()?.service_level.map(|e| e.mean)).collect();
    println!(
        "whatif: {} scenarios (week, 4 queues, staffed + simulated once, {simulated:.0} contacts) on \
         {cores} threads in {secs:.2} s wall, {} CPU-s; simulated SL {:.3}..{:.3}",
        out.len(),
        cpu.map_or("?".into(), |c| format!("{c:.2}")),
        sl.iter().cloned().fold(f64::INFINITY, f64::min),
        sl.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
    );

    sample_data_comparison();
}

/// 1b. The same week plus a VIP voice queue (10% of voice, priority 1, 90% in 15 s) served by
/// shared agents: every voice and VIP agent has both skills, every third chat agent also
/// voice, every fourth email agent also social; absence 25% of rostered time (5% of it
/// off-queue in 30-minute blocks, the rest whole agent-days); the roster is sized for 75%
/// turning up.
fn skills_vip_absence(cores: usize) {
    let text = format!(
        "{PLAN}[[queues]]\nname = \"voice_vip\"\nchannel = \"voice\"\nservice_level = 0.9\n\
         target_answer_seconds = 15\npatience_seconds = 180\npriority = 1\n\
         [simulation]\nrouting = \"skills\"\nabsence = 0.25\noff_queue = 0.05\n"
    );
    let config = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap();
    let mut big = forecast(50_000.0);
    let vip: Vec<ForecastRow> = big
        .iter()
        .filter(|r| r.queue == "voice")
        .map(|r| ForecastRow { queue: "voice_vip".into(), ..r.clone() }.scaled(0.1))
        .collect();
    big.extend(vip);
    let queues =
        [("voice", 1.0), ("chat", 3.0), ("email", 1.0), ("social", 1.0), ("voice_vip", 1.0)];
    let rows = roster_of(&big, &queues, 0.75);
    let skills = Skills::from_pairs(rows.iter().enumerate().map(|(k, r)| {
        let list: &[&str] = match r.queue.as_str() {
            "voice" => &["voice", "voice_vip"],
            "voice_vip" => &["voice_vip", "voice"],
            "chat" if k % 3 == 0 => &["chat", "voice"],
            "email" if k % 4 == 0 => &["email", "social"],
            q => return (r.agent_id.clone(), vec![q.to_string()]),
        };
        (r.agent_id.clone(), list.iter().map(|s| s.to_string()).collect())
    }));
    let shared =
        rows.iter().filter(|r| skills.of(&r.agent_id).is_some_and(|s| s.len() > 1)).count();
    let replications = 16;
    let options = SimulationOptions {
        replications,
        seed: 1,
        ..SimulationOptions::from_config(&config.simulation, config.staffing.shrinkage).unwrap()
    };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let run = |o: &SimulationOptions| simulate::run(&rows, &big, Some(&skills), &config.site, o);
    let _warm = run(&SimulationOptions { replications: 1, ..options }).unwrap();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let result = one.install(|| run(&options)).unwrap();
    let single = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu).map(|(b, a)| b - a).filter(|c| *c > 0.0);
    let contacts = result.total.offered.mean * f64::from(replications);
    let sl = |q: usize| result.queues[q].metrics.service_level.unwrap().mean;
    println!(
        "simulate skills + VIP + absence, 1 thread: {contacts:.0} contacts ({replications} \
         replications of a week, 5 queues, {} roster rows of which {shared} multi-skilled, absence \
         {:.2} of agent-days + {:.2} off-queue) in {single:.2} s wall = {:.2} million contacts/s; \
         CPU {} s = {} million contacts per CPU-second (SL voice {:.3}, VIP {:.3}, chat {:.3})",
        rows.len(),
        result.absence.day_probability,
        result.absence.off_queue_fraction,
        contacts / single / 1e6,
        cpu.map_or("?".into(), |c| format!("{c:.2}")),
        cpu.map_or("?".into(), |c| format!("{:.2}", contacts / c / 1e6)),
        sl(0),
        sl(4),
        sl(1),
    );
    let t = Instant::now();
    let again = run(&options).unwrap();
    let all = t.elapsed().as_secs_f64();
    assert_eq!(again, result, "thread count must not change the result");
    println!(
        "simulate skills + VIP + absence, {cores} threads: {:.2} million contacts/s ({:.2} per core)",
        contacts / all / 1e6,
        contacts / all / 1e6 / cores as f64
    );
}

/// Scaling a forecast row's contacts.
trait Scaled {
    fn scaled(self, k: f64) -> Self;
}

impl Scaled for ForecastRow {
    fn scaled(mut self, k: f64) -> Self {
        self.contacts *= k;
        self.contacts_p10 *= k;
        self.contacts_p90 *= k;
        self
    }
}

/// Erlang projection vs simulation of the same requirement on the sample data.
fn sample_data_comparison() {
    use shiftcast::io::history::{read_history_frame, ReadHistoryOptions};
    let dir = Path::new("data");
    if !dir.join("history.csv").exists() {
        println!("sample data: data/history.csv not found, skipped");
        return;
    }
    let config = PlanConfig::read(&dir.join("plan.toml")).unwrap();
    let tz = config.site.time_zone();
    let options = ReadHistoryOptions {
        interval_minutes: Some(config.site.grid.interval_minutes),
        ..ReadHistoryOptions::new(tz)
    };
    let history = read_history_frame(&dir.join("history.csv"), &options).unwrap();
    let events = shiftcast::io::events::read_events(&dir.join("events.csv")).unwrap();
    let last = history.last_day().unwrap();
    let start = last.succ_opt().unwrap();
    let forecast = shiftcast::forecast::run_forecast(
        &history,
        &events,
        &config.site,
        &config.forecast,
        start,
        7,
    )
    .unwrap()
    .rows;
    let requirement =
        shiftcast::staffing::staff(&forecast, &config.site, &config.staffing).unwrap();
    let options = SimulationOptions { replications: 20, seed: 1, ..SimulationOptions::default() };
    let sim = simulate::run_requirement(&requirement, &forecast, &config.site, &options).unwrap();
    println!(
        "sample data: week from {start}, staffed with Erlang, simulated with exactly agents_net \
         on duty, 20 replications"
    );
    for q in &config.site.queues {
        // Intervals with contacts: (projected, simulated) service level.
        let mut pairs = Vec::new();
        let (mut below, mut above) = (0, 0);
        for s in sim.intervals.iter().filter(|s| s.queue == q.name) {
            let Some(r) = requirement
                .iter()
                .find(|r| r.queue == q.name && r.interval_start == s.interval_start)
            else {
                continue;
            };
            let Some(e) = s.metrics.service_level else { continue };
            if r.contacts <= 0.0 {
                continue;
            }
            if e.ci_high.is_some_and(|h| h < r.service_level) {
                below += 1;
            }
            if e.ci_low.is_some_and(|l| l > r.service_level) {
                above += 1;
            }
            pairs.push((r.service_level, e.mean, r.contacts));
        }
        let weight: f64 = pairs.iter().map(|p| p.2).sum();
        let projected = pairs.iter().map(|p| p.0 * p.2).sum::<f64>() / weight;
        let simulated = pairs.iter().map(|p| p.1 * p.2).sum::<f64>() / weight;
        let total = sim.queues.iter().find(|o| o.queue == q.name).unwrap();
        println!(
            "  {:<7} {} intervals: Erlang SL {projected:.3}, simulated {simulated:.3} \
             (contact-weighted; queue total {:.3} ± {:.3}, abandon {:.3}); simulated 95% CI below \
             the projection in {below}, above it in {above}",
            q.name,
            pairs.len(),
            total.metrics.service_level.unwrap().mean,
            total.metrics.service_level.unwrap().half_width(),
            total.metrics.abandon_rate.unwrap().mean,
        );
    }
}
