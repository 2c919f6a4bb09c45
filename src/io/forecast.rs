//! forecast.csv: `interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds` — one row
//! per open interval and queue, sorted by `(interval_start, queue)`. Written by
//! `shiftcast forecast`, read by `staff`, `simulate` and `whatif`.
//!
//! `interval_start` is local wall-clock time (`2025-03-03T09:30`); the repeated hour of a
//! fall-back day carries its UTC offset (`2025-10-26T01:30+01:00`). Numbers are written with at
//! most 3 decimals.

use std::path::Path;

use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Table};
use crate::time::{format_local, parse_local, Stamp};

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub contacts_p10: f64,
    pub contacts_p90: f64,
    pub aht_seconds: f64,
}

impl crate::frame::QueueInterval for ForecastRow {
    fn queue(&self) -> &str {
        &self.queue
    }

    fn interval_start(&self) -> Stamp {
        self.interval_start
    }
}

/// The columns of forecast.csv, in order.
pub const FORECAST_COLUMNS: [&str; 6] =
    ["interval_start", "queue", "contacts", "contacts_p10", "contacts_p90", "aht_seconds"];

/// Read a forecast.csv with local times in `tz`. Every value is checked; an error names the file,
/// line and column. `contacts_p10`/`contacts_p90` may be empty (then equal to `contacts`).
pub fn read_forecast(path: &Path, tz: Tz) -> Result<Vec<ForecastRow>, FileError> {
    let table = Table::read(path)?;
    Ok(parse_forecast_table(&table, tz)?)
}

/// Parse an already read forecast table (see [`read_forecast`]).
pub fn parse_forecast_table(table: &Table, tz: Tz) -> Result<Vec<ForecastRow>, InputError> {
    table.reject_unknown(&FORECAST_COLUMNS)?;
    let c_start = table.require("interval_start")?;
    let c_queue = table.require("queue")?;
    let c_contacts = table.require("contacts")?;
    let c_aht = table.require("aht_seconds")?;
    let c_p10 = table.column("contacts_p10");
    let c_p90 = table.column("contacts_p90");
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut seen = std::collections::BTreeSet::new();
    for row in &table.rows {
        let text = table.nonempty(row, c_start)?;
        let interval_start = parse_local(text, tz).map_err(|m| table.error(row, c_start, m))?;
        let queue = table.nonempty(row, c_queue)?.to_string();
        let contacts = table.non_negative(row, c_contacts)?;
        let optional = |col: Option<usize>| -> Result<f64, InputError> {
            match col {
                Some(c) if !table.text(row, c).trim().is_empty() => table.non_negative(row, c),
                _ => Ok(contacts),
            }
        };
        let contacts_p10 = optional(c_p10)?;
        let contacts_p90 = optional(c_p90)?;
        if contacts_p10 > contacts_p90 {
            return Err(table.error(
                row,
                c_p10.unwrap_or(c_contacts),
                format!(
                    "expected contacts_p10 <= contacts_p90, found {contacts_p10} > {contacts_p90}"
                ),
            ));
        }
        // A zero-volume interval may carry no handle time; any contact needs one.
        let aht_seconds = table.non_negative(row, c_aht)?;
        if contacts > 0.0 && aht_seconds == 0.0 {
            return Err(table.error(
                row,
                c_aht,
                "expected a number > 0 where contacts > 0, found 0",
            ));
        }
        if !seen.insert((interval_start, queue.clone())) {
            return Err(table.error(
                row,
                c_start,
                format!("interval {text} of queue {queue:?} appears twice"),
            ));
        }
        rows.push(ForecastRow {
            interval_start,
            queue,
            contacts,
            contacts_p10,
            contacts_p90,
            aht_seconds,
        });
    }
    rows.sort_by(|a, b| {
        a.interval_start.cmp(&b.interval_start).then_with(|| a.queue.cmp(&b.queue))
    });
    Ok(rows)
}

/// Decimals of each value column as written: contacts to 1/1000, handle time to 0.1 s.
const CONTACT_DECIMALS: usize = 3;
const AHT_DECIMALS: usize = 1;

/// Write forecast.csv atomically (whole or not at all).
pub fn write_forecast(path: &Path, rows: &[ForecastRow]) -> Result<(), FileError> {
    write_csv_atomic(
        path,
        &FORECAST_COLUMNS,
        rows.iter().map(|r| {
            [
                format_local(&r.interval_start),
                r.queue.clone(),
                fmt_num(r.contacts, CONTACT_DECIMALS),
                fmt_num(r.contacts_p10, CONTACT_DECIMALS),
                fmt_num(r.contacts_p90, CONTACT_DECIMALS),
                fmt_num(r.aht_seconds, AHT_DECIMALS),
            ]
        }),
    )
}

/// The rows as forecast.csv holds them once written and read back: the values rounded to the
/// file's decimals. `plan` hands these to the next stage, so that `staff` run by hand on the
/// plan's forecast.csv reproduces the plan exactly.
pub fn as_written(rows: &[ForecastRow]) -> Vec<ForecastRow> {
    let round = |v: f64, decimals: usize| -> f64 {
        fmt_num(v, decimals).parse().expect("fmt_num writes a number")
    };
    rows.iter()
        .map(|r| ForecastRow {
            contacts: round(r.contacts, CONTACT_DECIMALS),
            contacts_p10: round(r.contacts_p10, CONTACT_DECIMALS),
            contacts_p90: round(r.contacts_p90, CONTACT_DECIMALS),
            aht_seconds: round(r.aht_seconds, AHT_DECIMALS),
            ..r.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        "Europe/London".parse().expect("tz")
    }

    #[test]
    fn round_trip_keeps_values_and_fall_back_offsets() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("forecast.csv");
        // 2025-10-26 01:30 happens twice in London (BST then GMT).
        let first = parse_local("2025-10-26T01:30+01:00", tz()).expect("stamp");
        let second = parse_local("2025-10-26T01:30+00:00", tz()).expect("stamp");
        let rows = vec![
            ForecastRow {
                interval_start: first,
                queue: "a".into(),
                contacts: 12.5,
                contacts_p10: 8.25,
                contacts_p90: 17.125,
                aht_seconds: 300.0,
            },
            ForecastRow {
                interval_start: second,
                queue: "a".into(),
                contacts: 3.0,
                contacts_p10: 1.0,
                contacts_p90: 5.0,
                aht_seconds: 310.5,
            },
        ];
        write_forecast(&path, &rows).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("2025-10-26T01:30+01:00,a,12.5,8.25,17.125,300"), "{text}");
        assert!(text.contains("2025-10-26T01:30+00:00,a,3,1,5,310.5"), "{text}");
        assert_eq!(read_forecast(&path, tz()).expect("read back"), rows);
    }

    #[test]
    fn bad_cell_is_located() {
        let t = Table::parse("forecast.csv", b"interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds\n2025-03-03T09:00,a,10,8,12,300\n2025-03-03T09:15,a,-1,8,12,300\n").expect("csv");
        let e = parse_forecast_table(&t, tz()).expect_err("negative contacts");
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column.as_deref(), Some("contacts"));
        let t = Table::parse("forecast.csv", b"interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds\n2025-03-03T09:00,a,10,13,12,300\n").expect("csv");
        let e = parse_forecast_table(&t, tz()).expect_err("p10 > p90");
        assert!(e.message.contains("contacts_p10 <= contacts_p90"), "{e}");
    }
}
