//! `shiftcast plan`: the planner's weekly job on one config — forecast → staff → schedule →
//! roster → simulate for the next planning week(s), every stage's file, summary.json and
//! report.html.
//!
//! [`run`] calls each stage's library function in turn and keeps every result in memory;
//! [`write_outputs`] writes each stage's file atomically, reads the files back, and computes
//! summary.json and the report from what was read — so the key figures are sums over the files
//! a planner or HR system will see, not over unrounded numbers they never get.
//!
//! The planning window starts where [`planning_start`] says (the first `[site] week_start` day
//! after the history ends, unless a start date is given) and lasts `weeks` × 7 days.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate};

use crate::error::{FileError, InputError};
use crate::io::agents::Agent;
use crate::io::events::Event;
use crate::io::folder::OutputFolder;
use crate::io::history::HistoryFrame;
use crate::io::requirements::RequirementRow;
use crate::io::table::write_atomic;
use crate::plan::config::PlanConfig;
use crate::plan::give_back::{GivenShift, Streams};
use crate::plan::inputs::{planning_start, Needs, PlanInputs};
use crate::plan::{verify, Error};
use crate::report::files::{read_simulation, read_simulation_days, read_whatif, write_summary};
use crate::report::summary::{
    AgentsShort, ForecastAccuracy, ForecastFigures, LoopAction, LoopFigures, PlanSummary,
    QueueAccuracy, QueueTarget, RosterFigures, ScheduleFigures, SimulationFigures, StaffingFigures,
    SummaryInputs, UnmetSeats, FTE_HOURS_WEEK,
};
use crate::report::ReportData;

/// The stages of a plan, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Inputs,
    Forecast,
    Accuracy,
    Staff,
    Schedule,
    Roster,
    Simulate,
    Whatif,
    Write,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Inputs,
        Stage::Forecast,
        Stage::Accuracy,
        Stage::Staff,
        Stage::Schedule,
        Stage::Roster,
        Stage::Simulate,
        Stage::Whatif,
        Stage::Write,
    ];

    /// What the stage does, for a progress display.
    pub fn label(&self) -> &'static str {
        match self {
            Stage::Inputs => "read history, events and agents",
            Stage::Forecast => "forecast contacts and handle time",
            Stage::Accuracy => "backtest the forecast method",
            Stage::Staff => "staff intervals (Erlang)",
            Stage::Schedule => "schedule shifts and breaks",
            Stage::Roster => "roster named agents",
            Stage::Simulate => "simulate the roster",
            Stage::Whatif => "what-if scenarios against the roster",
            Stage::Write => "write files and report",
        }
    }
}

/// A progress event: a stage started, or finished after some seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    Started(Stage),
    Finished(Stage, f64),
}

/// Run settings (the `plan` command's flags).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// First planned day; `None`: the first week-start day after the history ends.
    pub start: Option<NaiveDate>,
    /// Planning weeks (1–6).
    pub weeks: u32,
    /// Seed of the roster search and the simulation; `None`: `[simulation] seed`.
    pub seed: Option<u64>,
    /// Time limit of each optimising stage (schedule, roster); `None`: their plan.toml values.
    pub time_limit_seconds: Option<f64>,
    /// Weekly folds of the forecast-accuracy backtest; 0 skips it.
    pub accuracy_folds: u32,
    /// What-if scenario file (CSV or TOML, as `shiftcast whatif` reads); `None` skips the sweep.
    pub scenarios: Option<PathBuf>,
    /// A history read elsewhere (the store: [`crate::plan::store::history`]) in place of
    /// `[inputs] history`; planning starts by the same rule.
    pub history: Option<GivenHistory>,
    /// Simulation in the loop ([`verify::repair`]); `None` rosters and simulates the schedule
    /// once, as solved.
    pub repair: Option<verify::RepairOptions>,
}

/// A history already in memory and where it came from (shown as the plan's history input).
#[derive(Debug, Clone, PartialEq)]
pub struct GivenHistory {
    pub source: PathBuf,
    pub history: HistoryFrame,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            start: None,
            weeks: 1,
            seed: None,
            time_limit_seconds: None,
            accuracy_folds: 4,
            scenarios: None,
            history: None,
            repair: Some(verify::RepairOptions::default()),
        }
    }
}

/// Everything a plan computed, in memory.
pub struct PlanRun {
    pub start: NaiveDate,
    pub days: u32,
    pub seed: u64,
    pub history_path: PathBuf,
    pub history: HistoryFrame,
    pub events: Vec<Event>,
    pub agents: Vec<Agent>,
    pub forecast: crate::forecast::ForecastOutput,
    pub accuracy: Option<ForecastAccuracy>,
    pub requirements: Vec<RequirementRow>,
    pub schedule: crate::schedule::ScheduleResult,
    pub roster: crate::roster::RosterResult,
    pub simulation: crate::simulate::SimulationResult,
    /// Every queue-day of the simulation against its targets.
    pub verdicts: Vec<verify::Verdict>,
    /// What the simulation loop changed (when it ran).
    pub repair: Option<verify::RepairReport>,
    /// Paid hours of the schedule as the solver returned it, before the loop.
    pub schedule_paid_hours: f64,
    /// What-if outcomes (in scenario-file order), when a scenario file was given.
    pub whatif: Option<Vec<crate::simulate::whatif::ScenarioOutcome>>,
    /// Seconds per stage, in run order.
    pub stage_seconds: Vec<(Stage, f64)>,
    /// Earlier published forecasts against their actuals, for the report (from the store).
    pub published_accuracy: Vec<crate::report::accuracy::PublishedAccuracy>,
    /// What each pooled queue (a VIP line) costs against agents of its own ([`pooling_notes`]).
    pub pooling: Vec<String>,
}

