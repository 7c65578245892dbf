//! `validation::check` on JSON bodies (as a CLI or a user reading JSON would build them): the
//! same rules and words as the builders, including combinations the builders cannot even
//! produce. Each body is named by its generated type, whose kind it is checked as.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use nicerouter_kling::raw::types;
use nicerouter_kling::{CreateBody, validation};
use serde_json::{Value, json};

fn check<T: CreateBody>(mut body: Value) -> Result<(), (String, String)> {
    validation::check(T::KIND, &mut body).map_err(|e| (e.field, e.rule))
}

/// Asserts the body is rejected on `field` with a rule containing `rule`.
fn rejects<T: CreateBody>(body: Value, field: &str, rule: &str) {
    let shown = body.to_string();
    match check::<T>(body) {
        Ok(()) => panic!("accepted: {shown}"),
        Err((f, r)) => {
            assert_eq!(f, field, "{shown}: rule was {r:?}");
            assert!(r.contains(rule), "{shown}: {r:?} does not contain {rule:?}");
        }
    }
}

const B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

#[test]
fn valid_bodies_of_every_kind_pass() {
    check::<types::Text2VideoRequest>(
        json!({"prompt": "a cat", "cfg_scale": 0.5, "model_name": "kling-v1-6"}),
    )
    .unwrap();
    check::<types::Image2VideoRequest>(
        json!({"image": B64, "image_tail": "", "negative_prompt": ""}),
    )
    .unwrap();
    check::<types::MultiImage2VideoRequest>(
        json!({"prompt": "p", "image_list": [{"image": "https://x.test/a.png"}]}),
    )
    .unwrap();
    check::<types::VideoExtendRequest>(json!({"video_id": "v"})).unwrap();
    check::<types::LipSyncRequest>(json!({"input": {"video_id": "v", "mode": "audio2video", "audio_type": "file", "audio_file": "SUQz"}})).unwrap();
    check::<types::VideoEffectsRequest>(
        json!({"effect_scene": "kiss", "input": {"images": [B64, B64], "duration": "10"}}),
    )
    .unwrap();
    check::<types::ImageGenerationRequest>(
        json!({"prompt": "p", "image": B64, "negative_prompt": ""}),
    )
    .unwrap();
    check::<types::VirtualTryOnRequest>(
        json!({"human_image": B64, "cloth_image": "https://x.test/c.png"}),
    )
    .unwrap();
}

#[test]
fn media_strings_must_be_urls_or_raw_base64() {
    rejects::<types::Image2VideoRequest>(
        json!({"image": format!("data:image/png;base64,{B64}")}),
        "image",
        "without a `data:...;base64,` prefix",
    );
    rejects::<types::Image2VideoRequest>(
        json!({"image": "./cat.png"}),
        "image",
        "a file path must be given as a file",
    );
    rejects::<types::Image2VideoRequest>(
        json!({"image": B64, "image_tail": "file:///tmp/x.png"}),
        "image_tail",
        "the scheme is `file`",
    );
    rejects::<types::MultiImage2VideoRequest>(
        json!({"prompt": "p", "image_list": [{"image": B64}, {"image": "cat.png"}]}),
        "image_list[1].image",
        "raw base64",
    );
    rejects::<types::VirtualTryOnRequest>(
        json!({"human_image": B64, "cloth_image": "abc==="}),
        "cloth_image",
        "padding",
    );
    let too_big = "A".repeat(14_000_000);
    rejects::<types::VirtualTryOnRequest>(
        json!({"human_image": too_big, "cloth_image": B64}),
        "human_image",
        "at most 10 MB",
    );
}

#[test]
fn image_to_video_exclusions() {
    let camera = json!({"type": "forward_up"});
    let mask = json!([{"mask": B64, "trajectories": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]}]);
    rejects::<types::Image2VideoRequest>(
        json!({"image": B64, "image_tail": B64, "camera_control": camera}),
        "camera_control",
        "`image_tail`",
    );
    rejects::<types::Image2VideoRequest>(
        json!({"image": B64, "image_tail": B64, "dynamic_masks": mask}),
        "dynamic_masks",
        "`image_tail`",
    );
    rejects::<types::Image2VideoRequest>(
        json!({"image": B64, "static_mask": B64, "camera_control": camera}),
        "camera_control",
        "`static_mask`",
    );
    // An empty image_tail means none (relays' examples send it).
    check::<types::Image2VideoRequest>(
        json!({"image": B64, "image_tail": "", "camera_control": camera}),
    )
    .unwrap();
    rejects::<types::Image2VideoRequest>(
        json!({"image": B64, "voice_list": [{"voice_id": "a"}], "sound": "off"}),
        "voice_list",
        "requires `sound: on`",
    );
}

#[test]
fn camera_config_rules() {
    let with = |config: Value| json!({"prompt": "p", "camera_control": {"type": "simple", "config": config}});
    rejects::<types::Text2VideoRequest>(
        with(json!({})),
        "camera_control.config",
        "exactly one non-zero axis (got 0)",
    );
    rejects::<types::Text2VideoRequest>(
        with(json!({"roll": 0.0, "tilt": 0.0})),
        "camera_control.config",
        "exactly one non-zero axis (got 0)",
    );
    rejects::<types::Text2VideoRequest>(
        with(json!({"roll": 1.0, "tilt": -1.0})),
        "camera_control.config",
        "exactly one non-zero axis (got 2)",
    );
    rejects::<types::Text2VideoRequest>(
        with(json!({"vertical": -10.5})),
        "camera_control.config.vertical",
        "must be at least -10",
    );
    check::<types::Text2VideoRequest>(with(json!({"vertical": -10.0, "zoom": 0.0}))).unwrap();
}

