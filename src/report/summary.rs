//! summary.json: the key figures of a plan, one block per stage, each computed from the same
//! records that are written to the stage's CSV — so every figure equals a sum over that file
//! (the end-to-end test recomputes them from the files).
//!
//! Conventions: hours are paid or on-phone hours as named; an *agent-interval* is one agent for
//! one interval; FTE is hours divided by `fte_hours_week` per planning week; service levels and
//! abandonment are fractions 0..1, averaged over contacts (an interval with many contacts weighs
//! more than a quiet one), which is how a centre's daily service level is reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::io::coverage::CoverageRow;
use crate::io::forecast::ForecastRow;
use crate::io::requirements::RequirementRow;
use crate::io::roster::RosterRow;
use crate::io::shifts::ShiftRow;
use crate::time::Stamp;

/// Paid hours per week counted as one full-time equivalent.
pub const FTE_HOURS_WEEK: f64 = 40.0;

/// The whole summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub site: String,
    pub time_zone: String,
    pub interval_minutes: u32,
    /// First planned day (`YYYY-MM-DD`).
    pub start: String,
    pub days: u32,
    pub seed: u64,
    pub fte_hours_week: f64,
    pub inputs: SummaryInputs,
    pub queues: Vec<QueueTarget>,
    pub forecast: ForecastFigures,
    pub staffing: StaffingFigures,
    pub schedule: Option<ScheduleFigures>,
    pub roster: Option<RosterFigures>,
    pub simulation: Option<SimulationFigures>,
    /// The simulation loop of `plan` (absent when it did not run).
    #[serde(default, rename = "loop", skip_serializing_if = "Option::is_none")]
    pub repair: Option<LoopFigures>,
    /// Warnings and remarks of the stages (fallbacks, unfilled seats, infeasible rules).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The input files the plan read (as resolved from the config).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryInputs {
    pub config: Option<String>,
    pub history: Option<String>,
    pub events: Option<String>,
    pub agents: Option<String>,
}

/// A queue and its service target, for the report's reference lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueTarget {
    pub name: String,
    pub channel: String,
    pub service_level_target: Option<f64>,
    pub target_answer_seconds: Option<f64>,
    pub max_abandon_rate: Option<f64>,
    /// Deferred work (email, social): answered within this many minutes.
    #[serde(default)]
    pub deadline_minutes: Option<f64>,
}

impl QueueTarget {
    /// Deferred work (email, social): judged by the share answered within the deadline.
    pub fn is_deferred(&self) -> bool {
        self.deadline_minutes.is_some()
            || (self.service_level_target.is_none()
                && matches!(self.channel.as_str(), "email" | "social"))
    }

    /// The service level a simulated day is judged against: the queue's target, else all of a
    /// deferred queue's contacts within the deadline.
    pub fn judged_target(&self) -> Option<f64> {
        match self.service_level_target {
            Some(t) => Some(t),
            None if self.is_deferred() => Some(1.0),
            None => None,
        }
    }

    /// Whether a simulated day met this queue's targets ([`crate::simulate::meets_target`]);
    /// `None` when there is nothing to judge.
    pub fn day_met(&self, day: &SimulatedDay) -> Option<bool> {
        let cap = if self.is_deferred() { None } else { self.max_abandon_rate };
        crate::simulate::meets_target(
            self.judged_target(),
            day.service_level_ci_low.or(day.service_level),
            cap,
            day.abandon_rate,
        )
    }

