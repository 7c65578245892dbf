//! The fault harness: one logical request = create, wait, download, run against the mock; and
//! the checks every run must pass, judged from the server's journal and task store and from
//! the files on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use nicerouter_kling::clock::{Clock, ManualClock, SystemClock};
use nicerouter_kling::entropy::SeededEntropy;
use nicerouter_kling::media::ImageInput;
use nicerouter_kling::{
    Auth, Client, CreateOutcome, DownloadedFile, Kind, PollPolicy, RetryPolicy, TaskHandle,
    WaitOutcome,
};
use nicerouter_kling_mock::{MediaKind, MockServer, Outcome, media};
use nicerouter_kling_reliability::FaultRow;
use sha2::{Digest, Sha256};

/// The request timeout of test clients (real time).
pub const TIMEOUT: Duration = Duration::from_millis(500);
/// Longer than any run may take in real time: a run still going then is a hang.
pub const HANG_GUARD: Duration = Duration::from_secs(20);
/// A mock server builder for fault runs. It creates a second task for a reused
/// `external_task_id` (as a server that does not de-duplicate would), so that the server never
/// hides a client that sends a create twice: every double create shows up as two tasks.
pub fn server() -> nicerouter_kling_mock::MockServerBuilder {
    MockServer::builder().duplicate_external_ids(nicerouter_kling_mock::DuplicatePolicy::Allow)
}

/// Which clock the client uses.
#[derive(Debug, Clone)]
pub enum Time {
    /// Sleeps (back-off, `Retry-After`, poll intervals) are instant; network time is real.
    Manual(ManualClock),
    /// Real time throughout (for the slow-server runs, where latency must count).
    Real,
}

impl Time {
    pub fn manual() -> Self {
        Time::Manual(ManualClock::new())
    }

    pub fn now(&self) -> Instant {
        match self {
            Time::Manual(c) => c.now(),
            Time::Real => SystemClock.now(),
        }
    }
}

/// A client for `server` with the suite's scaled-down policies.
pub fn client(server: &MockServer, time: &Time, seed: u64) -> Client {
    let builder = Client::builder()
        .auth(Auth::nicerouter(server.api_key()))
        .base_url(server.base_url())
        .timeout(TIMEOUT)
        .entropy(SeededEntropy::new(seed))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(5)
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(200))
                .max_retry_after(Duration::from_secs(5)),
        );
    match time {
        Time::Manual(clock) => builder
            .clock(clock.clone())
            .poll_policy(PollPolicy::default()),
        Time::Real => builder.poll_policy(
            PollPolicy::default()
                .initial_interval(Duration::from_millis(100))
                .multiplier(1.0)
                .max_interval(Duration::from_millis(100)),
        ),
    }
    .build()
    .unwrap()
}

/// A logical request: one create of one kind, as a caller writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    TextToVideo,
    ImageToVideo,
    MultiImageToVideo,
    ExtendVideo,
    LipSync,
    VideoEffects,
    /// With `n` images.
    ImageGeneration(u32),
    VirtualTryOn,
}

const IMAGE_URL: &str = "https://media.example/person.png";

impl Request {
    pub const ALL: [Request; 8] = [
        Request::TextToVideo,
        Request::ImageToVideo,
        Request::MultiImageToVideo,
        Request::ExtendVideo,
        Request::LipSync,
        Request::VideoEffects,
        Request::ImageGeneration(2),
        Request::VirtualTryOn,
    ];

    pub fn kind(self) -> Kind {
        match self {
            Request::TextToVideo => Kind::TextToVideo,
            Request::ImageToVideo => Kind::ImageToVideo,
            Request::MultiImageToVideo => Kind::MultiImageToVideo,
            Request::ExtendVideo => Kind::VideoExtend,
            Request::LipSync => Kind::LipSync,
            Request::VideoEffects => Kind::VideoEffects,
            Request::ImageGeneration(_) => Kind::ImageGeneration,
            Request::VirtualTryOn => Kind::VirtualTryOn,
        }
    }

