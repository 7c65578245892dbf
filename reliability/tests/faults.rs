//! The fault suite through the wrapper: create → wait → download against the simulated
//! server under each fault of issue 6, one server per run. Every run is judged by
//! `support::check` (one task per logical request, a definite outcome within the max wait, no
//! partial file, the outcome told matches the server), and the table is written to the
//! figures directory for RELIABILITY.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use nicerouter_kling::{CreateOutcome, TaskHandle, WaitEvent, WaitOutcome};
use nicerouter_kling_mock::{Fault, Match, MockServer, Timing};
use nicerouter_kling_reliability::{FaultRow, FaultTable, write_figures};
use support::{Logical, Request, TIMEOUT, Time, check, client, row, run_one};

/// Tasks done at the first poll unless a scenario says otherwise.
const QUICK: Timing = Timing::Polls {
    processing_after: 0,
    done_after: 1,
};
const MAX_WAIT: Duration = Duration::from_secs(120);

/// One row: a fault set up on a fresh server, one logical request, the expected outcome.
struct Scenario {
    fault: &'static str,
    expected: &'static str,
    time: fn() -> Time,
    timing: Timing,
    max_wait: Duration,
    request: Request,
    setup: Box<dyn Fn(&MockServer)>,
}

fn scenario(
    fault: &'static str,
    expected: &'static str,
    setup: impl Fn(&MockServer) + 'static,
) -> Scenario {
    Scenario {
        fault,
        expected,
        time: Time::manual,
        timing: QUICK,
        max_wait: MAX_WAIT,
        request: Request::TextToVideo,
        setup: Box::new(setup),
    }
}

fn rate(code: u32, retry_after: Option<u32>) -> Fault {
    Fault::RateLimited { code, retry_after }
}

fn server_error(status: u16, code: u32) -> Fault {
    Fault::ServerError {
        status,
        code,
        retry_after: None,
    }
}

