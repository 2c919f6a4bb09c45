//! `shiftcast schedule`: shifts with breaks (and weekly tours) from requirements.csv and the
//! `[schedule]` section of plan.toml, written to shifts.csv (and coverage.csv), with the
//! solve's figures printed.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use shiftcast::io::coverage::write_coverage;
use shiftcast::io::requirements::read_requirements;
use shiftcast::io::shifts::write_shifts;
use shiftcast::plan::PlanConfig;
use shiftcast::schedule::{self, Objective, SolveOptions, SolverKind, Status};

use crate::cli::{print_json, values, Format};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveArg {
    /// Paid hours + under/over-staffing penalties.
    Cost,
    /// Cheapest schedule meeting each queue's service-level target per day (or week).
    ServiceLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SolverArg {
    /// Pure-Rust branch and bound (always built).
    Microlp,
    /// HiGHS (build with `--features highs`).
    Highs,
    /// COIN-OR CBC (build with `--features cbc`; needs coinor-libcbc-dev).
    Cbc,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// requirements.csv from `shiftcast staff` (agents_net per interval and queue).
    #[arg(long)]
    pub requirements: PathBuf,
    /// plan.toml with [site], [[queues]] and the [schedule] rules.
    #[arg(long)]
    pub config: PathBuf,
    /// Where to write shifts.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to write coverage.csv (required vs scheduled agents per interval).
    #[arg(long)]
    pub coverage: Option<PathBuf>,
    /// What to minimise (default: [schedule] objective, service-level).
    #[arg(long, value_enum)]
    pub objective: Option<ObjectiveArg>,
    /// MIP back end.
    #[arg(long, value_enum, default_value_t = SolverArg::Microlp)]
    pub solver: SolverArg,
    /// Solver time limit for the whole run (default: [schedule] time_limit_seconds, 30).
    #[arg(long, allow_negative_numbers = true, value_parser = values::positive)]
    pub time_limit_seconds: Option<f64>,
    /// Relative MIP gap at which to stop (default: [schedule] mip_gap, 0.0001).
    #[arg(long, allow_negative_numbers = true, value_parser = values::non_negative)]
    pub mip_gap: Option<f64>,
    /// Also write each queue's integer program as MPS into this folder (`<queue>.mps`), to
    /// inspect it or solve it with another solver.
    #[arg(long)]
    pub write_model: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: Args) -> Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading the plan {}", args.config.display()))?;
    let requirements = read_requirements(&args.requirements, config.site.grid.tz)
        .with_context(|| format!("reading the requirements {}", args.requirements.display()))?;
    // Pooled queues (a VIP line served by the voice skill) are scheduled with their host.
    let requirements = shiftcast::staffing::pool_for_schedule(
        &requirements,
        &config.site,
        config.staffing.shrinkage,
    )
    .with_context(|| format!("pooling the requirements {}", args.requirements.display()))?;
    let options = SolveOptions {
        objective: match args.objective {
            Some(ObjectiveArg::Cost) => Objective::Cost,
            Some(ObjectiveArg::ServiceLevel) => Objective::ServiceLevel,
            None => config.schedule.objective,
        },
        solver: match args.solver {
            SolverArg::Microlp => SolverKind::Microlp,
            SolverArg::Highs => SolverKind::Highs,
            SolverArg::Cbc => SolverKind::Cbc,
        },
        time_limit_seconds: args.time_limit_seconds,
        mip_gap: args.mip_gap,
        service_level: Some(Arc::new(shiftcast::staffing::projected_service_level)),
        write_model: args.write_model.clone(),
    };
    let result = schedule::solve(&requirements, &config.site, &config.schedule, &options)
        .with_context(|| {
            format!("scheduling {} with {}", args.requirements.display(), args.config.display())
        })?;
    let summary = &result.summary;
    let infeasible: Vec<String> = summary
        .queues
        .iter()
        .filter_map(|q| match &q.status {
            Status::Infeasible { rule, reason, intervals } => {
                let at = if intervals.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", intervals.join(", "))
                };
                Some(format!("no schedule for queue {:?}: rule {rule}: {reason}{at}", q.queue))
            }
            _ => None,
        })
        .collect();
    if !infeasible.is_empty() {
        if args.format == Format::Json {
            print_json(summary)?;
        }
        bail!("{}; nothing was written", infeasible.join("\n"));
    }
    write_shifts(&args.out, &result.shifts)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(path) = &args.coverage {
        write_coverage(path, &result.coverage)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    match args.format {
        Format::Json => print_json(summary),
        Format::Table => {
            print_table(summary);
            Ok(())
        }
    }
}

fn status_text(status: &Status) -> String {
    match status {
        Status::Optimal => "optimal".into(),
        Status::GapLimit { gap } => format!("gap limit ({:.3}%)", 100.0 * gap),
        Status::TimeLimit { gap } => format!("time limit ({:.3}% gap)", 100.0 * gap),
        Status::NodeLimit { gap } => format!("node limit ({:.3}% gap)", 100.0 * gap),
        Status::Feasible { gap } => format!("feasible ({:.3}% gap)", 100.0 * gap),
        Status::Infeasible { rule, .. } => format!("infeasible ({rule})"),
    }
}

fn print_table(s: &schedule::Summary) {
    let opt = |v: Option<f64>, scale: f64, decimals: usize| {
        v.map_or_else(|| "-".to_string(), |v| format!("{:.*}", decimals, v * scale))
    };
    println!(
        "{:<14} {:<24} {:>12} {:>12} {:>8} {:>10} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "queue",
        "status",
        "objective",
        "LP bound",
        "gap %",
        "paid h",
        "shifts",
        "agents",
        "under",
        "over",
        "SL"
    );
    for q in &s.queues {
        println!(
            "{:<14} {:<24} {:>12.2} {:>12} {:>8} {:>10.1} {:>7} {:>7} {:>7} {:>7} {:>7}",
            q.queue,
            status_text(&q.status),
            q.objective,
            opt(q.lp_bound, 1.0, 2),
            opt(q.gap, 100.0, 3),
            q.paid_hours,
            q.shifts,
            q.agents.map_or_else(|| "-".into(), |a| a.to_string()),
            q.under_staffed_agent_intervals,
            q.over_staffed_agent_intervals,
            opt(q.service_level_week, 1.0, 3),
        );
        for w in &q.warnings {
            println!("  warning: {w}");
        }
    }
    println!(
        "total: {} via {} in {:.2} s, {} shifts, {:.1} paid hours, objective {:.2}, gap {}%",
        status_text(&s.status),
        s.solver.as_str(),
        s.solve_seconds,
        s.shifts,
        s.paid_hours,
        s.objective,
        opt(s.gap, 100.0, 3)
    );
}
