//! The baseline's hand-written answer types: what someone writing the requests with reqwest
//! and serde_json by hand would decode.

#![allow(
    dead_code,
    reason = "the fields are decoded as a caller would decode them; the bench reads few"
)]

use serde::Deserialize;

/// The hand-written answer, decoding what the wrapper's `Task` gives its caller: every field
/// of Kling's task object.
#[derive(Deserialize)]
pub struct Envelope<T> {
    pub code: i64,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub data: Option<T>,
}

/// Kling's task object, every field.
#[derive(Deserialize)]
pub struct FullTask {
    pub task_id: String,
    pub task_status: String,
    pub task_status_msg: Option<String>,
    pub task_info: Option<TaskInfo>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub task_result: Option<TaskResult>,
    pub final_unit_deduction: Option<String>,
}

/// `task_info`.
#[derive(Deserialize)]
pub struct TaskInfo {
    pub external_task_id: Option<String>,
    pub parent_video: Option<serde_json::Value>,
}

/// `task_result`.
#[derive(Deserialize)]
pub struct TaskResult {
    pub videos: Option<Vec<Video>>,
    pub images: Option<Vec<Image>>,
}

/// One video result.
#[derive(Deserialize)]
pub struct Video {
    pub id: Option<String>,
    pub url: String,
    pub duration: Option<String>,
    pub watermark_url: Option<String>,
}

/// One image result.
#[derive(Deserialize)]
pub struct Image {
    pub index: Option<i64>,
    pub url: String,
    pub watermark_url: Option<String>,
}

/// The least a caller can decode: the status and nothing else.
#[derive(Deserialize)]
pub struct MinimalTask {
    pub task_id: String,
    pub task_status: String,
}

/// A decoded task's id.
pub trait HasId {
    /// The task id, consuming the task.
    fn into_id(self) -> String;
}

impl HasId for FullTask {
    fn into_id(self) -> String {
        self.task_id
    }
}

impl HasId for MinimalTask {
    fn into_id(self) -> String {
        std::hint::black_box(self.task_status);
        self.task_id
    }
}
