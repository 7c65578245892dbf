//! Keys, secrets and JWTs never appear in anything the tool prints — on any command, any
//! error path, with `-v` and `-vv`, through the relay and through the official API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assert_cmd::Command;
use nicerouter_kling_mock::{Fault, Match, Timing};
use support::{ACCESS_KEY, API_KEY, Run, SECRET_KEY, Server, file, png, wav};

const WRONG_KEY: &str = "sk-nrk-wrong-key-9d8c7b6a";
const WRONG_SECRET: &str = "sk-kling-wrong-secret-1f2e3d4c";

/// Asserts that nothing secret is in `run`'s output.
fn assert_clean(run: &Run, what: &str) {
    let all = run.all();
    for secret in [API_KEY, SECRET_KEY, ACCESS_KEY, WRONG_KEY, WRONG_SECRET] {
        assert!(!all.contains(secret), "{what}: `{secret}` printed:\n{all}");
    }
    // A JWT starts with the base64url of `{"`.
    assert!(!all.contains("eyJ"), "{what}: a JWT printed:\n{all}");
}

/// The two services, as a user would select them.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Relay,
    Official,
}

impl Mode {
    fn kling(self, server: &Server) -> Command {
        match self {
            Mode::Relay => server.kling(),
            Mode::Official => server.official(),
        }
    }

    fn wrong_key(self, server: &Server) -> Command {
        let mut cmd = support::kling();
        cmd.args(["--base-url", &server.mock.base_url()]);
        match self {
            Mode::Relay => cmd.args(["--api-key", WRONG_KEY]),
            Mode::Official => cmd.args(["--access-key", ACCESS_KEY, "--secret-key", WRONG_SECRET]),
        };
        cmd
    }
}

/// Runs `args` with `-v` and `-vv`, expecting `code`, and checks the output both times;
/// returns the `-v` run.
fn run_verbose(mut cmd: impl FnMut() -> Command, args: &[&str], code: i32) -> Run {
    let mut first = None;
    for level in ["-v", "-vv"] {
        let run = Run::of(cmd().arg(level).args(args)).expect_code(code);
        assert_clean(&run, &format!("{level} {args:?}"));
        first.get_or_insert(run);
    }
    first.unwrap()
}

#[test]
fn no_command_prints_a_key_with_verbose_tracing() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let image = file(dir.path(), "i.png", &png(640, 480));
    let audio = file(dir.path(), "a.wav", &wav());
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for mode in [Mode::Relay, Mode::Official] {
        let kling = || mode.kling(&server);
        let created = run_verbose(
            kling,
            &[
                "--json",
                "video",
                "text2video",
                "--prompt",
                "p",
                "--output",
                out,
            ],
            0,
        );
        assert!(
            created.stderr.contains("kling.request"),
            "-v traces requests: {}",
            created.stderr
        );
        let id = created.json()["task_id"].as_str().unwrap().to_owned();
        let commands: Vec<Vec<&str>> = vec![
            vec!["video", "image2video", "--image", &image, "--wait"],
            vec![
                "video",
                "multi-image2video",
                "--image",
                &image,
                "--prompt",
                "p",
            ],
            vec!["video", "extend", "--video-id", "v-1"],
            vec![
                "video",
                "lip-sync",
                "--video-id",
                "v-1",
                "--audio-file",
                &audio,
            ],
            vec![
                "video",
                "lip-sync",
                "--video-id",
                "v-1",
                "--text",
                "hi",
                "--voice-id",
                "uk_boy1",
                "--voice-language",
                "en",
            ],
            vec![
                "video",
                "effects",
                "--effect-scene",
                "squish",
                "--duration",
                "5",
                "--image",
                &image,
            ],
            vec!["image", "generate", "--prompt", "p", "--output", out],
            vec![
                "image",
                "try-on",
                "--human-image",
                &image,
                "--cloth-image",
                &image,
            ],
            vec!["task", "get", "text2video", &id],
            vec!["task", "list", "text2video"],
            vec!["task", "wait", "text2video", &id, "--output", out],
        ];
        for args in commands {
            run_verbose(kling, &args, 0);
        }
    }
}

