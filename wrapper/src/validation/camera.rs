//! `camera_control`: `config` only with `simple`, with exactly one non-zero axis in [-10, 10].

use nicerouter_kling_raw::types::{CameraConfig, CameraControl, CameraControlType};

use super::ValidationError;
use super::rules::{CAMERA_AXIS_RANGE, missing, number_in_range};

/// Checks a `camera_control` object.
pub(super) fn camera_control(control: &CameraControl) -> Result<(), ValidationError> {
    match (control.type_, &control.config) {
        (CameraControlType::Simple, Some(config)) => camera_config(config),
        (CameraControlType::Simple, None) => Err(missing(
            "camera_control.config",
            "when `camera_control.type` is `simple`",
        )),
        (preset, Some(_)) => Err(ValidationError::new(
            "camera_control.config",
            format!(
                "must be omitted when `camera_control.type` is `{preset}` (only `simple` takes a config)"
            ),
        )),
        (_, None) => Ok(()),
    }
}

/// The six axes of a config, by their API names.
fn axes(config: &CameraConfig) -> [(&'static str, Option<f64>); 6] {
    [
        ("horizontal", config.horizontal),
        ("vertical", config.vertical),
        ("pan", config.pan),
        ("tilt", config.tilt),
        ("roll", config.roll),
        ("zoom", config.zoom),
    ]
}

fn camera_config(config: &CameraConfig) -> Result<(), ValidationError> {
    let (min, max) = CAMERA_AXIS_RANGE;
    let axes = axes(config);
    for (name, value) in axes {
        if let Some(value) = value {
            number_in_range(&format!("camera_control.config.{name}"), value, min, max)?;
        }
    }
    let non_zero: Vec<&str> = axes
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v != 0.0))
        .map(|(name, _)| *name)
        .collect();
    match non_zero.as_slice() {
        [_] => Ok(()),
        [] => Err(ValidationError::new(
            "camera_control.config",
            "must have exactly one non-zero axis (all are zero)",
        )),
        several => Err(ValidationError::new(
            "camera_control.config",
            format!(
                "must have exactly one non-zero axis (got {}: {})",
                several.len(),
                several.join(", ")
            ),
        )),
    }
}
