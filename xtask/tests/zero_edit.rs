//! A new optional request property reaches the builder, the validation and the CLI flag with
//! no hand edit. On a copy of the workspace: add `seed` to the text-to-video body, run
//! `cargo xtask generate`, then send it through the CLI against the mock, refuse an
//! out-of-range value before anything is sent, and set it with the generated builder.
//!
//! The copy builds in `target/zero-edit`, beside the workspace's own target directory, so
//! that a second run rebuilds only what the edit touched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The property added to the spec: optional, with a range and a description.
const SEED: &str = "        seed:
          type: integer
          format: int32
          minimum: 0
          maximum: 999
          description: A seed for reproducible results, 0 to 999.
";

/// What the probe, dropped into the copy's CLI tests, checks.
const PROBE: &str = r#"
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::process::Command;

fn kling(server: &nicerouter_kling_mock::MockServer, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["--base-url", &server.base_url(), "--api-key", server.api_key(), "--json"])
        .args(args)
        .env_remove("NICEROUTER_API_KEY")
        .env_remove("NICEROUTER_BASE_URL")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_new_property_is_a_flag_a_rule_and_a_setter() {
    let server = nicerouter_kling_mock::MockServer::start().await.unwrap();
    let sent = kling(&server, &["video", "text2video", "--prompt", "a cat", "--seed", "7"]);
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&sent.stdout).unwrap();
    let task = server.task(doc["task_id"].as_str().unwrap()).unwrap();
    assert_eq!(task.request["seed"], 7);

    let refused = kling(&server, &["video", "text2video", "--prompt", "a cat", "--seed", "1000"]);
    assert_eq!(refused.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("`seed`"), "{error}");
    assert_eq!(server.tasks_created(), 1, "nothing was sent for the bad value");

    let help = Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["video", "text2video", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("A seed for reproducible results"));

    let client = nicerouter_kling::Client::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let body = client.text_to_video().prompt("a cat").seed(42).build().unwrap();
    assert_eq!(serde_json::to_value(&body).unwrap()["seed"], 42);
}
"#;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Copies the workspace's sources (not its build output or history) into `to`.
fn copy_sources(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let skipped = [".git", "target", "fuzz", "node_modules", ".state"];
        if skipped.iter().any(|skip| name == *skip) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_sources(&src, &dst);
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn cargo(dir: &Path, args: &[&str]) {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/zero-edit"))
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(status.success(), "cargo {args:?} failed in the copy");
}

#[test]
fn a_new_optional_property_needs_no_hand_edit() {
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path();
    copy_sources(&root(), dir);

    let spec_path = dir.join("openapi/kling.yaml");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let anchor = "    Text2VideoRequest:";
    let at = spec.find(anchor).expect("the text-to-video body");
    let properties =
        at + spec[at..].find("      properties:\n").unwrap() + "      properties:\n".len();
    let edited = format!("{}{SEED}{}", &spec[..properties], &spec[properties..]);
    std::fs::write(&spec_path, edited).unwrap();
    std::fs::write(dir.join("cli/tests/zero_edit_probe.rs"), PROBE).unwrap();

    cargo(
        dir,
        &[
            "run", "--quiet", "--locked", "-p", "xtask", "--", "generate",
        ],
    );
    let builders = std::fs::read_to_string(dir.join("generated/snapshot/builders.rs")).unwrap();
    assert!(
        builders.contains("pub fn seed(self, value: i64)"),
        "the snapshot has the setter"
    );
    cargo(
        dir,
        &[
            "test",
            "--quiet",
            "--locked",
            "-p",
            "nicerouter-kling-cli",
            "--test",
            "zero_edit_probe",
        ],
    );
}
