//! Waiting for a task: a required maximum wait, a poll schedule separate from the retry
//! policy (growing and not jittered by default, no poll of a queued video before it can be
//! done, a server hint honoured), cancellation, a stream of status changes, and one outcome to match on.
//!
//! A wait is a plain future: nothing is spawned and nothing is buffered per handle, so
//! thousands of waits on one client cost little more than their sleeping timers.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::Kind;
use crate::client::Client;
use crate::entropy::Entropy;
use crate::error::Error;
use crate::task::{FailureCategory, Status, Task, TaskHandle};
use nicerouter_kling_raw::catalog::Results;

/// When to poll a task while waiting. Separate from the [`RetryPolicy`](crate::RetryPolicy),
/// which governs retries of each poll.
///
/// * **The first poll** is made at once (after [`initial_delay`](Self::initial_delay), zero by
///   default), so a wait learns where the task stands, and a resumed handle does not wait
///   for nothing.
/// * **The interval** after poll *n* is `initial_interval × multiplier^(n−1)`, capped at
///   `max_interval`.
/// * **A queued video is not polled before it can be done.** No video is generated in less
///   than about 30 s, so when a poll finds a video task still queued (`submitted`) before it
///   is [`min_video_age`](Self::min_video_age) old, the next poll waits until the task is
///   that old (its `created_at` plus the age; the server's creation time, else the
///   handle's). That is one poll at once and the next at about 30 s, instead of a ramp of
///   six polls spent before any video can be ready. The wait is at most twice `max_interval`,
///   so a policy scaled down to milliseconds (a test, a simulated server) keeps its scale.
///   Image tasks (done in 5–60 s), tasks already processing and tasks that are older keep
///   the schedule above.
/// * **No jitter by default.** A poll schedule is not a retry: waits that line up are what a
///   relay can batch, and a fixed schedule is what a user can predict. Thousands of waits
///   started at the same moment do poll in bursts, though (the client's in-flight limit turns
///   a burst into a queue); for them, [`jitter`](Self::jitter) draws each interval within
///   ±that fraction of itself from the client's [`Entropy`](crate::entropy::Entropy), so the
///   waits drift apart (a seeded entropy makes it repeatable in tests).
/// * **Server hints:** when a server sends one (`x-poll-after-ms`, or `Retry-After` on a
///   successful poll) it replaces the interval, exactly (no jitter), within 250 ms to
///   `max_hint`.
/// * The last sleep is shortened to end at the deadline, and one last poll is made there.
///
/// Defaults: first poll at once, then 2 s, 3 s, 4.5 s, … up to 15 s; a queued video next
/// polled at 30 s of age; hints up to 60 s; no jitter.
///
/// ```
/// use std::time::Duration;
/// use nicerouter_kling::{Kind, PollPolicy, Status};
///
/// let policy = PollPolicy::default();
/// assert_eq!(policy.interval(1), Duration::from_secs(2));
/// assert_eq!(policy.interval(2), Duration::from_secs(3));
/// assert_eq!(policy.interval(20), Duration::from_secs(15));
/// // A text-to-video task found queued 1 s after its creation is next polled at 30 s of age;
/// // an image, or a video already processing, after 2 s.
/// let age = Some(Duration::from_secs(1));
/// let after = |kind, status| policy.delay_after(kind, 1, &status, age);
/// assert_eq!(after(Kind::TextToVideo, Status::Submitted), Duration::from_secs(29));
/// assert_eq!(after(Kind::ImageGeneration, Status::Submitted), Duration::from_secs(2));
/// assert_eq!(after(Kind::TextToVideo, Status::Processing), Duration::from_secs(2));
/// // A 15-minute wait polls at most this often (and with ±10 % jitter, a little more):
/// assert!(policy.max_polls(Duration::from_secs(900)) <= 75);
/// assert!(policy.clone().jitter(0.1).max_polls(Duration::from_secs(900)) <= 80);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    initial_delay: Duration,
    initial_interval: Duration,
    multiplier: f64,
    max_interval: Duration,
    server_hint: bool,
    max_hint: Duration,
    min_video_age: Duration,
    jitter: f64,
    final_poll_grace: Duration,
}

