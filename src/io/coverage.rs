//! coverage.csv: `interval_start,queue,required,scheduled,difference,service_level`.
//!
//! One row per interval and queue of the scheduled horizon. `required` is the requirement's
//! `agents_net` (agents on the phone) grossed up by `[schedule] unplanned_shrinkage` u, i.e.
//! `ceil(agents_net / (1 - u))` (just `agents_net` with the default u = 0), `scheduled` the
//! agents on shift and not on a break, `difference = scheduled - required`, `service_level`
//! the projected fraction answered within the target with `floor(scheduled * (1 - u))` agents
//! on the phone (empty when no contacts are expected or no service-level model was available).

use std::path::Path;

use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Table};
use crate::time::{self, Stamp};

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub interval_start: Stamp,
    pub queue: String,
    /// Agents the schedule must have on shift and off break: requirements' `agents_net`,
    /// grossed up by `[schedule] unplanned_shrinkage`.
    pub required: u32,
    /// Agents scheduled on the phone (breaks excluded).
    pub scheduled: u32,
    /// `scheduled - required`.
    pub difference: i64,
    /// Projected service level at `scheduled` (NaN when unknown: written empty).
    pub service_level: f64,
}

pub const HEADER: [&str; 6] =
    ["interval_start", "queue", "required", "scheduled", "difference", "service_level"];

/// Read coverage.csv; times are local to `tz`.
pub fn read_coverage(path: &Path, tz: Tz) -> Result<Vec<CoverageRow>, FileError> {
    let table = Table::read(path)?;
    Ok(parse_table(&table, tz)?)
}

/// Parse coverage.csv bytes.
pub fn parse_coverage(file: &str, bytes: &[u8], tz: Tz) -> Result<Vec<CoverageRow>, InputError> {
    parse_table(&Table::parse(file, bytes)?, tz)
}

fn parse_table(table: &Table, tz: Tz) -> Result<Vec<CoverageRow>, InputError> {
    table.reject_unknown(&HEADER)?;
    let cols: Vec<usize> = HEADER.iter().map(|h| table.require(h)).collect::<Result<_, _>>()?;
    let [c_at, c_queue, c_req, c_sched, c_diff, c_sl] = cols[..] else { unreachable!() };
    let count = |row, col| -> Result<u32, InputError> {
        let t = table.text(row, col);
        t.parse::<u32>().map_err(|_| {
            table.error(row, col, format!("expected a whole number >= 0, found {t:?}"))
        })
    };
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let interval_start =
            time::parse_local(table.text(row, c_at), tz).map_err(|m| table.error(row, c_at, m))?;
        let queue = table.nonempty(row, c_queue)?.to_string();
        let required = count(row, c_req)?;
        let scheduled = count(row, c_sched)?;
        let t = table.text(row, c_diff);
        let difference = t.parse::<i64>().map_err(|_| {
            table.error(row, c_diff, format!("expected a whole number, found {t:?}"))
        })?;
        if difference != i64::from(scheduled) - i64::from(required) {
            return Err(table.error(
                row,
                c_diff,
                format!(
                    "expected scheduled - required = {}, found {difference}",
                    i64::from(scheduled) - i64::from(required)
                ),
            ));
        }
        let t = table.text(row, c_sl);
        let service_level = if t.is_empty() {
            f64::NAN
        } else {
            match t.parse::<f64>() {
                Ok(v) if (0.0..=1.0).contains(&v) => v,
                _ => {
                    return Err(table.error(
                        row,
                        c_sl,
                        format!("expected a fraction from 0 to 1 or nothing, found {t:?}"),
                    ))
                }
            }
        };
        out.push(CoverageRow {
            interval_start,
            queue,
            required,
            scheduled,
            difference,
            service_level,
        });
    }
    Ok(out)
}

/// Write coverage.csv atomically.
pub fn write_coverage(path: &Path, rows: &[CoverageRow]) -> Result<(), FileError> {
    write_csv_atomic(
        path,
        &HEADER,
        rows.iter().map(|r| {
            [
                time::format_local(&r.interval_start),
                r.queue.clone(),
                r.required.to_string(),
                r.scheduled.to_string(),
                r.difference.to_string(),
                if r.service_level.is_finite() {
                    fmt_num(r.service_level, 4)
                } else {
                    String::new()
                },
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_round_trips_and_checks_the_difference() {
        let tz = time::parse_time_zone("UTC").unwrap();
        let text = b"interval_start,queue,required,scheduled,difference,service_level\n\
            2025-03-03T09:00,voice,3,4,1,0.9123\n2025-03-03T09:15,voice,0,0,0,\n";
        let rows = parse_coverage("coverage.csv", text, tz).unwrap();
        assert!(rows[1].service_level.is_nan());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coverage.csv");
        write_coverage(&path, &rows).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), text.to_vec());
        let bad = b"interval_start,queue,required,scheduled,difference,service_level\n2025-03-03T09:00,voice,3,4,2,\n";
        let e = parse_coverage("coverage.csv", bad, tz).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(2), Some("difference")));
    }
}
