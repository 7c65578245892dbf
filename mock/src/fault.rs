//! Faults and scenario twists, and the rules that decide which request gets which.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use nicerouter_kling_spec::OperationRole;

use crate::relay::{ErrorShape, StatusWords};
use crate::task::{Outcome, Timing};

/// Something the mock does instead of (or on top of) answering normally.
///
/// Every fault can be chosen per server ([`crate::MockServerBuilder::fault`]), queued for
/// matching requests ([`crate::Faults::push`]), or asked for by one request with the header
/// `x-mock-fault` (see [`Fault::from_str`] for the names).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 429 with Kling `code` 1302 (rate), 1303 (concurrency) or 1102 (balance), and a
    /// `Retry-After` header when given. The task is not created.
    RateLimited {
        /// Kling business code.
        code: u32,
        /// `Retry-After` seconds, if any.
        retry_after: Option<u32>,
    },
    /// An HTTP 5xx with Kling `code` 5000 (internal), 5001 (maintenance) or 5002 (timeout).
    /// The task is not created.
    ServerError {
        /// HTTP status, for example 500, 503 or 504.
        status: u16,
        /// Kling business code.
        code: u32,
        /// `Retry-After` seconds, if any.
        retry_after: Option<u32>,
    },
    /// The request is handled (a create creates its task), then the connection is closed
    /// without a response.
    DropAfterCreate,
    /// The connection is closed without a response, and the request has no effect.
    DropConnection,
    /// The request is handled (a create creates its task), and the answer comes this late.
    DelayAfterCreate(Duration),
    /// HTTP 200 whose `application/json` body is not JSON at all.
    MalformedJson,
    /// HTTP 200 whose JSON body stops half-way (with a matching `Content-Length`).
    TruncatedJson,
    /// A proxy's HTML error page with this status (for example 502), `text/html`.
    HtmlErrorPage {
        /// HTTP status.
        status: u16,
    },
    /// Polls and lists show this `task_status` (for example `queued`) instead of the real one.
    UnknownStatus(String),
    /// Responses carry fields the spec does not list (in the envelope and in tasks).
    ExtraFields,
    /// The response announces its full `Content-Length`, sends part of the body, and closes
    /// the connection: a download (or any answer) cut off mid-body.
    TruncatedDownload,
    /// Every matching request waits this long before it is handled (a slow server).
    Latency(Duration),
    /// A create makes a task that ends `failed` with this `task_status_msg`.
    TaskFails(String),
    /// A create makes a task with this timing instead of the server's.
    TaskTiming(Timing),
    /// Success answers carry `code` as this string (`"0"`, `"success"`) instead of the
    /// integer 0, as new-api's queries do.
    StringCode(String),
    /// Creates, polls and lists answer OpenAI-style video objects without Kling's envelope
    /// (`{"id", "task_id", "object": "video", "status": "queued" | "in_progress" |
    /// "completed" | "failed", "progress", "created_at", "metadata": {"url"}, "error"}`; a
    /// list as `{"object": "list", "data": [...]}`), as new-api's video routes do.
    OpenAiVideo,
    /// Answers show task statuses in a relay's words instead of Kling's (`SUCCESS`,
    /// `completed`, `FAILURE`, `cancelled`, …); the task's results are kept.
    StatusWords(StatusWords),
    /// An error inside HTTP 200, in a relay's shape. The request has no effect (a create
    /// creates nothing).
    ErrorIn200(ErrorShape),
}

/// Which part of the request's handling a fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Before anything else (latency).
    Delay,
    /// Replaces the answer: at most one per request.
    Answer,
    /// Adjusts a normal answer or the task a create makes; several may apply.
    Modifier,
}

impl Fault {
    pub(crate) fn stage(&self) -> Stage {
        match self {
            Fault::Latency(_) => Stage::Delay,
            Fault::RateLimited { .. }
            | Fault::ServerError { .. }
            | Fault::DropAfterCreate
            | Fault::DropConnection
            | Fault::DelayAfterCreate(_)
            | Fault::MalformedJson
            | Fault::TruncatedJson
            | Fault::HtmlErrorPage { .. }
            | Fault::TruncatedDownload
            | Fault::ErrorIn200(_) => Stage::Answer,
            Fault::UnknownStatus(_)
            | Fault::ExtraFields
            | Fault::TaskFails(_)
            | Fault::TaskTiming(_)
            | Fault::StringCode(_)
            | Fault::OpenAiVideo
            | Fault::StatusWords(_) => Stage::Modifier,
        }
    }

