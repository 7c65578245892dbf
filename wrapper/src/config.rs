//! Building a [`Client`]: from the environment, or explicitly with [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::{Auth, Backend};
use crate::client::{Client, ClientInner};
use crate::clock::{Clock, SystemClock};
use crate::entropy::{Entropy, OsEntropy};
use crate::error::{ConfigError, Error};
use crate::retry::{RetryBudget, RetryPolicy};
use crate::validation::ValidationError;
use crate::wait::PollPolicy;

/// The official API's default host (global).
pub const OFFICIAL_BASE_URL: &str = "https://api-singapore.klingai.com";

/// The NiceRouter key variable read by [`Client::from_env`].
pub const ENV_API_KEY: &str = "NICEROUTER_API_KEY";
/// The NiceRouter origin variable read by [`Client::from_env`].
pub const ENV_BASE_URL: &str = "NICEROUTER_BASE_URL";
/// The official API key variable read by [`Client::from_env`]: an API key issued by Kling,
/// sent as a bearer token to the official host (not a NiceRouter key).
///
/// ```
/// assert_eq!(nicerouter_kling::ENV_OFFICIAL_API_KEY, "KLING_API_KEY");
/// ```
pub const ENV_OFFICIAL_API_KEY: &str = "KLING_API_KEY";
/// The official access key variable read by [`Client::from_env`].
pub const ENV_ACCESS_KEY: &str = "KLING_ACCESS_KEY";
/// The official secret key variable read by [`Client::from_env`].
pub const ENV_SECRET_KEY: &str = "KLING_SECRET_KEY";
/// The official base URL variable read by [`Client::from_env`] (optional).
pub const ENV_OFFICIAL_BASE_URL: &str = "KLING_BASE_URL";

/// Every variable [`Client::from_env`] looks at, in the order it prefers them.
const ENV_CREDENTIALS: [&str; 6] = [
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_OFFICIAL_API_KEY,
    ENV_ACCESS_KEY,
    ENV_SECRET_KEY,
    ENV_OFFICIAL_BASE_URL,
];

