//! `--timeout SECS`: the per-request time limit reaches the client. A request slower than it
//! fails as a timeout (reads are retried); a bad value is a usage error naming the flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use nicerouter_kling_mock::{Fault, Match, OperationRole};
use support::{Run, Server};

/// The server's answer to a read that the client waits out.
const SLOW: Duration = Duration::from_secs(5);

fn created(server: &Server) -> String {
    let doc = Run::of(
        server
            .kling()
            .args(["--json", "video", "text2video", "--prompt", "x"]),
    )
    .expect_code(0)
    .json();
    doc["task_id"].as_str().unwrap().to_owned()
}

#[test]
fn a_request_slower_than_the_timeout_is_cut_off_and_retried() {
    let server = Server::start();
    let id = created(&server);
    // The first poll would take five seconds; the timeout cuts it at half a second and the
    // retry answers at once.
    server
        .mock
        .faults()
        .once(Match::polls(), Fault::Latency(SLOW));
    let started = Instant::now();
    let run = Run::of(server.kling().args([
        "--json",
        "--timeout",
        "0.5",
        "task",
        "get",
        "text2video",
        &id,
    ]))
    .expect_code(0);
    let took = started.elapsed();
    assert_eq!(run.json()["task_id"], id.as_str());
    assert!(took < SLOW, "the slow answer was not waited for: {took:?}");
    assert_eq!(
        server.mock.requests_to("get_text2video").len(),
        2,
        "one cut off, one retried"
    );
}

#[test]
fn a_server_slower_than_the_timeout_on_every_try_exits_1_as_a_timeout() {
    let server = Server::start();
    // Every list is slow: each try is cut off, and the retries give up.
    server
        .mock
        .faults()
        .always(Match::role(OperationRole::List), Fault::Latency(SLOW));
    let started = Instant::now();
    let run =
        Run::of(
            server
                .kling()
                .args(["--json", "--timeout", "0.2", "task", "list", "text2video"]),
        )
        .expect_code(1);
    let error = run.json_error();
    assert_eq!(error["kind"], "transport", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("timed out"),
        "{error}"
    );
    let tries = server.mock.requests_to("list_text2video").len();
    assert!(tries >= 2, "retried: {tries}");
    assert!(
        started.elapsed() < SLOW * u32::try_from(tries).unwrap(),
        "no try waited for the slow answer: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_bad_timeout_is_a_usage_error_naming_the_flag() {
    let server = Server::start();
    for value in ["0", "-1", "abc", "inf"] {
        let run =
            Run::of(
                server
                    .kling()
                    .args(["--timeout", value, "task", "get", "text2video", "1"]),
            )
            .expect_code(2);
        assert!(run.error_line().contains("--timeout"), "{value}: {run:#?}");
    }
    assert!(server.mock.journal().is_empty(), "nothing is sent");
}
