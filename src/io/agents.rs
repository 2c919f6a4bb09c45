//! agents.csv, the HR import: who can be rostered, for which queues, and under which contract.
//!
//! Required columns: `agent_id,name,skills,min_hours_week,max_hours_week`; `skills` is a
//! `;`-separated list of queue names (`voice;chat`). Optional columns: `contract` (a label such
//! as `full_time`), `max_days_week` (1–7), `earliest_start` and `latest_end` (`HH:MM`, local; a
//! `latest_end` earlier than `earliest_start` is a window that crosses midnight), `unavailable`
//! (`;`-separated dates `2025-03-08`, date ranges `2025-03-08..2025-03-12` (inclusive), or
//! weekdays `Sat`), `preferred_days_off` (`;`-separated weekdays), `hourly_cost` (≥ 0, in the
//! site's currency), `site`. Empty optional fields mean "no restriction".
//!
//! The reader rejects duplicate `agent_id`s, `min_hours_week > max_hours_week`, hours outside
//! 0–168, bad times, dates and weekdays, each with the line and column. [`parse_agents_checked`]
//! also rejects skills that name no queue of the plan. [`summarise`] gives the head-count by
//! skill and contract and the contract hours that `shiftcast agents check` prints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::Serialize;

use crate::error::{FileError, InputError};
use crate::io::table::{fmt_num, write_csv_atomic, Row, Table};
use crate::time;

/// Columns of agents.csv, in the order the writer uses.
pub const AGENT_COLUMNS: [&str; 13] = [
    "agent_id",
    "name",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "contract",
    "max_days_week",
    "earliest_start",
    "latest_end",
    "unavailable",
    "preferred_days_off",
    "hourly_cost",
    "site",
];

/// The longest date range one `unavailable` entry may expand to.
const MAX_RANGE_DAYS: i64 = 366;

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

impl Agent {
    /// Whether the agent may not work on `date` (a listed date or weekday).
    pub fn is_unavailable(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        self.unavailable.iter().any(|u| match u {
            Unavailable::Date(d) => *d == date,
            Unavailable::Weekday(w) => *w == date.weekday(),
        })
    }

    pub fn has_skill(&self, queue: &str) -> bool {
        self.skills.iter().any(|s| s == queue)
    }
}

/// Read and validate an agents file.
pub fn read_agents(path: &Path) -> Result<Vec<Agent>, FileError> {
    let bytes = crate::io::table::read_input(path)?;
    Ok(parse_agents(&path.display().to_string(), &bytes)?)
}

/// Read an agents file and also reject skills that are not one of `queues`.
pub fn read_agents_checked(path: &Path, queues: &[String]) -> Result<Vec<Agent>, FileError> {
    let bytes = crate::io::table::read_input(path)?;
    Ok(parse_agents_checked(&path.display().to_string(), &bytes, Some(queues))?)
}

/// Parse agents CSV bytes; `file_label` names the file in error messages.
pub fn parse_agents(file_label: &str, bytes: &[u8]) -> Result<Vec<Agent>, InputError> {
    parse_agents_checked(file_label, bytes, None)
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|t| !t.is_empty())
}

/// Parse agents CSV bytes; with `queues`, every skill must name one of them.
pub fn parse_agents_checked(
    file_label: &str,
    bytes: &[u8],
    queues: Option<&[String]>,
) -> Result<Vec<Agent>, InputError> {
    let table = Table::parse(file_label, bytes)?;
    table.reject_unknown(&AGENT_COLUMNS)?;
    let reader = AgentReader { columns: AgentColumns::of(&table)?, table: &table, queues };
    let mut first_line: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let agent_id = table.nonempty(row, reader.columns.id)?.to_string();
        if let Some(first) = first_line.get(&agent_id) {
            return Err(table.error(
                row,
                reader.columns.id,
                format!("duplicate agent_id {agent_id:?}: already used on line {first}"),
            ));
        }
        first_line.insert(agent_id.clone(), row.line);
        out.push(reader.agent(row, agent_id)?);
    }
    Ok(out)
}

/// Column indices of the agents file (required ones, then optional ones).
struct AgentColumns {
    id: usize,
    name: usize,
    skills: usize,
    min_hours: usize,
    max_hours: usize,
    contract: Option<usize>,
    max_days: Option<usize>,
    earliest: Option<usize>,
    latest: Option<usize>,
    unavailable: Option<usize>,
    preferred_off: Option<usize>,
    cost: Option<usize>,
    site: Option<usize>,
}

