//! Lower bound on roster cost: a linear relaxation of the weekly hours balance, solved per
//! planning week with good_lp's microlp back end.
//!
//! For week w, agents are grouped into classes c of identical (hourly cost, skills, minimum
//! minutes, achievable maximum minutes), n_c agents each. Variables: x_cq ≥ 0 paid hours class c
//! works on queue q, u_q ≥ 0 hours of queue q left empty, s_c ≥ 0 hours below contract minima.
//!
//! ```text
//! minimise   Σ_c Σ_q r_c x_cq + P_u Σ_q u_q + P_s Σ_c s_c
//! subject to Σ_c x_cq + u_q = H_q                  (every seat hour is worked or empty)
//!            Σ_q x_cq ≤ n_c M_c                    (weekly maximum)
//!            Σ_q x_cq + s_c ≥ n_c m_c              (weekly minimum, shortfall paid at P_s)
//! ```
//!
//! Any roster gives a feasible point with the same cost (x = hours worked, u = empty seat hours,
//! s = summed shortfalls, which is at least n_c m_c − Σ hours), so the LP optimum is a lower bound.
//! Only seats the agent may take count (skill, unavailable dates and weekdays, earliest start,
//! latest end): they decide the agent's queues, and M_c is tightened from `max_hours_week` to
//! the largest total a week can really reach — the longest sum of at most min(max_days_week,
//! days with such a seat) of their lengths that fits under `max_hours_week` (a subset-sum over
//! the few distinct lengths). With 8-hour shifts and a 40-hour limit this is 40; with 7.5-hour
//! shifts it is 37.5, which the plain limit misses; an agent who may take no seat has M_c = 0
//! and its whole minimum is shortfall. The bound ignores the rest and consecutive-day rules and
//! which seats of a queue an agent may take, which only raise the cost.

use std::collections::BTreeMap;

use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
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
    let nq = p.queues.len();
    let days = w * 7..w * 7 + 7;
    let mut hours = vec![0.0f64; nq];
    for s in p.seats.iter().filter(|s| s.week as usize == w) {
        hours[s.queue as usize] += f64::from(s.paid_minutes) / 60.0;
    }
    let groups: Vec<usize> =
        days.clone().flat_map(|d| p.groups_by_day[d].iter().map(|&g| g as usize)).collect();
    // Class key: (cost bits, queues with a seat the agent may take, min minutes, reachable max).
    let mut classes: BTreeMap<(u64, Vec<bool>, u32, u32), u32> = BTreeMap::new();
    let mut reach_cache: BTreeMap<(Vec<u32>, u32, u32), u32> = BTreeMap::new();
    for (ai, a) in p.agents.iter().enumerate() {
        // Only seats the agent may take (skill, availability, earliest start, latest end) count.
        let mut skills = vec![false; nq];
        let mut agent_lengths: Vec<u32> = Vec::new();
        let mut open = [false; 7];
        for &g in &groups {
            let group = &p.groups[g];
            let seat0 = group.seats[0] as usize;
            if p.eligible(ai, seat0) {
                skills[group.queue as usize] = true;
                agent_lengths.push(p.seats[seat0].paid_minutes);
                open[group.day as usize - w * 7] = true;
            }
        }
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
        *classes
            .entry(((a.rate_per_minute * 60.0).to_bits(), skills, a.min_minutes_week[w], reach))
            .or_insert(0) += 1;
    }

    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(classes.len() * (nq + 1) + nq);
    let mut per_queue: Vec<Expression> =
        (0..nq).map(|_| Expression::with_capacity(classes.len() + 1)).collect();
    let mut constraints = Vec::new();
    let unfilled: Vec<Variable> = (0..nq).map(|_| vars.add(variable().min(0.0))).collect();
    for (q, u) in unfilled.iter().enumerate() {
        objective.add_mul(p.unfilled_per_minute * 60.0, *u);
        per_queue[q].add_mul(1.0, *u);
    }
    for ((rate_bits, skills, min_minutes, reach), &n) in &classes {
        let rate = f64::from_bits(*rate_bits);
        let n = f64::from(n);
        let mut worked = Expression::with_capacity(nq);
        for q in (0..nq).filter(|&q| skills[q]) {
            let x = vars.add(variable().min(0.0));
            objective.add_mul(rate, x);
            per_queue[q].add_mul(1.0, x);
            worked.add_mul(1.0, x);
        }
        let min_hours = n * f64::from(*min_minutes) / 60.0;
        if min_hours > 0.0 {
            let s = vars.add(variable().min(0.0).max(min_hours));
            objective.add_mul(p.shortfall_per_minute * 60.0, s);
            constraints.push((worked.clone() + s).geq(min_hours));
        }
        constraints.push(worked.leq(n * f64::from(*reach) / 60.0));
    }
    for (q, e) in per_queue.into_iter().enumerate() {
        constraints.push(e.eq(hours[q]));
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
