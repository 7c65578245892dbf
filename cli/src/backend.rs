//! Which service the commands talk to: the embedded mock, NiceRouter, or the official API.

use std::time::Duration;

use nicerouter_kling::{Auth, Client, PollPolicy};
use nicerouter_kling_mock::{MockServer, Timing};

use crate::args::Global;
use crate::failure::Failure;

/// A connected client, and the embedded server when `--mock` started one (kept alive here).
pub struct Backend {
    /// The SDK client.
    pub client: Client,
    _mock: Option<MockServer>,
}

/// Builds the client from the global options. Nothing is sent.
pub async fn connect(global: &Global) -> Result<Backend, Failure> {
    if global.mock {
        // Tasks finish in about two seconds, so `--wait` shows real progress.
        let mock = MockServer::builder()
            .timing(Timing::Millis {
                processing_after: 400,
                done_after: 2_000,
            })
            .start()
            .await
            .map_err(|e| Failure::other(format!("cannot start the embedded mock server: {e}")))?;
        let client = Client::builder()
            .auth(Auth::nicerouter(mock.api_key()))
            .base_url(mock.base_url())
            .poll_policy(
                PollPolicy::default()
                    .initial_delay(Duration::from_millis(250))
                    .initial_interval(Duration::from_millis(250))
                    .max_interval(Duration::from_millis(500)),
            )
            .build()
            .map_err(Failure::from)?;
        return Ok(Backend {
            client,
            _mock: Some(mock),
        });
    }
    let mut builder = Client::builder();
    builder = match (&global.access_key, &global.secret_key, &global.api_key) {
        (Some(ak), Some(sk), _) => builder.auth(Auth::official(ak, sk)),
        (_, _, Some(key)) => builder.auth(Auth::nicerouter(key)),
        _ => {
            return Err(Failure::usage(
                "no credentials: pass --api-key (or set NICEROUTER_API_KEY), or --access-key and \
                 --secret-key for the official API, or use --mock to try it without a key",
            ));
        }
    };
    if let Some(url) = &global.base_url {
        builder = builder.base_url(url);
    }
    let client = builder.build().map_err(Failure::from)?;
    Ok(Backend {
        client,
        _mock: None,
    })
}
