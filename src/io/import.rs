//! Platform exports to history.csv: `shiftcast history import`.
//!
//! A contact platform (Amazon Connect, Genesys Cloud, NICE IEX, …) exports interval statistics
//! in its own shape: its own column names, times in UTC or with offsets or as epoch numbers,
//! handle times as `hh:mm:ss` or milliseconds, `;` separators and decimal commas in many
//! locales, and often finer intervals than the plan's. An [`ImportMap`] (from a `map.toml`,
//! a built-in preset, or a preset overlaid with a map) says where each value is and how it is
//! written; [`import_history`] reads the export (CSV or a spreadsheet, see [`crate::io::xlsx`])
//! one row at a time and sums it onto the site's interval grid:
//!
//! - contacts of finer rows are summed into the site's interval that holds their start;
//! - handle time is weighted by contacts: `aht = Σ aht_i·contacts_i / Σ contacts_i` over the
//!   rows that give one (an interval whose rows give none, or only with zero contacts, has no
//!   handle time, as in history.csv);
//! - times are converted from the file's zone (`time_zone`, or the offset written in the
//!   value) to the site's zone; a local time is then floored to the site's grid.
//!
//! The result is a [`HistoryFrame`] ready for [`crate::io::history::write_history_frame`]. Rows given twice
//! (same queue and same minute) are errors naming the line, never summed; values beyond
//! [`MAX_CONTACTS_PER_INTERVAL`] or [`MAX_AHT_SECONDS`] are errors, so an overflow can never
//! become `inf` in an output.
//!
//! The mapping format and the presets' columns are documented in README.md ("Importing
//! platform exports").

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::{FileError, InputError};
use crate::io::history::{HistoryFrame, QueueSeries, MAX_AHT_SECONDS, MAX_CONTACTS_PER_INTERVAL};
use crate::io::table::{self, NameIndex};
use crate::site::Site;
use crate::time::{self, IntervalGrid, Stamp, ZoneClock};

/// Names of the built-in presets (`--preset NAME`).
pub const PRESETS: [&str; 3] = ["amazon-connect", "genesys-cloud", "nice-iex"];

/// A map.toml as written: every key optional, so a preset can be overlaid with a few keys.
/// Unknown keys are errors (a typo never passes silently).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFile {
    /// Field separator, one character (default ",").
    pub delimiter: Option<String>,
    /// Decimal separator of numbers: "." (default) or ",".
    pub decimal: Option<String>,
    /// Column of the interval start (a date-time, or a time of day with `date_column`).
    pub time_column: Option<String>,
    /// "iso" (default), "epoch_s", "epoch_ms" or a chrono strftime pattern.
    pub time_format: Option<String>,
    /// Column of the date when the export splits date and time of day.
    pub date_column: Option<String>,
    /// strftime pattern of `date_column` (default "%Y-%m-%d").
    pub date_format: Option<String>,
    /// IANA zone (or "UTC") of times written without an offset; default the site's.
    pub time_zone: Option<String>,
    /// Column of the queue name.
    pub queue_column: Option<String>,
    /// The one queue of a single-queue file (instead of `queue_column`).
    pub queue: Option<String>,
    /// Column of offered contacts.
    pub contacts_column: Option<String>,
    /// Column of the average handle time (optional).
    pub aht_column: Option<String>,
    /// Unit of `aht_column`: "s" (default), "ms", "min" or "hh:mm:ss".
    pub aht_unit: Option<String>,
    /// Worksheet of a spreadsheet (default the first).
    pub sheet: Option<String>,
    /// Export queue name -> plan queue name; an empty name drops that queue's rows.
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
}

impl MapFile {
    /// Parse map.toml text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<MapFile, InputError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let message = format!(
                "expected a mapping (see README, Importing platform exports): {}",
                e.message()
            );
            match line {
                Some(l) => InputError::at_line(file, l as u64, message),
                None => InputError::new(file, message),
            }
        })
    }

    /// A built-in preset by name (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<MapFile, String> {
        let s = |v: &str| Some(v.to_string());
        match name {
            // Historical metrics report, queues grouped by interval, downloaded as CSV: interval
            // starts in UTC ("2025-03-03T01:00:00Z" or without the Z), handle time in seconds.
            "amazon-connect" => Ok(MapFile {
                time_column: s("StartInterval"),
                time_zone: s("UTC"),
                queue_column: s("Queue"),
                contacts_column: s("Contacts queued"),
                aht_column: s("Average handle time"),
                aht_unit: s("s"),
                ..MapFile::default()
            }),
            // Performance > Queues, interval view, exported: the header
            // `Interval Start,Queue Name,Offer,Avg Handle`, durations as hh:mm:ss.
            "genesys-cloud" => Ok(MapFile {
                time_column: s("Interval Start"),
                time_zone: s("UTC"),
                queue_column: s("Queue Name"),
                contacts_column: s("Offer"),
                aht_column: s("Avg Handle"),
                aht_unit: s("hh:mm:ss"),
                ..MapFile::default()
            }),
            // IEX WFM CT queue data export: pipe-delimited, `date` as mmddyyyy and `period`
            // as a 24-hour time, both in the CT's zone (the site's by default).
            "nice-iex" => Ok(MapFile {
                delimiter: s("|"),
                date_column: s("date"),
                date_format: s("%m%d%Y"),
                time_column: s("period"),
                time_format: s("%H:%M"),
                queue_column: s("ctName"),
                contacts_column: s("contactsReceived"),
                aht_column: s("aht"),
                aht_unit: s("s"),
                ..MapFile::default()
            }),
            other => {
                Err(format!("unknown preset {other:?}; expected one of {}", PRESETS.join(", ")))
            }
        }
    }

    /// This map with every key that `over` sets replaced by `over`'s (its `[queues]` entries
    /// added to this one's).
    pub fn overlay(mut self, over: MapFile) -> MapFile {
        macro_rules! take {
            ($($k:ident),*) => { $( if over.$k.is_some() { self.$k = over.$k; } )* };
        }
        take!(delimiter, decimal, time_column, time_format, date_column, date_format, time_zone);
        take!(contacts_column, aht_column, aht_unit, sheet);
        if over.queue.is_some() || over.queue_column.is_some() {
            self.queue = over.queue;
            self.queue_column = over.queue_column;
        }
        self.queues.extend(over.queues);
        self
    }
}