impl AgentColumns {
    fn of(table: &Table) -> Result<AgentColumns, InputError> {
        Ok(AgentColumns {
            id: table.require("agent_id")?,
            name: table.require("name")?,
            skills: table.require("skills")?,
            min_hours: table.require("min_hours_week")?,
            max_hours: table.require("max_hours_week")?,
            contract: table.column("contract"),
            max_days: table.column("max_days_week"),
            earliest: table.column("earliest_start"),
            latest: table.column("latest_end"),
            unavailable: table.column("unavailable"),
            preferred_off: table.column("preferred_days_off"),
            cost: table.column("hourly_cost"),
            site: table.column("site"),
        })
    }
}

/// Reads one agent per row, each field checked with the row and column in the error.
struct AgentReader<'a> {
    table: &'a Table,
    columns: AgentColumns,
    /// The plan's queue names, when skills are to be checked against them.
    queues: Option<&'a [String]>,
}

impl AgentReader<'_> {
    /// The agent of a row whose `agent_id` was already read.
    fn agent(&self, row: &Row, agent_id: String) -> Result<Agent, InputError> {
        let (table, c) = (self.table, &self.columns);
        let name = table.nonempty(row, c.name)?.to_string();
        let skills = self.skills(row)?;
        let (min_hours_week, max_hours_week) = self.weekly_hours(row)?;
        let contract = table.optional(row, c.contract).map(str::to_string);
        let max_days_week = match (table.optional(row, c.max_days), c.max_days) {
            (Some(t), Some(col)) => match t.parse::<u32>() {
                Ok(v) if (1..=7).contains(&v) => Some(v),
                _ => {
                    return Err(table.error(
                        row,
                        col,
                        format!("expected a whole number of days 1 to 7, found {t:?}"),
                    ))
                }
            },
            _ => None,
        };
        let (earliest_start, latest_end) = self.working_window(row)?;
        let (unavailable, preferred_days_off) = self.days_off(row)?;
        let hourly_cost = match c.cost {
            Some(col) if !table.text(row, col).is_empty() => Some(table.non_negative(row, col)?),
            _ => None,
        };
        let site = table.optional(row, c.site).map(str::to_string);
        Ok(Agent {
            agent_id,
            name,
            skills,
            min_hours_week,
            max_hours_week,
            contract,
            max_days_week,
            earliest_start,
            latest_end,
            unavailable,
            preferred_days_off,
            hourly_cost,
            site,
        })
    }

    /// At least one skill, none twice, each a queue of the plan when those are known.
    fn skills(&self, row: &Row) -> Result<Vec<String>, InputError> {
        let (table, col) = (self.table, self.columns.skills);
        let mut skills: Vec<String> = Vec::new();
        for s in split_list(table.text(row, col)) {
            if skills.iter().any(|k| k == s) {
                return Err(table.error(row, col, format!("skill {s:?} is listed twice")));
            }
            if let Some(q) = self.queues {
                if !q.iter().any(|k| k == s) {
                    return Err(table.error(
                        row,
                        col,
                        format!(
                            "unknown skill {s:?}: expected queue names of the plan ({})",
                            q.join(", ")
                        ),
                    ));
                }
            }
            skills.push(s.to_string());
        }
        if skills.is_empty() {
            return Err(table.error(
                row,
                col,
                "expected at least one queue name (several separated by ';'), found none",
            ));
        }
        Ok(skills)
    }

    /// `(min_hours_week, max_hours_week)`, each 0 to 168 and min <= max.
    fn weekly_hours(&self, row: &Row) -> Result<(f64, f64), InputError> {
        let table = self.table;
        let hours = |c: usize| -> Result<f64, InputError> {
            let v = table.non_negative(row, c)?;
            if v > 168.0 {
                return Err(table.error(
                    row,
                    c,
                    format!("expected hours in a week (0 to 168), found {v}"),
                ));
            }
            Ok(v)
        };
        let min_hours_week = hours(self.columns.min_hours)?;
        let max_hours_week = hours(self.columns.max_hours)?;
        if min_hours_week > max_hours_week {
            return Err(table.error(
                row,
                self.columns.max_hours,
                format!("max_hours_week {max_hours_week} is below min_hours_week {min_hours_week}"),
            ));
        }
        Ok((min_hours_week, max_hours_week))
    }

    /// `(earliest_start, latest_end)`; both given must differ.
    fn working_window(
        &self,
        row: &Row,
    ) -> Result<(Option<NaiveTime>, Option<NaiveTime>), InputError> {
        let table = self.table;
        let clock = |c: Option<usize>| -> Result<Option<NaiveTime>, InputError> {
            match (table.optional(row, c), c) {
                (Some(t), Some(c)) => {
                    time::parse_clock(t).map(Some).map_err(|m| table.error(row, c, m))
                }
                _ => Ok(None),
            }
        };
        let earliest_start = clock(self.columns.earliest)?;
        let latest_end = clock(self.columns.latest)?;
        if let (Some(a), Some(b), Some(c)) = (earliest_start, latest_end, self.columns.latest) {
            if a == b {
                return Err(table.error(
                    row,
                    c,
                    "latest_end equals earliest_start: expected a window of working time",
                ));
            }
        }
        Ok((earliest_start, latest_end))
    }

    /// `(unavailable, preferred_days_off)` (the latter without repeats).
    fn days_off(&self, row: &Row) -> Result<(Vec<Unavailable>, Vec<Weekday>), InputError> {
        let table = self.table;
        let mut unavailable = Vec::new();
        if let (Some(text), Some(c)) =
            (table.optional(row, self.columns.unavailable), self.columns.unavailable)
        {
            for item in split_list(text) {
                parse_unavailable(item, &mut unavailable).map_err(|m| table.error(row, c, m))?;
            }
        }
        let mut preferred_days_off = Vec::new();
        if let (Some(text), Some(c)) =
            (table.optional(row, self.columns.preferred_off), self.columns.preferred_off)
        {
            for item in split_list(text) {
                let d = time::parse_weekday(item).map_err(|m| table.error(row, c, m))?;
                if !preferred_days_off.contains(&d) {
                    preferred_days_off.push(d);
                }
            }
        }
        Ok((unavailable, preferred_days_off))
    }
}

