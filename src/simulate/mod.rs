//! Discrete-event simulation of a roster against arrivals, and what-if scenario sweeps.
//!
//! Erlang C and A (the `staffing` stage) treat each interval as an independent steady state.
//! Real queues are not: a backlog built in an understaffed quarter-hour is still there in the
//! next, agents leave for breaks, callers hang up, agents are off sick, and agents with several
//! skills are shared between queues. This stage checks what a roster really delivers by
//! simulating all queues together, contact by contact:
//!
//! - **arrivals**: a non-homogeneous Poisson process with a constant rate in each interval,
//!   `contacts / interval length` from forecast.csv, or a replayed contact log;
//! - **handle times**: exponential (the Erlang assumption) or log-normal with the interval's
//!   forecast mean `aht_seconds` and a configured coefficient of variation;
//! - **patience**: exponential with the queue's `patience_seconds` (voice and chat); a caller
//!   still waiting when patience runs out abandons. Email and social are deferred work: they
//!   never abandon, and their service level is the fraction answered within `deadline_minutes`;
//! - **agents**: each roster row puts one agent on duty from `shift_start` to `shift_end`, off
//!   duty during its breaks. With `routing = "skills"` (the default) the agent serves every
//!   queue among its agents.csv `skills` (its row's queue always included); with
//!   `routing = "roster_queue"` only its row's queue;
//! - **routing**: a contact goes to the longest-idle agent rostered on its queue, else to the
//!   longest-idle other agent with its skill; a freed agent takes the waiting contact of the
//!   highest priority (`priority`, plus `priority_per_minute` for each minute it has waited),
//!   then the longest wait, among its skills (non-preemptive priority; see [`engine`]); a chat
//!   agent holds up to `concurrency` chats;
//! - **absence**: per replication, each rostered agent-day is absent with probability `p`, and
//!   optional off-queue blocks (meetings, training, coaching) take a fraction of the present
//!   agents' time. `[simulation] absence = "auto"` (the default) is the part of `[staffing]
//!   shrinkage` the roster's breaks do not already take ([`unplanned_shrinkage`]) — what the
//!   schedule planned for; the reported figures are *with* absence;
//! - contacts still waiting when no agent of their queue will be on duty again are counted as
//!   unanswered (or abandoned, for callers with patience).
//!
//! Outcomes are counted in the interval a contact **arrived** in: offered, answered, abandoned,
//! unanswered (`offered = answered + abandoned + unanswered`),
//! service level (answered within the queue's target wait, divided by offered), ASA (mean wait
//! of answered contacts), abandon rate (abandoned / offered) and occupancy (slot-seconds
//! handling contacts / slot-seconds on duty, in the interval they fall in). Each of `R`
//! replications runs on its own ChaCha8 stream (seed, stream = replication; absence on a second
//! generator with the same stream), in parallel with rayon, and the results are combined in
//! replication order, so a seed gives byte-identical output on any number of threads. Reported
//! values are means over replications with a Student-t 95% confidence interval ([`stats`]),
//! clipped to the quantity's range.
//!
//! Memory is bounded: at most [`MAX_REPLICATIONS`] replications, [`MAX_CELLS`] queue-interval
//! cells, [`MAX_REPLICATION_CELLS`] cells over all replications and [`MAX_EXPECTED_CONTACTS`]
//! expected contacts per replication; beyond them a run is an error, never a swap storm.
//!
//! The event loop is in [`engine`], the model's construction in [`supply`]; [`whatif`] sweeps
//! scenarios over the same machinery.

pub mod engine;
pub mod output;
pub mod overlap;
pub mod stats;
pub mod supply;
pub mod whatif;

use chrono::Duration;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::io::contact_log::ContactRecord;
use crate::io::forecast::ForecastRow;
use crate::io::requirements::RequirementRow;
use crate::io::roster::RosterRow;
use crate::site::{Channel, QueueConfig, Site};
use crate::time::Stamp;
use engine::{Absence, ArrivalSource, Cell, HandleTime, Model, ReplayContact, Workspace};
pub use stats::{Estimate, CONFIDENCE};
use supply::{demand, model, supply_from_counts, supply_from_roster};
pub use supply::{unplanned_shrinkage, Skills};

/// Service-level target used for a voice or chat queue whose plan.toml gives none: the common
/// "80/20" target's 20 seconds.
pub const DEFAULT_TARGET_ANSWER_SECONDS: f64 = 20.0;

/// Most replications of one run (`--replications`, `[simulation] replications`).
pub const MAX_REPLICATIONS: u32 = 1000;

/// Most queue × interval cells of a horizon (a year of 15-minute intervals on 28 queues); each
/// becomes an outcome in the result.
pub const MAX_CELLS: usize = 1_000_000;

/// Most cells over all replications (each replication keeps its own, 80 bytes a cell, until
/// they are combined): 640 MB.
pub const MAX_REPLICATION_CELLS: usize = 8_000_000;
const _: () = assert!(std::mem::size_of::<Cell>() * MAX_REPLICATION_CELLS <= 640_000_000);

/// Most expected contacts of one replication (every one may be waiting at once, 32 bytes
/// each): 320 MB per worker thread.
pub const MAX_EXPECTED_CONTACTS: f64 = 1e7;

/// Handle-time distribution named in plan.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HandleTimeDistribution {
    /// Exponential with the forecast mean (coefficient of variation 1), as Erlang C/A assume.
    #[default]
    Exponential,
    /// Log-normal with the forecast mean and `handle_time_cv`.
    Lognormal,
}

/// Which queues an agent serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    /// Every queue among the agent's skills (agents.csv), its roster row's queue included.
    #[default]
    Skills,
    /// Only its roster row's queue.
    RosterQueue,
}

