//! history.csv: `interval_start,queue,contacts,aht_seconds` — offered contacts (and optionally
//! the mean handle time) per interval and queue: the input of every forecast.
//!
//! The reader turns a file into a [`History`]: records per queue sorted by time, every start on
//! the site's interval grid, no duplicates, and the *gaps* — open intervals inside a queue's span
//! that have no row — listed in [`History::gaps`]. A gap is never read as zero: a missing day in
//! an export is not a day without contacts, and averaging it in as zero would bend every forecast
//! (DESIGN.md: anomalous days must be kept out of the averages).
//!
//! What counts as *open* comes from [`ReadHistoryOptions::opening_hours`]. Without opening hours
//! the reader infers them per queue from the data itself: a (weekday, time-of-day) slot that has a
//! row on at least one day is open, every other slot is closed. So a site that exports only its
//! 08:00–22:00 intervals does not get its nights reported as gaps, while a missing Tuesday is.
//!
//! The interval length is given ([`ReadHistoryOptions::interval_minutes`]) or inferred as the
//! most common spacing between consecutive rows of a queue (5, 6, 10, 15, 30 or 60 minutes).
//! Rows whose start is not on that grid are errors naming the line.
//!
//! Daylight saving: timestamps are local wall-clock times in the site's zone (`tz`). On a
//! fall-back day the repeated hour may be written with an explicit UTC offset
//! (`2025-11-02T01:30-05:00`), or plainly twice in time order, as many ACD exports do: the
//! second plain occurrence of an ambiguous local time is read as the later instant.
//! A local time inside a spring-forward gap does not exist and is an error.
//!
//! Columns: `interval_start` and `contacts` are required; `queue` is optional (all rows then
//! belong to the queue `default`); `aht_seconds` is optional (per row: an empty field means
//! unknown). Any other column is an error, so a typo (`aht_second`) cannot silently drop data.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{Datelike, Duration, LocalResult, TimeZone};
use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_atomic, Table};
use crate::site::Site;
use crate::time::{self, IntervalGrid, OpeningHours, Stamp, INTERVAL_MINUTES_ALLOWED};

/// Queue name given to rows of a file without a `queue` column.
pub const DEFAULT_QUEUE: &str = "default";

/// Columns of history.csv, in the order the writer uses.
pub const HISTORY_COLUMNS: [&str; 4] = ["interval_start", "queue", "contacts", "aht_seconds"];

/// The longest span of one queue's history the reader accepts (20 years of days): the gap scan
/// walks every interval of the span, and no planning use needs more.
pub const MAX_SPAN_DAYS: i64 = 7305;

/// The most contacts one interval of one queue may have. Far above any contact centre, far
/// below where sums over a week or a what-if uplift could overflow to `inf`.
pub const MAX_CONTACTS_PER_INTERVAL: f64 = 1e9;

/// The longest mean handle time accepted, in seconds (one day).
pub const MAX_AHT_SECONDS: f64 = 86_400.0;

/// One observed interval of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub aht_seconds: Option<f64>,
}

/// A run of open intervals with no data (reported, never read as zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub queue: String,
    /// First missing interval start.
    pub from: Stamp,
    /// Number of missing intervals.
    pub intervals: usize,
}

/// A validated history: per queue, records sorted by time, no duplicates, all on the grid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub interval_minutes: u32,
    pub queues: BTreeMap<String, Vec<HistoryRecord>>,
    /// Missing intervals found while reading (inside the span of each queue's data).
    pub gaps: Vec<Gap>,
}

