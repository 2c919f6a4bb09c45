//! A solver-neutral sparse integer program and its hand-over to a good_lp back end.
//!
//! The scheduling model is built once into [`Mip`] (columns with bounds, cost and integrality;
//! rows with sparse terms and a range), so the same model can be solved as a MIP, as its LP
//! relaxation (the bound behind the reported gap: microlp exposes no bound of its own) and
//! again with some columns fixed (the break-placement pass), on any of the compiled back ends.
//!
//! good_lp expressions are hash maps; rows are built with `Expression::with_capacity` and
//! `add_mul`: the cheap way, with no per-term allocation (`coef * var` inside an iterator
//! allocates a map per term, about six times slower on a 657k-coefficient model).

use good_lp::{
    variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
};
use serde::Serialize;

/// Which good_lp back end solves the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SolverKind {
    /// microlp: pure Rust branch and bound, always compiled.
    #[default]
    Microlp,
    /// HiGHS (cargo feature `highs`).
    Highs,
    /// COIN-OR CBC (cargo feature `cbc`).
    Cbc,
}

impl SolverKind {
    /// Every back end shiftcast knows, compiled or not.
    pub const ALL: [SolverKind; 3] = [SolverKind::Microlp, SolverKind::Highs, SolverKind::Cbc];

    /// The back ends of this build: microlp always, HiGHS and CBC with their cargo features.
    pub fn compiled() -> Vec<SolverKind> {
        Self::ALL.into_iter().filter(SolverKind::is_compiled).collect()
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SolverKind::Microlp => "microlp",
            SolverKind::Highs => "highs",
            SolverKind::Cbc => "cbc",
        }
    }

    /// Whether this build includes the back end.
    pub fn is_compiled(&self) -> bool {
        match self {
            SolverKind::Microlp => true,
            SolverKind::Highs => cfg!(feature = "highs"),
            SolverKind::Cbc => cfg!(feature = "cbc"),
        }
    }
}

impl std::str::FromStr for SolverKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "microlp" => Ok(SolverKind::Microlp),
            "highs" => Ok(SolverKind::Highs),
            "cbc" => Ok(SolverKind::Cbc),
            _ => Err(format!("unknown solver {s:?}; expected microlp, highs or cbc")),
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub lower: f64,
    pub upper: f64,
    pub cost: f64,
    pub integer: bool,
}

/// One row: `lower <= sum(coef * x) <= upper` (equal bounds make an equality).
#[derive(Debug, Clone)]
pub struct Row {
    pub terms: Vec<(usize, f64)>,
    pub lower: f64,
    pub upper: f64,
}

/// A minimisation problem.
#[derive(Debug, Clone, Default)]
pub struct Mip {
    pub cols: Vec<Col>,
    pub rows: Vec<Row>,
}

impl Mip {
    pub fn add_col(&mut self, lower: f64, upper: f64, cost: f64, integer: bool) -> usize {
        self.cols.push(Col { lower, upper, cost, integer });
        self.cols.len() - 1
    }

    pub fn add_row(&mut self, terms: Vec<(usize, f64)>, lower: f64, upper: f64) {
        self.rows.push(Row { terms, lower, upper });
    }

    pub fn integer_count(&self) -> usize {
        self.cols.iter().filter(|c| c.integer).count()
    }

