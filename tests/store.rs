//! The store through its library API: imports replace and say so, a failure inside an import's
//! transaction leaves the store as before it, a second writer waits or fails clearly, the schema
//! is versioned, agents are dated versions, the plan's history from the store equals the one
//! read from the same CSV, any table exports, and delivered service level comes from
//! answered-within-target counts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use shiftcast::io::forecast::ForecastRow;
use shiftcast::plan::PlanConfig;
use shiftcast::store::accuracy::{accuracy, AccuracyOptions};
use shiftcast::store::import::{import_agents, import_history};
use shiftcast::store::{ActualRow, ImportSource, NewRun, SqliteStore, Store, StoreError};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn sample_config() -> PlanConfig {
    PlanConfig::read(&data("plan.toml")).unwrap()
}

/// A store with the sample site.
fn new_store(dir: &Path) -> SqliteStore {
    let mut store = SqliteStore::open(&dir.join("site.db")).unwrap();
    shiftcast::plan::store::init(&mut store, &sample_config()).unwrap();
    store
}

const HEADER: &str = "interval_start,queue,contacts,aht_seconds\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn reimporting_an_interval_replaces_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let first = write(
        dir.path(),
        "monday.csv",
        &format!("{HEADER}2026-11-23T08:00,voice,10,200\n2026-11-23T08:15,voice,12,210\n"),
    );
    let s1 = import_history(&mut store, &first).unwrap();
    assert_eq!((s1.rows, s1.replaced.len()), (2, 0));
    assert_eq!(s1.sha256, shiftcast::store::sha256_hex(&std::fs::read(&first).unwrap()));
    // A corrected export: one interval changes, one is the same, one is new.
    let second = write(
        dir.path(),
        "monday-fixed.csv",
        &format!(
            "{HEADER}2026-11-23T08:00,voice,11,200\n2026-11-23T08:15,voice,12,210\n2026-11-23T08:30,voice,9,\n"
        ),
    );
    let s2 = import_history(&mut store, &second).unwrap();
    assert_eq!(s2.rows, 3);
    assert_eq!(s2.replaced.len(), 1);
    let r = &s2.replaced[0];
    assert_eq!((r.import_id, r.intervals, r.changed), (s1.import_id, 2, 1));
    assert!(r.file.ends_with("monday.csv"));
    let actuals = store.actuals().unwrap();
    let contacts: Vec<f64> = actuals.iter().map(|a| a.contacts).collect();
    assert_eq!(contacts, vec![11.0, 12.0, 9.0]);
    assert_eq!(actuals[2].aht_seconds, None);
}

#[test]
fn a_failure_inside_an_import_leaves_the_store_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let first = write(dir.path(), "a.csv", &format!("{HEADER}2026-11-23T08:00,voice,10,200\n"));
    import_history(&mut store, &first).unwrap();
    let before = store.actuals().unwrap();
    let imports_before = store.export_table("imports").unwrap();

    // Rows replace the held interval and add others, then the source fails half-way.
    let source = ImportSource {
        kind: "history".into(),
        file: "broken.csv".into(),
        sha256: "0".repeat(64),
        imported_at: "2026-12-01T00:00:00Z".into(),
    };
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00+08:00").unwrap();
    let mut rows = (0..1000)
        .map(|i| {
            Ok(ActualRow {
                queue: "voice".into(),
                interval_start: t0.timestamp() + 900 * i,
                contacts: 99.0,
                aht_seconds: None,
                answered: None,
                answered_within_target: None,
            })
        })
        .chain(std::iter::once(Err(StoreError::Mismatch {
            path: "broken.csv".into(),
            message: "the export was cut off".into(),
        })));
    let err = store.import_actuals(&source, &mut rows).unwrap_err();
    assert!(err.to_string().contains("cut off"), "{err}");
    assert_eq!(store.actuals().unwrap(), before);
    assert_eq!(store.export_table("imports").unwrap(), imports_before);
    // And from a fresh connection, as another process would see it.
    let reopened = SqliteStore::open_existing(&dir.path().join("site.db")).unwrap();
    assert_eq!(reopened.actuals().unwrap(), before);
}

#[test]
fn a_second_writer_waits_for_the_first_then_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.db");
    let holder = new_store(dir.path());
    let file = write(dir.path(), "a.csv", &format!("{HEADER}2026-11-23T08:00,voice,10,200\n"));

    holder.connection().execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut impatient = SqliteStore::open_with_timeout(&path, Duration::from_millis(200)).unwrap();
    let t = std::time::Instant::now();
    let err = import_history(&mut impatient, &file).unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
    assert!(err.to_string().contains("locked by another writer"), "{err}");
    assert!(t.elapsed() >= Duration::from_millis(150), "it waited first");
    // Readers are not blocked by the writer (WAL).
    assert!(impatient.actuals().unwrap().is_empty());

    // A patient writer waits until the first commits, then goes through.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        holder.connection().execute_batch("COMMIT").unwrap();
    });
    let mut patient = SqliteStore::open_with_timeout(&path, Duration::from_secs(10)).unwrap();
    import_history(&mut patient, &file).unwrap();
    release.join().unwrap();
    assert_eq!(patient.actuals().unwrap().len(), 1);
}

