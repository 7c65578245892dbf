//! Relays' variants of Kling's answers, each played by the mock and read by the one decoder:
//! `code` as a string, a create answered by an OpenAI-style video object, other status
//! vocabularies, and errors inside HTTP 200. Each variant goes through create, get, wait
//! and list, and never costs more than one task.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use nicerouter_kling::{
    Client, CreateOutcome, Kind, PollPolicy, RetryPolicy, Status, TaskHandle, WaitOutcome,
};
use nicerouter_kling_mock::{
    ErrorShape, Fault, Match, MockServer, MockServerBuilder, StatusWords, Timing,
};

const MAX_WAIT: Duration = Duration::from_secs(20);

async fn relay(builder: MockServerBuilder) -> (MockServer, Client) {
    let server = builder
        .timing(Timing::Polls {
            processing_after: 1,
            done_after: 2,
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .poll_policy(
            PollPolicy::default()
                .initial_delay(Duration::from_millis(5))
                .initial_interval(Duration::from_millis(5))
                .max_interval(Duration::from_millis(20))
                .min_video_age(Duration::ZERO)
                .jitter(0.0),
        )
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20))
                .jitter(false),
        )
        .build()
        .unwrap();
    (server, client)
}

async fn create(client: &Client) -> TaskHandle {
    client
        .text_to_video()
        .prompt("a cat playing the piano")
        .send()
        .await
        .unwrap()
}

/// Create, get, wait to success and list, against a server with `fault` on every answer.
async fn full_cycle(fault: Fault) {
    let (server, client) = relay(MockServer::builder().fault(Match::any(), fault.clone())).await;
    let handle = create(&client).await;
    let task_id = server.created_tasks()[0].task_id.clone();
    assert_eq!(handle.task_id, task_id, "{fault}");
    assert_eq!(handle.status(), Some(Status::Submitted), "{fault}");

    let got = client
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap();
    assert_eq!(got.id(), task_id, "{fault}");

    let WaitOutcome::Succeeded(done) = handle.wait(&client, MAX_WAIT).await else {
        panic!("{fault}: the task succeeds");
    };
    assert_eq!(done.outputs().len(), 1, "{fault}");

    let page = client.list(Kind::TextToVideo, 1, 30).await.unwrap();
    assert_eq!(page.len(), 1, "{fault}");
    assert_eq!(page[0].id(), task_id, "{fault}");
    assert_eq!(page[0].status(), Status::Succeeded, "{fault}");
    assert_eq!(server.tasks_created(), 1, "{fault}");
}

#[tokio::test]
async fn string_codes_are_read_as_success() {
    for code in ["0", "success"] {
        full_cycle(Fault::StringCode(code.into())).await;
    }
}

#[tokio::test]
async fn openai_video_objects_are_tasks() {
    full_cycle(Fault::OpenAiVideo).await;
}

#[tokio::test]
async fn an_openai_create_answer_is_a_handle_to_poll_as_usual() {
    let (server, client) =
        relay(MockServer::builder().fault(Match::creates(), Fault::OpenAiVideo)).await;
    let handle = create(&client).await;
    assert_eq!(handle.task_status.as_ref().unwrap().as_str(), "queued");
    assert_eq!(handle.status(), Some(Status::Submitted));
    assert!(handle.external_task_id.is_some());
    let WaitOutcome::Succeeded(task) = handle.wait(&client, MAX_WAIT).await else {
        panic!("the task succeeds");
    };
    assert_eq!(task.id(), handle.task_id);
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn every_status_vocabulary_ends_the_wait() {
    let vocabularies = [
        StatusWords::new_api(),
        StatusWords::openai(),
        StatusWords::new_standard(),
        StatusWords::upper(),
        StatusWords::new("queued", "in_progress", "completed", "cancelled"),
        StatusWords::new("NOT_START", "IN_PROGRESS", "SUCCESS", "canceled"),
    ];
    for words in vocabularies {
        let fault = Fault::StatusWords(words.clone());
        let (server, client) = relay(MockServer::builder().fault(Match::any(), fault)).await;

        let ok = create(&client).await;
        assert_eq!(ok.status(), Some(Status::Submitted), "{words}");
        let WaitOutcome::Succeeded(task) = ok.wait(&client, MAX_WAIT).await else {
            panic!("{words}: the task succeeds");
        };
        assert_eq!(
            task.raw().task_status.as_str(),
            words.succeed,
            "kept as sent"
        );
        assert_eq!(task.status(), Status::Succeeded, "{words}");

        server
            .faults()
            .once(Match::creates(), Fault::TaskFails("risk control".into()));
        let bad = create(&client).await;
        let WaitOutcome::Failed { task, reason } = bad.wait(&client, MAX_WAIT).await else {
            panic!("{words}: the task fails");
        };
        assert_eq!(reason, "risk control");
        assert_eq!(
            task.raw().task_status.as_str(),
            words.failed,
            "kept as sent"
        );

        let page = client.list(Kind::TextToVideo, 1, 30).await.unwrap();
        let statuses: Vec<Status> = page.iter().map(|t| t.status()).collect();
        assert_eq!(statuses, [Status::Failed, Status::Succeeded], "{words}");
        assert_eq!(server.tasks_created(), 2, "{words}");
    }
}

#[tokio::test]
async fn errors_inside_200_are_api_errors_and_never_pay_twice() {
    for shape in ErrorShape::ALL {
        let (server, client) = relay(MockServer::builder()).await;
        server
            .faults()
            .once(Match::creates(), Fault::ErrorIn200(shape));
        let created = client
            .text_to_video()
            .prompt("a cat playing the piano")
            .send()
            .await;
        match shape {
            // 1303 says "not created, try again later": sent again, created once.
            ErrorShape::Kling | ErrorShape::StringCode | ErrorShape::OpenAi => {
                created.unwrap_or_else(|e| panic!("{shape}: {e}"));
                assert_eq!(server.requests_to("create_text2video").len(), 2, "{shape}");
                assert_eq!(server.tasks_created(), 1, "{shape}");
            }
            _ => {
                let error = created.expect_err(shape.to_string().as_str());
                assert_eq!(
                    error.create_outcome(),
                    Some(CreateOutcome::NotCreated),
                    "{shape}: {error}"
                );
                assert_eq!(error.status().map(|s| s.as_u16()), Some(200), "{shape}");
                assert_eq!(server.tasks_created(), 0, "{shape}");
            }
        }

        server
            .faults()
            .once(Match::polls(), Fault::ErrorIn200(shape));
        let error = client
            .get(Kind::TextToVideo, "1")
            .await
            .expect_err(shape.to_string().as_str());
        assert!(error.api().is_some(), "{shape}: {error:?}");
    }
}
