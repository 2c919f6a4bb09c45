//! TODO(owner): module essay.

/// `[roster]` section of plan.toml (all keys optional; unknown keys are errors).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RosterConfig {}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RosterError {
    #[error("{0}")]
    Invalid(String),
}
