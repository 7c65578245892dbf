//! Text to video, image to video, multi-image to video and video extend.

use nicerouter_kling_raw::types::{
    self, CameraControl, DynamicMask, MultiPromptItem, OptionalPrompt, ShotType, Sound,
};

use super::camera::camera_control;
use super::rules::{
    self, DYNAMIC_MASKS_MAX, IMAGE_LIST_ITEMS, IMAGE_MAX_BYTES, MULTI_PROMPT_ITEMS,
    PROMPT_MAX_CHARS, SHOT_PROMPT_MAX_CHARS, TRAJECTORY_POINTS, VOICE_LIST_MAX, conflicts,
    item_count, media_ref, missing, requires,
};
use super::{Validate, ValidationError, common};

impl Validate for types::Text2VideoRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        let model = self.model_name.as_deref();
        rules::model_name("model_name", model)?;
        rules::required_text("prompt", &self.prompt, PROMPT_MAX_CHARS)?;
        optional_prompt("negative_prompt", self.negative_prompt.as_ref())?;
        if let Some(cfg) = &self.cfg_scale {
            rules::cfg_scale(cfg.0, model)?;
        }
        if let Some(camera) = &self.camera_control {
            camera_control(camera)?;
        }
        multi_shot(self.multi_shot, self.shot_type, &self.multi_prompt)?;
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

impl Validate for types::Image2VideoRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        let model = self.model_name.as_deref();
        rules::model_name("model_name", model)?;
        media_ref("image", &self.image, IMAGE_MAX_BYTES)?;
        let image_tail = non_empty_str(self.image_tail.as_deref());
        if let Some(tail) = image_tail {
            media_ref("image_tail", tail, IMAGE_MAX_BYTES)?;
        }
        optional_prompt("prompt", self.prompt.as_ref())?;
        optional_prompt("negative_prompt", self.negative_prompt.as_ref())?;
        if let Some(cfg) = &self.cfg_scale {
            rules::cfg_scale(cfg.0, model)?;
        }
        let static_mask = non_empty_str(self.static_mask.as_deref());
        if let Some(mask) = static_mask {
            media_ref("static_mask", mask, IMAGE_MAX_BYTES)?;
        }
        dynamic_masks(&self.dynamic_masks)?;
        if let Some(camera) = &self.camera_control {
            camera_control(camera)?;
        }
        exclusive_groups(
            image_tail.is_some(),
            static_mask.is_some(),
            !self.dynamic_masks.is_empty(),
            self.camera_control.as_ref(),
        )?;
        item_count("voice_list", self.voice_list.len(), 0, VOICE_LIST_MAX)?;
        for (i, voice) in self.voice_list.iter().enumerate() {
            rules::non_empty(&format!("voice_list[{i}].voice_id"), &voice.voice_id)?;
        }
        if !self.voice_list.is_empty() && self.sound != Some(Sound::On) {
            return Err(requires("voice_list", "`sound: on`"));
        }
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

impl Validate for types::MultiImage2VideoRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rules::model_name("model_name", self.model_name.as_deref())?;
        let (min, max) = IMAGE_LIST_ITEMS;
        item_count("image_list", self.image_list.len(), min, max)?;
        for (i, item) in self.image_list.iter().enumerate() {
            media_ref(
                &format!("image_list[{i}].image"),
                &item.image,
                IMAGE_MAX_BYTES,
            )?;
        }
        rules::required_text("prompt", &self.prompt, PROMPT_MAX_CHARS)?;
        optional_prompt("negative_prompt", self.negative_prompt.as_ref())?;
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

impl Validate for types::VideoExtendRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        rules::non_empty("video_id", &self.video_id)?;
        optional_prompt("prompt", self.prompt.as_ref())?;
        optional_prompt("negative_prompt", self.negative_prompt.as_ref())?;
        if let Some(cfg) = &self.cfg_scale {
            // The model is inherited from the source video, so only the range can be checked.
            rules::cfg_scale(cfg.0, None)?;
        }
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

