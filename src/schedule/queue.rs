//! One queue's solve, phase by phase: lay the queue out and presolve ([`super::inputs`]), set up
//! the objective mode (service-level curves and hulls), choose the break formulation, build the
//! model, solve its LP relaxation (the bound), round the LP into a deterministic incumbent
//! ([`super::heuristic`]), search with the back end's branch and bound unless the incumbent is
//! already within the gap, make the breaks integral, measure gap and status, and extract
//! shifts, coverage and figures ([`super::extract`]).

use std::time::Instant;

use super::blocks::{self, day_blocks, split_rows, Coupling};
use super::extract;
use super::heuristic::{self, ServiceLevelGoal};
use super::inputs::{presolve, queue_data, shift_types};
use super::mip::{self, Limits, MipEnd, MipFailure, MipSolution};
use super::model::{
    self, BreakClass, HullSegment, Measure, MeasureHulls, Mode, Pattern, QueueData, QueueModel,
    ShiftType,
};
use super::Setting;
use super::{
    hard_coverage, on_phone, relative_gap, BreakFormulation, Objective, QueueOutcome, QueueSummary,
    ScheduleConfig, ScheduleError, ServiceLevelFn, SolveOptions, Status,
};
use crate::io::requirements::RequirementRow;
use crate::site::QueueConfig;

/// `auto` uses the pattern formulation up to this many shift columns (microlp solves the
/// one-week 15-minute 24×7 model of 13,440 pattern columns' LP in about 2 s).
const PATTERN_COLUMNS_MAX: usize = 50_000;

/// What every phase of one queue's solve reads: the queue's settings, the plan, the run
/// options, the limits and the clock they count from.
#[derive(Clone, Copy)]
pub(super) struct QueueSolve<'a> {
    pub(super) queue: &'a QueueConfig,
    pub(super) config: &'a Setting<'a>,
    pub(super) options: &'a SolveOptions,
    pub(super) limits: Limits,
    pub(super) started: Instant,
    /// Whether shifts may run past the horizon's last midnight (the queue's last block), or
    /// the horizon ends at a cut between independent blocks ([`super::blocks`]).
    pub(super) open_end: bool,
}

impl QueueSolve<'_> {
    fn schedule(&self) -> &ScheduleConfig {
        self.config.schedule
    }

    /// The limits with the time still left of this queue's budget (at least 0.05 s).
    fn remaining(&self) -> Limits {
        Limits {
            time_limit_seconds: (self.limits.time_limit_seconds
                - self.started.elapsed().as_secs_f64())
            .max(0.05),
            ..self.limits
        }
    }

    pub(super) fn solver_error(&self, message: String) -> ScheduleError {
        ScheduleError::Solver { solver: self.options.solver.as_str().into(), message }
    }

    /// The outcome of a queue that ends with `status` and no shifts.
    fn empty(&self, name: &str, status: Status, warnings: Vec<String>) -> QueueOutcome {
        QueueOutcome {
            shifts: Vec::new(),
            coverage: Vec::new(),
            summary: QueueSummary {
                queue: name.to_string(),
                status,
                objective: 0.0,
                lp_bound: None,
                gap: None,
                paid_hours: 0.0,
                shifts: 0,
                agents: None,
                under_staffed_agent_intervals: 0,
                over_staffed_agent_intervals: 0,
                service_level_week: None,
                service_level_by_day: Vec::new(),
                integer_columns: 0,
                rows: 0,
                lp_seconds: 0.0,
                solve_seconds: self.started.elapsed().as_secs_f64(),
                warnings,
            },
        }
    }
}

/// A phase's result: go on with a value, or end the queue here with a status and no shifts.
enum Step<T> {
    Next(T),
    Stop(Status),
}

/// The projected measures of a slot by scheduled head-count, at the agents left on the phone
/// after unplanned shrinkage: the service level ([`SolveOptions::service_level`]) and one minus
/// the abandonment ([`SolveOptions::abandonment`]); NaN without the function or without
/// contacts.
pub(super) struct SlCurve<'a> {
    function: Option<&'a ServiceLevelFn>,
    abandonment: Option<&'a ServiceLevelFn>,
    queue: &'a QueueConfig,
    unplanned_shrinkage: f64,
}

