//! The rostering problem in solver form: seats (shift instances) and agents reduced to integers
//! (minutes, day indices, queue indices), and the agent-local evaluation that every move of the
//! search goes through.
//!
//! An agent's plan is a row of one seat (or none) per horizon day. [`Problem::evaluate`] checks
//! every hard rule that involves only that agent's row (rest, consecutive days, days and hours per
//! week) and returns its cost parts; static eligibility (skill, unavailable date or weekday,
//! earliest start, latest end) is checked per seat by [`Problem::eligible`]. Since every rule is
//! per agent, a move between two agents is feasible exactly when both new rows are.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Timelike, Weekday};

use super::{Agent, RosterConfig, RosterError, ShiftRow};
use crate::io::agents::Unavailable;
use crate::io::shifts::MAX_FILL_PRIORITY;
use crate::site::Site;

/// No seat on that day / no agent on that seat.
pub(crate) const NONE: u32 = u32::MAX;
/// Longest horizon: six planning weeks.
pub(crate) const MAX_DAYS: usize = 42;

/// Weekend, evening, night: the undesirable kinds shared out fairly.
pub(crate) const KINDS: usize = 3;

#[derive(Debug, Clone)]
pub(crate) struct Seat {
    /// Index into the caller's shift rows.
    pub row: usize,
    /// Its group of identical seats (`Problem::groups`).
    pub group: u32,
    pub day: u32,
    pub week: u32,
    pub queue: u16,
    /// Absolute minutes (UTC) of start and end: rest is measured in real time across DST.
    pub start_abs: i64,
    pub end_abs: i64,
    /// Wall-clock minutes from local midnight of the shift's date (end may exceed 1440).
    pub local_start: i32,
    pub local_end: i32,
    pub paid_minutes: u32,
    pub kinds: [bool; KINDS],
    /// Multiplier of the cost of leaving the seat empty (2^fill_priority of its shift).
    pub unfilled_weight: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct AgentRule {
    pub skills: Vec<bool>,
    /// Cost per paid minute.
    pub rate_per_minute: f64,
    /// Weekly minimum per planning week (less leave credit, see `min_minutes_in_week`).
    pub min_minutes_week: Vec<u32>,
    pub max_minutes_week: u32,
    pub max_days_week: u32,
    pub earliest: Option<i32>,
    pub latest: Option<i32>,
    /// Per horizon day: unavailable (date or weekday).
    pub unavailable: Vec<bool>,
    /// Preferred day off per horizon day.
    pub preferred_off: Vec<bool>,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub day: u32,
    pub queue: u16,
    pub seats: Vec<u32>,
}

/// Cost parts of one agent's row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Eval {
    pub labour: f64,
    pub shortfall_minutes: u32,
    pub soft: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Problem {
    /// First day of the first planning week.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub days: usize,
    pub weeks: usize,
    pub queues: Vec<String>,
    pub seats: Vec<Seat>,
    pub agents: Vec<AgentRule>,
    pub groups: Vec<Group>,
    pub groups_by_day: Vec<Vec<u32>>,
    /// Agents with each queue in their skills.
    pub pool: Vec<Vec<u32>>,
    pub rest_minutes: i64,
    pub max_consecutive_days: u32,
    pub unfilled_per_minute: f64,
    pub shortfall_per_minute: f64,
    pub weight_preferred_day_off: f64,
    pub weight_consecutive_days_off: f64,
    pub weight_start_stability_per_minute: f64,
    pub weight_fairness: f64,
}

/// First day of the planning week holding `date`.
pub(crate) fn week_start_of(date: NaiveDate, week_start: Weekday) -> NaiveDate {
    let back = (date.weekday().num_days_from_monday() + 7 - week_start.num_days_from_monday()) % 7;
    date - Duration::days(i64::from(back))
}

fn clock_minutes(t: chrono::NaiveTime) -> i32 {
    (t.hour() * 60 + t.minute()) as i32
}

/// Wall-clock minutes of `stamp` counted from local midnight of `date`.
pub(crate) fn minutes_from(date: NaiveDate, stamp: &crate::time::Stamp) -> i32 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight");
    (stamp.naive_local() - midnight).num_minutes() as i32
}