#[test]
fn schema_is_versioned_and_a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path());
    assert_eq!(store.schema_version().unwrap(), shiftcast::store::sqlite::MIGRATIONS.len() as i64);
    let mode: String =
        store.connection().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    store.connection().pragma_update(None, "user_version", 99).unwrap();
    drop(store);
    let err = SqliteStore::open(&dir.path().join("site.db")).err().unwrap();
    assert!(matches!(err, StoreError::NewerSchema { found: 99, .. }), "{err:?}");
    let missing = SqliteStore::open_existing(&dir.path().join("nope.db")).err().unwrap();
    assert!(matches!(missing, StoreError::NotInitialised { .. }), "{missing:?}");
}

#[test]
fn agents_are_kept_as_dated_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let text = std::fs::read_to_string(data("agents.csv")).unwrap();
    let d1 = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let s1 = import_agents(&mut store, &data("agents.csv"), d1).unwrap();
    assert_eq!((s1.added, s1.changed, s1.removed), (120, 0, 0));
    // A month later: A001's cost changes and the last agent has left.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines[1].starts_with("A001,") && lines[1].contains(",45,"));
    lines[1] = lines[1].replace(",45,", ",50,");
    lines.pop();
    let changed = write(dir.path(), "agents-dec.csv", &(lines.join("\n") + "\n"));
    let d2 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let s2 = import_agents(&mut store, &changed, d2).unwrap();
    assert_eq!((s2.added, s2.changed, s2.unchanged, s2.removed), (0, 1, 118, 1));
    let (header, rows) = store.export_table("agents").unwrap();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let a001: Vec<&Vec<String>> = rows.iter().filter(|r| r[col("agent_id")] == "A001").collect();
    assert_eq!(a001.len(), 2);
    assert_eq!(
        (a001[0][col("valid_from")].as_str(), a001[0][col("valid_to")].as_str()),
        ("2026-11-01", "2026-12-01")
    );
    assert_eq!(a001[1][col("valid_to")], "");
    assert!(a001[1][col("record")].contains("\"hourly_cost\":\"50\""));
}

#[test]
fn plan_history_from_the_store_equals_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    import_history(&mut store, &data("history.csv")).unwrap();
    let config = sample_config();
    let from_store = shiftcast::plan::store::history(&store, &config).unwrap();
    let from_csv =
        shiftcast::plan::inputs::read_site_history(&data("history.csv"), &config.site).unwrap();
    assert_eq!(from_store.history, from_csv);
    assert!(!from_csv.gaps.is_empty(), "the sample's outage is a gap either way");
}

#[test]
fn every_table_exports_with_local_interval_times() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let file = write(dir.path(), "a.csv", &format!("{HEADER}2026-11-23T08:00,voice,10.25,200\n"));
    import_history(&mut store, &file).unwrap();
    let tables = store.tables().unwrap();
    for t in ["site", "queues", "imports", "actuals", "agents", "runs", "run_forecast", "run_files"]
    {
        assert!(tables.contains(&t.to_string()), "{t}");
        store.export_table(t).unwrap();
    }
    let (header, rows) = store.export_table("actuals").unwrap();
    assert_eq!(header[..3], ["queue", "interval_start", "contacts"]);
    assert_eq!(rows, vec![vec!["voice", "2026-11-23T08:00", "10.25", "200", "", "", "1"]]);
    let err = store.export_table("actuals; DROP TABLE runs").unwrap_err();
    assert!(err.to_string().contains("expected one of"), "{err}");
}

#[test]
fn delivered_service_level_comes_from_answered_within_target_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let tz = sample_config().site.time_zone();
    let at = |t: &str| shiftcast::time::parse_local(t, tz).unwrap();
    let forecast: Vec<ForecastRow> = [("2026-11-23T08:00", 10.0), ("2026-11-23T08:15", 20.0)]
        .iter()
        .map(|&(t, c)| ForecastRow {
            interval_start: at(t),
            queue: "voice".into(),
            contacts: c,
            contacts_p10: c - 2.0,
            contacts_p90: c + 2.0,
            aht_seconds: 270.0,
        })
        .collect();
    let run = NewRun {
        published_at: "2026-11-22T12:00:00Z".into(),
        config_path: "plan.toml".into(),
        config: String::new(),
        seed: 1,
        start: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        days: 7,
        history_through: NaiveDate::from_ymd_opt(2026, 11, 22),
        code_version: "test".into(),
        out_dir: "out".into(),
    };
    let run_id = store.publish(&run, &forecast, &[]).unwrap();
    let file = write(
        dir.path(),
        "a.csv",
        "interval_start,queue,contacts,aht_seconds,answered,answered_within_target\n\
         2026-11-23T08:00,voice,12,200,11,9\n2026-11-23T08:15,voice,18,210,18,15\n",
    );
    import_history(&mut store, &file).unwrap();
    let rows = accuracy(&store, &AccuracyOptions::default()).unwrap();
    let voice = rows.iter().find(|r| r.queue == "voice" && r.lead_days.is_none()).unwrap();
    assert_eq!(voice.run_id, run_id);
    // |12-10| + |18-20| over 30; (30 - 30) / 30; 12 is inside [8, 12], 18 inside [18, 22].
    assert!((voice.wape.unwrap() - 4.0 / 30.0).abs() < 1e-12);
    assert!(voice.bias.unwrap().abs() < 1e-12);
    assert_eq!(voice.coverage_p10_p90, 1.0);
    assert!((voice.service_level_delivered.unwrap() - 24.0 / 30.0).abs() < 1e-12);
    assert_eq!(voice.service_level_planned, Some(0.8));
    assert_eq!(voice.lead_days, None);
    let monday = rows.iter().find(|r| r.queue == "voice" && r.lead_days == Some(1)).unwrap();
    assert_eq!(monday.intervals, 2);
}
