//! history.csv: `interval_start,queue,contacts,aht_seconds` — offered contacts (and optionally
//! the mean handle time) per interval and queue: the input of every forecast.
//!
//! The reader turns a file into a [`HistoryFrame`]: per queue, columns of interval starts,
//! contacts and handle times sorted by time (24 bytes an interval, so a large file needs about
//! its own size in memory), every start on the site's interval grid, no duplicates, and the
//! *gaps* — open intervals inside a queue's span that have no row — listed in
//! [`HistoryFrame::gaps`]. The stages take the frame; [`History`] holds the same as one record
//! per interval for the row-wise tools (aggregating a contact log, the generator's writer).
//! A gap is never read as zero: a missing day in an export is not a day without contacts, and
//! averaging it in as zero would bend every forecast (DESIGN.md: anomalous days must be kept
//! out of the averages).
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

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Duration, LocalResult, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::error::{FileError, InputError};
use crate::io::table::{self, fmt_num, write_atomic, NameIndex};
use crate::site::Site;
use crate::time::{
    self, IntervalGrid, OpeningHours, Stamp, TimeError, ZoneClock, INTERVAL_MINUTES_ALLOWED,
};

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
    /// The last local day with a record, over all queues.
    pub fn last_day(&self) -> Option<chrono::NaiveDate> {
        self.queues.values().filter_map(|r| r.last()).map(|r| r.interval_start.date_naive()).max()
    }

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

    /// The same history column by column, its stamps read in zone `tz` (the zone they carry).
    pub fn into_frame(self, tz: Tz) -> HistoryFrame {
        let queues = self
            .queues
            .into_iter()
            .map(|(queue, records)| QueueSeries {
                queue,
                starts: records.iter().map(|r| r.interval_start.timestamp()).collect(),
                contacts: records.iter().map(|r| r.contacts).collect(),
                aht_seconds: records.iter().map(|r| r.aht_seconds.unwrap_or(f64::NAN)).collect(),
            })
            .collect();
        HistoryFrame { tz, interval_minutes: self.interval_minutes, queues, gaps: self.gaps }
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

/// Read and validate a history file, streaming it (see [`read_history_frame`]).
pub fn read_history(path: &Path, options: &ReadHistoryOptions) -> Result<History, FileError> {
    Ok(read_history_frame(path, options)?.into_history())
}

/// Parse and validate history CSV bytes; `file_label` names the file in error messages.
pub fn parse_history(
    file_label: &str,
    bytes: &[u8],
    options: &ReadHistoryOptions,
) -> Result<History, FileError> {
    Ok(parse_history_frame(file_label, bytes, options)?.into_history())
}

/// One queue's validated history, column by column, in time order.
#[derive(Debug, Clone, Default)]
pub struct QueueSeries {
    pub queue: String,
    /// Interval starts as Unix seconds.
    pub starts: Vec<i64>,
    pub contacts: Vec<f64>,
    /// Mean handle time per interval; NaN where the file gave none.
    pub aht_seconds: Vec<f64>,
}

/// Equal when every interval is: a handle time given by neither (NaN in both) is equal, as
/// `None == None` for records.
impl PartialEq for QueueSeries {
    fn eq(&self, other: &QueueSeries) -> bool {
        let same_aht = |(a, b): (&f64, &f64)| a == b || (a.is_nan() && b.is_nan());
        self.queue == other.queue
            && self.starts == other.starts
            && self.contacts == other.contacts
            && self.aht_seconds.len() == other.aht_seconds.len()
            && self.aht_seconds.iter().zip(&other.aht_seconds).all(same_aht)
    }
}

impl QueueSeries {
    /// Interval `i` as a record; `clock` is in the frame's zone.
    pub fn record(&self, i: usize, clock: &mut ZoneClock) -> HistoryRecord {
        HistoryRecord {
            interval_start: clock.stamp(self.starts[i]).expect("a validated instant"),
            queue: self.queue.clone(),
            contacts: self.contacts[i],
            aht_seconds: (!self.aht_seconds[i].is_nan()).then_some(self.aht_seconds[i]),
        }
    }
}

/// A validated history held column by column (24 bytes per interval, less than a history.csv
/// row), so a large file read into it needs less memory than its own size. Same checks and
/// gaps as [`History`], which [`HistoryFrame::into_history`] builds from it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFrame {
    pub tz: Tz,
    pub interval_minutes: u32,
    /// Queues sorted by name.
    pub queues: Vec<QueueSeries>,
    pub gaps: Vec<Gap>,
}

