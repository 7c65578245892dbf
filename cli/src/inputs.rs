//! Turning command-line values into the library's inputs.
//!
//! Media values (`--image`, `--image-tail`, `--static-mask`, `--audio`, …) go to the builders
//! as strings, so the library's one rule decides what they are: `http(s)://…` is a URL, passed
//! through; `data:…` is inline base64 (an image or audio media type only); anything else is a
//! local file, read and sent as raw base64.

use nicerouter_kling::builders::{Axis, CameraControl, CameraControlType};
use nicerouter_kling::media::ImageInput;
use nicerouter_kling::{Error, ValidationError};

use crate::failure::Failure;

/// A count the library takes as `u32` (`n`, `pageNum`, `pageSize`). Its flag is parsed signed
/// so that a negative value is refused here in the library's words, naming `field`, instead
/// of being taken by the parser for an unknown flag.
pub fn count(field: &str, value: i64) -> Result<u32, Failure> {
    u32::try_from(value).map_err(|_| {
        let rule = if value < 0 {
            format!("must not be negative (got {value})")
        } else {
            format!("is too large (got {value})")
        };
        Error::from(ValidationError::new(field, rule)).into()
    })
}

/// `--camera` and `--camera-config AXIS=VALUE` as a camera control.
pub fn camera(
    kind: Option<crate::args::CameraArg>,
    config: Option<&str>,
) -> Result<Option<CameraControl>, Failure> {
    use crate::args::CameraArg;
    let preset = |t| Ok(Some(CameraControl::preset(t)));
    match (kind, config) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Failure::usage("--camera-config needs --camera simple")),
        (Some(CameraArg::Simple), None) => Err(Failure::usage(
            "--camera simple needs --camera-config AXIS=VALUE, for example zoom=5",
        )),
        (Some(CameraArg::Simple), Some(config)) => {
            let (axis, value) = config.split_once('=').ok_or_else(|| {
                Failure::usage(format!(
                    "--camera-config `{config}`: expected AXIS=VALUE, for example zoom=5"
                ))
            })?;
            let axis = match axis.trim() {
                "horizontal" => Axis::Horizontal,
                "vertical" => Axis::Vertical,
                "pan" => Axis::Pan,
                "tilt" => Axis::Tilt,
                "roll" => Axis::Roll,
                "zoom" => Axis::Zoom,
                other => {
                    return Err(Failure::usage(format!(
                        "--camera-config: unknown axis `{other}` (horizontal, vertical, pan, tilt, roll, zoom)"
                    )));
                }
            };
            let value: f64 = value.trim().parse().map_err(|_| {
                Failure::usage(format!("--camera-config: `{value}` is not a number"))
            })?;
            Ok(Some(CameraControl::simple(axis, value)))
        }
        (Some(_), Some(_)) => Err(Failure::usage(
            "--camera-config only goes with --camera simple",
        )),
        (Some(CameraArg::DownBack), None) => preset(CameraControlType::DownBack),
        (Some(CameraArg::ForwardUp), None) => preset(CameraControlType::ForwardUp),
        (Some(CameraArg::RightTurnForward), None) => preset(CameraControlType::RightTurnForward),
        (Some(CameraArg::LeftTurnForward), None) => preset(CameraControlType::LeftTurnForward),
    }
}

/// `MASK@x1,y1;x2,y2;…` as a mask and its trajectory.
pub fn dynamic_mask(value: &str) -> Result<(ImageInput, Vec<(i32, i32)>), Failure> {
    let bad = || {
        Failure::usage(format!(
            "--dynamic-mask `{value}`: expected MASK@x1,y1;x2,y2;…"
        ))
    };
    let (mask, points) = value.rsplit_once('@').ok_or_else(bad)?;
    let points = points
        .split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (x, y) = p.split_once(',').ok_or_else(bad)?;
            Ok((
                x.trim().parse().map_err(|_| bad())?,
                y.trim().parse().map_err(|_| bad())?,
            ))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    Ok((ImageInput::from(mask), points))
}
