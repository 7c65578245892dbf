//! `kling doctor` against the simulated server: healthy, playing a relay that forwards only
//! some routes, behind a base URL with a doubled or a missing `/kling`, with a wrong key or
//! none, and with the official key pair (whose JWTs depend on the clock).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use nicerouter_kling_mock::NotFoundPage;
use serde_json::Value;
use support::{API_KEY, Run, Server, kling};

/// Every kind's route and list, plus credentials, base URL and clock.
const ROWS: usize = 3 + 2 * 21;

fn checks(doc: &Value) -> Vec<(String, String, String)> {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap().to_owned();
            (field("check"), field("result"), field("detail"))
        })
        .collect()
}

fn check<'a>(rows: &'a [(String, String, String)], name: &str) -> &'a (String, String, String) {
    rows.iter()
        .find(|(c, _, _)| c == name)
        .unwrap_or_else(|| panic!("no check {name}: {rows:#?}"))
}

/// Only free calls: every request the doctor sent was a GET.
fn only_gets(server: &Server) {
    let journal = server.api_requests();
    assert!(!journal.is_empty());
    assert!(journal.iter().all(|e| e.method == "GET"), "{journal:#?}");
    assert_eq!(server.mock.tasks_created(), 0);
}

#[test]
fn a_healthy_mock_passes_every_check() {
    let server = Server::start();
    let run = Run::of(server.kling().args(["doctor", "--json"])).expect_code(0);
    let doc = run.json();
    assert_eq!(doc["ok"], true, "{doc:#}");
    let rows = checks(&doc);
    assert_eq!(rows.len(), ROWS);
    assert_eq!(doc["summary"]["fail"], 0);
    assert_eq!(check(&rows, "credentials").1, "pass");
    assert!(
        check(&rows, "credentials")
            .2
            .contains("NiceRouter key accepted")
    );
    assert_eq!(check(&rows, "base_url").1, "pass");
    assert_eq!(
        check(&rows, "clock").1,
        "skip",
        "a static key does not care"
    );
    let route = check(&rows, "route /v1/videos/text2video");
    assert_eq!(route.1, "pass");
    assert!(
        route.2.contains("400") && route.2.contains("1201"),
        "{route:?}"
    );
    assert_eq!(check(&rows, "list /v1/images/generations").1, "pass");
    assert!(!run.all().contains(API_KEY), "the key is never printed");
    only_gets(&server);
}

#[test]
fn a_relay_forwarding_some_routes_is_mapped_route_by_route() {
    let server = Server::with(|b| {
        b.forward_only(&["videos/text2video", "videos/image2video"])
            .forward_lists(false)
            .not_found_page(NotFoundPage::Json)
    });
    let run = Run::of(server.kling().args(["doctor", "--json"])).expect_code(1);
    let doc = run.json();
    assert_eq!(doc["ok"], false);
    let rows = checks(&doc);
    assert_eq!(rows.len(), ROWS);
    assert_eq!(check(&rows, "credentials").1, "pass");
    assert!(check(&rows, "credentials").2.contains("2 of 21 routes"));
    assert_eq!(check(&rows, "base_url").1, "pass");
    for forwarded in ["/v1/videos/text2video", "/v1/videos/image2video"] {
        assert_eq!(check(&rows, &format!("route {forwarded}")).1, "pass");
        let list = check(&rows, &format!("list {forwarded}"));
        assert_eq!(list.1, "fail", "lists are not forwarded: {list:?}");
        assert!(list.2.contains("404"), "{list:?}");
    }
    let refused = check(&rows, "route /v1/images/generations");
    assert_eq!(refused.1, "fail");
    assert!(
        refused.2.starts_with("not forwarded (404 Not Found"),
        "{refused:?}"
    );
    assert_eq!(
        check(&rows, "list /v1/images/generations").1,
        "skip",
        "no list where the route is not forwarded"
    );
    let failed = rows.iter().filter(|(_, r, _)| r == "fail").count();
    assert_eq!(doc["summary"]["fail"], failed);
    assert_eq!(failed, 19 + 2);
    only_gets(&server);
}

