//! Rules a spec must follow before it is handed to progenitor.
//!
//! Each rule exists because breaking it either panics the generator or produces a client that
//! fails on real relay traffic (`../shared/reference/progenitor.md` §4 and §9).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use nicerouter_kling_spec::{OperationRole, operations, resolve_response};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, Type};

/// One broken rule, with the place in the spec where it is broken.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where, as a dotted path into the document, for example
    /// `paths./v1/videos/text2video.post.responses.default`.
    pub location: String,
    /// The rule's short name, for example `no-default-response`.
    pub rule: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.location, self.rule, self.message)
    }
}

/// Checks `spec` against every rule and returns the problems found, sorted.
pub fn lint(spec: &OpenAPI) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |location: String, rule: &'static str, message: String| {
        problems.push(Problem {
            location,
            rule,
            message,
        });
    };

    if !spec.openapi.starts_with("3.0.") {
        push(
            "openapi".into(),
            "openapi-3-0",
            format!(
                "version {} is not 3.0.x; progenitor only reads OpenAPI 3.0",
                spec.openapi
            ),
        );
    }

    let mut ids = BTreeMap::<String, String>::new();
    let mut response_roots = BTreeSet::<String>::new();
    let mut request_roots = BTreeSet::<String>::new();

    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            push(
                format!("paths.{path}"),
                "no-path-ref",
                "path items may not be $refs".into(),
            );
            continue;
        };
        for (method, op) in item.iter() {
            let at = format!("paths.{path}.{method}");
            match op.operation_id.as_deref() {
                None | Some("") => push(
                    at.clone(),
                    "operation-id",
                    "operation has no operationId".into(),
                ),
                Some(id) => {
                    if let Some(prev) = ids.insert(id.to_owned(), at.clone()) {
                        push(
                            at.clone(),
                            "operation-id",
                            format!("operationId `{id}` is also used by {prev}"),
                        );
                    }
                }
            }
            if op.summary.as_deref().is_none_or(str::is_empty) {
                push(
                    at.clone(),
                    "operation-summary",
                    "operation has no summary".into(),
                );
            }
            if op.description.as_deref().is_none_or(str::is_empty) {
                push(
                    at.clone(),
                    "operation-description",
                    "operation has no description of Kling's quirks".into(),
                );
            }
            if op.tags.is_empty() {
                push(at.clone(), "operation-tag", "operation has no tag".into());
            }
            if let Some(sdk) = op.extensions.get("x-sdk") {
                let fields = SdkFields {
                    is_object: sdk.is_object(),
                    cli: sdk.get("cli").and_then(|c| c.as_str()),
                    kind: sdk.get("kind").map(|k| k.as_str()),
                    results: sdk.get("results").map(|r| r.as_str()),
                };
                let creates_task = method == "post" && !path.contains('{');
                for message in fields.problems(creates_task) {
                    push(at.clone(), "x-sdk", message);
                }
            }

            if let Some(body) = &op.request_body {
                match body {
                    ReferenceOr::Reference { .. } => push(
                        format!("{at}.requestBody"),
                        "request-body-inline",
                        "write the request body inline, with a $ref schema".into(),
                    ),
                    ReferenceOr::Item(body) => {
                        let types: Vec<_> = body.content.keys().collect();
                        if types != ["application/json"] {
                            push(
                                format!("{at}.requestBody"),
                                "one-json-media-type",
                                format!(
                                    "exactly one media type, application/json, is allowed; found {types:?}"
                                ),
                            );
                        }
                        for media in body.content.values() {
                            if let Some(schema) = &media.schema {
                                collect_refs(schema, &mut request_roots);
                            }
                        }
                    }
                }
            }

            let mut success = BTreeSet::new();
            let mut failure = BTreeSet::new();
            if op.responses.default.is_some() {
                push(
                    format!("{at}.responses.default"),
                    "no-default-response",
                    "a `default` response panics progenitor; declare 4XX and 5XX instead".into(),
                );
            }
            for (code, response) in &op.responses.responses {
                let is_success = match code {
                    StatusCode::Code(c) => (200..300).contains(c),
                    StatusCode::Range(r) => *r == 2,
                };
                let Some(resolved) = resolve_response(spec, response) else {
                    push(
                        format!("{at}.responses.{code}"),
                        "response-ref",
                        "response $ref does not resolve".into(),
                    );
                    continue;
                };
                for (media_type, media) in &resolved.content {
                    let name = media
                        .schema
                        .as_ref()
                        .map(schema_label)
                        .unwrap_or_else(|| "<none>".into());
                    if let Some(schema) = &media.schema {
                        collect_refs(schema, &mut response_roots);
                    }
                    if media_type != "application/json" {
                        push(
                            format!("{at}.responses.{code}"),
                            "json-responses",
                            format!("response media type {media_type} is not application/json"),
                        );
                    }
                    if is_success {
                        &mut success
                    } else {
                        &mut failure
                    }
                    .insert(name);
                }
            }
            if success.is_empty() {
                push(
                    format!("{at}.responses"),
                    "one-success-schema",
                    "no 2xx JSON response is declared".into(),
                );
            }
            if success.len() > 1 {
                push(
                    format!("{at}.responses"),
                    "one-success-schema",
                    format!(
                        "2xx responses use {} different schemas {success:?}; progenitor allows one",
                        success.len()
                    ),
                );
            }
            if failure.len() > 1 {
                push(
                    format!("{at}.responses"),
                    "one-error-schema",
                    format!(
                        "error responses use {} different schemas {failure:?}; progenitor allows one",
                        failure.len()
                    ),
                );
            }
        }
    }

    // Every task create has its get and its list. Plain operations (an `x-sdk` without a
    // `kind`: TTS, face identification, deletions, …) answer at once and have neither; the
    // spec crate gives them the role `Other`, so they are not checked here.
    let ops = operations(spec);
    for create in ops.iter().filter(|o| o.role == OperationRole::Create) {
        for (role, what) in [
            (OperationRole::Get, "get (GET …/{task_id})"),
            (OperationRole::List, "list (GET)"),
        ] {
            let found = ops
                .iter()
                .any(|o| o.role == role && o.path.trim_end_matches("/{task_id}") == create.path);
            if !found {
                push(
                    format!("paths.{}.post", create.path),
                    "create-has-get-and-list",
                    format!(
                        "create `{}` has no {what} operation on the same path",
                        create.operation_id
                    ),
                );
            }
        }
    }

    // Schema rules, on everything reachable from responses and from request bodies.
    let schemas = spec.components.as_ref().map(|c| &c.schemas);
    let lookup = |name: &str| match schemas.and_then(|s| s.get(name)) {
        Some(ReferenceOr::Item(s)) => Some(s),
        _ => None,
    };
    for name in reachable(&response_roots, &lookup) {
        let Some(schema) = lookup(&name) else {
            push(
                format!("components.schemas.{name}"),
                "schema-ref",
                "referenced schema does not exist".into(),
            );
            continue;
        };
        walk(
            schema,
            &format!("components.schemas.{name}"),
            &mut |at, s| {
                if has_enum(s) {
                    push(
                    at.to_owned(),
                    "no-closed-response-enum",
                    "a response schema has a closed `enum`, so a new value would fail the whole call; \
                     use a string with `x-extensible-enum`"
                        .into(),
                );
                }
                if let SchemaKind::Type(Type::Object(o)) = &s.schema_kind
                    && matches!(
                        o.additional_properties,
                        Some(openapiv3::AdditionalProperties::Any(false))
                    )
                {
                    push(
                    at.to_owned(),
                    "open-response-objects",
                    "`additionalProperties: false` on a response schema rejects fields relays add".into(),
                );
                }
            },
        );
    }
    for name in reachable(&request_roots, &lookup) {
        let Some(schema) = lookup(&name) else {
            push(
                format!("components.schemas.{name}"),
                "schema-ref",
                "referenced schema does not exist".into(),
            );
            continue;
        };
        walk(
            schema,
            &format!("components.schemas.{name}"),
            &mut |at, s| {
                if s.schema_data.default.is_some() {
                    push(
                    at.to_owned(),
                    "no-request-defaults",
                    "progenitor always serializes a schema `default`; document the default in the description".into(),
                );
                }
            },
        );
    }

    problems.sort();
    problems.dedup();
    problems
}

