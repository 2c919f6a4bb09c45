//! TODO(owner): module essay.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    #[error("{0}")]
    Invalid(String),
}