const MIN_HINT: Duration = Duration::from_millis(250);

/// How long past its max wait a wait lets a poll that is still in flight finish (the last
/// poll is made at the deadline, so it needs a moment).
pub const FINAL_POLL_GRACE: Duration = Duration::from_secs(5);
const DEFAULT_JITTER: f64 = 0.0;
/// The largest jitter accepted: an interval is never shorter than half of itself.
const MAX_JITTER: f64 = 0.5;

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::ZERO,
            initial_interval: Duration::from_secs(2),
            multiplier: 1.5,
            max_interval: Duration::from_secs(15),
            server_hint: true,
            max_hint: Duration::from_secs(60),
            min_video_age: Duration::from_secs(30),
            jitter: DEFAULT_JITTER,
            final_poll_grace: FINAL_POLL_GRACE,
        }
    }
}

impl PollPolicy {
    /// How long to wait before the first poll (default zero: poll at once, so a resumed
    /// handle learns its state immediately). Not jittered.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The interval after the first poll (default 2 s).
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// The growth factor of the interval (default 1.5, at least 1).
    pub fn multiplier(mut self, factor: f64) -> Self {
        self.multiplier = if factor.is_finite() {
            factor.max(1.0)
        } else {
            1.5
        };
        self
    }

    /// The longest interval (default 15 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Whether a server's poll hint replaces the interval (default true).
    pub fn server_hint(mut self, honour: bool) -> Self {
        self.server_hint = honour;
        self
    }

    /// The longest server hint honoured (default 60 s).
    pub fn max_hint(mut self, limit: Duration) -> Self {
        self.max_hint = limit;
        self
    }

    /// The age before which a queued video task is not polled again (default 30 s; zero
    /// turns the rule off). After a poll finds a video task (text-, image-, multi-image-to-video,
    /// extend, lip-sync, effects) still `submitted` when it is younger than this, the next
    /// poll waits until the task is this old, but at most twice
    /// [`max_interval`](Self::max_interval) (and never less than the interval it replaces).
    pub fn min_video_age(mut self, age: Duration) -> Self {
        self.min_video_age = age;
        self
    }

    /// How long past the max wait a poll still in flight may take (default
    /// [`FINAL_POLL_GRACE`], 5 s) before the wait ends as
    /// [`MaxWaitExceeded`](WaitOutcome::MaxWaitExceeded). Measured on the real clock.
    pub fn final_poll_grace(mut self, grace: Duration) -> Self {
        self.final_poll_grace = grace;
        self
    }

