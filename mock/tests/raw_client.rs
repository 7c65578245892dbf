//! The generated raw client talks to the mock: the mock serves what the client expects.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use nicerouter_kling_mock::{MockServer, Timing};
use nicerouter_kling_raw::{Auth, Client, Error, Inner, TaskStatus, types};

fn text2video() -> types::builder::Text2VideoRequest {
    types::Text2VideoRequest::builder()
        .prompt(Some("a cat playing the piano".parse().unwrap()))
        .model_name(Some("kling-v2-5-turbo".to_owned()))
        .duration(Some(types::VideoDuration::from("5".to_owned())))
}

#[tokio::test]
async fn create_poll_and_list_with_the_raw_client() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 1,
            done_after: 2,
        })
        .start()
        .await
        .unwrap();
    let client = Client::new(
        &server.nicerouter_base_url(),
        Inner::new(Auth::bearer(server.api_key())),
    );

    let body = text2video().external_task_id(Some("raw-client-1".parse().unwrap()));
    let created = client
        .create_text2video()
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.code, 0);
    let task = created.data.unwrap();
    assert_eq!(task.task_status, TaskStatus::Submitted);

    let polled = client
        .get_text2video()
        .task_id(&task.task_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(polled.data.unwrap().task_status, TaskStatus::Processing);
    let polled = client
        .get_text2video()
        .task_id("raw-client-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    let done = polled.data.unwrap();
    assert_eq!(done.task_status, TaskStatus::Succeed);
    let videos = done.task_result.unwrap().videos.unwrap();
    assert!(videos[0].url.ends_with(".mp4"));

    let page = client
        .list_text2video()
        .page_num(1)
        .page_size(10)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.data.unwrap().len(), 1);

    // A duplicate external id is a documented 400 with Kling's error body.
    let body = text2video().external_task_id(Some("raw-client-1".parse().unwrap()));
    match client.create_text2video().body(body).send().await {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 400);
            assert_eq!(response.code, Some(serde_json::json!(1201)));
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    assert_eq!(server.tasks_created(), 1);
}

#[tokio::test]
async fn the_raw_client_reaches_the_official_api_with_a_jwt() {
    let server = MockServer::start().await.unwrap();
    let client = Client::new(
        &server.official_base_url(),
        Inner::new(Auth::bearer(server.official_token())),
    );
    let created = client
        .create_text2video()
        .body(text2video())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.message.as_deref(), Some("SUCCEED"));
    assert_eq!(server.journal()[0].path, "/v1/videos/text2video");
}
