//! Every exit code, in human and `--json` form: 0 success, 1 anything else, 2 usage or
//! validation (nothing sent), 3 API error, 4 task failed, 5 maximum wait exceeded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use nicerouter_kling_mock::{Fault, Match, MockServerBuilder, Timing};
use support::{Run, Server, file, png};

/// Runs `args` against `server` in human and in `--json` form, expecting `code` both times;
/// returns the human error line and the JSON error object.
fn fails(server: &Server, args: &[&str], code: i32) -> (String, serde_json::Value) {
    let human = Run::of(server.kling().args(args)).expect_code(code);
    assert!(human.stdout.is_empty(), "errors go to stderr: {human:#?}");
    let line = human.error_line().to_owned();
    let json = Run::of(server.kling().arg("--json").args(args)).expect_code(code);
    if code == 2 {
        // Nothing is sent, so nothing is announced as being submitted either.
        assert_eq!(human.stderr.lines().count(), 1, "{human:#?}");
        assert!(json.stderr.is_empty(), "{json:#?}");
    }
    // Stderr carries only progress events: a create's external id before it is sent, and a
    // created task named before anything fails.
    let events = json.events();
    let error = json.json_error();
    if let Some(submitting) = events.iter().find(|e| e["event"] == "submitting") {
        assert_eq!(submitting, &events[0], "submitting comes first: {events:?}");
        if let Some(ext) = error.get("external_task_id") {
            assert_eq!(&submitting["external_task_id"], ext, "{events:?} {error}");
        }
    }
    if let Some(created) = events.iter().find(|e| e["event"] == "created") {
        assert_eq!(created, &events[1], "created comes next: {events:?}");
        assert_eq!(
            created["external_task_id"], events[0]["external_task_id"],
            "{events:?}"
        );
        assert_eq!(created["task_id"], error["task_id"], "{events:?} {error}");
    }
    (line, error)
}

// ---- 2: usage and validation; nothing is sent ----

#[test]
fn usage_and_validation_errors_exit_2_without_a_request() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let small = file(dir.path(), "small.png", &png(100, 100));
    let missing = dir.path().join("missing.png");
    let missing = missing.to_str().unwrap();
    let long_prompt = "p".repeat(2501);
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        // clap: missing, unknown, badly typed
        (vec!["video", "extend"], "usage", "--video-id"),
        (
            vec!["video", "text2video", "--prompt", "x", "--sound", "loud"],
            "usage",
            "loud",
        ),
        // A prompt is optional in the spec only for a multi-shot cut: a rule of the library.
        (vec!["video", "text2video"], "validation", "prompt"),
        (
            vec!["video", "text2video", "--prompt", "x", "--bogus"],
            "usage",
            "--bogus",
        ),
        (vec!["video", "dance"], "usage", "dance"),
        (vec!["video"], "usage", "subcommand"),
        // the library's rules, naming the field
        (
            vec!["video", "text2video", "--prompt", "x", "--cfg-scale", "5"],
            "validation",
            "cfg_scale",
        ),
        (
            vec!["video", "text2video", "--prompt", &long_prompt],
            "validation",
            "prompt",
        ),
        (
            vec!["video", "image2video", "--image", &small],
            "validation",
            "300",
        ),
        (
            vec!["video", "image2video", "--image", missing],
            "validation",
            "missing.png",
        ),
        // A scene's images are Kling's to judge (the two-person scene list is gone); the
        // shape of `input` stays: one image, or a list of two.
        (
            vec![
                "video",
                "effects",
                "--effect-scene",
                "hug",
                "--duration",
                "5",
                "--image",
                "https://x.example/a.png",
                "--image",
                "https://x.example/b.png",
                "--image",
                "https://x.example/c.png",
            ],
            "validation",
            "at most 2 items",
        ),
        // One video source is a rule of the library now, no longer a parser conflict.
        (
            vec!["video", "lip-sync", "--text", "hi", "--voice-id", "uk_boy1"],
            "validation",
            "input.video_id",
        ),
        (
            vec!["image", "generate", "--prompt", "x", "--n", "10"],
            "validation",
            "n",
        ),
        // A closed set of values is the parser's to check.
        (
            vec!["video", "lip-sync", "--video-id", "v", "--mode", "dance"],
            "usage",
            "--mode",
        ),
        (
            vec!["task", "list", "text2video", "--page", "0"],
            "validation",
            "pageNum",
        ),
        // a negative number is a value to refuse, not an unknown flag `-1`
        (
            vec!["task", "list", "text2video", "--page", "-1"],
            "validation",
            "pageNum",
        ),
        // the CLI's own rules: a JSON flag must be JSON
        (
            vec![
                "video",
                "text2video",
                "--prompt",
                "x",
                "--camera-control",
                "zoom=5",
            ],
            "usage",
            "--camera-control",
        ),
        // and the spec's shape of what it holds
        (
            vec![
                "video",
                "text2video",
                "--prompt",
                "x",
                "--camera-control",
                r#"{"type": "simple", "config": {"warp": 5}}"#,
            ],
            "validation",
            "warp",
        ),
        (vec!["task", "get", "movies", "123"], "usage", "movies"),
        // the old kind aliases are gone: a kind is a path segment or a create command
        (vec!["task", "get", "tryon", "123"], "usage", "tryon"),
        (
            vec!["task", "wait", "text2video", " "],
            "validation",
            "task_id",
        ),
    ];
    for (args, kind, mentions) in cases {
        let (line, error) = fails(&server, &args, 2);
        assert!(line.contains(mentions), "{args:?}: {line}");
        assert_eq!(error["kind"], kind, "{args:?}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(mentions),
            "{args:?}: {error}"
        );
        assert!(error.get("task_id").is_none(), "{error}");
    }
    assert!(
        server.mock.journal().is_empty(),
        "no request for a usage or validation error: {:#?}",
        server.mock.journal()
    );
}

