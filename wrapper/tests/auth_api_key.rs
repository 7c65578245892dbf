//! An official Kling API key: sent as `Authorization: Bearer <key>` to the official paths
//! (no `/kling` prefix), refused as Kling refuses a wrong key, chosen by `from_env` in its
//! documented order, and never shown in `Debug`, errors or logs.
//!
//! Environment variables are global to the process and cannot be set safely from a test, so
//! `from_env` is checked in child processes of this test binary, each with an environment of
//! its own (see [`child_reads_the_environment`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nicerouter_kling::{
    Auth, Backend, Client, ClientBuilder, ENV_ACCESS_KEY, ENV_API_KEY, ENV_BASE_URL,
    ENV_OFFICIAL_API_KEY, ENV_OFFICIAL_BASE_URL, ENV_SECRET_KEY, Kind, KlingCode,
    OFFICIAL_BASE_URL, WaitOutcome,
};
use nicerouter_kling_mock::{Api, MockServer, MockServerBuilder, Timing};
use serde_json::{Value, json};
use tracing_subscriber::fmt::MakeWriter;

/// The official API key the test servers accept: unique, so that any appearance in output is
/// a leak and never a coincidence.
const API_KEY: &str = "kling-api-key-test-4d7e1a9c3b6f";
/// The NiceRouter key the test servers accept.
const RELAY_KEY: &str = "sk-nrk-relay-test-8a2c5e7f9b1d";
/// The official access key and secret key the test servers accept.
const ACCESS_KEY: &str = "ak-kling-test-6f3b8d1e5a2c";
const SECRET_KEY: &str = "sk-kling-secret-test-1c9e4a7b2d5f";
/// A wrong official API key.
const WRONG_KEY: &str = "kling-api-key-wrong-0e5d3c2b1a9f";

const SECRETS: [&str; 5] = [API_KEY, RELAY_KEY, ACCESS_KEY, SECRET_KEY, WRONG_KEY];

/// Every variable `from_env` reads, removed from a child's environment before a case sets its
/// own.
const ENV: [&str; 7] = [
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_OFFICIAL_API_KEY,
    ENV_ACCESS_KEY,
    ENV_SECRET_KEY,
    ENV_OFFICIAL_BASE_URL,
    "RUST_LOG",
];

/// Set in a child's environment; the child then reads `from_env` and reports.
const CHILD: &str = "NRK_AUTH_API_KEY_CHILD";
/// The line the child reports on, followed by a JSON object.
const REPORT: &str = "FROM_ENV_REPORT ";

fn server_builder() -> MockServerBuilder {
    MockServer::builder()
        .api_key(RELAY_KEY)
        .official_api_key(API_KEY)
        .official_keys(ACCESS_KEY, SECRET_KEY)
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1,
        })
}

fn api_key_client(server: &MockServer, key: &str) -> Client {
    Client::builder()
        .auth(Auth::official_api_key(key))
        .base_url(server.official_base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A tracing writer that keeps what was written.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

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

fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what}: `{secret}` shown:\n{text}");
    }
    // A JWT starts with the base64url of `{"`.
    assert!(!text.contains("eyJ"), "{what}: a JWT shown:\n{text}");
}

#[tokio::test(flavor = "current_thread")]
async fn an_official_api_key_is_a_bearer_token_on_the_official_path_without_kling() {
    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace,nicerouter_kling_mock=off")
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = server_builder().start().await.unwrap();
    let client = api_key_client(&server, API_KEY);
    assert_eq!(client.backend(), Backend::Official);
    assert_eq!(client.base_url(), server.official_base_url());

    let handle = client.text_to_video().prompt("a cat").send().await.unwrap();
    assert_eq!(handle.backend, Some(Backend::Official));
    let WaitOutcome::Succeeded(task) = handle.wait(&client, Duration::from_secs(60)).await else {
        panic!("the task did not succeed")
    };
    client.list(Kind::TextToVideo, 1, 10).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    client.download(&task, dir.path()).await.unwrap();

    let api: Vec<_> = server
        .journal()
        .into_iter()
        .filter(|e| e.api != Api::Media)
        .collect();
    assert!(api.len() >= 3, "{api:#?}");
    for entry in &api {
        assert_eq!(entry.api, Api::Official, "{entry:#?}");
        assert!(
            entry.path.starts_with("/v1/"),
            "no /kling prefix: {entry:#?}"
        );
        // The mock accepts the key only as `Bearer <key>` on these paths.
        assert_eq!(entry.authorization.as_deref(), Some("Bearer <redacted>"));
        assert_eq!(entry.status, Some(200), "{entry:#?}");
    }
    assert_eq!(api[0].path, "/v1/videos/text2video");

    let shown = format!(
        "{client:?} {handle:?} {:?}",
        Auth::official_api_key(API_KEY)
    );
    assert_no_secret(&shown, "Debug");
    assert_no_secret(&logs.text(), "logs at TRACE level");
    assert!(logs.text().contains("kling"), "traced: {}", logs.text());
}

