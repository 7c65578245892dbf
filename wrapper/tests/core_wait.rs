//! Waiting: outcomes, the poll schedule, hints, cancellation, the status stream, resuming a
//! serialised handle, and the size of a waiting future.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::future::IntoFuture;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use core_support::{Reply, ScriptServer, client, mock_with, script_client, task_json};
use futures::StreamExt;
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::Text2VideoRequest;
use nicerouter_kling::{
    CancellationToken, Error, FailureCategory, Kind, KlingCode, PollPolicy, Status, TaskHandle,
    WaitError, WaitEvent, WaitOutcome,
};
use nicerouter_kling_mock::{Fault, Match, MockServer, Outcome, Timing};
use serde_json::json;

const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);

fn body() -> Text2VideoRequest {
    serde_json::from_value(json!({"prompt": "a cat playing the piano"})).unwrap()
}

async fn server(processing_after: u32, done_after: u32) -> MockServer {
    mock_with(MockServer::builder().timing(Timing::Polls {
        processing_after,
        done_after,
    }))
    .await
}

fn secs(s: &[f64]) -> Vec<Duration> {
    s.iter().map(|s| Duration::from_secs_f64(*s)).collect()
}

#[tokio::test]
async fn a_task_that_succeeds_returns_its_outputs_on_a_growing_schedule() {
    let server = server(1, 4).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let outcome = handle.wait(&client, FIFTEEN_MINUTES).await;
    let WaitOutcome::Succeeded(task) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(task.id(), handle.task_id);
    let outputs = task.outputs();
    assert_eq!(outputs.len(), 1);
    assert!(outputs[0].url.contains("/mock-media/"));
    assert_eq!(
        clock.sleeps(),
        secs(&[2.0, 3.0, 4.5]),
        "polls at 0, 2, 5, 9.5 s; no jitter"
    );
    assert_eq!(server.requests_to("get_text2video").len(), 4);
}

#[tokio::test]
async fn a_failed_task_carries_its_reason() {
    let server = mock_with(
        MockServer::builder()
            .timing(Timing::Polls {
                processing_after: 0,
                done_after: 1,
            })
            .outcome(Outcome::Fail("Image pixel is invalid".into())),
    )
    .await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    match handle.wait(&client, FIFTEEN_MINUTES).await {
        WaitOutcome::Failed { task, reason } => {
            assert_eq!(reason, "Image pixel is invalid");
            assert_eq!(task.status(), Status::Failed);
            let failure = task.failure().unwrap();
            assert_eq!(failure.category, FailureCategory::InvalidInput);
            assert_eq!(failure.reason.as_deref(), Some("Image pixel is invalid"));
        }
        other => panic!("{other:?}"),
    }
    let error = handle
        .wait(&client, FIFTEEN_MINUTES)
        .await
        .into_result()
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(w) if matches!(**w, WaitError::Failed { .. })),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("failed (invalid_input): Image pixel is invalid"),
        "{error}"
    );
}

