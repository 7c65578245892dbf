//! Benchmark 5, build cost: `cargo build -p nicerouter-kling` from cold, and again after a
//! one-line edit, in two copies of the workspace:
//!
//! - **A, as is**: `generated/build.rs` runs progenitor on `openapi/kling.yaml` at build time;
//!   the edit is one line of the spec.
//! - **B, checked-in code**: `generated/` includes the committed snapshot
//!   `generated/snapshot/codegen.rs` directly (no build script, no build dependencies); the
//!   equivalent edit is one line of that file (what `cargo xtask generate` would rewrite).
//!
//! Each copy has its own target directory, so both cold builds really are cold; the registry
//! cache is shared and warm (`--offline`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};

use crate::report::{Row, Section, Verdict};

/// The code generated at build time: the source file that includes it from `OUT_DIR`, the
/// generated file's name, and the committed snapshot variant B includes instead (relative to
/// that source file).
const INCLUDES: &[(&str, &str, &str)] = &[
    (
        "generated/src/lib.rs",
        "codegen.rs",
        "../snapshot/codegen.rs",
    ),
    (
        "generated/src/catalog.rs",
        "catalog.rs",
        "../snapshot/catalog.rs",
    ),
    (
        "wrapper/src/builders.rs",
        "builders.rs",
        "../../generated/snapshot/builders.rs",
    ),
];
/// The crates whose build scripts generate that code.
const GENERATING_CRATES: &[&str] = &["generated", "wrapper"];

