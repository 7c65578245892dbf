//! The one create path. It never creates a second paid task for one logical request:
//!
//! * every create carries an `external_task_id` (generated unless the caller set one);
//! * the body is serialised once into `Bytes`, and the same bytes (same id) are reused for any
//!   retry;
//! * each failed attempt is classified: **not created** (nothing reached the server, or the
//!   server refused it: 4xx, 1302/1303, 1102, 401 …) or **may exist** (timeout or cut
//!   connection after sending, 5xx, an unreadable 2xx);
//! * only "not created" and retryable attempts are sent again;
//! * "may exist" is settled by looking the task up by its `external_task_id` first: found →
//!   that task; certainly not found → sent again with the same id; lookup failed → an error
//!   saying the task may exist, with the id to look it up later;
//! * a re-send rejected because the `external_task_id` is already taken is looked up again.

use std::io;

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Serialize;
use tracing::Instrument;

use crate::client::Client;
use crate::code::KlingCode;
use crate::entropy;
use crate::error::{CreateError, CreateOutcome, Error, TransportErrorKind};
use crate::task::{RequestSummary, Task, TaskHandle};
use crate::transport::{Call, Verb, decode_task};
use crate::validation::{self, ValidationError};
use crate::{CreateBody, Kind};
use serde_json::Value;

/// The create-body field that names a task for the caller; every create body has it.
pub(crate) const EXTERNAL_TASK_ID: &str = "external_task_id";

fn unserialisable(e: serde_json::Error) -> ValidationError {
    ValidationError::new("body", format!("cannot be serialised: {e}"))
}

/// How one failed create attempt left things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    NotCreated,
    MayExist,
    /// The server refused the `external_task_id` as already used: our earlier attempt (or a
    /// concurrent one) created the task.
    IdTaken,
}

