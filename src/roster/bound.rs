//! Lower bound on roster cost: a linear relaxation of the weekly hours balance, solved per
//! planning week with good_lp's microlp back end.
//!
//! For week w, seats are grouped into kinds k = (queue, paid length L_k) with H_k hours in all,
//! and agents into classes c of identical (hourly cost r_c, seat kinds they may take, weekly
//! minimum m_c, reachable weekly maximum M_c, most shifts D_c), n_c agents each. Variables:
//! x_ck ≥ 0 hours class c works on kind k, u_k ≥ 0 hours of kind k left empty, s_c ≥ 0 hours
//! below contract minima.
//!
//! ```text
//! minimise   Σ_c Σ_k r_c x_ck + P_u Σ_k u_k + P_s Σ_c s_c
//! subject to Σ_c x_ck + u_k = H_k                  (every seat hour is worked or empty)
//!            Σ_k x_ck ≤ n_c M_c                    (weekly maximum)
//!            Σ_k x_ck / L_k ≤ n_c D_c              (shifts: one a day, at most D_c a week)
//!            Σ_k x_ck + s_c ≥ n_c m_c              (weekly minimum, shortfall paid at P_s)
//! ```
//!
//! Any roster gives a feasible point with the same cost (x = hours worked, u = empty seat hours,
//! s = summed shortfalls, which is at least n_c m_c − Σ hours), so the LP optimum is a lower
//! bound. Only seats the agent may take count (skill, unavailable dates and weekdays, earliest
//! start, latest end). D_c = min(max_days_week, days with such a seat). M_c is tightened from
//! `max_hours_week` to the largest total a week can really reach — the longest sum of at most D_c
//! of the agent's seat lengths that fits under `max_hours_week` (a subset-sum over the few
//! distinct lengths): with 7.5-hour shifts and a 40-hour limit it is 37.5; an agent who may take
//! no seat has M_c = 0 and its whole minimum is shortfall. The shift-count row is what sees that
//! five 4-hour shifts cannot make a 36-hour week. The bound ignores the rest and
//! consecutive-day rules and the days and times of the seats within a kind, which only raise
//! the cost.

use std::collections::BTreeMap;

use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel};
use rayon::prelude::*;

use super::model::Problem;
use super::RosterError;

/// Sum of the weekly LP optima over the horizon.
pub(crate) fn lower_bound(p: &Problem) -> Result<f64, RosterError> {
    let weeks: Vec<f64> =
        (0..p.weeks).into_par_iter().map(|w| week_bound(p, w)).collect::<Result<_, _>>()?;
    Ok(weeks.iter().sum())
}

/// Largest total of at most `max_count` values from `lengths` (repetition allowed) that does
/// not exceed `cap`.
pub(crate) fn max_reachable(lengths: &[u32], max_count: u32, cap: u32) -> u32 {
    let cap = cap as usize;
    let mut reach = vec![false; cap + 1];
    reach[0] = true;
    let mut frontier = reach.clone();
    for _ in 0..max_count {
        let mut next = vec![false; cap + 1];
        let mut any = false;
        for (v, _) in frontier.iter().enumerate().filter(|(_, r)| **r) {
            for &l in lengths {
                let t = v + l as usize;
                if t <= cap && !next[t] {
                    next[t] = true;
                    any = true;
                }
            }
        }
        if !any {
            break;
        }
        for (r, n) in reach.iter_mut().zip(&next) {
            *r |= *n;
        }
        frontier = next;
    }
    reach.iter().rposition(|&r| r).unwrap_or(0) as u32
}

