//! The discrete-event core: one replication of a [`Model`] with one random stream.
//!
//! Times are `f64` seconds from the start of the first interval. Three kinds of event drive the
//! clock, each kept in the structure that suits it:
//!
//! - **arrivals**: one pending arrival per queue (a small array scanned for its minimum); the
//!   next one is drawn when the current one is handled, from a piecewise-constant rate (a
//!   non-homogeneous Poisson process: exponential gaps, restarted at an interval boundary when
//!   the gap crosses it, which is exact by memorylessness), or read from a replayed log;
//! - **agent transitions** (start of duty, start of break, end of break, end of duty): known in
//!   advance, so a sorted vector walked with a cursor;
//! - **service completions**: a binary heap of `(end time, agent)` — `O(log busy)` per contact.
//!
//! Abandonment needs no events: a waiting contact carries the instant its patience runs out,
//! and because queues are first-come-first-served nothing else depends on when it leaves, so it
//! is counted as abandoned when it reaches the head of the queue after that instant (or when the
//! run ends). This is exact, not an approximation. A contact without patience (no
//! `patience_seconds`, or deferred email/social work) still waiting when the run ends — no agent of
//! its queue comes on duty again — is counted as unanswered.
//!
//! Every random number of a contact (gap to the next arrival, handle time, patience) is drawn at
//! its arrival, in arrival order, so the stream does not depend on staffing: two staffings
//! simulated with the same seed see the same contacts (common random numbers).
//!
//! The loop does not allocate: every buffer lives in a [`Workspace`] reused across replications.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Exp1, StandardNormal};

/// Handle-time distribution around an interval's mean handle time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HandleTime {
    /// Exponential with the given mean (coefficient of variation 1): the Erlang C/A assumption.
    Exponential,
    /// Log-normal with the given mean and this coefficient of variation (standard deviation /
    /// mean): `sigma^2 = ln(1 + cv^2)`, `mu = ln(mean) - sigma^2 / 2`.
    LogNormal { cv: f64 },
    /// Every contact takes exactly the mean (for hand-worked tests).
    Constant,
}

/// One queue of the model.
#[derive(Debug, Clone)]
pub struct QueueModel {
    /// Expected arrivals per second in each interval (Poisson mode).
    pub rate_per_second: Vec<f64>,
    /// Mean handle time in each interval (seconds).
    pub mean_handle_seconds: Vec<f64>,
    /// A contact answered within this wait counts toward the service level.
    pub target_seconds: f64,
    /// Mean of the exponential patience; `None` means contacts never abandon.
    pub patience_seconds: Option<f64>,
    /// Contacts an agent of this queue holds at once (chat concurrency; 1 otherwise).
    pub slots_per_agent: u32,
}

/// A contact of a replayed log.
#[derive(Debug, Clone, Copy)]
pub struct ReplayContact {
    pub arrival_seconds: f64,
    pub queue: u32,
    /// Recorded handle time; `None` draws one from the interval's mean.
    pub handle_seconds: Option<f64>,
}

/// Where arrivals come from.
#[derive(Debug, Clone)]
pub enum ArrivalSource {
    /// Poisson arrivals at each queue's `rate_per_second`.
    Poisson,
    /// A recorded log, sorted by arrival time (every replication sees the same contacts; handle
    /// times missing from the log and patience are still drawn).
    Replay(Vec<ReplayContact>),
}

/// An agent's change of state at a known instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub seconds: f64,
    pub agent: u32,
    pub on_duty: bool,
}

/// Everything a replication needs, built once and shared by all replications.
#[derive(Debug, Clone)]
pub struct Model {
    pub interval_seconds: f64,
    pub intervals: usize,
    pub queues: Vec<QueueModel>,
    /// Queue of each agent.
    pub agent_queue: Vec<u32>,
    /// Sorted by time; at equal times off-duty transitions come first.
    pub transitions: Vec<Transition>,
    /// Scheduled slot-seconds on duty per `queue * intervals + interval`.
    pub scheduled_slot_seconds: Vec<f64>,
    pub arrivals: ArrivalSource,
    pub handle_time: HandleTime,
}

