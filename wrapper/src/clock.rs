//! Time, injectable: the client asks a [`Clock`] for "now" and for every sleep (retry back-off,
//! poll interval), so tests can run a fifteen-minute wait in microseconds with [`ManualClock`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A boxed sleep, as returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The source of time for retries, waits, JWT expiry and the 30-day result expiry.
///
/// The default is [`SystemClock`]. Tests inject a [`ManualClock`] through
/// [`ClientBuilder::clock`](crate::ClientBuilder::clock).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Monotonic now, for deadlines and elapsed times.
    fn now(&self) -> Instant;
    /// Wall-clock now, for JWT claims and result expiry.
    fn system_time(&self) -> SystemTime;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: [`Instant::now`], [`SystemTime::now`] and [`tokio::time::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to. Every [`sleep`](Clock::sleep) advances it by the
/// requested duration at once (after yielding to the runtime) and is recorded, so a test can
/// assert the exact back-off and poll schedule without waiting for it.
///
/// Cheap to clone; clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use nicerouter_kling::clock::{Clock, ManualClock};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.sleep(Duration::from_secs(30)).await; // returns at once
/// assert_eq!(clock.now() - start, Duration::from_secs(30));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    start: Instant,
    start_system: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock starting at the real current time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock whose wall-clock time starts at `system_time`.
    pub fn starting_at(system_time: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                start: Instant::now(),
                start_system: system_time,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves time forward by `duration` without recording a sleep.
    pub fn advance(&self, duration: Duration) {
        self.with(|s| s.elapsed += duration);
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with(|s| s.sleeps.clone())
    }

    /// How far the clock has moved since it was created.
    pub fn elapsed(&self) -> Duration {
        self.with(|s| s.elapsed)
    }

    fn with<T>(&self, f: impl FnOnce(&mut ManualState) -> T) -> T {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.with(|s| s.start + s.elapsed)
    }

    fn system_time(&self) -> SystemTime {
        self.with(|s| s.start_system + s.elapsed)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.with(|s| {
            s.elapsed += duration;
            s.sleeps.push(duration);
        });
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::starting_at(SystemTime::UNIX_EPOCH);
        let t0 = clock.now();
        clock.sleep(Duration::from_millis(1500)).await;
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now() - t0, Duration::from_millis(2500));
        assert_eq!(
            clock.system_time(),
            SystemTime::UNIX_EPOCH + Duration::from_millis(2500)
        );
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(1500)]);
        let clone = clock.clone();
        clone.advance(Duration::from_secs(1));
        assert_eq!(clock.elapsed(), Duration::from_millis(3500));
    }
}
