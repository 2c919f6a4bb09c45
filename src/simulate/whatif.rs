//! What-if sweeps: how many agents, at what cost, and what service level a changed world
//! needs.
//!
//! A [`Scenario`] changes the baseline forecast and plan: volume and handle-time multipliers
//! over a date range (Singles' Day week × 1.6), shrinkage, service target, patience, a cap on
//! the agents that can be scheduled at once, and an hourly cost. For each scenario the sweep
//!
//! 1. applies the multipliers to the baseline forecast and the overrides to plan.toml;
//! 2. staffs it (Erlang C/A per interval, the `staffing` stage): required agents per interval
//!    and queue, net (on duty) and gross (scheduled, after shrinkage);
//! 3. applies the head-count cap: where the gross requirement of all queues together exceeds
//!    the cap, every queue's gross and net agents are scaled down by `cap / requirement`
//!    (largest-remainder rounding, so the queues share the cap in proportion);
//! 4. reports required agents (peak of the per-interval sum over queues, and the sum over
//!    intervals), paid hours (`agent-intervals × interval length`), FTE (paid hours / (FTE hours
//!    per week × weeks in the horizon), the horizon counted in whole local days as `plan`
//!    counts it) and cost (paid hours × hourly cost: the scenario's own `hourly_cost`, else,
//!    with a roster, the roster's mean cost per paid hour from agents.csv; see [`CostSource`]);
//! 5. simulates the scenario's demand against **exactly the net agents of step 3 on duty in
//!    each interval** (no shift structure, no breaks), or — when a roster is given — against
//!    that roster, unchanged. The first answers "does this requirement deliver the target once
//!    intervals carry over and callers abandon?"; the second "what does the roster we have
//!    deliver under this scenario?".
//!
//! Scenarios run in parallel with rayon; scenario `k` (0-based, input order) simulates on
//! ChaCha8 streams `(k + 1) · 2^32 + replication` of the seed, so results do not depend on the
//! thread count and come back in input order.
//!
//! Scenario files are CSV (one row per scenario) or TOML (`[[scenarios]]` tables) with the same
//! keys; see [`read_scenarios`].

use std::path::Path;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::engine::Absence;
use super::supply::{demand, model, supply_from_counts, supply_from_roster, Skills};
use super::{
    check_memory, replicate, summarize, AppliedAbsence, DayOutcome, Detail, Metrics, QueueOutcome,
    SimulateError, SimulationOptions,
};
use crate::error::InputError;
use crate::io::forecast::ForecastRow;
use crate::io::requirements::RequirementRow;
use crate::io::roster::RosterRow;
use crate::io::table::Table;
use crate::simulate::engine::ArrivalSource;
use crate::site::Site;
use crate::staffing::StaffingConfig;
use crate::time::{self, Stamp};

/// Hours of one full-time equivalent per week, when the caller does not say.
pub const DEFAULT_FTE_HOURS_PER_WEEK: f64 = 40.0;

/// One what-if scenario. `None` leaves the baseline unchanged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    pub name: String,
    /// Only this queue is changed by the multipliers and service overrides (all when `None`).
    pub queue: Option<String>,
    /// Multiplies contacts (and their p10/p90) of intervals in `[start, end)`.
    pub volume_multiplier: Option<f64>,
    /// Multiplies handle time of intervals in `[start, end)`.
    pub aht_multiplier: Option<f64>,
    /// First instant the multipliers apply (from the beginning when `None`).
    pub start: Option<Stamp>,
    /// First instant they no longer apply (to the end when `None`).
    pub end: Option<Stamp>,
    pub shrinkage: Option<f64>,
    pub service_level: Option<f64>,
    pub target_answer_seconds: Option<f64>,
    pub patience_seconds: Option<f64>,
    /// Most agents scheduled (gross) in one interval, all queues together.
    pub headcount_cap: Option<u32>,
    /// Cost of one paid agent-hour.
    pub hourly_cost: Option<f64>,
}

/// Settings of a sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WhatifOptions {
    pub simulation: SimulationOptions,
    /// Hours of one FTE per week (40 unless set).
    pub fte_hours_per_week: f64,
    /// Simulate each scenario (set false for requirement and cost only).
    pub simulate: bool,
}

impl Default for WhatifOptions {
    fn default() -> Self {
        WhatifOptions {
            simulation: SimulationOptions::default(),
            fte_hours_per_week: DEFAULT_FTE_HOURS_PER_WEEK,
            simulate: true,
        }
    }
}

