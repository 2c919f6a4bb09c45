//! The discrete-event core: one replication of a [`Model`] with one random stream.
//!
//! Times are `f64` seconds from the start of the first interval. Three kinds of event drive the
//! clock, each kept in the structure that suits it:
//!
//! - **arrivals**: one pending arrival per queue (a small array scanned for its minimum); the
//!   next one is drawn when the current one is handled, from a piecewise-constant rate (a
//!   non-homogeneous Poisson process: exponential gaps, restarted at an interval boundary when
//!   the gap crosses it, which is exact by memorylessness), or read from a replayed log;
//! - **agent transitions** (start of duty, start of break, end of break, end of duty, and the
//!   replication's off-queue blocks): known before the replication starts, so a sorted vector
//!   walked with a cursor;
//! - **service completions**: a binary heap of `(end time, agent)` — `O(log busy)` per contact.
//!
//! **Routing** (skills-based, one simulation of all queues together). Every agent has a skill
//! group: its roster row's queue (its *home*) first, then its other skills in its order of
//! preference (the home queue alone under `routing = "roster_queue"`). Idle agents wait in one
//! first-in-first-out list per group, so the front of each list is that group's longest-idle
//! agent:
//!
//! - a contact of queue `q` goes first to the agents whose home is `q` (the roster put them
//!   there): a free chat slot of one already serving `q` (a queue with `concurrency` > 1 packs
//!   its chats), else the longest idle of them; only when none of them can take it, to the
//!   other agents with skill `q` in the same order (a helper's free slot, else the longest
//!   idle helper); else it waits in `q`'s first-come-first-served list. So a multi-skilled
//!   agent rostered on voice lends a hand on chat when the chat agents are full, and is not
//!   drawn into chats while a chat agent sits idle;
//! - an agent who becomes free takes, among its skills, the waiting contact of the **highest
//!   priority, then the longest wait** (ties to its home, then its preferred skill), a
//!   contact's priority being its queue's `priority` plus `priority_per_second` × its wait so
//!   far (priority aging: a message that has waited long enough goes before a fresh call); a
//!   chat agent still holding chats takes only more chats of the same queue. This is
//!   non-preemptive priority: a contact in service is never interrupted.
//!
//! An agent whose duty ends (a break, an off-queue block, the end of the shift) while handling
//! contacts **finishes them first**; the overrun counts as staffed time. Contacts already
//! waiting are not taken by an agent who is off duty.
//!
//! **Staffed time** is counted per queue, in slot-seconds: while an agent is handling contacts
//! of queue `q` its time counts for `q` (times `q`'s concurrency), while idle for its roster
//! queue (its *home*). Busy slot-seconds count for the contact's queue. So a queue's occupancy
//! (busy / staffed) never exceeds 1, and with single-skilled agents it is exactly the old
//! per-queue occupancy.
//!
//! **Help between queues** is counted per cell: an answer by an agent whose home queue is of
//! another skill than the contact's queue counts as `answered_by_helpers` for the contact's
//! queue and `answered_for_others` for the agent's home (a queue pooled with its host, same
//! skill, is not help).
//!
//! **Absence** is drawn per replication from its own random stream (so arrivals, handle times
//! and patience are the same with and without absence: common random numbers): each agent-day
//! is absent with probability `day_probability` (all its spans are dropped), and each
//! `block_seconds` block of a present agent's on-duty span is off-queue (a meeting, training,
//! coaching) with probability `off_queue_fraction`. Each agent-day draws from a stream of its
//! own, seeded by the replication's stream and the agent-day's key (agent id and date), so the
//! absence is common to rosters too: two rosters simulated with the same seed see the same
//! agent-days absent and the same off-queue blocks wherever they roster the same agent on the
//! same day. Without it, one row more or less shifted every later agent-day's draws, and the
//! difference between two rosters that differ in one shift drowned in a fresh draw of who is
//! off (the plan's loop compares such rosters round after round).
//!
//! Abandonment needs no events: a waiting contact carries the instant its patience runs out,
//! and because each queue is first-come-first-served nothing else depends on when it leaves, so
//! it is counted as abandoned when it reaches the head of its queue after that instant (or when
//! the run ends). This is exact, not an approximation. A contact without patience (no
//! `patience_seconds`, or deferred email/social work) still waiting when the run ends is counted
//! as unanswered.
//!
//! Every random number of a contact (gap to the next arrival, handle time, patience) is drawn at
//! its arrival, in arrival order, so the stream does not depend on staffing: two staffings
//! simulated with the same seed see the same contacts (common random numbers).
//!
//! The loop does not allocate once the workspace's buffers have grown: every buffer lives in a
//! [`Workspace`] reused across replications.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
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
    /// Contacts an agent holds at once on this queue (chat concurrency; 1 otherwise).
    pub slots_per_agent: u32,
    /// Higher is served first by a freed agent (plan.toml `priority`, default 0).
    pub priority: i32,
    /// Priority a waiting contact gains per second of waiting (plan.toml
    /// `priority_per_minute` / 60): a freed agent compares `priority + priority_per_second ×
    /// wait` of the queues' heads.
    pub priority_per_second: f64,
    /// The first queue (index) served by the same skill: a queue pooled with its host (a VIP
    /// line the voice agents answer) shares the host's. An answer is counted as help only
    /// between queues of different skills.
    pub skill_pool: u32,
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

