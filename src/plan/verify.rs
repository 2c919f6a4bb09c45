//! Simulation in the loop: the roster checked against each queue's targets per day, as the
//! centre runs it (absence, multi-skilled agents, priorities), and the shifts repaired where it
//! falls short.
//!
//! The schedule meets its targets on the Erlang projection of each queue alone; the simulation
//! is the truth about the roster. A queue-day **meets** its target when the lower 95% limit of
//! its simulated service level is at least `target - SIMULATION_TOLERANCE` and (with a
//! `max_abandon_rate`) its simulated abandonment is at most the cap. Deferred queues
//! (email/social) count a contact as served in time when it is answered within its
//! `deadline_minutes`, and target every contact (1.0) unless `service_level` says otherwise.
//!
//! [`repair`] runs bounded rounds of roster → simulate → verdicts:
//! - **add**: for each missed queue-day, copies of that queue-day's shifts whose on-phone time
//!   covers the most simulated shortfall (contacts × (target − service level) per interval, plus
//!   abandoned contacts when the cap is missed), more copies the further the day falls short;
//! - **remove**: shifts of queue-days met with a clear margin (pooling of multi-skilled agents
//!   and priority routing often serve a queue with fewer hours than its own Erlang figure),
//!   those over the intervals with the highest simulated service level, one queue a round (the
//!   one met with the most margin in total: seats taken off several queues at once move the
//!   roster's multi-skilled agents in ways no queue's margin foresees). A round is kept when
//!   the roster breaks no more hard rules, the queue-days missed before fall no further short,
//!   and the horizon as a whole misses fewer queue-days (or as many, no further short).
//!   Otherwise, where queue-days newly miss on fewer than half
//!   the round's dates, the removals of those dates are put back and not tried again; where
//!   they miss on half its dates or more, or the queue-days still missed fall further short,
//!   the round is undone and its queue not tried again;
//! - **fill first** ([`fill_first_rounds`]), before the removals and again after kept ones: where a
//!   queue-day misses with seats the roster left empty (more shifts would add no one), its
//!   shifts' fill priority is raised, so the roster fills those seats first with multi-skilled
//!   agents from queue-days that can spare them.
//!
//! Every step is deterministic (fixed seed, ordered by date and queue), so the plan stays
//! byte-identical run to run. While one trial is evaluated, the set the loop may need next runs
//! beside it on the other core (`Evaluations`); the loop's decisions are those of evaluating
//! one set at a time, only sooner.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::io::shifts::{ShiftRow, MAX_FILL_PRIORITY};
use crate::simulate::{Estimate, SimulationResult};
use crate::site::Site;
use crate::time::Stamp;

pub use crate::simulate::TARGET_TOLERANCE as SIMULATION_TOLERANCE;
/// Shortfall (in service-level points) answered by one more shift copy in a round.
const ADD_STEP: f64 = 0.02;
/// Abandonment (fraction of contacts) above the cap answered by one more shift copy.
const ADD_STEP_ABANDON: f64 = 0.008;
/// Most copies added to one queue-day in one round: small steps, since every seat added can
/// draw a multi-skilled agent away from another queue.
const ADD_MAX: usize = 3;
/// Margin above the met line (service-level points) a queue-day needs before a removal.
const REMOVE_MARGIN: f64 = 0.02;
/// Most shifts removed from one queue-day in one round.
const REMOVE_MAX: usize = 4;
/// Queues whose removal round may be undone before the removals stop: each undone round is a
/// roster and simulation of the whole horizon, and a third queue has not held on the sample.
const REMOVE_QUEUES_UNDONE_MAX: usize = 2;
/// Most fill-first rounds in a pass ([`fill_first_rounds`]): on the sample, a second step of
/// priority on the same queue-days met no more (seeds 1–10, four weeks) and cost a roster.
const FILL_FIRST_ROUNDS: u32 = 1;

/// One queue on one day, against its targets in the simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub date: NaiveDate,
    pub queue: String,
    /// The service-level target (fraction within `target_seconds`); `None` when the queue has
    /// none (only its abandonment cap counts).
    pub target: Option<f64>,
    pub target_seconds: f64,
    /// Contacts offered (mean over replications).
    pub offered: f64,
    pub service_level: Option<Estimate>,
    pub abandon_rate: Option<Estimate>,
    pub max_abandon_rate: Option<f64>,
    pub met: bool,
}

impl Verdict {
    /// How far the lower limit is above the met line (negative: short), in service-level
    /// points; `None` without contacts.
    pub(crate) fn margin(&self) -> Option<f64> {
        let sl = self.service_level.as_ref()?;
        Some(sl.ci_low.unwrap_or(sl.mean) - (self.target? - SIMULATION_TOLERANCE))
    }

    /// Whether more replications could turn this verdict
    /// ([`crate::simulate::too_close_to_call`]).
    pub fn too_close(&self) -> bool {
        let interval = |e: &Option<Estimate>| e.as_ref().and_then(|e| e.ci_low.zip(e.ci_high));
        crate::simulate::too_close_to_call(
            self.target,
            interval(&self.service_level),
            self.max_abandon_rate,
            interval(&self.abandon_rate),
        )
    }

    /// Simulated abandonment above the cap (0 when under it or uncapped).
    fn abandon_excess(&self) -> f64 {
        match (&self.abandon_rate, self.max_abandon_rate) {
            (Some(a), Some(cap)) => (a.mean - cap).max(0.0),
            _ => 0.0,
        }
    }
}

pub use crate::simulate::service_level_target;

/// Every queue-day of the simulation against its targets (plan.toml queue order, then date).
pub fn verdicts(simulation: &SimulationResult, site: &Site) -> Vec<Verdict> {
    let mut out = Vec::with_capacity(simulation.days.len());
    for day in &simulation.days {
        let Some(queue) = site.queue(&day.queue) else { continue };
        let Ok(date) = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d") else { continue };
        let target = service_level_target(queue);
        let m = &day.metrics;
        let mut verdict = Verdict {
            date,
            queue: day.queue.clone(),
            target,
            target_seconds: crate::simulate::target_seconds(queue),
            offered: m.offered.mean,
            service_level: m.service_level,
            abandon_rate: m.abandon_rate,
            max_abandon_rate: queue.max_abandon_rate,
            met: true,
        };
        verdict.met = crate::simulate::meets_target(
            verdict.target,
            verdict.service_level.as_ref().map(|s| s.ci_low.unwrap_or(s.mean)),
            verdict.max_abandon_rate,
            verdict.abandon_rate.as_ref().map(|a| a.mean),
        )
        .unwrap_or(true);
        out.push(verdict);
    }
    out
}

/// What the loop did to one queue-day in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairAction {
    pub round: u32,
    pub date: NaiveDate,
    pub queue: String,
    /// Shifts added (> 0) or removed (< 0); 0 with none shortened: the queue-day's shifts'
    /// fill priority raised (its empty seats put first for the roster).
    pub shifts: i64,
    /// Rostered shifts shortened (the give-back), their agents still working them.
    pub shortened: u32,
    pub paid_hours: f64,
    pub reason: String,
}

/// The loop's account: rounds run, what changed, and the verdicts before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairReport {
    pub rounds: u32,
    pub actions: Vec<RepairAction>,
    pub added_paid_hours: f64,
    pub removed_paid_hours: f64,
    pub missed_before: usize,
    pub missed_after: usize,
    pub queue_days: usize,
    /// Queue-days still missed that adding shifts could not help (no shift of theirs to copy).
    pub unrepairable: Vec<String>,
    /// What the give-back did, when it ran (`RepairOptions::give_back`).
    pub give_back: Option<GiveBackAccount>,
}

/// The give-back's account ([`super::give_back`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GiveBackAccount {
    pub rounds: u32,
    pub simulations: u32,
    /// Replications of each simulation.
    pub replications: u32,
    /// Rostered shifts given back whole, shifts shortened, and the paid hours of both.
    pub shifts: usize,
    pub shortened: usize,
    pub paid_hours: f64,
    /// Steps the rounds took that were undone, by a later round's streams or the check.
    pub put_back: usize,
}