/// The three undesirable kinds of a shift, by the `[roster]` definitions.
pub(crate) fn shift_kinds(
    config: &RosterConfig,
    date: NaiveDate,
    local_start: i32,
    local_end: i32,
) -> [bool; KINDS] {
    let weekend = config.weekend_days.contains(&date.weekday());
    let ns = clock_minutes(config.night_start);
    let mut ne = clock_minutes(config.night_end);
    if ne <= ns {
        ne += 1440;
    }
    // Overlap with the night windows of the previous day, this day and the next day, in this
    // day's minutes.
    let night_minutes: i32 = [-1440, 0, 1440]
        .iter()
        .map(|off| ((ne + off).min(local_end) - (ns + off).max(local_start)).max(0))
        .sum();
    let night = f64::from(night_minutes) >= config.night_min_hours * 60.0 - 1e-9;
    let evening = !night && local_end > clock_minutes(config.evening_after);
    [weekend, evening, night]
}

/// The planning weeks a roster covers: whole weeks from the week of the first shift.
#[derive(Debug, Clone, Copy)]
struct RosterSpan {
    first_day: NaiveDate,
    weeks: usize,
}

impl RosterSpan {
    /// From the week of the first shift to the week of the last, at most `weeks` (without a
    /// limit, at most 6).
    fn of(
        shifts: &[ShiftRow],
        week_start: Weekday,
        weeks: Option<u32>,
    ) -> Result<RosterSpan, RosterError> {
        let Some(min_date) = shifts.iter().map(|s| s.date).min() else {
            return Err(RosterError::Invalid("there are no shifts to roster".into()));
        };
        let first_day = week_start_of(min_date, week_start);
        let max_date = shifts.iter().map(|s| s.date).max().expect("non-empty");
        let mut n_weeks = ((max_date - first_day).num_days() / 7 + 1) as usize;
        if let Some(w) = weeks {
            n_weeks = n_weeks.min(w as usize);
        } else if n_weeks > 6 {
            return Err(RosterError::Invalid(format!(
                "the shifts span {n_weeks} planning weeks from {first_day}; a roster covers at most 6 \
                 (use --weeks)"
            )));
        }
        Ok(RosterSpan { first_day, weeks: n_weeks })
    }

    fn days(&self) -> usize {
        self.weeks * 7
    }

    fn date(&self, day: usize) -> NaiveDate {
        self.first_day + Duration::days(day as i64)
    }
}

/// The seats of the shifts inside the span and their groups of identical seats.
struct SeatLayout {
    seats: Vec<Seat>,
    groups: Vec<Group>,
    groups_by_day: Vec<Vec<u32>>,
}

/// One seat per shift row inside the span (rows after it are left out), checked for sane
/// times; seats with the same day, queue, times and paid minutes form a group.
fn lay_seats(
    shifts: &[ShiftRow],
    rc: &RosterConfig,
    span: RosterSpan,
    queues: &[String],
) -> Result<SeatLayout, RosterError> {
    let days = span.days();
    let queue_index: BTreeMap<&str, u16> =
        queues.iter().enumerate().map(|(i, q)| (q.as_str(), i as u16)).collect();
    let mut seats = Vec::new();
    let mut group_of: BTreeMap<(u32, u16, i64, i64, u32, u32), u32> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for (row, s) in shifts.iter().enumerate() {
        let day = (s.date - span.first_day).num_days();
        if day >= days as i64 {
            continue;
        }
        let bad = |message: String| RosterError::Shift {
            shift_id: s.shift_id.clone(),
            date: s.date,
            message,
        };
        if s.shift_end <= s.shift_start {
            return Err(bad("shift_end is not after shift_start".into()));
        }
        let local_start = minutes_from(s.date, &s.shift_start);
        let local_end = minutes_from(s.date, &s.shift_end);
        if !(0..1440).contains(&local_start) {
            return Err(bad("shift_start is not on the shift's date".into()));
        }
        let length = (s.shift_end - s.shift_start).num_minutes();
        if length > 1440 || i64::from(s.paid_minutes) > length {
            return Err(bad(format!(
                "paid_minutes {} exceed the shift length of {length} minutes (or it is over 24 h)",
                s.paid_minutes
            )));
        }
        let queue = queue_index[s.queue.as_str()];
        let start_abs = s.shift_start.timestamp().div_euclid(60);
        let end_abs = s.shift_end.timestamp().div_euclid(60);
        let key = (day as u32, queue, start_abs, end_abs, s.paid_minutes, s.fill_priority);
        let seat_index = seats.len() as u32;
        let group = *group_of.entry(key).or_insert_with(|| {
            groups.push(Group { day: day as u32, queue, seats: Vec::new() });
            (groups.len() - 1) as u32
        });
        groups[group as usize].seats.push(seat_index);
        seats.push(Seat {
            row,
            group,
            day: day as u32,
            week: (day / 7) as u32,
            queue,
            start_abs,
            end_abs,
            local_start,
            local_end,
            paid_minutes: s.paid_minutes,
            kinds: shift_kinds(rc, s.date, local_start, local_end),
            unfilled_weight: 2f64.powi(s.fill_priority.min(MAX_FILL_PRIORITY) as i32),
        });
    }
    let mut groups_by_day = vec![Vec::new(); days];
    for (g, group) in groups.iter().enumerate() {
        groups_by_day[group.day as usize].push(g as u32);
    }
    Ok(SeatLayout { seats, groups, groups_by_day })
}

