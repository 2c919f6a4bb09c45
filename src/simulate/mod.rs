//! TODO(owner): module essay.

/// `[simulation]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationConfig {}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    #[error("{0}")]
    Invalid(String),
}
