//! `shiftcast backtest`: rolling-origin backtest of every forecast model (and the automatic
//! choice) on a history, with WAPE, MAPE, MASE, bias, P10–P90 coverage, run time and the Poisson
//! noise floor per queue.

use anyhow::Context;
use shiftcast::forecast::{backtest, backtest_intraday, BacktestOptions};
use shiftcast::time::parse_date;

use crate::cli::forecast::InputArgs;
use crate::cli::{print_json, values, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Days forecast from each origin (origins are this many days apart).
    #[arg(long, default_value_t = 7, value_parser = values::horizon_days)]
    pub horizon_days: u32,
    /// Number of folds (origins).
    #[arg(long, default_value_t = 26, value_parser = values::at_least_one)]
    pub folds: u32,
    /// First origin (YYYY-MM-DD); default: the latest that fits all folds in the history.
    #[arg(long)]
    pub first_origin: Option<String>,
    /// Backtest the intraday re-forecast instead: at these local times of day (`11:00,14:00`),
    /// each test day's re-forecast of the rest of the day against its day-ahead forecast.
    #[arg(long, value_delimiter = ',')]
    pub as_of_times: Vec<String>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let inputs = args.input.load()?;
    let first_origin = match &args.first_origin {
        Some(s) => Some(parse_date(s).map_err(anyhow::Error::msg).context("--first-origin")?),
        None => None,
    };
    let options =
        BacktestOptions { horizon_days: args.horizon_days, folds: args.folds, first_origin };
    if !args.as_of_times.is_empty() {
        let times = args
            .as_of_times
            .iter()
            .map(|t| {
                chrono::NaiveTime::parse_from_str(t, "%H:%M")
                    .map_err(|e| anyhow::anyhow!("--as-of-times: expected HH:MM, got {t:?} ({e})"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let report = backtest_intraday(
            &inputs.history,
            &inputs.events,
            &inputs.site,
            &inputs.forecast,
            &options,
            &times,
        )
        .context("backtesting the intraday re-forecast")?;
        match args.format {
            Format::Json => print_json(&report)?,
            Format::Table => {
                println!(
                    "{} folds of {} day(s) from {}: rest of each day, all queues",
                    report.folds, args.horizon_days, report.first_origin
                );
                println!(
                    "{:<6} {:>14} {:>10} {:>16}",
                    "as of", "day-ahead WAPE%", "as-of WAPE%", "better days"
                );
                for s in &report.scores {
                    println!(
                        "{:<6} {:>14.2} {:>10.2} {:>10} of {}",
                        s.as_of,
                        100.0 * s.wape_day_ahead,
                        100.0 * s.wape_as_of,
                        s.days_better,
                        s.days
                    );
                }
            }
        }
        return Ok(());
    }
    let report =
        backtest(&inputs.history, &inputs.events, &inputs.site, &inputs.forecast, &options)
            .context("backtesting")?;
    match args.format {
        Format::Json => print_json(&report)?,
        Format::Table => {
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            println!(
                "{} folds of {} day(s) from {} ({:.2} s)",
                report.folds, report.horizon_days, report.first_origin, report.run_time_seconds
            );
            for q in &report.queues {
                println!(
                    "\nqueue {} (Poisson noise floor WAPE {:.2}%)",
                    q.queue,
                    100.0 * q.noise_floor_wape
                );
                println!(
                    "{:<16} {:>7} {:>8} {:>7} {:>6} {:>7} {:>8} {:>7} {:>6}",
                    "model",
                    "WAPE%",
                    "daily%",
                    "MAPE%",
                    "MASE",
                    "bias%",
                    "P10-P90",
                    "time s",
                    "folds"
                );
                for m in &q.models {
                    println!(
                        "{:<16} {:>7.2} {:>8.2} {:>7.2} {:>6.3} {:>7.2} {:>8.3} {:>7.3} {:>6}",
                        m.model,
                        100.0 * m.accuracy.wape,
                        100.0 * m.wape_daily,
                        100.0 * m.accuracy.mape,
                        m.accuracy.mase,
                        100.0 * m.accuracy.bias,
                        m.accuracy.coverage_p10_p90,
                        m.run_time_seconds,
                        m.folds
                    );
                }
                let mut counts = std::collections::BTreeMap::<&str, usize>::new();
                q.choices.iter().for_each(|(_, c)| *counts.entry(c.as_str()).or_default() += 1);
                let c: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
                println!("auto chose: {}", c.join(", "));
            }
        }
    }
    Ok(())
}