/// An agent's contract and availability over the span, checked for sane hours and cost.
fn agent_rule(
    a: &Agent,
    rc: &RosterConfig,
    span: RosterSpan,
    serving_skills: &[String],
) -> Result<AgentRule, RosterError> {
    let bad = |message: String| RosterError::Agent { agent_id: a.agent_id.clone(), message };
    if !(a.min_hours_week.is_finite() && a.max_hours_week.is_finite())
        || a.min_hours_week < 0.0
        || a.min_hours_week > a.max_hours_week
    {
        return Err(bad(format!(
            "min_hours_week {} and max_hours_week {} must satisfy 0 <= min <= max",
            a.min_hours_week, a.max_hours_week
        )));
    }
    let rate = a.hourly_cost.unwrap_or(rc.default_hourly_cost);
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(bad(format!("hourly_cost must be >= 0, got {rate}")));
    }
    if rate >= rc.unfilled_cost_per_hour {
        return Err(bad(format!(
            "hourly_cost {rate} is not below [roster] unfilled_cost_per_hour {}: an empty seat \
             would be cheaper than this agent",
            rc.unfilled_cost_per_hour
        )));
    }
    let days = span.days();
    let mut unavailable = vec![false; days];
    for u in &a.unavailable {
        for (d, slot) in unavailable.iter_mut().enumerate() {
            let date = span.date(d);
            match u {
                Unavailable::Date(x) if *x == date => *slot = true,
                Unavailable::Weekday(w) if *w == date.weekday() => *slot = true,
                _ => {}
            }
        }
    }
    let preferred_off =
        (0..days).map(|d| a.preferred_days_off.contains(&span.date(d).weekday())).collect();
    Ok(AgentRule {
        skills: serving_skills.iter().map(|q| a.skills.iter().any(|s| s == q)).collect(),
        rate_per_minute: rate / 60.0,
        min_minutes_week: (0..span.weeks)
            .map(|w| super::min_minutes_in_week(a, span.date(7 * w), rc))
            .collect(),
        max_minutes_week: (a.max_hours_week * 60.0).round() as u32,
        max_days_week: a.max_days_week.unwrap_or(rc.default_max_days_week).min(7),
        earliest: a.earliest_start.map(clock_minutes),
        latest: a.latest_end.map(|t| match clock_minutes(t) {
            0 => 1440,
            m => m,
        }),
        unavailable,
        preferred_off,
    })
}