impl Client {
    /// Creates a task from a generated request body, for example one read from a JSON file.
    ///
    /// The body is checked first ([`validation::check`](crate::validation::check): the
    /// spec's schema, its prose rules, the media strings); a broken rule is
    /// [`Error::Validation`] naming the field, and nothing is sent. The per-kind builders
    /// (`client.text_to_video().prompt(..)`) end in the same create path.
    ///
    /// Returns the [`TaskHandle`] of the created (paid) task. On failure the error says
    /// whether the task was certainly not created or may exist
    /// ([`Error::create_outcome`]), with the `external_task_id` to look it up by.
    ///
    /// ```
    /// use nicerouter_kling::raw::types;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = nicerouter_kling_mock::MockServer::start().await?;
    /// # let client = nicerouter_kling::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.base_url())
    /// #     .build()?;
    /// // A body read from JSON: checked before it is sent.
    /// let bad: types::Text2VideoRequest =
    ///     serde_json::from_str(r#"{"prompt": "a cat", "cfg_scale": 2}"#)?;
    /// let err = client.create(bad).await.unwrap_err();
    /// assert!(matches!(err, nicerouter_kling::Error::Validation(v) if v.field == "cfg_scale"));
    ///
    /// let good: types::Text2VideoRequest =
    ///     serde_json::from_str(r#"{"prompt": "a cat", "cfg_scale": 0.5}"#)?;
    /// let handle = client.create(good).await?;
    /// assert!(handle.external_task_id.is_some()); // generated, so a lost answer can be found
    /// # assert_eq!(server.tasks_created(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create<B: CreateBody>(&self, body: B) -> Result<TaskHandle, Error> {
        let mut value = serde_json::to_value(&body).map_err(unserialisable)?;
        drop(body);
        let media_len = validation::check_body(B::KIND, &mut value, &[])?;
        self.create_checked(B::KIND, value, media_len).await
    }

    /// Creates a task of `kind` from a JSON body, checked first as [`create`](Self::create)
    /// checks a typed one.
    pub async fn create_json(&self, kind: Kind, mut body: Value) -> Result<TaskHandle, Error> {
        let media_len = validation::check_body(kind, &mut body, &[])?;
        self.create_checked(kind, body, media_len).await
    }

    /// Creates a task from a body that has passed [`validation::check`]: sets its
    /// `external_task_id` (generated unless given), serialises it once, and sends it.
    pub(crate) async fn create_checked(
        &self,
        kind: Kind,
        mut body: Value,
        media_len: usize,
    ) -> Result<TaskHandle, Error> {
        // An empty id means none, as Kling's own examples send it.
        let given = body
            .get(EXTERNAL_TASK_ID)
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        let external_task_id = match given {
            Some(id) => Some(id),
            None if self.inner().auto_external_task_id => {
                let id = entropy::external_task_id(self.inner().entropy.as_ref());
                if let Some(map) = body.as_object_mut() {
                    map.insert(EXTERNAL_TASK_ID.to_owned(), Value::String(id.clone()));
                }
                Some(id)
            }
            None => None,
        };
        let mut summary = RequestSummary::of(&body);
        let bytes = serialize_once(&body, media_len)?;
        drop(body);
        summary.body_bytes = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let span = tracing::info_span!(
            "kling.create",
            kind = kind.segment(),
            external_task_id = external_task_id.as_deref(),
            task_id = tracing::field::Empty,
        );
        let created = self
            .create_bytes(kind, bytes, summary, external_task_id.as_deref())
            .instrument(span.clone())
            .await;
        match created {
            Ok((task, summary)) => {
                span.record("task_id", task.id());
                Ok(self.handle_for(kind, &task, external_task_id, summary))
            }
            Err((outcome, source, lookup_error)) => Err(Error::Create(Box::new(CreateError {
                outcome,
                kind,
                external_task_id,
                source,
                lookup_error: lookup_error.map(Box::new),
            }))),
        }
    }

    /// Sends the serialised body until the task is created or certainly can't be, looking it
    /// up whenever it may exist.
    async fn create_bytes(
        &self,
        kind: Kind,
        bytes: Bytes,
        summary: RequestSummary,
        external_task_id: Option<&str>,
    ) -> Result<(Task, RequestSummary), (CreateOutcome, Error, Option<Error>)> {
        let url = self.collection_url(kind);
        let call = Call {
            operation: "create",
            kind: kind.segment(),
            verb: Verb::Post,
            url: &url,
        };
        let mut tries = 0u32;
        let mut reminted = false;
        loop {
            tries += 1;
            let error = match self.call(call, Some(bytes.clone()), decode_task).await {
                Ok(created) => {
                    self.inner().budget.refund();
                    return Ok((created.value, summary));
                }
                Err(error) => error,
            };
            match classify(&error) {
                Attempt::NotCreated => {
                    if !reminted && self.remint_after(&error) {
                        reminted = true;
                        tries -= 1;
                        continue;
                    }
                    if !error.is_retryable() {
                        return Err((CreateOutcome::NotCreated, error, None));
                    }
                    let Ok(delay) = self.retry_delay(&error, tries, None) else {
                        return Err((CreateOutcome::NotCreated, error, None));
                    };
                    tracing::info!(
                        retry = tries,
                        delay_ms = delay.as_millis() as u64,
                        error = %error,
                        "create refused; the task was not created; sending it again with the same external_task_id"
                    );
                    self.inner().clock.sleep(delay).await;
                }
                outcome @ (Attempt::MayExist | Attempt::IdTaken) => {
                    let Some(ext) = external_task_id else {
                        return Err((CreateOutcome::MayExist, error, None));
                    };
                    // A timed-out or cut attempt (or the one that took this id) may still be
                    // running on the server: the lookup waits for the retry delay first, since
                    // a "not found" asked at once would prove nothing. Without a retry left,
                    // it looks at once and never sends again.
                    let settle = self.retry_delay(&error, tries, None).ok();
                    let may_resend = outcome == Attempt::MayExist && settle.is_some();
                    tracing::warn!(
                        error = %error,
                        external_task_id = ext,
                        settle_ms = settle.map(|d| d.as_millis() as u64),
                        "create outcome unknown; looking the task up before sending anything again"
                    );
                    if let Some(delay) = settle {
                        self.inner().clock.sleep(delay).await;
                    }
                    match self.find_by_external_id(kind, ext).await {
                        Ok(Some(task)) => {
                            tracing::info!(
                                task_id = task.id(),
                                "found the task created by the lost attempt"
                            );
                            return Ok((task, summary));
                        }
                        Ok(None) if may_resend => tracing::info!(
                            "the task does not exist; sending it again with the same external_task_id"
                        ),
                        Ok(None) => return Err((CreateOutcome::MayExist, error, None)),
                        Err(lookup) => return Err((CreateOutcome::MayExist, error, Some(lookup))),
                    }
                }
            }
        }
    }

    fn handle_for(
        &self,
        kind: Kind,
        task: &Task,
        external_task_id: Option<String>,
        summary: RequestSummary,
    ) -> TaskHandle {
        let created_at_ms = task
            .created_at()
            .unwrap_or_else(|| self.inner().clock.system_time())
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        TaskHandle {
            kind,
            task_id: task.id().to_owned(),
            external_task_id: task
                .external_task_id()
                .map(str::to_owned)
                .or(external_task_id),
            backend: Some(self.backend()),
            base_url: Some(self.base_url().to_owned()),
            created_at_ms,
            request: Some(summary),
            task_status: Some(task.raw().task_status.clone()),
        }
    }
}

