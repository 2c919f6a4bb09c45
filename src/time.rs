//! The interval calendar: interval length, local wall-clock time in the site's IANA time zone,
//! daylight saving, and opening hours.
//!
//! Every stage keys its data on [`Stamp`] (an instant carrying the site's time zone), never on row
//! position, so missing days, closed hours and DST days do not shift any pattern. A day is the set
//! of interval starts from local midnight to the next local midnight, stepped in absolute time:
//! a spring-forward day has 23 hours of intervals, a fall-back day 25, and the repeated hour is
//! two distinct stamps (written with an explicit UTC offset so that a CSV can tell them apart).
//!
//! *Closed* (outside opening hours: no contacts expected, no agents needed) is a property of the
//! calendar; *missing* (open but no data) is a property of a data set. They are never confused.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Weekday,
};
use chrono_tz::Tz;

/// An interval start (or any instant) in the site's time zone.
pub type Stamp = DateTime<Tz>;

/// Interval lengths accepted everywhere: real ACD exports use all of these.
pub const INTERVAL_MINUTES_ALLOWED: [u32; 6] = [5, 6, 10, 15, 30, 60];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    #[error("interval_minutes must be one of 5, 6, 10, 15, 30, 60, got {0}")]
    BadIntervalMinutes(u32),
    #[error("unknown IANA time zone {0:?} (expected a name such as \"Europe/London\")")]
    UnknownTimeZone(String),
    #[error("{0}")]
    BadTime(String),
    #[error("opening hours {value:?} for {day}: {message}")]
    BadOpeningHours { day: String, value: String, message: String },
}

/// Parse an IANA time zone name.
pub fn parse_time_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim().parse::<Tz>().map_err(|_| TimeError::UnknownTimeZone(name.to_string()))
}

/// Parse a local timestamp: `2025-03-03T09:30`, `2025-03-03 09:30`, optional `:SS`, optional UTC
/// offset (`+08:00`, `Z`) to pick one side of a repeated DST hour. A local time that does not
/// exist (inside a spring-forward gap) is an error; an ambiguous one without an offset is the
/// first occurrence.
pub fn parse_local(text: &str, tz: Tz) -> Result<Stamp, String> {
    let s = text.trim();
    // Fast path for the plain form every file uses (no offset): no format-string parsing.
    if let Some(naive) = parse_plain_fast(s) {
        check_year(naive.date(), s)?;
        return from_local(naive, tz);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M%:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z"))
    {
        check_year(dt.naive_local().date(), s)?;
        let stamp = dt.with_timezone(&tz);
        if stamp.naive_local() != dt.naive_local() {
            return Err(format!(
                "timestamp {s:?} has UTC offset {} but the site's time zone {tz} has offset {} then",
                dt.offset(),
                stamp.offset().fix()
            ));
        }
        return Ok(stamp);
    }
    let naive = parse_naive_datetime(s)?;
    from_local(naive, tz)
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD HH:MM`, optionally `:SS`, digits only; `None` for anything
/// else (which then goes through the general parsers and their error messages).
fn parse_plain_fast(s: &str) -> Option<NaiveDateTime> {
    let (date, second_of_day) = parse_plain_parts(s)?;
    date.and_hms_opt(second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60)
}

/// [`parse_plain_fast`] as a date and the second of its day, for [`ZoneClock::local_to_unix`]:
/// `None` for anything but the plain form with a valid date and a time from 00:00:00 to
/// 23:59:59.
pub fn parse_plain_parts(s: &str) -> Option<(NaiveDate, u32)> {
    let b = s.as_bytes();
    if !(b.len() == 16 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<u32> {
        b[from..from + len]
            .iter()
            .try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let second = if b.len() == 19 {
        if b[16] != b':' {
            return None;
        }
        num(17, 2)?
    } else {
        0
    };
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    Some((date, hour * 3600 + minute * 60 + second))
}

/// Parse a local date-time without offset (`T` or space separated, seconds optional).
pub fn parse_naive_datetime(s: &str) -> Result<NaiveDateTime, String> {
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            check_year(t.date(), s)?;
            return Ok(t);
        }
    }
    Err(format!("expected a local date-time like 2025-03-03T09:30, found {s:?}"))
}

/// Parse `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date like 2025-03-08, found {s:?}"))?;
    check_year(d, s)?;
    Ok(d)
}

/// Years a date in an input file may have. Planning data lives in these; the bound keeps every
/// date arithmetic (a day after, an interval before) far from chrono's representable range.
pub const YEARS_ALLOWED: std::ops::RangeInclusive<i32> = 1000..=9999;

fn check_year(date: NaiveDate, s: &str) -> Result<(), String> {
    if YEARS_ALLOWED.contains(&date.year()) {
        Ok(())
    } else {
        Err(format!("expected a year from 1000 to 9999, found {s:?}"))
    }
}

/// Parse `HH:MM` (24-hour clock).
pub fn parse_clock(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("expected a time of day like 09:30, found {s:?}"))
}