/// What a scenario needs and delivers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOutcome {
    pub name: String,
    /// Forecast contacts after the multipliers.
    pub contacts: f64,
    /// Most agents scheduled at once: max over intervals of the sum over queues (gross).
    pub required_agents_peak: u32,
    /// Sum over intervals and queues of the gross agents (agent-intervals).
    pub required_agent_intervals: u64,
    /// Most agents on duty at once (net, after the cap).
    pub on_duty_agents_peak: u32,
    pub paid_hours: f64,
    pub fte: f64,
    /// `paid_hours × hourly_cost`; `None` without an hourly cost.
    pub cost: Option<f64>,
    /// Cost of one paid agent-hour behind `cost`.
    pub hourly_cost: Option<f64>,
    /// Where `hourly_cost` comes from.
    pub hourly_cost_source: Option<CostSource>,
    /// Intervals where the head-count cap cut the requirement.
    pub capped_intervals: u32,
    /// The roster's own figures, when the sweep simulates a roster.
    pub roster: Option<RosterFigures>,
    /// Simulated outcome of all queues together (`None` when not simulated).
    pub simulated: Option<Metrics>,
    /// Simulated outcome per queue (plan.toml order; empty when not simulated).
    pub queues: Vec<QueueOutcome>,
    /// Simulated outcome per queue and local day (empty when not simulated).
    pub days: Vec<DayOutcome>,
    /// The absence drawn (with a roster; none against the requirement's net agents).
    pub absence: Option<AppliedAbsence>,
}

/// A roster's own paid hours and head-count, beside what a scenario requires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RosterFigures {
    /// Distinct agents.
    pub agents: u32,
    /// Roster rows (agent shifts).
    pub shifts: u32,
    /// Σ paid minutes / 60 (the shift's length for a row without paid minutes).
    pub paid_hours: f64,
    /// Most roster agents scheduled at once (whole shifts, breaks included, before absence):
    /// to compare with the scenario's `required_agents_peak`.
    pub scheduled_agents_peak: u32,
}

/// The roster a sweep simulates every scenario against, with the agents' skills.
#[derive(Debug, Clone, Copy)]
pub struct WhatifRoster<'a> {
    pub rows: &'a [RosterRow],
    /// Skills of the agents (agents.csv); `None`: each serves its row's queue.
    pub skills: Option<&'a Skills>,
    /// Mean cost of one of the roster's paid hours ([`roster_hourly_cost`]): the rate of every
    /// scenario without its own `hourly_cost`.
    pub hourly_cost: Option<f64>,
}

/// Where a scenario's cost per paid agent-hour comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The scenario's own `hourly_cost`.
    Scenario,
    /// The roster's mean cost per paid hour (agents.csv `hourly_cost`).
    Roster,
}

impl CostSource {
    pub fn name(self) -> &'static str {
        match self {
            CostSource::Scenario => "scenario",
            CostSource::Roster => "roster",
        }
    }
}

/// The roster's mean cost per paid hour: Σ paid hours × the agent's `hourly_cost` / Σ paid hours,
/// (paid hours as [`RosterFigures`] counts them), an agent without a cost (or not in `agents`)
/// at `default_rate` (`[roster]
/// default_hourly_cost`, as the roster's own cost counts it). `None` for a roster without paid
/// hours. Added or removed agent-hours of a scenario cost what the roster's hours cost.
pub fn roster_hourly_cost(
    rows: &[RosterRow],
    agents: &[crate::io::agents::Agent],
    default_rate: f64,
) -> Option<f64> {
    let rate: std::collections::HashMap<&str, f64> = agents
        .iter()
        .map(|a| (a.agent_id.as_str(), a.hourly_cost.unwrap_or(default_rate)))
        .collect();
    let (mut hours, mut cost) = (0.0, 0.0);
    for r in rows {
        let h = if r.paid_minutes > 0 {
            f64::from(r.paid_minutes) / 60.0
        } else {
            (r.shift_end - r.shift_start).num_seconds() as f64 / 3600.0
        };
        hours += h;
        cost += h * rate.get(r.agent_id.as_str()).copied().unwrap_or(default_rate);
    }
    (hours > 0.0).then(|| cost / hours)
}

