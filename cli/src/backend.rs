//! Which service the commands talk to: the embedded mock, NiceRouter, or the official API
//! (with an official API key, or with an access key and a secret key).

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
    /// The credential used, in words (never the key).
    pub credential: &'static str,
    /// Whether the credential is minted into JWTs (an access key and a secret key), whose
    /// validity depends on the clocks agreeing.
    pub signs_jwt: bool,
    _mock: Option<MockServer>,
}

/// The service the options choose.
enum Service<'a> {
    Mock,
    NiceRouter {
        key: &'a str,
    },
    OfficialApiKey {
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
    // The credential chosen, in words for the log (never the key).
    let service = service(global)?;
    let signs_jwt = matches!(service, Service::Official { .. });
    let (builder, credential) = match service {
        Service::Mock => return mock(builder).await,
        Service::NiceRouter { key } => {
            let base_url = global.base_url.as_deref().ok_or_else(|| {
                Failure::usage(
                    "no relay: pass --base-url (or set NICEROUTER_BASE_URL) with the relay's \
                     origin, for example https://relay.example.com",
                )
            })?;
            (
                builder.auth(Auth::nicerouter(key)).base_url(base_url),
                "NiceRouter key",
            )
        }
        Service::OfficialApiKey { key } => (
            official_host(builder.auth(Auth::official_api_key(key)), global),
            "official API key",
        ),
        Service::Official {
            access_key,
            secret_key,
        } => (
            official_host(builder.auth(Auth::official(access_key, secret_key)), global),
            "official access key and secret key (JWT)",
        ),
    };
    let client = builder.build()?;
    tracing::info!(
        backend = ?client.backend(),
        base_url = client.base_url(),
        "{credential} to {}",
        client.base_url()
    );
    Ok(Backend {
        client,
        credential,
        signs_jwt,
        _mock: None,
    })
}

/// The official API's host: `--base-url` when typed, else `KLING_BASE_URL`, else the
/// library's default. NICEROUTER_BASE_URL names the relay, not the official API.
fn official_host(builder: ClientBuilder, global: &Global) -> ClientBuilder {
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

/// `--mock`; else the key typed on the command line; else the environment's, in the order
/// of the library's `Client::from_env`: `NICEROUTER_API_KEY`, then `KLING_API_KEY`, then
/// `KLING_ACCESS_KEY` and `KLING_SECRET_KEY`.
///
/// Keys for two services, or for the official API in two ways, typed together are a usage
/// error. The official key pair needs both keys, but only when it is the credential chosen: a
/// lone `KLING_ACCESS_KEY` in the environment does not stop `--mock`, `--api-key` or
/// `--kling-api-key`.
fn service<'a>(global: &'a Global) -> Result<Service<'a>, Failure> {
    if global.mock {
        return Ok(Service::Mock);
    }
    let typed = global.typed;
    // A variable set to blanks counts as unset, as in the library's `from_env`; a blank typed
    // on the command line is given, and refused by the library.
    let given = |value: &'a Option<String>, typed: bool| {
        value
            .as_deref()
            .filter(|value| typed || !value.trim().is_empty())
    };
    let relay = || given(&global.api_key, typed.api_key).map(|key| Ok(Service::NiceRouter { key }));
    let api_key = || {
        given(&global.kling_api_key, typed.kling_api_key)
            .map(|key| Ok(Service::OfficialApiKey { key }))
    };
    let pair = || match (
        given(&global.access_key, typed.official_keys),
        given(&global.secret_key, typed.official_keys),
    ) {
        (Some(access_key), Some(secret_key)) => Some(Ok(Service::Official {
            access_key,
            secret_key,
        })),
        (Some(_), None) => Some(Err(half_pair(ACCESS, SECRET))),
        (None, Some(_)) => Some(Err(half_pair(SECRET, ACCESS))),
        (None, None) => None,
    };
    let typed_names: Vec<&str> = [
        (typed.api_key, "--api-key (a NiceRouter key)"),
        (
            typed.kling_api_key,
            "--kling-api-key (an official Kling API key)",
        ),
        (
            typed.official_keys,
            "--access-key/--secret-key (the official API's key pair)",
        ),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect();
    if let [first @ .., last] = typed_names.as_slice()
        && !first.is_empty()
    {
        return Err(Failure::usage(format!(
            "{} and {last} are different credentials: pass one of them",
            first.join(", ")
        ))
        .with_hint(WHICH_KEY));
    }
    let chosen = if typed.official_keys {
        pair()
    } else if typed.kling_api_key {
        api_key()
    } else if typed.api_key {
        relay()
    } else {
        relay().or_else(api_key).or_else(pair)
    };
    chosen.unwrap_or_else(|| {
        Err(Failure::usage(
            "no credentials: pass --api-key (or set NICEROUTER_API_KEY) and --base-url for \
             NiceRouter, or --kling-api-key (or set KLING_API_KEY), or --access-key and \
             --secret-key, for the official API, or try it with --mock",
        )
        .with_hint(WHICH_KEY))
    })
}

/// Which key goes where, for the errors about choosing one.
const WHICH_KEY: &str = "--api-key takes a NiceRouter key (sent to the relay under /kling); \
     --kling-api-key an official Kling API key, and --access-key/--secret-key an official key \
     pair (sent to the official host)";

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
        "pass {missing} (or set {missing_env}); with an official API key pass --kling-api-key, \
         for NiceRouter --api-key, or try --mock"
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
        credential: "the embedded mock's key",
        signs_jwt: false,
        _mock: Some(mock),
    })
}
