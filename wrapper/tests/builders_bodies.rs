//! Happy paths: each builder produces exactly the JSON the spec expects (strings where the API
//! wants strings, unset optionals omitted, raw base64 without a prefix), the spec's own
//! request schema accepts it, and `send()` puts that body on the wire.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builders_support;

use builders_support::{Server, b64, client, jpeg, mp3, png};
use nicerouter_kling::media::{AudioInput, ImageInput};
use nicerouter_kling::raw::types::{
    CameraConfig, CameraControl, CameraControlType, DynamicMask, MultiPromptItem, TrajectoryPoint,
    WatermarkInfo,
};
use nicerouter_kling::{CreateBody, validation};
use nicerouter_kling_spec::validate::Validator;
use serde_json::{Value, json};

/// The body as JSON, after checking it passes the SDK's validation again and the spec's
/// request schema accepts it.
fn checked<B: CreateBody>(operation: &str, body: &B) -> Value {
    let mut value = serde_json::to_value(body).unwrap();
    assert_eq!(B::KIND.operations().create, operation);
    validation::check(B::KIND, &mut value).expect("a built body passes its own validation");
    if let Err(problems) = Validator::embedded().validate_request(operation, &[], &[], Some(&value))
    {
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("{operation}: the spec rejects the built body: {problems:?}");
    }
    value
}

fn simple(config: CameraConfig) -> CameraControl {
    CameraControl {
        type_: CameraControlType::Simple,
        config: Some(config),
    }
}

fn shot(index: i32, prompt: &str, seconds: &str) -> MultiPromptItem {
    MultiPromptItem {
        index,
        prompt: prompt.try_into().unwrap(),
        duration: seconds.try_into().unwrap(),
    }
}

async fn offline_client() -> (Server, nicerouter_kling::Client) {
    let server = Server::start().await;
    let client = client(&server);
    (server, client)
}

#[tokio::test]
async fn text_to_video_minimal_omits_every_unset_field() {
    let (_server, client) = offline_client().await;
    let body = client.text_to_video().prompt("a cat").build().unwrap();
    assert_eq!(
        checked("create_text2video", &body),
        json!({ "prompt": "a cat" })
    );
}

#[tokio::test]
async fn text_to_video_sends_every_field_with_api_types() {
    let (_server, client) = offline_client().await;
    let body = client
        .text_to_video()
        .prompt("a cat playing the piano")
        .model("kling-v1")
        .negative_prompt("blurry")
        .cfg_scale(0.7)
        .mode("pro")
        .camera_control(simple(CameraConfig {
            zoom: Some(-5.0),
            ..Default::default()
        }))
        .aspect_ratio("9:16")
        .duration("10")
        .sound("on")
        .watermark_info(WatermarkInfo { enabled: true })
        .callback_url("https://example.com/hook")
        .external_id("order-42")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_text2video", &body),
        json!({
            "model_name": "kling-v1",
            "prompt": "a cat playing the piano",
            "negative_prompt": "blurry",
            "cfg_scale": 0.7,
            "mode": "pro",
            "camera_control": { "type": "simple", "config": { "zoom": -5.0 } },
            "aspect_ratio": "9:16",
            "duration": "10",
            "sound": "on",
            "watermark_info": { "enabled": true },
            "callback_url": "https://example.com/hook",
            "external_task_id": "order-42"
        })
    );
}

#[tokio::test]
async fn text_to_video_multi_shot_and_presets() {
    let (_server, client) = offline_client().await;
    let body = client
        .text_to_video()
        .prompt("ignored with multi_shot")
        .model("kling-v3")
        .multi_shot(true)
        .shot_type("customize")
        .multi_prompt(vec![
            shot(1, "a cat wakes up", "4"),
            shot(2, "the cat stretches", "6"),
        ])
        .duration("10")
        .camera_control(CameraControl {
            type_: CameraControlType::LeftTurnForward,
            config: None,
        })
        .build()
        .unwrap();
    let value = checked("create_text2video", &body);
    assert_eq!(value["multi_shot"], json!(true));
    assert_eq!(value["shot_type"], json!("customize"));
    assert_eq!(
        value["multi_prompt"],
        json!([
            { "index": 1, "prompt": "a cat wakes up", "duration": "4" },
            { "index": 2, "prompt": "the cat stretches", "duration": "6" }
        ])
    );
    assert_eq!(
        value["camera_control"],
        json!({ "type": "left_turn_forward" })
    );
    assert_eq!(value["duration"], json!("10"));
}

