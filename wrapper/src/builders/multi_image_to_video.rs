//! [`MultiImageToVideoBuilder`]: `POST /v1/videos/multi-image2video`.

use nicerouter_kling_raw::types::{self, ImageListItem};

use super::common::{Common, common_setters, media_ref, off_executor, optional_prompt, prompt};
use super::options::{AspectRatio, Mode, VideoDuration};
use crate::media::{ImageInput, ImageRules};
use crate::validation::rules::{IMAGE_LIST_ITEMS, item_count};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// A multi-image-to-video task (kling-v1-6), from [`Client::multi_image_to_video`]: one to
/// four subject images, added with [`image`](Self::image).
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
/// # std::fs::write(dir.join("girl.png"), nicerouter_kling_mock::media::input_png(768, 1024))?;
/// let handle = client
///     .multi_image_to_video("the girl hugs the dog in a meadow")
///     .image(dir.join("girl.png")) // a local file, sent as base64
///     .image("https://example.com/dog.jpg") // a URL, sent as it is
///     .send()
///     .await?;
/// # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
/// # let images = sent["image_list"].as_array().ok_or("no image_list")?;
/// # assert!(images[0]["image"].as_str().ok_or("no image")?.starts_with("iVBORw0KGgo"));
/// # assert_eq!(images[1]["image"], "https://example.com/dog.jpg");
/// # assert_eq!(server.tasks_created(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct MultiImageToVideoBuilder {
    client: Client,
    prompt: String,
    images: Vec<ImageInput>,
    model: Option<String>,
    negative_prompt: Option<String>,
    mode: Option<Mode>,
    duration: Option<VideoDuration>,
    aspect_ratio: Option<AspectRatio>,
    common: Common,
}

impl MultiImageToVideoBuilder {
    pub(crate) fn new(client: Client, prompt: String) -> Self {
        Self {
            client,
            prompt,
            images: Vec::new(),
            model: None,
            negative_prompt: None,
            mode: None,
            duration: None,
            aspect_ratio: None,
            common: Common::default(),
        }
    }

    /// Adds a subject image to `image_list` (one to four; PNG/JPEG, ≤ 10 MB, ≥ 300 px,
    /// 1:2.5–2.5:1; Kling does not crop, so send the subject cropped).
    pub fn image(mut self, image: impl Into<ImageInput>) -> Self {
        self.images.push(image.into());
        self
    }

    /// The model (`model_name`). Kling's default and only value is `kling-v1-6`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// What to keep out of the video, at most 2500 characters.
    pub fn negative_prompt(mut self, negative_prompt: impl Into<String>) -> Self {
        self.negative_prompt = Some(negative_prompt.into());
        self
    }

    /// `std` (faster, cheaper) or `pro` (higher quality). Kling's default is `std`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Five or ten seconds ([`Duration`](super::Duration)). Kling's default is five.
    pub fn duration(mut self, duration: impl Into<VideoDuration>) -> Self {
        self.duration = Some(duration.into());
        self
    }

    /// The frame's aspect ratio. Kling's default is 16:9.
    pub fn aspect_ratio(mut self, aspect_ratio: AspectRatio) -> Self {
        self.aspect_ratio = Some(aspect_ratio);
        self
    }

    common_setters!();

    /// The validated request body, without sending it. Local images are read and encoded
    /// here.
    pub fn build(self) -> Result<types::MultiImage2VideoRequest, ValidationError> {
        let prompt = prompt("prompt", self.prompt)?;
        let negative_prompt = optional_prompt("negative_prompt", self.negative_prompt)?;
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let (min, max) = IMAGE_LIST_ITEMS;
        item_count("image_list", self.images.len(), min, max)?;
        let image_list = self
            .images
            .into_iter()
            .enumerate()
            .map(|(i, image)| {
                let field = format!("image_list[{i}].image");
                let image = image.resolve(&field, ImageRules::Full)?;
                Ok(ImageListItem {
                    image: media_ref(&field, image)?,
                })
            })
            .collect::<Result<Vec<_>, ValidationError>>()?;
        let body = types::MultiImage2VideoRequest {
            model_name: self.model,
            image_list,
            prompt,
            negative_prompt,
            mode: self.mode,
            duration: self.duration,
            aspect_ratio: self.aspect_ratio,
            callback_url,
            external_task_id,
        };
        body.validate()?;
        Ok(body)
    }

    /// Validates and creates the task. Nothing is sent if a rule is broken.
    pub async fn send(self) -> Result<TaskHandle, Error> {
        let client = self.client.clone();
        let local = self.images.iter().any(|image| !image.is_url());
        let body = off_executor(local, || self.build())?;
        client.create_validated(body).await
    }
}
