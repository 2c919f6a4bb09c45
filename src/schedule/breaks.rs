//! Matching breaks to shifts after the solve: earliest deadline first.
//!
//! The model decides how many shifts of each type are worked and how many breaks of each class
//! start in each interval; this pass gives every shift its own break. Within a class every
//! shift's window is `[start + a, start + b]`; sweeping break starts in time order and giving
//! each break to the waiting shift whose window closes first is optimal for matching points to
//! intervals (the greedy exchange argument of interval scheduling), so it succeeds whenever a
//! matching exists — which the forward/backward rows of the model guarantee (Bechtold & Jacobs
//! 1990). A failure here is therefore an internal error, never a planning outcome.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::model::{BreakClass, ShiftType};

/// Break start slot per shift type, per worked instance, per entry of `ShiftType::classes`.
pub type Placement = Vec<Vec<Vec<usize>>>;

/// Give each of `counts[s]` instances of shift type `s` one break of each of its classes, using
/// exactly `breaks[k]` = (first slot, count per slot) breaks of class `k`.
pub fn assign(
    shifts: &[ShiftType],
    counts: &[u32],
    classes: &[BreakClass],
    breaks: &[(usize, Vec<u32>)],
) -> Result<Placement, String> {
    let mut out: Placement = shifts
        .iter()
        .zip(counts)
        .map(|(s, &n)| vec![vec![usize::MAX; s.classes.len()]; n as usize])
        .collect();
    for (k, class) in classes.iter().enumerate() {
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
        let (first, per_slot) = &breaks[k];
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
                    return Err(format!("break {:?}: a window closed at slot {end} without a break", class.name));
                }
            }
        }
        if next < waiting.len() || !heap.is_empty() {
            return Err(format!("break {:?}: shifts left without a break", class.name));
        }
    }
    Ok(out)
}