fn week_bound(p: &Problem, w: usize) -> Result<f64, RosterError> {
    let days = w * 7..w * 7 + 7;
    // Seat kinds of the week: (queue, paid minutes), with their hours.
    let mut kind_index: BTreeMap<(u16, u32), usize> = BTreeMap::new();
    for s in p.seats.iter().filter(|s| s.week as usize == w) {
        let next = kind_index.len();
        kind_index.entry((s.queue, s.paid_minutes)).or_insert(next);
    }
    let nk = kind_index.len();
    let mut kind_minutes = vec![0u32; nk];
    for (&(_, minutes), &k) in &kind_index {
        kind_minutes[k] = minutes;
    }
    let mut hours = vec![0.0f64; nk];
    for s in p.seats.iter().filter(|s| s.week as usize == w) {
        hours[kind_index[&(s.queue, s.paid_minutes)]] += f64::from(s.paid_minutes) / 60.0;
    }
    let groups: Vec<usize> =
        days.clone().flat_map(|d| p.groups_by_day[d].iter().map(|&g| g as usize)).collect();
    // Class key: (cost bits, seat kinds the agent may take, min minutes, reachable maximum
    // minutes, most shifts in the week).
    type Key = (u64, Vec<bool>, u32, u32, u32);
    let mut classes: BTreeMap<Key, u32> = BTreeMap::new();
    let mut reach_cache: BTreeMap<(Vec<u32>, u32, u32), u32> = BTreeMap::new();
    for (ai, a) in p.agents.iter().enumerate() {
        // Only seats the agent may take (skill, availability, earliest start, latest end) count.
        let mut kinds = vec![false; nk];
        let mut open = [false; 7];
        for &g in &groups {
            let group = &p.groups[g];
            let seat0 = group.seats[0] as usize;
            if p.eligible(ai, seat0) {
                kinds[kind_index[&(group.queue, p.seats[seat0].paid_minutes)]] = true;
                open[group.day as usize - w * 7] = true;
            }
        }
        let mut agent_lengths: Vec<u32> =
            (0..nk).filter(|&k| kinds[k]).map(|k| kind_minutes[k]).collect();
        agent_lengths.sort_unstable();
        agent_lengths.dedup();
        let open_days = open.iter().filter(|&&o| o).count() as u32;
        let max_count = a.max_days_week.min(open_days);
        let key = (agent_lengths, max_count, a.max_minutes_week);
        let reach = match reach_cache.get(&key) {
            Some(&r) => r,
            None => {
                let r = max_reachable(&key.0, max_count, a.max_minutes_week);
                reach_cache.insert(key, r);
                r
            }
        };
        let key =
            ((a.rate_per_minute * 60.0).to_bits(), kinds, a.min_minutes_week[w], reach, max_count);
        *classes.entry(key).or_insert(0) += 1;
    }

    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(classes.len() * (nk + 1) + nk);
    let mut per_kind: Vec<Expression> =
        (0..nk).map(|_| Expression::with_capacity(classes.len() + 1)).collect();
    let mut constraints = Vec::new();
    for e in per_kind.iter_mut() {
        let u = vars.add(variable().min(0.0));
        objective.add_mul(p.unfilled_per_minute * 60.0, u);
        e.add_mul(1.0, u);
    }
    for ((rate_bits, kinds, min_minutes, reach, max_count), &n) in &classes {
        let rate = f64::from_bits(*rate_bits);
        let n = f64::from(n);
        let mut worked = Expression::with_capacity(nk);
        let mut shifts = Expression::with_capacity(nk);
        for k in (0..nk).filter(|&k| kinds[k]) {
            let x = vars.add(variable().min(0.0));
            objective.add_mul(rate, x);
            per_kind[k].add_mul(1.0, x);
            worked.add_mul(1.0, x);
            shifts.add_mul(60.0 / f64::from(kind_minutes[k]), x);
        }
        let min_hours = n * f64::from(*min_minutes) / 60.0;
        if min_hours > 0.0 {
            let s = vars.add(variable().min(0.0).max(min_hours));
            objective.add_mul(p.shortfall_per_minute * 60.0, s);
            constraints.push((worked.clone() + s).geq(min_hours));
        }
        constraints.push(worked.leq(n * f64::from(*reach) / 60.0));
        constraints.push(shifts.leq(n * f64::from(*max_count)));
    }
    for (k, e) in per_kind.into_iter().enumerate() {
        constraints.push(e.eq(hours[k]));
    }
    let mut model = vars.minimise(objective.clone()).using(microlp);
    for c in constraints {
        model = model.with(c);
    }
    let solution = model.solve().map_err(|e| {
        RosterError::Invalid(format!("lower-bound LP of week {} failed: {e}", w + 1))
    })?;
    let value = solution.eval(&objective);
    // The simplex works in floating point: shave a relative 1e-9 so the bound stays valid.
    Ok((value - 1e-9 * value.abs()).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::max_reachable;

    #[test]
    fn reachable_week_respects_shift_lengths() {
        // 7.5-hour shifts under 40 hours: five of them, 37.5 hours.
        assert_eq!(max_reachable(&[450], 7, 2400), 2250);
        // 8-hour and 5-hour shifts, at most 4 days, 25 hours: 8+8+8 = 24 (8+8+5+5 = 26 too long).
        assert_eq!(max_reachable(&[300, 480], 4, 1500), 1440);
        assert_eq!(max_reachable(&[], 5, 2400), 0);
    }
}
