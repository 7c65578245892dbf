//! [`LipSyncBuilder`]: `POST /v1/videos/lip-sync`.

use nicerouter_kling_raw::types::{self, AudioType, LipSyncInput, LipSyncInputText, LipSyncMode};

use super::common::{Common, common_setters, convert, off_executor};
use super::options::VoiceLanguage;
use crate::media::{AudioInput, ResolvedAudio};
use crate::validation::rules::{self, LIP_SYNC_TEXT_MAX_CHARS};
use crate::validation::{Validate, ValidationError};
use crate::{Client, Error, TaskHandle};

/// A lip-sync task, from [`Client::lip_sync`]: the face in a video speaks either text with a
/// preset voice ([`text`](Self::text), mode `text2video`) or an audio track
/// ([`audio`](Self::audio), mode `audio2video`). The video is a Kling video id
/// ([`video_id`](Self::video_id)) or a URL ([`video_url`](Self::video_url)): exactly one.
///
/// ```
/// use nicerouter_kling::builders::VoiceLanguage;
/// use nicerouter_kling::media::AudioInput;
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
/// # std::fs::write(dir.join("song.wav"), nicerouter_kling_mock::media::input_wav(3_000))?;
/// let speaking = client
///     .lip_sync()
///     .video_id("814570891207524415-0")
///     .text("Hello from Kling!", "uk_boy1")
///     .voice_language(VoiceLanguage::En)
///     .send()
///     .await?;
///
/// // An MP3, WAV, M4A or AAC file (≤ 5 MB), sent as base64.
/// let singing = client
///     .lip_sync()
///     .video_url("https://example.com/face.mp4")
///     .audio(AudioInput::path(dir.join("song.wav")))
///     .send()
///     .await?;
/// # let spoken = server.task(&speaking.task_id).ok_or("no task")?.request;
/// # assert_eq!(spoken["input"]["mode"], "text2video");
/// # assert_eq!(spoken["input"]["voice_id"], "uk_boy1");
/// # let sung = server.task(&singing.task_id).ok_or("no task")?.request;
/// # assert_eq!(sung["input"]["mode"], "audio2video");
/// # assert_eq!(sung["input"]["audio_type"], "file");
/// # // Raw base64 of a WAV file ("RIFF").
/// # assert!(sung["input"]["audio_file"].as_str().ok_or("no audio")?.starts_with("UklGR"));
/// # assert_eq!(sung["input"]["video_url"], "https://example.com/face.mp4");
/// # assert_eq!(server.tasks_created(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.send()` or `.build()`"]
pub struct LipSyncBuilder {
    client: Client,
    video_id: Option<String>,
    video_url: Option<String>,
    speech: Option<(String, String)>,
    voice_language: Option<VoiceLanguage>,
    voice_speed: Option<f64>,
    audio: Option<AudioInput>,
    common: Common,
}

impl LipSyncBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            video_id: None,
            video_url: None,
            speech: None,
            voice_language: None,
            voice_speed: None,
            audio: None,
            common: Common::default(),
        }
    }

    /// The video: the id of a Kling-generated video (`task_result.videos[].id`, at most 30
    /// days old, 5 or 10 s). Exclusive with [`video_url`](Self::video_url).
    pub fn video_id(mut self, video_id: impl Into<String>) -> Self {
        self.video_id = Some(video_id.into());
        self
    }

    /// The video: an `http(s)` URL of an .mp4/.mov, ≤ 100 MB, 2–10 s, 720p or 1080p.
    /// Exclusive with [`video_id`](Self::video_id).
    pub fn video_url(mut self, video_url: impl Into<String>) -> Self {
        self.video_url = Some(video_url.into());
        self
    }

    /// Speak `text` (1 to 120 characters) with the preset voice `voice_id` (for example
    /// `uk_boy1`): mode `text2video`. Also set [`voice_language`](Self::voice_language).
    /// Exclusive with [`audio`](Self::audio).
    pub fn text(mut self, text: impl Into<String>, voice_id: impl Into<String>) -> Self {
        self.speech = Some((text.into(), voice_id.into()));
        self
    }

    /// The language of the voice (required with [`text`](Self::text)).
    pub fn voice_language(mut self, voice_language: VoiceLanguage) -> Self {
        self.voice_language = Some(voice_language);
        self
    }

    /// Speech speed, 0.8 to 2.0 (Kling's default 1.0), with [`text`](Self::text).
    pub fn voice_speed(mut self, voice_speed: f64) -> Self {
        self.voice_speed = Some(voice_speed);
        self
    }

    /// Follow an audio track (MP3, WAV, M4A or AAC, ≤ 5 MB): mode `audio2video`. A URL is
    /// sent as `audio_url`, anything else as base64 in `audio_file`. Exclusive with
    /// [`text`](Self::text).
    pub fn audio(mut self, audio: impl Into<AudioInput>) -> Self {
        self.audio = Some(audio.into());
        self
    }

    common_setters!();

    /// The validated request body, without sending it. Local audio is read and encoded here.
    pub fn build(self) -> Result<types::LipSyncRequest, ValidationError> {
        let (callback_url, external_task_id) = self.common.into_fields()?;
        let mut input = LipSyncInput {
            video_id: self.video_id,
            video_url: self.video_url,
            mode: LipSyncMode::Text2video,
            text: None,
            voice_id: None,
            voice_language: self.voice_language,
            voice_speed: self.voice_speed,
            audio_type: None,
            audio_file: None,
            audio_url: None,
        };
        match (self.speech, self.audio) {
            (Some((text, voice_id)), None) => {
                rules::required_text("input.text", &text, LIP_SYNC_TEXT_MAX_CHARS)?;
                input.text = Some(convert("input.text", LipSyncInputText::try_from(text))?);
                input.voice_id = Some(voice_id);
            }
            (None, Some(audio)) => {
                input.mode = LipSyncMode::Audio2video;
                match audio.resolve()? {
                    ResolvedAudio::Url(url) => {
                        input.audio_type = Some(AudioType::Url);
                        input.audio_url = Some(url);
                    }
                    ResolvedAudio::File(base64) => {
                        input.audio_type = Some(AudioType::File);
                        input.audio_file = Some(base64);
                    }
                }
            }
            (Some(_), Some(_)) => {
                return Err(ValidationError::new(
                    "input.mode",
                    "cannot be both text2video and audio2video: give text with a voice, or audio, not both",
                ));
            }
            (None, None) => {
                return Err(ValidationError::new(
                    "input.mode",
                    "is required: give text with a voice (text2video) or audio (audio2video)",
                ));
            }
        }
        let body = types::LipSyncRequest {
            input,
            callback_url,
            external_task_id,
        };
        body.validate()?;
        Ok(body)
    }

    /// Validates and creates the task. Nothing is sent if a rule is broken.
    pub async fn send(self) -> Result<TaskHandle, Error> {
        let client = self.client.clone();
        let local = self.audio.as_ref().is_some_and(|audio| !audio.is_url());
        let body = off_executor(local, || self.build())?;
        client.create_validated(body).await
    }
}
