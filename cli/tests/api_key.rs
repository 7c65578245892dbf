//! `--kling-api-key` (or `KLING_API_KEY`): an official Kling API key, sent as a bearer token to
//! the official host without `/kling`; never confused with a NiceRouter key, never printed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assert_cmd::Command;
use nicerouter_kling_mock::Api;
use support::{ACCESS_KEY, API_KEY, Run, SECRET_KEY, Server};

/// The official API key the test servers accept: unique, so that any appearance in output is
/// a leak and never a coincidence.
const KLING_KEY: &str = "kling-api-key-cli-test-3e8a1f6c9d2b";
const WRONG_KLING_KEY: &str = "kling-api-key-cli-wrong-7b4d0e2a5c1f";

/// A server that also accepts [`KLING_KEY`] on the official paths.
fn server() -> Server {
    Server::with(|b| b.official_api_key(KLING_KEY))
}

/// `kling` with a clean environment, `KLING_API_KEY` included.
fn kling() -> Command {
    let mut cmd = support::kling();
    cmd.env_remove("KLING_API_KEY");
    cmd
}

/// Asserts that no key is in `run`'s output.
fn assert_clean(run: &Run, what: &str) {
    let all = run.all();
    for secret in [KLING_KEY, WRONG_KLING_KEY, API_KEY, ACCESS_KEY, SECRET_KEY] {
        assert!(!all.contains(secret), "{what}: `{secret}` printed:\n{all}");
    }
    assert!(!all.contains("eyJ"), "{what}: a JWT printed:\n{all}");
}

/// Every API request went to the official paths, as `Bearer`, and was accepted.
fn assert_official_bearer(server: &Server) {
    let requests = server.api_requests();
    assert!(!requests.is_empty(), "nothing was sent");
    for entry in requests {
        assert_eq!(entry.api, Api::Official, "{entry:#?}");
        assert!(entry.path.starts_with("/v1/"), "no /kling: {entry:#?}");
        assert_eq!(entry.authorization.as_deref(), Some("Bearer <redacted>"));
        assert_eq!(entry.status, Some(200), "{entry:#?}");
    }
}

#[test]
fn a_create_with_kling_api_key_reaches_the_official_path_as_a_bearer_token() {
    let server = server();
    let run = Run::of(kling().args([
        "--base-url",
        &server.mock.official_base_url(),
        "--kling-api-key",
        KLING_KEY,
        "--json",
        "video",
        "text2video",
        "--prompt",
        "a cat playing piano",
    ]))
    .expect_code(0);
    assert_clean(&run, "create");
    assert!(run.json()["task_id"].is_string(), "{run:#?}");
    assert_eq!(server.mock.tasks_created(), 1);
    assert_official_bearer(&server);
    assert_eq!(server.api_requests()[0].path, "/v1/videos/text2video");

    // From the environment, with the relay's origin set and not used (a closed port).
    let server = self::server();
    Run::of(
        kling()
            .env("KLING_API_KEY", KLING_KEY)
            .env("KLING_BASE_URL", server.mock.official_base_url())
            .env("NICEROUTER_BASE_URL", "http://127.0.0.1:9")
            .args(["task", "list", "text2video"]),
    )
    .expect_code(0);
    assert_official_bearer(&server);
}

#[test]
fn a_wrong_kling_api_key_is_refused_by_the_api_with_exit_3() {
    let server = server();
    let run = Run::of(kling().args([
        "--base-url",
        &server.mock.official_base_url(),
        "--kling-api-key",
        WRONG_KLING_KEY,
        "--json",
        "task",
        "list",
        "text2video",
    ]))
    .expect_code(3);
    assert_clean(&run, "wrong key");
    assert_eq!(run.json_error()["code"], 1002, "{run:#?}");
    // A NiceRouter key given as an official one is just as wrong.
    let run = Run::of(kling().args([
        "--base-url",
        &server.mock.official_base_url(),
        "--kling-api-key",
        API_KEY,
        "task",
        "list",
        "text2video",
    ]))
    .expect_code(3);
    assert_clean(&run, "relay key as an official key");
}

