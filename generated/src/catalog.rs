//! The kinds of task and the fields of their create bodies, generated from the spec.
//!
//! [`Kind`] names every task-creating operation with its paths and operations; each kind's
//! [`fields`](Kind::fields) say how its body is set: the JSON pointer, the short name used by
//! builders and command-line flags, the spec's description, the shape of the value and the
//! values the spec knows. The wrapper's builders and the CLI's flags are made from this table.
//!
//! ```
//! use nicerouter_kling_raw::catalog::{Kind, Shape};
//!
//! let kind = Kind::ALL.iter().find(|k| k.segment() == "text2video").unwrap();
//! assert_eq!(kind.path(), "/v1/videos/text2video");
//! let prompt = kind.fields().iter().find(|f| f.name == "prompt").unwrap();
//! assert!(!prompt.required && prompt.shape == Shape::Text); // optional for a multi-shot cut
//! ```

/// One settable field of a create body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON pointer of the field in the body, for example `/input/video_id`.
    pub pointer: &'static str,
    /// The builder setter and flag name, for example `model` for `model_name`.
    pub name: &'static str,
    /// The spec's description.
    pub doc: &'static str,
    /// What values it takes.
    pub shape: Shape,
    /// Whether the body is invalid without it.
    pub required: bool,
    /// The values the spec knows.
    pub known: &'static [&'static str],
    /// Whether a value outside `known` is still sent (an open vocabulary).
    pub open: bool,
    /// For a JSON field: the media strings inside its value, as pointer patterns (`*` for
    /// every item of an array), for example `/dynamic_masks/*/mask`.
    pub nested_media: &'static [(&'static str, Media)],
}

impl Field {
    /// The wire name: the pointer's last segment.
    pub fn wire_name(&self) -> &'static str {
        self.pointer.rsplit('/').next().unwrap_or(self.pointer)
    }
}

/// What values a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Text,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// A media string: a URL or raw base64.
    Media(Media),
    /// An array of the inner shape.
    List(&'static Shape),
    /// An array of objects with one property, named here, set by that property's values.
    Wrapped(&'static str, &'static Shape),
    /// Any other JSON value.
    Json,
}

/// The kind of media a media field takes, and which of Kling's file rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Media {
    /// A PNG or JPEG: at most 10 MB, sides of at least 300 px, aspect ratio 1:2.5 to 2.5:1.
    Image,
    /// A PNG or JPEG: at most 10 MB, sides of at least 300 px, any aspect ratio.
    ImageAnyAspect,
    /// A PNG or JPEG mask: at most 10 MB.
    ImageMask,
    /// MP3, WAV, M4A or AAC audio, at most 5 MB: a URL or raw base64.
    Audio,
    /// MP3, WAV, M4A or AAC audio, at most 5 MB, as raw base64 only (no URL).
    AudioBase64,
    /// A video URL.
    Video,
}

/// Where a task's results are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Results {
    /// `task_result.videos`.
    Videos,
    /// `task_result.images`.
    Images,
    /// `task_result.audios`.
    Audios,
    /// `task_result.voices`: custom voices.
    Voices,
    /// `task_result.elements`: custom elements.
    Elements,
}

/// The operation ids of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operations {
    /// Creates a task.
    pub create: &'static str,
    /// Gets one task by id.
    pub get: &'static str,
    /// Lists tasks.
    pub list: &'static str,
}

/// A call that is not a task: a synchronous operation, a preset list, a deletion, the
/// account's costs. Its answer is Kling's envelope around `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// The operation id.
    pub operation: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path.
    pub path: &'static str,
    /// The command-line words, for example `["account", "costs"]`.
    pub cli: &'static [&'static str],
    /// The operation's summary.
    pub summary: &'static str,
    /// The body's fields (a `POST`) or the query parameters (a `GET`, pointer `/name`).
    pub fields: &'static [Field],
}

/// A generated request body that creates a task of one kind.
pub trait CreateBody: serde::Serialize {
    /// The kind this body creates.
    const KIND: Kind;
}

impl Kind {
    /// The kind whose path segment is `segment`.
    pub fn from_segment(segment: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.segment() == segment)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.segment())
    }
}

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