#[tokio::test]
async fn succeeded_without_outputs_is_its_own_outcome() {
    let server = ScriptServer::start(|_, _| {
        Reply::json(200, r#"{"code":0,"data":{"task_id":"1","task_status":"succeed","task_result":{"videos":[]}}}"#)
    })
    .await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let outcome = TaskHandle::new(Kind::TextToVideo, "1")
        .wait(&client, FIFTEEN_MINUTES)
        .await;
    assert!(matches!(outcome, WaitOutcome::NoOutputs(_)), "{outcome:?}");
}

#[tokio::test]
async fn max_wait_exceeded_reports_status_elapsed_and_polls() {
    let server = server(1, 1000).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let outcome = handle.wait(&client, Duration::from_secs(60)).await;
    let WaitOutcome::MaxWaitExceeded {
        last_status,
        elapsed,
        polls,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(last_status, Some(Status::Processing));
    assert_eq!(elapsed, Duration::from_secs(60));
    assert_eq!(
        polls,
        PollPolicy::default().max_polls(Duration::from_secs(60))
    );
    assert_eq!(polls, 9);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.iter().sum::<Duration>(), Duration::from_secs(60));
    assert_eq!(
        *sleeps.last().unwrap(),
        Duration::from_secs_f64(3.625),
        "last sleep clamped"
    );
}

#[tokio::test]
async fn an_unknown_status_keeps_polling_until_the_deadline() {
    let server = server(0, 1).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    server
        .faults()
        .always(Match::polls(), Fault::UnknownStatus("warming_up".into()));
    let outcome = handle.wait(&client, Duration::from_secs(30)).await;
    let WaitOutcome::MaxWaitExceeded {
        last_status, polls, ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(last_status, Some(Status::Unknown("warming_up".into())));
    assert_eq!(
        polls,
        PollPolicy::default().max_polls(Duration::from_secs(30))
    );

    // Once the status is known again, the wait finishes.
    server.faults().clear();
    let outcome = handle.wait(&client, Duration::from_secs(30)).await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
}

#[tokio::test]
async fn a_zero_max_wait_polls_exactly_once() {
    let server = server(1, 1000).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let outcome = handle.wait(&client, Duration::ZERO).await;
    assert!(
        matches!(outcome, WaitOutcome::MaxWaitExceeded { polls: 1, .. }),
        "{outcome:?}"
    );
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_server_poll_hint_replaces_the_interval() {
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::json_with(200, &[("x-poll-after-ms", "5000")], &task_json("1", "processing")),
        1 => Reply::json(200, &task_json("1", "processing")),
        _ => Reply::json(
            200,
            r#"{"code":0,"data":{"task_id":"1","task_status":"succeed","task_result":{"images":[{"index":0,"url":"http://x/i.png"}]}}}"#,
        ),
    })
    .await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let outcome = TaskHandle::new(Kind::ImageGeneration, "1")
        .wait(&client, FIFTEEN_MINUTES)
        .await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
    assert_eq!(
        clock.sleeps(),
        secs(&[5.0, 3.0]),
        "hint for the first interval, schedule after"
    );

    let clock = ManualClock::new();
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::json_with(
            200,
            &[("x-poll-after-ms", "5000")],
            &task_json("1", "processing"),
        ),
        _ => Reply::json(200, &task_json("1", "processing")),
    })
    .await;
    let client = script_client(&server, &clock);
    let _ = TaskHandle::new(Kind::ImageGeneration, "1")
        .wait(&client, Duration::from_secs(3))
        .poll_policy(PollPolicy::default().server_hint(false).jitter(0.0))
        .await;
    assert_eq!(
        clock.sleeps(),
        secs(&[2.0, 1.0]),
        "hints ignored when turned off"
    );
}