#[test]
fn the_table_shows_each_check_its_result_and_why() {
    let server = Server::with(|b| b.forward_only(&["videos"]));
    let run = Run::of(server.kling().arg("doctor")).expect_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("CHECK"), "{}", run.stdout);
    assert!(lines[0].contains("RESULT") && lines[0].contains("DETAIL"));
    let row = |name: &str| {
        *lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row {name}: {}", run.stdout))
    };
    assert!(row("route /v1/videos/omni-video").contains(" pass "));
    let page = row("route /v1/images/generations");
    assert!(
        page.contains(" FAIL ") && page.contains("text/html"),
        "{page}"
    );
    assert!(row("list /v1/videos/effects").contains(" pass "));
    let summary = lines.last().unwrap();
    assert!(summary.ends_with(" failed, 11 skipped"), "{summary}");
    assert_eq!(lines.len(), 1 + ROWS + 1);
}

#[test]
fn a_doubled_kling_is_found_and_the_fix_named() {
    let server = Server::start();
    let origin = server.mock.base_url();
    let doubled = format!("{origin}/kling/kling");
    let run = Run::of(
        kling()
            .args(["--base-url", &doubled, "--api-key", API_KEY])
            .args(["doctor", "--json"]),
    )
    .expect_code(1);
    let rows = checks(&run.json());
    let base = check(&rows, "base_url");
    assert_eq!(base.1, "fail");
    assert!(base.2.contains("one /kling too many"), "{base:?}");
    assert!(
        base.2.contains(&format!("pass --base-url {origin} ")),
        "{base:?}"
    );
    assert_eq!(check(&rows, "route /v1/videos/text2video").1, "fail");
}

#[test]
fn a_missing_kling_is_found_and_the_fix_named() {
    // A relay serves Kling under /kling only; the key was given as if it were official.
    let server = Server::with(|b| b.forward_only(&["videos", "images"]));
    let origin = server.mock.base_url();
    let run = Run::of(
        kling()
            .env_remove("KLING_API_KEY")
            .args(["--base-url", &origin, "--kling-api-key", API_KEY])
            .args(["doctor", "--json"]),
    )
    .expect_code(1);
    let rows = checks(&run.json());
    let base = check(&rows, "base_url");
    assert_eq!(base.1, "fail");
    assert!(base.2.contains("lacks /kling"), "{base:?}");
    assert!(
        base.2.contains(&format!("pass --base-url {origin}/kling")),
        "{base:?}"
    );
}

#[test]
fn a_refused_key_fails_the_credentials_check() {
    let server = Server::start();
    let run = Run::of(
        kling()
            .args([
                "--base-url",
                &server.mock.base_url(),
                "--api-key",
                "sk-wrong",
            ])
            .args(["doctor", "--json"]),
    )
    .expect_code(1);
    let rows = checks(&run.json());
    let credentials = check(&rows, "credentials");
    assert_eq!(credentials.1, "fail");
    assert!(
        credentials.2.contains("refused: 401") && credentials.2.contains("code 100"),
        "{credentials:?}"
    );
    assert_eq!(check(&rows, "base_url").1, "skip");
    assert!(!run.all().contains("sk-wrong"), "the key is never printed");
}

#[test]
fn no_key_at_all_is_a_failed_check_not_a_usage_error() {
    let run = Run::of(
        kling()
            .env_remove("KLING_API_KEY")
            .args(["doctor", "--json"]),
    )
    .expect_code(1);
    let doc = run.json();
    let rows = checks(&doc);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "credentials");
    assert_eq!(rows[0].1, "fail");
    assert!(rows[0].2.contains("no credentials"), "{rows:?}");
}

#[test]
fn the_clock_is_checked_for_jwts() {
    let server = Server::start();
    let run = Run::of(server.official().args(["doctor", "--json"])).expect_code(0);
    let rows = checks(&run.json());
    let clock = check(&rows, "clock");
    assert_eq!(clock.1, "pass", "{clock:?}");
    assert!(clock.2.contains("JWTs are valid"), "{clock:?}");
    assert!(check(&rows, "credentials").2.contains("JWT"));
}

#[test]
fn help_documents_the_checks_and_exit_codes() {
    let run = Run::of(kling().args(["doctor", "--help"])).expect_code(0);
    for words in [
        "free calls only",
        "credentials",
        "base_url",
        "clock",
        "route PATH",
        "list PATH",
        "0  every check passed",
        "1  a check failed",
    ] {
        assert!(run.stdout.contains(words), "{words}: {}", run.stdout);
    }
}