    /// Free-format MPS of the model (for solving it with an external solver).
    pub fn to_mps(&self) -> String {
        use std::fmt::Write;
        // `FREE` on the NAME card tells readers that guess the format (COIN-OR CBC) it is free MPS.
        let mut out = String::from("NAME shiftcast FREE\nROWS\n N obj\n");
        for (i, r) in self.rows.iter().enumerate() {
            let kind = if r.lower == r.upper {
                'E'
            } else if r.lower.is_finite() {
                'G'
            } else {
                'L'
            };
            let _ = writeln!(out, " {kind} r{i}");
        }
        let mut by_col: Vec<Vec<(usize, f64)>> = vec![Vec::new(); self.cols.len()];
        for (i, r) in self.rows.iter().enumerate() {
            for &(j, a) in &r.terms {
                by_col[j].push((i, a));
            }
        }
        out.push_str("COLUMNS\n");
        let mut in_int = false;
        for (j, c) in self.cols.iter().enumerate() {
            if c.integer != in_int {
                let which = if c.integer { "INTORG" } else { "INTEND" };
                let _ = writeln!(out, " m{j} 'MARKER' '{which}'");
                in_int = c.integer;
            }
            let _ = writeln!(out, " c{j} obj {}", c.cost);
            for &(i, a) in &by_col[j] {
                let _ = writeln!(out, " c{j} r{i} {a}");
            }
        }
        if in_int {
            out.push_str(" mend 'MARKER' 'INTEND'\n");
        }
        out.push_str("RHS\n");
        for (i, r) in self.rows.iter().enumerate() {
            let rhs = if r.lower.is_finite() { r.lower } else { r.upper };
            if rhs != 0.0 {
                let _ = writeln!(out, " rhs r{i} {rhs}");
            }
        }
        out.push_str("RANGES\n");
        for (i, r) in self.rows.iter().enumerate() {
            if r.lower != r.upper && r.lower.is_finite() && r.upper.is_finite() {
                let _ = writeln!(out, " rng r{i} {}", r.upper - r.lower);
            }
        }
        out.push_str("BOUNDS\n");
        for (j, c) in self.cols.iter().enumerate() {
            let _ = writeln!(out, " LO bnd c{j} {}", c.lower);
            if c.upper.is_finite() {
                let _ = writeln!(out, " UP bnd c{j} {}", c.upper);
            } else {
                let _ = writeln!(out, " PL bnd c{j}");
            }
        }
        out.push_str("ENDATA\n");
        out
    }

    pub fn objective_of(&self, values: &[f64]) -> f64 {
        self.cols.iter().zip(values).map(|(c, v)| c.cost * v).sum()
    }
}

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MipEnd {
    /// Proven optimal (to the back end's tolerances).
    Optimal,
    /// Stopped at the requested relative gap.
    GapLimit,
    /// Stopped at the time limit with an incumbent.
    TimeLimit,
    /// Stopped at the node budget with an incumbent (microlp; deterministic).
    NodeLimit,
}

#[derive(Debug, Clone)]
pub struct MipSolution {
    pub values: Vec<f64>,
    pub objective: f64,
    pub end: MipEnd,
    /// A lower bound reported by the back end itself, when it has one.
    pub solver_bound: Option<f64>,
}

/// Why a solve produced no solution.
#[derive(Debug, Clone, PartialEq)]
pub enum MipFailure {
    Infeasible,
    /// The time limit passed before any feasible point was found.
    NoIncumbent,
    Other(String),
}

/// Limits for one solve.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time_limit_seconds: f64,
    pub mip_gap: f64,
    /// Branch-and-bound nodes after the root (microlp only): a budget that, unlike the clock,
    /// stops the search at the same point on every run and machine. `None`: no budget.
    pub node_limit: Option<u64>,
}

/// Solve `mip` (or its LP relaxation when `relax`) on the chosen back end.
pub fn solve(
    mip: &Mip,
    kind: SolverKind,
    limits: Limits,
    relax: bool,
) -> Result<MipSolution, MipFailure> {
    solve_from(mip, kind, limits, relax, None)
}

