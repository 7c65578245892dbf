//! Handling one request: journal, faults, auth, validation, the operation, the answer.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Request, Response, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use nicerouter_kling_spec::{Method, OperationRole};
use serde_json::{Value, json};

use crate::answer::{Answer, Body, Dropped, request_id};
use crate::fault::{Fault, Stage, Target, TaskShape};
use crate::journal::{Api, JournalEntry, redact};
use crate::media::{self, MediaKind};
use crate::relay;
use crate::route::{Endpoint, Routed, parse_query};
use crate::server::{DuplicatePolicy, Shared};
use crate::task::{NewTask, Outcome, Results, StoredTask, Timing, media_url, video_id};

/// The largest body read (base64 images are up to about 14 MB each).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The header that asks for faults for this one request.
pub const FAULT_HEADER: &str = "x-mock-fault";

/// The hyper service: answers, or closes the connection without an answer (`Err`).
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parse_query(parts.uri.query());
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header(header::AUTHORIZATION.as_str());
    let fault_header = header(FAULT_HEADER);
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let body_json: Option<Result<Value, String>> = (!bytes.is_empty()).then(|| {
        serde_json::from_slice(&bytes).map_err(|_| String::from_utf8_lossy(&bytes).into_owned())
    });

    let routed = shared.routes.route(&method, &path);
    let (api, operation_id) = match &routed {
        Routed::Operation { endpoint, api, .. } => (*api, Some(endpoint.operation_id.clone())),
        Routed::WrongMethod { api } => (*api, None),
        Routed::Media { .. } => (Api::Media, None),
        Routed::Unknown => (Api::Unknown, None),
    };
    let seq = {
        let mut state = shared.state();
        let seq = state.journal.len();
        state.journal.push(JournalEntry {
            seq,
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            api,
            operation_id,
            body: body_json.clone().map(|b| b.unwrap_or_else(Value::String)),
            authorization: authorization.as_deref().map(redact),
            status: None,
            fault: None,
            created_task: None,
        });
        seq
    };
    let mut ctx = Ctx {
        shared: &shared,
        rid: request_id(seq),
        applied: Vec::new(),
        created: None,
    };

    // A relay that does not forward the route answers with its own page.
    let refused = shared
        .config
        .forwarding
        .as_ref()
        .and_then(|f| f.refuse(&method, &path, &routed));
    let outcome = match refused {
        Some(page) => Ok(page.into_response()),
        None => {
            ctx.run(
                &routed,
                authorization.as_deref(),
                fault_header.as_deref(),
                &query,
                body_json,
            )
            .await
        }
    };
    let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
    {
        let mut state = shared.state();
        if let Some(entry) = state.journal.get_mut(seq) {
            entry.status = status;
            entry.fault = (!ctx.applied.is_empty()).then(|| {
                ctx.applied
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            entry.created_task = ctx.created.clone();
        }
    }
    outcome
}

/// One request being handled.
struct Ctx<'a> {
    shared: &'a Shared,
    rid: String,
    applied: Vec<Fault>,
    created: Option<String>,
}

