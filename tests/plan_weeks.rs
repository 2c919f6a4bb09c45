//! Multi-week plans on the sample (`plan --weeks 4` and `--weeks 6`): the schedule solves each
//! day of each queue apart (the sample site closes overnight), so the weeks are the sum of their
//! days, and the roster keeps its hard rules across the week boundaries.
//!
//! Slow (a 6-week plan is about 30 CPU-seconds): `cargo test --release --test plan_weeks --
//! --ignored`.

use std::path::PathBuf;

use std::collections::BTreeMap;

use shiftcast::plan::pipeline::{run, PlanOptions};
use shiftcast::plan::PlanConfig;
use shiftcast::schedule::{Objective, Status};

fn sample() -> PlanConfig {
    PlanConfig::read(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/plan.toml")).unwrap()
}

/// The `weeks`-week plan's roster violations by rule name (as `roster check` prints them), after
/// checking that the schedule is in service-level mode and stopped on its budgets (never the
/// clock).
fn violations(weeks: u32) -> BTreeMap<String, usize> {
    let config = sample();
    let options = PlanOptions { weeks, accuracy_folds: 0, ..Default::default() };
    let plan = run(&config, &options, &mut |_| {}).unwrap();
    let summary = &plan.schedule.summary;
    assert_eq!(summary.objective_mode, Objective::ServiceLevel);
    assert!(!matches!(summary.status, Status::TimeLimit { .. }), "{:?}", summary.status);
    // One block per day and queue: the service level is reported for every day of every queue.
    for q in &summary.queues {
        assert_eq!(q.service_level_by_day.len(), 7 * weeks as usize, "{}", q.queue);
    }
    shiftcast::roster::violations_by_rule(&plan.roster.violations)
}

#[test]
#[ignore = "slow: about 50 CPU-seconds for the 4- and 6-week plans"]
fn four_and_six_week_plans_keep_rest_and_consecutive_days_across_weeks() {
    for weeks in [4, 6] {
        let mut found = violations(weeks);
        // The contract minimum is the one rule the roster search treats as a cost (an agent may
        // be left short when the week's shifts do not fit the contract); every other rule,
        // rest and consecutive days across the week boundaries included, must hold.
        found.remove("min_hours_week");
        assert!(found.is_empty(), "{weeks} weeks: {found:?}");
    }
}
