//! Shared by the targets: split the fuzzer's bytes into a status, a few headers and a body, and
//! use whatever decodes the way a caller would.
#![allow(dead_code)] // each target uses part of it

use http::{HeaderMap, HeaderValue, StatusCode};
use nicerouter_kling::{Error, Task};

/// The first two bytes pick a status (100–999), the third how many header lines follow (each
/// `name: value\n`, names from those the client reads); the rest is the body.
pub fn split(data: &[u8]) -> (StatusCode, HeaderMap, &[u8]) {
    const NAMES: [&str; 4] = ["retry-after", "retry-after-ms", "x-request-id", "x-poll-after-ms"];
    let status = match data {
        [a, b, ..] => 100 + u16::from_be_bytes([*a, *b]) % 900,
        _ => 200,
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut rest = data.get(2..).unwrap_or_default();
    let mut headers = HeaderMap::new();
    let lines = rest.first().map_or(0, |n| n % 4);
    rest = rest.get(1..).unwrap_or_default();
    for i in 0..lines {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        if let Ok(value) = HeaderValue::from_bytes(&rest[..end]) {
            headers.append(NAMES[usize::from(i) % NAMES.len()], value);
        }
        rest = rest.get(end + 1..).unwrap_or_default();
    }
    (status, headers, rest)
}

/// Everything a caller may do with a decoded task.
pub fn use_task(task: &Task) {
    let _ = (
        task.id(),
        task.status().is_terminal(),
        task.status_message(),
        task.external_task_id(),
        task.created_at(),
        task.expires_at(),
        task.final_unit_deduction(),
        format!("{task:?}"),
    );
    for output in task.outputs() {
        let _ = (output.url.len(), output.duration);
    }
}

/// Everything a caller may do with an error.
pub fn use_error(error: &Error) {
    let _ = (
        error.to_string(),
        format!("{error:?}"),
        error.status(),
        error.code().map(|c| c.to_string()),
        error.request_id(),
        error.retry_after(),
        error.is_retryable(),
    );
}
