//! Giving back rostered shifts, or the ends of them, that the simulation shows are not needed
//! (`plan --give-back`).
//!
//! The loop ([`super::verify::repair`]) changes the schedule's seats and rosters them again, so
//! a seat it takes off is refilled from the seats the workforce could not staff, and the paid
//! hours hardly move (on the sample week the roster fills 572 of the 578 agent-days its agents
//! can give, and leaves 84 seats empty). The give-back works on the roster instead: it takes
//! whole rostered shifts off their agents, or shortens them to a shorter shift of the
//! schedule's templates within the same hours (its breaks placed by the break rules), and the
//! simulation of the very roster that remains judges each step.
//!
//! A shift may go, or shrink, when
//! - its agent stays at or above the contract's weekly minimum
//!   ([`crate::roster::min_minutes_in_week`]; the other hard rules only loosen), and
//! - every queue the agent serves that day (its skills under skills routing, else its roster
//!   row's queue) is met and not too close to call ([`Verdict::too_close`]).
//!
//! Steps are ranked by the slack of what they give up: over the on-phone intervals the agent
//! would no longer work, the mean of the lowest simulated service level, less target, among the
//! queues it serves. Each round takes, per date, the best-ranked steps of distinct agents (at
//! most [`FIRST_BATCH`], fewer after a failed round on that date) and simulates them all at
//! once. The site's days share only deferred work left waiting overnight, so a date's steps are
//! kept when, on that date and the next, every queue-day met clearly (met, not too close to
//! call) still is, and every other one is no worse. When some dates fail, the others' steps are
//! simulated again without them and kept only if every date still holds. A date's batch that
//! fails is halved; a single step that fails is not tried again. The rounds end after
//! [`MAX_ROUNDS`], or after [`STALL_ROUNDS`] in a row that keep nothing.
//!
//! **Streams.** Each round draws streams of its own ([`Streams::Fresh`]), common to its trials
//! (common random numbers: the same contacts, the same absent agent-days, so a step's effect is
//! not lost in a new draw). A greedy search on one set of streams overfits it: each step is
//! taken where those streams happen to be kind, and the steps add up to more than the date can
//! give (on the sample week, voice on one Tuesday went from 2.4% abandoned to 3.2% on the
//! plan's streams and 3.6% on 600 others). On fresh streams each round, a step the last draw
//! allowed only by luck shows on the next: a round first simulates the roster as it stands and
//! puts back the last steps on a date that misses ([`GiveBack::put_back`]). What is left is
//! checked on streams no round drew, and on the plan's own ([`GiveBack::validate`]).
//!
//! The caller chooses the replications: the plan gives each simulation
//! [`super::pipeline::GIVE_BACK_FACTOR`] times its own, so that "met clearly" (the interval
//! clear of the line) leaves a margin of about the judge's own error and no more.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, Timelike};

use super::verify::{self, Verdict};
use crate::io::agents::Agent;
use crate::io::roster::RosterRow;
use crate::roster::RosterConfig;
use crate::schedule::{BreakRuleConfig, Template};
use crate::simulate::{Routing, SimulationResult};
use crate::site::Site;
use crate::time::Stamp;

/// Steps tried per date in a round at first.
pub const FIRST_BATCH: usize = 6;
/// Most rounds.
pub const MAX_ROUNDS: u32 = 16;
/// Rounds in a row that keep nothing end the give-back.
pub const STALL_ROUNDS: u32 = 4;
/// Most checks after the rounds ([`GiveBack::validate`]).
pub const VALIDATION_ROUNDS: u32 = 3;

/// The random streams a simulation draws (contacts, handle times, absent agent-days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streams {
    /// The plan's own: the ones its report shows.
    Plan,
    /// The n-th set independent of the plan's and of every other set.
    Fresh(u32),
}

impl Streams {
    /// The simulation seed of these streams, drawn from the plan's (deterministic).
    pub fn seed(self, plan: u64) -> u64 {
        match self {
            Streams::Plan => plan,
            Streams::Fresh(n) => (plan ^ 0x5851_f42d_4c95_7f2d).wrapping_add(u64::from(n)),
        }
    }
}

