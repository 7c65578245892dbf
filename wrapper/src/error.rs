//! One error type to match on, with the facts every caller needs: HTTP status, Kling code,
//! message, `request_id`, whether a retry can help, and for creates whether the (paid) task
//! was certainly not created or may exist.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::Kind;
use crate::code::KlingCode;
use crate::download::DownloadError;
use crate::validation::ValidationError;
use crate::wait::WaitError;

/// Everything that can go wrong. Use the accessors ([`status`](Error::status),
/// [`code`](Error::code), [`request_id`](Error::request_id),
/// [`is_retryable`](Error::is_retryable), [`create_outcome`](Error::create_outcome)) for the
/// common questions, or match on the variants for the details.
///
/// ```
/// use nicerouter_kling::{Error, KlingCode};
///
/// fn explain(error: &Error) -> &'static str {
///     match error.code() {
///         Some(KlingCode::ResourcePackExhausted) => "top up the resource pack",
///         Some(KlingCode::ConcurrencyLimited) => "too many running tasks; try later",
///         _ if error.is_retryable() => "transient; try again",
///         _ => "permanent",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks a rule of the API; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The client is misconfigured (a missing environment variable, an unusable setting).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The server answered with an error: an HTTP error status, or HTTP 200 with a non-zero
    /// Kling `code`.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request did not complete: connection refused, timeout, connection cut.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server answered something that is not the expected JSON (a truncated or malformed
    /// body, a proxy's HTML page with status 200).
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// No credentials could be produced (for example a JWT could not be signed).
    #[error(transparent)]
    Auth(#[from] nicerouter_kling_raw::TokenError),
    /// A create failed; says whether the task was certainly not created or may exist.
    #[error(transparent)]
    Create(Box<CreateError>),
    /// A result download failed or was refused.
    #[error(transparent)]
    Download(Box<DownloadError>),
    /// Waiting for a task did not end in success (see [`WaitOutcome`](crate::WaitOutcome)).
    #[error(transparent)]
    Wait(Box<WaitError>),
}

impl Error {
    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => e.status,
            Error::Create(e) => e.source.status(),
            Error::Download(e) => e.status(),
            Error::Wait(e) => e.error().and_then(Error::status),
            _ => None,
        }
    }

    /// The Kling (or relay) business code, if the server sent one.
    pub fn code(&self) -> Option<&KlingCode> {
        match self {
            Error::Api(e) => e.code.as_ref(),
            Error::Create(e) => e.source.code(),
            Error::Wait(e) => e.error().and_then(Error::code),
            _ => None,
        }
    }

    /// The server's `request_id` (from the body, or the `x-request-id` header), to quote to
    /// support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::Create(e) => e.source.request_id(),
            Error::Wait(e) => e.error().and_then(Error::request_id),
            _ => None,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::Create(e) => e.source.retry_after(),
            _ => None,
        }
    }

    /// The API error, if the server answered with one (also inside a create error).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::Create(e) => e.source.api(),
            Error::Wait(e) => e.error().and_then(Error::api),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed, and is safe.
    ///
    /// True for connection errors and timeouts, HTTP 408, 429 and 5xx, codes 1302, 1303 and
    /// 5000–5002, and unparseable answers. False for account, auth, parameter and policy codes
    /// — notably 1102 (resource pack exhausted) and 1304 (IP whitelist), which come with HTTP
    /// 429 but never succeed on retry. For a create it is true only when the task was
    /// certainly not created; a create that [may exist](CreateOutcome::MayExist) must be looked
    /// up, not sent again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Transport(e) => e.is_retryable(),
            Error::Decode(_) => true,
            Error::Create(e) => e.outcome == CreateOutcome::NotCreated && e.source.is_retryable(),
            Error::Download(e) => e.is_retryable(),
            Error::Validation(_) | Error::Config(_) | Error::Auth(_) | Error::Wait(_) => false,
        }
    }

    /// For a failed create: whether the task was certainly not created or may exist.
    pub fn create_outcome(&self) -> Option<CreateOutcome> {
        match self {
            Error::Create(e) => Some(e.outcome),
            _ => None,
        }
    }

    /// For a failed create: the `external_task_id` the request carried, to look the task up
    /// later with [`Client::find_by_external_id`](crate::Client::find_by_external_id).
    pub fn external_task_id(&self) -> Option<&str> {
        match self {
            Error::Create(e) => e.external_task_id.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn api_error(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }

    pub(crate) fn decode(error: DecodeError) -> Self {
        Error::Decode(Box::new(error))
    }
}

/// A misconfigured client: which setting or environment variable, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration `{name}`: {problem}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The setting or environment variable, for example `NICEROUTER_API_KEY`.
    pub name: String,
    /// What is wrong with it.
    pub problem: String,
}

impl ConfigError {
    pub(crate) fn new(name: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            problem: problem.into(),
        }
    }
}

