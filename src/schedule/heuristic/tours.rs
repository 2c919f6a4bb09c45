//! A deterministic incumbent for weekly tours (cost mode). The LP's agents per days-off
//! pattern are rounded to whole agents (each contract's total to the nearest integer, by
//! largest fractional part), which fixes how many of each contract's agents work each day.
//! Each (contract, day) then gets exactly that many shifts: the LP's shift columns rounded
//! down with each shift's breaks where they hurt least, then fractions in decreasing order,
//! then the shift that lowers the objective most. A contract's average weekly paid minutes are
//! brought inside its bounds by changing shift lengths (same start or end) where that costs
//! least. Last, moving one agent to another days-off pattern (of any contract), adding one or
//! taking one away is tried while it lowers the objective; then annealing ([`super::anneal`])
//! and fix-and-optimize windows ([`super::polish_windows`]) re-time and re-break shifts with
//! each (contract, day) count and the contracts' paid minutes kept, and the agent moves are
//! tried again. No clock (move budgets, node budgets, a fixed seed): the same model gives the
//! same schedule.

use super::{
    anneal, build_units, point_values, polish_windows, slot_prices, ShiftKey, SlotCost, UnitSet,
    WINDOW_MINUTES,
};
use crate::schedule::config::ContractConfig;
use crate::schedule::mip::is_feasible;
use crate::schedule::model::{Pattern, QueueModel};

/// Bounds on a contract's total paid minutes (infinite when unbounded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PaidBounds {
    pub(super) lo: f64,
    pub(super) hi: f64,
}

impl PaidBounds {
    /// Whether `paid` minutes are within the bounds (to 1e-6).
    pub(super) fn contain(&self, paid: f64) -> bool {
        paid >= self.lo - 1e-6 && paid <= self.hi + 1e-6
    }
}

/// What the windows keep with weekly tours: the number of shifts of each (contract, day) group
/// (the contract's agents working that day), and each contract's paid minutes within bounds.
pub(super) struct TourRules {
    /// Group of each unit.
    pub(super) group: Vec<usize>,
    /// Contract of each unit.
    pub(super) contract: Vec<usize>,
    /// Paid minutes of each unit.
    pub(super) paid: Vec<f64>,
    /// Per contract, the bounds on its units' total paid minutes (its agents times the weekly
    /// bounds; infinite when unbounded).
    pub(super) paid_bounds: Vec<PaidBounds>,
}

impl TourRules {
    /// Each contract's total paid minutes at unit counts `x`.
    pub(super) fn paid_totals(&self, x: &[u32]) -> Vec<f64> {
        let mut totals = vec![0.0; self.paid_bounds.len()];
        for (u, &n) in x.iter().enumerate() {
            totals[self.contract[u]] += self.paid[u] * f64::from(n);
        }
        totals
    }
}

