//! Benchmark 4, polling efficiency: a pure simulation in virtual time. For every task duration
//! of a fixed-seed distribution, a schedule polls at its times; the task is noticed by the
//! first poll at or after its completion. Polls per task and detection lag (noticed −
//! completed) are compared with a fixed 5 s poller (`loop { sleep(5 s); get }`).
//!
//! The wrapper's schedules are computed by its own [`PollPolicy::delay_after`] (the interval,
//! and for video kinds the wait of a task found queued), so the figures are the wrapper's,
//! not a re-implementation's. A wait starts when its task is created; the first poll finds
//! the task queued (`submitted`, as a fresh Kling task is), later polls find it processing.
//! Jitter (±10 % by default, mean zero) is not simulated.

use std::fmt::Write as _;
use std::time::Duration;

use nicerouter_kling::{Kind, PollPolicy, Status};

use crate::report::{Row, Section, Verdict};
use crate::stats::{self, SplitMix64};

/// The seed of the task durations.
const SEED: u64 = 0x4B4C_494E_4721;

/// How much to simulate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Tasks per distribution.
    pub tasks: usize,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Self { tasks: 100_000 }
    }

    /// The smoke run.
    pub fn smoke() -> Self {
        Self { tasks: 2_000 }
    }
}

/// The delay after poll `n` (from 1) made when the task was `at` seconds old.
type Delay = Box<dyn Fn(u32, f64) -> Duration>;

/// A poll schedule: when the first poll is, and the delay after each poll.
pub struct Schedule {
    /// How the schedule is shown.
    pub name: String,
    /// The first poll's time.
    pub initial_delay: Duration,
    delay: Delay,
}

impl Schedule {
    /// A fixed-interval poller that sleeps `every` before each poll.
    pub fn fixed(every: Duration) -> Self {
        Self {
            name: format!("fixed {} s", every.as_secs_f64()),
            initial_delay: every,
            delay: Box::new(move |_, _| every),
        }
    }

    /// The wrapper's interval ramp for `policy` (no queued-task rule: the schedule of image
    /// kinds, and of tasks already older than the policy's `min_video_age`), whose
    /// `initial_delay` is `initial_delay`.
    pub fn policy(name: impl Into<String>, initial_delay: Duration, policy: PollPolicy) -> Self {
        Self::for_kind(name, initial_delay, policy, Kind::ImageGeneration)
    }

    /// The wrapper's schedule for a task of `kind` created when the wait starts: the first
    /// poll finds it queued, every later poll processing.
    pub fn for_kind(
        name: impl Into<String>,
        initial_delay: Duration,
        policy: PollPolicy,
        kind: Kind,
    ) -> Self {
        let policy = policy.initial_delay(initial_delay);
        Self {
            name: name.into(),
            initial_delay,
            delay: Box::new(move |n, at| {
                let status = if n == 1 {
                    Status::Submitted
                } else {
                    Status::Processing
                };
                policy.delay_after(kind, n, &status, Some(Duration::from_secs_f64(at)))
            }),
        }
    }

    /// Polls made, and the lag in seconds, for a task that completes at `done` seconds.
    pub fn detect(&self, done: f64) -> (u32, f64) {
        let mut at = self.initial_delay.as_secs_f64();
        let mut polls = 1u32;
        while at < done {
            at += (self.delay)(polls, at).as_secs_f64();
            polls += 1;
        }
        (polls, at - done)
    }
}

/// A row of the table: a schedule for the video tasks and one for the image tasks (the same
/// but for the wrapper's default, which treats the two kinds differently).
struct Compared {
    video: Schedule,
    image: Schedule,
}

impl Compared {
    fn same(make: impl Fn() -> Schedule) -> Self {
        Self {
            video: make(),
            image: make(),
        }
    }
}

/// A schedule's figures over a distribution.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The schedule's name.
    pub name: String,
    /// Mean polls per task.
    pub polls: f64,
    /// Median detection lag, seconds.
    pub median_lag: f64,
    /// 90th percentile detection lag, seconds.
    pub p90_lag: f64,
    /// Median lag as a share of the task's duration.
    pub median_relative_lag: f64,
}

