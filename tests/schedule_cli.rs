//! `shiftcast schedule` end to end: requirements.csv + plan.toml in a temp dir → shifts.csv and
//! coverage.csv whose coverage recomputes from the shifts; an infeasible rule exits 1 and writes
//! nothing.

mod common;

use assert_cmd::Command;
use common::PlanToml;
use shiftcast::io::coverage::read_coverage;
use shiftcast::io::requirements::{write_requirements, RequirementRow};
use shiftcast::io::shifts::read_shifts;
use shiftcast::time;

const VOICE: &str =
    "name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20";
const EMAIL: &str = "name = \"voice\"\nchannel = \"email\"\ndeadline_minutes = 120";

/// Cost mode with hard coverage (`schedule` is added to the `[schedule]` table).
fn setup(dir: &std::path::Path, schedule: &str) {
    setup_queue(dir, VOICE, &format!("objective = \"cost\"\nhard_coverage = true\n{schedule}"));
}

/// Requirements of 3 agents 09:00-17:00 for one queue (`queue`, named voice) on a site open
/// 08:00-18:00, 4- and 8-hour shifts on the hour, the 8-hour ones with an unpaid lunch.
fn setup_queue(dir: &std::path::Path, queue: &str, schedule: &str) {
    let tz = time::parse_time_zone("Europe/London").unwrap();
    let mut rows = Vec::new();
    for h in 0..24 {
        let need = if (9..17).contains(&h) { 3 } else { 0 };
        let contacts = f64::from(need) * 10.0;
        rows.push(RequirementRow {
            interval_start: time::parse_local(&format!("2025-03-03T{h:02}:00"), tz).unwrap(),
            queue: "voice".into(),
            contacts,
            aht_seconds: 300.0,
            traffic_erlangs: contacts * 300.0 / 3600.0,
            agents_net: need,
            agents_gross: need,
            service_level: 0.8,
            asa_seconds: 10.0,
            occupancy: 0.5,
            abandon_rate: None,
        });
    }
    write_requirements(&dir.join("requirements.csv"), &rows).unwrap();
    PlanToml::sample()
        .site("time_zone = \"Europe/London\"\ninterval_minutes = 60\nopening_hours = { all = \"08:00-18:00\" }")
        .shrinkage(0.3)
        .queues(&[queue])
        .section(
            "schedule",
            &format!(
                "unplanned_shrinkage = 0.0\nstart_step_minutes = 60\nshift_lengths_minutes = [240, 480]\n{schedule}\n\
                 [[schedule.breaks]]\nname = \"lunch\"\nlength_minutes = 60\npaid = false\n\
                 earliest_start_minutes = 180\nlatest_start_minutes = 300\nmin_shift_minutes = 480"
            ),
        )
        .write(dir);
}

#[test]
fn schedule_writes_shifts_and_coverage_that_agree() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "");
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .current_dir(dir.path())
        .args(["schedule", "--requirements", "requirements.csv", "--config", "plan.toml"])
        .args(["--out", "shifts.csv", "--coverage", "coverage.csv", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "optimal");
    let tz = time::parse_time_zone("Europe/London").unwrap();
    let shifts = read_shifts(&dir.path().join("shifts.csv"), tz).unwrap();
    let coverage = read_coverage(&dir.path().join("coverage.csv"), tz).unwrap();
    assert_eq!(coverage.len(), 24);
    for c in &coverage {
        let on = shifts
            .iter()
            .filter(|s| s.shift_start <= c.interval_start && c.interval_start < s.shift_end)
            .filter(|s| {
                !s.breaks.iter().any(|(a, b)| *a <= c.interval_start && c.interval_start < *b)
            })
            .count() as u32;
        assert_eq!(c.scheduled, on);
        assert!(c.scheduled >= c.required);
    }
    // 24 agent-hours on the phone at least; paid hours in the summary equal the file's.
    let paid: u32 = shifts.iter().map(|s| s.paid_minutes).sum();
    assert_eq!(f64::from(paid) / 60.0, summary["paid_hours"].as_f64().unwrap());
}

