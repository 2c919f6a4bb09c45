//! simulation.csv: per interval and queue, the simulated outcome of a roster.
//!
//! One row per queue (plan.toml order) and interval (time order) of the forecast's horizon:
//!
//! ```text
//! interval_start,queue,offered,answered,abandoned,unanswered,service_level,asa_seconds,
//! abandon_rate,occupancy
//! ```
//!
//! Values are means over the replications; contacts are counted in the interval they arrived
//! in. When the run had more than one replication, each value column is followed by its 95%
//! confidence interval, `<column>_ci_low,<column>_ci_high` (Student t over replications). A rate
//! that is undefined in the interval (no contact offered, none answered, nobody on duty) is an
//! empty cell.
//!
//! whatif.csv (also here): one row per scenario in input order,
//!
//! ```text
//! name,contacts,required_agents_peak,required_agent_intervals,on_duty_agents_peak,paid_hours,fte,
//! cost,capped_intervals,roster_agents,roster_shifts,roster_paid_hours,roster_scheduled_peak,
//! service_level,abandon_rate,asa_seconds,occupancy
//! ```
//!
//! with `_ci_low,_ci_high` after each simulated column when replications > 1; the simulated
//! columns are for all queues together and empty when the sweep did not simulate; the roster
//! columns (the roster's own head-count and paid hours, beside what the scenario requires) are
//! empty without a roster.
//!
//! whatif_days.csv: per scenario (input order), queue (plan.toml order) and local day, the
//! simulated outcome — `date` is `all` for the queue's whole horizon:
//!
//! ```text
//! name,queue,date,offered,service_level,abandon_rate,asa_seconds,occupancy
//! ```
//!
//! again with `_ci_low,_ci_high` after each rate when replications > 1.
//!
//! simulation_days.csv (a plan's, beside simulation.csv): per queue (plan.toml order) and
//! local day, the same columns without `name` — the day's figures with their confidence
//! intervals over replications, which the intervals' rows cannot give.

use std::path::Path;

use crate::error::FileError;
use crate::io::table::{fmt_num, write_csv_atomic};
use crate::simulate::{Estimate, Metrics, SimulationResult};
use crate::time::format_local;

/// Value columns in file order, with the decimals each is written with.
const COLUMNS: [(&str, usize); 8] = [
    ("offered", 3),
    ("answered", 3),
    ("abandoned", 3),
    ("unanswered", 3),
    ("service_level", 4),
    ("asa_seconds", 2),
    ("abandon_rate", 4),
    ("occupancy", 4),
];

/// The header for a run with `replications` replications.
pub fn header(replications: u32) -> Vec<String> {
    let mut h = vec!["interval_start".to_string(), "queue".to_string()];
    for (name, _) in COLUMNS {
        h.push(name.to_string());
        if replications > 1 {
            h.push(format!("{name}_ci_low"));
            h.push(format!("{name}_ci_high"));
        }
    }
    h
}

fn values(m: &Metrics) -> [Option<Estimate>; 8] {
    [
        Some(m.offered),
        Some(m.answered),
        Some(m.abandoned),
        Some(m.unanswered),
        m.service_level,
        m.asa_seconds,
        m.abandon_rate,
        m.occupancy,
    ]
}

/// The data rows of a result, as written.
pub fn records(result: &SimulationResult) -> Vec<Vec<String>> {
    let with_ci = result.replications > 1;
    result
        .intervals
        .iter()
        .map(|row| {
            let mut r = vec![format_local(&row.interval_start), row.queue.clone()];
            for (e, (_, decimals)) in values(&row.metrics).iter().zip(COLUMNS) {
                let f = |v: Option<f64>| v.map(|v| fmt_num(v, decimals)).unwrap_or_default();
                r.push(f(e.map(|e| e.mean)));
                if with_ci {
                    r.push(f(e.and_then(|e| e.ci_low)));
                    r.push(f(e.and_then(|e| e.ci_high)));
                }
            }
            r
        })
        .collect()
}

/// Write simulation.csv atomically.
pub fn write_simulation(path: &Path, result: &SimulationResult) -> Result<(), FileError> {
    let header = header(result.replications);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv_atomic(path, &header, records(result))
}

