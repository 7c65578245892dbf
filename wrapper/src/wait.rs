//! Waiting for a task: a required maximum wait, a poll schedule separate from the retry
//! policy (growing, no jitter, a server hint honoured), cancellation, a stream of status
//! changes, and one outcome to match on.
//!
//! A wait is a plain future: nothing is spawned and nothing is buffered per handle, so
//! thousands of waits on one client cost little more than their sleeping timers.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;
use crate::task::{Status, Task, TaskHandle};

/// When to poll a task while waiting. Separate from the [`RetryPolicy`](crate::RetryPolicy),
/// which governs retries of each poll.
///
/// The interval after poll *n* is `initial_interval × multiplier^(n−1)`, capped at
/// `max_interval`, with **no jitter**, so that many waits started together poll together
/// (reads line up instead of spreading into a constant load). When a server sends a hint
/// (`x-poll-after-ms`, or `Retry-After` on a successful poll) it replaces the interval, within
/// 250 ms to `max_hint`. The last sleep is shortened to end at the deadline, and one last poll
/// is made there.
///
/// Defaults: first poll at once, then 2 s, 3 s, 4.5 s, … up to 15 s; hints up to 60 s.
///
/// ```
/// use std::time::Duration;
/// use nicerouter_kling::PollPolicy;
///
/// let policy = PollPolicy::default();
/// assert_eq!(policy.interval(1), Duration::from_secs(2));
/// assert_eq!(policy.interval(2), Duration::from_secs(3));
/// assert_eq!(policy.interval(20), Duration::from_secs(15));
/// // A 15-minute wait polls at most this often:
/// assert!(policy.max_polls(Duration::from_secs(900)) <= 70);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    initial_delay: Duration,
    initial_interval: Duration,
    multiplier: f64,
    max_interval: Duration,
    server_hint: bool,
    max_hint: Duration,
}

const MIN_HINT: Duration = Duration::from_millis(250);

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::ZERO,
            initial_interval: Duration::from_secs(2),
            multiplier: 1.5,
            max_interval: Duration::from_secs(15),
            server_hint: true,
            max_hint: Duration::from_secs(60),
        }
    }
}

impl PollPolicy {
    /// How long to wait before the first poll (default zero: poll at once, so a resumed
    /// handle learns its state immediately).
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

    /// The interval after poll number `poll` (1 for the first poll), without server hints.
    pub fn interval(&self, poll: u32) -> Duration {
        let exponent = i32::try_from(poll.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial_interval.as_secs_f64() * self.multiplier.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
            .max(Duration::from_millis(1))
    }

    /// The most polls a wait of `max_wait` makes without server hints (and without the retries
    /// of failed polls): the bound on the load a wait puts on the server.
    pub fn max_polls(&self, max_wait: Duration) -> u32 {
        let mut at = self.initial_delay;
        let mut polls = 0u32;
        while at < max_wait {
            polls = polls.saturating_add(1);
            let step = self.interval(polls);
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

    fn hinted(&self, hint: Option<Duration>, poll: u32) -> Duration {
        match hint {
            Some(hint) if self.server_hint => hint.clamp(MIN_HINT, self.max_hint.max(MIN_HINT)),
            _ => self.interval(poll),
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
pub enum WaitOutcome {
    /// The task succeeded with at least one output.
    Succeeded(Task),
    /// The task failed; `reason` is Kling's `task_status_msg`.
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
    /// The task failed.
    #[error("task {} failed: {reason}", task.id())]
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

fn status_word(status: &Option<Status>) -> String {
    status
        .as_ref()
        .map_or_else(|| "in an unknown state".to_owned(), |s| s.to_string())
}

/// What a [status stream](Wait::events) yields.
#[derive(Debug)]
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
    /// # let saved = serde_json::to_string(&client.text_to_video("a cat").send().await?)?;
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
        // Boxed: the request's state lives on the heap only while a poll is in flight, so a
        // sleeping wait stays small.
        let fetch = Box::pin(self.client.fetch(
            self.handle.kind,
            &self.handle.task_id,
            Some(self.deadline),
        ));
        let Some(result) = self.unless_cancelled(fetch).await else {
            return Step::Done(self.cancelled());
        };
        self.polls += 1;
        let elapsed = clock.now().saturating_duration_since(self.started);
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
        self.next_delay = self
            .policy
            .hinted(fetched.poll_after, self.polls)
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
    use super::*;

    #[test]
    fn intervals_grow_without_jitter_and_cap() {
        let p = PollPolicy::default();
        let ms: Vec<u128> = (1..=8).map(|n| p.interval(n).as_millis()).collect();
        assert_eq!(ms, vec![2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000]);
        assert_eq!(p.interval(3), p.interval(3), "deterministic");
    }

    #[test]
    fn hints_are_clamped() {
        let p = PollPolicy::default();
        assert_eq!(
            p.hinted(Some(Duration::from_secs(5)), 1),
            Duration::from_secs(5)
        );
        assert_eq!(p.hinted(Some(Duration::ZERO), 1), MIN_HINT);
        assert_eq!(
            p.hinted(Some(Duration::from_secs(3600)), 1),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.clone()
                .server_hint(false)
                .hinted(Some(Duration::from_secs(5)), 1),
            Duration::from_secs(2)
        );
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
        // 15 s apart once the schedule is capped: about 1.2 × 10¹⁸ polls, saturated.
        assert_eq!(p.max_polls(Duration::MAX), u32::MAX);
        let steady = PollPolicy::default().multiplier(1.0);
        assert_eq!(
            steady.max_polls(Duration::from_secs(10)),
            6,
            "0, 2, 4, 6, 8, 10 s"
        );
    }

    #[test]
    fn max_polls_bounds_the_schedule() {
        let p = PollPolicy::default();
        // Polls at 0, 2, 5, 9.5, 16.25, 26.375 s, then every 15 s up to the final poll at 60 s.
        assert_eq!(p.max_polls(Duration::from_secs(60)), 9);
        assert_eq!(p.max_polls(Duration::ZERO), 1);
    }
}
