//! Media strings and URLs: the checks that JSON Schema cannot make on them.
//!
//! The spec states these limits in prose: `MediaRef` ("an image: a public URL, or the raw
//! base64 of the file with no `data:image/...;base64,` prefix. jpg/jpeg/png, at most 10 MB,
//! each side at least 300 px"), the lip-sync `audio_file` ("raw base64 audio ... ≤ 5 MB") and
//! every `callback_url` (an address Kling POSTs to).

use super::ValidationError;

/// Largest image file: 10 MB (10 × 1024 × 1024 bytes).
pub const IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Largest lip-sync audio file: 5 MB (5 × 1024 × 1024 bytes).
pub const AUDIO_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Smallest width and height of an image, in pixels.
pub const IMAGE_MIN_SIDE_PX: u64 = 300;

/// `value` is not empty and not only whitespace.
pub fn non_empty(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    Ok(())
}

/// An absolute `http://` or `https://` URL with a host.
pub fn http_url(field: &str, value: &str) -> Result<(), ValidationError> {
    const RULE: &str = "must be an absolute http:// or https:// URL";
    non_empty(field, value)?;
    let url = reqwest::Url::parse(value)
        .map_err(|e| ValidationError::new(field, format!("{RULE} ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ValidationError::new(
            field,
            format!("{RULE} (the scheme is `{}`)", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ValidationError::new(
            field,
            format!("{RULE} (it has no host)"),
        ));
    }
    Ok(())
}

/// A size in bytes for a rule's words, for example `10 MB` or `10.5 MB (11010048 bytes)`.
pub fn describe_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MB) && bytes > 0 {
        format!("{} MB", bytes / MB)
    } else if bytes < MB {
        format!("{bytes} bytes")
    } else {
        // Display only: the exact count follows.
        #[allow(clippy::cast_precision_loss)]
        let mb = bytes as f64 / MB as f64;
        format!("{mb:.1} MB ({bytes} bytes)")
    }
}

/// A decoded size over `max_bytes`.
pub fn too_large(field: &str, bytes: u64, max_bytes: u64) -> ValidationError {
    ValidationError::new(
        field,
        format!(
            "must be at most {} (got {})",
            describe_size(max_bytes),
            describe_size(bytes)
        ),
    )
}

/// A media string in a request body: an absolute `http(s)` URL, or raw base64 (standard
/// alphabet, no `data:` prefix, no whitespace) of at most `max_bytes` once decoded.
///
/// Only the shape is checked here; [`ImageInput`](crate::media::ImageInput) and
/// [`AudioInput`](crate::media::AudioInput) check the content when they encode a file.
pub fn media_ref(field: &str, value: &str, max_bytes: u64) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if value
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
    {
        return Err(ValidationError::new(
            field,
            "must be raw base64 without a `data:...;base64,` prefix",
        ));
    }
    // Base64 (the usual large value: 14 MB for a 10 MB image) is recognised in one pass. Its
    // alphabet has no `:`, so a value that is all base64 is no URL, and only a value with a
    // byte outside the alphabet is searched for `://`.
    let body = value.trim_end_matches('=');
    let bad = first_non_base64(body);
    if bad.is_some() && value.contains("://") {
        return http_url(field, value);
    }
    base64_shape(field, value, body, bad)?;
    let decoded = decoded_len(value);
    if decoded > max_bytes {
        return Err(too_large(field, decoded, max_bytes));
    }
    Ok(())
}

/// Raw standard base64: `A–Z a–z 0–9 + /`, with `=` padding only at the end.
///
/// `body` is `value` without its trailing `=`, and `bad` the position of its first byte
/// outside the alphabet ([`first_non_base64`]).
fn base64_shape(
    field: &str,
    value: &str,
    body: &str,
    bad: Option<usize>,
) -> Result<(), ValidationError> {
    let padding = value.len() - body.len();
    let bad = bad.map(|at| (at, value[at..].chars().next().unwrap_or('?')));
    if let Some((at, c)) = bad {
        return Err(ValidationError::new(
            field,
            format!(
                "must be an http(s) URL or raw base64 (found {c:?} at byte {at}; a file path must be given as a file, not as a string)"
            ),
        ));
    }
    if padding > 2 || (padding > 0 && !value.len().is_multiple_of(4)) {
        return Err(ValidationError::new(
            field,
            "is not valid base64 (bad `=` padding)",
        ));
    }
    Ok(())
}

