//! Required agents for one interval: the fewest agents meeting every target at once.
//!
//! All measures are monotone in the number of agents (service level rises, ASA, abandonment and
//! occupancy fall), so the requirement is the largest of the per-target minima, and a search for
//! the first agent count meeting all targets finds it.
//!
//! - **Erlang C**: the search starts at the larger of the stability bound ⌊A/k⌋ + 1, the
//!   occupancy bound ⌈A/(k·max_occupancy)⌉ and the floor, and steps up one agent at a time,
//!   advancing B(n, A) by the recursion (k steps per agent), so each candidate costs O(k) and the
//!   whole search O(√A) — the requirement is A + O(√A) (square-root staffing, Halfin & Whitt
//!   1981).
//! - **Erlang A**: each evaluation is a series of O(√A) terms, so the search gallops from the
//!   Erlang C answer (or A/k) — one agent, then at least doubling steps, longer when the slope
//!   of the target margin says the answer is further — and closes the bracket by regula falsi on the target margin with a bisection fallback: a handful of
//!   evaluations, never more than O(log √A).
//!
//! Both stop at a hard cap far beyond any reachable requirement (2A + 40√A + 400 servers), so an
//! impossible target ends in [`StaffingError::Unreachable`], never an endless loop. Targets that
//! are impossible by definition (service level 1.0 or a zero ASA with random arrivals) are refused
//! before searching.
//!
//! Chat: with concurrency k each agent is k servers (slots) of one pooled M/M/(N·k) queue whose
//! service time is the chat session length (`aht_seconds` as recorded, which already includes the
//! slowdown of handling several chats at once). See the `staffing` module notes.

use super::erlang::{erlang_b, search_cap, ErlangA, ErlangC, Metrics};
use super::StaffingError;

/// Service targets of one queue; every `Some` must hold at the required agents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Targets {
    /// Fraction answered within `target_answer_seconds`, in (0, 1].
    pub service_level: Option<f64>,
    /// Answer-time threshold of the service level (also used to report the service level).
    pub target_answer_seconds: Option<f64>,
    /// Upper bound on the average speed of answer, seconds (> 0).
    pub max_asa_seconds: Option<f64>,
    /// Upper bound on the abandonment probability (Erlang A only), in (0, 1].
    pub max_abandon_rate: Option<f64>,
    /// Upper bound on occupancy, in (0, 1].
    pub max_occupancy: Option<f64>,
    /// Agents on every open interval at least.
    pub min_agents: u32,
}

/// Which target decided the requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    ServiceLevel,
    MaxAsa,
    MaxAbandonRate,
    MaxOccupancy,
    /// The stability bound of Erlang C (more agents than Erlangs).
    Stability,
    MinAgents,
    /// No traffic and no floor: zero agents.
    None,
}

impl Binding {
    pub fn as_str(&self) -> &'static str {
        match self {
            Binding::ServiceLevel => "service_level",
            Binding::MaxAsa => "max_asa_seconds",
            Binding::MaxAbandonRate => "max_abandon_rate",
            Binding::MaxOccupancy => "max_occupancy",
            Binding::Stability => "stability",
            Binding::MinAgents => "min_agents",
            Binding::None => "none",
        }
    }
}

fn fraction(name: &'static str, v: Option<f64>) -> Result<(), StaffingError> {
    match v {
        Some(x) if !(x.is_finite() && x > 0.0 && x <= 1.0) => {
            Err(StaffingError::InvalidParameter {
                name,
                value: x,
                expected: "a fraction in (0, 1]",
            })
        }
        _ => Ok(()),
    }
}