    /// Why a simulated day's verdict is too close to call with the replications run: the 95%
    /// interval of the figure it is judged on holds the line. The service level is judged on
    /// its lower limit, so a day missed on it whose upper limit reaches `target −
    /// TARGET_TOLERANCE` may be met; abandonment is judged on its mean, so a day whose interval
    /// holds the cap may fall either side. More replications narrow the interval; the verdict
    /// stays the rule's ([`QueueTarget::day_met`]). `None` when every judged figure is clear.
    pub fn close_call(&self, day: &SimulatedDay) -> Option<String> {
        use crate::simulate::{too_close_to_call, TARGET_TOLERANCE};
        let target = self.judged_target();
        let cap = if self.is_deferred() { None } else { self.max_abandon_rate };
        let sl_interval = day.service_level_ci_low.zip(day.service_level_ci_high);
        let abandon_interval = day.abandon_rate_ci_low.zip(day.abandon_rate_ci_high);
        if !too_close_to_call(target, sl_interval, cap, abandon_interval) {
            return None;
        }
        // The figures whose interval holds the line.
        let mut why = Vec::new();
        if let (Some(t), Some(mean), Some((low, high))) = (target, day.service_level, sl_interval) {
            if too_close_to_call(target, Some((low, high)), None, None) {
                let line = t - TARGET_TOLERANCE;
                why.push(format!(
                    "service level {mean:.3} (95% interval {low:.3}–{high:.3}) against the line {line:.3}"
                ));
            }
        }
        if let (Some(cap), Some(mean), Some((low, high))) =
            (cap, day.abandon_rate, abandon_interval)
        {
            if too_close_to_call(None, None, Some(cap), Some((low, high))) {
                why.push(format!(
                    "abandonment {:.2}% (95% interval {:.2}–{:.2}%) against the cap {:.1}%",
                    100.0 * mean,
                    100.0 * low,
                    100.0 * high,
                    100.0 * cap
                ));
            }
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// The targets of a `[[queues]]` entry.
    pub fn of(q: &crate::site::QueueConfig) -> QueueTarget {
        QueueTarget {
            name: q.name.clone(),
            channel: q.channel.as_str().into(),
            service_level_target: q.service_level,
            target_answer_seconds: q.target_answer_seconds,
            max_abandon_rate: q.max_abandon_rate,
            deadline_minutes: q.deadline_minutes,
        }
    }
}

/// forecast.csv sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastFigures {
    /// Σ contacts.
    pub contacts: f64,
    pub contacts_p10: f64,
    pub contacts_p90: f64,
    /// Σ contacts × aht_seconds / 3600.
    pub workload_hours: f64,
    pub contacts_per_queue: BTreeMap<String, f64>,
    /// Backtest accuracy of the chosen model, when the forecast stage reported it.
    pub accuracy: Option<ForecastAccuracy>,
}

/// Accuracy of the forecast method on past data: a rolling-origin backtest over the last
/// weeks of the history, one week ahead per fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastAccuracy {
    /// The forecast method scored (`auto`: the per-queue choice the forecast itself makes).
    pub method: String,
    pub folds: u32,
    pub horizon_days: u32,
    /// First forecast origin (`YYYY-MM-DD`).
    pub first_origin: String,
    /// Weighted absolute percentage error over all queues, Σ|actual − forecast| / Σ actual.
    pub wape: f64,
    /// Fraction of actuals inside P10–P90 over all queues (0.8 when calibrated).
    pub p10_p90_coverage: Option<f64>,
    /// The WAPE a perfect forecast of the Poisson mean would still have over the same
    /// intervals: the part of the error no forecast can remove.
    pub noise_floor_wape: Option<f64>,
    pub queues: Vec<QueueAccuracy>,
}

/// Backtest accuracy of one queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueAccuracy {
    pub queue: String,
    pub wape: f64,
    pub p10_p90_coverage: f64,
    /// The WAPE a perfect forecast of the Poisson mean would still have (the noise floor).
    pub noise_floor_wape: f64,
}

/// requirements.csv sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffingFigures {
    /// Σ agents_net × interval hours: on-phone hours needed.
    pub required_agent_hours: f64,
    /// Σ agents_gross × interval hours: paid hours needed after shrinkage.
    pub required_gross_agent_hours: f64,
    /// required_gross_agent_hours / (fte_hours_week × weeks).
    pub required_fte: f64,
    /// Largest agents_gross of any interval and queue.
    pub peak_agents_gross: u32,
}

/// shifts.csv and coverage.csv sums, plus the solver's status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleFigures {
    /// Rows of shifts.csv.
    pub shifts: u64,
    /// Σ paid_minutes / 60 over shifts.csv.
    pub paid_hours: f64,
    pub fte: f64,
    /// Σ required × interval hours over coverage.csv.
    pub required_agent_hours: f64,
    /// Σ scheduled × interval hours over coverage.csv.
    pub scheduled_agent_hours: f64,
    /// Σ max(0, −difference) over coverage.csv.
    pub understaffed_agent_intervals: u64,
    /// Σ max(0, difference) over coverage.csv.
    pub overstaffed_agent_intervals: u64,
    /// Contact-weighted mean of coverage.csv's service_level (weights: forecast contacts), over
    /// queues with a service-level target.
    pub projected_service_level: Option<f64>,
    /// Solver outcome as the schedule stage reports it (`optimal`, `time_limit`...).
    pub status: Option<String>,
    pub gap: Option<f64>,
}

