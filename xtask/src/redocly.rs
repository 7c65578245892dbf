//! Redocly CLI's `diff` (pinned in `tools/semver/package.json`): a second, independent rating of
//! the same two specs, and the changes our structural diff does not model (parameters other
//! than query names, headers, status codes, security, servers, links).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::spec_diff::Impact;

/// One change Redocly reported that our own diff does not cover.
#[derive(Debug, Clone)]
pub struct Extra {
    /// Redocly's rating.
    pub impact: Impact,
    /// `added`, `removed` or `modified`.
    pub kind: String,
    /// The JSON pointer of the change, decoded (`/paths//v1/videos/…/post/parameters/0`).
    pub path: String,
    /// The changed property, when Redocly names one.
    pub property: Option<String>,
    /// Redocly's own explanation, when it gives one.
    pub message: Option<String>,
}

/// What Redocly said.
#[derive(Debug, Clone)]
pub struct Report {
    /// Its overall rating, if there was any change.
    pub bump: Option<Impact>,
    /// Its counts of major, minor and patch changes.
    pub counts: (u64, u64, u64),
    /// The changes outside request and response body schemas and operation text.
    pub extras: Vec<Extra>,
}

/// Where the pinned Redocly CLI is installed: `REDOCLY` if set, else `tools/semver/node_modules`
/// of the checkout, else of the workspace this xtask was built from.
pub fn locate(root: &Path) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("REDOCLY") {
        return Some(PathBuf::from(bin));
    }
    [root.to_path_buf(), crate::own_workspace()]
        .into_iter()
        .map(|r| r.join("tools/semver/node_modules/.bin/redocly"))
        .find(|p| p.exists())
}

/// Runs `redocly diff base revision --format json` on two spec texts.
pub fn run(bin: &Path, base_yaml: &str, head_yaml: &str) -> Result<Report, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary dir: {e}"))?;
    let base = dir.path().join("base.yaml");
    let head = dir.path().join("revision.yaml");
    let out = dir.path().join("diff.json");
    std::fs::write(&base, base_yaml).map_err(|e| e.to_string())?;
    std::fs::write(&head, head_yaml).map_err(|e| e.to_string())?;
    let status = Command::new(bin)
        .arg("diff")
        .arg(&base)
        .arg(&head)
        .args([
            "--format",
            "json",
            "--fail-on",
            "none",
            "--lint-config",
            "off",
        ])
        .arg("--output")
        .arg(&out)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .env("DO_NOT_TRACK", "1")
        .current_dir(dir.path())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let text = std::fs::read_to_string(&out).map_err(|_| {
        format!(
            "redocly diff wrote no report ({}): {}",
            status.status,
            String::from_utf8_lossy(&status.stderr)
                .lines()
                .filter(|l| !l.contains('║') && !l.contains('═'))
                .collect::<Vec<_>>()
                .join(" ")
                .trim()
        )
    })?;
    parse(&text)
}

fn impact(s: Option<&str>) -> Option<Impact> {
    match s? {
        "major" => Some(Impact::Major),
        "minor" => Some(Impact::Minor),
        "patch" => Some(Impact::Patch),
        _ => None,
    }
}

/// Reads Redocly's JSON report.
pub fn parse(text: &str) -> Result<Report, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("redocly's report is not JSON: {e}"))?;
    let count = |k: &str| {
        v.get("summary")
            .and_then(|s| s.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let mut extras = Vec::new();
    for c in v
        .get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = decode(c.get("path").and_then(Value::as_str).unwrap_or_default());
        let property = c.get("property").and_then(Value::as_str).map(str::to_owned);
        if ours(&path, property.as_deref()) {
            continue;
        }
        let Some(impact) = impact(c.get("impact").and_then(Value::as_str)) else {
            continue;
        };
        let message = c
            .get("verdicts")
            .and_then(Value::as_array)
            .and_then(|v| v.first())
            .and_then(|v| v.get("message").or(Some(v)))
            .and_then(Value::as_str)
            .map(str::to_owned);
        extras.push(Extra {
            impact,
            kind: c
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("changed")
                .to_owned(),
            path,
            property,
            message,
        });
    }
    Ok(Report {
        bump: impact(v.get("bump").and_then(Value::as_str)),
        counts: (count("major"), count("minor"), count("patch")),
        extras,
    })
}

/// A JSON pointer with `~1` and `~0` decoded, without the leading `#`.
fn decode(pointer: &str) -> String {
    pointer
        .trim_start_matches('#')
        .replace("~1", "/")
        .replace("~0", "~")
}

/// Whether our structural diff already rates this change: body schemas, whole operations and
/// paths, and the operation fields it reads.
fn ours(path: &str, property: Option<&str>) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    let in_body = path.contains("/requestBody")
        || segments
            .windows(3)
            .any(|w| w[0] == "responses" && w[1].starts_with('2') && w[2] == "content");
    let op_text = matches!(
        property,
        Some("summary" | "description" | "operationId" | "x-sdk" | "tags")
    ) || path.ends_with("/x-sdk");
    // `#/paths/<path>` and `#/paths/<path>/<method>` are whole path items and operations.
    let whole = path.starts_with("/paths/") && {
        let rest = &path["/paths/".len()..];
        let tail: Vec<&str> = rest.rsplitn(2, '/').collect();
        !rest.contains("/parameters")
            && !rest.contains("/responses")
            && (tail.len() == 1
                || matches!(tail[0], "get" | "post" | "put" | "delete" | "patch")
                || !rest.contains("/get") && !rest.contains("/post"))
    };
    // Components are rated where operations use them; tags only group operations.
    let component = path.starts_with("/components/") || path.starts_with("/tags");
    in_body || op_text || whole || component
}
