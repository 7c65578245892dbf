//! The `nicerouter-kling-mock` binary prints its URL and serves until stopped.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the child even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_origin_and_serves_with_the_given_key_and_faults() {
    let child = Command::new(env!("CARGO_BIN_EXE_nicerouter-kling-mock"))
        .args([
            "--api-key",
            "cli-key",
            "--timing",
            "polls:0:0",
            "--fault",
            "extra-fields",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = line.trim().to_owned();
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");

    let response = reqwest::Client::new()
        .post(format!("{origin}/kling/v1/videos/text2video"))
        .bearer_auth("cli-key")
        .json(&serde_json::json!({ "prompt": "p" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        json["data"]["progress"], "50%",
        "the --fault scenario applies"
    );
}

#[test]
fn the_binary_refuses_bad_arguments() {
    for args in [
        &["--timing", "soon"][..],
        &["--host", "0.0.0.0"],
        &["--fault", "explode"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_nicerouter-kling-mock"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}
