//! requirements.csv: `interval_start,queue,contacts,aht_seconds,traffic_erlangs,agents_net,
//! agents_gross,service_level,asa_seconds,occupancy,abandon_rate`. OWNER: staffing.

use crate::time::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct RequirementRow {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub aht_seconds: f64,
    pub traffic_erlangs: f64,
    /// Agents on the phone needed (before shrinkage); 0 when closed.
    pub agents_net: u32,
    /// `ceil(agents_net / (1 - shrinkage))`.
    pub agents_gross: u32,
    /// Projected service level at `agents_net` (fraction).
    pub service_level: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
    /// Erlang A abandonment at `agents_net`; `None` without a patience.
    pub abandon_rate: Option<f64>,
}
