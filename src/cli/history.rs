//! `shiftcast history`: turn an ACD contact log into interval history (`aggregate`), and
//! validate a history file, listing its queues and gaps (`check`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono_tz::Tz;
use serde::Serialize;

use shiftcast::io::contact_log;
use shiftcast::io::history::{self, HistoryFrame, ReadHistoryOptions};
use shiftcast::io::import::{self, ImportMap, MapFile};
use shiftcast::plan::PlanConfig;
use shiftcast::time::{self, IntervalGrid, OpeningHours};

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Count contacts per interval and queue from a one-row-per-contact log.
    Aggregate(AggregateArgs),
    /// Validate a history file and report its queues, span and gaps.
    Check(CheckArgs),
    /// Convert a contact platform's interval export (CSV or .xlsx) into history.csv.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mapping").required(true).multiple(true).args(["map", "preset"])))]
pub struct ImportArgs {
    /// The export to read: CSV (any delimiter) or a spreadsheet (.xlsx, .xls, .ods); `-` reads
    /// standard input.
    pub input: PathBuf,
    /// map.toml describing the export's columns and formats (see README); overrides the keys of
    /// --preset when both are given.
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// A built-in mapping: amazon-connect, genesys-cloud or nice-iex.
    #[arg(long)]
    pub preset: Option<String>,
    /// plan.toml: the site's time zone and interval grid the rows are converted to, and its
    /// queue names.
    #[arg(long)]
    pub config: PathBuf,
    /// History CSV to write; `-` writes to standard output.
    #[arg(long)]
    pub out: PathBuf,
    /// How to print the summary (to standard error when --out is `-`).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Where the time zone (and, with a config, opening hours) come from.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct SiteArgs {
    /// IANA time zone of the site's local times, e.g. Asia/Shanghai.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// plan.toml to take the time zone, interval length and opening hours from.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Contact log CSV: arrived_at,queue,handle_seconds,abandoned.
    #[arg(long)]
    pub log: PathBuf,
    /// Interval length in minutes (5, 6, 10, 15, 30 or 60); default: the config's.
    #[arg(long)]
    pub interval_minutes: Option<u32>,
    #[command(flatten)]
    pub site: SiteArgs,
    /// History CSV to write.
    #[arg(long)]
    pub out: PathBuf,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// History CSV: interval_start,queue,contacts,aht_seconds.
    pub history: PathBuf,
    /// Interval length in minutes; default: the config's, else inferred from the rows.
    #[arg(long)]
    pub interval_minutes: Option<u32>,
    #[command(flatten)]
    pub site: SiteArgs,
    /// How many gaps to list (all are counted).
    #[arg(long, default_value_t = 10)]
    pub show_gaps: usize,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Time zone, configured interval length and opening hours from the flags.
fn site(args: &SiteArgs) -> anyhow::Result<(Tz, Option<u32>, Option<OpeningHours>)> {
    if let Some(path) = &args.config {
        let c = PlanConfig::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok((
            c.site.time_zone(),
            Some(c.site.grid.interval_minutes),
            Some(c.site.opening_hours.clone()),
        ));
    }
    let name = args.time_zone.as_deref().unwrap_or_default();
    let tz = time::parse_time_zone(name).context("--time-zone")?;
    Ok((tz, None, None))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Aggregate(a) => aggregate(a),
        Command::Check(a) => check(a),
        Command::Import(a) => import_export(a),
    }
}

#[derive(Debug, Serialize)]
struct QueueSummary {
    queue: String,
    intervals: usize,
    first: String,
    last: String,
    contacts: f64,
    /// Contact-weighted mean handle time over intervals that have one.
    aht_seconds: Option<f64>,
    gaps: usize,
    missing_intervals: usize,
}

#[derive(Debug, Serialize)]
struct GapRow {
    queue: String,
    from: String,
    intervals: usize,
}

#[derive(Debug, Serialize)]
struct Summary {
    file: String,
    interval_minutes: u32,
    queues: Vec<QueueSummary>,
    gaps: Vec<GapRow>,
}

/// Per queue: intervals, span, contacts, contact-weighted handle time and gaps; the first
/// `show_gaps` gaps listed.
fn summarise(file: String, h: &HistoryFrame, show_gaps: usize) -> Summary {
    let queues = h
        .queues
        .iter()
        .map(|q| {
            let (mut weight, mut weighted) = (0.0, 0.0);
            for (c, a) in q.contacts.iter().zip(&q.aht_seconds).filter(|(_, a)| !a.is_nan()) {
                weight += c;
                weighted += c * a;
            }
            let gaps: Vec<_> = h.gaps.iter().filter(|g| g.queue == q.queue).collect();
            let at = |t: Option<&i64>| t.map(|&t| time::format_local(&h.stamp(t)));
            QueueSummary {
                queue: q.queue.clone(),
                intervals: q.starts.len(),
                first: at(q.starts.first()).unwrap_or_default(),
                last: at(q.starts.last()).unwrap_or_default(),
                contacts: q.contacts.iter().sum(),
                aht_seconds: (weight > 0.0).then(|| weighted / weight),
                gaps: gaps.len(),
                missing_intervals: gaps.iter().map(|g| g.intervals).sum(),
            }
        })
        .collect();
    let gaps = h
        .gaps
        .iter()
        .take(show_gaps)
        .map(|g| GapRow {
            queue: g.queue.clone(),
            from: time::format_local(&g.from),
            intervals: g.intervals,
        })
        .collect();
    Summary { file, interval_minutes: h.interval_minutes, queues, gaps }
}