#[tokio::test(flavor = "current_thread")]
async fn a_wrong_key_or_a_key_for_the_other_service_is_refused_with_401() {
    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace,nicerouter_kling_mock=off")
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = server_builder().start().await.unwrap();
    let refused = |e: nicerouter_kling::Error, what: &str| {
        assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{what}: {e}");
        assert_eq!(e.code(), Some(&KlingCode::AuthInvalid), "{what}: {e}");
        assert_no_secret(&format!("{e} {e:?}"), what);
    };

    let wrong = api_key_client(&server, WRONG_KEY);
    refused(
        wrong.list(Kind::TextToVideo, 1, 1).await.unwrap_err(),
        "a wrong official API key",
    );
    refused(
        wrong
            .text_to_video()
            .prompt("a cat")
            .send()
            .await
            .unwrap_err(),
        "a create with a wrong official API key",
    );
    // The relay's key is not an official API key.
    refused(
        api_key_client(&server, RELAY_KEY)
            .list(Kind::TextToVideo, 1, 1)
            .await
            .unwrap_err(),
        "a NiceRouter key on the official path",
    );
    // Nor is the official API key a NiceRouter key.
    let as_relay = Client::builder()
        .auth(Auth::nicerouter(API_KEY))
        .base_url(server.base_url())
        .build()
        .unwrap();
    refused(
        as_relay.list(Kind::TextToVideo, 1, 1).await.unwrap_err(),
        "an official API key on the relay",
    );
    assert_eq!(server.tasks_created(), 0);

    // JWTs minted from an access key pair still work beside the API key.
    let jwt = Client::builder()
        .auth(Auth::official(ACCESS_KEY, SECRET_KEY))
        .base_url(server.official_base_url())
        .build()
        .unwrap();
    jwt.list(Kind::ImageGeneration, 1, 1).await.unwrap();
    // And a server with no API key configured refuses one.
    let jwt_only = MockServer::builder().start().await.unwrap();
    refused(
        api_key_client(&jwt_only, API_KEY)
            .list(Kind::TextToVideo, 1, 1)
            .await
            .unwrap_err(),
        "an API key where none is configured",
    );
    assert_no_secret(&logs.text(), "logs at TRACE level");
}

#[test]
fn bad_official_api_keys_are_config_errors_that_do_not_echo_them() {
    for key in ["", "   ", "kling key with spaces", "kling-key\n"] {
        let e = Client::builder()
            .auth(Auth::official_api_key(key))
            .build()
            .unwrap_err();
        let nicerouter_kling::Error::Config(config) = &e else {
            panic!("{key:?}: {e}")
        };
        assert_eq!(config.name, "official_api_key", "{key:?}");
        if !key.trim().is_empty() {
            assert!(!e.to_string().contains(key.trim()), "{e}");
        }
    }
}

/// What a child reported: the service `from_env` chose, or its error, and what it printed.
#[derive(Debug)]
struct Report {
    doc: Value,
    output: String,
}

impl Report {
    fn ok(&self) -> (&str, &str, &str) {
        assert!(self.doc["error"].is_null(), "{self:#?}");
        (
            self.doc["backend"].as_str().unwrap(),
            self.doc["base_url"].as_str().unwrap(),
            self.doc["credential"].as_str().unwrap(),
        )
    }

