//! Every command succeeds against the simulated relay, and sends what its flags say.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nicerouter_kling_mock::{Fault, Match, Timing};
use serde_json::{Value, json};
use support::{Run, Server, file, png, wav};

/// The created task's id, as the server recorded it.
fn created_id(server: &Server, operation_id: &str) -> String {
    let requests = server.mock.requests_to(operation_id);
    requests
        .last()
        .and_then(|r| r.created_task.clone())
        .unwrap_or_else(|| panic!("no task created by {operation_id}: {requests:#?}"))
}

/// Checks the documented members of a create's `--json` answer without `--wait`.
fn assert_created(doc: &Value, server: &Server, kind: &str, operation_id: &str) {
    assert_eq!(doc["task_id"], created_id(server, operation_id), "{doc}");
    assert_eq!(doc["kind"], kind, "{doc}");
    assert_eq!(doc["status"], "submitted", "{doc}");
    let ext = doc["external_task_id"].as_str().unwrap();
    assert_eq!(server.only_body(operation_id)["external_task_id"], ext);
}

#[test]
fn text2video_sends_every_video_option() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "text2video",
        "--prompt",
        "a cat playing piano",
        "--negative-prompt",
        "blur",
        "--model",
        "kling-v1-6",
        "--mode",
        "pro",
        "--duration",
        "10",
        "--aspect-ratio",
        "9:16",
        "--cfg-scale",
        "0.7",
        "--camera-control",
        r#"{"type": "simple", "config": {"zoom": 5}}"#,
        "--sound",
        "off",
        "--external-id",
        "my-job-1",
    ]))
    .expect_code(0);
    let doc = run.json();
    assert_created(&doc, &server, "text2video", "create_text2video");
    assert_eq!(doc["external_task_id"], "my-job-1");
    let body = server.only_body("create_text2video");
    assert_eq!(body["prompt"], "a cat playing piano");
    assert_eq!(body["negative_prompt"], "blur");
    assert_eq!(body["model_name"], "kling-v1-6");
    assert_eq!(body["mode"], "pro");
    assert_eq!(body["duration"], "10");
    assert_eq!(body["aspect_ratio"], "9:16");
    assert_eq!(body["cfg_scale"], 0.7);
    assert_eq!(body["camera_control"]["type"], "simple");
    assert_eq!(body["camera_control"]["config"]["zoom"], 5.0);
    assert_eq!(body["sound"], "off");
    assert_eq!(
        server.api_requests().len(),
        1,
        "a create without --wait sends one request"
    );
}

#[test]
fn text2video_human_output_names_the_task_and_its_status() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "video",
        "text2video",
        "--prompt",
        "a cat",
        "--camera-control",
        r#"{"type": "forward_up"}"#,
    ]))
    .expect_code(0);
    let id = created_id(&server, "create_text2video");
    assert_eq!(run.stdout, format!("text2video task {id}: submitted\n"));
    assert_eq!(
        server.only_body("create_text2video")["camera_control"],
        json!({"type": "forward_up"})
    );
}

#[test]
fn a_create_prints_the_status_its_answer_gave_in_klings_word() {
    // The create's answer is lost; the lookup that recovers the task answers `queued`, a
    // word of the relay's own: printed as it came, not a hard-coded `submitted`.
    let server = Server::with(|b| b.fault(Match::polls(), Fault::UnknownStatus("queued".into())));
    for json in [false, true] {
        server
            .mock
            .faults()
            .push(Match::creates(), Fault::DropAfterCreate, 1);
        let mut cmd = server.kling();
        if json {
            cmd.arg("--json");
        }
        let run = Run::of(cmd.args(["video", "text2video", "--prompt", "a cat"])).expect_code(0);
        let id = created_id(&server, "create_text2video");
        if json {
            let doc = run.json();
            assert_eq!(doc["status"], "queued", "{doc}");
            assert_eq!(doc["task_id"], id.as_str(), "{doc}");
        } else {
            assert_eq!(run.stdout, format!("text2video task {id}: queued\n"));
        }
    }
    assert_eq!(server.mock.tasks_created(), 2, "one task per run");
}