#[test]
fn lip_sync_conditional_fields() {
    let input = |fields: Value| json!({"input": fields});
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "text2video", "voice_id": "x", "voice_language": "zh"}),
        ),
        "input.text",
        "is required when `input.mode` is `text2video`",
    );
    rejects::<types::LipSyncRequest>(
        input(json!({"video_id": "v", "mode": "text2video", "text": "hi", "voice_language": "zh"})),
        "input.voice_id",
        "is required when `input.mode` is `text2video`",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "text2video", "text": "hi", "voice_id": "x", "voice_language": "zh", "audio_type": "url"}),
        ),
        "input.audio_type",
        "is not allowed when `input.mode` is `text2video`",
    );
    rejects::<types::LipSyncRequest>(
        input(json!({"video_id": "v", "mode": "audio2video"})),
        "input.audio_type",
        "is required when `input.mode` is `audio2video`",
    );
    rejects::<types::LipSyncRequest>(
        input(json!({"video_id": "v", "mode": "audio2video", "audio_type": "file"})),
        "input.audio_file",
        "is required when `input.audio_type` is `file`",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "audio2video", "audio_type": "url", "audio_file": "SUQz"}),
        ),
        "input.audio_file",
        "cannot be combined with `input.audio_type: url`",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "audio2video", "audio_type": "file", "audio_url": "https://x.test/a.mp3"}),
        ),
        "input.audio_url",
        "cannot be combined with `input.audio_type: file`",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "audio2video", "audio_type": "file", "audio_file": "https://x.test/a.mp3"}),
        ),
        "input.audio_file",
        "must be raw base64",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "audio2video", "audio_type": "url", "audio_url": "https://x.test/a.mp3", "text": "hi"}),
        ),
        "input.text",
        "is not allowed when `input.mode` is `audio2video`",
    );
    rejects::<types::LipSyncRequest>(
        input(
            json!({"video_id": "v", "mode": "audio2video", "audio_type": "file", "audio_file": "A".repeat(7_000_000)}),
        ),
        "input.audio_file",
        "at most 5 MB",
    );
}

#[test]
fn effects_image_or_images() {
    rejects::<types::VideoEffectsRequest>(
        json!({"effect_scene": "hug", "input": {"image": B64, "images": [B64, B64], "duration": "5"}}),
        "input.images",
        "cannot be combined with `input.image`",
    );
    // Was refused ("must be omitted" for the two-person scene `hug`): scenes are an open
    // vocabulary, so a scene takes one image or two whatever its name.
    check::<types::VideoEffectsRequest>(
        json!({"effect_scene": "hug", "input": {"image": B64, "duration": "5"}}),
    )
    .unwrap();
    rejects::<types::VideoEffectsRequest>(
        json!({"effect_scene": "fight", "input": {"duration": "5"}}),
        "input.image",
        "is required (or `input.images`",
    );
    // Was refused ("must be omitted for the single-image scene `squish`").
    check::<types::VideoEffectsRequest>(
        json!({"effect_scene": "squish", "input": {"images": [B64, B64], "duration": "5"}}),
    )
    .unwrap();
    // Was refused ("must be \"5\"" for a single-image scene): any duration the spec knows.
    check::<types::VideoEffectsRequest>(
        json!({"effect_scene": "squish", "input": {"image": B64, "duration": "10"}}),
    )
    .unwrap();
    rejects::<types::VideoEffectsRequest>(
        json!({"effect_scene": "kiss", "input": {"images": [B64, "data:image/png;base64,AAAA"], "duration": "5"}}),
        "input.images[1]",
        "`data:",
    );
}

#[test]
fn image_generation_rules() {
    rejects::<types::ImageGenerationRequest>(
        json!({"prompt": "p", "n": 12}),
        "n",
        "must be at most 9",
    );
    rejects::<types::ImageGenerationRequest>(
        json!({"prompt": "p", "image": B64, "negative_prompt": "ugly"}),
        "negative_prompt",
        "cannot be combined with `image`",
    );
    rejects::<types::ImageGenerationRequest>(
        json!({"prompt": "p", "model_name": "kling-v2", "image": B64, "image_reference": "face"}),
        "image_reference",
        "only supported by kling-v1-5 (`model_name` is `kling-v2`)",
    );
    rejects::<types::ImageGenerationRequest>(
        json!({"prompt": "p", "model_name": "kling-v1-5", "image": B64, "image_reference": "face", "human_fidelity": 0.4}),
        "human_fidelity",
        "requires `image_reference: subject`",
    );
    rejects::<types::ImageGenerationRequest>(
        json!({"prompt": "   "}),
        "prompt",
        "must match the pattern `\\S`",
    );
}

#[test]
fn common_fields_on_every_kind() {
    rejects::<types::VideoExtendRequest>(
        json!({"video_id": "v", "callback_url": "mailto:me@x.test"}),
        "callback_url",
        "`mailto`",
    );
    rejects::<types::VideoExtendRequest>(
        json!({"video_id": "v", "external_task_id": "a/b"}),
        "external_task_id",
        "'/'",
    );
    rejects::<types::VideoExtendRequest>(json!({"video_id": ""}), "video_id", "must not be empty");
    rejects::<types::LipSyncRequest>(
        json!({"input": {"video_id": "v", "mode": "audio2video", "audio_type": "url", "audio_url": "https://x.test/a.mp3"}, "callback_url": "hook"}),
        "callback_url",
        "absolute",
    );
    rejects::<types::VirtualTryOnRequest>(
        json!({"human_image": B64, "cloth_image": B64, "external_task_id": "x".repeat(65)}),
        "external_task_id",
        "at most 64",
    );
}
