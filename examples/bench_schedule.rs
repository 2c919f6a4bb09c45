//! Scheduling benchmark: one week at 15 minutes, 24×7, starts every 15 minutes, 4/6/8/10-hour
//! shifts with a break, a lunch and a second break — one queue, then ten times the volume over
//! three sites (queues). Prints back end, status, objective, LP bound, gap and time.
//!
//! `cargo run --release --example bench_schedule [-- --solver cbc] [--case week|x10] [--days N] [--tours]
//! [--node-limit N]`
//! (CBC needs `--features cbc`; `--days N` keeps the first N days).
//!
//! The requirement is Erlang C at 80/20, AHT 300 s, occupancy <= 0.85 on a synthetic week:
//! 6,000 contacts on Monday falling to 3,600 on Sunday, peaks at 10:00 and 15:00, nights at
//! about a tenth of the peak (DESIGN.md's domain facts).

use std::path::Path;
use std::time::Instant;

use shiftcast::io::requirements::RequirementRow;
use shiftcast::plan::PlanConfig;
use shiftcast::schedule::{self, SolveOptions, SolverKind};
use shiftcast::time;

/// Erlang C service level `1 - C(n, A) exp(-(n - A) T / AHT)` via the Erlang B recursion
/// `B(n) = A B(n-1) / (n + A B(n-1))`, `C = n B / (n - A (1 - B))` (Gross & Harris, 4th ed. §2.3).
fn erlang_c_service_level(traffic: f64, agents: u32, answer_seconds: f64, aht_seconds: f64) -> f64 {
    if f64::from(agents) <= traffic {
        return 0.0;
    }
    let mut b = 1.0;
    for k in 1..=agents {
        b = traffic * b / (f64::from(k) + traffic * b);
    }
    let n = f64::from(agents);
    let c = n * b / (n - traffic * (1.0 - b));
    1.0 - c * (-(n - traffic) * answer_seconds / aht_seconds).exp()
}

fn agents_needed(traffic: f64) -> u32 {
    if traffic <= 0.0 {
        return 0;
    }
    let mut n = (traffic / 0.85).ceil() as u32;
    while erlang_c_service_level(traffic, n, 20.0, 300.0) < 0.8 {
        n += 1;
    }
    n
}

fn requirements(queue: &str, volume: f64, days: usize) -> Vec<RequirementRow> {
    let tz = time::parse_time_zone("UTC").unwrap();
    let daily = [6000.0, 5800.0, 5600.0, 5600.0, 5400.0, 3900.0, 3600.0];
    let shape =
        |h: f64| 0.1 + (-(h - 10.0).powi(2) / 4.0).exp() + 0.85 * (-(h - 15.0).powi(2) / 5.0).exp();
    let total: f64 = (0..96).map(|i| shape(i as f64 / 4.0)).sum();
    let mut rows = Vec::new();
    for (d, calls) in daily.iter().enumerate().take(days) {
        for i in 0..96 {
            let contacts = volume * calls * shape(i as f64 / 4.0) / total;
            let traffic = contacts * 300.0 / 900.0;
            let at = format!("2025-03-{:02}T{:02}:{:02}", 3 + d, i / 4, (i % 4) * 15);
            let agents = agents_needed(traffic);
            rows.push(RequirementRow {
                interval_start: time::parse_local(&at, tz).unwrap(),
                queue: queue.into(),
                contacts,
                aht_seconds: 300.0,
                traffic_erlangs: traffic,
                agents_net: agents,
                agents_gross: (f64::from(agents) / 0.7).ceil() as u32,
                service_level: erlang_c_service_level(traffic, agents, 20.0, 300.0),
                asa_seconds: 0.0,
                occupancy: if agents > 0 { traffic / f64::from(agents) } else { 0.0 },
                abandon_rate: None,
            });
        }
    }
    rows
}

// The benchmark schedules the requirement itself: no unplanned shrinkage (plan.toml's default
// would gross it up by the part of `[staffing] shrinkage` the breaks do not take).
const SCHEDULE: &str = r#"
[schedule]
unplanned_shrinkage = 0.0
start_step_minutes = 15
earliest_start = "00:00"
latest_start = "23:45"
shift_lengths_minutes = [240, 360, 480, 600]
cost_per_paid_hour = 1.0
under_staffing_cost_per_agent_hour = 10.0
over_staffing_cost_per_agent_hour = 0.1
time_limit_seconds = 60
mip_gap = 0.001
[[schedule.breaks]]
name = "break"
length_minutes = 15
earliest_start_minutes = 90
latest_start_minutes = 150
max_shift_minutes = 360
[[schedule.breaks]]
name = "lunch"
length_minutes = 30
paid = false
earliest_start_minutes = 210
latest_start_minutes = 270
min_shift_minutes = 480
"#;

