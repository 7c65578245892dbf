//! [`ImageToVideoBuilder`]: `POST /v1/videos/image2video`.

use nicerouter_kling_raw::types::{
    self, CfgScale, DynamicMask, ElementListItem, TrajectoryPoint, VoiceListItem,
};

use super::CameraControl;
use super::common::{Common, common_setters, media_ref, off_executor, optional_prompt, watermark};
use super::options::{AspectRatio, Mode, Sound, VideoDuration};
use crate::media::{Dimensions, ImageInput, ImageRules, ResolvedImage};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// An image-to-video task, from [`Client::image_to_video`]. Set what you need, then
/// [`send`](Self::send) it (or [`build`](Self::build) the validated body).
///
/// Three features exclude each other: an end frame ([`image_tail`](Self::image_tail)), the
/// motion brush ([`static_mask`](Self::static_mask), [`dynamic_mask`](Self::dynamic_mask)) and
/// [`camera_control`](Self::camera_control).
///
/// ```
/// use nicerouter_kling::builders::Duration;
/// use nicerouter_kling::media::ImageInput;
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
/// # let png = nicerouter_kling_mock::media::input_png(1280, 720);
/// # std::fs::write(dir.join("first-frame.png"), png)?;
/// // A local file is read, checked (PNG/JPEG, ≤ 10 MB, ≥ 300 px, 1:2.5–2.5:1) and sent as base64.
/// // A URL is sent as it is.
/// let handle = client
///     .image_to_video(ImageInput::path(dir.join("first-frame.png")))
///     .image_tail("https://example.com/last-frame.jpg")
///     .prompt("the flower opens")
///     .model("kling-v2-1")
///     .duration(Duration::Five)
///     .send()
///     .await?;
/// # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
/// # // Raw base64 of a PNG.
/// # assert!(sent["image"].as_str().ok_or("no image")?.starts_with("iVBORw0KGgo"));
/// # assert_eq!(sent["image_tail"], "https://example.com/last-frame.jpg");
/// # assert_eq!(server.tasks_created(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct ImageToVideoBuilder {
    client: Client,
    image: ImageInput,
    model: Option<String>,
    image_tail: Option<ImageInput>,
    prompt: Option<String>,
    negative_prompt: Option<String>,
    cfg_scale: Option<f64>,
    mode: Option<Mode>,
    static_mask: Option<ImageInput>,
    dynamic_masks: Vec<(ImageInput, Vec<(i32, i32)>)>,
    camera_control: Option<CameraControl>,
    aspect_ratio: Option<AspectRatio>,
    duration: Option<VideoDuration>,
    sound: Option<Sound>,
    voices: Vec<String>,
    elements: Vec<i64>,
    watermark: Option<bool>,
    common: Common,
}