/// The byte position of the first byte outside the base64 alphabet (`A–Z a–z 0–9 + /`).
///
/// Whole 64-byte chunks are checked without an early exit, so that the check vectorises (the
/// 14 MB of base64 of a 10 MB image take about a millisecond instead of a byte-at-a-time
/// scan's hundreds of millions of instructions); the position is only looked for inside the
/// first bad chunk. A byte outside ASCII is outside the alphabet, so the position is always
/// at the start of a character.
fn first_non_base64(body: &str) -> Option<usize> {
    const CHUNK: usize = 64;
    body.as_bytes()
        .chunks(CHUNK)
        .enumerate()
        .find(|(_, chunk)| !chunk.iter().fold(true, |ok, &b| ok & is_alphabet(b)))
        .and_then(|(i, chunk)| {
            chunk
                .iter()
                .position(|&b| !is_alphabet(b))
                .map(|j| i * CHUNK + j)
        })
}

/// Whether `b` is in the standard base64 alphabet (`A–Z a–z 0–9 + /`), in operations that
/// vectorise: both cases of a letter at once (`b | 0x20` lowercases a letter and moves
/// nothing else into `a–z`), ranges as one wrapping subtraction and compare each.
fn is_alphabet(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10) | (b == b'+') | (b == b'/')
}