#[tokio::test]
async fn a_cancelled_wait_stops_polling() {
    let token = CancellationToken::new();
    let trigger = token.clone();
    let server = ScriptServer::start(move |i, _| {
        if i == 1 {
            trigger.cancel();
        }
        Reply::json(200, &task_json("1", "processing"))
    })
    .await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let handle = TaskHandle::new(Kind::TextToVideo, "1");
    let outcome = handle
        .wait(&client, FIFTEEN_MINUTES)
        .cancel_token(token)
        .await;
    let WaitOutcome::Cancelled {
        last_status, polls, ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    // The token fires while the second poll is in flight: it is abandoned at once.
    assert_eq!(polls, 1);
    assert_eq!(last_status, Some(Status::Processing));
    assert_eq!(server.count(), 2);

    let pre_cancelled = CancellationToken::new();
    pre_cancelled.cancel();
    let outcome = handle
        .wait(&client, FIFTEEN_MINUTES)
        .cancel_token(pre_cancelled)
        .await;
    assert!(
        matches!(outcome, WaitOutcome::Cancelled { polls: 0, .. }),
        "{outcome:?}"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn dropping_a_wait_stops_it() {
    let server = ScriptServer::start(|_, _| Reply::json(200, &task_json("1", "processing"))).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let handle = TaskHandle::new(Kind::TextToVideo, "1");
    let mut events = Box::pin(handle.wait(&client, FIFTEEN_MINUTES).events());
    assert!(matches!(events.next().await, Some(WaitEvent::Status(_))));
    drop(events);
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 1, "nothing polls after the wait is dropped");
}

#[tokio::test]
async fn poll_failures_end_the_wait_after_read_retries() {
    let server = server(1, 1000).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();

    server
        .faults()
        .always(Match::polls(), Fault::server_error(503));
    let outcome = handle.wait(&client, FIFTEEN_MINUTES).await;
    let WaitOutcome::PollFailed { error, polls, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.code(), Some(&KlingCode::ServiceUnavailable));
    assert_eq!(polls, 1);
    assert_eq!(
        server.requests_to("get_text2video").len(),
        4,
        "one poll, retried 3 times"
    );

    server.faults().clear().always(
        Match::polls(),
        Fault::RateLimited {
            code: 1102,
            retry_after: None,
        },
    );
    let outcome = handle.wait(&client, FIFTEEN_MINUTES).await;
    assert!(
        matches!(&outcome, WaitOutcome::PollFailed { error, .. } if error.code() == Some(&KlingCode::ResourcePackExhausted)),
        "{outcome:?}"
    );
    assert_eq!(
        server.requests_to("get_text2video").len(),
        5,
        "1102 not retried"
    );
}

#[tokio::test]
async fn a_transient_failure_at_the_deadline_is_max_wait_not_poll_failed() {
    let server = ScriptServer::start(|i, _| {
        if i < 8 {
            Reply::json(200, &task_json("1", "processing"))
        } else {
            Reply::json(503, r#"{"code":5001,"message":"maintenance"}"#)
        }
    })
    .await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let outcome = TaskHandle::new(Kind::TextToVideo, "1")
        .wait(&client, Duration::from_secs(60))
        .await;
    let WaitOutcome::MaxWaitExceeded {
        last_status,
        polls,
        elapsed,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (last_status, polls, elapsed),
        (Some(Status::Processing), 9, Duration::from_secs(60))
    );
    assert_eq!(server.count(), 9, "no retry past the deadline");
}

#[tokio::test]
async fn transient_poll_failures_are_retried_inside_one_poll() {
    let server = server(1, 2).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    server
        .faults()
        .push(Match::polls(), Fault::HtmlErrorPage { status: 502 }, 2);
    let outcome = handle.wait(&client, FIFTEEN_MINUTES).await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
}

#[tokio::test]
async fn the_status_stream_reports_changes_then_the_outcome() {
    let server = server(2, 4).await;
    // Behind the server's clock, so the task is exactly zero seconds old at the first poll.
    let clock = ManualClock::starting_at(SystemTime::now() - Duration::from_secs(10));
    let client = client(&server, &clock);
    let handle = client.create(body()).await.unwrap();
    let events: Vec<WaitEvent> = handle
        .wait(&client, FIFTEEN_MINUTES)
        .events()
        .collect()
        .await;
    let statuses: Vec<Status> = events
        .iter()
        .filter_map(|e| match e {
            WaitEvent::Status(change) => Some(change.status.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![Status::Submitted, Status::Processing]);
    assert!(matches!(
        events.last(),
        Some(WaitEvent::Finished(WaitOutcome::Succeeded(_)))
    ));
    assert_eq!(events.len(), 3);
    if let WaitEvent::Status(change) = &events[1] {
        assert_eq!(change.polls, 2);
        assert_eq!(
            change.elapsed,
            Duration::from_secs(30),
            "queued at the first poll: the next at 30 s of age"
        );
    }
}

#[tokio::test]
async fn a_resumed_handle_waits_without_creating_again() {
    let server = server(1, 3).await;
    let clock = ManualClock::new();
    let saved = {
        let client = client(&server, &clock);
        let handle = client.create(body()).await.unwrap();
        // The process polls once, then "crashes".
        let first = handle.wait(&client, Duration::ZERO).await;
        assert!(
            matches!(first, WaitOutcome::MaxWaitExceeded { .. }),
            "{first:?}"
        );
        serde_json::to_string(&handle).unwrap()
    };
    let restarted = client(&server, &ManualClock::new());
    let handle: TaskHandle = serde_json::from_str(&saved).unwrap();
    let outcome = handle.wait(&restarted, FIFTEEN_MINUTES).await;
    let WaitOutcome::Succeeded(task) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(task.id(), handle.task_id);
    assert_eq!(server.tasks_created(), 1);
    assert_eq!(server.requests_to("create_text2video").len(), 1);
}

#[tokio::test]
async fn many_waits_share_one_client_without_spawning() {
    let server = server(1, 2).await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let mut handles = Vec::new();
    for _ in 0..200 {
        handles.push(client.create(body()).await.unwrap());
    }
    let outcomes = futures::future::join_all(
        handles
            .iter()
            .map(|h| h.wait(&client, FIFTEEN_MINUTES).into_future()),
    )
    .await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, WaitOutcome::Succeeded(_)))
    );
    assert_eq!(
        server.requests_to("get_text2video").len(),
        400,
        "two polls each, no herd of retries"
    );
}

#[tokio::test]
async fn a_waiting_future_is_small() {
    let server = ScriptServer::start(|_, _| Reply::json(200, &task_json("1", "processing"))).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let handle = TaskHandle::new(Kind::TextToVideo, "1");
    let future = handle.wait(&client, FIFTEEN_MINUTES).into_future();
    let size = std::mem::size_of_val(&*future);
    eprintln!("a waiting future is {size} bytes");
    // The budget is 8 KiB per waiting task; the future itself (polls are boxed while in
    // flight) should stay far below it.
    assert!(size <= 1024, "a wait is {size} bytes");
}

/// Kling's creation time of the scripted tasks below (Unix milliseconds).
const CREATED_AT_MS: u64 = 1_762_237_353_241;

fn created_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(CREATED_AT_MS)
}

/// A scripted server whose task answers each status of `statuses` in turn (the last one
/// repeated), created at [`CREATED_AT_MS`]; a succeeded task has a video and an image.
async fn scripted(statuses: &'static [&'static str]) -> ScriptServer {
    ScriptServer::start(move |i, _| {
        let status = statuses[i.min(statuses.len() - 1)];
        Reply::json(
            200,
            &format!(
                r#"{{"code":0,"data":{{"task_id":"1","task_status":"{status}","created_at":{CREATED_AT_MS},"task_result":{{"videos":[{{"id":"v","url":"http://x/v.mp4"}}],"images":[{{"index":0,"url":"http://x/i.png"}}]}}}}}}"#
            ),
        )
    })
    .await
}

