//! Fix-and-optimize windows: a window of time re-solved exactly by microlp with every unit
//! outside it fixed.

use super::{PaidBounds, ShiftKey, SlotCost, TourRules, UnitSet};
use crate::schedule::mip::Mip;

/// Width of a fix-and-optimize window: shifts starting (or ending) within 8 hours.
pub(super) const WINDOW_MINUTES: u32 = 480;
/// Branch-and-bound nodes per window: the deterministic stop of each window's solve.
pub(super) const WINDOW_NODES: u64 = 100;
/// Fix-and-optimize passes at most (each over the whole horizon).
pub(super) const WINDOW_PASSES: usize = 16;

/// Fix-and-optimize over windows of time (Helber & Sahling 2010): every shift unit starting
/// inside the window is free and every other one fixed, and the window's integer program (the free units' counts,
/// the under- and over-staffing of the slots they cover, with floors and caps as bounds) is
/// solved by microlp's branch and bound from the current point within [`WINDOW_NODES`] nodes;
/// a cheaper answer replaces the window. Windows of `window` slots advance by half a window;
/// passes alternate between grouping the units by start and by end (a shift that starts
/// before a window but ends inside it is free in the next pass), and every other pair of
/// passes shifts the window grid by a quarter window, so window edges move. They repeat until
/// four passes in a row (every grouping and grid) gain nothing, at most [`WINDOW_PASSES`]
/// times, or until the objective has fallen by `floor` (negative). Annealing moves one shift at a time; near an exact cover every single move
/// opens a gap somewhere, so the changes that pay are coordinated ones — several shifts
/// re-timed and re-broken together — which is what a window's integer program finds.
/// Windows whose slot spans are disjoint are solved side by side from the same point and
/// applied in window order, so the result does not depend on the number of threads. Returns
/// the objective change. No clock: node budgets, so the same on every run. With tours `rules`
/// each window keeps its (contract, day) counts and the contracts' paid-minute bounds; an
/// answer that would break a bound after an earlier one of its phase is skipped.
pub(super) fn polish_windows(
    set: &UnitSet,
    slots: &SlotCost<'_>,
    x: &mut [u32],
    cov: &mut [u32],
    window: usize,
    floor: f64,
    rules: Option<&TourRules>,
) -> f64 {
    use rayon::prelude::*;
    let units = &set.units;
    // Tours: each contract's paid minutes, kept inside its bounds as answers are applied.
    let mut paid_totals = rules.map(|r| r.paid_totals(x));
    let Some(last_start) = set.by_start.keys().map(|k| k.start).max() else {
        return 0.0;
    };
    let last_end = set.by_start.keys().map(|k| k.len + k.start).max().unwrap_or(0);
    let mut starting: Vec<Vec<usize>> = vec![Vec::new(); last_start + 1];
    let mut ending: Vec<Vec<usize>> = vec![Vec::new(); last_end + 1];
    for (&ShiftKey { len, start: st }, list) in &set.by_start {
        starting[st].extend(list);
        ending[st + len].extend(list);
    }
    let step = (window / 2).max(1);
    let mut total = 0.0;
    let mut idle_passes = 0;
    // A window is solved again only when a slot it covers changed since its last solve: a
    // clock of solves, the last change of each slot, and each window's last solve (by
    // grouping and first start or end; looked up only, never iterated).
    let mut clock = 0u64;
    let mut changed = vec![0u64; cov.len()];
    let mut solved_at: std::collections::HashMap<(usize, usize), u64> =
        std::collections::HashMap::new();
    for pass in 0..WINDOW_PASSES {
        let kind = pass % 2;
        let (groups, last) = if kind == 0 { (&starting, last_start) } else { (&ending, last_end) };
        let offset = if (pass / 2) % 2 == 1 { step / 2 } else { 0 };
        let windows: Vec<Window> = (0..=last + offset)
            .step_by(step)
            .map(|a| a.saturating_sub(offset))
            .filter_map(|a| {
                let free: Vec<usize> = (a..(a + window).min(last + 1))
                    .flat_map(|s| groups[s].iter().copied())
                    .collect();
                let lo = free.iter().filter_map(|&u| units[u].covered.first()).min().copied()?;
                let hi = free.iter().filter_map(|&u| units[u].covered.last()).max().copied()?;
                Some(Window { first: a, free, lo, hi })
            })
            .collect();
        // Windows `k` apart have disjoint spans, so each phase (windows i ≡ p mod k) is solved
        // side by side from the same point and applied in order: the same answers whatever
        // the number of threads.
        let k = (0..windows.len())
            .flat_map(|i| {
                let w = &windows;
                (i + 1..w.len())
                    .filter(move |&j| w[j].lo <= w[i].hi && w[i].lo <= w[j].hi)
                    .map(move |j| j - i)
            })
            .max()
            .map_or(1, |d| d + 1);
        let mut improved = false;
        for phase in 0..k {
            let mut batch: Vec<(&Window, u64)> = Vec::new();
            for w in windows.iter().skip(phase).step_by(k) {
                let last_solve = solved_at.get(&(kind, w.first));
                if last_solve.is_some_and(|&c| changed[w.lo..=w.hi].iter().all(|&at| at < c)) {
                    continue;
                }
                clock += 1;
                solved_at.insert((kind, w.first), clock);
                batch.push((w, clock));
            }
            let answers: Vec<Option<WindowAnswer>> = batch
                .par_iter()
                .map(|(w, _)| {
                    let tours = rules.zip(paid_totals.as_deref());
                    solve_window(set, slots, x, cov, &w.free, w.lo, w.hi, tours)
                })
                .collect();
            for ((w, stamp), answer) in batch.iter().zip(answers) {
                let Some(WindowAnswer { counts, change }) = answer else { continue };
                // Windows of one phase were solved from the same point: an answer that would
                // take a contract's paid minutes out of bounds after an earlier one is skipped
                // and its window solved again in a later pass.
                if let (Some(r), Some(totals)) = (rules, paid_totals.as_mut()) {
                    let mut after = totals.clone();
                    for (&u, &n) in w.free.iter().zip(&counts) {
                        after[r.contract[u]] += r.paid[u] * (f64::from(n) - f64::from(x[u]));
                    }
                    let within =
                        after.iter().zip(&r.paid_bounds).all(|(&p, bounds)| bounds.contain(p));
                    if !within {
                        solved_at.remove(&(kind, w.first));
                        continue;
                    }
                    *totals = after;
                }
                for (&u, n) in w.free.iter().zip(counts) {
                    if n != x[u] {
                        for &t in &units[u].covered {
                            cov[t] = cov[t] + n - x[u];
                            changed[t] = *stamp;
                        }
                        x[u] = n;
                    }
                }
                total += change;
                improved = true;
            }
            if total <= floor + 1e-9 {
                return total;
            }
        }
        // Stop after four passes in a row (start and end, both grids) without a gain.
        idle_passes = if improved { 0 } else { idle_passes + 1 };
        if idle_passes == 4 {
            break;
        }
    }
    total
}