/// Run the chain. `progress` hears each stage start and finish (the library never prints).
pub fn run(
    config: &PlanConfig,
    options: &PlanOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<PlanRun, Error> {
    if !(1..=6).contains(&options.weeks) {
        let message = format!("expected 1 to 6 planning weeks, got {}", options.weeks);
        return Err(InputError::new("--weeks", message).into());
    }
    let mut stage_seconds = Vec::new();
    let mut timed = |stage: Stage, progress: &mut dyn FnMut(Progress), seconds: f64| {
        progress(Progress::Finished(stage, seconds));
        stage_seconds.push((stage, seconds));
    };

    progress(Progress::Started(Stage::Inputs));
    let t = Instant::now();
    let inputs = load_inputs(config, options)?;
    let history_path = inputs.history_path.clone().unwrap_or_default();
    let PlanInputs { history, events, agents, .. } = inputs;
    let start =
        planning_start(&history, config.site.week_start, options.start).ok_or_else(|| {
            InputError::new(history_path.display().to_string(), "the history has no rows")
        })?;
    let days = options.weeks * 7;
    let seed = options.seed.unwrap_or(config.simulation.seed);
    timed(Stage::Inputs, progress, t.elapsed().as_secs_f64());

    progress(Progress::Started(Stage::Forecast));
    let t = Instant::now();
    let mut forecast = crate::forecast::run_forecast(
        &history,
        &events,
        &config.site,
        &config.forecast,
        start,
        days,
    )?;
    // The next stages see forecast.csv's values, so the stages run one by one on the files
    // reproduce the plan exactly.
    forecast.rows = crate::io::forecast::as_written(&forecast.rows);
    timed(Stage::Forecast, progress, t.elapsed().as_secs_f64());

    let accuracy = if options.accuracy_folds > 0 {
        progress(Progress::Started(Stage::Accuracy));
        let t = Instant::now();
        let a = backtest_accuracy(&history, &events, config, options.accuracy_folds)?;
        timed(Stage::Accuracy, progress, t.elapsed().as_secs_f64());
        a
    } else {
        None
    };

    progress(Progress::Started(Stage::Staff));
    let t = Instant::now();
    let requirements = crate::staffing::staff(&forecast.rows, &config.site, &config.staffing)?;
    timed(Stage::Staff, progress, t.elapsed().as_secs_f64());

    progress(Progress::Started(Stage::Schedule));
    let t = Instant::now();
    let schedule_options = crate::schedule::SolveOptions {
        // [schedule] objective, by default targets as constraints: the cheapest schedule
        // meeting each queue's service level per day (deferred queues: their requirement every
        // interval); `objective = "cost"` trades cost against under-staffing instead.
        objective: config.schedule.objective,
        time_limit_seconds: options.time_limit_seconds,
        service_level: Some(Arc::new(crate::staffing::projected_service_level)),
        abandonment: Some(Arc::new(crate::staffing::projected_abandon_rate)),
        ..Default::default()
    };
    // A VIP line answered by the voice agents has no shifts of its own: voice's shifts cover
    // the pool.
    let pooled =
        crate::staffing::pool_for_schedule(&requirements, &config.site, config.staffing.shrinkage)?;
    let pooling = pooling_notes(config, &agents, &requirements, &pooled);
    let mut schedule =
        crate::schedule::solve(&pooled, &config.site, &config.schedule, &schedule_options)?;
    let schedule_paid_hours: f64 =
        schedule.shifts.iter().map(|s| f64::from(s.paid_minutes) / 60.0).sum();
    timed(Stage::Schedule, progress, t.elapsed().as_secs_f64());
    no_shifts_error(&schedule)?;

    progress(Progress::Started(Stage::Roster));
    let t = Instant::now();
    let mut roster_options =
        crate::roster::RosterOptions { weeks: Some(options.weeks), seed, ..Default::default() };
    if let Some(limit) = options.time_limit_seconds {
        roster_options.time_limit_seconds = limit;
    }
    // One shrinkage figure for the chain: the simulation draws as absence exactly the part of
    // [staffing] shrinkage the schedule planned for beyond its breaks.
    let mut sim_options = config.simulation_options(&config.simulation)?;
    sim_options.seed = seed;
    let skills = crate::simulate::Skills::from_agents(&agents);
    let Verified { roster, simulation, repair } = roster_and_simulate(
        &Chain {
            config,
            agents: &agents,
            forecast: &forecast.rows,
            skills: &skills,
            pooled: &pooled,
            roster_options: &roster_options,
            sim_options: &sim_options,
        },
        &mut schedule,
        options.repair,
    )?;
    let verdicts = verify::verdicts(&simulation, &config.site);
    // Roster and simulation run together in the loop; their time is reported as one stage.
    timed(Stage::Roster, progress, t.elapsed().as_secs_f64());
    progress(Progress::Started(Stage::Simulate));
    timed(Stage::Simulate, progress, 0.0);

    // Scenarios are read before the sweep but after the plan, so a bad scenario file is
    // reported by name without hiding the plan's own errors.
    let whatif = match &options.scenarios {
        Some(path) => {
            progress(Progress::Started(Stage::Whatif));
            let t = Instant::now();
            let staff = RosterStaff { rows: &roster.rows, skills: &skills, agents: &agents };
            let outcomes = sweep(config, path, &forecast.rows, staff, sim_options)?;
            timed(Stage::Whatif, progress, t.elapsed().as_secs_f64());
            Some(outcomes)
        }
        None => None,
    };

    Ok(PlanRun {
        start,
        days,
        seed,
        history_path,
        history,
        events,
        agents,
        forecast,
        accuracy,
        requirements,
        schedule,
        roster,
        simulation,
        verdicts,
        repair,
        schedule_paid_hours,
        whatif,
        stage_seconds,
        published_accuracy: Vec::new(),
        pooling,
    })
}

/// The plan's inputs: `[inputs]`, or the history given (the store's) with the config's others.
fn load_inputs(config: &PlanConfig, options: &PlanOptions) -> Result<PlanInputs, Error> {
    let needs = Needs { history: true, agents: true };
    Ok(match &options.history {
        Some(given) => PlanInputs::with_history(
            config,
            Some(given.source.clone()),
            given.history.clone(),
            needs,
        )?,
        None => PlanInputs::load(config, None, needs)?,
    })
}

/// One note per missed queue-day, and one per met queue-day too close to call with the run's
/// replications (a missed one says so in its own note); first, when the final roster was
/// simulated with more than the loop's `configured` replications ([`settle_verdicts`]), why.
fn verdict_notes(
    figures: &crate::report::summary::SimulationFigures,
    configured: u32,
) -> Vec<String> {
    let replications = figures.replications.unwrap_or(1);
    let mut notes = Vec::new();
    if replications > configured {
        notes.push(format!(
            "simulation: the final roster simulated with {replications} replications: at the loop's {configured} a queue-day's verdict was too close to call"
        ));
    }
    let close_call = |day: &str, word: &str| {
        let head = format!("{day} {word}: ");
        figures.queue_days_close.iter().find_map(|c| c.strip_prefix(head.as_str())).map(|why| {
            format!(
                ", too close to call at {replications} replications (more would settle it): {why}"
            )
        })
    };
    for missed in &figures.queue_days_missed {
        let close = close_call(missed, "missed").unwrap_or_default();
        notes.push(format!("simulation: {missed} missed its target (with absence){close}"));
    }
    for c in &figures.queue_days_close {
        let Some((day, why)) = c.split_once(" met: ") else { continue };
        notes.push(format!(
            "simulation: {day} met its target (with absence), too close to call at {replications} replications (more would settle it): {why}"
        ));
    }
    notes
}

/// The simulation's help between queues of different skills ([`crate::simulate::help_summary`]),
/// as a note: a queue's simulated service level counts that help, its Erlang projection does
/// not, and seats of a queue met with room to spare may be serving another.
fn help_note(simulation: &crate::simulate::SimulationResult) -> Option<String> {
    crate::simulate::help_summary(simulation).map(|help| {
        format!(
            "simulation: {help}; the simulated service levels count this help, the Erlang projection does not"
        )
    })
}

/// The intervals of the live queues that answer under their target in the simulation
/// ([`crate::simulate::intervals_below_target`]): the plan judges each queue-day on the day's
/// figures, which average them away.
fn below_target_note(
    simulation: &crate::simulate::SimulationResult,
    site: &crate::site::Site,
) -> Option<String> {
    let queues = crate::simulate::intervals_below_target(&simulation.intervals, site);
    (!queues.is_empty()).then(|| {
        format!(
            "simulation: targets are judged per day, and a day's figures average its intervals; in the simulation (means over {} replications) {}. `[schedule] interval_service_level_floor` holds a floor in every interval",
            simulation.replications,
            queues.join("; ")
        )
    })
}

/// The loop's notes on what it could not help and on the queue-days whose seats it filled
/// first.
fn loop_notes(r: &verify::RepairReport) -> Vec<String> {
    let unhelped = r.unrepairable.iter().map(|u| format!("loop: {u}"));
    let first = r.actions.iter().filter(|a| a.shifts == 0 && a.shortened == 0);
    let mut notes: Vec<String> = unhelped
        .chain(first.map(|a| format!("loop: {} {}: {}", a.queue, a.date, a.reason)))
        .collect();
    if let Some(g) = &r.give_back {
        let put_back = match g.put_back {
            0 => String::new(),
            n => format!(
                "; {n} more step(s) were undone because their dates did not hold on other streams"
            ),
        };
        notes.push(format!(
            "give-back: {} rostered shift(s) and {} shortened, {:.1} paid hours given back in {} round(s) ({} simulations at {} replications){put_back}",
            g.shifts, g.shortened, g.paid_hours, g.rounds, g.simulations, g.replications
        ));
    }
    notes
}

/// A queue's shifts the loop and the give-back took off: whole, shortened, and their hours.
#[derive(Default)]
struct Removed {
    shifts: i64,
    shortened: u32,
    hours: f64,
}

/// For each queue the loop took shifts off: the hours, the simulated lower limits that allowed
/// it (against the met line), and the Erlang projection of the queue on its own shifts, which
/// can fall below target where agents rostered on other queues answer its contacts (the
/// projection knows nothing of them; the simulation, which routes by skills, does). For a
/// pooled host (voice with its VIP line) the projection is weighted by the host's own
/// contacts, as the plan's projected service level is.
fn given_back_notes(
    repair: &verify::RepairReport,
    site: &crate::site::Site,
    coverage: &[crate::io::coverage::CoverageRow],
    contacts: &BTreeMap<(crate::time::Stamp, String), f64>,
    days: &[crate::report::summary::SimulatedDay],
) -> Vec<String> {
    let mut removed: BTreeMap<&str, Removed> = BTreeMap::new();
    for a in repair.actions.iter().filter(|a| a.shifts < 0 || a.shortened > 0) {
        let e = removed.entry(a.queue.as_str()).or_default();
        e.shifts -= a.shifts.min(0);
        e.shortened += a.shortened;
        e.hours += a.paid_hours;
    }
    removed
        .into_iter()
        .map(|(queue, Removed { shifts, shortened, hours })| {
            let shortened = match shortened {
                0 => String::new(),
                n => format!(" and {n} shortened"),
            };
            let (mut weighted, mut weight) = (0.0, 0.0);
            for c in coverage.iter().filter(|c| c.queue == queue && c.service_level.is_finite()) {
                let n = contacts.get(&(c.interval_start, c.queue.clone())).copied().unwrap_or(0.0);
                weighted += n * c.service_level;
                weight += n;
            }
            let lows: Vec<f64> = days
                .iter()
                .filter(|d| d.queue == queue)
                .filter_map(|d| d.service_level_ci_low.or(d.service_level))
                .collect();
            let simulated = match lows.iter().copied().reduce(f64::min) {
                Some(lo) => {
                    let hi = lows.iter().copied().fold(lo, f64::max);
                    let line = site
                        .queue(queue)
                        .and_then(crate::simulate::service_level_target)
                        .map(|t| format!(" against a met line of {:.2}", t - verify::SIMULATION_TOLERANCE))
                        .unwrap_or_default();
                    format!("its days' lower limits are {lo:.3}–{hi:.3}{line}")
                }
                None => "it has no simulated day".into(),
            };
            let projection = if weight > 0.0 {
                format!("{:.1}%", 100.0 * weighted / weight)
            } else {
                "none".into()
            };
            format!(
                "loop: {queue}: {shifts} shift(s){shortened}, {hours:.1} paid hours given back; in the simulation, which routes contacts by skills across queues, {simulated}; the Erlang projection on its own shifts alone is {projection}"
            )
        })
        .collect()
}

/// What rostering and simulating a set of shifts needs.
struct Chain<'a> {
    config: &'a PlanConfig,
    agents: &'a [Agent],
    forecast: &'a [crate::io::forecast::ForecastRow],
    skills: &'a crate::simulate::Skills,
    /// The requirement rows the schedule took (pooled queues folded into their hosts).
    pooled: &'a [RequirementRow],
    roster_options: &'a crate::roster::RosterOptions,
    sim_options: &'a crate::simulate::SimulationOptions,
}