#[test]
fn write_model_leaves_an_mps_file_per_queue_of_the_solved_size() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "");
    std::fs::create_dir(dir.path().join("models")).unwrap();
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .current_dir(dir.path())
        .args(["schedule", "--requirements", "requirements.csv", "--config", "plan.toml"])
        .args(["--out", "shifts.csv", "--write-model", "models", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let queue = &summary["queues"][0];
    let mps = std::fs::read_to_string(
        dir.path().join("models").join(format!("{}.mps", queue["queue"].as_str().unwrap())),
    )
    .unwrap();
    assert!(mps.starts_with("NAME ") && mps.ends_with("ENDATA\n"));
    // One ROWS line per model row (plus the objective), one integer marker pair.
    let rows_section = &mps[mps.find("ROWS\n").unwrap()..mps.find("COLUMNS\n").unwrap()];
    assert_eq!(rows_section.lines().count() - 2, queue["rows"].as_u64().unwrap() as usize);
    assert_eq!(mps.matches("'INTORG'").count(), 1);
}

#[test]
fn an_uncoverable_interval_exits_1_naming_the_rule_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Shifts may only start at 12:00 or later: 09:00-11:00 cannot be covered.
    setup(dir.path(), "earliest_start = \"12:00\"\nlatest_start = \"13:00\"");
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "schedule",
            "--requirements",
            "requirements.csv",
            "--config",
            "plan.toml",
            "--out",
            "shifts.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hard_coverage") && err.contains("2025-03-03T09:00"), "{err}");
    assert!(!dir.path().join("shifts.csv").exists());
}

/// Runs `schedule` in `dir` with `--objective service-level` (coverage.csv, JSON summary).
fn schedule_service_level(dir: &std::path::Path) -> std::process::Output {
    Command::cargo_bin("shiftcast")
        .unwrap()
        .current_dir(dir)
        .args(["schedule", "--requirements", "requirements.csv", "--config", "plan.toml"])
        .args(["--out", "shifts.csv", "--coverage", "coverage.csv", "--format", "json"])
        .args(["--objective", "service-level"])
        .output()
        .unwrap()
}

#[test]
fn a_deferred_queue_in_service_level_mode_meets_its_requirement_in_every_interval() {
    // An email queue has no service-level target: its requirement (3 agents 09:00-17:00) is
    // already the fewest agents meeting the deadline, so every interval must reach it — no
    // warning, no fallback to cost mode's soft coverage (which may leave an interval short
    // when a shift costs more than its under-staffing penalty).
    let dir = tempfile::tempdir().unwrap();
    setup_queue(dir.path(), EMAIL, "");
    let out = schedule_service_level(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["objective_mode"], "service-level");
    assert_eq!(summary["queues"][0]["warnings"].as_array().unwrap().len(), 0, "{summary}");
    assert_eq!(summary["under_staffed_agent_intervals"], 0);
    let tz = time::parse_time_zone("Europe/London").unwrap();
    let coverage = read_coverage(&dir.path().join("coverage.csv"), tz).unwrap();
    let short: Vec<_> = coverage.iter().filter(|c| c.scheduled < c.required).collect();
    assert!(short.is_empty(), "{short:?}");
    assert_eq!(coverage.iter().filter(|c| c.required == 3).count(), 8);
    // 24 agent-hours on the phone need at least 24 paid hours.
    assert!(summary["paid_hours"].as_f64().unwrap() >= 24.0);
}

#[test]
fn a_deferred_queue_whose_requirement_no_shift_can_cover_names_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    setup_queue(dir.path(), EMAIL, "earliest_start = \"12:00\"\nlatest_start = \"13:00\"");
    let out = schedule_service_level(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2025-03-03T09:00") && err.contains("2025-03-03T11:00"), "{err}");
    assert!(!dir.path().join("shifts.csv").exists());
}
