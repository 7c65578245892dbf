//! Where a media input comes from, and how it becomes a URL or raw base64: read once, checked
//! from the bytes, encoded once.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;

use crate::validation::ValidationError;
use crate::validation::{decoded_len, http_url, too_large};

/// Decodes standard base64 with or without `=` padding (the SDK adds the padding before
/// sending).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest `data:` header accepted, for example `data:image/jpeg;base64,`.
const MAX_DATA_HEADER: u64 = 256;

/// The origin of a media input.
#[derive(Clone)]
pub(crate) enum Source {
    /// A public `http(s)` URL, passed through.
    Url(String),
    /// A local file, read when the request is built.
    Path(PathBuf),
    /// The file's bytes.
    Bytes(Bytes),
    /// Base64 of the file, with or without a `data:<type>;base64,` prefix.
    Base64(String),
}

impl Source {
    /// The rule for a bare string: `http://` or `https://` is a URL, `data:` is inline base64,
    /// anything else is a file path.
    pub(crate) fn from_string(value: String) -> Self {
        if starts_with_ignore_case(&value, "http://") || starts_with_ignore_case(&value, "https://")
        {
            Source::Url(value)
        } else if starts_with_ignore_case(&value, "data:") {
            Source::Base64(value)
        } else {
            Source::Path(PathBuf::from(value))
        }
    }

    /// Whether building the request reads a file or encodes data (work worth keeping off an
    /// async executor thread).
    pub(crate) fn is_local(&self) -> bool {
        !matches!(self, Source::Url(_))
    }
}

impl fmt::Debug for Source {
    // Never prints the payload: it can be megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Url(url) => f.debug_tuple("Url").field(url).finish(),
            Source::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Source::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Source::Base64(data) => write!(f, "Base64({} chars)", data.len()),
        }
    }
}

/// What a media input must be: its family (for the `data:` type and the words) and its
/// largest decoded size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `image` or `audio`: the `data:` media type must start with `<family>/`.
    pub family: &'static str,
    /// Largest decoded size in bytes.
    pub max_bytes: u64,
}

/// A loaded input: a URL as given, or raw standard base64 (no prefix, padded) plus what the
/// inspection of its bytes found.
pub(crate) enum Loaded<T> {
    /// A URL, checked to be an absolute `http(s)` URL.
    Url(String),
    /// Raw base64 and the inspection result.
    Inline {
        /// Raw standard base64, without a prefix.
        base64: String,
        /// What `inspect` returned.
        info: T,
    },
}

impl<T: fmt::Debug> fmt::Debug for Loaded<T> {
    // Never prints the payload.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loaded::Url(url) => f.debug_tuple("Url").field(url).finish(),
            Loaded::Inline { base64, info } => f
                .debug_struct("Inline")
                .field("base64_chars", &base64.len())
                .field("info", info)
                .finish(),
        }
    }
}

/// Loads `source` for `field`: a URL is checked and passed through; local data is read once,
/// checked by `inspect` from its bytes, and turned into raw base64. The bytes are dropped
/// before this returns, so at most the bytes plus their base64 are alive at once.
pub(crate) fn load<T>(
    source: Source,
    field: &str,
    limits: Limits,
    inspect: impl FnOnce(&[u8]) -> Result<T, ValidationError>,
) -> Result<Loaded<T>, ValidationError> {
    match source {
        Source::Url(url) => {
            http_url(field, &url)?;
            Ok(Loaded::Url(url))
        }
        Source::Base64(data) => from_base64(data, field, limits, inspect),
        Source::Path(path) => match read_file(&path, field, limits)? {
            FileContent::Binary(bytes) => from_bytes(bytes, field, limits, inspect),
            FileContent::DataUrl(text) => from_base64(text, field, limits, inspect),
        },
        Source::Bytes(bytes) => {
            if bytes.starts_with(b"data:") {
                let text = String::from_utf8(Vec::from(bytes)).map_err(|_| {
                    ValidationError::new(field, "starts with `data:` but is not a text data URL")
                })?;
                from_base64(text, field, limits, inspect)
            } else {
                // No copy when the caller handed over the only reference.
                from_bytes(Vec::from(bytes), field, limits, inspect)
            }
        }
    }
}

