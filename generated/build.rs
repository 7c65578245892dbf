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

    let code = match nicerouter_kling_codegen::generate(nicerouter_kling_spec::SPEC_YAML) {
        Ok(code) => code,
        Err(e) => {
            // A build script reports failure by exiting non-zero; the message is the spec's fault.
            eprintln!("error: cannot generate the Kling client from openapi/kling.yaml:\n{e}");
            std::process::exit(1);
        }
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("codegen.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
