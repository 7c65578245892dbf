//! Global options: anywhere on the line, from the environment, which service they choose;
//! `--json` keeping stdout to one document even for help and version.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use nicerouter_kling_mock::Api;
use support::{ACCESS_KEY, API_KEY, Run, SECRET_KEY, Server, kling};

/// Which APIs the server saw requests on.
fn apis(server: &Server) -> Vec<Api> {
    let mut apis: Vec<Api> = server.api_requests().into_iter().map(|e| e.api).collect();
    apis.dedup();
    apis
}

#[test]
fn global_options_work_after_the_subcommand() {
    let server = Server::start();
    let origin = server.mock.base_url();
    let run = Run::of(kling().args([
        "video",
        "text2video",
        "--prompt",
        "x",
        "--json",
        "--api-key",
        API_KEY,
        "--base-url",
        &origin,
    ]))
    .expect_code(0);
    assert_eq!(run.json()["kind"], "text2video");
    assert_eq!(apis(&server), [Api::NiceRouter]);
}

#[test]
fn the_relay_is_configured_from_the_environment() {
    let server = Server::start();
    let run = Run::of(
        kling()
            .env("NICEROUTER_API_KEY", API_KEY)
            .env(
                "NICEROUTER_BASE_URL",
                format!("{}/", server.mock.base_url()),
            )
            .args(["task", "list", "text2video"]),
    )
    .expect_code(0);
    assert!(
        run.stdout.starts_with("0 text2video task(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(server.api_requests()[0].path, "/kling/v1/videos/text2video");
}

#[test]
fn typed_official_keys_win_over_a_relay_key_in_the_environment() {
    let server = Server::start();
    Run::of(
        kling()
            .env("NICEROUTER_API_KEY", API_KEY)
            .env("NICEROUTER_BASE_URL", "http://127.0.0.1:9")
            // Typed after the subcommand, where global options are accepted too.
            .args(["task", "list", "generate"])
            .args(["--base-url", &server.mock.base_url()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY]),
    )
    .expect_code(0);
    assert_eq!(apis(&server), [Api::Official]);
}

#[test]
fn the_official_api_ignores_the_relay_origin_and_reads_kling_base_url() {
    let server = Server::start();
    Run::of(
        kling()
            .env("KLING_ACCESS_KEY", ACCESS_KEY)
            .env("KLING_SECRET_KEY", SECRET_KEY)
            .env("KLING_BASE_URL", server.mock.base_url())
            // The relay's origin is not the official API's: a closed port, never used.
            .env("NICEROUTER_BASE_URL", "http://127.0.0.1:9")
            .args(["task", "list", "effects"]),
    )
    .expect_code(0);
    assert_eq!(apis(&server), [Api::Official]);
}

#[test]
fn a_typed_relay_key_wins_over_official_keys_in_the_environment() {
    let server = Server::start();
    Run::of(
        server
            .kling()
            .env("KLING_ACCESS_KEY", ACCESS_KEY)
            .env("KLING_SECRET_KEY", SECRET_KEY)
            .args(["task", "list", "lip-sync"]),
    )
    .expect_code(0);
    assert_eq!(apis(&server), [Api::NiceRouter]);
}

#[test]
fn a_lone_official_key_in_the_environment_does_not_stop_another_service() {
    // --mock: no request leaves the process, and the lone key is not looked at.
    let run = Run::of(kling().env("KLING_ACCESS_KEY", ACCESS_KEY).args([
        "--mock",
        "--json",
        "task",
        "list",
        "text2video",
    ]))
    .expect_code(0);
    assert_eq!(run.json()["kind"], "text2video");
    // A typed relay key (and a relay key in the environment) choose NiceRouter.
    let server = Server::start();
    Run::of(server.kling().env("KLING_ACCESS_KEY", ACCESS_KEY).args([
        "task",
        "list",
        "text2video",
    ]))
    .expect_code(0);
    Run::of(
        kling()
            .env("KLING_SECRET_KEY", SECRET_KEY)
            .env("NICEROUTER_API_KEY", API_KEY)
            .env("NICEROUTER_BASE_URL", server.mock.base_url())
            .args(["task", "list", "generations"]),
    )
    .expect_code(0);
    assert_eq!(apis(&server), [Api::NiceRouter]);
}

#[test]
fn half_an_official_key_pair_is_a_usage_error_naming_the_missing_half() {
    let server = Server::start();
    let official = server.mock.official_base_url();
    // (environment, typed flags, what the error says)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
    let cases: [Case<'_>; 4] = [
        // Typed, with nothing else.
        (
            &[],
            &["--access-key", "ak"],
            "--secret-key (or KLING_SECRET_KEY) is not",
        ),
        // Typed, with a relay key in the environment: the typed key chooses the official API.
        (
            &[("NICEROUTER_API_KEY", API_KEY)],
            &["--access-key", "ak"],
            "--secret-key (or KLING_SECRET_KEY) is not",
        ),
        // From the environment alone.
        (
            &[("KLING_ACCESS_KEY", "ak")],
            &[],
            "--secret-key (or KLING_SECRET_KEY) is not",
        ),
        (
            &[("KLING_SECRET_KEY", "sk")],
            &[],
            "--access-key (or KLING_ACCESS_KEY) is not",
        ),
    ];
    for (env, args, says) in cases {
        for json in [false, true] {
            let mut cmd = kling();
            cmd.envs(env.iter().copied())
                .args(["--base-url", &official])
                .args(args)
                .args(["video", "text2video", "--prompt", "x"]);
            if json {
                cmd.arg("--json");
            }
            let run = Run::of(&mut cmd).expect_code(2);
            let text = if json {
                let error = run.json_error();
                assert_eq!(error["kind"], "usage", "{env:?} {args:?}");
                error.to_string()
            } else {
                run.error_line().to_owned()
            };
            assert!(text.contains(says), "{env:?} {args:?}: {text}");
        }
    }
    assert!(server.api_requests().is_empty(), "nothing was sent");
}

#[test]
fn two_typed_services_or_a_relay_without_origin_are_usage_errors() {
    let both = Run::of(kling().args([
        "--api-key",
        API_KEY,
        "--access-key",
        ACCESS_KEY,
        "--secret-key",
        SECRET_KEY,
        "task",
        "list",
        "text2video",
    ]))
    .expect_code(2);
    assert!(
        both.error_line().contains("pass one of them"),
        "{}",
        both.stderr
    );
    let no_origin =
        Run::of(kling().args(["--api-key", API_KEY, "task", "list", "text2video"])).expect_code(2);
    assert!(
        no_origin.error_line().contains("--base-url"),
        "{}",
        no_origin.stderr
    );
}

#[test]
fn help_and_version_with_json_are_one_document() {
    let help = Run::of(kling().args(["--json", "video", "text2video", "--help"])).expect_code(0);
    let doc = help.json();
    assert!(
        doc["help"].as_str().unwrap().contains("--negative-prompt"),
        "{doc}"
    );
    assert!(help.stderr.is_empty());
    let version = Run::of(kling().args(["--version", "--json"])).expect_code(0);
    assert_eq!(
        version.json(),
        serde_json::json!({"name": "kling", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[test]
fn help_and_version_without_json_are_text_on_stdout() {
    let help = Run::of(kling().arg("--help")).expect_code(0);
    for command in ["video", "image", "task"] {
        assert!(help.stdout.contains(command), "{}", help.stdout);
    }
    let version = Run::of(kling().arg("--version")).expect_code(0);
    assert_eq!(
        version.stdout,
        format!("kling {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_with_json_are_one_document_with_the_usage() {
    for args in [
        vec!["--json"],
        vec!["--json", "video"],
        vec!["--json", "video", "text2video"],
        vec![
            "--json",
            "video",
            "text2video",
            "--prompt",
            "x",
            "--duration",
            "7",
        ],
        vec![
            "--json", "image", "generate", "--prompt", "x", "--n", "many",
        ],
        vec!["--json", "task", "get", "text2video"],
        // `--sound` takes a value now (`on` or `off`); bare, it is missing one.
        vec!["--json", "video", "text2video", "--prompt", "x", "--sound"],
    ] {
        let run = Run::of(kling().args(&args)).expect_code(2);
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
        let error = run.json_error();
        assert_eq!(error["kind"], "usage", "{args:?}");
        let message = error["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{args:?}: {message}"
        );
        assert!(error["hint"].is_string(), "{args:?}: {error}");
    }
}

#[test]
fn human_usage_errors_are_one_line() {
    let run = Run::of(kling().args(["video", "extend"])).expect_code(2);
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: the following required arguments were not provided: --video-id <VALUE>; usage: \
         kling video extend --video-id <VALUE> (more with --help)\n"
    );
}