impl SlCurve<'_> {
    /// The projected service level.
    pub(super) fn at(&self, q: &QueueData, t: usize, n: u32) -> f64 {
        self.measure_at(Measure::ServiceLevel, q, t, n)
    }

    pub(super) fn measure_at(&self, measure: Measure, q: &QueueData, t: usize, n: u32) -> f64 {
        let function = match measure {
            Measure::ServiceLevel => self.function,
            Measure::NotAbandoned => self.abandonment,
        };
        match function {
            Some(f) if q.contacts[t] > 0.0 => {
                let value = f(
                    self.queue,
                    q.contacts[t],
                    q.aht_seconds[t],
                    q.interval_minutes,
                    on_phone(n, self.unplanned_shrinkage),
                );
                match measure {
                    Measure::ServiceLevel => value,
                    Measure::NotAbandoned => 1.0 - value,
                }
            }
            _ => f64::NAN,
        }
    }

    /// The measures service-level mode holds for this queue, each with its target: the service
    /// level, and `1 − max_abandon_rate` on `1 − abandonment` when the queue caps abandonment
    /// (Erlang A: it has a patience) and the abandonment function is given.
    fn targets(&self, service_level: f64) -> Vec<(Measure, f64)> {
        let mut out = vec![(Measure::ServiceLevel, service_level)];
        if let (Some(cap), Some(_), Some(_)) =
            (self.queue.max_abandon_rate, self.queue.patience_seconds, self.abandonment)
        {
            out.push((Measure::NotAbandoned, 1.0 - cap));
        }
        out
    }
}

/// The queue's data, shift types, break classes and days-off patterns.
struct QueueInputs {
    q: QueueData,
    types: Vec<ShiftType>,
    classes: Vec<BreakClass>,
    patterns: Vec<Pattern>,
}

/// Service-level mode's tables: per measure each slot's true value by scheduled head-count
/// (empty without contacts) beside the model's [`Mode`].
struct ObjectiveMode {
    mode: Mode,
    curves: Vec<Vec<Vec<f64>>>,
}

/// Schedule one queue: lay it out, presolve, and solve it whole or, where nothing couples its
/// days, block by block side by side ([`super::blocks`]).
pub(super) fn solve_queue(
    rows: &[&RequirementRow],
    queue: &QueueConfig,
    config: &Setting,
    options: &SolveOptions,
    limits: Limits,
) -> Result<QueueOutcome, ScheduleError> {
    use rayon::prelude::*;
    let run =
        QueueSolve { queue, config, options, limits, started: Instant::now(), open_end: true };
    let sc = run.schedule();
    let inputs = queue_inputs(rows, &run)?;
    if let Some(status) =
        presolve(&inputs.q, &inputs.types, sc, hard_coverage(sc, queue, options.objective))
    {
        return Ok(run.empty(&inputs.q.name, status, Vec::new()));
    }
    let q = &inputs.q;
    let tz = config.site.grid.tz;
    let mut days_with_rows = vec![false; q.dates.len()];
    for r in rows {
        let date = r.interval_start.with_timezone(&tz).date_naive();
        days_with_rows[(date - q.dates[0]).num_days() as usize] = true;
    }
    let scope = (options.objective == Objective::ServiceLevel && queue.service_level.is_some())
        .then_some(sc.service_level_scope);
    let coupling = Coupling { tours: !inputs.patterns.is_empty(), service_level_scope: scope };
    let blocks = day_blocks(q, &inputs.types, &days_with_rows, coupling);
    if blocks.len() <= 1 {
        return solve_inputs(&run, inputs);
    }
    let parts = split_rows(rows, &q.dates, &blocks, tz);
    let contacts: Vec<f64> =
        parts.iter().map(|part| part.iter().map(|r| r.contacts.max(0.0)).sum()).collect();
    let last = parts.len() - 1;
    // Each block has the queue's time limit from its own start: the limit is a safety net
    // against a model that runs away, and a block waiting for a thread behind the others must
    // not find it spent (the blocks' stops stay those of their gap and node budgets).
    let outcomes: Vec<QueueOutcome> = parts
        .par_iter()
        .enumerate()
        .map(|(k, part)| {
            let block = QueueSolve { started: Instant::now(), open_end: k == last, ..run };
            let inputs = queue_inputs(part, &block)?;
            solve_inputs(&block, inputs)
        })
        .collect::<Result<_, _>>()?;
    Ok(blocks::join(&q.name, outcomes, &contacts, run.started.elapsed().as_secs_f64()))
}

