//! [`CameraControl`]: a typed way to write the `camera_control` object.

use nicerouter_kling_raw::types::{self, CameraConfig, CameraControlType};

/// One of the six camera axes of a `simple` camera movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Translation along x (− left, + right).
    Horizontal,
    /// Translation along y (− down, + up).
    Vertical,
    /// Rotation about x (− down, + up).
    Pan,
    /// Rotation about y (− left, + right).
    Tilt,
    /// Rotation about z (− counter-clockwise, + clockwise).
    Roll,
    /// Field of view (− narrower, + wider).
    Zoom,
}

/// A camera movement: a `simple` move along one axis, or one of Kling's presets.
///
/// Wraps the generated [`CameraControl`](types::CameraControl); the rules (a `simple` move has
/// exactly one non-zero axis within −10..=10, a preset has no config) are checked when the
/// request is built.
///
/// ```
/// use nicerouter_kling::builders::{Axis, CameraControl, CameraControlType};
///
/// let zoom_in = CameraControl::simple(Axis::Zoom, -5.0);
/// let preset = CameraControl::preset(CameraControlType::DownBack);
/// assert_eq!(serde_json::to_value(zoom_in.as_raw()).unwrap(),
///            serde_json::json!({"type": "simple", "config": {"zoom": -5.0}}));
/// assert_eq!(serde_json::to_value(preset.as_raw()).unwrap(),
///            serde_json::json!({"type": "down_back"}));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CameraControl(types::CameraControl);

impl CameraControl {
    /// A `simple` movement of `value` (−10 to 10, not 0) along `axis`.
    pub fn simple(axis: Axis, value: f64) -> Self {
        let mut config = CameraConfig::default();
        let slot = match axis {
            Axis::Horizontal => &mut config.horizontal,
            Axis::Vertical => &mut config.vertical,
            Axis::Pan => &mut config.pan,
            Axis::Tilt => &mut config.tilt,
            Axis::Roll => &mut config.roll,
            Axis::Zoom => &mut config.zoom,
        };
        *slot = Some(value);
        Self(types::CameraControl {
            type_: CameraControlType::Simple,
            config: Some(config),
        })
    }

    /// A preset movement such as [`CameraControlType::DownBack`]. (`Simple` needs an axis: use
    /// [`CameraControl::simple`].)
    pub fn preset(kind: CameraControlType) -> Self {
        Self(types::CameraControl {
            type_: kind,
            config: None,
        })
    }

    /// The generated object, as it is sent.
    pub fn as_raw(&self) -> &types::CameraControl {
        &self.0
    }

    /// The generated object, as it is sent.
    pub fn into_raw(self) -> types::CameraControl {
        self.0
    }
}

impl From<types::CameraControl> for CameraControl {
    fn from(raw: types::CameraControl) -> Self {
        Self(raw)
    }
}

impl From<CameraControl> for types::CameraControl {
    fn from(control: CameraControl) -> Self {
        control.0
    }
}
