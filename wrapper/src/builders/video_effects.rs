//! [`VideoEffectsBuilder`]: `POST /v1/videos/effects`.

use nicerouter_kling_raw::types::{self, VideoEffectsInput, VideoEffectsRequestEffectScene};

use super::common::{Common, common_setters, convert, media_ref, off_executor};
use super::options::{Mode, VideoDuration};
use crate::media::{ImageInput, ImageRules};
use crate::validation::rules::{self, is_dual_character_scene};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// A video-effects task, from [`Client::video_effects`]. The two-person scenes (`hug`,
/// `kiss`, `heart_gesture`, `fight`) take exactly two [`image`](Self::image)s (left, right),
/// 5 or 10 s; every other scene (the list grows monthly: `squish`, `expansion`, `pet_lion`, …)
/// takes exactly one, 5 s only.
///
/// ```
/// use nicerouter_kling::builders::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = nicerouter_kling_mock::MockServer::start().await?;
/// # let client = nicerouter_kling::Client::builder()
/// #     .api_key(server.api_key())
/// #     .base_url(server.base_url())
/// #     .build()?;
/// # use nicerouter_kling_mock::media::{input_jpeg, input_png};
/// # let dir = tempfile::tempdir()?;
/// # let dir = dir.path();
/// # std::fs::write(dir.join("left.png"), input_png(720, 1280))?;
/// # std::fs::write(dir.join("right.png"), input_png(720, 1280))?;
/// # std::fs::write(dir.join("cat.jpg"), input_jpeg(1024, 1024))?;
/// let hug = client
///     .video_effects("hug")
///     .image(dir.join("left.png"))
///     .image(dir.join("right.png"))
///     .duration(Duration::Ten)
///     .send()
///     .await?;
/// let squish = client.video_effects("squish").image(dir.join("cat.jpg")).send().await?;
/// # let hugged = server.task(&hug.task_id).ok_or("no task")?.request;
/// # assert_eq!(hugged["input"]["images"].as_array().map(Vec::len), Some(2));
/// # assert_eq!(hugged["input"]["duration"], "10");
/// # let squished = server.task(&squish.task_id).ok_or("no task")?.request;
/// # // Raw base64 of a JPEG.
/// # assert!(squished["input"]["image"].as_str().ok_or("no image")?.starts_with("/9j/"));
/// # assert_eq!(server.tasks_created(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct VideoEffectsBuilder {
    client: Client,
    scene: String,
    images: Vec<ImageInput>,
    model: Option<String>,
    mode: Option<Mode>,
    duration: Option<VideoDuration>,
    common: Common,
}

impl VideoEffectsBuilder {
    pub(crate) fn new(client: Client, scene: String) -> Self {
        Self {
            client,
            scene,
            images: Vec::new(),
            model: None,
            mode: None,
            duration: None,
            common: Common::default(),
        }
    }

    /// Adds an image (PNG/JPEG, ≤ 10 MB, ≥ 300 px, 1:2.5–2.5:1): one for a single-image
    /// scene, two (left, then right) for a two-person scene.
    pub fn image(mut self, image: impl Into<ImageInput>) -> Self {
        self.images.push(image.into());
        self
    }

    /// The model (`input.model_name`) of a two-person scene: `kling-v1` (Kling's default),
    /// `kling-v1-5` or `kling-v1-6` (`fight` needs kling-v1-6).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// `std` or `pro`, for two-person scenes. Kling's default is `std`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Five or ten seconds ([`Duration`](super::Duration)); single-image scenes only take
    /// five. Sent as `"5"` when not set.
    pub fn duration(mut self, duration: impl Into<VideoDuration>) -> Self {
        self.duration = Some(duration.into());
        self
    }

    common_setters!();

    /// The validated request body, without sending it. Local images are read and encoded
    /// here.
    pub fn build(self) -> Result<types::VideoEffectsRequest, ValidationError> {
        rules::non_empty("effect_scene", &self.scene)?;
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let dual = is_dual_character_scene(&self.scene);
        let count = self.images.len();
        let (image, images) = match (dual, <[ImageInput; 2]>::try_from(self.images)) {
            (true, Ok([left, right])) => {
                let left = media_ref(
                    "input.images[0]",
                    left.resolve("input.images[0]", ImageRules::Full)?,
                )?;
                let right = media_ref(
                    "input.images[1]",
                    right.resolve("input.images[1]", ImageRules::Full)?,
                )?;
                (None, Some([left, right]))
            }
            (true, Err(_)) => {
                return Err(ValidationError::new(
                    "input.images",
                    format!(
                        "must have exactly 2 images for the two-person scene `{}` (got {count})",
                        self.scene
                    ),
                ));
            }
            (false, Err(mut one)) if one.len() == 1 => {
                let image = one.remove(0).resolve("input.image", ImageRules::Full)?;
                (Some(media_ref("input.image", image)?), None)
            }
            (false, _) => {
                return Err(ValidationError::new(
                    "input.image",
                    format!(
                        "must be exactly 1 image for the single-image scene `{}` (got {count})",
                        self.scene
                    ),
                ));
            }
        };
        let body = types::VideoEffectsRequest {
            effect_scene: convert(
                "effect_scene",
                VideoEffectsRequestEffectScene::try_from(self.scene),
            )?,
            input: VideoEffectsInput {
                model_name: self.model,
                mode: self.mode,
                image,
                images,
                duration: self.duration.unwrap_or(VideoDuration::X5),
            },
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
