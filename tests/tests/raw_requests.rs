//! For every operation in the spec, the generated client sends the method, path, query and
//! body that the spec says, with the bearer key, and decodes the spec's own 200 example.
//!
//! The list of operations comes from the spec; an operation without a case fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nicerouter_kling_contract_tests::{
    CallOptions, Canned, CaptureServer, call, request_example, response_example,
};
use nicerouter_kling_raw::{Auth, Client, Inner};
use nicerouter_kling_spec::{Method, OperationRole, embedded, operations};
use serde_json::Value;

const TASK_ID: &str = "814570891207524415";
const PAGE_NUM: u32 = 2;
const PAGE_SIZE: u32 = 7;
const PERIOD: (i64, i64) = (1_726_124_664_368, 1_727_366_400_000);

#[tokio::test]
async fn every_operation_sends_what_the_spec_says() {
    let server = CaptureServer::start().await.unwrap();
    let client = Client::new(&server.url("/kling"), Inner::new(Auth::bearer("test-key")));
    let ops = operations(embedded());
    assert_eq!(
        ops.len(),
        79,
        "21 kinds × create, get, list, and 16 plain operations"
    );

    for op in &ops {
        let example = response_example(op, "200").remove(0);
        server.answer(Canned::json(200, &example));
        let args = CallOptions {
            body: request_example(op),
            task_id: TASK_ID.into(),
            page: Some((PAGE_NUM, PAGE_SIZE)),
            period: Some(PERIOD),
        };
        let decoded = call(&client, op, &args).await.unwrap().data;
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
            OperationRole::Create | OperationRole::Other if op.method == Method::Post => {
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
            OperationRole::List | OperationRole::Other
                if op.query_params.contains(&"pageNum".into()) =>
            {
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
            OperationRole::Other if op.operation_id == "get_account_costs" => {
                let mut query: Vec<&str> = seen.query.as_deref().unwrap_or("").split('&').collect();
                query.sort_unstable();
                assert_eq!(
                    query,
                    [
                        format!("end_time={}", PERIOD.1),
                        format!("start_time={}", PERIOD.0)
                    ]
                );
                assert!(seen.body.is_empty());
            }
            _ => panic!("{}: unexpected operation shape", op.operation_id),
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
