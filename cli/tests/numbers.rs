//! Numeric flags take negative numbers as values: a negative value out of range is refused
//! in the library's words, naming its field (exit 2, nothing sent), never by the parser as an
//! unknown flag `-1`; a negative value in range is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Run, Server};

/// A negative value after each numeric flag, written with a space (as a user types it), and
/// the field the error must name.
const CASES: &[(&[&str], &str)] = &[
    (
        &[
            "video",
            "text2video",
            "--prompt",
            "x",
            "--cfg-scale",
            "-0.5",
        ],
        "`cfg_scale`",
    ),
    (
        &[
            "video",
            "text2video",
            "--prompt",
            "x",
            "--camera-control",
            r#"{"type": "simple", "config": {"zoom": -11}}"#,
        ],
        "`camera_control.config.zoom`",
    ),
    (
        &["video", "extend", "--video-id", "v", "--cfg-scale", "-0.1"],
        "`cfg_scale`",
    ),
    (
        &[
            "video",
            "lip-sync",
            "--video-id",
            "v",
            "--text",
            "hi",
            "--voice-id",
            "uk_boy1",
            "--voice-speed",
            "-1",
        ],
        "voice_speed",
    ),
    (
        &[
            "image",
            "generate",
            "--prompt",
            "p",
            "--image-fidelity",
            "-0.1",
        ],
        "`image_fidelity`",
    ),
    (
        &[
            "image",
            "generate",
            "--prompt",
            "p",
            "--image",
            "https://cdn.example.com/a.png",
            "--human-fidelity",
            "-0.1",
        ],
        "`human_fidelity`",
    ),
    (&["image", "generate", "--prompt", "p", "--n", "-1"], "`n`"),
    (&["task", "list", "text2video", "--page", "-1"], "`pageNum`"),
    (
        &["task", "list", "text2video", "--page-size", "-5"],
        "`pageSize`",
    ),
];

#[test]
fn negative_values_get_the_library_validation_error_naming_the_field() {
    let server = Server::start();
    for (args, field) in CASES {
        let human = Run::of(server.kling().args(*args)).expect_code(2);
        let line = human.error_line();
        assert!(line.contains(field), "{args:?}: {line}");
        assert!(!line.contains("unexpected argument"), "{args:?}: {line}");

        let json = Run::of(server.kling().arg("--json").args(*args)).expect_code(2);
        let error = json.json_error();
        assert_eq!(error["kind"], "validation", "{args:?}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{args:?}: {error}"
        );
    }
    assert!(server.mock.journal().is_empty(), "nothing is sent");
}

#[test]
fn a_negative_wait_is_named_as_such() {
    let server = Server::start();
    for args in [
        &["video", "text2video", "--prompt", "x", "--max-wait", "-1"][..],
        &["task", "wait", "text2video", "123", "--max-wait", "-3"],
    ] {
        let run = Run::of(server.kling().args(args)).expect_code(2);
        let line = run.error_line();
        assert!(line.contains("--max-wait"), "{line}");
        assert!(line.contains("must not be negative"), "{line}");
    }
    assert!(server.mock.journal().is_empty(), "nothing is sent");
}

#[test]
fn negative_values_in_range_are_sent() {
    let server = Server::start();
    Run::of(server.kling().args([
        "video",
        "text2video",
        "--prompt",
        "x",
        "--camera-control",
        r#"{"type": "simple", "config": {"zoom": -5}}"#,
    ]))
    .expect_code(0);
    let body = server.only_body("create_text2video");
    assert_eq!(
        body.pointer("/camera_control/config/zoom")
            .and_then(serde_json::Value::as_f64),
        Some(-5.0),
        "{body}"
    );
    // `-0` is a number, not a flag, and is in range.
    Run::of(
        server
            .kling()
            .args(["video", "extend", "--video-id", "v", "--cfg-scale", "-0"]),
    )
    .expect_code(0);
    let body = server.only_body("create_video_extend");
    assert_eq!(body["cfg_scale"].as_f64(), Some(0.0), "{body}");
}

#[test]
fn a_flag_after_a_numeric_flag_is_still_a_missing_value() {
    // Negative numbers are values; other hyphenated words are still flags.
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "video",
        "text2video",
        "--prompt",
        "x",
        "--cfg-scale",
        "--wait",
    ]))
    .expect_code(2);
    assert!(run.error_line().contains("--cfg-scale"), "{}", run.stderr);
    assert!(server.mock.journal().is_empty());
}
