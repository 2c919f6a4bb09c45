//! `roster check`: every hard rule, checked on roster rows as they are in the file.
//!
//! This is deliberately a second implementation, independent of the solver's evaluation: it
//! works on clock times and dates of [`RosterRow`]s (as HR sees them), so a test that runs
//! [`super::solve`] and then `check` really tests the solver.
//!
//! Each violation names the roster rows it is about ([`Violation::rows`], indices into the
//! roster; with [`check_file`] also their file lines). A row repeated verbatim is one
//! `duplicate_row` violation and is otherwise left out (not also "-8.5 h rest" and "2 shifts on
//! one date"). [`compare_with_shifts`] holds a roster against the shifts it should fill.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Timelike, Weekday};
use serde::Serialize;

use super::model::{minutes_from, week_start_of};
use super::RosterConfig;
use super::{Agent, RosterRow, ShiftRow};
use crate::io::agents::Unavailable;
use crate::io::roster::RosterFile;
use crate::site::Site;
use crate::time::{self, Stamp};

/// The hard rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The row repeats an earlier row verbatim.
    DuplicateRow,
    /// The row names an agent that is not in agents.csv.
    UnknownAgent,
    /// The row's `name` is not the agents.csv name of its `agent_id`.
    Name,
    /// The row's queue is not in plan.toml.
    UnknownQueue,
    /// The shift runs into hours its queue is closed.
    OpeningHours,
    /// With `--shifts`: the row matches no shift of shifts.csv (queue, start and end).
    NoMatchingShift,
    /// The shift starts on another date than the row's, or pays more minutes than it lasts.
    ShiftTimes,
    Skill,
    UnavailableDate,
    UnavailableWeekday,
    EarliestStart,
    LatestEnd,
    OneShiftPerDay,
    MinRest,
    MaxConsecutiveDays,
    MaxDaysWeek,
    MaxHoursWeek,
    MinHoursWeek,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string));
        write!(f, "{}", s.unwrap_or_default())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub agent_id: String,
    /// The day concerned (for weekly rules, the first day of the planning week).
    pub date: NaiveDate,
    pub rule: Rule,
    pub detail: String,
    /// The roster rows concerned (indices into the roster, in file order).
    #[serde(skip)]
    pub rows: Vec<usize>,
    /// Their file lines (with [`check_file`]; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<u64>,
}

/// A roster row with its index in the roster.
#[derive(Clone, Copy)]
struct Indexed<'a> {
    index: usize,
    row: &'a RosterRow,
}

impl std::ops::Deref for Indexed<'_> {
    type Target = RosterRow;
    fn deref(&self) -> &RosterRow {
        self.row
    }
}

/// Where a row is in the file, for details that point at another row.
fn row_label(lines: Option<&[u64]>, index: usize) -> String {
    match lines {
        Some(l) => format!("line {}", l[index]),
        None => format!("row {}", index + 1),
    }
}

/// Full English weekday name ("Sunday"), for messages.
fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The weekly minimum of `agent` in the planning week starting `week_first_day`, in minutes:
/// `min_hours_week`, less (with `credit_unavailable_dates`) the contract's daily share
/// `min_hours_week / max_days_week` for each date of that week listed in `unavailable` (leave is
/// paid time, so it counts toward the minimum; an unavailable weekday is part of the work pattern
/// and a date falling on one earns no credit).
pub fn min_minutes_in_week(
    agent: &Agent,
    week_first_day: NaiveDate,
    config: &super::RosterConfig,
) -> u32 {
    let min_minutes = (agent.min_hours_week * 60.0).round() as u32;
    if !config.credit_unavailable_dates || min_minutes == 0 {
        return min_minutes;
    }
    let max_days = agent.max_days_week.unwrap_or(config.default_max_days_week).clamp(1, 7);
    let leave_days = (0..7)
        .map(|i| week_first_day + Duration::days(i))
        .filter(|d| {
            agent.unavailable.contains(&Unavailable::Date(*d))
                && !agent.unavailable.contains(&Unavailable::Weekday(d.weekday()))
        })
        .count() as u32;
    let credit = (f64::from(min_minutes) * f64::from(leave_days.min(max_days))
        / f64::from(max_days))
    .round() as u32;
    min_minutes.saturating_sub(credit)
}

