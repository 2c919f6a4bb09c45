//! Deferred work (email, social media): a response deadline instead of a queue.
//!
//! Erlang formulas do not apply: nobody waits on a line, the work can wait — but each contact
//! must be answered within `deadline_minutes`. The model is a fluid earliest-deadline-first (EDF)
//! backlog over the queue's open intervals:
//!
//! - Each interval's work is `contacts × aht_seconds` agent-seconds, released at the start of
//!   the interval. Work that arrives while the queue is closed (overnight email, the tail of the
//!   day) is released at the start of the next open interval.
//! - The deadline counts *open* time (a business-hours deadline): with `d = max(1,
//!   ⌊deadline_minutes / interval_minutes⌋)`, work released at open interval p must be finished
//!   by the end of open interval p + d − 1. So email arriving in the last open interval of a day
//!   carries into the first d − 1 open intervals of the next day.
//! - Agents work at `max_occupancy` (default 1) of their time; the backlog is served oldest
//!   first, which is EDF here because every contact has the same deadline.
//! - Per open interval the agents are the fewest that finish all work falling due in it:
//!   `N_p = max(min_agents, ⌈due_p / (interval_seconds · max_occupancy)⌉)`. Their spare capacity
//!   (rounding, the floor) works ahead on younger work. This is the just-in-time feasible
//!   schedule: no deadline is missed, and no interval has more agents than the work due in it
//!   (or the floor) requires, so every other deadline-feasible schedule has at least as many
//!   agent-intervals up to any point in time.
//! - Work still in the backlog when the horizon ends is not yet due (its deadline lies beyond the
//!   last interval); it is *carried out* of the plan and reported, and counted as answered at its
//!   deadline in the service level and ASA of its interval.
//!
//! Reported per interval: `service_level` = fraction of the interval's work answered within the
//! deadline (1 by construction), `asa_seconds` = mean open-time from release to answer of the
//! interval's work, `occupancy` = work done / (agents × interval length).

use std::collections::VecDeque;

use super::StaffingError;

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
}

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
    /// Contacts (work ÷ AHT) left in the backlog at the end of the horizon, not yet due.
    pub carried_out_contacts: f64,
}

struct Cohort {
    /// Index into the result vector of the interval whose work this is (its release interval).
    row: usize,
    /// Open-interval index of the release and the last open interval it may use.
    release: usize,
    due: usize,
    remaining_seconds: f64,
    total_seconds: f64,
    aht_seconds: f64,
    /// Σ(piece work × open-time seconds from release to the piece's mean completion).
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
        if !(self.max_occupancy.is_finite()
            && self.max_occupancy > 0.0
            && self.max_occupancy <= 1.0)
        {
            return Err(StaffingError::InvalidParameter {
                name: "max_occupancy",
                value: self.max_occupancy,
                expected: "a fraction in (0, 1]",
            });
        }
        Ok(())
    }

    /// Open intervals a contact may wait: at least its own.
    pub fn deadline_intervals(&self) -> usize {
        ((self.deadline_minutes / f64::from(self.interval_minutes) + 1e-9).floor() as usize).max(1)
    }
}

