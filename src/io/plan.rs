//! `plan.toml`: the planner's one config file.
//!
//! The site, queues and staffing sections are read here; the forecast, schedule, roster and
//! simulation sections are types owned by their stage modules. Unknown keys are errors in every
//! section, so a typo never passes silently. Paths in `[inputs]` are relative to the config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::{Error, InputError};
use crate::time::{self, IntervalGrid, OpeningHours};

/// The whole plan.toml, validated.
#[derive(Debug, Clone)]
pub struct PlanConfig {
    /// Where the file was read from (inputs resolve relative to its folder).
    pub path: PathBuf,
    pub site: Site,
    pub inputs: Inputs,
    pub staffing: StaffingSection,
    pub queues: Vec<QueueConfig>,
    pub forecast: crate::forecast::ForecastConfig,
    pub schedule: crate::schedule::ScheduleConfig,
    pub roster: crate::roster::RosterConfig,
    pub simulation: crate::simulate::SimulationConfig,
}

/// `[site]`, validated.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub time_zone: Tz,
    pub grid: IntervalGrid,
    pub opening_hours: OpeningHours,
    /// First day of the planning week (Monday unless the site says otherwise).
    pub week_start: Weekday,
}

/// `[inputs]`: the data files of a plan, resolved against the config's folder.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub history: Option<PathBuf>,
    pub events: Option<PathBuf>,
    pub agents: Option<PathBuf>,
}

/// `[staffing]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingSection {
    /// Fraction of paid time agents are not available for contacts (breaks, training, absence).
    pub shrinkage: f64,
}

/// Channel of a queue: decides the staffing model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Voice,
    Chat,
    Email,
    Social,
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Social => "social",
        }
    }
}

/// `[[queues]]`: one contact queue and its service targets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    pub name: String,
    pub channel: Channel,
    /// Fraction answered within `target_answer_seconds` (voice, chat).
    pub service_level: Option<f64>,
    pub target_answer_seconds: Option<f64>,
    pub max_occupancy: Option<f64>,
    pub max_asa_seconds: Option<f64>,
    /// Mean patience; when present voice/chat are staffed with Erlang A.
    pub patience_seconds: Option<f64>,
    pub max_abandon_rate: Option<f64>,
    /// Chat: contacts one agent handles at once.
    pub concurrency: Option<u32>,
    /// Email / social: deferred work answered within this many minutes.
    pub deadline_minutes: Option<f64>,
    /// Minimum agents on an open interval of this queue.
    pub min_agents: Option<u32>,
    /// Overrides `[site] opening_hours` for this queue (same format).
    pub opening_hours: Option<BTreeMap<String, String>>,
    /// Used only when a history has no handle time for this queue.
    pub default_aht_seconds: Option<f64>,
}

