//! Downloads: streamed to a temporary file, size-capped, sniffed, hashed, renamed into place
//! with a sidecar; nothing partial left behind; expiry explained.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod core_support;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use core_support::{Reply, ScriptServer, client, mock_with, script_client};
use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::raw::types::{ImageGenerationRequest, Text2VideoRequest, TextToAudioRequest};
use nicerouter_kling::{
    Client, DownloadError, Error, Kind, OutputKind, Sidecar, Task, TaskHandle, WaitOutcome,
};
use nicerouter_kling_mock::{Fault, Match, MediaKind, MockServer, Timing, media};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A complete (if tiny) MP4: one `ftyp` box of 16 bytes.
const MP4_HEAD: &[u8] = b"\0\0\0\x10ftypisom\0\0\x02\0";

async fn finished(server: &MockServer, client: &Client, kind: Kind) -> (TaskHandle, Task) {
    let handle = match kind {
        Kind::ImageGeneration => {
            let body: ImageGenerationRequest =
                serde_json::from_value(json!({"prompt": "a red fox", "n": 2})).unwrap();
            client.create(body).await.unwrap()
        }
        _ => {
            let body: Text2VideoRequest = serde_json::from_value(
                json!({"prompt": "a cat", "model_name": "kling-v2-5-turbo"}),
            )
            .unwrap();
            client.create(body).await.unwrap()
        }
    };
    let _ = server;
    match handle.wait(client, Duration::from_secs(60)).await {
        WaitOutcome::Succeeded(task) => (handle, task),
        other => panic!("{other:?}"),
    }
}

async fn done_server() -> MockServer {
    mock_with(MockServer::builder().timing(Timing::Polls {
        processing_after: 0,
        done_after: 0,
    }))
    .await
}

