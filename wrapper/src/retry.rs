//! Retries for reads (get, list, polls, downloads, lookups): which errors, how long to wait,
//! and a budget that stops retry storms. Creates use the same delays but their own rules (see
//! `create.rs`): they are retried only when the task was certainly not created.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};

use crate::client::Client;
use crate::code::KlingCode;
use crate::entropy::Entropy;
use crate::error::Error;

/// How failed requests are retried.
///
/// Reads (get, list, polls, downloads) are retried on connection errors and timeouts, HTTP
/// 408, 429 and 5xx, codes 1302, 1303 and 5000–5002, and unreadable answers; never on 1102,
/// 1103, 1304 or authentication errors. Delays grow exponentially (`initial_backoff ×
/// multiplier^n`, capped at `max_backoff`) with jitter (each delay is 75–100 % of that), unless
/// the server sent `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, which is
/// honoured exactly up to `max_retry_after` (a longer one ends the retries). A per-client
/// budget (each retry costs one token, each success refunds a tenth) stops retry storms
/// when the service is down.
///
/// Defaults: 4 attempts, 1 s initial back-off (Kling recommends at least 1 s after 1303),
/// ×2, capped at 8 s, jitter on, `Retry-After` honoured up to 60 s, budget 100.
///
/// ```
/// use std::time::Duration;
/// use nicerouter_kling::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(6)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(20));
/// assert_eq!(policy.backoff_without_jitter(1), Duration::from_millis(500));
/// assert_eq!(policy.backoff_without_jitter(3), Duration::from_secs(2));
/// assert_eq!(RetryPolicy::disabled().attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    multiplier: f64,
    jitter: bool,
    max_retry_after: Duration,
    budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            multiplier: 2.0,
            jitter: true,
            max_retry_after: Duration::from_secs(60),
            budget: 100,
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once. (A create whose answer is lost is still
    /// looked up once by its `external_task_id`; that lookup is not a retry.)
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most attempts per request, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest delay between attempts (without `Retry-After`).
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The growth factor of the delay (at least 1).
    pub fn multiplier(mut self, factor: f64) -> Self {
        self.multiplier = if factor.is_finite() {
            factor.max(1.0)
        } else {
            2.0
        };
        self
    }

    /// Whether delays are jittered (default true). Turn off for deterministic tests.
    pub fn jitter(mut self, enabled: bool) -> Self {
        self.jitter = enabled;
        self
    }

    /// The longest `Retry-After` that is honoured; a longer one ends the retries and is
    /// reported in the error ([`Error::retry_after`]).
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The retry budget per client: how many retries may happen back to back before the client
    /// stops retrying until successes refill it (each success refunds a tenth of a retry).
    /// 0 disables the budget.
    pub fn retry_budget(mut self, retries: u32) -> Self {
        self.budget = retries;
        self
    }

    /// The most attempts per request.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before retry number `retry` (1 for the first retry), before jitter.
    pub fn backoff_without_jitter(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial_backoff.as_secs_f64() * self.multiplier.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    pub(crate) fn backoff(&self, retry: u32, entropy: &dyn Entropy) -> Duration {
        let base = self.backoff_without_jitter(retry);
        if self.jitter {
            base.mul_f64(1.0 - 0.25 * entropy.next_unit())
        } else {
            base
        }
    }

    pub(crate) fn budget_capacity(&self) -> u32 {
        self.budget
    }

    /// The delay before retry number `retry` after `error`, or `None` when it must not be
    /// retried (not retryable, attempts used up, `Retry-After` too long).
    pub(crate) fn delay_for(
        &self,
        error: &Error,
        retry: u32,
        entropy: &dyn Entropy,
    ) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        match error.retry_after() {
            Some(wait) if wait <= self.max_retry_after => Some(wait),
            Some(_) => None,
            None => {
                let delay = self.backoff(retry, entropy);
                // Kling asks for at least a second after rate and concurrency limits.
                let limited = matches!(
                    error.code(),
                    Some(KlingCode::RateLimited | KlingCode::ConcurrencyLimited)
                );
                Some(if limited {
                    delay.max(Duration::from_secs(1))
                } else {
                    delay
                })
            }
        }
    }
}

/// A token bucket shared by all requests of a client: retries spend, successes refill.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    /// Tenths of a retry; `None` when the budget is disabled.
    tokens: Option<AtomicU64>,
    capacity: u64,
}

impl RetryBudget {
    pub(crate) fn new(retries: u32) -> Self {
        let capacity = u64::from(retries) * 10;
        Self {
            tokens: (retries > 0).then(|| AtomicU64::new(capacity)),
            capacity,
        }
    }

    /// Takes one retry from the budget; false when it is empty.
    pub(crate) fn try_spend(&self) -> bool {
        let Some(tokens) = &self.tokens else {
            return true;
        };
        tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| t.checked_sub(10))
            .is_ok()
    }

    /// Refunds a tenth of a retry after a success.
    pub(crate) fn refund(&self) {
        if let Some(tokens) = &self.tokens
            && tokens.load(Ordering::Relaxed) < self.capacity
        {
            let _ = tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some((t + 1).min(self.capacity))
            });
        }
    }
}

