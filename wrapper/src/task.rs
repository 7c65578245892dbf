//! Tasks: the normalised [`Task`] (status vocabulary, timestamp units, outputs, expiry) and
//! the serialisable [`TaskHandle`] a create returns.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nicerouter_kling_raw::{TaskStatus, types};
use serde::{Deserialize, Serialize};

use crate::Kind;
use crate::auth::Backend;
use nicerouter_kling_raw::catalog::Results;

/// How long Kling keeps result media: URLs stop working about 30 days after the task.
pub const RESULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A task's state, normalised across Kling's and relays' vocabularies.
///
/// Kling says `submitted`, `processing`, `succeed`, `failed`; relays and newer APIs say
/// `queued`, `in_progress`, `succeeded`, `SUCCESS`, `completed`, `FAILURE`, `FAILED`,
/// `cancelled`, …. These map to the four known states, case-insensitively. Anything else is
/// [`Unknown`](Status::Unknown): never taken as done.
///
/// A cancelled task (`cancelled`, `canceled`) is [`Failed`](Status::Failed): it ended, and it
/// will never have results. The word the server sent is kept in the raw task
/// (`task.raw().task_status`), so that a cancellation can still be told from a failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Accepted and queued (`submitted`, `queued`, `pending`, `not_start`).
    Submitted,
    /// Generating (`processing`, `in_progress`, `running`).
    Processing,
    /// Done with results (`succeed`, `succeeded`, `success`, `completed`).
    Succeeded,
    /// Done without results (`failed`, `failure`, `cancelled`, `canceled`); the reason is in
    /// [`Task::status_message`].
    Failed,
    /// A value this version does not know, as sent.
    Unknown(String),
}

impl Status {
    /// Normalises a raw status.
    pub fn from_raw(raw: &TaskStatus) -> Self {
        match raw {
            TaskStatus::Submitted => Status::Submitted,
            TaskStatus::Processing => Status::Processing,
            TaskStatus::Succeed => Status::Succeeded,
            TaskStatus::Failed => Status::Failed,
            TaskStatus::Other(s) => Status::from_word(s),
        }
    }

    fn from_word(word: &str) -> Self {
        match word.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "submitted" | "queued" | "pending" | "not_start" | "not_started" => Status::Submitted,
            "processing" | "in_progress" | "running" => Status::Processing,
            "succeed" | "succeeded" | "success" | "completed" => Status::Succeeded,
            "failed" | "failure" | "cancelled" | "canceled" => Status::Failed,
            _ => Status::Unknown(word.to_owned()),
        }
    }

    /// Whether the task has finished (succeeded or failed). Unknown statuses are not.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed)
    }

    /// The value as a short word (`submitted`, `processing`, `succeeded`, `failed`, or the
    /// unknown value as sent).
    pub fn as_str(&self) -> &str {
        match self {
            Status::Submitted => "submitted",
            Status::Processing => "processing",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Unknown(s) => s,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutputKind {
    /// A video (MP4).
    Video,
    /// An image (PNG or JPEG).
    Image,
    /// Audio (MP3 or WAV).
    Audio,
}

impl From<Results> for OutputKind {
    fn from(results: Results) -> Self {
        match results {
            Results::Images => OutputKind::Image,
            Results::Audios => OutputKind::Audio,
            _ => OutputKind::Video,
        }
    }
}

/// One result of a succeeded task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Output {
    /// The signed download URL. It stops working about 30 days after the task.
    pub url: String,
    /// Video or image.
    pub kind: OutputKind,
    /// Position among the task's outputs, from 0.
    pub index: u32,
    /// The video id (usable as `video_id` for video-extend and lip-sync).
    pub id: Option<String>,
    /// The video length, when sent (Kling sends seconds as a string, such as `"5.1"`).
    pub duration: Option<Duration>,
    /// The watermarked variant, when requested.
    pub watermark_url: Option<String>,
}

/// A task as returned by get, list, wait, and callbacks: the raw task plus normalisation.
///
/// Serialises exactly as the raw task object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Task {
    raw: types::Task,
}