#[allow(clippy::too_many_lines)]
fn scenarios() -> Vec<Scenario> {
    let late = Fault::DelayAfterCreate(TIMEOUT * 2);
    vec![
        scenario(
            "1. create answer dropped after the task was created",
            "succeeded",
            |s| {
                s.faults().once(Match::creates(), Fault::DropAfterCreate);
            },
        ),
        scenario(
            "2. create answered after the client's timeout",
            "succeeded",
            move |s| {
                s.faults().once(Match::creates(), late.clone());
            },
        ),
        scenario("3. HTTP 500 / 5000 on the create", "succeeded", |s| {
            s.faults().once(Match::creates(), server_error(500, 5000));
        }),
        scenario("3. HTTP 503 / 5001 on the create", "succeeded", |s| {
            s.faults().once(Match::creates(), server_error(503, 5001));
        }),
        scenario("3. HTTP 504 / 5002 on the create", "succeeded", |s| {
            s.faults().once(Match::creates(), server_error(504, 5002));
        }),
        scenario(
            "3. HTTP 500, 503, 504 (5000–5002) on three polls in a row",
            "succeeded",
            |s| {
                s.faults()
                    .once(Match::polls(), server_error(500, 5000))
                    .once(Match::polls(), server_error(503, 5001))
                    .once(Match::polls(), server_error(504, 5002));
            },
        ),
        scenario(
            "4. 429 / 1302 with Retry-After: 1 on the create",
            "succeeded",
            |s| {
                s.faults().once(Match::creates(), rate(1302, Some(1)));
            },
        ),
        scenario(
            "4. 429 / 1303 with Retry-After: 2 on the create",
            "succeeded",
            |s| {
                s.faults().once(Match::creates(), rate(1303, Some(2)));
            },
        ),
        scenario(
            "4. 429 / 1302 without Retry-After, twice on the create",
            "succeeded",
            |s| {
                s.faults().push(Match::creates(), rate(1302, None), 2);
            },
        ),
        scenario(
            "4. 429 / 1303 without Retry-After on the create",
            "succeeded",
            |s| {
                s.faults().once(Match::creates(), rate(1303, None));
            },
        ),
        scenario("4. 429 / 1302 and 1303 on polls", "succeeded", |s| {
            s.faults()
                .once(Match::polls(), rate(1302, Some(1)))
                .once(Match::polls(), rate(1303, None));
        }),
        scenario(
            "5. 429 / 1102 (balance) on the create: stop at once",
            "not created (code 1102)",
            |s| {
                s.faults().always(Match::creates(), rate(1102, None));
            },
        ),
        scenario(
            "6. unknown task_status (`warming_up`) for 3 polls",
            "succeeded",
            |s| {
                s.faults()
                    .push(Match::polls(), Fault::UnknownStatus("warming_up".into()), 3);
            },
        ),
        Scenario {
            max_wait: Duration::from_secs(60),
            ..scenario(
                "6. unknown task_status on every poll, 60 s max wait",
                "max wait exceeded",
                |s| {
                    s.faults()
                        .always(Match::polls(), Fault::UnknownStatus("queued-ish".into()));
                },
            )
        },
        scenario("7. malformed JSON answering the create", "succeeded", |s| {
            s.faults().once(Match::creates(), Fault::MalformedJson);
        }),
        scenario("7. truncated JSON answering the create", "succeeded", |s| {
            s.faults().once(Match::creates(), Fault::TruncatedJson);
        }),
        scenario(
            "7. proxy HTML page (502) answering the create",
            "succeeded",
            |s| {
                s.faults()
                    .once(Match::creates(), Fault::HtmlErrorPage { status: 502 });
            },
        ),
        scenario(
            "7. malformed, truncated JSON and an HTML page (503) on polls",
            "succeeded",
            |s| {
                s.faults()
                    .once(Match::polls(), Fault::MalformedJson)
                    .once(Match::polls(), Fault::TruncatedJson)
                    .once(Match::polls(), Fault::HtmlErrorPage { status: 503 });
            },
        ),
        scenario(
            "7. proxy HTML page with HTTP 200 on a poll",
            "succeeded",
            |s| {
                s.faults()
                    .once(Match::polls(), Fault::HtmlErrorPage { status: 200 });
            },
        ),
        scenario("8. download cut off mid-body once", "succeeded", |s| {
            s.faults().once(Match::media(), Fault::TruncatedDownload);
        }),
        scenario(
            "8. media host sends half the video with a matching Content-Length",
            "succeeded",
            |s| {
                // The mock's truncated body keeps its HTTP framing consistent: only the
                // file's own structure shows that it is short.
                s.faults().once(Match::media(), Fault::TruncatedJson);
            },
        ),
        Scenario {
            request: Request::ImageGeneration(2),
            ..scenario(
                "8. media host sends half of each image with a matching Content-Length",
                "succeeded",
                |s| {
                    s.faults().push(Match::media(), Fault::TruncatedJson, 2);
                },
            )
        },
        Scenario {
            request: Request::ImageGeneration(3),
            ..scenario(
                "8. download cut off mid-body on every try (3 images)",
                "download failed",
                |s| {
                    s.faults().always(Match::media(), Fault::TruncatedDownload);
                },
            )
        },
        Scenario {
            time: || Time::Real,
            timing: Timing::Polls {
                processing_after: 1,
                done_after: 4,
            },
            max_wait: Duration::from_secs(10),
            ..scenario(
                "9. slow server: 150 ms per request, 100 ms poll interval",
                "succeeded",
                |s| {
                    s.faults()
                        .always(Match::any(), Fault::Latency(Duration::from_millis(150)));
                },
            )
        },
        Scenario {
            time: || Time::Real,
            timing: Timing::Polls {
                processing_after: 1,
                done_after: 1000,
            },
            max_wait: Duration::from_millis(800),
            ..scenario(
                "9. slow server, task slower than a 0.8 s max wait",
                "max wait exceeded",
                |s| {
                    s.faults()
                        .always(Match::any(), Fault::Latency(Duration::from_millis(150)));
                },
            )
        },
        scenario("3+4+6+7+8. one of each on one request", "succeeded", |s| {
            s.faults()
                .once(Match::creates(), rate(1303, Some(1)))
                .once(Match::creates(), Fault::DropAfterCreate)
                .once(Match::polls(), server_error(503, 5001))
                .once(Match::polls(), Fault::UnknownStatus("warming_up".into()))
                .once(Match::polls(), Fault::TruncatedJson)
                .once(Match::media(), Fault::TruncatedDownload);
        }),
        scenario(
            "the task itself fails (task_status_msg)",
            "task failed",
            |s| {
                s.faults().once(
                    Match::creates(),
                    Fault::TaskFails("Failure to pass the risk control system".into()),
                );
            },
        ),
    ]
}

