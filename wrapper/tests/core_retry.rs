//! Read retries and error classification, against the mock server and a scripted server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::time::Duration;

use core_support::{Reply, ScriptServer, client, mock, script_client, task_json};
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::{
    Error, Kind, KlingCode, RetryPolicy, TransportErrorKind, raw::types::Text2VideoRequest,
};
use nicerouter_kling_mock::{Fault, Match};
use reqwest::StatusCode;

async fn created_task(client: &nicerouter_kling::Client) -> String {
    let body: Text2VideoRequest =
        serde_json::from_value(serde_json::json!({"prompt": "a cat"})).unwrap();
    client.create(body).await.unwrap().task_id
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_is_honoured() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server.faults().push(
        Match::polls(),
        Fault::RateLimited {
            code: 1302,
            retry_after: Some(7),
        },
        2,
    );
    let task = client.get(Kind::TextToVideo, &id).await.unwrap();
    assert_eq!(task.id(), id);
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(7), Duration::from_secs(7)]
    );
    assert_eq!(server.requests_to("get_text2video").len(), 3);
}

#[tokio::test]
async fn concurrency_limit_without_retry_after_backs_off_at_least_a_second() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .retry_policy(
            RetryPolicy::default()
                .jitter(false)
                .initial_backoff(Duration::from_millis(100)),
        )
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let id = created_task(&client).await;
    server.faults().push(
        Match::polls(),
        Fault::RateLimited {
            code: 1303,
            retry_after: None,
        },
        2,
    );
    client.get(Kind::TextToVideo, &id).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn balance_exhausted_1102_is_never_retried() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server.faults().always(
        Match::polls(),
        Fault::RateLimited {
            code: 1102,
            retry_after: Some(1),
        },
    );
    let error = client.get(Kind::TextToVideo, &id).await.unwrap_err();
    assert_eq!(error.code(), Some(&KlingCode::ResourcePackExhausted));
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert!(!error.is_retryable());
    assert!(error.request_id().is_some(), "{error:?}");
    assert_eq!(server.requests_to("get_text2video").len(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn permanent_codes_and_auth_errors_are_not_retried() {
    for (status, code) in [(429, 1304), (403, 1103), (401, 1002), (400, 1201)] {
        let server = ScriptServer::start(move |_, _| {
            Reply::json(
                status,
                &format!(r#"{{"code":{code},"message":"no","request_id":"r-{code}"}}"#),
            )
        })
        .await;
        let clock = ManualClock::new();
        let error = script_client(&server, &clock)
            .get(Kind::ImageGeneration, "1")
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(&KlingCode::from_i64(code)));
        assert_eq!(error.request_id(), Some(format!("r-{code}").as_str()));
        assert_eq!(server.count(), 1, "code {code} must not be retried");
    }
}

#[tokio::test]
async fn wrong_key_gets_401_once() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .api_key("sk-wrong")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let error = client.get(Kind::TextToVideo, "1").await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(error.code().unwrap().is_auth());
    assert_eq!(server.journal().len(), 1);
    assert!(!error.to_string().contains("sk-wrong"));
}

#[tokio::test]
async fn server_errors_are_retried_with_exponential_backoff() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server
        .faults()
        .once(Match::polls(), Fault::server_error(500));
    server
        .faults()
        .once(Match::polls(), Fault::server_error(503));
    server
        .faults()
        .once(Match::polls(), Fault::server_error(504));
    client.get(Kind::TextToVideo, &id).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_the_last_error() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server
        .faults()
        .always(Match::polls(), Fault::HtmlErrorPage { status: 502 });
    let error = client.get(Kind::TextToVideo, &id).await.unwrap_err();
    assert_eq!(
        server.requests_to("get_text2video").len(),
        4,
        "default: 4 attempts"
    );
    let api = error.api().unwrap();
    assert_eq!(api.status, StatusCode::BAD_GATEWAY);
    assert_eq!(api.code, None);
    assert!(
        api.body_snippet
            .as_deref()
            .unwrap_or_default()
            .contains("502"),
        "{api:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn malformed_and_truncated_json_are_retried() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server.faults().once(Match::polls(), Fault::MalformedJson);
    server.faults().once(Match::polls(), Fault::TruncatedJson);
    let task = client.get(Kind::TextToVideo, &id).await.unwrap();
    assert_eq!(task.id(), id);
    assert_eq!(server.requests_to("get_text2video").len(), 3);

    server.faults().always(Match::polls(), Fault::MalformedJson);
    let error = client.get(Kind::TextToVideo, &id).await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.status, Some(StatusCode::OK));
    assert!(!decode.body_snippet.is_empty());
}