/// The roster of the final shifts, its simulation, and the loop's account.
struct Verified {
    roster: crate::roster::RosterResult,
    simulation: crate::simulate::SimulationResult,
    repair: Option<verify::RepairReport>,
}

/// Roster and simulate the schedule; with `repair`, through the simulation loop
/// ([`verify::repair`]), whose changed shifts replace the schedule's (coverage recounted).
fn roster_and_simulate(
    chain: &Chain<'_>,
    schedule: &mut crate::schedule::ScheduleResult,
    repair: Option<verify::RepairOptions>,
) -> Result<Verified, Error> {
    let Chain { config, agents, forecast, skills, pooled, roster_options, sim_options } = *chain;
    let give_back_on = repair.is_some_and(|b| b.give_back);
    // The schedule's own roster, from scratch. Every other set of shifts the loop tries is
    // rostered from it (`roster::solve_from`): a few shifts more or fewer then move a few
    // agents instead of reshuffling the whole roster, so the simulation judges the change, not
    // a new draw of who works where (on the sample week, seeds 1-10, when it landed: 341
    // queue-days met against 334, 342 against 332 by 600 independent replications, at 30
    // rostered hours fewer on average).
    let solved: &[crate::io::shifts::ShiftRow] = &schedule.shifts;
    let base = crate::roster::solve(solved, agents, &config.site, &config.roster, roster_options)?;
    // A pure function of the shifts (seeded roster search from the same base, seeded simulation
    // streams): the loop may run two at once.
    let evaluate = |shifts: &[crate::io::shifts::ShiftRow]| -> Result<_, Error> {
        let roster = if shifts == solved {
            base.clone()
        } else {
            let (site, rules) = (&config.site, &config.roster);
            crate::roster::solve_from(shifts, agents, site, rules, roster_options, &base.rows)?
        };
        let simulation =
            crate::simulate::run(&roster.rows, forecast, Some(skills), &config.site, sim_options)?;
        let mut unfilled = BTreeMap::new();
        for u in &roster.unmet {
            *unfilled.entry((u.date, u.queue.clone())).or_insert(0) += u.short;
        }
        let violations = roster.violations.len();
        Ok(verify::Evaluation { chain: roster, simulation, unfilled, violations })
    };
    let (mut roster, mut simulation, mut repair) = match repair {
        Some(bounds) => {
            let (shifts, evaluation, report) =
                verify::repair(solved.to_vec(), &config.site, bounds, &evaluate)?;
            if !report.actions.is_empty() {
                schedule.shifts = shifts;
            }
            (evaluation.chain, evaluation.simulation, Some(report))
        }
        None => {
            let evaluation = evaluate(solved)?;
            (evaluation.chain, evaluation.simulation, None)
        }
    };
    if let Some(report) = repair.as_mut().filter(|_| give_back_on) {
        let cells = simulation.intervals.len();
        (roster, simulation) = give_back(chain, schedule, roster, cells, report)?;
        report.judge_final(&verify::verdicts(&simulation, &config.site));
    }
    if let Some(settled) = settle_verdicts(chain, &roster.rows, &simulation)? {
        simulation = settled;
        if let Some(r) = repair.as_mut() {
            r.judge_final(&verify::verdicts(&simulation, &config.site));
        }
    }
    if repair.as_ref().is_some_and(|r| !r.actions.is_empty()) {
        schedule.coverage = verify::recount_coverage(
            &schedule.coverage,
            &schedule.shifts,
            pooled,
            &config.site,
            config.schedule.unplanned_shrinkage,
        );
    }
    Ok(Verified { roster, simulation, repair })
}