impl QueueConfig {
    /// Opening hours of this queue: its own table, else the site's.
    pub fn opening_hours(&self, site: &Site) -> Result<OpeningHours, Error> {
        match &self.opening_hours {
            None => Ok(site.opening_hours.clone()),
            Some(table) => {
                let mut h = parse_opening_hours(table)?;
                h.closed_dates = site.opening_hours.closed_dates.clone();
                Ok(h)
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    site: RawSite,
    #[serde(default)]
    inputs: RawInputs,
    staffing: StaffingSection,
    queues: Vec<QueueConfig>,
    #[serde(default)]
    forecast: crate::forecast::ForecastConfig,
    #[serde(default)]
    schedule: crate::schedule::ScheduleConfig,
    #[serde(default)]
    roster: crate::roster::RosterConfig,
    #[serde(default)]
    simulation: crate::simulate::SimulationConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    #[serde(default)]
    name: Option<String>,
    time_zone: String,
    interval_minutes: u32,
    #[serde(default)]
    opening_hours: Option<BTreeMap<String, String>>,
    #[serde(default)]
    closed_dates: Vec<String>,
    #[serde(default)]
    week_start: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    history: Option<PathBuf>,
    events: Option<PathBuf>,
    agents: Option<PathBuf>,
}

/// Opening-hours table: keys `mon`..`sun` and `all` (a default for days not named). Days not
/// named when there is no `all` are closed.
fn parse_opening_hours(table: &BTreeMap<String, String>) -> Result<OpeningHours, Error> {
    let mut hours = OpeningHours::always();
    let default = match table.get("all") {
        Some(v) => OpeningHours::parse_day("all", v)?,
        None => Vec::new(),
    };
    hours.spans = std::array::from_fn(|_| default.clone());
    for (key, value) in table {
        if key == "all" {
            continue;
        }
        let day = time::parse_weekday(key).map_err(|m| time::TimeError::BadOpeningHours {
            day: key.clone(),
            value: value.clone(),
            message: format!("unknown day key: {m}; use mon..sun or all"),
        })?;
        hours.spans[day.num_days_from_monday() as usize] = OpeningHours::parse_day(key, value)?;
    }
    Ok(hours)
}

fn fraction(
    file: &str,
    key: &str,
    v: f64,
    allow_zero: bool,
    allow_one: bool,
) -> Result<(), InputError> {
    let ok = v.is_finite()
        && (if allow_zero { v >= 0.0 } else { v > 0.0 })
        && (if allow_one { v <= 1.0 } else { v < 1.0 });
    if ok {
        Ok(())
    } else {
        let lo = if allow_zero { "[0" } else { "(0" };
        let hi = if allow_one { "1]" } else { "1)" };
        Err(InputError {
            file: file.into(),
            line: None,
            column: Some(key.into()),
            message: format!("must be in {lo}, {hi}, got {v}"),
        })
    }
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

impl PlanConfig {
    /// Read and validate a plan.toml.
    pub fn read(path: &Path) -> Result<PlanConfig, Error> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let file = path.display().to_string();
        let text = String::from_utf8(text)
            .map_err(|_| InputError::new(&file, "expected UTF-8 text, found invalid bytes"))?;
        Self::parse(&file, &text, path.parent().unwrap_or(Path::new(""))).map(|mut c| {
            c.path = path.to_path_buf();
            c
        })
    }

    /// Parse plan.toml text; `base` is the folder relative input paths resolve against.
    pub fn parse(file: &str, text: &str, base: &Path) -> Result<PlanConfig, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self::parse_unlocated(file, text, base).map_err(|e| match e {
            // A value that parsed but failed validation: find the line of its key.
            Error::Input(mut input) if input.line.is_none() => {
                input.line = input.column.as_deref().and_then(|key| line_of_key(text, key));
                Error::Input(input)
            }
            other => other,
        })
    }

    fn parse_unlocated(file: &str, text: &str, base: &Path) -> Result<PlanConfig, Error> {
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
        let err = |key: &str, message: String| InputError {
            file: file.to_string(),
            line: None,
            column: Some(key.to_string()),
            message,
        };
        let tz = time::parse_time_zone(&raw.site.time_zone)
            .map_err(|e| err("site.time_zone", e.to_string()))?;
        let grid = IntervalGrid::new(tz, raw.site.interval_minutes)
            .map_err(|e| err("site.interval_minutes", e.to_string()))?;
        let mut opening_hours = match &raw.site.opening_hours {
            None => OpeningHours::always(),
            Some(t) => {
                parse_opening_hours(t).map_err(|e| err("site.opening_hours", e.to_string()))?
            }
        };
        for d in &raw.site.closed_dates {
            let date = time::parse_date(d).map_err(|m| err("site.closed_dates", m))?;
            opening_hours.closed_dates.insert(date);
        }
        let week_start = match &raw.site.week_start {
            None => Weekday::Mon,
            Some(s) => time::parse_weekday(s).map_err(|m| err("site.week_start", m))?,
        };
        fraction(file, "staffing.shrinkage", raw.staffing.shrinkage, true, false)?;
        if raw.queues.is_empty() {
            return Err(err("queues", "at least one [[queues]] entry is required".into()).into());
        }
        for (i, q) in raw.queues.iter().enumerate() {
            let key = |k: &str| format!("queues[{i}] ({}).{k}", q.name);
            if q.name.trim().is_empty() {
                return Err(err(&key("name"), "must not be empty".into()).into());
            }
            if raw.queues[..i].iter().any(|p| p.name == q.name) {
                return Err(
                    err(&key("name"), format!("queue {:?} is defined twice", q.name)).into()
                );
            }
            if let Some(v) = q.service_level {
                fraction(file, &key("service_level"), v, false, true)?;
            }
            if let Some(v) = q.max_occupancy {
                fraction(file, &key("max_occupancy"), v, false, true)?;
            }
            if let Some(v) = q.max_abandon_rate {
                fraction(file, &key("max_abandon_rate"), v, false, true)?;
            }
            for (k, v) in [
                ("target_answer_seconds", q.target_answer_seconds),
                ("max_asa_seconds", q.max_asa_seconds),
                ("patience_seconds", q.patience_seconds),
                ("deadline_minutes", q.deadline_minutes),
                ("default_aht_seconds", q.default_aht_seconds),
            ] {
                if let Some(v) = v {
                    let zero_target_ok = k == "target_answer_seconds" && v == 0.0;
                    if !(v.is_finite() && v > 0.0 || zero_target_ok) {
                        return Err(err(&key(k), format!("expected a number > 0, got {v}")).into());
                    }
                }
            }
            if q.concurrency == Some(0) {
                return Err(
                    err(&key("concurrency"), "expected an integer >= 1, got 0".into()).into()
                );
            }
            match q.channel {
                Channel::Voice | Channel::Chat => {
                    if q.service_level.is_some() != q.target_answer_seconds.is_some() {
                        return Err(err(
                            &key("service_level"),
                            "service_level and target_answer_seconds go together".into(),
                        )
                        .into());
                    }
                }
                Channel::Email | Channel::Social => {
                    if q.deadline_minutes.is_none() {
                        return Err(err(
                            &key("deadline_minutes"),
                            format!("a {} queue needs deadline_minutes", q.channel.as_str()),
                        )
                        .into());
                    }
                }
            }
            if let Some(t) = &q.opening_hours {
                parse_opening_hours(t).map_err(|e| err(&key("opening_hours"), e.to_string()))?;
            }
        }
        let resolve =
            |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        Ok(PlanConfig {
            path: PathBuf::from(file),
            site: Site {
                name: raw.site.name.unwrap_or_else(|| "site".to_string()),
                time_zone: tz,
                grid,
                opening_hours,
                week_start,
            },
            inputs: Inputs {
                history: resolve(raw.inputs.history),
                events: resolve(raw.inputs.events),
                agents: resolve(raw.inputs.agents),
            },
            staffing: raw.staffing,
            queues: raw.queues,
            forecast: raw.forecast,
            schedule: raw.schedule,
            roster: raw.roster,
            simulation: raw.simulation,
        })
    }

    pub fn queue(&self, name: &str) -> Option<&QueueConfig> {
        self.queues.iter().find(|q| q.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(c.queues.len(), 3);
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
