//! Kling's eight kinds of task, and the trait that lets one create path serve all of them.

use nicerouter_kling_raw::types;
use serde::{Deserialize, Serialize};

use crate::validation::Validate;

/// A kind of Kling task. One enum drives the paths, the result kind and the generic
/// create/get/list/wait code, so there are not eight copies of anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `POST /v1/videos/text2video`
    #[serde(rename = "text2video")]
    TextToVideo,
    /// `POST /v1/videos/image2video`
    #[serde(rename = "image2video")]
    ImageToVideo,
    /// `POST /v1/videos/multi-image2video`
    #[serde(rename = "multi-image2video")]
    MultiImageToVideo,
    /// `POST /v1/videos/video-extend`
    #[serde(rename = "video-extend")]
    VideoExtend,
    /// `POST /v1/videos/lip-sync`
    #[serde(rename = "lip-sync")]
    LipSync,
    /// `POST /v1/videos/effects`
    #[serde(rename = "effects")]
    VideoEffects,
    /// `POST /v1/images/generations`
    #[serde(rename = "generations")]
    ImageGeneration,
    /// `POST /v1/images/kolors-virtual-try-on`
    #[serde(rename = "kolors-virtual-try-on")]
    VirtualTryOn,
}

/// The family of a kind: where its path lives and what its results are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// `/v1/videos/...`, results in `task_result.videos`.
    Videos,
    /// `/v1/images/...`, results in `task_result.images`.
    Images,
}

impl Category {
    /// The start of the paths of this family's kinds: `/v1/videos/` or `/v1/images/`.
    pub(crate) fn path_prefix(self) -> &'static str {
        match self {
            Category::Videos => "/v1/videos/",
            Category::Images => "/v1/images/",
        }
    }
}

impl Kind {
    /// Every kind, in the spec's order.
    pub const ALL: [Kind; 8] = [
        Kind::TextToVideo,
        Kind::ImageToVideo,
        Kind::MultiImageToVideo,
        Kind::VideoExtend,
        Kind::LipSync,
        Kind::VideoEffects,
        Kind::ImageGeneration,
        Kind::VirtualTryOn,
    ];

    /// The API's path segment, for example `lip-sync`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::TextToVideo => "text2video",
            Kind::ImageToVideo => "image2video",
            Kind::MultiImageToVideo => "multi-image2video",
            Kind::VideoExtend => "video-extend",
            Kind::LipSync => "lip-sync",
            Kind::VideoEffects => "effects",
            Kind::ImageGeneration => "generations",
            Kind::VirtualTryOn => "kolors-virtual-try-on",
        }
    }

    /// Videos or images.
    pub fn category(self) -> Category {
        match self {
            Kind::ImageGeneration | Kind::VirtualTryOn => Category::Images,
            _ => Category::Videos,
        }
    }

    /// The create (and list) path relative to the base URL, for example `/v1/videos/lip-sync`.
    pub fn path(self) -> String {
        let (prefix, segment) = (self.category().path_prefix(), self.segment());
        let mut path = String::with_capacity(prefix.len() + segment.len());
        path.push_str(prefix);
        path.push_str(segment);
        path
    }

    /// The kind whose path segment is `segment`.
    pub fn from_segment(segment: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.segment() == segment)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.segment())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A generated request body that creates a task of one kind. Implemented for the eight
/// generated request types; the per-kind builders produce one, and the client's single create
/// path checks it against the API's rules ([`Validate`]) and sends it (with an
/// `external_task_id`, so a lost answer can be looked up instead of paid for twice).
pub trait CreateBody: Serialize + Validate + Send + Sync + sealed::Sealed + 'static {
    /// The kind this body creates.
    const KIND: Kind;
    /// The caller's `external_task_id`, if set.
    fn external_task_id(&self) -> Option<&str>;
    /// Sets the `external_task_id`.
    fn set_external_task_id(&mut self, id: types::ExternalTaskId);
}

macro_rules! create_body {
    ($($ty:ident => $kind:ident),* $(,)?) => {$(
        impl sealed::Sealed for types::$ty {}
        impl CreateBody for types::$ty {
            const KIND: Kind = Kind::$kind;
            fn external_task_id(&self) -> Option<&str> {
                self.external_task_id.as_deref().map(String::as_str)
            }
            fn set_external_task_id(&mut self, id: types::ExternalTaskId) {
                self.external_task_id = Some(id);
            }
        }
    )*};
}

create_body! {
    Text2VideoRequest => TextToVideo,
    Image2VideoRequest => ImageToVideo,
    MultiImage2VideoRequest => MultiImageToVideo,
    VideoExtendRequest => VideoExtend,
    LipSyncRequest => LipSync,
    VideoEffectsRequest => VideoEffects,
    ImageGenerationRequest => ImageGeneration,
    VirtualTryOnRequest => VirtualTryOn,
}
