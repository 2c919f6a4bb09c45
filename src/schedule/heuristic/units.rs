//! The heuristics' search space: each shift column's break combinations as *units*, with
//! the neighbour lists the moves use, and the model point of a vector of unit counts.

use crate::schedule::mip::Mip;
use crate::schedule::model::{BreakClass, Columns, QueueData, ShiftType};

/// The model's column values of the unit counts `x` (coverage `cov`): shift and break columns,
/// coverage, under- and over-staffing.
pub(super) fn point_values(
    q: &QueueData,
    m: &Mip,
    cols: &Columns,
    set: &UnitSet,
    x: &[u32],
    cov: &[u32],
) -> Vec<f64> {
    let mut values = vec![0.0; m.cols.len()];
    for (i, (col, _, _)) in set.shift_cols.iter().enumerate() {
        values[*col] += f64::from(x[i]);
        for &b in &set.unit_breaks[i] {
            values[b] += f64::from(x[i]);
        }
    }
    for t in 0..q.slots.len() {
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
    values
}

/// The placeable shifts of a model: each unit is one shift column with one combination of
/// break starts.
pub(super) struct UnitSet {
    /// (shift column, cost, covered slots) per unit.
    pub(super) shift_cols: Vec<(usize, f64, Vec<usize>)>,
    /// The break columns each unit uses (explicit formulation).
    pub(super) unit_breaks: Vec<Vec<usize>>,
    /// Units of one column (its break combinations) and the column's LP value.
    pub(super) groups: Vec<(std::ops::Range<usize>, f64)>,
    /// Units by (length, start slot).
    pub(super) by_start: std::collections::BTreeMap<(usize, usize), Vec<usize>>,
    /// (length, start slot) per unit.
    pub(super) shift_lens: Vec<(usize, usize)>,
    /// Each unit's place in its (length, start slot) list: the same break offsets.
    pub(super) position: Vec<usize>,
    /// The units covering each slot.
    pub(super) covering: Vec<Vec<usize>>,
    /// The shift lengths in slots, ascending.
    pub(super) lens: Vec<usize>,
    /// The shift type (index into the model's types) of each unit.
    pub(super) unit_type: Vec<usize>,
}

/// A neighbour of unit `i` for the annealers' moves.
#[derive(Clone, Copy)]
pub(super) enum Move {
    /// The same length and break offsets, a start 1–4 intervals earlier or later.
    Slide,
    /// The same shift, another break position.
    Rebreak,
    /// Another length, keeping the start or the end.
    Resize,
}

impl UnitSet {
    /// The annealers' move for unit `i` from a roll in `0..100`: a removal (`None`) below
    /// `cuts[0]`, a slide below `cuts[1]`, a rebreak below `cuts[2]`, a resize above.
    pub(super) fn propose(
        &self,
        i: usize,
        roll: u32,
        cuts: [u32; 3],
        rng: &mut impl rand::Rng,
    ) -> Option<usize> {
        if roll < cuts[0] {
            None
        } else if roll < cuts[1] {
            self.neighbour(i, Move::Slide, rng)
        } else if roll < cuts[2] {
            self.neighbour(i, Move::Rebreak, rng)
        } else {
            self.neighbour(i, Move::Resize, rng)
        }
    }

    /// A random neighbour of unit `i` (None when the slot grid has no such shift).
    pub(super) fn neighbour(
        &self,
        i: usize,
        kind: Move,
        rng: &mut impl rand::Rng,
    ) -> Option<usize> {
        let (len, start) = self.shift_lens[i];
        let group = |len: usize, start: usize| self.by_start.get(&(len, start));
        match kind {
            Move::Slide => {
                let d = rng.random_range(1..=4usize);
                let st = if rng.random::<bool>() { start + d } else { start.wrapping_sub(d) };
                group(len, st).and_then(|g| g.get(self.position[i]).or_else(|| g.first())).copied()
            }
            Move::Rebreak => group(len, start).map(|g| g[rng.random_range(0..g.len())]),
            Move::Resize => {
                let l = self.lens[rng.random_range(0..self.lens.len())];
                let st = if rng.random::<bool>() { start } else { (start + len).wrapping_sub(l) };
                group(l, st).map(|g| g[rng.random_range(0..g.len())])
            }
        }
    }
}

pub(super) fn build_units(
    q: &QueueData,
    m: &Mip,
    cols: &Columns,
    types: &[ShiftType],
    classes: &[BreakClass],
    lp: &[f64],
) -> Option<UnitSet> {
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
    let mut unit_type: Vec<usize> = Vec::new();
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
                unit_type.push(s);
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
    let mut position = vec![0usize; shift_cols.len()];
    for list in by_start.values() {
        for (p, &i) in list.iter().enumerate() {
            position[i] = p;
        }
    }
    let mut covering: Vec<Vec<usize>> = vec![Vec::new(); t_len];
    for (i, (_, _, covered)) in shift_cols.iter().enumerate() {
        for &t in covered {
            covering[t].push(i);
        }
    }
    let lens: Vec<usize> = by_start
        .keys()
        .map(|k| k.0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Some(UnitSet {
        shift_cols,
        unit_breaks,
        groups,
        by_start,
        shift_lens,
        position,
        covering,
        lens,
        unit_type,
    })
}
