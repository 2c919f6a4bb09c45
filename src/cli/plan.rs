//! `shiftcast plan`: the weekly job on one config — forecast → staff → schedule → roster →
//! simulate → report, every stage's file written into one folder, with a progress line per
//! stage on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use shiftcast::plan::pipeline::{self, PlanOptions, Progress, Stage};
use shiftcast::plan::PlanConfig;
use shiftcast::report::PlanSummary;
use shiftcast::store::Store;

use crate::cli::{print_json, values, Format, UsageError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// plan.toml: site, queues and targets, shift and roster rules, and `[inputs]` history,
    /// events and agents (paths relative to the config).
    #[arg(long)]
    pub config: PathBuf,
    /// Output folder (created if needed): forecast.csv, requirements.csv, shifts.csv,
    /// coverage.csv, roster.csv, simulation.csv, summary.json, report.html.
    #[arg(long)]
    pub out: PathBuf,
    /// Planning weeks, 1 to 6.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=6))]
    pub weeks: u32,
    /// First planned day (YYYY-MM-DD); default: the first `[site] week_start` day after the
    /// history ends.
    #[arg(long, value_parser = parse_date)]
    pub start: Option<NaiveDate>,
    /// Seed of the roster search and the simulation; default: `[simulation] seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Time limit of the schedule and of the roster stage each, in seconds; default: their
    /// plan.toml values.
    #[arg(long, allow_negative_numbers = true, value_parser = values::positive)]
    pub time_limit_seconds: Option<f64>,
    /// Weeks of history the forecast method is backtested on for the accuracy figure (0 skips).
    #[arg(long, default_value_t = 4)]
    pub accuracy_weeks: u32,
    /// What-if scenario file (CSV or TOML, as for `shiftcast whatif`): each scenario is
    /// staffed and simulated against this plan's roster, written to whatif.csv and compared in
    /// the report.
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// The site's store (made by `shiftcast db init`): the history comes from its actuals
    /// instead of `[inputs] history`, and the report shows how earlier published forecasts did.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Record this run in the store given with --db (config, seed, start, horizon, code
    /// version, forecast and files), so `shiftcast accuracy` can judge it later.
    #[arg(long, requires = "db")]
    pub publish: bool,
    /// Roster and simulate the schedule once, as solved, without the simulation loop that adds
    /// shifts where a queue-day misses its target and removes those it can spare.
    #[arg(long)]
    pub no_repair: bool,
    /// After the loop, give back rostered hours the simulation shows are not needed: whole
    /// shifts, or the ends of them (a shorter shift of the schedule's templates), of agents above
    /// their contract minimum, where every queue they serve stays met, each round judged on
    /// streams of its own at 15 times the replications and the result checked on others (slower:
    /// about a minute on the sample week)
    #[arg(long, conflicts_with = "no_repair")]
    pub give_back: bool,
    /// Output format of the summary printed at the end.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    shiftcast::time::parse_date(s)
}

/// What `--format json` prints: the summary plus run times.
#[derive(Serialize)]
struct Printed<'a> {
    out: String,
    files: Vec<&'static str>,
    whatif_scenarios: Option<usize>,
    /// The run's id in the store, when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<i64>,
    stage_seconds: Vec<(&'static str, f64)>,
    total_seconds: f64,
    summary: &'a PlanSummary,
}

