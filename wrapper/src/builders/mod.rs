//! One builder per kind of task, started from the [`Client`].
//!
//! | Kind | Start with | Body |
//! |---|---|---|
//! | text to video | [`Client::text_to_video`] | `Text2VideoRequest` |
//! | image to video | [`Client::image_to_video`] | `Image2VideoRequest` |
//! | multi-image to video | [`Client::multi_image_to_video`] | `MultiImage2VideoRequest` |
//! | video extend | [`Client::extend_video`] | `VideoExtendRequest` |
//! | lip sync | [`Client::lip_sync`] | `LipSyncRequest` |
//! | video effects | [`Client::video_effects`] | `VideoEffectsRequest` |
//! | image generation | [`Client::image_generation`] | `ImageGenerationRequest` |
//! | virtual try-on | [`Client::virtual_try_on`] | `VirtualTryOnRequest` |
//!
//! Every builder covers every field of its body in the spec: closed sets are typed enums
//! ([`Mode`], [`AspectRatio`], [`Duration`], …), model names are strings (Kling adds models
//! every month). `send()` validates, then creates the task through the client's one create
//! path (automatic `external_task_id`, safe retries) and returns a
//! [`TaskHandle`](crate::TaskHandle). `build()` returns the validated generated body without
//! sending it. Either way a broken rule is a [`ValidationError`](crate::ValidationError)
//! naming the field, and nothing is sent.
//!
//! The examples here and on each builder run as tests against the simulated server
//! (`nicerouter-kling-mock`); `dir` in them is a temporary directory holding the local files
//! they send, made with the mock's `media::input_png`, `input_jpeg` and `input_wav`, which
//! your own tests can use too.
//!
//! # Text to video
//!
//! ```
//! use nicerouter_kling::Kind;
//! use nicerouter_kling::builders::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = nicerouter_kling_mock::MockServer::start().await?;
//! # let client = nicerouter_kling::Client::builder()
//! #     .api_key(server.api_key())
//! #     .base_url(server.base_url())
//! #     .build()?;
//! let handle = client
//!     .text_to_video("a cat")
//!     .model("kling-v2-5-turbo")
//!     .duration(Duration::Ten)
//!     .send()
//!     .await?;
//! assert_eq!(handle.kind, Kind::TextToVideo); // what to poll: see TaskHandle::wait
//! # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
//! # assert_eq!(sent["duration"], "10");
//! # assert_eq!(server.tasks_created(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Image to video, from a local file
//!
//! ```
//! use nicerouter_kling::builders::{Axis, CameraControl};
//! use nicerouter_kling::media::ImageInput;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = nicerouter_kling_mock::MockServer::start().await?;
//! # let client = nicerouter_kling::Client::builder()
//! #     .api_key(server.api_key())
//! #     .base_url(server.base_url())
//! #     .build()?;
//! # let dir = tempfile::tempdir()?;
//! # let dir = dir.path();
//! # std::fs::write(dir.join("cat.png"), nicerouter_kling_mock::media::input_png(1024, 768))?;
//! let handle = client
//!     .image_to_video(ImageInput::path(dir.join("cat.png")))
//!     .prompt("the cat looks up")
//!     .model("kling-v1-5")
//!     .camera_control(CameraControl::simple(Axis::Zoom, 5.0))
//!     .send()
//!     .await?;
//! # let sent = server.task(&handle.task_id).ok_or("no task")?.request;
//! # // Raw base64 of a PNG.
//! # assert!(sent["image"].as_str().ok_or("no image")?.starts_with("iVBORw0KGgo"));
//! # assert_eq!(sent["camera_control"]["config"]["zoom"], 5.0);
//! # assert_eq!(server.tasks_created(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Validation without sending
//!
//! ```
//! # let client = nicerouter_kling::Client::builder()
//! #     .api_key("sk-example")
//! #     .base_url("http://127.0.0.1:9") // never contacted: build() sends nothing
//! #     .build()?;
//! let err = client.text_to_video("a cat").cfg_scale(1.5).build().unwrap_err();
//! assert_eq!(err.field, "cfg_scale");
//! assert_eq!(err.rule, "must be between 0 and 1 (got 1.5)");
//! # Ok::<(), nicerouter_kling::Error>(())
//! ```

