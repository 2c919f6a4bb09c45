//! `shiftcast simulate`: discrete-event simulation of a roster against a forecast.

use std::path::PathBuf;

use anyhow::Context;
use shiftcast::plan::config::PlanConfig;
use shiftcast::simulate::{
    self, AbsenceSetting, Estimate, HandleTimeDistribution, Metrics, Routing, SimulationOptions,
    Skills,
};

use crate::cli::{values, Format, UsageError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Roster to simulate (roster.csv: one agent shift per row, on the row's queue).
    #[arg(long)]
    pub roster: PathBuf,
    /// Forecast giving contacts and handle time per interval and queue (forecast.csv).
    #[arg(long)]
    pub forecast: PathBuf,
    /// plan.toml (needs [site], [staffing], [[queues]]; [simulation] is optional).
    #[arg(long)]
    pub config: PathBuf,
    /// agents.csv giving each agent's skills for skills routing (default: the config's
    /// [inputs] agents, if any; without either each agent serves its roster row's queue).
    #[arg(long)]
    pub agents: Option<PathBuf>,
    #[command(flatten)]
    pub simulation: SimulationFlags,
    /// Replay this contact log (`arrived_at,queue,handle_seconds,abandoned`) instead of drawing
    /// Poisson arrivals from the forecast; the forecast still sets the horizon and the mean
    /// handle time of contacts without one.
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// Write per-interval results here (simulation.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The simulation flags `simulate` and `whatif` share; each overrides plan.toml's [simulation].
#[derive(Debug, clap::Args)]
pub struct SimulationFlags {
    /// Independent replications, 1 to 1000 (overrides [simulation] replications; default 10);
    /// per scenario in `whatif`. A long horizon allows fewer: at most 10 million
    /// interval-queue cells over all replications.
    #[arg(long, value_parser = values::at_least_one)]
    pub replications: Option<u32>,
    /// Random seed (overrides [simulation] seed; default 1); `whatif` scenario k uses its own
    /// streams of it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Handle-time distribution (overrides [simulation] handle_time).
    #[arg(long, value_enum)]
    pub handle_time: Option<HandleTimeArg>,
    /// Coefficient of variation of a log-normal handle time (overrides [simulation] handle_time_cv).
    #[arg(long, allow_negative_numbers = true, value_parser = values::positive)]
    pub handle_time_cv: Option<f64>,
    /// Which queues an agent serves: every skill of agents.csv (`skills`) or only its roster
    /// row's queue (`roster-queue`) (overrides [simulation] routing).
    #[arg(long, value_enum)]
    pub routing: Option<RoutingArg>,
    /// Unplanned absence: `auto` (the plan's [schedule] unplanned_shrinkage: the part of
    /// [staffing] shrinkage its break rules do not take) or a fraction in [0, 1) of rostered
    /// time (overrides [simulation] absence).
    #[arg(long, conflicts_with = "no_absence")]
    pub absence: Option<String>,
    /// Fraction of present agents' time off-queue in random blocks (meetings, training;
    /// overrides [simulation] off_queue); taken out of the absence.
    #[arg(long)]
    pub off_queue: Option<f64>,
    /// Simulate every rostered agent as present: no absence, no off-queue time (optimistic).
    #[arg(long)]
    pub no_absence: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoutingArg {
    Skills,
    RosterQueue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HandleTimeArg {
    Exponential,
    Lognormal,
}

/// plan.toml's `[simulation]` with the flags laid over it.
pub fn options(config: &PlanConfig, flags: &SimulationFlags) -> anyhow::Result<SimulationOptions> {
    let mut s = config.simulation.clone();
    if let Some(r) = flags.replications {
        s.replications = r;
    }
    if let Some(v) = flags.seed {
        s.seed = v;
    }
    if let Some(h) = flags.handle_time {
        s.handle_time = match h {
            HandleTimeArg::Exponential => HandleTimeDistribution::Exponential,
            HandleTimeArg::Lognormal => HandleTimeDistribution::Lognormal,
        };
    }
    if let Some(cv) = flags.handle_time_cv {
        s.handle_time_cv = cv;
    }
    if let Some(r) = flags.routing {
        s.routing = match r {
            RoutingArg::Skills => Routing::Skills,
            RoutingArg::RosterQueue => Routing::RosterQueue,
        };
    }
    if let Some(a) = &flags.absence {
        s.absence = match a.trim() {
            "auto" => AbsenceSetting::Auto,
            v => AbsenceSetting::Fraction(v.parse().map_err(|_| {
                UsageError::new(
                    "--absence",
                    format!("expected \"auto\" or a fraction in [0, 1), found {v:?}"),
                )
            })?),
        };
    }
    if let Some(v) = flags.off_queue {
        s.off_queue = v;
    }
    if flags.no_absence {
        s.absence = AbsenceSetting::Fraction(0.0);
        s.off_queue = 0.0;
    }
    config
        .simulation_options(&s)
        .map_err(|e| anyhow::anyhow!("{e} (from {} or the command line)", config.path.display()))
}

/// The agents' skills: from `--agents`, else the config's `[inputs] agents`, else none.
pub fn skills(config: &PlanConfig, agents: Option<&PathBuf>) -> anyhow::Result<Option<Skills>> {
    let path = match agents.or(config.inputs.agents.as_ref()) {
        Some(p) => p,
        None => return Ok(None),
    };
    let agents = shiftcast::io::agents::read_agents(path)
        .with_context(|| format!("reading agents {}", path.display()))?;
    Ok(Some(Skills::from_agents(&agents)))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading config {}", args.config.display()))?;
    let tz = config.site.time_zone();
    let options = options(&config, &args.simulation)?;
    let roster = shiftcast::io::roster::read_roster(&args.roster, tz)
        .with_context(|| format!("reading roster {}", args.roster.display()))?;
    let forecast = shiftcast::io::forecast::read_forecast(&args.forecast, tz)
        .with_context(|| format!("reading forecast {}", args.forecast.display()))?;
    let skills = skills(&config, args.agents.as_ref())?;
    warn_outside(&roster, &forecast, &config, &args.roster)?;
    let result = match &args.contacts {
        None => simulate::run(&roster, &forecast, skills.as_ref(), &config.site, &options),
        Some(path) => {
            let contacts = shiftcast::io::contact_log::read_contact_log(path, tz)
                .with_context(|| format!("reading contact log {}", path.display()))?;
            simulate::run_replay(
                &roster,
                &forecast,
                &contacts,
                skills.as_ref(),
                &config.site,
                &options,
            )
        }
    }
    .with_context(|| {
        format!("simulating {} against {}", args.roster.display(), args.forecast.display())
    })?;
    if let Some(out) = &args.out {
        shiftcast::simulate::output::write_simulation(out, &result)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    match args.format {
        Format::Json => crate::cli::print_json(&result)?,
        Format::Table => print_table(&result, &config.site)?,
    }
    Ok(())
}

/// A roster that misses the forecast's days altogether is an error; one that partly misses them
/// a warning counting the rows not simulated.
pub fn warn_outside(
    roster: &[shiftcast::io::roster::RosterRow],
    forecast: &[shiftcast::io::forecast::ForecastRow],
    config: &PlanConfig,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let overlap = shiftcast::simulate::overlap::roster_overlap(
        roster,
        forecast,
        config.site.grid.interval_minutes,
    )
    .with_context(|| format!("roster {}", path.display()))?;
    if let Some(w) = overlap.and_then(|o| o.warning()) {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(())
}

/// One line on routing and absence.
pub fn describe(routing: Routing, a: &simulate::AppliedAbsence) -> String {
    let routing = match routing {
        Routing::Skills => "skills routing (agents serve all their skills)",
        Routing::RosterQueue => "roster-queue routing (agents serve their row's queue)",
    };
    if a.day_probability == 0.0 && a.off_queue_fraction == 0.0 {
        format!("{routing}; no absence (every rostered agent present)")
    } else {
        format!(
            "{routing}; absence {:.1}% of rostered time: agent-days absent with probability {:.3}, off-queue {:.1}% in {:.0}-minute blocks",
            a.unplanned_shrinkage * 100.0,
            a.day_probability,
            a.off_queue_fraction * 100.0,
            a.off_queue_block_minutes
        )
    }
}

/// `mean` or `mean ± half-width`.
pub fn show(e: Option<Estimate>, decimals: usize) -> String {
    match e {
        None => "-".to_string(),
        Some(e) => match e.ci_low {
            Some(_) => format!("{:.decimals$} ± {:.decimals$}", e.mean, e.half_width()),
            None => format!("{:.decimals$}", e.mean),
        },
    }
}

fn row(label: &str, m: &Metrics) -> [String; 9] {
    [
        label.to_string(),
        show(Some(m.offered), 1),
        show(Some(m.answered), 1),
        show(Some(m.abandoned), 1),
        show(Some(m.unanswered), 1),
        show(m.service_level, 3),
        show(m.asa_seconds, 1),
        show(m.abandon_rate, 3),
        show(m.occupancy, 3),
    ]
}

fn print_table(r: &simulate::SimulationResult, site: &shiftcast::site::Site) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} replication(s), seed {}, {}-minute intervals; ± is the half-width of the {:.0}% confidence interval",
        r.replications,
        r.seed,
        r.interval_minutes,
        r.confidence * 100.0
    )?;
    writeln!(out, "{}", describe(r.routing, &r.absence))?;
    let header = [
        "queue",
        "offered",
        "answered",
        "abandoned",
        "unanswered",
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
    ]
    .map(String::from);
    let mut rows = vec![header];
    for q in &r.queues {
        rows.push(row(&q.queue, &q.metrics));
    }
    rows.push(row("all", &r.total));
    let widths: Vec<usize> =
        (0..9).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        writeln!(out, "{}", cells.join("  "))?;
    }
    if let Some(help) = simulate::help_summary(r) {
        writeln!(out, "help: {help}")?;
    }
    for below in simulate::intervals_below_target(&r.intervals, site) {
        writeln!(out, "below target: {below}")?;
    }
    Ok(())
}
