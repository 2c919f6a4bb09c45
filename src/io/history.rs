//! history.csv: `interval_start,queue,contacts,aht_seconds` — contacts (and optionally handle
//! time) per interval and queue. OWNER: foundation.

use crate::time::Stamp;

/// One observed interval of one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub aht_seconds: Option<f64>,
}