/// Per queue and interval totals of one replication; contacts are counted in the interval they
/// arrived in, busy and staffed time in the interval they fall in.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub offered: f64,
    pub answered: f64,
    pub answered_within_target: f64,
    pub abandoned: f64,
    /// Still waiting when the run ended, without patience (never answered, never abandoned).
    pub unanswered: f64,
    /// Sum of waits of answered contacts (seconds).
    pub wait_seconds: f64,
    /// Slot-seconds spent handling contacts.
    pub busy_slot_seconds: f64,
    /// Slot-seconds on duty (scheduled, plus overrun while finishing a contact after duty ends).
    pub staffed_slot_seconds: f64,
}

impl Cell {
    pub fn add(&mut self, other: &Cell) {
        self.offered += other.offered;
        self.answered += other.answered;
        self.answered_within_target += other.answered_within_target;
        self.abandoned += other.abandoned;
        self.unanswered += other.unanswered;
        self.wait_seconds += other.wait_seconds;
        self.busy_slot_seconds += other.busy_slot_seconds;
        self.staffed_slot_seconds += other.staffed_slot_seconds;
    }
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    arrival: f64,
    /// Interval of arrival (outcomes are counted there).
    interval: u32,
    /// When its patience runs out (`INFINITY` without patience).
    gives_up: f64,
    handle: f64,
}

#[derive(Debug, Clone, Copy)]
struct AgentState {
    on_duty: bool,
    /// Bumped when the agent goes off duty, invalidating its entries on the free-slot stack.
    epoch: u32,
    busy: u32,
    /// Off duty but still finishing a contact since this instant (`NAN` otherwise).
    overrun_since: f64,
}

/// Reusable buffers for replications (one per worker thread).
#[derive(Debug, Default)]
pub struct Workspace {
    completions: BinaryHeap<Reverse<u128>>,
    agents: Vec<AgentState>,
    free: Vec<Vec<(u32, u32)>>,
    waiting: Vec<VecDeque<Waiting>>,
    next_arrival: Vec<f64>,
    next_interval: Vec<usize>,
    pub cells: Vec<Cell>,
}

/// A completion as one integer: non-negative `f64` bit patterns order like the numbers, so
/// `(time bits << 32) | agent` sorts by time, then agent, in a single comparison.
#[inline]
fn key(t: f64, agent: u32) -> u128 {
    debug_assert!(t >= 0.0);
    (u128::from(t.to_bits()) << 32) | u128::from(agent)
}

#[inline]
fn exp1(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample::<f64, _>(Exp1)
}

impl Model {
    fn horizon_seconds(&self) -> f64 {
        self.intervals as f64 * self.interval_seconds
    }

    #[inline]
    fn draw_handle(&self, mean: f64, rng: &mut ChaCha8Rng) -> f64 {
        match self.handle_time {
            HandleTime::Exponential => mean * exp1(rng),
            HandleTime::LogNormal { cv } => {
                let sigma2 = (1.0 + cv * cv).ln();
                let z: f64 = rng.sample(StandardNormal);
                (mean.ln() - 0.5 * sigma2 + sigma2.sqrt() * z).exp()
            }
            HandleTime::Constant => mean,
        }
    }

    /// Next Poisson arrival of queue `q` after `t` (in interval `i`), or `INFINITY`.
    #[inline]
    fn next_poisson(
        &self,
        q: usize,
        mut t: f64,
        mut i: usize,
        rng: &mut ChaCha8Rng,
    ) -> (f64, usize) {
        let rates = &self.queues[q].rate_per_second;
        while i < self.intervals {
            let end = (i + 1) as f64 * self.interval_seconds;
            let rate = rates[i];
            if rate > 0.0 {
                let next = t + exp1(rng) / rate;
                if next < end {
                    return (next, i);
                }
            }
            t = end;
            i += 1;
        }
        (f64::INFINITY, self.intervals)
    }

