//! The report's own file formats and reading of the files it shows: summary.json (written by
//! `plan`), and the report's view of simulation.csv and whatif.csv (both written by the
//! `simulate` stage; the report reads only the columns it draws and ignores the confidence
//! interval columns).

use std::path::{Path, PathBuf};

use chrono::Duration;
use chrono_tz::Tz;

use super::summary::{PlanSummary, SimulatedDay, SimulatedInterval, WhatifScenario};
use super::ReportData;
use crate::error::FileError;
use crate::error::InputError;
use crate::io::table::{write_atomic, Row, Table};
use crate::time::{parse_local, start_of_day};

/// Write summary.json atomically (pretty JSON, keys in a fixed order, ending in a newline).
pub fn write_summary(path: &Path, summary: &PlanSummary) -> Result<(), FileError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, summary)
            .map_err(|e| FileError::io(path, std::io::Error::other(e.to_string())))?;
        w.write_all(b"\n").map_err(|e| FileError::io(path, e))
    })
}

/// Read summary.json.
pub fn read_summary(path: &Path) -> Result<PlanSummary, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        InputError {
            file: path.display().to_string(),
            line: Some(e.line() as u64),
            column: None,
            message: format!("expected a shiftcast plan summary: {e}"),
        }
        .into()
    })
}

fn optional_number(t: &Table, row: &Row, col: Option<usize>) -> Result<Option<f64>, InputError> {
    match t.optional(row, col) {
        None => Ok(None),
        Some(text) => match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(t.error(
                row,
                col.expect("a value implies a column"),
                format!("expected a number, found {text:?}"),
            )),
        },
    }
}

/// Read simulation.csv (`interval_start,queue,offered,answered,abandoned,service_level,...`).
pub fn read_simulation(path: &Path, tz: Tz) -> Result<Vec<SimulatedInterval>, FileError> {
    let t = Table::read(path)?;
    parse_simulation(&t, tz).map_err(FileError::from)
}

/// Read simulation_days.csv (a plan's per queue-day figures with confidence limits).
pub fn read_simulation_days(path: &Path) -> Result<Vec<SimulatedDay>, FileError> {
    let t = Table::read(path)?;
    parse_simulation_days(&t).map_err(FileError::from)
}

/// Parse a simulation_days.csv table; fractions must lie in [0, 1].
pub fn parse_simulation_days(t: &Table) -> Result<Vec<SimulatedDay>, InputError> {
    let c_queue = t.require("queue")?;
    let c_date = t.require("date")?;
    let c_offered = t.require("offered")?;
    let fractions = [
        "service_level",
        "service_level_ci_low",
        "service_level_ci_high",
        "abandon_rate",
        "abandon_rate_ci_low",
        "abandon_rate_ci_high",
    ];
    let cols: Vec<Option<usize>> = fractions.iter().map(|c| t.column(c)).collect();
    t.require("service_level")?;
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let date =
            crate::time::parse_date(t.text(row, c_date)).map_err(|m| t.error(row, c_date, m))?;
        let mut v = [None; 6];
        for (k, c) in cols.iter().enumerate() {
            v[k] = optional_number(t, row, *c)?;
            if let (Some(x), Some(c)) = (v[k], c) {
                if !(0.0..=1.0).contains(&x) {
                    return Err(t.error(
                        row,
                        *c,
                        format!("expected a fraction in [0, 1], found {x}"),
                    ));
                }
            }
        }
        out.push(SimulatedDay {
            queue: t.nonempty(row, c_queue)?.to_string(),
            date,
            offered: t.non_negative(row, c_offered)?,
            service_level: v[0],
            service_level_ci_low: v[1],
            service_level_ci_high: v[2],
            abandon_rate: v[3],
            abandon_rate_ci_low: v[4],
            abandon_rate_ci_high: v[5],
        });
    }
    Ok(out)
}

/// Parse a simulation.csv table.
pub fn parse_simulation(t: &Table, tz: Tz) -> Result<Vec<SimulatedInterval>, InputError> {
    let c_start = t.require("interval_start")?;
    let c_queue = t.require("queue")?;
    let c_offered = t.require("offered")?;
    let c_answered = t.require("answered")?;
    let c_abandoned = t.require("abandoned")?;
    let c_sl = t.require("service_level")?;
    let c_asa = t.column("asa_seconds");
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let interval_start =
            parse_local(t.text(row, c_start), tz).map_err(|m| t.error(row, c_start, m))?;
        let service_level = optional_number(t, row, Some(c_sl))?;
        if let Some(v) = service_level {
            if !(0.0..=1.0).contains(&v) {
                return Err(t.error(
                    row,
                    c_sl,
                    format!("expected a fraction in [0, 1], found {v}"),
                ));
            }
        }
        out.push(SimulatedInterval {
            interval_start,
            queue: t.nonempty(row, c_queue)?.to_string(),
            offered: t.non_negative(row, c_offered)?,
            answered: t.non_negative(row, c_answered)?,
            abandoned: t.non_negative(row, c_abandoned)?,
            service_level,
            asa_seconds: optional_number(t, row, c_asa)?,
        });
    }
    Ok(out)
}

