//! shifts.csv: `shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks`.
//!
//! One row per worked shift. `date` is the day the shift starts (a night shift belongs to the
//! evening it starts); `shift_start`/`shift_end` are local ISO date-times (`2025-03-03T22:00`,
//! with a UTC offset only inside a repeated daylight-saving hour); `breaks` lists the off-phone
//! spans as `;`-separated `HH:MM-HH:MM` local clock times, read back in the shift's own time
//! line (a break after midnight belongs to the next calendar day). `shift_id` is
//! `queue/contract/Lnnn/date` when the schedule was cut into weekly tour lines (all rows of one
//! line are one person's week) and `queue/date/nnnn` otherwise.

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{write_csv_atomic, Table};
use crate::time::{self, Stamp};

/// One shift instance on one day. `shift_start`/`shift_end` are written as ISO local
/// date-times (a shift may end the next day); `breaks` as `;`-separated `HH:MM-HH:MM`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRow {
    pub shift_id: String,
    pub queue: String,
    pub date: NaiveDate,
    pub shift_start: Stamp,
    pub shift_end: Stamp,
    pub paid_minutes: u32,
    /// Off-phone spans (breaks and lunches), each `[start, end)`.
    pub breaks: Vec<(Stamp, Stamp)>,
    /// Fill priority for the roster: a seat of this shift left empty costs 2^priority times
    /// `unfilled_cost_per_hour` in the roster's search, so seats of a higher priority are filled
    /// first (0, the default, for every shift a schedule makes; `plan`'s loop raises it on
    /// queue-days the simulation finds short with seats left empty).
    pub fill_priority: u32,
}

pub const HEADER: [&str; 7] =
    ["shift_id", "queue", "date", "shift_start", "shift_end", "paid_minutes", "breaks"];

/// The optional last column: written only when a shift has a fill priority above 0.
pub const FILL_PRIORITY: &str = "fill_priority";

/// Highest fill priority read (an empty seat then costs 2^16 times the base rate).
pub const MAX_FILL_PRIORITY: u32 = 16;

/// Read shifts.csv; times are local to `tz`.
pub fn read_shifts(path: &Path, tz: Tz) -> Result<Vec<ShiftRow>, FileError> {
    let table = Table::read(path)?;
    Ok(parse_table(&table, tz)?)
}

/// Parse shifts.csv bytes (`file` names the source in errors).
pub fn parse_shifts(file: &str, bytes: &[u8], tz: Tz) -> Result<Vec<ShiftRow>, InputError> {
    parse_table(&Table::parse(file, bytes)?, tz)
}

fn parse_table(table: &Table, tz: Tz) -> Result<Vec<ShiftRow>, InputError> {
    let mut allowed = HEADER.to_vec();
    allowed.push(FILL_PRIORITY);
    table.reject_unknown(&allowed)?;
    let cols: Vec<usize> = HEADER.iter().map(|h| table.require(h)).collect::<Result<_, _>>()?;
    let [c_id, c_queue, c_date, c_start, c_end, c_paid, c_breaks] = cols[..] else {
        unreachable!()
    };
    let c_priority = table.column(FILL_PRIORITY);
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let shift_id = table.nonempty(row, c_id)?.to_string();
        let queue = table.nonempty(row, c_queue)?.to_string();
        let date =
            time::parse_date(table.text(row, c_date)).map_err(|m| table.error(row, c_date, m))?;
        let shift_start = time::parse_local(table.text(row, c_start), tz)
            .map_err(|m| table.error(row, c_start, m))?;
        let shift_end = time::parse_local(table.text(row, c_end), tz)
            .map_err(|m| table.error(row, c_end, m))?;
        if shift_start.date_naive() != date {
            return Err(table.error(
                row,
                c_date,
                format!(
                    "expected the date the shift starts ({}), found {date}",
                    shift_start.date_naive()
                ),
            ));
        }
        if shift_end <= shift_start {
            return Err(table.error(row, c_end, "expected a time after shift_start"));
        }
        let length = (shift_end - shift_start).num_minutes();
        let paid_text = table.text(row, c_paid);
        let paid_minutes = match paid_text.parse::<u32>() {
            Ok(v) if i64::from(v) <= length => v,
            _ => {
                return Err(table.error(row, c_paid, format!("expected whole minutes from 0 to the shift length {length}, found {paid_text:?}")))
            }
        };
        let mut breaks = Vec::new();
        let text = table.text(row, c_breaks);
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let span = parse_break(part, &shift_start, &shift_end, tz)
                .map_err(|m| table.error(row, c_breaks, m))?;
            if let Some(&(_, prev_end)) = breaks.last() {
                if span.0 < prev_end {
                    return Err(table.error(
                        row,
                        c_breaks,
                        format!("break {part:?} overlaps the break before it"),
                    ));
                }
            }
            breaks.push(span);
        }
        let fill_priority = match table.optional(row, c_priority) {
            None => 0,
            Some(text) => {
                match text.parse::<u32>() {
                    Ok(p) if p <= MAX_FILL_PRIORITY => p,
                    _ => {
                        let col = c_priority.unwrap_or(0);
                        return Err(table.error(row, col, format!("expected a whole number from 0 to {MAX_FILL_PRIORITY}, found {text:?}")));
                    }
                }
            }
        };
        out.push(ShiftRow {
            shift_id,
            queue,
            date,
            shift_start,
            shift_end,
            paid_minutes,
            breaks,
            fill_priority,
        });
    }
    Ok(out)
}

