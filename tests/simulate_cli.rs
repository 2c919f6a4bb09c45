//! `shiftcast simulate` and `shiftcast whatif` end to end, on small files written here.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::PlanToml;

fn write_inputs(dir: &Path) {
    // The sample's zone and intervals, open 24x7; voice with abandonment and a 1-hour email.
    PlanToml::sample()
        .site("time_zone = \"Asia/Shanghai\"\ninterval_minutes = 15")
        .shrinkage(0.3)
        .queues(&[
            "name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\n\
             patience_seconds = 120",
            "name = \"email\"\nchannel = \"email\"\ndeadline_minutes = 60",
        ])
        .write(dir);
    let mut f =
        String::from("interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds\n");
    for k in 0..8 {
        let (h, m) = (9 + k / 4, (k % 4) * 15);
        f += &format!("2025-03-03T{h:02}:{m:02},voice,40,30,50,180\n");
        f += &format!("2025-03-03T{h:02}:{m:02},email,6,4,8,300\n");
    }
    std::fs::write(dir.join("forecast.csv"), f).unwrap();
    let mut r =
        String::from("agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n");
    for a in 0..10 {
        r += &format!(
            "V{a},Voice {a},2025-03-03,voice,2025-03-03T09:00,2025-03-03T11:30,135,10:00-10:15\n"
        );
    }
    r += "E1,Email 1,2025-03-03,email,2025-03-03T09:00,2025-03-03T12:00,180,\n";
    std::fs::write(dir.join("roster.csv"), r).unwrap();
}

fn shiftcast(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shiftcast").unwrap();
    c.current_dir(dir);
    c
}

