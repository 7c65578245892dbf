//! Callbacks: Kling POSTs the task object to `callback_url` on status changes. Parse the raw
//! body into the same [`Task`] that polls return.

use crate::error::{DecodeError, Error, snippet};
use crate::task::Task;

impl Task {
    /// Parses a callback body (the task object Kling POSTs to `callback_url`) into a [`Task`].
    ///
    /// Tolerant: unknown fields are ignored, unknown statuses are kept (as
    /// [`Status::Unknown`](crate::Status::Unknown)), timestamps may be seconds or
    /// milliseconds, and a body wrapped in an envelope (`{"code": 0, "data": {...}}`, as some
    /// relays send) is unwrapped. Expect repeats (one call per status change, possibly more);
    /// de-duplicate by task id and status, and re-fetch the task before trusting a callback
    /// that triggers anything costly, since callbacks are not signed.
    ///
    /// ```
    /// use nicerouter_kling::{Status, Task};
    ///
    /// let body = br#"{"task_id": "814570891207524415", "task_status": "succeed",
    ///     "task_info": {"external_task_id": "nrk-1"}, "created_at": 1722769557708,
    ///     "updated_at": 1722769600000, "something_new": true,
    ///     "task_result": {"videos": [{"id": "v1", "url": "https://cdn.example/v1.mp4", "duration": "5.1"}]}}"#;
    /// let task = Task::from_callback_body(body)?;
    /// assert_eq!(task.status(), Status::Succeeded);
    /// assert_eq!(task.external_task_id(), Some("nrk-1"));
    /// assert_eq!(task.outputs()[0].url, "https://cdn.example/v1.mp4");
    /// # Ok::<(), nicerouter_kling::Error>(())
    /// ```
    pub fn from_callback_body(body: &[u8]) -> Result<Task, Error> {
        let invalid = |reason: String| {
            Error::decode(DecodeError {
                operation: "callback",
                status: None,
                reason,
                body_snippet: snippet(body),
                request_id: None,
            })
        };
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let object = match value {
            serde_json::Value::Object(mut map) if !map.contains_key("task_id") => {
                match map.remove("data") {
                    Some(data @ serde_json::Value::Object(_)) => data,
                    _ => {
                        return Err(invalid(
                            "no `task_id` (and no `data` object holding one)".into(),
                        ));
                    }
                }
            }
            object @ serde_json::Value::Object(_) => object,
            _ => return Err(invalid("not a JSON object".into())),
        };
        serde_json::from_value::<Task>(object)
            .map_err(|e| invalid(format!("not a task object: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::task::Status;

    #[test]
    fn unknown_fields_and_statuses_are_tolerated() {
        let task = Task::from_callback_body(
            br#"{"task_id":"1","task_status":"rendering","new_field":{"x":1},"created_at":1722769557}"#,
        )
        .unwrap();
        assert_eq!(task.status(), Status::Unknown("rendering".into()));
        assert!(task.created_at().is_some());
    }

    #[test]
    fn envelopes_are_unwrapped() {
        let task = Task::from_callback_body(
            br#"{"code":0,"message":"SUCCEED","data":{"task_id":"7","task_status":"failed","task_status_msg":"Image pixel is invalid"}}"#,
        )
        .unwrap();
        assert_eq!(task.id(), "7");
        assert_eq!(task.status_message(), Some("Image pixel is invalid"));
    }

    #[test]
    fn bad_bodies_are_decode_errors_with_a_snippet() {
        for body in [
            &b"not json"[..],
            b"[1,2]",
            br#"{"code":0}"#,
            br#"{"task_id":5,"task_status":"x"}"#,
        ] {
            let e = Task::from_callback_body(body).unwrap_err();
            let Error::Decode(d) = &e else {
                panic!("{e:?}")
            };
            assert_eq!(d.operation, "callback");
            assert!(!d.body_snippet.is_empty());
        }
    }
}