    #[inline]
    fn interval_of(&self, t: f64) -> usize {
        ((t / self.interval_seconds) as usize).min(self.intervals.saturating_sub(1))
    }

    /// Add `weight * [start, end)` to one of the per-interval sums of queue `q`, split at interval
    /// boundaries and clipped to the horizon.
    #[inline]
    pub(crate) fn spread(
        &self,
        cells: &mut [Cell],
        q: usize,
        start: f64,
        end: f64,
        weight: f64,
        busy: bool,
    ) {
        let horizon = self.horizon_seconds();
        let (start, end) = (start.max(0.0), end.min(horizon));
        if end <= start {
            return;
        }
        let base = q * self.intervals;
        let mut i = (start / self.interval_seconds) as usize;
        let mut t = start;
        while t < end && i < self.intervals {
            let boundary = ((i + 1) as f64 * self.interval_seconds).min(end);
            let cell = &mut cells[base + i];
            if busy {
                cell.busy_slot_seconds += weight * (boundary - t);
            } else {
                cell.staffed_slot_seconds += weight * (boundary - t);
            }
            t = boundary;
            i += 1;
        }
    }

    /// Run one replication; the per-queue, per-interval totals are left in `ws.cells`.
    pub fn replicate(&self, rng: &mut ChaCha8Rng, ws: &mut Workspace) {
        self.reset(ws);
        let replay: &[ReplayContact] = match &self.arrivals {
            ArrivalSource::Poisson => {
                for q in 0..self.queues.len() {
                    let (t, i) = self.next_poisson(q, 0.0, 0, rng);
                    ws.next_arrival.push(t);
                    ws.next_interval.push(i);
                }
                &[]
            }
            ArrivalSource::Replay(contacts) => contacts,
        };
        let mut replay_cursor = 0usize;
        let mut transition_cursor = 0usize;
        loop {
            // The earliest pending arrival.
            let (mut arrival_t, mut arrival_q) = (f64::INFINITY, usize::MAX);
            if replay.is_empty() {
                for (q, &t) in ws.next_arrival.iter().enumerate() {
                    if t < arrival_t {
                        arrival_t = t;
                        arrival_q = q;
                    }
                }
            } else if let Some(c) = replay.get(replay_cursor) {
                arrival_t = c.arrival_seconds;
                arrival_q = c.queue as usize;
            }
            let completion_t = ws
                .completions
                .peek()
                .map_or(f64::INFINITY, |Reverse(k)| f64::from_bits((*k >> 32) as u64));
            let transition_t =
                self.transitions.get(transition_cursor).map_or(f64::INFINITY, |tr| tr.seconds);

            if completion_t <= transition_t && completion_t <= arrival_t {
                if completion_t == f64::INFINITY {
                    break;
                }
                self.complete(completion_t, ws);
            } else if transition_t <= arrival_t {
                let tr = self.transitions[transition_cursor];
                transition_cursor += 1;
                self.transition(tr, ws);
            } else {
                let replayed = (!replay.is_empty()).then(|| &replay[replay_cursor]);
                self.arrive(arrival_t, arrival_q, replayed, rng, ws);
                replay_cursor += usize::from(replayed.is_some());
            }
        }
        // Nobody is left to answer the contacts still waiting: a caller with patience hangs up,
        // a contact without stays unanswered.
        let Workspace { waiting, cells, .. } = ws;
        for (q, waiting) in waiting.iter_mut().enumerate() {
            for w in waiting.drain(..) {
                let cell = &mut cells[q * self.intervals + w.interval as usize];
                if w.gives_up.is_finite() {
                    cell.abandoned += 1.0;
                } else {
                    cell.unanswered += 1.0;
                }
            }
        }
    }