/// An agent of the model: one roster row (one agent on one shift).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgentModel {
    /// The roster row's queue: idle time counts there.
    pub home: u32,
    /// Index into [`Model::groups`]: the queues this agent serves.
    pub group: u32,
    /// Agent-day (agent id and date) this row belongs to: absent or present as a whole.
    pub day: u32,
}

/// Random absence of a replication.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Absence {
    /// Probability that a rostered agent-day is absent as a whole.
    pub day_probability: f64,
    /// Probability that each block of a present agent's on-duty time is spent off-queue.
    pub off_queue_fraction: f64,
    /// Length of an off-queue block (seconds).
    pub block_seconds: f64,
}

impl Absence {
    pub const NONE: Absence =
        Absence { day_probability: 0.0, off_queue_fraction: 0.0, block_seconds: 1800.0 };

    fn is_none(&self) -> bool {
        self.day_probability <= 0.0 && self.off_queue_fraction <= 0.0
    }
}

/// Everything a replication needs, built once and shared by all replications.
#[derive(Debug, Clone)]
pub struct Model {
    pub interval_seconds: f64,
    pub intervals: usize,
    pub queues: Vec<QueueModel>,
    pub agents: Vec<AgentModel>,
    /// Skill groups: the queues of each, in order of preference.
    pub groups: Vec<Vec<u32>>,
    /// For each queue, the groups that serve it (see [`queue_groups`]).
    pub queue_groups: Vec<Vec<u32>>,
    /// One key per agent-day (indexed by [`AgentModel::day`]): the agent-day's own random
    /// stream of absence is seeded from it, so two rosters that share an agent-day share its
    /// absence (common random numbers; module docs).
    pub day_keys: Vec<u64>,
    /// Sorted by time; at equal times off-duty transitions come first, then by agent.
    pub transitions: Vec<Transition>,
    pub arrivals: ArrivalSource,
    pub handle_time: HandleTime,
    pub absence: Absence,
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
    /// Slot-seconds on duty (plus overrun while finishing a contact after duty ends).
    pub staffed_slot_seconds: f64,
    /// Of `answered`, those answered by an agent rostered on a queue of another skill (a
    /// multi-skilled agent lending a hand).
    pub answered_by_helpers: f64,
    /// Contacts of queues of other skills answered by agents rostered on this queue (counted in
    /// the interval those contacts arrived in).
    pub answered_for_others: f64,
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
        self.answered_by_helpers += other.answered_by_helpers;
        self.answered_for_others += other.answered_for_others;
    }
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    arrival: f64,
    /// When its patience runs out (`INFINITY` without patience).
    gives_up: f64,
    handle: f64,
    /// Interval of arrival (outcomes are counted there).
    interval: u32,
}

#[derive(Debug, Clone, Copy)]
struct AgentState {
    on_duty: bool,
    /// Bumped when the agent goes off duty or becomes idle, invalidating its entries on the
    /// idle lists and free-slot stacks.
    epoch: u32,
    busy: u32,
    /// Queue of the contacts in hand (meaningful while `busy > 0`).
    mode: u32,
    /// Queue its staffed time currently counts for, and since when (`NAN`: not counting).
    counted_queue: u32,
    counted_since: f64,
}

#[derive(Debug, Clone, Copy)]
struct IdleEntry {
    since: f64,
    agent: u32,
    epoch: u32,
}

/// Reusable buffers for replications (one per worker thread).
#[derive(Debug, Default)]
pub struct Workspace {
    completions: BinaryHeap<Reverse<u128>>,
    agents: Vec<AgentState>,
    /// Idle agents per skill group, longest idle first.
    idle: Vec<VecDeque<IdleEntry>>,
    /// Free chat slots of agents already serving a queue, `(agent, epoch)`: at `2q` those whose
    /// home queue is `q`, at `2q + 1` the others.
    slots: Vec<Vec<(u32, u32)>>,
    waiting: Vec<VecDeque<Waiting>>,
    next_arrival: Vec<f64>,
    next_interval: Vec<usize>,
    /// This replication's transitions when absence changes them.
    transitions: Vec<Transition>,
    absent: Vec<bool>,
    /// Each agent-day's absence stream in this replication.
    day_rngs: Vec<ChaCha8Rng>,
    open: Vec<f64>,
    /// Whole intervals of staffed time as differences: `staffed_delta[q * (n + 1) + i]` agents
    /// (slot-weighted) start covering whole intervals from `i` on (see [`Run::staffed`]).
    staffed_delta: Vec<f64>,
    pub cells: Vec<Cell>,
}

/// A completion as one integer: non-negative `f64` bit patterns order like the numbers, so
/// `(time bits << 32) | agent` sorts by time, then agent, in a single comparison.
#[inline]
fn key(t: f64, agent: u32) -> u128 {
    debug_assert!(t >= 0.0);
    (u128::from(t.to_bits()) << 32) | u128::from(agent)
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection on `u64` that spreads every
/// input bit over the output, so nearby keys seed unrelated streams.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
fn exp1(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample::<f64, _>(Exp1)
}

/// For each of `queues` queues, the skill groups that serve it, in group order.
pub fn queue_groups(groups: &[Vec<u32>], queues: usize) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new(); queues];
    for (g, skills) in groups.iter().enumerate() {
        for &q in skills {
            out[q as usize].push(g as u32);
        }
    }
    out
}

/// Order of transitions: time, then off-duty before on-duty, then agent.
pub fn transition_order(x: &Transition, y: &Transition) -> std::cmp::Ordering {
    x.seconds.total_cmp(&y.seconds).then(x.on_duty.cmp(&y.on_duty)).then(x.agent.cmp(&y.agent))
}

