//! The command line, as a contract: names, flags and defaults that scripts depend on.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgGroup, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Kling (可灵) video and image generation through NiceRouter or the official Kling API.
///
/// Every generation is a paid task: the task id is always printed, so that a task can be
/// waited for later with `kling task wait`.
#[derive(Debug, Parser)]
#[command(
    name = "kling",
    version,
    about,
    long_about = None,
    max_term_width = 100,
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as `kling --help` lists them.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  anything else: the network, a 5xx or a proxy's page, a create whose outcome is unknown, a
     failed download, or Ctrl-C (the message names the task, or the external id to look it
     up by when the create was interrupted)
  2  usage or validation error; nothing was sent
  3  the API refused the request (auth, balance, parameters, policy, rate limited after
     retries)
  4  the task failed
  5  the maximum wait was exceeded; the task may still be running";

/// Global options, accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// The relay's origin, e.g. https://relay.example.com (the `/kling` prefix is added).
    /// With --access-key it defaults to the official global host (or KLING_BASE_URL);
    /// NICEROUTER_BASE_URL is not used for the official API.
    #[arg(long, global = true, env = "NICEROUTER_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// The NiceRouter bearer key.
    #[arg(
        long,
        global = true,
        env = "NICEROUTER_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// The official Kling API access key (JWT auth, no `/kling` prefix); needs --secret-key.
    #[arg(
        long,
        global = true,
        env = "KLING_ACCESS_KEY",
        hide_env_values = true,
        value_name = "AK"
    )]
    pub access_key: Option<String>,
    /// The official Kling API secret key; needs --access-key.
    #[arg(
        long,
        global = true,
        env = "KLING_SECRET_KEY",
        hide_env_values = true,
        value_name = "SK"
    )]
    pub secret_key: Option<String>,
    /// The time limit for one API request, answer included, in seconds (default 60; decimals
    /// allowed). A request that takes longer fails as a timeout and reads are retried.
    /// Downloads have their own limit.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        value_parser = timeout_seconds,
        allow_negative_numbers = true
    )]
    pub timeout: Option<Duration>,
    /// Start the embedded simulated server in-process and talk to it (no key, no network).
    #[arg(long, global = true)]
    pub mock: bool,
    /// Print exactly one JSON document on stdout, and nothing else. Progress goes to stderr
    /// as JSON lines ({"event": "submitting"|"created"|"status"|"downloading", "kind", …}):
    /// a create prints "submitting" with its external_task_id before it is sent, and with
    /// --wait or --output "created" with its task_id before it waits. With -v the traces are
    /// JSON lines too ({"event": "trace", "level", "message", …}).
    #[arg(long, global = true)]
    pub json: bool,
    /// Trace requests on stderr (repeat for more; JSON lines with --json). Keys are never
    /// printed.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Which of the options above were typed on the command line (not taken from the
    /// environment): a typed option wins over the environment.
    #[arg(skip)]
    pub typed: Typed,
}

/// Which connection options were given on the command line rather than by the environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct Typed {
    /// `--base-url`.
    pub base_url: bool,
    /// `--api-key`.
    pub api_key: bool,
    /// `--access-key` or `--secret-key`.
    pub official_keys: bool,
}

/// Parses `args` (the program name first) and the environment.
///
/// A missing subcommand is a usage error like any other (one line, exit 2), not a help page.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    fn no_help_on_missing(command: clap::Command) -> clap::Command {
        command
            .arg_required_else_help(false)
            .mut_subcommands(no_help_on_missing)
    }
    let matches = no_help_on_missing(Cli::command()).try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    cli.global.typed = Typed {
        base_url: typed("base_url"),
        api_key: typed("api_key"),
        official_keys: typed("access_key") || typed("secret_key"),
    };
    Ok(cli)
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create video tasks.
    #[command(subcommand)]
    Video(VideoCommand),
    /// Create image tasks.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Look at tasks that already exist (free).
    #[command(subcommand)]
    Task(TaskCommand),
}

