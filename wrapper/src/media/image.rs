//! [`ImageInput`]: an image as a URL, a file, bytes or base64.

use imagesize::ImageType;

use super::input::media_input;
use super::source::{Limits, Loaded, Source, load};
use crate::validation::ValidationError;
use crate::validation::{IMAGE_MAX_BYTES, IMAGE_MIN_SIDE_PX};

const LIMITS: Limits = Limits {
    family: "image",
    max_bytes: IMAGE_MAX_BYTES,
};

/// An image for a request: a public URL, a local file, the file's bytes, or its base64.
///
/// A URL is passed to Kling as it is (it must be an absolute `http(s)` URL that Kling can
/// reach). Everything else is read once when the request is built, checked from its bytes and
/// sent as raw base64 without a `data:` prefix. The checks, each failing with a
/// [`ValidationError`] that names the field:
///
/// - the data is a PNG or a JPEG (sniffed from the bytes, whatever the file is called);
/// - at most 10 MB (10 × 1024 × 1024 bytes);
/// - each side at least 300 px;
/// - an aspect ratio between 1:2.5 and 2.5:1 (for the fields where Kling requires it: not
///   for `image_tail`, try-on images and motion-brush masks, which instead only need to be PNG
///   or JPEG).
///
/// A string converts by this rule: `http://…` or `https://…` is a URL, `data:…` is inline
/// base64 (a `data:image/...;base64,` prefix is stripped; any other `data:` type is refused),
/// and anything else is a file path. A string that is none of these (for example raw base64
/// without a prefix) therefore fails with "cannot read file"; use [`ImageInput::base64`] for
/// raw base64.
///
/// **Untrusted strings.** Because a plain string is read as a local file, a server that passes
/// its users' strings on must not convert them with `From`: a user could name any PNG or
/// JPEG on the server's disk. Use [`ImageInput::url`] (sent as it is, never read locally) or
/// [`ImageInput::base64`] for such values.
///
/// ```
/// use nicerouter_kling::media::ImageInput;
///
/// let from_url = ImageInput::from("https://example.com/cat.png");
/// let from_file = ImageInput::from(std::path::Path::new("cat.png"));
/// let from_base64 = ImageInput::base64("data:image/png;base64,iVBORw0KGgo=");
/// assert!(from_url.is_url() && !from_file.is_url() && !from_base64.is_url());
/// ```
#[derive(Clone)]
pub struct ImageInput {
    source: Source,
}

/// Which of Kling's image rules a field has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageRules {
    /// PNG/JPEG, ≤ 10 MB, sides ≥ 300 px, aspect 1:2.5–2.5:1 (`image`, `image_list`, effects,
    /// image-generation reference).
    Full,
    /// PNG/JPEG, ≤ 10 MB, sides ≥ 300 px (`image_tail`, try-on images).
    NoAspectRatio,
    /// PNG/JPEG, ≤ 10 MB (motion-brush masks).
    Mask,
}

/// Width and height of a local image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dimensions {
    pub width: u64,
    pub height: u64,
}

media_input!(ImageInput, "PNG or JPEG");

impl ImageInput {
    /// Checks the image under `rules` and turns it into a URL or raw base64 for `field`, with
    /// its dimensions when it was read here (a URL's are unknown).
    pub(crate) fn resolve(
        self,
        field: &str,
        rules: ImageRules,
    ) -> Result<(String, Option<Dimensions>), ValidationError> {
        match load(self.source, field, LIMITS, |bytes| {
            inspect(field, bytes, rules)
        })? {
            Loaded::Url(value) => Ok((value, None)),
            Loaded::Inline { base64, info } => Ok((base64, Some(info))),
        }
    }
}

/// Sniffs the format and reads the dimensions from the header, then applies `rules`.
fn inspect(field: &str, bytes: &[u8], rules: ImageRules) -> Result<Dimensions, ValidationError> {
    let format = match imagesize::image_type(bytes) {
        Ok(ImageType::Png) => "PNG",
        Ok(ImageType::Jpeg) => "JPEG",
        Ok(other) => {
            let other = format!("{other:?}").to_uppercase();
            return Err(ValidationError::new(
                field,
                format!("must be a PNG or JPEG image (got {other})"),
            ));
        }
        Err(_) => {
            return Err(ValidationError::new(
                field,
                "must be a PNG or JPEG image (the data is not a recognised image)",
            ));
        }
    };
    let size = imagesize::blob_size(bytes).map_err(|_| {
        ValidationError::new(
            field,
            format!("is a damaged {format} file (its width and height cannot be read)"),
        )
    })?;
    let (width, height) = (size.width as u64, size.height as u64);
    if rules != ImageRules::Mask && (width < IMAGE_MIN_SIDE_PX || height < IMAGE_MIN_SIDE_PX) {
        return Err(ValidationError::new(
            field,
            format!("each side must be at least {IMAGE_MIN_SIDE_PX} px (got {width}×{height})"),
        ));
    }
    if rules == ImageRules::Full {
        let (long, short) = (width.max(height), width.min(height));
        // long / short ≤ 2.5, in integers.
        if long * 2 > short * 5 {
            return Err(ValidationError::new(
                field,
                format!("must have an aspect ratio between 1:2.5 and 2.5:1 (got {width}×{height})"),
            ));
        }
    }
    Ok(Dimensions { width, height })
}
