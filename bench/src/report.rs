//! The results: one row per figure (ours, the baseline, their ratio, the target, whether it is
//! met), sections with detail, the machine, and their Markdown.

use std::fmt::Write as _;
use std::process::Command;

/// Whether a figure meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target is met.
    Pass,
    /// The target is missed.
    Miss,
    /// No target: the figure is context.
    Info,
}

impl Verdict {
    /// `Pass` when `ok`, else `Miss`.
    pub fn from_bool(ok: bool) -> Self {
        if ok { Verdict::Pass } else { Verdict::Miss }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Miss => "**MISS**",
            Verdict::Info => "—",
        }
    }
}

/// One figure of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What is measured, with its benchmark number.
    pub figure: String,
    /// Our value, with its unit.
    pub ours: String,
    /// The baseline's value, with its unit (or what it is compared with).
    pub baseline: String,
    /// `ours / baseline`, when it means something.
    pub ratio: Option<f64>,
    /// The target, in words.
    pub target: String,
    /// Whether the target is met.
    pub verdict: Verdict,
}

impl Row {
    /// A row.
    pub fn new(
        figure: impl Into<String>,
        ours: impl Into<String>,
        baseline: impl Into<String>,
        ratio: Option<f64>,
        target: impl Into<String>,
        verdict: Verdict,
    ) -> Self {
        Self {
            figure: figure.into(),
            ours: ours.into(),
            baseline: baseline.into(),
            ratio,
            target: target.into(),
            verdict,
        }
    }
}

/// A benchmark's rows and its detail (Markdown).
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// The table rows it contributes.
    pub rows: Vec<Row>,
    /// Markdown under the heading: method, series, curves, notes.
    pub detail: String,
}

/// The machine the figures were measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs available.
    pub cpus: usize,
    /// The CPU model from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Total memory from `/proc/meminfo`.
    pub memory: String,
    /// `rustc -V`.
    pub rustc: String,
    /// The kernel release.
    pub kernel: String,
    /// `git describe` of the measured tree.
    pub commit: String,
}

impl Machine {
    /// Reads the machine's description (unknown parts say so).
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
        Self {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            memory,
            rustc: command_line(&rustc, &["-V"]),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned()),
            commit: command_line("git", &["describe", "--always", "--dirty"]),
        }
    }
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

/// Formats a ratio as `1.03×`.
pub fn ratio_text(ratio: Option<f64>) -> String {
    match ratio {
        Some(r) if r.is_finite() => format!("{r:.2}×"),
        _ => "—".to_owned(),
    }
}

/// The whole report as Markdown.
pub fn markdown(machine: &Machine, sections: &[Section], smoke: bool, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    if smoke {
        let _ = writeln!(
            out,
            "> **Smoke run**: tiny iteration counts, no build-cost benchmark. It proves the \
             benchmarks still run; its figures are not measurements. The real figures are in \
             `BENCHMARKS.md`, written by `cargo xtask bench`.\n"
        );
    }
    let _ = writeln!(
        out,
        "Reproduce with one command: `{command}` (writes this file). Every comparison is made \
         side by side in one run, the variants interleaved round by round so that drift and \
         noise hit them alike; the ratios are the figures to read, the absolute values are this \
         machine's.\n"
    );
    let _ = writeln!(out, "## Machine\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| CPUs | {} × {} |", machine.cpus, machine.cpu_model);
    let _ = writeln!(out, "| memory | {} |", machine.memory);
    let _ = writeln!(out, "| kernel | Linux {} |", machine.kernel);
    let _ = writeln!(out, "| compiler | {} |", machine.rustc);
    let _ = writeln!(out, "| tree | `{}` |", machine.commit);
    let _ = writeln!(out, "\n## Summary\n");
    let _ = writeln!(out, "| figure | ours | baseline | ratio | target | pass |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for row in sections.iter().flat_map(|s| &s.rows) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.figure,
            row.ours,
            row.baseline,
            ratio_text(row.ratio),
            row.target,
            row.verdict.word()
        );
    }
    for section in sections {
        let _ = writeln!(out, "\n## {}\n", section.title);
        out.push_str(section.detail.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_row_and_section() {
        let machine = Machine {
            cpus: 2,
            cpu_model: "Test CPU".into(),
            memory: "1.0 GiB".into(),
            rustc: "rustc 1.0".into(),
            kernel: "6.0".into(),
            commit: "abc123".into(),
        };
        let sections = vec![Section {
            title: "1. Overhead".into(),
            rows: vec![
                Row::new(
                    "latency",
                    "10 µs",
                    "9 µs",
                    Some(1.111),
                    "≤ 1.05×",
                    Verdict::Miss,
                ),
                Row::new("polls", "3", "—", None, "", Verdict::Info),
            ],
            detail: "Method.\n".into(),
        }];
        let md = markdown(&machine, &sections, false, "cargo xtask bench");
        assert!(
            md.contains("| latency | 10 µs | 9 µs | 1.11× | ≤ 1.05× | **MISS** |"),
            "{md}"
        );
        assert!(md.contains("| polls | 3 | — | — |  | — |"), "{md}");
        assert!(md.contains("## 1. Overhead\n\nMethod.\n"), "{md}");
        assert!(md.contains("2 × Test CPU"));
        assert!(!md.contains("Smoke run"));
        assert!(markdown(&machine, &sections, true, "x").contains("Smoke run"));
    }
}
