//! Benchmark 3, many waits: 10,000 tasks awaited concurrently on one client, against the
//! simulated server (`nicerouter-kling-mock`) with tasks finishing over time.
//!
//! The parent process runs the mock and, in front of it, a counting TCP proxy that timestamps
//! every poll (`GET /`). The client runs in a child process (this binary, re-run with the
//! hidden `child-many-waits` command) so that its CPU time and memory are its own. The child
//! creates the tasks directly at the mock (each with its own completion time, through the
//! mock's `x-mock-fault: timing:ms:P:D` header), then starts every wait at once through the
//! proxy and reports memory, CPU, completions and lags. The same is done with a hand-written
//! reqwest waiter on the same schedule (the baseline).
//!
//! Time is scaled down ten times: durations of 30–300 s become 3–30 s, and the poll policy
//! 2 s ×1.5 capped at 15 s becomes 200 ms ×1.5 capped at 1.5 s. The number of polls per task
//! is the same as unscaled; the request rate is ten times the real one.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
use nicerouter_kling::{Client, Kind, PollPolicy, TaskHandle, WaitOutcome};
use nicerouter_kling_mock::{DEFAULT_API_KEY, MockServer};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::by_hand::{Envelope, FullTask, MinimalTask};
use crate::polling::Schedule;
use crate::report::{Row, Section, Verdict, ratio_text};
use crate::stats::{self, SplitMix64};
use crate::{alloc, procfs, proxy};

/// What the child prints when every wait is about to start.
const WAITING: &str = "WAITING";
/// The seed of the task durations.
const SEED: u64 = 0x5741_4954_5331;
/// The API requests in flight at once: the wrapper's default, and the baseline's semaphore.
const IN_FLIGHT: usize = 64;
/// The poll jitter the wrapper is given here (±10 %, opt-in: `PollPolicy::jitter`, advised
/// when thousands of waits start together); the hand-written waiter has none.
const JITTER: f64 = 0.1;

/// How much to measure (shared with the child as JSON).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Config {
    /// Tasks awaited at once.
    pub tasks: usize,
    /// Shortest task, from the start of the waits, in milliseconds.
    pub min_ms: u64,
    /// Longest task, in milliseconds.
    pub max_ms: u64,
    /// The poll policy's first interval, in milliseconds.
    pub initial_interval_ms: u64,
    /// The poll policy's growth factor.
    pub multiplier: f64,
    /// The poll policy's longest interval, in milliseconds.
    pub max_interval_ms: u64,
    /// How long the child may take to create the tasks before the waits start, in ms.
    pub create_budget_ms: u64,
    /// The maximum wait, in milliseconds.
    pub max_wait_ms: u64,
}

impl Config {
    /// The full run: 10,000 tasks, time scaled 1:10.
    pub fn full() -> Self {
        Self {
            tasks: 10_000,
            min_ms: 3_000,
            max_ms: 30_000,
            initial_interval_ms: 200,
            multiplier: 1.5,
            max_interval_ms: 1_500,
            create_budget_ms: 8_000,
            max_wait_ms: 120_000,
        }
    }

    /// The smoke run: 300 tasks over 0.5–2 s.
    pub fn smoke() -> Self {
        Self {
            tasks: 300,
            min_ms: 500,
            max_ms: 2_000,
            initial_interval_ms: 200,
            multiplier: 1.5,
            max_interval_ms: 1_500,
            create_budget_ms: 2_000,
            max_wait_ms: 20_000,
        }
    }

    fn policy(&self) -> PollPolicy {
        // Scaled too: a queued video is next polled at 3 s of age, not 30 s. (The tasks are
        // created during the create budget, so they are older than that when the waits
        // start: here the rule does not apply.) With ±10 % jitter, as advised for many waits
        // started together.
        PollPolicy::default()
            .jitter(JITTER)
            .initial_interval(Duration::from_millis(self.initial_interval_ms))
            .multiplier(self.multiplier)
            .max_interval(Duration::from_millis(self.max_interval_ms))
            .min_video_age(Duration::from_millis(self.max_interval_ms * 2))
    }
}

