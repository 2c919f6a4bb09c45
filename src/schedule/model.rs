//! The integer program of one queue: shift counts, implicit breaks, tours, coverage and the
//! service-level curve.
//!
//! ## Formulation
//! Slots `t = 0..T` are the queue's intervals in absolute time from local midnight of the first
//! day (so daylight-saving days have 92 or 100 quarter hours). A *shift type* `s` is (day, start
//! slot, length, contract); `x_s` (integer) is how many such shifts are worked.
//!
//! **Breaks** use the implicit formulation of Bechtold & Jacobs (1990), *Implicit modeling of
//! flexible break assignments in optimal shift scheduling*, Management Science 36(11). Shifts
//! whose break window has the same offsets and length form a *break class* `k`; `y_kτ` counts
//! breaks of class `k` starting at slot `τ`. All windows of a class are translates of one
//! another, so no window strictly contains another ("no extraordinary overlap"), and then the
//! breaks can be matched to the shifts (each shift one break inside its window) exactly when
//! - forward: for every `τ`, breaks starting `<= τ` >= shifts whose window ends `<= τ`,
//! - backward: for every `τ`, breaks starting `>= τ` >= shifts whose window starts `>= τ`,
//! - and the totals are equal.
//!
//! (Hall's condition on any range `[a, b]` follows from the two at `b` and `a`: a range shorter
//! than the window width contains no window, a longer one is strictly inside none.) The
//! cumulative rows are written with running-slack columns `f_kτ = Σ_{τ'<=τ} y − Σ_{end<=τ} x >= 0`
//! (`f_kτ − f_k,τ−1 − y_kτ + Σ_{end=τ} x = 0`, `f` at the last slot fixed to 0) and `g`
//! likewise backwards, so every row has a handful of nonzeros. After the solve each shift gets
//! its break by earliest-deadline-first matching ([`super::breaks`]).
//!
//! **Coverage** (agents on the phone) is a column `c_t` defined by *differenced* rows:
//! `c_t − c_{t−1} = Σ_{starts at t} x − Σ_{ends at t} x − Σ_k (y_kt − y_k,t−len_k)`,
//! a unimodular transformation of the dense "sum of every shift covering t" rows, with 2–6
//! nonzeros per row instead of 16–40 (on the densest one-week instance it took HiGHS from
//! 40 s to 3 s). Cost mode: `c_t + u_t − o_t = required_t` with penalties on
//! `u`, `o`; floors and caps are bounds on `c_t`.
//!
//! **Tours** (Baker 1974; Bailey 1985, *Integrated days off and shift personnel scheduling*,
//! Computers & IE 9(4)): `z_cp` (integer) agents of contract `c` work days-off pattern `p`; for
//! every contract and day the shifts worked equal the agents working: `Σ_{s∈c, day d} x_s =
//! Σ_{p∋d} z_cp`, so each agent has exactly one shift on each working day and the week can be
//! cut into lines. Weekly paid hours of a contract are bounded on average over its agents.
//!
//! **Service level**: per interval, `sl_t <= a_k + b_k c_t` for each segment of the upper concave
//! hull of the curve `SL_t(n)` (n at or above the interval's floor); `Σ_t contacts_t sl_t >=
//! target Σ_t contacts_t` per day or week. The hull is exact where the curve is concave; the true
//! SL of the integer schedule is checked afterwards and shifts are added where the hull flattered
//! it ([`super::heuristic::top_up_service_level`]).
//!
//! With breaks placed freely, the break columns of a cost-mode model form an interval matrix
//! (consecutive ones) with identity slacks, which is totally unimodular: for integer shift counts
//! an optimal vertex has integer breaks. So in cost mode `y` is continuous in the branch and bound
//! and a second, small solve with the shift counts fixed makes it integral.

use chrono::{Duration, NaiveDate};

use super::config::{ScheduleConfig, ServiceLevelScope};
use super::mip::Mip;
use crate::time::Stamp;