impl Targets {
    /// Check every target's range; `Unreachable` for the ones no staffing can meet.
    pub fn validate(&self) -> Result<(), StaffingError> {
        fraction("service_level", self.service_level)?;
        fraction("max_abandon_rate", self.max_abandon_rate)?;
        fraction("max_occupancy", self.max_occupancy)?;
        if let Some(t) = self.target_answer_seconds {
            if !(t.is_finite() && t >= 0.0) {
                return Err(StaffingError::InvalidParameter {
                    name: "target_answer_seconds",
                    value: t,
                    expected: "a number >= 0",
                });
            }
        }
        if let Some(x) = self.max_asa_seconds {
            if !(x.is_finite() && x > 0.0) {
                return Err(StaffingError::InvalidParameter {
                    name: "max_asa_seconds",
                    value: x,
                    expected: "a number > 0 (with random arrivals some contacts always wait)",
                });
            }
        }
        if self.service_level.is_some() && self.target_answer_seconds.is_none() {
            return Err(StaffingError::Invalid(
                "service_level needs target_answer_seconds (answered within how many seconds?)"
                    .into(),
            ));
        }
        if self.service_level == Some(1.0) {
            return Err(StaffingError::Unreachable(
                "service_level 1.0: with random arrivals some contacts always wait longer than any \
                 threshold; use a target below 1 such as 0.95"
                    .into(),
            ));
        }
        Ok(())
    }

    fn has_queue_target(&self) -> bool {
        self.service_level.is_some()
            || self.max_asa_seconds.is_some()
            || self.max_abandon_rate.is_some()
            || self.max_occupancy.is_some()
    }

    /// Signed distance to the nearest target (< 0 when one is missed), used to extrapolate and
    /// interpolate towards the answer. Each target enters as a log-ratio — ln((1 − SL target) /
    /// (1 − SL)), ln(max ASA / ASA), ln(max abandonment / abandonment), ln(max occupancy /
    /// occupancy) — because the tail quantities decay about exponentially in the agent count, so
    /// these are close to linear in it; each is clamped to ±50 (0 and ∞ are possible).
    fn margin(&self, m: &Metrics) -> f64 {
        let log_ratio = |bound: f64, value: f64| {
            let r = (bound / value).ln();
            if r.is_nan() {
                -50.0
            } else {
                r.clamp(-50.0, 50.0)
            }
        };
        let mut margin = 50.0f64;
        if let Some(sl) = self.service_level {
            margin = margin.min(log_ratio(1.0 - sl, 1.0 - m.service_level));
        }
        if let Some(asa) = self.max_asa_seconds {
            margin = margin.min(log_ratio(asa, m.asa_seconds));
        }
        if let Some(ab) = self.max_abandon_rate {
            margin = margin.min(log_ratio(ab, m.abandon_rate.unwrap_or(0.0)));
        }
        if let Some(occ) = self.max_occupancy {
            margin = margin.min(log_ratio(occ, m.occupancy));
        }
        margin
    }

    /// The first target `m` misses, in the order service level, ASA, abandonment, occupancy.
    fn missed(&self, m: &Metrics) -> Option<Binding> {
        if let Some(sl) = self.service_level {
            if m.service_level < sl {
                return Some(Binding::ServiceLevel);
            }
        }
        if let Some(asa) = self.max_asa_seconds {
            // NaN never meets the target.
            if m.asa_seconds.is_nan() || m.asa_seconds > asa {
                return Some(Binding::MaxAsa);
            }
        }
        if let Some(ab) = self.max_abandon_rate {
            if m.abandon_rate.unwrap_or(0.0) > ab {
                return Some(Binding::MaxAbandonRate);
            }
        }
        if let Some(occ) = self.max_occupancy {
            if m.occupancy > occ {
                return Some(Binding::MaxOccupancy);
            }
        }
        None
    }
}

/// The queueing model of a voice or chat queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QueueModel {
    C(ErlangC),
    A(ErlangA),
}

impl QueueModel {
    pub fn traffic_erlangs(&self) -> f64 {
        match self {
            QueueModel::C(c) => c.traffic_erlangs(),
            QueueModel::A(a) => a.traffic_erlangs(),
        }
    }

    /// Measures at `servers`, service level within `target_answer_seconds`.
    pub fn metrics(&self, servers: u32, target_answer_seconds: f64) -> Metrics {
        match self {
            QueueModel::C(c) => c.metrics(servers, target_answer_seconds),
            QueueModel::A(a) => a.metrics(servers, target_answer_seconds),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            QueueModel::C(_) => "erlang_c",
            QueueModel::A(_) => "erlang_a",
        }
    }
}

/// The answer of [`required_agents`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Requirement {
    /// Agents needed on the phone (before shrinkage).
    pub agents_net: u32,
    /// Measures at `agents_net` (servers = agents × concurrency).
    pub metrics: Metrics,
    /// The target that decided the answer (the one missed with one agent less).
    pub binding: Binding,
}

