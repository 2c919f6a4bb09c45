//! events.csv: `start,end,kind,name,queue,uplift`. OWNER: foundation.

use chrono::NaiveDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Holiday,
    Promotion,
    Closure,
    Campaign,
}

/// A calendar event over the half-open local-time span `[start, end)`. A date-only `end` in the
/// file is inclusive of that whole day.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub kind: EventKind,
    pub name: String,
    /// `None`: all queues.
    pub queue: Option<String>,
    /// Declared volume multiplier (1.6 = +60%); `None`: learn it from history.
    pub uplift: Option<f64>,
}
