//! events.csv: `start,end,kind,name,queue,uplift` — the calendar of holidays, promotions,
//! closures and campaigns that the forecast uses to explain past anomalies and to shape future
//! days.
//!
//! `start` and `end` are local dates (`2025-10-01`) or date-times (`2025-11-11T00:00`). A
//! date-only `end` includes that whole day (`2025-10-01,2025-10-07` is the seven days of National
//! Day week); a date-time `end` is exclusive. Each event is stored as the half-open local span
//! `[start, end)`. `kind` is one of `holiday|promotion|closure|campaign`; `queue` (optional,
//! empty = all queues) limits the event to one queue; `uplift` (optional, > 0) is the declared
//! volume multiplier (`1.6` = +60%, `0.3` = a 70% dip); empty means "learn it from history".

use std::path::Path;

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Table};
use crate::time;

/// The largest declared uplift (a 100-fold day): beyond it a multiplier is a typo, and near
/// 1e308 it would overflow the forecast to `inf`.
pub const MAX_UPLIFT: f64 = 100.0;

/// Columns of events.csv, in the order the writer uses.
pub const EVENT_COLUMNS: [&str; 6] = ["start", "end", "kind", "name", "queue", "uplift"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Holiday,
    Promotion,
    Closure,
    Campaign,
}

impl EventKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::Holiday => "holiday",
            EventKind::Promotion => "promotion",
            EventKind::Closure => "closure",
            EventKind::Campaign => "campaign",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "holiday" => Some(EventKind::Holiday),
            "promotion" => Some(EventKind::Promotion),
            "closure" => Some(EventKind::Closure),
            "campaign" => Some(EventKind::Campaign),
            _ => None,
        }
    }
}

/// A calendar event over the half-open local-time span `[start, end)`. A date-only `end` in the
/// file is inclusive of that whole day.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub kind: EventKind,
    pub name: String,
    /// `None`: all queues.
    pub queue: Option<String>,
    /// Declared volume multiplier (1.6 = +60%); `None`: learn it from history.
    pub uplift: Option<f64>,
}

impl Event {
    /// Whether a local wall-clock time falls inside the event.
    pub fn contains(&self, local: NaiveDateTime) -> bool {
        local >= self.start && local < self.end
    }

    /// Whether the event applies to a queue.
    pub fn applies_to(&self, queue: &str) -> bool {
        self.queue.as_deref().is_none_or(|q| q == queue)
    }
}

/// Read and validate an events file.
pub fn read_events(path: &Path) -> Result<Vec<Event>, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::io(path, e))?;
    Ok(parse_events(&path.display().to_string(), &bytes)?)
}

/// A date or a date-time; `end_of_day` turns a date into the next midnight (inclusive end).
fn parse_bound(text: &str, end_of_day: bool) -> Result<NaiveDateTime, String> {
    if let Ok(d) = time::parse_date(text) {
        let d = if end_of_day {
            d.succ_opt().ok_or_else(|| format!("date {text:?} is out of range"))?
        } else {
            d
        };
        return Ok(d.and_time(NaiveTime::MIN));
    }
    time::parse_naive_datetime(text.trim()).map_err(|_| {
        format!(
            "expected a date like 2025-10-01 or a date-time like 2025-10-01T09:00, found {text:?}"
        )
    })
}

/// Parse events CSV bytes; `file_label` names the file in error messages.
pub fn parse_events(file_label: &str, bytes: &[u8]) -> Result<Vec<Event>, InputError> {
    let table = Table::parse(file_label, bytes)?;
    table.reject_unknown(&EVENT_COLUMNS)?;
    let c_start = table.require("start")?;
    let c_end = table.require("end")?;
    let c_kind = table.require("kind")?;
    let c_name = table.require("name")?;
    let c_queue = table.column("queue");
    let c_uplift = table.column("uplift");
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let start = parse_bound(table.nonempty(row, c_start)?, false)
            .map_err(|m| table.error(row, c_start, m))?;
        let end = parse_bound(table.nonempty(row, c_end)?, true)
            .map_err(|m| table.error(row, c_end, m))?;
        if end <= start {
            return Err(table.error(
                row,
                c_end,
                format!(
                    "the event ends ({}) before it starts ({}); expected an end after the start (a date-only end includes its whole day)",
                    table.text(row, c_end),
                    table.text(row, c_start)
                ),
            ));
        }
        let kind_text = table.nonempty(row, c_kind)?;
        let kind = EventKind::parse(kind_text).ok_or_else(|| {
            table.error(
                row,
                c_kind,
                format!(
                    "expected one of holiday, promotion, closure, campaign, found {kind_text:?}"
                ),
            )
        })?;
        let name = table.nonempty(row, c_name)?.to_string();
        let queue = table.optional(row, c_queue).map(str::to_string);
        let uplift = match c_uplift {
            Some(c) if !table.text(row, c).is_empty() => {
                let u = table.positive(row, c)?;
                if u > MAX_UPLIFT {
                    return Err(table.error(
                        row,
                        c,
                        format!("expected a volume multiplier from 0 to {MAX_UPLIFT}, found {u:e}"),
                    ));
                }
                Some(u)
            }
            _ => None,
        };
        out.push(Event { start, end, kind, name, queue, uplift });
    }
    Ok(out)
}

/// Write an events file atomically. Spans that start and end at midnight are written as dates
/// with an inclusive end (the form people write); others as date-times with an exclusive end.
pub fn write_events(path: &Path, events: &[Event]) -> Result<(), FileError> {
    let rows = events.iter().map(|e| {
        let whole_days = e.start.time() == NaiveTime::MIN && e.end.time() == NaiveTime::MIN;
        let (start, end) = if whole_days {
            (
                e.start.date().format("%Y-%m-%d").to_string(),
                (e.end.date() - Duration::days(1)).format("%Y-%m-%d").to_string(),
            )
        } else {
            (
                e.start.format("%Y-%m-%dT%H:%M").to_string(),
                e.end.format("%Y-%m-%dT%H:%M").to_string(),
            )
        };
        [
            start,
            end,
            e.kind.as_str().to_string(),
            e.name.clone(),
            e.queue.clone().unwrap_or_default(),
            e.uplift.map(|u| fmt_num(u, 6)).unwrap_or_default(),
        ]
    });
    write_csv_atomic(path, &EVENT_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_only_end_is_inclusive() {
        let ev = parse_events(
            "events.csv",
            b"start,end,kind,name,queue,uplift\n2025-10-01,2025-10-07,holiday,National Day,,0.4\n",
        )
        .unwrap();
        assert_eq!(ev[0].end - ev[0].start, Duration::days(7));
        assert_eq!(ev[0].uplift, Some(0.4));
        assert!(ev[0].applies_to("voice"));
    }

    #[test]
    fn end_before_start_is_an_error_at_the_end_column() {
        let e =
            parse_events("events.csv", b"start,end,kind,name\n2025-10-07,2025-10-01,holiday,x\n")
                .unwrap_err();
        assert!(e.to_string().starts_with("events.csv line 2, column end:"), "{e}");
    }
}
