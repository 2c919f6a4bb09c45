//! From the solved model's values to what the run returns: worked shift instances with their
//! breaks (placed by [`super::breaks`] where the columns leave them open) and tour lines, the
//! `shifts.csv` rows, coverage recounted from the shifts themselves (checked against the
//! model's coverage columns), and the queue's figures.

use std::collections::BTreeMap;

use super::breaks::{self, BreakCount};
use super::model::{self, Pattern, QueueModel, ShiftType};
use super::queue::SlCurve;
use super::{DayServiceLevel, QueueSummary, ScheduleConfig, Status};
use crate::io::coverage::CoverageRow;
use crate::io::shifts::ShiftRow;
use crate::time;

/// A span of slots `start..end` (a break).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SlotSpan {
    pub(super) start: usize,
    pub(super) end: usize,
}

/// One worked shift: its type, its break spans and its tour line.
#[derive(Debug, Clone)]
pub(super) struct Instance {
    s: usize,
    breaks: Vec<SlotSpan>,
    line: Option<usize>,
}

/// The worked shifts and, with tours, the number of agents (tour lines).
pub(super) struct Worked {
    pub(super) instances: Vec<Instance>,
    pub(super) agents: Option<u32>,
}

/// The integer count of column `j` at `values`.
fn count(values: &[f64], j: usize) -> u32 {
    values[j].round().max(0.0) as u32
}

/// Shift instances with their breaks, in (day, start, length, breaks) order, cut into tour
/// lines when the model has tours. Pattern columns carry their breaks; the other columns get
/// theirs from the break columns.
pub(super) fn worked_shifts(
    model: &QueueModel,
    values: &[f64],
    patterns: &[Pattern],
    sc: &ScheduleConfig,
) -> Result<Worked, String> {
    let QueueModel { cols, types, classes, .. } = model;
    let spans = |starts: &[usize], shift: &ShiftType| -> Vec<SlotSpan> {
        starts
            .iter()
            .zip(&shift.classes)
            .map(|(&b, &k)| SlotSpan { start: b, end: b + classes[k].len_slots })
            .collect()
    };
    let mut instances: Vec<Instance> = Vec::new();
    let mut counts = vec![0u32; types.len()];
    for (s, shift) in types.iter().enumerate() {
        for c in &cols.x[s] {
            if shift.classes.is_empty() || !c.break_slots.is_empty() {
                let breaks = spans(&c.break_slots, shift);
                instances.extend((0..count(values, c.col)).map(|_| Instance {
                    s,
                    breaks: breaks.clone(),
                    line: None,
                }));
            } else {
                counts[s] += count(values, c.col);
            }
        }
    }
    let break_counts: Vec<BreakCount> = cols
        .breaks
        .iter()
        .map(|b| BreakCount {
            class: b.class,
            slot: b.slot,
            shift_start: b.shift_start,
            count: count(values, b.col),
        })
        .collect();
    let placement = breaks::assign(types, &counts, classes, &break_counts)?;
    for (s, shift) in types.iter().enumerate() {
        for starts in &placement[s] {
            instances.push(Instance { s, breaks: spans(starts, shift), line: None });
        }
    }
    instances.sort_by(|a, b| {
        let (sa, sb) = (&types[a.s], &types[b.s]);
        (sa.day, sa.start_slot, sa.len_slots, &a.breaks).cmp(&(
            sb.day,
            sb.start_slot,
            sb.len_slots,
            &b.breaks,
        ))
    });
    let mut agents = None;
    if !patterns.is_empty() {
        let z: Vec<u32> = cols.z.iter().map(|&j| count(values, j)).collect();
        agents = Some(z.iter().sum());
        cut_lines(&mut instances, types, patterns, &z, sc)?;
    }
    Ok(Worked { instances, agents })
}

/// The `shifts.csv` rows of the instances, by start and id. Tour shifts are named by contract,
/// line and date, the others numbered per day.
pub(super) fn shift_rows(
    model: &QueueModel,
    instances: &[Instance],
    sc: &ScheduleConfig,
) -> Vec<ShiftRow> {
    let QueueModel { queue: q, types, .. } = model;
    let im = i64::from(q.interval_minutes);
    let h0 = q.slots[0];
    let at_slot = |t: usize| model::after(&h0, t as i64 * im);
    let mut seq: BTreeMap<usize, usize> = BTreeMap::new();
    let mut shift_rows: Vec<ShiftRow> = instances
        .iter()
        .map(|inst| {
            let st = &types[inst.s];
            let shift_id = match (inst.line, st.contract) {
                (Some(line), Some(c)) => {
                    format!("{}/{}/L{:03}/{}", q.name, sc.contracts[c].name, line, q.dates[st.day])
                }
                _ => {
                    let n = seq.entry(st.day).or_insert(0);
                    *n += 1;
                    format!("{}/{}/{:04}", q.name, q.dates[st.day], n)
                }
            };
            ShiftRow {
                shift_id,
                queue: q.name.clone(),
                date: q.dates[st.day],
                shift_start: st.start,
                shift_end: model::after(&st.start, i64::from(st.length_minutes)),
                paid_minutes: st.paid_minutes,
                breaks: inst.breaks.iter().map(|b| (at_slot(b.start), at_slot(b.end))).collect(),
                fill_priority: 0,
            }
        })
        .collect();
    shift_rows.sort_by(|a, b| (a.shift_start, &a.shift_id).cmp(&(b.shift_start, &b.shift_id)));
    shift_rows
}

