//! `shiftcast staff`: required agents per interval and queue from a forecast and plan.toml,
//! written to requirements.csv, with a per-queue summary printed.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;
use shiftcast::io::forecast::read_forecast;
use shiftcast::io::requirements::write_requirements;
use shiftcast::plan::PlanConfig;
use shiftcast::staffing::staff_plan;

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// forecast.csv (interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds).
    #[arg(long)]
    pub forecast: PathBuf,
    /// plan.toml with [site], [staffing] and [[queues]] targets.
    #[arg(long)]
    pub config: PathBuf,
    /// Where to write requirements.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Per-queue totals over the horizon.
#[derive(Debug, Serialize)]
struct QueueSummary {
    queue: String,
    channel: &'static str,
    model: &'static str,
    open_intervals: usize,
    contacts: f64,
    peak_agents_net: u32,
    peak_agents_gross: u32,
    agent_hours_net: f64,
    agent_hours_gross: f64,
    /// Contact-weighted mean projected service level over open intervals.
    service_level: f64,
    /// Email/social contacts still in the backlog when the horizon ends (their deadline window
    /// runs past it, or they arrived after its last open interval).
    carried_out_contacts: f64,
}

#[derive(Debug, Serialize)]
struct Summary {
    out: String,
    rows: usize,
    queues: Vec<QueueSummary>,
}

pub fn run(args: Args) -> Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading the plan {}", args.config.display()))?;
    let forecast = read_forecast(&args.forecast, config.site.time_zone())
        .with_context(|| format!("reading the forecast {}", args.forecast.display()))?;
    let plan = staff_plan(&forecast, &config.site, &config.staffing).with_context(|| {
        format!("staffing {} with {}", args.forecast.display(), args.config.display())
    })?;
    write_requirements(&args.out, &plan.rows)
        .with_context(|| format!("writing {}", args.out.display()))?;

    let hours_per_interval = f64::from(config.site.grid.interval_minutes) / 60.0;
    let mut queues: Vec<_> = config.site.queues.iter().collect();
    queues.sort_by(|a, b| a.name.cmp(&b.name));
    let summaries: Vec<QueueSummary> = queues
        .iter()
        .map(|q| {
            let rows = plan.rows.iter().filter(|r| r.queue == q.name);
            let hours = q.opening_hours(&config.site).ok();
            let mut s = QueueSummary {
                queue: q.name.clone(),
                channel: q.channel.as_str(),
                model: match q.channel {
                    shiftcast::site::Channel::Email | shiftcast::site::Channel::Social => {
                        "deferred"
                    }
                    _ if q.patience_seconds.is_some() => "erlang_a",
                    _ => "erlang_c",
                },
                open_intervals: 0,
                contacts: 0.0,
                peak_agents_net: 0,
                peak_agents_gross: 0,
                agent_hours_net: 0.0,
                agent_hours_gross: 0.0,
                service_level: 0.0,
                carried_out_contacts: plan
                    .carried_out
                    .iter()
                    .find(|c| c.queue == q.name)
                    .map(|c| c.contacts)
                    .unwrap_or(0.0),
            };
            let mut weighted = 0.0;
            let mut open_contacts = 0.0;
            for r in rows {
                let open = hours.as_ref().is_some_and(|h| h.is_open(&r.interval_start));
                s.contacts += r.contacts;
                s.peak_agents_net = s.peak_agents_net.max(r.agents_net);
                s.peak_agents_gross = s.peak_agents_gross.max(r.agents_gross);
                s.agent_hours_net += f64::from(r.agents_net) * hours_per_interval;
                s.agent_hours_gross += f64::from(r.agents_gross) * hours_per_interval;
                if open {
                    s.open_intervals += 1;
                    weighted += r.service_level * r.contacts;
                    open_contacts += r.contacts;
                }
            }
            s.service_level = if open_contacts > 0.0 { weighted / open_contacts } else { 1.0 };
            s
        })
        .collect();
    let summary =
        Summary { out: args.out.display().to_string(), rows: plan.rows.len(), queues: summaries };
    match args.format {
        Format::Json => print_json(&summary),
        Format::Table => print_table(&summary),
    }
}

fn print_table(s: &Summary) -> Result<()> {
    use std::io::Write;
    let mut w = std::io::stdout().lock();
    writeln!(w, "wrote {} rows to {}", s.rows, s.out)?;
    writeln!(
        w,
        "{:<12} {:<7} {:<9} {:>6} {:>11} {:>9} {:>11} {:>11} {:>13} {:>8} {:>11}",
        "queue",
        "channel",
        "model",
        "open",
        "contacts",
        "peak_net",
        "peak_gross",
        "hours_net",
        "hours_gross",
        "sl",
        "carried_out"
    )?;
    for q in &s.queues {
        writeln!(
            w,
            "{:<12} {:<7} {:<9} {:>6} {:>11.1} {:>9} {:>11} {:>11.1} {:>13.1} {:>8.4} {:>11.1}",
            q.queue,
            q.channel,
            q.model,
            q.open_intervals,
            q.contacts,
            q.peak_agents_net,
            q.peak_agents_gross,
            q.agent_hours_net,
            q.agent_hours_gross,
            q.service_level,
            q.carried_out_contacts
        )?;
    }
    Ok(())
}
