//! From files to a [`Model`]: demand per queue and interval from a forecast, agents on duty from
//! a roster (with their skills) or from head-counts, and the unplanned absence the schedule
//! planned for.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::engine::{
    queue_groups, transition_order, Absence, AgentModel, ArrivalSource, HandleTime, Model,
    QueueModel, Transition,
};
use super::{target_seconds, Horizon, Routing, SimulateError, MAX_CELLS, MAX_EXPECTED_CONTACTS};
use crate::frame::IntervalFrame;
use crate::io::agents::Agent;
use crate::io::forecast::ForecastRow;
use crate::io::roster::RosterRow;
use crate::site::{Channel, Site};

/// The skills of each agent (agents.csv `skills`, in the listed order of preference), by
/// agent id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Skills {
    by_agent: HashMap<String, Vec<String>>,
}

impl Skills {
    /// Skills from agents.csv rows.
    pub fn from_agents(agents: &[Agent]) -> Skills {
        Skills { by_agent: agents.iter().map(|a| (a.agent_id.clone(), a.skills.clone())).collect() }
    }

    /// Skills from `(agent id, queues)` pairs.
    pub fn from_pairs<I, S>(pairs: I) -> Skills
    where
        I: IntoIterator<Item = (S, Vec<String>)>,
        S: Into<String>,
    {
        Skills { by_agent: pairs.into_iter().map(|(a, q)| (a.into(), q)).collect() }
    }

    /// The agent's skills, if it is known.
    pub fn of(&self, agent_id: &str) -> Option<&[String]> {
        self.by_agent.get(agent_id).map(Vec::as_slice)
    }

    /// Number of agents listed.
    pub fn len(&self) -> usize {
        self.by_agent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_agent.is_empty()
    }
}

/// Demand per queue from a forecast: the horizon (first to last interval of the forecast) and
/// one [`QueueModel`] per plan.toml queue. Intervals missing from the forecast have no arrivals.
pub(crate) fn demand(
    forecast: &[ForecastRow],
    site: &Site,
) -> Result<(Horizon, Vec<QueueModel>), SimulateError> {
    let horizon = Horizon::of_forecast(forecast, site)?;
    let intervals = horizon.intervals;
    let mut queues: Vec<QueueModel> = site
        .queues
        .iter()
        .map(|q| QueueModel {
            rate_per_second: vec![0.0; intervals],
            mean_handle_seconds: vec![f64::NAN; intervals],
            target_seconds: target_seconds(q),
            patience_seconds: match q.channel {
                Channel::Voice | Channel::Chat => q.patience_seconds,
                Channel::Email | Channel::Social => None,
            },
            slots_per_agent: q.concurrency.unwrap_or(1).max(1),
            priority: q.priority.unwrap_or(0),
            priority_per_second: q.priority_per_minute.unwrap_or(0.0) / 60.0,
            skill_pool: site.queues.iter().position(|p| p.skill() == q.skill()).unwrap_or(0) as u32,
        })
        .collect();
    // The frame checks every row's queue, grid and uniqueness; its slot axis runs from the
    // forecast's first interval to its last, as the horizon does.
    let frame = IntervalFrame::of_rows(site, "forecast", forecast)?;
    debug_assert_eq!(frame.axis.len, intervals);
    for ((q, i), cell) in frame.cells.indexed_iter() {
        let Some(row) = cell else { continue };
        let err = |message: String| SimulateError::Forecast {
            interval_start: crate::time::format_local(&row.interval_start),
            queue: row.queue.clone(),
            message,
        };
        if !(row.contacts.is_finite() && row.contacts >= 0.0) {
            return Err(err(format!("contacts must be a number >= 0, got {}", row.contacts)));
        }
        if row.contacts > 0.0 && !(row.aht_seconds.is_finite() && row.aht_seconds > 0.0) {
            return Err(err(format!(
                "aht_seconds must be > 0 with contacts, got {}",
                row.aht_seconds
            )));
        }
        queues[q].rate_per_second[i] = row.contacts / horizon.interval_seconds;
        if row.aht_seconds.is_finite() && row.aht_seconds > 0.0 {
            queues[q].mean_handle_seconds[i] = row.aht_seconds;
        }
    }
    // Summed in file order, as the rows were read.
    let expected_contacts: f64 = forecast.iter().map(|r| r.contacts).sum();
    check_contacts(expected_contacts)?;
    fill_missing_handle_times(&mut queues, site);
    Ok((horizon, queues))
}