/// Solve one laid-out horizon (a queue's whole horizon or one block): every phase in order
/// (module docs).
fn solve_inputs(run: &QueueSolve, inputs: QueueInputs) -> Result<QueueOutcome, ScheduleError> {
    let (queue, options, limits) = (run.queue, run.options, run.limits);
    let sc = run.schedule();
    let QueueInputs { mut q, types, classes, patterns } = inputs;
    let curve = SlCurve {
        function: options.service_level.as_deref(),
        abandonment: options.abandonment.as_deref(),
        queue,
        unplanned_shrinkage: sc.unplanned_shrinkage,
    };
    let mut warnings = Vec::new();
    let ObjectiveMode { mode, curves } = match objective_mode(run, &mut q, &curve)? {
        Step::Next(mode) => mode,
        Step::Stop(status) => return Ok(run.empty(&q.name, status, Vec::new())),
    };
    let breaks_integer = matches!(mode, Mode::ServiceLevel { .. });
    let formulation = break_formulation(sc.break_formulation, &types, &classes);
    let model = model::build(q, sc, types, classes, &patterns, &mode, breaks_integer, formulation);
    write_model(run, &model)?;
    let lp_started = Instant::now();
    let lp = solve_relaxation(run, &model, &mode);
    let lp_seconds = lp_started.elapsed().as_secs_f64();
    let lp = match lp? {
        Step::Next(lp) => lp,
        Step::Stop(status) => return Ok(run.empty(&model.queue.name, status, warnings)),
    };
    let goal = match &mode {
        Mode::ServiceLevel { measures, scopes } => {
            Some(ServiceLevelGoal { curves: &curves, scopes, measures })
        }
        Mode::Cost => None,
    };
    let targets = Targets { goal: goal.as_ref(), curve: &curve, model: &model };
    let rounded = lp.as_ref().and_then(|lp| incumbent(run, &model, &patterns, &targets, lp));
    let lp_bound = lp.as_ref().map(|lp| lp.objective);
    let gap = GapMeasure::of(&model);
    let solution = match search(run, &model, &mode, &targets, rounded, lp_bound, &gap)? {
        Step::Next(solution) => solution,
        Step::Stop(status) => return Ok(run.empty(&model.queue.name, status, warnings)),
    };
    warnings.extend(targets.warning(&solution.values));
    let values = integral_breaks(run, &model, &solution, &mut warnings)?;
    let objective = model.mip.objective_of(&values);
    let Verdict { status, gap } = status_of(&solution, objective, lp_bound, &gap, limits);
    let worked = extract::worked_shifts(&model, &values, &patterns, sc)
        .map_err(|e| run.solver_error(format!("internal: {e}")))?;
    let shift_rows = extract::shift_rows(&model, &worked.instances, sc);
    let coverage = extract::coverage_rows(&model, &worked.instances, &values, &curve)
        .map_err(|e| run.solver_error(format!("internal: {e}")))?;
    let summary = extract::queue_summary(
        &model,
        &shift_rows,
        &coverage,
        extract::Figures {
            status,
            objective,
            lp_bound,
            gap,
            agents: worked.agents,
            lp_seconds,
            solve_seconds: run.started.elapsed().as_secs_f64(),
            warnings,
        },
    );
    Ok(QueueOutcome { summary, shifts: shift_rows, coverage })
}

