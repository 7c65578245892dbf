//! Everything that ends a command unsuccessfully: its exit code, and the facts of one error
//! line — what failed, the Kling code and message, the request id, the task, what to do.

use std::process::ExitCode;

use nicerouter_kling::{
    ApiError, CodeFamily, CreateError, CreateOutcome, Error, FailureCategory, Kind, KlingCode,
    Status, TaskFailure, TaskHandle, WaitError,
};
use serde::Serialize;

/// Exit code 1: anything else.
pub const EXIT_OTHER: u8 = 1;
/// Exit code 2: usage or validation error; no request was sent.
pub const EXIT_USAGE: u8 = 2;
/// Exit code 3: an API error (auth, balance, parameters, rate limited after retries).
pub const EXIT_API: u8 = 3;
/// Exit code 4: the task finished `failed`.
pub const EXIT_TASK_FAILED: u8 = 4;
/// Exit code 5: the maximum wait was exceeded; the task may still be running.
pub const EXIT_MAX_WAIT: u8 = 5;

/// Why a command failed, as the user sees it (and as `--json` prints it under `error`).
///
/// Boxed, so that results carrying it stay small.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Failure(Box<Facts>);

/// The facts of a [`Failure`].
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// A stable machine word: `usage`, `validation`, `config`, `auth`, `api`, `server`,
    /// `transport`, `decode`, `create_unknown`, `task_failed`, `no_outputs`,
    /// `max_wait_exceeded`, `interrupted`, `download`, `other`.
    pub kind: &'static str,
    /// What failed, with the server's own message.
    pub message: String,
    /// Kling's (or the relay's) code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// The server's request id, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The paid task, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The create's `external_task_id`, when the task may exist but its id is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Why a failed task failed: its category and Kling's words (`task_failed` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<TaskFailure>,
    #[serde(skip)]
    exit: u8,
}

impl std::ops::Deref for Failure {
    type Target = Facts;

    fn deref(&self) -> &Facts {
        &self.0
    }
}

impl Failure {
    fn new(kind: &'static str, exit: u8, message: impl Into<String>) -> Self {
        Self(Box::new(Facts {
            kind,
            message: message.into(),
            code: None,
            request_id: None,
            task_id: None,
            external_task_id: None,
            hint: None,
            failure: None,
            exit,
        }))
    }