/// `[simulation] absence`: `"auto"` or a fraction in [0, 1).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(try_from = "RawAbsence", into = "RawAbsence")]
pub enum AbsenceSetting {
    /// The part of `[staffing] shrinkage` the roster's breaks do not take.
    #[default]
    Auto,
    /// This fraction of rostered time is lost to absence (day absence plus off-queue time).
    Fraction(f64),
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum RawAbsence {
    Number(f64),
    Text(String),
}

impl TryFrom<RawAbsence> for AbsenceSetting {
    type Error = String;
    fn try_from(raw: RawAbsence) -> Result<Self, String> {
        match raw {
            RawAbsence::Text(t) if t == "auto" => Ok(AbsenceSetting::Auto),
            RawAbsence::Text(t) => Err(format!("expected \"auto\" or a fraction, found {t:?}")),
            RawAbsence::Number(v) => Ok(AbsenceSetting::Fraction(v)),
        }
    }
}

impl From<AbsenceSetting> for RawAbsence {
    fn from(a: AbsenceSetting) -> Self {
        match a {
            AbsenceSetting::Auto => RawAbsence::Text("auto".into()),
            AbsenceSetting::Fraction(v) => RawAbsence::Number(v),
        }
    }
}

/// `[simulation]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {
    /// Independent replications (default 10, at most [`MAX_REPLICATIONS`]).
    pub replications: u32,
    /// Seed of the random streams (default 1).
    pub seed: u64,
    /// `exponential` (default) or `lognormal`.
    pub handle_time: HandleTimeDistribution,
    /// Coefficient of variation of a log-normal handle time (default 1.0).
    pub handle_time_cv: f64,
    /// `skills` (default) or `roster_queue`.
    pub routing: Routing,
    /// Unplanned absence: `"auto"` (default) or a fraction in [0, 1).
    pub absence: AbsenceSetting,
    /// Part of present agents' on-duty time spent off-queue in random blocks (default 0); taken
    /// out of `absence`, the rest of which is whole agent-days.
    pub off_queue: f64,
    /// Length of an off-queue block in minutes (default 30).
    pub off_queue_block_minutes: f64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            replications: 10,
            seed: 1,
            handle_time: HandleTimeDistribution::Exponential,
            handle_time_cv: 1.0,
            routing: Routing::Skills,
            absence: AbsenceSetting::Auto,
            off_queue: 0.0,
            off_queue_block_minutes: 30.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    #[error("{0}")]
    Invalid(String),
    #[error("roster row of agent {agent_id} on {date}: {message}")]
    Roster { agent_id: String, date: String, message: String },
    #[error("forecast row {interval_start} queue {queue}: {message}")]
    Forecast { interval_start: String, queue: String, message: String },
    /// Forecast rows that do not fit the site's queues and grid.
    #[error(transparent)]
    Frame(#[from] crate::frame::FrameError),
    /// A what-if scenario's requirement that staffing refused.
    #[error(transparent)]
    Staffing(#[from] crate::staffing::StaffingError),
    /// A bad value in a scenario file.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A scenario file that could not be read.
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

/// Unplanned absence of a run, before a roster resolves `"auto"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbsenceOptions {
    pub setting: AbsenceSetting,
    /// `[staffing] shrinkage`, which `"auto"` takes the roster's breaks out of.
    pub shrinkage: f64,
    pub off_queue: f64,
    pub block_seconds: f64,
}

impl AbsenceOptions {
    /// No absence at all.
    pub const NONE: AbsenceOptions = AbsenceOptions {
        setting: AbsenceSetting::Fraction(0.0),
        shrinkage: 0.0,
        off_queue: 0.0,
        block_seconds: 1800.0,
    };

    /// The absence drawn against `roster`: the total unplanned fraction `u` (given, or
    /// [`unplanned_shrinkage`]), of which `off_queue` is in-shift blocks and the rest whole
    /// days, `p = 1 - (1 - u) / (1 - off_queue)` (0 when the blocks take it all).
    pub fn resolve(&self, roster: &[RosterRow]) -> AppliedAbsence {
        let total = match self.setting {
            AbsenceSetting::Auto => unplanned_shrinkage(roster, self.shrinkage),
            AbsenceSetting::Fraction(v) => v,
        };
        let day = (1.0 - (1.0 - total) / (1.0 - self.off_queue)).max(0.0);
        AppliedAbsence {
            unplanned_shrinkage: total,
            day_probability: day,
            off_queue_fraction: self.off_queue,
            off_queue_block_minutes: self.block_seconds / 60.0,
        }
    }
}

/// The absence a run drew: reported with its results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AppliedAbsence {
    /// Fraction of rostered on-duty time lost (days and off-queue blocks together).
    pub unplanned_shrinkage: f64,
    /// Probability that a rostered agent-day is absent.
    pub day_probability: f64,
    /// Probability that a block of a present agent's time is off-queue.
    pub off_queue_fraction: f64,
    pub off_queue_block_minutes: f64,
}

impl AppliedAbsence {
    pub const NONE: AppliedAbsence = AppliedAbsence {
        unplanned_shrinkage: 0.0,
        day_probability: 0.0,
        off_queue_fraction: 0.0,
        off_queue_block_minutes: 30.0,
    };

    pub(crate) fn engine(&self) -> Absence {
        Absence {
            day_probability: self.day_probability,
            off_queue_fraction: self.off_queue_fraction,
            block_seconds: self.off_queue_block_minutes * 60.0,
        }
    }
}

/// Validated run settings: plan.toml's `[simulation]`, possibly overridden by flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationOptions {
    pub replications: u32,
    pub seed: u64,
    pub handle_time: HandleTime,
    pub routing: Routing,
    pub absence: AbsenceOptions,
}

impl SimulationOptions {
    /// Validate a `[simulation]` section; `shrinkage` is `[staffing] shrinkage`, which
    /// `absence = "auto"` needs.
    pub fn from_config(config: &SimulationConfig, shrinkage: f64) -> Result<Self, SimulateError> {
        let handle_time = match config.handle_time {
            HandleTimeDistribution::Exponential => HandleTime::Exponential,
            HandleTimeDistribution::Lognormal => {
                HandleTime::LogNormal { cv: config.handle_time_cv }
            }
        };
        SimulationOptions {
            replications: config.replications,
            seed: config.seed,
            handle_time,
            routing: config.routing,
            absence: AbsenceOptions {
                setting: config.absence,
                shrinkage,
                off_queue: config.off_queue,
                block_seconds: config.off_queue_block_minutes * 60.0,
            },
        }
        .validated()
    }

    /// The same settings without absence.
    pub fn without_absence(self) -> Self {
        SimulationOptions { absence: AbsenceOptions::NONE, ..self }
    }

    /// Check the values (1 <= replications <= [`MAX_REPLICATIONS`], a log-normal CV > 0,
    /// fractions in [0, 1), a block > 0).
    pub fn validated(self) -> Result<Self, SimulateError> {
        let invalid = |m: String| Err(SimulateError::Invalid(m));
        if !(1..=MAX_REPLICATIONS).contains(&self.replications) {
            return invalid(format!(
                "simulation.replications must be an integer from 1 to {MAX_REPLICATIONS}, got {}",
                self.replications
            ));
        }
        if let HandleTime::LogNormal { cv } = self.handle_time {
            if !(cv.is_finite() && cv > 0.0) {
                return invalid(format!(
                    "simulation.handle_time_cv must be a number > 0, got {cv}"
                ));
            }
        }
        let a = self.absence;
        let fraction = |v: f64| v.is_finite() && (0.0..1.0).contains(&v);
        if let AbsenceSetting::Fraction(v) = a.setting {
            if !fraction(v) {
                return invalid(format!(
                    "simulation.absence must be \"auto\" or a fraction in [0, 1), got {v}"
                ));
            }
        }
        if !fraction(a.shrinkage) {
            return invalid(format!("shrinkage must be in [0, 1), got {}", a.shrinkage));
        }
        if !fraction(a.off_queue) {
            return invalid(format!(
                "simulation.off_queue must be a fraction in [0, 1), got {}",
                a.off_queue
            ));
        }
        if !(a.block_seconds.is_finite() && a.block_seconds > 0.0) {
            return invalid(format!(
                "simulation.off_queue_block_minutes must be a number > 0, got {}",
                a.block_seconds / 60.0
            ));
        }
        Ok(self)
    }
}

