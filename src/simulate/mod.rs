//! Discrete-event simulation of a roster against arrivals, and what-if scenario sweeps.
//!
//! Erlang C and A (the `staffing` stage) treat each interval as an independent steady state.
//! Real queues are not: a backlog built in an understaffed quarter-hour is still there in the
//! next, agents leave for breaks, callers hang up. This stage checks what a roster really
//! delivers by simulating it contact by contact:
//!
//! - **arrivals**: a non-homogeneous Poisson process with a constant rate in each interval,
//!   `contacts / interval length` from forecast.csv, or a replayed contact log;
//! - **handle times**: exponential (the Erlang assumption) or log-normal with the interval's
//!   forecast mean `aht_seconds` and a configured coefficient of variation;
//! - **patience**: exponential with the queue's `patience_seconds` (voice and chat); a caller
//!   still waiting when patience runs out abandons. Email and social are deferred work: they
//!   never abandon, and their service level is the fraction answered within `deadline_minutes`;
//! - **agents**: each roster row puts one agent on its row's queue from `shift_start` to
//!   `shift_end`, off duty during its breaks. An agent whose duty ends (a break or the end of
//!   the shift) while handling a contact **finishes that contact first**; the overrun counts as
//!   staffed time. Contacts already waiting are not taken by an agent who is off duty;
//! - **queue discipline**: first-come-first-served per queue, carried across intervals; a chat
//!   agent holds up to `concurrency` chats at once (each chat is one slot);
//! - contacts still waiting when no agent of their queue will be on duty again are counted as
//!   unanswered (or abandoned, for callers with patience).
//!
//! Outcomes are counted in the interval a contact **arrived** in: offered, answered, abandoned,
//! unanswered (`offered = answered + abandoned + unanswered`),
//! service level (answered within the queue's target wait, divided by offered), ASA (mean wait
//! of answered contacts), abandon rate (abandoned / offered) and occupancy (slot-seconds
//! handling contacts / slot-seconds on duty, in the interval they fall in). Each of `R`
//! replications runs on its own ChaCha8 stream (seed, stream = replication), in parallel with
//! rayon, and the results are combined in replication order, so a seed gives byte-identical
//! output on any number of threads. Reported values are means over replications with a
//! Student-t 95% confidence interval ([`stats`]).
//!
//! The event loop is in [`engine`]; [`whatif`] sweeps scenarios over the same machinery.

pub mod engine;
pub mod output;
pub mod stats;
pub mod whatif;

use chrono::Duration;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::io::contact_log::ContactRecord;
use crate::io::forecast::ForecastRow;
use crate::io::roster::RosterRow;
use crate::plan::PlanConfig;
use crate::site::{Channel, QueueConfig};
use crate::time::Stamp;
use engine::{
    ArrivalSource, Cell, HandleTime, Model, QueueModel, ReplayContact, Transition, Workspace,
};
pub use stats::{Estimate, CONFIDENCE};

/// Service-level target used for a voice or chat queue whose plan.toml gives none: the common
/// "80/20" target's 20 seconds.
pub const DEFAULT_TARGET_ANSWER_SECONDS: f64 = 20.0;

/// Longest horizon simulated, in intervals (about 57 years of 5-minute intervals).
pub const MAX_INTERVALS: usize = 6_000_000;

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

/// `[simulation]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {
    /// Independent replications (default 10).
    pub replications: u32,
    /// Seed of the random streams (default 1).
    pub seed: u64,
    /// `exponential` (default) or `lognormal`.
    pub handle_time: HandleTimeDistribution,
    /// Coefficient of variation of a log-normal handle time (default 1.0).
    pub handle_time_cv: f64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            replications: 10,
            seed: 1,
            handle_time: HandleTimeDistribution::Exponential,
            handle_time_cv: 1.0,
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
}

/// Validated run settings: plan.toml's `[simulation]`, possibly overridden by flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationOptions {
    pub replications: u32,
    pub seed: u64,
    pub handle_time: HandleTime,
}

impl SimulationOptions {
    /// Validate a `[simulation]` section.
    pub fn from_config(config: &SimulationConfig) -> Result<Self, SimulateError> {
        let handle_time = match config.handle_time {
            HandleTimeDistribution::Exponential => HandleTime::Exponential,
            HandleTimeDistribution::Lognormal => {
                HandleTime::LogNormal { cv: config.handle_time_cv }
            }
        };
        SimulationOptions { replications: config.replications, seed: config.seed, handle_time }
            .validated()
    }

