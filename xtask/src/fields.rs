//! Flattens an OpenAPI document into what a diff compares: its operations, and for each one the
//! fields of its JSON request and response bodies, one entry per field path (`prompt`,
//! `input.image`, `image_list[].image`, `data.task_result.videos[].url`).
//!
//! The document is parsed by `nicerouter_kling_spec::parse` (so it is a valid OpenAPI 3.0
//! document) and listed by `nicerouter_kling_spec::operations`; the schemas are walked on the
//! parsed document serialised back to JSON, where `$ref`s of any component kind resolve by
//! JSON pointer and `type`, `enum` and the bounds read the same in every schema form.

use std::collections::{BTreeMap, BTreeSet};

use nicerouter_kling_spec::openapiv3::OpenAPI;
use serde_json::Value;

/// What a diff knows about one field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field {
    /// Required in its object (array items and the body itself count as required).
    pub required: bool,
    /// JSON types (`string`, `integer`, …), `null` when nullable, `ref:Name` for a recursion.
    pub types: BTreeSet<String>,
    /// The closed `enum`, as JSON texts, when there is one.
    pub closed: Option<BTreeSet<String>>,
    /// The known values of an open vocabulary (`x-extensible-enum`).
    pub open: BTreeSet<String>,
    /// Limits: `minLength`, `maxLength`, `minimum`, `maximum`, `exclusiveMinimum`,
    /// `exclusiveMaximum`, `minItems`, `maxItems`, `pattern`, `format`, `multipleOf`,
    /// `additionalProperties` (only `false` is kept).
    pub bounds: BTreeMap<String, Value>,
    /// Prose and SDK hints: `description`, `title`, `x-name`, `x-media`.
    pub text: BTreeMap<String, String>,
}

/// Every field of a body, by path; the body itself is the empty path.
pub type Fields = BTreeMap<String, Field>;

/// One operation, as the diff sees it.
#[derive(Debug, Clone, Default)]
pub struct Op {
    /// `POST /v1/videos/text2video`.
    pub key: String,
    /// The `operationId`.
    pub operation_id: String,
    /// The summary, when there is one.
    pub summary: Option<String>,
    /// The first tag.
    pub tag: Option<String>,
    /// Operation-level text and SDK hints: `summary`, `description`, `x-sdk`.
    pub text: BTreeMap<String, String>,
    /// The query parameters' names.
    pub query: BTreeSet<String>,
    /// The JSON request body's fields (empty when there is no body).
    pub request: Fields,
    /// The JSON fields of the first 2xx response.
    pub response: Fields,
}

/// Every operation of a parsed document, by key (`METHOD /path`).
pub fn operations(spec: &OpenAPI) -> BTreeMap<String, Op> {
    let doc = serde_json::to_value(spec).unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    for op in nicerouter_kling_spec::operations(spec) {
        let method = op.method.as_str().to_ascii_lowercase();
        let raw = doc
            .get("paths")
            .and_then(|p| p.get(&op.path))
            .and_then(|item| item.get(&method))
            .cloned()
            .unwrap_or(Value::Null);
        let key = format!("{} {}", op.method.as_str(), op.path);
        let mut text = BTreeMap::new();
        for name in ["summary", "description", "x-sdk"] {
            if let Some(v) = raw.get(name) {
                text.insert(name.to_owned(), plain(v));
            }
        }
        let request = raw
            .get("requestBody")
            .map(|b| deref(&doc, b))
            .and_then(json_schema)
            .map(|s| flatten(&doc, s))
            .unwrap_or_default();
        let response = first_success(&doc, &raw)
            .map(|s| flatten(&doc, s))
            .unwrap_or_default();
        out.insert(
            key.clone(),
            Op {
                key,
                operation_id: op.operation_id,
                summary: op.summary,
                tag: op.tag,
                text,
                query: op.query_params.into_iter().collect(),
                request,
                response,
            },
        );
    }
    out
}

/// A value as plain text: strings as they are, anything else as compact JSON.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Follows `$ref`s (any `#/...` pointer) until a value that is not a reference.
fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// The JSON schema of a request body or response (`content["application/json"].schema`, or
/// the first content type whose name ends in `json`).
fn json_schema(body: &Value) -> Option<&Value> {
    let content = body.get("content")?.as_object()?;
    let media = content.get("application/json").or_else(|| {
        content
            .iter()
            .find(|(k, _)| k.ends_with("json"))
            .map(|(_, v)| v)
    })?;
    // The reference itself is kept: `flatten` resolves it and guards recursion.
    media.get("schema")
}