/// The server answered with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status. Business errors inside HTTP 200 have status 200 and a `code`.
    pub status: StatusCode,
    /// The Kling (or relay) code, when the body carried one.
    pub code: Option<KlingCode>,
    /// The server's explanation (or the HTTP reason phrase when there was none).
    pub message: String,
    /// The request id from the body or the `x-request-id` header.
    pub request_id: Option<String>,
    /// `Retry-After` (or `retry-after-ms`), when sent.
    pub retry_after: Option<Duration>,
    /// The start of the body, when it was not a JSON error (for example a proxy's HTML page).
    pub body_snippet: Option<String>,
    /// Whether the body was a JSON error object (Kling's, a relay's or OpenAI-style), that is,
    /// whether the API itself answered rather than a proxy or load balancer in front of it.
    pub(crate) json_body: bool,
}

impl ApiError {
    /// Whether a retry may succeed: see [`Error::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        match &self.code {
            Some(code) if code.is_transient() => true,
            Some(code) if code.is_permanent() => false,
            _ => {
                self.status == StatusCode::REQUEST_TIMEOUT
                    || self.status == StatusCode::TOO_MANY_REQUESTS
                    || self.status.is_server_error()
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(snippet) = &self.body_snippet {
            write!(f, " (body: {snippet})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// How a request failed to complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, DNS, TLS, connect timeout). Nothing was sent.
    Connect,
    /// The request or the answer took longer than the timeout. The server may have acted.
    Timeout,
    /// The connection broke while sending or receiving (reset, closed, truncated body). The
    /// server may have acted.
    Interrupted,
    /// The request could not be built or followed (redirect loop, invalid header).
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "cannot connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Interrupted => "connection interrupted",
            TransportErrorKind::Other => "request failed",
        })
    }
}

/// A request that did not complete.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {kind}: {source}")]
#[non_exhaustive]
pub struct TransportError {
    /// What went wrong.
    pub kind: TransportErrorKind,
    /// The operation, for example `create` or `get`.
    pub operation: &'static str,
    /// The underlying error.
    #[source]
    pub source: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(operation: &'static str, source: reqwest::Error) -> Self {
        let kind = if source.is_connect() {
            TransportErrorKind::Connect
        } else if source.is_timeout() {
            TransportErrorKind::Timeout
        } else if source.is_builder() || source.is_redirect() {
            TransportErrorKind::Other
        } else {
            TransportErrorKind::Interrupted
        };
        Self {
            kind,
            operation,
            source,
        }
    }

    /// Whether the request may have reached the server: everything but a connect failure.
    pub fn may_have_been_sent(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Other
        )
    }

    /// Whether a retry may help: everything but [`TransportErrorKind::Other`].
    pub fn is_retryable(&self) -> bool {
        self.kind != TransportErrorKind::Other
    }
}

/// An answer that is not the expected JSON.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {} is not a Kling response ({reason}): {body_snippet}", status.map_or_else(|| "the body".to_owned(), |s| format!("HTTP {} answer", s.as_u16())))]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, for example `create` or `get`.
    pub operation: &'static str,
    /// The HTTP status of the answer (none for a callback body).
    pub status: Option<StatusCode>,
    /// Why it could not be read.
    pub reason: String,
    /// The start of the body.
    pub body_snippet: String,
    /// The `x-request-id` header, if any.
    pub request_id: Option<String>,
}

/// Whether a failed create left a (paid) task behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreateOutcome {
    /// The task was certainly not created: the request never reached the server, or the
    /// server refused it (4xx, or a business code such as 1102, 1201, 1303). Sending it again
    /// cannot pay twice.
    NotCreated,
    /// The task may exist: the answer was lost (timeout or cut connection after sending), was
    /// a server error, or could not be read, and looking it up by its `external_task_id` did
    /// not settle the question. Look it up before sending it again.
    MayExist,
}

/// A create that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct CreateError {
    /// Whether the task was certainly not created or may exist.
    pub outcome: CreateOutcome,
    /// The kind of task.
    pub kind: Kind,
    /// The `external_task_id` the request carried.
    pub external_task_id: Option<String>,
    /// What failed.
    #[source]
    pub source: Error,
    /// Why the lookup by `external_task_id` that should have settled a "may exist" failed.
    pub lookup_error: Option<Box<Error>>,
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "create {} failed; ", self.kind)?;
        match (self.outcome, &self.external_task_id) {
            (CreateOutcome::NotCreated, _) => f.write_str("the task was not created")?,
            (CreateOutcome::MayExist, Some(id)) => write!(
                f,
                "the task may exist: look it up by external_task_id `{id}` before sending it again"
            )?,
            (CreateOutcome::MayExist, None) => f.write_str(
                "the task may exist and has no external_task_id to look it up by; check the task list before sending it again",
            )?,
        }
        write!(f, ": {}", self.source)?;
        if let Some(lookup) = &self.lookup_error {
            write!(f, " (the lookup failed too: {lookup})")?;
        }
        Ok(())
    }
}

