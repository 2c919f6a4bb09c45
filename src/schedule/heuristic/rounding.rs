//! Cost-mode rounding of the LP relaxation into units, with greedy repairs and single-unit
//! moves, then annealing and windows (the steps the module docs of [`super`] describe).

use super::{
    anneal, build_units, point_values, polish_windows, slot_prices, ShiftKey, SlotCost, UnitSet,
    WINDOW_MINUTES,
};
use crate::schedule::mip::is_feasible;
use crate::schedule::model::QueueModel;

/// A feasible point of `m` near `lp`, or `None` when the model is outside the heuristic's reach
/// (break columns, tours, service-level rows) or no floor repair exists.
pub fn round(model: &QueueModel, lp: &[f64], mip_gap: f64) -> Option<Vec<f64>> {
    let QueueModel { queue: q, mip: m, cols, .. } = model;
    if !cols.z.is_empty()
        || cols.over.iter().any(Option::is_none)
        || cols.breaks.iter().any(|b| b.shift_start.is_none())
    {
        return None;
    }
    let set = build_units(model, lp)?;
    let prices = slot_prices(m, cols);
    let slot_cost = SlotCost::of(q, &prices);
    let mut point = Rounding {
        set: &set,
        slots: &slot_cost,
        x: vec![0u32; set.units.len()],
        cov: vec![0u32; q.slots.len()],
    };
    point.round_lp();
    point.repair_under_staffing();
    point.repair_floors()?;
    point.improve();
    let Rounding { mut x, mut cov, .. } = point;
    let objective = |x: &[u32], cov: &[u32]| -> f64 {
        let shifts: f64 = x.iter().zip(&set.units).map(|(&n, u)| f64::from(n) * u.cost).sum();
        let slots: f64 = (0..q.slots.len())
            .map(|t| {
                let (n, r) = (f64::from(cov[t]), f64::from(q.required[t]));
                (r - n).max(0.0) * prices.under[t].min(1e12) + (n - r).max(0.0) * prices.over[t]
            })
            .sum();
        shifts + slots
    };
    // Annealing stops once the point is within `mip_gap` of the LP bound (objective <=
    // bound / (1 - gap)); `room` is that objective less the rounded point's (<= 0: done).
    let bound = m.objective_of(lp);
    let good_enough = if mip_gap < 1.0 { bound / (1.0 - mip_gap) } else { f64::INFINITY };
    let room = good_enough.max(bound) - objective(&x, &cov);
    // One annealing chain: a second one with another seed, side by side, never won on the
    // benchmarks once the windows polish the result, and cost a core for a second per queue.
    // Temperatures are in objective units per interval: scaled to the interval length (tuned
    // at 15 minutes).
    let scale = f64::from(q.interval_minutes) / 15.0;
    let gain = anneal(&set, &slot_cost, &mut x, &mut cov, room, scale, None);
    // Then coordinated changes, window by window (side by side), until within the gap.
    if gain > room + 1e-9 {
        let window = (WINDOW_MINUTES / q.interval_minutes.max(1)).max(2) as usize;
        polish_windows(&set, &slot_cost, &mut x, &mut cov, window, room - gain, None);
    }
    let values = point_values(model, &set, &x, &cov);
    is_feasible(m, &values, false).then_some(values)
}

/// The rounding's point: unit counts `x` and the coverage `cov` they give.
struct Rounding<'a> {
    set: &'a UnitSet,
    slots: &'a SlotCost<'a>,
    x: Vec<u32>,
    cov: Vec<u32>,
}