    /// Check the values (replications >= 1, a log-normal CV > 0).
    pub fn validated(self) -> Result<Self, SimulateError> {
        if self.replications == 0 {
            return Err(SimulateError::Invalid(
                "simulation.replications must be an integer >= 1, got 0".into(),
            ));
        }
        if let HandleTime::LogNormal { cv } = self.handle_time {
            if !(cv.is_finite() && cv > 0.0) {
                return Err(SimulateError::Invalid(format!(
                    "simulation.handle_time_cv must be a number > 0, got {cv}"
                )));
            }
        }
        Ok(self)
    }
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions::from_config(&SimulationConfig::default()).expect("defaults are valid")
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
    /// Combine one `Cell` per replication.
    fn of(cells: &[Cell]) -> Metrics {
        let ratio = |n: f64, d: f64| if d > 0.0 { n / d } else { f64::NAN };
        let count = |f: fn(&Cell) -> f64| {
            Estimate::of(cells.iter().map(f)).unwrap_or(Estimate {
                mean: 0.0,
                ci_low: None,
                ci_high: None,
            })
        };
        Metrics {
            offered: count(|c| c.offered),
            answered: count(|c| c.answered),
            abandoned: count(|c| c.abandoned),
            unanswered: count(|c| c.unanswered),
            service_level: Estimate::of(
                cells.iter().map(|c| ratio(c.answered_within_target, c.offered)),
            ),
            asa_seconds: Estimate::of(cells.iter().map(|c| ratio(c.wait_seconds, c.answered))),
            abandon_rate: Estimate::of(cells.iter().map(|c| ratio(c.abandoned, c.offered))),
            occupancy: Estimate::of(
                cells.iter().map(|c| ratio(c.busy_slot_seconds, c.staffed_slot_seconds)),
            ),
        }
    }
}

