//! The bad-input corpus: invalid requests across all eight kinds, each rejected with an error
//! naming the field and the rule, with zero requests reaching the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builders_support;

use std::path::PathBuf;

use builders_support::{Server, b64, client, gif, png, png_of_size, wav};
use nicerouter_kling::builders::{
    Axis, CameraControl, CameraControlType, Duration, ExtendVideoBuilder, ImageGenerationBuilder,
    ImageReference, ImageToVideoBuilder, LipSyncBuilder, MultiImageToVideoBuilder, Sound,
    TextToVideoBuilder, VideoEffectsBuilder, VirtualTryOnBuilder, VoiceLanguage,
};
use nicerouter_kling::media::{AudioInput, ImageInput};
use nicerouter_kling::raw::types;
use nicerouter_kling::{Client, Error, ValidationError};

/// Any of the eight builders.
enum Any {
    T2v(TextToVideoBuilder),
    I2v(ImageToVideoBuilder),
    Multi(MultiImageToVideoBuilder),
    Extend(ExtendVideoBuilder),
    LipSync(LipSyncBuilder),
    Effects(VideoEffectsBuilder),
    ImageGen(ImageGenerationBuilder),
    TryOn(VirtualTryOnBuilder),
}

macro_rules! any_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for Any {
            fn from(b: $ty) -> Self { Any::$variant(b) }
        }
    )*};
}
any_from!(
    T2v(TextToVideoBuilder),
    I2v(ImageToVideoBuilder),
    Multi(MultiImageToVideoBuilder),
    Extend(ExtendVideoBuilder),
    LipSync(LipSyncBuilder),
    Effects(VideoEffectsBuilder),
    ImageGen(ImageGenerationBuilder),
    TryOn(VirtualTryOnBuilder)
);

impl Any {
    fn kind(&self) -> &'static str {
        match self {
            Any::T2v(_) => "text2video",
            Any::I2v(_) => "image2video",
            Any::Multi(_) => "multi-image2video",
            Any::Extend(_) => "video-extend",
            Any::LipSync(_) => "lip-sync",
            Any::Effects(_) => "effects",
            Any::ImageGen(_) => "generations",
            Any::TryOn(_) => "kolors-virtual-try-on",
        }
    }

    fn build(self) -> Result<(), ValidationError> {
        match self {
            Any::T2v(b) => b.build().map(drop),
            Any::I2v(b) => b.build().map(drop),
            Any::Multi(b) => b.build().map(drop),
            Any::Extend(b) => b.build().map(drop),
            Any::LipSync(b) => b.build().map(drop),
            Any::Effects(b) => b.build().map(drop),
            Any::ImageGen(b) => b.build().map(drop),
            Any::TryOn(b) => b.build().map(drop),
        }
    }

    async fn send(self) -> Result<(), Error> {
        match self {
            Any::T2v(b) => b.send().await.map(drop),
            Any::I2v(b) => b.send().await.map(drop),
            Any::Multi(b) => b.send().await.map(drop),
            Any::Extend(b) => b.send().await.map(drop),
            Any::LipSync(b) => b.send().await.map(drop),
            Any::Effects(b) => b.send().await.map(drop),
            Any::ImageGen(b) => b.send().await.map(drop),
            Any::TryOn(b) => b.send().await.map(drop),
        }
    }
}

/// One invalid input: the field the error must name, words its rule must contain, and the
/// builder.
struct Case {
    field: &'static str,
    rule: &'static str,
    make: Box<dyn Fn(&Client) -> Any>,
}

fn case<B: Into<Any>>(
    field: &'static str,
    rule: &'static str,
    make: impl Fn(&Client) -> B + 'static,
) -> Case {
    Case {
        field,
        rule,
        make: Box::new(move |c| make(c).into()),
    }
}

/// Media fixtures shared by the cases.
struct Fixtures {
    _dir: tempfile::TempDir,
    good: Vec<u8>,
    notes_txt: PathBuf,
    missing: PathBuf,
    huge_png: PathBuf,
}

impl Fixtures {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let notes_txt = dir.path().join("notes.png");
        std::fs::write(&notes_txt, "these are my notes, not an image").unwrap();
        let huge_png = dir.path().join("huge.png");
        std::fs::write(&huge_png, png_of_size(1000, 1000, 10 * 1024 * 1024 + 1)).unwrap();
        let missing = dir.path().join("missing.png");
        Self {
            good: png(1024, 768),
            notes_txt,
            missing,
            huge_png,
            _dir: dir,
        }
    }
}

