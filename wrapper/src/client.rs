//! The client: configuration shared by every request, and the read operations (get, list,
//! lookup by `external_task_id`). Creates are in `create.rs`, waits in `wait.rs`, downloads in
//! `download.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nicerouter_kling_raw as raw;
use reqwest::header::HeaderValue;

use crate::Kind;
use crate::auth::{Backend, JwtMinter};
use crate::clock::Clock;
use crate::code::KlingCode;
use crate::config::ClientBuilder;
use crate::entropy::Entropy;
use crate::error::{DecodeError, Error};
use crate::retry::{Exhausted, RetryBudget, RetryPolicy};
use crate::task::Task;
use crate::transport::{Call, Decoded, Verb, decode_list, decode_task};
use crate::validation::ValidationError;
use crate::wait::PollPolicy;

/// The Kling client. Cheap to clone (clones share connections, configuration and the retry
/// budget).
///
/// Build one with [`Client::from_env`] or [`Client::builder`]. Create tasks with the per-kind
/// builders (`client.text_to_video().prompt(...)`), wait for them with
/// [`TaskHandle::wait`](crate::TaskHandle::wait), save their results with
/// [`download`](Client::download). Everything the wrapper does not cover is on the raw
/// generated client: [`raw`](Client::raw).
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) raw: raw::Client,
    pub(crate) backend: Backend,
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    /// Sent per request when the caller brought their own `reqwest::Client`.
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    pub(crate) poll: PollPolicy,
    pub(crate) auto_external_task_id: bool,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) entropy: Arc<dyn Entropy>,
    pub(crate) minter: Option<Arc<JwtMinter>>,
    pub(crate) max_response_bytes: usize,
    /// Bounds the API requests in flight (`None`: unbounded).
    pub(crate) permits: Option<tokio::sync::Semaphore>,
}

impl Client {
    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment. The first of these that is set chooses the
    /// service, and only its variables are read:
    ///
    /// 1. `NICEROUTER_API_KEY`: the NiceRouter relay, with `NICEROUTER_BASE_URL` (required; the
    ///    relay's origin, to which `/kling` is appended);
    /// 2. else `KLING_API_KEY`: the official Kling API with an official API key, sent as
    ///    `Authorization: Bearer <key>` (no `/kling` prefix), at `KLING_BASE_URL` (default
    ///    [`OFFICIAL_BASE_URL`](crate::OFFICIAL_BASE_URL));
    /// 3. else `KLING_ACCESS_KEY` and `KLING_SECRET_KEY`: the official Kling API with a JWT
    ///    minted from the pair (for accounts that still use it), at `KLING_BASE_URL`. Setting
    ///    only one of the two is an [`Error::Config`] naming the other.
    ///
    /// So with several set, the relay key wins over an official API key, which wins over an
    /// access key pair; the variables of the services not chosen are ignored (a lone
    /// `KLING_ACCESS_KEY` does not stop `KLING_API_KEY`). A variable set to blanks counts as
    /// unset. With none set, the [`Error::Config`] names `NICEROUTER_API_KEY` and lists the
    /// alternatives.
    ///
    /// The choice is logged in one `tracing` event at `INFO` level: the service, the kind of
    /// credential, the base URL, and the names of the credential variables that were set but
    /// ignored. Keys are never logged. Use [`ClientBuilder::from_env`] to adjust further
    /// settings.
    ///
    /// ```no_run
    /// // KLING_API_KEY=... (and nothing for NiceRouter): the official API, bearer API key.
    /// let client = nicerouter_kling::Client::from_env()?;
    /// # Ok::<(), nicerouter_kling::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_inner(inner: ClientInner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }

    /// The raw generated client (same connection pool, base URL and authentication), for
    /// anything the wrapper does not cover.
    pub fn raw(&self) -> &raw::Client {
        &self.inner.raw
    }

    /// The base URL requests go to (for NiceRouter, ending in `/kling`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The service the client talks to.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The default poll policy for waits.
    pub fn poll_policy(&self) -> &PollPolicy {
        &self.inner.poll
    }

    /// Fetches one task (free of charge), with read retries.
    pub async fn get(&self, kind: Kind, task_id: &str) -> Result<Task, Error> {
        self.fetch(kind, task_id, None)
            .await
            .map(|d| d.value)
            .map_err(|e| e.error)
    }

    /// Fetches one task, retrying no later than `deadline`; keeps the server's poll hint.
    pub(crate) async fn fetch(
        &self,
        kind: Kind,
        task_id: &str,
        deadline: Option<Instant>,
    ) -> Result<Decoded<Task>, Exhausted> {
        if task_id.trim().is_empty() {
            let error = ValidationError::new("task_id", "must not be empty").into();
            return Err(Exhausted {
                error,
                by_deadline: false,
            });
        }
        let url = self.task_url(kind, task_id);
        let call = Call {
            operation: "get",
            kind: kind.segment(),
            verb: Verb::Get,
            url: &url,
        };
        self.retry_reads(deadline, || self.call(call, None, decode_task))
            .await
    }

