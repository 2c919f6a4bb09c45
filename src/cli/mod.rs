//! The command line: one file per subcommand, each turning flags into library settings, calling
//! the library and printing. No domain logic lives here.

use clap::{Parser, Subcommand, ValueEnum};

pub mod accuracy;
pub mod agents;
pub mod backtest;
pub mod db;
pub mod erlang;
pub mod forecast;
pub mod generate;
pub mod history;
pub mod plan;
pub mod report;
pub mod roster;
pub mod schedule;
pub mod simulate;
pub mod staff;
pub mod values;
pub mod whatif;

/// shiftcast: forecast contacts, staff with Erlang C/A, schedule shifts, roster agents,
/// simulate and ask what-if — for contact centres.
#[derive(Debug, Parser)]
#[command(name = "shiftcast", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Start every CSV written with a UTF-8 byte-order mark, so Excel on Windows reads
    /// non-ASCII names (Chinese, accented) correctly.
    #[arg(long, global = true)]
    pub bom: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole weekly chain on one config: forecast → staff → schedule → roster → simulate → report.
    Plan(plan::Args),
    /// Forecast contacts and handle time per interval.
    Forecast(forecast::Args),
    /// Rolling-origin backtest of every forecast model, with accuracy figures.
    Backtest(backtest::Args),
    /// Erlang B/C/A for one interval: required agents or the metrics at a given head-count.
    Erlang(erlang::Args),
    /// Required agents per interval and queue from a forecast.
    Staff(staff::Args),
    /// Shifts, breaks and days off from requirements (integer program).
    Schedule(schedule::Args),
    /// Assign named agents to shifts, or check a roster against every rule.
    Roster(roster::Args),
    /// Discrete-event simulation of a roster against a forecast.
    Simulate(simulate::Args),
    /// Sweep what-if scenarios in parallel.
    Whatif(whatif::Args),
    /// Rebuild report.html from a plan's output folder.
    Report(report::Args),
    /// History tools (aggregate a contact log into interval history).
    History(history::Args),
    /// HR agents file tools (validate and summarise).
    Agents(agents::Args),
    /// Generate the deterministic sample data set.
    Generate(generate::Args),
    /// The site's store of actuals, agents and published runs (SQLite file).
    Db(db::Args),
    /// Accuracy of the published forecasts against the actuals since, by queue and lead time.
    Accuracy(accuracy::Args),
}

/// A flag value the command cannot use: the command line is wrong, not the data (exit 2).
/// Range checks that need no data are clap value parsers ([`values`]); this is for the checks
/// that do (a flag that contradicts another, a value the library refuses).
#[derive(Debug, thiserror::Error)]
#[error("{flag}: {message}")]
pub struct UsageError {
    pub flag: String,
    pub message: String,
}

impl UsageError {
    pub fn new(flag: impl Into<String>, message: impl Into<String>) -> Self {
        UsageError { flag: flag.into(), message: message.into() }
    }
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// JSON for programs.
    Json,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    shiftcast::io::table::set_csv_bom(cli.bom);
    match cli.command {
        Command::Plan(a) => plan::run(a),
        Command::Forecast(a) => forecast::run(a),
        Command::Backtest(a) => backtest::run(a),
        Command::Erlang(a) => erlang::run(a),
        Command::Staff(a) => staff::run(a),
        Command::Schedule(a) => schedule::run(a),
        Command::Roster(a) => roster::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Whatif(a) => whatif::run(a),
        Command::Report(a) => report::run(a),
        Command::History(a) => history::run(a),
        Command::Agents(a) => agents::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Db(a) => db::run(a),
        Command::Accuracy(a) => accuracy::run(a),
    }
}

/// Print a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    // Serialise first, then write: an io::Error (a closed pipe) then reaches main as itself.
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    std::io::stdout().lock().write_all(&text)?;
    Ok(())
}
