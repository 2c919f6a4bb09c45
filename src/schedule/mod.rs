//! Shift scheduling: from the requirement curve (agents on the phone per interval) to shifts
//! with breaks and, with contracts, weekly tours — as one integer program per queue, solved
//! with good_lp.
//!
//! Pipeline position: `requirements.csv` (staffing) + `plan.toml [schedule]` → [`solve`] →
//! `shifts.csv` ([`crate::io::shifts`]) and `coverage.csv` ([`crate::io::coverage`]), which the
//! roster stage turns into named agents.
//!
//! What the model holds (details and references in [`model`]):
//! - shift types: every allowed start (generated every `start_step_minutes` between
//!   `earliest_start` and `latest_start`, or explicit templates) × length × day, crossing midnight
//!   freely on 24×7 queues; a shift belongs to one queue and one day (the day it starts);
//! - breaks and lunches placed inside windows by the implicit formulation of Bechtold & Jacobs
//!   (1990), staggered by the solver so that coverage holds; coverage counts agents on the phone;
//! - weekly tours (contracts with days per week and one run of days off), so the shifts of each
//!   day can be cut into lines one person works all week;
//! - objective: paid hours (and optional per-shift and per-agent costs) plus under- and
//!   over-staffing penalties, or, in service-level mode, the cheapest schedule whose
//!   contact-weighted service level reaches the queue's target per day (or week), with each
//!   interval's SL a concave piecewise-linear function of its agents.
//!
//! Shrinkage accounting: the model schedules to `agents_net` (agents on the phone) and models
//! breaks explicitly, so the break part of shrinkage is not counted twice. Other shrinkage
//! (absence, training, meetings) is not in the shifts: the roster stage staffs the lines with
//! `1 / (1 - other shrinkage)` people, or a planner lists it as a paid break rule.
//!
//! The LP relaxation is solved first: it is the lower bound every gap is measured against
//! (microlp reports no bound of its own at a time limit). Time limit and MIP gap are always set.

pub mod breaks;
pub mod config;
pub mod heuristic;
pub mod mip;
pub mod model;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

pub use config::{
    BreakRuleConfig, ContractConfig, ScheduleConfig, ServiceLevelScope, ShiftTemplateConfig,
};
pub use mip::SolverKind;

use crate::io::coverage::CoverageRow;
use crate::io::plan::{PlanConfig, QueueConfig};
use crate::io::requirements::RequirementRow;
use crate::io::shifts::ShiftRow;
use crate::time::{self, Stamp};
use mip::{Limits, MipEnd, MipFailure};
pub use model::BreakFormulation;
use model::{BreakClass, Mode, Pattern, QueueData, ShiftType};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Invalid(String),
    #[error("plan.toml [schedule] {key}: {message}")]
    Config { key: String, message: String },
    #[error("requirements for queue {queue:?} at {interval_start}: {message}")]
    Requirements { queue: String, interval_start: String, message: String },
    #[error("solver {solver}: {message}")]
    Solver { solver: String, message: String },
}

/// Projected service level of one interval: `(queue, contacts, aht_seconds, interval_minutes,
/// agents) -> fraction`, the signature of `crate::staffing::projected_service_level`.
pub type ServiceLevelFn = dyn Fn(&QueueConfig, f64, f64, u32, u32) -> f64 + Send + Sync;

/// What to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Paid hours + under/over-staffing penalties.
    #[default]
    Cost,
    /// Paid hours subject to the contact-weighted service-level target.
    ServiceLevel,
}

/// Run options (CLI flags); `None` falls back to plan.toml.
#[derive(Clone, Default)]
pub struct SolveOptions {
    pub objective: Objective,
    pub solver: SolverKind,
    pub time_limit_seconds: Option<f64>,
    pub mip_gap: Option<f64>,
    /// Projected SL per interval; needed in service-level mode, and fills coverage's
    /// `service_level` column and the summary's SL figures in either mode.
    pub service_level: Option<Arc<ServiceLevelFn>>,
    /// Write each queue's integer program as free-format MPS into this folder (`<queue>.mps`),
    /// to inspect it or hand it to another solver.
    pub write_model: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("objective", &self.objective)
            .field("solver", &self.solver)
            .field("time_limit_seconds", &self.time_limit_seconds)
            .field("mip_gap", &self.mip_gap)
            .field("service_level", &self.service_level.is_some())
            .field("write_model", &self.write_model)
            .finish()
    }
}

