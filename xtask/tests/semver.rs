//! cargo-semver-checks, run by `cargo xtask diff`, names a removed builder setter. The
//! workspace is a tiny pair of crates standing in for `nicerouter-kling-raw` and
//! `nicerouter-kling` in a temporary git repository, so the two rustdoc builds take seconds.
//! `.ci/run` installs the tool (`tools/semver/install.sh`) before the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

const SPEC: &str = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths: {}\n";

const BUILDER: &str = "//! The wrapper.\n\n\
/// A builder.\n#[derive(Default)]\npub struct TextToVideo {\n    prompt: String,\n    seed: i64,\n}\n\n\
impl TextToVideo {\n    \
/// Sets the prompt.\n    pub fn prompt(mut self, value: &str) -> Self {\n        self.prompt = value.to_owned();\n        self\n    }\n\n    \
/// Sets the seed.\n    pub fn seed(mut self, value: i64) -> Self {\n        self.seed = value;\n        self\n    }\n\n    \
/// The body.\n    pub fn body(&self) -> (String, i64) {\n        (self.prompt.clone(), self.seed)\n    }\n}\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_removed_builder_setter_is_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if !root.join("target/tools/bin/cargo-semver-checks").exists() {
        eprintln!(
            "SKIPPED: cargo-semver-checks is not installed; run `bash tools/semver/install.sh` \
             (.ci/run does, before the tests)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"generated\", \"wrapper\"]\n\n\
         [workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    for (dir_name, name) in [
        ("generated", "nicerouter-kling-raw"),
        ("wrapper", "nicerouter-kling"),
    ] {
        write(
            d,
            &format!("{dir_name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n"
            ),
        );
    }
    write(
        d,
        "generated/src/lib.rs",
        "//! The raw client.\n\n/// A type.\npub struct Raw;\n",
    );
    write(d, "wrapper/src/lib.rs", BUILDER);
    write(d, "openapi/kling.yaml", SPEC);
    write(d, "CHANGELOG.md", "# Changelog\n");
    write(d, ".gitignore", "/target\n");
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);

    let without_seed = BUILDER
        .replace(
            "    /// Sets the seed.\n    pub fn seed(mut self, value: i64) -> Self {\n        self.seed = value;\n        self\n    }\n\n",
            "",
        );
    assert_ne!(without_seed, BUILDER);
    write(d, "wrapper/src/lib.rs", &without_seed);

    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(d)
        .args(["diff", "HEAD", "--no-redocly"])
        .env("CARGO_TARGET_DIR", d.join("target"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        report.contains("## Rust surface (cargo-semver-checks)"),
        "{report}\n{err}"
    );
    assert!(
        report.contains("inherent_method_missing"),
        "{report}\n{err}"
    );
    assert!(report.contains("TextToVideo::seed"), "{report}\n{err}");
    assert!(report.contains("Rust surface: breaking"), "{report}");
    // The Rust surface broke and no version was bumped: the diff fails.
    assert!(!out.status.success());
    assert!(err.contains("nicerouter-kling ≥ 0.2.0"), "{err}");
}
