//! The fault suite through the `kling` binary (issue 6): `video text2video --output DIR`
//! (create, wait, download) against the simulated relay under each fault, alone and mixed at
//! random with a fixed seed, with the default client settings a user gets. Every run is judged
//! from the server's journal and task store and from the files on disk: at most one task per
//! run and exactly the one the tool reports, an exit within bounds with the outcome the fault
//! calls for, no partial file, and no key or JWT in anything printed (every run has `-v`).
//! The figures go to `target/reliability/` for RELIABILITY.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nicerouter_kling_mock::{DuplicatePolicy, Fault, Match, MockServer, Timing, media};
use serde_json::{Value, json};
use support::{ACCESS_KEY, API_KEY, SECRET_KEY, Server};

/// Longer than any run may take: a run still going then is a hang.
const HANG_GUARD: Duration = Duration::from_secs(45);

/// A server that creates a second task for a reused `external_task_id`, so that a double
/// create always shows as two tasks.
fn server(timing: Timing) -> Server {
    Server::with(|b| {
        b.timing(timing)
            .duplicate_external_ids(DuplicatePolicy::Allow)
    })
}

const QUICK: Timing = Timing::Polls {
    processing_after: 0,
    done_after: 1,
};

/// One run of the binary.
#[derive(Debug)]
struct Exec {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Exec {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or(Value::Null)
    }
}

fn exec(cmd: &mut assert_cmd::Command) -> Exec {
    let started = Instant::now();
    cmd.timeout(HANG_GUARD);
    let output = cmd.output().unwrap();
    Exec {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Which service the binary talks to.
#[derive(Debug, Clone, Copy)]
enum Via {
    Relay,
    Official,
}

fn kling(server: &Server, via: Via) -> assert_cmd::Command {
    let mut cmd = match via {
        Via::Relay => server.kling(),
        Via::Official => server.official(),
    };
    cmd.args(["-v", "--json"]);
    cmd
}

/// Bytes searched and secrets found in everything a run printed.
fn secrets_in(text: &str) -> Vec<&'static str> {
    [
        ("bearer key", API_KEY),
        ("secret key", SECRET_KEY),
        ("access key", ACCESS_KEY),
        ("JWT", "eyJ"),
    ]
    .into_iter()
    .filter(|(_, s)| text.contains(s))
    .map(|(name, _)| name)
    .collect()
}

/// What a run of `video text2video --output` told, in a short stable form.
fn label(run: &Exec) -> String {
    let doc = run.json();
    match run.code {
        None => "HUNG (killed)".to_owned(),
        Some(0) => format!(
            "exit 0: succeeded, {} file(s) saved",
            doc["files"].as_array().map_or(0, Vec::len)
        ),
        Some(code) => {
            let error = &doc["error"];
            let mut text = format!("exit {code}: {}", error["kind"].as_str().unwrap_or("?"));
            if let Some(c) = error.get("code") {
                text.push_str(&format!(" (code {c})"));
            }
            text
        }
    }
}

/// The checks; returns the problems.
fn check(server: &MockServer, run: &Exec, dir: &Path, max_wait: Duration) -> Vec<String> {
    let mut problems = Vec::new();
    let tasks = server.created_tasks();
    let doc = run.json();
    if run.code.is_none() {
        problems.push(format!("no exit within {HANG_GUARD:?} (hang)"));
    }
    if run.elapsed > max_wait + Duration::from_secs(20) {
        problems.push(format!(
            "took {:?} for a {max_wait:?} max wait",
            run.elapsed
        ));
    }
    if doc.is_null() {
        problems.push(format!("stdout is not one JSON document: {}", run.stdout));
    }
    if tasks.len() > 1 {
        problems.push(format!(
            "{} tasks created for one request (paid twice)",
            tasks.len()
        ));
    }
    let reported = doc["task_id"]
        .as_str()
        .or_else(|| doc["error"]["task_id"].as_str());
    let reported_ext = doc["external_task_id"]
        .as_str()
        .or_else(|| doc["error"]["external_task_id"].as_str());
    match (tasks.first(), reported) {
        (Some(task), Some(id)) if task.task_id != id => {
            problems.push(format!(
                "reported task {id}, the server created {}",
                task.task_id
            ));
        }
        (Some(task), None)
            if reported_ext != task.external_task_id.as_deref() || reported_ext.is_none() =>
        {
            problems.push(format!(
                "the server created {} but the tool reported neither it nor its external id (lost track): {doc}",
                task.task_id
            ));
        }
        (None, Some(id)) => problems.push(format!("reported task {id} that does not exist")),
        _ => {}
    }
    if run.code == Some(0) {
        let done = tasks
            .first()
            .is_some_and(|t| t.status == nicerouter_kling_mock::Status::Succeed);
        if !done {
            problems.push("exit 0 but the server's task did not succeed".into());
        }
        let files = doc["files"].as_array().map_or(0, Vec::len);
        if tasks.first().is_some_and(|t| t.results != files) {
            problems.push(format!(
                "exit 0 with {files} file(s) of {} results",
                tasks[0].results
            ));
        }
    }
    problems.extend(check_files(dir, &tasks));
    let leaked = secrets_in(&format!("{}{}", run.stdout, run.stderr));
    if !leaked.is_empty() {
        problems.push(format!("printed: {leaked:?}"));
    }
    problems
}

/// No temporary or partial file; every result file has exactly the server's bytes.
fn check_files(dir: &Path, tasks: &[nicerouter_kling_mock::MockTask]) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return problems;
    };
    for entry in entries.map(Result::unwrap) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".part") {
            problems.push(format!("temporary file left behind: {name}"));
            continue;
        }
        if name.ends_with(".json") {
            continue;
        }
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let found = stem.rsplit_once('-').and_then(|(id, index)| {
            let task = tasks.iter().find(|t| t.task_id == id)?;
            Some((task, index.parse::<usize>().ok()?))
        });
        let Some((task, index)) = found else {
            problems.push(format!("file {name} of no task"));
            continue;
        };
        let expected = media::result(task, index, task.media, None);
        let got = std::fs::read(entry.path()).unwrap();
        if got != expected {
            problems.push(format!(
                "{name}: {} bytes, expected {} (partial or corrupt)",
                got.len(),
                expected.len()
            ));
        }
    }
    problems
}

