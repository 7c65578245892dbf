//! The create path: automatic `external_task_id`, retries only when nothing was created, and
//! lookup-before-resend when the outcome is unknown. Every test counts the tasks the server
//! created for one logical request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::time::Duration;

use core_support::{Reply, ScriptServer, client, mock, script_client, task_json};
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::{ImageGenerationRequest, Text2VideoRequest};
use nicerouter_kling::{Backend, CreateOutcome, Error, Kind, KlingCode, TransportErrorKind};
use nicerouter_kling_mock::{Fault, Match, MockServer};
use serde_json::{Value, json};

fn t2v_json(extra: Value) -> Value {
    let mut body = json!({"prompt": "a cat playing the piano", "model_name": "kling-v2-5-turbo", "duration": "10"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

fn t2v(extra: Value) -> Text2VideoRequest {
    serde_json::from_value(t2v_json(extra)).unwrap()
}

fn create_bodies(server: &MockServer) -> Vec<Value> {
    server
        .requests_to("create_text2video")
        .into_iter()
        .filter_map(|e| e.body)
        .collect()
}

fn external_ids(server: &MockServer) -> Vec<String> {
    create_bodies(server)
        .iter()
        .map(|b| {
            b["external_task_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_raw_body_that_breaks_a_rule_is_refused_before_anything_is_sent() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    // Each breaks a rule checked before sending, given as JSON (`create_json`) and, where the
    // generated type can hold it, as the typed body (`create`).
    let cases = [
        (json!({"cfg_scale": 1.5}), "cfg_scale"),
        (json!({"prompt": "   "}), "prompt"),
        (
            json!({"callback_url": "ftp://example.com/hook"}),
            "callback_url",
        ),
        (
            json!({"camera_control": {"type": "simple", "config": {"zoom": 5, "pan": 3}}}),
            "camera_control.config",
        ),
    ];
    let mut refused = 0;
    for (extra, field) in cases {
        let body = t2v_json(extra.clone());
        let mut errors = vec![
            client
                .create_json(Kind::TextToVideo, body.clone())
                .await
                .unwrap_err(),
        ];
        let typed = serde_json::from_value::<Text2VideoRequest>(body).unwrap();
        errors.push(client.create(typed).await.unwrap_err());
        for error in errors {
            match &error {
                Error::Validation(v) => assert_eq!(v.field, field, "{extra}: {error}"),
                other => panic!("{extra}: expected a validation error, got {other:?}"),
            }
            assert_eq!(
                error.create_outcome(),
                None,
                "nothing was sent, so no create outcome"
            );
            refused += 1;
        }
    }
    assert_eq!(refused, 8);
    assert!(server.journal().is_empty(), "{:?}", server.journal());
    assert_eq!(server.tasks_created(), 0);
}

#[tokio::test]
async fn every_create_gets_an_external_task_id_and_a_full_handle() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(t2v(json!({}))).await.unwrap();
    let ext = handle.external_task_id.clone().unwrap();
    assert!(ext.starts_with("nrk-") && ext.len() == 36, "{ext}");
    assert_eq!(external_ids(&server), vec![ext.clone()]);
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(handle.kind, Kind::TextToVideo);
    assert_eq!(handle.backend, Some(Backend::NiceRouter));
    assert_eq!(handle.base_url.as_deref(), Some(client.base_url()));
    assert!(handle.created_at().is_some());
    assert_eq!(handle.status(), Some(nicerouter_kling::Status::Submitted));
    assert_eq!(
        handle
            .task_status
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("submitted")
    );
    let summary = handle.request.clone().unwrap();
    assert_eq!(summary.model_name.as_deref(), Some("kling-v2-5-turbo"));
    assert_eq!(summary.duration.as_deref(), Some("10"));
    assert_eq!(summary.prompt.as_deref(), Some("a cat playing the piano"));

    let second = client.create(t2v(json!({}))).await.unwrap();
    assert_ne!(
        second.external_task_id, handle.external_task_id,
        "a fresh id per logical request"
    );
}

#[tokio::test]
async fn an_empty_external_task_id_means_none_and_one_is_made() {
    let server = mock().await;
    let clock = ManualClock::new();
    let handle = client(&server, &clock)
        .create(t2v(json!({"external_task_id": ""})))
        .await
        .unwrap();
    let ext = handle.external_task_id.unwrap();
    assert!(ext.starts_with("nrk-"), "{ext}");
    assert_eq!(external_ids(&server), vec![ext]);
}

#[tokio::test]
async fn the_callers_external_task_id_is_kept() {
    let server = mock().await;
    let clock = ManualClock::new();
    let handle = client(&server, &clock)
        .create(t2v(json!({"external_task_id": "my-app-1"})))
        .await
        .unwrap();
    assert_eq!(handle.external_task_id.as_deref(), Some("my-app-1"));
    assert_eq!(external_ids(&server), vec!["my-app-1"]);
}

#[tokio::test]
async fn other_kinds_use_their_own_path() {
    let server = mock().await;
    let clock = ManualClock::new();
    let body: ImageGenerationRequest =
        serde_json::from_value(json!({"prompt": "a red fox", "n": 2})).unwrap();
    let handle = client(&server, &clock).create(body).await.unwrap();
    assert_eq!(handle.kind, Kind::ImageGeneration);
    assert_eq!(server.requests_to("create_image_generation").len(), 1);
}

#[tokio::test]
async fn concurrency_limit_is_retried_with_the_same_id_and_the_same_bytes() {
    let server = mock().await;
    let clock = ManualClock::new();
    server.faults().push(
        Match::creates(),
        Fault::RateLimited {
            code: 1303,
            retry_after: Some(3),
        },
        2,
    );
    let handle = client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    let bodies = create_bodies(&server);
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "identical bodies on retry"
    );
    assert_eq!(
        bodies[0]["external_task_id"],
        handle.external_task_id.clone().unwrap().as_str()
    );
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(3), Duration::from_secs(3)]
    );
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn rate_limit_exhausting_retries_is_certainly_not_created() {
    let server = mock().await;
    let clock = ManualClock::new();
    server
        .faults()
        .always(Match::creates(), Fault::rate_limited());
    let error = client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::NotCreated));
    assert_eq!(error.code(), Some(&KlingCode::RateLimited));
    assert!(error.is_retryable(), "safe to send again later");
    assert_eq!(create_bodies(&server).len(), 4);
    assert_eq!(server.tasks_created(), 0);
    assert!(
        server.requests_to("get_text2video").is_empty(),
        "no lookup when nothing was created"
    );
}

#[tokio::test]
async fn balance_exhausted_stops_at_once() {
    let server = mock().await;
    let clock = ManualClock::new();
    server.faults().always(
        Match::creates(),
        Fault::RateLimited {
            code: 1102,
            retry_after: None,
        },
    );
    let error = client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::NotCreated));
    assert_eq!(error.code(), Some(&KlingCode::ResourcePackExhausted));
    assert!(!error.is_retryable());
    assert_eq!(create_bodies(&server).len(), 1);
    assert!(clock.sleeps().is_empty());
    assert!(error.to_string().contains("not created"), "{error}");
}