fn from_bytes<T>(
    bytes: Vec<u8>,
    field: &str,
    limits: Limits,
    inspect: impl FnOnce(&[u8]) -> Result<T, ValidationError>,
) -> Result<Loaded<T>, ValidationError> {
    let len = bytes.len() as u64;
    if len == 0 {
        return Err(ValidationError::new(
            field,
            "must not be empty (got 0 bytes)",
        ));
    }
    if len > limits.max_bytes {
        return Err(too_large(field, len, limits.max_bytes));
    }
    let info = inspect(&bytes)?;
    let base64 = encode(&bytes, field)?;
    drop(bytes);
    Ok(Loaded::Inline { base64, info })
}

fn from_base64<T>(
    mut data: String,
    field: &str,
    limits: Limits,
    inspect: impl FnOnce(&[u8]) -> Result<T, ValidationError>,
) -> Result<Loaded<T>, ValidationError> {
    if starts_with_ignore_case(&data, "data:") {
        let payload_start = data_url_payload(&data, field, limits.family)?;
        // In place: no second copy of the payload.
        data.drain(..payload_start);
    }
    if data.bytes().any(|b| b.is_ascii_whitespace()) {
        data.retain(|c| !c.is_ascii_whitespace());
    }
    if data.is_empty() {
        return Err(ValidationError::new(
            field,
            "must not be empty (the base64 data is empty)",
        ));
    }
    // Refuse an oversized payload before decoding it.
    let decoded = decoded_len(&data);
    if decoded > limits.max_bytes {
        return Err(too_large(field, decoded, limits.max_bytes));
    }
    let bytes = LENIENT
        .decode(data.as_bytes())
        .map_err(|e| ValidationError::new(field, format!("is not valid standard base64 ({e})")))?;
    let len = bytes.len() as u64;
    if len > limits.max_bytes {
        return Err(too_large(field, len, limits.max_bytes));
    }
    let info = inspect(&bytes)?;
    drop(bytes);
    while !data.len().is_multiple_of(4) {
        data.push('=');
    }
    Ok(Loaded::Inline { base64: data, info })
}

/// Checks a `data:<type>[;params];base64,` header and returns where the payload starts.
fn data_url_payload(data: &str, field: &str, family: &str) -> Result<usize, ValidationError> {
    let header_end = data
        .bytes()
        .take(MAX_DATA_HEADER as usize)
        .position(|b| b == b',')
        .ok_or_else(|| {
            ValidationError::new(field, "is a `data:` URL without a `,` before the data")
        })?;
    let header = &data["data:".len()..header_end];
    let mut parts = header.split(';');
    let media_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let is_base64 = parts.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    let shown = if media_type.is_empty() {
        "text/plain (none given)"
    } else {
        &media_type
    };
    if !media_type.starts_with(&format!("{family}/")) {
        return Err(ValidationError::new(
            field,
            format!("is a `data:` URL of type {shown}, not an {family}"),
        ));
    }
    if !is_base64 {
        return Err(ValidationError::new(
            field,
            "is a `data:` URL that is not base64-encoded (expected `;base64,`)",
        ));
    }
    Ok(header_end + 1)
}

/// What a file held: the media itself, or the text of a `data:` URL.
enum FileContent {
    Binary(Vec<u8>),
    DataUrl(String),
}

