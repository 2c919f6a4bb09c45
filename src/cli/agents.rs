//! `shiftcast agents check`: validate the HR agents file and summarise head-count by skill and
//! contract hours.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use shiftcast::io::agents;
use shiftcast::plan::PlanConfig;

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate agents.csv and print head-count by skill and contract hours.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Agents CSV (the HR import).
    pub agents: PathBuf,
    /// plan.toml: with it, every skill must name one of its [[queues]].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Check(a) => check(a),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<()> {
    let queues: Option<Vec<String>> = match &args.config {
        Some(path) => {
            let c =
                PlanConfig::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(c.site.queues.iter().map(|q| q.name.clone()).collect())
        }
        None => None,
    };
    let list = match &queues {
        Some(q) => agents::read_agents_checked(&args.agents, q),
        None => agents::read_agents(&args.agents),
    }
    .with_context(|| format!("reading agents {}", args.agents.display()))?;
    let s = agents::summarise(&list, queues.as_deref());
    match args.format {
        Format::Json => print_json(&s)?,
        Format::Table => {
            let mut text = String::new();
            writeln!(text, "{}: {} agents, all valid", args.agents.display(), s.agents)?;
            writeln!(text, "head-count by skill ({} multi-skilled):", s.multi_skilled)?;
            for (skill, n) in &s.agents_by_skill {
                writeln!(text, "  {skill:<12} {n:>5}")?;
            }
            writeln!(text, "contracts:")?;
            writeln!(
                text,
                "  {:<12} {:>6} {:>14} {:>14}",
                "contract", "agents", "min_hours_week", "max_hours_week"
            )?;
            for (c, v) in &s.contracts {
                writeln!(
                    text,
                    "  {c:<12} {:>6} {:>14.1} {:>14.1}",
                    v.agents, v.min_hours_week, v.max_hours_week
                )?;
            }
            writeln!(
                text,
                "  {:<12} {:>6} {:>14.1} {:>14.1}",
                "total", s.agents, s.min_hours_week, s.max_hours_week
            )?;
            writeln!(
                text,
                "{} with unavailability, {} with preferred days off, {} with a start/end window",
                s.with_unavailability, s.with_preferred_days_off, s.with_time_window
            )?;
            if s.max_weekly_cost > 0.0 {
                writeln!(text, "weekly cost at max hours: {:.2}", s.max_weekly_cost)?;
            }
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(())
}
