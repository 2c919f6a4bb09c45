//! End-to-end: the generate, history and agents commands on data/ and on bad input, as a user
//! runs them (exit codes 0 / 1 / 2, errors naming file, line and column, no partial outputs).

use assert_cmd::Command;
use predicates::prelude::*;

fn shiftcast() -> Command {
    Command::cargo_bin("shiftcast").unwrap()
}

fn json(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output).unwrap()
}

#[test]
fn generate_writes_the_sample_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let o = shiftcast()
        .args(["generate", "--seed", "7", "--out"])
        .arg(&out)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&o);
    assert_eq!(v["agents"], 120);
    assert_eq!(v["history_last_day"], "2026-11-22");
    for f in ["history.csv", "events.csv", "agents.csv", "contact_log_sample.csv", "plan.toml"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn agents_check_summarises_the_shipped_agents() {
    let o = shiftcast()
        .args([
            "agents",
            "check",
            "data/agents.csv",
            "--config",
            "data/plan.toml",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&o);
    assert_eq!(v["agents"], 120);
    let by_skill = v["agents_by_skill"].as_object().unwrap();
    let total: u64 = by_skill.values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(
        total as i64 - v["multi_skilled"].as_i64().unwrap(),
        120,
        "each multi-skilled agent has two skills"
    );
    shiftcast()
        .args(["agents", "check", "data/agents.csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("head-count by skill"));
}

#[test]
fn agents_check_rejects_unknown_skills_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agents.csv");
    std::fs::write(
        &path,
        "agent_id,name,skills,min_hours_week,max_hours_week\nA1,X,voice,0,40\nA2,Y,fax,0,40\n",
    )
    .unwrap();
    shiftcast()
        .args(["agents", "check"])
        .arg(&path)
        .args(["--config", "data/plan.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "agents.csv line 3, column skills: unknown skill \"fax\"",
        ));
}

#[test]
fn history_aggregate_then_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("history.csv");
    shiftcast()
        .args([
            "history",
            "aggregate",
            "--log",
            "data/contact_log_sample.csv",
            "--interval-minutes",
            "15",
        ])
        .args(["--time-zone", "Asia/Shanghai", "--out"])
        .arg(&out)
        .assert()
        .success();
    let o = shiftcast()
        .args(["history", "check"])
        .arg(&out)
        .args(["--config", "data/plan.toml", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&o);
    let queues = v["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 4);
    let contacts: f64 = queues.iter().map(|q| q["contacts"].as_f64().unwrap()).sum();
    let log_rows =
        std::fs::read_to_string("data/contact_log_sample.csv").unwrap().lines().count() - 1;
    assert_eq!(contacts, log_rows as f64, "every contact counted once");
    for q in queues {
        assert_eq!(q["intervals"], 52, "08:00-21:00");
    }
}

#[test]
fn history_check_reports_the_outage_gap() {
    let o = shiftcast()
        .args([
            "history",
            "check",
            "data/history.csv",
            "--config",
            "data/plan.toml",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&o);
    assert_eq!(v["interval_minutes"], 15);
    let gaps = v["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 4);
    assert!(gaps.iter().all(|g| g["from"] == "2025-08-14T14:00" && g["intervals"] == 16));
}

#[test]
fn bad_log_fails_with_position_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.csv");
    std::fs::write(&log, "arrived_at,queue,handle_seconds\n2025-03-03T09:00:05,voice,120\n2025-03-03T09:01:00,voice,abc\n").unwrap();
    let out = dir.path().join("history.csv");
    shiftcast()
        .args(["history", "aggregate", "--log"])
        .arg(&log)
        .args(["--interval-minutes", "15", "--time-zone", "Asia/Shanghai", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "calls.csv line 3, column handle_seconds: expected a number >= 0, found \"abc\"",
        ));
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2() {
    shiftcast()
        .args(["history", "aggregate", "--log", "x.csv", "--interval-minutes", "15"])
        .assert()
        .code(2);
    shiftcast().args(["generate"]).assert().code(2);
    shiftcast()
        .args(["history", "check", "data/history.csv", "--time-zone", "Mars/Olympus"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Mars/Olympus"));
}
