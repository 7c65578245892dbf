//! Client configuration against live loopback servers: both auth modes, base URLs, headers,
//! a custom `reqwest::Client`, get and list for every kind, lookups, and the raw client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use core_support::{Reply, ScriptServer, client, mock, script_client, task_json};
use nicerouter_kling::clock::{Clock, ManualClock, Sleep, SystemClock};
use nicerouter_kling::raw::types::Text2VideoRequest;
use nicerouter_kling::{Auth, Backend, Client, Error, Kind, KlingCode, TaskHandle, WaitOutcome};
use nicerouter_kling_mock::{Api, MockServer, Timing};
use serde_json::json;

fn body() -> Text2VideoRequest {
    serde_json::from_value(json!({"prompt": "a cat"})).unwrap()
}

#[tokio::test]
async fn nicerouter_mode_sends_the_bearer_key_under_kling() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    assert_eq!(client.base_url(), server.nicerouter_base_url());
    let handle = client.create(body()).await.unwrap();
    client
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap();
    let journal = server.journal();
    assert!(
        journal
            .iter()
            .all(|e| e.api == Api::NiceRouter && e.status == Some(200)),
        "{journal:?}"
    );
    assert!(
        journal
            .iter()
            .all(|e| e.authorization.as_deref() == Some("Bearer <redacted>"))
    );
}

#[tokio::test]
async fn an_origin_already_ending_in_kling_is_not_doubled() {
    let server = mock().await;
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(format!("{}/", server.nicerouter_base_url()))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), server.nicerouter_base_url());
    client.create(body()).await.unwrap();
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn a_base_url_without_scheme_fails_before_any_request() {
    let error = Client::builder()
        .api_key("sk")
        .base_url("relay.example.com")
        .build()
        .unwrap_err();
    let Error::Validation(v) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(v.field, "base_url");
    assert!(
        error.to_string().contains("https://relay.example.com"),
        "{error}"
    );
}

#[tokio::test]
async fn official_mode_signs_a_jwt_the_server_accepts() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1,
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .auth(Auth::official(server.access_key(), server.secret_key()))
        .base_url(server.official_base_url())
        .build()
        .unwrap();
    assert_eq!(client.backend(), Backend::Official);
    let handle = client.create(body()).await.unwrap();
    assert_eq!(handle.backend, Some(Backend::Official));
    let outcome = handle.wait(&client, Duration::from_secs(60)).await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
    let journal = server.journal();
    assert!(
        journal
            .iter()
            .all(|e| e.api == Api::Official && e.status == Some(200)),
        "{journal:?}"
    );
    let shown = format!("{client:?}");
    assert!(
        !shown.contains(server.secret_key()) && !shown.contains(server.access_key()),
        "{shown}"
    );
}

/// Wall-clock time two hours behind on the first `n` reads (a laptop that slept with a token
/// cached), real afterwards.
#[derive(Debug)]
struct StaleClock {
    stale_reads: usize,
    reads: AtomicUsize,
}

impl Clock for StaleClock {
    fn now(&self) -> Instant {
        SystemClock.now()
    }
    fn system_time(&self) -> SystemTime {
        if self.reads.fetch_add(1, Ordering::SeqCst) < self.stale_reads {
            SystemTime::now() - Duration::from_secs(7200)
        } else {
            SystemTime::now()
        }
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        SystemClock.sleep(duration)
    }
}

fn official(server: &MockServer, stale_reads: usize) -> Client {
    Client::builder()
        .auth(Auth::official(server.access_key(), server.secret_key()))
        .base_url(server.official_base_url())
        .clock(StaleClock {
            stale_reads,
            reads: AtomicUsize::new(0),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_expired_jwt_is_reminted_once() {
    let server = mock().await;
    let handle = official(&server, 0).create(body()).await.unwrap();
    server.clear_journal();

    // The first token is minted two hours in the past: 401/1004, then a fresh token.
    let task = official(&server, 1)
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap();
    assert_eq!(task.id(), handle.task_id);
    let statuses: Vec<Option<u16>> = server.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![Some(401), Some(200)]);

    // A clock that stays wrong: exactly one re-mint, then the error.
    server.clear_journal();
    let error = official(&server, usize::MAX)
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&KlingCode::TokenExpired));
    assert_eq!(server.journal().len(), 2);
}

#[tokio::test]
async fn a_create_with_an_expired_jwt_is_reminted_and_created_once() {
    let server = mock().await;
    let handle = official(&server, 1).create(body()).await.unwrap();
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(server.requests_to("create_text2video").len(), 2);
    assert!(!handle.task_id.is_empty());
}

