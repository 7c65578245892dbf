//! Kling's eight kinds of task, and the trait that lets one create path serve all of them.

use nicerouter_kling_raw::types;
use serde::{Deserialize, Serialize};

use crate::task::RequestSummary;
use crate::validation::Validate;

/// A kind of Kling task. One enum drives the paths, the result kind and the generic
/// create/get/list/wait code, so there are not eight copies of anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Kind {
    /// `POST /v1/videos/text2video`
    #[serde(rename = "text2video")]
    TextToVideo,
    /// `POST /v1/videos/image2video`
    #[serde(rename = "image2video")]
    ImageToVideo,
    /// `POST /v1/videos/multi-image2video`
    #[serde(rename = "multi-image2video")]
    MultiImageToVideo,
    /// `POST /v1/videos/video-extend`
    #[serde(rename = "video-extend")]
    VideoExtend,
    /// `POST /v1/videos/lip-sync`
    #[serde(rename = "lip-sync")]
    LipSync,
    /// `POST /v1/videos/effects`
    #[serde(rename = "effects")]
    VideoEffects,
    /// `POST /v1/images/generations`
    #[serde(rename = "generations")]
    ImageGeneration,
    /// `POST /v1/images/kolors-virtual-try-on`
    #[serde(rename = "kolors-virtual-try-on")]
    VirtualTryOn,
}

/// The family of a kind: where its path lives and what its results are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// `/v1/videos/...`, results in `task_result.videos`.
    Videos,
    /// `/v1/images/...`, results in `task_result.images`.
    Images,
}

impl Category {
    /// The start of the paths of this family's kinds: `/v1/videos/` or `/v1/images/`.
    pub(crate) fn path_prefix(self) -> &'static str {
        match self {
            Category::Videos => "/v1/videos/",
            Category::Images => "/v1/images/",
        }
    }
}

impl Kind {
    /// Every kind, in the spec's order (a slice: Kling adds kinds).
    pub const ALL: &'static [Kind] = &[
        Kind::TextToVideo,
        Kind::ImageToVideo,
        Kind::MultiImageToVideo,
        Kind::VideoExtend,
        Kind::LipSync,
        Kind::VideoEffects,
        Kind::ImageGeneration,
        Kind::VirtualTryOn,
    ];

    /// The API's path segment, for example `lip-sync`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::TextToVideo => "text2video",
            Kind::ImageToVideo => "image2video",
            Kind::MultiImageToVideo => "multi-image2video",
            Kind::VideoExtend => "video-extend",
            Kind::LipSync => "lip-sync",
            Kind::VideoEffects => "effects",
            Kind::ImageGeneration => "generations",
            Kind::VirtualTryOn => "kolors-virtual-try-on",
        }
    }

    /// Videos or images.
    pub fn category(self) -> Category {
        match self {
            Kind::ImageGeneration | Kind::VirtualTryOn => Category::Images,
            _ => Category::Videos,
        }
    }

    /// The create (and list) path relative to the base URL, for example `/v1/videos/lip-sync`.
    pub fn path(self) -> String {
        let (prefix, segment) = (self.category().path_prefix(), self.segment());
        let mut path = String::with_capacity(prefix.len() + segment.len());
        path.push_str(prefix);
        path.push_str(segment);
        path
    }

    /// The kind whose path segment is `segment`.
    pub fn from_segment(segment: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.segment() == segment)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.segment())
    }
}

mod sealed {
    use crate::task::RequestSummary;

    /// Seals [`CreateBody`](super::CreateBody), and carries what only the crate calls.
    pub trait Sealed {
        /// The summary of this body kept in the handle, read from the typed fields before
        /// the body is serialised (`body_bytes` is left at 0 for the caller to fill in).
        fn summary(&self) -> RequestSummary;

        /// The bytes of the media strings (base64 or URLs) in this body: all but a few
        /// kilobytes of a large body, so the serialiser can size its buffer without a
        /// counting pass.
        fn media_len(&self) -> usize;
    }
}

