//! A rounding heuristic for cost-mode models whose breaks sit inside the shift columns
//! (pattern formulation, or no breaks): round the LP relaxation down, add back the columns
//! whose unit lowers the objective (largest fractional part first), repair every floor
//! (minimum agents, hard coverage) with the cheapest column covering it, then add and remove
//! single units while that lowers the objective.
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
    if !cols.breaks.is_empty() || !cols.z.is_empty() || cols.over.iter().any(Option::is_none) {
        return None;
    }
    let t_len = q.slots.len();
    // Each shift column: (column, cost, covered slots); neighbours by (length, start slot).
    let mut shift_cols: Vec<(usize, f64, Vec<usize>)> = Vec::new();
    let mut by_start: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (s, shift) in types.iter().enumerate() {
        for c in &cols.x[s] {
            if c.break_slots.len() != shift.classes.len() {
                return None;
            }
            let mut on = vec![true; shift.len_slots];
            for (&b, &k) in c.break_slots.iter().zip(&shift.classes) {
                for slot in b..b + classes[k].len_slots {
                    on[slot - shift.start_slot] = false;
                }
            }
            let covered: Vec<usize> = (0..shift.len_slots)
                .filter(|&i| on[i])
                .map(|i| shift.start_slot + i)
                .filter(|&t| t < t_len)
                .collect();
            by_start.entry((shift.len_slots, shift.start_slot)).or_default().push(shift_cols.len());
            shift_cols.push((c.col, m.cols[c.col].cost, covered));
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
    for (i, (col, _, covered)) in shift_cols.iter().enumerate() {
        let v = (lp[*col] + 1e-9).floor().max(0.0) as u32;
        x[i] = v;
        for &t in covered {
            cov[t] += v;
        }
    }
    let mut order: Vec<usize> =
        (0..shift_cols.len()).filter(|&i| lp[shift_cols[i].0] - f64::from(x[i]) > 1e-6).collect();
    order.sort_by(|&a, &b| {
        let fa = lp[shift_cols[a].0] - f64::from(x[a]);
        let fb = lp[shift_cols[b].0] - f64::from(x[b]);
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let add = |i: usize, x: &mut [u32], cov: &mut [u32]| {
        x[i] += 1;
        for &t in &shift_cols[i].2 {
            cov[t] += 1;
        }
    };
    for &i in &order {
        if add_delta(&cov, &shift_cols[i].2, shift_cols[i].1) < 0.0 {
            add(i, &mut x, &mut cov);
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
            let mut best: Option<(f64, usize)> = None;
            for st in start.saturating_sub(2)..=start + 2 {
                for &j in by_start.get(&(len, st)).map(Vec::as_slice).unwrap_or(&[]) {
                    if j == i {
                        continue;
                    }
                    let d = add_delta(&cov, &shift_cols[j].2, shift_cols[j].1);
                    if best.is_none_or(|(b, _)| d < b) {
                        best = Some((d, j));
                    }
                }
            }
            match best {
                Some((d, j)) if removal + d < -1e-9 => {
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
        values[*col] = f64::from(x[i]);
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
