//! The bad-input corpus through the `kling` binary (issue 6): invalid inputs across all eight
//! kinds, the client settings and the task commands. Each must exit 2 with one `--json` error
//! whose message names the field (or its flag), with `-v` on and no key printed, and the
//! server's journal must show zero requests for the whole corpus. The wrapper side is
//! `reliability/tests/corpus.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{API_KEY, Run, Server, file, png, wav};

/// One bad input: its kind, the arguments after the global options, and words of which the
/// error message must contain at least one (the field, or its flag).
struct Case {
    kind: &'static str,
    args: Vec<String>,
    names: &'static [&'static str],
}

fn case(kind: &'static str, names: &'static [&'static str], args: &[&str]) -> Case {
    Case {
        kind,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        names,
    }
}

/// A PNG of `width`×`height` padded to `total` bytes.
fn png_of_size(width: u32, height: u32, total: usize) -> Vec<u8> {
    let mut out = png(width, height);
    let iend = out.split_off(out.len() - 12);
    out.resize(total - iend.len(), 0);
    // Keep the bytes a PNG: the padding sits in an (unchecked) ancillary chunk's place.
    out.extend_from_slice(&iend);
    out
}

struct Files {
    small: String,
    wide: String,
    huge: String,
    text: String,
    gif: String,
    good: String,
    audio: String,
}

fn files(dir: &Path) -> Files {
    Files {
        small: file(dir, "small.png", &png(299, 800)),
        wide: file(dir, "wide.png", &png(2000, 500)),
        huge: file(
            dir,
            "huge.png",
            &png_of_size(1000, 1000, 10 * 1024 * 1024 + 1),
        ),
        text: file(dir, "notes.png", b"these are my notes, not an image"),
        gif: file(dir, "a.gif", b"GIF89a\x20\x03\x58\x02\0\0\0\x3B"),
        good: file(dir, "good.png", &png(1024, 768)),
        audio: file(dir, "a.wav", &wav()),
    }
}

#[allow(clippy::too_many_lines)]
fn corpus(f: &Files) -> Vec<Case> {
    let long = "x".repeat(2501);
    let long121 = "y".repeat(121);
    let ext65 = "e".repeat(65);
    let t2v = |extra: &[&str]| {
        let mut args = vec!["video", "text2video", "--prompt", "a cat"];
        args.extend_from_slice(extra);
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>()
    };
    let with = |kind, names, args: Vec<String>| Case { kind, args, names };
    vec![
        // ---- text to video
        case(
            "text2video",
            &["prompt"],
            &["video", "text2video", "--prompt", ""],
        ),
        case(
            "text2video",
            &["prompt"],
            &["video", "text2video", "--prompt", &long],
        ),
        with(
            "text2video",
            &["negative_prompt"],
            t2v(&["--negative-prompt", &long]),
        ),
        with(
            "text2video",
            &["cfg_scale", "cfg-scale"],
            t2v(&["--cfg-scale", "1.5"]),
        ),
        with(
            "text2video",
            &["cfg_scale", "cfg-scale"],
            t2v(&["--cfg-scale", "0.5", "--model", "kling-v2-5-turbo"]),
        ),
        with(
            "text2video",
            &["camera_control.config.zoom"],
            t2v(&[
                "--camera-control",
                r#"{"type": "simple", "config": {"zoom": 11}}"#,
            ]),
        ),
        // Negative numbers typed with a space: values for the library to refuse, not flags.
        with("text2video", &["cfg_scale"], t2v(&["--cfg-scale", "-0.5"])),
        with(
            "text2video",
            &["camera_control.config.zoom"],
            t2v(&[
                "--camera-control",
                r#"{"type": "simple", "config": {"zoom": -11}}"#,
            ]),
        ),
        with("text2video", &["max-wait"], t2v(&["--max-wait", "-1"])),
        with(
            "text2video",
            &["camera_control.config"],
            t2v(&["--camera-control", r#"{"type": "simple"}"#]),
        ),
        // A JSON flag that is not JSON is a usage error naming the flag.
        with(
            "text2video",
            &["--camera-control"],
            t2v(&["--camera-control", "zoom=5"]),
        ),
        with(
            "text2video",
            &["external_task_id", "external-id"],
            t2v(&["--external-id", &ext65]),
        ),
        with(
            "text2video",
            &["callback_url", "callback-url"],
            t2v(&["--callback-url", "example.com/hook"]),
        ),
        // ---- image to video
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", &f.small],
        ),
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", &f.wide],
        ),
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", &f.huge],
        ),
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", &f.text],
        ),
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", &f.gif],
        ),
        case(
            "image2video",
            &["image"],
            &[
                "video",
                "image2video",
                "--image",
                "data:text/plain;base64,aGVsbG8=",
            ],
        ),
        case(
            "image2video",
            &["image"],
            &["video", "image2video", "--image", "ftp://example.com/a.png"],
        ),
        case(
            "image2video",
            &["camera_control", "image_tail"],
            &[
                "video",
                "image2video",
                "--image",
                &f.good,
                "--image-tail",
                &f.good,
                "--camera-control",
                r#"{"type": "forward_up"}"#,
            ],
        ),
        case(
            "image2video",
            &["static_mask", "image_tail"],
            &[
                "video",
                "image2video",
                "--image",
                &f.good,
                "--image-tail",
                &f.good,
                "--static-mask",
                &f.good,
            ],
        ),
        case(
            "image2video",
            &["dynamic_masks[0].trajectories"],
            &[
                "video",
                "image2video",
                "--image",
                &f.good,
                "--dynamic-masks",
                r#"[{"mask": "https://x.example/m.png", "trajectories": [{"x": 5, "y": 5}]}]"#,
            ],
        ),
        // ---- multi-image to video
        case(
            "multi-image2video",
            &["image_list"],
            &[
                "video",
                "multi-image2video",
                "--prompt",
                "p",
                "--image",
                &f.good,
                "--image",
                &f.good,
                "--image",
                &f.good,
                "--image",
                &f.good,
                "--image",
                &f.good,
            ],
        ),
        case(
            "multi-image2video",
            &["prompt"],
            &[
                "video",
                "multi-image2video",
                "--prompt",
                "",
                "--image",
                &f.good,
            ],
        ),
        case(
            "multi-image2video",
            &["image"],
            &[
                "video",
                "multi-image2video",
                "--prompt",
                "p",
                "--image",
                &f.small,
            ],
        ),
        // ---- video extend
        case(
            "video-extend",
            &["video_id", "video-id"],
            &["video", "extend", "--video-id", ""],
        ),
        case(
            "video-extend",
            &["cfg_scale", "cfg-scale"],
            &["video", "extend", "--video-id", "v", "--cfg-scale=-0.1"],
        ),
        case(
            "video-extend",
            &["prompt"],
            &["video", "extend", "--video-id", "v", "--prompt", &long],
        ),
        // ---- lip sync
        case(
            "lip-sync",
            &["video_id", "video-id", "video_url", "video-url"],
            &[
                "video",
                "lip-sync",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
            ],
        ),
        case(
            "lip-sync",
            &["video_id", "video-id", "video_url", "video-url"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--video-url",
                "https://x.example/v.mp4",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
            ],
        ),
        case(
            "lip-sync",
            &["text"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                &long121,
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
            ],
        ),
        case(
            "lip-sync",
            &["voice_speed", "voice-speed"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
                "--voice-speed",
                "2.5",
            ],
        ),
        case(
            "lip-sync",
            &["voice_speed"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
                "--voice-speed",
                "-1",
            ],
        ),
        case(
            "lip-sync",
            &["audio_file"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
                "--audio-file",
                &f.audio,
            ],
        ),
        case(
            "lip-sync",
            &["audio_file"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--audio-file",
                &f.good,
            ],
        ),
        // `--voice-language` has no default any more: text needs it.
        case(
            "lip-sync",
            &["voice_language"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
            ],
        ),
        // A URL is `--audio-url`; `--audio-file` takes a file.
        case(
            "lip-sync",
            &["audio_file"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--audio-file",
                "https://x.example/voice.mp3",
            ],
        ),
        case(
            "lip-sync",
            &["audio_url"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--audio-url",
                "voice.wav",
            ],
        ),
        case(
            "lip-sync",
            &["voice-language", "voice_language"],
            &[
                "video",
                "lip-sync",
                "--video-id",
                "v",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "fr",
            ],
        ),
        // ---- video effects
        case(
            "effects",
            &["effect_scene", "effect-scene"],
            &[
                "video",
                "effects",
                "--effect-scene",
                "",
                "--duration",
                "5",
                "--image",
                &f.good,
            ],
        ),
        // The two-person scene list is gone (a scene's images are Kling's to judge); the
        // shape of `input` stays: one image, or a list of two.
        case(
            "effects",
            &["input.images"],
            &[
                "video",
                "effects",
                "--effect-scene",
                "hug",
                "--duration",
                "5",
                "--image",
                &f.good,
                "--image",
                &f.good,
                "--image",
                &f.good,
            ],
        ),
        case(
            "effects",
            &["input.image"],
            &[
                "video",
                "effects",
                "--effect-scene",
                "squish",
                "--duration",
                "5",
            ],
        ),
        // The single-image "5 s only" rule is gone; a duration is one of 5 and 10.
        // A mask inside a JSON field is media too (the catalogue's nested media pointers).
        case(
            "image2video",
            &["dynamic_masks[0].mask"],
            &[
                "video",
                "image2video",
                "--image",
                &f.good,
                "--dynamic-masks",
                r#"[{"mask": "ftp://x.example/m.png", "trajectories": [{"x": 0, "y": 0}, {"x": 9, "y": 9}]}]"#,
            ],
        ),
        // ---- image generation
        case(
            "generations",
            &["prompt"],
            &["image", "generate", "--prompt", ""],
        ),
        case(
            "generations",
            &["n"],
            &["image", "generate", "--prompt", "p", "--n", "0"],
        ),
        case(
            "generations",
            &["n"],
            &["image", "generate", "--prompt", "p", "--n", "10"],
        ),
        case(
            "generations",
            &["negative_prompt", "negative-prompt"],
            &[
                "image",
                "generate",
                "--prompt",
                "p",
                "--image",
                &f.good,
                "--negative-prompt",
                "blur",
            ],
        ),
        case(
            "generations",
            &["image_fidelity", "image-fidelity"],
            &[
                "image",
                "generate",
                "--prompt",
                "p",
                "--image",
                &f.good,
                "--image-fidelity",
                "1.2",
            ],
        ),
        case(
            "generations",
            &["image_fidelity"],
            &[
                "image",
                "generate",
                "--prompt",
                "p",
                "--image-fidelity",
                "-0.1",
            ],
        ),
        case(
            "generations",
            &["n"],
            &["image", "generate", "--prompt", "p", "--n", "-1"],
        ),
        // ---- virtual try-on
        case(
            "kolors-virtual-try-on",
            &["human_image", "human-image"],
            &[
                "image",
                "try-on",
                "--human-image",
                &f.small,
                "--cloth-image",
                &f.good,
            ],
        ),
        case(
            "kolors-virtual-try-on",
            &["cloth_image", "cloth-image"],
            &[
                "image",
                "try-on",
                "--human-image",
                &f.good,
                "--cloth-image",
                &f.text,
            ],
        ),
        // ---- task commands: pages, ids, kinds
        case(
            "task",
            &["pageNum", "page"],
            &["task", "list", "text2video", "--page", "0"],
        ),
        case(
            "task",
            &["pageNum", "page"],
            &["task", "list", "text2video", "--page", "1001"],
        ),
        case(
            "task",
            &["pageSize", "page-size"],
            &["task", "list", "generations", "--page-size", "0"],
        ),
        case(
            "task",
            &["pageSize", "page-size"],
            &["task", "list", "generations", "--page-size", "501"],
        ),
        case(
            "task",
            &["pageNum", "page"],
            &["task", "list", "text2video", "--page=-1"],
        ),
        case(
            "task",
            &["pageNum"],
            &["task", "list", "text2video", "--page", "-1"],
        ),
        case("task", &["task_id"], &["task", "get", "text2video", " "]),
        case(
            "task",
            &["kind", "movies"],
            &["task", "get", "movies", "123"],
        ),
        case("task", &["task_id"], &["task", "wait", "lip-sync", ""]),
        // The old kind aliases are gone: a kind is a path segment or a create command.
        case("task", &["kind", "tryon"], &["task", "get", "tryon", "123"]),
    ]
}