/// The sleeps of one wait on a task of `kind` whose polls answer `statuses`, with the clock
/// at `age` after the task's creation when the wait starts.
async fn sleeps_of(
    kind: Kind,
    statuses: &'static [&'static str],
    age: Duration,
    policy: PollPolicy,
) -> Vec<Duration> {
    let server = scripted(statuses).await;
    let clock = ManualClock::starting_at(created_at() + age);
    let client = script_client(&server, &clock);
    let outcome = TaskHandle::new(kind, "1")
        .wait(&client, FIFTEEN_MINUTES)
        .poll_policy(policy)
        .await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
    clock.sleeps()
}

#[tokio::test]
async fn a_queued_video_is_next_polled_when_it_can_be_done() {
    let exact = || PollPolicy::default().jitter(0.0);
    let queued_then_done: &[&str] = &["submitted", "processing", "succeed"];
    // Found queued 4 s after its creation: the next poll at 30 s of age, then the schedule.
    assert_eq!(
        sleeps_of(
            Kind::TextToVideo,
            queued_then_done,
            Duration::from_secs(4),
            exact()
        )
        .await,
        secs(&[26.0, 3.0])
    );
    for kind in [Kind::ImageToVideo, Kind::LipSync, Kind::VideoEffects] {
        assert_eq!(
            sleeps_of(kind, queued_then_done, Duration::ZERO, exact()).await,
            secs(&[30.0, 3.0]),
            "{kind}"
        );
    }
    // Image kinds keep the ramp: they are done in 5–60 s.
    for kind in [Kind::ImageGeneration, Kind::VirtualTryOn] {
        assert_eq!(
            sleeps_of(kind, queued_then_done, Duration::ZERO, exact()).await,
            secs(&[2.0, 3.0]),
            "{kind}"
        );
    }
    // A resumed handle whose task is older, a task already processing, the rule turned off:
    // the ramp.
    assert_eq!(
        sleeps_of(
            Kind::TextToVideo,
            queued_then_done,
            Duration::from_secs(300),
            exact()
        )
        .await,
        secs(&[2.0, 3.0])
    );
    let processing: &[&str] = &["processing", "processing", "succeed"];
    assert_eq!(
        sleeps_of(Kind::TextToVideo, processing, Duration::ZERO, exact()).await,
        secs(&[2.0, 3.0])
    );
    let off = exact().min_video_age(Duration::ZERO);
    assert_eq!(
        sleeps_of(Kind::TextToVideo, queued_then_done, Duration::ZERO, off).await,
        secs(&[2.0, 3.0])
    );
    // Still queued at 30 s: the schedule from there on.
    let long_queue: &[&str] = &["submitted", "submitted", "submitted", "succeed"];
    assert_eq!(
        sleeps_of(
            Kind::TextToVideo,
            long_queue,
            Duration::from_secs(10),
            exact()
        )
        .await,
        secs(&[20.0, 3.0, 4.5])
    );
}