/// Replications of each of the give-back's simulations, as a multiple of `[simulation]
/// replications` (600 on the sample's 40, within [`crate::simulate::MAX_REPLICATIONS`]). The
/// roster it leaves is reported with its simulation on the plan's streams at this count, which
/// is the count the 600-replication judges of the notes use. At 4 times (160 on the sample) the
/// steps reach about the same hours (3,954 against 3,948) in about half the time (34 s
/// against 60 s), but the plan then reports email on Friday missed, which 600 replications on
/// other streams meet.
pub const GIVE_BACK_FACTOR: u32 = 15;

/// The give-back ([`crate::plan::give_back`]) on the loop's roster, judged at
/// [`GIVE_BACK_FACTOR`] times the plan's replications: the shifts it gives back come off the
/// schedule too (one seat of each one's shape; a shift shortened leaves a seat of its shorter
/// shape), the roster of what is left is evaluated as it stands ([`crate::roster::evaluate`]),
/// and the loop's account records them as removals. Returns that roster and its simulation.
/// `cells`: the interval-queue cells of the loop's simulation (the replications stay within
/// the simulation's memory bound, as the settling run's do).
fn give_back(
    chain: &Chain<'_>,
    schedule: &mut crate::schedule::ScheduleResult,
    roster: crate::roster::RosterResult,
    cells: usize,
    report: &mut verify::RepairReport,
) -> Result<(crate::roster::RosterResult, crate::simulate::SimulationResult), Error> {
    let Chain { config, agents, forecast, skills, roster_options, sim_options, .. } = *chain;
    let fit = crate::simulate::most_replications(cells);
    let replications = (sim_options.replications * GIVE_BACK_FACTOR)
        .min(crate::simulate::MAX_REPLICATIONS)
        .min(fit);
    let options = crate::simulate::SimulationOptions { replications, ..*sim_options };
    let simulate = |rows: &[crate::io::roster::RosterRow], streams: Streams| -> Result<_, Error> {
        let options =
            crate::simulate::SimulationOptions { seed: streams.seed(options.seed), ..options };
        Ok(crate::simulate::run(rows, forecast, Some(skills), &config.site, &options)?)
    };
    let start = simulate(&roster.rows, Streams::Plan)?;
    // Shifts of weekly tours (contracts) are not shortened: a tour's days share one length.
    let templates = match config.schedule.contracts.is_empty() {
        true => crate::schedule::templates(&config.schedule, config.site.grid.interval_minutes)?,
        false => Vec::new(),
    };
    let gb = crate::plan::give_back::GiveBack {
        site: &config.site,
        agents,
        rules: &config.roster,
        routing: sim_options.routing,
        first_date: roster.first_date,
        templates: &templates,
        breaks: &config.schedule.breaks,
    };
    let gave = gb.run(roster.rows.clone(), start, &simulate)?;
    if gave.report.given.is_empty() {
        record_given_back(report, &gave.report, replications);
        return Ok((roster, gave.simulation));
    }
    for (n, g) in gave.report.given.iter().enumerate() {
        let r = &g.row;
        let seat = schedule.shifts.iter().position(|s| {
            (s.date, &s.queue, s.shift_start, s.shift_end, s.paid_minutes, &s.breaks)
                == (r.date, &r.queue, r.shift_start, r.shift_end, r.paid_minutes, &r.breaks)
        });
        let Some(i) = seat else { continue };
        match &g.shorter {
            None => {
                schedule.shifts.remove(i);
            }
            Some(s) => {
                let seat = &mut schedule.shifts[i];
                seat.shift_id = format!("{}/{}/shortened{:04}", s.queue, s.date, n + 1);
                seat.shift_start = s.shift_start;
                seat.shift_end = s.shift_end;
                seat.paid_minutes = s.paid_minutes;
                seat.breaks = s.breaks.clone();
            }
        }
    }
    let (site, rules) = (&config.site, &config.roster);
    let kept =
        crate::roster::evaluate(&schedule.shifts, agents, site, rules, roster_options, &gave.rows)?;
    if kept.rows != gave.rows {
        let message = "the roster left by the give-back is not the one it simulated";
        return Err(crate::roster::RosterError::Invalid(message.into()).into());
    }
    record_given_back(report, &gave.report, replications);
    Ok((kept, gave.simulation))
}

/// The shifts given back as the loop's removals, one action per round, date and queue.
fn record_given_back(
    report: &mut verify::RepairReport,
    given: &crate::plan::give_back::GiveBackReport,
    replications: u32,
) {
    // One action per round, date, queue and kind (whole shifts, shortened shifts).
    let mut grouped: BTreeMap<(u32, NaiveDate, &str, bool), Vec<&GivenShift>> = BTreeMap::new();
    for g in &given.given {
        let key = (g.round, g.row.date, g.row.queue.as_str(), g.shorter.is_some());
        grouped.entry(key).or_default().push(g);
    }
    let loop_rounds = report.rounds;
    for ((round, date, queue, shortened), steps) in grouped {
        let hours = steps.iter().fold(0.0, |h, g| h + f64::from(g.paid_minutes()) / 60.0);
        let who: Vec<String> = steps
            .iter()
            .map(|g| match &g.shorter {
                None => format!("{} {}", g.row.agent_id, g.row.hours()),
                Some(s) => format!("{} {} to {}", g.row.agent_id, g.row.hours(), s.hours()),
            })
            .collect();
        let n = steps.len();
        let (shifts, what) = match shortened {
            false => (-(n as i64), "given back"),
            true => (0, "shortened"),
        };
        report.removed_paid_hours += hours;
        report.actions.push(verify::RepairAction {
            round: loop_rounds + round,
            date,
            queue: queue.to_string(),
            shifts,
            shortened: if shortened { n as u32 } else { 0 },
            paid_hours: hours,
            reason: format!(
                "{what} ({}): every queue its agents serve stays met and, where it was clear, not too close to call, at {replications} replications",
                who.join(", ")
            ),
        });
    }
    report.rounds += given.rounds;
    let shortened = given.given.iter().filter(|g| g.shorter.is_some()).count();
    report.give_back = Some(verify::GiveBackAccount {
        rounds: given.rounds,
        simulations: given.simulations,
        replications,
        shifts: given.given.len() - shortened,
        shortened,
        paid_hours: given.paid_hours(),
        put_back: given.put_back,
    });
}