/// Lay the queue out and enumerate its shift types, break classes and (with contracts, which
/// need a 7-day horizon) days-off patterns.
fn queue_inputs(rows: &[&RequirementRow], run: &QueueSolve) -> Result<QueueInputs, ScheduleError> {
    let sc = run.schedule();
    let q = queue_data(rows, run.queue, run.config, run.options.objective)?;
    let (mut types, classes) = shift_types(&q, run.config)?;
    if !run.open_end {
        let end = q.slots.len();
        types.retain(|s| s.end_slot() <= end);
    }
    let patterns: Vec<Pattern> = if sc.contracts.is_empty() {
        Vec::new()
    } else {
        if q.dates.len() != 7 {
            return Err(ScheduleError::Invalid(format!(
                "contracts (weekly tours) need a 7-day horizon; the requirements of queue {:?} span {} days ({} to {})",
                q.name,
                q.dates.len(),
                q.dates[0],
                q.dates[q.dates.len() - 1]
            )));
        }
        model::patterns(sc, 7)
    };
    Ok(QueueInputs { q, types, classes, patterns })
}

/// Cost mode, or service-level mode with each measure's true curve per slot and its concave
/// hull (the service level, and `1 − abandonment` for a queue with an abandonment cap; the
/// floors raised where a curve is flat at zero), stopping when a scope's target is out of reach
/// even at twice the requirement. A queue without a service-level target (deferred work: its
/// requirement is already the fewest agents that meet the deadline) gets service-level mode's
/// objective and heuristic with no target and every interval floored at its requirement (the
/// floors come from the inputs): the cheapest schedule that covers the requirement.
fn objective_mode(
    run: &QueueSolve,
    q: &mut QueueData,
    curve: &SlCurve,
) -> Result<Step<ObjectiveMode>, ScheduleError> {
    let (objective, queue) = (run.options.objective, run.queue);
    let goal = match (objective, queue.service_level) {
        (Objective::Cost, _) => {
            return Ok(Step::Next(ObjectiveMode { mode: Mode::Cost, curves: Vec::new() }))
        }
        (Objective::ServiceLevel, None) => {
            let n = q.slots.len();
            let measures =
                vec![MeasureHulls { measure: Measure::ServiceLevel, hulls: vec![Vec::new(); n] }];
            let mode = Mode::ServiceLevel { measures, scopes: Vec::new() };
            return Ok(Step::Next(ObjectiveMode { mode, curves: vec![vec![Vec::new(); n]] }));
        }
        (Objective::ServiceLevel, Some(goal)) => goal,
    };
    if run.options.service_level.is_none() {
        return Err(ScheduleError::Invalid("service-level mode needs the projected service-level curve (SolveOptions::service_level)".into()));
    }
    let mut measures = Vec::new();
    let mut all_curves = Vec::new();
    let mut scopes = Vec::new();
    for (k, (measure, target)) in curve.targets(goal).into_iter().enumerate() {
        let floor = match measure {
            Measure::ServiceLevel => run.schedule().interval_service_level_floor,
            Measure::NotAbandoned => None,
        };
        let (curves, hulls) = measure_hulls(q, curve, measure, floor);
        let measure_scopes = model::sl_scopes(q, run.schedule().service_level_scope, target, k);
        if let Some(status) = unreachable_scope(q, &hulls, &measure_scopes, measure) {
            return Ok(Step::Stop(status));
        }
        measures.push(MeasureHulls { measure, hulls });
        all_curves.push(curves);
        scopes.extend(measure_scopes);
    }
    Ok(Step::Next(ObjectiveMode {
        mode: Mode::ServiceLevel { measures, scopes },
        curves: all_curves,
    }))
}