    /// Lists a page of tasks of one kind, newest first (free of charge), with read retries.
    /// `page_num` is 1 to 1000, `page_size` 1 to 500; anything else is a
    /// [`ValidationError`] naming `pageNum` or `pageSize`, and nothing is sent.
    pub async fn list(
        &self,
        kind: Kind,
        page_num: u32,
        page_size: u32,
    ) -> Result<Vec<Task>, Error> {
        if !(1..=1000).contains(&page_num) {
            return Err(ValidationError::new(
                "pageNum",
                format!("must be between 1 and 1000 (got {page_num})"),
            )
            .into());
        }
        if !(1..=500).contains(&page_size) {
            return Err(ValidationError::new(
                "pageSize",
                format!("must be between 1 and 500 (got {page_size})"),
            )
            .into());
        }
        let mut url = self.collection_url(kind);
        url.push_str(&format!("?pageNum={page_num}&pageSize={page_size}"));
        let call = Call {
            operation: "list",
            kind: kind.segment(),
            verb: Verb::Get,
            url: &url,
        };
        self.with_read_retries(None, || self.call(call, None, decode_list))
            .await
            .map(|d| d.value)
    }

    /// Looks a task up by the `external_task_id` it was created with: `Ok(None)` when the
    /// server says there is no such task (Kling answers 400/1201 "task not found"), with read
    /// retries. Use it after a create failed with
    /// [`CreateOutcome::MayExist`](crate::CreateOutcome::MayExist).
    pub async fn find_by_external_id(
        &self,
        kind: Kind,
        external_task_id: &str,
    ) -> Result<Option<Task>, Error> {
        if external_task_id.trim().is_empty() {
            return Err(ValidationError::new("external_task_id", "must not be empty").into());
        }
        let url = self.task_url(kind, external_task_id);
        let call = Call {
            operation: "lookup",
            kind: kind.segment(),
            verb: Verb::Get,
            url: &url,
        };
        let found = self
            .with_read_retries(None, || async {
                match self.call(call, None, decode_task).await {
                    Ok(d) => Ok(Some(d.value)),
                    Err(e) if is_not_found(&e) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if let Some(task) = &found
            && let Some(echoed) = task.external_task_id()
            && echoed != external_task_id
            && task.id() != external_task_id
        {
            // Not the task asked for: saying "found" would make a lost create look recovered
            // while the real one may or may not exist.
            return Err(Error::decode(DecodeError {
                operation: "lookup",
                status: Some(reqwest::StatusCode::OK),
                reason: format!(
                    "a lookup by external_task_id {external_task_id:?} returned task {} whose external_task_id is {echoed:?}",
                    task.id()
                ),
                body_snippet: String::new(),
                request_id: None,
            }));
        }
        Ok(found)
    }
}

/// Whether a lookup's error proves "no such task": code 1203 (resource does not exist), or
/// a 1201 or a JSON 404 whose message says the task was not found (Kling answers 400/1201
/// "Task not found by id/external id").
///
/// Anything vaguer proves nothing about the task, and taking it as "not found" would send a
/// create that may have succeeded a second time: 1201 is Kling's code for any bad parameter,
/// a 404 without a JSON body (an HTML page, an empty body) comes from a proxy or a wrong base
/// URL, and a bare JSON "Not Found" from a relay that has no such route.
pub(crate) fn is_not_found(error: &Error) -> bool {
    let Some(api) = error.api() else { return false };
    match &api.code {
        Some(KlingCode::ResourceNotFound) => true,
        Some(KlingCode::InvalidParameter) => says_task_not_found(&api.message),
        Some(_) => false,
        None => {
            api.status == reqwest::StatusCode::NOT_FOUND
                && api.json_body
                && says_task_not_found(&api.message)
        }
    }
}

/// Whether a message says that a task was not found ("Task not found by id/external id",
/// "task does not exist", "任务不存在").
fn says_task_not_found(message: &str) -> bool {
    let m = message.to_lowercase();
    let about_task = m.contains("task") || m.contains("任务");
    let not_found = [
        "not found",
        "not_found",
        "not exist",
        "no such",
        "不存在",
        "未找到",
        "找不到",
    ]
    .iter()
    .any(|w| m.contains(w));
    about_task && not_found
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("backend", &inner.backend)
            .field("base_url", &inner.base_url)
            .field(
                "auth",
                &inner
                    .minter
                    .as_ref()
                    .map_or("bearer key <redacted>", |_| "JWT <redacted>"),
            )
            .field("timeout", &inner.timeout)
            .field("retry", &inner.retry)
            .field("poll", &inner.poll)
            .field("auto_external_task_id", &inner.auto_external_task_id)
            .field("clock", &inner.clock)
            .finish_non_exhaustive()
    }
}
