//! Lip sync: exactly one video source, and the fields each `input.mode` requires.

use nicerouter_kling_raw::types::{self, AudioType, LipSyncInput, LipSyncMode};

use super::rules::{
    self, AUDIO_MAX_BYTES, LIP_SYNC_TEXT_MAX_CHARS, VOICE_SPEED_RANGE, missing, only_allowed,
};
use super::{Validate, ValidationError, common};

impl Validate for types::LipSyncRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        let input = &self.input;
        video_source(input)?;
        match input.mode {
            LipSyncMode::Text2video => text_mode(input)?,
            LipSyncMode::Audio2video => audio_mode(input)?,
        }
        common(
            self.callback_url.as_deref(),
            self.external_task_id.as_deref().map(String::as_str),
        )
    }
}

/// Exactly one of `input.video_id` and `input.video_url`.
fn video_source(input: &LipSyncInput) -> Result<(), ValidationError> {
    match (input.video_id.as_deref(), input.video_url.as_deref()) {
        (Some(id), None) => rules::non_empty("input.video_id", id),
        (None, Some(url)) => rules::http_url("input.video_url", url),
        (Some(_), Some(_)) => Err(rules::conflicts(
            "input.video_url",
            "`input.video_id` (give exactly one of them)",
        )),
        (None, None) => Err(ValidationError::new(
            "input.video_id",
            "exactly one of `input.video_id` and `input.video_url` is required (got neither)",
        )),
    }
}

/// `text2video`: `text` (1–120 characters), `voice_id` and `voice_language`; `voice_speed` in
/// [0.8, 2.0]; no audio fields.
fn text_mode(input: &LipSyncInput) -> Result<(), ValidationError> {
    const WHEN: &str = "when `input.mode` is `text2video`";
    let text = input
        .text
        .as_deref()
        .ok_or_else(|| missing("input.text", WHEN))?;
    rules::required_text("input.text", text, LIP_SYNC_TEXT_MAX_CHARS)?;
    let voice_id = input
        .voice_id
        .as_deref()
        .ok_or_else(|| missing("input.voice_id", WHEN))?;
    rules::non_empty("input.voice_id", voice_id)?;
    if input.voice_language.is_none() {
        return Err(missing("input.voice_language", WHEN));
    }
    if let Some(speed) = input.voice_speed {
        let (min, max) = VOICE_SPEED_RANGE;
        rules::number_in_range("input.voice_speed", speed, min, max)?;
    }
    const AUDIO_ONLY: &str = "when `input.mode` is `audio2video`";
    if input.audio_type.is_some() {
        return Err(only_allowed("input.audio_type", AUDIO_ONLY));
    }
    if input.audio_file.is_some() {
        return Err(only_allowed("input.audio_file", AUDIO_ONLY));
    }
    if input.audio_url.is_some() {
        return Err(only_allowed("input.audio_url", AUDIO_ONLY));
    }
    Ok(())
}

/// `audio2video`: `audio_type`, and `audio_file` (raw base64, ≤ 5 MB) for `file` or
/// `audio_url` for `url`; no text fields.
fn audio_mode(input: &LipSyncInput) -> Result<(), ValidationError> {
    const TEXT_ONLY: &str = "when `input.mode` is `text2video`";
    let text_fields = [
        ("input.text", input.text.is_some()),
        ("input.voice_id", input.voice_id.is_some()),
        ("input.voice_language", input.voice_language.is_some()),
        ("input.voice_speed", input.voice_speed.is_some()),
    ];
    if let Some((field, _)) = text_fields.iter().find(|(_, set)| *set) {
        return Err(only_allowed(field, TEXT_ONLY));
    }
    let audio_type = input
        .audio_type
        .ok_or_else(|| missing("input.audio_type", "when `input.mode` is `audio2video`"))?;
    match audio_type {
        AudioType::File => {
            if input.audio_url.is_some() {
                return Err(only_allowed(
                    "input.audio_url",
                    "when `input.audio_type` is `url`",
                ));
            }
            let file = input
                .audio_file
                .as_deref()
                .ok_or_else(|| missing("input.audio_file", "when `input.audio_type` is `file`"))?;
            if file.contains("://") {
                return Err(ValidationError::new(
                    "input.audio_file",
                    "must be raw base64 (for a URL use `input.audio_type: url` and `input.audio_url`)",
                ));
            }
            rules::media_ref("input.audio_file", file, AUDIO_MAX_BYTES)
        }
        AudioType::Url => {
            if input.audio_file.is_some() {
                return Err(only_allowed(
                    "input.audio_file",
                    "when `input.audio_type` is `file`",
                ));
            }
            let url = input
                .audio_url
                .as_deref()
                .ok_or_else(|| missing("input.audio_url", "when `input.audio_type` is `url`"))?;
            rules::http_url("input.audio_url", url)
        }
    }
}
