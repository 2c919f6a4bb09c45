//! forecast.csv: `interval_start,queue,contacts,contacts_p10,contacts_p90,aht_seconds`.
//! OWNER: forecast.

use crate::time::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    pub interval_start: Stamp,
    pub queue: String,
    pub contacts: f64,
    pub contacts_p10: f64,
    pub contacts_p90: f64,
    pub aht_seconds: f64,
}
