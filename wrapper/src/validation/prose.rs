//! The rules the spec states only in prose. Each rule quotes the description it enforces;
//! everything JSON Schema can say (types, lengths, ranges, counts, closed sets) is checked
//! from the spec itself, not here.

use serde_json::Value;

use super::ValidationError;
use crate::Kind;

fn has(body: &Value, pointer: &str) -> bool {
    body.pointer(pointer)
        .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
}

fn text<'b>(body: &'b Value, pointer: &str) -> Option<&'b str> {
    body.pointer(pointer).and_then(Value::as_str)
}

fn conflicts(field: &str, other: &str, why: &str) -> ValidationError {
    ValidationError::new(field, format!("cannot be combined with `{other}` ({why})"))
}

fn requires(field: &str, condition: &str) -> ValidationError {
    ValidationError::new(field, format!("requires {condition}"))
}

fn missing(field: &str, condition: &str) -> ValidationError {
    ValidationError::new(field, format!("is required {condition}"))
}

/// Fills in what the prose implies. `LipSyncInput`: "With `mode: text2video`: `text`,
/// `voice_id` and `voice_language` are required. With `mode: audio2video`: `audio_type`, and
/// `audio_file` (type `file`) or `audio_url` (type `url`)". So the mode and the audio type
/// follow from the fields given, when they are not set.
pub(super) fn infer(kind: Kind, body: &mut Value) {
    if kind != Kind::LipSync {
        return;
    }
    let Some(input) = body.get_mut("input").and_then(Value::as_object_mut) else {
        return;
    };
    let audio_type = if input.contains_key("audio_file") {
        Some("file")
    } else if input.contains_key("audio_url") {
        Some("url")
    } else {
        None
    };
    if !input.contains_key("mode") {
        let mode = if input.contains_key("text") {
            Some("text2video")
        } else {
            audio_type.map(|_| "audio2video")
        };
        if let Some(mode) = mode {
            input.insert("mode".into(), mode.into());
        }
    }
    // The audio type belongs to `audio2video` only: inferred for a text2video body, it would
    // be the field an error names, though the caller never set it.
    let audio_mode = input.get("mode").and_then(Value::as_str) == Some("audio2video");
    if let Some(audio_type) = audio_type.filter(|_| audio_mode) {
        input
            .entry("audio_type")
            .or_insert_with(|| audio_type.into());
    }
}

/// Checks the prose rules of `kind`'s body.
pub(super) fn check(kind: Kind, body: &Value) -> Result<(), ValidationError> {
    match kind {
        Kind::TextToVideo => {
            prompt_unless_shots(body)?;
            cfg_scale(body)?;
            camera_control(body)?;
            multi_shot(body)
        }
        Kind::ImageToVideo => {
            cfg_scale(body)?;
            camera_control(body)?;
            image_to_video(body)?;
            multi_shot(body)
        }
        Kind::VideoExtend => cfg_scale(body),
        Kind::LipSync => lip_sync(body),
        Kind::VideoEffects => effects(body),
        Kind::ImageGeneration => image_generation(body),
        _ => Ok(()),
    }
}

/// `Text2VideoRequest.prompt` is optional only for a multi-shot video cut by `customize`,
/// whose shots carry their own prompts ("`prompt` optional under a multi-shot
/// `customize`"); any other video is made from its prompt, which must say something.
fn prompt_unless_shots(body: &Value) -> Result<(), ValidationError> {
    let shots = body.get("multi_shot").and_then(Value::as_bool) == Some(true)
        && text(body, "/shot_type") == Some("customize");
    match text(body, "/prompt") {
        Some(prompt) if prompt.trim().is_empty() && !(shots && prompt.is_empty()) => {
            Err(ValidationError::new("prompt", "must not be blank"))
        }
        None if !shots => Err(missing(
            "prompt",
            "unless `multi_shot` is true with `shot_type: customize`",
        )),
        _ => Ok(()),
    }
}

/// `CfgScale`: "Not supported by kling-v2.x models; omit it for them."
fn cfg_scale(body: &Value) -> Result<(), ValidationError> {
    let model = text(body, "/model_name").filter(|m| is_kling_v2(m));
    match model {
        Some(model) if has(body, "/cfg_scale") => Err(ValidationError::new(
            "cfg_scale",
            format!(
                "is not supported by kling-v2.x models (`model_name` is `{model}`); leave it unset"
            ),
        )),
        _ => Ok(()),
    }
}

