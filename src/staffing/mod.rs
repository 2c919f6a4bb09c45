//! Staffing: contacts per interval → required agents per interval.
//!
//! This is the stage between the forecast and the schedule: it reads `forecast.csv` rows
//! (contacts and handle time per interval and queue) and the queue targets of `plan.toml`, and
//! returns `requirements.csv` rows — agents needed on the phone (`agents_net`) and paid agents
//! after shrinkage (`agents_gross`) — with the service level, ASA, occupancy and abandonment
//! projected at that head-count.
//!
//! The model depends on the queue's channel:
//!
//! | channel | model |
//! |---|---|
//! | voice | Erlang C (M/M/n), or Erlang A (M/M/n+M) when the queue has `patience_seconds` |
//! | chat | the same on slots: each agent serves `concurrency` chats at once (below) |
//! | email, social | deferred work with a response deadline: a fluid EDF backlog ([`deferred`]); a deadline within one interval also Erlang C's head-count for random arrivals |
//!
//! The queueing mathematics (formulas, references, numerical method) is in [`erlang`]; the
//! search for the fewest agents meeting every target in [`search`].
//!
//! **Required agents** are the fewest meeting every target of the queue at once: service level
//! (`service_level` within `target_answer_seconds`), `max_asa_seconds`, `max_abandon_rate`
//! (needs `patience_seconds`), `max_occupancy`, and the floor `min_agents` on open intervals.
//! `agents_gross = ⌈agents_net / (1 − shrinkage)⌉` with `[staffing] shrinkage`. Closed intervals
//! get 0 agents.
//!
//! **Chat with concurrency k.** Each agent is k slots and any free slot takes the next chat, so
//! the queue is M/M/(N·k) (Erlang C, or Erlang A with patience) in which the service time is the
//! chat *session* length: `aht_seconds` as the ACD records it for chat, which already contains
//! the slowdown of an agent juggling several chats. The answer in agents is the fewest N with
//! N·k slots meeting the targets; `occupancy` is the busy fraction of slots. If your chat AHT
//! is measured at one-chat-at-a-time pace, inflate it by your concurrency slowdown first.
//! The model is checked against a discrete-event simulation of agents with k slots each in
//! `tests/staffing.rs`.
//!
//! **Service level** is always *answered within t / offered* (WFM convention): abandoned contacts
//! count in the denominator and never as within t.

pub mod deferred;
pub mod erlang;
pub mod pool;
pub mod search;

use rayon::prelude::*;

pub use deferred::{
    deferred_service_level, staff_deferred, staff_deferred_within, DeferredInterval,
    DeferredTargets,
};
pub use erlang::{erlang_b, traffic_erlangs, ErlangA, ErlangB, ErlangC, Metrics};
pub use pool::{pool_for_schedule, pool_host, pooling_costs, PoolingCost};
pub use search::{agents_gross, required_agents, Binding, QueueModel, Requirement, Targets};

use crate::frame::{FrameError, IntervalFrame};
use crate::io::forecast::ForecastRow;
use crate::io::requirements::RequirementRow;
use crate::site::Site;
use crate::site::{Channel, QueueConfig};
use crate::time::{format_local, Stamp};

/// `[staffing]` of plan.toml.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingConfig {
    /// Fraction of paid time agents are not available for contacts (breaks, training, absence).
    pub shrinkage: f64,
}

/// What went wrong while staffing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    /// A number outside its allowed range; `name` is the parameter (and CLI flag) name.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter { name: &'static str, value: f64, expected: &'static str },
    /// Targets that no number of agents can meet.
    #[error("target cannot be met: {0}")]
    Unreachable(String),
    /// A queue whose settings cannot be staffed.
    #[error("queue {queue:?}: {source}")]
    Queue { queue: String, source: Box<StaffingError> },
    /// A problem at one interval of one queue.
    #[error("queue {queue:?} at {interval}: {source}")]
    Interval { queue: String, interval: String, source: Box<StaffingError> },
    /// Anything else, said in words.
    #[error("{0}")]
    Invalid(String),
    /// Forecast rows that do not fit the site's queues and grid.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Opening hours that the calendar cannot hold.
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
}