/// A generated request body that creates a task of one kind. Implemented for the eight
/// generated request types; the per-kind builders produce one, and the client's single create
/// path checks it against the API's rules ([`Validate`]) and sends it (with an
/// `external_task_id`, so a lost answer can be looked up instead of paid for twice).
pub trait CreateBody: Serialize + Validate + Send + Sync + sealed::Sealed + 'static {
    /// The kind this body creates.
    const KIND: Kind;
    /// The caller's `external_task_id`, if set.
    fn external_task_id(&self) -> Option<&str>;
    /// Sets the `external_task_id`.
    fn set_external_task_id(&mut self, id: types::ExternalTaskId);
}

/// Implements [`CreateBody`] for a generated body: its summary from the listed top-level
/// fields (a subset of `model_name`, `mode`, `duration`, `aspect_ratio`, `prompt`: the ones the
/// body has), and the length of its media strings.
macro_rules! create_body {
    ($($ty:ident => $kind:ident { $($field:ident),* } media |$body:ident| $media:expr),* $(,)?) => {$(
        impl sealed::Sealed for types::$ty {
            fn summary(&self) -> RequestSummary {
                #[allow(unused_mut)]
                let mut summary = RequestSummary::default();
                $(summary.$field = summary_text(&self.$field);)*
                summary.truncate_prompt();
                summary
            }

            fn media_len(&self) -> usize {
                let $body = self;
                $media
            }
        }
        impl CreateBody for types::$ty {
            const KIND: Kind = Kind::$kind;
            fn external_task_id(&self) -> Option<&str> {
                self.external_task_id.as_deref().map(String::as_str)
            }
            fn set_external_task_id(&mut self, id: types::ExternalTaskId) {
                self.external_task_id = Some(id);
            }
        }
    )*};
}

create_body! {
    Text2VideoRequest => TextToVideo { model_name, mode, duration, aspect_ratio, prompt }
        media |_b| 0,
    Image2VideoRequest => ImageToVideo { model_name, mode, duration, aspect_ratio, prompt }
        media |b| b.image.len()
            + len(&b.image_tail)
            + len(&b.static_mask)
            + b.dynamic_masks.iter().map(|m| m.mask.len()).sum::<usize>(),
    MultiImage2VideoRequest => MultiImageToVideo {
        model_name, mode, duration, aspect_ratio, prompt
    }
        media |b| b.image_list.iter().map(|i| i.image.len()).sum::<usize>(),
    VideoExtendRequest => VideoExtend { prompt } media |_b| 0,
    LipSyncRequest => LipSync {} media |b| len(&b.input.audio_file) + len(&b.input.video_url),
    VideoEffectsRequest => VideoEffects {}
        media |b| len(&b.input.image)
            + b.input.images.iter().flatten().map(|i| i.len()).sum::<usize>(),
    ImageGenerationRequest => ImageGeneration { model_name, aspect_ratio, prompt }
        media |b| len(&b.image),
    VirtualTryOnRequest => VirtualTryOn { model_name }
        media |b| b.human_image.len() + b.cloth_image.len(),
}

/// The length of an optional media string.
fn len<S: std::ops::Deref>(value: &Option<S>) -> usize
where
    S::Target: AsRef<str>,
{
    value.as_ref().map_or(0, |s| (**s).as_ref().len())
}

/// The length of the media strings of a body (see `sealed::Sealed::media_len`).
pub(crate) fn media_len_of<B: CreateBody>(body: &B) -> usize {
    sealed::Sealed::media_len(body)
}

/// The summary of a body (`body_bytes` 0 until it is serialised).
pub(crate) fn summary_of<B: CreateBody>(body: &B) -> RequestSummary {
    sealed::Sealed::summary(body)
}