/// whatif.csv columns before the simulated ones.
const WHATIF_COLUMNS: [&str; 15] = [
    "name",
    "contacts",
    "required_agents_peak",
    "required_agent_intervals",
    "on_duty_agents_peak",
    "paid_hours",
    "fte",
    "cost",
    "hourly_cost",
    "hourly_cost_source",
    "capped_intervals",
    "roster_agents",
    "roster_shifts",
    "roster_paid_hours",
    "roster_scheduled_peak",
];

/// Simulated columns of whatif.csv (all queues together), with decimals.
const WHATIF_SIMULATED: [(&str, usize); 4] =
    [("service_level", 4), ("abandon_rate", 4), ("asa_seconds", 2), ("occupancy", 4)];

/// whatif.csv header: one row per scenario, in input order.
pub fn whatif_header(replications: u32) -> Vec<String> {
    let mut h: Vec<String> = WHATIF_COLUMNS.iter().map(|c| c.to_string()).collect();
    for (name, _) in WHATIF_SIMULATED {
        h.push(name.to_string());
        if replications > 1 {
            h.push(format!("{name}_ci_low"));
            h.push(format!("{name}_ci_high"));
        }
    }
    h
}

/// whatif.csv data rows; simulated cells are empty for a sweep run without simulation.
pub fn whatif_records(
    outcomes: &[crate::simulate::whatif::ScenarioOutcome],
    replications: u32,
) -> Vec<Vec<String>> {
    outcomes
        .iter()
        .map(|o| {
            let mut r = vec![
                o.name.clone(),
                fmt_num(o.contacts, 1),
                o.required_agents_peak.to_string(),
                o.required_agent_intervals.to_string(),
                o.on_duty_agents_peak.to_string(),
                fmt_num(o.paid_hours, 2),
                fmt_num(o.fte, 2),
                o.cost.map(|c| fmt_num(c, 2)).unwrap_or_default(),
                o.hourly_cost.map(|c| fmt_num(c, 4)).unwrap_or_default(),
                o.hourly_cost_source.map(|c| c.name().to_string()).unwrap_or_default(),
                o.capped_intervals.to_string(),
                o.roster.as_ref().map(|r| r.agents.to_string()).unwrap_or_default(),
                o.roster.as_ref().map(|r| r.shifts.to_string()).unwrap_or_default(),
                o.roster.as_ref().map(|r| fmt_num(r.paid_hours, 2)).unwrap_or_default(),
                o.roster.as_ref().map(|r| r.scheduled_agents_peak.to_string()).unwrap_or_default(),
            ];
            let sim = o.simulated.as_ref();
            let values = [
                sim.and_then(|m| m.service_level),
                sim.and_then(|m| m.abandon_rate),
                sim.and_then(|m| m.asa_seconds),
                sim.and_then(|m| m.occupancy),
            ];
            for (e, (_, decimals)) in values.iter().zip(WHATIF_SIMULATED) {
                let f = |v: Option<f64>| v.map(|v| fmt_num(v, decimals)).unwrap_or_default();
                r.push(f(e.map(|e| e.mean)));
                if replications > 1 {
                    r.push(f(e.and_then(|e| e.ci_low)));
                    r.push(f(e.and_then(|e| e.ci_high)));
                }
            }
            r
        })
        .collect()
}

/// Write whatif.csv atomically.
pub fn write_whatif(
    path: &Path,
    outcomes: &[crate::simulate::whatif::ScenarioOutcome],
    replications: u32,
) -> Result<(), FileError> {
    let header = whatif_header(replications);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv_atomic(path, &header, whatif_records(outcomes, replications))
}

/// whatif_days.csv header.
pub fn whatif_days_header(replications: u32) -> Vec<String> {
    let mut h: Vec<String> = ["name", "queue", "date", "offered"].map(String::from).to_vec();
    for (name, _) in WHATIF_SIMULATED {
        h.push(name.to_string());
        if replications > 1 {
            h.push(format!("{name}_ci_low"));
            h.push(format!("{name}_ci_high"));
        }
    }
    h
}