impl Default for SimulationOptions {
    /// `[simulation]`'s defaults with no shrinkage: no absence.
    fn default() -> Self {
        SimulationOptions::from_config(&SimulationConfig::default(), 0.0)
            .expect("defaults are valid")
    }
}

/// Replicated outcome of a set of contacts (an interval of a queue, a queue, or everything).
/// Rates are `None` where undefined in every replication (no contact offered, none answered,
/// nobody on duty).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub offered: Estimate,
    pub answered: Estimate,
    pub abandoned: Estimate,
    /// Contacts without patience still waiting when no agent of their queue came on duty again.
    pub unanswered: Estimate,
    pub service_level: Option<Estimate>,
    pub asa_seconds: Option<Estimate>,
    pub abandon_rate: Option<Estimate>,
    pub occupancy: Option<Estimate>,
}

impl Metrics {
    /// Combine one `Cell` per replication; each interval is clipped to its quantity's range.
    pub(crate) fn of(cells: &[Cell]) -> Metrics {
        let ratio = |n: f64, d: f64| if d > 0.0 { n / d } else { f64::NAN };
        let count = |f: fn(&Cell) -> f64| {
            Estimate::within(cells.iter().map(f), 0.0, f64::INFINITY).unwrap_or(Estimate {
                mean: 0.0,
                ci_low: None,
                ci_high: None,
            })
        };
        let fraction = |f: &dyn Fn(&Cell) -> f64| Estimate::within(cells.iter().map(f), 0.0, 1.0);
        Metrics {
            offered: count(|c| c.offered),
            answered: count(|c| c.answered),
            abandoned: count(|c| c.abandoned),
            unanswered: count(|c| c.unanswered),
            service_level: fraction(&|c| ratio(c.answered_within_target, c.offered)),
            asa_seconds: Estimate::within(
                cells.iter().map(|c| ratio(c.wait_seconds, c.answered)),
                0.0,
                f64::INFINITY,
            ),
            abandon_rate: fraction(&|c| ratio(c.abandoned, c.offered)),
            occupancy: fraction(&|c| ratio(c.busy_slot_seconds, c.staffed_slot_seconds)),
        }
    }
}

/// One queue's totals over the whole horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueOutcome {
    pub queue: String,
    pub channel: Channel,
    /// Served first by a freed agent when higher.
    pub priority: i32,
    /// Wait counted as "within target" for the service level (seconds).
    pub target_answer_seconds: f64,
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Of the answered contacts, those answered by agents rostered on a queue of another skill
    /// (mean over replications): multi-skilled agents lending a hand between their own
    /// contacts. A queue pooled with its host (same skill) is not helped by the host's agents.
    pub answered_by_helpers: f64,
    /// Contacts of queues of other skills answered by the agents rostered on this queue (mean
    /// over replications): the hand they lend.
    pub answered_for_others: f64,
}

/// One queue in one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalOutcome {
    pub interval_start: Stamp,
    pub queue: String,
    pub metrics: Metrics,
}

/// One queue on one local day (the site's time zone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayOutcome {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub queue: String,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// Everything a simulation reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationResult {
    pub replications: u32,
    pub seed: u64,
    /// Level of every confidence interval (0.95).
    pub confidence: f64,
    pub interval_minutes: u32,
    pub routing: Routing,
    /// The absence drawn in every replication.
    pub absence: AppliedAbsence,
    /// All queues together (service level against each contact's own queue target).
    pub total: Metrics,
    /// Per queue, in plan.toml order.
    pub queues: Vec<QueueOutcome>,
    /// Per queue (plan.toml order) and local day (date order).
    pub days: Vec<DayOutcome>,
    /// Per interval and queue (queue-major, then time), for simulation.csv.
    #[serde(skip)]
    pub intervals: Vec<IntervalOutcome>,
}

/// The interval grid a simulation runs on: `intervals` steps of `interval_seconds` from
/// `origin` (absolute time, so DST days have 23 or 25 hours of intervals).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Horizon {
    pub origin: Stamp,
    pub interval_seconds: f64,
    pub intervals: usize,
}

impl Horizon {
    pub(crate) fn seconds_of(&self, t: &Stamp) -> f64 {
        (*t - self.origin).num_milliseconds() as f64 / 1000.0
    }

    pub fn interval_start(&self, i: usize) -> Stamp {
        self.origin + Duration::milliseconds((i as f64 * self.interval_seconds * 1000.0) as i64)
    }
}

/// A queue-day meets its service-level target in a simulation when the lower 95% limit of its
/// simulated service level is at least the target minus this (replications are few; a limit a
/// hair under the target is noise, not a miss).
pub const TARGET_TOLERANCE: f64 = 0.02;

/// Whether simulated figures meet a queue's targets: the service level's lower limit (its mean
/// with one replication) at least `target - TARGET_TOLERANCE`, and the mean abandonment at
/// most `max_abandon_rate`. `None` when there is nothing to judge (no target and no cap, or no
/// figure).
pub fn meets_target(
    target: Option<f64>,
    service_level_low: Option<f64>,
    max_abandon_rate: Option<f64>,
    abandon_rate: Option<f64>,
) -> Option<bool> {
    let sl = match (target, service_level_low) {
        (Some(t), Some(low)) => Some(low >= t - TARGET_TOLERANCE - 1e-12),
        _ => None,
    };
    let abandon = match (max_abandon_rate, abandon_rate) {
        (Some(cap), Some(a)) => Some(a <= cap + 1e-12),
        _ => None,
    };
    match (sl, abandon) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(true) && b.unwrap_or(true)),
    }
}