    pub async fn send(self, c: &Client) -> Result<TaskHandle, nicerouter_kling::Error> {
        let image = || ImageInput::url(IMAGE_URL);
        match self {
            Request::TextToVideo => {
                c.text_to_video()
                    .prompt("a cat playing the piano")
                    .send()
                    .await
            }
            Request::ImageToVideo => {
                c.image_to_video()
                    .image(image())
                    .prompt("it waves")
                    .send()
                    .await
            }
            Request::MultiImageToVideo => {
                c.multi_image_to_video("two friends")
                    .image_list([image(), image()])
                    .send()
                    .await
            }
            Request::ExtendVideo => c.video_extend("814570891207524415-0").send().await,
            Request::LipSync => {
                c.lip_sync()
                    .video_id("814570891207524415-0")
                    .text("hello there")
                    .voice_id("uk_boy1")
                    .voice_language("en")
                    .send()
                    .await
            }
            Request::VideoEffects => {
                // `input.duration` is required by the spec, and the builder no longer fills
                // in Kling's default of "5".
                c.video_effects("squish")
                    .image(image())
                    .duration("5")
                    .send()
                    .await
            }
            Request::ImageGeneration(n) => {
                c.image_generation("a poster").n(i64::from(n)).send().await
            }
            Request::VirtualTryOn => c.virtual_try_on(image(), image()).send().await,
        }
    }
}

/// What happened to one logical request, as the caller saw it.
#[derive(Debug)]
pub struct Logical {
    pub request: Request,
    /// The `external_task_id` the create carried (from the handle or the error).
    pub external_task_id: Option<String>,
    pub handle: Option<TaskHandle>,
    pub create_outcome: Option<CreateOutcome>,
    /// The wait's duration on the client's clock, and its max wait.
    pub waited: Option<(Duration, Duration)>,
    pub files: Vec<DownloadedFile>,
    /// What the caller was told, in a stable short form.
    pub label: String,
    /// True when the run did not finish within [`HANG_GUARD`].
    pub hung: bool,
}

/// Runs create → wait (at most `max_wait`) → download into `dir`, under the hang guard.
pub async fn run_one(
    client: &Client,
    time: &Time,
    request: Request,
    dir: &Path,
    max_wait: Duration,
) -> Logical {
    let run = async {
        let mut logical = Logical {
            request,
            external_task_id: None,
            handle: None,
            create_outcome: None,
            waited: None,
            files: Vec::new(),
            label: String::new(),
            hung: false,
        };
        let handle = match request.send(client).await {
            Ok(handle) => handle,
            Err(error) => {
                logical.external_task_id = error.external_task_id().map(str::to_owned);
                logical.create_outcome = error.create_outcome();
                logical.label = match error.create_outcome() {
                    Some(CreateOutcome::NotCreated) => match error.code() {
                        Some(code) => format!("not created (code {code})"),
                        None => "not created".to_owned(),
                    },
                    Some(CreateOutcome::MayExist) => "may exist".to_owned(),
                    None => format!("create error: {error}"),
                };
                return logical;
            }
        };
        logical.external_task_id = handle.external_task_id.clone();
        logical.handle = Some(handle.clone());
        let started = time.now();
        let outcome = handle.wait(client, max_wait).await;
        logical.waited = Some((time.now().saturating_duration_since(started), max_wait));
        let task = match outcome {
            WaitOutcome::Succeeded(task) => task,
            WaitOutcome::Failed { reason, .. } => {
                logical.label = format!("task failed: {reason}");
                return logical;
            }
            WaitOutcome::NoOutputs(_) => {
                logical.label = "no outputs".to_owned();
                return logical;
            }
            WaitOutcome::MaxWaitExceeded { .. } => {
                logical.label = "max wait exceeded".to_owned();
                return logical;
            }
            WaitOutcome::Cancelled { .. } => {
                logical.label = "cancelled".to_owned();
                return logical;
            }
            WaitOutcome::PollFailed { error, .. } => {
                logical.label = match error.code() {
                    Some(code) => format!("poll failed (code {code})"),
                    None => format!("poll failed ({})", short(&error.to_string())),
                };
                return logical;
            }
            other => {
                logical.label = format!("unexpected outcome: {other:?}");
                return logical;
            }
        };
        match client.download(&task, dir).handle(&handle).await {
            Ok(files) => {
                logical.label = format!("succeeded, {} file(s) saved", files.len());
                logical.files = files;
            }
            Err(e) => logical.label = format!("download failed ({})", short(&e.to_string())),
        }
        logical
    };
    match tokio::time::timeout(HANG_GUARD, run).await {
        Ok(logical) => logical,
        Err(_) => Logical {
            request,
            external_task_id: None,
            handle: None,
            create_outcome: None,
            waited: None,
            files: Vec::new(),
            label: "HUNG".to_owned(),
            hung: true,
        },
    }
}