/// The error for one of the official access key and secret key without the other.
fn half_pair(missing: &str, given: &str) -> Error {
    ConfigError::new(missing, format!("is not set (it is required with {given})")).into()
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;
const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use nicerouter_kling::{Auth, Client, PollPolicy, RetryPolicy};
///
/// let client = Client::builder()
///     .auth(Auth::nicerouter("sk-example"))
///     .base_url("https://relay.example.com") // the relay's origin; `/kling` is appended
///     .timeout(Duration::from_secs(30))
///     .retry_policy(RetryPolicy::default().max_attempts(5))
///     .poll_policy(PollPolicy::default().max_interval(Duration::from_secs(10)))
///     .build()?;
/// assert_eq!(client.base_url(), "https://relay.example.com/kling");
/// # Ok::<(), nicerouter_kling::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    auth: Option<Auth>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    retry_policy: RetryPolicy,
    poll_policy: PollPolicy,
    auto_external_task_id: bool,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    max_response_bytes: usize,
    max_concurrent_requests: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            auth: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: None,
            http_client: None,
            retry_policy: RetryPolicy::default(),
            poll_policy: PollPolicy::default(),
            auto_external_task_id: true,
            clock: Arc::new(SystemClock),
            entropy: Arc::new(OsEntropy),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults and no credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder from the environment; see [`Client::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (auth, url, used): (Auth, Option<String>, &[&str]) = if let Some(key) = var(ENV_API_KEY)
        {
            let base_url = var(ENV_BASE_URL).ok_or_else(|| {
                ConfigError::new(
                    ENV_BASE_URL,
                    "is not set; set it to the NiceRouter origin, for example https://relay.example.com",
                )
            })?;
            (
                Auth::nicerouter(key),
                Some(base_url),
                &[ENV_API_KEY, ENV_BASE_URL],
            )
        } else if let Some(key) = var(ENV_OFFICIAL_API_KEY) {
            (
                Auth::official_api_key(key),
                var(ENV_OFFICIAL_BASE_URL),
                &[ENV_OFFICIAL_API_KEY, ENV_OFFICIAL_BASE_URL],
            )
        } else {
            let (access_key, secret_key) = match (var(ENV_ACCESS_KEY), var(ENV_SECRET_KEY)) {
                (Some(access_key), Some(secret_key)) => (access_key, secret_key),
                (Some(_), None) => return Err(half_pair(ENV_SECRET_KEY, ENV_ACCESS_KEY)),
                (None, Some(_)) => return Err(half_pair(ENV_ACCESS_KEY, ENV_SECRET_KEY)),
                (None, None) => {
                    return Err(ConfigError::new(
                        ENV_API_KEY,
                        format!(
                            "is not set; set it (and {ENV_BASE_URL}) for NiceRouter, or set {ENV_OFFICIAL_API_KEY} (an official Kling API key), or {ENV_ACCESS_KEY} and {ENV_SECRET_KEY}, for the official Kling API"
                        ),
                    )
                    .into());
                }
            };
            (
                Auth::official(access_key, secret_key),
                var(ENV_OFFICIAL_BASE_URL),
                &[ENV_ACCESS_KEY, ENV_SECRET_KEY, ENV_OFFICIAL_BASE_URL],
            )
        };
        let backend = auth.backend();
        let base_url = match url {
            Some(url) => normalise_base_url(&url, backend)?,
            None => OFFICIAL_BASE_URL.to_owned(),
        };
        let ignored: Vec<&str> = ENV_CREDENTIALS
            .iter()
            .copied()
            .filter(|name| !used.contains(name) && var(name).is_some())
            .collect();
        tracing::info!(
            backend = ?backend,
            credential = auth.describe(),
            base_url = %base_url,
            ignored = %if ignored.is_empty() { "none".to_owned() } else { ignored.join(", ") },
            "from_env: {} to {base_url}",
            auth.describe(),
        );
        Ok(Self::new().auth(auth).base_url(base_url))
    }

    /// The credentials (required): [`Auth::nicerouter`], [`Auth::official_api_key`] or
    /// [`Auth::official`].
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Shorthand for `.auth(Auth::nicerouter(key))`.
    pub fn api_key(self, key: impl Into<String>) -> Self {
        self.auth(Auth::nicerouter(key))
    }

    /// The base URL. For NiceRouter, the relay's origin (`https://relay.example.com`); the
    /// client appends `/kling` unless the URL already ends with it. For the official API, the
    /// host (default [`OFFICIAL_BASE_URL`]). It must start with `http://` or `https://`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The time limit for one API request, answer included (default 60 s). A request with a
    /// large body gets one more second per 256 KiB of it on top (a 10 MB image, 14 MB as
    /// base64, gets about 53 s more), so that a slow uplink does not turn every large create
    /// into a timeout whose outcome is unknown. Downloads have their own limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit for establishing a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client), which brings its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` (default `nicerouter-kling/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A `reqwest::Client` of your own (proxies, TLS roots, connection pool settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How reads (get, list, download, polls) are retried, and when creates are.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The default poll schedule for [`TaskHandle::wait`](crate::TaskHandle::wait) (by
    /// default: at once, then 2 s growing to 15 s, not jittered, and a video found queued next
    /// polled at 30 s of age; see [`PollPolicy`]).
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll_policy = policy;
        self
    }

    /// Whether every create without an `external_task_id` gets one generated (default true).
    /// Without one, a create whose answer is lost cannot be looked up, and is reported as
    /// possibly existing instead of being recovered.
    pub fn auto_external_task_id(mut self, enabled: bool) -> Self {
        self.auto_external_task_id = enabled;
        self
    }

    /// The clock for retries, waits and expiry (default [`SystemClock`]). Tests use
    /// [`ManualClock`](crate::clock::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The randomness for retry and poll jitter and generated `external_task_id`s (default
    /// [`OsEntropy`]). Tests use [`SeededEntropy`](crate::entropy::SeededEntropy).
    pub fn entropy(mut self, entropy: impl Entropy) -> Self {
        self.entropy = Arc::new(entropy);
        self
    }

    /// The largest API answer accepted, in bytes (default 16 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The most API requests in flight at once on this client (default 64; 0 for no limit).
    /// Thousands of waits polling on the same schedule then share a bounded number of
    /// connections instead of opening one each; the others queue for a moment. Downloads are
    /// not counted.
    pub fn max_concurrent_requests(mut self, limit: usize) -> Self {
        self.max_concurrent_requests = limit;
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or_else(|| {
            ConfigError::new(
                "auth",
                "no credentials; use .auth(Auth::nicerouter(key)), .auth(Auth::official_api_key(key)) or .auth(Auth::official(access_key, secret_key)), or Client::from_env()",
            )
        })?;
        let backend = auth.backend();
        let base_url = match (&self.base_url, backend) {
            (Some(url), _) => normalise_base_url(url, backend)?,
            (None, Backend::Official) => OFFICIAL_BASE_URL.to_owned(),
            (None, Backend::NiceRouter) => {
                return Err(ConfigError::new(
                    "base_url",
                    "is required for NiceRouter: the relay's origin, for example https://relay.example.com",
                )
                .into());
            }
        };
        let explicit_user_agent = self.user_agent.is_some();
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("nicerouter-kling/{}", env!("CARGO_PKG_VERSION")));
        let user_agent_header = HeaderValue::try_from(user_agent.as_str()).map_err(|_| {
            ConfigError::new(
                "user_agent",
                "contains characters not allowed in an HTTP header",
            )
        })?;
        // With a caller's `reqwest::Client`, its own user agent stands unless one was set here;
        // then it is sent per request.
        let (http, per_request_user_agent) = match self.http_client {
            Some(client) => (client, explicit_user_agent.then_some(user_agent_header)),
            None => (
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .user_agent(user_agent_header)
                    .build()
                    .map_err(|e| ConfigError::new("http_client", format!("cannot build: {e}")))?,
                None,
            ),
        };
        let (raw_auth, minter) = auth.into_raw(self.clock.clone())?;
        let raw = nicerouter_kling_raw::Client::new_with_client(
            &base_url,
            http,
            nicerouter_kling_raw::Inner::new(raw_auth),
        );
        let budget = RetryBudget::new(self.retry_policy.budget_capacity());
        Ok(Client::from_inner(ClientInner {
            raw,
            backend,
            base_url,
            timeout: self.timeout,
            user_agent: per_request_user_agent,
            retry: self.retry_policy,
            budget,
            poll: self.poll_policy,
            auto_external_task_id: self.auto_external_task_id,
            clock: self.clock,
            entropy: self.entropy,
            minter,
            max_response_bytes: self.max_response_bytes,
            permits: (self.max_concurrent_requests > 0)
                .then(|| tokio::sync::Semaphore::new(self.max_concurrent_requests)),
        }))
    }
}

