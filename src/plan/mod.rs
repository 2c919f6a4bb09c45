//! The top of the library: plan.toml as a whole ([`config`]), the plan's inputs loaded once
//! with one rule for the planning start ([`inputs`]), the crate-wide [`Error`] that wraps every
//! stage's own error ([`error`]), the pipeline of `shiftcast plan` ([`pipeline`]), and its
//! link to the site's store: history from it, runs published into it ([`store`]).
//!
//! Nothing below this module imports it: stages take the [`crate::site::Site`] and their own
//! config section, never the whole [`PlanConfig`].

pub mod config;
pub mod error;
pub mod give_back;
pub mod inputs;
pub mod pipeline;
pub mod store;
pub mod verify;

pub use config::{Inputs, PlanConfig};
pub use error::{Error, Result};
pub use inputs::{planning_start, PlanInputs};
