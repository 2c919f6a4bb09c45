//! The figures a planner reads about a roster: unmet demand with its reasons, hours against
//! contract, preference satisfaction and the fairness of undesirable shifts.

use std::collections::BTreeMap;

use chrono::Duration;
use serde::Serialize;

use super::check::clock;
use super::model::{Group, Problem, KINDS, NONE};
use super::search::Outcome;
use super::Agent;

/// Seats of one group (queue, date, time span) left empty, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmet {
    pub queue: String,
    pub date: chrono::NaiveDate,
    /// `HH:MM` local.
    pub start: String,
    pub end: String,
    /// Seats of this queue and time span on that date.
    pub need: usize,
    pub filled: usize,
    pub short: usize,
    pub agents_with_skill: usize,
    /// With the skill and not unavailable (date, weekday, earliest start, latest end).
    pub agents_available: usize,
    /// Why the available agents not on this span cannot take it: rule → agents.
    pub blocked: BTreeMap<String, usize>,
    /// One line for people.
    pub reason: String,
}

/// One agent's hours per planning week and undesirable-shift counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentHours {
    pub agent_id: String,
    pub hours_per_week: Vec<f64>,
    pub min_hours_week: f64,
    pub max_hours_week: f64,
    pub shifts: u32,
    pub weekend_shifts: u32,
    pub evening_shifts: u32,
    pub night_shifts: u32,
    pub preferred_days_off_worked: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PreferenceSatisfaction {
    /// Agent-days in the horizon that are preferred days off.
    pub preferred_days_off: u64,
    /// Of those, days not worked.
    pub preferred_days_off_kept: u64,
    /// kept / total (1 when nobody has a preference).
    pub preferred_days_off_fraction: f64,
    /// Agent-weeks with at least two consecutive days off, over all agent-weeks.
    pub weeks_with_two_consecutive_days_off_fraction: f64,
    /// Mean absolute change of start time between consecutive working days of a week, hours.
    pub mean_start_change_hours: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FairnessKind {
    Weekend,
    Evening,
    Night,
}

/// Spread of one kind of undesirable shift over the agents who work at least one shift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fairness {
    pub kind: FairnessKind,
    pub total: u32,
    pub agents: usize,
    pub min: u32,
    pub max: u32,
    pub max_minus_min: u32,
    pub gini: f64,
}

pub(crate) struct Summary {
    pub filled: usize,
    pub hours_required: f64,
    pub hours_filled: f64,
    pub unmet: Vec<Unmet>,
    pub hours: Vec<AgentHours>,
    pub preferences: PreferenceSatisfaction,
    pub fairness: Vec<Fairness>,
}

/// Gini coefficient of non-negative counts: G = Σ_i Σ_j |x_i − x_j| / (2 n² x̄), computed from
/// the sorted values as G = 2 Σ_i i x_(i) / (n Σ x) − (n + 1) / n (i = 1..n). 0 is perfect
/// equality, (n − 1)/n all on one person. (Gini 1912; the sorted form: Damgaard & Weiner 2000,
/// Ecology 81(4).) Defined as 0 when every count is 0.
pub fn gini(values: &[u32]) -> f64 {
    let n = values.len();
    let total: u64 = values.iter().map(|&v| u64::from(v)).sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let weighted: f64 =
        sorted.iter().enumerate().map(|(i, &v)| (i as f64 + 1.0) * f64::from(v)).sum();
    let n = n as f64;
    2.0 * weighted / (n * total as f64) - (n + 1.0) / n
}