/// How a solve ended. In the summaries it is flattened beside their own `gap` (against the
/// best bound), so the variants' `gap` is not serialized: a JSON key appears once.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Proven optimal: objective equals the bound (to rounding).
    Optimal,
    /// Stopped at the requested MIP gap; `gap` is measured against the LP bound.
    GapLimit {
        #[serde(skip_serializing)]
        gap: f64,
    },
    /// The search ended (optimal or at the gap on its model), but the schedule returned is
    /// further than `mip_gap` from the bound: service-level mode added shifts where the concave
    /// hull promised more service level than the true curve gives. `gap` against the bound.
    Feasible {
        #[serde(skip_serializing)]
        gap: f64,
    },
    /// Stopped at the branch-and-bound node budget (`[schedule] node_limit`, microlp) with this
    /// schedule; `gap` against the best bound. Deterministic, unlike the time limit.
    NodeLimit {
        #[serde(skip_serializing)]
        gap: f64,
    },
    /// Stopped at the time limit with this schedule; `gap` against the LP bound.
    TimeLimit {
        #[serde(skip_serializing)]
        gap: f64,
    },
    /// No schedule meets the hard rules: which rule, why, and where.
    Infeasible { rule: String, reason: String, intervals: Vec<String> },
}

impl Status {
    fn rank(&self) -> u8 {
        match self {
            Status::Optimal => 0,
            Status::GapLimit { .. } => 1,
            Status::Feasible { .. } => 2,
            Status::NodeLimit { .. } => 3,
            Status::TimeLimit { .. } => 4,
            Status::Infeasible { .. } => 5,
        }
    }

    pub fn is_infeasible(&self) -> bool {
        matches!(self, Status::Infeasible { .. })
    }
}

/// Contact-weighted service level of one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayServiceLevel {
    pub date: NaiveDate,
    pub service_level: f64,
}

/// One queue's result figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueSummary {
    pub queue: String,
    #[serde(flatten)]
    pub status: Status,
    pub objective: f64,
    pub lp_bound: Option<f64>,
    pub gap: Option<f64>,
    pub paid_hours: f64,
    pub shifts: usize,
    /// Agents (tour lines) when contracts are used.
    pub agents: Option<u32>,
    pub under_staffed_agent_intervals: u64,
    pub over_staffed_agent_intervals: u64,
    pub service_level_week: Option<f64>,
    pub service_level_by_day: Vec<DayServiceLevel>,
    pub integer_columns: usize,
    pub rows: usize,
    /// Seconds spent on the LP relaxation (the bound).
    pub lp_seconds: f64,
    pub solve_seconds: f64,
    pub warnings: Vec<String>,
}

/// The whole run's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub status: Status,
    pub objective_mode: Objective,
    pub solver: SolverKind,
    pub objective: f64,
    pub lp_bound: Option<f64>,
    pub gap: Option<f64>,
    pub paid_hours: f64,
    pub shifts: usize,
    pub agents: Option<u32>,
    pub under_staffed_agent_intervals: u64,
    pub over_staffed_agent_intervals: u64,
    pub service_level_week: Option<f64>,
    pub solve_seconds: f64,
    pub queues: Vec<QueueSummary>,
}

/// Shifts, coverage and figures.
#[derive(Debug, Clone)]
pub struct ScheduleResult {
    pub shifts: Vec<ShiftRow>,
    pub coverage: Vec<CoverageRow>,
    pub summary: Summary,
}

