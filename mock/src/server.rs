//! The server: configuration, start, the accept loop, shutdown, and what tests inspect.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use nicerouter_kling_spec::validate::Validator;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Credentials;
use crate::fault::{Fault, Match, Rules};
use crate::handler;
use crate::journal::JournalEntry;
use crate::relay::{Forwarding, NotFoundPage};
use crate::route::{NICEROUTER_PREFIX, Routes};
use crate::task::{MockTask, Outcome, TaskStore, Timing};

/// The NiceRouter bearer key a server accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "mock-key";
/// The official API's access key a server accepts unless told otherwise.
pub const DEFAULT_ACCESS_KEY: &str = "mock-access-key";
/// The official API's secret key a server accepts unless told otherwise.
pub const DEFAULT_SECRET_KEY: &str = "mock-secret-key";
/// What a create with an `external_task_id` that is already taken gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicatePolicy {
    /// HTTP 400, code 1201, `external_task_id already exists` (as Kling answers).
    #[default]
    Reject,
    /// Another task is created (for tests that must detect double billing).
    Allow,
}

/// A server that could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The host is not a loopback address: the mock only listens on this machine.
    #[error("the mock only listens on loopback addresses, not {0}")]
    NotLoopback(IpAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Settings that do not change while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) credentials: Credentials,
    pub(crate) timing: Timing,
    pub(crate) outcome: Outcome,
    pub(crate) duplicates: DuplicatePolicy,
    /// The routes forwarded when the server plays a relay that forwards only some.
    pub(crate) forwarding: Option<Forwarding>,
    /// The exact size of result files, if one was asked for.
    pub(crate) media_size: Option<usize>,
}

/// What changes while the server runs.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) tasks: TaskStore,
    pub(crate) journal: Vec<JournalEntry>,
    pub(crate) rules: Rules,
}

/// Everything a connection needs.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) origin: String,
    pub(crate) routes: Routes,
    pub(crate) validator: &'static Validator,
    pub(crate) cancel: CancellationToken,
    state: Mutex<State>,
}

impl Shared {
    /// The state; a panic while it was held does not make it unusable for the tests.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Configures a [`MockServer`] before it starts. Get one with [`MockServer::builder`].
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    host: IpAddr,
    port: u16,
    config: Config,
    rules: Vec<(Match, Fault)>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            config: Config {
                credentials: Credentials {
                    api_key: DEFAULT_API_KEY.to_owned(),
                    official_api_key: None,
                    access_key: DEFAULT_ACCESS_KEY.to_owned(),
                    secret_key: DEFAULT_SECRET_KEY.to_owned(),
                },
                timing: Timing::default(),
                outcome: Outcome::Succeed,
                duplicates: DuplicatePolicy::Reject,
                forwarding: None,
                media_size: None,
            },
            rules: Vec::new(),
        }
    }
}