/// [`solve`], seeded with a feasible point (the back end's warm start / initial solution).
pub fn solve_from(
    mip: &Mip,
    kind: SolverKind,
    limits: Limits,
    relax: bool,
    start: Option<&[f64]>,
) -> Result<MipSolution, MipFailure> {
    let mut vars = ProblemVariables::new();
    let handles: Vec<Variable> = mip
        .cols
        .iter()
        .map(|c| {
            let mut def = variable().min(c.lower).max(c.upper);
            if c.integer && !relax {
                def = def.integer();
            }
            vars.add(def)
        })
        .collect();
    let mut objective = Expression::with_capacity(mip.cols.len());
    for (c, &v) in mip.cols.iter().zip(&handles) {
        if c.cost != 0.0 {
            objective.add_mul(c.cost, v);
        }
    }
    let problem = vars.minimise(objective);
    let rows = mip.rows.iter().flat_map(|r| {
        let expr = || {
            let mut e = Expression::with_capacity(r.terms.len());
            for &(j, a) in &r.terms {
                e.add_mul(a, handles[j]);
            }
            e
        };
        let mut out = Vec::with_capacity(2);
        if r.lower == r.upper {
            out.push(expr().eq(r.lower));
        } else {
            if r.lower.is_finite() {
                out.push(expr().geq(r.lower));
            }
            if r.upper.is_finite() {
                out.push(expr().leq(r.upper));
            }
        }
        out
    });
    let time_limit = limits.time_limit_seconds.max(0.01);
    let initial: Option<Vec<(Variable, f64)>> =
        start.map(|v| handles.iter().copied().zip(v.iter().copied()).collect());
    // An f32 gap: good_lp's interface. A zero gap is honoured as "prove optimality".
    let gap = limits.mip_gap as f32;
    match kind {
        SolverKind::Microlp if !relax => microlp_branch_and_bound(mip, limits, start),
        SolverKind::Microlp => {
            let mut model = problem.using(good_lp::solvers::microlp::microlp).with_all(rows);
            if let Some(init) = initial {
                model = model.with_initial_solution(init);
            }
            let model = model
                .with_time_limit(time_limit)
                .with_mip_gap(gap)
                .map_err(|e| MipFailure::Other(e.to_string()))?;
            let solution = model.solve().map_err(failure)?;
            let values: Vec<f64> = handles.iter().map(|&v| solution.value(v)).collect();
            let end = end_of(solution.status());
            let inner = solution.into_inner();
            let solver_bound = inner.stats().best_bound;
            Ok(finish(mip, values, end, solver_bound, relax))
        }
        #[cfg(feature = "highs")]
        SolverKind::Highs => {
            let model = problem.using(good_lp::solvers::highs::highs).with_all(rows);
            highs_solve(mip, model, time_limit, limits.mip_gap, relax, start)
        }
        #[cfg(feature = "cbc")]
        SolverKind::Cbc => {
            let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc).with_all(rows);
            if let Some(init) = initial {
                model = model.with_initial_solution(init);
            }
            model.set_parameter("log", "0");
            // CBC's time limit counts CPU seconds (rounded up to whole seconds) unless
            // timeMode=elapsed.
            model.set_parameter("timeMode", "elapsed");
            let mut model = model
                .with_time_limit(time_limit)
                .with_mip_gap(gap)
                .map_err(|e| MipFailure::Other(e.to_string()))?;
            // good_lp rounds the limit up to whole seconds; CBC's `seconds` takes a fraction.
            model.set_parameter("sec", &time_limit.to_string());
            // Debian's CBC 2.10.8 segfaults in `CglPreProcess::postProcess` when the time limit
            // stops a search that started from our initial solution (bench_schedule's three-site
            // instance at `--time-limit-seconds 5`: 8 crashes in 8 runs with whole seconds, about
            // 1 in 5 with fractional ones; 0 in 8 without preprocessing, same schedules).
            model.set_parameter("preprocess", "off");
            let solution = model.solve().map_err(failure)?;
            let values: Vec<f64> = handles.iter().map(|&v| solution.value(v)).collect();
            let end = end_of(solution.status());
            let bound = solution.model().best_possible_value();
            // After a CBC time limit the values may not be an incumbent at all: check them.
            if !is_feasible(mip, &values, relax) {
                return Err(MipFailure::NoIncumbent);
            }
            Ok(finish(mip, values, end, (!relax).then_some(bound), relax))
        }
        #[allow(unreachable_patterns)]
        other => Err(MipFailure::Other(format!(
            "solver {} is not compiled into this build; rebuild with `--features {}`",
            other.as_str(),
            other.as_str()
        ))),
    }
}

