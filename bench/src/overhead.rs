//! Benchmark 1, per-request overhead: a text-to-video create followed by a get, against the
//! fixed-answer loopback server, three ways: the wrapper, the raw generated client, and the
//! same two requests hand-written with reqwest + serde_json (the baseline).
//!
//! The client runs on a current-thread runtime on the main thread; the server on its own
//! thread and runtime. Every variant has its own connection pool and reuses its connections.
//! Latency: the variants take turns, a batch of sequential operations each per round, in an
//! order that rotates every round. Throughput: each round, each variant runs a fixed number of
//! operations with 64 in flight.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::{StreamExt, TryStreamExt};
use nicerouter_kling::raw::types;
use nicerouter_kling::{Client, Kind};
use serde::Serialize;

use crate::by_hand::{Envelope, FullTask, MinimalTask};
use crate::procfs;
use crate::report::{Row, Section, Verdict, ratio_text};
use crate::server::{API_KEY, FixedServer};
use crate::stats;

/// The prompt every variant sends.
const PROMPT: &str = "a cat playing the piano in a sunlit room, studio light, slow dolly in";
/// The model every variant sends.
const MODEL: &str = "kling-v2-5-turbo";

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Latency rounds.
    pub rounds: usize,
    /// Sequential operations per variant per latency round.
    pub ops_per_round: usize,
    /// Throughput rounds.
    pub throughput_rounds: usize,
    /// Operations per variant per throughput round.
    pub throughput_ops: usize,
    /// Operations in flight during throughput rounds.
    pub concurrency: usize,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Self {
            rounds: 40,
            ops_per_round: 100,
            throughput_rounds: 9,
            throughput_ops: 4000,
            concurrency: 64,
        }
    }

    /// The smoke run.
    pub fn smoke() -> Self {
        Self {
            rounds: 3,
            ops_per_round: 10,
            throughput_rounds: 2,
            throughput_ops: 128,
            concurrency: 64,
        }
    }
}

/// The ways of making the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The wrapper.
    Wrapper,
    /// The raw generated client.
    Raw,
    /// By hand, decoding every field of the task (what the wrapper returns).
    Baseline,
    /// By hand, decoding only `task_id` and `task_status`.
    Minimal,
}

const VARIANTS: [Variant; 4] = [
    Variant::Wrapper,
    Variant::Raw,
    Variant::Baseline,
    Variant::Minimal,
];

impl Variant {
    fn index(self) -> usize {
        self as usize
    }
}

/// The clients of the three variants, each with its own connection pool.
struct Clients {
    wrapper: Client,
    raw: nicerouter_kling::raw::Client,
    http: reqwest::Client,
    base: String,
    bearer: String,
}

/// The hand-written create body.
#[derive(Serialize)]
struct CreateBody<'a> {
    prompt: &'a str,
    model_name: &'a str,
    external_task_id: &'a str,
}

impl Clients {
    fn new(origin: &str) -> Result<Self> {
        let base = format!("{origin}/kling");
        let wrapper = Client::builder()
            .api_key(API_KEY)
            .base_url(origin)
            .build()
            .context("building the wrapper client")?;
        let raw = nicerouter_kling::raw::Client::new_with_client(
            &base,
            reqwest::Client::new(),
            nicerouter_kling::raw::Inner::new(nicerouter_kling::raw::Auth::bearer(API_KEY)),
        );
        Ok(Self {
            wrapper,
            raw,
            http: reqwest::Client::new(),
            base,
            bearer: format!("Bearer {API_KEY}"),
        })
    }

    /// One create and one get of the created task.
    async fn op(&self, variant: Variant, n: u64) -> Result<()> {
        match variant {
            Variant::Wrapper => {
                let handle = self
                    .wrapper
                    .text_to_video()
                    .prompt(PROMPT)
                    .model(MODEL)
                    .send()
                    .await?;
                let task = self.wrapper.get(Kind::TextToVideo, &handle.task_id).await?;
                ensure!(task.status().is_terminal(), "unexpected status");
                black_box(task);
            }
            Variant::Raw => {
                let external = types::ExternalTaskId::from(format!("bench-{n}"));
                let created = self
                    .raw
                    .create_text2video()
                    .body(
                        types::Text2VideoRequest::builder()
                            .prompt(Some(PROMPT.parse()?))
                            .model_name(Some(MODEL.to_owned()))
                            .external_task_id(Some(external)),
                    )
                    .send()
                    .await?
                    .into_inner();
                let task_id = created.data.context("no data")?.task_id;
                let task = self
                    .raw
                    .get_text2video()
                    .task_id(&task_id)
                    .send()
                    .await?
                    .into_inner();
                ensure!(task.code == 0, "code {}", task.code);
                black_box(task);
            }
            Variant::Baseline => self.by_hand::<FullTask>(n).await?,
            Variant::Minimal => self.by_hand::<MinimalTask>(n).await?,
        }
        Ok(())
    }

