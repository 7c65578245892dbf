//! `generate` and `check`: the generated snapshots and summary, and the spec's own rules.

use std::path::Path;

use nicerouter_kling_codegen::{builders, catalog, generate, lint, operations_summary};

/// Where the snapshot lives, relative to the workspace root.
pub const SNAPSHOT: &str = "generated/snapshot/codegen.rs";
/// Where the catalogue and builder snapshots live, relative to the workspace root.
pub const CATALOG: &str = "generated/snapshot/catalog.rs";
/// Where the builder snapshot lives, relative to the workspace root.
pub const BUILDERS: &str = "generated/snapshot/builders.rs";
/// Where the operations summary lives, relative to the workspace root.
pub const SUMMARY: &str = "generated/OPERATIONS.md";

/// Every generated file, by its path under the workspace root.
struct Outputs(Vec<(&'static str, String)>);

pub fn read_spec(
    root: &Path,
) -> Result<(String, nicerouter_kling_spec::openapiv3::OpenAPI), String> {
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

pub fn run_generate(root: &Path) -> Result<(), String> {
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

pub fn run_check(root: &Path) -> Result<(), String> {
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