impl Problem {
    pub fn build(
        shifts: &[ShiftRow],
        agents: &[Agent],
        site: &Site,
        rc: &RosterConfig,
        weeks: Option<u32>,
    ) -> Result<Problem, RosterError> {
        let span = RosterSpan::of(shifts, site.week_start, weeks)?;
        let (first_day, n_weeks, days) = (span.first_day, span.weeks, span.days());
        let last_day = first_day + Duration::days(days as i64 - 1);

        let mut queues: Vec<String> = shifts.iter().map(|s| s.queue.clone()).collect();
        queues.sort();
        queues.dedup();
        let SeatLayout { seats, groups, groups_by_day } = lay_seats(shifts, rc, span, &queues)?;

        // The agents.csv skill serving each queue (a VIP line may be served by "voice").
        let serving_skills: Vec<String> = queues
            .iter()
            .map(|q| site.queue(q).map_or(q.as_str(), |c| c.skill()).to_string())
            .collect();
        let mut rules = Vec::with_capacity(agents.len());
        let mut seen = BTreeMap::new();
        for a in agents {
            if seen.insert(a.agent_id.as_str(), ()).is_some() {
                return Err(RosterError::Agent {
                    agent_id: a.agent_id.clone(),
                    message: "appears twice in the agents file".into(),
                });
            }
            rules.push(agent_rule(a, rc, span, &serving_skills)?);
        }
        let pool = (0..queues.len())
            .map(|q| (0..rules.len() as u32).filter(|&a| rules[a as usize].skills[q]).collect())
            .collect();
        Ok(Problem {
            first_day,
            last_day,
            days,
            weeks: n_weeks,
            queues,
            seats,
            agents: rules,
            groups,
            groups_by_day,
            pool,
            rest_minutes: (rc.min_rest_hours * 60.0).round() as i64,
            max_consecutive_days: rc.max_consecutive_days,
            unfilled_per_minute: rc.unfilled_cost_per_hour / 60.0,
            shortfall_per_minute: rc.min_hours_shortfall_cost_per_hour / 60.0,
            weight_preferred_day_off: rc.weight_preferred_day_off,
            weight_consecutive_days_off: rc.weight_consecutive_days_off,
            weight_start_stability_per_minute: rc.weight_start_stability / 60.0,
            weight_fairness: rc.weight_fairness,
        })
    }

    /// Skill, unavailability and the agent's earliest start / latest end.
    #[inline]
    pub fn eligible(&self, agent: usize, seat: usize) -> bool {
        let a = &self.agents[agent];
        let s = &self.seats[seat];
        a.skills[s.queue as usize]
            && !a.unavailable[s.day as usize]
            && a.earliest.is_none_or(|e| s.local_start >= e)
            && a.latest.is_none_or(|l| s.local_end <= l)
    }

    /// Objective of one agent's cost parts.
    #[inline]
    pub fn objective(&self, e: &Eval) -> f64 {
        e.labour + self.shortfall_per_minute * f64::from(e.shortfall_minutes) + e.soft
    }

    /// Check the row-level hard rules of `agent` with plan `row` (one seat or [`NONE`] per day)
    /// and return its cost parts, or `None` when a rule is broken.
    pub fn evaluate(&self, agent: usize, row: &[u32]) -> Option<Eval> {
        let a = &self.agents[agent];
        let mut eval = Eval::default();
        let mut paid_total = 0u64;
        let mut prev: Option<&Seat> = None;
        let mut run = 0u32;
        let mut kinds = [0u32; KINDS];
        let mut preferred_hits = 0u32;
        let mut stability_minutes = 0i64;
        let mut no_pair_weeks = 0u32;
        for w in 0..self.weeks {
            let mut minutes = 0u32;
            let mut worked = 0u32;
            let mut pair_off = false;
            for d in w * 7..w * 7 + 7 {
                let seat = row[d];
                if seat == NONE {
                    run = 0;
                    if d + 1 < w * 7 + 7 && row[d + 1] == NONE {
                        pair_off = true;
                    }
                    continue;
                }
                let s = &self.seats[seat as usize];
                if let Some(p) = prev {
                    if s.start_abs < p.end_abs + self.rest_minutes {
                        return None;
                    }
                    if p.day + 1 == s.day && p.week == s.week {
                        stability_minutes += i64::from((s.local_start - p.local_start).abs());
                    }
                }
                run += 1;
                if run > self.max_consecutive_days {
                    return None;
                }
                prev = Some(s);
                worked += 1;
                minutes += s.paid_minutes;
                for (count, &is) in kinds.iter_mut().zip(&s.kinds) {
                    *count += u32::from(is);
                }
                preferred_hits += u32::from(a.preferred_off[d]);
            }
            if worked > a.max_days_week || minutes > a.max_minutes_week {
                return None;
            }
            eval.shortfall_minutes += a.min_minutes_week[w].saturating_sub(minutes);
            no_pair_weeks += u32::from(!pair_off);
            paid_total += u64::from(minutes);
        }
        eval.labour = a.rate_per_minute * paid_total as f64;
        let squares: u32 = kinds.iter().map(|k| k * k).sum();
        eval.soft = self.weight_preferred_day_off * f64::from(preferred_hits)
            + self.weight_consecutive_days_off * f64::from(no_pair_weeks)
            + self.weight_start_stability_per_minute * stability_minutes as f64
            + self.weight_fairness * f64::from(squares);
        Some(eval)
    }