    /// A usage error (exit 2): nothing was sent.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new("usage", EXIT_USAGE, message)
    }

    /// Anything else (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        Self::new("other", EXIT_OTHER, message)
    }

    /// Ctrl-C while the task was being waited for or downloaded (exit 1).
    pub fn interrupted(handle: &TaskHandle) -> Self {
        Self::new(
            "interrupted",
            EXIT_OTHER,
            format!("interrupted while waiting for task {}", handle.task_id),
        )
        .with_task(&handle.task_id)
        .with_hint(wait_again(handle))
    }

    /// Ctrl-C while a create was being sent (exit 1): the task may exist, under
    /// `external_task_id`.
    pub fn interrupted_create(kind: Kind, external_task_id: &str) -> Self {
        let mut failure = Self::new(
            "interrupted",
            EXIT_OTHER,
            format!("interrupted while creating a {kind} task with external id {external_task_id}"),
        )
        .with_hint(format!(
            "the task may exist: look it up with `kling task get {kind} {external_task_id}` \
             before creating it again"
        ));
        failure.0.external_task_id = Some(external_task_id.to_owned());
        failure
    }

    /// Adds the paid task's id.
    pub fn with_task(mut self, task_id: &str) -> Self {
        self.0.task_id = Some(task_id.to_owned());
        self
    }

    /// Sets what to do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    /// Replaces the message (the cause's facts stay).
    fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = message.into();
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit)
    }

    /// A wait for `handle` that did not end in success: its outcome (failed, still running,
    /// interrupted, polls failing) in the command line's words.
    pub fn waiting(error: Error, handle: &TaskHandle) -> Self {
        let id = &handle.task_id;
        let failure = match &error {
            Error::Wait(wait) => match wait.as_ref() {
                WaitError::Failed { task, reason } => {
                    let failure = task
                        .failure()
                        .unwrap_or_else(|| TaskFailure::from_reason(Some(reason)));
                    let reason = if reason.trim().is_empty() {
                        "no reason given"
                    } else {
                        reason
                    };
                    let mut failed = Self::new(
                        "task_failed",
                        EXIT_TASK_FAILED,
                        format!("task {id} failed ({}): {reason}", failure.category),
                    )
                    .with_hint(failed_hint(failure.category));
                    failed.0.failure = Some(failure);
                    failed
                }
                WaitError::NoOutputs { .. } => Self::new(
                    "no_outputs",
                    EXIT_OTHER,
                    format!("task {id} succeeded but has no outputs"),
                )
                .with_hint(format!(
                    "look at it with `kling task get {} {id}`",
                    handle.kind
                )),
                WaitError::MaxWaitExceeded {
                    last_status,
                    elapsed,
                    polls,
                } => Self::new(
                    "max_wait_exceeded",
                    EXIT_MAX_WAIT,
                    format!(
                        "task {id} is still {} after waiting {:.1} s ({polls} poll{})",
                        status_word(last_status.as_ref()),
                        elapsed.as_secs_f64(),
                        if *polls == 1 { "" } else { "s" }
                    ),
                )
                .with_hint(wait_again(handle)),
                WaitError::Cancelled { .. } => Self::interrupted(handle),
                WaitError::PollFailed { error, .. } if names_no_task(error) => {
                    Self::lookup(error, handle)
                }
                WaitError::PollFailed { error, .. } => {
                    let cause = Self::from_ref(error);
                    let hint = match (&cause.hint, cause.exit) {
                        (Some(hint), EXIT_API) => format!("{hint}; the task keeps running"),
                        _ => wait_again(handle),
                    };
                    let message = format!("waiting for task {id} failed: {}", cause.message);
                    cause.with_message(message).with_hint(hint)
                }
                _ => Self::from_ref(&error).with_hint(wait_again(handle)),
            },
            other => Self::from_ref(other),
        };
        failure.with_task(id)
    }

    /// A `get` of `handle`'s task that failed; a refused id or kind says so.
    pub fn lookup(error: &Error, handle: &TaskHandle) -> Self {
        let failure = Self::from_ref(error).with_task(&handle.task_id);
        if names_no_task(error) {
            failure.with_hint(format!(
                "check the kind ({}) and the task id (or external id)",
                handle.kind
            ))
        } else {
            failure
        }
    }

    /// A download of `handle`'s results into `dir` that failed.
    pub fn downloading(error: Error, handle: &TaskHandle, dir: &std::path::Path) -> Self {
        let failure = Self::from_ref(&error);
        let expired = matches!(&error, Error::Download(d) if d.is_expired());
        let hint = if expired {
            "the results are gone; create the task again".to_owned()
        } else {
            format!(
                "download again with `kling task wait {} {} --output {}`",
                handle.kind,
                handle.task_id,
                dir.display()
            )
        };
        let message = format!(
            "downloading the results of task {} failed: {}",
            handle.task_id, failure.message
        );
        let mut failure = failure
            .with_message(message)
            .with_task(&handle.task_id)
            .with_hint(hint);
        failure.0.kind = "download";
        failure
    }

    /// The failure an error gives: its kind, exit code, facts and advice.
    fn from_ref(error: &Error) -> Self {
        let message = error.to_string();
        let failure = match error {
            Error::Validation(_) => Self::new("validation", EXIT_USAGE, message)
                .with_hint("nothing was sent; fix the value named above"),
            Error::Config(_) => Self::new("config", EXIT_USAGE, message)
                .with_hint("nothing was sent; check --base-url and the keys"),
            Error::Auth(_) => Self::new("auth", EXIT_USAGE, message)
                .with_hint("nothing was sent; check --access-key and --secret-key"),
            Error::Api(api) => Self::api(api, message),
            Error::Create(create) => Self::create(create, message),
            Error::Transport(_) => Self::new("transport", EXIT_OTHER, message)
                .with_hint("check --base-url and the network, then retry"),
            Error::Decode(_) => Self::new("decode", EXIT_OTHER, message)
                .with_hint("the answer is not Kling's JSON; check --base-url"),
            Error::Download(_) => Self::new("download", EXIT_OTHER, message),
            _ => Self::other(message),
        };
        let mut failure = failure;
        failure.0.code = error.code().map(code_value);
        failure.0.request_id = error.request_id().map(str::to_owned);
        failure
    }

    /// An answer with an error: exit 3 when the API refused the request (auth, account,
    /// parameters, policy and limits, other 4xx with a JSON error), exit 1 when the service
    /// or something in front of it failed (5xx, a proxy's page).
    fn api(api: &ApiError, message: String) -> Self {
        let family = api.code.as_ref().map(KlingCode::family);
        let status = api.status.as_u16();
        let hint = match (family, status) {
            (Some(CodeFamily::Auth), _) | (None | Some(CodeFamily::Other), 401 | 403) => {
                "check the key (--api-key or NICEROUTER_API_KEY; --access-key and --secret-key for the official API)"
            }
            (Some(CodeFamily::Account), _) => {
                "check the account's balance, resource packs and permissions"
            }
            (Some(CodeFamily::Params), _) => "fix the request as the message says",
            (Some(CodeFamily::Policy), _)
                if api.code.as_ref().is_some_and(KlingCode::is_transient) =>
            {
                "still limited after retries: retry later, or run fewer tasks at once"
            }
            (Some(CodeFamily::Policy), _) => "the request was refused by policy; change the input",
            (None | Some(CodeFamily::Other), 429) => "still limited after retries: retry later",
            (None | Some(CodeFamily::Other), 400..=499) if api.body_snippet.is_none() => {
                "the request was refused; see the message"
            }
            _ if api.body_snippet.is_some() => {
                return Self::new("server", EXIT_OTHER, message).with_hint(
                    "the answer is not from a Kling API (a proxy's page?); check --base-url",
                );
            }
            _ => {
                return Self::new("server", EXIT_OTHER, message).with_hint(
                    "the service had trouble; retry later, and quote the request_id if it persists",
                );
            }
        };
        Self::new("api", EXIT_API, message).with_hint(hint)
    }

    /// A create that failed: as its cause when the task was certainly not created; exit 1
    /// with the `external_task_id` to look it up by when it may exist. (The code and request
    /// id are the cause's, added by the caller.)
    fn create(create: &CreateError, message: String) -> Self {
        match create.outcome {
            CreateOutcome::NotCreated => Self::from_ref(&create.source).with_message(message),
            _ => {
                let lookup = create.external_task_id.as_deref().map_or_else(
                    || format!("look for it with `kling task list {}`", create.kind),
                    |id| format!("look it up with `kling task get {} {id}`", create.kind),
                );
                let mut failure = Self::new("create_unknown", EXIT_OTHER, message).with_hint(
                    format!("the task may exist: {lookup} before creating it again"),
                );
                failure.0.external_task_id = create.external_task_id.clone();
                failure
            }
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::from_ref(&error)
    }
}