/// The streams of the check after the rounds ([`GiveBack::validate`]); round `r` draws
/// `Fresh(r)`, from 1.
const CHECK: Streams = Streams::Fresh(0);

/// Simulates a roster on the given streams, with as many replications on every set.
pub type Simulate<'a, E> = &'a dyn Fn(&[RosterRow], Streams) -> Result<SimulationResult, E>;

/// What the give-back needs besides the roster and its simulation.
pub struct GiveBack<'a> {
    pub site: &'a Site,
    pub agents: &'a [Agent],
    pub rules: &'a RosterConfig,
    pub routing: Routing,
    /// First day of the first planning week: weekly minimums count from it.
    pub first_date: NaiveDate,
    /// The shift templates a rostered shift may be shortened to, within its own hours (empty:
    /// only whole shifts go, e.g. where shifts make weekly tours of contracts), and the break
    /// rules that give the shorter shift its breaks.
    pub templates: &'a [Template],
    pub breaks: &'a [BreakRuleConfig],
}

/// One shift given back, whole or in part.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenShift {
    pub round: u32,
    /// The shift as it was rostered.
    pub row: RosterRow,
    /// The shorter shift its agent works instead; `None`: the whole shift was given back.
    pub shorter: Option<RosterRow>,
}

impl GivenShift {
    /// Paid minutes given back.
    pub fn paid_minutes(&self) -> u32 {
        self.row.paid_minutes - self.shorter.as_ref().map_or(0, |s| s.paid_minutes)
    }
}

/// The give-back's account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GiveBackReport {
    pub rounds: u32,
    pub simulations: u32,
    pub given: Vec<GivenShift>,
    /// Steps the rounds took that were undone: by a later round's streams, or by the check.
    pub put_back: usize,
}

impl GiveBackReport {
    /// Record a step of `round` on `row`: a shift shortened in an earlier round counts as one
    /// step from the shift as rostered.
    fn take(&mut self, round: u32, row: &RosterRow, shorter: Option<RosterRow>) {
        match self.given.iter_mut().find(|g| g.shorter.as_ref() == Some(row)) {
            Some(g) => (g.round, g.shorter) = (round, shorter),
            None => self.given.push(GivenShift { round, row: row.clone(), shorter }),
        }
    }

    /// Paid hours given back (0.0, not -0.0, when none is: a float sum of nothing is -0.0,
    /// which a note would print as "-0.0 paid hours").
    pub fn paid_hours(&self) -> f64 {
        self.given.iter().fold(0.0, |hours, g| hours + f64::from(g.paid_minutes()) / 60.0)
    }
}

/// The roster after the give-back, its simulation (on the plan's streams) and the account.
pub struct GaveBack {
    pub rows: Vec<RosterRow>,
    pub simulation: SimulationResult,
    pub report: GiveBackReport,
}

/// One step: the row at `index` goes (`shorter` is `None`) or is shortened to `shorter`.
#[derive(Debug, Clone)]
struct Step {
    index: usize,
    shorter: Option<RosterRow>,
}

/// The steps a round keeps and the roster with them taken.
struct Kept {
    rows: Vec<RosterRow>,
    steps: Vec<Step>,
}

/// A step that may be taken, with its rank.
struct Candidate {
    step: Step,
    slack: f64,
    minutes: u32,
}

/// A step not to try again: the agent, the date, and the shorter shift's hours (`None`: the
/// whole shift going).
type StepKey = (String, NaiveDate, Option<(Stamp, Stamp)>);

/// The current roster and what its simulation says.
struct State {
    rows: Vec<RosterRow>,
    simulation: SimulationResult,
    verdicts: BTreeMap<(NaiveDate, String), Verdict>,
}

/// The rounds' memory: batch sizes per date and the steps not to try again.
#[derive(Default)]
struct Memory {
    batch: BTreeMap<NaiveDate, usize>,
    banned: BTreeSet<StepKey>,
}

