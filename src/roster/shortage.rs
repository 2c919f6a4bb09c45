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
//! roster's own account of its empty seats — and how many more agents, working at most as many
//! days as the set's agents do, the bound needs before every seat fits.
//!
//! The same counting, turned round, bounds what any roster can give one agent: its longest open
//! seat on each of its best `max_days_week` days, capped at `max_hours_week`. Below the agent's
//! weekly minimum, that minimum is out of reach with these shifts ([`MinimumOutOfReach`]).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::check::clock;
use super::model::Problem;
use super::Agent;

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
    /// The fewest more agents with one of these skills, each available every day and working
    /// up to `days_per_agent` days, before the bound allows every seat: the hiring or
    /// cross-skilling the schedule asks for at the least (the bound ignores rest and weekly
    /// hours, so it can take more).
    pub agents_to_add: usize,
    /// The most days a week any of the set's agents works (`max_days_week`; with none, any
    /// agent of the roster): what each added agent is taken to work. Agents working more days
    /// could be fewer.
    pub days_per_agent: u32,
}

impl SkillShortage {
    /// Seats that stay empty whatever the roster does.
    pub fn at_least_empty(&self) -> usize {
        self.seats - self.most_filled
    }

    /// One line for the plan's notes.
    pub fn describe(&self) -> String {
        format!(
            "{} {} in the week from {}: {} seats, but the {} agents with {} can take at most {} of them (one seat a day, their days per week and availability): at least {} stay empty whatever the roster does, and at least {} more agent{} with {} (up to {} days a week each) would be needed before every seat could be filled",
            if self.queues.len() == 1 { "queue" } else { "queues" },
            self.queues.join("+"),
            self.week_start,
            self.seats,
            self.agents,
            if self.queues.len() == 1 { "its skill" } else { "one of their skills" },
            self.most_filled,
            self.at_least_empty(),
            self.agents_to_add,
            if self.agents_to_add == 1 { "" } else { "s" },
            if self.queues.len() == 1 { "the skill" } else { "one of these skills" },
            self.days_per_agent
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
        let week = Week::of(p, week as u32);
        let found: BTreeMap<u64, SkillShortage> =
            sets.iter().filter_map(|&set| week_shortage(p, &week, set).map(|s| (set, s))).collect();
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

/// One planning week laid out for every set of queues at once: per day the seats of each
/// queue, and per agent its skills and, per day, the queues it is eligible for some seat of
/// (bit masks over queue indices). Built once a week, so each of the up to 4,095 sets costs
/// agents × days, not agents × seats.
struct Week {
    /// Horizon day of each day of the week that has seats, in order.
    days: Vec<u32>,
    /// `seats[d][q]`: seats of queue `q` on `days[d]`.
    seats: Vec<Vec<usize>>,
    skills: Vec<u64>,
    /// `eligible[a][d]`: queues agent `a` may take a seat of on `days[d]`.
    eligible: Vec<Vec<u64>>,
}

impl Week {
    fn of(p: &Problem, week: u32) -> Week {
        let in_week: Vec<usize> = (0..p.seats.len()).filter(|&s| p.seats[s].week == week).collect();
        let mut days: Vec<u32> = in_week.iter().map(|&s| p.seats[s].day).collect();
        days.sort_unstable();
        days.dedup();
        let index = |day: u32| days.binary_search(&day).expect("a day of the week's seats");
        let mut seats = vec![vec![0usize; p.queues.len()]; days.len()];
        let mut eligible = vec![vec![0u64; days.len()]; p.agents.len()];
        for &s in &in_week {
            let seat = &p.seats[s];
            let d = index(seat.day);
            seats[d][seat.queue as usize] += 1;
            for (a, row) in eligible.iter_mut().enumerate() {
                if p.eligible(a, s) {
                    row[d] |= 1u64 << seat.queue;
                }
            }
        }
        let skills = p
            .agents
            .iter()
            .map(|rule| {
                rule.skills
                    .iter()
                    .enumerate()
                    .filter(|(_, &has)| has)
                    .fold(0u64, |m, (q, _)| m | 1u64 << q)
            })
            .collect();
        Week { days, seats, skills, eligible }
    }
}

/// The bound for one week and one set of queues (a bit per queue index), if it leaves seats
/// empty.
fn week_shortage(p: &Problem, week: &Week, set: u64) -> Option<SkillShortage> {
    let in_set = |q: usize| set & (1u64 << q) != 0;
    let seats_by_day: Vec<usize> = week
        .seats
        .iter()
        .map(|day| day.iter().enumerate().filter(|&(q, _)| in_set(q)).map(|(_, &n)| n).sum())
        .collect();
    let seats: usize = seats_by_day.iter().sum();
    let first = seats_by_day.iter().position(|&n| n > 0)?;
    let mut agents_by_day = vec![0usize; week.days.len()];
    let (mut agents, mut week_capacity, mut days_per_agent) = (0usize, 0usize, 0u32);
    for (a, rule) in p.agents.iter().enumerate() {
        if week.skills[a] & set == 0 {
            continue;
        }
        agents += 1;
        let mut open_days = 0usize;
        for (d, &mask) in week.eligible[a].iter().enumerate() {
            if mask & set != 0 {
                open_days += 1;
                agents_by_day[d] += 1;
            }
        }
        week_capacity += open_days.min(rule.max_days_week as usize);
        days_per_agent = days_per_agent.max(rule.max_days_week);
    }
    if agents == 0 {
        // No agent has the skills: added agents are taken to work as many days as any agent.
        days_per_agent = p.agents.iter().map(|a| a.max_days_week).max().unwrap_or(5);
    }
    let capacity =
        Capacity { seats_by_day: &seats_by_day, agents_by_day: &agents_by_day, week_capacity };
    let most_filled = capacity.with_more(0, 0);
    (most_filled < seats).then(|| SkillShortage {
        week_start: p.first_day + Duration::days(i64::from(week.days[first])),
        queues: (0..p.queues.len()).filter(|&q| in_set(q)).map(|q| p.queues[q].clone()).collect(),
        seats,
        agents,
        most_filled,
        agents_to_add: capacity.agents_to_add(days_per_agent),
        days_per_agent,
    })
}

/// What the agents of a set of queues can take in one week, by the counting bound.
struct Capacity<'a> {
    /// Seats of the set, per day of the week with seats.
    seats_by_day: &'a [usize],
    /// Agents eligible for some seat of the set, per day.
    agents_by_day: &'a [usize],
    /// Σ over those agents of min(their days per week, days they are eligible).
    week_capacity: usize,
}

impl Capacity<'_> {
    /// The most seats filled with `more` added agents, each eligible every day with seats and
    /// working up to `days` of them.
    fn with_more(&self, more: usize, days: u32) -> usize {
        let open_days = self.seats_by_day.iter().filter(|&&s| s > 0).count();
        let week = self.week_capacity + more * open_days.min(days as usize);
        let daily: usize =
            self.seats_by_day.iter().zip(self.agents_by_day).map(|(&s, &a)| s.min(a + more)).sum();
        week.min(daily)
    }

    /// The fewest added agents (up to `days` days a week each) with which every seat fits the
    /// bound. Each adds at least one seat while any is short, so the search ends by `seats`.
    fn agents_to_add(&self, days: u32) -> usize {
        let seats: usize = self.seats_by_day.iter().sum();
        (0..=seats).find(|&k| self.with_more(k, days.max(1)) >= seats).unwrap_or(seats)
    }
}

/// An agent whose weekly minimum no roster can give with these shifts: even its longest open
/// seat on each of its best days, as many days as it may work, falls short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinimumOutOfReach {
    pub agent_id: String,
    /// First date of the planning week.
    pub week_start: NaiveDate,
    /// The most paid minutes the open seats allow that week (one a day, at most
    /// `max_days_week` days and `max_hours_week`).
    pub most_minutes: u32,
    /// The week's minimum (`min_hours_week`, less leave credit).
    pub min_minutes: u32,
    /// The agent's earliest start and latest end, `HH:MM`, when set: usually why.
    pub earliest_start: Option<String>,
    pub latest_end: Option<String>,
}

