//! Property-based fuzzing of everything that reads what a server (or a caller's saved file)
//! sends: the create/get/lookup decoder, the list decoder, the error decoder, the `Retry-After`
//! reader, the callback parser, and a saved `TaskHandle`. Arbitrary bytes, arbitrary JSON, and
//! JSON shaped like Kling's envelopes with arbitrary values where the fields go. Nothing may
//! panic, and every accessor of whatever decodes must be callable.
//!
//! CI runs a bounded number of cases with a fixed seed (about 1,000 per target). To run long:
//! `PROPTEST_CASES=200000 cargo test --release -p nicerouter-kling-reliability --test fuzz`,
//! or the coverage-guided libFuzzer targets in `fuzz/` (see its README).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use nicerouter_kling::{Error, Task, TaskHandle, decode};
use nicerouter_kling_reliability::{FuzzSummary, write_figures};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

/// Cases per target unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 1_000;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn runner() -> TestRunner {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

// ---- strategies ----

/// Words that reach the interesting branches: statuses, codes as text, relay codes.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("succeed".to_owned()),
        Just("SUCCESS".to_owned()),
        Just("failed".to_owned()),
        Just("processing".to_owned()),
        Just("submitted".to_owned()),
        Just("in-progress".to_owned()),
        Just("completed".to_owned()),
        Just("cancelled".to_owned()),
        Just("FAILURE".to_owned()),
        Just("queued".to_owned()),
        Just("video".to_owned()),
        Just("list".to_owned()),
        Just("success".to_owned()),
        Just("0".to_owned()),
        Just("1303".to_owned()),
        Just("task_failed".to_owned()),
        Just("".to_owned()),
        Just("5.1".to_owned()),
        Just("-1e309".to_owned()),
        Just("NaN".to_owned()),
        Just("https://cdn.example/v.mp4?sig=1".to_owned()),
        ".{0,24}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(0)),
        Just(json!(1_722_769_557_708i64)),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(99_999_999_999i64)),
        Just(json!(1303)),
        Just(json!(5001)),
    ]
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value for a known field: usually plausible, sometimes anything.
fn field(plausible: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        3 => plausible.prop_map(Some),
        1 => any_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>) -> BoxedStrategy<Value> {
    let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    (values, prop::collection::vec((word(), any_json()), 0..3))
        .prop_map(move |(values, extra)| {
            let mut map = Map::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(value) = value {
                    map.insert((*name).to_owned(), value);
                }
            }
            for (k, v) in extra {
                map.insert(k, v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// A task object shaped like Kling's, with arbitrary values where the fields go.
fn task_json() -> BoxedStrategy<Value> {
    let media = object(vec![
        ("id", field(word().prop_map(Value::String))),
        ("url", field(word().prop_map(Value::String))),
        ("watermark_url", field(word().prop_map(Value::String))),
        ("duration", field(word().prop_map(Value::String))),
        ("index", field(number())),
    ]);
    let result = object(vec![
        (
            "videos",
            field(prop::collection::vec(media.clone(), 0..3).prop_map(Value::Array)),
        ),
        (
            "images",
            field(prop::collection::vec(media, 0..4).prop_map(Value::Array)),
        ),
    ]);
    let info = object(vec![
        ("external_task_id", field(word().prop_map(Value::String))),
        ("parent_video", field(any_json())),
    ]);
    object(vec![
        ("task_id", field(word().prop_map(Value::String))),
        ("task_status", field(word().prop_map(Value::String))),
        ("task_status_msg", field(word().prop_map(Value::String))),
        ("task_info", field(info)),
        ("created_at", field(number())),
        ("updated_at", field(number())),
        ("task_result", field(result)),
        (
            "final_unit_deduction",
            field(word().prop_map(Value::String)),
        ),
    ])
}

/// A relay's task: an OpenAI-style video object (`id`, `object: "video"`, `status`,
/// `metadata.url`, `error`) or new-api's task record (`status`, `fail_reason`, `result_url`,
/// the raw Kling answer in `data`), with arbitrary values where the fields go.
fn relay_task_json() -> BoxedStrategy<Value> {
    object(vec![
        (
            "id",
            field(prop_oneof![word().prop_map(Value::String), number()]),
        ),
        ("task_id", field(word().prop_map(Value::String))),
        ("object", field(Just(json!("video")))),
        ("status", field(word().prop_map(Value::String))),
        (
            "progress",
            field(prop_oneof![number(), word().prop_map(Value::String)]),
        ),
        (
            "created_at",
            field(prop_oneof![number(), word().prop_map(Value::String)]),
        ),
        ("fail_reason", field(word().prop_map(Value::String))),
        ("result_url", field(word().prop_map(Value::String))),
        (
            "metadata",
            field(object(vec![("url", field(word().prop_map(Value::String)))])),
        ),
        (
            "error",
            field(object(vec![(
                "message",
                field(word().prop_map(Value::String)),
            )])),
        ),
        (
            "data",
            field(
                prop_oneof![
                    task_json(),
                    object(vec![
                        ("code", field(Just(json!(0)))),
                        ("data", field(task_json())),
                    ]),
                ]
                .boxed(),
            ),
        ),
    ])
}

/// Kling's envelope (or a relay's error shape) around `data`, or, as relays answer, a
/// relay's task or a list of them without any envelope.
fn envelope(data: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => envelope_of(data),
        1 => relay_task_json(),
        1 => prop::collection::vec(relay_task_json(), 0..3)
            .prop_map(|tasks| json!({"object": "list", "data": tasks})),
    ]
    .boxed()
}

/// Kling's envelope (or a relay's error shape) around `data`; `code` may be a string.
fn envelope_of(data: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let code = prop_oneof![
        3 => Just(json!(0)),
        1 => number(),
        1 => word().prop_map(Value::String),
    ];
    object(vec![
        ("code", field(code)),
        ("message", field(word().prop_map(Value::String))),
        ("request_id", field(word().prop_map(Value::String))),
        (
            "data",
            field(prop_oneof![4 => data, 1 => relay_task_json()].boxed()),
        ),
        ("success", field(any::<bool>().prop_map(Value::Bool))),
        (
            "error",
            field(object(vec![
                ("message", field(word().prop_map(Value::String))),
                ("code", field(word().prop_map(Value::String))),
            ])),
        ),
    ])
}

/// A body: raw bytes, JSON text (whole or cut), or a shaped envelope.
fn body(shaped: BoxedStrategy<Value>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        shaped.clone().prop_map(|v| v.to_string().into_bytes()),
        (shaped, any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            let at = cut.index(text.len() + 1);
            text[..at].to_vec()
        }),
        Just(b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec()),
    ]
}

fn status() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        3 => Just(StatusCode::OK),
        1 => (100u16..1000).prop_map(|s| StatusCode::from_u16(s).unwrap()),
        1 => prop::sample::select(vec![400u16, 401, 404, 409, 429, 500, 502, 503, 504])
            .prop_map(|s| StatusCode::from_u16(s).unwrap()),
    ]
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let value = prop_oneof![
        "[0-9]{1,6}",
        "-?[0-9]{1,25}(\\.[0-9]{0,5})?(e[0-9]{1,4})?",
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("inf".to_owned()),
        Just("NaN".to_owned()),
        "[ -~]{0,30}",
    ];
    let name = prop::sample::select(vec![
        "retry-after",
        "retry-after-ms",
        "x-request-id",
        "x-poll-after-ms",
        "content-type",
    ]);
    prop::collection::vec((name, value), 0..4).prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        map
    })
}