/// `retry-after-ms` (milliseconds) or `Retry-After` (seconds, or an HTTP date relative to
/// `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    // Looked up by `HeaderName`s made once, not by strings parsed on every answer.
    const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
    let text = |name: &HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text(&RETRY_AFTER_MS).and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = text(&RETRY_AFTER)?;
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Why a read stopped retrying.
#[derive(Debug)]
pub(crate) struct Exhausted {
    /// The last error.
    pub(crate) error: Error,
    /// Whether a retry was due but would have ended after the deadline.
    pub(crate) by_deadline: bool,
}

/// Why no retry follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoRetry {
    /// The policy says no (attempts used up, `Retry-After` too long).
    Policy,
    /// The delay would end after the deadline.
    Deadline,
    /// The client's retry budget is empty.
    Budget,
}

impl Client {
    /// Runs a read with retries (see [`RetryPolicy`]).
    pub(crate) async fn with_read_retries<T, F, Fut>(
        &self,
        deadline: Option<Instant>,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.retry_reads(deadline, attempt)
            .await
            .map_err(|e| e.error)
    }

    /// Runs a read with retries. `deadline` bounds the total time (a wait's max wait): no
    /// retry is started that would sleep past it, and the result says so.
    pub(crate) async fn retry_reads<T, F, Fut>(
        &self,
        deadline: Option<Instant>,
        mut attempt: F,
    ) -> Result<T, Exhausted>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let inner = self.inner();
        let mut tries = 0u32;
        let mut reminted = false;
        loop {
            tries += 1;
            let error = match attempt().await {
                Ok(value) => {
                    inner.budget.refund();
                    return Ok(value);
                }
                Err(error) => error,
            };
            if !reminted && self.remint_after(&error) {
                reminted = true;
                tries -= 1;
                continue;
            }
            if !error.is_retryable() {
                return Err(Exhausted {
                    error,
                    by_deadline: false,
                });
            }
            let delay = match self.retry_delay(&error, tries, deadline) {
                Ok(delay) => delay,
                Err(reason) => {
                    return Err(Exhausted {
                        error,
                        by_deadline: reason == NoRetry::Deadline,
                    });
                }
            };
            tracing::debug!(retry = tries, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            inner.clock.sleep(delay).await;
        }
    }

    /// The delay before the next attempt, if the policy, the deadline and the budget allow
    /// one.
    pub(crate) fn retry_delay(
        &self,
        error: &Error,
        tries: u32,
        deadline: Option<Instant>,
    ) -> Result<Duration, NoRetry> {
        let inner = self.inner();
        let delay = inner
            .retry
            .delay_for(error, tries, inner.entropy.as_ref())
            .ok_or(NoRetry::Policy)?;
        let ends_after = |deadline| {
            inner
                .clock
                .now()
                .checked_add(delay)
                .is_none_or(|end| end > deadline)
        };
        if deadline.is_some_and(ends_after) {
            return Err(NoRetry::Deadline);
        }
        if !inner.budget.try_spend() {
            tracing::warn!("retry budget exhausted; not retrying");
            return Err(NoRetry::Budget);
        }
        Ok(delay)
    }

    /// After `401`/1004 (token expired) with official credentials: forgets the JWT so the
    /// next attempt mints a fresh one. Returns whether that happened.
    pub(crate) fn remint_after(&self, error: &Error) -> bool {
        match (&self.inner().minter, error.code()) {
            (Some(minter), Some(KlingCode::TokenExpired)) => {
                tracing::debug!("Kling JWT rejected as expired; minting a new one");
                minter.invalidate();
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::entropy::SeededEntropy;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy::default().jitter(false);
        let e = SeededEntropy::new(1);
        let delays: Vec<u64> = (1..=6)
            .map(|n| p.backoff(n, &e).as_millis() as u64)
            .collect();
        assert_eq!(delays, vec![1000, 2000, 4000, 8000, 8000, 8000]);
    }

    #[test]
    fn jitter_stays_between_75_and_100_percent() {
        let p = RetryPolicy::default();
        let e = SeededEntropy::new(9);
        for _ in 0..500 {
            let d = p.backoff(2, &e);
            assert!(
                d >= Duration::from_millis(1500) && d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("1.5"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert("retry-after", HeaderValue::from_str(&date).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn budget_spends_and_refills() {
        let b = RetryBudget::new(2);
        assert!(b.try_spend());
        assert!(b.try_spend());
        assert!(!b.try_spend());
        for _ in 0..10 {
            b.refund();
        }
        assert!(b.try_spend());
        assert!(!b.try_spend());
        let unlimited = RetryBudget::new(0);
        assert!((0..1000).all(|_| unlimited.try_spend()));
    }
}
