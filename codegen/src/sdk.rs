//! What the SDK layers above the raw client need from the spec: the kinds of task, and for
//! each create operation the fields of its body, shaped for setters and command-line flags.
//!
//! The spec says it with plain OpenAPI plus three extensions:
//!
//! * `x-sdk` on a task-creating operation: `{kind: RustName, cli: "group command",
//!   results: videos|images|audios}`;
//! * `x-media: image|audio|video` on a string property (or the component it refers to) whose
//!   value is media: a URL or raw base64;
//! * `x-name` on a property whose short name differs from its wire name (`model_name` is set
//!   with `model`).
//!
//! Known values come from `enum` (a closed set) or `x-extensible-enum` (an open vocabulary:
//! any string is sent, an unknown one with a warning).

pub mod builders;
pub mod catalog;
mod order;

use nicerouter_kling_spec::{OperationRole, operations};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use order::PropertyOrder;
use serde_json::Value;

/// A kind of task: one create operation with its get and list.
#[derive(Debug, Clone)]
pub struct KindSpec {
    /// The Rust variant name, for example `TextToVideo`.
    pub variant: String,
    /// The builder method, for example `text_to_video`.
    pub method: String,
    /// The path's last segment, for example `text2video`.
    pub segment: String,
    /// The create (and list) path, for example `/v1/videos/text2video`.
    pub path: String,
    /// The command-line words, for example `["video", "text2video"]`.
    pub cli: Vec<String>,
    /// Where the results are: `videos`, `images` or `audios`.
    pub results: String,
    /// The create operation's id.
    pub create_id: String,
    /// The get operation's id.
    pub get_id: String,
    /// The list operation's id.
    pub list_id: String,
    /// The create operation's summary.
    pub summary: String,
    /// The create operation's description.
    pub description: String,
    /// The request body's component name, for example `Text2VideoRequest`.
    pub body: String,
    /// The body's fields, in spec order, nested objects flattened.
    pub fields: Vec<FieldSpec>,
}

/// A call that is not a task: answered at once (a synchronous operation, a preset list, a
/// deletion, the account's costs).
#[derive(Debug, Clone)]
pub struct CallSpec {
    /// The operation id.
    pub id: String,
    /// `GET` or `POST`.
    pub method: String,
    /// The path, for example `/account/costs`.
    pub path: String,
    /// The command-line words, for example `["account", "costs"]`.
    pub cli: Vec<String>,
    /// The operation's summary.
    pub summary: String,
    /// The request body's fields (a `POST`) or the query parameters (a `GET`).
    pub fields: Vec<FieldSpec>,
}

/// One settable field of a request body.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// The JSON pointer of the field in the body, for example `/input/video_id`.
    pub pointer: String,
    /// The setter and flag name: `x-name`, else the wire name.
    pub name: String,
    /// The description from the spec.
    pub doc: String,
    /// What values it takes.
    pub shape: Shape,
    /// Whether the body is invalid without it.
    pub required: bool,
    /// The values the spec knows.
    pub known: Vec<String>,
    /// Whether values outside `known` are allowed (an open vocabulary).
    pub open: bool,
    /// For [`Shape::Json`]: the generated Rust type of the value, when the schema names one.
    pub rust_type: Option<String>,
    /// For [`Shape::Json`]: the media strings inside the value, as pointer patterns (`*` for
    /// every item of an array) and their media, for example `/dynamic_masks/*/mask`.
    pub nested_media: Vec<(String, String)>,
}

/// What values a field takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Text,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// A media string: `image`, `audio` or `video`.
    Media(String),
    /// An array of the inner shape.
    List(Box<Shape>),
    /// An array of objects with one required property, set by that property's values:
    /// `image_list: [{image}]`.
    Wrapped(String, Box<Shape>),
    /// Any other JSON value (an object, an array of objects).
    Json,
}

/// Why the spec cannot be read as the SDK needs it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct SdkError {
    /// Where in the spec.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

fn err(place: impl Into<String>, message: impl Into<String>) -> SdkError {
    SdkError {
        place: place.into(),
        message: message.into(),
    }
}

