//! Service-level mode's incumbent: rounding to the targets on the true curves, annealing, and
//! the top-up of a solved point whose true service level (or abandonment, under a cap) falls
//! short. Every scope is a contact-weighted mean of one measure per slot, so the service level
//! per day and the abandonment cap per day are handled alike.

use super::{build_units, ShiftKey, Unit, UnitSet};
use crate::schedule::mip::is_feasible;
use crate::schedule::model::{Columns, MeasureHulls, QueueData, QueueModel, SlScope};

/// What service-level mode asks of a schedule: each scope's contact-weighted measure (the
/// service level, or one minus the abandonment), read off the true curves, at or above its
/// target.
pub struct ServiceLevelGoal<'a> {
    /// `curves[k][t][n]`: measure `k`'s projected value in slot `t` with `n` agents scheduled
    /// (flat beyond the table's end); empty for slots without contacts.
    pub curves: &'a [Vec<Vec<f64>>],
    pub scopes: &'a [SlScope],
    /// Per measure, the concave hull segments of each slot (the model's measure columns).
    pub measures: &'a [MeasureHulls],
}

/// A slot's place in one scope: the scope, the slot's share of the scope's contacts, and the
/// slot's curve of the scope's measure.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScopeShare<'a> {
    pub(super) scope: usize,
    pub(super) share: f64,
    curve: &'a [f64],
}

impl ScopeShare<'_> {
    /// The measure with `n` agents (flat beyond the table's end).
    pub(super) fn at(&self, n: u32) -> f64 {
        self.curve.get(n as usize).or(self.curve.last()).copied().unwrap_or(0.0)
    }
}

/// Running contact-weighted sums of the scopes' measures under a coverage vector.
pub(super) struct ScopeLevels<'a> {
    pub(super) goal: &'a ServiceLevelGoal<'a>,
    pub(super) weight: Vec<f64>,
    /// The scopes of every slot (one per measure at most), slot by slot: slot `t`'s are
    /// `entries[first[t]..first[t + 1]]` (one flat table: this is the annealing's inner loop).
    first: Vec<usize>,
    entries: Vec<ScopeShare<'a>>,
    /// Σ share × measure per scope.
    pub(super) level: Vec<f64>,
}

impl<'a> ScopeLevels<'a> {
    pub(super) fn new(goal: &'a ServiceLevelGoal<'a>, contacts: &[f64], cov: &[u32]) -> Self {
        let mut per_slot: Vec<Vec<ScopeShare<'a>>> = vec![Vec::new(); cov.len()];
        let mut weight = vec![0.0; goal.scopes.len()];
        for (k, scope) in goal.scopes.iter().enumerate() {
            let total: f64 = scope.slots.iter().map(|&t| contacts[t]).sum();
            weight[k] = total;
            if total > 0.0 {
                for &t in &scope.slots {
                    let curve = goal.curves[scope.measure][t].as_slice();
                    if contacts[t] > 0.0 && !curve.is_empty() {
                        per_slot[t].push(ScopeShare {
                            scope: k,
                            share: contacts[t] / total,
                            curve,
                        });
                    }
                }
            }
        }
        let mut first = Vec::with_capacity(cov.len() + 1);
        first.push(0);
        let mut entries = Vec::new();
        for slot in per_slot {
            entries.extend(slot);
            first.push(entries.len());
        }
        let mut levels =
            ScopeLevels { goal, weight, first, entries, level: vec![0.0; goal.scopes.len()] };
        for (t, &n) in cov.iter().enumerate() {
            for k in levels.first[t]..levels.first[t + 1] {
                let e = levels.entries[k];
                levels.level[e.scope] += e.share * e.at(n);
            }
        }
        levels
    }

    /// The scopes slot `t` counts in.
    pub(super) fn scopes_of(&self, t: usize) -> &[ScopeShare<'a>] {
        &self.entries[self.first[t]..self.first[t + 1]]
    }

    pub(super) fn short(&self, k: usize) -> bool {
        self.weight[k] > 0.0 && self.level[k] < self.goal.scopes[k].target - 1e-12
    }

    pub(super) fn any_short(&self) -> bool {
        (0..self.level.len()).any(|k| self.short(k))
    }

