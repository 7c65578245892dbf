//! Callbacks: the task object Kling POSTs to `callback_url` parses into the same `Task` a poll
//! returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use core_support::client;
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::Text2VideoRequest;
use nicerouter_kling::{Kind, Status, Task};
use nicerouter_kling_mock::{MockServer, Timing};
use serde_json::{Value, json};

#[tokio::test]
async fn a_callback_body_is_the_same_task_as_a_poll() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let body: Text2VideoRequest = serde_json::from_value(json!({"prompt": "a cat"})).unwrap();
    let handle = client.create(body).await.unwrap();
    let polled = client
        .get(Kind::TextToVideo, &handle.task_id)
        .await
        .unwrap();

    // What Kling would POST: the bare task object (here, the poll's `data`).
    let envelope: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/videos/text2video/{}",
            server.nicerouter_base_url(),
            handle.task_id
        ))
        .bearer_auth(server.api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let callback = serde_json::to_vec(&envelope["data"]).unwrap();
    let task = Task::from_callback_body(&callback).unwrap();
    assert_eq!(task, polled);
    assert_eq!(task.status(), Status::Succeeded);
    assert_eq!(task.external_task_id(), handle.external_task_id.as_deref());
    assert_eq!(task.outputs(), polled.outputs());

    // An enveloped body (as some relays forward it) gives the same task.
    let wrapped = serde_json::to_vec(&envelope).unwrap();
    assert_eq!(Task::from_callback_body(&wrapped).unwrap(), polled);
}
