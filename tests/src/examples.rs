//! The spec's own examples, per operation.

use std::sync::LazyLock;

use nicerouter_kling_spec::Operation;
use serde_json::Value;

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap_or_default()
});

/// The embedded spec as a JSON value.
pub fn spec_value() -> &'static Value {
    &SPEC
}

fn operation(op: &Operation) -> &'static Value {
    &SPEC["paths"][&op.path][op.method.as_str().to_lowercase()]
}

/// The request body example of a create operation (`Null` for others).
pub fn request_example(op: &Operation) -> Value {
    operation(op)["requestBody"]["content"]["application/json"]["example"].clone()
}

/// The examples of the response for `status` (`"200"`, `"4XX"`, …), following
/// `#/components/responses/…` references: `example`, or every `examples.*.value`.
pub fn response_example(op: &Operation, status: &str) -> Vec<Value> {
    let mut response = &operation(op)["responses"][status];
    if let Some(r) = response["$ref"].as_str() {
        response =
            &SPEC["components"]["responses"][r.trim_start_matches("#/components/responses/")];
    }
    let media = &response["content"]["application/json"];
    if !media["example"].is_null() {
        return vec![media["example"].clone()];
    }
    media["examples"]
        .as_object()
        .map(|m| m.values().map(|e| e["value"].clone()).collect())
        .unwrap_or_default()
}