/// The point near `lp` described above, or `None` when the model is outside its reach (no
/// patterns, break columns without a shift start, hard coverage that rounding cannot meet)
/// or the point breaks a hard rule.
#[allow(clippy::too_many_arguments)]
pub fn round_tours(
    model: &QueueModel,
    patterns: &[Pattern],
    contracts: &[ContractConfig],
    lp: &[f64],
    mip_gap: f64,
) -> Option<Vec<f64>> {
    let QueueModel { queue: q, mip: m, cols, types, .. } = model;
    if cols.z.is_empty()
        || cols.z.len() != patterns.len()
        || cols.over.iter().any(Option::is_none)
        || cols.breaks.iter().any(|b| b.shift_start.is_none())
    {
        return None;
    }
    let days = q.dates.len();
    let set = build_units(model, lp)?;
    let n_units = set.units.len();
    let contract: Vec<usize> =
        set.unit_type.iter().map(|&s| types[s].contract).collect::<Option<Vec<_>>>()?;
    let group: Vec<usize> =
        (0..n_units).map(|i| contract[i] * days + types[set.unit_type[i]].day).collect();
    let n_groups = contracts.len() * days;
    let prices = slot_prices(m, cols);
    let slots = SlotCost::of(q, &prices);

    // Whole agents per pattern: each contract's LP total to the nearest integer (at most its
    // `max_agents`), the patterns' LP values rounded down, then up by largest fraction.
    let mut z = vec![0u32; patterns.len()];
    for (ci, c) in contracts.iter().enumerate() {
        let mine: Vec<usize> =
            (0..patterns.len()).filter(|&p| patterns[p].contract == ci).collect();
        let value = |p: usize| lp[cols.z[p]].max(0.0);
        let total: f64 = mine.iter().map(|&p| value(p)).sum();
        let mut agents = (total - 1e-9).round().max(0.0) as u32;
        if let Some(max) = c.max_agents {
            agents = agents.min(max);
        }
        for &p in &mine {
            z[p] = (value(p) + 1e-9).floor() as u32;
        }
        let frac = |p: usize| value(p) - (value(p) + 1e-9).floor();
        let mut order: Vec<usize> = mine.iter().copied().filter(|&p| frac(p) > 1e-6).collect();
        order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
        let have: u32 = mine.iter().map(|&p| z[p]).sum();
        for &p in order.iter().take(agents.saturating_sub(have) as usize) {
            z[p] += 1;
        }
    }
    let mut need = vec![0u32; n_groups];
    for (p, pattern) in patterns.iter().enumerate() {
        for d in (0..days).filter(|&d| pattern.works[d]) {
            need[pattern.contract * days + d] += z[p];
        }
    }

    // Weekly paid minutes: each contract's agents times its bounds.
    let paid: Vec<f64> = set.unit_type.iter().map(|&s| f64::from(types[s].paid_minutes)).collect();
    let agents_of = |z: &[u32], ci: usize| -> f64 {
        patterns.iter().zip(z).filter(|(p, _)| p.contract == ci).map(|(_, &n)| f64::from(n)).sum()
    };
    let paid_bounds = |z: &[u32]| -> Vec<PaidBounds> {
        contracts
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let a = agents_of(z, ci);
                let lo = c.min_weekly_paid_minutes.map_or(f64::NEG_INFINITY, |v| f64::from(v) * a);
                let hi = c.max_weekly_paid_minutes.map_or(f64::INFINITY, |v| f64::from(v) * a);
                PaidBounds { lo, hi }
            })
            .collect()
    };
    let mut rules = TourRules { group, contract, paid, paid_bounds: paid_bounds(&z) };
    let mut tours = Tours::new(&set, &slots, &rules.group, n_groups);

    // Shifts per (contract, day): the LP's columns rounded down, then fractions, then the best.
    for group in &set.groups {
        let g = rules.group[group.units.start];
        for _ in 0..(group.lp_value + 1e-9).floor() as u64 {
            if tours.count[g] >= need[g] {
                break;
            }
            let (_, i) = tours.best_add(group.units.clone())?;
            tours.add(i);
        }
    }
    let frac = |k: usize| set.groups[k].lp_value - (set.groups[k].lp_value + 1e-9).floor();
    let mut order: Vec<usize> = (0..set.groups.len()).filter(|&k| frac(k) > 1e-6).collect();
    order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
    for k in order {
        let g = rules.group[set.groups[k].units.start];
        if tours.count[g] < need[g] {
            let (_, i) = tours.best_add(set.groups[k].units.clone())?;
            tours.add(i);
        }
    }
    for (g, &n) in need.iter().enumerate() {
        while tours.count[g] < n {
            let (_, i) = tours.best_add(tours.members[g].iter().copied())?;
            tours.add(i);
        }
    }

    tours.fit_paid_minutes(&rules)?;

    // Tour-level moves (an agent to another pattern of any contract, one more, one fewer), then
    // annealing and windows with each (contract, day) count and the paid minutes kept; again
    // while the re-timed shifts open agent moves that pay.
    let agent_cost: Vec<f64> = cols.z.iter().map(|&j| m.cols[j].cost).collect();
    let bound = m.objective_of(lp);
    let good_enough = if mip_gap < 1.0 { bound / (1.0 - mip_gap) } else { f64::INFINITY };
    let window = (WINDOW_MINUTES / q.interval_minutes.max(1)).max(2) as usize;
    for round in 0..TOUR_ROUNDS {
        let moved = tours.improve_patterns(patterns, days, &mut z, &agent_cost, contracts, &rules);
        if round > 0 && !moved {
            break;
        }
        rules.paid_bounds = paid_bounds(&z);
        let objective = tours.objective()
            + z.iter().zip(&agent_cost).map(|(&n, &c)| f64::from(n) * c).sum::<f64>();
        let room = good_enough.max(bound) - objective;
        if room >= 0.0 {
            break;
        }
        let Tours { x, cov, .. } = &mut tours;
        let scale = f64::from(q.interval_minutes) / 15.0;
        let gain = anneal(&set, &slots, x, cov, room, scale, Some(&rules));
        if gain > room + 1e-9 {
            polish_windows(&set, &slots, x, cov, window, room - gain, Some(&rules));
        }
    }

    let mut values = point_values(model, &set, &tours.x, &tours.cov);
    for (p, &n) in z.iter().enumerate() {
        values[cols.z[p]] = f64::from(n);
    }
    is_feasible(m, &values, false).then_some(values)
}