#[tokio::test]
async fn image_to_video_sends_raw_base64_of_the_file() {
    let (_server, client) = offline_client().await;
    let image = png(1024, 768);
    let tail = jpeg(400, 1000); // 1:2.5 is allowed, and image_tail has no aspect rule anyway
    let body = client
        .image_to_video()
        .image(ImageInput::bytes(image.clone()))
        .image_tail(format!("data:image/jpeg;base64,{}", b64(&tail)))
        .prompt("the cat looks up")
        .mode("std")
        .duration("5")
        .build()
        .unwrap();
    let value = checked("create_image2video", &body);
    assert_eq!(
        value,
        json!({
            "image": b64(&image),
            "image_tail": b64(&tail),
            "prompt": "the cat looks up",
            "mode": "std",
            "duration": "5"
        })
    );
}

#[tokio::test]
async fn image_to_video_reads_a_file_once_and_passes_urls_through() {
    let (_server, client) = offline_client().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame.jpg");
    let image = jpeg(1920, 1080);
    std::fs::write(&path, &image).unwrap();
    let body = client
        .image_to_video()
        .image(path.as_path())
        .image_tail("https://example.com/last.png")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_image2video", &body),
        json!({ "image": b64(&image), "image_tail": "https://example.com/last.png" })
    );
}

#[tokio::test]
async fn image_to_video_motion_brush_voices_and_elements() {
    let (_server, client) = offline_client().await;
    let image = png(1000, 800);
    let mask = png(500, 400); // same aspect ratio, smaller resolution
    let body = client
        .image_to_video()
        .image(ImageInput::bytes(image))
        .model("kling-v1")
        .static_mask(ImageInput::bytes(mask.clone()))
        .dynamic_masks(vec![DynamicMask {
            mask: b64(&mask),
            trajectories: [(0, 0), (100, 50), (1000, 800)]
                .into_iter()
                .map(|(x, y)| TrajectoryPoint { x, y })
                .collect(),
        }])
        .sound("on")
        .voice_list(["voice-a", "voice-b"])
        .element_list(["42"])
        .build()
        .unwrap();
    let value = checked("create_image2video", &body);
    assert_eq!(value["static_mask"], json!(b64(&mask)));
    assert_eq!(
        value["dynamic_masks"],
        json!([{ "mask": b64(&mask), "trajectories": [
            { "x": 0, "y": 0 }, { "x": 100, "y": 50 }, { "x": 1000, "y": 800 }
        ] }])
    );
    assert_eq!(
        value["voice_list"],
        json!([{ "voice_id": "voice-a" }, { "voice_id": "voice-b" }])
    );
    assert_eq!(value["element_list"], json!([{ "element_id": "42" }]));
}

#[tokio::test]
async fn image_to_video_camera_control_alone() {
    let (_server, client) = offline_client().await;
    let body = client
        .image_to_video()
        .image("https://example.com/cat.png")
        .model("kling-v1-5")
        .camera_control(simple(CameraConfig {
            horizontal: Some(3.5),
            ..Default::default()
        }))
        .build()
        .unwrap();
    assert_eq!(
        checked("create_image2video", &body),
        json!({
            "model_name": "kling-v1-5",
            "image": "https://example.com/cat.png",
            "camera_control": { "type": "simple", "config": { "horizontal": 3.5 } }
        })
    );
}

#[tokio::test]
async fn multi_image_to_video_lists_images_in_order() {
    let (_server, client) = offline_client().await;
    let (a, b) = (png(600, 600), jpeg(800, 1200));
    let body = client
        .multi_image_to_video("two friends wave")
        .image_list([
            ImageInput::bytes(a.clone()),
            ImageInput::base64(b64(&b)),
            ImageInput::from("https://example.com/c.png"),
        ])
        .model("kling-v1-6")
        .aspect_ratio("1:1")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_multi_image2video", &body),
        json!({
            "model_name": "kling-v1-6",
            "prompt": "two friends wave",
            "image_list": [
                { "image": b64(&a) },
                { "image": b64(&b) },
                { "image": "https://example.com/c.png" }
            ],
            "aspect_ratio": "1:1"
        })
    );
}

#[tokio::test]
async fn video_extend_body() {
    let (_server, client) = offline_client().await;
    let body = client
        .video_extend("814570891207524415-0")
        .prompt("the camera pulls back")
        .negative_prompt("text")
        .cfg_scale(0.4)
        .build()
        .unwrap();
    assert_eq!(
        checked("create_video_extend", &body),
        json!({
            "video_id": "814570891207524415-0",
            "prompt": "the camera pulls back",
            "negative_prompt": "text",
            "cfg_scale": 0.4
        })
    );
}

#[tokio::test]
async fn lip_sync_text_mode_body() {
    let (_server, client) = offline_client().await;
    let body = client
        .lip_sync()
        .video_id("814570891207524415-0")
        .text("Hello!")
        .voice_id("uk_boy1")
        .voice_language("en")
        .voice_speed(1.2)
        .build()
        .unwrap();
    assert_eq!(
        checked("create_lip_sync", &body),
        json!({ "input": {
            "video_id": "814570891207524415-0",
            "mode": "text2video",
            "text": "Hello!",
            "voice_id": "uk_boy1",
            "voice_language": "en",
            "voice_speed": 1.2
        } })
    );
}

