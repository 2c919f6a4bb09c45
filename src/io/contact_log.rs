//! Contact log CSV, one row per contact: `arrived_at,queue,handle_seconds,abandoned` — what a
//! planner exports from the ACD — and its aggregation into interval history.
//!
//! [`aggregate`] counts *offered* contacts per interval (answered and abandoned alike: the
//! forecast predicts demand, not what was served) and takes the handle time of the interval as
//! the mean `handle_seconds` of its answered contacts (AHT = Σ handle / answered; an interval
//! with no answered contact has no AHT).
//!
//! Unlike a history file, a contact log has no "missing rows": an interval inside the log's span
//! without a contact really had none. Zero rows are therefore written for empty intervals — but
//! only for open ones. Opening hours are given ([`aggregate_with_hours`]) or inferred, as in
//! [`crate::io::history`], from the (weekday, time-of-day) slots that have a contact on some day.
//!
//! Columns: `arrived_at` required (local time in the site's zone, seconds allowed, optional UTC
//! offset for the repeated fall-back hour); `queue` optional (→ `default`); `handle_seconds`
//! optional (talk + hold + wrap-up of an answered contact; empty when abandoned);
//! `abandoned` optional (`true|false|1|0|yes|no`, empty = false).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Duration, Timelike};
use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::history::{Gap, History, HistoryRecord, DEFAULT_QUEUE, MAX_SPAN_DAYS};
use crate::io::table::Table;
use crate::time::{self, IntervalGrid, OpeningHours, Stamp};

/// Columns of a contact log.
pub const CONTACT_LOG_COLUMNS: [&str; 4] = ["arrived_at", "queue", "handle_seconds", "abandoned"];

#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecord {
    pub arrived_at: Stamp,
    pub queue: String,
    pub handle_seconds: Option<f64>,
    pub abandoned: bool,
}

/// Read a contact log; times are local wall-clock times in `tz`.
pub fn read_contact_log(path: &Path, tz: Tz) -> Result<Vec<ContactRecord>, FileError> {
    let bytes = crate::io::table::read_input(path)?;
    Ok(parse_contact_log(&path.display().to_string(), &bytes, tz)?)
}

/// Parse contact-log CSV bytes; `file_label` names the file in error messages.
pub fn parse_contact_log(
    file_label: &str,
    bytes: &[u8],
    tz: Tz,
) -> Result<Vec<ContactRecord>, InputError> {
    let table = Table::parse(file_label, bytes)?;
    table.reject_unknown(&CONTACT_LOG_COLUMNS)?;
    let c_at = table.require("arrived_at")?;
    let c_queue = table.column("queue");
    let c_handle = table.column("handle_seconds");
    let c_abandoned = table.column("abandoned");
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let text = table.nonempty(row, c_at)?;
        let arrived_at = time::parse_local(text, tz).map_err(|m| table.error(row, c_at, m))?;
        let queue = match c_queue {
            Some(c) => table
                .nonempty(row, c)
                .map_err(|_| table.error(row, c, "expected a queue name, found an empty field"))?,
            None => DEFAULT_QUEUE,
        }
        .to_string();
        let handle_seconds = match c_handle {
            Some(c) if !table.text(row, c).is_empty() => Some(table.non_negative(row, c)?),
            _ => None,
        };
        let abandoned = match table.optional(row, c_abandoned) {
            None => false,
            Some(t) => parse_bool(t).ok_or_else(|| {
                table.error(
                    row,
                    c_abandoned.unwrap_or(0),
                    format!("expected true/false, 1/0 or yes/no, found {t:?}"),
                )
            })?,
        };
        out.push(ContactRecord { arrived_at, queue, handle_seconds, abandoned });
    }
    Ok(out)
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// The interval start containing `stamp`: its local time rounded down to the grid. Intervals
/// divide an hour and DST changes happen on the hour, so stepping back less than one interval
/// in absolute time never crosses a change.
pub fn interval_of(grid: &IntervalGrid, stamp: &Stamp) -> Stamp {
    let minutes = time::minute_of_day(stamp) % grid.interval_minutes;
    let t = stamp.naive_local().time();
    *stamp
        - Duration::minutes(i64::from(minutes))
        - Duration::seconds(i64::from(t.second()))
        - Duration::nanoseconds(i64::from(t.nanosecond()))
}

/// Aggregate contacts into interval history, inferring opening hours from the log.
pub fn aggregate(records: &[ContactRecord], grid: &IntervalGrid) -> History {
    aggregate_with_hours(records, grid, None)
}

