//! The store's commands end to end: exit codes (usage 2, data 1), a re-import that says what it
//! replaced, a contact log import, `db export` of a table, and `accuracy` on a store without
//! published runs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn shiftcast() -> Command {
    Command::cargo_bin("shiftcast").unwrap()
}

#[test]
fn usage_and_data_errors_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    // No source to import, --publish without --db, --weeks 0: usage.
    shiftcast().args(["db", "import", "--db"]).arg(&db).assert().code(2);
    shiftcast()
        .args(["plan", "--config"])
        .arg(data("plan.toml"))
        .args(["--publish", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
    shiftcast().args(["accuracy", "--db"]).arg(&db).args(["--weeks", "0"]).assert().code(2);
    // A store that was never made: a data error naming the command to run.
    shiftcast()
        .args(["accuracy", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(contains("shiftcast db init"));
    assert!(!db.exists(), "reading commands do not create a store");
}

#[test]
fn imports_say_what_they_replaced_and_tables_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    shiftcast()
        .args(["db", "init", "--db"])
        .arg(&db)
        .arg("--config")
        .arg(data("plan.toml"))
        .assert()
        .success()
        .stdout(contains("queues voice, voice_vip, chat, email, social"))
        .stdout(contains("120 added"));
    shiftcast()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg("--log")
        .arg(data("contact_log_sample.csv"))
        .assert()
        .success()
        .stdout(contains("contact_log"));
    let again = shiftcast()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg("--log")
        .arg(data("contact_log_sample.csv"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(again.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let log = &printed["log"];
    let replaced = &log["replaced"][0];
    assert_eq!(replaced["import_id"], 2);
    assert_eq!(replaced["intervals"], log["rows"]);
    assert_eq!(replaced["changed"], 0);

    let out = dir.path().join("actuals.csv");
    shiftcast()
        .args(["db", "export", "--db"])
        .arg(&db)
        .args(["--table", "actuals", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "queue,interval_start,contacts,aht_seconds,answered,answered_within_target,import_id"
    );
    assert_eq!(lines.count() as u64, log["rows"].as_u64().unwrap());
    shiftcast()
        .args(["db", "export", "--db"])
        .arg(&db)
        .args(["--table", "nope", "--out"])
        .arg(dir.path().join("nope.csv"))
        .assert()
        .code(1)
        .stderr(contains("expected one of"));
    shiftcast()
        .args(["accuracy", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(contains("no published forecast has actuals yet"));
}