/// Simulates `schedule` over `durations`.
pub fn simulate(schedule: &Schedule, durations: &[f64]) -> Figures {
    let mut polls = Vec::with_capacity(durations.len());
    let mut lags = Vec::with_capacity(durations.len());
    let mut relative = Vec::with_capacity(durations.len());
    for &d in durations {
        let (n, lag) = schedule.detect(d);
        polls.push(f64::from(n));
        lags.push(lag);
        relative.push(lag / d);
    }
    Figures {
        name: schedule.name.clone(),
        polls: stats::mean(&polls),
        median_lag: stats::median(&lags),
        p90_lag: stats::p90(&lags),
        median_relative_lag: stats::median(&relative),
    }
}

fn durations(tasks: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut rng = SplitMix64::new(SEED);
    (0..tasks).map(|_| rng.uniform(lo, hi)).collect()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The schedules compared: the fixed pollers, the wrapper's default (on video tasks as a
/// video kind, on image tasks as an image kind), and the trade-off curve. Jitter off: the
/// simulation is of the schedule's centre.
fn schedules() -> Vec<Compared> {
    let default = || PollPolicy::default().jitter(0.0);
    let ramp = || default().min_video_age(Duration::ZERO);
    let mut all = vec![
        Compared::same(|| Schedule::fixed(secs(5.0))),
        Compared::same(|| Schedule::fixed(secs(10.0))),
        Compared::same(|| Schedule::fixed(secs(15.0))),
        Compared {
            video: Schedule::for_kind(
                "**default** (poll at 0 s; a queued video next at 30 s of age; 2 s ×1.5, cap 15 s)",
                Duration::ZERO,
                default(),
                Kind::TextToVideo,
            ),
            image: Schedule::for_kind("", Duration::ZERO, default(), Kind::ImageGeneration),
        },
        Compared::same(|| {
            Schedule::policy(
                "ramp only, the previous default (0 s, 2 s ×1.5, cap 15 s)",
                Duration::ZERO,
                ramp(),
            )
        }),
    ];
    for cap in [5.0, 7.5, 10.0, 20.0, 30.0] {
        all.push(Compared::same(|| {
            Schedule::policy(
                format!("ramp only, cap {cap} s"),
                Duration::ZERO,
                ramp().max_interval(secs(cap)),
            )
        }));
    }
    for cap in [10.0, 20.0] {
        all.push(Compared {
            video: Schedule::for_kind(
                format!("default, cap {cap} s"),
                Duration::ZERO,
                default().max_interval(secs(cap)),
                Kind::TextToVideo,
            ),
            image: Schedule::for_kind(
                "",
                Duration::ZERO,
                default().max_interval(secs(cap)),
                Kind::ImageGeneration,
            ),
        });
    }
    for (first, cap) in [(30.0, 5.0), (30.0, 10.0), (30.0, 15.0)] {
        all.push(Compared::same(|| {
            Schedule::policy(
                format!("no poll before 30 s: first poll at {first} s, 2 s ×1.5, cap {cap} s"),
                secs(first),
                ramp().max_interval(secs(cap)),
            )
        }));
    }
    all
}

/// Runs benchmark 4.
pub fn run(config: Config) -> Section {
    let video = durations(config.tasks, 30.0, 300.0);
    let short = durations(config.tasks, 5.0, 60.0);
    let schedules = schedules();
    let on_video: Vec<Figures> = schedules
        .iter()
        .map(|s| simulate(&s.video, &video))
        .collect();
    let on_short: Vec<Figures> = schedules
        .iter()
        .map(|s| simulate(&s.image, &short))
        .collect();
    let fixed5 = &on_video[0];
    let ours = &on_video[3];
    let previous = &on_video[4];
    let poll_ratio = ours.polls / fixed5.polls;
    let lag_ratio = ours.median_lag / fixed5.median_lag;
    let rows = vec![
        Row::new(
            "4. polls per task, 30–300 s tasks (default policy)",
            format!("{:.1}", ours.polls),
            format!("{:.1} (fixed 5 s)", fixed5.polls),
            Some(poll_ratio),
            "≤ 0.60× at ≤ equal median lag",
            Verdict::from_bool(poll_ratio <= 0.60 && lag_ratio <= 1.0),
        ),
        Row::new(
            "4. median detection lag, 30–300 s tasks (default policy)",
            format!("{:.1} s", ours.median_lag),
            format!("{:.1} s (fixed 5 s)", fixed5.median_lag),
            Some(lag_ratio),
            "≤ 1.00×",
            Verdict::from_bool(lag_ratio <= 1.0),
        ),
        Row::new(
            "4. polls per task, 30–300 s tasks (default vs the previous default, ramp only)",
            format!("{:.1} ({:.1} s median lag)", ours.polls, ours.median_lag),
            format!(
                "{:.1} ({:.1} s median lag)",
                previous.polls, previous.median_lag
            ),
            Some(ours.polls / previous.polls),
            "",
            Verdict::Info,
        ),
    ];
    let mut detail = String::new();
    let _ = writeln!(
        detail,
        "Virtual time, no server: {} task durations drawn uniformly from 30–300 s (video \
         generation) and, for contrast, 5–60 s (image generation), seed `{SEED:#x}`. A task is \
         noticed by the first poll at or after its completion; lag = noticed − completed. The \
         wrapper's schedules come from its own `PollPolicy::delay_after`: a wait starts at the \
         task's creation, its first poll finds the task queued (`submitted`) and later ones \
         processing; the default treats the 30–300 s tasks as a video kind and the 5–60 s \
         tasks as an image kind. Server hints and jitter (±10 %, mean zero) are not simulated. \
         The fixed poller sleeps 5 s before each poll (no poll at 0).\n",
        config.tasks
    );
    let _ = writeln!(
        detail,
        "| schedule | polls / task (30–300 s) | vs fixed 5 s | median lag | p90 lag | median lag / duration | polls / task (5–60 s) | median lag (5–60 s) |"
    );
    let _ = writeln!(detail, "|---|---|---|---|---|---|---|---|");
    for (v, s) in on_video.iter().zip(&on_short) {
        let _ = writeln!(
            detail,
            "| {} | {:.1} | {:+.0}% | {:.1} s | {:.1} s | {:.1}% | {:.1} | {:.1} s |",
            v.name,
            v.polls,
            (v.polls / fixed5.polls - 1.0) * 100.0,
            v.median_lag,
            v.p90_lag,
            v.median_relative_lag * 100.0,
            s.polls,
            s.median_lag
        );
    }
    Section {
        title: "4. Polling efficiency".into(),
        rows,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_poller_notices_at_the_next_multiple() {
        let s = Schedule::fixed(secs(5.0));
        assert_eq!(s.detect(12.0), (3, 3.0));
        assert_eq!(s.detect(15.0), (3, 0.0));
        assert_eq!(s.detect(0.5), (1, 4.5));
    }

    #[test]
    fn the_default_policy_follows_the_wrappers_schedule() {
        // Polls at 0, 2, 5, 9.5, 16.25, 26.375, 41.375 s.
        let s = Schedule::policy("d", Duration::ZERO, PollPolicy::default());
        assert_eq!(s.detect(0.0), (1, 0.0));
        assert_eq!(s.detect(9.0), (4, 0.5));
        let (polls, lag) = s.detect(30.0);
        assert_eq!(polls, 7);
        assert!((lag - 11.375).abs() < 1e-9, "{lag}");
        // The wrapper's own bound holds: no more polls than `max_polls` of the time waited.
        for d in [1.0, 29.0, 77.0, 299.0] {
            let (polls, lag) = s.detect(d);
            assert!(
                polls <= PollPolicy::default().max_polls(secs(d + lag)),
                "{d}"
            );
        }
    }

    #[test]
    fn a_fresh_video_task_is_polled_at_once_then_at_thirty_seconds() {
        // Polls at 0 (queued), 30, 33, 37.5, 44.25, 54.375, 69.375 s, then every 15 s.
        let s = Schedule::for_kind(
            "v",
            Duration::ZERO,
            PollPolicy::default(),
            Kind::TextToVideo,
        );
        assert_eq!(s.detect(0.0), (1, 0.0));
        assert_eq!(s.detect(29.0), (2, 1.0));
        assert_eq!(s.detect(35.0), (4, 2.5));
        let (polls, lag) = s.detect(60.0);
        assert_eq!(polls, 7);
        assert!((lag - 9.375).abs() < 1e-9, "{lag}");
        // Image kinds keep the ramp.
        let i = Schedule::for_kind(
            "i",
            Duration::ZERO,
            PollPolicy::default(),
            Kind::ImageGeneration,
        );
        assert_eq!(i.detect(9.0), (4, 0.5));
    }

    #[test]
    fn figures_summarise_the_distribution() {
        let s = Schedule::fixed(secs(10.0));
        let f = simulate(&s, &[10.0, 15.0, 19.0]);
        assert!((f.polls - 5.0 / 3.0).abs() < 1e-9);
        assert_eq!(f.median_lag, 1.0);
        assert_eq!(f.p90_lag, 5.0);
    }
}