impl MinimumOutOfReach {
    /// One line for the plan's notes.
    pub fn describe(&self) -> String {
        let window = match (&self.earliest_start, &self.latest_end) {
            (Some(e), Some(l)) => format!(", starting at {e} or later and ending by {l}"),
            (Some(e), None) => format!(", starting at {e} or later"),
            (None, Some(l)) => format!(", ending by {l}"),
            (None, None) => String::new(),
        };
        format!(
            "agent {} in the week from {}: the seats it may take (its skills, availability{window}) give it at most {:.1} h, against its minimum of {:.1} h: no roster reaches the minimum with these shifts",
            self.agent_id,
            self.week_start,
            f64::from(self.most_minutes) / 60.0,
            f64::from(self.min_minutes) / 60.0
        )
    }
}

/// Every agent-week whose minimum is out of reach of the seats ([`MinimumOutOfReach`]): per day
/// the longest seat the agent is eligible for, the best `max_days_week` days summed and capped
/// at `max_hours_week`. Rest and consecutive days are ignored, so this can only overstate what
/// a roster gives: an agent-week listed here cannot reach its minimum whatever the roster does.
pub(crate) fn minimums_out_of_reach(p: &Problem, agents: &[Agent]) -> Vec<MinimumOutOfReach> {
    let mut out = Vec::new();
    for (a, rule) in p.agents.iter().enumerate() {
        // The longest seat the agent may take, per (week, day): one pass over the seats.
        let mut longest: BTreeMap<(u32, u32), u32> = BTreeMap::new();
        for (s, seat) in p.seats.iter().enumerate() {
            if p.eligible(a, s) {
                let best = longest.entry((seat.week, seat.day)).or_default();
                *best = (*best).max(seat.paid_minutes);
            }
        }
        for week in 0..p.weeks {
            let min_minutes = rule.min_minutes_week[week];
            if min_minutes == 0 {
                continue;
            }
            let mut by_length: Vec<u32> = longest
                .range((week as u32, 0)..(week as u32 + 1, 0))
                .map(|(_, &minutes)| minutes)
                .collect();
            by_length.sort_unstable_by(|x, y| y.cmp(x));
            let most_minutes = by_length
                .iter()
                .take(rule.max_days_week as usize)
                .sum::<u32>()
                .min(rule.max_minutes_week);
            if most_minutes < min_minutes {
                out.push(MinimumOutOfReach {
                    agent_id: agents[a].agent_id.clone(),
                    week_start: p.first_day + Duration::days(7 * week as i64),
                    most_minutes,
                    min_minutes,
                    earliest_start: rule.earliest.map(clock),
                    latest_end: rule.latest.map(clock),
                });
            }
        }
    }
    out
}
