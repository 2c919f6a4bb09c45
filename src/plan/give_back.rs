//! Giving back rostered shifts the simulation shows are not needed (`plan --give-back`).
//!
//! The loop ([`super::verify::repair`]) changes the schedule's seats and rosters them again, so
//! a seat it takes off is refilled from the seats the workforce could not staff, and the paid
//! hours hardly move (on the sample week the roster fills 572 of the 578 agent-days its agents
//! can give, and leaves 84 seats empty). The give-back works on the roster instead: it takes
//! whole rostered shifts off their agents, and the simulation of the very roster that remains
//! judges each step, with the same random streams (common random numbers: the same contacts,
//! the same absent agent-days), so a step's effect is not lost in a new draw.
//!
//! A shift may go when
//! - its agent stays at or above the contract's weekly minimum
//!   ([`crate::roster::min_minutes_in_week`]; the other hard rules only loosen), and
//! - every queue the agent serves that day (its skills under skills routing, else its roster
//!   row's queue) is met and not too close to call ([`Verdict::too_close`]).
//!
//! Shifts are ranked by the slack of what they cover: over their on-phone intervals, the mean
//! of the lowest simulated service level, less target, among the queues the agent serves. Each
//! round takes, per date, the best-ranked shifts of distinct agents (at most [`FIRST_BATCH`],
//! fewer after a failed round on that date) and simulates them all at once. The site's days
//! share only deferred work left waiting overnight, so a date's shifts are kept when, on that
//! date and the next, every queue-day met clearly (met, not too close to call) still is, and
//! every other one is no worse. When some dates fail, the others' shifts are simulated again
//! without them and kept only if every date still holds. A date's batch that fails is halved; a
//! single shift that fails is not tried again. The rounds end after [`MAX_ROUNDS`], or after
//! [`STALL_ROUNDS`] in a row that keep nothing.
//!
//! Every judgement is at [`super::pipeline::SETTLE_FACTOR`] times the plan's replications (the
//! count the plan settles close verdicts with). Even so, the steps are chosen on one set of
//! streams, and where those were kind to a date the steps add up to more than the date can
//! give; so the shifts given back are checked again on independent streams
//! ([`GiveBack::validate`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};

use super::verify::{self, Verdict};
use crate::io::agents::Agent;
use crate::io::roster::RosterRow;
use crate::roster::RosterConfig;
use crate::simulate::{Routing, SimulationResult};
use crate::site::Site;

/// Shifts tried per date in a round at first.
pub const FIRST_BATCH: usize = 6;
/// Most rounds.
pub const MAX_ROUNDS: u32 = 16;
/// Rounds in a row that keep nothing end the give-back.
pub const STALL_ROUNDS: u32 = 4;
/// Most checks on independent streams ([`GiveBack::validate`]).
pub const VALIDATION_ROUNDS: u32 = 3;

/// Simulations of a roster: on the plan's streams (the ones the plan reports), and on
/// streams independent of those, with as many replications.
pub struct Simulator<'a, E> {
    pub plan: &'a dyn Fn(&[RosterRow]) -> Result<SimulationResult, E>,
    pub independent: &'a dyn Fn(&[RosterRow]) -> Result<SimulationResult, E>,
}

/// What the give-back needs besides the roster and its simulation.
pub struct GiveBack<'a> {
    pub site: &'a Site,
    pub agents: &'a [Agent],
    pub rules: &'a RosterConfig,
    pub routing: Routing,
    /// First day of the first planning week: weekly minimums count from it.
    pub first_date: NaiveDate,
}

/// One shift given back.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenShift {
    pub round: u32,
    pub row: RosterRow,
}

/// The give-back's account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GiveBackReport {
    pub rounds: u32,
    pub simulations: u32,
    pub given: Vec<GivenShift>,
    /// Shifts the rounds gave back that the check on independent streams put back.
    pub put_back: usize,
}

impl GiveBackReport {
    /// Paid hours of the shifts given back (0.0, not -0.0, when none is: a float sum of
    /// nothing is -0.0, which a note would print as "-0.0 paid hours").
    pub fn paid_hours(&self) -> f64 {
        self.given.iter().fold(0.0, |hours, g| hours + f64::from(g.row.paid_minutes) / 60.0)
    }
}

/// The roster after the give-back, its simulation and the account.
pub struct GaveBack {
    pub rows: Vec<RosterRow>,
    pub simulation: SimulationResult,
    pub report: GiveBackReport,
}

/// A shift that may go, with its rank.
struct Candidate {
    index: usize,
    slack: f64,
}

/// The current roster and what its simulation says.
struct State {
    rows: Vec<RosterRow>,
    simulation: SimulationResult,
    verdicts: BTreeMap<(NaiveDate, String), Verdict>,
}