/// One `unavailable` item: a date, an inclusive date range `A..B`, or a weekday.
fn parse_unavailable(item: &str, out: &mut Vec<Unavailable>) -> Result<(), String> {
    let expected = "expected a date like 2025-03-08, a range like 2025-03-08..2025-03-12 or a weekday like Sat";
    if let Some((a, b)) = item.split_once("..") {
        let (a, b) = (
            time::parse_date(a).map_err(|_| format!("{expected}, found {item:?}"))?,
            time::parse_date(b).map_err(|_| format!("{expected}, found {item:?}"))?,
        );
        let days = (b - a).num_days();
        if !(0..MAX_RANGE_DAYS).contains(&days) {
            return Err(format!(
                "date range {item:?} must run forwards and cover at most {MAX_RANGE_DAYS} days"
            ));
        }
        out.extend(a.iter_days().take(days as usize + 1).map(Unavailable::Date));
        return Ok(());
    }
    if let Ok(d) = time::parse_date(item) {
        out.push(Unavailable::Date(d));
        return Ok(());
    }
    match time::parse_weekday(item) {
        Ok(w) => {
            out.push(Unavailable::Weekday(w));
            Ok(())
        }
        Err(_) => Err(format!("{expected}, found {item:?}")),
    }
}

fn weekday_name(d: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.num_days_from_monday() as usize]
}

/// Write an agents file atomically (all columns; empty fields for absent values).
pub fn write_agents(path: &Path, agents: &[Agent]) -> Result<(), FileError> {
    let rows = agents.iter().map(|a| {
        let unavailable: Vec<String> = a
            .unavailable
            .iter()
            .map(|u| match u {
                Unavailable::Date(d) => d.format("%Y-%m-%d").to_string(),
                Unavailable::Weekday(w) => weekday_name(*w).to_string(),
            })
            .collect();
        let off: Vec<&str> = a.preferred_days_off.iter().map(|w| weekday_name(*w)).collect();
        let clock =
            |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
        [
            a.agent_id.clone(),
            a.name.clone(),
            a.skills.join(";"),
            fmt_num(a.min_hours_week, 6),
            fmt_num(a.max_hours_week, 6),
            a.contract.clone().unwrap_or_default(),
            a.max_days_week.map(|d| d.to_string()).unwrap_or_default(),
            clock(a.earliest_start),
            clock(a.latest_end),
            unavailable.join(";"),
            off.join(";"),
            a.hourly_cost.map(|c| fmt_num(c, 6)).unwrap_or_default(),
            a.site.clone().unwrap_or_default(),
        ]
    });
    write_csv_atomic(path, &AGENT_COLUMNS, rows)
}