impl<'a> GiveBack<'a> {
    /// Give back shifts of `rows` (simulated as `simulation`, on the plan's streams).
    pub fn run<E>(
        &self,
        rows: Vec<RosterRow>,
        simulation: SimulationResult,
        simulate: Simulate<'_, E>,
    ) -> Result<GaveBack, E> {
        let original = self.state(rows, simulation);
        let (rows, mut report) = self.rounds(&original, simulate)?;
        match self.validate(&original, rows, &mut report, simulate)? {
            Some(kept) => Ok(GaveBack { rows: kept.rows, simulation: kept.simulation, report }),
            None => {
                let State { rows, simulation, .. } = original;
                Ok(GaveBack { rows, simulation, report })
            }
        }
    }

    /// What the rounds gave back judged once more, on streams none of them drew ([`CHECK`]),
    /// and on the plan's own (the figures its report shows): a date that does not hold on
    /// either against the roster before the give-back gets its shifts back, and so does the
    /// date before it (deferred work carries over), until every date holds (at most
    /// [`VALIDATION_ROUNDS`] times; then nothing is given back). The roster kept, with its
    /// simulation on the plan's streams; `None` when nothing is given back.
    fn validate<E>(
        &self,
        original: &State,
        mut rows: Vec<RosterRow>,
        report: &mut GiveBackReport,
        simulate: Simulate<'_, E>,
    ) -> Result<Option<State>, E> {
        if report.given.is_empty() {
            return Ok(None);
        }
        let reference = self.by_queue_day(&simulate(&original.rows, CHECK)?);
        report.simulations += 1;
        for _ in 0..VALIDATION_ROUNDS {
            let check = self.by_queue_day(&simulate(&rows, CHECK)?);
            let simulated = simulate(&rows, Streams::Plan)?;
            report.simulations += 2;
            let own = self.state(rows, simulated);
            let dates: BTreeSet<NaiveDate> = reference.keys().map(|(d, _)| *d).collect();
            let failed: BTreeSet<NaiveDate> = dates
                .into_iter()
                .filter(|d| {
                    !holds(&reference, &check, *d, Bar::Met)
                        || !holds(&original.verdicts, &own.verdicts, *d, Bar::Met)
                })
                .collect();
            if failed.is_empty() {
                return Ok(Some(own));
            }
            let back =
                |d: NaiveDate| failed.contains(&d) || failed.contains(&(d + Duration::days(1)));
            let (put_back, still): (Vec<GivenShift>, Vec<GivenShift>) =
                std::mem::take(&mut report.given).into_iter().partition(|g| back(g.row.date));
            report.given = still;
            report.put_back += put_back.len();
            if report.given.is_empty() {
                return Ok(None);
            }
            rows = own.rows;
            restore(&mut rows, &put_back);
        }
        // Nothing holds: the roster as it was.
        report.put_back += report.given.len();
        report.given.clear();
        Ok(None)
    }

    /// The greedy rounds, each on streams of its own.
    fn rounds<E>(
        &self,
        original: &State,
        simulate: Simulate<'_, E>,
    ) -> Result<(Vec<RosterRow>, GiveBackReport), E> {
        let mut rows = original.rows.clone();
        let mut report = GiveBackReport::default();
        let mut memory = Memory::default();
        let mut idle = 0;
        for round in 1..=MAX_ROUNDS {
            if idle >= STALL_ROUNDS {
                break;
            }
            let streams = Streams::Fresh(round);
            let simulated = simulate(&rows, streams)?;
            report.simulations += 1;
            let mut state = self.state(rows, simulated);
            let back = self.put_back(original, &state, &mut report, &mut memory);
            if !back.is_empty() {
                let mut again = state.rows;
                restore(&mut again, &back);
                let simulated = simulate(&again, streams)?;
                report.simulations += 1;
                state = self.state(again, simulated);
            }
            let batches = self.batches(&state, &memory);
            if batches.is_empty() {
                rows = state.rows;
                break;
            }
            idle += 1;
            report.rounds = round;
            let kept = self.round(&state, &batches, &mut memory, &mut report, streams, simulate)?;
            rows = match kept {
                Some(Kept { rows: rest, steps }) => {
                    for step in steps {
                        report.take(round, &state.rows[step.index], step.shorter);
                    }
                    idle = 0;
                    rest
                }
                None => state.rows,
            };
        }
        Ok((rows, report))
    }

