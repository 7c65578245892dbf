//! The create commands: flags → a library builder → a paid task → (optionally) wait and
//! download.

use std::time::Duration;

use nicerouter_kling::builders::{
    AspectRatio, Duration as Seconds, ImageAspectRatio, ImageReference, ImageResolution, Mode,
    Sound, VoiceLanguage,
};
use nicerouter_kling::{Error, TaskHandle};
use serde_json::json;

use crate::args::{AspectArg, CreateOptions, DurationArg, ImageCommand, ModeArg, VideoCommand};
use crate::backend::Backend;
use crate::failure::Failure;
use crate::inputs;
use crate::output::Output;
use crate::task::finish;

/// `kling video …`
pub async fn video(backend: &Backend, cmd: VideoCommand, out: &Output) -> Result<(), Failure> {
    let c = &backend.client;
    let (sent, opts) = match cmd {
        VideoCommand::Text2video(a) => {
            let v = a.video;
            let mut b = c.text_to_video(a.prompt);
            if let Some(x) = v.negative_prompt {
                b = b.negative_prompt(x)
            }
            if let Some(x) = v.model {
                b = b.model(x)
            }
            if let Some(x) = v.mode {
                b = b.mode(mode(x))
            }
            if let Some(x) = v.duration {
                b = b.duration(seconds(x))
            }
            if let Some(x) = v.aspect_ratio {
                b = b.aspect_ratio(aspect(x))
            }
            if let Some(x) = v.cfg_scale {
                b = b.cfg_scale(x)
            }
            if let Some(x) = inputs::camera(v.camera, v.camera_config.as_deref())? {
                b = b.camera_control(x)
            }
            if v.sound {
                b = b.sound(Sound::On)
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        VideoCommand::Image2video(a) => {
            let v = a.video;
            let mut b = c.image_to_video(inputs::image(&a.image));
            if let Some(x) = a.image_tail {
                b = b.image_tail(inputs::image(&x))
            }
            if let Some(x) = a.prompt {
                b = b.prompt(x)
            }
            if let Some(x) = a.static_mask {
                b = b.static_mask(inputs::image(&x))
            }
            for m in &a.dynamic_mask {
                let (mask, points) = inputs::dynamic_mask(m)?;
                b = b.dynamic_mask(mask, points);
            }
            if let Some(x) = v.negative_prompt {
                b = b.negative_prompt(x)
            }
            if let Some(x) = v.model {
                b = b.model(x)
            }
            if let Some(x) = v.mode {
                b = b.mode(mode(x))
            }
            if let Some(x) = v.duration {
                b = b.duration(seconds(x))
            }
            if let Some(x) = v.aspect_ratio {
                b = b.aspect_ratio(aspect(x))
            }
            if let Some(x) = v.cfg_scale {
                b = b.cfg_scale(x)
            }
            if let Some(x) = inputs::camera(v.camera, v.camera_config.as_deref())? {
                b = b.camera_control(x)
            }
            if v.sound {
                b = b.sound(Sound::On)
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        VideoCommand::MultiImage2video(a) => {
            let mut b = c.multi_image_to_video(a.prompt);
            for image in &a.images {
                b = b.image(inputs::image(image))
            }
            if let Some(x) = a.negative_prompt {
                b = b.negative_prompt(x)
            }
            if let Some(x) = a.model {
                b = b.model(x)
            }
            if let Some(x) = a.mode {
                b = b.mode(mode(x))
            }
            if let Some(x) = a.duration {
                b = b.duration(seconds(x))
            }
            if let Some(x) = a.aspect_ratio {
                b = b.aspect_ratio(aspect(x))
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        VideoCommand::Extend(a) => {
            let mut b = c.extend_video(a.video_id);
            if let Some(x) = a.prompt {
                b = b.prompt(x)
            }
            if let Some(x) = a.negative_prompt {
                b = b.negative_prompt(x)
            }
            if let Some(x) = a.cfg_scale {
                b = b.cfg_scale(x)
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        VideoCommand::LipSync(a) => {
            let mut b = c.lip_sync();
            if let Some(x) = a.video_id {
                b = b.video_id(x)
            }
            if let Some(x) = a.video_url {
                b = b.video_url(x)
            }
            if let (Some(text), Some(voice)) = (a.text, a.voice_id) {
                b = b.text(text, voice);
                b = b.voice_language(if a.voice_language == "zh" {
                    VoiceLanguage::Zh
                } else {
                    VoiceLanguage::En
                });
            }
            if let Some(x) = a.voice_speed {
                b = b.voice_speed(x)
            }
            if let Some(x) = a.audio {
                b = b.audio(inputs::audio(&x))
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        VideoCommand::Effects(a) => {
            let mut b = c.video_effects(a.effect_scene);
            for image in &a.images {
                b = b.image(inputs::image(image))
            }
            if let Some(x) = a.model {
                b = b.model(x)
            }
            if let Some(x) = a.mode {
                b = b.mode(mode(x))
            }
            if let Some(x) = a.duration {
                b = b.duration(seconds(x))
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
    };
    after_create(backend, sent, opts, out).await
}

/// `kling image …`
pub async fn image(backend: &Backend, cmd: ImageCommand, out: &Output) -> Result<(), Failure> {
    let c = &backend.client;
    let (sent, opts) = match cmd {
        ImageCommand::Generate(a) => {
            let mut b = c.image_generation(a.prompt);
            if let Some(x) = a.negative_prompt {
                b = b.negative_prompt(x)
            }
            if let Some(n) = a.n {
                let n = u32::try_from(n).map_err(|_| {
                    Error::from(nicerouter_kling::ValidationError::new(
                        "n",
                        format!("must be from 1 to 9 (got {n})"),
                    ))
                })?;
                b = b.n(n);
            }
            if let Some(x) = a.aspect_ratio {
                b = b.aspect_ratio(image_aspect(&x)?)
            }
            if let Some(x) = a.image {
                b = b.image(inputs::image(&x))
            }
            if let Some(x) = a.image_fidelity {
                b = b.image_fidelity(x)
            }
            if let Some(x) = a.human_fidelity {
                b = b.human_fidelity(x)
            }
            if let Some(x) = a.image_reference {
                b = b.image_reference(if x == "face" {
                    ImageReference::Face
                } else {
                    ImageReference::Subject
                })
            }
            if let Some(x) = a.resolution {
                b = b.resolution(if x == "2k" {
                    ImageResolution::X2k
                } else {
                    ImageResolution::X1k
                })
            }
            if let Some(x) = a.model {
                b = b.model(x)
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
        ImageCommand::TryOn(a) => {
            let mut b =
                c.virtual_try_on(inputs::image(&a.human_image), inputs::image(&a.cloth_image));
            if let Some(x) = a.model {
                b = b.model(x)
            }
            b = common!(b, a.create);
            (b.send().await, a.create)
        }
    };
    after_create(backend, sent, opts, out).await
}

/// Sets the options every builder shares.
macro_rules! common {
    ($b:expr, $opts:expr) => {{
        let mut b = $b;
        if let Some(id) = &$opts.external_id {
            b = b.external_task_id(id.clone())
        }
        if let Some(url) = &$opts.callback_url {
            b = b.callback_url(url.clone())
        }
        b
    }};
}
use common;

/// Prints the paid task, then waits and downloads when asked.
async fn after_create(
    backend: &Backend,
    sent: Result<TaskHandle, Error>,
    opts: CreateOptions,
    out: &Output,
) -> Result<(), Failure> {
    let handle = sent.map_err(Failure::from)?;
    let wait = opts.wait || opts.output.is_some();
    if !wait {
        let status = "submitted";
        let doc = json!({
            "task_id": handle.task_id,
            "external_task_id": handle.external_task_id,
            "kind": handle.kind.segment(),
            "status": status,
        });
        out.result(
            &doc,
            &[format!("{} task {}: {status}", handle.kind, handle.task_id)],
        );
        return Ok(());
    }
    out.note(format!(
        "created {} task {} (external id {})",
        handle.kind,
        handle.task_id,
        handle.external_task_id.as_deref().unwrap_or("none")
    ));
    finish(
        backend,
        &handle,
        Duration::from_secs(opts.max_wait),
        opts.output.as_deref(),
        out,
    )
    .await
}

fn mode(m: ModeArg) -> Mode {
    match m {
        ModeArg::Std => Mode::Std,
        ModeArg::Pro => Mode::Pro,
    }
}

fn seconds(d: DurationArg) -> Seconds {
    match d {
        DurationArg::Five => Seconds::Five,
        DurationArg::Ten => Seconds::Ten,
    }
}

fn aspect(a: AspectArg) -> AspectRatio {
    match a {
        AspectArg::Landscape => AspectRatio::X169,
        AspectArg::Portrait => AspectRatio::X916,
        AspectArg::Square => AspectRatio::X11,
    }
}

fn image_aspect(value: &str) -> Result<ImageAspectRatio, Failure> {
    value.parse::<ImageAspectRatio>().map_err(|_| {
        Failure::from(Error::from(nicerouter_kling::ValidationError::new(
            "aspect_ratio",
            format!("must be one of 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9 (got {value})"),
        )))
    })
}