mod camera;
mod common;
mod extend_video;
mod image_generation;
mod image_to_video;
mod lip_sync;
mod multi_image_to_video;
mod options;
mod text_to_video;
mod video_effects;
mod virtual_try_on;

pub use camera::{Axis, CameraControl};
pub use extend_video::ExtendVideoBuilder;
pub use image_generation::ImageGenerationBuilder;
pub use image_to_video::ImageToVideoBuilder;
pub use lip_sync::LipSyncBuilder;
pub use multi_image_to_video::MultiImageToVideoBuilder;
pub use options::{
    AspectRatio, CameraControlType, Duration, ImageAspectRatio, ImageReference, ImageResolution,
    Mode, ShotType, Sound, VideoDuration, VoiceLanguage,
};
pub use text_to_video::TextToVideoBuilder;
pub use video_effects::VideoEffectsBuilder;
pub use virtual_try_on::VirtualTryOnBuilder;

use crate::Client;
use crate::media::ImageInput;

impl Client {
    /// A text-to-video task with `prompt` (1 to 2500 characters).
    pub fn text_to_video(&self, prompt: impl Into<String>) -> TextToVideoBuilder {
        TextToVideoBuilder::new(self.clone(), prompt.into())
    }

    /// An image-to-video task starting from `image` (a URL, a file path, bytes or base64; see
    /// [`ImageInput`]).
    pub fn image_to_video(&self, image: impl Into<ImageInput>) -> ImageToVideoBuilder {
        ImageToVideoBuilder::new(self.clone(), image.into())
    }

    /// A multi-image-to-video task with `prompt`; add one to four images with
    /// [`image`](MultiImageToVideoBuilder::image).
    pub fn multi_image_to_video(&self, prompt: impl Into<String>) -> MultiImageToVideoBuilder {
        MultiImageToVideoBuilder::new(self.clone(), prompt.into())
    }

    /// Extends the generated video `video_id` (`task_result.videos[].id`) by four to five
    /// seconds.
    pub fn extend_video(&self, video_id: impl Into<String>) -> ExtendVideoBuilder {
        ExtendVideoBuilder::new(self.clone(), video_id.into())
    }

    /// A lip-sync task: set the video ([`video_id`](LipSyncBuilder::video_id) or
    /// [`video_url`](LipSyncBuilder::video_url)) and what to say
    /// ([`text`](LipSyncBuilder::text) or [`audio`](LipSyncBuilder::audio)).
    pub fn lip_sync(&self) -> LipSyncBuilder {
        LipSyncBuilder::new(self.clone())
    }

    /// A video-effects task for `scene` (for example `hug` or `squish`); add one image, or
    /// two for the two-person scenes, with [`image`](VideoEffectsBuilder::image).
    pub fn video_effects(&self, scene: impl Into<String>) -> VideoEffectsBuilder {
        VideoEffectsBuilder::new(self.clone(), scene.into())
    }

    /// An image-generation task with `prompt` (1 to 2500 characters).
    pub fn image_generation(&self, prompt: impl Into<String>) -> ImageGenerationBuilder {
        ImageGenerationBuilder::new(self.clone(), prompt.into())
    }

    /// A virtual try-on task: the person in `human` wearing the garment in `cloth`.
    pub fn virtual_try_on(
        &self,
        human: impl Into<ImageInput>,
        cloth: impl Into<ImageInput>,
    ) -> VirtualTryOnBuilder {
        VirtualTryOnBuilder::new(self.clone(), human.into(), cloth.into())
    }
}