fn whatif_day_record(
    name: &str,
    queue: &str,
    date: &str,
    m: &Metrics,
    replications: u32,
) -> Vec<String> {
    let mut r =
        vec![name.to_string(), queue.to_string(), date.to_string(), fmt_num(m.offered.mean, 3)];
    let values = [m.service_level, m.abandon_rate, m.asa_seconds, m.occupancy];
    for (e, (_, decimals)) in values.iter().zip(WHATIF_SIMULATED) {
        let f = |v: Option<f64>| v.map(|v| fmt_num(v, decimals)).unwrap_or_default();
        r.push(f(e.map(|e| e.mean)));
        if replications > 1 {
            r.push(f(e.and_then(|e| e.ci_low)));
            r.push(f(e.and_then(|e| e.ci_high)));
        }
    }
    r
}

/// whatif_days.csv rows: per scenario, each queue's whole horizon (`all`) then its days.
pub fn whatif_days_records(
    outcomes: &[crate::simulate::whatif::ScenarioOutcome],
    replications: u32,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for o in outcomes {
        for q in &o.queues {
            out.push(whatif_day_record(&o.name, &q.queue, "all", &q.metrics, replications));
            for d in o.days.iter().filter(|d| d.queue == q.queue) {
                out.push(whatif_day_record(&o.name, &d.queue, &d.date, &d.metrics, replications));
            }
        }
    }
    out
}

/// Write whatif_days.csv atomically.
pub fn write_whatif_days(
    path: &Path,
    outcomes: &[crate::simulate::whatif::ScenarioOutcome],
    replications: u32,
) -> Result<(), FileError> {
    let header = whatif_days_header(replications);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv_atomic(path, &header, whatif_days_records(outcomes, replications))
}

/// simulation_days.csv header: whatif_days.csv's without `name`.
pub fn days_header(replications: u32) -> Vec<String> {
    whatif_days_header(replications).into_iter().skip(1).collect()
}

/// simulation_days.csv rows: per queue (plan.toml order) and day.
pub fn days_records(result: &SimulationResult) -> Vec<Vec<String>> {
    result
        .days
        .iter()
        .map(|d| {
            let mut r = whatif_day_record("", &d.queue, &d.date, &d.metrics, result.replications);
            r.remove(0);
            r
        })
        .collect()
}

/// Write simulation_days.csv atomically.
pub fn write_simulation_days(path: &Path, result: &SimulationResult) -> Result<(), FileError> {
    let header = days_header(result.replications);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv_atomic(path, &header, days_records(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{IntervalOutcome, SimulationResult};
    use chrono::TimeZone;

    fn e(mean: f64) -> Estimate {
        Estimate { mean, ci_low: None, ci_high: None }
    }

    #[test]
    fn one_replication_has_no_ci_columns_and_undefined_rates_are_empty() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let quiet = Metrics {
            offered: e(0.0),
            answered: e(0.0),
            abandoned: e(0.0),
            unanswered: e(0.0),
            service_level: None,
            asa_seconds: None,
            abandon_rate: None,
            occupancy: Some(e(0.0)),
        };
        let busy = Metrics {
            offered: e(12.0),
            answered: e(11.0),
            abandoned: e(1.0),
            unanswered: e(0.0),
            service_level: Some(e(0.75)),
            asa_seconds: Some(e(14.256)),
            abandon_rate: Some(e(1.0 / 12.0)),
            occupancy: Some(e(0.8)),
        };
        let start = tz.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let result = SimulationResult {
            replications: 1,
            seed: 1,
            confidence: 0.95,
            interval_minutes: 15,
            routing: crate::simulate::Routing::Skills,
            absence: crate::simulate::AppliedAbsence::NONE,
            total: busy.clone(),
            queues: Vec::new(),
            days: Vec::new(),
            intervals: vec![
                IntervalOutcome { interval_start: start, queue: "voice".into(), metrics: quiet },
                IntervalOutcome { interval_start: start, queue: "chat".into(), metrics: busy },
            ],
        };
        assert_eq!(
            header(1).join(","),
            "interval_start,queue,offered,answered,abandoned,unanswered,service_level,asa_seconds,abandon_rate,occupancy"
        );
        let rows = records(&result);
        assert_eq!(rows[0].join(","), "2025-03-03T09:00,voice,0,0,0,0,,,,0");
        assert_eq!(rows[1].join(","), "2025-03-03T09:00,chat,12,11,1,0,0.75,14.26,0.0833,0.8");
        assert_eq!(header(2).len(), 2 + 8 * 3);
    }
}