/// Whether a verdict of [`meets_target`] is too close to call with the replications run: no
/// judged figure misses beyond doubt, and the 95% interval of one of them holds the line. The
/// service level is judged on its lower limit, so one under `target - TARGET_TOLERANCE` whose
/// upper limit reaches that line may be met; abandonment is judged on its mean, so an interval
/// around the cap may fall either side. A day whose other figure misses beyond doubt (a service
/// level's upper limit under the line, an abandonment's lower limit over the cap) stays missed
/// however many replications run, so it is not close. `service_level` and `abandon_rate` are
/// `(ci_low, ci_high)`; `false` without an interval.
pub fn too_close_to_call(
    target: Option<f64>,
    service_level: Option<(f64, f64)>,
    max_abandon_rate: Option<f64>,
    abandon_rate: Option<(f64, f64)>,
) -> bool {
    let line = target.map(|t| t - TARGET_TOLERANCE);
    let sl = line.zip(service_level);
    let abandon = max_abandon_rate.zip(abandon_rate);
    let clearly_missed = sl.is_some_and(|(line, (_, high))| high < line - 1e-12)
        || abandon.is_some_and(|(cap, (low, _))| low > cap + 1e-12);
    let sl_close = sl.is_some_and(|(line, (low, high))| low < line - 1e-12 && high >= line - 1e-12);
    let abandon_close =
        abandon.is_some_and(|(cap, (low, high))| low <= cap + 1e-12 && high > cap + 1e-12);
    !clearly_missed && (sl_close || abandon_close)
}

/// The service-level target a simulation judges a queue by: `service_level`, else for deferred
/// work (email, social) every contact within its deadline (1.0); `None` for a live queue
/// without one (staffed on ASA or occupancy).
pub fn service_level_target(q: &QueueConfig) -> Option<f64> {
    match (q.service_level, q.channel) {
        (Some(t), _) => Some(t),
        (None, Channel::Email | Channel::Social) => Some(1.0),
        (None, _) => None,
    }
}

/// Target wait of a queue's service level: `target_answer_seconds` for voice/chat (20 s when
/// absent), `deadline_minutes` for email/social.
pub fn target_seconds(q: &QueueConfig) -> f64 {
    match q.channel {
        Channel::Voice | Channel::Chat => {
            q.target_answer_seconds.unwrap_or(DEFAULT_TARGET_ANSWER_SECONDS)
        }
        Channel::Email | Channel::Social => q
            .deadline_minutes
            .map(|m| m * 60.0)
            .or(q.target_answer_seconds)
            .unwrap_or(DEFAULT_TARGET_ANSWER_SECONDS),
    }
}

/// The replications' cells must fit in [`MAX_REPLICATION_CELLS`].
pub(crate) fn check_memory(model: &Model, replications: u32) -> Result<(), SimulateError> {
    let cells = model.queues.len() * model.intervals;
    if cells.saturating_mul(replications as usize) > MAX_REPLICATION_CELLS {
        return Err(SimulateError::Invalid(format!(
            "{replications} replications of {cells} interval-queue cells are more than \
             {MAX_REPLICATION_CELLS} cells in memory: use at most {} replications for this horizon",
            most_replications(cells).max(1)
        )));
    }
    Ok(())
}

/// The most replications whose cells fit [`MAX_REPLICATION_CELLS`] for a horizon of `cells`
/// queue × interval cells (a result's `intervals.len()`).
pub fn most_replications(cells: usize) -> u32 {
    u32::try_from(MAX_REPLICATION_CELLS / cells.max(1)).unwrap_or(u32::MAX)
}

/// Run `replications` replications in parallel; replication `r` uses ChaCha8 stream
/// `stream_base + r` of `seed` for its contacts and of a second seed for its absence. Results
/// come back in replication order.
pub(crate) fn replicate(
    model: &Model,
    replications: u32,
    seed: u64,
    stream_base: u64,
) -> Vec<Vec<Cell>> {
    (0..replications)
        .into_par_iter()
        .map_init(Workspace::default, |ws, r| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(stream_base + u64::from(r));
            // A fixed odd constant keeps the absence stream apart from the contacts' stream.
            let mut absence_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
            absence_rng.set_stream(stream_base + u64::from(r));
            model.replicate(&mut rng, &mut absence_rng, ws);
            std::mem::take(&mut ws.cells)
        })
        .collect()
}

/// Per queue and local day: each replication's cells summed over the day's intervals.
fn daily(runs: &[Vec<Cell>], horizon: &Horizon, site: &Site) -> Vec<DayOutcome> {
    let n = horizon.intervals;
    // Day boundaries: the first interval of each local date.
    let mut starts: Vec<(usize, chrono::NaiveDate)> = Vec::new();
    for i in 0..n {
        let d = horizon.interval_start(i).date_naive();
        if starts.last().is_none_or(|(_, last)| *last != d) {
            starts.push((i, d));
        }
    }
    let mut out = Vec::with_capacity(starts.len() * site.queues.len());
    let mut per_rep = vec![Cell::default(); runs.len()];
    for (q, qc) in site.queues.iter().enumerate() {
        for (k, &(first, date)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(n, |s| s.0);
            for (r, run) in runs.iter().enumerate() {
                let mut c = Cell::default();
                for cell in &run[q * n + first..q * n + end] {
                    c.add(cell);
                }
                per_rep[r] = c;
            }
            out.push(DayOutcome {
                date: date.format("%Y-%m-%d").to_string(),
                queue: qc.name.clone(),
                metrics: Metrics::of(&per_rep),
            });
        }
    }
    out
}

/// Which outcomes [`summarize`] builds besides the queues and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Days and intervals (simulation.csv).
    Intervals,
    /// Days only (a what-if sweep: a thousand scenarios' intervals would only fill memory).
    Days,
}

/// Combine replications into the reported outcome.
pub(crate) fn summarize(
    runs: &[Vec<Cell>],
    horizon: &Horizon,
    site: &Site,
    options: &SimulationOptions,
    absence: AppliedAbsence,
    detail: Detail,
) -> SimulationResult {
    let n = horizon.intervals;
    let with_intervals = detail == Detail::Intervals;
    let mut intervals = Vec::with_capacity(if with_intervals { site.queues.len() * n } else { 0 });
    let mut queues = Vec::with_capacity(site.queues.len());
    let mut all = vec![Cell::default(); runs.len()];
    let mut per_rep = vec![Cell::default(); runs.len()];
    for (q, qc) in site.queues.iter().enumerate() {
        let mut queue_total = vec![Cell::default(); runs.len()];
        for i in 0..n {
            for (r, run) in runs.iter().enumerate() {
                per_rep[r] = run[q * n + i];
                queue_total[r].add(&run[q * n + i]);
            }
            if with_intervals {
                intervals.push(IntervalOutcome {
                    interval_start: horizon.interval_start(i),
                    queue: qc.name.clone(),
                    metrics: Metrics::of(&per_rep),
                });
            }
        }
        for (a, t) in all.iter_mut().zip(&queue_total) {
            a.add(t);
        }
        queues.push(QueueOutcome {
            queue: qc.name.clone(),
            channel: qc.channel,
            priority: qc.priority.unwrap_or(0),
            target_answer_seconds: target_seconds(qc),
            metrics: Metrics::of(&queue_total),
            answered_by_helpers: mean_over(&queue_total, |c| c.answered_by_helpers),
            answered_for_others: mean_over(&queue_total, |c| c.answered_for_others),
        });
    }
    SimulationResult {
        replications: options.replications,
        seed: options.seed,
        confidence: CONFIDENCE,
        interval_minutes: site.grid.interval_minutes,
        routing: options.routing,
        absence,
        total: Metrics::of(&all),
        queues,
        days: daily(runs, horizon, site),
        intervals,
    }
}