    /// One round's trial of `batches` on `streams`: the steps kept and the roster with them;
    /// `None` when none is kept.
    fn round<E>(
        &self,
        state: &State,
        batches: &BTreeMap<NaiveDate, Vec<Step>>,
        memory: &mut Memory,
        report: &mut GiveBackReport,
        streams: Streams,
        simulate: Simulate<'_, E>,
    ) -> Result<Option<Kept>, E> {
        let all: Vec<Step> = batches.values().flatten().cloned().collect();
        let trial = apply(&state.rows, &all);
        let simulated = simulate(&trial, streams)?;
        report.simulations += 1;
        let after = self.by_queue_day(&simulated);
        let holds_on = |after: &BTreeMap<(NaiveDate, String), Verdict>, d: NaiveDate| {
            holds(&state.verdicts, after, d, Bar::Clear)
                && holds(&state.verdicts, after, d + Duration::days(1), Bar::Clear)
        };
        let (kept, failed): (Vec<_>, Vec<_>) =
            batches.iter().partition(|(d, _)| holds_on(&after, **d));
        for (date, b) in failed {
            if let [only] = b.as_slice() {
                memory.banned.insert(step_key(&state.rows[only.index], &only.shorter));
            }
            memory.batch.insert(*date, (b.len() / 2).max(1));
        }
        if kept.is_empty() {
            return Ok(None);
        }
        let steps: Vec<Step> = kept.iter().flat_map(|(_, b)| b.iter().cloned()).collect();
        let every: BTreeSet<NaiveDate> = state.verdicts.keys().map(|(d, _)| *d).collect();
        if steps.len() == all.len()
            && every.iter().all(|d| holds(&state.verdicts, &after, *d, Bar::Clear))
        {
            return Ok(Some(Kept { rows: trial, steps }));
        }
        let rest = apply(&state.rows, &steps);
        let simulated = simulate(&rest, streams)?;
        report.simulations += 1;
        let after = self.by_queue_day(&simulated);
        if every.iter().all(|d| holds(&state.verdicts, &after, *d, Bar::Clear)) {
            return Ok(Some(Kept { rows: rest, steps }));
        }
        for (date, _) in kept {
            let b = memory.batch.entry(*date).or_insert(FIRST_BATCH);
            *b = (*b / 2).max(1);
        }
        Ok(None)
    }

    /// What the round's streams do not bear out: where a queue-day the roster met clearly
    /// before the give-back (on the plan's streams) misses on them, the steps of the last
    /// round that took any on that date or the day before (deferred work carries over) are
    /// undone, are not tried again, and their date is tried a step at a time.
    fn put_back(
        &self,
        original: &State,
        state: &State,
        report: &mut GiveBackReport,
        memory: &mut Memory,
    ) -> Vec<GivenShift> {
        let missed: BTreeSet<NaiveDate> = state
            .verdicts
            .iter()
            .filter(|(key, v)| {
                !v.met && original.verdicts.get(*key).is_some_and(|o| o.met && !o.too_close())
            })
            .map(|((d, _), _)| *d)
            .collect();
        let mut last: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for g in &report.given {
            let d = g.row.date;
            if missed.contains(&d) || missed.contains(&(d + Duration::days(1))) {
                let r = last.entry(d).or_default();
                *r = (*r).max(g.round);
            }
        }
        let (back, still): (Vec<GivenShift>, Vec<GivenShift>) = std::mem::take(&mut report.given)
            .into_iter()
            .partition(|g| last.get(&g.row.date) == Some(&g.round));
        report.given = still;
        report.put_back += back.len();
        for g in &back {
            memory.banned.insert(step_key(&g.row, &g.shorter));
            memory.batch.insert(g.row.date, 1);
        }
        back
    }

