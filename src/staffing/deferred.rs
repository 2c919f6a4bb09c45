//! Deferred work (email, social media): a response deadline instead of a queue.
//!
//! Erlang formulas do not apply: nobody waits on a line, the work can wait — but each contact
//! must be answered within `deadline_minutes`. The model is a fluid backlog over the queue's
//! intervals:
//!
//! - Each interval's work is `contacts × aht_seconds` agent-seconds, released at the start of
//!   the interval. Work that arrives while the queue is closed (overnight email) is released at
//!   the start of the next open interval (it is already late by the clock; it gets the deadline
//!   from there).
//! - The deadline is **wall-clock time**, as the customer and the contact platform's reports
//!   (and [`crate::simulate`]) count it: with `d = max(1, ⌊deadline_minutes /
//!   interval_minutes⌋)`, work released in interval p must be finished by the end of interval
//!   p + d − 1. Its *window* is the open intervals among p..=p + d − 1, so the evening's email
//!   is answered before closing time, not carried into the next morning.
//! - **Agents per interval: each contact's work spread evenly over its window.** Interval t
//!   carries `load_t = Σ_p work_p / |window_p|` over the windows holding t, and gets
//!   `N_t = max(min_agents, ⌈load_t / (interval_seconds · max_occupancy)⌉)` agents. The spread
//!   is a feasible assignment of every cohort's work inside its own window, so every deadline is
//!   met; served oldest first (which is earliest-deadline-first here, deadlines following
//!   release order), the rounding works ahead.
//! - Why spread rather than just in time: the fewest agents that finish exactly the work falling
//!   due in each interval do so at the last minute. That profile swings from two agents at
//!   opening to a crowd at the deadline and at closing time; it needs many short shifts, which a
//!   workforce of mostly full-timers cannot staff, and leaves no slack in time, so one absent
//!   agent makes work late. The spread follows the arrivals (smoothed over the deadline), keeps
//!   the whole window for absence to be caught up, and costs about the same agent-hours (the
//!   work is the same; only the rounding differs).
//! - Work whose window runs past the last interval is *carried out* of the plan and reported
//!   (what the agents inside the horizon leave of it: at most the share of its window past the
//!   horizon), and counted as answered at its deadline in the service level and ASA of its
//!   interval. A plan tells [`staff_deferred_within`] which intervals after the horizon are
//!   open, so a forecast ending at a day's last open interval still gets that day's last work
//!   done before closing time.
//!
//! - **A deadline within one interval (d = 1, e.g. social media answered within 15 minutes on a
//!   15-minute grid): the contacts' random arrival decides.** Nothing can be spread, and the
//!   fluid head-count leaves too little slack for a few agents: 7.5 posts of 180 s in 15 min
//!   (1.5 erlangs) get 2 agents under a `max_occupancy` of 85%, yet an M/M/2 queue answers
//!   only 94.7% of them within 15 minutes. So such an interval also gets at least the fewest agents of an Erlang C
//!   queue (Poisson arrivals at the interval's rate, exponential handling) that answer
//!   `service_level` of its contacts within the deadline ([`random_arrivals_agents`]). With
//!   two intervals or more the window's slack absorbs the randomness, and the fluid spread
//!   stands (it is what the simulation confirms for a two-hour email deadline).
//!
//! Reported per interval: `service_level` = fraction of the interval's work answered within the
//! deadline (1 by construction of the fluid model; for d = 1 the Erlang C fraction at the
//! interval's agents when lower), `asa_seconds` = mean time from release to answer of the
//! interval's work, `occupancy` = work done / (agents × interval length).

use std::collections::VecDeque;

use super::{ErlangC, StaffingError};

/// One interval of a deferred queue, in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeferredInterval {
    pub open: bool,
    pub contacts: f64,
    pub aht_seconds: f64,
}