/// Parse a weekday abbreviation or name (`Mon`, `monday`, case-insensitive).
pub fn parse_weekday(s: &str) -> Result<Weekday, String> {
    let t = s.trim().to_ascii_lowercase();
    let day = match t.get(..3).unwrap_or("") {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return Err(format!("expected a weekday like Mon or Sat, found {s:?}")),
    };
    let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    if t.len() == 3 || full.contains(&t.as_str()) {
        Ok(day)
    } else {
        Err(format!("expected a weekday like Mon or Sat, found {s:?}"))
    }
}

/// Resolve a local wall-clock time in `tz`: an error inside a spring-forward gap, the first of
/// two instants inside a fall-back overlap.
pub fn from_local(naive: NaiveDateTime, tz: Tz) -> Result<Stamp, String> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t),
        LocalResult::Ambiguous(first, _) => Ok(first),
        LocalResult::None => Err(format!(
            "local time {} does not exist in {tz} (skipped by a daylight-saving change)",
            naive.format("%Y-%m-%dT%H:%M")
        )),
    }
}

/// Whether this local wall-clock time occurs twice on its day (fall-back overlap).
pub fn is_ambiguous(stamp: &Stamp) -> bool {
    matches!(stamp.timezone().from_local_datetime(&stamp.naive_local()), LocalResult::Ambiguous(..))
}

/// Format as local wall-clock `YYYY-MM-DDTHH:MM`, adding the UTC offset only when the local time
/// is ambiguous (the repeated hour of a fall-back day), so ordinary files stay plain.
pub fn format_local(stamp: &Stamp) -> String {
    if is_ambiguous(stamp) {
        stamp.format("%Y-%m-%dT%H:%M%:z").to_string()
    } else {
        stamp.format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// Local midnight at the start of `date` (or the first instant of the day if midnight is
/// skipped by a DST change, as in some zones).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> Stamp {
    let mut t = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    loop {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(s) => return s,
            LocalResult::Ambiguous(first, _) => return first,
            LocalResult::None => t += Duration::minutes(1),
        }
    }
}

/// Local wall-clock time <-> Unix seconds in one zone, fast on the days that need no zone
/// lookup.
///
/// Most local days of any zone have one UTC offset from midnight to midnight; on such a *uniform*
/// day a local time is its day's midnight (as Unix seconds) plus the seconds since midnight, and
/// back. The clock remembers the last day it saw, so a file read in time order asks the zone
/// database about once per day instead of once per row. Days with an offset change (DST, a zone
/// changing its standard time) are not uniform, and every call about them answers `None` (or,
/// for [`ZoneClock::stamp`], asks chrono-tz): the caller's general path handles them, with its
/// errors for skipped times and its choice inside repeated ones.
#[derive(Debug, Clone)]
pub struct ZoneClock {
    tz: Tz,
    /// The last day looked up.
    day: Option<ClockDay>,
}

#[derive(Debug, Clone, Copy)]
struct ClockDay {
    date: NaiveDate,
    /// Local midnight as Unix seconds and the day's one offset; `None`: not uniform.
    uniform: Option<(i64, <Tz as TimeZone>::Offset)>,
}

