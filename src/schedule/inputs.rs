//! One queue's inputs on the slot axis: its requirement rows laid on the horizon's intervals,
//! every shift type (start × length × day × contract) with the break classes it takes, and the
//! presolve that reports hard rules no schedule can meet before any model is built.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{BreakClass, QueueData, ShiftType};
use super::Setting;
use super::{
    hard_coverage, scheduled_for_net, BreakRuleConfig, Objective, ScheduleConfig, ScheduleError,
    Status,
};
use crate::io::requirements::RequirementRow;
use crate::site::QueueConfig;
use crate::time;

/// A shift template: its name, start (minutes after local midnight), length and the weekdays
/// it may start on (Monday first).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub start_minute: u32,
    pub length_minutes: u32,
    pub weekdays: [bool; 7],
}

/// The schedule's shift templates: `[[schedule.shifts]]` when listed, else one per start (every
/// `start_step_minutes` from `earliest_start`, on the interval grid, to `latest_start`) and
/// length of `shift_lengths_minutes`, every day.
pub fn templates(
    sc: &ScheduleConfig,
    interval_minutes: u32,
) -> Result<Vec<Template>, ScheduleError> {
    let mut templates: Vec<Template> = Vec::new();
    if sc.shifts.is_empty() {
        let lo = time::parse_hhmm_minutes(&sc.earliest_start).map_err(ScheduleError::Invalid)?;
        let hi = time::parse_hhmm_minutes(&sc.latest_start).map_err(ScheduleError::Invalid)?;
        let first = lo.div_ceil(interval_minutes) * interval_minutes;
        for &len in &sc.shift_lengths_minutes {
            let mut m = first;
            while m <= hi {
                templates.push(Template {
                    name: format!("{:02}{:02}+{len}", m / 60, m % 60),
                    start_minute: m,
                    length_minutes: len,
                    weekdays: [true; 7],
                });
                m += sc.start_step_minutes;
            }
        }
    } else {
        for s in &sc.shifts {
            let m = time::parse_hhmm_minutes(&s.start).map_err(ScheduleError::Invalid)?;
            let mut days = [s.days.is_none(); 7];
            for d in s.days.iter().flatten() {
                let wd = time::parse_weekday(d).map_err(ScheduleError::Invalid)?;
                days[wd.num_days_from_monday() as usize] = true;
            }
            templates.push(Template {
                name: s.name.clone(),
                start_minute: m,
                length_minutes: s.length_minutes,
                weekdays: days,
            });
        }
    }
    Ok(templates)
}

/// Lay one queue's requirement rows on the slot axis: every interval of the local days from
/// the rows' first date to their last. The rows are those of one queue that an
/// [`crate::frame::IntervalFrame`] took (on the site's grid, each interval once), so each
/// finds its slot.
pub(super) fn queue_data(
    rows: &[&RequirementRow],
    queue: &QueueConfig,
    config: &Setting,
    objective: Objective,
) -> Result<QueueData, ScheduleError> {
    let sc = &config.schedule;
    let grid = config.site.grid;
    let tz = grid.tz;
    let first =
        rows.iter().map(|r| r.interval_start.with_timezone(&tz).date_naive()).min().expect("rows");
    let last =
        rows.iter().map(|r| r.interval_start.with_timezone(&tz).date_naive()).max().expect("rows");
    let days = (last - first).num_days() as u32 + 1;
    let dates: Vec<NaiveDate> = (0..days).map(|d| first + Duration::days(i64::from(d))).collect();
    let mut slots = Vec::new();
    let mut slot_day = Vec::new();
    for (d, date) in dates.iter().enumerate() {
        for s in grid.day_starts(*date) {
            slots.push(s);
            slot_day.push(d);
        }
    }
    let index: BTreeMap<i64, usize> =
        slots.iter().enumerate().map(|(i, s)| (s.timestamp(), i)).collect();
    let n = slots.len();
    let mut required = vec![0u32; n];
    let mut contacts = vec![0.0; n];
    let mut aht_seconds = vec![0.0; n];
    for r in rows {
        // A grid-aligned interval of these dates is one of their day starts, unless a zone's
        // clock change is not a whole number of intervals: then say so rather than drop it.
        let t = *index.get(&r.interval_start.timestamp()).ok_or_else(|| {
            ScheduleError::Requirements {
                queue: r.queue.clone(),
                interval_start: time::format_local(&r.interval_start),
                message: format!(
                    "not an interval start of its local day on the {}-minute grid",
                    grid.interval_minutes
                ),
            }
        })?;
        required[t] = scheduled_for_net(r.agents_net, sc.unplanned_shrinkage);
        contacts[t] = r.contacts;
        aht_seconds[t] = r.aht_seconds;
    }
    let hours = queue.opening_hours(config.site)?;
    let open: Vec<bool> =
        slots.iter().zip(&required).map(|(s, &r)| r > 0 || hours.is_open(s)).collect();
    let base_floor = sc.min_agents_per_interval.max(queue.min_agents.unwrap_or(0));
    let floor: Vec<u32> = (0..n)
        .map(|t| {
            let mut f = if open[t] { base_floor } else { 0 };
            if hard_coverage(sc, queue, objective) {
                f = f.max(required[t]);
            }
            f
        })
        .collect();
    Ok(QueueData {
        name: queue.name.clone(),
        interval_minutes: grid.interval_minutes,
        slots,
        dates,
        slot_day,
        required,
        floor,
        cap: vec![sc.max_agents_per_interval; n],
        open,
        contacts,
        aht_seconds,
    })
}