    fn state(&self, rows: Vec<RosterRow>, simulation: SimulationResult) -> State {
        let verdicts = self.by_queue_day(&simulation);
        State { rows, simulation, verdicts }
    }

    fn by_queue_day(
        &self,
        simulation: &SimulationResult,
    ) -> BTreeMap<(NaiveDate, String), Verdict> {
        verify::verdicts(simulation, self.site)
            .into_iter()
            .map(|v| ((v.date, v.queue.clone()), v))
            .collect()
    }

    /// Per date, the steps to try this round: the best-ranked of distinct agents, each
    /// agent's weekly minimum kept over all of them.
    fn batches(&self, state: &State, memory: &Memory) -> BTreeMap<NaiveDate, Vec<Step>> {
        let mut spare = self.spare_minutes(&state.rows);
        let mut by_date: BTreeMap<NaiveDate, Vec<Candidate>> = BTreeMap::new();
        let simulated = verify::Shortfall::of(&state.simulation, self.site);
        let step = Duration::minutes(i64::from(self.site.grid.interval_minutes));
        for (index, row) in state.rows.iter().enumerate() {
            let queues = self.served(row);
            let clear = queues.iter().all(|q| {
                state.verdicts.get(&(row.date, q.clone())).is_none_or(|v| v.met && !v.too_close())
            });
            if !clear || queues.is_empty() {
                continue;
            }
            let on = verify::on_phone_starts(row.shift_start, row.shift_end, &row.breaks, step);
            let shorter = self.shorter(row).into_iter().map(Some);
            for shorter in std::iter::once(None).chain(shorter) {
                if memory.banned.contains(&step_key(row, &shorter)) {
                    continue;
                }
                let kept: Vec<Stamp> = shorter.as_ref().map_or_else(Vec::new, |s| {
                    verify::on_phone_starts(s.shift_start, s.shift_end, &s.breaks, step)
                });
                let gone: Vec<Stamp> = on.iter().copied().filter(|t| !kept.contains(t)).collect();
                let slack = slack(&gone, &queues, &simulated, self.site);
                let minutes = row.paid_minutes - shorter.as_ref().map_or(0, |s| s.paid_minutes);
                let step = Step { index, shorter };
                by_date.entry(row.date).or_default().push(Candidate { step, slack, minutes });
            }
        }
        let mut out = BTreeMap::new();
        for (date, mut candidates) in by_date {
            candidates.sort_by(|a, b| {
                let (ra, rb) = (&state.rows[a.step.index], &state.rows[b.step.index]);
                let start = |c: &Candidate| c.step.shorter.as_ref().map(|s| s.shift_start);
                b.slack
                    .total_cmp(&a.slack)
                    .then(b.minutes.cmp(&a.minutes))
                    .then(ra.agent_id.cmp(&rb.agent_id))
                    .then(start(a).cmp(&start(b)))
            });
            let most = memory.batch.get(&date).copied().unwrap_or(FIRST_BATCH);
            let mut taken: Vec<Step> = Vec::new();
            let mut agents: BTreeSet<&str> = BTreeSet::new();
            for c in candidates {
                let row = &state.rows[c.step.index];
                let week = self.week_of(row.date);
                let Some(left) = spare.get_mut(&(row.agent_id.clone(), week)) else { continue };
                if *left < i64::from(c.minutes) || !agents.insert(row.agent_id.as_str()) {
                    continue;
                }
                *left -= i64::from(c.minutes);
                taken.push(c.step);
                if taken.len() >= most {
                    break;
                }
            }
            if !taken.is_empty() {
                out.insert(date, taken);
            }
        }
        out
    }