/// The row of a fault table (`FaultRow` of `nicerouter-kling-reliability`).
fn row(
    fault: &str,
    expected: &str,
    server: &MockServer,
    outcome: &str,
    mut problems: Vec<String>,
) -> Value {
    if !outcome.starts_with(expected) {
        problems.push(format!("expected \"{expected}…\", got \"{outcome}\""));
    }
    json!({
        "fault": fault,
        "requests": server.journal().len(),
        "logical_requests": 1,
        "tasks": server.tasks_created(),
        "max_tasks_per_request": server.tasks_created(),
        "outcome": outcome,
        "expected": expected,
        "pass": problems.is_empty(),
        "problems": problems,
    })
}

/// Writes a figures file (see `nicerouter_kling_reliability::figures_dir`).
fn write_figures(name: &str, value: &Value) {
    // The crate directory as cargo gives it at run time (a shared build may come from
    // another checkout).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap();
    let workspace = Path::new(&manifest).parent().unwrap();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => dir.into(),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("reliability");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(value).unwrap(),
    )
    .unwrap();
}

/// One fault scenario run through `kling video text2video --output DIR`.
struct Scenario {
    fault: &'static str,
    expected: &'static str,
    timing: Timing,
    via: Via,
    /// Global options before the command (for example `--timeout`).
    options: &'static [&'static str],
    setup: fn(&MockServer),
}

fn rate(code: u32, retry_after: Option<u32>) -> Fault {
    Fault::RateLimited { code, retry_after }
}