pub(crate) fn summarise(p: &Problem, out: &Outcome, agents: &[Agent]) -> Summary {
    let filled = out.holder.iter().filter(|&&h| h != NONE).count();
    let minutes = |pred: &dyn Fn(usize) -> bool| -> f64 {
        p.seats
            .iter()
            .enumerate()
            .filter(|(i, _)| pred(*i))
            .map(|(_, s)| f64::from(s.paid_minutes))
            .sum::<f64>()
            / 60.0
    };
    let hours_required = minutes(&|_| true);
    let hours_filled = minutes(&|i| out.holder[i] != NONE);
    let mut unmet: Vec<Unmet> = p.groups.iter().filter_map(|g| unmet_of(p, out, g)).collect();
    unmet.sort_by(|a, b| (a.date, &a.start, &a.queue).cmp(&(b.date, &b.start, &b.queue)));

    // Hours, kinds and preferences per agent.
    let mut hours = Vec::with_capacity(agents.len());
    let mut counts: Vec<[u32; KINDS]> = Vec::with_capacity(agents.len());
    let mut worked_any = Vec::with_capacity(agents.len());
    let mut tally = PreferenceTally::default();
    for (a, agent) in agents.iter().enumerate() {
        let (agent_hours, kinds) = tally.agent(p, out, a, agent);
        worked_any.push(agent_hours.shifts > 0);
        hours.push(agent_hours);
        counts.push(kinds);
    }
    Summary {
        filled,
        hours_required,
        hours_filled,
        unmet,
        hours,
        preferences: tally.satisfaction(),
        fairness: fairness(&counts, &worked_any),
    }
}

/// The empty seats of a group, if any, with the count of agents each rule kept away.
fn unmet_of(p: &Problem, out: &Outcome, group: &Group) -> Option<Unmet> {
    let days = p.days;
    let short = group.seats.iter().filter(|&&s| out.holder[s as usize] == NONE).count();
    if short == 0 {
        return None;
    }
    let seat0 = group.seats[0] as usize;
    let s = &p.seats[seat0];
    let pool = &p.pool[group.queue as usize];
    let available: Vec<u32> =
        pool.iter().copied().filter(|&a| p.eligible(a as usize, seat0)).collect();
    let mut blocked: BTreeMap<String, usize> = BTreeMap::new();
    for &a in &available {
        let r = &out.plan[a as usize * days..(a as usize + 1) * days];
        let on_group = group.seats.iter().any(|&x| r[s.day as usize] == x);
        if on_group {
            continue;
        }
        let why = p.blocking_rule(a as usize, r, seat0).unwrap_or("free but not assigned");
        *blocked.entry(why.to_string()).or_insert(0) += 1;
    }
    let date = p.first_day + Duration::days(i64::from(s.day));
    let queue = p.queues[group.queue as usize].clone();
    let need = group.seats.len();
    let why: Vec<String> = blocked.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let reason = format!(
        "{queue}, {} {} {}–{}: need {need}, filled {}; {} agents with skill {queue}, {} available then{}",
        date.format("%a"),
        date,
        clock(s.local_start),
        clock(s.local_end),
        need - short,
        pool.len(),
        available.len(),
        if why.is_empty() { String::new() } else { format!(" ({})", why.join(", ")) }
    );
    Some(Unmet {
        queue,
        date,
        start: clock(s.local_start),
        end: clock(s.local_end),
        need,
        filled: need - short,
        short,
        agents_with_skill: pool.len(),
        agents_available: available.len(),
        blocked,
        reason,
    })
}

/// Preference counts summed over agents.
#[derive(Default)]
struct PreferenceTally {
    preferred_days_off: u64,
    preferred_days_off_kept: u64,
    /// Agent-weeks with two consecutive days off, and all agent-weeks.
    pair_weeks: u64,
    all_weeks: u64,
    /// Summed absolute start changes between consecutive working days of a week, and their count.
    change_minutes: i64,
    changes: u64,
}

