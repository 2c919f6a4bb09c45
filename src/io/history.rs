//! history.csv: `interval_start,queue,contacts,aht_seconds` — contacts (and optionally handle
//! time) per interval and queue. OWNER: foundation.

use std::collections::BTreeMap;

use crate::time::Stamp;

/// One observed interval of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub aht_seconds: Option<f64>,
}

/// A run of open intervals with no data (reported, never read as zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub queue: String,
    /// First missing interval start.
    pub from: Stamp,
    /// Number of missing intervals.
    pub intervals: usize,
}

/// A validated history: per queue, records sorted by time, no duplicates, all on the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub interval_minutes: u32,
    pub queues: BTreeMap<String, Vec<HistoryRecord>>,
    /// Missing intervals found while reading (inside the span of each queue's data).
    pub gaps: Vec<Gap>,
}
