//! SKELETON task handle.

use serde::{Deserialize, Serialize};

use crate::kind::Kind;

/// A created (paid) task: everything needed to wait for it, even from another process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskHandle {
    /// The kind of task.
    pub kind: Kind,
    /// Kling's task id.
    pub task_id: String,
    /// The caller's (or the SDK's) `external_task_id`.
    pub external_task_id: Option<String>,
}