/// Schedule every queue of `requirements` under `config.schedule`.
///
/// Each queue is its own integer program (a shift belongs to one queue); the time limit is
/// shared out over the queues still to solve. An infeasible queue is reported in the summary's
/// status (rule, reason, intervals) and contributes no shifts.
pub fn solve(
    requirements: &[RequirementRow],
    config: &PlanConfig,
    options: &SolveOptions,
) -> Result<ScheduleResult, crate::Error> {
    let started = Instant::now();
    let sc = &config.schedule;
    sc.validate(config.site.grid.interval_minutes)?;
    if !options.solver.is_compiled() {
        return Err(ScheduleError::Solver {
            solver: options.solver.as_str().into(),
            message: format!(
                "not compiled into this build; rebuild with `--features {}`",
                options.solver.as_str()
            ),
        }
        .into());
    }
    let time_limit = options.time_limit_seconds.unwrap_or(sc.time_limit_seconds);
    let mip_gap = options.mip_gap.unwrap_or(sc.mip_gap);
    let node_limit = (sc.node_limit > 0).then_some(sc.node_limit);
    if !(time_limit.is_finite() && time_limit > 0.0) {
        return Err(ScheduleError::Invalid(format!(
            "time limit must be > 0 seconds, got {time_limit}"
        ))
        .into());
    }
    if !(mip_gap.is_finite() && mip_gap >= 0.0) {
        return Err(ScheduleError::Invalid(format!("MIP gap must be >= 0, got {mip_gap}")).into());
    }
    let mut by_queue: BTreeMap<&str, Vec<&RequirementRow>> = BTreeMap::new();
    for r in requirements {
        by_queue.entry(r.queue.as_str()).or_default().push(r);
    }
    if by_queue.is_empty() {
        return Err(ScheduleError::Invalid("the requirements have no rows".into()).into());
    }
    let mut jobs = Vec::with_capacity(by_queue.len());
    for (name, rows) in by_queue {
        let queue = config.queue(name).ok_or_else(|| ScheduleError::Requirements {
            queue: name.into(),
            interval_start: time::format_local(&rows[0].interval_start),
            message: "the queue is not in plan.toml [[queues]]".into(),
        })?;
        jobs.push((rows, queue));
    }
    // Queues are independent models, solved side by side on a pool of up to twice as many
    // threads as cores: a queue's LP and annealing are long single-threaded steps, and with more
    // queues than cores a queue left waiting for a thread would run them alone at the end while
    // the other cores idle (three ×10 sites on two cores: 10.1 s, against 8.2 s oversubscribed).
    // Results do not depend on the thread count. Each queue gets the time limit divided by the
    // turns the threads need to take every queue once. Debian's CBC is not thread-safe
    // (good_lp's `singlethread-cbc` serialises its calls process-wide), so CBC solves one queue after another with the time shared out.
    let n_queues = jobs.len();
    let outcomes: Vec<Result<QueueOutcome, crate::Error>> = if options.solver == SolverKind::Cbc {
        let mut out = Vec::with_capacity(n_queues);
        for (i, (rows, queue)) in jobs.iter().enumerate() {
            let spent = started.elapsed().as_secs_f64();
            let budget = ((time_limit - spent) / (n_queues - i) as f64).max(0.05);
            let limits = Limits { time_limit_seconds: budget, mip_gap, node_limit };
            out.push(solve_queue(rows, queue, config, options, limits));
        }
        out
    } else {
        use rayon::prelude::*;
        let cores = rayon::current_num_threads().max(1);
        let threads = n_queues.clamp(cores, 2 * cores);
        let turns = n_queues.div_ceil(threads);
        let budget = (time_limit / turns as f64).max(0.05);
        let limits = Limits { time_limit_seconds: budget, mip_gap, node_limit };
        let solve_all = || -> Vec<Result<QueueOutcome, crate::Error>> {
            jobs.par_iter()
                .map(|(rows, queue)| solve_queue(rows, queue, config, options, limits))
                .collect()
        };
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(solve_all),
            Err(_) => solve_all(),
        }
    };
    let mut shifts = Vec::new();
    let mut coverage = Vec::new();
    let mut queues = Vec::new();
    for out in outcomes {
        let out = out?;
        shifts.extend(out.shifts);
        coverage.extend(out.coverage);
        queues.push(out.summary);
    }
    let status =
        queues.iter().map(|q| q.status.clone()).max_by_key(Status::rank).unwrap_or(Status::Optimal);
    let objective: f64 = queues.iter().map(|q| q.objective).sum();
    let lp_bound = queues.iter().map(|q| q.lp_bound).sum::<Option<f64>>();
    // Each queue's gap is against its best bound (LP, solver, integer rounding): weight by objective.
    let gap = queues.iter().map(|q| q.gap.map(|g| g * q.objective.abs())).sum::<Option<f64>>().map(
        |weighted| {
            if objective.abs() < 1e-9 {
                0.0
            } else {
                weighted / objective.abs()
            }
        },
    );
    let status = match status {
        Status::GapLimit { .. } => Status::GapLimit { gap: gap.unwrap_or(f64::NAN) },
        Status::TimeLimit { .. } => Status::TimeLimit { gap: gap.unwrap_or(f64::NAN) },
        Status::NodeLimit { .. } => Status::NodeLimit { gap: gap.unwrap_or(f64::NAN) },
        Status::Feasible { .. } => Status::Feasible { gap: gap.unwrap_or(f64::NAN) },
        s => s,
    };
    let service_level_week = weighted_sl(&coverage, requirements);
    let summary = Summary {
        status,
        objective_mode: options.objective,
        solver: options.solver,
        objective,
        lp_bound,
        gap,
        paid_hours: queues.iter().map(|q| q.paid_hours).sum(),
        shifts: shifts.len(),
        agents: queues.iter().map(|q| q.agents).sum::<Option<u32>>(),
        under_staffed_agent_intervals: queues.iter().map(|q| q.under_staffed_agent_intervals).sum(),
        over_staffed_agent_intervals: queues.iter().map(|q| q.over_staffed_agent_intervals).sum(),
        service_level_week,
        solve_seconds: started.elapsed().as_secs_f64(),
        queues,
    };
    Ok(ScheduleResult { shifts, coverage, summary })
}

fn relative_gap(objective: f64, bound: f64) -> f64 {
    if objective.abs() < 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective.abs()).max(0.0)
    }
}

fn weighted_sl(coverage: &[CoverageRow], requirements: &[RequirementRow]) -> Option<f64> {
    let contacts: BTreeMap<(&str, Stamp), f64> =
        requirements.iter().map(|r| ((r.queue.as_str(), r.interval_start), r.contacts)).collect();
    let mut num = 0.0;
    let mut den = 0.0;
    for c in coverage {
        let w = contacts.get(&(c.queue.as_str(), c.interval_start)).copied().unwrap_or(0.0);
        if w > 0.0 {
            if !c.service_level.is_finite() {
                return None;
            }
            num += w * c.service_level;
            den += w;
        }
    }
    (den > 0.0).then(|| num / den)
}

struct QueueOutcome {
    shifts: Vec<ShiftRow>,
    coverage: Vec<CoverageRow>,
    summary: QueueSummary,
}