/// Parameters of a deferred queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeferredTargets {
    pub deadline_minutes: f64,
    pub interval_minutes: u32,
    /// Fraction of agent time on the work, in (0, 1].
    pub max_occupancy: f64,
    pub min_agents: u32,
    /// Fraction of contacts to answer within the deadline, in (0, 1]: the queue's
    /// `service_level`, else 1 (every contact). Only a deadline within one interval uses it
    /// (random arrivals), at most [`EVERY_CONTACT_STAFFED_AS`].
    pub service_level: f64,
}

/// What a deadline within one interval is staffed to when the target is every contact: an
/// M/M/N queue answers no fraction 1 within any time, so 99 in 100 within the deadline, one
/// point above the line the plan's simulation judges "every contact" by (lower 95% limit ≥
/// 1 − 0.02).
pub const EVERY_CONTACT_STAFFED_AS: f64 = 0.99;

/// Staffing of one deferred interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeferredResult {
    pub agents_net: u32,
    pub service_level: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
}

/// The schedule for a whole horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferredSchedule {
    /// One per input interval (closed intervals: 0 agents).
    pub intervals: Vec<DeferredResult>,
    /// Contacts (work ÷ AHT) left in the backlog at the end of the horizon: work whose window
    /// runs past it, and contacts that arrived after the last open interval (never released).
    pub carried_out_contacts: f64,
}

struct Cohort {
    /// Index of the interval the work is released in (its row in the result).
    row: usize,
    /// Last interval of its window (`row + d - 1`; may lie past the horizon).
    due: usize,
    /// Open intervals in its window (those past the horizon counted as open).
    window_open: usize,
    remaining_seconds: f64,
    total_seconds: f64,
    aht_seconds: f64,
    /// Σ(piece work × seconds from the release interval's start to the piece's mean completion).
    response_weighted: f64,
}

impl DeferredTargets {
    pub fn validate(&self) -> Result<(), StaffingError> {
        if !(self.deadline_minutes.is_finite() && self.deadline_minutes > 0.0) {
            return Err(StaffingError::InvalidParameter {
                name: "deadline_minutes",
                value: self.deadline_minutes,
                expected: "a number > 0",
            });
        }
        super::erlang::check_interval(self.interval_minutes)?;
        fraction("service_level", self.service_level)?;
        fraction("max_occupancy", self.max_occupancy)?;
        Ok(())
    }

    /// Intervals (by the clock) a contact may wait: at least its own.
    pub fn deadline_intervals(&self) -> usize {
        deadline_intervals(self.deadline_minutes, self.interval_minutes)
    }
}

/// A number in (0, 1], else the parameter's error.
fn fraction(name: &'static str, value: f64) -> Result<(), StaffingError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(StaffingError::InvalidParameter { name, value, expected: "a fraction in (0, 1]" })
    }
}

/// Intervals (by the clock) a contact with this deadline may wait: at least its own
/// (`d = max(1, ⌊deadline / interval⌋)`). At 1, random arrivals decide (module notes).
pub fn deadline_intervals(deadline_minutes: f64, interval_minutes: u32) -> usize {
    ((deadline_minutes / f64::from(interval_minutes) + 1e-9).floor() as usize).max(1)
}

/// Staff a deferred queue over consecutive intervals (see the module notes); intervals past the
/// horizon count as open.
pub fn staff_deferred(
    intervals: &[DeferredInterval],
    targets: &DeferredTargets,
) -> Result<DeferredSchedule, StaffingError> {
    staff_deferred_within(intervals, &[], targets)
}