    /// A 429 with code 1302 (rate limit) and no `Retry-After`.
    pub fn rate_limited() -> Fault {
        Fault::RateLimited {
            code: 1302,
            retry_after: None,
        }
    }

    /// An HTTP 5xx with Kling's code for it: 500 → 5000, 503 → 5001, 504 → 5002.
    pub fn server_error(status: u16) -> Fault {
        let code = match status {
            503 => 5001,
            504 => 5002,
            _ => 5000,
        };
        Fault::ServerError {
            status,
            code,
            retry_after: None,
        }
    }

    /// Whether the fault modifies the task a create makes.
    pub(crate) fn shapes_task(&self) -> Option<TaskShape> {
        match self {
            Fault::TaskFails(msg) => Some(TaskShape::Outcome(Outcome::Fail(msg.clone()))),
            Fault::TaskTiming(t) => Some(TaskShape::Timing(*t)),
            _ => None,
        }
    }
}

/// How a fault shapes a new task.
pub(crate) enum TaskShape {
    Outcome(Outcome),
    Timing(Timing),
}

impl fmt::Display for Fault {
    /// The name accepted by [`Fault::from_str`] (and the `x-mock-fault` header).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let retry = |r: &Option<u32>| r.map(|s| format!(":{s}")).unwrap_or_default();
        match self {
            Fault::RateLimited { code, retry_after } => {
                write!(f, "rate-limited:{code}{}", retry(retry_after))
            }
            Fault::ServerError {
                status,
                code,
                retry_after,
            } => {
                write!(f, "server-error:{status}:{code}{}", retry(retry_after))
            }
            Fault::DropAfterCreate => f.write_str("drop-after-create"),
            Fault::DropConnection => f.write_str("drop-connection"),
            Fault::DelayAfterCreate(d) => write!(f, "delay-after-create:{}", d.as_millis()),
            Fault::MalformedJson => f.write_str("malformed-json"),
            Fault::TruncatedJson => f.write_str("truncated-json"),
            Fault::HtmlErrorPage { status } => write!(f, "html-error:{status}"),
            Fault::UnknownStatus(s) => write!(f, "unknown-status:{s}"),
            Fault::ExtraFields => f.write_str("extra-fields"),
            Fault::TruncatedDownload => f.write_str("truncated-download"),
            Fault::Latency(d) => write!(f, "latency:{}", d.as_millis()),
            Fault::TaskFails(msg) => write!(f, "task-fails:{msg}"),
            Fault::TaskTiming(t) => write!(f, "timing:{t}"),
            Fault::StringCode(code) => write!(f, "string-code:{code}"),
            Fault::OpenAiVideo => f.write_str("openai-video"),
            Fault::StatusWords(words) => write!(f, "status-words:{words}"),
            Fault::ErrorIn200(shape) => write!(f, "error-200:{shape}"),
        }
    }
}

/// A fault name that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown fault `{0}` (known: rate-limited[:CODE[:RETRY_AFTER]], server-error[:STATUS[:CODE[:RETRY_AFTER]]], drop-after-create, drop-connection, delay-after-create:MS, malformed-json, truncated-json, html-error[:STATUS], unknown-status[:VALUE], extra-fields, truncated-download, latency:MS, task-fails[:MESSAGE], timing:polls:P:D|timing:ms:P:D, string-code[:CODE], openai-video, status-words:new-api|openai|new-standard|upper|S:P:D:F, error-200[:kling|string|new-api|openai|one-api])"
)]
pub struct ParseFaultError(String);

impl FromStr for Fault {
    type Err = ParseFaultError;

