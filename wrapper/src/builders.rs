//! One builder per kind of task, generated from the spec and started from the [`Client`].
//!
//! Each create operation of `openapi/kling.yaml` gives a builder (`TextToVideoBuilder`,
//! `ImageToVideoBuilder`, …) and a [`Client`] method that starts it with the body's required
//! top-level values (`client.text_to_video().prompt(prompt)`). Every field of the body has a setter,
//! documented with the spec's description and the values it knows; fields of a nested
//! `input` object are set directly (`lip_sync().video_id(..)`). Media fields take
//! [`ImageInput`](crate::media::ImageInput) or [`AudioInput`](crate::media::AudioInput):
//! a URL passes through, a local file is read, checked and sent as raw base64.
//!
//! Values Kling extends every month (`model`, `duration`, `mode`, `aspect_ratio`, effect
//! scenes) are strings: a value the spec does not know is sent with a `tracing` warning.
//! `send()` validates and creates the task through the client's one create path (automatic
//! `external_task_id`, safe retries) and returns a [`TaskHandle`](crate::TaskHandle);
//! `build()` returns the validated generated body without sending it. Either way a broken
//! rule is a [`ValidationError`](crate::ValidationError) naming the field, and nothing is sent.
//!
//! The examples run against the simulated server (`nicerouter-kling-mock`); `dir` is a
//! temporary directory holding local files made with the mock's `media::input_png`.
//!
//! # Text to video
//!
//! ```
//! use nicerouter_kling::Kind;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = nicerouter_kling_mock::MockServer::start().await?;
//! # let client = nicerouter_kling::Client::builder()
//! #     .api_key(server.api_key())
//! #     .base_url(server.base_url())
//! #     .build()?;
//! let handle = client
//!     .text_to_video().prompt("a cat")
//!     .model("kling-v2-5-turbo")
//!     .duration("10")
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
//! use nicerouter_kling::media::ImageInput;
//! use nicerouter_kling::raw::types::{CameraConfig, CameraControl, CameraControlType};
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
//! let zoom = CameraControl {
//!     type_: CameraControlType::Simple,
//!     config: Some(CameraConfig { zoom: Some(5.0), ..Default::default() }),
//! };
//! let handle = client
//!     .image_to_video().image(ImageInput::path(dir.join("cat.png")))
//!     .prompt("the cat looks up")
//!     .model("kling-v1-5")
//!     .camera_control(zoom)
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
//! let err = client.text_to_video().prompt("a cat").cfg_scale(1.5).build().unwrap_err();
//! assert_eq!(err.field, "cfg_scale");
//! assert_eq!(err.rule, "must be at most 1");
//! # Ok::<(), nicerouter_kling::Error>(())
//! ```

#![allow(
    clippy::too_many_arguments,
    reason = "a constructor takes every required field"
)]

include!(concat!(env!("OUT_DIR"), "/builders.rs"));
