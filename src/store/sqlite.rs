//! The SQLite back end: one file per site, in WAL mode (readers never wait for the writer),
//! with a busy timeout and immediate write transactions (a second writer waits for the lock up
//! to [`BUSY_TIMEOUT`] and then fails with [`StoreError::Busy`], it never interleaves).
//!
//! The schema is versioned with `PRAGMA user_version`: [`MIGRATIONS`] are applied in order, each
//! in its own transaction, so a file made by an older shiftcast is brought up to date on open
//! and a file from a newer one is refused. Version 1:
//!
//! | table          | key                             | holds |
//! |----------------|---------------------------------|-------|
//! | `site`         | one row                         | name, time zone, interval minutes, plan.toml text |
//! | `queues`       | `name`                          | position, channel, service-level target |
//! | `imports`      | `import_id`                     | kind, file, SHA-256, time, rows, intervals replaced |
//! | `actuals`      | `(queue, interval_start)`       | contacts, AHT, answered, answered within target, `import_id` |
//! | `agents`       | `(agent_id, valid_from)`        | the HR row as JSON, `valid_to` (open: NULL), `import_id` |
//! | `runs`         | `run_id`                        | published_at, config path and text, seed, start, days, history_through, code version, out dir |
//! | `run_forecast` | `(run_id, queue, interval_start)` | contacts, P10, P90, AHT as in the run's forecast.csv |
//! | `run_files`    | `(run_id, name)`                | requirements, shifts, coverage, roster, simulation, summary: the files' bytes and SHA-256 |
//!
//! `interval_start` is UNIX seconds. A PostgreSQL back end would keep the same tables (with
//! `timestamptz`, `jsonb` and `bytea`), take the write lock with `LOCK TABLE ... IN SHARE ROW
//! EXCLUSIVE MODE` or an advisory lock in place of SQLite's single writer, and do the import's
//! replace with `INSERT ... ON CONFLICT DO UPDATE`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::{
    stamp, ActualRow, AgentFields, AgentsSummary, ImportSource, ImportSummary, NewRun, QueueRecord,
    Replaced, Result, RunFile, RunRecord, ScoredInterval, SiteRecord, Store, StoreError,
};
use crate::io::forecast::ForecastRow;
use crate::time::format_local;

/// How long a writer waits for another writer's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema, one migration per version (version = index + 1).
pub const MIGRATIONS: [&str; 1] = [r#"
CREATE TABLE site (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL,
    config TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE queues (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    channel TEXT NOT NULL,
    service_level REAL,
    target_answer_seconds REAL
);
CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows INTEGER NOT NULL,
    replaced INTEGER NOT NULL
);
CREATE TABLE actuals (
    queue TEXT NOT NULL,
    interval_start INTEGER NOT NULL,
    contacts REAL NOT NULL,
    aht_seconds REAL,
    answered REAL,
    answered_within_target REAL,
    import_id INTEGER NOT NULL REFERENCES imports(import_id),
    PRIMARY KEY (queue, interval_start)
) WITHOUT ROWID;
CREATE TABLE agents (
    agent_id TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    record TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports(import_id),
    PRIMARY KEY (agent_id, valid_from)
);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,
    config_path TEXT NOT NULL,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    start TEXT NOT NULL,
    days INTEGER NOT NULL,
    history_through TEXT,
    code_version TEXT NOT NULL,
    out_dir TEXT NOT NULL
);
CREATE TABLE run_forecast (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    queue TEXT NOT NULL,
    interval_start INTEGER NOT NULL,
    contacts REAL NOT NULL,
    contacts_p10 REAL NOT NULL,
    contacts_p90 REAL NOT NULL,
    aht_seconds REAL NOT NULL,
    PRIMARY KEY (run_id, queue, interval_start)
) WITHOUT ROWID;
CREATE TABLE run_files (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"#];

/// A store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    busy_timeout: Duration,
}

