//! Contact log CSV, one row per contact: `arrived_at,queue,handle_seconds,abandoned`.
//! OWNER: foundation.

use crate::time::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecord {
    pub arrived_at: Stamp,
    pub queue: String,
    pub handle_seconds: Option<f64>,
    pub abandoned: bool,
}
