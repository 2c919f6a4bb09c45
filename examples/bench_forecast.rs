//! Forecast benchmarks (figures in BENCHMARKS.md, section `forecast`).
//!
//! 1. The 26-fold rolling-origin backtest of every model on the real US bank call data
//!    (`../shared/data/us_bank_calls_5min_2003.csv`; skipped with a message when absent):
//!    accuracy per model and the wall time.
//!    Each fold knows only the history before its origin; then with the bank's three closed
//!    holidays declared as closures, and the intraday re-forecast at 11:00 and 14:00.
//! 2. A forecast of 4 queues × 4 weeks from 2 years of synthetic 15-minute history.
//!
//! Run: `cargo run --release --example bench_forecast` (add `-- --json` for the JSON report).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use shiftcast::forecast::{
    backtest, backtest_intraday, run_forecast, site_for_history, BacktestOptions, ForecastConfig,
};
use shiftcast::io::events::{Event, EventKind};
use shiftcast::io::history::{History, HistoryFrame, HistoryRecord};
use shiftcast::time::{parse_local, IntervalGrid};

/// The bank file is `datetime,calls` with local US/Eastern times at 5-minute intervals.
fn load_bank(path: &Path) -> Result<HistoryFrame, String> {
    let tz: chrono_tz::Tz = "America/New_York".parse().map_err(|_| "time zone".to_string())?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let (t, c) = line
            .split_once(',')
            .ok_or_else(|| format!("line {}: expected datetime,calls", i + 1))?;
        let stamp = parse_local(t, tz).map_err(|e| format!("line {}: {e}", i + 1))?;
        let contacts: f64 =
            c.trim().parse().map_err(|_| format!("line {}: bad calls {c:?}", i + 1))?;
        records.push(HistoryRecord {
            interval_start: stamp,
            queue: "bank".into(),
            contacts,
            aht_seconds: None,
        });
    }
    Ok(History {
        interval_minutes: 5,
        queues: BTreeMap::from([("bank".to_string(), records)]),
        gaps: Vec::new(),
    }
    .into_frame(tz))
}

/// Two years of 15-minute history for 4 queues, 08:00–20:00 daily, weekday pattern, Poisson.
fn synthetic_history(first: NaiveDate, days: i64) -> HistoryFrame {
    let tz: chrono_tz::Tz = "Europe/London".parse().expect("tz");
    let grid = IntervalGrid::new(tz, 15).expect("grid");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut queues = BTreeMap::new();
    for (q, scale) in [("billing", 1.0), ("sales", 0.6), ("support", 1.4), ("chat", 0.8)] {
        let mut records = Vec::new();
        for d in 0..days {
            let date = first + Duration::days(d);
            let day_factor = [1.15, 1.0, 0.95, 0.95, 1.0, 0.65, 0.45]
                [date.weekday().num_days_from_monday() as usize];
            for stamp in grid.day_starts(date) {
                let h = stamp.hour() as f64 + stamp.minute() as f64 / 60.0;
                if !(8.0..20.0).contains(&h) {
                    continue;
                }
                let shape = (-(h - 10.5).powi(2) / 4.0).exp()
                    + 0.8 * (-(h - 14.5).powi(2) / 5.0).exp()
                    + 0.2;
                let mean = 40.0 * scale * day_factor * shape;
                let c = Poisson::new(mean).expect("mean > 0").sample(&mut rng);
                records.push(HistoryRecord {
                    interval_start: stamp,
                    queue: q.into(),
                    contacts: c,
                    aht_seconds: Some(280.0 + 20.0 * shape),
                });
            }
        }
        queues.insert(q.to_string(), records);
    }
    History { interval_minutes: 15, queues, gaps: Vec::new() }.into_frame(tz)
}

