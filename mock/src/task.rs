//! Simulated tasks: ids, lifecycle, results, and their JSON.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::media::MediaKind;

/// The first task id; later tasks count up from it (18-digit numeric strings, like Kling's).
pub const FIRST_TASK_ID: u64 = 814_570_891_207_524_415;

/// The creator id the mock gives the account's own voices and elements (`owned_by`; Kling's
/// own library says `kling`).
const MOCK_OWNER: &str = "10001";

/// When a task moves from `submitted` to `processing` and then to its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Counted in polls of the task (`GET .../{task_id}`): the `processing_after`-th poll
    /// shows `processing` and the `done_after`-th shows the outcome. `Polls { 0, 0 }` is done
    /// at once; the default `Polls { 1, 2 }` is processing at the first poll, done at the second.
    Polls {
        /// Polls after which the task is `processing`.
        processing_after: u32,
        /// Polls after which the task is `succeed` or `failed`.
        done_after: u32,
    },
    /// Counted in milliseconds since the create (tokio's clock, so a paused test clock works).
    Millis {
        /// Milliseconds after which the task is `processing`.
        processing_after: u64,
        /// Milliseconds after which the task is `succeed` or `failed`.
        done_after: u64,
    },
}

impl Default for Timing {
    fn default() -> Self {
        Timing::Polls {
            processing_after: 1,
            done_after: 2,
        }
    }
}

impl fmt::Display for Timing {
    /// `polls:P:D` or `ms:P:D`, as [`Timing::from_str`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timing::Polls {
                processing_after,
                done_after,
            } => write!(f, "polls:{processing_after}:{done_after}"),
            Timing::Millis {
                processing_after,
                done_after,
            } => write!(f, "ms:{processing_after}:{done_after}"),
        }
    }
}

/// A timing that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid timing `{0}`: expected `polls:P:D` or `ms:P:D` with P <= D, for example `polls:1:2` or `ms:100:500`"
)]
pub struct ParseTimingError(String);

impl FromStr for Timing {
    type Err = ParseTimingError;

    /// Reads `polls:P:D` or `ms:P:D` (P ≤ D).
    fn from_str(s: &str) -> Result<Timing, ParseTimingError> {
        let bad = || ParseTimingError(s.to_owned());
        let parts: Vec<&str> = s.trim().split(':').collect();
        let [unit, p, d] = parts.as_slice() else {
            return Err(bad());
        };
        let p: u64 = p.parse().map_err(|_| bad())?;
        let d: u64 = d.parse().map_err(|_| bad())?;
        if p > d {
            return Err(bad());
        }
        let small = |n: u64| u32::try_from(n).map_err(|_| bad());
        match *unit {
            "polls" => Ok(Timing::Polls {
                processing_after: small(p)?,
                done_after: small(d)?,
            }),
            "ms" => Ok(Timing::Millis {
                processing_after: p,
                done_after: d,
            }),
            _ => Err(bad()),
        }
    }
}

/// How a task ends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Outcome {
    /// `succeed`, with result media.
    #[default]
    Succeed,
    /// `failed`, with this `task_status_msg`.
    Fail(String),
}

/// A task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Accepted, not started.
    Submitted,
    /// Generating.
    Processing,
    /// Done, with results.
    Succeed,
    /// Done, without results.
    Failed,
}

impl Status {
    /// Kling's spelling (`succeed`, not `succeeded`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Processing => "processing",
            Status::Succeed => "succeed",
            Status::Failed => "failed",
        }
    }
}

/// A task the mock has created, as tests see it.
#[derive(Debug, Clone, PartialEq)]
pub struct MockTask {
    /// Kling-style id: an 18-digit numeric string.
    pub task_id: String,
    /// The kind's path segment, for example `text2video`.
    pub kind: String,
    /// The create's `operationId`, for example `create_text2video`.
    pub operation_id: String,
    /// The caller's `external_task_id`, if sent.
    pub external_task_id: Option<String>,
    /// The create's JSON body, as received.
    pub request: Value,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// The status as of the last time the task was shown (polls move it on).
    pub status: Status,
    /// Polls of this task so far.
    pub polls: u32,
    /// The task's timing.
    pub timing: Timing,
    /// How it ends.
    pub outcome: Outcome,
    /// Its result files (`n` images, or one video, audio track or voice sample; none for an
    /// element).
    pub results: usize,
    /// Whether result files are images, videos or audio.
    pub media: MediaKind,
}

/// What a kind's tasks produce: which array of `task_result` they fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Results {
    /// `videos[]`.
    Videos,
    /// `images[]`.
    Images,
    /// `audios[]`.
    Audios,
    /// `voices[]`, each with a sample to download.
    Voices,
    /// `elements[]`, without files.
    Elements,
}

