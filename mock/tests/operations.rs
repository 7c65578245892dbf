//! Every operation of the spec is served, validated and authenticated like Kling.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use nicerouter_kling_mock::{MockServer, OperationRole};
use serde_json::{Value, json};

#[tokio::test]
async fn every_operation_of_the_spec_is_served_with_klings_shapes() {
    let server = MockServer::start().await.unwrap();
    let all = ops();
    assert_eq!(all.len(), 79);
    for create in all.iter().filter(|o| o.role == OperationRole::Create) {
        let kind = create.kind_segment();
        let (status, created) = call(&server, create, "", Some(&example_body(create))).await;
        assert_eq!(status, 200, "{kind}: {created}");
        assert_eq!(created["code"], 0);
        assert_eq!(created["message"], "SUCCEED");
        let data = &created["data"];
        let task_id = data["task_id"].as_str().unwrap();
        assert_eq!(task_id.len(), 18, "{task_id}");
        assert!(task_id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(data["task_status"], "submitted");
        assert!(
            data["created_at"].as_i64().unwrap() > 1_700_000_000_000,
            "milliseconds"
        );
        match example_body(create).get("external_task_id") {
            Some(external) => {
                assert_eq!(data["task_info"], json!({ "external_task_id": external }))
            }
            None => assert_eq!(data["task_info"], json!({})),
        }

        let get = all
            .iter()
            .find(|o| o.kind_segment() == kind && o.role == OperationRole::Get)
            .unwrap();
        let (status, polled) = call(&server, get, task_id, None).await;
        assert_eq!(status, 200, "{polled}");
        assert_eq!(polled["data"]["task_id"], task_id);

        let list = all
            .iter()
            .find(|o| o.kind_segment() == kind && o.role == OperationRole::List)
            .unwrap();
        let (status, listed) = call(&server, list, "", None).await;
        assert_eq!(status, 200);
        assert_eq!(
            listed["data"].as_array().unwrap().len(),
            1,
            "{kind}: lists are per kind"
        );
    }
    assert_eq!(server.tasks_created(), 21);
    let journal = server.journal();
    assert_eq!(journal.len(), 63);
    let mut seen: Vec<&str> = journal
        .iter()
        .filter_map(|e| e.operation_id.as_deref())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 63, "every task operation was routed");
}