#[test]
fn missing_credentials_and_bad_base_urls_exit_2() {
    let (line, error) = {
        let human =
            Run::of(support::kling().args(["video", "text2video", "--prompt", "x"])).expect_code(2);
        let json = Run::of(support::kling().args(["--json", "task", "get", "text2video", "1"]))
            .expect_code(2);
        (human.error_line().to_owned(), json.json_error())
    };
    assert!(line.contains("--api-key"), "{line}");
    assert!(line.contains("--mock"), "{line}");
    assert_eq!(error["kind"], "usage");

    let run = Run::of(support::kling().args([
        "--base-url",
        "ftp://relay.example.com",
        "--api-key",
        "k",
        "video",
        "text2video",
        "--prompt",
        "x",
    ]))
    .expect_code(2);
    assert!(run.error_line().contains("ftp://"), "{}", run.stderr);

    let run =
        Run::of(support::kling().args(["--access-key", "ak", "task", "get", "text2video", "1"]))
            .expect_code(2);
    assert!(run.stderr.contains("--secret-key"), "{}", run.stderr);
}

// ---- 3: the API said no ----

#[test]
fn a_wrong_key_exits_3_with_code_and_request_id() {
    let server = Server::start();
    let args = ["video", "text2video", "--prompt", "x"];
    let human = Run::of(
        support::kling()
            .args([
                "--base-url",
                &server.mock.base_url(),
                "--api-key",
                "sk-wrong",
            ])
            .args(args),
    )
    .expect_code(3);
    let line = human.error_line();
    let json = Run::of(
        support::kling()
            .args([
                "--base-url",
                &server.mock.base_url(),
                "--api-key",
                "sk-wrong",
                "--json",
            ])
            .args(args),
    )
    .expect_code(3);
    let error = json.json_error();
    assert_eq!(error["kind"], "api");
    let code = error["code"].as_i64().unwrap();
    assert!((1000..1100).contains(&code), "{error}");
    let request_id = error["request_id"].as_str().unwrap();
    assert!(line.contains(&format!("code {code}")), "{line}");
    assert!(line.contains("request_id"), "{line}");
    assert!(line.contains("key"), "says what to do: {line}");
    assert!(line.contains("not created"), "{line}");
    assert!(
        !line.contains("external_task_id") && error.get("external_task_id").is_none(),
        "nothing to look up when nothing was created: {line} {error}"
    );
    assert!(!request_id.is_empty());
    assert_eq!(server.mock.tasks_created(), 0);
}

#[test]
fn an_exhausted_balance_exits_3_at_once() {
    let server = Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::RateLimited {
                code: 1102,
                retry_after: None,
            },
        )
    });
    let (line, error) = fails(&server, &["image", "generate", "--prompt", "x"], 3);
    assert_eq!(error["code"], 1102);
    assert!(error["request_id"].is_string(), "{error}");
    assert!(
        error.get("task_id").is_none(),
        "no task was created: {error}"
    );
    assert!(line.contains("1102"), "{line}");
    assert!(line.contains("balance"), "says what to do: {line}");
    assert_eq!(
        server.mock.requests_to("create_image_generation").len(),
        2,
        "1102 is never retried (one request per run)"
    );
}

