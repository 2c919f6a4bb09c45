//! Ten weeks of the planning team's routine on the sample, through the binary: import the
//! history up to a Sunday, then week by week publish the next week's plan from the store and
//! import that week's actuals. `shiftcast accuracy` must then equal WAPE, bias and P10–P90
//! coverage computed here, independently, from the published forecast.csv files and the
//! actuals' CSV text (to 1e-9).
//!
//! With the quick schedule rules below, ten plans take well under a minute in release:
//! `cargo test --release --test store_replay`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{Duration, NaiveDate};

const TOLERANCE: f64 = 1e-9;
const WEEKS: i64 = 10;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

fn shiftcast() -> Command {
    Command::cargo_bin("shiftcast").unwrap()
}

/// The sample history's lines with local dates in `[from, to)` (header first).
fn history_slice(lines: &[&str], from: NaiveDate, to: NaiveDate) -> String {
    let mut text = format!("{}\n", lines[0]);
    for l in &lines[1..] {
        let date = NaiveDate::parse_from_str(&l[..10], "%Y-%m-%d").unwrap();
        if date >= from && date < to {
            text.push_str(l);
            text.push('\n');
        }
    }
    text
}

/// The sample plan.toml with one-hour start steps, 8-hour shifts without break rules and a 20%
/// gap: the forecast, all this test judges, does not depend on the shift rules, and the sample's
/// schedule takes most of a plan's time.
fn quick_schedule(plan: &str) -> String {
    let breaks = plan.find("[[schedule.breaks]]").unwrap();
    let reference = plan.find("# [schedule]: rules and weights").unwrap();
    let plan = format!("{}{}", &plan[..breaks], &plan[reference..]);
    let quick = plan
        .replace("start_step_minutes = 30", "start_step_minutes = 60")
        .replace("shift_lengths_minutes = [240, 360, 510]", "shift_lengths_minutes = [480]")
        .replace("mip_gap = 0.02", "mip_gap = 0.2");
    assert_ne!(quick, plan, "the sample's schedule rules changed: update quick_schedule");
    quick
}

#[derive(Default, Debug, Clone, Copy)]
struct Sums {
    intervals: u64,
    actual: f64,
    forecast: f64,
    abs: f64,
    covered: u64,
}

#[test]
fn accuracy_equals_wape_from_published_files_over_ten_weeks() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["events.csv", "agents.csv"] {
        std::fs::copy(data(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("plan.toml"),
        quick_schedule(&std::fs::read_to_string(data("plan.toml")).unwrap()),
    )
    .unwrap();
    let config = dir.path().join("plan.toml");
    let db = dir.path().join("site.db");
    let text = std::fs::read_to_string(data("history.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let last_sunday = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let first_monday = last_sunday + Duration::days(1) - Duration::days(7 * WEEKS);

    shiftcast()
        .args(["db", "init", "--db"])
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .args(["--as-of", "2026-09-01"])
        .assert()
        .success();
    let base = dir.path().join("history-base.csv");
    std::fs::write(&base, history_slice(&lines, NaiveDate::MIN, first_monday)).unwrap();
    shiftcast()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg("--history")
        .arg(&base)
        .assert()
        .success();

    // (run id, first day, out dir, actuals CSV)
    let mut published = Vec::new();
    for k in 0..WEEKS {
        let monday = first_monday + Duration::days(7 * k);
        let out = dir.path().join(format!("week{k}"));
        let output = shiftcast()
            .args(["plan", "--config"])
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .args(["--publish", "--accuracy-weeks", "0", "--format", "json", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed["summary"]["start"], monday.format("%Y-%m-%d").to_string());
        let run_id = printed["run_id"].as_i64().unwrap();
        let actuals = dir.path().join(format!("actuals{k}.csv"));
        std::fs::write(&actuals, history_slice(&lines, monday, monday + Duration::days(7)))
            .unwrap();
        shiftcast()
            .args(["db", "import", "--db"])
            .arg(&db)
            .arg("--history")
            .arg(&actuals)
            .assert()
            .success();
        published.push((run_id, monday, out, actuals));
    }

    // Independently: WAPE per (run, queue, lead) and per (run, queue) from the files' text.
    let mut expected: BTreeMap<(i64, String, Option<i64>), Sums> = BTreeMap::new();
    for (run_id, monday, out, actuals) in &published {
        let actual: HashMap<(String, String), f64> = std::fs::read_to_string(actuals)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                ((f[0].to_string(), f[1].to_string()), f[2].parse().unwrap())
            })
            .collect();
        let forecast = std::fs::read_to_string(out.join("forecast.csv")).unwrap();
        let mut lines = forecast.lines();
        assert_eq!(
            lines.next().unwrap(),
            "interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds"
        );
        for l in lines {
            let f: Vec<&str> = l.split(',').collect();
            let Some(&y) = actual.get(&(f[0].to_string(), f[1].to_string())) else { continue };
            let (fc, p10, p90): (f64, f64, f64) =
                (f[2].parse().unwrap(), f[3].parse().unwrap(), f[4].parse().unwrap());
            let date = NaiveDate::parse_from_str(&f[0][..10], "%Y-%m-%d").unwrap();
            // Lead: days after the last actual the run saw (the Sunday before its Monday).
            let lead = (date - *monday).num_days() + 1;
            for key in [(*run_id, f[1].to_string(), Some(lead)), (*run_id, f[1].to_string(), None)]
            {
                let s = expected.entry(key).or_default();
                s.intervals += 1;
                s.actual += y;
                s.forecast += fc;
                s.abs += (y - fc).abs();
                s.covered += u64::from(p10 <= y && y <= p90);
            }
        }
    }
    assert_eq!(expected.len() as i64, WEEKS * 4 * 8, "4 queues x (7 leads + all)");

    let output = shiftcast()
        .args(["accuracy", "--db"])
        .arg(&db)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let mut checked = 0;
    for r in &rows {
        let queue = r["queue"].as_str().unwrap().to_string();
        if queue == "all" {
            continue;
        }
        let key = (r["run_id"].as_i64().unwrap(), queue, r["lead_days"].as_i64());
        let e = expected.get(&key).unwrap_or_else(|| panic!("unexpected row {r}"));
        assert_eq!(r["intervals"].as_u64().unwrap(), e.intervals, "{key:?}");
        let close = |name: &str, want: f64| {
            let got = r[name].as_f64().unwrap();
            assert!((got - want).abs() <= TOLERANCE, "{key:?} {name}: {got} vs {want}");
        };
        close("wape", e.abs / e.actual);
        close("bias", (e.forecast - e.actual) / e.actual);
        close("coverage_p10_p90", e.covered as f64 / e.intervals as f64);
        close("actual", e.actual);
        close("forecast", e.forecast);
        let start = published.iter().find(|p| p.0 == key.0).unwrap().1;
        assert_eq!(r["start"], start.format("%Y-%m-%d").to_string());
        checked += 1;
    }
    assert_eq!(checked, expected.len(), "every (run, queue, lead) has a row");
    // The last report shows the earlier weeks' accuracy.
    let report = std::fs::read_to_string(published[9].2.join("report.html")).unwrap();
    assert!(report.contains("Published forecasts against actuals"));
}