/// Video generation.
#[derive(Debug, Subcommand)]
pub enum VideoCommand {
    /// Text to video.
    Text2video(Text2VideoArgs),
    /// Image to video (start frame, optional end frame, masks or camera control).
    Image2video(Image2VideoArgs),
    /// Video from one to four subject images.
    #[command(name = "multi-image2video")]
    MultiImage2video(MultiImage2VideoArgs),
    /// Extend a generated video by about 4–5 s.
    Extend(ExtendArgs),
    /// Lip-sync a video to text or audio.
    #[command(name = "lip-sync")]
    LipSync(LipSyncArgs),
    /// Apply an effect scene to one or two images.
    Effects(EffectsArgs),
}

/// Image generation.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Generate images from a prompt (optionally guided by an image).
    Generate(ImageGenerateArgs),
    /// Dress a person in a garment.
    #[command(name = "try-on")]
    TryOn(TryOnArgs),
}

/// Existing tasks.
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Show one task.
    Get {
        /// The kind: text2video, image2video, multi-image2video, video-extend, lip-sync,
        /// effects, generations, kolors-virtual-try-on (aliases: extend, image, try-on).
        kind: String,
        /// The task id (or your external task id).
        task_id: String,
    },
    /// List tasks of a kind, newest first.
    List {
        /// The kind (see `task get`).
        kind: String,
        /// Page number, 1–1000.
        #[arg(
            long,
            default_value_t = 1,
            value_name = "N",
            allow_negative_numbers = true
        )]
        page: i64,
        /// Tasks per page, 1–500.
        #[arg(
            long,
            default_value_t = 30,
            value_name = "N",
            allow_negative_numbers = true
        )]
        page_size: i64,
    },
    /// Wait for a task to finish, and optionally download its results.
    Wait {
        /// The kind (see `task get`).
        kind: String,
        /// The task id (or your external task id).
        task_id: String,
        /// How long to wait, and where the results go.
        #[command(flatten)]
        then: WaitOptions,
    },
}

/// How long to wait for a task, and where its results go (`task wait`, and every create).
#[derive(Debug, Args)]
pub struct WaitOptions {
    /// Give up waiting after this many seconds (the task keeps running).
    #[arg(
        long,
        default_value_t = 900,
        value_name = "SECS",
        value_parser = whole_seconds,
        allow_negative_numbers = true
    )]
    pub max_wait: u64,
    /// Download the results into this directory.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `--max-wait`: a whole number of seconds, 0 or more. The flag takes negative numbers so
/// that `--max-wait -1` is refused as a negative wait, not as an unknown flag `-1`.
fn whole_seconds(value: &str) -> Result<u64, String> {
    use std::num::IntErrorKind;
    let value = value.trim();
    value.parse::<u64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => "too large".to_owned(),
        _ if value.starts_with('-') => "must not be negative".to_owned(),
        _ => "expected a whole number of seconds".to_owned(),
    })
}

/// `--timeout`: seconds, more than 0 (decimals allowed).
fn timeout_seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, for example 30 or 2.5".to_owned())?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be more than 0 seconds".to_owned());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| "too large".to_owned())
}

/// Options every create command takes.
#[derive(Debug, Args)]
pub struct CreateOptions {
    /// Your id for the task, unique per account (generated when absent). It is printed on
    /// stderr before the create is sent, so a task whose create is interrupted can still be
    /// found: `kling task get KIND EXTERNAL_ID`.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Wait until the task finishes (--output implies it).
    #[arg(long)]
    pub wait: bool,
    /// With --wait or --output: how long to wait, and where the results go.
    #[command(flatten)]
    pub then: WaitOptions,
    /// Kling POSTs status changes to this URL.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
}

/// `std` or `pro`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Faster and cheaper.
    Std,
    /// Higher quality.
    Pro,
}

/// A video length in seconds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DurationArg {
    /// Five seconds.
    #[value(name = "5")]
    Five,
    /// Ten seconds.
    #[value(name = "10")]
    Ten,
}

/// A video aspect ratio.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AspectArg {
    /// Landscape.
    #[value(name = "16:9")]
    Landscape,
    /// Portrait.
    #[value(name = "9:16")]
    Portrait,
    /// Square.
    #[value(name = "1:1")]
    Square,
}

