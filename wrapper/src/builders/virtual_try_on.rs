//! [`VirtualTryOnBuilder`]: `POST /v1/images/kolors-virtual-try-on`.

use nicerouter_kling_raw::types;

use super::common::{Common, common_setters, media_ref, off_executor};
use crate::media::{ImageInput, ImageRules};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// A virtual try-on task, from [`Client::virtual_try_on`]: dresses the person in
/// `human_image` in the garment of `cloth_image` (each PNG/JPEG, ≤ 10 MB, ≥ 300 px).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = nicerouter_kling_mock::MockServer::start().await?;
/// # let client = nicerouter_kling::Client::builder()
/// #     .api_key(server.api_key())
/// #     .base_url(server.base_url())
/// #     .build()?;
/// # let dir = tempfile::tempdir()?;
/// # let dir = dir.path();
/// # std::fs::write(dir.join("model.jpg"), nicerouter_kling_mock::media::input_jpeg(768, 1024))?;
/// let handle = client
///     .virtual_try_on(dir.join("model.jpg"), "https://example.com/jacket.png")
///     .model("kolors-virtual-try-on-v1-5")
///     .send()
///     .await?;
/// # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
/// # // Raw base64 of a JPEG.
/// # assert!(sent["human_image"].as_str().ok_or("no image")?.starts_with("/9j/"));
/// # assert_eq!(sent["cloth_image"], "https://example.com/jacket.png");
/// # assert_eq!(server.tasks_created(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct VirtualTryOnBuilder {
    client: Client,
    human: ImageInput,
    cloth: ImageInput,
    model: Option<String>,
    common: Common,
}

impl VirtualTryOnBuilder {
    pub(crate) fn new(client: Client, human: ImageInput, cloth: ImageInput) -> Self {
        Self {
            client,
            human,
            cloth,
            model: None,
            common: Common::default(),
        }
    }

    /// The model (`model_name`): `kolors-virtual-try-on-v1` (Kling's default) or
    /// `kolors-virtual-try-on-v1-5`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    common_setters!();

    /// The validated request body, without sending it. Local images are read and encoded
    /// here.
    pub fn build(self) -> Result<types::VirtualTryOnRequest, ValidationError> {
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let human = self
            .human
            .resolve("human_image", ImageRules::NoAspectRatio)?;
        let human_image = media_ref("human_image", human)?;
        let cloth = self
            .cloth
            .resolve("cloth_image", ImageRules::NoAspectRatio)?;
        let cloth_image = media_ref("cloth_image", cloth)?;
        let body = types::VirtualTryOnRequest {
            model_name: self.model,
            human_image,
            cloth_image,
            callback_url,
            external_task_id,
        };
        body.validate()?;
        Ok(body)
    }

    /// Validates and creates the task. Nothing is sent if a rule is broken.
    pub async fn send(self) -> Result<TaskHandle, Error> {
        let client = self.client.clone();
        let local = !self.human.is_url() || !self.cloth.is_url();
        let body = off_executor(local, || self.build())?;
        client.create_validated(body).await
    }
}