    /// The baseline: the two requests by hand, decoding the answers into `T`.
    async fn by_hand<T: serde::de::DeserializeOwned + crate::by_hand::HasId>(
        &self,
        n: u64,
    ) -> Result<()> {
        let external = format!("bench-{n}");
        let created: Envelope<T> = self
            .http
            .post(format!("{}/v1/videos/text2video", self.base))
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .json(&CreateBody {
                prompt: PROMPT,
                model_name: MODEL,
                external_task_id: &external,
            })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ensure!(created.code == 0, "code {}", created.code);
        let task_id = created.data.context("no data")?.into_id();
        let task: Envelope<T> = self
            .http
            .get(format!("{}/v1/videos/text2video/{task_id}", self.base))
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ensure!(task.code == 0, "code {}", task.code);
        black_box(task.data.context("no data")?);
        Ok(())
    }
}

/// What one variant measured.
#[derive(Debug, Clone, Default)]
struct Measured {
    latencies_us: Vec<f64>,
    cpu: Duration,
    ops: u64,
    throughputs: Vec<f64>,
}

impl Measured {
    fn median_us(&self) -> f64 {
        stats::median(&self.latencies_us)
    }
    fn p90_us(&self) -> f64 {
        stats::p90(&self.latencies_us)
    }
    fn cpu_us_per_op(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.ops.max(1) as f64
    }
    fn throughput(&self) -> f64 {
        stats::median(&self.throughputs)
    }
}

/// Runs benchmark 1.
pub fn run(config: Config) -> Result<Section> {
    let server = FixedServer::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let measured = runtime.block_on(measure(config, &server.origin()))?;
    drop(server);
    Ok(section(config, &measured))
}

async fn measure(config: Config, origin: &str) -> Result<[Measured; 4]> {
    let clients = Clients::new(origin)?;
    let mut results: [Measured; 4] = Default::default();
    let mut n = 0u64;
    // Warm-up: connections open, code paged in, allocator warmed.
    for variant in VARIANTS {
        for _ in 0..config.ops_per_round.max(20) {
            n += 1;
            clients.op(variant, n).await?;
        }
    }
    eprintln!(
        "overhead: latency, {} rounds × {} create+get per variant",
        config.rounds, config.ops_per_round
    );
    for round in 0..config.rounds {
        for k in 0..VARIANTS.len() {
            let variant = VARIANTS[(round + k) % VARIANTS.len()];
            let result = &mut results[variant.index()];
            let cpu_before = procfs::thread_cpu()?;
            for _ in 0..config.ops_per_round {
                n += 1;
                let started = Instant::now();
                clients.op(variant, n).await?;
                result
                    .latencies_us
                    .push(started.elapsed().as_secs_f64() * 1e6);
            }
            result.cpu += procfs::thread_cpu()?.saturating_sub(cpu_before);
            result.ops += config.ops_per_round as u64;
        }
    }
    eprintln!(
        "overhead: throughput, {} rounds × {} create+get per variant, {} in flight",
        config.throughput_rounds, config.throughput_ops, config.concurrency
    );
    for round in 0..config.throughput_rounds {
        for k in 0..VARIANTS.len() {
            let variant = VARIANTS[(round + k) % VARIANTS.len()];
            let first = n;
            n += config.throughput_ops as u64;
            let started = Instant::now();
            futures::stream::iter(first..first + config.throughput_ops as u64)
                .map(|i| clients.op(variant, i))
                .buffer_unordered(config.concurrency)
                .try_collect::<()>()
                .await?;
            let elapsed = started.elapsed().as_secs_f64();
            if elapsed <= 0.0 {
                bail!("a throughput round took no time");
            }
            results[variant.index()]
                .throughputs
                .push(config.throughput_ops as f64 / elapsed);
        }
    }
    Ok(results)
}