async fn run(s: &Scenario, seed: u64) -> FaultRow {
    let server = support::server().timing(s.timing).start().await.unwrap();
    (s.setup)(&server);
    let time = (s.time)();
    let client = client(&server, &time, seed);
    let dir = tempfile::tempdir().unwrap();
    let logical = run_one(&client, &time, s.request, dir.path(), s.max_wait).await;
    let logicals = [logical];
    let problems = check(&server, &logicals, dir.path(), &time);
    let row = row(s.fault, s.expected, &server, &logicals, problems);
    server.shutdown().await;
    row
}

/// Fault 1 with the lookup failing too: the caller is told "may exist" with the id to look it
/// up by, and that lookup, once the server answers, finds the one task.
async fn answer_lost_and_lookup_failing() -> FaultRow {
    let server = support::server().timing(QUICK).start().await.unwrap();
    server
        .faults()
        .once(Match::creates(), Fault::DropAfterCreate)
        .always(Match::polls(), server_error(503, 5001));
    let time = Time::manual();
    let client = client(&server, &time, 11);
    let dir = tempfile::tempdir().unwrap();
    let mut logical = run_one(&client, &time, Request::TextToVideo, dir.path(), MAX_WAIT).await;
    let mut problems = Vec::new();
    if logical.create_outcome != Some(CreateOutcome::MayExist) {
        problems.push(format!("expected MayExist, got {}", logical.label));
    }
    // Later, the server answers again: the id from the error finds the one task.
    server.faults().clear();
    let ext = logical.external_task_id.clone().unwrap_or_default();
    match client
        .find_by_external_id(nicerouter_kling::Kind::TextToVideo, &ext)
        .await
    {
        Ok(Some(task)) => {
            logical.label = format!("may exist; found {} by its external_task_id", task.id());
            logical.handle = Some(
                TaskHandle::new(nicerouter_kling::Kind::TextToVideo, task.id())
                    .with_external_task_id(ext),
            );
        }
        other => problems.push(format!("the lookup did not find the task: {other:?}")),
    }
    let logicals = [logical];
    problems.extend(check(&server, &logicals, dir.path(), &time));
    row(
        "1. create answer dropped, and every lookup fails (503)",
        "may exist",
        &server,
        &logicals,
        problems,
    )
}

/// Fault 10: the process "crashes" mid-wait with a poll in flight (everything is dropped),
/// a new process resumes from the serialised handle, waits and downloads.
async fn crash_mid_wait() -> FaultRow {
    let server = support::server()
        .timing(Timing::Polls {
            processing_after: 1,
            done_after: 4,
        })
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let saved = {
        let time = Time::manual();
        let client = client(&server, &time, 21);
        let handle = Request::TextToVideo.send(&client).await.unwrap();
        let saved = serde_json::to_string(&handle).unwrap();
        // Polls are slow now; the process dies during the second one.
        server.faults().push(
            Match::polls(),
            Fault::Latency(Duration::from_millis(200)),
            2,
        );
        let wait = handle.wait(&client, MAX_WAIT);
        let mut events = pin!(wait.events());
        let first = events.next().await;
        if !matches!(first, Some(WaitEvent::Status(_))) {
            problems.push(format!("expected a first status, got {first:?}"));
        }
        let more = tokio::time::timeout(Duration::from_millis(50), events.next()).await;
        if more.is_ok() {
            problems.push("the wait ended before the crash".to_owned());
        }
        saved
        // The wait, the client and the runtime state of the "process" are dropped here.
    };
    let polls_before = server.requests_to("get_text2video").len();
    let handle: TaskHandle = serde_json::from_str(&saved).unwrap();
    let time = Time::manual();
    let client = client(&server, &time, 22);
    let started = time.now();
    let outcome = handle.wait(&client, MAX_WAIT).await;
    let waited = time.now().saturating_duration_since(started);
    let mut logical = Logical {
        request: Request::TextToVideo,
        external_task_id: handle.external_task_id.clone(),
        handle: Some(handle.clone()),
        create_outcome: None,
        waited: Some((waited, MAX_WAIT)),
        files: Vec::new(),
        label: String::new(),
        hung: false,
    };
    match outcome {
        WaitOutcome::Succeeded(task) => {
            match client.download(&task, dir.path()).handle(&handle).await {
                Ok(files) => {
                    logical.label = format!(
                        "succeeded, {} file(s) saved after resuming ({polls_before} polls before the crash)",
                        files.len()
                    );
                    logical.files = files;
                }
                Err(e) => logical.label = format!("download failed ({e})"),
            }
        }
        other => logical.label = format!("{other:?}"),
    }
    let logicals = [logical];
    problems.extend(check(&server, &logicals, dir.path(), &time));
    row(
        "10. crash mid-wait (a poll in flight), resume from the saved handle",
        "succeeded",
        &server,
        &logicals,
        problems,
    )
}