impl Task {
    /// Wraps a raw task.
    pub fn from_raw(raw: types::Task) -> Self {
        Self { raw }
    }

    /// Kling's task id.
    pub fn id(&self) -> &str {
        &self.raw.task_id
    }

    /// The normalised status.
    pub fn status(&self) -> Status {
        Status::from_raw(&self.raw.task_status)
    }

    /// `task_status_msg`: the failure reason, when there is one (empty is `None`).
    pub fn status_message(&self) -> Option<&str> {
        self.raw
            .task_status_msg
            .as_deref()
            .filter(|m| !m.trim().is_empty())
    }

    /// The `external_task_id` echoed by the server.
    pub fn external_task_id(&self) -> Option<&str> {
        self.raw.task_info.as_ref()?.external_task_id.as_deref()
    }

    /// When the task was created. Seconds and milliseconds are both accepted (relays send
    /// seconds; values below 10¹¹ are taken as seconds).
    pub fn created_at(&self) -> Option<SystemTime> {
        self.raw.created_at.and_then(timestamp)
    }

    /// When the task last changed (same units rule as [`created_at`](Self::created_at)).
    pub fn updated_at(&self) -> Option<SystemTime> {
        self.raw.updated_at.and_then(timestamp)
    }

    /// When the result URLs stop working: 30 days after the last update (or the creation).
    /// Relays may delete results sooner.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.updated_at()
            .or_else(|| self.created_at())
            .map(|t| t + RESULT_RETENTION)
    }

    /// Why the task failed, when it did ([`Status::Failed`]): the category derived from
    /// `task_status_msg` (see [`FailureCategory::classify`]) and the words as sent. Kling's
    /// envelope says `SUCCEED` even then; the reason is only in these words.
    pub fn failure(&self) -> Option<TaskFailure> {
        (self.status() == Status::Failed).then(|| TaskFailure::from_reason(self.status_message()))
    }

    /// `final_unit_deduction`: the resource-pack units billed for the task, as the decimal
    /// string sent (`"1"`, `"0.5"`), when the backend reports it (Kling's queries do once a
    /// task is done).
    ///
    /// ```
    /// use nicerouter_kling::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({
    ///     "task_id": "1", "task_status": "succeed", "final_unit_deduction": "0.5"
    /// }))?;
    /// assert_eq!(task.final_unit_deduction(), Some("0.5"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn final_unit_deduction(&self) -> Option<&str> {
        self.raw.final_unit_deduction.as_deref()
    }

    /// `final_balance_deduction`: what the task cost the account's balance (cash billing),
    /// when the backend reports it: the balance deducted (`quota`, the discounted price) and
    /// the `list_price`, as decimal strings.
    ///
    /// ```
    /// use nicerouter_kling::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({
    ///     "task_id": "1", "task_status": "succeed",
    ///     "final_balance_deduction": {"quota": "0.20", "list_price": "0.28"}
    /// }))?;
    /// let cost = task.final_balance_deduction().expect("reported");
    /// assert_eq!(cost.quota.as_deref(), Some("0.20"));
    /// assert_eq!(cost.list_price.as_deref(), Some("0.28"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn final_balance_deduction(&self) -> Option<&types::FinalBalanceDeduction> {
        self.raw.final_balance_deduction.as_ref()
    }

    /// The results: videos, then images (a series' too), then audio tracks (MP3 and WAV
    /// where both are given), then custom voices' samples, in the server's order.
    pub fn outputs(&self) -> Vec<Output> {
        let Some(result) = self.raw.task_result.as_ref() else {
            return Vec::new();
        };
        let videos = result.videos.iter().flatten().map(|v| {
            (
                OutputKind::Video,
                Some(&v.url),
                v.id.clone(),
                v.duration.as_deref(),
                None,
                v.watermark_url.clone(),
            )
        });
        let images = result
            .images
            .iter()
            .flatten()
            .chain(result.series_images.iter().flatten())
            .map(|img| {
                let index = img.index.and_then(|n| u32::try_from(n).ok());
                (
                    OutputKind::Image,
                    img.url.as_ref(),
                    None,
                    None,
                    index,
                    img.watermark_url.clone(),
                )
            });
        let audios = result.audios.iter().flatten().flat_map(|a| {
            [
                (a.url.as_ref(), a.duration.as_deref()),
                (a.url_mp3.as_ref(), a.duration_mp3.as_deref()),
                (a.url_wav.as_ref(), a.duration_wav.as_deref()),
            ]
            .into_iter()
            .map(|(url, duration)| (OutputKind::Audio, url, a.id.clone(), duration, None, None))
        });
        let voices = result.voices.iter().flatten().map(|v| {
            let id = v.voice_id.as_ref().map(ToString::to_string);
            (
                OutputKind::Audio,
                v.trial_url.as_ref(),
                id,
                None,
                None,
                None,
            )
        });
        videos
            .chain(images)
            .chain(audios)
            .chain(voices)
            .filter_map(|(kind, url, id, duration, index, watermark_url)| {
                let url = url.filter(|u| !u.trim().is_empty())?;
                Some((kind, url.clone(), id, duration, index, watermark_url))
            })
            .enumerate()
            .map(
                |(i, (kind, url, id, duration, index, watermark_url))| Output {
                    url,
                    kind,
                    index: index.unwrap_or_else(|| u32::try_from(i).unwrap_or(u32::MAX)),
                    id,
                    duration: duration.and_then(parse_seconds),
                    watermark_url,
                },
            )
            .collect()
    }

    /// The raw task, with every field the server sent that the spec knows.
    pub fn raw(&self) -> &types::Task {
        &self.raw
    }

    /// The raw task.
    pub fn into_raw(self) -> types::Task {
        self.raw
    }
}

