//! roster.csv, the HR export: `agent_id,name,date,queue,shift_start,shift_end,paid_minutes,
//! breaks`. OWNER: roster.

use chrono::NaiveDate;

use crate::time::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub agent_id: String,
    pub name: String,
    pub date: NaiveDate,
    pub queue: String,
    pub shift_start: Stamp,
    pub shift_end: Stamp,
    pub paid_minutes: u32,
    pub breaks: Vec<(Stamp, Stamp)>,
}