/// The kinds of task of the spec in `yaml`, in the order its paths are written.
pub fn kinds(yaml: &str) -> Result<Vec<KindSpec>, SdkError> {
    let spec = &nicerouter_kling_spec::parse(yaml).map_err(|e| err("spec", e.to_string()))?;
    let order = PropertyOrder::of(yaml);
    let ops = operations(spec);
    let mut kinds = Vec::new();
    for op in ops.iter().filter(|op| op.role == OperationRole::Create) {
        let place = format!("paths.{}.post", op.path);
        let Some(item) = spec.paths.paths.get(&op.path).and_then(|i| i.as_item()) else {
            continue;
        };
        let Some(operation) = &item.post else {
            continue;
        };
        let Some(sdk) = operation.extensions.get("x-sdk") else {
            continue;
        };
        let text = |key: &str| -> Result<String, SdkError> {
            sdk.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| err(&place, format!("x-sdk.{key} is missing")))
        };
        let Ok(variant) = text("kind") else {
            // A create without a kind is a synchronous call, not a task.
            continue;
        };
        let sibling = |role: OperationRole, path: &str| {
            ops.iter()
                .find(|o| {
                    o.role == role && o.path.starts_with(path) && {
                        let rest = &o.path[path.len()..];
                        rest.is_empty() || (rest.starts_with("/{") && !rest[1..].contains('/'))
                    }
                })
                .map(|o| o.operation_id.clone())
                .ok_or_else(|| err(&place, format!("a task kind needs a {role:?} operation")))
        };
        let body = op
            .request_schema
            .clone()
            .ok_or_else(|| err(&place, "a task kind needs a `$ref` request body"))?;
        let fields = fields_of(spec, &order, &body)?;
        kinds.push(KindSpec {
            method: snake_case(&variant),
            variant,
            segment: op.kind_segment().to_owned(),
            path: op.path.clone(),
            cli: text("cli")?.split_whitespace().map(str::to_owned).collect(),
            results: text("results")?,
            create_id: op.operation_id.clone(),
            get_id: sibling(OperationRole::Get, &op.path)?,
            list_id: sibling(OperationRole::List, &op.path)?,
            summary: operation.summary.clone().unwrap_or_default(),
            description: operation.description.clone().unwrap_or_default(),
            body,
            fields,
        });
    }
    kinds.sort_by_key(|k| order.path_position(&k.path));
    Ok(kinds)
}

/// The calls of the spec in `yaml` that are not tasks: operations with `x-sdk` but no kind.
pub fn calls(yaml: &str) -> Result<Vec<CallSpec>, SdkError> {
    let spec = &nicerouter_kling_spec::parse(yaml).map_err(|e| err("spec", e.to_string()))?;
    let order = PropertyOrder::of(yaml);
    let mut calls = Vec::new();
    for op in operations(spec) {
        let Some(item) = spec.paths.paths.get(&op.path).and_then(|i| i.as_item()) else {
            continue;
        };
        let operation = match op.method {
            nicerouter_kling_spec::Method::Get => &item.get,
            nicerouter_kling_spec::Method::Post => &item.post,
        };
        let Some(operation) = operation else { continue };
        let Some(sdk) = operation.extensions.get("x-sdk") else {
            continue;
        };
        if sdk.get("kind").is_some() {
            continue;
        }
        let place = format!("paths.{}.{}", op.path, op.method.as_str().to_lowercase());
        let cli = sdk
            .get("cli")
            .and_then(Value::as_str)
            .ok_or_else(|| err(&place, "x-sdk.cli is missing"))?;
        let fields = match &op.request_schema {
            Some(body) => fields_of(spec, &order, body)?,
            None => query_fields(spec, operation),
        };
        calls.push(CallSpec {
            id: op.operation_id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            cli: cli.split_whitespace().map(str::to_owned).collect(),
            summary: operation.summary.clone().unwrap_or_default(),
            fields,
        });
    }
    calls.sort_by_key(|c| order.path_position(&c.path));
    Ok(calls)
}