fn short(text: &str) -> String {
    let first: String = text.chars().take(60).collect();
    if first.len() < text.len() {
        format!("{first}…")
    } else {
        first
    }
}

/// The checks of issue 6, for the logical requests of one server. Returns the problems.
///
/// * at most one task per logical request, and exactly one when the caller holds a handle,
///   none when it was told "not created"; no task nobody asked for;
/// * every request ends in a definite outcome, within its max wait (plus one request timeout
///   on the real clock), and nothing hangs;
/// * no partial or temporary file is left; every saved file is complete and correct;
/// * what the caller was told matches the server: the handle's task id, a success, a failure.
pub fn check(server: &MockServer, logicals: &[Logical], dir: &Path, time: &Time) -> Vec<String> {
    let mut problems = Vec::new();
    let tasks = server.created_tasks();
    for (i, l) in logicals.iter().enumerate() {
        let name = format!("request {i} ({:?})", l.request);
        if l.hung {
            problems.push(format!("{name}: did not end within {HANG_GUARD:?} (hang)"));
            continue;
        }
        let Some(ext) = &l.external_task_id else {
            problems.push(format!(
                "{name}: no external_task_id to account for it ({})",
                l.label
            ));
            continue;
        };
        let mine: Vec<_> = tasks
            .iter()
            .filter(|t| t.external_task_id.as_deref() == Some(ext.as_str()))
            .collect();
        if mine.len() > 1 {
            problems.push(format!("{name}: {} tasks created (paid twice)", mine.len()));
        }
        match (&l.handle, l.create_outcome) {
            (Some(handle), _) => {
                if mine.len() != 1 {
                    problems.push(format!(
                        "{name}: holds a handle but {} tasks exist",
                        mine.len()
                    ));
                } else if mine[0].task_id != handle.task_id {
                    problems.push(format!(
                        "{name}: handle says task {}, the server created {}",
                        handle.task_id, mine[0].task_id
                    ));
                }
            }
            (None, Some(CreateOutcome::NotCreated)) if !mine.is_empty() => {
                problems.push(format!(
                    "{name}: told \"not created\" but the task exists (lost track)"
                ));
            }
            _ => {}
        }
        if let Some((waited, max_wait)) = l.waited {
            let slack = match time {
                Time::Manual(_) => Duration::ZERO,
                Time::Real => TIMEOUT + Duration::from_millis(100),
            };
            if waited > max_wait + slack {
                problems.push(format!(
                    "{name}: waited {waited:?}, past its max wait {max_wait:?}"
                ));
            }
        }
        if l.label.starts_with("succeeded") {
            let task = mine.first();
            if task.is_none_or(|t| t.status != nicerouter_kling_mock::Status::Succeed) {
                problems.push(format!(
                    "{name}: told succeeded but the server's task is not"
                ));
            }
            if let Some(t) = task
                && l.files.len() != t.results
            {
                problems.push(format!(
                    "{name}: {} file(s) saved of {} results",
                    l.files.len(),
                    t.results
                ));
            }
        }
        if l.label.starts_with("task failed") {
            let failed = mine.first().is_some_and(|t| {
                matches!(t.outcome, Outcome::Fail(_))
                    && t.status == nicerouter_kling_mock::Status::Failed
            });
            if !failed {
                problems.push(format!(
                    "{name}: told the task failed but the server's task did not"
                ));
            }
        }
        for file in &l.files {
            if !file.path.exists() || !file.sidecar.exists() {
                problems.push(format!(
                    "{name}: reported {} but it is not there",
                    file.path.display()
                ));
            }
        }
    }
    let known: Vec<&str> = logicals
        .iter()
        .filter_map(|l| l.external_task_id.as_deref())
        .collect();
    for t in &tasks {
        if !t
            .external_task_id
            .as_deref()
            .is_some_and(|e| known.contains(&e))
        {
            problems.push(format!(
                "task {} was created for no logical request",
                t.task_id
            ));
        }
    }
    problems.extend(check_files(dir, &tasks));
    problems
}

