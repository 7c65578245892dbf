//! Secrets through the wrapper: with every tracing target at TRACE level (the wrapper, the raw
//! client, the mock, and reqwest's `log` records through the bridge), through both services (bearer key and JWT), on success
//! and on every error path, neither the bearer key, the secret key, the access key nor any JWT
//! may appear in the logs, in any `Debug` or `Display` output of a client, a builder, an
//! `Auth`, a handle, an outcome or an error. (The `kling` binary is checked the same way in
//! `cli/tests/secrets.rs` and on every run of `cli/tests/reliability_*.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nicerouter_kling::{Auth, Client, ClientBuilder, RetryPolicy, WaitOutcome};
use nicerouter_kling_mock::{Fault, Match, MockServer, Timing};
use nicerouter_kling_reliability::{SecretsSummary, write_figures};

const API_KEY: &str = "sk-rel-bearer-3f9a1c7e5b";
const ACCESS_KEY: &str = "ak-rel-access-8d2e6a4c0f";
const SECRET_KEY: &str = "sk-rel-secret-1b7d3f9e5a";
const WRONG_KEY: &str = "sk-rel-wrong-0c4e8a2d6f";

/// Everything written, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What was seen: every log line and every `Debug`/`Display` string.
#[derive(Default)]
struct Seen {
    texts: Vec<String>,
}

impl Seen {
    fn debug(&mut self, value: &dyn std::fmt::Debug) {
        self.texts.push(format!("{value:?}"));
        self.texts.push(format!("{value:#?}"));
    }
    fn error(&mut self, error: &nicerouter_kling::Error) {
        self.debug(error);
        self.texts.push(error.to_string());
    }
}

fn client(builder: ClientBuilder) -> Client {
    builder
        .timeout(Duration::from_millis(500))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_attempts(2),
        )
        .build()
        .unwrap()
}

async fn exercise(server: &MockServer, good: ClientBuilder, bad: ClientBuilder, seen: &mut Seen) {
    let dir = tempfile::tempdir().unwrap();
    seen.debug(&good);
    let c = client(good);
    seen.debug(&c);
    // Success: create, wait, download.
    let handle = c.text_to_video().prompt("a cat").send().await.unwrap();
    seen.debug(&handle);
    let outcome = handle.wait(&c, Duration::from_secs(60)).await;
    seen.debug(&outcome);
    let WaitOutcome::Succeeded(task) = outcome else {
        panic!("{outcome:?}")
    };
    seen.debug(&c.download(&task, dir.path()).await.unwrap());
    seen.debug(
        &c.list(nicerouter_kling::Kind::TextToVideo, 1, 10)
            .await
            .unwrap(),
    );
    // A wrong key.
    let wrong = client(bad);
    seen.debug(&wrong);
    seen.error(
        &wrong
            .text_to_video()
            .prompt("a cat")
            .send()
            .await
            .unwrap_err(),
    );
    seen.error(
        &wrong
            .get(nicerouter_kling::Kind::TextToVideo, "1")
            .await
            .unwrap_err(),
    );
    // Balance, a lost answer with failing lookups, a failing poll, a proxy page, a cut download.
    server.faults().once(
        Match::creates(),
        Fault::RateLimited {
            code: 1102,
            retry_after: None,
        },
    );
    seen.error(&c.text_to_video().prompt("a cat").send().await.unwrap_err());
    server
        .faults()
        .once(Match::creates(), Fault::DropAfterCreate)
        .push(Match::polls(), Fault::server_error(503), 2);
    seen.error(&c.text_to_video().prompt("a cat").send().await.unwrap_err());
    server
        .faults()
        .push(Match::polls(), Fault::HtmlErrorPage { status: 502 }, 2);
    let outcome = handle.wait(&c, Duration::from_secs(60)).await;
    seen.debug(&outcome);
    if let Err(e) = outcome.into_result() {
        seen.error(&e);
    }
    server
        .faults()
        .push(Match::media(), Fault::TruncatedDownload, 2);
    let other = tempfile::tempdir().unwrap();
    seen.error(&c.download(&task, other.path()).await.unwrap_err());
    // Bad input.
    seen.error(&c.text_to_video().prompt("").send().await.unwrap_err());
}

#[tokio::test]
async fn no_key_secret_or_jwt_in_logs_debug_or_errors() {
    let logs = Captured::default();
    let writer = logs.clone();
    // Global (the only test in this binary), so that `log` records (reqwest's) are bridged.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let server = MockServer::builder()
        .api_key(API_KEY)
        .official_keys(ACCESS_KEY, SECRET_KEY)
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1,
        })
        .start()
        .await
        .unwrap();
    let mut seen = Seen::default();
    seen.debug(&Auth::nicerouter(API_KEY));
    seen.debug(&Auth::official(ACCESS_KEY, SECRET_KEY));
    seen.debug(&server);
    exercise(
        &server,
        Client::builder()
            .auth(Auth::nicerouter(API_KEY))
            .base_url(server.base_url()),
        Client::builder()
            .auth(Auth::nicerouter(WRONG_KEY))
            .base_url(server.base_url()),
        &mut seen,
    )
    .await;
    exercise(
        &server,
        Client::builder()
            .auth(Auth::official(ACCESS_KEY, SECRET_KEY))
            .base_url(server.official_base_url()),
        Client::builder()
            .auth(Auth::official(ACCESS_KEY, WRONG_KEY))
            .base_url(server.official_base_url()),
        &mut seen,
    )
    .await;
    seen.debug(&server.journal());
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("TRACE"), "trace logging was on");
    assert!(
        logs.contains("kling.create"),
        "the wrapper's spans were logged"
    );
    let runs = seen.texts.len() + 1;
    seen.texts.push(logs);
    let bytes: usize = seen.texts.iter().map(String::len).sum();
    let mut leaks = Vec::new();
    for text in &seen.texts {
        for (name, secret) in [
            ("bearer key", API_KEY),
            ("wrong bearer key", WRONG_KEY),
            ("secret key", SECRET_KEY),
            ("access key", ACCESS_KEY),
            // Every JWT starts with the base64url of `{"`.
            ("JWT", "eyJ"),
        ] {
            if let Some(at) = text.find(secret) {
                let from = at.saturating_sub(80);
                let context: String = text[from..].chars().take(200).collect();
                leaks.push(format!("{name} in: {context}"));
            }
        }
    }
    let summary = SecretsSummary {
        via: "wrapper (TRACE logs of every crate, Debug and Display)".into(),
        runs,
        bytes_searched: bytes,
        secrets: vec![
            "bearer key".into(),
            "wrong bearer key".into(),
            "secret key".into(),
            "access key".into(),
            "any JWT".into(),
        ],
        leaks: leaks.len(),
    };
    println!("{summary:#?}");
    write_figures("secrets-wrapper", &summary).unwrap();
    assert!(leaks.is_empty(), "{leaks:#?}");
}
