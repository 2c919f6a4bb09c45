//! `shiftcast erlang`: Erlang C / Erlang A for one interval — the required agents for a set of
//! targets, or (with `--agents N`) the measures at a given head-count.

use anyhow::{anyhow, Result};
use serde::Serialize;
use shiftcast::staffing::{
    agents_gross, required_agents, Binding, ErlangA, ErlangC, Metrics, QueueModel, StaffingError,
    Targets,
};

use crate::cli::{print_json, Format, UsageError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Contacts offered in the interval.
    #[arg(long, allow_negative_numbers = true)]
    pub contacts: f64,
    /// Interval length in minutes.
    #[arg(long)]
    pub interval_minutes: u32,
    /// Average handle time in seconds (talk + hold + wrap-up; chat: session length).
    #[arg(long, allow_negative_numbers = true)]
    pub aht_seconds: f64,
    /// Service-level threshold: answered within this many seconds (also sets which service level
    /// is reported; 0 when absent).
    #[arg(long, allow_negative_numbers = true)]
    pub target_answer_seconds: Option<f64>,
    /// Target fraction answered within --target-answer-seconds, in (0, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub service_level: Option<f64>,
    /// Maximum occupancy, in (0, 1].
    #[arg(long, allow_negative_numbers = true)]
    pub max_occupancy: Option<f64>,
    /// Maximum average speed of answer, seconds.
    #[arg(long, allow_negative_numbers = true)]
    pub max_asa_seconds: Option<f64>,
    /// Shrinkage for agents_gross, in [0, 1).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub shrinkage: f64,
    /// Mean caller patience in seconds: switches the model to Erlang A (with abandonment).
    #[arg(long, allow_negative_numbers = true)]
    pub patience_seconds: Option<f64>,
    /// Maximum abandonment rate, in (0, 1] (needs --patience-seconds).
    #[arg(long, allow_negative_numbers = true)]
    pub max_abandon_rate: Option<f64>,
    /// Contacts one agent handles at once (chat); agents are searched in steps of this many
    /// servers.
    #[arg(long, default_value_t = 1)]
    pub concurrency: u32,
    /// Minimum agents (floor).
    #[arg(long, default_value_t = 0)]
    pub min_agents: u32,
    /// Report the measures at this many agents instead of searching.
    #[arg(long)]
    pub agents: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What the command prints (JSON keys as documented in the README).
#[derive(Debug, Serialize)]
struct Output {
    model: &'static str,
    traffic_erlangs: f64,
    agents_net: u32,
    agents_gross: u32,
    service_level: f64,
    target_answer_seconds: f64,
    wait_probability: f64,
    /// `null` when infinite (unstable queue or no agents).
    asa_seconds: f64,
    occupancy: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    abandon_rate: Option<f64>,
    /// The target that decided agents_net (only when searching).
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<&'static str>,
}

/// Name the flag in a library error: `aht_seconds` → `--aht-seconds`.
fn flag_error(e: StaffingError) -> anyhow::Error {
    match e {
        StaffingError::InvalidParameter { name, value, expected } => {
            let flag = format!("--{}", name.replace('_', "-"));
            UsageError::new(flag, format!("must be {expected}, got {value}")).into()
        }
        other => anyhow!(other),
    }
}

pub fn run(args: Args) -> Result<()> {
    if args.interval_minutes == 0 {
        return Err(UsageError::new("--interval-minutes", "must be an integer > 0, got 0").into());
    }
    if args.concurrency == 0 {
        return Err(UsageError::new("--concurrency", "must be an integer >= 1, got 0").into());
    }
    let model = match args.patience_seconds {
        Some(p) => QueueModel::A(
            ErlangA::from_contacts(args.contacts, args.aht_seconds, args.interval_minutes, p)
                .map_err(flag_error)?,
        ),
        None => QueueModel::C(
            ErlangC::from_contacts(args.contacts, args.aht_seconds, args.interval_minutes)
                .map_err(flag_error)?,
        ),
    };
    agents_gross(0, args.shrinkage).map_err(flag_error)?;
    let targets = Targets {
        service_level: args.service_level,
        target_answer_seconds: args.target_answer_seconds,
        max_asa_seconds: args.max_asa_seconds,
        max_abandon_rate: args.max_abandon_rate,
        max_occupancy: args.max_occupancy,
        min_agents: args.min_agents,
    };
    targets.validate().map_err(flag_error)?;
    let t = args.target_answer_seconds.unwrap_or(0.0);
    let (agents_net, metrics, binding): (u32, Metrics, Option<Binding>) = match args.agents {
        Some(n) => {
            let servers = n
                .checked_mul(args.concurrency)
                .ok_or_else(|| anyhow!("--agents {n} is too large"))?;
            (n, model.metrics(servers, t), None)
        }
        None => {
            let r = required_agents(&model, &targets, args.concurrency).map_err(flag_error)?;
            (r.agents_net, r.metrics, Some(r.binding))
        }
    };
    let out = Output {
        model: model.name(),
        traffic_erlangs: model.traffic_erlangs(),
        agents_net,
        agents_gross: agents_gross(agents_net, args.shrinkage).map_err(flag_error)?,
        service_level: metrics.service_level,
        target_answer_seconds: t,
        wait_probability: metrics.wait_probability,
        asa_seconds: metrics.asa_seconds,
        occupancy: metrics.occupancy,
        abandon_rate: metrics.abandon_rate,
        binding: binding.map(|b| b.as_str()),
    };
    match args.format {
        Format::Json => print_json(&out),
        Format::Table => print_table(&out, args.shrinkage),
    }
}

fn print_table(o: &Output, shrinkage: f64) -> Result<()> {
    use std::io::Write;
    let mut w = std::io::stdout().lock();
    let model = if o.model == "erlang_a" { "Erlang A (M/M/n+M)" } else { "Erlang C (M/M/n)" };
    writeln!(w, "{:<18}{model}", "model")?;
    writeln!(w, "{:<18}{:.4}", "traffic_erlangs", o.traffic_erlangs)?;
    match o.binding {
        Some(b) => writeln!(w, "{:<18}{}  (decided by {b})", "agents_net", o.agents_net)?,
        None => writeln!(w, "{:<18}{}", "agents_net", o.agents_net)?,
    }
    writeln!(w, "{:<18}{}  (shrinkage {shrinkage})", "agents_gross", o.agents_gross)?;
    writeln!(
        w,
        "{:<18}{:.6}  (answered within {} s)",
        "service_level", o.service_level, o.target_answer_seconds
    )?;
    writeln!(w, "{:<18}{:.6}", "wait_probability", o.wait_probability)?;
    if o.asa_seconds.is_finite() {
        writeln!(w, "{:<18}{:.4}", "asa_seconds", o.asa_seconds)?;
    } else {
        writeln!(w, "{:<18}inf  (the queue grows without bound)", "asa_seconds")?;
    }
    writeln!(w, "{:<18}{:.6}", "occupancy", o.occupancy)?;
    if let Some(a) = o.abandon_rate {
        writeln!(w, "{:<18}{a:.6}", "abandon_rate")?;
    }
    Ok(())
}