/// One queue's data on the slot axis.
#[derive(Debug, Clone)]
pub struct QueueData {
    pub name: String,
    pub interval_minutes: u32,
    /// Interval starts `0..T` (the horizon).
    pub slots: Vec<Stamp>,
    /// Horizon days.
    pub dates: Vec<NaiveDate>,
    /// Day index of each slot.
    pub slot_day: Vec<usize>,
    pub required: Vec<u32>,
    /// Hard lower bound on agents on the phone.
    pub floor: Vec<u32>,
    /// Hard upper bound on agents on the phone.
    pub cap: Vec<Option<u32>>,
    pub open: Vec<bool>,
    pub contacts: Vec<f64>,
    pub aht_seconds: Vec<f64>,
}

/// A break class: one rule's window offsets (in slots after the shift start) and length.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakClass {
    pub name: String,
    pub paid: bool,
    pub earliest_offset: usize,
    pub latest_offset: usize,
    pub len_slots: usize,
}

/// One shift type (day, start, length, contract).
#[derive(Debug, Clone)]
pub struct ShiftType {
    pub day: usize,
    pub start_slot: usize,
    pub len_slots: usize,
    pub start: Stamp,
    pub length_minutes: u32,
    pub paid_minutes: u32,
    pub template: String,
    pub contract: Option<usize>,
    /// Break classes this shift takes, in time order.
    pub classes: Vec<usize>,
}

impl ShiftType {
    pub fn end_slot(&self) -> usize {
        self.start_slot + self.len_slots
    }
}

/// A days-off pattern: `works[d]` for each horizon day.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub contract: usize,
    pub works: Vec<bool>,
}

/// What the objective is.
#[derive(Debug, Clone)]
pub enum Mode {
    Cost,
    /// Per measure its slots' hull segments, and the scopes' targets.
    ServiceLevel {
        measures: Vec<MeasureHulls>,
        scopes: Vec<SlScope>,
    },
}

/// What a service-level-mode scope holds at its target: a contact-weighted fraction that rises
/// with the agents, read per slot off a concave hull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The service level (answered within the target time / offered).
    ServiceLevel,
    /// One minus the abandonment rate: a cap `a` on the scope's abandonment is the target
    /// `1 − a` on the contact-weighted mean of `1 − abandonment`.
    NotAbandoned,
}

/// One measure's concave hull segments per slot (empty for slots without contacts).
#[derive(Debug, Clone)]
pub struct MeasureHulls {
    pub measure: Measure,
    pub hulls: Vec<Vec<HullSegment>>,
}

/// One segment of a slot's concave service-level hull: `sl <= intercept + slope × agents`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HullSegment {
    pub slope: f64,
    pub intercept: f64,
}

impl HullSegment {
    /// The segment's service level at `agents`.
    pub fn at(&self, agents: f64) -> f64 {
        self.intercept + self.slope * agents
    }
}

/// A set of slots whose contact-weighted measure (the index into the mode's measures) must
/// reach `target`.
#[derive(Debug, Clone)]
pub struct SlScope {
    pub label: String,
    pub slots: Vec<usize>,
    pub target: f64,
    pub measure: usize,
}

/// How breaks enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakFormulation {
    /// `pattern` up to 50,000 shift columns (types × break combinations), else `explicit`.
    #[default]
    Auto,
    /// One shift column per combination of break starts (the shift-pattern model of Dantzig
    /// 1954 with break positions): no linking rows, the fastest for microlp when the windows
    /// give few combinations.
    Pattern,
    /// Break columns per (class, shifts' start slot, break start): `Σ_offset w = Σ x` for the
    /// shifts starting together.
    Explicit,
    /// Bechtold & Jacobs (1990): break columns per (class, break start) with forward/backward
    /// rows. Smaller in theory; its running-slack chains are slow in microlp (BENCHMARKS.md).
    Implicit,
}

/// One break column: `col` breaks of class `class` start at `slot`; explicit columns also name
/// the start slot of the shifts they belong to.
#[derive(Debug, Clone, Copy)]
pub struct BreakColumn {
    pub class: usize,
    pub slot: usize,
    pub shift_start: Option<usize>,
    pub col: usize,
}

/// A column counting worked shifts of one type; in the pattern formulation it also fixes the
/// break starts (absolute slots, one per entry of `ShiftType::classes`).
#[derive(Debug, Clone)]
pub struct ShiftColumn {
    pub col: usize,
    pub break_slots: Vec<usize>,
}