/// Reads a file once, refusing it (before reading) when it is larger than allowed.
fn read_file(path: &Path, field: &str, limits: Limits) -> Result<FileContent, ValidationError> {
    let unreadable = |e: io::Error| {
        ValidationError::new(field, format!("cannot read file {}: {e}", shorten(path)))
    };
    let mut file = File::open(path).map_err(|e| {
        let hint = if e.kind() == io::ErrorKind::NotFound {
            "; a value that is not an http(s) URL or a `data:` URL is read as a file path (give raw base64 as `data:<type>;base64,<data>`)"
        } else {
            ""
        };
        ValidationError::new(field, format!("cannot read file {}: {e}{hint}", shorten(path)))
    })?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(ValidationError::new(
            field,
            format!("{} is not a regular file", shorten(path)),
        ));
    }
    let mut head = Vec::with_capacity(5);
    (&mut file)
        .take(5)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let is_data_url = head.starts_with(b"data:");
    // A data URL's text is base64: 4 characters for every 3 bytes, plus its header.
    let limit = if is_data_url {
        limits.max_bytes.div_ceil(3) * 4 + MAX_DATA_HEADER
    } else {
        limits.max_bytes
    };
    if metadata.len() > limit {
        return Err(too_large(field, metadata.len(), limit));
    }
    file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let capacity = usize::try_from(metadata.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    // `take` guards against a file that grows while it is read.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(field, bytes.len() as u64, limit));
    }
    if is_data_url {
        let text = String::from_utf8(bytes).map_err(|_| {
            ValidationError::new(
                field,
                format!("{} starts with `data:` but is not text", shorten(path)),
            )
        })?;
        Ok(FileContent::DataUrl(text))
    } else {
        Ok(FileContent::Binary(bytes))
    }
}

/// Raw standard base64 of `bytes`, allocated once at its exact size.
fn encode(bytes: &[u8], field: &str) -> Result<String, ValidationError> {
    let len = base64::encoded_len(bytes.len(), true)
        .ok_or_else(|| ValidationError::new(field, "is too large to encode"))?;
    let mut out = String::with_capacity(len);
    STANDARD.encode_string(bytes, &mut out);
    Ok(out)
}

/// A path for an error message, cut short (a mistaken base64 string can be megabytes long).
fn shorten(path: &Path) -> String {
    const MAX_CHARS: usize = 80;
    let text = path.display().to_string();
    if text.chars().count() <= MAX_CHARS {
        format!("`{text}`")
    } else {
        let head: String = text.chars().take(MAX_CHARS).collect();
        format!("`{head}…`")
    }
}

