//! `plan.toml`: the planner's one config file — the site and its queues ([`crate::site`]),
//! the data files of `[inputs]`, and each stage's own section, which the stage module owns and
//! validates. Unknown keys are errors in every section, so a typo never passes silently; a value
//! that fails validation is reported at the line of its key. Paths in `[inputs]` are relative to
//! the config file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{FileError, InputError};
use crate::forecast::ForecastConfig;
use crate::roster::RosterConfig;
use crate::schedule::ScheduleConfig;
use crate::simulate::SimulationConfig;
use crate::site::{fraction, QueueConfig, Site, SiteSection};
use crate::staffing::StaffingConfig;

/// The whole plan.toml, validated.
#[derive(Debug, Clone)]
pub struct PlanConfig {
    /// Where the file was read from (inputs resolve relative to its folder).
    pub path: PathBuf,
    /// `[site]` and `[[queues]]`.
    pub site: Site,
    pub inputs: Inputs,
    pub staffing: StaffingConfig,
    pub forecast: ForecastConfig,
    pub schedule: ScheduleConfig,
    pub roster: RosterConfig,
    pub simulation: SimulationConfig,
}

/// `[inputs]`: the data files of a plan, resolved against the config's folder.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub history: Option<PathBuf>,
    pub events: Option<PathBuf>,
    pub agents: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    site: SiteSection,
    #[serde(default)]
    inputs: RawInputs,
    staffing: StaffingConfig,
    queues: Vec<QueueConfig>,
    #[serde(default)]
    forecast: ForecastConfig,
    #[serde(default)]
    schedule: ScheduleConfig,
    #[serde(default)]
    roster: RosterConfig,
    #[serde(default)]
    simulation: SimulationConfig,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    history: Option<PathBuf>,
    events: Option<PathBuf>,
    agents: Option<PathBuf>,
}

/// The 1-based line of a key path such as `staffing.shrinkage`, `site.opening_hours` or
/// `queues[2] (email).deadline_minutes` in plan.toml text: the line assigning the key, else the
/// header of its table (a missing key is reported where it belongs). `None` if the table is not
/// found (e.g. a key written in inline-table form).
fn line_of_key(text: &str, key: &str) -> Option<u64> {
    let lines: Vec<&str> = text.lines().collect();
    let header = |l: &str| -> Option<String> {
        let t = l.trim();
        let inner = t
            .strip_prefix("[[")
            .and_then(|r| r.split_once("]]"))
            .map(|(h, _)| h)
            .or_else(|| t.strip_prefix('[').and_then(|r| r.split_once(']')).map(|(h, _)| h))?;
        Some(inner.trim().to_string())
    };
    // (table header line index, key inside it)
    let (start, name) = if let Some(rest) = key.strip_prefix("queues[") {
        let (index, after) = rest.split_once(']')?;
        let index: usize = index.parse().ok()?;
        let name = after.rsplit_once(").").map(|(_, k)| k).or_else(|| after.strip_prefix('.'))?;
        let start = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim().starts_with("[[queues]]"))
            .nth(index)
            .map(|(i, _)| i)?;
        (start, name)
    } else {
        let (table, name) = key.split_once('.')?;
        let sub = format!("{table}.{name}");
        if let Some(i) = lines.iter().position(|l| header(l).as_deref() == Some(sub.as_str())) {
            return Some(i as u64 + 1);
        }
        (lines.iter().position(|l| header(l).as_deref() == Some(table))?, name)
    };
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        if header(l).is_some() {
            break;
        }
        if let Some(rest) = l.trim().strip_prefix(name) {
            if rest.trim_start().starts_with('=') {
                return Some(i as u64 + 1);
            }
        }
    }
    Some(start as u64 + 1)
}

/// Whether `[table] key` is set in the TOML text.
fn has_key(text: &str, table: &str, key: &str) -> bool {
    let Ok(value) = text.parse::<toml::Table>() else { return false };
    value.get(table).and_then(|t| t.as_table()).is_some_and(|t| t.contains_key(key))
}

