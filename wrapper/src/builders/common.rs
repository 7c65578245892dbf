//! What every builder shares: `external_task_id` and `callback_url`, the conversions into the
//! generated string types with named errors, and running the build off the async executor.

use nicerouter_kling_raw::types::{self, ExternalTaskId, MediaRef, OptionalPrompt, Prompt};
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::media::ResolvedImage;
use crate::validation::ValidationError;
use crate::validation::rules::{self, PROMPT_MAX_CHARS};

/// The two fields every create body has.
#[derive(Debug, Clone, Default)]
pub(crate) struct Common {
    pub external_task_id: Option<String>,
    pub callback_url: Option<String>,
}

impl Common {
    /// `(callback_url, external_task_id)` for the body.
    pub fn into_fields(self) -> Result<(Option<String>, Option<ExternalTaskId>), ValidationError> {
        let id = self
            .external_task_id
            .map(|id| {
                rules::external_task_id(&id)?;
                convert("external_task_id", ExternalTaskId::try_from(id))
            })
            .transpose()?;
        Ok((self.callback_url, id))
    }
}

/// The setters every builder has. Expects a `common: Common` field.
macro_rules! common_setters {
    () => {
        /// Your id for the task: 1 to 64 ASCII letters, digits, `-`, `_`, `.` or `:`, unique
        /// per account. Kling echoes it in `task_info.external_task_id` and the task can be
        /// looked up by it. Without one, the client generates one, so that a create whose
        /// answer is lost can be found instead of paid for twice.
        pub fn external_task_id(mut self, id: impl Into<String>) -> Self {
            self.common.external_task_id = Some(id.into());
            self
        }

        /// An absolute `http(s)` URL that Kling POSTs the task to whenever its status changes.
        pub fn callback_url(mut self, url: impl Into<String>) -> Self {
            self.common.callback_url = Some(url.into());
            self
        }
    };
}
pub(crate) use common_setters;

/// A generated string type's conversion error, as a rule on `field`. The rules are checked
/// before converting, so this only fires if the spec tightens a limit the SDK does not know.
pub(crate) fn convert<T, E: std::fmt::Display>(
    field: &str,
    result: Result<T, E>,
) -> Result<T, ValidationError> {
    result.map_err(|e| ValidationError::new(field, e.to_string()))
}

/// A required prompt: 1 to 2500 characters, not only whitespace.
pub(crate) fn prompt(field: &str, value: String) -> Result<Prompt, ValidationError> {
    rules::required_text(field, &value, PROMPT_MAX_CHARS)?;
    convert(field, Prompt::try_from(value))
}

/// An optional prompt: at most 2500 characters.
pub(crate) fn optional_prompt(
    field: &str,
    value: Option<String>,
) -> Result<Option<OptionalPrompt>, ValidationError> {
    value
        .map(|v| {
            rules::optional_text(field, &v, PROMPT_MAX_CHARS)?;
            convert(field, OptionalPrompt::try_from(v))
        })
        .transpose()
}

/// A resolved image as the generated `MediaRef`.
pub(crate) fn media_ref(field: &str, image: ResolvedImage) -> Result<MediaRef, ValidationError> {
    convert(field, MediaRef::try_from(image.value))
}

/// `watermark_info` from `.watermark(bool)`.
pub(crate) fn watermark(enabled: Option<bool>) -> Option<types::WatermarkInfo> {
    enabled.map(|enabled| types::WatermarkInfo { enabled })
}

/// Runs `build`, which may read files and encode megabytes of base64, without stalling other
/// tasks: on a multi-threaded Tokio runtime the worker first hands its other tasks to another
/// thread ([`tokio::task::block_in_place`]). Elsewhere (a current-thread runtime, or when
/// nothing is local) it simply runs.
pub(crate) fn off_executor<T>(local_media: bool, build: impl FnOnce() -> T) -> T {
    let multi_thread =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    if local_media && multi_thread {
        tokio::task::block_in_place(build)
    } else {
        build()
    }
}