/// The query parameters of an operation, as fields named by their pointer `/name`.
fn query_fields(spec: &OpenAPI, operation: &openapiv3::Operation) -> Vec<FieldSpec> {
    let mut fields = Vec::new();
    for parameter in &operation.parameters {
        let parameter = match parameter {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/parameters/")
                .and_then(|name| spec.components.as_ref()?.parameters.get(name))
                .and_then(|p| p.as_item()),
        };
        let Some(openapiv3::Parameter::Query { parameter_data, .. }) = parameter else {
            continue;
        };
        let openapiv3::ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
            continue;
        };
        let Some(resolved) = resolve(spec, schema) else {
            continue;
        };
        let boxed = match schema {
            ReferenceOr::Item(s) => ReferenceOr::Item(Box::new(s.clone())),
            ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                reference: reference.clone(),
            },
        };
        let (known, open) = known_values(resolved.schema);
        fields.push(FieldSpec {
            pointer: format!("/{}", parameter_data.name),
            name: snake_case(&parameter_data.name),
            doc: parameter_data
                .description
                .clone()
                .or_else(|| resolved.schema.schema_data.description.clone())
                .unwrap_or_default()
                .trim()
                .to_owned(),
            shape: shape_of(spec, &boxed, &resolved),
            required: parameter_data.required,
            known,
            open,
            rust_type: None,
            nested_media: Vec::new(),
        });
    }
    fields
}

/// `TextToVideo` → `text_to_video`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A schema with its `$ref` resolved, and the referenced component's name.
struct Resolved<'a> {
    schema: &'a Schema,
    component: Option<String>,
}

fn resolve<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<Resolved<'a>> {
    match schema {
        ReferenceOr::Item(schema) => Some(Resolved {
            schema,
            component: None,
        }),
        ReferenceOr::Reference { reference } => resolve_ref(spec, reference),
    }
}

fn resolve_ref<'a>(spec: &'a OpenAPI, reference: &str) -> Option<Resolved<'a>> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    let found = spec.components.as_ref()?.schemas.get(name)?;
    let mut resolved = resolve(spec, found)?;
    resolved.component.get_or_insert_with(|| name.to_owned());
    Some(resolved)
}

fn resolve_boxed<'a>(
    spec: &'a OpenAPI,
    schema: &'a ReferenceOr<Box<Schema>>,
) -> Option<Resolved<'a>> {
    match schema {
        ReferenceOr::Item(schema) => Some(Resolved {
            schema,
            component: None,
        }),
        ReferenceOr::Reference { reference } => resolve_ref(spec, reference),
    }
}

/// An extension's text on the property itself, else on the component it refers to.
fn extension(
    property: &ReferenceOr<Box<Schema>>,
    resolved: &Resolved<'_>,
    key: &str,
) -> Option<String> {
    let own = match property {
        ReferenceOr::Item(s) => s.schema_data.extensions.get(key),
        ReferenceOr::Reference { .. } => None,
    };
    own.or_else(|| resolved.schema.schema_data.extensions.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn fields_of(
    spec: &OpenAPI,
    order: &PropertyOrder,
    component: &str,
) -> Result<Vec<FieldSpec>, SdkError> {
    let place = format!("components.schemas.{component}");
    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(component))
        .and_then(|s| resolve(spec, s))
        .ok_or_else(|| err(&place, "not found"))?;
    let mut fields = Vec::new();
    let walk = Walk {
        spec,
        order,
        place: &place,
    };
    walk.push_fields(schema.schema, component, "", true, &mut fields)?;
    // A flattened field keeps its short name unless another field has it already.
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for field in &mut fields {
        if names.iter().filter(|n| **n == field.name).count() > 1
            && field.pointer.matches('/').count() > 1
        {
            let wire = field.pointer.trim_start_matches('/').replace('/', "_");
            if !names.contains(&wire) {
                field.name = wire;
            }
        }
    }
    Ok(fields)
}

/// What walking a body's schema needs.
struct Walk<'a> {
    spec: &'a OpenAPI,
    order: &'a PropertyOrder,
    place: &'a str,
}