/// Bounds of the loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepairOptions {
    pub add_rounds: u32,
    pub remove_rounds: u32,
    /// After the rounds, give back rostered shifts the simulation shows are not needed
    /// ([`super::give_back`]).
    pub give_back: bool,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions { add_rounds: 6, remove_rounds: 4, give_back: false }
    }
}

/// The simulation of one set of shifts, as the loop needs it.
pub struct Evaluation<R> {
    pub chain: R,
    pub simulation: SimulationResult,
    /// Seats the roster left empty, per date and queue: more shifts there add no agents.
    pub unfilled: BTreeMap<(NaiveDate, String), usize>,
    /// The roster's hard-rule violations. Removals that add one save nothing: an agent whose
    /// contract minimum the remaining seats cannot reach is paid it all the same.
    pub violations: usize,
}

/// Rosters and simulates a set of shifts. It must be a pure function of the shifts (the same
/// shifts give the same evaluation, as the roster's seed and the simulation's streams make
/// them so): the loop evaluates some sets ahead of need, beside the one it waits for
/// (`Evaluations`).
pub type Evaluator<'a, R, E> = dyn Fn(&[ShiftRow]) -> Result<Evaluation<R>, E> + Sync + 'a;

/// Evaluations run ahead of the loop's need. The loop decides exactly as if it evaluated each
/// set of shifts when it asks for it, but while it waits for one trial, a set it may ask for
/// later runs beside it on the other core (a roster's repair is one thread, so one evaluation
/// leaves a core idle most of its time), and the evaluation of the schedule as solved is kept
/// for when added shifts are given back. A set evaluated ahead and never asked for is work
/// thrown away, never a different result; an error in it surfaces only if the loop asks for it.
struct Evaluations<'a, 'e, R, E> {
    evaluate: &'a Evaluator<'e, R, E>,
    ready: Vec<Ready<R, E>>,
}

/// A set of shifts evaluated before the loop asked for it.
struct Ready<R, E> {
    shifts: Vec<ShiftRow>,
    evaluation: Result<Evaluation<R>, E>,
}

impl<'a, 'e, R: Send, E: Send> Evaluations<'a, 'e, R, E> {
    fn new(evaluate: &'a Evaluator<'e, R, E>) -> Self {
        Evaluations { evaluate, ready: Vec::new() }
    }

    /// The evaluation of `shifts`. Unless it is ready, `beside` (a set the loop may ask for
    /// later) is evaluated at the same time, if it is not ready either.
    fn get(
        &mut self,
        shifts: &[ShiftRow],
        beside: Option<Vec<ShiftRow>>,
    ) -> Result<Evaluation<R>, E> {
        if let Some(i) = self.ready.iter().position(|r| r.shifts == shifts) {
            return self.ready.swap_remove(i).evaluation;
        }
        let beside =
            beside.filter(|b| b.as_slice() != shifts && !self.ready.iter().any(|r| r.shifts == *b));
        let Some(beside) = beside else { return (self.evaluate)(shifts) };
        let evaluate = self.evaluate;
        let (now, later) = rayon::join(|| evaluate(shifts), || evaluate(&beside));
        self.ready.push(Ready { shifts: beside, evaluation: later });
        now
    }

    /// Keep an evaluation the loop may ask for again.
    fn keep(&mut self, shifts: Vec<ShiftRow>, evaluation: Evaluation<R>) {
        self.ready.push(Ready { shifts, evaluation: Ok(evaluation) });
    }
}

/// Run the loop from `shifts`: `evaluate` rosters and simulates a set of shifts. Returns the
/// final shifts, their evaluation and the account.
pub fn repair<R: Send, E: Send>(
    mut shifts: Vec<ShiftRow>,
    site: &Site,
    options: RepairOptions,
    evaluate: &Evaluator<'_, R, E>,
) -> Result<(Vec<ShiftRow>, Evaluation<R>, RepairReport), E> {
    let original = shifts.clone();
    let mut evaluations = Evaluations::new(evaluate);
    let mut current = evaluations.get(&shifts, None)?;
    let first = verdicts(&current.simulation, site);
    let mut report = RepairReport {
        rounds: 0,
        actions: Vec::new(),
        added_paid_hours: 0.0,
        removed_paid_hours: 0.0,
        missed_before: first.iter().filter(|v| !v.met).count(),
        missed_after: 0,
        queue_days: first.len(),
        unrepairable: Vec::new(),
        give_back: None,
    };
    // The first removal round from the schedule as solved, evaluated beside the first trial:
    // the removals start there whenever no added shift is kept (on the sample's four and six
    // weeks, every time).
    let mut first_removal = (options.remove_rounds > 0)
        .then(|| {
            let (frozen, tried) = (BTreeSet::new(), BTreeSet::new());
            let shortfall = Shortfall::of(&current.simulation, site);
            plan_removal(&shifts, &first, &shortfall, &frozen, &tried)
        })
        .flatten()
        .map(|(_, r)| r.keep);
    let mut serial = 0usize;
    let mut tried: BTreeSet<String> = BTreeSet::new();
    for index in 0..options.add_rounds {
        let v = verdicts(&current.simulation, site);
        if v.iter().all(|x| x.met) {
            break;
        }
        report.rounds += 1;
        let round = plan_add_round(&shifts, &current, &v, site, &tried, serial, report.rounds);
        report.unrepairable.extend(round.notes);
        serial = round.serial;
        // One queue per round (the one furthest short, skipping those tried in vain): seats
        // added on several queues at once compete for the same multi-skilled agents.
        let Some(focus) = round.focus else { break };
        tried.insert(focus.clone());
        let added: usize = round.actions.iter().map(|a| a.shifts.unsigned_abs() as usize).sum();
        for a in &round.actions {
            report.added_paid_hours += a.paid_hours;
        }
        report.actions.extend(round.actions);
        let Some(trial_shifts) = round.trial else { break };
        // Beside this trial: the next round's, as it would be if this one is undone.
        let beside = first_removal.take().or_else(|| {
            let more = index + 1 < options.add_rounds;
            more.then(|| {
                plan_add_round(&shifts, &current, &v, site, &tried, serial, report.rounds + 1).trial
            })
            .flatten()
        });
        let trial = evaluations.get(&trial_shifts, beside)?;
        // More seats can pull multi-skilled agents away from a thin queue (the roster fills
        // seats, not targets): a round that does not lower the total shortfall is undone.
        if total_shortfall(&verdicts(&trial.simulation, site)) >= total_shortfall(&v) - 1e-9 {
            report.added_paid_hours -= report
                .actions
                .iter()
                .filter(|a| a.round == report.rounds)
                .map(|a| a.paid_hours)
                .sum::<f64>();
            report.actions.retain(|a| a.round != report.rounds);
            report.unrepairable.push(format!(
                "{focus}: adding {added} shift(s) did not lower the shortfall in the simulation (undone)"
            ));
            continue;
        }
        // Progress on this queue: it may take another round.
        tried.remove(&focus);
        let replaced = std::mem::replace(&mut current, trial);
        let previous = std::mem::replace(&mut shifts, trial_shifts);
        if previous == original {
            evaluations.keep(previous, replaced);
        }
    }
    let missed_now = verdicts(&current.simulation, site).iter().filter(|v| !v.met).count();
    if report.added_paid_hours > 0.0 && missed_now >= report.missed_before {
        // Hours that bought no queue-day: give them back and say so.
        report.unrepairable.push(format!(
            "adding {:.1} paid hours in {} round(s) met no more queue-days ({} missed before, {missed_now} after): undone",
            report.added_paid_hours, report.rounds, report.missed_before
        ));
        report.actions.clear();
        report.added_paid_hours = 0.0;
        shifts = original;
        current = evaluations.get(&shifts, None)?;
    }
    // Seats left empty on missed queue-days filled first, before the removals (which then
    // start from a roster that serves more days), and again after removals that were kept
    // (a second step of priority on an unchanged schedule met nothing more on the sample).
    fill_first_rounds(&mut shifts, &mut current, site, &mut report, &mut evaluations)?;
    let removed =
        remove_rounds(&mut shifts, &mut current, site, options, &mut report, &mut evaluations)?;
    if removed {
        fill_first_rounds(&mut shifts, &mut current, site, &mut report, &mut evaluations)?;
    }
    report.judge_final(&verdicts(&current.simulation, site));
    Ok((shifts, current, report))
}