#[tokio::test]
async fn plain_operations_answer_at_once_in_the_specs_shapes() {
    let server = MockServer::start().await.unwrap();
    let plain: Vec<_> = ops()
        .into_iter()
        .filter(|o| o.role == OperationRole::Other)
        .collect();
    assert_eq!(plain.len(), 16);
    for op in &plain {
        let body = (op.method == nicerouter_kling_spec::Method::Post).then(|| example_body(op));
        let query = [
            ("start_time", "1726124664368"),
            ("end_time", "1727366400000"),
        ];
        let query: &[(&str, &str)] = if op.query_params.iter().any(|q| q == "start_time") {
            &query
        } else {
            &[]
        };
        let (status, json) = call_with(&server, op, "", body.as_ref(), query).await;
        assert_eq!(status, 200, "{}: {json}", op.operation_id);
        assert_eq!(json["code"], 0, "{}", op.operation_id);
        assert_matches_spec(&op.operation_id, 200, &json);
    }
    // TTS made one finished task whose speech can be downloaded.
    assert_eq!(server.tasks_created(), 1);
    let (_, speech) = call(
        &server,
        &op("create_tts"),
        "",
        Some(&example_body(&op("create_tts"))),
    )
    .await;
    assert_eq!(speech["data"]["task_status"], "succeed");
    let url = speech["data"]["task_result"]["audios"][0]["url"]
        .as_str()
        .unwrap();
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[8..12], b"WAVE");
    // The account's resource packs.
    let (_, costs) = call_with(
        &server,
        &op("get_account_costs"),
        "",
        None,
        &[("start_time", "1"), ("end_time", "2")],
    )
    .await;
    assert!(
        !costs["data"]["resource_pack_subscribe_infos"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A plain operation's body is validated like a create's.
    let (status, json) = call(&server, &op("create_tts"), "", Some(&json!({"text": "hi"}))).await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(
        json["message"],
        "Invalid parameter: voice_id: is required; voice_language: is required"
    );
    let (status, _) = call(&server, &op("get_account_costs"), "", None).await;
    assert_eq!(status, 400, "start_time and end_time are required");
}

#[tokio::test]
async fn results_follow_the_kind() {
    // Audio kinds answer audios, voices a voice with a sample, elements an element; all in
    // the spec's shapes (the server checks every answer in debug builds).
    let server = MockServer::builder()
        .timing(nicerouter_kling_mock::Timing::Polls {
            processing_after: 0,
            done_after: 0,
        })
        .start()
        .await
        .unwrap();
    for (kind, array) in [
        ("text-to-audio", "audios"),
        ("custom-voices", "voices"),
        ("advanced-custom-elements", "elements"),
        ("ai-multi-shot", "images"),
        ("omni-video", "videos"),
    ] {
        let create = create_of(kind);
        let (_, created) = call(
            &server,
            &create,
            "",
            Some(&body_without_external_id(&create)),
        )
        .await;
        let task_id = created["data"]["task_id"].as_str().unwrap().to_owned();
        let get = ops()
            .into_iter()
            .find(|o| o.kind_segment() == kind && o.role == OperationRole::Get)
            .unwrap();
        let (status, polled) = call(&server, &get, &task_id, None).await;
        assert_eq!(status, 200);
        assert_matches_spec(&get.operation_id, 200, &polled);
        let result = &polled["data"]["task_result"][array];
        assert_eq!(result.as_array().map(Vec::len), Some(1), "{kind}: {polled}");
    }
}

#[tokio::test]
async fn a_create_without_external_id_answers_an_empty_task_info() {
    let server = MockServer::start().await.unwrap();
    let create = create_of("image2video");
    let (status, json) = call(&server, &create, "", Some(&example_body(&create))).await;
    assert_eq!(status, 200);
    assert_eq!(json["data"]["task_info"], json!({}));
}

async fn rejected(server: &MockServer, op_id: &str, body: Value) -> String {
    let (status, json) = call(server, &op(op_id), "", Some(&body)).await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["code"], 1201);
    json["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn invalid_bodies_get_400_1201_naming_field_and_rule() {
    let server = MockServer::start().await.unwrap();
    let long = "x".repeat(2501);
    assert_eq!(
        rejected(&server, "create_text2video", json!({ "prompt": long })).await,
        "Invalid parameter: prompt: at most 2500 characters"
    );
    assert_eq!(
        rejected(
            &server,
            "create_text2video",
            json!({ "prompt": "p", "sound": "loud" })
        )
        .await,
        "Invalid parameter: sound: must be one of on, off"
    );
    assert_eq!(
        rejected(&server, "create_image_generation", json!({ "n": 2 })).await,
        "Invalid parameter: prompt: is required"
    );
    assert_eq!(
        rejected(
            &server,
            "create_virtual_try_on",
            json!({ "human_image": "a", "cloth_image": "b", "bogus": 1 })
        )
        .await,
        "Invalid parameter: bogus: unknown field `bogus`"
    );
    assert_eq!(
        rejected(
            &server,
            "create_lip_sync",
            json!({ "input": { "mode": "text2video", "text": "t".repeat(121) } })
        )
        .await,
        "Invalid parameter: input.text: at most 120 characters"
    );
    assert_eq!(server.tasks_created(), 0, "rejected creates make no task");

    // A body that is not JSON at all.
    let response = http()
        .post(format!(
            "{}/v1/videos/text2video",
            server.nicerouter_base_url()
        ))
        .bearer_auth(server.api_key())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["code"], 1201);
    assert_eq!(
        server.journal().last().unwrap().body,
        Some(Value::String("{not json".into()))
    );
}

#[tokio::test]
async fn list_parameters_are_validated_and_unknown_tasks_are_1201() {
    let server = MockServer::start().await.unwrap();
    let list = op("list_text2video");
    for (value, rule) in [
        ("501", "pageSize: must be at most 500"),
        ("zero", "pageSize: must be an integer"),
    ] {
        let (status, json) = call_with(&server, &list, "", None, &[("pageSize", value)]).await;
        assert_eq!(status, 400);
        assert_eq!(json["message"], format!("Invalid parameter: {rule}"));
    }
    let (status, json) = call(&server, &op("get_text2video"), "999999999999999999", None).await;
    assert_eq!((status, json["code"].as_i64()), (400, Some(1201)));
    assert_eq!(json["message"], "Task not found by id/external id");
}