    /// Gain in the short scopes' levels if every slot of `covered` gets one more agent.
    pub(super) fn gain(&self, cov: &[u32], covered: &[usize]) -> f64 {
        let mut gain = 0.0;
        for &t in covered {
            for e in self.scopes_of(t) {
                if self.short(e.scope) {
                    gain += e.share * (e.at(cov[t] + 1) - e.at(cov[t]));
                }
            }
        }
        gain
    }

    /// The scopes' total shortfall under their targets (`short` now) if the slots of `out`
    /// lose an agent and those of `add` gain one, without applying the change. Both lists are
    /// ascending; a slot in both keeps its agents. `touched` is scratch space.
    pub(super) fn shortfall_after(
        &self,
        cov: &[u32],
        out: &[usize],
        add: &[usize],
        short: f64,
        touched: &mut Vec<(usize, f64)>,
    ) -> f64 {
        touched.clear();
        let mut note = |t: usize, up: bool| {
            let n = cov[t];
            let m = if up { n + 1 } else { n - 1 };
            for e in self.scopes_of(t) {
                let d = e.share * (e.at(m) - e.at(n));
                match touched.iter_mut().find(|(k, _)| *k == e.scope) {
                    Some((_, sum)) => *sum += d,
                    None => touched.push((e.scope, d)),
                }
            }
        };
        let (mut i, mut j) = (0, 0);
        while i < out.len() || j < add.len() {
            match (out.get(i), add.get(j)) {
                (Some(&a), Some(&b)) if a == b => {
                    i += 1;
                    j += 1;
                }
                (Some(&a), Some(&b)) if a < b => {
                    note(a, false);
                    i += 1;
                }
                (Some(_), Some(&b)) => {
                    note(b, true);
                    j += 1;
                }
                (Some(&a), None) => {
                    note(a, false);
                    i += 1;
                }
                (None, Some(&b)) => {
                    note(b, true);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let mut after = short;
        for &(k, d) in touched.iter() {
            if self.weight[k] > 0.0 {
                let target = self.goal.scopes[k].target;
                after += (target - self.level[k] - d).max(0.0) - (target - self.level[k]).max(0.0);
            }
        }
        after
    }

    /// One more (`up`) or one fewer agent on every slot of `covered`.
    pub(super) fn shift(&mut self, cov: &mut [u32], covered: &[usize], up: bool) {
        for &t in covered {
            let n = cov[t];
            let m = if up { n + 1 } else { n - 1 };
            for k in self.first[t]..self.first[t + 1] {
                let e = self.entries[k];
                self.level[e.scope] += e.share * (e.at(m) - e.at(n));
            }
            cov[t] = m;
        }
    }
}

/// Service-level mode's incumbent: the cheapest of [`round_service_level_from`] with LP
/// fractions rounded up from 0.2, 0.35 and 0.5 (which is best depends on how the LP spreads
/// its shifts; tried on the sample's chat and voice queues, BENCHMARKS.md), then annealed
/// ([`anneal_service_level`]). Annealing the cheapest alone costs a third of annealing all
/// three and found the same or cheaper schedules on the sample's days (kept for that).
pub fn round_service_level(
    model: &QueueModel,
    lp: &[f64],
    goal: &ServiceLevelGoal<'_>,
) -> Option<Vec<f64>> {
    let QueueModel { queue: q, mip: m, cols, .. } = model;
    if !cols.z.is_empty() || cols.breaks.iter().any(|b| b.shift_start.is_none()) {
        return None;
    }
    let set = build_units(model, lp)?;
    let cost =
        |x: &[u32]| -> f64 { x.iter().zip(&set.units).map(|(&n, u)| f64::from(n) * u.cost).sum() };
    let SlPoint { mut x, mut cov } = [0.2, 0.35, 0.5]
        .into_iter()
        .filter_map(|up_from| round_service_level_from(model, &set, goal, up_from))
        .min_by(|a, b| cost(&a.x).total_cmp(&cost(&b.x)))?;
    let mut levels = ScopeLevels::new(goal, &q.contacts, &cov);
    anneal_service_level(&set, q, &mut levels, &mut x, &mut cov);
    let mut values = vec![0.0; m.cols.len()];
    set.add_counts(&x, &mut values);
    fill_service_level_columns(cols, goal, &cov, &mut values);
    is_feasible(m, &values, false).then_some(values)
}

/// Unit counts and the coverage they give.
pub(super) struct SlPoint {
    pub(super) x: Vec<u32>,
    pub(super) cov: Vec<u32>,
}

/// Round the LP's shift columns (fractions from `up_from` up, the rest down), restore the floors, add
/// the shift with the most service level per unit of cost until every scope reaches its target
/// on the true curves (not the hull), then drop shifts, most expensive first, and shorten
/// shifts (keeping their start or end) while every target and floor still holds. Deterministic
/// and bounded; `None` when no addition helps.
pub(super) fn round_service_level_from(
    model: &QueueModel,
    set: &UnitSet,
    goal: &ServiceLevelGoal<'_>,
    up_from: f64,
) -> Option<SlPoint> {
    let q = &model.queue;
    let units = &set.units;
    let t_len = q.slots.len();
    let mut x = vec![0u32; units.len()];
    let mut cov = vec![0u32; t_len];
    let fits = |cov: &[u32], covered: &[usize]| {
        covered.iter().all(|&t| q.cap[t].is_none_or(|cap| cov[t] < cap))
    };
    // Round; each shift takes the break starts that serve the thinnest coverage.
    for group in &set.groups {
        let value = group.lp_value;
        let n =
            if value - value.floor() >= up_from { value.ceil() } else { (value + 1e-9).floor() };
        for _ in 0..n as u64 {
            let best = group
                .units
                .clone()
                .filter(|&i| fits(&cov, &units[i].covered))
                .min_by_key(|&i| (units[i].covered.iter().map(|&t| cov[t]).sum::<u32>(), i));
            if let Some(i) = best {
                x[i] += 1;
                units[i].covered.iter().for_each(|&t| cov[t] += 1);
            }
        }
    }
    // Floors: the cheapest unit covering each short slot.
    for t in 0..t_len {
        while cov[t] < q.floor[t] {
            let i = set.covering[t]
                .iter()
                .copied()
                .filter(|&i| fits(&cov, &units[i].covered))
                .min_by(|&a, &b| units[a].cost.total_cmp(&units[b].cost).then(a.cmp(&b)))?;
            x[i] += 1;
            units[i].covered.iter().for_each(|&t| cov[t] += 1);
        }
    }
    let mut levels = ScopeLevels::new(goal, &q.contacts, &cov);
    add_until_targets(units, &mut levels, &mut x, &mut cov, &fits)?;
    // Drop and shorten while the targets and floors hold.
    let keeps = |levels: &ScopeLevels, cov: &[u32], covered: &[usize]| {
        covered.iter().all(|&t| cov[t] > q.floor[t]) && {
            let mut after = levels.level.clone();
            for &t in covered {
                for e in levels.scopes_of(t) {
                    after[e.scope] += e.share * (e.at(cov[t] - 1) - e.at(cov[t]));
                }
            }
            (0..after.len())
                .all(|k| levels.weight[k] <= 0.0 || after[k] >= goal.scopes[k].target - 1e-12)
        }
    };
    let mut by_cost: Vec<usize> = (0..units.len()).collect();
    by_cost.sort_by(|&a, &b| units[b].cost.total_cmp(&units[a].cost).then(a.cmp(&b)));
    for _pass in 0..10 {
        let mut changed = false;
        for &i in &by_cost {
            while x[i] > 0 && keeps(&levels, &cov, &units[i].covered) {
                x[i] -= 1;
                levels.shift(&mut cov, &units[i].covered, false);
                changed = true;
            }
        }
        // Shorten: replace a shift by a cheaper one with the same start or end, if the
        // targets still hold.
        for &i in &by_cost {
            if x[i] == 0 {
                continue;
            }
            let ShiftKey { len, start } = set.keys[i];
            let candidates = set.lens.iter().filter(|&&l| l < len).flat_map(|&l| {
                [ShiftKey { len: l, start }, ShiftKey { len: l, start: start + len - l }]
                    .into_iter()
                    .filter_map(|key| set.by_start.get(&key))
                    .flatten()
                    .copied()
            });
            let mut done = false;
            for j in candidates.collect::<Vec<_>>() {
                if done || units[j].cost >= units[i].cost {
                    continue;
                }
                levels.shift(&mut cov, &units[i].covered, false);
                let ok = fits(&cov, &units[j].covered) && {
                    levels.shift(&mut cov, &units[j].covered, true);
                    let ok = !levels.any_short()
                        && units[i].covered.iter().all(|&t| cov[t] >= q.floor[t]);
                    if !ok {
                        levels.shift(&mut cov, &units[j].covered, false);
                    }
                    ok
                };
                if ok {
                    x[i] -= 1;
                    x[j] += 1;
                    changed = true;
                    done = true;
                } else {
                    levels.shift(&mut cov, &units[i].covered, true);
                }
            }
        }
        if !changed {
            break;
        }
    }
    Some(SlPoint { x, cov })
}

/// Simulated annealing for service-level mode, from a point that meets every target: the same
/// moves as the cost-mode annealing (remove, add, slide the start up to 4 intervals, move a
/// break, change the length keeping start or end), on cost plus a penalty of 10⁵ per unit of
/// service level short of a target (over all scopes), priced at 0.2× at first rising to 1×.
/// Only points that meet every target and floor count as the best; fixed seed, a move budget
/// from the model's size, no clock.
pub(super) fn anneal_service_level(
    set: &UnitSet,
    q: &QueueData,
    levels: &mut ScopeLevels<'_>,
    x: &mut [u32],
    cov: &mut [u32],
) {
    use rand::{Rng, SeedableRng};
    const PENALTY: f64 = 1e5;
    let units = &set.units;
    let t_len = cov.len();
    if units.is_empty() || t_len == 0 {
        return;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5e4c_5c4e_d01e);
    let covering = &set.covering;
    let shortfall = |levels: &ScopeLevels| -> f64 {
        (0..levels.level.len())
            .filter(|&k| levels.weight[k] > 0.0)
            .map(|k| (levels.goal.scopes[k].target - levels.level[k]).max(0.0))
            .sum()
    };
    let can_remove = |cov: &[u32], i: usize| units[i].covered.iter().all(|&t| cov[t] > q.floor[t]);
    // A slot `removed` from in the same move has one agent fewer when the cap is checked.
    let can_add = |cov: &[u32], j: usize, removed: &[usize]| {
        units[j].covered.iter().all(|&t| {
            q.cap[t].is_none_or(|cap| cov[t] - u32::from(removed.binary_search(&t).is_ok()) < cap)
        })
    };
    let mut touched = Vec::new();
    let mut active: Vec<usize> =
        x.iter().enumerate().flat_map(|(i, &n)| std::iter::repeat_n(i, n as usize)).collect();
    // Tried on the sample's voice queue: 300 moves per column 1,946 h, 100 → 1,948 h; starting
    // temperature 0.2 × the mean shift cost 2,000 h, 0.01 → 1,956 h. Day by day (one block per
    // day, a single annealing of the cheapest rounding) 300 moves gave the week's voice 2,050 h
    // against 2,062 h at 100, for 1.4 times the time.
    let moves = 300 * units.len().max(2_000) as u64;
    let mean_cost = units.iter().map(|u| u.cost).sum::<f64>() / units.len() as f64;
    let (t_start, t_end) = (0.05 * mean_cost, 0.0005 * mean_cost);
    let cooling = (t_end / t_start).powf(1.0 / moves as f64);
    let mut temperature = t_start;
    let mut cost = 0.0_f64;
    let mut short = shortfall(levels);
    let mut best = 0.0_f64;
    let mut best_x = x.to_vec();
    for step in 0..moves {
        temperature *= cooling;
        let price = PENALTY * (0.2 + 0.8 * step as f64 / moves as f64);
        let kind = rng.random_range(0..100u32);
        // (removed unit and its slot in `active`, added unit)
        let (out, add): (Option<(usize, usize)>, Option<usize>) = if kind < 10 || active.is_empty()
        {
            let t = rng.random_range(0..t_len);
            if covering[t].is_empty() {
                continue;
            }
            (None, Some(covering[t][rng.random_range(0..covering[t].len())]))
        } else {
            let a = rng.random_range(0..active.len());
            let i = active[a];
            let j = set.propose(i, kind, [25, 60, 75], &mut rng);
            if j == Some(i) || (kind >= 25 && j.is_none()) {
                continue;
            }
            (Some((i, a)), j)
        };
        // Price the move without applying it; apply it only when accepted.
        let removed: &[usize] = out.map_or(&[], |(i, _)| &units[i].covered);
        let added: &[usize] = add.map_or(&[], |j| &units[j].covered);
        if out.is_some_and(|(i, _)| !can_remove(cov, i))
            || add.is_some_and(|j| !can_add(cov, j, removed))
        {
            continue;
        }
        let d_cost = add.map_or(0.0, |j| units[j].cost) - out.map_or(0.0, |(i, _)| units[i].cost);
        let new_short = levels.shortfall_after(cov, removed, added, short, &mut touched);
        let delta = d_cost + price * (new_short - short);
        if delta < 0.0 || rng.random::<f64>() < (-delta / temperature).exp() {
            levels.shift(cov, removed, false);
            levels.shift(cov, added, true);
            cost += d_cost;
            short = shortfall(levels);
            match (out, add) {
                (Some((i, a)), Some(j)) => {
                    x[i] -= 1;
                    x[j] += 1;
                    active[a] = j;
                }
                (Some((i, a)), None) => {
                    x[i] -= 1;
                    active.swap_remove(a);
                }
                (None, Some(j)) => {
                    x[j] += 1;
                    active.push(j);
                }
                (None, None) => {}
            }
            if short <= 1e-12 && cost < best - 1e-9 {
                best = cost;
                best_x.copy_from_slice(x);
            }
        }
    }
    // Back to the best point that met every target.
    for (i, u) in units.iter().enumerate() {
        while x[i] > best_x[i] {
            x[i] -= 1;
            levels.shift(cov, &u.covered, false);
        }
    }
    for (i, u) in units.iter().enumerate() {
        while x[i] < best_x[i] {
            x[i] += 1;
            levels.shift(cov, &u.covered, true);
        }
    }
}

/// Add shifts to a solved point until every scope meets its target on the true curves (the
/// hull the model uses can promise more than the curve gives): the unit with the most service
/// level gained in short scopes per unit of cost each time. Returns false when no unit helps.
pub fn top_up_service_level(
    model: &QueueModel,
    values: &mut [f64],
    goal: &ServiceLevelGoal<'_>,
) -> bool {
    let QueueModel { queue: q, mip: m, cols, .. } = model;
    if !cols.z.is_empty() || cols.breaks.iter().any(|b| b.shift_start.is_none()) {
        return false;
    }
    let Some(set) = build_units(model, values) else {
        return false;
    };
    let mut cov: Vec<u32> = cols.c.iter().map(|&j| values[j].round().max(0.0) as u32).collect();
    let mut levels = ScopeLevels::new(goal, &q.contacts, &cov);
    let mut added = vec![0u32; set.units.len()];
    let fits = |cov: &[u32], covered: &[usize]| {
        covered.iter().all(|&t| q.cap[t].is_none_or(|cap| cov[t] < cap))
    };
    if add_until_targets(&set.units, &mut levels, &mut added, &mut cov, &fits).is_none() {
        return false;
    }
    set.add_counts(&added, values);
    fill_service_level_columns(cols, goal, &cov, values);
    is_feasible(m, values, false)
}

/// Greedy: while a scope is short, add the unit with the largest gain per unit of cost.
pub(super) fn add_until_targets(
    units: &[Unit],
    levels: &mut ScopeLevels<'_>,
    x: &mut [u32],
    cov: &mut [u32],
    fits: &dyn Fn(&[u32], &[usize]) -> bool,
) -> Option<()> {
    while levels.any_short() {
        let mut best: Option<(f64, usize)> = None;
        for (i, u) in units.iter().enumerate() {
            let gain = levels.gain(cov, &u.covered);
            if gain <= 1e-12 || !fits(cov, &u.covered) {
                continue;
            }
            let score = gain / u.cost.max(1e-9);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        let (_, i) = best?;
        x[i] += 1;
        levels.shift(cov, &units[i].covered, true);
    }
    Some(())
}

/// Coverage and SL columns of a service-level model for coverage `cov`: each SL column at the
/// hull's value (which bounds the true curve from above, so the scope rows hold whenever the
/// true levels meet their targets).
pub(super) fn fill_service_level_columns(
    cols: &Columns,
    goal: &ServiceLevelGoal<'_>,
    cov: &[u32],
    values: &mut [f64],
) {
    for (t, &n) in cov.iter().enumerate() {
        values[cols.c[t]] = f64::from(n);
    }
    for (sl, MeasureHulls { hulls, .. }) in cols.sl.iter().zip(goal.measures) {
        for (t, &n) in cov.iter().enumerate() {
            if let Some(j) = sl[t] {
                let hull =
                    hulls[t].iter().map(|segment| segment.at(f64::from(n))).fold(1.0_f64, f64::min);
                values[j] = hull.max(0.0);
            }
        }
    }
}
