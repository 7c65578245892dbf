//! [`TextToVideoBuilder`]: `POST /v1/videos/text2video`.

use nicerouter_kling_raw::types::{self, CfgScale, MultiPromptItem, MultiPromptItemPrompt};

use super::CameraControl;
use super::common::{Common, common_setters, convert, optional_prompt, prompt, watermark};
use super::options::{AspectRatio, Mode, ShotType, Sound, VideoDuration};
use crate::validation::rules::{self, SHOT_PROMPT_MAX_CHARS};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// A text-to-video task, from [`Client::text_to_video`]. Set what you need, then
/// [`send`](Self::send) it (or [`build`](Self::build) the validated body).
///
/// ```
/// use nicerouter_kling::Status;
/// use nicerouter_kling::builders::{Duration, Mode};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = nicerouter_kling_mock::MockServer::start().await?;
/// # let client = nicerouter_kling::Client::builder()
/// #     .api_key(server.api_key())
/// #     .base_url(server.base_url())
/// #     .build()?;
/// let handle = client
///     .text_to_video("a cat playing the piano, studio light")
///     .model("kling-v2-5-turbo")
///     .mode(Mode::Pro)
///     .duration(Duration::Ten)
///     .send()
///     .await?;
/// println!("created {}", handle.task_id);
/// assert_eq!(handle.status(), Some(Status::Submitted)); // queued: wait for it with handle.wait
/// # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
/// # assert_eq!((&sent["mode"], &sent["duration"]), (&"pro".into(), &"10".into()));
/// # assert!(sent["external_task_id"].is_string()); // set automatically
/// # assert_eq!(server.tasks_created(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct TextToVideoBuilder {
    client: Client,
    prompt: String,
    model: Option<String>,
    negative_prompt: Option<String>,
    cfg_scale: Option<f64>,
    mode: Option<Mode>,
    camera_control: Option<CameraControl>,
    aspect_ratio: Option<AspectRatio>,
    duration: Option<VideoDuration>,
    sound: Option<Sound>,
    multi_shot: Option<bool>,
    shot_type: Option<ShotType>,
    shots: Vec<(i32, String, u32)>,
    watermark: Option<bool>,
    common: Common,
}

impl TextToVideoBuilder {
    pub(crate) fn new(client: Client, prompt: String) -> Self {
        Self {
            client,
            prompt,
            model: None,
            negative_prompt: None,
            cfg_scale: None,
            mode: None,
            camera_control: None,
            aspect_ratio: None,
            duration: None,
            sound: None,
            multi_shot: None,
            shot_type: None,
            shots: Vec::new(),
            watermark: None,
            common: Common::default(),
        }
    }

    /// The model (`model_name`), for example `kling-v2-5-turbo`. Kling's default is
    /// `kling-v1`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// What to keep out of the video, at most 2500 characters.
    pub fn negative_prompt(mut self, negative_prompt: impl Into<String>) -> Self {
        self.negative_prompt = Some(negative_prompt.into());
        self
    }

    /// Prompt adherence, 0 to 1 (Kling's default 0.5). Not supported by kling-v2.x models.
    pub fn cfg_scale(mut self, cfg_scale: f64) -> Self {
        self.cfg_scale = Some(cfg_scale);
        self
    }

    /// `std` (faster, cheaper) or `pro` (higher quality). Kling's default is `std`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// A camera movement (kling-v1 std 5 s).
    pub fn camera_control(mut self, camera_control: impl Into<CameraControl>) -> Self {
        self.camera_control = Some(camera_control.into());
        self
    }

    /// The frame's aspect ratio. Kling's default is 16:9.
    pub fn aspect_ratio(mut self, aspect_ratio: AspectRatio) -> Self {
        self.aspect_ratio = Some(aspect_ratio);
        self
    }

    /// Five or ten seconds ([`Duration`](super::Duration)). Kling's default is five.
    pub fn duration(mut self, duration: impl Into<VideoDuration>) -> Self {
        self.duration = Some(duration.into());
        self
    }

    /// Native audio (kling-v2-6 and later). Kling's default is off.
    pub fn sound(mut self, sound: Sound) -> Self {
        self.sound = Some(sound);
        self
    }

    /// A multi-shot video (kling-v3): the shots come from
    /// [`multi_prompt`](Self::multi_prompt) and `prompt` is ignored.
    pub fn multi_shot(mut self, multi_shot: bool) -> Self {
        self.multi_shot = Some(multi_shot);
        self
    }

    /// How a multi-shot video is cut (needs `multi_shot(true)`).
    pub fn shot_type(mut self, shot_type: ShotType) -> Self {
        self.shot_type = Some(shot_type);
        self
    }

    /// Adds one shot to `multi_prompt` (needs `multi_shot(true)`; 1 to 6 shots): its index,
    /// prompt (1 to 512 characters) and length in seconds. The lengths add up to the
    /// video's duration.
    pub fn multi_prompt(mut self, index: i32, prompt: impl Into<String>, seconds: u32) -> Self {
        self.shots.push((index, prompt.into(), seconds));
        self
    }

    /// Also produce a watermarked result (`watermark_info.enabled`).
    pub fn watermark(mut self, enabled: bool) -> Self {
        self.watermark = Some(enabled);
        self
    }

    common_setters!();

    /// The validated request body, without sending it.
    pub fn build(self) -> Result<types::Text2VideoRequest, ValidationError> {
        let prompt = prompt("prompt", self.prompt)?;
        let negative_prompt = optional_prompt("negative_prompt", self.negative_prompt)?;
        let multi_prompt = shots(self.shots)?;
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let body = types::Text2VideoRequest {
            model_name: self.model,
            prompt,
            negative_prompt,
            cfg_scale: self.cfg_scale.map(CfgScale),
            mode: self.mode,
            camera_control: self.camera_control.map(CameraControl::into_raw),
            aspect_ratio: self.aspect_ratio,
            duration: self.duration,
            sound: self.sound,
            multi_shot: self.multi_shot,
            shot_type: self.shot_type,
            multi_prompt,
            watermark_info: watermark(self.watermark),
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

/// `multi_prompt` items from `(index, prompt, seconds)`.
fn shots(shots: Vec<(i32, String, u32)>) -> Result<Vec<MultiPromptItem>, ValidationError> {
    shots
        .into_iter()
        .enumerate()
        .map(|(i, (index, prompt, seconds))| {
            let field = format!("multi_prompt[{i}].prompt");
            rules::required_text(&field, &prompt, SHOT_PROMPT_MAX_CHARS)?;
            Ok(MultiPromptItem {
                index,
                prompt: convert(&field, MultiPromptItemPrompt::try_from(prompt))?,
                duration: seconds.to_string(),
            })
        })
        .collect()
}