#[tokio::test]
async fn retry_after_beyond_the_cap_ends_retries_and_is_reported() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let id = created_task(&client).await;
    server.faults().always(
        Match::polls(),
        Fault::RateLimited {
            code: 1302,
            retry_after: Some(3600),
        },
    );
    let error = client.get(Kind::TextToVideo, &id).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests_to("get_text2video").len(), 1);
}

#[tokio::test]
async fn retry_after_http_date_and_ms_forms_are_honoured() {
    let start = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let clock = ManualClock::starting_at(start);
    let date = httpdate::fmt_http_date(start + Duration::from_secs(30));
    let server = ScriptServer::start(move |i, _| match i {
        0 => Reply::json_with(
            503,
            &[("retry-after", date.as_str())],
            r#"{"code":5001,"message":"maintenance"}"#,
        ),
        1 => Reply::json_with(
            429,
            &[("retry-after-ms", "1500")],
            r#"{"code":1302,"message":"slow down"}"#,
        ),
        _ => Reply::json(200, &task_json("1", "processing")),
    })
    .await;
    script_client(&server, &clock)
        .get(Kind::TextToVideo, "1")
        .await
        .unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(30), Duration::from_millis(1500)]
    );
}

#[tokio::test]
async fn business_error_inside_http_200_is_an_error() {
    let server = ScriptServer::start(|_, _| {
        Reply::json(
            200,
            r#"{"code":1203,"message":"model not found","request_id":"r-200"}"#,
        )
    })
    .await;
    let clock = ManualClock::new();
    let error = script_client(&server, &clock)
        .get(Kind::TextToVideo, "1")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::OK));
    assert_eq!(error.code(), Some(&KlingCode::ResourceNotFound));
    assert_eq!(error.request_id(), Some("r-200"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn transient_code_inside_http_200_is_retried() {
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::json(200, r#"{"code":5002,"message":"backlog"}"#),
        _ => Reply::json(200, &task_json("1", "submitted")),
    })
    .await;
    let clock = ManualClock::new();
    script_client(&server, &clock)
        .get(Kind::TextToVideo, "1")
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_as_connect_error() {
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
    let error = client.get(Kind::TextToVideo, "1").await.unwrap_err();
    let Error::Transport(t) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Connect);
    assert!(!t.may_have_been_sent());
    assert_eq!(clock.sleeps().len(), 3);
}

#[tokio::test]
async fn dropped_connection_on_a_read_is_retried() {
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::Close,
        _ => Reply::json(200, &task_json("1", "processing")),
    })
    .await;
    let clock = ManualClock::new();
    script_client(&server, &clock)
        .get(Kind::TextToVideo, "1")
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn the_retry_budget_stops_retry_storms() {
    let server =
        ScriptServer::start(|_, _| Reply::json(503, r#"{"code":5001,"message":"down"}"#)).await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .retry_policy(RetryPolicy::default().jitter(false).retry_budget(5))
        .api_key("sk")
        .base_url(&server.origin)
        .build()
        .unwrap();
    for _ in 0..4 {
        assert!(client.get(Kind::TextToVideo, "1").await.is_err());
    }
    // 5 retries in the budget: the first call retries 3 times, the second twice, then none.
    assert_eq!(clock.sleeps().len(), 5);
    assert_eq!(server.count(), 4 + 5);
}

#[tokio::test]
async fn disabled_policy_sends_once() {
    let server =
        ScriptServer::start(|_, _| Reply::json(503, r#"{"code":5001,"message":"down"}"#)).await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .retry_policy(RetryPolicy::disabled())
        .api_key("sk")
        .base_url(&server.origin)
        .build()
        .unwrap();
    let error = client.get(Kind::TextToVideo, "1").await.unwrap_err();
    assert_eq!(error.code(), Some(&KlingCode::ServiceUnavailable));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_the_read_is_retried() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .timeout(Duration::from_millis(100))
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let id = created_task(&client).await;
    server
        .faults()
        .once(Match::polls(), Fault::Latency(Duration::from_millis(400)));
    let task = client.get(Kind::TextToVideo, &id).await.unwrap();
    assert_eq!(task.id(), id);
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1)],
        "one retry after the timeout"
    );
}
