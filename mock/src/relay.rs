//! Relays in front of Kling: the routes a relay forwards, the page it answers for the others,
//! and how relays reshape Kling's answers (string codes, OpenAI-style video objects, other
//! status words, errors inside HTTP 200).
//!
//! The reshaping happens after an answer was checked against the spec: the spec describes
//! Kling, and these are what a client sees when a relay stands in front of it.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::fault::Fault;
use crate::route::{MEDIA_PREFIX, NICEROUTER_PREFIX, Routed};
use nicerouter_kling_spec::OperationRole;

/// What a relay answers for a route it does not forward: always HTTP 404, never Kling's
/// envelope, since the request never reached Kling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NotFoundPage {
    /// nginx's HTML page, `text/html`.
    #[default]
    Html,
    /// An OpenAI-style JSON error, `{"error": {"message": "Invalid URL (GET /kling/...)",
    /// "type": "invalid_request_error"}}`, as new-api answers unknown routes.
    Json,
    /// Go's plain `404 page not found`, `text/plain`.
    Text,
}

/// Which routes a relay forwards to Kling.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forwarding {
    /// Paths after `/kling/v1/`, each with everything under it (`videos/text2video` forwards
    /// its create, its list and its gets by id; `videos` the whole family).
    pub(crate) routes: Vec<String>,
    /// Whether lists (a GET of a collection) are forwarded.
    pub(crate) lists: bool,
    /// What the other routes get.
    pub(crate) page: NotFoundPage,
}

impl Forwarding {
    /// A route as given (`videos/text2video`, `/v1/videos/text2video` or
    /// `/kling/v1/videos/text2video`), reduced to the part after `/v1/`.
    pub(crate) fn route(route: &str) -> String {
        let route = route.trim().trim_matches('/');
        let route = route.strip_prefix("kling/").unwrap_or(route);
        let route = route.strip_prefix("v1/").unwrap_or(route);
        route.trim_matches('/').to_owned()
    }

    /// The page for a request the relay does not forward; `None` when it is forwarded. Result
    /// media are the CDN's and always served; Kling's official paths (no `/kling`) are not a
    /// relay's.
    pub(crate) fn refuse(&self, method: &str, path: &str, routed: &Routed<'_>) -> Option<Answer> {
        if path.starts_with(MEDIA_PREFIX) {
            return None;
        }
        let forwarded = path
            .strip_prefix(NICEROUTER_PREFIX)
            .and_then(|rest| rest.strip_prefix("/v1/"))
            .is_some_and(|rest| {
                self.routes.iter().any(|route| {
                    !route.is_empty()
                        && rest
                            .strip_prefix(route.as_str())
                            .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
                })
            });
        let list = matches!(routed, Routed::Operation { endpoint, .. } if endpoint.role == OperationRole::List);
        if forwarded && (self.lists || !list) {
            return None;
        }
        Some(not_found(self.page, method, path))
    }
}

/// A relay's 404 for a route it does not know.
fn not_found(page: NotFoundPage, method: &str, path: &str) -> Answer {
    match page {
        NotFoundPage::Html => Answer::html(404),
        NotFoundPage::Json => Answer::json(
            404,
            json!({ "error": {
                "message": format!("Invalid URL ({method} {path})"),
                "type": "invalid_request_error",
                "param": "",
                "code": "",
            }}),
        ),
        NotFoundPage::Text => Answer {
            content_type: "text/plain; charset=utf-8",
            body: bytes::Bytes::from_static(b"404 page not found"),
            ..Answer::html(404)
        },
    }
}

/// The four status words a relay shows instead of Kling's `submitted`, `processing`,
/// `succeed` and `failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusWords {
    /// Instead of `submitted`.
    pub submitted: String,
    /// Instead of `processing`.
    pub processing: String,
    /// Instead of `succeed`.
    pub succeed: String,
    /// Instead of `failed`.
    pub failed: String,
}

impl StatusWords {
    /// The four words, in lifecycle order.
    pub fn new(
        submitted: impl Into<String>,
        processing: impl Into<String>,
        succeed: impl Into<String>,
        failed: impl Into<String>,
    ) -> Self {
        StatusWords {
            submitted: submitted.into(),
            processing: processing.into(),
            succeed: succeed.into(),
            failed: failed.into(),
        }
    }

    /// new-api's task records: `QUEUED`, `IN_PROGRESS`, `SUCCESS`, `FAILURE`.
    pub fn new_api() -> Self {
        Self::new("QUEUED", "IN_PROGRESS", "SUCCESS", "FAILURE")
    }

    /// OpenAI's video objects: `queued`, `in_progress`, `completed`, `failed`.
    pub fn openai() -> Self {
        Self::new("queued", "in_progress", "completed", "failed")
    }

    /// Kling's new API standard and reshaping relays: `submitted`, `processing`,
    /// `succeeded`, `failed`.
    pub fn new_standard() -> Self {
        Self::new("submitted", "processing", "succeeded", "failed")
    }

