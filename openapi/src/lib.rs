//! The NiceRouter Kling OpenAPI spec: the single source of truth of `nicerouter-kling`.
//!
//! The spec itself lives beside this crate in `openapi/kling.yaml`. This crate embeds it,
//! parses it with [`openapiv3`] (the same crate progenitor uses), and lists its operations, so
//! that the code generator, the simulated server and the contract tests all derive what they
//! need from one document instead of typing it twice.
//!
//! ```
//! let spec = nicerouter_kling_spec::embedded();
//! let ops = nicerouter_kling_spec::operations(spec);
//! assert_eq!(ops.len(), 79);
//! let create = ops.iter().find(|op| op.operation_id == "create_text2video").unwrap();
//! assert_eq!(create.path, "/v1/videos/text2video");
//! assert_eq!(create.request_schema.as_deref(), Some("Text2VideoRequest"));
//! ```

mod operations;
#[cfg(feature = "validate")]
pub mod validate;

use std::sync::LazyLock;

pub use openapiv3;
pub use operations::{Method, Operation, OperationRole, operations, resolve_response};

/// The spec's YAML text, exactly as checked in.
pub const SPEC_YAML: &str = include_str!("../kling.yaml");

/// The path of the spec relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/kling.yaml";

/// A spec that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The YAML did not parse as an OpenAPI 3.0 document.
    #[error("the spec is not a valid OpenAPI 3.0 document: {0}")]
    Parse(String),
}

/// Parses an OpenAPI 3.0 document from YAML (or JSON, which is YAML).
///
/// The YAML is read into a JSON value first and then into [`openapiv3::OpenAPI`]: openapiv3's
/// untagged enums need serde's buffered content, which a JSON value provides faithfully.
pub fn parse(yaml: &str) -> Result<openapiv3::OpenAPI, SpecError> {
    let value = parse_value(yaml)?;
    serde_json::from_value(value).map_err(|e| SpecError::Parse(e.to_string()))
}

/// Parses the YAML into a plain JSON value (for walking the document without its types).
pub fn parse_value(yaml: &str) -> Result<serde_json::Value, SpecError> {
    serde_saphyr::from_str(yaml).map_err(|e| SpecError::Parse(e.to_string()))
}

static EMBEDDED: LazyLock<openapiv3::OpenAPI> = LazyLock::new(|| {
    // The embedded spec is checked by this crate's tests and by `cargo xtask check`; it is not
    // user input, so failing to parse it is a build defect.
    #[allow(clippy::expect_used)]
    parse(SPEC_YAML).expect("the embedded openapi/kling.yaml parses (checked by tests)")
});

/// The embedded spec, parsed once.
pub fn embedded() -> &'static openapiv3::OpenAPI {
    &EMBEDDED
}
