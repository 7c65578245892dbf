//! Validation of requests, responses and examples against the spec (feature `validate`).
//!
//! The spec's OpenAPI 3.0 schemas are converted to draft-4 JSON Schema (handling `nullable`,
//! `$ref` siblings, integer formats and OpenAPI-only keywords) and compiled with
//! [`jsonschema`] once. A [`Validator`] then checks what a client sends or a server answers,
//! and reports every broken rule as a [`Violation`] that names the field and the rule:
//!
//! ```
//! use nicerouter_kling_spec::validate::Validator;
//! use serde_json::json;
//!
//! let validator = Validator::embedded();
//! let body = json!({ "prompt": "a cat", "sound": "loud", "bogus": 1 });
//! let problems = validator
//!     .validate_request("create_text2video", &[], &[], Some(&body))
//!     .unwrap_err();
//! let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
//! assert!(messages.contains(&"sound: must be one of on, off".to_owned()));
//! assert!(messages.contains(&"bogus: unknown field `bogus`".to_owned()));
//!
//! let page = [("pageSize".to_owned(), "501".to_owned())];
//! let problems = validator.validate_request("list_text2video", &[], &page, None).unwrap_err();
//! assert_eq!(problems[0].to_string(), "pageSize: must be at most 500");
//! ```
//!
//! [`check_examples`] validates every example of the spec itself (`cargo xtask check`).

mod compile;
mod convert;
mod examples;
mod violation;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

pub use examples::{check_examples, check_examples_in};
pub use violation::Violation;

use compile::{Compiled, Compiler, resolve};
use violation::Root;

/// The HTTP methods an OpenAPI path item may hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A spec whose schemas could not be compiled into validators.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{place}: {message}")]
pub struct BuildError {
    /// Where in the spec, for example `components.schemas.Task`.
    pub place: String,
    /// What went wrong.
    pub message: String,
}

/// Validators for every operation and component schema of one spec, compiled once.
pub struct Validator {
    operations: HashMap<String, OperationRules>,
    compiler: Compiler,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ops: Vec<&String> = self.operations.keys().collect();
        ops.sort();
        f.debug_struct("Validator")
            .field("operations", &ops)
            .finish_non_exhaustive()
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamIn {
    Path,
    Query,
    /// Headers and cookies: known to the spec, not checked here.
    Other,
}

/// How a parameter's text is read as a JSON value before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coerce {
    Integer,
    Number,
    Boolean,
    Text,
}

struct ParamRule {
    name: String,
    location: ParamIn,
    required: bool,
    coerce: Coerce,
    schema: Compiled,
}

struct OperationRules {
    params: Vec<ParamRule>,
    /// The JSON request body's schema and whether the body is required.
    body: Option<(Compiled, bool)>,
    /// Response keys (`200`, `4XX`, `default`) and the JSON schema of each, if it has one.
    responses: Vec<(String, Option<Compiled>)>,
}

static EMBEDDED: LazyLock<Validator> = LazyLock::new(|| {
    // The embedded spec is checked by this crate's tests; failing here is a build defect.
    #[allow(clippy::expect_used)]
    let spec =
        crate::parse_value(crate::SPEC_YAML).expect("the embedded spec parses (checked by tests)");
    #[allow(clippy::expect_used)]
    Validator::new(&spec).expect("the embedded spec compiles into validators (checked by tests)")
});