/// HiGHS through `HighsProblem::into_inner()`: good_lp's own `solve` drops the solved model,
/// and with it the dual bound (`mip_dual_bound`) that the gap of a stopped search is measured
/// against. `into_inner()` also drops the options and the initial solution set on the
/// `HighsProblem`, so they are set here again on the `highs::Model`. The status mapping
/// follows good_lp's, except that a stop without an incumbent is reported as such.
#[cfg(feature = "highs")]
fn highs_solve(
    mip: &Mip,
    problem: good_lp::solvers::highs::HighsProblem,
    time_limit_seconds: f64,
    mip_gap: f64,
    relax: bool,
    start: Option<&[f64]>,
) -> Result<MipSolution, MipFailure> {
    use highs::{HighsModelStatus as Status, HighsSolutionStatus};
    let mut model = problem.try_into_inner().map_err(|e| MipFailure::Other(e.to_string()))?;
    let option_error = |name: &str| MipFailure::Other(format!("HiGHS rejected option {name}"));
    model.try_set_option("threads", 1).map_err(|_| option_error("threads"))?;
    model
        .try_set_option("time_limit", time_limit_seconds)
        .map_err(|_| option_error("time_limit"))?;
    model.try_set_option("mip_rel_gap", mip_gap).map_err(|_| option_error("mip_rel_gap"))?;
    if let Some(start) = start {
        // The columns of good_lp's HiGHS model are the variables in creation order: `mip.cols`.
        model
            .try_set_solution(Some(start), None, None, None)
            .map_err(|e| MipFailure::Other(format!("HiGHS refused the initial solution: {e:?}")))?;
    }
    let solved =
        model.try_solve().map_err(|e| MipFailure::Other(format!("HiGHS failed to run: {e:?}")))?;
    // Read as a number: `primal_solution_status()` panics on the -1 HiGHS leaves there when it
    // did not solve (an empty model).
    let has_point = solved.int_info_value(c"primal_solution_status")
        == Ok(HighsSolutionStatus::Feasible as i64);
    let end = match solved.status() {
        Status::Infeasible | Status::UnboundedOrInfeasible => return Err(MipFailure::Infeasible),
        // HiGHS does not solve a model without columns; its optimum is the empty point.
        Status::ModelEmpty if mip.cols.is_empty() => {
            return Ok(finish(mip, Vec::new(), MipEnd::Optimal, None, relax));
        }
        Status::Optimal | Status::ObjectiveBound | Status::ObjectiveTarget => {
            // `mip_gap` is infinite for an LP and zero at a proven optimum.
            let gap = solved.mip_gap();
            if gap.is_finite() && gap > 0.0 {
                MipEnd::GapLimit
            } else {
                MipEnd::Optimal
            }
        }
        Status::ReachedTimeLimit if !has_point => return Err(MipFailure::NoIncumbent),
        Status::ReachedTimeLimit => MipEnd::TimeLimit,
        other => return Err(MipFailure::Other(format!("HiGHS stopped with status {other:?}"))),
    };
    if !has_point {
        return Err(MipFailure::Other(format!(
            "HiGHS reported {:?} without a solution",
            solved.status()
        )));
    }
    let values = solved.get_solution().columns().to_vec();
    let solver_bound = if relax {
        None
    } else {
        solved.double_info_value(c"mip_dual_bound").ok().filter(|b| b.is_finite())
    };
    Ok(finish(mip, values, end, solver_bound, relax))
}