/// How the interval start is written.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeFormat {
    /// ISO 8601 date-time, with or without `Z` or an offset, `T` or space separated.
    Iso,
    /// A chrono strftime pattern (with `%z` the value carries its offset).
    Pattern(String),
    /// Seconds since 1970-01-01T00:00Z.
    EpochSeconds,
    /// Milliseconds since 1970-01-01T00:00Z.
    EpochMillis,
}

/// Unit of a handle-time column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationUnit {
    Seconds,
    Millis,
    Minutes,
    /// `hh:mm:ss` or `mm:ss` (seconds may have a fraction); a spreadsheet time cell.
    Clock,
}

/// Where a row's queue comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueSource {
    Column(String),
    Fixed(String),
}

/// A validated mapping from an export to history.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportMap {
    pub delimiter: u8,
    pub decimal_comma: bool,
    pub time_column: String,
    pub time_format: TimeFormat,
    pub date_column: Option<String>,
    pub date_format: String,
    /// Zone of times written without an offset; `None`: the site's.
    pub time_zone: Option<Tz>,
    pub queue: QueueSource,
    pub contacts_column: String,
    pub aht_column: Option<String>,
    pub aht_unit: DurationUnit,
    pub sheet: Option<String>,
    pub queues: BTreeMap<String, String>,
}

impl ImportMap {
    /// Validate a map; `file` names its source in errors (`map.toml`, `--preset genesys-cloud`).
    pub fn new(file: &str, m: MapFile) -> Result<ImportMap, InputError> {
        let key_error = |key: &str, message: String| InputError {
            file: file.to_string(),
            line: None,
            column: Some(key.to_string()),
            message,
        };
        let required = |v: Option<String>, key: &str| {
            v.filter(|s| !s.trim().is_empty())
                .ok_or_else(|| key_error(key, "required: name the export's column".into()))
        };
        let delimiter = match m.delimiter.as_deref() {
            None => b',',
            Some("\\t") | Some("\t") => b'\t',
            Some(d) if d.len() == 1 && d.is_ascii() && d != "\"" => d.as_bytes()[0],
            Some(d) => return Err(key_error("delimiter", format!("expected one ASCII character such as \",\", \";\", \"|\" or \"\\t\", found {d:?}"))),
        };
        let decimal_comma = match m.decimal.as_deref() {
            None | Some(".") => false,
            Some(",") => true,
            Some(d) => {
                return Err(key_error("decimal", format!("expected \".\" or \",\", found {d:?}")))
            }
        };
        if decimal_comma && delimiter == b',' {
            return Err(key_error(
                "decimal",
                "a decimal comma needs another delimiter (\";\" or \"\\t\")".into(),
            ));
        }
        let time_format = match m.time_format.as_deref() {
            None | Some("iso") => TimeFormat::Iso,
            Some("epoch_s") => TimeFormat::EpochSeconds,
            Some("epoch_ms") => TimeFormat::EpochMillis,
            Some(p) if p.contains('%') => TimeFormat::Pattern(p.to_string()),
            Some(p) => return Err(key_error("time_format", format!("expected \"iso\", \"epoch_s\", \"epoch_ms\" or a strftime pattern such as \"%d/%m/%Y %H:%M\", found {p:?}"))),
        };
        let time_zone = match m.time_zone.as_deref() {
            None => None,
            Some(z) => {
                Some(time::parse_time_zone(z).map_err(|e| key_error("time_zone", e.to_string()))?)
            }
        };
        let queue = match (m.queue_column, m.queue) {
            (Some(c), None) => QueueSource::Column(c),
            (None, Some(q)) => QueueSource::Fixed(q),
            (Some(_), Some(_)) => {
                return Err(key_error("queue", "give queue_column or queue, not both".into()))
            }
            (None, None) => return Err(key_error(
                "queue_column",
                "required: the column of queue names, or queue = \"name\" for a single-queue file"
                    .into(),
            )),
        };
        let aht_unit = match m.aht_unit.as_deref() {
            None | Some("s") => DurationUnit::Seconds,
            Some("ms") => DurationUnit::Millis,
            Some("min") => DurationUnit::Minutes,
            Some("hh:mm:ss") => DurationUnit::Clock,
            Some(u) => {
                return Err(key_error(
                    "aht_unit",
                    format!("expected \"s\", \"ms\", \"min\" or \"hh:mm:ss\", found {u:?}"),
                ))
            }
        };
        if m.date_column.is_some()
            && matches!(time_format, TimeFormat::EpochSeconds | TimeFormat::EpochMillis)
        {
            return Err(key_error(
                "date_column",
                "an epoch time_format carries its date; drop date_column".into(),
            ));
        }
        Ok(ImportMap {
            delimiter,
            decimal_comma,
            time_column: required(m.time_column, "time_column")?,
            time_format,
            date_column: m.date_column,
            date_format: m.date_format.unwrap_or_else(|| "%Y-%m-%d".to_string()),
            time_zone,
            queue,
            contacts_column: required(m.contacts_column, "contacts_column")?,
            aht_column: m.aht_column,
            aht_unit,
            sheet: m.sheet,
            queues: m.queues,
        })
    }
}

