//! Tracing: a span per request with the operation, status, duration and `request_id`, and no
//! secret anywhere in the output, at TRACE level, HTTP stack included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::Text2VideoRequest;
use nicerouter_kling::{Auth, Client, Kind, WaitOutcome};
use nicerouter_kling_mock::{Fault, Match, MockServer, Timing};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn spans_carry_request_facts_and_never_a_secret() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace,nicerouter_kling_mock=off")
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1,
        })
        .api_key("sk-relay-secret-0123456789")
        .official_keys("AK-access-0123456789", "SK-secret-0123456789")
        .start()
        .await
        .unwrap();
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let body: Text2VideoRequest = serde_json::from_value(json!({"prompt": "a cat"})).unwrap();
    server.faults().once(
        Match::creates(),
        Fault::RateLimited {
            code: 1303,
            retry_after: Some(1),
        },
    );
    let handle = client.create(body.clone()).await.unwrap();
    let WaitOutcome::Succeeded(task) = handle.wait(&client, Duration::from_secs(60)).await else {
        panic!("not done")
    };
    let dir = tempfile::tempdir().unwrap();
    client.download(&task, dir.path()).await.unwrap();

    let official = Client::builder()
        .auth(Auth::official(server.access_key(), server.secret_key()))
        .base_url(server.official_base_url())
        .build()
        .unwrap();
    let handle = official.create(body).await.unwrap();
    official
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap();
    let _ = official.get(Kind::TextToVideo, "no-such-task").await;

    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for secret in [
        "sk-relay-secret-0123456789",
        "SK-secret-0123456789",
        "AK-access-0123456789",
        "eyJ",
    ] {
        assert!(
            !output.contains(secret),
            "`{secret}` leaked into the logs:\n{output}"
        );
    }
    let closed: Vec<&str> = output
        .lines()
        .filter(|l| l.contains(" close time.busy="))
        .collect();
    let has = |parts: &[&str]| {
        closed
            .iter()
            .any(|line| parts.iter().all(|p| line.contains(p)))
    };
    let expectations: [&[&str]; 6] = [
        &[
            "kling{operation=\"create\" kind=\"text2video\"",
            "status=429",
            "code=1303",
            "request_id=\"",
            "duration_ms=",
        ],
        &["kling{operation=\"create\"", "status=200", "request_id=\""],
        &[
            "kling{operation=\"get\"",
            "status=200",
            "request_id=\"",
            "duration_ms=",
        ],
        &["kling{operation=\"get\"", "status=400", "code=1201"],
        &[
            "kling.create{kind=\"text2video\" external_task_id=\"nrk-",
            "task_id=\"",
        ],
        &["kling.wait{kind=\"text2video\" task_id=", "polls="],
    ];
    for parts in expectations {
        assert!(
            has(parts),
            "no closed span with {parts:?} in:\n{}",
            closed.join("\n")
        );
    }
    assert!(has(&["kling.download{", "bytes="]), "{}", closed.join("\n"));
}

#[tokio::test(flavor = "current_thread")]
async fn an_unknown_status_is_warned_about_once_per_change() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("warn,nicerouter_kling_mock=off")
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1000,
        })
        .start()
        .await
        .unwrap();
    let clock = ManualClock::new();
    let client = core_support::builder(&clock)
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let body: Text2VideoRequest = serde_json::from_value(json!({"prompt": "a cat"})).unwrap();
    let handle = client.create(body).await.unwrap();
    server
        .faults()
        .always(Match::polls(), Fault::UnknownStatus("warming_up".into()));
    let outcome = handle.wait(&client, Duration::from_secs(60)).await;
    assert!(
        matches!(outcome, WaitOutcome::MaxWaitExceeded { polls: 9, .. }),
        "{outcome:?}"
    );

    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("unknown task status"))
        .collect();
    assert_eq!(warnings.len(), 1, "{output}");
    assert!(
        warnings[0].contains("WARN") && warnings[0].contains("status=\"warming_up\""),
        "{output}"
    );
}