#[tokio::test]
async fn a_dropped_create_response_is_answered_by_a_lookup_with_exactly_one_task() {
    let server = mock().await;
    let clock = ManualClock::new();
    server
        .faults()
        .once(Match::creates(), Fault::DropAfterCreate);
    let handle = client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(create_bodies(&server).len(), 1, "no second POST");
    let created = server.created_tasks();
    assert_eq!(handle.task_id, created[0].task_id);
    let lookups = server.requests_to("get_text2video");
    assert_eq!(lookups.len(), 1);
    assert!(
        lookups[0]
            .path
            .ends_with(handle.external_task_id.as_deref().unwrap())
    );
}

#[tokio::test]
async fn a_create_answered_after_the_timeout_is_found_by_lookup() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .timeout(Duration::from_millis(200))
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    server.faults().once(
        Match::creates(),
        Fault::DelayAfterCreate(Duration::from_millis(600)),
    );
    let handle = client.create(t2v(json!({}))).await.unwrap();
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(create_bodies(&server).len(), 1);
    assert_eq!(handle.task_id, server.created_tasks()[0].task_id);
}

#[tokio::test]
async fn server_errors_on_create_look_up_then_resend_with_the_same_id() {
    for status in [500, 503, 504] {
        let server = mock().await;
        let clock = ManualClock::new();
        server
            .faults()
            .once(Match::creates(), Fault::server_error(status));
        let handle = client(&server, &clock)
            .create(t2v(json!({})))
            .await
            .unwrap();
        assert_eq!(server.tasks_created(), 1, "status {status}");
        let ids = external_ids(&server);
        assert_eq!(
            ids.len(),
            2,
            "one resend after a not-found lookup ({status})"
        );
        assert_eq!(ids[0], ids[1]);
        assert_eq!(
            server.requests_to("get_text2video").len(),
            1,
            "lookup before resend"
        );
        assert_eq!(handle.external_task_id.as_deref(), Some(ids[0].as_str()));
    }
}

