//! The exit-code rule (README): 0 success, 1 the data or the run failed, 2 the command line is
//! wrong — an unknown flag, a value that is not a number, or a number out of its range — found
//! before any work.

use assert_cmd::Command;
use std::path::PathBuf;

fn data(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(f)
}

fn code(args: &[&str]) -> i32 {
    let out = Command::cargo_bin("shiftcast").unwrap().args(args).output().unwrap();
    out.status.code().expect("exited")
}

#[test]
fn flag_values_out_of_range_are_usage_errors_like_values_that_are_not_numbers() {
    let config = data("plan.toml");
    let config = config.to_str().unwrap();
    let history = data("history.csv");
    let history = history.to_str().unwrap();
    let forecast = |days: &str| {
        code(&["forecast", "--config", config, "--history", history, "--days", days, "--out", "-"])
    };
    assert_eq!(forecast("0"), 2, "--days 0");
    assert_eq!(forecast("abc"), 2, "--days abc");
    assert_eq!(forecast("100000"), 2, "--days past 18 months");
    assert_eq!(code(&["plan", "--config", config, "--weeks", "7", "--out", "x"]), 2);
    let roster = |weeks: &str| {
        code(&[
            "roster", "solve", "--shifts", "s.csv", "--config", config, "--out", "r.csv",
            "--weeks", weeks,
        ])
    };
    assert_eq!(roster("7"), 2, "roster --weeks 7");
    assert_eq!(roster("0"), 2, "roster --weeks 0");
    for limit in ["-1", "nan", "0", "inf"] {
        let args = ["schedule", "--requirements", "r.csv", "--config", config, "--out", "s.csv"];
        let mut args = args.to_vec();
        args.extend(["--time-limit-seconds", limit]);
        assert_eq!(code(&args), 2, "--time-limit-seconds {limit}");
    }
    let erlang = |extra: &[&str]| {
        let mut args = vec!["erlang", "--contacts", "100", "--aht-seconds", "180"];
        args.extend(extra);
        code(&args)
    };
    assert_eq!(erlang(&["--interval-minutes", "0"]), 2);
    assert_eq!(erlang(&["--interval-minutes", "30", "--aht-seconds", "-5"]), 2);
    assert_eq!(
        erlang(&[
            "--interval-minutes",
            "30",
            "--service-level",
            "1.5",
            "--target-answer-seconds",
            "20"
        ]),
        2
    );
    assert_eq!(erlang(&["--interval-minutes", "30", "--agents", "3"]), 0);
}

#[test]
fn bad_data_exits_1() {
    let config = data("plan.toml");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let status = Command::cargo_bin("shiftcast")
        .unwrap()
        .args(["staff", "--config"])
        .arg(&config)
        .arg("--forecast")
        .arg(&missing)
        .arg("--out")
        .arg(dir.path().join("r.csv"))
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&status.stderr);
    // The file-system error is printed once, with the path.
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
}

/// `forecast --config` with a history whose queues are not the plan's names the plan's queues
/// that have no history instead of forecasting the stranger.
#[test]
fn a_history_without_the_plans_queues_is_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    let mut text = String::from("interval_start,queue,contacts,aht_seconds\n");
    for day in 1..=28 {
        text += &format!("2026-10-{day:02}T10:00,fax,5,300\n");
    }
    std::fs::write(&history, text).unwrap();
    let out = Command::cargo_bin("shiftcast")
        .unwrap()
        .args(["forecast", "--config"])
        .arg(data("plan.toml"))
        .arg("--history")
        .arg(&history)
        .arg("--out")
        .arg(dir.path().join("f.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "no rows for queue(s) \"voice\", \"chat\", \"email\", \"social\" of plan.toml; \
             its queue(s) \"fax\" are not in plan.toml (it has: \"fax\")"
        ),
        "{stderr}"
    );
}
