//! Speed of the foundation: generating the sample set, reading data/history.csv (two years, four
//! queues, 151k rows) with gap detection, aggregating a contact log, reading agents and events.
//!
//! Run: `cargo run --release --example bench_foundation` (from the crate root). Prints the
//! median of several runs of each step.

use std::path::Path;
use std::time::Instant;

use shiftcast::io::{agents, contact_log, events, history};
use shiftcast::plan::PlanConfig;

fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() -> anyhow::Result<()> {
    let plan = PlanConfig::read(Path::new("data/plan.toml"))?;
    let tz = plan.site.time_zone();
    let dir = tempfile::tempdir()?;
    let ms = median_ms(3, || shiftcast::generate::generate(42, dir.path()).unwrap());
    println!("generate --seed 42 (5 files, 4.7 MB):            {ms:8.1} ms");

    let o = history::ReadHistoryOptions {
        tz,
        interval_minutes: Some(15),
        opening_hours: Some(plan.site.opening_hours.clone()),
    };
    let h = history::read_history(Path::new("data/history.csv"), &o)?;
    let ms = median_ms(5, || history::read_history(Path::new("data/history.csv"), &o).unwrap());
    println!(
        "read_history data/history.csv ({} rows):      {ms:8.1} ms  ({:.2} M rows/s)",
        h.len(),
        h.len() as f64 / ms / 1000.0
    );
    let inferred = history::ReadHistoryOptions::new(tz);
    let ms =
        median_ms(5, || history::read_history(Path::new("data/history.csv"), &inferred).unwrap());
    println!("read_history, interval + opening hours inferred: {ms:8.1} ms");
    let out = dir.path().join("h.csv");
    let ms = median_ms(5, || history::write_history(&out, &h).unwrap());
    println!("write_history ({} rows):                      {ms:8.1} ms", h.len());

    let log_path = Path::new("data/contact_log_sample.csv");
    let log = contact_log::read_contact_log(log_path, tz)?;
    let ms = median_ms(9, || contact_log::read_contact_log(log_path, tz).unwrap());
    println!("read_contact_log ({} contacts):                 {ms:8.1} ms", log.len());
    let ms = median_ms(9, || contact_log::aggregate(&log, &plan.site.grid));
    println!("aggregate ({} contacts → 15-min history):        {ms:8.1} ms", log.len());

    let ms = median_ms(9, || agents::read_agents(Path::new("data/agents.csv")).unwrap());
    println!("read_agents (120 agents):                         {ms:8.1} ms");
    let ms = median_ms(9, || events::read_events(Path::new("data/events.csv")).unwrap());
    println!("read_events (32 events):                          {ms:8.1} ms");
    Ok(())
}
