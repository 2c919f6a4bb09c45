//! `shiftcast db`: the site's store — create it from a plan.toml (`init`), load actuals and
//! agents into it (`import`), see what it holds (`status`) and take any table out as CSV
//! (`export`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;

use shiftcast::plan::PlanConfig;
use shiftcast::store::{import, AgentsSummary, ImportSummary, SqliteStore, Store};

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create the store (or bring it up to date) with the site and queues of a plan.toml, and
    /// the agents of its `[inputs] agents` when set.
    Init(InitArgs),
    /// Import actuals (interval history or a contact log) and/or the HR agents file.
    Import(ImportArgs),
    /// What the store holds: site, queues, actuals, imports and published runs.
    Status(StatusArgs),
    /// Write one table of the store as CSV.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The store file (created if needed; one file per site).
    #[arg(long)]
    pub db: PathBuf,
    /// plan.toml of the site: its zone, interval length and queues.
    #[arg(long)]
    pub config: PathBuf,
    /// Day the agents' versions are valid from (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["history", "log", "agents"])))]
pub struct ImportArgs {
    /// The store file (made by `shiftcast db init`).
    #[arg(long)]
    pub db: PathBuf,
    /// Interval history CSV: interval_start,queue,contacts,aht_seconds, optionally answered
    /// and answered_within_target. Intervals already held are replaced (and reported).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Contact log CSV (arrived_at,queue,handle_seconds,abandoned), counted per interval.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// HR agents CSV: each agent becomes a version valid from --as-of.
    #[arg(long)]
    pub agents: Option<PathBuf>,
    /// Day the agents' versions are valid from (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The store file.
    #[arg(long)]
    pub db: PathBuf,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The store file.
    #[arg(long)]
    pub db: PathBuf,
    /// Table to export (site, queues, imports, actuals, agents, runs, run_forecast,
    /// run_files); `interval_start` columns are written as local times.
    #[arg(long)]
    pub table: String,
    /// CSV file to write (whole or not at all).
    #[arg(long)]
    pub out: PathBuf,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    shiftcast::time::parse_date(s)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Init(a) => init(a),
        Command::Import(a) => import(a),
        Command::Status(a) => status(a),
        Command::Export(a) => export(a),
    }
}

fn open(path: &std::path::Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open_existing(path)
        .with_context(|| format!("opening the store {}", path.display()))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Serialize)]
struct Initialised {
    db: String,
    schema_version: i64,
    site: String,
    time_zone: String,
    interval_minutes: u32,
    queues: Vec<String>,
    agents: Option<AgentsSummary>,
}

