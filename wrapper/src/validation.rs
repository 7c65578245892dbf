//! Validation: every rule of the Kling API that can be checked before a request is sent.
//!
//! A broken rule is a [`ValidationError`] naming the field (as it is spelled in the API body,
//! for example `camera_control.config` or `input.text`) and the rule, in words. Nothing is
//! sent. A body is checked in three steps:
//!
//! 1. the spec's own JSON Schema for the create operation (types, required fields, lengths,
//!    ranges, item counts, closed value sets), through the spec crate's validator;
//! 2. the rules the spec states only in prose (exclusive fields, per-model capabilities), in
//!    [`prose`](self) below, each citing the description it enforces;
//! 3. the media strings: a URL, or raw base64 within the size limit.
//!
//! A value outside an open vocabulary (`model_name`, `duration`, `mode`, `effect_scene`, …,
//! which Kling extends every month) passes with a `tracing` warning.
//!
//! ```
//! use nicerouter_kling::Kind;
//! use nicerouter_kling::validation::check;
//!
//! let mut body = serde_json::json!({"prompt": "a cat", "cfg_scale": 1.5});
//! let err = check(Kind::TextToVideo, &mut body).unwrap_err();
//! assert_eq!((err.field.as_str(), err.rule.as_str()), ("cfg_scale", "must be at most 1"));
//! ```

mod media;
mod prose;

use nicerouter_kling_raw::catalog::{Field, Shape};
use nicerouter_kling_spec::validate::Validator;
use serde_json::Value;

use crate::Kind;

pub(crate) use media::{
    AUDIO_MAX_BYTES, IMAGE_MAX_BYTES, IMAGE_MIN_SIDE_PX, decoded_len, http_url, too_large,
};

/// A request that breaks a rule of the Kling API. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {rule}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field, as named in the API body, for example `camera_control.config` or
    /// `input.text`.
    pub field: String,
    /// The rule it breaks, for example `at most 2500 characters`.
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

/// Checks a create body of `kind`, filling in what the spec's prose implies (the lip-sync
/// `input.mode` from the fields given). The first broken rule is the error.
pub fn check(kind: Kind, body: &mut Value) -> Result<(), ValidationError> {
    check_body(kind, body, &[]).map(|_| ())
}

/// [`check`], skipping the media strings at `resolved` (already checked from their files),
/// and returning the length of the body's media strings.
pub(crate) fn check_body(
    kind: Kind,
    body: &mut Value,
    resolved: &[String],
) -> Result<usize, ValidationError> {
    prose::infer(kind, body);
    if let Err(violations) =
        Validator::embedded().validate_request(kind.operations().create, &[], &[], Some(body))
    {
        let first = violations.into_iter().next();
        return Err(first.map_or_else(
            || ValidationError::new("body", "does not match the spec"),
            |v| ValidationError::new(v.field, v.rule),
        ));
    }
    prose::check(kind, body)?;
    if let Some(id) = body
        .get(crate::create::EXTERNAL_TASK_ID)
        .and_then(Value::as_str)
    {
        external_task_id(id)?;
    }
    warn_unknown_values(kind, body);
    media_strings(kind, body, resolved)
}

/// The longest `external_task_id` the client sends.
const EXTERNAL_TASK_ID_MAX_CHARS: usize = 64;

/// The client's own rule for `external_task_id`, which Kling leaves open: at most 64 ASCII
/// letters, digits, `-`, `_`, `.` and `:`, so that the id by which a lost create is looked up
/// passes through relays' paths and logs unchanged.
fn external_task_id(id: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "external_task_id";
    let chars = id.chars().count();
    if chars > EXTERNAL_TASK_ID_MAX_CHARS {
        return Err(ValidationError::new(
            FIELD,
            format!("must be at most {EXTERNAL_TASK_ID_MAX_CHARS} characters (got {chars})"),
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
    {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "may only contain ASCII letters, digits, `-`, `_`, `.` and `:` (found {bad:?})"
            ),
        ));
    }
    Ok(())
}

/// The dotted name of the field at a JSON pointer: `/input/images/1` → `input.images[1]`.
pub fn field_name(pointer: &str) -> String {
    let mut name = String::with_capacity(pointer.len());
    for segment in pointer.split('/').skip(1) {
        if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            name.push('[');
            name.push_str(segment);
            name.push(']');
        } else {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(segment);
        }
    }
    name
}

