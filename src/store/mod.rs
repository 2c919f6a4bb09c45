//! The planning team's memory: one store per site holding the actuals it imported, its agents
//! as dated versions, and every run it published with that run's forecast and output files —
//! so that published forecasts can be judged against what happened ([`accuracy`]).
//!
//! The store sits above [`crate::io`] (it imports history and contact-log files through their
//! readers and keeps [`ForecastRow`]s) and below [`crate::plan`], which reads the history from
//! it and records runs into it. Everything goes through the small [`Store`] trait; the one back
//! end today is [`sqlite::SqliteStore`] (an embedded SQLite file in WAL mode). A PostgreSQL back
//! end, for teams that share one database, implements the same trait (see [`sqlite`] for the
//! schema it would mirror).
//!
//! Times are kept as UNIX seconds (the instant, so a fall-back hour's two intervals stay apart)
//! and turned back into local stamps with the site's time zone on the way out.
//!
//! Every write is one transaction: an import that fails or is killed half-way leaves the store
//! as it was before it, and a second writer waits for the first (up to a busy timeout) and then
//! fails with [`StoreError::Busy`] rather than interleaving.
//!
//! # A PostgreSQL back end
//! Teams that share one database would get a `PostgresStore` implementing [`Store`] (with the
//! `postgres` crate, blocking like the rest of the library), selected by a `--db postgres://…`
//! URL. What it takes: the tables of [`sqlite`] with `timestamptz` for `interval_start`,
//! `jsonb` for agent records and `bytea` for run files, plus a `site_id` column in every key
//! (one database, many sites); migrations kept in a `schema_version` table instead of
//! `PRAGMA user_version`; the write lock per site as `pg_advisory_xact_lock(site_id)` inside
//! each write transaction (the busy timeout becomes `lock_timeout`, its error
//! [`StoreError::Busy`]); imports with `COPY` into a temporary table and one
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING` to count replaced intervals; and the accuracy
//! join ([`Store::scored_intervals`]) as one query over all runs. [`accuracy`], the importers
//! in [`import`] and the plan's use of the store are written against the trait and stay as
//! they are; [`StoreError::Database`] would gain a variant for the Postgres client's error.

pub mod accuracy;
pub mod import;
pub mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::error::FileError;
use crate::io::forecast::ForecastRow;
use crate::io::history::{gaps_in, HistoryFrame, QueueSeries};
use crate::site::Site;
use crate::time::Stamp;

pub use accuracy::{AccuracyOptions, AccuracyRow};
pub use sqlite::SqliteStore;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused (corrupt file, disk full, SQL error).
    #[error("store {path}: {source}")]
    Database { path: PathBuf, source: rusqlite::Error },
    /// Another process holds the write lock longer than the busy timeout.
    #[error("store {path} is locked by another writer (waited {seconds} s); try again when it has finished")]
    Busy { path: PathBuf, seconds: f64 },
    /// The file was written by a newer shiftcast.
    #[error("store {path} has schema version {found}; this shiftcast knows up to {known}: upgrade shiftcast")]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    /// The store has no site yet (`shiftcast db init` first).
    #[error(
        "store {path} has no site: run `shiftcast db init --db {path} --config plan.toml` first"
    )]
    NotInitialised { path: PathBuf },
    /// Data that does not fit the store's site (another zone, grid or queue).
    #[error("store {path}: {message}")]
    Mismatch { path: PathBuf, message: String },
    /// A file read for an import was wrong.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The site as the store knows it: what imports need to read files, and what a plan's config
/// is checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRecord {
    pub name: String,
    pub time_zone: Tz,
    pub interval_minutes: u32,
    /// Queue names with their channel, in plan.toml order.
    pub queues: Vec<QueueRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueRecord {
    pub name: String,
    pub channel: String,
    pub service_level: Option<f64>,
    pub target_answer_seconds: Option<f64>,
}

impl SiteRecord {
    pub fn from_site(site: &Site) -> SiteRecord {
        SiteRecord {
            name: site.name.clone(),
            time_zone: site.time_zone(),
            interval_minutes: site.grid.interval_minutes,
            queues: site
                .queues
                .iter()
                .map(|q| QueueRecord {
                    name: q.name.clone(),
                    channel: q.channel.as_str().to_string(),
                    service_level: q.service_level,
                    target_answer_seconds: q.target_answer_seconds,
                })
                .collect(),
        }
    }

    pub fn queue_names(&self) -> Vec<String> {
        self.queues.iter().map(|q| q.name.clone()).collect()
    }
}

/// One imported interval of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualRow {
    pub queue: String,
    /// Interval start, UNIX seconds.
    pub interval_start: i64,
    pub contacts: f64,
    pub aht_seconds: Option<f64>,
    /// Answered contacts, where the source counts them.
    pub answered: Option<f64>,
    /// Contacts answered within the queue's target time, where the source counts them.
    pub answered_within_target: Option<f64>,
}

/// Where an import came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSource {
    /// `history` or `contact_log` (or `agents`).
    pub kind: String,
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// When the import ran (UTC, RFC 3339).
    pub imported_at: String,
}

impl ImportSource {
    /// The source of `bytes` read from `file`, imported now.
    pub fn of(kind: &str, file: &Path, bytes: &[u8]) -> ImportSource {
        ImportSource {
            kind: kind.to_string(),
            file: file.display().to_string(),
            sha256: sha256_hex(bytes),
            imported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Intervals an import replaced, per earlier import.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Replaced {
    pub import_id: i64,
    pub file: String,
    pub intervals: u64,
    /// Of those, intervals whose values changed.
    pub changed: u64,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportSummary {
    pub import_id: i64,
    pub kind: String,
    pub file: String,
    pub sha256: String,
    pub rows: u64,
    /// First and last interval start imported (local time).
    pub first_interval: Option<String>,
    pub last_interval: Option<String>,
    /// Intervals that were already in the store, now replaced.
    pub replaced: Vec<Replaced>,
}

/// One agent's row of an HR file: its column values by header.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentFields {
    pub agent_id: String,
    /// The row as a JSON object of column → text.
    pub record: String,
}

/// What an agents import did.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct AgentsSummary {
    pub import_id: i64,
    pub valid_from: String,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Agents with an open version that the file no longer lists (their version is closed).
    pub removed: u64,
}

/// A run as it is published.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub published_at: String,
    pub config_path: String,
    /// plan.toml's text.
    pub config: String,
    pub seed: u64,
    pub start: NaiveDate,
    pub days: u32,
    /// The last day of actuals the run's forecast saw.
    pub history_through: Option<NaiveDate>,
    pub code_version: String,
    pub out_dir: String,
}

/// A published run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRecord {
    pub run_id: i64,
    pub published_at: String,
    pub config_path: String,
    pub seed: u64,
    pub start: NaiveDate,
    pub days: u32,
    pub history_through: Option<NaiveDate>,
    pub code_version: String,
    pub out_dir: String,
}

/// A file of a published run, stored byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// A published forecast interval next to the actual that followed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredInterval {
    pub run_id: i64,
    /// Index of the queue in [`SiteRecord::queues`].
    pub queue: usize,
    pub interval_start: i64,
    pub forecast: f64,
    pub p10: f64,
    pub p90: f64,
    pub actual: f64,
    pub answered: Option<f64>,
    pub answered_within_target: Option<f64>,
}

/// The store's operations, whatever the database behind them. Every method that writes is one
/// transaction: all of it happens or none.
pub trait Store {
    /// Where the store lives, for messages.
    fn location(&self) -> &Path;
    /// Record the site and its queues (replacing an earlier record); `config` is plan.toml's text.
    fn set_site(&mut self, site: &SiteRecord, config: &str) -> Result<()>;
    /// The site; [`StoreError::NotInitialised`] before `set_site`.
    fn site(&self) -> Result<SiteRecord>;
    /// Import actuals: rows of an interval already held replace it. `rows` is consumed inside
    /// the transaction, so an error from it (or a crash) leaves the store as before.
    fn import_actuals(
        &mut self,
        source: &ImportSource,
        rows: &mut dyn Iterator<Item = Result<ActualRow>>,
    ) -> Result<ImportSummary>;
    /// Every actual, per queue in time order.
    fn actuals(&self) -> Result<Vec<ActualRow>>;
    /// First and last interval start (UNIX seconds) of the actuals; `None` when there are none.
    fn actuals_span(&self) -> Result<Option<(i64, i64)>>;
    /// Import the HR file's agents as versions valid from `valid_from`.
    fn import_agents(
        &mut self,
        source: &ImportSource,
        valid_from: NaiveDate,
        agents: &[AgentFields],
    ) -> Result<AgentsSummary>;
    /// Record a published run with its forecast and files; returns the run id.
    fn publish(&mut self, run: &NewRun, forecast: &[ForecastRow], files: &[RunFile])
        -> Result<i64>;
    /// Published runs, oldest first.
    fn runs(&self) -> Result<Vec<RunRecord>>;
    /// A published run's forecast.
    fn run_forecast(&self, run_id: i64) -> Result<Vec<ForecastRow>>;
    /// Every published forecast interval that has an actual, by run, queue and time.
    fn scored_intervals(&self, runs: &[i64]) -> Result<Vec<ScoredInterval>>;
    /// The store's tables, for `db export`.
    fn tables(&self) -> Result<Vec<String>>;
    /// A whole table as text: header and rows (NULL as empty, blobs as UTF-8 text or hex).
    fn export_table(&self, table: &str) -> Result<(Vec<String>, Vec<Vec<String>>)>;
}

/// Open (or create) the SQLite store at `path`, migrated to the current schema.
pub fn open(path: &Path) -> Result<SqliteStore> {
    SqliteStore::open(path)
}

/// Actuals of a parsed history file, checked against the store's site: every queue must be one
/// of its queues.
pub fn actuals_of_history(
    history: &HistoryFrame,
    site: &SiteRecord,
    location: &Path,
) -> Result<Vec<ActualRow>> {
    let known = site.queue_names();
    let mut rows = Vec::with_capacity(history.len());
    for q in &history.queues {
        if !known.contains(&q.queue) {
            return Err(StoreError::Mismatch {
                path: location.to_path_buf(),
                message: format!(
                    "queue {:?} is not one of the site's queues ({}); re-run `db init` with a plan.toml that has it",
                    q.queue,
                    known.join(", ")
                ),
            });
        }
        rows.extend((0..q.starts.len()).map(|i| ActualRow {
            queue: q.queue.clone(),
            interval_start: q.starts[i],
            contacts: q.contacts[i],
            aht_seconds: (!q.aht_seconds[i].is_nan()).then_some(q.aht_seconds[i]),
            answered: None,
            answered_within_target: None,
        }));
    }
    Ok(rows)
}

/// The store's actuals as a plan's history on `site`'s grid: each queue's intervals in time
/// order and the gaps judged by each queue's opening hours, as [`crate::plan::inputs`] reads a
/// CSV. The site must be the store's (same zone and interval).
pub fn history_on_site(store: &dyn Store, site: &Site) -> Result<HistoryFrame> {
    let held = store.site()?;
    check_site(&held, site, store.location())?;
    let mut queues: BTreeMap<String, QueueSeries> = BTreeMap::new();
    for a in store.actuals()? {
        let q = queues.entry(a.queue).or_insert_with_key(|name| QueueSeries {
            queue: name.clone(),
            ..QueueSeries::default()
        });
        q.starts.push(a.interval_start);
        q.contacts.push(a.contacts);
        q.aht_seconds.push(a.aht_seconds.unwrap_or(f64::NAN));
    }
    let mut gaps = Vec::new();
    for (name, q) in &queues {
        let hours = match site.queue(name) {
            Some(q) => q.opening_hours(site)?,
            None => site.opening_hours.clone(),
        };
        gaps.extend(gaps_in(name, &q.starts, &site.grid, &hours));
    }
    Ok(HistoryFrame {
        tz: site.time_zone(),
        interval_minutes: site.grid.interval_minutes,
        queues: queues.into_values().collect(),
        gaps,
    })
}

/// A plan's site must have the store's time zone and interval length.
pub fn check_site(held: &SiteRecord, site: &Site, location: &Path) -> Result<()> {
    let mismatch = |message: String| StoreError::Mismatch { path: location.to_path_buf(), message };
    if held.time_zone != site.time_zone() {
        return Err(mismatch(format!(
            "the store's time zone is {}, the plan's {}",
            held.time_zone.name(),
            site.time_zone().name()
        )));
    }
    if held.interval_minutes != site.grid.interval_minutes {
        return Err(mismatch(format!(
            "the store holds {}-minute intervals, the plan uses {}",
            held.interval_minutes, site.grid.interval_minutes
        )));
    }
    Ok(())
}

/// A local stamp of UNIX seconds.
pub fn stamp(tz: Tz, unix_seconds: i64) -> Stamp {
    tz.timestamp_opt(unix_seconds, 0).single().expect("UNIX seconds in range")
}
