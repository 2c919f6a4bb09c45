//! `shiftcast accuracy`: how the site's published forecasts compared with the actuals imported
//! since — WAPE, bias and P10–P90 coverage per run, queue and lead time, and overall.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use shiftcast::store::accuracy::{accuracy, by_lead, AccuracyOptions, AccuracyRow};
use shiftcast::store::SqliteStore;

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's store (made by `shiftcast db init`, runs recorded by `plan --publish`).
    #[arg(long)]
    pub db: PathBuf,
    /// Only runs that start within this many weeks before the last actual.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub weeks: Option<u32>,
    /// `table`: per run and queue, then per lead time over all runs; `json`: every row (per run,
    /// queue and lead time; queue "all" over queues; lead_days null over lead times).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let store = SqliteStore::open_existing(&args.db)
        .with_context(|| format!("opening the store {}", args.db.display()))?;
    let rows = accuracy(&store, &AccuracyOptions { weeks: args.weeks })
        .with_context(|| format!("judging the published forecasts in {}", args.db.display()))?;
    match args.format {
        Format::Json => print_json(&rows),
        Format::Table => print_table(&rows),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "–".into())
}

fn print_table(rows: &[AccuracyRow]) -> anyhow::Result<()> {
    let mut text = String::new();
    if rows.is_empty() {
        text.push_str("no published forecast has actuals yet\n");
    } else {
        text.push_str(&format!(
            "{:>4}  {:<10}  {:<8}  {:>9}  {:>10}  {:>10}  {:>7}  {:>7}  {:>8}  {:>9}\n",
            "run",
            "start",
            "queue",
            "intervals",
            "actual",
            "forecast",
            "WAPE",
            "bias",
            "P10-P90",
            "SL (plan)"
        ));
    }
    for r in rows.iter().filter(|r| r.lead_days.is_none()) {
        let sl = match (r.service_level_delivered, r.service_level_planned) {
            (Some(d), Some(p)) => format!("{} ({})", pct(Some(d)), pct(Some(p))),
            (Some(d), None) => pct(Some(d)),
            _ => "–".into(),
        };
        text.push_str(&format!(
            "{:>4}  {:<10}  {:<8}  {:>9}  {:>10.0}  {:>10.0}  {:>7}  {:>7}  {:>8}  {:>9}\n",
            r.run_id,
            r.start,
            r.queue,
            r.intervals,
            r.actual,
            r.forecast,
            pct(r.wape),
            pct(r.bias),
            pct(Some(r.coverage_p10_p90)),
            sl
        ));
    }
    let leads = by_lead(rows);
    if !leads.is_empty() {
        text.push_str(
            "\nall runs and queues, by lead time (days after the last actual a run saw):\n",
        );
        for l in leads {
            text.push_str(&format!(
                "  {:>3} days  {:>7} intervals  WAPE {:>7}  bias {:>7}\n",
                l.lead_days,
                l.intervals,
                pct(l.wape),
                pct(l.bias)
            ));
        }
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
