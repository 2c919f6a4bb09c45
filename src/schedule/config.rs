//! The `[schedule]` section of plan.toml: shift templates (generated or explicit), break rules,
//! contracts (weekly tours), objective weights and solver options, with validation that names
//! the key at fault.

use serde::Deserialize;

use super::ScheduleError;

/// `[schedule]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {
    /// What `plan` and `schedule` minimise: `service-level` (default: the cheapest schedule
    /// meeting each queue's service-level target per day or week, deferred queues covered in
    /// every interval) or `cost` (paid hours plus under- and over-staffing penalties).
    pub objective: super::Objective,
    /// Generated templates: a shift may start every this many minutes ...
    pub start_step_minutes: u32,
    /// ... from this local time of day ...
    pub earliest_start: String,
    /// ... to this one (inclusive), every day of the horizon.
    pub latest_start: String,
    /// Generated templates: shift lengths (paid breaks included, unpaid lunches too).
    pub shift_lengths_minutes: Vec<u32>,
    /// Explicit templates; when present they replace the generated ones.
    pub shifts: Vec<ShiftTemplateConfig>,
    /// Breaks and lunches, each placed by the integer program inside its window.
    pub breaks: Vec<BreakRuleConfig>,
    /// Contracts; when present the schedule is built from weekly tours (days-off patterns).
    pub contracts: Vec<ContractConfig>,
    /// Cost of one paid hour.
    pub cost_per_paid_hour: f64,
    /// Fixed cost of one shift.
    pub cost_per_shift: f64,
    /// Cost of one agent (one weekly tour); used with contracts.
    pub cost_per_agent: f64,
    /// Penalty per agent-hour below the requirement (cost mode).
    pub under_staffing_cost_per_agent_hour: f64,
    /// Penalty per agent-hour above the requirement (cost mode).
    pub over_staffing_cost_per_agent_hour: f64,
    /// Cost mode: forbid any interval below its requirement.
    pub hard_coverage: bool,
    /// Floor of agents on the phone in every open interval (the queue's `min_agents` too).
    pub min_agents_per_interval: u32,
    /// Cap of agents on the phone in any interval (seats, licences).
    pub max_agents_per_interval: Option<u32>,
    /// Service-level mode: every interval with contacts of a queue with a service-level target
    /// is scheduled at least the head-count whose projected service level reaches this fraction
    /// (the day's target still holds on the contact-weighted mean); `None`: no floor.
    pub interval_service_level_floor: Option<f64>,
    /// Whether a shift may cover intervals where the queue is closed.
    pub allow_closed_intervals: bool,
    /// Service-level mode: the contact-weighted target holds per `day` or per `week`.
    pub service_level_scope: ServiceLevelScope,
    /// Solver time limit (seconds): of each queue's solve, and of each block of days when a
    /// queue's days are solved apart (`schedule::blocks`).
    pub time_limit_seconds: f64,
    /// Relative MIP gap at which the solver may stop.
    pub mip_gap: f64,
    /// microlp's branch and bound stops after this many nodes (0: no budget, only the clock).
    /// Unlike the time limit it stops at the same point on every run and machine, so the
    /// schedule it returns can be kept; a search stopped by the clock is not used when the
    /// heuristic has a schedule (README, schedule: determinism).
    pub node_limit: u64,
    /// Service-level mode: branch-and-bound nodes after the heuristic (0: none; the heuristic's
    /// schedule is returned with its gap to the LP bound). The search works on the concave hull
    /// of each interval's curve, which the true curve (a staircase under unplanned shrinkage)
    /// often does not confirm: on the sample week 2,000 nodes per day took 3 times as long and
    /// saved 2 paid hours of chat and none of voice.
    pub service_level_node_limit: u64,
    /// Shrinkage the schedule does not model as break rules (absence, training, meetings), as a
    /// fraction of scheduled time in [0, 1). Each interval is scheduled to
    /// `ceil(agents_net / (1 - unplanned_shrinkage))` people, and the projected service level
    /// of `n` scheduled people is that of `floor(n * (1 - unplanned_shrinkage))` on the phone.
    /// With `[staffing] shrinkage` s and paid breaks taking a fraction b of paid time, this is
    /// `1 - (1 - s) / (1 - b)`.
    pub unplanned_shrinkage: f64,
    /// `auto` (default), `pattern`, `explicit` or `implicit` (Bechtold & Jacobs 1990): how
    /// breaks enter the integer program (see `schedule::model`).
    pub break_formulation: super::model::BreakFormulation,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            objective: super::Objective::ServiceLevel,
            start_step_minutes: 30,
            earliest_start: "00:00".into(),
            latest_start: "23:59".into(),
            shift_lengths_minutes: vec![240, 360, 480, 600],
            shifts: Vec::new(),
            breaks: Vec::new(),
            contracts: Vec::new(),
            cost_per_paid_hour: 1.0,
            cost_per_shift: 0.0,
            cost_per_agent: 0.0,
            under_staffing_cost_per_agent_hour: 10.0,
            over_staffing_cost_per_agent_hour: 0.1,
            hard_coverage: false,
            min_agents_per_interval: 0,
            max_agents_per_interval: None,
            interval_service_level_floor: None,
            allow_closed_intervals: false,
            service_level_scope: ServiceLevelScope::Day,
            time_limit_seconds: 30.0,
            mip_gap: 1e-4,
            node_limit: 2_000,
            service_level_node_limit: 0,
            unplanned_shrinkage: 0.0,
            break_formulation: super::model::BreakFormulation::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceLevelScope {
    Day,
    Week,
}