/// Read whatif.csv (`name,contacts,required_agents_peak,...,paid_hours,fte,cost,...`).
pub fn read_whatif(path: &Path) -> Result<Vec<WhatifScenario>, FileError> {
    let t = Table::read(path)?;
    parse_whatif(&t).map_err(FileError::from)
}

/// Parse a whatif.csv table.
pub fn parse_whatif(t: &Table) -> Result<Vec<WhatifScenario>, InputError> {
    let c_name = t.require("name")?;
    let c_contacts = t.require("contacts")?;
    let c_peak = t.require("required_agents_peak")?;
    let c_hours = t.require("paid_hours")?;
    let c_fte = t.require("fte")?;
    let c_cost = t.column("cost");
    let c_sl = t.column("service_level");
    let c_abandon = t.column("abandon_rate");
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let peak = t.text(row, c_peak);
        out.push(WhatifScenario {
            name: t.nonempty(row, c_name)?.to_string(),
            contacts: t.non_negative(row, c_contacts)?,
            required_agents_peak: peak.parse().map_err(|_| {
                t.error(row, c_peak, format!("expected a whole number >= 0, found {peak:?}"))
            })?,
            paid_hours: t.non_negative(row, c_hours)?,
            fte: t.non_negative(row, c_fte)?,
            cost: optional_number(t, row, c_cost)?,
            service_level: optional_number(t, row, c_sl)?,
            abandon_rate: optional_number(t, row, c_abandon)?,
        });
    }
    Ok(out)
}