/// Every entry of a directory (temporary files included).
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn task_at(url: &str, updated_at_ms: u64) -> Task {
    Task::from_callback_body(
        json!({
            "task_id": "814570891207524415", "task_status": "succeed",
            "created_at": updated_at_ms, "updated_at": updated_at_ms,
            "task_result": {"videos": [{"id": "v", "url": url, "duration": "5",
                                         "watermark_url": format!("{url}?wm=1")}]}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn a_video_is_saved_atomically_with_hash_and_sidecar() {
    let server = done_server().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let (handle, task) = finished(&server, &client, Kind::TextToVideo).await;
    let dir = tempfile::tempdir().unwrap();
    let files = client
        .download(&task, dir.path())
        .handle(&handle)
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(file.kind, OutputKind::Video);
    assert_eq!(file.path, dir.path().join(format!("{}-0.mp4", task.id())));
    let bytes = std::fs::read(&file.path).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
    assert_eq!(file.bytes, bytes.len() as u64);
    assert_eq!(file.sha256, hex::encode(Sha256::digest(&bytes)));

    let sidecar: Sidecar = serde_json::from_slice(&std::fs::read(&file.sidecar).unwrap()).unwrap();
    assert_eq!(sidecar.task_id, task.id());
    assert_eq!(sidecar.kind, Some(Kind::TextToVideo));
    assert_eq!(sidecar.external_task_id, handle.external_task_id);
    assert_eq!(sidecar.sha256, file.sha256);
    assert_eq!(sidecar.bytes, file.bytes);
    assert!(sidecar.expires_at.is_some());
    assert_eq!(
        sidecar.request.unwrap().model_name.as_deref(),
        Some("kling-v2-5-turbo")
    );
    assert_eq!(sidecar.content_type.as_deref(), Some("video/mp4"));
    assert!(!sidecar.source.contains('?'));

    #[cfg(unix)]
    {
        // Saved like any new file (0o666 less the umask), not a temporary file's 0o600.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let reference = tempfile::tempdir().unwrap();
        let ordinary = reference.path().join("ordinary");
        std::fs::File::create(&ordinary).unwrap();
        assert_eq!(mode(&file.path), mode(&ordinary), "result file mode");
        assert_eq!(mode(&file.sidecar), mode(&ordinary), "sidecar mode");
    }

    assert_eq!(
        entries(dir.path()),
        vec![
            format!("{}-0.mp4", task.id()),
            format!("{}-0.mp4.json", task.id())
        ],
        "no temporary files left"
    );
}

#[tokio::test]
async fn every_image_of_a_task_is_saved() {
    let server = done_server().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let (_, task) = finished(&server, &client, Kind::ImageGeneration).await;
    let dir = tempfile::tempdir().unwrap();
    let files = client.download(&task, dir.path()).await.unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| f.kind == OutputKind::Image && f.path.extension().unwrap() == "png")
    );
    assert_eq!(entries(dir.path()).len(), 4);
}

#[tokio::test]
async fn every_kind_of_mock_media_is_saved_and_verified() {
    let server = done_server().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let video: Text2VideoRequest =
        serde_json::from_value(json!({"prompt": "a cat", "aspect_ratio": "9:16"})).unwrap();
    let image: ImageGenerationRequest =
        serde_json::from_value(json!({"prompt": "a red fox", "aspect_ratio": "1:1"})).unwrap();
    let audio: TextToAudioRequest =
        serde_json::from_value(json!({"prompt": "rain on a tin roof", "duration": 3})).unwrap();
    let handles = [
        client.create(video).await.unwrap(),
        client.create(image).await.unwrap(),
        client.create(audio).await.unwrap(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut saved = Vec::new();
    for handle in &handles {
        let WaitOutcome::Succeeded(task) = handle.wait(&client, Duration::from_secs(60)).await
        else {
            panic!("{handle:?} did not succeed");
        };
        let mock_task = server.task(task.id()).unwrap();
        for file in client.download(&task, dir.path()).await.unwrap() {
            let bytes = std::fs::read(&file.path).unwrap();
            assert_eq!(file.sha256, hex::encode(Sha256::digest(&bytes)));
            assert!(file.sidecar.exists());
            let extension = file.path.extension().unwrap().to_str().unwrap().to_owned();
            let served = match extension.as_str() {
                "mp4" => MediaKind::Video,
                "png" => MediaKind::Image,
                "wav" => MediaKind::Audio,
                "mp3" => MediaKind::AudioMp3,
                other => panic!("unexpected file type {other}"),
            };
            assert_eq!(
                bytes,
                media::result(&mock_task, 0, served, None),
                "{extension}"
            );
            saved.push((file.kind, extension));
        }
    }
    assert_eq!(
        saved,
        [
            (OutputKind::Video, "mp4".to_owned()),
            (OutputKind::Image, "png".to_owned()),
            (OutputKind::Audio, "mp3".to_owned()),
            (OutputKind::Audio, "wav".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_truncated_download_leaves_no_file_behind() {
    let server = done_server().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let (_, task) = finished(&server, &client, Kind::TextToVideo).await;
    server
        .faults()
        .always(Match::media(), Fault::TruncatedDownload);
    let dir = tempfile::tempdir().unwrap();
    let error = client.download(&task, dir.path()).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(clock.sleeps().len(), 3, "downloads are reads: retried");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));

    server
        .faults()
        .clear()
        .once(Match::media(), Fault::TruncatedDownload);
    let files = client.download(&task, dir.path()).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(entries(dir.path()).len(), 2);
}

#[tokio::test]
async fn content_length_over_the_cap_is_refused_before_reading() {
    let server = done_server().await;
    let clock = ManualClock::new();
    let client = client(&server, &clock);
    let (_, task) = finished(&server, &client, Kind::TextToVideo).await;
    let dir = tempfile::tempdir().unwrap();
    let error = client
        .download(&task, dir.path())
        .max_bytes(100)
        .await
        .unwrap_err();
    let Error::Download(d) = &error else {
        panic!("{error:?}")
    };
    assert!(
        matches!(
            **d,
            DownloadError::TooLarge {
                limit: 100,
                declared: Some(_)
            }
        ),
        "{d:?}"
    );
    assert!(entries(dir.path()).is_empty());
    assert!(clock.sleeps().is_empty(), "not retried");
}

#[tokio::test]
async fn a_stream_over_the_cap_is_cut_and_removed() {
    let mut big = MP4_HEAD.to_vec();
    big.resize(100_000, 7);
    let server = ScriptServer::start(move |_, _| Reply::chunked("video/mp4", &big)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let task = task_at(&format!("{}/v.mp4", server.origin), now_ms());
    let dir = tempfile::tempdir().unwrap();
    let error = client
        .download(&task, dir.path())
        .max_bytes(50_000)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Download(d) if matches!(**d, DownloadError::TooLarge { declared: None, .. })),
        "{error:?}"
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn an_html_page_instead_of_a_video_is_refused() {
    let server = ScriptServer::start(|_, _| {
        Reply::with(
            200,
            "text/html",
            &[],
            b"<html><body>Access denied</body></html>",
        )
    })
    .await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let task = task_at(&format!("{}/v.mp4?sig=secret", server.origin), now_ms());
    let dir = tempfile::tempdir().unwrap();
    let error = client.download(&task, dir.path()).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("<html>") && message.contains("text/html"),
        "{message}"
    );
    assert!(entries(dir.path()).is_empty());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn results_past_thirty_days_are_refused_without_a_request() {
    let server = ScriptServer::start(|_, _| Reply::with(200, "video/mp4", &[], MP4_HEAD)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let thirty_one_days = 31 * 24 * 3600 * 1000;
    let task = task_at(
        &format!("{}/v.mp4", server.origin),
        now_ms() - thirty_one_days,
    );
    let dir = tempfile::tempdir().unwrap();
    let error = client.download(&task, dir.path()).await.unwrap_err();
    assert!(error.to_string().contains("30 days"), "{error}");
    assert!(matches!(&error, Error::Download(d) if d.is_expired()));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_media_host_refusal_mentions_the_expiry_and_is_not_retried() {
    for status in [403, 404, 410] {
        let server =
            ScriptServer::start(move |_, _| Reply::with(status, "text/plain", &[], b"gone")).await;
        let clock = ManualClock::new();
        let client = script_client(&server, &clock);
        let task = task_at(&format!("{}/v.mp4?Signature=abc", server.origin), now_ms());
        let dir = tempfile::tempdir().unwrap();
        let error = client.download(&task, dir.path()).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("30 days") && message.contains(&status.to_string()),
            "{message}"
        );
        assert!(
            !message.contains("Signature=abc"),
            "signed query stays out of messages: {message}"
        );
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.count(), 1);
    }
}

#[tokio::test]
async fn the_api_key_is_never_sent_to_the_media_host() {
    let server = ScriptServer::start(|_, _| Reply::with(200, "video/mp4", &[], MP4_HEAD)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let task = task_at(&format!("{}/v.mp4", server.origin), now_ms());
    let dir = tempfile::tempdir().unwrap();
    client.download(&task, dir.path()).await.unwrap();
    assert_eq!(server.seen()[0].header("authorization"), None);
}

#[tokio::test]
async fn existing_files_are_kept_unless_overwrite_is_asked() {
    let server = ScriptServer::start(|_, _| Reply::with(200, "video/mp4", &[], MP4_HEAD)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let task = task_at(&format!("{}/v.mp4", server.origin), now_ms());
    let dir = tempfile::tempdir().unwrap();
    client.download(&task, dir.path()).await.unwrap();
    let error = client.download(&task, dir.path()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Download(d) if matches!(**d, DownloadError::Exists { .. })),
        "{error:?}"
    );
    assert_eq!(
        entries(dir.path()).len(),
        2,
        "no temporary file left after the refusal"
    );
    client
        .download(&task, dir.path())
        .overwrite(true)
        .await
        .unwrap();
    assert_eq!(entries(dir.path()).len(), 2);
}

#[tokio::test]
async fn watermarked_variants_and_empty_tasks() {
    let server = ScriptServer::start(|_, _| Reply::with(200, "video/mp4", &[], MP4_HEAD)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let task = task_at(&format!("{}/v.mp4", server.origin), now_ms());
    let dir = tempfile::tempdir().unwrap();
    let marked = client
        .download(&task, dir.path())
        .watermarked(true)
        .await
        .unwrap();
    let plain = client.download(&task, dir.path()).await.unwrap();
    assert_ne!(
        marked[0].path, plain[0].path,
        "the variants never overwrite each other"
    );
    assert!(
        marked[0]
            .path
            .to_string_lossy()
            .ends_with("-0-watermarked.mp4")
    );
    assert!(
        server.seen()[0].path.ends_with("?wm=1"),
        "{}",
        server.seen()[0].path
    );

    let empty = Task::from_callback_body(br#"{"task_id":"1","task_status":"processing"}"#).unwrap();
    let error = client.download(&empty, dir.path()).await.unwrap_err();
    assert!(matches!(&error, Error::Download(d) if matches!(**d, DownloadError::NoOutputs { .. })));
}

#[tokio::test]
async fn outputs_with_repeated_or_missing_indices_get_distinct_files() {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\x2c\0\0\x01\x2c\x08\x02\0\0\0\0\0\0\0\0\0\0\0IEND\xaeB`\x82";
    let server = ScriptServer::start(|_, _| Reply::with(200, "image/png", &[], PNG)).await;
    let clock = ManualClock::new();
    let client = script_client(&server, &clock);
    let origin = &server.origin;
    let task = Task::from_callback_body(
        json!({
            "task_id": "77", "task_status": "succeed",
            "created_at": now_ms(), "updated_at": now_ms(),
            "task_result": {"images": [
                {"index": 0, "url": format!("{origin}/a.png")},
                {"index": 0, "url": format!("{origin}/b.png")},
                {"url": format!("{origin}/c.png")}
            ]}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = client
        .download(&task, dir.path())
        .overwrite(true)
        .await
        .unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["77-0.png", "77-1.png", "77-2.png"]);
}