impl ZoneClock {
    pub fn new(tz: Tz) -> ZoneClock {
        ZoneClock { tz, day: None }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    fn day(&mut self, date: NaiveDate) -> ClockDay {
        match self.day {
            Some(d) if d.date == date => d,
            _ => {
                let d = ClockDay { date, uniform: uniform_day(date, self.tz) };
                self.day = Some(d);
                d
            }
        }
    }

    /// Unix seconds of local `date` at `second_of_day` (below 86,400), when that day is uniform.
    pub fn local_to_unix(&mut self, date: NaiveDate, second_of_day: u32) -> Option<i64> {
        let (midnight, _) = self.day(date).uniform?;
        Some(midnight + i64::from(second_of_day))
    }

    /// The fixed UTC offset of local `date`, when that day is uniform.
    pub fn offset_of_day(&mut self, date: NaiveDate) -> Option<chrono::FixedOffset> {
        self.day(date).uniform.map(|(_, offset)| offset.fix())
    }

    /// Local midnight of `date` as Unix seconds, when that day is uniform (its slots are then
    /// `midnight + k × interval`).
    pub fn uniform_midnight(&mut self, date: NaiveDate) -> Option<i64> {
        self.day(date).uniform.map(|(midnight, _)| midnight)
    }

    /// The local date and second of the day of a Unix time, when its local day is uniform.
    pub fn unix_to_local(&mut self, unix_seconds: i64) -> Option<(NaiveDate, u32)> {
        if let Some(ClockDay { date, uniform: Some((midnight, _)) }) = self.day {
            if (midnight..midnight + 86_400).contains(&unix_seconds) {
                return Some((date, (unix_seconds - midnight) as u32));
            }
        }
        let date = self.stamp_slow(unix_seconds)?.date_naive();
        let (midnight, _) = self.day(date).uniform?;
        Some((date, (unix_seconds - midnight) as u32))
    }

    /// The local stamp of a Unix time (`None` only outside chrono's range).
    pub fn stamp(&mut self, unix_seconds: i64) -> Option<Stamp> {
        if let Some(ClockDay { uniform: Some((midnight, offset)), .. }) = self.day {
            if (midnight..midnight + 86_400).contains(&unix_seconds) {
                let utc = DateTime::from_timestamp(unix_seconds, 0)?.naive_utc();
                return Some(DateTime::from_naive_utc_and_offset(utc, offset));
            }
        }
        let stamp = self.stamp_slow(unix_seconds)?;
        self.day(stamp.date_naive());
        Some(stamp)
    }

    fn stamp_slow(&self, unix_seconds: i64) -> Option<Stamp> {
        self.tz.timestamp_opt(unix_seconds, 0).single()
    }
}

/// Local midnight of `date` as Unix seconds and its offset, when the offset is the same at
/// midnight, at noon and at the next midnight and the day lasts 24 hours. (A day whose offset
/// changed and changed back between those points would pass; no such day is known in the tz
/// database.)
fn uniform_day(date: NaiveDate, tz: Tz) -> Option<(i64, <Tz as TimeZone>::Offset)> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    let start = match tz.from_local_datetime(&midnight) {
        LocalResult::Single(s) => s,
        _ => return None,
    };
    let next = tz.from_local_datetime(&midnight.checked_add_signed(Duration::days(1))?).single()?;
    let noon = tz.timestamp_opt(start.timestamp() + 43_200, 0).single()?;
    let fixed = start.offset().fix();
    let uniform = next.timestamp() - start.timestamp() == 86_400
        && next.offset().fix() == fixed
        && noon.offset().fix() == fixed;
    uniform.then(|| (start.timestamp(), *start.offset()))
}

/// Minutes since local midnight of the stamp's local date.
pub fn minute_of_day(stamp: &Stamp) -> u32 {
    let t = stamp.naive_local().time();
    t.hour() * 60 + t.minute()
}

/// The fixed-length interval grid of a site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalGrid {
    pub tz: Tz,
    pub interval_minutes: u32,
}

impl IntervalGrid {
    pub fn new(tz: Tz, interval_minutes: u32) -> Result<Self, TimeError> {
        if !INTERVAL_MINUTES_ALLOWED.contains(&interval_minutes) {
            return Err(TimeError::BadIntervalMinutes(interval_minutes));
        }
        Ok(IntervalGrid { tz, interval_minutes })
    }

