//! Independent blocks of days: a queue's horizon cut where nothing couples one day to the next,
//! each block solved as its own integer program and the results joined.
//!
//! Without weekly tours, a queue's model couples two days only through a shift that starts on
//! one and ends on the other, and (service-level mode, `service_level_scope = "week"`) through
//! a target over the whole horizon. Where no shift type of the horizon crosses a midnight — a
//! site closed overnight, or templates that end by midnight — and the targets are per day, the
//! model is a sum of independent models, one per block of days between such midnights: its
//! optimum, LP bound and every feasible point are the blocks' put together. Solving the blocks
//! apart gives the same schedule family at a fraction of the work (the LP of a week of the
//! sample's voice queue takes about 25 times one day's), lets the days of a queue run side by
//! side, and makes a 4- or 6-week horizon cost 4 or 6 times one week, not more.
//!
//! A block's shift types are the horizon's types inside it: a block that ends at a cut gets no
//! type running past its last midnight (on the whole horizon such a type would cross the cut,
//! or would have been left out for covering closed intervals after it).

use chrono::NaiveDate;

use super::model::{QueueData, ShiftType};
use super::{DayServiceLevel, QueueOutcome, QueueSummary, ServiceLevelScope, Status};
use crate::io::requirements::RequirementRow;

/// Days `first..=last` (indices into the horizon's dates) that form one independent model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DayBlock {
    pub(super) first: usize,
    pub(super) last: usize,
}

/// What couples days besides shifts: tours (a week of days-off patterns) and a weekly
/// service-level target.
#[derive(Debug, Clone, Copy)]
pub(super) struct Coupling {
    pub(super) tours: bool,
    pub(super) service_level_scope: Option<ServiceLevelScope>,
}

/// The horizon's independent blocks of days, in time order; one block when anything couples
/// the whole horizon. A cut is made at the midnight before day `d` when no shift type crosses
/// it and both day `d - 1` and day `d` have requirement rows (so every block starts and ends
/// on a day with rows, as the horizon itself does).
pub(super) fn day_blocks(
    q: &QueueData,
    types: &[ShiftType],
    days_with_rows: &[bool],
    coupling: Coupling,
) -> Vec<DayBlock> {
    let days = q.dates.len();
    let whole = vec![DayBlock { first: 0, last: days.saturating_sub(1) }];
    if days <= 1 || coupling.tours || coupling.service_level_scope == Some(ServiceLevelScope::Week)
    {
        return whole;
    }
    // Slot index where each day starts.
    let mut day_start = vec![q.slots.len(); days];
    for (t, &d) in q.slot_day.iter().enumerate().rev() {
        day_start[d] = t;
    }
    let mut crossed = vec![false; days];
    for s in types {
        for (d, crossed) in crossed.iter_mut().enumerate().skip(1) {
            let b = day_start[d];
            if s.start_slot < b && s.end_slot() > b {
                *crossed = true;
            }
        }
    }
    let mut blocks = Vec::new();
    let mut first = 0;
    for d in 1..days {
        if !crossed[d] && days_with_rows[d - 1] && days_with_rows[d] {
            blocks.push(DayBlock { first, last: d - 1 });
            first = d;
        }
    }
    blocks.push(DayBlock { first, last: days - 1 });
    blocks
}

/// The rows of each block (rows keep their order), by the local date of their interval.
pub(super) fn split_rows<'a>(
    rows: &[&'a RequirementRow],
    dates: &[NaiveDate],
    blocks: &[DayBlock],
    tz: chrono_tz::Tz,
) -> Vec<Vec<&'a RequirementRow>> {
    let mut parts: Vec<Vec<&RequirementRow>> = vec![Vec::new(); blocks.len()];
    for &r in rows {
        let date = r.interval_start.with_timezone(&tz).date_naive();
        let d = (date - dates[0]).num_days() as usize;
        if let Some(k) = blocks.iter().position(|b| (b.first..=b.last).contains(&d)) {
            parts[k].push(r);
        }
    }
    parts
}