/// Column indices of a built model.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Per shift type, its columns.
    pub x: Vec<Vec<ShiftColumn>>,
    pub breaks: Vec<BreakColumn>,
    pub z: Vec<usize>,
    pub c: Vec<usize>,
    /// Cost mode: the under-staffing column of each slot (when under-staffing is allowed) and
    /// the over-staffing column.
    pub under: Vec<Option<usize>>,
    pub over: Vec<Option<usize>>,
    /// Service-level mode: per measure, the column holding each slot's value (slots with
    /// contacts).
    pub sl: Vec<Vec<Option<usize>>>,
}

/// One queue's integer program and what it was built from: the queue's data on the slot axis,
/// the model, its column indices, the shift types and their break classes. The heuristics, the
/// search and the shift extraction all read this one value.
#[derive(Debug, Clone)]
pub struct QueueModel {
    pub queue: QueueData,
    pub mip: Mip,
    pub cols: Columns,
    pub types: Vec<ShiftType>,
    pub classes: Vec<BreakClass>,
}

/// A term `coefficient × column` of a coverage row: `delta[t]` holds the terms whose coverage
/// changes at slot `t` (+1 where a shift starts or a break ends, −1 where a shift ends or a
/// break starts).
type Delta = Vec<Vec<(usize, f64)>>;

/// Add `coefficient × col` to the coverage change at slot `t` (slots past the horizon drop out).
fn push_delta(delta: &mut Delta, t: usize, col: usize, coefficient: f64) {
    if t < delta.len() {
        delta[t].push((col, coefficient));
    }
}

#[allow(clippy::too_many_arguments)]
/// Build the model. `breaks_integer` makes the break columns integer (service-level mode).
/// Columns and rows are added in a fixed order: shift columns, break columns and their rows,
/// coverage, the objective mode's columns and rows, then the tours.
pub fn build(
    q: QueueData,
    config: &ScheduleConfig,
    types: Vec<ShiftType>,
    classes: Vec<BreakClass>,
    patterns: &[Pattern],
    mode: &Mode,
    breaks_integer: bool,
    formulation: BreakFormulation,
) -> QueueModel {
    let t_len = q.slots.len();
    let mut m = Mip::default();
    let mut delta: Delta = vec![Vec::new(); t_len];
    let use_patterns = formulation == BreakFormulation::Pattern;
    let x = shift_columns(&mut m, &mut delta, config, &types, &classes, use_patterns);
    let breaks = if use_patterns {
        Vec::new()
    } else {
        break_columns(&mut m, &mut delta, &types, &classes, &x, formulation, breaks_integer)
    };
    let c = coverage_columns(&mut m, &delta, &q);
    let mut under = vec![None; t_len];
    let mut over = vec![None; t_len];
    let mut sl = Vec::new();
    match mode {
        Mode::Cost => StaffingColumns { under, over } = staffing_rows(&mut m, &q, config, &c),
        Mode::ServiceLevel { measures, scopes } => {
            sl = service_level_rows(&mut m, &q, &c, measures, scopes);
        }
    }
    let z = tour_rows(&mut m, &q, config, &types, &x, patterns);
    let cols = Columns { x, breaks, z, c, under, over, sl };
    QueueModel { queue: q, mip: m, cols, types, classes }
}

/// One integer column per shift type, or in the pattern formulation one per combination of
/// break starts, costed at the per-shift cost plus its paid hours.
fn shift_columns(
    m: &mut Mip,
    delta: &mut Delta,
    config: &ScheduleConfig,
    shifts: &[ShiftType],
    classes: &[BreakClass],
    use_patterns: bool,
) -> Vec<Vec<ShiftColumn>> {
    let mut x: Vec<Vec<ShiftColumn>> = Vec::with_capacity(shifts.len());
    for s in shifts {
        let cost =
            config.cost_per_shift + config.cost_per_paid_hour * f64::from(s.paid_minutes) / 60.0;
        // Pattern formulation: one column per combination of break starts.
        let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
        if use_patterns {
            for &k in &s.classes {
                let class = &classes[k];
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        (class.earliest_offset..=class.latest_offset).map(move |o| {
                            let mut c = c.clone();
                            c.push(s.start_slot + o);
                            c
                        })
                    })
                    .collect();
            }
        }
        let mut cols = Vec::with_capacity(combos.len());
        for combo in combos {
            let col = m.add_col(0.0, f64::INFINITY, cost, true);
            push_delta(delta, s.start_slot, col, 1.0);
            push_delta(delta, s.end_slot(), col, -1.0);
            for (&tau, &k) in combo.iter().zip(&s.classes) {
                push_delta(delta, tau, col, -1.0);
                push_delta(delta, tau + classes[k].len_slots, col, 1.0);
            }
            cols.push(ShiftColumn { col, break_slots: combo });
        }
        x.push(cols);
    }
    x
}

