//! Resource bounds: a wait with a huge max wait is still cancellable (between polls and with a
//! poll in flight) and stops when dropped; downloads and API answers respect their size caps
//! and leave nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use nicerouter_kling::{
    Auth, CancellationToken, Client, DownloadError, Error, PollPolicy, WaitOutcome,
};
use nicerouter_kling_mock::{Fault, Match, MockServer, Timing};
use nicerouter_kling_reliability::{BoundsRow, BoundsTable, write_figures};

/// Tasks that never finish.
const FOREVER: Timing = Timing::Polls {
    processing_after: 0,
    done_after: u32::MAX,
};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .auth(Auth::nicerouter(server.api_key()))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(30))
        .poll_policy(
            PollPolicy::default()
                .initial_interval(Duration::from_millis(20))
                .max_interval(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// How long after `cancel` the wait ended, and how.
async fn cancel_after(
    client: &Client,
    handle: &nicerouter_kling::TaskHandle,
    max_wait: Duration,
    after: Duration,
) -> (Duration, WaitOutcome) {
    let token = CancellationToken::new();
    let canceller = token.clone();
    let cancelled_at = tokio::spawn(async move {
        tokio::time::sleep(after).await;
        canceller.cancel();
        Instant::now()
    });
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        handle.wait(client, max_wait).cancel_token(token),
    )
    .await
    .expect("the wait did not end after cancellation");
    let ended = Instant::now();
    (ended - cancelled_at.await.unwrap(), outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_are_cancellable_and_sizes_are_capped() {
    let mut rows = Vec::new();
    let server = MockServer::builder().timing(FOREVER).start().await.unwrap();
    let c = client(&server);
    let handle = c
        .text_to_video()
        .prompt("a very long film")
        .send()
        .await
        .unwrap();

    // A max wait as large as a Duration can be, cancelled between polls.
    for (name, max_wait) in [
        ("Duration::MAX", Duration::MAX),
        ("100 years", Duration::from_secs(100 * 365 * 24 * 3600)),
    ] {
        let (latency, outcome) =
            cancel_after(&c, &handle, max_wait, Duration::from_millis(150)).await;
        let polls = match &outcome {
            WaitOutcome::Cancelled { polls, .. } => *polls,
            _ => 0,
        };
        rows.push(BoundsRow {
            check: format!("wait with max wait {name}, cancelled between polls"),
            measured: format!(
                "{:?} after {polls} polls, {} ms after the cancel",
                outcome_name(&outcome),
                latency.as_millis()
            ),
            pass: matches!(outcome, WaitOutcome::Cancelled { .. })
                && polls > 0
                && latency < Duration::from_millis(500),
        });
    }

    // Cancelled while a poll is in flight on a server that takes 5 s to answer.
    server
        .faults()
        .always(Match::polls(), Fault::Latency(Duration::from_secs(5)));
    let (latency, outcome) =
        cancel_after(&c, &handle, Duration::MAX, Duration::from_millis(100)).await;
    rows.push(BoundsRow {
        check: "wait with max wait Duration::MAX, cancelled with a 5 s poll in flight".into(),
        measured: format!(
            "{:?}, {} ms after the cancel",
            outcome_name(&outcome),
            latency.as_millis()
        ),
        pass: matches!(outcome, WaitOutcome::Cancelled { .. })
            && latency < Duration::from_millis(500),
    });

    // Dropped: the future ends the wait (the task keeps running).
    let started = Instant::now();
    let dropped = tokio::time::timeout(Duration::from_millis(100), handle.wait(&c, Duration::MAX))
        .await
        .is_err();
    rows.push(BoundsRow {
        check: "wait with max wait Duration::MAX, dropped after 100 ms".into(),
        measured: format!("stopped after {} ms", started.elapsed().as_millis()),
        pass: dropped && started.elapsed() < Duration::from_millis(500),
    });
    server.faults().clear();

    // Downloads: the cap is checked against Content-Length before reading.
    let done = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .media_size(64 * 1024)
        .start()
        .await
        .unwrap();
    let d = client(&done);
    let handle = d
        .text_to_video()
        .prompt("a short film")
        .send()
        .await
        .unwrap();
    let WaitOutcome::Succeeded(task) = handle.wait(&d, Duration::from_secs(30)).await else {
        panic!("not done")
    };
    let dir = tempfile::tempdir().unwrap();
    let error = d
        .download(&task, dir.path())
        .max_bytes(16 * 1024)
        .await
        .unwrap_err();
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    let too_large =
        matches!(&error, Error::Download(e) if matches!(**e, DownloadError::TooLarge { .. }));
    rows.push(BoundsRow {
        check: "download of a 64 KiB video with a 16 KiB cap".into(),
        measured: format!("refused ({error}); {left} files left"),
        pass: too_large && left == 0,
    });
    let files = d
        .download(&task, dir.path())
        .max_bytes(64 * 1024)
        .await
        .unwrap();
    rows.push(BoundsRow {
        check: "the same download with a cap of exactly its size".into(),
        measured: format!("saved {} bytes", files[0].bytes),
        pass: files[0].bytes == 64 * 1024,
    });

    // API answers: the client's response cap.
    let capped = Client::builder()
        .auth(Auth::nicerouter(done.api_key()))
        .base_url(done.base_url())
        .max_response_bytes(200)
        .retry_policy(nicerouter_kling::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = capped
        .get(nicerouter_kling::Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap_err();
    rows.push(BoundsRow {
        check: "an API answer larger than a 200-byte response cap".into(),
        measured: format!("refused: {error}"),
        pass: error.to_string().contains("200-byte limit"),
    });

    for r in &rows {
        println!("| {} | {} | {} |", r.check, r.measured, r.pass);
    }
    write_figures("bounds", &BoundsTable { rows: rows.clone() }).unwrap();
    assert!(rows.iter().all(|r| r.pass), "{rows:#?}");
}

fn outcome_name(outcome: &WaitOutcome) -> &'static str {
    match outcome {
        WaitOutcome::Succeeded(_) => "Succeeded",
        WaitOutcome::Failed { .. } => "Failed",
        WaitOutcome::NoOutputs(_) => "NoOutputs",
        WaitOutcome::MaxWaitExceeded { .. } => "MaxWaitExceeded",
        WaitOutcome::Cancelled { .. } => "Cancelled",
        WaitOutcome::PollFailed { .. } => "PollFailed",
        _ => "another outcome",
    }
}