/// One queue's outcome from its blocks' outcomes (in time order): shifts, coverage and days
/// joined; objective, bound, hours and counts summed; the gap against the summed bound (each
/// block's gap weighted by its objective); the worst status. An infeasible block makes the
/// queue infeasible with no shifts, as an infeasible whole-horizon model does.
pub(super) fn join(
    name: &str,
    parts: Vec<QueueOutcome>,
    contacts: &[f64],
    solve_seconds: f64,
) -> QueueOutcome {
    let mut shifts = Vec::new();
    let mut coverage = Vec::new();
    let mut by_day: Vec<DayServiceLevel> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut sum = QueueSummary {
        queue: name.to_string(),
        status: Status::Optimal,
        objective: 0.0,
        lp_bound: Some(0.0),
        gap: Some(0.0),
        paid_hours: 0.0,
        shifts: 0,
        agents: None,
        under_staffed_agent_intervals: 0,
        over_staffed_agent_intervals: 0,
        service_level_week: None,
        service_level_by_day: Vec::new(),
        integer_columns: 0,
        rows: 0,
        lp_seconds: 0.0,
        solve_seconds,
        warnings: Vec::new(),
    };
    let mut weighted_gap = Some(0.0);
    let (mut sl_num, mut sl_den, mut sl_known) = (0.0, 0.0, true);
    for (part, &w) in parts.into_iter().zip(contacts) {
        let s = part.summary;
        if s.status.is_infeasible() {
            return QueueOutcome {
                shifts: Vec::new(),
                coverage: Vec::new(),
                summary: QueueSummary { status: s.status, warnings: s.warnings, ..sum },
            };
        }
        if s.status.rank() > sum.status.rank() {
            sum.status = s.status.clone();
        }
        sum.objective += s.objective;
        sum.lp_bound = sum.lp_bound.zip(s.lp_bound).map(|(a, b)| a + b);
        weighted_gap = weighted_gap.zip(s.gap).map(|(a, g)| a + g * s.objective.abs());
        sum.paid_hours += s.paid_hours;
        sum.shifts += s.shifts;
        sum.under_staffed_agent_intervals += s.under_staffed_agent_intervals;
        sum.over_staffed_agent_intervals += s.over_staffed_agent_intervals;
        sum.integer_columns += s.integer_columns;
        sum.rows += s.rows;
        sum.lp_seconds += s.lp_seconds;
        if w > 0.0 {
            match s.service_level_week {
                Some(sl) => {
                    sl_num += w * sl;
                    sl_den += w;
                }
                None => sl_known = false,
            }
        }
        by_day.extend(s.service_level_by_day);
        for warning in s.warnings {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        shifts.extend(part.shifts);
        coverage.extend(part.coverage);
    }
    sum.gap =
        weighted_gap
            .map(|g| if sum.objective.abs() < 1e-9 { 0.0 } else { g / sum.objective.abs() });
    let gap = sum.gap.unwrap_or(f64::NAN);
    sum.status = match sum.status {
        Status::GapLimit { .. } => Status::GapLimit { gap },
        Status::Feasible { .. } => Status::Feasible { gap },
        Status::NodeLimit { .. } => Status::NodeLimit { gap },
        Status::TimeLimit { .. } => Status::TimeLimit { gap },
        s => s,
    };
    sum.service_level_week = (sl_known && sl_den > 0.0).then(|| sl_num / sl_den);
    sum.service_level_by_day = by_day;
    sum.warnings = warnings;
    QueueOutcome { shifts, coverage, summary: sum }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    /// Three days of hourly slots; shift types as (start slot, length in slots).
    fn horizon(types: &[(usize, usize)]) -> (QueueData, Vec<ShiftType>) {
        let tz = time::parse_time_zone("UTC").unwrap();
        let first = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        let dates: Vec<NaiveDate> = (0..3).map(|d| first + chrono::Duration::days(d)).collect();
        let slots: Vec<_> = (0..72)
            .map(|h| {
                time::parse_local(&format!("2025-03-{:02}T{:02}:00", 3 + h / 24, h % 24), tz)
                    .unwrap()
            })
            .collect();
        let n = slots.len();
        let q = QueueData {
            name: "voice".into(),
            interval_minutes: 60,
            slot_day: (0..n).map(|t| t / 24).collect(),
            slots,
            dates,
            required: vec![1; n],
            floor: vec![0; n],
            cap: vec![None; n],
            open: vec![true; n],
            contacts: vec![0.0; n],
            aht_seconds: vec![0.0; n],
        };
        let types = types
            .iter()
            .map(|&(start_slot, len_slots)| ShiftType {
                day: start_slot / 24,
                start_slot,
                len_slots,
                start: q.slots[start_slot],
                length_minutes: len_slots as u32 * 60,
                paid_minutes: len_slots as u32 * 60,
                template: "t".into(),
                contract: None,
                classes: Vec::new(),
            })
            .collect();
        (q, types)
    }

    const FREE: Coupling = Coupling { tours: false, service_level_scope: None };

    #[test]
    fn days_split_at_every_midnight_no_shift_crosses() {
        // 08:00-16:00 on each day and a 20:00-04:00 shift from day 1 into day 2: the midnight
        // before day 1 is free, the one before day 2 is crossed.
        let (q, types) = horizon(&[(8, 8), (32, 8), (44, 8), (56, 8)]);
        let blocks = day_blocks(&q, &types, &[true; 3], FREE);
        assert_eq!(blocks, vec![DayBlock { first: 0, last: 0 }, DayBlock { first: 1, last: 2 }]);
    }

    #[test]
    fn tours_a_weekly_target_or_a_day_without_rows_keep_days_together() {
        let (q, types) = horizon(&[(8, 8), (32, 8), (56, 8)]);
        let whole = vec![DayBlock { first: 0, last: 2 }];
        let tours = Coupling { tours: true, service_level_scope: None };
        assert_eq!(day_blocks(&q, &types, &[true; 3], tours), whole);
        let week = Coupling { tours: false, service_level_scope: Some(ServiceLevelScope::Week) };
        assert_eq!(day_blocks(&q, &types, &[true; 3], week), whole);
        let day = Coupling { tours: false, service_level_scope: Some(ServiceLevelScope::Day) };
        assert_eq!(day_blocks(&q, &types, &[true; 3], day).len(), 3);
        // Day 1 has no rows: it stays with both neighbours.
        assert_eq!(day_blocks(&q, &types, &[true, false, true], FREE), whole);
    }
}