impl SqliteStore {
    /// Open or create the store at `path` and migrate it to the current schema.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        Self::open_with_timeout(path, BUSY_TIMEOUT)
    }

    /// Open an existing store; a missing file is [`StoreError::NotInitialised`], not a new store.
    pub fn open_existing(path: &Path) -> Result<SqliteStore> {
        if !path.exists() {
            return Err(StoreError::NotInitialised { path: path.to_path_buf() });
        }
        Self::open(path)
    }

    /// [`SqliteStore::open`] with another busy timeout.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        let conn = Connection::open(path).map_err(|e| database(path, e))?;
        let mut store = SqliteStore { conn, path: path.to_path_buf(), busy_timeout };
        store.configure().map_err(|e| store.error(e))?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(self.busy_timeout)?;
        // WAL: readers see the last commit while a writer works; the writer appends to the log,
        // so a killed writer leaves the main file untouched and its frames uncommitted.
        let mode: String =
            self.conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "journal_mode WAL refused (got {mode})"
            )));
        }
        self.conn.pragma_update(None, "foreign_keys", true)?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        // Two years of actuals are ~10 MB: a 64 MB page cache holds them and a year of
        // published forecasts, so imports and accuracy do not go back to the file per page.
        self.conn.pragma_update(None, "cache_size", -65536)?;
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(())
    }

    /// The schema version of the file (0: empty).
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| self.error(e))
    }

    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        // Reading the version takes no lock, so opening an up-to-date store never waits for a
        // writer; a migration takes the write lock and checks again.
        let version = self.schema_version()?;
        if version > known {
            return Err(StoreError::NewerSchema { path: self.path.clone(), found: version, known });
        }
        if version == known {
            return Ok(());
        }
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let err = |e| error_at(&path, timeout, e);
        loop {
            let tx = self.write()?;
            let version: i64 =
                tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
            if version > known {
                return Err(StoreError::NewerSchema { path: path.clone(), found: version, known });
            }
            if version == known {
                return Ok(());
            }
            tx.execute_batch(MIGRATIONS[version as usize]).map_err(err)?;
            tx.pragma_update(None, "user_version", version + 1).map_err(err)?;
            tx.commit().map_err(err)?;
        }
    }

    /// An immediate transaction: the write lock is taken now (waiting up to the busy timeout),
    /// so two writers never both read and then fail to upgrade.
    fn write(&mut self) -> Result<Transaction<'_>> {
        let (path, timeout) = (self.path.clone(), self.busy_timeout);
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| error_at(&path, timeout, e))
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        error_at(&self.path, self.busy_timeout, e)
    }

    /// The raw connection, for tests and tools that inspect the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn database(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Database { path: path.to_path_buf(), source }
}

fn error_at(path: &Path, timeout: Duration, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Busy { path: path.to_path_buf(), seconds: timeout.as_secs_f64() }
        }
        _ => database(path, e),
    }
}

impl Store for SqliteStore {
    fn location(&self) -> &Path {
        &self.path
    }

