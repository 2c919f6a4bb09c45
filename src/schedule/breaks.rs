//! Giving every worked shift its own breaks after the solve.
//!
//! Explicit break columns already say which shifts (those of a class starting in one slot) a
//! break belongs to: the breaks of that pool are dealt out to those shifts in order.
//!
//! Implicit columns (Bechtold & Jacobs) say only how many breaks of a class start in each
//! interval; they are matched earliest deadline first. Within a class every
//! shift's window is `[start + a, start + b]`; sweeping break starts in time order and giving
//! each break to the waiting shift whose window closes first is optimal for matching points to
//! intervals (the greedy exchange argument of interval scheduling), so it succeeds whenever a
//! matching exists — which the forward/backward rows of the model guarantee (Bechtold & Jacobs
//! 1990). A failure here is therefore an internal error, never a planning outcome.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::model::{BreakClass, ShiftType};

/// Break start slot per shift type, per worked instance, per entry of `ShiftType::classes`.
pub type Placement = Vec<Vec<Vec<usize>>>;

/// How many breaks of one class start at one slot (a break column's value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakCount {
    pub class: usize,
    /// The break's start slot.
    pub slot: usize,
    /// Explicit columns: the start slot of the shifts the breaks belong to.
    pub shift_start: Option<usize>,
    pub count: u32,
}

/// Give each of `counts[s]` instances of shift type `s` one break of each of its classes, using
/// exactly the breaks listed.
pub fn assign(
    shifts: &[ShiftType],
    counts: &[u32],
    classes: &[BreakClass],
    breaks: &[BreakCount],
) -> Result<Placement, String> {
    let mut out: Placement = shifts
        .iter()
        .zip(counts)
        .map(|(s, &n)| vec![vec![usize::MAX; s.classes.len()]; n as usize])
        .collect();
    // Explicit pools: (class, shifts' start) -> break starts, one entry per break.
    let mut pools: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    // Implicit: class -> (first slot, count per slot).
    let mut implicit: BTreeMap<usize, (usize, Vec<u32>)> = BTreeMap::new();
    for &BreakCount { class: k, slot, shift_start, count: n } in breaks {
        match shift_start {
            Some(st) => {
                pools.entry((k, st)).or_default().extend(std::iter::repeat_n(slot, n as usize))
            }
            None => {
                let e = implicit.entry(k).or_insert((slot, Vec::new()));
                if slot < e.0 {
                    return Err("implicit break columns out of order".into());
                }
                let r = slot - e.0;
                if e.1.len() <= r {
                    e.1.resize(r + 1, 0);
                }
                e.1[r] += n;
            }
        }
    }
    for (s, shift) in shifts.iter().enumerate() {
        for (pos, &k) in shift.classes.iter().enumerate() {
            if implicit.contains_key(&k) {
                continue;
            }
            let pool = pools.entry((k, shift.start_slot)).or_default();
            for instance in out[s].iter_mut() {
                let slot = pool.pop().ok_or_else(|| {
                    format!(
                        "break {:?}: too few breaks for the shifts starting at slot {}",
                        classes[k].name, shift.start_slot
                    )
                })?;
                let class = &classes[k];
                if slot < shift.start_slot + class.earliest_offset
                    || slot > shift.start_slot + class.latest_offset
                {
                    return Err(format!("break {:?}: slot {slot} outside the window", class.name));
                }
                instance[pos] = slot;
            }
        }
    }
    if let Some(((k, st), _)) = pools.iter().find(|(_, v)| !v.is_empty()) {
        return Err(format!(
            "break {:?}: breaks left over for the shifts starting at slot {st}",
            classes[*k].name
        ));
    }
    for (&k, (first, per_slot)) in &implicit {
        let class = &classes[k];
        // (window start, window end, shift type, position of k in its classes, instance)
        let mut waiting: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
        for (s, shift) in shifts.iter().enumerate() {
            if let Some(pos) = shift.classes.iter().position(|&c| c == k) {
                for j in 0..counts[s] as usize {
                    waiting.push((
                        shift.start_slot + class.earliest_offset,
                        shift.start_slot + class.latest_offset,
                        s,
                        pos,
                        j,
                    ));
                }
            }
        }
        waiting.sort_unstable();
        let total: u32 = per_slot.iter().sum();
        if total as usize != waiting.len() {
            return Err(format!(
                "break {:?}: {} breaks for {} shifts",
                class.name,
                total,
                waiting.len()
            ));
        }
        let mut heap = BinaryHeap::new();
        let mut next = 0;
        for (r, &n) in per_slot.iter().enumerate() {
            let tau = first + r;
            while next < waiting.len() && waiting[next].0 <= tau {
                let (_, end, s, pos, j) = waiting[next];
                heap.push(Reverse((end, s, pos, j)));
                next += 1;
            }
            for _ in 0..n {
                match heap.pop() {
                    Some(Reverse((end, s, pos, j))) if end >= tau => out[s][j][pos] = tau,
                    _ => {
                        return Err(format!(
                            "break {:?}: a break at slot {tau} has no shift whose window holds it",
                            class.name
                        ))
                    }
                }
            }
            if let Some(Reverse((end, ..))) = heap.peek() {
                if *end <= tau {
                    return Err(format!(
                        "break {:?}: a window closed at slot {end} without a break",
                        class.name
                    ));
                }
            }
        }
        if next < waiting.len() || !heap.is_empty() {
            return Err(format!("break {:?}: shifts left without a break", class.name));
        }
    }
    Ok(out)
}