/// Why a task failed, in one of a few words to act on: derived from Kling's words in
/// `task_status_msg` and any Kling code they name (see [`FailureCategory::classify`]).
///
/// ```
/// use nicerouter_kling::FailureCategory;
///
/// let category = FailureCategory::classify("Failure to pass the risk control system");
/// assert_eq!(category, FailureCategory::Moderation);
/// assert_eq!(category.as_str(), "moderation");
/// assert!(!category.may_succeed_on_retry());
/// assert_eq!(FailureCategory::classify("code 1303"), FailureCategory::Capacity);
/// assert_eq!(FailureCategory::classify("something new"), FailureCategory::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureCategory {
    /// Refused by content moderation (risk control, content-safety policy): change the
    /// prompt or the media.
    Moderation,
    /// The input cannot be used (an image's pixels, a parameter): fix it.
    InvalidInput,
    /// A limit of the account or the service (concurrency, rate, resource pack or balance):
    /// the same input may succeed later, or after a top-up.
    Capacity,
    /// Kling's servers failed (internal error, maintenance, timeout): the same input may
    /// succeed later.
    Upstream,
    /// The words match no rule (or there are none).
    Unknown,
}

/// One matching rule: the codes and phrases that put a failure in `category`, and where
/// Kling (or a relay passing Kling's words on) says them.
struct FailureRule {
    category: FailureCategory,
    /// Inclusive ranges of the Kling codes the words may name (`code 1301`).
    codes: &'static [(i64, i64)],
    /// Lower-case phrases looked for in the words.
    phrases: &'static [&'static str],
    /// Where the codes or words come from (traced with each classification).
    source: &'static str,
}