    fn set_site(&mut self, site: &SiteRecord, config: &str) -> Result<()> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let err = |e| error_at(&path, timeout, e);
        let tx = self.write()?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tx.execute(
            "INSERT INTO site (id, name, time_zone, interval_minutes, config, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = ?1, time_zone = ?2, interval_minutes = ?3,
                 config = ?4, updated_at = ?5",
            params![site.name, site.time_zone.name(), site.interval_minutes, config, now],
        )
        .map_err(err)?;
        // Queues with actuals stay listed (the actuals keep their meaning); the plan's queues
        // come first, in its order.
        tx.execute("UPDATE queues SET position = position + 1000000", []).map_err(err)?;
        for (i, q) in site.queues.iter().enumerate() {
            tx.execute(
                "INSERT INTO queues (name, position, channel, service_level, target_answer_seconds)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET position = ?2, channel = ?3,
                     service_level = ?4, target_answer_seconds = ?5",
                params![q.name, i as i64, q.channel, q.service_level, q.target_answer_seconds],
            )
            .map_err(err)?;
        }
        tx.execute(
            "DELETE FROM queues WHERE position >= 1000000
             AND NOT EXISTS (SELECT 1 FROM actuals a WHERE a.queue = queues.name)",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn site(&self) -> Result<SiteRecord> {
        let row = self
            .conn
            .query_row("SELECT name, time_zone, interval_minutes FROM site WHERE id = 1", [], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?))
            })
            .optional()
            .map_err(|e| self.error(e))?;
        let Some((name, zone, interval_minutes)) = row else {
            return Err(StoreError::NotInitialised { path: self.path.clone() });
        };
        let time_zone = crate::time::parse_time_zone(&zone)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, channel, service_level, target_answer_seconds FROM queues
                 ORDER BY position, name",
            )
            .map_err(|e| self.error(e))?;
        let queues = stmt
            .query_map([], |r| {
                Ok(QueueRecord {
                    name: r.get(0)?,
                    channel: r.get(1)?,
                    service_level: r.get(2)?,
                    target_answer_seconds: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.error(e))?;
        Ok(SiteRecord { name, time_zone, interval_minutes, queues })
    }

    fn import_actuals(
        &mut self,
        source: &ImportSource,
        rows: &mut dyn Iterator<Item = Result<ActualRow>>,
    ) -> Result<ImportSummary> {
        let tz = self.site()?.time_zone;
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let err = |e| error_at(&path, timeout, e);
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO imports (kind, file, sha256, imported_at, rows, replaced)
             VALUES (?1, ?2, ?3, ?4, 0, 0)",
            params![source.kind, source.file, source.sha256, source.imported_at],
        )
        .map_err(err)?;
        let import_id = tx.last_insert_rowid();
        // The rows are taken inside the transaction: an error among them rolls it all back.
        let rows: Vec<ActualRow> = rows.collect::<Result<_>>()?;
        let first = rows.iter().map(|r| r.interval_start).min().unwrap_or(0);
        let last = rows.iter().map(|r| r.interval_start).max().unwrap_or(-1);
        let held = held_actuals(&tx, first, last).map_err(err)?;
        let mut replaced: BTreeMap<i64, Replaced> = BTreeMap::new();
        {
            let mut insert = tx
                .prepare("INSERT OR REPLACE INTO actuals VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(err)?;
            for r in &rows {
                if let Some(h) = held.get(r.queue.as_str()).and_then(|q| q.get(&r.interval_start)) {
                    let e = replaced.entry(h.import_id).or_insert_with(|| Replaced {
                        import_id: h.import_id,
                        file: String::new(),
                        intervals: 0,
                        changed: 0,
                    });
                    e.intervals += 1;
                    let values = Values {
                        contacts: r.contacts,
                        aht_seconds: r.aht_seconds,
                        answered: r.answered,
                        answered_within_target: r.answered_within_target,
                    };
                    e.changed += u64::from(h.values != values);
                }
                insert
                    .execute(params![
                        r.queue,
                        r.interval_start,
                        r.contacts,
                        r.aht_seconds,
                        r.answered,
                        r.answered_within_target,
                        import_id
                    ])
                    .map_err(err)?;
            }
        }
        let count = rows.len() as u64;
        let mut replaced: Vec<Replaced> = replaced.into_values().collect();
        for r in &mut replaced {
            r.file = tx
                .query_row("SELECT file FROM imports WHERE import_id = ?1", [r.import_id], |row| {
                    row.get(0)
                })
                .map_err(err)?;
        }
        let replaced_total: u64 = replaced.iter().map(|r| r.intervals).sum();
        tx.execute(
            "UPDATE imports SET rows = ?1, replaced = ?2 WHERE import_id = ?3",
            params![count as i64, replaced_total as i64, import_id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(ImportSummary {
            import_id,
            kind: source.kind.clone(),
            file: source.file.clone(),
            sha256: source.sha256.clone(),
            rows: count,
            first_interval: (count > 0).then(|| format_local(&stamp(tz, first))),
            last_interval: (count > 0).then(|| format_local(&stamp(tz, last))),
            replaced,
        })
    }

    fn actuals(&self) -> Result<Vec<ActualRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT queue, interval_start, contacts, aht_seconds, answered,
                        answered_within_target
                 FROM actuals ORDER BY queue, interval_start",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |r| {
            Ok(ActualRow {
                queue: r.get(0)?,
                interval_start: r.get(1)?,
                contacts: r.get(2)?,
                aht_seconds: r.get(3)?,
                answered: r.get(4)?,
                answered_within_target: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.error(e))
    }

    fn actuals_span(&self) -> Result<Option<(i64, i64)>> {
        self.conn
            .query_row("SELECT MIN(interval_start), MAX(interval_start) FROM actuals", [], |r| {
                Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?))
            })
            .map_err(|e| self.error(e))
    }

    fn import_agents(
        &mut self,
        source: &ImportSource,
        valid_from: NaiveDate,
        agents: &[AgentFields],
    ) -> Result<AgentsSummary> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let err = |e| error_at(&path, timeout, e);
        let day = valid_from.format("%Y-%m-%d").to_string();
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO imports (kind, file, sha256, imported_at, rows, replaced)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![
                source.kind,
                source.file,
                source.sha256,
                source.imported_at,
                agents.len() as i64
            ],
        )
        .map_err(err)?;
        let import_id = tx.last_insert_rowid();
        let mut summary =
            AgentsSummary { import_id, valid_from: day.clone(), ..Default::default() };
        let open: HashMap<String, (String, String)> = {
            let mut stmt = tx
                .prepare("SELECT agent_id, valid_from, record FROM agents WHERE valid_to IS NULL")
                .map_err(err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))
                .and_then(|rows| rows.collect::<rusqlite::Result<HashMap<_, _>>>())
                .map_err(err)?;
            rows
        };
        for a in agents {
            match open.get(&a.agent_id) {
                Some((_, record)) if *record == a.record => summary.unchanged += 1,
                Some((from, _)) => {
                    close_version(&tx, &a.agent_id, from, &day).map_err(err)?;
                    summary.changed += 1;
                }
                None => summary.added += 1,
            }
            if open.get(&a.agent_id).is_none_or(|(_, record)| *record != a.record) {
                tx.execute(
                    "INSERT OR REPLACE INTO agents (agent_id, valid_from, valid_to, record, import_id)
                     VALUES (?1, ?2, NULL, ?3, ?4)",
                    params![a.agent_id, day, a.record, import_id],
                )
                .map_err(err)?;
            }
        }
        for (id, (from, _)) in &open {
            if !agents.iter().any(|a| a.agent_id == *id) {
                close_version(&tx, id, from, &day).map_err(err)?;
                summary.removed += 1;
            }
        }
        tx.commit().map_err(err)?;
        Ok(summary)
    }

    fn publish(
        &mut self,
        run: &NewRun,
        forecast: &[ForecastRow],
        files: &[RunFile],
    ) -> Result<i64> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let err = |e| error_at(&path, timeout, e);
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO runs (published_at, config_path, config, seed, start, days,
                               history_through, code_version, out_dir)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run.published_at,
                run.config_path,
                run.config,
                run.seed as i64,
                run.start.format("%Y-%m-%d").to_string(),
                run.days,
                run.history_through.map(|d| d.format("%Y-%m-%d").to_string()),
                run.code_version,
                run.out_dir
            ],
        )
        .map_err(err)?;
        let run_id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare("INSERT INTO run_forecast VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(err)?;
            for f in forecast {
                insert
                    .execute(params![
                        run_id,
                        f.queue,
                        f.interval_start.timestamp(),
                        f.contacts,
                        f.contacts_p10,
                        f.contacts_p90,
                        f.aht_seconds
                    ])
                    .map_err(err)?;
            }
            let mut insert =
                tx.prepare("INSERT INTO run_files VALUES (?1, ?2, ?3, ?4)").map_err(err)?;
            for f in files {
                insert
                    .execute(params![run_id, f.name, super::sha256_hex(&f.content), f.content])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(run_id)
    }

    fn runs(&self) -> Result<Vec<RunRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT run_id, published_at, config_path, seed, start, days, history_through,
                        code_version, out_dir
                 FROM runs ORDER BY run_id",
            )
            .map_err(|e| self.error(e))?;
        let date = |s: String| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
            })
        };
        stmt.query_map([], |r| {
            Ok(RunRecord {
                run_id: r.get(0)?,
                published_at: r.get(1)?,
                config_path: r.get(2)?,
                seed: r.get::<_, i64>(3)? as u64,
                start: date(r.get(4)?)?,
                days: r.get(5)?,
                history_through: r.get::<_, Option<String>>(6)?.map(date).transpose()?,
                code_version: r.get(7)?,
                out_dir: r.get(8)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.error(e))
    }

    fn run_forecast(&self, run_id: i64) -> Result<Vec<ForecastRow>> {
        let tz = self.site()?.time_zone;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT queue, interval_start, contacts, contacts_p10, contacts_p90, aht_seconds
                 FROM run_forecast WHERE run_id = ?1 ORDER BY interval_start, queue",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([run_id], |r| {
            Ok(ForecastRow {
                queue: r.get(0)?,
                interval_start: stamp(tz, r.get(1)?),
                contacts: r.get(2)?,
                contacts_p10: r.get(3)?,
                contacts_p90: r.get(4)?,
                aht_seconds: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.error(e))
    }

    fn scored_intervals(&self, runs: &[i64]) -> Result<Vec<ScoredInterval>> {
        let site = self.site()?;
        let index: HashMap<String, usize> =
            site.queues.iter().enumerate().map(|(i, q)| (q.name.clone(), i)).collect();
        // CROSS JOIN keeps the run's forecast as the outer loop (SQLite does not reorder it):
        // one primary-key probe into the actuals per forecast interval, never a scan of them.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.queue, f.interval_start, f.contacts, f.contacts_p10, f.contacts_p90,
                        a.contacts, a.answered, a.answered_within_target
                 FROM run_forecast f
                 CROSS JOIN actuals a
                     ON a.queue = f.queue AND a.interval_start = f.interval_start
                 WHERE f.run_id = ?1
                 ORDER BY f.queue, f.interval_start",
            )
            .map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for &run_id in runs {
            let rows = stmt
                .query_map([run_id], |r| {
                    let queue: String = r.get(0)?;
                    Ok((
                        queue,
                        ScoredInterval {
                            run_id,
                            queue: usize::MAX,
                            interval_start: r.get(1)?,
                            forecast: r.get(2)?,
                            p10: r.get(3)?,
                            p90: r.get(4)?,
                            actual: r.get(5)?,
                            answered: r.get(6)?,
                            answered_within_target: r.get(7)?,
                        },
                    ))
                })
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.error(e))?;
            for (queue, mut s) in rows {
                if let Some(&i) = index.get(&queue) {
                    s.queue = i;
                    out.push(s);
                }
            }
        }
        Ok(out)
    }

    fn tables(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(|e| self.error(e))
    }

    fn export_table(&self, table: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
        let tables = self.tables()?;
        if !tables.iter().any(|t| t == table) {
            return Err(StoreError::Mismatch {
                path: self.path.clone(),
                message: format!("no table {table:?}; expected one of {}", tables.join(", ")),
            });
        }
        let tz = self.site().ok().map(|s| s.time_zone);
        // The table name is one of the schema's, so quoting it is safe.
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1, 2"))
            .map_err(|e| self.error(e))?;
        let header: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let stamps: Vec<bool> = header.iter().map(|h| h == "interval_start").collect();
        let rows = stmt
            .query_map([], |r| {
                (0..header.len())
                    .map(|i| {
                        let value = r.get_ref(i)?;
                        Ok(match (value, tz, stamps[i]) {
                            (ValueRef::Integer(n), Some(tz), true) => format_local(&stamp(tz, n)),
                            _ => text_of(value),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.error(e))?;
        Ok((header, rows))
    }
}

/// The values of one interval, to tell a replacement that changes them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Values {
    contacts: f64,
    aht_seconds: Option<f64>,
    answered: Option<f64>,
    answered_within_target: Option<f64>,
}

/// A held interval: the import it came from and its values.
struct Held {
    import_id: i64,
    values: Values,
}

/// Held intervals by queue, then interval start.
type HeldActuals = HashMap<String, HashMap<i64, Held>>;

/// The actuals held between two instants (inclusive), by (queue, interval start), with the
/// import each came from.
fn held_actuals(tx: &Transaction<'_>, first: i64, last: i64) -> rusqlite::Result<HeldActuals> {
    let mut stmt = tx.prepare(
        "SELECT queue, interval_start, import_id, contacts, aht_seconds, answered,
                answered_within_target
         FROM actuals WHERE interval_start BETWEEN ?1 AND ?2",
    )?;
    let mut held = HeldActuals::new();
    let mut rows = stmt.query([first, last])?;
    while let Some(r) = rows.next()? {
        let values = Values {
            contacts: r.get(3)?,
            aht_seconds: r.get(4)?,
            answered: r.get(5)?,
            answered_within_target: r.get(6)?,
        };
        held.entry(r.get(0)?).or_default().insert(r.get(1)?, Held { import_id: r.get(2)?, values });
    }
    Ok(held)
}

fn close_version(
    tx: &Transaction<'_>,
    agent_id: &str,
    valid_from: &str,
    valid_to: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE agents SET valid_to = ?3 WHERE agent_id = ?1 AND valid_from = ?2",
        params![agent_id, valid_from, valid_to],
    )?;
    Ok(())
}

/// A cell as CSV text: NULL empty, reals in their shortest exact form, blobs as UTF-8 (the
/// stored files are text) or hex.
fn text_of(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => format!("{x}"),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => b.iter().map(|x| format!("{x:02x}")).collect(),
        },
    }
}
