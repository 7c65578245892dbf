//! The journal: every request the server received, with its key redacted.

use serde_json::Value;

/// Which API a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// NiceRouter's relay: `/kling/v1/...`, static bearer key.
    NiceRouter,
    /// The official Kling API: `/v1/...`, HS256 JWT.
    Official,
    /// A result download: `/mock-media/...`.
    Media,
    /// A path the mock does not serve.
    Unknown,
}

/// One request, as received.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// Position in the journal, from 0.
    pub seq: usize,
    /// The HTTP method, for example `POST`.
    pub method: String,
    /// The path, for example `/kling/v1/videos/text2video`.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Which API the path belongs to.
    pub api: Api,
    /// The spec's `operationId`, when the path and method are one of the spec's operations.
    pub operation_id: Option<String>,
    /// The body: its JSON value, or a JSON string holding the text when it is not JSON;
    /// `None` when empty.
    pub body: Option<Value>,
    /// `Bearer <redacted>` when an `Authorization` header was sent (never the key itself);
    /// the scheme is kept so that a test can see a missing `Bearer`.
    pub authorization: Option<String>,
    /// The HTTP status answered; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// The faults applied to this request (names as [`crate::Fault`]'s `Display`), if any.
    pub fault: Option<String>,
    /// The `task_id` of the task this request created, if it was a create that made one.
    pub created_task: Option<String>,
}

/// A redacted `Authorization` header: the scheme, never the credentials.
pub(crate) fn redact(header: &str) -> String {
    match header.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_scheme_survives() {
        assert_eq!(redact("Bearer sk-secret"), "Bearer <redacted>");
        assert_eq!(redact("sk-secret"), "<redacted>");
    }
}