/// One cell of an export row: CSV gives text, a spreadsheet typed values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    /// A spreadsheet date-time (no zone).
    DateTime(NaiveDateTime),
    /// A spreadsheet duration or time-of-day cell, in seconds.
    Duration(f64),
}

impl Cell<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => table::trim_fast(t).is_empty(),
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Cell::Empty => "an empty cell".into(),
            Cell::Text(t) => format!("{t:?}"),
            Cell::Number(n) => format!("the number {n}"),
            Cell::DateTime(d) => format!("the date-time {d}"),
            Cell::Duration(s) => format!("a duration of {s} s"),
        }
    }
}

/// What a [`RowSource`] calls per data row: its line (or sheet row) number and its cells.
pub type RowHandler<'f> = dyn FnMut(u64, &[Cell<'_>]) -> Result<(), InputError> + 'f;

/// A source of export rows: a header, then rows of cells, each with its 1-based line (CSV) or
/// row (spreadsheet) number.
pub trait RowSource {
    /// The header's column names (trimmed).
    fn headers(&self) -> &[String];
    /// Call `f` on every data row, in file order; stops at the first error.
    fn for_each_row(&mut self, f: &mut RowHandler<'_>) -> Result<(), FileError>;
}

/// Per-interval sums while importing (one queue's intervals are a vector of these).
#[derive(Debug, Clone, Copy)]
struct Acc {
    /// Interval start, Unix seconds.
    start: i64,
    contacts: f64,
    aht_weighted_seconds: f64,
    aht_contacts: f64,
    /// Minutes inside the site interval that already had a row (duplicate detection).
    minutes_seen: u64,
    first_line: u64,
}

impl Acc {
    /// Add another part of the same interval; an error message when both have the same minute.
    fn merge(&mut self, other: &Acc) -> Result<(), String> {
        if self.minutes_seen & other.minutes_seen != 0 {
            return Err(format!(
                "given twice (an earlier row, from line {}, has the same minute)",
                self.first_line.min(other.first_line)
            ));
        }
        self.minutes_seen |= other.minutes_seen;
        self.contacts += other.contacts;
        self.aht_weighted_seconds += other.aht_weighted_seconds;
        self.aht_contacts += other.aht_contacts;
        if self.contacts > MAX_CONTACTS_PER_INTERVAL {
            return Err(format!(
                "the interval's contacts sum to more than {MAX_CONTACTS_PER_INTERVAL:e}"
            ));
        }
        Ok(())
    }
}

/// Column positions of the mapped columns.
struct Columns {
    time: usize,
    date: Option<usize>,
    queue: Option<usize>,
    contacts: usize,
    aht: Option<usize>,
}

/// Counts of what an import read and wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    pub rows_read: u64,
    /// Rows of queues the map drops (mapped to "").
    pub rows_dropped: u64,
    pub intervals_written: usize,
}