/// Replications of the final roster's simulation, as a multiple of `[simulation]
/// replications`, when a queue-day's verdict is too close to call: twice as narrow an interval
/// settles most of them (on the sample's seeds 1–10 at 40 replications, the verdicts that then
/// disagreed with 600 replications were all such days).
pub const SETTLE_FACTOR: u32 = 4;

/// The final roster simulated again with [`SETTLE_FACTOR`] times the replications (the first
/// ones the same streams, so the same draws), when a queue-day's verdict is too close to call
/// at the loop's count; `None` when none is, or when no more replications fit the memory bound.
/// The loop decided on its own count; the plan reports the settled figures.
fn settle_verdicts(
    chain: &Chain<'_>,
    roster: &[crate::io::roster::RosterRow],
    simulation: &crate::simulate::SimulationResult,
) -> Result<Option<crate::simulate::SimulationResult>, Error> {
    let Chain { config, forecast, skills, sim_options, .. } = *chain;
    if !verify::verdicts(simulation, &config.site).iter().any(|v| v.too_close()) {
        return Ok(None);
    }
    // Within the simulation's memory bound for this horizon, instead of failing on it.
    let fit = crate::simulate::most_replications(simulation.intervals.len());
    let replications =
        (sim_options.replications * SETTLE_FACTOR).min(crate::simulate::MAX_REPLICATIONS).min(fit);
    if replications <= simulation.replications {
        return Ok(None);
    }
    let options = crate::simulate::SimulationOptions { replications, ..*sim_options };
    Ok(Some(crate::simulate::run(roster, forecast, Some(skills), &config.site, &options)?))
}

/// simulation.csv's sums, with the run's replications, routing and the absence it drew.
fn simulation_figures(
    run: &crate::simulate::SimulationResult,
    rows: &[crate::report::summary::SimulatedInterval],
    targeted: &[String],
) -> SimulationFigures {
    let mut figures = SimulationFigures::from_rows(rows, targeted);
    figures.replications = Some(run.replications);
    figures.routing = Some(
        match run.routing {
            crate::simulate::Routing::Skills => "skills",
            crate::simulate::Routing::RosterQueue => "roster_queue",
        }
        .to_string(),
    );
    figures.absence = Some(run.absence.unplanned_shrinkage);
    figures.absence_day_probability = Some(run.absence.day_probability);
    figures
}

/// The plan's roster and its agents, for the what-if sweep.
#[derive(Clone, Copy)]
struct RosterStaff<'a> {
    rows: &'a [crate::io::roster::RosterRow],
    skills: &'a crate::simulate::Skills,
    agents: &'a [crate::io::agents::Agent],
}

/// The what-if scenarios of `path` against the plan's forecast and roster, costed (when a
/// scenario sets no `hourly_cost`) at the roster's mean cost per paid hour.
fn sweep(
    config: &PlanConfig,
    path: &Path,
    forecast: &[crate::io::forecast::ForecastRow],
    staff: RosterStaff<'_>,
    simulation: crate::simulate::SimulationOptions,
) -> Result<Vec<crate::simulate::whatif::ScenarioOutcome>, Error> {
    let roster = crate::simulate::whatif::WhatifRoster {
        rows: staff.rows,
        skills: Some(staff.skills),
        hourly_cost: crate::simulate::whatif::roster_hourly_cost(
            staff.rows,
            staff.agents,
            config.roster.default_hourly_cost,
        ),
    };
    let scenarios = crate::simulate::whatif::read_scenarios(path, config.site.time_zone())?;
    let options = crate::simulate::whatif::WhatifOptions { simulation, ..Default::default() };
    Ok(crate::simulate::whatif::run(
        forecast,
        Some(roster),
        &config.whatif_plan(),
        &scenarios,
        &options,
    )?)
}

/// Rolling-origin backtest of the forecast's `auto` method over the last `folds` weeks of the
/// history of the plan's queues (a history holding other queues too is not judged on them):
/// WAPE per queue and pooled over queues (each queue's WAPE weighted by its actual contacts in
/// the test weeks, which is exactly Σ|error| / Σ actual over all queues).
fn backtest_accuracy(
    history: &HistoryFrame,
    events: &[Event],
    config: &PlanConfig,
    folds: u32,
) -> Result<Option<ForecastAccuracy>, Error> {
    let planned = |name: &str| config.site.queue(name).is_some();
    let own;
    let history = if history.queue_names().all(planned) {
        history
    } else {
        own = history.only(planned);
        &own
    };
    let options = crate::forecast::BacktestOptions { horizon_days: 7, folds, first_origin: None };
    let report =
        crate::forecast::backtest(history, events, &config.site, &config.forecast, &options)?;
    let first = crate::time::parse_date(&report.first_origin)
        .map_err(|m| InputError::new("backtest", m))?;
    let from = crate::time::start_of_day(first, config.site.time_zone());
    let to = crate::time::start_of_day(
        first + Duration::days(i64::from(report.folds * report.horizon_days)),
        config.site.time_zone(),
    );
    let mut queues = Vec::new();
    let (mut abs_error, mut noise, mut actual, mut covered, mut intervals) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for q in &report.queues {
        let Some(auto) = q.models.iter().find(|m| m.model == "auto") else { continue };
        let volume: f64 = history
            .queue(&q.queue)
            .map(|s| {
                let (from, to) = (from.timestamp(), to.timestamp());
                let window = s.starts.iter().zip(&s.contacts);
                window.filter(|(t, _)| (from..to).contains(*t)).map(|(_, c)| c).sum()
            })
            .unwrap_or(0.0);
        abs_error += auto.accuracy.wape * volume;
        noise += q.noise_floor_wape * volume;
        actual += volume;
        covered += auto.accuracy.coverage_p10_p90 * auto.accuracy.intervals as f64;
        intervals += auto.accuracy.intervals as f64;
        queues.push(QueueAccuracy {
            queue: q.queue.clone(),
            wape: auto.accuracy.wape,
            p10_p90_coverage: auto.accuracy.coverage_p10_p90,
            noise_floor_wape: q.noise_floor_wape,
        });
    }
    if queues.is_empty() || actual <= 0.0 {
        return Ok(None);
    }
    Ok(Some(ForecastAccuracy {
        method: "auto".into(),
        folds: report.folds,
        horizon_days: report.horizon_days,
        first_origin: report.first_origin.clone(),
        wape: abs_error / actual,
        p10_p90_coverage: (intervals > 0.0).then(|| covered / intervals),
        noise_floor_wape: Some(noise / actual),
        queues,
    }))
}

