//! The interval frame: one queue × slot table on the site's grid, built from a stage file's
//! rows once, with the row checks done here.
//!
//! Staffing reads forecast rows, the schedule requirement rows and the simulation forecast rows;
//! each needs the same table — a row per plan.toml queue, a column per interval of the horizon —
//! and the same checks: every row names a queue of the site, lies on the site's interval grid,
//! and appears once. [`IntervalFrame::from_rows`] lays any such rows onto an
//! [`ndarray::Array2`] and says which row broke which rule. The slot axis steps in absolute time
//! from the first row to the last, so a daylight-saving day has 23 or 25 hours of slots.
//!
//! A leaf of the library: it imports only [`crate::time`] and [`crate::site`].

use chrono::Duration;
use ndarray::Array2;

use crate::site::Site;
use crate::time::{format_local, Stamp};

/// Longest horizon a frame holds: about 142 years of 15-minute intervals. Anything longer is a
/// typo in a date, not a plan, and would only exhaust memory.
pub const MAX_SLOTS: usize = 5_000_000;

/// The slot axis: interval starts from `first`, `step_seconds` apart, `len` of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotAxis {
    pub first: Stamp,
    pub step_seconds: i64,
    pub len: usize,
}

impl SlotAxis {
    /// Start of slot `i`.
    pub fn stamp(&self, i: usize) -> Stamp {
        self.first + Duration::seconds(i as i64 * self.step_seconds)
    }

    /// Every slot's start, in time order.
    pub fn stamps(&self) -> Vec<Stamp> {
        (0..self.len).map(|i| self.stamp(i)).collect()
    }

    /// The slot starting at `stamp`, if it is one of the axis.
    pub fn slot_of(&self, stamp: &Stamp) -> Option<usize> {
        let offset = (*stamp - self.first).num_seconds();
        if offset < 0 || offset % self.step_seconds != 0 {
            return None;
        }
        let i = (offset / self.step_seconds) as usize;
        (i < self.len).then_some(i)
    }
}

/// A row that cannot be laid on the frame.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    #[error("{file}: no rows")]
    Empty { file: String },
    #[error(
        "{file}{line}: queue {queue:?} at {interval_start} is not a queue of plan.toml (queues: {known})"
    )]
    UnknownQueue {
        file: String,
        line: LineRef,
        queue: String,
        interval_start: String,
        known: String,
    },
    #[error(
        "{file}{line}: queue {queue:?} at {interval_start} is not on the site's {interval_minutes}-minute grid"
    )]
    OffGrid {
        file: String,
        line: LineRef,
        queue: String,
        interval_start: String,
        interval_minutes: u32,
    },
    #[error("{file}{line}: queue {queue:?} at {interval_start} appears twice")]
    Duplicate { file: String, line: LineRef, queue: String, interval_start: String },
    #[error("{file}: the rows span {from} to {to}: more than {max} intervals")]
    TooLong { file: String, from: String, to: String, max: usize },
}

/// The 1-based line of a row in its file, when the rows came from one (printed as ` line N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineRef(pub Option<u64>);

impl std::fmt::Display for LineRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(line) => write!(f, " line {line}"),
            None => Ok(()),
        }
    }
}

/// Where one row goes: its queue and interval, and the line it came from.
#[derive(Debug, Clone, Copy)]
pub struct RowKey<'a> {
    pub queue: &'a str,
    pub interval_start: Stamp,
    pub line: Option<u64>,
}

/// A row made in memory (no file line) that says its own queue and interval: the forecast's and
/// the requirements' rows, which staffing, the schedule and the simulation lay on a frame
/// ([`IntervalFrame::of_rows`]).
pub trait QueueInterval {
    fn queue(&self) -> &str;
    fn interval_start(&self) -> Stamp;
}

/// A queue × slot table of `T` on the site's grid; `None` where no row was given.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalFrame<T> {
    pub axis: SlotAxis,
    /// Row `q` of [`IntervalFrame::cells`] is the site's `q`-th queue.
    pub queues: Vec<String>,
    pub cells: Array2<Option<T>>,
}