/// One measure's true curve per slot (up to twice the requirement and 5 more) and its concave
/// hull. Below the first head-count with a positive value the curve is flat at 0 and then
/// jumps (an unstable queue): a hull from there would credit what the schedule does not get.
/// So an interval with contacts gets at least that head-count (raising `q.floor`), and the
/// hull starts there. With a `floor` (`[schedule] interval_service_level_floor`), also at least
/// the first head-count whose value reaches it (the curve's last when none does).
fn measure_hulls(
    q: &mut QueueData,
    curve: &SlCurve,
    measure: Measure,
    floor: Option<f64>,
) -> (Vec<Vec<f64>>, Vec<Vec<HullSegment>>) {
    let curves: Vec<Vec<f64>> = (0..q.slots.len())
        .map(|t| {
            if q.contacts[t] <= 0.0 {
                return Vec::new();
            }
            let top = (q.required[t].max(q.floor[t]) * 2 + 5) as usize;
            (0..=top).map(|n| curve.measure_at(measure, q, t, n as u32)).collect()
        })
        .collect();
    let hulls = curves
        .iter()
        .enumerate()
        .map(|(t, curve)| {
            if curve.is_empty() {
                return Vec::new();
            }
            let stable = curve.iter().position(|&v| v > 1e-9).unwrap_or(0);
            q.floor[t] = q.floor[t].max(stable as u32);
            if let Some(f) = floor {
                let reach = curve.iter().position(|&v| v >= f - 1e-12).unwrap_or(curve.len() - 1);
                q.floor[t] = q.floor[t].max(reach as u32);
            }
            model::concave_hull(curve, q.floor[t] as usize)
        })
        .collect();
    (curves, hulls)
}

/// The infeasible status when a scope cannot reach its target even at the curves' top.
fn unreachable_scope(
    q: &QueueData,
    hulls: &[Vec<HullSegment>],
    scopes: &[model::SlScope],
    measure: Measure,
) -> Option<Status> {
    scopes.iter().find_map(|s| {
        let total: f64 = s.slots.iter().map(|&t| q.contacts[t]).sum();
        let best: f64 = s
            .slots
            .iter()
            .map(|&t| q.contacts[t] * hulls[t].iter().map(|h| h.intercept).fold(0.0, f64::max))
            .sum();
        (total > 0.0 && best / total < s.target - 1e-12).then(|| {
            let (rule, reason) = match measure {
                Measure::ServiceLevel => ("service_level", format!(
                    "the target {} cannot be reached on {}: even at twice the requirement the projected service level is {:.4}",
                    s.target, s.label, best / total
                )),
                Measure::NotAbandoned => ("max_abandon_rate", format!(
                    "the abandonment cap {:.4} cannot be held on {}: even at twice the requirement the projected abandonment is {:.4}",
                    1.0 - s.target, s.label, 1.0 - best / total
                )),
            };
            Status::Infeasible { rule: rule.into(), reason, intervals: Vec::new() }
        })
    })
}

/// `auto`: the pattern formulation while the shift columns (types × break combinations) stay
/// within [`PATTERN_COLUMNS_MAX`], else explicit break columns.
fn break_formulation(
    configured: BreakFormulation,
    types: &[ShiftType],
    classes: &[BreakClass],
) -> BreakFormulation {
    if configured != BreakFormulation::Auto {
        return configured;
    }
    let combos = |s: &ShiftType| {
        s.classes
            .iter()
            .map(|&k| classes[k].latest_offset - classes[k].earliest_offset + 1)
            .product::<usize>()
    };
    if types.iter().map(combos).sum::<usize>() <= PATTERN_COLUMNS_MAX {
        BreakFormulation::Pattern
    } else {
        BreakFormulation::Explicit
    }
}

