//! `shiftcast roster`: put named agents on the shifts of a schedule and write roster.csv, or
//! (`shiftcast roster check`) validate any roster against every hard rule.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use crate::cli::{print_json, values, Format, UsageError};
use shiftcast::plan::PlanConfig;
use shiftcast::roster::{self, RosterOptions, Violation};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<RosterCommand>,
    #[command(flatten)]
    pub solve: SolveArgs,
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Check a roster (for example one edited by hand) against every hard rule; exit code 1
    /// when there is any violation.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// Shifts to fill (shifts.csv from `shiftcast schedule` or `plan`; an optional
    /// `fill_priority` column puts a shift's seat before those of lower priority).
    #[arg(long, required = true)]
    pub shifts: Option<PathBuf>,
    /// Agents (the HR file); defaults to `[inputs] agents` of the config.
    #[arg(long)]
    pub agents: Option<PathBuf>,
    /// The plan (`[site]` time zone and week start, `[roster]` rules and weights).
    #[arg(long, required = true)]
    pub config: Option<PathBuf>,
    /// Where to write roster.csv; `-` writes to standard output.
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// Also write the roster as an Excel workbook: a row per agent-shift with date-time cells
    /// and each break's start, end and paid/unpaid, and an agents × days grid sheet.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Roster only the first N planning weeks of the shifts (1–6).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=6))]
    pub weeks: Option<u32>,
    /// Start from this roster (a roster.csv, e.g. the one published before the shifts changed):
    /// each of its rows keeps its agent on a seat of the same date, queue, times and paid
    /// minutes where the rules allow, and the search then takes only moves that lower the cost,
    /// so few assignments change. Rows whose seat is gone or whose agent is unknown are dropped.
    #[arg(long, value_name = "ROSTER")]
    pub from: Option<PathBuf>,
    /// Safety limit on the search time, seconds (the iteration budget normally ends it first).
    #[arg(long, default_value_t = 120.0, allow_negative_numbers = true, value_parser = values::positive)]
    pub time_limit_seconds: f64,
    /// Seed of the local search: same inputs and seed give the same roster.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The roster to check (roster.csv).
    pub roster: PathBuf,
    /// Agents (the HR file); defaults to `[inputs] agents` of the config.
    #[arg(long)]
    pub agents: Option<PathBuf>,
    /// The plan (time zone, week start, `[roster]` rules).
    #[arg(long)]
    pub config: PathBuf,
    /// The shifts the roster should fill (shifts.csv): report seats no row takes and rows that
    /// match no shift (by queue, start and end).
    #[arg(long)]
    pub shifts: Option<PathBuf>,
    /// Output format of the violation list.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Some(RosterCommand::Check(c)) => run_check(c),
        None => run_solve(args.solve),
    }
}

fn read_config(path: &Path) -> anyhow::Result<PlanConfig> {
    PlanConfig::read(path).with_context(|| format!("reading the plan {}", path.display()))
}

fn agents_path(flag: Option<PathBuf>, config: &PlanConfig) -> anyhow::Result<PathBuf> {
    flag.or_else(|| config.inputs.agents.clone())
        .context("no agents file: pass --agents or set [inputs] agents in the plan")
}

fn read_agents(path: &Path, queues: &[String]) -> anyhow::Result<Vec<roster::Agent>> {
    shiftcast::io::agents::read_agents_checked(path, queues)
        .with_context(|| format!("reading the agents file {}", path.display()))
}