/// `agents_gross = ⌈agents_net / (1 − shrinkage)⌉`; a tolerance keeps 14/0.7 at 20, not 21.
pub fn agents_gross(agents_net: u32, shrinkage: f64) -> Result<u32, StaffingError> {
    if !(shrinkage.is_finite() && (0.0..1.0).contains(&shrinkage)) {
        return Err(StaffingError::InvalidParameter {
            name: "shrinkage",
            value: shrinkage,
            expected: "a fraction in [0, 1)",
        });
    }
    let gross = (f64::from(agents_net) / (1.0 - shrinkage) - 1e-9).ceil().max(0.0);
    Ok(gross.min(f64::from(u32::MAX)) as u32)
}

/// Fewest agents (each serving `concurrency` contacts at once) meeting every target.
///
/// ```
/// use shiftcast::staffing::{agents_gross, required_agents, ErlangC, QueueModel, Targets};
/// let model = QueueModel::C(ErlangC::from_contacts(100.0, 180.0, 30).unwrap());
/// let targets = Targets {
///     service_level: Some(0.8),
///     target_answer_seconds: Some(20.0),
///     max_occupancy: Some(0.85),
///     ..Targets::default()
/// };
/// let r = required_agents(&model, &targets, 1).unwrap();
/// assert_eq!(r.agents_net, 14);
/// assert_eq!(agents_gross(r.agents_net, 0.3).unwrap(), 20);
/// ```
pub fn required_agents(
    model: &QueueModel,
    targets: &Targets,
    concurrency: u32,
) -> Result<Requirement, StaffingError> {
    targets.validate()?;
    if concurrency == 0 {
        return Err(StaffingError::InvalidParameter {
            name: "concurrency",
            value: 0.0,
            expected: "an integer >= 1",
        });
    }
    if targets.max_abandon_rate.is_some() && matches!(model, QueueModel::C(_)) {
        return Err(StaffingError::Invalid(
            "max_abandon_rate needs patience_seconds (Erlang A): Erlang C callers never abandon"
                .into(),
        ));
    }
    if !targets.has_queue_target() && targets.min_agents == 0 {
        return Err(StaffingError::Invalid(
            "no target given: set service_level with target_answer_seconds, max_asa_seconds, \
             max_abandon_rate, max_occupancy or min_agents"
                .into(),
        ));
    }
    let t = targets.target_answer_seconds.unwrap_or(0.0);
    let k = concurrency;
    let a = model.traffic_erlangs();
    let floor = targets.min_agents;
    if a <= 0.0 {
        let metrics = model.metrics(floor.saturating_mul(k), t);
        let binding = if floor > 0 { Binding::MinAgents } else { Binding::None };
        return Ok(Requirement { agents_net: floor, metrics, binding });
    }
    let cap_agents = search_cap(a) / k + 1;
    match model {
        QueueModel::C(c) => search_erlang_c(c, targets, k, t, cap_agents),
        QueueModel::A(ea) => {
            // Start where Erlang C (same targets but abandonment) would land: usually within a
            // few agents of the answer.
            let c_targets = Targets { max_abandon_rate: None, ..*targets };
            let guess = if c_targets.has_queue_target() {
                let c = ErlangC::new(a, ea.aht_seconds())?;
                search_erlang_c(&c, &c_targets, k, t, cap_agents)
                    .map(|r| r.agents_net)
                    .unwrap_or(floor)
            } else {
                ((a / f64::from(k)).ceil() as u32).max(floor)
            };
            search_monotone(model, targets, k, t, guess, cap_agents)
        }
    }
}