    /// How far each interval may be moved, as a fraction of it: 0.1 is ±10 % (default 0, no
    /// jitter; at most 0.5). Worth it when thousands of waits start together, so that they
    /// drift apart. Intervals and the queued-video wait are jittered; the initial delay and
    /// server hints are not.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            DEFAULT_JITTER
        } else {
            fraction.clamp(0.0, MAX_JITTER)
        };
        self
    }

    /// The interval after poll number `poll` (1 for the first poll), without server hints,
    /// the queued-video rule or jitter.
    pub fn interval(&self, poll: u32) -> Duration {
        let exponent = i32::try_from(poll.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial_interval.as_secs_f64() * self.multiplier.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
            .max(Duration::from_millis(1))
    }

    /// The delay before the next poll after poll number `poll` (1 for the first) found a
    /// task of `kind` in `status` when it was `age` old (`None` when its creation time is
    /// unknown): the [`interval`](Self::interval), or the queued-video wait when that is
    /// longer. Without server hints and jitter.
    pub fn delay_after(
        &self,
        kind: Kind,
        poll: u32,
        status: &Status,
        age: Option<Duration>,
    ) -> Duration {
        let interval = self.interval(poll);
        match age {
            Some(age)
                if kind.results() == Results::Videos
                    && *status == Status::Submitted
                    && age < self.min_video_age =>
            {
                let until_old_enough = self.min_video_age - age;
                interval.max(until_old_enough.min(self.max_interval.saturating_mul(2)))
            }
            _ => interval,
        }
    }

    /// The most polls a wait of `max_wait` makes without server hints (and without the retries
    /// of failed polls): the bound on the load a wait puts on the server. Counted on the
    /// shortest intervals jitter can draw; the queued-video rule only lengthens them.
    pub fn max_polls(&self, max_wait: Duration) -> u32 {
        let shortest = 1.0 - self.jitter;
        let mut at = self.initial_delay;
        let mut polls = 0u32;
        while at < max_wait {
            polls = polls.saturating_add(1);
            let step = self
                .interval(polls)
                .mul_f64(shortest)
                .max(Duration::from_millis(1));
            if self.is_constant_from(polls) {
                // The rest of the schedule is regular: count it instead of walking it (a
                // max wait of `Duration::MAX` would take forever to walk).
                let rest = (max_wait - at).as_nanos().div_ceil(step.as_nanos()) - 1;
                polls = polls.saturating_add(u32::try_from(rest).unwrap_or(u32::MAX));
                break;
            }
            at = at.saturating_add(step);
        }
        polls.saturating_add(1)
    }

    /// Whether the interval after poll `poll` is the one every later poll gets.
    fn is_constant_from(&self, poll: u32) -> bool {
        self.multiplier <= 1.0 || self.interval(poll) >= self.max_interval
    }

    /// The server's hint, when there is one and it is honoured (clamped).
    fn hint(&self, hint: Option<Duration>) -> Option<Duration> {
        hint.filter(|_| self.server_hint)
            .map(|hint| hint.clamp(MIN_HINT, self.max_hint.max(MIN_HINT)))
    }

    /// `delay` moved by up to ±`jitter` of itself, drawn from `entropy` (nothing is drawn
    /// when jitter is off).
    fn jittered(&self, delay: Duration, entropy: &dyn Entropy) -> Duration {
        if self.jitter <= 0.0 || delay.is_zero() {
            return delay;
        }
        let factor = 1.0 + self.jitter * (2.0 * entropy.next_unit() - 1.0);
        delay.mul_f64(factor).max(Duration::from_millis(1))
    }

    /// The delay before the next poll: the server's hint as it is, else the schedule
    /// ([`delay_after`](Self::delay_after)) jittered.
    fn next_delay(
        &self,
        hint: Option<Duration>,
        kind: Kind,
        poll: u32,
        status: &Status,
        age: Option<Duration>,
        entropy: &dyn Entropy,
    ) -> Duration {
        match self.hint(hint) {
            Some(hint) => hint,
            None => self.jittered(self.delay_after(kind, poll, status, age), entropy),
        }
    }
}

/// How a wait ended. Match on it; or use [`into_result`](WaitOutcome::into_result) for `?`.
///
/// Only [`Succeeded`](WaitOutcome::Succeeded) carries results. A task that outlives the wait
/// ([`MaxWaitExceeded`](WaitOutcome::MaxWaitExceeded), [`Cancelled`](WaitOutcome::Cancelled),
/// [`PollFailed`](WaitOutcome::PollFailed)) keeps running and is billed: keep the handle and
/// wait again later.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// The task succeeded with at least one output.
    Succeeded(Task),
    /// The task failed; `reason` is Kling's `task_status_msg`, and
    /// [`task.failure()`](Task::failure) its category with the words as sent.
    Failed {
        /// The failed task.
        task: Task,
        /// Why it failed.
        reason: String,
    },
    /// The task says it succeeded but has no outputs.
    NoOutputs(Task),
    /// The maximum wait passed before the task finished.
    MaxWaitExceeded {
        /// The status at the last successful poll (`None` if no poll succeeded).
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made.
        polls: u32,
    },
    /// The wait was cancelled through its cancellation token.
    Cancelled {
        /// The status at the last successful poll.
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made.
        polls: u32,
    },
    /// A poll failed and its retries were exhausted (or the error is permanent). A transient
    /// failure whose retry would end after the deadline is reported as
    /// [`MaxWaitExceeded`](WaitOutcome::MaxWaitExceeded) instead.
    PollFailed {
        /// The last poll's error.
        error: Error,
        /// The status at the last successful poll.
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made, the failed one included.
        polls: u32,
    },
}