    /// The shorter shifts `row`'s agent could work instead: every template of the row's weekday
    /// that starts on the interval grid within the row's hours and ends within them, with fewer
    /// paid minutes, its breaks placed by the break rules ([`breaks_for`]).
    fn shorter(&self, row: &RosterRow) -> Vec<RosterRow> {
        let weekday = row.date.weekday().num_days_from_monday() as usize;
        let step = Duration::minutes(i64::from(self.site.grid.interval_minutes));
        let mut out = Vec::new();
        for t in self.templates.iter().filter(|t| t.weekdays[weekday]) {
            let length = Duration::minutes(i64::from(t.length_minutes));
            let mut start = row.shift_start;
            while start + length <= row.shift_end {
                let clock = start.time();
                if clock.hour() * 60 + clock.minute() == t.start_minute {
                    let Some((breaks, paid_minutes)) =
                        breaks_for(self.breaks, start, t.length_minutes, step)
                    else {
                        break;
                    };
                    if paid_minutes < row.paid_minutes {
                        out.push(RosterRow {
                            shift_start: start,
                            shift_end: start + length,
                            paid_minutes,
                            breaks,
                            ..row.clone()
                        });
                    }
                }
                start += step;
            }
        }
        out
    }

    /// Minutes each agent works above its weekly minimum, per planning week.
    fn spare_minutes(&self, rows: &[RosterRow]) -> BTreeMap<(String, i64), i64> {
        let mut worked: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for r in rows {
            *worked.entry((r.agent_id.clone(), self.week_of(r.date))).or_default() +=
                i64::from(r.paid_minutes);
        }
        let agents: BTreeMap<&str, &Agent> =
            self.agents.iter().map(|a| (a.agent_id.as_str(), a)).collect();
        worked
            .into_iter()
            .filter_map(|((id, week), minutes)| {
                let agent = agents.get(id.as_str())?;
                let first = self.first_date + Duration::days(7 * week);
                let min = crate::roster::min_minutes_in_week(agent, first, self.rules);
                Some(((id, week), minutes - i64::from(min)))
            })
            .collect()
    }

    fn week_of(&self, date: NaiveDate) -> i64 {
        (date - self.first_date).num_days().div_euclid(7)
    }

    /// The queues the row's agent answers that day: those of its skills under skills routing
    /// (an agent unknown to agents.csv, or roster-queue routing: its row's queue's skill).
    fn served(&self, row: &RosterRow) -> Vec<String> {
        let own = self.site.queue(&row.queue).map_or(row.queue.as_str(), |q| q.skill());
        let agent = self.agents.iter().find(|a| a.agent_id == row.agent_id);
        let skills: Vec<&str> = match (self.routing, agent) {
            (Routing::Skills, Some(a)) => a.skills.iter().map(String::as_str).collect(),
            _ => vec![own],
        };
        self.site
            .queues
            .iter()
            .filter(|q| skills.iter().any(|s| self.site.skill_serves(s, &q.name)))
            .map(|q| q.name.clone())
            .collect()
    }
}

/// The breaks of a shift of `length` minutes from `start` under `rules`, and its paid minutes:
/// each rule that applies to the length, in the order of its window, starts at the middle of
/// its window (on the interval grid), or later if the break before it is not over, within the
/// window. `None` when a break finds no room.
pub fn breaks_for(
    rules: &[BreakRuleConfig],
    start: Stamp,
    length: u32,
    step: Duration,
) -> Option<(Vec<(Stamp, Stamp)>, u32)> {
    let grid = step.num_minutes().max(1);
    let mut windows: Vec<(i64, i64, &BreakRuleConfig)> =
        rules.iter().filter_map(|r| r.window_for(length).map(|(a, b)| (a, b, r))).collect();
    windows.sort_by_key(|&(a, b, _)| (a, b));
    let (mut breaks, mut unpaid, mut free) = (Vec::new(), 0u32, 0i64);
    for (a, b, rule) in windows {
        let at = (((a + b) / 2).max(free) + grid - 1).div_euclid(grid) * grid;
        let end = at + i64::from(rule.length_minutes);
        if at > b || at < a || end > i64::from(length) {
            return None;
        }
        breaks.push((start + Duration::minutes(at), start + Duration::minutes(end)));
        free = end;
        if !rule.paid {
            unpaid += rule.length_minutes;
        }
    }
    Some((breaks, length.checked_sub(unpaid)?))
}

