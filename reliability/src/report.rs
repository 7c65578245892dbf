//! `RELIABILITY.md`, rendered from the figures files.

use std::fmt::Write as _;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::{BoundsTable, CorpusSummary, FaultTable, FuzzSummary, MixedSummary, SecretsSummary};

/// The command that regenerates the figures and the report.
pub const REGENERATE: &str = "cargo test -p nicerouter-kling-reliability && cargo test -p nicerouter-kling-cli --test 'reliability_*' && cargo run -p nicerouter-kling-reliability --bin reliability-report";

/// What the suite found when it was written, and what it cannot show (kept with the code that
/// renders the figures, so that the report always says it).
const FINDINGS: &str = r#"
## What the suite found

* **A short body saved as a complete file.** A media host that sends half a file with a
  matching `Content-Length` (or none) left a partial video or image under its final name; the
  mixed runs caught it. Downloads now check that the file ends where its own format says (PNG
  `IEND`, JPEG end-of-image marker, MP4 box sizes) and retry otherwise
  (`wrapper/src/download.rs`, `truncation`).
* **A panic on a huge max wait.** `wait(&client, Duration::MAX)` (and so `kling task wait
  --max-wait 18446744073709551615`) panicked adding the max wait to the start instant. The
  deadline now saturates (`wrapper/src/wait.rs`, `deadline_after`); a retry delay past the
  clock's range counts as past the deadline (`wrapper/src/retry.rs`); `PollPolicy::max_polls`
  counts a long schedule instead of walking it.
* The double-create checks were proved by mutation: with a timed-out create treated as "not
  created", the runs for faults 1 and 2 fail with 2 tasks for one request. Every run uses a
  server that does not de-duplicate `external_task_id`, so the server never hides a client
  that pays twice.

## What it does not show

* A process killed with SIGKILL *during a download* can leave a hidden `.nrk-download-*.part`
  file in the output directory (the final name never holds a partial file); a dropped download
  future (tested above) removes it.
* The simulated server is not Kling: whether Kling itself rejects a reused `external_task_id`
  is not shown here, and the client does not rely on it.
"#;

/// Why the report could not be rendered.
#[derive(Debug)]
pub struct MissingFigures(pub Vec<String>);

impl std::fmt::Display for MissingFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "missing or unreadable figures: {}; run the suite first: {REGENERATE}",
            self.0.join(", ")
        )
    }
}

impl std::error::Error for MissingFigures {}

fn read<T: DeserializeOwned>(dir: &Path, name: &str, missing: &mut Vec<String>) -> Option<T> {
    let path = dir.join(format!("{name}.json"));
    let parsed = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if parsed.is_none() {
        missing.push(name.to_owned());
    }
    parsed
}

/// Every `<prefix>*.json` (one per CLI test that searched for secrets), by file name.
fn read_all_secrets(
    dir: &Path,
    prefix: &str,
    missing: &mut Vec<String>,
) -> Option<Vec<SecretsSummary>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| {
            n.strip_prefix(prefix)?
                .strip_suffix(".json")
                .map(|s| format!("{prefix}{s}"))
        })
        .collect();
    names.sort();
    if names.is_empty() {
        missing.push(format!("{prefix}*"));
        return None;
    }
    names.iter().map(|n| read(dir, n, missing)).collect()
}

fn yes(pass: bool) -> &'static str {
    if pass { "yes" } else { "**no**" }
}