/// microlp's branch and bound through its own API: good_lp 1.15 passes microlp a time limit
/// and a gap but not its node budget (`Limits::node_limit`), the deterministic stop. The model
/// is the same `Mip`; good_lp still solves the LP relaxation.
fn microlp_branch_and_bound(
    mip: &Mip,
    limits: Limits,
    start: Option<&[f64]>,
) -> Result<MipSolution, MipFailure> {
    use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, TerminationReason};
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let mut vars = Vec::with_capacity(mip.cols.len());
    for c in &mip.cols {
        let var = if c.integer {
            // microlp's integer bounds are i32; the model's counts are far inside that range.
            let bound = |v: f64, up: bool| -> i32 {
                let v = if up { v.floor() } else { v.ceil() };
                if v.is_finite() {
                    v.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
                } else if up {
                    i32::MAX
                } else {
                    i32::MIN
                }
            };
            let (lo, hi) = (bound(c.lower, false), bound(c.upper, true));
            if lo > hi {
                return Err(MipFailure::Infeasible);
            }
            problem.add_integer_var(c.cost, (lo, hi))
        } else {
            problem.add_var(c.cost, (c.lower, c.upper))
        };
        vars.push(var);
    }
    for r in &mip.rows {
        let expr = || {
            let mut e = LinearExpr::empty();
            for &(j, a) in &r.terms {
                e.add(vars[j], a);
            }
            e
        };
        if r.lower == r.upper {
            problem.add_constraint(expr(), ComparisonOp::Eq, r.lower);
        } else {
            if r.lower.is_finite() {
                problem.add_constraint(expr(), ComparisonOp::Ge, r.lower);
            }
            if r.upper.is_finite() {
                problem.add_constraint(expr(), ComparisonOp::Le, r.upper);
            }
        }
    }
    let mut options = microlp::SolveOptions::default();
    options.time_limit =
        Some(std::time::Duration::from_secs_f64(limits.time_limit_seconds.max(0.01)));
    options.node_limit = limits.node_limit;
    options.mip_gap = limits.mip_gap;
    options.warm_start = start.map(|v| vars.iter().copied().zip(v.iter().copied()).collect());
    let outcome = problem.solve_with(options).map_err(|e| match e {
        microlp::Error::Infeasible => MipFailure::Infeasible,
        other => MipFailure::Other(other.to_string()),
    })?;
    let end = match outcome.termination_reason() {
        TerminationReason::ProvenOptimal => MipEnd::Optimal,
        TerminationReason::MipGap => MipEnd::GapLimit,
        TerminationReason::NodeLimit => MipEnd::NodeLimit,
        _ => MipEnd::TimeLimit,
    };
    let solution = outcome.into_solution().map_err(|_| MipFailure::NoIncumbent)?;
    let values: Vec<f64> = vars.iter().map(|&v| solution.var_value(v)).collect();
    let bound = solution.stats().best_bound;
    Ok(finish(mip, values, end, bound, false))
}

fn finish(
    mip: &Mip,
    mut values: Vec<f64>,
    end: MipEnd,
    solver_bound: Option<f64>,
    relax: bool,
) -> MipSolution {
    for (v, c) in values.iter_mut().zip(&mip.cols) {
        if c.integer && !relax {
            *v = v.round();
        }
        *v = v.clamp(c.lower, c.upper);
    }
    let objective = mip.objective_of(&values);
    MipSolution { values, objective, end, solver_bound }
}

fn end_of(status: SolutionStatus) -> MipEnd {
    match status {
        SolutionStatus::Optimal => MipEnd::Optimal,
        SolutionStatus::GapLimit => MipEnd::GapLimit,
        SolutionStatus::TimeLimit => MipEnd::TimeLimit,
    }
}

fn failure(e: ResolutionError) -> MipFailure {
    match e {
        ResolutionError::Infeasible => MipFailure::Infeasible,
        ResolutionError::Other(s) if s.contains("Time limit") => MipFailure::NoIncumbent,
        other => MipFailure::Other(other.to_string()),
    }
}