impl Walk<'_> {
    fn push_fields(
        &self,
        schema: &Schema,
        component: &str,
        prefix: &str,
        parent_required: bool,
        out: &mut Vec<FieldSpec>,
    ) -> Result<(), SdkError> {
        let (spec, place) = (self.spec, self.place);
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return Err(err(place, "a request body must be an object"));
        };
        let mut properties: Vec<_> = object.properties.iter().collect();
        properties.sort_by_key(|(wire, _)| self.order.position(component, wire));
        for (wire, property) in properties {
            let resolved = resolve_boxed(spec, property)
                .ok_or_else(|| err(place, format!("property `{wire}` does not resolve")))?;
            let pointer = format!("{prefix}/{wire}");
            let required = parent_required && object.required.iter().any(|r| r == wire);
            if let SchemaKind::Type(Type::Object(inner)) = &resolved.schema.schema_kind {
                // A required wrapper object (`input`) is set field by field.
                if required && !inner.properties.is_empty() {
                    let inner_component = resolved.component.as_deref().unwrap_or_default();
                    self.push_fields(resolved.schema, inner_component, &pointer, true, out)?;
                    continue;
                }
            }
            let (known, open) = known_values(resolved.schema);
            let shape = shape_of(spec, property, &resolved);
            let (rust_type, nested_media) = match &shape {
                Shape::Json => (
                    json_type(spec, resolved.schema, resolved.component.as_deref()),
                    media_within(spec, resolved.schema, &pointer, 0),
                ),
                _ => (None, Vec::new()),
            };
            out.push(FieldSpec {
                name: extension(property, &resolved, "x-name").unwrap_or_else(|| wire.clone()),
                doc: doc_of(property, &resolved),
                pointer,
                shape,
                required,
                known,
                open,
                rust_type,
                nested_media,
            });
        }
        Ok(())
    }
}

/// The property's own description, else its component's.
fn doc_of(property: &ReferenceOr<Box<Schema>>, resolved: &Resolved<'_>) -> String {
    let own = match property {
        ReferenceOr::Item(s) => s.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    };
    own.or_else(|| resolved.schema.schema_data.description.clone())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn known_values(schema: &Schema) -> (Vec<String>, bool) {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(Value::Array(values)) = schema.schema_data.extensions.get("x-extensible-enum") {
        return (values.iter().filter_map(text).collect(), true);
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            (s.enumeration.iter().flatten().cloned().collect(), false)
        }
        _ => (Vec::new(), true),
    }
}

fn shape_of(spec: &OpenAPI, property: &ReferenceOr<Box<Schema>>, resolved: &Resolved<'_>) -> Shape {
    match &resolved.schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => match extension(property, resolved, "x-media") {
            Some(media) => Shape::Media(media),
            None => Shape::Text,
        },
        SchemaKind::Type(Type::Integer(_)) => Shape::Integer,
        SchemaKind::Type(Type::Number(_)) => Shape::Number,
        SchemaKind::Type(Type::Boolean(_)) => Shape::Boolean,
        // An id that arrives as a string or a number is set as text.
        SchemaKind::OneOf { one_of } if one_of.iter().all(|s| is_scalar(spec, s)) => Shape::Text,
        SchemaKind::Type(Type::Array(array)) => {
            let Some(items) = array.items.as_ref() else {
                return Shape::Json;
            };
            let Some(item) = resolve_boxed(spec, items) else {
                return Shape::Json;
            };
            match &item.schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => {
                    // `[{image}]`: an object with one property, which is required.
                    match (object.properties.iter().next(), object.properties.len()) {
                        (Some((key, inner)), 1) if object.required.iter().any(|r| r == key) => {
                            match resolve_boxed(spec, inner) {
                                Some(r) => match shape_of(spec, inner, &r) {
                                    Shape::Json | Shape::List(_) | Shape::Wrapped(..) => {
                                        Shape::Json
                                    }
                                    scalar => Shape::Wrapped(key.clone(), Box::new(scalar)),
                                },
                                None => Shape::Json,
                            }
                        }
                        _ => Shape::Json,
                    }
                }
                SchemaKind::Type(Type::Array(_)) => Shape::Json,
                _ => Shape::List(Box::new(shape_of(spec, items, &item))),
            }
        }
        _ => Shape::Json,
    }
}

