//! The create commands: flags → a library builder → a paid task → (optionally) wait and
//! download.
//!
//! The builders are distinct types with same-named setters, so the flag groups they share
//! (generation, video and create options) are applied by small macros rather than traits.

use nicerouter_kling::builders::{
    AspectRatio, Duration as Seconds, ImageAspectRatio, ImageReference, ImageResolution, Mode,
    Sound, VoiceLanguage,
};
use nicerouter_kling::entropy::{self, OsEntropy};
use nicerouter_kling::{CreateBody, Error, TaskHandle, ValidationError};
use serde_json::json;

use crate::args::{
    AspectArg, CreateOptions, DurationArg, ImageCommand, ImageReferenceArg, ModeArg, ResolutionArg,
    VideoCommand, VoiceLanguageArg,
};
use crate::backend::Backend;
use crate::failure::Failure;
use crate::inputs;
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::task::finish;

/// Applies `Some(value)` flags to a builder: `set!(b, setter(option) [=> convert])`.
macro_rules! set {
    ($b:ident, $($setter:ident($value:expr) $(=> $convert:expr)?),+ $(,)?) => {
        $(if let Some(x) = $value {
            $b = $b.$setter($($convert)?(x));
        })+
    };
}

/// Applies `--model`, `--mode` and `--duration` (every video create but extend and lip-sync).
macro_rules! generation {
    ($b:ident, $g:expr) => {{
        let g = $g;
        set!($b,
            model(g.model),
            mode(g.mode) => Mode::from,
            duration(g.duration) => Seconds::from,
        );
    }};
}

/// Applies the options text2video and image2video share.
macro_rules! video_options {
    ($b:ident, $v:expr) => {{
        let v = $v;
        generation!($b, v.generation);
        set!($b,
            negative_prompt(v.negative_prompt),
            aspect_ratio(v.aspect_ratio) => AspectRatio::from,
            cfg_scale(v.cfg_scale),
            camera_control(inputs::camera(v.camera, v.camera_config.as_deref())?),
        );
        if v.sound {
            $b = $b.sound(Sound::On);
        }
    }};
}

/// Applies the options every create takes (an external id generated when absent), builds
/// the validated body (nothing is sent if a rule is broken), then creates the task and
/// carries on with it: `send!(builder, create_options, backend, out)`.
macro_rules! send {
    ($b:ident, $opts:expr, $backend:expr, $out:expr) => {{
        let opts: CreateOptions = $opts;
        let external_id = opts.external_id.clone().unwrap_or_else(new_external_id);
        $b = $b.external_task_id(external_id.clone());
        set!($b, callback_url(opts.callback_url.clone()));
        // Local media are read and encoded here.
        let body = tokio::task::block_in_place(|| $b.build()).map_err(Error::from)?;
        create($backend, body, external_id, opts, $out).await
    }};
}

/// `From` for the flags' value enums: `Flag => LibraryType { FlagValue => LibraryValue, … }`.
macro_rules! from_flag {
    ($($flag:ident => $lib:ident { $($from:ident => $to:ident),+ $(,)? })+) => {
        $(impl From<$flag> for $lib {
            fn from(value: $flag) -> Self {
                match value {
                    $($flag::$from => $lib::$to,)+
                }
            }
        })+
    };
}

from_flag! {
    ModeArg => Mode { Std => Std, Pro => Pro }
    DurationArg => Seconds { Five => Five, Ten => Ten }
    AspectArg => AspectRatio { Landscape => X169, Portrait => X916, Square => X11 }
    VoiceLanguageArg => VoiceLanguage { Zh => Zh, En => En }
    ImageReferenceArg => ImageReference { Subject => Subject, Face => Face }
    ResolutionArg => ImageResolution { OneK => X1k, TwoK => X2k }
}

