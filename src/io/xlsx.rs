//! Excel in and out: spreadsheet exports read for `history import` (calamine: .xlsx, .xlsm,
//! .xls, .ods) and roster.xlsx written for HR (rust_xlsxwriter).
//!
//! roster.xlsx has two sheets. `shifts`: a row per agent-shift with real date and date-time
//! cells (Excel sorts and filters them as times, not text), the paid minutes, and each break as
//! its own start, end and paid columns. `grid`: the agents × days table HR teams print, a cell
//! per worked day reading `08:00-16:30 voice`. The workbook's creation date is fixed, so the same
//! roster gives a byte-identical file.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::error::{FileError, InputError};
use crate::io::import::{Cell, RowHandler, RowSource};
use crate::io::roster::RosterRow;
use crate::time::Stamp;

/// Whether bytes look like a spreadsheet (zip container or the old OLE2 .xls), not CSV.
pub fn looks_like_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The rows of one worksheet, as a [`RowSource`]. Row numbers in errors are the sheet's.
pub struct SheetRows {
    headers: Vec<String>,
    /// Cells of the data rows, row-major, `headers.len()` per row.
    range: calamine::Range<Data>,
    header_row: usize,
}

impl SheetRows {
    /// Open `sheet` (or the first sheet) of a workbook held in memory; `file` names it in errors.
    pub fn open(file: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<SheetRows, InputError> {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
            InputError::new(file, format!("expected a spreadsheet (.xlsx, .xls, .ods): {e}"))
        })?;
        let names = book.sheet_names();
        let name = match sheet {
            Some(s) => names.iter().find(|n| n.as_str() == s).cloned().ok_or_else(|| {
                InputError::new(
                    file,
                    format!("no sheet {s:?}; the workbook has {}", names.join(", ")),
                )
            })?,
            None => names
                .first()
                .cloned()
                .ok_or_else(|| InputError::new(file, "the workbook has no sheets"))?,
        };
        let range = book
            .worksheet_range(&name)
            .map_err(|e| InputError::new(file, format!("sheet {name:?}: {e}")))?;
        let header_row = (0..range.height())
            .find(|&r| {
                (0..range.width()).any(|c| !matches!(range.get((r, c)), Some(Data::Empty) | None))
            })
            .ok_or_else(|| {
                InputError::new(file, format!("sheet {name:?} is empty: expected a header row"))
            })?;
        let headers = (0..range.width())
            .map(|c| match range.get((header_row, c)) {
                Some(Data::String(s)) => s.trim().to_string(),
                Some(Data::Empty) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        Ok(SheetRows { headers, range, header_row })
    }
}

impl RowSource for SheetRows {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn for_each_row(&mut self, f: &mut RowHandler<'_>) -> Result<(), FileError> {
        let first_row = self.range.start().map(|(r, _)| r as u64).unwrap_or(0);
        let mut cells = Vec::with_capacity(self.headers.len());
        for r in self.header_row + 1..self.range.height() {
            cells.clear();
            for c in 0..self.headers.len() {
                cells.push(to_cell(self.range.get((r, c)).unwrap_or(&Data::Empty)));
            }
            if cells.iter().all(|c| matches!(c, Cell::Empty)) {
                continue;
            }
            f(first_row + r as u64 + 1, &cells)?;
        }
        Ok(())
    }
}

fn to_cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(x) => Cell::Number(*x),
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) => Cell::Text(s),
        Data::DateTime(t) if t.is_duration() => Cell::Duration(t.as_f64() * 86400.0),
        Data::DateTime(t) if t.as_f64() < 1.0 => Cell::Duration(t.as_f64() * 86400.0),
        Data::DateTime(t) => {
            excel_serial_to_naive(t.as_f64()).map(Cell::DateTime).unwrap_or(Cell::Empty)
        }
        Data::DurationIso(s) => Cell::Text(s),
        Data::Bool(_) | Data::Error(_) | Data::Empty => Cell::Empty,
    }
}

