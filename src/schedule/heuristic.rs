//! A rounding heuristic for cost-mode models without tours whose breaks sit inside the shift
//! columns (pattern formulation, or no breaks) or in explicit break columns (one per shifts'
//! start slot and break start). Each shift column becomes *units*, one per combination of break
//! starts. Round every column's LP value down, placing each shift's breaks where the coverage
//! so far is highest; round fractions of at least one half up; then repair the remaining
//! under-staffing greedily (the unit that lowers the objective most among those covering a
//! short interval), repair every floor (minimum agents, hard coverage) with the cheapest unit
//! covering it, and finally add, remove and move single units (to another break start, another
//! length at the same start, or the same length up to two intervals earlier or later) while
//! that lowers the objective. Every step is a bounded, deterministic pass: no clock.
//!
//! Its point is an incumbent in milliseconds: plain shift covering has a near-integral LP
//! (SOLVERS.md), so the rounded point is usually within a fraction of a percent of the LP bound
//! — often inside the requested MIP gap, which ends the solve with a proven gap — and otherwise
//! seeds the back end's branch and bound (and is the schedule returned if the time limit passes
//! before the back end finds one of its own).

use super::mip::{is_feasible, Mip};
use super::model::{BreakClass, Columns, QueueData, ShiftType};

// Index loops: `x`, `shift_cols` and the neighbour lists share one index space.
#[allow(clippy::needless_range_loop)]
/// A feasible point of `m` near `lp`, or `None` when the model is outside the heuristic's reach
/// (break columns, tours, service-level rows) or no floor repair exists.
pub fn round(
    q: &QueueData,
    m: &Mip,
    cols: &Columns,
    types: &[ShiftType],
    classes: &[BreakClass],
    lp: &[f64],
) -> Option<Vec<f64>> {
    if !cols.z.is_empty()
        || cols.over.iter().any(Option::is_none)
        || cols.breaks.iter().any(|b| b.shift_start.is_none())
    {
        return None;
    }
    let t_len = q.slots.len();
    // Explicit break columns by (class, shifts' start slot, break start).
    let break_col: std::collections::BTreeMap<(usize, usize, usize), usize> = cols
        .breaks
        .iter()
        .map(|b| ((b.class, b.shift_start.unwrap_or(0), b.slot), b.col))
        .collect();
    // Each unit column: (shift column, cost, covered slots) and the break columns it uses; a
    // pattern column is one unit, an explicit-formulation shift column one unit per
    // combination of break starts, valued at the LP's shift count times the LP's share of
    // each break start among the shifts starting together. Neighbours by (length, start slot).
    let mut shift_cols: Vec<(usize, f64, Vec<usize>)> = Vec::new();
    let mut unit_breaks: Vec<Vec<usize>> = Vec::new();
    // Units of one column (its break combinations) and the column's LP value.
    let mut groups: Vec<(std::ops::Range<usize>, f64)> = Vec::new();
    let mut by_start: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (s, shift) in types.iter().enumerate() {
        for c in &cols.x[s] {
            // (break starts, break columns, LP share)
            let mut combos: Vec<(Vec<usize>, Vec<usize>, f64)> =
                vec![(Vec::new(), Vec::new(), 1.0)];
            if c.break_slots.len() == shift.classes.len() {
                combos[0].0 = c.break_slots.clone();
            } else if c.break_slots.is_empty() {
                for &k in &shift.classes {
                    let class = &classes[k];
                    let window: Vec<(usize, usize)> = (class.earliest_offset..=class.latest_offset)
                        .map(|o| {
                            let slot = shift.start_slot + o;
                            break_col.get(&(k, shift.start_slot, slot)).map(|&j| (slot, j))
                        })
                        .collect::<Option<Vec<_>>>()?;
                    let total: f64 = window.iter().map(|&(_, j)| lp[j].max(0.0)).sum();
                    let share = |j: usize| {
                        if total > 1e-9 {
                            lp[j].max(0.0) / total
                        } else {
                            1.0 / window.len() as f64
                        }
                    };
                    combos = combos
                        .into_iter()
                        .flat_map(|(slots, bcols, w)| {
                            window.iter().map(move |&(slot, j)| {
                                let mut slots = slots.clone();
                                let mut bcols = bcols.clone();
                                slots.push(slot);
                                bcols.push(j);
                                (slots, bcols, w * share(j))
                            })
                        })
                        .collect();
                }
            } else {
                return None;
            }
            let first = shift_cols.len();
            for (slots, bcols, _) in combos {
                let mut on = vec![true; shift.len_slots];
                for (&b, &k) in slots.iter().zip(&shift.classes) {
                    for slot in b..b + classes[k].len_slots {
                        on[slot - shift.start_slot] = false;
                    }
                }
                let covered: Vec<usize> = (0..shift.len_slots)
                    .filter(|&i| on[i])
                    .map(|i| shift.start_slot + i)
                    .filter(|&t| t < t_len)
                    .collect();
                by_start
                    .entry((shift.len_slots, shift.start_slot))
                    .or_default()
                    .push(shift_cols.len());
                shift_cols.push((c.col, m.cols[c.col].cost, covered));
                unit_breaks.push(bcols);
            }
            groups.push((first..shift_cols.len(), lp[c.col].max(0.0)));
        }
    }
    let shift_lens: Vec<(usize, usize)> = {
        let mut v = vec![(0, 0); shift_cols.len()];
        for (&key, list) in &by_start {
            for &i in list {
                v[i] = key;
            }
        }
        v
    };
    let under_cost: Vec<f64> =
        cols.under.iter().map(|u| u.map_or(f64::INFINITY, |j| m.cols[j].cost)).collect();
    let over_cost: Vec<f64> = cols.over.iter().map(|o| o.map_or(0.0, |j| m.cols[j].cost)).collect();
    const FLOOR_REWARD: f64 = 1e6;
    let mut cov = vec![0u32; t_len];
    let mut x = vec![0u32; shift_cols.len()];
    let add_delta = |cov: &[u32], covered: &[usize], cost: f64| -> f64 {
        let mut d = cost;
        for &t in covered {
            let n = cov[t];
            if q.cap[t].is_some_and(|cap| n + 1 > cap) {
                return f64::INFINITY;
            }
            d += if n < q.floor[t] {
                -FLOOR_REWARD
            } else if n < q.required[t] {
                -under_cost[t]
            } else {
                over_cost[t]
            };
        }
        d
    };
    let remove_delta = |cov: &[u32], covered: &[usize], cost: f64| -> f64 {
        let mut d = -cost;
        for &t in covered {
            let n = cov[t];
            if n == 0 || n - 1 < q.floor[t] {
                return f64::INFINITY;
            }
            d += if n - 1 < q.required[t] { under_cost[t] } else { -over_cost[t] };
        }
        d
    };
    let add = |i: usize, x: &mut [u32], cov: &mut [u32]| {
        x[i] += 1;
        for &t in &shift_cols[i].2 {
            cov[t] += 1;
        }
    };
    // The unit of a column whose break starts best fit the coverage so far.
    let best_unit = |cov: &[u32], units: &std::ops::Range<usize>| -> Option<(f64, usize)> {
        units
            .clone()
            .map(|i| (add_delta(cov, &shift_cols[i].2, shift_cols[i].1), i))
            .filter(|(d, _)| d.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    };
    // Round each column's LP value down, placing every shift's breaks where they hurt least.
    for (units, value) in &groups {
        for _ in 0..(value + 1e-9).floor() as u64 {
            if let Some((_, i)) = best_unit(&cov, units) {
                add(i, &mut x, &mut cov);
            }
        }
    }
    let mut order: Vec<usize> =
        (0..groups.len()).filter(|&g| groups[g].1 - (groups[g].1 + 1e-9).floor() > 1e-6).collect();
    let frac = |g: usize| groups[g].1 - (groups[g].1 + 1e-9).floor();
    order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
    // Fractions of at least a half round up (when the unit pays for itself).
    for &g in &order {
        if frac(g) < 0.5 - 1e-9 {
            break;
        }
        if let Some((d, i)) = best_unit(&cov, &groups[g].0) {
            if d < 0.0 {
                add(i, &mut x, &mut cov);
            }
        }
    }
    // Remaining under-staffing: repeatedly add the unit that lowers the objective most among
    // those covering a short interval (a deterministic, bounded greedy repair).
    let mut covering: Vec<Vec<usize>> = vec![Vec::new(); t_len];
    for (i, (_, _, covered)) in shift_cols.iter().enumerate() {
        for &t in covered {
            covering[t].push(i);
        }
    }
    for _ in 0..shift_cols.len() {
        let mut best: Option<(f64, usize)> = None;
        for t in (0..t_len).filter(|&t| cov[t] < q.required[t]) {
            for &i in &covering[t] {
                let d = add_delta(&cov, &shift_cols[i].2, shift_cols[i].1);
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
    let mut by_slot: Vec<Vec<usize>> = vec![Vec::new(); t_len];
    for (i, (_, _, covered)) in shift_cols.iter().enumerate() {
        for &t in covered {
            by_slot[t].push(i);
        }
    }
    for t in 0..t_len {
        while cov[t] < q.floor[t] {
            let best = by_slot[t]
                .iter()
                .map(|&i| (add_delta(&cov, &shift_cols[i].2, shift_cols[i].1), i))
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
    let lens: std::collections::BTreeSet<usize> = by_start.keys().map(|k| k.0).collect();
    // Local improvement: single-unit removals and additions.
    for _round in 0..20 {
        let mut changed = false;
        for i in 0..shift_cols.len() {
            while x[i] > 0 && remove_delta(&cov, &shift_cols[i].2, shift_cols[i].1) < -1e-9 {
                x[i] -= 1;
                for &t in &shift_cols[i].2 {
                    cov[t] -= 1;
                }
                changed = true;
            }
        }
        for i in 0..shift_cols.len() {
            if add_delta(&cov, &shift_cols[i].2, shift_cols[i].1) < -1e-9 {
                add(i, &mut x, &mut cov);
                changed = true;
            }
        }
        // Moves: one unit to another break position or a start up to two intervals away.
        for i in 0..shift_cols.len() {
            if x[i] == 0 {
                continue;
            }
            let removal = remove_delta(&cov, &shift_cols[i].2, shift_cols[i].1);
            if !removal.is_finite() {
                continue;
            }
            x[i] -= 1;
            for &t in &shift_cols[i].2 {
                cov[t] -= 1;
            }
            let (len, start) = shift_lens[i];
            let mut best: Option<(f64, i64, usize)> = None;
            for (l, st) in lens
                .iter()
                .flat_map(|&l| (start.saturating_sub(2)..=start + 2).map(move |st| (l, st)))
            {
                if l != len && st != start {
                    continue;
                }
                for &j in by_start.get(&(l, st)).map(Vec::as_slice).unwrap_or(&[]) {
                    if j == i {
                        continue;
                    }
                    let d = add_delta(&cov, &shift_cols[j].2, shift_cols[j].1);
                    let lev = level(&cov, &shift_cols[j].2);
                    if best.is_none_or(|(b, bl, _)| d < b - 1e-9 || (d <= b + 1e-9 && lev < bl)) {
                        best = Some((d, lev, j));
                    }
                }
            }
            // Equal cost: a move that levels the shortage (lower sum of squared deficits) is
            // taken, so breaks do not pile up where the linear penalty is indifferent.
            let stay = level(&cov, &shift_cols[i].2);
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
    let mut values = vec![0.0; m.cols.len()];
    for (i, (col, _, _)) in shift_cols.iter().enumerate() {
        values[*col] += f64::from(x[i]);
        for &b in &unit_breaks[i] {
            values[b] += f64::from(x[i]);
        }
    }
    for t in 0..t_len {
        let n = f64::from(cov[t]);
        let req = f64::from(q.required[t]);
        values[cols.c[t]] = n;
        let u = match cols.under[t] {
            Some(j) => {
                let u = (req - n).max(0.0);
                values[j] = u;
                u
            }
            None => 0.0,
        };
        if let Some(j) = cols.over[t] {
            values[j] = n + u - req;
        }
    }
    is_feasible(m, &values, false).then_some(values)
}
