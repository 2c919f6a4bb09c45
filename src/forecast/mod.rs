//! TODO(owner): module essay.

/// `[forecast]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastConfig {}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("{0}")]
    Invalid(String),
}