/// `kling video …`
pub async fn video(backend: &Backend, cmd: VideoCommand, out: &Output) -> Result<(), Failure> {
    let c = &backend.client;
    match cmd {
        VideoCommand::Text2video(a) => {
            let mut b = c.text_to_video(a.prompt);
            video_options!(b, a.video);
            send!(b, a.create, backend, out)
        }
        VideoCommand::Image2video(a) => {
            let mut b = c.image_to_video(a.image);
            set!(
                b,
                image_tail(a.image_tail),
                prompt(a.prompt),
                static_mask(a.static_mask),
            );
            for mask in &a.dynamic_mask {
                let (mask, points) = inputs::dynamic_mask(mask)?;
                b = b.dynamic_mask(mask, points);
            }
            video_options!(b, a.video);
            send!(b, a.create, backend, out)
        }
        VideoCommand::MultiImage2video(a) => {
            let mut b = c.multi_image_to_video(a.prompt);
            for image in a.images {
                b = b.image(image);
            }
            generation!(b, a.generation);
            set!(b,
                negative_prompt(a.negative_prompt),
                aspect_ratio(a.aspect_ratio) => AspectRatio::from,
            );
            send!(b, a.create, backend, out)
        }
        VideoCommand::Extend(a) => {
            let mut b = c.extend_video(a.video_id);
            set!(
                b,
                prompt(a.prompt),
                negative_prompt(a.negative_prompt),
                cfg_scale(a.cfg_scale),
            );
            send!(b, a.create, backend, out)
        }
        VideoCommand::LipSync(a) => {
            let mut b = c.lip_sync();
            set!(
                b,
                video_id(a.video_id),
                video_url(a.video_url),
                audio(a.audio),
            );
            if let (Some(text), Some(voice)) = (a.text, a.voice_id) {
                b = b.text(text, voice).voice_language(a.voice_language.into());
                set!(b, voice_speed(a.voice_speed));
            }
            send!(b, a.create, backend, out)
        }
        VideoCommand::Effects(a) => {
            let mut b = c.video_effects(a.effect_scene);
            for image in a.images {
                b = b.image(image);
            }
            generation!(b, a.generation);
            send!(b, a.create, backend, out)
        }
    }
}

/// `kling image …`
pub async fn image(backend: &Backend, cmd: ImageCommand, out: &Output) -> Result<(), Failure> {
    let c = &backend.client;
    match cmd {
        ImageCommand::Generate(a) => {
            let mut b = c.image_generation(a.prompt);
            set!(b,
                negative_prompt(a.negative_prompt),
                n(a.n.map(|n| inputs::count("n", n)).transpose()?),
                aspect_ratio(a.aspect_ratio.as_deref().map(image_aspect).transpose()?),
                image(a.image),
                image_fidelity(a.image_fidelity),
                human_fidelity(a.human_fidelity),
                image_reference(a.image_reference) => ImageReference::from,
                resolution(a.resolution) => ImageResolution::from,
                model(a.model),
            );
            send!(b, a.create, backend, out)
        }
        ImageCommand::TryOn(a) => {
            let mut b = c.virtual_try_on(a.human_image, a.cloth_image);
            set!(b, model(a.model));
            send!(b, a.create, backend, out)
        }
    }
}

/// A fresh `external_task_id`, made by the library's generator here rather than inside the
/// create so that it is printed before the create is sent.
fn new_external_id() -> String {
    entropy::external_task_id(&OsEntropy)
}

/// Creates the task from its validated `body`, catching Ctrl-C from just before it is sent:
/// the external id is printed first, so that a create cut short (Ctrl-C, or the process
/// killed while it retries) can still be found by it. Then prints the paid task, and waits
/// and downloads when asked.
async fn create<B: CreateBody>(
    backend: &Backend,
    body: B,
    external_id: String,
    opts: CreateOptions,
    out: &Output,
) -> Result<(), Failure> {
    let kind = B::KIND;
    let interrupt = Interrupt::catch().await;
    out.event(
        &json!({
            "event": "submitting",
            "kind": kind.segment(),
            "external_task_id": external_id,
        }),
        format!("submitting {kind} with external id {external_id}"),
    );
    let handle = tokio::select! {
        sent = backend.client.create(body) => sent?,
        () = interrupt.token().cancelled() => {
            return Err(Failure::interrupted_create(kind, &external_id));
        }
    };
    after_create(backend, &handle, &opts, out, &interrupt).await
}

/// Prints the paid task, then waits and downloads when asked (`--output` implies `--wait`).
async fn after_create(
    backend: &Backend,
    handle: &TaskHandle,
    opts: &CreateOptions,
    out: &Output,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    if !opts.wait && opts.then.output.is_none() {
        // Kling's own word, as the create (or the lookup that recovered a lost answer)
        // answered; `submitted`, what a create answers, when the handle has none.
        let status = handle
            .task_status
            .as_ref()
            .map_or("submitted", |status| status.as_str());
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
    // The paid task's id, out before the wait: a wait that is interrupted or killed must not
    // lose it (with --json too, as a JSON line on stderr).
    out.event(
        &json!({
            "event": "created",
            "kind": handle.kind.segment(),
            "task_id": handle.task_id,
            "external_task_id": handle.external_task_id,
        }),
        format!(
            "created {} task {} (external id {})",
            handle.kind,
            handle.task_id,
            handle.external_task_id.as_deref().unwrap_or("none")
        ),
    );
    finish(backend, handle, &opts.then, out, interrupt).await
}

/// An image aspect ratio, rejected in the library's words (the set is the spec's).
fn image_aspect(value: &str) -> Result<ImageAspectRatio, Failure> {
    value.parse::<ImageAspectRatio>().map_err(|_| {
        Error::from(ValidationError::new(
            "aspect_ratio",
            format!("must be one of 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9 (got {value})"),
        ))
        .into()
    })
}