/// Load a plan's output folder for the report: summary.json (required: it carries the time
/// zone, interval and targets), then each stage's file when present — a missing file becomes a
/// note in the report, a malformed one an error. The history is `history` if given, else the
/// one summary.json names (skipped with a note when it is not found).
pub fn load_plan_dir(
    dir: &Path,
    history: Option<&Path>,
    whatif: Option<&Path>,
) -> Result<ReportData, FileError> {
    let summary_path = dir.join("summary.json");
    if !summary_path.exists() {
        return Err(InputError::new(
            summary_path.display().to_string(),
            "not found: `report --from` needs a folder written by `shiftcast plan`",
        )
        .into());
    }
    let summary = read_summary(&summary_path)?;
    let tz = crate::time::parse_time_zone(&summary.time_zone)
        .map_err(|e| InputError::at_line(summary_path.display().to_string(), 1, e.to_string()))?;
    let mut notes = Vec::new();
    fn optional<T>(
        path: &Path,
        notes: &mut Vec<String>,
        read: impl FnOnce(&Path) -> Result<Vec<T>, FileError>,
    ) -> Result<Vec<T>, FileError> {
        if path.exists() {
            read(path)
        } else {
            notes.push(format!("{} was not found.", path.display()));
            Ok(Vec::new())
        }
    }
    let forecast = optional(&dir.join("forecast.csv"), &mut notes, |p| {
        crate::io::forecast::read_forecast(p, tz)
    })?;
    let requirements = optional(&dir.join("requirements.csv"), &mut notes, |p| {
        crate::io::requirements::read_requirements(p, tz)
    })?;
    let shifts =
        optional(&dir.join("shifts.csv"), &mut notes, |p| crate::io::shifts::read_shifts(p, tz))?;
    let coverage = optional(&dir.join("coverage.csv"), &mut notes, |p| {
        crate::io::coverage::read_coverage(p, tz)
    })?;
    let roster =
        optional(&dir.join("roster.csv"), &mut notes, |p| crate::io::roster::read_roster(p, tz))?;
    let simulation = optional(&dir.join("simulation.csv"), &mut notes, |p| read_simulation(p, tz))?;
    // A plan from before simulation_days.csv: the days are summed from the intervals instead.
    let simulation_days = match dir.join("simulation_days.csv") {
        p if p.exists() => read_simulation_days(&p)?,
        _ => Vec::new(),
    };
    let whatif = match whatif {
        Some(p) => read_whatif(p)?,
        None if dir.join("whatif.csv").exists() => read_whatif(&dir.join("whatif.csv"))?,
        None => Vec::new(),
    };
    let history_path = history
        .map(Path::to_path_buf)
        .or_else(|| summary.inputs.history.as_ref().map(PathBuf::from));
    let history = match history_path {
        Some(p) if history.is_some() || p.exists() => {
            let options = crate::io::history::ReadHistoryOptions {
                tz,
                interval_minutes: Some(summary.interval_minutes),
                opening_hours: None,
            };
            let frame = crate::io::history::read_history_frame(&p, &options)?;
            match crate::time::parse_date(&summary.start) {
                // Only the days the report draws, as rows: a large history stays columns.
                Ok(start) => {
                    let from = start - Duration::days(super::page::HISTORY_DAYS_SHOWN);
                    let to = start + Duration::days(i64::from(summary.days.max(1)));
                    let (from, to) = (start_of_day(from, tz), start_of_day(to, tz));
                    frame.records_between(None, from.timestamp(), to.timestamp())
                }
                Err(_) => frame.into_history().queues.into_values().flatten().collect(),
            }
        }
        Some(p) => {
            notes.push(format!(
                "history {} (named in summary.json) was not found; give it with --history.",
                p.display()
            ));
            Vec::new()
        }
        None => Vec::new(),
    };
    Ok(ReportData {
        summary,
        tz,
        history,
        forecast,
        requirements,
        shifts,
        coverage,
        roster,
        simulation,
        simulation_days,
        whatif,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn simulation_rows_with_confidence_columns_are_read() {
        let csv = b"interval_start,queue,offered,offered_ci_low,offered_ci_high,answered,answered_ci_low,answered_ci_high,abandoned,abandoned_ci_low,abandoned_ci_high,service_level,service_level_ci_low,service_level_ci_high\n\
2026-11-23T09:00,voice,10.5,9,12,10,9,11,0.5,0,1,0.8,0.7,0.9\n\
2026-11-23T09:15,voice,0,0,0,0,0,0,0,0,0,,,\n";
        let t = Table::parse("simulation.csv", csv).unwrap();
        let rows = parse_simulation(&t, TZ).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].offered, 10.5);
        assert_eq!(rows[0].service_level, Some(0.8));
        assert_eq!(rows[1].service_level, None);
        assert_eq!(crate::time::format_local(&rows[1].interval_start), "2026-11-23T09:15");
    }

    #[test]
    fn a_bad_cell_names_file_line_and_column() {
        let csv = b"interval_start,queue,offered,answered,abandoned,service_level\n2026-11-23T09:00,voice,10,10,0,1.5\n";
        let t = Table::parse("simulation.csv", csv).unwrap();
        let e = parse_simulation(&t, TZ).unwrap_err().to_string();
        assert_eq!(
            e,
            "simulation.csv line 2, column service_level: expected a fraction in [0, 1], found 1.5"
        );
        let t = Table::parse(
            "whatif.csv",
            b"name,contacts,required_agents_peak,paid_hours,fte\npeak,100,x,5,1\n",
        )
        .unwrap();
        let e = parse_whatif(&t).unwrap_err().to_string();
        assert!(e.starts_with("whatif.csv line 2, column required_agents_peak:"), "{e}");
    }

    #[test]
    fn whatif_rows_without_simulation_have_no_service_level() {
        let csv = b"name,contacts,required_agents_peak,required_agent_intervals,on_duty_agents_peak,paid_hours,fte,cost,capped_intervals,service_level,abandon_rate,asa_seconds,occupancy\n\
base,1000,12,300,12,75,1.88,,0,,,,\n";
        let t = Table::parse("whatif.csv", csv).unwrap();
        let rows = parse_whatif(&t).unwrap();
        assert_eq!(rows[0].name, "base");
        assert_eq!(rows[0].required_agents_peak, 12);
        assert_eq!((rows[0].cost, rows[0].service_level), (None, None));
    }

    #[test]
    fn summary_round_trips_through_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let summary = PlanSummary {
            site: "s".into(),
            time_zone: "Asia/Shanghai".into(),
            interval_minutes: 15,
            start: "2026-11-23".into(),
            days: 7,
            seed: 1,
            fte_hours_week: 40.0,
            inputs: Default::default(),
            queues: vec![],
            forecast: Default::default(),
            staffing: Default::default(),
            schedule: None,
            roster: None,
            simulation: None,
            repair: None,
            notes: vec!["a note".into()],
        };
        write_summary(&path, &summary).unwrap();
        assert_eq!(read_summary(&path).unwrap(), summary);
        std::fs::write(&path, "{\"site\": 3}").unwrap();
        let e = read_summary(&path).unwrap_err().to_string();
        assert!(e.contains("summary.json line 1") && e.contains("plan summary"), "{e}");
    }
}