impl Ctx<'_> {
    async fn run(
        &mut self,
        routed: &Routed<'_>,
        authorization: Option<&str>,
        fault_header: Option<&str>,
        query: &[(String, String)],
        body: Option<Result<Value, String>>,
    ) -> Result<Response<Body>, Dropped> {
        let asked = match parse_fault_header(fault_header) {
            Ok(faults) => faults,
            Err(message) => return Ok(Answer::error(400, 1201, message, &self.rid).into_response()),
        };
        let target = match routed {
            Routed::Operation { endpoint, .. } => Target::Api {
                operation_id: &endpoint.operation_id,
                kind: &endpoint.kind,
                role: endpoint.role,
            },
            Routed::Media { .. } => Target::Media,
            Routed::WrongMethod { .. } | Routed::Unknown => {
                let answer = Answer::error(404, 1202, "Invalid request method or path", &self.rid);
                return Ok(answer.into_response());
            }
        };

        // A slow server: every matching latency, before anything else.
        let latency: Duration = self
            .take(&asked, &target, Stage::Delay)
            .iter()
            .map(delay_of)
            .sum();
        self.sleep(latency).await?;

        match routed {
            Routed::Media {
                task_id,
                index,
                kind,
            } => {
                let answer_fault = self.take(&asked, &target, Stage::Answer).into_iter().next();
                if let Some(early) = self.early_answer(answer_fault.as_ref()) {
                    return early;
                }
                let answer = self.media(task_id, *index, *kind);
                self.finish(answer, answer_fault.as_ref(), None, &[]).await
            }
            Routed::Operation {
                endpoint,
                api,
                path_params,
            } => {
                let creds = &self.shared.config.credentials;
                let auth = match api {
                    Api::Official => creds.check_jwt(authorization),
                    _ => creds.check_bearer(authorization),
                };
                if let Err(failure) = auth {
                    let answer = Answer::error(401, failure.code(), failure.message(), &self.rid);
                    return Ok(self.checked(answer, &endpoint.operation_id));
                }
                let answer_fault = self.take(&asked, &target, Stage::Answer).into_iter().next();
                if let Some(early) = self.early_answer(answer_fault.as_ref()) {
                    return early;
                }
                let mut modifiers = Vec::new();
                let answer = match self.validate(endpoint, path_params, query, body) {
                    Err(answer) => answer,
                    Ok(body) => {
                        modifiers = self.take(&asked, &target, Stage::Modifier);
                        self.operation(endpoint, path_params, query, body, &modifiers)
                    }
                };
                self.finish(
                    answer,
                    answer_fault.as_ref(),
                    Some(&endpoint.operation_id),
                    &modifiers,
                )
                .await
            }
            Routed::WrongMethod { .. } | Routed::Unknown => Err(Dropped),
        }
    }

    /// The faults of a stage for this request: those `asked` for by its header and those of
    /// the server's rules (for the answer, the header's wins and the rules are left alone).
    fn take(&mut self, asked: &[Fault], target: &Target<'_>, stage: Stage) -> Vec<Fault> {
        let from_header: Vec<Fault> = asked
            .iter()
            .filter(|f| f.stage() == stage)
            .cloned()
            .collect();
        let mut taken = from_header;
        if taken.is_empty() || stage != Stage::Answer {
            let from_rules = self.shared.state().rules.take(target, stage);
            if stage == Stage::Answer {
                taken = from_rules;
            } else {
                taken.extend(from_rules);
            }
        }
        taken.truncate(if stage == Stage::Answer {
            1
        } else {
            usize::MAX
        });
        self.applied.extend(taken.iter().cloned());
        taken
    }

    /// Faults that answer instead of the server, with no effect on its state.
    fn early_answer(&self, fault: Option<&Fault>) -> Option<Result<Response<Body>, Dropped>> {
        let answer = match fault? {
            Fault::RateLimited { code, retry_after } => {
                let message = match code {
                    1102 => "Account balance not enough",
                    1303 => "parallel task over resource pack limit",
                    1100 => "Account exception",
                    1101 => "Account in arrears",
                    1304 => "IP whitelist policy triggered",
                    _ => "Request rate is too high",
                };
                Answer {
                    retry_after: *retry_after,
                    ..Answer::error(429, *code, message, &self.rid)
                }
            }
            Fault::ServerError {
                status,
                code,
                retry_after,
            } => {
                let message = match code {
                    5001 => "Service temporarily unavailable",
                    5002 => "Server internal timeout",
                    _ => "Server internal error",
                };
                Answer {
                    retry_after: *retry_after,
                    ..Answer::error(*status, *code, message, &self.rid)
                }
            }
            Fault::HtmlErrorPage { status } => Answer::html(*status),
            Fault::ErrorIn200(shape) => shape.answer(&self.rid),
            Fault::DropConnection => return Some(Err(Dropped)),
            _ => return None,
        };
        Some(Ok(answer.into_response()))
    }

    /// Sends an answer through the faults that act after the request had its effect: a
    /// relay's reshaping of the (spec-checked) answer, then the answer faults.
    async fn finish(
        &self,
        answer: Answer,
        fault: Option<&Fault>,
        operation_id: Option<&str>,
        modifiers: &[Fault],
    ) -> Result<Response<Body>, Dropped> {
        if let (Some(op), Some(json)) = (operation_id, &answer.json) {
            self.check_against_spec(op, answer.status, json);
        }
        let answer = relay::reshape(answer, modifiers);
        match fault {
            Some(Fault::DropAfterCreate) => Err(Dropped),
            Some(Fault::DelayAfterCreate(delay)) => {
                self.sleep(*delay).await?;
                Ok(answer.into_response())
            }
            Some(Fault::MalformedJson) => Ok(answer.malformed().into_response()),
            Some(Fault::TruncatedJson) => Ok(answer.truncated().into_response()),
            Some(Fault::TruncatedDownload) => Ok(answer.into_cut_response()),
            _ => Ok(answer.into_response()),
        }
    }

    /// An answer checked against the spec's response for the operation.
    fn checked(&self, answer: Answer, operation_id: &str) -> Response<Body> {
        if let Some(json) = &answer.json {
            self.check_against_spec(operation_id, answer.status, json);
        }
        answer.into_response()
    }

    /// Every JSON answer of an operation must match the spec: a mock that drifts from the
    /// contract would judge clients wrongly. Debug builds fail loudly.
    fn check_against_spec(&self, operation_id: &str, status: u16, json: &Value) {
        if let Err(problems) = self
            .shared
            .validator
            .validate_response(operation_id, status, json)
        {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            tracing::error!(
                operation_id,
                status,
                ?problems,
                "mock answer does not match the spec"
            );
            debug_assert!(
                false,
                "mock answer of {operation_id} ({status}) does not match the spec: {problems:?}"
            );
        }
    }

    async fn sleep(&self, delay: Duration) -> Result<(), Dropped> {
        if delay.is_zero() {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => Ok(()),
            () = self.shared.cancel.cancelled() => Err(Dropped),
        }
    }

    /// Checks the request against the spec; the body's JSON on success, a 400 otherwise.
    fn validate(
        &self,
        endpoint: &Endpoint,
        path_params: &[(String, String)],
        query: &[(String, String)],
        body: Option<Result<Value, String>>,
    ) -> Result<Option<Value>, Answer> {
        let has_body = endpoint.method == Method::Post;
        let body = match body {
            Some(Ok(value)) => Some(value),
            Some(Err(_)) if has_body => {
                return Err(Answer::error(
                    400,
                    1201,
                    "Invalid parameter: body is not valid JSON",
                    &self.rid,
                ));
            }
            _ => None,
        };
        let json_body = if has_body { body.as_ref() } else { None };
        match self.shared.validator.validate_request(
            &endpoint.operation_id,
            path_params,
            query,
            json_body,
        ) {
            Ok(()) => Ok(body),
            Err(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                Err(Answer::error(
                    400,
                    1201,
                    format!("Invalid parameter: {}", list.join("; ")),
                    &self.rid,
                ))
            }
        }
    }

    fn operation(
        &mut self,
        endpoint: &Endpoint,
        path_params: &[(String, String)],
        query: &[(String, String)],
        body: Option<Value>,
        modifiers: &[Fault],
    ) -> Answer {
        let answer = match endpoint.role {
            OperationRole::Create => self.create(endpoint, body.unwrap_or(Value::Null), modifiers),
            OperationRole::Get => {
                let id = path_params
                    .first()
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default();
                self.get(endpoint, id, modifiers)
            }
            OperationRole::List => self.list(endpoint, query, modifiers),
            OperationRole::Other => self.plain(endpoint, body.unwrap_or(Value::Null)),
        };
        if modifiers.contains(&Fault::ExtraFields) {
            with_extra_fields(answer)
        } else {
            answer
        }
    }

    fn create(&mut self, endpoint: &Endpoint, request: Value, modifiers: &[Fault]) -> Answer {
        let config = &self.shared.config;
        let mut timing = config.timing;
        let mut outcome = config.outcome.clone();
        for shape in modifiers.iter().filter_map(Fault::shapes_task) {
            match shape {
                TaskShape::Timing(t) => timing = t,
                TaskShape::Outcome(o) => outcome = o,
            }
        }
        let mut state = self.shared.state();
        if let Some(external) = request.get("external_task_id").and_then(Value::as_str)
            && config.duplicates == DuplicatePolicy::Reject
            && state.tasks.external_id_taken(external)
        {
            return Answer::error(
                400,
                1201,
                "Invalid parameter: external_task_id already exists",
                &self.rid,
            );
        }
        let task = state.tasks.create(NewTask {
            kind: endpoint.kind.clone(),
            operation_id: endpoint.operation_id.clone(),
            request,
            timing,
            outcome,
            results: endpoint.results,
            now_ms: now_ms(),
        });
        self.created = Some(task.public.task_id.clone());
        tracing::debug!(task_id = %task.public.task_id, kind = %endpoint.kind, "mock: task created");
        Answer::ok(&self.rid, task.created_json())
    }

    /// A plain operation: it answers at once. TTS makes a finished task whose speech can be
    /// downloaded; the others answer the spec's own example (faces, segmentation, resource
    /// packs, preset catalogues, deletions) under a fresh request id.
    fn plain(&mut self, endpoint: &Endpoint, request: Value) -> Answer {
        if endpoint.results == Results::Audios && endpoint.method == Method::Post {
            return self.speech(endpoint, request);
        }
        match endpoint.example.as_ref().and_then(|e| e.get("data")) {
            Some(data) => Answer::ok(&self.rid, data.clone()),
            None => Answer::error(404, 1202, "Invalid request method or path", &self.rid),
        }
    }

    /// TTS: a task that is done when it is created, with one audio track in the TTS shape
    /// (`url` and `duration`), at a URL this server serves.
    fn speech(&mut self, endpoint: &Endpoint, request: Value) -> Answer {
        let now = now_ms();
        let mut state = self.shared.state();
        let created = state.tasks.create(NewTask {
            kind: endpoint.kind.clone(),
            operation_id: endpoint.operation_id.clone(),
            request,
            timing: Timing::Polls {
                processing_after: 0,
                done_after: 0,
            },
            outcome: Outcome::Succeed,
            results: Results::Audios,
            now_ms: now,
        });
        let task_id = created.public.task_id.clone();
        self.created = Some(task_id.clone());
        let origin = &self.shared.origin;
        Answer::ok(
            &self.rid,
            json!({
                "task_id": task_id,
                "task_status": "succeed",
                "task_status_msg": "",
                "created_at": now,
                "updated_at": now,
                "final_unit_deduction": "0.1",
                "task_result": { "audios": [{
                    "id": video_id(&task_id, 0),
                    "url": media_url(origin, &task_id, 0, MediaKind::Audio),
                    "duration": "5.0",
                }] },
            }),
        )
    }

    fn get(&mut self, endpoint: &Endpoint, id: &str, modifiers: &[Fault]) -> Answer {
        let mut state = self.shared.state();
        let Some(task) = state.tasks.find_mut(&endpoint.kind, id) else {
            return Answer::error(400, 1201, "Task not found by id/external id", &self.rid);
        };
        task.poll(now_ms());
        let task = task.clone();
        let parent = parent_video(&state.tasks, &task, &self.shared.origin);
        Answer::ok(
            &self.rid,
            shown(task.json(&self.shared.origin, parent), modifiers),
        )
    }

    fn list(
        &mut self,
        endpoint: &Endpoint,
        query: &[(String, String)],
        modifiers: &[Fault],
    ) -> Answer {
        let number = |name: &str, default: usize| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let (page_num, page_size) = (number("pageNum", 1), number("pageSize", 30));
        let mut state = self.shared.state();
        let page: Vec<StoredTask> = state
            .tasks
            .page(&endpoint.kind, page_num, page_size, now_ms())
            .into_iter()
            .cloned()
            .collect();
        let origin = &self.shared.origin;
        let data: Vec<Value> = page
            .iter()
            .map(|t| {
                shown(
                    t.json(origin, parent_video(&state.tasks, t, origin)),
                    modifiers,
                )
            })
            .collect();
        Answer::ok(&self.rid, Value::Array(data))
    }

    fn media(&self, task_id: &str, index: usize, kind: MediaKind) -> Answer {
        let state = self.shared.state();
        let found = state
            .tasks
            .by_id(task_id)
            .filter(|t| t.public.media.has_file(kind) && index < t.public.results);
        match found {
            Some(task) => Answer::bytes(
                kind.content_type(),
                media::result(&task.public, index, kind, self.shared.config.media_size),
            ),
            None => Answer::error(
                404,
                1203,
                "The requested resource does not exist",
                &self.rid,
            ),
        }
    }
}