fn is_kling_v2(model: &str) -> bool {
    model
        .strip_prefix("kling-v2")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// `CameraControl`: "`config` is required when `type` is `simple` and must be omitted for the
/// preset types; in `config` exactly one of the six axes is non-zero."
fn camera_control(body: &Value) -> Result<(), ValidationError> {
    let Some(kind) = text(body, "/camera_control/type") else {
        return Ok(());
    };
    let config = body.pointer("/camera_control/config");
    match (kind, config) {
        ("simple", None) => Err(missing(
            "camera_control.config",
            "when `camera_control.type` is `simple`",
        )),
        ("simple", Some(config)) => {
            let non_zero = config.as_object().map_or(0, |axes| {
                axes.values().filter(|v| v.as_f64() != Some(0.0)).count()
            });
            if non_zero == 1 {
                Ok(())
            } else {
                Err(ValidationError::new(
                    "camera_control.config",
                    format!("must have exactly one non-zero axis (got {non_zero})"),
                ))
            }
        }
        (preset, Some(_)) => Err(ValidationError::new(
            "camera_control.config",
            format!(
                "must be omitted when `camera_control.type` is `{preset}` (only `simple` takes a config)"
            ),
        )),
        (_, None) => Ok(()),
    }
}

/// `Image2VideoRequest`: "Mutually exclusive groups: (`image` + `image_tail`), (`static_mask`
/// / `dynamic_masks`) and (`camera_control`). `voice_list` requires `sound: on`"; and one of
/// `image` and `image_tail` is the frame to start from or end on.
fn image_to_video(body: &Value) -> Result<(), ValidationError> {
    const WHY: &str =
        "image + image_tail, the motion brush and camera control are mutually exclusive";
    let tail = has(body, "/image_tail");
    let brush = ["static_mask", "dynamic_masks"]
        .into_iter()
        .find(|f| has(body, &format!("/{f}")) && body[f].as_array().is_none_or(|a| !a.is_empty()));
    if let Some(brush) = brush {
        if tail {
            return Err(conflicts(brush, "image_tail", WHY));
        }
        if has(body, "/camera_control") {
            return Err(conflicts("camera_control", brush, WHY));
        }
    }
    if tail && has(body, "/camera_control") {
        return Err(conflicts("camera_control", "image_tail", WHY));
    }
    if !has(body, "/image") && !tail {
        return Err(missing(
            "image",
            "(or `image_tail`): the start or the end frame",
        ));
    }
    let voices = body.get("voice_list").and_then(Value::as_array);
    if voices.is_some_and(|v| !v.is_empty()) && text(body, "/sound") != Some("on") {
        return Err(requires("voice_list", "`sound: on`"));
    }
    Ok(())
}

/// `multi_shot`: "when true `prompt` is ignored in favour of `multi_prompt`"; `shot_type`:
/// "How a multi-shot video is cut"; `multi_prompt`: the shots. So the shot fields need
/// `multi_shot: true`, and a `customize` cut needs its shots.
fn multi_shot(body: &Value) -> Result<(), ValidationError> {
    let on = body.get("multi_shot").and_then(Value::as_bool) == Some(true);
    let shots = body
        .get("multi_prompt")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    if has(body, "/shot_type") && !on {
        return Err(requires("shot_type", "`multi_shot: true`"));
    }
    if shots && !on {
        return Err(requires("multi_prompt", "`multi_shot: true`"));
    }
    if on && !shots && text(body, "/shot_type") == Some("customize") {
        return Err(missing("multi_prompt", "when `shot_type` is `customize`"));
    }
    Ok(())
}

/// `LipSyncInput`: "Exactly one of `video_id` and `video_url`. With `mode: text2video`:
/// `text`, `voice_id` and `voice_language` are required. With `mode: audio2video`:
/// `audio_type`, and `audio_file` (type `file`) or `audio_url` (type `url`), are required."
fn lip_sync(body: &Value) -> Result<(), ValidationError> {
    match (has(body, "/input/video_id"), has(body, "/input/video_url")) {
        (true, true) => {
            return Err(conflicts(
                "input.video_url",
                "input.video_id",
                "give exactly one of them",
            ));
        }
        (false, false) => {
            return Err(ValidationError::new(
                "input.video_id",
                "exactly one of `input.video_id` and `input.video_url` is required (got neither)",
            ));
        }
        _ => {}
    }
    let text_fields = ["text", "voice_id", "voice_language", "voice_speed"];
    let audio_fields = ["audio_type", "audio_file", "audio_url"];
    let (needed, refused, when): (&[&str], &[&str], &str) = match text(body, "/input/mode") {
        Some("text2video") => (&text_fields[..3], &audio_fields, "text2video"),
        Some("audio2video") => (&audio_fields[..1], &text_fields, "audio2video"),
        _ => return Ok(()),
    };
    if let Some(f) = needed.iter().find(|f| !has(body, &format!("/input/{f}"))) {
        return Err(missing(
            &format!("input.{f}"),
            &format!("when `input.mode` is `{when}`"),
        ));
    }
    if let Some(f) = refused.iter().find(|f| has(body, &format!("/input/{f}"))) {
        return Err(ValidationError::new(
            format!("input.{f}"),
            format!("is not allowed when `input.mode` is `{when}`"),
        ));
    }
    let (file, url) = (
        has(body, "/input/audio_file"),
        has(body, "/input/audio_url"),
    );
    match text(body, "/input/audio_type") {
        Some("file") if url => Err(conflicts(
            "input.audio_url",
            "input.audio_type: file",
            "a file goes in `audio_file`",
        )),
        Some("file") if !file => Err(missing(
            "input.audio_file",
            "when `input.audio_type` is `file`",
        )),
        Some("url") if file => Err(conflicts(
            "input.audio_file",
            "input.audio_type: url",
            "a URL goes in `audio_url`",
        )),
        Some("url") if !url => Err(missing(
            "input.audio_url",
            "when `input.audio_type` is `url`",
        )),
        _ => Ok(()),
    }
}

/// `VideoEffectsInput`: "Single-image scenes: `image` … Dual-character scenes: `images` …
/// Never both `image` and `images`."
fn effects(body: &Value) -> Result<(), ValidationError> {
    match (has(body, "/input/image"), has(body, "/input/images")) {
        (true, true) => Err(conflicts(
            "input.images",
            "input.image",
            "a scene takes one image or two images, never both",
        )),
        (false, false) => Err(missing(
            "input.image",
            "(or `input.images`, two images, for a two-person scene)",
        )),
        _ => Ok(()),
    }
}

/// `ImageGenerationRequest`: "no `negative_prompt` with `image`; `image_reference` only for
/// kling-v1-5 and then required with `image`; `human_fidelity` only with `image_reference:
/// subject`"; and `image_fidelity`, the reference strength, needs a reference `image`.
fn image_generation(body: &Value) -> Result<(), ValidationError> {
    const REFERENCE_MODEL: &str = "kling-v1-5";
    let image = has(body, "/image");
    if image && has(body, "/negative_prompt") {
        return Err(conflicts(
            "negative_prompt",
            "image",
            "image-to-image does not support a negative prompt",
        ));
    }
    let model = text(body, "/model_name");
    let on_reference_model = model == Some(REFERENCE_MODEL);
    let reference = text(body, "/image_reference");
    if reference.is_some() && !image {
        return Err(requires("image_reference", "`image`"));
    }
    if reference.is_some() && !on_reference_model {
        return Err(ValidationError::new(
            "image_reference",
            format!(
                "is only supported by {REFERENCE_MODEL} (`model_name` is {})",
                model.map_or_else(
                    || "unset, which means kling-v1".to_owned(),
                    |m| format!("`{m}`")
                )
            ),
        ));
    }
    if reference.is_none() && image && on_reference_model {
        return Err(missing(
            "image_reference",
            "with `image` on kling-v1-5 (`subject` or `face`)",
        ));
    }
    if has(body, "/image_fidelity") && !image {
        return Err(requires("image_fidelity", "`image`"));
    }
    if has(body, "/human_fidelity") && reference != Some("subject") {
        return Err(requires("human_fidelity", "`image_reference: subject`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn kling_v2_models_are_recognised() {
        for m in [
            "kling-v2",
            "kling-v2-master",
            "kling-v2-1",
            "kling-v2-5-turbo",
            "kling-v2-6",
            "kling-v2-new",
        ] {
            assert!(is_kling_v2(m), "{m}");
        }
        for m in ["kling-v1", "kling-v1-6", "kling-v3", "kling-v20"] {
            assert!(!is_kling_v2(m), "{m}");
        }
        let body = json!({"prompt": "a", "cfg_scale": 0.5, "model_name": "kling-v2-master"});
        assert_eq!(
            check(Kind::TextToVideo, &body).unwrap_err().field,
            "cfg_scale"
        );
        check(Kind::TextToVideo, &json!({"prompt": "a", "cfg_scale": 0.5})).unwrap();
    }

    #[test]
    fn lip_sync_mode_and_audio_type_follow_from_the_fields() {
        let mut body = json!({"input": {"video_id": "v", "text": "hi", "voice_id": "x"}});
        infer(Kind::LipSync, &mut body);
        assert_eq!(body["input"]["mode"], "text2video");
        let mut body = json!({"input": {"video_id": "v", "audio_url": "https://x/a.mp3"}});
        infer(Kind::LipSync, &mut body);
        assert_eq!(
            (&body["input"]["mode"], &body["input"]["audio_type"]),
            (&json!("audio2video"), &json!("url"))
        );
        let mut body =
            json!({"input": {"video_id": "v", "mode": "text2video", "audio_file": "QUJD"}});
        infer(Kind::LipSync, &mut body);
        assert_eq!(body["input"]["mode"], "text2video", "a given mode is kept");
        assert_eq!(check(Kind::LipSync, &body).unwrap_err().field, "input.text");
    }

    #[test]
    fn audio_given_with_text_is_named_as_given() {
        let mut body = json!({"input": {
            "video_id": "v", "text": "hi", "voice_id": "x", "voice_language": "en",
            "audio_file": "QUJD"
        }});
        infer(Kind::LipSync, &mut body);
        assert_eq!(body["input"]["mode"], "text2video");
        assert!(body["input"].get("audio_type").is_none(), "{body}");
        let err = check(Kind::LipSync, &body).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule.as_str()),
            (
                "input.audio_file",
                "is not allowed when `input.mode` is `text2video`"
            )
        );
    }
}