/// In words, how much multi-skilled agents answered for queues of other skills than their
/// roster row's ([`QueueOutcome::answered_by_helpers`], [`QueueOutcome::answered_for_others`]):
/// per queue, the answered contacts it got from agents rostered elsewhere and those its own
/// agents answered for other queues. `None` when no agent helped another queue.
pub fn help_summary(r: &SimulationResult) -> Option<String> {
    let percent = |part: f64, whole: f64| if whole > 0.0 { 100.0 * part / whole } else { 0.0 };
    let parts: Vec<String> = r
        .queues
        .iter()
        .filter(|q| q.answered_by_helpers >= 0.5 || q.answered_for_others >= 0.5)
        .map(|q| {
            let answered = q.metrics.answered.mean;
            let mut part = format!(
                "{} got {:.0} of its {answered:.0} answered contacts ({:.1}%) from agents rostered on other queues",
                q.queue,
                q.answered_by_helpers,
                percent(q.answered_by_helpers, answered)
            );
            if q.answered_for_others >= 0.5 {
                let theirs = answered - q.answered_by_helpers + q.answered_for_others;
                part += &format!(
                    ", and its agents answered {:.0} for other queues ({:.1}% of all they answered)",
                    q.answered_for_others,
                    percent(q.answered_for_others, theirs)
                );
            }
            part
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "multi-skilled agents answer contacts of queues other than the one they are rostered on (a queue answered by its host's agents, such as a VIP line, counts them as its own; means over {} replications): {}",
            r.replications,
            parts.join("; ")
        )
    })
}

/// Per live queue with a service-level target (voice and chat: `service_level` within
/// `target_answer_seconds`), in words: the intervals whose simulated service level (mean over
/// the replications) falls under the target, which a day's figure averages away. How many of
/// the queue's intervals with contacts, the share of its contacts and of its abandoned ones
/// they carry, and the lowest of them. One sentence per queue with such intervals, in
/// plan.toml order; none when every interval reaches its target.
pub fn intervals_below_target(intervals: &[IntervalOutcome], site: &Site) -> Vec<String> {
    let percent = |part: f64, whole: f64| if whole > 0.0 { 100.0 * part / whole } else { 0.0 };
    let mut out = Vec::new();
    for queue in &site.queues {
        let (Some(target), Channel::Voice | Channel::Chat) = (queue.service_level, queue.channel)
        else {
            continue;
        };
        let mut all = IntervalTally::default();
        let mut below = IntervalTally::default();
        let mut lowest: Option<(f64, &IntervalOutcome)> = None;
        for i in intervals.iter().filter(|i| i.queue == queue.name) {
            let Some(sl) = i.metrics.service_level.as_ref().map(|e| e.mean) else { continue };
            if i.metrics.offered.mean <= 0.0 {
                continue;
            }
            all.add(&i.metrics);
            if sl < target - 1e-9 {
                below.add(&i.metrics);
                if lowest.is_none_or(|(low, _)| sl < low) {
                    lowest = Some((sl, i));
                }
            }
        }
        let Some((low, worst)) = lowest else { continue };
        let abandons = queue.patience_seconds.is_some();
        let mut text = format!(
            "{}: {} of its {} intervals with contacts answer under {:.0}% within {:.0} s; they carry {:.0}% of its contacts",
            queue.name,
            below.intervals,
            all.intervals,
            100.0 * target,
            target_seconds(queue),
            percent(below.offered, all.offered)
        );
        if abandons {
            text += &format!(
                " and {:.0}% of its abandoned ones ({:.1}% abandoned there, {:.1}% over the horizon)",
                percent(below.abandoned, all.abandoned),
                percent(below.abandoned, below.offered),
                percent(all.abandoned, all.offered)
            );
        }
        text += &format!(
            "; the lowest, {}, answers {:.0}% in time",
            worst.interval_start.format("%a %Y-%m-%d %H:%M"),
            100.0 * low
        );
        if let Some(a) = worst.metrics.abandon_rate.as_ref().filter(|_| abandons) {
            text += &format!(" and loses {:.1}%", 100.0 * a.mean);
        }
        out.push(text);
    }
    out
}

/// Intervals and their mean offered and abandoned contacts, summed.
#[derive(Default)]
struct IntervalTally {
    intervals: usize,
    offered: f64,
    abandoned: f64,
}

impl IntervalTally {
    fn add(&mut self, m: &Metrics) {
        self.intervals += 1;
        self.offered += m.offered.mean;
        self.abandoned += m.abandoned.mean;
    }
}

/// Mean over replications of one field of their cells (0 without replications).
fn mean_over(cells: &[Cell], field: impl Fn(&Cell) -> f64) -> f64 {
    Estimate::of(cells.iter().map(field)).map_or(0.0, |e| e.mean)
}

/// Build, check and run a model, and summarize it.
fn simulate(
    model: &Model,
    horizon: &Horizon,
    site: &Site,
    options: &SimulationOptions,
    absence: AppliedAbsence,
) -> Result<SimulationResult, SimulateError> {
    check_memory(model, options.replications)?;
    let runs = replicate(model, options.replications, options.seed, 0);
    Ok(summarize(&runs, horizon, site, options, absence, Detail::Intervals))
}

