//! Diagnostics: one free GET sent as every request is (same authentication, same hooks), its
//! answer kept as it came, and what that answer says about the route — whether a relay
//! forwarded it to Kling, refused the key, or answered with a page of its own.
//!
//! `kling doctor` is built on it. Only GETs are sent, so a probe never creates (or pays for)
//! anything.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::Value;

use crate::client::Client;
use crate::code::KlingCode;
use crate::error::{Error, snippet};
use crate::task::Task;
use crate::transport::{Answer, Call, Decoded, Verb, decode_data, decode_list, error_answer};
use crate::validation::ValidationError;

/// What an answer says about the route it was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// The request reached the API: a 2xx JSON answer, Kling's (or a relay's) JSON error with
    /// a code, for example 400/1201 "task not found" for an unknown id.
    Reached,
    /// Nothing behind the URL serves it: a 404 or 405 that is not Kling's (an HTML page,
    /// plain text, an OpenAI-style `{"error": …}` without a code), Kling's 1202 (no such
    /// method or path), or a 2xx that is not JSON (a web page).
    NotServed,
    /// The key was refused (HTTP 401, or a code 1000–1004), which says nothing of the route.
    KeyRefused,
    /// Neither can be told: a 5xx, a 429, or a 4xx without a JSON body.
    Unclear,
}

/// The answer to one probe.
#[derive(Debug)]
pub struct Probe {
    url: String,
    answer: Answer,
    received_at: SystemTime,
}

impl Probe {
    /// The URL probed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.answer.status
    }

    /// The `Content-Type`, when sent.
    pub fn content_type(&self) -> Option<&str> {
        self.answer
            .content_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
    }

    /// The body's `code` as Kling's or a relay's code, when the body is a JSON object with one.
    pub fn code(&self) -> Option<KlingCode> {
        self.object()?.get("code").and_then(KlingCode::from_json)
    }

    /// The first characters of the body, printable.
    pub fn body_snippet(&self) -> String {
        snippet(&self.answer.body)
    }

    /// What the answer says about the route.
    pub fn route(&self) -> Route {
        let status = self.answer.status;
        let object = self.object();
        let code = self.code();
        if status == StatusCode::UNAUTHORIZED || code.as_ref().is_some_and(KlingCode::is_auth) {
            return Route::KeyRefused;
        }
        if code == Some(KlingCode::InvalidMethod) {
            return Route::NotServed;
        }
        match status.as_u16() {
            200..=299 if object.is_some() => Route::Reached,
            200..=299 => Route::NotServed,
            404 if code.is_some() => Route::Reached,
            404 | 405 => Route::NotServed,
            429 => Route::Unclear,
            400..=499 if object.is_some() => Route::Reached,
            _ => Route::Unclear,
        }
    }

    /// The error the answer states: the error of a non-2xx answer, or of a 2xx whose body is
    /// an error (or unreadable); `None` for a success.
    pub fn error(&self) -> Option<Error> {
        if !self.answer.status.is_success() {
            return Some(error_answer("probe", &self.answer));
        }
        decode_data("probe", self.copy()).err()
    }

    /// The answer read as a page of tasks (the answer to a list).
    pub fn tasks(&self) -> Result<Vec<Task>, Error> {
        decode_list("probe", self.copy()).map(|d| d.value)
    }

    /// The server's clock (its `Date` header) minus ours when the answer arrived, in whole
    /// seconds: positive when the server is ahead. `Date` has a resolution of one second.
    pub fn clock_skew(&self) -> Option<i64> {
        let server = self.answer.date?;
        let secs = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok())
        };
        Some(secs(server)? - secs(self.received_at)?)
    }

    fn object(&self) -> Option<serde_json::Map<String, Value>> {
        match serde_json::from_slice::<Value>(&self.answer.body).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    fn copy(&self) -> Answer {
        Answer {
            status: self.answer.status,
            body: self.answer.body.clone(),
            request_id: self.answer.request_id.clone(),
            retry_after: self.answer.retry_after,
            poll_after: self.answer.poll_after,
            date: self.answer.date,
            content_type: self.answer.content_type.clone(),
        }
    }
}

fn keep(_operation: &'static str, answer: Answer) -> Result<Decoded<Answer>, Error> {
    Ok(Decoded {
        value: answer,
        poll_after: None,
    })
}