/// [`staff_deferred`], knowing whether the queue is open in the intervals that follow the
/// horizon (`after_open[k]`: the k-th after the last one). A window that runs past the horizon
/// shares its work among its open intervals there too (that share is carried out); the
/// intervals past `after_open`'s end count as open. A plan whose forecast ends at the last open
/// interval of a day passes the closed evening here, so that day's last work is still done
/// before closing time.
pub fn staff_deferred_within(
    intervals: &[DeferredInterval],
    after_open: &[bool],
    targets: &DeferredTargets,
) -> Result<DeferredSchedule, StaffingError> {
    targets.validate()?;
    let released = release(intervals, after_open, targets.deadline_intervals())?;
    let mut agents = level_agents(intervals, &released.cohorts, targets)?;
    if targets.deadline_intervals() > 1 {
        return serve(intervals, released.cohorts, &agents, targets, released.unreleased_contacts);
    }
    for (j, iv) in intervals.iter().enumerate() {
        if iv.open && iv.contacts > 0.0 {
            agents[j] = agents[j].max(random_arrivals_agents(*iv, targets)?);
        }
    }
    let mut schedule =
        serve(intervals, released.cohorts, &agents, targets, released.unreleased_contacts)?;
    for (iv, r) in intervals.iter().zip(schedule.intervals.iter_mut()) {
        if iv.open && iv.contacts > 0.0 {
            let within = random_arrivals_service_level(
                *iv,
                targets.interval_minutes,
                r.agents_net,
                targets.deadline_minutes,
            )?;
            r.service_level = r.service_level.min(within);
        }
    }
    Ok(schedule)
}

/// The interval's contacts as an Erlang C queue: Poisson arrivals at its rate, exponential
/// handling with its AHT.
fn random_arrivals_queue(
    iv: DeferredInterval,
    interval_minutes: u32,
) -> Result<ErlangC, StaffingError> {
    ErlangC::from_contacts(iv.contacts, iv.aht_seconds, interval_minutes)
}

/// The fraction of an interval's contacts `agents` answer within the deadline when they arrive
/// at random (Erlang C, [`random_arrivals_queue`]): what a deadline within one interval is
/// staffed and projected by.
pub fn random_arrivals_service_level(
    iv: DeferredInterval,
    interval_minutes: u32,
    agents: u32,
    deadline_minutes: f64,
) -> Result<f64, StaffingError> {
    let queue = random_arrivals_queue(iv, interval_minutes)?;
    Ok(queue.service_level(agents, deadline_minutes * 60.0))
}

/// The fewest agents that answer `service_level` (at most [`EVERY_CONTACT_STAFFED_AS`]) of an
/// open interval's contacts within the deadline when they arrive at random: the smallest
/// `N > A` with `1 − C(N, A)·e^{−(N−A)·T/AHT} ≥ target` (Erlang C, `T` the deadline).
pub fn random_arrivals_agents(
    iv: DeferredInterval,
    targets: &DeferredTargets,
) -> Result<u32, StaffingError> {
    let queue = random_arrivals_queue(iv, targets.interval_minutes)?;
    let target = targets.service_level.min(EVERY_CONTACT_STAFFED_AS);
    let deadline_seconds = targets.deadline_minutes * 60.0;
    let traffic = queue.traffic_erlangs();
    let first = (traffic.floor() + 1.0).min(f64::from(u32::MAX)) as u32;
    // Generous: 8√A + 64 agents above the traffic put C(N, A) alone far below 1 − 0.99.
    let last = first.saturating_add(64).saturating_add((traffic.sqrt() * 8.0).ceil() as u32);
    (first..=last).find(|&n| queue.service_level(n, deadline_seconds) >= target).ok_or_else(|| {
        StaffingError::Unreachable(format!(
            "{} contacts in {} minutes with {} s handling: no head-count up to {last} answers {target} within {} minutes",
            iv.contacts, targets.interval_minutes, iv.aht_seconds, targets.deadline_minutes
        ))
    })
}

/// The work of a horizon as released cohorts.
struct Released {
    cohorts: Vec<Cohort>,
    /// Contacts that arrived while closed after the last open interval: never released.
    unreleased_contacts: f64,
}

