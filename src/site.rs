//! The site: where and when contacts are served — its name, the interval grid with its time
//! zone, opening hours, the first day of the planning week, and the queues with their channels
//! and service targets (plan.toml's `[site]` and `[[queues]]`).
//!
//! A leaf of the library: every stage takes the [`Site`] it plans for, and queues are found by
//! name through one index instead of scans. It imports only [`crate::time`] and
//! [`crate::error`].

use std::collections::{BTreeMap, HashMap};

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::InputError;
use crate::time::{self, IntervalGrid, OpeningHours, TimeError};

/// `[site]` and `[[queues]]`, validated.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    /// The interval grid, with the site's time zone.
    pub grid: IntervalGrid,
    pub opening_hours: OpeningHours,
    /// First day of the planning week (Monday unless the site says otherwise).
    pub week_start: Weekday,
    /// The queues, in plan.toml order.
    pub queues: Vec<QueueConfig>,
    /// Currency of costs (`CNY`, `EUR`), shown beside them; `None` when plan.toml names none.
    pub currency: Option<String>,
    index: HashMap<String, usize>,
}

impl Site {
    /// A site from its parts; queue names must be unique.
    pub fn new(
        name: impl Into<String>,
        grid: IntervalGrid,
        opening_hours: OpeningHours,
        week_start: Weekday,
        queues: Vec<QueueConfig>,
    ) -> Result<Site, String> {
        let mut index = HashMap::with_capacity(queues.len());
        for (i, q) in queues.iter().enumerate() {
            if index.insert(q.name.clone(), i).is_some() {
                return Err(format!("queue {:?} is defined twice", q.name));
            }
        }
        Ok(Site {
            name: name.into(),
            grid,
            opening_hours,
            week_start,
            queues,
            currency: None,
            index,
        })
    }

    /// The site's IANA time zone (the grid's).
    pub fn time_zone(&self) -> Tz {
        self.grid.tz
    }

    /// The queue of this name.
    pub fn queue(&self, name: &str) -> Option<&QueueConfig> {
        self.index.get(name).map(|&i| &self.queues[i])
    }

    /// Position of the queue of this name in [`Site::queues`].
    pub fn queue_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Whether an agent with `skill` (an agents.csv skill) serves `queue`: the queue's
    /// [`QueueConfig::skill`] (its own name unless set); an unknown queue is served by the skill
    /// of its name.
    pub fn skill_serves(&self, skill: &str, queue: &str) -> bool {
        match self.queue(queue) {
            Some(q) => q.skill() == skill,
            None => skill == queue,
        }
    }

    /// The queues' names, in plan.toml order.
    pub fn queue_names(&self) -> Vec<String> {
        self.queues.iter().map(|q| q.name.clone()).collect()
    }

    /// The same site with other queues (a what-if scenario or a subset).
    pub fn with_queues(&self, queues: Vec<QueueConfig>) -> Result<Site, String> {
        let mut site = Site::new(
            self.name.clone(),
            self.grid,
            self.opening_hours.clone(),
            self.week_start,
            queues,
        )?;
        site.currency = self.currency.clone();
        Ok(site)
    }
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
    /// Served first when higher (a VIP queue sharing agents with another); default 0. Only the
    /// simulation uses it: a freed agent takes the waiting contact of the highest priority.
    #[serde(default)]
    pub priority: Option<i32>,
    /// Priority a waiting contact gains per minute it waits (priority aging, as contact
    /// platforms offer it: a deferred message that has waited long enough goes before a fresh
    /// call); default 0. Only the simulation uses it.
    #[serde(default)]
    pub priority_per_minute: Option<f64>,
    /// Forecast this queue as a share of another queue's forecast (a queue without its own
    /// history, e.g. `voice_vip` as 10% of `voice`); goes with `share`.
    #[serde(default)]
    pub share_of: Option<String>,
    /// The fraction of `share_of`'s contacts this queue takes, in (0, 1]: the contacts move
    /// from `share_of` to this queue (a VIP line carved out of the voice calls), so `share_of`
    /// keeps `1 - share` (less any other queue's share).
    #[serde(default)]
    pub share: Option<f64>,
    /// The agents.csv skill that serves this queue (default: the queue's name), e.g. `"voice"`
    /// for a VIP line answered by every agent with the voice skill.
    #[serde(default)]
    pub skill: Option<String>,
}

impl QueueConfig {
    /// The agents.csv skill that serves this queue: `skill`, else the queue's name.
    pub fn skill(&self) -> &str {
        self.skill.as_deref().unwrap_or(&self.name)
    }