/// Units scanned by one call of the tour-level moves, per unit of the model: the bound on
/// their work when there are many days-off patterns. The one-week benchmark (14 patterns)
/// uses 87–500 per call; 2,000 lets about four times as many patterns search as far, and
/// bounds a call to about a second on the 2-core machine.
const PATTERN_SCANS: usize = 2_000;

/// Rounds of tour moves and windows at most.
const TOUR_ROUNDS: usize = 4;

/// Unit counts and coverage under construction, with the per-(contract, day) counts.
struct Tours<'a> {
    set: &'a UnitSet,
    slots: &'a SlotCost<'a>,
    group: &'a [usize],
    x: Vec<u32>,
    cov: Vec<u32>,
    count: Vec<u32>,
    /// The units of each (contract, day) group.
    members: Vec<Vec<usize>>,
}

impl<'a> Tours<'a> {
    fn new(set: &'a UnitSet, slots: &'a SlotCost<'a>, group: &'a [usize], n_groups: usize) -> Self {
        Tours {
            set,
            slots,
            group,
            x: vec![0; set.units.len()],
            cov: vec![0; slots.required.len()],
            count: vec![0; n_groups],
            members: {
                let mut members = vec![Vec::new(); n_groups];
                for (i, &g) in group.iter().enumerate() {
                    members[g].push(i);
                }
                members
            },
        }
    }

    /// Objective change of adding unit `i` ([`SlotCost::add_delta`]).
    fn add_delta(&self, i: usize) -> f64 {
        let unit = &self.set.units[i];
        self.slots.add_delta(&self.cov, &unit.covered, unit.cost)
    }

    /// Objective change of removing unit `i` (infinite below a floor).
    fn remove_delta(&self, i: usize) -> f64 {
        let unit = &self.set.units[i];
        // The slots' part first, then the cost: the summation order the tours benchmarks were
        // measured with.
        self.slots.remove_delta(&self.cov, &unit.covered, 0.0) - unit.cost
    }