    /// Empty the workspace for a replication: agents off duty and idle, no queue, the cells
    /// holding only the scheduled seat time, no arrival pending.
    fn reset(&self, ws: &mut Workspace) {
        let nq = self.queues.len();
        ws.completions.clear();
        ws.agents.clear();
        ws.agents.extend(self.agent_queue.iter().map(|_| AgentState {
            on_duty: false,
            epoch: 0,
            busy: 0,
            overrun_since: f64::NAN,
        }));
        ws.free.resize_with(nq, Vec::new);
        ws.waiting.resize_with(nq, VecDeque::new);
        for q in 0..nq {
            ws.free[q].clear();
            ws.waiting[q].clear();
        }
        ws.cells.clear();
        ws.cells.resize(nq * self.intervals, Cell::default());
        for (cell, &s) in ws.cells.iter_mut().zip(&self.scheduled_slot_seconds) {
            cell.staffed_slot_seconds = s;
        }
        ws.next_arrival.clear();
        ws.next_interval.clear();
    }

    /// The earliest completion, at `now`: the agent's slot takes the next contact, or, off
    /// duty and now idle, its overrun past the shift end is booked as staffed time.
    #[inline]
    fn complete(&self, now: f64, ws: &mut Workspace) {
        let Workspace { completions, agents, free, waiting, cells, .. } = ws;
        let Reverse(k) = completions.pop().expect("peeked");
        let a = k as u32 as usize;
        let q = self.agent_queue[a] as usize;
        agents[a].busy -= 1;
        if agents[a].on_duty {
            self.take_next(now, a, q, agents, free, waiting, completions, cells);
        } else if agents[a].busy == 0 && !agents[a].overrun_since.is_nan() {
            let slots = f64::from(self.queues[q].slots_per_agent);
            self.spread(cells, q, agents[a].overrun_since, now, slots, false);
            agents[a].overrun_since = f64::NAN;
        }
    }

    /// An agent going on duty (its idle slots take waiting contacts) or off duty (contacts in
    /// hand are finished as overrun).
    #[inline]
    fn transition(&self, tr: Transition, ws: &mut Workspace) {
        let Workspace { completions, agents, free, waiting, cells, .. } = ws;
        let now = tr.seconds;
        let a = tr.agent as usize;
        let q = self.agent_queue[a] as usize;
        if tr.on_duty {
            if agents[a].on_duty {
                return;
            }
            agents[a].on_duty = true;
            if !agents[a].overrun_since.is_nan() {
                let slots = f64::from(self.queues[q].slots_per_agent);
                self.spread(cells, q, agents[a].overrun_since, now, slots, false);
                agents[a].overrun_since = f64::NAN;
            }
            let idle = self.queues[q].slots_per_agent.saturating_sub(agents[a].busy);
            for _ in 0..idle {
                self.take_next(now, a, q, agents, free, waiting, completions, cells);
            }
        } else if agents[a].on_duty {
            agents[a].on_duty = false;
            agents[a].epoch = agents[a].epoch.wrapping_add(1);
            if agents[a].busy > 0 {
                agents[a].overrun_since = now;
            }
        }
    }