#[test]
fn simulate_prints_json_and_writes_csv_with_intervals() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let args = [
        "simulate",
        "--roster",
        "roster.csv",
        "--forecast",
        "forecast.csv",
        "--config",
        "plan.toml",
        "--replications",
        "4",
        "--seed",
        "3",
        "--out",
        "sim.csv",
        "--format",
        "json",
    ];
    let out = shiftcast(dir.path()).args(args).assert().success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for key in [
        "offered",
        "answered",
        "abandoned",
        "unanswered",
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
    ] {
        let total = &json["total"][key];
        assert!(total["mean"].is_number(), "total.{key}: {total}");
        assert!(total["ci_low"].as_f64().unwrap() <= total["ci_high"].as_f64().unwrap(), "{key}");
        for q in json["queues"].as_array().unwrap() {
            assert!(q[key]["mean"].is_number(), "{}.{key}", q["queue"]);
        }
    }
    assert_eq!(json["queues"][0]["queue"], "voice");
    assert_eq!(json["queues"][1]["target_answer_seconds"], 3600.0);
    // 320 voice contacts expected; offered counts add up.
    let t = &json["total"];
    let sum = t["answered"]["mean"].as_f64().unwrap()
        + t["abandoned"]["mean"].as_f64().unwrap()
        + t["unanswered"]["mean"].as_f64().unwrap();
    assert!((sum - t["offered"]["mean"].as_f64().unwrap()).abs() < 1e-9);

    let csv = std::fs::read_to_string(dir.path().join("sim.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "interval_start,queue,offered,offered_ci_low,offered_ci_high,answered,answered_ci_low,\
         answered_ci_high,abandoned,abandoned_ci_low,abandoned_ci_high,unanswered,unanswered_ci_low,\
         unanswered_ci_high,service_level,\
         service_level_ci_low,service_level_ci_high,asa_seconds,asa_seconds_ci_low,\
         asa_seconds_ci_high,abandon_rate,abandon_rate_ci_low,abandon_rate_ci_high,occupancy,\
         occupancy_ci_low,occupancy_ci_high"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 * 8);
    assert!(rows[0].starts_with("2025-03-03T09:00,voice,"));
    assert!(rows[8].starts_with("2025-03-03T09:00,email,"));

    // Same seed: byte-identical file.
    let first = csv.clone();
    shiftcast(dir.path()).args(args).assert().success();
    assert_eq!(std::fs::read_to_string(dir.path().join("sim.csv")).unwrap(), first);
}

#[test]
fn simulate_table_output_and_bad_roster() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let base = [
        "simulate",
        "--roster",
        "roster.csv",
        "--forecast",
        "forecast.csv",
        "--config",
        "plan.toml",
    ];
    let out = shiftcast(dir.path()).args(base).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("10 replication(s), seed 1"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("voice ")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("all ")), "{text}");

    let roster = std::fs::read_to_string(dir.path().join("roster.csv")).unwrap();
    std::fs::write(
        dir.path().join("roster.csv"),
        roster.replace("E1,Email 1,2025-03-03,email", "E1,Email 1,2025-03-03,fax"),
    )
    .unwrap();
    let out = shiftcast(dir.path())
        .args(base)
        .args(["--out", "sim.csv"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("agent E1") && err.contains("\"fax\""), "{err}");
    assert!(!dir.path().join("sim.csv").exists());

    let out = shiftcast(dir.path())
        .args(base)
        .args(["--replications", "0"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("replications"));
    // Above the documented limit: a data error from the library (exit 1), naming the limit.
    let out = shiftcast(dir.path())
        .args(base)
        .args(["--replications", "1001"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("from 1 to 1000"));
}

#[test]
fn whatif_writes_one_row_per_scenario_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    std::fs::write(
        dir.path().join("scenarios.csv"),
        "name,volume_multiplier,start,end,shrinkage,headcount_cap,hourly_cost\n\
         base,,,,,,20\n\
         busy morning,1.5,2025-03-03T09:00,2025-03-03T10:00,,,20\n\
         capped,,,,0.4,5,20\n",
    )
    .unwrap();
    let args = [
        "whatif",
        "--config",
        "plan.toml",
        "--scenarios",
        "scenarios.csv",
        "--forecast",
        "forecast.csv",
        "--replications",
        "3",
        "--out",
        "whatif.csv",
        "--format",
        "json",
    ];
    let out = shiftcast(dir.path()).args(args).assert().success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let names: Vec<&str> =
        json["scenarios"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base", "busy morning", "capped"]);
    // 8 intervals × 46 contacts; the busy morning adds half of the first 4 intervals' 46.
    assert_eq!(json["scenarios"][0]["contacts"], 368.0);
    assert_eq!(json["scenarios"][1]["contacts"], 368.0 + 0.5 * 4.0 * 46.0);
    assert_eq!(json["scenarios"][2]["required_agents_peak"], 5);
    let csv = std::fs::read_to_string(dir.path().join("whatif.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("name,contacts,required_agents_peak,required_agent_intervals,"));
    assert!(lines[0].contains("service_level,service_level_ci_low,service_level_ci_high"));
    assert!(lines[2].starts_with("busy morning,460,"));

    std::fs::write(dir.path().join("bad.csv"), "name,aht_multiplier\nok,1.1\nworse,-2\n").unwrap();
    let out = shiftcast(dir.path())
        .args([
            "whatif",
            "--config",
            "plan.toml",
            "--scenarios",
            "bad.csv",
            "--forecast",
            "forecast.csv",
            "--out",
            "w2.csv",
        ])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("bad.csv line 3, column aht_multiplier: expected a number > 0"), "{err}");
    assert!(!dir.path().join("w2.csv").exists());
}

#[test]
fn simulate_reads_skills_and_draws_absence_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    // The email agent also answers voice; voice agents also email.
    let mut agents = String::from("agent_id,name,skills,min_hours_week,max_hours_week\n");
    for a in 0..10 {
        agents += &format!("V{a},Voice {a},voice;email,0,40\n");
    }
    agents += "E1,Email 1,email;voice,0,40\n";
    std::fs::write(dir.path().join("agents.csv"), agents).unwrap();
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "simulate",
            "--roster",
            "roster.csv",
            "--forecast",
            "forecast.csv",
            "--config",
            "plan.toml",
            "--replications",
            "4",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = shiftcast(dir.path()).args(&args).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap()
    };
    let default = run(&["--agents", "agents.csv"]);
    assert_eq!(default["routing"], "skills");
    // Breaks of 15 of 150 minutes with 135 paid take no shrinkage: 1 - 0.7 · 135 / 135 = 0.3
    // for voice rows, and the email row has no breaks.
    let absence = default["absence"]["day_probability"].as_f64().unwrap();
    assert!((absence - 0.3).abs() < 0.02, "{absence}");
    let none = run(&["--agents", "agents.csv", "--no-absence"]);
    assert_eq!(none["absence"]["day_probability"], 0.0);
    let sl = |v: &serde_json::Value| v["queues"][0]["service_level"]["mean"].as_f64().unwrap();
    assert!(sl(&none) > sl(&default), "absence must cost service");
    let roster_queue =
        run(&["--agents", "agents.csv", "--no-absence", "--routing", "roster-queue"]);
    assert_eq!(roster_queue["routing"], "roster_queue");
    let fixed = run(&["--absence", "0.1", "--off-queue", "0.05"]);
    assert_eq!(fixed["absence"]["off_queue_fraction"], 0.05);
    let bad = shiftcast(dir.path())
        .args(["simulate", "--roster", "roster.csv", "--forecast", "forecast.csv"])
        .args(["--config", "plan.toml", "--absence", "lots"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(bad).unwrap().contains("--absence"));
}

#[test]
fn whatif_with_a_roster_reports_queues_days_and_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    std::fs::write(
        dir.path().join("scenarios.csv"),
        "name,volume_multiplier\nbase,\nplus 30%,1.3\n",
    )
    .unwrap();
    let args = [
        "whatif",
        "--config",
        "plan.toml",
        "--scenarios",
        "scenarios.csv",
        "--forecast",
        "forecast.csv",
        "--roster",
        "roster.csv",
        "--replications",
        "3",
        "--out",
        "whatif.csv",
        "--out-days",
        "days.csv",
    ];
    let out = shiftcast(dir.path()).args(args).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("scenario plus 30%"), "{text}");
    assert!(text.contains("roster: 11 agents, 11 shifts"), "{text}");
    assert!(text.contains("2025-03-03"), "{text}");
    let days = std::fs::read_to_string(dir.path().join("days.csv")).unwrap();
    let lines: Vec<&str> = days.lines().collect();
    assert!(lines[0].starts_with("name,queue,date,offered,service_level,service_level_ci_low"));
    // Two scenarios × two queues × (all + one day).
    assert_eq!(lines.len(), 1 + 2 * 2 * 2);
    assert!(lines[1].starts_with("base,voice,all,"));
    let whatif = std::fs::read_to_string(dir.path().join("whatif.csv")).unwrap();
    assert!(whatif
        .lines()
        .next()
        .unwrap()
        .contains("roster_agents,roster_shifts,roster_paid_hours"));
    assert!(whatif.lines().nth(1).unwrap().contains(",11,11,"));
    // Dates that miss the forecast are an error, not a silent baseline.
    std::fs::write(
        dir.path().join("late.csv"),
        "name,volume_multiplier,start,end\nd11,1.3,2025-11-10,2025-11-16\n",
    )
    .unwrap();
    let err = shiftcast(dir.path())
        .args([
            "whatif",
            "--config",
            "plan.toml",
            "--scenarios",
            "late.csv",
            "--forecast",
            "forecast.csv",
        ])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("miss the forecast's horizon"));
}