#[test]
fn image2video_sends_local_frames_and_passes_urls_through() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let start = file(dir.path(), "start.png", &png(640, 480));
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "image2video",
        "--image",
        &start,
        "--image-tail",
        "https://cdn.example.com/end.png",
        "--prompt",
        "it turns around",
        "--mode",
        "pro",
        "--duration",
        "5",
    ]))
    .expect_code(0);
    assert_created(&run.json(), &server, "image2video", "create_image2video");
    let body = server.only_body("create_image2video");
    assert!(body["image"].as_str().unwrap().starts_with("iVBORw0KGgo"));
    assert_eq!(body["image_tail"], "https://cdn.example.com/end.png");
    assert_eq!(body["prompt"], "it turns around");
}

#[test]
fn image2video_sends_motion_brush_masks() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let start = file(dir.path(), "start.png", &png(640, 480));
    // `--dynamic-masks` is the spec's JSON: a mask inside it is a URL or raw base64.
    let mask = STANDARD.encode(png(640, 480));
    let masks = json!([{
        "mask": mask,
        "trajectories": [{"x": 0, "y": 0}, {"x": 10, "y": 20}],
    }]);
    Run::of(server.kling().args([
        "video",
        "image2video",
        "--image",
        &start,
        "--static-mask",
        "https://cdn.example.com/static.png",
        "--dynamic-masks",
        &masks.to_string(),
        "--model",
        "kling-v1",
    ]))
    .expect_code(0);
    let body = server.only_body("create_image2video");
    assert_eq!(body["static_mask"], "https://cdn.example.com/static.png");
    let dynamic = &body["dynamic_masks"][0];
    assert_eq!(dynamic["mask"], mask.as_str());
    assert!(dynamic["mask"].as_str().unwrap().starts_with("iVBORw0KGgo"));
    assert_eq!(
        dynamic["trajectories"],
        json!([{"x": 0, "y": 0}, {"x": 10, "y": 20}])
    );
}

#[test]
fn multi_image2video_sends_every_image() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let one = file(dir.path(), "one.png", &png(640, 480));
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "multi-image2video",
        "--image",
        &one,
        "--image",
        "https://cdn.example.com/two.png",
        "--prompt",
        "two friends meet",
        "--aspect-ratio",
        "1:1",
        "--negative-prompt",
        "blur",
        "--model",
        "kling-v1-6",
        "--mode",
        "pro",
        "--duration",
        "10",
    ]))
    .expect_code(0);
    assert_created(
        &run.json(),
        &server,
        "multi-image2video",
        "create_multi_image2video",
    );
    let body = server.only_body("create_multi_image2video");
    let list = body["image_list"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list[0]["image"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo")
    );
    assert_eq!(list[1]["image"], "https://cdn.example.com/two.png");
    assert_eq!(body["aspect_ratio"], "1:1");
    assert_eq!(body["negative_prompt"], "blur");
    assert_eq!(body["model_name"], "kling-v1-6");
    assert_eq!(body["mode"], "pro");
    assert_eq!(body["duration"], "10");
}

#[test]
fn extend_sends_the_video_id() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "extend",
        "--video-id",
        "814570891207524415-0",
        "--prompt",
        "and then it jumps",
    ]))
    .expect_code(0);
    assert_created(&run.json(), &server, "video-extend", "create_video_extend");
    let body = server.only_body("create_video_extend");
    assert_eq!(body["video_id"], "814570891207524415-0");
    assert_eq!(body["prompt"], "and then it jumps");
}

