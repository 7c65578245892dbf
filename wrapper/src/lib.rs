//! SKELETON — being filled in by the wrapper work (issue 4). See kind.rs for the interface
//! between the create path (client/create) and the per-kind builders.

pub mod builders;
pub mod client;
pub mod error;
pub mod kind;
pub mod media;
pub mod task;
pub mod validation;

pub use client::Client;
pub use error::Error;
pub use kind::Kind;
pub use nicerouter_kling_raw as raw;
pub use task::TaskHandle;
pub use validation::ValidationError;