/// Check a roster against every hard rule. The planning weeks are those from the week of the
/// earliest row to the week of the latest; weekly minimum hours are checked for every agent in
/// `agents` in each of them.
pub fn check(
    roster: &[RosterRow],
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
) -> Vec<Violation> {
    check_with_horizon(roster, agents, site, config, None)
}

/// [`check`] with an explicit horizon `(first, last)` date (weeks from the week of `first` to
/// the week of `last`), so that an agent with no shift in a week of the horizon is still held
/// to its minimum.
pub fn check_with_horizon(
    roster: &[RosterRow],
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    horizon: Option<(NaiveDate, NaiveDate)>,
) -> Vec<Violation> {
    let rules = FileRules { lines: None, opening_hours: false };
    check_rows(roster, rules, agents, site, config, horizon)
}

/// What [`check_file`] adds to the rules of [`check`].
#[derive(Clone, Copy)]
struct FileRules<'a> {
    /// File line of each row.
    lines: Option<&'a [u64]>,
    /// Check that shifts lie inside their queue's opening hours (a roster from `roster` takes
    /// the schedule's shifts, which `[schedule] allow_closed_intervals` may let run into
    /// closed hours).
    opening_hours: bool,
}

/// [`check`] on a roster read from a file: violations carry the file lines of their rows, and
/// details that refer to another row name its line. Unless `allow_closed_intervals` (the plan's
/// `[schedule]` key), a shift must also lie inside its queue's opening hours.
pub fn check_file(
    roster: &RosterFile,
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    allow_closed_intervals: bool,
) -> Vec<Violation> {
    let rules = FileRules { lines: Some(&roster.lines), opening_hours: !allow_closed_intervals };
    check_rows(&roster.rows, rules, agents, site, config, None)
}

fn check_rows(
    roster: &[RosterRow],
    rules: FileRules,
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    horizon: Option<(NaiveDate, NaiveDate)>,
) -> Vec<Violation> {
    let rc = config;
    let lines = rules.lines;
    let week_start = site.week_start;
    let mut out = Vec::new();
    let by_id: BTreeMap<&str, &Agent> = agents.iter().map(|a| (a.agent_id.as_str(), a)).collect();
    let mut rows_of: BTreeMap<&str, Vec<Indexed>> = BTreeMap::new();
    for (index, row) in unique_rows(roster, lines, &mut out) {
        rows_of.entry(row.agent_id.as_str()).or_default().push(Indexed { index, row });
    }
    let weeks = planning_weeks(roster, horizon, week_start);
    for (id, rows) in &mut rows_of {
        let Some(agent) = by_id.get(id) else {
            for r in rows.iter() {
                out.push(Violation {
                    agent_id: id.to_string(),
                    date: r.date,
                    rule: Rule::UnknownAgent,
                    detail: format!("agent {id:?} is not in the agents file"),
                    rows: vec![r.index],
                    lines: Vec::new(),
                });
            }
            continue;
        };
        rows.sort_by_key(|r| (r.shift_start, r.date, r.index));
        let mut checker = AgentChecker { agent, rc, site, week_start, rules, out: &mut out };
        for r in rows.iter() {
            checker.check_row(r);
        }
        let dates = checker.check_days(rows);
        checker.check_weekly_limits(rows, &dates);
    }
    // Weekly minimum, for every agent (also those without a single row).
    for agent in agents {
        for w in &weeks {
            let rows = rows_of.get(agent.agent_id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            out.extend(min_hours_violation(agent, *w, rows, rc, week_start));
        }
    }
    if let Some(lines) = lines {
        for v in &mut out {
            v.lines = v.rows.iter().map(|&i| lines[i]).collect();
        }
    }
    out.sort_by(|a, b| {
        (&a.agent_id, a.date, a.rule, &a.rows).cmp(&(&b.agent_id, b.date, b.rule, &b.rows))
    });
    out
}

/// The roster's rows without verbatim repeats (index and row); each repeat is a
/// `duplicate_row` violation naming the row it repeats.
fn unique_rows<'a>(
    roster: &'a [RosterRow],
    lines: Option<&[u64]>,
    out: &mut Vec<Violation>,
) -> Vec<(usize, &'a RosterRow)> {
    let mut first: Vec<(usize, &RosterRow)> = Vec::with_capacity(roster.len());
    let mut by_key: BTreeMap<(&str, Stamp, Stamp), Vec<usize>> = BTreeMap::new();
    for (i, r) in roster.iter().enumerate() {
        let same = by_key.entry((r.agent_id.as_str(), r.shift_start, r.shift_end)).or_default();
        match same.iter().find(|&&j| roster[j] == *r) {
            Some(&j) => out.push(Violation {
                agent_id: r.agent_id.clone(),
                date: r.date,
                rule: Rule::DuplicateRow,
                detail: format!("the same row as {} (a row entered twice)", row_label(lines, j)),
                rows: vec![i],
                lines: Vec::new(),
            }),
            None => {
                same.push(i);
                first.push((i, r));
            }
        }
    }
    first
}

