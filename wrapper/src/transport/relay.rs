//! Relays' variants of Kling's answers, read into Kling's own envelope.
//!
//! Kling answers `{"code": 0, "message", "request_id", "data"}` with an integer `code` and a
//! task whose `task_status` is `submitted`, `processing`, `succeed` or `failed`. Relays in
//! front of it reshape that:
//!
//! * `code` as a string: `"0"` or `"success"` for success (new-api's queries), any other
//!   string a relay's error code (`"task_failed"`), a numeric string Kling's code (`"1303"`);
//! * a create answered by an OpenAI-style video object without any envelope:
//!   `{"id", "task_id"?, "object": "video", "model", "status": "queued", "progress",
//!   "created_at"}` (new-api and its forks), or a list as `{"object": "list", "data": [...]}`;
//! * a task whose fields have other names: `id` for `task_id`, `status` for `task_status`
//!   (`SUCCESS`, `completed`, `FAILURE`, …; normalised by [`Status`](crate::Status)),
//!   `fail_reason` or `error.message` for `task_status_msg`, and results as the raw Kling
//!   answer nested in `data` or as one URL (`result_url`, `url`, `metadata.url`);
//! * an error inside HTTP 200, as a relay's `{"code": "...", "message"}`, an OpenAI-style
//!   `{"error": {"message", "type", "code"}}` or one-api's `{"success": false, "message"}`.
//!
//! [`read`] turns such a body into Kling's envelope (the task keeps the relay's status word
//! as its raw `task_status`) or into the error it states. What it cannot read stays
//! unreadable: a create whose answer cannot be read may have created the task, and the
//! create path looks it up rather than sending it again.

use serde_json::{Map, Value};

/// What `data` holds in an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataShape {
    /// One task (create, get, lookup).
    Task,
    /// A page of tasks (list).
    Tasks,
    /// Anything (operations answered at once).
    Any,
}

/// A relay's body, read.
#[derive(Debug)]
pub(crate) enum Relayed {
    /// Kling's envelope with `code` 0, ready for the typed decoder.
    Success(Value),
    /// The body states an error: the object to read it from (`code`, `message`, `error`,
    /// `request_id`).
    Error(Map<String, Value>),
    /// Neither: not JSON, not an object, or not a shape this module knows.
    Unreadable,
}

/// Reads a 2xx body that Kling's typed envelope did not accept.
pub(crate) fn read(body: &[u8], shape: DataShape) -> Relayed {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(body) else {
        return Relayed::Unreadable;
    };
    // A `code` that is neither a number nor a string (null, `true`) is no code at all.
    if let Some(code) = object
        .get("code")
        .filter(|c| c.is_number() || c.is_string())
    {
        if !is_success_code(code) {
            return Relayed::Error(object);
        }
        let Some(data) = object.remove("data").filter(|d| !d.is_null()) else {
            return Relayed::Unreadable;
        };
        let Some(data) = normalise_data(data, shape) else {
            return Relayed::Unreadable;
        };
        object.insert("code".into(), Value::from(0));
        object.insert("data".into(), data);
        return Relayed::Success(Value::Object(object));
    }
    if object.get("success") == Some(&Value::Bool(false)) {
        return Relayed::Error(object);
    }
    // No envelope: an OpenAI-style video object, or a list of them.
    let data = match shape {
        DataShape::Task if is_task(&object) => normalise_task(object),
        DataShape::Tasks if object.get("object").and_then(Value::as_str) == Some("list") => {
            match object.remove("data") {
                Some(data) => match normalise_data(data, shape) {
                    Some(data) => data,
                    None => return Relayed::Unreadable,
                },
                None => return Relayed::Unreadable,
            }
        }
        _ if object.get("error").is_some_and(Value::is_object) => {
            return Relayed::Error(object);
        }
        _ => return Relayed::Unreadable,
    };
    let mut envelope = Map::new();
    envelope.insert("code".into(), Value::from(0));
    envelope.insert("data".into(), data);
    Relayed::Success(Value::Object(envelope))
}

/// Whether a `code` says success: `0`, `"0"` or `"success"` (any case).
pub(crate) fn is_success_code(code: &Value) -> bool {
    match code {
        Value::Number(n) => n.as_i64() == Some(0) || n.as_u64() == Some(0),
        Value::String(s) => {
            let s = s.trim();
            s == "0" || s.eq_ignore_ascii_case("success")
        }
        _ => false,
    }
}

