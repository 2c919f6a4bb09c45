//! Seats no roster can fill: a counting bound from the agents' skills, days and availability.
//!
//! An agent works at most one seat a day and at most `max_days_week` days a planning week, and
//! only seats it is eligible for (skill, availability, earliest start, latest end). So for any
//! set `S` of queues and any planning week, the seats of `S` that week can take at most
//! `Σ_a min(max_days_week_a, days of the week on which a is eligible for some seat of S)`
//! agents (Hall's condition of the bipartite seat–agent-day matching); on one day at most the
//! number of agents eligible for some seat of `S` that day. Whatever the roster does, at least
//! the difference stays empty. The bound ignores rest, consecutive days and weekly hours, so the
//! true number can be higher; where it is positive the schedule asks for more seats than the
//! workforce has, and the planner learns which queues and by how much before reading the
//! roster's own account of its empty seats.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::model::Problem;

/// Most queues whose every subset is tried (2^12 subsets); beyond, only single queues.
const SUBSET_QUEUES_MAX: usize = 12;

/// A set of queues whose seats in one planning week exceed what the agents able to take them
/// can work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillShortage {
    /// The first date with a seat of these queues in the planning week.
    pub week_start: NaiveDate,
    pub queues: Vec<String>,
    /// Seats of these queues that week.
    pub seats: usize,
    /// Agents with at least one of these queues in their skills.
    pub agents: usize,
    /// The most of those seats they can take: within the week (days per week, availability)
    /// and day by day (one seat each a day), whichever binds harder.
    pub most_filled: usize,
}

impl SkillShortage {
    /// Seats that stay empty whatever the roster does.
    pub fn at_least_empty(&self) -> usize {
        self.seats - self.most_filled
    }

    /// One line for the plan's notes.
    pub fn describe(&self) -> String {
        format!(
            "{} {} in the week from {}: {} seats, but the {} agents with {} can take at most {} of them (one seat a day, their days per week and availability): at least {} stay empty whatever the roster does",
            if self.queues.len() == 1 { "queue" } else { "queues" },
            self.queues.join("+"),
            self.week_start,
            self.seats,
            self.agents,
            if self.queues.len() == 1 { "its skill" } else { "one of their skills" },
            self.most_filled,
            self.at_least_empty()
        )
    }
}

/// Per planning week, every set of queues whose seats exceed what their agents can take by
/// more than any of its proper subsets does (the set adds a shortage of its own: {email} 4 and
/// {social} 2 short, {email, social} 23 short is listed with them, {voice, email, social} 6
/// short is not). Smallest sets first, then by their queues' order.
pub(crate) fn skill_shortages(p: &Problem) -> Vec<SkillShortage> {
    let k = p.queues.len();
    let sets: Vec<u64> = if k <= SUBSET_QUEUES_MAX {
        (1..(1u64 << k)).collect()
    } else {
        (0..k).map(|q| 1u64 << q).collect()
    };
    let mut out = Vec::new();
    for week in 0..p.weeks {
        let found: BTreeMap<u64, SkillShortage> = sets
            .iter()
            .filter_map(|&set| week_shortage(p, week as u32, set).map(|s| (set, s)))
            .collect();
        let mut kept: Vec<(u32, u64, &SkillShortage)> = found
            .iter()
            .filter(|(&set, s)| {
                // Every non-empty proper subset (submask enumeration).
                let mut sub = (set - 1) & set;
                while sub != 0 {
                    if found.get(&sub).is_some_and(|t| t.at_least_empty() >= s.at_least_empty()) {
                        return false;
                    }
                    sub = (sub - 1) & set;
                }
                true
            })
            .map(|(&set, s)| (set.count_ones(), set, s))
            .collect();
        kept.sort_by_key(|&(size, set, _)| (size, set));
        out.extend(kept.into_iter().map(|(_, _, s)| s.clone()));
    }
    out
}

/// The bound for one week and one set of queues (a bit per queue index), if it leaves seats
/// empty.
fn week_shortage(p: &Problem, week: u32, set: u64) -> Option<SkillShortage> {
    let in_set = |q: u16| set & (1u64 << q) != 0;
    let seats: Vec<usize> = (0..p.seats.len())
        .filter(|&s| p.seats[s].week == week && in_set(p.seats[s].queue))
        .collect();
    if seats.is_empty() {
        return None;
    }
    let first_day = seats.iter().map(|&s| p.seats[s].day).min()?;
    let last_day = seats.iter().map(|&s| p.seats[s].day).max()?;
    let span = (last_day - first_day + 1) as usize;
    let mut seats_by_day = vec![0usize; span];
    for &s in &seats {
        seats_by_day[(p.seats[s].day - first_day) as usize] += 1;
    }
    let mut agents_by_day = vec![0usize; span];
    let (mut agents, mut week_capacity) = (0usize, 0usize);
    for (a, rule) in p.agents.iter().enumerate() {
        if !rule.skills.iter().enumerate().any(|(q, &has)| has && in_set(q as u16)) {
            continue;
        }
        agents += 1;
        let mut days = vec![false; span];
        for &s in &seats {
            if p.eligible(a, s) {
                days[(p.seats[s].day - first_day) as usize] = true;
            }
        }
        let open_days = days.iter().filter(|&&d| d).count();
        week_capacity += open_days.min(rule.max_days_week as usize);
        for (d, &open) in days.iter().enumerate() {
            agents_by_day[d] += usize::from(open);
        }
    }
    let daily_capacity: usize =
        seats_by_day.iter().zip(&agents_by_day).map(|(&s, &a)| s.min(a)).sum();
    let most_filled = week_capacity.min(daily_capacity);
    (most_filled < seats.len()).then(|| SkillShortage {
        week_start: p.first_day + Duration::days(i64::from(first_day)),
        queues: (0..p.queues.len())
            .filter(|&q| in_set(q as u16))
            .map(|q| p.queues[q].clone())
            .collect(),
        seats: seats.len(),
        agents,
        most_filled,
    })
}