const VARIANTS: [&str; 2] = ["wrapper", "baseline"];

/// What a child reports (one JSON line on stdout, after [`WAITING`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildReport {
    /// Tasks awaited.
    pub tasks: usize,
    /// Waits that ended with the task succeeded.
    pub succeeded: usize,
    /// Tasks already done when the waits started (the creates overran their budget).
    pub done_before_start: usize,
    /// Seconds the creates took.
    pub create_seconds: f64,
    /// Live heap bytes just before the waits (handles and client included).
    pub live_before: u64,
    /// The most live heap bytes while every task was still waiting.
    pub peak_pending_live: u64,
    /// The median live heap bytes while every task was still waiting.
    pub median_pending_live: u64,
    /// Samples taken while every task was still waiting.
    pub pending_samples: usize,
    /// `VmRSS` just before the waits.
    pub rss_before: u64,
    /// The highest `VmRSS` seen while every task was still waiting.
    pub peak_pending_rss: u64,
    /// Process CPU seconds (user + system) from the start of the waits to the last.
    pub cpu_seconds: f64,
    /// Seconds from the start of the waits to the last.
    pub wall_seconds: f64,
    /// Heap allocations made during the waits.
    pub allocations: u64,
    /// Median detection lag (noticed − completed), seconds.
    pub median_lag: f64,
    /// 90th percentile detection lag, seconds.
    pub p90_lag: f64,
    /// Median lag of the policy's own schedule, undelayed, for the same completions.
    pub ideal_median_lag: f64,
    /// Polls the policy would make with no delays (first poll at or after each completion).
    pub ideal_polls: u64,
    /// Polls the policy allows within each wait's actual length: the bound on polls.
    pub allowed_polls: u64,
    /// When each wait ended, in seconds from the start of the waits.
    pub finished_at: Vec<f32>,
}

/// One variant's measurements.
struct Measured {
    report: ChildReport,
    /// Poll times, seconds from the start of the waits.
    polls: Vec<f64>,
}

/// Runs benchmark 3.
pub fn run(config: Config) -> Result<Section> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let exe = std::env::current_exe().context("locating this binary")?;
    let mut measured = Vec::new();
    for variant in VARIANTS {
        eprintln!(
            "many-waits: {variant}, {} tasks finishing over {}–{} ms",
            config.tasks, config.min_ms, config.max_ms
        );
        let (server, proxy) = runtime.block_on(async {
            let server = MockServer::builder().start().await?;
            let upstream = server.addr();
            let proxy = proxy::CountingProxy::start(upstream, b"GET /").await?;
            anyhow::Ok((server, proxy))
        })?;
        let mut child = Command::new(&exe)
            .args([
                "child-many-waits",
                variant,
                &server.base_url(),
                &proxy.origin(),
                &serde_json::to_string(&config)?,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("running a child")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut started = None;
        let mut report = None;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if line == WAITING {
                started = Some(Instant::now());
            } else if line.starts_with('{') {
                report = Some(serde_json::from_str::<ChildReport>(&line)?);
            }
        }
        let status = child.wait()?;
        ensure!(status.success(), "the {variant} child failed ({status})");
        let (Some(started), Some(report)) = (started, report) else {
            bail!("the {variant} child did not report");
        };
        let polls = proxy
            .hits()
            .into_iter()
            .map(|t| {
                t.checked_duration_since(started)
                    .map_or(0.0, |d| d.as_secs_f64())
            })
            .collect();
        drop(proxy);
        runtime.block_on(server.shutdown());
        ensure!(
            report.succeeded == report.tasks,
            "the {variant} child saw {} of {} tasks succeed",
            report.succeeded,
            report.tasks
        );
        measured.push(Measured { report, polls });
    }
    Ok(section(config, &measured))
}