/// `[[schedule.shifts]]`: one explicit shift template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTemplateConfig {
    pub name: String,
    /// Local start time `HH:MM`.
    pub start: String,
    pub length_minutes: u32,
    /// Weekdays the template may be used (`mon`..`sun`); all when absent.
    #[serde(default)]
    pub days: Option<Vec<String>>,
}

/// `[[schedule.breaks]]`: a break or lunch for shifts of some lengths.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakRuleConfig {
    pub name: String,
    pub length_minutes: u32,
    /// Unpaid breaks (lunches) are taken off the shift's paid minutes.
    #[serde(default = "yes")]
    pub paid: bool,
    /// Earliest break start, minutes after the shift start (negative: before the shift end).
    pub earliest_start_minutes: i32,
    /// Latest break start, same convention.
    pub latest_start_minutes: i32,
    /// The rule applies to shifts at least this long ...
    #[serde(default)]
    pub min_shift_minutes: u32,
    /// ... and at most this long.
    #[serde(default = "day_minutes")]
    pub max_shift_minutes: u32,
}

fn yes() -> bool {
    true
}

fn day_minutes() -> u32 {
    1440
}

/// `[[schedule.contracts]]`: a contract type whose agents work weekly tours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractConfig {
    pub name: String,
    /// Shift lengths an agent on this contract works.
    pub shift_lengths_minutes: Vec<u32>,
    /// Working days per week (the other days are days off).
    pub days_per_week: u32,
    /// Days off form one run (wrapping over the week's end, as the tour repeats weekly).
    #[serde(default = "yes")]
    pub consecutive_days_off: bool,
    /// Average weekly paid minutes of the contract's agents, lower bound.
    #[serde(default)]
    pub min_weekly_paid_minutes: Option<u32>,
    /// Average weekly paid minutes, upper bound.
    #[serde(default)]
    pub max_weekly_paid_minutes: Option<u32>,
    /// At most this many agents on the contract.
    #[serde(default)]
    pub max_agents: Option<u32>,
}

/// A `[schedule]` key's error.
fn bad(key: String, message: String) -> Result<(), ScheduleError> {
    Err(ScheduleError::Config { key, message })
}

