//! shifts.csv: `shift_id,queue,date,shift_start,shift_end,paid_minutes,breaks`. OWNER: schedule.

use chrono::NaiveDate;

use crate::time::Stamp;

/// One shift instance on one day. `shift_start`/`shift_end` are written as ISO local
/// date-times (a shift may end the next day); `breaks` as `;`-separated `HH:MM-HH:MM`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRow {
    pub shift_id: String,
    pub queue: String,
    pub date: NaiveDate,
    pub shift_start: Stamp,
    pub shift_end: Stamp,
    pub paid_minutes: u32,
    /// Off-phone spans (breaks and lunches), each `[start, end)`.
    pub breaks: Vec<(Stamp, Stamp)>,
}