/// Targets of a voice or chat queue as the search takes them.
pub fn queue_targets(queue: &QueueConfig) -> Targets {
    Targets {
        service_level: queue.service_level,
        target_answer_seconds: queue.target_answer_seconds,
        max_asa_seconds: queue.max_asa_seconds,
        max_abandon_rate: queue.max_abandon_rate,
        max_occupancy: queue.max_occupancy,
        min_agents: queue.min_agents.unwrap_or(0),
    }
}

/// Queueing model of a voice or chat queue for one interval: Erlang A with a patience, else C.
pub fn queue_model(
    queue: &QueueConfig,
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
) -> Result<QueueModel, StaffingError> {
    // No contacts: the handle time does not matter (forecasts may leave it 0).
    let aht = if contacts == 0.0 && (aht_seconds.is_nan() || aht_seconds <= 0.0) {
        1.0
    } else {
        aht_seconds
    };
    Ok(match queue.patience_seconds {
        Some(p) => QueueModel::A(ErlangA::from_contacts(contacts, aht, interval_minutes, p)?),
        None => QueueModel::C(ErlangC::from_contacts(contacts, aht, interval_minutes)?),
    })
}

/// Projected service level of one open interval at a given head-count (agents on the phone).
///
/// - voice: P(answered within `target_answer_seconds`) by Erlang C, or Erlang A when the queue
///   has `patience_seconds`;
/// - chat: the same with `agents × concurrency` slots;
/// - email, social: the fraction answered within `deadline_minutes` when the interval's contacts
///   arrive evenly into an empty backlog and `agents` work them at full pace
///   ([`deferred_service_level`]); with a deadline within one interval, at most the Erlang C
///   fraction answered within it (random arrivals, as [`deferred`] staffs such a queue).
///
/// Without `target_answer_seconds` the threshold is 0 s (fraction answered at once). No
/// contacts gives 1. Invalid input (negative, NaN, zero AHT with contacts, zero interval) gives
/// NaN; [`try_projected_service_level`] says why instead.
pub fn projected_service_level(
    queue: &QueueConfig,
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    agents: u32,
) -> f64 {
    try_projected_service_level(queue, contacts, aht_seconds, interval_minutes, agents)
        .unwrap_or(f64::NAN)
}

/// [`projected_service_level`] with the reason for refusing bad input.
pub fn try_projected_service_level(
    queue: &QueueConfig,
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    agents: u32,
) -> Result<f64, StaffingError> {
    erlang::check_interval(interval_minutes)?;
    match queue.channel {
        Channel::Voice | Channel::Chat => {
            let model = queue_model(queue, contacts, aht_seconds, interval_minutes)?;
            let servers = agents.saturating_mul(concurrency(queue));
            Ok(model.metrics(servers, queue.target_answer_seconds.unwrap_or(0.0)).service_level)
        }
        Channel::Email | Channel::Social => {
            if !(contacts.is_finite() && contacts >= 0.0) {
                return Err(StaffingError::InvalidParameter {
                    name: "contacts",
                    value: contacts,
                    expected: "a number >= 0",
                });
            }
            if contacts > 0.0 && !(aht_seconds.is_finite() && aht_seconds > 0.0) {
                return Err(StaffingError::InvalidParameter {
                    name: "aht_seconds",
                    value: aht_seconds,
                    expected: "a number > 0",
                });
            }
            let deadline = deadline_minutes(queue)?;
            let fluid =
                deferred_service_level(contacts, aht_seconds, interval_minutes, agents, deadline);
            // A deadline within one interval: random arrivals, as the staffing counts them.
            let one_interval = deferred::deadline_intervals(deadline, interval_minutes) == 1;
            if !(one_interval && contacts > 0.0 && agents > 0) {
                return Ok(fluid);
            }
            let iv = DeferredInterval { open: true, contacts, aht_seconds };
            let within =
                deferred::random_arrivals_service_level(iv, interval_minutes, agents, deadline)?;
            Ok(fluid.min(within))
        }
    }
}

