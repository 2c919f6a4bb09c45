//! shiftcast: a workforce-management engine for contact centres.
//!
//! The pipeline runs one way — history → [`forecast`] → [`staffing`] → [`schedule`] →
//! [`roster`] → [`simulate`] → [`report`] — and every stage is a library module that reads and
//! returns values; the `shiftcast` binary is a thin CLI over it. [`time`] owns the interval
//! calendar and [`io`] every file format.

pub mod error;
pub mod forecast;
pub mod generate;
pub mod io;
pub mod report;
pub mod roster;
pub mod schedule;
pub mod simulate;
pub mod staffing;
pub mod time;

pub use error::{Error, InputError, Result};
