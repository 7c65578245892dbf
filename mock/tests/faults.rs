//! Every fault kind, as a reqwest client sees it; rules, the header, and the journal.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use nicerouter_kling_mock::{FAULT_HEADER, Fault, Match, MockServer, OperationRole, Timing};
use serde_json::{Value, json};

fn create_request(server: &MockServer) -> reqwest::RequestBuilder {
    let create = create_of("text2video");
    http()
        .post(url(server, &create, ""))
        .bearer_auth(server.api_key())
        .json(&body_without_external_id(&create))
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn rate_limits_answer_429_with_klings_codes_and_create_nothing() {
    let server = MockServer::start().await.unwrap();
    let cases = [(1302, None), (1303, Some(3)), (1102, None)];
    for (code, retry_after) in cases {
        server
            .faults()
            .once(Match::creates(), Fault::RateLimited { code, retry_after });
        let response = create_request(&server).send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
            retry_after.map(|s| s.to_string())
        );
        let (status, json) = json_of(response).await;
        assert_eq!(
            (status, json["code"].as_u64()),
            (429, Some(u64::from(code)))
        );
        assert_matches_spec("create_text2video", status, &json);
    }
    assert_eq!(
        server.tasks_created(),
        0,
        "a rate-limited create is not enqueued"
    );
    let (status, _) = json_of(create_request(&server).send().await.unwrap()).await;
    assert_eq!(status, 200, "the queue is used up");
    let faults: Vec<Option<String>> = server.journal().into_iter().map(|e| e.fault).collect();
    assert_eq!(
        faults,
        [
            Some("rate-limited:1302".into()),
            Some("rate-limited:1303:3".into()),
            Some("rate-limited:1102".into()),
            None
        ]
    );
}

#[tokio::test]
async fn server_errors_answer_5xx_with_codes_5000_to_5002() {
    let server = MockServer::start().await.unwrap();
    for (status, code) in [(500, 5000), (503, 5001), (504, 5002)] {
        server
            .faults()
            .once(Match::any(), Fault::server_error(status));
        let (got, json) = json_of(create_request(&server).send().await.unwrap()).await;
        assert_eq!((got, json["code"].as_u64()), (status, Some(code)));
        assert_matches_spec("create_text2video", got, &json);
    }
    server.faults().once(
        Match::polls(),
        Fault::ServerError {
            status: 503,
            code: 5001,
            retry_after: Some(1),
        },
    );
    let response = http()
        .get(format!(
            "{}/v1/videos/text2video/1",
            server.nicerouter_base_url()
        ))
        .bearer_auth(server.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(server.tasks_created(), 0);
}

#[tokio::test]
async fn a_dropped_create_is_a_connection_error_but_the_task_exists() {
    let server = MockServer::start().await.unwrap();
    server.faults().once(
        Match::operation("create_text2video"),
        Fault::DropAfterCreate,
    );
    let error = create_request(&server).send().await.unwrap_err();
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "a transport error: {error:?}"
    );
    assert_eq!(server.tasks_created(), 1, "the create took effect");
    let entry = server.journal().pop().unwrap();
    assert_eq!(entry.status, None);
    assert_eq!(entry.fault.as_deref(), Some("drop-after-create"));
    assert_eq!(
        entry.created_task.as_deref(),
        Some(server.created_tasks()[0].task_id.as_str())
    );

    // Dropping without effect.
    server
        .faults()
        .once(Match::creates(), Fault::DropConnection);
    assert!(create_request(&server).send().await.is_err());
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn a_late_create_answer_times_out_the_client_but_the_task_exists() {
    let server = MockServer::start().await.unwrap();
    server.faults().once(
        Match::creates(),
        Fault::DelayAfterCreate(Duration::from_secs(30)),
    );
    let error = create_request(&server)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(server.tasks_created(), 1);
    // A patient client gets the answer.
    server.faults().once(
        Match::creates(),
        Fault::DelayAfterCreate(Duration::from_millis(50)),
    );
    let started = Instant::now();
    let (status, _) = json_of(create_request(&server).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn malformed_and_truncated_json_do_not_parse() {
    let server = MockServer::start().await.unwrap();
    for fault in [Fault::MalformedJson, Fault::TruncatedJson] {
        server.faults().once(Match::creates(), fault.clone());
        let response = create_request(&server).send().await.unwrap();
        assert_eq!(response.status(), 200, "{fault}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let text = response.text().await.unwrap();
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "{fault}: {text}"
        );
        assert!(text.starts_with("{\""), "{fault}: {text}");
    }
    assert_eq!(server.tasks_created(), 2, "the creates took effect");
}

#[tokio::test]
async fn a_proxy_html_page_is_text_html() {
    let server = MockServer::start().await.unwrap();
    server
        .faults()
        .once(Match::any(), Fault::HtmlErrorPage { status: 502 });
    let response = create_request(&server).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    assert_eq!(server.tasks_created(), 0);
}

#[tokio::test]
async fn unknown_statuses_and_extra_fields_still_match_the_spec() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let id = create(&server, "text2video").await;
    server
        .faults()
        .once(Match::polls(), Fault::UnknownStatus("queued".into()));
    let (_, json) = call(&server, &op("get_text2video"), &id, None).await;
    assert_eq!(json["data"]["task_status"], "queued");
    assert!(json["data"].get("task_result").is_none());

    server
        .faults()
        .push(Match::kind("text2video"), Fault::ExtraFields, 2);
    let (_, json) = call(&server, &op("get_text2video"), &id, None).await;
    assert_eq!(json["data"]["task_status"], "succeed");
    assert_eq!(json["data"]["progress"], "50%");
    assert!(json.get("trace_id").is_some());
    let (_, json) = call(&server, &op("list_text2video"), "", None).await;
    assert_eq!(json["data"][0]["progress"], "50%");
    let (_, json) = call(&server, &op("list_text2video"), "", None).await;
    assert!(json["data"][0].get("progress").is_none(), "used up");
}

#[tokio::test]
async fn a_download_cut_off_mid_body_fails_the_client() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .media_size(100_000)
        .start()
        .await
        .unwrap();
    let id = create(&server, "text2video").await;
    let (_, json) = call(&server, &op("get_text2video"), &id, None).await;
    let url = json["data"]["task_result"]["videos"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .faults()
        .once(Match::media(), Fault::TruncatedDownload);
    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(100_000));
    let error = response.bytes().await.unwrap_err();
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    // The next download is whole.
    assert_eq!(
        http()
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len(),
        100_000
    );
}

#[tokio::test]
async fn a_slow_server_answers_late() {
    let server = MockServer::builder()
        .fault(Match::any(), Fault::Latency(Duration::from_millis(120)))
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let (status, _) = json_of(create_request(&server).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));
    assert_eq!(server.faults().pending(), 1, "a scenario never runs out");
    server.faults().clear();
    assert_eq!(server.faults().pending(), 0);
}