/// `data` in Kling's shape, or `None` when it is not the shape asked for.
fn normalise_data(data: Value, shape: DataShape) -> Option<Value> {
    match (shape, data) {
        (DataShape::Any, data) => Some(data),
        (DataShape::Task, Value::Object(task)) => Some(normalise_task(task)),
        (DataShape::Tasks, Value::Array(tasks)) => Some(Value::Array(
            tasks
                .into_iter()
                .map(|t| match t {
                    Value::Object(task) => normalise_task(task),
                    other => other,
                })
                .collect(),
        )),
        _ => None,
    }
}

/// Whether an object without an envelope is a task: it has an id and a status, or says it
/// is a video (`"object": "video"`).
fn is_task(object: &Map<String, Value>) -> bool {
    let id = ["task_id", "id"]
        .iter()
        .any(|k| id_text(object.get(*k)).is_some());
    let status = object.contains_key("task_status") || object.contains_key("status");
    let video = object.get("object").and_then(Value::as_str) == Some("video");
    id && (status || video)
}

fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A task in Kling's field names. Kling's own fields win; a relay's are used where Kling's
/// are missing. The status word is kept as sent.
fn normalise_task(mut task: Map<String, Value>) -> Value {
    // The raw Kling answer a relay nests in its own task (new-api's `data`), if any.
    let nested = match task.get("data") {
        Some(Value::Object(inner)) => match inner.get("data") {
            Some(Value::Object(kling)) => Some(kling.clone()),
            _ if inner.contains_key("task_id") => Some(inner.clone()),
            _ => None,
        },
        _ => None,
    };
    if !matches!(task.get("task_id"), Some(Value::String(_))) {
        // The relay's id is the one to poll with: `task_id`, else `id`.
        if let Some(id) = id_text(task.get("task_id")).or_else(|| id_text(task.get("id"))) {
            task.insert("task_id".into(), Value::String(id));
        }
    }
    if !matches!(task.get("task_status"), Some(Value::String(_))) {
        let word = task
            .get("status")
            .and_then(Value::as_str)
            .or_else(|| {
                nested
                    .as_ref()
                    .and_then(|n| n.get("task_status"))
                    .and_then(Value::as_str)
            })
            .unwrap_or_default()
            .to_owned();
        task.insert("task_status".into(), Value::String(word));
    }
    if non_empty_str(task.get("task_status_msg")).is_none() {
        let message = non_empty_str(task.get("fail_reason"))
            .or_else(|| non_empty_str(task.get("error").and_then(|e| e.get("message"))))
            .or_else(|| non_empty_str(nested.as_ref().and_then(|n| n.get("task_status_msg"))))
            .map(str::to_owned);
        if let Some(message) = message {
            task.insert("task_status_msg".into(), Value::String(message));
        }
    }
    for key in ["created_at", "updated_at"] {
        match task.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.is_i64() => {}
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(n) => {
                    task.insert(key.into(), Value::from(n));
                }
                Err(_) => {
                    task.remove(key);
                }
            },
            Some(_) => {
                task.remove(key);
            }
        }
    }
    if !task.get("task_result").is_some_and(Value::is_object) {
        let result = nested
            .as_ref()
            .and_then(|n| n.get("task_result"))
            .filter(|r| r.is_object())
            .cloned()
            .or_else(|| result_from_url(&task));
        match result {
            Some(result) => {
                task.insert("task_result".into(), result);
            }
            None => {
                task.remove("task_result");
            }
        }
    }
    if !task.get("task_info").is_some_and(Value::is_object)
        && let Some(info) = nested
            .as_ref()
            .and_then(|n| n.get("task_info"))
            .filter(|i| i.is_object())
    {
        task.insert("task_info".into(), info.clone());
    }
    Value::Object(task)
}

