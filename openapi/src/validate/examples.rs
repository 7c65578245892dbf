//! Every example of the spec, validated against its schema.

use serde_json::Value;

use super::compile::{Compiler, resolve};
use super::violation::{self, Root};
use super::{METHODS, is_json};

/// Validates every `example` and `examples.*.value` of the spec against its schema: request
/// bodies, responses, parameters (of operations, path items and components) and every schema
/// node (component schemas and the inline schemas of bodies, responses and parameters).
///
/// Each problem names its place, then the field and the rule, for example
/// `paths./v1/videos/text2video.post.requestBody.example: prompt: is required`. A response or
/// parameter used by reference is checked once, where it is defined (`components.responses.X`),
/// not at every use. An empty list means every example is valid.
pub fn check_examples(spec: &openapiv3::OpenAPI) -> Vec<String> {
    match serde_json::to_value(spec) {
        Ok(value) => check_examples_in(&value),
        Err(e) => vec![format!("the spec does not serialize to JSON: {e}")],
    }
}

/// [`check_examples`] on the spec's JSON value (see [`crate::parse_value`]).
pub fn check_examples_in(spec: &Value) -> Vec<String> {
    let compiler = match Compiler::new(spec) {
        Ok(c) => c,
        Err((place, message)) => return vec![format!("{place}: {message}")],
    };
    let mut walk = Walk {
        spec,
        compiler: &compiler,
        problems: Vec::new(),
    };
    walk.document();
    walk.problems
}

struct Walk<'a> {
    spec: &'a Value,
    compiler: &'a Compiler,
    problems: Vec<String>,
}

impl Walk<'_> {
    fn document(&mut self) {
        let spec = self.spec;
        for (path, item) in entries(spec.get("paths")) {
            let item_place = format!("paths.{path}");
            self.parameters(&item_place, item.get("parameters"));
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let place = format!("{item_place}.{method}");
                self.parameters(&place, op.get("parameters"));
                if let Some(body) = op.get("requestBody").filter(|b| !is_ref(b)) {
                    self.content(&format!("{place}.requestBody"), body);
                }
                for (code, response) in entries(op.get("responses")) {
                    if !is_ref(response) {
                        self.content(&format!("{place}.responses.{code}"), response);
                    }
                }
            }
        }
        let components = spec.get("components");
        let section = |name: &str| entries(components.and_then(|c| c.get(name)));
        for (name, p) in section("parameters") {
            if !is_ref(p) {
                self.parameter(&format!("components.parameters.{name}"), p);
            }
        }
        for kind in ["requestBodies", "responses"] {
            for (name, holder) in section(kind) {
                if !is_ref(holder) {
                    self.content(&format!("components.{kind}.{name}"), holder);
                }
            }
        }
        for (name, schema) in section("schemas") {
            self.schema_node(&format!("components.schemas.{name}"), schema);
        }
    }

    fn parameters(&mut self, place: &str, list: Option<&Value>) {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            if is_ref(p) {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            self.parameter(&format!("{place}.parameters.{name}"), p);
        }
    }

    fn parameter(&mut self, place: &str, p: &Value) {
        let label = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("value")
            .to_owned();
        if let Some(schema) = p.get("schema") {
            self.examples_of(
                place,
                p,
                schema,
                Root {
                    label: &label,
                    prefix_inner: true,
                },
            );
            self.schema_node(&format!("{place}.schema"), schema);
        }
        if p.get("content").is_some() {
            self.content(place, p);
        }
    }

    /// The media types of a request body, response or parameter.
    fn content(&mut self, place: &str, holder: &Value) {
        for (media_type, media) in entries(holder.get("content")) {
            if !is_json(media_type) {
                continue;
            }
            let place = if media_type == "application/json" {
                place.to_owned()
            } else {
                format!("{place}.content.{media_type}")
            };
            let Some(schema) = media.get("schema") else {
                continue;
            };
            self.examples_of(&place, media, schema, Root::BODY);
            self.schema_node(&format!("{place}.schema"), schema);
        }
    }

    /// `example` and `examples.*.value` of `holder`, against `schema`.
    fn examples_of(&mut self, place: &str, holder: &Value, schema: &Value, root: Root<'_>) {
        let mut found: Vec<(String, &Value)> = Vec::new();
        if let Some(example) = holder.get("example") {
            found.push((format!("{place}.example"), example));
        }
        for (name, example) in entries(holder.get("examples")) {
            if let Some(value) = resolve(self.spec, example).get("value") {
                found.push((format!("{place}.examples.{name}.value"), value));
            }
        }
        if found.is_empty() {
            return;
        }
        let compiled = match self.compiler.compile(schema) {
            Ok(c) => c,
            Err(e) => {
                self.problems.push(format!("{place}.schema: {e}"));
                return;
            }
        };
        for (at, value) in found {
            for v in violation::from_errors(compiled.iter_errors(value), root) {
                self.problems.push(format!("{at}: {v}"));
            }
        }
    }

    /// A schema's own `example`, then the schemas inside it. References are checked where
    /// they are defined.
    fn schema_node(&mut self, place: &str, schema: &Value) {
        if is_ref(schema) || !schema.is_object() {
            return;
        }
        if let Some(example) = schema.get("example") {
            match self.compiler.compile(schema) {
                Ok(compiled) => {
                    for v in violation::from_errors(compiled.iter_errors(example), Root::VALUE) {
                        self.problems.push(format!("{place}.example: {v}"));
                    }
                }
                Err(e) => self.problems.push(format!("{place}: {e}")),
            }
        }
        for key in ["items", "not", "additionalProperties"] {
            if let Some(inner) = schema.get(key).filter(|s| s.is_object()) {
                self.schema_node(&format!("{place}.{key}"), inner);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for (i, inner) in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                self.schema_node(&format!("{place}.{key}[{i}]"), inner);
            }
        }
        for (name, inner) in entries(schema.get("properties")) {
            self.schema_node(&format!("{place}.properties.{name}"), inner);
        }
    }
}

fn is_ref(v: &Value) -> bool {
    v.get("$ref").is_some()
}

/// The entries of an object (none for anything else).
fn entries(v: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    v.and_then(Value::as_object).into_iter().flatten()
}
