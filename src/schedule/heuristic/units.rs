//! The heuristics' search space: each shift column's break combinations as *units*, with
//! the neighbour lists the moves use, and the model point of a vector of unit counts.

use std::collections::BTreeMap;

use crate::schedule::model::{BreakClass, QueueModel, ShiftColumn, ShiftType};

/// The model's column values of the unit counts `x` (coverage `cov`): shift and break columns,
/// coverage, under- and over-staffing.
pub(super) fn point_values(model: &QueueModel, set: &UnitSet, x: &[u32], cov: &[u32]) -> Vec<f64> {
    let QueueModel { queue: q, mip: m, cols, .. } = model;
    let mut values = vec![0.0; m.cols.len()];
    set.add_counts(x, &mut values);
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

/// One placeable shift: a shift column with one combination of break starts.
pub(super) struct Unit {
    /// The model's shift column.
    pub(super) col: usize,
    /// The column's objective cost.
    pub(super) cost: f64,
    /// The slots the shift is on the phone (outside its breaks), ascending.
    pub(super) covered: Vec<usize>,
}

/// The units of one shift column (its break combinations) and the column's LP value.
pub(super) struct ColumnUnits {
    pub(super) units: std::ops::Range<usize>,
    pub(super) lp_value: f64,
}

/// A shift's length and start, in slots: the key of the neighbour lists (ordered by length,
/// then start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct ShiftKey {
    pub(super) len: usize,
    pub(super) start: usize,
}

/// The placeable shifts of a model: each unit is one shift column with one combination of
/// break starts.
pub(super) struct UnitSet {
    pub(super) units: Vec<Unit>,
    /// The break columns each unit uses (explicit formulation).
    pub(super) unit_breaks: Vec<Vec<usize>>,
    /// Units of one column (its break combinations) and the column's LP value.
    pub(super) groups: Vec<ColumnUnits>,
    /// Units by (length, start slot).
    pub(super) by_start: std::collections::BTreeMap<ShiftKey, Vec<usize>>,
    /// (length, start slot) per unit.
    pub(super) keys: Vec<ShiftKey>,
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
    /// Add `x[i]` of each unit `i` to its shift column and break columns in `values`.
    pub(super) fn add_counts(&self, x: &[u32], values: &mut [f64]) {
        for (i, unit) in self.units.iter().enumerate() {
            values[unit.col] += f64::from(x[i]);
            for &b in &self.unit_breaks[i] {
                values[b] += f64::from(x[i]);
            }
        }
    }

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
        let ShiftKey { len, start } = self.keys[i];
        let group = |len: usize, start: usize| self.by_start.get(&ShiftKey { len, start });
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

/// A combination of break starts of one shift column and the explicit break columns they use.
struct BreakCombo {
    starts: Vec<usize>,
    cols: Vec<usize>,
}

/// The break combinations of shift column `c`: its own break starts (pattern formulation), or
/// every combination of the explicit break columns of its classes. `None` when a break start
/// has no column or the column is neither.
fn break_combos(
    shift: &ShiftType,
    c: &ShiftColumn,
    classes: &[BreakClass],
    break_col: &BTreeMap<(usize, usize, usize), usize>,
) -> Option<Vec<BreakCombo>> {
    if c.break_slots.len() == shift.classes.len() {
        return Some(vec![BreakCombo { starts: c.break_slots.clone(), cols: Vec::new() }]);
    }
    if !c.break_slots.is_empty() {
        return None;
    }
    let mut combos = vec![BreakCombo { starts: Vec::new(), cols: Vec::new() }];
    for &k in &shift.classes {
        let class = &classes[k];
        let window: Vec<(usize, usize)> = (class.earliest_offset..=class.latest_offset)
            .map(|o| {
                let slot = shift.start_slot + o;
                break_col.get(&(k, shift.start_slot, slot)).map(|&j| (slot, j))
            })
            .collect::<Option<Vec<_>>>()?;
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                window.iter().map(move |&(slot, j)| {
                    let mut starts = combo.starts.clone();
                    let mut cols = combo.cols.clone();
                    starts.push(slot);
                    cols.push(j);
                    BreakCombo { starts, cols }
                })
            })
            .collect();
    }
    Some(combos)
}

pub(super) fn build_units(model: &QueueModel, lp: &[f64]) -> Option<UnitSet> {
    let QueueModel { queue: q, mip: m, cols, types, classes } = model;
    let t_len = q.slots.len();
    // Explicit break columns by (class, shifts' start slot, break start).
    let break_col: BTreeMap<(usize, usize, usize), usize> = cols
        .breaks
        .iter()
        .map(|b| ((b.class, b.shift_start.unwrap_or(0), b.slot), b.col))
        .collect();
    // Each unit: its shift column, cost and covered slots, and the break columns it uses; a
    // pattern column is one unit, an explicit-formulation shift column one unit per
    // combination of break starts. Neighbours by (length, start slot).
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_breaks: Vec<Vec<usize>> = Vec::new();
    let mut unit_type: Vec<usize> = Vec::new();
    // Units of one column (its break combinations) and the column's LP value.
    let mut groups: Vec<ColumnUnits> = Vec::new();
    let mut by_start: std::collections::BTreeMap<ShiftKey, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (s, shift) in types.iter().enumerate() {
        for c in &cols.x[s] {
            let combos = break_combos(shift, c, classes, &break_col)?;
            let first = units.len();
            for BreakCombo { starts: slots, cols: bcols } in combos {
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
                    .entry(ShiftKey { len: shift.len_slots, start: shift.start_slot })
                    .or_default()
                    .push(units.len());
                units.push(Unit { col: c.col, cost: m.cols[c.col].cost, covered });
                unit_breaks.push(bcols);
                unit_type.push(s);
            }
            groups.push(ColumnUnits { units: first..units.len(), lp_value: lp[c.col].max(0.0) });
        }
    }
    let keys: Vec<ShiftKey> = {
        let mut v = vec![ShiftKey::default(); units.len()];
        for (&key, list) in &by_start {
            for &i in list {
                v[i] = key;
            }
        }
        v
    };
    let mut position = vec![0usize; units.len()];
    for list in by_start.values() {
        for (p, &i) in list.iter().enumerate() {
            position[i] = p;
        }
    }
    let mut covering: Vec<Vec<usize>> = vec![Vec::new(); t_len];
    for (i, unit) in units.iter().enumerate() {
        for &t in &unit.covered {
            covering[t].push(i);
        }
    }
    let lens: Vec<usize> = by_start
        .keys()
        .map(|k| k.len)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Some(UnitSet {
        units,
        unit_breaks,
        groups,
        by_start,
        keys,
        position,
        covering,
        lens,
        unit_type,
    })
}