impl Results {
    /// The value of an `x-sdk.results`, if it is one the mock knows.
    pub(crate) fn from_name(name: &str) -> Option<Results> {
        Some(match name {
            "videos" => Results::Videos,
            "images" => Results::Images,
            "audios" => Results::Audios,
            "voices" => Results::Voices,
            "elements" => Results::Elements,
            _ => return None,
        })
    }

    /// The kind of file a result is served as.
    pub(crate) fn media(self) -> MediaKind {
        match self {
            Results::Videos => MediaKind::Video,
            Results::Images | Results::Elements => MediaKind::Image,
            Results::Audios | Results::Voices => MediaKind::Audio,
        }
    }
}

/// A task in the store.
#[derive(Debug, Clone)]
pub(crate) struct StoredTask {
    pub(crate) public: MockTask,
    started: Instant,
    updated_at: i64,
    shape: Results,
}

/// What a create needs to make a task.
pub(crate) struct NewTask {
    pub(crate) kind: String,
    pub(crate) operation_id: String,
    pub(crate) request: Value,
    pub(crate) timing: Timing,
    pub(crate) outcome: Outcome,
    pub(crate) results: Results,
    pub(crate) now_ms: i64,
}

/// Every task of a server, in creation order.
#[derive(Debug, Default)]
pub(crate) struct TaskStore {
    tasks: Vec<StoredTask>,
}

impl TaskStore {
    pub(crate) fn create(&mut self, new: NewTask) -> &StoredTask {
        let task_id = (FIRST_TASK_ID + self.tasks.len() as u64).to_string();
        let external_task_id = new
            .request
            .get("external_task_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let results = match new.results {
            Results::Images => new
                .request
                .get("n")
                .and_then(Value::as_u64)
                .map_or(1, |n| usize::try_from(n).unwrap_or(1).max(1)),
            Results::Videos | Results::Audios | Results::Voices => 1,
            Results::Elements => 0,
        };
        self.tasks.push(StoredTask {
            public: MockTask {
                task_id,
                kind: new.kind,
                operation_id: new.operation_id,
                external_task_id,
                request: new.request,
                created_at: new.now_ms,
                status: Status::Submitted,
                polls: 0,
                timing: new.timing,
                outcome: new.outcome,
                results,
                media: new.results.media(),
            },
            started: Instant::now(),
            updated_at: new.now_ms,
            shape: new.results,
        });
        let last = self.tasks.len() - 1;
        &self.tasks[last]
    }

    /// Whether any task (of any kind) carries this `external_task_id`.
    pub(crate) fn external_id_taken(&self, external: &str) -> bool {
        self.tasks
            .iter()
            .any(|t| t.public.external_task_id.as_deref() == Some(external))
    }

    /// The task of `kind` with this `task_id`, else the newest with this `external_task_id`.
    pub(crate) fn find_mut(&mut self, kind: &str, id: &str) -> Option<&mut StoredTask> {
        let by_id = self
            .tasks
            .iter()
            .position(|t| t.public.kind == kind && t.public.task_id == id);
        let index = by_id.or_else(|| {
            self.tasks.iter().rposition(|t| {
                t.public.kind == kind && t.public.external_task_id.as_deref() == Some(id)
            })
        })?;
        self.tasks.get_mut(index)
    }

    /// Any task by its `task_id`, for media downloads.
    pub(crate) fn by_id(&self, id: &str) -> Option<&StoredTask> {
        self.tasks.iter().find(|t| t.public.task_id == id)
    }

    /// One page of the tasks of `kind`, newest first, with their current status.
    pub(crate) fn page(
        &mut self,
        kind: &str,
        page_num: usize,
        page_size: usize,
        now_ms: i64,
    ) -> Vec<&StoredTask> {
        let skip = page_num.saturating_sub(1).saturating_mul(page_size);
        let mut out: Vec<&mut StoredTask> = self
            .tasks
            .iter_mut()
            .rev()
            .filter(|t| t.public.kind == kind)
            .skip(skip)
            .take(page_size)
            .collect();
        for t in &mut out {
            t.refresh(now_ms);
        }
        out.into_iter().map(|t| &*t).collect()
    }

    pub(crate) fn all(&self) -> Vec<MockTask> {
        self.tasks.iter().map(|t| t.public.clone()).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }
}

impl StoredTask {
    /// Counts a poll and moves the status on.
    pub(crate) fn poll(&mut self, now_ms: i64) {
        self.public.polls = self.public.polls.saturating_add(1);
        self.refresh(now_ms);
    }