fn section(config: Config, m: &[Measured; 4]) -> Section {
    let [wrapper, raw, baseline, minimal] = m;
    let latency_ratio = wrapper.median_us() / baseline.median_us();
    let throughput_ratio = wrapper.throughput() / baseline.throughput();
    let us = |v: f64| format!("{v:.0} µs");
    let ops = |v: f64| format!("{v:.0} op/s");
    let rows = vec![
        Row::new(
            "1. create+get median latency (wrapper)",
            us(wrapper.median_us()),
            us(baseline.median_us()),
            Some(latency_ratio),
            "≤ 1.05×",
            Verdict::from_bool(latency_ratio <= 1.05),
        ),
        Row::new(
            "1. create+get p90 latency (wrapper)",
            us(wrapper.p90_us()),
            us(baseline.p90_us()),
            Some(wrapper.p90_us() / baseline.p90_us()),
            "",
            Verdict::Info,
        ),
        Row::new(
            format!("1. throughput, {} in flight (wrapper)", config.concurrency),
            ops(wrapper.throughput()),
            ops(baseline.throughput()),
            Some(throughput_ratio),
            "≥ 0.95×",
            Verdict::from_bool(throughput_ratio >= 0.95),
        ),
        Row::new(
            "1. client CPU per create+get (wrapper)",
            us(wrapper.cpu_us_per_op()),
            us(baseline.cpu_us_per_op()),
            Some(wrapper.cpu_us_per_op() / baseline.cpu_us_per_op()),
            "",
            Verdict::Info,
        ),
        Row::new(
            "1. create+get median latency (raw generated client)",
            us(raw.median_us()),
            us(baseline.median_us()),
            Some(raw.median_us() / baseline.median_us()),
            "",
            Verdict::Info,
        ),
        Row::new(
            "1. create+get median latency (baseline decoding only the status)",
            us(minimal.median_us()),
            us(baseline.median_us()),
            Some(minimal.median_us() / baseline.median_us()),
            "",
            Verdict::Info,
        ),
        Row::new(
            format!(
                "1. throughput, {} in flight (raw generated client)",
                config.concurrency
            ),
            ops(raw.throughput()),
            ops(baseline.throughput()),
            Some(raw.throughput() / baseline.throughput()),
            "",
            Verdict::Info,
        ),
    ];
    let mut detail = String::new();
    let _ = writeln!(
        detail,
        "One operation is a text-to-video create (`prompt`, `model_name`, `external_task_id`) \
         followed by a get of the created task, against a minimal hyper HTTP/1.1 server on \
         127.0.0.1 with fixed JSON answers (a submitted task; a succeeded task with one video), \
         running on its own thread and runtime. The client is a current-thread Tokio runtime on \
         the main thread, so its CPU time is the thread's (`/proc/thread-self/schedstat`). \
         Connections are kept alive in every variant.\n"
    );
    let _ = writeln!(
        detail,
        "- **wrapper**: `client.text_to_video().prompt(p).model(m).send()` then \
         `client.get(Kind::TextToVideo, id)` — validation, a generated `external_task_id`, \
         the create path, tracing spans, the in-flight limit, a typed `Task`.\n\
         - **raw**: the progenitor client, `create_text2video().body(..).send()` and \
         `get_text2video().task_id(..).send()`.\n\
         - **baseline**: reqwest + serde_json by hand: a `#[derive(Serialize)]` body, and \
         `#[derive(Deserialize)]` structs for every field of the task object, which is what the \
         wrapper's `Task` hands its caller (same information out, same request in).\n\
         - **minimal**: the same by hand, decoding only `task_id` and `task_status`: what \
         decoding the whole task costs.\n"
    );
    let _ = writeln!(
        detail,
        "Latency: {} rounds; in each, every variant runs {} sequential operations, in an order \
         that rotates every round ({} samples per variant). Throughput: {} rounds of {} \
         operations per variant with {} in flight (`buffer_unordered`); the median round.\n",
        config.rounds,
        config.ops_per_round,
        config.rounds * config.ops_per_round,
        config.throughput_rounds,
        config.throughput_ops,
        config.concurrency
    );
    let _ = writeln!(
        detail,
        "| variant | median | p90 | CPU / op | throughput | median vs baseline |"
    );
    let _ = writeln!(detail, "|---|---|---|---|---|---|");
    for (name, v) in [
        ("wrapper", wrapper),
        ("raw", raw),
        ("baseline", baseline),
        ("minimal", minimal),
    ] {
        let _ = writeln!(
            detail,
            "| {name} | {} | {} | {} | {} | {} |",
            us(v.median_us()),
            us(v.p90_us()),
            us(v.cpu_us_per_op()),
            ops(v.throughput()),
            ratio_text(Some(v.median_us() / baseline.median_us()))
        );
    }
    Section {
        title: "1. Per-request overhead".into(),
        rows,
        detail,
    }
}

/// Runs `ops` sequential operations of one variant (`wrapper`, `raw` or `baseline`) and
/// nothing else, for a profiler: `valgrind --tool=callgrind nicerouter-kling-bench
/// profile-overhead wrapper 2000` counts the instructions of each variant reproducibly.
pub fn profile(variant: &str, ops: u64) -> Result<()> {
    let variant = match variant {
        "wrapper" => Variant::Wrapper,
        "raw" => Variant::Raw,
        "baseline" => Variant::Baseline,
        "minimal" => Variant::Minimal,
        other => bail!("unknown variant `{other}` (wrapper, raw, baseline or minimal)"),
    };
    let server = FixedServer::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let clients = Clients::new(&server.origin())?;
        let cpu_before = procfs::thread_cpu()?;
        let started = Instant::now();
        for n in 0..ops {
            clients.op(variant, n).await?;
        }
        eprintln!(
            "{ops} × create+get: {:?} wall, {:?} client CPU",
            started.elapsed(),
            procfs::thread_cpu()?.saturating_sub(cpu_before)
        );
        anyhow::Ok(())
    })
}