/// Each open interval's work, with the work that arrived while closed before it, as one cohort
/// with its window: the open intervals from its release to its wall-clock deadline, `d`
/// intervals from the start of the release interval. Past the horizon, `after_open` says which
/// are open, and those past its end count as open (their share is carried out).
fn release(
    intervals: &[DeferredInterval],
    after_open: &[bool],
    d: usize,
) -> Result<Released, StaffingError> {
    let n = intervals.len();
    let mut cohorts = Vec::new();
    // Work that arrived while closed, waiting for the next open interval.
    let mut pending_seconds = 0.0;
    let mut pending_contacts = 0.0;
    for (i, iv) in intervals.iter().enumerate() {
        if !(iv.contacts.is_finite() && iv.contacts >= 0.0) {
            return Err(StaffingError::InvalidParameter {
                name: "contacts",
                value: iv.contacts,
                expected: "a number >= 0",
            });
        }
        if iv.contacts > 0.0 && !(iv.aht_seconds.is_finite() && iv.aht_seconds > 0.0) {
            return Err(StaffingError::InvalidParameter {
                name: "aht_seconds",
                value: iv.aht_seconds,
                expected: "a number > 0 where there are contacts",
            });
        }
        let work = if iv.contacts > 0.0 { iv.contacts * iv.aht_seconds } else { 0.0 };
        pending_seconds += work;
        pending_contacts += iv.contacts;
        if !iv.open || pending_seconds <= 0.0 {
            if iv.open {
                (pending_seconds, pending_contacts) = (0.0, 0.0);
            }
            continue;
        }
        let last = i + d - 1;
        let inside = (i..=last.min(n - 1)).filter(|&j| intervals[j].open).count();
        let beyond = (0..last.saturating_sub(n - 1))
            .filter(|&k| after_open.get(k).copied().unwrap_or(true))
            .count();
        cohorts.push(Cohort {
            row: i,
            due: last,
            window_open: inside + beyond,
            remaining_seconds: pending_seconds,
            total_seconds: pending_seconds,
            aht_seconds: pending_seconds / pending_contacts,
            response_weighted: 0.0,
        });
        (pending_seconds, pending_contacts) = (0.0, 0.0);
    }
    Ok(Released { cohorts, unreleased_contacts: pending_contacts })
}

/// Agents per interval: each cohort's work spread evenly over the open intervals of its window,
/// at `max_occupancy`, rounded up, and at least `min_agents` while open.
fn level_agents(
    intervals: &[DeferredInterval],
    cohorts: &[Cohort],
    targets: &DeferredTargets,
) -> Result<Vec<u32>, StaffingError> {
    let n = intervals.len();
    let capacity_per_agent = f64::from(targets.interval_minutes) * 60.0 * targets.max_occupancy;
    let mut load = vec![0.0; n];
    for c in cohorts {
        let share = c.total_seconds / c.window_open as f64;
        for j in c.row..=c.due.min(n - 1) {
            if intervals[j].open {
                load[j] += share;
            }
        }
    }
    let mut agents = vec![0u32; n];
    for (j, iv) in intervals.iter().enumerate() {
        if !iv.open {
            continue;
        }
        let needed = (load[j] / capacity_per_agent - 1e-9).ceil().max(0.0);
        if needed > f64::from(u32::MAX) {
            return Err(StaffingError::Invalid(format!("{} s of work in one interval", load[j])));
        }
        agents[j] = (needed as u32).max(targets.min_agents);
    }
    Ok(agents)
}