#[test]
fn rate_limited_after_retries_exits_3() {
    // `Retry-After: 0` keeps the retries instant.
    let server = Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::RateLimited {
                code: 1302,
                retry_after: Some(0),
            },
        )
    });
    let human = Run::of(
        server
            .kling()
            .args(["video", "text2video", "--prompt", "x"]),
    )
    .expect_code(3);
    let line = human.error_line();
    assert!(line.contains("1302"), "{line}");
    assert!(line.contains("not created"), "{line}");
    let attempts = server.mock.requests_to("create_text2video").len();
    assert!(
        attempts > 1,
        "retried before giving up ({attempts} attempts)"
    );
    assert_eq!(server.mock.tasks_created(), 0);
}

#[test]
fn an_unknown_task_exits_3() {
    let server = Server::start();
    let (line, error) = fails(&server, &["task", "get", "text2video", "999"], 3);
    assert_eq!(error["kind"], "api");
    assert!(error["code"].is_number(), "{error}");
    assert_eq!(error["task_id"], "999");
    assert!(line.contains("[task 999]"), "{line}");
    assert!(
        line.contains("check the kind (text2video) and the task id"),
        "{line}"
    );
    // A short task id is named even when the request id happens to contain its digits.
    // The kind by its path segment, or by its create command's name.
    let (line, _) = fails(&server, &["task", "wait", "generations", "4"], 3);
    assert!(line.contains("[task 4]"), "{line}");
    let (line, _) = fails(&server, &["task", "wait", "generate", "999"], 3);
    assert!(
        line.contains("check the kind (generations) and the task id"),
        "{line}"
    );
}

// ---- 4: the task failed ----

#[test]
fn a_failed_task_exits_4_with_its_reason_and_id() {
    let server = Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::TaskFails("image violates the content policy".into()),
        )
    });
    let (line, error) = fails(
        &server,
        &["video", "text2video", "--prompt", "x", "--wait"],
        4,
    );
    let ids: Vec<String> = server
        .mock
        .created_tasks()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(line.contains("image violates the content policy"), "{line}");
    assert!(line.contains(&ids[0]), "the task id is printed: {line}");
    assert_eq!(error["kind"], "task_failed");
    assert_eq!(error["task_id"], ids[1].as_str());
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("image violates the content policy")
    );

    // Waiting for it again says the same.
    let again =
        Run::of(server.kling().args(["task", "wait", "text2video", &ids[0]])).expect_code(4);
    assert!(again.error_line().contains("content policy"));
}

// ---- 5: the maximum wait passed ----

#[test]
fn an_exceeded_max_wait_exits_5_and_names_the_task() {
    let server = Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::TaskTiming(Timing::Millis {
                processing_after: 0,
                done_after: 600_000,
            }),
        )
    });
    let started = Instant::now();
    let (line, error) = fails(
        &server,
        &[
            "video",
            "text2video",
            "--prompt",
            "x",
            "--wait",
            "--max-wait",
            "1",
        ],
        5,
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let ids: Vec<String> = server
        .mock
        .created_tasks()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert!(line.contains(&ids[0]), "the task id is printed: {line}");
    assert!(line.contains("kling task wait"), "says what to do: {line}");
    assert_eq!(error["kind"], "max_wait_exceeded");
    assert_eq!(error["task_id"], ids[1].as_str());

    let again = Run::of(server.kling().args([
        "--json",
        "task",
        "wait",
        "text2video",
        &ids[0],
        "--max-wait",
        "0",
    ]))
    .expect_code(5);
    assert_eq!(again.json_error()["task_id"], ids[0].as_str());
}

// ---- 1: anything else ----

#[test]
fn a_proxy_error_page_exits_1() {
    let server = Server::with(|b| b.fault(Match::any(), Fault::HtmlErrorPage { status: 404 }));
    let (line, error) = fails(&server, &["task", "get", "text2video", "1"], 1);
    assert!(line.contains("404"), "{line}");
    assert!(line.contains("check --base-url"), "says what to do: {line}");
    assert!(error.get("code").is_none(), "{error}");
}