/// Where a task kind's output lands in `task_result`.
const SDK_RESULTS: &[&str] = &["videos", "images", "audios", "voices", "elements"];

/// The members of an operation's `x-sdk` extension (a member that is present but not a
/// string is `Some(None)`).
struct SdkFields<'a> {
    is_object: bool,
    cli: Option<&'a str>,
    kind: Option<Option<&'a str>>,
    results: Option<Option<&'a str>>,
}

impl SdkFields<'_> {
    /// What is wrong: `x-sdk` must be an object with the CLI words in `cli`; a `kind` (a task
    /// kind's Rust variant, with its `results`) only on a POST that creates a task, and a plain
    /// operation has neither.
    fn problems(&self, creates_task: bool) -> Vec<String> {
        if !self.is_object {
            return vec!["`x-sdk` must be an object".into()];
        }
        let mut problems = Vec::new();
        if self.cli.is_none_or(|c| c.trim().is_empty()) {
            problems.push("`x-sdk.cli` must name the command words".into());
        }
        match self.kind {
            None => {
                if self.results.is_some() {
                    problems.push("`x-sdk.results` needs a `kind`".into());
                }
            }
            Some(kind) => {
                let is_variant = kind.is_some_and(|k| {
                    k.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                        && k.chars().all(|c| c.is_ascii_alphanumeric())
                });
                if !is_variant {
                    problems.push(
                        "`x-sdk.kind` must be a Rust variant name such as `OmniVideo`".into(),
                    );
                }
                if !creates_task {
                    problems.push(
                        "`x-sdk.kind` belongs on the POST that creates a task (no path parameters)"
                            .into(),
                    );
                }
                if !self
                    .results
                    .flatten()
                    .is_some_and(|r| SDK_RESULTS.contains(&r))
                {
                    problems.push(format!(
                        "`x-sdk.results` must be one of {}",
                        SDK_RESULTS.join(", ")
                    ));
                }
            }
        }
        problems
    }
}