/// An Excel serial date (days since 1899-12-30 in the 1900 date system), to the nearest second.
pub fn excel_serial_to_naive(serial: f64) -> Option<NaiveDateTime> {
    if !(0.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let seconds = (serial * 86400.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    epoch.checked_add_signed(Duration::seconds(seconds))
}

/// A break of a roster row with whether it is paid (`None`: the row's paid minutes do not tell).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakCell {
    pub start: Stamp,
    pub end: Stamp,
    pub paid: Option<bool>,
}

/// Which breaks are unpaid: the unpaid minutes of a shift are its length less its paid minutes,
/// so the unpaid breaks are the subset whose lengths sum to exactly that. Among several such
/// subsets, the one with the fewest breaks, then the earliest, is taken (a lunch, not two short
/// breaks); with no exact subset the flags are unknown.
pub fn classify_breaks(row: &RosterRow) -> Vec<BreakCell> {
    let unpaid = (row.shift_end - row.shift_start).num_minutes() - i64::from(row.paid_minutes);
    let lengths: Vec<i64> = row.breaks.iter().map(|(a, b)| (*b - *a).num_minutes()).collect();
    let n = lengths.len().min(16);
    let mut best: Option<u32> = None;
    for mask in 0u32..(1 << n) {
        let sum: i64 = (0..n).filter(|i| mask & (1 << i) != 0).map(|i| lengths[i]).sum();
        if sum == unpaid && best.is_none_or(|b| mask.count_ones() < b.count_ones()) {
            best = Some(mask);
        }
    }
    row.breaks
        .iter()
        .enumerate()
        .map(|(i, (a, b))| BreakCell {
            start: *a,
            end: *b,
            paid: best.map(|m| i >= 32 || m & (1 << i) == 0),
        })
        .collect()
}

fn excel_time(t: &NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        chrono::Datelike::year(t) as u16,
        chrono::Datelike::month(t) as u8,
        chrono::Datelike::day(t) as u8,
    )?
    .and_hms(t.hour() as u16, t.minute() as u8, t.second())
}