/// Bytes that raw base64 of this length decodes to.
pub(crate) fn decoded_len(value: &str) -> u64 {
    let padding = value.bytes().rev().take_while(|&b| b == b'=').count();
    let len = value.len() as u64;
    (len / 4 * 3 + (len % 4) * 3 / 4).saturating_sub(padding as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn urls() {
        http_url("callback_url", "https://example.com/hook?x=1").unwrap();
        http_url("callback_url", "http://127.0.0.1:8080/").unwrap();
        for bad in [
            "",
            "example.com/hook",
            "/hook",
            "ftp://example.com/x",
            "file:///etc/passwd",
            "https://",
        ] {
            assert_eq!(
                http_url("callback_url", bad).unwrap_err().field,
                "callback_url",
                "{bad}"
            );
        }
    }

    #[test]
    fn media_refs() {
        media_ref("image", "https://example.com/cat.png", IMAGE_MAX_BYTES).unwrap();
        media_ref("image", "iVBORw0KGgo=", IMAGE_MAX_BYTES).unwrap();
        assert!(
            media_ref(
                "image",
                "data:image/png;base64,iVBORw0KGgo=",
                IMAGE_MAX_BYTES
            )
            .unwrap_err()
            .rule
            .contains("data:")
        );
        assert!(
            media_ref("image", "./cat.png", IMAGE_MAX_BYTES)
                .unwrap_err()
                .rule
                .contains("'.'")
        );
        assert!(media_ref("image", "ftp://example.com/cat.png", IMAGE_MAX_BYTES).is_err());
        assert!(media_ref("image", "abc===", IMAGE_MAX_BYTES).is_err());
        assert!(media_ref("image", "", IMAGE_MAX_BYTES).is_err());
        let big = "A".repeat(16);
        assert_eq!(
            media_ref("input.audio_file", &big, 11).unwrap_err().rule,
            "must be at most 11 bytes (got 12 bytes)"
        );
    }

    /// The byte-at-a-time scan that `first_non_base64` replaced: the reference.
    fn reference_position(body: &str) -> Option<usize> {
        body.bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/'))
    }

    #[test]
    fn the_alphabet_is_exactly_the_standard_one() {
        for b in 0..=u8::MAX {
            assert_eq!(
                is_alphabet(b),
                b.is_ascii_alphanumeric() || b == b'+' || b == b'/',
                "{b:#04x}"
            );
        }
    }

    #[test]
    fn urls_and_base64_are_told_apart_as_before() {
        // A URL (it has bytes outside the alphabet and `://`) is checked as a URL.
        let e = media_ref("image", "ftp://example.com/cat.png", IMAGE_MAX_BYTES).unwrap_err();
        assert!(e.rule.contains("http"), "{}", e.rule);
        media_ref("image", "https://example.com/a+b/c=d", IMAGE_MAX_BYTES).unwrap();
        // `://` after base64-looking text is still a URL, not bad base64.
        let e = media_ref("image", "QUJDabc://x", IMAGE_MAX_BYTES).unwrap_err();
        assert!(e.rule.contains("http"), "{}", e.rule);
        // A path without `://` is bad base64, naming its first odd byte.
        let e = media_ref("image", "images/cat.png", IMAGE_MAX_BYTES).unwrap_err();
        assert!(e.rule.contains("found '.' at byte 10"), "{}", e.rule);
    }

    #[test]
    fn the_first_bad_byte_is_found_wherever_it_is() {
        // A long valid body (many whole chunks and a partial last one).
        let valid: String = (0..10_000)
            .map(|i| {
                let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                char::from(alphabet[(i * 7) % 64])
            })
            .collect();
        assert_eq!(first_non_base64(&valid), None);
        assert_eq!(first_non_base64(""), None);
        // A bad byte at the start, at chunk edges, in the middle of a late chunk, at the end;
        // two bad bytes in one chunk and in two chunks: the first is reported.
        for at in [0, 1, 63, 64, 65, 127, 128, 5_000, 9_955, 9_999] {
            for bad in [".", " ", "\n", "=", "-", "_"] {
                let mut body = valid.clone();
                body.replace_range(at..=at, bad);
                assert_eq!(first_non_base64(&body), Some(at), "{bad:?} at {at}");
                assert_eq!(first_non_base64(&body), reference_position(&body));
            }
        }
        let mut two = valid.clone();
        two.replace_range(9_990..=9_990, "!");
        two.replace_range(9_960..=9_960, "?");
        assert_eq!(first_non_base64(&two), Some(9_960));
        two.replace_range(70..=70, "#");
        assert_eq!(first_non_base64(&two), Some(70));
    }

    #[test]
    fn the_error_names_the_same_character_and_byte_as_before() {
        let valid = "QUJD".repeat(2_500);
        // A multi-byte character in the middle of a late chunk: its first byte is the
        // position, and the whole character is named.
        let mut body = valid.clone();
        body.insert(9_001, '猫');
        let rule = media_ref("image", &body, IMAGE_MAX_BYTES).unwrap_err().rule;
        assert!(rule.contains("found '猫' at byte 9001"), "{rule}");
        assert_eq!(reference_position(&body), Some(9_001));
        // An emoji (four bytes) straddling a chunk boundary.
        let mut body = valid.clone();
        body.insert(62, '🐱');
        let rule = media_ref("image", &body, IMAGE_MAX_BYTES).unwrap_err().rule;
        assert!(rule.contains("found '🐱' at byte 62"), "{rule}");
        // A space late in the body, and a `=` before the end (padding only at the end).
        let mut body = valid.clone();
        body.replace_range(7_777..=7_777, " ");
        let rule = media_ref("image", &body, IMAGE_MAX_BYTES).unwrap_err().rule;
        assert!(rule.contains("found ' ' at byte 7777"), "{rule}");
        let mut body = valid.clone();
        body.replace_range(200..=200, "=");
        let rule = media_ref("image", &body, IMAGE_MAX_BYTES).unwrap_err().rule;
        assert!(rule.contains("found '=' at byte 200"), "{rule}");
        // Padding at the end is not a bad character.
        media_ref("image", &format!("{}QQ==", valid), IMAGE_MAX_BYTES).unwrap();
    }

    #[test]
    fn decoded_lengths() {
        assert_eq!(decoded_len("QQ=="), 1);
        assert_eq!(decoded_len("QUI="), 2);
        assert_eq!(decoded_len("QUJD"), 3);
        assert_eq!(decoded_len("QUJDRA"), 4);
    }

    #[test]
    fn sizes() {
        assert_eq!(describe_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(describe_size(11_010_048), "10.5 MB (11010048 bytes)");
    }
}
