//! `shiftcast forecast`: forecast contacts (with P10/P90) and handle time per open interval and
//! queue, from history.csv (+ events.csv, plan.toml), into forecast.csv.

use std::path::{Path, PathBuf};

use anyhow::Context;
use shiftcast::forecast::{
    run_forecast, run_intraday, site_for_history, ForecastConfig, ForecastOutput, QueueReport,
};
use shiftcast::io::events::{read_events, Event};
use shiftcast::io::forecast::write_forecast;
use shiftcast::io::history::{read_history_frame, HistoryFrame, ReadHistoryOptions};
use shiftcast::plan::inputs::{planning_start, Needs, PlanInputs};
use shiftcast::plan::PlanConfig;
use shiftcast::site::Site;
use shiftcast::time::{parse_date, parse_time_zone};

use crate::cli::{print_json, values, Format};

/// Input flags shared by `forecast` and `backtest`.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// history.csv (`interval_start,queue,contacts[,aht_seconds]`); default: `[inputs] history`
    /// of --config.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// events.csv (`start,end,kind,name,queue,uplift`); default: `[inputs] events` of --config.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// plan.toml: time zone, interval, opening hours, `[forecast]` settings, per-queue
    /// default_aht_seconds.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Interval length of the history in minutes (default: from --config, else inferred).
    #[arg(long)]
    pub interval_minutes: Option<u32>,
    /// IANA time zone of the history's local times (needed without --config), e.g. Europe/London.
    #[arg(long)]
    pub time_zone: Option<String>,
}

/// Everything a forecast or backtest reads.
pub struct Inputs {
    pub history: HistoryFrame,
    pub events: Vec<Event>,
    /// The site to forecast for: plan.toml's, or one on the history's own grid.
    pub site: Site,
    pub forecast: ForecastConfig,
}

