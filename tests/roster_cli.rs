//! `shiftcast roster` and `shiftcast roster check` end to end on hand-written files.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::PlanToml;
use predicates::str::contains;

/// A London site of 30-minute intervals with queues voice and chat.
fn plan() -> PlanToml {
    PlanToml::sample()
        .site("time_zone = \"Europe/London\"\ninterval_minutes = 30")
        .shrinkage(0.3)
        .queues(&["name = \"voice\"\nchannel = \"voice\"", "name = \"chat\"\nchannel = \"chat\""])
        .section("roster", "min_rest_hours = 11\nmax_consecutive_days = 6")
}

const AGENTS: &str = "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,earliest_start,latest_end,unavailable,hourly_cost\n\
A,Ann,voice,16,40,5,,17:00,,20\n\
B,Bob,chat,8,40,5,,,Tue,25\n\
C,Cai,voice;chat,16,40,5,10:00,,,30\n";

// The hand-worked case of tests/roster.rs: exactly one feasible assignment.
const SHIFTS: &str = "shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n\
s1,voice,2025-03-03,2025-03-03T08:00,2025-03-03T16:30,480,12:00-12:30\n\
s2,chat,2025-03-03,2025-03-03T12:00,2025-03-03T20:00,480,\n\
s3,chat,2025-03-04,2025-03-04T12:00,2025-03-04T20:00,480,\n\
s4,voice,2025-03-04,2025-03-04T08:00,2025-03-04T16:00,480,\n\
s5,voice,2025-03-05,2025-03-05T12:00,2025-03-05T20:00,480,\n";

const WANT: &str = "agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n\
A,Ann,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:30,480,12:00-12:30\n\
A,Ann,2025-03-04,voice,2025-03-04T08:00,2025-03-04T16:00,480,\n\
B,Bob,2025-03-03,chat,2025-03-03T12:00,2025-03-03T20:00,480,\n\
C,Cai,2025-03-04,chat,2025-03-04T12:00,2025-03-04T20:00,480,\n\
C,Cai,2025-03-05,voice,2025-03-05T12:00,2025-03-05T20:00,480,\n";

fn setup(dir: &Path) {
    plan().write(dir);
    std::fs::write(dir.join("agents.csv"), AGENTS).unwrap();
    std::fs::write(dir.join("shifts.csv"), SHIFTS).unwrap();
}

fn shiftcast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shiftcast").unwrap();
    c.current_dir(dir);
    c
}

#[test]
fn roster_writes_the_only_feasible_roster_and_check_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let out = shiftcast(dir.path())
        .args([
            "roster",
            "--shifts",
            "shifts.csv",
            "--agents",
            "agents.csv",
            "--config",
            "plan.toml",
        ])
        .args(["--out", "roster.csv", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["shifts_filled"], 5);
    assert_eq!(json["shifts_unfilled"], 0);
    assert_eq!(json["violations"].as_array().unwrap().len(), 0);
    assert_eq!(json["cost"]["total"], 1000.0);
    assert_eq!(std::fs::read_to_string(dir.path().join("roster.csv")).unwrap(), WANT);

    shiftcast(dir.path())
        .args(["roster", "check", "roster.csv", "--agents", "agents.csv", "--config", "plan.toml"])
        .assert()
        .success()
        .stdout(contains("5 rows, 0 violations"));
}

#[test]
fn check_exits_1_and_lists_a_hand_edit_that_breaks_rules() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    // HR moved Bob to voice on Tuesday (no skill, and Tuesday is his day off).
    let edited = WANT.replace(
        "B,Bob,2025-03-03,chat,2025-03-03T12:00,2025-03-03T20:00",
        "B,Bob,2025-03-04,voice,2025-03-04T12:00,2025-03-04T20:00",
    );
    std::fs::write(dir.path().join("roster.csv"), edited).unwrap();
    let out = shiftcast(dir.path())
        .args([
            "roster",
            "check",
            "roster.csv",
            "--agents",
            "agents.csv",
            "--config",
            "plan.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["skill", "unavailable_weekday"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 hard-rule violations"));
}

#[test]
fn bad_cells_are_reported_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    std::fs::write(
        dir.path().join("roster.csv"),
        WANT.replace("2025-03-04T16:00,480", "2025-03-04T16:00,8h"),
    )
    .unwrap();
    shiftcast(dir.path())
        .args(["roster", "check", "roster.csv", "--config", "plan.toml", "--agents", "agents.csv"])
        .assert()
        .code(1)
        .stderr(contains("roster.csv line 3, column paid_minutes"));
    // --shifts without --out is a usage error.
    shiftcast(dir.path())
        .args(["roster", "--shifts", "shifts.csv", "--config", "plan.toml"])
        .assert()
        .code(2);
}

#[test]
fn the_agents_file_defaults_to_the_plan_inputs() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    plan().section("inputs", "agents = \"agents.csv\"").write(dir.path());
    shiftcast(dir.path())
        .args(["roster", "--shifts", "shifts.csv", "--config", "plan.toml", "--out", "r.csv"])
        .assert()
        .success()
        .stdout(contains("5 filled of 5"));
    assert_eq!(std::fs::read_to_string(dir.path().join("r.csv")).unwrap(), WANT);
}

/// `--from` a roster whose rows no longer fit (Bob has no voice skill, Ann must end by 17:00, Zed
/// is not in agents.csv): those rows are dropped and the search still finds the only feasible
/// roster; a roster to start from with a bad cell is an error naming its file, line and column,
/// and nothing is written.
#[test]
fn a_roster_to_start_from_keeps_what_fits_and_bad_rows_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let stale = "agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n\
B,Bob,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:30,480,12:00-12:30\n\
A,Ann,2025-03-05,voice,2025-03-05T12:00,2025-03-05T20:00,480,\n\
Z,Zed,2025-03-04,chat,2025-03-04T12:00,2025-03-04T20:00,480,\n\
C,Cai,2025-03-04,chat,2025-03-04T12:00,2025-03-04T20:00,480,\n";
    std::fs::write(dir.path().join("stale.csv"), stale).unwrap();
    let args = ["roster", "--shifts", "shifts.csv", "--agents", "agents.csv", "--config"];
    let out = shiftcast(dir.path())
        .args(args)
        .args(["plan.toml", "--from", "stale.csv", "--out", "roster.csv", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("roster.csv")).unwrap(), WANT);
    // Of the four rows, only Cai's Tuesday chat is in the roster.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["from"]["rows"].as_u64(), json["from"]["kept"].as_u64()), (Some(4), Some(1)));
    shiftcast(dir.path())
        .args(args)
        .args(["plan.toml", "--from", "stale.csv", "--out", "table.csv"])
        .assert()
        .success()
        .stdout(contains(
            "started from 1 of the 4 rows of the roster given kept unchanged (3 moved or dropped)",
        ));

    std::fs::write(dir.path().join("bad.csv"), stale.replace("20:00,480,\nC", "20:00,8h,\nC"))
        .unwrap();
    shiftcast(dir.path())
        .args(args)
        .args(["plan.toml", "--from", "bad.csv", "--out", "again.csv"])
        .assert()
        .code(1)
        .stderr(contains("bad.csv line 4, column paid_minutes"));
    assert!(!dir.path().join("again.csv").exists());
}