/// A result given as one URL (`result_url`, `url`, `video_url` or `metadata.url`): a video,
/// since the relays that answer so forward video routes only.
fn result_from_url(task: &Map<String, Value>) -> Option<Value> {
    let url = non_empty_str(task.get("result_url"))
        .or_else(|| non_empty_str(task.get("url")))
        .or_else(|| non_empty_str(task.get("video_url")))
        .or_else(|| non_empty_str(task.get("metadata").and_then(|m| m.get("url"))))?;
    let mut video = Map::new();
    video.insert("url".into(), Value::String(url.to_owned()));
    Some(Value::Object(
        [(
            "videos".to_owned(),
            Value::Array(vec![Value::Object(video)]),
        )]
        .into_iter()
        .collect(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn success(body: Value, shape: DataShape) -> Value {
        match read(body.to_string().as_bytes(), shape) {
            Relayed::Success(v) => v,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn success_codes_are_zero_or_success() {
        for code in [json!(0), json!("0"), json!(" success "), json!("SUCCESS")] {
            assert!(is_success_code(&code), "{code}");
        }
        for code in [json!(1), json!("1201"), json!("task_failed"), json!(null)] {
            assert!(!is_success_code(&code), "{code}");
        }
    }

    #[test]
    fn openai_video_objects_become_tasks() {
        let v = success(
            json!({"id": "task_abc", "object": "video", "model": "kling-v1", "status": "queued",
                   "progress": 0, "created_at": 1_722_769_557}),
            DataShape::Task,
        );
        assert_eq!(v["code"], 0);
        assert_eq!(v["data"]["task_id"], "task_abc");
        assert_eq!(v["data"]["task_status"], "queued");
        assert_eq!(v["data"]["created_at"], 1_722_769_557);
        let done = success(
            json!({"id": "v1", "object": "video", "status": "completed",
                   "metadata": {"url": "https://cdn/v.mp4"}}),
            DataShape::Task,
        );
        assert_eq!(
            done["data"]["task_result"]["videos"][0]["url"],
            "https://cdn/v.mp4"
        );
        let failed = success(
            json!({"id": "v1", "object": "video", "status": "failed",
                   "error": {"message": "moderation", "code": "x"}}),
            DataShape::Task,
        );
        assert_eq!(failed["data"]["task_status_msg"], "moderation");
    }

    #[test]
    fn new_api_task_dtos_keep_the_relay_id_and_nested_results() {
        let v = success(
            json!({"code": "success", "message": "", "data": {
                "id": 7, "task_id": "task_x", "status": "SUCCESS", "fail_reason": "",
                "created_at": "1722769557",
                "data": {"code": 0, "data": {"task_id": "8145", "task_status": "succeed",
                    "task_result": {"videos": [{"id": "v", "url": "https://cdn/v.mp4"}]}}}
            }}),
            DataShape::Task,
        );
        assert_eq!(v["data"]["task_id"], "task_x");
        assert_eq!(v["data"]["task_status"], "SUCCESS");
        assert_eq!(v["data"]["created_at"], 1_722_769_557);
        assert_eq!(v["data"]["task_result"]["videos"][0]["id"], "v");
    }

    #[test]
    fn lists_come_enveloped_or_as_openai_lists() {
        let v = success(
            json!({"code": "0", "data": [{"id": "1", "status": "queued"}]}),
            DataShape::Tasks,
        );
        assert_eq!(v["data"][0]["task_id"], "1");
        let v = success(
            json!({"object": "list", "data": [{"id": "2", "object": "video", "status": "completed"}]}),
            DataShape::Tasks,
        );
        assert_eq!(v["data"][0]["task_status"], "completed");
    }

    #[test]
    fn errors_and_unreadable_bodies_are_told_apart() {
        for body in [
            json!({"code": "task_failed", "message": "no", "data": null}),
            json!({"code": 1303}),
            json!({"error": {"message": "bad key", "type": "auth"}}),
            json!({"success": false, "message": "quota"}),
        ] {
            assert!(
                matches!(
                    read(body.to_string().as_bytes(), DataShape::Task),
                    Relayed::Error(_)
                ),
                "{body}"
            );
        }
        for body in [
            b"<html>".to_vec(),
            b"[1]".to_vec(),
            br#"{"code":"success","data":null}"#.to_vec(),
            br#"{"code":0,"data":[]}"#.to_vec(),
            br#"{"status":"queued"}"#.to_vec(),
            br#"{"object":"list"}"#.to_vec(),
        ] {
            assert!(
                matches!(read(&body, DataShape::Task), Relayed::Unreadable),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}