impl InputArgs {
    pub fn load(&self) -> anyhow::Result<Inputs> {
        let config = match &self.config {
            Some(p) => {
                Some(PlanConfig::read(p).with_context(|| format!("reading {}", p.display()))?)
            }
            None => None,
        };
        let tz = match (&self.time_zone, &config) {
            (Some(z), _) => parse_time_zone(z).context("--time-zone")?,
            (None, Some(c)) => c.site.time_zone(),
            (None, None) => anyhow::bail!(
                "give --time-zone (the IANA zone of the history's local times) or --config"
            ),
        };
        let history_path = self
            .history
            .clone()
            .or_else(|| config.as_ref().and_then(|c| c.inputs.history.clone()))
            .context("give --history (or [inputs] history in --config)")?;
        // The plan's inputs on the plan's grid (the loader `plan` and `whatif` use), unless
        // flags override the grid; then the file alone, and the config's events.
        let (history, plan_events) = match &config {
            Some(c) if self.time_zone.is_none() && self.interval_minutes.is_none() => {
                let inputs = PlanInputs::load(
                    c,
                    Some(&history_path),
                    Needs { history: true, agents: false },
                )
                .with_context(|| format!("reading {}", history_path.display()))?;
                (inputs.history, Some(inputs.events))
            }
            _ => {
                let interval_minutes =
                    self.interval_minutes.or(config.as_ref().map(|c| c.site.grid.interval_minutes));
                let opening_hours = config
                    .as_ref()
                    .map(|c| c.site.opening_hours.clone())
                    .filter(|h| !h.is_always_open());
                let history = read_history_frame(
                    &history_path,
                    &ReadHistoryOptions { tz, interval_minutes, opening_hours },
                )
                .with_context(|| format!("reading {}", history_path.display()))?;
                (history, None)
            }
        };
        let events_path =
            self.events.clone().or_else(|| config.as_ref().and_then(|c| c.inputs.events.clone()));
        let events = match (&self.events, plan_events, &events_path) {
            (None, Some(events), _) => events,
            (_, _, Some(p)) => {
                read_events(p).with_context(|| format!("reading {}", p.display()))?
            }
            (_, _, None) => Vec::new(),
        };
        let grid = shiftcast::time::IntervalGrid::new(tz, history.interval_minutes)?;
        let (site, forecast) = match config {
            Some(mut c) => {
                c.site.grid = grid;
                (c.site, c.forecast)
            }
            None => (site_for_history(grid), ForecastConfig::default()),
        };
        Ok(Inputs { history, events, site, forecast })
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// First forecast day (YYYY-MM-DD); default: as `plan`, the first `[site] week_start` day
    /// (Monday without --config) after the history ends.
    #[arg(long, conflicts_with = "as_of")]
    pub start: Option<String>,
    /// Re-forecast the rest of a day from its actuals so far (local `YYYY-MM-DDTHH:MM`): the
    /// history may hold that day up to this time; the day-ahead forecast of the rest of the day
    /// (and of the next --days − 1 days, the correction damped) is rescaled by how the day is
    /// running.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Number of days to forecast.
    #[arg(long, default_value_t = 7, value_parser = values::horizon_days)]
    pub days: u32,
    /// forecast.csv to write (`interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds`).
    #[arg(long)]
    pub out: PathBuf,
    /// Handle time for queues whose history has none (overrides `[forecast] default_aht_seconds`;
    /// a queue's own `default_aht_seconds` in plan.toml comes first).
    #[arg(long)]
    pub default_aht_seconds: Option<f64>,
    /// How to print the summary (model choice and evidence per queue).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    out: &'a Path,
    start: String,
    days: u32,
    rows: usize,
    queues: &'a [QueueReport],
    warnings: &'a [String],
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut inputs = args.input.load()?;
    if let Some(v) = args.default_aht_seconds {
        anyhow::ensure!(
            v.is_finite() && v > 0.0,
            "--default-aht-seconds: expected a number > 0, got {v}"
        );
        inputs.forecast.default_aht_seconds = Some(v);
    }
    let explicit = match &args.start {
        Some(s) => Some(parse_date(s).map_err(anyhow::Error::msg).context("--start")?),
        None => None,
    };
    let as_of = match &args.as_of {
        Some(s) => {
            Some(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map_err(|e| {
                anyhow::anyhow!("--as-of: expected YYYY-MM-DDTHH:MM, got {s:?} ({e})")
            })?)
        }
        None => None,
    };
    let out: ForecastOutput;
    let start;
    if let Some(t) = as_of {
        start = t.date();
        out = run_intraday(
            &inputs.history,
            &inputs.events,
            &inputs.site,
            &inputs.forecast,
            t,
            args.days,
        )
        .context("re-forecasting")?;
    } else {
        start = planning_start(&inputs.history, inputs.site.week_start, explicit)
            .context("the history has no rows")?;
        out = run_forecast(
            &inputs.history,
            &inputs.events,
            &inputs.site,
            &inputs.forecast,
            start,
            args.days,
        )
        .context("forecasting")?;
    }
    write_forecast(&args.out, &out.rows)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let summary = Summary {
        out: &args.out,
        start: start.to_string(),
        days: args.days,
        rows: out.rows.len(),
        queues: &out.queues,
        warnings: &out.warnings,
    };
    match args.format {
        Format::Json => print_json(&summary)?,
        Format::Table => {
            for w in &out.warnings {
                eprintln!("warning: {w}");
            }
            println!(
                "{} rows for {} day(s) from {start} written to {}",
                out.rows.len(),
                args.days,
                args.out.display()
            );
            print_reports(&out.queues);
        }
    }
    Ok(())
}

/// Per-queue model choice and validation evidence, as a table.
fn print_reports(queues: &[QueueReport]) {
    println!("{:<12} {:<16} validation WAPE (last weeks before the start)", "queue", "chosen");
    for q in queues {
        let scores: Vec<String> = q
            .validation
            .iter()
            .map(|s| match s.wape {
                Some(w) => format!("{} {:.2}%", s.candidate, 100.0 * w),
                None => format!("{} n/a", s.candidate),
            })
            .collect();
        println!("{:<12} {:<16} {}", q.queue, q.chosen, scores.join(", "));
        if !q.weights.is_empty() {
            let w: Vec<String> = q.weights.iter().map(|(m, w)| format!("{m} {w:.2}")).collect();
            println!("{:<12} {:<16} weights: {}", "", "", w.join(", "));
        }
        if let Some((r1, r2)) = q.rebound {
            println!(
                "{:<12} {:<16} rebound after closures: day 1 x{r1:.2}, day 2 x{r2:.2}",
                "", ""
            );
        }
        for e in &q.events {
            println!(
                "{:<12} {:<16} event {} {:?} x{:.2} ({})",
                "", "", e.start, e.name, e.factor, e.source
            );
        }
    }
}
