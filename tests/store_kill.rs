//! A process killed in the middle of an import leaves the store as it was before that import:
//! the binary imports two years of the sample into a store that holds one week, and is killed
//! (SIGKILL, no chance to clean up) once its transaction has started writing to the WAL. The
//! store must then hold exactly the week it held, pass SQLite's integrity check, and take the
//! same import again.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use shiftcast::store::{SqliteStore, Store};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn wal_len(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).map(|m| m.len()).unwrap_or(0)
}

/// (actuals, imports) rows and the integrity check's verdict.
fn contents(db: &Path) -> (Vec<shiftcast::store::ActualRow>, usize, String) {
    let store = SqliteStore::open_existing(db).unwrap();
    let check: String =
        store.connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    let imports = store.export_table("imports").unwrap().1.len();
    (store.actuals().unwrap(), imports, check)
}

#[test]
fn killing_an_import_leaves_the_store_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let history = std::fs::read_to_string(data("history.csv")).unwrap();
    let week: String = history
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.starts_with("2026-11-1"))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let week_file = dir.path().join("week.csv");
    std::fs::write(&week_file, week).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let status = std::process::Command::cargo_bin("shiftcast")
            .unwrap()
            .args(args)
            .stdout(Stdio::null())
            .status();
        assert!(status.unwrap().success());
    };
    run(&[
        "db".as_ref(),
        "init".as_ref(),
        "--db".as_ref(),
        db.as_ref(),
        "--config".as_ref(),
        data("plan.toml").as_ref(),
    ]);
    run(&[
        "db".as_ref(),
        "import".as_ref(),
        "--db".as_ref(),
        db.as_ref(),
        "--history".as_ref(),
        week_file.as_ref(),
    ]);
    // Fold the WAL into the main file so that any growth of the WAL is the import's.
    SqliteStore::open_existing(&db)
        .unwrap()
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let before = contents(&db);
    assert_eq!(before.2, "ok");
    assert!(!before.0.is_empty());

    let pristine = dir.path().join("pristine.db");
    std::fs::copy(&db, &pristine).unwrap();

    // Each attempt starts from the week-only store; one kill landing inside the transaction is
    // the proof, and every attempt must end in one of the two whole states.
    let mut killed_mid_import = false;
    for attempt in 0..5u64 {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let _ = std::fs::remove_file(PathBuf::from(wal));
        std::fs::copy(&pristine, &db).unwrap();
        let mut child = std::process::Command::cargo_bin("shiftcast")
            .unwrap()
            .args(["db", "import", "--db"])
            .arg(&db)
            .arg("--history")
            .arg(data("history.csv"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        // Kill once the transaction has written pages into the WAL: the earlier, the later the
        // attempt, in case an import commits before the kill lands.
        let threshold = 256 * 1024 / (attempt + 1);
        let mut exited = false;
        while wal_len(&db) < threshold {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            assert!(Instant::now() < deadline, "the import neither wrote nor ended");
            std::thread::sleep(Duration::from_micros(200));
        }
        if !exited {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        let after = contents(&db);
        assert_eq!(after.2, "ok", "integrity check after the kill");
        if after.0 == before.0 && after.1 == before.1 {
            assert!(!status.success(), "an import that succeeded must show");
            killed_mid_import = true;
            break;
        }
        assert_eq!(after.0.len(), 151_360, "attempt {attempt}: an import is all or nothing");
    }
    assert!(killed_mid_import, "no kill landed inside the import's transaction");
    // The same import goes through afterwards.
    run(&[
        "db".as_ref(),
        "import".as_ref(),
        "--db".as_ref(),
        db.as_ref(),
        "--history".as_ref(),
        data("history.csv").as_ref(),
    ]);
    let done = contents(&db);
    assert_eq!((done.0.len(), done.2.as_str()), (151_360, "ok"));
}
