//! Generates the raw client from `openapi/kling.yaml` into `OUT_DIR/codegen.rs`.
//!
//! The settings live in `nicerouter-kling-codegen`, shared with `cargo xtask generate`, so the
//! compiled client and the committed snapshot cannot diverge.

use std::path::PathBuf;

fn main() {
    // The spec crate embeds the YAML with `include_str!`, so cargo already rebuilds it (and
    // reruns this script) when the spec changes; the explicit line documents the dependency.
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../openapi/kling.yaml").display()
    );
    println!("cargo:rerun-if-changed=build.rs");

    let spec = nicerouter_kling_spec::SPEC_YAML;
    write("codegen.rs", nicerouter_kling_codegen::generate(spec));
    write("catalog.rs", nicerouter_kling_codegen::catalog(spec));
}

/// Writes generated code into `OUT_DIR`, or fails the build with the spec's problem.
fn write(name: &str, code: Result<String, nicerouter_kling_codegen::CodegenError>) {
    let code = code.unwrap_or_else(|e| {
        // A build script reports failure by exiting non-zero; the message is the spec's fault.
        eprintln!("error: cannot generate {name} from openapi/kling.yaml:\n{e}");
        std::process::exit(1);
    });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