/// Every shift type of the horizon and the break classes they use.
pub(super) fn shift_types(
    q: &QueueData,
    config: &Setting,
) -> Result<(Vec<ShiftType>, Vec<BreakClass>), ScheduleError> {
    let sc = &config.schedule;
    let tz = config.site.grid.tz;
    let im = i64::from(q.interval_minutes);
    let templates = templates(sc, q.interval_minutes)?;
    let mut classes: Vec<BreakClass> = Vec::new();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let h0 = q.slots[0];
    for (d, date) in q.dates.iter().enumerate() {
        let wd = date.weekday().num_days_from_monday() as usize;
        for Template { name, start_minute: minute, length_minutes: len, weekdays: days } in
            &templates
        {
            if !days[wd] {
                continue;
            }
            let naive = date.and_hms_opt(minute / 60, minute % 60, 0).expect("valid clock time");
            let Ok(start) = time::from_local(naive, tz) else { continue };
            let offset = (start - h0).num_minutes();
            if offset < 0 || offset % im != 0 {
                continue;
            }
            let start_slot = (offset / im) as usize;
            if start_slot >= q.slots.len() {
                continue;
            }
            let len_slots = (i64::from(*len) / im) as usize;
            let inside =
                (start_slot..(start_slot + len_slots).min(q.slots.len())).all(|t| q.open[t]);
            if !inside && !sc.allow_closed_intervals {
                continue;
            }
            let mut my_classes = Vec::new();
            let mut unpaid = 0;
            let mut rules: Vec<(i64, &BreakRuleConfig)> =
                sc.breaks.iter().filter_map(|b| b.window_for(*len).map(|(a, _)| (a, b))).collect();
            rules.sort_by_key(|&(a, _)| a);
            for (_, rule) in rules {
                let (a, b) = rule.window_for(*len).expect("rule applies");
                let class = BreakClass {
                    name: rule.name.clone(),
                    paid: rule.paid,
                    earliest_offset: (a / im) as usize,
                    latest_offset: (b / im) as usize,
                    len_slots: (i64::from(rule.length_minutes) / im) as usize,
                };
                let k = match classes.iter().position(|c| *c == class) {
                    Some(k) => k,
                    None => {
                        classes.push(class);
                        classes.len() - 1
                    }
                };
                my_classes.push(k);
                if !rule.paid {
                    unpaid += rule.length_minutes;
                }
            }
            let contracts: Vec<Option<usize>> = if sc.contracts.is_empty() {
                vec![None]
            } else {
                sc.contracts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.shift_lengths_minutes.contains(len))
                    .map(|(i, _)| Some(i))
                    .collect()
            };
            for contract in contracts {
                if !seen.insert((d, start_slot, *len, contract)) {
                    continue;
                }
                out.push(ShiftType {
                    day: d,
                    start_slot,
                    len_slots,
                    start,
                    length_minutes: *len,
                    paid_minutes: len - unpaid,
                    template: name.clone(),
                    contract,
                    classes: my_classes.clone(),
                });
            }
        }
    }
    Ok((out, classes))
}

/// Compact list of interval labels for an infeasibility report.
fn interval_labels(q: &QueueData, slots: &[usize]) -> Vec<String> {
    const SHOWN: usize = 12;
    let mut v: Vec<String> =
        slots.iter().take(SHOWN).map(|&t| time::format_local(&q.slots[t])).collect();
    if slots.len() > SHOWN {
        v.push(format!("... and {} more", slots.len() - SHOWN));
    }
    v
}