#[test]
fn bad_inputs_exit_2_naming_the_field_and_send_nothing() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let mut cases = corpus(&f);
    // A base URL without a scheme (and other bad settings), before any command runs.
    let host = server
        .mock
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let settings = [
        vec!["--base-url".to_owned(), host.clone()],
        vec!["--base-url".to_owned(), format!("ftp://{host}")],
        vec!["--base-url".to_owned(), format!("http://{host}/?a=1")],
    ];
    for global in settings {
        let mut args = global;
        args.extend(["video", "text2video", "--prompt", "p"].map(str::to_owned));
        cases.push(Case {
            kind: "client",
            args,
            names: &["base_url", "base-url"],
        });
    }
    let mut per_kind: Vec<(String, usize)> = Vec::new();
    let mut named = 0;
    let mut problems = Vec::new();
    let mut bytes = 0;
    for case in &cases {
        match per_kind.iter_mut().find(|(k, _)| k == case.kind) {
            Some((_, n)) => *n += 1,
            None => per_kind.push((case.kind.to_owned(), 1)),
        }
        let mut cmd = support::kling();
        // Settings cases bring their own base URL; the others use the server's.
        if case.kind != "client" {
            cmd.args(["--base-url", &server.mock.base_url()]);
        }
        cmd.args(["-v", "--json", "--api-key", API_KEY])
            .args(&case.args);
        let output = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        bytes += stdout.len() + stderr.len();
        let shown: Vec<String> = case
            .args
            .iter()
            .map(|a| a.chars().take(40).collect())
            .collect();
        let doc: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        let message = doc["error"]["message"].as_str().unwrap_or_default();
        let kind = doc["error"]["kind"].as_str().unwrap_or_default();
        if output.status.code() != Some(2) {
            problems.push(format!(
                "{shown:?}: exit {:?}: {stdout}{stderr}",
                output.status.code()
            ));
        } else if !["usage", "validation", "config"].contains(&kind) {
            problems.push(format!("{shown:?}: error kind {kind}: {stdout}"));
        } else if case.names.iter().any(|n| message.contains(n)) {
            named += 1;
        } else {
            problems.push(format!(
                "{shown:?}: the message names none of {:?}: {message}",
                case.names
            ));
        }
        if [API_KEY, "eyJ"]
            .iter()
            .any(|s| stdout.contains(s) || stderr.contains(s))
        {
            problems.push(format!("{shown:?}: a key was printed"));
        }
    }
    let requests = server.mock.journal().len();
    let summary = json!({
        "via": "cli",
        "cases": cases.len(),
        "per_kind": per_kind,
        "named_the_field": named,
        "requests": requests,
    });
    println!("{summary:#}");
    write_figures("corpus-cli", &summary);
    write_figures(
        "secrets-cli-corpus",
        &json!({
            "via": "cli (bad-input corpus, -v)",
            "runs": cases.len(),
            "bytes_searched": bytes,
            "secrets": ["bearer key", "any JWT"],
            "leaks": problems.iter().filter(|p| p.contains("a key was printed")).count(),
        }),
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(requests, 0, "{:#?}", server.mock.journal());
    assert!(cases.len() >= 40);
}