/// No temporary or partial file; every result file has exactly the server's bytes.
pub fn check_files(dir: &Path, tasks: &[nicerouter_kling_mock::MockTask]) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return problems;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".part") {
            problems.push(format!("temporary file left behind: {name}"));
            continue;
        }
        if name.ends_with(".json") {
            continue;
        }
        let Some((stem, _ext)) = name.rsplit_once('.') else {
            problems.push(format!("unexpected file {name}"));
            continue;
        };
        let Some((task_id, index)) = stem.rsplit_once('-') else {
            problems.push(format!("unexpected file {name}"));
            continue;
        };
        let Some(task) = tasks.iter().find(|t| t.task_id == task_id) else {
            problems.push(format!("file {name} of no task"));
            continue;
        };
        let index: usize = index.parse().unwrap();
        let expected = media::result(task, index, task.media, None);
        let got = std::fs::read(entry.path()).unwrap();
        if got != expected {
            problems.push(format!(
                "{name}: {} bytes, sha256 {}; expected {} bytes, sha256 {} (partial or corrupt)",
                got.len(),
                sha256(&got),
                expected.len(),
                sha256(&expected)
            ));
        }
        if !dir.join(format!("{name}.json")).exists() {
            problems.push(format!("{name}: no sidecar"));
        }
    }
    problems
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The most tasks created for one of `logicals`.
pub fn max_tasks_per_request(server: &MockServer, logicals: &[Logical]) -> usize {
    let tasks = server.created_tasks();
    logicals
        .iter()
        .filter_map(|l| l.external_task_id.as_deref())
        .map(|ext| {
            tasks
                .iter()
                .filter(|t| t.external_task_id.as_deref() == Some(ext))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// A table row from a run.
pub fn row(
    fault: &str,
    expected: &str,
    server: &MockServer,
    logicals: &[Logical],
    mut problems: Vec<String>,
) -> FaultRow {
    let outcome = logicals
        .iter()
        .map(|l| l.label.clone())
        .collect::<Vec<_>>()
        .join("; ");
    if !logicals.iter().all(|l| l.label.starts_with(expected)) {
        problems.push(format!("expected \"{expected}…\", got \"{outcome}\""));
    }
    FaultRow {
        fault: fault.to_owned(),
        requests: server.journal().len(),
        logical_requests: logicals.len(),
        tasks: server.tasks_created(),
        max_tasks_per_request: max_tasks_per_request(server, logicals),
        outcome,
        expected: expected.to_owned(),
        pass: problems.is_empty(),
        problems,
    }
}

/// Prints a fault table the way RELIABILITY.md shows it.
pub fn print_table(title: &str, rows: &[FaultRow]) {
    println!("\n{title}\n");
    println!("| fault | requests seen | tasks created | outcome | pass |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.fault,
            r.requests,
            r.tasks,
            r.outcome,
            if r.pass { "yes" } else { "NO" }
        );
        for p in &r.problems {
            println!("|  ↳ {p} | | | | |");
        }
    }
}

/// The kind of media a request's results are.
pub fn media_of(request: Request) -> MediaKind {
    match request.kind().results() {
        nicerouter_kling::catalog::Results::Videos => MediaKind::Video,
        nicerouter_kling::catalog::Results::Images => MediaKind::Image,
        other => panic!("no request of the suite has {other:?} results"),
    }
}