/// A field as the summary keeps it: its JSON value when that is a string or a number (as
/// text), else nothing, exactly as if it were read back from the serialised body.
fn summary_text<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Some(s),
        Ok(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::{Value, json};

    /// The summary from the typed body equals the one read back from its serialised bytes
    /// (the way it was made before), for every kind.
    fn same_summary<B: CreateBody + serde::de::DeserializeOwned>(value: Value) {
        let body: B = serde_json::from_value(value.clone()).unwrap();
        let bytes = serde_json::to_vec(&body).unwrap();
        let mut typed = sealed::Sealed::summary(&body);
        assert_eq!(typed.body_bytes, 0);
        typed.body_bytes = bytes.len() as u64;
        assert_eq!(typed, RequestSummary::from_body(&bytes), "{value}");
    }

    #[test]
    fn summaries_from_typed_bodies_match_the_serialised_ones() {
        let long = "猫 plays the piano, ".repeat(40);
        let image = "QUJD".repeat(64);
        same_summary::<types::Text2VideoRequest>(json!({
            "prompt": long, "model_name": "kling-v2-5-turbo", "mode": "pro", "duration": "10",
            "aspect_ratio": "9:16", "negative_prompt": "blur", "cfg_scale": 0.5
        }));
        same_summary::<types::Text2VideoRequest>(json!({"prompt": "a cat"}));
        same_summary::<types::Image2VideoRequest>(json!({
            "image": image, "prompt": "the flower opens", "model_name": "kling-v2-1",
            "duration": "5", "mode": "std"
        }));
        same_summary::<types::Image2VideoRequest>(json!({"image": "https://x/a.png"}));
        same_summary::<types::MultiImage2VideoRequest>(json!({
            "image_list": [{"image": image}], "prompt": "two friends", "aspect_ratio": "1:1",
            "model_name": "kling-v1-6"
        }));
        same_summary::<types::VideoExtendRequest>(json!({"video_id": "v1", "prompt": long}));
        same_summary::<types::VideoExtendRequest>(json!({"video_id": "v1"}));
        same_summary::<types::LipSyncRequest>(json!({
            "input": {"video_id": "v1", "mode": "text2video", "text": "hello", "voice_id": "x"}
        }));
        same_summary::<types::VideoEffectsRequest>(json!({
            "effect_scene": "hug",
            "input": {"images": [image, image], "duration": "5", "model_name": "kling-v1-6"}
        }));
        same_summary::<types::ImageGenerationRequest>(json!({
            "prompt": "a red fox", "n": 2, "aspect_ratio": "16:9", "model_name": "kling-v2"
        }));
        same_summary::<types::VirtualTryOnRequest>(json!({
            "human_image": image, "cloth_image": "https://x/c.png",
            "model_name": "kolors-virtual-try-on-v1-5"
        }));
    }

    #[test]
    fn media_lengths_count_every_media_string() {
        fn media<B: CreateBody + serde::de::DeserializeOwned>(value: Value) -> usize {
            media_len_of(&serde_json::from_value::<B>(value).unwrap())
        }
        let (a, b, c) = ("QUJD".repeat(100), "QUJD".repeat(10), "https://x/c.png");
        assert_eq!(media::<types::Text2VideoRequest>(json!({"prompt": "p"})), 0);
        assert_eq!(
            media::<types::Image2VideoRequest>(json!({
                "image": a, "static_mask": b,
                "dynamic_masks": [{"mask": b, "trajectories": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}]
            })),
            400 + 40 + 40
        );
        assert_eq!(
            media::<types::Image2VideoRequest>(json!({"image": a, "image_tail": c})),
            400 + c.len()
        );
        assert_eq!(
            media::<types::MultiImage2VideoRequest>(json!({
                "image_list": [{"image": a}, {"image": b}], "prompt": "p"
            })),
            440
        );
        assert_eq!(
            media::<types::LipSyncRequest>(json!({
                "input": {"video_url": c, "mode": "audio2video", "audio_type": "file", "audio_file": b}
            })),
            c.len() + 40
        );
        assert_eq!(
            media::<types::VideoEffectsRequest>(json!({
                "effect_scene": "hug", "input": {"images": [a, b], "duration": "5"}
            })),
            440
        );
        assert_eq!(
            media::<types::ImageGenerationRequest>(json!({"prompt": "p", "image": a})),
            400
        );
        assert_eq!(
            media::<types::VirtualTryOnRequest>(json!({"human_image": a, "cloth_image": c})),
            400 + c.len()
        );
    }

    #[test]
    fn the_prompt_is_cut_at_200_characters_not_bytes() {
        let body: types::Text2VideoRequest =
            serde_json::from_value(json!({"prompt": "猫".repeat(300)})).unwrap();
        let summary = sealed::Sealed::summary(&body);
        assert_eq!(summary.prompt, Some("猫".repeat(200)));
    }
}