#[test]
fn the_environment_is_read_relay_first_then_kling_api_key_then_the_pair() {
    let server = server();
    let official = server.mock.official_base_url();
    let origin = server.mock.base_url();
    let list = ["task", "list", "text2video"];
    // (what, environment, typed, the API reached)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>, Api);
    let cases: Vec<Case<'_>> = vec![
        (
            "a relay key wins over an official API key",
            vec![
                ("NICEROUTER_API_KEY", API_KEY),
                ("NICEROUTER_BASE_URL", &origin),
                ("KLING_API_KEY", WRONG_KLING_KEY),
            ],
            vec![],
            Api::NiceRouter,
        ),
        (
            // The pair's secret is wrong: only the API key can succeed.
            "an official API key wins over the key pair",
            vec![
                ("KLING_API_KEY", KLING_KEY),
                ("KLING_BASE_URL", &official),
                ("KLING_ACCESS_KEY", ACCESS_KEY),
                ("KLING_SECRET_KEY", "sk-wrong"),
            ],
            vec![],
            Api::Official,
        ),
        (
            "a lone access key does not stop an official API key",
            vec![
                ("KLING_API_KEY", KLING_KEY),
                ("KLING_BASE_URL", &official),
                ("KLING_ACCESS_KEY", ACCESS_KEY),
            ],
            vec![],
            Api::Official,
        ),
        (
            "the pair when no key is set",
            vec![
                ("KLING_API_KEY", " "),
                ("KLING_BASE_URL", &official),
                ("KLING_ACCESS_KEY", ACCESS_KEY),
                ("KLING_SECRET_KEY", SECRET_KEY),
            ],
            vec![],
            Api::Official,
        ),
        (
            "a typed official API key wins over a relay key in the environment",
            vec![
                ("NICEROUTER_API_KEY", API_KEY),
                ("NICEROUTER_BASE_URL", "http://127.0.0.1:9"),
            ],
            vec!["--base-url", &official, "--kling-api-key", KLING_KEY],
            Api::Official,
        ),
        (
            "a typed relay key wins over an official API key in the environment",
            vec![("KLING_API_KEY", WRONG_KLING_KEY)],
            vec!["--base-url", &origin, "--api-key", API_KEY],
            Api::NiceRouter,
        ),
        (
            "a typed key pair wins over an official API key in the environment",
            vec![("KLING_API_KEY", WRONG_KLING_KEY)],
            vec![
                "--base-url",
                &official,
                "--access-key",
                ACCESS_KEY,
                "--secret-key",
                SECRET_KEY,
            ],
            Api::Official,
        ),
    ];
    for (what, env, typed, api) in cases {
        server.mock.clear_journal();
        let run = Run::of(kling().envs(env).args(typed).args(list));
        assert_eq!(run.code, 0, "{what}: {run:#?}");
        assert_clean(&run, what);
        let requests = server.api_requests();
        assert_eq!(requests.len(), 1, "{what}: {requests:#?}");
        assert_eq!(requests[0].api, api, "{what}");
        assert_eq!(requests[0].status, Some(200), "{what}");
    }
}

#[test]
fn kling_api_key_with_another_typed_key_is_a_usage_error() {
    let server = server();
    let official = server.mock.official_base_url();
    for others in [
        vec!["--api-key", API_KEY],
        vec!["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY],
        vec!["--access-key", ACCESS_KEY],
        vec!["--secret-key", SECRET_KEY],
        vec![
            "--api-key",
            API_KEY,
            "--access-key",
            ACCESS_KEY,
            "--secret-key",
            SECRET_KEY,
        ],
    ] {
        for json in [false, true] {
            let mut cmd = kling();
            cmd.args(["--base-url", &official, "--kling-api-key", KLING_KEY])
                .args(&others)
                .args(["video", "text2video", "--prompt", "p"]);
            if json {
                cmd.arg("--json");
            }
            let run = Run::of(&mut cmd).expect_code(2);
            assert_clean(&run, &format!("{others:?}"));
            let text = if json {
                let error = run.json_error();
                assert_eq!(error["kind"], "usage", "{others:?}");
                error.to_string()
            } else {
                run.all()
            };
            assert!(text.contains("pass one of them"), "{others:?}: {text}");
            assert!(text.contains("--kling-api-key"), "{others:?}: {text}");
        }
    }
    assert!(server.api_requests().is_empty(), "nothing was sent");
}

#[test]
fn the_key_is_never_printed_with_verbose_tracing() {
    let server = server();
    let official = server.mock.official_base_url();
    for level in ["-v", "-vv"] {
        for (key, code) in [(KLING_KEY, 0), (WRONG_KLING_KEY, 3)] {
            for json in [false, true] {
                let mut cmd = kling();
                cmd.args([level, "--base-url", &official, "--kling-api-key", key])
                    .args(["video", "text2video", "--prompt", "p"]);
                if json {
                    cmd.arg("--json");
                }
                let run = Run::of(&mut cmd).expect_code(code);
                assert_clean(&run, &format!("{level} json={json} exit {code}"));
                // The trace says which credential went where.
                assert!(
                    run.stderr
                        .contains(&format!("official API key to {official}")),
                    "{level}: {run:#?}"
                );
            }
        }
        // From the environment too.
        let run = Run::of(
            kling()
                .env("KLING_API_KEY", KLING_KEY)
                .env("KLING_BASE_URL", &official)
                .args([level, "task", "list", "text2video"]),
        )
        .expect_code(0);
        assert_clean(&run, &format!("{level} from the environment"));
    }
}

#[test]
fn help_says_which_key_goes_where_and_shows_no_value() {
    let run = Run::of(
        kling()
            .env("KLING_API_KEY", KLING_KEY)
            .env("NICEROUTER_API_KEY", API_KEY)
            .arg("--help"),
    )
    .expect_code(0);
    assert_clean(&run, "--help");
    let help = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for says in [
        "--kling-api-key <KEY>",
        "KLING_API_KEY",
        "An official Kling API key, from the Kling console",
        "Not a NiceRouter key; that is --api-key",
        "Not an official Kling key; that is --kling-api-key",
        "From the environment alone: NICEROUTER_API_KEY first, then KLING_API_KEY, then the pair.",
    ] {
        assert!(help.contains(says), "`{says}` in:\n{}", run.stdout);
    }
}

#[test]
fn mock_needs_no_key_and_ignores_the_official_ones() {
    for env in [
        vec![],
        vec![("KLING_API_KEY", KLING_KEY)],
        vec![
            ("KLING_API_KEY", KLING_KEY),
            ("KLING_ACCESS_KEY", ACCESS_KEY),
        ],
    ] {
        let run = Run::of(kling().envs(env.clone()).args([
            "--mock",
            "--json",
            "task",
            "list",
            "text2video",
        ]))
        .expect_code(0);
        assert_eq!(run.json()["kind"], "text2video", "{env:?}: {run:#?}");
        assert_clean(&run, "--mock");
    }
}