/// Whether a failed create attempt may have created the task.
fn classify(error: &Error) -> Attempt {
    match error {
        Error::Transport(t) => match t.kind {
            TransportErrorKind::Connect | TransportErrorKind::Other => Attempt::NotCreated,
            TransportErrorKind::Timeout | TransportErrorKind::Interrupted => Attempt::MayExist,
        },
        Error::Api(api) => {
            let server_code = api
                .code
                .as_ref()
                .is_some_and(|c| c.family() == crate::CodeFamily::Server);
            if api.status.is_server_error() || server_code {
                Attempt::MayExist
            } else if external_id_taken(api.status, api.code.as_ref(), &api.message) {
                Attempt::IdTaken
            } else {
                Attempt::NotCreated
            }
        }
        // A 2xx we could not read: the server may well have created the task.
        Error::Decode(d) => match d.status {
            Some(s) if s.is_client_error() => Attempt::NotCreated,
            _ => Attempt::MayExist,
        },
        // Never sent.
        _ => Attempt::NotCreated,
    }
}

/// Whether the server refused a create because its `external_task_id` is already used: HTTP
/// 409, or a parameter error whose message says so ("external_task_id already exists",
/// "duplicate external_task_id").
fn external_id_taken(status: StatusCode, code: Option<&KlingCode>, message: &str) -> bool {
    if status == StatusCode::CONFLICT {
        return true;
    }
    let param_error = matches!(
        code,
        None | Some(KlingCode::InvalidRequest | KlingCode::InvalidParameter | KlingCode::Relay(_))
    );
    let m = message.to_ascii_lowercase();
    param_error
        && (m.contains("external_task_id")
            || m.contains("external task id")
            || m.contains("external id"))
        && [
            "exist",
            "duplicate",
            "already",
            "used",
            "taken",
            "unique",
            "conflict",
        ]
        .iter()
        .any(|w| m.contains(w))
}

/// Room in the serialisation buffer of a large body for everything but the media: prompts
/// (2500 characters, up to 7.5 KB of UTF-8 each), URLs, options.
const NON_MEDIA_ROOM: usize = 16 << 10;
/// From this much media on, a body is large: its buffer never grows.
const LARGE_MEDIA: usize = 1 << 20;
/// The first capacity of a small body's buffer (a text-to-video body is about 150 bytes).
const SMALL_BODY: usize = 1 << 10;

/// Serialises a body once into `Bytes`. A large body (a 13 MB base64 image) goes into a
/// buffer that never grows: it costs 13 MB here, not the 2–3× of a growing buffer (a
/// reallocation copies, and after a large free glibc serves the new buffer from the heap with
/// the old one still resident).
///
/// `media_len` is the length of the body's media strings, which serialise as they are (base64
/// and URLs need no escapes). A large body's buffer is allocated once for them plus
/// [`NON_MEDIA_ROOM`] and filled in one pass; only a body that does not fit (its other fields
/// take more room) is serialised again: a counting pass, then one allocation of the exact
/// size. The over-allocation is at most [`NON_MEDIA_ROOM`], never touched, so it costs address
/// space, not memory. A small body (less than [`LARGE_MEDIA`] of media) is written into an
/// ordinary buffer of its media plus [`SMALL_BODY`], which grows if it must: copying a few
/// kilobytes costs less than counting them first.
fn serialize_once<T: Serialize>(body: &T, media_len: usize) -> Result<Bytes, Error> {
    serialize_into_buffer(body, media_len).map(Bytes::from)
}