/// `HH:MM-HH:MM` inside `[start, end)`: each clock time is its first occurrence at or after the
/// shift start (the break end strictly after the break start).
fn parse_break(part: &str, start: &Stamp, end: &Stamp, tz: Tz) -> Result<(Stamp, Stamp), String> {
    let expected = || format!("expected breaks like \"10:30-10:45;13:00-13:30\", found {part:?}");
    let (a, b) = part.split_once('-').ok_or_else(expected)?;
    let a = time::parse_clock(a).map_err(|_| expected())?;
    let b = time::parse_clock(b).map_err(|_| expected())?;
    let next_at =
        |from: NaiveDateTime, clock: chrono::NaiveTime, strictly: bool| -> NaiveDateTime {
            let same = from.date().and_time(clock);
            if same > from || (!strictly && same == from) {
                same
            } else {
                same + Duration::days(1)
            }
        };
    let bs_naive = next_at(start.naive_local(), a, false);
    let bs = time::from_local(bs_naive, tz)?;
    let be = time::from_local(next_at(bs_naive, b, true), tz)?;
    if bs < *start || be > *end {
        return Err(format!("break {part:?} is not inside the shift"));
    }
    Ok((bs, be))
}

/// Write shifts.csv atomically; with a `fill_priority` column only when a shift has one.
pub fn write_shifts(path: &Path, rows: &[ShiftRow]) -> Result<(), FileError> {
    if rows.iter().all(|r| r.fill_priority == 0) {
        return write_csv_atomic(path, &HEADER, rows.iter().map(record));
    }
    let mut header = HEADER.to_vec();
    header.push(FILL_PRIORITY);
    write_csv_atomic(
        path,
        &header,
        rows.iter().map(|r| {
            let mut fields = record(r).to_vec();
            fields.push(r.fill_priority.to_string());
            fields
        }),
    )
}

/// The CSV fields of one row.
pub fn record(r: &ShiftRow) -> [String; 7] {
    let clock = |s: &Stamp| format!("{:02}:{:02}", s.hour(), s.minute());
    let breaks: Vec<String> =
        r.breaks.iter().map(|(a, b)| format!("{}-{}", clock(a), clock(b))).collect();
    [
        r.shift_id.clone(),
        r.queue.clone(),
        r.date.to_string(),
        time::format_local(&r.shift_start),
        time::format_local(&r.shift_end),
        r.paid_minutes.to_string(),
        breaks.join(";"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        time::parse_time_zone("Europe/London").unwrap()
    }

    #[test]
    fn night_shift_with_a_break_after_midnight_round_trips() {
        let text = b"shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n\
            voice/2025-03-03/0001,voice,2025-03-03,2025-03-03T22:00,2025-03-04T06:00,450,23:30-23:45;01:30-02:00\n";
        let rows = parse_shifts("shifts.csv", text, tz()).unwrap();
        assert_eq!(time::format_local(&rows[0].breaks[1].0), "2025-03-04T01:30");
        assert_eq!(time::format_local(&rows[0].breaks[0].1), "2025-03-03T23:45");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shifts.csv");
        write_shifts(&path, &rows).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), text.to_vec());
        assert_eq!(read_shifts(&path, tz()).unwrap(), rows);
    }

    #[test]
    fn a_break_outside_its_shift_names_the_cell() {
        let text = b"shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n\
            a,voice,2025-03-03,2025-03-03T09:00,2025-03-03T13:00,240,13:30-13:45\n";
        let e = parse_shifts("shifts.csv", text, tz()).unwrap_err().to_string();
        assert!(
            e.starts_with("shifts.csv line 2, column breaks:") && e.contains("not inside"),
            "{e}"
        );
    }

    #[test]
    fn paid_minutes_longer_than_the_shift_is_an_error() {
        let text = b"shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n\
            a,voice,2025-03-03,2025-03-03T09:00,2025-03-03T13:00,300,\n";
        let e = parse_shifts("shifts.csv", text, tz()).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("paid_minutes"));
    }

    /// The optional `fill_priority` column is read (empty = 0), written back only while some
    /// shift has one, and out of range it names its cell.
    #[test]
    fn fill_priority_is_an_optional_column_written_only_when_used() {
        let text = b"shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks,fill_priority\n\
            a,voice,2025-03-03,2025-03-03T09:00,2025-03-03T13:00,240,,1\n\
            b,voice,2025-03-03,2025-03-03T09:00,2025-03-03T13:00,240,,0\n";
        let mut rows = parse_shifts("shifts.csv", text, tz()).unwrap();
        assert_eq!(rows.iter().map(|r| r.fill_priority).collect::<Vec<_>>(), [1, 0]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shifts.csv");
        write_shifts(&path, &rows).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), text.to_vec());
        rows[0].fill_priority = 0;
        write_shifts(&path, &rows).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.starts_with("shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks\n")
        );
        assert_eq!(read_shifts(&path, tz()).unwrap(), rows);
        let bad = b"shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks,fill_priority\n\
            a,voice,2025-03-03,2025-03-03T09:00,2025-03-03T13:00,240,,17\n";
        let e = parse_shifts("shifts.csv", bad, tz()).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("fill_priority"));
        assert!(e.to_string().starts_with("shifts.csv line 2, column fill_priority:"), "{e}");
    }
}
