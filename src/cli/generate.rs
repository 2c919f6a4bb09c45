//! `shiftcast generate`: write the deterministic sample data set (history, events, agents, a
//! one-day contact log and plan.toml) into a folder.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::{print_json, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the random streams: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder to write into (created if needed; existing files of the same names are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = shiftcast::generate::generate(args.seed, &args.out)
        .with_context(|| format!("generating sample data into {}", args.out.display()))?;
    match args.format {
        Format::Json => print_json(&s)?,
        Format::Table => {
            let mut text = String::new();
            writeln!(text, "sample data (seed {}) written to {}:", s.seed, args.out.display())?;
            for f in &s.files {
                writeln!(text, "  {}", f.display())?;
            }
            writeln!(
                text,
                "history {} .. {}: {} rows",
                s.history_first_day, s.history_last_day, s.history_rows
            )?;
            let total: u64 = s.contacts_by_queue.values().sum();
            for (q, n) in &s.contacts_by_queue {
                writeln!(
                    text,
                    "  {q:<8} {n:>10} contacts ({:.1}%)",
                    100.0 * *n as f64 / total as f64
                )?;
            }
            writeln!(
                text,
                "{} events, {} agents ({:.0} h/week at most), contact log {} rows",
                s.events, s.agents, s.agents_max_hours_week, s.contact_log_rows
            )?;
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(())
}