/// `--write-model`: the queue's integer program as free-format MPS, `<queue>.mps`.
fn write_model(run: &QueueSolve, model: &QueueModel) -> Result<(), ScheduleError> {
    if let Some(dir) = &run.options.write_model {
        let path = dir.join(format!("{}.mps", model.queue.name));
        crate::io::table::write_atomic(&path, |w| {
            w.write_all(model.mip.to_mps().as_bytes())
                .map_err(|e| crate::error::FileError::io(&path, e))
        })
        .map_err(|e| ScheduleError::Output {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// The LP relaxation: the bound every gap is measured against, and the point the heuristics
/// round. `None` when the time ran out before the LP had a point.
fn solve_relaxation(
    run: &QueueSolve,
    model: &QueueModel,
    mode: &Mode,
) -> Result<Step<Option<MipSolution>>, ScheduleError> {
    match mip::solve(&model.mip, run.options.solver, run.remaining(), true) {
        Ok(lp) => Ok(Step::Next(Some(lp))),
        Err(MipFailure::Infeasible) => Ok(Step::Stop(infeasible_model(run, mode))),
        Err(MipFailure::NoIncumbent) => Ok(Step::Next(None)),
        Err(MipFailure::Other(e)) => Err(run.solver_error(e)),
    }
}

/// The gap of an objective against a bound. With integer costs on integer columns only, the
/// objective is an integer: the bound is rounded up before the gap is taken.
struct GapMeasure {
    integral_objective: bool,
}

impl GapMeasure {
    fn of(model: &QueueModel) -> Self {
        let integral_objective =
            model.mip.cols.iter().all(|c| c.cost == 0.0 || (c.integer && c.cost.fract() == 0.0));
        GapMeasure { integral_objective }
    }

    fn gap(&self, objective: f64, bound: f64) -> f64 {
        let bound = if self.integral_objective { (bound - 1e-6).ceil() } else { bound };
        relative_gap(objective, bound.min(objective))
    }
}

/// A deterministic incumbent from the LP relaxation (no clock involved): the tours, cost or
/// service-level rounding heuristic.
fn incumbent(
    run: &QueueSolve,
    model: &QueueModel,
    patterns: &[Pattern],
    targets: &Targets,
    lp: &MipSolution,
) -> Option<MipSolution> {
    let mip_gap = run.limits.mip_gap;
    let values = match targets.goal {
        None if !patterns.is_empty() => {
            heuristic::round_tours(model, patterns, &run.schedule().contracts, &lp.values, mip_gap)?
        }
        None => heuristic::round(model, &lp.values, mip_gap)?,
        Some(goal) => heuristic::round_service_level(model, &lp.values, goal)?,
    };
    let objective = model.mip.objective_of(&values);
    Some(MipSolution { values, objective, end: MipEnd::TimeLimit, solver_bound: None })
}

/// The schedule to return: the rounded point when it is within the requested gap of the LP
/// bound, else the back end's branch and bound seeded with it (the rounded point wins when
/// cheaper, and whenever the search stopped on time).
fn search(
    run: &QueueSolve,
    model: &QueueModel,
    mode: &Mode,
    targets: &Targets,
    rounded: Option<MipSolution>,
    lp_bound: Option<f64>,
    gap: &GapMeasure,
) -> Result<Step<MipSolution>, ScheduleError> {
    let mip_gap = run.limits.mip_gap;
    if let (Some(r), Some(bound)) = (&rounded, lp_bound) {
        // The rounded point is within the requested gap of the LP bound: done.
        let g = gap.gap(r.objective, bound);
        if g <= mip_gap {
            let end = if g <= 1e-9 { MipEnd::Optimal } else { MipEnd::GapLimit };
            return Ok(Step::Next(MipSolution { end, ..r.clone() }));
        }
    }
    let mut limits = run.remaining();
    if let Mode::ServiceLevel { .. } = mode {
        let nodes = run.schedule().service_level_node_limit;
        if let (0, Some(r)) = (nodes, &rounded) {
            // No search asked for: the heuristic's schedule, stopped at a budget of 0 nodes.
            return Ok(Step::Next(MipSolution { end: MipEnd::NodeLimit, ..r.clone() }));
        }
        limits.node_limit = (nodes > 0).then_some(nodes).or(limits.node_limit);
    }
    let start = rounded.as_ref().map(|r| r.values.as_slice());
    let solution = match mip::solve_from(&model.mip, run.options.solver, limits, false, start) {
        Ok(s) => match (targets.meet(s), &rounded) {
            (s, Some(r)) if r.objective < s.objective - 1e-9 => {
                MipSolution { end: s.end, solver_bound: s.solver_bound, ..r.clone() }
            }
            // Determinism: an incumbent found before the clock ran out depends on the
            // machine's load; the rounded point does not. Return it (with the LP bound
            // only, also deterministic) whenever the search stopped on time.
            (s, Some(r)) if matches!(s.end, MipEnd::TimeLimit) => {
                MipSolution { end: MipEnd::TimeLimit, solver_bound: None, ..r.clone() }
            }
            (s, _) => s,
        },
        Err(MipFailure::Infeasible) => {
            return Ok(Step::Stop(infeasible_model(run, mode)));
        }
        Err(MipFailure::NoIncumbent) => match rounded {
            Some(r) => targets.meet(r),
            None => {
                return Err(run
                    .solver_error(format!(
                        "stopped at the time limit ({:.1} s for queue {:?}) before finding any schedule; raise --time-limit-seconds",
                        run.limits.time_limit_seconds, model.queue.name
                    )))
            }
        },
        Err(MipFailure::Other(e)) => return Err(run.solver_error(e)),
    };
    Ok(Step::Next(solution))
}

/// A service-level scope whose true service level is below its target.
struct ShortScope {
    scope: usize,
    /// The scope's value of its measure.
    service_level: f64,
}

/// Service-level mode's targets on the true curves (the model's hull may flatter them).
struct Targets<'a> {
    goal: Option<&'a ServiceLevelGoal<'a>>,
    curve: &'a SlCurve<'a>,
    model: &'a QueueModel,
}

impl Targets<'_> {
    /// The scopes whose true SL (not the hull's) is below target at `values`.
    fn short_scopes(&self, values: &[f64]) -> Vec<ShortScope> {
        let Some(goal) = self.goal else { return Vec::new() };
        let QueueModel { queue: q, cols, .. } = self.model;
        goal.scopes
            .iter()
            .enumerate()
            .filter_map(|(k, s)| {
                let total: f64 = s.slots.iter().map(|&t| q.contacts[t]).sum();
                let measure = goal.measures[s.measure].measure;
                let got: f64 = s
                    .slots
                    .iter()
                    .filter(|&&t| q.contacts[t] > 0.0)
                    .map(|&t| {
                        let n = values[cols.c[t]].round() as u32;
                        q.contacts[t] * self.curve.measure_at(measure, q, t, n)
                    })
                    .sum::<f64>();
                (total > 0.0 && got / total < s.target - 1e-9)
                    .then_some(ShortScope { scope: k, service_level: got / total })
            })
            .collect()
    }

    /// The hull may flatter a non-concave stretch of the curve: a branch-and-bound schedule is
    /// topped up where its true SL falls short before it is compared with the heuristic's.
    fn meet(&self, mut s: MipSolution) -> MipSolution {
        if let Some(goal) = self.goal {
            if !self.short_scopes(&s.values).is_empty() {
                let mut values = s.values.clone();
                if heuristic::top_up_service_level(self.model, &mut values, goal) {
                    s.objective = self.model.mip.objective_of(&values);
                    s.values = values;
                }
            }
        }
        s
    }

    /// The warning for scopes still short at `values`, if any.
    fn warning(&self, values: &[f64]) -> Option<String> {
        let goal = self.goal?;
        let short = self.short_scopes(values);
        if short.is_empty() {
            return None;
        }
        // The top-up works on shift columns with their breaks; tours and the implicit break
        // formulation are outside it.
        let cols = &self.model.cols;
        let why = if cols.z.is_empty() && cols.breaks.iter().all(|b| b.shift_start.is_some()) {
            "no shift raises it further"
        } else {
            "the concave hull over-estimated it, and adding shifts to meet the true curve is not available with tours or the implicit break formulation"
        };
        let listed = |measure: Measure| {
            short
                .iter()
                .filter(|s| goal.measures[goal.scopes[s.scope].measure].measure == measure)
                .map(|s| {
                    let value = match measure {
                        Measure::ServiceLevel => s.service_level,
                        Measure::NotAbandoned => 1.0 - s.service_level,
                    };
                    format!("{} ({value:.4})", goal.scopes[s.scope].label)
                })
                .collect::<Vec<_>>()
        };
        let mut parts = Vec::new();
        let below = listed(Measure::ServiceLevel);
        if !below.is_empty() {
            parts.push(format!(
                "the projected service level stays below the target on {}",
                below.join(", ")
            ));
        }
        let above = listed(Measure::NotAbandoned);
        if !above.is_empty() {
            parts.push(format!(
                "the projected abandonment stays above the cap on {}",
                above.join(", ")
            ));
        }
        Some(format!("{}: {why}", parts.join("; ")))
    }
}

/// Integral breaks for the integral shift counts (cost mode leaves them continuous): a second
/// solve with every shift and pattern column fixed.
fn integral_breaks(
    run: &QueueSolve,
    model: &QueueModel,
    solution: &MipSolution,
    warnings: &mut Vec<String>,
) -> Result<Vec<f64>, ScheduleError> {
    let (m, cols) = (&model.mip, &model.cols);
    let values = &solution.values;
    let fractional =
        cols.breaks.iter().any(|b| (values[b.col] - values[b.col].round()).abs() > 1e-6);
    if !fractional {
        return Ok(values.clone());
    }
    let mut fixed = m.clone();
    for &j in cols.x.iter().flatten().map(|c| &c.col).chain(&cols.z) {
        fixed.cols[j].lower = values[j];
        fixed.cols[j].upper = values[j];
    }
    for b in &cols.breaks {
        fixed.cols[b.col].integer = true;
    }
    let limits = Limits {
        time_limit_seconds: run.remaining().time_limit_seconds.max(5.0),
        mip_gap: 0.0,
        node_limit: None,
    };
    let pass = mip::solve(&fixed, run.options.solver, limits, false).map_err(|e| {
        run.solver_error(format!("placing breaks for the chosen shifts failed: {e:?}"))
    })?;
    if pass.objective > solution.objective + 1e-6 * (1.0 + solution.objective.abs()) {
        warnings.push(format!(
            "integral break placement cost {:.4} more than the continuous one",
            pass.objective - solution.objective
        ));
    }
    Ok(pass.values)
}

/// The status and gap of the final `objective`, against the best of the LP bound and the
/// back end's own bound.
fn status_of(
    solution: &MipSolution,
    objective: f64,
    lp_bound: Option<f64>,
    measure: &GapMeasure,
    limits: Limits,
) -> Verdict {
    let bound = [lp_bound, solution.solver_bound]
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, b| Some(acc.map_or(b, |a| a.max(b))));
    let gap = bound.map(|b| measure.gap(objective, b));
    let status = match (solution.end, gap) {
        (_, Some(g)) if g <= 1e-9 => Status::Optimal,
        (MipEnd::Optimal, None) => Status::Optimal,
        (MipEnd::TimeLimit, g) => Status::TimeLimit { gap: g.unwrap_or(f64::NAN) },
        (MipEnd::NodeLimit, g) => Status::NodeLimit { gap: g.unwrap_or(f64::NAN) },
        (_, Some(g)) if g > limits.mip_gap + 1e-9 => Status::Feasible { gap: g },
        (_, g) => Status::GapLimit { gap: g.unwrap_or(f64::NAN) },
    };
    Verdict { status, gap }
}

/// How the solve ended and the gap against the best bound.
struct Verdict {
    status: Status,
    gap: Option<f64>,
}

/// The status of a model with no feasible point, naming the hard rules in play.
fn infeasible_model(run: &QueueSolve, mode: &Mode) -> Status {
    let sc = run.schedule();
    let mut rules = Vec::new();
    if !sc.contracts.is_empty() {
        rules.push("contracts (days per week, weekly paid minutes, max_agents)");
    }
    if sc.max_agents_per_interval.is_some() {
        rules.push("max_agents_per_interval");
    }
    if matches!(mode, Mode::ServiceLevel { .. }) {
        rules.push("the service-level target");
    } else if sc.hard_coverage && run.options.objective == Objective::Cost {
        rules.push("hard_coverage");
    } else if hard_coverage(sc, run.queue, run.options.objective) {
        rules.push("every interval at its requirement (a deferred queue in service-level mode)");
    }
    rules.push("breaks (windows must fit inside the open hours they cover)");
    Status::Infeasible {
        rule: "integer program".into(),
        reason: format!(
            "no schedule satisfies every hard rule together; rules in play: {}",
            rules.join(", ")
        ),
        intervals: Vec::new(),
    }
}