/// `[schedule] unplanned_shrinkage` when plan.toml leaves it out: the part of `[staffing]
/// shrinkage` the break rules do not already take, so the chain agrees on one figure:
/// `1 − (1 − shrinkage) / (1 − b)`, with `b` the paid breaks' share of the paid time of the
/// longest shift (the full-time shift most hours come in). 0 when the breaks take it all.
pub fn unplanned_shrinkage_default(shrinkage: f64, schedule: &ScheduleConfig) -> f64 {
    let longest = schedule
        .shift_lengths_minutes
        .iter()
        .copied()
        .chain(schedule.shifts.iter().map(|t| t.length_minutes))
        .max()
        .unwrap_or(0);
    let applies = |b: &&crate::schedule::BreakRuleConfig| {
        (b.min_shift_minutes..=b.max_shift_minutes).contains(&longest)
    };
    let unpaid: u32 =
        schedule.breaks.iter().filter(applies).filter(|b| !b.paid).map(|b| b.length_minutes).sum();
    let paid_breaks: u32 =
        schedule.breaks.iter().filter(applies).filter(|b| b.paid).map(|b| b.length_minutes).sum();
    let paid_minutes = longest.saturating_sub(unpaid);
    if paid_minutes == 0 {
        return shrinkage;
    }
    let b = f64::from(paid_breaks) / f64::from(paid_minutes);
    (1.0 - (1.0 - shrinkage) / (1.0 - b)).max(0.0)
}

impl PlanConfig {
    /// Read and validate a plan.toml.
    pub fn read(path: &Path) -> Result<PlanConfig, FileError> {
        let text = std::fs::read(path).map_err(|e| FileError::io(path, e))?;
        let file = path.display().to_string();
        let text = String::from_utf8(text)
            .map_err(|_| InputError::new(&file, "expected UTF-8 text, found invalid bytes"))?;
        Self::parse(&file, &text, path.parent().unwrap_or(Path::new(""))).map(|mut c| {
            c.path = path.to_path_buf();
            c
        })
    }