#[tokio::test]
async fn unreadable_success_answers_are_settled_by_lookup() {
    for fault in [Fault::MalformedJson, Fault::TruncatedJson] {
        let server = mock().await;
        let clock = ManualClock::new();
        server.faults().once(Match::creates(), fault.clone());
        let handle = client(&server, &clock)
            .create(t2v(json!({})))
            .await
            .unwrap();
        assert_eq!(server.tasks_created(), 1, "{fault}");
        assert_eq!(create_bodies(&server).len(), 1, "{fault}");
        assert_eq!(handle.task_id, server.created_tasks()[0].task_id);
    }
}

#[tokio::test]
async fn a_proxy_html_page_on_create_is_settled_by_lookup() {
    let server = mock().await;
    let clock = ManualClock::new();
    server
        .faults()
        .once(Match::creates(), Fault::HtmlErrorPage { status: 502 });
    client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(server.requests_to("get_text2video").len(), 1);
}

#[tokio::test]
async fn a_connection_dropped_before_handling_is_looked_up_then_resent() {
    let server = mock().await;
    let clock = ManualClock::new();
    server
        .faults()
        .once(Match::creates(), Fault::DropConnection);
    client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(create_bodies(&server).len(), 2);
}

#[tokio::test]
async fn a_failed_lookup_reports_may_exist_with_the_id_and_never_resends() {
    let server = mock().await;
    let clock = ManualClock::new();
    server
        .faults()
        .once(Match::creates(), Fault::DropAfterCreate);
    server
        .faults()
        .always(Match::polls(), Fault::server_error(503));
    let error = client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::MayExist));
    assert!(!error.is_retryable(), "must be looked up, not resent");
    let ext = error.external_task_id().unwrap().to_owned();
    assert!(error.to_string().contains(&ext), "{error}");
    let Error::Create(create) = &error else {
        panic!("{error:?}")
    };
    assert!(create.lookup_error.is_some());
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(create_bodies(&server).len(), 1);

    // Later, the caller looks it up by the id from the error.
    server.faults().clear();
    let task = client(&server, &clock)
        .find_by_external_id(Kind::TextToVideo, &ext)
        .await
        .unwrap();
    assert_eq!(task.unwrap().id(), server.created_tasks()[0].task_id);
}

#[tokio::test]
async fn without_an_external_id_a_lost_answer_is_reported_not_resent() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .auto_external_task_id(false)
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    server
        .faults()
        .once(Match::creates(), Fault::DropAfterCreate);
    let error = client.create(t2v(json!({}))).await.unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::MayExist));
    assert_eq!(error.external_task_id(), None);
    assert_eq!(create_bodies(&server).len(), 1);
    assert!(create_bodies(&server)[0].get("external_task_id").is_none());
    assert!(server.requests_to("get_text2video").is_empty());
}

