//! Reading and writing the files every stage exchanges, with validation and error positions.
//!
//! A module of formats only: it imports no stage module, and its readers and writers return
//! [`crate::error::FileError`].
//!
//! Each format has its own submodule with its record type, a reader that reports the file, line
//! and column of any bad cell, and an atomic writer. The formats are documented in README.md.

pub mod agents;
pub mod contact_log;
pub mod coverage;
pub mod events;
pub mod folder;
pub mod forecast;
pub mod history;
pub mod import;
pub mod requirements;
pub mod roster;
pub mod shifts;
pub mod table;
pub mod xlsx;

pub use table::{write_atomic, Table};
