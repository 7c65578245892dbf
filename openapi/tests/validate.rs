//! The validation module against the embedded spec: examples, nullable, requests, responses.
#![cfg(feature = "validate")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use nicerouter_kling_spec::validate::{Validator, Violation, check_examples, check_examples_in};
use nicerouter_kling_spec::{OperationRole, SPEC_YAML, embedded, operations, parse, parse_value};
use serde_json::{Value, json};

fn v() -> &'static Validator {
    Validator::embedded()
}

fn messages(problems: &[Violation]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

fn request_problems(op: &str, body: Value) -> Vec<String> {
    messages(&v().validate_request(op, &[], &[], Some(&body)).unwrap_err())
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_spec_loads_with_openapiv3_and_has_79_operations() {
    let spec = parse(SPEC_YAML).unwrap();
    let ops = operations(&spec);
    assert_eq!(ops.len(), 79);
    // 21 task kinds with create, get and list; 16 plain operations that answer at once.
    for (role, count) in [
        (OperationRole::Create, 21),
        (OperationRole::Get, 21),
        (OperationRole::List, 21),
        (OperationRole::Other, 16),
    ] {
        assert_eq!(
            ops.iter().filter(|o| o.role == role).count(),
            count,
            "{role:?}"
        );
    }
    let mut ids = v().operation_ids();
    ids.sort_unstable();
    let mut expected: Vec<&str> = ops.iter().map(|o| o.operation_id.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

#[test]
fn plain_operations_are_not_task_creates() {
    let ops = operations(embedded());
    let role = |id: &str| ops.iter().find(|o| o.operation_id == id).unwrap().role;
    for id in [
        "create_tts",
        "identify_face",
        "recognize_image",
        "delete_custom_voice",
        "delete_advanced_element",
        "delete_element",
        "list_preset_voices",
        "list_preset_elements",
        "get_account_costs",
        "list_balance_deductions",
        "init_multi_element_selection",
        "preview_multi_element_selection",
    ] {
        assert_eq!(role(id), OperationRole::Other, "{id}");
    }
    assert_eq!(role("create_custom_voice"), OperationRole::Create);
    assert_eq!(role("list_custom_voice"), OperationRole::List);
}

#[test]
fn every_task_kind_has_its_own_kind_path() {
    let ops = operations(embedded());
    let kinds: Vec<&str> = ops
        .iter()
        .filter(|o| o.role == OperationRole::Create)
        .map(|o| o.kind_segment())
        .collect();
    let mut unique = kinds.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), kinds.len(), "{kinds:?}");
    let kind = |id: &str| {
        ops.iter()
            .find(|o| o.operation_id == id)
            .unwrap()
            .kind_segment()
            .to_owned()
    };
    assert_eq!(kind("get_text2video"), "text2video");
    assert_eq!(kind("create_avatar"), "avatar/image2video");
    assert_eq!(kind("get_avatar"), "avatar/image2video");
    assert_eq!(kind("list_image_expand"), "editing/expand");
    assert_eq!(kind("get_account_costs"), "costs");
}

#[test]
fn every_example_in_the_spec_is_valid() {
    let problems = check_examples(embedded());
    assert!(problems.is_empty(), "{problems:#?}");
    let problems = check_examples_in(&parse_value(SPEC_YAML).unwrap());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_broken_request_example_is_caught_with_its_place() {
    let mut spec = parse_value(SPEC_YAML).unwrap();
    let example = spec
        .pointer_mut(
            "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/example",
        )
        .unwrap();
    example.as_object_mut().unwrap().remove("prompt");
    example["image_reference"] = json!("pose");
    let problems = check_examples_in(&spec);
    assert!(
        problems.contains(
            &"paths./v1/images/generations.post.requestBody.example: prompt: is required"
                .to_owned()
        ),
        "{problems:#?}"
    );
    assert!(
        problems.contains(
            &"paths./v1/images/generations.post.requestBody.example: image_reference: must be one of subject, face"
                .to_owned()
        ),
        "{problems:#?}"
    );
    // The typed entry point sees the same thing.
    let typed: nicerouter_kling_spec::openapiv3::OpenAPI = serde_json::from_value(spec).unwrap();
    assert_eq!(check_examples(&typed).len(), 2);
}

#[test]
fn broken_response_parameter_and_schema_examples_are_caught() {
    let mut spec = parse_value(SPEC_YAML).unwrap();
    spec.pointer_mut(
        "/components/responses/VideoTask/content/application~1json/examples/succeed/value/code",
    )
    .map(|c| *c = json!("zero"))
    .unwrap();
    spec.pointer_mut("/components/parameters/PageSize/example")
        .map(|c| *c = json!(501))
        .unwrap();
    spec.pointer_mut("/components/schemas/Task/properties/created_at/example")
        .map(|c| *c = json!("yesterday"))
        .unwrap();
    spec.pointer_mut("/paths/~1v1~1videos~1image2video/post/responses/200/content/application~1json/example/data/task_info")
        .map(|c| *c = json!({"external_task_id": 7}))
        .unwrap();
    let problems = check_examples_in(&spec);
    let expected = [
        "components.responses.VideoTask.examples.succeed.value: code: must be an integer",
        "components.parameters.PageSize.example: pageSize: must be at most 500",
        "components.schemas.Task.properties.created_at.example: value: must be an integer",
        "paths./v1/videos/image2video.post.responses.200.example: data.task_info.external_task_id: must be a string or null",
    ];
    for e in expected {
        assert!(
            problems.contains(&e.to_owned()),
            "missing {e:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

fn task(extra: Value) -> Value {
    let mut t = json!({
        "task_id": "814570891207524415",
        "task_status": "failed",
        "task_info": {},
        "created_at": 1_762_237_353_241_i64,
        "updated_at": 1_762_237_353_241_i64,
    });
    for (k, val) in extra.as_object().unwrap() {
        t[k] = val.clone();
    }
    t
}

#[test]
fn nullable_fields_accept_null() {
    let body = json!({"code": 0, "message": null, "request_id": null, "data": task(json!({
        "task_status_msg": null,
        "task_info": {"external_task_id": null},
        "final_unit_deduction": null,
        "task_result": {"videos": null, "images": [{"url": "u", "watermark_url": null}]},
    }))});
    v().validate_response("get_text2video", 200, &body).unwrap();
    v().validate_component("Task", &body["data"]).unwrap();
    // `data` is `nullable` with an `allOf`: null passes, a bad task still fails inside it.
    v().validate_response("get_text2video", 200, &json!({"code": 1303, "data": null}))
        .unwrap();
    let problems = v()
        .validate_response(
            "get_text2video",
            200,
            &json!({"code": 0, "data": {"task_status": "succeed"}}),
        )
        .unwrap_err();
    assert_eq!(messages(&problems), ["data.task_id: is required"]);
    // Non-nullable fields still reject null.
    let problems = v()
        .validate_component("Task", &task(json!({"task_id": null})))
        .unwrap_err();
    assert_eq!(messages(&problems), ["task_id: must be a string"]);
}

#[test]
fn responses_are_picked_by_exact_status_then_range() {
    // 429 is declared exactly, 418 falls into 4XX, 502 into 5XX: all are KlingError.
    for status in [400, 401, 418, 429, 502] {
        v().validate_response(
            "create_text2video",
            status,
            &json!({"code": "task_failed", "message": "x"}),
        )
        .unwrap();
    }
    let problems = v()
        .validate_response("create_text2video", 200, &json!({"message": "SUCCEED"}))
        .unwrap_err();
    assert_eq!(messages(&problems), ["code: is required"]);
    let problems = v()
        .validate_response("create_text2video", 302, &json!({}))
        .unwrap_err();
    assert_eq!(problems[0].field, "status");
    // An unknown task_status is fine: the enum is open.
    v().validate_response(
        "get_image_generation",
        200,
        &json!({"code": 0, "data": task(json!({"task_status": "queued"}))}),
    )
    .unwrap();
    // Extra fields in responses are tolerated.
    v().validate_response(
        "list_text2video",
        200,
        &json!({"code": 0, "data": [task(json!({"surprise": 1}))], "more": true}),
    )
    .unwrap();
    let problems = v()
        .validate_response("list_text2video", 200, &json!({"code": 0, "data": {}}))
        .unwrap_err();
    assert_eq!(messages(&problems), ["data: must be an array or null"]);
    let problems = v()
        .validate_response("get_text2video", 200, &json!({"code": 0, "data": []}))
        .unwrap_err();
    assert_eq!(messages(&problems), ["data: must be an object"]);
}

#[test]
fn int64_codes_are_bounded() {
    let problems = v()
        .validate_response("get_text2video", 200, &json!({"code": 1.5}))
        .unwrap_err();
    assert_eq!(messages(&problems), ["code: must be an integer"]);
    let problems = v()
        .validate_component("ImageResult", &json!({"url": "u", "index": 1_u64 << 40}))
        .unwrap_err();
    assert_eq!(
        messages(&problems),
        [format!("index: must be at most {}", i32::MAX)]
    );
}

#[test]
fn a_bad_enum_is_rejected_naming_the_field_and_the_choices() {
    let problems = request_problems(
        "create_text2video",
        json!({"prompt": "p", "sound": "loud", "duration": 5}),
    );
    assert_eq!(
        problems,
        [
            "duration: must be a string",
            "sound: must be one of on, off"
        ]
    );
    let problems = request_problems(
        "create_lip_sync",
        json!({"input": {"mode": "text2video", "voice_language": "fr"}}),
    );
    assert_eq!(problems, ["input.voice_language: must be one of zh, en"]);
}

#[test]
fn open_vocabularies_accept_values_the_spec_does_not_know() {
    // Kling adds models, lengths, modes, ratios, resolutions and scenes every month: a value
    // this spec has never heard of must still pass.
    v().validate_request(
        "create_text2video",
        &[],
        &[],
        Some(&json!({
            "model_name": "kling-v9-ultra",
            "prompt": "p",
            "mode": "8k",
            "duration": "42",
            "aspect_ratio": "4:5",
        })),
    )
    .unwrap();
    v().validate_request(
        "create_image_generation",
        &[],
        &[],
        Some(&json!({"prompt": "p", "resolution": "16k", "aspect_ratio": "5:4"})),
    )
    .unwrap();
    v().validate_request(
        "create_video_effects",
        &[],
        &[],
        Some(&json!({"effect_scene": "scene_of_next_month", "input": {"image": "u"}})),
    )
    .unwrap();
    // Element and voice ids are accepted as numbers and as strings.
    v().validate_request(
        "create_image2video",
        &[],
        &[],
        Some(&json!({
            "image": "u",
            "element_list": [{"element_id": 160}, {"element_id": "161"}],
            "voice_list": [{"voice_id": "850087542757535834"}, {"voice_id": 7}],
        })),
    )
    .unwrap();
    let problems = request_problems(
        "create_image2video",
        json!({"image": "u", "element_list": [{"element_id": true}]}),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("element_list[0].element_id"),
        "{problems:?}"
    );
}

#[test]
fn multi_shot_and_end_frame_only_requests_pass() {
    // A customised multi-shot video takes its shots from `multi_prompt`; `prompt` may be
    // absent or empty, and image-to-video may have only an end frame.
    v().validate_request(
        "create_text2video",
        &[],
        &[],
        Some(&json!({
            "model_name": "kling-v3",
            "multi_shot": true,
            "shot_type": "customize",
            "prompt": "",
            "multi_prompt": [
                {"index": 1, "prompt": "a", "duration": "2"},
                {"index": 2, "prompt": "b", "duration": "3"},
            ],
            "duration": "5",
        })),
    )
    .unwrap();
    v().validate_request(
        "create_image2video",
        &[],
        &[],
        Some(&json!({"model_name": "kling-v1-6", "image_tail": "u", "mode": "pro"})),
    )
    .unwrap();
    v().validate_request(
        "create_video_effects",
        &[],
        &[],
        Some(&json!({"effect_scene": "color_mixing", "input": {"image": "u"}})),
    )
    .unwrap();
    let problems = request_problems(
        "create_text2video",
        json!({"multi_prompt": [{"index": 1, "prompt": "x".repeat(513), "duration": "5"}]}),
    );
    assert_eq!(problems, ["multi_prompt[0].prompt: at most 512 characters"]);
}

#[test]
fn a_too_long_prompt_is_rejected() {
    let problems = v()
        .validate_request(
            "create_text2video",
            &[],
            &[],
            Some(&json!({"prompt": "x".repeat(2501)})),
        )
        .unwrap_err();
    assert_eq!(
        problems,
        [Violation::new(
            "prompt",
            "/prompt",
            "at most 2500 characters"
        )]
    );
    assert_eq!(
        request_problems("create_image_generation", json!({"prompt": ""})),
        [
            "prompt: must not be empty",
            "prompt: must match the pattern `\\S`"
        ]
    );
    v().validate_request(
        "create_text2video",
        &[],
        &[],
        Some(&json!({"prompt": "x".repeat(2500)})),
    )
    .unwrap();
}

#[test]
fn nested_fields_are_named_with_dots_and_indexes() {
    let problems = request_problems(
        "create_lip_sync",
        json!({"input": {"mode": "text2video", "text": "t".repeat(121), "voice_speed": 3}}),
    );
    assert_eq!(
        problems,
        [
            "input.text: at most 120 characters",
            "input.voice_speed: must be at most 2.0"
        ]
    );
    let problems = request_problems(
        "create_multi_image2video",
        json!({"prompt": "p", "image_list": [{"image": "a"}, {"image": "b"}, {"image": ""}]}),
    );
    assert_eq!(problems, ["image_list[2].image: must not be empty"]);
    let problems = request_problems(
        "create_multi_image2video",
        json!({"prompt": "p", "image_list": [{"image": "a"}, {"image": "b"}, {"image": "c"}, {"image": "d"}, {"image": "e"}]}),
    );
    assert_eq!(problems, ["image_list: at most 4 items"]);
    let problems = request_problems(
        "create_video_effects",
        json!({"effect_scene": "hug", "input": {"duration": "5", "images": ["a"]}}),
    );
    assert_eq!(problems, ["input.images: at least 2 items"]);
    let problems = request_problems("create_image_generation", json!({"prompt": "p", "n": 0}));
    assert_eq!(problems, ["n: must be at least 1"]);
}

#[test]
fn unknown_and_missing_fields_are_named() {
    let problems = request_problems("create_image_generation", json!({"bogus": true}));
    assert_eq!(
        problems,
        ["bogus: unknown field `bogus`", "prompt: is required"]
    );
    let problems = request_problems(
        "create_lip_sync",
        json!({"input": {"mode": "audio2video", "extra": 1}}),
    );
    assert_eq!(problems, ["input.extra: unknown field `extra`"]);
    let problems = request_problems("create_lip_sync", json!({"input": {}}));
    assert_eq!(problems, ["input.mode: is required"]);
    let violation = &v()
        .validate_request("create_lip_sync", &[], &[], Some(&json!({"input": {}})))
        .unwrap_err()[0];
    assert_eq!(violation.pointer, "/input/mode");
    let problems = request_problems("create_text2video", json!(["not", "an", "object"]));
    assert_eq!(problems, ["body: must be an object"]);
}

#[test]
fn a_required_body_must_be_present() {
    let problems = v()
        .validate_request("create_virtual_try_on", &[], &[], None)
        .unwrap_err();
    assert_eq!(messages(&problems), ["body: is required"]);
}

#[test]
fn every_request_example_of_the_spec_is_a_valid_request() {
    let spec = parse_value(SPEC_YAML).unwrap();
    for op in operations(embedded()) {
        let Some(example) = spec.pointer(&format!(
            "/paths/{}/post/requestBody/content/application~1json/example",
            op.path.replace('/', "~1")
        )) else {
            continue;
        };
        v().validate_request(&op.operation_id, &[], &[], Some(example))
            .unwrap_or_else(|p| panic!("{}: {:?}", op.operation_id, messages(&p)));
    }
}

#[test]
fn query_parameters_are_read_as_integers() {
    v().validate_request(
        "list_text2video",
        &[],
        &query(&[("pageNum", "1"), ("pageSize", "500")]),
        None,
    )
    .unwrap();
    v().validate_request("list_text2video", &[], &[], None)
        .unwrap();
    // Unknown query parameters are ignored.
    v().validate_request("list_text2video", &[], &query(&[("foo", "bar")]), None)
        .unwrap();
    let cases = [
        (("pageSize", "abc"), "pageSize: must be an integer"),
        (("pageSize", "2.5"), "pageSize: must be an integer"),
        (("pageSize", "501"), "pageSize: must be at most 500"),
        (("pageSize", "0"), "pageSize: must be at least 1"),
        (
            ("pageSize", "99999999999999999999"),
            "pageSize: must be an integer",
        ),
        (("pageNum", "1001"), "pageNum: must be at most 1000"),
        (("pageNum", "-1"), "pageNum: must be at least 1"),
    ];
    for ((name, value), expected) in cases {
        let problems = v()
            .validate_request("list_image2video", &[], &query(&[(name, value)]), None)
            .unwrap_err();
        assert_eq!(messages(&problems), [expected], "{name}={value}");
        assert_eq!(problems[0].field, name);
    }
}

#[test]
fn path_parameters_are_checked() {
    v().validate_request(
        "get_text2video",
        &query(&[("task_id", "814570891207524415")]),
        &[],
        None,
    )
    .unwrap();
    let problems = v()
        .validate_request("get_text2video", &[], &[], None)
        .unwrap_err();
    assert_eq!(messages(&problems), ["task_id: is required"]);
}

#[test]
fn unknown_operations_and_components_are_reported() {
    let problems = v()
        .validate_request("create_teleporter", &[], &[], None)
        .unwrap_err();
    assert_eq!(
        messages(&problems),
        ["operation: unknown operation `create_teleporter`"]
    );
    assert!(v().validate_component("Nope", &json!({})).is_err());
    assert!(
        v().component_names()
            .contains(&"Text2VideoRequest".to_owned())
    );
}

#[test]
fn a_property_named_like_an_openapi_keyword_survives_conversion() {
    let spec = json!({
        "openapi": "3.0.3",
        "paths": {},
        "components": {"schemas": {
            "Doc": {
                "type": "object",
                "additionalProperties": false,
                "required": ["example"],
                "example": {"example": "e"},
                "properties": {"example": {"type": "string", "x-note": 1}, "count": {"type": "integer", "format": "int32", "nullable": true}}
            }
        }}
    });
    let validator = Validator::new(&spec).unwrap();
    validator
        .validate_component("Doc", &json!({"example": "x", "count": null}))
        .unwrap();
    let problems = validator
        .validate_component("Doc", &json!({"count": 1}))
        .unwrap_err();
    assert_eq!(messages(&problems), ["example: is required"]);
    assert!(check_examples_in(&spec).is_empty());
}

#[test]
fn a_broken_spec_fails_to_build_naming_the_place() {
    let spec = json!({"components": {"schemas": {"Bad": {"type": 12}}}});
    let error = Validator::new(&spec).unwrap_err();
    assert_eq!(error.place, "components.schemas.Bad");
    let spec = json!({"paths": {"/x": {"get": {"operationId": "x", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}});
    let error = Validator::new(&spec).unwrap_err();
    assert_eq!(error.place, "paths./x.get.responses.200");
    assert!(error.to_string().contains("Missing"), "{error}");
}
