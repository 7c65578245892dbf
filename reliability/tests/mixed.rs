//! Faults mixed at random with a fixed seed: each run starts a server, queues one to four
//! faults drawn from every kind issue 6 names (on creates, polls, lookups, downloads or
//! anything), and sends one to three logical requests of random kinds through create → wait →
//! download. Outcomes vary; the invariants of `support::check` may not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use nicerouter_kling::CreateOutcome;
use nicerouter_kling_mock::{Fault, Match, Timing};
use nicerouter_kling_reliability::{MixedSummary, write_figures};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::{Logical, Request, TIMEOUT, Time, check, client, max_tasks_per_request, run_one};

/// The suite's seed. Change it to explore; the figures in RELIABILITY.md use this one.
const SEED: u64 = 0x4b4c_494e_4731;
/// How many runs (each with its own server).
const RUNS: u64 = 48;
const MAX_WAIT: Duration = Duration::from_secs(300);

fn random_fault(rng: &mut StdRng) -> Fault {
    match rng.random_range(0..17) {
        0 => Fault::DropAfterCreate,
        1 => Fault::DelayAfterCreate(TIMEOUT * 2),
        2 => Fault::DropConnection,
        3 => Fault::ServerError {
            status: 500,
            code: 5000,
            retry_after: None,
        },
        4 => Fault::ServerError {
            status: 503,
            code: 5001,
            retry_after: Some(1),
        },
        5 => Fault::ServerError {
            status: 504,
            code: 5002,
            retry_after: None,
        },
        6 => Fault::RateLimited {
            code: 1302,
            retry_after: Some(1),
        },
        7 => Fault::RateLimited {
            code: 1303,
            retry_after: None,
        },
        8 => Fault::RateLimited {
            code: 1102,
            retry_after: None,
        },
        9 => Fault::UnknownStatus("warming_up".into()),
        10 => Fault::MalformedJson,
        11 => Fault::TruncatedJson,
        12 => Fault::HtmlErrorPage { status: 502 },
        13 => Fault::HtmlErrorPage { status: 200 },
        14 => Fault::TruncatedDownload,
        15 => Fault::Latency(Duration::from_millis(rng.random_range(5..60))),
        _ => Fault::TaskFails("Image pixel is invalid".into()),
    }
}

fn random_match(rng: &mut StdRng) -> Match {
    match rng.random_range(0..4) {
        0 => Match::creates(),
        1 => Match::polls(),
        2 => Match::media(),
        _ => Match::any(),
    }
}

/// The short name of an outcome, for the summary.
fn category(label: &str) -> String {
    for prefix in [
        "succeeded",
        "download failed",
        "task failed",
        "max wait exceeded",
    ] {
        if label.starts_with(prefix) {
            return prefix.to_owned();
        }
    }
    if label.starts_with("poll failed") {
        return label.split(" (").next().unwrap_or(label).to_owned()
            + label
                .find("(code")
                .map(|i| format!(" {}", &label[i..]))
                .unwrap_or_default()
                .as_str();
    }
    label.to_owned()
}

struct RunResult {
    logicals: Vec<Logical>,
    faults: usize,
    requests: usize,
    tasks: usize,
    max_per_request: usize,
    problems: Vec<String>,
}

async fn one_run(run: u64) -> RunResult {
    let mut rng = StdRng::seed_from_u64(SEED ^ run.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let processing_after = rng.random_range(0..2);
    let timing = Timing::Polls {
        processing_after,
        done_after: processing_after + rng.random_range(0..3),
    };
    let server = support::server().timing(timing).start().await.unwrap();
    let faults = rng.random_range(1..=4);
    for _ in 0..faults {
        let matcher = random_match(&mut rng);
        let fault = random_fault(&mut rng);
        let times = rng.random_range(1..=2);
        server.faults().push(matcher, fault, times);
    }
    let time = Time::manual();
    let client = client(&server, &time, SEED.wrapping_add(run));
    let dir = tempfile::tempdir().unwrap();
    let requests: Vec<Request> = (0..rng.random_range(1..=3))
        .map(|_| Request::ALL[rng.random_range(0..Request::ALL.len())])
        .collect();
    let mut logicals = Vec::new();
    for request in requests {
        logicals.push(run_one(&client, &time, request, dir.path(), MAX_WAIT).await);
    }
    let mut problems = check(&server, &logicals, dir.path(), &time);
    // A "may exist" must be settled by the id the caller was given, once the server answers.
    server.faults().clear();
    for l in &logicals {
        if l.create_outcome == Some(CreateOutcome::MayExist) {
            let ext = l.external_task_id.clone().unwrap_or_default();
            let found = client.find_by_external_id(l.request.kind(), &ext).await;
            let exists = server
                .created_tasks()
                .iter()
                .any(|t| t.external_task_id.as_deref() == Some(ext.as_str()));
            match found {
                Ok(found) if found.is_some() == exists => {}
                other => problems.push(format!(
                    "may exist: the lookup by {ext} said {other:?}, the server has it: {exists}"
                )),
            }
        }
    }
    let result = RunResult {
        faults,
        requests: server.journal().len(),
        tasks: server.tasks_created(),
        max_per_request: max_tasks_per_request(&server, &logicals),
        logicals,
        problems,
    };
    server.shutdown().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_faults_never_pay_twice_nor_lose_a_task() {
    let mut results = Vec::new();
    // Four runs at a time, each on its own server and clock.
    for chunk in (0..RUNS).collect::<Vec<_>>().chunks(4) {
        let runs = chunk.iter().map(|&run| one_run(run));
        results.extend(futures::future::join_all(runs).await);
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for r in &results {
        for l in &r.logicals {
            *outcomes.entry(category(&l.label)).or_default() += 1;
        }
    }
    let failed: Vec<(usize, &Vec<String>)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.problems.is_empty())
        .map(|(i, r)| (i, &r.problems))
        .collect();
    let summary = MixedSummary {
        via: "wrapper".into(),
        seed: SEED,
        runs: results.len(),
        logical_requests: results.iter().map(|r| r.logicals.len()).sum(),
        faults_injected: results.iter().map(|r| r.faults).sum(),
        requests: results.iter().map(|r| r.requests).sum(),
        tasks: results.iter().map(|r| r.tasks).sum(),
        max_tasks_per_request: results.iter().map(|r| r.max_per_request).max().unwrap_or(0),
        outcomes: outcomes.into_iter().collect(),
        failed_runs: failed.len(),
    };
    println!("{summary:#?}");
    write_figures("mixed-wrapper", &summary).unwrap();
    assert!(
        failed.is_empty(),
        "runs that broke an invariant: {failed:#?}"
    );
    assert!(summary.max_tasks_per_request <= 1);
}
