//! The structural diff of two specs, rated the way a client library feels it.
//!
//! Rules (a request is what the client sends, a response what it reads):
//! - **major**: a removed operation or field; a new required field; a narrowed type or closed
//!   enum; in a request, a tightened limit (a longer `minLength`, a smaller `maximum`, a new
//!   `pattern`, …) or a value set newly closed; in a response, a field that may now be absent or
//!   of a wider type; a changed `operationId`, `x-sdk` or `x-name` (they name Rust items and CLI
//!   commands).
//! - **minor**: a new operation or optional field; a closed enum value added (in a response
//!   this is flagged: an exhaustive `match` on the generated Rust enum stops compiling); a known
//!   value added to an open vocabulary (`x-extensible-enum`); a loosened request limit.
//! - **patch**: text (summaries, descriptions, titles), a known value dropped from an open
//!   vocabulary, a limit the server tightened on what it sends.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::fields::{Field, Fields, Op, display};

/// The semver impact of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Nothing a caller can notice but text.
    Patch,
    /// Something new that old callers can ignore.
    Minor,
    /// Something that breaks an old caller.
    Major,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::Patch => "patch",
            Impact::Minor => "minor",
            Impact::Major => "major",
        })
    }
}

/// Where a change sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// The operation itself (added, removed, renamed, its text).
    Operation,
    /// A field of the JSON request body.
    Request,
    /// A field of the JSON response body.
    Response,
}

/// What happened to the thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum What {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// Its type, nullability or closed value set changed.
    Retyped,
    /// It accepts or may carry fewer values than before.
    Tightened,
    /// It accepts or may carry more values than before.
    Loosened,
    /// Only its text or an SDK hint changed.
    Text,
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            What::Added => "added",
            What::Removed => "removed",
            What::Retyped => "retyped",
            What::Tightened => "tightened",
            What::Loosened => "loosened",
            What::Text => "text",
        })
    }
}

/// One rated change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// How much it breaks.
    pub impact: Impact,
    /// Where it is.
    pub place: Place,
    /// What happened.
    pub what: What,
    /// `METHOD /path`.
    pub operation: String,
    /// The field's path; empty for an operation-level change.
    pub field: String,
    /// What changed, in words.
    pub detail: String,
    /// What a Rust user of the generated code should look at, when it is more than the rating
    /// says.
    pub rust: Option<String>,
}

/// The highest impact of `changes`, if any.
pub fn rating(changes: &[Change]) -> Option<Impact> {
    changes.iter().map(|c| c.impact).max()
}