impl RepairReport {
    /// The account against the final verdicts `now`: the queue-days missed after the loop, and
    /// what could not be helped only of those still missed (the plan calls it again when it
    /// settles close calls with more replications).
    pub fn judge_final(&mut self, now: &[Verdict]) {
        self.missed_after = now.iter().filter(|v| !v.met).count();
        let met_now: Vec<String> =
            now.iter().filter(|x| x.met).map(|x| format!("{} {}: ", x.queue, x.date)).collect();
        self.unrepairable.retain(|u| !met_now.iter().any(|m| u.starts_with(m.as_str())));
        let mut seen = BTreeSet::new();
        self.unrepairable.retain(|u| seen.insert(u.clone()));
    }
}

/// One add round, planned from the current evaluation.
struct AddRound {
    /// Notes for [`RepairReport::unrepairable`], in the order the round finds them.
    notes: Vec<String>,
    /// The queue the round works on; `None` when no queue is left that more shifts could help.
    focus: Option<String>,
    /// The copies added, per missed queue-day of the focus queue.
    actions: Vec<RepairAction>,
    /// The shifts with the copies (shifts.csv order); `None` when there is nothing to copy.
    trial: Option<Vec<ShiftRow>>,
    /// The copy serial after the round.
    serial: usize,
}

/// Plan round `round` from `shifts` and their evaluation `current` (whose verdicts are `v`):
/// for each missed queue-day of the focus queue, copies of its shifts that cover the most
/// simulated shortfall ([`add_copies`]), numbered on from `serial`.
fn plan_add_round<R>(
    shifts: &[ShiftRow],
    current: &Evaluation<R>,
    v: &[Verdict],
    site: &Site,
    tried: &BTreeSet<String>,
    serial: usize,
    round: u32,
) -> AddRound {
    let mut out =
        AddRound { notes: Vec::new(), focus: None, actions: Vec::new(), trial: None, serial };
    let unfilled = |x: &Verdict| current.unfilled.get(&(x.date, x.queue.clone())).copied();
    for miss in v.iter().filter(|x| !x.met) {
        if let Some(seats) = unfilled(miss).filter(|&n| n > 0) {
            out.notes.push(format!(
                "{} {}: {seats} seat(s) already unfilled (no agent with the skill free), so more shifts would add no one",
                miss.queue, miss.date
            ));
        }
    }
    let Some(focus) = focus_queue(v, &current.unfilled, tried) else { return out };
    let shortfall = Shortfall::of(&current.simulation, site);
    let mut trial = shifts.to_vec();
    for miss in v.iter().filter(|x| !x.met && x.queue == focus) {
        if unfilled(miss).is_some_and(|n| n > 0) {
            continue;
        }
        let copies = copies_needed(miss);
        let new = add_copies(&trial, miss, copies, &shortfall, &mut out.serial);
        if new.is_empty() {
            out.notes
                .push(format!("{} {}: no shift of that queue-day to copy", miss.queue, miss.date));
            continue;
        }
        out.actions.push(RepairAction {
            round,
            date: miss.date,
            queue: miss.queue.clone(),
            shifts: new.len() as i64,
            shortened: 0,
            paid_hours: paid_hours(&new),
            reason: miss_reason(miss),
        });
        trial.extend(new);
    }
    if !out.actions.is_empty() {
        sort_shifts(&mut trial);
        out.trial = Some(trial);
    }
    out.focus = Some(focus);
    out
}

/// Fill-first rounds: where a queue-day misses with seats the roster left empty (more shifts
/// would add no one), its shifts' fill priority is raised one step, so the roster fills those
/// seats before others and moves multi-skilled agents there from queue-days that can spare
/// them. A round is kept when the horizon misses fewer queue-days (or as many, less short in
/// total) with no more hard-rule violations; at most `FILL_FIRST_ROUNDS` rounds a pass, and
/// the pass ends at the first round not kept.
fn fill_first_rounds<R: Send, E: Send>(
    shifts: &mut Vec<ShiftRow>,
    current: &mut Evaluation<R>,
    site: &Site,
    report: &mut RepairReport,
    evaluations: &mut Evaluations<'_, '_, R, E>,
) -> Result<(), E> {
    for _ in 0..FILL_FIRST_ROUNDS {
        let v = verdicts(&current.simulation, site);
        let short: Vec<(&Verdict, usize)> = v
            .iter()
            .filter(|x| !x.met)
            .filter_map(|x| {
                let seats = current.unfilled.get(&(x.date, x.queue.clone())).copied()?;
                (seats > 0).then_some((x, seats))
            })
            .collect();
        let targets: BTreeSet<(NaiveDate, &str)> =
            short.iter().map(|(x, _)| (x.date, x.queue.as_str())).collect();
        let mut trial = shifts.clone();
        let mut priority: BTreeMap<(NaiveDate, String), u32> = BTreeMap::new();
        for s in trial.iter_mut().filter(|s| targets.contains(&(s.date, s.queue.as_str()))) {
            s.fill_priority = (s.fill_priority + 1).min(MAX_FILL_PRIORITY);
            let p = priority.entry((s.date, s.queue.clone())).or_default();
            *p = (*p).max(s.fill_priority);
        }
        if priority.is_empty() {
            return Ok(());
        }
        let trial_eval = evaluations.get(&trial, None)?;
        report.rounds += 1;
        if !fewer_missed(&v, &verdicts(&trial_eval.simulation, site), false)
            || trial_eval.violations > current.violations
        {
            return Ok(());
        }
        for (x, seats) in &short {
            let p = priority.get(&(x.date, x.queue.clone())).copied().unwrap_or(0);
            report.actions.push(RepairAction {
                round: report.rounds,
                date: x.date,
                queue: x.queue.clone(),
                shifts: 0,
                shortened: 0,
                paid_hours: 0.0,
                reason: format!(
                    "{}, with {seats} seat(s) left empty: its seats put first for the roster (fill priority {p})",
                    miss_reason(x)
                ),
            });
        }
        *shifts = trial;
        *current = trial_eval;
    }
    Ok(())
}

/// One removal round, planned from the current evaluation.
struct Removal {
    /// Per queue-day met with a margin to spare: its verdict and the shifts taken off it.
    removed: Vec<(Verdict, Vec<ShiftRow>)>,
    /// The shifts left.
    keep: Vec<ShiftRow>,
}

/// Whether a queue-day is met with room to give shifts back: a margin of at least
/// [`REMOVE_MARGIN`] and abandonment room; the shifts it may give (`None`: none).
fn spare_shifts(x: &Verdict) -> Option<usize> {
    let margin = x.margin()?;
    let abandon_room = match (&x.abandon_rate, x.max_abandon_rate) {
        (Some(a), Some(cap)) => cap - a.mean >= ADD_STEP_ABANDON,
        _ => true,
    };
    (margin >= REMOVE_MARGIN && abandon_room)
        .then(|| ((margin / REMOVE_MARGIN).floor() as usize).clamp(1, REMOVE_MAX))
}

/// The queue a removal round works on: the one whose queue-days not `frozen` are met with the
/// most margin in total, among those not `tried`.
fn removal_focus(
    v: &[Verdict],
    frozen: &BTreeSet<(NaiveDate, String)>,
    tried: &BTreeSet<String>,
) -> Option<String> {
    let mut by_queue: BTreeMap<&str, f64> = BTreeMap::new();
    for x in v {
        if tried.contains(&x.queue) || frozen.contains(&(x.date, x.queue.clone())) {
            continue;
        }
        if spare_shifts(x).is_some() {
            *by_queue.entry(x.queue.as_str()).or_default() += x.margin().unwrap_or(0.0);
        }
    }
    by_queue
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(q, _)| q.to_string())
}