/// A base URL as it may be shown in an error: without a query or fragment (`?api_key=…`) and
/// without user information (`user:key@`), which may hold credentials.
fn redacted_url(input: &str) -> String {
    let (rest, cut) = match input.find(['?', '#']) {
        Some(at) => (&input[..at], true),
        None => (input, false),
    };
    let authority_start = rest.find("://").map_or(0, |at| at + 3);
    let authority_end = rest[authority_start..]
        .find('/')
        .map_or(rest.len(), |at| authority_start + at);
    let mut shown = match rest[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}<redacted>@{}",
            &rest[..authority_start],
            &rest[authority_start + at + 1..]
        ),
        None => rest.to_owned(),
    };
    if cut {
        shown.push_str("?<redacted>");
    }
    shown
}

/// Checks and normalises a base URL: a scheme is required, a trailing `/` is dropped, and for
/// NiceRouter `/kling` is appended unless present.
pub(crate) fn normalise_base_url(input: &str, backend: Backend) -> Result<String, ValidationError> {
    let field = "base_url";
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    let lower = trimmed.to_ascii_lowercase();
    let shown = redacted_url(trimmed);
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(ValidationError::new(
            field,
            format!(
                "must start with http:// or https:// (got `{shown}`; did you mean `https://{shown}`?)"
            ),
        ));
    }
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| ValidationError::new(field, format!("is not a valid URL ({e}): `{shown}`")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ValidationError::new(
            field,
            format!("has no host: `{shown}`"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ValidationError::new(
            field,
            format!("must not have a query or fragment: `{shown}`"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ValidationError::new(
            field,
            "must not carry credentials; use Auth for the key",
        ));
    }
    let mut base = url.as_str().trim_end_matches('/').to_owned();
    if backend == Backend::NiceRouter && !base.ends_with("/kling") {
        base.push_str("/kling");
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn nicerouter_origins_get_kling_once() {
        for (input, expected) in [
            (
                "https://relay.example.com",
                "https://relay.example.com/kling",
            ),
            (
                "https://relay.example.com/",
                "https://relay.example.com/kling",
            ),
            (
                "https://relay.example.com/kling",
                "https://relay.example.com/kling",
            ),
            (
                "https://relay.example.com/kling/",
                "https://relay.example.com/kling",
            ),
            ("  HTTP://127.0.0.1:8080 ", "http://127.0.0.1:8080/kling"),
            (
                "https://relay.example.com/api",
                "https://relay.example.com/api/kling",
            ),
        ] {
            assert_eq!(
                normalise_base_url(input, Backend::NiceRouter).unwrap(),
                expected,
                "{input}"
            );
        }
        assert_eq!(
            normalise_base_url("https://api-beijing.klingai.com/", Backend::Official).unwrap(),
            "https://api-beijing.klingai.com"
        );
    }

    #[test]
    fn bad_base_urls_name_the_field() {
        for input in [
            "relay.example.com",
            "",
            "ftp://relay.example.com",
            "https://",
            "https://relay.example.com/?x=1",
            "https://user:pw@relay.example.com",
        ] {
            let e = normalise_base_url(input, Backend::NiceRouter).unwrap_err();
            assert_eq!(e.field, "base_url", "{input}");
        }
        let e = normalise_base_url("relay.example.com", Backend::NiceRouter).unwrap_err();
        assert!(e.rule.contains("https://relay.example.com"), "{}", e.rule);
    }

    #[test]
    fn base_url_errors_never_echo_credentials() {
        for input in [
            "https://relay.example.com/kling?api_key=sk-topsecret",
            "relay.example.com/?key=sk-topsecret",
            "https://user:sk-topsecret@relay.example.com",
            "https://sk-topsecret@[bad host/kling",
            "https://relay.example.com/#sk-topsecret",
        ] {
            let e = normalise_base_url(input, Backend::NiceRouter).unwrap_err();
            assert!(!e.to_string().contains("topsecret"), "{input}: {e}");
        }
        assert_eq!(
            redacted_url("https://u:p@relay.example.com/kling?k=v"),
            "https://<redacted>@relay.example.com/kling?<redacted>"
        );
        assert_eq!(redacted_url("relay.example.com"), "relay.example.com");
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn from_env_reads_nicerouter_variables() {
        let client = ClientBuilder::from_lookup(env(&[
            (ENV_API_KEY, "sk-env-key\n"),
            (ENV_BASE_URL, "https://relay.example.com"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.base_url(), "https://relay.example.com/kling");
        assert_eq!(client.backend(), Backend::NiceRouter);
        assert!(!format!("{client:?}").contains("sk-env-key"));
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let e = ClientBuilder::from_lookup(env(&[])).unwrap_err();
        assert!(
            matches!(&e, Error::Config(c) if c.name == ENV_API_KEY),
            "{e}"
        );
        let e = ClientBuilder::from_lookup(env(&[(ENV_API_KEY, "sk")])).unwrap_err();
        assert!(
            matches!(&e, Error::Config(c) if c.name == ENV_BASE_URL),
            "{e}"
        );
        let e = ClientBuilder::from_lookup(env(&[(ENV_API_KEY, " "), (ENV_ACCESS_KEY, "ak")]))
            .unwrap_err();
        assert!(
            matches!(&e, Error::Config(c) if c.name == ENV_SECRET_KEY),
            "{e}"
        );
    }

    #[test]
    fn from_env_reads_official_variables() {
        let client = ClientBuilder::from_lookup(env(&[
            (ENV_ACCESS_KEY, "ak-123456789"),
            (ENV_SECRET_KEY, "sk-123456789"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.base_url(), OFFICIAL_BASE_URL);
        assert_eq!(client.backend(), Backend::Official);
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("sk-123456789") && !shown.contains("ak-123456789"),
            "{shown}"
        );
    }

    #[test]
    fn from_env_prefers_the_relay_then_an_official_api_key_then_the_key_pair() {
        let relay = [
            (ENV_API_KEY, "sk-relay-123"),
            (ENV_BASE_URL, "https://relay.example.com"),
        ];
        let api_key = [
            (ENV_OFFICIAL_API_KEY, "kling-api-123"),
            (ENV_OFFICIAL_BASE_URL, "https://api-beijing.klingai.com/"),
        ];
        let pair = [
            (ENV_ACCESS_KEY, "ak-123456789"),
            (ENV_SECRET_KEY, "sk-123456789"),
        ];
        let relay_url = "https://relay.example.com/kling";
        let beijing = "https://api-beijing.klingai.com";
        // (variables, backend, base URL, credential)
        type Case = (
            Vec<(&'static str, &'static str)>,
            Backend,
            &'static str,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                [&relay[..], &api_key, &pair].concat(),
                Backend::NiceRouter,
                relay_url,
                "NiceRouter key",
            ),
            (
                [&relay[..], &api_key].concat(),
                Backend::NiceRouter,
                relay_url,
                "NiceRouter key",
            ),
            (
                [&relay[..], &pair].concat(),
                Backend::NiceRouter,
                relay_url,
                "NiceRouter key",
            ),
            (
                [&api_key[..], &pair].concat(),
                Backend::Official,
                beijing,
                "official API key",
            ),
            (
                api_key.to_vec(),
                Backend::Official,
                beijing,
                "official API key",
            ),
            (
                vec![api_key[0]],
                Backend::Official,
                OFFICIAL_BASE_URL,
                "official API key",
            ),
            // A half pair is not looked at when an API key is chosen.
            (
                vec![api_key[0], pair[0]],
                Backend::Official,
                OFFICIAL_BASE_URL,
                "official API key",
            ),
            (
                pair.to_vec(),
                Backend::Official,
                OFFICIAL_BASE_URL,
                "official access key and secret key (JWT)",
            ),
            // The relay's origin alone chooses nothing.
            (
                [&pair[..], &relay[1..]].concat(),
                Backend::Official,
                OFFICIAL_BASE_URL,
                "official access key and secret key (JWT)",
            ),
        ];
        for (vars, backend, base_url, credential) in cases {
            let builder = ClientBuilder::from_lookup(env(&vars)).unwrap();
            assert_eq!(
                builder.auth.as_ref().unwrap().describe(),
                credential,
                "{vars:?}"
            );
            let client = builder.build().unwrap();
            assert_eq!(client.backend(), backend, "{vars:?}");
            assert_eq!(client.base_url(), base_url, "{vars:?}");
            let shown = format!("{client:?}");
            for (_, value) in &vars {
                assert!(
                    !shown.contains(value) || value.starts_with("https://"),
                    "{shown}"
                );
            }
        }
        // Half a pair, with no key that wins over it, names the missing half.
        for (given, missing) in [(pair[0], ENV_SECRET_KEY), (pair[1], ENV_ACCESS_KEY)] {
            let e =
                ClientBuilder::from_lookup(env(&[given, (ENV_OFFICIAL_API_KEY, " ")])).unwrap_err();
            assert!(matches!(&e, Error::Config(c) if c.name == missing), "{e}");
            assert!(!e.to_string().contains("123456789"), "{e}");
        }
        let e = ClientBuilder::from_lookup(env(&[])).unwrap_err();
        assert!(e.to_string().contains(ENV_OFFICIAL_API_KEY), "{e}");
    }

    #[test]
    fn build_requires_auth_and_a_nicerouter_base_url() {
        let e = ClientBuilder::new().build().unwrap_err();
        assert!(matches!(&e, Error::Config(c) if c.name == "auth"), "{e}");
        let e = ClientBuilder::new().api_key("sk").build().unwrap_err();
        assert!(
            matches!(&e, Error::Config(c) if c.name == "base_url"),
            "{e}"
        );
        let e = ClientBuilder::new()
            .api_key("sk")
            .base_url("relay.example.com")
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "base_url"),
            "{e}"
        );
    }
}
