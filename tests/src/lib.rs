//! Contract tests between `openapi/kling.yaml`, the generated client (`nicerouter-kling-raw`)
//! and the simulated server (`nicerouter-kling-mock`).
//!
//! The tests live in `tests/`. This library holds what they share: the spec's examples per
//! operation, a dispatcher that calls the generated method of any operation by its
//! `operationId`, and a loopback capture server.

mod capture;
mod dispatch;
mod examples;

pub use capture::{Canned, CaptureServer, Seen};
pub use dispatch::{CallOptions, Called, call};
pub use examples::{request_example, response_example, spec_value};