fn scenarios() -> Vec<Scenario> {
    let s = |fault, expected, setup| Scenario {
        fault,
        expected,
        timing: QUICK,
        via: Via::Relay,
        options: &[],
        setup,
    };
    vec![
        s(
            "1. create answer dropped after the task was created",
            "exit 0",
            |m| {
                m.faults().once(Match::creates(), Fault::DropAfterCreate);
            },
        ),
        Scenario {
            options: &["--timeout", "0.5"],
            ..s(
                "2. create answered after the client's timeout (--timeout 0.5, answer at 1.5 s)",
                "exit 0",
                |m| {
                    m.faults().once(
                        Match::creates(),
                        Fault::DelayAfterCreate(Duration::from_millis(1500)),
                    );
                },
            )
        },
        s("3. HTTP 500 / 5000 on the create", "exit 0", |m| {
            m.faults().once(Match::creates(), Fault::server_error(500));
        }),
        s("3. HTTP 503 / 5001 on the create", "exit 0", |m| {
            m.faults().once(Match::creates(), Fault::server_error(503));
        }),
        s("3. HTTP 504 / 5002 on a poll", "exit 0", |m| {
            m.faults().once(Match::polls(), Fault::server_error(504));
        }),
        s(
            "4. 429 / 1302 with Retry-After: 1 on the create",
            "exit 0",
            |m| {
                m.faults().once(Match::creates(), rate(1302, Some(1)));
            },
        ),
        s(
            "4. 429 / 1303 without Retry-After on the create",
            "exit 0",
            |m| {
                m.faults().once(Match::creates(), rate(1303, None));
            },
        ),
        s(
            "5. 429 / 1102 (balance): stop at once",
            "exit 3: api (code 1102)",
            |m| {
                m.faults().always(Match::creates(), rate(1102, None));
            },
        ),
        s("6. unknown task_status on the first poll", "exit 0", |m| {
            m.faults()
                .once(Match::polls(), Fault::UnknownStatus("warming_up".into()));
        }),
        s("7. malformed JSON answering the create", "exit 0", |m| {
            m.faults().once(Match::creates(), Fault::MalformedJson);
        }),
        s(
            "7. proxy HTML page (502) answering the create",
            "exit 0",
            |m| {
                m.faults()
                    .once(Match::creates(), Fault::HtmlErrorPage { status: 502 });
            },
        ),
        s("7. truncated JSON on a poll", "exit 0", |m| {
            m.faults().once(Match::polls(), Fault::TruncatedJson);
        }),
        s("8. download cut off mid-body", "exit 0", |m| {
            m.faults().once(Match::media(), Fault::TruncatedDownload);
        }),
        s(
            "8. media host sends half the file (matching Content-Length)",
            "exit 0",
            |m| {
                m.faults().once(Match::media(), Fault::TruncatedJson);
            },
        ),
        s(
            "8. download cut off on every try",
            "exit 1: download",
            |m| {
                m.faults().always(Match::media(), Fault::TruncatedDownload);
            },
        ),
        s("9. slow server: 300 ms on every request", "exit 0", |m| {
            m.faults()
                .always(Match::any(), Fault::Latency(Duration::from_millis(300)));
        }),
        Scenario {
            via: Via::Official,
            ..s("1+3+7 through the official API (JWT)", "exit 0", |m| {
                m.faults()
                    .once(Match::creates(), Fault::DropAfterCreate)
                    .once(Match::polls(), Fault::server_error(503))
                    .once(Match::polls(), Fault::HtmlErrorPage { status: 200 });
            })
        },
    ]
}