impl WaitOutcome {
    /// The finished task, if the wait saw one finish (succeeded, failed or without outputs).
    pub fn task(&self) -> Option<&Task> {
        match self {
            WaitOutcome::Succeeded(task)
            | WaitOutcome::NoOutputs(task)
            | WaitOutcome::Failed { task, .. } => Some(task),
            _ => None,
        }
    }

    /// `Ok(task)` for [`Succeeded`](WaitOutcome::Succeeded), otherwise
    /// [`Error::Wait`] with the same facts.
    pub fn into_result(self) -> Result<Task, Error> {
        let error = match self {
            WaitOutcome::Succeeded(task) => return Ok(task),
            WaitOutcome::Failed { task, reason } => WaitError::Failed { task, reason },
            WaitOutcome::NoOutputs(task) => WaitError::NoOutputs { task },
            WaitOutcome::MaxWaitExceeded {
                last_status,
                elapsed,
                polls,
            } => WaitError::MaxWaitExceeded {
                last_status,
                elapsed,
                polls,
            },
            WaitOutcome::Cancelled {
                last_status,
                elapsed,
                polls,
            } => WaitError::Cancelled {
                last_status,
                elapsed,
                polls,
            },
            WaitOutcome::PollFailed {
                error,
                last_status,
                elapsed,
                polls,
            } => WaitError::PollFailed {
                error,
                last_status,
                elapsed,
                polls,
            },
        };
        Err(Error::Wait(Box::new(error)))
    }
}

/// A wait that did not end in success, as an error (see [`WaitOutcome`] for the fields).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The task failed; [`task.failure()`](Task::failure) gives the category of `reason`.
    #[error("task {} failed ({}): {reason}", task.id(), failure_category(task))]
    Failed {
        /// The failed task.
        task: Task,
        /// Why it failed.
        reason: String,
    },
    /// The task succeeded without outputs.
    #[error("task {} succeeded but has no outputs", task.id())]
    NoOutputs {
        /// The task.
        task: Task,
    },
    /// The maximum wait passed.
    #[error(
        "the task is still {} after waiting {elapsed:?} ({polls} polls); it keeps running and is billed — wait again with its handle",
        status_word(last_status)
    )]
    MaxWaitExceeded {
        /// The status at the last successful poll.
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made.
        polls: u32,
    },
    /// The wait was cancelled.
    #[error(
        "the wait was cancelled after {elapsed:?} ({polls} polls); the task is {} and keeps running",
        status_word(last_status)
    )]
    Cancelled {
        /// The status at the last successful poll.
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made.
        polls: u32,
    },
    /// Polling failed.
    #[error(
        "polling failed after {polls} polls ({elapsed:?}); the task was {}: {error}",
        status_word(last_status)
    )]
    PollFailed {
        /// The last poll's error.
        error: Error,
        /// The status at the last successful poll.
        last_status: Option<Status>,
        /// How long the wait took.
        elapsed: Duration,
        /// How many polls were made.
        polls: u32,
    },
}

