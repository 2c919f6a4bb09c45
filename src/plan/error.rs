//! The crate-wide error.
//!
//! Each stage has its own error enum; [`Error`] wraps them so library callers can match on the
//! stage that failed, and the binary prints the whole chain. Input errors carry the file, line and
//! column so a planner can go straight to the bad cell.

use std::path::PathBuf;

use crate::error::{FileError, InputError};

/// The crate's error: one variant per kind of failure, wrapping each stage's own error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
    #[error(transparent)]
    Staffing(#[from] crate::staffing::StaffingError),
    #[error(transparent)]
    Forecast(#[from] crate::forecast::ForecastError),
    #[error(transparent)]
    Schedule(#[from] crate::schedule::ScheduleError),
    #[error(transparent)]
    Roster(#[from] crate::roster::RosterError),
    #[error(transparent)]
    Simulate(#[from] crate::simulate::SimulateError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

impl From<FileError> for Error {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Input(input) => Error::Input(input),
            FileError::Io { path, source } => Error::Io { path, source },
            FileError::Time(t) => Error::Time(t),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
