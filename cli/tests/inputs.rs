//! Local media reach the server as raw base64 of the file (no `data:` prefix); URLs pass
//! through unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use support::{Run, Server, file, png, wav};

/// The base64 of the file at `path`.
fn base64_of(path: &str) -> String {
    STANDARD.encode(std::fs::read(path).unwrap())
}

#[test]
fn a_local_png_arrives_as_the_raw_base64_of_the_file() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let start = file(dir.path(), "start.png", &png(640, 480));
    let end = file(dir.path(), "end frame.png", &png(640, 480));
    Run::of(server.kling().args([
        "video",
        "image2video",
        "--image",
        &start,
        "--image-tail",
        &end,
    ]))
    .expect_code(0);
    let body = server.only_body("create_image2video");
    for (field, path) in [("image", &start), ("image_tail", &end)] {
        let sent = body[field].as_str().unwrap();
        assert!(!sent.starts_with("data:"), "{field}: {}", &sent[..20]);
        assert_eq!(sent, base64_of(path), "{field}");
    }
}

#[test]
fn every_image_flag_sends_local_files_the_same_way() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let image = file(dir.path(), "a.png", &png(640, 480));
    let expected = base64_of(&image);
    let runs: [(&[&str], &str, &str); 4] = [
        (
            &["video", "multi-image2video", "--prompt", "p", "--image"],
            "create_multi_image2video",
            "/image_list/0/image",
        ),
        (
            &[
                "video",
                "effects",
                "--effect-scene",
                "squish",
                "--duration",
                "5",
                "--image",
            ],
            "create_video_effects",
            "/input/image",
        ),
        (
            &["image", "generate", "--prompt", "p", "--image"],
            "create_image_generation",
            "/image",
        ),
        (
            &[
                "image",
                "try-on",
                "--cloth-image",
                "https://x.example/c.png",
                "--human-image",
            ],
            "create_virtual_try_on",
            "/human_image",
        ),
    ];
    for (args, operation, pointer) in runs {
        Run::of(server.kling().args(args).arg(&image)).expect_code(0);
        let body = server.only_body(operation);
        assert_eq!(
            body.pointer(pointer).and_then(|v| v.as_str()),
            Some(expected.as_str()),
            "{operation} {pointer}"
        );
    }
}

#[test]
fn a_local_audio_file_arrives_as_raw_base64() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let audio = file(dir.path(), "voice.wav", &wav());
    Run::of(server.kling().args([
        "video",
        "lip-sync",
        "--video-id",
        "v-1",
        "--audio-file",
        &audio,
    ]))
    .expect_code(0);
    let input = server.only_body("create_lip_sync")["input"].clone();
    assert_eq!(input["audio_file"], base64_of(&audio).as_str());
    assert!(input.get("audio_url").is_none());
}

#[test]
fn urls_pass_through_unchanged() {
    let server = Server::start();
    let url = "https://cdn.example.com/frames/start.png?sig=a%2Fb&x=1";
    let audio = "http://cdn.example.com/voice.mp3";
    Run::of(
        server
            .kling()
            .args(["video", "image2video", "--image", url]),
    )
    .expect_code(0);
    assert_eq!(server.only_body("create_image2video")["image"], url);
    Run::of(server.kling().args([
        "video",
        "lip-sync",
        "--video-url",
        "https://cdn.example.com/talk.mp4",
        "--audio-url",
        audio,
    ]))
    .expect_code(0);
    let input = server.only_body("create_lip_sync")["input"].clone();
    assert_eq!(input["audio_url"], audio);
    assert_eq!(input["audio_type"], "url");
}

#[test]
fn a_file_that_is_not_an_image_is_refused_before_sending() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let text = file(dir.path(), "notes.png", b"just some text, not a picture");
    let run = Run::of(
        server
            .kling()
            .args(["video", "image2video", "--image", &text]),
    )
    .expect_code(2);
    assert!(run.error_line().contains("image"), "{}", run.stderr);
    assert!(server.mock.journal().is_empty());
}

#[test]
fn a_data_url_is_inline_data_not_a_file_path() {
    let server = Server::start();
    let png = STANDARD.encode(png(640, 480));
    let image = format!("data:image/png;base64,{png}");
    let wav = STANDARD.encode(wav());
    let audio = format!("data:audio/wav;base64,{wav}");
    Run::of(server.kling().args([
        "video",
        "image2video",
        "--image",
        &image,
        "--image-tail",
        &image,
    ]))
    .expect_code(0);
    let body = server.only_body("create_image2video");
    for field in ["image", "image_tail"] {
        assert_eq!(
            body[field],
            png.as_str(),
            "{field}: sent without the prefix"
        );
    }
    Run::of(server.kling().args([
        "video",
        "lip-sync",
        "--video-id",
        "v-1",
        "--audio-file",
        &audio,
    ]))
    .expect_code(0);
    let input = server.only_body("create_lip_sync")["input"].clone();
    assert_eq!(input["audio_file"], wav.as_str());
    assert_eq!(input["audio_type"], "file");
}

#[test]
fn a_data_url_that_is_not_media_is_refused_naming_the_field() {
    let server = Server::start();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "video",
                "image2video",
                "--image",
                "data:text/plain;base64,aGVsbG8=",
            ],
            "`image`",
        ),
        (
            &[
                "image",
                "try-on",
                "--human-image",
                "https://cdn.example.com/me.png",
                "--cloth-image",
                "data:text/plain;base64,aGVsbG8=",
            ],
            "cloth_image",
        ),
        (
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v-1",
                "--audio-file",
                "data:text/plain;base64,aGVsbG8=",
            ],
            "audio_file",
        ),
    ];
    for (args, field) in cases {
        let run = Run::of(server.kling().args(args)).expect_code(2);
        let line = run.error_line();
        assert!(line.contains(field), "{args:?}: {line}");
        assert!(
            !line.contains("cannot read file"),
            "a data: URL is never a path: {line}"
        );
        let error = Run::of(server.kling().arg("--json").args(args))
            .expect_code(2)
            .json_error();
        assert_eq!(error["kind"], "validation", "{error}");
    }
    assert!(server.mock.journal().is_empty(), "nothing is sent");
}