fn search_erlang_c(
    c: &ErlangC,
    targets: &Targets,
    k: u32,
    t: f64,
    cap_agents: u32,
) -> Result<Requirement, StaffingError> {
    let a = c.traffic_erlangs();
    let kf = f64::from(k);
    let stable = (a / kf).floor() as u32 + 1;
    let occupancy_bound =
        targets.max_occupancy.map(|o| (a / (kf * o) - 1e-9).ceil() as u32).unwrap_or(0);
    let start = stable.max(occupancy_bound).max(targets.min_agents);
    let mut agents = start;
    let mut b = erlang_b(agents * k, a);
    let mut previous_miss = None;
    loop {
        let m = c.metrics_from_b(agents * k, b, t);
        match targets.missed(&m) {
            None => {
                let binding = match previous_miss {
                    Some(miss) => miss,
                    None if start == targets.min_agents && start > stable.max(occupancy_bound) => {
                        Binding::MinAgents
                    }
                    None if occupancy_bound >= stable && targets.max_occupancy.is_some() => {
                        Binding::MaxOccupancy
                    }
                    None => Binding::Stability,
                };
                return Ok(Requirement { agents_net: agents, metrics: m, binding });
            }
            Some(miss) => previous_miss = Some(miss),
        }
        if agents >= cap_agents {
            return Err(unreachable(targets, agents, a));
        }
        // Advance B by k servers: B(m) = A·B(m−1) / (m + A·B(m−1)).
        for i in 1..=k {
            let ab = a * b;
            b = ab / (f64::from(agents * k + i) + ab);
        }
        agents += 1;
    }
}

fn unreachable(targets: &Targets, agents: u32, a: f64) -> StaffingError {
    StaffingError::Unreachable(format!(
        "no agent count up to {agents} meets the targets ({}) for {a:.4} Erlangs",
        describe(targets)
    ))
}

fn describe(t: &Targets) -> String {
    let mut parts = Vec::new();
    if let (Some(sl), Some(s)) = (t.service_level, t.target_answer_seconds) {
        parts.push(format!("service level {sl} within {s} s"));
    }
    if let Some(x) = t.max_asa_seconds {
        parts.push(format!("ASA <= {x} s"));
    }
    if let Some(x) = t.max_abandon_rate {
        parts.push(format!("abandonment <= {x}"));
    }
    if let Some(x) = t.max_occupancy {
        parts.push(format!("occupancy <= {x}"));
    }
    parts.join(", ")
}

/// Next galloping step: at least double the last one, or further if the margin's slope says the
/// answer (margin 0) lies further away — aiming 30 % past it so that the next probe usually
/// brackets the answer.
fn next_step(step: u32, distance_in_margin: f64, slope_per_agent: f64) -> u32 {
    let doubled = step.saturating_mul(2);
    let extrapolated = 1.3 * distance_in_margin / slope_per_agent;
    if extrapolated.is_finite() && extrapolated > f64::from(doubled) {
        extrapolated.min(f64::from(u32::MAX / 4)).ceil() as u32
    } else {
        doubled
    }
}