/// What a what-if sweep reads of a plan: the site (queues and targets) and `[staffing]`; a
/// scenario changes both.
#[derive(Debug, Clone)]
pub struct WhatifPlan {
    pub site: Site,
    pub staffing: StaffingConfig,
}

/// Staffing function used by the sweep: forecast rows and a plan in, requirement rows out.
pub type StaffFn<'a> =
    dyn Fn(&[ForecastRow], &WhatifPlan) -> Result<Vec<RequirementRow>, SimulateError> + Sync + 'a;

/// Run a sweep with the `staffing` stage's Erlang requirement.
pub fn run(
    forecast: &[ForecastRow],
    roster: Option<WhatifRoster<'_>>,
    config: &WhatifPlan,
    scenarios: &[Scenario],
    options: &WhatifOptions,
) -> Result<Vec<ScenarioOutcome>, SimulateError> {
    let staff = |rows: &[ForecastRow], c: &WhatifPlan| {
        crate::staffing::staff(rows, &c.site, &c.staffing).map_err(SimulateError::from)
    };
    run_with(&staff, forecast, roster, config, scenarios, options)
}

/// Run a sweep with a given staffing function (for tests and alternative staffing rules).
pub fn run_with(
    staff: &StaffFn<'_>,
    forecast: &[ForecastRow],
    roster: Option<WhatifRoster<'_>>,
    config: &WhatifPlan,
    scenarios: &[Scenario],
    options: &WhatifOptions,
) -> Result<Vec<ScenarioOutcome>, SimulateError> {
    let simulation = options.simulation.validated()?;
    if !(options.fte_hours_per_week.is_finite() && options.fte_hours_per_week > 0.0) {
        return Err(SimulateError::Invalid(format!(
            "FTE hours per week must be > 0, got {}",
            options.fte_hours_per_week
        )));
    }
    for s in scenarios {
        if let Some(q) = &s.queue {
            if config.site.queue(q).is_none() {
                return Err(SimulateError::Invalid(format!(
                    "scenario {:?}: queue {q:?} is not in plan.toml",
                    s.name
                )));
            }
        }
        check_dates(s, forecast)?;
    }
    if let Some(r) = roster {
        super::overlap::roster_overlap(r.rows, forecast, config.site.grid.interval_minutes)?;
    }
    scenarios
        .par_iter()
        .enumerate()
        .map(|(k, s)| {
            one(staff, forecast, roster, config, s, options, &simulation, k as u64).map_err(|e| {
                match e {
                    SimulateError::Invalid(m) => {
                        SimulateError::Invalid(format!("scenario {:?}: {m}", s.name))
                    }
                    other => other,
                }
            })
        })
        .collect()
}

/// A scenario with dates must change some interval of the forecast: dates that miss the
/// horizon are an error, not a scenario that silently equals the baseline.
fn check_dates(s: &Scenario, forecast: &[ForecastRow]) -> Result<(), SimulateError> {
    if s.start.is_none() && s.end.is_none() {
        return Ok(());
    }
    let hits = forecast.iter().any(|r| {
        s.start.is_none_or(|t| r.interval_start >= t)
            && s.end.is_none_or(|t| r.interval_start < t)
            && s.queue.as_ref().is_none_or(|q| *q == r.queue)
    });
    if hits || forecast.is_empty() {
        return Ok(());
    }
    let first = forecast.iter().map(|r| r.interval_start).min().expect("non-empty");
    let last = forecast.iter().map(|r| r.interval_start).max().expect("non-empty");
    let show = |t: Option<Stamp>| t.map(|t| time::format_local(&t)).unwrap_or_else(|| "-".into());
    Err(SimulateError::Invalid(format!(
        "scenario {:?}: its dates ({} to {}) miss the forecast's horizon ({} to {}){}",
        s.name,
        show(s.start),
        show(s.end),
        time::format_local(&first),
        time::format_local(&last),
        s.queue.as_ref().map(|q| format!(" for queue {q:?}")).unwrap_or_default()
    )))
}