// Index loops: `x`, `units` and the neighbour lists share one index space.
#[allow(clippy::needless_range_loop)]
impl Rounding<'_> {
    fn add(&mut self, i: usize) {
        self.x[i] += 1;
        for &t in &self.set.units[i].covered {
            self.cov[t] += 1;
        }
    }

    fn remove(&mut self, i: usize) {
        self.x[i] -= 1;
        for &t in &self.set.units[i].covered {
            self.cov[t] -= 1;
        }
    }

    /// Objective change of adding unit `i` ([`SlotCost::add_delta`]).
    fn add_delta(&self, i: usize) -> f64 {
        let unit = &self.set.units[i];
        self.slots.add_delta(&self.cov, &unit.covered, unit.cost)
    }

    /// Objective change of removing unit `i` ([`SlotCost::remove_delta`]).
    fn remove_delta(&self, i: usize) -> f64 {
        let unit = &self.set.units[i];
        self.slots.remove_delta(&self.cov, &unit.covered, unit.cost)
    }

    /// The unit of a column whose break starts best fit the coverage so far.
    fn best_unit(&self, range: &std::ops::Range<usize>) -> Option<(f64, usize)> {
        range
            .clone()
            .map(|i| (self.add_delta(i), i))
            .filter(|(d, _)| d.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    }

    /// Round each column's LP value down, placing every shift's breaks where they hurt least;
    /// then fractions of at least a half round up (when the unit pays for itself).
    fn round_lp(&mut self) {
        let groups = &self.set.groups;
        for group in groups {
            for _ in 0..(group.lp_value + 1e-9).floor() as u64 {
                if let Some((_, i)) = self.best_unit(&group.units) {
                    self.add(i);
                }
            }
        }
        let frac = |g: usize| groups[g].lp_value - (groups[g].lp_value + 1e-9).floor();
        let mut order: Vec<usize> = (0..groups.len()).filter(|&g| frac(g) > 1e-6).collect();
        order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
        for &g in &order {
            if frac(g) < 0.5 - 1e-9 {
                break;
            }
            if let Some((d, i)) = self.best_unit(&groups[g].units) {
                if d < 0.0 {
                    self.add(i);
                }
            }
        }
    }

    /// Remaining under-staffing: repeatedly add the unit that lowers the objective most among
    /// those covering a short interval (a deterministic, bounded greedy repair).
    fn repair_under_staffing(&mut self) {
        for _ in 0..self.set.units.len() {
            let mut best: Option<(f64, usize)> = None;
            for t in (0..self.cov.len()).filter(|&t| self.cov[t] < self.slots.required[t]) {
                for &i in &self.set.covering[t] {
                    let d = self.add_delta(i);
                    if best.is_none_or(|(b, j)| d < b || (d == b && i < j)) {
                        best = Some((d, i));
                    }
                }
            }
            match best {
                Some((d, i)) if d < -1e-9 => self.add(i),
                _ => break,
            }
        }
    }

    /// Floors: the cheapest unit covering each short slot; `None` when none fits.
    fn repair_floors(&mut self) -> Option<()> {
        for t in 0..self.cov.len() {
            while self.cov[t] < self.slots.floor[t] {
                let best = self.set.covering[t]
                    .iter()
                    .map(|&i| (self.add_delta(i), i))
                    .filter(|(d, _)| d.is_finite())
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
                self.add(best.1);
            }
        }
        Some(())
    }

    /// Change of the sum of squared under-staffing deficits when a unit covering `covered` is
    /// added: a deficit D becomes D - 1, i.e. -(2D - 1).
    fn level(&self, covered: &[usize]) -> i64 {
        covered
            .iter()
            .map(|&t| i64::from(self.slots.required[t]) - i64::from(self.cov[t]))
            .filter(|&deficit| deficit > 0)
            .map(|deficit| -(2 * deficit - 1))
            .sum()
    }

    /// Local improvement: single-unit removals, additions and moves, while any pays (at most
    /// 20 rounds).
    fn improve(&mut self) {
        let n_units = self.set.units.len();
        for _round in 0..20 {
            let mut changed = false;
            for i in 0..n_units {
                while self.x[i] > 0 && self.remove_delta(i) < -1e-9 {
                    self.remove(i);
                    changed = true;
                }
            }
            for i in 0..n_units {
                if self.add_delta(i) < -1e-9 {
                    self.add(i);
                    changed = true;
                }
            }
            for i in 0..n_units {
                changed |= self.move_unit(i);
            }
            if !changed {
                break;
            }
        }
    }

    /// Move one unit `i` to another break position, another length at the same start, or the
    /// same length up to two intervals earlier or later, when that lowers the objective (or
    /// keeps it and levels the shortage). Whether it moved.
    fn move_unit(&mut self, i: usize) -> bool {
        if self.x[i] == 0 {
            return false;
        }
        let removal = self.remove_delta(i);
        if !removal.is_finite() {
            return false;
        }
        self.remove(i);
        let set = self.set;
        let ShiftKey { len, start } = set.keys[i];
        let mut best: Option<(f64, i64, usize)> = None;
        for (l, st) in set
            .lens
            .iter()
            .flat_map(|&l| (start.saturating_sub(2)..=start + 2).map(move |st| (l, st)))
        {
            if l != len && st != start {
                continue;
            }
            let key = ShiftKey { len: l, start: st };
            for &j in set.by_start.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                if j == i {
                    continue;
                }
                let d = self.add_delta(j);
                let lev = self.level(&set.units[j].covered);
                if best.is_none_or(|(b, bl, _)| d < b - 1e-9 || (d <= b + 1e-9 && lev < bl)) {
                    best = Some((d, lev, j));
                }
            }
        }
        // Equal cost: a move that levels the shortage (lower sum of squared deficits) is
        // taken, so breaks do not pile up where the linear penalty is indifferent.
        let stay = self.level(&set.units[i].covered);
        match best {
            Some((d, lev, j)) if removal + d < -1e-9 || (removal + d <= 1e-9 && lev < stay) => {
                self.add(j);
                true
            }
            _ => {
                self.add(i);
                false
            }
        }
    }
}