/// A window of [`polish_windows`]: its first start (or end) slot, its free units and the span
/// of slots they cover.
pub(super) struct Window {
    pub(super) first: usize,
    pub(super) free: Vec<usize>,
    pub(super) lo: usize,
    pub(super) hi: usize,
}

/// A cheaper answer of one window: the free units' new counts and the objective change.
pub(super) struct WindowAnswer {
    pub(super) counts: Vec<u32>,
    pub(super) change: f64,
}

/// One window of [`polish_windows`]: the units `free` (covering slots `lo..=hi`) re-counted
/// by microlp's branch and bound with every other unit fixed (with `tours`, the rules and each
/// contract's paid minutes now, also keeping each (contract, day) group's count and the
/// contracts' paid-minute bounds). The new counts and the
/// objective change when cheaper, else `None`.
#[allow(clippy::too_many_arguments)]
pub(super) fn solve_window(
    set: &UnitSet,
    slots: &SlotCost<'_>,
    x: &[u32],
    cov: &[u32],
    free: &[usize],
    lo: usize,
    hi: usize,
    tours: Option<(&TourRules, &[f64])>,
) -> Option<WindowAnswer> {
    use crate::schedule::mip::{Limits, SolverKind};
    let units = &set.units;
    // Coverage by the fixed units, and the window's objective now.
    let mut fixed: Vec<u32> = cov[lo..=hi].to_vec();
    let mut current = 0.0;
    for &u in free {
        current += f64::from(x[u]) * units[u].cost;
        for &t in &units[u].covered {
            fixed[t - lo] -= x[u];
        }
    }
    let mut sub = Mip::default();
    let mut start: Vec<f64> = Vec::with_capacity(free.len() + 2 * fixed.len());
    let mut terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); fixed.len()];
    for &u in free {
        let j = sub.add_col(0.0, f64::INFINITY, units[u].cost, true);
        start.push(f64::from(x[u]));
        for &t in &units[u].covered {
            terms[t - lo].push((j, 1.0));
        }
    }
    // Slot t: free coverage + fixed + under - over = required, the floor and cap as bounds on
    // under and over (no under-staffing column: hard coverage).
    for (k, mut row) in terms.into_iter().enumerate() {
        let t = lo + k;
        let r = f64::from(slots.required[t]);
        let floor = f64::from(slots.floor[t]);
        let cap = slots.cap[t].map_or(f64::INFINITY, f64::from);
        let hard = !slots.under[t].is_finite();
        let under_cost = if hard { 0.0 } else { slots.under[t] };
        let under_hi = if hard { 0.0 } else { (r - floor).max(0.0) };
        let uj = sub.add_col((r - cap).max(0.0), under_hi, under_cost, false);
        let oj = sub.add_col((floor - r).max(0.0), (cap - r).max(0.0), slots.over[t], false);
        let n = f64::from(cov[t]);
        start.push((r - n).max(0.0));
        start.push((n - r).max(0.0));
        current += slots.at(t, cov[t]);
        row.push((uj, 1.0));
        row.push((oj, -1.0));
        let rhs = r - f64::from(fixed[k]);
        sub.add_row(row, rhs, rhs);
    }
    // Tours: the free units of each (contract, day) keep their number (the agents working that
    // day), and each contract's paid minutes stay within its bounds.
    if let Some((rules, totals)) = tours {
        let mut groups: std::collections::BTreeMap<usize, (Vec<(usize, f64)>, f64)> =
            std::collections::BTreeMap::new();
        for (k, &u) in free.iter().enumerate() {
            let entry = groups.entry(rules.group[u]).or_default();
            entry.0.push((k, 1.0));
            entry.1 += f64::from(x[u]);
        }
        for (terms, n) in groups.into_values() {
            sub.add_row(terms, n, n);
        }
        for (c, &PaidBounds { lo, hi }) in rules.paid_bounds.iter().enumerate() {
            let mine: Vec<(usize, usize)> =
                free.iter().copied().enumerate().filter(|&(_, u)| rules.contract[u] == c).collect();
            if mine.is_empty() || (lo == f64::NEG_INFINITY && hi == f64::INFINITY) {
                continue;
            }
            let free_paid: f64 = mine.iter().map(|&(_, u)| rules.paid[u] * f64::from(x[u])).sum();
            let fixed = totals[c] - free_paid;
            let terms = mine.iter().map(|&(k, u)| (k, rules.paid[u])).collect();
            sub.add_row(terms, lo - fixed, hi - fixed);
        }
    }
    // The node budget stops the solve; the time limit is only a backstop.
    let limits = Limits { time_limit_seconds: 600.0, mip_gap: 0.0, node_limit: Some(WINDOW_NODES) };
    let solution =
        crate::schedule::mip::solve_from(&sub, SolverKind::Microlp, limits, false, Some(&start))
            .ok()?;
    (solution.objective < current - 1e-6).then(|| {
        let counts = solution.values[..free.len()].iter().map(|v| v.round() as u32).collect();
        WindowAnswer { counts, change: solution.objective - current }
    })
}