impl WaitError {
    /// The poll error, for [`PollFailed`](WaitError::PollFailed).
    pub(crate) fn error(&self) -> Option<&Error> {
        match self {
            WaitError::PollFailed { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The category of a failed task's words (`unknown` when there is none).
fn failure_category(task: &Task) -> FailureCategory {
    task.failure()
        .map_or(FailureCategory::Unknown, |failure| failure.category)
}

fn status_word(status: &Option<Status>) -> String {
    status
        .as_ref()
        .map_or_else(|| "in an unknown state".to_owned(), |s| s.to_string())
}

/// What a [status stream](Wait::events) yields.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent {
    /// A poll saw a status different from the previous one (the first poll always does).
    Status(StatusChange),
    /// The wait ended; the stream ends after this.
    Finished(WaitOutcome),
}

/// A status seen by a poll.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// The task as polled.
    pub task: Task,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// Polls made so far.
    pub polls: u32,
}

impl TaskHandle {
    /// Waits for the task to finish, for at most `max_wait`.
    ///
    /// Await the returned [`Wait`] for a [`WaitOutcome`], or turn it into a stream of status
    /// changes with [`Wait::events`]. Configure it with [`Wait::poll_policy`] and
    /// [`Wait::cancel_token`]. Dropping the future stops the wait (not the task). Works the
    /// same on a handle deserialised after a restart: nothing is created again.
    ///
    /// `max_wait` holds for the polls too: a poll still in flight at the deadline (or queued
    /// behind the client's in-flight limit, or retrying) is given at most
    /// [`PollPolicy::final_poll_grace`] more (5 s by default), then the wait ends as
    /// [`MaxWaitExceeded`](WaitOutcome::MaxWaitExceeded).
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use nicerouter_kling::{CancellationToken, PollPolicy, TaskHandle, WaitEvent, WaitOutcome};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = nicerouter_kling_mock::MockServer::builder()
    /// #     .timing(nicerouter_kling_mock::Timing::Polls { processing_after: 0, done_after: 1 })
    /// #     .start()
    /// #     .await?;
    /// # let client = nicerouter_kling::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.base_url())
    /// #     .build()?;
    /// # let saved = serde_json::to_string(&client.text_to_video().prompt("a cat").send().await?)?;
    /// // After a restart: the handle saved at create time.
    /// let handle: TaskHandle = serde_json::from_str(&saved)?;
    ///
    /// // Progress display, cancellable from elsewhere (for example on Ctrl-C).
    /// let cancel = CancellationToken::new();
    /// let mut events = std::pin::pin!(handle
    ///     .wait(&client, Duration::from_secs(15 * 60))
    ///     .poll_policy(PollPolicy::default().max_interval(Duration::from_secs(10)))
    ///     .cancel_token(cancel.clone())
    ///     .events());
    /// while let Some(event) = events.next().await {
    ///     match event {
    ///         WaitEvent::Status(change) => {
    ///             eprintln!("{} after {:?} ({} polls)", change.status, change.elapsed, change.polls)
    ///         }
    ///         WaitEvent::Finished(WaitOutcome::Succeeded(task)) => {
    ///             println!("{} outputs", task.outputs().len())
    ///         }
    ///         WaitEvent::Finished(other) => eprintln!("{other:?}"),
    ///         _ => {} // events a newer version may add
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait<'a>(&'a self, client: &'a Client, max_wait: Duration) -> Wait<'a> {
        Wait {
            client,
            handle: self,
            max_wait,
            policy: None,
            cancel: None,
        }
    }
}

/// `start + wait`, or the latest instant this platform can represent on the way there: a max
/// wait of `Duration::MAX` means "no limit", not a panic.
fn deadline_after(start: Instant, wait: Duration) -> Instant {
    let mut wait = wait;
    loop {
        if let Some(deadline) = start.checked_add(wait) {
            return deadline;
        }
        wait /= 2;
    }
}

/// A wait being configured; see [`TaskHandle::wait`].
#[derive(Debug)]
#[must_use = "a wait does nothing until awaited or streamed"]
pub struct Wait<'a> {
    client: &'a Client,
    handle: &'a TaskHandle,
    max_wait: Duration,
    policy: Option<PollPolicy>,
    cancel: Option<CancellationToken>,
}

impl<'a> Wait<'a> {
    /// The poll schedule for this wait (default: the client's).
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Ends the wait with [`WaitOutcome::Cancelled`] when `token` is cancelled.
    pub fn cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The wait as a stream: a [`WaitEvent::Status`] for every status change, then one
    /// [`WaitEvent::Finished`] with the outcome. For progress displays.
    pub fn events(self) -> impl Stream<Item = WaitEvent> + Send + 'a {
        futures::stream::unfold(Some(self.poller()), |state| async move {
            let mut poller = state?;
            let span = poller.span();
            loop {
                match poller.step().instrument(span.clone()).await {
                    Step::Changed(change) => {
                        return Some((WaitEvent::Status(change), Some(poller)));
                    }
                    Step::Same => {}
                    Step::Done(outcome) => return Some((WaitEvent::Finished(outcome), None)),
                }
            }
        })
    }

