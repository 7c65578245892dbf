//! Calls that are not tasks: Kling answers them at once (face identification, image
//! recognition, text to speech, preset lists, deletions, the account's costs). Each is a
//! [`catalog::Call`](crate::catalog::Call) of the spec, sent through the one request path.

use serde_json::Value;

use nicerouter_kling_raw::catalog::Call;
use nicerouter_kling_spec::validate::Validator;

use crate::transport::{self, Verb, decode_data};
use crate::validation::ValidationError;
use crate::{Client, Error};

impl Client {
    /// Sends `call` with `params` (the JSON body of a `POST`, or an object of query parameters
    /// for a `GET`), checked against the spec first, and returns the answer's `data`.
    ///
    /// A `GET` is retried on transient failures like every read; a `POST` is sent once.
    ///
    /// ```
    /// use nicerouter_kling::catalog::CALLS;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = nicerouter_kling_mock::MockServer::start().await?;
    /// # let client = nicerouter_kling::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.base_url())
    /// #     .build()?;
    /// for call in CALLS {
    ///     println!("{} {}: {}", call.method, call.path, call.summary);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute(&self, call: &'static Call, params: Value) -> Result<Value, Error> {
        let verb = if call.method == "GET" {
            Verb::Get
        } else {
            Verb::Post
        };
        let query = match (verb, &params) {
            (Verb::Get, Value::Object(map)) => map
                .iter()
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k.clone(), text)
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = (verb == Verb::Post).then_some(&params);
        if let Err(violations) =
            Validator::embedded().validate_request(call.operation, &[], &query, body)
            && let Some(v) = violations.into_iter().next()
        {
            return Err(ValidationError::new(v.field, v.rule).into());
        }
        let mut url = format!("{}{}", self.base_url(), call.path);
        if !query.is_empty() {
            let mut parsed = reqwest::Url::parse(&url)
                .map_err(|e| ValidationError::new("base_url", e.to_string()))?;
            parsed.query_pairs_mut().extend_pairs(&query);
            url = parsed.into();
        }
        let request = transport::Call {
            operation: call.operation,
            kind: call.operation,
            verb,
            url: &url,
        };
        match verb {
            Verb::Get => {
                self.with_read_retries(None, || async {
                    self.call(request, None, decode_data).await.map(|d| d.value)
                })
                .await
            }
            Verb::Post => {
                let bytes = serde_json::to_vec(&params).map_err(|e| {
                    ValidationError::new("body", format!("cannot be serialised: {e}"))
                })?;
                self.call(request, Some(bytes.into()), decode_data)
                    .await
                    .map(|d| d.value)
            }
        }
    }
}