/// The scenario's forecast and plan.
pub fn apply(
    forecast: &[ForecastRow],
    config: &WhatifPlan,
    s: &Scenario,
) -> (Vec<ForecastRow>, WhatifPlan) {
    let mut cfg = config.clone();
    if let Some(v) = s.shrinkage {
        cfg.staffing.shrinkage = v;
    }
    for q in cfg.site.queues.iter_mut().filter(|q| s.queue.as_ref().is_none_or(|n| *n == q.name)) {
        if let Some(v) = s.service_level {
            q.service_level = Some(v);
            if q.target_answer_seconds.is_none() && s.target_answer_seconds.is_none() {
                q.target_answer_seconds = Some(super::DEFAULT_TARGET_ANSWER_SECONDS);
            }
        }
        if let Some(v) = s.target_answer_seconds {
            q.target_answer_seconds = Some(v);
            if q.service_level.is_none() {
                q.service_level = Some(0.8);
            }
        }
        if let Some(v) = s.patience_seconds {
            q.patience_seconds = Some(v);
        }
    }
    let rows = forecast
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let in_range = s.start.is_none_or(|t| r.interval_start >= t)
                && s.end.is_none_or(|t| r.interval_start < t)
                && s.queue.as_ref().is_none_or(|q| *q == r.queue);
            if in_range {
                if let Some(m) = s.volume_multiplier {
                    r.contacts *= m;
                    r.contacts_p10 *= m;
                    r.contacts_p90 *= m;
                }
                if let Some(m) = s.aht_multiplier {
                    r.aht_seconds *= m;
                }
            }
            r
        })
        .collect();
    (rows, cfg)
}

/// Gross (scheduled) and net (on duty) agents per queue and interval of a scenario, after its
/// head-count cap.
struct Requirement {
    gross: Vec<Vec<u32>>,
    net: Vec<Vec<u32>>,
    capped_intervals: u32,
}

impl Requirement {
    fn of(
        requirements: &[RequirementRow],
        cfg: &WhatifPlan,
        horizon: &super::Horizon,
        cap: Option<u32>,
    ) -> Requirement {
        let n = horizon.intervals;
        let nq = cfg.site.queues.len();
        let mut gross = vec![vec![0u32; n]; nq];
        let mut net = vec![vec![0u32; n]; nq];
        let step_ms = (horizon.interval_seconds * 1000.0) as i64;
        for r in requirements {
            let Some(q) = cfg.site.queue_index(&r.queue) else {
                continue;
            };
            let offset = (r.interval_start - horizon.origin).num_milliseconds();
            if offset < 0 || offset % step_ms != 0 || (offset / step_ms) as usize >= n {
                continue;
            }
            let i = (offset / step_ms) as usize;
            gross[q][i] = r.agents_gross;
            net[q][i] = r.agents_net;
        }
        let mut capped_intervals = 0u32;
        if let Some(cap) = cap {
            for i in 0..n {
                let total: u32 = gross.iter().map(|g| g[i]).sum();
                if total > cap {
                    capped_intervals += 1;
                    let factor = f64::from(cap) / f64::from(total);
                    let scaled = share(&gross.iter().map(|g| g[i]).collect::<Vec<_>>(), cap);
                    for q in 0..nq {
                        gross[q][i] = scaled[q];
                        net[q][i] = (f64::from(net[q][i]) * factor)
                            .floor()
                            .min(f64::from(scaled[q])) as u32;
                    }
                }
            }
        }
        Requirement { gross, net, capped_intervals }
    }
}

/// The roster's own paid hours and head-count.
fn roster_figures(rows: &[RosterRow], horizon: &super::Horizon) -> RosterFigures {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.agent_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let paid_minutes: f64 = rows
        .iter()
        .map(|r| {
            if r.paid_minutes > 0 {
                f64::from(r.paid_minutes)
            } else {
                (r.shift_end - r.shift_start).num_seconds() as f64 / 60.0
            }
        })
        .sum();
    // Scheduled per interval (the whole shift, breaks included, as the requirement's gross
    // agents count): +1 at each shift's first whole interval, -1 after its last.
    let mut delta = vec![0i64; horizon.intervals + 1];
    for r in rows {
        let i0 = (horizon.seconds_of(&r.shift_start) / horizon.interval_seconds).ceil().max(0.0);
        let i1 = (horizon.seconds_of(&r.shift_end) / horizon.interval_seconds).floor().max(0.0);
        let (i0, i1) = ((i0 as usize).min(horizon.intervals), (i1 as usize).min(horizon.intervals));
        if i1 > i0 {
            delta[i0] += 1;
            delta[i1] -= 1;
        }
    }
    let mut on_duty = 0i64;
    let mut peak = 0i64;
    for d in &delta[..horizon.intervals] {
        on_duty += d;
        peak = peak.max(on_duty);
    }
    RosterFigures {
        agents: ids.len() as u32,
        shifts: rows.len() as u32,
        paid_hours: paid_minutes / 60.0,
        scheduled_agents_peak: peak as u32,
    }
}

