//! Which service the commands talk to: the embedded mock, NiceRouter, or the official API.

use std::time::Duration;

use nicerouter_kling::{
    Auth, Client, ClientBuilder, ENV_ACCESS_KEY, ENV_OFFICIAL_BASE_URL, ENV_SECRET_KEY, PollPolicy,
};
use nicerouter_kling_mock::{MockServer, Timing};

use crate::args::Global;
use crate::failure::Failure;

/// The `User-Agent` the tool sends.
const USER_AGENT: &str = concat!("nicerouter-kling-cli/", env!("CARGO_PKG_VERSION"));

/// A connected client, and the embedded server when `--mock` started one (kept alive here).
pub struct Backend {
    /// The SDK client.
    pub client: Client,
    _mock: Option<MockServer>,
}

/// The service the options choose.
enum Service<'a> {
    Mock,
    NiceRouter {
        key: &'a str,
    },
    Official {
        access_key: &'a str,
        secret_key: &'a str,
    },
}

/// Builds the client from the global options. Nothing is sent.
pub async fn connect(global: &Global) -> Result<Backend, Failure> {
    let mut builder = Client::builder().user_agent(USER_AGENT);
    if let Some(timeout) = global.timeout {
        builder = builder.timeout(timeout);
    }
    let builder = match service(global)? {
        Service::Mock => return mock(builder).await,
        Service::NiceRouter { key } => {
            let base_url = global.base_url.as_deref().ok_or_else(|| {
                Failure::usage(
                    "no relay: pass --base-url (or set NICEROUTER_BASE_URL) with the relay's \
                     origin, for example https://relay.example.com",
                )
            })?;
            builder.auth(Auth::nicerouter(key)).base_url(base_url)
        }
        Service::Official {
            access_key,
            secret_key,
        } => {
            let builder = builder.auth(Auth::official(access_key, secret_key));
            // NICEROUTER_BASE_URL names the relay, not the official API.
            let base_url = if global.typed.base_url {
                global.base_url.clone()
            } else {
                std::env::var(ENV_OFFICIAL_BASE_URL)
                    .ok()
                    .filter(|url| !url.trim().is_empty())
            };
            match base_url {
                Some(url) => builder.base_url(url),
                None => builder,
            }
        }
    };
    Ok(Backend {
        client: builder.build()?,
        _mock: None,
    })
}

/// `--mock`; else the keys typed on the command line; else the environment's, NiceRouter
/// first (as the library's `Client::from_env`).
///
/// The official API needs both keys, but only when it is the service chosen: a lone
/// `KLING_ACCESS_KEY` in the environment does not stop `--mock` or `--api-key`.
fn service(global: &Global) -> Result<Service<'_>, Failure> {
    if global.mock {
        return Ok(Service::Mock);
    }
    let relay = global
        .api_key
        .as_deref()
        .map(|key| Service::NiceRouter { key });
    let official = match (global.access_key.as_deref(), global.secret_key.as_deref()) {
        (Some(access_key), Some(secret_key)) => Some(Ok(Service::Official {
            access_key,
            secret_key,
        })),
        (Some(_), None) => Some(Err(half_pair(ACCESS, SECRET))),
        (None, Some(_)) => Some(Err(half_pair(SECRET, ACCESS))),
        (None, None) => None,
    };
    let chosen = match (global.typed.api_key, global.typed.official_keys) {
        (true, true) => {
            return Err(Failure::usage(
                "--api-key (NiceRouter) and --access-key/--secret-key (the official API) choose \
                 different services: pass one of them",
            ));
        }
        (false, true) => official.or(relay.map(Ok)),
        (true, false) | (false, false) => relay.map(Ok).or(official),
    };
    chosen.unwrap_or_else(|| {
        Err(Failure::usage(
            "no credentials: pass --api-key (or set NICEROUTER_API_KEY) and --base-url, or \
             --access-key and --secret-key for the official API, or try it with --mock",
        ))
    })
}

/// The official API's key flags, and the variables they are read from.
const ACCESS: (&str, &str) = ("--access-key", ENV_ACCESS_KEY);
const SECRET: (&str, &str) = ("--secret-key", ENV_SECRET_KEY);

/// The usage error for one official key without the other.
fn half_pair((given, given_env): (&str, &str), (missing, missing_env): (&str, &str)) -> Failure {
    Failure::usage(format!(
        "the official API needs both keys: {given} (or {given_env}) is set, \
         {missing} (or {missing_env}) is not"
    ))
    .with_hint(format!(
        "pass {missing} (or set {missing_env}); for NiceRouter pass --api-key, or try --mock"
    ))
}

/// Starts the embedded simulated server and a client for it.
async fn mock(builder: ClientBuilder) -> Result<Backend, Failure> {
    // Tasks finish in about two seconds, so `--wait` shows real progress.
    let mock = MockServer::builder()
        .timing(Timing::Millis {
            processing_after: 400,
            done_after: 2_000,
        })
        .start()
        .await
        .map_err(|e| Failure::other(format!("cannot start the embedded mock server: {e}")))?;
    let client = builder
        .auth(Auth::nicerouter(mock.api_key()))
        .base_url(mock.base_url())
        .poll_policy(
            PollPolicy::default()
                .initial_delay(Duration::from_millis(250))
                .initial_interval(Duration::from_millis(250))
                .max_interval(Duration::from_millis(500)),
        )
        .build()?;
    Ok(Backend {
        client,
        _mock: Some(mock),
    })
}