/// Every contact of a replication may be waiting at once (nobody on duty), so the expected
/// contacts bound a replication's memory: at most [`MAX_EXPECTED_CONTACTS`].
pub(crate) fn check_contacts(expected: f64) -> Result<(), SimulateError> {
    if expected > MAX_EXPECTED_CONTACTS {
        return Err(SimulateError::Invalid(format!(
            "the forecast has {expected:.0} contacts: at most {MAX_EXPECTED_CONTACTS:.0} can be \
             simulated in one replication (each waiting contact takes memory); simulate a shorter \
             horizon or check the volumes"
        )));
    }
    Ok(())
}

/// Intervals without a handle time (no row, or no contacts) take the queue's contact-weighted
/// mean, so replayed contacts there still get a sensible one.
fn fill_missing_handle_times(queues: &mut [QueueModel], site: &Site) {
    for (qm, qc) in queues.iter_mut().zip(&site.queues) {
        let (mut w, mut sum) = (0.0, 0.0);
        for (r, h) in qm.rate_per_second.iter().zip(&qm.mean_handle_seconds) {
            if h.is_finite() {
                w += r;
                sum += r * h;
            }
        }
        let fallback = if w > 0.0 { sum / w } else { qc.default_aht_seconds.unwrap_or(f64::NAN) };
        for h in qm.mean_handle_seconds.iter_mut().filter(|h| h.is_nan()) {
            *h = fallback;
        }
    }
}

impl Horizon {
    /// The forecast's first to last interval, on the site's grid.
    pub(crate) fn of_forecast(
        forecast: &[ForecastRow],
        site: &Site,
    ) -> Result<Horizon, SimulateError> {
        let interval_seconds = f64::from(site.grid.interval_minutes) * 60.0;
        let origin = forecast
            .iter()
            .map(|r| r.interval_start)
            .min()
            .ok_or_else(|| SimulateError::Invalid("the forecast has no rows".into()))?;
        let last = forecast.iter().map(|r| r.interval_start).max().expect("non-empty");
        let step_ms = i64::from(site.grid.interval_minutes) * 60_000;
        let intervals = ((last - origin).num_milliseconds() / step_ms) as usize + 1;
        // Each replication keeps a cell per queue and interval, and the result an outcome per
        // cell; a horizon this long is a typo in a date, not a plan.
        if intervals.saturating_mul(site.queues.len()) > MAX_CELLS {
            return Err(SimulateError::Invalid(format!(
                "the forecast spans {} to {}: {intervals} intervals × {} queues is more than \
                 {MAX_CELLS} interval-queue cells",
                crate::time::format_local(&origin),
                crate::time::format_local(&last),
                site.queues.len()
            )));
        }
        Ok(Horizon { origin, interval_seconds, intervals })
    }
}

/// Agents on duty: each agent's skill group, home queue and agent-day, and its on/off
/// transitions.
pub(crate) struct Supply {
    pub agents: Vec<AgentModel>,
    pub groups: Vec<Vec<u32>>,
    /// One key per agent-day ([`crate::simulate::engine::Model::day_keys`]).
    pub day_keys: Vec<u64>,
    pub transitions: Vec<Transition>,
}

impl Supply {
    fn new() -> Supply {
        Supply {
            agents: Vec::new(),
            groups: Vec::new(),
            day_keys: Vec::new(),
            transitions: Vec::new(),
        }
    }

    /// The group of this ordered skill list (created on first use, so groups are numbered in
    /// roster order: deterministic).
    fn group(&mut self, index: &mut HashMap<Vec<u32>, u32>, skills: Vec<u32>) -> u32 {
        *index.entry(skills).or_insert_with_key(|k| {
            self.groups.push(k.clone());
            (self.groups.len() - 1) as u32
        })
    }
}

