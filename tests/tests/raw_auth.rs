//! Authentication goes through the hook: a static key, or a token source asked per request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use nicerouter_kling_contract_tests::{Canned, CaptureServer};
use nicerouter_kling_raw::{Auth, BearerToken, Client, Inner, TokenError, TokenSource};
use serde_json::json;

#[derive(Debug, Default)]
struct Counting(AtomicUsize);

impl TokenSource for Counting {
    fn token(&self) -> Result<BearerToken, TokenError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(BearerToken::new(format!("jwt-{n}")))
    }
}

#[derive(Debug)]
struct Broken;

impl TokenSource for Broken {
    fn token(&self) -> Result<BearerToken, TokenError> {
        Err(TokenError("secret key rejected by the minter".into()))
    }
}

#[tokio::test]
async fn a_token_source_is_asked_before_every_request() {
    let server = CaptureServer::start().await.unwrap();
    server.answer(Canned::json(
        200,
        &json!({"code": 0, "data": {"task_id": "1", "task_status": "submitted"}}),
    ));
    let client = Client::new(
        &server.url(""),
        Inner::new(Auth::source(Counting::default())),
    );
    client.get_text2video().task_id("1").send().await.unwrap();
    client.get_text2video().task_id("1").send().await.unwrap();
    let seen = server.take();
    assert_eq!(seen[0].header("authorization"), Some("Bearer jwt-0"));
    assert_eq!(seen[1].header("authorization"), Some("Bearer jwt-1"));
}

#[tokio::test]
async fn a_failing_token_source_sends_nothing() {
    let server = CaptureServer::start().await.unwrap();
    let client = Client::new(&server.url(""), Inner::new(Auth::source(Broken)));
    let err = client
        .get_text2video()
        .task_id("1")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("secret key rejected"), "{err}");
    assert!(server.take().is_empty());
}

#[tokio::test]
async fn no_auth_sends_no_header() {
    let server = CaptureServer::start().await.unwrap();
    server.answer(Canned::json(
        200,
        &json!({"code": 0, "data": {"task_id": "1", "task_status": "submitted"}}),
    ));
    let client = Client::new(&server.url(""), Inner::default());
    client.get_text2video().task_id("1").send().await.unwrap();
    assert_eq!(server.take()[0].header("authorization"), None);
}