/// Plan a removal round from `shifts` and their simulation (its verdicts `v`, its `shortfall`)
/// on one queue, [`removal_focus`]: up to [`REMOVE_MAX`] shifts off each of its queue-days not
/// `frozen` that is met with room to spare ([`spare_shifts`]), those over its best-served
/// intervals. One queue a round: shifts taken off several queues at once move the roster's
/// multi-skilled agents in ways no single queue's margin foresees. A focus with no shift of
/// its own to take is passed over for the next. `None` when no queue not `tried` has a shift
/// to spare.
fn plan_removal(
    shifts: &[ShiftRow],
    v: &[Verdict],
    shortfall: &Shortfall,
    frozen: &BTreeSet<(NaiveDate, String)>,
    tried: &BTreeSet<String>,
) -> Option<(String, Removal)> {
    // A queue with no shift of its own to take (a pooled VIP line, served on its host's
    // shifts) is passed over, not the end of the rounds.
    let mut passed = tried.clone();
    loop {
        let focus = removal_focus(v, frozen, &passed)?;
        let mut removed: Vec<(Verdict, Vec<ShiftRow>)> = Vec::new();
        let mut keep = shifts.to_vec();
        for x in v.iter().filter(|x| x.queue == focus) {
            if frozen.contains(&(x.date, x.queue.clone())) {
                continue;
            }
            let Some(n) = spare_shifts(x) else { continue };
            let gone = take_best_covered(&mut keep, x, n, shortfall);
            if !gone.is_empty() {
                removed.push((x.clone(), gone));
            }
        }
        if !removed.is_empty() {
            return Some((focus, Removal { removed, keep }));
        }
        passed.insert(focus);
    }
}

/// The removal rounds, one queue each ([`plan_removal`]): shifts come off queue-days met with a
/// margin to spare. A round is kept where the roster breaks no more hard rules, the queue-days
/// missed before fall no further short in total, and either the horizon misses fewer queue-days
/// (or as many, no further short in total) or no queue-day met before misses after (fewer seats
/// on a met queue can free a multi-skilled agent for a seat left empty elsewhere, or take away
/// one who helped there). Where days newly miss on fewer than half the round's dates, the
/// removals of those dates are put back and the rest evaluated again; otherwise, and where the
/// missed days fall further short, the round is undone and its queue not tried again. Undone
/// rounds count against `remove_rounds`. Returns whether any round was kept.
fn remove_rounds<R: Send, E: Send>(
    shifts: &mut Vec<ShiftRow>,
    current: &mut Evaluation<R>,
    site: &Site,
    options: RepairOptions,
    report: &mut RepairReport,
    evaluations: &mut Evaluations<'_, '_, R, E>,
) -> Result<bool, E> {
    let mut frozen: BTreeSet<(NaiveDate, String)> = BTreeSet::new();
    // Queues whose removal round was undone: not tried again.
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut kept = false;
    for _ in 0..options.remove_rounds {
        if tried.len() >= REMOVE_QUEUES_UNDONE_MAX {
            return Ok(kept);
        }
        let v = verdicts(&current.simulation, site);
        let missed: BTreeSet<(NaiveDate, String)> =
            v.iter().filter(|x| !x.met).map(|x| (x.date, x.queue.clone())).collect();
        // Shortfall of the queue-days missed before the round (those that newly miss are put
        // back below, date by date).
        let short_before = total_shortfall(v.iter().filter(|x| !x.met));
        let holds = |trial: &Evaluation<R>| {
            let after = verdicts(&trial.simulation, site);
            let newly: BTreeSet<NaiveDate> = after
                .iter()
                .filter(|x| !x.met && !missed.contains(&(x.date, x.queue.clone())))
                .map(|x| x.date)
                .collect();
            let still_missed = after.iter().filter(|x| missed.contains(&(x.date, x.queue.clone())));
            let worse = total_shortfall(still_missed) > short_before + 1e-9;
            (newly, worse)
        };
        let shortfall = Shortfall::of(&current.simulation, site);
        let Some((focus, Removal { removed, mut keep })) =
            plan_removal(shifts, &v, &shortfall, &frozen, &tried)
        else {
            return Ok(kept);
        };
        report.rounds += 1;
        // Beside it: the next queue's round, as it would be if this one is undone.
        let next = {
            let mut more = tried.clone();
            more.insert(focus.clone());
            plan_removal(shifts, &v, &shortfall, &frozen, &more).map(|(_, r)| r.keep)
        };
        let trial = evaluations.get(&keep, next)?;
        let (missed_dates, worse) = holds(&trial);
        let worse = worse || trial.violations > current.violations;
        // Judged on the whole horizon: fewer queue-days missed, or as many and no further
        // short in total, keeps the round even where a day met before now misses (the roster's
        // multi-skilled agents moved to where they serve more).
        let better_overall = fewer_missed(&v, &verdicts(&trial.simulation, site), true);
        if !worse && (better_overall || missed_dates.is_empty()) {
            for (x, gone) in &removed {
                record_removal(report, x, gone);
            }
            *shifts = keep;
            *current = trial;
            kept = true;
            continue;
        }
        if worse {
            // The queues still short lost help: undo the round, try another queue.
            tried.insert(focus);
            continue;
        }
        let dates: BTreeSet<NaiveDate> = removed.iter().map(|(x, _)| x.date).collect();
        let hit = missed_dates.intersection(&dates).count();
        if hit == 0 || 2 * hit >= dates.len() {
            // Days miss only where nothing came off (nothing to put back: the same set again
            // would miss the same way), or on half its dates or more (the roster reshuffled
            // rather than lost the removed seats, and the few dates left would rarely hold
            // either; on the sample's four weeks, never). Undo the round, try another queue.
            tried.insert(focus);
            continue;
        }
        // Put back every removal on a date that now misses, and try those queue-days no more
        // (fewer than half its dates: some removals stay).
        for (x, gone) in removed {
            if missed_dates.contains(&x.date) {
                frozen.insert((x.date, x.queue.clone()));
                keep.extend(gone);
            } else {
                record_removal(report, &x, &gone);
            }
        }
        sort_shifts(&mut keep);
        let after = evaluations.get(&keep, None)?;
        let (newly, worse) = holds(&after);
        if newly.is_empty() && !worse && after.violations <= current.violations {
            *shifts = keep;
            *current = after;
            kept = true;
        } else {
            // The kept removals interact across dates (agents' weekly hours): undo the round,
            // try another queue.
            report.actions.retain(|a| a.round != report.rounds);
            // (A fold from +0: an empty f64 sum is −0, printed "-0.0".)
            report.removed_paid_hours = report
                .actions
                .iter()
                .filter(|a| a.shifts < 0)
                .fold(0.0, |hours, a| hours + a.paid_hours);
            tried.insert(focus);
        }
    }
    Ok(kept)
}

fn record_removal(report: &mut RepairReport, x: &Verdict, gone: &[ShiftRow]) {
    let hours = paid_hours(gone);
    report.removed_paid_hours += hours;
    let margin = x.margin().unwrap_or(0.0);
    report.actions.push(RepairAction {
        round: report.rounds,
        date: x.date,
        queue: x.queue.clone(),
        shifts: -(gone.len() as i64),
        shortened: 0,
        paid_hours: hours,
        reason: format!(
            "service level {:.3} (lower limit {:.3}) against a target of {:.3}: {:.3} to spare",
            x.service_level.as_ref().map_or(f64::NAN, |s| s.mean),
            x.service_level.as_ref().and_then(|s| s.ci_low).unwrap_or(f64::NAN),
            x.target.unwrap_or(f64::NAN),
            margin
        ),
    });
}

fn miss_reason(x: &Verdict) -> String {
    let mut parts = Vec::new();
    if let Some(sl) = &x.service_level {
        if x.margin().is_some_and(|m| m < 0.0) {
            parts.push(format!(
                "service level {:.3} (lower limit {:.3}) below the target {:.3} − {SIMULATION_TOLERANCE}",
                sl.mean,
                sl.ci_low.unwrap_or(sl.mean),
                x.target.unwrap_or(f64::NAN)
            ));
        }
    }
    if let (Some(a), Some(cap)) = (&x.abandon_rate, x.max_abandon_rate) {
        if a.mean > cap {
            parts.push(format!(
                "abandonment {:.1}% above the cap {:.1}%",
                a.mean * 100.0,
                cap * 100.0
            ));
        }
    }
    parts.join("; ")
}

