//! Compiling converted schemas into draft-4 validators, sharing the component validators.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Draft;
use serde_json::{Map, Value};

use super::convert;

/// A compiled validator, shared between the places that use the same schema.
pub(crate) type Compiled = Arc<jsonschema::Validator>;

/// Compiles schemas of one spec: every document carries the spec's converted components.
pub(crate) struct Compiler {
    components: Map<String, Value>,
    by_component: HashMap<String, Compiled>,
}

impl Compiler {
    /// Converts the components of `spec` and compiles one validator for each.
    pub(crate) fn new(spec: &Value) -> Result<Self, (String, String)> {
        let raw = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut compiler = Compiler {
            components: convert::components(&raw),
            by_component: HashMap::new(),
        };
        let names: Vec<String> = compiler.components.keys().cloned().collect();
        for name in names {
            let reference = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
            let compiled = compiler
                .build(&reference)
                .map_err(|e| (format!("components.schemas.{name}"), e))?;
            compiler.by_component.insert(name, compiled);
        }
        Ok(compiler)
    }

    /// The validator of `components.schemas.<name>`.
    pub(crate) fn component(&self, name: &str) -> Option<&Compiled> {
        self.by_component.get(name)
    }

    /// The names of all components, sorted.
    pub(crate) fn component_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.by_component.keys().cloned().collect();
        names.sort();
        names
    }

    /// Compiles an OpenAPI Schema Object (converting it first); a plain
    /// `$ref: '#/components/schemas/X'` reuses X's validator.
    pub(crate) fn compile(&self, openapi_schema: &Value) -> Result<Compiled, String> {
        if let Some(name) = component_ref(openapi_schema) {
            return self
                .by_component
                .get(name)
                .cloned()
                .ok_or_else(|| format!("`$ref` to an unknown schema `{name}`"));
        }
        self.build(&convert::schema(openapi_schema))
    }

    fn build(&self, converted: &Value) -> Result<Compiled, String> {
        let document = convert::document(converted, &self.components);
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .build(&document)
            .map(Arc::new)
            .map_err(|e| format!("cannot compile the schema: {e}"))
    }
}

/// `X` when `schema` is a `$ref` to `#/components/schemas/X`.
pub(crate) fn component_ref(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// Follows `$ref`s to `#/components/<section>/X` (in 3.0 a reference ignores its siblings).
pub(crate) fn resolve<'a>(spec: &'a Value, mut item: &'a Value) -> &'a Value {
    // A cycle of references would loop forever; the depth bound keeps a broken spec harmless.
    for _ in 0..16 {
        let Some(reference) = item.get("$ref").and_then(Value::as_str) else {
            return item;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return item;
        };
        match spec.pointer(pointer) {
            Some(target) => item = target,
            None => return item,
        }
    }
    item
}