/// Treats `""` like an absent value (relays' examples send `"image_tail": ""` for none).
fn non_empty_str(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

fn optional_prompt(field: &str, value: Option<&OptionalPrompt>) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| rules::optional_text(field, v, PROMPT_MAX_CHARS))
}

/// Motion brush: at most six masks, each with a 2–77 point trajectory of non-negative points.
fn dynamic_masks(masks: &[DynamicMask]) -> Result<(), ValidationError> {
    item_count("dynamic_masks", masks.len(), 0, DYNAMIC_MASKS_MAX)?;
    let (min_points, max_points) = TRAJECTORY_POINTS;
    for (i, mask) in masks.iter().enumerate() {
        media_ref(
            &format!("dynamic_masks[{i}].mask"),
            &mask.mask,
            IMAGE_MAX_BYTES,
        )?;
        let field = format!("dynamic_masks[{i}].trajectories");
        item_count(&field, mask.trajectories.len(), min_points, max_points)?;
        if let Some((j, p)) = mask
            .trajectories
            .iter()
            .enumerate()
            .find(|(_, p)| p.x < 0 || p.y < 0)
        {
            return Err(ValidationError::new(
                format!("{field}[{j}]"),
                format!(
                    "must not be negative (got ({}, {}); the origin (0, 0) is the bottom-left corner of the image)",
                    p.x, p.y
                ),
            ));
        }
    }
    Ok(())
}

/// (`image` + `image_tail`), the motion brush and camera control exclude each other.
fn exclusive_groups(
    image_tail: bool,
    static_mask: bool,
    dynamic_masks: bool,
    camera: Option<&CameraControl>,
) -> Result<(), ValidationError> {
    const WHY: &str =
        "(image + image_tail, the motion brush and camera control are mutually exclusive)";
    let brush_field = if static_mask {
        "static_mask"
    } else {
        "dynamic_masks"
    };
    let brush = static_mask || dynamic_masks;
    if image_tail && brush {
        return Err(conflicts(brush_field, &format!("`image_tail` {WHY}")));
    }
    if camera.is_some() {
        if image_tail {
            return Err(conflicts("camera_control", &format!("`image_tail` {WHY}")));
        }
        if brush {
            return Err(conflicts(
                "camera_control",
                &format!("`{brush_field}` {WHY}"),
            ));
        }
    }
    Ok(())
}

/// kling-v3 multi-shot: `shot_type` and `multi_prompt` only with `multi_shot: true`; 1–6 shots,
/// each with a 1–512 character prompt and a whole number of seconds.
fn multi_shot(
    multi_shot: Option<bool>,
    shot_type: Option<ShotType>,
    shots: &[MultiPromptItem],
) -> Result<(), ValidationError> {
    let on = multi_shot == Some(true);
    if shot_type.is_some() && !on {
        return Err(requires("shot_type", "`multi_shot: true`"));
    }
    if !shots.is_empty() && !on {
        return Err(requires("multi_prompt", "`multi_shot: true`"));
    }
    if shots.is_empty() {
        if on && shot_type == Some(ShotType::Customize) {
            return Err(missing("multi_prompt", "when `shot_type` is `customize`"));
        }
        return Ok(());
    }
    let (min, max) = MULTI_PROMPT_ITEMS;
    item_count("multi_prompt", shots.len(), min, max)?;
    for (i, shot) in shots.iter().enumerate() {
        rules::required_text(
            &format!("multi_prompt[{i}].prompt"),
            &shot.prompt,
            SHOT_PROMPT_MAX_CHARS,
        )?;
        let seconds = shot.duration.parse::<u32>().ok().filter(|s| *s > 0);
        if seconds.is_none() || shot.duration.starts_with('+') {
            return Err(ValidationError::new(
                format!("multi_prompt[{i}].duration"),
                format!(
                    "must be a whole number of seconds such as \"5\" (got {:?})",
                    shot.duration
                ),
            ));
        }
    }
    Ok(())
}
