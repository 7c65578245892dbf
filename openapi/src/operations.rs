//! The list of operations, read from the spec rather than maintained by hand.

use openapiv3::{OpenAPI, ReferenceOr, RequestBody, Response, Schema};

/// An HTTP method used by the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method as an upper-case string.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What an operation does to a kind of task.
///
/// The role follows from the method and the path, except for operations that declare
/// themselves plain with an `x-sdk` extension that names no `kind`: those answer at once
/// (TTS, face identification, deletions, preset catalogues, account usage) and are
/// [`OperationRole::Other`] whatever their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationRole {
    /// `POST /v1/.../{kind}`: creates (and pays for) a task.
    Create,
    /// `GET /v1/.../{kind}/{task_id}`: one task.
    Get,
    /// `GET /v1/.../{kind}`: a page of tasks.
    List,
    /// Anything else, including every plain (synchronous, non-task) operation.
    Other,
}

/// One operation of the spec, with the facts the generator, the mock and the tests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The path template, for example `/v1/videos/text2video/{task_id}`.
    pub path: String,
    /// The `operationId`, for example `get_text2video`.
    pub operation_id: String,
    /// The first tag: the kind's path segment, for example `text2video`.
    pub tag: Option<String>,
    /// The operation's summary.
    pub summary: Option<String>,
    /// Create, get, list or other, derived from the method and the path.
    pub role: OperationRole,
    /// The component name of the JSON request body's schema, if any.
    pub request_schema: Option<String>,
    /// The component name of the `200` response's schema, if any.
    pub response_schema: Option<String>,
    /// The names of the path parameters, in template order.
    pub path_params: Vec<String>,
    /// The names of the query parameters.
    pub query_params: Vec<String>,
    /// Where a task create's output lands in `task_result` (`videos`, `images`, `audios`,
    /// `voices` or `elements`), from its `x-sdk.results`; `None` when the spec does not say.
    pub results: Option<String>,
}

impl Operation {
    /// The kind's path: the literal segments after `/v1/<family>/` (or `/<family>/`), for
    /// example `lip-sync` for `/v1/videos/lip-sync/{task_id}`, `avatar/image2video` for
    /// `/v1/videos/avatar/image2video` and `costs` for `/account/costs`. Unique per kind, even
    /// where two kinds end in the same segment.
    pub fn kind_segment(&self) -> &str {
        let path = self.path.as_str();
        let rest = path
            .strip_prefix("/v1/")
            .or_else(|| path.strip_prefix('/'))
            .unwrap_or(path);
        let rest = rest.split_once('/').map_or(rest, |(_, kind)| kind);
        let end = rest.find("/{").unwrap_or(rest.len());
        rest[..end].trim_end_matches('/')
    }

    /// The path with every `{param}` replaced by the value `f` gives for it.
    pub fn render_path(&self, mut f: impl FnMut(&str) -> String) -> String {
        self.path
            .split('/')
            .map(
                |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => f(name),
                    None => seg.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Every operation of `spec`, sorted by path and then method.
pub fn operations(spec: &OpenAPI) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in [(Method::Get, &item.get), (Method::Post, &item.post)] {
            let Some(op) = op else { continue };
            let path_params = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(str::to_owned)
                .collect::<Vec<_>>();
            let query_params = op
                .parameters
                .iter()
                .chain(&item.parameters)
                .filter_map(|p| resolve_parameter(spec, p))
                .filter(|p| matches!(p, openapiv3::Parameter::Query { .. }))
                .map(|p| p.parameter_data_ref().name.clone())
                .collect();
            let role = match (method, path_params.is_empty()) {
                _ if is_plain(op) => OperationRole::Other,
                (Method::Post, true) => OperationRole::Create,
                (Method::Get, false) => OperationRole::Get,
                (Method::Get, true) => OperationRole::List,
                _ => OperationRole::Other,
            };
            out.push(Operation {
                method,
                path: path.clone(),
                operation_id: op.operation_id.clone().unwrap_or_default(),
                tag: op.tags.first().cloned(),
                summary: op.summary.clone(),
                role,
                request_schema: op
                    .request_body
                    .as_ref()
                    .and_then(|b| resolve_request_body(spec, b))
                    .and_then(|b| b.content.get("application/json"))
                    .and_then(|m| m.schema.as_ref())
                    .and_then(ref_name),
                response_schema: op
                    .responses
                    .responses
                    .get(&openapiv3::StatusCode::Code(200))
                    .and_then(|r| resolve_response(spec, r))
                    .and_then(|r| r.content.get("application/json"))
                    .and_then(|m| m.schema.as_ref())
                    .and_then(ref_name),
                path_params,
                query_params,
                results: op
                    .extensions
                    .get("x-sdk")
                    .and_then(|sdk| sdk.get("results"))
                    .and_then(|r| r.as_str())
                    .map(str::to_owned),
            });
        }
    }
    out.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    out
}

/// Whether the operation is plain rather than part of a task kind: its `x-sdk` extension
/// exists and names no `kind`.
fn is_plain(op: &openapiv3::Operation) -> bool {
    op.extensions
        .get("x-sdk")
        .is_some_and(|sdk| sdk.get("kind").is_none())
}

/// The component name a `#/components/schemas/X` reference points at.
pub(crate) fn ref_name(schema: &ReferenceOr<Schema>) -> Option<String> {
    match schema {
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/schemas/")
            .map(str::to_owned),
        ReferenceOr::Item(_) => None,
    }
}

fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<openapiv3::Parameter>,
) -> Option<&'a openapiv3::Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match spec.components.as_ref()?.parameters.get(name)? {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn resolve_request_body<'a>(
    spec: &'a OpenAPI,
    b: &'a ReferenceOr<RequestBody>,
) -> Option<&'a RequestBody> {
    match b {
        ReferenceOr::Item(b) => Some(b),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            match spec.components.as_ref()?.request_bodies.get(name)? {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// Resolves a response that may be a `#/components/responses/X` reference.
pub fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<Response>,
) -> Option<&'a Response> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}