impl MockServerBuilder {
    /// The port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The address to listen on: a loopback address (the default is 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The NiceRouter bearer key accepted on `/kling/...` (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.credentials.api_key = key.into();
        self
    }

    /// An official Kling API key: the official paths (`/v1/...`, no `/kling`) then accept
    /// `Authorization: Bearer <key>` as well as JWTs (none by default). A wrong key is
    /// answered like a bad JWT, 401 with code 1002.
    pub fn official_api_key(mut self, key: impl Into<String>) -> Self {
        self.config.credentials.official_api_key = Some(key.into());
        self
    }

    /// The official API's key pair: `/v1/...` accepts HS256 JWTs with `iss` = `access_key`,
    /// signed with `secret_key` (defaults [`DEFAULT_ACCESS_KEY`], [`DEFAULT_SECRET_KEY`]).
    pub fn official_keys(
        mut self,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.config.credentials.access_key = access_key.into();
        self.config.credentials.secret_key = secret_key.into();
        self
    }

    /// How tasks progress unless a create is given [`Fault::TaskTiming`] (default: processing
    /// at the first poll, done at the second).
    pub fn timing(mut self, timing: Timing) -> Self {
        self.config.timing = timing;
        self
    }

    /// How tasks end unless a create is given [`Fault::TaskFails`] (default: `succeed`).
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.config.outcome = outcome;
        self
    }

    /// What a create with an already used `external_task_id` gets (default: rejected).
    pub fn duplicate_external_ids(mut self, policy: DuplicatePolicy) -> Self {
        self.config.duplicates = policy;
        self
    }

    /// Serve result files of exactly `bytes` bytes (never smaller than their format's
    /// headers), for tests of big or cut-off downloads and size limits. By default each file
    /// is as long as its content, a few kilobytes; see [`media::result`](crate::media::result).
    pub fn media_size(mut self, bytes: usize) -> Self {
        self.config.media_size = Some(bytes);
        self
    }

    /// Plays a relay that forwards only these routes to Kling: paths after `/kling/v1/`, each
    /// with everything under it (`"videos/text2video"` forwards its create, its list and its
    /// gets by id; `"videos"` every video route). Every other request, the official paths
    /// without `/kling` included, gets the relay's 404 page ([`Self::not_found_page`])
    /// before its key is even looked at. Result downloads are always served.
    ///
    /// ```
    /// use nicerouter_kling_mock::{MockServer, NotFoundPage};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // new-api: text-to-video and image-to-video, created and fetched, never listed.
    /// let relay = MockServer::builder()
    ///     .forward_only(&["videos/text2video", "videos/image2video"])
    ///     .forward_lists(false)
    ///     .not_found_page(NotFoundPage::Json)
    ///     .start()
    ///     .await?;
    /// let http = reqwest::Client::new();
    /// let get = |path: &str| {
    ///     let url = format!("{}{path}", relay.nicerouter_base_url());
    ///     http.get(url).bearer_auth(relay.api_key()).send()
    /// };
    /// assert_eq!(get("/v1/videos/text2video/42").await?.status(), 400); // Kling: no such task
    /// assert_eq!(get("/v1/images/generations/42").await?.status(), 404); // the relay's page
    /// assert_eq!(get("/v1/videos/text2video?pageNum=1").await?.status(), 404);
    /// # Ok(())
    /// # }
    /// ```
    pub fn forward_only(mut self, routes: &[&str]) -> Self {
        let forwarding = self.config.forwarding.get_or_insert_with(|| Forwarding {
            lists: true,
            ..Forwarding::default()
        });
        forwarding.routes = routes.iter().map(|r| Forwarding::route(r)).collect();
        self
    }

    /// With [`Self::forward_only`]: whether lists (a GET of a route's collection) are
    /// forwarded too (default: yes).
    pub fn forward_lists(mut self, lists: bool) -> Self {
        if let Some(forwarding) = &mut self.config.forwarding {
            forwarding.lists = lists;
        }
        self
    }

    /// With [`Self::forward_only`]: the page routes that are not forwarded get (default
    /// [`NotFoundPage::Html`]).
    pub fn not_found_page(mut self, page: NotFoundPage) -> Self {
        if let Some(forwarding) = &mut self.config.forwarding {
            forwarding.page = page;
        }
        self
    }

    /// A fault applied to every matching request for the server's whole life (a scenario),
    /// for example `.fault(Match::any(), Fault::Latency(Duration::from_millis(50)))`.
    pub fn fault(mut self, matcher: Match, fault: Fault) -> Self {
        self.rules.push((matcher, fault));
        self
    }

    /// Starts the server and returns once it accepts connections.
    pub async fn start(self) -> Result<MockServer, StartError> {
        if !self.host.is_loopback() {
            return Err(StartError::NotLoopback(self.host));
        }
        let addr = SocketAddr::new(self.host, self.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let mut state = State::default();
        for (matcher, fault) in self.rules {
            state.rules.push(matcher, fault, None);
        }
        let cancel = CancellationToken::new();
        let shared = Arc::new(Shared {
            config: self.config,
            origin: format!("http://{addr}"),
            routes: Routes::from_operations(
                &nicerouter_kling_spec::operations(nicerouter_kling_spec::embedded()),
                // The embedded spec parses (its crate's tests check it); if it ever did not,
                // plain operations would merely lose their example answers.
                &nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML)
                    .unwrap_or_default(),
            ),
            validator: Validator::embedded(),
            cancel: cancel.clone(),
            state: Mutex::new(state),
        });
        let tracker = TaskTracker::new();
        tracker.spawn(accept_loop(listener, Arc::clone(&shared), tracker.clone()));
        tracing::debug!(%addr, "nicerouter-kling mock listening");
        Ok(MockServer {
            shared,
            addr,
            tracker,
        })
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tracker: TaskTracker) {
    loop {
        let accepted = tokio::select! {
            () = shared.cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "mock: accept failed");
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tracker.spawn(async move {
            let service_state = Arc::clone(&shared);
            let service = service_fn(move |req| handler::handle(Arc::clone(&service_state), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                () = shared.cancel.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                // Dropped and cut-off answers end here on purpose.
                tracing::debug!(error = %e, "mock: connection closed with an error");
            }
        });
    }
}

/// A simulated NiceRouter Kling server on 127.0.0.1, for tests. It stops when dropped.
///
/// See the crate documentation for a complete example.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tracker: TaskTracker,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server with the defaults on a free port of 127.0.0.1.
    pub async fn start() -> Result<MockServer, StartError> {
        MockServerBuilder::default().start().await
    }

    /// A builder, to set the port, keys, timing, outcome or faults before starting.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The server's origin, `http://127.0.0.1:PORT` (no path). NiceRouter's API is under
    /// [`Self::nicerouter_base_url`], the official API at the origin itself.
    pub fn base_url(&self) -> String {
        self.shared.origin.clone()
    }

    /// `http://127.0.0.1:PORT/kling`: the base URL of the NiceRouter relay (bearer key).
    pub fn nicerouter_base_url(&self) -> String {
        format!("{}{NICEROUTER_PREFIX}", self.shared.origin)
    }

    /// `http://127.0.0.1:PORT`: the base URL of the official API (JWT auth).
    pub fn official_base_url(&self) -> String {
        self.shared.origin.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer key `/kling/...` accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.config.credentials.api_key
    }

    /// The official API's access key (`iss` of the JWT).
    pub fn access_key(&self) -> &str {
        &self.shared.config.credentials.access_key
    }

    /// The official API's secret key (signs the JWT).
    pub fn secret_key(&self) -> &str {
        &self.shared.config.credentials.secret_key
    }

    /// A JWT the official API paths accept now (valid for 30 minutes, as Kling's docs mint).
    pub fn official_token(&self) -> String {
        let now = get_current_timestamp();
        let claims = serde_json::json!({
            "iss": self.access_key(),
            "exp": now + 1800,
            "nbf": now.saturating_sub(5),
        });
        let key = EncodingKey::from_secret(self.secret_key().as_bytes());
        // HS256 with an HMAC key cannot fail to sign.
        encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap_or_default()
    }

    /// Every request received so far, in arrival order (`status` is `None` while a request
    /// is in flight, or when its connection was dropped).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.state().journal.clone()
    }

    /// The requests to one operation, by `operationId`.
    pub fn requests_to(&self, operation_id: &str) -> Vec<JournalEntry> {
        self.shared
            .state()
            .journal
            .iter()
            .filter(|e| e.operation_id.as_deref() == Some(operation_id))
            .cloned()
            .collect()
    }

    /// Forgets the journal (tasks are kept).
    pub fn clear_journal(&self) {
        self.shared.state().journal.clear();
    }

    /// Every task created so far, oldest first, with its status as last shown.
    pub fn created_tasks(&self) -> Vec<MockTask> {
        self.shared.state().tasks.all()
    }

    /// How many tasks were created (that is, billed) so far.
    pub fn tasks_created(&self) -> usize {
        self.shared.state().tasks.len()
    }

    /// The task with this `task_id` or `external_task_id` (newest first), of any kind.
    pub fn task(&self, id: &str) -> Option<MockTask> {
        let tasks = self.shared.state().tasks.all();
        tasks
            .iter()
            .find(|t| t.task_id == id)
            .or_else(|| {
                tasks
                    .iter()
                    .rev()
                    .find(|t| t.external_task_id.as_deref() == Some(id))
            })
            .cloned()
    }

    /// The queue of faults for coming requests.
    pub fn faults(&self) -> Faults<'_> {
        Faults {
            shared: &self.shared,
        }
    }

    /// Stops accepting, closes the connections and waits until every one is closed.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
        self.tracker.close();
    }
}