/// The rules, in the order phrases are tried: the specific refusals before the generic word
/// "invalid", so that a moderation refusal that calls the input invalid is moderation.
const FAILURE_RULES: &[FailureRule] = &[
    FailureRule {
        category: FailureCategory::Moderation,
        codes: &[],
        phrases: &["risk control", "risk-control", "风控"],
        source: "a risk-control refusal, `Failure to pass the risk control system` (the spec's \
                 failed-task example; relays' reports of Kling risk-control failures)",
    },
    FailureRule {
        category: FailureCategory::Moderation,
        codes: &[(1300, 1301)],
        phrases: &[
            "content security",
            "content safety",
            "content policy",
            "platform policy",
            "moderation",
        ],
        source: "Kling's error codes: 1300 platform policy triggered, 1301 content-security \
                 policy triggered; task_status_msg: the failure reason, e.g. content moderation",
    },
    FailureRule {
        category: FailureCategory::Capacity,
        codes: &[(1302, 1303)],
        phrases: &[
            "over resource pack limit",
            "parallel task",
            "concurren",
            "rate limit",
            "too many requests",
        ],
        source: "Kling's error codes: 1302 request rate too high, 1303 concurrency above the \
                 resource pack's limit (`parallel task over resource pack limit`)",
    },
    FailureRule {
        category: FailureCategory::Capacity,
        codes: &[(1102, 1102)],
        phrases: &["balance not enough", "resource pack"],
        source: "Kling's error codes: 1102 resource pack depleted or expired (live message \
                 `Account balance not enough`)",
    },
    FailureRule {
        category: FailureCategory::Upstream,
        codes: &[(5000, 5999)],
        phrases: &[
            "internal error",
            "server error",
            "temporarily unavailable",
            "maintenance",
            "timeout",
            "timed out",
        ],
        source: "Kling's error codes: 5000 internal error, 5001 temporarily unavailable \
                 (maintenance), 5002 internal timeout (backlog)",
    },
    FailureRule {
        category: FailureCategory::InvalidInput,
        codes: &[(1200, 1203)],
        phrases: &["image pixel", "invalid", "not supported", "unsupported"],
        source: "`Image pixel is invalid` in task_status_msg of a failed task; Kling's error \
                 codes 1200-1203 invalid request parameters, invalid parameter, method, resource",
    },
];

impl FailureCategory {
    /// The category of a failed task's words (`task_status_msg`): a Kling code they name
    /// (`code 1301`, `code: 5000`) decides first; else the first rule with a phrase in the
    /// words (case-insensitive); else [`Unknown`](FailureCategory::Unknown).
    ///
    /// Moderation: risk-control refusals, 1300/1301 (content security, platform policy).
    /// Capacity: 1102 (resource pack or balance), 1302/1303 (rate, concurrency). Upstream:
    /// 5000–5999 (internal error, maintenance, timeout). Invalid input: 1200–1203, and
    /// "invalid" words such as `Image pixel is invalid`.
    ///
    /// ```
    /// use nicerouter_kling::FailureCategory;
    ///
    /// assert_eq!(FailureCategory::classify("Image pixel is invalid"), FailureCategory::InvalidInput);
    /// assert_eq!(FailureCategory::classify("upstream error, code: 5002"), FailureCategory::Upstream);
    /// ```
    pub fn classify(message: &str) -> Self {
        let lower = message.to_lowercase();
        let by_code = named_codes(&lower).find_map(|code| {
            FAILURE_RULES
                .iter()
                .find(|rule| rule.codes.iter().any(|&(lo, hi)| (lo..=hi).contains(&code)))
        });
        by_code
            .or_else(|| {
                FAILURE_RULES
                    .iter()
                    .find(|rule| rule.phrases.iter().any(|p| lower.contains(p)))
            })
            .map_or(FailureCategory::Unknown, |rule| {
                tracing::debug!(category = %rule.category, source = rule.source, "failure classified");
                rule.category
            })
    }

    /// The category as a word: `moderation`, `invalid_input`, `capacity`, `upstream`,
    /// `unknown` (as serialised).
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureCategory::Moderation => "moderation",
            FailureCategory::InvalidInput => "invalid_input",
            FailureCategory::Capacity => "capacity",
            FailureCategory::Upstream => "upstream",
            FailureCategory::Unknown => "unknown",
        }
    }

    /// Whether a new task with the same input may succeed later: capacity and upstream
    /// failures. Moderation and invalid input need a changed input; unknown is not promised.
    pub fn may_succeed_on_retry(&self) -> bool {
        matches!(self, FailureCategory::Capacity | FailureCategory::Upstream)
    }
}