    /// Upper case: `SUBMITTED`, `PROCESSING`, `SUCCESS`, `FAILED`.
    pub fn upper() -> Self {
        Self::new("SUBMITTED", "PROCESSING", "SUCCESS", "FAILED")
    }

    /// The relay's word for Kling's; other words are kept.
    fn word(&self, kling: &str) -> Option<&str> {
        match kling {
            "submitted" => Some(&self.submitted),
            "processing" => Some(&self.processing),
            "succeed" => Some(&self.succeed),
            "failed" => Some(&self.failed),
            _ => None,
        }
    }
}

impl fmt::Display for StatusWords {
    /// `S:P:D:F`, as [`StatusWords::from_str`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.submitted, self.processing, self.succeed, self.failed
        )
    }
}

impl FromStr for StatusWords {
    type Err = ();

    /// A preset (`new-api`, `openai`, `new-standard`, `upper`) or four words `S:P:D:F`.
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim() {
            "new-api" => Ok(Self::new_api()),
            "openai" => Ok(Self::openai()),
            "new-standard" => Ok(Self::new_standard()),
            "upper" => Ok(Self::upper()),
            words => match words.split(':').collect::<Vec<_>>().as_slice() {
                [s, p, d, f] if [s, p, d, f].iter().all(|w| !w.trim().is_empty()) => {
                    Ok(Self::new(*s, *p, *d, *f))
                }
                _ => Err(()),
            },
        }
    }
}

/// The shape of an error a relay answers inside HTTP 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorShape {
    /// Kling's envelope with code 1303: `{"code": 1303, "message", "request_id"}`.
    Kling,
    /// Kling's code as a string: `{"code": "1303", "message", "request_id"}`.
    StringCode,
    /// new-api's task error: `{"code": "task_failed", "message", "data": null}`.
    NewApi,
    /// OpenAI-style: `{"error": {"message", "type", "code"}}`.
    OpenAi,
    /// one-api's: `{"success": false, "message"}`.
    OneApi,
}

impl ErrorShape {
    /// Every shape, for tests that try them all.
    pub const ALL: [ErrorShape; 5] = [
        ErrorShape::Kling,
        ErrorShape::StringCode,
        ErrorShape::NewApi,
        ErrorShape::OpenAi,
        ErrorShape::OneApi,
    ];

    fn name(self) -> &'static str {
        match self {
            ErrorShape::Kling => "kling",
            ErrorShape::StringCode => "string",
            ErrorShape::NewApi => "new-api",
            ErrorShape::OpenAi => "openai",
            ErrorShape::OneApi => "one-api",
        }
    }

    /// The answer: HTTP 200 with the error body.
    pub(crate) fn answer(self, request_id: &str) -> Answer {
        let message = "parallel task over resource pack limit";
        Answer::json(
            200,
            match self {
                ErrorShape::Kling => {
                    json!({ "code": 1303, "message": message, "request_id": request_id })
                }
                ErrorShape::StringCode => {
                    json!({ "code": "1303", "message": message, "request_id": request_id })
                }
                ErrorShape::NewApi => json!({
                    "code": "task_failed",
                    "message": format!("upstream: {message}"),
                    "data": null,
                }),
                ErrorShape::OpenAi => json!({ "error": {
                    "message": message,
                    "type": "upstream_error",
                    "code": "1303",
                }}),
                ErrorShape::OneApi => json!({ "success": false, "message": message }),
            },
        )
    }
}

impl fmt::Display for ErrorShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ErrorShape {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        ErrorShape::ALL
            .into_iter()
            .find(|shape| shape.name() == s.trim())
            .ok_or(())
    }
}

/// A success answer as a relay reshapes it, after the faults that say how: status words,
/// then an OpenAI-style video object, then a string `code`. Errors are left alone.
pub(crate) fn reshape(answer: Answer, modifiers: &[Fault]) -> Answer {
    let relayed = modifiers.iter().any(|f| {
        matches!(
            f,
            Fault::StatusWords(_) | Fault::OpenAiVideo | Fault::StringCode(_)
        )
    });
    let Some(mut json) = answer.json.clone().filter(|_| relayed) else {
        return answer;
    };
    if json.get("code") != Some(&json!(0)) {
        return answer;
    }
    for fault in modifiers {
        if let Fault::StatusWords(words) = fault {
            each_task(&mut json, |task| {
                let word = task
                    .get("task_status")
                    .and_then(Value::as_str)
                    .and_then(|w| words.word(w))
                    .map(str::to_owned);
                if let Some(word) = word {
                    task.insert("task_status".into(), Value::String(word));
                }
            });
        }
    }
    if modifiers.contains(&Fault::OpenAiVideo) {
        json = match json.get_mut("data").map(Value::take) {
            Some(Value::Array(tasks)) => json!({
                "object": "list",
                "data": tasks.into_iter().map(openai_video).collect::<Vec<_>>(),
            }),
            Some(task @ Value::Object(_)) => openai_video(task),
            _ => return answer,
        };
    }
    if let Some(code) = modifiers.iter().rev().find_map(|f| match f {
        Fault::StringCode(code) => Some(code.clone()),
        _ => None,
    }) && let Some(obj) = json.as_object_mut()
        && obj.contains_key("code")
    {
        obj.insert("code".into(), Value::String(code));
    }
    Answer::json(answer.status, json)
}

