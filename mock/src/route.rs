//! Routing, derived from the spec's operations rather than typed by hand.

use nicerouter_kling_spec::{Method, Operation, OperationRole};
use serde_json::Value;

use crate::journal::Api;
use crate::media::MediaKind;
use crate::task::Results;

/// NiceRouter's prefix in front of the spec's paths.
pub const NICEROUTER_PREFIX: &str = "/kling";

/// The path prefix of result downloads.
pub const MEDIA_PREFIX: &str = "/mock-media/";

/// One operation the server serves.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    pub(crate) operation_id: String,
    pub(crate) role: OperationRole,
    /// The kind's path, for example `text2video` or `avatar/image2video`.
    pub(crate) kind: String,
    /// What the kind's tasks produce (the create's `x-sdk.results`; without it, images under
    /// `/v1/images/`, audio under `/v1/audio/` and videos elsewhere).
    pub(crate) results: Results,
    /// The spec's example answer of a plain operation, served (with a fresh request id) when
    /// the mock has nothing more specific to say.
    pub(crate) example: Option<Value>,
    /// The template split on `/`; `None` for a `{param}`, with the param's name beside it.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A request matched to what it asks for.
#[derive(Debug, Clone)]
pub(crate) enum Routed<'a> {
    /// One of the spec's operations, with its path parameters.
    Operation {
        endpoint: &'a Endpoint,
        api: Api,
        path_params: Vec<(String, String)>,
    },
    /// A known path with another method.
    WrongMethod { api: Api },
    /// `/mock-media/{task_id}/{index}.{ext}`.
    Media {
        task_id: String,
        index: usize,
        kind: MediaKind,
    },
    /// Anything else.
    Unknown,
}

/// All operations of the spec.
#[derive(Debug, Clone)]
pub(crate) struct Routes {
    endpoints: Vec<Endpoint>,
}

impl Routes {
    pub(crate) fn from_operations(ops: &[Operation], spec: &Value) -> Routes {
        let results_of = |op: &Operation| {
            let declared = ops
                .iter()
                .filter(|o| o.kind_segment() == op.kind_segment())
                .find_map(|o| o.results.as_deref())
                .and_then(Results::from_name);
            declared.unwrap_or(if op.path.starts_with("/v1/images/") {
                Results::Images
            } else if op.path.starts_with("/v1/audio/") {
                Results::Audios
            } else {
                Results::Videos
            })
        };
        let endpoints = ops
            .iter()
            .map(|op| Endpoint {
                method: op.method,
                operation_id: op.operation_id.clone(),
                role: op.role,
                kind: op.kind_segment().to_owned(),
                results: results_of(op),
                example: (op.role == OperationRole::Other)
                    .then(|| success_example(spec, op))
                    .flatten(),
                segments: op
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_owned()),
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect(),
            })
            .collect();
        Routes { endpoints }
    }

    #[cfg(test)]
    pub(crate) fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Matches a method and a path: `/kling/v1/...` is NiceRouter, `/v1/...` the official API.
    pub(crate) fn route(&self, method: &str, path: &str) -> Routed<'_> {
        if let Some(rest) = path.strip_prefix(MEDIA_PREFIX) {
            return media(rest).unwrap_or(Routed::Unknown);
        }
        let (api, spec_path) = match path.strip_prefix(NICEROUTER_PREFIX) {
            Some(rest) if rest.starts_with('/') => (Api::NiceRouter, rest),
            _ => (Api::Official, path),
        };
        let parts: Vec<&str> = spec_path.split('/').filter(|s| !s.is_empty()).collect();
        let mut path_known = false;
        for endpoint in &self.endpoints {
            let Some(params) = endpoint.match_path(&parts) else {
                continue;
            };
            path_known = true;
            if endpoint.method.as_str().eq_ignore_ascii_case(method) {
                return Routed::Operation {
                    endpoint,
                    api,
                    path_params: params,
                };
            }
        }
        if path_known {
            Routed::WrongMethod { api }
        } else {
            Routed::Unknown
        }
    }
}

impl Endpoint {
    fn match_path(&self, parts: &[&str]) -> Option<Vec<(String, String)>> {
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (seg, part) in self.segments.iter().zip(parts) {
            match seg {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => params.push((name.clone(), percent_decode(part))),
            }
        }
        Some(params)
    }
}

/// The example of an operation's `200` answer in the spec (`example`, else the first of
/// `examples`), following a `$ref` to `components.responses`.
fn success_example(spec: &Value, op: &Operation) -> Option<Value> {
    let method = op.method.as_str().to_ascii_lowercase();
    let pointer = format!(
        "/paths/{}/{method}/responses/200",
        op.path.replace('~', "~0").replace('/', "~1")
    );
    let mut response = spec.pointer(&pointer)?;
    if let Some(name) = response
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/responses/"))
    {
        response = spec.pointer(&format!("/components/responses/{name}"))?;
    }
    let media = response.pointer("/content/application~1json")?;
    media.get("example").cloned().or_else(|| {
        media
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|all| all.values().next())
            .and_then(|e| e.get("value"))
            .cloned()
    })
}

fn media(rest: &str) -> Option<Routed<'static>> {
    let (task_id, file) = rest.split_once('/')?;
    let (index, ext) = file.split_once('.')?;
    let kind = match ext {
        "mp4" => MediaKind::Video,
        "png" => MediaKind::Image,
        "wav" => MediaKind::Audio,
        "mp3" => MediaKind::AudioMp3,
        _ => return None,
    };
    Some(Routed::Media {
        task_id: task_id.to_owned(),
        index: index.parse().ok()?,
        kind,
    })
}

/// Decodes `%XX` escapes (an `external_task_id` may hold characters that need them).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                // Two hex digits make a byte.
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a query string (`+` is a space).
pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn routes() -> Routes {
        let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
        Routes::from_operations(
            &nicerouter_kling_spec::operations(nicerouter_kling_spec::embedded()),
            &spec,
        )
    }

    #[test]
    fn both_prefixes_route_to_the_spec_operations() {
        let r = routes();
        assert_eq!(r.endpoints().len(), 79);
        match r.route("POST", "/kling/v1/videos/text2video") {
            Routed::Operation { endpoint, api, .. } => {
                assert_eq!(endpoint.operation_id, "create_text2video");
                assert_eq!(api, Api::NiceRouter);
            }
            other => panic!("{other:?}"),
        }
        match r.route("GET", "/v1/images/generations/my%20id") {
            Routed::Operation {
                endpoint,
                api,
                path_params,
            } => {
                assert_eq!(endpoint.operation_id, "get_image_generation");
                assert_eq!(endpoint.results, Results::Images);
                assert_eq!(api, Api::Official);
                assert_eq!(path_params, [("task_id".to_owned(), "my id".to_owned())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            r.route("DELETE", "/kling/v1/videos/text2video"),
            Routed::WrongMethod { .. }
        ));
        assert!(matches!(
            r.route("GET", "/kling/v2/nothing"),
            Routed::Unknown
        ));
        assert!(matches!(
            r.route("GET", "/klingv1/videos/text2video"),
            Routed::Unknown
        ));
        assert!(matches!(
            r.route("GET", "/mock-media/814570891207524415/0.mp4"),
            Routed::Media {
                index: 0,
                kind: MediaKind::Video,
                ..
            }
        ));
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            parse_query(Some("pageNum=1&pageSize=30&x=a+b%21")),
            [
                ("pageNum".into(), "1".into()),
                ("pageSize".into(), "30".into()),
                ("x".into(), "a b!".into())
            ]
        );
    }
}