/// Seats of shifts.csv no roster row takes, by shift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostSeat {
    pub queue: String,
    pub shift_start: String,
    pub shift_end: String,
    /// Seats of this shift in shifts.csv.
    pub seats: u32,
    /// Of them, taken by no roster row.
    pub lost: u32,
}

/// A roster held against the shifts it should fill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftComparison {
    pub lost_seats: Vec<LostSeat>,
    /// Rows that match no seat of shifts.csv (or more rows than the shift has seats).
    pub unmatched: Vec<Violation>,
}

impl ShiftComparison {
    pub fn lost_total(&self) -> u32 {
        self.lost_seats.iter().map(|l| l.lost).sum()
    }
}

/// Match roster rows to seats of shifts.csv by queue, shift start and shift end (each seat
/// taken once, rows in file order): the seats left over were lost, the rows left over match no
/// shift.
pub fn compare_with_shifts(roster: &RosterFile, shifts: &[ShiftRow]) -> ShiftComparison {
    let mut seats: BTreeMap<(&str, Stamp, Stamp), (u32, u32)> = BTreeMap::new();
    for s in shifts {
        seats.entry((s.queue.as_str(), s.shift_start, s.shift_end)).or_insert((0, 0)).0 += 1;
    }
    let mut unmatched = Vec::new();
    for (i, r) in roster.rows.iter().enumerate() {
        match seats.get_mut(&(r.queue.as_str(), r.shift_start, r.shift_end)) {
            Some((total, taken)) if *taken < *total => *taken += 1,
            found => {
                let why = if found.is_some() {
                    "more rows than shifts.csv has seats for"
                } else {
                    "no shift of shifts.csv has"
                };
                unmatched.push(Violation {
                    agent_id: r.agent_id.clone(),
                    date: r.date,
                    rule: Rule::NoMatchingShift,
                    detail: format!(
                        "{why} queue {} from {} to {}",
                        r.queue,
                        time::format_local(&r.shift_start),
                        time::format_local(&r.shift_end)
                    ),
                    rows: vec![i],
                    lines: vec![roster.lines[i]],
                });
            }
        }
    }
    let lost_seats = seats
        .into_iter()
        .filter(|(_, (total, taken))| taken < total)
        .map(|((queue, start, end), (total, taken))| LostSeat {
            queue: queue.to_string(),
            shift_start: time::format_local(&start),
            shift_end: time::format_local(&end),
            seats: total,
            lost: total - taken,
        })
        .collect();
    ShiftComparison { lost_seats, unmatched }
}

