//! Issue 18, second part: bad or odd inputs that used to pass with exit 0 and a wrong or empty
//! result, each now an error (exit 1) or a warning that names the problem. Small hand-written
//! files; each expected figure is worked out in the test's comment.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::PlanToml;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn shiftcast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shiftcast").unwrap();
    c.current_dir(dir);
    c
}

const REQUIREMENTS_HEADER: &str = "interval_start,queue,contacts,aht_seconds,traffic_erlangs,\
agents_net,agents_gross,service_level,asa_seconds,occupancy,abandon_rate\n";

/// requirements.csv with 2 agents on voice in every interval 08:00-21:00 of 2026-11-23 and
/// 2026-11-24 (the sample site's opening hours, 15-minute intervals).
fn two_days_of_requirements() -> String {
    let mut s = String::from(REQUIREMENTS_HEADER);
    for day in ["2026-11-23", "2026-11-24"] {
        for k in 0..52 {
            let (h, m) = (8 + k / 4, (k % 4) * 15);
            s += &format!("{day}T{h:02}:{m:02},voice,10,180,2,2,3,0.9,5,0.5,0.01\n");
        }
    }
    s
}

/// The sample site (open 08:00-21:00) with these `[schedule]` shift rules, and two days of
/// voice requirements.
fn schedule_case(dir: &Path, rules: &str) {
    PlanToml::sample().section("schedule", rules).write(dir);
    std::fs::write(dir.join("requirements.csv"), two_days_of_requirements()).unwrap();
}

fn schedule(dir: &Path) -> std::process::Output {
    shiftcast(dir)
        .args(["schedule", "--requirements", "requirements.csv", "--config", "plan.toml"])
        .args(["--out", "shifts.csv"])
        .output()
        .unwrap()
}

#[test]
fn schedule_with_no_template_inside_opening_hours_is_an_error_naming_rules_and_days() {
    // Shifts may start 22:00-23:00 only: none lies inside 08:00-21:00, so every open interval
    // with agents required is uncoverable (before: "optimal" with 0 shifts, exit 0).
    let dir = tempfile::tempdir().unwrap();
    schedule_case(
        dir.path(),
        "earliest_start = \"22:00\"\nlatest_start = \"23:00\"\nshift_lengths_minutes = [240]",
    );
    let out = schedule(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("queue \"voice\""), "{err}");
    assert!(
        err.contains("earliest_start/latest_start/shift_lengths_minutes/opening hours"),
        "{err}"
    );
    // 2 days × 52 intervals.
    assert!(err.contains("104 intervals need agents but no shift can cover them"), "{err}");
    assert!(err.contains("at 2026-11-23 08:00-21:00, 2026-11-24 08:00-21:00"), "{err}");
    assert!(!dir.path().join("shifts.csv").exists());
}

#[test]
fn schedule_names_the_spans_a_single_template_leaves_bare() {
    // One template, 10:00 for 4 hours, covers 10:00-14:00: 08:00-10:00 (8 intervals) and
    // 14:00-21:00 (28) stay bare each day, 2 × 36 = 72 intervals.
    let dir = tempfile::tempdir().unwrap();
    schedule_case(
        dir.path(),
        "earliest_start = \"10:00\"\nlatest_start = \"10:00\"\nshift_lengths_minutes = [240]",
    );
    let out = schedule(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("72 intervals need agents"), "{err}");
    assert!(
        err.contains(
            "2026-11-23 08:00-10:00 and 14:00-21:00, 2026-11-24 08:00-10:00 and 14:00-21:00"
        ),
        "{err}"
    );
}