fn good(f: &Fixtures) -> ImageInput {
    ImageInput::bytes(f.good.clone())
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[allow(clippy::too_many_lines)]
fn corpus(f: &'static Fixtures) -> Vec<Case> {
    let v2_camera = || {
        CameraControl::from(types::CameraControl {
            type_: CameraControlType::Simple,
            config: Some(types::CameraConfig {
                zoom: Some(5.0),
                pan: Some(1.0),
                ..Default::default()
            }),
        })
    };
    let preset_with_config = || {
        CameraControl::from(types::CameraControl {
            type_: CameraControlType::DownBack,
            config: Some(types::CameraConfig {
                zoom: Some(5.0),
                ..Default::default()
            }),
        })
    };
    let path = (0..10).map(|i| (i * 10, i * 10));
    vec![
        // ---- text to video
        case("prompt", "must not be empty", |c| c.text_to_video("")),
        case("prompt", "must not be empty", |c| c.text_to_video(" \n\t")),
        case("prompt", "at most 2500 characters (got 2501)", |c| {
            c.text_to_video(long(2501))
        }),
        case("prompt", "at most 2500 characters (got 2501)", |c| {
            c.text_to_video("猫".repeat(2501))
        }),
        case("negative_prompt", "at most 2500", |c| {
            c.text_to_video("a cat").negative_prompt(long(2501))
        }),
        case("model_name", "must not be empty", |c| {
            c.text_to_video("a cat").model("")
        }),
        case("cfg_scale", "between 0 and 1 (got 1.5)", |c| {
            c.text_to_video("a cat").cfg_scale(1.5)
        }),
        case("cfg_scale", "finite", |c| {
            c.text_to_video("a cat").cfg_scale(f64::NAN)
        }),
        case("cfg_scale", "not supported by kling-v2.x", |c| {
            c.text_to_video("a cat")
                .model("kling-v2-5-turbo")
                .cfg_scale(0.5)
        }),
        case(
            "camera_control.config",
            "exactly one non-zero axis (all are zero)",
            |c| {
                c.text_to_video("a cat")
                    .camera_control(CameraControl::simple(Axis::Pan, 0.0))
            },
        ),
        case(
            "camera_control.config",
            "exactly one non-zero axis (got 2: pan, zoom)",
            move |c| c.text_to_video("a cat").camera_control(v2_camera()),
        ),
        case(
            "camera_control.config.zoom",
            "between -10 and 10 (got 11)",
            |c| {
                c.text_to_video("a cat")
                    .camera_control(CameraControl::simple(Axis::Zoom, 11.0))
            },
        ),
        case(
            "camera_control.config",
            "must be omitted when `camera_control.type` is `down_back`",
            move |c| {
                c.text_to_video("a cat")
                    .camera_control(preset_with_config())
            },
        ),
        case(
            "camera_control.config",
            "is required when `camera_control.type` is `simple`",
            |c| {
                c.text_to_video("a cat")
                    .camera_control(CameraControl::preset(CameraControlType::Simple))
            },
        ),
        case("multi_prompt", "requires `multi_shot: true`", |c| {
            c.text_to_video("a cat").multi_prompt(1, "shot one", 5)
        }),
        case("shot_type", "requires `multi_shot: true`", |c| {
            c.text_to_video("a cat")
                .shot_type(types::ShotType::Intelligence)
        }),
        case("multi_prompt", "between 1 and 6 items (got 7)", |c| {
            (1..=7).fold(c.text_to_video("a cat").multi_shot(true), |b, i| {
                b.multi_prompt(i, "a shot", 1)
            })
        }),
        case(
            "multi_prompt[0].prompt",
            "at most 512 characters (got 513)",
            |c| {
                c.text_to_video("a cat")
                    .multi_shot(true)
                    .multi_prompt(1, long(513), 5)
            },
        ),
        case("multi_prompt[1].duration", "whole number of seconds", |c| {
            c.text_to_video("a cat")
                .multi_shot(true)
                .multi_prompt(1, "one", 5)
                .multi_prompt(2, "two", 0)
        }),
        case(
            "multi_prompt",
            "is required when `shot_type` is `customize`",
            |c| {
                c.text_to_video("a cat")
                    .multi_shot(true)
                    .shot_type(types::ShotType::Customize)
            },
        ),
        case("callback_url", "absolute http:// or https:// URL", |c| {
            c.text_to_video("a cat").callback_url("example.com/hook")
        }),
        case("callback_url", "the scheme is `ftp`", |c| {
            c.text_to_video("a cat")
                .callback_url("ftp://example.com/hook")
        }),
        case("external_task_id", "must not be empty", |c| {
            c.text_to_video("a cat").external_task_id("")
        }),
        case("external_task_id", "at most 64 characters (got 65)", |c| {
            c.text_to_video("a cat").external_task_id(long(65))
        }),
        case("external_task_id", "found ' '", |c| {
            c.text_to_video("a cat").external_task_id("my task")
        }),
        // ---- image to video: media
        case(
            "image",
            "each side must be at least 300 px (got 299×800)",
            |c| c.image_to_video(ImageInput::bytes(png(299, 800))),
        ),
        case(
            "image",
            "aspect ratio between 1:2.5 and 2.5:1 (got 2000×500)",
            |c| c.image_to_video(ImageInput::bytes(png(2000, 500))),
        ),
        case(
            "image",
            "aspect ratio between 1:2.5 and 2.5:1 (got 300×751)",
            |c| c.image_to_video(ImageInput::bytes(jpeg_bytes(300, 751))),
        ),
        case(
            "image",
            "must be at most 10 MB (got 10.0 MB (10485761 bytes))",
            move |c| c.image_to_video(ImageInput::path(&f.huge_png)),
        ),
        case("image", "must be at most 10 MB", |c| {
            c.image_to_video(ImageInput::bytes(png_of_size(
                1000,
                1000,
                10 * 1024 * 1024 + 1,
            )))
        }),
        case("image", "must be a PNG or JPEG image", move |c| {
            c.image_to_video(ImageInput::path(&f.notes_txt))
        }),
        case("image", "must be a PNG or JPEG image (got GIF)", |c| {
            c.image_to_video(ImageInput::bytes(gif(800, 600)))
        }),
        case(
            "image",
            "is a `data:` URL of type text/plain, not an image",
            |c| c.image_to_video("data:text/plain;base64,aGVsbG8gd29ybGQ="),
        ),
        case("image", "cannot read file", move |c| {
            c.image_to_video(f.missing.to_str().unwrap())
        }),
        case("image", "is not valid standard base64", |c| {
            c.image_to_video(ImageInput::base64("not base64 at all!"))
        }),
        case("image", "the scheme is `ftp`", |c| {
            c.image_to_video(ImageInput::url("ftp://example.com/cat.png"))
        }),
        case(
            "image_tail",
            "each side must be at least 300 px (got 1000×299)",
            move |c| {
                c.image_to_video(good(f))
                    .image_tail(ImageInput::bytes(png(1000, 299)))
            },
        ),
        case("prompt", "at most 2500", move |c| {
            c.image_to_video(good(f)).prompt(long(2501))
        }),
        // ---- image to video: exclusions and motion brush
        case(
            "camera_control",
            "cannot be combined with `image_tail`",
            move |c| {
                c.image_to_video(good(f))
                    .image_tail(good(f))
                    .camera_control(CameraControl::preset(CameraControlType::ForwardUp))
            },
        ),
        case(
            "static_mask",
            "cannot be combined with `image_tail`",
            move |c| {
                c.image_to_video(good(f))
                    .image_tail(good(f))
                    .static_mask(good(f))
            },
        ),
        case(
            "camera_control",
            "cannot be combined with `dynamic_masks`",
            move |c| {
                c.image_to_video(good(f))
                    .dynamic_mask(good(f), path.clone())
                    .camera_control(CameraControl::simple(Axis::Tilt, 2.0))
            },
        ),
        case("dynamic_masks", "at most 6 items (got 7)", move |c| {
            (0..7).fold(c.image_to_video(good(f)), |b, _| {
                b.dynamic_mask(good(f), [(0, 0), (10, 10)])
            })
        }),
        case(
            "dynamic_masks[0].trajectories",
            "between 2 and 77 items (got 1)",
            move |c| c.image_to_video(good(f)).dynamic_mask(good(f), [(5, 5)]),
        ),
        case(
            "dynamic_masks[0].trajectories",
            "between 2 and 77 items (got 78)",
            move |c| {
                c.image_to_video(good(f))
                    .dynamic_mask(good(f), (0..78).map(|i| (i, i)))
            },
        ),
        case(
            "dynamic_masks[0].trajectories[1]",
            "must not be negative",
            move |c| {
                c.image_to_video(good(f))
                    .dynamic_mask(good(f), [(5, 5), (-1, 5)])
            },
        ),
        case(
            "dynamic_masks[0].trajectories[1]",
            "must lie within the image (got (2000, 5); the image is 1024×768)",
            move |c| {
                c.image_to_video(good(f))
                    .dynamic_mask(good(f), [(5, 5), (2000, 5)])
            },
        ),
        case(
            "static_mask",
            "must have the aspect ratio of `image` (mask 800×800, image 1024×768)",
            move |c| {
                c.image_to_video(good(f))
                    .static_mask(ImageInput::bytes(png(800, 800)))
            },
        ),
        case(
            "dynamic_masks[0].mask",
            "must have the resolution of `static_mask` (got 512×384, expected 1024×768)",
            move |c| {
                c.image_to_video(good(f))
                    .static_mask(good(f))
                    .dynamic_mask(ImageInput::bytes(png(512, 384)), [(0, 0), (1, 1)])
            },
        ),
        case("voice_list", "requires `sound: on`", move |c| {
            c.image_to_video(good(f)).voice("voice-1")
        }),
        case("voice_list", "at most 2 items (got 3)", move |c| {
            c.image_to_video(good(f))
                .sound(Sound::On)
                .voice("a")
                .voice("b")
                .voice("c")
        }),
        case("voice_list[0].voice_id", "must not be empty", move |c| {
            c.image_to_video(good(f)).sound(Sound::On).voice("")
        }),
        case("cfg_scale", "not supported by kling-v2.x", move |c| {
            c.image_to_video(good(f)).model("kling-v2-1").cfg_scale(0.3)
        }),
        // ---- multi-image to video
        case("image_list", "between 1 and 4 items (got 0)", |c| {
            c.multi_image_to_video("two friends")
        }),
        case("image_list", "between 1 and 4 items (got 5)", move |c| {
            (0..5).fold(c.multi_image_to_video("five friends"), |b, _| {
                b.image(good(f))
            })
        }),
        case(
            "image_list[2].image",
            "each side must be at least 300 px",
            move |c| {
                c.multi_image_to_video("three friends")
                    .image(good(f))
                    .image(good(f))
                    .image(ImageInput::bytes(png(100, 100)))
            },
        ),
        case("prompt", "must not be empty", move |c| {
            c.multi_image_to_video("").image(good(f))
        }),
        // ---- video extend
        case("video_id", "must not be empty", |c| c.extend_video("")),
        case("cfg_scale", "between 0 and 1 (got -0.1)", |c| {
            c.extend_video("vid-1").cfg_scale(-0.1)
        }),
        case("negative_prompt", "at most 2500", |c| {
            c.extend_video("vid-1").negative_prompt(long(2501))
        }),
        // ---- lip sync
        case(
            "input.video_id",
            "exactly one of `input.video_id` and `input.video_url` is required (got neither)",
            |c| {
                c.lip_sync()
                    .text("hello", "uk_boy1")
                    .voice_language(VoiceLanguage::En)
            },
        ),
        case(
            "input.video_url",
            "cannot be combined with `input.video_id`",
            |c| {
                c.lip_sync()
                    .video_id("v")
                    .video_url("https://example.com/v.mp4")
                    .text("hi", "uk_boy1")
                    .voice_language(VoiceLanguage::En)
            },
        ),
        case("input.video_url", "absolute http:// or https:// URL", |c| {
            c.lip_sync()
                .video_url("face.mp4")
                .text("hi", "uk_boy1")
                .voice_language(VoiceLanguage::En)
        }),
        case("input.text", "at most 120 characters (got 121)", |c| {
            c.lip_sync()
                .video_id("v")
                .text(long(121), "uk_boy1")
                .voice_language(VoiceLanguage::En)
        }),
        case("input.text", "must not be empty", |c| {
            c.lip_sync()
                .video_id("v")
                .text("", "uk_boy1")
                .voice_language(VoiceLanguage::En)
        }),
        case("input.voice_id", "must not be empty", |c| {
            c.lip_sync()
                .video_id("v")
                .text("hi", " ")
                .voice_language(VoiceLanguage::En)
        }),
        case(
            "input.voice_language",
            "is required when `input.mode` is `text2video`",
            |c| c.lip_sync().video_id("v").text("hello", "uk_boy1"),
        ),
        case("input.voice_speed", "between 0.8 and 2 (got 2.5)", |c| {
            c.lip_sync()
                .video_id("v")
                .text("hello", "uk_boy1")
                .voice_language(VoiceLanguage::Zh)
                .voice_speed(2.5)
        }),
        case("input.mode", "is required", |c| c.lip_sync().video_id("v")),
        case("input.mode", "not both", |c| {
            c.lip_sync()
                .video_id("v")
                .text("hi", "uk_boy1")
                .audio(AudioInput::bytes(wav()))
        }),
        case(
            "input.voice_language",
            "is only allowed when `input.mode` is `text2video`",
            |c| {
                c.lip_sync()
                    .video_id("v")
                    .audio(AudioInput::bytes(wav()))
                    .voice_language(VoiceLanguage::En)
            },
        ),
        case(
            "input.audio_file",
            "must be MP3, WAV, M4A or AAC audio",
            |c| {
                c.lip_sync()
                    .video_id("v")
                    .audio(AudioInput::bytes(png(400, 400)))
            },
        ),
        case("input.audio_file", "must be at most 5 MB", |c| {
            let mut big = wav();
            big.resize(5 * 1024 * 1024 + 1, 0);
            c.lip_sync().video_id("v").audio(AudioInput::bytes(big))
        }),
        case(
            "input.audio_file",
            "is a `data:` URL of type image/png, not an audio",
            |c| {
                c.lip_sync()
                    .video_id("v")
                    .audio(format!("data:image/png;base64,{}", b64(&png(400, 400))))
            },
        ),
        case("input.audio_url", "the scheme is `ftp`", |c| {
            c.lip_sync()
                .video_id("v")
                .audio(AudioInput::url("ftp://x.test/a.mp3"))
        }),
        // ---- video effects
        case("effect_scene", "must not be empty", move |c| {
            c.video_effects("").image(good(f))
        }),
        case(
            "input.images",
            "exactly 2 images for the two-person scene `hug` (got 1)",
            move |c| c.video_effects("hug").image(good(f)),
        ),
        case(
            "input.images",
            "exactly 2 images for the two-person scene `kiss` (got 3)",
            move |c| {
                c.video_effects("kiss")
                    .image(good(f))
                    .image(good(f))
                    .image(good(f))
            },
        ),
        case(
            "input.image",
            "exactly 1 image for the single-image scene `squish` (got 2)",
            move |c| c.video_effects("squish").image(good(f)).image(good(f)),
        ),
        case(
            "input.image",
            "exactly 1 image for the single-image scene `bloombloom` (got 0)",
            |c| c.video_effects("bloombloom"),
        ),
        case(
            "input.duration",
            "must be \"5\" for the single-image scene `expansion` (got \"10\")",
            move |c| {
                c.video_effects("expansion")
                    .image(good(f))
                    .duration(Duration::Ten)
            },
        ),
        case("input.images[1]", "aspect ratio", move |c| {
            c.video_effects("fight")
                .image(good(f))
                .image(ImageInput::bytes(png(3000, 1000)))
        }),
        case("input.model_name", "must not be empty", move |c| {
            c.video_effects("heart_gesture")
                .image(good(f))
                .image(good(f))
                .model("")
        }),
        // ---- image generation
        case("prompt", "must not be empty", |c| c.image_generation("")),
        case("prompt", "at most 2500", |c| c.image_generation(long(2501))),
        case("n", "between 1 and 9 (got 0)", |c| {
            c.image_generation("a poster").n(0)
        }),
        case("n", "between 1 and 9 (got 10)", |c| {
            c.image_generation("a poster").n(10)
        }),
        case(
            "negative_prompt",
            "cannot be combined with `image`",
            move |c| {
                c.image_generation("a poster")
                    .image(good(f))
                    .negative_prompt("blurry")
            },
        ),
        case("image_reference", "requires `image`", |c| {
            c.image_generation("a poster")
                .model("kling-v1-5")
                .image_reference(ImageReference::Face)
        }),
        case(
            "image_reference",
            "only supported by kling-v1-5 (`model_name` is unset, which means kling-v1)",
            move |c| {
                c.image_generation("a poster")
                    .image(good(f))
                    .image_reference(ImageReference::Subject)
            },
        ),
        case(
            "image_reference",
            "is required with `image` on kling-v1-5",
            move |c| {
                c.image_generation("a poster")
                    .model("kling-v1-5")
                    .image(good(f))
            },
        ),
        case(
            "human_fidelity",
            "requires `image_reference: subject`",
            move |c| {
                c.image_generation("a poster")
                    .model("kling-v1-5")
                    .image(good(f))
                    .image_reference(ImageReference::Face)
                    .human_fidelity(0.5)
            },
        ),
        case("human_fidelity", "between 0 and 1 (got 1.1)", move |c| {
            c.image_generation("a poster")
                .model("kling-v1-5")
                .image(good(f))
                .image_reference(ImageReference::Subject)
                .human_fidelity(1.1)
        }),
        case("image_fidelity", "between 0 and 1 (got 1.2)", move |c| {
            c.image_generation("a poster")
                .image(good(f))
                .image_fidelity(1.2)
        }),
        case("image_fidelity", "requires `image`", |c| {
            c.image_generation("a poster").image_fidelity(0.5)
        }),
        case("image", "aspect ratio", |c| {
            c.image_generation("a poster")
                .image(ImageInput::bytes(png(300, 1000)))
        }),
        // ---- virtual try-on
        case(
            "human_image",
            "each side must be at least 300 px (got 200×400)",
            move |c| c.virtual_try_on(ImageInput::bytes(png(200, 400)), good(f)),
        ),
        case("cloth_image", "must be a PNG or JPEG image", move |c| {
            c.virtual_try_on(good(f), ImageInput::path(&f.notes_txt))
        }),
        case(
            "cloth_image",
            "absolute http:// or https:// URL",
            move |c| c.virtual_try_on(good(f), "https://"),
        ),
        case(
            "callback_url",
            "absolute http:// or https:// URL",
            move |c| {
                c.virtual_try_on(good(f), good(f))
                    .callback_url("/relative/hook")
            },
        ),
        case("model_name", "must not be empty", move |c| {
            c.virtual_try_on(good(f), good(f)).model("  ")
        }),
    ]
}

fn jpeg_bytes(width: u16, height: u16) -> Vec<u8> {
    builders_support::jpeg(width, height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_names_its_field_and_sends_nothing() {
    let fixtures: &'static Fixtures = Box::leak(Box::new(Fixtures::new()));
    let server = Server::start().await;
    let client = client(&server);
    let cases = corpus(fixtures);
    let mut kinds = std::collections::BTreeSet::new();

    for (i, case) in cases.iter().enumerate() {
        let builder = (case.make)(&client);
        kinds.insert(builder.kind());
        let built = builder.build().expect_err(&format!(
            "case {i} ({}) was accepted by build()",
            case.field
        ));
        let sent = (case.make)(&client).send().await;
        let Err(Error::Validation(sent)) = sent else {
            panic!(
                "case {i} ({}): send() did not fail validation: {sent:?}",
                case.field
            );
        };
        assert_eq!(sent, built, "case {i}: send() and build() disagree");
        assert_eq!(
            sent.field, case.field,
            "case {i}: wrong field; rule was {:?}",
            sent.rule
        );
        assert!(
            sent.rule.contains(case.rule),
            "case {i} ({}): rule {:?} does not contain {:?}",
            case.field,
            sent.rule,
            case.rule
        );
        assert!(
            sent.to_string()
                .starts_with(&format!("invalid `{}`: ", case.field))
        );
    }

    assert!(cases.len() >= 40, "only {} cases", cases.len());
    assert_eq!(kinds.len(), 8, "kinds covered: {kinds:?}");
    assert_eq!(
        server.connections(),
        0,
        "a rejected request reached the server"
    );
}

#[tokio::test]
async fn a_valid_request_does_reach_the_counting_server() {
    // The corpus's zero count means something only if the server does see valid requests.
    let server = Server::start().await;
    let handle = client(&server).text_to_video("a cat").send().await.unwrap();
    assert_eq!(handle.task_id, "814570891207524415");
    assert_eq!(server.connections(), 1);
}