impl PreferenceTally {
    /// One agent's hours and shift kinds; its preference counts are added to the tally.
    fn agent(
        &mut self,
        p: &Problem,
        out: &Outcome,
        a: usize,
        agent: &Agent,
    ) -> (AgentHours, [u32; KINDS]) {
        let days = p.days;
        let r = &out.plan[a * days..(a + 1) * days];
        let rule = &p.agents[a];
        let mut per_week = vec![0.0; p.weeks];
        let mut kinds = [0u32; KINDS];
        let mut shifts = 0;
        let mut pref_worked = 0;
        for d in 0..days {
            if rule.preferred_off[d] {
                self.preferred_days_off += 1;
            }
            let seat = r[d];
            if seat == NONE {
                if rule.preferred_off[d] {
                    self.preferred_days_off_kept += 1;
                }
                continue;
            }
            let s = &p.seats[seat as usize];
            shifts += 1;
            per_week[d / 7] += f64::from(s.paid_minutes) / 60.0;
            for (count, &is) in kinds.iter_mut().zip(&s.kinds) {
                *count += u32::from(is);
            }
            pref_worked += u32::from(rule.preferred_off[d]);
            if d % 7 > 0 && r[d - 1] != NONE {
                self.change_minutes +=
                    i64::from((s.local_start - p.seats[r[d - 1] as usize].local_start).abs());
                self.changes += 1;
            }
        }
        for w in 0..p.weeks {
            self.all_weeks += 1;
            self.pair_weeks +=
                u64::from((w * 7..w * 7 + 6).any(|d| r[d] == NONE && r[d + 1] == NONE));
        }
        let hours = AgentHours {
            agent_id: agent.agent_id.clone(),
            hours_per_week: per_week,
            min_hours_week: agent.min_hours_week,
            max_hours_week: agent.max_hours_week,
            shifts,
            weekend_shifts: kinds[0],
            evening_shifts: kinds[1],
            night_shifts: kinds[2],
            preferred_days_off_worked: pref_worked,
        };
        (hours, kinds)
    }

    fn satisfaction(&self) -> PreferenceSatisfaction {
        PreferenceSatisfaction {
            preferred_days_off: self.preferred_days_off,
            preferred_days_off_kept: self.preferred_days_off_kept,
            preferred_days_off_fraction: if self.preferred_days_off == 0 {
                1.0
            } else {
                self.preferred_days_off_kept as f64 / self.preferred_days_off as f64
            },
            weeks_with_two_consecutive_days_off_fraction: if self.all_weeks == 0 {
                1.0
            } else {
                self.pair_weeks as f64 / self.all_weeks as f64
            },
            mean_start_change_hours: if self.changes == 0 {
                0.0
            } else {
                self.change_minutes as f64 / self.changes as f64 / 60.0
            },
        }
    }
}

/// Weekend, evening and night shift counts over the agents who worked at all.
fn fairness(counts: &[[u32; KINDS]], worked_any: &[bool]) -> Vec<Fairness> {
    [FairnessKind::Weekend, FairnessKind::Evening, FairnessKind::Night]
        .into_iter()
        .enumerate()
        .map(|(k, kind)| {
            let values: Vec<u32> =
                counts.iter().zip(worked_any).filter(|(_, w)| **w).map(|(c, _)| c[k]).collect();
            let min = values.iter().copied().min().unwrap_or(0);
            let max = values.iter().copied().max().unwrap_or(0);
            Fairness {
                kind,
                total: values.iter().sum(),
                agents: values.len(),
                min,
                max,
                max_minus_min: max - min,
                gini: gini(&values),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::gini;

    #[test]
    fn gini_matches_hand_computed_values() {
        // Σ|xi−xj| over ordered pairs for [0,0,0,1] is 6; 6 / (2·16·0.25) = 0.75.
        assert!((gini(&[0, 0, 0, 1]) - 0.75).abs() < 1e-12);
        assert_eq!(gini(&[3, 3, 3]), 0.0);
        // [1,2,3]: Σ|xi−xj| = 8; 8 / (2·9·2) = 0.2222…
        assert!((gini(&[3, 1, 2]) - 8.0 / 36.0).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
    }
}