impl<'a> GiveBack<'a> {
    /// Give back shifts of `rows` (simulated as `simulation`); `simulate` simulates a roster with
    /// the streams of `simulation`.
    pub fn run<E>(
        &self,
        rows: Vec<RosterRow>,
        simulation: SimulationResult,
        simulate: &Simulator<'_, E>,
    ) -> Result<GaveBack, E> {
        let original = self.state(rows.clone(), simulation.clone());
        let gave = self.rounds(rows, simulation, &simulate.plan)?;
        self.validate(original, gave, simulate)
    }

    /// The shifts given back judged again on independent streams: every greedy step kept
    /// what the plan's own streams allowed, and where those streams were kind to a date the
    /// steps add up to more than the date can give (on the sample week, voice on one Tuesday
    /// went from 2.4% abandoned to 3.2% on the plan's streams and 3.6% on 600 others). A date
    /// that does not hold on the independent streams against the roster before the give-back
    /// gets its shifts back, and so does the date before it (deferred work carries over),
    /// until every date holds (at most [`VALIDATION_ROUNDS`] times; then none is given back).
    fn validate<E>(
        &self,
        original: State,
        mut gave: GaveBack,
        simulate: &Simulator<'_, E>,
    ) -> Result<GaveBack, E> {
        if gave.report.given.is_empty() {
            return Ok(gave);
        }
        let reference = self.by_queue_day(&(simulate.independent)(&original.rows)?);
        gave.report.simulations += 1;
        for _ in 0..VALIDATION_ROUNDS {
            let check = self.by_queue_day(&(simulate.independent)(&gave.rows)?);
            gave.report.simulations += 1;
            let dates: BTreeSet<NaiveDate> = reference.keys().map(|(d, _)| *d).collect();
            let failed: BTreeSet<NaiveDate> =
                dates.into_iter().filter(|d| !holds(&reference, &check, *d)).collect();
            if failed.is_empty() {
                return Ok(gave);
            }
            let back =
                |d: NaiveDate| failed.contains(&d) || failed.contains(&(d + Duration::days(1)));
            let (put_back, still): (Vec<GivenShift>, Vec<GivenShift>) =
                gave.report.given.into_iter().partition(|g| back(g.row.date));
            gave.report.given = still;
            gave.report.put_back += put_back.len();
            if gave.report.given.is_empty() {
                break;
            }
            gave.rows.extend(put_back.into_iter().map(|g| g.row));
            gave.rows.sort_by(|a, b| (&a.agent_id, a.date).cmp(&(&b.agent_id, b.date)));
            gave.simulation = (simulate.plan)(&gave.rows)?;
            gave.report.simulations += 1;
        }
        // Nothing holds: the roster as it was, with its own simulation.
        gave.report.put_back += gave.report.given.len();
        gave.report.given.clear();
        gave.rows = original.rows;
        gave.simulation = original.simulation;
        Ok(gave)
    }

