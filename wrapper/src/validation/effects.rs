//! Video effects: one image for single-image scenes (duration `"5"` only), exactly two for the
//! two-person scenes.

use nicerouter_kling_raw::types::{self, VideoDuration};

use super::rules::{self, IMAGE_MAX_BYTES, is_dual_character_scene, media_ref, missing};
use super::{Validate, ValidationError, common};

impl Validate for types::VideoEffectsRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        let scene = self.effect_scene.as_str();
        rules::non_empty("effect_scene", scene)?;
        let input = &self.input;
        rules::model_name("input.model_name", input.model_name.as_deref())?;
        if is_dual_character_scene(scene) {
            if input.image.is_some() {
                return Err(ValidationError::new(
                    "input.image",
                    format!(
                        "must be omitted for the two-person scene `{scene}`, which takes `input.images` (exactly two)"
                    ),
                ));
            }
            let images = input.images.as_ref().ok_or_else(|| {
                missing(
                    "input.images",
                    &format!("for the two-person scene `{scene}` (exactly two images)"),
                )
            })?;
            for (i, image) in images.iter().enumerate() {
                media_ref(&format!("input.images[{i}]"), image, IMAGE_MAX_BYTES)?;
            }
        } else {
            if input.images.is_some() {
                return Err(ValidationError::new(
                    "input.images",
                    format!(
                        "must be omitted for the single-image scene `{scene}`, which takes one `input.image`"
                    ),
                ));
            }
            let image = input.image.as_ref().ok_or_else(|| {
                missing(
                    "input.image",
                    &format!("for the single-image scene `{scene}`"),
                )
            })?;
            media_ref("input.image", image, IMAGE_MAX_BYTES)?;
            if input.duration != VideoDuration::X5 {
                return Err(ValidationError::new(
                    "input.duration",
                    format!(
                        "must be \"5\" for the single-image scene `{scene}` (got \"{}\")",
                        input.duration
                    ),
                ));
            }
        }
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}