/// Read an export through `map` onto the site's grid. `file` names the export in errors.
pub fn import_history(
    file: &str,
    source: &mut dyn RowSource,
    map: &ImportMap,
    site: &Site,
) -> Result<(HistoryFrame, ImportSummary), FileError> {
    let grid = site.grid;
    let columns = locate_columns(file, source.headers(), map)?;
    let headers: Vec<String> = source.headers().to_vec();
    let from_tz = map.time_zone.unwrap_or(grid.tz);
    let mut from_clock = ZoneClock::new(from_tz);
    let mut site_clock = ZoneClock::new(grid.tz);
    let mut queue_names: Vec<String> = Vec::new();
    // Export queue names as read, and what each resolves to (None: dropped by the map).
    let mut export_names = NameIndex::default();
    let mut resolved: Vec<Option<u32>> = Vec::new();
    // Per queue, intervals in file order; finer rows of one interval usually follow each other
    // and merge into the last entry, the rest merge after sorting.
    let mut sums: Vec<Vec<Acc>> = Vec::new();
    let mut summary = ImportSummary::default();
    let known = site.queue_names();
    let mut on_row = |line: u64, cells: &[Cell<'_>]| -> Result<(), InputError> {
        summary.rows_read += 1;
        let err =
            |col: usize, message: String| InputError::at(file, line, headers[col].clone(), message);
        let cell = |col: usize| cells.get(col).copied().unwrap_or(Cell::Empty);
        let number_name;
        let name = match &map.queue {
            QueueSource::Fixed(q) => q.as_str(),
            QueueSource::Column(_) => {
                let c = columns.queue.expect("located");
                match cell(c) {
                    Cell::Text(t) if !table::trim_fast(t).is_empty() => table::trim_fast(t),
                    Cell::Number(n) => {
                        number_name = format!("{n}");
                        number_name.as_str()
                    }
                    other => {
                        return Err(err(
                            c,
                            format!("expected a queue name, found {}", other.describe()),
                        ))
                    }
                }
            }
        };
        let (ei, new) = export_names.intern(name);
        if new {
            let r = resolve_queue(name, map, &known, &mut queue_names)
                .map_err(|m| err(columns.queue.unwrap_or(columns.contacts), m))?;
            resolved.push(r);
        }
        let qi = resolved[ei];
        let Some(qi) = qi else {
            summary.rows_dropped += 1;
            return Ok(());
        };
        let instant =
            row_instant(map, &mut from_clock, &columns, cells).map_err(|(c, m)| err(c, m))?;
        let contacts = parse_number(cell(columns.contacts), map.decimal_comma)
            .filter(|v| *v >= 0.0 && *v <= MAX_CONTACTS_PER_INTERVAL)
            .ok_or_else(|| {
                err(columns.contacts, format!("expected a number of contacts from 0 to {MAX_CONTACTS_PER_INTERVAL:e}, found {}", cell(columns.contacts).describe()))
            })?;
        let aht = match columns.aht {
            Some(c) if !cell(c).is_empty() => Some(
                parse_duration(cell(c), map.aht_unit, map.decimal_comma)
                    .filter(|v| *v >= 0.0 && *v <= MAX_AHT_SECONDS)
                    .ok_or_else(|| err(c, format!("expected a handle time ({}) from 0 to {MAX_AHT_SECONDS} seconds, found {}", unit_name(map.aht_unit), cell(c).describe())))?,
            ),
            _ => None,
        };
        let (start, minute) = floor_to_grid(&instant, &grid, &mut site_clock);
        let (aht_weighted_seconds, aht_contacts) = match aht {
            Some(a) => (a * contacts, contacts),
            None => (0.0, 0.0),
        };
        let part = Acc {
            start,
            contacts,
            aht_weighted_seconds,
            aht_contacts,
            minutes_seen: 1u64 << minute,
            first_line: line,
        };
        if sums.len() <= qi as usize {
            sums.resize_with(qi as usize + 1, Vec::new);
        }
        let queue = &mut sums[qi as usize];
        match queue.last_mut() {
            Some(last) if last.start == part.start => last.merge(&part).map_err(|m| {
                let c = if m.starts_with("given") { columns.time } else { columns.contacts };
                let name = &queue_names[qi as usize];
                let local = instant.with_timezone(&grid.tz);
                err(c, format!("queue {name:?} at {}: {m}", local.format("%Y-%m-%dT%H:%M")))
            })?,
            _ => queue.push(part),
        }
        Ok(())
    };
    source.for_each_row(&mut on_row)?;
    let frame = assemble(file, sums, &queue_names, site)?;
    summary.intervals_written = frame.len();
    Ok((frame, summary))
}

fn unit_name(u: DurationUnit) -> &'static str {
    match u {
        DurationUnit::Seconds => "seconds",
        DurationUnit::Millis => "milliseconds",
        DurationUnit::Minutes => "minutes",
        DurationUnit::Clock => "hh:mm:ss",
    }
}

fn locate_columns(file: &str, headers: &[String], map: &ImportMap) -> Result<Columns, InputError> {
    let find = |name: &str, key: &str| {
        headers.iter().position(|h| h == name.trim()).ok_or_else(|| {
            InputError::at_line(file, 1, format!("the map's {key} names column {name:?}, which the header does not have; the header has {}", headers.join(",")))
        })
    };
    Ok(Columns {
        time: find(&map.time_column, "time_column")?,
        date: map.date_column.as_deref().map(|c| find(c, "date_column")).transpose()?,
        queue: match &map.queue {
            QueueSource::Column(c) => Some(find(c, "queue_column")?),
            QueueSource::Fixed(_) => None,
        },
        contacts: find(&map.contacts_column, "contacts_column")?,
        aht: map.aht_column.as_deref().map(|c| find(c, "aht_column")).transpose()?,
    })
}

/// The plan's queue index of an export queue name, `None` when the map drops it.
fn resolve_queue(
    name: &str,
    map: &ImportMap,
    known: &[String],
    names: &mut Vec<String>,
) -> Result<Option<u32>, String> {
    let target = map.queues.get(name).map(String::as_str).unwrap_or(name);
    let resolved = if target.is_empty() {
        None
    } else {
        if !known.iter().any(|k| k == target) {
            return Err(format!(
                "queue {target:?} is not a queue of the plan ({}); rename it in the map's [queues] table (\"{name}\" = \"voice\"), or drop it with \"{name}\" = \"\"",
                known.join(", ")
            ));
        }
        let i = match names.iter().position(|n| n == target) {
            Some(i) => i,
            None => {
                names.push(target.to_string());
                names.len() - 1
            }
        };
        Some(i as u32)
    };
    Ok(resolved)
}