#[test]
fn lip_sync_with_text_and_a_voice() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "lip-sync",
        "--video-id",
        "814570891207524415-0",
        "--text",
        "hello there",
        "--voice-id",
        "uk_boy1",
        "--voice-language",
        "en",
        "--voice-speed",
        "1.2",
    ]))
    .expect_code(0);
    assert_created(&run.json(), &server, "lip-sync", "create_lip_sync");
    let input = server.only_body("create_lip_sync")["input"].clone();
    assert_eq!(input["video_id"], "814570891207524415-0");
    assert_eq!(input["mode"], "text2video");
    assert_eq!(input["text"], "hello there");
    assert_eq!(input["voice_id"], "uk_boy1");
    assert_eq!(input["voice_language"], "en");
    assert_eq!(input["voice_speed"], 1.2);
}

#[test]
fn lip_sync_with_a_local_audio_file() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let audio = file(dir.path(), "voice.wav", &wav());
    Run::of(server.kling().args([
        "video",
        "lip-sync",
        "--video-url",
        "https://cdn.example.com/talk.mp4",
        "--audio-file",
        &audio,
    ]))
    .expect_code(0);
    let input = server.only_body("create_lip_sync")["input"].clone();
    assert_eq!(input["video_url"], "https://cdn.example.com/talk.mp4");
    assert_eq!(input["mode"], "audio2video");
    assert_eq!(input["audio_type"], "file");
    assert!(input["audio_file"].as_str().unwrap().starts_with("UklGR"));
}

#[test]
fn effects_with_one_and_with_two_images() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let one = file(dir.path(), "one.png", &png(640, 640));
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "effects",
        "--effect-scene",
        "squish",
        "--duration",
        "5",
        "--image",
        &one,
    ]))
    .expect_code(0);
    assert_created(&run.json(), &server, "effects", "create_video_effects");
    let body = server.only_body("create_video_effects");
    assert_eq!(body["effect_scene"], "squish");
    assert!(
        body["input"]["image"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo")
    );

    Run::of(server.kling().args([
        "video",
        "effects",
        "--effect-scene",
        "hug",
        "--image",
        "https://cdn.example.com/a.png",
        "--image",
        "https://cdn.example.com/b.png",
        "--model",
        "kling-v1-6",
        "--mode",
        "std",
        "--duration",
        "5",
    ]))
    .expect_code(0);
    let hug = server.mock.requests_to("create_video_effects")[1]
        .body
        .clone()
        .unwrap();
    assert_eq!(
        hug["input"]["images"],
        json!([
            "https://cdn.example.com/a.png",
            "https://cdn.example.com/b.png"
        ])
    );
    assert_eq!(hug["input"]["model_name"], "kling-v1-6", "{hug}");
    assert_eq!(hug["input"]["mode"], "std", "{hug}");
    assert_eq!(hug["input"]["duration"], "5", "{hug}");
}

#[test]
fn image_generate_sends_its_options() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "--json",
        "image",
        "generate",
        "--prompt",
        "a red fox",
        "--n",
        "2",
        "--aspect-ratio",
        "4:3",
        "--image",
        "https://cdn.example.com/ref.png",
        "--image-fidelity",
        "0.4",
        "--model",
        "kling-v1-5",
        "--image-reference",
        "subject",
    ]))
    .expect_code(0);
    assert_created(
        &run.json(),
        &server,
        "generations",
        "create_image_generation",
    );
    let body = server.only_body("create_image_generation");
    assert_eq!(body["prompt"], "a red fox");
    assert_eq!(body["n"], 2);
    assert_eq!(body["aspect_ratio"], "4:3");
    assert_eq!(body["image"], "https://cdn.example.com/ref.png");
    assert_eq!(body["image_fidelity"], 0.4);
}

#[test]
fn image_try_on_sends_both_images() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let human = file(dir.path(), "human.png", &png(480, 640));
    let run = Run::of(server.kling().args([
        "--json",
        "image",
        "try-on",
        "--human-image",
        &human,
        "--cloth-image",
        "https://cdn.example.com/shirt.png",
    ]))
    .expect_code(0);
    assert_created(
        &run.json(),
        &server,
        "kolors-virtual-try-on",
        "create_virtual_try_on",
    );
    let body = server.only_body("create_virtual_try_on");
    assert!(
        body["human_image"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo")
    );
    assert_eq!(body["cloth_image"], "https://cdn.example.com/shirt.png");
}

