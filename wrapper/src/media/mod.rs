//! Media inputs: images and lip-sync audio given as a URL, a file path, bytes or base64.
//!
//! [`ImageInput`] and [`AudioInput`] are what the builders take wherever the API takes an
//! image or audio. A URL is passed through; anything local is read once when the request is
//! built, checked from its bytes (format, size, and for images pixels and aspect ratio), and
//! sent as raw base64 without a `data:` prefix, which is what Kling requires. Every failed
//! check is a [`ValidationError`](crate::ValidationError) naming the field, raised before
//! anything is sent.
//!
//! Memory: a file is read once into a buffer of its exact size, checked in place, encoded once
//! into a string of the exact base64 size, and the buffer is dropped before the request body is
//! assembled.

mod audio;
mod image;
mod input;
mod source;

pub use audio::AudioInput;
pub use image::ImageInput;

pub(crate) use image::{Dimensions, ImageRules};
