//! `shiftcast whatif`: sweep what-if scenarios in parallel.

use std::path::PathBuf;

use anyhow::Context;
use shiftcast::io::agents::Agent;
use shiftcast::plan::inputs::{planning_start, Needs, PlanInputs};
use shiftcast::plan::PlanConfig;
use shiftcast::simulate::whatif::{
    self, ScenarioOutcome, WhatifOptions, WhatifRoster, DEFAULT_FTE_HOURS_PER_WEEK,
};
use shiftcast::simulate::Skills;

use crate::cli::simulate::{describe, options, show, SimulationFlags};
use crate::cli::{values, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// plan.toml: queues, targets, shrinkage, and [inputs] history/events for the baseline
    /// forecast when --forecast is not given.
    #[arg(long)]
    pub config: PathBuf,
    /// Scenarios: a CSV file, or TOML with [[scenarios]] tables (by the .toml extension).
    #[arg(long)]
    pub scenarios: PathBuf,
    /// Baseline forecast (forecast.csv); without it the forecast is made from the config's
    /// [inputs] history and events.
    #[arg(long)]
    pub forecast: Option<PathBuf>,
    /// Without --forecast: first day of the baseline forecast (default: as `plan`, the first
    /// `[site] week_start` day after the history ends).
    #[arg(long)]
    pub start: Option<String>,
    /// Without --forecast: days of baseline forecast.
    #[arg(long, default_value_t = 7, value_parser = values::horizon_days)]
    pub days: u32,
    /// Simulate every scenario against this roster (with absence and skills routing) instead of
    /// against exactly its required agents: prints each queue per day and the roster's own paid
    /// hours and head-count beside what the scenario requires.
    #[arg(long)]
    pub roster: Option<PathBuf>,
    /// agents.csv giving the roster agents' skills (default: the config's [inputs] agents).
    #[arg(long)]
    pub agents: Option<PathBuf>,
    #[command(flatten)]
    pub simulation: SimulationFlags,
    /// Hours of one full-time equivalent per week, for the FTE column.
    #[arg(long, default_value_t = DEFAULT_FTE_HOURS_PER_WEEK, allow_negative_numbers = true, value_parser = values::positive)]
    pub fte_hours_per_week: f64,
    /// Requirement and cost only: skip the simulation.
    #[arg(long)]
    pub no_simulate: bool,
    /// Write one row per scenario here (whatif.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the simulated outcome per scenario, queue and day here (whatif_days.csv).
    #[arg(long)]
    pub out_days: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    replications: u32,
    seed: u64,
    confidence: f64,
    scenarios: &'a [ScenarioOutcome],
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading config {}", args.config.display()))?;
    let tz = config.site.time_zone();
    let simulation = options(&config, &args.simulation)?;
    let scenarios = whatif::read_scenarios(&args.scenarios, tz)
        .with_context(|| format!("reading scenarios {}", args.scenarios.display()))?;
    let forecast = match &args.forecast {
        Some(path) => shiftcast::io::forecast::read_forecast(path, tz)
            .with_context(|| format!("reading forecast {}", path.display()))?,
        None => baseline_forecast(&config, args.start.as_deref(), args.days)?,
    };
    let roster = match &args.roster {
        Some(path) => Some(
            shiftcast::io::roster::read_roster(path, tz)
                .with_context(|| format!("reading roster {}", path.display()))?,
        ),
        None => None,
    };
    let options = WhatifOptions {
        simulation,
        fte_hours_per_week: args.fte_hours_per_week,
        simulate: !args.no_simulate,
    };
    if let (Some(rows), Some(path)) = (&roster, &args.roster) {
        crate::cli::simulate::warn_outside(rows, &forecast, &config, path)?;
    }
    let agents = match &roster {
        Some(_) => roster_agents(&config, args.agents.as_ref())?,
        None => None,
    };
    let skills = agents.as_deref().map(Skills::from_agents);
    let under_test = roster.as_deref().map(|rows| WhatifRoster {
        rows,
        skills: skills.as_ref(),
        hourly_cost: agents
            .as_deref()
            .and_then(|a| whatif::roster_hourly_cost(rows, a, config.roster.default_hourly_cost)),
    });
    let outcomes = whatif::run(&forecast, under_test, &config.whatif_plan(), &scenarios, &options)
        .with_context(|| format!("running the scenarios of {}", args.scenarios.display()))?;
    if let Some(out) = &args.out {
        shiftcast::simulate::output::write_whatif(out, &outcomes, simulation.replications)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    if let Some(out) = &args.out_days {
        shiftcast::simulate::output::write_whatif_days(out, &outcomes, simulation.replications)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    match args.format {
        Format::Json => crate::cli::print_json(&Report {
            replications: simulation.replications,
            seed: simulation.seed,
            confidence: shiftcast::simulate::CONFIDENCE,
            scenarios: &outcomes,
        })?,
        Format::Table => {
            print_table(&outcomes)?;
            if let Some(note) = cost_note(&outcomes) {
                println!("{note}");
            }
            if roster.is_some() && options.simulate {
                print_roster_check(&outcomes, simulation.routing)?;
            }
        }
    }
    Ok(())
}

/// With a roster: per scenario, the roster beside the requirement, then each queue's simulated
/// service level, abandonment and ASA for the whole horizon and per day (with absence).
/// The roster's agents (skills and hourly costs): `--agents`, else the config's [inputs] agents.
fn roster_agents(
    config: &PlanConfig,
    agents: Option<&PathBuf>,
) -> anyhow::Result<Option<Vec<Agent>>> {
    let Some(path) = agents.or(config.inputs.agents.as_ref()) else {
        return Ok(None);
    };
    let agents = shiftcast::io::agents::read_agents(path)
        .with_context(|| format!("reading agents {}", path.display()))?;
    Ok(Some(agents))
}

fn print_roster_check(
    outcomes: &[ScenarioOutcome],
    routing: shiftcast::simulate::Routing,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for o in outcomes {
        writeln!(out)?;
        writeln!(out, "scenario {}", o.name)?;
        if let Some(r) = &o.roster {
            writeln!(
                out,
                "  roster: {} agents, {} shifts, {:.1} paid hours, {} scheduled at the peak; \
                 the scenario requires {:.1} paid hours, {} scheduled at the peak",
                r.agents,
                r.shifts,
                r.paid_hours,
                r.scheduled_agents_peak,
                o.paid_hours,
                o.required_agents_peak
            )?;
        }
        if let Some(a) = &o.absence {
            writeln!(out, "  {}", describe(routing, a))?;
        }
        let mut rows =
            vec![["queue", "date", "offered", "service_level", "abandon_rate", "asa_seconds"]
                .map(String::from)
                .to_vec()];
        for q in &o.queues {
            let line = |date: &str, m: &shiftcast::simulate::Metrics| {
                vec![
                    q.queue.clone(),
                    date.to_string(),
                    format!("{:.0}", m.offered.mean),
                    show(m.service_level, 3),
                    show(m.abandon_rate, 3),
                    show(m.asa_seconds, 1),
                ]
            };
            rows.push(line("all", &q.metrics));
            for d in o.days.iter().filter(|d| d.queue == q.queue) {
                rows.push(line(&d.date, &d.metrics));
            }
        }
        write_rows(&mut out, &rows, "  ")?;
    }
    Ok(())
}

fn write_rows(
    out: &mut impl std::io::Write,
    rows: &[Vec<String>],
    indent: &str,
) -> anyhow::Result<()> {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i < 2 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        writeln!(out, "{indent}{}", cells.join("  "))?;
    }
    Ok(())
}

/// The baseline forecast from the config's `[inputs]` history (and events): `days` days from
/// `start`, or from where `plan` would start ([`planning_start`]).
fn baseline_forecast(
    config: &PlanConfig,
    start: Option<&str>,
    days: u32,
) -> anyhow::Result<Vec<shiftcast::io::forecast::ForecastRow>> {
    if config.inputs.history.is_none() {
        anyhow::bail!(
            "no --forecast given and {} has no [inputs] history to forecast from",
            config.path.display()
        );
    }
    let inputs = PlanInputs::load(config, None, Needs { history: true, agents: false })
        .with_context(|| format!("reading the [inputs] of {}", config.path.display()))?;
    let explicit = match start {
        Some(s) => {
            Some(shiftcast::time::parse_date(s).map_err(|m| anyhow::anyhow!("--start: {m}"))?)
        }
        None => None,
    };
    let start = planning_start(&inputs.history, config.site.week_start, explicit)
        .context("the history has no rows")?;
    let output = shiftcast::forecast::run_forecast(
        &inputs.history,
        &inputs.events,
        &config.site,
        &config.forecast,
        start,
        days,
    )
    .with_context(|| format!("forecasting from the [inputs] of {}", config.path.display()))?;
    Ok(output.rows)
}

/// Where each cost's rate per paid hour comes from (the scenario file or the roster's agents),
/// one clause per distinct rate and source.
fn cost_note(outcomes: &[ScenarioOutcome]) -> Option<String> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for o in outcomes {
        let (Some(rate), Some(source)) = (o.hourly_cost, o.hourly_cost_source) else {
            continue;
        };
        let from = match source {
            whatif::CostSource::Scenario => "the scenario's hourly_cost",
            whatif::CostSource::Roster => "the roster's mean cost per paid hour (agents.csv)",
        };
        let key = format!("{rate:.2}/h, {from}");
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(&o.name),
            None => groups.push((key, vec![&o.name])),
        }
    }
    let all = groups.len() == 1 && groups[0].1.len() == outcomes.len();
    let parts: Vec<String> = groups
        .iter()
        .map(|(key, names)| if all { key.clone() } else { format!("{key} ({})", names.join(", ")) })
        .collect();
    (!parts.is_empty()).then(|| format!("cost = paid hours × {}", parts.join("; ")))
}

fn print_table(outcomes: &[ScenarioOutcome]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let header = [
        "scenario",
        "contacts",
        "peak_agents",
        "paid_hours",
        "fte",
        "cost",
        "capped",
        "service_level",
        "abandon_rate",
        "asa_seconds",
        "occupancy",
    ]
    .map(String::from);
    let mut rows = vec![header.to_vec()];
    for o in outcomes {
        let sim = o.simulated.as_ref();
        rows.push(vec![
            o.name.clone(),
            format!("{:.0}", o.contacts),
            o.required_agents_peak.to_string(),
            format!("{:.1}", o.paid_hours),
            format!("{:.1}", o.fte),
            o.cost.map(|c| format!("{c:.0}")).unwrap_or_else(|| "-".into()),
            o.capped_intervals.to_string(),
            show(sim.and_then(|m| m.service_level), 3),
            show(sim.and_then(|m| m.abandon_rate), 3),
            show(sim.and_then(|m| m.asa_seconds), 1),
            show(sim.and_then(|m| m.occupancy), 3),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        writeln!(out, "{}", cells.join("  "))?;
    }
    Ok(())
}