/// The absolute instant of a row's interval start; errors carry the column to blame.
fn row_instant(
    map: &ImportMap,
    from_clock: &mut ZoneClock,
    columns: &Columns,
    cells: &[Cell<'_>],
) -> Result<DateTime<FixedOffset>, (usize, String)> {
    let cell = |col: usize| cells.get(col).copied().unwrap_or(Cell::Empty);
    let c = columns.time;
    let value = cell(c);
    let naive = match (columns.date, &map.time_format) {
        (Some(dc), format) => {
            let date = parse_date_cell(cell(dc), &map.date_format).map_err(|m| (dc, m))?;
            let time_of_day = parse_time_of_day(value, format).map_err(|m| (c, m))?;
            date.and_time(time_of_day)
        }
        (None, TimeFormat::EpochSeconds | TimeFormat::EpochMillis) => {
            let n = parse_number(value, false)
                .ok_or_else(|| (c, format!("expected a Unix time, found {}", value.describe())))?;
            let seconds = if map.time_format == TimeFormat::EpochMillis { n / 1000.0 } else { n };
            return epoch_instant(seconds).ok_or_else(|| {
                (
                    c,
                    format!(
                        "expected a Unix time from year 1000 to 9999, found {}",
                        value.describe()
                    ),
                )
            });
        }
        (None, format) => match value {
            Cell::DateTime(d) => d,
            Cell::Text(t) => {
                match parse_text_time(table::trim_fast(t), format).map_err(|m| (c, m))? {
                    Parsed::Absolute(dt) => return Ok(dt),
                    Parsed::Naive(n) => n,
                }
            }
            other => return Err((c, format!("expected a date-time, found {}", other.describe()))),
        },
    };
    if !time::YEARS_ALLOWED.contains(&chrono::Datelike::year(&naive)) {
        return Err((c, format!("expected a year from 1000 to 9999, found {naive}")));
    }
    // A day with one UTC offset needs no zone lookup per row.
    if let Some(offset) = from_clock.offset_of_day(naive.date()) {
        if let chrono::LocalResult::Single(t) = offset.from_local_datetime(&naive) {
            return Ok(t);
        }
    }
    let from_tz = from_clock.tz();
    match from_tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => Ok(t.fixed_offset()),
        chrono::LocalResult::None => Err((c, format!("local time {naive} does not exist in {from_tz} (skipped by a daylight-saving change)"))),
    }
}

enum Parsed {
    Absolute(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

fn parse_text_time(t: &str, format: &TimeFormat) -> Result<Parsed, String> {
    match format {
        TimeFormat::Iso => {
            if let Some(p) = parse_iso_fast(t) {
                return Ok(p);
            }
            if let Ok(n) = time::parse_naive_datetime(t) {
                return Ok(Parsed::Naive(n));
            }
            for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
                if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
                    return Ok(Parsed::Naive(n));
                }
            }
            let with_z = t.strip_suffix('Z').or_else(|| t.strip_suffix('z'));
            if let Some(base) = with_z {
                if let Ok(Parsed::Naive(n)) = parse_text_time(base, format) {
                    return Ok(Parsed::Absolute(n.and_utc().fixed_offset()));
                }
            }
            for f in [
                "%Y-%m-%dT%H:%M:%S%.f%:z",
                "%Y-%m-%dT%H:%M%:z",
                "%Y-%m-%d %H:%M:%S%.f%:z",
                "%Y-%m-%d %H:%M%:z",
                "%Y-%m-%dT%H:%M:%S%.f%z",
            ] {
                if let Ok(dt) = DateTime::parse_from_str(t, f) {
                    return Ok(Parsed::Absolute(dt));
                }
            }
            Err(format!("expected an ISO 8601 date-time like 2025-03-03T01:00:00Z or 2025-03-03 09:00, found {t:?}"))
        }
        TimeFormat::Pattern(p) => if p.contains("%z") || p.contains("%:z") || p.contains("%#z") {
            DateTime::parse_from_str(t, p).map(Parsed::Absolute)
        } else {
            NaiveDateTime::parse_from_str(t, p).map(Parsed::Naive)
        }
        .map_err(|e| format!("expected a date-time in the format {p:?}, found {t:?} ({e})")),
        TimeFormat::EpochSeconds | TimeFormat::EpochMillis => unreachable!("handled by the caller"),
    }
}