/// Markdown table cells may not hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report from the figures in `dir`.
pub fn render(dir: &Path) -> Result<String, MissingFigures> {
    let mut missing = Vec::new();
    let faults_wrapper: Option<FaultTable> = read(dir, "faults-wrapper", &mut missing);
    let faults_cli: Option<FaultTable> = read(dir, "faults-cli", &mut missing);
    let mixed_wrapper: Option<MixedSummary> = read(dir, "mixed-wrapper", &mut missing);
    let mixed_cli: Option<MixedSummary> = read(dir, "mixed-cli", &mut missing);
    let corpus_wrapper: Option<CorpusSummary> = read(dir, "corpus-wrapper", &mut missing);
    let corpus_cli: Option<CorpusSummary> = read(dir, "corpus-cli", &mut missing);
    let fuzz: Option<FuzzSummary> = read(dir, "fuzz", &mut missing);
    let secrets_wrapper: Option<SecretsSummary> = read(dir, "secrets-wrapper", &mut missing);
    let secrets_cli = read_all_secrets(dir, "secrets-cli-", &mut missing);
    let bounds: Option<BoundsTable> = read(dir, "bounds", &mut missing);
    let (
        Some(faults_wrapper),
        Some(faults_cli),
        Some(mixed_wrapper),
        Some(mixed_cli),
        Some(corpus_wrapper),
        Some(corpus_cli),
        Some(fuzz),
        Some(secrets_wrapper),
        Some(secrets_cli),
        Some(bounds),
    ) = (
        faults_wrapper,
        faults_cli,
        mixed_wrapper,
        mixed_cli,
        corpus_wrapper,
        corpus_cli,
        fuzz,
        secrets_wrapper,
        secrets_cli,
        bounds,
    )
    else {
        return Err(MissingFigures(missing));
    };

    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Reliability\n");
    let _ = writeln!(
        w,
        "Kling bills per task. The worst a client can do is pay twice for one request or lose \
         track of a task it paid for; next come hanging forever, crashing on an unexpected \
         answer, and printing the user's key. This report shows, with figures from a real run \
         of the reliability suite, that each is caught by a test.\n"
    );
    let _ = writeln!(
        w,
        "Generated by `reliability-report` from the figures the tests write to \
         `target/reliability/`; do not edit by hand. Regenerate with:\n\n```sh\n{REGENERATE}\n```\n"
    );
    let _ = writeln!(
        w,
        "Every run below starts its own simulated server (`nicerouter-kling-mock`) and judges \
         the run from that server's journal and task store and from the files on disk:\n\n\
         * **tasks created per logical request** is at most 1 — exactly 1 when the caller holds \
         a handle, 0 when it was told \"not created\" — and no task exists that nobody asked for;\n\
         * every request ends in a **definite outcome within its max wait** (plus one request \
         timeout on a real clock), and nothing hangs (a 20 s guard);\n\
         * **no partial or temporary file** is left; every saved file has exactly the server's \
         bytes and a sidecar;\n\
         * **the outcome reported matches what happened** on the server (task id, success, \
         failure), and matches the outcome the fault calls for.\n"
    );
    for table in [&faults_wrapper, &faults_cli] {
        let title = if table.via == "cli" {
            "Faults through the CLI (`kling`)"
        } else {
            "Faults through the wrapper (create, wait, download)"
        };
        let _ = writeln!(w, "## {title}\n");
        let _ = writeln!(
            w,
            "| fault | requests seen | tasks created | outcome | pass |\n|---|---:|---:|---|---|"
        );
        for r in &table.rows {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                cell(&r.fault),
                r.requests,
                r.tasks,
                cell(&r.outcome),
                yes(r.pass)
            );
        }
        let passed = table.rows.iter().filter(|r| r.pass).count();
        let _ = writeln!(
            w,
            "\n{passed} of {} runs passed; at most {} task(s) per logical request.\n",
            table.rows.len(),
            table
                .rows
                .iter()
                .map(|r| r.max_tasks_per_request)
                .max()
                .unwrap_or(0)
        );
    }
    let _ = writeln!(w, "## Faults mixed at random\n");
    let _ = writeln!(
        w,
        "| via | seed | runs | logical requests | faults injected | requests seen | tasks created | max tasks per request | failed runs |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for m in [&mixed_wrapper, &mixed_cli] {
        let _ = writeln!(
            w,
            "| {} | {:#x} | {} | {} | {} | {} | {} | {} | {} |",
            m.via,
            m.seed,
            m.runs,
            m.logical_requests,
            m.faults_injected,
            m.requests,
            m.tasks,
            m.max_tasks_per_request,
            m.failed_runs
        );
    }
    for m in [&mixed_wrapper, &mixed_cli] {
        let outcomes: Vec<String> = m
            .outcomes
            .iter()
            .map(|(o, n)| format!("{} × {n}", cell(o)))
            .collect();
        let _ = writeln!(w, "\nOutcomes ({}): {}.", m.via, outcomes.join("; "));
    }
    let _ = writeln!(w, "\n## Bad inputs\n");
    let _ = writeln!(
        w,
        "| via | bad inputs tried | rejected naming the field | requests the server saw | per kind |\n|---|---:|---:|---:|---|"
    );
    for c in [&corpus_wrapper, &corpus_cli] {
        let per_kind: Vec<String> = c.per_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            c.via,
            c.cases,
            c.named_the_field,
            c.requests,
            per_kind.join(", ")
        );
    }
    let total_cases: u64 = fuzz.targets.iter().map(|(_, n)| n).sum();
    let _ = writeln!(w, "\n## Fuzzing\n");
    let _ = writeln!(
        w,
        "{total_cases} generated cases (proptest, bounded for CI) over the response decoders and \
         the callback parser, {} panics:\n",
        fuzz.panics
    );
    let _ = writeln!(w, "| target | cases |\n|---|---:|");
    for (target, n) in &fuzz.targets {
        let _ = writeln!(w, "| `{target}` | {n} |");
    }
    let _ = writeln!(
        w,
        "\nTo fuzz for longer: `PROPTEST_CASES=100000 cargo test -p nicerouter-kling-reliability \
         --test fuzz`, or with libFuzzer (coverage-guided, runs until stopped): `cargo install \
         cargo-fuzz` then, in `fuzz/`, `cargo +nightly fuzz run <target>` with a target from \
         `cargo +nightly fuzz list` (see `fuzz/README.md`).\n"
    );
    let _ = writeln!(w, "## Secrets\n");
    let _ = writeln!(
        w,
        "| via | runs | bytes searched | secrets searched for | appearances |\n|---|---:|---:|---|---:|"
    );
    for s in std::iter::once(&secrets_wrapper).chain(&secrets_cli) {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            s.via,
            s.runs,
            s.bytes_searched,
            s.secrets.join(", "),
            s.leaks
        );
    }
    let _ = writeln!(w, "\n## Resource bounds\n");
    let _ = writeln!(w, "| check | measured | pass |\n|---|---|---|");
    for r in &bounds.rows {
        let _ = writeln!(
            w,
            "| {} | {} | {} |",
            cell(&r.check),
            cell(&r.measured),
            yes(r.pass)
        );
    }
    w.push_str(FINDINGS);
    Ok(md)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{BoundsRow, FaultRow};

    fn put<T: serde::Serialize>(dir: &Path, name: &str, value: &T) {
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_vec(value).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn missing_figures_are_named_and_present_ones_rendered() {
        let dir = tempfile_dir();
        let missing = render(&dir).unwrap_err().to_string();
        assert!(missing.contains("faults-wrapper") && missing.contains("secrets-cli-*"));
        let row = FaultRow {
            fault: "1. dropped | answer".into(),
            requests: 4,
            logical_requests: 1,
            tasks: 1,
            max_tasks_per_request: 1,
            outcome: "succeeded".into(),
            expected: "succeeded".into(),
            pass: true,
            problems: vec![],
        };
        for via in ["wrapper", "cli"] {
            let table = FaultTable {
                via: via.into(),
                rows: vec![row.clone()],
            };
            put(&dir, &format!("faults-{via}"), &table);
            let mixed = MixedSummary {
                via: via.into(),
                seed: 255,
                runs: 1,
                logical_requests: 1,
                faults_injected: 2,
                requests: 3,
                tasks: 1,
                max_tasks_per_request: 1,
                outcomes: vec![("succeeded".into(), 1)],
                failed_runs: 0,
            };
            put(&dir, &format!("mixed-{via}"), &mixed);
            let corpus = CorpusSummary {
                via: via.into(),
                cases: 41,
                per_kind: vec![("text2video".into(), 41)],
                named_the_field: 41,
                requests: 0,
            };
            put(&dir, &format!("corpus-{via}"), &corpus);
        }
        let secrets = SecretsSummary {
            via: "x".into(),
            runs: 1,
            bytes_searched: 10,
            secrets: vec!["bearer key".into()],
            leaks: 0,
        };
        put(&dir, "secrets-wrapper", &secrets);
        put(&dir, "secrets-cli-a", &secrets);
        put(&dir, "secrets-cli-b", &secrets);
        put(
            &dir,
            "fuzz",
            &FuzzSummary {
                targets: vec![("callback".into(), 7)],
                panics: 0,
            },
        );
        put(
            &dir,
            "bounds",
            &BoundsTable {
                rows: vec![BoundsRow {
                    check: "c".into(),
                    measured: "m".into(),
                    pass: false,
                }],
            },
        );
        let md = render(&dir).unwrap();
        assert!(
            md.contains("| 1. dropped \\| answer | 4 | 1 | succeeded | yes |"),
            "{md}"
        );
        assert!(md.contains("| wrapper | 0xff | 1 |"), "{md}");
        assert!(md.contains("7 generated cases"), "{md}");
        assert_eq!(
            md.matches("| x | 1 | 10 |").count(),
            3,
            "every secrets file"
        );
        assert!(md.contains("| c | m | **no** |"), "{md}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nrk-report-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