pub fn run(args: Args) -> Result<()> {
    // A file where the output folder should be fails now, not after minutes of planning.
    shiftcast::io::folder::check_output_folder(&args.out)
        .map_err(|e| UsageError::new("--out", e.to_string()))?;
    let started = std::time::Instant::now();
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading the plan {}", args.config.display()))?;
    let mut store = match &args.db {
        Some(path) => Some(
            shiftcast::store::SqliteStore::open_existing(path)
                .with_context(|| format!("opening the store {}", path.display()))?,
        ),
        None => None,
    };
    let history = match &store {
        Some(s) => Some(
            shiftcast::plan::store::history(s, &config)
                .with_context(|| format!("reading the history from {}", s.location().display()))?,
        ),
        None => None,
    };
    let options = PlanOptions {
        start: args.start,
        weeks: args.weeks,
        seed: args.seed,
        time_limit_seconds: args.time_limit_seconds,
        accuracy_folds: args.accuracy_weeks,
        scenarios: args.scenarios.clone(),
        history,
        repair: (!args.no_repair).then(|| shiftcast::plan::verify::RepairOptions {
            give_back: args.give_back,
            ..Default::default()
        }),
    };
    let mut display = StageDisplay::new();
    let mut plan = pipeline::run(&config, &options, &mut |p| display.update(p))
        .with_context(|| format!("planning with {}", args.config.display()))?;
    if let Some(s) = &store {
        plan.published_accuracy =
            shiftcast::plan::store::published_accuracy(s).with_context(|| {
                format!("judging published forecasts in {}", s.location().display())
            })?;
    }
    display.update(Progress::Started(Stage::Write));
    let t = std::time::Instant::now();
    let summary = pipeline::write_outputs(&plan, &config, &args.out)
        .with_context(|| format!("writing the plan into {}", args.out.display()))?;
    let write_seconds = t.elapsed().as_secs_f64();
    display.update(Progress::Finished(Stage::Write, write_seconds));
    let run_id = match (&mut store, args.publish) {
        (Some(s), true) => Some(
            shiftcast::plan::store::publish(s, &plan, &config, &args.out)
                .with_context(|| format!("publishing the run into {}", s.location().display()))?,
        ),
        _ => None,
    };

    let mut stage_seconds: Vec<(&'static str, f64)> =
        plan.stage_seconds.iter().map(|(s, secs)| (stage_key(*s), *secs)).collect();
    stage_seconds.push((stage_key(Stage::Write), write_seconds));
    let printed = Printed {
        out: args.out.display().to_string(),
        files: {
            let mut f = pipeline::FILES.to_vec();
            if plan.whatif.is_some() {
                f.push("whatif.csv");
            }
            f
        },
        whatif_scenarios: plan.whatif.as_ref().map(Vec::len),
        run_id,
        stage_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
        summary: &summary,
    };
    match args.format {
        Format::Json => print_json(&printed),
        Format::Table => print_table(&printed),
    }
}

fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::Inputs => "inputs",
        Stage::Forecast => "forecast",
        Stage::Accuracy => "accuracy",
        Stage::Staff => "staff",
        Stage::Schedule => "schedule",
        Stage::Roster => "roster",
        Stage::Simulate => "simulate",
        Stage::Whatif => "whatif",
        Stage::Write => "write",
    }
}

/// One line per stage on stderr when it is a terminal (a spinner while the stage runs, a tick and
/// its run time when done); nothing otherwise.
struct StageDisplay {
    lines: Option<MultiProgress>,
    bar: Option<ProgressBar>,
}

impl StageDisplay {
    fn new() -> Self {
        let lines = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        StageDisplay { lines, bar: None }
    }

    fn update(&mut self, progress: Progress) {
        let Some(lines) = &self.lines else { return };
        match progress {
            Progress::Started(stage) => {
                let bar = lines.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:>9} {msg} {elapsed}")
                        .expect("valid template"),
                );
                bar.set_prefix(stage_key(stage));
                bar.set_message(stage.label());
                bar.enable_steady_tick(Duration::from_millis(100));
                self.bar = Some(bar);
            }
            Progress::Finished(stage, seconds) => {
                if let Some(bar) = self.bar.take() {
                    bar.set_style(
                        ProgressStyle::with_template("✓ {prefix:>9} {msg}")
                            .expect("valid template"),
                    );
                    bar.finish_with_message(format!("{} ({seconds:.2} s)", stage.label()));
                }
            }
        }
    }
}