/// roster.csv sums, plus what the rostering stage reports about shifts it could not fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterFigures {
    /// Distinct agent_id in roster.csv.
    pub agents: u64,
    /// Rows of roster.csv.
    pub agent_days: u64,
    /// Σ paid_minutes / 60 over roster.csv.
    pub paid_hours: f64,
    pub fte: f64,
    /// Σ paid hours × the agent's hourly_cost (agents.csv); agents without a cost add nothing
    /// and are counted in `agents_without_cost`.
    pub cost: f64,
    pub agents_without_cost: u64,
    /// Shifts of shifts.csv that no roster row works.
    pub unfilled_shifts: u64,
    /// Σ over intervals and queues of (scheduled − rostered agents on the phone), when positive.
    pub unmet_agent_intervals: u64,
    pub hard_rule_violations: Option<u64>,
    /// Hard-rule violations per rule, as the rostering stage's check reports them.
    #[serde(default)]
    pub violations_by_rule: BTreeMap<String, u64>,
    /// Seats the rostering stage could not fill, grouped by queue, date and time span, with
    /// its reason; `Σ short` equals `unfilled_shifts`.
    #[serde(default)]
    pub unmet: Vec<UnmetSeats>,
    /// Currency of `cost` (plan.toml `[site] currency`), when named.
    #[serde(default)]
    pub currency: Option<String>,
    /// Paid hours and cost per queue and date (the queue each roster row works); their sums
    /// are `paid_hours` and `cost`.
    #[serde(default)]
    pub per_queue_day: Vec<QueueDayPaid>,
    /// At least how many agents to add, each working at most `days_per_agent` days a week,
    /// before every seat could be filled, when the schedule asks for more seats than the agents
    /// can take (the rostering stage's counting bound).
    #[serde(default)]
    pub agents_short: Option<AgentsShort>,
}

/// The hiring or cross-skilling a schedule asks for at the least: the largest figure over the
/// planning weeks and sets of queues whose seats outnumber what their agents can take. Added
/// agents working at most `days_per_agent` days a week must meet every such set's figure, so
/// the largest is a lower bound on them all; agents working more days could be fewer. The
/// bound ignores rest and weekly hours: more can be needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsShort {
    pub at_least: u64,
    /// The set of queues: each added agent has the skill of one of them.
    pub queues: Vec<String>,
    /// `YYYY-MM-DD`: the first date with a seat of the set in its planning week.
    pub week_start: String,
    /// Days a week each added agent is taken to work (the most any of the set's agents works).
    pub days_per_agent: u32,
}

/// Paid hours and cost of one queue on one date, summed over roster.csv.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueDayPaid {
    pub queue: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub paid_hours: f64,
    pub cost: f64,
}