/// The queues agent `row` serves: its roster row's queue first (its home, whose contacts it is
/// offered before other agents' helpers), then, under skills routing, the other queues its
/// skills serve (in skill order, [`crate::site::QueueConfig::skill`]).
fn skill_list(
    row: &RosterRow,
    home: u32,
    skills: Option<&Skills>,
    site: &Site,
    routing: Routing,
) -> Vec<u32> {
    let mut list = Vec::new();
    if routing == Routing::Skills {
        if let Some(names) = skills.and_then(|s| s.of(&row.agent_id)) {
            // Each skill serves the queues it is the skill of (a "voice" agent also answers
            // a VIP line served by voice), in plan.toml order.
            for name in names {
                for (q, queue) in site.queues.iter().enumerate() {
                    if queue.skill() == name && !list.contains(&(q as u32)) {
                        list.push(q as u32);
                    }
                }
            }
        }
    }
    // The roster row's queue first: its idle agents are offered that queue's contacts first.
    list.retain(|&q| q != home);
    list.insert(0, home);
    list
}

/// Agents on duty from roster rows: each row is one agent on duty over the shift minus its
/// breaks, serving its row's queue (and, under skills routing, its other skills).
pub(crate) fn supply_from_roster(
    roster: &[RosterRow],
    skills: Option<&Skills>,
    site: &Site,
    horizon: &Horizon,
    routing: Routing,
) -> Result<Supply, SimulateError> {
    let mut supply = Supply::new();
    let mut groups = HashMap::new();
    let mut days: HashMap<(&str, NaiveDate), u32> = HashMap::new();
    for row in roster {
        let err = |message: String| SimulateError::Roster {
            agent_id: row.agent_id.clone(),
            date: row.date.to_string(),
            message,
        };
        let q = site
            .queue_index(&row.queue)
            .ok_or_else(|| err(format!("queue {:?} is not in plan.toml", row.queue)))?;
        let spans = on_duty_spans(row).map_err(err)?;
        let agent = supply.agents.len() as u32;
        let group = supply.group(&mut groups, skill_list(row, q as u32, skills, site, routing));
        let next_day = days.len() as u32;
        let day = *days.entry((row.agent_id.as_str(), row.date)).or_insert_with(|| {
            supply.day_keys.push(agent_day_key(&row.agent_id, row.date));
            next_day
        });
        supply.agents.push(AgentModel { home: q as u32, group, day });
        for (s, e) in spans {
            let (s, e) = (horizon.seconds_of(&s).max(0.0), horizon.seconds_of(&e));
            if e > s {
                supply.transitions.push(Transition { seconds: s, agent, on_duty: true });
                supply.transitions.push(Transition { seconds: e, agent, on_duty: false });
            }
        }
    }
    Ok(supply)
}

/// The key of an agent's working day: FNV-1a over the agent id, a separator byte and the date's
/// day number. Stable across runs, platforms and Rust versions (unlike `std`'s hasher), so a
/// seed gives the same absence on every machine.
pub(crate) fn agent_day_key(agent_id: &str, date: NaiveDate) -> u64 {
    let day = chrono::Datelike::num_days_from_ce(&date);
    fnv1a64(agent_id.bytes().chain([0xff]).chain(day.to_le_bytes()))
}

/// The 64-bit FNV-1a hash (Fowler, Noll & Vo) of a byte sequence.
fn fnv1a64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.into_iter().fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// A roster row's shift minus its breaks.
fn on_duty_spans(row: &RosterRow) -> Result<Vec<(crate::time::Stamp, crate::time::Stamp)>, String> {
    if row.shift_end <= row.shift_start {
        return Err("shift_end must be after shift_start".into());
    }
    let mut breaks = row.breaks.clone();
    breaks.sort();
    let mut on = row.shift_start;
    let mut spans = Vec::with_capacity(breaks.len() + 1);
    for &(b0, b1) in &breaks {
        if b1 <= b0 || b0 < on || b1 > row.shift_end {
            return Err(format!(
                "break {}-{} must lie inside the shift and not overlap another break",
                crate::time::format_local(&b0),
                crate::time::format_local(&b1)
            ));
        }
        spans.push((on, b0));
        on = b1;
    }
    spans.push((on, row.shift_end));
    Ok(spans)
}