/// The mutable state of one replication, borrowed from the workspace.
struct Run<'a> {
    m: &'a Model,
    staffed_delta: &'a mut [f64],
    completions: &'a mut BinaryHeap<Reverse<u128>>,
    agents: &'a mut [AgentState],
    idle: &'a mut [VecDeque<IdleEntry>],
    slots: &'a mut [Vec<(u32, u32)>],
    waiting: &'a mut [VecDeque<Waiting>],
    cells: &'a mut [Cell],
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

    /// Reset the workspace for a replication.
    fn reset(&self, ws: &mut Workspace) {
        let nq = self.queues.len();
        ws.completions.clear();
        ws.agents.clear();
        ws.agents.extend(self.agents.iter().map(|a| AgentState {
            on_duty: false,
            epoch: 0,
            busy: 0,
            mode: a.home,
            counted_queue: a.home,
            counted_since: f64::NAN,
        }));
        ws.idle.resize_with(self.groups.len(), VecDeque::new);
        ws.idle.iter_mut().for_each(VecDeque::clear);
        ws.slots.resize_with(2 * nq, Vec::new);
        ws.slots.iter_mut().for_each(Vec::clear);
        ws.waiting.resize_with(nq, VecDeque::new);
        ws.waiting.iter_mut().for_each(VecDeque::clear);
        ws.cells.clear();
        ws.cells.resize(nq * self.intervals, Cell::default());
        ws.staffed_delta.clear();
        ws.staffed_delta.resize(nq * (self.intervals + 1), 0.0);
        ws.next_arrival.clear();
        ws.next_interval.clear();
    }

    /// Draw this replication's absence into `ws.transitions` (left empty without absence).
    fn draw_absence(&self, rng: &mut ChaCha8Rng, ws: &mut Workspace) {
        ws.transitions.clear();
        if self.absence.is_none() {
            return;
        }
        let Absence { day_probability, off_queue_fraction, block_seconds } = self.absence;
        // One draw of the replication's stream seeds every agent-day's own stream: an
        // agent-day's absence depends on the replication and on who works which day, not on
        // the other rows of the roster.
        let replication: u64 = rng.random();
        ws.day_rngs.clear();
        ws.day_rngs.extend(
            self.day_keys.iter().map(|&k| ChaCha8Rng::seed_from_u64(splitmix64(replication ^ k))),
        );
        ws.absent.clear();
        ws.absent.extend(ws.day_rngs.iter_mut().map(|r| r.random::<f64>() < day_probability));
        // Transitions come in on/off pairs per agent; pair each on-duty with the agent's next
        // off-duty to get its spans.
        let open = &mut ws.open;
        open.clear();
        open.resize(self.agents.len(), f64::NAN);
        for tr in &self.transitions {
            let a = tr.agent as usize;
            let day = self.agents[a].day as usize;
            if ws.absent[day] {
                continue;
            }
            if tr.on_duty {
                if open[a].is_nan() {
                    open[a] = tr.seconds;
                }
                continue;
            }
            let start = std::mem::replace(&mut open[a], f64::NAN);
            if start.is_nan() {
                continue;
            }
            let mut on_since = start;
            if off_queue_fraction > 0.0 {
                let mut b = start;
                while b < tr.seconds {
                    let e = (b + block_seconds).min(tr.seconds);
                    if ws.day_rngs[day].random::<f64>() < off_queue_fraction {
                        if b > on_since {
                            push_span(&mut ws.transitions, tr.agent, on_since, b);
                        }
                        on_since = e;
                    }
                    b = e;
                }
            }
            if tr.seconds > on_since {
                push_span(&mut ws.transitions, tr.agent, on_since, tr.seconds);
            }
        }
        ws.transitions.sort_unstable_by(transition_order);
    }

    /// Run one replication; the per-queue, per-interval totals are left in `ws.cells`.
    /// `absence_rng` draws only the absence, so the contacts do not depend on it.
    pub fn replicate(
        &self,
        rng: &mut ChaCha8Rng,
        absence_rng: &mut ChaCha8Rng,
        ws: &mut Workspace,
    ) {
        let nq = self.queues.len();
        self.reset(ws);
        self.draw_absence(absence_rng, ws);
        let replay: &[ReplayContact] = match &self.arrivals {
            ArrivalSource::Poisson => {
                for q in 0..nq {
                    let (t, i) = self.next_poisson(q, 0.0, 0, rng);
                    ws.next_arrival.push(t);
                    ws.next_interval.push(i);
                }
                &[]
            }
            ArrivalSource::Replay(contacts) => contacts,
        };
        let Workspace {
            completions,
            agents,
            idle,
            slots,
            waiting,
            next_arrival,
            next_interval,
            transitions,
            staffed_delta,
            cells,
            ..
        } = ws;
        let transitions: &[Transition] =
            if self.absence.is_none() { &self.transitions } else { transitions };
        let mut run =
            Run { m: self, staffed_delta, completions, agents, idle, slots, waiting, cells };
        let mut replay_cursor = 0usize;
        let mut transition_cursor = 0usize;
        loop {
            // The earliest pending arrival.
            let (mut arrival_t, mut arrival_q) = (f64::INFINITY, usize::MAX);
            if replay.is_empty() {
                for (q, &t) in next_arrival.iter().enumerate() {
                    if t < arrival_t {
                        arrival_t = t;
                        arrival_q = q;
                    }
                }
            } else if let Some(c) = replay.get(replay_cursor) {
                arrival_t = c.arrival_seconds;
                arrival_q = c.queue as usize;
            }
            let completion_t = run
                .completions
                .peek()
                .map_or(f64::INFINITY, |Reverse(k)| f64::from_bits((*k >> 32) as u64));
            let transition_t =
                transitions.get(transition_cursor).map_or(f64::INFINITY, |tr| tr.seconds);

            if completion_t <= transition_t && completion_t <= arrival_t {
                if completion_t == f64::INFINITY {
                    break;
                }
                let Reverse(k) = run.completions.pop().expect("peeked");
                run.complete(completion_t, k as u32 as usize);
            } else if transition_t <= arrival_t {
                let tr = transitions[transition_cursor];
                transition_cursor += 1;
                run.transition(tr);
            } else {
                let now = arrival_t;
                let q = arrival_q;
                let i = if replay.is_empty() { next_interval[q] } else { self.interval_of(now) };
                let queue = &self.queues[q];
                let handle = if replay.is_empty() {
                    self.draw_handle(queue.mean_handle_seconds[i], rng)
                } else {
                    match replay[replay_cursor].handle_seconds {
                        Some(h) => h,
                        None => self.draw_handle(queue.mean_handle_seconds[i], rng),
                    }
                };
                let gives_up = match queue.patience_seconds {
                    Some(p) => now + p * exp1(rng),
                    None => f64::INFINITY,
                };
                if replay.is_empty() {
                    let (t, ni) = self.next_poisson(q, now, i, rng);
                    next_arrival[q] = t;
                    next_interval[q] = ni;
                } else {
                    replay_cursor += 1;
                }
                run.arrive(now, q, Waiting { arrival: now, gives_up, handle, interval: i as u32 });
            }
        }
        run.finish();
    }
}