/// Projected abandonment of one open interval at a given head-count (agents on the phone): the
/// Erlang A probability that a caller hangs up before an answer, for a voice or chat queue with
/// `patience_seconds` (chat with `agents × concurrency` slots). NaN for a queue without patience,
/// for deferred work and for invalid input. No contacts gives 0.
pub fn projected_abandon_rate(
    queue: &QueueConfig,
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    agents: u32,
) -> f64 {
    if !matches!(queue.channel, Channel::Voice | Channel::Chat) || queue.patience_seconds.is_none()
    {
        return f64::NAN;
    }
    if contacts == 0.0 {
        return 0.0;
    }
    if erlang::check_interval(interval_minutes).is_err() {
        return f64::NAN;
    }
    match queue_model(queue, contacts, aht_seconds, interval_minutes) {
        Ok(model) => {
            let servers = agents.saturating_mul(concurrency(queue));
            model.metrics(servers, 0.0).abandon_rate.unwrap_or(f64::NAN)
        }
        Err(_) => f64::NAN,
    }
}

pub(crate) fn concurrency(queue: &QueueConfig) -> u32 {
    match queue.channel {
        Channel::Chat => queue.concurrency.unwrap_or(1).max(1),
        _ => 1,
    }
}

fn deadline_minutes(queue: &QueueConfig) -> Result<f64, StaffingError> {
    queue.deadline_minutes.ok_or_else(|| StaffingError::Queue {
        queue: queue.name.clone(),
        source: Box::new(StaffingError::Invalid(format!(
            "a {} queue needs deadline_minutes",
            queue.channel.as_str()
        ))),
    })
}

/// Required agents of one open voice or chat interval.
pub fn required_for_queue(
    queue: &QueueConfig,
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
) -> Result<Requirement, StaffingError> {
    let model = queue_model(queue, contacts, aht_seconds, interval_minutes)?;
    required_agents(&model, &queue_targets(queue), concurrency(queue))
}

/// Deferred backlog carried past the end of the horizon (work whose deadline window runs past
/// it, and contacts that arrived after its last open interval).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CarriedOut {
    pub queue: String,
    pub contacts: f64,
}

/// The requirement rows and what the caller should know about them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingPlan {
    /// In (interval_start, queue name) order; every interval of the horizon for every queue.
    pub rows: Vec<RequirementRow>,
    /// Email/social work still in the backlog at the horizon's end, per deferred queue.
    pub carried_out: Vec<CarriedOut>,
}

/// Required agents for every interval and queue of a forecast; see [`staff_plan`].
pub fn staff(
    forecast: &[ForecastRow],
    site: &Site,
    config: &StaffingConfig,
) -> Result<Vec<RequirementRow>, StaffingError> {
    staff_plan(forecast, site, config).map(|p| p.rows)
}