/// Aggregate contacts into interval history. Every open interval between a queue's first and
/// last contact gets a row (zero when it had no contact); closed intervals get none.
pub fn aggregate_with_hours(
    records: &[ContactRecord],
    grid: &IntervalGrid,
    opening_hours: Option<&OpeningHours>,
) -> History {
    #[derive(Default)]
    struct Bucket {
        contacts: u64,
        answered_with_handle: u64,
        handle_total: f64,
    }
    // queue -> interval (unix seconds) -> bucket
    let mut by_queue: BTreeMap<&str, BTreeMap<i64, (Stamp, Bucket)>> = BTreeMap::new();
    for r in records {
        let start = interval_of(grid, &r.arrived_at.with_timezone(&grid.tz));
        let b = &mut by_queue
            .entry(r.queue.as_str())
            .or_default()
            .entry(start.timestamp())
            .or_insert_with(|| (start, Bucket::default()))
            .1;
        b.contacts += 1;
        if let (false, Some(h)) = (r.abandoned, r.handle_seconds) {
            b.answered_with_handle += 1;
            b.handle_total += h;
        }
    }
    let slots = grid.slots_per_day();
    let mut queues = BTreeMap::new();
    for (queue, buckets) in by_queue {
        let mut open_slots = vec![false; 7 * slots];
        for (stamp, _) in buckets.values() {
            let day = stamp.naive_local().weekday().num_days_from_monday() as usize;
            open_slots[day * slots + grid.slot_of_day(stamp).min(slots - 1)] = true;
        }
        let is_open = |s: &Stamp| match opening_hours {
            Some(h) => h.is_open(s),
            None => {
                let day = s.naive_local().weekday().num_days_from_monday() as usize;
                open_slots[day * slots + grid.slot_of_day(s).min(slots - 1)]
            }
        };
        let first = buckets.values().next().map(|(s, _)| *s).expect("non-empty");
        let last = buckets.values().next_back().map(|(s, _)| *s).expect("non-empty");
        let mut out = Vec::new();
        let to_record = |s: Stamp, b: Option<&Bucket>| HistoryRecord {
            interval_start: s,
            queue: queue.to_string(),
            contacts: b.map_or(0.0, |b| b.contacts as f64),
            aht_seconds: b
                .filter(|b| b.answered_with_handle > 0)
                .map(|b| b.handle_total / b.answered_with_handle as f64),
        };
        if (last.date_naive() - first.date_naive()).num_days() > MAX_SPAN_DAYS {
            // Too long to fill: keep the intervals that had contacts.
            out.extend(buckets.values().map(|(s, b)| to_record(*s, Some(b))));
        } else {
            let mut date = first.date_naive();
            while date <= last.date_naive() {
                for s in grid.day_starts(date) {
                    if s < first || s > last {
                        continue;
                    }
                    match buckets.get(&s.timestamp()) {
                        Some((_, b)) => out.push(to_record(s, Some(b))),
                        None if is_open(&s) => out.push(to_record(s, None)),
                        None => {}
                    }
                }
                date += Duration::days(1);
            }
        }
        queues.insert(queue.to_string(), out);
    }
    History { interval_minutes: grid.interval_minutes, queues, gaps: Vec::<Gap>::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> Tz {
        time::parse_time_zone("Asia/Shanghai").unwrap()
    }

    #[test]
    fn aht_is_the_mean_of_answered_contacts_only() {
        let log = parse_contact_log(
            "calls.csv",
            b"arrived_at,queue,handle_seconds,abandoned\n\
              2025-03-03T09:01:10,voice,200,false\n\
              2025-03-03T09:14:59,voice,300,0\n\
              2025-03-03T09:05:00,voice,,true\n\
              2025-03-03T09:15:00,voice,100,no\n",
            shanghai(),
        )
        .unwrap();
        let grid = IntervalGrid::new(shanghai(), 15).unwrap();
        let h = aggregate(&log, &grid);
        let v = &h.queues["voice"];
        assert_eq!(v.len(), 2);
        assert_eq!(time::format_local(&v[0].interval_start), "2025-03-03T09:00");
        assert_eq!(v[0].contacts, 3.0);
        assert_eq!(v[0].aht_seconds, Some(250.0));
        assert_eq!(v[1].contacts, 1.0);
        assert_eq!(v[1].aht_seconds, Some(100.0));
    }

    #[test]
    fn empty_open_intervals_are_zero_and_closed_ones_absent() {
        // Contacts at 09:00 and 09:30 on Monday: 09:15 is inside the span but no Monday has a
        // contact at 09:15, so it is inferred closed; with explicit 24h hours it is a zero.
        let log = parse_contact_log(
            "calls.csv",
            b"arrived_at\n2025-03-03T09:00\n2025-03-03T09:31\n",
            shanghai(),
        )
        .unwrap();
        let grid = IntervalGrid::new(shanghai(), 15).unwrap();
        assert_eq!(aggregate(&log, &grid).queues["default"].len(), 2);
        let h = aggregate_with_hours(&log, &grid, Some(&OpeningHours::always()));
        let counts: Vec<f64> = h.queues["default"].iter().map(|r| r.contacts).collect();
        assert_eq!(counts, vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn bad_abandoned_flag_names_line_and_column() {
        let e = parse_contact_log(
            "calls.csv",
            b"arrived_at,abandoned\n2025-03-03T09:00,maybe\n",
            shanghai(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "calls.csv line 2, column abandoned: expected true/false, 1/0 or yes/no, found \"maybe\""
        );
    }
}