/// Head-count and hours of one contract label.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContractSummary {
    pub agents: usize,
    pub min_hours_week: f64,
    pub max_hours_week: f64,
}

/// What `shiftcast agents check` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentsSummary {
    pub agents: usize,
    /// Agents per skill (an agent with two skills counts under both).
    pub agents_by_skill: BTreeMap<String, usize>,
    /// Agents with more than one skill.
    pub multi_skilled: usize,
    /// Per contract label (`(none)` when the column is empty or absent).
    pub contracts: BTreeMap<String, ContractSummary>,
    pub min_hours_week: f64,
    pub max_hours_week: f64,
    /// Agents with at least one unavailable date or weekday.
    pub with_unavailability: usize,
    pub with_preferred_days_off: usize,
    pub with_time_window: usize,
    /// Sum over agents of `hourly_cost × max_hours_week` (agents without a cost excluded).
    pub max_weekly_cost: f64,
    /// Skills that name no queue of the plan (only with a plan).
    pub unknown_skills: BTreeSet<String>,
}

/// Summarise agents; with `queues`, also list skills that are not among them.
pub fn summarise(agents: &[Agent], queues: Option<&[String]>) -> AgentsSummary {
    let mut s = AgentsSummary { agents: agents.len(), ..AgentsSummary::default() };
    for a in agents {
        for k in &a.skills {
            *s.agents_by_skill.entry(k.clone()).or_default() += 1;
            if let Some(q) = queues {
                if !q.contains(k) {
                    s.unknown_skills.insert(k.clone());
                }
            }
        }
        s.multi_skilled += usize::from(a.skills.len() > 1);
        let c =
            s.contracts.entry(a.contract.clone().unwrap_or_else(|| "(none)".into())).or_default();
        c.agents += 1;
        c.min_hours_week += a.min_hours_week;
        c.max_hours_week += a.max_hours_week;
        s.min_hours_week += a.min_hours_week;
        s.max_hours_week += a.max_hours_week;
        s.with_unavailability += usize::from(!a.unavailable.is_empty());
        s.with_preferred_days_off += usize::from(!a.preferred_days_off.is_empty());
        s.with_time_window += usize::from(a.earliest_start.is_some() || a.latest_end.is_some());
        s.max_weekly_cost += a.hourly_cost.unwrap_or(0.0) * a.max_hours_week;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "agent_id,name,skills,min_hours_week,max_hours_week,unavailable\n";

    #[test]
    fn unavailable_mixes_dates_ranges_and_weekdays() {
        let text =
            format!("{HEADER}a1,Li Na,voice;chat,32,40,2025-03-08;2025-03-10..2025-03-12;Sun\n");
        let a = parse_agents("agents.csv", text.as_bytes()).unwrap();
        assert_eq!(a[0].skills, vec!["voice", "chat"]);
        assert_eq!(a[0].unavailable.len(), 5);
        assert!(a[0].is_unavailable(NaiveDate::from_ymd_opt(2025, 3, 11).unwrap()));
        assert!(a[0].is_unavailable(NaiveDate::from_ymd_opt(2025, 3, 16).unwrap()), "a Sunday");
        assert!(!a[0].is_unavailable(NaiveDate::from_ymd_opt(2025, 3, 13).unwrap()));
    }

    #[test]
    fn summary_counts_skills_and_contract_hours() {
        let text = format!("{HEADER}a1,A,voice;chat,32,40,\na2,B,voice,20,30,Sat\n");
        let a = parse_agents("agents.csv", text.as_bytes()).unwrap();
        let s = summarise(&a, Some(&["voice".to_string()]));
        assert_eq!(s.agents_by_skill["voice"], 2);
        assert_eq!(s.multi_skilled, 1);
        assert_eq!(s.max_hours_week, 70.0);
        assert_eq!(s.unknown_skills.iter().collect::<Vec<_>>(), vec!["chat"]);
    }
}