/// Whether a schema is a plain string or integer.
fn is_scalar(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> bool {
    resolve(spec, schema).is_some_and(|r| {
        matches!(
            r.schema.schema_kind,
            SchemaKind::Type(Type::String(_) | Type::Integer(_))
        )
    })
}

/// The media strings inside a JSON value of `schema` at `pointer`: `x-media` strings, found
/// through objects and arrays (a few levels deep; the spec's values are shallow).
fn media_within(
    spec: &OpenAPI,
    schema: &Schema,
    pointer: &str,
    depth: usize,
) -> Vec<(String, String)> {
    if depth > 4 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut visit = |at: String, property: &ReferenceOr<Box<Schema>>| {
        let Some(resolved) = resolve_boxed(spec, property) else {
            return;
        };
        match (
            &resolved.schema.schema_kind,
            extension(property, &resolved, "x-media"),
        ) {
            (SchemaKind::Type(Type::String(_)), Some(media)) => found.push((at, media)),
            _ => found.extend(media_within(spec, resolved.schema, &at, depth + 1)),
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (name, property) in &object.properties {
                visit(format!("{pointer}/{name}"), property);
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(items) = &array.items {
                visit(format!("{pointer}/*"), items);
            }
        }
        _ => {}
    }
    found
}

/// The generated type of a JSON-shaped field: its component's type, or a `Vec` of its
/// items' component type.
fn json_type(spec: &OpenAPI, schema: &Schema, component: Option<&str>) -> Option<String> {
    if let Some(name) = component {
        return Some(format!("types::{}", type_name(name)));
    }
    if let SchemaKind::Type(Type::Array(array)) = &schema.schema_kind {
        let items = array.items.as_ref()?;
        let item = resolve_boxed(spec, items)?;
        return Some(format!(
            "Vec<types::{}>",
            type_name(item.component.as_deref()?)
        ));
    }
    None
}

/// A component's generated type name (progenitor keeps PascalCase names as they are).
fn type_name(component: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in component.chars() {
        if c == '_' || c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_create_operation_is_a_kind_with_its_fields() {
        let spec = nicerouter_kling_spec::embedded();
        let kinds = kinds(nicerouter_kling_spec::SPEC_YAML).unwrap();
        let creates = operations(spec)
            .iter()
            .filter(|o| o.role == OperationRole::Create)
            .count();
        assert_eq!(kinds.len(), creates);
        let t2v = kinds.iter().find(|k| k.segment == "text2video").unwrap();
        assert_eq!(t2v.variant, "TextToVideo");
        assert_eq!(t2v.method, "text_to_video");
        assert_eq!(t2v.get_id, "get_text2video");
        assert_eq!(t2v.list_id, "list_text2video");
        let model = t2v
            .fields
            .iter()
            .find(|f| f.pointer == "/model_name")
            .unwrap();
        assert_eq!(model.name, "model");
        let prompt = t2v.fields.iter().find(|f| f.pointer == "/prompt").unwrap();
        assert!(!prompt.required, "optional under a multi-shot cut");
        let camera = t2v
            .fields
            .iter()
            .find(|f| f.pointer == "/camera_control")
            .unwrap();
        assert_eq!(camera.shape, Shape::Json);
        assert_eq!(camera.rust_type.as_deref(), Some("types::CameraControl"));
    }

    #[test]
    fn wrapper_objects_are_flattened_and_lists_of_one_property_are_wrapped() {
        let kinds = kinds(nicerouter_kling_spec::SPEC_YAML).unwrap();
        let try_on = kinds
            .iter()
            .find(|k| k.segment == "kolors-virtual-try-on")
            .unwrap();
        let names: Vec<&str> = try_on.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names[..3],
            ["model", "human_image", "cloth_image"],
            "the YAML's order"
        );
        let lip = kinds.iter().find(|k| k.segment == "lip-sync").unwrap();
        let video_id = lip
            .fields
            .iter()
            .find(|f| f.pointer == "/input/video_id")
            .unwrap();
        assert_eq!(video_id.name, "video_id");
        let multi = kinds
            .iter()
            .find(|k| k.segment == "multi-image2video")
            .unwrap();
        let list = multi
            .fields
            .iter()
            .find(|f| f.pointer == "/image_list")
            .unwrap();
        assert_eq!(
            list.shape,
            Shape::Wrapped("image".into(), Box::new(Shape::Media("image".into())))
        );
    }
}