/// Required agents for every interval from the first to the last interval start in the forecast
/// (the horizon), for every queue of the site, in (interval_start, queue name) order.
///
/// Every open interval of every queue must have a forecast row; closed intervals may have one or
/// not and get 0 agents (their contacts, if any, are unanswered for voice/chat and carried to the
/// next open time for email/social). Forecast rows must lie on the site's interval grid, name a
/// queue of the site, and not repeat ([`IntervalFrame::from_rows`] checks them).
pub fn staff_plan(
    forecast: &[ForecastRow],
    site: &Site,
    config: &StaffingConfig,
) -> Result<StaffingPlan, StaffingError> {
    let grid = site.grid;
    let shrinkage = config.shrinkage;
    agents_gross(0, shrinkage)?;
    let mut queues: Vec<&QueueConfig> = site.queues.iter().collect();
    queues.sort_by(|a, b| a.name.cmp(&b.name));
    if forecast.is_empty() {
        return Ok(StaffingPlan { rows: Vec::new(), carried_out: Vec::new() });
    }
    let frame = IntervalFrame::of_rows(site, "forecast", forecast)?;
    let stamps = frame.axis.stamps();
    let slots = stamps.len();
    let mut per_queue: Vec<Vec<RequirementRow>> = Vec::with_capacity(queues.len());
    let mut carried_out = Vec::new();
    for queue in &queues {
        let row = frame.cells.row(site.queue_index(&queue.name).expect("a queue of the site"));
        let hours = queue.opening_hours(site)?;
        // A window reaches at most its deadline's intervals past the horizon.
        let reach = match (queue.channel, queue.deadline_minutes) {
            (Channel::Email | Channel::Social, Some(minutes)) if minutes.is_finite() => {
                deferred::deadline_intervals(minutes.max(0.0), grid.interval_minutes)
            }
            _ => 0,
        };
        let mut after = stamps[slots - 1];
        let horizon = QueueHorizon {
            queue,
            stamps: &stamps,
            open: stamps.iter().map(|s| hours.is_open(s)).collect(),
            cells: row.as_slice().expect("frame rows are contiguous"),
            after_open: (0..reach)
                .map(|_| {
                    after = grid.next(&after);
                    hours.is_open(&after)
                })
                .collect(),
            interval_minutes: grid.interval_minutes,
            shrinkage,
        };
        horizon.check_open_intervals_forecast()?;
        let rows = match queue.channel {
            Channel::Voice | Channel::Chat => horizon.staff_immediate()?,
            Channel::Email | Channel::Social => {
                let (rows, carried) = horizon.staff_deferred()?;
                carried_out.extend(carried);
                rows
            }
        };
        per_queue.push(rows);
    }
    let mut rows = Vec::with_capacity(slots * queues.len());
    let mut iters: Vec<_> = per_queue.into_iter().map(Vec::into_iter).collect();
    for _ in 0..slots {
        for q in iters.iter_mut() {
            rows.extend(q.next());
        }
    }
    Ok(StaffingPlan { rows, carried_out })
}

/// One queue over the horizon: its opening and forecast per slot.
struct QueueHorizon<'a> {
    queue: &'a QueueConfig,
    stamps: &'a [Stamp],
    /// Whether the queue is open in each slot.
    open: Vec<bool>,
    /// The forecast row of each slot, if any.
    cells: &'a [Option<&'a ForecastRow>],
    /// Whether the queue is open in each interval after the horizon, as far as a deferred
    /// queue's deadline reaches (empty for other queues).
    after_open: Vec<bool>,
    interval_minutes: u32,
    shrinkage: f64,
}

