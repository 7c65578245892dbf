//! `cargo xtask docs-diff <FILE|URL>...`: upstream docs against `openapi/kling.yaml`, both
//! ways: the routes, fields and enum values upstream has and we lack, and the reverse.
//!
//! Upstream routes match ours by method and path (path parameters' names ignored, and a relay
//! prefix such as `/kling` dropped when the rest matches), or, when upstream gives only a title
//! (an Apifox navigation entry or `llms.txt` line), by the title our spec's tag descriptions or
//! summaries carry (`Text to video (文生视频).`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::fields::{self, Fields, Op};
use crate::upstream::{self, Route, Source};

/// `cargo xtask docs-diff`.
pub fn run(root: &Path, inputs: &[String], output: Option<&Path>) -> Result<(), String> {
    let (yaml, spec) = crate::generate::read_spec(root)?;
    let ours = fields::operations(&spec);
    let tags = tag_texts(&yaml);
    let mut sources = Vec::new();
    for input in inputs {
        sources.extend(upstream::load(input)?);
    }
    let text = render(&sources, &ours, &tags);
    print!("{text}");
    if let Some(path) = output {
        std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Each tag's name and description.
fn tag_texts(yaml: &str) -> BTreeMap<String, String> {
    nicerouter_kling_spec::parse_value(yaml)
        .ok()
        .and_then(|v| v.get("tags").cloned())
        .and_then(|t| match t {
            Value::Array(tags) => Some(tags),
            _ => None,
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            Some((
                t.get("name")?.as_str()?.to_owned(),
                t.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect()
}

/// A path with its parameters' names dropped: `/v1/videos/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// How an upstream route matched ours.
#[derive(Debug, Clone)]
enum Match {
    /// By method and path.
    Path(Vec<String>),
    /// By title only.
    Title(Vec<String>),
    /// Not at all.
    None,
}

fn find(route: &Route, ours: &BTreeMap<String, Op>, tags: &BTreeMap<String, String>) -> Match {
    if let (Some(method), Some(path)) = (&route.method, &route.path) {
        let wanted = shape(path);
        let mut candidates = vec![wanted.clone()];
        // A relay prefix: `/kling/v1/...` is our `/v1/...`.
        if let Some(rest) = wanted.strip_prefix('/').and_then(|p| p.split_once('/')) {
            candidates.push(format!("/{}", rest.1));
        }
        for candidate in candidates {
            let hits: Vec<String> = ours
                .keys()
                .filter(|k| {
                    k.split_once(' ')
                        .is_some_and(|(m, p)| m == method && shape(p) == candidate)
                })
                .cloned()
                .collect();
            if !hits.is_empty() {
                return Match::Path(hits);
            }
        }
        return Match::None;
    }
    let Some(title) = route
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Match::None;
    };
    let tagged: BTreeSet<&String> = tags
        .iter()
        .filter(|(_, d)| d.contains(title))
        .map(|(name, _)| name)
        .collect();
    let hits: Vec<String> = ours
        .values()
        .filter(|op| {
            op.summary.as_deref() == Some(title)
                || op.tag.as_ref().is_some_and(|t| tagged.contains(t))
        })
        .filter(|op| match route.method.as_deref() {
            // A POST of a kind is its create: no path parameter.
            Some("POST") => op.key.starts_with("POST ") && !op.key.contains('{'),
            Some(m) => op.key.starts_with(&format!("{m} ")),
            None => true,
        })
        .map(|op| op.key.clone())
        .collect();
    if hits.is_empty() {
        Match::None
    } else {
        Match::Title(hits)
    }
}

fn route_name(r: &Route) -> String {
    format!(
        "{} {}",
        r.method.as_deref().unwrap_or("?"),
        r.path.as_deref().unwrap_or("(path not given)")
    )
}

/// The report.
pub fn render(
    sources: &[Source],
    ours: &BTreeMap<String, Op>,
    tags: &BTreeMap<String, String>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Upstream docs vs `{}`\n",
        nicerouter_kling_spec::SPEC_PATH
    );
    let mut matched: BTreeSet<String> = BTreeSet::new();
    let mut field_sections = String::new();
    let mut lacking = 0;
    let mut total = 0;
    for source in sources {
        let _ = writeln!(
            s,
            "## `{}`\n\nRead as: {}; {} route(s).\n",
            source.name,
            source.form,
            source.routes.len()
        );
        let _ = writeln!(s, "| Upstream route | Title | Ours |");
        let _ = writeln!(s, "|---|---|---|");
        for route in &source.routes {
            total += 1;
            let found = find(route, ours, tags);
            let ours_cell = match &found {
                Match::Path(keys) => describe_ours(keys, ours, "by path"),
                Match::Title(keys) => describe_ours(keys, ours, "by title"),
                Match::None => {
                    lacking += 1;
                    "**we lack it**".to_owned()
                }
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} |",
                route_name(route),
                route.title.as_deref().unwrap_or("—"),
                ours_cell
            );
            if let Match::Path(keys) | Match::Title(keys) = &found {
                matched.extend(keys.iter().cloned());
                if let Some(op) = keys.first().and_then(|k| ours.get(k)) {
                    fields_section(&mut field_sections, route, op);
                }
            }
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "Upstream documents {total} route(s): we have {}, we lack {lacking}.\n",
        total - lacking
    );

    let ours_only: Vec<&Op> = ours
        .values()
        .filter(|op| !matched.contains(&op.key))
        .collect();
    let _ = writeln!(
        s,
        "## Operations we have that upstream lacks ({})\n",
        ours_only.len()
    );
    for op in &ours_only {
        let _ = writeln!(s, "- `{}` (`{}`)", op.key, op.operation_id);
    }
    s.push('\n');
    let _ = writeln!(s, "## Fields and enum values\n");
    if field_sections.is_empty() {
        let _ = writeln!(
            s,
            "Upstream describes no body of a route we have (titles only), so no field compares.\n"
        );
    } else {
        s.push_str(&field_sections);
    }
    s
}

fn describe_ours(keys: &[String], ours: &BTreeMap<String, Op>, how: &str) -> String {
    let names: Vec<String> = keys
        .iter()
        .map(|k| {
            let id = ours.get(k).map_or("", |op| op.operation_id.as_str());
            format!("`{id}` (`{k}`)")
        })
        .collect();
    format!("{}, {how}", names.join(", "))
}

fn fields_section(s: &mut String, route: &Route, op: &Op) {
    if route.request.is_empty() && route.response.is_empty() {
        return;
    }
    let mut lines = Vec::new();
    for (side, theirs, mine) in [
        ("request", &route.request, &op.request),
        ("response", &route.response, &op.response),
    ] {
        if theirs.is_empty() {
            continue;
        }
        let (up_only, our_only) = field_names(theirs, mine);
        if !up_only.is_empty() {
            lines.push(format!(
                "- {side} fields upstream has, we lack: {}",
                code_list(&up_only)
            ));
        }
        if !our_only.is_empty() {
            lines.push(format!(
                "- {side} fields we have, upstream lacks: {}",
                code_list(&our_only)
            ));
        }
        for (path, f) in theirs {
            let Some(m) = mine.get(path) else { continue };
            let theirs_values: BTreeSet<String> =
                f.closed.iter().flatten().chain(&f.open).cloned().collect();
            let our_values: BTreeSet<String> =
                m.closed.iter().flatten().chain(&m.open).cloned().collect();
            if theirs_values.is_empty() {
                continue;
            }
            let up: Vec<&String> = theirs_values.difference(&our_values).collect();
            let we: Vec<&String> = our_values.difference(&theirs_values).collect();
            if !up.is_empty() {
                lines.push(format!(
                    "- {side} `{path}` values upstream has, we lack: {}",
                    join(&up)
                ));
            }
            if !we.is_empty() {
                lines.push(format!(
                    "- {side} `{path}` values we have, upstream lacks: {}",
                    join(&we)
                ));
            }
        }
    }
    let _ = writeln!(
        s,
        "### `{}`{} ↔ `{}`\n",
        route_name(route),
        route
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default(),
        op.key
    );
    if lines.is_empty() {
        let _ = writeln!(s, "The same fields and values.\n");
    } else {
        for line in lines {
            let _ = writeln!(s, "{line}");
        }
        s.push('\n');
    }
}

/// The field paths only upstream has and only we have (the body itself left out; under a field
/// missing on the other side, only the top one is named).
fn field_names(theirs: &Fields, mine: &Fields) -> (Vec<String>, Vec<String>) {
    let only = |a: &Fields, b: &Fields| {
        let missing: Vec<&String> = a
            .keys()
            .filter(|k| !k.is_empty() && !b.contains_key(*k))
            .collect();
        missing
            .iter()
            .filter(|k| {
                !missing.iter().any(|p| {
                    k.len() > p.len()
                        && k.starts_with(p.as_str())
                        && matches!(k.as_bytes()[p.len()], b'.' | b'[')
                })
            })
            .map(|k| (*k).clone())
            .collect::<Vec<_>>()
    };
    (only(theirs, mine), only(mine, theirs))
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