/// A group of unfilled seats as the rostering stage reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmetSeats {
    pub queue: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM` local.
    pub start: String,
    pub end: String,
    pub short: u64,
    pub reason: String,
}

/// simulation.csv sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimulationFigures {
    pub offered: f64,
    pub answered: f64,
    pub abandoned: f64,
    /// Σ answered within the target / Σ offered, over queues with a target.
    pub service_level: Option<f64>,
    /// Σ abandoned / Σ offered.
    pub abandon_rate: Option<f64>,
    pub replications: Option<u32>,
    /// Per queue, the same sums and rates (the service level for queues with a target).
    #[serde(default)]
    pub queues: BTreeMap<String, QueueSimulation>,
    /// `skills` or `roster_queue`: how agents were routed.
    #[serde(default)]
    pub routing: Option<String>,
    /// Unplanned absence the simulation drew: the fraction of rostered time lost (agent-days
    /// absent and off-queue blocks together); the figures above are *with* it.
    #[serde(default)]
    pub absence: Option<f64>,
    /// Probability that a rostered agent-day is absent.
    #[serde(default)]
    pub absence_day_probability: Option<f64>,
    /// Queue-days judged against their targets (simulation_days.csv) and how many met them.
    #[serde(default)]
    pub queue_days: Option<u64>,
    #[serde(default)]
    pub queue_days_met: Option<u64>,
    /// The queue-days that missed, `queue YYYY-MM-DD`.
    #[serde(default)]
    pub queue_days_missed: Vec<String>,
    /// The queue-days whose verdict is too close to call with these replications
    /// ([`QueueTarget::close_call`]): `queue YYYY-MM-DD met|missed: why`.
    #[serde(default)]
    pub queue_days_close: Vec<String>,
}

impl SimulationFigures {
    /// Judge every simulated queue-day against its queue's targets.
    pub fn judge_days(&mut self, days: &[SimulatedDay], targets: &[QueueTarget]) {
        let (mut judged, mut met) = (0u64, 0u64);
        self.queue_days_missed.clear();
        self.queue_days_close.clear();
        for t in targets {
            for d in days.iter().filter(|d| d.queue == t.name) {
                let verdict = t.day_met(d);
                match verdict {
                    Some(true) => (judged, met) = (judged + 1, met + 1),
                    Some(false) => {
                        judged += 1;
                        self.queue_days_missed.push(format!("{} {}", d.queue, d.date));
                    }
                    None => {}
                }
                if let (Some(v), Some(why)) = (verdict, t.close_call(d)) {
                    let word = if v { "met" } else { "missed" };
                    self.queue_days_close.push(format!("{} {} {word}: {why}", d.queue, d.date));
                }
            }
        }
        (self.queue_days, self.queue_days_met) = (Some(judged), Some(met));
    }
}

/// What `plan`'s simulation loop did to the schedule (the run's account: not in any other file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopFigures {
    pub rounds: u32,
    /// Paid hours of the schedule as solved, before the loop.
    pub schedule_paid_hours: f64,
    pub added_shifts: u64,
    pub added_paid_hours: f64,
    pub removed_shifts: u64,
    pub removed_paid_hours: f64,
    /// Queue-days missed before the loop and after it.
    pub missed_before: u64,
    pub missed_after: u64,
    pub actions: Vec<LoopAction>,
    /// Why a missed queue-day could not be helped by more shifts.
    pub unrepairable: Vec<String>,
}

/// One change of the loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopAction {
    pub round: u32,
    pub date: String,
    pub queue: String,
    /// Shifts added (> 0) or removed (< 0); 0 with none shortened: the queue-day's fill
    /// priority raised.
    pub shifts: i64,
    /// Rostered shifts shortened by the give-back (their hours are in `paid_hours`).
    #[serde(default)]
    pub shortened: u32,
    pub paid_hours: f64,
    pub reason: String,
}

/// One queue's simulation.csv sums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueSimulation {
    pub offered: f64,
    pub answered: f64,
    pub abandoned: f64,
    /// Σ answered within the target / Σ offered (`None` without a target or contacts).
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
}

/// Interval length in hours.
fn interval_hours(interval_minutes: u32) -> f64 {
    f64::from(interval_minutes) / 60.0
}

/// Planning weeks in `days` (at least one, for FTE).
pub fn weeks(days: u32) -> f64 {
    (f64::from(days) / 7.0).max(1.0 / 7.0)
}

impl ForecastFigures {
    pub fn from_rows(rows: &[ForecastRow]) -> ForecastFigures {
        let mut f = ForecastFigures::default();
        for r in rows {
            f.contacts += r.contacts;
            f.contacts_p10 += r.contacts_p10;
            f.contacts_p90 += r.contacts_p90;
            f.workload_hours += r.contacts * r.aht_seconds / 3600.0;
            *f.contacts_per_queue.entry(r.queue.clone()).or_default() += r.contacts;
        }
        f
    }
}

impl StaffingFigures {
    pub fn from_rows(rows: &[RequirementRow], interval_minutes: u32, days: u32) -> StaffingFigures {
        let h = interval_hours(interval_minutes);
        let net: u64 = rows.iter().map(|r| u64::from(r.agents_net)).sum();
        let gross: u64 = rows.iter().map(|r| u64::from(r.agents_gross)).sum();
        StaffingFigures {
            required_agent_hours: net as f64 * h,
            required_gross_agent_hours: gross as f64 * h,
            required_fte: gross as f64 * h / (FTE_HOURS_WEEK * weeks(days)),
            peak_agents_gross: rows.iter().map(|r| r.agents_gross).max().unwrap_or(0),
        }
    }
}

/// Key `(interval start, queue)` used to join files.
pub type IntervalKey = (Stamp, String);

impl ScheduleFigures {
    /// Figures from shifts and coverage; `contacts` (forecast contacts per interval and queue)
    /// weights the projected service level over `targeted_queues`.
    pub fn from_rows(
        shifts: &[ShiftRow],
        coverage: &[CoverageRow],
        contacts: &BTreeMap<IntervalKey, f64>,
        targeted_queues: &[String],
        interval_minutes: u32,
        days: u32,
    ) -> ScheduleFigures {
        let h = interval_hours(interval_minutes);
        let paid_minutes: u64 = shifts.iter().map(|s| u64::from(s.paid_minutes)).sum();
        let paid_hours = paid_minutes as f64 / 60.0;
        let (mut weighted, mut weight) = (0.0, 0.0);
        // Closed intervals have no service level (an empty cell, read as NaN).
        for c in coverage
            .iter()
            .filter(|c| targeted_queues.contains(&c.queue) && c.service_level.is_finite())
        {
            let n = contacts.get(&(c.interval_start, c.queue.clone())).copied().unwrap_or(0.0);
            weighted += n * c.service_level;
            weight += n;
        }
        ScheduleFigures {
            shifts: shifts.len() as u64,
            paid_hours,
            fte: paid_hours / (FTE_HOURS_WEEK * weeks(days)),
            required_agent_hours: coverage.iter().map(|c| u64::from(c.required)).sum::<u64>()
                as f64
                * h,
            scheduled_agent_hours: coverage.iter().map(|c| u64::from(c.scheduled)).sum::<u64>()
                as f64
                * h,
            understaffed_agent_intervals: coverage
                .iter()
                .map(|c| (-c.difference).max(0) as u64)
                .sum(),
            overstaffed_agent_intervals: coverage.iter().map(|c| c.difference.max(0) as u64).sum(),
            projected_service_level: (weight > 0.0).then(|| weighted / weight),
            status: None,
            gap: None,
        }
    }
}

/// A shift's identity for matching roster rows to shifts: queue, start, end and breaks.
type ShiftKey = (String, Stamp, Stamp, Vec<(Stamp, Stamp)>);

/// Shifts of `shifts` that no roster row works, matched one to one on queue, start, end and
/// breaks (two identical shifts need two roster rows).
pub fn unfilled_shifts<'a>(shifts: &'a [ShiftRow], roster: &[RosterRow]) -> Vec<&'a ShiftRow> {
    let mut worked: BTreeMap<ShiftKey, usize> = BTreeMap::new();
    for r in roster {
        *worked
            .entry((r.queue.clone(), r.shift_start, r.shift_end, r.breaks.clone()))
            .or_default() += 1;
    }
    let mut out = Vec::new();
    for s in shifts {
        let key = (s.queue.clone(), s.shift_start, s.shift_end, s.breaks.clone());
        match worked.get_mut(&key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(s),
        }
    }
    out
}

/// Agents on the phone per interval and queue from a roster: an agent counts for the interval
/// `[t, t + interval)` when the shift covers all of it and no break overlaps it (the definition
/// of coverage.csv's `scheduled`).
pub fn rostered_on_phone(
    roster: &[RosterRow],
    interval_minutes: u32,
) -> BTreeMap<IntervalKey, u32> {
    on_phone(
        roster.iter().map(|r| (&r.queue, r.shift_start, r.shift_end, &r.breaks[..])),
        interval_minutes,
    )
}

/// Agents on the phone per interval and queue from shifts, by the same rule as
/// [`rostered_on_phone`]: what coverage.csv's `scheduled` must equal.
pub fn scheduled_on_phone(
    shifts: &[ShiftRow],
    interval_minutes: u32,
) -> BTreeMap<IntervalKey, u32> {
    on_phone(
        shifts.iter().map(|s| (&s.queue, s.shift_start, s.shift_end, &s.breaks[..])),
        interval_minutes,
    )
}

fn on_phone<'a>(
    spans: impl Iterator<Item = (&'a String, Stamp, Stamp, &'a [(Stamp, Stamp)])>,
    interval_minutes: u32,
) -> BTreeMap<IntervalKey, u32> {
    let step = chrono::Duration::minutes(i64::from(interval_minutes));
    let mut out: BTreeMap<IntervalKey, u32> = BTreeMap::new();
    for (queue, start, end, breaks) in spans {
        let mut t = align_up(start, interval_minutes);
        while t + step <= end {
            let next = t + step;
            if !breaks.iter().any(|(b0, b1)| *b0 < next && *b1 > t) {
                *out.entry((t, queue.clone())).or_default() += 1;
            }
            t = next;
        }
    }
    out
}

/// The first grid point at or after `t` (local wall clock on multiples of the interval).
fn align_up(t: Stamp, interval_minutes: u32) -> Stamp {
    let minute = crate::time::minute_of_day(&t);
    let rem = minute % interval_minutes;
    let t = t - chrono::Duration::seconds(i64::from(chrono::Timelike::second(&t)));
    if rem == 0 {
        t
    } else {
        t + chrono::Duration::minutes(i64::from(interval_minutes - rem))
    }
}

impl RosterFigures {
    pub fn from_rows(
        roster: &[RosterRow],
        shifts: &[ShiftRow],
        coverage: &[CoverageRow],
        hourly_cost: &BTreeMap<String, f64>,
        interval_minutes: u32,
        days: u32,
    ) -> RosterFigures {
        let agents: std::collections::BTreeSet<&str> =
            roster.iter().map(|r| r.agent_id.as_str()).collect();
        let paid_minutes: u64 = roster.iter().map(|r| u64::from(r.paid_minutes)).sum();
        let paid_hours = paid_minutes as f64 / 60.0;
        let mut cost = 0.0;
        let mut without = std::collections::BTreeSet::new();
        let mut per_queue_day: BTreeMap<(&str, chrono::NaiveDate), QueueDayPaid> = BTreeMap::new();
        for r in roster {
            let hours = f64::from(r.paid_minutes) / 60.0;
            let day =
                per_queue_day.entry((r.queue.as_str(), r.date)).or_insert_with(|| QueueDayPaid {
                    queue: r.queue.clone(),
                    date: r.date.format("%Y-%m-%d").to_string(),
                    ..QueueDayPaid::default()
                });
            day.paid_hours += hours;
            match hourly_cost.get(&r.agent_id) {
                Some(c) => {
                    cost += hours * c;
                    day.cost += hours * c;
                }
                None => {
                    without.insert(r.agent_id.as_str());
                }
            }
        }
        let on_phone = rostered_on_phone(roster, interval_minutes);
        let unmet = coverage
            .iter()
            .map(|c| {
                let have = on_phone.get(&(c.interval_start, c.queue.clone())).copied().unwrap_or(0);
                u64::from(c.scheduled.saturating_sub(have))
            })
            .sum();
        RosterFigures {
            agents: agents.len() as u64,
            agent_days: roster.len() as u64,
            paid_hours,
            fte: paid_hours / (FTE_HOURS_WEEK * weeks(days)),
            cost,
            agents_without_cost: without.len() as u64,
            unfilled_shifts: unfilled_shifts(shifts, roster).len() as u64,
            unmet_agent_intervals: unmet,
            hard_rule_violations: None,
            violations_by_rule: BTreeMap::new(),
            unmet: Vec::new(),
            currency: None,
            per_queue_day: per_queue_day.into_values().collect(),
            agents_short: None,
        }
    }
}

/// One queue on one local day of a simulation, from simulation_days.csv: the day's figures
/// with their 95% confidence limits over replications (`None` with one replication or when
/// undefined).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedDay {
    pub queue: String,
    pub date: chrono::NaiveDate,
    pub offered: f64,
    pub service_level: Option<f64>,
    pub service_level_ci_low: Option<f64>,
    pub service_level_ci_high: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub abandon_rate_ci_low: Option<f64>,
    pub abandon_rate_ci_high: Option<f64>,
}

/// One simulated interval of one queue, as the report needs it (the value columns of
/// simulation.csv, means over the replications).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedInterval {
    pub interval_start: Stamp,
    pub queue: String,
    pub offered: f64,
    pub answered: f64,
    pub abandoned: f64,
    /// Answered within the target time (deferred queues: the deadline) / offered; `None`
    /// when nothing was offered.
    pub service_level: Option<f64>,
    /// Mean wait of the interval's answered contacts, when simulation.csv has the column.
    pub asa_seconds: Option<f64>,
}

impl SimulationFigures {
    /// Totals of simulation.csv: sums of offered, answered and abandoned; the service level is
    /// Σ service_level × offered / Σ offered over queues with a target (the contacts answered
    /// within the target, summed, over those offered).
    pub fn from_rows(rows: &[SimulatedInterval], targeted_queues: &[String]) -> SimulationFigures {
        let mut f = SimulationFigures::default();
        let (mut within, mut targeted_offered) = (0.0, 0.0);
        // Per queue: (answered within the target, offered with a service level).
        let mut queue_within: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for r in rows {
            f.offered += r.offered;
            f.answered += r.answered;
            f.abandoned += r.abandoned;
            let q = f.queues.entry(r.queue.clone()).or_default();
            q.offered += r.offered;
            q.answered += r.answered;
            q.abandoned += r.abandoned;
            if let (true, Some(sl)) = (targeted_queues.contains(&r.queue), r.service_level) {
                within += sl * r.offered;
                targeted_offered += r.offered;
                let w = queue_within.entry(r.queue.clone()).or_default();
                w.0 += sl * r.offered;
                w.1 += r.offered;
            }
        }
        f.service_level = (targeted_offered > 0.0).then(|| within / targeted_offered);
        f.abandon_rate = (f.offered > 0.0).then(|| f.abandoned / f.offered);
        for (name, q) in f.queues.iter_mut() {
            q.abandon_rate = (q.offered > 0.0).then(|| q.abandoned / q.offered);
            q.service_level = queue_within.get(name).filter(|w| w.1 > 0.0).map(|w| w.0 / w.1);
        }
        f
    }
}

/// One what-if scenario's outcome (a row of whatif.csv), as the report's comparison shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatifScenario {
    pub name: String,
    pub contacts: f64,
    pub required_agents_peak: u32,
    pub paid_hours: f64,
    pub fte: f64,
    pub cost: Option<f64>,
    /// Simulated, all queues together; `None` when the sweep did not simulate.
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Tz;

    const TZ: Tz = chrono_tz::Europe::London;

    fn at(h: u32, m: u32) -> Stamp {
        TZ.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn roster_row(agent: &str, start: Stamp, end: Stamp, breaks: Vec<(Stamp, Stamp)>) -> RosterRow {
        RosterRow {
            agent_id: agent.into(),
            name: agent.into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            queue: "voice".into(),
            shift_start: start,
            shift_end: end,
            paid_minutes: ((end - start).num_minutes()) as u32,
            breaks,
        }
    }

    fn shift(id: &str, start: Stamp, end: Stamp, breaks: Vec<(Stamp, Stamp)>) -> ShiftRow {
        ShiftRow {
            shift_id: id.into(),
            queue: "voice".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            shift_start: start,
            shift_end: end,
            paid_minutes: ((end - start).num_minutes()) as u32,
            breaks,
            fill_priority: 0,
        }
    }

    #[test]
    fn breaks_take_agents_off_the_phone() {
        // 09:00–10:00 with a 09:15–09:30 break, on a 15-minute grid: on the phone in 3 of 4.
        let r = roster_row("a1", at(9, 0), at(10, 0), vec![(at(9, 15), at(9, 30))]);
        let on = rostered_on_phone(&[r], 15);
        let got: Vec<(String, u32)> =
            on.iter().map(|(k, v)| (k.0.format("%H:%M").to_string(), *v)).collect();
        assert_eq!(got, vec![("09:00".into(), 1), ("09:30".into(), 1), ("09:45".into(), 1)]);
    }

    #[test]
    fn identical_shifts_need_one_roster_row_each() {
        let s = vec![
            shift("s1", at(9, 0), at(17, 0), vec![]),
            shift("s2", at(9, 0), at(17, 0), vec![]),
        ];
        let r = vec![roster_row("a1", at(9, 0), at(17, 0), vec![])];
        let unfilled = unfilled_shifts(&s, &r);
        assert_eq!(unfilled.len(), 1);
        assert_eq!(unfilled[0].shift_id, "s2");
    }

    #[test]
    fn paid_hours_and_cost_are_split_by_queue_and_day() {
        // a1 (20/h) 8 h on voice, a2 (no cost) 4 h on voice, a3 (30/h) 6 h on chat.
        let mut chat = roster_row("a3", at(8, 0), at(14, 0), vec![]);
        chat.queue = "chat".into();
        let rows = vec![
            roster_row("a1", at(9, 0), at(17, 0), vec![]),
            roster_row("a2", at(9, 0), at(13, 0), vec![]),
            chat,
        ];
        let cost = BTreeMap::from([("a1".to_string(), 20.0), ("a3".to_string(), 30.0)]);
        let f = RosterFigures::from_rows(&rows, &[], &[], &cost, 15, 7);
        let split: Vec<(&str, &str, f64, f64)> = f
            .per_queue_day
            .iter()
            .map(|d| (d.queue.as_str(), d.date.as_str(), d.paid_hours, d.cost))
            .collect();
        assert_eq!(
            split,
            vec![("chat", "2026-11-23", 6.0, 180.0), ("voice", "2026-11-23", 12.0, 160.0)]
        );
        assert_eq!((f.paid_hours, f.cost, f.agents_without_cost), (18.0, 340.0, 1));
    }

    #[test]
    fn roster_figures_sum_hours_cost_and_unmet_demand() {
        let shifts = vec![
            shift("s1", at(9, 0), at(10, 0), vec![]),
            shift("s2", at(9, 0), at(10, 0), vec![]),
        ];
        let roster = vec![roster_row("a1", at(9, 0), at(10, 0), vec![])];
        // Both shifts were scheduled: 2 agents on the phone in each of the 4 intervals.
        let coverage: Vec<CoverageRow> = [0, 15, 30, 45]
            .iter()
            .map(|&m| CoverageRow {
                interval_start: at(9, m),
                queue: "voice".into(),
                required: 2,
                scheduled: 2,
                difference: 0,
                service_level: 0.8,
            })
            .collect();
        let cost = BTreeMap::from([("a1".to_string(), 20.0)]);
        let f = RosterFigures::from_rows(&roster, &shifts, &coverage, &cost, 15, 7);
        assert_eq!(f.agents, 1);
        assert_eq!(f.paid_hours, 1.0);
        assert_eq!(f.cost, 20.0);
        assert_eq!(f.unfilled_shifts, 1);
        // One agent short in each of 4 intervals.
        assert_eq!(f.unmet_agent_intervals, 4);
        assert_eq!(f.fte, 1.0 / 40.0);
    }

    #[test]
    fn service_level_is_weighted_by_contacts() {
        let cov = |m, sl| CoverageRow {
            interval_start: at(9, m),
            queue: "voice".into(),
            required: 1,
            scheduled: 1,
            difference: 0,
            service_level: sl,
        };
        let coverage = vec![cov(0, 1.0), cov(15, 0.5)];
        let contacts = BTreeMap::from([
            ((at(9, 0), "voice".to_string()), 10.0),
            ((at(9, 15), "voice".to_string()), 30.0),
        ]);
        let f = ScheduleFigures::from_rows(&[], &coverage, &contacts, &["voice".into()], 15, 7);
        // (10 × 1.0 + 30 × 0.5) / 40 = 0.625.
        assert!((f.projected_service_level.unwrap() - 0.625).abs() < 1e-12);
        assert_eq!(f.required_agent_hours, 0.5);
        let none = ScheduleFigures::from_rows(&[], &coverage, &contacts, &[], 15, 7);
        assert_eq!(none.projected_service_level, None);
    }

    #[test]
    fn simulated_service_level_counts_only_targeted_queues() {
        let row = |q: &str, m, offered, sl| SimulatedInterval {
            interval_start: at(9, m),
            queue: q.into(),
            offered,
            answered: offered,
            abandoned: 0.0,
            service_level: sl,
            asa_seconds: None,
        };
        let rows = [
            row("voice", 0, 100.0, Some(0.9)),
            row("voice", 15, 50.0, Some(0.6)),
            row("voice", 30, 0.0, None),
            row("email", 0, 50.0, Some(0.0)),
        ];
        let f = SimulationFigures::from_rows(&rows, &["voice".into()]);
        // (100 × 0.9 + 50 × 0.6) / 150 = 0.8; email has no target and is left out.
        assert!((f.service_level.unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(f.offered, 200.0);
        assert_eq!(f.abandon_rate, Some(0.0));
    }

    fn day(sl: [f64; 3], abandon: [f64; 3]) -> SimulatedDay {
        SimulatedDay {
            queue: "voice".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            offered: 1000.0,
            service_level: Some(sl[1]),
            service_level_ci_low: Some(sl[0]),
            service_level_ci_high: Some(sl[2]),
            abandon_rate: Some(abandon[1]),
            abandon_rate_ci_low: Some(abandon[0]),
            abandon_rate_ci_high: Some(abandon[2]),
        }
    }

    #[test]
    fn a_verdict_whose_interval_holds_the_line_is_too_close_to_call() {
        // 80/20 with a 3.5% cap: the service level is judged on its lower limit against
        // 0.80 − 0.02 = 0.78, abandonment on its mean against 0.035.
        let voice = QueueTarget {
            name: "voice".into(),
            channel: "voice".into(),
            service_level_target: Some(0.80),
            target_answer_seconds: Some(20.0),
            max_abandon_rate: Some(0.035),
            deadline_minutes: None,
        };
        let clear = [0.020, 0.025, 0.030];
        // Lower limit 0.77 under the line, upper 0.83 over it: missed, but it may be met.
        let d = day([0.77, 0.80, 0.83], clear);
        assert_eq!(voice.day_met(&d), Some(false));
        let why = voice.close_call(&d).expect("the interval holds 0.78");
        assert!(why.starts_with("service level 0.800 (95% interval 0.770–0.830)"), "{why}");
        // The whole interval under the line, or the lower limit on it or over: clear.
        assert_eq!(voice.close_call(&day([0.70, 0.74, 0.779], clear)), None);
        assert_eq!(voice.close_call(&day([0.78, 0.80, 0.82], clear)), None);
        assert_eq!(voice.day_met(&day([0.78, 0.80, 0.82], clear)), Some(true));
        // Abandonment 3.3% (2.9–3.7%): met on its mean, but the interval holds the cap.
        let d = day([0.85, 0.88, 0.91], [0.029, 0.033, 0.037]);
        assert_eq!(voice.day_met(&d), Some(true));
        let why = voice.close_call(&d).expect("the interval holds 3.5%");
        assert_eq!(why, "abandonment 3.30% (95% interval 2.90–3.70%) against the cap 3.5%");
        // 3.6–4.0%: missed, and clearly.
        let d = day([0.85, 0.88, 0.91], [0.036, 0.038, 0.040]);
        assert_eq!((voice.day_met(&d), voice.close_call(&d)), (Some(false), None));
        // One figure close, the other missed beyond doubt: missed whatever the replications.
        let d = day([0.70, 0.74, 0.77], [0.029, 0.033, 0.037]);
        assert_eq!((voice.day_met(&d), voice.close_call(&d)), (Some(false), None));
        let d = day([0.77, 0.80, 0.83], [0.036, 0.038, 0.040]);
        assert_eq!((voice.day_met(&d), voice.close_call(&d)), (Some(false), None));
        // Both close: both reasons.
        let d = day([0.77, 0.80, 0.83], [0.029, 0.033, 0.037]);
        assert_eq!(voice.close_call(&d).unwrap().matches("interval").count(), 2);
        // judge_days lists it with the rule's verdict.
        let mut figures = SimulationFigures::default();
        figures.judge_days(&[d], &[voice]);
        assert_eq!(figures.queue_days_missed, vec!["voice 2026-11-23".to_string()]);
        assert_eq!(figures.queue_days_close.len(), 1);
        assert!(figures.queue_days_close[0].starts_with("voice 2026-11-23 missed: service level"));
    }
}
