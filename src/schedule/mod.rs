//! TODO(owner): module essay.

/// `[schedule]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Invalid(String),
}