fn step_key(row: &RosterRow, shorter: &Option<RosterRow>) -> StepKey {
    let hours = shorter.as_ref().map(|s| (s.shift_start, s.shift_end));
    (row.agent_id.clone(), row.date, hours)
}

/// `rows` with each step taken: its row gone, or shortened.
fn apply(rows: &[RosterRow], steps: &[Step]) -> Vec<RosterRow> {
    let by_index: BTreeMap<usize, &Option<RosterRow>> =
        steps.iter().map(|s| (s.index, &s.shorter)).collect();
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| match by_index.get(&i) {
            None => Some(r.clone()),
            Some(shorter) => (*shorter).clone(),
        })
        .collect()
}

/// `rows` with steps undone: each shorter shift (if any) out, the shift as rostered back, in
/// the roster's order (by agent, then date).
fn restore(rows: &mut Vec<RosterRow>, given: &[GivenShift]) {
    for g in given {
        if let Some(i) = g.shorter.as_ref().and_then(|s| rows.iter().position(|r| r == s)) {
            rows.remove(i);
        }
        rows.push(g.row.clone());
    }
    rows.sort_by(|a, b| (&a.agent_id, a.date).cmp(&(&b.agent_id, b.date)));
}

/// The bar a queue-day that cleared it before a step must still clear after it.
#[derive(Debug, Clone, Copy)]
enum Bar {
    /// Met: the check after the rounds (the plan's targets kept, not the rounds' margins).
    Met,
    /// Met and not too close to call: the rounds' steps.
    Clear,
}

impl Bar {
    fn cleared(self, v: &Verdict) -> bool {
        match self {
            Bar::Met => v.met,
            Bar::Clear => v.met && !v.too_close(),
        }
    }
}

/// Whether every queue-day of `date` that cleared `bar` `before` still does `after`, and every
/// other one is no worse ([`no_worse`]). A date without verdicts holds.
fn holds(
    before: &BTreeMap<(NaiveDate, String), Verdict>,
    after: &BTreeMap<(NaiveDate, String), Verdict>,
    date: NaiveDate,
    bar: Bar,
) -> bool {
    before.iter().filter(|((d, _), _)| *d == date).all(|(key, v)| {
        let Some(a) = after.get(key) else { return false };
        if bar.cleared(v) {
            bar.cleared(a)
        } else {
            no_worse(v, a)
        }
    })
}

/// Whether `after`'s service level's lower limit is no lower than `before`'s and its
/// abandonment no higher.
fn no_worse(before: &Verdict, after: &Verdict) -> bool {
    let abandon = |x: &Verdict| x.abandon_rate.as_ref().map(|e| e.mean);
    let sl_held = match (before.margin(), after.margin()) {
        (Some(b), Some(n)) => n >= b - 1e-12,
        _ => true,
    };
    let abandon_held = match (abandon(before), abandon(after)) {
        (Some(b), Some(n)) => n <= b + 1e-12,
        _ => true,
    };
    sl_held && abandon_held
}

/// Over the intervals `gone`, the mean of the lowest simulated service level less target among
/// `queues` (1 when no interval has contacts of theirs: the step takes from no one).
fn slack(gone: &[Stamp], queues: &[String], simulated: &verify::Shortfall, site: &Site) -> f64 {
    let targets: Vec<(&str, f64)> = queues
        .iter()
        .filter_map(|q| Some((q.as_str(), site.queue(q).and_then(verify::service_level_target)?)))
        .collect();
    let (mut sum, mut n) = (0.0, 0u32);
    for &t in gone {
        let low = targets
            .iter()
            .filter_map(|(q, target)| Some(simulated.service_level_at(q, t)? - target))
            .reduce(f64::min);
        if let Some(low) = low {
            sum += low;
            n += 1;
        }
    }
    if n == 0 {
        1.0
    } else {
        sum / f64::from(n)
    }
}