#[tokio::test]
async fn a_policy_scaled_to_milliseconds_keeps_its_scale() {
    // The CLI's `--mock` policy: a quarter-second schedule capped at half a second. A queued
    // video waits at most twice the cap, not 30 s.
    let quick = PollPolicy::default()
        .initial_delay(Duration::from_millis(250))
        .initial_interval(Duration::from_millis(250))
        .max_interval(Duration::from_millis(500))
        .jitter(0.0);
    let queued_then_done: &[&str] = &["submitted", "processing", "succeed"];
    assert_eq!(
        sleeps_of(Kind::TextToVideo, queued_then_done, Duration::ZERO, quick).await,
        secs(&[0.25, 1.0, 0.375])
    );
}

#[tokio::test]
async fn a_server_hint_wins_over_the_queued_video_wait() {
    let server = ScriptServer::start(|i, _| match i {
        0 => Reply::json_with(
            200,
            &[("x-poll-after-ms", "5000")],
            &format!(
                r#"{{"code":0,"data":{{"task_id":"1","task_status":"submitted","created_at":{CREATED_AT_MS}}}}}"#
            ),
        ),
        _ => Reply::json(
            200,
            r#"{"code":0,"data":{"task_id":"1","task_status":"succeed","task_result":{"videos":[{"url":"http://x/v.mp4"}]}}}"#,
        ),
    })
    .await;
    let clock = ManualClock::starting_at(created_at());
    let client = script_client(&server, &clock);
    let outcome = TaskHandle::new(Kind::TextToVideo, "1")
        .wait(&client, FIFTEEN_MINUTES)
        .poll_policy(PollPolicy::default())
        .await;
    assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
    assert_eq!(
        clock.sleeps(),
        secs(&[5.0]),
        "the hint as sent, not jittered"
    );
}

#[tokio::test]
async fn the_handles_creation_time_counts_when_the_server_sends_none() {
    let server = || {
        ScriptServer::start(|i, _| match i {
            0 => Reply::json(
                200,
                r#"{"code":0,"data":{"task_id":"1","task_status":"submitted"}}"#,
            ),
            _ => Reply::json(
                200,
                r#"{"code":0,"data":{"task_id":"1","task_status":"succeed","task_result":{"videos":[{"url":"http://x/v.mp4"}]}}}"#,
            ),
        })
    };
    let wait = |handle: TaskHandle| async move {
        let server = server().await;
        let clock = ManualClock::starting_at(created_at() + Duration::from_secs(12));
        let client = script_client(&server, &clock);
        let outcome = handle
            .wait(&client, FIFTEEN_MINUTES)
            .poll_policy(PollPolicy::default().jitter(0.0))
            .await;
        assert!(matches!(outcome, WaitOutcome::Succeeded(_)), "{outcome:?}");
        clock.sleeps()
    };
    let mut handle = TaskHandle::new(Kind::TextToVideo, "1");
    handle.created_at_ms = Some(CREATED_AT_MS as i64);
    assert_eq!(wait(handle).await, secs(&[18.0]));
    // Without any creation time the age is unknown: the ramp.
    assert_eq!(
        wait(TaskHandle::new(Kind::TextToVideo, "1")).await,
        secs(&[2.0])
    );
}