/// What the simulation of a scenario reports.
struct Simulated {
    result: super::SimulationResult,
    absence: Option<AppliedAbsence>,
}

/// Simulate a scenario's demand against the roster (with its absence, resolved with the
/// scenario's shrinkage) or against exactly its net agents (no absence).
fn simulate_scenario(
    cfg: &WhatifPlan,
    rows: &[ForecastRow],
    roster: Option<WhatifRoster<'_>>,
    net: &[Vec<u32>],
    simulation: &SimulationOptions,
    index: u64,
) -> Result<Simulated, SimulateError> {
    let (horizon, queues) = demand(rows, &cfg.site)?;
    let mut options = *simulation;
    options.absence.shrinkage = cfg.staffing.shrinkage;
    let (supply, absence) = match roster {
        Some(r) => (
            supply_from_roster(r.rows, r.skills, &cfg.site, &horizon, options.routing)?,
            Some(options.absence.resolve(r.rows)),
        ),
        None => (supply_from_counts(net, &horizon), None),
    };
    let engine_absence = absence.map_or(Absence::NONE, |a| a.engine());
    let m = model(
        &horizon,
        queues,
        supply,
        ArrivalSource::Poisson,
        options.handle_time,
        engine_absence,
    );
    check_memory(&m, options.replications)?;
    let runs = replicate(&m, options.replications, options.seed, (index + 1) << 32);
    let applied = absence.unwrap_or(AppliedAbsence::NONE);
    let result = summarize(&runs, &horizon, &cfg.site, &options, applied, Detail::Days);
    Ok(Simulated { result, absence })
}

#[allow(clippy::too_many_arguments)]
fn one(
    staff: &StaffFn<'_>,
    forecast: &[ForecastRow],
    roster: Option<WhatifRoster<'_>>,
    config: &WhatifPlan,
    s: &Scenario,
    options: &WhatifOptions,
    simulation: &SimulationOptions,
    index: u64,
) -> Result<ScenarioOutcome, SimulateError> {
    let (rows, cfg) = apply(forecast, config, s);
    let horizon = super::Horizon::of_forecast(&rows, &cfg.site)?;
    let contacts: f64 = rows.iter().map(|r| r.contacts).sum();
    if options.simulate {
        // Before staffing: a volume far beyond what can be simulated fails fast.
        super::supply::check_contacts(contacts)?;
    }
    let requirements = staff(&rows, &cfg)?;
    let Requirement { gross, net, capped_intervals } =
        Requirement::of(&requirements, &cfg, &horizon, s.headcount_cap);
    let n = horizon.intervals;
    let per_interval_gross: Vec<u32> = (0..n).map(|i| gross.iter().map(|g| g[i]).sum()).collect();
    let required_agents_peak = per_interval_gross.iter().copied().max().unwrap_or(0);
    let required_agent_intervals: u64 = per_interval_gross.iter().map(|&g| u64::from(g)).sum();
    let on_duty_agents_peak =
        (0..n).map(|i| net.iter().map(|g| g[i]).sum::<u32>()).max().unwrap_or(0);
    let interval_hours = horizon.interval_seconds / 3600.0;
    let paid_hours = required_agent_intervals as f64 * interval_hours;
    let fte = paid_hours / (options.fte_hours_per_week * horizon_weeks(&rows, cfg.site.grid.tz));
    let (hourly_cost, hourly_cost_source) =
        match (s.hourly_cost, roster.and_then(|r| r.hourly_cost)) {
            (Some(c), _) => (Some(c), Some(CostSource::Scenario)),
            (None, Some(c)) => (Some(c), Some(CostSource::Roster)),
            (None, None) => (None, None),
        };
    let simulated = if options.simulate {
        Some(simulate_scenario(&cfg, &rows, roster, &net, simulation, index)?)
    } else {
        None
    };
    let (total, queues, days, absence) = match simulated {
        Some(Simulated { result, absence }) => {
            (Some(result.total), result.queues, result.days, absence)
        }
        None => (None, Vec::new(), Vec::new(), None),
    };
    Ok(ScenarioOutcome {
        name: s.name.clone(),
        contacts,
        required_agents_peak,
        required_agent_intervals,
        on_duty_agents_peak,
        paid_hours,
        fte,
        cost: hourly_cost.map(|c| c * paid_hours),
        hourly_cost,
        hourly_cost_source,
        capped_intervals,
        roster: roster.map(|r| roster_figures(r.rows, &horizon)),
        simulated: total,
        queues,
        days,
        absence,
    })
}