#[tokio::test]
async fn a_resend_rejected_as_duplicate_is_looked_up_again() {
    // POST → 500 (the task was in fact created, but the lookup index lags);
    // lookup → not found; POST again → "external_task_id already exists"; lookup → found.
    let server = ScriptServer::start(|i, seen| match (i, seen.method.as_str()) {
        (0, "POST") => Reply::json(500, r#"{"code":5000,"message":"internal"}"#),
        (1, "GET") => Reply::json(
            400,
            r#"{"code":1201,"message":"Task not found by id/external id"}"#,
        ),
        (2, "POST") => Reply::json(
            400,
            r#"{"code":1201,"message":"external_task_id already exists"}"#,
        ),
        (3, "GET") => Reply::json(200, &task_json("77", "submitted")),
        _ => Reply::json(418, r#"{"code":1,"message":"unexpected"}"#),
    })
    .await;
    let clock = ManualClock::new();
    let handle = script_client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    assert_eq!(handle.task_id, "77");
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].body, seen[2].body, "the resend carries the same id");
}

#[tokio::test]
async fn connection_refused_on_create_is_not_created_and_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .api_key("sk")
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client.create(t2v(json!({}))).await.unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::NotCreated));
    let Error::Create(create) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(&create.source, Error::Transport(t) if t.kind == TransportErrorKind::Connect));
    assert_eq!(clock.sleeps().len(), 3);
}