impl HistoryFrame {
    /// A frame from validated series (sorted, on the grid, no duplicates), its gaps found with
    /// `opening_hours` (inferred from the data when `None`).
    pub fn new(
        grid: IntervalGrid,
        mut queues: Vec<QueueSeries>,
        opening_hours: Option<&OpeningHours>,
    ) -> HistoryFrame {
        queues.sort_by(|a, b| a.queue.cmp(&b.queue));
        let slots = grid.slots_per_day();
        let mut gaps = Vec::new();
        for q in &queues {
            let open = match opening_hours {
                Some(h) => Opening::Hours(h),
                None => {
                    let mut open = vec![false; 7 * slots];
                    let mut clock = ZoneClock::new(grid.tz);
                    for &t in &q.starts {
                        let s = clock.stamp(t).expect("valid");
                        open[weekday_slot(&grid, &s, slots)] = true;
                    }
                    Opening::Slots(open)
                }
            };
            gaps.extend(gaps_of(&q.queue, &q.starts, &grid, &open));
        }
        HistoryFrame { tz: grid.tz, interval_minutes: grid.interval_minutes, queues, gaps }
    }

    /// Number of intervals over all queues.
    pub fn len(&self) -> usize {
        self.queues.iter().map(|q| q.starts.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The local stamp of a Unix time in the frame's zone.
    pub fn stamp(&self, unix_seconds: i64) -> Stamp {
        self.tz.timestamp_opt(unix_seconds, 0).single().expect("a validated instant")
    }

    /// A frame without intervals on `grid`.
    pub fn empty(grid: IntervalGrid) -> HistoryFrame {
        HistoryFrame {
            tz: grid.tz,
            interval_minutes: grid.interval_minutes,
            queues: Vec::new(),
            gaps: Vec::new(),
        }
    }

    /// A copy holding only the queues `keep` names (and their gaps).
    pub fn only(&self, keep: impl Fn(&str) -> bool) -> HistoryFrame {
        HistoryFrame {
            tz: self.tz,
            interval_minutes: self.interval_minutes,
            queues: self.queues.iter().filter(|q| keep(&q.queue)).cloned().collect(),
            gaps: self.gaps.iter().filter(|g| keep(&g.queue)).cloned().collect(),
        }
    }

    /// The series of queue `name`.
    pub fn queue(&self, name: &str) -> Option<&QueueSeries> {
        let i = self.queues.binary_search_by(|q| q.queue.as_str().cmp(name)).ok()?;
        Some(&self.queues[i])
    }

    /// Queue names, sorted.
    pub fn queue_names(&self) -> impl Iterator<Item = &str> {
        self.queues.iter().map(|q| q.queue.as_str())
    }

    /// The first local day with an interval, over all queues.
    pub fn first_day(&self) -> Option<chrono::NaiveDate> {
        let first = self.queues.iter().filter_map(|q| q.starts.first()).min()?;
        Some(self.stamp(*first).date_naive())
    }

    /// The last local day with an interval, over all queues.
    pub fn last_day(&self) -> Option<chrono::NaiveDate> {
        let last = self.queues.iter().filter_map(|q| q.starts.last()).max()?;
        Some(self.stamp(*last).date_naive())
    }

    /// Judge queue `name`'s gaps by `hours` (its own opening hours) instead of those the
    /// frame was read with.
    pub fn judge_gaps(&mut self, name: &str, hours: &OpeningHours) -> Result<(), TimeError> {
        let Some(q) = self.queue(name) else { return Ok(()) };
        let gaps =
            gaps_in(name, &q.starts, &IntervalGrid::new(self.tz, self.interval_minutes)?, hours);
        self.gaps.retain(|g| g.queue != name);
        self.gaps.extend(gaps);
        Ok(())
    }

    /// The records with starts in `[from, to)` (Unix seconds) of the queues `names` (all
    /// queues: `None`), by queue then time: a window of the history as rows, without the rest.
    pub fn records_between(
        &self,
        names: Option<&[&str]>,
        from: i64,
        to: i64,
    ) -> Vec<HistoryRecord> {
        let mut clock = ZoneClock::new(self.tz);
        let mut records = Vec::new();
        let wanted = |q: &&QueueSeries| names.is_none_or(|n| n.contains(&q.queue.as_str()));
        for q in self.queues.iter().filter(wanted) {
            let lo = q.starts.partition_point(|&t| t < from);
            let hi = q.starts.partition_point(|&t| t < to);
            records.extend((lo..hi).map(|i| q.record(i, &mut clock)));
        }
        records
    }

    /// The records per queue, as the stages take them.
    pub fn into_history(self) -> History {
        let mut queues = BTreeMap::new();
        let mut clock = ZoneClock::new(self.tz);
        // Each queue's columns are freed as soon as its records exist, so the columns and the
        // records are held together for one queue at a time.
        for q in self.queues {
            let records = (0..q.starts.len()).map(|i| q.record(i, &mut clock)).collect();
            queues.insert(q.queue, records);
        }
        History { interval_minutes: self.interval_minutes, queues, gaps: self.gaps }
    }
}

/// Read a history file (`-`: standard input) into a [`HistoryFrame`], one record at a time: memory holds the parsed
/// values (32 bytes per row while reading, 24 after), never the file or its text.
pub fn read_history_frame(
    path: &Path,
    options: &ReadHistoryOptions,
) -> Result<HistoryFrame, FileError> {
    let reader: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| FileError::io(path, e))?)
    };
    let reader = std::io::BufReader::with_capacity(1 << 16, reader);
    parse_history_frame(&path.display().to_string(), reader, options).map_err(|e| match e {
        FileError::Io { source, .. } => FileError::io(path, source),
        other => other,
    })
}

