//! The one request path: build a request on the raw client's `reqwest::Client` and base URL,
//! run the raw client's hooks (authentication, tracing), read the answer with a size cap, and
//! turn it into a value or an [`Error`]. Create, get, list and lookup all go through here.

use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use nicerouter_kling_raw::{self as raw, ClientHooks, ClientInfo, OperationInfo, types};
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Kind;
use crate::client::Client;
use crate::code::KlingCode;
use crate::error::{ApiError, DecodeError, Error, TransportError, snippet};
use crate::retry;
use crate::task::Task;

mod relay;

use relay::{DataShape, Relayed};

/// An answer's status, body and the few headers the wrapper uses.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    /// A server's hint for the next poll (`x-poll-after-ms`, or `Retry-After` on a success).
    pub(crate) poll_after: Option<Duration>,
    /// The server's clock (`Date`), for diagnosing clock skew.
    pub(crate) date: Option<SystemTime>,
    /// `Content-Type`, for diagnosing what answered.
    pub(crate) content_type: Option<HeaderValue>,
}

impl Answer {
    /// An answer with an empty body and the headers the wrapper uses: `x-request-id`,
    /// `Retry-After` / `retry-after-ms` (an HTTP date is read relative to `now`), and the poll
    /// hint (`x-poll-after-ms`, or `Retry-After` on a success), `Date` and `Content-Type`.
    pub(crate) fn head(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Answer {
        let request_id = header_text(headers, &X_REQUEST_ID).map(str::to_owned);
        let retry_after = retry::retry_after(headers, now);
        let poll_after = header_text(headers, &X_POLL_AFTER_MS)
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
            .or(if status.is_success() {
                retry_after
            } else {
                None
            });
        let date = header_text(headers, &DATE).and_then(|d| httpdate::parse_http_date(d).ok());
        Answer {
            status,
            body: Bytes::new(),
            request_id,
            retry_after,
            poll_after,
            date,
            content_type: headers.get(CONTENT_TYPE).cloned(),
        }
    }
}

/// A decoded success and the server's poll hint.
#[derive(Debug)]
pub(crate) struct Decoded<T> {
    pub(crate) value: T,
    pub(crate) poll_after: Option<Duration>,
}

/// One API request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) operation: &'static str,
    /// What the request is about, for the trace: a kind's path segment, or an operation id.
    pub(crate) kind: &'static str,
    pub(crate) verb: Verb,
    pub(crate) url: &'a str,
}

/// The two HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
}

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