    /// Recomputes the status from the timing; `updated_at` moves when the status does.
    fn refresh(&mut self, now_ms: i64) {
        let stage = match self.public.timing {
            Timing::Polls {
                processing_after,
                done_after,
            } => {
                let polls = self.public.polls;
                (polls >= processing_after, polls >= done_after)
            }
            Timing::Millis {
                processing_after,
                done_after,
            } => {
                let elapsed = self.started.elapsed();
                (
                    elapsed >= Duration::from_millis(processing_after),
                    elapsed >= Duration::from_millis(done_after),
                )
            }
        };
        let status = match stage {
            (_, true) => match self.public.outcome {
                Outcome::Succeed => Status::Succeed,
                Outcome::Fail(_) => Status::Failed,
            },
            (true, false) => Status::Processing,
            (false, false) => Status::Submitted,
        };
        if status != self.public.status {
            self.public.status = status;
            self.updated_at = now_ms.max(self.public.created_at);
        }
    }

    /// The task object of a create's answer: `task_info` is `{}` without an external id.
    pub(crate) fn created_json(&self) -> Value {
        json!({
            "task_id": self.public.task_id,
            "task_status": Status::Submitted.as_str(),
            "task_info": self.task_info(None),
            "created_at": self.public.created_at,
            "updated_at": self.public.created_at,
        })
    }

    /// The full task object of a poll or a list; result URLs start with `origin`.
    pub(crate) fn json(&self, origin: &str, parent: Option<Value>) -> Value {
        let t = &self.public;
        let mut obj = Map::new();
        obj.insert("task_id".into(), json!(t.task_id));
        obj.insert("task_status".into(), json!(t.status.as_str()));
        let msg = match (&t.status, &t.outcome) {
            (Status::Failed, Outcome::Fail(msg)) => msg.clone(),
            _ => String::new(),
        };
        obj.insert("task_status_msg".into(), json!(msg));
        obj.insert("task_info".into(), self.task_info(parent));
        obj.insert("created_at".into(), json!(t.created_at));
        obj.insert("updated_at".into(), json!(self.updated_at));
        if t.status == Status::Succeed {
            obj.insert("task_result".into(), self.result_json(origin));
            obj.insert("final_unit_deduction".into(), json!(t.results.to_string()));
            obj.insert(
                "final_balance_deduction".into(),
                balance_deduction(t.results),
            );
        }
        Value::Object(obj)
    }

    fn task_info(&self, parent: Option<Value>) -> Value {
        let mut info = Map::new();
        if let Some(ext) = &self.public.external_task_id {
            info.insert("external_task_id".into(), json!(ext));
        }
        if let Some(parent) = parent {
            info.insert("parent_video".into(), parent);
        }
        Value::Object(info)
    }

    fn result_json(&self, origin: &str) -> Value {
        let t = &self.public;
        let req = &t.request;
        let text = |name: &str| req.get(name).and_then(Value::as_str).unwrap_or_default();
        match self.shape {
            Results::Videos => json!({ "videos": [{
                "id": video_id(&t.task_id, 0),
                "url": media_url(origin, &t.task_id, 0, MediaKind::Video),
                "duration": self.duration(),
            }] }),
            Results::Images => {
                let images: Vec<Value> = (0..t.results)
                    .map(|i| json!({ "index": i, "url": media_url(origin, &t.task_id, i, MediaKind::Image) }))
                    .collect();
                json!({ "images": images })
            }
            Results::Audios => {
                let seconds = req
                    .get("duration")
                    .and_then(Value::as_f64)
                    .map_or_else(|| "5.0".to_owned(), |d| format!("{d:.1}"));
                json!({ "audios": [{
                    "id": video_id(&t.task_id, 0),
                    "url_mp3": media_url(origin, &t.task_id, 0, MediaKind::AudioMp3),
                    "duration_mp3": seconds,
                    "url_wav": media_url(origin, &t.task_id, 0, MediaKind::Audio),
                    "duration_wav": seconds,
                }] })
            }
            Results::Voices => json!({ "voices": [{
                "voice_id": t.task_id,
                "voice_name": text("voice_name"),
                "trial_url": media_url(origin, &t.task_id, 0, MediaKind::Audio),
                "owned_by": MOCK_OWNER,
            }] }),
            Results::Elements => {
                // Element ids are numbers in Kling's answers; the mock's task ids are 18 digits.
                let id: Value = t
                    .task_id
                    .parse::<u64>()
                    .map_or_else(|_| json!(t.task_id), |n| json!(n));
                json!({ "elements": [{
                    "element_id": id,
                    "element_name": text("element_name"),
                    "element_description": text("element_description"),
                    "reference_type": text("reference_type"),
                    "owned_by": MOCK_OWNER,
                    "status": "succeed",
                }] })
            }
        }
    }