/// The backlog served oldest first (earliest deadline first: deadlines follow release order)
/// by `agents`: occupancy and response time per interval, the work carried out at the end.
fn serve(
    intervals: &[DeferredInterval],
    cohorts: Vec<Cohort>,
    agents: &[u32],
    targets: &DeferredTargets,
    unreleased_contacts: f64,
) -> Result<DeferredSchedule, StaffingError> {
    let interval_seconds = f64::from(targets.interval_minutes) * 60.0;
    let capacity_per_agent = interval_seconds * targets.max_occupancy;
    let mut out =
        vec![
            DeferredResult { agents_net: 0, service_level: 1.0, asa_seconds: 0.0, occupancy: 0.0 };
            intervals.len()
        ];
    let mut arriving = cohorts.into_iter().peekable();
    let mut backlog: VecDeque<Cohort> = VecDeque::new();
    let mut done: Vec<Cohort> = Vec::new();
    for (j, iv) in intervals.iter().enumerate() {
        while let Some(c) = arriving.next_if(|c| c.row == j) {
            backlog.push_back(c);
        }
        // (Also where the deadline's interval is closed: checked at the next one.)
        late(&backlog, |due| due < j)?;
        if !iv.open {
            continue;
        }
        let capacity = f64::from(agents[j]) * capacity_per_agent;
        // A piece finishing between capacity positions c0 and c1 completes on average at
        // (c0 + c1)/2 / (agents·max_occupancy) seconds into the interval.
        let rate = f64::from(agents[j]) * targets.max_occupancy;
        let mut used = 0.0;
        while let Some(front) = backlog.front_mut() {
            let room = capacity - used;
            if room <= 0.0 {
                break;
            }
            let piece = front.remaining_seconds.min(room);
            let completion_seconds =
                (j - front.row) as f64 * interval_seconds + (used + piece / 2.0) / rate;
            front.response_weighted += piece * completion_seconds;
            front.remaining_seconds -= piece;
            used += piece;
            // Float dust must not keep a cohort alive (the rounding leaves up to 1e-9 of an
            // agent-interval).
            if front.remaining_seconds <= 1e-9 * front.total_seconds.max(capacity_per_agent) {
                done.extend(backlog.pop_front());
            } else {
                break;
            }
        }
        late(&backlog, |due| due <= j)?;
        out[j] = DeferredResult {
            agents_net: agents[j],
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: if agents[j] == 0 {
                0.0
            } else {
                used / (f64::from(agents[j]) * interval_seconds)
            },
        };
    }
    late(&backlog, |due| due < intervals.len())?;
    // Carried out: assume answered at its deadline.
    let mut carried_out_contacts = unreleased_contacts;
    for mut c in backlog {
        let at_deadline = (c.due + 1 - c.row) as f64 * interval_seconds;
        c.response_weighted += c.remaining_seconds * at_deadline;
        carried_out_contacts += c.remaining_seconds / c.aht_seconds;
        c.remaining_seconds = 0.0;
        done.push(c);
    }
    for c in done {
        out[c.row].asa_seconds = c.response_weighted / c.total_seconds;
    }
    Ok(DeferredSchedule { intervals: out, carried_out_contacts })
}

/// An internal error when the oldest work in the backlog is past its deadline: the spread
/// guarantees it never is.
fn late(backlog: &VecDeque<Cohort>, past: impl Fn(usize) -> bool) -> Result<(), StaffingError> {
    match backlog.front() {
        Some(c) if past(c.due) => Err(StaffingError::Invalid(
            "internal: deferred work past its deadline (capacity rounding)".into(),
        )),
        _ => Ok(()),
    }
}

