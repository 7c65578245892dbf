//! The raw client decodes what Kling and relays really answer, and keeps the HTTP status of
//! errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nicerouter_kling_contract_tests::{Canned, CaptureServer};
use nicerouter_kling_raw::{Auth, Client, Error, Inner, TaskStatus};
use serde_json::json;

async fn setup() -> (CaptureServer, Client) {
    let server = CaptureServer::start().await.unwrap();
    let client = Client::new(&server.url("/kling"), Inner::new(Auth::bearer("k")));
    (server, client)
}

#[tokio::test]
async fn decodes_a_succeeded_task_with_videos() {
    let (server, client) = setup().await;
    server.answer(Canned::json(200, &json!({
        "code": 0, "message": "SUCCEED", "request_id": "r-1",
        "data": {"task_id": "814570891207524415", "task_status": "succeed", "task_status_msg": "",
                 "task_info": {"external_task_id": "e-1"}, "created_at": 1762237353241i64, "updated_at": 1762237421907i64,
                 "final_unit_deduction": "1",
                 "task_result": {"videos": [{"id": "v-0", "url": "https://cdn/x.mp4", "duration": "5.1"}]}}
    })));
    let r = client
        .get_text2video()
        .task_id("814570891207524415")
        .send()
        .await
        .unwrap();
    let task = r.data.as_ref().unwrap();
    assert_eq!(task.task_status, TaskStatus::Succeed);
    assert_eq!(
        task.task_info
            .as_ref()
            .and_then(|i| i.external_task_id.as_deref()),
        Some("e-1")
    );
    let videos = task
        .task_result
        .as_ref()
        .and_then(|t| t.videos.as_ref())
        .unwrap();
    assert_eq!(videos[0].duration.as_deref(), Some("5.1"));
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn decodes_a_failed_task_with_its_reason() {
    let (server, client) = setup().await;
    server.answer(Canned::json(200, &json!({
        "code": 0, "message": "SUCCEED",
        "data": {"task_id": "1", "task_status": "failed", "task_status_msg": "Failure to pass the risk control system",
                 "task_info": {}, "created_at": 1, "updated_at": 2}
    })));
    let r = client.get_image2video().task_id("1").send().await.unwrap();
    let task = r.data.as_ref().unwrap();
    assert_eq!(task.task_status, TaskStatus::Failed);
    assert_eq!(
        task.task_status_msg.as_deref(),
        Some("Failure to pass the risk control system")
    );
}

#[tokio::test]
async fn an_unknown_status_and_extra_fields_decode() {
    let (server, client) = setup().await;
    server.answer(Canned::json(200, &json!({
        "code": 0, "message": "success", "request_id": "r", "relay_trace": {"hop": 2},
        "data": {"task_id": "task_abc", "task_status": "queued", "progress": "10%", "task_info": null,
                 "task_result": {"videos": null, "images": null, "audios": []}}
    })));
    let r = client
        .get_lip_sync()
        .task_id("task_abc")
        .send()
        .await
        .unwrap();
    let task = r.data.as_ref().unwrap();
    assert_eq!(task.task_status, TaskStatus::Other("queued".into()));
    assert!(!task.task_status.is_terminal());
}

#[tokio::test]
async fn a_list_decodes_an_array() {
    let (server, client) = setup().await;
    server.answer(Canned::json(200, &json!({
        "code": 0, "message": "SUCCEED",
        "data": [{"task_id": "2", "task_status": "processing"}, {"task_id": "1", "task_status": "succeed",
                  "task_result": {"images": [{"index": 0, "url": "https://cdn/0.png"}]}}]
    })));
    let r = client
        .list_image_generation()
        .page_num(1)
        .page_size(30)
        .send()
        .await
        .unwrap();
    assert_eq!(r.data.as_ref().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_business_error_inside_http_200_decodes_with_its_code() {
    let (server, client) = setup().await;
    server.answer(Canned::json(
        200,
        &json!({"code": 1201, "message": "Task not found", "request_id": "r", "data": null}),
    ));
    let r = client
        .get_text2video()
        .task_id("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.code, 1201);
    assert!(r.data.is_none());
}

#[tokio::test]
async fn error_envelopes_keep_the_status_and_the_code() {
    let (server, client) = setup().await;
    for (status, code) in [
        (400u16, 1201),
        (401, 1002),
        (403, 1103),
        (429, 1303),
        (500, 5000),
        (503, 5001),
        (504, 5002),
    ] {
        server.answer(Canned::json(
            status,
            &json!({"code": code, "message": "m", "request_id": "rid"}),
        ));
        let err = client
            .get_text2video()
            .task_id("1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        let Error::ErrorResponse(body) = err else {
            panic!("expected ErrorResponse for {status}")
        };
        assert_eq!(body.code, Some(json!(code)));
        assert_eq!(body.request_id.as_deref(), Some("rid"));
    }
}

#[tokio::test]
async fn relay_shaped_errors_keep_the_status() {
    let (server, client) = setup().await;
    // new-api answers a string code; OpenAI-style relays nest an `error` object.
    server.answer(Canned::json(
        400,
        &json!({"code": "task_failed", "message": "upstream said no", "data": null}),
    ));
    let err = client
        .get_text2video()
        .task_id("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    server.answer(Canned::json(
        502,
        &json!({"error": {"message": "bad gateway", "type": "upstream_error"}}),
    ));
    let err = client
        .get_text2video()
        .task_id("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.is_retryable());
}