impl History {
    /// Number of records over all queues.
    pub fn len(&self) -> usize {
        self.queues.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total missing intervals over all gaps.
    pub fn missing_intervals(&self) -> usize {
        self.gaps.iter().map(|g| g.intervals).sum()
    }
}

/// How to read a history file.
#[derive(Debug, Clone)]
pub struct ReadHistoryOptions {
    /// The site's time zone: timestamps are local wall-clock times there.
    pub tz: Tz,
    /// Interval length; `None` infers it from the spacing of the rows.
    pub interval_minutes: Option<u32>,
    /// Opening hours, to tell closed intervals from missing ones; `None` infers them per queue
    /// from the (weekday, time-of-day) slots that have data.
    pub opening_hours: Option<OpeningHours>,
}

impl ReadHistoryOptions {
    /// Options with an inferred interval length and inferred opening hours.
    pub fn new(tz: Tz) -> Self {
        ReadHistoryOptions { tz, interval_minutes: None, opening_hours: None }
    }
}

impl ReadHistoryOptions {
    /// The site's time zone, interval length and opening hours from plan.toml.
    pub fn for_site(site: &Site) -> Self {
        ReadHistoryOptions {
            tz: site.time_zone(),
            interval_minutes: Some(site.grid.interval_minutes),
            opening_hours: Some(site.opening_hours.clone()),
        }
    }
}

/// Read and validate a history file.
pub fn read_history(path: &Path, options: &ReadHistoryOptions) -> Result<History, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::io(path, e))?;
    parse_history(&path.display().to_string(), &bytes, options)
}

/// A parsed row before grid checks.
struct Parsed {
    line: u64,
    stamp: Stamp,
    text: String,
    queue: String,
    contacts: f64,
    aht_seconds: Option<f64>,
}

/// Parse and validate history CSV bytes; `file_label` names the file in error messages.
pub fn parse_history(
    file_label: &str,
    bytes: &[u8],
    options: &ReadHistoryOptions,
) -> Result<History, FileError> {
    let tz = options.tz;
    if let Some(m) = options.interval_minutes {
        IntervalGrid::new(tz, m)?;
    }
    let table = Table::parse(file_label, bytes)?;
    table.reject_unknown(&HISTORY_COLUMNS)?;
    let c_start = table.require("interval_start")?;
    let c_contacts = table.require("contacts")?;
    let c_queue = table.column("queue");
    let c_aht = table.column("aht_seconds");

    let mut rows: Vec<Parsed> = Vec::with_capacity(table.rows.len());
    // (queue index, unix seconds) -> line of the row holding it.
    let mut seen: HashMap<(usize, i64), u64> = HashMap::with_capacity(table.rows.len());
    let mut queue_index: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let text = table.nonempty(row, c_start)?;
        let mut stamp = time::parse_local(text, tz).map_err(|m| table.error(row, c_start, m))?;
        let queue = match c_queue {
            Some(c) => table
                .nonempty(row, c)
                .map_err(|_| table.error(row, c, "expected a queue name, found an empty field"))?,
            None => DEFAULT_QUEUE,
        }
        .to_string();
        let contacts = bounded(&table, row, c_contacts, MAX_CONTACTS_PER_INTERVAL)?;
        let aht_seconds = match c_aht {
            Some(c) if !table.text(row, c).is_empty() => {
                Some(bounded(&table, row, c, MAX_AHT_SECONDS)?)
            }
            _ => None,
        };
        let next_index = queue_index.len();
        let qi = *queue_index.entry(queue.clone()).or_insert(next_index);
        if let Some(&first) = seen.get(&(qi, stamp.timestamp())) {
            // A fall-back hour written plainly twice: the second is the later instant.
            let later = repeated_hour_second_instant(text, &stamp);
            match later {
                Some(l) if !seen.contains_key(&(qi, l.timestamp())) => stamp = l,
                _ => {
                    return Err(table
                        .error(
                            row,
                            c_start,
                            format!(
                                "duplicate row: queue {queue:?} interval {} already given on line {first}",
                                time::format_local(&stamp)
                            ),
                        )
                        .into())
                }
            }
        }
        seen.insert((qi, stamp.timestamp()), row.line);
        rows.push(Parsed {
            line: row.line,
            stamp,
            text: text.to_string(),
            queue,
            contacts,
            aht_seconds,
        });
    }

    let (interval_minutes, inferred) = match options.interval_minutes {
        Some(m) => (m, false),
        None => (infer_interval_minutes(&rows), true),
    };
    let grid = IntervalGrid::new(tz, interval_minutes)?;
    for r in &rows {
        if !grid.is_aligned(&r.stamp) {
            let how = if inferred {
                " (inferred from the spacing of the rows; give --interval-minutes if that is wrong)"
            } else {
                ""
            };
            return Err(InputError::at(
                file_label,
                r.line,
                "interval_start",
                format!(
                    "{:?} is not an interval start on the {interval_minutes}-minute grid{how}: expected a time at a multiple of {interval_minutes} minutes past midnight",
                    r.text
                ),
            )
            .into());
        }
    }

    let mut queues: BTreeMap<String, Vec<HistoryRecord>> = BTreeMap::new();
    for r in rows {
        queues.entry(r.queue.clone()).or_default().push(HistoryRecord {
            interval_start: r.stamp,
            queue: r.queue,
            contacts: r.contacts,
            aht_seconds: r.aht_seconds,
        });
    }
    let mut gaps = Vec::new();
    for (name, records) in queues.iter_mut() {
        records.sort_by_key(|r| r.interval_start);
        let (first, last) = (records[0].interval_start, records[records.len() - 1].interval_start);
        let span_days = (last.date_naive() - first.date_naive()).num_days();
        if span_days > MAX_SPAN_DAYS {
            return Err(InputError::new(
                file_label,
                format!(
                    "queue {name:?} spans {span_days} days ({} to {}); expected at most {MAX_SPAN_DAYS} days",
                    time::format_local(&first),
                    time::format_local(&last)
                ),
            )
            .into());
        }
        gaps.extend(find_gaps(name, records, &grid, options.opening_hours.as_ref()));
    }
    Ok(History { interval_minutes, queues, gaps })
}

