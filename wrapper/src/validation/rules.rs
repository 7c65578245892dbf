//! The primitive rules, one function each, and the limits they enforce.
//!
//! Every function returns `Ok(())` or a [`ValidationError`] naming `field`. The words are the
//! SDK's single wording of each rule: the builders, [`Validate`](super::Validate) and the CLI all
//! go through these functions.

use super::ValidationError;

/// Most characters in a prompt or negative prompt.
pub const PROMPT_MAX_CHARS: usize = 2500;
/// Most characters in lip-sync `input.text`.
pub const LIP_SYNC_TEXT_MAX_CHARS: usize = 120;
/// Most characters in one `multi_prompt[].prompt` shot.
pub const SHOT_PROMPT_MAX_CHARS: usize = 512;
/// Most characters in an `external_task_id` (the SDK's own limit: Kling documents none, and the
/// id is also used in the lookup path).
pub const EXTERNAL_TASK_ID_MAX_CHARS: usize = 64;
/// Largest image file: 10 MB (10 × 1024 × 1024 bytes).
pub const IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Largest lip-sync audio file: 5 MB (5 × 1024 × 1024 bytes).
pub const AUDIO_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Smallest width and height of an image, in pixels.
pub const IMAGE_MIN_SIDE_PX: u64 = 300;
/// Most motion-brush `dynamic_masks`.
pub const DYNAMIC_MASKS_MAX: usize = 6;
/// Fewest and most points in one motion-brush trajectory.
pub const TRAJECTORY_POINTS: (usize, usize) = (2, 77);
/// Most `voice_list` entries.
pub const VOICE_LIST_MAX: usize = 2;
/// Fewest and most images in a multi-image `image_list`.
pub const IMAGE_LIST_ITEMS: (usize, usize) = (1, 4);
/// Fewest and most `multi_prompt` shots.
pub const MULTI_PROMPT_ITEMS: (usize, usize) = (1, 6);
/// Fewest and most images per image-generation task (`n`).
pub const IMAGE_COUNT: (u32, u32) = (1, 9);
/// Range of each camera axis.
pub const CAMERA_AXIS_RANGE: (f64, f64) = (-10.0, 10.0);
/// The two-person video-effect scenes, which take `input.images` (exactly two). Every other
/// scene takes one `input.image` (Kling adds single-image scenes every month, so they are not
/// listed).
pub const DUAL_CHARACTER_SCENES: [&str; 4] = ["hug", "kiss", "heart_gesture", "fight"];
/// Range of lip-sync `input.voice_speed`.
pub const VOICE_SPEED_RANGE: (f64, f64) = (0.8, 2.0);

/// `value` is not empty and not only whitespace.
pub fn non_empty(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    Ok(())
}

/// A required text: not empty (nor only whitespace) and at most `max_chars` characters.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<(), ValidationError> {
    non_empty(field, value)?;
    optional_text(field, value, max_chars)
}

/// An optional text: at most `max_chars` characters (Unicode scalar values, not bytes). Empty
/// is allowed.
pub fn optional_text(field: &str, value: &str, max_chars: usize) -> Result<(), ValidationError> {
    // Cheap upper bound first: a string never has more characters than bytes.
    if value.len() <= max_chars {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters (got {chars})"),
        ));
    }
    Ok(())
}

/// A finite number within `[min, max]`.
pub fn number_in_range(field: &str, value: f64, min: f64, max: f64) -> Result<(), ValidationError> {
    if !value.is_finite() {
        return Err(ValidationError::new(
            field,
            format!("must be a finite number (got {value})"),
        ));
    }
    if value < min || value > max {
        return Err(ValidationError::new(
            field,
            format!("must be between {min} and {max} (got {value})"),
        ));
    }
    Ok(())
}

/// A list with between `min` and `max` items.
pub fn item_count(
    field: &str,
    count: usize,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    if count < min || count > max {
        let expected = match (min, max) {
            (min, max) if min == max => format!("exactly {min}"),
            (0, max) => format!("at most {max}"),
            (min, max) => format!("between {min} and {max}"),
        };
        let noun = if max == 1 { "item" } else { "items" };
        return Err(ValidationError::new(
            field,
            format!("must have {expected} {noun} (got {count})"),
        ));
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

/// `callback_url`: an absolute `http(s)` URL.
pub fn callback_url(value: &str) -> Result<(), ValidationError> {
    http_url("callback_url", value)
}

/// `external_task_id`: 1 to [`EXTERNAL_TASK_ID_MAX_CHARS`] characters, each an ASCII letter or
/// digit or one of `-`, `_`, `.`, `:`, so that the id can be used as it is in the lookup path.
pub fn external_task_id(value: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "external_task_id";
    if value.is_empty() {
        return Err(ValidationError::new(FIELD, "must not be empty"));
    }
    optional_text(FIELD, value, EXTERNAL_TASK_ID_MAX_CHARS)?;
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
    {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "may only contain ASCII letters, digits, `-`, `_`, `.` and `:` (found {bad:?})"
            ),
        ));
    }
    Ok(())
}

