//! Tasks: timing by polls and by milliseconds, outcomes, external ids, pages, media.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use nicerouter_kling_mock::{
    DuplicatePolicy, Fault, Match, MediaKind, MockServer, Outcome, Status, Timing, media,
};
use serde_json::{Value, json};

async fn poll(server: &MockServer, kind: &str, id: &str) -> Value {
    let get = ops()
        .into_iter()
        .find(|o| o.kind_segment() == kind && o.role == nicerouter_kling_mock::OperationRole::Get)
        .unwrap();
    let (status, json) = call(server, &get, id, None).await;
    assert_eq!(status, 200, "{json}");
    json["data"].clone()
}

#[tokio::test]
async fn polls_move_a_task_through_its_states() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 2,
            done_after: 4,
        })
        .start()
        .await
        .unwrap();
    let id = create(&server, "text2video").await;
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(
            poll(&server, "text2video", &id).await["task_status"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        seen,
        [
            "submitted",
            "processing",
            "processing",
            "succeed",
            "succeed"
        ]
    );
    let done = poll(&server, "text2video", &id).await;
    assert_eq!(done["task_status_msg"], "");
    let videos = done["task_result"]["videos"].as_array().unwrap();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0]["id"], format!("{id}-0"));
    assert_eq!(videos[0]["duration"], "5");
    assert_eq!(
        videos[0]["url"],
        format!("{}/mock-media/{id}/0.mp4", server.base_url())
    );
    assert!(done["updated_at"].as_i64() >= done["created_at"].as_i64());
    let task = server.task(&id).unwrap();
    assert_eq!((task.status, task.polls), (Status::Succeed, 6));
}

#[tokio::test]
async fn millis_timing_follows_the_clock() {
    let server = MockServer::builder()
        .timing(Timing::Millis {
            processing_after: 40,
            done_after: 120,
        })
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let id = create(&server, "image2video").await;
    // Poll until done; a status may only show once its time has come (the task was created
    // after `started`, so these lower bounds hold however slow the machine is).
    let mut seen = Vec::new();
    loop {
        let status = poll(&server, "image2video", &id).await["task_status"]
            .as_str()
            .unwrap()
            .to_owned();
        let elapsed = started.elapsed();
        match status.as_str() {
            "processing" => assert!(
                elapsed >= Duration::from_millis(40),
                "processing after {elapsed:?}"
            ),
            "succeed" => assert!(
                elapsed >= Duration::from_millis(120),
                "succeed after {elapsed:?}"
            ),
            _ => {}
        }
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "succeed" {
            break;
        }
        assert!(
            elapsed < Duration::from_secs(10),
            "never finished: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The order never goes backwards (a slow machine may skip a state, never reorder them).
    let order = ["submitted", "processing", "succeed"];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}

#[tokio::test]
async fn a_task_can_be_told_to_fail_or_to_take_its_own_time() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 1,
        })
        .start()
        .await
        .unwrap();
    server.faults().once(
        Match::creates(),
        Fault::TaskFails("Failure to pass the risk control system".into()),
    );
    let failing = create(&server, "text2video").await;
    server.faults().once(
        Match::creates(),
        Fault::TaskTiming(Timing::Polls {
            processing_after: 5,
            done_after: 9,
        }),
    );
    let slow = create(&server, "text2video").await;
    let normal = create(&server, "text2video").await;

    let failed = poll(&server, "text2video", &failing).await;
    assert_eq!(failed["task_status"], "failed");
    assert_eq!(
        failed["task_status_msg"],
        "Failure to pass the risk control system"
    );
    assert!(failed.get("task_result").is_none());
    assert_eq!(
        poll(&server, "text2video", &slow).await["task_status"],
        "submitted"
    );
    assert_eq!(
        poll(&server, "text2video", &normal).await["task_status"],
        "succeed"
    );

    // A server whose every task fails.
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .outcome(Outcome::Fail("Image pixel is invalid".into()))
        .start()
        .await
        .unwrap();
    let id = create(&server, "generations").await;
    assert_eq!(
        poll(&server, "generations", &id).await["task_status_msg"],
        "Image pixel is invalid"
    );
}

#[tokio::test]
async fn external_ids_are_stored_echoed_and_usable_for_lookup() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let create_op = create_of("effects");
    let mut body = body_without_external_id(&create_op);
    body["external_task_id"] = json!("order-42/retry#1");
    let (status, created) = call(&server, &create_op, "", Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(
        created["data"]["task_info"]["external_task_id"],
        "order-42/retry#1"
    );
    let id = created["data"]["task_id"].as_str().unwrap();
    // Looked up by external id (percent-encoded in the path), kind-scoped.
    let by_external = poll(&server, "effects", "order-42%2Fretry%231").await;
    assert_eq!(by_external["task_id"], id);
    assert_eq!(
        by_external["task_info"]["external_task_id"],
        "order-42/retry#1"
    );
    let (status, json) = call(&server, &op("get_text2video"), "order-42%2Fretry%231", None).await;
    assert_eq!(
        (status, json["code"].as_i64()),
        (400, Some(1201)),
        "another kind does not see it"
    );
    assert_eq!(server.task("order-42/retry#1").unwrap().task_id, id);
    assert_eq!(
        server.created_tasks()[0].external_task_id.as_deref(),
        Some("order-42/retry#1")
    );
}