/// Weeks of the forecast's horizon: its local days (first to last, both whole) / 7, as `plan`
/// counts FTE; not first-to-last interval, which would count a day open 08:00-21:00 as 13 hours
/// of the last day.
fn horizon_weeks(rows: &[ForecastRow], tz: Tz) -> f64 {
    let dates = rows.iter().map(|r| r.interval_start.with_timezone(&tz).date_naive());
    match (dates.clone().min(), dates.max()) {
        (Some(first), Some(last)) => ((last - first).num_days() + 1) as f64 / 7.0,
        _ => 1.0 / 7.0,
    }
}

/// Split `cap` among queues in proportion to `wants` (largest remainder; ties to the earlier
/// queue), never giving a queue more than it wants.
fn share(wants: &[u32], cap: u32) -> Vec<u32> {
    let total: u32 = wants.iter().sum();
    if total <= cap {
        return wants.to_vec();
    }
    let exact: Vec<f64> =
        wants.iter().map(|&w| f64::from(w) * f64::from(cap) / f64::from(total)).collect();
    let mut out: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = cap - out.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b))
    });
    for q in order {
        if left == 0 {
            break;
        }
        if out[q] < wants[q] {
            out[q] += 1;
            left -= 1;
        }
    }
    out
}

/// Columns of a scenario file (CSV header or TOML keys).
pub const SCENARIO_COLUMNS: [&str; 12] = [
    "name",
    "queue",
    "volume_multiplier",
    "start",
    "end",
    "aht_multiplier",
    "shrinkage",
    "service_level",
    "target_answer_seconds",
    "patience_seconds",
    "headcount_cap",
    "hourly_cost",
];

/// Read scenarios from a `.toml` file (`[[scenarios]]` tables) or any other file as CSV.
/// `start`/`end` are local dates (`2025-11-10`; `end` is inclusive: to the end of that day) or
/// local date-times (`2025-11-11T09:00`; `end` exclusive) in the site's time zone `tz`.
pub fn read_scenarios(path: &Path, tz: Tz) -> Result<Vec<Scenario>, SimulateError> {
    let bytes = std::fs::read(path).map_err(|e| SimulateError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let file = path.display().to_string();
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
        let text = String::from_utf8(bytes)
            .map_err(|_| InputError::new(&file, "expected UTF-8 text, found invalid bytes"))?;
        parse_scenarios_toml(&file, &text, tz)
    } else {
        parse_scenarios_csv(&file, &bytes, tz)
    }
}

/// Parse a scenario CSV: header with `name` and any of [`SCENARIO_COLUMNS`]; empty cells leave
/// the baseline unchanged.
///
/// ```
/// use shiftcast::simulate::whatif::parse_scenarios_csv;
/// let tz = "Asia/Shanghai".parse().unwrap();
/// let csv = b"name,volume_multiplier,start,end,hourly_cost\nbase,,,,18\npeak,1.6,2025-11-10,2025-11-16,18\n";
/// let s = parse_scenarios_csv("scenarios.csv", csv, tz).unwrap();
/// assert_eq!(s[1].volume_multiplier, Some(1.6));
/// assert_eq!(s[0].volume_multiplier, None); // empty: unchanged
/// let bad = parse_scenarios_csv("scenarios.csv", b"name,shrinkage\nx,1.5\n", tz).unwrap_err();
/// assert_eq!(
///     bad.to_string(),
///     "scenarios.csv line 2, column shrinkage: expected a number >= 0 and < 1, found \"1.5\""
/// );
/// ```
pub fn parse_scenarios_csv(
    file: &str,
    bytes: &[u8],
    tz: Tz,
) -> Result<Vec<Scenario>, SimulateError> {
    let t = Table::parse(file, bytes)?;
    t.reject_unknown(&SCENARIO_COLUMNS)?;
    let name_col = t.require("name")?;
    let col = |n: &str| t.column(n);
    let mut out: Vec<Scenario> = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let name = t.nonempty(row, name_col)?.to_string();
        if out.iter().any(|s| s.name == name) {
            return Err(t.error(row, name_col, format!("scenario {name:?} appears twice")).into());
        }
        let mut fields = Vec::new();
        for key in SCENARIO_COLUMNS.iter().skip(1) {
            if let Some(c) = col(key) {
                if let Some(v) = t.optional(row, Some(c)) {
                    fields.push((*key, v.to_string()));
                }
            }
        }
        let s = scenario(name, &fields, tz).map_err(|(key, message)| {
            let c = col(key).expect("came from a column");
            t.error(row, c, message)
        })?;
        out.push(s);
    }
    if out.is_empty() {
        return Err(InputError::new(
            file,
            "no scenarios: expected at least one row after the header",
        )
        .into());
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    scenarios: Vec<toml::Table>,
}