/// A task as shown, after [`Fault::UnknownStatus`]: an unknown status is not done, so it has
/// no results.
fn shown(mut task: Value, modifiers: &[Fault]) -> Value {
    let unknown = modifiers.iter().find_map(|f| match f {
        Fault::UnknownStatus(s) => Some(s.clone()),
        _ => None,
    });
    if let (Some(status), Some(obj)) = (unknown, task.as_object_mut()) {
        obj.insert("task_status".into(), Value::String(status));
        obj.remove("task_result");
        obj.remove("final_unit_deduction");
        obj.remove("final_balance_deduction");
    }
    task
}

/// `task_info.parent_video` of a video-extend or lip-sync task, pointing at our own media
/// when the source is one of our videos.
fn parent_video(tasks: &crate::task::TaskStore, task: &StoredTask, origin: &str) -> Option<Value> {
    let (id, url) = task.source_video()?;
    let mut parent = serde_json::Map::new();
    if let Some(id) = &id {
        parent.insert("id".into(), json!(id));
        let ours = id
            .rsplit_once('-')
            .and_then(|(task_id, _)| tasks.by_id(task_id));
        if let Some(source) = ours.filter(|s| video_id(&s.public.task_id, 0) == *id) {
            parent.insert(
                "url".into(),
                json!(media_url(
                    origin,
                    &source.public.task_id,
                    0,
                    MediaKind::Video
                )),
            );
            parent.insert("duration".into(), json!(source.duration()));
        }
    }
    if let Some(url) = url {
        parent.insert("url".into(), json!(url));
    }
    Some(Value::Object(parent))
}

