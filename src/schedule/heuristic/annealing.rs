//! Cost-mode simulated annealing over the unit counts.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{SlotCost, TourRules, UnitSet};

/// An objective change and its under-staffing part (which the search prices at `lambda`).
#[derive(Debug, Clone, Copy)]
struct Change {
    objective: f64,
    under: f64,
}

impl Change {
    fn plus(self, other: Change) -> Change {
        Change { objective: self.objective + other.objective, under: self.under + other.under }
    }
}

/// Take one unit `i` out of coverage `cov`.
fn take_out(set: &UnitSet, slots: &SlotCost<'_>, i: usize, cov: &mut [u32]) -> Change {
    let unit = &set.units[i];
    let (mut d, mut under) = (-unit.cost, 0.0);
    for &t in &unit.covered {
        d += slots.down(t, cov[t]);
        if cov[t] <= slots.required[t] {
            under += slots.under[t];
        }
        cov[t] -= 1;
    }
    Change { objective: d, under }
}

/// Put one unit `i` into coverage `cov`.
fn put_in(set: &UnitSet, slots: &SlotCost<'_>, i: usize, cov: &mut [u32]) -> Change {
    let unit = &set.units[i];
    let (mut d, mut under) = (unit.cost, 0.0);
    for &t in &unit.covered {
        d += slots.up(t, cov[t]);
        if cov[t] < slots.required[t] {
            under -= slots.under[t];
        }
        cov[t] += 1;
    }
    Change { objective: d, under }
}

/// Undo [`put_in`] without the cost arithmetic.
fn undo_put_in(set: &UnitSet, i: usize, cov: &mut [u32]) {
    for &t in &set.units[i].covered {
        cov[t] -= 1;
    }
}

/// Undo [`take_out`] without the cost arithmetic.
fn undo_take_out(set: &UnitSet, i: usize, cov: &mut [u32]) {
    for &t in &set.units[i].covered {
        cov[t] += 1;
    }
}

/// Metropolis acceptance with under-staffing priced at `lambda` × its cost.
fn accept(change: Change, lambda: f64, temperature: f64, rng: &mut ChaCha8Rng) -> bool {
    let d = change.objective + (lambda - 1.0) * change.under;
    d < 0.0 || (d.is_finite() && rng.random::<f64>() < (-d / temperature).exp())
}

/// The unit an addition tries: one covering a short slot (or any slot once none is short;
/// the short slots are listed again every 1,024 steps). `None` when the slot drawn has no
/// covering unit.
fn addition(
    set: &UnitSet,
    slots: &SlotCost<'_>,
    cov: &[u32],
    short: &mut Vec<usize>,
    step: u64,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    let t_len = cov.len();
    if step % 1024 == 0 || short.is_empty() {
        *short = (0..t_len).filter(|&t| cov[t] < slots.required[t]).collect();
    }
    let t = if short.is_empty() {
        rng.random_range(0..t_len)
    } else {
        short[rng.random_range(0..short.len())]
    };
    let covering = &set.covering[t];
    if covering.is_empty() {
        return None;
    }
    Some(covering[rng.random_range(0..covering.len())])
}

/// A contract's total paid minutes after a move.
#[derive(Debug, Clone, Copy)]
struct PaidAfter {
    contract: usize,
    paid_minutes: f64,
}

/// Tours: a move of a unit `i` to `j` stays in its (contract, day) group and keeps the
/// contract's paid minutes within bounds; the contract's paid minutes after, or `None`.
fn tour_move(rules: &TourRules, totals: &[f64], i: usize, j: Option<usize>) -> Option<PaidAfter> {
    let j = j.filter(|&j| rules.group[j] == rules.group[i])?;
    let c = rules.contract[i];
    let after = totals[c] + rules.paid[j] - rules.paid[i];
    if !rules.paid_bounds[c].contain(after) {
        return None;
    }
    Some(PaidAfter { contract: c, paid_minutes: after })
}

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
    use rand::SeedableRng;
    if floor >= -1e-9 {
        return 0.0;
    }
    // Tours: only moves within a (contract, day) group (no additions or removals), keeping each
    // contract's paid minutes within bounds.
    let mut paid_totals = rules.map(|r| r.paid_totals(x));
    let t_len = cov.len();
    let units = &set.units;
    if units.is_empty() || t_len == 0 {
        return 0.0;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_5c4e_d01e);
    // Worked instances, one entry per shift.
    let mut active: Vec<usize> =
        x.iter().enumerate().flat_map(|(i, &n)| std::iter::repeat_n(i, n as usize)).collect();
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
            let Some(j) = addition(set, slots, cov, &mut short, step, &mut rng) else { continue };
            let d = put_in(set, slots, j, cov);
            if accept(d, lambda, temperature, &mut rng) {
                x[j] += 1;
                active.push(j);
                current += d.objective;
                if current < best - 1e-9 {
                    best = current;
                    best_x.copy_from_slice(x);
                }
            } else {
                undo_put_in(set, j, cov);
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
            let Some(after) = tour_move(r, totals, i, j) else { continue };
            paid_after = Some(after);
        }
        let d_remove = take_out(set, slots, i, cov);
        if !d_remove.objective.is_finite() {
            undo_take_out(set, i, cov);
            continue;
        }
        match j {
            None => {
                if accept(d_remove, lambda, temperature, &mut rng) {
                    x[i] -= 1;
                    active.swap_remove(a);
                    current += d_remove.objective;
                } else {
                    undo_take_out(set, i, cov);
                }
            }
            Some(j) => {
                let d = d_remove.plus(put_in(set, slots, j, cov));
                if accept(d, lambda, temperature, &mut rng) {
                    x[i] -= 1;
                    x[j] += 1;
                    active[a] = j;
                    current += d.objective;
                    if let (Some(after), Some(totals)) = (paid_after, paid_totals.as_mut()) {
                        totals[after.contract] = after.paid_minutes;
                    }
                } else {
                    undo_put_in(set, j, cov);
                    undo_take_out(set, i, cov);
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