    /// Reads a fault name: `rate-limited` (1302), `rate-limited:1303`, `rate-limited:1102:30`
    /// (with `Retry-After: 30`), `server-error` (500/5000), `server-error:503` (5001),
    /// `server-error:504:5002:5`, `drop-after-create`, `drop-connection`,
    /// `delay-after-create:MS`, `malformed-json`, `truncated-json`, `html-error` (502),
    /// `html-error:503`, `unknown-status` (`queued`), `unknown-status:VALUE`, `extra-fields`,
    /// `truncated-download`, `latency:MS`, `task-fails` / `task-fails:MESSAGE`,
    /// `timing:polls:P:D` or `timing:ms:P:D`; and a relay's variants: `string-code`
    /// (`"success"`) or `string-code:CODE`, `openai-video`, `status-words:PRESET` (`new-api`,
    /// `openai`, `new-standard`, `upper`) or `status-words:S:P:D:F` (the words for
    /// submitted, processing, succeed and failed), `error-200` (new-api's shape) or
    /// `error-200:SHAPE` (`kling`, `string`, `new-api`, `openai`, `one-api`).
    fn from_str(s: &str) -> Result<Fault, ParseFaultError> {
        let bad = || ParseFaultError(s.to_owned());
        let s = s.trim();
        let (name, rest) = s.split_once(':').map_or((s, None), |(n, r)| (n, Some(r)));
        let args: Vec<&str> = rest.map(|r| r.split(':').collect()).unwrap_or_default();
        let num = |i: usize| -> Result<Option<u64>, ParseFaultError> {
            args.get(i)
                .map(|a| a.parse::<u64>().map_err(|_| bad()))
                .transpose()
        };
        let small = |i: usize| -> Result<Option<u32>, ParseFaultError> {
            num(i)?
                .map(|n| u32::try_from(n).map_err(|_| bad()))
                .transpose()
        };
        let status = |i: usize, default: u16| -> Result<u16, ParseFaultError> {
            match num(i)? {
                Some(n) => u16::try_from(n)
                    .ok()
                    .filter(|s| (100..600).contains(s))
                    .ok_or_else(bad),
                None => Ok(default),
            }
        };
        let millis = |i: usize| num(i)?.map(Duration::from_millis).ok_or_else(bad);
        let fault = match name {
            "rate-limited" => Fault::RateLimited {
                code: small(0)?.unwrap_or(1302),
                retry_after: small(1)?,
            },
            "server-error" => {
                let status = status(0, 500)?;
                let Fault::ServerError { code, .. } = Fault::server_error(status) else {
                    return Err(bad());
                };
                Fault::ServerError {
                    status,
                    code: small(1)?.unwrap_or(code),
                    retry_after: small(2)?,
                }
            }
            "drop-after-create" => Fault::DropAfterCreate,
            "drop-connection" => Fault::DropConnection,
            "delay-after-create" => Fault::DelayAfterCreate(millis(0)?),
            "malformed-json" => Fault::MalformedJson,
            "truncated-json" => Fault::TruncatedJson,
            "html-error" => Fault::HtmlErrorPage {
                status: status(0, 502)?,
            },
            "unknown-status" => Fault::UnknownStatus(rest.unwrap_or("queued").to_owned()),
            "extra-fields" => Fault::ExtraFields,
            "truncated-download" => Fault::TruncatedDownload,
            "latency" => Fault::Latency(millis(0)?),
            "task-fails" => Fault::TaskFails(
                rest.unwrap_or("Failure to pass the risk control system")
                    .to_owned(),
            ),
            "timing" => Fault::TaskTiming(rest.unwrap_or_default().parse().map_err(|_| bad())?),
            "string-code" => Fault::StringCode(rest.unwrap_or("success").to_owned()),
            "openai-video" => Fault::OpenAiVideo,
            "status-words" => {
                Fault::StatusWords(rest.unwrap_or_default().parse().map_err(|_| bad())?)
            }
            "error-200" => Fault::ErrorIn200(rest.unwrap_or("new-api").parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        Ok(fault)
    }
}

/// Which requests a fault rule applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Match {
    operation: Option<String>,
    kind: Option<String>,
    role: Option<OperationRole>,
    media: Option<bool>,
}

impl Match {
    /// Every request: API operations and media downloads.
    pub fn any() -> Match {
        Match::default()
    }