    pub fn interval(&self) -> Duration {
        Duration::minutes(i64::from(self.interval_minutes))
    }

    /// Nominal intervals per day (a 24-hour day).
    pub fn slots_per_day(&self) -> usize {
        (1440 / self.interval_minutes) as usize
    }

    /// Time-of-day slot of a stamp, 0..slots_per_day, from its local wall clock: the key for
    /// intraday seasonality (the repeated hour of a fall-back day maps onto the same slots).
    pub fn slot_of_day(&self, stamp: &Stamp) -> usize {
        (minute_of_day(stamp) / self.interval_minutes) as usize
    }

    /// Whether the stamp's local time lies on the grid.
    pub fn is_aligned(&self, stamp: &Stamp) -> bool {
        let t = stamp.naive_local().time();
        t.second() == 0 && t.nanosecond() == 0 && minute_of_day(stamp) % self.interval_minutes == 0
    }

    /// The interval start after `stamp` (absolute time step, so DST days have 23/25 hours).
    pub fn next(&self, stamp: &Stamp) -> Stamp {
        *stamp + self.interval()
    }

    /// All interval starts of a local day, in time order: 24 h of intervals on an ordinary day,
    /// 23 h on a spring-forward day, 25 h on a fall-back day.
    pub fn day_starts(&self, date: NaiveDate) -> Vec<Stamp> {
        let start = start_of_day(date, self.tz);
        let end = start_of_day(date + Duration::days(1), self.tz);
        let mut out = Vec::with_capacity(self.slots_per_day() + 4);
        let mut t = start;
        while t < end {
            out.push(t);
            t += self.interval();
        }
        out
    }

    /// All interval starts of `days` consecutive local days from `first`.
    pub fn range(&self, first: NaiveDate, days: u32) -> Vec<Stamp> {
        (0..days).flat_map(|d| self.day_starts(first + Duration::days(i64::from(d)))).collect()
    }
}

/// One open span of a weekday in minutes from that day's midnight; `end_minute` may exceed
/// 1440 for a span that crosses midnight (`22:00-06:00` is 1320..1800).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSpan {
    pub start_minute: u32,
    pub end_minute: u32,
}

/// Opening hours per weekday plus closed dates.
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningHours {
    /// Index 0 = Monday.
    pub spans: [Vec<OpenSpan>; 7],
    pub closed_dates: BTreeSet<NaiveDate>,
}

impl OpeningHours {
    /// Open around the clock, every day.
    pub fn always() -> Self {
        let all = vec![OpenSpan { start_minute: 0, end_minute: 1440 }];
        OpeningHours { spans: std::array::from_fn(|_| all.clone()), closed_dates: BTreeSet::new() }
    }

    /// Parse one day's hours: `closed`, `24h`, `08:00-22:00`, `22:00-06:00` (crosses midnight),
    /// or several spans separated by commas (`08:00-12:00,13:00-20:00`).
    pub fn parse_day(day: &str, value: &str) -> Result<Vec<OpenSpan>, TimeError> {
        let err = |message: &str| TimeError::BadOpeningHours {
            day: day.to_string(),
            value: value.to_string(),
            message: message.to_string(),
        };
        let v = value.trim();
        if v.eq_ignore_ascii_case("closed") {
            return Ok(Vec::new());
        }
        if v.eq_ignore_ascii_case("24h") {
            return Ok(vec![OpenSpan { start_minute: 0, end_minute: 1440 }]);
        }
        let mut spans = Vec::new();
        for part in v.split(',') {
            let (a, b) = part
                .split_once('-')
                .ok_or_else(|| err("expected \"closed\", \"24h\" or spans like \"08:00-22:00\""))?;
            let start = parse_hhmm_minutes(a).map_err(|m| err(&m))?;
            let end_raw = parse_hhmm_minutes(b).map_err(|m| err(&m))?;
            if start >= 1440 {
                return Err(err("a span must start before 24:00"));
            }
            let end = if end_raw <= start { end_raw + 1440 } else { end_raw };
            if end - start > 1440 {
                return Err(err("a span cannot be longer than 24 hours"));
            }
            spans.push(OpenSpan { start_minute: start, end_minute: end });
        }
        spans.sort_by_key(|s| s.start_minute);
        for w in spans.windows(2) {
            if w[1].start_minute < w[0].end_minute {
                return Err(err("spans overlap"));
            }
        }
        Ok(spans)
    }