/// Fraction of one interval's deferred contacts answered within the deadline by a constant
/// head-count, starting from an empty backlog: fluid FIFO with arrivals spread evenly over the
/// interval and agents working at full pace. With ρ = work / (agents × interval) > 1 the backlog
/// grows as (ρ − 1)·τ, so the contact arriving at τ waits (ρ − 1)·τ, and the fraction within the
/// deadline D is min(1, D / ((ρ − 1)·interval)).
pub fn deferred_service_level(
    contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    agents: u32,
    deadline_minutes: f64,
) -> f64 {
    let work = contacts * aht_seconds;
    if work <= 0.0 {
        return 1.0;
    }
    if agents == 0 {
        return 0.0;
    }
    let interval_seconds = f64::from(interval_minutes) * 60.0;
    let rho = work / (f64::from(agents) * interval_seconds);
    if rho <= 1.0 {
        1.0
    } else {
        (deadline_minutes * 60.0 / ((rho - 1.0) * interval_seconds)).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(contacts: f64) -> DeferredInterval {
        DeferredInterval { open: true, contacts, aht_seconds: 360.0 }
    }

    fn closed(contacts: f64) -> DeferredInterval {
        DeferredInterval { open: false, contacts, aht_seconds: 360.0 }
    }

    fn targets(deadline_minutes: f64) -> DeferredTargets {
        DeferredTargets {
            deadline_minutes,
            interval_minutes: 15,
            max_occupancy: 1.0,
            min_agents: 0,
            service_level: 1.0,
        }
    }

    #[test]
    fn work_is_spread_evenly_over_its_deadline() {
        // 10 emails × 6 min = 3,600 agent-seconds; deadline 1 h = 4 intervals of 15 min: 900 s
        // in each, one agent each.
        let s = staff_deferred(
            &[open(10.0), open(0.0), open(0.0), open(0.0), open(0.0)],
            &targets(60.0),
        )
        .unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents, vec![1, 1, 1, 1, 0]);
        // One agent answers them one after another over the hour: mean 30 min.
        assert!((s.intervals[0].asa_seconds - 30.0 * 60.0).abs() < 1e-6);
        assert_eq!(s.carried_out_contacts, 0.0);
    }

    #[test]
    fn steady_flow_needs_its_workload_in_agents() {
        // 25 emails × 6 min per 15 min = 9,000 s an interval, spread over d = 2 intervals: the
        // first interval carries half (4,500 s / 720 s at 80 % occupancy = 6.25 → 7 agents),
        // every later one a whole interval's work (12.5 → 13).
        let mut t = targets(30.0);
        t.max_occupancy = 0.8;
        let s = staff_deferred(&vec![open(25.0); 12], &t).unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents[0], 7);
        assert!(agents[1..].iter().all(|&a| a == 13), "{agents:?}");
        for r in &s.intervals {
            assert!(r.occupancy <= 0.8 + 1e-12);
        }
        // The last cohort's window runs one interval past the horizon, where half of it is
        // planned; but capacity 11 × 13 + 7 = 150 agent-intervals × 720 s = 108,000 s is exactly
        // the 12 × 9,000 s of work, so the agents inside the horizon finish everything.
        assert_eq!(s.carried_out_contacts, 0.0);
        let one = staff_deferred(&[open(25.0)], &t).unwrap();
        // Alone, half the work is planned past the horizon, and 7 agents × 720 s = 5,040 s of
        // 9,000 s are done: (9,000 − 5,040) / 360 = 11 contacts carried out.
        assert_eq!(one.intervals[0].agents_net, 7);
        assert!((one.carried_out_contacts - 11.0).abs() < 1e-9);
    }

    #[test]
    fn the_deadline_is_wall_clock_and_ends_at_closing_time() {
        // 60-minute deadline. Released at 0 before an interval closed at 1: window 0, 2, 3
        // (3,600 s / 3 = 1,200 s each → 2 agents). Released at 4, the last open interval
        // before the close (closed through the end of its window): all of it there (4 agents).
        let mut day = vec![open(10.0), closed(0.0), open(0.0), open(0.0), open(10.0)];
        day.extend([closed(0.0); 3]);
        let s = staff_deferred(&day, &targets(60.0)).unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents, vec![2, 0, 2, 2, 4, 0, 0, 0]);
        assert_eq!(s.carried_out_contacts, 0.0);
    }

    #[test]
    fn a_horizon_ending_before_closing_time_keeps_the_last_work_inside() {
        // The forecast ends at the last open interval of a day, 10 emails there, deadline 1 h.
        // Told that the next three intervals are closed, all 3,600 s go to that interval (4
        // agents); not told, they count as open and three quarters is carried out.
        let day = [open(0.0), open(10.0)];
        let known = staff_deferred_within(&day, &[false; 3], &targets(60.0)).unwrap();
        assert_eq!(known.intervals[1].agents_net, 4);
        assert_eq!(known.carried_out_contacts, 0.0);
        let unknown = staff_deferred(&day, &targets(60.0)).unwrap();
        assert_eq!(unknown.intervals[1].agents_net, 1);
        assert!((unknown.carried_out_contacts - 7.5).abs() < 1e-9);
    }

    #[test]
    fn overnight_work_is_released_at_opening() {
        // Closed, closed (10 emails arrive), then open: released at the first open interval,
        // spread over its d = 2 intervals (1,800 s each → 2 agents), answered over 30 min.
        let s = staff_deferred(&[closed(0.0), closed(10.0), open(0.0), open(0.0)], &targets(30.0))
            .unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents, vec![0, 0, 2, 2]);
        assert!((s.intervals[2].asa_seconds - 15.0 * 60.0).abs() < 1e-6);
        // Arriving after the last open interval, it is never released: carried out.
        let late = staff_deferred(&[open(0.0), closed(10.0)], &targets(30.0)).unwrap();
        assert_eq!(late.carried_out_contacts, 10.0);
    }

    #[test]
    fn floor_capacity_works_ahead() {
        let mut t = targets(60.0);
        t.min_agents = 4;
        let s = staff_deferred(&[open(10.0), open(0.0), open(0.0), open(0.0)], &t).unwrap();
        assert!(s.intervals.iter().all(|r| r.agents_net == 4));
        // 4 agents × 15 min = 3,600 s: all done in the first interval.
        assert!((s.intervals[0].occupancy - 1.0).abs() < 1e-12);
        assert_eq!(s.intervals[1].occupancy, 0.0);
    }

    #[test]
    fn single_interval_fluid_service_level() {
        // 100 × 360 s in 15 min with 20 agents: ρ = 2, so the contact arriving at τ waits τ.
        // Deadline 5 min: arrivals in the first 5 of 15 minutes make it → 1/3. Deadline 15 min:
        // all of them.
        assert!((deferred_service_level(100.0, 360.0, 15, 20, 5.0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(deferred_service_level(100.0, 360.0, 15, 20, 15.0), 1.0);
        assert_eq!(deferred_service_level(100.0, 360.0, 15, 40, 5.0), 1.0);
        assert_eq!(deferred_service_level(100.0, 360.0, 15, 0, 5.0), 0.0);
    }

    #[test]
    fn a_deadline_within_one_interval_is_staffed_for_random_arrivals() {
        // 7.5 posts of 180 s in 15 min: A = 1.5 erlangs, deadline 15 min = 5 handling times.
        // Fluid at 85 %: ⌈1.5 / 0.85⌉ = 2 agents. By hand (Erlang B recursion):
        //   N = 2: B = 0.9 / 2.9 = 0.310345, C = 0.620690 / 0.965517 = 0.642857,
        //          P(W ≤ 900 s) = 1 − 0.642857·e^(−0.5·5) = 0.947231;
        //   N = 3: B = 0.465517 / 3.465517 = 0.134328, C = 0.402985 / 1.701493 = 0.236842,
        //          P(W ≤ 900 s) = 1 − 0.236842·e^(−1.5·5) = 0.999869.
        let iv = DeferredInterval { open: true, contacts: 7.5, aht_seconds: 180.0 };
        let mut t = targets(15.0);
        t.max_occupancy = 0.85;
        // Every contact (staffed as 99 %): 3 agents, and the projection says 0.999869, not 1.
        let s = staff_deferred(&[iv], &t).unwrap();
        assert_eq!(s.intervals[0].agents_net, 3);
        assert!((s.intervals[0].service_level - 0.999869).abs() < 1e-6);
        // A 90 % target: the fluid 2 agents do, at 0.947231.
        t.service_level = 0.9;
        let s = staff_deferred(&[iv], &t).unwrap();
        assert_eq!(s.intervals[0].agents_net, 2);
        assert!((s.intervals[0].service_level - 0.947231).abs() < 1e-6);
        // A 30-minute deadline spans two intervals: the fluid spread stands (half the work in
        // each: ⌈0.75 / 0.85⌉ = 1 agent, answered in time by construction).
        t.service_level = 1.0;
        let s = staff_deferred(&[iv, open(0.0)], &targets_at(30.0, 0.85)).unwrap();
        assert_eq!(s.intervals[0].agents_net, 1);
        assert_eq!(s.intervals[0].service_level, 1.0);
        assert_eq!(random_arrivals_agents(iv, &t).unwrap(), 3);
        let bad = DeferredTargets { service_level: 0.0, ..t };
        assert!(matches!(
            staff_deferred(&[iv], &bad),
            Err(StaffingError::InvalidParameter { name: "service_level", .. })
        ));
    }

    fn targets_at(deadline_minutes: f64, max_occupancy: f64) -> DeferredTargets {
        DeferredTargets { max_occupancy, ..targets(deadline_minutes) }
    }
}