impl Client {
    /// Sends one request and decodes the answer, in a tracing span with the operation, kind,
    /// status, duration, Kling code and `request_id`. Never logs headers or bodies.
    pub(crate) async fn call<T>(
        &self,
        call: Call<'_>,
        body: Option<Bytes>,
        decode: fn(&'static str, Answer) -> Result<Decoded<T>, Error>,
    ) -> Result<Decoded<T>, Error> {
        let span = tracing::info_span!(
            "kling",
            operation = call.operation,
            kind = call.kind,
            status = tracing::field::Empty,
            code = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = async {
            let answer = self.send(call, body).await?;
            tracing::Span::current().record("status", answer.status.as_u16());
            decode(call.operation, answer)
        }
        .instrument(span.clone())
        .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        if let Err(error) = &result {
            if let Some(id) = error.request_id() {
                span.record("request_id", id);
            }
            if let Some(code) = error.code() {
                span.record("code", tracing::field::display(code));
            }
            tracing::debug!(parent: &span, error = %error, "kling request failed");
        }
        result
    }

    /// Sends one request and reads the answer (any status).
    async fn send(&self, call: Call<'_>, body: Option<Bytes>) -> Result<Answer, Error> {
        let inner = self.inner();
        // Held until the answer is read. The semaphore is never closed, so `acquire` cannot
        // fail; if it ever did, the request would go ahead unbounded rather than fail.
        let _permit = match &inner.permits {
            Some(permits) => permits.acquire().await.ok(),
            None => None,
        };
        let operation = call.operation;
        let mut builder = inner
            .raw
            .client()
            .request(
                match call.verb {
                    Verb::Get => Method::GET,
                    Verb::Post => Method::POST,
                },
                call.url,
            )
            .header(ACCEPT, APPLICATION_JSON)
            .timeout(request_timeout(
                inner.timeout,
                body.as_ref().map_or(0, Bytes::len),
            ));
        if let Some(body) = body {
            builder = builder.header(CONTENT_TYPE, APPLICATION_JSON).body(body);
        }
        if let Some(agent) = &inner.user_agent {
            builder = builder.header(USER_AGENT, agent.clone());
        }
        let mut request = builder
            .build()
            .map_err(|e| TransportError::new(operation, e))?;
        let info = OperationInfo {
            operation_id: operation,
        };
        ClientHooks::pre::<()>(&inner.raw, &mut request, &info)
            .await
            .map_err(|e| match e {
                progenitor_client::Error::Custom(message) => Error::Auth(raw::TokenError(message)),
                other => Error::Auth(raw::TokenError(other.to_string())),
            })?;
        let mut response = ClientHooks::exec(&inner.raw, request, &info)
            .await
            .map_err(|e| TransportError::new(operation, e))?;
        let status = response.status();
        let mut answer = Answer::head(status, response.headers(), inner.clock.system_time());
        answer.body =
            read_capped(&mut response, inner.max_response_bytes, operation, status).await?;
        Ok(answer)
    }

    /// The URL of a kind's collection (create and list).
    pub(crate) fn collection_url(&self, kind: Kind) -> String {
        self.kind_url(kind, 0)
    }

    /// The URL of one task (by `task_id` or `external_task_id`).
    pub(crate) fn task_url(&self, kind: Kind, id: &str) -> String {
        // Room for the id as it is; an id that needs escaping grows the string once.
        let mut url = self.kind_url(kind, 1 + id.len());
        url.push('/');
        push_path_segment(&mut url, id);
        url
    }

    /// The base URL and a kind's path, with room for `extra` more bytes: one allocation, no
    /// formatting.
    fn kind_url(&self, kind: Kind, extra: usize) -> String {
        let (base, path) = (self.base_url(), kind.path());
        let mut url = String::with_capacity(base.len() + path.len() + extra);
        url.push_str(base);
        url.push_str(path);
        url
    }
}

/// Characters escaped in a path segment: everything but RFC 3986 unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `segment` to `url`, percent-encoding every byte that is not an RFC 3986 unreserved
/// character. The encoder borrows a segment that needs no escaping (Kling's task ids are
/// digits), so such a segment is copied as it is.
fn push_path_segment(url: &mut String, segment: &str) {
    let encoded: std::borrow::Cow<'_, str> =
        percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT).into();
    url.push_str(&encoded);
}

/// `x-request-id`: the server's id of a request.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `x-poll-after-ms`: a server's hint for the next poll.
const X_POLL_AFTER_MS: HeaderName = HeaderName::from_static("x-poll-after-ms");

fn header_text<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Reads a body, refusing one larger than `cap` bytes. A body cut off mid-way is a transport
/// error (the server may have acted).
async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
    operation: &'static str,
    status: StatusCode,
) -> Result<Bytes, Error> {
    let too_large = |len: u64| {
        Error::decode(DecodeError {
            operation,
            status: Some(status),
            reason: format!("the answer is {len} bytes, more than the {cap}-byte limit"),
            body_snippet: String::new(),
            request_id: None,
        })
    };
    if let Some(len) = response.content_length().filter(|len| *len > cap as u64) {
        return Err(too_large(len));
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::new(operation, e))?
    {
        let len = first.as_ref().map_or(0, Bytes::len) + rest.len() + chunk.len();
        if len > cap {
            return Err(too_large(len as u64));
        }
        match first.take() {
            None if rest.is_empty() => first = Some(chunk),
            None => rest.extend_from_slice(&chunk),
            Some(head) => {
                rest.reserve(head.len() + chunk.len());
                rest.extend_from_slice(&head);
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

/// A Kling envelope: `{code, message, request_id, data}`.
pub(crate) trait Envelope: DeserializeOwned {
    type Data;
    /// What `data` holds, for reading relays' variants of the envelope.
    const SHAPE: DataShape;
    fn code(&self) -> i64;
    fn message(&self) -> Option<&str>;
    fn request_id(&self) -> Option<&str>;
    fn into_data(self) -> Option<Self::Data>;
}

impl Envelope for types::TaskResponse {
    type Data = types::Task;
    const SHAPE: DataShape = DataShape::Task;
    fn code(&self) -> i64 {
        self.code
    }
    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    fn into_data(self) -> Option<types::Task> {
        self.data
    }
}

impl Envelope for types::TaskListResponse {
    type Data = Vec<types::Task>;
    const SHAPE: DataShape = DataShape::Tasks;
    fn code(&self) -> i64 {
        self.code
    }
    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    fn into_data(self) -> Option<Vec<types::Task>> {
        self.data
    }
}

/// The time limit for one request: the configured one, plus a second per 256 KiB of body, so
/// that sending a large image on a slow uplink is not cut off (a cut create has an unknown
/// outcome and costs a lookup at best).
pub(crate) fn request_timeout(configured: Duration, body_len: usize) -> Duration {
    const UPLOAD_BYTES_PER_SEC: f64 = 256.0 * 1024.0;
    configured.saturating_add(Duration::from_secs_f64(
        body_len as f64 / UPLOAD_BYTES_PER_SEC,
    ))
}

/// Decodes an answer carrying one task.
pub(crate) fn decode_task(operation: &'static str, answer: Answer) -> Result<Decoded<Task>, Error> {
    decode_envelope::<types::TaskResponse>(operation, answer).map(|d| Decoded {
        value: Task::from_raw(d.value),
        poll_after: d.poll_after,
    })
}

/// Kling's envelope around any `data`.
#[derive(serde::Deserialize)]
pub(crate) struct DataEnvelope {
    code: i64,
    message: Option<String>,
    request_id: Option<String>,
    data: Option<serde_json::Value>,
}

impl Envelope for DataEnvelope {
    type Data = serde_json::Value;
    const SHAPE: DataShape = DataShape::Any;
    fn code(&self) -> i64 {
        self.code
    }
    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    fn into_data(self) -> Option<serde_json::Value> {
        self.data
    }
}

/// Decodes an answer carrying any `data`.
pub(crate) fn decode_data(
    operation: &'static str,
    answer: Answer,
) -> Result<Decoded<serde_json::Value>, Error> {
    decode_envelope::<DataEnvelope>(operation, answer)
}

/// Decodes an answer carrying a page of tasks.
pub(crate) fn decode_list(
    operation: &'static str,
    answer: Answer,
) -> Result<Decoded<Vec<Task>>, Error> {
    decode_envelope::<types::TaskListResponse>(operation, answer).map(|d| Decoded {
        value: d.value.into_iter().map(Task::from_raw).collect(),
        poll_after: d.poll_after,
    })
}

fn decode_envelope<E: Envelope>(
    operation: &'static str,
    answer: Answer,
) -> Result<Decoded<E::Data>, Error> {
    if !answer.status.is_success() {
        return Err(error_answer(operation, &answer));
    }
    let envelope = match serde_json::from_slice::<E>(&answer.body) {
        Ok(envelope) => envelope,
        // Not Kling's own shape: a relay's variant of it, or an error inside HTTP 200.
        Err(e) => match relay::read(&answer.body, E::SHAPE) {
            Relayed::Success(value) => match serde_json::from_value::<E>(value) {
                Ok(envelope) => envelope,
                Err(e) => return Err(decode_error(operation, &answer, e.to_string())),
            },
            Relayed::Error(body) => {
                return Err(relay_error(&answer, body)
                    .unwrap_or_else(|| decode_error(operation, &answer, e.to_string())));
            }
            Relayed::Unreadable => return Err(decode_error(operation, &answer, e.to_string())),
        },
    };
    if envelope.code() != 0 {
        return Err(Error::api_error(ApiError {
            status: answer.status,
            code: Some(KlingCode::from_i64(envelope.code())),
            message: envelope.message().unwrap_or_default().to_owned(),
            request_id: envelope
                .request_id()
                .map(str::to_owned)
                .or(answer.request_id.clone()),
            retry_after: answer.retry_after,
            body_snippet: None,
            json_body: true,
        }));
    }
    let request_id = envelope.request_id().map(str::to_owned);
    if let Some(id) = &request_id {
        tracing::Span::current().record("request_id", id.as_str());
    } else if let Some(id) = &answer.request_id {
        tracing::Span::current().record("request_id", id.as_str());
    }
    match envelope.into_data() {
        Some(value) => Ok(Decoded {
            value,
            poll_after: answer.poll_after,
        }),
        None => Err(decode_error(
            operation,
            &answer,
            "`code` is 0 but `data` is missing".into(),
        )),
    }
}

fn decode_error(operation: &'static str, answer: &Answer, reason: String) -> Error {
    Error::decode(DecodeError {
        operation,
        status: Some(answer.status),
        reason,
        body_snippet: snippet(&answer.body),
        request_id: answer.request_id.clone(),
    })
}

/// The error an HTTP 200 body states: a relay's `{"code": "...", "message"}` (or Kling's
/// code as a string), an OpenAI-style `{"error": {...}}`, or one-api's `{"success": false,
/// "message"}`. `None` when the object states no error after all (no code, message or
/// `error`): such a body stays unreadable, so that a create answered with it is looked up.
fn relay_error(answer: &Answer, body: serde_json::Map<String, serde_json::Value>) -> Option<Error> {
    let body: types::KlingError = serde_json::from_value(serde_json::Value::Object(body)).ok()?;
    let code = body.code.as_ref().and_then(KlingCode::from_json);
    let nested = body
        .error
        .as_ref()
        .is_some_and(serde_json::Value::is_object);
    if code.is_none() && !nested && body.message.as_deref().is_none_or(str::is_empty) {
        return None;
    }
    Some(Error::api_error(api_error_from_body(answer, body, code)))
}

/// The error for a non-2xx answer: Kling's `{code, message, request_id}`, a relay's
/// `{code: "..."}` or OpenAI-style `{error: {...}}`, or any other body (an HTML page) kept as a
/// snippet with the status.
pub(crate) fn error_answer(_operation: &'static str, answer: &Answer) -> Error {
    match serde_json::from_slice::<types::KlingError>(&answer.body) {
        Ok(body) if body.code.is_some() || body.message.is_some() || body.error.is_some() => {
            let code = body.code.as_ref().and_then(KlingCode::from_json);
            Error::api_error(api_error_from_body(answer, body, code))
        }
        _ => Error::api_error(ApiError {
            status: answer.status,
            code: None,
            message: answer
                .status
                .canonical_reason()
                .unwrap_or("error")
                .to_owned(),
            request_id: answer.request_id.clone(),
            retry_after: answer.retry_after,
            body_snippet: (!answer.body.is_empty()).then(|| snippet(&answer.body)),
            json_body: false,
        }),
    }
}

fn api_error_from_body(
    answer: &Answer,
    body: types::KlingError,
    code: Option<KlingCode>,
) -> ApiError {
    // OpenAI-style relays: {"error": {"message": "...", "code": "...", "type": "..."}}.
    let nested = body.error.as_ref().and_then(serde_json::Value::as_object);
    let nested_message = nested
        .and_then(|e| e.get("message"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let code = code.or_else(|| {
        nested
            .and_then(|e| e.get("code"))
            .and_then(KlingCode::from_json)
    });
    ApiError {
        status: answer.status,
        code,
        message: body
            .message
            .filter(|m| !m.is_empty())
            .or(nested_message)
            .unwrap_or_else(|| {
                answer
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_owned()
            }),
        request_id: body.request_id.or_else(|| answer.request_id.clone()),
        retry_after: answer.retry_after,
        body_snippet: None,
        json_body: true,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn large_bodies_get_time_to_upload() {
        let base = Duration::from_secs(60);
        assert_eq!(request_timeout(base, 0), base);
        assert!(request_timeout(base, 2_000) < base + Duration::from_millis(10));
        let image = request_timeout(base, 14 * 1024 * 1024);
        assert_eq!(image, base + Duration::from_secs(56));
        assert_eq!(request_timeout(Duration::MAX, usize::MAX), Duration::MAX);
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: Bytes::copy_from_slice(body.as_bytes()),
            request_id: Some("hdr-id".into()),
            retry_after: None,
            poll_after: None,
            date: None,
            content_type: None,
        }
    }

    #[test]
    fn path_segments_are_copied_or_percent_encoded_like_the_encoder_does() {
        for id in [
            "814570891207524415",
            "nrk-0123456789abcdef0123456789abcdef",
            "order-17:a.b_c",
            "a b/c?d#e%f",
            "~tilde.dot_under-dash",
            "猫",
            "",
        ] {
            let mut url = String::from("http://x/kling/v1/videos/text2video/");
            push_path_segment(&mut url, id);
            let expected = format!(
                "http://x/kling/v1/videos/text2video/{}",
                percent_encoding::utf8_percent_encode(id, PATH_SEGMENT)
            );
            assert_eq!(url, expected, "{id}");
        }
        let mut url = String::new();
        push_path_segment(&mut url, "order-17:a.b_c");
        assert_eq!(url, "order-17%3Aa.b_c");
    }

    #[test]
    fn urls_are_the_base_the_family_and_the_segment() {
        let client = Client::builder()
            .api_key("sk-test")
            .base_url("http://127.0.0.1:9/relay")
            .build()
            .unwrap();
        for &kind in Kind::ALL {
            assert_eq!(
                client.collection_url(kind),
                format!("http://127.0.0.1:9/relay/kling{}", kind.path())
            );
            assert_eq!(
                client.task_url(kind, "42"),
                format!("http://127.0.0.1:9/relay/kling{}/42", kind.path())
            );
        }
        assert_eq!(
            Kind::LipSync.path(),
            "/v1/videos/lip-sync",
            "the public path is unchanged"
        );
        assert_eq!(
            Kind::VirtualTryOn.path(),
            "/v1/images/kolors-virtual-try-on"
        );
    }

    #[test]
    fn answers_read_the_headers_they_use() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Request-Id", HeaderValue::from_static(" req-1 "));
        headers.insert("x-poll-after-ms", HeaderValue::from_static("2500"));
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let now = SystemTime::UNIX_EPOCH;
        let answer = Answer::head(StatusCode::OK, &headers, now);
        assert_eq!(answer.request_id.as_deref(), Some("req-1"));
        assert_eq!(answer.poll_after, Some(Duration::from_millis(2500)));
        assert_eq!(answer.retry_after, Some(Duration::from_secs(3)));
        headers.remove("x-poll-after-ms");
        let answer = Answer::head(StatusCode::OK, &headers, now);
        assert_eq!(
            answer.poll_after,
            Some(Duration::from_secs(3)),
            "Retry-After on a success"
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        let answer = Answer::head(StatusCode::TOO_MANY_REQUESTS, &headers, now);
        assert_eq!(answer.retry_after, Some(Duration::from_millis(1500)));
        assert_eq!(answer.poll_after, None, "no poll hint on an error");
    }

    #[test]
    fn business_errors_inside_200_are_errors() {
        let e = decode_task(
            "get",
            answer(
                200,
                r#"{"code":1201,"message":"Task not found","request_id":"r1"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::OK));
        assert_eq!(e.code(), Some(&KlingCode::InvalidParameter));
        assert_eq!(e.request_id(), Some("r1"));
        let e = decode_task(
            "get",
            answer(
                200,
                r#"{"code":"task_failed","message":"upstream said no"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(e.code(), Some(&KlingCode::Relay("task_failed".into())));
        assert_eq!(e.api().unwrap().message, "upstream said no");
    }

    #[test]
    fn html_pages_keep_status_and_snippet() {
        let e = decode_task(
            "get",
            answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        )
        .unwrap_err();
        let api = e.api().unwrap();
        assert_eq!(api.status, StatusCode::BAD_GATEWAY);
        assert_eq!(api.code, None);
        assert_eq!(api.message, "Bad Gateway");
        assert!(
            api.body_snippet
                .as_deref()
                .unwrap()
                .contains("502 Bad Gateway")
        );
        assert_eq!(api.request_id.as_deref(), Some("hdr-id"));
        assert!(e.is_retryable());
    }

    #[test]
    fn malformed_200_is_a_decode_error_with_snippet() {
        let e = decode_task("get", answer(200, r#"{"code":0,"data":{"task_id":"1""#)).unwrap_err();
        let Error::Decode(d) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(d.status, Some(StatusCode::OK));
        assert!(
            d.body_snippet.starts_with("{\"code\":0"),
            "{}",
            d.body_snippet
        );
        let e = decode_task("get", answer(200, r#"{"code":0,"message":"ok"}"#)).unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{e:?}");
    }

    #[test]
    fn openai_style_relay_errors_are_read() {
        let e = decode_task(
            "get",
            answer(
                401,
                r#"{"error":{"message":"invalid token","type":"auth","code":"invalid_api_key"}}"#,
            ),
        )
        .unwrap_err();
        let api = e.api().unwrap();
        assert_eq!(api.message, "invalid token");
        assert_eq!(api.code, Some(KlingCode::Relay("invalid_api_key".into())));
        assert!(!e.is_retryable());
    }

    #[test]
    fn relay_variants_decode_into_tasks() {
        for body in [
            r#"{"code":"0","data":{"task_id":"1","task_status":"submitted"}}"#,
            r#"{"code":"success","message":"","data":{"task_id":"1","status":"QUEUED"}}"#,
            r#"{"id":"1","object":"video","model":"kling-v1","status":"queued","progress":0,"created_at":1722769557}"#,
        ] {
            let t = decode_task("create", answer(200, body)).unwrap().value;
            assert_eq!(t.id(), "1", "{body}");
            assert_eq!(t.status(), crate::Status::Submitted, "{body}");
        }
        let t = decode_task(
            "get",
            answer(
                200,
                r#"{"code":0,"data":{"task_id":"1","task_status":"SUCCESS"}}"#,
            ),
        )
        .unwrap()
        .value;
        assert_eq!(
            t.raw().task_status.as_str(),
            "SUCCESS",
            "the raw word is kept"
        );
        assert_eq!(t.status(), crate::Status::Succeeded);
    }

    #[test]
    fn every_error_shape_inside_200_is_an_error() {
        for (body, code) in [
            (
                r#"{"code":"1303","message":"busy"}"#,
                Some(KlingCode::ConcurrencyLimited),
            ),
            (
                r#"{"code":"task_failed","message":"upstream","data":null}"#,
                Some(KlingCode::Relay("task_failed".into())),
            ),
            (
                r#"{"error":{"message":"quota","type":"x","code":"insufficient_quota"}}"#,
                Some(KlingCode::Relay("insufficient_quota".into())),
            ),
            (r#"{"success":false,"message":"quota"}"#, None),
        ] {
            let e = decode_task("create", answer(200, body)).unwrap_err();
            let api = e.api().unwrap_or_else(|| panic!("{body}: {e:?}"));
            assert_eq!(api.code, code, "{body}");
            assert_eq!(api.status, StatusCode::OK);
        }
        // Unreadable, so a create answered so is looked up, never sent again blindly.
        for body in [
            r#"{"code":"success","data":null}"#,
            r#"{"code":null,"data":{"task_id":"1"}}"#,
            r#"{"object":"video","status":"queued"}"#,
        ] {
            let e = decode_task("create", answer(200, body)).unwrap_err();
            assert!(matches!(e, Error::Decode(_)), "{body}: {e:?}");
        }
    }

    #[test]
    fn success_decodes_task_and_list() {
        let t = decode_task(
            "get",
            answer(200, r#"{"code":0,"message":"SUCCEED","request_id":"r","data":{"task_id":"9","task_status":"processing","extra":1}}"#),
        )
        .unwrap();
        assert_eq!(t.value.id(), "9");
        let l = decode_list(
            "list",
            answer(200, r#"{"code":0,"data":[{"task_id":"1","task_status":"succeed"},{"task_id":"2","task_status":"queued"}]}"#),
        )
        .unwrap();
        assert_eq!(l.value.len(), 2);
    }
}
