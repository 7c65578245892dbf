//! cargo-semver-checks (pinned and installed by `tools/semver/install.sh` into `target/tools`):
//! what a change does to the Rust surface of the published crates, from rustdoc JSON builds of
//! the baseline and the work tree.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One failed or warned lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The crate it was found in.
    pub krate: String,
    /// `failure` or `warning`.
    pub level: String,
    /// The lint's id, for example `inherent_method_missing`.
    pub lint: String,
    /// Its one-line title, for example `pub method removed or renamed`.
    pub title: String,
    /// The items it names (`Foo::bar, previously in file src/lib.rs:5`).
    pub items: Vec<String>,
}

/// What cargo-semver-checks said.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every failed or warned lint.
    pub findings: Vec<Finding>,
    /// Its summary lines (one a crate).
    pub summaries: Vec<String>,
    /// Whether it exited successfully (no bump missing).
    pub passed: bool,
    /// How long it ran.
    pub took: Duration,
}

/// The installed binary: `CARGO_SEMVER_CHECKS` if set, else `target/tools/bin` of the checkout,
/// else of the workspace this xtask was built from.
pub fn locate(root: &Path) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CARGO_SEMVER_CHECKS") {
        return Some(PathBuf::from(bin));
    }
    [root.to_path_buf(), crate::own_workspace()]
        .into_iter()
        .map(|r| r.join("target/tools/bin/cargo-semver-checks"))
        .find(|p| p.exists())
}

/// Runs `cargo semver-checks check-release --baseline-rev BASE -p …` in `root`.
pub fn run(bin: &Path, root: &Path, base: &str, crates: &[&str]) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut command = Command::new(bin);
    command
        .args(["semver-checks", "check-release", "--baseline-rev", base])
        .current_dir(root)
        .env("CARGO_TERM_COLOR", "never");
    for krate in crates {
        command.args(["-p", krate]);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let mut outcome = parse(&text);
    outcome.passed = out.status.success();
    outcome.took = start.elapsed();
    if !outcome.passed && outcome.findings.is_empty() && outcome.summaries.is_empty() {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        return Err(format!(
            "cargo-semver-checks failed without findings ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(outcome)
}

/// Reads cargo-semver-checks' human output.
pub fn parse(text: &str) -> Outcome {
    let mut findings: Vec<Finding> = Vec::new();
    let mut summaries = Vec::new();
    let mut krate = String::new();
    let mut in_items = false;
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("Checking ") {
            krate = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            in_items = false;
        } else if let Some(rest) = line.strip_prefix("Summary ") {
            summaries.push(format!("{krate}: {rest}"));
            in_items = false;
        } else if let Some(head) = line
            .strip_prefix("--- ")
            .and_then(|l| l.strip_suffix(" ---"))
        {
            let (level, rest) = head.split_once(' ').unwrap_or((head, ""));
            let (lint, title) = rest.split_once(": ").unwrap_or((rest, ""));
            findings.push(Finding {
                krate: krate.clone(),
                level: level.to_owned(),
                lint: lint.to_owned(),
                title: title.to_owned(),
                items: Vec::new(),
            });
            in_items = false;
        } else if line == "Failed in:" {
            in_items = true;
        } else if in_items {
            if line.is_empty() {
                in_items = false;
            } else if let Some(f) = findings.last_mut() {
                // The item, without where rustdoc's build of it lies (`… in /tmp/…/codegen.rs:17`).
                let item = line
                    .split(", previously in file ")
                    .next()
                    .and_then(|l| l.split(" in /").next())
                    .unwrap_or(line);
                f.items.push(item.to_owned());
            }
        }
    }
    Outcome {
        findings,
        summaries,
        passed: true,
        took: Duration::ZERO,
    }
}