    /// Whether a local wall-clock time is inside opening hours.
    pub fn is_open_local(&self, local: NaiveDateTime) -> bool {
        let date = local.date();
        let minute = local.time().hour() * 60 + local.time().minute();
        let today = date.weekday().num_days_from_monday() as usize;
        if !self.closed_dates.contains(&date)
            && self.spans[today].iter().any(|s| minute >= s.start_minute && minute < s.end_minute)
        {
            return true;
        }
        // A span of yesterday that runs past midnight.
        let yesterday = date.pred_opt().expect("date in range");
        let yi = yesterday.weekday().num_days_from_monday() as usize;
        !self.closed_dates.contains(&yesterday)
            && self.spans[yi].iter().any(|s| {
                s.end_minute > 1440
                    && minute + 1440 >= s.start_minute
                    && minute + 1440 < s.end_minute
            })
    }

    pub fn is_open(&self, stamp: &Stamp) -> bool {
        self.is_open_local(stamp.naive_local())
    }

    /// Whether every minute of every day is open (24×7 without closed dates).
    pub fn is_always_open(&self) -> bool {
        self.closed_dates.is_empty()
            && self
                .spans
                .iter()
                .all(|d| d.iter().any(|s| s.start_minute == 0 && s.end_minute >= 1440))
    }
}

impl fmt::Display for OpenSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.end_minute % 1440;
        let e = if self.end_minute == 1440 { 1440 } else { e };
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start_minute / 60,
            self.start_minute % 60,
            e / 60,
            e % 60
        )
    }
}