fn schema_label(schema: &ReferenceOr<Schema>) -> String {
    match schema {
        ReferenceOr::Reference { reference } => reference.clone(),
        ReferenceOr::Item(_) => "<inline>".into(),
    }
}

fn has_enum(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => !t.enumeration.is_empty(),
        SchemaKind::Type(Type::Integer(t)) => !t.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(t)) => !t.enumeration.is_empty(),
        SchemaKind::Any(a) => !a.enumeration.is_empty(),
        _ => false,
    }
}

/// Adds the names of the component schemas `schema` refers to (directly) to `out`.
fn collect_refs(schema: &ReferenceOr<Schema>, out: &mut BTreeSet<String>) {
    match schema {
        ReferenceOr::Reference { reference } => {
            if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                out.insert(name.to_owned());
            }
        }
        ReferenceOr::Item(s) => children(s, &mut |c| collect_refs(c, out)),
    }
}

fn collect_boxed_refs(schema: &ReferenceOr<Box<Schema>>, out: &mut BTreeSet<String>) {
    match schema {
        ReferenceOr::Reference { reference } => collect_refs(
            &ReferenceOr::Reference {
                reference: reference.clone(),
            },
            out,
        ),
        ReferenceOr::Item(s) => children(s, &mut |c| collect_refs(c, out)),
    }
}

/// The transitive closure of component names reachable from `roots`.
fn reachable<'a>(
    roots: &BTreeSet<String>,
    lookup: &impl Fn(&str) -> Option<&'a Schema>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = lookup(&name) {
            let mut refs = BTreeSet::new();
            children(schema, &mut |c| collect_refs(c, &mut refs));
            todo.extend(refs.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    seen
}

/// Calls `f` on each direct sub-schema of `s` (properties, items, compositions).
fn children(s: &Schema, f: &mut impl FnMut(&ReferenceOr<Schema>)) {
    let unbox = |b: &ReferenceOr<Box<Schema>>| match b {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.values().for_each(|p| f(&unbox(p)));
            if let Some(openapiv3::AdditionalProperties::Schema(a)) = &o.additional_properties {
                f(a);
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &a.items {
                f(&unbox(items));
            }
        }
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => v.iter().for_each(&mut *f),
        SchemaKind::Not { not } => f(not),
        SchemaKind::Any(a) => {
            a.properties.values().for_each(|p| f(&unbox(p)));
            if let Some(items) = &a.items {
                f(&unbox(items));
            }
            a.one_of
                .iter()
                .chain(&a.all_of)
                .chain(&a.any_of)
                .for_each(&mut *f);
        }
        SchemaKind::Type(_) => {}
    }
    let _ = collect_boxed_refs;
}