/// Fault 10 during a download: the process dies while a body is being written; nothing is
/// left on disk, and a resumed download saves complete files.
async fn crash_mid_download() -> FaultRow {
    let server = support::server().timing(QUICK).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let time = Time::manual();
    let client = client(&server, &time, 31);
    let handle = Request::TextToVideo.send(&client).await.unwrap();
    let task = match handle.wait(&client, MAX_WAIT).await {
        WaitOutcome::Succeeded(task) => task,
        other => panic!("{other:?}"),
    };
    // Half the body arrives, then the connection stalls (20 ms) before it is cut: the "crash"
    // comes while the temporary file holds half a video.
    server
        .faults()
        .once(Match::media(), Fault::TruncatedDownload);
    {
        let download = client
            .download(&task, dir.path())
            .handle(&handle)
            .into_future();
        let mut download = pin!(download);
        let saw_part = tokio::select! {
            done = &mut download => {
                problems.push(format!("the download ended before the crash: {done:?}"));
                false
            }
            () = until_a_temporary_file(dir.path()) => true,
        };
        if !saw_part {
            problems.push("no temporary file was seen mid-download".to_owned());
        }
        // Dropped here, mid-body.
    }
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if !leftovers.is_empty() {
        problems.push(format!("files left after the crash: {leftovers:?}"));
    }
    let mut logical = Logical {
        request: Request::TextToVideo,
        external_task_id: handle.external_task_id.clone(),
        handle: Some(handle.clone()),
        create_outcome: None,
        waited: None,
        files: Vec::new(),
        label: String::new(),
        hung: false,
    };
    match client.download(&task, dir.path()).handle(&handle).await {
        Ok(files) => {
            logical.label = format!(
                "succeeded, {} file(s) saved on resume; nothing left by the crash",
                files.len()
            );
            logical.files = files;
        }
        Err(e) => logical.label = format!("download failed ({e})"),
    }
    let logicals = [logical];
    problems.extend(check(&server, &logicals, dir.path(), &time));
    row(
        "10. crash mid-download (half a body on disk)",
        "succeeded",
        &server,
        &logicals,
        problems,
    )
}

async fn until_a_temporary_file(dir: &std::path::Path) {
    loop {
        let found = std::fs::read_dir(dir)
            .map(|entries| {
                entries.filter_map(Result::ok).any(|e| {
                    e.file_name().to_string_lossy().ends_with(".part")
                        && e.metadata().is_ok_and(|m| m.len() > 0)
                })
            })
            .unwrap_or(false);
        if found {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

use std::future::IntoFuture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_alone_costs_one_task_and_ends_definitely() {
    let mut rows = Vec::new();
    for (i, s) in scenarios().iter().enumerate() {
        rows.push(run(s, 1000 + i as u64).await);
    }
    rows.push(answer_lost_and_lookup_failing().await);
    rows.push(crash_mid_wait().await);
    rows.push(crash_mid_download().await);
    rows.sort_by_key(|r| {
        r.fault
            .split('.')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(99)
    });
    support::print_table("Faults through the wrapper", &rows);
    write_figures(
        "faults-wrapper",
        &FaultTable {
            via: "wrapper".into(),
            rows: rows.clone(),
        },
    )
    .unwrap();
    let failed: Vec<&FaultRow> = rows.iter().filter(|r| !r.pass).collect();
    assert!(failed.is_empty(), "failed runs: {failed:#?}");
    assert!(rows.iter().all(|r| r.max_tasks_per_request <= 1));
}