/// Parse a TOML scenario file: `[[scenarios]]` tables with the CSV's keys (numbers as numbers,
/// dates and names as strings).
pub fn parse_scenarios_toml(
    file: &str,
    text: &str,
    tz: Tz,
) -> Result<Vec<Scenario>, SimulateError> {
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| {
            text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count()
                as u64
                + 1
        })
    };
    let raw: TomlFile = toml::from_str(text).map_err(|e| InputError {
        file: file.to_string(),
        line: line_of(e.span()),
        column: None,
        message: e.message().to_string(),
    })?;
    let mut out: Vec<Scenario> = Vec::with_capacity(raw.scenarios.len());
    for (k, table) in raw.scenarios.iter().enumerate() {
        let at = |key: &str, message: String| InputError {
            file: file.to_string(),
            line: None,
            column: Some(format!("scenarios[{k}].{key}")),
            message,
        };
        let mut name = None;
        let mut fields = Vec::new();
        for (key, value) in table {
            if !SCENARIO_COLUMNS.contains(&key.as_str()) {
                return Err(at(
                    key,
                    format!("unknown key; expected some of {}", SCENARIO_COLUMNS.join(",")),
                )
                .into());
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Datetime(d) => d.to_string(),
                other => {
                    return Err(
                        at(key, format!("expected a number or a string, found {other}")).into()
                    )
                }
            };
            if key == "name" {
                name = Some(text);
            } else {
                fields.push((
                    SCENARIO_COLUMNS.iter().find(|c| **c == key).copied().expect("checked"),
                    text,
                ));
            }
        }
        let name = name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| at("name", "every scenario needs a name".into()))?;
        if out.iter().any(|s| s.name == name) {
            return Err(at("name", format!("scenario {name:?} appears twice")).into());
        }
        out.push(scenario(name, &fields, tz).map_err(|(key, message)| at(key, message))?);
    }
    if out.is_empty() {
        return Err(InputError::new(
            file,
            "no scenarios: expected at least one [[scenarios]] table",
        )
        .into());
    }
    Ok(out)
}

