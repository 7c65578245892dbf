//! SKELETON client: a naive single-POST create, to be replaced by the full create path.

use nicerouter_kling_raw as raw;

use crate::error::Error;
use crate::kind::CreateBody;
use crate::task::TaskHandle;

/// The Kling client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    raw: raw::Client,
}

impl Client {
    /// A client for `base_url` (already including `/kling` for NiceRouter) with a bearer key.
    pub fn new(base_url: &str, key: &str) -> Self {
        Self { raw: raw::Client::new(base_url, raw::Inner::new(raw::Auth::bearer(key))) }
    }

    /// The raw generated client, for anything the wrapper does not cover.
    pub fn raw(&self) -> &raw::Client {
        &self.raw
    }

    /// Sends a validated create body. The one create path all builders use.
    pub(crate) async fn create<B: CreateBody>(&self, body: B) -> Result<TaskHandle, Error> {
        use raw::ClientInfo;
        let url = format!("{}{}", self.raw.baseurl(), B::KIND.path());
        let external_task_id = body.external_task_id().map(str::to_owned);
        let mut request = self
            .raw
            .client()
            .post(url)
            .json(&body)
            .build()
            .map_err(|e| Error::Other(e.to_string()))?;
        let info = raw::OperationInfo { operation_id: "create" };
        raw::ClientHooks::pre::<()>(&self.raw, &mut request, &info)
            .await
            .map_err(|e| Error::Other(e.to_string()))?;
        let response = raw::ClientHooks::exec(&self.raw, request, &info)
            .await
            .map_err(|e| Error::Other(e.to_string()))?;
        let envelope: raw::types::TaskResponse =
            response.json().await.map_err(|e| Error::Other(e.to_string()))?;
        let task = envelope.data.ok_or_else(|| Error::Other(format!("code {}", envelope.code)))?;
        Ok(TaskHandle { kind: B::KIND, task_id: task.task_id, external_task_id })
    }
}
