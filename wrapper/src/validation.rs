//! Validation: every rule of the Kling API that can be checked before a request is sent.
//!
//! A broken rule is a [`ValidationError`] naming the field (as it is spelled in the API body,
//! for example `camera_control.config` or `input.text`) and the rule, in words. Nothing is sent.
//!
//! Two layers share the same rules and the same words:
//!
//! - [`Validate`] checks a complete generated request body (`nicerouter_kling_raw::types::*Request`):
//!   lengths, ranges, item counts, mutual exclusions and conditional fields. The builders call it
//!   on every body they produce, and so can anyone who builds a raw body by hand (for example
//!   from a JSON file).
//! - The media inputs ([`ImageInput`](crate::media::ImageInput),
//!   [`AudioInput`](crate::media::AudioInput)) check the file itself (format, size, pixels,
//!   aspect ratio) while they encode it, because only they see the bytes.
//!
//! The primitive rules live in [`rules`], so a front end (the CLI) that checks a flag early says
//! exactly what the library would say.
//!
//! ```
//! use nicerouter_kling::raw::types;
//! use nicerouter_kling::validation::Validate;
//!
//! let body: types::Text2VideoRequest = serde_json::from_value(serde_json::json!({
//!     "prompt": "a cat",
//!     "model_name": "kling-v2-5-turbo",
//!     "cfg_scale": 0.5
//! }))?;
//! let err = body.validate().unwrap_err();
//! assert_eq!(err.field, "cfg_scale");
//! # Ok::<(), serde_json::Error>(())
//! ```

mod camera;
mod effects;
mod image;
mod lip_sync;
pub mod rules;
mod video;

/// A request that breaks a rule of the Kling API. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {rule}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field, as named in the API body, for example `camera_control.config` or
    /// `input.text`.
    pub field: String,
    /// The rule it breaks, for example `must be at most 2500 characters (got 2501)`.
    pub rule: String,
}

impl ValidationError {
    /// A broken rule on a field.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// A request body that can be checked against the rules of the Kling API.
///
/// Implemented for the eight generated create bodies. It checks everything that does not need
/// the media files themselves: JSON Schema's limits that the generated types do not enforce,
/// and the cross-field rules JSON Schema cannot express. Media strings are checked for shape
/// only (an `http(s)` URL, or raw base64 without a `data:` prefix and within the size limit);
/// [`ImageInput`](crate::media::ImageInput) checks the pixels.
pub trait Validate {
    /// The first broken rule, if any.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// The fields every create body has: `callback_url` and `external_task_id`.
fn common(
    callback_url: Option<&str>,
    external_task_id: Option<&str>,
) -> Result<(), ValidationError> {
    if let Some(url) = callback_url {
        rules::callback_url(url)?;
    }
    if let Some(id) = external_task_id {
        rules::external_task_id(id)?;
    }
    Ok(())
}
