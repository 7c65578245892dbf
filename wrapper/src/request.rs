//! [`CreateRequest`]: a create body being built, field by JSON pointer, with its media.
//!
//! Every generated builder wraps one; the CLI sets fields on one directly from its flags.
//! Building resolves the media (reading and checking local files), then checks the body
//! against the spec's schema and its prose rules ([`crate::validation`]). Nothing is sent
//! until every check has passed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use nicerouter_kling_raw::catalog::Media;

use crate::create::EXTERNAL_TASK_ID;
use crate::media::{AudioInput, Dimensions, ImageInput, ImageRules};
use crate::validation::{self, ValidationError, field_name};
use crate::{Client, Error, Kind, TaskHandle};

/// A media value given to a builder.
#[derive(Debug, Clone)]
pub enum MediaValue {
    /// An image.
    Image(ImageInput),
    /// Audio.
    Audio(AudioInput),
}

impl From<ImageInput> for MediaValue {
    fn from(value: ImageInput) -> Self {
        MediaValue::Image(value)
    }
}

impl From<AudioInput> for MediaValue {
    fn from(value: AudioInput) -> Self {
        MediaValue::Audio(value)
    }
}

/// A create body being built for one [`Kind`].
///
/// ```
/// use nicerouter_kling::{Client, Kind};
///
/// # let client = Client::builder().api_key("sk-example").base_url("http://127.0.0.1:9").build()?;
/// let body = client
///     .request(Kind::TextToVideo)
///     .set("/prompt", "a cat")
///     .set("/cfg_scale", 0.5)
///     .body()?;
/// assert_eq!(body["cfg_scale"], 0.5);
/// # Ok::<(), nicerouter_kling::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` or `.body()`"]
pub struct CreateRequest {
    client: Client,
    kind: Kind,
    body: Map<String, Value>,
    media: Vec<(String, Media, MediaValue)>,
    error: Option<ValidationError>,
}

impl Client {
    /// An empty create request of `kind`, set field by field (see [`CreateRequest::set`]).
    pub fn request(&self, kind: Kind) -> CreateRequest {
        CreateRequest::new(self, kind)
    }
}

impl CreateRequest {
    /// An empty request of `kind`.
    pub fn new(client: &Client, kind: Kind) -> Self {
        CreateRequest {
            client: client.clone(),
            kind,
            body: Map::new(),
            media: Vec::new(),
            error: None,
        }
    }

    /// The kind of task it creates.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The `external_task_id` set so far, if any.
    pub fn external_task_id(&self) -> Option<&str> {
        self.body.get(EXTERNAL_TASK_ID).and_then(Value::as_str)
    }

    /// Sets the `external_task_id`: the caller's name for the task, by which a create whose
    /// answer is lost is looked up instead of sent twice.
    pub fn with_external_task_id(mut self, id: impl Into<String>) -> Self {
        self.body
            .insert(EXTERNAL_TASK_ID.to_owned(), Value::String(id.into()));
        self
    }

    /// Sets the field at `pointer` (for example `/input/video_id`) to `value`, creating the
    /// objects and arrays on the way.
    pub fn set(mut self, pointer: &str, value: impl Into<Value>) -> Self {
        self.media.retain(|(at, ..)| !within(at, pointer));
        insert(&mut self.body, pointer, value.into());
        self
    }

