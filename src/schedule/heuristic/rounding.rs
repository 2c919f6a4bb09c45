//! Cost-mode rounding of the LP relaxation into units, with greedy repairs and single-unit
//! moves, then annealing and windows (the steps the module docs of [`super`] describe).

use super::{
    anneal, build_units, point_values, polish_windows, slot_prices, ShiftKey, SlotCost, UnitSet,
    WINDOW_MINUTES,
};
use crate::schedule::mip::is_feasible;
use crate::schedule::model::QueueModel;

// Index loops: `x`, `units` and the neighbour lists share one index space.
#[allow(clippy::needless_range_loop)]
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
    let t_len = q.slots.len();
    let set = build_units(model, lp)?;
    let UnitSet { units, groups, by_start, keys, covering, lens, .. } = &set;
    let (under_cost, over_cost) = slot_prices(m, cols);
    let slot_cost = SlotCost::of(q, &under_cost, &over_cost);
    let add_delta =
        |cov: &[u32], covered: &[usize], cost: f64| slot_cost.add_delta(cov, covered, cost);
    let remove_delta =
        |cov: &[u32], covered: &[usize], cost: f64| slot_cost.remove_delta(cov, covered, cost);
    let mut cov = vec![0u32; t_len];
    let mut x = vec![0u32; units.len()];
    let add = |i: usize, x: &mut [u32], cov: &mut [u32]| {
        x[i] += 1;
        for &t in &units[i].covered {
            cov[t] += 1;
        }
    };
    // The unit of a column whose break starts best fit the coverage so far.
    let best_unit = |cov: &[u32], range: &std::ops::Range<usize>| -> Option<(f64, usize)> {
        range
            .clone()
            .map(|i| (add_delta(cov, &units[i].covered, units[i].cost), i))
            .filter(|(d, _)| d.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    };
    // Round each column's LP value down, placing every shift's breaks where they hurt least.
    for group in groups {
        for _ in 0..(group.lp_value + 1e-9).floor() as u64 {
            if let Some((_, i)) = best_unit(&cov, &group.units) {
                add(i, &mut x, &mut cov);
            }
        }
    }
    let frac = |g: usize| groups[g].lp_value - (groups[g].lp_value + 1e-9).floor();
    let mut order: Vec<usize> = (0..groups.len()).filter(|&g| frac(g) > 1e-6).collect();
    order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
    // Fractions of at least a half round up (when the unit pays for itself).
    for &g in &order {
        if frac(g) < 0.5 - 1e-9 {
            break;
        }
        if let Some((d, i)) = best_unit(&cov, &groups[g].units) {
            if d < 0.0 {
                add(i, &mut x, &mut cov);
            }
        }
    }
    // Remaining under-staffing: repeatedly add the unit that lowers the objective most among
    // those covering a short interval (a deterministic, bounded greedy repair).
    for _ in 0..units.len() {
        let mut best: Option<(f64, usize)> = None;
        for t in (0..t_len).filter(|&t| cov[t] < q.required[t]) {
            for &i in &covering[t] {
                let d = add_delta(&cov, &units[i].covered, units[i].cost);
                if best.is_none_or(|(b, j)| d < b || (d == b && i < j)) {
                    best = Some((d, i));
                }
            }
        }
        match best {
            Some((d, i)) if d < -1e-9 => add(i, &mut x, &mut cov),
            _ => break,
        }
    }
    // Floors: cheapest column covering each short slot.
    for t in 0..t_len {
        while cov[t] < q.floor[t] {
            let best = covering[t]
                .iter()
                .map(|&i| (add_delta(&cov, &units[i].covered, units[i].cost), i))
                .filter(|(d, _)| d.is_finite())
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
            add(best.1, &mut x, &mut cov);
        }
    }
    // Change of the sum of squared under-staffing deficits when a unit covering `covered` is
    // added: a deficit D becomes D - 1, i.e. -(2D - 1).
    let level = |cov: &[u32], covered: &[usize]| -> i64 {
        covered
            .iter()
            .map(|&t| i64::from(q.required[t]) - i64::from(cov[t]))
            .filter(|&deficit| deficit > 0)
            .map(|deficit| -(2 * deficit - 1))
            .sum()
    };
    // Local improvement: single-unit removals and additions.
    for _round in 0..20 {
        let mut changed = false;
        for i in 0..units.len() {
            while x[i] > 0 && remove_delta(&cov, &units[i].covered, units[i].cost) < -1e-9 {
                x[i] -= 1;
                for &t in &units[i].covered {
                    cov[t] -= 1;
                }
                changed = true;
            }
        }
        for i in 0..units.len() {
            if add_delta(&cov, &units[i].covered, units[i].cost) < -1e-9 {
                add(i, &mut x, &mut cov);
                changed = true;
            }
        }
        // Moves: one unit to another break position or a start up to two intervals away.
        for i in 0..units.len() {
            if x[i] == 0 {
                continue;
            }
            let removal = remove_delta(&cov, &units[i].covered, units[i].cost);
            if !removal.is_finite() {
                continue;
            }
            x[i] -= 1;
            for &t in &units[i].covered {
                cov[t] -= 1;
            }
            let ShiftKey { len, start } = keys[i];
            let mut best: Option<(f64, i64, usize)> = None;
            for (l, st) in lens
                .iter()
                .flat_map(|&l| (start.saturating_sub(2)..=start + 2).map(move |st| (l, st)))
            {
                if l != len && st != start {
                    continue;
                }
                for &j in
                    by_start.get(&ShiftKey { len: l, start: st }).map(Vec::as_slice).unwrap_or(&[])
                {
                    if j == i {
                        continue;
                    }
                    let d = add_delta(&cov, &units[j].covered, units[j].cost);
                    let lev = level(&cov, &units[j].covered);
                    if best.is_none_or(|(b, bl, _)| d < b - 1e-9 || (d <= b + 1e-9 && lev < bl)) {
                        best = Some((d, lev, j));
                    }
                }
            }
            // Equal cost: a move that levels the shortage (lower sum of squared deficits) is
            // taken, so breaks do not pile up where the linear penalty is indifferent.
            let stay = level(&cov, &units[i].covered);
            match best {
                Some((d, lev, j)) if removal + d < -1e-9 || (removal + d <= 1e-9 && lev < stay) => {
                    add(j, &mut x, &mut cov);
                    changed = true;
                }
                _ => add(i, &mut x, &mut cov),
            }
        }
        if !changed {
            break;
        }
    }
    let objective = |x: &[u32], cov: &[u32]| -> f64 {
        let shifts: f64 = x.iter().zip(units).map(|(&n, u)| f64::from(n) * u.cost).sum();
        let slots: f64 = (0..t_len)
            .map(|t| {
                let (n, r) = (f64::from(cov[t]), f64::from(q.required[t]));
                (r - n).max(0.0) * under_cost[t].min(1e12) + (n - r).max(0.0) * over_cost[t]
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
