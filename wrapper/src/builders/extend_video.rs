//! [`ExtendVideoBuilder`]: `POST /v1/videos/video-extend`.

use nicerouter_kling_raw::types::{self, CfgScale, VideoExtendRequestVideoId};

use super::common::{Common, common_setters, convert, optional_prompt};
use crate::validation::{Validate, ValidationError, rules};
use crate::{Client, Error, TaskHandle};

/// A video-extend task, from [`Client::extend_video`]: adds four to five seconds to a
/// generated video. The model and mode are those of the source video.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = nicerouter_kling_mock::MockServer::start().await?;
/// # let client = nicerouter_kling::Client::builder()
/// #     .api_key(server.api_key())
/// #     .base_url(server.base_url())
/// #     .build()?;
/// let handle = client
///     .extend_video("814570891207524415-0") // a video id from a finished task's results
///     .prompt("the camera pulls back to reveal the city")
///     .send()
///     .await?;
/// # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
/// # assert_eq!(sent["video_id"], "814570891207524415-0");
/// # assert_eq!(handle.kind, nicerouter_kling::Kind::VideoExtend);
/// # assert_eq!(server.tasks_created(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct ExtendVideoBuilder {
    client: Client,
    video_id: String,
    prompt: Option<String>,
    negative_prompt: Option<String>,
    cfg_scale: Option<f64>,
    common: Common,
}

impl ExtendVideoBuilder {
    pub(crate) fn new(client: Client, video_id: String) -> Self {
        Self {
            client,
            video_id,
            prompt: None,
            negative_prompt: None,
            cfg_scale: None,
            common: Common::default(),
        }
    }

    /// What should happen next, at most 2500 characters.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// What to keep out of the video, at most 2500 characters (not for kling-v1 sources).
    pub fn negative_prompt(mut self, negative_prompt: impl Into<String>) -> Self {
        self.negative_prompt = Some(negative_prompt.into());
        self
    }

    /// Prompt adherence, 0 to 1 (Kling's default 0.5).
    pub fn cfg_scale(mut self, cfg_scale: f64) -> Self {
        self.cfg_scale = Some(cfg_scale);
        self
    }

    common_setters!();

    /// The validated request body, without sending it.
    pub fn build(self) -> Result<types::VideoExtendRequest, ValidationError> {
        rules::non_empty("video_id", &self.video_id)?;
        let video_id = convert(
            "video_id",
            VideoExtendRequestVideoId::try_from(self.video_id),
        )?;
        let prompt = optional_prompt("prompt", self.prompt)?;
        let negative_prompt = optional_prompt("negative_prompt", self.negative_prompt)?;
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let body = types::VideoExtendRequest {
            video_id,
            prompt,
            negative_prompt,
            cfg_scale: self.cfg_scale.map(CfgScale),
            callback_url,
            external_task_id,
        };
        body.validate()?;
        Ok(body)
    }

    /// Validates and creates the task. Nothing is sent if a rule is broken.
    pub async fn send(self) -> Result<TaskHandle, Error> {
        let client = self.client.clone();
        let body = self.build()?;
        client.create_validated(body).await
    }
}
