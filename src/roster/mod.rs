//! Rostering: putting named agents on the shifts of a schedule.
//!
//! Input: the shift instances of `schedule` (one [`ShiftRow`] per seat to fill), the agents of the
//! HR file ([`Agent`]: skills, contract hours, availability, preferences, hourly cost) and the
//! `[roster]` section of plan.toml ([`RosterConfig`]). Output: a [`RosterResult`] holding one
//! [`RosterRow`] per agent-day worked (written to roster.csv for HR), the seats nobody can take
//! (with the reason), the cost, a lower bound on the cost and the gap, and the fairness and
//! preference figures.
//!
//! ## Rules
//! Hard (never broken by [`solve`]; all listed by [`check`] for any roster, including one edited
//! by hand): the agent has the queue in its skills; is not unavailable that date or weekday;
//! starts no earlier than `earliest_start` and ends no later than `latest_end`; works at most one
//! shift per date; rests at least `min_rest_hours` between two shifts (across week boundaries
//! too); works at most `max_consecutive_days` days in a row; at most `max_days_week` days and
//! `max_hours_week` paid hours in each planning week, and at least `min_hours_week` paid hours in
//! every planning week the roster fully covers.
//!
//! Soft (weighted in plan.toml, traded off against cost): shifts on preferred days off, a week
//! without two consecutive days off, start times that move from one working day to the next, and
//! an unequal share of weekend, evening and night shifts (penalised as the sum over agents of
//! the squared count of each kind, which for a fixed total is smallest when the shares are equal).
//!
//! ## Cost and bound
//! Cost = Σ hourly_cost × paid hours worked + `unfilled_cost_per_hour` × paid hours of seats left
//! empty + `min_hours_shortfall_cost_per_hour` × hours below a contract minimum. The reported
//! lower bound is the optimum of a linear relaxation of the weekly hours balance (see
//! [`bound`]); the gap is (cost − bound) / bound. Soft penalties are reported beside the cost,
//! not inside the gap.
//!
//! ## Method
//! A monolithic integer program over agents × shifts × days does not scale (the variables grow
//! with their product and the LP relaxation of day-off and rest rules is weak). Instead
//! ([`solve`]): (1) a chronological greedy construction, day by day over the whole horizon so that
//! rest and consecutive-day rules carry across week boundaries, which fills the scarcest shift
//! groups first and prefers agents whose contract minimum is most at risk, then those whose
//! weekly hours left per day left best fit the seat's length (a long seat to a full-timer whose
//! days run out before its hours, a short one to a part-timer whose hours run out first), then
//! the cheapest;
//! (2) repair of empty seats, longest first, by breadth-first augmenting paths up to five agents
//! deep (each agent takes the seat handed to it and gives up another of its shifts within a week,
//! the last one takes its seat outright or, when cheaper, leaves a shorter seat empty), which moves
//! work back from the early week the chronological pass filled first; (3) a seeded local search of moves, same-day swaps and cross-day exchanges between two
//! agents, accepting non-worsening moves, with every candidate re-checked against the hard rules
//! by an agent-local evaluation. Everything is driven by a `ChaCha8Rng` seed and an iteration
//! budget, so the same inputs and seed give the same roster; the time limit is only a safety net
//! (the result says when it was hit).

mod bound;
mod check;
pub mod generate;
mod model;
mod search;
mod shortage;
mod summary;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::io::agents::Agent;
pub use crate::io::roster::RosterRow;
pub use crate::io::shifts::ShiftRow;
use crate::site::Site;
pub use check::{
    check, check_file, check_with_horizon, compare_with_shifts, min_minutes_in_week, LostSeat,
    ShiftComparison, Violation,
};
pub use shortage::{MinimumOutOfReach, SkillShortage};
pub use summary::{AgentHours, Fairness, FairnessKind, PreferenceSatisfaction, Unmet};