/// First days of the planning weeks from the week of the horizon's (else the roster's) first
/// date to the week of its last.
fn planning_weeks(
    roster: &[RosterRow],
    horizon: Option<(NaiveDate, NaiveDate)>,
    week_start: Weekday,
) -> Vec<NaiveDate> {
    let span = horizon.or_else(|| {
        let lo = roster.iter().map(|r| r.date).min()?;
        let hi = roster.iter().map(|r| r.date).max()?;
        Some((lo, hi))
    });
    match span {
        None => Vec::new(),
        Some((lo, hi)) => {
            let first = week_start_of(lo, week_start);
            let last = week_start_of(hi, week_start);
            (0..=(last - first).num_days() / 7).map(|i| first + Duration::days(7 * i)).collect()
        }
    }
}

/// Minutes after midnight as `HH:MM` (of the day they fall in).
pub(super) fn clock(m: i32) -> String {
    format!("{:02}:{:02}", m.rem_euclid(1440) / 60, m.rem_euclid(1440) % 60)
}

/// The rules of one known agent's rows, collecting violations into `out`.
struct AgentChecker<'a> {
    agent: &'a Agent,
    rc: &'a super::RosterConfig,
    site: &'a Site,
    week_start: Weekday,
    rules: FileRules<'a>,
    out: &'a mut Vec<Violation>,
}

