//! TODO essay

pub mod erlang;

pub use erlang::{erlang_b, traffic_erlangs, ErlangA, ErlangB, ErlangC, Metrics};

/// What went wrong while staffing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    /// A number outside its allowed range; `name` is the parameter (and CLI flag) name.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter { name: &'static str, value: f64, expected: &'static str },
    /// Targets that no number of agents can meet.
    #[error("target cannot be met: {0}")]
    Unreachable(String),
    #[error("{0}")]
    Invalid(String),
}