    /// The first rule that stops `agent` (plan `row`, free on the seat's day) from taking `seat`,
    /// in words; `None` when it could take it.
    pub fn blocking_rule(&self, agent: usize, row: &[u32], seat: usize) -> Option<&'static str> {
        let a = &self.agents[agent];
        let s = &self.seats[seat];
        let d = s.day as usize;
        if row[d] != NONE {
            return Some("already working that day");
        }
        let mut trial = [NONE; MAX_DAYS];
        trial[..self.days].copy_from_slice(row);
        trial[d] = seat as u32;
        if self.evaluate(agent, &trial[..self.days]).is_some() {
            return None;
        }
        let week = s.week as usize;
        let in_week = || (week * 7..week * 7 + 7).filter(|&x| trial[x] != NONE);
        if in_week().count() as u32 > a.max_days_week {
            return Some("at max days per week");
        }
        let minutes: u32 = in_week().map(|x| self.seats[trial[x] as usize].paid_minutes).sum();
        if minutes > a.max_minutes_week {
            return Some("at max hours per week");
        }
        let before = (0..d).rev().find(|&x| trial[x] != NONE);
        let after = (d + 1..self.days).find(|&x| trial[x] != NONE);
        let rest_ok = before.is_none_or(|x| {
            s.start_abs >= self.seats[trial[x] as usize].end_abs + self.rest_minutes
        }) && after.is_none_or(|x| {
            self.seats[trial[x] as usize].start_abs >= s.end_abs + self.rest_minutes
        });
        if !rest_ok {
            return Some("blocked by the rest rule");
        }
        Some("at max consecutive days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(day: &str, start: i32, end: i32) -> [bool; KINDS] {
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        shift_kinds(&RosterConfig::default(), date, start, end)
    }

    #[test]
    fn shifts_are_classed_by_the_roster_definitions() {
        // 2025-03-03 is a Monday, 2025-03-08 a Saturday. Minutes from local midnight.
        assert_eq!(kinds("2025-03-03", 7 * 60, 15 * 60), [false, false, false]);
        // Ends 22:30: after 20:00, but only 30 minutes of night (< 3 h): evening.
        assert_eq!(kinds("2025-03-03", 14 * 60, 22 * 60 + 30), [false, true, false]);
        // 22:00–06:30: 8 hours inside 22:00–06:00: night (not also evening).
        assert_eq!(kinds("2025-03-03", 22 * 60, 30 * 60 + 30), [false, false, true]);
        // 03:00–11:00: 3 hours inside the previous night's window.
        assert_eq!(kinds("2025-03-03", 3 * 60, 11 * 60), [false, false, true]);
        assert_eq!(kinds("2025-03-08", 9 * 60, 17 * 60), [true, false, false]);
    }

    #[test]
    fn week_start_follows_the_site() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(); // Wednesday
        assert_eq!(week_start_of(d, Weekday::Mon), NaiveDate::from_ymd_opt(2025, 3, 3).unwrap());
        assert_eq!(week_start_of(d, Weekday::Sun), NaiveDate::from_ymd_opt(2025, 3, 2).unwrap());
        assert_eq!(week_start_of(d, Weekday::Wed), d);
    }
}