/// Lookups by `external_task_id` that stay rate limited (`Retry-After: 0` keeps the retries
/// instant), so a create whose outcome is unknown stays unknown.
fn lookups_fail(builder: MockServerBuilder) -> MockServerBuilder {
    builder.fault(
        Match::polls(),
        Fault::RateLimited {
            code: 1302,
            retry_after: Some(0),
        },
    )
}

#[test]
fn a_bad_gateway_on_create_exits_1_saying_the_task_may_exist() {
    let server = Server::with(lookups_fail);
    server
        .mock
        .faults()
        .push(Match::creates(), Fault::HtmlErrorPage { status: 502 }, 2);
    let (line, error) = fails(&server, &["video", "text2video", "--prompt", "x"], 1);
    assert!(line.contains("502"), "{line}");
    assert!(line.contains("may exist"), "{line}");
    assert_eq!(error["kind"], "create_unknown");
    let ext = error["external_task_id"].as_str().unwrap();
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("kling task get text2video {ext}")),
        "{error}"
    );
}

#[test]
fn an_unreachable_server_exits_1() {
    // Port 1 on loopback: nothing listens there, and no other test's server can take it (a
    // dropped server's port can be reused by a server of a test running alongside, which
    // then answers 401 to the key `k`).
    let origin = "http://127.0.0.1:1";
    let run = Run::of(support::kling().args([
        "--base-url",
        origin,
        "--api-key",
        "k",
        "--json",
        "task",
        "get",
        "text2video",
        "1",
    ]))
    .expect_code(1);
    let error = run.json_error();
    assert_eq!(error["kind"], "transport");
}

#[test]
fn a_lost_create_answer_that_cannot_be_looked_up_exits_1_with_the_external_id() {
    let server = Server::with(|b| lookups_fail(b).fault(Match::creates(), Fault::DropAfterCreate));
    let run = Run::of(server.kling().args([
        "--json",
        "video",
        "text2video",
        "--prompt",
        "x",
        "--external-id",
        "job-42",
    ]))
    .expect_code(1);
    let error = run.json_error();
    assert_eq!(error["kind"], "create_unknown");
    assert_eq!(error["external_task_id"], "job-42");
    assert!(
        error["message"].as_str().unwrap().contains("job-42"),
        "{error}"
    );
    assert_eq!(
        server.mock.tasks_created(),
        1,
        "the task exists; the tool said it may"
    );
}

#[test]
fn a_failed_download_exits_1_and_still_names_the_task() {
    let server = Server::with(|b| b.fault(Match::media(), Fault::HtmlErrorPage { status: 200 }));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let (line, error) = fails(
        &server,
        &["image", "generate", "--prompt", "x", "--output", out],
        1,
    );
    let ids: Vec<String> = server
        .mock
        .created_tasks()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert!(line.contains(&ids[0]), "{line}");
    assert!(
        line.contains(&format!(
            "kling task wait generations {} --output {out}",
            ids[0]
        )),
        "says how to download again: {line}"
    );
    assert_eq!(error["kind"], "download");
    assert_eq!(error["task_id"], ids[1].as_str());
}

#[test]
fn ctrl_c_while_waiting_exits_1_with_the_command_that_resumes() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let server = Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::TaskTiming(Timing::Millis {
                processing_after: 0,
                done_after: 600_000,
            }),
        )
    });
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kling"))
        .args([
            "--base-url",
            &server.mock.base_url(),
            "--api-key",
            support::API_KEY,
        ])
        .args(["video", "text2video", "--prompt", "x", "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // "created …", then the first poll's "task …: processing after …".
    while !seen.contains(": processing after") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "stderr ended: {seen}"
        );
        seen.push_str(&line);
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen}{rest}");
    let id = &server.mock.created_tasks()[0].task_id;
    assert!(
        rest.starts_with(&format!("error: interrupted while waiting for task {id}")),
        "{rest}"
    );
    assert!(
        rest.contains(&format!("kling task wait text2video {id}")),
        "{rest}"
    );
}