/// `[roster]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RosterConfig {
    /// Minimum rest between the end of one shift and the start of the next, hours.
    pub min_rest_hours: f64,
    /// Most working days in a row (across week boundaries).
    pub max_consecutive_days: u32,
    /// Days-per-week limit for agents whose `max_days_week` is empty in agents.csv.
    pub default_max_days_week: u32,
    /// Cost per paid hour for agents without `hourly_cost`.
    pub default_hourly_cost: f64,
    /// Cost per paid hour of a seat left empty (must exceed every hourly cost).
    pub unfilled_cost_per_hour: f64,
    /// Cost per hour below an agent's weekly minimum.
    pub min_hours_shortfall_cost_per_hour: f64,
    /// An unavailable *date* (leave, training) counts toward the weekly minimum at the
    /// contract's daily share, `min_hours_week / max_days_week` hours; unavailable weekdays are
    /// part of the work pattern and do not. See [`min_minutes_in_week`].
    pub credit_unavailable_dates: bool,
    /// Weekend days (fairness of weekend shifts).
    #[serde(deserialize_with = "weekdays")]
    pub weekend_days: Vec<Weekday>,
    /// A shift ending after this local time (on its own date) is an evening shift.
    #[serde(deserialize_with = "clock")]
    pub evening_after: NaiveTime,
    /// A shift with at least `night_min_hours` between `night_start` and `night_end` is a night
    /// shift (the EU Working Time Directive 2003/88/EC, art. 2, uses 3 hours).
    #[serde(deserialize_with = "clock")]
    pub night_start: NaiveTime,
    #[serde(deserialize_with = "clock")]
    pub night_end: NaiveTime,
    pub night_min_hours: f64,
    /// Penalty per shift worked on one of the agent's preferred days off.
    pub weight_preferred_day_off: f64,
    /// Penalty per planning week without two consecutive days off.
    pub weight_consecutive_days_off: f64,
    /// Penalty per hour of start-time change between consecutive working days of a week.
    pub weight_start_stability: f64,
    /// Penalty per squared count of weekend, evening and night shifts of each agent.
    pub weight_fairness: f64,
}

impl Default for RosterConfig {
    fn default() -> Self {
        RosterConfig {
            min_rest_hours: 11.0,
            max_consecutive_days: 6,
            default_max_days_week: 5,
            default_hourly_cost: 1.0,
            unfilled_cost_per_hour: 1000.0,
            min_hours_shortfall_cost_per_hour: 500.0,
            credit_unavailable_dates: true,
            weekend_days: vec![Weekday::Sat, Weekday::Sun],
            evening_after: NaiveTime::from_hms_opt(20, 0, 0).expect("valid"),
            night_start: NaiveTime::from_hms_opt(22, 0, 0).expect("valid"),
            night_end: NaiveTime::from_hms_opt(6, 0, 0).expect("valid"),
            night_min_hours: 3.0,
            weight_preferred_day_off: 2.0,
            weight_consecutive_days_off: 1.0,
            weight_start_stability: 0.5,
            weight_fairness: 0.5,
        }
    }
}

fn clock<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let s = String::deserialize(d)?;
    crate::time::parse_clock(&s).map_err(serde::de::Error::custom)
}

fn weekdays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    v.iter().map(|s| crate::time::parse_weekday(s).map_err(serde::de::Error::custom)).collect()
}

