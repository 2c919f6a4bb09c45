//! requirements.csv: `interval_start,queue,contacts,aht_seconds,traffic_erlangs,agents_net,
//! agents_gross,service_level,asa_seconds,occupancy,abandon_rate` — the output of `staff`, one
//! row per interval and queue, in (interval_start, queue) order.
//!
//! `abandon_rate` is empty for queues without a patience (Erlang C, email, social).
//! `asa_seconds` may be `inf` (no agents for a queue with contacts). Times are local wall-clock
//! (`2025-03-03T09:30`) with the UTC offset only on the repeated hour of a fall-back day.

use std::collections::HashMap;
use std::path::Path;

use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Table};
use crate::time::{format_local, parse_local, Stamp};

/// Column names in file order.
pub const COLUMNS: [&str; 11] = [
    "interval_start",
    "queue",
    "contacts",
    "aht_seconds",
    "traffic_erlangs",
    "agents_net",
    "agents_gross",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_rate",
];

#[derive(Debug, Clone, PartialEq)]
pub struct RequirementRow {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub aht_seconds: f64,
    pub traffic_erlangs: f64,
    /// Agents on the phone needed (before shrinkage); 0 when closed.
    pub agents_net: u32,
    /// `ceil(agents_net / (1 - shrinkage))`.
    pub agents_gross: u32,
    /// Projected service level at `agents_net` (fraction).
    pub service_level: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
    /// Erlang A abandonment at `agents_net`; `None` without a patience.
    pub abandon_rate: Option<f64>,
}

impl crate::frame::QueueInterval for RequirementRow {
    fn queue(&self) -> &str {
        &self.queue
    }

    fn interval_start(&self) -> Stamp {
        self.interval_start
    }
}

/// Read requirements.csv; every cell is checked and errors name file, line and column.
pub fn read_requirements(path: &Path, tz: Tz) -> Result<Vec<RequirementRow>, FileError> {
    let table = Table::read(path)?;
    Ok(parse_requirements(&table, tz)?)
}

/// Parse an already-read requirements table.
pub fn parse_requirements(table: &Table, tz: Tz) -> Result<Vec<RequirementRow>, InputError> {
    table.reject_unknown(&COLUMNS)?;
    let col: Vec<usize> = COLUMNS.iter().map(|c| table.require(c)).collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(table.rows.len());
    // (queue, interval) -> the line it was first read on: a second row is an error here, where
    // both lines are known, not after the schedule has been solved.
    let mut first_line: HashMap<(String, i64), u64> = HashMap::new();
    for row in &table.rows {
        let stamp_text = table.nonempty(row, col[0])?;
        let interval_start =
            parse_local(stamp_text, tz).map_err(|m| table.error(row, col[0], m))?;
        let queue = table.nonempty(row, col[1])?;
        if let Some(earlier) =
            first_line.insert((queue.to_string(), interval_start.timestamp()), row.line)
        {
            return Err(table.error(
                row,
                col[0],
                format!(
                    "interval {stamp_text} of queue {queue:?} appears twice (first on line \
                     {earlier}): one row per queue and interval"
                ),
            ));
        }
        let agents = |c: usize| -> Result<u32, InputError> {
            let t = table.text(row, c);
            t.parse::<u32>().map_err(|_| {
                table.error(row, c, format!("expected a whole number >= 0, found {t:?}"))
            })
        };
        let fraction = |c: usize| -> Result<f64, InputError> {
            let v = table.non_negative(row, c)?;
            if v > 1.0 {
                return Err(table.error(
                    row,
                    c,
                    format!("expected a fraction in [0, 1], found {v}"),
                ));
            }
            Ok(v)
        };
        let asa_text = table.text(row, col[8]);
        let asa_seconds = match asa_text.parse::<f64>() {
            Ok(v) if v >= 0.0 && !v.is_nan() => v,
            _ => {
                return Err(table.error(
                    row,
                    col[8],
                    format!("expected a number >= 0 or inf, found {asa_text:?}"),
                ))
            }
        };
        let abandon_rate = match table.optional(row, Some(col[10])) {
            None => None,
            Some(_) => Some(fraction(col[10])?),
        };
        rows.push(RequirementRow {
            interval_start,
            queue: queue.to_string(),
            contacts: table.non_negative(row, col[2])?,
            aht_seconds: table.non_negative(row, col[3])?,
            traffic_erlangs: table.non_negative(row, col[4])?,
            agents_net: agents(col[5])?,
            agents_gross: agents(col[6])?,
            service_level: fraction(col[7])?,
            asa_seconds,
            occupancy: fraction(col[9])?,
            abandon_rate,
        });
    }
    Ok(rows)
}

