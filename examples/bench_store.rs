//! Run time of the store on the sample: importing two years of history (151,360 interval rows,
//! written by the generator) into a fresh store, and `accuracy` over 52 published weeks.
//!
//! ```sh
//! cargo run --release --example bench_store          # 3 runs of each
//! cargo run --release --example bench_store -- 5     # 5 runs
//! ```
//!
//! The 52 runs are published through the store's API with a forecast per open interval of
//! each of the history's last 52 weeks (the actual scaled by a deterministic factor), so that
//! every forecast interval has an actual to be judged against, as after a year of weekly plans.

use std::time::Instant;

use chrono::Duration;
use shiftcast::io::forecast::ForecastRow;
use shiftcast::plan::PlanConfig;
use shiftcast::store::accuracy::{accuracy, AccuracyOptions};
use shiftcast::store::import::import_history;
use shiftcast::store::{stamp, NewRun, SqliteStore, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(3);
    let dir = tempfile::tempdir()?;
    let summary = shiftcast::generate::generate(42, dir.path())?;
    let history = dir.path().join("history.csv");
    let config = PlanConfig::read(&dir.path().join("plan.toml"))?;
    println!(
        "history: {} rows, {} to {}",
        summary.history_rows, summary.history_first_day, summary.history_last_day
    );

    let mut parse_seconds = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        shiftcast::io::history::read_history(
            &history,
            &shiftcast::io::history::ReadHistoryOptions {
                tz: config.site.time_zone(),
                interval_minutes: Some(config.site.grid.interval_minutes),
                opening_hours: None,
            },
        )?;
        parse_seconds.push(t.elapsed().as_secs_f64());
    }
    report("of which reading history.csv", &parse_seconds);
    let mut import_seconds = Vec::new();
    let mut store = None;
    for i in 0..runs {
        let path = dir.path().join(format!("import{i}.db"));
        let mut s = SqliteStore::open(&path)?;
        shiftcast::plan::store::init(&mut s, &config)?;
        let t = Instant::now();
        let imported = import_history(&mut s, &history)?;
        import_seconds.push(t.elapsed().as_secs_f64());
        assert_eq!(imported.rows as usize, summary.history_rows);
        store = Some(s);
    }
    report("import two years of history", &import_seconds);

    let mut store = store.expect("at least one run");
    let published = publish_weeks(&mut store, &config, 52)?;
    let mut accuracy_seconds = Vec::new();
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = accuracy(&store, &AccuracyOptions::default())?.len();
        accuracy_seconds.push(t.elapsed().as_secs_f64());
    }
    let ids: Vec<i64> = store.runs()?.iter().map(|r| r.run_id).collect();
    let t = Instant::now();
    let scored = store.scored_intervals(&ids)?.len();
    println!(
        "of which joining {scored} forecast intervals with actuals: {:.3} s",
        t.elapsed().as_secs_f64()
    );
    println!("accuracy: {published} published runs, {rows} rows");
    report("accuracy over 52 published weeks", &accuracy_seconds);
    Ok(())
}

/// Publish one run per week for the history's last `weeks` weeks; returns how many.
fn publish_weeks(
    store: &mut SqliteStore,
    config: &PlanConfig,
    weeks: i64,
) -> Result<usize, Box<dyn std::error::Error>> {
    let tz = config.site.time_zone();
    let actuals = store.actuals()?;
    let last_day = shiftcast::generate::history_last_day();
    for w in 0..weeks {
        let start = last_day + Duration::days(1 - 7 * (weeks - w));
        let from = shiftcast::time::start_of_day(start, tz).timestamp();
        let to = shiftcast::time::start_of_day(start + Duration::days(7), tz).timestamp();
        let forecast: Vec<ForecastRow> = actuals
            .iter()
            .filter(|a| a.interval_start >= from && a.interval_start < to)
            .enumerate()
            .map(|(i, a)| {
                let f = a.contacts * (0.9 + 0.2 * ((i * 7919 % 101) as f64 / 100.0));
                ForecastRow {
                    interval_start: stamp(tz, a.interval_start),
                    queue: a.queue.clone(),
                    contacts: f,
                    contacts_p10: f * 0.8,
                    contacts_p90: f * 1.2,
                    aht_seconds: a.aht_seconds.unwrap_or(270.0),
                }
            })
            .collect();
        let run = NewRun {
            published_at: format!("{}T12:00:00Z", start - Duration::days(3)),
            config_path: "plan.toml".into(),
            config: String::new(),
            seed: 1,
            start,
            days: 7,
            history_through: Some(start - Duration::days(1)),
            code_version: "bench".into(),
            out_dir: String::new(),
        };
        store.publish(&run, &forecast, &[])?;
    }
    Ok(store.runs()?.len())
}

fn report(what: &str, seconds: &[f64]) {
    let best = seconds.iter().cloned().fold(f64::INFINITY, f64::min);
    let worst = seconds.iter().cloned().fold(0.0, f64::max);
    println!("{what}: best {best:.3} s, worst {worst:.3} s over {} runs", seconds.len());
}