    fn poller(self) -> Poller<'a> {
        let policy = self
            .policy
            .unwrap_or_else(|| self.client.poll_policy().clone());
        let started = self.client.inner().clock.now();
        if self
            .handle
            .base_url
            .as_deref()
            .is_some_and(|url| url != self.client.base_url())
        {
            tracing::warn!(
                task_id = %self.handle.task_id,
                "waiting through a different base URL than the task was created with"
            );
        }
        Poller {
            client: self.client,
            handle: self.handle,
            next_delay: policy.initial_delay.min(self.max_wait),
            policy,
            cancel: self.cancel,
            started,
            deadline: deadline_after(started, self.max_wait),
            polls: 0,
            last_status: None,
        }
    }

    async fn run(self) -> WaitOutcome {
        let mut poller = self.poller();
        let span = poller.span();
        async move {
            loop {
                if let Step::Done(outcome) = poller.step().await {
                    tracing::Span::current().record("polls", poller.polls);
                    return outcome;
                }
            }
        }
        .instrument(span)
        .await
    }
}

impl<'a> IntoFuture for Wait<'a> {
    type Output = WaitOutcome;
    type IntoFuture = Pin<Box<dyn Future<Output = WaitOutcome> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The poll loop's state. One `step` = sleep (if due), one poll (with read retries), and a
/// decision.
struct Poller<'a> {
    client: &'a Client,
    handle: &'a TaskHandle,
    policy: PollPolicy,
    cancel: Option<CancellationToken>,
    started: Instant,
    deadline: Instant,
    polls: u32,
    last_status: Option<Status>,
    next_delay: Duration,
}

enum Step {
    Changed(StatusChange),
    Same,
    Done(WaitOutcome),
}