fn run_solve(a: SolveArgs) -> anyhow::Result<()> {
    let (Some(shifts_path), Some(config_path), Some(out)) = (a.shifts, a.config, a.out) else {
        return Err(UsageError::new("roster", "--shifts, --config and --out are required").into());
    };
    let config = read_config(&config_path)?;
    let agents_path = agents_path(a.agents, &config)?;
    let queues: Vec<String> = config.site.queues.iter().map(|q| q.name.clone()).collect();
    let agents = read_agents(&agents_path, &queues)?;
    let tz = config.site.time_zone();
    let shifts = shiftcast::io::shifts::read_shifts(&shifts_path, tz)
        .with_context(|| format!("reading the shifts file {}", shifts_path.display()))?;
    let options = RosterOptions {
        weeks: a.weeks,
        seed: a.seed,
        time_limit_seconds: a.time_limit_seconds,
        ..RosterOptions::default()
    };
    let base = match &a.from {
        Some(path) => shiftcast::io::roster::read_roster(path, tz)
            .with_context(|| format!("reading the roster to start from {}", path.display()))?,
        None => Vec::new(),
    };
    let result =
        roster::solve_from(&shifts, &agents, &config.site, &config.roster, &options, &base)
            .context("rostering failed")?;
    shiftcast::io::roster::write_roster(&out, &result.rows)
        .with_context(|| format!("writing the roster {}", out.display()))?;
    if let Some(xlsx) = &a.xlsx {
        shiftcast::io::xlsx::write_roster_xlsx(xlsx, &result.rows)
            .with_context(|| format!("writing the workbook {}", xlsx.display()))?;
    }
    match a.format {
        Format::Json => print_json(&result)?,
        // The CSV went to standard output: keep it clean.
        Format::Table if out.as_os_str() == "-" => eprintln!("roster written to standard output"),
        Format::Table => print_summary(&result, &out),
    }
    Ok(())
}

fn print_summary(r: &roster::RosterResult, out: &Path) {
    println!(
        "roster {} .. {} ({} week{}) written to {}",
        r.first_date,
        r.last_date,
        r.weeks,
        if r.weeks == 1 { "" } else { "s" },
        out.display()
    );
    println!(
        "shifts       {} filled of {} ({} unfilled), paid hours {:.1} of {:.1}",
        r.shifts_filled,
        r.shifts_total,
        r.shifts_unfilled,
        r.paid_hours_filled,
        r.paid_hours_required
    );
    println!(
        "cost         {:.2} (labour {:.2}, unfilled {:.2}, below contract minimum {:.2})",
        r.cost.total, r.cost.labour, r.cost.unfilled, r.cost.min_hours_shortfall
    );
    println!(
        "contracts    agents' weekly minima sum to {:.1} h, maxima to {:.1} h over the horizon",
        r.contract_min_hours_total, r.contract_max_hours_total
    );
    println!("lower bound  {:.2}, gap {:.3}%", r.lower_bound, 100.0 * r.gap);
    if let Some(f) = r.from {
        println!(
            "started from {} of the {} rows of the roster given kept unchanged ({} moved or dropped)",
            f.kept,
            f.rows,
            f.rows - f.kept
        );
    }
    println!("soft penalty {:.2}", r.cost.soft_penalty);
    println!(
        "preferences  {:.1}% of preferred days off kept, {:.1}% of agent-weeks with two consecutive days off, \
         mean start change {:.2} h",
        100.0 * r.preferences.preferred_days_off_fraction,
        100.0 * r.preferences.weeks_with_two_consecutive_days_off_fraction,
        r.preferences.mean_start_change_hours
    );
    for f in &r.fairness {
        println!(
            "fairness     {:<8} total {:>5}, per agent min {} max {} (max−min {}), Gini {:.3}",
            format!("{:?}", f.kind).to_lowercase(),
            f.total,
            f.min,
            f.max,
            f.max_minus_min,
            f.gini
        );
    }
    let outside: Vec<_> = r
        .hours
        .iter()
        .filter(|h| {
            h.hours_per_week
                .iter()
                .any(|&x| x + 1e-9 < h.min_hours_week || x > h.max_hours_week + 1e-9)
        })
        .collect();
    println!(
        "contracts    {} of {} agents within min/max hours every week",
        r.hours.len() - outside.len(),
        r.hours.len()
    );
    println!("violations   {}", r.violations.len());
    for v in r.violations.iter().take(20) {
        println!("  {} {} {}: {}", v.agent_id, v.date, v.rule, v.detail);
    }
    if !r.skill_shortages.is_empty() {
        println!("seats no roster can fill:");
        for s in &r.skill_shortages {
            println!("  {}", s.describe());
        }
    }
    if !r.minimums_out_of_reach.is_empty() {
        println!("weekly minimums no roster can give:");
        for m in &r.minimums_out_of_reach {
            println!("  {}", m.describe());
        }
    }
    if !r.unmet.is_empty() {
        println!("unmet demand ({} groups):", r.unmet.len());
        for u in &r.unmet {
            println!("  {}", u.reason);
        }
    }
    println!(
        "search       {:?} after {} iterations, {:.2} s",
        r.stop_reason, r.iterations, r.run_seconds
    );
}

