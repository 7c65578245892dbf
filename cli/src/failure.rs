//! Everything that ends a command unsuccessfully, with its exit code and a one-line message.

use std::process::ExitCode;

use nicerouter_kling::{CodeFamily, CreateOutcome, Error, WaitError};
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

/// Why a command failed, as the user sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// A stable machine word: `usage`, `validation`, `config`, `api`, `task_failed`,
    /// `max_wait_exceeded`, `create_unknown`, `download`, `transport`, `decode`, `other`.
    pub kind: &'static str,
    /// One line: what failed.
    pub message: String,
    /// Kling's (or the relay's) code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// The server's request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The paid task, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The `external_task_id`, when the task may exist but its id is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip)]
    pub exit: u8,
}

impl Failure {
    fn new(kind: &'static str, exit: u8, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            request_id: None,
            task_id: None,
            external_task_id: None,
            hint: None,
            exit,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new("usage", EXIT_USAGE, message)
    }

    /// Anything else (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        Self::new("other", EXIT_OTHER, message)
    }

    /// Adds the paid task's id.
    pub fn with_task(mut self, task_id: &str) -> Self {
        self.task_id = Some(task_id.to_owned());
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        let mut failure = match &error {
            Error::Validation(_) => Failure::new("validation", EXIT_USAGE, message)
                .hint("fix the option named above; nothing was sent"),
            Error::Config(_) => Failure::new("config", EXIT_USAGE, message),
            Error::Api(api) => {
                let family = api.code.as_ref().map(|c| c.family());
                let hint = match family {
                    Some(CodeFamily::Auth) => {
                        "check the key (NICEROUTER_API_KEY, or KLING_ACCESS_KEY/KLING_SECRET_KEY)"
                    }
                    Some(CodeFamily::Account) => {
                        "check the account's balance and permissions, then retry"
                    }
                    Some(CodeFamily::Params) => "fix the request as the message says",
                    Some(CodeFamily::Policy) => {
                        "the content or the rate was refused; change the input or retry later"
                    }
                    _ => "retry later; quote the request id to support if it persists",
                };
                Failure::new("api", EXIT_API, message).hint(hint)
            }
            Error::Create(create) => {
                let inner: Failure = clone_source(&create.source);
                let mut f = match create.outcome {
                    CreateOutcome::MayExist => Failure::new("create_unknown", EXIT_OTHER, message).hint(format!(
                        "the task may exist: look it up with `kling task get {} {}` before creating it again",
                        create.kind,
                        create.external_task_id.as_deref().unwrap_or("<external id>")
                    )),
                    _ => Failure { message, ..inner.clone() },
                };
                f.external_task_id = create.external_task_id.clone();
                f.code = f.code.or(inner.code);
                f.request_id = f.request_id.or(inner.request_id);
                f
            }
            Error::Wait(wait) => match wait.as_ref() {
                WaitError::Failed { task, reason } => Failure::new(
                    "task_failed",
                    EXIT_TASK_FAILED,
                    format!("task {} failed: {reason}", task.id()),
                )
                .with_task(task.id())
                .hint(
                    "the task was billed per Kling's rules; change the input and create a new task",
                ),
                WaitError::MaxWaitExceeded { .. } => {
                    Failure::new("max_wait_exceeded", EXIT_MAX_WAIT, message)
                        .hint("the task keeps running: wait again with `kling task wait`")
                }
                WaitError::PollFailed { error, .. } => {
                    let inner = clone_source(error);
                    Failure { message, ..inner }
                        .hint("the task keeps running: wait again with `kling task wait`")
                }
                _ => Failure::other(message),
            },
            Error::Download(d) => {
                let f = Failure::new("download", EXIT_OTHER, message);
                if d.is_expired() {
                    f.hint("result URLs expire about 30 days after the task; the media is gone")
                } else {
                    f.hint("download again with `kling task wait --output DIR`")
                }
            }
            Error::Transport(_) => Failure::new("transport", EXIT_OTHER, message)
                .hint("check the base URL and the network, then retry"),
            Error::Decode(_) => Failure::new("decode", EXIT_OTHER, message)
                .hint("the server answered something that is not Kling's JSON; check the base URL"),
            _ => Failure::other(message),
        };
        failure.code = failure.code.or_else(|| {
            error.code().map(|c| match c.as_i64() {
                Some(n) => serde_json::Value::from(n),
                None => serde_json::Value::from(c.to_string()),
            })
        });
        failure.request_id = failure
            .request_id
            .or_else(|| error.request_id().map(str::to_owned));
        failure
    }
}

/// The failure an inner error would give (errors are not `Clone`; their facts are).
fn clone_source(error: &Error) -> Failure {
    let mut f = match error {
        Error::Validation(_) | Error::Config(_) => {
            Failure::new("validation", EXIT_USAGE, error.to_string())
        }
        Error::Api(_) => Failure::new("api", EXIT_API, error.to_string()),
        Error::Transport(_) => Failure::new("transport", EXIT_OTHER, error.to_string()),
        Error::Decode(_) => Failure::new("decode", EXIT_OTHER, error.to_string()),
        _ => Failure::other(error.to_string()),
    };
    f.code = error.code().map(|c| match c.as_i64() {
        Some(n) => serde_json::Value::from(n),
        None => serde_json::Value::from(c.to_string()),
    });
    f.request_id = error.request_id().map(str::to_owned);
    f
}

/// Reports a command-line parsing error (exit 2), or prints help/version (exit 0).
pub fn usage(error: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) && !json
    {
        let _ = error.print();
        return ExitCode::from(
            if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                EXIT_USAGE
            } else {
                0
            },
        );
    }
    if json {
        let message = error.to_string();
        let first = message
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid usage");
        let failure = Failure::usage(first.trim_start_matches("error: ").to_owned());
        crate::output::Output::new(true).fail(&failure)
    } else {
        let _ = error.print();
        ExitCode::from(EXIT_USAGE)
    }
}