/// Build a scenario from `(key, text)` fields; an error names the key.
fn scenario(
    name: String,
    fields: &[(&'static str, String)],
    tz: Tz,
) -> Result<Scenario, (&'static str, String)> {
    let mut s = Scenario { name, ..Scenario::default() };
    for (key, text) in fields {
        let key = *key;
        let number = |min_exclusive: bool,
                      max: Option<(f64, bool)>|
         -> Result<f64, (&'static str, String)> {
            let v: f64 =
                text.parse().map_err(|_| (key, format!("expected a number, found {text:?}")))?;
            let low_ok = v.is_finite() && if min_exclusive { v > 0.0 } else { v >= 0.0 };
            let high_ok = match max {
                None => true,
                Some((m, inclusive)) => {
                    if inclusive {
                        v <= m
                    } else {
                        v < m
                    }
                }
            };
            if low_ok && high_ok {
                Ok(v)
            } else {
                let low = if min_exclusive { "> 0" } else { ">= 0" };
                let high = match max {
                    None => String::new(),
                    Some((m, true)) => format!(" and <= {m}"),
                    Some((m, false)) => format!(" and < {m}"),
                };
                Err((key, format!("expected a number {low}{high}, found {text:?}")))
            }
        };
        match key {
            "queue" => s.queue = Some(text.clone()),
            "volume_multiplier" => s.volume_multiplier = Some(number(false, None)?),
            "aht_multiplier" => s.aht_multiplier = Some(number(true, None)?),
            "shrinkage" => s.shrinkage = Some(number(false, Some((1.0, false)))?),
            "service_level" => s.service_level = Some(number(true, Some((1.0, true)))?),
            "target_answer_seconds" => s.target_answer_seconds = Some(number(false, None)?),
            "patience_seconds" => s.patience_seconds = Some(number(true, None)?),
            "hourly_cost" => s.hourly_cost = Some(number(false, None)?),
            "headcount_cap" => {
                s.headcount_cap = Some(text.parse::<u32>().map_err(|_| {
                    (key, format!("expected a whole number of agents >= 0, found {text:?}"))
                })?)
            }
            "start" => s.start = Some(instant(text, tz, false).map_err(|m| (key, m))?),
            "end" => s.end = Some(instant(text, tz, true).map_err(|m| (key, m))?),
            _ => unreachable!("keys are checked by the callers"),
        }
    }
    if let (Some(a), Some(b)) = (s.start, s.end) {
        if b <= a {
            return Err(("end", format!("end must be after start ({})", time::format_local(&a))));
        }
    }
    Ok(s)
}

/// A date (start of that day; for an end, start of the next day) or a local date-time.
fn instant(text: &str, tz: Tz, is_end: bool) -> Result<Stamp, String> {
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let d = if is_end { d + Duration::days(1) } else { d };
        return Ok(time::start_of_day(d, tz));
    }
    time::parse_local(text, tz).map_err(|_| {
        format!(
            "expected a date like 2025-11-10 or a date-time like 2025-11-11T09:00, found {text:?}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        time::parse_time_zone("Asia/Shanghai").unwrap()
    }

    #[test]
    fn csv_scenarios_with_empty_cells_left_unchanged() {
        let text = b"name,volume_multiplier,start,end,shrinkage,headcount_cap,hourly_cost\n\
                     baseline,,,,,,\n\
                     singles day,1.6,2025-11-10,2025-11-16,0.35,400,18.5\n";
        let s = parse_scenarios_csv("s.csv", text, tz()).unwrap();
        assert_eq!(s[0], Scenario { name: "baseline".into(), ..Scenario::default() });
        assert_eq!(s[1].volume_multiplier, Some(1.6));
        assert_eq!(time::format_local(&s[1].start.unwrap()), "2025-11-10T00:00");
        // An end date is inclusive: the multiplier runs to the end of that day.
        assert_eq!(time::format_local(&s[1].end.unwrap()), "2025-11-17T00:00");
        assert_eq!(s[1].headcount_cap, Some(400));
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let e = parse_scenarios_csv("s.csv", b"name,shrinkage\na,0.3\nb,1.2\n", tz()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv line 3, column shrinkage: expected a number >= 0 and < 1, found \"1.2\""
        );
        let e = parse_scenarios_csv("s.csv", b"name,volume\na,2\n", tz()).unwrap_err();
        assert!(e.to_string().contains("column volume: unknown column"), "{e}");
        let e = parse_scenarios_csv("s.csv", b"name,start,end\na,2025-11-12,2025-11-10\n", tz())
            .unwrap_err();
        assert!(e.to_string().contains("line 2, column end: end must be after start"), "{e}");
        let e = parse_scenarios_csv("s.csv", b"name\na\na\n", tz()).unwrap_err();
        assert!(e.to_string().contains("line 3, column name"), "{e}");
    }

    #[test]
    fn toml_scenarios_read_like_csv() {
        let text = "[[scenarios]]\nname = \"peak\"\nvolume_multiplier = 1.4\nstart = \"2025-11-11T09:00\"\n\
                    headcount_cap = 300\n[[scenarios]]\nname = \"base\"\n";
        let s = parse_scenarios_toml("s.toml", text, tz()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].volume_multiplier, Some(1.4));
        assert_eq!(s[0].headcount_cap, Some(300));
        let e =
            parse_scenarios_toml("s.toml", "[[scenarios]]\nname = \"x\"\nshrinkage = 2\n", tz())
                .unwrap_err();
        assert!(e.to_string().contains("scenarios[0].shrinkage"), "{e}");
    }

    #[test]
    fn cap_is_shared_in_proportion() {
        assert_eq!(share(&[30, 10], 20), vec![15, 5]);
        assert_eq!(share(&[1, 1, 1], 2), vec![1, 1, 0]);
        assert_eq!(share(&[5, 5], 20), vec![5, 5]);
        assert_eq!(share(&[7, 3], 5).iter().sum::<u32>(), 5);
    }
}