/// Hard rules that cannot hold whatever the shifts: checked before any solve, so the report
/// names the rule and the intervals.
pub(super) fn presolve(
    q: &QueueData,
    shifts: &[ShiftType],
    config: &ScheduleConfig,
    hard: bool,
) -> Option<Status> {
    let t_len = q.slots.len();
    let capped: Vec<usize> =
        (0..t_len).filter(|&t| q.cap[t].is_some_and(|c| c < q.floor[t])).collect();
    if !capped.is_empty() {
        let why = if hard {
            "the required agents (hard_coverage) or the minimum agents"
        } else {
            "the minimum agents per interval"
        };
        return Some(Status::Infeasible {
            rule: "max_agents_per_interval".into(),
            reason: format!(
                "the cap of {} agents is below {why}",
                config.max_agents_per_interval.unwrap_or(0)
            ),
            intervals: interval_labels(q, &capped),
        });
    }
    let mut covered = vec![false; t_len];
    for s in shifts {
        for c in covered.iter_mut().take(s.end_slot().min(t_len)).skip(s.start_slot) {
            *c = true;
        }
    }
    let bare: Vec<usize> = (0..t_len).filter(|&t| q.floor[t] > 0 && !covered[t]).collect();
    if !bare.is_empty() {
        let rule = if hard && bare.iter().any(|&t| q.required[t] > 0) {
            "hard_coverage"
        } else {
            "min_agents"
        };
        return Some(Status::Infeasible {
            rule: rule.into(),
            reason: "these intervals need agents but no shift template covers them (check earliest_start, latest_start, shift lengths, template days, opening hours)".into(),
            intervals: interval_labels(q, &bare),
        });
    }
    uncoverable(q, shifts, config, &covered)
}

/// Open intervals with agents required that no shift type covers: the shift rules leave them
/// bare whatever the solver does, so this is an error before any solve rather than a schedule
/// that is "optimal" with these agents missing. The first hours of the horizon are left out
/// when a shift type crosses midnight: there the previous day's night shift (outside the
/// horizon) would cover them.
fn uncoverable(
    q: &QueueData,
    shifts: &[ShiftType],
    config: &ScheduleConfig,
    covered: &[bool],
) -> Option<Status> {
    let crosses_midnight = shifts.iter().any(|s| {
        let end = s.start + Duration::minutes(i64::from(s.length_minutes)) - Duration::seconds(1);
        end.date_naive() != s.start.date_naive()
    });
    let first_start = shifts.iter().map(|s| s.start_slot).min().unwrap_or(0);
    let skip = if crosses_midnight { first_start } else { 0 };
    let bare: Vec<usize> =
        (skip..q.slots.len()).filter(|&t| q.required[t] > 0 && !covered[t]).collect();
    if bare.is_empty() {
        return None;
    }
    let (rule, rules) = if config.shifts.is_empty() {
        (
            "earliest_start/latest_start/shift_lengths_minutes",
            format!(
                "shifts start {}-{} every {} minutes and last {:?} minutes",
                config.earliest_start,
                config.latest_start,
                config.start_step_minutes,
                config.shift_lengths_minutes
            ),
        )
    } else {
        ("schedule.shifts", format!("the {} [[schedule.shifts]] templates", config.shifts.len()))
    };
    let inside = if config.allow_closed_intervals {
        ""
    } else {
        " inside the opening hours (a shift may not run into closed hours)"
    };
    Some(Status::Infeasible {
        rule: format!("{rule}/opening hours"),
        reason: format!(
            "{} intervals need agents but no shift can cover them: {rules}, and none of these \
             covers them{inside}",
            bare.len()
        ),
        intervals: day_spans(q, &bare),
    })
}

/// Slots as local spans grouped by day (`2026-11-23 08:00-12:00 and 17:00-21:00`): the first
/// few days, then how many more.
fn day_spans(q: &QueueData, slots: &[usize]) -> Vec<String> {
    const DAYS_SHOWN: usize = 3;
    let step = Duration::minutes(i64::from(q.interval_minutes));
    let clock = |t: &time::Stamp| t.format("%H:%M").to_string();
    let mut days: Vec<(usize, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < slots.len() {
        let mut j = i;
        while j + 1 < slots.len()
            && slots[j + 1] == slots[j] + 1
            && q.slot_day[slots[j + 1]] == q.slot_day[slots[i]]
        {
            j += 1;
        }
        let span = format!("{}-{}", clock(&q.slots[slots[i]]), clock(&(q.slots[slots[j]] + step)));
        let day = q.slot_day[slots[i]];
        match days.last_mut() {
            Some((d, spans)) if *d == day => spans.push(span),
            _ => days.push((day, vec![span])),
        }
        i = j + 1;
    }
    let mut out: Vec<String> = days
        .iter()
        .take(DAYS_SHOWN)
        .map(|(d, spans)| format!("{} {}", q.dates[*d], spans.join(" and ")))
        .collect();
    if days.len() > DAYS_SHOWN {
        out.push(format!("and {} more days", days.len() - DAYS_SHOWN));
    }
    out
}