impl RosterConfig {
    /// Check value ranges (serde has checked the types).
    pub fn validate(&self) -> Result<(), RosterError> {
        let bad = |key: &str, msg: String| {
            Err(RosterError::Config { key: key.to_string(), message: msg })
        };
        if !(self.min_rest_hours.is_finite() && (0.0..=48.0).contains(&self.min_rest_hours)) {
            return bad(
                "min_rest_hours",
                format!("expected hours in [0, 48], got {}", self.min_rest_hours),
            );
        }
        if !(self.night_min_hours.is_finite()
            && self.night_min_hours > 0.0
            && self.night_min_hours <= 24.0)
        {
            return bad(
                "night_min_hours",
                format!("expected hours in (0, 24], got {}", self.night_min_hours),
            );
        }
        if self.max_consecutive_days == 0 {
            return bad("max_consecutive_days", "expected an integer >= 1, got 0".into());
        }
        if !(1..=7).contains(&self.default_max_days_week) {
            return bad(
                "default_max_days_week",
                format!("expected 1..=7, got {}", self.default_max_days_week),
            );
        }
        for (key, v) in [
            ("default_hourly_cost", self.default_hourly_cost),
            ("unfilled_cost_per_hour", self.unfilled_cost_per_hour),
            ("min_hours_shortfall_cost_per_hour", self.min_hours_shortfall_cost_per_hour),
            ("weight_preferred_day_off", self.weight_preferred_day_off),
            ("weight_consecutive_days_off", self.weight_consecutive_days_off),
            ("weight_start_stability", self.weight_start_stability),
            ("weight_fairness", self.weight_fairness),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(key, format!("expected a number >= 0, got {v}"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RosterError {
    #[error("plan.toml [roster] {key}: {message}")]
    Config { key: String, message: String },
    #[error("agent {agent_id}: {message}")]
    Agent { agent_id: String, message: String },
    #[error("shift {shift_id} on {date}: {message}")]
    Shift { shift_id: String, date: NaiveDate, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// How [`solve`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterOptions {
    /// Keep only shifts in the first `weeks` planning weeks (1–6); `None` = all (at most 6).
    pub weeks: Option<u32>,
    /// Seed of the local search.
    pub seed: u64,
    /// Safety limit on wall-clock time; the iteration budget normally ends the search first.
    pub time_limit_seconds: f64,
    /// Local-search iterations per seat (the deterministic budget).
    pub iterations_per_seat: u32,
}

impl Default for RosterOptions {
    fn default() -> Self {
        RosterOptions {
            weeks: None,
            seed: 1,
            time_limit_seconds: 120.0,
            iterations_per_seat: 1_000,
        }
    }
}

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The iteration budget was used up (deterministic).
    IterationBudget,
    /// No improving move in a long run of attempts (deterministic).
    Stalled,
    /// The wall-clock safety limit was hit first (the result then depends on machine speed).
    TimeLimit,
    /// No search: the rows were given ([`evaluate`]).
    Given,
}

/// Cost split into its parts (all in the currency of `hourly_cost`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CostBreakdown {
    pub labour: f64,
    pub unfilled: f64,
    pub min_hours_shortfall: f64,
    /// labour + unfilled + min_hours_shortfall: the figure the bound and gap refer to.
    pub total: f64,
    /// Weighted soft-goal penalties (not part of `total`).
    pub soft_penalty: f64,
}

/// What [`solve`] returns.
#[derive(Debug, Clone, Serialize)]
pub struct RosterResult {
    /// One row per agent-day worked, sorted by agent then date.
    #[serde(skip)]
    pub rows: Vec<RosterRow>,
    /// First and last date of the horizon rostered.
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub weeks: u32,
    pub shifts_total: usize,
    pub shifts_filled: usize,
    pub shifts_unfilled: usize,
    pub paid_hours_required: f64,
    pub paid_hours_filled: f64,
    /// Σ over agents and weeks of `min_hours_week` / `max_hours_week`: when the schedule's paid
    /// hours fall below the first, some contract minimum cannot be met; above the second, some
    /// seats must stay empty.
    pub contract_min_hours_total: f64,
    pub contract_max_hours_total: f64,
    /// Empty seats grouped by queue, date and time span, with the reason.
    pub unmet: Vec<Unmet>,
    /// Per planning week, the set of queues with more seats than the agents able to take them
    /// can work, if any ([`SkillShortage`]): seats empty whatever the roster does.
    pub skill_shortages: Vec<SkillShortage>,
    /// Agent-weeks whose `min_hours_week` the shifts put out of any roster's reach
    /// ([`MinimumOutOfReach`]): the cause of those `min_hours_week` violations.
    pub minimums_out_of_reach: Vec<MinimumOutOfReach>,
    pub cost: CostBreakdown,
    /// Lower bound on `cost.total` from the linear relaxation.
    pub lower_bound: f64,
    /// (cost.total − lower_bound) / lower_bound (0 when both are 0).
    pub gap: f64,
    pub hours: Vec<AgentHours>,
    pub preferences: PreferenceSatisfaction,
    pub fairness: Vec<Fairness>,
    /// Hard-rule violations found by [`check`] on the result (0 unless the contract minimum
    /// hours cannot be met).
    pub violations: Vec<Violation>,
    /// With a roster to start from ([`solve_from`]): how much of it the result kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<KeptFrom>,
    pub stop_reason: StopReason,
    pub iterations: u64,
    pub run_seconds: f64,
}

/// What a roster started from another kept of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeptFrom {
    /// Rows of the roster started from.
    pub rows: usize,
    /// Of them, the rows the result holds unchanged (same agent, date, queue and times).
    pub kept: usize,
}

impl KeptFrom {
    fn of(base: &[RosterRow], rows: &[RosterRow]) -> KeptFrom {
        let key = |r: &RosterRow| {
            let times = (r.shift_start.timestamp(), r.shift_end.timestamp());
            (r.agent_id.clone(), r.date, r.queue.clone(), times)
        };
        let now: std::collections::BTreeSet<_> = rows.iter().map(key).collect();
        KeptFrom { rows: base.len(), kept: base.iter().filter(|r| now.contains(&key(r))).count() }
    }
}

/// Every shift must belong to a queue of the site and have its own `shift_id`: a seat of an
/// unknown queue could never be filled by a skilled agent, and a repeated id is a copy-paste
/// that would double the seats.
fn check_shifts(shifts: &[ShiftRow], site: &Site) -> Result<(), RosterError> {
    let mut seen = std::collections::HashSet::with_capacity(shifts.len());
    for s in shifts {
        let bad = |message: String| RosterError::Shift {
            shift_id: s.shift_id.clone(),
            date: s.date,
            message,
        };
        if site.queue(&s.queue).is_none() {
            return Err(bad(format!(
                "queue {:?} is not a queue of plan.toml (queues: {})",
                s.queue,
                site.queue_names().join(", ")
            )));
        }
        if !seen.insert(s.shift_id.as_str()) {
            return Err(bad("this shift_id appears twice in the shifts".into()));
        }
    }
    Ok(())
}

/// A seat's date, queue, times and paid minutes: what a roster row keeps of it; with its
/// breaks (`exact`), what tells two seats of those apart.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SeatShape<'a> {
    date: NaiveDate,
    queue: &'a str,
    start: i64,
    end: i64,
    paid: u32,
    breaks: Vec<(i64, i64)>,
}

/// The (agent, seat) pairs of `base`'s rows: each row takes the first seat left of its date,
/// queue, times and paid minutes (and breaks, when `exact`); rows of unknown agents or with no
/// such seat left are dropped.
fn start_pairs(
    problem: &model::Problem,
    shifts: &[ShiftRow],
    agents: &[Agent],
    base: &[RosterRow],
    exact: bool,
) -> Vec<(u32, u32)> {
    if base.is_empty() {
        return Vec::new();
    }
    // A seat's shape, as a shift and a roster row both carry it.
    let shape = |date: NaiveDate,
                 queue,
                 start: &crate::time::Stamp,
                 end: &crate::time::Stamp,
                 paid,
                 breaks: &[(crate::time::Stamp, crate::time::Stamp)]| SeatShape {
        date,
        queue,
        start: start.timestamp(),
        end: end.timestamp(),
        paid,
        breaks: if exact {
            breaks.iter().map(|(b, e)| (b.timestamp(), e.timestamp())).collect()
        } else {
            Vec::new()
        },
    };
    let agent_of: BTreeMap<&str, u32> =
        agents.iter().enumerate().map(|(i, a)| (a.agent_id.as_str(), i as u32)).collect();
    let mut seats: BTreeMap<_, std::collections::VecDeque<u32>> = BTreeMap::new();
    for (i, seat) in problem.seats.iter().enumerate() {
        let s = &shifts[seat.row];
        let key = shape(s.date, &s.queue, &s.shift_start, &s.shift_end, s.paid_minutes, &s.breaks);
        seats.entry(key).or_default().push_back(i as u32);
    }
    let mut pairs = Vec::with_capacity(base.len());
    for r in base {
        let key = shape(r.date, &r.queue, &r.shift_start, &r.shift_end, r.paid_minutes, &r.breaks);
        let (Some(&a), Some(free)) = (agent_of.get(r.agent_id.as_str()), seats.get_mut(&key))
        else {
            continue;
        };
        if let Some(seat) = free.pop_front() {
            pairs.push((a, seat));
        }
    }
    pairs
}

/// Assign agents to shifts. See the module documentation for the rules and the method.
pub fn solve(
    shifts: &[ShiftRow],
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    options: &RosterOptions,
) -> Result<RosterResult, RosterError> {
    solve_from(shifts, agents, site, config, options, &[])
}

/// [`solve`], starting from the assignments of a previous roster `base` where they still fit:
/// each row of `base` gives its agent a seat of the same date, queue, times and paid minutes
/// (if one is left and the agent's rules hold), and the search goes on from there. A small
/// change to the shifts then changes the roster near it instead of reshuffling it whole.
pub fn solve_from(
    shifts: &[ShiftRow],
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    options: &RosterOptions,
    base: &[RosterRow],
) -> Result<RosterResult, RosterError> {
    let started = std::time::Instant::now();
    config.validate()?;
    if let Some(w) = options.weeks {
        if !(1..=6).contains(&w) {
            return Err(RosterError::Invalid(format!("weeks must be 1..=6, got {w}")));
        }
    }
    check_shifts(shifts, site)?;
    let problem = model::Problem::build(shifts, agents, site, config, options.weeks)?;
    let start = start_pairs(&problem, shifts, agents, base, false);
    let outcome = search::run(&problem, options, started, &start);
    let inputs = RosterInputs { shifts, agents, site, config };
    let mut result = inputs.result(&problem, outcome, started)?;
    result.from = (!base.is_empty()).then(|| KeptFrom::of(base, &result.rows));
    Ok(result)
}

/// The roster `rows` on `shifts`, exactly as given: no search moves, fills or empties a seat.
/// Each row takes a seat of its date, queue, times, paid minutes and breaks; the cost, the
/// seats left empty, the hours, preferences, fairness and hard-rule violations are those of
/// these rows, as [`solve`] reports them. `plan --give-back` rosters its trimmed rows so.
/// An error when a row has no such seat left, or breaks a rule the search never breaks (its
/// agent already works that day, lacks the skill, or is unavailable).
pub fn evaluate(
    shifts: &[ShiftRow],
    agents: &[Agent],
    site: &Site,
    config: &RosterConfig,
    options: &RosterOptions,
    rows: &[RosterRow],
) -> Result<RosterResult, RosterError> {
    let started = std::time::Instant::now();
    config.validate()?;
    check_shifts(shifts, site)?;
    let problem = model::Problem::build(shifts, agents, site, config, options.weeks)?;
    let pairs = start_pairs(&problem, shifts, agents, rows, true);
    let outcome = search::place(&problem, &pairs);
    let inputs = RosterInputs { shifts, agents, site, config };
    let result = inputs.result(&problem, outcome, started)?;
    if result.rows.len() != rows.len() {
        let first = rows.iter().find(|r| !result.rows.contains(r)).map_or(String::new(), |r| {
            format!(" (the first: {} {} {} {})", r.agent_id, r.date, r.queue, r.hours())
        });
        return Err(RosterError::Invalid(format!(
            "{} of {} roster rows found no seat of their own shape their agent may take{first}",
            rows.len() - result.rows.len().min(rows.len()),
            rows.len()
        )));
    }
    Ok(result)
}

/// What a roster is built from.
struct RosterInputs<'a> {
    shifts: &'a [ShiftRow],
    agents: &'a [Agent],
    site: &'a Site,
    config: &'a RosterConfig,
}

impl RosterInputs<'_> {
    /// The result of a search's (or a placement's) `outcome` on `problem`.
    fn result(
        &self,
        problem: &model::Problem,
        outcome: search::Outcome,
        started: std::time::Instant,
    ) -> Result<RosterResult, RosterError> {
        let RosterInputs { shifts, agents, site, config } = *self;
        let lower_bound = bound::lower_bound(problem)?;
        let skill_shortages = shortage::skill_shortages(problem);
        let minimums_out_of_reach = shortage::minimums_out_of_reach(problem, agents);
        let rows = outcome.rows(problem, shifts, agents);
        let violations = check::check_with_horizon(
            &rows,
            agents,
            site,
            config,
            Some((problem.first_day, problem.last_day)),
        );
        let summary = summary::summarise(problem, &outcome, agents);
        let cost = outcome.cost;
        let gap = if cost.total <= lower_bound + 1e-9 {
            0.0
        } else if lower_bound > 0.0 {
            (cost.total - lower_bound) / lower_bound
        } else {
            f64::INFINITY
        };
        Ok(RosterResult {
            rows,
            first_date: problem.first_day,
            last_date: problem.last_day,
            weeks: problem.weeks as u32,
            shifts_total: problem.seats.len(),
            shifts_filled: summary.filled,
            shifts_unfilled: problem.seats.len() - summary.filled,
            paid_hours_required: summary.hours_required,
            paid_hours_filled: summary.hours_filled,
            contract_min_hours_total: agents.iter().map(|a| a.min_hours_week).sum::<f64>()
                * problem.weeks as f64,
            contract_max_hours_total: agents.iter().map(|a| a.max_hours_week).sum::<f64>()
                * problem.weeks as f64,
            unmet: summary.unmet,
            skill_shortages,
            minimums_out_of_reach,
            cost,
            lower_bound,
            gap,
            hours: summary.hours,
            preferences: summary.preferences,
            fairness: summary.fairness,
            violations,
            from: None,
            stop_reason: outcome.stop_reason,
            iterations: outcome.iterations,
            run_seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Counts per rule name, for summaries.
pub fn violations_by_rule(violations: &[Violation]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for v in violations {
        *m.entry(v.rule.to_string()).or_insert(0) += 1;
    }
    m
}
