//! For every operation in the spec, the generated client sends the method, path, query and
//! body that the spec says, with the bearer key, and decodes the spec's own 200 example.
//!
//! The list of operations comes from the spec; an operation without a case here fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use nicerouter_kling_raw::{Auth, Client, Inner, types};
use nicerouter_kling_spec::{Operation, OperationRole, embedded, operations};
use serde_json::Value;
use support::{Canned, Server};

const TASK_ID: &str = "814570891207524415";
const PAGE_NUM: u32 = 2;
const PAGE_SIZE: u32 = 7;

/// The request example of a create operation, from the spec.
fn request_example(op: &Operation) -> Value {
    let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
    let method = op.method.as_str().to_lowercase();
    spec["paths"][&op.path][&method]["requestBody"]["content"]["application/json"]["example"]
        .clone()
}

/// The 200 example of an operation (the first named example if there are several).
fn response_example(op: &Operation) -> Value {
    let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
    let method = op.method.as_str().to_lowercase();
    let mut response = spec["paths"][&op.path][&method]["responses"]["200"].clone();
    if let Some(r) = response["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/responses/");
        response = spec["components"]["responses"][name].clone();
    }
    let media = &response["content"]["application/json"];
    if !media["example"].is_null() {
        return media["example"].clone();
    }
    media["examples"]
        .as_object()
        .and_then(|m| m.values().next())
        .map(|e| e["value"].clone())
        .unwrap()
}

/// Calls the generated method of `op`. Returns the decoded `data` as JSON.
async fn call(client: &Client, op: &Operation) -> Value {
    macro_rules! kinds {
        ($( $create:ident, $get:ident, $list:ident, $body:ident; )*) => {
            match op.operation_id.as_str() {
                $(
                    stringify!($create) => {
                        let body: types::$body = serde_json::from_value(request_example(op)).unwrap();
                        let r = client.$create().body(body).send().await.unwrap();
                        serde_json::to_value(&r.data).unwrap()
                    }
                    stringify!($get) => {
                        let r = client.$get().task_id(TASK_ID).send().await.unwrap();
                        serde_json::to_value(&r.data).unwrap()
                    }
                    stringify!($list) => {
                        let r = client.$list().page_num(PAGE_NUM).page_size(PAGE_SIZE).send().await.unwrap();
                        serde_json::to_value(&r.data).unwrap()
                    }
                )*
                other => panic!("operation `{other}` is in the spec but has no request-conformance case"),
            }
        };
    }
    kinds! {
        create_text2video, get_text2video, list_text2video, Text2VideoRequest;
        create_image2video, get_image2video, list_image2video, Image2VideoRequest;
        create_multi_image2video, get_multi_image2video, list_multi_image2video, MultiImage2VideoRequest;
        create_video_extend, get_video_extend, list_video_extend, VideoExtendRequest;
        create_lip_sync, get_lip_sync, list_lip_sync, LipSyncRequest;
        create_video_effects, get_video_effects, list_video_effects, VideoEffectsRequest;
        create_image_generation, get_image_generation, list_image_generation, ImageGenerationRequest;
        create_virtual_try_on, get_virtual_try_on, list_virtual_try_on, VirtualTryOnRequest;
    }
}

#[tokio::test]
async fn every_operation_sends_what_the_spec_says() {
    let server = Server::start().await;
    let client = Client::new(&server.url("/kling"), Inner::new(Auth::bearer("test-key")));
    let ops = operations(embedded());
    assert_eq!(ops.len(), 24, "8 kinds × create, get, list");

    for op in &ops {
        let example = response_example(op);
        server.answer(Canned::json(200, &example));
        let decoded = call(&client, op).await;
        let seen = server.take();
        assert_eq!(seen.len(), 1, "{}: one request", op.operation_id);
        let seen = &seen[0];

        assert_eq!(seen.method, op.method.as_str(), "{}", op.operation_id);
        let path = op.render_path(|_| TASK_ID.to_owned());
        assert_eq!(seen.path, format!("/kling{path}"), "{}", op.operation_id);
        assert_eq!(
            seen.header("authorization"),
            Some("Bearer test-key"),
            "{}",
            op.operation_id
        );
        assert_eq!(
            seen.header("api-version"),
            None,
            "{}: api-version is removed",
            op.operation_id
        );

        match op.role {
            OperationRole::Create => {
                assert_eq!(seen.header("content-type"), Some("application/json"));
                let sent: Value = serde_json::from_slice(&seen.body).unwrap();
                assert_eq!(
                    sent,
                    request_example(op),
                    "{}: body is the spec's example",
                    op.operation_id
                );
                assert_eq!(seen.query, None);
            }
            OperationRole::List => {
                let mut query: Vec<&str> = seen.query.as_deref().unwrap_or("").split('&').collect();
                query.sort_unstable();
                assert_eq!(
                    query,
                    [
                        format!("pageNum={PAGE_NUM}"),
                        format!("pageSize={PAGE_SIZE}")
                    ]
                );
                assert_eq!(op.query_params, ["pageNum", "pageSize"]);
                assert!(seen.body.is_empty());
            }
            OperationRole::Get => {
                assert_eq!(seen.query, None);
                assert!(seen.body.is_empty());
            }
            OperationRole::Other => panic!("{}: unexpected operation shape", op.operation_id),
        }
        // The spec's example decodes into the generated types without losing a field.
        assert_eq!(
            strip_nulls(decoded),
            strip_nulls(example["data"].clone()),
            "{}: the 200 example round-trips",
            op.operation_id
        );
    }
}

/// The generated types omit absent optionals; the examples never carry `null`.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
