//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask generate` writes the formatted snapshot of the generated client
//!   (`generated/snapshot/codegen.rs`) and the operations summary (`generated/OPERATIONS.md`).
//! - `cargo xtask check` fails, naming the place, when the spec breaks a rule or an example does
//!   not validate, or when the snapshot or the summary is stale.
//! - `cargo xtask bench` runs the benchmarks (`bench/`, release build) and writes `BENCHMARKS.md`;
//!   `cargo xtask bench --smoke` runs tiny versions of them (dev build, seconds, no build-cost
//!   benchmark) and writes `target/bench/BENCHMARKS-smoke.md` instead, so CI keeps them working.
//!
//! Both take `--root DIR` to work on another checkout (the tests use a copy, never the tree).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nicerouter_kling_codegen::{builders, catalog, generate, lint, operations_summary};

/// Where the snapshot lives, relative to the workspace root.
const SNAPSHOT: &str = "generated/snapshot/codegen.rs";
/// Where the catalogue and builder snapshots live, relative to the workspace root.
const CATALOG: &str = "generated/snapshot/catalog.rs";
const BUILDERS: &str = "generated/snapshot/builders.rs";
/// Where the operations summary lives, relative to the workspace root.
const SUMMARY: &str = "generated/OPERATIONS.md";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut root = workspace_root();
    let mut command = None;
    let mut smoke = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--root" => match it.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => return usage("--root needs a directory"),
            },
            "generate" | "check" | "bench" if command.is_none() => command = Some(arg.clone()),
            "--smoke" if command.as_deref() == Some("bench") => smoke = true,
            "-h" | "--help" => return usage(""),
            other => return usage(&format!("unknown argument `{other}`")),
        }
    }
    let result = match command.as_deref() {
        Some("generate") => run_generate(&root),
        Some("check") => run_check(&root),
        Some("bench") => run_bench(&root, smoke),
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
         generate   write {SNAPSHOT}, {CATALOG}, {BUILDERS} and {SUMMARY} from openapi/kling.yaml\n  \
         check      lint the spec, validate its examples, and fail if the snapshot or summary is stale\n  \
         bench      run the benchmarks and write BENCHMARKS.md (--smoke: a quick run into target/bench/)"
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

/// Every generated file, by its path under the workspace root.
struct Outputs(Vec<(&'static str, String)>);

fn read_spec(root: &Path) -> Result<(String, nicerouter_kling_spec::openapiv3::OpenAPI), String> {
    let path = root.join(nicerouter_kling_spec::SPEC_PATH);
    let yaml = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec =
        nicerouter_kling_spec::parse(&yaml).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((yaml, spec))
}

fn outputs(root: &Path) -> Result<Outputs, String> {
    let (yaml, spec) = read_spec(root)?;
    let spec_error = |e| format!("{}: {e}", nicerouter_kling_spec::SPEC_PATH);
    Ok(Outputs(vec![
        (SNAPSHOT, generate(&yaml).map_err(spec_error)?),
        (CATALOG, catalog(&yaml).map_err(spec_error)?),
        (BUILDERS, builders(&yaml).map_err(spec_error)?),
        (SUMMARY, operations_summary(&spec)),
    ]))
}

fn run_generate(root: &Path) -> Result<(), String> {
    let out = outputs(root)?;
    for (rel, text) in &out.0 {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {rel} ({} lines)", text.lines().count());
    }
    Ok(())
}

fn run_check(root: &Path) -> Result<(), String> {
    let (_, spec) = read_spec(root)?;
    let mut failures = Vec::new();
    for problem in lint(&spec) {
        failures.push(format!("{}: {problem}", nicerouter_kling_spec::SPEC_PATH));
    }
    for problem in nicerouter_kling_spec::validate::check_examples(&spec) {
        failures.push(format!("{}: {problem}", nicerouter_kling_spec::SPEC_PATH));
    }
    if failures.is_empty() {
        let out = outputs(root)?;
        for (rel, fresh) in &out.0 {
            let current = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
            if let Some(line) = first_difference(&current, fresh) {
                failures.push(format!(
                    "{rel}:{line}: stale against {}; run `cargo xtask generate` and commit the result",
                    nicerouter_kling_spec::SPEC_PATH
                ));
            }
        }
    }
    if failures.is_empty() {
        println!("xtask check: spec lint, examples, snapshot and summary are all up to date");
        Ok(())
    } else {
        Err(format!(
            "{} problem(s):\n  {}",
            failures.len(),
            failures.join("\n  ")
        ))
    }
}

/// Runs the bench binary through cargo: the full benchmarks in release mode into
/// `BENCHMARKS.md`, or (`--smoke`) the quick ones in the dev profile into `target/bench/`.
fn run_bench(root: &Path, smoke: bool) -> Result<(), String> {
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

/// The 1-based line of the first difference between two texts, if any.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    if a == b {
        return None;
    }
    let mut la = a.lines();
    let mut lb = b.lines();
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (None, None) => return Some(n),
            _ => return Some(n),
        }
    }
}