fn print_summary(s: &Summary, total_gaps: usize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: {}-minute intervals", s.file, s.interval_minutes)?;
    writeln!(
        out,
        "{:<12} {:>9} {:<17} {:<17} {:>12} {:>8} {:>6} {:>8}",
        "queue", "intervals", "first", "last", "contacts", "aht_s", "gaps", "missing"
    )?;
    for q in &s.queues {
        writeln!(
            out,
            "{:<12} {:>9} {:<17} {:<17} {:>12.0} {:>8} {:>6} {:>8}",
            q.queue,
            q.intervals,
            q.first,
            q.last,
            q.contacts,
            q.aht_seconds.map(|a| format!("{a:.1}")).unwrap_or_else(|| "-".into()),
            q.gaps,
            q.missing_intervals
        )?;
    }
    if !s.gaps.is_empty() {
        writeln!(
            out,
            "gaps (open intervals without data; first {} of {total_gaps}):",
            s.gaps.len()
        )?;
        for g in &s.gaps {
            writeln!(out, "  {:<12} from {} for {} intervals", g.queue, g.from, g.intervals)?;
        }
    }
    Ok(())
}

fn aggregate(args: AggregateArgs) -> anyhow::Result<()> {
    let (tz, configured, hours) = site(&args.site)?;
    let minutes = args
        .interval_minutes
        .or(configured)
        .context("give --interval-minutes (or a --config whose [site] has interval_minutes)")?;
    let grid = IntervalGrid::new(tz, minutes).context("--interval-minutes")?;
    let log = contact_log::read_contact_log(&args.log, tz)
        .with_context(|| format!("reading contact log {}", args.log.display()))?;
    if log.is_empty() {
        anyhow::bail!(
            "{}: the contact log has no rows, so there is no history to write",
            args.log.display()
        );
    }
    let h = contact_log::aggregate_with_hours(&log, &grid, hours.as_ref());
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    history::write_history(&args.out, &h)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let s = summarise(args.out.display().to_string(), &h.into_frame(tz), 0);
    match args.format {
        Format::Json => print_json(&s)?,
        Format::Table => {
            writeln!(
                std::io::stdout().lock(),
                "{} contacts from {} aggregated into {}",
                log.len(),
                args.log.display(),
                args.out.display()
            )?;
            print_summary(&s, 0)?;
        }
    }
    Ok(())
}

fn check(args: CheckArgs) -> anyhow::Result<()> {
    let (tz, configured, hours) = site(&args.site)?;
    let options = ReadHistoryOptions {
        tz,
        interval_minutes: args.interval_minutes.or(configured),
        opening_hours: hours,
    };
    let h = history::read_history_frame(&args.history, &options)
        .with_context(|| format!("reading history {}", args.history.display()))?;
    let s = summarise(args.history.display().to_string(), &h, args.show_gaps);
    match args.format {
        Format::Json => print_json(&s)?,
        Format::Table => print_summary(&s, h.gaps.len())?,
    }
    Ok(())
}

/// The mapping from --preset and --map (the map's keys override the preset's).
fn import_map(args: &ImportArgs) -> anyhow::Result<ImportMap> {
    let mut label = String::new();
    let mut m = MapFile::default();
    if let Some(p) = &args.preset {
        m = MapFile::preset(p).map_err(anyhow::Error::msg).context("--preset")?;
        label = format!("--preset {p}");
    }
    if let Some(path) = &args.map {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the map {}", path.display()))?;
        m = m.overlay(MapFile::parse(&path.display().to_string(), &text)?);
        label = path.display().to_string();
    }
    Ok(ImportMap::new(&label, m)?)
}

fn import_export(args: ImportArgs) -> anyhow::Result<()> {
    let config = PlanConfig::read(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let map = import_map(&args)?;
    let (h, counts) = import::import_file(&args.input, &map, &config.site)
        .with_context(|| format!("importing {}", args.input.display()))?;
    if h.is_empty() {
        anyhow::bail!(
            "{}: no rows to import, so there is no history to write",
            args.input.display()
        );
    }
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    history::write_history_frame(&args.out, &h)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let s = summarise(args.out.display().to_string(), &h, 0);
    let to_stdout = args.out.as_os_str() != "-";
    match args.format {
        Format::Json if to_stdout => print_json(&s)?,
        Format::Json => eprintln!("{}", serde_json::to_string_pretty(&s)?),
        Format::Table => {
            let line = format!(
                "{} rows of {} imported into {} intervals ({} rows of dropped queues)",
                counts.rows_read,
                args.input.display(),
                counts.intervals_written,
                counts.rows_dropped
            );
            if to_stdout {
                writeln!(std::io::stdout().lock(), "{line}")?;
                print_summary(&s, h.gaps.len())?;
            } else {
                eprintln!("{line}");
            }
        }
    }
    Ok(())
}
