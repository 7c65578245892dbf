//! An ergonomic client for Kling (可灵) video and image generation, through the NiceRouter
//! relay or the official Kling API.
//!
//! * **Create** a task with a per-kind builder; every create carries an `external_task_id`, so
//!   a create whose answer is lost is looked up instead of paid for twice.
//! * **Wait** for it with [`TaskHandle::wait`]: a required maximum wait, a growing poll
//!   schedule (separate from retries) that leaves a queued video alone until it can be done, cancellation, a stream
//!   of status changes, and one [`WaitOutcome`] to match on. The handle is serialisable, so a
//!   restarted process resumes the wait.
//! * **Download** the results with [`Client::download`]: streamed, size-capped, sniffed,
//!   hashed, renamed into place atomically, with a JSON sidecar.
//! * **Errors** are one [`Error`] with the HTTP status, the Kling [`code`](Error::code), the
//!   `request_id`, [`is_retryable`](Error::is_retryable) and, for creates,
//!   [`create_outcome`](Error::create_outcome).
//! * Reads (get, list, polls, downloads) are **retried** on transient failures with back-off
//!   and `Retry-After`; a create is retried only when it certainly created nothing.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use nicerouter_kling::{Client, Error, WaitOutcome};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = nicerouter_kling_mock::MockServer::builder()
//! #     .timing(nicerouter_kling_mock::Timing::Polls { processing_after: 0, done_after: 1 })
//! #     .start()
//! #     .await?;
//! # let (origin, key) = (server.base_url(), server.api_key().to_owned());
//! # let out = tempfile::tempdir()?;
//! # let out = out.path();
//! // Or `Client::from_env()?`, from NICEROUTER_API_KEY and NICEROUTER_BASE_URL.
//! let client = Client::builder().api_key(key).base_url(origin).build()?;
//!
//! let handle = client
//!     .text_to_video().prompt("a cat playing the piano")
//!     .model("kling-v2-5-turbo")
//!     .send()
//!     .await?;
//! // `handle` is Serialize: save it to resume the wait after a restart without paying again.
//!
//! match handle.wait(&client, Duration::from_secs(15 * 60)).await {
//!     WaitOutcome::Succeeded(task) => {
//!         for file in client.download(&task, out).handle(&handle).await? {
//!             println!("{} ({} bytes, sha256 {})", file.path.display(), file.bytes, file.sha256);
//!         }
//!     }
//!     WaitOutcome::Failed { reason, .. } => eprintln!("failed: {reason}"),
//!     WaitOutcome::MaxWaitExceeded { last_status, polls, .. } => {
//!         eprintln!("still {last_status:?} after {polls} polls; it keeps running")
//!     }
//!     other => return Err(other.into_result().unwrap_err().into()),
//! }
//! # assert_eq!(server.tasks_created(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! ```
//! use nicerouter_kling::{CreateOutcome, Error, KlingCode};
//!
//! fn report(error: &Error) {
//!     match (error.create_outcome(), error.code()) {
//!         (_, Some(KlingCode::ResourcePackExhausted)) => eprintln!("top up the resource pack"),
//!         (Some(CreateOutcome::MayExist), _) => eprintln!(
//!             "the task may exist; look it up by external_task_id {:?}",
//!             error.external_task_id()
//!         ),
//!         _ if error.is_retryable() => eprintln!("transient, try again: {error}"),
//!         _ => eprintln!("{error} (request_id {:?})", error.request_id()),
//!     }
//! }
//! ```
//!
//! # Configuration
//!
//! [`Client::from_env`] reads `NICEROUTER_API_KEY` and `NICEROUTER_BASE_URL` for the relay;
//! else `KLING_API_KEY`, an official Kling API key sent as a bearer token to the official
//! host; else `KLING_ACCESS_KEY` and `KLING_SECRET_KEY`, from which the official API's JWT is
//! minted (see there for what happens when several are set). [`Client::builder`] sets
//! everything explicitly: [`Auth`], base URL, timeouts, user agent, a `reqwest::Client` of your
//! own, [`RetryPolicy`], [`PollPolicy`], and the [`clock`] and [`entropy`] used for time and
//! randomness (inject [`clock::ManualClock`] and [`entropy::SeededEntropy`] in tests).
//!
//! # Tracing
//!
//! Every request runs in a `kling` span with the operation, kind, HTTP status, Kling code,
//! duration and `request_id`; creates add a `kling.create` span with the `external_task_id`
//! and `task_id`, downloads a `kling.download` span. Keys, secrets and JWTs are never logged.

mod auth;
pub mod builders;
mod call;
mod callback;
mod client;
pub mod clock;
mod code;
mod config;
mod create;
pub mod decode;
mod download;
pub mod entropy;
mod error;
pub mod media;
pub mod probe;
mod request;
mod retry;
mod task;
mod transport;
pub mod validation;
mod wait;
pub mod webhook;

pub use auth::{Auth, Backend};
pub use client::Client;
pub use code::{CodeFamily, KlingCode};
pub use config::{
    ClientBuilder, ENV_ACCESS_KEY, ENV_API_KEY, ENV_BASE_URL, ENV_OFFICIAL_API_KEY,
    ENV_OFFICIAL_BASE_URL, ENV_SECRET_KEY, OFFICIAL_BASE_URL,
};
pub use download::{Download, DownloadError, DownloadedFile, Sidecar};
pub use error::{
    ApiError, ConfigError, CreateError, CreateOutcome, DecodeError, Error, TransportError,
    TransportErrorKind,
};
pub use media::{AudioInput, ImageInput};
pub use nicerouter_kling_raw as raw;
pub use nicerouter_kling_raw::catalog;
pub use nicerouter_kling_raw::catalog::{CreateBody, Kind};
pub use request::{CreateRequest, MediaValue};
pub use retry::RetryPolicy;
pub use task::{
    FailureCategory, Output, OutputKind, RESULT_RETENTION, RequestSummary, Status, Task,
    TaskFailure, TaskHandle,
};
pub use tokio_util::sync::CancellationToken;
pub use validation::ValidationError;
pub use wait::{
    FINAL_POLL_GRACE, PollPolicy, StatusChange, Wait, WaitError, WaitEvent, WaitOutcome,
};

/// The repository README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
