//! Construction, repair and local search (see the module essay of [`super`]).
//!
//! The state is one row of seats per agent (`plan`, agents × days) and the holder of each seat.
//! Every move names the rows it changes; the new rows are evaluated with
//! [`Problem::evaluate`] (hard rules + cost parts) and the move is applied only when both are
//! feasible and the summed objective does not get worse.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::{Eval, Problem, MAX_DAYS, NONE};
use super::{Agent, CostBreakdown, RosterOptions, RosterRow, ShiftRow, StopReason};

/// What the search returns: who holds each seat and the cost.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub holder: Vec<u32>,
    /// agents × days, seat or NONE.
    pub plan: Vec<u32>,
    pub cost: CostBreakdown,
    pub stop_reason: StopReason,
    pub iterations: u64,
}

impl Outcome {
    /// Roster rows sorted by agent id, then date.
    pub fn rows(&self, p: &Problem, shifts: &[ShiftRow], agents: &[Agent]) -> Vec<RosterRow> {
        let mut order: Vec<usize> = (0..agents.len()).collect();
        order.sort_by(|&a, &b| agents[a].agent_id.cmp(&agents[b].agent_id));
        let mut rows = Vec::with_capacity(self.holder.iter().filter(|&&h| h != NONE).count());
        for a in order {
            for d in 0..p.days {
                let seat = self.plan[a * p.days + d];
                if seat == NONE {
                    continue;
                }
                let s = &shifts[p.seats[seat as usize].row];
                rows.push(RosterRow {
                    agent_id: agents[a].agent_id.clone(),
                    name: agents[a].name.clone(),
                    date: s.date,
                    queue: s.queue.clone(),
                    shift_start: s.shift_start,
                    shift_end: s.shift_end,
                    paid_minutes: s.paid_minutes,
                    breaks: s.breaks.clone(),
                });
            }
        }
        rows
    }
}

struct State<'p> {
    p: &'p Problem,
    plan: Vec<u32>,
    holder: Vec<u32>,
    evals: Vec<Eval>,
    objs: Vec<f64>,
    /// Changes applied so far: a seat that found no agent and no augmenting path finds none
    /// either while this stands still, nor does any seat of its group (identical seats).
    version: u64,
    /// Local search takes only moves that lower the objective (no walks along plateaus): a
    /// warm start stays near the roster it started from.
    strict: bool,
}

/// Improvement below this is noise.
const EPS: f64 = 1e-9;

/// Most agents in one augmenting path of [`State::augment`].
const CHAIN_DEPTH: usize = 5;

/// Most evaluations one empty seat may spend in [`State::augment`].
const AUGMENT_BUDGET: u64 = 2_000_000;

/// Weight of a seat's misfit with an agent's hours left per day left in the construction, per
/// minute, in units of the dearest agent's rate per minute: strong enough that the fit, not a
/// cheaper rate, decides who takes a long seat. On the sample week's 621 seats the roster
/// filled 558 / 560 / 567 / 571 / 569 seats at weights 0.3 / 3 / 10 / 30 / 100 (before the
/// per-day figure was capped at the agent's longest seat; 572 after), where an exact
/// assignment model (HiGHS) proves 574 the most any roster can fill under the same rules.
const FIT_WEIGHT: f64 = 30.0;

/// Evaluations each repair may spend, per seat of the problem, within
/// [`REPAIR_BUDGET_MIN`]..[`REPAIR_BUDGET_MAX`]. Seats that no roster can fill (more seats than
/// agent-days, [`super::SkillShortage`]) spend the whole budget in vain, so it scales with the
/// problem instead of standing at the maximum: on the sample's four weeks (2,477 seats, 174
/// empty) 20 M evaluations took 3.5 s and filled no seat more than 5 M in 2.1 s (2 M: 4 seats
/// fewer); six weeks (3,641 seats) at 7.3 M fill 7 seats fewer than at 20 M.
const REPAIR_BUDGET_PER_SEAT: u64 = 2_000;
const REPAIR_BUDGET_MIN: u64 = 5_000_000;
const REPAIR_BUDGET_MAX: u64 = 20_000_000;