fn section(config: Config, measured: &[Measured]) -> Section {
    let (wrapper, baseline) = (&measured[0], &measured[1]);
    let per_task =
        |bytes: u64, before: u64| bytes.saturating_sub(before) as f64 / config.tasks as f64;
    let peak = |m: &Measured| per_task(m.report.peak_pending_live, m.report.live_before);
    let median = |m: &Measured| per_task(m.report.median_pending_live, m.report.live_before);
    let rss = |m: &Measured| per_task(m.report.peak_pending_rss, m.report.rss_before);
    let cpu_per_poll = |m: &Measured| m.report.cpu_seconds * 1e6 / (m.polls.len().max(1) as f64);
    let kib = |b: f64| format!("{:.2} KiB", b / 1024.0);
    let polls = |m: &Measured| m.polls.len() as f64;
    let peak_rate = |m: &Measured| {
        let buckets = buckets(&m.polls, 0.1);
        buckets.iter().copied().max().unwrap_or(0) as f64 * 10.0
    };
    let rows = vec![
        Row::new(
            format!(
                "3. memory per waiting task, {} waits (wrapper, heap peak)",
                config.tasks
            ),
            kib(peak(wrapper)),
            format!("{} (hand-written waiter)", kib(peak(baseline))),
            Some(peak(wrapper) / peak(baseline)),
            "≤ 8 KiB",
            Verdict::from_bool(peak(wrapper) <= 8192.0),
        ),
        Row::new(
            "3. memory per waiting task (wrapper, RSS peak)",
            kib(rss(wrapper)),
            format!("{} (hand-written waiter)", kib(rss(baseline))),
            Some(rss(wrapper) / rss(baseline)),
            "≤ 8 KiB",
            Verdict::from_bool(rss(wrapper) <= 8192.0),
        ),
        Row::new(
            "3. total polls (wrapper)",
            format!("{:.0}", polls(wrapper)),
            format!(
                "{} allowed by the policy in the time waited",
                wrapper.report.allowed_polls
            ),
            Some(polls(wrapper) / wrapper.report.allowed_polls as f64),
            "≤ 1.00× (bounded by the policy)",
            Verdict::from_bool(polls(wrapper) <= wrapper.report.allowed_polls as f64),
        ),
        Row::new(
            "3. peak poll rate, 100 ms buckets (wrapper)",
            format!("{:.0} req/s", peak_rate(wrapper)),
            format!("{:.0} req/s (hand-written waiter)", peak_rate(baseline)),
            Some(peak_rate(wrapper) / peak_rate(baseline)),
            "",
            Verdict::Info,
        ),
        Row::new(
            "3. client CPU per poll (wrapper)",
            format!("{:.0} µs", cpu_per_poll(wrapper)),
            format!("{:.0} µs (hand-written waiter)", cpu_per_poll(baseline)),
            Some(cpu_per_poll(wrapper) / cpu_per_poll(baseline)),
            "",
            Verdict::Info,
        ),
        Row::new(
            "3. median detection lag (wrapper)",
            format!("{:.2} s", wrapper.report.median_lag),
            format!(
                "{:.2} s (the policy's schedule undelayed)",
                wrapper.report.ideal_median_lag
            ),
            Some(wrapper.report.median_lag / wrapper.report.ideal_median_lag),
            "",
            Verdict::Info,
        ),
    ];
    let mut detail = String::new();
    let _ = writeln!(
        detail,
        "{} text-to-video tasks on the simulated server, each finishing at its own time, drawn \
         uniformly from {:.1}–{:.1} s after the waits start (seed `{SEED:#x}`); all {} waits start \
         at once on one client and are driven by one `FuturesUnordered` on a current-thread \
         runtime in a child process. Time is scaled 1:10: these are 30–300 s tasks, and the \
         poll policy {} ms ×{} capped at {} ms is the default 2 s ×1.5 capped at 15 s, with \
         ±10 % jitter, opt-in with `PollPolicy::jitter(0.1)` as advised for many waits started \
         together (the queued-video wait, scaled to 3 s, does not come into play: \
         the tasks are created before the waits start, so they are older than that). The \
         mock runs in the parent behind a counting TCP proxy that timestamps every poll. Both \
         variants keep at most {IN_FLIGHT} requests in flight (the wrapper's default limit; a \
         semaphore in the baseline) over one connection pool.\n",
        config.tasks,
        config.min_ms as f64 / 1e3,
        config.max_ms as f64 / 1e3,
        config.tasks,
        config.initial_interval_ms,
        config.multiplier,
        config.max_interval_ms
    );
    let _ = writeln!(
        detail,
        "- **wrapper**: `handle.wait(&client, max_wait).poll_policy(p)` for each handle.\n\
         - **hand-written waiter**: `loop {{ acquire permit; reqwest GET; decode; if done \
         break; tokio::time::sleep(p.interval(n)) }}`, the same schedule without the \
         wrapper's ±10 % jitter (waits started together poll together).\n\
         - Memory per waiting task = (live heap bytes while all tasks still wait − live bytes \
         just before the waits, handles and client included) / tasks, from a counting global \
         allocator sampled every 2 ms: the peak is the figure, the median is shown too. RSS \
         likewise, sampled every 50 ms.\n\
         - Allowed polls = for each wait, the policy's poll times on its shortest jitter draws \
         (every interval −10 %) that fall within the time it actually waited; a wrapper that \
         never polls early makes at most that many.\n"
    );
    let _ = writeln!(detail, "| | wrapper | hand-written waiter |\n|---|---|---|");
    let pair = |name: &str, f: &dyn Fn(&Measured) -> String| {
        format!("| {name} | {} | {} |\n", f(wrapper), f(baseline))
    };
    detail.push_str(&pair("heap per waiting task, peak", &|m| kib(peak(m))));
    detail.push_str(&pair("heap per waiting task, median", &|m| kib(median(m))));
    detail.push_str(&pair("RSS per waiting task, peak", &|m| kib(rss(m))));
    detail.push_str(&pair("samples with every task waiting", &|m| {
        m.report.pending_samples.to_string()
    }));
    detail.push_str(&pair("polls", &|m| format!("{:.0}", polls(m))));
    detail.push_str(&pair("polls per task", &|m| {
        format!("{:.2}", polls(m) / config.tasks as f64)
    }));
    detail.push_str(&pair("polls of the undelayed schedule", &|m| {
        m.report.ideal_polls.to_string()
    }));
    detail.push_str(&pair("polls allowed in the time waited", &|m| {
        m.report.allowed_polls.to_string()
    }));
    detail.push_str(&pair("peak poll rate (100 ms buckets)", &|m| {
        format!("{:.0} req/s", peak_rate(m))
    }));
    detail.push_str(&pair("CPU (user + system)", &|m| {
        format!("{:.2} s", m.report.cpu_seconds)
    }));
    detail.push_str(&pair("CPU per poll", &|m| {
        format!("{:.0} µs", cpu_per_poll(m))
    }));
    detail.push_str(&pair("heap allocations per poll", &|m| {
        format!("{:.0}", m.report.allocations as f64 / polls(m).max(1.0))
    }));
    detail.push_str(&pair("wall time of the waits", &|m| {
        format!("{:.1} s", m.report.wall_seconds)
    }));
    detail.push_str(&pair("median / p90 detection lag", &|m| {
        format!("{:.2} s / {:.2} s", m.report.median_lag, m.report.p90_lag)
    }));
    detail.push_str(&pair("median lag of the undelayed schedule", &|m| {
        format!("{:.2} s", m.report.ideal_median_lag)
    }));
    detail.push_str(&pair("creates (before the waits)", &|m| {
        format!(
            "{:.1} s ({} done before the waits started)",
            m.report.create_seconds, m.report.done_before_start
        )
    }));
    let _ = writeln!(
        detail,
        "\nRequest rate over time (wrapper): polls per second, in 1 s rows (the peak 100 ms \
         bucket of the row in brackets), and the tasks still waiting at the end of the row.\n"
    );
    detail.push_str(&histogram(wrapper, config.tasks));
    let _ = writeln!(
        detail,
        "\nWrapper vs hand-written: heap peak {}, CPU per poll {}.",
        ratio_text(Some(peak(wrapper) / peak(baseline))),
        ratio_text(Some(cpu_per_poll(wrapper) / cpu_per_poll(baseline)))
    );
    Section {
        title: "3. Many waits".into(),
        rows,
        detail,
    }
}

