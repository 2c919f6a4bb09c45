//! `shiftcast report`: rebuild report.html from a plan's output folder (after editing a file by
//! hand, adding a what-if sweep, or upgrading shiftcast).

use std::path::PathBuf;

use anyhow::{Context, Result};
use shiftcast::report::files::load_plan_dir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A folder written by `shiftcast plan` (summary.json, forecast.csv, requirements.csv,
    /// shifts.csv, coverage.csv, roster.csv, simulation.csv; whatif.csv when present).
    #[arg(long)]
    pub from: PathBuf,
    /// History drawn before the forecast; default: the history summary.json names.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// A whatif.csv to compare; default: <from>/whatif.csv when it exists.
    #[arg(long)]
    pub whatif: Option<PathBuf>,
    /// Where to write the report; default: <from>/report.html.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let mut data = load_plan_dir(&args.from, args.history.as_deref(), args.whatif.as_deref())
        .with_context(|| format!("reading the plan in {}", args.from.display()))?;
    // Every key figure from the files given (a hand-edited roster.csv shows as edited).
    shiftcast::plan::pipeline::refresh_figures(&mut data)
        .with_context(|| format!("recomputing the figures of {}", args.from.display()))?;
    let out = args.out.unwrap_or_else(|| args.from.join("report.html"));
    let html = shiftcast::report::render(&data);
    shiftcast::io::write_atomic(&out, |w| {
        w.write_all(html.as_bytes()).map_err(|e| shiftcast::FileError::io(&out, e))
    })
    .with_context(|| format!("writing {}", out.display()))?;
    let charts = html.matches("<svg ").count();
    println!("wrote {} ({} charts, {} KB)", out.display(), charts, html.len().div_ceil(1024));
    for note in &data.notes {
        eprintln!("note: {note}");
    }
    Ok(())
}