    /// Opening hours of this queue: its own table, else the site's.
    pub fn opening_hours(&self, site: &Site) -> Result<OpeningHours, TimeError> {
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

/// `[site]` as written in plan.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSection {
    #[serde(default)]
    pub name: Option<String>,
    pub time_zone: String,
    pub interval_minutes: u32,
    #[serde(default)]
    pub opening_hours: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub closed_dates: Vec<String>,
    #[serde(default)]
    pub week_start: Option<String>,
    /// Currency of hourly costs, e.g. `"CNY"` (optional; shown beside costs in the report).
    #[serde(default)]
    pub currency: Option<String>,
}

impl Site {
    /// Validate `[site]` and `[[queues]]`. Errors name the key (`site.time_zone`,
    /// `queues[2] (email).deadline_minutes`) in [`InputError::column`]; the caller that holds
    /// the text finds its line.
    pub fn from_sections(
        file: &str,
        section: &SiteSection,
        queues: Vec<QueueConfig>,
    ) -> Result<Site, InputError> {
        let err = |key: &str, message: String| InputError {
            file: file.to_string(),
            line: None,
            column: Some(key.to_string()),
            message,
        };
        let tz = time::parse_time_zone(&section.time_zone)
            .map_err(|e| err("site.time_zone", e.to_string()))?;
        let grid = IntervalGrid::new(tz, section.interval_minutes)
            .map_err(|e| err("site.interval_minutes", e.to_string()))?;
        let mut opening_hours = match &section.opening_hours {
            None => OpeningHours::always(),
            Some(t) => {
                parse_opening_hours(t).map_err(|e| err("site.opening_hours", e.to_string()))?
            }
        };
        for d in &section.closed_dates {
            let date = time::parse_date(d).map_err(|m| err("site.closed_dates", m))?;
            opening_hours.closed_dates.insert(date);
        }
        let week_start = match &section.week_start {
            None => Weekday::Mon,
            Some(s) => time::parse_weekday(s).map_err(|m| err("site.week_start", m))?,
        };
        if queues.is_empty() {
            return Err(err("queues", "at least one [[queues]] entry is required".into()));
        }
        for (i, q) in queues.iter().enumerate() {
            validate_queue(file, i, q, &queues[..i])?;
        }
        validate_shares(file, &queues)?;
        let name = section.name.clone().unwrap_or_else(|| "site".to_string());
        let mut site = Site::new(name, grid, opening_hours, week_start, queues)
            .map_err(|m| err("queues", m))?;
        site.currency = match section.currency.as_deref().map(str::trim) {
            None => None,
            Some(c) if !c.is_empty() && c.len() <= 8 && c.chars().all(|ch| ch.is_alphabetic()) => {
                Some(c.to_string())
            }
            Some(c) => {
                return Err(err(
                    "site.currency",
                    format!("expected a currency code such as \"CNY\", found {c:?}"),
                ))
            }
        };
        Ok(site)
    }
}

/// Check one `[[queues]]` entry (`earlier`: the entries before it).
fn validate_queue(
    file: &str,
    i: usize,
    q: &QueueConfig,
    earlier: &[QueueConfig],
) -> Result<(), InputError> {
    let key = |k: &str| format!("queues[{i}] ({}).{k}", q.name);
    let err = |k: &str, message: String| InputError {
        file: file.to_string(),
        line: None,
        column: Some(key(k)),
        message,
    };
    if q.name.trim().is_empty() {
        return Err(err("name", "must not be empty".into()));
    }
    if earlier.iter().any(|p| p.name == q.name) {
        return Err(err("name", format!("queue {:?} is defined twice", q.name)));
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
                return Err(err(k, format!("expected a number > 0, got {v}")));
            }
        }
    }
    if q.concurrency == Some(0) {
        return Err(err("concurrency", "expected an integer >= 1, got 0".into()));
    }
    if let Some(v) = q.priority_per_minute {
        if !(v.is_finite() && v >= 0.0) {
            return Err(err("priority_per_minute", format!("expected a number >= 0, got {v}")));
        }
    }
    match q.channel {
        Channel::Voice | Channel::Chat => {
            if q.service_level.is_some() != q.target_answer_seconds.is_some() {
                return Err(err(
                    "service_level",
                    "service_level and target_answer_seconds go together".into(),
                ));
            }
        }
        Channel::Email | Channel::Social => {
            if q.deadline_minutes.is_none() {
                return Err(err(
                    "deadline_minutes",
                    format!("a {} queue needs deadline_minutes", q.channel.as_str()),
                ));
            }
        }
    }
    if let Some(t) = &q.opening_hours {
        parse_opening_hours(t).map_err(|e| err("opening_hours", e.to_string()))?;
    }
    validate_share(file, q, &key, &err)
}

/// `share_of` and `share` go together; `share_of` names another queue, `share` is in (0, 1].
/// (Whether the named queue exists is checked by the caller, which sees all queues.)
fn validate_share(
    file: &str,
    q: &QueueConfig,
    key: &dyn Fn(&str) -> String,
    err: &dyn Fn(&str, String) -> InputError,
) -> Result<(), InputError> {
    match (&q.share_of, q.share) {
        (None, None) => Ok(()),
        (Some(other), Some(v)) => {
            if *other == q.name {
                return Err(err("share_of", "a queue cannot be a share of itself".into()));
            }
            fraction(file, &key("share"), v, false, true)
        }
        (Some(_), None) => Err(err("share", "share_of needs share (a fraction in (0, 1])".into())),
        (None, Some(_)) => {
            Err(err("share_of", "share needs share_of (the queue it is a share of)".into()))
        }
    }
}

