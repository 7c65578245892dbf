//! Benchmark 2, large image submit: an image-to-video create with a 10 MB PNG read from disk.
//!
//! Every submit runs in a fresh child process (this binary, re-run with the hidden
//! `child-large-image` command), so that its peak RSS (`VmHWM`) is its own; the server is in
//! this (the parent) process, so the received body never counts. In the child: the runtime and
//! the client are built and a small image is submitted first (warm-up); then the idle RSS is
//! read, the peak is reset (`/proc/self/clear_refs`), the large image is submitted, and the
//! peak is read. The figure is `peak − idle` against the size of the base64 payload.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use nicerouter_kling::Client;
use nicerouter_kling::media::ImageInput;
use nicerouter_kling::raw::types;
use serde::{Deserialize, Serialize};

use crate::report::{Row, Section, Verdict, ratio_text};
use crate::server::{API_KEY, FixedServer};
use crate::{alloc, png, procfs, stats};

const MODEL: &str = "kling-v2-1";
const PROMPT: &str = "the flower opens slowly in the morning light";
/// The large image: just under Kling's 10 MB (10 MiB) limit.
pub const IMAGE_BYTES: usize = 10 * 1024 * 1024 - 4096;
const IMAGE_SIDE: u32 = 1800;
/// The warm-up image.
const WARMUP_BYTES: usize = 64 * 1024;

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Rounds; each runs every variant once, in a rotating order.
    pub rounds: usize,
    /// The large image's size in bytes.
    pub image_bytes: usize,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Self {
            rounds: 7,
            image_bytes: IMAGE_BYTES,
        }
    }

    /// The smoke run: the same image, one round.
    pub fn smoke() -> Self {
        Self {
            rounds: 1,
            image_bytes: IMAGE_BYTES,
        }
    }
}

const VARIANTS: [&str; 3] = ["wrapper", "raw", "baseline"];

/// What a child reports (one JSON line on stdout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildReport {
    /// `VmRSS` once warm, before the large submit.
    pub idle_rss: u64,
    /// `VmHWM` after the large submit.
    pub peak_rss: u64,
    /// Whether the peak could be reset after the warm-up (else it counts from the start).
    pub peak_reset: bool,
    /// Live heap bytes once warm.
    pub idle_heap: u64,
    /// The most heap bytes live during the large submit.
    pub peak_heap: u64,
    /// Seconds from "read the file" to "the create answered".
    pub seconds: f64,
}