/// `kling --base-url … --api-key … ARGS`, spawned with stdout and stderr piped.
fn spawn(server: &Server, args: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("kling"))
        .env_remove("NICEROUTER_API_KEY")
        .env_remove("NICEROUTER_BASE_URL")
        .args([
            "--base-url",
            &server.mock.base_url(),
            "--api-key",
            support::API_KEY,
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A server whose creates make their task at once but answer only after a minute.
fn slow_creates() -> Server {
    Server::with(|b| {
        b.fault(
            Match::creates(),
            Fault::DelayAfterCreate(Duration::from_secs(60)),
        )
    })
}

/// Waits until the server has made the task (the create's answer is still on its way).
fn until_created(server: &Server) {
    let started = Instant::now();
    while server.mock.tasks_created() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no task made");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_create_killed_before_its_answer_has_printed_the_external_id_to_find_it() {
    use std::io::{BufRead, BufReader};

    let server = slow_creates();
    let mut child = spawn(
        &server,
        &["--json", "video", "text2video", "--prompt", "x", "--wait"],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    until_created(&server);
    // Killed (no chance to print anything more) while the create waits for its answer.
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.stdout.is_empty(), "no result on stdout");
    let submitting: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(submitting["event"], "submitting", "{line}");
    assert_eq!(submitting["kind"], "text2video", "{line}");
    let ext = submitting["external_task_id"].as_str().unwrap();
    assert!(
        ext.len() == 36
            && ext.starts_with("nrk-")
            && ext[4..].bytes().all(|b| b.is_ascii_hexdigit()),
        "the library's shape, nrk- and 32 hex digits: {ext}"
    );
    assert_eq!(
        server.only_body("create_text2video")["external_task_id"],
        ext,
        "the printed id is the one sent"
    );
    // The external id is all it takes to find the task.
    let doc = Run::of(
        server
            .kling()
            .args(["--json", "task", "get", "text2video", ext]),
    )
    .expect_code(0)
    .json();
    assert_eq!(
        doc["task_id"],
        server.mock.created_tasks()[0].task_id.as_str()
    );
    assert_eq!(doc["external_task_id"], ext);
}

#[test]
fn ctrl_c_during_a_create_exits_1_with_the_external_id_and_how_to_look_it_up() {
    use std::io::{BufRead, BufReader, Read};

    for json in [false, true] {
        let server = slow_creates();
        let mut args = vec![
            "video",
            "text2video",
            "--prompt",
            "x",
            "--external-id",
            "job-7",
        ];
        if json {
            args.insert(0, "--json");
        }
        let mut child = spawn(&server, &args);
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        if json {
            let event: serde_json::Value = serde_json::from_str(&first).unwrap();
            assert_eq!(
                event,
                serde_json::json!({
                    "event": "submitting",
                    "kind": "text2video",
                    "external_task_id": "job-7",
                })
            );
        } else {
            assert_eq!(first, "submitting text2video with external id job-7\n");
        }
        until_created(&server);
        let interrupted = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "json {json}: {first}{rest}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lookup = "look it up with `kling task get text2video job-7`";
        if json {
            assert!(rest.is_empty(), "{rest}");
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let error = &doc["error"];
            assert_eq!(error["kind"], "interrupted", "{doc}");
            assert_eq!(error["external_task_id"], "job-7", "{doc}");
            assert!(error.get("task_id").is_none(), "{doc}");
            assert!(error["hint"].as_str().unwrap().contains(lookup), "{doc}");
        } else {
            assert!(stdout.is_empty(), "{stdout}");
            assert!(
                rest.starts_with(
                    "error: interrupted while creating a text2video task with external id job-7"
                ),
                "{rest}"
            );
            assert!(rest.contains(lookup), "{rest}");
            assert_eq!(rest.lines().count(), 1, "{rest}");
        }
        // And that lookup finds it.
        let doc = Run::of(
            server
                .kling()
                .args(["--json", "task", "get", "text2video", "job-7"]),
        )
        .expect_code(0)
        .json();
        assert_eq!(doc["external_task_id"], "job-7");
        assert_eq!(server.mock.tasks_created(), 1);
    }
}

#[test]
fn the_help_lists_the_exit_codes_with_ctrl_c() {
    let help = Run::of(support::kling().arg("--help")).expect_code(0);
    let codes = help.stdout.split("Exit codes:").nth(1).unwrap_or_else(|| {
        panic!("no exit codes in --help: {}", help.stdout);
    });
    for code in ["0", "1", "2", "3", "4", "5"] {
        assert!(
            codes
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
            "exit code {code}: {codes}"
        );
    }
    let one: String = codes
        .split("\n  2 ")
        .next()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(one.contains("Ctrl-C"), "{one}");
}