/// A shift type taking a break class, and the type's start slot.
#[derive(Debug, Clone, Copy)]
struct Member {
    shift: usize,
    start_slot: usize,
}

/// Break columns and their linking rows, class by class (explicit or implicit formulation).
fn break_columns(
    m: &mut Mip,
    delta: &mut Delta,
    shifts: &[ShiftType],
    classes: &[BreakClass],
    x: &[Vec<ShiftColumn>],
    formulation: BreakFormulation,
    breaks_integer: bool,
) -> Vec<BreakColumn> {
    let mut breaks = Vec::new();
    for (k, class) in classes.iter().enumerate() {
        let members: Vec<Member> = shifts
            .iter()
            .enumerate()
            .filter(|(_, s)| s.classes.contains(&k))
            .map(|(i, s)| Member { shift: i, start_slot: s.start_slot })
            .collect();
        if members.is_empty() {
            continue;
        }
        let class_breaks = match formulation {
            BreakFormulation::Explicit | BreakFormulation::Auto | BreakFormulation::Pattern => {
                explicit_breaks(m, k, class, &members, x, breaks_integer)
            }
            BreakFormulation::Implicit => implicit_breaks(m, k, class, &members, x, breaks_integer),
        };
        for b in &class_breaks {
            push_delta(delta, b.slot, b.col, -1.0);
            push_delta(delta, b.slot + class.len_slots, b.col, 1.0);
        }
        breaks.extend(class_breaks);
    }
    breaks
}

/// One column per (start slot of the shifts, break start): the breaks of all shifts of class
/// `k` that start together, summing to their shift count.
fn explicit_breaks(
    m: &mut Mip,
    k: usize,
    class: &BreakClass,
    members: &[Member],
    x: &[Vec<ShiftColumn>],
    breaks_integer: bool,
) -> Vec<BreakColumn> {
    let mut breaks = Vec::new();
    let mut by_start: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    for member in members {
        by_start.entry(member.start_slot).or_default().push(x[member.shift][0].col);
    }
    for (st, xs) in by_start {
        let mut terms: Vec<(usize, f64)> = xs.iter().map(|&c| (c, -1.0)).collect();
        for offset in class.earliest_offset..=class.latest_offset {
            let col = m.add_col(0.0, f64::INFINITY, 0.0, breaks_integer);
            terms.push((col, 1.0));
            breaks.push(BreakColumn { class: k, slot: st + offset, shift_start: Some(st), col });
        }
        m.add_row(terms, 0.0, 0.0);
    }
    breaks
}

