//! roster.csv, the HR export: one row per agent-day worked,
//! `agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks`.
//!
//! `shift_start`/`shift_end` are local ISO date-times written with [`time::format_local`] (a shift
//! may end the next day; the repeated hour of a fall-back day carries its UTC offset); `breaks` is
//! a `;`-separated list of local `HH:MM-HH:MM` spans inside the shift (empty when none). HR edits
//! this file by hand before importing it into payroll, so the reader is strict and precise: every
//! bad cell is reported with file, line and column, and [`crate::roster::check`] then validates
//! the rules.

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{write_csv_atomic, Table};
use crate::time::{self, Stamp};

/// The columns of roster.csv, in order.
pub const ROSTER_COLUMNS: [&str; 8] =
    ["agent_id", "name", "date", "queue", "shift_start", "shift_end", "paid_minutes", "breaks"];

#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub agent_id: String,
    pub name: String,
    pub date: NaiveDate,
    pub queue: String,
    pub shift_start: Stamp,
    pub shift_end: Stamp,
    pub paid_minutes: u32,
    /// Off-phone spans (breaks and lunches), each `[start, end)`.
    pub breaks: Vec<(Stamp, Stamp)>,
}

impl RosterRow {
    /// The shift's hours in local time, `HH:MM-HH:MM`.
    pub fn hours(&self) -> String {
        format!("{}-{}", self.shift_start.format("%H:%M"), self.shift_end.format("%H:%M"))
    }
}

/// Read a roster.csv with the site's time zone. Columns may come in any order; unknown columns
/// are errors (a misspelt header must not pass silently).
pub fn read_roster(path: &Path, tz: Tz) -> Result<Vec<RosterRow>, FileError> {
    let table = Table::read(path)?;
    Ok(parse_roster_table(&table, tz)?)
}

/// Parse roster CSV bytes (`file` names the source in error messages).
pub fn parse_roster(file: &str, bytes: &[u8], tz: Tz) -> Result<Vec<RosterRow>, InputError> {
    let table = Table::parse(file, bytes)?;
    parse_roster_table(&table, tz)
}

fn parse_roster_table(table: &Table, tz: Tz) -> Result<Vec<RosterRow>, InputError> {
    let columns = Columns::of(table)?;
    table.rows.iter().map(|row| parse_row(table, row, &columns, tz)).collect()
}

/// A roster read with the file line of each row (for messages that point HR at the row).
#[derive(Debug, Clone, PartialEq)]
pub struct RosterFile {
    pub rows: Vec<RosterRow>,
    /// 1-based file line of `rows[i]`.
    pub lines: Vec<u64>,
}

/// Every bad row of a roster file (one error per row, its first bad cell), not only the first:
/// HR fixes them in one pass.
#[derive(Debug)]
pub enum RosterReadError {
    File(FileError),
    Cells(Vec<InputError>),
}

/// Errors shown before "and N more".
pub const MAX_SHOWN_ERRORS: usize = 20;