/// Rates every change from `old` to `new`.
pub fn diff(old: &BTreeMap<String, Op>, new: &BTreeMap<String, Op>) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, op) in new {
        if !old.contains_key(key) {
            out.push(op_change(
                Impact::Minor,
                What::Added,
                key,
                format!(
                    "new operation `{}`{}",
                    op.operation_id,
                    op.summary
                        .as_deref()
                        .map(|s| format!(": {s}"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    for (key, before) in old {
        let Some(after) = new.get(key) else {
            out.push(op_change(
                Impact::Major,
                What::Removed,
                key,
                format!("operation `{}` removed", before.operation_id),
            ));
            continue;
        };
        compare_ops(before, after, &mut out);
    }
    out.sort();
    out
}

fn op_change(impact: Impact, what: What, key: &str, detail: String) -> Change {
    Change {
        impact,
        place: Place::Operation,
        what,
        operation: key.to_owned(),
        field: String::new(),
        detail,
        rust: None,
    }
}

fn compare_ops(before: &Op, after: &Op, out: &mut Vec<Change>) {
    let key = &after.key;
    if before.operation_id != after.operation_id {
        let mut c = op_change(
            Impact::Major,
            What::Retyped,
            key,
            format!(
                "operationId `{}` → `{}`",
                before.operation_id, after.operation_id
            ),
        );
        c.rust = Some("the raw client's method is renamed".to_owned());
        out.push(c);
    }
    for name in ["summary", "description"] {
        if before.text.get(name) != after.text.get(name) {
            out.push(op_change(
                Impact::Patch,
                What::Text,
                key,
                format!("{name} changed"),
            ));
        }
    }
    match (before.text.get("x-sdk"), after.text.get("x-sdk")) {
        (None, Some(v)) => out.push(op_change(
            Impact::Minor,
            What::Added,
            key,
            format!("`x-sdk` added ({v}): a new builder and CLI command"),
        )),
        (Some(_), None) => out.push(op_change(
            Impact::Major,
            What::Removed,
            key,
            "`x-sdk` removed: its builder and CLI command go".to_owned(),
        )),
        (Some(a), Some(b)) if a != b => out.push(op_change(
            Impact::Major,
            What::Retyped,
            key,
            format!("`x-sdk` {a} → {b}: the kind, builder or CLI command is renamed"),
        )),
        _ => {}
    }
    for q in after.query.difference(&before.query) {
        out.push(op_change(
            Impact::Minor,
            What::Added,
            key,
            format!("query parameter `{q}` added"),
        ));
    }
    for q in before.query.difference(&after.query) {
        out.push(op_change(
            Impact::Major,
            What::Removed,
            key,
            format!("query parameter `{q}` removed"),
        ));
    }
    compare_fields(key, Place::Request, &before.request, &after.request, out);
    compare_fields(key, Place::Response, &before.response, &after.response, out);
}

/// Whether `path` lies under a field that `set` holds (`a.b` under `a`, `a[].b` under `a`).
fn under_any(path: &str, set: &BTreeSet<&String>) -> bool {
    set.iter().any(|p| {
        !p.is_empty()
            && path.len() > p.len()
            && path.starts_with(p.as_str())
            && matches!(path.as_bytes()[p.len()], b'.' | b'[')
    }) || (set.iter().any(|p| p.is_empty()) && !path.is_empty())
}

fn compare_fields(key: &str, place: Place, old: &Fields, new: &Fields, out: &mut Vec<Change>) {
    let added: BTreeSet<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let removed: BTreeSet<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
    let mut push = |impact: Impact, what: What, field: &str, detail: String, rust: Option<&str>| {
        out.push(Change {
            impact,
            place,
            what,
            operation: key.to_owned(),
            field: field.to_owned(),
            detail,
            rust: rust.map(str::to_owned),
        })
    };
    for path in &added {
        if under_any(path, &added) {
            continue;
        }
        let f = &new[*path];
        let shape = describe(f);
        if f.required {
            let detail = match place {
                Place::Response => {
                    format!("new required field ({shape}); answers without it are refused")
                }
                _ => format!("new required field ({shape})"),
            };
            push(Impact::Major, What::Added, path, detail, None);
        } else {
            push(
                Impact::Minor,
                What::Added,
                path,
                format!("new optional field ({shape})"),
                None,
            );
        }
    }
    for path in &removed {
        if under_any(path, &removed) {
            continue;
        }
        let rust = match place {
            Place::Request => "its builder setter and CLI flag go",
            _ => "its struct field goes",
        };
        push(
            Impact::Major,
            What::Removed,
            path,
            format!("field removed (was {})", describe(&old[*path])),
            Some(rust),
        );
    }
    for (path, before) in old {
        if let Some(after) = new.get(path) {
            compare_field(place, path, before, after, &mut push);
        }
    }
}

/// A short description of a field's shape: `string, one of "a", "b"`.
pub fn describe(f: &Field) -> String {
    let mut parts = vec![if f.types.is_empty() {
        "any".to_owned()
    } else {
        f.types.iter().cloned().collect::<Vec<_>>().join("|")
    }];
    if let Some(values) = &f.closed {
        parts.push(format!("enum {}", list(values)));
    }
    if !f.open.is_empty() {
        parts.push(format!("known values {}", list(&f.open)));
    }
    for (k, v) in &f.bounds {
        parts.push(format!("{k} {v}"));
    }
    parts.join(", ")
}

fn list(values: &BTreeSet<String>) -> String {
    values.iter().cloned().collect::<Vec<_>>().join(", ")
}

type Push<'a> = dyn FnMut(Impact, What, &str, String, Option<&str>) + 'a;

fn compare_field(place: Place, path: &str, before: &Field, after: &Field, push: &mut Push<'_>) {
    let request = place == Place::Request;
    // Required-ness.
    if before.required != after.required && !path.ends_with("[]") && !path.is_empty() {
        match (request, after.required) {
            (true, true) => push(
                Impact::Major,
                What::Tightened,
                path,
                "now required".into(),
                None,
            ),
            (true, false) => push(
                Impact::Minor,
                What::Loosened,
                path,
                "now optional".into(),
                None,
            ),
            (false, false) => push(
                Impact::Major,
                What::Loosened,
                path,
                "may now be absent".into(),
                Some("its struct field becomes an Option"),
            ),
            (false, true) => push(
                Impact::Minor,
                What::Tightened,
                path,
                "now always present".into(),
                Some("its struct field may lose its Option"),
            ),
        }
    }
    // Types (with null for nullable).
    if before.types != after.types && !before.types.is_empty() && !after.types.is_empty() {
        let detail = format!(
            "type {} → {}",
            join_set(&before.types),
            join_set(&after.types)
        );
        let narrowed = after.types.is_subset(&before.types);
        let widened = before.types.is_subset(&after.types);
        let (impact, what) = match (narrowed, widened, request) {
            (true, _, true) => (Impact::Major, What::Tightened),
            (true, _, false) => (Impact::Minor, What::Tightened),
            (_, true, true) => (Impact::Minor, What::Loosened),
            (_, true, false) => (Impact::Major, What::Loosened),
            _ => (Impact::Major, What::Retyped),
        };
        push(impact, what, path, detail, Some("its Rust type changes"));
    }
    // Closed enums.
    match (&before.closed, &after.closed) {
        (Some(a), Some(b)) if a != b => {
            let gone: BTreeSet<_> = a.difference(b).cloned().collect();
            let new: BTreeSet<_> = b.difference(a).cloned().collect();
            if !gone.is_empty() {
                push(
                    Impact::Major,
                    What::Tightened,
                    path,
                    format!("enum values removed: {}", list(&gone)),
                    Some("the generated enum loses variants"),
                );
            }
            if !new.is_empty() {
                let rust = (!request).then_some(
                    "possible match-arm break: the generated enum gains variants, so an \
                     exhaustive `match` on it stops compiling",
                );
                push(
                    Impact::Minor,
                    What::Loosened,
                    path,
                    format!("enum values added: {}", list(&new)),
                    rust,
                );
            }
        }
        (None, Some(b)) => {
            let (impact, what) = if request {
                (Impact::Major, What::Tightened)
            } else {
                (Impact::Minor, What::Tightened)
            };
            push(
                impact,
                what,
                path,
                format!("now a closed enum: {}", list(b)),
                Some("a string becomes a generated enum"),
            );
        }
        (Some(a), None) => {
            let (impact, what) = if request {
                (Impact::Minor, What::Loosened)
            } else {
                (Impact::Major, What::Loosened)
            };
            push(
                impact,
                what,
                path,
                format!("no longer a closed enum (was {})", list(a)),
                Some("a generated enum becomes a string"),
            );
        }
        _ => {}
    }
    // Open vocabularies.
    let new_known: BTreeSet<_> = after.open.difference(&before.open).cloned().collect();
    let gone_known: BTreeSet<_> = before.open.difference(&after.open).cloned().collect();
    if !new_known.is_empty() {
        push(
            Impact::Minor,
            What::Loosened,
            path,
            format!("known values added (open vocabulary): {}", list(&new_known)),
            None,
        );
    }
    if !gone_known.is_empty() {
        push(
            Impact::Patch,
            What::Text,
            path,
            format!(
                "known values no longer listed (still accepted): {}",
                list(&gone_known)
            ),
            None,
        );
    }
    // Limits.
    let names: BTreeSet<&String> = before.bounds.keys().chain(after.bounds.keys()).collect();
    for name in names {
        let (a, b) = (before.bounds.get(name), after.bounds.get(name));
        if a == b {
            continue;
        }
        let Some(tighter) = tightens(name, a, b) else {
            continue;
        };
        let detail = format!("`{name}` {} → {}", show(a), show(b));
        let impact = match (request, tighter) {
            (true, true) => Impact::Major,
            (true, false) => Impact::Minor,
            (false, true) => Impact::Patch,
            (false, false) => Impact::Minor,
        };
        let what = if tighter {
            What::Tightened
        } else {
            What::Loosened
        };
        push(impact, what, path, detail, None);
    }
    // Text and SDK hints.
    let names: BTreeSet<&String> = before.text.keys().chain(after.text.keys()).collect();
    for name in names {
        let (a, b) = (before.text.get(name), after.text.get(name));
        if a == b {
            continue;
        }
        match name.as_str() {
            "x-name" if request => push(
                Impact::Major,
                What::Retyped,
                path,
                format!(
                    "`x-name` {} → {}",
                    a.map_or("(none)", String::as_str),
                    b.map_or("(none)", String::as_str)
                ),
                Some("its builder setter and CLI flag are renamed"),
            ),
            "x-media" => push(
                Impact::Minor,
                What::Text,
                path,
                format!(
                    "`x-media` {} → {}",
                    a.map_or("(none)", String::as_str),
                    b.map_or("(none)", String::as_str)
                ),
                Some("the setter's input type may change"),
            ),
            other => push(
                Impact::Patch,
                What::Text,
                path,
                format!("{other} changed"),
                None,
            ),
        }
    }
}

fn join_set(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join("|")
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(none)".to_owned(), Value::to_string)
}

/// Whether changing limit `name` from `a` to `b` accepts fewer values (`Some(true)`), more
/// (`Some(false)`), or cannot be told apart (a changed pattern or format counts as fewer).
fn tightens(name: &str, a: Option<&Value>, b: Option<&Value>) -> Option<bool> {
    let lower = matches!(name, "minLength" | "minimum" | "minItems");
    let upper = matches!(name, "maxLength" | "maximum" | "maxItems");
    match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
        _ if !lower && !upper => Some(b.is_some()),
        (None, Some(_)) => Some(true),
        (Some(_), None) => Some(false),
        (Some(x), Some(y)) if lower => Some(y > x),
        (Some(x), Some(y)) => Some(y < x),
        (None, None) => None,
    }
}

/// `display` for a field path, re-exported for the report.
pub fn field_name(c: &Change) -> &str {
    display(&c.field)
}