/// The files a plan writes, in `out` (plus whatif.csv when scenarios were given).
pub const FILES: [&str; 10] = [
    "forecast.csv",
    "requirements.csv",
    "shifts.csv",
    "coverage.csv",
    "roster.csv",
    "simulation.csv",
    "simulation_days.csv",
    "summary.json",
    "report.html",
    "roster.xlsx",
];

/// Write every stage's file into `out`, read them back, and write summary.json and report.html
/// computed from what was read. Returns the summary.
///
/// The folder is replaced as a whole ([`crate::io::folder::OutputFolder`]): the files go into a
/// sibling staging folder that is swapped for `out` only when all are written, so a run killed
/// or out of disk leaves the old folder as it was.
pub fn write_outputs(
    plan: &PlanRun,
    config: &PlanConfig,
    out: &Path,
) -> Result<PlanSummary, Error> {
    let staged = OutputFolder::begin(out)?;
    let summary = write_outputs_into(plan, config, staged.dir())?;
    staged.commit()?;
    Ok(summary)
}

/// Per pooled queue (a VIP line answered by the voice agents, first), what its service costs
/// on the Erlang requirement (`agents_gross` hours over the horizon, after shrinkage): the pool
/// less its host alone, against agents of its own at its own targets; priced at the mean
/// hourly cost of the agents with the host's skill.
fn pooling_notes(
    config: &PlanConfig,
    agents: &[crate::io::agents::Agent],
    requirements: &[RequirementRow],
    pooled: &[RequirementRow],
) -> Vec<String> {
    let costs = crate::staffing::pooling_costs(requirements, pooled, &config.site);
    costs
        .iter()
        .map(|c| {
            let skill = config.site.queue(&c.host).map_or(c.host.as_str(), |q| q.skill());
            let rates: Vec<f64> = agents
                .iter()
                .filter(|a| a.skills.iter().any(|s| s == skill))
                .map(|a| a.hourly_cost.unwrap_or(config.roster.default_hourly_cost))
                .collect();
            let rate = if rates.is_empty() {
                config.roster.default_hourly_cost
            } else {
                rates.iter().sum::<f64>() / rates.len() as f64
            };
            format!(
                "staffing: {member} answered by the {host} agents (first) needs {pooled:.1} \
                 agent-hours more than {host} alone ({pool:.1} against {alone:.1}), cost \
                 {pooled_cost:.0}; agents of its own would need {own:.1} h, cost {own_cost:.0}: \
                 pooling saves {saved:.1} h, cost {saved_cost:.0} (Erlang requirement after \
                 shrinkage; {host} agents' mean hourly cost {rate:.2})",
                member = c.member,
                host = c.host,
                pooled = c.pooled_hours(),
                pool = c.pool_hours,
                alone = c.host_alone_hours,
                pooled_cost = c.pooled_hours() * rate,
                own = c.member_alone_hours,
                own_cost = c.member_alone_hours * rate,
                saved = c.saved_hours(),
                saved_cost = c.saved_hours() * rate,
            )
        })
        .collect()
}

/// The largest "agents to add" over the roster's skill shortages (every week and set of
/// queues); among equal figures, the set with more queues, then the later.
fn agents_short(shortages: &[crate::roster::SkillShortage]) -> Option<AgentsShort> {
    shortages.iter().max_by_key(|s| (s.agents_to_add, s.queues.len())).map(|s| AgentsShort {
        at_least: s.agents_to_add as u64,
        queues: s.queues.clone(),
        week_start: s.week_start.format("%Y-%m-%d").to_string(),
        days_per_agent: s.days_per_agent,
    })
}

/// The forecast's warnings, an infeasible schedule's status, the roster's shortages, the
/// weekly minimums out of reach and the empty seats, as the summary's notes begin.
fn stage_notes(plan: &PlanRun, status: &crate::schedule::Status) -> Vec<String> {
    let mut notes: Vec<String> =
        plan.forecast.warnings.iter().map(|w| format!("forecast: {w}")).collect();
    notes.extend(plan.pooling.iter().cloned());
    if status.is_infeasible() {
        notes.push(format!("schedule: {}", status_name(status)));
    }
    notes.extend(plan.roster.skill_shortages.iter().map(|s| format!("roster: {}", s.describe())));
    notes.extend(
        plan.roster.minimums_out_of_reach.iter().map(|m| format!("roster: {}", m.describe())),
    );
    notes.extend(plan.roster.unmet.iter().map(|u| format!("roster: {}", u.reason)));
    notes
}