/// Most passes of [`State::repair`] over the empty seats.
const REPAIR_PASSES: usize = 5;

impl<'p> State<'p> {
    fn new(p: &'p Problem) -> Self {
        let empty = vec![NONE; p.days];
        let evals: Vec<Eval> = (0..p.agents.len())
            .map(|a| p.evaluate(a, &empty).expect("an empty row breaks no rule"))
            .collect();
        let objs = evals.iter().map(|e| p.objective(e)).collect();
        State {
            p,
            plan: vec![NONE; p.agents.len() * p.days],
            holder: vec![NONE; p.seats.len()],
            evals,
            objs,
            version: 0,
            strict: false,
        }
    }

    fn row(&self, a: usize) -> &[u32] {
        &self.plan[a * self.p.days..(a + 1) * self.p.days]
    }

    /// Evaluate agent `a` with `changes` (day, seat or NONE) applied to its row.
    fn trial(&self, a: usize, changes: &[(usize, u32)]) -> Option<Eval> {
        let mut row = [NONE; MAX_DAYS];
        row[..self.p.days].copy_from_slice(self.row(a));
        for &(d, s) in changes {
            row[d] = s;
        }
        self.p.evaluate(a, &row[..self.p.days])
    }

    fn apply(&mut self, a: usize, changes: &[(usize, u32)], eval: Eval) {
        let days = self.p.days;
        for &(d, s) in changes {
            let old = self.plan[a * days + d];
            if old != NONE && self.holder[old as usize] == a as u32 {
                self.holder[old as usize] = NONE;
            }
            self.plan[a * days + d] = s;
        }
        for &(_, s) in changes {
            if s != NONE {
                self.holder[s as usize] = a as u32;
            }
        }
        self.evals[a] = eval;
        self.objs[a] = self.p.objective(&eval);
        self.version += 1;
    }

    fn unfilled_cost(&self, seat: u32) -> f64 {
        let s = &self.p.seats[seat as usize];
        self.p.unfilled_per_minute * f64::from(s.paid_minutes) * s.unfilled_weight
    }

    /// Day `d`'s seat groups, scarcest first: fewest free eligible agents per seat.
    fn scarcest_first(&self, d: usize) -> Vec<u32> {
        let p = self.p;
        let mut order: Vec<(f64, u32)> = p.groups_by_day[d]
            .iter()
            .map(|&g| {
                let group = &p.groups[g as usize];
                let seat0 = group.seats[0] as usize;
                let free = p.pool[group.queue as usize]
                    .iter()
                    .filter(|&&a| self.row(a as usize)[d] == NONE && p.eligible(a as usize, seat0))
                    .count();
                (free as f64 / group.seats.len() as f64, g)
            })
            .collect();
        order.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        order.into_iter().map(|(_, g)| g).collect()
    }
    /// Give each (agent, seat) pair of `pairs` its seat where the seat is free, the agent works
    /// no other seat that day, may take it and breaks no rule with it; the others are skipped.
    fn take(&mut self, pairs: &[(u32, u32)]) {
        for &(a, seat) in pairs {
            let (ai, d) = (a as usize, self.p.seats[seat as usize].day as usize);
            if self.holder[seat as usize] != NONE
                || self.row(ai)[d] != NONE
                || !self.p.eligible(ai, seat as usize)
            {
                continue;
            }
            if let Some(eval) = self.trial(ai, &[(d, seat)]) {
                self.apply(ai, &[(d, seat)], eval);
            }
        }
    }