/// The fault rules of a running server. Rules apply in the order added; each use of a
/// limited rule counts down, and it goes away at zero. A request gets every matching
/// [`Fault::Latency`] and modifier (`ExtraFields`, `UnknownStatus`, `TaskFails`,
/// `TaskTiming`), and at most one fault that replaces its answer: the first matching one.
/// Rules are used only by requests that pass authentication.
#[derive(Debug, Clone, Copy)]
pub struct Faults<'a> {
    shared: &'a Shared,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Faults<'_> {
    /// Applies `fault` to the next `times` matching requests.
    pub fn push(&self, matcher: Match, fault: Fault, times: u32) -> &Self {
        self.shared.state().rules.push(matcher, fault, Some(times));
        self
    }

    /// Applies `fault` to the next matching request.
    pub fn once(&self, matcher: Match, fault: Fault) -> &Self {
        self.push(matcher, fault, 1)
    }

    /// Applies `fault` to every matching request from now on.
    pub fn always(&self, matcher: Match, fault: Fault) -> &Self {
        self.shared.state().rules.push(matcher, fault, None);
        self
    }

    /// Removes every rule, including the server's scenario.
    pub fn clear(&self) -> &Self {
        self.shared.state().rules.clear();
        self
    }

    /// How many rules are still active.
    pub fn pending(&self) -> usize {
        self.shared.state().rules.pending()
    }
}
