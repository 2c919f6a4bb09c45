//! coverage.csv: `interval_start,queue,required,scheduled,difference,service_level`.
//! OWNER: schedule.

use crate::time::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub interval_start: Stamp,
    pub queue: String,
    /// Agents needed on the phone (requirements' `agents_net`).
    pub required: u32,
    /// Agents scheduled on the phone (breaks excluded).
    pub scheduled: u32,
    /// `scheduled - required`.
    pub difference: i64,
    /// Projected service level at `scheduled`.
    pub service_level: f64,
}