impl Client {
    /// Sends one GET to `url`, authenticated as every request is, once (no retries), and
    /// returns the answer whatever its status. For diagnostics: `kling doctor` probes each
    /// kind's routes with it.
    ///
    /// `url` must be on the origin of the [base URL](Self::base_url) (same scheme, host and
    /// port), so that the key is never sent anywhere else; another origin is a
    /// [`ValidationError`] and nothing is sent. Transport failures (no connection, a
    /// timeout) are errors; any HTTP answer is a [`Probe`].
    ///
    /// ```
    /// use nicerouter_kling::{Client, probe::Route};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = nicerouter_kling_mock::MockServer::start().await?;
    /// let client = Client::builder().api_key(server.api_key()).base_url(server.base_url()).build()?;
    /// let url = format!("{}/v1/videos/text2video/999", client.base_url());
    /// let probe = client.probe(&url).await?;
    /// assert_eq!(probe.status(), 400); // Kling's "no such task": the route is served
    /// assert_eq!(probe.route(), Route::Reached);
    /// let elsewhere = format!("{}/v1/videos/nothing-here/1", client.base_url());
    /// assert_eq!(client.probe(&elsewhere).await?.route(), Route::NotServed);
    /// assert!(client.probe("https://example.com/v1/videos/text2video/1").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn probe(&self, url: &str) -> Result<Probe, Error> {
        let origin = |u: &str| reqwest::Url::parse(u).ok().map(|u| u.origin());
        if origin(url).is_none() || origin(url) != origin(self.base_url()) {
            return Err(ValidationError::new(
                "url",
                "must be on the base URL's origin (the key is sent with it)",
            )
            .into());
        }
        let call = Call {
            operation: "probe",
            kind: "probe",
            verb: Verb::Get,
            url,
        };
        let answer = self.call(call, None, keep).await?.value;
        Ok(Probe {
            url: url.to_owned(),
            answer,
            received_at: self.inner().clock.system_time(),
        })
    }
}

/// The largest clock skew, in seconds, that a JWT minted here survives: the server may be
/// behind by the `nbf` back-dating (5 s), and ahead by the token's life (30 minutes) less the
/// margin before it is renewed.
pub const JWT_SKEW_BEHIND: Duration = Duration::from_secs(5);

/// See [`JWT_SKEW_BEHIND`]: how far ahead the server's clock may be.
pub const JWT_SKEW_AHEAD: Duration = Duration::from_secs(25 * 60);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use bytes::Bytes;
    use reqwest::header::HeaderValue;

    fn probe(status: u16, body: &str) -> Probe {
        Probe {
            url: "http://x/kling/v1/videos/text2video/1".into(),
            answer: Answer {
                status: StatusCode::from_u16(status).unwrap(),
                body: Bytes::copy_from_slice(body.as_bytes()),
                request_id: None,
                retry_after: None,
                poll_after: None,
                date: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000)),
                content_type: Some(HeaderValue::from_static("application/json")),
            },
            received_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_003_900),
        }
    }

    #[test]
    fn answers_tell_the_route() {
        for (status, body, route) in [
            (
                400,
                r#"{"code":1201,"message":"Task not found"}"#,
                Route::Reached,
            ),
            (
                400,
                r#"{"code":"task_not_exist","message":"x"}"#,
                Route::Reached,
            ),
            (
                404,
                r#"{"code":1203,"message":"not found"}"#,
                Route::Reached,
            ),
            (200, r#"{"code":0,"data":[]}"#, Route::Reached),
            (404, "<html>404 Not Found</html>", Route::NotServed),
            (404, "404 page not found", Route::NotServed),
            (
                404,
                r#"{"error":{"message":"Invalid URL","type":"invalid_request_error"}}"#,
                Route::NotServed,
            ),
            (
                404,
                r#"{"code":1202,"message":"Invalid request method or path"}"#,
                Route::NotServed,
            ),
            (405, "", Route::NotServed),
            (200, "<!doctype html><title>Relay</title>", Route::NotServed),
            (
                401,
                r#"{"error":{"message":"invalid token"}}"#,
                Route::KeyRefused,
            ),
            (
                400,
                r#"{"code":1004,"message":"token expired"}"#,
                Route::KeyRefused,
            ),
            (502, "<html>Bad Gateway</html>", Route::Unclear),
            (429, r#"{"code":1302}"#, Route::Unclear),
            (400, "bad", Route::Unclear),
        ] {
            assert_eq!(probe(status, body).route(), route, "{status} {body}");
        }
    }

    #[test]
    fn errors_tasks_and_skew_are_read_from_the_answer() {
        let p = probe(
            200,
            r#"{"code":"success","data":[{"id":"1","status":"queued"}]}"#,
        );
        assert_eq!(p.tasks().unwrap().len(), 1);
        assert!(p.error().is_none());
        assert_eq!(p.clock_skew(), Some(-3), "whole seconds, server behind");
        let e = probe(401, r#"{"code":1002,"message":"bad key"}"#)
            .error()
            .unwrap();
        assert_eq!(e.code(), Some(&KlingCode::AuthInvalid));
        assert!(probe(200, "<html>").error().is_some());
        assert_eq!(probe(200, "").content_type(), Some("application/json"));
    }
}
