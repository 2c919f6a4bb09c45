//! The errors of input and output, below every stage.
//!
//! [`InputError`] locates a bad value (file, line, column); [`FileError`] is what a reader or
//! writer returns. Each stage has its own error enum wrapping these where it reads input, and
//! [`crate::plan::Error`] wraps the stages' errors for the pipeline and the binary. This module
//! imports only [`crate::time`].

use std::fmt;
use std::path::PathBuf;

/// A problem with an input file or value, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// File name as the user gave it (or a label such as `--contacts` for a flag).
    pub file: String,
    /// 1-based line number in the file, when known.
    pub line: Option<u64>,
    /// Column name (CSV) or key (TOML), when known.
    pub column: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl InputError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { file: file.into(), line: None, column: None, message: message.into() }
    }

    pub fn at(
        file: impl Into<String>,
        line: u64,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.into(),
            line: Some(line),
            column: Some(column.into()),
            message: message.into(),
        }
    }

    pub fn at_line(file: impl Into<String>, line: u64, message: impl Into<String>) -> Self {
        InputError { file: file.into(), line: Some(line), column: None, message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            if self.line.is_some() {
                write!(f, ",")?;
            }
            write!(f, " column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// A file that could not be read or written: its content was wrong ([`InputError`]), or the
/// file system refused ([`std::io::Error`]). The error type of every reader and writer in
/// [`crate::io`].
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// A file's grid or time zone that the calendar cannot hold.
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
}

impl FileError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FileError::Io { path: path.into(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_names_file_line_and_column() {
        let e = InputError::at(
            "history.csv",
            14,
            "aht_seconds",
            "expected a number >= 0, found \"-3\"",
        );
        assert_eq!(
            e.to_string(),
            "history.csv line 14, column aht_seconds: expected a number >= 0, found \"-3\""
        );
    }
}
