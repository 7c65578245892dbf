//! Signed callbacks: Kling signs the callbacks it POSTs to `callback_url` with the Standard
//! Webhooks scheme. A [`Verifier`] made from the `whsec_…` secret checks a callback's
//! signature and age before its body is trusted.
//!
//! The scheme:
//!
//! * three headers: [`HEADER_ID`] (`webhook-id`, the same for every delivery of one
//!   message), [`HEADER_TIMESTAMP`] (`webhook-timestamp`, Unix seconds) and
//!   [`HEADER_SIGNATURE`] (`webhook-signature`);
//! * the signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`;
//! * the key is the base64 decoding of the secret after its `whsec_` prefix;
//! * a signature is `v1,` followed by the base64 of HMAC-SHA256(key, signed content). The
//!   signature header holds one or more of them separated by spaces (several while a key is
//!   being rotated); one that matches is enough, and entries of other versions are ignored;
//! * a timestamp more than five minutes ([`DEFAULT_TOLERANCE`]) from now, in either
//!   direction, is refused, so that a captured callback cannot be replayed later.
//!
//! Signatures are compared in constant time, and the secret never appears in `Debug`
//! output, errors or logs.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use nicerouter_kling::{Status, webhook::Verifier};
//!
//! let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"task_id": "814570891207524415", "task_status": "succeed"}"#;
//!
//! // What Kling sends: sign a body as it would (your server gets these headers).
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_786_000_000);
//! let signature = verifier.sign("msg_2x8Jz", 1_786_000_000, body);
//! let headers = [
//!     ("webhook-id", "msg_2x8Jz"),
//!     ("webhook-timestamp", "1786000000"),
//!     ("webhook-signature", signature.as_str()),
//! ];
//!
//! // What a receiver does: verify, then parse (one call does both).
//! verifier.verify(&headers, body, now)?;
//! let task = verifier.verify_task(&headers, body, now)?;
//! assert_eq!(task.status(), Status::Succeeded);
//!
//! // A changed body, or the same callback replayed ten minutes later, is refused.
//! let tampered = br#"{"task_id": "814570891207524415", "task_status": "failed"}"#;
//! assert!(verifier.verify(&headers, tampered, now).is_err());
//! let later = now + Duration::from_secs(600);
//! assert!(verifier.verify(&headers, body, later).is_err());
//! # Ok::<(), nicerouter_kling::webhook::WebhookError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::Error;
use crate::task::Task;

/// The header naming the message: the same on every delivery of one callback, so a receiver
/// can drop repeats.
pub const HEADER_ID: &str = "webhook-id";
/// The header with the time the callback was signed, in Unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header with the signatures: space-separated `v1,<base64>` entries.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The prefix of a webhook secret; the rest is the key, in base64.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a callback's timestamp may be from now, in either direction: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The only signature version of the scheme; entries of any other version are ignored.
const VERSION: &str = "v1";

/// Base64 as the scheme writes it (standard alphabet), read with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a callback, or a secret, was refused.
///
/// Every variant but [`Body`](Self::Body) and [`InvalidSecret`](Self::InvalidSecret) means
/// the callback is not proven to come from Kling ([`is_unauthenticated`](Self::is_unauthenticated)):
/// answer it with 401 and do not act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not `whsec_` followed by a non-empty base64 key. The message never
    /// repeats the secret.
    #[error("the webhook secret is not valid: {reason}")]
    InvalidSecret {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header of the scheme is absent (or empty).
    #[error("the `{header}` header is missing")]
    MissingHeader {
        /// Which one: [`HEADER_ID`], [`HEADER_TIMESTAMP`] or [`HEADER_SIGNATURE`].
        header: &'static str,
    },
    /// A header of the scheme is present but cannot be read.
    #[error("the `{header}` header is not valid: {reason}")]
    InvalidHeader {
        /// Which one.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The callback was signed too long ago, or claims a time too far ahead: a replay, or a
    /// clock far off.
    #[error(
        "the webhook timestamp {timestamp} is {}s {} the receiver's clock ({now}), more than the {}s allowed",
        timestamp.abs_diff(*now),
        if timestamp < now { "behind" } else { "ahead of" },
        tolerance.as_secs()
    )]
    TimestampOutsideTolerance {
        /// The callback's `webhook-timestamp`, Unix seconds.
        timestamp: i64,
        /// The receiver's time, Unix seconds.
        now: i64,
        /// The difference allowed.
        tolerance: Duration,
    },
    /// No `v1` signature in the header matches the body with this secret: the body was
    /// changed, or it was signed with another secret.
    #[error("no webhook signature matches the body (of {v1_signatures} v1 signature(s))")]
    NoMatchingSignature {
        /// How many `v1` entries the header held.
        v1_signatures: usize,
    },
    /// The signature is good but the body is not a task object.
    #[error("the callback body is not a task: {0}")]
    Body(#[source] Box<Error>),
}

impl WebhookError {
    /// Whether the callback is not proven to come from Kling: a header missing or invalid,
    /// a timestamp outside the tolerance, or no matching signature (a receiver answers 401).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            Self::MissingHeader { .. }
                | Self::InvalidHeader { .. }
                | Self::TimestampOutsideTolerance { .. }
                | Self::NoMatchingSignature { .. }
        )
    }

    /// Whether the callback was signed too long ago or too far ahead.
    pub fn is_timestamp(&self) -> bool {
        matches!(self, Self::TimestampOutsideTolerance { .. })
    }

    /// Whether the signature is good but the body is not a task (a receiver answers 400).
    pub fn is_body(&self) -> bool {
        matches!(self, Self::Body(_))
    }
}

