//! Helpers shared by the mock's tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, missing_docs)]

use nicerouter_kling_mock::MockServer;
use nicerouter_kling_spec::validate::Validator;
use nicerouter_kling_spec::{Operation, OperationRole, embedded, operations};
use serde_json::Value;

/// Every operation of the spec.
pub fn ops() -> Vec<Operation> {
    operations(embedded())
}

/// The operation with this id.
pub fn op(id: &str) -> Operation {
    ops().into_iter().find(|o| o.operation_id == id).unwrap()
}

/// The create operation of a kind segment.
pub fn create_of(kind: &str) -> Operation {
    ops()
        .into_iter()
        .find(|o| o.kind_segment() == kind && o.role == OperationRole::Create)
        .unwrap()
}

/// The spec's example request body of a create (every create has one).
pub fn example_body(create: &Operation) -> Value {
    let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
    let pointer = format!(
        "/paths/{}/post/requestBody/content/application~1json/example",
        create.path.replace('/', "~1")
    );
    spec.pointer(&pointer)
        .cloned()
        .unwrap_or_else(|| panic!("no example for {}", create.operation_id))
}

/// The example body without its `external_task_id` (so that it can be sent many times).
pub fn body_without_external_id(create: &Operation) -> Value {
    let mut body = example_body(create);
    body.as_object_mut().unwrap().remove("external_task_id");
    body
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `{nicerouter base}{path}` for an operation with its `{task_id}` filled in.
pub fn url(server: &MockServer, op: &Operation, task_id: &str) -> String {
    format!(
        "{}{}",
        server.nicerouter_base_url(),
        op.render_path(|_| task_id.to_owned())
    )
}

/// Sends an operation with the right key and returns status and JSON.
pub async fn call(
    server: &MockServer,
    op: &Operation,
    task_id: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    call_with(server, op, task_id, body, &[]).await
}

/// [`call`] with extra query parameters.
pub async fn call_with(
    server: &MockServer,
    op: &Operation,
    task_id: &str,
    body: Option<&Value>,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let client = http();
    let mut req = match op.method {
        nicerouter_kling_spec::Method::Get => client.get(url(server, op, task_id)),
        nicerouter_kling_spec::Method::Post => client.post(url(server, op, task_id)),
    }
    .bearer_auth(server.api_key())
    .query(query);
    if let Some(body) = body {
        req = req.json(body);
    }
    let response = req.send().await.unwrap();
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap();
    assert_matches_spec(&op.operation_id, status, &json);
    (status, json)
}

/// Creates a task of a kind from the spec's example (without external id); its task id.
pub async fn create(server: &MockServer, kind: &str) -> String {
    let create = create_of(kind);
    let (status, json) = call(
        server,
        &create,
        "",
        Some(&body_without_external_id(&create)),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    json["data"]["task_id"].as_str().unwrap().to_owned()
}

/// Fails the test when a JSON answer does not match the spec's response schema.
pub fn assert_matches_spec(operation_id: &str, status: u16, json: &Value) {
    if let Err(problems) = Validator::embedded().validate_response(operation_id, status, json) {
        panic!("{operation_id} {status} answer breaks the spec: {problems:?}\n{json:#}");
    }
}