/// A row as read, before the grid and duplicate checks (32 bytes).
#[derive(Debug, Clone, Copy)]
struct Pending {
    unix_seconds: i64,
    contacts: f64,
    /// NaN: none given.
    aht_seconds: f64,
    line: u32,
    /// Local minute of the day, or `u16::MAX` when the time has seconds (never on a grid).
    minute_of_day: u16,
    /// Local weekday, Monday 0.
    weekday: u8,
    /// Written without a UTC offset (so a repeated fall-back hour may be its second instant).
    plain: bool,
}

impl Pending {
    fn on_grid(&self, interval_minutes: u32) -> bool {
        self.minute_of_day != u16::MAX && u32::from(self.minute_of_day) % interval_minutes == 0
    }
}

/// The columns of a history header.
struct HistoryColumns {
    start: usize,
    contacts: usize,
    queue: Option<usize>,
    aht: Option<usize>,
    names: Vec<String>,
}

fn history_columns(file: &str, header: &csv::ByteRecord) -> Result<HistoryColumns, InputError> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
        let name = std::str::from_utf8(raw)
            .map_err(|_| InputError::at_line(file, 1, "expected UTF-8 text in the header"))?
            .trim()
            .trim_matches('"')
            .to_string();
        if name.is_empty() {
            return Err(InputError::at_line(
                file,
                1,
                format!("header column {} has no name", i + 1),
            ));
        }
        if names.contains(&name) {
            return Err(InputError::at_line(
                file,
                1,
                format!("header names column {name:?} twice"),
            ));
        }
        if !HISTORY_COLUMNS.contains(&name.as_str()) {
            return Err(InputError::at(
                file,
                1,
                name,
                format!("unknown column; expected some of {}", HISTORY_COLUMNS.join(",")),
            ));
        }
        names.push(name);
    }
    let find = |n: &str| names.iter().position(|h| h == n);
    let require = |n: &str| {
        find(n).ok_or_else(|| {
            InputError::at_line(
                file,
                1,
                format!("missing required column {n:?}; the header has {}", names.join(",")),
            )
        })
    };
    Ok(HistoryColumns {
        start: require("interval_start")?,
        contacts: require("contacts")?,
        queue: find("queue"),
        aht: find("aht_seconds"),
        names,
    })
}

/// Parse history CSV from any reader into a [`HistoryFrame`]; `file_label` names it in errors.
pub fn parse_history_frame<R: std::io::Read>(
    file_label: &str,
    input: R,
    options: &ReadHistoryOptions,
) -> Result<HistoryFrame, FileError> {
    let tz = options.tz;
    if let Some(m) = options.interval_minutes {
        IntervalGrid::new(tz, m)?;
    }
    let (names, pending) = read_pending(file_label, input, tz)?;
    let (interval_minutes, inferred) = match options.interval_minutes {
        Some(m) => (m, false),
        None => (infer_interval_minutes(&pending), true),
    };
    let grid = IntervalGrid::new(tz, interval_minutes)?;
    // Queues by name; each queue's rows sorted, checked and turned into columns in turn, so
    // only one queue is held twice at any time.
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let mut slots: Vec<Option<Vec<Pending>>> = pending.into_iter().map(Some).collect();
    let mut queues = Vec::with_capacity(names.len());
    let mut gaps = Vec::new();
    for qi in order {
        let rows = slots[qi].take().expect("each queue once");
        let open = match &options.opening_hours {
            Some(h) => Opening::Hours(h),
            None => Opening::Slots(open_slots(&rows, &grid)),
        };
        let series = queue_series(file_label, &names[qi], rows, &grid, inferred)?;
        gaps.extend(gaps_of(&series.queue, &series.starts, &grid, &open));
        queues.push(series);
    }
    Ok(HistoryFrame { tz, interval_minutes, queues, gaps })
}