impl<'r, R: QueueInterval> IntervalFrame<&'r R> {
    /// Lay in-memory `rows` on the site's grid by their own queue and interval, each cell holding
    /// its row ([`IntervalFrame::from_rows`] with no line numbers).
    pub fn of_rows(site: &Site, file: &str, rows: &'r [R]) -> Result<Self, FrameError> {
        IntervalFrame::from_rows(
            site,
            file,
            rows,
            |r| RowKey { queue: r.queue(), interval_start: r.interval_start(), line: None },
            |r| r,
        )
    }
}

impl<T: Clone> IntervalFrame<T> {
    /// Lay `rows` on the site's grid, from the earliest row's interval to the latest. `file`
    /// names the rows' source in errors; `key` says where a row goes and `value` what it holds.
    pub fn from_rows<'r, R>(
        site: &Site,
        file: &str,
        rows: &'r [R],
        key: impl Fn(&'r R) -> RowKey<'r>,
        value: impl Fn(&'r R) -> T,
    ) -> Result<IntervalFrame<T>, FrameError> {
        let first = rows.iter().map(|r| key(r).interval_start).min();
        let last = rows.iter().map(|r| key(r).interval_start).max();
        let (Some(first), Some(last)) = (first, last) else {
            return Err(FrameError::Empty { file: file.to_string() });
        };
        let step_seconds = i64::from(site.grid.interval_minutes) * 60;
        let span = (last - first).num_seconds() / step_seconds + 1;
        if span as u64 > MAX_SLOTS as u64 {
            return Err(FrameError::TooLong {
                file: file.to_string(),
                from: format_local(&first),
                to: format_local(&last),
                max: MAX_SLOTS,
            });
        }
        let axis = SlotAxis { first, step_seconds, len: span as usize };
        let mut frame = IntervalFrame {
            axis,
            queues: site.queue_names(),
            cells: Array2::from_elem((site.queues.len(), axis.len), None),
        };
        for row in rows {
            let k = key(row);
            let (q, slot) = frame.locate(site, file, &k)?;
            let cell = &mut frame.cells[[q, slot]];
            if cell.is_some() {
                return Err(FrameError::Duplicate {
                    file: file.to_string(),
                    line: LineRef(k.line),
                    queue: k.queue.to_string(),
                    interval_start: format_local(&k.interval_start),
                });
            }
            *cell = Some(value(row));
        }
        Ok(frame)
    }

    /// Queue row and slot of a key, or why it has none.
    fn locate(&self, site: &Site, file: &str, k: &RowKey) -> Result<(usize, usize), FrameError> {
        let q = site.queue_index(k.queue).ok_or_else(|| FrameError::UnknownQueue {
            file: file.to_string(),
            line: LineRef(k.line),
            queue: k.queue.to_string(),
            interval_start: format_local(&k.interval_start),
            known: self.queues.join(", "),
        })?;
        let slot = self
            .axis
            .slot_of(&k.interval_start)
            .filter(|_| site.grid.is_aligned(&k.interval_start))
            .ok_or_else(|| FrameError::OffGrid {
                file: file.to_string(),
                line: LineRef(k.line),
                queue: k.queue.to_string(),
                interval_start: format_local(&k.interval_start),
                interval_minutes: site.grid.interval_minutes,
            })?;
        Ok((q, slot))
    }

    /// The cell of queue row `q` at slot `slot`.
    pub fn get(&self, q: usize, slot: usize) -> Option<&T> {
        self.cells[[q, slot]].as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::QueueConfig;
    use crate::time::{parse_local, IntervalGrid, OpeningHours};
    use chrono::Weekday;

    fn queue(name: &str) -> QueueConfig {
        toml::from_str(&format!("name = {name:?}\nchannel = \"email\"\ndeadline_minutes = 120"))
            .unwrap()
    }

    fn site(tz: &str) -> Site {
        let grid = IntervalGrid::new(tz.parse().unwrap(), 30).unwrap();
        let queues = vec![queue("voice"), queue("chat")];
        Site::new("s", grid, OpeningHours::always(), Weekday::Mon, queues).unwrap()
    }

    struct Row {
        queue: &'static str,
        at: Stamp,
        line: u64,
        contacts: f64,
    }

    fn row(s: &Site, queue: &'static str, at: &str, line: u64, contacts: f64) -> Row {
        Row { queue, at: parse_local(at, s.time_zone()).unwrap(), line, contacts }
    }

    fn frame(s: &Site, rows: &[Row]) -> Result<IntervalFrame<f64>, FrameError> {
        IntervalFrame::from_rows(
            s,
            "forecast.csv",
            rows,
            |r| RowKey { queue: r.queue, interval_start: r.at, line: Some(r.line) },
            |r| r.contacts,
        )
    }

    #[test]
    fn rows_land_on_their_queue_and_slot() {
        let s = site("Asia/Shanghai");
        let rows = [
            row(&s, "chat", "2025-03-03T10:00", 2, 5.0),
            row(&s, "voice", "2025-03-03T09:00", 3, 7.0),
        ];
        let f = frame(&s, &rows).unwrap();
        // 09:00 to 10:00 on a 30-minute grid: three slots; voice is the site's first queue.
        assert_eq!(f.axis.len, 3);
        assert_eq!(f.get(0, 0), Some(&7.0));
        assert_eq!(f.get(1, 2), Some(&5.0));
        assert_eq!(f.get(0, 1), None);
        assert_eq!(f.axis.slot_of(&rows[0].at), Some(2));
    }

    #[test]
    fn each_bad_row_is_named_with_its_line() {
        let s = site("Asia/Shanghai");
        let unknown = [
            row(&s, "voice", "2025-03-03T09:00", 2, 1.0),
            row(&s, "fax", "2025-03-03T09:00", 3, 1.0),
        ];
        let e = frame(&s, &unknown).unwrap_err().to_string();
        assert_eq!(
            e,
            "forecast.csv line 3: queue \"fax\" at 2025-03-03T09:00 is not a queue of plan.toml (queues: voice, chat)"
        );
        let off = [
            row(&s, "voice", "2025-03-03T09:00", 2, 1.0),
            row(&s, "voice", "2025-03-03T09:15", 3, 1.0),
        ];
        let e = frame(&s, &off).unwrap_err().to_string();
        assert!(e.starts_with("forecast.csv line 3:") && e.contains("30-minute grid"), "{e}");
        let twice = [
            row(&s, "voice", "2025-03-03T09:00", 2, 1.0),
            row(&s, "voice", "2025-03-03T09:00", 4, 1.0),
        ];
        let e = frame(&s, &twice).unwrap_err().to_string();
        assert_eq!(e, "forecast.csv line 4: queue \"voice\" at 2025-03-03T09:00 appears twice");
        assert!(matches!(frame(&s, &[]), Err(FrameError::Empty { .. })));
    }

    #[test]
    fn a_fall_back_day_has_25_hours_of_slots() {
        // Europe/London falls back on 2025-10-26: 50 half-hour intervals from midnight to
        // midnight of the next day (exclusive of the last), so 51 slots to its 00:00.
        let s = site("Europe/London");
        let rows = [
            row(&s, "voice", "2025-10-26T00:00", 2, 1.0),
            row(&s, "voice", "2025-10-27T00:00", 3, 1.0),
        ];
        let f = frame(&s, &rows).unwrap();
        assert_eq!(f.axis.len, 51);
    }

    #[test]
    fn a_horizon_of_centuries_is_refused_before_allocating() {
        let s = site("UTC");
        let rows = [
            row(&s, "voice", "2025-03-03T09:00", 2, 1.0),
            row(&s, "voice", "9999-03-03T09:00", 3, 1.0),
        ];
        assert!(matches!(frame(&s, &rows), Err(FrameError::TooLong { .. })));
    }
}