/// Whether a read was refused because no such task exists (a parameter code, or a JSON 404).
fn names_no_task(error: &Error) -> bool {
    error.api().is_some_and(|api| match &api.code {
        Some(code) => code.family() == CodeFamily::Params,
        None => api.status.as_u16() == 404 && api.body_snippet.is_none(),
    })
}

/// What to do about a failed task, by the category of its failure.
fn failed_hint(category: FailureCategory) -> &'static str {
    match category {
        FailureCategory::Moderation => {
            "refused by content moderation: change the prompt or the media, then create a new task"
        }
        FailureCategory::InvalidInput => "fix the input the reason names, then create a new task",
        FailureCategory::Capacity => {
            "a limit of the account or the service: create the task again later (after a \
             top-up if the balance or pack ran out), or run fewer tasks at once"
        }
        FailureCategory::Upstream => {
            "Kling's servers failed: create the task again later with the same input"
        }
        _ => "change the input and create a new task",
    }
}

/// The advice for a task that outlived the command.
fn wait_again(handle: &TaskHandle) -> String {
    format!(
        "it keeps running; wait again with `kling task wait {} {}`",
        handle.kind, handle.task_id
    )
}

fn status_word(status: Option<&Status>) -> &str {
    status.map_or("in an unknown state", Status::as_str)
}

/// A Kling code as JSON: a number, or the relay's string.
fn code_value(code: &KlingCode) -> serde_json::Value {
    match code.as_i64() {
        Some(n) => n.into(),
        None => code.to_string().into(),
    }
}