/// Adds fields the spec does not list, to the envelope and to every task.
fn with_extra_fields(answer: Answer) -> Answer {
    let Some(mut json) = answer.json.clone() else {
        return answer;
    };
    if let Some(obj) = json.as_object_mut() {
        obj.insert("trace_id".into(), json!("mock-trace-0001"));
        obj.insert(
            "relay".into(),
            json!({ "name": "nicerouter-mock", "region": "local" }),
        );
    }
    let add = |task: &mut Value| {
        if let Some(obj) = task.as_object_mut() {
            obj.insert("progress".into(), json!("50%"));
            obj.insert("queue_position".into(), json!(0));
        }
    };
    match json.get_mut("data") {
        Some(Value::Array(tasks)) => tasks.iter_mut().for_each(add),
        Some(task @ Value::Object(_)) => add(task),
        _ => {}
    }
    Answer {
        body: json.to_string().into(),
        json: Some(json),
        ..answer
    }
}

fn parse_fault_header(value: Option<&str>) -> Result<Vec<Fault>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.parse::<Fault>()
                .map_err(|e| format!("{FAULT_HEADER}: {e}"))
        })
        .collect()
}

fn delay_of(fault: &Fault) -> Duration {
    match fault {
        Fault::Latency(d) => *d,
        _ => Duration::ZERO,
    }
}

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