impl ScheduleConfig {
    /// Check the section against the site's interval length (the first problem found is
    /// reported).
    pub fn validate(&self, interval_minutes: u32) -> Result<(), ScheduleError> {
        if !(0.0..1.0).contains(&self.unplanned_shrinkage) {
            return bad(
                "schedule.unplanned_shrinkage".into(),
                format!("expected a fraction in [0, 1), got {}", self.unplanned_shrinkage),
            );
        }
        self.validate_shift_grid(interval_minutes)?;
        self.validate_break_rules(interval_minutes)?;
        let lengths = self.template_lengths();
        self.validate_break_windows(&lengths)?;
        self.validate_contracts(&lengths)?;
        for (k, v) in [
            ("cost_per_paid_hour", self.cost_per_paid_hour),
            ("cost_per_shift", self.cost_per_shift),
            ("cost_per_agent", self.cost_per_agent),
            ("under_staffing_cost_per_agent_hour", self.under_staffing_cost_per_agent_hour),
            ("over_staffing_cost_per_agent_hour", self.over_staffing_cost_per_agent_hour),
            ("mip_gap", self.mip_gap),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("schedule.{k}"), format!("expected a number >= 0, got {v}"));
            }
        }
        if let Some(f) = self.interval_service_level_floor {
            if !(f.is_finite() && f > 0.0 && f < 1.0) {
                return bad(
                    "schedule.interval_service_level_floor".into(),
                    format!("expected a fraction in (0, 1), got {f}"),
                );
            }
        }
        if !(self.time_limit_seconds.is_finite() && self.time_limit_seconds > 0.0) {
            return bad(
                "schedule.time_limit_seconds".into(),
                format!("expected a number > 0, got {}", self.time_limit_seconds),
            );
        }
        Ok(())
    }

    /// Generated starts (step, earliest and latest start), shift lengths and templates.
    fn validate_shift_grid(&self, im: u32) -> Result<(), ScheduleError> {
        let multiple = |v: u32| v > 0 && v % im == 0;
        if self.shifts.is_empty() {
            if !multiple(self.start_step_minutes) {
                return bad(
                    "schedule.start_step_minutes".into(),
                    format!(
                        "expected a positive multiple of the {im}-minute interval, got {}",
                        self.start_step_minutes
                    ),
                );
            }
            for (key, v) in
                [("earliest_start", &self.earliest_start), ("latest_start", &self.latest_start)]
            {
                let m = crate::time::parse_hhmm_minutes(v).map_err(|m| ScheduleError::Config {
                    key: format!("schedule.{key}"),
                    message: m,
                })?;
                if m >= 1440 {
                    return bad(
                        format!("schedule.{key}"),
                        "expected a time of day before 24:00".into(),
                    );
                }
            }
            if self.shift_lengths_minutes.is_empty() {
                return bad(
                    "schedule.shift_lengths_minutes".into(),
                    "expected at least one length".into(),
                );
            }
        }
        for (i, &l) in self.shift_lengths_minutes.iter().enumerate() {
            if !multiple(l) || l > 1440 {
                return bad(
                    format!("schedule.shift_lengths_minutes[{i}]"),
                    format!("expected a multiple of the {im}-minute interval up to 1440, got {l}"),
                );
            }
        }
        for (i, s) in self.shifts.iter().enumerate() {
            let key = |k: &str| format!("schedule.shifts[{i}] ({}).{k}", s.name);
            let m = crate::time::parse_hhmm_minutes(&s.start)
                .map_err(|m| ScheduleError::Config { key: key("start"), message: m })?;
            if m % im != 0 || m >= 1440 {
                return bad(
                    key("start"),
                    format!(
                        "expected a time on the {im}-minute grid before 24:00, got {}",
                        s.start
                    ),
                );
            }
            if !multiple(s.length_minutes) || s.length_minutes > 1440 {
                return bad(
                    key("length_minutes"),
                    format!("expected a multiple of {im} up to 1440, got {}", s.length_minutes),
                );
            }
            for d in s.days.iter().flatten() {
                crate::time::parse_weekday(d)
                    .map_err(|m| ScheduleError::Config { key: key("days"), message: m })?;
            }
        }
        Ok(())
    }

    /// Each break rule's length and window on the interval grid.
    fn validate_break_rules(&self, im: u32) -> Result<(), ScheduleError> {
        let multiple = |v: u32| v > 0 && v % im == 0;
        for (i, b) in self.breaks.iter().enumerate() {
            let key = |k: &str| format!("schedule.breaks[{i}] ({}).{k}", b.name);
            if !multiple(b.length_minutes) {
                return bad(
                    key("length_minutes"),
                    format!("expected a positive multiple of {im}, got {}", b.length_minutes),
                );
            }
            for (k, v) in [
                ("earliest_start_minutes", b.earliest_start_minutes),
                ("latest_start_minutes", b.latest_start_minutes),
            ] {
                if v.unsigned_abs() % im != 0 {
                    return bad(key(k), format!("expected a multiple of {im}, got {v}"));
                }
            }
            if (b.earliest_start_minutes < 0) != (b.latest_start_minutes < 0) {
                return bad(key("latest_start_minutes"), "earliest and latest must both count from the start (>= 0) or both from the end (< 0)".into());
            }
            if b.latest_start_minutes < b.earliest_start_minutes {
                return bad(
                    key("latest_start_minutes"),
                    format!("must be >= earliest_start_minutes ({})", b.earliest_start_minutes),
                );
            }
            if b.max_shift_minutes < b.min_shift_minutes {
                return bad(key("max_shift_minutes"), "must be >= min_shift_minutes".into());
            }
        }
        Ok(())
    }

    /// On every shift length, each break window fits inside the shift and the windows do not
    /// overlap.
    fn validate_break_windows(&self, lengths: &[u32]) -> Result<(), ScheduleError> {
        for &len in lengths {
            let mut windows: Vec<(i64, i64, &str)> = Vec::new();
            for (i, b) in self.breaks.iter().enumerate() {
                if let Some((a, z)) = b.window_for(len) {
                    if a < 0 || z + i64::from(b.length_minutes) > i64::from(len) {
                        return bad(
                            format!("schedule.breaks[{i}] ({})", b.name),
                            format!("the break window does not fit inside a {len}-minute shift"),
                        );
                    }
                    windows.push((a, z + i64::from(b.length_minutes), &b.name));
                }
            }
            windows.sort();
            for w in windows.windows(2) {
                if w[1].0 < w[0].1 {
                    return bad(
                        "schedule.breaks".into(),
                        format!(
                            "on a {len}-minute shift the windows of {:?} and {:?} overlap: a break window must end (latest start + length) before the next one opens",
                            w[0].2, w[1].2
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// Contracts: days per week, lengths that exist, paid-minute bounds, unique names, and
    /// every shift length worked by some contract.
    fn validate_contracts(&self, lengths: &[u32]) -> Result<(), ScheduleError> {
        for (i, c) in self.contracts.iter().enumerate() {
            let key = |k: &str| format!("schedule.contracts[{i}] ({}).{k}", c.name);
            if c.days_per_week == 0 || c.days_per_week > 7 {
                return bad(
                    key("days_per_week"),
                    format!("expected 1..7, got {}", c.days_per_week),
                );
            }
            if c.shift_lengths_minutes.is_empty() {
                return bad(key("shift_lengths_minutes"), "expected at least one length".into());
            }
            for &l in &c.shift_lengths_minutes {
                if !lengths.contains(&l) {
                    return bad(
                        key("shift_lengths_minutes"),
                        format!("no shift template is {l} minutes long"),
                    );
                }
            }
            if let (Some(lo), Some(hi)) = (c.min_weekly_paid_minutes, c.max_weekly_paid_minutes) {
                if hi < lo {
                    return bad(
                        key("max_weekly_paid_minutes"),
                        "must be >= min_weekly_paid_minutes".into(),
                    );
                }
            }
            if self.contracts[..i].iter().any(|p| p.name == c.name) {
                return bad(key("name"), format!("contract {:?} is defined twice", c.name));
            }
        }
        if !self.contracts.is_empty() {
            for &l in lengths {
                if !self.contracts.iter().any(|c| c.shift_lengths_minutes.contains(&l)) {
                    return bad(
                        "schedule.contracts".into(),
                        format!("no contract works the {l}-minute shifts; list the length in a contract's shift_lengths_minutes"),
                    );
                }
            }
        }
        Ok(())
    }

    /// Distinct shift lengths of the templates in use.
    pub fn template_lengths(&self) -> Vec<u32> {
        let mut v: Vec<u32> = if self.shifts.is_empty() {
            self.shift_lengths_minutes.clone()
        } else {
            self.shifts.iter().map(|s| s.length_minutes).collect()
        };
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl BreakRuleConfig {
    /// The window of break starts, in minutes after the shift start, for a shift of `len`
    /// minutes; `None` when the rule does not apply to that length.
    pub fn window_for(&self, len: u32) -> Option<(i64, i64)> {
        if len < self.min_shift_minutes || len > self.max_shift_minutes {
            return None;
        }
        let at = |v: i32| if v < 0 { i64::from(len) + i64::from(v) } else { i64::from(v) };
        Some((at(self.earliest_start_minutes), at(self.latest_start_minutes)))
    }
}