/// The queue whose missed queue-days fall furthest short in total, among those with a day that
/// more shifts could help (no unfilled seats) and not yet tried in vain.
fn focus_queue(
    verdicts: &[Verdict],
    unfilled: &BTreeMap<(NaiveDate, String), usize>,
    tried: &BTreeSet<String>,
) -> Option<String> {
    let mut by_queue: BTreeMap<&str, f64> = BTreeMap::new();
    for x in verdicts.iter().filter(|x| !x.met && !tried.contains(&x.queue)) {
        if unfilled.get(&(x.date, x.queue.clone())).is_some_and(|&n| n > 0) {
            continue;
        }
        *by_queue.entry(x.queue.as_str()).or_default() += total_shortfall(std::slice::from_ref(x));
    }
    by_queue
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(q, _)| q.to_string())
}

/// Whether `after` misses fewer queue-days than `before`, or as many and less short in total
/// (`or_equal`: or as many and no further short).
fn fewer_missed(before: &[Verdict], after: &[Verdict], or_equal: bool) -> bool {
    let missed = |w: &[Verdict]| w.iter().filter(|x| !x.met).count();
    let short = |w: &[Verdict]| total_shortfall(w.iter().filter(|x| !x.met));
    let (n_before, n_after) = (missed(before), missed(after));
    if n_after != n_before {
        return n_after < n_before;
    }
    let (s_before, s_after) = (short(before), short(after));
    if or_equal {
        s_after <= s_before + 1e-9
    } else {
        s_after < s_before - 1e-9
    }
}

/// Σ over queue-days of how far each falls short: service-level points under the met line plus
/// abandonment above the cap (scaled to service-level points by [`ADD_STEP_ABANDON`]).
fn total_shortfall<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> f64 {
    verdicts
        .into_iter()
        .map(|x| {
            (-x.margin().unwrap_or(0.0)).max(0.0) + x.abandon_excess() * ADD_STEP / ADD_STEP_ABANDON
        })
        .sum()
}

/// Copies a missed queue-day gets this round: one per [`ADD_STEP`] of shortfall (or per
/// [`ADD_STEP_ABANDON`] of excess abandonment), at least one, at most [`ADD_MAX`].
fn copies_needed(x: &Verdict) -> usize {
    let by_sl = x.margin().map_or(0.0, |m| (-m / ADD_STEP).ceil());
    let by_abandon = (x.abandon_excess() / ADD_STEP_ABANDON).ceil();
    (by_sl.max(by_abandon).max(1.0) as usize).min(ADD_MAX)
}

/// Simulated shortfall weight per queue and interval start: contacts × (target − service
/// level), plus the abandoned contacts where the queue has a cap; and the simulated service
/// level itself.
pub(crate) struct Shortfall {
    weight: BTreeMap<(String, Stamp), f64>,
    service_level: BTreeMap<(String, Stamp), f64>,
    interval_seconds: i64,
}

impl Shortfall {
    pub(crate) fn of(simulation: &SimulationResult, site: &Site) -> Shortfall {
        let mut weight = BTreeMap::new();
        let mut service_level = BTreeMap::new();
        for i in &simulation.intervals {
            let Some(queue) = site.queue(&i.queue) else { continue };
            let target = service_level_target(queue);
            let m = &i.metrics;
            let sl = m.service_level.as_ref().map(|s| s.mean);
            let mut w = match (sl, target) {
                (Some(s), Some(target)) => m.offered.mean * (target - s).max(0.0),
                _ => 0.0,
            };
            if queue.max_abandon_rate.is_some() {
                w += m.abandoned.mean;
            }
            weight.insert((i.queue.clone(), i.interval_start), w);
            if let Some(s) = sl {
                service_level.insert((i.queue.clone(), i.interval_start), s);
            }
        }
        Shortfall {
            weight,
            service_level,
            interval_seconds: i64::from(simulation.interval_minutes) * 60,
        }
    }

    /// The simulated service level (mean) of `queue` in the interval starting `t`, where it
    /// had contacts.
    pub(crate) fn service_level_at(&self, queue: &str, t: Stamp) -> Option<f64> {
        self.service_level.get(&(queue.to_string(), t)).copied()
    }

    fn on_phone(&self, shift: &ShiftRow) -> Vec<Stamp> {
        let step = chrono::Duration::seconds(self.interval_seconds);
        on_phone_starts(shift.shift_start, shift.shift_end, &shift.breaks, step)
    }
}

/// Interval starts (every `step`) a shift is on the phone for: its span `[start, end)` minus
/// its breaks.
pub(crate) fn on_phone_starts(
    start: Stamp,
    end: Stamp,
    breaks: &[(Stamp, Stamp)],
    step: chrono::Duration,
) -> Vec<Stamp> {
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        if !breaks.iter().any(|(b, e)| *b <= t && t < *e) {
            out.push(t);
        }
        t += step;
    }
    out
}

/// `n` copies of the queue-day's shifts covering the most shortfall, each copy crediting the
/// intervals it covers (their weight halves) before the next is chosen. Empty when the
/// queue-day has no shift to copy.
fn add_copies(
    shifts: &[ShiftRow],
    x: &Verdict,
    n: usize,
    shortfall: &Shortfall,
    serial: &mut usize,
) -> Vec<ShiftRow> {
    let mut templates: Vec<&ShiftRow> = Vec::new();
    let mut seen = BTreeSet::new();
    for s in shifts.iter().filter(|s| s.queue == x.queue && s.date == x.date) {
        if seen.insert((s.shift_start, s.shift_end, s.breaks.clone())) {
            templates.push(s);
        }
    }
    let mut weight: BTreeMap<Stamp, f64> = shortfall
        .weight
        .iter()
        .filter(|((q, _), _)| *q == x.queue)
        .map(|((_, t), w)| (*t, *w))
        .collect();
    let mut out = Vec::new();
    for _ in 0..n {
        let best = templates
            .iter()
            .map(|s| {
                let covered = shortfall.on_phone(s);
                let score: f64 =
                    covered.iter().map(|t| weight.get(t).copied().unwrap_or(0.0)).sum();
                (score, *s, covered)
            })
            .filter(|(score, _, _)| *score > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, template, covered)) = best else { break };
        for t in covered {
            if let Some(w) = weight.get_mut(&t) {
                *w *= 0.5;
            }
        }
        *serial += 1;
        let mut copy = template.clone();
        copy.shift_id = format!("{}/{}/added{:04}", x.queue, x.date, serial);
        out.push(copy);
    }
    out
}

/// Take up to `n` shifts of the queue-day out of `shifts`: those whose lowest simulated
/// service level over their on-phone intervals is highest.
fn take_best_covered(
    shifts: &mut Vec<ShiftRow>,
    x: &Verdict,
    n: usize,
    shortfall: &Shortfall,
) -> Vec<ShiftRow> {
    let mut scored: Vec<(f64, usize)> = shifts
        .iter()
        .enumerate()
        .filter(|(_, s)| s.queue == x.queue && s.date == x.date)
        .map(|(i, s)| {
            let low = shortfall
                .on_phone(s)
                .iter()
                .filter_map(|t| shortfall.service_level.get(&(x.queue.clone(), *t)).copied())
                .fold(f64::INFINITY, f64::min);
            (low, i)
        })
        .collect();
    // Highest lowest-SL first; ties by position (deterministic).
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = scored.iter().take(n).map(|&(_, i)| i).collect();
    chosen.sort_unstable_by(|a, b| b.cmp(a));
    let mut gone: Vec<ShiftRow> = chosen.into_iter().map(|i| shifts.remove(i)).collect();
    gone.reverse();
    gone
}

fn paid_hours(shifts: &[ShiftRow]) -> f64 {
    shifts.iter().map(|s| f64::from(s.paid_minutes) / 60.0).sum()
}

/// shifts.csv order: by start, then id.
fn sort_shifts(shifts: &mut [ShiftRow]) {
    shifts.sort_by(|a, b| (a.shift_start, &a.shift_id).cmp(&(b.shift_start, &b.shift_id)));
}