fn print_table(p: &Printed<'_>) -> Result<()> {
    use std::io::Write;
    let s = p.summary;
    let mut w = std::io::stdout().lock();
    writeln!(w, "plan for {} days from {} ({}), written to {}", s.days, s.start, s.site, p.out)?;
    writeln!(w, "  files: {}", p.files.join(", "))?;
    if let Some(id) = p.run_id {
        writeln!(w, "  published as run {id}")?;
    }
    let pct =
        |v: Option<f64>| v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "–".into());
    writeln!(
        w,
        "  forecast contacts     {:>12.0}   (P10–P90 {:.0}–{:.0})",
        s.forecast.contacts, s.forecast.contacts_p10, s.forecast.contacts_p90
    )?;
    if let Some(a) = &s.forecast.accuracy {
        writeln!(
            w,
            "  forecast WAPE         {:>12}   (backtest, last {} weeks)",
            pct(Some(a.wape)),
            a.folds
        )?;
    }
    writeln!(
        w,
        "  required FTE          {:>12.1}   ({:.0} paid hours after shrinkage)",
        s.staffing.required_fte, s.staffing.required_gross_agent_hours
    )?;
    if let Some(sc) = &s.schedule {
        writeln!(
            w,
            "  scheduled paid hours  {:>12.1}   ({} shifts, {:.1} FTE, solver {}; {} agent-intervals under, {} over)",
            sc.paid_hours,
            sc.shifts,
            sc.fte,
            sc.status.as_deref().unwrap_or("?"),
            sc.understaffed_agent_intervals,
            sc.overstaffed_agent_intervals
        )?;
        writeln!(
            w,
            "  projected SL (Erlang) {:>12}   (each queue on its own shifts, no help from other queues)",
            pct(sc.projected_service_level)
        )?;
    }
    if let Some(r) = &s.roster {
        writeln!(
            w,
            "  rostered agents       {:>12}   ({:.1} paid hours, cost {:.0}, {} unfilled shifts, {} hard-rule violations)",
            r.agents,
            r.paid_hours,
            r.cost,
            r.unfilled_shifts,
            r.hard_rule_violations.unwrap_or(0)
        )?;
        if let Some(a) = &r.agents_short {
            writeln!(
                w,
                "  agents short          {:>12}   (at least, to fill every seat: each with a skill of {}, up to {} days a week; week from {})",
                a.at_least,
                a.queues.join("+"),
                a.days_per_agent,
                a.week_start
            )?;
        }
    }
    if let Some(sim) = &s.simulation {
        writeln!(
            w,
            "  simulated SL          {:>12}   (abandonment {})",
            pct(sim.service_level),
            pct(sim.abandon_rate)
        )?;
        if let (Some(judged), Some(met)) = (sim.queue_days, sim.queue_days_met) {
            let mut missed = match sim.queue_days_missed.len() {
                0 => "every queue-day met".to_string(),
                n if n <= 4 => format!("missed: {}", sim.queue_days_missed.join(", ")),
                n => {
                    format!("missed: {}, and {} more", sim.queue_days_missed[..3].join(", "), n - 3)
                }
            };
            if !sim.queue_days_close.is_empty() {
                let n = sim.queue_days_close.len();
                missed.push_str(&format!("; {n} too close to call, see the notes"));
            }
            writeln!(
                w,
                "  targets met (sim.)    {:>12}   (queue-days, with absence; {missed})",
                format!("{met} of {judged}")
            )?;
        }
    }
    if let Some(l) = &s.repair {
        let first: std::collections::BTreeSet<(&str, &str)> = l
            .actions
            .iter()
            .filter(|a| a.shifts == 0 && a.shortened == 0)
            .map(|a| (a.date.as_str(), a.queue.as_str()))
            .collect();
        let filled_first = match first.len() {
            0 => String::new(),
            n => format!(", fill priority on {n} queue-day(s)"),
        };
        writeln!(
            w,
            "  simulation loop       {:>12}   (+{} shifts / +{:.1} h, -{} shifts / -{:.1} h{filled_first}; queue-days missed {} before, {} after)",
            format!("{} rounds", l.rounds),
            l.added_shifts,
            l.added_paid_hours,
            l.removed_shifts,
            l.removed_paid_hours,
            l.missed_before,
            l.missed_after
        )?;
    }
    let stages: Vec<String> = p.stage_seconds.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    writeln!(w, "  run time {:.1} s: {}", p.total_seconds, stages.join(", "))?;
    Ok(())
}
