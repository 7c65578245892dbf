//! [`AudioInput`]: lip-sync audio as a URL, a file, bytes or base64.

use super::input::media_input;
use super::source::{Limits, Loaded, Source, load};
use crate::validation::AUDIO_MAX_BYTES;
use crate::validation::ValidationError;

const LIMITS: Limits = Limits {
    family: "audio",
    max_bytes: AUDIO_MAX_BYTES,
};

/// Audio for lip sync: a public URL, a local file, the file's bytes, or its base64.
///
/// It is read once when the request is built, checked from its bytes, and sent as raw base64
/// (a URL goes in the URL field instead, for example the lip-sync `audio_url`). The checks,
/// each failing with a [`ValidationError`] that names the field:
///
/// - the data is MP3 (an ID3 tag or an MPEG audio frame), WAV (RIFF/WAVE), M4A (`ftyp M4A`)
///   or AAC (ADTS or ADIF), sniffed from the bytes;
/// - at most 5 MB (5 × 1024 × 1024 bytes).
///
/// Strings convert by the same rule as [`ImageInput`](super::ImageInput): `http(s)://…` is a
/// URL, `data:audio/...;base64,…` is inline base64, anything else is a file path.
/// Convert untrusted strings with [`AudioInput::url`] or [`AudioInput::base64`] instead, so
/// that they are never read as local paths.
///
/// ```
/// use nicerouter_kling::media::AudioInput;
///
/// assert!(AudioInput::from("https://example.com/voice.mp3").is_url());
/// assert!(!AudioInput::path("voice.wav").is_url());
/// ```
#[derive(Clone)]
pub struct AudioInput {
    source: Source,
}

media_input!(AudioInput, "MP3, WAV, M4A or AAC");

impl AudioInput {
    /// Checks the audio and turns it into a URL or raw base64 for `field`; with
    /// `data_only`, a URL is refused (the field takes the file itself).
    pub(crate) fn resolve(self, field: &str, data_only: bool) -> Result<String, ValidationError> {
        match load(self.source, field, LIMITS, |bytes| inspect(field, bytes))? {
            Loaded::Url(_) if data_only => Err(ValidationError::new(
                field,
                "takes audio data (a file, bytes or base64), not a URL",
            )),
            Loaded::Url(url) => Ok(url),
            Loaded::Inline { base64, .. } => Ok(base64),
        }
    }
}

/// An accepted audio format, sniffed from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AudioFormat {
    Mp3,
    Wav,
    M4a,
    Aac,
}

/// The format of `bytes`, if it is one Kling accepts for lip sync.
pub(crate) fn sniff(bytes: &[u8]) -> Option<AudioFormat> {
    if infer::audio::is_wav(bytes) {
        return Some(AudioFormat::Wav);
    }
    if infer::audio::is_m4a(bytes) {
        return Some(AudioFormat::M4a);
    }
    // ID3v2 tag, or MPEG-1 Layer III without CRC.
    if infer::audio::is_mp3(bytes) {
        return Some(AudioFormat::Mp3);
    }
    // ADTS AAC with MPEG-4 or MPEG-2 ids, without CRC.
    if infer::audio::is_aac(bytes) || bytes.starts_with(b"ADIF") {
        return Some(AudioFormat::Aac);
    }
    // `infer` knows only the most common frame headers. An MPEG audio frame starts with 11
    // sync bits; two layer bits follow the version: `01` is Layer III (MP3, any MPEG version,
    // with or without CRC) and `00` with version bits `x0` is ADTS (AAC, with CRC).
    match bytes {
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => match (b >> 1) & 0b11 {
            0b01 => Some(AudioFormat::Mp3),
            0b00 if b & 0xF0 == 0xF0 => Some(AudioFormat::Aac),
            _ => None,
        },
        _ => None,
    }
}

fn inspect(field: &str, bytes: &[u8]) -> Result<AudioFormat, ValidationError> {
    sniff(bytes).ok_or_else(|| {
        ValidationError::new(
            field,
            "must be MP3, WAV, M4A or AAC audio (the data is none of these)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_four_formats() {
        let wav = [b"RIFF".as_slice(), &[0; 4], b"WAVEfmt "].concat();
        assert_eq!(sniff(&wav), Some(AudioFormat::Wav));
        let m4a = [&[0, 0, 0, 0x20][..], b"ftypM4A ", &[0; 8]].concat();
        assert_eq!(sniff(&m4a), Some(AudioFormat::M4a));
        assert_eq!(
            sniff(b"ID3\x04\x00\x00\x00\x00\x00\x00"),
            Some(AudioFormat::Mp3)
        );
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), Some(AudioFormat::Mp3)); // MPEG-1 L3
        assert_eq!(sniff(&[0xFF, 0xF3, 0x64, 0x00]), Some(AudioFormat::Mp3)); // MPEG-2 L3
        assert_eq!(sniff(&[0xFF, 0xE3, 0x64, 0x00]), Some(AudioFormat::Mp3)); // MPEG-2.5 L3
        assert_eq!(sniff(&[0xFF, 0xFA, 0x90, 0x00]), Some(AudioFormat::Mp3)); // with CRC
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Some(AudioFormat::Aac)); // ADTS
        assert_eq!(sniff(&[0xFF, 0xF0, 0x50, 0x80]), Some(AudioFormat::Aac)); // ADTS + CRC
        assert_eq!(sniff(b"ADIF\x00\x00"), Some(AudioFormat::Aac));
    }

    #[test]
    fn rejects_other_data() {
        assert_eq!(sniff(b"OggS\x00\x02"), None);
        assert_eq!(sniff(b"fLaC\x00\x00"), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff(&[0xFF, 0xFD, 0x90, 0x00]), None); // MPEG-1 Layer II
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(sniff(&[]), None);
    }
}