/// The line that includes `file` from `OUT_DIR`.
fn out_dir_include(file: &str) -> String {
    format!(r#"include!(concat!(env!("OUT_DIR"), "/{file}"));"#)
}

/// The line that includes a snapshot instead.
fn snapshot_include(snapshot: &str) -> String {
    format!(r#"include!("{snapshot}");"#)
}

/// Timings of one variant, in seconds.
#[derive(Debug, Clone, Copy)]
struct Timings {
    cold: f64,
    rebuild: f64,
}

/// Runs benchmark 5 on a copy of the workspace at `root`, with `cargo`.
pub fn run(root: &Path, cargo: &str) -> Result<Section> {
    let scratch = tempfile::Builder::new()
        .prefix("nicerouter-kling-build-cost")
        .tempdir()?;
    let a = scratch.path().join("a-build-time");
    let b = scratch.path().join("b-checked-in");
    copy_workspace(root, &a)?;
    copy_workspace(root, &b)?;
    use_snapshot(&b)?;
    eprintln!("build-cost: cold build, A (generated at build time)");
    let cold_a = cargo_build(cargo, &a)?;
    eprintln!("build-cost: cold build, B (checked-in generated code)");
    let cold_b = cargo_build(cargo, &b)?;
    edit_spec(&a)?;
    eprintln!("build-cost: rebuild of A after a one-line spec edit");
    let rebuild_a = cargo_build(cargo, &a)?;
    edit_snapshot(&b)?;
    eprintln!("build-cost: rebuild of B after a one-line edit of the generated code");
    let rebuild_b = cargo_build(cargo, &b)?;
    let a = Timings {
        cold: cold_a,
        rebuild: rebuild_a,
    };
    let b = Timings {
        cold: cold_b,
        rebuild: rebuild_b,
    };
    Ok(section(a, b))
}

fn section(a: Timings, b: Timings) -> Section {
    let s = |v: f64| format!("{v:.1} s");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rows = vec![
        Row::new(
            "5. rebuild after a one-line spec edit (build-time generation)",
            s(a.rebuild),
            format!("{} (checked-in code, one-line edit)", s(b.rebuild)),
            Some(a.rebuild / b.rebuild),
            format!("≤ 15 s on 2 cores (here {cores})"),
            Verdict::from_bool(a.rebuild <= 15.0),
        ),
        Row::new(
            "5. cold `cargo build -p nicerouter-kling` (build-time generation)",
            s(a.cold),
            format!("{} (checked-in code)", s(b.cold)),
            Some(a.cold / b.cold),
            "a reasonable ratio",
            Verdict::Info,
        ),
    ];
    let mut detail = String::new();
    let _ = writeln!(
        detail,
        "Two copies of the workspace (its tracked and untracked-but-not-ignored files), each \
         with its own empty target directory, built with `cargo build -p nicerouter-kling \
         --offline` (dev profile) and timed around the cargo process:\n\n\
         - **A, as is**: `generated/build.rs` generates the client from `openapi/kling.yaml` \
         with progenitor at build time. The rebuild follows a one-line edit of a description \
         in the spec, which changes a doc comment of the generated code.\n\
         - **B, checked-in code**: `generated/src/lib.rs` includes \
         `generated/snapshot/codegen.rs` (kept current by `cargo xtask check`); no build \
         script, no build dependencies. The rebuild follows a one-line edit of that file.\n"
    );
    let _ = writeln!(
        detail,
        "| | A: build-time generation | B: checked-in code | A / B |\n|---|---|---|---|\n\
         | cold build | {} | {} | {:.2}× |\n| rebuild after a one-line edit | {} | {} | {:.2}× |",
        s(a.cold),
        s(b.cold),
        a.cold / b.cold,
        s(a.rebuild),
        s(b.rebuild),
        a.rebuild / b.rebuild
    );
    Section {
        title: "5. Build cost".into(),
        rows,
        detail,
    }
}

/// Copies the files git knows of (tracked, or untracked and not ignored) from `root` to `to`.
fn copy_workspace(root: &Path, to: &Path) -> Result<()> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .context("running git ls-files")?;
    ensure!(output.status.success(), "git ls-files failed");
    let mut copied = 0usize;
    for rel in output.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let rel = PathBuf::from(String::from_utf8_lossy(rel).into_owned());
        let from = root.join(&rel);
        if !from.is_file() {
            // Deleted in the work tree but still in the index.
            continue;
        }
        let dest = to.join(&rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(&from, &dest).with_context(|| format!("copying {}", rel.display()))?;
        copied += 1;
    }
    ensure!(copied > 0, "git listed no files under {}", root.display());
    Ok(())
}

/// Turns a copy into variant B: include the snapshots, drop the build scripts and their
/// dependencies.
fn use_snapshot(dir: &Path) -> Result<()> {
    for (source, file, snapshot) in INCLUDES {
        let path = dir.join(source);
        let text = std::fs::read_to_string(&path)?;
        let include = out_dir_include(file);
        ensure!(
            text.contains(&include),
            "{source} no longer includes OUT_DIR/{file}; update the build-cost bench"
        );
        std::fs::write(&path, text.replace(&include, &snapshot_include(snapshot)))?;
    }
    for krate in GENERATING_CRATES {
        drop_build_script(&dir.join(krate))?;
    }
    Ok(())
}

/// Removes a crate's build script, its `build =` line and its build dependencies.
fn drop_build_script(krate: &Path) -> Result<()> {
    std::fs::remove_file(krate.join("build.rs"))?;
    let manifest = krate.join("Cargo.toml");
    let mut kept = String::new();
    let mut in_build_deps = false;
    for line in std::fs::read_to_string(&manifest)?.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_build_deps = trimmed == "[build-dependencies]";
        }
        if in_build_deps || trimmed.starts_with("build =") {
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    std::fs::write(&manifest, kept)?;
    Ok(())
}

/// Edits one line of the spec: the first plain one-line description of a schema (which
/// becomes a doc comment of the generated code) gets a word more.
fn edit_spec(dir: &Path) -> Result<()> {
    let path = dir.join("openapi/kling.yaml");
    let text = std::fs::read_to_string(&path)?;
    let schemas = text
        .find("\n  schemas:\n")
        .context("openapi/kling.yaml has no components.schemas")?;
    let (head, tail) = text.split_at(schemas);
    let mut edited = false;
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(head);
    for line in tail.split_inclusive('\n') {
        let value = line
            .trim_start()
            .strip_prefix("description: ")
            .map(str::trim_end);
        let plain = value
            .is_some_and(|v| v.len() > 20 && !v.starts_with(['"', '\'', '>', '|', '&', '*', '!']));
        if !edited && plain {
            out.push_str(line.trim_end());
            out.push_str(" (edited)\n");
            edited = true;
        } else {
            out.push_str(line);
        }
    }
    ensure!(
        edited,
        "no plain schema description to edit in openapi/kling.yaml"
    );
    std::fs::write(&path, out)?;
    Ok(())
}

/// Edits one line of the checked-in generated code: the first doc comment gets a word more.
fn edit_snapshot(dir: &Path) -> Result<()> {
    edit_first_line(&dir.join("generated/snapshot/codegen.rs"), |line| {
        line.trim_start().starts_with("///") && line.len() > 30
    })
}

fn edit_first_line(path: &Path, pick: impl Fn(&str) -> bool) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut done = false;
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if !done && pick(line.trim_end_matches('\n')) {
            out.push_str(line.trim_end_matches('\n'));
            out.push_str(" (edited)");
            out.push('\n');
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if !done {
        bail!("no line to edit in {}", path.display());
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// `cargo build -p nicerouter-kling --offline` in `dir` with its own target directory; seconds.
fn cargo_build(cargo: &str, dir: &Path) -> Result<f64> {
    let started = Instant::now();
    let status = Command::new(cargo)
        .args(["build", "-p", "nicerouter-kling", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("CARGO_INCREMENTAL")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_JOBS")
        .status()
        .context("running cargo build")?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(status.success(), "cargo build failed in {}", dir.display());
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn variant_b_drops_the_build_scripts_and_their_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        for krate in GENERATING_CRATES {
            let k = dir.path().join(krate);
            std::fs::create_dir_all(k.join("src")).unwrap();
            std::fs::write(
                k.join("Cargo.toml"),
                "[package]\nname = \"x\"\nbuild = \"build.rs\"\n\n[dependencies]\nserde = \"1\"\n\n\
                 [build-dependencies]\ncodegen = \"1\"\nspec = \"1\"\n\n[lints]\nworkspace = true\n",
            )
            .unwrap();
            std::fs::write(k.join("build.rs"), "fn main() {}").unwrap();
        }
        for (source, file, _) in INCLUDES {
            let include = out_dir_include(file);
            std::fs::write(
                dir.path().join(source),
                format!("mod m {{\n    {include}\n}}\n"),
            )
            .unwrap();
        }
        use_snapshot(dir.path()).unwrap();
        for krate in GENERATING_CRATES {
            let k = dir.path().join(krate);
            let manifest = std::fs::read_to_string(k.join("Cargo.toml")).unwrap();
            assert_eq!(
                manifest,
                "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n\n[lints]\nworkspace = true\n"
            );
            assert!(!k.join("build.rs").exists());
        }
        for (source, _, snapshot) in INCLUDES {
            let text = std::fs::read_to_string(dir.path().join(source)).unwrap();
            assert!(text.contains(&snapshot_include(snapshot)) && !text.contains("OUT_DIR"));
        }
    }

    #[test]
    fn the_real_tree_has_the_lines_the_bench_edits() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for (source, file, snapshot) in INCLUDES {
            let text = std::fs::read_to_string(root.join(source)).unwrap();
            assert!(text.contains(&out_dir_include(file)), "{source}");
            let from = root.join(source);
            let target = from.parent().unwrap().join(snapshot);
            assert!(target.exists(), "{source} -> {snapshot}");
        }
        let dir = tempfile::tempdir().unwrap();
        for rel in ["openapi/kling.yaml", "generated/snapshot/codegen.rs"] {
            let dest = dir.path().join(rel);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(root.join(rel), &dest).unwrap();
        }
        let before = std::fs::read_to_string(dir.path().join("openapi/kling.yaml")).unwrap();
        edit_spec(dir.path()).unwrap();
        edit_snapshot(dir.path()).unwrap();
        let after = std::fs::read_to_string(dir.path().join("openapi/kling.yaml")).unwrap();
        assert_eq!(after.lines().count(), before.lines().count());
        assert_eq!(after.matches("(edited)").count(), 1);
    }
}