impl QueueHorizon<'_> {
    /// Every open interval must have a forecast row.
    fn check_open_intervals_forecast(&self) -> Result<(), StaffingError> {
        for (slot, open) in self.open.iter().enumerate() {
            if *open && self.cells[slot].is_none() {
                return Err(StaffingError::Invalid(format!(
                    "forecast has no row for queue {:?} at {}, an open interval",
                    self.queue.name,
                    format_local(&self.stamps[slot])
                )));
            }
        }
        Ok(())
    }

    /// (contacts, aht_seconds) of a slot, zeros without a forecast row.
    fn input(&self, slot: usize) -> (f64, f64) {
        self.cells[slot].map(|r| (r.contacts, r.aht_seconds)).unwrap_or((0.0, 0.0))
    }

    /// The row of a slot with its demand and no agents (the row of a closed interval).
    fn demand_row(&self, slot: usize) -> RequirementRow {
        let (contacts, aht) = self.input(slot);
        RequirementRow {
            interval_start: self.stamps[slot],
            queue: self.queue.name.clone(),
            contacts,
            aht_seconds: aht,
            traffic_erlangs: if contacts > 0.0 {
                traffic_erlangs(contacts, aht, self.interval_minutes)
            } else {
                0.0
            },
            agents_net: 0,
            agents_gross: 0,
            service_level: if contacts > 0.0 { 0.0 } else { 1.0 },
            asa_seconds: 0.0,
            occupancy: 0.0,
            abandon_rate: None,
        }
    }

    /// Voice and chat: each open interval staffed on its own (Erlang C/A), in parallel.
    fn staff_immediate(&self) -> Result<Vec<RequirementRow>, StaffingError> {
        let queue = self.queue;
        let targets = queue_targets(queue);
        let queue_err = |e: StaffingError| StaffingError::Queue {
            queue: queue.name.clone(),
            source: Box::new(e),
        };
        targets.validate().map_err(queue_err)?;
        if targets.max_abandon_rate.is_some() && queue.patience_seconds.is_none() {
            return Err(queue_err(StaffingError::Invalid(
                "max_abandon_rate needs patience_seconds (Erlang A)".into(),
            )));
        }
        let at = |slot: usize, e: StaffingError| StaffingError::Interval {
            queue: queue.name.clone(),
            interval: format_local(&self.stamps[slot]),
            source: Box::new(e),
        };
        (0..self.stamps.len())
            .into_par_iter()
            .map(|slot| {
                let base = self.demand_row(slot);
                if !self.open[slot] {
                    return Ok(base);
                }
                let model =
                    queue_model(queue, base.contacts, base.aht_seconds, self.interval_minutes)
                        .map_err(|e| at(slot, e))?;
                let req = required_agents(&model, &targets, concurrency(queue))
                    .map_err(|e| at(slot, e))?;
                let metrics = req.metrics;
                Ok(RequirementRow {
                    agents_net: req.agents_net,
                    agents_gross: agents_gross(req.agents_net, self.shrinkage)?,
                    service_level: metrics.service_level,
                    asa_seconds: metrics.asa_seconds,
                    occupancy: metrics.occupancy,
                    abandon_rate: metrics.abandon_rate,
                    ..base
                })
            })
            .collect()
    }

    /// Email and social: the backlog staffed across the horizon to its deadline; also the
    /// contacts still in the backlog at the end, if any.
    fn staff_deferred(&self) -> Result<(Vec<RequirementRow>, Option<CarriedOut>), StaffingError> {
        let queue = self.queue;
        let targets = DeferredTargets {
            deadline_minutes: deadline_minutes(queue)?,
            interval_minutes: self.interval_minutes,
            max_occupancy: queue.max_occupancy.unwrap_or(1.0),
            min_agents: queue.min_agents.unwrap_or(0),
            service_level: queue.service_level.unwrap_or(1.0),
        };
        let intervals: Vec<DeferredInterval> = (0..self.stamps.len())
            .map(|slot| {
                let (contacts, aht_seconds) = self.input(slot);
                DeferredInterval { open: self.open[slot], contacts, aht_seconds }
            })
            .collect();
        let schedule = staff_deferred_within(&intervals, &self.after_open, &targets)
            .map_err(|e| StaffingError::Queue { queue: queue.name.clone(), source: Box::new(e) })?;
        let carried = (schedule.carried_out_contacts > 0.0).then(|| CarriedOut {
            queue: queue.name.clone(),
            contacts: schedule.carried_out_contacts,
        });
        let mut rows = Vec::with_capacity(self.stamps.len());
        for (slot, r) in schedule.intervals.iter().enumerate() {
            rows.push(RequirementRow {
                agents_net: r.agents_net,
                agents_gross: agents_gross(r.agents_net, self.shrinkage)?,
                service_level: r.service_level,
                asa_seconds: r.asa_seconds,
                occupancy: r.occupancy,
                abandon_rate: None,
                ..self.demand_row(slot)
            });
        }
        Ok((rows, carried))
    }
}