    /// Requests to one operation, by `operationId` (for example `create_text2video`).
    pub fn operation(operation_id: impl Into<String>) -> Match {
        Match {
            operation: Some(operation_id.into()),
            media: Some(false),
            ..Match::default()
        }
    }

    /// Requests to one kind, by its path segment (for example `text2video`, `generations`).
    pub fn kind(segment: impl Into<String>) -> Match {
        Match {
            kind: Some(segment.into()),
            media: Some(false),
            ..Match::default()
        }
    }

    /// Requests of one role: creates, gets (polls) or lists, of any kind.
    pub fn role(role: OperationRole) -> Match {
        Match {
            role: Some(role),
            media: Some(false),
            ..Match::default()
        }
    }

    /// Creates of any kind.
    pub fn creates() -> Match {
        Match::role(OperationRole::Create)
    }

    /// Polls (get one task) of any kind.
    pub fn polls() -> Match {
        Match::role(OperationRole::Get)
    }

    /// Downloads of result media (`/mock-media/...`).
    pub fn media() -> Match {
        Match {
            media: Some(true),
            ..Match::default()
        }
    }

    /// Also requires the role (for example `Match::kind("text2video").and_role(Create)`).
    pub fn and_role(mut self, role: OperationRole) -> Match {
        self.role = Some(role);
        self.media = Some(false);
        self
    }

    pub(crate) fn matches(&self, target: &Target<'_>) -> bool {
        let api = match target {
            Target::Media => return self.media != Some(false),
            Target::Api {
                operation_id,
                kind,
                role,
            } => (operation_id, kind, role),
        };
        self.media != Some(true)
            && self.operation.as_deref().is_none_or(|o| o == *api.0)
            && self.kind.as_deref().is_none_or(|k| k == *api.1)
            && self.role.is_none_or(|r| r == *api.2)
    }
}

/// What a request is, for matching.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Api {
        operation_id: &'a str,
        kind: &'a str,
        role: OperationRole,
    },
    Media,
}

#[derive(Debug, Clone)]
struct Rule {
    matcher: Match,
    fault: Fault,
    /// Uses left; `None` for a rule that never runs out.
    remaining: Option<u32>,
}

