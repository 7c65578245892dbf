//! Image generation and virtual try-on.

use nicerouter_kling_raw::types::{self, ImageReference};

use super::rules::{
    self, IMAGE_COUNT, IMAGE_MAX_BYTES, PROMPT_MAX_CHARS, conflicts, media_ref, missing, requires,
};
use super::{Validate, ValidationError, common};

/// The one model that supports `image_reference`.
const REFERENCE_MODEL: &str = "kling-v1-5";

impl Validate for types::ImageGenerationRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        let model = self.model_name.as_deref();
        rules::model_name("model_name", model)?;
        rules::required_text("prompt", &self.prompt, PROMPT_MAX_CHARS)?;
        if let Some(negative) = &self.negative_prompt {
            rules::optional_text("negative_prompt", negative, PROMPT_MAX_CHARS)?;
        }
        if let Some(image) = &self.image {
            media_ref("image", image, IMAGE_MAX_BYTES)?;
        }
        let has_image = self.image.is_some();
        if has_image && self.negative_prompt.as_ref().is_some_and(|n| !n.is_empty()) {
            return Err(conflicts(
                "negative_prompt",
                "`image` (image-to-image does not support a negative prompt)",
            ));
        }
        reference(model, has_image, self.image_reference)?;
        if let Some(fidelity) = self.image_fidelity {
            rules::number_in_range("image_fidelity", fidelity, 0.0, 1.0)?;
            if !has_image {
                return Err(requires("image_fidelity", "`image`"));
            }
        }
        if let Some(fidelity) = self.human_fidelity {
            rules::number_in_range("human_fidelity", fidelity, 0.0, 1.0)?;
            if self.image_reference != Some(ImageReference::Subject) {
                return Err(requires("human_fidelity", "`image_reference: subject`"));
            }
        }
        if let Some(n) = self.n {
            let (min, max) = IMAGE_COUNT;
            if !(min..=max).contains(&n.get()) {
                return Err(ValidationError::new(
                    "n",
                    format!("must be between {min} and {max} (got {n})"),
                ));
            }
        }
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

/// `image_reference` needs `image` and kling-v1-5; kling-v1-5 with `image` needs it.
fn reference(
    model: Option<&str>,
    has_image: bool,
    reference: Option<ImageReference>,
) -> Result<(), ValidationError> {
    let on_reference_model = model == Some(REFERENCE_MODEL);
    match reference {
        Some(_) if !has_image => Err(requires("image_reference", "`image`")),
        Some(_) if !on_reference_model => Err(ValidationError::new(
            "image_reference",
            format!(
                "is only supported by {REFERENCE_MODEL} (`model_name` is {})",
                model.map_or_else(
                    || "unset, which means kling-v1".to_owned(),
                    |m| format!("`{m}`")
                )
            ),
        )),
        None if has_image && on_reference_model => Err(missing(
            "image_reference",
            "with `image` on kling-v1-5 (`subject` or `face`)",
        )),
        _ => Ok(()),
    }
}

impl Validate for types::VirtualTryOnRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rules::model_name("model_name", self.model_name.as_deref())?;
        media_ref("human_image", &self.human_image, IMAGE_MAX_BYTES)?;
        media_ref("cloth_image", &self.cloth_image, IMAGE_MAX_BYTES)?;
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}