/// Bechtold & Jacobs' implicit break columns of class `k` per break start, with the forward
/// (`f`) and backward (`g`) running-slack rows (module docs).
fn implicit_breaks(
    m: &mut Mip,
    k: usize,
    class: &BreakClass,
    members: &[Member],
    x: &[Vec<ShiftColumn>],
    breaks_integer: bool,
) -> Vec<BreakColumn> {
    let lo = members.iter().map(|b| b.start_slot + class.earliest_offset).min().unwrap_or(0);
    let hi = members.iter().map(|b| b.start_slot + class.latest_offset).max().unwrap_or(0);
    let width = hi - lo + 1;
    let y: Vec<usize> =
        (0..width).map(|_| m.add_col(0.0, f64::INFINITY, 0.0, breaks_integer)).collect();
    let f: Vec<usize> = (0..width).map(|_| m.add_col(0.0, f64::INFINITY, 0.0, false)).collect();
    let g: Vec<usize> = (0..width).map(|_| m.add_col(0.0, f64::INFINITY, 0.0, false)).collect();
    // Totals equal: the forward slack ends at zero.
    m.cols[f[width - 1]].upper = 0.0;
    let mut ends: Vec<Vec<usize>> = vec![Vec::new(); width];
    let mut starts: Vec<Vec<usize>> = vec![Vec::new(); width];
    for member in members {
        let col = x[member.shift][0].col;
        ends[member.start_slot + class.latest_offset - lo].push(col);
        starts[member.start_slot + class.earliest_offset - lo].push(col);
    }
    for r in 0..width {
        let mut terms = vec![(f[r], 1.0), (y[r], -1.0)];
        if r > 0 {
            terms.push((f[r - 1], -1.0));
        }
        terms.extend(ends[r].iter().map(|&c| (c, 1.0)));
        m.add_row(terms, 0.0, 0.0);
        let mut terms = vec![(g[r], 1.0), (y[r], -1.0)];
        if r + 1 < width {
            terms.push((g[r + 1], -1.0));
        }
        terms.extend(starts[r].iter().map(|&c| (c, 1.0)));
        m.add_row(terms, 0.0, 0.0);
    }
    y.iter()
        .enumerate()
        .map(|(r, &col)| BreakColumn { class: k, slot: lo + r, shift_start: None, col })
        .collect()
}

/// The coverage columns `c_t` (floor and cap as bounds) and their differenced rows.
fn coverage_columns(m: &mut Mip, delta: &Delta, q: &QueueData) -> Vec<usize> {
    let t_len = q.slots.len();
    let c: Vec<usize> = (0..t_len)
        .map(|t| {
            let upper = q.cap[t].map_or(f64::INFINITY, f64::from);
            m.add_col(f64::from(q.floor[t]), upper, 0.0, false)
        })
        .collect();
    for t in 0..t_len {
        let mut terms = Vec::with_capacity(delta[t].len() + 2);
        terms.push((c[t], 1.0));
        if t > 0 {
            terms.push((c[t - 1], -1.0));
        }
        terms.extend(delta[t].iter().map(|&(col, a)| (col, -a)));
        m.add_row(terms, 0.0, 0.0);
    }
    c
}

/// The under- and over-staffing column of each slot (cost mode).
struct StaffingColumns {
    under: Vec<Option<usize>>,
    over: Vec<Option<usize>>,
}

/// Cost mode: `c_t + u_t − o_t = required_t` with the under- and over-staffing columns (no
/// under-staffing column under hard coverage or where the floor meets the requirement).
fn staffing_rows(
    m: &mut Mip,
    q: &QueueData,
    config: &ScheduleConfig,
    c: &[usize],
) -> StaffingColumns {
    let t_len = q.slots.len();
    let interval_hours = f64::from(q.interval_minutes) / 60.0;
    let mut under = vec![None; t_len];
    let mut over = vec![None; t_len];
    for t in 0..t_len {
        let req = f64::from(q.required[t]);
        let mut terms = vec![(c[t], 1.0)];
        let under_room = f64::from(q.required[t].saturating_sub(q.floor[t]));
        if !config.hard_coverage && under_room > 0.0 {
            let cost = config.under_staffing_cost_per_agent_hour * interval_hours;
            let u = m.add_col(0.0, under_room, cost, false);
            under[t] = Some(u);
            terms.push((u, 1.0));
        }
        let cost = config.over_staffing_cost_per_agent_hour * interval_hours;
        let o = m.add_col(0.0, f64::INFINITY, cost, false);
        over[t] = Some(o);
        terms.push((o, -1.0));
        m.add_row(terms, req, req);
    }
    StaffingColumns { under, over }
}

