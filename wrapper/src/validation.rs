//! Validation errors: which field broke which rule. Raised before anything is sent.

/// A request that breaks a rule of the Kling API. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {rule}")]
pub struct ValidationError {
    /// The field, as named in the API body, for example `camera_control.config` or
    /// `input.text`.
    pub field: String,
    /// The rule it breaks, for example `at most 2500 characters (got 2501)`.
    pub rule: String,
}

impl ValidationError {
    /// A broken rule on a field.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self { field: field.into(), rule: rule.into() }
    }
}
