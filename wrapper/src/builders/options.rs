//! The closed sets a builder takes: the generated enums, plus [`Duration`] with readable
//! variant names.

use std::fmt;

pub use nicerouter_kling_raw::types::{
    AspectRatio, CameraControlType, ImageAspectRatio, ImageReference, ImageResolution, Mode,
    ShotType, Sound, VideoDuration, VoiceLanguage,
};

/// The length of a video: five or ten seconds.
///
/// Sent as the string `"5"` or `"10"`, as Kling requires. The setters take anything that
/// converts into the generated [`VideoDuration`], so
/// `VideoDuration::X10` works as well as `Duration::Ten`. Both directions of the
/// conversion are exhaustive matches: if the spec adds a duration, this stops compiling until
/// it is added here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Duration {
    /// Five seconds (`"5"`), Kling's default.
    Five,
    /// Ten seconds (`"10"`).
    Ten,
}

impl From<Duration> for VideoDuration {
    fn from(duration: Duration) -> Self {
        match duration {
            Duration::Five => VideoDuration::X5,
            Duration::Ten => VideoDuration::X10,
        }
    }
}

impl From<VideoDuration> for Duration {
    fn from(duration: VideoDuration) -> Self {
        match duration {
            VideoDuration::X5 => Duration::Five,
            VideoDuration::X10 => Duration::Ten,
        }
    }
}

impl fmt::Display for Duration {
    /// The API value: `5` or `10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        VideoDuration::from(*self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations_serialize_as_strings() {
        let ten = VideoDuration::from(Duration::Ten);
        assert_eq!(serde_json::to_string(&ten).unwrap(), "\"10\"");
        assert_eq!(Duration::from(VideoDuration::X5), Duration::Five);
        assert_eq!(Duration::Five.to_string(), "5");
    }
}
