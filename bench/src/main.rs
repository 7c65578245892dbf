//! `nicerouter-kling-bench`: the performance benchmarks of the SDK, each side by side with a
//! hand-written reqwest + serde_json baseline in the same run. `cargo xtask bench` runs them all
//! and writes `BENCHMARKS.md`; `cargo xtask bench --smoke` runs tiny versions (CI).
//!
//! 1. `overhead`: per-request latency and throughput of create + get.
//! 2. `large-image`: peak RSS and time of a 10 MB image submit.
//! 3. `many-waits`: 10,000 concurrent waits: memory per wait, polls, CPU, request rate.
//! 4. `polling`: polls and detection lag of the poll policy against a fixed 5 s poller.
//! 5. `build-cost`: cold build and rebuild after a spec edit, against checked-in code.

mod alloc;
mod build_cost;
mod by_hand;
mod large_image;
mod many_waits;
mod overhead;
mod png;
mod polling;
mod procfs;
mod proxy;
mod report;
mod server;
mod stats;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use report::Section;

/// The hand-written findings appended to the full report, relative to the workspace root.
const FINDINGS: &str = "bench/FINDINGS.md";

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Benchmarks of nicerouter-kling against hand-written reqwest + serde_json baselines.
#[derive(Debug, Parser)]
#[command(name = "nicerouter-kling-bench", version, about)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Every benchmark, then the Markdown report.
    All {
        /// Tiny iteration counts and no build-cost benchmark (CI: the benches must not rot).
        #[arg(long)]
        smoke: bool,
        /// Where to write the report (default: stdout).
        #[arg(long)]
        output: Option<PathBuf>,
        /// The workspace to measure the build cost of (default: this crate's workspace).
        #[arg(long)]
        root: Option<PathBuf>,
        /// The cargo to build with (default: `$CARGO`, else `cargo`).
        #[arg(long)]
        cargo: Option<String>,
        /// How the report says to reproduce it.
        #[arg(long, default_value = "cargo xtask bench")]
        command: String,
    },
    /// 1. Per-request overhead.
    Overhead {
        /// Tiny iteration counts.
        #[arg(long)]
        smoke: bool,
    },
    /// 2. Large image submit.
    LargeImage {
        /// One round.
        #[arg(long)]
        smoke: bool,
    },
    /// 3. Many concurrent waits.
    ManyWaits {
        /// 300 tasks instead of 10,000.
        #[arg(long)]
        smoke: bool,
    },
    /// 4. Polling efficiency (simulated).
    Polling {
        /// Fewer simulated tasks.
        #[arg(long)]
        smoke: bool,
    },
    /// 5. Build cost (minutes).
    BuildCost {
        /// The workspace (default: this crate's workspace).
        #[arg(long)]
        root: Option<PathBuf>,
        /// The cargo to build with (default: `$CARGO`, else `cargo`).
        #[arg(long)]
        cargo: Option<String>,
    },
    /// Runs one variant of benchmark 1 alone, for a profiler (`valgrind --tool=callgrind`).
    ProfileOverhead {
        /// `wrapper`, `raw`, `baseline` or `minimal`.
        variant: String,
        /// Sequential create + get operations.
        #[arg(default_value_t = 2000)]
        ops: u64,
    },
    /// Benchmark 2's child process (internal).
    #[command(hide = true)]
    ChildLargeImage {
        variant: String,
        origin: String,
        image: PathBuf,
        warmup: PathBuf,
    },
    /// Benchmark 3's child process (internal).
    #[command(hide = true)]
    ChildManyWaits {
        variant: String,
        mock: String,
        proxy: String,
        config: String,
    },
}

fn main() -> Result<()> {
    match Args::parse().command {
        Cmd::All {
            smoke,
            output,
            root,
            cargo,
            command,
        } => {
            let mut sections = vec![
                overhead::run(pick(
                    smoke,
                    overhead::Config::smoke(),
                    overhead::Config::full(),
                ))?,
                large_image::run(pick(
                    smoke,
                    large_image::Config::smoke(),
                    large_image::Config::full(),
                ))?,
                many_waits::run(pick(
                    smoke,
                    many_waits::Config::smoke(),
                    many_waits::Config::full(),
                ))?,
                polling::run(pick(
                    smoke,
                    polling::Config::smoke(),
                    polling::Config::full(),
                )),
            ];
            let root = workspace(root);
            if !smoke {
                sections.push(build_cost::run(&root, &cargo_program(cargo))?);
            }
            let mut markdown =
                report::markdown(&report::Machine::detect(), &sections, smoke, &command);
            // The analysis of the figures (causes of missed targets, fixes), written by hand
            // beside the code and read when the report is assembled.
            if !smoke && let Ok(findings) = std::fs::read_to_string(root.join(FINDINGS)) {
                markdown.push('\n');
                markdown.push_str(findings.trim_end());
                markdown.push('\n');
            }
            match output {
                Some(path) => {
                    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&path, &markdown)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => print!("{markdown}"),
            }
            summarise(&sections);
        }
        Cmd::Overhead { smoke } => one(overhead::run(pick(
            smoke,
            overhead::Config::smoke(),
            overhead::Config::full(),
        ))?),
        Cmd::LargeImage { smoke } => one(large_image::run(pick(
            smoke,
            large_image::Config::smoke(),
            large_image::Config::full(),
        ))?),
        Cmd::ManyWaits { smoke } => one(many_waits::run(pick(
            smoke,
            many_waits::Config::smoke(),
            many_waits::Config::full(),
        ))?),
        Cmd::Polling { smoke } => one(polling::run(pick(
            smoke,
            polling::Config::smoke(),
            polling::Config::full(),
        ))),
        Cmd::BuildCost { root, cargo } => {
            one(build_cost::run(&workspace(root), &cargo_program(cargo))?)
        }
        Cmd::ProfileOverhead { variant, ops } => overhead::profile(&variant, ops)?,
        Cmd::ChildLargeImage {
            variant,
            origin,
            image,
            warmup,
        } => large_image::child(&variant, &origin, &image, &warmup)?,
        Cmd::ChildManyWaits {
            variant,
            mock,
            proxy,
            config,
        } => many_waits::child(&variant, &mock, &proxy, &config)?,
    }
    Ok(())
}

fn pick<T>(smoke: bool, small: T, full: T) -> T {
    if smoke { small } else { full }
}

/// Prints one benchmark's section as Markdown.
fn one(section: Section) {
    let machine = report::Machine::detect();
    print!(
        "{}",
        report::markdown(
            &machine,
            std::slice::from_ref(&section),
            false,
            "nicerouter-kling-bench"
        )
    );
}

/// The table's rows on stderr, for whoever runs the benches in a terminal.
fn summarise(sections: &[Section]) {
    for row in sections.iter().flat_map(|s| &s.rows) {
        eprintln!(
            "{:<70} {:>24} vs {:<40} {:>7}  {}",
            row.figure,
            row.ours,
            row.baseline,
            report::ratio_text(row.ratio),
            row.target
        );
    }
}

/// The workspace root: given, or the parent of this crate's directory.
fn workspace(root: Option<PathBuf>) -> PathBuf {
    root.unwrap_or_else(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        manifest.parent().unwrap_or(manifest).to_path_buf()
    })
}

fn cargo_program(cargo: Option<String>) -> String {
    cargo
        .or_else(|| std::env::var("CARGO").ok())
        .unwrap_or_else(|| "cargo".to_owned())
}