/// `--tours`: weekly tours, 5 days on and 2 consecutive days off, full time 8 or 10 h, part time
/// 4 or 6 h.
const TOURS: &str = r#"
[[schedule.contracts]]
name = "full_time"
shift_lengths_minutes = [480, 600]
days_per_week = 5
consecutive_days_off = true

[[schedule.contracts]]
name = "part_time"
shift_lengths_minutes = [240, 360]
days_per_week = 5
consecutive_days_off = true
"#;

fn plan(queues: &[&str], with_breaks: bool, tours: bool, node_limit: Option<f64>) -> PlanConfig {
    let mut text = String::from(
        "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 15\n[staffing]\nshrinkage = 0.3\n",
    );
    for q in queues {
        text += &format!("[[queues]]\nname = \"{q}\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\n");
    }
    let keep: usize = std::env::var("BENCH_BREAKS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let parts: Vec<&str> = SCHEDULE.split("[[schedule.breaks]]").collect();
    text += parts[0];
    if let Some(n) = node_limit {
        text += &format!("node_limit = {n}\n");
    }
    if with_breaks {
        for p in &parts[1..=keep] {
            text += "[[schedule.breaks]]";
            text += p;
        }
    }
    if tours {
        text += TOURS;
    }
    PlanConfig::parse("bench plan.toml", &text, Path::new("")).expect("bench plan")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let solver = match args.iter().position(|a| a == "--solver") {
        Some(i) => args[i + 1].parse::<SolverKind>().expect("solver"),
        None => SolverKind::Microlp,
    };
    let number = |flag: &str| {
        args.iter().position(|a| a == flag).map(|i| args[i + 1].parse::<f64>().expect(flag))
    };
    let options = SolveOptions {
        solver,
        time_limit_seconds: number("--time-limit-seconds"),
        mip_gap: number("--mip-gap"),
        write_model: args
            .iter()
            .position(|a| a == "--write-model")
            .map(|i| std::path::PathBuf::from(&args[i + 1])),
        ..SolveOptions::default()
    };
    let cases: Vec<(&str, Vec<&str>, f64)> = vec![
        ("one week 15-min 24x7, starts /15, 4/6/8/10 h + breaks", vec!["voice"], 1.0),
        ("x10 volume over three sites", vec!["site_a", "site_b", "site_c"], 10.0),
    ];
    println!("| instance | back end | status | objective | LP bound | gap | paid hours | shifts | integer columns | rows | seconds |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    // `--days N`: the first N days only (sub-instances small enough for a solver to prove their
    // optimum); `--case week|x10`: one of the two instances.
    let days = number("--days").map_or(7, |d| d as usize);
    let only = args.iter().position(|a| a == "--case").map(|i| args[i + 1].as_str());
    let (breaks, tours) =
        (!args.iter().any(|a| a == "--no-breaks"), args.iter().any(|a| a == "--tours"));
    for (key, (label, queues, volume)) in ["week", "x10"].into_iter().zip(cases) {
        if only.is_some_and(|o| o != key) {
            continue;
        }
        let config = plan(&queues, breaks, tours, number("--node-limit"));
        let rows: Vec<RequirementRow> =
            queues.iter().flat_map(|q| requirements(q, volume, days)).collect();
        let started = Instant::now();
        let r = match schedule::solve(&rows, &config.site, &config.schedule, &options) {
            Ok(r) => r,
            Err(e) => {
                println!("| {label} | {} | error: {e} |", solver.as_str());
                continue;
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        let s = &r.summary;
        let status = match &s.status {
            schedule::Status::Optimal => "optimal".to_string(),
            schedule::Status::GapLimit { .. } => "gap limit".to_string(),
            schedule::Status::TimeLimit { .. } => "time limit".to_string(),
            schedule::Status::NodeLimit { .. } => "node limit".to_string(),
            schedule::Status::Feasible { .. } => "feasible".to_string(),
            schedule::Status::Infeasible { rule, .. } => format!("infeasible ({rule})"),
        };
        let ints: usize = s.queues.iter().map(|q| q.integer_columns).sum();
        let nrows: usize = s.queues.iter().map(|q| q.rows).sum();
        println!(
            "| {label} | {} | {status} | {:.2} | {:.2} | {:.4}% | {:.1} | {} | {ints} | {nrows} | {seconds:.2} |",
            solver.as_str(),
            s.objective,
            s.lp_bound.unwrap_or(f64::NAN),
            100.0 * s.gap.unwrap_or(f64::NAN),
            s.paid_hours,
            s.shifts,
        );
        for q in &s.queues {
            eprintln!(
                "  {}: {:?} obj {:.2} lp {:?} gap {:?} lp {:.2}s total {:.2}s {:?}",
                q.queue,
                q.status,
                q.objective,
                q.lp_bound,
                q.gap,
                q.lp_seconds,
                q.solve_seconds,
                q.warnings
            );
        }
    }
}