impl Validator {
    /// The validator of the embedded spec, built on first use.
    pub fn embedded() -> &'static Validator {
        &EMBEDDED
    }

    /// Builds the validators of a spec given as its JSON value (see [`crate::parse_value`]).
    pub fn new(spec: &Value) -> Result<Validator, BuildError> {
        let compiler =
            Compiler::new(spec).map_err(|(place, message)| BuildError { place, message })?;
        let mut operations = HashMap::new();
        let paths = spec.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            let item = resolve(spec, item);
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let place = format!("paths.{path}.{method}");
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let rules =
                    operation_rules(spec, &compiler, item, op).map_err(|(at, message)| {
                        BuildError {
                            place: format!("{place}.{at}"),
                            message,
                        }
                    })?;
                operations.insert(id.to_owned(), rules);
            }
        }
        Ok(Validator {
            operations,
            compiler,
        })
    }

    /// The operation ids this validator knows, sorted.
    pub fn operation_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.operations.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// Checks a request to `operation_id`: its path parameters, its query parameters (read
    /// as integers, numbers or booleans where the parameter's schema says so) and its JSON
    /// body. Headers are not checked. Unknown query parameters are ignored, as Kling does.
    pub fn validate_request(
        &self,
        operation_id: &str,
        path_params: &[(String, String)],
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<(), Vec<Violation>> {
        let op = self.operation(operation_id)?;
        let mut problems = Vec::new();
        for rule in &op.params {
            let given = match rule.location {
                ParamIn::Path => path_params,
                ParamIn::Query => query,
                ParamIn::Other => continue,
            };
            match given.iter().find(|(name, _)| *name == rule.name) {
                Some((_, text)) => problems.extend(check_param(rule, text)),
                None if rule.required => {
                    problems.push(Violation::new(&rule.name, "", "is required"))
                }
                None => {}
            }
        }
        match (&op.body, body) {
            (Some((schema, _)), Some(body)) => {
                problems.extend(violation::from_errors(schema.iter_errors(body), Root::BODY));
            }
            (Some((_, true)), None) => problems.push(Violation::new("body", "", "is required")),
            _ => {}
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Checks a JSON response of `operation_id` with HTTP `status`, against the response
    /// declared for that exact status, else its range (`4XX`, `5XX`), else `default`.
    /// A response without a JSON schema accepts any body.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<Violation>> {
        let op = self.operation(operation_id)?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let declared = [exact.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|key| {
                op.responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
            });
        match declared {
            None => Err(vec![Violation::new(
                "status",
                "",
                format!("HTTP {status} is not a declared response of `{operation_id}`"),
            )]),
            Some((_, None)) => Ok(()),
            Some((_, Some(schema))) => {
                into_result(violation::from_errors(schema.iter_errors(body), Root::BODY))
            }
        }
    }

    /// Checks `value` against `components.schemas.<name>`. The whole value is the field `value`.
    pub fn validate_component(&self, name: &str, value: &Value) -> Result<(), Vec<Violation>> {
        let Some(schema) = self.compiler.component(name) else {
            return Err(vec![Violation::new(
                "schema",
                "",
                format!("unknown component schema `{name}`"),
            )]);
        };
        into_result(violation::from_errors(
            schema.iter_errors(value),
            Root::VALUE,
        ))
    }

    /// The names of the component schemas, sorted.
    pub fn component_names(&self) -> Vec<String> {
        self.compiler.component_names()
    }

    fn operation(&self, operation_id: &str) -> Result<&OperationRules, Vec<Violation>> {
        self.operations.get(operation_id).ok_or_else(|| {
            vec![Violation::new(
                "operation",
                "",
                format!("unknown operation `{operation_id}`"),
            )]
        })
    }
}

fn into_result(problems: Vec<Violation>) -> Result<(), Vec<Violation>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Reads a parameter's text as its schema's type and validates it.
fn check_param(rule: &ParamRule, text: &str) -> Vec<Violation> {
    let value = match rule.coerce {
        Coerce::Integer => match text.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => return vec![Violation::new(&rule.name, "", "must be an integer")],
        },
        Coerce::Number => match text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Value::Number(n),
            None => return vec![Violation::new(&rule.name, "", "must be a number")],
        },
        Coerce::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return vec![Violation::new(&rule.name, "", "must be true or false")],
        },
        Coerce::Text => Value::String(text.to_owned()),
    };
    let root = Root {
        label: &rule.name,
        prefix_inner: true,
    };
    violation::from_errors(rule.schema.iter_errors(&value), root)
}

fn operation_rules(
    spec: &Value,
    compiler: &Compiler,
    item: &Value,
    op: &Value,
) -> Result<OperationRules, (String, String)> {
    // Operation-level parameters override path-level ones with the same name and location.
    let mut declared: Vec<&Value> = Vec::new();
    for list in [op.get("parameters"), item.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(spec, p);
            let key = (p.get("name"), p.get("in"));
            if !declared.iter().any(|d| (d.get("name"), d.get("in")) == key) {
                declared.push(p);
            }
        }
    }
    let mut params = Vec::new();
    for p in declared {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let place = format!("parameters.{name}");
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            _ => ParamIn::Other,
        };
        let raw_schema = p
            .get("schema")
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()));
        let coerce = match resolve(spec, &raw_schema)
            .get("type")
            .and_then(Value::as_str)
        {
            Some("integer") => Coerce::Integer,
            Some("number") => Coerce::Number,
            Some("boolean") => Coerce::Boolean,
            _ => Coerce::Text,
        };
        let schema = compiler
            .compile(&raw_schema)
            .map_err(|e| (place.clone(), e))?;
        let required =
            location == ParamIn::Path || p.get("required").and_then(Value::as_bool) == Some(true);
        params.push(ParamRule {
            name,
            location,
            required,
            coerce,
            schema,
        });
    }
    let body = match op.get("requestBody").map(|b| resolve(spec, b)) {
        Some(b) => {
            let required = b.get("required").and_then(Value::as_bool) == Some(true);
            json_schema(compiler, b)
                .map_err(|e| ("requestBody".to_owned(), e))?
                .map(|schema| (schema, required))
        }
        None => None,
    };
    let mut responses = Vec::new();
    for (key, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let schema =
            json_schema(compiler, resolve(spec, r)).map_err(|e| (format!("responses.{key}"), e))?;
        responses.push((key.clone(), schema));
    }
    Ok(OperationRules {
        params,
        body,
        responses,
    })
}

/// The compiled schema of the `application/json` (or `*+json`) content of a body or response.
fn json_schema(compiler: &Compiler, holder: &Value) -> Result<Option<Compiled>, String> {
    let content = holder.get("content").and_then(Value::as_object);
    let media = content
        .into_iter()
        .flatten()
        .find(|(mt, _)| is_json(mt))
        .map(|(_, m)| m);
    match media.and_then(|m| m.get("schema")) {
        Some(schema) => compiler.compile(schema).map(Some),
        None => Ok(None),
    }
}

/// Whether a media type carries JSON.
pub(crate) fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}