/// Coverage from the shift instances themselves (independent of the model's `c` columns, which
/// it must equal), with each interval's projected service level.
pub(super) fn coverage_rows(
    model: &QueueModel,
    instances: &[Instance],
    values: &[f64],
    curve: &SlCurve,
) -> Result<Vec<CoverageRow>, String> {
    let QueueModel { queue: q, cols, types, .. } = model;
    let t_len = q.slots.len();
    let mut diff = vec![0i64; t_len + 1];
    for inst in instances {
        let st = &types[inst.s];
        diff[st.start_slot.min(t_len)] += 1;
        diff[st.end_slot().min(t_len)] -= 1;
        for b in &inst.breaks {
            diff[b.start.min(t_len)] -= 1;
            diff[b.end.min(t_len)] += 1;
        }
    }
    let mut scheduled = Vec::with_capacity(t_len);
    let mut run = 0i64;
    for d in diff.iter().take(t_len) {
        run += d;
        scheduled.push(run.max(0) as u32);
    }
    for t in 0..t_len {
        if (f64::from(scheduled[t]) - values[cols.c[t]]).abs() > 1e-6 {
            return Err(format!(
                "coverage at {} is {} from the shifts but {} in the model",
                time::format_local(&q.slots[t]),
                scheduled[t],
                values[cols.c[t]]
            ));
        }
    }
    Ok((0..t_len)
        .map(|t| CoverageRow {
            interval_start: q.slots[t],
            queue: q.name.clone(),
            required: q.required[t],
            scheduled: scheduled[t],
            difference: i64::from(scheduled[t]) - i64::from(q.required[t]),
            service_level: curve.at(q, t, scheduled[t]),
        })
        .collect())
}

/// The solve's own figures for [`queue_summary`].
pub(super) struct Figures {
    pub(super) status: Status,
    pub(super) objective: f64,
    pub(super) lp_bound: Option<f64>,
    pub(super) gap: Option<f64>,
    pub(super) agents: Option<u32>,
    pub(super) lp_seconds: f64,
    pub(super) solve_seconds: f64,
    pub(super) warnings: Vec<String>,
}

/// The queue's summary: the solve's figures with staffing, service level and paid hours
/// counted from the shifts and coverage.
pub(super) fn queue_summary(
    model: &QueueModel,
    shift_rows: &[ShiftRow],
    coverage: &[CoverageRow],
    figures: Figures,
) -> QueueSummary {
    let q = &model.queue;
    let t_len = q.slots.len();
    let under: u64 = coverage.iter().map(|c| (-c.difference).max(0) as u64).sum();
    let over: u64 = coverage.iter().map(|c| c.difference.max(0) as u64).sum();
    let sl_of = |ts: &mut dyn Iterator<Item = usize>| -> Option<f64> {
        let mut num = 0.0;
        let mut den = 0.0;
        for t in ts {
            if q.contacts[t] > 0.0 {
                num += q.contacts[t] * coverage[t].service_level;
                den += q.contacts[t];
            }
        }
        (den > 0.0 && num.is_finite()).then(|| num / den)
    };
    let service_level_by_day: Vec<DayServiceLevel> = q
        .dates
        .iter()
        .enumerate()
        .filter_map(|(d, date)| {
            sl_of(&mut (0..t_len).filter(|&t| q.slot_day[t] == d))
                .map(|sl| DayServiceLevel { date: *date, service_level: sl })
        })
        .collect();
    let service_level_week = sl_of(&mut (0..t_len));
    let paid_hours: f64 = shift_rows.iter().map(|s| f64::from(s.paid_minutes) / 60.0).sum();
    QueueSummary {
        queue: q.name.clone(),
        status: figures.status,
        objective: figures.objective,
        lp_bound: figures.lp_bound,
        gap: figures.gap,
        paid_hours,
        shifts: shift_rows.len(),
        agents: figures.agents,
        under_staffed_agent_intervals: under,
        over_staffed_agent_intervals: over,
        service_level_week,
        service_level_by_day,
        integer_columns: model.mip.integer_count(),
        rows: model.mip.rows.len(),
        lp_seconds: figures.lp_seconds,
        solve_seconds: figures.solve_seconds,
        warnings: figures.warnings,
    }
}

/// Cut each contract's shifts into tour lines: `z_p` lines per days-off pattern; each day the
/// lines working that day take that day's shifts, the line that finished earliest the day
/// before taking the earliest shift (the longest rest the day allows it).
fn cut_lines(
    instances: &mut [Instance],
    types: &[ShiftType],
    patterns: &[Pattern],
    z: &[u32],
    sc: &ScheduleConfig,
) -> Result<(), String> {
    for ci in 0..sc.contracts.len() {
        let mut lines: Vec<&Pattern> = Vec::new();
        for (p, &n) in patterns.iter().zip(z) {
            if p.contract == ci {
                lines.extend(std::iter::repeat_n(p, n as usize));
            }
        }
        let mut last_end: Vec<Option<usize>> = vec![None; lines.len()];
        for d in 0..7 {
            let mut working: Vec<usize> = (0..lines.len()).filter(|&l| lines[l].works[d]).collect();
            working.sort_by_key(|&l| (last_end[l], l));
            let mut todays: Vec<usize> = (0..instances.len())
                .filter(|&i| {
                    types[instances[i].s].day == d && types[instances[i].s].contract == Some(ci)
                })
                .collect();
            todays.sort_by_key(|&i| (types[instances[i].s].start_slot, i));
            if working.len() != todays.len() {
                return Err(format!(
                    "contract {}: day {d} has {} shifts for {} working lines",
                    sc.contracts[ci].name,
                    todays.len(),
                    working.len()
                ));
            }
            for l in 0..lines.len() {
                if !lines[l].works[d] {
                    last_end[l] = None;
                }
            }
            for (&l, &i) in working.iter().zip(&todays) {
                instances[i].line = Some(l + 1);
                last_end[l] = Some(types[instances[i].s].end_slot());
            }
        }
    }
    Ok(())
}