/// Stream the rows: queue names and, per queue, its rows in file order.
fn read_pending<R: std::io::Read>(
    file: &str,
    input: R,
    tz: Tz,
) -> Result<(Vec<String>, Vec<Vec<Pending>>), FileError> {
    let mut clock = ZoneClock::new(tz);
    // `\n` ends a record, so csv's line count is right on CRLF files too (a `\r` left at the
    // end of the last field is trimmed with the rest of its blanks).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let malformed = |e: csv::Error| -> FileError {
        if let csv::ErrorKind::Io(_) = e.kind() {
            return FileError::io(file, std::io::Error::other(e.to_string()));
        }
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        InputError::at_line(file, line, format!("malformed CSV: {e}")).into()
    };
    let is_blank =
        |r: &csv::ByteRecord| r.len() == 1 && r[0].iter().all(|b| b.is_ascii_whitespace());
    let columns = loop {
        if !reader.read_byte_record(&mut record).map_err(malformed)? {
            return Err(InputError::new(file, "the file is empty: expected a header row").into());
        }
        if !is_blank(&record) {
            break history_columns(file, &record)?;
        }
    };
    let mut names = NameIndex::default();
    let mut pending: Vec<Vec<Pending>> = Vec::new();
    while reader.read_byte_record(&mut record).map_err(malformed)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if is_blank(&record) {
            continue;
        }
        let row = parse_row(file, &record, line, &columns, &mut clock)?;
        let (qi, new) = names.intern(row.queue.unwrap_or(DEFAULT_QUEUE));
        if new {
            pending.push(Vec::new());
        }
        pending[qi].push(row.pending);
    }
    Ok((names.into_names(), pending))
}

struct ParsedRow<'a> {
    queue: Option<&'a str>,
    pending: Pending,
}

fn parse_row<'a>(
    file: &str,
    record: &'a csv::ByteRecord,
    line: u64,
    c: &HistoryColumns,
    clock: &mut ZoneClock,
) -> Result<ParsedRow<'a>, InputError> {
    if record.len() != c.names.len() {
        return Err(InputError::at_line(
            file,
            line,
            format!("expected {} fields as in the header, found {}", c.names.len(), record.len()),
        ));
    }
    let text = |i: usize| -> Result<&'a str, InputError> {
        std::str::from_utf8(&record[i]).map(table::trim_fast).map_err(|_| {
            InputError::at(
                file,
                line,
                c.names[i].clone(),
                "expected UTF-8 text, found invalid bytes",
            )
        })
    };
    let err = |col: &str, m: String| InputError::at(file, line, col, m);
    let start = text(c.start)?;
    if start.is_empty() {
        return Err(err("interval_start", "expected a value, found an empty field".into()));
    }
    // Plain times of a day with one UTC offset (nearly all rows) convert by addition; the rest
    // (offsets, fractions, DST days, malformed text) take the general parser and its errors.
    let fast = time::parse_plain_parts(start)
        .filter(|(date, _)| time::YEARS_ALLOWED.contains(&date.year()))
        .and_then(|(date, second)| Some((clock.local_to_unix(date, second)?, date, second)));
    let (unix_seconds, date, second_of_day, whole_second) = match fast {
        Some((unix, date, second)) => (unix, date, second, true),
        None => {
            let stamp =
                time::parse_local(start, clock.tz()).map_err(|m| err("interval_start", m))?;
            let local = stamp.naive_local();
            (
                stamp.timestamp(),
                local.date(),
                local.num_seconds_from_midnight(),
                local.nanosecond() == 0,
            )
        }
    };
    let queue = match c.queue {
        Some(q) => {
            let name = text(q)?;
            if name.is_empty() {
                return Err(err("queue", "expected a queue name, found an empty field".into()));
            }
            Some(name)
        }
        None => None,
    };
    let number = |col: usize, name: &str, max: f64| -> Result<f64, InputError> {
        let t = text(col)?;
        let parsed = match table::parse_plain_decimal(t.as_bytes(), b'.') {
            Some(v) => Ok(v),
            None => t.parse::<f64>(),
        };
        match parsed {
            Ok(v) if v.is_finite() && v >= 0.0 && v <= max => Ok(v),
            Ok(v) if v.is_finite() && v > max => {
                Err(err(name, format!("expected a number from 0 to {max:e}, found {t:?}")))
            }
            _ => Err(err(name, format!("expected a number >= 0, found {t:?}"))),
        }
    };
    let contacts = number(c.contacts, "contacts", MAX_CONTACTS_PER_INTERVAL)?;
    let aht_seconds = match c.aht {
        Some(a) if !text(a)?.is_empty() => number(a, "aht_seconds", MAX_AHT_SECONDS)?,
        _ => f64::NAN,
    };
    let line = u32::try_from(line)
        .map_err(|_| InputError::at_line(file, line, "expected at most 4,294,967,295 lines"))?;
    // Parsed already: the plain forms are 16 or 19 characters ending in a digit; a `Z` or an
    // offset makes any other length or ending.
    let plain = matches!(start.len(), 16 | 19) && start.ends_with(|c: char| c.is_ascii_digit());
    let minute_of_day = if whole_second && second_of_day % 60 == 0 {
        (second_of_day / 60) as u16
    } else {
        u16::MAX
    };
    let weekday = date.weekday().num_days_from_monday() as u8;
    Ok(ParsedRow {
        queue,
        pending: Pending {
            unix_seconds,
            contacts,
            aht_seconds,
            line,
            minute_of_day,
            weekday,
            plain,
        },
    })
}