/// A camera movement.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CameraArg {
    /// One axis, given with --camera-config AXIS=VALUE.
    Simple,
    /// Pan down and zoom out.
    DownBack,
    /// Zoom in and pan up.
    ForwardUp,
    /// Turn right, then advance.
    RightTurnForward,
    /// Turn left, then advance.
    LeftTurnForward,
}

/// `--model`, `--mode` and `--duration`, shared by the video creates that have them (a
/// command words their help for itself with `mut_arg`).
#[derive(Debug, Args)]
pub struct GenerationOptions {
    /// The model, e.g. kling-v2-5-turbo.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Generation mode.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Length in seconds.
    #[arg(long, value_enum)]
    pub duration: Option<DurationArg>,
}

/// Options shared by text2video and image2video.
#[derive(Debug, Args)]
pub struct VideoOptions {
    /// What to avoid.
    #[arg(long, value_name = "TEXT")]
    pub negative_prompt: Option<String>,
    /// Model, mode and length.
    #[command(flatten)]
    pub generation: GenerationOptions,
    /// Frame aspect ratio.
    #[arg(long, value_enum)]
    pub aspect_ratio: Option<AspectArg>,
    /// Prompt adherence, 0 to 1 (not for kling-v2.x models).
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub cfg_scale: Option<f64>,
    /// Camera movement.
    #[arg(long, value_enum)]
    pub camera: Option<CameraArg>,
    /// With --camera simple: the one non-zero axis, e.g. zoom=5 (horizontal, vertical, pan,
    /// tilt, roll, zoom; −10 to 10).
    #[arg(long, value_name = "AXIS=VALUE")]
    pub camera_config: Option<String>,
    /// Native audio (kling-v2-6 and later).
    #[arg(long)]
    pub sound: bool,
}