/// The schema of the first 2xx response (`200` first).
fn first_success<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
    codes.sort();
    codes
        .into_iter()
        .find_map(|code| json_schema(deref(doc, &responses[code])))
}

/// Every field of `schema`, resolving references in `doc`.
pub fn flatten(doc: &Value, schema: &Value) -> Fields {
    let mut out = Fields::new();
    walk(doc, schema, "", true, &mut Vec::new(), &mut out);
    out
}

/// `parent.child`, or `child` at the top.
fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

const BOUNDS: [&str; 11] = [
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "pattern",
    "format",
    "multipleOf",
];

fn walk(
    doc: &Value,
    schema: &Value,
    path: &str,
    required: bool,
    stack: &mut Vec<String>,
    out: &mut Fields,
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if stack.iter().any(|s| s == r) || stack.len() > 24 {
            let name = r.rsplit('/').next().unwrap_or(r);
            merge(
                out,
                path,
                Field {
                    required,
                    types: [format!("ref:{name}")].into(),
                    ..Field::default()
                },
                Join::All,
            );
            return;
        }
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            return;
        };
        stack.push(r.to_owned());
        walk(doc, target, path, required, stack, out);
        stack.pop();
        return;
    }

    let mut here = Field {
        required,
        ..Field::default()
    };
    match schema.get("type") {
        Some(Value::String(t)) => {
            here.types.insert(t.clone());
        }
        Some(Value::Array(ts)) => here.types.extend(ts.iter().map(plain)),
        _ => {}
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        here.types.insert("null".to_owned());
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        here.closed = Some(values.iter().map(Value::to_string).collect());
    }
    if let Some(Value::Array(values)) = schema.get("x-extensible-enum") {
        here.open = values.iter().map(Value::to_string).collect();
    }
    for name in BOUNDS {
        if let Some(v) = schema.get(name) {
            // openapiv3 writes `exclusiveMinimum: false` for every number; false is no bound.
            if v != &Value::Bool(false) {
                here.bounds.insert(name.to_owned(), v.clone());
            }
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        here.bounds
            .insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    for name in ["description", "title", "x-name", "x-media"] {
        if let Some(v) = schema.get(name) {
            here.text.insert(name.to_owned(), plain(v));
        }
    }
    merge(out, path, here, Join::All);

    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            walk(doc, part, path, required, stack, out);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(variants)) = schema.get(key) {
            // A field is required only when every variant requires it.
            let mut seen: Vec<Fields> = Vec::new();
            for variant in variants {
                let mut one = Fields::new();
                walk(doc, variant, path, required, stack, &mut one);
                seen.push(one);
            }
            let all: BTreeSet<&String> = seen.iter().flat_map(|f| f.keys()).collect();
            for field_path in all {
                for one in &seen {
                    match one.get(field_path) {
                        Some(f) => merge(out, field_path, f.clone(), Join::Any),
                        None if field_path != path => merge(
                            out,
                            field_path,
                            Field {
                                required: false,
                                ..Field::default()
                            },
                            Join::Any,
                        ),
                        None => {}
                    }
                }
            }
        }
    }
    if let Some(Value::Object(props)) = schema.get("properties") {
        let needed: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, child) in props {
            walk(
                doc,
                child,
                &join(path, name),
                needed.contains(name.as_str()),
                stack,
                out,
            );
        }
    }
    if let Some(extra @ Value::Object(_)) = schema.get("additionalProperties") {
        walk(doc, extra, &join(path, "*"), false, stack, out);
    }
    if let Some(items) = schema.get("items") {
        walk(doc, items, &format!("{path}[]"), true, stack, out);
    }
}

/// How a second sighting of the same path combines with the first.
#[derive(Clone, Copy)]
enum Join {
    /// Both hold (`allOf`, or the schema and its own composition): required if either says so.
    All,
    /// Either holds (`oneOf`/`anyOf` variants): required only if both say so.
    Any,
}

fn merge(out: &mut Fields, path: &str, new: Field, join: Join) {
    let Some(old) = out.get_mut(path) else {
        out.insert(path.to_owned(), new);
        return;
    };
    old.required = match join {
        Join::All => old.required || new.required,
        Join::Any => old.required && new.required,
    };
    old.types.extend(new.types);
    old.closed = match (old.closed.take(), new.closed) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(a)
        }
        (a, b) => a.or(b),
    };
    old.open.extend(new.open);
    for (k, v) in new.bounds {
        old.bounds.entry(k).or_insert(v);
    }
    for (k, v) in new.text {
        old.text.entry(k).or_insert(v);
    }
}

/// A field path for people: the body itself is `(body)`.
pub fn display(path: &str) -> &str {
    if path.is_empty() { "(body)" } else { path }
}