fn each_task(json: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    match json.get_mut("data") {
        Some(Value::Array(tasks)) => tasks
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(f),
        Some(Value::Object(task)) => f(task),
        _ => {}
    }
}

/// A Kling task as new-api's OpenAI-style video object: the id twice, `object: "video"`,
/// the status in OpenAI's words (unknown words kept), a progress, the creation in seconds,
/// the first result's URL in `metadata.url`, and a failure as `error`.
fn openai_video(task: Value) -> Value {
    let get = |key: &str| task.get(key).cloned().unwrap_or(Value::Null);
    let kling_word = task
        .get("task_status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let status = StatusWords::openai()
        .word(kling_word)
        .unwrap_or(kling_word)
        .to_owned();
    let progress = match status.as_str() {
        "completed" | "failed" => 100,
        "in_progress" => 50,
        _ => 0,
    };
    let created_at = task
        .get("created_at")
        .and_then(Value::as_i64)
        .map_or(Value::Null, |ms| Value::from(ms / 1000));
    let url = task
        .pointer("/task_result/videos/0/url")
        .or_else(|| task.pointer("/task_result/images/0/url"))
        .cloned();
    let mut video = json!({
        "id": get("task_id"),
        "task_id": get("task_id"),
        "object": "video",
        "model": "kling",
        "status": status,
        "progress": progress,
        "created_at": created_at,
    });
    if let Some(obj) = video.as_object_mut() {
        if let Some(url) = url {
            obj.insert("metadata".into(), json!({ "url": url }));
        }
        if let Some(message) = task
            .get("task_status_msg")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
        {
            obj.insert(
                "error".into(),
                json!({ "message": message, "code": "task_failed" }),
            );
        }
    }
    video
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn routes_are_reduced_to_their_path_after_v1() {
        for given in [
            "videos/text2video",
            "/v1/videos/text2video",
            "/kling/v1/videos/text2video/",
        ] {
            assert_eq!(Forwarding::route(given), "videos/text2video");
        }
    }

    #[test]
    fn forwarding_covers_a_route_and_everything_under_it_only() {
        let forwarding = Forwarding {
            routes: vec!["videos/text2video".into()],
            lists: true,
            page: NotFoundPage::Json,
        };
        let refused = |path: &str| forwarding.refuse("GET", path, &Routed::Unknown).is_some();
        assert!(!refused("/kling/v1/videos/text2video"));
        assert!(!refused("/kling/v1/videos/text2video/123"));
        assert!(refused("/kling/v1/videos/text2video2"));
        assert!(refused("/kling/v1/videos/image2video/1"));
        assert!(refused("/v1/videos/text2video/1"), "official paths");
        assert!(!refused("/mock-media/1/0.mp4"));
        let page = forwarding
            .refuse("GET", "/kling/v1/images/generations/1", &Routed::Unknown)
            .unwrap();
        assert_eq!(page.status, 404);
        assert_eq!(page.json.unwrap()["error"]["type"], "invalid_request_error");
    }

    #[test]
    fn names_round_trip() {
        for words in [StatusWords::new_api(), StatusWords::new("a", "b", "c", "d")] {
            assert_eq!(words.to_string().parse::<StatusWords>(), Ok(words));
        }
        assert_eq!("openai".parse(), Ok(StatusWords::openai()));
        assert!("a:b:c".parse::<StatusWords>().is_err());
        for shape in ErrorShape::ALL {
            assert_eq!(shape.to_string().parse(), Ok(shape));
        }
    }

    #[test]
    fn reshaping_keeps_errors_and_rewrites_successes() {
        let task = json!({"task_id": "1", "task_status": "succeed", "created_at": 1_722_769_557_708i64,
            "task_result": {"videos": [{"url": "https://cdn/v.mp4"}]}});
        let ok = Answer::ok("r", task);
        let words = reshape(ok.clone(), &[Fault::StatusWords(StatusWords::new_api())]);
        assert_eq!(words.json.unwrap()["data"]["task_status"], "SUCCESS");
        let code = reshape(ok.clone(), &[Fault::StringCode("success".into())]);
        assert_eq!(code.json.unwrap()["code"], "success");
        let video = reshape(ok, &[Fault::OpenAiVideo]).json.unwrap();
        assert_eq!(video["object"], "video");
        assert_eq!(video["status"], "completed");
        assert_eq!(video["created_at"], 1_722_769_557);
        assert_eq!(video["metadata"]["url"], "https://cdn/v.mp4");
        assert!(video.get("code").is_none());
        let error = Answer::error(400, 1201, "x", "r");
        let same = reshape(error.clone(), &[Fault::OpenAiVideo]);
        assert_eq!(same.json, error.json);
    }
}
