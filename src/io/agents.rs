//! agents.csv, the HR import. OWNER: foundation.

use chrono::{NaiveDate, NaiveTime, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    Date(NaiveDate),
    Weekday(Weekday),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub agent_id: String,
    pub name: String,
    /// Queue names this agent may work.
    pub skills: Vec<String>,
    pub min_hours_week: f64,
    pub max_hours_week: f64,
    /// Contract label, e.g. `full_time`, `part_time`.
    pub contract: Option<String>,
    pub max_days_week: Option<u32>,
    pub earliest_start: Option<NaiveTime>,
    pub latest_end: Option<NaiveTime>,
    pub unavailable: Vec<Unavailable>,
    pub preferred_days_off: Vec<Weekday>,
    pub hourly_cost: Option<f64>,
    pub site: Option<String>,
}