/// Counts of `times` (seconds) per bucket of `width` seconds, from 0.
fn buckets(times: &[f64], width: f64) -> Vec<u64> {
    let last = times.iter().copied().fold(0.0f64, f64::max);
    let mut counts = vec![0u64; (last / width) as usize + 1];
    for &t in times {
        let i = ((t.max(0.0)) / width) as usize;
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    counts
}

/// A text histogram of the poll rate: one row per second.
fn histogram(m: &Measured, tasks: usize) -> String {
    let tenths = buckets(&m.polls, 0.1);
    let seconds = tenths.len().div_ceil(10);
    let per_second: Vec<u64> = (0..seconds)
        .map(|s| tenths.iter().skip(s * 10).take(10).sum())
        .collect();
    let top = per_second.iter().copied().max().unwrap_or(1).max(1);
    let mut out = String::from("```text\n   t   polls/s  (peak 100ms)  waiting\n");
    for (s, &count) in per_second.iter().enumerate() {
        let peak = tenths
            .iter()
            .skip(s * 10)
            .take(10)
            .max()
            .copied()
            .unwrap_or(0)
            * 10;
        let end = (s + 1) as f32;
        let finished = m.report.finished_at.iter().filter(|&&t| t <= end).count();
        let bar = "█".repeat(((count as f64 / top as f64) * 40.0).round() as usize);
        let _ = writeln!(
            out,
            "{:>3}s {count:>8}  ({peak:>8})  {:>7}  {bar}",
            s,
            tasks.saturating_sub(finished)
        );
    }
    out.push_str("```\n");
    out
}

/// The child: create the tasks, wait for all of them with one variant, report.
pub fn child(variant: &str, mock_origin: &str, proxy_origin: &str, config: &str) -> Result<()> {
    let config: Config = serde_json::from_str(config).context("reading the config")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(child_run(variant, mock_origin, proxy_origin, config))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// A task as created: its id and when the mock will finish it.
struct Created {
    task_id: String,
    done_at: Instant,
}

async fn create_tasks(
    mock_origin: &str,
    config: &Config,
    start_at: Instant,
) -> Result<Vec<Created>> {
    let http = reqwest::Client::new();
    let mut rng = SplitMix64::new(SEED);
    let offsets: Vec<u64> = (0..config.tasks)
        .map(|_| rng.uniform(config.min_ms as f64, config.max_ms as f64) as u64)
        .collect();
    let url = format!("{mock_origin}/kling/v1/videos/text2video");
    let created: Vec<(usize, Created)> = futures::stream::iter(offsets.iter().enumerate())
        .map(|(i, &offset)| {
            let (http, url) = (&http, &url);
            async move {
                // The mock counts from the create: aim every task at `start_at + offset`.
                let sent = Instant::now();
                let done_at = start_at + Duration::from_millis(offset);
                let after = done_at.saturating_duration_since(sent).as_millis();
                let answer: Envelope<MinimalTask> = http
                    .post(url)
                    .bearer_auth(DEFAULT_API_KEY)
                    .header(
                        nicerouter_kling_mock::FAULT_HEADER,
                        format!("timing:ms:{}:{after}", after / 3),
                    )
                    .json(&serde_json::json!({ "prompt": "a wave breaking on a rock" }))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let task_id = answer.data.context("no task in the create answer")?.task_id;
                anyhow::Ok((
                    i,
                    Created {
                        task_id,
                        done_at: sent + Duration::from_millis(after as u64),
                    },
                ))
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    let mut created = created;
    created.sort_by_key(|(i, _)| *i);
    Ok(created.into_iter().map(|(_, c)| c).collect())
}

/// Samples live heap bytes (every 2 ms) and RSS (every 50 ms) from a thread of its own.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Sample>>,
}

#[derive(Clone, Copy)]
struct Sample {
    live: u64,
    rss: u64,
    finished: usize,
}

impl Sampler {
    fn start(finished: Arc<AtomicUsize>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            // Allocated before the waits start: the sampler allocates nothing while sampling
            // but the occasional read of /proc.
            let mut samples = Vec::with_capacity(200_000);
            let mut rss = 0;
            let mut n = 0u64;
            while !stopping.load(Ordering::Relaxed) && samples.len() < samples.capacity() {
                if n.is_multiple_of(25) {
                    rss = procfs::memory().map_or(rss, |m| m.rss);
                }
                n += 1;
                samples.push(Sample {
                    live: alloc::live_bytes() as u64,
                    rss,
                    finished: finished.load(Ordering::Relaxed),
                });
                std::thread::sleep(Duration::from_millis(2));
            }
            samples
        });
        Self { stop, thread }
    }

    fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

async fn child_run(
    variant: &str,
    mock_origin: &str,
    proxy_origin: &str,
    config: Config,
) -> Result<ChildReport> {
    let policy = config.policy();
    let max_wait = Duration::from_millis(config.max_wait_ms);
    let create_started = Instant::now();
    let start_at = create_started + Duration::from_millis(config.create_budget_ms);
    let created = create_tasks(mock_origin, &config, start_at).await?;
    let create_seconds = create_started.elapsed().as_secs_f64();
    tokio::time::sleep_until(start_at.into()).await;

    let handles: Vec<TaskHandle> = created
        .iter()
        .map(|c| TaskHandle::new(Kind::TextToVideo, c.task_id.clone()))
        .collect();
    let wrapper = Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(proxy_origin)
        .poll_policy(policy.clone())
        .max_concurrent_requests(IN_FLIGHT)
        .build()?;
    let http = reqwest::Client::new();
    let permits = Semaphore::new(IN_FLIGHT);
    let base = format!("{proxy_origin}/kling/v1/videos/text2video");
    let finished = Arc::new(AtomicUsize::new(0));
    let mut ended = vec![None; config.tasks];
    let mut succeeded = 0usize;

    let sampler = Sampler::start(Arc::clone(&finished));
    std::thread::sleep(Duration::from_millis(20));
    let rss_before = procfs::memory()?.rss;
    let live_before = alloc::live_bytes() as u64;
    let allocations_before = alloc::allocations();
    let cpu_before = procfs::process_cpu()?;
    println!("{WAITING}");
    std::io::stdout().flush()?;
    let started = Instant::now();
    let done_before_start = created.iter().filter(|c| c.done_at <= started).count();
    match variant {
        "wrapper" => {
            let mut waits: FuturesUnordered<_> = handles
                .iter()
                .enumerate()
                .map(|(i, handle)| {
                    let wait = handle.wait(&wrapper, max_wait).poll_policy(policy.clone());
                    async move { (i, matches!(wait.await, WaitOutcome::Succeeded(_))) }
                })
                .collect();
            while let Some((i, ok)) = waits.next().await {
                ended[i] = Some(Instant::now());
                succeeded += usize::from(ok);
                finished.fetch_add(1, Ordering::Relaxed);
            }
        }
        "baseline" => {
            let mut waits: FuturesUnordered<_> = handles
                .iter()
                .enumerate()
                .map(|(i, handle)| {
                    let (http, permits, base, policy) = (&http, &permits, &base, &policy);
                    async move {
                        let url = format!("{base}/{}", handle.task_id);
                        let ok = wait_by_hand(http, permits, &url, policy, max_wait).await;
                        (i, ok.unwrap_or(false))
                    }
                })
                .collect();
            while let Some((i, ok)) = waits.next().await {
                ended[i] = Some(Instant::now());
                succeeded += usize::from(ok);
                finished.fetch_add(1, Ordering::Relaxed);
            }
        }
        other => bail!("unknown variant `{other}`"),
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = procfs::process_cpu()?
        .saturating_sub(cpu_before)
        .as_secs_f64();
    let allocations = alloc::allocations() - allocations_before;
    let samples = sampler.finish();

    let pending: Vec<Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.finished == 0)
        .collect();
    let live: Vec<f64> = pending.iter().map(|s| s.live as f64).collect();
    let schedule = Schedule::policy("scaled", Duration::ZERO, policy.clone());
    // The bound on polls: the schedule on the shortest intervals jitter can draw.
    let shortest = Schedule::policy(
        "scaled, shortest draws",
        Duration::ZERO,
        policy
            .clone()
            .initial_interval(
                Duration::from_millis(config.initial_interval_ms).mul_f64(1.0 - JITTER),
            )
            .max_interval(Duration::from_millis(config.max_interval_ms).mul_f64(1.0 - JITTER)),
    );
    let mut lags = Vec::with_capacity(config.tasks);
    let mut ideal_lags = Vec::with_capacity(config.tasks);
    let (mut ideal_polls, mut allowed_polls) = (0u64, 0u64);
    let mut finished_at = Vec::with_capacity(config.tasks);
    for (c, end) in created.iter().zip(&ended) {
        let end = end.context("a wait did not end")?;
        let done = c.done_at.saturating_duration_since(started).as_secs_f64();
        let waited = end.saturating_duration_since(started).as_secs_f64();
        lags.push(end.saturating_duration_since(c.done_at).as_secs_f64());
        let (polls, lag) = schedule.detect(done);
        ideal_polls += u64::from(polls);
        ideal_lags.push(lag);
        allowed_polls += u64::from(polls_within(&shortest, waited));
        finished_at.push(waited as f32);
    }
    Ok(ChildReport {
        tasks: config.tasks,
        succeeded,
        done_before_start,
        create_seconds,
        live_before,
        peak_pending_live: live.iter().copied().fold(0.0, f64::max) as u64,
        median_pending_live: stats::median(&live) as u64,
        pending_samples: pending.len(),
        rss_before,
        peak_pending_rss: pending.iter().map(|s| s.rss).max().unwrap_or(0),
        cpu_seconds,
        wall_seconds,
        allocations,
        median_lag: stats::median(&lags),
        p90_lag: stats::p90(&lags),
        ideal_median_lag: stats::median(&ideal_lags),
        ideal_polls,
        allowed_polls,
        finished_at,
    })
}

/// The schedule's poll times within the first `waited` seconds (a poll at exactly `waited`
/// included, with a millisecond of slack for the clock reads).
fn polls_within(schedule: &Schedule, waited: f64) -> u32 {
    let (polls, lag) = schedule.detect(waited + 0.001);
    // `detect` counts up to the first poll at or after the time; that poll is within the
    // time only when it falls exactly on it.
    if lag <= 0.0 { polls } else { polls - 1 }
}

/// The baseline waiter: a poll loop by hand on the same schedule, at most `IN_FLIGHT` polls
/// in flight. `Ok(true)` once the task succeeded.
async fn wait_by_hand(
    http: &reqwest::Client,
    permits: &Semaphore,
    url: &str,
    policy: &PollPolicy,
    max_wait: Duration,
) -> Result<bool> {
    let deadline = Instant::now() + max_wait;
    let mut polls = 0u32;
    loop {
        let task: Envelope<FullTask> = {
            let _permit = permits.acquire().await?;
            http.get(url)
                .bearer_auth(DEFAULT_API_KEY)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?
        };
        polls += 1;
        match task.data.map(|t| t.task_status).as_deref() {
            Some("succeed") => return Ok(true),
            Some("failed") => return Ok(false),
            _ => {}
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(policy.interval(polls)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_per_width() {
        assert_eq!(buckets(&[0.0, 0.05, 0.1, 0.25], 0.1), vec![2, 1, 1]);
        assert_eq!(buckets(&[], 0.1), vec![0]);
    }

    #[test]
    fn polls_within_counts_schedule_points_in_the_time() {
        // Polls at 0, 0.2, 0.5, 0.95 s.
        let s = Schedule::policy("s", Duration::ZERO, Config::full().policy());
        assert_eq!(polls_within(&s, 0.0), 1);
        assert_eq!(polls_within(&s, 0.1), 1);
        assert_eq!(polls_within(&s, 0.2), 2);
        assert_eq!(polls_within(&s, 0.94), 3);
        assert_eq!(polls_within(&s, 0.95), 4);
    }
}
