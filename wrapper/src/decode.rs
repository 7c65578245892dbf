//! The client's response decoders as plain functions: an HTTP status, headers and body in; a
//! [`Task`], a page of tasks or an [`Error`] out.
//!
//! Every API answer the client receives goes through exactly these functions (after the body
//! was read with its size cap). They are public for tools that replay saved answers, and for
//! the fuzz targets (`fuzz/` and the `nicerouter-kling-reliability` crate), which hold them to
//! one promise: no input, however malformed, makes them panic.
//!
//! ```
//! use nicerouter_kling::decode;
//! use nicerouter_kling::KlingCode;
//! use reqwest::StatusCode;
//! use reqwest::header::HeaderMap;
//!
//! let body = br#"{"code":0,"message":"SUCCEED","data":{"task_id":"1","task_status":"succeed"}}"#;
//! let task = decode::task_response(StatusCode::OK, &HeaderMap::new(), body)?;
//! assert_eq!(task.id(), "1");
//!
//! let error = decode::error_response(
//!     StatusCode::TOO_MANY_REQUESTS,
//!     &HeaderMap::new(),
//!     br#"{"code":1303,"message":"parallel task over resource pack limit"}"#,
//! );
//! assert_eq!(error.code(), Some(&KlingCode::ConcurrencyLimited));
//! assert!(error.is_retryable());
//!
//! // A proxy's HTML page inside HTTP 200 is an error, not a panic and not a task.
//! let html = decode::task_response(StatusCode::OK, &HeaderMap::new(), b"<html>502</html>");
//! assert!(html.is_err());
//! # Ok::<(), nicerouter_kling::Error>(())
//! ```

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::Error;
use crate::task::Task;
use crate::transport::{Answer, decode_list, decode_task, error_answer};

fn answer(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Answer {
    let mut answer = Answer::head(status, headers, SystemTime::now());
    answer.body = Bytes::copy_from_slice(body);
    answer
}

/// Decodes the answer to a create, a get or a lookup: Kling's envelope around one task.
///
/// Relays' variants are read too: `code` as a string (`"0"` and `"success"` mean success), a
/// create answered by an OpenAI-style video object without an envelope
/// (`{"id", "object": "video", "status": "queued", …}`), and a task with a relay's field
/// names (`id`, `status`, `fail_reason`). The task keeps the status word as sent;
/// [`Task::status`] normalises it (`SUCCESS`, `completed`, `FAILURE`, `cancelled`, …).
///
/// A non-2xx status, a non-zero `code` (also inside HTTP 200), a relay's error shape (also
/// inside HTTP 200: `{"code": "task_failed"}`, `{"error": {…}}`, `{"success": false}`), a
/// body that is none of these, or a success without `data` is an [`Error`].
///
/// ```
/// use nicerouter_kling::{Status, decode};
/// use reqwest::StatusCode;
/// use reqwest::header::HeaderMap;
///
/// let openai = br#"{"id":"task_01","object":"video","status":"queued","progress":0}"#;
/// let task = decode::task_response(StatusCode::OK, &HeaderMap::new(), openai)?;
/// assert_eq!((task.id(), task.status()), ("task_01", Status::Submitted));
///
/// let new_api = br#"{"code":"success","data":{"task_id":"task_01","status":"SUCCESS"}}"#;
/// let task = decode::task_response(StatusCode::OK, &HeaderMap::new(), new_api)?;
/// assert_eq!(task.status(), Status::Succeeded);
/// assert_eq!(task.raw().task_status.as_str(), "SUCCESS");
/// # Ok::<(), nicerouter_kling::Error>(())
/// ```
pub fn task_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Task, Error> {
    decode_task("decode", answer(status, headers, body)).map(|d| d.value)
}

/// Decodes the answer to a list: Kling's envelope around a page of tasks (same errors as
/// [`task_response`]).
pub fn task_list_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<Task>, Error> {
    decode_list("decode", answer(status, headers, body)).map(|d| d.value)
}

/// The error for a non-2xx answer: Kling's `{code, message, request_id}`, a relay's
/// `{code: "..."}` or `{error: {...}}`, or any other body (an HTML page) kept as a snippet
/// with the status, `x-request-id` and `Retry-After`.
pub fn error_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    error_answer("decode", &answer(status, headers, body))
}

/// The server's retry hint: `retry-after-ms` (milliseconds) or `Retry-After` (seconds, or an
/// HTTP date relative to `now`).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    crate::retry::retry_after(headers, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn headers_reach_the_error() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("hdr-1"));
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let e = error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &headers,
            b"<html>down</html>",
        );
        assert_eq!(e.request_id(), Some("hdr-1"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn lists_and_errors_in_200_decode() {
        let list = task_list_response(
            StatusCode::OK,
            &HeaderMap::new(),
            br#"{"code":0,"data":[{"task_id":"1","task_status":"queued"}]}"#,
        )
        .unwrap();
        assert_eq!(list.len(), 1);
        let e = task_response(
            StatusCode::OK,
            &HeaderMap::new(),
            br#"{"code":1102,"message":"Account balance not enough"}"#,
        )
        .unwrap_err();
        assert!(!e.is_retryable());
    }
}
