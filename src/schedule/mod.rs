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

mod blocks;
pub mod breaks;
pub mod config;
mod extract;
pub mod heuristic;
mod inputs;
pub use inputs::{templates, Template};
pub mod mip;
pub mod model;
mod queue;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

pub use config::{
    BreakRuleConfig, ContractConfig, ScheduleConfig, ServiceLevelScope, ShiftTemplateConfig,
};
pub use mip::SolverKind;

use crate::frame::{FrameError, IntervalFrame};
use crate::io::coverage::CoverageRow;
use crate::io::requirements::RequirementRow;
use crate::io::shifts::ShiftRow;
use crate::site::{QueueConfig, Site};
use crate::time::Stamp;
#[cfg(test)]
use inputs::{queue_data, shift_types};
use mip::Limits;
pub use model::BreakFormulation;
use queue::solve_queue;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Invalid(String),
    #[error("plan.toml [schedule] {key}: {message}")]
    Config { key: String, message: String },
    #[error("requirements for queue {queue:?} at {interval_start}: {message}")]
    Requirements { queue: String, interval_start: String, message: String },
    /// Requirement rows that do not fit the site's queues and grid.
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("solver {solver}: {message}")]
    Solver { solver: String, message: String },
    #[error("{path}: {message}")]
    Output { path: String, message: String },
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
}

/// What the schedule reads of a plan: the site and its `[schedule]` section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting<'a> {
    pub site: &'a Site,
    pub schedule: &'a ScheduleConfig,
}

/// Projected service level of one interval: `(queue, contacts, aht_seconds, interval_minutes,
/// agents) -> fraction`, the signature of `crate::staffing::projected_service_level`.
pub type ServiceLevelFn = dyn Fn(&QueueConfig, f64, f64, u32, u32) -> f64 + Send + Sync;

/// What to minimise (`[schedule] objective`, `schedule --objective`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
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
    /// The objective of this run; the CLI and `plan` take it from `[schedule] objective` unless
    /// `schedule --objective` overrides it.
    pub objective: Objective,
    pub solver: SolverKind,
    pub time_limit_seconds: Option<f64>,
    pub mip_gap: Option<f64>,
    /// Projected SL per interval; needed in service-level mode, and fills coverage's
    /// `service_level` column and the summary's SL figures in either mode.
    pub service_level: Option<Arc<ServiceLevelFn>>,
    /// Projected abandonment per interval (same signature, a fraction of offered contacts,
    /// `crate::staffing::projected_abandon_rate`): with it, service-level mode also holds each
    /// queue's `max_abandon_rate` over the same scopes (days or the week).
    pub abandonment: Option<Arc<ServiceLevelFn>>,
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
            .field("abandonment", &self.abandonment.is_some())
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

/// Schedule every queue of `requirements` for the site under `[schedule]`.
///
/// Each queue is its own integer program (a shift belongs to one queue); the time limit is
/// shared out over the queues still to solve. An infeasible queue is reported in the summary's
/// status (rule, reason, intervals) and contributes no shifts.
pub fn solve(
    requirements: &[RequirementRow],
    site: &Site,
    schedule: &ScheduleConfig,
    options: &SolveOptions,
) -> Result<ScheduleResult, ScheduleError> {
    let setting = Setting { site, schedule };
    let config = &setting;
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
        });
    }
    let time_limit = options.time_limit_seconds.unwrap_or(sc.time_limit_seconds);
    let mip_gap = options.mip_gap.unwrap_or(sc.mip_gap);
    let node_limit = (sc.node_limit > 0).then_some(sc.node_limit);
    if !(time_limit.is_finite() && time_limit > 0.0) {
        return Err(ScheduleError::Invalid(format!(
            "time limit must be > 0 seconds, got {time_limit}"
        )));
    }
    if !(mip_gap.is_finite() && mip_gap >= 0.0) {
        return Err(ScheduleError::Invalid(format!("MIP gap must be >= 0, got {mip_gap}")));
    }
    let jobs = queue_jobs(requirements, config)?;
    let limits = Limits { time_limit_seconds: time_limit, mip_gap, node_limit };
    let outcomes = solve_queues(&jobs, config, options, limits, started);
    let mut shifts = Vec::new();
    let mut coverage = Vec::new();
    let mut queues = Vec::new();
    for out in outcomes {
        let out = out?;
        shifts.extend(out.shifts);
        coverage.extend(out.coverage);
        queues.push(out.summary);
    }
    let summary = summarize(queues, shifts.len(), &coverage, requirements, options, started);
    Ok(ScheduleResult { shifts, coverage, summary })
}