/// Simulate a roster against a forecast: Poisson arrivals at the forecast's volumes over the
/// forecast's intervals, the roster's agents on duty (serving their `skills` under skills
/// routing; an agent missing from `skills`, or `skills` `None`, serves its row's queue), with
/// the options' absence, `options.replications` replications.
pub fn run(
    roster: &[RosterRow],
    forecast: &[ForecastRow],
    skills: Option<&Skills>,
    site: &Site,
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulateError> {
    let options = options.validated()?;
    overlap::roster_overlap(roster, forecast, site.grid.interval_minutes)?;
    let (horizon, queues) = demand(forecast, site)?;
    let supply = supply_from_roster(roster, skills, site, &horizon, options.routing)?;
    let absence = options.absence.resolve(roster);
    let m = model(
        &horizon,
        queues,
        supply,
        ArrivalSource::Poisson,
        options.handle_time,
        absence.engine(),
    );
    simulate(&m, &horizon, site, &options, absence)
}

/// Simulate a forecast against exactly the net agents of a staffing requirement (`agents_net`
/// of each requirement row on duty for the whole of its interval, serving its queue only; no
/// shifts, no breaks, no absence: net agents are already after shrinkage): the check of an
/// Erlang requirement once intervals carry over and callers abandon. Requirement rows outside
/// the forecast's horizon, or for queues not in plan.toml, are errors.
pub fn run_requirement(
    requirements: &[RequirementRow],
    forecast: &[ForecastRow],
    site: &Site,
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulateError> {
    let options = options.validated()?;
    let (horizon, queues) = demand(forecast, site)?;
    let counts = agent_counts(requirements, site, &horizon)?;
    let supply = supply_from_counts(&counts, &horizon);
    let m =
        model(&horizon, queues, supply, ArrivalSource::Poisson, options.handle_time, Absence::NONE);
    simulate(&m, &horizon, site, &options, AppliedAbsence::NONE)
}

/// `agents_net` per queue (plan.toml order) and interval of the horizon.
fn agent_counts(
    requirements: &[RequirementRow],
    site: &Site,
    horizon: &Horizon,
) -> Result<Vec<Vec<u32>>, SimulateError> {
    let mut counts = vec![vec![0u32; horizon.intervals]; site.queues.len()];
    let step_ms = (horizon.interval_seconds * 1000.0) as i64;
    for r in requirements {
        let err = |message: String| {
            SimulateError::Invalid(format!(
                "requirement row {} queue {}: {message}",
                crate::time::format_local(&r.interval_start),
                r.queue
            ))
        };
        let q = site
            .queue_index(&r.queue)
            .ok_or_else(|| err("the queue is not in plan.toml".into()))?;
        let offset = (r.interval_start - horizon.origin).num_milliseconds();
        if offset < 0 || offset % step_ms != 0 || (offset / step_ms) as usize >= horizon.intervals {
            return Err(err("not an interval of the forecast's horizon".into()));
        }
        counts[q][(offset / step_ms) as usize] = r.agents_net;
    }
    Ok(counts)
}

/// The contacts of a log inside the horizon, as the engine replays them (sorted by arrival).
fn replay_contacts(
    contacts: &[ContactRecord],
    horizon: &Horizon,
    queues: &[engine::QueueModel],
    site: &Site,
) -> Result<Vec<ReplayContact>, SimulateError> {
    let end = horizon.intervals as f64 * horizon.interval_seconds;
    let mut replay = Vec::with_capacity(contacts.len());
    for c in contacts {
        let q = site.queue_index(&c.queue).ok_or_else(|| {
            SimulateError::Invalid(format!(
                "contact at {} is for queue {:?}, which is not in plan.toml",
                crate::time::format_local(&c.arrived_at),
                c.queue
            ))
        })?;
        let t = horizon.seconds_of(&c.arrived_at);
        if !(0.0..end).contains(&t) {
            continue;
        }
        if c.handle_seconds.is_none() {
            let i = (t / horizon.interval_seconds) as usize;
            if queues[q].mean_handle_seconds[i].is_nan() {
                return Err(SimulateError::Invalid(format!(
                    "contact at {} of queue {:?} has no handle time and neither the forecast nor \
                     default_aht_seconds gives one",
                    crate::time::format_local(&c.arrived_at),
                    c.queue
                )));
            }
        }
        replay.push(ReplayContact {
            arrival_seconds: t,
            queue: q as u32,
            handle_seconds: c.handle_seconds,
        });
    }
    if replay.is_empty() && !contacts.is_empty() {
        let first = contacts.iter().map(|c| c.arrived_at).min().expect("non-empty");
        let last = contacts.iter().map(|c| c.arrived_at).max().expect("non-empty");
        return Err(SimulateError::Invalid(format!(
            "no contact of the log ({} to {}) falls in the forecast's horizon ({} to {})",
            crate::time::format_local(&first),
            crate::time::format_local(&last),
            crate::time::format_local(&horizon.origin),
            crate::time::format_local(&horizon.interval_start(horizon.intervals))
        )));
    }
    supply::check_contacts(replay.len() as f64)?;
    replay.sort_by(|a, b| {
        a.arrival_seconds.total_cmp(&b.arrival_seconds).then(a.queue.cmp(&b.queue))
    });
    Ok(replay)
}

/// Like [`run`], but the arrivals are a recorded contact log instead of Poisson draws: every
/// replication sees the same contacts (at their recorded times, with their recorded handle
/// times where the log has them); patience, missing handle times and absence are drawn. The
/// forecast still sets the horizon and the mean handle times. Contacts outside the horizon are
/// ignored.
pub fn run_replay(
    roster: &[RosterRow],
    forecast: &[ForecastRow],
    contacts: &[ContactRecord],
    skills: Option<&Skills>,
    site: &Site,
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulateError> {
    let options = options.validated()?;
    overlap::roster_overlap(roster, forecast, site.grid.interval_minutes)?;
    let (horizon, queues) = demand(forecast, site)?;
    let replay = replay_contacts(contacts, &horizon, &queues, site)?;
    let supply = supply_from_roster(roster, skills, site, &horizon, options.routing)?;
    let absence = options.absence.resolve(roster);
    let arrivals = ArrivalSource::Replay(replay);
    let m = model(&horizon, queues, supply, arrivals, options.handle_time, absence.engine());
    simulate(&m, &horizon, site, &options, absence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Tz;
    use std::path::Path;

    const PLAN: &str = "[site]\ntime_zone = \"America/New_York\"\ninterval_minutes = 30\n\
        [staffing]\nshrinkage = 0.3\n\
        [[queues]]\nname = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\n\
        [[queues]]\nname = \"email\"\nchannel = \"email\"\ndeadline_minutes = 60\n";

    fn config() -> Site {
        crate::plan::PlanConfig::parse("plan.toml", PLAN, Path::new("")).unwrap().site
    }

    fn tz() -> Tz {
        "America/New_York".parse().unwrap()
    }

    fn at(d: u32, h: u32, m: u32) -> Stamp {
        tz().with_ymd_and_hms(2025, 11, d, h, m, 0).earliest().unwrap()
    }

    fn row(t: Stamp, queue: &str, contacts: f64) -> ForecastRow {
        ForecastRow {
            interval_start: t,
            queue: queue.into(),
            contacts,
            contacts_p10: contacts,
            contacts_p90: contacts,
            aht_seconds: 240.0,
        }
    }

    fn agent(queue: &str, start: Stamp, end: Stamp, breaks: Vec<(Stamp, Stamp)>) -> RosterRow {
        RosterRow {
            agent_id: "A1".into(),
            name: "Ann".into(),
            date: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            queue: queue.into(),
            shift_start: start,
            shift_end: end,
            paid_minutes: 0,
            breaks,
        }
    }

    fn opts() -> SimulationOptions {
        SimulationOptions { replications: 2, seed: 1, ..SimulationOptions::default() }
    }

    #[test]
    fn fall_back_day_has_fifty_half_hours() {
        // 2025-11-02 in New York has 25 hours: the horizon counts in absolute time.
        let f = vec![row(at(2, 0, 0), "voice", 10.0), row(at(2, 23, 30), "voice", 10.0)];
        let r = run(&[], &f, None, &config(), &opts()).unwrap();
        assert_eq!(r.intervals.len(), 2 * 50);
        assert_eq!(crate::time::format_local(&r.intervals[49].interval_start), "2025-11-02T23:30");
        assert_eq!(
            crate::time::format_local(&r.intervals[2].interval_start),
            "2025-11-02T01:00-04:00"
        );
        assert_eq!(
            crate::time::format_local(&r.intervals[4].interval_start),
            "2025-11-02T01:00-05:00"
        );
        // Nobody on duty and no patience: every voice contact is unanswered, none abandoned.
        let m = &r.queues[0].metrics;
        assert_eq!(m.answered.mean, 0.0);
        assert_eq!(m.unanswered.mean, m.offered.mean);
        assert_eq!(m.abandon_rate.unwrap().mean, 0.0);
    }

    #[test]
    fn bad_inputs_name_the_row() {
        let c = config();
        let e =
            run(&[], &[row(at(3, 9, 0), "sms", 1.0)], None, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("queue \"sms\"") && e.contains("not a queue of plan.toml"), "{e}");
        let f = vec![row(at(3, 9, 0), "voice", 1.0), row(at(3, 9, 10), "voice", 1.0)];
        let e = run(&[], &f, None, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("2025-11-03T09:10") && e.contains("30-minute grid"), "{e}");
        let f = vec![row(at(3, 9, 0), "voice", 1.0), row(at(3, 9, 0), "voice", 1.0)];
        assert!(run(&[], &f, None, &c, &opts()).unwrap_err().to_string().contains("twice"));
        let f = vec![row(at(3, 9, 0), "voice", 1.0)];
        let late_break =
            agent("voice", at(3, 9, 0), at(3, 10, 0), vec![(at(3, 9, 50), at(3, 10, 5))]);
        let e = run(&[late_break], &f, None, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("agent A1") && e.contains("inside the shift"), "{e}");
        let far = vec![
            row(at(3, 9, 0), "voice", 1.0),
            row(at(3, 9, 0) + Duration::days(366 * 400), "voice", 1.0),
        ];
        let e = run(&[], &far, None, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("interval-queue cells"), "{e}");
        let bad = SimulationOptions { replications: 0, ..opts() };
        assert!(run(&[], &f, None, &c, &bad).unwrap_err().to_string().contains("replications"));
    }

    #[test]
    fn memory_limits_are_errors_not_swap() {
        let c = config();
        // A forecast cell of 1e8 contacts: more than one replication may hold.
        let f = vec![row(at(3, 9, 0), "voice", 1e8)];
        let e = run(&[], &f, None, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("100000000 contacts") && e.contains("at most 10000000"), "{e}");
        let f = vec![row(at(3, 9, 0), "voice", 1.0)];
        let many = SimulationOptions { replications: MAX_REPLICATIONS + 1, ..opts() };
        let e = run(&[], &f, None, &c, &many).unwrap_err().to_string();
        assert!(e.contains("from 1 to 1000"), "{e}");
        // A year of half-hours on two queues, 1,000 replications: 35 M cells, too many at once.
        let year = vec![
            row(at(3, 9, 0), "voice", 1.0),
            row(at(3, 9, 0) + Duration::days(364), "voice", 1.0),
        ];
        let most = SimulationOptions { replications: MAX_REPLICATIONS, ..opts() };
        let e = run(&[], &year, None, &c, &most).unwrap_err().to_string();
        assert!(e.contains("interval-queue cells") && e.contains("use at most"), "{e}");
    }

    #[test]
    fn auto_absence_is_the_shrinkage_the_breaks_do_not_take() {
        // 8.5-hour span, 60 minutes of breaks, 480 paid: 450 on duty. Shrinkage 0.30:
        // 1 - 0.7 * 480 / 450 = 0.25333.
        let mut a = agent(
            "voice",
            at(3, 8, 0),
            at(3, 16, 30),
            vec![
                (at(3, 10, 0), at(3, 10, 15)),
                (at(3, 12, 0), at(3, 12, 30)),
                (at(3, 15, 0), at(3, 15, 15)),
            ],
        );
        a.paid_minutes = 480;
        assert!(
            (unplanned_shrinkage(std::slice::from_ref(&a), 0.3) - (1.0 - 0.7 * 480.0 / 450.0))
                .abs()
                < 1e-12
        );
        // Breaks that take more than the shrinkage leave no absence.
        assert_eq!(unplanned_shrinkage(std::slice::from_ref(&a), 0.0), 0.0);
        let options = SimulationOptions::from_config(
            &SimulationConfig { off_queue: 0.05, ..SimulationConfig::default() },
            0.3,
        )
        .unwrap();
        let applied = options.absence.resolve(std::slice::from_ref(&a));
        // (1 - p)(1 - 0.05) = 1 - 0.25333.
        assert!(((1.0 - applied.day_probability) * 0.95 - 0.7 * 480.0 / 450.0).abs() < 1e-12);
        let bad = SimulationConfig {
            absence: AbsenceSetting::Fraction(1.0),
            ..SimulationConfig::default()
        };
        assert!(SimulationOptions::from_config(&bad, 0.3)
            .unwrap_err()
            .to_string()
            .contains("simulation.absence"));
    }

    #[test]
    fn email_waits_for_the_morning_and_counts_against_its_deadline() {
        // 4 emails an interval over 20:00-22:00, one agent from 08:00 next day: all answered,
        // none within the 60-minute deadline, none abandoned (deferred work does not abandon).
        let mut f: Vec<ForecastRow> =
            (0..4).map(|k| row(at(3, 20, 0) + Duration::minutes(30 * k), "email", 4.0)).collect();
        f.push(row(at(4, 9, 0), "email", 0.0));
        let roster = [agent("email", at(4, 8, 0), at(4, 16, 0), vec![])];
        let r = run(&roster, &f, None, &config(), &opts()).unwrap();
        let m = &r.queues[1].metrics;
        assert!(m.offered.mean > 0.0);
        assert_eq!(m.answered.mean, m.offered.mean);
        assert_eq!(m.service_level.unwrap().mean, 0.0);
        assert!(m.asa_seconds.unwrap().mean > 10.0 * 3600.0);
        assert_eq!(r.queues[1].target_answer_seconds, 3600.0);
    }

    #[test]
    fn replayed_contacts_are_the_same_in_every_replication() {
        let f = vec![row(at(3, 9, 0), "voice", 0.0), row(at(3, 9, 30), "voice", 0.0)];
        let contacts: Vec<ContactRecord> = (0..10)
            .map(|k| ContactRecord {
                arrived_at: at(3, 9, 0) + Duration::seconds(60 * k),
                queue: "voice".into(),
                handle_seconds: Some(30.0),
                abandoned: false,
            })
            .collect();
        let roster = [agent("voice", at(3, 9, 0), at(3, 10, 0), vec![])];
        let r = run_replay(&roster, &f, &contacts, None, &config(), &opts()).unwrap();
        let m = &r.queues[0].metrics;
        // One agent, 30 s contacts a minute apart: nobody waits; 300 s busy of 1,800 s.
        assert_eq!(m.offered, Estimate { mean: 10.0, ci_low: Some(10.0), ci_high: Some(10.0) });
        assert_eq!(m.service_level.unwrap().mean, 1.0);
        assert!((r.intervals[0].metrics.occupancy.unwrap().mean - 300.0 / 1800.0).abs() < 1e-12);
        // A log that misses the horizon entirely is an error, not an empty simulation. (A week
        // earlier in absolute time is 10:00 local: New York left daylight saving in between.)
        let elsewhere: Vec<ContactRecord> = contacts
            .iter()
            .map(|c| ContactRecord { arrived_at: c.arrived_at - Duration::days(7), ..c.clone() })
            .collect();
        let e =
            run_replay(&roster, &f, &elsewhere, None, &config(), &opts()).unwrap_err().to_string();
        assert!(e.contains("no contact of the log (2025-10-27T10:00 to"), "{e}");
    }

    #[test]
    fn a_requirement_is_simulated_as_that_many_agents_on_duty() {
        let f: Vec<ForecastRow> =
            (0..4).map(|k| row(at(3, 9, 0) + Duration::minutes(30 * k), "voice", 20.0)).collect();
        let requirement: Vec<crate::io::requirements::RequirementRow> = f
            .iter()
            .map(|r| crate::io::requirements::RequirementRow {
                interval_start: r.interval_start,
                queue: r.queue.clone(),
                contacts: r.contacts,
                aht_seconds: r.aht_seconds,
                traffic_erlangs: 0.0,
                agents_net: 3,
                agents_gross: 5,
                service_level: 0.0,
                asa_seconds: 0.0,
                occupancy: 0.0,
                abandon_rate: None,
            })
            .collect();
        let roster: Vec<RosterRow> =
            (0..3).map(|_| agent("voice", at(3, 9, 0), at(3, 11, 0), vec![])).collect();
        let by_requirement = run_requirement(&requirement, &f, &config(), &opts()).unwrap();
        let by_roster = run(&roster, &f, None, &config(), &opts()).unwrap();
        assert_eq!(by_requirement, by_roster);
        let mut outside = requirement.clone();
        outside[0].interval_start = at(3, 8, 0);
        let e = run_requirement(&outside, &f, &config(), &opts()).unwrap_err().to_string();
        assert!(e.contains("2025-11-03T08:00") && e.contains("horizon"), "{e}");
    }

    fn outcome(t: Stamp, queue: &str, offered: f64, abandoned: f64, sl: f64) -> IntervalOutcome {
        let e = |mean: f64| Estimate { mean, ci_low: None, ci_high: None };
        IntervalOutcome {
            interval_start: t,
            queue: queue.into(),
            metrics: Metrics {
                offered: e(offered),
                answered: e(offered - abandoned),
                abandoned: e(abandoned),
                unanswered: e(0.0),
                service_level: Some(e(sl)),
                asa_seconds: None,
                abandon_rate: (offered > 0.0).then(|| e(abandoned / offered)),
                occupancy: None,
            },
        }
    }

    /// Hand-worked: of voice's three intervals with calls, one (100 calls, 10 abandoned, 0.60
    /// in time) is under its 0.80: one of three intervals, 100 of 400 calls (25%), 10 of 12
    /// abandoned (83%), 10% abandoned there against 3.0% over all. An interval without calls
    /// is not counted; chat, all at target, gets no sentence; email has no answer-time target.
    #[test]
    fn intervals_under_target_are_counted_with_their_share_of_calls_and_abandonments() {
        let plan = "[site]\ntime_zone = \"America/New_York\"\ninterval_minutes = 30\n\
            [staffing]\nshrinkage = 0.3\n\
            [[queues]]\nname = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\npatience_seconds = 120\n\
            [[queues]]\nname = \"chat\"\nchannel = \"chat\"\nservice_level = 0.8\ntarget_answer_seconds = 30\n\
            [[queues]]\nname = \"email\"\nchannel = \"email\"\ndeadline_minutes = 60\n";
        let site = crate::plan::PlanConfig::parse("plan.toml", plan, Path::new("")).unwrap().site;
        let intervals = [
            outcome(at(3, 9, 0), "voice", 100.0, 10.0, 0.60),
            outcome(at(3, 9, 30), "voice", 0.0, 0.0, 1.0),
            outcome(at(3, 10, 0), "voice", 180.0, 1.5, 0.85),
            outcome(at(3, 10, 30), "voice", 120.0, 0.5, 0.80),
            outcome(at(3, 9, 0), "chat", 50.0, 0.0, 0.90),
            outcome(at(3, 9, 0), "email", 20.0, 0.0, 0.50),
        ];
        let got = intervals_below_target(&intervals, &site);
        assert_eq!(
            got,
            vec!["voice: 1 of its 3 intervals with contacts answer under 80% within 20 s; they carry 25% of its contacts and 83% of its abandoned ones (10.0% abandoned there, 3.0% over the horizon); the lowest, Mon 2025-11-03 09:00, answers 60% in time and loses 10.0%".to_string()]
        );
        let mut chat_low = intervals.to_vec();
        chat_low[4] = outcome(at(3, 9, 0), "chat", 50.0, 0.0, 0.70);
        let got = intervals_below_target(&chat_low, &site);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], "chat: 1 of its 1 intervals with contacts answer under 80% within 30 s; they carry 100% of its contacts; the lowest, Mon 2025-11-03 09:00, answers 70% in time");
    }
}