impl AgentChecker<'_> {
    fn push(&mut self, date: NaiveDate, rule: Rule, detail: String, rows: Vec<usize>) {
        self.out.push(Violation {
            agent_id: self.agent.agent_id.clone(),
            date,
            rule,
            detail,
            rows,
            lines: Vec::new(),
        });
    }

    /// The queue is in plan.toml and open for the whole shift (every grid interval from its
    /// start).
    fn check_queue_hours(&mut self, r: &Indexed) {
        let Some(queue) = self.site.queue(&r.queue) else {
            self.push(
                r.date,
                Rule::UnknownQueue,
                format!("queue {:?} is not in plan.toml", r.queue),
                vec![r.index],
            );
            return;
        };
        if !self.rules.opening_hours {
            return;
        }
        let Ok(hours) = queue.opening_hours(self.site) else { return };
        let step = Duration::minutes(i64::from(self.site.grid.interval_minutes));
        let mut t = r.shift_start;
        while t < r.shift_end {
            if !hours.is_open(&t) {
                self.push(
                    r.date,
                    Rule::OpeningHours,
                    format!(
                        "shift {}-{} runs into closed hours of queue {} (closed at {})",
                        r.shift_start.format("%H:%M"),
                        r.shift_end.format("%H:%M"),
                        r.queue,
                        t.format("%Y-%m-%d %H:%M")
                    ),
                    vec![r.index],
                );
                return;
            }
            t += step;
        }
    }

    /// The rules of a single row: shift times, skill, unavailability, earliest start and
    /// latest end.
    fn check_row(&mut self, r: &Indexed) {
        let agent = self.agent;
        let at = vec![r.index];
        // An empty name is a row without one (the column may be left blank), not a wrong one.
        if !r.name.is_empty() && r.name != agent.name {
            self.push(
                r.date,
                Rule::Name,
                format!(
                    "name {:?} is not the agents file's name of {} ({:?})",
                    r.name, agent.agent_id, agent.name
                ),
                at.clone(),
            );
        }
        self.check_queue_hours(r);
        let start = minutes_from(r.date, &r.shift_start);
        let end = minutes_from(r.date, &r.shift_end);
        let length = (r.shift_end - r.shift_start).num_minutes();
        if !(0..1440).contains(&start) {
            self.push(
                r.date,
                Rule::ShiftTimes,
                format!(
                    "shift starts {} but the row's date is {}",
                    r.shift_start.format("%Y-%m-%d %H:%M"),
                    r.date
                ),
                at.clone(),
            );
        }
        if i64::from(r.paid_minutes) > length {
            self.push(
                r.date,
                Rule::ShiftTimes,
                format!(
                    "paid_minutes {} exceed the shift length of {length} minutes",
                    r.paid_minutes
                ),
                at.clone(),
            );
        }
        if !agent.skills.iter().any(|s| self.site.skill_serves(s, &r.queue)) {
            let skill = self.site.queue(&r.queue).map_or(r.queue.as_str(), |q| q.skill());
            let served_by = if skill == r.queue {
                String::new()
            } else {
                format!(" (served by skill {skill})")
            };
            self.push(
                r.date,
                Rule::Skill,
                format!(
                    "queue {}{served_by} is not among the skills {}",
                    r.queue,
                    agent.skills.join(";")
                ),
                at.clone(),
            );
        }
        for u in &agent.unavailable {
            match u {
                Unavailable::Date(d) if *d == r.date => {
                    self.push(
                        r.date,
                        Rule::UnavailableDate,
                        format!("unavailable on {d}"),
                        at.clone(),
                    );
                }
                Unavailable::Weekday(w) if *w == r.date.weekday() => {
                    self.push(
                        r.date,
                        Rule::UnavailableWeekday,
                        format!("unavailable on {}s", weekday_name(*w)),
                        at.clone(),
                    );
                }
                _ => {}
            }
        }
        if let Some(e) = agent.earliest_start {
            let e_min = (e.hour() * 60 + e.minute()) as i32;
            if start < e_min {
                self.push(
                    r.date,
                    Rule::EarliestStart,
                    format!("starts {} before earliest_start {}", clock(start), e.format("%H:%M")),
                    at.clone(),
                );
            }
        }
        if let Some(l) = agent.latest_end {
            let mut l_min = (l.hour() * 60 + l.minute()) as i32;
            if l_min == 0 {
                l_min = 1440;
            }
            if end > l_min {
                let next = if end > 1440 { " next day" } else { "" };
                self.push(
                    r.date,
                    Rule::LatestEnd,
                    format!("ends {}{next} after latest_end {}", clock(end), l.format("%H:%M")),
                    at.clone(),
                );
            }
        }
    }

    /// The rules between days of the rows (sorted by start): one shift per date, minimum rest
    /// and consecutive working dates. Returns the working dates in order.
    fn check_days(&mut self, rows: &[Indexed]) -> Vec<NaiveDate> {
        let rc = self.rc;
        let mut per_date: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
        for r in rows {
            per_date.entry(r.date).or_default().push(r.index);
        }
        for (d, on_date) in &per_date {
            if on_date.len() > 1 {
                let mut at = on_date.clone();
                at.sort_unstable();
                let detail = format!(
                    "{} shifts on one date ({})",
                    at.len(),
                    at.iter()
                        .map(|&i| row_label(self.rules.lines, i))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.push(*d, Rule::OneShiftPerDay, detail, at);
            }
        }
        // Rest between consecutive shifts (also catches overlaps), in real elapsed time.
        let rest = Duration::minutes((rc.min_rest_hours * 60.0).round() as i64);
        for pair in rows.windows(2) {
            let gap = pair[1].shift_start - pair[0].shift_end;
            if gap < rest {
                let detail = if gap < Duration::zero() {
                    format!(
                        "overlaps the shift {} to {} ({})",
                        pair[0].shift_start.format("%Y-%m-%d %H:%M"),
                        pair[0].shift_end.format("%Y-%m-%d %H:%M"),
                        row_label(self.rules.lines, pair[0].index)
                    )
                } else {
                    format!(
                        "{:.1} h rest after the shift ending {} (minimum {} h)",
                        gap.num_minutes() as f64 / 60.0,
                        pair[0].shift_end.format("%Y-%m-%d %H:%M"),
                        rc.min_rest_hours
                    )
                };
                self.push(pair[1].date, Rule::MinRest, detail, vec![pair[1].index]);
            }
        }
        // Consecutive working dates: one violation per run that exceeds the limit.
        let dates: Vec<NaiveDate> = per_date.keys().copied().collect();
        let mut run = 1u32;
        for i in 1..dates.len() {
            run = if dates[i] - dates[i - 1] == Duration::days(1) { run + 1 } else { 1 };
            if run == rc.max_consecutive_days + 1 {
                self.push(
                    dates[i],
                    Rule::MaxConsecutiveDays,
                    format!("day {run} in a row (maximum {})", rc.max_consecutive_days),
                    per_date[&dates[i]].clone(),
                );
            }
        }
        dates
    }

    /// Maximum days and paid hours in each planning week that has rows.
    fn check_weekly_limits(&mut self, rows: &[Indexed], dates: &[NaiveDate]) {
        let agent = self.agent;
        let week_start = self.week_start;
        let max_days = agent.max_days_week.unwrap_or(self.rc.default_max_days_week);
        // (working days, paid minutes) per week.
        let mut per_week: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
        for r in rows {
            let e = per_week.entry(week_start_of(r.date, week_start)).or_insert((0, 0));
            e.1 += r.paid_minutes;
        }
        for d in dates {
            per_week.entry(week_start_of(*d, week_start)).or_insert((0, 0)).0 += 1;
        }
        for (w, (days, minutes)) in &per_week {
            let in_week = rows_in_week(rows, *w, week_start);
            if *days > max_days {
                self.push(
                    *w,
                    Rule::MaxDaysWeek,
                    format!("{days} days in the week of {w} (maximum {max_days})"),
                    in_week.clone(),
                );
            }
            let max_minutes = (agent.max_hours_week * 60.0).round() as u32;
            if *minutes > max_minutes {
                self.push(
                    *w,
                    Rule::MaxHoursWeek,
                    format!(
                        "{} paid hours in the week of {w} (maximum {})",
                        *minutes as f64 / 60.0,
                        agent.max_hours_week
                    ),
                    in_week,
                );
            }
        }
    }
}