    /// The video length: the request's `duration` (`"5"` or `"10"`), else `"5"`.
    pub(crate) fn duration(&self) -> String {
        let req = &self.public.request;
        let requested = req
            .get("duration")
            .or_else(|| req.pointer("/input/duration"))
            .and_then(Value::as_str);
        requested.unwrap_or("5").to_owned()
    }

    /// The source video a video-extend or lip-sync names (`video_id`, or `input.video_id` /
    /// `input.video_url`), if any.
    pub(crate) fn source_video(&self) -> Option<(Option<String>, Option<String>)> {
        let req = &self.public.request;
        let id = req
            .get("video_id")
            .or_else(|| req.pointer("/input/video_id"))
            .and_then(Value::as_str);
        let url = req.pointer("/input/video_url").and_then(Value::as_str);
        (id.is_some() || url.is_some()).then(|| (id.map(str::to_owned), url.map(str::to_owned)))
    }
}

/// The id of result video `index` of a task: `{task_id}-{index}`, as Kling writes them.
pub fn video_id(task_id: &str, index: usize) -> String {
    format!("{task_id}-{index}")
}

/// Where the mock serves result `index` of a task.
pub fn media_url(origin: &str, task_id: &str, index: usize, kind: MediaKind) -> String {
    format!("{origin}/mock-media/{task_id}/{index}.{}", kind.extension())
}

/// The `final_balance_deduction` of a succeeded task with `results` outputs: 0.35 of balance
/// per output, at a list price of 0.49, as Kling's decimal strings.
fn balance_deduction(results: usize) -> Value {
    // Whole cents, so that the strings are exact.
    let cents = |per: usize| {
        let total = per.saturating_mul(results);
        format!("{}.{:02}", total / 100, total % 100)
    };
    json!({ "quota": cents(35), "list_price": cents(49) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn new_task(timing: Timing, outcome: Outcome) -> NewTask {
        NewTask {
            kind: "text2video".into(),
            operation_id: "create_text2video".into(),
            request: json!({"prompt": "p", "external_task_id": "ext-1"}),
            timing,
            outcome,
            results: Results::Videos,
            now_ms: 1_000,
        }
    }

    #[test]
    fn ids_are_18_digit_and_count_up() {
        let mut store = TaskStore::default();
        let a = store
            .create(new_task(Timing::default(), Outcome::Succeed))
            .public
            .task_id
            .clone();
        let b = store
            .create(new_task(Timing::default(), Outcome::Succeed))
            .public
            .task_id
            .clone();
        assert_eq!(a, "814570891207524415");
        assert_eq!(b, "814570891207524416");
        assert_eq!(a.len(), 18);
    }

    #[test]
    fn polls_move_the_status_on() {
        let mut store = TaskStore::default();
        let id = store
            .create(new_task(
                Timing::Polls {
                    processing_after: 1,
                    done_after: 3,
                },
                Outcome::Fail("bad".into()),
            ))
            .public
            .task_id
            .clone();
        let statuses: Vec<Status> = (0..4)
            .map(|i| {
                let t = store.find_mut("text2video", &id).unwrap();
                t.poll(2_000 + i);
                t.public.status
            })
            .collect();
        assert_eq!(
            statuses,
            [
                Status::Processing,
                Status::Processing,
                Status::Failed,
                Status::Failed
            ]
        );
        let t = store.find_mut("text2video", "ext-1").unwrap();
        let json = t.json("http://o", None);
        assert_eq!(json["task_status_msg"], "bad");
        assert_eq!(json["updated_at"], 2_002);
        assert!(json.get("task_result").is_none());
        assert!(json.get("final_balance_deduction").is_none());
        assert!(store.find_mut("image2video", &id).is_none());
    }

    #[test]
    fn succeeded_tasks_carry_both_deductions() {
        let mut store = TaskStore::default();
        let id = store
            .create(new_task(
                Timing::Polls {
                    processing_after: 0,
                    done_after: 0,
                },
                Outcome::Succeed,
            ))
            .public
            .task_id
            .clone();
        let t = store.find_mut("text2video", &id).unwrap();
        t.poll(2_000);
        let json = t.json("http://o", None);
        assert_eq!(json["final_unit_deduction"], "1");
        assert_eq!(
            json["final_balance_deduction"],
            json!({"quota": "0.35", "list_price": "0.49"})
        );
        assert_eq!(balance_deduction(4)["quota"], "1.40");
    }

    #[test]
    fn timings_parse() {
        assert_eq!(
            "polls:0:0".parse(),
            Ok(Timing::Polls {
                processing_after: 0,
                done_after: 0
            })
        );
        assert_eq!(
            "ms:10:50".parse(),
            Ok(Timing::Millis {
                processing_after: 10,
                done_after: 50
            })
        );
        assert!("ms:50:10".parse::<Timing>().is_err());
        assert!("weeks:1:2".parse::<Timing>().is_err());
    }
}
