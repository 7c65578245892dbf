//! OpenAPI 3.0 Schema Objects → draft-4 JSON Schema.
//!
//! OpenAPI 3.0 schemas are "an extended subset" of JSON Schema draft 4/5. A draft-4 validator
//! gets them wrong in a few places, which this module fixes (see the crate's
//! `contract-tools.md` notes, §6):
//!
//! - `nullable: true` means "or null": `type: T` becomes `type: [T, "null"]`, `null` joins an
//!   `enum`, and a schema without `type` is wrapped as `anyOf: [{type: null}, schema]`;
//! - a `$ref` ignores its siblings in 3.0, so only the `$ref` is kept;
//! - `format: int32`/`int64` bound the value (a validator checks formats on strings only);
//! - OpenAPI-only keywords (`example`, `x-*`, `discriminator`, `readOnly`, `writeOnly`, `xml`,
//!   `deprecated`, `externalDocs`, `nullable`) are dropped, but only where a schema is expected:
//!   a *property named* `example` survives.
//!
//! The `$ref`s keep their `#/components/schemas/X` form: the converted components are placed
//! under the same pointer in every compiled document (see [`document`]), so they resolve
//! locally, without a retriever.

use serde_json::{Map, Value, json};

/// Keywords that only exist in OpenAPI and mean nothing (or something else) to JSON Schema.
const OPENAPI_ONLY: &[&str] = &[
    "example",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "deprecated",
    "externalDocs",
    "nullable",
];

/// Keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &["items", "not", "additionalProperties", "additionalItems"];

/// Keywords whose value is a list of schemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "items"];

/// Keywords whose value maps names to schemas.
const SCHEMA_MAP: &[&str] = &["properties", "patternProperties", "definitions"];

/// Converts one OpenAPI 3.0 Schema Object (or reference) to draft-4 JSON Schema.
pub(crate) fn schema(openapi: &Value) -> Value {
    let Value::Object(obj) = openapi else {
        // `true`/`false` or garbage: JSON Schema gives booleans a meaning; keep them as they are.
        return openapi.clone();
    };
    if let Some(reference) = obj.get("$ref") {
        return json!({ "$ref": reference });
    }
    let mut out = Map::new();
    for (key, value) in obj {
        if key.starts_with("x-") || OPENAPI_ONLY.contains(&key.as_str()) {
            continue;
        }
        let converted = match (key.as_str(), value) {
            (k, Value::Object(_)) if ONE_SCHEMA.contains(&k) => schema(value),
            (k, Value::Array(list)) if SCHEMA_LIST.contains(&k) => {
                Value::Array(list.iter().map(schema).collect())
            }
            (k, Value::Object(map)) if SCHEMA_MAP.contains(&k) => Value::Object(
                map.iter()
                    .map(|(name, s)| (name.clone(), schema(s)))
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    bound_integer_format(&mut out);
    if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        return make_nullable(out);
    }
    Value::Object(out)
}

/// Converts every schema of a `components.schemas` map.
pub(crate) fn components(schemas: &Map<String, Value>) -> Map<String, Value> {
    schemas
        .iter()
        .map(|(name, s)| (name.clone(), schema(s)))
        .collect()
}

/// A compilable draft-4 document that validates against `converted`, with the converted
/// components under `#/components/schemas` so that every `$ref` resolves inside it.
pub(crate) fn document(converted: &Value, components: &Map<String, Value>) -> Value {
    json!({
        "allOf": [converted],
        "components": { "schemas": components },
    })
}

/// `format: int32`/`int64` become `minimum`/`maximum` (kept when the schema's own are tighter).
fn bound_integer_format(out: &mut Map<String, Value>) {
    let (low, high) = match out.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    let tighter = |current: Option<&Value>, bound: i64, keep: fn(f64, f64) -> bool| match current
        .and_then(Value::as_f64)
    {
        // i64 → f64 loses precision only beyond 2^53, where the bound is the format's anyway.
        #[allow(clippy::cast_precision_loss)]
        Some(own) if keep(own, bound as f64) => None,
        _ => Some(Value::from(bound)),
    };
    if let Some(min) = tighter(out.get("minimum"), low, |own, b| own >= b) {
        out.insert("minimum".into(), min);
    }
    if let Some(max) = tighter(out.get("maximum"), high, |own, b| own <= b) {
        out.insert("maximum".into(), max);
    }
}

/// Lets `null` through a converted schema.
///
/// A schema that composes others (`allOf`, `anyOf`, `oneOf`) is wrapped even when it has a
/// `type`: its parts would reject `null` on their own (`nullable: true` with
/// `allOf: [$ref]` is the 3.0 way to write a nullable reference).
fn make_nullable(mut out: Map<String, Value>) -> Value {
    let null = Value::from("null");
    if ["allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| out.contains_key(*k))
    {
        return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
    }
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = Value::String(std::mem::take(t));
            out.insert("type".into(), Value::Array(vec![t, null]));
        }
        Some(Value::Array(types)) => {
            if !types.contains(&null) {
                types.push(null);
            }
        }
        _ => {
            return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
        }
    }
    if let Some(Value::Array(options)) = out.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn nullable_with_a_type_adds_null_to_type_and_enum() {
        let s = schema(&json!({"type": "string", "nullable": true, "enum": ["a"]}));
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn nullable_without_a_type_is_wrapped() {
        let s = schema(&json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]}));
        assert_eq!(
            s,
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/components/schemas/T"}]}]})
        );
    }

    #[test]
    fn nullable_composition_is_wrapped_even_with_a_type() {
        let s = schema(
            &json!({"type": "object", "nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]}),
        );
        assert_eq!(
            s,
            json!({"anyOf": [{"type": "null"}, {"type": "object", "allOf": [{"$ref": "#/components/schemas/T"}]}]})
        );
    }

    #[test]
    fn ref_siblings_are_dropped() {
        let s = schema(
            &json!({"$ref": "#/components/schemas/T", "description": "x", "nullable": true}),
        );
        assert_eq!(s, json!({"$ref": "#/components/schemas/T"}));
    }

    #[test]
    fn openapi_keywords_go_but_properties_named_like_them_stay() {
        let s = schema(&json!({
            "type": "object",
            "example": {"example": 1},
            "x-extensible-enum": ["a"],
            "readOnly": true,
            "additionalProperties": false,
            "properties": {
                "example": {"type": "integer", "example": 3, "deprecated": true},
                "nullable": {"type": "string"}
            }
        }));
        assert_eq!(
            s,
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "example": {"type": "integer"},
                    "nullable": {"type": "string"}
                }
            })
        );
    }

    #[test]
    fn integer_formats_become_bounds_unless_tighter_bounds_exist() {
        let s = schema(&json!({"type": "integer", "format": "int32", "minimum": 1}));
        assert_eq!(s["minimum"], json!(1));
        assert_eq!(s["maximum"], json!(i32::MAX));
        let s = schema(&json!({"type": "integer", "format": "int64"}));
        assert_eq!(s["minimum"], json!(i64::MIN));
        assert_eq!(s["maximum"], json!(i64::MAX));
    }

    #[test]
    fn nested_schemas_are_converted() {
        let s = schema(&json!({
            "type": "array",
            "items": {"type": "string", "nullable": true},
            "additionalProperties": {"type": "integer", "format": "int32"}
        }));
        assert_eq!(s["items"]["type"], json!(["string", "null"]));
        assert_eq!(s["additionalProperties"]["maximum"], json!(i32::MAX));
    }
}
