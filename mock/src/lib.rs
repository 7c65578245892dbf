//! A simulated NiceRouter Kling server, for tests that must not pay for real generations.
//!
//! Start it in your own tests, point your client at it, and inspect what it received:
//!
//! - **All 24 operations of the spec** (8 kinds × create / get / list), routed from the spec
//!   itself, under NiceRouter's prefix (`/kling/v1/...`, `Authorization: Bearer <api key>`)
//!   and as the official API (`/v1/...`, an HS256 JWT minted from an access/secret key pair).
//! - **Kling's real shapes**: `message: "SUCCEED"`, `task_info: {}`, 18-digit string task ids,
//!   millisecond timestamps, errors as `{code, message, request_id}`.
//! - **Stateful tasks**: `submitted` → `processing` → `succeed` (or `failed` with a
//!   `task_status_msg`), after a number of polls or milliseconds ([`Timing`]). Results point
//!   at media the server serves itself (`/mock-media/...`) that a person can open: a short
//!   H.264 clip, a test card at the task's aspect ratio, a tone as WAV and MP3
//!   ([`media::result`]). `external_task_id` is stored, echoed and usable to fetch a task;
//!   lists honour `pageNum`/`pageSize`.
//! - **Validation** of every request against the spec: a violation gets HTTP 400, code 1201
//!   and a message naming the field and the rule; a missing or wrong key gets 401 with code
//!   1001 or 1002 (1003/1004 for a JWT not yet valid or expired).
//! - **Faults on demand** ([`Fault`]): 429 (1302, 1303, 1102) with or without `Retry-After`,
//!   5xx (5000–5002), a create whose answer is dropped or late, malformed or truncated JSON,
//!   a proxy's HTML error page, an unknown `task_status`, extra fields, a failing task, a
//!   download cut off mid-body, a slow server; and what relays do to Kling's answers (a
//!   string `code`, OpenAI-style video objects, other status words, errors inside HTTP
//!   200). Per server ([`MockServerBuilder::fault`]), per
//!   matching request ([`MockServer::faults`]), or per request with the header
//!   `x-mock-fault: <name>` (see [`Fault::from_str`](std::str::FromStr)).
//! - **A relay that forwards only some routes** ([`MockServerBuilder::forward_only`]): the
//!   others get the relay's own 404 page (HTML, JSON or text, [`NotFoundPage`]).
//! - **A journal** of every request ([`MockServer::journal`]), with the key redacted, and
//!   the question reliability tests ask: [`MockServer::tasks_created`].
//! - **Input files for your own tests** ([`media::input_png`], [`media::input_jpeg`],
//!   [`media::input_wav`]): small valid PNG, JPEG and WAV files of the sides or length you
//!   ask for, to write to a temporary directory when the code under test sends a local image
//!   or lip-sync audio.
//!
//! Every JSON answer matches the spec's response schema (debug builds assert it).
//!
//! # Example
//!
//! ```
//! use nicerouter_kling_mock::{Fault, Match, MockServer, Timing};
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Tasks finish at the first poll.
//! let server = MockServer::builder()
//!     .timing(Timing::Polls { processing_after: 0, done_after: 1 })
//!     .start()
//!     .await?;
//! let base = server.nicerouter_base_url(); // http://127.0.0.1:PORT/kling
//! let http = reqwest::Client::new();
//!
//! // The first create is rate limited; the client is expected to retry.
//! server.faults().once(Match::creates(), Fault::RateLimited { code: 1303, retry_after: Some(1) });
//! let create = |body: Value| {
//!     http.post(format!("{base}/v1/videos/text2video")).bearer_auth(server.api_key()).json(&body).send()
//! };
//! let body = json!({ "prompt": "A cat playing the piano", "external_task_id": "my-app-1" });
//! let first = create(body.clone()).await?;
//! assert_eq!(first.status(), 429);
//! assert_eq!(first.headers()["retry-after"], "1");
//! let created: Value = create(body).await?.json().await?;
//! let task_id = created["data"]["task_id"].as_str().unwrap().to_owned();
//!
//! // Poll it (by task id, or by external id) until it is done, then download the video.
//! let task: Value = http
//!     .get(format!("{base}/v1/videos/text2video/my-app-1"))
//!     .bearer_auth(server.api_key())
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(task["data"]["task_id"], task_id.as_str());
//! assert_eq!(task["data"]["task_status"], "succeed");
//! let url = task["data"]["task_result"]["videos"][0]["url"].as_str().unwrap();
//! let video = http.get(url).send().await?.bytes().await?;
//! assert_eq!(&video[4..8], b"ftyp");
//!
//! // Bad input is rejected the way Kling does, naming the field and the rule.
//! let bad = create(json!({ "prompt": "x", "sound": "loud" })).await?;
//! assert_eq!(bad.status(), 400);
//! let error: Value = bad.json().await?;
//! assert_eq!(error["code"], 1201);
//! assert_eq!(error["message"], "Invalid parameter: sound: must be one of on, off");
//!
//! // What did the server see? One task billed, and never the key.
//! assert_eq!(server.tasks_created(), 1);
//! assert_eq!(server.requests_to("create_text2video").len(), 3);
//! let keys: Vec<String> = server.journal().into_iter().filter_map(|e| e.authorization).collect();
//! assert!(keys.iter().all(|k| k == "Bearer <redacted>"));
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The binary `nicerouter-kling-mock` runs the same server from a shell
//! (`nicerouter-kling-mock --port 8080 --timing ms:500:3000`) and prints its base URL.

mod answer;
mod auth;
mod fault;
mod handler;
mod journal;
pub mod media;
mod relay;
mod route;
mod server;
mod task;

pub use fault::{Fault, Match, ParseFaultError};
pub use handler::FAULT_HEADER;
pub use journal::{Api, JournalEntry};
pub use media::MediaKind;
pub use nicerouter_kling_spec::OperationRole;
pub use relay::{ErrorShape, NotFoundPage, StatusWords};
pub use route::{MEDIA_PREFIX, NICEROUTER_PREFIX};
pub use server::{
    DEFAULT_ACCESS_KEY, DEFAULT_API_KEY, DEFAULT_SECRET_KEY, DuplicatePolicy, Faults, MockServer,
    MockServerBuilder, StartError,
};
pub use task::{
    FIRST_TASK_ID, MockTask, Outcome, ParseTimingError, Status, Timing, media_url, video_id,
};

/// The README's examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