#[test]
fn duplicate_requirements_row_is_reported_with_both_lines_before_solving() {
    // Line 2 is 2026-11-23T08:00 voice; a copy appended as line 106 (1 header + 104 rows + 1).
    let dir = tempfile::tempdir().unwrap();
    schedule_case(dir.path(), "earliest_start = \"08:00\"");
    let mut text = two_days_of_requirements();
    text += "2026-11-23T08:00,voice,10,180,2,2,3,0.9,5,0.5,0.01\n";
    std::fs::write(dir.path().join("requirements.csv"), text).unwrap();
    let out = schedule(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requirements.csv line 106, column interval_start"), "{err}");
    assert!(err.contains("appears twice (first on line 2)"), "{err}");
}

/// A 24x7 site with voice only, a two-interval forecast on 2025-03-03 09:00-09:30 and agents
/// P (cost 30/h) and Q (cost 50/h).
fn simulate_case(dir: &Path) {
    PlanToml::sample()
        .site("time_zone = \"Asia/Shanghai\"\ninterval_minutes = 15")
        .queues(&["name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20"])
        .section("inputs", "agents = \"agents.csv\"")
        .write(dir);
    std::fs::write(
        dir.join("forecast.csv"),
        "interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds\n\
         2025-03-03T09:00,voice,20,15,25,180\n\
         2025-03-03T09:15,voice,20,15,25,180\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agents.csv"),
        "agent_id,name,skills,min_hours_week,max_hours_week,hourly_cost\n\
         P,Pat,voice,0,40,30\n\
         Q,Quinn,voice,0,40,50\n",
    )
    .unwrap();
}

const ROSTER_HEADER: &str = "agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n";

#[test]
fn simulate_rejects_a_roster_two_years_from_the_forecast() {
    let dir = tempfile::tempdir().unwrap();
    simulate_case(dir.path());
    let roster =
        format!("{ROSTER_HEADER}P,Pat,2027-03-03,voice,2027-03-03T08:00,2027-03-03T16:00,480,\n");
    std::fs::write(dir.path().join("roster.csv"), roster).unwrap();
    let out = shiftcast(dir.path())
        .args(["simulate", "--config", "plan.toml", "--roster", "roster.csv"])
        .args(["--forecast", "forecast.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(2027-03-03T08:00 to 2027-03-03T16:00)"), "{err}");
    // The horizon ends with its last interval: 09:15 + 15 minutes.
    assert!(err.contains("(2025-03-03T09:00 to 2025-03-03T09:30)"), "{err}");
}

#[test]
fn simulate_warns_about_roster_rows_outside_the_forecast() {
    let dir = tempfile::tempdir().unwrap();
    simulate_case(dir.path());
    let roster = format!(
        "{ROSTER_HEADER}P,Pat,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:00,480,\n\
         Q,Quinn,2025-03-04,voice,2025-03-04T08:00,2025-03-04T12:00,240,\n"
    );
    std::fs::write(dir.path().join("roster.csv"), roster).unwrap();
    shiftcast(dir.path())
        .args(["simulate", "--config", "plan.toml", "--roster", "roster.csv"])
        .args(["--forecast", "forecast.csv"])
        .assert()
        .success()
        .stderr(contains("1 of 2 roster rows fall outside the forecast's horizon"));
}

