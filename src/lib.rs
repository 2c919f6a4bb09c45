//! shiftcast: a workforce-management engine for contact centres.
//!
//! The pipeline runs one way — history → [`forecast`] → [`staffing`] → [`schedule`] →
//! [`roster`] → [`simulate`] → [`report`] — and every stage is a library module that reads and
//! returns values; the `shiftcast` binary is a thin CLI over it.
//!
//! Layers, lowest first (a module imports only those below it): [`time`] (the interval calendar),
//! [`error`] (input and file errors), [`site`] (the site and its queues) and [`frame`] (a
//! queue × slot table on one grid); [`io`] (file formats only); the stages [`forecast`],
//! [`staffing`], [`schedule`], [`roster`], [`simulate`], each taking the site and its own config
//! section and returning its own error; [`report`] (rendering); [`store`] (the team's actuals
//! and published runs, embedded SQLite); and [`plan`] on top (plan.toml,
//! the inputs, the pipeline and the crate-wide [`Error`]).

pub mod error;
pub mod forecast;
pub mod frame;
pub mod generate;
pub mod io;
pub mod plan;
pub mod report;
pub mod roster;
pub mod schedule;
pub mod simulate;
pub mod site;
pub mod staffing;
pub mod store;
pub mod time;

pub use error::{FileError, InputError};
pub use plan::{Error, Result};