#[tokio::test]
async fn a_missing_or_wrong_key_gets_401() {
    let server = MockServer::start().await.unwrap();
    let url = format!("{}/v1/videos/text2video", server.nicerouter_base_url());
    let body = json!({ "prompt": "p" });
    let cases = [
        (None, 1001),
        (Some("Bearer wrong-key"), 1002),
        (Some("mock-key"), 1002),
        (Some("Basic abc"), 1002),
    ];
    for (header, code) in cases {
        let mut req = http().post(&url).json(&body);
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let response = req.send().await.unwrap();
        assert_eq!(response.status(), 401, "{header:?}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["code"], code, "{header:?}");
        assert_matches_spec("create_text2video", 401, &json);
    }
    assert_eq!(server.tasks_created(), 0);
}

#[tokio::test]
async fn the_api_key_is_configurable() {
    let server = MockServer::builder()
        .api_key("sk-custom")
        .start()
        .await
        .unwrap();
    assert_eq!(server.api_key(), "sk-custom");
    let task_id = create(&server, "text2video").await;
    assert_eq!(task_id, nicerouter_kling_mock::FIRST_TASK_ID.to_string());
}

#[tokio::test]
async fn unknown_paths_and_methods_get_404() {
    let server = MockServer::start().await.unwrap();
    for (method, path) in [
        ("GET", "/kling/v1/videos/teleport"),
        ("DELETE", "/kling/v1/videos/text2video"),
    ] {
        let response = http()
            .request(
                method.parse().unwrap(),
                format!("{}{path}", server.base_url()),
            )
            .bearer_auth(server.api_key())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["code"], 1202);
    }
}

mod official_api {
    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};

    fn jwt(iss: &str, secret: &str, exp_in: i64, nbf_in: i64) -> String {
        let now = get_current_timestamp() as i64;
        let claims = json!({ "iss": iss, "exp": now + exp_in, "nbf": now + nbf_in });
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    async fn send(server: &MockServer, token: &str) -> (u16, Value) {
        let response = http()
            .post(format!(
                "{}/v1/images/generations",
                server.official_base_url()
            ))
            .bearer_auth(token)
            .json(&json!({ "prompt": "a fox", "n": 2 }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let json: Value = response.json().await.unwrap();
        assert_matches_spec("create_image_generation", status, &json);
        (status, json)
    }

    #[tokio::test]
    async fn the_bare_spec_paths_take_an_hs256_jwt() {
        let server = MockServer::builder()
            .official_keys("AK123", "SK456")
            .start()
            .await
            .unwrap();
        let (status, json) = send(&server, &jwt("AK123", "SK456", 1800, -5)).await;
        assert_eq!(status, 200, "{json}");
        let (status, _) = send(&server, &server.official_token()).await;
        assert_eq!(status, 200);
        let cases = [
            (jwt("AK123", "wrong", 1800, -5), 1002),
            (jwt("other", "SK456", 1800, -5), 1002),
            (jwt("AK123", "SK456", -60, -120), 1004),
            (jwt("AK123", "SK456", 1800, 300), 1003),
            ("mock-key".to_owned(), 1002),
        ];
        for (token, code) in cases {
            let (status, json) = send(&server, &token).await;
            assert_eq!(
                (status, json["code"].as_i64()),
                (401, Some(code)),
                "{token}"
            );
        }
        assert_eq!(server.tasks_created(), 2);
        // The NiceRouter key does not open the official API, nor a JWT the relay.
        let response = http()
            .get(format!(
                "{}/v1/images/generations",
                server.nicerouter_base_url()
            ))
            .bearer_auth(server.official_token())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let api: Vec<_> = server.journal().iter().map(|e| e.api).collect();
        assert_eq!(api.last(), Some(&nicerouter_kling_mock::Api::NiceRouter));
        assert_eq!(api[0], nicerouter_kling_mock::Api::Official);
    }
}