impl Poller<'_> {
    fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "kling.wait",
            kind = self.handle.kind.segment(),
            task_id = %self.handle.task_id,
            polls = tracing::field::Empty,
        )
    }

    async fn step(&mut self) -> Step {
        let clock = self.client.inner().clock.clone();
        if !self.next_delay.is_zero() {
            let sleep = clock.sleep(self.next_delay);
            if self.unless_cancelled(sleep).await.is_none() {
                return Step::Done(self.cancelled());
            }
        }
        // The max wait holds for the poll itself (its queueing, request and retries): on the
        // real clock, at most the time left plus a grace for the poll made at the deadline.
        // Boxed: the request's and the timer's state live on the heap only while a poll is in
        // flight, so a sleeping wait stays small.
        let left = self.deadline.saturating_duration_since(clock.now());
        let grace = self.policy.final_poll_grace;
        let fetch = self
            .client
            .fetch(self.handle.kind, &self.handle.task_id, Some(self.deadline));
        let bounded = Box::pin(tokio::time::timeout(left.saturating_add(grace), fetch));
        let Some(result) = self.unless_cancelled(bounded).await else {
            return Step::Done(self.cancelled());
        };
        self.polls += 1;
        let elapsed = clock.now().saturating_duration_since(self.started);
        let Ok(result) = result else {
            tracing::debug!("poll still in flight past the max wait; ending the wait");
            return Step::Done(WaitOutcome::MaxWaitExceeded {
                last_status: self.last_status.take(),
                elapsed,
                polls: self.polls,
            });
        };
        let fetched = match result {
            Ok(fetched) => fetched,
            // A transient failure at the end of the wait: the time ran out, not the retries.
            Err(stop) if stop.by_deadline => {
                tracing::debug!(error = %stop.error, "poll failed at the deadline; not retrying past it");
                return Step::Done(WaitOutcome::MaxWaitExceeded {
                    last_status: self.last_status.take(),
                    elapsed,
                    polls: self.polls,
                });
            }
            Err(stop) => {
                return Step::Done(WaitOutcome::PollFailed {
                    error: stop.error,
                    last_status: self.last_status.take(),
                    elapsed,
                    polls: self.polls,
                });
            }
        };
        let task = fetched.value;
        let status = task.status();
        let changed = self.last_status.as_ref() != Some(&status);
        if changed {
            tracing::debug!(task_id = task.id(), status = %status, polls = self.polls, "task status");
        }
        match &status {
            Status::Succeeded if task.outputs().is_empty() => {
                return Step::Done(WaitOutcome::NoOutputs(task));
            }
            Status::Succeeded => return Step::Done(WaitOutcome::Succeeded(task)),
            Status::Failed => {
                let reason = task
                    .status_message()
                    .unwrap_or("the task failed without a reason (task_status_msg is empty)")
                    .to_owned();
                tracing::info!(
                    task_id = task.id(),
                    category = %failure_category(&task),
                    reason = reason.as_str(),
                    "task failed"
                );
                return Step::Done(WaitOutcome::Failed { task, reason });
            }
            Status::Unknown(value) if changed => tracing::warn!(
                task_id = task.id(),
                status = value.as_str(),
                "unknown task status; still waiting (it is never taken as done)"
            ),
            _ => {}
        }
        self.last_status = Some(status.clone());
        let now = clock.now();
        if now >= self.deadline {
            return Step::Done(WaitOutcome::MaxWaitExceeded {
                last_status: self.last_status.take(),
                elapsed: now.saturating_duration_since(self.started),
                polls: self.polls,
            });
        }
        // The task's age by the server's creation time (else the handle's), on the client's
        // wall clock; a creation time in the future (clock skew) is age zero.
        let age = task
            .created_at()
            .or_else(|| self.handle.created_at())
            .map(|created| {
                clock
                    .system_time()
                    .duration_since(created)
                    .unwrap_or(Duration::ZERO)
            });
        self.next_delay = self
            .policy
            .next_delay(
                fetched.poll_after,
                self.handle.kind,
                self.polls,
                &status,
                age,
                self.client.inner().entropy.as_ref(),
            )
            .min(self.deadline - now);
        if changed {
            Step::Changed(StatusChange {
                status,
                task,
                elapsed,
                polls: self.polls,
            })
        } else {
            Step::Same
        }
    }

    /// Runs `future` unless the wait's token is cancelled first (`None` then).
    async fn unless_cancelled<F: Future>(&self, future: F) -> Option<F::Output> {
        match &self.cancel {
            None => Some(future.await),
            Some(token) => tokio::select! {
                biased;
                () = token.cancelled() => None,
                output = future => Some(output),
            },
        }
    }

    fn cancelled(&mut self) -> WaitOutcome {
        let elapsed = self
            .client
            .inner()
            .clock
            .now()
            .saturating_duration_since(self.started);
        WaitOutcome::Cancelled {
            last_status: self.last_status.take(),
            elapsed,
            polls: self.polls,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::entropy::SeededEntropy;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn intervals_grow_and_cap() {
        let p = PollPolicy::default();
        let ms: Vec<u128> = (1..=8).map(|n| p.interval(n).as_millis()).collect();
        assert_eq!(ms, vec![2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000]);
        assert_eq!(p.interval(3), p.interval(3), "deterministic");
    }

    #[test]
    fn hints_are_clamped_and_not_jittered() {
        let p = PollPolicy::default();
        let e = SeededEntropy::new(1);
        let next = |p: &PollPolicy, hint: Option<Duration>| {
            p.next_delay(
                hint,
                Kind::ImageGeneration,
                1,
                &Status::Processing,
                None,
                &e,
            )
        };
        assert_eq!(next(&p, Some(secs(5))), secs(5));
        assert_eq!(next(&p, Some(Duration::ZERO)), MIN_HINT);
        assert_eq!(next(&p, Some(secs(3600))), secs(60));
        let no_hints = p.clone().server_hint(false).jitter(0.0);
        assert_eq!(next(&no_hints, Some(secs(5))), secs(2));
    }

    #[test]
    fn a_queued_video_is_next_polled_when_it_can_be_done() {
        let p = PollPolicy::default();
        let queued = Status::Submitted;
        let young = Some(secs(4));
        assert_eq!(
            p.delay_after(Kind::TextToVideo, 1, &queued, young),
            secs(26)
        );
        for &kind in Kind::ALL {
            let expected = match kind.results() {
                Results::Videos => secs(26),
                _ => secs(2),
            };
            assert_eq!(p.delay_after(kind, 1, &queued, young), expected, "{kind}");
        }
        // Processing, unknown age, old enough, or turned off: the schedule.
        let t2v = Kind::TextToVideo;
        assert_eq!(p.delay_after(t2v, 1, &Status::Processing, young), secs(2));
        assert_eq!(p.delay_after(t2v, 1, &queued, None), secs(2));
        assert_eq!(p.delay_after(t2v, 1, &queued, Some(secs(29))), secs(2));
        assert_eq!(p.delay_after(t2v, 1, &queued, Some(secs(300))), secs(2));
        let off = p.clone().min_video_age(Duration::ZERO);
        assert_eq!(off.delay_after(t2v, 1, &queued, young), secs(2));
        // Never shorter than the interval it replaces; at most twice the longest interval.
        assert_eq!(p.delay_after(t2v, 6, &queued, Some(secs(20))), secs(15));
        let quick = p.clone().max_interval(Duration::from_millis(500));
        assert_eq!(
            quick.delay_after(t2v, 1, &queued, Some(Duration::ZERO)),
            secs(1)
        );
    }

    #[test]
    fn jitter_stays_within_its_fraction_and_is_repeatable() {
        assert_eq!(
            PollPolicy::default().jitter,
            0.0,
            "no jitter unless asked for"
        );
        let p = PollPolicy::default().jitter(0.1);
        let draw = |seed: u64| -> Vec<Duration> {
            let e = SeededEntropy::new(seed);
            (0..200)
                .map(|_| p.next_delay(None, Kind::TextToVideo, 6, &Status::Processing, None, &e))
                .collect()
        };
        let a = draw(7);
        assert_eq!(a, draw(7), "the same seed, the same delays");
        assert_ne!(a, draw(8));
        assert!(
            a.iter()
                .all(|d| *d >= Duration::from_millis(13_500) && *d <= Duration::from_millis(16_500)),
            "{a:?}"
        );
        let spread = a
            .iter()
            .max()
            .unwrap()
            .saturating_sub(*a.iter().min().unwrap());
        assert!(
            spread > secs(2),
            "the draws spread over the ±10 % band: {spread:?}"
        );
        let e = SeededEntropy::new(7);
        let off = p.clone().jitter(0.0);
        assert_eq!(
            off.next_delay(None, Kind::TextToVideo, 6, &Status::Processing, None, &e),
            secs(15)
        );
        assert_eq!(p.clone().jitter(f64::NAN), PollPolicy::default());
        assert_eq!(p.clone().jitter(3.0).jitter, MAX_JITTER);
        assert_eq!(p.clone().jitter(-1.0).jitter, 0.0);
    }

    #[test]
    fn huge_max_waits_neither_panic_nor_hang() {
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now + Duration::from_secs(1 << 32));
        assert_eq!(
            deadline_after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        let p = PollPolicy::default();
        // 13.5 s apart at the least once the schedule is capped: about 1.4 × 10¹⁸ polls,
        // saturated.
        assert_eq!(p.max_polls(Duration::MAX), u32::MAX);
        let steady = PollPolicy::default().multiplier(1.0).jitter(0.0);
        assert_eq!(
            steady.max_polls(Duration::from_secs(10)),
            6,
            "0, 2, 4, 6, 8, 10 s"
        );
    }

    #[test]
    fn max_polls_bounds_the_schedule() {
        let p = PollPolicy::default().jitter(0.0);
        // Polls at 0, 2, 5, 9.5, 16.25, 26.375 s, then every 15 s up to the final poll at 60 s.
        assert_eq!(p.max_polls(Duration::from_secs(60)), 9);
        assert_eq!(p.max_polls(Duration::ZERO), 1);
        // With ±10 % jitter, on the shortest draws: 0, 1.8, 4.5, 8.55, 14.6, 23.7, then every
        // 13.5 s (37.2, 50.7) and the final poll at 60 s.
        let jittered = PollPolicy::default().jitter(0.1);
        assert_eq!(jittered.max_polls(Duration::from_secs(60)), 9);
        assert_eq!(jittered.max_polls(Duration::from_secs(900)), 71);
        assert_eq!(PollPolicy::default(), p, "no jitter by default");
        assert_eq!(p.max_polls(Duration::from_secs(900)), 65);
    }
}
