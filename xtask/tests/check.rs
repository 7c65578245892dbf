//! `cargo xtask check` fails, naming the place, on a stale snapshot, a broken rule or a bad
//! example; `generate` makes it pass again. Everything runs on a copy of the tree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const FILES: [&str; 5] = [
    "openapi/kling.yaml",
    "generated/snapshot/codegen.rs",
    "generated/snapshot/catalog.rs",
    "generated/snapshot/builders.rs",
    "generated/OPERATIONS.md",
];

fn copy_tree() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for rel in FILES {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(rel), to).unwrap();
    }
    dir
}

fn xtask(root: &Path, command: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .arg(command)
        .output()
        .unwrap()
}

fn edit_spec(root: &Path, from: &str, to: &str) {
    let path = root.join("openapi/kling.yaml");
    let spec = std::fs::read_to_string(&path).unwrap();
    assert!(spec.contains(from), "the spec no longer contains {from:?}");
    std::fs::write(&path, spec.replacen(from, to, 1)).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_fresh_copy_passes() {
    let dir = copy_tree();
    let out = xtask(dir.path(), "check");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_one_line_spec_edit_makes_the_snapshot_stale_until_generate() {
    let dir = copy_tree();
    edit_spec(
        dir.path(),
        "Tasks per page, from 1 to 500.",
        "Tasks per page (1 to 500).",
    );
    let out = xtask(dir.path(), "check");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("generated/snapshot/codegen.rs:"), "{err}");
    assert!(err.contains("stale"), "{err}");
    assert!(err.contains("cargo xtask generate"), "{err}");

    let out = xtask(dir.path(), "generate");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = xtask(dir.path(), "check");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_broken_rule_is_named() {
    let dir = copy_tree();
    edit_spec(dir.path(), "      summary: List lip-sync tasks\n", "");
    let out = xtask(dir.path(), "check");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("paths./v1/videos/lip-sync.get [operation-summary]"),
        "{err}"
    );
}

#[test]
fn an_example_that_breaks_its_schema_is_named() {
    let dir = copy_tree();
    edit_spec(
        dir.path(),
        "              duration: '5'\n              external_task_id: my-app-7f3c2a91",
        "              duration: 5\n              external_task_id: my-app-7f3c2a91",
    );
    let out = xtask(dir.path(), "check");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("/v1/videos/text2video") && err.contains("duration"),
        "{err}"
    );
}

#[test]
fn the_real_tree_is_never_written_by_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let before: Vec<_> = FILES
        .iter()
        .map(|f| std::fs::read(root.join(f)).unwrap())
        .collect();
    let dir = copy_tree();
    let _ = xtask(dir.path(), "check");
    let after: Vec<_> = FILES
        .iter()
        .map(|f| std::fs::read(root.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
}