/// Sort one queue's rows, resolve repeated fall-back hours, reject duplicates, off-grid starts
/// and over-long spans, and turn the rows into columns.
fn queue_series(
    file: &str,
    queue: &str,
    mut rows: Vec<Pending>,
    grid: &IntervalGrid,
    inferred: bool,
) -> Result<QueueSeries, FileError> {
    let key = |r: &Pending| (r.unix_seconds, r.line);
    if !rows.is_sorted_by_key(key) {
        rows.sort_unstable_by_key(key);
    }
    // A fall-back hour written plainly twice: the second (in file order) is the later instant.
    let mut moved = false;
    for i in 1..rows.len() {
        let (prev, cur) = (rows[i - 1], rows[i]);
        let first_of_pair = i < 2 || rows[i - 2].unix_seconds != cur.unix_seconds;
        if prev.unix_seconds == cur.unix_seconds && cur.plain && first_of_pair {
            let stamp = grid.tz.timestamp_opt(cur.unix_seconds, 0).single().expect("valid");
            if let Some(later) = second_instant(&stamp) {
                rows[i].unix_seconds = later.timestamp();
                moved = true;
            }
        }
    }
    if moved {
        rows.sort_unstable_by_key(key);
    }
    let mut first_error: Option<InputError> = None;
    let mut keep = |e: InputError| {
        if first_error.as_ref().is_none_or(|f| e.line < f.line) {
            first_error = Some(e);
        }
    };
    for w in rows.windows(2) {
        if w[0].unix_seconds == w[1].unix_seconds {
            let stamp = grid.tz.timestamp_opt(w[1].unix_seconds, 0).single().expect("valid");
            keep(InputError::at(
                file,
                u64::from(w[1].line),
                "interval_start",
                format!(
                    "duplicate row: queue {queue:?} interval {} already given on line {}",
                    time::format_local(&stamp),
                    w[0].line
                ),
            ));
        }
    }
    let m = grid.interval_minutes;
    for r in &rows {
        if !r.on_grid(m) {
            let stamp = grid.tz.timestamp_opt(r.unix_seconds, 0).single().expect("valid");
            let how = if inferred {
                " (inferred from the spacing of the rows; give --interval-minutes if that is wrong)"
            } else {
                ""
            };
            keep(InputError::at(
                file,
                u64::from(r.line),
                "interval_start",
                format!(
                    "{:?} is not an interval start on the {m}-minute grid{how}: expected a time at a multiple of {m} minutes past midnight",
                    time::format_local(&stamp)
                ),
            ));
            break;
        }
    }
    if let Some(e) = first_error {
        return Err(e.into());
    }
    let (first, last) = (rows[0].unix_seconds, rows[rows.len() - 1].unix_seconds);
    let at = |t: i64| grid.tz.timestamp_opt(t, 0).single().expect("valid");
    let span_days = (at(last).date_naive() - at(first).date_naive()).num_days();
    if span_days > MAX_SPAN_DAYS {
        return Err(InputError::new(
            file,
            format!(
                "queue {queue:?} spans {span_days} days ({} to {}); expected at most {MAX_SPAN_DAYS} days",
                time::format_local(&at(first)),
                time::format_local(&at(last))
            ),
        )
        .into());
    }
    Ok(QueueSeries {
        queue: queue.to_string(),
        starts: rows.iter().map(|r| r.unix_seconds).collect(),
        contacts: rows.iter().map(|r| r.contacts).collect(),
        aht_seconds: rows.iter().map(|r| r.aht_seconds).collect(),
    })
}

/// The second instant of a local time inside a fall-back overlap, when `stamp` is the first.
fn second_instant(stamp: &Stamp) -> Option<Stamp> {
    match stamp.timezone().from_local_datetime(&stamp.naive_local()) {
        LocalResult::Ambiguous(first, second) if first == *stamp => Some(second),
        _ => None,
    }
}