/// The weekly-minimum violation of `agent` in the week starting `week`, given its rows.
/// Indices of the rows dated in the planning week starting `week`, in file order.
fn rows_in_week(rows: &[Indexed], week: NaiveDate, week_start: Weekday) -> Vec<usize> {
    let mut v: Vec<usize> = rows
        .iter()
        .filter(|r| week_start_of(r.date, week_start) == week)
        .map(|r| r.index)
        .collect();
    v.sort_unstable();
    v
}

fn min_hours_violation(
    agent: &Agent,
    week: NaiveDate,
    rows: &[Indexed],
    rc: &super::RosterConfig,
    week_start: Weekday,
) -> Option<Violation> {
    let min_minutes = min_minutes_in_week(agent, week, rc);
    if min_minutes == 0 {
        return None;
    }
    let minutes: u32 = rows
        .iter()
        .filter(|r| week_start_of(r.date, week_start) == week)
        .map(|r| r.paid_minutes)
        .sum();
    if minutes >= min_minutes {
        return None;
    }
    let credit = if (agent.min_hours_week * 60.0).round() as u32 == min_minutes {
        String::new()
    } else {
        format!(", {} after unavailable dates", f64::from(min_minutes) / 60.0)
    };
    Some(Violation {
        agent_id: agent.agent_id.clone(),
        date: week,
        rule: Rule::MinHoursWeek,
        detail: format!(
            "{} paid hours in the week of {week} (minimum {}{credit})",
            minutes as f64 / 60.0,
            agent.min_hours_week
        ),
        rows: rows_in_week(rows, week, week_start),
        lines: Vec::new(),
    })
}