/// `HH:MM` to minutes, allowing `24:00`.
pub fn parse_hhmm_minutes(s: &str) -> Result<u32, String> {
    let s = s.trim();
    if s == "24:00" {
        return Ok(1440);
    }
    let t = parse_clock(s)?;
    Ok(t.hour() * 60 + t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Tz {
        parse_time_zone("America/New_York").unwrap()
    }

    #[test]
    fn zone_clock_agrees_with_chrono_tz_and_declines_dst_days() {
        // New York (1-hour DST at 02:00), Lord Howe (30-minute DST), Shanghai (no DST), and
        // Santiago (DST changes at midnight), over two years of days.
        for name in ["America/New_York", "Australia/Lord_Howe", "Asia/Shanghai", "America/Santiago"]
        {
            let tz = parse_time_zone(name).unwrap();
            let mut clock = ZoneClock::new(tz);
            let mut declined = 0;
            let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            for d in 0..731 {
                let date = first + Duration::days(d);
                for second in [0, 1, 3_599, 7_200, 9_000, 43_200, 86_399] {
                    let naive = date.and_hms_opt(0, 0, 0).unwrap() + Duration::seconds(second);
                    let chrono = tz.from_local_datetime(&naive);
                    match clock.local_to_unix(date, second as u32) {
                        Some(unix) => {
                            let t = chrono.single().expect("a uniform day has no gap or repeat");
                            assert_eq!(unix, t.timestamp(), "{name} {naive}");
                            assert_eq!(clock.unix_to_local(unix), Some((date, second as u32)));
                            assert_eq!(clock.stamp(unix), Some(t));
                            assert_eq!(clock.offset_of_day(date), Some(t.offset().fix()));
                        }
                        None => declined += 1,
                    }
                    if let Some(t) = chrono.earliest() {
                        assert_eq!(clock.stamp(t.timestamp()), Some(t), "{name} {naive}");
                    }
                }
            }
            // Two changes a year, all seven times of each changing day declined: one day per
            // change where it happens at night; none in Shanghai; in Santiago, where clocks
            // change at 24:00 Saturday, the fall-back Saturday (25 hours) and, in spring, both
            // the Saturday (its midnight is skipped) and the Sunday (it starts at 01:00).
            let days = match name {
                "Asia/Shanghai" => 0,
                "America/Santiago" => 6,
                _ => 4,
            };
            let expected = days * 7;
            assert_eq!(declined, expected, "{name}");
        }
    }

    #[test]
    fn spring_forward_day_has_23_hours_of_intervals() {
        let g = IntervalGrid::new(ny(), 15).unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap();
        let starts = g.day_starts(day);
        assert_eq!(starts.len(), 23 * 4);
        // 02:00 local does not exist: 01:45 is followed by 03:00.
        let i = starts.iter().position(|s| format_local(s) == "2025-03-09T01:45").unwrap();
        assert_eq!(format_local(&starts[i + 1]), "2025-03-09T03:00");
    }

    #[test]
    fn fall_back_day_has_25_hours_and_the_repeat_is_distinct() {
        let g = IntervalGrid::new(ny(), 30).unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 11, 2).unwrap();
        let starts = g.day_starts(day);
        assert_eq!(starts.len(), 25 * 2);
        let texts: Vec<String> = starts.iter().map(format_local).collect();
        assert!(texts.contains(&"2025-11-02T01:30-04:00".to_string()));
        assert!(texts.contains(&"2025-11-02T01:30-05:00".to_string()));
        let unique: BTreeSet<&String> = texts.iter().collect();
        assert_eq!(unique.len(), texts.len(), "no interval doubled");
        // Both spellings parse back to the same instants.
        for (s, t) in starts.iter().zip(&texts) {
            assert_eq!(&parse_local(t, ny()).unwrap(), s);
        }
    }

    #[test]
    fn nonexistent_local_time_is_rejected() {
        let e = parse_local("2025-03-09T02:30", ny()).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn interval_minutes_must_divide_the_day_in_supported_steps() {
        assert!(IntervalGrid::new(ny(), 6).is_ok());
        assert_eq!(IntervalGrid::new(ny(), 7), Err(TimeError::BadIntervalMinutes(7)));
    }

    #[test]
    fn cross_midnight_opening_hours() {
        let mut h = OpeningHours::always();
        h.spans = std::array::from_fn(|_| Vec::new());
        h.spans[4] = OpeningHours::parse_day("fri", "22:00-06:00").unwrap();
        let fri = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        let at = |d: NaiveDate, hh, mm| d.and_hms_opt(hh, mm, 0).unwrap();
        assert!(!h.is_open_local(at(fri, 21, 45)));
        assert!(h.is_open_local(at(fri, 22, 0)));
        assert!(h.is_open_local(at(fri.succ_opt().unwrap(), 5, 45)));
        assert!(!h.is_open_local(at(fri.succ_opt().unwrap(), 6, 0)));
        // Closing the Friday also closes its tail on Saturday morning.
        h.closed_dates.insert(fri);
        assert!(!h.is_open_local(at(fri.succ_opt().unwrap(), 1, 0)));
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        for t in ["2025-03-03T09:30", "2025-03-03 09:30", "2025-03-03T09:30:15", "2024-02-29T23:59"]
        {
            let general =
                ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok());
            assert_eq!(parse_plain_fast(t), general, "{t}");
        }
        for t in [
            "2025-02-29T09:30",
            "2025-03-03T24:00",
            "2025-03-03T09:60",
            "2025-03-03X09:30",
            "2025-3-03T09:30",
        ] {
            assert_eq!(parse_plain_fast(t), None, "{t}");
        }
    }

    #[test]
    fn years_outside_1000_to_9999_are_rejected() {
        assert!(parse_local("+262142-12-31T23:45", ny()).is_err());
        assert!(parse_local("0999-01-01T00:00", ny()).unwrap_err().contains("year"));
        assert!(parse_local("9999-12-31T23:45-05:00", ny()).is_ok());
        assert!(parse_date("10000-01-01").is_err());
        assert!(parse_naive_datetime("0000-01-01T00:00").is_err());
    }

    #[test]
    fn weekday_names() {
        assert_eq!(parse_weekday("Sat"), Ok(Weekday::Sat));
        assert_eq!(parse_weekday("sunday"), Ok(Weekday::Sun));
        assert!(parse_weekday("Satur").is_err());
    }
}