    /// Chronological greedy: day by day, scarcest seat groups first, each seat to the agent whose
    /// contract minimum is most at risk (fewest remaining days to reach it), whose hours left per
    /// day left fit the seat's length best ([`FIT_WEIGHT`]), then the cheapest.
    fn construct(&mut self) {
        let p = self.p;
        let queue_mean: Vec<f64> = (0..p.queues.len())
            .map(|q| {
                let (n, sum) = p
                    .seats
                    .iter()
                    .filter(|s| s.queue as usize == q)
                    .fold((0u64, 0u64), |(n, sum), s| (n + 1, sum + u64::from(s.paid_minutes)));
                sum as f64 / n.max(1) as f64
            })
            .collect();
        // Longest seat an agent could take: what a remaining free day can add at most.
        let mut queue_longest = vec![0u32; p.queues.len()];
        for s in &p.seats {
            queue_longest[s.queue as usize] = queue_longest[s.queue as usize].max(s.paid_minutes);
        }
        let longest: Vec<u32> = p
            .agents
            .iter()
            .map(|a| {
                (0..p.queues.len())
                    .filter(|&q| a.skills[q])
                    .map(|q| queue_longest[q])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let typical: Vec<f64> = p
            .agents
            .iter()
            .map(|a| {
                let means: Vec<f64> =
                    (0..p.queues.len()).filter(|&q| a.skills[q]).map(|q| queue_mean[q]).collect();
                if means.is_empty() {
                    480.0
                } else {
                    means.iter().sum::<f64>() / means.len() as f64
                }
            })
            .collect();
        let max_rate = p.agents.iter().map(|a| a.rate_per_minute).fold(0.0, f64::max);
        let max_paid = p.seats.iter().map(|s| s.paid_minutes).max().unwrap_or(0);
        // Urgency outranks cost: one unit of urgency is worth ten of the dearest shifts.
        let urgency_weight = 10.0 * (max_rate * f64::from(max_paid)).max(1.0);
        for d in 0..p.days {
            for g in self.scarcest_first(d) {
                let group = &p.groups[g as usize];
                let seat0 = group.seats[0];
                let week = d / 7;
                let state = &*self;
                let mut candidates: Vec<(f64, u32, Eval)> = p.pool[group.queue as usize]
                    .par_iter()
                    .filter_map(|&a| {
                        let ai = a as usize;
                        let row = state.row(ai);
                        if row[d] != NONE || !p.eligible(ai, seat0 as usize) {
                            return None;
                        }
                        let eval = state.trial(ai, &[(d, seat0)])?;
                        let rule = &p.agents[ai];
                        let week_days = week * 7..week * 7 + 7;
                        let minutes: u32 = week_days
                            .clone()
                            .filter(|&x| row[x] != NONE)
                            .map(|x| p.seats[row[x] as usize].paid_minutes)
                            .sum();
                        let worked = week_days.clone().filter(|&x| row[x] != NONE).count() as u32;
                        let need = rule.min_minutes_week[week].saturating_sub(minutes);
                        let open_days = (d..week * 7 + 7)
                            .filter(|&x| row[x] == NONE && !rule.unavailable[x])
                            .count() as u32;
                        let capacity_days =
                            open_days.min(rule.max_days_week.saturating_sub(worked));
                        let urgency = if need == 0 || capacity_days == 0 {
                            0.0
                        } else {
                            ((f64::from(need) / typical[ai]).ceil() / f64::from(capacity_days))
                                .min(2.0)
                        };
                        // Shortfall that becomes unavoidable: hours so far plus this seat plus the
                        // longest seat on every remaining usable day, against taking nothing today.
                        let paid = p.seats[seat0 as usize].paid_minutes;
                        let later_days = open_days.saturating_sub(1);
                        let reach_with = minutes
                            + paid
                            + later_days.min(rule.max_days_week.saturating_sub(worked + 1))
                                * longest[ai];
                        let reach_without = minutes + capacity_days * longest[ai];
                        let forced =
                            f64::from(rule.min_minutes_week[week].saturating_sub(reach_with))
                                - f64::from(
                                    rule.min_minutes_week[week].saturating_sub(reach_without),
                                );
                        // Fit: the week's hours left per day left (at most the longest seat the
                        // agent could take). A seat much shorter than that
                        // spends a day the agent's hours could have filled (a full-timer on a
                        // 4-hour seat); a much longer one spends hours its days could have
                        // stretched over (a part-timer on an 8-hour seat, who then sits out days
                        // at its hours cap while short seats stay empty).
                        let per_day = (f64::from(rule.max_minutes_week.saturating_sub(minutes))
                            / f64::from(capacity_days.max(1)))
                        .min(f64::from(longest[ai]));
                        let misfit = (f64::from(paid) - per_day).abs();
                        let old = &state.evals[ai];
                        let score = (eval.labour - old.labour) + (eval.soft - old.soft)
                            - urgency_weight * urgency
                            + p.shortfall_per_minute * forced
                            + FIT_WEIGHT * max_rate * misfit;
                        Some((score, a, eval))
                    })
                    .collect();
                let empty: Vec<u32> = group
                    .seats
                    .iter()
                    .copied()
                    .filter(|&seat| self.holder[seat as usize] == NONE)
                    .collect();
                let take = empty.len().min(candidates.len());
                if take == 0 {
                    continue;
                }
                let by_score = |x: &(f64, u32, Eval), y: &(f64, u32, Eval)| {
                    x.0.total_cmp(&y.0).then(x.1.cmp(&y.1))
                };
                if take < candidates.len() {
                    candidates.select_nth_unstable_by(take - 1, by_score);
                    candidates.truncate(take);
                }
                candidates.sort_by(by_score);
                for (i, (_, a, _)) in candidates.into_iter().enumerate() {
                    let seat = empty[i];
                    // Same times and length as seat0, so this re-evaluation always succeeds.
                    if let Some(eval) = self.trial(a as usize, &[(d, seat)]) {
                        self.apply(a as usize, &[(d, seat)], eval);
                    }
                }
            }
        }
    }

    /// Fill empty seats: first directly, then by an augmenting path ([`State::augment`]).
    /// `budget` caps evaluations.
    fn repair(&mut self, budget: &mut u64) {
        let p = self.p;
        // Dearest empty seats first, the longest of a fill priority (an augmenting path may fill
        // one by emptying a cheaper one); passes repeat while the search's objective (empty seats
        // weighted by their fill priority) falls, since a path can empty a seat already visited.
        let mut order: Vec<u32> = (0..p.seats.len() as u32).collect();
        order.sort_by(|&a, &b| {
            self.unfilled_cost(b).total_cmp(&self.unfilled_cost(a)).then(a.cmp(&b))
        });
        // Per group: the `version` at which one of its seats was last found hopeless.
        let mut hopeless = vec![u64::MAX; p.groups.len()];
        for _pass in 0..REPAIR_PASSES {
            let before = self.search_objective();
            self.repair_pass(&order, &mut hopeless, budget);
            if self.search_objective() >= before - EPS || *budget == 0 {
                break;
            }
        }
    }

    /// The reported cost with each empty seat weighted by its fill priority
    /// ([`super::model::Seat::unfilled_weight`]): the figure the search lowers.
    fn search_objective(&self) -> f64 {
        let cost = self.cost();
        let weighted_empty: f64 = (0..self.p.seats.len() as u32)
            .filter(|&s| self.holder[s as usize] == NONE)
            .map(|s| self.unfilled_cost(s))
            .sum();
        cost.total - cost.unfilled + weighted_empty
    }

    /// One pass over the empty seats in `order`. A seat of a group found `hopeless` with no
    /// change since (`version`) is skipped: its search would retrace the same one.
    fn repair_pass(&mut self, order: &[u32], hopeless: &mut [u64], budget: &mut u64) {
        let p = self.p;
        for &seat in order {
            let group = p.seats[seat as usize].group as usize;
            if self.holder[seat as usize] != NONE || *budget == 0 || hopeless[group] == self.version
            {
                continue;
            }
            let s = &p.seats[seat as usize];
            let d = s.day as usize;
            let pool = &p.pool[s.queue as usize];
            let mut best: Option<(f64, u32, Eval)> = None;
            for &a in pool {
                let ai = a as usize;
                if self.row(ai)[d] != NONE || !p.eligible(ai, seat as usize) {
                    continue;
                }
                *budget = budget.saturating_sub(1);
                if let Some(e) = self.trial(ai, &[(d, seat)]) {
                    let delta = p.objective(&e) - self.objs[ai];
                    if best.as_ref().is_none_or(|b| delta < b.0) {
                        best = Some((delta, a, e));
                    }
                }
            }
            if let Some((_, a, e)) = best {
                self.apply(a as usize, &[(d, seat)], e);
                continue;
            }
            // A hopeless seat must not use up the budget of the others.
            let mut local = (*budget).min(AUGMENT_BUDGET);
            let before = local;
            if !self.augment(seat, &mut local) {
                hopeless[group] = self.version;
            }
            *budget -= before - local;
        }
    }

    /// Fill the empty `seat` by a shortest augmenting path (an ejection chain up to
    /// [`CHAIN_DEPTH`] agents deep), found breadth-first: agent a1 takes the seat and gives up
    /// one of its shifts Y1 within a week of it (the day that frees a day-per-week, hours or rest
    /// budget), agent a2 takes Y1 and gives up Y2, ..., and the last agent takes the seat it is
    /// handed without giving anything up. Every step is checked against all hard rules of the
    /// agent that makes it (the agents of one path are distinct, so the checks are independent),
    /// and a path is applied only when it lowers the objective, unfilled cost included. Returns
    /// whether the seat was filled.
    fn augment(&mut self, seat: u32, budget: &mut u64) -> bool {
        struct Node {
            /// Seat the next agent must take.
            seat: u32,
            /// Agent that took the parent's seat and gave up `seat`, with its row changes.
            agent: u32,
            changes: [(usize, u32); 2],
            n_changes: usize,
            eval: Eval,
            parent: usize,
            depth: usize,
            /// Objective change of the path so far (the unfilled seat's cost included).
            delta: f64,
        }
        let p = self.p;
        let mut nodes = vec![Node {
            seat,
            agent: NONE,
            changes: [(0, NONE); 2],
            n_changes: 0,
            eval: Eval::default(),
            parent: usize::MAX,
            depth: 0,
            delta: -self.unfilled_cost(seat),
        }];
        let mut seen = vec![false; p.seats.len()];
        seen[seat as usize] = true;
        // Best path that ends by leaving a shorter seat empty instead (node, objective change).
        let mut best_partial: Option<(usize, f64)> = None;
        let mut next = 0;
        while next < nodes.len() {
            let at = next;
            next += 1;
            let x = nodes[at].seat;
            let sx = &p.seats[x as usize];
            let dx = sx.day as usize;
            let on_path = |nodes: &[Node], a: u32| {
                let mut i = at;
                while i != 0 {
                    if nodes[i].agent == a {
                        return true;
                    }
                    i = nodes[i].parent;
                }
                false
            };
            // Terminal step: a free agent takes `x` outright (cheapest such agent).
            let mut best: Option<(f64, u32, Eval)> = None;
            for &a in &p.pool[sx.queue as usize] {
                let ai = a as usize;
                if self.row(ai)[dx] != NONE
                    || !p.eligible(ai, x as usize)
                    || on_path(&nodes, a)
                    || *budget == 0
                {
                    continue;
                }
                *budget -= 1;
                if let Some(e) = self.trial(ai, &[(dx, x)]) {
                    let delta = p.objective(&e) - self.objs[ai];
                    if best.as_ref().is_none_or(|b| delta < b.0) {
                        best = Some((delta, a, e));
                    }
                }
            }
            if let Some((delta, a, e)) = best {
                if nodes[at].delta + delta < -EPS {
                    self.apply(a as usize, &[(dx, x)], e);
                    self.apply_path(&nodes, at, |n| {
                        (n.agent, n.changes, n.n_changes, n.eval, n.parent)
                    });
                    return true;
                }
            }
            if nodes[at].depth + 1 >= CHAIN_DEPTH || *budget == 0 {
                continue;
            }
            // Expansion: an agent takes `x` and gives up another of its shifts.
            let lo = dx.saturating_sub(7);
            let hi = (dx + 8).min(p.days);
            for &a in &p.pool[sx.queue as usize] {
                let ai = a as usize;
                if !p.eligible(ai, x as usize) || on_path(&nodes, a) {
                    continue;
                }
                let busy_today = self.row(ai)[dx] != NONE;
                for d2 in lo..hi {
                    let y = self.row(ai)[d2];
                    // One shift per day: if `a` works day dx, only that shift can make room.
                    if y == NONE || seen[y as usize] || (busy_today && d2 != dx) {
                        continue;
                    }
                    if *budget == 0 {
                        return false;
                    }
                    *budget -= 1;
                    let changes =
                        if d2 == dx { [(dx, x), (0, NONE)] } else { [(dx, x), (d2, NONE)] };
                    let n_changes = if d2 == dx { 1 } else { 2 };
                    let Some(e) = self.trial(ai, &changes[..n_changes]) else { continue };
                    seen[y as usize] = true;
                    let delta = nodes[at].delta + p.objective(&e) - self.objs[ai];
                    let depth = nodes[at].depth + 1;
                    let end_delta = delta + self.unfilled_cost(y);
                    if end_delta < -EPS && best_partial.is_none_or(|b| end_delta < b.1) {
                        best_partial = Some((nodes.len(), end_delta));
                    }
                    nodes.push(Node {
                        seat: y,
                        agent: a,
                        changes,
                        n_changes,
                        eval: e,
                        parent: at,
                        depth,
                        delta,
                    });
                }
            }
        }
        if let Some((at, _)) = best_partial {
            self.apply_path(&nodes, at, |n| (n.agent, n.changes, n.n_changes, n.eval, n.parent));
            return true;
        }
        false
    }

    /// Apply the steps of an augmenting path from node `at` back to the root (node 0).
    fn apply_path<N>(
        &mut self,
        nodes: &[N],
        at: usize,
        step: impl Fn(&N) -> (u32, [(usize, u32); 2], usize, Eval, usize),
    ) {
        let mut i = at;
        while i != 0 {
            let (agent, changes, n_changes, eval, parent) = step(&nodes[i]);
            self.apply(agent as usize, &changes[..n_changes], eval);
            i = parent;
        }
    }

    /// Seeded local search; returns why it stopped and the iterations run.
    fn improve(&mut self, options: &RosterOptions, started: Instant) -> (StopReason, u64) {
        let p = self.p;
        let n_seats = p.seats.len() as u64;
        if n_seats == 0 || p.agents.len() < 2 {
            return (StopReason::Stalled, 0);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let budget = u64::from(options.iterations_per_seat) * n_seats;
        let stall_limit = (10 * n_seats).max(200_000);
        let mut unfilled: Vec<u32> =
            (0..n_seats as u32).filter(|&s| self.holder[s as usize] == NONE).collect();
        let mut short: Vec<u32> = Vec::new();
        let mut last_gain = 0u64;
        let mut iter = 0u64;
        loop {
            if iter >= budget {
                return (StopReason::IterationBudget, iter);
            }
            if iter - last_gain > stall_limit {
                return (StopReason::Stalled, iter);
            }
            if iter % 4096 == 0 && started.elapsed().as_secs_f64() > options.time_limit_seconds {
                return (StopReason::TimeLimit, iter);
            }
            if iter % (4 * n_seats).max(50_000) == 0 {
                short = (0..p.agents.len() as u32)
                    .filter(|&a| self.evals[a as usize].shortfall_minutes > 0)
                    .collect();
                unfilled.retain(|&s| self.holder[s as usize] == NONE);
            }
            iter += 1;
            let pick = rng.random_range(0..10u32);
            let gained = if pick < 2 && !unfilled.is_empty() {
                let seat = unfilled[rng.random_range(0..unfilled.len())];
                self.try_move(seat, None, &mut rng)
            } else if pick < 4 && !short.is_empty() {
                let a = short[rng.random_range(0..short.len())];
                self.try_shortfall(a as usize, &mut rng)
            } else if pick < 7 {
                let seat = rng.random_range(0..n_seats as u32);
                self.try_exchange(seat, &mut rng)
            } else {
                let seat = rng.random_range(0..n_seats as u32);
                self.try_move(seat, None, &mut rng)
            };
            if gained {
                last_gain = iter;
            }
        }
    }

    /// Give `seat` to another agent `b` (random from the queue's pool unless given); if `b`
    /// works that day, swap their seats. Applies the move when it does not worsen the
    /// objective; returns whether it strictly improved it.
    fn try_move(&mut self, seat: u32, to: Option<u32>, rng: &mut ChaCha8Rng) -> bool {
        let p = self.p;
        let s = &p.seats[seat as usize];
        let d = s.day as usize;
        let pool = &p.pool[s.queue as usize];
        if pool.is_empty() {
            return false;
        }
        let b = to.unwrap_or_else(|| pool[rng.random_range(0..pool.len())]);
        let a = self.holder[seat as usize];
        let bi = b as usize;
        if a == b || !p.eligible(bi, seat as usize) {
            return false;
        }
        let t = self.row(bi)[d];
        if a == NONE {
            if t != NONE {
                return false;
            }
            let Some(eb) = self.trial(bi, &[(d, seat)]) else { return false };
            let delta = p.objective(&eb) - self.objs[bi] - self.unfilled_cost(seat);
            if delta < -EPS || (!self.strict && delta <= EPS) {
                self.apply(bi, &[(d, seat)], eb);
                return delta < -EPS;
            }
            return false;
        }
        let ai = a as usize;
        let a_change = if t == NONE {
            (d, NONE)
        } else {
            if !p.eligible(ai, t as usize) {
                return false;
            }
            (d, t)
        };
        let Some(ea) = self.trial(ai, &[a_change]) else { return false };
        let Some(eb) = self.trial(bi, &[(d, seat)]) else { return false };
        let delta = p.objective(&ea) - self.objs[ai] + p.objective(&eb) - self.objs[bi];
        if delta < -EPS || (!self.strict && delta <= EPS) {
            // b first: apply() clears the holder of the seat a row drops only if it still
            // points at that row's agent.
            self.apply(bi, &[(d, seat)], eb);
            self.apply(ai, &[a_change], ea);
            return delta < -EPS;
        }
        false
    }

    /// Exchange across days: `a` (holding `seat` on day d1) and `b` (holding `t` on day d2 of
    /// the same week, free on d1) trade, `a` being free on d2.
    fn try_exchange(&mut self, seat: u32, rng: &mut ChaCha8Rng) -> bool {
        let p = self.p;
        let a = self.holder[seat as usize];
        if a == NONE {
            return false;
        }
        let s = &p.seats[seat as usize];
        let d1 = s.day as usize;
        let pool = &p.pool[s.queue as usize];
        let b = pool[rng.random_range(0..pool.len())];
        let (ai, bi) = (a as usize, b as usize);
        if a == b || self.row(bi)[d1] != NONE || !p.eligible(bi, seat as usize) {
            return false;
        }
        let week = s.week as usize;
        let d2 = week * 7 + rng.random_range(0..7usize);
        if d2 == d1 || d2 >= p.days {
            return false;
        }
        let t = self.row(bi)[d2];
        if t == NONE || self.row(ai)[d2] != NONE || !p.eligible(ai, t as usize) {
            return false;
        }
        let a_changes = [(d1, NONE), (d2, t)];
        let b_changes = [(d2, NONE), (d1, seat)];
        let Some(ea) = self.trial(ai, &a_changes) else { return false };
        let Some(eb) = self.trial(bi, &b_changes) else { return false };
        let delta = p.objective(&ea) - self.objs[ai] + p.objective(&eb) - self.objs[bi];
        if delta < -EPS || (!self.strict && delta <= EPS) {
            self.apply(ai, &a_changes, ea);
            self.apply(bi, &b_changes, eb);
            return delta < -EPS;
        }
        false
    }

    /// Agent `a` is below a contract minimum: on a free day of a week it is short in, take a
    /// seat from whoever holds it; on a working day of that week, swap its shift for a longer
    /// one of the same day. (A day drawn from the whole horizon would land in another week
    /// three times in four on a 4-week plan, where an extra shift cannot help: the 4-week
    /// sample plan ended with one agent 2 hours short that way.)
    fn try_shortfall(&mut self, a: usize, rng: &mut ChaCha8Rng) -> bool {
        let p = self.p;
        if self.evals[a].shortfall_minutes == 0 {
            return false;
        }
        let row = self.row(a);
        let short_weeks: Vec<usize> = (0..p.weeks)
            .filter(|&w| {
                let minutes: u32 = (w * 7..(w * 7 + 7).min(p.days))
                    .filter(|&d| row[d] != NONE)
                    .map(|d| p.seats[row[d] as usize].paid_minutes)
                    .sum();
                minutes < p.agents[a].min_minutes_week[w]
            })
            .collect();
        if short_weeks.is_empty() {
            return false;
        }
        let w = short_weeks[rng.random_range(0..short_weeks.len())];
        let d = rng.random_range(w * 7..(w * 7 + 7).min(p.days));
        if p.agents[a].unavailable[d] || p.groups_by_day[d].is_empty() {
            return false;
        }
        let groups = &p.groups_by_day[d];
        let g = &p.groups[groups[rng.random_range(0..groups.len())] as usize];
        if !p.agents[a].skills[g.queue as usize] {
            return false;
        }
        let seat = g.seats[rng.random_range(0..g.seats.len())];
        let own = self.row(a)[d];
        if own == NONE {
            return self.try_move(seat, Some(a as u32), rng);
        }
        let holder = self.holder[seat as usize];
        if holder == NONE
            || holder == a as u32
            || p.seats[seat as usize].paid_minutes <= p.seats[own as usize].paid_minutes
        {
            return false;
        }
        // `holder` takes a's shift and a takes the longer one.
        self.try_move(own, Some(holder), rng)
    }

    fn cost(&self) -> CostBreakdown {
        let p = self.p;
        let labour: f64 = self.evals.iter().map(|e| e.labour).sum();
        let shortfall: u64 = self.evals.iter().map(|e| u64::from(e.shortfall_minutes)).sum();
        let soft_penalty: f64 = self.evals.iter().map(|e| e.soft).sum();
        let unfilled_minutes: u64 = self
            .holder
            .iter()
            .zip(&p.seats)
            .filter(|(h, _)| **h == NONE)
            .map(|(_, s)| u64::from(s.paid_minutes))
            .sum();
        let unfilled = p.unfilled_per_minute * unfilled_minutes as f64;
        let min_hours_shortfall = p.shortfall_per_minute * shortfall as f64;
        CostBreakdown {
            labour,
            unfilled,
            min_hours_shortfall,
            total: labour + unfilled + min_hours_shortfall,
            soft_penalty,
        }
    }
}

/// The (agent, seat) pairs of `pairs` placed one by one where the agent is free that day, may
/// take the seat and breaks no rule with it; nothing else is filled, moved or emptied
/// ([`super::evaluate`]).
pub(crate) fn place(p: &Problem, pairs: &[(u32, u32)]) -> Outcome {
    let mut state = State::new(p);
    state.strict = true;
    state.take(pairs);
    let cost = state.cost();
    Outcome {
        holder: state.holder,
        plan: state.plan,
        cost,
        stop_reason: StopReason::Given,
        iterations: 0,
    }
}

/// Construct, repair, improve, repair again. The construction starts from the (agent, seat)
/// pairs of `start` whose agent is free that day and breaks no rule with it (a previous
/// roster's assignments, [`super::solve_from`]); the local search then takes only moves that
/// lower the objective, so the roster stays near the one it started from.
pub(crate) fn run(
    p: &Problem,
    options: &RosterOptions,
    started: Instant,
    start: &[(u32, u32)],
) -> Outcome {
    let mut state = State::new(p);
    state.strict = !start.is_empty();
    state.take(start);
    state.construct();
    let repair_budget =
        (REPAIR_BUDGET_PER_SEAT * p.seats.len() as u64).clamp(REPAIR_BUDGET_MIN, REPAIR_BUDGET_MAX);
    let mut budget = repair_budget;
    state.repair(&mut budget);
    let (stop_reason, iterations) = state.improve(options, started);
    let mut budget = repair_budget;
    state.repair(&mut budget);
    let cost = state.cost();
    Outcome { holder: state.holder, plan: state.plan, cost, stop_reason, iterations }
}
