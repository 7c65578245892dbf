//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask generate` writes the formatted snapshot of the generated client
//!   (`generated/snapshot/codegen.rs`) and the operations summary (`generated/OPERATIONS.md`).
//! - `cargo xtask check` fails, naming the place, when the spec breaks a rule or an example does
//!   not validate, or when the snapshot or the summary is stale.
//! - `cargo xtask diff [BASE]` rates what changed in the spec since BASE (and, with
//!   cargo-semver-checks installed, in the Rust surface), prints a Markdown report, and fails on a
//!   major change without a matching version bump, or on a spec change without a changelog entry.
//! - `cargo xtask changelog [BASE]` drafts the next version's `CHANGELOG.md` entry from the same
//!   diffs (`--write` inserts it under `## [Unreleased]`).
//! - `cargo xtask docs-diff <FILE|URL>...` compares an upstream document (an OpenAPI document,
//!   an Apifox page's Markdown or text, an `llms.txt` index) with our spec, both ways.
//! - `cargo xtask docs-fetch URL...` saves upstream documents under `openapi/upstream/<date>/`
//!   with a manifest.
//! - `cargo xtask bench` runs the benchmarks (`bench/`, release build) and writes `BENCHMARKS.md`;
//!   `cargo xtask bench --smoke` runs tiny versions of them (dev build, seconds, no build-cost
//!   benchmark) and writes `target/bench/BENCHMARKS-smoke.md` instead, so CI keeps them working.
//!
//! All take `--root DIR` to work on another checkout (the tests use a copy, never the tree).

mod bench;
mod changelog;
mod clock;
mod diff;
mod docs;
mod fetch;
mod fields;
mod generate;
mod git;
mod redocly;
mod report;
mod semver;
mod spec_diff;
mod upstream;
mod versions;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options of `diff` and `changelog`.
#[derive(Debug, Default, Clone)]
pub struct DiffOptions {
    /// The git revision to compare with; `None` picks the default (see [`git::default_base`]).
    pub base: Option<String>,
    /// Skip cargo-semver-checks.
    pub no_rust: bool,
    /// Skip Redocly's `diff`.
    pub no_redocly: bool,
    /// Write the report here as well as to stdout.
    pub output: Option<PathBuf>,
    /// `changelog`: insert the draft into `CHANGELOG.md` instead of printing it only.
    pub write: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut root = workspace_root();
    let mut command: Option<String> = None;
    let mut smoke = false;
    let mut diff = DiffOptions::default();
    let mut inputs: Vec<String> = Vec::new();
    let mut follow: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let cmd = command.as_deref();
        match arg.as_str() {
            "--root" => match it.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => return usage("--root needs a directory"),
            },
            "generate" | "check" | "bench" | "diff" | "changelog" | "docs-diff" | "docs-fetch"
                if cmd.is_none() =>
            {
                command = Some(arg.clone())
            }
            "--smoke" if cmd == Some("bench") => smoke = true,
            "--no-rust" if matches!(cmd, Some("diff" | "changelog")) => diff.no_rust = true,
            "--no-redocly" if matches!(cmd, Some("diff" | "changelog")) => diff.no_redocly = true,
            "--write" if cmd == Some("changelog") => diff.write = true,
            "--output" | "-o" if matches!(cmd, Some("diff" | "changelog" | "docs-diff")) => {
                match it.next() {
                    Some(file) => diff.output = Some(PathBuf::from(file)),
                    None => return usage("--output needs a file"),
                }
            }
            "--follow" if cmd == Some("docs-fetch") => match it.next() {
                Some(text) => follow.push(text.clone()),
                None => return usage("--follow needs a text to look for in llms.txt lines"),
            },
            "-h" | "--help" => return usage(""),
            other if matches!(cmd, Some("diff" | "changelog")) && !other.starts_with('-') => {
                if diff.base.is_some() {
                    return usage(&format!("one BASE only (got `{other}` too)"));
                }
                diff.base = Some(other.to_owned());
            }
            other if matches!(cmd, Some("docs-diff" | "docs-fetch")) && !other.starts_with('-') => {
                inputs.push(other.to_owned())
            }
            other => return usage(&format!("unknown argument `{other}`")),
        }
    }
    let result = match command.as_deref() {
        Some("generate") => generate::run_generate(&root),
        Some("check") => generate::run_check(&root),
        Some("bench") => bench::run_bench(&root, smoke),
        Some("diff") => diff::run(&root, &diff),
        Some("changelog") => changelog::run(&root, &diff),
        Some("docs-diff") if inputs.is_empty() => return usage("docs-diff needs a FILE or URL"),
        Some("docs-diff") => docs::run(&root, &inputs, diff.output.as_deref()),
        Some("docs-fetch") if inputs.is_empty() => return usage("docs-fetch needs a URL"),
        Some("docs-fetch") => fetch::run(&root, &inputs, &follow),
        _ => return usage("missing command"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("error: {problem}\n");
    }
    eprintln!(
        "usage: cargo xtask [--root DIR] <command>\n\n\
         commands:\n  \
         generate     write {}, {}, {} and {} from openapi/kling.yaml\n  \
         check        lint the spec, validate its examples, and fail if the snapshot or summary is stale\n  \
         diff [BASE]  rate the spec's and the Rust surface's changes since BASE (default: the last tag,\n               \
         else the merge-base with main) in a Markdown report; fail on a major change without\n               \
         a version bump, or a spec change without a CHANGELOG.md change\n               \
         [--no-rust] [--no-redocly] [--output FILE]\n  \
         changelog [BASE]  draft the next version's CHANGELOG.md entry from the same diffs\n               \
         [--write] [--no-rust] [--no-redocly] [--output FILE]\n  \
         docs-diff <FILE|URL>...  compare upstream docs (OpenAPI, Apifox page .md or text, llms.txt,\n               \
         or a directory saved by docs-fetch) with our spec, both ways [--output FILE]\n  \
         docs-fetch URL...  save upstream docs under openapi/upstream/<date>/ with a manifest\n               \
         [--follow TEXT: also fetch the .md pages of llms.txt lines containing TEXT]\n  \
         bench        run the benchmarks and write BENCHMARKS.md (--smoke: a quick run into target/bench/)",
        generate::SNAPSHOT,
        generate::CATALOG,
        generate::BUILDERS,
        generate::SUMMARY
    );
    if problem.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn workspace_root() -> PathBuf {
    // xtask lives in `<root>/xtask`.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// The workspace this xtask binary was built from (where its pinned tools are installed), which
/// may differ from `--root`.
pub fn own_workspace() -> PathBuf {
    workspace_root()
}