/// The roster as an .xlsx workbook in memory (sheets `shifts` and `grid`).
pub fn roster_workbook(rows: &[RosterRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    // A fixed creation date: the same roster gives the same bytes.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let shifts = book.add_worksheet();
    shifts.set_name("shifts")?;
    write_shift_sheet(shifts, rows, &bold)?;
    let grid = book.add_worksheet();
    grid.set_name("grid")?;
    write_grid_sheet(grid, rows, &bold)?;
    book.save_to_buffer()
}

fn write_shift_sheet(
    ws: &mut Worksheet,
    rows: &[RosterRow],
    bold: &Format,
) -> Result<(), XlsxError> {
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let time_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let max_breaks = rows.iter().map(|r| r.breaks.len()).max().unwrap_or(0);
    let mut header: Vec<String> =
        ["agent_id", "name", "date", "queue", "shift_start", "shift_end", "paid_minutes"]
            .map(String::from)
            .to_vec();
    for k in 1..=max_breaks {
        header.extend([
            format!("break_{k}_start"),
            format!("break_{k}_end"),
            format!("break_{k}_paid"),
        ]);
    }
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.agent_id)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_datetime_with_format(
            row,
            2,
            excel_time(&r.date.and_hms_opt(0, 0, 0).expect("midnight"))?,
            &date_fmt,
        )?;
        ws.write_string(row, 3, &r.queue)?;
        ws.write_datetime_with_format(
            row,
            4,
            excel_time(&r.shift_start.naive_local())?,
            &time_fmt,
        )?;
        ws.write_datetime_with_format(row, 5, excel_time(&r.shift_end.naive_local())?, &time_fmt)?;
        ws.write_number(row, 6, f64::from(r.paid_minutes))?;
        for (k, b) in classify_breaks(r).iter().enumerate() {
            let col = 7 + 3 * k as u16;
            ws.write_datetime_with_format(
                row,
                col,
                excel_time(&b.start.naive_local())?,
                &time_fmt,
            )?;
            ws.write_datetime_with_format(
                row,
                col + 1,
                excel_time(&b.end.naive_local())?,
                &time_fmt,
            )?;
            let paid = match b.paid {
                Some(true) => "paid",
                Some(false) => "unpaid",
                None => "",
            };
            ws.write_string(row, col + 2, paid)?;
        }
    }
    ws.set_column_width(1, 20)?;
    ws.set_column_width(2, 11)?;
    for c in 4..6 + 3 * max_breaks as u16 {
        ws.set_column_width(c, 16)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write_grid_sheet(
    ws: &mut Worksheet,
    rows: &[RosterRow],
    bold: &Format,
) -> Result<(), XlsxError> {
    use std::collections::BTreeMap;
    let mut dates: Vec<NaiveDate> = rows.iter().map(|r| r.date).collect();
    dates.sort_unstable();
    dates.dedup();
    // Agents in first-appearance order of the roster (which is sorted by agent already).
    let mut agents: Vec<(&str, &str)> = Vec::new();
    let mut cells: BTreeMap<(&str, NaiveDate), Vec<String>> = BTreeMap::new();
    for r in rows {
        if !agents.iter().any(|(id, _)| *id == r.agent_id) {
            agents.push((&r.agent_id, &r.name));
        }
        cells.entry((&r.agent_id, r.date)).or_default().push(format!("{} {}", r.hours(), r.queue));
    }
    ws.write_string_with_format(0, 0, "agent_id", bold)?;
    ws.write_string_with_format(0, 1, "name", bold)?;
    for (j, d) in dates.iter().enumerate() {
        ws.write_string_with_format(0, 2 + j as u16, d.format("%a %Y-%m-%d").to_string(), bold)?;
        ws.set_column_width(2 + j as u16, 17)?;
    }
    for (i, (id, name)) in agents.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, *id)?;
        ws.write_string(row, 1, *name)?;
        for (j, d) in dates.iter().enumerate() {
            if let Some(list) = cells.get(&(*id, *d)) {
                ws.write_string(row, 2 + j as u16, list.join("; "))?;
            }
        }
    }
    ws.set_column_width(1, 20)?;
    ws.set_freeze_panes(1, 2)?;
    Ok(())
}

/// Write roster.xlsx (whole or not at all).
pub fn write_roster_xlsx(path: &std::path::Path, rows: &[RosterRow]) -> Result<(), FileError> {
    let bytes = roster_workbook(rows)
        .map_err(|e| FileError::io(path, std::io::Error::other(e.to_string())))?;
    crate::io::table::write_atomic(path, |w| {
        w.write_all(&bytes).map_err(|e| FileError::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(excel_serial_to_naive(45719.375).unwrap().to_string(), "2025-03-03 09:00:00");
        assert_eq!(excel_serial_to_naive(-1.0), None);
    }

    #[test]
    fn lunch_is_the_unpaid_break_and_the_workbook_is_deterministic() {
        let tz = time::parse_time_zone("Asia/Shanghai").unwrap();
        let text = "agent_id,name,date,queue,shift_start,shift_end,paid_minutes,breaks\n\
            A1,李娜,2025-03-03,voice,2025-03-03T08:00,2025-03-03T16:30,480,10:00-10:15;12:00-12:30;15:00-15:15\n";
        let rows = crate::io::roster::parse_roster("r.csv", text.as_bytes(), tz).unwrap();
        let flags: Vec<Option<bool>> = classify_breaks(&rows[0]).iter().map(|b| b.paid).collect();
        assert_eq!(flags, vec![Some(true), Some(false), Some(true)]);
        let a = roster_workbook(&rows).unwrap();
        assert_eq!(a, roster_workbook(&rows).unwrap());
        assert!(looks_like_spreadsheet(&a));
    }
}