/// `kling video text2video`
#[derive(Debug, Args)]
pub struct Text2VideoArgs {
    /// What to generate (1–2500 characters).
    #[arg(long, value_name = "TEXT")]
    pub prompt: String,
    /// Video options.
    #[command(flatten)]
    pub video: VideoOptions,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// `kling video image2video`
#[derive(Debug, Args)]
pub struct Image2VideoArgs {
    /// The start frame: a local file (sent as raw base64), an http(s) URL, or a
    /// `data:image/…;base64,…` URL.
    #[arg(long, value_name = "PATH|URL")]
    pub image: String,
    /// The end frame.
    #[arg(long, value_name = "PATH|URL")]
    pub image_tail: Option<String>,
    /// What should happen (up to 2500 characters).
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// Motion brush: the area that must stay still.
    #[arg(long, value_name = "PATH|URL")]
    pub static_mask: Option<String>,
    /// Motion brush: a moving area and its path, as MASK@x1,y1;x2,y2;… (repeatable, up to 6).
    #[arg(long, value_name = "MASK@POINTS")]
    pub dynamic_mask: Vec<String>,
    /// Video options.
    #[command(flatten)]
    pub video: VideoOptions,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// `kling video multi-image2video`
#[derive(Debug, Args)]
#[command(mut_arg("model", |a| a.help("The model (kling-v1-6)")))]
pub struct MultiImage2VideoArgs {
    /// A subject image (repeat 1–4 times).
    #[arg(long = "image", value_name = "PATH|URL", required = true)]
    pub images: Vec<String>,
    /// What to generate (1–2500 characters).
    #[arg(long, value_name = "TEXT")]
    pub prompt: String,
    /// What to avoid.
    #[arg(long, value_name = "TEXT")]
    pub negative_prompt: Option<String>,
    /// Model, mode and length.
    #[command(flatten)]
    pub generation: GenerationOptions,
    /// Frame aspect ratio.
    #[arg(long, value_enum)]
    pub aspect_ratio: Option<AspectArg>,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// `kling video extend`
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The video to extend (`task_result.videos[].id`).
    #[arg(long, value_name = "ID")]
    pub video_id: String,
    /// How it should continue.
    #[arg(long, value_name = "TEXT")]
    pub prompt: Option<String>,
    /// What to avoid.
    #[arg(long, value_name = "TEXT")]
    pub negative_prompt: Option<String>,
    /// Prompt adherence, 0 to 1.
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub cfg_scale: Option<f64>,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// `kling video lip-sync`
#[derive(Debug, Args)]
#[command(group = ArgGroup::new("video").required(true).args(["video_id", "video_url"]))]
#[command(group = ArgGroup::new("speech").required(true).args(["text", "audio"]))]
pub struct LipSyncArgs {
    /// A Kling-generated video id.
    #[arg(long, value_name = "ID")]
    pub video_id: Option<String>,
    /// An .mp4/.mov URL.
    #[arg(long, value_name = "URL")]
    pub video_url: Option<String>,
    /// Text to speak (up to 120 characters); needs --voice-id.
    #[arg(long, value_name = "TEXT", requires = "voice_id")]
    pub text: Option<String>,
    /// The preset voice, e.g. uk_boy1.
    #[arg(long, value_name = "V", requires = "text")]
    pub voice_id: Option<String>,
    /// The voice's language.
    #[arg(long, value_enum, default_value = "en", requires = "text")]
    pub voice_language: VoiceLanguageArg,
    /// Speech speed, 0.8 to 2.0.
    #[arg(
        long,
        value_name = "F",
        requires = "text",
        allow_negative_numbers = true
    )]
    pub voice_speed: Option<f64>,
    /// An audio track: a local file (sent as raw base64), an http(s) URL, or a
    /// `data:audio/…;base64,…` URL.
    #[arg(long, value_name = "PATH|URL")]
    pub audio: Option<String>,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// The language of a lip-sync voice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VoiceLanguageArg {
    /// Chinese.
    Zh,
    /// English.
    En,
}

/// `kling video effects`
#[derive(Debug, Args)]
#[command(mut_arg("model", |a| a.help("The model (dual-character scenes)")))]
#[command(mut_arg("mode", |a| a.help("Generation mode (dual-character scenes)")))]
#[command(mut_arg("duration", |a| a.help("Length in seconds (single-image scenes: 5 only)")))]
pub struct EffectsArgs {
    /// The effect scene, e.g. squish (one image) or hug (two images).
    #[arg(long, value_name = "S")]
    pub effect_scene: String,
    /// One image, or two for dual-character scenes.
    #[arg(long = "image", value_name = "PATH|URL", required = true)]
    pub images: Vec<String>,
    /// Model, mode and length.
    #[command(flatten)]
    pub generation: GenerationOptions,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// `kling image generate`
#[derive(Debug, Args)]
pub struct ImageGenerateArgs {
    /// What to generate (1–2500 characters).
    #[arg(long, value_name = "TEXT")]
    pub prompt: String,
    /// What to avoid (not with --image).
    #[arg(long, value_name = "TEXT")]
    pub negative_prompt: Option<String>,
    /// How many images, 1–9.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub n: Option<i64>,
    /// Aspect ratio: 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9.
    #[arg(long, value_name = "R")]
    pub aspect_ratio: Option<String>,
    /// A reference image: a local file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL")]
    pub image: Option<String>,
    /// Reference strength, 0 to 1.
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub image_fidelity: Option<f64>,
    /// What to keep from the reference (kling-v1-5).
    #[arg(long, value_enum)]
    pub image_reference: Option<ImageReferenceArg>,
    /// Facial reference strength, 0 to 1 (with --image-reference subject).
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub human_fidelity: Option<f64>,
    /// Output resolution.
    #[arg(long, value_enum)]
    pub resolution: Option<ResolutionArg>,
    /// The model, e.g. kling-v2-1.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}

/// What an image-guided generation keeps from its reference.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImageReferenceArg {
    /// The subject.
    Subject,
    /// The face.
    Face,
}

/// An image resolution.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResolutionArg {
    /// About one megapixel.
    #[value(name = "1k")]
    OneK,
    /// About four megapixels.
    #[value(name = "2k")]
    TwoK,
}

/// `kling image try-on`
#[derive(Debug, Args)]
pub struct TryOnArgs {
    /// The person: a local file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL")]
    pub human_image: String,
    /// The garment: a local file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL")]
    pub cloth_image: String,
    /// The model, e.g. kolors-virtual-try-on-v1-5.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Create options.
    #[command(flatten)]
    pub create: CreateOptions,
}