/// Whether `values` satisfy every row and bound (to `1e-6` scaled by the row size) and are
/// integral where required (unless `relax`).
pub fn is_feasible(mip: &Mip, values: &[f64], relax: bool) -> bool {
    const TOL: f64 = 1e-6;
    for (c, &v) in mip.cols.iter().zip(values) {
        if !v.is_finite() || v < c.lower - TOL || v > c.upper + TOL {
            return false;
        }
        if c.integer && !relax && (v - v.round()).abs() > TOL {
            return false;
        }
    }
    mip.rows.iter().all(|r| {
        let lhs: f64 = r.terms.iter().map(|&(j, a)| a * values[j]).sum();
        let tol = TOL * (1.0 + r.terms.len() as f64);
        lhs >= r.lower - tol && lhs <= r.upper + tol
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { time_limit_seconds: 10.0, mip_gap: 0.0, node_limit: None }
    }

    /// min x + y  s.t. 2x + 3y >= 7, integers: (2,1) → 3; LP: y = 7/3 → 2.333.
    fn cover() -> Mip {
        let mut m = Mip::default();
        let x = m.add_col(0.0, 10.0, 1.0, true);
        let y = m.add_col(0.0, 10.0, 1.0, true);
        m.add_row(vec![(x, 2.0), (y, 3.0)], 7.0, f64::INFINITY);
        m
    }

    #[test]
    fn knapsack_cover_is_solved_exactly_and_relaxed_by_every_back_end() {
        let m = cover();
        for kind in SolverKind::compiled() {
            let s = solve(&m, kind, limits(), false).unwrap();
            assert_eq!(s.objective, 3.0, "{kind:?}");
            assert_eq!(s.end, MipEnd::Optimal, "{kind:?}");
            assert!(is_feasible(&m, &s.values, false), "{kind:?}");
            let lp = solve(&m, kind, limits(), true).unwrap();
            assert!((lp.objective - 7.0 / 3.0).abs() < 1e-9, "{kind:?}: {}", lp.objective);
            // An LP's bound, if a back end reports one, is its optimum.
            if let Some(bound) = lp.solver_bound {
                assert!((bound - lp.objective).abs() < 1e-9, "{kind:?}: LP bound {bound}");
            }
        }
    }

    #[test]
    fn every_back_end_reports_its_own_bound_at_the_optimum() {
        let m = cover();
        for kind in SolverKind::compiled() {
            let s = solve(&m, kind, limits(), false).unwrap();
            let bound = s.solver_bound.unwrap_or_else(|| panic!("{kind:?} reported no bound"));
            // Proven optimal at gap 0: the bound has closed up to the optimum 3.
            assert!((bound - 3.0).abs() < 1e-6, "{kind:?}: bound {bound}");
        }
    }

    #[test]
    fn a_model_without_columns_is_optimal_at_zero_on_every_back_end() {
        let m = Mip::default();
        for kind in SolverKind::compiled() {
            let s = solve(&m, kind, limits(), false).unwrap();
            assert_eq!((s.values.len(), s.objective, s.end), (0, 0.0, MipEnd::Optimal), "{kind:?}");
        }
    }

    #[test]
    fn contradiction_is_reported_as_infeasible_by_every_back_end() {
        let mut m = Mip::default();
        let x = m.add_col(0.0, 1.0, 1.0, true);
        let y = m.add_col(0.0, 5.0, 1.0, false);
        m.add_row(vec![(x, 1.0), (y, 1.0)], 2.0, f64::INFINITY);
        m.add_row(vec![(y, 1.0)], f64::NEG_INFINITY, 0.5);
        for kind in SolverKind::compiled() {
            assert_eq!(
                solve(&m, kind, limits(), false).unwrap_err(),
                MipFailure::Infeasible,
                "{kind:?}"
            );
            assert_eq!(
                solve(&m, kind, limits(), true).unwrap_err(),
                MipFailure::Infeasible,
                "{kind:?}"
            );
        }
    }

    /// A market split instance (Cornuéjols & Dawande, "A class of hard small 0-1 programs",
    /// INFORMS J. Computing 11(2), 1999): 4 rows, 30 binaries, coefficients drawn uniformly from
    /// 0..100 (Python `random.Random(0)`), right-hand sides half the row sums. Branch and bound
    /// needs a tree of millions of nodes to settle it, so a 1-second solve always stops on time.
    const SPLIT_ROWS: [[u32; 30]; 4] = [
        [
            49, 97, 53, 5, 33, 65, 62, 51, 38, 61, 45, 74, 27, 64, 17, 36, 17, 96, 12, 79, 32, 68,
            90, 77, 18, 39, 12, 93, 9, 87,
        ],
        [
            42, 60, 71, 12, 45, 55, 40, 78, 81, 26, 70, 61, 56, 66, 33, 7, 70, 1, 11, 92, 51, 90,
            85, 80, 0, 78, 63, 42, 31, 93,
        ],
        [
            41, 90, 8, 24, 72, 28, 30, 18, 69, 57, 11, 10, 40, 65, 62, 13, 38, 70, 37, 90, 15, 70,
            42, 69, 26, 77, 70, 75, 36, 56,
        ],
        [
            11, 76, 49, 40, 73, 30, 37, 23, 24, 23, 4, 78, 84, 33, 60, 8, 11, 86, 96, 16, 19, 4,
            10, 89, 69, 87, 50, 90, 67, 35,
        ],
    ];
    const SPLIT_RHS: [u32; 4] = [753, 795, 704, 691];

    fn split_sums(first: usize, bits: usize) -> impl Iterator<Item = [u32; 4]> {
        (0u32..1 << bits).map(move |mask| {
            let mut sum = [0; 4];
            for j in (0..bits).filter(|&j| mask >> j & 1 == 1) {
                for (s, row) in sum.iter_mut().zip(&SPLIT_ROWS) {
                    *s += row[first + j];
                }
            }
            sum
        })
    }

    #[test]
    fn the_market_split_instance_has_no_exact_split() {
        // Meet in the middle: every subset sum of the first 15 columns against the remainder
        // the last 15 would have to make up (2 × 2^15 sums instead of 2^30 subsets).
        let left: std::collections::BTreeSet<[u32; 4]> = split_sums(0, 15).collect();
        let hits = split_sums(15, 15)
            .filter(|r| r.iter().zip(&SPLIT_RHS).all(|(s, d)| s <= d))
            .filter(|r| left.contains(&std::array::from_fn(|i| SPLIT_RHS[i] - r[i])))
            .count();
        assert_eq!(hits, 0);
        // The half sums are the instance's definition.
        for (row, d) in SPLIT_ROWS.iter().zip(SPLIT_RHS) {
            assert_eq!(row.iter().sum::<u32>() / 2, d);
        }
    }

    /// `deviation`: each row gets under/over slack columns and the objective is their sum, so
    /// every 0/1 point is feasible; otherwise the rows are equalities and nothing is feasible.
    fn market_split(deviation: bool) -> Mip {
        let mut m = Mip::default();
        let x: Vec<usize> = (0..30).map(|_| m.add_col(0.0, 1.0, 0.0, true)).collect();
        for (row, &d) in SPLIT_ROWS.iter().zip(&SPLIT_RHS) {
            let mut terms: Vec<(usize, f64)> =
                x.iter().zip(row).map(|(&j, &a)| (j, f64::from(a))).collect();
            if deviation {
                terms.push((m.add_col(0.0, f64::INFINITY, 1.0, false), 1.0));
                terms.push((m.add_col(0.0, f64::INFINITY, 1.0, false), -1.0));
            }
            m.add_row(terms, f64::from(d), f64::from(d));
        }
        m
    }

    #[test]
    fn a_time_limit_before_any_feasible_point_is_no_incumbent_on_every_back_end() {
        let m = market_split(false);
        let limits = Limits { time_limit_seconds: 1.0, mip_gap: 0.0, node_limit: None };
        for kind in SolverKind::compiled() {
            assert_eq!(
                solve(&m, kind, limits, false).unwrap_err(),
                MipFailure::NoIncumbent,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_time_limit_returns_a_feasible_point_no_worse_than_the_start_on_every_back_end() {
        let m = market_split(true);
        // All x = 0, the under slack of each row at its right-hand side: deviation 2943.
        let mut start = vec![0.0; m.cols.len()];
        for (i, &d) in SPLIT_RHS.iter().enumerate() {
            start[30 + 2 * i] = f64::from(d);
        }
        assert!(is_feasible(&m, &start, false));
        let start_objective = m.objective_of(&start);
        assert_eq!(start_objective, 2943.0);
        let limits = Limits { time_limit_seconds: 1.0, mip_gap: 0.0, node_limit: None };
        for kind in SolverKind::compiled() {
            let s = solve_from(&m, kind, limits, false, Some(&start)).unwrap();
            assert_eq!(s.end, MipEnd::TimeLimit, "{kind:?}");
            assert!(is_feasible(&m, &s.values, false), "{kind:?}");
            // No exact split exists, and the deviation of a 0/1 point is an integer.
            assert!(
                s.objective >= 1.0 && s.objective <= start_objective,
                "{kind:?}: {}",
                s.objective
            );
            if let Some(bound) = s.solver_bound {
                assert!(
                    bound <= s.objective + 1e-6,
                    "{kind:?}: bound {bound} above {}",
                    s.objective
                );
            }
        }
    }

    #[test]
    fn a_node_budget_stops_microlp_at_the_same_point_every_run() {
        // The market split cannot be proven in 40 nodes; the budget, not the clock, stops the
        // search (a generous time limit), and a second run returns the same point.
        let m = market_split(true);
        let limits = Limits { time_limit_seconds: 60.0, mip_gap: 0.0, node_limit: Some(40) };
        let a = solve(&m, SolverKind::Microlp, limits, false).unwrap();
        let b = solve(&m, SolverKind::Microlp, limits, false).unwrap();
        assert_eq!(a.end, MipEnd::NodeLimit);
        assert!(is_feasible(&m, &a.values, false));
        assert!(a.objective >= 1.0, "no exact split exists: {}", a.objective);
        assert_eq!(a.values, b.values);
    }

    #[test]
    fn mps_export_of_a_small_model_is_the_hand_written_file() {
        // min x + 2y + 0.5u  s.t. 2x + 3y >= 7; x - y = 1; 1 <= x + u <= 4; x, y integer.
        let mut m = Mip::default();
        let x = m.add_col(0.0, 10.0, 1.0, true);
        let y = m.add_col(0.0, f64::INFINITY, 2.0, true);
        let u = m.add_col(0.0, f64::INFINITY, 0.5, false);
        m.add_row(vec![(x, 2.0), (y, 3.0)], 7.0, f64::INFINITY);
        m.add_row(vec![(x, 1.0), (y, -1.0)], 1.0, 1.0);
        m.add_row(vec![(x, 1.0), (u, 1.0)], 1.0, 4.0);
        let expected = "NAME shiftcast FREE
ROWS
 N obj
 G r0
 E r1
 G r2
COLUMNS
 m0 'MARKER' 'INTORG'
 c0 obj 1
 c0 r0 2
 c0 r1 1
 c0 r2 1
 c1 obj 2
 c1 r0 3
 c1 r1 -1
 m2 'MARKER' 'INTEND'
 c2 obj 0.5
 c2 r2 1
RHS
 rhs r0 7
 rhs r1 1
 rhs r2 1
RANGES
 rng r2 3
BOUNDS
 LO bnd c0 0
 UP bnd c0 10
 LO bnd c1 0
 PL bnd c1
 LO bnd c2 0
 PL bnd c2
ENDATA
";
        assert_eq!(m.to_mps(), expected);
    }
}