/// Write requirements.csv atomically (whole or not at all).
pub fn write_requirements(path: &Path, rows: &[RequirementRow]) -> Result<(), FileError> {
    write_csv_atomic(
        path,
        &COLUMNS,
        rows.iter().map(|r| {
            [
                format_local(&r.interval_start),
                r.queue.clone(),
                fmt_num(r.contacts, 3),
                fmt_num(r.aht_seconds, 2),
                fmt_num(r.traffic_erlangs, 4),
                r.agents_net.to_string(),
                r.agents_gross.to_string(),
                fmt_num(r.service_level, 6),
                if r.asa_seconds.is_finite() {
                    fmt_num(r.asa_seconds, 3)
                } else {
                    "inf".to_string()
                },
                fmt_num(r.occupancy, 6),
                r.abandon_rate.map(|a| fmt_num(a, 6)).unwrap_or_default(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn round_trip_keeps_values_and_empty_abandon_rate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.csv");
        let row = RequirementRow {
            interval_start: parse_local("2025-03-03T09:30", tz()).unwrap(),
            queue: "voice".into(),
            contacts: 100.0,
            aht_seconds: 180.0,
            traffic_erlangs: 10.0,
            agents_net: 14,
            agents_gross: 20,
            service_level: 0.88835,
            asa_seconds: 7.8359,
            occupancy: 0.714286,
            abandon_rate: None,
        };
        let mut with_patience = row.clone();
        with_patience.queue = "chat".into();
        with_patience.abandon_rate = Some(0.013984);
        write_requirements(&path, &[row.clone(), with_patience.clone()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text
            .starts_with("interval_start,queue,contacts,aht_seconds,traffic_erlangs,agents_net,"));
        assert!(
            text.contains("2025-03-03T09:30,voice,100,180,10,14,20,0.88835,7.836,0.714286,\n"),
            "{text}"
        );
        let back = read_requirements(&path, tz()).unwrap();
        assert_eq!(back[0].agents_gross, 20);
        assert_eq!(back[0].abandon_rate, None);
        assert_eq!(back[1].abandon_rate, Some(0.013984));
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let text =
            format!("{}\n2025-03-03T09:30,voice,100,180,10,-1,20,0.9,7,0.7,\n", COLUMNS.join(","));
        let t = Table::parse("requirements.csv", text.as_bytes()).unwrap();
        let e = parse_requirements(&t, tz()).unwrap_err().to_string();
        assert!(e.contains("requirements.csv line 2, column agents_net"), "{e}");
        let text =
            format!("{}\n2025-03-03T09:30,voice,100,180,10,1,2,1.5,7,0.7,\n", COLUMNS.join(","));
        let t = Table::parse("requirements.csv", text.as_bytes()).unwrap();
        let e = parse_requirements(&t, tz()).unwrap_err().to_string();
        assert!(e.contains("column service_level") && e.contains("1.5"), "{e}");
    }

    #[test]
    fn duplicate_row_names_both_lines() {
        let ok = "2025-03-03T09:30,voice,100,180,10,1,2,0.9,7,0.7,";
        let other_queue = "2025-03-03T09:30,chat,100,180,10,1,2,0.9,7,0.7,";
        let text = format!("{}\n{ok}\n{other_queue}\n{ok}\n", COLUMNS.join(","));
        let t = Table::parse("requirements.csv", text.as_bytes()).unwrap();
        let e = parse_requirements(&t, tz()).unwrap_err().to_string();
        assert!(e.starts_with("requirements.csv line 4, column interval_start"), "{e}");
        assert!(e.contains("\"voice\" appears twice (first on line 2)"), "{e}");
    }
}