/// Writes a figures file (see `nicerouter_kling_reliability::figures_dir`).
fn write_figures(name: &str, value: &Value) {
    // The crate directory as cargo gives it at run time (a shared build may come from
    // another checkout).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap();
    let workspace = Path::new(&manifest).parent().unwrap();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => dir.into(),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("reliability");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(value).unwrap(),
    )
    .unwrap();
}

/// Values of the spec's open vocabularies that the first version refused: Kling adds models,
/// modes, durations, aspect ratios, resolutions and scenes every month, so each is sent as it
/// is (the library logs a warning) and lands in the simulated server unchanged.
#[test]
fn open_values_are_sent_as_they_are() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let f = files(dir.path());
    let t2v = ["video", "text2video", "--prompt", "a cat"];
    let generate = ["image", "generate", "--prompt", "p"];
    let cases: Vec<(Vec<&str>, &str, &str, &str)> = vec![
        (
            [&t2v[..], &["--mode", "turbo"]].concat(),
            "create_text2video",
            "/mode",
            "turbo",
        ),
        // An empty model means Kling's default model.
        (
            [&t2v[..], &["--model", ""]].concat(),
            "create_text2video",
            "/model_name",
            "",
        ),
        (
            [&t2v[..], &["--duration", "7"]].concat(),
            "create_text2video",
            "/duration",
            "7",
        ),
        (
            [&t2v[..], &["--aspect-ratio", "4:3"]].concat(),
            "create_text2video",
            "/aspect_ratio",
            "4:3",
        ),
        (
            vec![
                "video",
                "effects",
                "--effect-scene",
                "expansion",
                "--image",
                &f.good,
                "--duration",
                "7",
            ],
            "create_video_effects",
            "/input/duration",
            "7",
        ),
        (
            [&generate[..], &["--aspect-ratio", "5:4"]].concat(),
            "create_image_generation",
            "/aspect_ratio",
            "5:4",
        ),
        (
            [&generate[..], &["--resolution", "8k"]].concat(),
            "create_image_generation",
            "/resolution",
            "8k",
        ),
    ];
    let total = cases.len();
    for (args, operation, pointer, value) in cases {
        Run::of(server.kling().args(&args)).expect_code(0);
        let sent = server.mock.requests_to(operation);
        let body = sent.last().and_then(|r| r.body.clone()).unwrap();
        assert_eq!(body.pointer(pointer), Some(&json!(value)), "{args:?}");
    }
    assert_eq!(server.mock.tasks_created(), total);
}