/// Every value at a field's pointer: one, or each item of a list.
fn values<'b>(field: &Field, body: &'b Value) -> Vec<(String, &'b Value)> {
    let Some(value) = body.pointer(field.pointer) else {
        return Vec::new();
    };
    match (field.shape, value) {
        (Shape::List(_), Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{}/{i}", field.pointer), v))
            .collect(),
        (Shape::Wrapped(key, _), Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((format!("{}/{i}/{key}", field.pointer), v.get(key)?)))
            .collect(),
        _ => vec![(field.pointer.to_owned(), value)],
    }
}

fn warn_unknown_values(kind: Kind, body: &Value) {
    for field in kind
        .fields()
        .iter()
        .filter(|f| f.open && !f.known.is_empty())
    {
        for (pointer, value) in values(field, body) {
            if let Some(text) = value.as_str()
                && !field.known.contains(&text)
            {
                tracing::warn!(
                    field = %field_name(&pointer),
                    value = text,
                    known = ?field.known,
                    "a value the spec does not know; sent as it is, in case Kling added it"
                );
            }
        }
    }
}

/// The values at a pointer pattern, where `*` stands for every item of an array, with the
/// pointer of each.
fn matches<'b>(body: &'b Value, pattern: &str) -> Vec<(String, &'b Value)> {
    let mut found = vec![(String::new(), body)];
    for segment in pattern.split('/').skip(1) {
        found = found
            .into_iter()
            .flat_map(|(at, value)| match (segment, value) {
                ("*", Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{at}/{i}"), item))
                    .collect::<Vec<_>>(),
                (key, Value::Object(map)) => map
                    .get(key)
                    .map(|v| vec![(format!("{at}/{key}"), v)])
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect();
    }
    found
}

/// Checks the media strings that were not resolved from files, and adds up their lengths.
fn media_strings(kind: Kind, body: &Value, resolved: &[String]) -> Result<usize, ValidationError> {
    use nicerouter_kling_raw::catalog::Media;
    let mut total = 0;
    for field in kind.fields() {
        let mut found: Vec<(String, &Value, Media)> = Vec::new();
        if let Shape::Media(m)
        | Shape::List(&Shape::Media(m))
        | Shape::Wrapped(_, &Shape::Media(m)) = field.shape
        {
            found.extend(values(field, body).into_iter().map(|(p, v)| (p, v, m)));
        }
        for (pattern, media) in field.nested_media {
            found.extend(
                matches(body, pattern)
                    .into_iter()
                    .map(|(p, v)| (p, v, *media)),
            );
        }
        for (pointer, value, media) in found {
            let Some(text) = value.as_str() else { continue };
            total += text.len();
            if resolved.contains(&pointer) {
                continue;
            }
            // An optional media field sent empty means none (the spec's `image_tail`: "Empty
            // means none"; relays' examples send `""` for unused optional strings). The
            // schema decides whether `""` is allowed; an empty list item is still refused.
            if text.is_empty() && !field.required && pointer == field.pointer {
                continue;
            }
            let name = field_name(&pointer);
            match media {
                Media::Video => http_url(&name, text)?,
                Media::Audio => media::media_ref(&name, text, AUDIO_MAX_BYTES)?,
                Media::AudioBase64 => {
                    if text.contains("://") {
                        return Err(ValidationError::new(
                            name,
                            "must be raw base64 audio, not a URL",
                        ));
                    }
                    media::media_ref(&name, text, AUDIO_MAX_BYTES)?;
                }
                _ => media::media_ref(&name, text, IMAGE_MAX_BYTES)?,
            }
        }
    }
    // The URLs that are not media strings (`callback_url`, the lip-sync `audio_url`): Kling
    // fetches or calls them, so each is an absolute http(s) URL.
    for field in kind
        .fields()
        .iter()
        .filter(|f| f.shape == Shape::Text && f.wire_name().ends_with("_url"))
    {
        if let Some(url) = body.pointer(field.pointer).and_then(Value::as_str) {
            http_url(&field_name(field.pointer), url)?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn error(kind: Kind, mut body: Value) -> (String, String) {
        let e = check(kind, &mut body).unwrap_err();
        (e.field, e.rule)
    }

    #[test]
    fn field_names_read_like_the_body() {
        assert_eq!(field_name("/input/images/1"), "input.images[1]");
        assert_eq!(field_name("/image_list/0/image"), "image_list[0].image");
        assert_eq!(field_name("/prompt"), "prompt");
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let chinese = "猫".repeat(2500);
        check(Kind::TextToVideo, &mut json!({"prompt": chinese})).unwrap();
        let (field, rule) = error(Kind::TextToVideo, json!({"prompt": format!("{chinese}猫")}));
        assert_eq!(
            (field.as_str(), rule.as_str()),
            ("prompt", "at most 2500 characters")
        );
    }

    #[test]
    fn blank_text_and_out_of_range_numbers_are_refused() {
        assert_eq!(
            error(Kind::ImageGeneration, json!({"prompt": ""})).0,
            "prompt"
        );
        assert_eq!(
            error(Kind::ImageGeneration, json!({"prompt": " \n"})).0,
            "prompt"
        );
        assert_eq!(
            error(Kind::TextToVideo, json!({"prompt": "a", "cfg_scale": 1.01})),
            ("cfg_scale".into(), "must be at most 1".into())
        );
        check(
            Kind::TextToVideo,
            &mut json!({"prompt": "a", "cfg_scale": 1.0}),
        )
        .unwrap();
        assert_eq!(
            error(
                Kind::MultiImageToVideo,
                json!({"prompt": "a", "image_list": []})
            )
            .0,
            "image_list"
        );
    }

    #[test]
    fn external_task_ids_follow_the_spec() {
        // An empty id means none (Kling's examples send `""`); the client then makes one.
        for good in ["order-42_a.b:c", &"a".repeat(64), ""] {
            let mut body = json!({"prompt": "a", "external_task_id": good});
            check(Kind::TextToVideo, &mut body).unwrap();
        }
        for bad in [&"a".repeat(65), "a b", "a/b"] {
            let body = json!({"prompt": "a", "external_task_id": bad});
            assert_eq!(
                error(Kind::TextToVideo, body).0,
                "external_task_id",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn media_strings_are_urls_or_raw_base64() {
        let body =
            json!({"human_image": "data:image/png;base64,QUJD", "cloth_image": "https://x/c.png"});
        assert_eq!(error(Kind::VirtualTryOn, body).0, "human_image");
        let mut body = json!({"human_image": "QUJD", "cloth_image": "https://x/c.png"});
        check(Kind::VirtualTryOn, &mut body).unwrap();
    }

    #[test]
    fn an_empty_optional_media_string_means_none() {
        let mut body = json!({"image": "QUJD", "image_tail": "", "static_mask": ""});
        check(Kind::ImageToVideo, &mut body).unwrap();
        assert_eq!(
            error(Kind::ImageToVideo, json!({"image": ""})),
            ("image".into(), "must not be empty".into())
        );
        let body = json!({"prompt": "p", "image_list": [{"image": "QUJD"}, {"image": ""}]});
        assert_eq!(
            error(Kind::MultiImageToVideo, body).0,
            "image_list[1].image"
        );
    }

    #[test]
    fn media_inside_json_fields_is_checked() {
        let mask = |m: &str| json!({"image": "QUJD", "dynamic_masks": [{"mask": m, "trajectories": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}]});
        check(Kind::ImageToVideo, &mut mask("QUJD")).unwrap();
        for bad in [
            "ftp://x/m.png",
            "data:image/png;base64,QUJD",
            "hello world!!",
        ] {
            assert_eq!(
                error(Kind::ImageToVideo, mask(bad)).0,
                "dynamic_masks[0].mask",
                "{bad}"
            );
        }
    }

    #[test]
    fn callback_urls_are_absolute_http() {
        let body = json!({"prompt": "a", "callback_url": "ftp://x/y"});
        assert_eq!(error(Kind::TextToVideo, body).0, "callback_url");
    }

    #[test]
    fn lip_sync_audio_urls_are_absolute_http() {
        let body = |url: &str| json!({"input": {"video_id": "v", "audio_url": url}});
        check(Kind::LipSync, &mut body("https://x.test/a.mp3")).unwrap();
        for bad in ["ftp://x.test/a.mp3", "a.mp3", "file:///tmp/a.mp3"] {
            assert_eq!(
                error(Kind::LipSync, body(bad)).0,
                "input.audio_url",
                "{bad:?}"
            );
        }
    }
}
