//! [`ImageGenerationBuilder`]: `POST /v1/images/generations`.

use std::num::NonZeroU32;

use nicerouter_kling_raw::types;

use super::common::{
    Common, common_setters, media_ref, off_executor, optional_prompt, prompt, watermark,
};
use super::options::{ImageAspectRatio, ImageReference, ImageResolution};
use crate::media::{ImageInput, ImageRules};
use crate::validation::rules::IMAGE_COUNT;
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// An image-generation task, from [`Client::image_generation`]: text to image, or image to
/// image with a reference [`image`](Self::image) (then without a negative prompt).
///
/// ```
/// use nicerouter_kling::builders::{ImageAspectRatio, ImageReference};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = nicerouter_kling_mock::MockServer::start().await?;
/// # let client = nicerouter_kling::Client::builder()
/// #     .api_key(server.api_key())
/// #     .base_url(server.base_url())
/// #     .build()?;
/// # let dir = tempfile::tempdir()?;
/// # let dir = dir.path();
/// # std::fs::write(dir.join("me.jpg"), nicerouter_kling_mock::media::input_jpeg(768, 1024))?;
/// let posters = client
///     .image_generation("a retro travel poster of Kyoto")
///     .model("kling-v2-1")
///     .aspect_ratio(ImageAspectRatio::X34)
///     .n(4)
///     .send()
///     .await?;
///
/// let portrait = client
///     .image_generation("the same person as an astronaut")
///     .model("kling-v1-5")
///     .image(dir.join("me.jpg"))
///     .image_reference(ImageReference::Subject)
///     .human_fidelity(0.8)
///     .send()
///     .await?;
/// # let sent = server.task(&posters.task_id).ok_or("no task")?.request;
/// # assert_eq!((&sent["n"], &sent["aspect_ratio"]), (&4.into(), &"3:4".into()));
/// # let sent = server.task(&portrait.task_id).ok_or("no task")?.request;
/// # // Raw base64 of a JPEG.
/// # assert!(sent["image"].as_str().ok_or("no image")?.starts_with("/9j/"));
/// # assert_eq!(sent["image_reference"], "subject");
/// # assert_eq!(server.tasks_created(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct ImageGenerationBuilder {
    client: Client,
    prompt: String,
    model: Option<String>,
    negative_prompt: Option<String>,
    image: Option<ImageInput>,
    image_reference: Option<ImageReference>,
    image_fidelity: Option<f64>,
    human_fidelity: Option<f64>,
    resolution: Option<ImageResolution>,
    n: Option<u32>,
    aspect_ratio: Option<ImageAspectRatio>,
    watermark: Option<bool>,
    common: Common,
}

impl ImageGenerationBuilder {
    pub(crate) fn new(client: Client, prompt: String) -> Self {
        Self {
            client,
            prompt,
            model: None,
            negative_prompt: None,
            image: None,
            image_reference: None,
            image_fidelity: None,
            human_fidelity: None,
            resolution: None,
            n: None,
            aspect_ratio: None,
            watermark: None,
            common: Common::default(),
        }
    }

    /// The model (`model_name`), for example `kling-v2-1`. Kling's default is `kling-v1`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// What to keep out of the image, at most 2500 characters. Not with a reference
    /// [`image`](Self::image).
    pub fn negative_prompt(mut self, negative_prompt: impl Into<String>) -> Self {
        self.negative_prompt = Some(negative_prompt.into());
        self
    }

    /// A reference image (PNG/JPEG, ≤ 10 MB, ≥ 300 px, 1:2.5–2.5:1): image to image.
    pub fn image(mut self, image: impl Into<ImageInput>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// What to keep from the reference image: the subject or the face (kling-v1-5 only, and
    /// then required with an image).
    pub fn image_reference(mut self, image_reference: ImageReference) -> Self {
        self.image_reference = Some(image_reference);
        self
    }

    /// How strongly to follow the reference image, 0 to 1 (Kling's default 0.5).
    pub fn image_fidelity(mut self, image_fidelity: f64) -> Self {
        self.image_fidelity = Some(image_fidelity);
        self
    }

    /// How strongly to keep the subject's face, 0 to 1 (Kling's default 0.45); only with
    /// `image_reference(ImageReference::Subject)`.
    pub fn human_fidelity(mut self, human_fidelity: f64) -> Self {
        self.human_fidelity = Some(human_fidelity);
        self
    }

    /// `1k` (Kling's default) or `2k`.
    pub fn resolution(mut self, resolution: ImageResolution) -> Self {
        self.resolution = Some(resolution);
        self
    }

    /// How many images, 1 to 9 (Kling's default 1). Each uses a concurrency slot.
    pub fn n(mut self, n: u32) -> Self {
        self.n = Some(n);
        self
    }

    /// The image's aspect ratio. Kling's default is 16:9 (`21:9` is not on kling-v1).
    pub fn aspect_ratio(mut self, aspect_ratio: ImageAspectRatio) -> Self {
        self.aspect_ratio = Some(aspect_ratio);
        self
    }

    /// Also produce watermarked results (`watermark_info.enabled`).
    pub fn watermark(mut self, enabled: bool) -> Self {
        self.watermark = Some(enabled);
        self
    }

    common_setters!();

    /// The validated request body, without sending it. A local image is read and encoded
    /// here.
    pub fn build(self) -> Result<types::ImageGenerationRequest, ValidationError> {
        let prompt = prompt("prompt", self.prompt)?;
        let negative_prompt = optional_prompt("negative_prompt", self.negative_prompt)?;
        let n = self
            .n
            .map(|n| {
                NonZeroU32::new(n).ok_or_else(|| {
                    let (min, max) = IMAGE_COUNT;
                    ValidationError::new("n", format!("must be between {min} and {max} (got {n})"))
                })
            })
            .transpose()?;
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let image = self
            .image
            .map(|image| media_ref("image", image.resolve("image", ImageRules::Full)?))
            .transpose()?;
        let body = types::ImageGenerationRequest {
            model_name: self.model,
            prompt,
            negative_prompt,
            image,
            image_reference: self.image_reference,
            image_fidelity: self.image_fidelity,
            human_fidelity: self.human_fidelity,
            resolution: self.resolution,
            n,
            aspect_ratio: self.aspect_ratio,
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
        let local = self.image.as_ref().is_some_and(|image| !image.is_url());
        let body = off_executor(local, || self.build())?;
        client.create_validated(body).await
    }
}