// ---- what is done with a decoded value ----

fn use_task(task: &Task) {
    let _ = (
        task.id(),
        task.status().is_terminal(),
        task.status().to_string(),
        task.status_message(),
        task.external_task_id(),
        task.created_at(),
        task.updated_at(),
        task.expires_at(),
        task.final_unit_deduction(),
        format!("{task:?}"),
    );
    for output in task.outputs() {
        let _ = (output.url.len(), output.duration, output.index, output.kind);
    }
    let back = serde_json::to_vec(task).unwrap();
    let again: Task = serde_json::from_slice(&back).unwrap();
    assert_eq!(&again, task, "a task must round-trip through its own JSON");
}

fn use_error(error: &Error) {
    let _ = (
        error.to_string(),
        format!("{error:?}"),
        error.status(),
        error
            .code()
            .map(|c| (c.to_string(), c.family(), c.as_i64())),
        error.request_id(),
        error.retry_after(),
        error.is_retryable(),
        error.api(),
    );
}

/// Runs one target and returns how many cases ran.
fn target<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value)) -> u64
where
    S::Value: std::fmt::Debug,
{
    let count = std::sync::atomic::AtomicU64::new(0);
    let result = runner().run(&strategy, |input| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        test(input);
        Ok(())
    });
    if let Err(e) = result {
        panic!("fuzz target {name} failed: {e}");
    }
    count.into_inner()
}

#[test]
fn decoders_and_the_callback_parser_never_panic() {
    let mut targets: Vec<(String, u64)> = Vec::new();
    let mut record = |name: &str, n: u64| targets.push((name.to_owned(), n));

    record(
        "task_response",
        target(
            "task_response",
            (status(), headers(), body(envelope(task_json()))),
            |(status, headers, body)| match decode::task_response(status, &headers, &body) {
                Ok(task) => use_task(&task),
                Err(error) => use_error(&error),
            },
        ),
    );
    record(
        "task_list_response",
        target(
            "task_list_response",
            (
                status(),
                headers(),
                body(envelope(
                    prop::collection::vec(task_json(), 0..4)
                        .prop_map(Value::Array)
                        .boxed(),
                )),
            ),
            |(status, headers, body)| match decode::task_list_response(status, &headers, &body) {
                Ok(tasks) => tasks.iter().for_each(use_task),
                Err(error) => use_error(&error),
            },
        ),
    );
    record(
        "error_response",
        target(
            "error_response",
            (status(), headers(), body(envelope(any_json().boxed()))),
            |(status, headers, body)| use_error(&decode::error_response(status, &headers, &body)),
        ),
    );
    record(
        "retry_after",
        target(
            "retry_after",
            (headers(), any::<u32>()),
            |(headers, secs)| {
                let now = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(secs));
                let _ = decode::retry_after(&headers, now);
            },
        ),
    );
    record(
        "callback",
        target(
            "callback",
            body(prop_oneof![task_json(), envelope(task_json())].boxed()),
            |body| match Task::from_callback_body(&body) {
                Ok(task) => use_task(&task),
                Err(error) => use_error(&error),
            },
        ),
    );
    record(
        "task_handle",
        target(
            "task_handle",
            body(
                object(vec![
                    ("kind", field(word().prop_map(Value::String))),
                    ("task_id", field(word().prop_map(Value::String))),
                    ("external_task_id", field(word().prop_map(Value::String))),
                    ("created_at_ms", field(number())),
                    ("base_url", field(word().prop_map(Value::String))),
                    ("request", field(any_json())),
                ])
                .boxed(),
            ),
            |body| {
                if let Ok(handle) = serde_json::from_slice::<TaskHandle>(&body) {
                    let _ = (handle.created_at(), format!("{handle:?}"));
                }
            },
        ),
    );
    let summary = FuzzSummary { targets, panics: 0 };
    println!("{summary:#?}");
    write_figures("fuzz", &summary).unwrap();
}
