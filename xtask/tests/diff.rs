//! `cargo xtask diff` rates each kind of spec change, names the field, flags a response enum
//! value as a possible match-arm break, and fails on a major change without a version bump or
//! on a spec change without a changelog change. Every test works in a temporary git repository
//! holding a small spec and the manifests the version check reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const SPEC: &str = r#"openapi: 3.0.3
info:
  title: Things
  version: 1.0.0
tags:
  - name: things
    description: Things (东西).
paths:
  /v1/things:
    post:
      operationId: create_thing
      summary: Create a thing
      tags: [things]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/ThingRequest'
      responses:
        '200':
          description: The thing.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Thing'
components:
  schemas:
    ThingRequest:
      type: object
      required: [name]
      properties:
        name:
          type: string
          maxLength: 100
        note:
          type: string
          description: A note.
    Thing:
      type: object
      required: [status]
      properties:
        status:
          type: string
          enum: [queued, done]
"#;

const WORKSPACE: &str = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.1.0\"\n";
const CRATE: &str = "[package]\nname = \"x\"\nversion.workspace = true\n";

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository whose only commit holds the spec, the manifests and a changelog.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "openapi/kling.yaml", SPEC);
    write(d, "Cargo.toml", WORKSPACE);
    write(d, "generated/Cargo.toml", CRATE);
    write(d, "wrapper/Cargo.toml", CRATE);
    write(d, "CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n");
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    dir
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Records the change in the changelog, so that only the rating decides.
fn note_in_changelog(dir: &Path) {
    edit(
        dir,
        "CHANGELOG.md",
        "## [Unreleased]\n",
        "## [Unreleased]\n\n- A change.\n",
    );
}

fn diff(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(dir)
        .args(["diff", "HEAD", "--no-rust", "--no-redocly"])
        .args(extra)
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The report's table row for `field`.
fn row<'a>(report: &'a str, field: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&format!("| `{field}` |")))
        .unwrap_or_else(|| panic!("no row for {field} in:\n{report}"))
}

#[test]
fn removing_a_request_field_is_major_and_names_the_field() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "        note:\n          type: string\n          description: A note.\n",
        "",
    );
    note_in_changelog(dir.path());
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(report.contains("Rating: **major**"), "{report}");
    let line = row(&report, "note");
    assert!(line.starts_with("| major |"), "{line}");
    assert!(line.contains("removed"), "{line}");
    assert!(line.contains("`POST /v1/things`"), "{line}");
    assert!(
        !out.status.success(),
        "a major change without a bump must fail"
    );
    assert!(err.contains("nicerouter-kling ≥ 0.2.0"), "{err}");
    assert!(err.contains("info.version ≥ 2.0.0"), "{err}");
}

#[test]
fn adding_an_optional_request_field_is_minor() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "        note:\n",
        "        colour:\n          type: string\n        note:\n",
    );
    note_in_changelog(dir.path());
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(report.contains("Rating: **minor**"), "{report}");
    let line = row(&report, "colour");
    assert!(line.starts_with("| minor |"), "{line}");
    assert!(line.contains("new optional field"), "{line}");
}

#[test]
fn adding_a_required_request_field_is_major() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "      required: [name]\n      properties:\n",
        "      required: [name, size]\n      properties:\n        size:\n          type: integer\n",
    );
    note_in_changelog(dir.path());
    let (report, _) = text(&diff(dir.path(), &[]));
    let line = row(&report, "size");
    assert!(line.starts_with("| major |"), "{line}");
    assert!(line.contains("new required field"), "{line}");
}

#[test]
fn tightening_and_loosening_a_request_limit_are_major_and_minor() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "maxLength: 100",
        "maxLength: 50",
    );
    note_in_changelog(dir.path());
    let (report, _) = text(&diff(dir.path(), &[]));
    let line = row(&report, "name");
    assert!(line.starts_with("| major | `name` | tightened"), "{line}");

    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "maxLength: 100",
        "maxLength: 200",
    );
    note_in_changelog(dir.path());
    let (report, _) = text(&diff(dir.path(), &[]));
    let line = row(&report, "name");
    assert!(line.starts_with("| minor | `name` | loosened"), "{line}");
}

#[test]
fn changing_a_description_is_patch() {
    let dir = repo();
    edit(dir.path(), "openapi/kling.yaml", "A note.", "A short note.");
    note_in_changelog(dir.path());
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(report.contains("Rating: **patch**"), "{report}");
    let line = row(&report, "note");
    assert!(line.starts_with("| patch |"), "{line}");
    assert!(line.contains("description changed"), "{line}");
}