fn write_outputs_into(
    plan: &PlanRun,
    config: &PlanConfig,
    out: &Path,
) -> Result<PlanSummary, Error> {
    let tz = config.site.time_zone();
    let path = |name: &str| out.join(name);
    crate::io::forecast::write_forecast(&path("forecast.csv"), &plan.forecast.rows)?;
    crate::io::requirements::write_requirements(&path("requirements.csv"), &plan.requirements)?;
    crate::io::shifts::write_shifts(&path("shifts.csv"), &plan.schedule.shifts)?;
    crate::io::coverage::write_coverage(&path("coverage.csv"), &plan.schedule.coverage)?;
    crate::io::roster::write_roster(&path("roster.csv"), &plan.roster.rows)?;
    crate::io::xlsx::write_roster_xlsx(&path("roster.xlsx"), &plan.roster.rows)?;
    crate::simulate::output::write_simulation(&path("simulation.csv"), &plan.simulation)?;
    crate::simulate::output::write_simulation_days(&path("simulation_days.csv"), &plan.simulation)?;
    if let Some(outcomes) = &plan.whatif {
        crate::simulate::output::write_whatif(
            &path("whatif.csv"),
            outcomes,
            plan.simulation.replications,
        )?;
    }

    // The figures and the report come from the files as written.
    let forecast = crate::io::forecast::read_forecast(&path("forecast.csv"), tz)?;
    let requirements = crate::io::requirements::read_requirements(&path("requirements.csv"), tz)?;
    let shifts = crate::io::shifts::read_shifts(&path("shifts.csv"), tz)?;
    let coverage = crate::io::coverage::read_coverage(&path("coverage.csv"), tz)?;
    let roster = crate::io::roster::read_roster(&path("roster.csv"), tz)?;
    let simulation = read_simulation(&path("simulation.csv"), tz)?;
    let simulation_days = read_simulation_days(&path("simulation_days.csv"))?;
    let whatif = match &plan.whatif {
        Some(_) => read_whatif(&path("whatif.csv"))?,
        None => Vec::new(),
    };

    let interval_minutes = config.site.grid.interval_minutes;
    let targets: Vec<QueueTarget> = config.site.queues.iter().map(QueueTarget::of).collect();
    let targeted: Vec<String> = targets
        .iter()
        .filter(|q| q.service_level_target.is_some())
        .map(|q| q.name.clone())
        .collect();
    let contacts: BTreeMap<_, f64> =
        forecast.iter().map(|r| ((r.interval_start, r.queue.clone()), r.contacts)).collect();
    let hourly_cost: BTreeMap<String, f64> = plan
        .agents
        .iter()
        .map(|a| (a.agent_id.clone(), a.hourly_cost.unwrap_or(config.roster.default_hourly_cost)))
        .collect();

    let mut forecast_figures = ForecastFigures::from_rows(&forecast);
    forecast_figures.accuracy = plan.accuracy.clone();
    let mut schedule_figures = ScheduleFigures::from_rows(
        &shifts,
        &coverage,
        &contacts,
        &targeted,
        interval_minutes,
        plan.days,
    );
    let status = &plan.schedule.summary.status;
    schedule_figures.status = Some(status_name(status));
    schedule_figures.gap = plan.schedule.summary.gap;
    let mut roster_figures = RosterFigures::from_rows(
        &roster,
        &shifts,
        &coverage,
        &hourly_cost,
        interval_minutes,
        plan.days,
    );
    roster_figures.currency = config.site.currency.clone();
    roster_figures.hard_rule_violations = Some(plan.roster.violations.len() as u64);
    roster_figures.violations_by_rule = crate::roster::violations_by_rule(&plan.roster.violations)
        .into_iter()
        .map(|(rule, n)| (rule, n as u64))
        .collect();
    roster_figures.agents_short = agents_short(&plan.roster.skill_shortages);
    roster_figures.unmet = plan
        .roster
        .unmet
        .iter()
        .map(|u| UnmetSeats {
            queue: u.queue.clone(),
            date: u.date.format("%Y-%m-%d").to_string(),
            start: u.start.clone(),
            end: u.end.clone(),
            short: u.short as u64,
            reason: u.reason.clone(),
        })
        .collect();
    let mut notes = stage_notes(plan, status);
    let mut simulation_figures = simulation_figures(&plan.simulation, &simulation, &targeted);
    simulation_figures.judge_days(&simulation_days, &targets);
    notes.extend(verdict_notes(&simulation_figures, config.simulation.replications));
    notes.extend(help_note(&plan.simulation));
    notes.extend(below_target_note(&plan.simulation, &config.site));
    if let Some(r) = &plan.repair {
        notes.extend(loop_notes(r));
        notes.extend(given_back_notes(r, &config.site, &coverage, &contacts, &simulation_days));
    }

    let summary = PlanSummary {
        site: config.site.name.clone(),
        time_zone: config.site.time_zone().name().to_string(),
        interval_minutes,
        start: plan.start.format("%Y-%m-%d").to_string(),
        days: plan.days,
        seed: plan.seed,
        fte_hours_week: FTE_HOURS_WEEK,
        inputs: SummaryInputs {
            config: Some(display_path(&config.path)),
            history: Some(display_path(&plan.history_path)),
            events: config.inputs.events.as_deref().map(display_path),
            agents: config.inputs.agents.as_deref().map(display_path),
        },
        queues: targets,
        forecast: forecast_figures,
        staffing: StaffingFigures::from_rows(&requirements, interval_minutes, plan.days),
        schedule: Some(schedule_figures),
        roster: Some(roster_figures),
        simulation: Some(simulation_figures),
        repair: plan.repair.as_ref().map(|r| loop_figures(r, plan.schedule_paid_hours)),
        notes,
    };
    write_summary(&path("summary.json"), &summary)?;

    let data = ReportData {
        summary: summary.clone(),
        tz,
        history: history_shown(plan, config),
        forecast,
        requirements,
        shifts,
        coverage,
        roster,
        simulation,
        simulation_days,
        whatif,
        notes: Vec::new(),
    };
    let html = crate::report::render_with_accuracy(&data, &plan.published_accuracy);
    let report = path("report.html");
    write_atomic(&report, |w| w.write_all(html.as_bytes()).map_err(|e| FileError::io(&report, e)))?;
    Ok(summary)
}

/// The history the report draws: the plan's queues over the days before the plan it shows and
/// the planned days, as rows (not the whole history again).
fn history_shown(plan: &PlanRun, config: &PlanConfig) -> Vec<crate::io::history::HistoryRecord> {
    let tz = config.site.time_zone();
    let from = plan.start - Duration::days(crate::report::page::HISTORY_DAYS_SHOWN);
    let to = plan.start + Duration::days(i64::from(plan.days));
    let names = config.site.queue_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (from, to) = (crate::time::start_of_day(from, tz), crate::time::start_of_day(to, tz));
    plan.history.records_between(Some(&names), from.timestamp(), to.timestamp())
}

/// The loop's account for summary.json.
fn loop_figures(r: &verify::RepairReport, schedule_paid_hours: f64) -> LoopFigures {
    let count = |sign: i64| -> u64 {
        r.actions
            .iter()
            .filter(|a| a.shifts.signum() == sign)
            .map(|a| a.shifts.unsigned_abs())
            .sum()
    };
    LoopFigures {
        rounds: r.rounds,
        schedule_paid_hours,
        added_shifts: count(1),
        added_paid_hours: r.added_paid_hours,
        removed_shifts: count(-1),
        removed_paid_hours: r.removed_paid_hours,
        missed_before: r.missed_before as u64,
        missed_after: r.missed_after as u64,
        actions: r
            .actions
            .iter()
            .map(|a| LoopAction {
                round: a.round,
                date: a.date.format("%Y-%m-%d").to_string(),
                queue: a.queue.clone(),
                shifts: a.shifts,
                shortened: a.shortened,
                paid_hours: a.paid_hours,
                reason: a.reason.clone(),
            })
            .collect(),
        unrepairable: r.unrepairable.clone(),
    }
}

/// A schedule without a single shift has nothing to roster: say which queue's rule left it
/// empty (rather than the roster's "no shifts to roster").
fn no_shifts_error(schedule: &crate::schedule::ScheduleResult) -> Result<(), Error> {
    use crate::schedule::Status;
    if !schedule.shifts.is_empty() {
        return Ok(());
    }
    let why: Vec<String> = schedule
        .summary
        .queues
        .iter()
        .filter_map(|q| match &q.status {
            Status::Infeasible { rule, reason, intervals } => Some(format!(
                "queue {:?}: rule {rule}: {reason} at {}",
                q.queue,
                intervals.join(", ")
            )),
            _ => None,
        })
        .collect();
    if why.is_empty() {
        return Ok(());
    }
    Err(crate::schedule::ScheduleError::Invalid(format!(
        "the schedule has no shifts: {}",
        why.join("; ")
    ))
    .into())
}