#[test]
fn no_error_path_prints_a_key_with_verbose_tracing() {
    let server = Server::start();
    let create = ["video", "text2video", "--prompt", "p"];
    let wait = [
        "video",
        "text2video",
        "--prompt",
        "p",
        "--wait",
        "--max-wait",
        "0",
    ];
    for mode in [Mode::Relay, Mode::Official] {
        let kling = || mode.kling(&server);
        // 2: refused before sending.
        run_verbose(
            kling,
            &["video", "text2video", "--prompt", "p", "--cfg-scale", "9"],
            2,
        );
        // 3: a wrong key or secret.
        let run = run_verbose(|| mode.wrong_key(&server), &create, 3);
        assert!(run.stderr.contains("401"), "{}", run.stderr);
        // 3: the balance is exhausted (once per run).
        let balance = Fault::RateLimited {
            code: 1102,
            retry_after: None,
        };
        server.mock.faults().push(Match::creates(), balance, 2);
        run_verbose(kling, &create, 3);
        // 4: the task fails.
        let fails = Fault::TaskFails("refused by the content policy".into());
        server.mock.faults().push(Match::creates(), fails, 2);
        run_verbose(kling, &wait, 4);
        // 5: the task outlives the wait.
        let slow = Fault::TaskTiming(Timing::Millis {
            processing_after: 0,
            done_after: 600_000,
        });
        server.mock.faults().push(Match::creates(), slow, 2);
        run_verbose(kling, &wait, 5);
        // 1: a proxy's error page.
        let page = Fault::HtmlErrorPage { status: 404 };
        server.mock.faults().push(Match::any(), page, 2);
        run_verbose(kling, &["task", "get", "text2video", "1"], 1);
        // 1: a result download that is a web page, not an image.
        server
            .mock
            .faults()
            .push(Match::media(), Fault::HtmlErrorPage { status: 200 }, 2);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        let run = run_verbose(
            kling,
            &["image", "generate", "--prompt", "p", "--output", out],
            1,
        );
        assert!(
            run.stderr.contains("kling task wait generations"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(server.mock.faults().pending(), 0, "every fault was used");
}

#[test]
fn keys_from_the_environment_are_not_printed_either() {
    let server = Server::start();
    let mut cmd = support::kling();
    cmd.env("NICEROUTER_API_KEY", API_KEY)
        .env("NICEROUTER_BASE_URL", server.mock.base_url())
        .args(["-vv", "video", "text2video", "--prompt", "p", "--wait"]);
    assert_clean(&Run::of(&mut cmd).expect_code(0), "env key");
    // Help shows which variables are read, never their values.
    let mut help = support::kling();
    help.env("NICEROUTER_API_KEY", API_KEY)
        .env("KLING_SECRET_KEY", SECRET_KEY)
        .env("KLING_ACCESS_KEY", ACCESS_KEY)
        .arg("--help");
    let run = Run::of(&mut help).expect_code(0);
    assert_clean(&run, "--help");
    assert!(run.stdout.contains("NICEROUTER_API_KEY"), "{}", run.stdout);
}

#[test]
fn with_json_and_verbose_every_stderr_line_is_a_json_object() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let create = ["video", "text2video", "--prompt", "p", "--output", out];
    for mode in [Mode::Relay, Mode::Official] {
        for (level, code, mut cmd) in [
            ("-v", 0, mode.kling(&server)),
            ("-vv", 0, mode.kling(&server)),
            ("-v", 3, mode.wrong_key(&server)),
        ] {
            let run = Run::of(cmd.args(["--json", level]).args(create)).expect_code(code);
            let what = format!("{mode:?} {level}");
            assert_clean(&run, &what);
            let doc = run.json();
            let lines: Vec<serde_json::Value> = run
                .stderr
                .lines()
                .map(|line| {
                    let value: serde_json::Value = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {line:?}"));
                    assert!(value["event"].is_string(), "{what}: {line}");
                    value
                })
                .collect();
            let traces: Vec<_> = lines.iter().filter(|l| l["event"] == "trace").collect();
            assert!(!traces.is_empty(), "{what}: no traces: {}", run.stderr);
            for trace in &traces {
                assert!(trace["level"].is_string(), "{what}: {trace}");
                assert!(trace["target"].is_string(), "{what}: {trace}");
                assert!(trace["spans"].is_array(), "{what}: {trace}");
            }
            // The SDK's request spans, with their fields as JSON.
            assert!(
                traces.iter().any(|t| t["spans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["name"] == "kling" && s["fields"]["operation"] == "create")),
                "{what}: {}",
                run.stderr
            );
            let events: Vec<&str> = lines
                .iter()
                .map(|l| l["event"].as_str().unwrap())
                .filter(|e| *e != "trace")
                .collect();
            if code == 0 {
                assert_eq!(events[..2], ["submitting", "created"], "{what}");
                assert_eq!(events.last(), Some(&"downloading"), "{what}");
                assert!(doc["files"].is_array(), "{what}: {doc}");
            } else {
                assert_eq!(events, ["submitting"], "{what}");
                assert_eq!(doc["error"]["kind"], "api", "{what}: {doc}");
            }
        }
    }
}