/// The most common spacing between consecutive rows of a queue, among the allowed interval
/// lengths; with no usable spacing (one row per queue), the longest allowed length every row is
/// aligned to.
fn infer_interval_minutes(queues: &[Vec<Pending>]) -> u32 {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for rows in queues {
        let mut stamps: Vec<i64> = rows.iter().map(|r| r.unix_seconds).collect();
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
        if queues.iter().flatten().all(|r| r.on_grid(m)) {
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
    let starts: Vec<i64> = records.iter().map(|r| r.interval_start.timestamp()).collect();
    let open = match opening_hours {
        Some(h) => Opening::Hours(h),
        None => {
            let slots = grid.slots_per_day();
            let mut open = vec![false; 7 * slots];
            for r in records {
                open[weekday_slot(grid, &r.interval_start, slots)] = true;
            }
            Opening::Slots(open)
        }
    };
    gaps_of(queue, &starts, grid, &open)
}

/// [`find_gaps`] on a queue's interval starts (Unix seconds, sorted), judged by `hours`.
pub fn gaps_in(queue: &str, starts: &[i64], grid: &IntervalGrid, hours: &OpeningHours) -> Vec<Gap> {
    gaps_of(queue, starts, grid, &Opening::Hours(hours))
}

/// What counts as open when looking for gaps.
enum Opening<'a> {
    Hours(&'a OpeningHours),
    /// Inferred: (weekday, slot of day) pairs that have data on some day.
    Slots(Vec<bool>),
}

/// The (weekday, slot of day) pairs that have a row.
fn open_slots(rows: &[Pending], grid: &IntervalGrid) -> Vec<bool> {
    let slots = grid.slots_per_day();
    let mut open = vec![false; 7 * slots];
    for r in rows {
        let minute = if r.minute_of_day == u16::MAX { 0 } else { u32::from(r.minute_of_day) };
        let slot = ((minute / grid.interval_minutes) as usize).min(slots - 1);
        open[usize::from(r.weekday) * slots + slot] = true;
    }
    open
}

/// [`find_gaps`] over sorted Unix-second interval starts.
fn gaps_of(queue: &str, starts: &[i64], grid: &IntervalGrid, open: &Opening<'_>) -> Vec<Gap> {
    if starts.is_empty() {
        return Vec::new();
    }
    let mut clock = ZoneClock::new(grid.tz);
    let mut at = |t: i64| clock.stamp(t).expect("valid");
    let slots = grid.slots_per_day();
    let (first, last) = (starts[0], starts[starts.len() - 1]);
    let mut date = at(first).date_naive();
    let last_date = at(last).date_naive();
    let mut scan = GapScan { queue, starts, next_record: 0, current: None, gaps: Vec::new() };
    let step = i64::from(grid.interval_minutes) * 60;
    while date <= last_date {
        let weekday = date.weekday().num_days_from_monday() as usize;
        if let Some(midnight) = clock.uniform_midnight(date) {
            // A day with one UTC offset: its j-th start is midnight + j intervals, slot j.
            for j in 0..slots {
                let t = midnight + j as i64 * step;
                if (first..=last).contains(&t) {
                    scan.visit(t, || {
                        let s = clock.stamp(t).expect("valid");
                        let is_open = match open {
                            Opening::Hours(h) => h.is_open(&s),
                            Opening::Slots(v) => v[weekday * slots + j],
                        };
                        (is_open, s)
                    });
                }
            }
        } else {
            let day = grid.day_starts(date);
            // On an ordinary day the n-th start is the n-th slot of the day; DST days ask the
            // clock.
            let ordinary = day.len() == slots;
            for (j, s) in day.iter().enumerate() {
                let t = s.timestamp();
                if (first..=last).contains(&t) {
                    scan.visit(t, || {
                        let is_open = match open {
                            Opening::Hours(h) => h.is_open(s),
                            Opening::Slots(v) if ordinary => v[weekday * slots + j],
                            Opening::Slots(v) => v[weekday_slot(grid, s, slots)],
                        };
                        (is_open, *s)
                    });
                }
            }
        }
        date += Duration::days(1);
    }
    if let Some(g) = scan.current {
        scan.gaps.push(g);
    }
    scan.gaps
}

/// The walk of [`gaps_of`] over a queue's span, one interval start at a time in time order.
struct GapScan<'a> {
    queue: &'a str,
    starts: &'a [i64],
    next_record: usize,
    current: Option<Gap>,
    gaps: Vec<Gap>,
}

impl GapScan<'_> {
    /// Interval start `t`: a record ends the current gap; a missing open interval extends it.
    /// `missing` (asked only without a record) says whether `t` is open, and its stamp.
    fn visit(&mut self, t: i64, missing: impl FnOnce() -> (bool, Stamp)) {
        let starts = self.starts;
        while self.next_record < starts.len() && starts[self.next_record] < t {
            self.next_record += 1;
        }
        if self.next_record < starts.len() && starts[self.next_record] == t {
            if let Some(g) = self.current.take() {
                self.gaps.push(g);
            }
            return;
        }
        let (is_open, stamp) = missing();
        if is_open {
            match &mut self.current {
                Some(g) => g.intervals += 1,
                None => {
                    self.current =
                        Some(Gap { queue: self.queue.to_string(), from: stamp, intervals: 1 })
                }
            }
        }
    }
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

/// Write a frame as history.csv (whole or not at all; `-` is standard output), rows in time
/// order and, within an interval, by queue — the bytes [`write_history`] writes for the same
/// records.
pub fn write_history_frame(path: &Path, frame: &HistoryFrame) -> Result<(), FileError> {
    write_atomic(path, |w| write_history_frame_to(w, frame).map_err(|e| FileError::io(path, e)))
}

/// [`write_history_frame`] to any writer.
pub fn write_history_frame_to(
    w: &mut dyn std::io::Write,
    frame: &HistoryFrame,
) -> std::io::Result<()> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    w.write_all(crate::io::table::csv_bom())?;
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HISTORY_COLUMNS)?;
    // Merge the queues (sorted by name) by time: (start, queue index, row index).
    let mut heap: BinaryHeap<Reverse<(i64, usize, usize)>> = frame
        .queues
        .iter()
        .enumerate()
        .filter(|(_, q)| !q.starts.is_empty())
        .map(|(qi, q)| Reverse((q.starts[0], qi, 0)))
        .collect();
    // Whether a local date has a UTC-offset change (only then can a time be ambiguous).
    let mut day_cache: Option<(chrono::NaiveDate, bool)> = None;
    let mut clock = ZoneClock::new(frame.tz);
    let (mut when, mut contacts, mut aht) = (String::new(), String::new(), String::new());
    while let Some(Reverse((t, qi, i))) = heap.pop() {
        let q = &frame.queues[qi];
        when.clear();
        match clock.unix_to_local(t).filter(|(date, _)| time::YEARS_ALLOWED.contains(&date.year()))
        {
            // A day with one UTC offset: no time on it is ambiguous, so it is written plainly.
            Some((date, second)) => {
                let (y, m, d) =
                    (date.year() as u64, u64::from(date.month()), u64::from(date.day()));
                let (hh, mm) = (u64::from(second / 3600), u64::from(second / 60 % 60));
                table::push_digits(&mut when, y, 4);
                when.push('-');
                table::push_digits(&mut when, m, 2);
                when.push('-');
                table::push_digits(&mut when, d, 2);
                when.push('T');
                table::push_digits(&mut when, hh, 2);
                when.push(':');
                table::push_digits(&mut when, mm, 2);
            }
            None => {
                let stamp = frame.stamp(t);
                let date = stamp.date_naive();
                let changes = match day_cache {
                    Some((d, c)) if d == date => c,
                    _ => {
                        let start = time::start_of_day(date, frame.tz);
                        let end = time::start_of_day(date + Duration::days(1), frame.tz);
                        let c = start.offset().fix() != end.offset().fix()
                            || (end - start) != Duration::days(1);
                        day_cache = Some((date, c));
                        c
                    }
                };
                when.push_str(&if changes {
                    time::format_local(&stamp)
                } else {
                    stamp.format("%Y-%m-%dT%H:%M").to_string()
                });
            }
        }
        table::fmt_num_into(&mut contacts, q.contacts[i], 6);
        aht.clear();
        if !q.aht_seconds[i].is_nan() {
            table::fmt_num_into(&mut aht, q.aht_seconds[i], 6);
        }
        out.write_record([
            when.as_bytes(),
            q.queue.as_bytes(),
            contacts.as_bytes(),
            aht.as_bytes(),
        ])?;
        if i + 1 < q.starts.len() {
            heap.push(Reverse((q.starts[i + 1], qi, i + 1)));
        }
    }
    out.flush()
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
    use chrono::NaiveDate;

    fn shanghai() -> Tz {
        time::parse_time_zone("Asia/Shanghai").unwrap()
    }

    fn parse(text: &str) -> Result<History, FileError> {
        parse_history("history.csv", text.as_bytes(), &ReadHistoryOptions::new(shanghai()))
    }

    fn frame(text: &str, opening_hours: Option<OpeningHours>) -> HistoryFrame {
        let options =
            ReadHistoryOptions { tz: shanghai(), interval_minutes: Some(15), opening_hours };
        parse_history_frame("history.csv", text.as_bytes(), &options).unwrap()
    }

    fn hours(span: &str) -> OpeningHours {
        let mut h = OpeningHours::always();
        h.spans = std::array::from_fn(|_| OpeningHours::parse_day("all", span).unwrap());
        h
    }

    #[test]
    fn a_window_of_the_frame_holds_only_its_days_and_queues() {
        let f = frame(
            "interval_start,queue,contacts,aht_seconds\n\
             2025-03-03T23:45,voice,1,\n2025-03-04T00:00,voice,2,200\n2025-03-04T23:45,voice,3,\n\
             2025-03-05T00:00,voice,4,\n2025-03-04T12:00,chat,5,300\n",
            None,
        );
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
        assert_eq!(f.first_day(), Some(day(3)));
        assert_eq!(f.last_day(), Some(day(5)));
        assert_eq!(f.queue_names().collect::<Vec<_>>(), ["chat", "voice"]);
        // 2025-03-04 00:00 in Shanghai (UTC+8) is 2025-03-03T16:00Z.
        let from = chrono::Utc.with_ymd_and_hms(2025, 3, 3, 16, 0, 0).unwrap().timestamp();
        let to = from + 86_400;
        let voice = f.records_between(Some(&["voice"]), from, to);
        let seen: Vec<(String, f64, Option<f64>)> = voice
            .iter()
            .map(|r| (time::format_local(&r.interval_start), r.contacts, r.aht_seconds))
            .collect();
        assert_eq!(
            seen,
            [
                ("2025-03-04T00:00".to_string(), 2.0, Some(200.0)),
                ("2025-03-04T23:45".into(), 3.0, None)
            ]
        );
        assert!(voice.iter().all(|r| r.queue == "voice"));
        let all = f.records_between(None, from, to);
        assert_eq!(all.iter().map(|r| r.contacts).collect::<Vec<_>>(), [5.0, 2.0, 3.0]);
        assert!(f.records_between(Some(&["email"]), from, to).is_empty());
        assert!(HistoryFrame::empty(IntervalGrid::new(shanghai(), 15).unwrap())
            .last_day()
            .is_none());
    }

    #[test]
    fn a_queues_own_hours_judge_its_gaps() {
        // Open 09:00-10:00: 09:15 and 09:30 are missing (one gap of two intervals).
        let text =
            "interval_start,queue,contacts\n2025-03-03T09:00,voice,1\n2025-03-03T09:45,voice,1\n\
                    2025-03-03T09:00,chat,1\n2025-03-03T09:45,chat,1\n";
        let mut f = frame(text, Some(hours("09:00-10:00")));
        assert_eq!(
            f.gaps.iter().map(|g| (g.queue.as_str(), g.intervals)).collect::<Vec<_>>(),
            [("chat", 2), ("voice", 2)]
        );
        // Voice's own hours 09:00-09:30: only 09:15 is open and missing.
        f.judge_gaps("voice", &hours("09:00-09:30")).unwrap();
        let gaps: Vec<(&str, String, usize)> = f
            .gaps
            .iter()
            .map(|g| (g.queue.as_str(), time::format_local(&g.from), g.intervals))
            .collect();
        assert_eq!(
            gaps,
            [("chat", "2025-03-03T09:15".into(), 2), ("voice", "2025-03-03T09:15".into(), 1)]
        );
        // A queue the history does not have changes nothing.
        f.judge_gaps("email", &hours("09:00-09:30")).unwrap();
        assert_eq!(f.gaps.len(), 2);
    }

    #[test]
    fn records_and_columns_hold_the_same_history() {
        let text = "interval_start,queue,contacts,aht_seconds\n2025-03-03T09:00,voice,1.5,\n\
                    2025-03-03T09:15,voice,2,180\n2025-03-03T09:00,chat,3,240\n";
        let records = parse(text).unwrap();
        let columns = records.clone().into_frame(shanghai());
        assert_eq!(columns.queue("voice").unwrap().contacts, [1.5, 2.0]);
        assert!(columns.queue("voice").unwrap().aht_seconds[0].is_nan());
        assert_eq!(columns.queue("chat").unwrap().aht_seconds, [240.0]);
        // A handle time given by neither is equal (NaN in both); one given by one only is not.
        assert_eq!(columns, records.clone().into_frame(shanghai()));
        let mut other = columns.clone();
        other.queues[1].aht_seconds[0] = 200.0;
        assert_ne!(columns, other);
        assert_eq!(columns.into_history(), records);
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