/// Staff a deferred queue over consecutive intervals (see the module notes).
pub fn staff_deferred(
    intervals: &[DeferredInterval],
    targets: &DeferredTargets,
) -> Result<DeferredSchedule, StaffingError> {
    targets.validate()?;
    let interval_seconds = f64::from(targets.interval_minutes) * 60.0;
    let d = targets.deadline_intervals();
    let capacity_per_agent = interval_seconds * targets.max_occupancy;
    let mut out =
        vec![
            DeferredResult { agents_net: 0, service_level: 1.0, asa_seconds: 0.0, occupancy: 0.0 };
            intervals.len()
        ];
    let mut backlog: VecDeque<Cohort> = VecDeque::new();
    let mut done: Vec<Cohort> = Vec::new();
    // Work that arrived while closed, waiting for the next open interval.
    let mut pending_seconds = 0.0;
    let mut pending_contacts = 0.0;
    let mut open_index = 0usize;
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
        if !iv.open {
            pending_seconds += work;
            pending_contacts += iv.contacts;
            continue;
        }
        let released = work + pending_seconds;
        if released > 0.0 {
            let contacts = iv.contacts + pending_contacts;
            backlog.push_back(Cohort {
                row: i,
                release: open_index,
                due: open_index + d - 1,
                remaining_seconds: released,
                total_seconds: released,
                aht_seconds: released / contacts,
                response_weighted: 0.0,
            });
        }
        pending_seconds = 0.0;
        pending_contacts = 0.0;
        let due_now: f64 =
            backlog.iter().take_while(|c| c.due <= open_index).map(|c| c.remaining_seconds).sum();
        let needed = (due_now / capacity_per_agent - 1e-9).ceil().max(0.0);
        if needed > f64::from(u32::MAX) {
            return Err(StaffingError::Invalid(format!("{due_now} s of work due in one interval")));
        }
        let agents = (needed as u32).max(targets.min_agents);
        let capacity = f64::from(agents) * capacity_per_agent;
        // Serve oldest first; a piece finishing between capacity positions c0 and c1 completes on
        // average at (c0 + c1)/2 / (agents·max_occupancy) seconds into the interval.
        let rate = f64::from(agents) * targets.max_occupancy;
        let mut used = 0.0;
        while let Some(front) = backlog.front_mut() {
            let room = capacity - used;
            if room <= 0.0 {
                break;
            }
            let piece = front.remaining_seconds.min(room);
            let completion_open_seconds = (open_index - front.release) as f64 * interval_seconds
                + (used + piece / 2.0) / rate;
            front.response_weighted += piece * completion_open_seconds;
            front.remaining_seconds -= piece;
            used += piece;
            // Float dust must not keep a cohort alive.
            if front.remaining_seconds <= 1e-9 * front.total_seconds {
                done.extend(backlog.pop_front());
            } else {
                break;
            }
        }
        if let Some(late) = backlog.front() {
            if late.due <= open_index {
                return Err(StaffingError::Invalid(
                    "internal: deferred work past its deadline (capacity rounding)".into(),
                ));
            }
        }
        out[i] = DeferredResult {
            agents_net: agents,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: if agents == 0 {
                0.0
            } else {
                used / (f64::from(agents) * interval_seconds)
            },
        };
        open_index += 1;
    }
    // Carried out: assume answered at its deadline.
    let mut carried_out_contacts = pending_contacts;
    for mut c in backlog {
        let at_deadline = (c.due + 1 - c.release) as f64 * interval_seconds;
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
        }
    }

    #[test]
    fn work_is_done_just_in_time_at_the_deadline() {
        // 10 emails × 6 min = 3,600 agent-seconds = 4 agent-intervals of 15 min; deadline 1 h =
        // 4 intervals → nothing needed until the 4th interval, which needs 4 agents.
        let s = staff_deferred(
            &[open(10.0), open(0.0), open(0.0), open(0.0), open(0.0)],
            &targets(60.0),
        )
        .unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents, vec![0, 0, 0, 4, 0]);
        // Answered 45–60 min after release: mean 52.5 min.
        assert!((s.intervals[0].asa_seconds - 52.5 * 60.0).abs() < 1e-6);
        assert_eq!(s.carried_out_contacts, 0.0);
    }

    #[test]
    fn steady_flow_needs_its_workload_in_agents() {
        // 25 emails × 6 min per 15 min = 10 agents of work; at 80 % occupancy 12.5 → 13 agents
        // once the pipeline is full, and the capacity rounding works ahead.
        let mut t = targets(30.0);
        t.max_occupancy = 0.8;
        let s = staff_deferred(&vec![open(25.0); 12], &t).unwrap();
        let agents: Vec<u32> = s.intervals.iter().map(|r| r.agents_net).collect();
        assert_eq!(agents[0], 0);
        assert!(agents[1..].iter().all(|&a| a == 13 || a == 12), "{agents:?}");
        let total: u32 = agents.iter().sum();
        // 11 cohorts due inside the horizon: 11 × 12.5 = 137.5 agent-intervals at least.
        assert!((138..=143).contains(&total), "{total}");
        for r in &s.intervals[1..] {
            assert!(r.occupancy <= 0.8 + 1e-12);
        }
        // The last cohort is not due yet: carried out (at most one interval's contacts).
        assert!(s.carried_out_contacts > 0.0 && s.carried_out_contacts <= 25.0 + 1e-9);
    }

    #[test]
    fn overnight_work_carries_into_the_next_open_time() {
        // Closed, closed (10 emails arrive), then open: released at the first open interval, due
        // within d = 2 open intervals.
        let s = staff_deferred(&[closed(0.0), closed(10.0), open(0.0), open(0.0)], &targets(30.0))
            .unwrap();
        assert_eq!(s.intervals[0].agents_net, 0);
        assert_eq!(s.intervals[1].agents_net, 0);
        assert_eq!(s.intervals[2].agents_net, 0);
        assert_eq!(s.intervals[3].agents_net, 4);
        assert!((s.intervals[2].asa_seconds - 22.5 * 60.0).abs() < 1e-6);
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
}