/// The start of a body, for error messages: at most 200 characters, whitespace collapsed,
/// anything that looks like a credential redacted (the word after `Bearer`, `sk-…` keys,
/// JWTs, and `key=…`/`"token": …`-style assignments), because a proxy's error page may echo
/// the request it refused.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut out = String::with_capacity(MAX_CHARS + 1);
    let mut words = text.split_whitespace().peekable();
    let mut redact_next = false;
    while let Some(original) = words.next() {
        let secret = looks_secret(original);
        let word = if redact_next || secret == Secret::Here {
            "<redacted>"
        } else {
            original
        };
        redact_next = secret == Secret::Next;
        if out.chars().count() + word.chars().count() > MAX_CHARS {
            out.truncate(out.trim_end().len());
            out.push('…');
            break;
        }
        out.push_str(word);
        if words.peek().is_some() {
            out.push(' ');
        }
    }
    out
}

/// Where a word of an error body puts a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    None,
    /// The word itself: an OpenAI-style `sk-` key, a JWT (`eyJ…` with two dots), or an
    /// assignment to a key-, token-, secret- or signature-like name (`api_key=…`,
    /// `"access_token":"…"`, `X-Amz-Signature=…`).
    Here,
    /// The next word: after an authorization scheme (`Bearer`, `Basic`) or an assignment
    /// whose value follows a space (`api_key: sk-…`).
    Next,
}

fn looks_secret(word: &str) -> Secret {
    const NAMES: [&str; 5] = ["key", "token", "secret", "signature", "password"];
    let lower = word.to_ascii_lowercase();
    if matches!(lower.trim_end_matches(':'), "bearer" | "basic") {
        return Secret::Next;
    }
    let jwt = lower
        .find("eyj")
        .is_some_and(|at| lower[at..].matches('.').count() >= 2);
    let sk_key = lower.match_indices("sk-").any(|(at, _)| {
        lower[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count()
            >= 8
    });
    if jwt || sk_key {
        return Secret::Here;
    }
    let mut verdict = Secret::None;
    for name in NAMES {
        for (at, _) in lower.match_indices(name) {
            let rest = lower[at + name.len()..].trim_start_matches(['"', '\'']);
            let Some(value) = rest.strip_prefix(['=', ':']) else {
                continue;
            };
            if value.trim_matches(['"', '\'', ',', '}', ';']).is_empty() {
                verdict = Secret::Next;
            } else {
                return Secret::Here;
            }
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<i64>) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            code: code.map(KlingCode::from_i64),
            message: "m".into(),
            request_id: None,
            retry_after: None,
            body_snippet: None,
            json_body: true,
        }
    }

    #[test]
    fn retryability_follows_codes_before_statuses() {
        assert!(api(429, Some(1302)).is_retryable());
        assert!(api(429, Some(1303)).is_retryable());
        assert!(!api(429, Some(1102)).is_retryable());
        assert!(!api(429, Some(1304)).is_retryable());
        assert!(!api(403, Some(1103)).is_retryable());
        assert!(!api(401, Some(1004)).is_retryable());
        assert!(api(200, Some(5001)).is_retryable());
        assert!(!api(200, Some(1201)).is_retryable());
        assert!(api(502, None).is_retryable());
        assert!(api(408, None).is_retryable());
        assert!(api(503, Some(4242)).is_retryable());
        assert!(!api(400, None).is_retryable());
    }

    #[test]
    fn display_names_status_code_message_and_request_id() {
        let mut e = api(429, Some(1303));
        e.request_id = Some("req-1".into());
        assert_eq!(e.to_string(), "HTTP 429, code 1303: m [request_id req-1]");
    }

    #[test]
    fn snippets_are_short_collapsed_and_redacted() {
        let html = format!("<html>\n  <body>Bad   gateway {}</body>", "x ".repeat(300));
        let s = snippet(html.as_bytes());
        assert!(s.starts_with("<html> <body>Bad gateway x"), "{s}");
        assert!(s.chars().count() <= 201, "{}", s.chars().count());
        let echoed = snippet(b"Authorization: Bearer sk-secret-key rest");
        assert!(!echoed.contains("sk-secret-key"), "{echoed}");
        assert_eq!(echoed, "Authorization: Bearer <redacted> rest");
        for secret in [
            "<p>refused ?api_key=sk-abcdefgh12345 from you</p>",
            r#"{"key":"nr-live-0123456789","error":"denied"}"#,
            "token eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhayJ9.c2ln was expired",
            "https://cdn.example/v.mp4?X-Amz-Signature=abcdef0123 gone",
            "use sk-proj0123456789abcdef instead",
            "api_key: abcdef0123 was refused",
            "Authorization: Basic abcdef0123",
        ] {
            let s = snippet(secret.as_bytes());
            for leaked in [
                "sk-abcdefgh",
                "nr-live",
                "eyJhbGci",
                "abcdef0123",
                "sk-proj",
            ] {
                assert!(!s.contains(leaked), "{leaked} in {s}");
            }
            assert!(s.contains("<redacted>"), "{s}");
        }
        // Ordinary words stay.
        assert_eq!(
            snippet(b"the keyboard skipped: task-123 not found"),
            "the keyboard skipped: task-123 not found"
        );
    }
}