fn status_name(status: &crate::schedule::Status) -> String {
    use crate::schedule::Status;
    match status {
        Status::Optimal => "optimal".into(),
        Status::GapLimit { .. } => "gap_limit".into(),
        Status::TimeLimit { .. } => "time_limit".into(),
        Status::NodeLimit { .. } => "node_limit".into(),
        Status::Feasible { .. } => "feasible".into(),
        Status::Infeasible { rule, reason, .. } => format!("infeasible ({rule}: {reason})"),
    }
}

/// A path for summary.json: absolute when it exists, so `report --from` finds the history
/// from any working folder.
fn display_path(p: &Path) -> String {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string()
}

/// `report --from`: the key figures recomputed from the folder's files, so a hand-edited
/// roster.csv (an agent's shifts deleted, an unknown agent added) changes the roster's figures,
/// its hard-rule violations and the verdicts. The plan.toml and agents.csv summary.json names
/// give the rules and hourly costs (when they are gone, a note says which figures could not be
/// recomputed); what no file holds — the backtest accuracy, the solver's status and gap, the
/// simulation's settings, the loop's account, the agents short of filling every seat (of the
/// schedule, not of the edited roster) — is kept from summary.json.
pub fn refresh_figures(data: &mut ReportData) -> Result<(), Error> {
    let s = &data.summary;
    let (interval_minutes, days) = (s.interval_minutes, s.days);
    let config = match s.inputs.config.as_deref().map(Path::new) {
        Some(p) if p.exists() => Some(PlanConfig::read(p)?),
        Some(p) => {
            data.notes.push(format!(
                "{} (named in summary.json) was not found: hard-rule violations are summary.json's",
                p.display()
            ));
            None
        }
        None => None,
    };
    let agents = match s.inputs.agents.as_deref().map(Path::new) {
        Some(p) if p.exists() => Some(crate::io::agents::read_agents(p)?),
        _ => None,
    };
    let targeted: Vec<String> = s
        .queues
        .iter()
        .filter(|q| q.service_level_target.is_some())
        .map(|q| q.name.clone())
        .collect();
    let contacts: BTreeMap<_, f64> =
        data.forecast.iter().map(|r| ((r.interval_start, r.queue.clone()), r.contacts)).collect();
    let mut summary = data.summary.clone();
    let accuracy = summary.forecast.accuracy.take();
    summary.forecast = ForecastFigures::from_rows(&data.forecast);
    summary.forecast.accuracy = accuracy;
    summary.staffing = StaffingFigures::from_rows(&data.requirements, interval_minutes, days);
    let mut schedule = ScheduleFigures::from_rows(
        &data.shifts,
        &data.coverage,
        &contacts,
        &targeted,
        interval_minutes,
        days,
    );
    if let Some(old) = &summary.schedule {
        (schedule.status, schedule.gap) = (old.status.clone(), old.gap);
    }
    summary.schedule = Some(schedule);
    let default_cost = config.as_ref().map_or(1.0, |c| c.roster.default_hourly_cost);
    let hourly_cost: BTreeMap<String, f64> = agents
        .iter()
        .flatten()
        .map(|a| (a.agent_id.clone(), a.hourly_cost.unwrap_or(default_cost)))
        .collect();
    let mut roster = RosterFigures::from_rows(
        &data.roster,
        &data.shifts,
        &data.coverage,
        &hourly_cost,
        interval_minutes,
        days,
    );
    let old = summary.roster.take().unwrap_or_default();
    roster.currency = old.currency.clone();
    (roster.hard_rule_violations, roster.violations_by_rule) =
        (old.hard_rule_violations, old.violations_by_rule.clone());
    roster.agents_short = old.agents_short.clone();
    if let (Some(config), Some(agents), Ok(first)) =
        (&config, &agents, crate::time::parse_date(&summary.start))
    {
        let last = first + Duration::days(i64::from(days) - 1);
        let violations = crate::roster::check_with_horizon(
            &data.roster,
            agents,
            &config.site,
            &config.roster,
            Some((first, last)),
        );
        roster.hard_rule_violations = Some(violations.len() as u64);
        roster.violations_by_rule = crate::roster::violations_by_rule(&violations)
            .into_iter()
            .map(|(rule, n)| (rule, n as u64))
            .collect();
    }
    summary.roster = Some(roster);
    if let Some(old) = summary.simulation.take() {
        let mut sim = SimulationFigures::from_rows(&data.simulation, &targeted);
        (sim.replications, sim.routing, sim.absence, sim.absence_day_probability) =
            (old.replications, old.routing, old.absence, old.absence_day_probability);
        sim.judge_days(&data.simulation_days, &summary.queues);
        summary.simulation = Some(sim);
    }
    data.summary = summary;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headline is the largest figure over weeks and sets (any added agents must satisfy
    /// each set's), the larger set on a tie; no shortage, no figure.
    #[test]
    fn agents_short_is_the_largest_shortage_figure() {
        let shortage = |week: &str, queues: &[&str], to_add: usize| crate::roster::SkillShortage {
            week_start: crate::time::parse_date(week).unwrap(),
            queues: queues.iter().map(|q| q.to_string()).collect(),
            seats: 10,
            agents: 2,
            most_filled: 8,
            agents_to_add: to_add,
            days_per_agent: 5,
        };
        let found = agents_short(&[
            shortage("2026-11-23", &["social"], 4),
            shortage("2026-11-23", &["email", "social"], 13),
            shortage("2026-11-30", &["email"], 13),
            shortage("2026-11-30", &["social"], 2),
        ])
        .expect("a figure");
        assert_eq!(
            (found.at_least, found.queues, found.week_start.as_str()),
            (13, vec!["email".to_string(), "social".to_string()], "2026-11-23")
        );
        assert!(agents_short(&[]).is_none());
    }

    /// The plan's accuracy is of the plan's queues: a history that also holds a queue the plan
    /// does not staff (here voice's series made erratic, every other interval ×5) gives the
    /// same figures, and lists only the plan's queues.
    #[test]
    fn accuracy_is_judged_on_the_plan_queues_only() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let config = PlanConfig::read(&dir.join("plan.toml")).expect("sample plan.toml");
        let history =
            super::super::inputs::read_site_history(&dir.join("history.csv"), &config.site)
                .expect("sample history");
        let mut extra = history.queue("voice").expect("voice").clone();
        extra.queue = "zz_other".into();
        for (i, c) in extra.contacts.iter_mut().enumerate() {
            *c *= if i % 2 == 0 { 5.0 } else { 0.2 };
        }
        let mut wider = history.clone();
        wider.queues.push(extra);
        let plain = backtest_accuracy(&history, &[], &config, 2).unwrap().expect("accuracy");
        let mixed = backtest_accuracy(&wider, &[], &config, 2).unwrap().expect("accuracy");
        assert_eq!(plain.wape, mixed.wape);
        let names: Vec<&str> = mixed.queues.iter().map(|q| q.queue.as_str()).collect();
        assert_eq!(names, ["chat", "email", "social", "voice"]);
    }
}