    /// Sets the field at `pointer` to a serialised value.
    pub fn json<T: Serialize + ?Sized>(self, pointer: &str, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => self.set(pointer, value),
            Err(e) => self.fail(ValidationError::new(
                field_name(pointer),
                format!("cannot be serialised: {e}"),
            )),
        }
    }

    /// Sets the array at `pointer` to `values`, each wrapped as `{key: value}` when `key` is
    /// given.
    pub fn items(
        self,
        pointer: &str,
        key: Option<&str>,
        values: impl Iterator<Item = Value>,
    ) -> Self {
        let items = values
            .map(|value| match key {
                Some(key) => Value::Object(Map::from_iter([(key.to_owned(), value)])),
                None => value,
            })
            .collect::<Vec<_>>();
        self.set(pointer, items)
    }

    /// Sets the media field at `pointer`: a URL is sent as it is, anything local is read,
    /// checked under `media`'s rules and sent as raw base64 when the request is built.
    pub fn media(mut self, pointer: &str, media: Media, value: impl Into<MediaValue>) -> Self {
        self.media.retain(|(at, ..)| !within(at, pointer));
        remove(&mut self.body, pointer);
        self.media.push((pointer.to_owned(), media, value.into()));
        self
    }

    /// Sets the array at `pointer` to media values, each wrapped as `{key: value}` when `key`
    /// is given.
    pub fn media_items(
        mut self,
        pointer: &str,
        key: Option<&str>,
        media: Media,
        values: impl Iterator<Item = impl Into<MediaValue>>,
    ) -> Self {
        self = self.set(pointer, Value::Array(Vec::new()));
        for (i, value) in values.enumerate() {
            let at = match key {
                Some(key) => format!("{pointer}/{i}/{key}"),
                None => format!("{pointer}/{i}"),
            };
            self.media.push((at, media, value.into()));
        }
        self
    }

    fn fail(mut self, error: ValidationError) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// The checked body: media resolved, schema and prose rules passed. Nothing is sent.
    pub fn body(self) -> Result<Value, ValidationError> {
        self.into_body().map(|(body, _)| body)
    }

    /// The checked body as the generated request type.
    pub fn build<B: DeserializeOwned>(self) -> Result<B, ValidationError> {
        let body = self.body()?;
        serde_json::from_value(body).map_err(|e| {
            ValidationError::new("body", format!("does not match the request type: {e}"))
        })
    }

    /// Checks the body and creates the task. Nothing is sent if a rule is broken.
    pub async fn send(self) -> Result<TaskHandle, Error> {
        let (client, kind) = (self.client.clone(), self.kind);
        let (body, media_len) = self.into_body()?;
        client.create_checked(kind, body, media_len).await
    }

    /// The body and the length of its media strings.
    fn into_body(self) -> Result<(Value, usize), ValidationError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut body = self.body;
        let mut resolved = Vec::with_capacity(self.media.len());
        let mut sizes = Vec::new();
        for (pointer, media, value) in self.media {
            let field = field_name(&pointer);
            let text = match (value, media) {
                (MediaValue::Audio(audio), media) => {
                    audio.resolve(&field, media == Media::AudioBase64)?
                }
                (MediaValue::Image(image), media) => {
                    let (text, size) = image.resolve(&field, image_rules(media))?;
                    if let Some(size) = size {
                        sizes.push((pointer.clone(), size));
                    }
                    text
                }
            };
            insert(&mut body, &pointer, Value::String(text));
            resolved.push(pointer);
        }
        if self.kind == Kind::ImageToVideo {
            motion_brush(&body, &sizes)?;
        }
        let mut body = Value::Object(body);
        let media_len = validation::check_body(self.kind, &mut body, &resolved)?;
        Ok((body, media_len))
    }
}

