//! Generates the per-kind builders from `openapi/kling.yaml` into `OUT_DIR/builders.rs`,
//! through the same `nicerouter-kling-codegen` that `cargo xtask generate` snapshots.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../openapi/kling.yaml").display()
    );
    println!("cargo:rerun-if-changed=build.rs");
    let code =
        nicerouter_kling_codegen::builders(nicerouter_kling_spec::SPEC_YAML).unwrap_or_else(|e| {
            eprintln!("error: cannot generate the builders from openapi/kling.yaml:\n{e}");
            std::process::exit(1);
        });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("builders.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