#[tokio::test]
async fn jittered_waits_drift_apart_and_repeat_with_the_seed() {
    let processing: &[&str] = &["processing"; 8];
    let run = |seed: u64| async move {
        let server = scripted(processing).await;
        let clock = ManualClock::starting_at(created_at() + Duration::from_secs(600));
        let client = core_support::builder(&clock)
            .entropy(nicerouter_kling::entropy::SeededEntropy::new(seed))
            .api_key("sk-script-key")
            .base_url(&server.origin)
            .build()
            .unwrap();
        // Two waits started together on one client, each for 60 s, with jitter asked for.
        let handle = TaskHandle::new(Kind::TextToVideo, "1");
        let policy = PollPolicy::default().jitter(0.1);
        let first = handle
            .wait(&client, Duration::from_secs(60))
            .poll_policy(policy.clone())
            .await;
        let first_sleeps = clock.sleeps();
        let second = handle
            .wait(&client, Duration::from_secs(60))
            .poll_policy(policy)
            .await;
        let second_sleeps = clock.sleeps()[first_sleeps.len()..].to_vec();
        for outcome in [&first, &second] {
            let WaitOutcome::MaxWaitExceeded { polls, .. } = outcome else {
                panic!("{outcome:?}")
            };
            assert!(
                *polls
                    <= PollPolicy::default()
                        .jitter(0.1)
                        .max_polls(Duration::from_secs(60))
            );
        }
        (first_sleeps, second_sleeps)
    };
    let (a, b) = run(7).await;
    assert_ne!(a, b, "two waits on one client draw different intervals");
    let nominal = [2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 15.0];
    for sleeps in [&a, &b] {
        // Every interval but the last (shortened to the deadline) within ±10 % of the schedule.
        for (sleep, n) in sleeps.iter().zip(nominal).take(sleeps.len() - 1) {
            let s = sleep.as_secs_f64();
            assert!(s >= n * 0.9 - 1e-9 && s <= n * 1.1 + 1e-9, "{s} vs {n}");
        }
        assert_eq!(sleeps.iter().sum::<Duration>(), Duration::from_secs(60));
    }
    assert_ne!(a[0], Duration::from_secs(2), "jittered");
    assert_eq!(
        run(7).await,
        (a.clone(), b),
        "the same seed, the same schedule"
    );
    assert_ne!(run(8).await.0, a);
}

#[tokio::test]
async fn a_poll_hanging_past_the_max_wait_ends_the_wait_within_the_grace() {
    // The server never answers the poll in time; the client's request timeout (60 s) is far
    // longer than the wait. The max wait still holds, on the real clock.
    let server = ScriptServer::start(|_, _| {
        Reply::Delayed(
            Duration::from_secs(60),
            Box::new(Reply::json(200, &task_json("1", "processing"))),
        )
    })
    .await;
    let client = nicerouter_kling::Client::builder()
        .api_key("sk-script-key")
        .base_url(&server.origin)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let outcome = TaskHandle::new(Kind::ImageGeneration, "1")
        .wait(&client, Duration::from_millis(200))
        .poll_policy(PollPolicy::default().final_poll_grace(Duration::from_millis(300)))
        .await;
    let took = started.elapsed();
    assert!(
        matches!(outcome, WaitOutcome::MaxWaitExceeded { .. }),
        "{outcome:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}
