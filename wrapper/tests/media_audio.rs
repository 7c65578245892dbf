//! `AudioInput` through the lip-sync builder: the four formats, every way to give audio, and
//! the 5 MB limit at its edge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builders_support;

use builders_support::{Server, aac, b64, client, m4a, mp3, png, wav};
use nicerouter_kling::Client;
use nicerouter_kling::builders::LipSyncBuilder;
use nicerouter_kling::media::AudioInput;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

async fn setup() -> (Server, Client) {
    let server = Server::start().await;
    let client = client(&server);
    (server, client)
}

/// The `input` a lip-sync body would send for `audio`, or the error's field and rule.
fn sent_input(client: &Client, audio: impl Into<AudioInput>) -> Result<Value, (String, String)> {
    input_of(client.lip_sync().video_id("v-1").audio_file(audio))
}

fn input_of(builder: LipSyncBuilder) -> Result<Value, (String, String)> {
    let body = builder.build().map_err(|e| (e.field, e.rule))?;
    Ok(serde_json::to_value(body).unwrap()["input"].clone())
}

fn file_input(bytes: &[u8]) -> Value {
    json!({ "video_id": "v-1", "mode": "audio2video", "audio_type": "file", "audio_file": b64(bytes) })
}

#[tokio::test]
async fn the_four_formats_are_accepted_from_bytes_files_and_base64() {
    let (_server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("a.mp3", mp3()),
        ("a.wav", wav()),
        ("a.m4a", m4a()),
        ("a.aac", aac()),
    ] {
        assert_eq!(
            sent_input(&client, AudioInput::bytes(bytes.clone())).unwrap(),
            file_input(&bytes),
            "{name}"
        );
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            sent_input(&client, path.as_path()).unwrap(),
            file_input(&bytes),
            "{name}"
        );
        let data_url = format!("data:audio/mpeg;base64,{}", b64(&bytes));
        assert_eq!(
            sent_input(&client, data_url).unwrap(),
            file_input(&bytes),
            "{name}"
        );
        assert_eq!(
            sent_input(&client, AudioInput::base64(b64(&bytes))).unwrap(),
            file_input(&bytes),
            "{name}"
        );
    }
}

#[tokio::test]
async fn urls_go_to_audio_url() {
    let (_server, client) = setup().await;
    let url = "https://example.com/voice.m4a";
    assert_eq!(
        input_of(client.lip_sync().video_id("v-1").audio_url(url)).unwrap(),
        json!({ "video_id": "v-1", "mode": "audio2video", "audio_type": "url", "audio_url": url })
    );
    // `audio_file` takes audio data: a URL given to it is refused (it belongs in `audio_url`).
    let (field, rule) = sent_input(&client, url).unwrap_err();
    assert_eq!(
        (field.as_str(), rule.as_str()),
        (
            "input.audio_file",
            "takes audio data (a file, bytes or base64), not a URL"
        )
    );
    let (field, rule) =
        input_of(client.lip_sync().video_id("v-1").audio_url("voice.m4a")).unwrap_err();
    assert_eq!(field, "input.audio_url");
    assert!(rule.contains("absolute http:// or https:// URL"), "{rule}");
}

#[tokio::test]
async fn five_mb_is_the_limit() {
    let (_server, client) = setup().await;
    let mut exactly = mp3();
    exactly.resize(5 * MIB, 0);
    sent_input(&client, AudioInput::bytes(exactly.clone())).unwrap();
    exactly.push(0);
    let (field, rule) = sent_input(&client, AudioInput::bytes(exactly)).unwrap_err();
    assert_eq!(field, "input.audio_file");
    assert_eq!(rule, "must be at most 5 MB (got 5.0 MB (5242881 bytes))");
}

#[tokio::test]
async fn other_data_is_refused_naming_the_field() {
    let (_server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    for (what, bytes) in [
        (
            "ogg",
            b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00".to_vec(),
        ),
        ("flac", b"fLaC\x00\x00\x00\x22".to_vec()),
        ("png", png(400, 400)),
        ("text", b"just some text".to_vec()),
    ] {
        let (field, rule) = sent_input(&client, AudioInput::bytes(bytes)).unwrap_err();
        assert_eq!(field, "input.audio_file", "{what}");
        assert_eq!(
            rule, "must be MP3, WAV, M4A or AAC audio (the data is none of these)",
            "{what}"
        );
    }
    let (field, rule) = sent_input(&client, dir.path().join("missing.mp3")).unwrap_err();
    assert_eq!(field, "input.audio_file");
    assert!(rule.starts_with("cannot read file `"), "{rule}");
    let (field, rule) = sent_input(&client, "data:text/plain;base64,aGk=").unwrap_err();
    assert_eq!(
        (field.as_str(), rule.as_str()),
        (
            "input.audio_file",
            "is a `data:` URL of type text/plain, not an audio"
        )
    );
}