    fn error_name(&self) -> &str {
        self.doc["error_name"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {self:#?}"))
    }

    /// The one `from_env` line of the child's log.
    fn choice_line(&self) -> &str {
        let lines: Vec<&str> = self
            .output
            .lines()
            .filter(|l| l.contains("from_env:"))
            .collect();
        assert_eq!(lines.len(), 1, "one line says what was chosen: {self:#?}");
        lines[0]
    }
}

/// Runs this test binary's [`child_reads_the_environment`] with only `vars` set of the
/// variables `from_env` reads.
fn from_env_with(vars: &[(&str, &str)]) -> Report {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_reads_the_environment",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for name in ENV {
        cmd.env_remove(name);
    }
    cmd.env(CHILD, "1").envs(vars.iter().copied());
    let out = cmd.output().unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{vars:?}: the child failed:\n{output}"
    );
    assert_no_secret(&output, &format!("{vars:?}"));
    let doc = output
        .lines()
        .find_map(|l| l.split_once(REPORT).map(|(_, doc)| doc))
        .unwrap_or_else(|| panic!("{vars:?}: no report:\n{output}"));
    Report {
        doc: serde_json::from_str(doc).unwrap(),
        output,
    }
}

/// The child's side of [`from_env_picks_the_relay_then_an_api_key_then_the_key_pair`]: reads
/// `from_env` with a log at INFO level, lists tasks when the client works, and reports on
/// stdout (without any key: the parent checks the whole output for them).
#[test]
#[ignore = "run in a child process with its own environment"]
fn child_reads_the_environment() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter("info,nicerouter_kling_mock=off")
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let doc = match ClientBuilder::from_env().and_then(ClientBuilder::build) {
        Err(e) => {
            let name = match &e {
                nicerouter_kling::Error::Config(c) => c.name.clone(),
                other => panic!("not a configuration error: {other}"),
            };
            json!({"error_name": name, "error": e.to_string(), "debug": format!("{e:?}")})
        }
        Ok(client) => {
            let listed = if client.base_url().starts_with("http://127.0.0.1") {
                let listed = runtime.block_on(client.list(Kind::TextToVideo, 1, 1));
                Some(listed.map(|_| ()).map_err(|e| e.to_string()))
            } else {
                None
            };
            let credential = format!("{client:?}");
            json!({
                "backend": format!("{:?}", client.backend()),
                "base_url": client.base_url(),
                "credential": credential,
                "listed": listed.map(|r| r.map_or_else(|e| e, |()| "ok".to_owned())),
            })
        }
    };
    // On a line of its own: the test harness has printed the test's name without one.
    println!("\n{REPORT}{doc}");
}