    /// A contact arriving at queue `q` at `now` (`replayed` when it comes from a contact log):
    /// draw its handle time and patience (in that order), schedule the queue's next Poisson
    /// arrival, and answer it at once or put it in the queue.
    #[inline]
    fn arrive(
        &self,
        now: f64,
        q: usize,
        replayed: Option<&ReplayContact>,
        rng: &mut ChaCha8Rng,
        ws: &mut Workspace,
    ) {
        let Workspace { completions, agents, free, waiting, next_arrival, next_interval, cells } =
            ws;
        let i = if replayed.is_none() { next_interval[q] } else { self.interval_of(now) };
        let queue = &self.queues[q];
        let handle = match replayed.and_then(|c| c.handle_seconds) {
            Some(h) => h,
            None => self.draw_handle(queue.mean_handle_seconds[i], rng),
        };
        let gives_up = match queue.patience_seconds {
            Some(p) => now + p * exp1(rng),
            None => f64::INFINITY,
        };
        if replayed.is_none() {
            let (t, ni) = self.next_poisson(q, now, i, rng);
            next_arrival[q] = t;
            next_interval[q] = ni;
        }
        let cell = &mut cells[q * self.intervals + i];
        cell.offered += 1.0;
        match pop_free(&mut free[q], agents) {
            Some(a) => {
                cell.answered += 1.0;
                cell.answered_within_target += 1.0;
                self.start(now, handle, a, q, agents, completions, cells);
            }
            None => {
                waiting[q].push_back(Waiting { arrival: now, interval: i as u32, gives_up, handle })
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn start(
        &self,
        now: f64,
        handle: f64,
        a: usize,
        q: usize,
        agents: &mut [AgentState],
        completions: &mut BinaryHeap<Reverse<u128>>,
        cells: &mut [Cell],
    ) {
        agents[a].busy += 1;
        completions.push(Reverse(key(now + handle, a as u32)));
        self.spread(cells, q, now, now + handle, 1.0, true);
    }

    /// A slot of agent `a` (on duty) is free at `now`: answer the head of the queue, skipping
    /// contacts whose patience ran out, or put the slot on the free stack.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn take_next(
        &self,
        now: f64,
        a: usize,
        q: usize,
        agents: &mut [AgentState],
        free: &mut [Vec<(u32, u32)>],
        waiting: &mut [VecDeque<Waiting>],
        completions: &mut BinaryHeap<Reverse<u128>>,
        cells: &mut [Cell],
    ) {
        while let Some(w) = waiting[q].pop_front() {
            let cell_index = q * self.intervals + w.interval as usize;
            if w.gives_up < now {
                cells[cell_index].abandoned += 1.0;
                continue;
            }
            let wait = now - w.arrival;
            let cell = &mut cells[cell_index];
            cell.answered += 1.0;
            cell.wait_seconds += wait;
            if wait <= self.queues[q].target_seconds {
                cell.answered_within_target += 1.0;
            }
            self.start(now, w.handle, a, q, agents, completions, cells);
            return;
        }
        free[q].push((a as u32, agents[a].epoch));
    }
}

/// Pop a still-valid free slot (its agent has not gone off duty since it was pushed).
#[inline]
fn pop_free(stack: &mut Vec<(u32, u32)>, agents: &[AgentState]) -> Option<usize> {
    while let Some((a, epoch)) = stack.pop() {
        let s = &agents[a as usize];
        if s.on_duty && s.epoch == epoch {
            return Some(a as usize);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn one_queue(rate: f64, handle: f64, patience: Option<f64>) -> QueueModel {
        QueueModel {
            rate_per_second: vec![rate; 4],
            mean_handle_seconds: vec![handle; 4],
            target_seconds: 20.0,
            patience_seconds: patience,
            slots_per_agent: 1,
        }
    }

    fn model(queue: QueueModel, agents: &[(f64, f64)], arrivals: ArrivalSource) -> Model {
        let mut transitions = Vec::new();
        for (a, &(on, off)) in agents.iter().enumerate() {
            transitions.push(Transition { seconds: on, agent: a as u32, on_duty: true });
            transitions.push(Transition { seconds: off, agent: a as u32, on_duty: false });
        }
        transitions.sort_by(|x, y| x.seconds.total_cmp(&y.seconds).then(x.on_duty.cmp(&y.on_duty)));
        let intervals = queue.rate_per_second.len();
        let mut m = Model {
            interval_seconds: 900.0,
            intervals,
            queues: vec![queue],
            agent_queue: vec![0; agents.len()],
            transitions,
            scheduled_slot_seconds: vec![0.0; intervals],
            arrivals,
            handle_time: HandleTime::Constant,
        };
        for &(on, off) in agents {
            let mut cells = vec![Cell::default(); intervals];
            m.spread(&mut cells, 0, on, off, 1.0, false);
            for (s, c) in m.scheduled_slot_seconds.iter_mut().zip(&cells) {
                *s += c.staffed_slot_seconds;
            }
        }
        m
    }

    fn replay(times: &[f64]) -> ArrivalSource {
        ArrivalSource::Replay(
            times
                .iter()
                .map(|&t| ReplayContact { arrival_seconds: t, queue: 0, handle_seconds: None })
                .collect(),
        )
    }

    fn run(m: &Model) -> Vec<Cell> {
        let mut ws = Workspace::default();
        m.replicate(&mut ChaCha8Rng::seed_from_u64(1), &mut ws);
        ws.cells
    }

    #[test]
    fn hand_worked_single_agent_fcfs() {
        // One agent on 0..3600, constant handle 100 s. Contacts at 0, 10, 20: waits 0, 90, 180.
        let m = model(one_queue(0.0, 100.0, None), &[(0.0, 3600.0)], replay(&[0.0, 10.0, 20.0]));
        let c = run(&m)[0];
        assert_eq!(c.offered, 3.0);
        assert_eq!(c.answered, 3.0);
        assert_eq!(c.answered_within_target, 1.0);
        assert_eq!(c.wait_seconds, 270.0);
        assert_eq!(c.busy_slot_seconds, 300.0);
        assert_eq!(c.staffed_slot_seconds, 900.0);
    }

    #[test]
    fn agent_finishes_the_contact_in_progress_after_duty_ends() {
        // Duty ends at 50 in the middle of a 100 s contact: the contact is answered and the 50 s
        // of overrun count as staffed time; a contact arriving at 60 is never answered.
        let m = model(one_queue(0.0, 100.0, None), &[(0.0, 50.0)], replay(&[0.0, 60.0]));
        let c = run(&m)[0];
        assert_eq!((c.offered, c.answered, c.abandoned, c.unanswered), (2.0, 1.0, 0.0, 1.0));
        assert_eq!(c.busy_slot_seconds, 100.0);
        assert_eq!(c.staffed_slot_seconds, 100.0);
    }

    #[test]
    fn contacts_wait_through_a_break() {
        // On 0..10, break 10..200, back 200..900. A contact at 20 waits until 200.
        let m = model(one_queue(0.0, 30.0, None), &[(0.0, 10.0), (200.0, 900.0)], replay(&[20.0]));
        let c = run(&m)[0];
        assert_eq!(c.answered, 1.0);
        assert_eq!(c.wait_seconds, 180.0);
        assert_eq!(c.answered_within_target, 0.0);
    }

    #[test]
    fn chat_agent_holds_several_contacts() {
        let mut q = one_queue(0.0, 100.0, None);
        q.slots_per_agent = 3;
        let mut m = model(q, &[(0.0, 900.0)], replay(&[0.0, 1.0, 2.0, 3.0]));
        m.scheduled_slot_seconds[0] *= 3.0;
        let c = run(&m)[0];
        // Three at once; the fourth waits until the first ends at 100.
        assert_eq!(c.answered_within_target, 3.0);
        assert_eq!(c.wait_seconds, 97.0);
        assert_eq!(c.busy_slot_seconds, 400.0);
    }

    #[test]
    fn poisson_counts_match_the_rate() {
        // 4 intervals of 900 s at 0.5/s: 1,800 expected; Poisson sd ~42.
        let m = model(one_queue(0.5, 1.0, None), &[(0.0, 3600.0)], ArrivalSource::Poisson);
        let cells = run(&m);
        let offered: f64 = cells.iter().map(|c| c.offered).sum();
        assert!((offered - 1800.0).abs() < 4.0 * 1800f64.sqrt(), "{offered}");
    }

    #[test]
    fn log_normal_handle_time_has_the_asked_mean_and_cv() {
        // sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2 gives E = mean, sd / E = cv.
        let mut m = model(one_queue(0.0, 1.0, None), &[], ArrivalSource::Poisson);
        m.handle_time = HandleTime::LogNormal { cv: 0.6 };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| m.draw_handle(240.0, &mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let sd = (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        // Standard error of the mean: 240 * 0.6 / sqrt(200,000) = 0.32 s.
        assert!((mean - 240.0).abs() < 1.5, "{mean}");
        assert!((sd / mean - 0.6).abs() < 0.01, "{}", sd / mean);
        m.handle_time = HandleTime::Exponential;
        let mean = (0..n).map(|_| m.draw_handle(240.0, &mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 240.0).abs() < 2.5, "{mean}");
    }
}