impl std::fmt::Display for FailureCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The numbers that follow the word `code` in lower-case words (`code 1301`, `code: 1303`,
/// `"code":5000`, `code=1201`).
fn named_codes(lower: &str) -> impl Iterator<Item = i64> + '_ {
    lower.match_indices("code").filter_map(move |(at, word)| {
        let rest = lower[at + word.len()..].trim_start_matches([' ', ':', '=', '"', '\'', '#']);
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..digits].parse().ok()
    })
}

/// Why a failed task failed: its [`FailureCategory`] and Kling's own words.
///
/// ```
/// use nicerouter_kling::{FailureCategory, Task};
///
/// let task: Task = serde_json::from_value(serde_json::json!({
///     "task_id": "833446756", "task_status": "failed",
///     "task_status_msg": "Image pixel is invalid"
/// }))?;
/// let failure = task.failure().expect("the task failed");
/// assert_eq!(failure.category, FailureCategory::InvalidInput);
/// assert_eq!(failure.reason.as_deref(), Some("Image pixel is invalid"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskFailure {
    /// What kind of failure it is.
    pub category: FailureCategory,
    /// `task_status_msg` as sent (`None` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TaskFailure {
    /// The failure that `reason` (a failed task's `task_status_msg`) describes; empty or
    /// blank words are no reason, and [`Unknown`](FailureCategory::Unknown).
    pub fn from_reason(reason: Option<&str>) -> Self {
        let reason = reason.filter(|r| !r.trim().is_empty());
        Self {
            category: reason.map_or(FailureCategory::Unknown, FailureCategory::classify),
            reason: reason.map(str::to_owned),
        }
    }
}

fn parse_seconds(s: &str) -> Option<Duration> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
}

/// A Unix timestamp in seconds or milliseconds (values below 10¹¹ are seconds: 10¹¹ s is the
/// year 5138, 10¹¹ ms is 1973).
pub(crate) fn timestamp(value: i64) -> Option<SystemTime> {
    let value = u64::try_from(value).ok()?;
    let millis = if value < 100_000_000_000 {
        value.checked_mul(1000)?
    } else {
        value
    };
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

/// How much of the prompt a [`RequestSummary`] keeps, in characters.
const PROMPT_SUMMARY_CHARS: usize = 200;

/// A summary of the request that created a task, kept in the [`TaskHandle`] and in download
/// sidecars so that a result can be traced back to what was asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestSummary {
    /// `model_name`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// `mode`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `duration`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `aspect_ratio`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// The first 200 characters of `prompt`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The size of the request body in bytes.
    #[serde(default)]
    pub body_bytes: u64,
}

impl RequestSummary {
    /// Keeps the first 200 characters of the prompt.
    pub(crate) fn truncate_prompt(&mut self) {
        if let Some(prompt) = &mut self.prompt
            // No more characters than bytes: a short prompt is kept without walking it.
            && prompt.len() > PROMPT_SUMMARY_CHARS
            && let Some((end, _)) = prompt.char_indices().nth(PROMPT_SUMMARY_CHARS)
        {
            prompt.truncate(end);
        }
    }

    /// The summary of a create body (`body_bytes` 0 until it is serialised): its
    /// `model_name`, `mode`, `duration`, `aspect_ratio` and `prompt` when they are strings or
    /// numbers, the prompt cut to 200 characters.
    pub(crate) fn of(body: &serde_json::Value) -> Self {
        let text = |key: &str| match body.get(key) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let mut summary = RequestSummary {
            model_name: text("model_name"),
            mode: text("mode"),
            duration: text("duration"),
            aspect_ratio: text("aspect_ratio"),
            prompt: text("prompt"),
            body_bytes: 0,
        };
        summary.truncate_prompt();
        summary
    }
}