/// The unplanned shrinkage a roster leaves to absence: `[staffing] shrinkage` is the fraction
/// of paid time not on the phones; the roster's breaks already take `1 - on_duty / paid` of it,
/// so the rest is `1 - (1 - shrinkage) · paid / on_duty` (0 when the breaks take it all). On
/// the sample, 480 paid minutes with 450 on duty and shrinkage 0.30: `1 - 0.7 · 480 / 450 =
/// 0.2533`, the `[schedule] unplanned_shrinkage` the schedule planned for. A row without
/// `paid_minutes` counts its shift as paid.
pub fn unplanned_shrinkage(roster: &[RosterRow], shrinkage: f64) -> f64 {
    let (mut paid, mut on_duty) = (0.0, 0.0);
    for row in roster {
        let span = (row.shift_end - row.shift_start).num_seconds() as f64 / 60.0;
        let breaks: f64 =
            row.breaks.iter().map(|(s, e)| (*e - *s).num_seconds() as f64 / 60.0).sum();
        paid += if row.paid_minutes > 0 { f64::from(row.paid_minutes) } else { span };
        on_duty += (span - breaks).max(0.0);
    }
    if on_duty <= 0.0 {
        return 0.0;
    }
    (1.0 - (1.0 - shrinkage) * paid / on_duty).clamp(0.0, 1.0)
}

/// Agents on duty from head-counts: `agents[q][i]` agents of queue `q` on duty during interval
/// `i`. Agent `k` of a queue is on duty in every interval where the count exceeds `k`, so the
/// fewest agents change state at each boundary. Each serves only its queue.
pub(crate) fn supply_from_counts(agents: &[Vec<u32>], horizon: &Horizon) -> Supply {
    let mut supply = Supply::new();
    supply.groups = (0..agents.len() as u32).map(|q| vec![q]).collect();
    for (q, counts) in agents.iter().enumerate() {
        let most = counts.iter().copied().max().unwrap_or(0);
        for k in 0..most {
            let agent = supply.agents.len() as u32;
            supply.agents.push(AgentModel { home: q as u32, group: q as u32, day: agent });
            supply.day_keys.push(((q as u64) << 32) | k as u64);
            let mut on_since: Option<usize> = None;
            for i in 0..=counts.len() {
                let on = i < counts.len() && counts[i] > k;
                match (on, on_since) {
                    (true, None) => on_since = Some(i),
                    (false, Some(s)) => {
                        supply.transitions.push(Transition {
                            seconds: s as f64 * horizon.interval_seconds,
                            agent,
                            on_duty: true,
                        });
                        supply.transitions.push(Transition {
                            seconds: i as f64 * horizon.interval_seconds,
                            agent,
                            on_duty: false,
                        });
                        on_since = None;
                    }
                    _ => {}
                }
            }
        }
    }
    supply
}

/// Assemble a model: sorted transitions, groups indexed by queue.
pub(crate) fn model(
    horizon: &Horizon,
    queues: Vec<QueueModel>,
    mut supply: Supply,
    arrivals: ArrivalSource,
    handle_time: HandleTime,
    absence: Absence,
) -> Model {
    supply.transitions.sort_by(transition_order);
    let queue_groups = queue_groups(&supply.groups, queues.len());
    Model {
        interval_seconds: horizon.interval_seconds,
        intervals: horizon.intervals,
        queues,
        agents: supply.agents,
        groups: supply.groups,
        queue_groups,
        day_keys: supply.day_keys,
        transitions: supply.transitions,
        arrivals,
        handle_time,
        absence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv, 64-bit FNV-1a).
        assert_eq!(fnv1a64(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(*b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn an_agent_day_key_tells_agents_and_dates_apart() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let next = d.succ_opt().unwrap();
        let key = agent_day_key("A001", d);
        assert_eq!(key, agent_day_key("A001", d));
        assert_ne!(key, agent_day_key("A001", next));
        assert_ne!(key, agent_day_key("A002", d));
        // The separator keeps "A1" + a date apart from "A" + a date whose bytes start with '1'.
        assert_ne!(agent_day_key("A1", d), agent_day_key("A", d));
    }
}