#[tokio::test]
async fn lip_sync_audio_file_and_url_bodies() {
    let (_server, client) = offline_client().await;
    let audio = mp3();
    let body = client
        .lip_sync()
        .video_url("https://example.com/face.mp4")
        .audio_file(AudioInput::bytes(audio.clone()))
        .build()
        .unwrap();
    assert_eq!(
        checked("create_lip_sync", &body),
        json!({ "input": {
            "video_url": "https://example.com/face.mp4",
            "mode": "audio2video",
            "audio_type": "file",
            "audio_file": b64(&audio)
        } })
    );

    let body = client
        .lip_sync()
        .video_id("v-1")
        .audio_url("https://example.com/a.wav")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_lip_sync", &body),
        json!({ "input": {
            "video_id": "v-1",
            "mode": "audio2video",
            "audio_type": "url",
            "audio_url": "https://example.com/a.wav"
        } })
    );
}

#[tokio::test]
async fn video_effects_single_and_dual_bodies() {
    let (_server, client) = offline_client().await;
    let image = png(512, 512);
    let body = client
        .video_effects("squish")
        .image(ImageInput::bytes(image.clone()))
        .duration("5")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_video_effects", &body),
        json!({ "effect_scene": "squish", "input": { "image": b64(&image), "duration": "5" } })
    );

    let (left, right) = (png(600, 800), jpeg(600, 800));
    let body = client
        .video_effects("hug")
        .images([
            ImageInput::bytes(left.clone()),
            ImageInput::bytes(right.clone()),
        ])
        .model("kling-v1-6")
        .mode("pro")
        .duration("10")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_video_effects", &body),
        json!({ "effect_scene": "hug", "input": {
            "model_name": "kling-v1-6",
            "mode": "pro",
            "images": [b64(&left), b64(&right)],
            "duration": "10"
        } })
    );
}

#[tokio::test]
async fn image_generation_text_and_reference_bodies() {
    let (_server, client) = offline_client().await;
    let body = client
        .image_generation("a retro poster")
        .model("kling-v2-1")
        .negative_prompt("text")
        .resolution("2k")
        .n(4)
        .aspect_ratio("21:9")
        .watermark_info(WatermarkInfo { enabled: false })
        .build()
        .unwrap();
    assert_eq!(
        checked("create_image_generation", &body),
        json!({
            "model_name": "kling-v2-1",
            "prompt": "a retro poster",
            "negative_prompt": "text",
            "resolution": "2k",
            "n": 4,
            "aspect_ratio": "21:9",
            "watermark_info": { "enabled": false }
        })
    );

    let face = jpeg(800, 1000);
    let body = client
        .image_generation("the same person as an astronaut")
        .model("kling-v1-5")
        .image(ImageInput::bytes(face.clone()))
        .image_reference("subject")
        .image_fidelity(0.6)
        .human_fidelity(0.9)
        .build()
        .unwrap();
    assert_eq!(
        checked("create_image_generation", &body),
        json!({
            "model_name": "kling-v1-5",
            "prompt": "the same person as an astronaut",
            "image": b64(&face),
            "image_reference": "subject",
            "image_fidelity": 0.6,
            "human_fidelity": 0.9
        })
    );
}

#[tokio::test]
async fn virtual_try_on_body_allows_any_aspect_ratio() {
    let (_server, client) = offline_client().await;
    let human = png(400, 1200); // 1:3: fine for try-on, which has no aspect rule
    let body = client
        .virtual_try_on(
            ImageInput::bytes(human.clone()),
            "https://example.com/jacket.png",
        )
        .model("kolors-virtual-try-on-v1-5")
        .build()
        .unwrap();
    assert_eq!(
        checked("create_virtual_try_on", &body),
        json!({
            "model_name": "kolors-virtual-try-on-v1-5",
            "human_image": b64(&human),
            "cloth_image": "https://example.com/jacket.png"
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_puts_the_built_body_on_the_wire() {
    let server = Server::start().await;
    let client = client(&server);
    let image = png(1024, 768);
    let builder = client
        .image_to_video()
        .image(ImageInput::bytes(image.clone()))
        .prompt("go")
        .external_id("my-id-1");
    let expected = serde_json::to_value(builder.clone().build().unwrap()).unwrap();
    let handle = builder.send().await.unwrap();
    assert_eq!(handle.task_id, "814570891207524415");
    assert_eq!(handle.external_task_id.as_deref(), Some("my-id-1"));
    assert_eq!(server.bodies(), vec![expected]);
    assert_eq!(server.connections(), 1);
}