#[test]
fn adding_an_enum_value_to_a_response_is_minor_and_flagged_for_rust_matches() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "enum: [queued, done]",
        "enum: [queued, done, failed]",
    );
    note_in_changelog(dir.path());
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(report.contains("## Response fields"), "{report}");
    let line = row(&report, "status");
    assert!(line.starts_with("| minor |"), "{line}");
    assert!(line.contains("\"failed\""), "{line}");
    assert!(line.contains("possible match-arm break"), "{line}");
}

#[test]
fn a_new_operation_is_minor_and_a_removed_one_major() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "components:\n",
        "  /v1/things/{id}:\n    get:\n      operationId: get_thing\n      summary: Get a thing\n      \
         tags: [things]\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      \
         responses:\n        '200':\n          description: The thing.\ncomponents:\n",
    );
    note_in_changelog(dir.path());
    let (report, _) = text(&diff(dir.path(), &[]));
    assert!(report.contains("Added (1):"), "{report}");
    assert!(
        report.contains("- minor `GET /v1/things/{id}`: new operation `get_thing`"),
        "{report}"
    );

    git(dir.path(), &["commit", "-qam", "add get"]);
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "  /v1/things/{id}:\n    get:\n",
        "  /v1/things/{id}:\n    x-gone:\n",
    );
    edit(
        dir.path(),
        "CHANGELOG.md",
        "- A change.\n",
        "- Another change.\n",
    );
    let out = diff(dir.path(), &[]);
    let (report, _) = text(&out);
    assert!(report.contains("Removed (1):"), "{report}");
    assert!(
        report.contains("- major `GET /v1/things/{id}`: operation `get_thing` removed"),
        "{report}"
    );
    assert!(!out.status.success());
}

#[test]
fn a_major_change_passes_once_the_crates_and_info_version_are_bumped() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "enum: [queued, done]",
        "enum: [queued]",
    );
    note_in_changelog(dir.path());
    let out = diff(dir.path(), &[]);
    assert!(
        !out.status.success(),
        "an enum narrowed without a bump must fail"
    );

    edit(
        dir.path(),
        "Cargo.toml",
        "version = \"0.1.0\"",
        "version = \"0.2.0\"",
    );
    let out = diff(dir.path(), &[]);
    let (_, err) = text(&out);
    assert!(!out.status.success(), "info.version is still 1.0.0");
    assert!(err.contains("info.version ≥ 2.0.0"), "{err}");
    assert!(!err.contains("nicerouter-kling ≥"), "{err}");

    edit(
        dir.path(),
        "openapi/kling.yaml",
        "version: 1.0.0",
        "version: 2.0.0",
    );
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(out.status.success(), "{err}\n{report}");
    assert!(
        report.contains("every version was bumped to match"),
        "{report}"
    );
}

#[test]
fn a_spec_change_without_a_changelog_change_fails() {
    let dir = repo();
    edit(dir.path(), "openapi/kling.yaml", "A note.", "A short note.");
    let out = diff(dir.path(), &[]);
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("CHANGELOG.md did not"), "{err}");
}

#[test]
fn no_change_passes_and_says_so() {
    let dir = repo();
    let out = diff(dir.path(), &[]);
    let (report, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(report.contains("Rating: no change"), "{report}");
    assert!(report.contains("Not run: skipped (--no-rust)"), "{report}");
}

#[test]
fn the_changelog_draft_lists_the_changes_by_section() {
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "        note:\n          type: string\n          description: A note.\n",
        "        colour:\n          type: string\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(dir.path())
        .args(["changelog", "HEAD", "--no-rust", "--no-redocly", "--write"])
        .output()
        .unwrap();
    let (draft, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(draft.starts_with("## [0.2.0] - "), "{draft}");
    assert!(
        draft.contains("### Added\n\n- Request field `colour`"),
        "{draft}"
    );
    assert!(
        draft.contains("### Removed\n\n- **Breaking:** Request field `note`"),
        "{draft}"
    );
    let changelog = std::fs::read_to_string(dir.path().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.contains("## [Unreleased]\n\n## [0.2.0]"),
        "{changelog}"
    );
    // The changelog changed with the spec, so only the missing bump fails the diff now.
    let (_, err) = text(&diff(dir.path(), &[]));
    assert!(!err.contains("CHANGELOG.md did not"), "{err}");
}

#[test]
fn redocly_rates_the_same_change_when_installed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if !root.join("tools/semver/node_modules/.bin/redocly").exists() {
        eprintln!("SKIPPED: Redocly CLI is not installed (bash tools/semver/install.sh)");
        return;
    }
    let dir = repo();
    edit(
        dir.path(),
        "openapi/kling.yaml",
        "maxLength: 100",
        "maxLength: 50",
    );
    note_in_changelog(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(dir.path())
        .args(["diff", "HEAD", "--no-rust"])
        .output()
        .unwrap();
    let (report, _) = text(&out);
    assert!(report.contains("Redocly: major"), "{report}");
    assert!(
        report.contains("Redocly rates the same change **major**"),
        "{report}"
    );
}