/// Service-level mode: per measure a column per slot with contacts under its hull segments,
/// and each scope's contact-weighted row on its measure's columns.
fn service_level_rows(
    m: &mut Mip,
    q: &QueueData,
    c: &[usize],
    measures: &[MeasureHulls],
    scopes: &[SlScope],
) -> Vec<Vec<Option<usize>>> {
    let mut cols = Vec::with_capacity(measures.len());
    for MeasureHulls { hulls, .. } in measures {
        let mut sl_col = vec![None; q.slots.len()];
        for t in 0..q.slots.len() {
            if q.contacts[t] > 0.0 {
                let s = m.add_col(0.0, 1.0, 0.0, false);
                for h in &hulls[t] {
                    m.add_row(vec![(s, 1.0), (c[t], -h.slope)], f64::NEG_INFINITY, h.intercept);
                }
                sl_col[t] = Some(s);
            }
        }
        cols.push(sl_col);
    }
    for scope in scopes {
        let sl_col = &cols[scope.measure];
        let total: f64 = scope.slots.iter().map(|&t| q.contacts[t]).sum();
        if total <= 0.0 {
            continue;
        }
        let terms: Vec<(usize, f64)> = scope
            .slots
            .iter()
            .filter_map(|&t| sl_col[t].map(|s| (s, q.contacts[t] / total)))
            .collect();
        m.add_row(terms, scope.target, f64::INFINITY);
    }
    cols
}

/// Tours: a column per days-off pattern (its agents), and per contract the day rows (shifts
/// worked = agents working), the weekly paid-minute bounds and the agent cap.
fn tour_rows(
    m: &mut Mip,
    q: &QueueData,
    config: &ScheduleConfig,
    shifts: &[ShiftType],
    x: &[Vec<ShiftColumn>],
    patterns: &[Pattern],
) -> Vec<usize> {
    let z: Vec<usize> = patterns
        .iter()
        .map(|_| m.add_col(0.0, f64::INFINITY, config.cost_per_agent, true))
        .collect();
    if patterns.is_empty() {
        return z;
    }
    for (ci, contract) in config.contracts.iter().enumerate() {
        let pz: Vec<usize> = patterns
            .iter()
            .zip(&z)
            .filter(|(p, _)| p.contract == ci)
            .map(|(_, &col)| col)
            .collect();
        for d in 0..q.dates.len() {
            let mut terms: Vec<(usize, f64)> = shifts
                .iter()
                .zip(x)
                .filter(|(s, _)| s.contract == Some(ci) && s.day == d)
                .flat_map(|(_, cols)| cols.iter().map(|c| (c.col, 1.0)))
                .collect();
            terms.extend(
                patterns
                    .iter()
                    .zip(&z)
                    .filter(|(p, _)| p.contract == ci && p.works[d])
                    .map(|(_, &col)| (col, -1.0)),
            );
            m.add_row(terms, 0.0, 0.0);
        }
        let weekly = |bound: u32| -> Vec<(usize, f64)> {
            let mut terms: Vec<(usize, f64)> = shifts
                .iter()
                .zip(x)
                .filter(|(s, _)| s.contract == Some(ci))
                .flat_map(|(s, cols)| cols.iter().map(|c| (c.col, f64::from(s.paid_minutes))))
                .collect();
            terms.extend(pz.iter().map(|&col| (col, -f64::from(bound))));
            terms
        };
        if let Some(lo) = contract.min_weekly_paid_minutes {
            m.add_row(weekly(lo), 0.0, f64::INFINITY);
        }
        if let Some(hi) = contract.max_weekly_paid_minutes {
            m.add_row(weekly(hi), f64::NEG_INFINITY, 0.0);
        }
        if let Some(max) = contract.max_agents {
            m.add_row(
                pz.iter().map(|&col| (col, 1.0)).collect(),
                f64::NEG_INFINITY,
                f64::from(max),
            );
        }
    }
    z
}

/// Days-off patterns of every contract over a 7-day horizon: all ways to pick the working days,
/// restricted to one run of days off (wrapping over the week's end) when the contract says so.
pub fn patterns(config: &ScheduleConfig, days: usize) -> Vec<Pattern> {
    let mut out = Vec::new();
    for (ci, c) in config.contracts.iter().enumerate() {
        let work = c.days_per_week as usize;
        for mask in 0u32..(1 << days) {
            if mask.count_ones() as usize != work {
                continue;
            }
            let works: Vec<bool> = (0..days).map(|d| mask & (1 << d) != 0).collect();
            if c.consecutive_days_off && work < days {
                // One run of days off on the weekly cycle: exactly one work→off transition.
                let transitions = (0..days).filter(|&d| works[d] && !works[(d + 1) % days]).count();
                if transitions != 1 {
                    continue;
                }
            }
            out.push(Pattern { contract: ci, works });
        }
    }
    out
}