/// One queue's requirement rows (in time order) and its settings.
struct QueueJob<'a> {
    rows: Vec<&'a RequirementRow>,
    queue: &'a QueueConfig,
}

/// The requirement rows by queue (in name order), each with its `[[queues]]` entry. The rows
/// are laid on an [`IntervalFrame`] first, which checks that each names a queue of the site,
/// lies on the site's grid and appears once.
fn queue_jobs<'a>(
    requirements: &'a [RequirementRow],
    config: &'a Setting<'a>,
) -> Result<Vec<QueueJob<'a>>, ScheduleError> {
    if requirements.is_empty() {
        return Err(ScheduleError::Invalid("the requirements have no rows".into()));
    }
    let site = config.site;
    let frame = IntervalFrame::of_rows(site, "requirements", requirements)?;
    let mut order: Vec<usize> = (0..site.queues.len()).collect();
    order.sort_by(|&a, &b| site.queues[a].name.cmp(&site.queues[b].name));
    let jobs = order
        .into_iter()
        .map(|q| QueueJob {
            rows: frame.cells.row(q).iter().flatten().copied().collect(),
            queue: &site.queues[q],
        })
        .filter(|job| !job.rows.is_empty())
        .collect();
    Ok(jobs)
}

/// Solve every queue; `limits` holds the whole run's time limit, shared out here.
fn solve_queues(
    jobs: &[QueueJob],
    config: &Setting,
    options: &SolveOptions,
    limits: Limits,
    started: Instant,
) -> Vec<Result<QueueOutcome, ScheduleError>> {
    let Limits { time_limit_seconds: time_limit, mip_gap, node_limit } = limits;
    // Queues are independent models, solved side by side on a pool of up to twice as many
    // threads as cores: a queue's LP and annealing are long single-threaded steps, and with more
    // queues than cores a queue left waiting for a thread would run them alone at the end while
    // the other cores idle (three ×10 sites on two cores: 10.1 s, against 8.2 s oversubscribed).
    // Results do not depend on the thread count. Each queue gets the time limit divided by the
    // turns the threads need to take every queue once. Debian's CBC is not thread-safe
    // (good_lp's `singlethread-cbc` serialises its calls process-wide), so CBC solves one queue
    // after another with the time shared out.
    let n_queues = jobs.len();
    if options.solver == SolverKind::Cbc {
        let mut out = Vec::with_capacity(n_queues);
        for (i, QueueJob { rows, queue }) in jobs.iter().enumerate() {
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
        let solve_all = || -> Vec<Result<QueueOutcome, ScheduleError>> {
            jobs.par_iter()
                .map(|QueueJob { rows, queue }| solve_queue(rows, queue, config, options, limits))
                .collect()
        };
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(solve_all),
            Err(_) => solve_all(),
        }
    }
}

/// The run's figures from the queues' summaries: the worst status, sums, and the gap weighted
/// by objective.
fn summarize(
    queues: Vec<QueueSummary>,
    shifts: usize,
    coverage: &[CoverageRow],
    requirements: &[RequirementRow],
    options: &SolveOptions,
    started: Instant,
) -> Summary {
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
    let service_level_week = weighted_sl(coverage, requirements);
    Summary {
        status,
        objective_mode: options.objective,
        solver: options.solver,
        objective,
        lp_bound,
        gap,
        paid_hours: queues.iter().map(|q| q.paid_hours).sum(),
        shifts,
        agents: queues.iter().map(|q| q.agents).sum::<Option<u32>>(),
        under_staffed_agent_intervals: queues.iter().map(|q| q.under_staffed_agent_intervals).sum(),
        over_staffed_agent_intervals: queues.iter().map(|q| q.over_staffed_agent_intervals).sum(),
        service_level_week,
        solve_seconds: started.elapsed().as_secs_f64(),
        queues,
    }
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

/// Whether every interval must reach its requirement: cost mode with `hard_coverage`, and
/// service-level mode on a deferred queue (email, social: no service-level target, and a
/// requirement that is already the fewest agents meeting the deadline).
fn hard_coverage(sc: &ScheduleConfig, queue: &QueueConfig, objective: Objective) -> bool {
    match objective {
        Objective::Cost => sc.hard_coverage,
        Objective::ServiceLevel => queue.service_level.is_none(),
    }
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
pub fn on_phone(scheduled: u32, unplanned_shrinkage: f64) -> u32 {
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