impl std::fmt::Display for RosterReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RosterReadError::File(e) => write!(f, "{e}"),
            RosterReadError::Cells(errors) => {
                let n = errors.len();
                write!(f, "{n} bad {}:", if n == 1 { "row" } else { "rows" })?;
                for e in errors.iter().take(MAX_SHOWN_ERRORS) {
                    write!(f, "\n  {e}")?;
                }
                if n > MAX_SHOWN_ERRORS {
                    write!(f, "\n  and {} more", n - MAX_SHOWN_ERRORS)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RosterReadError {}

/// Read a roster.csv keeping each row's line, reporting every bad row.
pub fn read_roster_file(path: &Path, tz: Tz) -> Result<RosterFile, RosterReadError> {
    let table = Table::read(path).map_err(RosterReadError::File)?;
    parse_roster_file(&table, tz).map_err(RosterReadError::Cells)
}

/// Parse a roster table keeping each row's line; every bad row is an error.
pub fn parse_roster_file(table: &Table, tz: Tz) -> Result<RosterFile, Vec<InputError>> {
    let columns = Columns::of(table).map_err(|e| vec![e])?;
    let mut out = RosterFile { rows: Vec::new(), lines: Vec::new() };
    let mut errors = Vec::new();
    for row in &table.rows {
        match parse_row(table, row, &columns, tz) {
            Ok(r) => {
                out.rows.push(r);
                out.lines.push(row.line);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Column positions of roster.csv in one table.
struct Columns {
    agent: usize,
    name: usize,
    date: usize,
    queue: usize,
    start: usize,
    end: usize,
    paid: usize,
    breaks: usize,
}

impl Columns {
    fn of(table: &Table) -> Result<Columns, InputError> {
        table.reject_unknown(&ROSTER_COLUMNS)?;
        Ok(Columns {
            agent: table.require("agent_id")?,
            name: table.require("name")?,
            date: table.require("date")?,
            queue: table.require("queue")?,
            start: table.require("shift_start")?,
            end: table.require("shift_end")?,
            paid: table.require("paid_minutes")?,
            breaks: table.require("breaks")?,
        })
    }
}

fn parse_row(
    table: &Table,
    row: &crate::io::table::Row,
    c: &Columns,
    tz: Tz,
) -> Result<RosterRow, InputError> {
    let agent_id = table.nonempty(row, c.agent)?.to_string();
    let name = table.text(row, c.name).to_string();
    let date =
        time::parse_date(table.nonempty(row, c.date)?).map_err(|m| table.error(row, c.date, m))?;
    let queue = table.nonempty(row, c.queue)?.to_string();
    let shift_start = time::parse_local(table.nonempty(row, c.start)?, tz)
        .map_err(|m| table.error(row, c.start, m))?;
    let shift_end = time::parse_local(table.nonempty(row, c.end)?, tz)
        .map_err(|m| table.error(row, c.end, m))?;
    if shift_end <= shift_start {
        return Err(table.error(
            row,
            c.end,
            format!(
                "expected a time after shift_start {}, found {}",
                time::format_local(&shift_start),
                time::format_local(&shift_end)
            ),
        ));
    }
    if shift_end - shift_start > Duration::hours(24) {
        return Err(table.error(row, c.end, "a shift cannot be longer than 24 hours"));
    }
    let paid_text = table.nonempty(row, c.paid)?;
    let paid_minutes: u32 = paid_text.parse().map_err(|_| {
        table.error(
            row,
            c.paid,
            format!("expected a whole number of minutes >= 0, found {paid_text:?}"),
        )
    })?;
    let breaks = parse_breaks(table.text(row, c.breaks), &shift_start, &shift_end, tz)
        .map_err(|m| table.error(row, c.breaks, m))?;
    Ok(RosterRow { agent_id, name, date, queue, shift_start, shift_end, paid_minutes, breaks })
}

/// Write roster.csv atomically, rows in the given order.
pub fn write_roster(path: &Path, rows: &[RosterRow]) -> Result<(), FileError> {
    write_csv_atomic(
        path,
        &ROSTER_COLUMNS,
        rows.iter().map(|r| {
            [
                r.agent_id.clone(),
                r.name.clone(),
                r.date.format("%Y-%m-%d").to_string(),
                r.queue.clone(),
                time::format_local(&r.shift_start),
                time::format_local(&r.shift_end),
                r.paid_minutes.to_string(),
                format_breaks(&r.breaks),
            ]
        }),
    )
}

/// `HH:MM-HH:MM;HH:MM-HH:MM` in local wall-clock time.
pub fn format_breaks(breaks: &[(Stamp, Stamp)]) -> String {
    breaks
        .iter()
        .map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(";")
}

/// Parse `;`-separated `HH:MM-HH:MM` spans and place each inside the shift: a clock time is
/// the first occurrence at or after `shift_start` (so a break after midnight of a night shift
/// lands on the next date). Every span must lie inside the shift, end after it starts, and not
/// overlap the previous one.
pub fn parse_breaks(
    text: &str,
    shift_start: &Stamp,
    shift_end: &Stamp,
    tz: Tz,
) -> Result<Vec<(Stamp, Stamp)>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut out: Vec<(Stamp, Stamp)> = Vec::new();
    for part in text.split(';') {
        let part = part.trim();
        let (a, b) = part.split_once('-').ok_or_else(|| {
            format!("expected breaks like 12:00-12:30;15:00-15:15, found {part:?}")
        })?;
        let a = time::parse_clock(a).map_err(|m| format!("break {part:?}: {m}"))?;
        let b = time::parse_clock(b).map_err(|m| format!("break {part:?}: {m}"))?;
        let start = place_clock(shift_start, a, tz).map_err(|m| format!("break {part:?}: {m}"))?;
        let mut end = place_clock(&start, b, tz).map_err(|m| format!("break {part:?}: {m}"))?;
        if end == start {
            end = start + Duration::days(1);
        }
        if end > *shift_end {
            return Err(format!(
                "break {part:?} does not lie inside the shift {}–{}",
                shift_start.format("%H:%M"),
                shift_end.format("%H:%M")
            ));
        }
        if let Some(last) = out.last() {
            if start < last.1 {
                return Err(format!("break {part:?} overlaps or comes before the previous break"));
            }
        }
        out.push((start, end));
    }
    Ok(out)
}

/// The first instant at or after `from` whose local clock reads `clock`.
fn place_clock(from: &Stamp, clock: chrono::NaiveTime, tz: Tz) -> Result<Stamp, String> {
    let local = from.naive_local();
    let mut candidate = NaiveDateTime::new(local.date(), clock);
    if candidate < local {
        candidate += Duration::days(1);
    }
    let stamp = time::from_local(candidate, tz)?;
    Ok(if stamp < *from { stamp + Duration::hours(1) } else { stamp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        time::parse_time_zone("Europe/London").unwrap()
    }

    const GOOD: &str = "agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n\
        A1,Ann Lee,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:30,480,12:00-12:30\n\
        A2,Bob,2025-03-03,chat,2025-03-03T22:00,2025-03-04T06:00,450,01:00-01:30;03:00-03:15\n";

    #[test]
    fn night_shift_breaks_land_after_midnight() {
        let rows = parse_roster("r.csv", GOOD.as_bytes(), tz()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(time::format_local(&rows[1].breaks[0].0), "2025-03-04T01:00");
        assert_eq!(time::format_local(&rows[1].breaks[1].1), "2025-03-04T03:15");
        assert_eq!(format_breaks(&rows[1].breaks), "01:00-01:30;03:00-03:15");
    }

    #[test]
    fn written_file_reads_back_identically() {
        let rows = parse_roster("r.csv", GOOD.as_bytes(), tz()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        write_roster(&path, &rows).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), GOOD);
        assert_eq!(read_roster(&path, tz()).unwrap(), rows);
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let cases = [
            ("2025-03-03T16:30,2025-03-03T08:00,480,", "line 2, column shift_end"),
            ("2025-03-03T08:00,2025-03-03T16:30,eight,", "line 2, column paid_minutes"),
            ("2025-03-03T08:00,2025-03-03T16:30,480,12:00", "line 2, column breaks"),
            ("2025-03-03T08:00,2025-03-03T16:30,480,17:00-17:30", "line 2, column breaks"),
            ("2025-03-03T08:00,2025-03-03T16:30,480,12:00-12:30;11:00-11:15", "column breaks"),
            ("2025-03-03 8am,2025-03-03T16:30,480,", "line 2, column shift_start"),
        ];
        for (tail, want) in cases {
            let text = format!(
                "{}A1,Ann,2025-03-03,voice,{tail}\n",
                &GOOD[..GOOD.find('\n').unwrap() + 1]
            );
            let e = parse_roster("r.csv", text.as_bytes(), tz()).unwrap_err().to_string();
            assert!(e.contains(want), "{tail}: {e}");
        }
        let e =
            parse_roster("r.csv", b"agent_id,name,date\nA1,Ann,2025-03-03\n", tz()).unwrap_err();
        assert!(e.to_string().contains("missing required column \"queue\""), "{e}");
        let e = parse_roster("r.csv", GOOD.replace("queue", "queu").as_bytes(), tz()).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("queu"));
    }
}