/// Upper concave hull of `(n, curve[n])` for `n >= floor`, as segments, closed by the flat
/// segment at the curve's last value (more agents add nothing the curve knows).
pub fn concave_hull(curve: &[f64], floor: usize) -> Vec<HullSegment> {
    let pts: Vec<(f64, f64)> =
        curve.iter().enumerate().skip(floor).map(|(n, &v)| (n as f64, v)).collect();
    if pts.is_empty() {
        return vec![HullSegment { slope: 0.0, intercept: curve.last().copied().unwrap_or(0.0) }];
    }
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
    for p in pts {
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // Drop b when it lies on or below the chord a→p.
            let cross = (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0);
            if cross >= 0.0 {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    let mut segments: Vec<HullSegment> = hull
        .windows(2)
        .map(|w| {
            let slope = (w[1].1 - w[0].1) / (w[1].0 - w[0].0);
            HullSegment { slope, intercept: w[0].1 - slope * w[0].0 }
        })
        .filter(|h| h.slope > 0.0)
        .collect();
    let top = hull.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    segments.push(HullSegment { slope: 0.0, intercept: top });
    segments
}

/// Scopes (days or the week) over which the contact-weighted `measure` must reach the target.
pub fn sl_scopes(
    q: &QueueData,
    scope: ServiceLevelScope,
    target: f64,
    measure: usize,
) -> Vec<SlScope> {
    match scope {
        ServiceLevelScope::Week => vec![SlScope {
            label: "week".into(),
            slots: (0..q.slots.len()).collect(),
            target,
            measure,
        }],
        ServiceLevelScope::Day => q
            .dates
            .iter()
            .enumerate()
            .map(|(d, date)| SlScope {
                label: date.to_string(),
                slots: (0..q.slots.len()).filter(|&t| q.slot_day[t] == d).collect(),
                target,
                measure,
            })
            .collect(),
    }
}

/// The instant `minutes` after `stamp`.
pub fn after(stamp: &Stamp, minutes: i64) -> Stamp {
    *stamp + Duration::minutes(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_of_a_concave_curve_keeps_every_point() {
        let curve = [0.0, 0.5, 0.75, 0.875, 0.9375];
        let h = concave_hull(&curve, 0);
        // Four rising segments and the flat cap.
        assert_eq!(h.len(), 5);
        for (n, &v) in curve.iter().enumerate() {
            let bound = h.iter().map(|s| s.at(n as f64)).fold(f64::INFINITY, f64::min);
            assert!((bound - v).abs() < 1e-12, "n={n}: {bound} vs {v}");
        }
    }

    #[test]
    fn hull_bridges_a_convex_start() {
        // 0, 0, 0.6, 0.9: the hull from (0,0) to (2,0.6) overestimates n = 1 as 0.3.
        let h = concave_hull(&[0.0, 0.0, 0.6, 0.9], 0);
        let at = |n: f64| h.iter().map(|s| s.at(n)).fold(f64::INFINITY, f64::min);
        assert!((at(1.0) - 0.3).abs() < 1e-12);
        assert!((at(3.0) - 0.9).abs() < 1e-12);
        assert!((at(9.0) - 0.9).abs() < 1e-12);
        // From a floor of 2 the convex start is gone.
        let h2 = concave_hull(&[0.0, 0.0, 0.6, 0.9], 2);
        assert_eq!(h2.len(), 2);
    }

    #[test]
    fn five_on_two_off_with_consecutive_days_off_has_seven_patterns() {
        let mut c = ScheduleConfig::default();
        c.contracts.push(super::super::config::ContractConfig {
            name: "ft".into(),
            shift_lengths_minutes: vec![480],
            days_per_week: 5,
            consecutive_days_off: true,
            min_weekly_paid_minutes: None,
            max_weekly_paid_minutes: None,
            max_agents: None,
        });
        assert_eq!(patterns(&c, 7).len(), 7);
        c.contracts[0].consecutive_days_off = false;
        assert_eq!(patterns(&c, 7).len(), 21);
    }
}
