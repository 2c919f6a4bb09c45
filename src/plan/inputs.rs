//! The plan's inputs, loaded once: the history on the site's grid, the events and the agents
//! named by `[inputs]`, and the one rule for where planning starts.
//!
//! `plan`, `forecast`, `whatif` and `report` all load through [`PlanInputs`] and
//! [`planning_start`], so they agree on what the history holds and on the first planned day.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};

use super::config::PlanConfig;
use super::error::Error;
use crate::error::InputError;
use crate::io::agents::{read_agents_checked, Agent};
use crate::io::events::{read_events, Event};
use crate::io::history::{read_history_frame, HistoryFrame, ReadHistoryOptions};
use crate::site::Site;

/// Which of `[inputs]` a command needs. A needed input that is not set is an error; the
/// history is read whenever it is set or given, events whenever set, agents only when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub history: bool,
    pub agents: bool,
}

/// The plan's data, read and checked against the site.
#[derive(Debug, Clone)]
pub struct PlanInputs {
    pub history_path: Option<PathBuf>,
    /// Column by column (24 bytes an interval), so a large history stays about the size of its
    /// file; empty when no history was asked for or given.
    pub history: HistoryFrame,
    pub events: Vec<Event>,
    pub agents: Vec<Agent>,
}

impl PlanInputs {
    /// Read `[inputs]` of `config`; `history` overrides `[inputs] history`. A needed input that
    /// is not set is an error naming the key to add.
    pub fn load(
        config: &PlanConfig,
        history: Option<&Path>,
        needs: Needs,
    ) -> Result<PlanInputs, Error> {
        let history_path = history.map(Path::to_path_buf).or_else(|| config.inputs.history.clone());
        // Every missing input is named before any file is read.
        if needs.history && history_path.is_none() {
            return Err(missing_input(config, "history"));
        }
        if needs.agents && config.inputs.agents.is_none() {
            return Err(missing_input(config, "agents"));
        }
        let history = match &history_path {
            Some(path) => read_site_history(path, &config.site)?,
            None if needs.history => return Err(missing_input(config, "history")),
            None => HistoryFrame::empty(config.site.grid),
        };
        Self::with_history(config, history_path, history, needs)
    }

    /// The inputs with a history read elsewhere (the store), `source` naming where; events and
    /// agents are read from `[inputs]` as [`PlanInputs::load`] does.
    pub fn with_history(
        config: &PlanConfig,
        source: Option<PathBuf>,
        history: HistoryFrame,
        needs: Needs,
    ) -> Result<PlanInputs, Error> {
        let events = match &config.inputs.events {
            Some(p) => read_events(p)?,
            None => Vec::new(),
        };
        let agents = match (&config.inputs.agents, needs.agents) {
            (Some(p), true) => read_agents_checked(p, &config.site.queue_names())?,
            (None, true) => return Err(missing_input(config, "agents")),
            (_, false) => Vec::new(),
        };
        Ok(PlanInputs { history_path: source, history, events, agents })
    }
}

/// Read a history on the site's grid; gaps of a queue with its own `opening_hours` are judged
/// by those hours.
pub fn read_site_history(path: &Path, site: &Site) -> Result<HistoryFrame, Error> {
    let mut h = read_history_frame(path, &ReadHistoryOptions::for_site(site))?;
    for q in &site.queues {
        if q.opening_hours.is_some() && h.queue(&q.name).is_some() {
            h.judge_gaps(&q.name, &q.opening_hours(site)?)?;
        }
    }
    Ok(h)
}

fn missing_input(config: &PlanConfig, key: &str) -> Error {
    InputError {
        file: config.path.display().to_string(),
        line: None,
        column: Some(format!("inputs.{key}")),
        message: format!("this command needs [inputs] {key} = \"<path>\" (relative to this file)"),
    }
    .into()
}

/// The first planned day: `explicit` when given, else the first `week_start` day after the
/// history ends (history ending Sunday 2026-11-22 plans from Monday 2026-11-23). The one rule of
/// `plan`, `forecast` and `whatif`.
pub fn planning_start(
    history: &HistoryFrame,
    week_start: chrono::Weekday,
    explicit: Option<NaiveDate>,
) -> Option<NaiveDate> {
    explicit.or_else(|| history.last_day().map(|last| next_week_start(last, week_start)))
}

/// The first `week_start` day after `last` (the day after, when that is one).
pub fn next_week_start(last: NaiveDate, week_start: chrono::Weekday) -> NaiveDate {
    let mut d = last + Duration::days(1);
    while d.weekday() != week_start {
        d += Duration::days(1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn planning_starts_on_the_next_week_start() {
        // 2026-11-22 is a Sunday: a Monday week starts the day after, a Sunday week a week later.
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(next_week_start(sunday, Weekday::Mon), sunday + Duration::days(1));
        assert_eq!(next_week_start(sunday, Weekday::Sun), sunday + Duration::days(7));
        let wednesday = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        assert_eq!(next_week_start(wednesday, Weekday::Mon), sunday + Duration::days(1));
    }
}