#[test]
fn from_env_picks_the_relay_then_an_api_key_then_the_key_pair() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(server_builder().start()).unwrap();
    let origin = server.base_url();
    let official = server.official_base_url();
    let relay_url = format!("{origin}/kling");
    let relay = [(ENV_API_KEY, RELAY_KEY), (ENV_BASE_URL, origin.as_str())];
    let api_key = [
        (ENV_OFFICIAL_API_KEY, API_KEY),
        (ENV_OFFICIAL_BASE_URL, official.as_str()),
    ];
    let pair = [(ENV_ACCESS_KEY, ACCESS_KEY), (ENV_SECRET_KEY, SECRET_KEY)];
    let jwt = "JWT <redacted>";
    let bearer = "bearer key <redacted>";

    // Every service works from its own variables, against the mock.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "relay alone",
            relay.to_vec(),
            "NiceRouter",
            &relay_url,
            bearer,
        ),
        (
            "relay over everything",
            [&relay[..], &api_key, &pair].concat(),
            "NiceRouter",
            &relay_url,
            bearer,
        ),
        (
            "API key alone",
            api_key.to_vec(),
            "Official",
            &official,
            bearer,
        ),
        (
            "API key over the pair",
            [&api_key[..], &pair].concat(),
            "Official",
            &official,
            bearer,
        ),
        (
            "API key with a half pair, which is not looked at",
            [&api_key[..], &pair[..1]].concat(),
            "Official",
            &official,
            bearer,
        ),
        (
            "API key with the relay's origin, which is not the official host",
            [&api_key[..], &relay[1..]].concat(),
            "Official",
            &official,
            bearer,
        ),
        (
            "the pair",
            [&pair[..], &[(ENV_OFFICIAL_BASE_URL, official.as_str())]].concat(),
            "Official",
            &official,
            jwt,
        ),
        (
            "the pair, with a blank API key (unset)",
            [
                &pair[..],
                &[
                    (ENV_OFFICIAL_BASE_URL, official.as_str()),
                    (ENV_OFFICIAL_API_KEY, "  "),
                ],
            ]
            .concat(),
            "Official",
            &official,
            jwt,
        ),
        (
            "API key on the default host",
            vec![(ENV_OFFICIAL_API_KEY, API_KEY)],
            "Official",
            OFFICIAL_BASE_URL,
            bearer,
        ),
    ];
    for (what, vars, backend, base_url, credential) in cases {
        let report = from_env_with(&vars);
        let (got_backend, got_url, got_credential) = report.ok();
        assert_eq!(
            (got_backend, got_url),
            (backend, base_url),
            "{what}: {report:#?}"
        );
        assert!(got_credential.contains(credential), "{what}: {report:#?}");
        let listed = &report.doc["listed"];
        if base_url.starts_with("http://127.0.0.1") {
            assert_eq!(listed, "ok", "{what}: {report:#?}");
        } else {
            assert!(listed.is_null(), "{what}: {report:#?}");
        }
        // One INFO line says which service, which credential and where, and what was ignored.
        let line = report.choice_line();
        assert!(line.contains("INFO"), "{what}: {line}");
        assert!(line.contains(&format!("to {base_url}")), "{what}: {line}");
        let ignored: Vec<&str> = vars
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(name, _)| *name)
            .filter(|name| match backend {
                "NiceRouter" => ![ENV_API_KEY, ENV_BASE_URL].contains(name),
                _ if credential == jwt => {
                    ![ENV_ACCESS_KEY, ENV_SECRET_KEY, ENV_OFFICIAL_BASE_URL].contains(name)
                }
                _ => ![ENV_OFFICIAL_API_KEY, ENV_OFFICIAL_BASE_URL].contains(name),
            })
            .collect();
        for name in &ignored {
            assert!(line.contains(name), "{what}: {name} ignored: {line}");
        }
        if ignored.is_empty() {
            assert!(line.contains("ignored=none"), "{what}: {line}");
        }
        let expected = match (backend, credential == jwt) {
            ("NiceRouter", _) => "NiceRouter key",
            (_, false) => "official API key",
            (_, true) => "official access key and secret key (JWT)",
        };
        assert!(line.contains(expected), "{what}: {line}");
    }

    // The requests: the relay's under /kling, the official ones without it, all accepted.
    for entry in server.journal() {
        assert_eq!(entry.status, Some(200), "{entry:#?}");
        assert_eq!(
            entry.path.starts_with("/kling/"),
            entry.api == Api::NiceRouter,
            "{entry:#?}"
        );
    }

    // What is missing is named.
    for (what, vars, missing) in [
        ("nothing", vec![], ENV_API_KEY),
        ("a relay key without origin", vec![relay[0]], ENV_BASE_URL),
        (
            "a relay key without origin, with an API key",
            vec![relay[0], api_key[0]],
            ENV_BASE_URL,
        ),
        ("an access key alone", vec![pair[0]], ENV_SECRET_KEY),
        ("a secret key alone", vec![pair[1]], ENV_ACCESS_KEY),
        (
            "an access key and a blank API key",
            vec![pair[0], (ENV_OFFICIAL_API_KEY, " ")],
            ENV_SECRET_KEY,
        ),
    ] {
        let report = from_env_with(&vars);
        assert_eq!(report.error_name(), missing, "{what}: {report:#?}");
        assert!(
            !report.output.contains("from_env:"),
            "{what}: nothing chosen, nothing said: {report:#?}"
        );
    }
    let none = from_env_with(&[]);
    for alternative in [ENV_OFFICIAL_API_KEY, ENV_ACCESS_KEY, ENV_SECRET_KEY] {
        assert!(
            none.doc["error"].as_str().unwrap().contains(alternative),
            "{none:#?}"
        );
    }
}
