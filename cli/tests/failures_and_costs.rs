//! Why a task failed (its category and Kling's words, exit 4), what a task cost
//! (`final_unit_deduction`, `final_balance_deduction`), and the account's resource packs
//! (`kling account costs`), in human and `--json` form.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use nicerouter_kling_mock::{Fault, Match};
use serde_json::{Value, json};
use support::{Run, Server, kling};

const CREATE_AND_WAIT: [&str; 5] = ["video", "text2video", "--prompt", "x", "--wait"];

/// A server whose every task fails with `message` as its `task_status_msg`.
fn failing(message: &str) -> Server {
    let message = message.to_owned();
    Server::with(move |b| b.fault(Match::creates(), Fault::TaskFails(message)))
}

/// Creates and waits for a task on `server`, expecting exit 4 in human and `--json` form;
/// returns the human error line, the JSON error object and the failed task's id.
fn fails_with_4(server: &Server) -> (String, Value, String) {
    let human = Run::of(server.kling().args(CREATE_AND_WAIT)).expect_code(4);
    assert!(human.stdout.is_empty(), "errors go to stderr: {human:#?}");
    let line = human.error_line().to_owned();
    let json = Run::of(server.kling().arg("--json").args(CREATE_AND_WAIT)).expect_code(4);
    let error = json.json_error();
    assert_eq!(error["kind"], "task_failed", "{error}");
    let id = error["task_id"].as_str().unwrap().to_owned();
    (line, error, id)
}

#[test]
fn a_moderation_failure_exits_4_with_its_category_and_words() {
    let words = "Failure to pass the risk control system";
    let server = failing(words);
    let (line, error, id) = fails_with_4(&server);
    assert!(line.contains("failed (moderation)"), "{line}");
    assert!(line.contains(words), "Kling's words are kept: {line}");
    assert!(line.contains("change the prompt or the media"), "{line}");
    assert_eq!(
        error["failure"],
        json!({"category": "moderation", "reason": words}),
        "{error}"
    );
    assert!(
        error["message"].as_str().unwrap().contains(words),
        "{error}"
    );

    // The task, looked at later, says the same: the category and the words.
    let get = Run::of(server.kling().args(["task", "get", "text2video", &id])).expect_code(0);
    assert!(get.stdout.contains("  failure: moderation\n"), "{get:#?}");
    assert!(
        get.stdout.contains(&format!("  message: {words}")),
        "{get:#?}"
    );
    let doc = Run::of(
        server
            .kling()
            .args(["--json", "task", "get", "text2video", &id]),
    )
    .expect_code(0)
    .json();
    assert_eq!(
        doc["failure"],
        json!({"category": "moderation", "reason": words})
    );
    assert_eq!(doc["status_message"], words);
    // A failed task reports no deduction here, so none is shown.
    assert!(doc.get("final_unit_deduction").is_none(), "{doc}");
}

#[test]
fn a_capacity_failure_is_told_apart_from_a_refusal() {
    let words = "parallel task over resource pack limit";
    let server = failing(words);
    let (line, error, _) = fails_with_4(&server);
    assert!(line.contains("failed (capacity)"), "{line}");
    assert!(line.contains("again later"), "{line}");
    assert_eq!(error["failure"]["category"], "capacity");
    assert_eq!(error["failure"]["reason"], words);
}

#[test]
fn invalid_input_and_unknown_failures_keep_their_words() {
    let server = failing("Image pixel is invalid");
    let (line, error, _) = fails_with_4(&server);
    assert!(
        line.contains("failed (invalid_input): Image pixel is invalid"),
        "{line}"
    );
    assert_eq!(error["failure"]["category"], "invalid_input");

    let server = failing("the moon is in the wrong phase");
    let (line, error, _) = fails_with_4(&server);
    assert!(
        line.contains("failed (unknown): the moon is in the wrong phase"),
        "{line}"
    );
    assert_eq!(
        error["failure"],
        json!({"category": "unknown", "reason": "the moon is in the wrong phase"})
    );
}

#[test]
fn deductions_are_shown_in_human_and_json() {
    let server = Server::start();
    let human = Run::of(server.kling().args(CREATE_AND_WAIT)).expect_code(0);
    assert!(human.stdout.contains("  units deducted: 1\n"), "{human:#?}");
    assert!(
        human
            .stdout
            .contains("  balance deducted: 0.35 (list price 0.49)\n"),
        "{human:#?}"
    );
    assert!(!human.stdout.contains("failure:"), "{human:#?}");

    let doc = Run::of(server.kling().arg("--json").args(CREATE_AND_WAIT))
        .expect_code(0)
        .json();
    assert_eq!(doc["final_unit_deduction"], "1", "{doc}");
    assert_eq!(
        doc["final_balance_deduction"],
        json!({"quota": "0.35", "list_price": "0.49"}),
        "{doc}"
    );
    assert!(doc.get("failure").is_none(), "{doc}");

    let id = doc["task_id"].as_str().unwrap();
    let get = Run::of(
        server
            .kling()
            .args(["--json", "task", "get", "text2video", id]),
    )
    .expect_code(0)
    .json();
    assert_eq!(get["final_unit_deduction"], "1");
    assert_eq!(get["final_balance_deduction"]["quota"], "0.35");
    let get = Run::of(server.kling().args(["task", "get", "text2video", id])).expect_code(0);
    assert!(get.stdout.contains("  units deducted: 1\n"), "{get:#?}");
}

const COSTS: [&str; 6] = [
    "account",
    "costs",
    "--start-time",
    "1726000000000",
    "--end-time",
    "1728000000000",
];

#[test]
fn account_costs_is_a_table_of_resource_packs() {
    let run = Run::of(kling().arg("--mock").args(COSTS)).expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("NAME"))
        .unwrap_or_else(|| panic!("a header; {run:#?}"));
    let columns: Vec<&str> = lines[header].split_whitespace().collect();
    assert_eq!(
        columns,
        ["NAME", "REMAINING", "TOTAL", "STATUS", "EXPIRES"],
        "{run:#?}"
    );
    // The spec's example pack: 118 of 200 left, expired on 2024-09-26 (UTC).
    let row = lines[header + 1];
    assert!(
        row.starts_with("Video Generation - 10,000 entries"),
        "{row}"
    );
    let rest: Vec<&str> = row["Video Generation - 10,000 entries".len()..]
        .split_whitespace()
        .collect();
    assert_eq!(rest, ["118", "200", "expired", "2024-09-26"], "{row}");
    // The columns line up under the header.
    assert_eq!(row.find("118"), lines[header].find("REMAINING"), "{run:#?}");
    assert!(!run.stdout.contains('{'), "not JSON: {run:#?}");
}

#[test]
fn account_costs_json_keeps_the_document() {
    let doc = Run::of(kling().args(["--mock", "--json"]).args(COSTS))
        .expect_code(0)
        .json();
    assert_eq!(doc["code"], 0, "{doc}");
    assert_eq!(doc["msg"], "success", "{doc}");
    let pack = &doc["resource_pack_subscribe_infos"][0];
    assert_eq!(
        pack["resource_pack_name"],
        "Video Generation - 10,000 entries"
    );
    assert_eq!(pack["remaining_quantity"], 118.0);
    assert_eq!(pack["total_quantity"], 200.0);
    assert_eq!(pack["status"], "expired");
    assert_eq!(pack["invalid_time"], 1_727_366_400_000_i64);
}