fn starts_with_ignore_case(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const IMAGE: Limits = Limits {
        family: "image",
        max_bytes: 16,
    };

    fn ok(_: &[u8]) -> Result<(), ValidationError> {
        Ok(())
    }

    fn inline(loaded: Loaded<()>) -> String {
        match loaded {
            Loaded::Inline { base64, .. } => base64,
            Loaded::Url(url) => panic!("expected inline data, got URL {url}"),
        }
    }

    #[test]
    fn bare_strings_follow_the_documented_rule() {
        assert!(matches!(
            Source::from_string("HTTPS://x.test/a.png".into()),
            Source::Url(_)
        ));
        assert!(matches!(
            Source::from_string("http://x.test/a.png".into()),
            Source::Url(_)
        ));
        assert!(matches!(
            Source::from_string("data:image/png;base64,AA==".into()),
            Source::Base64(_)
        ));
        assert!(matches!(
            Source::from_string("cat.png".into()),
            Source::Path(_)
        ));
        assert!(matches!(
            Source::from_string("iVBORw0KGgo=".into()),
            Source::Path(_)
        ));
    }

    #[test]
    fn data_prefix_is_stripped_and_padding_added() {
        let out = inline(
            load(
                Source::Base64("data:image/png;base64,QUJD RA".into()),
                "image",
                IMAGE,
                ok,
            )
            .unwrap(),
        );
        assert_eq!(out, "QUJDRA==");
    }

    #[test]
    fn data_prefix_of_another_type_is_rejected() {
        let err = load(
            Source::Base64("data:text/plain;base64,QUJD".into()),
            "image",
            IMAGE,
            ok,
        )
        .unwrap_err();
        assert_eq!(err.field, "image");
        assert_eq!(
            err.rule,
            "is a `data:` URL of type text/plain, not an image"
        );
        let err = load(Source::Base64("data:,QUJD".into()), "image", IMAGE, ok).unwrap_err();
        assert!(err.rule.contains("text/plain (none given)"), "{}", err.rule);
        let err = load(
            Source::Base64("data:image/png,QUJD".into()),
            "image",
            IMAGE,
            ok,
        )
        .unwrap_err();
        assert!(err.rule.contains("not base64-encoded"), "{}", err.rule);
    }

    #[test]
    fn bad_base64_is_rejected() {
        let err = load(Source::Base64("QUJ*".into()), "image", IMAGE, ok).unwrap_err();
        assert!(
            err.rule.starts_with("is not valid standard base64"),
            "{}",
            err.rule
        );
        let err = load(Source::Base64("  ".into()), "image", IMAGE, ok).unwrap_err();
        assert!(err.rule.contains("empty"), "{}", err.rule);
    }

    #[test]
    fn sizes_are_checked_before_decoding_and_after() {
        let big = STANDARD.encode([0u8; 17]);
        let err = load(Source::Base64(big), "image", IMAGE, ok).unwrap_err();
        assert_eq!(err.rule, "must be at most 16 bytes (got 17 bytes)");
        let err = load(
            Source::Bytes(Bytes::from(vec![0u8; 17])),
            "image",
            IMAGE,
            ok,
        )
        .unwrap_err();
        assert_eq!(err.rule, "must be at most 16 bytes (got 17 bytes)");
        let err = load(Source::Bytes(Bytes::new()), "image", IMAGE, ok).unwrap_err();
        assert!(err.rule.contains("empty"));
    }

    #[test]
    fn bytes_are_encoded_once_exactly() {
        let out = inline(
            load(
                Source::Bytes(Bytes::from_static(b"ABCD")),
                "image",
                IMAGE,
                ok,
            )
            .unwrap(),
        );
        assert_eq!(out, "QUJDRA==");
        assert_eq!(out.capacity(), out.len());
    }

    #[test]
    fn bytes_holding_a_data_url_are_read_as_one() {
        let out = inline(
            load(
                Source::Bytes(Bytes::from_static(b"data:image/jpeg;base64,QUJD")),
                "image",
                IMAGE,
                ok,
            )
            .unwrap(),
        );
        assert_eq!(out, "QUJD");
    }

    #[test]
    fn files_are_read_and_limited() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.bin");
        std::fs::write(&small, b"ABCD").unwrap();
        assert_eq!(
            inline(load(Source::Path(small), "image", IMAGE, ok).unwrap()),
            "QUJDRA=="
        );

        let big = dir.path().join("big.bin");
        std::fs::write(&big, [1u8; 17]).unwrap();
        let err = load(Source::Path(big), "image", IMAGE, ok).unwrap_err();
        assert_eq!(err.rule, "must be at most 16 bytes (got 17 bytes)");

        let data_url = dir.path().join("cat.txt");
        std::fs::write(&data_url, "data:image/png;base64,QUJD\n").unwrap();
        assert_eq!(
            inline(load(Source::Path(data_url), "image", IMAGE, ok).unwrap()),
            "QUJD"
        );

        let err = load(
            Source::Path(dir.path().join("missing.png")),
            "image",
            IMAGE,
            ok,
        )
        .unwrap_err();
        assert!(err.rule.starts_with("cannot read file `"), "{}", err.rule);
        assert!(err.rule.contains("read as a file path"), "{}", err.rule);

        let err = load(Source::Path(dir.path().to_path_buf()), "image", IMAGE, ok).unwrap_err();
        assert!(err.rule.contains("not a regular file"), "{}", err.rule);
    }

    #[test]
    fn long_paths_are_shortened_in_errors() {
        let err = load(
            Source::Path(PathBuf::from("A".repeat(5000))),
            "image",
            IMAGE,
            ok,
        )
        .unwrap_err();
        assert!(err.rule.len() < 400, "{}", err.rule.len());
    }

    #[test]
    fn urls_are_checked_and_passed_through() {
        match load(
            Source::Url("https://x.test/cat.png".into()),
            "image",
            IMAGE,
            ok,
        )
        .unwrap()
        {
            Loaded::Url(url) => assert_eq!(url, "https://x.test/cat.png"),
            Loaded::Inline { .. } => panic!("expected a URL"),
        }
        let err = load(Source::Url("https://".into()), "image", IMAGE, ok).unwrap_err();
        assert_eq!(err.field, "image");
    }

    #[test]
    fn debug_never_prints_payloads() {
        let debug = format!("{:?}", Source::Base64("QUJD".repeat(10)));
        assert_eq!(debug, "Base64(40 chars)");
        assert_eq!(
            format!("{:?}", Source::Bytes(Bytes::from_static(b"xyz"))),
            "Bytes(3 bytes)"
        );
    }
}