#[tokio::test]
async fn the_header_asks_for_faults_per_request() {
    let server = MockServer::start().await.unwrap();
    let (status, json) = json_of(
        create_request(&server)
            .header(FAULT_HEADER, "rate-limited:1303:2")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, json["code"].as_u64()), (429, Some(1303)));
    let response = create_request(&server)
        .header(FAULT_HEADER, "latency:30, html-error:503")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        create_request(&server)
            .header(FAULT_HEADER, "drop-after-create")
            .send()
            .await
            .is_err()
    );
    assert_eq!(server.tasks_created(), 1);
    let (status, json) = json_of(
        create_request(&server)
            .header(FAULT_HEADER, "explode")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, json["code"].as_u64()), (400, Some(1201)));
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("unknown fault `explode`"),
        "{json}"
    );
    let faults: Vec<Option<String>> = server.journal().into_iter().map(|e| e.fault).collect();
    assert_eq!(faults[1].as_deref(), Some("latency:30, html-error:503"));
}

#[tokio::test]
async fn rules_match_by_operation_kind_and_role() {
    let server = MockServer::start().await.unwrap();
    server.faults().always(
        Match::kind("generations").and_role(OperationRole::Create),
        Fault::rate_limited(),
    );
    server.faults().once(
        Match::operation("list_text2video"),
        Fault::server_error(500),
    );
    let (status, _) = call(&server, &op("list_image_generation"), "", None).await;
    assert_eq!(status, 200, "lists of the kind are untouched");
    let create_op = create_of("generations");
    let (status, _) = call(
        &server,
        &create_op,
        "",
        Some(&body_without_external_id(&create_op)),
    )
    .await;
    assert_eq!(status, 429);
    let (status, _) = call(&server, &op("list_text2video"), "", None).await;
    assert_eq!(status, 500);
    create(&server, "text2video").await;
}

#[tokio::test]
async fn faults_are_not_used_up_by_unauthenticated_requests() {
    let server = MockServer::start().await.unwrap();
    server
        .faults()
        .once(Match::creates(), Fault::rate_limited());
    let response = http()
        .post(format!(
            "{}/v1/videos/text2video",
            server.nicerouter_base_url()
        ))
        .json(&json!({"prompt": "p"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(server.faults().pending(), 1);
}

#[tokio::test]
async fn the_journal_redacts_keys_and_records_bodies() {
    let server = MockServer::builder()
        .api_key("sk-very-secret")
        .start()
        .await
        .unwrap();
    create(&server, "text2video").await;
    let _ = http()
        .get(format!(
            "{}/v1/videos/text2video",
            server.nicerouter_base_url()
        ))
        .bearer_auth("sk-wrong-secret")
        .query(&[("pageSize", "5")])
        .send()
        .await
        .unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    let dump = format!("{journal:?}");
    assert!(
        !dump.contains("very-secret") && !dump.contains("wrong-secret"),
        "{dump}"
    );
    assert_eq!(
        journal[0].authorization.as_deref(),
        Some("Bearer <redacted>")
    );
    assert_eq!(journal[0].method, "POST");
    assert_eq!(journal[0].path, "/kling/v1/videos/text2video");
    assert_eq!(
        journal[0].body.as_ref().unwrap()["prompt"],
        body_without_external_id(&create_of("text2video"))["prompt"]
    );
    assert_eq!(journal[0].status, Some(200));
    assert_eq!(journal[1].query, [("pageSize".to_owned(), "5".to_owned())]);
    assert_eq!(journal[1].status, Some(401));
    assert_eq!(server.requests_to("list_text2video").len(), 1);
    assert!(!format!("{server:?}").contains("very-secret"));
    server.clear_journal();
    assert!(server.journal().is_empty());
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn shutdown_stops_the_server_and_drop_does_too() {
    let server = MockServer::start().await.unwrap();
    let base = server.nicerouter_base_url();
    create(&server, "text2video").await;
    server.shutdown().await;
    assert!(
        http()
            .get(format!("{base}/v1/videos/text2video"))
            .send()
            .await
            .is_err()
    );

    let server = MockServer::start().await.unwrap();
    let base = server.nicerouter_base_url();
    drop(server);
    assert!(
        http()
            .get(format!("{base}/v1/videos/text2video"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn only_loopback_addresses_are_allowed() {
    let error = MockServer::builder()
        .host("0.0.0.0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("loopback"), "{error}");
}
