//! `bench`: the benchmarks, through the bench crate's binary.

use std::path::Path;

/// Runs the bench binary through cargo: the full benchmarks in release mode into
/// `BENCHMARKS.md`, or (`--smoke`) the quick ones in the dev profile into `target/bench/`.
pub fn run_bench(root: &Path, smoke: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = if smoke {
        root.join("target/bench/BENCHMARKS-smoke.md")
    } else {
        root.join("BENCHMARKS.md")
    };
    let mut command = std::process::Command::new(&cargo);
    command.arg("run").current_dir(root);
    if !smoke {
        command.arg("--release");
    }
    command
        .args([
            "--quiet",
            "--package",
            "nicerouter-kling-bench",
            "--",
            "all",
        ])
        .arg("--output")
        .arg(&output)
        .arg("--root")
        .arg(root)
        .arg("--cargo")
        .arg(&cargo);
    if smoke {
        command.args(["--smoke", "--command", "cargo xtask bench --smoke"]);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if status.success() {
        println!("xtask bench: wrote {}", output.display());
        Ok(())
    } else {
        Err(format!("the benchmarks failed ({status})"))
    }
}
