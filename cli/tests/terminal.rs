//! Text the server controls (error messages, `task_status_msg`, statuses) never reaches the
//! terminal raw: a relay cannot clear the screen, retitle the window or ring the bell through
//! the human output. `--json` keeps the text exact (serde escapes it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use nicerouter_kling_mock::{Fault, Match};
use support::{Run, Server};

/// Clears the screen, rings the bell, retitles the window (OSC … BEL), a C1 CSI, a
/// right-to-left override, and a line break that would forge a second line.
const NASTY: &str =
    "bad\u{1b}[2J\u{7} \u{1b}]0;pwned\u{7} \u{9b}31m \u{202e}txt.exe\r\nerror: forged";

/// Asserts that `text` has no control characters but the line ends, nor bidi overrides.
fn assert_inert(text: &str, what: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || c == '\u{202e}')
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {text:?}");
}

#[test]
fn a_failure_reason_with_escape_sequences_is_shown_escaped() {
    let server = Server::with(|b| b.fault(Match::creates(), Fault::TaskFails(NASTY.into())));
    let run = Run::of(
        server
            .kling()
            .args(["video", "text2video", "--prompt", "x", "--wait"]),
    )
    .expect_code(4);
    assert_inert(&run.stdout, "stdout");
    assert_inert(&run.stderr, "stderr");
    let line = run.error_line();
    assert!(
        line.contains(
            r"bad\u{1b}[2J\u{7} \u{1b}]0;pwned\u{7} \u{9b}31m \u{202e}txt.exe  error: forged"
        ),
        "visible and on one line: {line}"
    );

    // The task, looked at later: the message line is escaped the same way.
    let id = server.mock.created_tasks()[0].task_id.clone();
    let get = Run::of(server.kling().args(["task", "get", "text2video", &id])).expect_code(0);
    assert_inert(&get.stdout, "task get");
    assert!(
        get.stdout.contains(r"  message: bad\u{1b}[2J"),
        "{}",
        get.stdout
    );

    // JSON keeps the server's text exactly.
    let json = Run::of(
        server
            .kling()
            .args(["--json", "task", "get", "text2video", &id]),
    )
    .expect_code(0)
    .json();
    assert_eq!(json["status_message"], NASTY);
    let failed =
        Run::of(
            server
                .kling()
                .args(["--json", "video", "text2video", "--prompt", "x", "--wait"]),
        )
        .expect_code(4);
    assert!(
        failed.json_error()["message"]
            .as_str()
            .unwrap()
            .contains(NASTY),
        "{}",
        failed.stdout
    );
}

#[test]
fn a_status_with_escape_sequences_is_shown_escaped() {
    let server = Server::with(|b| b.fault(Match::any(), Fault::UnknownStatus(NASTY.into())));
    let created = Run::of(
        server
            .kling()
            .args(["--json", "image", "generate", "--prompt", "x"]),
    )
    .expect_code(0)
    .json();
    let id = created["task_id"].as_str().unwrap();
    for args in [
        vec!["task", "get", "generations", id],
        vec!["task", "list", "generations"],
        // Never done: progress lines until the maximum wait.
        vec!["task", "wait", "generations", id, "--max-wait", "1"],
    ] {
        let run = Run::of(server.kling().args(&args));
        assert!(run.code == 0 || run.code == 5, "{run:#?}");
        assert_inert(&run.stdout, &format!("{args:?} stdout"));
        assert_inert(&run.stderr, &format!("{args:?} stderr"));
        assert!(
            run.all().contains(r"bad\u{1b}[2J\u{7}"),
            "{args:?}: {run:#?}"
        );
    }
}