/// `model_name`, when given: not empty. Model names are open (Kling adds models every month),
/// so any other string is accepted.
pub fn model_name(field: &str, value: Option<&str>) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| non_empty(field, v))
}

/// Whether `scene` is a two-person effect scene ([`DUAL_CHARACTER_SCENES`]).
pub fn is_dual_character_scene(scene: &str) -> bool {
    DUAL_CHARACTER_SCENES.contains(&scene)
}

/// Whether `model` is a kling-v2.x model (`kling-v2-master`, `kling-v2-5-turbo`, …).
pub fn is_kling_v2(model: &str) -> bool {
    model
        .strip_prefix("kling-v2")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// `cfg_scale`: within `[0, 1]`, and not for kling-v2.x models (Kling answers an error).
pub fn cfg_scale(value: f64, model_name: Option<&str>) -> Result<(), ValidationError> {
    number_in_range("cfg_scale", value, 0.0, 1.0)?;
    if let Some(model) = model_name.filter(|m| is_kling_v2(m)) {
        return Err(ValidationError::new(
            "cfg_scale",
            format!(
                "is not supported by kling-v2.x models (`model_name` is `{model}`); leave it unset"
            ),
        ));
    }
    Ok(())
}

/// `field` is set although `other` (a field or a condition) is required for it.
pub fn requires(field: &str, other: &str) -> ValidationError {
    ValidationError::new(field, format!("requires {other}"))
}

/// `field` is set together with `other`, which excludes it.
pub fn conflicts(field: &str, other: &str) -> ValidationError {
    ValidationError::new(field, format!("cannot be combined with {other}"))
}

/// `field` is set although it is only allowed `condition`.
pub fn only_allowed(field: &str, condition: &str) -> ValidationError {
    ValidationError::new(field, format!("is only allowed {condition}"))
}

/// `field` is missing although `condition` requires it.
pub fn missing(field: &str, condition: &str) -> ValidationError {
    ValidationError::new(field, format!("is required {condition}"))
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
    fn text_counts_characters_not_bytes() {
        let chinese = "猫".repeat(2500);
        assert!(chinese.len() > 2500);
        required_text("prompt", &chinese, PROMPT_MAX_CHARS).unwrap();
        let err = required_text("prompt", &format!("{chinese}猫"), PROMPT_MAX_CHARS).unwrap_err();
        assert_eq!(err.rule, "must be at most 2500 characters (got 2501)");
    }

    #[test]
    fn required_text_rejects_blank() {
        assert_eq!(
            required_text("prompt", " \n", 10).unwrap_err().rule,
            "must not be empty"
        );
        optional_text("negative_prompt", "", 10).unwrap();
    }

    #[test]
    fn ranges_reject_nan_and_bounds() {
        number_in_range("x", 0.0, 0.0, 1.0).unwrap();
        number_in_range("x", 1.0, 0.0, 1.0).unwrap();
        assert_eq!(
            number_in_range("x", 1.01, 0.0, 1.0).unwrap_err().rule,
            "must be between 0 and 1 (got 1.01)"
        );
        assert!(
            number_in_range("x", f64::NAN, 0.0, 1.0)
                .unwrap_err()
                .rule
                .contains("finite")
        );
    }

    #[test]
    fn item_count_words() {
        assert_eq!(
            item_count("a", 5, 1, 4).unwrap_err().rule,
            "must have between 1 and 4 items (got 5)"
        );
        assert_eq!(
            item_count("a", 1, 2, 2).unwrap_err().rule,
            "must have exactly 2 items (got 1)"
        );
        assert_eq!(
            item_count("a", 7, 0, 6).unwrap_err().rule,
            "must have at most 6 items (got 7)"
        );
    }

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
    fn external_task_ids() {
        external_task_id("order-42_a.b:c").unwrap();
        external_task_id(&"a".repeat(64)).unwrap();
        assert!(external_task_id("").is_err());
        assert!(
            external_task_id(&"a".repeat(65))
                .unwrap_err()
                .rule
                .contains("at most 64")
        );
        assert!(external_task_id("a b").unwrap_err().rule.contains("' '"));
        assert!(external_task_id("a/b").is_err());
    }

    #[test]
    fn kling_v2_detection() {
        for m in [
            "kling-v2",
            "kling-v2-master",
            "kling-v2-1",
            "kling-v2-5-turbo",
            "kling-v2-6",
            "kling-v2-new",
        ] {
            assert!(is_kling_v2(m), "{m}");
        }
        for m in ["kling-v1", "kling-v1-6", "kling-v3", "kling-v20"] {
            assert!(!is_kling_v2(m), "{m}");
        }
        cfg_scale(0.5, Some("kling-v1-6")).unwrap();
        cfg_scale(0.5, None).unwrap();
        assert_eq!(
            cfg_scale(0.5, Some("kling-v2-master")).unwrap_err().field,
            "cfg_scale"
        );
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