/// whatif.csv as (header, first data row) maps.
fn whatif_rows(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("whatif.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(String::from)).collect())
        .collect()
}

#[test]
fn whatif_fte_counts_whole_days_and_cost_comes_from_the_roster_unless_the_scenario_sets_it() {
    // The forecast covers one local day (09:00-09:30): FTE = paid hours / (40 h × 1/7 week),
    // not over the 30 minutes from its first to its last interval. The roster pays P 8 h at
    // 30/h and Q 4 h at 50/h: (240 + 200) / 12 h = 36.6667 per paid hour.
    let dir = tempfile::tempdir().unwrap();
    simulate_case(dir.path());
    let roster = format!(
        "{ROSTER_HEADER}P,Pat,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:00,480,\n\
         Q,Quinn,2025-03-03,voice,2025-03-03T08:00,2025-03-03T12:00,240,\n"
    );
    std::fs::write(dir.path().join("roster.csv"), roster).unwrap();
    std::fs::write(dir.path().join("scenarios.csv"), "name,hourly_cost\nown rate,\nfixed,18\n")
        .unwrap();
    let out = shiftcast(dir.path())
        .args(["whatif", "--config", "plan.toml", "--scenarios", "scenarios.csv"])
        .args(["--forecast", "forecast.csv", "--roster", "roster.csv", "--no-simulate"])
        .args(["--out", "whatif.csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = whatif_rows(dir.path());
    let num =
        |r: &std::collections::BTreeMap<String, String>, k: &str| -> f64 { r[k].parse().unwrap() };
    for r in &rows {
        let paid = num(r, "paid_hours");
        assert!(paid > 0.0);
        assert!((num(r, "fte") - paid * 7.0 / 40.0).abs() < 0.006, "{r:?}");
    }
    assert_eq!(rows[0]["hourly_cost_source"], "roster");
    assert!((num(&rows[0], "hourly_cost") - 440.0 / 12.0).abs() < 1e-4);
    assert!((num(&rows[0], "cost") - num(&rows[0], "paid_hours") * 440.0 / 12.0).abs() < 0.01);
    assert_eq!(rows[1]["hourly_cost_source"], "scenario");
    assert!((num(&rows[1], "cost") - num(&rows[1], "paid_hours") * 18.0).abs() < 0.01);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("36.67/h, the roster's mean cost per paid hour"), "{stdout}");
}

/// The roster_cli.rs site: London, 30-minute intervals, voice and chat open 08:00-20:00.
fn roster_case(dir: &Path) {
    PlanToml::sample()
        .site(
            "time_zone = \"Europe/London\"\ninterval_minutes = 30\n\
             [site.opening_hours]\nall = \"08:00-20:00\"",
        )
        .queues(&["name = \"voice\"\nchannel = \"voice\"", "name = \"chat\"\nchannel = \"chat\""])
        .section("roster", "min_rest_hours = 11\nmax_consecutive_days = 6")
        .write(dir);
    std::fs::write(
        dir.join("agents.csv"),
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,unavailable\n\
         A,Ann,voice,0,40,5,Sun\n\
         B,Bob,chat,0,40,5,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shifts.csv"),
        "shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n\
         s1,voice,2025-03-03,2025-03-03T08:00,2025-03-03T16:00,480,\n\
         s2,chat,2025-03-03,2025-03-03T12:00,2025-03-03T20:00,480,\n\
         s3,chat,2025-03-04,2025-03-04T12:00,2025-03-04T20:00,480,\n",
    )
    .unwrap();
}

fn roster_check(dir: &Path, extra: &[&str]) -> std::process::Output {
    shiftcast(dir)
        .args(["roster", "check", "roster.csv", "--agents", "agents.csv", "--config", "plan.toml"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn roster_check_reports_every_bad_row_up_to_twenty() {
    // 25 rows with a bad paid_minutes: the first 20 are listed, then "and 5 more".
    let dir = tempfile::tempdir().unwrap();
    roster_case(dir.path());
    let mut r = String::from(ROSTER_HEADER);
    for _ in 0..25 {
        r += "A,Ann,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:00,8h,\n";
    }
    std::fs::write(dir.path().join("roster.csv"), r).unwrap();
    let out = roster_check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("25 bad rows"), "{err}");
    assert!(err.contains("roster.csv line 2, column paid_minutes"), "{err}");
    assert!(err.contains("roster.csv line 21, column paid_minutes"), "{err}");
    assert!(!err.contains("line 22,"), "{err}");
    assert!(err.contains("and 5 more"), "{err}");
}

#[test]
fn roster_check_finds_name_hours_duplicate_and_sunday_with_their_lines() {
    // Line 2: Ann on Sunday 2025-03-09 (unavailable on Sundays). Line 3: agent B named "Rob".
    // Line 4: chat 18:00-22:00 runs past 20:00. Line 5 repeats line 3 verbatim.
    let dir = tempfile::tempdir().unwrap();
    roster_case(dir.path());
    let r = format!(
        "{ROSTER_HEADER}A,Ann,2025-03-09,voice,2025-03-09T08:00,2025-03-09T16:00,480,\n\
         B,Rob,2025-03-03,chat,2025-03-03T12:00,2025-03-03T20:00,480,\n\
         B,Bob,2025-03-05,chat,2025-03-05T18:00,2025-03-05T22:00,240,\n\
         B,Rob,2025-03-03,chat,2025-03-03T12:00,2025-03-03T20:00,480,\n"
    );
    std::fs::write(dir.path().join("roster.csv"), r).unwrap();
    let out = roster_check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let has = |line: &str, rule: &str, detail: &str| {
        stdout.lines().any(|l| {
            l.starts_with(&format!("roster.csv {line}\t")) && l.contains(rule) && l.contains(detail)
        })
    };
    assert!(has("line 2", "unavailable_weekday", "unavailable on Sundays"), "{stdout}");
    assert!(has("line 3", "\tname\t", "\"Rob\""), "{stdout}");
    assert!(has("line 4", "opening_hours", "closed at 2025-03-05 20:00"), "{stdout}");
    assert!(has("line 5", "duplicate_row", "the same row as line 3"), "{stdout}");
    assert!(!stdout.contains("h rest"), "{stdout}");
    assert!(!stdout.contains("one_shift_per_day"), "{stdout}");
    assert!(stdout.contains("4 rows, 4 violations"), "{stdout}");
}

#[test]
fn roster_check_with_shifts_counts_lost_seats_and_unmatched_rows() {
    // s1 and s2 are taken, s3 is not (1 seat lost); Bob's row on 2025-03-05 matches no shift.
    let dir = tempfile::tempdir().unwrap();
    roster_case(dir.path());
    let r = format!(
        "{ROSTER_HEADER}A,Ann,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:00,480,\n\
         B,Bob,2025-03-03,chat,2025-03-03T12:00,2025-03-03T20:00,480,\n\
         B,Bob,2025-03-05,chat,2025-03-05T12:00,2025-03-05T20:00,480,\n"
    );
    std::fs::write(dir.path().join("roster.csv"), r).unwrap();
    let out = roster_check(dir.path(), &["--shifts", "shifts.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("roster.csv line 4\tB\t2025-03-05\tno_matching_shift"), "{stdout}");
    assert!(stdout.contains("lost seat\tchat\t2025-03-04T12:00 to 2025-03-04T20:00"), "{stdout}");
    assert!(stdout.contains("3 rows, 1 violation, 1 seat of the shifts lost"), "{stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 hard-rule violation and 1 seat of shifts.csv taken by no row"),
        "{err}"
    );
}

#[test]
fn history_queue_with_a_comma_not_in_the_plan_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    PlanToml::sample()
        .queues(&["name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20"])
        .write(dir.path());
    let mut h = String::from("interval_start,queue,contacts,aht_seconds\n");
    for d in 1..=28 {
        h += &format!("2025-02-{d:02}T09:00,\"voice, main\",10,180\n");
    }
    std::fs::write(dir.path().join("history.csv"), h).unwrap();
    shiftcast(dir.path())
        .args(["forecast", "--history", "history.csv", "--config", "plan.toml"])
        .args(["--out", "forecast.csv"])
        .assert()
        .code(1)
        .stderr(contains("queue(s) \"voice, main\" are not in plan.toml"));
}

#[test]
fn forecast_start_years_after_the_history_is_an_error_not_an_out_of_memory_kill() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["plan.toml", "history.csv", "events.csv", "agents.csv"] {
        std::fs::copy(common::crate_dir().join("data").join(f), dir.path().join(f)).unwrap();
    }
    shiftcast(dir.path())
        .args(["forecast", "--config", "plan.toml", "--start", "9999-12-31"])
        .args(["--out", "forecast.csv"])
        .assert()
        .code(1)
        .stderr(contains("at most 731 days ahead are supported"));
}

#[test]
fn writing_into_a_missing_folder_names_the_users_path_only() {
    let dir = tempfile::tempdir().unwrap();
    simulate_case(dir.path());
    shiftcast(dir.path())
        .args(["staff", "--forecast", "forecast.csv", "--config", "plan.toml"])
        .args(["--out", "no/such/requirements.csv"])
        .assert()
        .code(1)
        .stderr(contains("no/such/requirements.csv: the folder no/such does not exist"))
        .stderr(contains(".partial").not());
}