#[test]
fn create_with_wait_prints_the_finished_task_and_its_outputs() {
    let server = Server::start();
    let run = Run::of(server.kling().args([
        "--json",
        "image",
        "generate",
        "--prompt",
        "a red fox",
        "--n",
        "2",
        "--wait",
    ]))
    .expect_code(0);
    let doc = run.json();
    assert_eq!(doc["status"], "succeed");
    assert_eq!(doc["kind"], "generations");
    let outputs = doc["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 2);
    for (index, output) in outputs.iter().enumerate() {
        assert!(output["url"].as_str().unwrap().contains("/mock-media/"));
        assert_eq!(output["kind"], "image");
        assert_eq!(output["index"], index);
    }
    assert!(
        doc.get("files").is_none(),
        "nothing downloaded without --output"
    );
    // Stderr: the external id before the create is sent, the created task (so a killed wait
    // keeps its id), then status changes.
    let events = run.events();
    assert_eq!(
        events[0],
        json!({
            "event": "submitting",
            "kind": "generations",
            "external_task_id": doc["external_task_id"],
        }),
        "{events:?}"
    );
    assert_eq!(
        events[1],
        json!({
            "event": "created",
            "kind": "generations",
            "task_id": doc["task_id"],
            "external_task_id": doc["external_task_id"],
        }),
        "{events:?}"
    );
    for event in &events[2..] {
        assert_eq!(event["event"], "status", "{event}");
        assert_eq!(event["task_id"], doc["task_id"], "{event}");
    }

    let human =
        Run::of(
            server
                .kling()
                .args(["video", "text2video", "--prompt", "a cat", "--wait"]),
        )
        .expect_code(0);
    let id = created_id(&server, "create_text2video");
    assert!(
        human
            .stdout
            .starts_with(&format!("text2video task {id}: succeed\n"))
    );
    assert!(
        human.stdout.contains("  output 0: http://"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stderr
            .contains(&format!("created text2video task {id}"))
    );
}

#[test]
fn waiting_without_a_terminal_prints_plain_status_lines() {
    // Processing at the first poll, done at the second (one poll interval, about 2 s).
    let server = Server::with(|b| {
        b.timing(Timing::Polls {
            processing_after: 1,
            done_after: 2,
        })
    });
    let run = Run::of(
        server
            .kling()
            .args(["video", "extend", "--video-id", "v-1", "--wait"]),
    )
    .expect_code(0);
    let id = created_id(&server, "create_video_extend");
    let ext = server.only_body("create_video_extend")["external_task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!("submitting video-extend with external id {ext}"),
        "{}",
        run.stderr
    );
    assert_eq!(
        lines[1],
        format!("created video-extend task {id} (external id {ext})"),
        "{}",
        run.stderr
    );
    assert!(
        lines[2].starts_with(&format!("task {id}: processing after ")),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\u{1b}'),
        "no terminal escapes: {:?}",
        run.stderr
    );
    assert!(
        run.stdout
            .starts_with(&format!("video-extend task {id}: succeed\n"))
    );

    // With --json, the same progress as JSON lines on stderr.
    let run =
        Run::of(
            server
                .kling()
                .args(["--json", "video", "extend", "--video-id", "v-1", "--wait"]),
        )
        .expect_code(0);
    let doc = run.json();
    let events = run.events();
    assert_eq!(events[0]["event"], "submitting", "{events:?}");
    assert_eq!(events[1]["event"], "created", "{events:?}");
    assert_eq!(events[1]["task_id"], doc["task_id"], "{events:?}");
    let status = &events[2];
    assert_eq!(status["event"], "status", "{events:?}");
    assert_eq!(status["kind"], "video-extend", "{status}");
    assert_eq!(status["task_id"], doc["task_id"], "{status}");
    assert_eq!(status["status"], "processing", "{status}");
    assert_eq!(status["polls"], 1, "{status}");
    assert!(status["elapsed_secs"].as_f64().unwrap() >= 0.0, "{status}");
}

#[test]
fn output_implies_wait_and_downloads_every_result() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "text2video",
        "--prompt",
        "a cat",
        "--output",
        out.to_str().unwrap(),
    ]))
    .expect_code(0);
    let doc = run.json();
    assert_eq!(doc["status"], "succeed");
    let output = &doc["outputs"][0];
    assert_eq!(output["kind"], "video");
    assert!(
        output["id"].is_string(),
        "a video's id, for extend and lip-sync: {doc}"
    );
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let path = std::path::Path::new(files[0]["path"].as_str().unwrap());
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(files[0]["bytes"], bytes.len());
    assert_eq!(&bytes[4..8], b"ftyp");
    let sha = files[0]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(path.starts_with(&out));
    let events = run.events();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names[..2], ["submitting", "created"], "{events:?}");
    assert_eq!(names.last(), Some(&"downloading"), "{events:?}");
    let downloading = events.last().unwrap();
    assert_eq!(downloading["task_id"], doc["task_id"]);
    assert_eq!(downloading["outputs"], 1);
    assert_eq!(downloading["dir"], out.to_str().unwrap());
}

