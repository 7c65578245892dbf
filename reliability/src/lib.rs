//! The reliability suite of `nicerouter-kling` (issue 6): the figures it records, and the
//! report that turns them into `RELIABILITY.md`.
//!
//! The tests live in `tests/` (the wrapper: faults, mixed faults, the bad-input corpus,
//! fuzzing, secrets, resource bounds) and in `cli/tests/reliability_*.rs` (the same through the
//! `kling` binary). Every test writes what it measured as one JSON file in the figures
//! directory ([`figures_dir`]); `cargo run -p nicerouter-kling-reliability --bin
//! reliability-report` reads them all and writes `RELIABILITY.md`. The numbers in that file
//! therefore come from a real run, never from a hand edit.
//!
//! A figures file is a JSON object named after its section: `faults-wrapper` and `faults-cli`
//! hold a [`FaultTable`], `mixed-*` a [`MixedSummary`], `corpus-*` a [`CorpusSummary`], `fuzz` a
//! [`FuzzSummary`], `secrets-*` a [`SecretsSummary`], `bounds` a [`BoundsTable`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod report;

/// The directory figures are written to: `$CARGO_TARGET_DIR/reliability` when that variable
/// is set (relative to the workspace root), else `target/reliability` in the workspace.
pub fn figures_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    };
    target.join("reliability")
}

/// The workspace root (where `RELIABILITY.md` is written): the parent of this crate's
/// directory, as cargo tells it at run time (so a build shared between checkouts still writes
/// into the checkout that runs it), else as it was at build time.
pub fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Writes `value` as the figures file `name` (for example `faults-wrapper`).
pub fn write_figures<T: Serialize>(name: &str, value: &T) -> std::io::Result<PathBuf> {
    let dir = figures_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.json"));
    let json = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(&path, json)?;
    Ok(path)
}

/// One run of the fault suite: one fault (or scenario), one or more logical requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRow {
    /// The fault's number in issue 6 (1–10), and its name.
    pub fault: String,
    /// Requests the server's journal recorded (API calls and downloads).
    pub requests: usize,
    /// Logical requests (creates the caller asked for).
    pub logical_requests: usize,
    /// Tasks the server created (billed).
    pub tasks: usize,
    /// The most tasks created for one logical request (must be at most 1).
    pub max_tasks_per_request: usize,
    /// What the caller was told.
    pub outcome: String,
    /// What the caller had to be told.
    pub expected: String,
    /// Every check held.
    pub pass: bool,
    /// The checks that did not hold (empty on a pass).
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A fault table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultTable {
    /// `wrapper` or `cli`.
    pub via: String,
    /// The rows, in issue order.
    pub rows: Vec<FaultRow>,
}

/// Mixed faults at random with a fixed seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedSummary {
    /// `wrapper` or `cli`.
    pub via: String,
    /// The seed.
    pub seed: u64,
    /// Runs (each its own server).
    pub runs: usize,
    /// Logical requests over all runs.
    pub logical_requests: usize,
    /// Faults injected over all runs.
    pub faults_injected: usize,
    /// Requests the servers recorded.
    pub requests: usize,
    /// Tasks the servers created.
    pub tasks: usize,
    /// The most tasks created for one logical request.
    pub max_tasks_per_request: usize,
    /// How the logical requests ended, by outcome.
    pub outcomes: Vec<(String, usize)>,
    /// Runs where a check did not hold.
    pub failed_runs: usize,
}

/// The bad-input corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusSummary {
    /// `wrapper` or `cli`.
    pub via: String,
    /// Bad inputs tried.
    pub cases: usize,
    /// Cases per kind (the eight kinds, plus `client` and `task` for settings and lookups).
    pub per_kind: Vec<(String, usize)>,
    /// Cases rejected with an error naming the field.
    pub named_the_field: usize,
    /// Requests the server received over the whole corpus (must be 0).
    pub requests: usize,
}

/// Fuzzing of the decoders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuzzSummary {
    /// Cases per target.
    pub targets: Vec<(String, u64)>,
    /// Panics (must be 0; a panic fails the test before this is written).
    pub panics: u64,
}

/// The secrets check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretsSummary {
    /// `wrapper` or `cli`.
    pub via: String,
    /// Runs or values inspected.
    pub runs: usize,
    /// Bytes of output (stdout, stderr, logs, `Debug`) searched.
    pub bytes_searched: usize,
    /// The secrets searched for (described, never the values).
    pub secrets: Vec<String>,
    /// Appearances found (must be 0).
    pub leaks: usize,
}

/// One resource-bound check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundsRow {
    /// What was checked.
    pub check: String,
    /// What was measured.
    pub measured: String,
    /// Whether it held.
    pub pass: bool,
}

/// The resource-bound checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundsTable {
    /// The rows.
    pub rows: Vec<BoundsRow>,
}
