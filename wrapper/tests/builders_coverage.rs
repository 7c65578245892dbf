//! The generated builders cover the spec: every create operation of the spec is a [`Kind`],
//! every property of its body schema (wrapper objects such as lip-sync's `input` flattened) is
//! a field of the catalogue with the spec's required flag, and every catalogue field has a
//! setter of its name on the kind's builder that writes the field's JSON pointer. Nothing here
//! lists fields by hand: a property added to the spec is covered by regenerating, and a
//! property the generator skipped fails this test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use nicerouter_kling::Kind;
use nicerouter_kling::catalog::{Media, Shape};
use serde_json::Value;

/// The generated builders, as compiled into the wrapper.
const BUILDERS: &str = include_str!(concat!(env!("OUT_DIR"), "/builders.rs"));

fn spec() -> Value {
    nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap()
}

/// `schema` with its `$ref` followed.
fn resolve<'s>(spec: &'s Value, schema: &'s Value) -> &'s Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                spec,
                spec.pointer(pointer)
                    .unwrap_or_else(|| panic!("{reference}")),
            )
        }
        None => schema,
    }
}

/// The settable properties of a body schema, by JSON pointer, with whether each is required.
/// A required object property with properties of its own (a wrapper such as `input`) is
/// walked into, as the catalogue flattens it.
fn properties(spec: &Value, schema: &Value, prefix: &str, out: &mut BTreeMap<String, bool>) {
    let schema = resolve(spec, schema);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{prefix}: no properties"));
    for (name, property) in props {
        let pointer = format!("{prefix}/{name}");
        let resolved = resolve(spec, property);
        let is_required = required.contains(name.as_str());
        if is_required
            && resolved["properties"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
        {
            properties(spec, resolved, &pointer, out);
        } else {
            out.insert(pointer, is_required);
        }
    }
}

/// The spec's task-creating operations (those with `x-sdk`): operation id → body schema.
fn create_operations(spec: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (verb, operation) in item.as_object().unwrap() {
            // A task kind is an `x-sdk` operation with a `kind`; one without is a call.
            if operation["x-sdk"].get("kind").is_none() {
                continue;
            }
            let id = operation["operationId"].as_str().unwrap().to_owned();
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            let reference = body["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{verb} {path}: the body is not a component"));
            let schema = reference.rsplit('/').next().unwrap().to_owned();
            assert_eq!(verb, "post", "{id}");
            out.insert(id, schema);
        }
    }
    out
}

#[test]
fn every_create_operation_of_the_spec_is_a_kind() {
    let spec = spec();
    let operations = create_operations(&spec);
    let kinds: BTreeMap<String, String> = Kind::ALL
        .iter()
        .map(|k| (k.operations().create.to_owned(), k.body_schema().to_owned()))
        .collect();
    assert_eq!(kinds, operations);
    for kind in Kind::ALL {
        let create = &spec["paths"][kind.path()]["post"];
        assert_eq!(create["operationId"], kind.operations().create, "{kind}");
        // The segment is the path after its family (`avatar/image2video`, `text2video`).
        assert!(
            kind.path().ends_with(&format!("/{}", kind.segment())),
            "{kind}"
        );
    }
}