/// Calls `f` on `s` and on every inline sub-schema (not following `$ref`s), with its location.
fn walk(s: &Schema, at: &str, f: &mut impl FnMut(&str, &Schema)) {
    f(at, s);
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in &o.properties {
                if let ReferenceOr::Item(p) = p {
                    walk(p, &format!("{at}.properties.{name}"), f);
                }
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(ReferenceOr::Item(items)) = &a.items {
                walk(items, &format!("{at}.items"), f);
            }
        }
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => {
            for (i, c) in v.iter().enumerate() {
                if let ReferenceOr::Item(c) = c {
                    walk(c, &format!("{at}[{i}]"), f);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_yaml(yaml: &str) -> Vec<Problem> {
        lint(&nicerouter_kling_spec::parse(yaml).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn the_real_spec_is_clean() {
        let problems = lint(nicerouter_kling_spec::embedded());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn each_rule_names_the_place() {
        let mut yaml = nicerouter_kling_spec::SPEC_YAML.to_owned();
        // A closed enum in a response schema.
        yaml = yaml.replacen(
            "      x-extensible-enum: [submitted, processing, succeed, failed]",
            "      enum: [submitted, processing, succeed, failed]",
            1,
        );
        // A `default` response and a missing summary.
        yaml = yaml.replacen("      summary: Create a text-to-video task\n", "", 1);
        yaml = yaml.replacen(
            "        5XX:\n          $ref: '#/components/responses/ServerError'\n",
            "        default:\n          $ref: '#/components/responses/ServerError'\n",
            1,
        );
        // A request default.
        yaml = yaml.replacen(
            "      description: Prompt adherence, 0 to 1",
            "      default: 0.5\n      description: Prompt adherence, 0 to 1",
            1,
        );
        // A create without its list: rename the list's path.
        yaml = yaml.replacen(
            "operationId: list_virtual_try_on",
            "operationId: list_virtual_try_on_x",
            1,
        );
        let problems = lint_yaml(&yaml);
        let rules: BTreeSet<_> = problems.iter().map(|p| p.rule).collect();
        for rule in [
            "no-closed-response-enum",
            "operation-summary",
            "no-default-response",
            "no-request-defaults",
        ] {
            assert!(rules.contains(rule), "{rule} not reported in {problems:#?}");
        }
        let status = problems
            .iter()
            .find(|p| p.rule == "no-closed-response-enum")
            .map(|p| p.location.clone());
        assert_eq!(status.as_deref(), Some("components.schemas.TaskStatus"));
        let summary = problems
            .iter()
            .find(|p| p.rule == "operation-summary")
            .map(|p| p.location.clone());
        assert_eq!(summary.as_deref(), Some("paths./v1/videos/text2video.post"));
    }

    #[test]
    fn a_plain_operation_needs_no_get_or_list_but_a_task_create_does() {
        // TTS answers at once: its `x-sdk` names no kind, so no get and no list are expected.
        let problems = lint(nicerouter_kling_spec::embedded());
        assert!(
            !problems
                .iter()
                .any(|p| p.location.contains("/v1/audio/tts")),
            "{problems:#?}"
        );
        // Give it a kind and it becomes a task create, which must have both.
        let yaml = nicerouter_kling_spec::SPEC_YAML.replacen(
            "x-sdk: {cli: audio tts}",
            "x-sdk: {kind: Tts, cli: audio tts, results: audios}",
            1,
        );
        let problems = lint_yaml(&yaml);
        let on_tts: Vec<_> = problems
            .iter()
            .filter(|p| p.location == "paths./v1/audio/tts.post")
            .map(|p| p.rule)
            .collect();
        assert_eq!(
            on_tts,
            ["create-has-get-and-list", "create-has-get-and-list"],
            "{problems:#?}"
        );
    }

    #[test]
    fn a_malformed_x_sdk_is_reported() {
        let yaml = nicerouter_kling_spec::SPEC_YAML
            .replacen(
                "x-sdk: {cli: audio tts}",
                "x-sdk: {cli: audio tts, results: audios}",
                1,
            )
            .replacen(
                "x-sdk: {kind: OmniVideo, cli: video omni, results: videos}",
                "x-sdk: {kind: omni-video, cli: '', results: films}",
                1,
            );
        let problems = lint_yaml(&yaml);
        let messages: Vec<_> = problems
            .iter()
            .filter(|p| p.rule == "x-sdk")
            .map(|p| format!("{}: {}", p.location, p.message))
            .collect();
        assert_eq!(
            messages,
            [
                "paths./v1/audio/tts.post: `x-sdk.results` needs a `kind`",
                "paths./v1/videos/omni-video.post: `x-sdk.cli` must name the command words",
                "paths./v1/videos/omni-video.post: `x-sdk.kind` must be a Rust variant name such as `OmniVideo`",
                "paths./v1/videos/omni-video.post: `x-sdk.results` must be one of videos, images, audios, voices, elements",
            ]
        );
    }

    #[test]
    fn a_create_without_get_is_reported() {
        let yaml = nicerouter_kling_spec::SPEC_YAML.replacen(
            "  /v1/videos/text2video/{task_id}:\n",
            "  /v1/videos/text2video-renamed/{task_id}:\n",
            1,
        );
        let problems = lint_yaml(&yaml);
        assert!(
            problems.iter().any(|p| p.rule == "create-has-get-and-list"
                && p.location == "paths./v1/videos/text2video.post"),
            "{problems:#?}"
        );
    }
}