/// Where a callback's headers are read from. Names are matched without regard to case.
///
/// Implemented for `http::HeaderMap` (as used by hyper, axum and reqwest), for arrays,
/// slices and vectors of name/value pairs, and for `HashMap<String, String>`.
pub trait Headers {
    /// The value of the header `name` (lower case), if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl Headers for reqwest::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|value| value.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Headers for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<S: std::hash::BuildHasher> Headers for HashMap<String, String, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str).or_else(|| {
            self.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        })
    }
}

impl<H: Headers + ?Sized> Headers for &H {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

/// Checks signed callbacks with one webhook secret. Cheap to clone; `Debug` does not show
/// the secret.
#[derive(Clone)]
pub struct Verifier {
    /// HMAC-SHA256 keyed with the secret, before any content.
    mac: Hmac<Sha256>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"<redacted>")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Verifier {
    /// A verifier for the secret `whsec_<base64 key>` (surrounding whitespace is ignored),
    /// with the default tolerance of five minutes.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the prefix is missing, or the rest is empty or
    /// not base64.
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let invalid = |reason| WebhookError::InvalidSecret { reason };
        let encoded = secret
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| invalid("it must start with `whsec_`"))?;
        if encoded.is_empty() {
            return Err(invalid("nothing follows `whsec_`"));
        }
        // The decoder's error names the offending byte, which is part of the secret: it is
        // not passed on.
        let key = BASE64
            .decode(encoded)
            .map_err(|_| invalid("what follows `whsec_` is not base64"))?;
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .map_err(|_| invalid("the key cannot be used for HMAC-SHA256"))?;
        Ok(Self {
            mac,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets how far a callback's timestamp may be from now, in either direction (default
    /// [`DEFAULT_TOLERANCE`], five minutes).
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks a callback: the three headers are present, its timestamp is within the
    /// tolerance of `now` (pass `SystemTime::now()`; tests pass a fixed time), and one of its
    /// `v1` signatures is the HMAC of `{id}.{timestamp}.{body}` with this secret. `body` is
    /// the raw request body, exactly as received (not re-serialised JSON).
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingHeader`], [`WebhookError::InvalidHeader`],
    /// [`WebhookError::TimestampOutsideTolerance`] or [`WebhookError::NoMatchingSignature`];
    /// for each of them [`WebhookError::is_unauthenticated`] is true.
    pub fn verify<H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let id = required(headers, HEADER_ID)?;
        let timestamp_text = required(headers, HEADER_TIMESTAMP)?;
        let signatures = required(headers, HEADER_SIGNATURE)?;

        let timestamp = parse_timestamp(timestamp_text)?;
        let now = unix_seconds(now);
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if now.saturating_sub(timestamp) > tolerance || timestamp.saturating_sub(now) > tolerance {
            return Err(WebhookError::TimestampOutsideTolerance {
                timestamp,
                now,
                tolerance: self.tolerance,
            });
        }

        let expected = self.signed(id, timestamp_text, body);
        let mut v1_signatures = 0;
        let mut matched = false;
        for entry in signatures.split_ascii_whitespace() {
            let Some((VERSION, encoded)) = entry.split_once(',') else {
                continue;
            };
            v1_signatures += 1;
            // An entry that is not base64 cannot match; it does not spoil the others.
            if let Ok(candidate) = BASE64.decode(encoded) {
                // Constant time: `verify_slice` compares every byte whatever the first
                // difference. Every entry is checked, so the time does not tell which matched.
                matched |= expected.clone().verify_slice(&candidate).is_ok();
            }
        }
        if matched {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature { v1_signatures })
        }
    }

    /// [`verify`](Self::verify)s a callback, then parses its body with
    /// [`Task::from_callback_body`] (a bare task object, or one inside a
    /// `{"code", "message", "data"}` envelope).
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify), or [`WebhookError::Body`] when the body is signed but
    /// is not a task.
    pub fn verify_task<H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Task, WebhookError> {
        self.verify(headers, body, now)?;
        Task::from_callback_body(body).map_err(|e| WebhookError::Body(Box::new(e)))
    }

    /// The `webhook-signature` value Kling would send for this message: `v1,<base64>`. For
    /// tests, and for forwarding callbacks signed the same way.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self
            .signed(id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!("{VERSION},{}", STANDARD.encode(tag))
    }

    /// The HMAC over `{id}.{timestamp}.{body}`, not yet finalised.
    fn signed(&self, id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The value of a header the scheme requires; empty counts as missing.
fn required<'h, H: Headers + ?Sized>(
    headers: &'h H,
    name: &'static str,
) -> Result<&'h str, WebhookError> {
    headers
        .header(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or(WebhookError::MissingHeader { header: name })
}

/// `webhook-timestamp`: whole Unix seconds, digits only.
fn parse_timestamp(text: &str) -> Result<i64, WebhookError> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidHeader {
            header: HEADER_TIMESTAMP,
            reason: "expected whole Unix seconds",
        });
    }
    text.parse().map_err(|_| WebhookError::InvalidHeader {
        header: HEADER_TIMESTAMP,
        reason: "too large",
    })
}

/// `time` in whole Unix seconds (negative before 1970).
fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}
