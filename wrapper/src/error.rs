//! SKELETON error type; the wrapper work replaces it with the full matchable error.

use crate::validation::ValidationError;

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a rule of the API; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Placeholder for the remaining variants.
    #[error("{0}")]
    Other(String),
}
