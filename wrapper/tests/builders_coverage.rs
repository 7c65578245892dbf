//! Every field of every create body in the spec can be set through a builder: the keys the
//! builders produce (over a few bodies, where fields exclude each other) are exactly the
//! properties of the spec's request schemas. A field added to the spec fails this test until
//! a builder covers it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builders_support;

use std::collections::BTreeSet;

use builders_support::{Server, client, mp3, png};
use nicerouter_kling::Client;
use nicerouter_kling::builders::{
    AspectRatio, Axis, CameraControl, Duration, ImageAspectRatio, ImageReference, ImageResolution,
    Mode, ShotType, Sound, VoiceLanguage,
};
use nicerouter_kling::media::{AudioInput, ImageInput};
use serde::Serialize;
use serde_json::Value;

/// The properties of a component schema of the spec.
fn spec_properties(schema: &str) -> BTreeSet<String> {
    let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties for {schema}"))
        .keys()
        .cloned()
        .collect()
}

/// The keys of `pointer` (`""` for the top level) over all `bodies`.
fn keys<B: Serialize>(bodies: &[B], pointer: &str) -> BTreeSet<String> {
    bodies
        .iter()
        .flat_map(|b| {
            let value = serde_json::to_value(b).unwrap();
            match value.pointer(pointer) {
                Some(Value::Object(map)) => map.keys().cloned().collect::<Vec<_>>(),
                other => panic!("{pointer} is not an object: {other:?}"),
            }
        })
        .collect()
}

fn image() -> ImageInput {
    ImageInput::bytes(png(1000, 800))
}

async fn setup() -> (Server, Client) {
    let server = Server::start().await;
    let client = client(&server);
    (server, client)
}

#[tokio::test]
async fn video_builders_cover_every_spec_field() {
    let (_server, c) = setup().await;

    let t2v = [
        c.text_to_video("a cat")
            .model("kling-v1")
            .negative_prompt("blur")
            .cfg_scale(0.5)
            .mode(Mode::Pro)
            .camera_control(CameraControl::simple(Axis::Roll, 1.0))
            .aspect_ratio(AspectRatio::X169)
            .duration(Duration::Five)
            .sound(Sound::Off)
            .watermark(true)
            .callback_url("https://example.com/hook")
            .external_task_id("id-1")
            .build()
            .unwrap(),
        c.text_to_video("shots")
            .multi_shot(true)
            .shot_type(ShotType::Customize)
            .multi_prompt(1, "one", 5)
            .build()
            .unwrap(),
    ];
    assert_eq!(keys(&t2v, ""), spec_properties("Text2VideoRequest"));

    let i2v = [
        c.image_to_video(image())
            .model("kling-v1")
            .image_tail(image())
            .prompt("p")
            .negative_prompt("n")
            .cfg_scale(0.5)
            .mode(Mode::Std)
            .aspect_ratio(AspectRatio::X11)
            .duration(Duration::Ten)
            .sound(Sound::On)
            .voice("v")
            .element(7)
            .watermark(false)
            .callback_url("https://example.com/hook")
            .external_task_id("id-2")
            .build()
            .unwrap(),
        c.image_to_video(image())
            .static_mask(image())
            .dynamic_mask(image(), [(0, 0), (9, 9)])
            .build()
            .unwrap(),
        c.image_to_video(image())
            .camera_control(CameraControl::simple(Axis::Pan, 2.0))
            .build()
            .unwrap(),
    ];
    assert_eq!(keys(&i2v, ""), spec_properties("Image2VideoRequest"));

    let multi = [c
        .multi_image_to_video("p")
        .image(image())
        .model("kling-v1-6")
        .negative_prompt("n")
        .mode(Mode::Std)
        .duration(Duration::Five)
        .aspect_ratio(AspectRatio::X916)
        .callback_url("https://example.com/hook")
        .external_task_id("id-3")
        .build()
        .unwrap()];
    assert_eq!(keys(&multi, ""), spec_properties("MultiImage2VideoRequest"));

    let extend = [c
        .extend_video("v")
        .prompt("p")
        .negative_prompt("n")
        .cfg_scale(0.1)
        .callback_url("https://example.com/hook")
        .external_task_id("id-4")
        .build()
        .unwrap()];
    assert_eq!(keys(&extend, ""), spec_properties("VideoExtendRequest"));
}

#[tokio::test]
async fn lip_sync_and_effects_builders_cover_every_spec_field() {
    let (_server, c) = setup().await;

    let lip_sync = [
        c.lip_sync()
            .video_id("v")
            .text("hi", "uk_boy1")
            .voice_language(VoiceLanguage::En)
            .voice_speed(1.0)
            .callback_url("https://example.com/hook")
            .external_task_id("id-5")
            .build()
            .unwrap(),
        c.lip_sync()
            .video_url("https://example.com/v.mp4")
            .audio(AudioInput::bytes(mp3()))
            .build()
            .unwrap(),
        c.lip_sync()
            .video_id("v")
            .audio("https://example.com/a.mp3")
            .build()
            .unwrap(),
    ];
    assert_eq!(keys(&lip_sync, ""), spec_properties("LipSyncRequest"));
    assert_eq!(keys(&lip_sync, "/input"), spec_properties("LipSyncInput"));

    let effects = [
        c.video_effects("hug")
            .image(image())
            .image(image())
            .model("kling-v1-6")
            .mode(Mode::Pro)
            .duration(Duration::Ten)
            .callback_url("https://example.com/hook")
            .external_task_id("id-6")
            .build()
            .unwrap(),
        c.video_effects("squish").image(image()).build().unwrap(),
    ];
    assert_eq!(keys(&effects, ""), spec_properties("VideoEffectsRequest"));
    assert_eq!(
        keys(&effects, "/input"),
        spec_properties("VideoEffectsInput")
    );
}

#[tokio::test]
async fn image_builders_cover_every_spec_field() {
    let (_server, c) = setup().await;

    let generation = [
        c.image_generation("p")
            .model("kling-v1-5")
            .image(image())
            .image_reference(ImageReference::Subject)
            .image_fidelity(0.5)
            .human_fidelity(0.5)
            .resolution(ImageResolution::X1k)
            .n(2)
            .aspect_ratio(ImageAspectRatio::X43)
            .watermark(true)
            .callback_url("https://example.com/hook")
            .external_task_id("id-7")
            .build()
            .unwrap(),
        c.image_generation("p")
            .negative_prompt("n")
            .build()
            .unwrap(),
    ];
    assert_eq!(
        keys(&generation, ""),
        spec_properties("ImageGenerationRequest")
    );

    let try_on = [c
        .virtual_try_on(image(), image())
        .model("kolors-virtual-try-on-v1")
        .callback_url("https://example.com/hook")
        .external_task_id("id-8")
        .build()
        .unwrap()];
    assert_eq!(keys(&try_on, ""), spec_properties("VirtualTryOnRequest"));
}