    /// The unit among `units` whose addition lowers the objective most (ties: lowest index).
    fn best_add(&self, units: impl Iterator<Item = usize>) -> Option<(f64, usize)> {
        units
            .map(|i| (self.add_delta(i), i))
            .filter(|(d, _)| d.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    }

    /// The worked unit among `units` whose removal lowers the objective most.
    fn best_remove(&self, units: impl Iterator<Item = usize>) -> Option<(f64, usize)> {
        units
            .filter(|&i| self.x[i] > 0)
            .map(|i| (self.remove_delta(i), i))
            .filter(|(d, _)| d.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    }

    fn add(&mut self, i: usize) {
        self.x[i] += 1;
        self.count[self.group[i]] += 1;
        for &t in &self.set.units[i].covered {
            self.cov[t] += 1;
        }
    }

    fn remove(&mut self, i: usize) {
        self.x[i] -= 1;
        self.count[self.group[i]] -= 1;
        for &t in &self.set.units[i].covered {
            self.cov[t] -= 1;
        }
    }

    /// Paid hours and the slots' penalties (agents' own cost aside).
    fn objective(&self) -> f64 {
        let shifts: f64 =
            self.x.iter().zip(&self.set.units).map(|(&n, u)| f64::from(n) * u.cost).sum();
        shifts + (0..self.cov.len()).map(|t| self.slots.at(t, self.cov[t])).sum::<f64>()
    }

    /// Brings every contract's paid minutes inside its bounds by changing one shift's length
    /// at a time (same start or same end, same contract and day), cheapest change per minute
    /// first. `None` when no such change is left.
    fn fit_paid_minutes(&mut self, rules: &TourRules) -> Option<()> {
        for _ in 0..self.x.len().max(1) * 4 {
            let totals = rules.paid_totals(&self.x);
            let Some((ci, short)) = totals.iter().zip(&rules.paid_bounds).enumerate().find_map(
                |(ci, (&p, &PaidBounds { lo, hi }))| {
                    (p < lo - 1e-6).then_some((ci, true)).or((p > hi + 1e-6).then_some((ci, false)))
                },
            ) else {
                return Some(());
            };
            let mut best: Option<(f64, usize, usize)> = None;
            let set = self.set;
            let worked: Vec<usize> =
                (0..self.x.len()).filter(|&i| self.x[i] > 0 && rules.contract[i] == ci).collect();
            for i in worked {
                let ShiftKey { len, start } = set.keys[i];
                for &l in &set.lens {
                    for st in [start, (start + len).wrapping_sub(l)] {
                        let Some(list) = set.by_start.get(&ShiftKey { len: l, start: st }) else {
                            continue;
                        };
                        for &j in list.iter().filter(|&&j| rules.group[j] == rules.group[i]) {
                            let gain = rules.paid[j] - rules.paid[i];
                            if (short && gain <= 0.0) || (!short && gain >= 0.0) {
                                continue;
                            }
                            let removal = self.remove_delta(i);
                            self.remove(i);
                            let d = removal + self.add_delta(j);
                            self.add(i);
                            let per_minute = d / gain.abs();
                            if d.is_finite() && best.is_none_or(|(b, _, _)| per_minute < b) {
                                best = Some((per_minute, i, j));
                            }
                        }
                    }
                }
            }
            let (_, i, j) = best?;
            self.remove(i);
            self.add(j);
        }
        None
    }

    /// Tour-level local search: move one agent to another days-off pattern, of its contract or
    /// another (its cheapest-to-lose shifts on the days it stops working go, the best shifts
    /// on the days it starts are added), or add or take away one agent, while that lowers the
    /// objective and keeps the contracts' agents and paid minutes within bounds. Bounded by
    /// passes and [`PATTERN_SCANS`], no randomness. Whether any move was made.
    fn improve_patterns(
        &mut self,
        patterns: &[Pattern],
        days: usize,
        z: &mut [u32],
        agent_cost: &[f64],
        contracts: &[ContractConfig],
        rules: &TourRules,
    ) -> bool {
        let mut moved = false;
        let members = std::mem::take(&mut self.members);
        // Agents and paid minutes of a contract after the move, checked against its bounds.
        let agents_of = |z: &[u32], ci: usize| -> u32 {
            patterns.iter().zip(z).filter(|(p, _)| p.contract == ci).map(|(_, &k)| k).sum()
        };
        // Work budget: units scanned, a fixed multiple of the model's units (no clock).
        let budget = PATTERN_SCANS * self.x.len();
        let mut work = 0usize;
        'passes: for _pass in 0..20 {
            let mut improved = false;
            // Candidate moves: (pattern losing an agent, pattern gaining one), the two of any
            // contracts (a part-time agent can become a full-time one).
            let n = patterns.len();
            let mut moves: Vec<(Option<usize>, Option<usize>)> = Vec::new();
            for a in 0..n {
                moves.push((None, Some(a)));
                moves.push((Some(a), None));
                for b in (0..n).filter(|&b| b != a) {
                    moves.push((Some(a), Some(b)));
                }
            }
            for (from, to) in moves {
                if work > budget {
                    break 'passes;
                }
                if from.is_some_and(|p| z[p] == 0) {
                    continue;
                }
                let c_from = from.map(|p| patterns[p].contract);
                let c_to = to.map(|p| patterns[p].contract);
                if let Some(ct) = c_to.filter(|&ct| Some(ct) != c_from) {
                    if contracts[ct].max_agents.is_some_and(|m| agents_of(z, ct) >= m) {
                        continue;
                    }
                }
                let mut delta =
                    to.map_or(0.0, |p| agent_cost[p]) - from.map_or(0.0, |p| agent_cost[p]);
                let mut done: Vec<(bool, usize)> = Vec::new();
                let mut ok = true;
                for d in 0..days {
                    let leaves = from.is_some_and(|p| patterns[p].works[d]);
                    let joins = to.is_some_and(|p| patterns[p].works[d]);
                    if leaves && joins && c_from == c_to {
                        continue;
                    }
                    let mut steps: Vec<(bool, usize)> = Vec::new();
                    if let (true, Some(c)) = (leaves, c_from) {
                        steps.push((false, c * days + d));
                    }
                    if let (true, Some(c)) = (joins, c_to) {
                        steps.push((true, c * days + d));
                    }
                    for (adding, g) in steps {
                        work += members[g].len();
                        let units = members[g].iter().copied();
                        let best =
                            if adding { self.best_add(units) } else { self.best_remove(units) };
                        let Some((dd, i)) = best else {
                            ok = false;
                            break;
                        };
                        delta += dd;
                        if adding {
                            self.add(i);
                        } else {
                            self.remove(i);
                        }
                        done.push((adding, i));
                    }
                    if !ok {
                        break;
                    }
                }
                // The contracts' average paid minutes must stay within their bounds.
                if ok {
                    let totals = rules.paid_totals(&self.x);
                    for ci in [c_from, c_to].into_iter().flatten() {
                        let agents = f64::from(agents_of(z, ci))
                            + if c_to == Some(ci) { 1.0 } else { 0.0 }
                            - if c_from == Some(ci) { 1.0 } else { 0.0 };
                        let c = &contracts[ci];
                        ok &= c
                            .min_weekly_paid_minutes
                            .is_none_or(|v| totals[ci] >= f64::from(v) * agents - 1e-6)
                            && c.max_weekly_paid_minutes
                                .is_none_or(|v| totals[ci] <= f64::from(v) * agents + 1e-6);
                    }
                }
                if ok && delta < -1e-9 {
                    if let Some(p) = from {
                        z[p] -= 1;
                    }
                    if let Some(p) = to {
                        z[p] += 1;
                    }
                    improved = true;
                } else {
                    for &(added, i) in done.iter().rev() {
                        if added {
                            self.remove(i);
                        } else {
                            self.add(i);
                        }
                    }
                }
            }
            if !improved {
                break;
            }
            moved = true;
        }
        self.members = members;
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{tour_model_of, weekday_demand};
    use super::*;

    #[test]
    fn paid_minutes_are_brought_within_the_contract_bounds() {
        // Weekdays need 2 agents 09:00-13:00 and 1 agent 13:00-17:00. Two agents on 4-hour
        // shifts at 09:00, Monday to Friday, are paid 2,400 minutes; the contract asks for
        // exactly 2,400 a week each, 4,800 in all, so every shift must become 8 hours, and
        // lengthening keeps the start or the end, so 09:00-13:00 stays covered twice.
        let required = weekday_demand();
        let schedule =
            "shift_lengths_minutes = [240, 480]\n[[schedule.contracts]]\nname = \"staff\"\n\
            shift_lengths_minutes = [240, 480]\ndays_per_week = 5\nmin_weekly_paid_minutes = 2400\n\
            max_weekly_paid_minutes = 2400\n";
        let (model, _, _) = tour_model_of(&required, schedule);
        let QueueModel { queue: q, mip: m, cols, types, .. } = &model;
        let set = build_units(&model, &vec![0.0; m.cols.len()]).unwrap();
        let prices = slot_prices(m, cols);
        let slots = SlotCost::of(q, &prices);
        let n = set.units.len();
        let group: Vec<usize> = set.unit_type.iter().map(|&s| types[s].day).collect();
        let mut tours = Tours::new(&set, &slots, &group, 7);
        for d in 0..5 {
            let i = (0..n)
                .find(|&i| {
                    let t = &types[set.unit_type[i]];
                    t.start_slot == d * 24 + 9 && t.len_slots == 4
                })
                .unwrap();
            tours.add(i);
            tours.add(i);
        }
        let paid = set.unit_type.iter().map(|&s| f64::from(types[s].paid_minutes)).collect();
        let rules = TourRules {
            group: group.clone(),
            contract: vec![0; n],
            paid,
            paid_bounds: vec![PaidBounds { lo: 4800.0, hi: 4800.0 }],
        };
        assert_eq!(rules.paid_totals(&tours.x), vec![2400.0]);
        tours.fit_paid_minutes(&rules).expect("lengthening fits");
        assert_eq!(rules.paid_totals(&tours.x), vec![4800.0]);
        assert_eq!(tours.count, vec![2, 2, 2, 2, 2, 0, 0], "the same agents each day");
        for d in 0..5 {
            for h in 9..17 {
                let t = d * 24 + h;
                assert!(tours.cov[t] >= required[t], "day {d} {h}:00 covered");
            }
        }
    }
}