/// Gallop from `guess` and bisect: the first agent count >= the floor meeting every target,
/// assuming feasibility is monotone in agents.
fn search_monotone(
    model: &QueueModel,
    targets: &Targets,
    k: u32,
    t: f64,
    guess: u32,
    cap_agents: u32,
) -> Result<Requirement, StaffingError> {
    let floor = targets.min_agents;
    let eval = |agents: u32| {
        let m = model.metrics(agents * k, t);
        (targets.missed(&m), m, targets.margin(&m))
    };
    let guess = guess.clamp(floor, cap_agents);
    // Invariant: `bad` misses a target, `good` meets all; margins kept for interpolation.
    let (mut bad, mut bad_miss, mut bad_margin, mut good, mut good_m, mut good_margin) =
        match eval(guess) {
            (None, m, margin) => {
                let (mut good, mut good_m, mut good_margin) = (guess, m, margin);
                let mut step = 1u32;
                loop {
                    if good == floor {
                        let binding = if floor > 0 { Binding::MinAgents } else { Binding::None };
                        return Ok(Requirement { agents_net: floor, metrics: good_m, binding });
                    }
                    let probe = good.saturating_sub(step).max(floor);
                    match eval(probe) {
                        (None, m, margin) => {
                            let slope = (good_margin - margin) / f64::from(good - probe);
                            (good, good_m, good_margin) = (probe, m, margin);
                            step = next_step(step, margin, slope);
                        }
                        (Some(miss), _, margin) => {
                            break (probe, miss, margin, good, good_m, good_margin)
                        }
                    }
                }
            }
            (Some(first_miss), _, first_margin) => {
                let (mut bad, mut bad_miss, mut bad_margin) = (guess, first_miss, first_margin);
                let mut step = 1u32;
                loop {
                    if bad >= cap_agents {
                        return Err(unreachable(targets, cap_agents, model.traffic_erlangs()));
                    }
                    let probe = bad.saturating_add(step).min(cap_agents);
                    match eval(probe) {
                        (None, m, margin) => break (bad, bad_miss, bad_margin, probe, m, margin),
                        (Some(miss), _, margin) => {
                            let slope = (margin - bad_margin) / f64::from(probe - bad);
                            (bad, bad_miss, bad_margin) = (probe, miss, margin);
                            step = next_step(step, -margin, slope);
                        }
                    }
                }
            }
        };
    // Regula falsi on the margin, falling back to bisection whenever a step fails to halve the
    // bracket; the bracket shrinks by at least one agent per evaluation, so this ends.
    let mut bisect = false;
    while good - bad > 1 {
        let width = good - bad;
        let interpolate = !bisect
            && bad_margin.is_finite()
            && good_margin.is_finite()
            && good_margin > bad_margin;
        let probe = if interpolate {
            let fraction = -bad_margin / (good_margin - bad_margin);
            bad + ((fraction * f64::from(width)).round() as u32).clamp(1, width - 1)
        } else {
            bad + width / 2
        };
        match eval(probe) {
            (None, m, margin) => (good, good_m, good_margin) = (probe, m, margin),
            (Some(miss), _, margin) => (bad, bad_miss, bad_margin) = (probe, miss, margin),
        }
        bisect = (good - bad) * 2 > width;
    }
    let binding = if bad < floor { Binding::MinAgents } else { bad_miss };
    Ok(Requirement { agents_net: good, metrics: good_m, binding })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice() -> QueueModel {
        QueueModel::C(ErlangC::from_contacts(100.0, 180.0, 30).unwrap())
    }

    fn sl_80_20() -> Targets {
        Targets {
            service_level: Some(0.8),
            target_answer_seconds: Some(20.0),
            ..Targets::default()
        }
    }

    #[test]
    fn issue_reference_14_net_20_gross() {
        let targets = Targets { max_occupancy: Some(0.85), ..sl_80_20() };
        let r = required_agents(&voice(), &targets, 1).unwrap();
        assert_eq!(r.agents_net, 14);
        assert_eq!(r.binding, Binding::ServiceLevel);
        assert!((r.metrics.service_level - 0.888350).abs() < 5e-7);
        assert_eq!(agents_gross(r.agents_net, 0.3).unwrap(), 20);
        // 13 agents miss: C(13, 10) = 0.285270 (B(13, 10) by hand recursion), SL = 1 − C·e^{−1/3}.
        let c13 = ErlangC::new(10.0, 180.0).unwrap().service_level(13, 20.0);
        assert!((c13 - (1.0 - 0.285_270_45 * (-1.0f64 / 3.0).exp())).abs() < 1e-8, "{c13}");
        assert!(c13 < 0.8);
    }

    #[test]
    fn each_target_can_bind() {
        let asa = Targets { max_asa_seconds: Some(5.0), ..Targets::default() };
        let r = required_agents(&voice(), &asa, 1).unwrap();
        assert_eq!(r.binding, Binding::MaxAsa);
        assert!(r.metrics.asa_seconds <= 5.0);
        assert!(ErlangC::new(10.0, 180.0).unwrap().asa_seconds(r.agents_net - 1) > 5.0);
        let occ = Targets { max_occupancy: Some(0.5), ..sl_80_20() };
        let r = required_agents(&voice(), &occ, 1).unwrap();
        assert_eq!((r.agents_net, r.binding), (20, Binding::MaxOccupancy));
        let floor = Targets { min_agents: 30, ..sl_80_20() };
        let r = required_agents(&voice(), &floor, 1).unwrap();
        assert_eq!((r.agents_net, r.binding), (30, Binding::MinAgents));
    }

    #[test]
    fn impossible_targets_are_errors_not_loops() {
        let sl1 = Targets { service_level: Some(1.0), ..sl_80_20() };
        assert!(matches!(required_agents(&voice(), &sl1, 1), Err(StaffingError::Unreachable(_))));
        let asa0 = Targets { max_asa_seconds: Some(0.0), ..Targets::default() };
        let e = required_agents(&voice(), &asa0, 1).unwrap_err().to_string();
        assert!(e.contains("max_asa_seconds"), "{e}");
        // Absurd but reachable (C(n, 10) ≈ 10ⁿ/n! falls below 1e−300 near n = 290): the search
        // still ends, inside its cap.
        let tiny = Targets { max_asa_seconds: Some(1e-300), ..Targets::default() };
        let r = required_agents(&voice(), &tiny, 1).unwrap();
        assert!((250..=400).contains(&r.agents_net), "{r:?}");
        let ab = Targets { max_abandon_rate: Some(0.05), ..Targets::default() };
        assert!(required_agents(&voice(), &ab, 1).is_err());
        assert!(required_agents(&voice(), &Targets::default(), 1).is_err());
    }

    #[test]
    fn erlang_a_requirement_is_the_first_count_meeting_targets() {
        let model = QueueModel::A(ErlangA::from_contacts(100.0, 180.0, 30, 300.0).unwrap());
        let targets = Targets { max_abandon_rate: Some(0.02), ..sl_80_20() };
        let r = required_agents(&model, &targets, 1).unwrap();
        let n = r.agents_net;
        let meets = |n: u32| {
            let m = model.metrics(n, 20.0);
            m.service_level >= 0.8 && m.abandon_rate.unwrap() <= 0.02
        };
        assert!(meets(n) && !meets(n - 1), "n = {n}");
        // Abandonment relieves the queue: never more than Erlang C's 14.
        assert!(n <= 14);
        // A loose target is met below the traffic (overloaded but abandoning).
        let loose = Targets { max_abandon_rate: Some(0.3), ..Targets::default() };
        let r = required_agents(&model, &loose, 1).unwrap();
        assert!(r.agents_net < 10 && r.binding == Binding::MaxAbandonRate, "{r:?}");
    }

    #[test]
    fn zero_traffic_needs_only_the_floor() {
        let model = QueueModel::C(ErlangC::new(0.0, 180.0).unwrap());
        let r = required_agents(&model, &Targets { min_agents: 2, ..sl_80_20() }, 1).unwrap();
        assert_eq!((r.agents_net, r.binding), (2, Binding::MinAgents));
        assert_eq!(required_agents(&model, &sl_80_20(), 1).unwrap().agents_net, 0);
    }

    #[test]
    fn chat_agents_are_slots_divided_by_concurrency() {
        // 30 Erl of chat sessions, 3 per agent: the answer is ⌈(servers needed)/3⌉ — the fewest
        // agents whose 3N slots meet the target.
        let model = QueueModel::C(ErlangC::new(30.0, 240.0).unwrap());
        let servers = required_agents(&model, &sl_80_20(), 1).unwrap().agents_net;
        let agents = required_agents(&model, &sl_80_20(), 3).unwrap().agents_net;
        assert_eq!(agents, servers.div_ceil(3));
    }

    #[test]
    fn very_large_centres_are_staffed_without_overflow() {
        // 9,000 Erlangs: square-root staffing puts the answer a little above A.
        let model = QueueModel::C(ErlangC::new(9000.0, 180.0).unwrap());
        let r = required_agents(&model, &sl_80_20(), 1).unwrap();
        let n = r.agents_net;
        assert!(n > 9000 && n < 9000 + 100, "{n}");
        assert!(model.metrics(n - 1, 20.0).service_level < 0.8);
        assert!(r.metrics.service_level >= 0.8);
        let model = QueueModel::A(ErlangA::new(9000.0, 180.0, 300.0).unwrap());
        let targets = Targets { max_abandon_rate: Some(0.01), ..sl_80_20() };
        let r = required_agents(&model, &targets, 1).unwrap();
        let m = r.metrics;
        assert!(m.service_level >= 0.8 && m.abandon_rate.unwrap() <= 0.01, "{r:?}");
        let below = model.metrics(r.agents_net - 1, 20.0);
        assert!(below.service_level < 0.8 || below.abandon_rate.unwrap() > 0.01);
    }

    #[test]
    fn gross_rounding_and_bad_shrinkage() {
        assert_eq!(agents_gross(14, 0.3).unwrap(), 20);
        assert_eq!(agents_gross(15, 0.3).unwrap(), 22);
        assert_eq!(agents_gross(0, 0.3).unwrap(), 0);
        assert!(agents_gross(10, 1.0).is_err());
        assert!(agents_gross(10, -0.1).is_err());
    }
}
