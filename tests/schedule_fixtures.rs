//! The proven optima of the scheduling week fixtures (tests/data/scheduling_week_fixtures.json;
//! OR-Tools CP-SAT and HiGHS agree on them), reproduced through `schedule::solve` on every back
//! end of the build (microlp always; HiGHS and CBC with `--features highs,cbc`, as `.ci/run`
//! tests them).

mod common;

use common::{test_data, PlanConfig, PlanToml};
use serde_json::Value;
use shiftcast::io::requirements::RequirementRow;
use shiftcast::schedule::{self, SolveOptions, SolverKind, Status};
use shiftcast::time;

/// The fixture file: two weeks (30- and 15-minute intervals) of required agents and four shift
/// menus. Its optima are listed in tests/data/README.md.
fn fixtures() -> Value {
    let path = test_data("scheduling_week_fixtures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Requirement rows of a fixture week (Mon 2025-03-03 .. Sun, UTC).
fn requirements(week: &Value) -> (u32, Vec<RequirementRow>) {
    let period = week["period_minutes"].as_u64().unwrap() as u32;
    let tz = time::parse_time_zone("UTC").unwrap();
    let mut rows = Vec::new();
    for (d, day) in week["required"].as_array().unwrap().iter().enumerate() {
        for (i, r) in day.as_array().unwrap().iter().enumerate() {
            let minute = i as u32 * period;
            let at = format!("2025-03-{:02}T{:02}:{:02}", 3 + d, minute / 60, minute % 60);
            let agents = r.as_u64().unwrap() as u32;
            let contacts = week["calls"][d][i].as_f64().unwrap();
            rows.push(RequirementRow {
                interval_start: time::parse_local(&at, tz).unwrap(),
                queue: "voice".into(),
                contacts,
                aht_seconds: 300.0,
                traffic_erlangs: contacts * 300.0 / (f64::from(period) * 60.0),
                agents_net: agents,
                agents_gross: agents,
                service_level: 0.8,
                asa_seconds: 0.0,
                occupancy: 0.0,
                abandon_rate: None,
            });
        }
    }
    (period, rows)
}

fn plan(period: u32, menu: &Value, schedule: &str) -> PlanConfig {
    // The published optima schedule the requirement itself: no unplanned shrinkage on top.
    let mut schedule = format!("unplanned_shrinkage = 0.0\n{schedule}\n");
    for (i, s) in menu.as_array().unwrap().iter().enumerate() {
        let start = s[0].as_u64().unwrap();
        let len = s[1].as_u64().unwrap();
        schedule += &format!(
            "[[schedule.shifts]]\nname = \"t{i}\"\nstart = \"{:02}:{:02}\"\nlength_minutes = {len}\n",
            start / 60,
            start % 60
        );
    }
    PlanToml::sample()
        .site(&format!(
            "time_zone = \"UTC\"\ninterval_minutes = {period}\nopening_hours = {{ all = \"07:00-23:00\" }}"
        ))
        .shrinkage(0.3)
        .queues(&["name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20"])
        .section("schedule", &schedule)
        .config()
}

const FEWEST_SHIFTS: &str = "cost_per_shift = 1.0\ncost_per_paid_hour = 0.0\nover_staffing_cost_per_agent_hour = 0.0\nhard_coverage = true\ntime_limit_seconds = 60\nmip_gap = 0.0";
const LEAST_ABS: &str = "cost_per_shift = 0.0\ncost_per_paid_hour = 0.0\nunder_staffing_cost_per_agent_hour = 1.0\nover_staffing_cost_per_agent_hour = 1.0\ntime_limit_seconds = 60\nmip_gap = 0.0";
const LEAST_HOURS: &str = "cost_per_paid_hour = 1.0\nover_staffing_cost_per_agent_hour = 0.0\nhard_coverage = true\ntime_limit_seconds = 60\nmip_gap = 0.0";

/// The fixture solved by each compiled back end.
fn run(week: &str, menu: &str, schedule: &str) -> Vec<(SolverKind, schedule::ScheduleResult)> {
    let f = fixtures();
    let (period, rows) = requirements(&f["weeks"][week]);
    let config = plan(period, &f["shift_menus"][menu], schedule);
    let mut out = Vec::new();
    for solver in SolverKind::compiled() {
        let options = SolveOptions { solver, ..Default::default() };
        let result =
            schedule::solve(&rows, &config.site, &config.schedule, &options).expect("solve");
        assert_eq!(result.summary.solver, solver);
        assert_eq!(result.summary.status, Status::Optimal, "{solver:?}: {:?}", result.summary);
        // Every interval meets its floor when coverage is hard.
        if schedule.contains("hard_coverage = true") {
            assert!(result.coverage.iter().all(|c| c.scheduled >= c.required), "{solver:?}");
        }
        out.push((solver, result));
    }
    out
}

#[test]
fn fewest_shifts_30_min_is_412() {
    let results = run("30min", "ft_every_30_plus_pt", FEWEST_SHIFTS);
    for (solver, r) in results {
        assert_eq!(r.shifts.len(), 412, "{solver:?}");
        assert_eq!(r.summary.objective, 412.0, "{solver:?}");
    }
}

#[test]
fn least_absolute_difference_30_min_is_679() {
    let results = run("30min", "ft_every_30_plus_pt", LEAST_ABS);
    for (solver, r) in results {
        let abs: i64 = r.coverage.iter().map(|c| c.difference.abs()).sum();
        assert_eq!(abs, 679, "{solver:?}");
        // The objective is per agent-hour: 679 half-hours.
        assert!((r.summary.objective - 339.5).abs() < 1e-6, "{solver:?}: {}", r.summary.objective);
    }
}

#[test]
fn fewest_shifts_15_min_is_418_for_both_menus() {
    for menu in ["ft_every_30_plus_pt", "ft_every_15_plus_pt"] {
        let results = run("15min", menu, FEWEST_SHIFTS);
        for (solver, r) in results {
            assert_eq!(r.shifts.len(), 418, "{menu} {solver:?}");
        }
    }
}

#[test]
fn least_absolute_difference_15_min_is_1312_and_1306() {
    for (menu, want) in [("ft_every_30_plus_pt", 1312), ("ft_every_15_plus_pt", 1306)] {
        let results = run("15min", menu, LEAST_ABS);
        for (solver, r) in results {
            let abs: i64 = r.coverage.iter().map(|c| c.difference.abs()).sum();
            assert_eq!(abs, want, "{menu} {solver:?}");
        }
    }
}

#[test]
fn least_paid_hours_flexible_lengths_is_2528() {
    let results = run("30min", "flex_4_6_8h_every_30", LEAST_HOURS);
    for (solver, r) in results {
        assert!(
            (r.summary.paid_hours - 2528.0).abs() < 1e-9,
            "{solver:?}: {}",
            r.summary.paid_hours
        );
    }
}

#[test]
fn fewest_shifts_with_a_fixed_lunch_is_467() {
    let lunch = "[[schedule.breaks]]\nname = \"lunch\"\nlength_minutes = 30\npaid = false\nearliest_start_minutes = 240\nlatest_start_minutes = 240\n";
    let results = run("15min", "lunch_break_every_15", &format!("{FEWEST_SHIFTS}\n{lunch}"));
    for (solver, r) in results {
        assert_eq!(r.shifts.len(), 467, "{solver:?}");
        for s in &r.shifts {
            assert_eq!(s.breaks.len(), 1);
            assert_eq!((s.breaks[0].0 - s.shift_start).num_minutes(), 240);
            assert_eq!(s.paid_minutes, 480);
        }
    }
}

const TOURS: &str = "cost_per_shift = 0.0\ncost_per_paid_hour = 0.0\ncost_per_agent = 1.0\nover_staffing_cost_per_agent_hour = 0.0\nhard_coverage = true\ntime_limit_seconds = 120\nmip_gap = 0.0\n\
[[schedule.contracts]]\nname = \"ft\"\nshift_lengths_minutes = [480]\ndays_per_week = 5\nconsecutive_days_off = true\n";

/// Full-time 8-hour shifts of the menu, 5 days on with 2 consecutive days off, on each back end.
fn tours(week: &str, menu: &str) -> Vec<(SolverKind, schedule::ScheduleResult)> {
    let f = fixtures();
    let (period, rows) = requirements(&f["weeks"][week]);
    let full_time: Vec<Value> = f["shift_menus"][menu]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s[1] == 480)
        .cloned()
        .collect();
    let config = plan(period, &Value::Array(full_time), TOURS);
    let mut out = Vec::new();
    for solver in SolverKind::compiled() {
        let options = SolveOptions { solver, ..Default::default() };
        let result =
            schedule::solve(&rows, &config.site, &config.schedule, &options).expect("solve");
        assert_eq!(result.summary.status, Status::Optimal, "{solver:?}: {:?}", result.summary);
        assert!(result.coverage.iter().all(|c| c.scheduled >= c.required), "{solver:?}");
        out.push((solver, result));
    }
    out
}

#[test]
fn weekly_tours_need_84_agents_at_30_minutes() {
    let results = tours("30min", "ft_every_30_plus_pt");
    for (solver, r) in results {
        assert_eq!(r.summary.agents, Some(84), "{solver:?}");
        lines_are_weeks_of_five_days(&r);
    }
}

#[test]
fn weekly_tours_need_86_agents_at_15_minutes_above_the_lp_bound() {
    let results = tours("15min", "ft_every_15_plus_pt");
    for (solver, r) in results {
        assert_eq!(r.summary.agents, Some(86), "{solver:?}");
        let bound = r.summary.lp_bound.unwrap();
        assert!((bound - 85.67).abs() < 0.01, "{solver:?}: LP bound {bound}");
        lines_are_weeks_of_five_days(&r);
    }
}

/// Every line (`queue/contract/Lnnn/date`) works 5 days with its 2 days off in one run.
fn lines_are_weeks_of_five_days(r: &schedule::ScheduleResult) {
    use std::collections::BTreeMap;
    let mut lines: BTreeMap<String, Vec<chrono::NaiveDate>> = BTreeMap::new();
    for s in &r.shifts {
        let line = s.shift_id.rsplit_once('/').unwrap().0.to_string();
        lines.entry(line).or_default().push(s.date);
    }
    assert_eq!(lines.len() as u32, r.summary.agents.unwrap());
    let monday = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    for (line, dates) in lines {
        assert_eq!(dates.len(), 5, "{line}");
        let works: Vec<bool> =
            (0..7).map(|d| dates.contains(&(monday + chrono::Duration::days(d)))).collect();
        let runs = (0..7).filter(|&d| works[d] && !works[(d + 1) % 7]).count();
        assert_eq!(runs, 1, "{line}: days off not consecutive: {works:?}");
    }
}