/// Lay one queue's requirement rows on the slot axis.
fn queue_data(
    rows: &[&RequirementRow],
    queue: &QueueConfig,
    config: &PlanConfig,
    objective: Objective,
) -> Result<QueueData, crate::Error> {
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
    let mut seen = vec![false; n];
    for r in rows {
        let err = |message: &str| ScheduleError::Requirements {
            queue: r.queue.clone(),
            interval_start: time::format_local(&r.interval_start),
            message: message.into(),
        };
        let t = *index.get(&r.interval_start.timestamp()).ok_or_else(|| {
            err(&format!("not on the site's {}-minute grid", grid.interval_minutes))
        })?;
        if seen[t] {
            return Err(err("the interval appears twice").into());
        }
        seen[t] = true;
        required[t] = scheduled_for_net(r.agents_net, sc.unplanned_shrinkage);
        contacts[t] = r.contacts;
        aht_seconds[t] = r.aht_seconds;
    }
    let hours = queue.opening_hours(&config.site)?;
    let open: Vec<bool> =
        slots.iter().zip(&required).map(|(s, &r)| r > 0 || hours.is_open(s)).collect();
    let base_floor = sc.min_agents_per_interval.max(queue.min_agents.unwrap_or(0));
    let floor: Vec<u32> = (0..n)
        .map(|t| {
            let mut f = if open[t] { base_floor } else { 0 };
            if objective == Objective::Cost && sc.hard_coverage {
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
fn shift_types(
    q: &QueueData,
    config: &PlanConfig,
) -> Result<(Vec<ShiftType>, Vec<BreakClass>), crate::Error> {
    let sc = &config.schedule;
    let tz = config.site.grid.tz;
    let im = i64::from(q.interval_minutes);
    // (name, start minute, length, allowed weekdays Mon=0)
    let mut templates: Vec<(String, u32, u32, [bool; 7])> = Vec::new();
    if sc.shifts.is_empty() {
        let lo = time::parse_hhmm_minutes(&sc.earliest_start).map_err(ScheduleError::Invalid)?;
        let hi = time::parse_hhmm_minutes(&sc.latest_start).map_err(ScheduleError::Invalid)?;
        let first = lo.div_ceil(q.interval_minutes) * q.interval_minutes;
        for &len in &sc.shift_lengths_minutes {
            let mut m = first;
            while m <= hi {
                templates.push((format!("{:02}{:02}+{len}", m / 60, m % 60), m, len, [true; 7]));
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
            templates.push((s.name.clone(), m, s.length_minutes, days));
        }
    }
    let mut classes: Vec<BreakClass> = Vec::new();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let h0 = q.slots[0];
    for (d, date) in q.dates.iter().enumerate() {
        let wd = date.weekday().num_days_from_monday() as usize;
        for (name, minute, len, days) in &templates {
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
fn presolve(
    q: &QueueData,
    shifts: &[ShiftType],
    config: &ScheduleConfig,
    objective: Objective,
) -> Option<Status> {
    let t_len = q.slots.len();
    let capped: Vec<usize> =
        (0..t_len).filter(|&t| q.cap[t].is_some_and(|c| c < q.floor[t])).collect();
    if !capped.is_empty() {
        let why = if objective == Objective::Cost && config.hard_coverage {
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
        let rule = if objective == Objective::Cost
            && config.hard_coverage
            && bare.iter().any(|&t| q.required[t] > 0)
        {
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
    None
}

fn solve_queue(
    rows: &[&RequirementRow],
    queue: &QueueConfig,
    config: &PlanConfig,
    options: &SolveOptions,
    limits: Limits,
) -> Result<QueueOutcome, crate::Error> {
    let started = Instant::now();
    let sc = &config.schedule;
    let mut q = queue_data(rows, queue, config, options.objective)?;
    let (types, classes) = shift_types(&q, config)?;
    let patterns: Vec<Pattern> = if sc.contracts.is_empty() {
        Vec::new()
    } else {
        if q.dates.len() != 7 {
            return Err(ScheduleError::Invalid(format!(
                "contracts (weekly tours) need a 7-day horizon; the requirements of queue {:?} span {} days ({} to {})",
                q.name,
                q.dates.len(),
                q.dates[0],
                q.dates[q.dates.len() - 1]
            ))
            .into());
        }
        model::patterns(sc, 7)
    };
    let sl_fn = options.service_level.clone();
    let curve_at = |t: usize, n: u32| -> f64 {
        match &sl_fn {
            Some(f) if q.contacts[t] > 0.0 => f(
                queue,
                q.contacts[t],
                q.aht_seconds[t],
                q.interval_minutes,
                on_phone(n, sc.unplanned_shrinkage),
            ),
            _ => f64::NAN,
        }
    };
    let empty = |status: Status, warnings: Vec<String>| QueueOutcome {
        shifts: Vec::new(),
        coverage: Vec::new(),
        summary: QueueSummary {
            queue: q.name.clone(),
            status,
            objective: 0.0,
            lp_bound: None,
            gap: None,
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
            solve_seconds: started.elapsed().as_secs_f64(),
            warnings,
        },
    };
    if let Some(status) = presolve(&q, &types, sc, options.objective) {
        return Ok(empty(status, Vec::new()));
    }
    let mut mode = Mode::Cost;
    // Service-level mode: each slot's true SL by scheduled head-count.
    let mut curves: Vec<Vec<f64>> = Vec::new();
    let mut warnings = Vec::new();
    if options.objective == Objective::ServiceLevel && queue.service_level.is_none() {
        warnings.push(format!(
            "queue {:?} has no service_level target (a {} queue): scheduled in cost mode",
            q.name,
            queue.channel.as_str()
        ));
    }
    if let (Objective::ServiceLevel, Some(goal)) = (options.objective, queue.service_level) {
        if sl_fn.is_none() {
            return Err(ScheduleError::Invalid("service-level mode needs the projected service-level curve (SolveOptions::service_level)".into()).into());
        }
        // Below the first head-count with a positive SL the curve is flat at 0 and then jumps
        // (an unstable queue): a hull from there would credit SL the schedule does not get. So
        // an interval with contacts gets at least that head-count, and the hull starts there.
        let mut floors = q.floor.clone();
        curves = (0..q.slots.len())
            .map(|t| {
                if q.contacts[t] <= 0.0 {
                    return Vec::new();
                }
                let top = (q.required[t].max(q.floor[t]) * 2 + 5) as usize;
                (0..=top).map(|n| curve_at(t, n as u32)).collect()
            })
            .collect();
        let hulls: Vec<Vec<(f64, f64)>> = curves
            .iter()
            .enumerate()
            .map(|(t, curve)| {
                if curve.is_empty() {
                    return Vec::new();
                }
                let stable = curve.iter().position(|&v| v > 1e-9).unwrap_or(0);
                floors[t] = floors[t].max(stable as u32);
                model::concave_hull(curve, floors[t] as usize)
            })
            .collect();
        q.floor = floors;
        let scopes = model::sl_scopes(&q, sc.service_level_scope, goal);
        for s in &scopes {
            let total: f64 = s.slots.iter().map(|&t| q.contacts[t]).sum();
            let best: f64 = s
                .slots
                .iter()
                .map(|&t| q.contacts[t] * hulls[t].iter().map(|h| h.1).fold(0.0, f64::max))
                .sum();
            if total > 0.0 && best / total < goal - 1e-12 {
                return Ok(empty(
                    Status::Infeasible {
                        rule: "service_level".into(),
                        reason: format!(
                            "the target {goal} cannot be reached on {}: even at twice the requirement the projected service level is {:.4}",
                            s.label,
                            best / total
                        ),
                        intervals: Vec::new(),
                    },
                    Vec::new(),
                ));
            }
        }
        mode = Mode::ServiceLevel { hulls, scopes };
    }
    let breaks_integer = matches!(mode, Mode::ServiceLevel { .. });
    let formulation = match sc.break_formulation {
        BreakFormulation::Auto => {
            let combos = |s: &ShiftType| {
                s.classes
                    .iter()
                    .map(|&k| classes[k].latest_offset - classes[k].earliest_offset + 1)
                    .product::<usize>()
            };
            if types.iter().map(combos).sum::<usize>() <= PATTERN_COLUMNS_MAX {
                BreakFormulation::Pattern
            } else {
                BreakFormulation::Explicit
            }
        }
        f => f,
    };
    let solver_error =
        |message: String| ScheduleError::Solver { solver: options.solver.as_str().into(), message };
    let remaining = |limits: Limits| Limits {
        time_limit_seconds: (limits.time_limit_seconds - started.elapsed().as_secs_f64()).max(0.05),
        ..limits
    };
    let (m, cols) =
        model::build(&q, sc, &types, &classes, &patterns, &mode, breaks_integer, formulation);
    if let Some(dir) = &options.write_model {
        let path = dir.join(format!("{}.mps", q.name));
        crate::io::table::write_atomic(&path, |w| {
            w.write_all(m.to_mps().as_bytes()).map_err(|e| crate::Error::io(&path, e))
        })?;
    }
    let lp_started = Instant::now();
    let lp = mip::solve(&m, options.solver, remaining(limits), true);
    let lp_seconds = lp_started.elapsed().as_secs_f64();
    let lp = match lp {
        Ok(lp) => Some(lp),
        Err(MipFailure::Infeasible) => {
            return Ok(empty(infeasible_model(sc, &mode), warnings));
        }
        Err(MipFailure::NoIncumbent) => None,
        Err(MipFailure::Other(e)) => return Err(solver_error(e).into()),
    };
    // With integer costs on integer columns only, the objective is an integer: the bound is
    // rounded up before the gap is taken.
    let integral_objective =
        m.cols.iter().all(|c| c.cost == 0.0 || (c.integer && c.cost.fract() == 0.0));
    let gap_to = |objective: f64, bound: f64| {
        relative_gap(
            objective,
            if integral_objective { (bound - 1e-6).ceil() } else { bound }.min(objective),
        )
    };
    let goal = match &mode {
        Mode::ServiceLevel { hulls, scopes } => {
            Some(heuristic::ServiceLevelGoal { curves: &curves, scopes, hulls })
        }
        Mode::Cost => None,
    };
    // A deterministic incumbent from the LP relaxation (no clock involved).
    let rounded = lp.as_ref().and_then(|lp| {
        let values = match &goal {
            None if !patterns.is_empty() => heuristic::round_tours(
                &q,
                &m,
                &cols,
                &types,
                &classes,
                &patterns,
                &sc.contracts,
                &lp.values,
                mip_gap_of(limits),
            )?,
            None => {
                heuristic::round(&q, &m, &cols, &types, &classes, &lp.values, mip_gap_of(limits))?
            }
            Some(goal) => {
                heuristic::round_service_level(&q, &m, &cols, &types, &classes, &lp.values, goal)?
            }
        };
        let objective = m.objective_of(&values);
        Some(mip::MipSolution { values, objective, end: MipEnd::TimeLimit, solver_bound: None })
    });
    let lp_bound = lp.as_ref().map(|lp| lp.objective);
    // Service-level mode: scopes whose true SL (not the hull's) is below target.
    let short_scopes = |values: &[f64]| -> Vec<(usize, f64)> {
        let Some(goal) = &goal else { return Vec::new() };
        goal.scopes
            .iter()
            .enumerate()
            .filter_map(|(k, s)| {
                let total: f64 = s.slots.iter().map(|&t| q.contacts[t]).sum();
                let got: f64 = s
                    .slots
                    .iter()
                    .filter(|&&t| q.contacts[t] > 0.0)
                    .map(|&t| q.contacts[t] * curve_at(t, values[cols.c[t]].round() as u32))
                    .sum::<f64>();
                (total > 0.0 && got / total < s.target - 1e-9).then_some((k, got / total))
            })
            .collect()
    };
    // The hull may flatter a non-concave stretch of the curve: a branch-and-bound schedule is
    // topped up where its true SL falls short before it is compared with the heuristic's.
    let meet_targets = |mut s: mip::MipSolution| -> mip::MipSolution {
        if let Some(goal) = &goal {
            if !short_scopes(&s.values).is_empty() {
                let mut values = s.values.clone();
                if heuristic::top_up_service_level(
                    &q,
                    &m,
                    &cols,
                    &types,
                    &classes,
                    &mut values,
                    goal,
                ) {
                    s.objective = m.objective_of(&values);
                    s.values = values;
                }
            }
        }
        s
    };
    let solution = match (&rounded, lp_bound) {
        // The rounded point is within the requested gap of the LP bound: done.
        (Some(r), Some(bound)) if gap_to(r.objective, bound) <= mip_gap_of(limits) => {
            let end = if gap_to(r.objective, bound) <= 1e-9 { MipEnd::Optimal } else { MipEnd::GapLimit };
            mip::MipSolution { end, ..r.clone() }
        }
        _ => match mip::solve_from(&m, options.solver, remaining(limits), false, rounded.as_ref().map(|r| r.values.as_slice())) {
            Ok(s) => match (meet_targets(s), &rounded) {
                (s, Some(r)) if r.objective < s.objective - 1e-9 => mip::MipSolution { end: s.end, solver_bound: s.solver_bound, ..r.clone() },
                // Determinism: an incumbent found before the clock ran out depends on the
                // machine's load; the rounded point does not. Return it (with the LP bound
                // only, also deterministic) whenever the search stopped on time.
                (s, Some(r)) if matches!(s.end, MipEnd::TimeLimit) => {
                    mip::MipSolution { end: MipEnd::TimeLimit, solver_bound: None, ..r.clone() }
                }
                (s, _) => s,
            },
            Err(MipFailure::Infeasible) => return Ok(empty(infeasible_model(sc, &mode), warnings)),
            Err(MipFailure::NoIncumbent) => match &rounded {
                Some(r) => meet_targets(r.clone()),
                None => {
                    return Err(solver_error(format!(
                        "stopped at the time limit ({:.1} s for queue {:?}) before finding any schedule; raise --time-limit-seconds",
                        limits.time_limit_seconds, q.name
                    ))
                    .into())
                }
            },
            Err(MipFailure::Other(e)) => return Err(solver_error(e).into()),
        },
    };
    if let Some(goal) = &goal {
        let short = short_scopes(&solution.values);
        if !short.is_empty() {
            // The top-up works on shift columns with their breaks; tours and the implicit break
            // formulation are outside it.
            let why = if cols.z.is_empty() && cols.breaks.iter().all(|b| b.shift_start.is_some()) {
                "no shift raises it further"
            } else {
                "the concave hull over-estimated it, and adding shifts to meet the true curve is not available with tours or the implicit break formulation"
            };
            warnings.push(format!(
                "the projected service level stays below the target on {}: {why}",
                short
                    .iter()
                    .map(|&(k, got)| format!("{} ({got:.4})", goal.scopes[k].label))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    // Integral breaks for the integral shift counts (cost mode leaves them continuous).
    let mut values = solution.values.clone();
    let fractional =
        cols.breaks.iter().any(|b| (values[b.col] - values[b.col].round()).abs() > 1e-6);
    if fractional {
        let mut fixed = m.clone();
        for &j in cols.x.iter().flatten().map(|c| &c.col).chain(&cols.z) {
            fixed.cols[j].lower = values[j];
            fixed.cols[j].upper = values[j];
        }
        for b in &cols.breaks {
            fixed.cols[b.col].integer = true;
        }
        let pass = mip::solve(
            &fixed,
            options.solver,
            Limits {
                time_limit_seconds: remaining(limits).time_limit_seconds.max(5.0),
                mip_gap: 0.0,
                node_limit: None,
            },
            false,
        )
        .map_err(|e| solver_error(format!("placing breaks for the chosen shifts failed: {e:?}")))?;
        if pass.objective > solution.objective + 1e-6 * (1.0 + solution.objective.abs()) {
            warnings.push(format!(
                "integral break placement cost {:.4} more than the continuous one",
                pass.objective - solution.objective
            ));
        }
        values = pass.values;
    }
    let objective = m.objective_of(&values);
    let bound = [lp_bound, solution.solver_bound]
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, b| Some(acc.map_or(b, |a| a.max(b))));
    let gap = bound.map(|b| gap_to(objective, b));
    let status = match (solution.end, gap) {
        (_, Some(g)) if g <= 1e-9 => Status::Optimal,
        (MipEnd::Optimal, None) => Status::Optimal,
        (MipEnd::TimeLimit, g) => Status::TimeLimit { gap: g.unwrap_or(f64::NAN) },
        (MipEnd::NodeLimit, g) => Status::NodeLimit { gap: g.unwrap_or(f64::NAN) },
        (_, Some(g)) if g > limits.mip_gap + 1e-9 => Status::Feasible { gap: g },
        (_, g) => Status::GapLimit { gap: g.unwrap_or(f64::NAN) },
    };

    // Shift instances with their breaks.
    let value = |j: usize| values[j].round().max(0.0) as u32;
    // Pattern columns carry their breaks; the other columns get theirs from the break columns.
    let mut instances: Vec<Instance> = Vec::new();
    let mut counts = vec![0u32; types.len()];
    for (s, shift) in types.iter().enumerate() {
        for c in &cols.x[s] {
            if shift.classes.is_empty() || !c.break_slots.is_empty() {
                let breaks: Vec<(usize, usize)> = c
                    .break_slots
                    .iter()
                    .zip(&shift.classes)
                    .map(|(&b, &k)| (b, b + classes[k].len_slots))
                    .collect();
                instances.extend((0..value(c.col)).map(|_| Instance {
                    s,
                    breaks: breaks.clone(),
                    line: None,
                }));
            } else {
                counts[s] += value(c.col);
            }
        }
    }
    let break_counts: Vec<(usize, usize, Option<usize>, u32)> =
        cols.breaks.iter().map(|b| (b.class, b.slot, b.shift_start, value(b.col))).collect();
    let placement = breaks::assign(&types, &counts, &classes, &break_counts)
        .map_err(|e| solver_error(format!("internal: {e}")))?;
    for (s, shift) in types.iter().enumerate() {
        for starts in &placement[s] {
            let breaks: Vec<(usize, usize)> = starts
                .iter()
                .zip(&shift.classes)
                .map(|(&b, &k)| (b, b + classes[k].len_slots))
                .collect();
            instances.push(Instance { s, breaks, line: None });
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
        let z: Vec<u32> = cols.z.iter().map(|&j| values[j].round().max(0.0) as u32).collect();
        agents = Some(z.iter().sum());
        cut_lines(&mut instances, &types, &patterns, &z, sc)
            .map_err(|e| solver_error(format!("internal: {e}")))?;
    }
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
                breaks: inst.breaks.iter().map(|&(a, b)| (at_slot(a), at_slot(b))).collect(),
            }
        })
        .collect();
    shift_rows.sort_by(|a, b| (a.shift_start, &a.shift_id).cmp(&(b.shift_start, &b.shift_id)));

    // Coverage from the shift instances themselves (independent of the model's c columns, which
    // it must equal).
    let t_len = q.slots.len();
    let mut diff = vec![0i64; t_len + 1];
    for inst in &instances {
        let st = &types[inst.s];
        diff[st.start_slot.min(t_len)] += 1;
        diff[st.end_slot().min(t_len)] -= 1;
        for &(a, b) in &inst.breaks {
            diff[a.min(t_len)] -= 1;
            diff[b.min(t_len)] += 1;
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
            return Err(solver_error(format!(
                "internal: coverage at {} is {} from the shifts but {} in the model",
                time::format_local(&q.slots[t]),
                scheduled[t],
                values[cols.c[t]]
            ))
            .into());
        }
    }
    let coverage: Vec<CoverageRow> = (0..t_len)
        .map(|t| CoverageRow {
            interval_start: q.slots[t],
            queue: q.name.clone(),
            required: q.required[t],
            scheduled: scheduled[t],
            difference: i64::from(scheduled[t]) - i64::from(q.required[t]),
            service_level: curve_at(t, scheduled[t]),
        })
        .collect();
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
    Ok(QueueOutcome {
        summary: QueueSummary {
            queue: q.name.clone(),
            status,
            objective,
            lp_bound,
            gap,
            paid_hours,
            shifts: shift_rows.len(),
            agents,
            under_staffed_agent_intervals: under,
            over_staffed_agent_intervals: over,
            service_level_week,
            service_level_by_day,
            integer_columns: m.integer_count(),
            rows: m.rows.len(),
            lp_seconds,
            solve_seconds: started.elapsed().as_secs_f64(),
            warnings,
        },
        shifts: shift_rows,
        coverage,
    })
}

/// `auto` uses the pattern formulation up to this many shift columns (microlp solves the
/// one-week 15-minute 24×7 model of 13,440 pattern columns' LP in about 2 s).
const PATTERN_COLUMNS_MAX: usize = 50_000;

fn mip_gap_of(limits: Limits) -> f64 {
    limits.mip_gap
}

fn infeasible_model(sc: &ScheduleConfig, mode: &Mode) -> Status {
    let mut rules = Vec::new();
    if !sc.contracts.is_empty() {
        rules.push("contracts (days per week, weekly paid minutes, max_agents)");
    }
    if sc.max_agents_per_interval.is_some() {
        rules.push("max_agents_per_interval");
    }
    if matches!(mode, Mode::ServiceLevel { .. }) {
        rules.push("the service-level target");
    } else if sc.hard_coverage {
        rules.push("hard_coverage");
    }
    rules.push("breaks (windows must fit inside the open hours they cover)");
    Status::Infeasible {
        rule: "integer program".into(),
        reason: format!(
            "no schedule satisfies every hard rule together; rules in play: {}",
            rules.join(", ")
        ),
        intervals: Vec::new(),
    }
}

/// One worked shift: its type, its break spans (slots) and its tour line.
#[derive(Debug, Clone)]
struct Instance {
    s: usize,
    breaks: Vec<(usize, usize)>,
    line: Option<usize>,
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

/// People to schedule so that `agents_net` remain on the phone after unplanned shrinkage.
fn scheduled_for_net(agents_net: u32, unplanned_shrinkage: f64) -> u32 {
    if unplanned_shrinkage <= 0.0 || agents_net == 0 {
        return agents_net;
    }
    // The small tolerance keeps an exact quotient (e.g. 8 / 0.8) from rounding up to 11.
    (f64::from(agents_net) / (1.0 - unplanned_shrinkage) - 1e-9).ceil() as u32
}

/// People expected on the phone out of `scheduled` after unplanned shrinkage (rounded down).
fn on_phone(scheduled: u32, unplanned_shrinkage: f64) -> u32 {
    if unplanned_shrinkage <= 0.0 {
        return scheduled;
    }
    (f64::from(scheduled) * (1.0 - unplanned_shrinkage) + 1e-9).floor() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_json_names_each_key_once() {
        // A status with a gap sits flattened beside the summary's own `gap`: the key must not
        // appear twice (serde_json keeps the last, strict readers reject the document).
        let queue = QueueSummary {
            queue: "voice".into(),
            status: Status::NodeLimit { gap: 0.0125 },
            objective: 100.0,
            lp_bound: Some(98.75),
            gap: Some(0.0125),
            paid_hours: 96.0,
            shifts: 12,
            agents: None,
            under_staffed_agent_intervals: 0,
            over_staffed_agent_intervals: 3,
            service_level_week: None,
            service_level_by_day: Vec::new(),
            integer_columns: 40,
            rows: 24,
            lp_seconds: 0.0,
            solve_seconds: 0.0,
            warnings: Vec::new(),
        };
        let json = serde_json::to_string(&queue).unwrap();
        assert_eq!(json.matches("\"gap\"").count(), 1, "{json}");
        assert!(json.contains("\"status\":\"node_limit\""), "{json}");
        assert!(json.contains("\"gap\":0.0125"), "{json}");
    }

    #[test]
    fn unplanned_shrinkage_grosses_up_and_back() {
        // 14 on the phone at 25% unplanned shrinkage: 14 / 0.75 = 18.67 -> 19 scheduled, and
        // 19 * 0.75 = 14.25 -> 14 on the phone; 18 scheduled would leave 13.5 -> 13.
        assert_eq!(scheduled_for_net(14, 0.25), 19);
        assert_eq!(on_phone(19, 0.25), 14);
        assert_eq!(on_phone(18, 0.25), 13);
        assert_eq!(scheduled_for_net(8, 0.2), 10);
        assert_eq!(scheduled_for_net(7, 0.0), 7);
    }
}