#[test]
fn a_killed_json_wait_has_already_printed_its_task_id() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    // A task that would take ten minutes.
    let server = Server::with(|b| {
        b.timing(Timing::Millis {
            processing_after: 0,
            done_after: 600_000,
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kling"))
        .env_remove("NICEROUTER_API_KEY")
        .env_remove("NICEROUTER_BASE_URL")
        .args([
            "--base-url",
            &server.mock.base_url(),
            "--api-key",
            support::API_KEY,
            "--json",
            "video",
            "text2video",
            "--prompt",
            "x",
            "--output",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut submitting = String::new();
    stderr.read_line(&mut submitting).unwrap();
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    // Killed (no chance to print anything more) as soon as the task exists.
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no partial result on stdout");
    let created: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let id = created_id(&server, "create_text2video");
    assert_eq!(created["event"], "created", "{line}");
    assert_eq!(created["kind"], "text2video", "{line}");
    assert_eq!(created["task_id"], id.as_str(), "{line}");
    assert_eq!(
        created["external_task_id"],
        server.only_body("create_text2video")["external_task_id"],
        "{line}"
    );
    let submitting: Value = serde_json::from_str(&submitting).unwrap();
    assert_eq!(submitting["event"], "submitting", "{submitting}");
    assert_eq!(
        submitting["external_task_id"], created["external_task_id"],
        "{submitting}"
    );
    // The id is all it takes to come back to the task.
    let doc = Run::of(server.kling().args([
        "--json",
        "task",
        "get",
        created["kind"].as_str().unwrap(),
        created["task_id"].as_str().unwrap(),
    ]))
    .expect_code(0)
    .json();
    assert_eq!(doc["task_id"], id.as_str());
    assert_eq!(doc["status"], "processing");
}

#[test]
fn task_get_shows_one_task() {
    let server = Server::start();
    let created = Run::of(
        server
            .kling()
            .args(["--json", "video", "text2video", "--prompt", "x"]),
    )
    .expect_code(0)
    .json();
    let id = created["task_id"].as_str().unwrap();
    let doc = Run::of(
        server
            .kling()
            .args(["--json", "task", "get", "text2video", id]),
    )
    .expect_code(0)
    .json();
    assert_eq!(doc["task_id"], id);
    assert_eq!(doc["kind"], "text2video");
    assert_eq!(doc["status"], "succeed");
    assert_eq!(doc["external_task_id"], created["external_task_id"]);
    assert_eq!(doc["outputs"].as_array().unwrap().len(), 1);
    assert_eq!(doc["task"]["task_id"], id, "Kling's own object is kept");

    // By external id, in human form.
    let ext = created["external_task_id"].as_str().unwrap();
    let human = Run::of(server.kling().args(["task", "get", "text2video", ext])).expect_code(0);
    assert!(
        human
            .stdout
            .starts_with(&format!("text2video task {id}: succeed\n"))
    );
    assert!(human.stdout.contains(&format!("external id: {ext}")));
}

#[test]
fn task_list_pages_through_tasks() {
    let server = Server::start();
    for prompt in ["one", "two", "three"] {
        Run::of(
            server
                .kling()
                .args(["image", "generate", "--prompt", prompt]),
        )
        .expect_code(0);
    }
    let doc = Run::of(server.kling().args([
        "--json",
        "task",
        "list",
        "generate",
        "--page",
        "1",
        "--page-size",
        "2",
    ]))
    .expect_code(0)
    .json();
    assert_eq!(doc["kind"], "generations");
    assert_eq!(doc["page"], 1);
    assert_eq!(doc["page_size"], 2);
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 2);
    let list = server.mock.requests_to("list_image_generation");
    assert_eq!(
        list[0].query,
        vec![
            ("pageNum".to_owned(), "1".to_owned()),
            ("pageSize".to_owned(), "2".to_owned())
        ]
    );
    let human = Run::of(server.kling().args(["task", "list", "generations"])).expect_code(0);
    assert_eq!(human.stdout.lines().count(), 4, "{}", human.stdout);
}

#[test]
fn task_wait_prints_outputs_and_downloads() {
    let server = Server::start();
    let created = Run::of(server.kling().args([
        "--json",
        "video",
        "lip-sync",
        "--video-id",
        "v-1",
        "--audio-url",
        "https://cdn.example.com/a.mp3",
    ]))
    .expect_code(0)
    .json();
    let id = created["task_id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = Run::of(server.kling().args([
        "--json",
        "task",
        "wait",
        "lip-sync",
        id,
        "--output",
        dir.path().to_str().unwrap(),
    ]))
    .expect_code(0);
    let doc = run.json();
    assert_eq!(doc["task_id"], id);
    assert_eq!(doc["kind"], "lip-sync");
    assert_eq!(doc["status"], "succeed");
    assert_eq!(doc["outputs"].as_array().unwrap().len(), 1);
    let path = doc["files"][0]["path"].as_str().unwrap();
    assert!(std::path::Path::new(path).is_file());

    let human = Run::of(server.kling().args(["task", "wait", "lip-sync", id])).expect_code(0);
    assert!(
        human
            .stdout
            .contains(&format!("lip-sync task {id}: succeed"))
    );
    assert!(
        human.stdout.contains("  output 0: http://"),
        "{}",
        human.stdout
    );
}

#[test]
fn official_api_mode_uses_jwt_paths_without_the_prefix() {
    let server = Server::start();
    let run = Run::of(server.official().args([
        "--json",
        "video",
        "text2video",
        "--prompt",
        "a cat",
        "--wait",
    ]))
    .expect_code(0);
    assert_eq!(run.json()["status"], "succeed");
    let requests = server.api_requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert!(request.path.starts_with("/v1/"), "{}", request.path);
        assert_eq!(request.api, nicerouter_kling_mock::Api::Official);
    }
}

#[test]
fn the_embedded_mock_needs_no_key() {
    let run = Run::of(support::kling().args([
        "--mock",
        "--json",
        "video",
        "text2video",
        "--prompt",
        "a cat",
    ]))
    .expect_code(0);
    let doc = run.json();
    assert_eq!(doc["kind"], "text2video");
    assert_eq!(doc["status"], "submitted");
    assert!(doc["task_id"].as_str().unwrap().len() >= 18);
}
