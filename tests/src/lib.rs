//! Contract tests between `openapi/kling.yaml`, the generated client (`nicerouter-kling-raw`)
//! and the simulated server (`nicerouter-kling-mock`). The tests live in `tests/`; this library
//! is empty on purpose.