#[test]
fn every_body_property_of_the_spec_is_a_catalogue_field() {
    let spec = spec();
    let mut total = 0;
    for kind in Kind::ALL {
        let schema = &spec["components"]["schemas"][kind.body_schema()];
        let mut expected = BTreeMap::new();
        properties(&spec, schema, "", &mut expected);
        let catalogue: BTreeMap<String, bool> = kind
            .fields()
            .iter()
            .map(|f| (f.pointer.to_owned(), f.required))
            .collect();
        assert_eq!(
            catalogue,
            expected,
            "{kind}: catalogue fields (pointer, required) differ from {}",
            kind.body_schema()
        );
        assert_eq!(
            catalogue.len(),
            kind.fields().len(),
            "{kind}: a pointer twice"
        );
        let names: BTreeSet<&str> = kind.fields().iter().map(|f| f.name).collect();
        assert_eq!(names.len(), kind.fields().len(), "{kind}: a name twice");
        for field in kind.fields() {
            assert_eq!(field.wire_name(), field.pointer.rsplit('/').next().unwrap());
            // A closed value set is the spec's enum; an open one lists no more than it knows.
            let schema = resolve(&spec, schema_at(&spec, schema, field.pointer));
            if let Some(values) = schema["enum"].as_array() {
                let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                assert_eq!(field.known, values.as_slice(), "{kind} {}", field.pointer);
                assert!(!field.open, "{kind} {}: an enum is closed", field.pointer);
            }
        }
        total += expected.len();
    }
    assert!(
        total > 60,
        "only {total} properties: the walk found too little"
    );
}

/// The property schema at `pointer` below a body schema.
fn schema_at<'s>(spec: &'s Value, body: &'s Value, pointer: &str) -> &'s Value {
    pointer.split('/').skip(1).fold(body, |schema, name| {
        &resolve(spec, schema)["properties"][name]
    })
}

/// The setters of each generated builder: builder type → setter name → the body of the
/// setter, as generated source.
fn setters() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for block in BUILDERS.split("\nimpl ").skip(1) {
        let Some((ty, body)) = block.split_once(" {") else {
            continue;
        };
        if !ty.ends_with("Builder") {
            continue;
        }
        let methods = out.entry(ty.to_owned()).or_default();
        for method in body.split("pub ").skip(1) {
            let Some(method) = method.trim_start_matches("async ").strip_prefix("fn ") else {
                continue;
            };
            let name: String = method
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            methods.insert(name, method.to_owned());
        }
    }
    out
}

/// The builder type a `Client` method returns, from the generated `impl Client` blocks.
fn builder_of(method: &str) -> Option<String> {
    let start = BUILDERS.find(&format!("pub fn {method}("))?;
    let signature = &BUILDERS[start..];
    let signature = &signature[..signature.find('{')?];
    let returned = signature.rsplit("->").next()?.trim();
    Some(returned.to_owned())
}

fn local_media(shape: Shape) -> bool {
    match shape {
        Shape::Media(media) => media != Media::Video,
        Shape::List(inner) | Shape::Wrapped(_, inner) => local_media(*inner),
        _ => false,
    }
}

#[test]
fn every_catalogue_field_has_a_builder_setter_writing_its_pointer() {
    let setters = setters();
    assert_eq!(setters.len(), Kind::ALL.len(), "{:?}", setters.keys());
    for kind in Kind::ALL {
        let builder = builder_of(kind.method())
            .unwrap_or_else(|| panic!("{kind}: no `Client::{}`", kind.method()));
        let methods = setters
            .get(&builder)
            .unwrap_or_else(|| panic!("{kind}: no setters for {builder}"));
        for field in kind.fields() {
            let setter = methods
                .get(field.name)
                .unwrap_or_else(|| panic!("{builder} has no setter `{}`", field.name));
            assert!(
                setter.contains(&format!("\"{}\"", field.pointer)),
                "{builder}::{} does not write {}",
                field.name,
                field.pointer
            );
            // Media fields take files, bytes or base64, not only strings (a video is a URL).
            if local_media(field.shape) {
                assert!(
                    setter.contains("Input"),
                    "{builder}::{} takes no media input",
                    field.name
                );
            }
        }
        // Beyond the fields: build, send and into_request, nothing else.
        let extra: BTreeSet<&str> = methods
            .keys()
            .map(String::as_str)
            .filter(|m| kind.fields().iter().all(|f| f.name != *m))
            .collect();
        assert_eq!(
            extra,
            BTreeSet::from(["build", "into_request", "send"]),
            "{builder}"
        );
    }
}
