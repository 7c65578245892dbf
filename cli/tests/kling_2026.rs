//! Requests that Kling accepts as of 2026-09 and the first version refused: each is sent by
//! the CLI with exit 0, and lands in the simulated server as the vendor documents it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Run, Server, file, png};

#[test]
fn kling_v3_at_fifteen_seconds_in_4k() {
    let server = Server::start();
    Run::of(server.kling().args([
        "video",
        "text2video",
        "--model",
        "kling-v3",
        "--duration",
        "15",
        "--mode",
        "4k",
        "--prompt",
        "a cat playing piano",
    ]))
    .expect_code(0);
    let body = server.only_body("create_text2video");
    assert_eq!(body["model_name"], "kling-v3");
    assert_eq!(body["duration"], "15", "a string, as Kling documents it");
    assert_eq!(body["mode"], "4k");
    assert_eq!(body["prompt"], "a cat playing piano");
}

#[test]
fn image_to_video_from_the_end_frame_alone() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let end = file(dir.path(), "END.png", &png(640, 480));
    Run::of(server.kling().args([
        "video",
        "image2video",
        "--image-tail",
        &end,
        "--prompt",
        "the flower closes",
    ]))
    .expect_code(0);
    let body = server.only_body("create_image2video");
    assert!(body.get("image").is_none(), "{body}");
    let tail = body["image_tail"].as_str().unwrap();
    assert!(tail.starts_with("iVBORw0KGgo"), "raw base64 of the PNG");
}

#[test]
fn a_renamed_two_person_effect_takes_two_images() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let left = file(dir.path(), "L.png", &png(400, 600));
    let right = file(dir.path(), "R.png", &png(400, 600));
    Run::of(server.kling().args([
        "video",
        "effects",
        "--effect-scene",
        "hug_pro",
        "--image",
        &left,
        "--image",
        &right,
    ]))
    .expect_code(0);
    let body = server.only_body("create_video_effects");
    assert_eq!(body["effect_scene"], "hug_pro");
    let images = body["input"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert!(body["input"].get("image").is_none());
    assert_eq!(
        body["input"].get("duration"),
        None,
        "no duration: Kling's default"
    );
    assert!(
        images
            .iter()
            .all(|i| i.as_str().is_some_and(|s| s.starts_with("iVBORw0KGgo")))
    );
}