#[tokio::test]
async fn duplicate_external_ids_are_rejected_or_allowed() {
    let server = MockServer::start().await.unwrap();
    let create_op = create_of("text2video");
    let body = example_body(&create_op);
    assert_eq!(call(&server, &create_op, "", Some(&body)).await.0, 200);
    let (status, json) = call(&server, &create_op, "", Some(&body)).await;
    assert_eq!((status, json["code"].as_i64()), (400, Some(1201)));
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("external_task_id already exists"),
        "{json}"
    );
    assert_eq!(server.tasks_created(), 1);

    let server = MockServer::builder()
        .duplicate_external_ids(DuplicatePolicy::Allow)
        .start()
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(call(&server, &create_op, "", Some(&body)).await.0, 200);
    }
    assert_eq!(server.tasks_created(), 2, "double billing is visible");
    let newest = poll(&server, "text2video", "my-app-7f3c2a91").await;
    assert_eq!(
        newest["task_id"],
        server.created_tasks()[1].task_id.as_str()
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_paged() {
    let server = MockServer::start().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create(&server, "lip-sync").await);
    }
    create(&server, "text2video").await;
    let list = op("list_lip_sync");
    let page = |json: &Value| -> Vec<String> {
        json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = call(&server, &list, "", None).await;
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(page(&all), newest_first);
    let (_, second) = call_with(
        &server,
        &list,
        "",
        None,
        &[("pageNum", "2"), ("pageSize", "2")],
    )
    .await;
    assert_eq!(page(&second), newest_first[2..4]);
    let (_, last) = call_with(
        &server,
        &list,
        "",
        None,
        &[("pageNum", "3"), ("pageSize", "2")],
    )
    .await;
    assert_eq!(page(&last), newest_first[4..]);
    let (_, beyond) = call_with(
        &server,
        &list,
        "",
        None,
        &[("pageNum", "9"), ("pageSize", "2")],
    )
    .await;
    assert!(page(&beyond).is_empty());
}

#[tokio::test]
async fn image_tasks_make_n_images_served_as_png() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .media_size(1500)
        .start()
        .await
        .unwrap();
    let id = create(&server, "generations").await; // the example asks for n = 2
    let done = poll(&server, "generations", &id).await;
    let images = done["task_result"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[1]["index"], 1);
    for image in images {
        let response = http()
            .get(image["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["content-length"], "1500");
        let bytes = response.bytes().await.unwrap();
        assert_eq!(bytes[..8], nicerouter_kling_mock::media::PNG_SIGNATURE);
        assert_eq!(&bytes[12..16], b"IHDR");
    }
    let try_on = create(&server, "kolors-virtual-try-on").await;
    let done = poll(&server, "kolors-virtual-try-on", &try_on).await;
    assert_eq!(done["task_result"]["images"].as_array().unwrap().len(), 1);
    // Unknown media is a 404.
    let missing = http()
        .get(format!("{}/mock-media/{id}/7.png", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn videos_are_served_as_mp4_with_deterministic_bytes() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let id = create(&server, "multi-image2video").await;
    let url = poll(&server, "multi-image2video", &id).await["task_result"]["videos"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetch = || async {
        let response = http().get(&url).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "video/mp4");
        response.bytes().await.unwrap()
    };
    let first = fetch().await;
    assert_eq!(&first[4..8], b"ftyp");
    assert_eq!(&first[24..28], b"avc1", "a compatible brand: an H.264 clip");
    let task = server.task(&id).unwrap();
    assert_eq!(
        first,
        media::result(&task, 0, MediaKind::Video, None),
        "the clip, then a `free` box naming the task"
    );
    assert_eq!(first, fetch().await);
}

#[tokio::test]
async fn audio_tasks_serve_their_track_as_mp3_and_wav() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let id = create(&server, "text-to-audio").await;
    let done = poll(&server, "text-to-audio", &id).await;
    let audio = &done["task_result"]["audios"][0];
    for (field, content_type, head) in [
        ("url_mp3", "audio/mpeg", &b"ID3"[..]),
        ("url_wav", "audio/wav", &b"RIFF"[..]),
    ] {
        let url = audio[field].as_str().unwrap();
        let response = http().get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{field}");
        assert_eq!(response.headers()["content-type"], content_type);
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(head), "{field}");
    }
    assert!(audio["duration_mp3"].is_string());
    // A video task has no MP3.
    let video = create(&server, "text2video").await;
    let missing = http()
        .get(format!("{}/mock-media/{video}/0.mp3", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn derived_videos_name_their_parent() {
    let server = MockServer::builder()
        .timing(Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    let source = create(&server, "text2video").await;
    let extend = create_of("video-extend");
    let body = json!({ "video_id": format!("{source}-0"), "prompt": "more" });
    let (status, created) = call(&server, &extend, "", Some(&body)).await;
    assert_eq!(status, 200);
    let id = created["data"]["task_id"].as_str().unwrap();
    let done = poll(&server, "video-extend", id).await;
    let parent = &done["task_info"]["parent_video"];
    assert_eq!(parent["id"], format!("{source}-0"));
    assert_eq!(
        parent["url"],
        format!("{}/mock-media/{source}/0.mp4", server.base_url())
    );
    assert_eq!(parent["duration"], "5");
}