/// `../shared/data/` beside the crate (the main checkout), or two levels up (a worktree).
fn bank_path() -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = "shared/data/us_bank_calls_5min_2003.csv";
    [root.join("..").join(file), root.join("../..").join(file)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| root.join("..").join(file))
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let bank = bank_path();
    if bank.exists() {
        let history = load_bank(&bank).expect("bank data");
        let grid = IntervalGrid::new("America/New_York".parse().expect("tz"), 5).expect("grid");
        let site = site_for_history(grid);
        let plan = ForecastConfig::default();
        let options = BacktestOptions {
            horizon_days: 7,
            folds: 26,
            first_origin: NaiveDate::from_ymd_opt(2003, 4, 28),
        };
        let t0 = Instant::now();
        let report = backtest(&history, &[], &site, &plan, &options).expect("backtest");
        let secs = t0.elapsed().as_secs_f64();
        if json {
            println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        }
        let q = &report.queues[0];
        println!(
            "US bank calls, 5-min, 26 weekly folds from 2003-04-28, 1 week ahead ({} threads)",
            rayon::current_num_threads()
        );
        println!(
            "{:<16} {:>7} {:>8} {:>7} {:>6} {:>7} {:>9} {:>8}",
            "model", "WAPE%", "daily%", "MAPE%", "MASE", "bias%", "P10-P90", "time s"
        );
        for m in &q.models {
            println!(
                "{:<16} {:>7.2} {:>8.2} {:>7.2} {:>6.3} {:>7.2} {:>9.3} {:>8.3}",
                m.model,
                100.0 * m.accuracy.wape,
                100.0 * m.wape_daily,
                100.0 * m.accuracy.mape,
                m.accuracy.mase,
                100.0 * m.accuracy.bias,
                m.accuracy.coverage_p10_p90,
                m.run_time_seconds
            );
        }
        println!("Poisson noise floor: {:.2}%", 100.0 * q.noise_floor_wape);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        q.choices.iter().for_each(|(_, c)| *counts.entry(c.as_str()).or_default() += 1);
        println!("auto choices per fold: {counts:?}");
        println!("backtest wall time: {secs:.3} s");
        // The bank's three closed public holidays in the folds, declared as closures: each fold
        // then knows the closure and the rebound after it (without, it cannot: honest folds).
        let closures: Vec<Event> =
            [(5, 26, "Memorial Day"), (7, 4, "Independence Day"), (9, 1, "Labor Day")]
                .iter()
                .map(|&(m, d, name)| {
                    let day = NaiveDate::from_ymd_opt(2003, m, d).expect("date");
                    Event {
                        start: day.and_hms_opt(0, 0, 0).expect("midnight"),
                        end: (day + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight"),
                        kind: EventKind::Closure,
                        name: name.into(),
                        queue: None,
                        uplift: None,
                    }
                })
                .collect();
        let t0 = Instant::now();
        let declared = backtest(&history, &closures, &site, &plan, &options).expect("backtest");
        let secs = t0.elapsed().as_secs_f64();
        let auto = declared.queues[0].models.iter().find(|m| m.model == "auto").expect("auto");
        println!(
            "with the 3 closures declared: auto WAPE {:.2}% (wall time {secs:.3} s)",
            100.0 * auto.accuracy.wape
        );
        // Intraday re-forecast of the rest of each test day against the day-ahead forecast.
        let times = [
            NaiveTime::from_hms_opt(11, 0, 0).expect("time"),
            NaiveTime::from_hms_opt(14, 0, 0).expect("time"),
        ];
        let t0 = Instant::now();
        let intraday =
            backtest_intraday(&history, &[], &site, &plan, &options, &times).expect("intraday");
        let secs = t0.elapsed().as_secs_f64();
        for s in &intraday.scores {
            println!(
                "as of {}: rest-of-day WAPE {:.2}% (day-ahead {:.2}%), better on {} of {} days",
                s.as_of,
                100.0 * s.wape_as_of,
                100.0 * s.wape_day_ahead,
                s.days_better,
                s.days
            );
        }
        println!("intraday backtest wall time: {secs:.3} s");
        // The forecast of the week after the data, with the evidence a planner sees.
        // The bank file has no handle time: 300 s stands in so that rows can be written.
        let mut with_aht = plan.clone();
        with_aht.default_aht_seconds = Some(300.0);
        let out = run_forecast(
            &history,
            &[],
            &site,
            &with_aht,
            NaiveDate::from_ymd_opt(2003, 10, 27).expect("date"),
            5,
        )
        .expect("forecast");
        let q = &out.queues[0];
        println!(
            "forecast from 2003-10-27: chosen {}, rebound after closures x{:.3} / x{:.3}, P10/P90 z {:.2}/{:.2}, k by day {:.4?}",
            q.chosen,
            q.rebound.map_or(f64::NAN, |r| r.0),
            q.rebound.map_or(f64::NAN, |r| r.1),
            q.interval_z10,
            q.interval_z90,
            q.interval_k_by_day
        );
        // Sensitivity of top_down to its two main settings (defaults 56 days / 8 weeks): the
        // accuracy must not hinge on values fitted to this series.
        println!("top_down WAPE by half_life_days x profile_weeks:");
        for half_life in [28.0, 56.0, 112.0] {
            let mut line = format!("  half-life {half_life:>5}:");
            for weeks in [4, 8, 12] {
                let mut p = plan.clone();
                p.method = "top_down".into();
                p.half_life_days = half_life;
                p.profile_weeks = weeks;
                let r = backtest(&history, &[], &site, &p, &options).expect("backtest");
                let m =
                    r.queues[0].models.iter().find(|m| m.model == "top_down").expect("top_down");
                line += &format!("  {weeks:>2} wk {:.2}%", 100.0 * m.accuracy.wape);
            }
            println!("{line}");
        }
    } else {
        println!("skipping the bank backtest: {} not found", bank.display());
    }

    let first = NaiveDate::from_ymd_opt(2023, 3, 6).expect("date");
    let history = synthetic_history(first, 728);
    let grid = IntervalGrid::new("Europe/London".parse().expect("tz"), 15).expect("grid");
    let site = site_for_history(grid);
    let plan = ForecastConfig::default();
    let start = first + Duration::days(728);
    let t0 = Instant::now();
    let out = run_forecast(&history, &[], &site, &plan, start, 28).expect("forecast");
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "forecast 4 queues x 28 days from 2 years of 15-min history: {} rows in {secs:.3} s",
        out.rows.len()
    );
    for q in &out.queues {
        println!(
            "  {}: chosen {} ({} validation residuals)",
            q.queue, q.chosen, q.interval_residuals
        );
    }
}