impl ImageToVideoBuilder {
    pub(crate) fn new(client: Client, image: ImageInput) -> Self {
        Self {
            client,
            image,
            model: None,
            image_tail: None,
            prompt: None,
            negative_prompt: None,
            cfg_scale: None,
            mode: None,
            static_mask: None,
            dynamic_masks: Vec::new(),
            camera_control: None,
            aspect_ratio: None,
            duration: None,
            sound: None,
            voices: Vec::new(),
            elements: Vec::new(),
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

    /// The end frame (PNG/JPEG, ≤ 10 MB, ≥ 300 px). Excludes the motion brush and camera
    /// control.
    pub fn image_tail(mut self, image: impl Into<ImageInput>) -> Self {
        self.image_tail = Some(image.into());
        self
    }

    /// What should happen, at most 2500 characters. With kling-v2-6 voices, refer to them as
    /// `<<<voice_1>>>` and `<<<voice_2>>>`.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
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

    /// Motion brush: the area that stays still (a PNG/JPEG mask with the aspect ratio of the
    /// image). Excludes `image_tail` and camera control.
    pub fn static_mask(mut self, mask: impl Into<ImageInput>) -> Self {
        self.static_mask = Some(mask.into());
        self
    }

    /// Motion brush: adds an area that moves (a PNG/JPEG mask with the aspect ratio of the
    /// image) and its path, 2 to 77 `(x, y)` pixel points from the image's bottom-left
    /// corner. At most six. Excludes `image_tail` and camera control.
    pub fn dynamic_mask(
        mut self,
        mask: impl Into<ImageInput>,
        trajectory: impl IntoIterator<Item = (i32, i32)>,
    ) -> Self {
        self.dynamic_masks
            .push((mask.into(), trajectory.into_iter().collect()));
        self
    }

    /// A camera movement. Excludes `image_tail` and the motion brush.
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

    /// Adds a voice to `voice_list` (kling-v2-6; at most two; needs `sound(Sound::On)`).
    pub fn voice(mut self, voice_id: impl Into<String>) -> Self {
        self.voices.push(voice_id.into());
        self
    }

    /// Adds a subject element to `element_list` (kling-v3).
    pub fn element(mut self, element_id: i64) -> Self {
        self.elements.push(element_id);
        self
    }

    /// Also produce a watermarked result (`watermark_info.enabled`).
    pub fn watermark(mut self, enabled: bool) -> Self {
        self.watermark = Some(enabled);
        self
    }

    common_setters!();

    /// Whether building reads files or encodes data.
    fn has_local_media(&self) -> bool {
        let masks = self.dynamic_masks.iter().map(|(mask, _)| mask);
        std::iter::once(&self.image)
            .chain(&self.image_tail)
            .chain(&self.static_mask)
            .chain(masks)
            .any(|image| !image.is_url())
    }

    /// The validated request body, without sending it. Local images are read and encoded
    /// here.
    pub fn build(self) -> Result<types::Image2VideoRequest, ValidationError> {
        let prompt = optional_prompt("prompt", self.prompt)?;
        let negative_prompt = optional_prompt("negative_prompt", self.negative_prompt)?;
        let (callback_url, external_task_id) = self.common.into_fields()?;

        let image = self.image.resolve("image", ImageRules::Full)?;
        let image_size = image.dimensions;
        let image_tail = self
            .image_tail
            .map(|tail| tail.resolve("image_tail", ImageRules::NoAspectRatio))
            .transpose()?;
        let static_mask = self
            .static_mask
            .map(|mask| mask.resolve("static_mask", ImageRules::Mask))
            .transpose()?;
        let mut masks = MaskSizes::new(image_size);
        if let Some(mask) = &static_mask {
            masks.check("static_mask", mask)?;
        }
        let mut dynamic_masks = Vec::with_capacity(self.dynamic_masks.len());
        for (i, (mask, points)) in self.dynamic_masks.into_iter().enumerate() {
            let field = format!("dynamic_masks[{i}].mask");
            let mask = mask.resolve(&field, ImageRules::Mask)?;
            masks.check(&field, &mask)?;
            if let Some(size) = image_size {
                inside_image(i, &points, size)?;
            }
            dynamic_masks.push(DynamicMask {
                mask: mask.value,
                trajectories: points
                    .into_iter()
                    .map(|(x, y)| TrajectoryPoint { x, y })
                    .collect(),
            });
        }

        let body = types::Image2VideoRequest {
            model_name: self.model,
            image: media_ref("image", image)?,
            image_tail: image_tail.map(|tail| tail.value),
            prompt,
            negative_prompt,
            cfg_scale: self.cfg_scale.map(CfgScale),
            mode: self.mode,
            static_mask: static_mask.map(|mask| mask.value),
            dynamic_masks,
            camera_control: self.camera_control.map(CameraControl::into_raw),
            aspect_ratio: self.aspect_ratio,
            duration: self.duration,
            sound: self.sound,
            voice_list: self
                .voices
                .into_iter()
                .map(|voice_id| VoiceListItem { voice_id })
                .collect(),
            element_list: self
                .elements
                .into_iter()
                .map(|element_id| ElementListItem { element_id })
                .collect(),
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
        let body = off_executor(self.has_local_media(), || self.build())?;
        client.create_validated(body).await
    }
}

/// The motion-brush rules that need the pixels: every mask has the aspect ratio of the image,
/// and all masks have one resolution (otherwise Kling fails the task after accepting it).
struct MaskSizes {
    image: Option<Dimensions>,
    first: Option<(String, Dimensions)>,
}

impl MaskSizes {
    fn new(image: Option<Dimensions>) -> Self {
        Self { image, first: None }
    }

    fn check(&mut self, field: &str, mask: &ResolvedImage) -> Result<(), ValidationError> {
        let Some(size) = mask.dimensions else {
            return Ok(());
        };
        if let Some(image) = self.image
            && !same_aspect_ratio(size, image)
        {
            return Err(ValidationError::new(
                field,
                format!(
                    "must have the aspect ratio of `image` (mask {}×{}, image {}×{})",
                    size.width, size.height, image.width, image.height
                ),
            ));
        }
        match &self.first {
            Some((first_field, first)) if *first != size => Err(ValidationError::new(
                field,
                format!(
                    "must have the resolution of `{first_field}` (got {}×{}, expected {}×{})",
                    size.width, size.height, first.width, first.height
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.first = Some((field.to_owned(), size));
                Ok(())
            }
        }
    }
}

/// Equal aspect ratios, allowing 1% for rounding when a mask was scaled.
fn same_aspect_ratio(a: Dimensions, b: Dimensions) -> bool {
    let left = u128::from(a.width) * u128::from(b.height);
    let right = u128::from(a.height) * u128::from(b.width);
    left.abs_diff(right) * 100 <= left.max(right)
}

/// Trajectory points lie within the image (Kling's origin is its bottom-left corner).
fn inside_image(
    mask: usize,
    points: &[(i32, i32)],
    image: Dimensions,
) -> Result<(), ValidationError> {
    let outside = points.iter().enumerate().find(|(_, (x, y))| {
        u64::try_from(*x).is_ok_and(|x| x > image.width)
            || u64::try_from(*y).is_ok_and(|y| y > image.height)
    });
    match outside {
        Some((j, (x, y))) => Err(ValidationError::new(
            format!("dynamic_masks[{mask}].trajectories[{j}]"),
            format!(
                "must lie within the image (got ({x}, {y}); the image is {}×{})",
                image.width, image.height
            ),
        )),
        None => Ok(()),
    }
}
