//! Cost-mode simulated annealing over the unit counts.

use super::{SlotCost, TourRules, UnitSet};

/// Simulated annealing over the multiset of units (Kirkpatrick, Gelatt & Vecchi 1983), from the
/// rounded point: remove a shift, add one covering a short slot, move one to a start up to four
/// intervals away or to another break position, or change its length keeping its start or its
/// end. A move is taken when it lowers the objective, or with probability `exp(-Δ/T)` as the
/// temperature falls geometrically; the best point seen is kept. The random stream is a
/// ChaCha8 generator with a fixed seed and the number of moves depends only on the model's size,
/// so the result is the same on every run and machine (no clock).
///
/// Under-staffing is priced at a fifth of its cost at first, rising linearly to the full cost by
/// the last move ("strategic oscillation", Glover & Hao 2011): the search may pass through short
/// points to reach better ones, which the full penalty would fence off. Returns the objective
/// change of the point left in `x`, `cov` (the best seen, under the true objective).
///
/// With tours `rules` only moves inside a (contract, day) group are made (no additions or
/// removals: the day's agents are fixed), and only while the contract's paid minutes stay
/// within bounds.
pub(super) fn anneal(
    set: &UnitSet,
    slots: &SlotCost<'_>,
    x: &mut [u32],
    cov: &mut [u32],
    floor: f64,
    temperature_scale: f64,
    rules: Option<&TourRules>,
) -> f64 {
    use rand::{Rng, SeedableRng};
    if floor >= -1e-9 {
        return 0.0;
    }
    // Tours: only moves within a (contract, day) group (no additions or removals), keeping each
    // contract's paid minutes within bounds.
    let mut paid_totals = rules.map(|r| r.paid_totals(x));
    let t_len = cov.len();
    let (units, covering) = (&set.units, &set.covering);
    if units.is_empty() || t_len == 0 {
        return 0.0;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_5c4e_d01e);
    // Worked instances, one entry per shift.
    let mut active: Vec<usize> =
        x.iter().enumerate().flat_map(|(i, &n)| std::iter::repeat_n(i, n as usize)).collect();
    // Each returns the objective change and its under-staffing part.
    let remove = |i: usize, cov: &mut [u32]| -> (f64, f64) {
        let (mut d, mut under) = (-units[i].cost, 0.0);
        for &t in &units[i].covered {
            d += slots.down(t, cov[t]);
            if cov[t] <= slots.required[t] {
                under += slots.under[t];
            }
            cov[t] -= 1;
        }
        (d, under)
    };
    let add = |i: usize, cov: &mut [u32]| -> (f64, f64) {
        let (mut d, mut under) = (units[i].cost, 0.0);
        for &t in &units[i].covered {
            d += slots.up(t, cov[t]);
            if cov[t] < slots.required[t] {
                under -= slots.under[t];
            }
            cov[t] += 1;
        }
        (d, under)
    };
    // Undo helpers that skip the cost arithmetic.
    let unadd = |i: usize, cov: &mut [u32]| {
        for &t in &units[i].covered {
            cov[t] -= 1;
        }
    };
    let unremove = |i: usize, cov: &mut [u32]| {
        for &t in &units[i].covered {
            cov[t] += 1;
        }
    };
    // Parameters tuned on the one-week 24×7 benchmark (BENCHMARKS.md): T from 0.3 or an
    // under-staffing price from 0.1 wander off; 0.5 or more freezes near the rounded point;
    // 600 or 1,200 moves per column gained nothing over 300.
    let moves = 300 * units.len().max(2_000) as u64;
    let (t_start, t_end) = (0.1 * temperature_scale, 0.001 * temperature_scale);
    let cooling = (t_end / t_start).powf(1.0 / moves as f64);
    let mut temperature = t_start;
    let mut current = 0.0_f64;
    let mut best = 0.0_f64;
    let mut best_x = x.to_vec();
    let mut short: Vec<usize> = Vec::new();
    let lambda0 = 0.2;
    for step in 0..moves {
        temperature *= cooling;
        // Under-staffing is priced at `lambda` × its cost while searching, rising to the full
        // cost (strategic oscillation); `current` and `best` are always the true objective.
        let lambda = lambda0 + (1.0 - lambda0) * (step as f64 / moves as f64);
        let accept = |(d, under): (f64, f64), rng: &mut rand_chacha::ChaCha8Rng| {
            let d = d + (lambda - 1.0) * under;
            d < 0.0 || (d.is_finite() && rng.random::<f64>() < (-d / temperature).exp())
        };
        let kind = if rules.is_some() {
            if active.is_empty() {
                break;
            }
            rng.random_range(20..100u32)
        } else {
            rng.random_range(0..100u32)
        };
        if kind < 10 || active.is_empty() {
            // Add a shift covering a short slot (or any slot once none is short).
            if step % 1024 == 0 || short.is_empty() {
                short = (0..t_len).filter(|&t| cov[t] < slots.required[t]).collect();
            }
            let t = if short.is_empty() {
                rng.random_range(0..t_len)
            } else {
                short[rng.random_range(0..short.len())]
            };
            if covering[t].is_empty() {
                continue;
            }
            let j = covering[t][rng.random_range(0..covering[t].len())];
            let d = add(j, cov);
            if accept(d, &mut rng) {
                x[j] += 1;
                active.push(j);
                current += d.0;
                if current < best - 1e-9 {
                    best = current;
                    best_x.copy_from_slice(x);
                }
            } else {
                unadd(j, cov);
            }
            continue;
        }
        let a = rng.random_range(0..active.len());
        let i = active[a];
        // A move whose neighbour is off the grid is tried as a removal.
        let j = set.propose(i, kind, [20, 55, 75], &mut rng);
        if j == Some(i) {
            continue;
        }
        // Tours: the same (contract, day), and the contract's paid minutes within bounds.
        let mut paid_after = None;
        if let (Some(r), Some(totals)) = (rules, paid_totals.as_ref()) {
            let Some(j) = j.filter(|&j| r.group[j] == r.group[i]) else { continue };
            let c = r.contract[i];
            let after = totals[c] + r.paid[j] - r.paid[i];
            let (lo, hi) = r.paid_bounds[c];
            if after < lo - 1e-6 || after > hi + 1e-6 {
                continue;
            }
            paid_after = Some((c, after));
        }
        let d_remove = remove(i, cov);
        if !d_remove.0.is_finite() {
            unremove(i, cov);
            continue;
        }
        match j {
            None => {
                if accept(d_remove, &mut rng) {
                    x[i] -= 1;
                    active.swap_remove(a);
                    current += d_remove.0;
                } else {
                    unremove(i, cov);
                }
            }
            Some(j) => {
                let d_add = add(j, cov);
                let d = (d_remove.0 + d_add.0, d_remove.1 + d_add.1);
                if accept(d, &mut rng) {
                    x[i] -= 1;
                    x[j] += 1;
                    active[a] = j;
                    current += d.0;
                    if let (Some((c, after)), Some(totals)) = (paid_after, paid_totals.as_mut()) {
                        totals[c] = after;
                    }
                } else {
                    unadd(j, cov);
                    unremove(i, cov);
                }
            }
        }
        if current < best - 1e-9 {
            best = current;
            best_x.copy_from_slice(x);
            if best <= floor + 1e-9 {
                break;
            }
        }
    }
    // Back to the best point seen.
    x.copy_from_slice(&best_x);
    cov.iter_mut().for_each(|c| *c = 0);
    for (i, &n) in x.iter().enumerate() {
        for &t in &units[i].covered {
            cov[t] += n;
        }
    }
    best
}