    /// Parse plan.toml text; `base` is the folder relative input paths resolve against.
    pub fn parse(file: &str, text: &str, base: &Path) -> Result<PlanConfig, FileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self::parse_unlocated(file, text, base).map_err(|e| match e {
            // A value that parsed but failed validation: find the line of its key.
            FileError::Input(mut input) if input.line.is_none() => {
                input.line = input.column.as_deref().and_then(|key| line_of_key(text, key));
                FileError::Input(input)
            }
            other => other,
        })
    }

    /// Simulation settings of this plan: `simulation` (its `[simulation]`, possibly with flags
    /// applied) validated, and `absence = "auto"` resolved to the schedule's
    /// `unplanned_shrinkage` — the one shrinkage figure the chain agrees on, so `simulate` on a
    /// plan's files draws the absence the plan's own simulation drew.
    pub fn simulation_options(
        &self,
        simulation: &SimulationConfig,
    ) -> Result<crate::simulate::SimulationOptions, crate::simulate::SimulateError> {
        let mut options =
            crate::simulate::SimulationOptions::from_config(simulation, self.staffing.shrinkage)?;
        if options.absence.setting == crate::simulate::AbsenceSetting::Auto {
            options.absence.setting =
                crate::simulate::AbsenceSetting::Fraction(self.schedule.unplanned_shrinkage);
        }
        Ok(options)
    }

    /// The site and `[staffing]`, as a what-if sweep takes them.
    pub fn whatif_plan(&self) -> crate::simulate::whatif::WhatifPlan {
        crate::simulate::whatif::WhatifPlan {
            site: self.site.clone(),
            staffing: self.staffing.clone(),
        }
    }

    fn parse_unlocated(file: &str, text: &str, base: &Path) -> Result<PlanConfig, FileError> {
        let raw: RawPlan = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count()
                    as u64
                    + 1
            });
            InputError {
                file: file.to_string(),
                line,
                column: None,
                message: e.message().to_string(),
            }
        })?;
        fraction(file, "staffing.shrinkage", raw.staffing.shrinkage, true, false)?;
        let site = Site::from_sections(file, &raw.site, raw.queues)?;
        let mut schedule = raw.schedule;
        if !has_key(text, "schedule", "unplanned_shrinkage") {
            schedule.unplanned_shrinkage =
                unplanned_shrinkage_default(raw.staffing.shrinkage, &schedule);
        }
        let resolve =
            |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        Ok(PlanConfig {
            path: PathBuf::from(file),
            site,
            inputs: Inputs {
                history: resolve(raw.inputs.history),
                events: resolve(raw.inputs.events),
                agents: resolve(raw.inputs.agents),
            },
            staffing: raw.staffing,
            forecast: raw.forecast,
            schedule,
            roster: raw.roster,
            simulation: raw.simulation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unplanned_shrinkage_defaults_to_the_part_breaks_do_not_take() {
        // The sample's rules: an 8.5-hour span with a 30-minute unpaid lunch (480 paid
        // minutes) and two paid 15-minute breaks: b = 30 / 480 = 0.0625, so of 30% shrinkage
        // 1 − 0.70 / 0.9375 = 0.253333… is left for absence, training and meetings.
        let sample =
            PlanConfig::parse("plan.toml", crate::generate::PLAN_TOML, Path::new("")).unwrap();
        let mut schedule = sample.schedule.clone();
        schedule.unplanned_shrinkage = 0.0;
        let derived = unplanned_shrinkage_default(0.30, &schedule);
        assert!((derived - (1.0 - 0.70 / 0.9375)).abs() < 1e-12, "{derived}");
        // Breaks that take more than the shrinkage leave nothing.
        assert_eq!(unplanned_shrinkage_default(0.05, &schedule), 0.0);
        // Set explicitly, the key wins.
        let text = format!("{MINIMAL}[schedule]\nunplanned_shrinkage = 0.1\n");
        let c = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap();
        assert_eq!(c.schedule.unplanned_shrinkage, 0.1);
        // Left out, without break rules: all of [staffing] shrinkage.
        let c = PlanConfig::parse("plan.toml", MINIMAL, Path::new("")).unwrap();
        assert!((c.schedule.unplanned_shrinkage - 0.30).abs() < 1e-12);
    }

    const MINIMAL: &str = r#"
[site]
time_zone = "Asia/Shanghai"
interval_minutes = 15
[staffing]
shrinkage = 0.30
[[queues]]
name = "voice"
channel = "voice"
service_level = 0.80
target_answer_seconds = 20
max_occupancy = 0.85
patience_seconds = 180
[[queues]]
name = "chat"
channel = "chat"
service_level = 0.8
target_answer_seconds = 30
concurrency = 3
[[queues]]
name = "email"
channel = "email"
deadline_minutes = 120
"#;

    #[test]
    fn minimal_plan_is_valid() {
        let c = PlanConfig::parse("plan.toml", MINIMAL, Path::new("")).unwrap();
        assert_eq!(c.site.queues.len(), 3);
        assert_eq!(c.site.grid.interval_minutes, 15);
        assert!(c.site.opening_hours.is_always_open());
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let text = MINIMAL.replace("shrinkage = 0.30", "shrinkage = 0.30\nshrinkge = 0.3");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(e.contains("plan.toml line 7"), "{e}");
        assert!(e.contains("shrinkge"), "{e}");
    }

    #[test]
    fn validation_errors_name_the_line_of_the_key() {
        let text = MINIMAL.replace("shrinkage = 0.30", "shrinkage = 1.2");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(e.starts_with("plan.toml line 6, column staffing.shrinkage:"), "{e}");
        let text = MINIMAL.replace("deadline_minutes = 120\n", "");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(
            e.starts_with("plan.toml line 20, column queues[2] (email).deadline_minutes:"),
            "{e}"
        );
        let text = MINIMAL.replace("concurrency = 3", "concurrency = 0");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(e.starts_with("plan.toml line 19, column queues[1] (chat).concurrency:"), "{e}");
        let text = MINIMAL.replace("\"Asia/Shanghai\"", "\"Mars/Olympus\"");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(e.starts_with("plan.toml line 3, column site.time_zone:"), "{e}");
    }

    #[test]
    fn shrinkage_of_one_is_rejected() {
        let text = MINIMAL.replace("shrinkage = 0.30", "shrinkage = 1.2");
        let e = PlanConfig::parse("plan.toml", &text, Path::new("")).unwrap_err().to_string();
        assert!(e.contains("staffing.shrinkage") && e.contains("1.2"), "{e}");
    }
}