/// Every `share_of` names a queue of the site that is not itself a share.
fn validate_shares(file: &str, queues: &[QueueConfig]) -> Result<(), InputError> {
    for (i, q) in queues.iter().enumerate() {
        let Some(other) = &q.share_of else { continue };
        let message = match queues.iter().find(|p| p.name == *other) {
            None => format!("{other:?} is not a queue of this plan"),
            Some(p) if p.share_of.is_some() => {
                format!(
                    "{other:?} is itself a share of {:?}; name a queue with its own history",
                    p.share_of.as_deref().unwrap_or("")
                )
            }
            Some(_) => {
                let taken: f64 = queues
                    .iter()
                    .filter(|p| p.share_of.as_deref() == Some(other.as_str()))
                    .filter_map(|p| p.share)
                    .sum();
                if taken <= 1.0 + 1e-12 {
                    continue;
                }
                format!(
                    "the shares of {other:?} add up to {taken} (more than all of its contacts); they must add up to at most 1"
                )
            }
        };
        return Err(InputError {
            file: file.to_string(),
            line: None,
            column: Some(format!("queues[{i}] ({}).share_of", q.name)),
            message,
        });
    }
    Ok(())
}

/// Opening-hours table: keys `mon`..`sun` and `all` (a default for days not named). Days not
/// named when there is no `all` are closed.
pub fn parse_opening_hours(table: &BTreeMap<String, String>) -> Result<OpeningHours, TimeError> {
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
        let day = time::parse_weekday(key).map_err(|m| TimeError::BadOpeningHours {
            day: key.clone(),
            value: value.clone(),
            message: format!("unknown day key: {m}; use mon..sun or all"),
        })?;
        hours.spans[day.num_days_from_monday() as usize] = OpeningHours::parse_day(key, value)?;
    }
    Ok(hours)
}

/// Check a fraction: in [0, 1] with the ends allowed or not.
pub fn fraction(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn site(queues: &str) -> Result<Site, InputError> {
        let text = "time_zone = \"UTC\"\ninterval_minutes = 15\n";
        let section: SiteSection = toml::from_str(text).unwrap();
        #[derive(Deserialize)]
        struct Q {
            queues: Vec<QueueConfig>,
        }
        let q: Q = toml::from_str(queues).unwrap();
        Site::from_sections("plan.toml", &section, q.queues)
    }

    const VOICE: &str = "[[queues]]\nname = \"voice\"\nchannel = \"voice\"\n";

    #[test]
    fn priority_and_share_of_are_read_and_checked() {
        let vip = format!("{VOICE}[[queues]]\nname = \"vip\"\nchannel = \"voice\"\npriority = 2\nshare_of = \"voice\"\nshare = 0.1\n");
        let s = site(&vip).unwrap();
        assert_eq!(s.queue("vip").unwrap().priority, Some(2));
        let aging =
            site(&vip.replace("priority = 2", "priority = 2\npriority_per_minute = 0.5")).unwrap();
        assert_eq!(aging.queue("vip").unwrap().priority_per_minute, Some(0.5));
        let e =
            site(&vip.replace("priority = 2", "priority_per_minute = -1")).unwrap_err().to_string();
        assert!(e.contains("(vip).priority_per_minute") && e.contains(">= 0"), "{e}");
        assert_eq!(s.queue("vip").unwrap().share_of.as_deref(), Some("voice"));
        let e = site(&vip.replace("share = 0.1", "share = 1.5")).unwrap_err().to_string();
        assert!(e.contains("queues[1] (vip).share") && e.contains("1.5"), "{e}");
        let e = site(&vip.replace("share = 0.1\n", "")).unwrap_err().to_string();
        assert!(e.contains("share_of needs share"), "{e}");
        let e = site(&vip.replace("share_of = \"voice\"", "share_of = \"sms\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("(vip).share_of") && e.contains("\"sms\" is not a queue"), "{e}");
    }

    fn site_with(currency: &str) -> Result<Site, InputError> {
        let section: SiteSection = toml::from_str(&format!(
            "time_zone = \"Asia/Shanghai\"\ninterval_minutes = 15\n{currency}"
        ))
        .unwrap();
        let queue: QueueConfig = toml::from_str(
            "name = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 20",
        )
        .unwrap();
        Site::from_sections("plan.toml", &section, vec![queue])
    }

    #[test]
    fn currency_is_a_code_or_absent() {
        assert_eq!(site_with("currency = \"CNY\"").unwrap().currency.as_deref(), Some("CNY"));
        assert_eq!(site_with("").unwrap().currency, None);
        let e = site_with("currency = \"12 $\"").unwrap_err();
        assert_eq!(e.column.as_deref(), Some("site.currency"));
        assert!(e.message.contains("\"12 $\""), "{}", e.message);
        // A what-if copy of the site keeps it.
        let s = site_with("currency = \"EUR\"").unwrap();
        assert_eq!(s.with_queues(s.queues.clone()).unwrap().currency.as_deref(), Some("EUR"));
    }
}