#[tokio::test]
async fn invalid_parameters_are_not_created_and_not_retried() {
    let server = ScriptServer::start(|_, _| {
        Reply::json(400, r#"{"code":1201,"message":"Invalid parameter: mode: must be one of std, pro","request_id":"r-1"}"#)
    })
    .await;
    let clock = ManualClock::new();
    let error = script_client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap_err();
    assert_eq!(error.create_outcome(), Some(CreateOutcome::NotCreated));
    assert_eq!(error.code(), Some(&KlingCode::InvalidParameter));
    assert_eq!(error.request_id(), Some("r-1"));
    assert!(error.api().unwrap().message.contains("mode"), "{error}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn the_lookup_escapes_the_external_id_path_segment() {
    // The builders and `create` only generate or accept path-safe ids, but a lookup may be
    // given any id (one created by another tool, say).
    let server = ScriptServer::start(|_, _| Reply::json(200, &task_json("5", "submitted"))).await;
    let clock = ManualClock::new();
    let found = script_client(&server, &clock)
        .find_by_external_id(Kind::TextToVideo, "a b/c")
        .await
        .unwrap();
    assert_eq!(found.unwrap().id(), "5");
    assert_eq!(
        server.seen()[0].path,
        "/kling/v1/videos/text2video/a%20b%2Fc"
    );
}

#[tokio::test]
async fn a_lost_create_is_looked_up_by_its_external_id() {
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::json(503, r#"{"code":5001,"message":"maintenance"}"#),
        _ => Reply::json(200, &task_json("5", "submitted")),
    })
    .await;
    let clock = ManualClock::new();
    let handle = script_client(&server, &clock)
        .create(t2v(json!({"external_task_id": "order-17:a.b_c"})))
        .await
        .unwrap();
    assert_eq!(handle.task_id, "5");
    assert_eq!(
        server.seen()[1].path,
        "/kling/v1/videos/text2video/order-17%3Aa.b_c"
    );
}

/// A create whose first answer is lost (HTTP 500 / 5000), `lookup` answering the lookup by
/// its `external_task_id`, and a task for any create sent again: the result, and the methods
/// of the requests the server saw.
async fn lost_create_then(
    lookup: Reply,
) -> (Result<nicerouter_kling::TaskHandle, Error>, Vec<String>) {
    let lookup = std::sync::Mutex::new(Some(lookup));
    let server = ScriptServer::start(move |i, seen| match (i, seen.method.as_str()) {
        (0, "POST") => Reply::json(500, r#"{"code":5000,"message":"internal"}"#),
        (1, "GET") => lookup.lock().unwrap().take().unwrap(),
        (2, "POST") => Reply::json(200, &task_json("12", "submitted")),
        _ => Reply::json(418, r#"{"code":1,"message":"unexpected"}"#),
    })
    .await;
    let clock = ManualClock::new();
    let result = script_client(&server, &clock).create(t2v(json!({}))).await;
    let seen = server.seen();
    if seen.len() == 3 {
        assert_eq!(seen[0].body, seen[2].body, "a resend carries the same id");
    }
    (result, seen.into_iter().map(|s| s.method).collect())
}

#[tokio::test]
async fn a_json_404_saying_not_found_on_the_lookup_lets_the_create_go_again() {
    let (result, methods) =
        lost_create_then(Reply::json(404, r#"{"message":"task not found"}"#)).await;
    assert_eq!(result.unwrap().task_id, "12");
    assert_eq!(methods, ["POST", "GET", "POST"]);
}

#[tokio::test]
async fn a_lookup_answer_that_proves_nothing_never_lets_the_create_go_again() {
    // None says the task does not exist: a proxy's page or an empty 404 (a wrong base URL),
    // a relay without the lookup route, a parameter error.
    let lookups = [
        Reply::with(
            404,
            "text/html",
            &[],
            b"<html><body><h1>404 Not Found</h1>nginx</body></html>",
        ),
        Reply::with(404, "text/plain", &[], b""),
        Reply::json(404, r#"{"message":"Not Found"}"#),
        Reply::json(404, r#"{"detail":"Not Found","message":"route not found"}"#),
        Reply::json(
            400,
            r#"{"code":1201,"message":"Invalid parameter: task_id"}"#,
        ),
    ];
    for lookup in lookups {
        let (result, methods) = lost_create_then(lookup).await;
        let error = result.unwrap_err();
        assert_eq!(
            error.create_outcome(),
            Some(CreateOutcome::MayExist),
            "{error}"
        );
        assert_eq!(methods, ["POST", "GET"], "no second create: {error}");
    }
}

#[tokio::test]
async fn a_lookup_answering_another_tasks_external_id_is_not_a_recovery() {
    let other = r#"{"code":0,"message":"SUCCEED","request_id":"r","data":{"task_id":"31","task_status":"succeed","task_info":{"external_task_id":"someone-else"},"created_at":1722769557708,"updated_at":1722769557708}}"#;
    let server = ScriptServer::start(move |i, _| match i {
        0 => Reply::json(503, r#"{"code":5001,"message":"maintenance"}"#),
        _ => Reply::json(200, other),
    })
    .await;
    let clock = ManualClock::new();
    let error = script_client(&server, &clock)
        .create(t2v(json!({"external_task_id": "mine-1"})))
        .await
        .unwrap_err();
    assert_eq!(
        error.create_outcome(),
        Some(CreateOutcome::MayExist),
        "{error}"
    );
    assert_eq!(server.count(), 2, "one create, one lookup, no resend");
}

#[tokio::test]
async fn after_a_timeout_the_lookup_waits_for_the_attempt_to_settle() {
    // The create times out; the lookup must not be asked at once (the first attempt may
    // still be running on the server) but after the retry delay.
    let server = ScriptServer::start(|i, seen| match (i, seen.method.as_str()) {
        (0, "POST") => Reply::Close,
        (1, "GET") => Reply::json(200, &task_json("8", "processing")),
        _ => Reply::json(418, r#"{"code":1,"message":"unexpected"}"#),
    })
    .await;
    let clock = ManualClock::new();
    let handle = script_client(&server, &clock)
        .create(t2v(json!({})))
        .await
        .unwrap();
    assert_eq!(handle.task_id, "8");
    assert_eq!(handle.status(), Some(nicerouter_kling::Status::Processing));
    let sleeps = clock.sleeps();
    assert_eq!(
        sleeps.len(),
        1,
        "one settling delay before the lookup: {sleeps:?}"
    );
    assert!(sleeps[0] > Duration::ZERO, "{sleeps:?}");
    assert_eq!(server.count(), 2);
}
