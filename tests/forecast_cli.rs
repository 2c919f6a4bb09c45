//! End-to-end tests of `shiftcast forecast` and `shiftcast backtest` on small files.

use std::fmt::Write as _;

use assert_cmd::Command;
use chrono::{Datelike, Duration, NaiveDate};
use predicates::str::contains;

/// Five weeks of weekday history 09:00–12:00 at 60 minutes: 10 + hour contacts, 300 s handle
/// time on weekday mornings and 360 s after 11:00.
fn write_history(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("interval_start,queue,contacts,aht_seconds\n");
    let first = NaiveDate::from_ymd_opt(2025, 1, 6).expect("date");
    for d in 0..35 {
        let day = first + Duration::days(d);
        if day.weekday().num_days_from_monday() >= 5 {
            continue;
        }
        for h in 9..12 {
            let aht = if h >= 11 { 360 } else { 300 };
            writeln!(text, "{day}T{h:02}:00,sales,{},{aht}", 10 + h).expect("write");
        }
    }
    let path = dir.join("history.csv");
    std::fs::write(&path, text).expect("write history");
    path
}

#[test]
fn forecast_writes_every_open_interval_with_intervals_and_handle_time() {
    let dir = tempfile::tempdir().expect("tmp");
    let history = write_history(dir.path());
    let events = dir.path().join("events.csv");
    std::fs::write(&events, "start,end,kind,name,queue,uplift\n2025-02-12T10:00,2025-02-12T11:00,promotion,mailer,,1.5\n").expect("events");
    let out = dir.path().join("forecast.csv");
    Command::cargo_bin("shiftcast")
        .expect("binary")
        .args(["forecast", "--history"])
        .arg(&history)
        .arg("--events")
        .arg(&events)
        .args(["--time-zone", "Europe/Madrid", "--days", "7", "--out"])
        .arg(&out)
        .assert()
        .success()
        // The history ends on Friday 2025-02-07; as `plan`, the forecast starts on the next
        // week start (Monday), not on the Saturday after.
        .stdout(contains("rows for 7 day(s) from 2025-02-10"));
    let text = std::fs::read_to_string(&out).expect("forecast.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds");
    // 5 weekdays × 3 open hours; the weekend is closed (inferred from the history).
    assert_eq!(lines.len(), 1 + 15);
    let row = |t: &str| -> Vec<f64> {
        let line = lines.iter().find(|l| l.starts_with(t)).unwrap_or_else(|| panic!("no row {t}"));
        line.split(',').skip(2).map(|x| x.parse().expect("number")).collect()
    };
    // A constant weekly pattern: every model forecasts 10 + hour; the promotion multiplies by 1.5.
    let tue = row("2025-02-11T10:00");
    assert!((tue[0] - 20.0).abs() < 1e-3, "{tue:?}");
    assert!(tue[1] <= tue[0] && tue[0] <= tue[2]);
    assert!((row("2025-02-12T10:00")[0] - 30.0).abs() < 1e-3);
    // Handle time follows its time-of-day profile (smoothed towards neighbours, so within range).
    let (a9, a11) = (row("2025-02-11T09:00")[3], row("2025-02-11T11:00")[3]);
    assert!(
        (300.0..360.0).contains(&a9) && (300.0..=360.0).contains(&a11) && a11 > a9,
        "{a9} {a11}"
    );
}

#[test]
fn forecast_without_time_zone_or_config_is_a_usage_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let history = write_history(dir.path());
    let out = dir.path().join("forecast.csv");
    Command::cargo_bin("shiftcast")
        .expect("binary")
        .args(["forecast", "--history"])
        .arg(&history)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .stderr(contains("--time-zone"));
    assert!(!out.exists());
}

#[test]
fn backtest_reports_every_model_as_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let history = write_history(dir.path());
    let output = Command::cargo_bin("shiftcast")
        .expect("binary")
        .args(["backtest", "--history"])
        .arg(&history)
        .args([
            "--time-zone",
            "Europe/Madrid",
            "--horizon-days",
            "7",
            "--folds",
            "2",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let models: Vec<&str> = report["queues"][0]["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["model"].as_str().expect("name"))
        .collect();
    assert_eq!(
        models,
        ["seasonal_naive", "weekday_average", "top_down", "double_seasonal", "auto"]
    );
    // A constant weekly pattern is forecast exactly by the weekday average.
    assert!(report["queues"][0]["models"][1]["wape"].as_f64().expect("wape") < 1e-9);
}

#[test]
fn forecast_as_of_covers_the_rest_of_the_day_and_backtest_scores_it() {
    // The history's last Friday runs exactly as forecast (10 + hour), so at 11:00 the rest of the
    // day (one open hour) is the day-ahead value 21 unchanged.
    let dir = tempfile::tempdir().expect("tmp");
    let history = write_history(dir.path());
    let out = dir.path().join("forecast.csv");
    Command::cargo_bin("shiftcast")
        .expect("binary")
        .args(["forecast", "--history"])
        .arg(&history)
        .args(["--time-zone", "Europe/Madrid", "--as-of", "2025-02-07T11:00", "--days", "1"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).expect("forecast.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("2025-02-07T11:00,sales,"), "{}", lines[1]);
    let contacts: f64 = lines[1].split(',').nth(2).expect("contacts").parse().expect("number");
    assert!((contacts - 21.0).abs() < 1e-3, "{contacts}");
    Command::cargo_bin("shiftcast")
        .expect("binary")
        .args(["backtest", "--history"])
        .arg(&history)
        .args(["--time-zone", "Europe/Madrid", "--folds", "1", "--as-of-times", "10:00,11:00"])
        .assert()
        .success()
        .stdout(contains("day-ahead WAPE%"));
}
