//! Every request body that Kling (or a relay) documents must pass the spec's request schema.
//!
//! The bodies live in `tests/fixtures/vendor/*.json` as `{operation, source, body}`; see the
//! README there for where each comes from.
#![cfg(feature = "validate")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use nicerouter_kling_spec::validate::Validator;
use serde_json::Value;

/// One vendor example: the file it came from, its operation and its body.
struct Fixture {
    file: PathBuf,
    operation: String,
    body: Value,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendor");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", file.display()));
            let operation = value["operation"].as_str().unwrap().to_owned();
            assert!(
                value["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{}: every fixture names its source",
                file.display()
            );
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with(&format!("{operation}.")),
                "{name}: the file name starts with its operation"
            );
            Fixture {
                file,
                operation,
                body: value["body"].clone(),
            }
        })
        .collect()
}

#[test]
fn every_vendor_example_request_is_valid() {
    let validator = Validator::embedded();
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for f in &fixtures {
        if let Err(problems) = validator.validate_request(&f.operation, &[], &[], Some(&f.body)) {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            failures.push(format!("{}: {problems:?}", f.file.display()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_create_operation_has_a_vendor_example() {
    // A kind whose request schema no vendor example exercises is a kind whose schema was
    // never checked against what Kling actually documents.
    let fixtures = fixtures();
    let spec = nicerouter_kling_spec::embedded();
    let missing: Vec<String> = nicerouter_kling_spec::operations(spec)
        .into_iter()
        .filter(|op| op.request_schema.is_some())
        .filter(|op| !fixtures.iter().any(|f| f.operation == op.operation_id))
        .map(|op| op.operation_id)
        .collect();
    assert!(missing.is_empty(), "no vendor example for {missing:?}");
}

#[test]
fn a_broken_vendor_example_would_be_caught() {
    // The check is not vacuous: the same bodies with a wrong type fail.
    let validator = Validator::embedded();
    let f = fixtures()
        .into_iter()
        .find(|f| f.operation == "create_video_effects")
        .unwrap();
    let mut body = f.body;
    body["input"]["images"] = Value::from("not-an-array");
    assert!(
        validator
            .validate_request(&f.operation, &[], &[], Some(&body))
            .is_err()
    );
}