fn run_check(a: CheckArgs) -> anyhow::Result<()> {
    let config = read_config(&a.config)?;
    let agents_path = agents_path(a.agents, &config)?;
    let queues: Vec<String> = config.site.queues.iter().map(|q| q.name.clone()).collect();
    let agents = read_agents(&agents_path, &queues)?;
    let file = shiftcast::io::roster::read_roster_file(&a.roster, config.site.time_zone())
        .with_context(|| format!("reading the roster {}", a.roster.display()))?;
    let shifts = match &a.shifts {
        Some(path) => Some(
            shiftcast::io::shifts::read_shifts(path, config.site.time_zone())
                .with_context(|| format!("reading the shifts file {}", path.display()))?,
        ),
        None => None,
    };
    config.roster.validate().with_context(|| format!("in {}", a.config.display()))?;
    let mut violations: Vec<Violation> = roster::check_file(
        &file,
        &agents,
        &config.site,
        &config.roster,
        config.schedule.allow_closed_intervals,
    );
    let comparison = shifts.as_deref().map(|s| roster::compare_with_shifts(&file, s));
    if let Some(c) = &comparison {
        violations.extend(c.unmatched.iter().cloned());
    }
    let lost = comparison.as_ref().map_or(0, |c| c.lost_total());
    let file_name = a.roster.display().to_string();
    match a.format {
        Format::Json => print_json(&serde_json::json!({
            "rows": file.rows.len(),
            "violations_count": violations.len(),
            "by_rule": roster::violations_by_rule(&violations),
            "violations": violations,
            "lost_seats": comparison.as_ref().map(|c| &c.lost_seats),
        }))?,
        Format::Table => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for v in &violations {
                let at = at_lines(&file_name, &v.lines);
                writeln!(out, "{at}\t{}\t{}\t{}\t{}", v.agent_id, v.date, v.rule, v.detail)?;
            }
            if let Some(c) = &comparison {
                for l in &c.lost_seats {
                    writeln!(
                        out,
                        "lost seat\t{}\t{} to {}\t{} of {} {} taken by no roster row",
                        l.queue,
                        l.shift_start,
                        l.shift_end,
                        l.lost,
                        l.seats,
                        if l.seats == 1 { "seat" } else { "seats" }
                    )?;
                }
            }
            let seats = if comparison.is_some() {
                format!(", {lost} {} of the shifts lost", plural(lost as usize, "seat", "seats"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} rows, {} {}{seats}",
                file.rows.len(),
                violations.len(),
                plural(violations.len(), "violation", "violations")
            )?;
        }
    }
    let mut problems = Vec::new();
    if !violations.is_empty() {
        problems.push(format!(
            "{} hard-rule {}",
            violations.len(),
            plural(violations.len(), "violation", "violations")
        ));
    }
    if lost > 0 {
        problems.push(format!(
            "{lost} {} of {} taken by no row",
            plural(lost as usize, "seat", "seats"),
            a.shifts.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
        ));
    }
    if !problems.is_empty() {
        anyhow::bail!("{} in {}", problems.join(" and "), a.roster.display());
    }
    Ok(())
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `roster.csv line 12` / `roster.csv lines 12, 15` (the whole roster for a rule without rows).
fn at_lines(file: &str, lines: &[u64]) -> String {
    let list = lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    match lines.len() {
        0 => file.to_string(),
        1 => format!("{file} line {list}"),
        _ => format!("{file} lines {list}"),
    }
}
