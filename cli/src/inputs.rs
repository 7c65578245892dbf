//! Turning command-line numbers into the library's inputs.

use nicerouter_kling::{Error, ValidationError};

use crate::failure::Failure;

/// A count the library takes as `u32` (`n`, `pageNum`, `pageSize`). Its flag is parsed signed
/// so that a negative value is refused here in the library's words, naming `field`, instead
/// of being taken by the parser for an unknown flag.
pub fn count(field: &str, value: i64) -> Result<u32, Failure> {
    u32::try_from(value).map_err(|_| {
        let rule = if value < 0 {
            format!("must not be negative (got {value})")
        } else {
            format!("is too large (got {value})")
        };
        Error::from(ValidationError::new(field, rule)).into()
    })
}