/// Runs benchmark 2.
pub fn run(config: Config) -> Result<Section> {
    let server = FixedServer::start()?;
    let dir = tempfile::tempdir()?;
    let image = dir.path().join("large.png");
    let warmup = dir.path().join("warmup.png");
    png::write(&image, IMAGE_SIDE, IMAGE_SIDE, config.image_bytes)?;
    png::write(&warmup, 400, 400, WARMUP_BYTES)?;
    let payload = config.image_bytes.div_ceil(3) * 4;
    let exe = std::env::current_exe().context("locating this binary")?;
    let mut reports: [Vec<ChildReport>; 3] = Default::default();
    let mut bodies: [Vec<u64>; 3] = Default::default();
    eprintln!(
        "large-image: {} rounds × {} variants, a {:.1} MiB PNG ({:.1} MiB of base64)",
        config.rounds,
        VARIANTS.len(),
        config.image_bytes as f64 / 1048576.0,
        payload as f64 / 1048576.0
    );
    for round in 0..config.rounds {
        for k in 0..VARIANTS.len() {
            let v = (round + k) % VARIANTS.len();
            let output = Command::new(&exe)
                .args(["child-large-image", VARIANTS[v], &server.origin()])
                .arg(&image)
                .arg(&warmup)
                .output()
                .context("running a child")?;
            if !output.status.success() {
                bail!(
                    "the {} child failed: {}",
                    VARIANTS[v],
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout.lines().last().context("the child printed nothing")?;
            reports[v].push(serde_json::from_str(line).context("reading the child's report")?);
            bodies[v].push(server.body_sizes().last().copied().unwrap_or_default());
        }
    }
    for (v, sizes) in bodies.iter().enumerate() {
        for &size in sizes {
            ensure!(
                (payload as u64..payload as u64 + 400).contains(&size),
                "the {} variant sent a {size}-byte body for a {payload}-byte payload",
                VARIANTS[v]
            );
        }
    }
    Ok(section(config, payload, &reports, &bodies))
}

fn section(
    config: Config,
    payload: usize,
    reports: &[Vec<ChildReport>; 3],
    bodies: &[Vec<u64>; 3],
) -> Section {
    let above = |r: &[ChildReport]| -> f64 {
        let xs: Vec<f64> = r
            .iter()
            .map(|c| c.peak_rss.saturating_sub(c.idle_rss) as f64)
            .collect();
        stats::median(&xs)
    };
    let heap = |r: &[ChildReport]| -> f64 {
        let xs: Vec<f64> = r
            .iter()
            .map(|c| c.peak_heap.saturating_sub(c.idle_heap) as f64)
            .collect();
        stats::median(&xs)
    };
    let seconds = |r: &[ChildReport]| -> f64 {
        stats::median(&r.iter().map(|c| c.seconds).collect::<Vec<_>>())
    };
    let mib = |b: f64| format!("{:.1} MiB", b / 1048576.0);
    let ms = |s: f64| format!("{:.1} ms", s * 1e3);
    let payload_f = payload as f64;
    let [wrapper, raw, baseline] = reports;
    let wrapper_x = above(wrapper) / payload_f;
    let rows = vec![
        Row::new(
            "2. peak RSS above idle, 10 MB image submit (wrapper)",
            format!("{} ({wrapper_x:.2}× payload)", mib(above(wrapper))),
            format!("{} base64 payload", mib(payload_f)),
            Some(wrapper_x),
            "≤ 2.5× payload",
            Verdict::from_bool(wrapper_x <= 2.5),
        ),
        Row::new(
            "2. peak RSS above idle, 10 MB image submit (reqwest baseline)",
            format!(
                "{} ({:.2}× payload)",
                mib(above(baseline)),
                above(baseline) / payload_f
            ),
            format!("{} base64 payload", mib(payload_f)),
            Some(above(baseline) / payload_f),
            "",
            Verdict::Info,
        ),
        Row::new(
            "2. 10 MB image submit time (wrapper)",
            ms(seconds(wrapper)),
            ms(seconds(baseline)),
            Some(seconds(wrapper) / seconds(baseline)),
            "",
            Verdict::Info,
        ),
    ];
    let mut detail = String::new();
    let reset = reports.iter().flatten().all(|r| r.peak_reset);
    let _ = writeln!(
        detail,
        "An image-to-video create (`image` from a file, `model_name`, `prompt`, \
         `external_task_id`) with a {:.2} MiB PNG ({IMAGE_SIDE}×{IMAGE_SIDE} header, filler \
         after it), {:.2} MiB once base64-encoded (the payload). Each submit runs in a fresh \
         child process; the server (fixed answers, bodies counted and discarded) runs in the \
         parent. Idle = `VmRSS` after the runtime, the client and a warm-up submit of a 64 KiB \
         image; peak = `VmHWM` after the large submit{}. The heap columns come from a counting \
         global allocator in the child: exact live bytes, no page-level noise. {} rounds, the \
         variants in a rotating order; medians.\n",
        config.image_bytes as f64 / 1048576.0,
        payload_f / 1048576.0,
        if reset {
            ", the peak reset after the warm-up (`/proc/self/clear_refs`)"
        } else {
            " (the kernel refused to reset the peak: it counts from the start)"
        },
        config.rounds
    );
    let _ = writeln!(
        detail,
        "- **wrapper**: `client.image_to_video().image(ImageInput::path(p)).model(m).prompt(t).send()`.\n\
         - **raw**: read the file, base64 it, `Image2VideoRequest::builder()`, \
         `create_image2video().body(..).send()` (progenitor serialises with `.json()`).\n\
         - **baseline**: `std::fs::read`, `STANDARD.encode`, a `#[derive(Serialize)]` body of \
         `&str`s, reqwest `.json(&body)`.\n"
    );
    let _ = writeln!(
        detail,
        "| variant | RSS peak − idle | × payload | heap peak − idle | × payload | time | time vs baseline | body sent |"
    );
    let _ = writeln!(detail, "|---|---|---|---|---|---|---|---|");
    for (v, r) in reports.iter().enumerate() {
        let body = bodies[v].first().copied().unwrap_or_default();
        let _ = writeln!(
            detail,
            "| {} | {} | {:.2}× | {} | {:.2}× | {} | {} | {body} B |",
            VARIANTS[v],
            mib(above(r)),
            above(r) / payload_f,
            mib(heap(r)),
            heap(r) / payload_f,
            ms(seconds(r)),
            ratio_text(Some(seconds(r) / seconds(baseline))),
        );
    }
    let _ = writeln!(
        detail,
        "\nRaw generated client: {} above idle ({:.2}× payload).",
        mib(above(raw)),
        above(raw) / payload_f
    );
    Section {
        title: "2. Large image submit".into(),
        rows,
        detail,
    }
}

/// The child: one variant's warm-up and large submit, then its report on stdout.
pub fn child(variant: &str, origin: &str, image: &Path, warmup: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let submitter = Submitter::new(variant, origin)?;
        submitter.submit(warmup.to_path_buf()).await?;
        let idle_rss = procfs::memory()?.rss;
        let peak_reset = procfs::reset_peak().is_ok();
        let idle_heap = alloc::live_bytes() as u64;
        alloc::reset_peak();
        let started = Instant::now();
        submitter.submit(image.to_path_buf()).await?;
        let seconds = started.elapsed().as_secs_f64();
        let peak_heap = alloc::peak_bytes() as u64;
        let peak_rss = procfs::memory()?.peak;
        anyhow::Ok(ChildReport {
            idle_rss,
            peak_rss,
            peak_reset,
            idle_heap,
            peak_heap,
            seconds,
        })
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// One variant's way of submitting an image file.
enum Submitter {
    Wrapper(Client),
    Raw(nicerouter_kling::raw::Client),
    Baseline { http: reqwest::Client, url: String },
}

/// The hand-written body.
#[derive(Serialize)]
struct Body<'a> {
    model_name: &'a str,
    image: &'a str,
    prompt: &'a str,
    external_task_id: &'a str,
}

/// The hand-written answer.
#[derive(Deserialize)]
struct Created {
    code: i64,
}

impl Submitter {
    fn new(variant: &str, origin: &str) -> Result<Self> {
        let base = format!("{origin}/kling");
        Ok(match variant {
            "wrapper" => Submitter::Wrapper(
                Client::builder()
                    .api_key(API_KEY)
                    .base_url(origin)
                    .build()?,
            ),
            "raw" => Submitter::Raw(nicerouter_kling::raw::Client::new_with_client(
                &base,
                reqwest::Client::new(),
                nicerouter_kling::raw::Inner::new(nicerouter_kling::raw::Auth::bearer(API_KEY)),
            )),
            "baseline" => Submitter::Baseline {
                http: reqwest::Client::new(),
                url: format!("{base}/v1/videos/image2video"),
            },
            other => bail!("unknown variant `{other}`"),
        })
    }

    async fn submit(&self, path: PathBuf) -> Result<()> {
        static SUBMITS: AtomicU64 = AtomicU64::new(0);
        let external = format!(
            "bench-{}-{}",
            std::process::id(),
            SUBMITS.fetch_add(1, Ordering::Relaxed)
        );
        match self {
            Submitter::Wrapper(client) => {
                client
                    .image_to_video()
                    .image(ImageInput::path(path))
                    .model(MODEL)
                    .prompt(PROMPT)
                    .send()
                    .await?;
            }
            Submitter::Raw(raw) => {
                let image = STANDARD.encode(std::fs::read(&path)?);
                let body = types::Image2VideoRequest::builder()
                    .model_name(Some(MODEL.to_owned()))
                    .image(types::MediaRef::try_from(image)?)
                    .prompt(Some(types::OptionalPrompt::try_from(PROMPT)?))
                    .external_task_id(Some(types::ExternalTaskId::from(external)));
                let created = raw.create_image2video().body(body).send().await?;
                ensure!(created.code == 0, "code {}", created.code);
            }
            Submitter::Baseline { http, url } => {
                let image = STANDARD.encode(std::fs::read(&path)?);
                let created: Created = http
                    .post(url)
                    .bearer_auth(API_KEY)
                    .json(&Body {
                        model_name: MODEL,
                        image: &image,
                        prompt: PROMPT,
                        external_task_id: &external,
                    })
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                ensure!(created.code == 0, "code {}", created.code);
            }
        }
        Ok(())
    }
}