/// `Image2VideoRequest`: "Masks must have the same aspect ratio as `image`, or the task ends
/// `failed` (not a 400)"; `TrajectoryPoint`: "the origin (0, 0) is the bottom-left corner of
/// the input image". For the images read here (a URL's size is unknown): every mask has the
/// aspect ratio of `image`, all masks have one resolution, and every trajectory point lies
/// within `image`.
fn motion_brush(
    body: &Map<String, Value>,
    sizes: &[(String, Dimensions)],
) -> Result<(), ValidationError> {
    let size_of = |pointer: &str| sizes.iter().find(|(p, _)| p == pointer).map(|(_, d)| *d);
    let image = size_of("/image");
    let dynamic = body
        .get("dynamic_masks")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let masks = std::iter::once("/static_mask".to_owned())
        .chain((0..dynamic.len()).map(|i| format!("/dynamic_masks/{i}/mask")));
    let mut first: Option<(String, Dimensions)> = None;
    for pointer in masks {
        let Some(size) = size_of(&pointer) else {
            continue;
        };
        let field = field_name(&pointer);
        if let Some(image) = image
            && !same_aspect_ratio(size, image)
        {
            return Err(ValidationError::new(
                field,
                format!(
                    "must have the aspect ratio of `image` (mask {}×{}, image {}×{})",
                    size.width, size.height, image.width, image.height
                ),
            ));
        }
        match &first {
            Some((first_field, first)) if *first != size => {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "must have the resolution of `{first_field}` (got {}×{}, expected {}×{})",
                        size.width, size.height, first.width, first.height
                    ),
                ));
            }
            Some(_) => {}
            None => first = Some((field, size)),
        }
    }
    let Some(image) = image else {
        return Ok(());
    };
    for (i, mask) in dynamic.iter().enumerate() {
        let points = mask
            .get("trajectories")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for (j, point) in points.iter().enumerate() {
            let (x, y) = (point.get("x"), point.get("y"));
            let beyond =
                |v: Option<&Value>, side: u64| v.and_then(Value::as_u64).is_some_and(|v| v > side);
            if beyond(x, image.width) || beyond(y, image.height) {
                let shown =
                    |v: Option<&Value>| v.map_or_else(|| "?".to_owned(), ToString::to_string);
                return Err(ValidationError::new(
                    format!("dynamic_masks[{i}].trajectories[{j}]"),
                    format!(
                        "must lie within the image (got ({}, {}); the image is {}×{})",
                        shown(x),
                        shown(y),
                        image.width,
                        image.height
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Equal aspect ratios, allowing 1% for rounding when a mask was scaled.
fn same_aspect_ratio(a: Dimensions, b: Dimensions) -> bool {
    let left = u128::from(a.width) * u128::from(b.height);
    let right = u128::from(a.height) * u128::from(b.width);
    left.abs_diff(right) * 100 <= left.max(right)
}

fn image_rules(media: Media) -> ImageRules {
    match media {
        Media::ImageAnyAspect => ImageRules::NoAspectRatio,
        Media::ImageMask => ImageRules::Mask,
        _ => ImageRules::Full,
    }
}

/// Whether `at` is `pointer` or inside it.
fn within(at: &str, pointer: &str) -> bool {
    at.strip_prefix(pointer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Sets `value` at `pointer`, creating objects (or arrays, for numeric segments).
pub(crate) fn insert(root: &mut Map<String, Value>, pointer: &str, value: Value) {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut node = Value::Object(std::mem::take(root));
    put(&mut node, &segments, value);
    if let Value::Object(map) = node {
        *root = map;
    }
}

fn put(node: &mut Value, segments: &[&str], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    if let Ok(index) = first.parse::<usize>() {
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        if let Value::Array(items) = node {
            if items.len() <= index {
                items.resize(index + 1, Value::Null);
            }
            put(&mut items[index], rest, value);
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        put(map.entry(*first).or_insert(Value::Null), rest, value);
    }
}

/// Removes the field at `pointer`, if it is there.
fn remove(root: &mut Map<String, Value>, pointer: &str) {
    fn remove_in(node: &mut Value, segments: &[&str]) {
        match (node, segments) {
            (Value::Object(map), [last]) => {
                map.remove(*last);
            }
            (Value::Object(map), [first, rest @ ..]) => {
                if let Some(child) = map.get_mut(*first) {
                    remove_in(child, rest);
                }
            }
            (Value::Array(items), [first, rest @ ..]) if !rest.is_empty() => {
                if let Some(child) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    remove_in(child, rest);
                }
            }
            _ => {}
        }
    }
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut node = Value::Object(std::mem::take(root));
    remove_in(&mut node, &segments);
    if let Value::Object(map) = node {
        *root = map;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_create_objects_and_arrays_on_the_way() {
        let mut body = Map::new();
        insert(&mut body, "/prompt", json!("a cat"));
        insert(&mut body, "/input/images/1", json!("B"));
        insert(&mut body, "/input/images/0", json!("A"));
        insert(&mut body, "/image_list/0/image", json!("X"));
        assert_eq!(
            Value::Object(body.clone()),
            json!({"prompt": "a cat", "input": {"images": ["A", "B"]}, "image_list": [{"image": "X"}]})
        );
        remove(&mut body, "/input/images");
        remove(&mut body, "/missing/deep");
        assert_eq!(
            Value::Object(body),
            json!({"prompt": "a cat", "input": {}, "image_list": [{"image": "X"}]})
        );
    }

    #[test]
    fn masks_keep_the_image_aspect_ratio_and_points_stay_inside_it() {
        let client = Client::builder()
            .api_key("sk-example")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let png = |w, h| ImageInput::bytes(nicerouter_kling_mock::media::input_png(w, h));
        let request = || {
            client
                .request(Kind::ImageToVideo)
                .media("/image", Media::Image, png(1000, 800))
        };
        let error = |r: CreateRequest| {
            let e = r.body().unwrap_err();
            (e.field, e.rule)
        };
        let points = json!([{"x": 0, "y": 0}, {"x": 1000, "y": 800}]);
        let with_mask = |r: CreateRequest, i: usize, w, h| {
            r.set(&format!("/dynamic_masks/{i}/trajectories"), points.clone())
                .media(
                    &format!("/dynamic_masks/{i}/mask"),
                    Media::ImageMask,
                    png(w, h),
                )
        };
        let body = with_mask(request(), 0, 500, 400)
            .media("/static_mask", Media::ImageMask, png(500, 400))
            .body()
            .unwrap();
        assert_eq!(body["dynamic_masks"][0]["trajectories"], points);
        // A URL's size is unknown, so it is not compared.
        request()
            .media(
                "/static_mask",
                Media::ImageMask,
                ImageInput::url("https://x.test/m.png"),
            )
            .body()
            .unwrap();
        assert_eq!(
            error(request().media("/static_mask", Media::ImageMask, png(800, 800))),
            (
                "static_mask".into(),
                "must have the aspect ratio of `image` (mask 800×800, image 1000×800)".into()
            )
        );
        assert_eq!(
            error(with_mask(request(), 0, 500, 400).media(
                "/static_mask",
                Media::ImageMask,
                png(100, 80)
            )),
            (
                "dynamic_masks[0].mask".into(),
                "must have the resolution of `static_mask` (got 500×400, expected 100×80)".into()
            )
        );
        let outside = with_mask(request(), 0, 500, 400)
            .set("/dynamic_masks/0/trajectories/1", json!({"x": 5, "y": 801}));
        assert_eq!(
            error(outside),
            (
                "dynamic_masks[0].trajectories[1]".into(),
                "must lie within the image (got (5, 801); the image is 1000×800)".into()
            )
        );
    }

    #[test]
    fn within_means_the_pointer_or_below_it() {
        assert!(within("/input/images/0", "/input/images"));
        assert!(within("/image", "/image"));
        assert!(!within("/image_tail", "/image"));
    }
}