fn serialize_into_buffer<T: Serialize>(body: &T, media_len: usize) -> Result<Vec<u8>, Error> {
    /// Writes into a `Vec` up to its capacity, and refuses to grow it.
    struct Bounded {
        buffer: Vec<u8>,
        full: bool,
    }
    impl io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_all(buf).map(|()| buf.len())
        }
        fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
            if buf.len() > self.buffer.capacity() - self.buffer.len() {
                self.full = true;
                return Err(io::Error::from(io::ErrorKind::WriteZero));
            }
            self.buffer.extend_from_slice(buf);
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    if media_len < LARGE_MEDIA {
        let mut buffer = Vec::with_capacity(media_len + SMALL_BODY);
        serde_json::to_writer(&mut buffer, body).map_err(unserialisable)?;
        return Ok(buffer);
    }
    let mut bounded = Bounded {
        buffer: Vec::with_capacity(media_len.saturating_add(NON_MEDIA_ROOM)),
        full: false,
    };
    match serde_json::to_writer(&mut bounded, body) {
        Ok(()) => return Ok(bounded.buffer),
        Err(_) if bounded.full => {}
        Err(e) => return Err(unserialisable(e).into()),
    }
    // Did not fit: free the partial buffer first, then count and allocate the exact size.
    drop(bounded);
    let mut count = Count(0);
    serde_json::to_writer(&mut count, body).map_err(unserialisable)?;
    let mut buffer = Vec::with_capacity(count.0);
    serde_json::to_writer(&mut buffer, body).map_err(unserialisable)?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn serialisation_is_exact_and_a_large_buffer_never_grows() {
        let image = "QUJD".repeat(LARGE_MEDIA / 4 + 1000);
        let body = serde_json::json!({"image": image, "prompt": "a \"cat\"\n", "n": 1});
        let expected = serde_json::to_vec(&body).unwrap();
        // The media length given: one pass, into the buffer allocated for it.
        let buffer = serialize_into_buffer(&body, image.len()).unwrap();
        assert_eq!(buffer, expected);
        assert_eq!(
            buffer.capacity(),
            image.len() + NON_MEDIA_ROOM,
            "not regrown"
        );
        // Other fields larger than the room left for them: counted, then exact.
        let prompts = serde_json::json!({"image": image, "prompt": "\u{1}".repeat(4_000)});
        let buffer = serialize_into_buffer(&prompts, image.len()).unwrap();
        assert_eq!(buffer, serde_json::to_vec(&prompts).unwrap());
        assert_eq!(buffer.capacity(), buffer.len(), "exact size after counting");
        // A caller's media larger than it said: exact too.
        let bigger = serde_json::json!({"image": format!("{image}{image}")});
        let buffer = serialize_into_buffer(&bigger, image.len()).unwrap();
        assert_eq!(buffer, serde_json::to_vec(&bigger).unwrap());
        assert_eq!(buffer.capacity(), buffer.len());
        // Small bodies, with or without a hint, are exact too.
        for (small, hint) in [
            (serde_json::json!({"prompt": "x".repeat(10_000), "n": 1}), 0),
            (serde_json::json!({"prompt": "a cat"}), 0),
            (serde_json::json!({"image": "QUJD".repeat(1000)}), 4000),
        ] {
            let bytes = serialize_once(&small, hint).unwrap();
            assert_eq!(bytes, serde_json::to_vec(&small).unwrap());
        }
    }

    #[test]
    fn a_body_that_cannot_be_serialised_is_a_validation_error() {
        struct Broken;
        impl Serialize for Broken {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("broken"))
            }
        }
        let error = serialize_once(&Broken, 0).unwrap_err();
        assert!(
            matches!(&error, Error::Validation(v) if v.field == "body" && v.rule.contains("broken")),
            "{error:?}"
        );
    }

    #[test]
    fn id_taken_is_recognised_from_status_or_message() {
        let s400 = StatusCode::BAD_REQUEST;
        assert!(external_id_taken(StatusCode::CONFLICT, None, ""));
        assert!(external_id_taken(
            s400,
            Some(&KlingCode::InvalidParameter),
            "external_task_id already exists"
        ));
        assert!(external_id_taken(
            s400,
            None,
            "Duplicate external_task_id: nrk-1"
        ));
        assert!(!external_id_taken(
            s400,
            Some(&KlingCode::InvalidParameter),
            "prompt too long"
        ));
        assert!(!external_id_taken(
            s400,
            Some(&KlingCode::ConcurrencyLimited),
            "external_task_id exists"
        ));
    }
}