impl Run<'_> {
    /// Add `weight * [start, end)` to queue `q`'s staffed time: the partial first and last
    /// intervals directly, the whole ones between as two differences (O(1) per span instead of
    /// one update per interval: shifts are many intervals long, and a replication has as many
    /// duty changes as it has roster spans). [`Run::finish`] adds the differences up.
    #[inline]
    fn staffed(&mut self, q: usize, start: f64, end: f64, weight: f64) {
        let m = self.m;
        let (start, end) = (start.max(0.0), end.min(m.horizon_seconds()));
        if end <= start {
            return;
        }
        let n = m.intervals;
        let i0 = ((start / m.interval_seconds) as usize).min(n - 1);
        let i1 = ((end / m.interval_seconds) as usize).min(n);
        let cells = &mut self.cells[q * n..(q + 1) * n];
        if i0 == i1 || (i1 == i0 + 1 && i1 == n) {
            cells[i0].staffed_slot_seconds += weight * (end - start);
            return;
        }
        cells[i0].staffed_slot_seconds += weight * ((i0 + 1) as f64 * m.interval_seconds - start);
        if i1 < n {
            cells[i1].staffed_slot_seconds += weight * (end - i1 as f64 * m.interval_seconds);
        }
        let delta = &mut self.staffed_delta[q * (n + 1)..(q + 1) * (n + 1)];
        delta[i0 + 1] += weight;
        delta[i1] -= weight;
    }
}

fn push_span(out: &mut Vec<Transition>, agent: u32, start: f64, end: f64) {
    out.push(Transition { seconds: start, agent, on_duty: true });
    out.push(Transition { seconds: end, agent, on_duty: false });
}

