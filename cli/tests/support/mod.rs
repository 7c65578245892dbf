//! Shared test support: a simulated server in its own runtime, the `kling` binary pointed at
//! it, what a run printed, and generated media files.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use nicerouter_kling_mock::{JournalEntry, MockServer, MockServerBuilder, Timing};
use serde_json::Value;

/// The NiceRouter key the test servers accept: unique, so that any appearance in output is a
/// leak and never a coincidence.
pub const API_KEY: &str = "sk-nrk-test-5e1f0c9a7b3d";
/// The official API's access key.
pub const ACCESS_KEY: &str = "ak-kling-test-2b8e6d4f1a9c";
/// The official API's secret key.
pub const SECRET_KEY: &str = "sk-kling-secret-test-7c3a9e5b1d2f";

/// Environment variables the binary reads; removed so the developer's shell cannot leak in.
const ENV: [&str; 6] = [
    "NICEROUTER_API_KEY",
    "NICEROUTER_BASE_URL",
    "KLING_ACCESS_KEY",
    "KLING_SECRET_KEY",
    "KLING_BASE_URL",
    "RUST_LOG",
];

/// A simulated server running in a runtime of its own, so that a test can run the binary
/// (a blocking child process) while the server answers it. Stops when dropped.
pub struct Server {
    pub mock: MockServer,
    // Dropped after `mock`: the server's tasks end with the runtime.
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// A server whose tasks finish at the first poll.
    pub fn start() -> Self {
        Self::with(|b| b)
    }

    /// A server configured by `configure` (on top of the test keys and quick tasks).
    pub fn with(configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let builder = MockServer::builder()
            .api_key(API_KEY)
            .official_keys(ACCESS_KEY, SECRET_KEY)
            .timing(Timing::Polls {
                processing_after: 0,
                done_after: 1,
            });
        let mock = runtime.block_on(configure(builder).start()).unwrap();
        Self {
            mock,
            _runtime: runtime,
        }
    }

    /// `kling --base-url <origin> --api-key <key>`: the relay, as a user would point at it.
    pub fn kling(&self) -> Command {
        let mut cmd = kling();
        cmd.args(["--base-url", &self.mock.base_url(), "--api-key", API_KEY]);
        cmd
    }

    /// `kling --base-url <origin> --access-key AK --secret-key SK`: the official API.
    pub fn official(&self) -> Command {
        let mut cmd = kling();
        cmd.args([
            "--base-url",
            &self.mock.official_base_url(),
            "--access-key",
            ACCESS_KEY,
            "--secret-key",
            SECRET_KEY,
        ]);
        cmd
    }

    /// Requests to the API (result downloads left out).
    pub fn api_requests(&self) -> Vec<JournalEntry> {
        self.mock
            .journal()
            .into_iter()
            .filter(|e| !e.path.starts_with(nicerouter_kling_mock::MEDIA_PREFIX))
            .collect()
    }

    /// The body of the only request to `operation_id`.
    pub fn only_body(&self, operation_id: &str) -> Value {
        let requests = self.mock.requests_to(operation_id);
        assert_eq!(
            requests.len(),
            1,
            "requests to {operation_id}: {requests:#?}"
        );
        requests[0].body.clone().unwrap()
    }
}

/// The `kling` binary with a clean environment and a time limit.
pub fn kling() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("kling");
    for name in ENV {
        cmd.env_remove(name);
    }
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// What one run of the binary printed, and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to completion.
    pub fn of(cmd: &mut Command) -> Self {
        let output = cmd.output().unwrap();
        Self {
            code: output.status.code().expect("the binary exited by a signal"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "exit code; {self:#?}");
        self
    }

    /// Stdout as exactly one JSON document (and nothing else but a final newline).
    pub fn json(&self) -> Value {
        let mut docs = serde_json::Deserializer::from_str(&self.stdout).into_iter::<Value>();
        let doc = docs
            .next()
            .unwrap_or_else(|| panic!("no JSON document on stdout; {self:#?}"))
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); {self:#?}"));
        assert!(
            docs.next().is_none(),
            "more than one JSON document; {self:#?}"
        );
        assert!(
            self.stdout.ends_with('\n') && self.stdout.trim_end().len() + 1 == self.stdout.len(),
            "stdout must be one JSON line; {self:#?}"
        );
        doc
    }

    /// The `error` object of a `--json` failure, checked for its documented shape.
    pub fn json_error(&self) -> Value {
        let doc = self.json();
        let object = doc.as_object().unwrap();
        assert_eq!(object.len(), 1, "only `error` at the top: {doc}");
        let error = doc["error"].clone();
        assert!(error["kind"].is_string(), "error.kind: {doc}");
        assert!(error["message"].is_string(), "error.message: {doc}");
        for optional in ["code", "request_id", "task_id"] {
            assert!(
                error.get(optional).is_none_or(|v| !v.is_null()),
                "absent members are left out, not null: {doc}"
            );
        }
        error
    }

    /// The progress events of a `--json` run: every line on stderr must be one JSON object
    /// with an `event` member, and each names its task — by `task_id`, or before the task
    /// exists (`submitting`) by `external_task_id` (stdout keeps the one result).
    pub fn events(&self) -> Vec<Value> {
        self.stderr
            .lines()
            .filter(|l| !l.is_empty())
            .map(|line| {
                let event: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {line}; {self:#?}"));
                assert!(event["event"].is_string(), "an event: {line}");
                if event["event"] == "submitting" {
                    let ext = event["external_task_id"].as_str();
                    assert!(ext.is_some_and(|e| !e.is_empty()), "names its task: {line}");
                    assert!(event.get("task_id").is_none(), "no task yet: {line}");
                } else {
                    assert!(event["task_id"].is_string(), "names its task: {line}");
                }
                assert!(event["kind"].is_string(), "names its kind: {line}");
                event
            })
            .collect()
    }

    /// Stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The one error line of a human-mode failure.
    pub fn error_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.is_empty()).collect();
        let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "one error line; {self:#?}");
        assert!(
            !self.stderr.contains("Error {") && !self.stderr.contains("backtrace"),
            "no Debug dumps; {self:#?}"
        );
        errors[0]
    }
}

/// A PNG of `width`×`height`: signature, IHDR and IEND with correct CRCs (what the library
/// and the server inspect; the pixels are never decoded).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IEND", &[])] {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

/// A short silent WAV (RIFF/WAVE, 8 kHz mono 16-bit).
pub fn wav() -> Vec<u8> {
    let samples = vec![0u8; 1600];
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

/// Writes `bytes` to `dir/name` and returns the path as a string argument.
pub fn file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