/// coverage.csv recounted from `shifts` (after the loop changed them): agents on the phone per
/// queue and interval, the difference to the requirement, and the projected service level of
/// those left after `unplanned_shrinkage` (as the schedule projects it).
pub fn recount_coverage(
    coverage: &[crate::io::coverage::CoverageRow],
    shifts: &[ShiftRow],
    requirements: &[crate::io::requirements::RequirementRow],
    site: &Site,
    unplanned_shrinkage: f64,
) -> Vec<crate::io::coverage::CoverageRow> {
    let step = chrono::Duration::minutes(i64::from(site.grid.interval_minutes));
    let mut scheduled: BTreeMap<(&str, Stamp), u32> = BTreeMap::new();
    for s in shifts {
        for t in on_phone_starts(s.shift_start, s.shift_end, &s.breaks, step) {
            *scheduled.entry((s.queue.as_str(), t)).or_default() += 1;
        }
    }
    let demand: BTreeMap<(&str, Stamp), (f64, f64)> = requirements
        .iter()
        .map(|r| ((r.queue.as_str(), r.interval_start), (r.contacts, r.aht_seconds)))
        .collect();
    coverage
        .iter()
        .map(|c| {
            let key = (c.queue.as_str(), c.interval_start);
            let n = scheduled.get(&key).copied().unwrap_or(0);
            let service_level = match (site.queue(&c.queue), demand.get(&key)) {
                (Some(q), Some(&(contacts, aht))) => crate::staffing::projected_service_level(
                    q,
                    contacts,
                    aht,
                    site.grid.interval_minutes,
                    crate::schedule::on_phone(n, unplanned_shrinkage),
                ),
                _ => f64::NAN,
            };
            crate::io::coverage::CoverageRow {
                interval_start: c.interval_start,
                queue: c.queue.clone(),
                required: c.required,
                scheduled: n,
                difference: i64::from(n) - i64::from(c.required),
                service_level,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{AppliedAbsence, DayOutcome, IntervalOutcome, Metrics, Routing};
    use chrono::TimeZone;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    const PLAN: &str = "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 60\n[staffing]\nshrinkage = 0.0\n\
        [[queues]]\nname = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20\n\
        patience_seconds = 180\nmax_abandon_rate = 0.035\n";

    fn site() -> Site {
        crate::plan::PlanConfig::parse("plan.toml", PLAN, std::path::Path::new("")).unwrap().site
    }

    fn e(mean: f64, half: f64) -> Estimate {
        Estimate { mean, ci_low: Some(mean - half), ci_high: Some(mean + half) }
    }

    fn metrics(sl: f64, half: f64, abandon: f64) -> Metrics {
        Metrics {
            offered: e(100.0, 0.0),
            answered: e(100.0 * (1.0 - abandon), 0.0),
            abandoned: e(100.0 * abandon, 0.0),
            unanswered: e(0.0, 0.0),
            service_level: Some(e(sl, half)),
            asa_seconds: Some(e(5.0, 0.0)),
            abandon_rate: Some(e(abandon, 0.0)),
            occupancy: Some(e(0.8, 0.0)),
        }
    }

    /// One queue-day (voice, 2026-11-23) with one 09:00 interval carrying the day's figures.
    fn result(sl: f64, half: f64, abandon: f64) -> SimulationResult {
        let m = metrics(sl, half, abandon);
        SimulationResult {
            replications: 10,
            seed: 1,
            confidence: 0.95,
            interval_minutes: 60,
            routing: Routing::Skills,
            absence: AppliedAbsence::NONE,
            total: m.clone(),
            queues: Vec::new(),
            days: vec![DayOutcome {
                date: "2026-11-23".into(),
                queue: "voice".into(),
                metrics: m.clone(),
            }],
            intervals: vec![IntervalOutcome {
                interval_start: chrono_tz::Tz::UTC.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
                queue: "voice".into(),
                metrics: m,
            }],
        }
    }

    #[test]
    fn a_verdict_whose_interval_holds_the_line_is_too_close() {
        // 80/20, cap 3.5%: the service level judged on its lower limit against 0.78.
        let close =
            |sl: f64, half: f64, abandon: f64| verdicts(&result(sl, half, abandon), &site());
        // 0.80 ± 0.03: lower limit 0.77 under the line, upper 0.83 over it — missed, too close.
        let v = close(0.80, 0.03, 0.02);
        assert!(!v[0].met && v[0].too_close());
        // 0.75 ± 0.02 (all under) and 0.80 ± 0.01 (all over): settled either way.
        assert!(!close(0.75, 0.02, 0.02)[0].too_close());
        let v = close(0.80, 0.01, 0.02);
        assert!(v[0].met && !v[0].too_close());
        // Abandonment 3.4% ± 0.3 points holds the cap: met on its mean, but too close.
        let mut r = result(0.85, 0.01, 0.034);
        r.days[0].metrics.abandon_rate = Some(e(0.034, 0.003));
        let v = verdicts(&r, &site());
        assert!(v[0].met && v[0].too_close());
        r.days[0].metrics.abandon_rate = Some(e(0.030, 0.003));
        assert!(!verdicts(&r, &site())[0].too_close());
        // A service level close to the line, but abandonment over the cap beyond doubt (3.9%
        // ± 0.3): missed whatever the replications, so not close.
        let mut r = result(0.80, 0.03, 0.02);
        r.days[0].metrics.abandon_rate = Some(e(0.039, 0.003));
        let v = verdicts(&r, &site());
        assert!(!v[0].met && !v[0].too_close());
    }

    fn shift(n: usize) -> ShiftRow {
        let at = |h| chrono_tz::Tz::UTC.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap();
        ShiftRow {
            shift_id: format!("voice/2026-11-23/{n:04}"),
            queue: "voice".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            shift_start: at(9),
            shift_end: at(10),
            paid_minutes: 60,
            breaks: Vec::new(),
            fill_priority: 0,
        }
    }

    /// [`shift`] on the chat queue.
    fn chat_shift(n: usize) -> ShiftRow {
        ShiftRow { shift_id: format!("chat/2026-11-23/{n:04}"), queue: "chat".into(), ..shift(n) }
    }

    /// The plan above with a chat queue (80% in 30 s, no abandonment cap).
    fn voice_and_chat_site() -> Site {
        let plan = format!("{PLAN}[[queues]]\nname = \"chat\"\nchannel = \"chat\"\nservice_level = 0.8\ntarget_answer_seconds = 30\n");
        crate::plan::PlanConfig::parse("plan.toml", &plan, std::path::Path::new("")).unwrap().site
    }

    /// [`result`] for voice (abandonment 1%) with a chat queue-day beside it, both exact.
    fn voice_and_chat(voice: f64, chat: f64) -> SimulationResult {
        let mut r = result(voice, 0.0, 0.01);
        let m = metrics(chat, 0.0, 0.0);
        r.days.push(DayOutcome {
            date: "2026-11-23".into(),
            queue: "chat".into(),
            metrics: m.clone(),
        });
        let at = r.intervals[0].interval_start;
        r.intervals.push(IntervalOutcome { interval_start: at, queue: "chat".into(), metrics: m });
        r
    }

    #[test]
    fn a_day_is_judged_by_its_lower_limit_less_the_tolerance_and_its_abandonment() {
        let site = site();
        // Lower limit 0.785 >= 0.80 - 0.02: met, though the target itself is above it.
        assert!(verdicts(&result(0.80, 0.015, 0.02), &site)[0].met);
        // Lower limit 0.775 < 0.78: missed, though the mean (0.80) is on target.
        assert!(!verdicts(&result(0.80, 0.025, 0.02), &site)[0].met);
        // Abandonment 3.6% over the 3.5% cap: missed at any service level.
        assert!(!verdicts(&result(0.95, 0.01, 0.036), &site)[0].met);
    }

    /// A model with a closed form: the day's service level is 0.1 per shift (capped at 1),
    /// exact (no noise). The target 0.8 less the tolerance needs 0.78, so 8 shifts: the loop
    /// must end at 8 from below (adding) and from above (removing, then putting back the one
    /// removal that misses).
    #[test]
    fn the_loop_adds_and_removes_shifts_to_the_fewest_that_meet_the_target() {
        let site = site();
        let runs = AtomicUsize::new(0);
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            runs.fetch_add(1, Ordering::Relaxed);
            let sl = (0.1 * shifts.len() as f64).min(1.0);
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: result(sl, 0.0, 0.01),
                unfilled: BTreeMap::new(),
                violations: 0,
            })
        };
        let options = RepairOptions { add_rounds: 6, remove_rounds: 6, give_back: false };
        let (from_below, eval, report) =
            repair((0..5).map(shift).collect(), &site, options, &evaluate).unwrap();
        assert_eq!((from_below.len(), eval.chain), (8, 8));
        assert_eq!((report.missed_before, report.missed_after), (1, 0));
        assert_eq!(report.added_paid_hours, 3.0);
        let ids: BTreeSet<&str> = from_below.iter().map(|s| s.shift_id.as_str()).collect();
        assert_eq!(ids.len(), 8, "every added copy has its own id");

        let (from_above, _, report) =
            repair((0..12).map(shift).collect(), &site, options, &evaluate).unwrap();
        assert_eq!(from_above.len(), 8);
        assert_eq!(report.removed_paid_hours, 4.0);
        assert_eq!(report.missed_after, 0);
        let runs = runs.into_inner();
        assert!(runs < 40, "bounded: {runs} evaluations");
    }

    /// Voice as in the test above (0.1 per shift) beside a chat queue-day that misses whatever
    /// the loop does (its seats are unfilled): the removal still takes voice down to the 8
    /// shifts it needs. When voice's agents help chat (chat's level rises 0.01 per voice shift),
    /// removing voice shifts leaves chat further short, and the round is undone.
    #[test]
    fn removals_go_on_beside_a_missed_queue_unless_it_falls_further_short() {
        let site = voice_and_chat_site();
        let chat_day = (NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), "chat".to_string());
        for helps in [0.0, 0.01] {
            let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
                let n = shifts.len() as f64;
                Ok(Evaluation {
                    chain: shifts.len(),
                    simulation: voice_and_chat((0.1 * n).min(1.0), 0.5 + helps * n),
                    unfilled: BTreeMap::from([(chat_day.clone(), 1)]),
                    violations: 0,
                })
            };
            let options = RepairOptions { add_rounds: 6, remove_rounds: 6, give_back: false };
            let (shifts, _, report) =
                repair((0..12).map(shift).collect(), &site, options, &evaluate).unwrap();
            assert_eq!(report.missed_after, 1);
            if helps == 0.0 {
                assert_eq!(shifts.len(), 8);
                assert_eq!(report.removed_paid_hours, 4.0);
            } else {
                assert_eq!(shifts.len(), 12);
                assert_eq!(report.removed_paid_hours, 0.0);
            }
        }
    }

    #[test]
    fn seats_nobody_can_fill_are_not_multiplied() {
        let site = site();
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            let mut unfilled = BTreeMap::new();
            unfilled.insert((NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), "voice".into()), 2);
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: result(0.5, 0.0, 0.01),
                unfilled,
                violations: 0,
            })
        };
        let (shifts, _, report) =
            repair((0..5).map(shift).collect(), &site, RepairOptions::default(), &evaluate)
                .unwrap();
        assert_eq!(shifts.len(), 5);
        assert_eq!(report.missed_after, 1);
        assert!(
            report.unrepairable[0].contains("2 seat(s) already unfilled"),
            "{:?}",
            report.unrepairable
        );
    }

    /// A voice day whose level rises 0.01 per shift up to 0.70, short of the 0.78 it needs
    /// whatever the loop adds: every round lowers the shortfall (and is kept) until the cap,
    /// then the loop gives all the hours back, as they met no more queue-days. The schedule as
    /// solved is then the loop's result, and it is evaluated once, not again after the rounds.
    #[test]
    fn hours_that_meet_nothing_are_given_back_without_evaluating_the_schedule_again() {
        let site = site();
        let seen = Mutex::new(Vec::new());
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            seen.lock().unwrap().push(shifts.len());
            let sl = (0.5 + 0.01 * shifts.len() as f64).min(0.7);
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: result(sl, 0.0, 0.01),
                unfilled: BTreeMap::new(),
                violations: 0,
            })
        };
        let (shifts, eval, report) =
            repair((0..5).map(shift).collect(), &site, RepairOptions::default(), &evaluate)
                .unwrap();
        assert_eq!((shifts.len(), eval.chain), (5, 5));
        assert_eq!(report.added_paid_hours, 0.0);
        assert!(report.actions.is_empty());
        assert!(
            report.unrepairable.iter().any(|u| u.contains("met no more queue-days")),
            "{:?}",
            report.unrepairable
        );
        // 5, then 3 copies a round (8, 11, 14, 17, 20 kept; 23 is no better, undone).
        assert_eq!(seen.into_inner().unwrap(), [5, 8, 11, 14, 17, 20, 23]);
    }

    /// Voice short (0.1 per shift, 5 shifts) beside chat met with room (12 shifts, 0.1 per
    /// shift): the first removal from the schedule as solved (chat down to 8) is evaluated
    /// beside the first add trial, in case the added shifts are given back. They are kept here
    /// (voice meets its target at 8), so the loop never asks for that removal, and its
    /// evaluation failing changes nothing. The removals then work one queue a round, each
    /// evaluated beside the next queue's: chat (the most margin) down to 8 (kept, (7, 12)
    /// beside it unused); then chat to 7 misses and is put back, (7, 8) evaluated beside it;
    /// then voice to 7, that set, misses and is put back. Voice ends at 8, chat at 8.
    #[test]
    fn a_set_evaluated_ahead_and_not_needed_changes_nothing_even_when_it_fails() {
        let site = voice_and_chat_site();
        let seen = Mutex::new(Vec::new());
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, &'static str> {
            let n = |q: &str| shifts.iter().filter(|s| s.queue == q).count();
            let (voice, chat) = (n("voice"), n("chat"));
            seen.lock().unwrap().push((voice, chat));
            if (voice, chat) == (5, 8) {
                return Err("evaluated ahead only");
            }
            let level = |n: usize| (0.1 * n as f64).min(1.0);
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: voice_and_chat(level(voice), level(chat)),
                unfilled: BTreeMap::new(),
                violations: 0,
            })
        };
        let shifts = (0..5).map(shift).chain((0..12).map(chat_shift)).collect();
        let (shifts, _, report) =
            repair(shifts, &site, RepairOptions::default(), &evaluate).unwrap();
        let n = |q: &str| shifts.iter().filter(|s| s.queue == q).count();
        assert_eq!((n("voice"), n("chat")), (8, 8));
        assert_eq!((report.added_paid_hours, report.removed_paid_hours), (3.0, 4.0));
        assert_eq!((report.missed_before, report.missed_after), (1, 0));
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [(5, 8), (5, 12), (7, 8), (7, 12), (8, 7), (8, 8), (8, 12)]);
    }

    /// Voice and chat both met with room at 12 shifts each (0.1 per shift), but chat's agents
    /// carry part of voice (voice loses 0.1 per chat shift below 12). Taking shifts off both
    /// at once (8 and 8: voice 0.4) misses the day, and everything would be put back. One
    /// queue a round: chat first (equal margins, name order) makes voice miss and is put back;
    /// then voice alone comes down to the 8 it needs.
    #[test]
    fn a_queue_whose_removal_hurts_another_is_put_back_and_the_next_queue_tried() {
        let site = voice_and_chat_site();
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            let n = |q: &str| shifts.iter().filter(|s| s.queue == q).count() as f64;
            let (voice, chat) = (n("voice"), n("chat"));
            let voice_level = (0.1 * voice).min(1.0) - 0.1 * (12.0 - chat);
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: voice_and_chat(voice_level.max(0.0), (0.1 * chat).min(1.0)),
                unfilled: BTreeMap::new(),
                violations: 0,
            })
        };
        let shifts = (0..12).map(shift).chain((0..12).map(chat_shift)).collect();
        let (shifts, _, report) =
            repair(shifts, &site, RepairOptions::default(), &evaluate).unwrap();
        let n = |q: &str| shifts.iter().filter(|s| s.queue == q).count();
        assert_eq!((n("voice"), n("chat")), (8, 12));
        assert_eq!(report.removed_paid_hours, 4.0);
        assert_eq!(report.missed_after, 0);
    }

    /// Voice shift `n` on 2026-11-`d`.
    fn voice_on(d: u32, n: usize) -> ShiftRow {
        let at = |h| chrono_tz::Tz::UTC.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        ShiftRow {
            shift_id: format!("voice/2026-11-{d}/{n:04}"),
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            shift_start: at(9),
            shift_end: at(10),
            ..shift(n)
        }
    }

    /// Voice on several days of November 2026, exact: day `d`'s level is `per_shift` times its
    /// shifts (at most 1).
    fn voice_days(shifts: &[ShiftRow], days: &[(u32, f64)]) -> SimulationResult {
        let mut r = result(1.0, 0.0, 0.01);
        r.days.clear();
        r.intervals.clear();
        for &(d, per_shift) in days {
            let date = NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
            let n = shifts.iter().filter(|s| s.date == date).count() as f64;
            let m = metrics((per_shift * n).min(1.0), 0.0, 0.01);
            r.days.push(DayOutcome {
                date: date.to_string(),
                queue: "voice".into(),
                metrics: m.clone(),
            });
            r.intervals.push(IntervalOutcome {
                interval_start: chrono_tz::Tz::UTC.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap(),
                queue: "voice".into(),
                metrics: m,
            });
        }
        r
    }

    /// Repair 12 voice shifts a day on `days` ([`voice_days`]); the shifts per day after it.
    fn repair_voice_days(days: &[(u32, f64)]) -> (Vec<usize>, RepairReport) {
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: voice_days(shifts, days),
                unfilled: BTreeMap::new(),
                violations: 0,
            })
        };
        let shifts = days.iter().flat_map(|&(d, _)| (0..12).map(move |n| voice_on(d, n))).collect();
        let (shifts, _, report) =
            repair(shifts, &site(), RepairOptions::default(), &evaluate).unwrap();
        let per_day = days
            .iter()
            .map(|&(d, _)| shifts.iter().filter(|s| chrono::Datelike::day(&s.date) == d).count())
            .collect();
        (per_day, report)
    }

    /// Voice on three days, 12 shifts each, met with room. Days 23 and 24 need 8 shifts (0.1
    /// each), day 25 needs 10 (0.08 each). The first removal (4 a day) makes day 25 miss: one
    /// date of three, so its removal alone is put back and that day frozen, and days 23 and 24
    /// keep theirs. The next round (one more off each) makes both miss, every date of the
    /// round: undone. Voice ends at 8, 8 and 12.
    #[test]
    fn a_removal_that_misses_on_one_date_of_several_is_put_back_on_that_date_only() {
        let (per_day, report) = repair_voice_days(&[(23, 0.1), (24, 0.1), (25, 0.08)]);
        assert_eq!(per_day, [8, 8, 12]);
        assert_eq!(report.removed_paid_hours, 8.0);
        assert_eq!(report.missed_after, 0);
    }

    /// The same on two days (23 needs 8, 24 needs 10): the first removal misses on one date of
    /// two, half the round's dates, so the round is undone as a whole (day 23's removal too)
    /// and voice, the only queue, is not tried again.
    #[test]
    fn a_removal_that_misses_on_half_its_dates_is_undone_as_a_whole() {
        let (per_day, report) = repair_voice_days(&[(23, 0.1), (24, 0.08)]);
        assert_eq!(per_day, [12, 12]);
        assert_eq!(report.removed_paid_hours, 0.0);
        assert!(report.actions.is_empty(), "{:?}", report.actions);
    }

    /// Voice on 2026-11-23, 24 and 25, exact. Days 23 and 24 are served by agents freed from
    /// day 25's seats (their level 0.5 + 0.1 per shift day 25 gives up, whatever their own
    /// shifts); day 25's is 0.07 per shift of its own. Day 25's 12 shifts (0.84) are met with
    /// 0.06 to spare, 3 shifts; days 23 and 24 miss (0.5). Taking 3 off day 25 (0.63) makes it
    /// miss and meets days 23 and 24 (0.8): one queue-day missed instead of two.
    fn freed_agents(violation_below_12: bool) -> (Vec<usize>, RepairReport) {
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            let on = |d| {
                let date = NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
                shifts.iter().filter(|s| s.date == date).count() as f64
            };
            let n25 = on(25);
            let helped = 0.5 + 0.1 * (12.0 - n25);
            let mut simulation = voice_days(shifts, &[(23, 0.0), (24, 0.0), (25, 0.07)]);
            for day in simulation.days.iter_mut().take(2) {
                day.metrics = metrics(helped.min(1.0), 0.0, 0.01);
            }
            Ok(Evaluation {
                chain: shifts.len(),
                simulation,
                unfilled: BTreeMap::new(),
                violations: usize::from(violation_below_12 && n25 < 12.0),
            })
        };
        let shifts =
            [23, 24, 25].iter().flat_map(|&d| (0..12).map(move |n| voice_on(d, n))).collect();
        let (shifts, _, report) =
            repair(shifts, &site(), RepairOptions::default(), &evaluate).unwrap();
        let per_day = [23, 24, 25]
            .iter()
            .map(|&d| shifts.iter().filter(|s| chrono::Datelike::day(&s.date) == d).count())
            .collect();
        (per_day, report)
    }

    /// [`freed_agents`]: the removal makes its only date miss, which alone would undo it, but
    /// the horizon misses one queue-day where it missed two, so it is kept.
    #[test]
    fn a_removal_that_meets_more_queue_days_in_all_is_kept_though_its_own_day_misses() {
        let (per_day, report) = freed_agents(false);
        assert_eq!(per_day[2], 9, "{:?}", report.actions);
        assert_eq!(report.missed_before, 2);
        assert_eq!(report.missed_after, 1);
    }

    /// The same, where fewer than 12 shifts on day 25 leave an agent's contract minimum out of
    /// reach (a hard-rule violation): the removal is undone, as is every other that breaks it.
    #[test]
    fn a_removal_that_breaks_a_hard_rule_is_undone_whatever_it_meets() {
        let (per_day, report) = freed_agents(true);
        assert_eq!(per_day[2], 12, "{:?}", report.actions);
        assert_eq!(report.missed_after, 2);
    }

    /// Voice on 2026-11-23, 10 shifts, missed at 0.70 with 2 seats the roster leaves empty:
    /// more shifts would add no one. With the day's fill priority raised the roster fills them
    /// and the day reaches `helped` (0.79: met, with too little margin to give a shift back).
    fn fill_first(helped: f64, violations_first: usize) -> (Vec<ShiftRow>, RepairReport) {
        let site = site();
        let day = (NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), "voice".to_string());
        let evaluate = |shifts: &[ShiftRow]| -> Result<Evaluation<usize>, ()> {
            let first = shifts.iter().all(|s| s.fill_priority >= 1);
            let unfilled = if first { BTreeMap::new() } else { BTreeMap::from([(day.clone(), 2)]) };
            Ok(Evaluation {
                chain: shifts.len(),
                simulation: result(if first { helped } else { 0.70 }, 0.0, 0.01),
                unfilled,
                violations: if first { violations_first } else { 0 },
            })
        };
        let (shifts, _, report) =
            repair((0..10).map(shift).collect(), &site, RepairOptions::default(), &evaluate)
                .unwrap();
        (shifts, report)
    }

    #[test]
    fn a_missed_day_with_empty_seats_has_them_filled_first() {
        let (shifts, report) = fill_first(0.79, 0);
        assert_eq!(shifts.len(), 10);
        assert!(shifts.iter().all(|s| s.fill_priority == 1));
        assert_eq!(report.missed_after, 0);
        let action = report.actions.iter().find(|a| a.shifts == 0).expect("a fill-first action");
        assert!(action.reason.contains("2 seat(s) left empty"), "{}", action.reason);
        assert!(action.reason.ends_with("(fill priority 1)"), "{}", action.reason);
    }

    /// Where filling those seats first meets nothing more (the day stays at 0.70), the shifts
    /// keep their priority 0 and nothing is reported done.
    #[test]
    fn a_fill_first_round_that_meets_nothing_is_not_kept() {
        let (shifts, report) = fill_first(0.70, 0);
        assert!(shifts.iter().all(|s| s.fill_priority == 0));
        assert!(report.actions.is_empty(), "{:?}", report.actions);
        assert_eq!(report.missed_after, 1);
    }

    /// Where filling those seats first meets the day but breaks a hard rule (an agent moved
    /// there falls below a contract minimum), the round is not kept either.
    #[test]
    fn a_fill_first_round_that_breaks_a_hard_rule_is_not_kept() {
        let (shifts, report) = fill_first(0.79, 1);
        assert!(shifts.iter().all(|s| s.fill_priority == 0));
        assert!(report.actions.is_empty(), "{:?}", report.actions);
        assert_eq!(report.missed_after, 1);
    }
}