/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM]` by hand (exports have millions of rows); `None`
/// for anything else, which the general parsers then try.
fn parse_iso_fast(t: &str) -> Option<Parsed> {
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        b.get(from..from + len)?
            .iter()
            .try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    if b.len() < 16
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    let mut i = 16;
    let mut second = 0;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b':') {
        second = num(17, 2)?;
        i = 19;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            nanos = num(i + 1, digits)? * 10u32.pow(9 - digits as u32);
            i += 1 + digits;
        }
    }
    let naive = date.and_hms_nano_opt(num(11, 2)?, num(14, 2)?, second, nanos)?;
    match &b[i..] {
        [] => Some(Parsed::Naive(naive)),
        [b'Z' | b'z'] => Some(Parsed::Absolute(naive.and_utc().fixed_offset())),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let seconds = (num(i + 1, 2)? * 3600 + num(i + 4, 2)? * 60) as i32;
            let offset = FixedOffset::east_opt(if *sign == b'+' { seconds } else { -seconds })?;
            Some(Parsed::Absolute(offset.from_local_datetime(&naive).single()?))
        }
        _ => None,
    }
}

fn parse_date_cell(cell: Cell<'_>, format: &str) -> Result<NaiveDate, String> {
    match cell {
        Cell::DateTime(d) => Ok(d.date()),
        Cell::Text(t) => NaiveDate::parse_from_str(t.trim(), format)
            .map_err(|_| format!("expected a date in the format {format:?}, found {t:?}")),
        Cell::Number(n) if format == "%Y%m%d" || format == "%m%d%Y" || format == "%d%m%Y" => {
            // A spreadsheet may hold 03032025 as a number (its leading zero lost).
            let digits = format!("{:08}", n as u64);
            NaiveDate::parse_from_str(&digits, format)
                .map_err(|_| format!("expected a date in the format {format:?}, found {n}"))
        }
        other => Err(format!("expected a date, found {}", other.describe())),
    }
}

fn parse_time_of_day(cell: Cell<'_>, format: &TimeFormat) -> Result<NaiveTime, String> {
    let pattern = match format {
        TimeFormat::Pattern(p) => p.as_str(),
        _ => "%H:%M",
    };
    match cell {
        Cell::DateTime(d) => Ok(d.time()),
        Cell::Duration(s) if (0.0..86400.0).contains(&s) => {
            Ok(NaiveTime::from_num_seconds_from_midnight_opt(s.round() as u32 % 86400, 0)
                .expect("in range"))
        }
        Cell::Text(t) => NaiveTime::parse_from_str(t.trim(), pattern)
            .or_else(|_| NaiveTime::parse_from_str(t.trim(), "%H:%M:%S"))
            .map_err(|_| format!("expected a time of day in the format {pattern:?}, found {t:?}")),
        other => Err(format!("expected a time of day, found {}", other.describe())),
    }
}

fn epoch_instant(seconds: f64) -> Option<DateTime<FixedOffset>> {
    // Years 1000..=9999, so no date arithmetic later can overflow.
    if !(-30_610_224_000.0..=253_402_300_799.0).contains(&seconds) {
        return None;
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos).map(|d| d.fixed_offset())
}

/// The site interval holding `instant` (its start as Unix seconds), and the minute of
/// `instant` inside that interval.
fn floor_to_grid(
    instant: &DateTime<FixedOffset>,
    grid: &IntervalGrid,
    site_clock: &mut ZoneClock,
) -> (i64, u32) {
    use chrono::Timelike;
    let unix = instant.timestamp();
    if let Some((_, second_of_day)) = site_clock.unix_to_local(unix) {
        // A day with one UTC offset: local time is Unix time shifted, so floor by arithmetic.
        let step = grid.interval_minutes * 60;
        let into = second_of_day % step;
        return (unix - i64::from(into), into / 60);
    }
    let local: Stamp = instant.with_timezone(&grid.tz);
    let into = time::minute_of_day(&local) % grid.interval_minutes;
    let t = local.naive_local().time();
    let start = local
        - Duration::minutes(i64::from(into))
        - Duration::seconds(i64::from(t.second()))
        - Duration::nanoseconds(i64::from(t.nanosecond()));
    (start.timestamp(), into)
}

/// A number, with the map's decimal separator; spaces (thousands groups) are ignored. With a
/// decimal comma a `.` is rejected rather than guessed at (is `1.234` one thousand or one?).
pub fn parse_number(cell: Cell<'_>, decimal_comma: bool) -> Option<f64> {
    let v = match cell {
        Cell::Number(n) => n,
        Cell::Text(t) => {
            let point = if decimal_comma { b',' } else { b'.' };
            if let Some(v) = table::parse_plain_decimal(table::trim_fast(t).as_bytes(), point) {
                return Some(v);
            }
            let t: String =
                t.trim().chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
            let t = if decimal_comma {
                if t.contains('.') {
                    return None;
                }
                t.replace(',', ".")
            } else {
                if t.contains(',') {
                    return None;
                }
                t
            };
            if t.is_empty() || t.contains(['e', 'E', 'i', 'I', 'n', 'N']) && !t.contains(['e', 'E'])
            {
                return None;
            }
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// A duration in seconds from a cell in `unit`.
pub fn parse_duration(cell: Cell<'_>, unit: DurationUnit, decimal_comma: bool) -> Option<f64> {
    let seconds = match (unit, cell) {
        (DurationUnit::Clock, Cell::Duration(s)) => s,
        // A spreadsheet time without a duration format: a fraction of a day.
        (DurationUnit::Clock, Cell::Number(n)) => n * 86400.0,
        (DurationUnit::Clock, Cell::DateTime(d)) => {
            f64::from(chrono::Timelike::num_seconds_from_midnight(&d.time()))
        }
        (DurationUnit::Clock, Cell::Text(t)) => parse_clock_duration(t.trim(), decimal_comma)?,
        (_, Cell::Duration(s)) => s,
        (u, c) => {
            let n = parse_number(c, decimal_comma)?;
            match u {
                DurationUnit::Seconds => n,
                DurationUnit::Millis => n / 1000.0,
                DurationUnit::Minutes => n * 60.0,
                DurationUnit::Clock => unreachable!(),
            }
        }
    };
    seconds.is_finite().then_some(seconds)
}

/// `hh:mm:ss`, `h:mm:ss` or `mm:ss`; seconds may carry a fraction (with the map's decimal).
fn parse_clock_duration(t: &str, decimal_comma: bool) -> Option<f64> {
    // The usual `hh:mm:ss` without a fraction, by hand.
    if let [h1, h2, b':', m1, m2, b':', s1, s2] = *t.as_bytes() {
        let two = |a: u8, b: u8| {
            (a.is_ascii_digit() && b.is_ascii_digit())
                .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        };
        if let (Some(h), Some(m), Some(s)) = (two(h1, h2), two(m1, m2), two(s1, s2)) {
            return (m < 60 && s < 60).then(|| f64::from(h * 3600 + m * 60 + s));
        }
    }
    let parts: Vec<&str> = t.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let whole = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let seconds = parse_number(Cell::Text(parts[parts.len() - 1]), decimal_comma)
        .filter(|s| (0.0..60.0).contains(s))?;
    let minutes = whole(parts[parts.len() - 2])?;
    let hours = if parts.len() == 3 { whole(parts[0])? } else { 0 };
    if parts.len() == 3 && minutes >= 60 {
        return None;
    }
    Some((hours * 3600 + minutes * 60) as f64 + seconds)
}

/// Sums -> a frame on the site's grid: each queue sorted by time, parts of one interval that
/// were not next to each other in the file merged, gaps found with the site's opening hours.
fn assemble(
    file: &str,
    sums: Vec<Vec<Acc>>,
    names: &[String],
    site: &Site,
) -> Result<HistoryFrame, InputError> {
    let mut series = Vec::with_capacity(sums.len());
    for (qi, mut accs) in sums.into_iter().enumerate() {
        if !accs.is_sorted_by_key(|a| a.start) {
            accs.sort_by_key(|a| (a.start, a.first_line));
        }
        let mut merged: Vec<Acc> = Vec::with_capacity(accs.len());
        for a in accs {
            match merged.last_mut() {
                Some(last) if last.start == a.start => last.merge(&a).map_err(|m| {
                    let line = last.first_line.max(a.first_line);
                    InputError::at_line(file, line, format!("queue {:?}: interval {m}", names[qi]))
                })?,
                _ => merged.push(a),
            }
        }
        series.push(QueueSeries {
            queue: names[qi].clone(),
            starts: merged.iter().map(|a| a.start).collect(),
            contacts: merged.iter().map(|a| a.contacts).collect(),
            aht_seconds: merged
                .iter()
                .map(|a| {
                    if a.aht_contacts > 0.0 {
                        a.aht_weighted_seconds / a.aht_contacts
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        });
    }
    Ok(HistoryFrame::new(site.grid, series, Some(&site.opening_hours)))
}

/// A [`RowSource`] over CSV bytes from any reader (a file, stdin), read one record at a time.
pub struct CsvRows<R: std::io::Read> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
    file: String,
}

impl<R: std::io::Read> CsvRows<R> {
    /// Read the header; `file` names the source in errors.
    pub fn new(file: &str, input: R, delimiter: u8) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let raw = reader
            .byte_headers()
            .map_err(|e| InputError::at_line(file, 1, format!("malformed CSV header: {e}")))?;
        let mut headers = Vec::with_capacity(raw.len());
        for (i, h) in raw.iter().enumerate() {
            let h = if i == 0 { h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h) } else { h };
            let text = std::str::from_utf8(h)
                .map_err(|_| InputError::at_line(file, 1, "expected UTF-8 text in the header"))?;
            headers.push(text.trim().trim_matches('"').to_string());
        }
        if headers.iter().all(|h| h.is_empty()) {
            return Err(InputError::new(file, "the file is empty: expected a header row"));
        }
        Ok(CsvRows { reader, headers, file: file.to_string() })
    }
}

impl<R: std::io::Read> RowSource for CsvRows<R> {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn for_each_row(&mut self, f: &mut RowHandler<'_>) -> Result<(), FileError> {
        let mut record = csv::ByteRecord::new();
        // One vector of cells for all rows: emptied, it outlives each row's borrow.
        let mut spare: Vec<Cell<'static>> = Vec::new();
        loop {
            let more = self.reader.read_byte_record(&mut record).map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                InputError::at_line(&self.file, line, format!("malformed CSV: {e}"))
            })?;
            if !more {
                return Ok(());
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if record.len() != self.headers.len() {
                return Err(InputError::at_line(
                    &self.file,
                    line,
                    format!(
                        "expected {} fields as in the header, found {}",
                        self.headers.len(),
                        record.len()
                    ),
                )
                .into());
            }
            let mut cells: Vec<Cell<'_>> = recycle(std::mem::take(&mut spare));
            for (i, raw) in record.iter().enumerate() {
                let text = std::str::from_utf8(raw).map_err(|_| {
                    InputError::at(
                        &self.file,
                        line,
                        self.headers[i].clone(),
                        "expected UTF-8 text, found invalid bytes",
                    )
                })?;
                cells.push(if table::trim_fast(text).is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(text)
                });
            }
            f(line, &cells)?;
            spare = recycle(cells);
        }
    }
}

/// An emptied vector of cells with another lifetime, keeping its allocation (collecting from
/// an empty `into_iter` reuses the buffer when the element layout is the same).
fn recycle<'a>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'a>> {
    cells.clear();
    cells.into_iter().map(|_| Cell::Empty).collect()
}

/// Import an export file (`-`: standard input): a spreadsheet when its name ends in .xlsx,
/// .xlsm, .xls or .ods or its bytes say so, CSV otherwise (read one record at a time).
pub fn import_file(
    input: &std::path::Path,
    map: &ImportMap,
    site: &Site,
) -> Result<(HistoryFrame, ImportSummary), FileError> {
    use std::io::{BufRead, BufReader, Read};
    let label =
        if input.as_os_str() == "-" { "<stdin>".to_string() } else { input.display().to_string() };
    let io_err = |e: std::io::Error| FileError::io(input, e);
    let mut reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
        Box::new(BufReader::with_capacity(1 << 16, std::io::stdin().lock()))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, std::fs::File::open(input).map_err(io_err)?))
    };
    let by_name = input
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&e.to_ascii_lowercase().as_str()));
    let by_bytes = crate::io::xlsx::looks_like_spreadsheet(reader.fill_buf().map_err(io_err)?);
    if by_name || by_bytes {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(io_err)?;
        let mut rows = crate::io::xlsx::SheetRows::open(&label, bytes, map.sheet.as_deref())?;
        return import_history(&label, &mut rows, map, site);
    }
    let mut rows = CsvRows::new(&label, reader, map.delimiter)?;
    import_history(&label, &mut rows, map, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_decimal_commas_and_groups() {
        assert_eq!(parse_number(Cell::Text("1 234,5"), true), Some(1234.5));
        assert_eq!(parse_number(Cell::Text("12,25"), true), Some(12.25));
        assert_eq!(parse_number(Cell::Text("1.5"), true), None);
        assert_eq!(parse_number(Cell::Text("1,5"), false), None);
        assert_eq!(parse_number(Cell::Text("inf"), false), None);
        assert_eq!(parse_number(Cell::Text("NaN"), false), None);
        assert_eq!(parse_number(Cell::Text("1e308"), false), Some(1e308));
        assert_eq!(parse_number(Cell::Text("1e309"), false), None);
    }

    #[test]
    fn cell_vectors_are_recycled_without_reallocating() {
        let text = String::from("x");
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(8);
        cells.push(Cell::Text(&text));
        let spare: Vec<Cell<'static>> = recycle(cells);
        assert!(spare.is_empty());
        assert!(spare.capacity() >= 8, "capacity {}", spare.capacity());
    }

    #[test]
    fn clock_durations() {
        let d = |t: &str| parse_duration(Cell::Text(t), DurationUnit::Clock, true);
        assert_eq!(d("00:03:18"), Some(198.0));
        assert_eq!(d("1:00:00"), Some(3600.0));
        assert_eq!(d("03:18,5"), Some(198.5));
        assert_eq!(d("00:61:00"), None);
        assert_eq!(d("198"), None);
        assert_eq!(parse_duration(Cell::Text("198000"), DurationUnit::Millis, false), Some(198.0));
        assert_eq!(parse_duration(Cell::Text("3,3"), DurationUnit::Minutes, true), Some(198.0));
    }

    #[test]
    fn iso_times_with_z_offsets_and_fractions() {
        let abs = |t: &str| match parse_text_time(t, &TimeFormat::Iso).unwrap() {
            Parsed::Absolute(d) => d.timestamp(),
            Parsed::Naive(_) => panic!("{t} read as naive"),
        };
        assert_eq!(abs("2025-03-03T01:00:00Z"), abs("2025-03-03T09:00:00+08:00"));
        assert_eq!(abs("2025-03-03T01:00:00.000Z"), abs("2025-03-03 01:00Z"));
        assert!(matches!(
            parse_text_time("2025-03-03 09:00", &TimeFormat::Iso),
            Ok(Parsed::Naive(_))
        ));
        assert!(parse_text_time("03/03/2025", &TimeFormat::Iso).is_err());
    }

    #[test]
    fn presets_resolve_and_maps_overlay() {
        for p in PRESETS {
            ImportMap::new(p, MapFile::preset(p).unwrap()).unwrap();
        }
        let over = MapFile::parse(
            "map.toml",
            "delimiter = \";\"\ndecimal = \",\"\n[queues]\n\"VOICE\" = \"voice\"\n",
        )
        .unwrap();
        let m =
            ImportMap::new("x", MapFile::preset("genesys-cloud").unwrap().overlay(over)).unwrap();
        assert_eq!(m.delimiter, b';');
        assert!(m.decimal_comma);
        assert_eq!(m.queues["VOICE"], "voice");
        let e = MapFile::parse("map.toml", "time_colum = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("map.toml line 1"), "{e}");
        let e = ImportMap::new(
            "map.toml",
            MapFile { decimal: Some(",".into()), ..MapFile::preset("genesys-cloud").unwrap() },
        )
        .unwrap_err();
        assert_eq!(e.column.as_deref(), Some("decimal"));
    }
}
