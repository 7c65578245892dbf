//! The request hooks: authentication and tracing for every generated operation.

use std::time::Instant;

use tracing::Instrument;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::{Client, Inner};

impl ClientHooks<Inner> for Client {
    /// Adds `Authorization: Bearer …` (marked sensitive, so reqwest and tracing never print it)
    /// and removes progenitor's `api-version` header, which Kling does not define.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        request.headers_mut().remove("api-version");
        if let Some(token) = self
            .inner()
            .auth()
            .token()
            .map_err(|e| Error::Custom(e.to_string()))?
        {
            let mut value =
                HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                    Error::Custom(
                        "the bearer token contains characters not allowed in an HTTP header".into(),
                    )
                })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }

    /// Sends the request inside a tracing span with the operation, status, duration and the
    /// `request_id` header when the server sends one. Headers and bodies are not logged.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::debug_span!(
            "kling.request",
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .client()
            .execute(request)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(id) = response
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                {
                    span.record("request_id", id);
                }
                tracing::debug!(parent: &span, status = response.status().as_u16(), "kling response");
            }
            Err(e) => tracing::debug!(parent: &span, error = %e, "kling request failed"),
        }
        result
    }
}