/// A number from 0 to `max`: larger values are errors, not an `inf` later in a sum.
fn bounded(
    table: &Table,
    row: &crate::io::table::Row,
    col: usize,
    max: f64,
) -> Result<f64, InputError> {
    let v = table.non_negative(row, col)?;
    if v > max {
        return Err(table.error(
            row,
            col,
            format!("expected a number from 0 to {max:e}, found {v:e}"),
        ));
    }
    Ok(v)
}

/// For a plainly written (no UTC offset) local time inside a fall-back overlap, the second of
/// its two instants, when `stamp` is the first.
fn repeated_hour_second_instant(text: &str, stamp: &Stamp) -> Option<Stamp> {
    time::parse_naive_datetime(text.trim()).ok()?;
    match stamp.timezone().from_local_datetime(&stamp.naive_local()) {
        LocalResult::Ambiguous(first, second) if first == *stamp => Some(second),
        _ => None,
    }
}

/// The most common spacing between consecutive rows of a queue, among the allowed interval
/// lengths; with no usable spacing (one row per queue), the longest allowed length every row is
/// aligned to.
fn infer_interval_minutes(rows: &[Parsed]) -> u32 {
    let mut by_queue: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in rows {
        by_queue.entry(&r.queue).or_default().push(r.stamp.timestamp());
    }
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for stamps in by_queue.values_mut() {
        stamps.sort_unstable();
        for w in stamps.windows(2) {
            let diff = w[1] - w[0];
            if diff % 60 == 0 {
                if let Ok(m) = u32::try_from(diff / 60) {
                    if INTERVAL_MINUTES_ALLOWED.contains(&m) {
                        *counts.entry(m).or_default() += 1;
                    }
                }
            }
        }
    }
    // Most frequent; ties go to the longer interval.
    if let Some((&m, _)) = counts.iter().max_by_key(|(&m, &n)| (n, m)) {
        return m;
    }
    for &m in INTERVAL_MINUTES_ALLOWED.iter().rev() {
        if rows.iter().all(|r| time::minute_of_day(&r.stamp) % m == 0) {
            return m;
        }
    }
    // Nothing fits: the finest grid, so the alignment check names the offending row.
    INTERVAL_MINUTES_ALLOWED[0]
}