/// A created (paid) task: everything needed to wait for it and download its results, even from
/// another process after a restart. Serialise it (JSON, for example) as soon as a create
/// returns; [`TaskHandle::wait`] on the deserialised handle resumes without paying again.
///
/// ```
/// use nicerouter_kling::{Kind, TaskHandle};
///
/// let handle = TaskHandle::new(Kind::TextToVideo, "814570891207524415");
/// let saved = serde_json::to_string(&handle).unwrap();
/// let resumed: TaskHandle = serde_json::from_str(&saved).unwrap();
/// assert_eq!(resumed, handle);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskHandle {
    /// The kind of task (which path to poll).
    pub kind: Kind,
    /// Kling's task id.
    pub task_id: String,
    /// The caller's (or the SDK's) `external_task_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
    /// The service the task was created on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<Backend>,
    /// The base URL the task was created through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Creation time, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_ms: Option<i64>,
    /// What was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSummary>,
    /// The task's `task_status` when the handle was made, as the server sent it: the
    /// create's answer (usually `submitted`), or the lookup's when a lost create answer was
    /// found by its `external_task_id`. A handle is a snapshot;
    /// [`Client::get`](crate::Client::get) or a wait gives the current status, and
    /// [`status`](Self::status) the normalised one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_status: Option<TaskStatus>,
}

impl TaskHandle {
    /// A handle for an existing task, for example one created elsewhere.
    pub fn new(kind: Kind, task_id: impl Into<String>) -> Self {
        Self {
            kind,
            task_id: task_id.into(),
            external_task_id: None,
            backend: None,
            base_url: None,
            created_at_ms: None,
            request: None,
            task_status: None,
        }
    }

    /// Sets the `external_task_id`.
    pub fn with_external_task_id(mut self, id: impl Into<String>) -> Self {
        self.external_task_id = Some(id.into());
        self
    }

    /// When the task was created.
    pub fn created_at(&self) -> Option<SystemTime> {
        self.created_at_ms.and_then(timestamp)
    }