impl Run<'_> {
    /// Count agent `a`'s staffed time up to `now` and from now on for `queue` (or stop
    /// counting with `None`).
    #[inline]
    fn count_for(&mut self, now: f64, a: usize, queue: Option<u32>) {
        let s = self.agents[a];
        if let Some(q) = queue {
            if s.counted_queue == q && !s.counted_since.is_nan() {
                return;
            }
        }
        if !s.counted_since.is_nan() {
            let cq = s.counted_queue as usize;
            let slots = f64::from(self.m.queues[cq].slots_per_agent);
            self.staffed(cq, s.counted_since, now, slots);
        }
        let s = &mut self.agents[a];
        match queue {
            Some(q) => {
                s.counted_queue = q;
                s.counted_since = now;
            }
            None => s.counted_since = f64::NAN,
        }
    }

    /// Agent `a` starts handling a contact of queue `q`.
    #[inline]
    fn start(&mut self, now: f64, handle: f64, a: usize, q: usize) {
        if self.agents[a].counted_queue != q as u32 {
            self.count_for(now, a, Some(q as u32));
        }
        let s = &mut self.agents[a];
        s.busy += 1;
        s.mode = q as u32;
        self.completions.push(Reverse(key(now + handle, a as u32)));
        self.m.spread(self.cells, q, now, now + handle, 1.0, true);
    }

    /// Answer `w` of queue `q` at `now` with agent `a`.
    #[inline]
    fn answer(&mut self, now: f64, w: Waiting, a: usize, q: usize) {
        let wait = now - w.arrival;
        let cell = &mut self.cells[q * self.m.intervals + w.interval as usize];
        cell.answered += 1.0;
        cell.wait_seconds += wait;
        if wait <= self.m.queues[q].target_seconds {
            cell.answered_within_target += 1.0;
        }
        self.count_help(a, q, w.interval);
        self.start(now, w.handle, a, q);
    }

    /// A contact of queue `q` (arrived in `interval`) answered by agent `a`: counted as help
    /// when `a` is rostered on a queue of another skill.
    #[inline]
    fn count_help(&mut self, a: usize, q: usize, interval: u32) {
        let home = self.m.agents[a].home as usize;
        if self.m.queues[home].skill_pool != self.m.queues[q].skill_pool {
            let n = self.m.intervals;
            self.cells[q * n + interval as usize].answered_by_helpers += 1.0;
            self.cells[home * n + interval as usize].answered_for_others += 1.0;
        }
    }

    /// The head of queue `q` still waiting at `now`, dropping those whose patience ran out.
    #[inline]
    fn head(&mut self, now: f64, q: usize) -> Option<Waiting> {
        while let Some(w) = self.waiting[q].front() {
            if w.gives_up < now {
                let i = q * self.m.intervals + w.interval as usize;
                self.cells[i].abandoned += 1.0;
                self.waiting[q].pop_front();
                continue;
            }
            return Some(*w);
        }
        None
    }

    /// A contact of queue `q` arrives.
    #[inline]
    fn arrive(&mut self, now: f64, q: usize, w: Waiting) {
        self.cells[q * self.m.intervals + w.interval as usize].offered += 1.0;
        // Home agents first (a free slot, then the longest idle), then the others.
        let (agent, was_idle) = match self.pop_slot(q, true) {
            Some(a) => (Some(a), false),
            None => match self.pop_idle(q, true) {
                Some(a) => (Some(a), true),
                None => match self.pop_slot(q, false) {
                    Some(a) => (Some(a), false),
                    None => (self.pop_idle(q, false), true),
                },
            },
        };
        match agent {
            Some(a) => {
                let cell = &mut self.cells[q * self.m.intervals + w.interval as usize];
                cell.answered += 1.0;
                cell.answered_within_target += 1.0;
                self.count_help(a, q, w.interval);
                self.start(now, w.handle, a, q);
                if was_idle {
                    self.offer_slots(a);
                }
            }
            None => self.waiting[q].push_back(w),
        }
    }

    /// A still-valid free chat slot of queue `q`, of an agent whose home it is or not.
    #[inline]
    fn pop_slot(&mut self, q: usize, home: bool) -> Option<usize> {
        let slots = self.m.queues[q].slots_per_agent;
        while let Some((a, epoch)) = self.slots[2 * q + usize::from(!home)].pop() {
            let s = &self.agents[a as usize];
            if s.on_duty && s.epoch == epoch && s.mode == q as u32 && s.busy < slots {
                return Some(a as usize);
            }
        }
        None
    }

    /// The longest-idle on-duty agent with skill `q` whose home queue it is (`home`) or not,
    /// taken off its idle list.
    #[inline]
    fn pop_idle(&mut self, q: usize, home: bool) -> Option<usize> {
        let m = self.m;
        let mut best: Option<(f64, usize)> = None;
        for &g in &m.queue_groups[q] {
            let g = g as usize;
            if (m.groups[g][0] as usize == q) != home {
                continue;
            }
            while let Some(e) = self.idle[g].front() {
                let s = &self.agents[e.agent as usize];
                if s.on_duty && s.epoch == e.epoch && s.busy == 0 {
                    break;
                }
                self.idle[g].pop_front();
            }
            if let Some(e) = self.idle[g].front() {
                if best.is_none_or(|(since, _)| e.since < since) {
                    best = Some((e.since, g));
                }
            }
        }
        let (_, g) = best?;
        self.idle[g].pop_front().map(|e| e.agent as usize)
    }

    /// After idle agent `a` took an arriving contact: put its remaining chat slots on its
    /// queue's stack (nobody else waits in that queue, or the contact would have waited).
    #[inline]
    fn offer_slots(&mut self, a: usize) {
        let s = self.agents[a];
        let q = s.mode as usize;
        let stack = self.slot_stack(a, q);
        for _ in s.busy..self.m.queues[q].slots_per_agent {
            self.slots[stack].push((a as u32, s.epoch));
        }
    }

    /// Agent `a` (on duty, holding `busy` contacts of its mode queue) has a free slot: take the
    /// next contact of that queue, or offer the slot.
    #[inline]
    fn fill_slot(&mut self, now: f64, a: usize) {
        let q = self.agents[a].mode as usize;
        match self.head(now, q) {
            Some(w) => {
                self.waiting[q].pop_front();
                self.answer(now, w, a, q);
            }
            None => {
                let stack = self.slot_stack(a, q);
                self.slots[stack].push((a as u32, self.agents[a].epoch));
            }
        }
    }

    /// Where agent `a` offers its free slots of queue `q`: with the home agents' or the others'.
    #[inline]
    fn slot_stack(&self, a: usize, q: usize) -> usize {
        2 * q + usize::from(self.m.agents[a].home as usize != q)
    }

    /// Agent `a` is on duty and idle: take the waiting contact of the highest priority, then
    /// the longest wait, among its skills; fill the remaining chat slots from that queue; or
    /// join its group's idle list.
    fn free_agent(&mut self, now: f64, a: usize) {
        let m = self.m;
        let group = m.agents[a].group as usize;
        let mut best: Option<(f64, f64, usize)> = None;
        for &q in &m.groups[group] {
            let q = q as usize;
            if let Some(w) = self.head(now, q) {
                let queue = &m.queues[q];
                let p = f64::from(queue.priority) + queue.priority_per_second * (now - w.arrival);
                let better = match best {
                    None => true,
                    Some((bp, ba, _)) => p > bp || (p == bp && w.arrival < ba),
                };
                if better {
                    best = Some((p, w.arrival, q));
                }
            }
        }
        match best {
            Some((_, _, q)) => {
                let w = self.waiting[q].pop_front().expect("head");
                self.answer(now, w, a, q);
                for _ in 1..m.queues[q].slots_per_agent {
                    self.fill_slot(now, a);
                }
            }
            None => {
                let s = &self.agents[a];
                self.idle[group].push_back(IdleEntry {
                    since: now,
                    agent: a as u32,
                    epoch: s.epoch,
                });
            }
        }
    }

    /// A contact of agent `a` ends at `now`.
    fn complete(&mut self, now: f64, a: usize) {
        let s = &mut self.agents[a];
        s.busy -= 1;
        if s.busy > 0 {
            if s.on_duty {
                self.fill_slot(now, a);
            }
            return;
        }
        // Idle: its chat slots are gone, its time counts for its home queue again.
        s.epoch = s.epoch.wrapping_add(1);
        if s.on_duty {
            let home = self.m.agents[a].home;
            self.count_for(now, a, Some(home));
            self.free_agent(now, a);
        } else {
            self.count_for(now, a, None);
        }
    }

    /// A start or end of duty.
    fn transition(&mut self, tr: Transition) {
        let now = tr.seconds;
        let a = tr.agent as usize;
        let s = self.agents[a];
        if tr.on_duty {
            if s.on_duty {
                return;
            }
            self.agents[a].on_duty = true;
            if s.busy == 0 {
                let home = self.m.agents[a].home;
                self.count_for(now, a, Some(home));
                self.free_agent(now, a);
            } else {
                // Back on duty while still finishing contacts: its free slots take more.
                for _ in s.busy..self.m.queues[s.mode as usize].slots_per_agent {
                    self.fill_slot(now, a);
                }
            }
        } else if s.on_duty {
            let s = &mut self.agents[a];
            s.on_duty = false;
            s.epoch = s.epoch.wrapping_add(1);
            if s.busy == 0 {
                self.count_for(now, a, None);
            }
        }
    }

    /// Nobody is left to answer the contacts still waiting: a caller with patience hangs up,
    /// a contact without stays unanswered.
    fn finish(&mut self) {
        let n = self.m.intervals;
        for q in 0..self.m.queues.len() {
            let mut on = 0.0;
            for i in 0..n {
                on += self.staffed_delta[q * (n + 1) + i];
                if on != 0.0 {
                    self.cells[q * n + i].staffed_slot_seconds += on * self.m.interval_seconds;
                }
            }
        }
        for (q, waiting) in self.waiting.iter_mut().enumerate() {
            for w in waiting.drain(..) {
                let cell = &mut self.cells[q * self.m.intervals + w.interval as usize];
                if w.gives_up.is_finite() {
                    cell.abandoned += 1.0;
                } else {
                    cell.unanswered += 1.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn one_queue(rate: f64, handle: f64, patience: Option<f64>) -> QueueModel {
        QueueModel {
            rate_per_second: vec![rate; 4],
            mean_handle_seconds: vec![handle; 4],
            target_seconds: 20.0,
            patience_seconds: patience,
            slots_per_agent: 1,
            priority: 0,
            priority_per_second: 0.0,
            skill_pool: 0,
        }
    }

    fn model(queue: QueueModel, agents: &[(f64, f64)], arrivals: ArrivalSource) -> Model {
        let mut transitions = Vec::new();
        for (a, &(on, off)) in agents.iter().enumerate() {
            transitions.push(Transition { seconds: on, agent: a as u32, on_duty: true });
            transitions.push(Transition { seconds: off, agent: a as u32, on_duty: false });
        }
        transitions.sort_by(transition_order);
        let intervals = queue.rate_per_second.len();
        Model {
            interval_seconds: 900.0,
            intervals,
            queues: vec![queue],
            agents: (0..agents.len())
                .map(|a| AgentModel { home: 0, group: 0, day: a as u32 })
                .collect(),
            groups: vec![vec![0]],
            queue_groups: vec![vec![0]],
            day_keys: (0..agents.len() as u64).collect(),
            transitions,
            arrivals,
            handle_time: HandleTime::Constant,
            absence: Absence::NONE,
        }
    }

    fn replay(times: &[f64]) -> ArrivalSource {
        replay_queues(&times.iter().map(|&t| (t, 0)).collect::<Vec<_>>())
    }

    fn replay_queues(contacts: &[(f64, u32)]) -> ArrivalSource {
        ArrivalSource::Replay(
            contacts
                .iter()
                .map(|&(t, q)| ReplayContact { arrival_seconds: t, queue: q, handle_seconds: None })
                .collect(),
        )
    }

    fn run(m: &Model) -> Vec<Cell> {
        let mut ws = Workspace::default();
        let mut absence = ChaCha8Rng::seed_from_u64(2);
        m.replicate(&mut ChaCha8Rng::seed_from_u64(1), &mut absence, &mut ws);
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
        let mut m =
            model(one_queue(0.0, 30.0, None), &[(0.0, 10.0), (200.0, 900.0)], replay(&[20.0]));
        m.agents = vec![AgentModel { home: 0, group: 0, day: 0 }];
        m.day_keys = vec![0];
        for t in &mut m.transitions {
            t.agent = 0;
        }
        let c = run(&m)[0];
        assert_eq!(c.answered, 1.0);
        assert_eq!(c.wait_seconds, 180.0);
        assert_eq!(c.answered_within_target, 0.0);
    }

    #[test]
    fn chat_agent_holds_several_contacts() {
        let mut q = one_queue(0.0, 100.0, None);
        q.slots_per_agent = 3;
        let m = model(q, &[(0.0, 900.0)], replay(&[0.0, 1.0, 2.0, 3.0]));
        let c = run(&m)[0];
        // Three at once; the fourth waits until the first ends at 100.
        assert_eq!(c.answered_within_target, 3.0);
        assert_eq!(c.wait_seconds, 97.0);
        assert_eq!(c.busy_slot_seconds, 400.0);
        assert_eq!(c.staffed_slot_seconds, 3.0 * 900.0);
    }

    #[test]
    fn longest_idle_agent_takes_the_contact() {
        // Agent 0 on from 0, agent 1 from 5: a contact at 10 goes to agent 0 (idle longer), so
        // when agent 0's duty ends at 50 it overruns; agent 1 would not have.
        let m = model(one_queue(0.0, 100.0, None), &[(0.0, 50.0), (5.0, 900.0)], replay(&[10.0]));
        let c = run(&m)[0];
        // Staffed: agent 0 on 0..110 (overrun to the end of its contact), agent 1 on 5..900.
        assert_eq!(c.staffed_slot_seconds, 110.0 + 895.0);
    }

    #[test]
    fn freed_agent_serves_the_higher_priority_queue_first() {
        // Queues 0 (priority 0) and 1 (priority 5), one agent with both skills, handle 100 s.
        // Contacts: q0 at 0 (served at once), q0 at 10, q1 at 20. At 100 the agent takes q1's
        // contact although q0's waited longer; q0's second waits until 200.
        let mut m = model(one_queue(0.0, 100.0, None), &[(0.0, 900.0)], replay_queues(&[]));
        let mut vip = one_queue(0.0, 100.0, None);
        vip.priority = 5;
        m.queues.push(vip);
        m.groups = vec![vec![0, 1]];
        m.queue_groups = queue_groups(&m.groups, 2);
        m.arrivals = replay_queues(&[(0.0, 0), (10.0, 0), (20.0, 1)]);
        let cells = run(&m);
        let (q0, q1) = (cells[0], cells[m.intervals]);
        assert_eq!(q1.wait_seconds, 80.0);
        assert_eq!(q0.wait_seconds, 190.0);
        // The agent's time counts for its home queue when idle or on q0, for q1 during 100..200.
        assert_eq!(q1.staffed_slot_seconds, 100.0);
        assert_eq!(q0.staffed_slot_seconds, 800.0);
        assert_eq!(q0.busy_slot_seconds + q1.busy_slot_seconds, 300.0);
    }

    /// Queues 0 and 1 (handle 100 s); agent 0 is rostered on queue 1 with skill 0 as well, on
    /// from 0; agent 1 is rostered on queue 0, on from 5.
    fn helper_and_home_agent(contacts: &[(f64, u32)], slots: u32) -> Model {
        let mut q0 = one_queue(0.0, 100.0, None);
        q0.slots_per_agent = slots;
        let mut m = model(q0, &[(0.0, 900.0), (5.0, 900.0)], replay_queues(contacts));
        m.queues.push(one_queue(0.0, 100.0, None));
        m.groups = vec![vec![1, 0], vec![0]];
        m.queue_groups = queue_groups(&m.groups, 2);
        m.agents[0] = AgentModel { home: 1, group: 0, day: 0 };
        m.agents[1] = AgentModel { home: 0, group: 1, day: 1 };
        m
    }

    #[test]
    fn a_queue_s_own_agents_answer_before_helpers_from_other_queues() {
        // A contact of queue 0 at 10: agent 0 has been idle longer, but queue 0 is agent 1's
        // roster queue, so agent 1 answers. Agent 0's 900 s all count for its queue 1.
        let m = helper_and_home_agent(&[(10.0, 0)], 1);
        let cells = run(&m);
        let (q0, q1) = (cells[0], cells[m.intervals]);
        assert_eq!(q1.staffed_slot_seconds, 900.0);
        assert_eq!(q0.staffed_slot_seconds, 895.0);
        // A second contact at 20, with agent 1 busy: the helper answers it at once.
        let m = helper_and_home_agent(&[(10.0, 0), (20.0, 0)], 1);
        let cells = run(&m);
        let (q0, q1) = (cells[0], cells[m.intervals]);
        assert_eq!(q0.wait_seconds, 0.0);
        assert_eq!(q1.staffed_slot_seconds, 800.0);
    }

    #[test]
    fn chats_fill_the_home_agents_slots_before_a_helper_s() {
        // Queue 0 takes 3 chats an agent. A chat at 2 goes to the helper (the home agent is
        // not on yet); chats at 10, 11 and 12 go to the idle home agent, not to the helper's
        // two free slots; the chat at 13 finds the home agent full and takes a helper's slot.
        let m = helper_and_home_agent(&[(2.0, 0), (10.0, 0), (11.0, 0), (12.0, 0), (13.0, 0)], 3);
        let cells = run(&m);
        let (q0, q1) = (cells[0], cells[m.intervals]);
        assert_eq!(q0.wait_seconds, 0.0);
        // The helper serves chats over 2..113 (3 slots each, its time counts for queue 0 then).
        assert_eq!(q1.staffed_slot_seconds, 900.0 - 111.0);
        assert_eq!(q0.busy_slot_seconds, 500.0);
    }

    #[test]
    fn a_contact_that_waited_long_enough_outranks_a_higher_priority() {
        // Queue 0 (priority 0, gaining 0.1 a second of waiting) and queue 1 (priority 5); one
        // agent with both skills, handle 100 s. Contacts: q0 at 0 (served at once), q0 at 10,
        // q1 at 90. At 100 the q0 contact has waited 90 s (priority 9 > 5): it goes first, and
        // q1's waits until 200. Without the aging, q1's would go first (see above).
        let mut m = model(one_queue(0.0, 100.0, None), &[(0.0, 900.0)], replay_queues(&[]));
        m.queues[0].priority_per_second = 0.1;
        let mut vip = one_queue(0.0, 100.0, None);
        vip.priority = 5;
        m.queues.push(vip);
        m.groups = vec![vec![0, 1]];
        m.queue_groups = queue_groups(&m.groups, 2);
        m.arrivals = replay_queues(&[(0.0, 0), (10.0, 0), (90.0, 1)]);
        let cells = run(&m);
        assert_eq!(cells[0].wait_seconds, 90.0);
        assert_eq!(cells[m.intervals].wait_seconds, 110.0);
        // Gaining 0.05 a second, it has 4.5 < 5 at 100: q1's goes first, q0's waits until 200.
        m.queues[0].priority_per_second = 0.05;
        let cells = run(&m);
        assert_eq!(cells[0].wait_seconds, 190.0);
        assert_eq!(cells[m.intervals].wait_seconds, 10.0);
    }

    #[test]
    fn equal_priorities_serve_the_longest_wait() {
        let mut m = model(one_queue(0.0, 100.0, None), &[(0.0, 900.0)], replay_queues(&[]));
        m.queues.push(one_queue(0.0, 100.0, None));
        m.groups = vec![vec![1, 0]];
        m.queue_groups = queue_groups(&m.groups, 2);
        m.arrivals = replay_queues(&[(0.0, 0), (10.0, 0), (20.0, 1)]);
        let cells = run(&m);
        assert_eq!(cells[0].wait_seconds, 90.0);
        assert_eq!(cells[m.intervals].wait_seconds, 180.0);
    }

    #[test]
    fn an_absent_day_drops_all_its_rows() {
        let mut m = model(one_queue(0.0, 10.0, None), &[(0.0, 900.0)], replay(&[5.0]));
        m.absence = Absence { day_probability: 1.0, ..Absence::NONE };
        let c = run(&m)[0];
        assert_eq!((c.offered, c.answered, c.unanswered), (1.0, 0.0, 1.0));
        assert_eq!(c.staffed_slot_seconds, 0.0);
        // Off-queue blocks remove about that fraction of on-duty time.
        let mut m = model(one_queue(0.0, 10.0, None), &[(0.0, 3600.0); 50], replay(&[]));
        m.absence = Absence { day_probability: 0.0, off_queue_fraction: 0.2, block_seconds: 300.0 };
        let staffed: f64 = run(&m).iter().map(|c| c.staffed_slot_seconds).sum();
        // 600 blocks, each off with probability 0.2: sd of the off count is sqrt(600*.16) = 9.8.
        let off_blocks = (50.0 * 3600.0 - staffed) / 300.0;
        assert!((off_blocks - 120.0).abs() < 4.0 * 9.8, "{off_blocks}");
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

    #[test]
    fn splitmix64_matches_the_reference_generator() {
        // The reference SplitMix64 (Vigna, prng.di.unimi.it/splitmix64.c) seeded with 0 first
        // returns 0xe220a8397b1dcdaf: the finaliser of 0 + the golden gamma.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }

    /// On-duty spans of each agent-day key in one replication's absence draw.
    fn spans_by_key(m: &Model, seed: u64) -> BTreeMap<u64, Vec<(f64, f64)>> {
        let mut ws = Workspace::default();
        m.draw_absence(&mut ChaCha8Rng::seed_from_u64(seed), &mut ws);
        let mut out: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
        let mut open: BTreeMap<u32, f64> = BTreeMap::new();
        for tr in &ws.transitions {
            let key = m.day_keys[m.agents[tr.agent as usize].day as usize];
            if tr.on_duty {
                open.insert(tr.agent, tr.seconds);
            } else if let Some(start) = open.remove(&tr.agent) {
                out.entry(key).or_default().push((start, tr.seconds));
            }
        }
        for key in &m.day_keys {
            out.entry(*key).or_default();
        }
        out
    }

    #[test]
    fn rosters_sharing_an_agent_day_share_its_absence() {
        // Common random numbers: an agent-day's absence (whole day and off-queue blocks) comes
        // from its own stream, so dropping another row of the roster leaves it as it was.
        let absence =
            Absence { day_probability: 0.3, off_queue_fraction: 0.3, block_seconds: 600.0 };
        let day = (0.0, 28_800.0);
        let mut all = model(one_queue(0.0, 100.0, None), &[day; 4], ArrivalSource::Poisson);
        all.day_keys = vec![11, 22, 33, 44];
        all.absence = absence;
        let mut fewer = model(one_queue(0.0, 100.0, None), &[day; 3], ArrivalSource::Poisson);
        fewer.day_keys = vec![11, 33, 44];
        fewer.absence = absence;
        let mut differ = 0;
        for seed in 0..20 {
            let (a, b) = (spans_by_key(&all, seed), spans_by_key(&fewer, seed));
            for key in [11, 33, 44] {
                assert_eq!(a[&key], b[&key], "seed {seed}, key {key}");
            }
            // The draws are random all the same: the agent-days' spans differ from each other.
            differ += usize::from(a[&11] != a[&33]);
        }
        assert!(differ >= 15, "{differ} of 20");
    }
}