fn run_scenario(s: &Scenario) -> (Value, usize, usize) {
    let server = server(s.timing);
    (s.setup)(&server.mock);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = exec(kling(&server, s.via).args(s.options).args([
        "video",
        "text2video",
        "--prompt",
        "a cat playing the piano",
        "--max-wait",
        "120",
        "--output",
        out.to_str().unwrap(),
    ]));
    let problems = check(&server.mock, &run, &out, Duration::from_secs(120));
    let outcome = label(&run);
    let bytes = run.stdout.len() + run.stderr.len();
    (
        row(s.fault, s.expected, &server.mock, &outcome, problems),
        1,
        bytes,
    )
}

/// Fault 10: the process is killed (SIGKILL) mid-wait; `kling task wait` resumes from the
/// task id it printed, and downloads.
fn crash_mid_wait() -> (Value, usize, usize) {
    let server = server(Timing::Polls {
        processing_after: 1,
        done_after: 3,
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut problems = Vec::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kling"))
        .args([
            "-v",
            "--base-url",
            &server.mock.base_url(),
            "--api-key",
            API_KEY,
        ])
        .args([
            "video",
            "text2video",
            "--prompt",
            "p",
            "--output",
            out.to_str().unwrap(),
        ])
        .env_remove("NICEROUTER_API_KEY")
        .env_remove("NICEROUTER_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The task id, from the line the tool prints as soon as the task exists.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut printed = String::new();
    let mut task_id = None;
    let started = Instant::now();
    while task_id.is_none() && started.elapsed() < HANG_GUARD {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        printed.push_str(&line);
        task_id = line
            .split_once(" task ")
            .filter(|_| line.starts_with("created "))
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .map(str::to_owned);
    }
    let Some(task_id) = task_id else {
        let _ = child.kill();
        panic!("no task id printed: {printed}");
    };
    // Killed after its first poll, while it sleeps before the next.
    while server.mock.requests_to("get_text2video").is_empty() && started.elapsed() < HANG_GUARD {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    if status.success() {
        problems.push("the process finished before the crash".into());
    }
    let polls_before = server.mock.requests_to("get_text2video").len();
    let resumed = exec(kling(&server, Via::Relay).args([
        "task",
        "wait",
        "text2video",
        &task_id,
        "--output",
        out.to_str().unwrap(),
    ]));
    problems.extend(check(
        &server.mock,
        &resumed,
        &out,
        Duration::from_secs(900),
    ));
    if !secrets_in(&printed).is_empty() {
        problems.push("the killed run printed a secret".into());
    }
    let outcome = format!(
        "{} after kill -9 and `task wait` ({polls_before} poll(s) before)",
        label(&resumed)
    );
    let bytes = printed.len() + resumed.stdout.len() + resumed.stderr.len();
    (
        row(
            "10. process killed mid-wait, resumed with `kling task wait` from the printed id",
            "exit 0",
            &server.mock,
            &outcome,
            problems,
        ),
        2,
        bytes,
    )
}

/// Runs `jobs` on up to `threads` threads, keeping their order.
fn parallel<T: Send, R: Send>(jobs: Vec<T>, threads: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let jobs: Vec<(usize, T)> = jobs.into_iter().enumerate().collect();
    let queue = std::sync::Mutex::new(jobs);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let Some((i, job)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let r = f(job);
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn every_fault_through_the_binary_costs_one_task_and_ends_definitely() {
    let scenarios = scenarios();
    let mut results = parallel(scenarios.iter().collect(), 6, run_scenario);
    results.push(crash_mid_wait());
    let runs: usize = results.iter().map(|r| r.1).sum();
    let bytes: usize = results.iter().map(|r| r.2).sum();
    let rows: Vec<Value> = results.into_iter().map(|r| r.0).collect();
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r["fault"], r["requests"], r["tasks"], r["outcome"], r["pass"]
        );
    }
    write_figures("faults-cli", &json!({ "via": "cli", "rows": rows }));
    write_figures(
        "secrets-cli-faults",
        &json!({
            "via": "cli (fault runs, -v)",
            "runs": runs,
            "bytes_searched": bytes,
            "secrets": ["bearer key", "secret key", "access key", "any JWT"],
            "leaks": rows.iter().filter(|r| r["problems"].to_string().contains("printed")).count(),
        }),
    );
    let failed: Vec<&Value> = rows.iter().filter(|r| r["pass"] != true).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

// ---- mixed at random ----

/// The seed of the mixed runs through the binary.
const SEED: u64 = 0x4b4c_494e_4732;
const MIXED_RUNS: u64 = 16;

/// A small deterministic generator (SplitMix64), so the binary's tests need no `rand`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

fn random_fault(rng: &mut Rng) -> Fault {
    match rng.below(12) {
        0 => Fault::DropAfterCreate,
        1 => Fault::DropConnection,
        2 => Fault::server_error(500),
        3 => Fault::server_error(503),
        4 => rate(1302, Some(1)),
        5 => rate(1303, None),
        6 => rate(1102, None),
        7 => Fault::UnknownStatus("warming_up".into()),
        8 => Fault::MalformedJson,
        9 => Fault::HtmlErrorPage { status: 502 },
        10 => Fault::TruncatedDownload,
        _ => Fault::TaskFails("Failure to pass the risk control system".into()),
    }
}

fn mixed_run(run: u64) -> (String, Vec<String>, usize, usize, usize, usize) {
    let mut rng = Rng(SEED ^ run.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let server = server(QUICK);
    let faults = 1 + rng.below(3) as usize;
    for _ in 0..faults {
        let matcher = match rng.below(3) {
            0 => Match::creates(),
            1 => Match::polls(),
            _ => Match::media(),
        };
        let fault = random_fault(&mut rng);
        server.mock.faults().once(matcher, fault);
    }
    let via = if rng.below(2) == 0 {
        Via::Relay
    } else {
        Via::Official
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = exec(kling(&server, via).args([
        "video",
        "text2video",
        "--prompt",
        "p",
        "--output",
        out.to_str().unwrap(),
    ]));
    let problems = check(&server.mock, &run, &out, Duration::from_secs(900));
    let bytes = run.stdout.len() + run.stderr.len();
    (
        label(&run),
        problems,
        faults,
        server.mock.journal().len(),
        server.mock.tasks_created(),
        bytes,
    )
}

#[test]
fn mixed_faults_through_the_binary_never_pay_twice_nor_lose_a_task() {
    let results = parallel((0..MIXED_RUNS).collect(), 6, mixed_run);
    let mut outcomes: Vec<(String, usize)> = Vec::new();
    for (label, ..) in &results {
        match outcomes.iter_mut().find(|(o, _)| o == label) {
            Some((_, n)) => *n += 1,
            None => outcomes.push((label.clone(), 1)),
        }
    }
    outcomes.sort();
    let failed: Vec<(usize, &Vec<String>)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.1.is_empty())
        .map(|(i, r)| (i, &r.1))
        .collect();
    let summary = json!({
        "via": "cli",
        "seed": SEED,
        "runs": results.len(),
        "logical_requests": results.len(),
        "faults_injected": results.iter().map(|r| r.2).sum::<usize>(),
        "requests": results.iter().map(|r| r.3).sum::<usize>(),
        "tasks": results.iter().map(|r| r.4).sum::<usize>(),
        "max_tasks_per_request": results.iter().map(|r| r.4).max().unwrap_or(0),
        "outcomes": outcomes,
        "failed_runs": failed.len(),
    });
    println!("{summary:#}");
    write_figures("mixed-cli", &summary);
    write_figures(
        "secrets-cli-mixed",
        &json!({
            "via": "cli (mixed runs, -v, relay and official)",
            "runs": results.len(),
            "bytes_searched": results.iter().map(|r| r.5).sum::<usize>(),
            "secrets": ["bearer key", "secret key", "access key", "any JWT"],
            "leaks": failed.iter().filter(|(_, p)| p.iter().any(|p| p.contains("printed"))).count(),
        }),
    );
    assert!(failed.is_empty(), "{failed:#?}");
}