/// One queue's totals over the whole horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueOutcome {
    pub queue: String,
    pub channel: Channel,
    /// Wait counted as "within target" for the service level (seconds).
    pub target_answer_seconds: f64,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// One queue in one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalOutcome {
    pub interval_start: Stamp,
    pub queue: String,
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
    /// All queues together (service level against each contact's own queue target).
    pub total: Metrics,
    /// Per queue, in plan.toml order.
    pub queues: Vec<QueueOutcome>,
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
    fn seconds_of(&self, t: &Stamp) -> f64 {
        (*t - self.origin).num_milliseconds() as f64 / 1000.0
    }

    pub fn interval_start(&self, i: usize) -> Stamp {
        self.origin + Duration::milliseconds((i as f64 * self.interval_seconds * 1000.0) as i64)
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

/// Demand per queue from a forecast: the horizon (first to last interval of the forecast) and
/// one [`QueueModel`] per plan.toml queue. Intervals missing from the forecast have no arrivals.
pub(crate) fn demand(
    forecast: &[ForecastRow],
    config: &PlanConfig,
) -> Result<(Horizon, Vec<QueueModel>), SimulateError> {
    let interval_seconds = f64::from(config.site.grid.interval_minutes) * 60.0;
    let origin = forecast
        .iter()
        .map(|r| r.interval_start)
        .min()
        .ok_or_else(|| SimulateError::Invalid("the forecast has no rows".into()))?;
    let last = forecast.iter().map(|r| r.interval_start).max().expect("non-empty");
    let step_ms = i64::from(config.site.grid.interval_minutes) * 60_000;
    let intervals = ((last - origin).num_milliseconds() / step_ms) as usize + 1;
    // Each replication keeps a cell per queue and interval; a horizon this long is a typo in a
    // date, not a plan.
    if intervals > MAX_INTERVALS {
        return Err(SimulateError::Invalid(format!(
            "the forecast spans {} to {}: more than {MAX_INTERVALS} intervals",
            crate::time::format_local(&origin),
            crate::time::format_local(&last)
        )));
    }
    let horizon = Horizon { origin, interval_seconds, intervals };
    let mut queues: Vec<QueueModel> = config
        .site
        .queues
        .iter()
        .map(|q| QueueModel {
            rate_per_second: vec![0.0; intervals],
            mean_handle_seconds: vec![f64::NAN; intervals],
            target_seconds: target_seconds(q),
            patience_seconds: match q.channel {
                Channel::Voice | Channel::Chat => q.patience_seconds,
                Channel::Email | Channel::Social => None,
            },
            slots_per_agent: q.concurrency.unwrap_or(1).max(1),
        })
        .collect();
    let mut seen = vec![false; intervals * config.site.queues.len()];
    for row in forecast {
        let err = |message: String| SimulateError::Forecast {
            interval_start: crate::time::format_local(&row.interval_start),
            queue: row.queue.clone(),
            message,
        };
        let q = config.site.queues.iter().position(|c| c.name == row.queue).ok_or_else(|| {
            err(format!(
                "queue {:?} is not in plan.toml (queues: {})",
                row.queue,
                config.site.queues.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let offset_ms = (row.interval_start - origin).num_milliseconds();
        if offset_ms % step_ms != 0 {
            return Err(err(format!(
                "not on the {}-minute grid that starts at {}",
                config.site.grid.interval_minutes,
                crate::time::format_local(&origin)
            )));
        }
        let i = (offset_ms / step_ms) as usize;
        if std::mem::replace(&mut seen[q * intervals + i], true) {
            return Err(err("this interval and queue appear twice".into()));
        }
        if !(row.contacts.is_finite() && row.contacts >= 0.0) {
            return Err(err(format!("contacts must be a number >= 0, got {}", row.contacts)));
        }
        if row.contacts > 0.0 && !(row.aht_seconds.is_finite() && row.aht_seconds > 0.0) {
            return Err(err(format!(
                "aht_seconds must be > 0 with contacts, got {}",
                row.aht_seconds
            )));
        }
        queues[q].rate_per_second[i] = row.contacts / interval_seconds;
        if row.aht_seconds.is_finite() && row.aht_seconds > 0.0 {
            queues[q].mean_handle_seconds[i] = row.aht_seconds;
        }
    }
    // Intervals without a handle time (no row, or no contacts) take the queue's contact-weighted
    // mean, so replayed contacts there still get a sensible one.
    for (qm, qc) in queues.iter_mut().zip(&config.site.queues) {
        let (mut w, mut sum) = (0.0, 0.0);
        for (r, h) in qm.rate_per_second.iter().zip(&qm.mean_handle_seconds) {
            if h.is_finite() {
                w += r;
                sum += r * h;
            }
        }
        let fallback = if w > 0.0 { sum / w } else { qc.default_aht_seconds.unwrap_or(f64::NAN) };
        for h in qm.mean_handle_seconds.iter_mut().filter(|h| h.is_nan()) {
            *h = fallback;
        }
    }
    Ok((horizon, queues))
}

/// Agents on duty from roster rows: each row is one agent on its queue, on duty over the shift
/// minus its breaks.
pub(crate) struct Supply {
    pub agent_queue: Vec<u32>,
    pub transitions: Vec<Transition>,
}

pub(crate) fn supply_from_roster(
    roster: &[RosterRow],
    config: &PlanConfig,
    horizon: &Horizon,
) -> Result<Supply, SimulateError> {
    let mut supply =
        Supply { agent_queue: Vec::with_capacity(roster.len()), transitions: Vec::new() };
    for row in roster {
        let err = |message: String| SimulateError::Roster {
            agent_id: row.agent_id.clone(),
            date: row.date.to_string(),
            message,
        };
        let q = config
            .site
            .queues
            .iter()
            .position(|c| c.name == row.queue)
            .ok_or_else(|| err(format!("queue {:?} is not in plan.toml", row.queue)))?;
        if row.shift_end <= row.shift_start {
            return Err(err("shift_end must be after shift_start".into()));
        }
        let mut breaks = row.breaks.clone();
        breaks.sort();
        let mut on = row.shift_start;
        let mut spans = Vec::with_capacity(breaks.len() + 1);
        for &(b0, b1) in &breaks {
            if b1 <= b0 || b0 < on || b1 > row.shift_end {
                return Err(err(format!(
                    "break {}-{} must lie inside the shift and not overlap another break",
                    crate::time::format_local(&b0),
                    crate::time::format_local(&b1)
                )));
            }
            spans.push((on, b0));
            on = b1;
        }
        spans.push((on, row.shift_end));
        let agent = supply.agent_queue.len() as u32;
        supply.agent_queue.push(q as u32);
        for (s, e) in spans {
            let (s, e) = (horizon.seconds_of(&s).max(0.0), horizon.seconds_of(&e));
            if e > s {
                supply.transitions.push(Transition { seconds: s, agent, on_duty: true });
                supply.transitions.push(Transition { seconds: e, agent, on_duty: false });
            }
        }
    }
    Ok(supply)
}

/// Agents on duty from head-counts: `agents[q][i]` agents of queue `q` on duty during interval
/// `i`. Agent `k` of a queue is on duty in every interval where the count exceeds `k`, so the
/// fewest agents change state at each boundary.
pub(crate) fn supply_from_counts(agents: &[Vec<u32>], horizon: &Horizon) -> Supply {
    let mut supply = Supply { agent_queue: Vec::new(), transitions: Vec::new() };
    for (q, counts) in agents.iter().enumerate() {
        let most = counts.iter().copied().max().unwrap_or(0);
        for k in 0..most {
            let agent = supply.agent_queue.len() as u32;
            supply.agent_queue.push(q as u32);
            let mut on_since: Option<usize> = None;
            for i in 0..=counts.len() {
                let on = i < counts.len() && counts[i] > k;
                match (on, on_since) {
                    (true, None) => on_since = Some(i),
                    (false, Some(s)) => {
                        supply.transitions.push(Transition {
                            seconds: s as f64 * horizon.interval_seconds,
                            agent,
                            on_duty: true,
                        });
                        supply.transitions.push(Transition {
                            seconds: i as f64 * horizon.interval_seconds,
                            agent,
                            on_duty: false,
                        });
                        on_since = None;
                    }
                    _ => {}
                }
            }
        }
    }
    supply
}

/// Assemble a model: sorted transitions and the scheduled slot-seconds per interval.
pub(crate) fn model(
    horizon: &Horizon,
    queues: Vec<QueueModel>,
    mut supply: Supply,
    arrivals: ArrivalSource,
    handle_time: HandleTime,
) -> Model {
    supply.transitions.sort_by(|x, y| {
        x.seconds.total_cmp(&y.seconds).then(x.on_duty.cmp(&y.on_duty)).then(x.agent.cmp(&y.agent))
    });
    let mut m = Model {
        interval_seconds: horizon.interval_seconds,
        intervals: horizon.intervals,
        queues,
        agent_queue: supply.agent_queue,
        transitions: supply.transitions,
        scheduled_slot_seconds: Vec::new(),
        arrivals,
        handle_time,
    };
    let mut cells = vec![Cell::default(); m.queues.len() * m.intervals];
    let mut since: Vec<Option<f64>> = vec![None; m.agent_queue.len()];
    for tr in &m.transitions {
        let a = tr.agent as usize;
        let q = m.agent_queue[a] as usize;
        if tr.on_duty {
            since[a].get_or_insert(tr.seconds);
        } else if let Some(s) = since[a].take() {
            m.spread(&mut cells, q, s, tr.seconds, f64::from(m.queues[q].slots_per_agent), false);
        }
    }
    m.scheduled_slot_seconds = cells.iter().map(|c| c.staffed_slot_seconds).collect();
    m
}

/// Run `replications` replications in parallel; replication `r` uses ChaCha8 stream
/// `stream_base + r` of `seed`. Results come back in replication order.
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
            model.replicate(&mut rng, ws);
            std::mem::take(&mut ws.cells)
        })
        .collect()
}

/// Combine replications into the reported outcome.
pub(crate) fn summarize(
    runs: &[Vec<Cell>],
    horizon: &Horizon,
    config: &PlanConfig,
    options: &SimulationOptions,
) -> SimulationResult {
    let n = horizon.intervals;
    let mut intervals = Vec::with_capacity(config.site.queues.len() * n);
    let mut queues = Vec::with_capacity(config.site.queues.len());
    let mut all = vec![Cell::default(); runs.len()];
    let mut per_rep = vec![Cell::default(); runs.len()];
    for (q, qc) in config.site.queues.iter().enumerate() {
        let mut queue_total = vec![Cell::default(); runs.len()];
        for i in 0..n {
            for (r, run) in runs.iter().enumerate() {
                per_rep[r] = run[q * n + i];
                queue_total[r].add(&run[q * n + i]);
            }
            intervals.push(IntervalOutcome {
                interval_start: horizon.interval_start(i),
                queue: qc.name.clone(),
                metrics: Metrics::of(&per_rep),
            });
        }
        for (a, t) in all.iter_mut().zip(&queue_total) {
            a.add(t);
        }
        queues.push(QueueOutcome {
            queue: qc.name.clone(),
            channel: qc.channel,
            target_answer_seconds: target_seconds(qc),
            metrics: Metrics::of(&queue_total),
        });
    }
    SimulationResult {
        replications: options.replications,
        seed: options.seed,
        confidence: CONFIDENCE,
        interval_minutes: config.site.grid.interval_minutes,
        total: Metrics::of(&all),
        queues,
        intervals,
    }
}

/// Simulate a roster against a forecast: Poisson arrivals at the forecast's volumes over the
/// forecast's intervals, the roster's agents on duty, `options.replications` replications.
///
/// Needs only plan.toml's `[site]`, `[staffing]` and `[[queues]]` (plus the optional
/// `[simulation]` that `options` usually comes from).
pub fn run(
    roster: &[RosterRow],
    forecast: &[ForecastRow],
    config: &PlanConfig,
    options: &SimulationOptions,
) -> Result<SimulationResult, crate::Error> {
    let options = options.validated()?;
    let (horizon, queues) = demand(forecast, config)?;
    let supply = supply_from_roster(roster, config, &horizon)?;
    let m = model(&horizon, queues, supply, ArrivalSource::Poisson, options.handle_time);
    let runs = replicate(&m, options.replications, options.seed, 0);
    Ok(summarize(&runs, &horizon, config, &options))
}

/// Simulate a forecast against exactly the net agents of a staffing requirement (`agents_net`
/// of each requirement row on duty for the whole of its interval; no shifts, no breaks): the
/// check of an Erlang requirement once intervals carry over and callers abandon. Requirement
/// rows outside the forecast's horizon, or for queues not in plan.toml, are errors.
pub fn run_requirement(
    requirements: &[crate::io::requirements::RequirementRow],
    forecast: &[ForecastRow],
    config: &PlanConfig,
    options: &SimulationOptions,
) -> Result<SimulationResult, crate::Error> {
    let options = options.validated()?;
    let (horizon, queues) = demand(forecast, config)?;
    let counts = agent_counts(requirements, config, &horizon)?;
    let supply = supply_from_counts(&counts, &horizon);
    let m = model(&horizon, queues, supply, ArrivalSource::Poisson, options.handle_time);
    let runs = replicate(&m, options.replications, options.seed, 0);
    Ok(summarize(&runs, &horizon, config, &options))
}

/// `agents_net` per queue (plan.toml order) and interval of the horizon.
fn agent_counts(
    requirements: &[crate::io::requirements::RequirementRow],
    config: &PlanConfig,
    horizon: &Horizon,
) -> Result<Vec<Vec<u32>>, SimulateError> {
    let mut counts = vec![vec![0u32; horizon.intervals]; config.site.queues.len()];
    let step_ms = (horizon.interval_seconds * 1000.0) as i64;
    for r in requirements {
        let err = |message: String| {
            SimulateError::Invalid(format!(
                "requirement row {} queue {}: {message}",
                crate::time::format_local(&r.interval_start),
                r.queue
            ))
        };
        let q = config
            .site
            .queues
            .iter()
            .position(|c| c.name == r.queue)
            .ok_or_else(|| err("the queue is not in plan.toml".into()))?;
        let offset = (r.interval_start - horizon.origin).num_milliseconds();
        if offset < 0 || offset % step_ms != 0 || (offset / step_ms) as usize >= horizon.intervals {
            return Err(err("not an interval of the forecast's horizon".into()));
        }
        counts[q][(offset / step_ms) as usize] = r.agents_net;
    }
    Ok(counts)
}

/// Like [`run`], but the arrivals are a recorded contact log instead of Poisson draws: every
/// replication sees the same contacts (at their recorded times, with their recorded handle
/// times where the log has them); patience and missing handle times are drawn. The forecast
/// still sets the horizon and the mean handle times. Contacts outside the horizon are ignored.
pub fn run_replay(
    roster: &[RosterRow],
    forecast: &[ForecastRow],
    contacts: &[ContactRecord],
    config: &PlanConfig,
    options: &SimulationOptions,
) -> Result<SimulationResult, crate::Error> {
    let options = options.validated()?;
    let (horizon, queues) = demand(forecast, config)?;
    let end = horizon.intervals as f64 * horizon.interval_seconds;
    let mut replay = Vec::with_capacity(contacts.len());
    for c in contacts {
        let q = config.site.queues.iter().position(|q| q.name == c.queue).ok_or_else(|| {
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
                ))
                .into());
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
        ))
        .into());
    }
    replay.sort_by(|a, b| {
        a.arrival_seconds.total_cmp(&b.arrival_seconds).then(a.queue.cmp(&b.queue))
    });
    let supply = supply_from_roster(roster, config, &horizon)?;
    let m = model(&horizon, queues, supply, ArrivalSource::Replay(replay), options.handle_time);
    let runs = replicate(&m, options.replications, options.seed, 0);
    Ok(summarize(&runs, &horizon, config, &options))
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

    fn config() -> PlanConfig {
        PlanConfig::parse("plan.toml", PLAN, Path::new("")).unwrap()
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
        let r = run(&[], &f, &config(), &opts()).unwrap();
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
        let e = run(&[], &[row(at(3, 9, 0), "sms", 1.0)], &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("queue sms") && e.contains("not in plan.toml"), "{e}");
        let f = vec![row(at(3, 9, 0), "voice", 1.0), row(at(3, 9, 10), "voice", 1.0)];
        let e = run(&[], &f, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("2025-11-03T09:10") && e.contains("30-minute grid"), "{e}");
        let f = vec![row(at(3, 9, 0), "voice", 1.0), row(at(3, 9, 0), "voice", 1.0)];
        assert!(run(&[], &f, &c, &opts()).unwrap_err().to_string().contains("twice"));
        let f = vec![row(at(3, 9, 0), "voice", 1.0)];
        let late_break =
            agent("voice", at(3, 9, 0), at(3, 10, 0), vec![(at(3, 9, 50), at(3, 10, 5))]);
        let e = run(&[late_break], &f, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("agent A1") && e.contains("inside the shift"), "{e}");
        let far = vec![
            row(at(3, 9, 0), "voice", 1.0),
            row(at(3, 9, 0) + Duration::days(366 * 400), "voice", 1.0),
        ];
        let e = run(&[], &far, &c, &opts()).unwrap_err().to_string();
        assert!(e.contains("more than 6000000 intervals"), "{e}");
        let bad = SimulationOptions { replications: 0, ..opts() };
        assert!(run(&[], &f, &c, &bad).unwrap_err().to_string().contains("replications"));
    }

    #[test]
    fn email_waits_for_the_morning_and_counts_against_its_deadline() {
        // 4 emails an interval over 20:00-22:00, one agent from 08:00 next day: all answered,
        // none within the 60-minute deadline, none abandoned (deferred work does not abandon).
        let mut f: Vec<ForecastRow> =
            (0..4).map(|k| row(at(3, 20, 0) + Duration::minutes(30 * k), "email", 4.0)).collect();
        f.push(row(at(4, 9, 0), "email", 0.0));
        let roster = [agent("email", at(4, 8, 0), at(4, 16, 0), vec![])];
        let r = run(&roster, &f, &config(), &opts()).unwrap();
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
        let r = run_replay(&roster, &f, &contacts, &config(), &opts()).unwrap();
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
        let e = run_replay(&roster, &f, &elsewhere, &config(), &opts()).unwrap_err().to_string();
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
        let by_roster = run(&roster, &f, &config(), &opts()).unwrap();
        assert_eq!(by_requirement, by_roster);
        let mut outside = requirement.clone();
        outside[0].interval_start = at(3, 8, 0);
        let e = run_requirement(&outside, &f, &config(), &opts()).unwrap_err().to_string();
        assert!(e.contains("2025-11-03T08:00") && e.contains("horizon"), "{e}");
    }
}