/// Runs of open intervals without a record between a queue's first and last record. A run
/// continues across closed intervals; it ends at the next interval that has data.
pub fn find_gaps(
    queue: &str,
    records: &[HistoryRecord],
    grid: &IntervalGrid,
    opening_hours: Option<&OpeningHours>,
) -> Vec<Gap> {
    let slots = grid.slots_per_day();
    // Inferred opening: (weekday, slot of day) pairs that have data on some day.
    let inferred: Option<Vec<bool>> = match opening_hours {
        Some(_) => None,
        None => {
            let mut open = vec![false; 7 * slots];
            for r in records {
                open[weekday_slot(grid, &r.interval_start, slots)] = true;
            }
            Some(open)
        }
    };
    let is_open = |s: &Stamp| match (&inferred, opening_hours) {
        (Some(open), _) => open[weekday_slot(grid, s, slots)],
        (None, Some(h)) => h.is_open(s),
        (None, None) => true,
    };
    let first = records[0].interval_start;
    let last = records[records.len() - 1].interval_start;
    let mut gaps = Vec::new();
    let mut current: Option<Gap> = None;
    let mut next_record = 0usize;
    let mut date = first.date_naive();
    while date <= last.date_naive() {
        for s in grid.day_starts(date) {
            if s < first || s > last {
                continue;
            }
            while next_record < records.len() && records[next_record].interval_start < s {
                next_record += 1;
            }
            let present = next_record < records.len() && records[next_record].interval_start == s;
            if present {
                if let Some(g) = current.take() {
                    gaps.push(g);
                }
            } else if is_open(&s) {
                match &mut current {
                    Some(g) => g.intervals += 1,
                    None => current = Some(Gap { queue: queue.to_string(), from: s, intervals: 1 }),
                }
            }
        }
        date += Duration::days(1);
    }
    if let Some(g) = current {
        gaps.push(g);
    }
    gaps
}

fn weekday_slot(grid: &IntervalGrid, stamp: &Stamp, slots: usize) -> usize {
    let day = stamp.naive_local().weekday().num_days_from_monday() as usize;
    day * slots + grid.slot_of_day(stamp).min(slots - 1)
}

/// Write a history file atomically, rows in time order and, within an interval, by queue.
/// Numbers keep up to 6 decimals (trailing zeros trimmed), so integers stay integers and a
/// written file reads back to the same records.
pub fn write_history(path: &Path, history: &History) -> Result<(), FileError> {
    write_atomic(path, |w| write_history_to(w, history).map_err(|e| FileError::io(path, e)))
}

/// Write history CSV to any writer (stdout for `-`), in the order of [`write_history`].
pub fn write_history_to(w: &mut dyn std::io::Write, history: &History) -> std::io::Result<()> {
    let mut all: Vec<&HistoryRecord> = history.queues.values().flatten().collect();
    all.sort_by(|a, b| a.interval_start.cmp(&b.interval_start).then_with(|| a.queue.cmp(&b.queue)));
    let rows = all.into_iter().map(|r| {
        [
            time::format_local(&r.interval_start),
            r.queue.clone(),
            fmt_num(r.contacts, 6),
            r.aht_seconds.map(|a| fmt_num(a, 6)).unwrap_or_default(),
        ]
    });
    w.write_all(crate::io::table::csv_bom())?;
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HISTORY_COLUMNS)?;
    for r in rows {
        out.write_record(r)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> Tz {
        time::parse_time_zone("Asia/Shanghai").unwrap()
    }

    fn parse(text: &str) -> Result<History, FileError> {
        parse_history("history.csv", text.as_bytes(), &ReadHistoryOptions::new(shanghai()))
    }

    #[test]
    fn interval_is_inferred_from_row_spacing() {
        let h = parse(
            "interval_start,queue,contacts,aht_seconds\n\
             2025-03-03T09:00,voice,10,240\n2025-03-03T09:15,voice,12,\n2025-03-03T09:30,voice,11,250\n",
        )
        .unwrap();
        assert_eq!(h.interval_minutes, 15);
        assert_eq!(h.queues["voice"].len(), 3);
        assert_eq!(h.queues["voice"][1].aht_seconds, None);
        assert!(h.gaps.is_empty());
    }

    #[test]
    fn missing_queue_column_means_default() {
        let h = parse("interval_start,contacts\n2025-03-03T09:00,4\n2025-03-03T09:30,5\n").unwrap();
        assert_eq!(h.queues.keys().collect::<Vec<_>>(), vec![DEFAULT_QUEUE]);
        assert_eq!(h.interval_minutes, 30);
    }
}