    /// [`task_status`](Self::task_status), normalised: the status when the handle was made.
    pub fn status(&self) -> Option<Status> {
        self.task_status.as_ref().map(Status::from_raw)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn task(value: serde_json::Value) -> Task {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn statuses_are_normalised_and_unknown_is_kept() {
        for (word, status) in [
            ("submitted", Status::Submitted),
            ("QUEUED", Status::Submitted),
            ("NOT_START", Status::Submitted),
            ("processing", Status::Processing),
            ("IN_PROGRESS", Status::Processing),
            ("in-progress", Status::Processing),
            ("succeed", Status::Succeeded),
            ("succeeded", Status::Succeeded),
            ("SUCCESS", Status::Succeeded),
            ("completed", Status::Succeeded),
            ("failed", Status::Failed),
            ("FAILURE", Status::Failed),
            ("FAILED", Status::Failed),
            ("cancelled", Status::Failed),
            ("Canceled", Status::Failed),
            ("warming_up", Status::Unknown("warming_up".into())),
            ("UNKNOWN", Status::Unknown("UNKNOWN".into())),
        ] {
            assert_eq!(Status::from_raw(&TaskStatus::from(word)), status, "{word}");
        }
        assert!(!Status::Unknown("done?".into()).is_terminal());
        assert!(Status::Failed.is_terminal());
    }

    #[test]
    fn timestamps_in_seconds_or_millis_agree() {
        let ms = task(
            json!({"task_id": "1", "task_status": "submitted", "created_at": 1_722_769_557_708i64}),
        );
        let s = task(
            json!({"task_id": "1", "task_status": "submitted", "created_at": 1_722_769_557i64}),
        );
        let ms_t = ms.created_at().unwrap().duration_since(UNIX_EPOCH).unwrap();
        let s_t = s.created_at().unwrap().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(ms_t.as_secs(), s_t.as_secs());
        assert_eq!(timestamp(-1), None);
    }

    #[test]
    fn expiry_is_thirty_days_after_the_last_update() {
        let t = task(
            json!({"task_id": "1", "task_status": "succeed", "created_at": 1000, "updated_at": 2000}),
        );
        assert_eq!(
            t.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(2000) + RESULT_RETENTION)
        );
        let t = task(json!({"task_id": "1", "task_status": "succeed", "created_at": 1000}));
        assert_eq!(
            t.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1000) + RESULT_RETENTION)
        );
    }

    #[test]
    fn outputs_cover_videos_and_images() {
        let t = task(json!({
            "task_id": "1", "task_status": "succeed", "task_status_msg": "",
            "task_result": {
                "videos": [{"id": "v1", "url": "https://cdn/v1.mp4", "duration": "5.1"}],
                "images": [{"index": 3, "url": "https://cdn/i.png", "watermark_url": "https://cdn/w.png"},
                           {"url": ""}]
            }
        }));
        let outs = t.outputs();
        assert_eq!(outs.len(), 2, "empty URLs are dropped");
        assert_eq!(outs[0].kind, OutputKind::Video);
        assert_eq!(outs[0].id.as_deref(), Some("v1"));
        assert_eq!(outs[0].duration, Some(Duration::from_millis(5100)));
        assert_eq!(outs[1].kind, OutputKind::Image);
        assert_eq!(outs[1].index, 3);
        assert_eq!(outs[1].watermark_url.as_deref(), Some("https://cdn/w.png"));
        assert_eq!(t.status_message(), None, "empty message is None");
    }

    fn failed(message: &str) -> Task {
        task(json!({"task_id": "1", "task_status": "failed", "task_status_msg": message}))
    }

    #[test]
    fn moderation_failures_are_named() {
        for message in [
            // The spec's failed-task example, and relays' risk-control reports.
            "Failure to pass the risk control system",
            "视频被风控",
            // Kling's 1301 and 1300 meanings, and a code named in the words.
            "Content security policy triggered",
            "platform policy triggered",
            "upstream refused: code 1301",
        ] {
            let failure = failed(message).failure().unwrap();
            assert_eq!(failure.category, FailureCategory::Moderation, "{message}");
            assert_eq!(failure.reason.as_deref(), Some(message), "words kept");
        }
    }

    #[test]
    fn invalid_input_failures_are_named() {
        for message in [
            "Image pixel is invalid",
            "invalid parameter: image_tail",
            "error code: 1201",
        ] {
            assert_eq!(
                failed(message).failure().unwrap().category,
                FailureCategory::InvalidInput,
                "{message}"
            );
        }
    }

    #[test]
    fn capacity_failures_are_named() {
        for message in [
            "parallel task over resource pack limit",
            "Account balance not enough",
            "{\"code\":1303,\"message\":\"busy\"}",
            "code=1302",
        ] {
            assert_eq!(
                failed(message).failure().unwrap().category,
                FailureCategory::Capacity,
                "{message}"
            );
        }
        assert!(FailureCategory::Capacity.may_succeed_on_retry());
    }

    #[test]
    fn upstream_failures_are_named() {
        for message in [
            "internal error",
            "service temporarily unavailable (maintenance)",
            "internal timeout",
            "code 5000",
        ] {
            assert_eq!(
                failed(message).failure().unwrap().category,
                FailureCategory::Upstream,
                "{message}"
            );
        }
        assert!(FailureCategory::Upstream.may_succeed_on_retry());
        assert!(!FailureCategory::Moderation.may_succeed_on_retry());
    }

    #[test]
    fn a_code_in_the_words_decides_before_phrases() {
        // The generic word "invalid" loses to the code that names a limit.
        assert_eq!(
            FailureCategory::classify("invalid state, code 1303"),
            FailureCategory::Capacity
        );
        // A number that is not a code is not taken as one.
        assert_eq!(
            FailureCategory::classify("1301 frames generated"),
            FailureCategory::Unknown
        );
    }

    #[test]
    fn unknown_words_and_no_words_are_unknown() {
        let failure = failed("the moon is in the wrong phase").failure().unwrap();
        assert_eq!(failure.category, FailureCategory::Unknown);
        assert_eq!(
            failure.reason.as_deref(),
            Some("the moon is in the wrong phase")
        );
        let silent = failed("  ").failure().unwrap();
        assert_eq!(silent.category, FailureCategory::Unknown);
        assert_eq!(silent.reason, None);
        assert_eq!(
            serde_json::to_value(&silent).unwrap(),
            json!({"category": "unknown"})
        );
    }

    #[test]
    fn only_failed_tasks_have_a_failure() {
        let done = task(json!({"task_id": "1", "task_status": "succeed",
                                "task_status_msg": "Image pixel is invalid"}));
        assert_eq!(done.failure(), None);
        // A relay's synonym for failed is failed.
        let relay = task(json!({"task_id": "1", "task_status": "FAILURE",
                                 "task_status_msg": "risk control"}));
        assert_eq!(
            serde_json::to_value(relay.failure().unwrap()).unwrap(),
            json!({"category": "moderation", "reason": "risk control"})
        );
    }

    #[test]
    fn deductions_are_read_as_sent() {
        let t = task(json!({
            "task_id": "1", "task_status": "succeed", "final_unit_deduction": "8",
            "final_balance_deduction": {"quota": "0.35", "list_price": "0.49"}
        }));
        assert_eq!(t.final_unit_deduction(), Some("8"));
        let cost = t.final_balance_deduction().unwrap();
        assert_eq!(cost.quota.as_deref(), Some("0.35"));
        assert_eq!(cost.list_price.as_deref(), Some("0.49"));
        let none = task(json!({"task_id": "1", "task_status": "processing"}));
        assert_eq!(none.final_unit_deduction(), None);
        assert!(none.final_balance_deduction().is_none());
    }

    #[test]
    fn every_rule_says_where_it_comes_from() {
        for rule in FAILURE_RULES {
            assert!(!rule.source.is_empty());
            assert!(!rule.codes.is_empty() || !rule.phrases.is_empty());
            assert!(rule.phrases.iter().all(|p| *p == p.to_lowercase()));
        }
    }

    #[test]
    fn request_summary_reads_known_fields_only() {
        let body = json!({
            "model_name": "kling-v2-5-turbo", "prompt": "猫".repeat(300), "duration": "10",
            "image": "A".repeat(1000), "mode": "pro"
        });
        let s = RequestSummary::of(&body);
        assert_eq!(s.model_name.as_deref(), Some("kling-v2-5-turbo"));
        assert_eq!(s.duration.as_deref(), Some("10"));
        assert_eq!(s.mode.as_deref(), Some("pro"));
        assert_eq!(
            s.prompt,
            Some("猫".repeat(200)),
            "cut at 200 characters, not bytes"
        );
        assert_eq!(s.body_bytes, 0);
        let odd = RequestSummary::of(&json!({"duration": 5, "mode": {"x": 1}, "prompt": "p"}));
        assert_eq!(odd.duration.as_deref(), Some("5"));
        assert_eq!(odd.mode, None);
        assert_eq!(odd.prompt.as_deref(), Some("p"));
    }

    #[test]
    fn handles_round_trip_and_tolerate_missing_fields() {
        let h: TaskHandle =
            serde_json::from_value(json!({"kind": "lip-sync", "task_id": "42"})).unwrap();
        assert_eq!(h, TaskHandle::new(Kind::LipSync, "42"));
        let full = TaskHandle {
            external_task_id: Some("nrk-1".into()),
            backend: Some(Backend::NiceRouter),
            base_url: Some("http://x/kling".into()),
            created_at_ms: Some(1_722_769_557_708),
            request: Some(RequestSummary::default()),
            task_status: Some(TaskStatus::from("warming_up")),
            ..TaskHandle::new(Kind::ImageGeneration, "7")
        };
        let back: TaskHandle =
            serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
        assert_eq!(back, full);
    }
}