fn init(args: InitArgs) -> anyhow::Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading the plan {}", args.config.display()))?;
    let mut store = SqliteStore::open(&args.db)
        .with_context(|| format!("opening the store {}", args.db.display()))?;
    shiftcast::plan::store::init(&mut store, &config)
        .with_context(|| format!("recording the site in {}", args.db.display()))?;
    let agents = match &config.inputs.agents {
        Some(path) => Some(
            import::import_agents(&mut store, path, args.as_of.unwrap_or_else(today))
                .with_context(|| format!("importing the agents {}", path.display()))?,
        ),
        None => None,
    };
    let site = store.site()?;
    let printed = Initialised {
        db: args.db.display().to_string(),
        schema_version: store.schema_version()?,
        site: site.name.clone(),
        time_zone: site.time_zone.name().to_string(),
        interval_minutes: site.interval_minutes,
        queues: site.queue_names(),
        agents,
    };
    match args.format {
        Format::Json => print_json(&printed),
        Format::Table => {
            let mut text = format!(
                "store {} (schema {}): site {:?}, {}, {}-minute intervals, queues {}\n",
                printed.db,
                printed.schema_version,
                printed.site,
                printed.time_zone,
                printed.interval_minutes,
                printed.queues.join(", ")
            );
            if let Some(a) = &printed.agents {
                text.push_str(&agents_line(a));
            }
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

#[derive(Serialize, Default)]
struct Imported {
    history: Option<ImportSummary>,
    log: Option<ImportSummary>,
    agents: Option<AgentsSummary>,
}

fn import(args: ImportArgs) -> anyhow::Result<()> {
    let mut store = open(&args.db)?;
    let mut printed = Imported::default();
    if let Some(path) = &args.history {
        printed.history = Some(
            import::import_history(&mut store, path)
                .with_context(|| format!("importing the history {}", path.display()))?,
        );
    }
    if let Some(path) = &args.log {
        printed.log = Some(
            import::import_contact_log(&mut store, path)
                .with_context(|| format!("importing the contact log {}", path.display()))?,
        );
    }
    if let Some(path) = &args.agents {
        printed.agents = Some(
            import::import_agents(&mut store, path, args.as_of.unwrap_or_else(today))
                .with_context(|| format!("importing the agents {}", path.display()))?,
        );
    }
    match args.format {
        Format::Json => print_json(&printed),
        Format::Table => {
            let mut text = String::new();
            for s in printed.history.iter().chain(&printed.log) {
                text.push_str(&import_lines(s));
            }
            if let Some(a) = &printed.agents {
                text.push_str(&agents_line(a));
            }
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

fn import_lines(s: &ImportSummary) -> String {
    let mut text = format!(
        "import {} ({} {}, sha256 {}): {} intervals, {} to {}\n",
        s.import_id,
        s.kind,
        s.file,
        &s.sha256[..12],
        s.rows,
        s.first_interval.as_deref().unwrap_or("–"),
        s.last_interval.as_deref().unwrap_or("–")
    );
    for r in &s.replaced {
        text.push_str(&format!(
            "  replaced {} intervals of import {} ({}), {} with other values\n",
            r.intervals, r.import_id, r.file, r.changed
        ));
    }
    text
}

fn agents_line(a: &AgentsSummary) -> String {
    format!(
        "agents (import {}, valid from {}): {} added, {} changed, {} unchanged, {} removed\n",
        a.import_id, a.valid_from, a.added, a.changed, a.unchanged, a.removed
    )
}

#[derive(Serialize)]
struct Status {
    db: String,
    schema_version: i64,
    site: String,
    time_zone: String,
    queues: Vec<String>,
    actuals_from: Option<String>,
    actuals_to: Option<String>,
    runs: Vec<shiftcast::store::RunRecord>,
}

fn status(args: StatusArgs) -> anyhow::Result<()> {
    let store = open(&args.db)?;
    let site = store.site()?;
    let span = store.actuals_span()?;
    let local = |t: i64| shiftcast::time::format_local(&shiftcast::store::stamp(site.time_zone, t));
    let printed = Status {
        db: args.db.display().to_string(),
        schema_version: store.schema_version()?,
        site: site.name.clone(),
        time_zone: site.time_zone.name().to_string(),
        queues: site.queue_names(),
        actuals_from: span.map(|(a, _)| local(a)),
        actuals_to: span.map(|(_, b)| local(b)),
        runs: store.runs()?,
    };
    match args.format {
        Format::Json => print_json(&printed),
        Format::Table => {
            let mut text = format!(
                "store {} (schema {}): {:?}, {}, queues {}\nactuals {} to {}\n{} published runs\n",
                printed.db,
                printed.schema_version,
                printed.site,
                printed.time_zone,
                printed.queues.join(", "),
                printed.actuals_from.as_deref().unwrap_or("–"),
                printed.actuals_to.as_deref().unwrap_or("–"),
                printed.runs.len()
            );
            for r in &printed.runs {
                text.push_str(&format!(
                    "  run {}: {} days from {}, seed {}, published {} ({})\n",
                    r.run_id, r.days, r.start, r.seed, r.published_at, r.code_version
                ));
            }
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let store = open(&args.db)?;
    let (header, rows) = store
        .export_table(&args.table)
        .with_context(|| format!("exporting table {} from {}", args.table, args.db.display()))?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    shiftcast::io::table::write_csv_atomic(&args.out, &header, rows)
        .with_context(|| format!("writing {}", args.out.display()))?;
    Ok(())
}