/// The fault rules of a server, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    pub(crate) fn push(&mut self, matcher: Match, fault: Fault, times: Option<u32>) {
        if times != Some(0) {
            self.rules.push(Rule {
                matcher,
                fault,
                remaining: times,
            });
        }
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn pending(&self) -> usize {
        self.rules.len()
    }

    /// Takes (uses up once) the matching faults of a stage: every match for delays and
    /// modifiers, the first one for answers.
    pub(crate) fn take(&mut self, target: &Target<'_>, stage: Stage) -> Vec<Fault> {
        let mut taken = Vec::new();
        for rule in &mut self.rules {
            if rule.fault.stage() != stage || !rule.matcher.matches(target) {
                continue;
            }
            taken.push(rule.fault.clone());
            if let Some(n) = &mut rule.remaining {
                *n -= 1;
            }
            if stage == Stage::Answer {
                break;
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        taken
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn names_round_trip() {
        let faults = [
            Fault::RateLimited {
                code: 1303,
                retry_after: Some(2),
            },
            Fault::rate_limited(),
            Fault::server_error(503),
            Fault::ServerError {
                status: 504,
                code: 5002,
                retry_after: Some(1),
            },
            Fault::DropAfterCreate,
            Fault::DropConnection,
            Fault::DelayAfterCreate(Duration::from_millis(250)),
            Fault::MalformedJson,
            Fault::TruncatedJson,
            Fault::HtmlErrorPage { status: 502 },
            Fault::UnknownStatus("queued".into()),
            Fault::ExtraFields,
            Fault::TruncatedDownload,
            Fault::Latency(Duration::from_millis(40)),
            Fault::TaskFails("Image pixel is invalid".into()),
            Fault::TaskTiming(Timing::Polls {
                processing_after: 2,
                done_after: 5,
            }),
            Fault::TaskTiming(Timing::Millis {
                processing_after: 10,
                done_after: 30,
            }),
            Fault::StringCode("0".into()),
            Fault::OpenAiVideo,
            Fault::StatusWords(StatusWords::new(
                "queued",
                "in_progress",
                "completed",
                "cancelled",
            )),
            Fault::ErrorIn200(ErrorShape::OpenAi),
        ];
        for f in faults {
            assert_eq!(f.to_string().parse::<Fault>().unwrap(), f, "{f}");
        }
    }

    #[test]
    fn short_names_have_realistic_defaults() {
        assert_eq!(
            "rate-limited".parse(),
            Ok(Fault::RateLimited {
                code: 1302,
                retry_after: None
            })
        );
        assert_eq!(
            "server-error".parse(),
            Ok(Fault::ServerError {
                status: 500,
                code: 5000,
                retry_after: None
            })
        );
        assert_eq!(
            "server-error:504".parse(),
            Ok(Fault::ServerError {
                status: 504,
                code: 5002,
                retry_after: None
            })
        );
        assert_eq!(
            "html-error".parse(),
            Ok(Fault::HtmlErrorPage { status: 502 })
        );
        assert_eq!(
            "unknown-status".parse(),
            Ok(Fault::UnknownStatus("queued".into()))
        );
        assert_eq!(
            "string-code".parse(),
            Ok(Fault::StringCode("success".into()))
        );
        assert_eq!(
            "status-words:new-api".parse(),
            Ok(Fault::StatusWords(StatusWords::new_api()))
        );
        assert_eq!(
            "error-200".parse(),
            Ok(Fault::ErrorIn200(ErrorShape::NewApi))
        );
        assert!("status-words".parse::<Fault>().is_err());
        assert!("error-200:teapot".parse::<Fault>().is_err());
        assert!("nonsense".parse::<Fault>().is_err());
        assert!("latency".parse::<Fault>().is_err());
        assert!("html-error:99".parse::<Fault>().is_err());
    }

    #[test]
    fn rules_are_used_up_and_answers_are_exclusive() {
        let mut rules = Rules::default();
        rules.push(Match::creates(), Fault::rate_limited(), Some(1));
        rules.push(Match::any(), Fault::server_error(500), Some(2));
        rules.push(Match::any(), Fault::ExtraFields, None);
        let create = Target::Api {
            operation_id: "create_text2video",
            kind: "text2video",
            role: OperationRole::Create,
        };
        let poll = Target::Api {
            operation_id: "get_text2video",
            kind: "text2video",
            role: OperationRole::Get,
        };
        assert_eq!(rules.take(&create, Stage::Answer), [Fault::rate_limited()]);
        assert_eq!(
            rules.take(&create, Stage::Answer),
            [Fault::server_error(500)]
        );
        assert_eq!(rules.take(&poll, Stage::Answer), [Fault::server_error(500)]);
        assert!(rules.take(&poll, Stage::Answer).is_empty());
        assert_eq!(rules.take(&poll, Stage::Modifier), [Fault::ExtraFields]);
        assert_eq!(
            rules.take(&Target::Media, Stage::Modifier),
            [Fault::ExtraFields]
        );
        assert_eq!(rules.pending(), 1);
    }

    #[test]
    fn matchers_select_operation_kind_role_and_media() {
        let create = Target::Api {
            operation_id: "create_text2video",
            kind: "text2video",
            role: OperationRole::Create,
        };
        let list = Target::Api {
            operation_id: "list_generations",
            kind: "generations",
            role: OperationRole::List,
        };
        assert!(Match::operation("create_text2video").matches(&create));
        assert!(!Match::operation("create_text2video").matches(&list));
        assert!(Match::kind("generations").matches(&list));
        assert!(
            !Match::kind("text2video")
                .and_role(OperationRole::Get)
                .matches(&create)
        );
        assert!(Match::media().matches(&Target::Media));
        assert!(!Match::media().matches(&create));
        assert!(!Match::creates().matches(&Target::Media));
        assert!(Match::any().matches(&Target::Media));
    }
}