#[tokio::test]
async fn user_agent_and_custom_http_client() {
    let server = ScriptServer::start(|_, _| Reply::json(200, &task_json("1", "submitted"))).await;
    let clock = ManualClock::new();
    script_client(&server, &clock)
        .get(Kind::TextToVideo, "1")
        .await
        .unwrap();
    let ua = server.seen()[0].header("user-agent").unwrap().to_owned();
    assert!(ua.starts_with("nicerouter-kling/"), "{ua}");
    assert_eq!(
        server.seen()[0].header("authorization"),
        Some("Bearer sk-script-key")
    );
    assert_eq!(server.seen()[0].header("accept"), Some("application/json"));

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-team", "video".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key("sk-script-key")
        .base_url(&server.origin)
        .http_client(http)
        .user_agent("my-app/2.0")
        .build()
        .unwrap();
    client.get(Kind::TextToVideo, "1").await.unwrap();
    let seen = &server.seen()[1];
    assert_eq!(seen.header("x-team"), Some("video"));
    assert_eq!(seen.header("user-agent"), Some("my-app/2.0"));
}

#[tokio::test]
async fn a_timeout_is_a_retryable_transport_error() {
    let server = ScriptServer::start(|_, _| {
        Reply::Delayed(
            Duration::from_millis(300),
            Box::new(Reply::json(200, &task_json("1", "submitted"))),
        )
    })
    .await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .timeout(Duration::from_millis(100))
        .retry_policy(nicerouter_kling::RetryPolicy::disabled())
        .api_key("sk")
        .base_url(&server.origin)
        .build()
        .unwrap();
    let error = client.get(Kind::TextToVideo, "1").await.unwrap_err();
    assert!(
        matches!(&error, Error::Transport(t) if t.kind == nicerouter_kling::TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn get_and_list_serve_every_kind_through_one_path() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    for &kind in Kind::ALL {
        let error = client.get(kind, "123").await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(&KlingCode::InvalidParameter),
            "{kind}: task not found"
        );
        let page = client.list(kind, 1, 30).await.unwrap();
        assert!(page.is_empty(), "{kind}");
    }
    let journal = server.journal();
    for &kind in Kind::ALL {
        let path = format!("/kling{}", kind.path());
        assert!(
            journal.iter().any(|e| e.path == format!("{path}/123")),
            "{path}"
        );
        assert!(
            journal.iter().any(|e| e.path == path
                && e.query
                    == vec![
                        ("pageNum".into(), "1".into()),
                        ("pageSize".into(), "30".into())
                    ]),
            "{path}"
        );
    }
}

#[tokio::test]
async fn list_returns_created_tasks_and_validates_paging_before_sending() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let a = client.create(body()).await.unwrap();
    let b = client.create(body()).await.unwrap();
    let page = client.list(Kind::TextToVideo, 1, 500).await.unwrap();
    let ids: Vec<&str> = page.iter().map(|t| t.id()).collect();
    assert!(
        ids.contains(&a.task_id.as_str()) && ids.contains(&b.task_id.as_str()),
        "{ids:?}"
    );

    let before = server.journal().len();
    for (page_num, page_size, field) in [
        (0, 30, "pageNum"),
        (1001, 30, "pageNum"),
        (1, 0, "pageSize"),
        (1, 501, "pageSize"),
    ] {
        let error = client
            .list(Kind::TextToVideo, page_num, page_size)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Validation(v) if v.field == field),
            "{error:?}"
        );
    }
    let error = client.get(Kind::TextToVideo, " ").await.unwrap_err();
    assert!(
        matches!(&error, Error::Validation(v) if v.field == "task_id"),
        "{error:?}"
    );
    assert_eq!(server.journal().len(), before, "nothing sent");
}

#[tokio::test]
async fn tasks_can_be_found_by_external_id() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let ext = handle.external_task_id.clone().unwrap();
    let found = client
        .find_by_external_id(Kind::TextToVideo, &ext)
        .await
        .unwrap();
    assert_eq!(found.unwrap().id(), handle.task_id);
    assert!(
        client
            .find_by_external_id(Kind::TextToVideo, "nrk-unknown")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_raw_client_shares_base_url_and_auth() {
    let server = mock().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let raw = client
        .raw()
        .get_text2video()
        .task_id(&handle.task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.data.as_ref().unwrap().task_id, handle.task_id);
}

#[tokio::test]
async fn a_handle_built_by_hand_can_be_waited_on() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let created = client.create(body()).await.unwrap();
    let handle = TaskHandle::new(Kind::TextToVideo, created.task_id.clone());
    let outcome = handle.wait(&client, Duration::from_secs(10)).await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
}

#[tokio::test]
async fn requests_in_flight_are_bounded_per_client() {
    let server = ScriptServer::start(|_, _| {
        Reply::Delayed(
            Duration::from_millis(30),
            Box::new(Reply::json(200, &task_json("1", "processing"))),
        )
    })
    .await;
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .max_concurrent_requests(4)
        .api_key("sk")
        .base_url(&server.origin)
        .build()
        .unwrap();
    let gets = (0..20).map(|_| client.get(Kind::TextToVideo, "1"));
    let results = futures::future::join_all(gets).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.count(), 20);
    assert!(
        server.max_in_flight() <= 4,
        "{} in flight",
        server.max_in_flight()
    );
    assert!(
        server.max_in_flight() >= 2,
        "requests still run side by side"
    );
}