    /// The greedy rounds on the plan's own streams.
    fn rounds<E>(
        &self,
        rows: Vec<RosterRow>,
        simulation: SimulationResult,
        simulate: &dyn Fn(&[RosterRow]) -> Result<SimulationResult, E>,
    ) -> Result<GaveBack, E> {
        let mut state = self.state(rows, simulation);
        let mut report = GiveBackReport::default();
        let mut batch: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut banned: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
        let mut idle = 0;
        for round in 1..=MAX_ROUNDS {
            let batches = self.batches(&state, &batch, &banned);
            if batches.is_empty() || idle >= STALL_ROUNDS {
                break;
            }
            idle += 1;
            report.rounds = round;
            let all: BTreeSet<usize> = batches.values().flatten().copied().collect();
            let trial = without(&state.rows, &all);
            let simulated = simulate(&trial)?;
            report.simulations += 1;
            let after = self.by_queue_day(&simulated);
            let kept: BTreeMap<NaiveDate, &Vec<usize>> = batches
                .iter()
                .filter(|(d, _)| {
                    holds(&state.verdicts, &after, **d)
                        && holds(&state.verdicts, &after, **d + Duration::days(1))
                })
                .map(|(d, b)| (*d, b))
                .collect();
            for (date, b) in batches.iter().filter(|(d, _)| !kept.contains_key(*d)) {
                if let [only] = b.as_slice() {
                    banned.insert((state.rows[*only].agent_id.clone(), *date));
                }
                batch.insert(*date, (b.len() / 2).max(1));
            }
            if kept.is_empty() {
                continue;
            }
            let given: BTreeSet<usize> = kept.values().copied().flatten().copied().collect();
            let every: BTreeSet<NaiveDate> = state.verdicts.keys().map(|(d, _)| *d).collect();
            let next = if given.len() == all.len()
                && every.iter().all(|d| holds(&state.verdicts, &after, *d))
            {
                self.state(trial, simulated)
            } else {
                let rows = without(&state.rows, &given);
                let simulated = simulate(&rows)?;
                report.simulations += 1;
                let confirmed = self.state(rows, simulated);
                if !every.iter().all(|d| holds(&state.verdicts, &confirmed.verdicts, *d)) {
                    for date in kept.keys() {
                        let b = batch.entry(*date).or_insert(FIRST_BATCH);
                        *b = (*b / 2).max(1);
                    }
                    continue;
                }
                confirmed
            };
            for &i in &given {
                report.given.push(GivenShift { round, row: state.rows[i].clone() });
            }
            state = next;
            idle = 0;
        }
        Ok(GaveBack { rows: state.rows, simulation: state.simulation, report })
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

    /// Per date, the shifts to try this round: the best-ranked of distinct agents, each
    /// agent's weekly minimum kept over all of them.
    fn batches(
        &self,
        state: &State,
        batch: &BTreeMap<NaiveDate, usize>,
        banned: &BTreeSet<(String, NaiveDate)>,
    ) -> BTreeMap<NaiveDate, Vec<usize>> {
        let mut spare = self.spare_minutes(&state.rows);
        let mut by_date: BTreeMap<NaiveDate, Vec<Candidate>> = BTreeMap::new();
        let simulated = verify::Shortfall::of(&state.simulation, self.site);
        for (index, row) in state.rows.iter().enumerate() {
            if banned.contains(&(row.agent_id.clone(), row.date)) {
                continue;
            }
            let queues = self.served(row);
            let clear = queues.iter().all(|q| {
                state.verdicts.get(&(row.date, q.clone())).is_none_or(|v| v.met && !v.too_close())
            });
            if clear && !queues.is_empty() {
                let slack = shift_slack(row, &queues, &simulated, self.site);
                by_date.entry(row.date).or_default().push(Candidate { index, slack });
            }
        }
        let mut out = BTreeMap::new();
        for (date, mut candidates) in by_date {
            candidates.sort_by(|a, b| {
                let (ra, rb) = (&state.rows[a.index], &state.rows[b.index]);
                b.slack
                    .total_cmp(&a.slack)
                    .then(rb.paid_minutes.cmp(&ra.paid_minutes))
                    .then(ra.agent_id.cmp(&rb.agent_id))
            });
            let most = batch.get(&date).copied().unwrap_or(FIRST_BATCH);
            let mut taken: Vec<usize> = Vec::new();
            for c in candidates {
                let row = &state.rows[c.index];
                let week = self.week_of(row.date);
                let Some(left) = spare.get_mut(&(row.agent_id.clone(), week)) else { continue };
                if *left < i64::from(row.paid_minutes) {
                    continue;
                }
                *left -= i64::from(row.paid_minutes);
                taken.push(c.index);
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

/// Whether every queue-day of `date` met clearly `before` (met, not too close to call) is so
/// `after`, and every other one (missed, or too close to call) is no worse: its service level's
/// lower limit no lower, its abandonment no higher. A date without verdicts holds.
fn holds(
    before: &BTreeMap<(NaiveDate, String), Verdict>,
    after: &BTreeMap<(NaiveDate, String), Verdict>,
    date: NaiveDate,
) -> bool {
    before.iter().filter(|((d, _), _)| *d == date).all(|(key, v)| {
        let Some(a) = after.get(key) else { return false };
        if v.met && !v.too_close() {
            return a.met && !a.too_close();
        }
        let abandon = |x: &Verdict| x.abandon_rate.as_ref().map(|e| e.mean);
        let sl_held = match (v.margin(), a.margin()) {
            (Some(b), Some(n)) => n >= b - 1e-12,
            _ => true,
        };
        let abandon_held = match (abandon(v), abandon(a)) {
            (Some(b), Some(n)) => n <= b + 1e-12,
            _ => true,
        };
        sl_held && abandon_held
    })
}

fn without(rows: &[RosterRow], gone: &BTreeSet<usize>) -> Vec<RosterRow> {
    rows.iter().enumerate().filter(|(i, _)| !gone.contains(i)).map(|(_, r)| r.clone()).collect()
}

/// Over the row's on-phone intervals, the mean of the lowest simulated service level less
/// target among `queues` (1 when no interval has contacts of theirs: the shift serves no one).
fn shift_slack(
    row: &RosterRow,
    queues: &[String],
    simulated: &verify::Shortfall,
    site: &Site,
) -> f64 {
    let targets: Vec<(&str, f64)> = queues
        .iter()
        .filter_map(|q| Some((q.as_str(), site.queue(q).and_then(verify::service_level_target)?)))
        .collect();
    let step = Duration::minutes(i64::from(site.grid.interval_minutes));
    let (mut sum, mut n) = (0.0, 0u32);
    for t in verify::on_phone_starts(row.shift_start, row.shift_end, &row.breaks, step) {
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
