//! forecast.csv: `interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds` — the
//! forecast per interval and queue, with an 80 % prediction interval on contacts. OWNER: forecast
//! (reader and writer written by the staffing helper so `staff` could read forecasts first).
//!
//! Times are local wall-clock in the site's time zone (`2025-03-03T09:30`), with the UTC offset
//! only on the repeated hour of a fall-back day. Numbers are >= 0 and `contacts_p10 <=
//! contacts_p90`; `aht_seconds` may be 0 only where `contacts` is 0.

use std::path::Path;

use chrono_tz::Tz;

use crate::error::{Error, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Table};
use crate::time::{format_local, parse_local, Stamp};

/// Column names in file order.
pub const COLUMNS: [&str; 6] =
    ["interval_start", "queue", "contacts", "contacts_p10", "contacts_p90", "aht_seconds"];

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub contacts_p10: f64,
    pub contacts_p90: f64,
    pub aht_seconds: f64,
}

/// Read forecast.csv; every cell is checked and errors name file, line and column.
pub fn read_forecast(path: &Path, tz: Tz) -> Result<Vec<ForecastRow>, Error> {
    let table = Table::read(path)?;
    Ok(parse_forecast(&table, tz)?)
}

/// Parse an already-read forecast table.
pub fn parse_forecast(table: &Table, tz: Tz) -> Result<Vec<ForecastRow>, InputError> {
    table.reject_unknown(&COLUMNS)?;
    let col: Vec<usize> = COLUMNS.iter().map(|c| table.require(c)).collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let stamp_text = table.nonempty(row, col[0])?;
        let interval_start =
            parse_local(stamp_text, tz).map_err(|m| table.error(row, col[0], m))?;
        let contacts = table.non_negative(row, col[2])?;
        let contacts_p10 = table.non_negative(row, col[3])?;
        let contacts_p90 = table.non_negative(row, col[4])?;
        if contacts_p90 < contacts_p10 {
            return Err(table.error(
                row,
                col[4],
                format!("expected contacts_p90 >= contacts_p10 ({contacts_p10}), found {contacts_p90}"),
            ));
        }
        let aht_seconds = table.non_negative(row, col[5])?;
        if contacts > 0.0 && aht_seconds == 0.0 {
            return Err(table.error(row, col[5], "expected a number > 0 where contacts > 0, found 0"));
        }
        rows.push(ForecastRow {
            interval_start,
            queue: table.nonempty(row, col[1])?.to_string(),
            contacts,
            contacts_p10,
            contacts_p90,
            aht_seconds,
        });
    }
    Ok(rows)
}

/// Write forecast.csv atomically (whole or not at all).
pub fn write_forecast(path: &Path, rows: &[ForecastRow]) -> Result<(), Error> {
    write_csv_atomic(
        path,
        &COLUMNS,
        rows.iter().map(|r| {
            [
                format_local(&r.interval_start),
                r.queue.clone(),
                fmt_num(r.contacts, 3),
                fmt_num(r.contacts_p10, 3),
                fmt_num(r.contacts_p90, 3),
                fmt_num(r.aht_seconds, 2),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        "America/New_York".parse().unwrap()
    }

    #[test]
    fn round_trip_including_the_repeated_dst_hour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forecast.csv");
        let first = parse_local("2025-11-02T01:30-04:00", tz()).unwrap();
        let second = parse_local("2025-11-02T01:30-05:00", tz()).unwrap();
        let rows: Vec<ForecastRow> = [first, second]
            .iter()
            .map(|&t| ForecastRow {
                interval_start: t,
                queue: "voice".into(),
                contacts: 12.5,
                contacts_p10: 9.0,
                contacts_p90: 16.25,
                aht_seconds: 210.0,
            })
            .collect();
        write_forecast(&path, &rows).unwrap();
        assert_eq!(read_forecast(&path, tz()).unwrap(), rows);
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let text = "interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds\n\
                    2025-03-03T09:30,voice,10,8,12,180\n2025-03-03T09:45,voice,10,8,12,-3\n";
        let t = Table::parse("forecast.csv", text.as_bytes()).unwrap();
        let e = parse_forecast(&t, tz()).unwrap_err().to_string();
        assert_eq!(e, "forecast.csv line 3, column aht_seconds: expected a number >= 0, found \"-3\"");
        let t = Table::parse("forecast.csv", b"interval_start,queue,contacts\n").unwrap();
        assert!(parse_forecast(&t, tz()).unwrap_err().to_string().contains("contacts_p10"));
    }
}
