//! Reading and writing every file format, with validation and error positions.
//!
//! Each format has its own submodule with its record type, a reader that reports the file, line
//! and column of any bad cell, and an atomic writer. The formats are documented in README.md.

pub mod agents;
pub mod contact_log;
pub mod coverage;
pub mod events;
pub mod forecast;
pub mod history;
pub mod plan;
pub mod requirements;
pub mod roster;
pub mod shifts;
pub mod simulation;
pub mod table;

pub use plan::{Channel, PlanConfig, QueueConfig};
pub use table::{write_atomic, Table};
