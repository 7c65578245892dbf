//! Waiting: outcomes, the poll schedule, hints, cancellation, the status stream, resuming a
//! serialised handle, and the size of a waiting future.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::future::IntoFuture;
use std::time::Duration;

use core_support::{Reply, ScriptServer, client, mock_with, script_client, task_json};
use futures::StreamExt;
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::Text2VideoRequest;
use nicerouter_kling::{
    CancellationToken, Error, Kind, KlingCode, PollPolicy, Status, TaskHandle, WaitError,
    WaitEvent, WaitOutcome,
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
        error.to_string().contains("Image pixel is invalid"),
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
        .poll_policy(PollPolicy::default().server_hint(false))
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
    let clock = ManualClock::new();
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
            WaitEvent::Finished(_) => None,
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
        assert_eq!(change.elapsed, Duration::from_secs(2));
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
