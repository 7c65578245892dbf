//! The generated types' `schemars` schemas agree with the spec's component schemas: the same
//! property names, the same required sets and the same enum values.
//!
//! The component list is read from the spec; a component without a Rust counterpart in the
//! table below fails the test, and so does a table entry the spec no longer has.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use nicerouter_kling_raw::types;
use serde_json::Value;

/// Every component's Rust type, as its JSON schema.
fn rust_schemas() -> BTreeMap<&'static str, Value> {
    macro_rules! table {
        ($($name:ident => $ty:ty),* $(,)?) => {
            BTreeMap::from([$((stringify!($name), serde_json::to_value(schemars::schema_for!($ty)).unwrap())),*])
        };
    }
    table! {
        KlingError => types::KlingError, TaskResponse => types::TaskResponse,
        TaskListResponse => types::TaskListResponse, Task => types::Task,
        TaskStatus => nicerouter_kling_raw::TaskStatus, TaskInfo => types::TaskInfo,
        ParentVideo => types::ParentVideo, TaskResult => types::TaskResult,
        VideoResult => types::VideoResult, ImageResult => types::ImageResult,
        ExternalTaskId => types::ExternalTaskId, MediaRef => types::MediaRef,
        Prompt => types::Prompt, OptionalPrompt => types::OptionalPrompt, Mode => types::Mode,
        AspectRatio => types::AspectRatio, VideoDuration => types::VideoDuration,
        Sound => types::Sound, CfgScale => types::CfgScale, WatermarkInfo => types::WatermarkInfo,
        CameraControl => types::CameraControl, CameraControlType => types::CameraControlType,
        CameraConfig => types::CameraConfig, DynamicMask => types::DynamicMask,
        TrajectoryPoint => types::TrajectoryPoint, VoiceListItem => types::VoiceListItem,
        ElementListItem => types::ElementListItem, MultiPromptItem => types::MultiPromptItem,
        ShotType => types::ShotType, ImageListItem => types::ImageListItem,
        Text2VideoRequest => types::Text2VideoRequest, Image2VideoRequest => types::Image2VideoRequest,
        MultiImage2VideoRequest => types::MultiImage2VideoRequest,
        VideoExtendRequest => types::VideoExtendRequest, LipSyncMode => types::LipSyncMode,
        VoiceLanguage => types::VoiceLanguage, AudioType => types::AudioType,
        LipSyncInput => types::LipSyncInput, LipSyncRequest => types::LipSyncRequest,
        VideoEffectsInput => types::VideoEffectsInput, VideoEffectsRequest => types::VideoEffectsRequest,
        ImageReference => types::ImageReference, ImageResolution => types::ImageResolution,
        ImageAspectRatio => types::ImageAspectRatio,
        ImageGenerationRequest => types::ImageGenerationRequest,
        VirtualTryOnRequest => types::VirtualTryOnRequest,
        FinalBalanceDeduction => types::FinalBalanceDeduction,
        TaskWatermarkInfo => types::TaskWatermarkInfo, AudioResult => types::AudioResult,
        VoiceResult => types::VoiceResult, ElementResult => types::ElementResult,
        VoiceId => types::VoiceId, ElementId => types::ElementId,
        CallbackUrl => types::CallbackUrl, VideoRef => types::VideoRef,
        AudioRef => types::AudioRef, EffectScene => types::EffectScene,
        KeepOriginalSound => types::KeepOriginalSound, OmniVideoImage => types::OmniVideoImage,
        OmniVideoVideo => types::OmniVideoVideo, OmniVideoRequest => types::OmniVideoRequest,
        CharacterOrientation => types::CharacterOrientation,
        MotionControlRequest => types::MotionControlRequest, AvatarRequest => types::AvatarRequest,
        IdentifyFaceRequest => types::IdentifyFaceRequest,
        IdentifyFaceResponse => types::IdentifyFaceResponse,
        IdentifyFaceResult => types::IdentifyFaceResult, FaceData => types::FaceData,
        FaceChoice => types::FaceChoice, AdvancedLipSyncRequest => types::AdvancedLipSyncRequest,
        ImageRecognizeRequest => types::ImageRecognizeRequest,
        ImageRecognizeResponse => types::ImageRecognizeResponse,
        ImageRecognizeResult => types::ImageRecognizeResult,
        TextToAudioRequest => types::TextToAudioRequest,
        VideoToAudioRequest => types::VideoToAudioRequest, TtsRequest => types::TtsRequest,
        OmniImageRequest => types::OmniImageRequest, SeriesAmount => types::SeriesAmount,
        MultiImage2ImageRequest => types::MultiImage2ImageRequest,
        SubjectImage => types::SubjectImage, ExpansionRatio => types::ExpansionRatio,
        ImageExpandRequest => types::ImageExpandRequest,
        CustomVoiceRequest => types::CustomVoiceRequest,
        DeleteVoiceRequest => types::DeleteVoiceRequest,
        ElementImageList => types::ElementImageList, ReferImage => types::ReferImage,
        ElementVideoList => types::ElementVideoList, ReferVideo => types::ReferVideo,
        ElementTag => types::ElementTag, AdvancedElementRequest => types::AdvancedElementRequest,
        DeleteElementRequest => types::DeleteElementRequest,
        AiMultiShotRequest => types::AiMultiShotRequest,
        AccountCostsResponse => types::AccountCostsResponse, AccountCosts => types::AccountCosts,
        ResourcePack => types::ResourcePack,
        MultiElementsRequest => types::MultiElementsRequest,
        MultiElementInitRequest => types::MultiElementInitRequest,
        MultiElementSessionRequest => types::MultiElementSessionRequest,
        MultiElementPointsRequest => types::MultiElementPointsRequest,
        SelectionPoint => types::SelectionPoint,
        MultiElementSelectionResponse => types::MultiElementSelectionResponse,
        MultiElementSelection => types::MultiElementSelection,
        SelectionResult => types::SelectionResult, ObjectMask => types::ObjectMask,
        RleMask => types::RleMask, PngMask => types::PngMask,
        BillingQuery => types::BillingQuery, BillingFilter => types::BillingFilter,
        DeductionsResponse => types::DeductionsResponse, DeductionsPage => types::DeductionsPage,
        DeductionsResult => types::DeductionsResult, Deduction => types::Deduction,
    }
}

fn spec_components() -> BTreeMap<String, Value> {
    let spec = nicerouter_kling_spec::parse_value(nicerouter_kling_spec::SPEC_YAML).unwrap();
    spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect()
}

/// The root object of a schemars document (its definitions live beside it).
fn root(schema: &Value) -> &Value {
    schema
}

fn names(v: &Value, key: &str) -> BTreeSet<String> {
    match &v[key] {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The enum values of a schemars enum (typify emits `enum` or a `oneOf` of single-value enums).
fn enum_values(v: &Value) -> BTreeSet<String> {
    let mut out = names(v, "enum");
    if let Some(one_of) = v["oneOf"].as_array() {
        for alt in one_of {
            out.extend(names(alt, "enum"));
            if let Some(c) = alt["const"].as_str() {
                out.insert(c.to_owned());
            }
        }
    }
    out
}

#[test]
fn every_component_has_a_generated_type_and_they_agree() {
    let spec = spec_components();
    let rust = rust_schemas();
    let spec_names: BTreeSet<&str> = spec.keys().map(String::as_str).collect();
    let rust_names: BTreeSet<&str> = rust.keys().copied().collect();
    assert_eq!(
        spec_names, rust_names,
        "components and generated types differ"
    );

    let mut checked = 0;
    for (name, s) in &spec {
        let r = root(&rust[name.as_str()]);
        if s["type"] == "object" {
            assert_eq!(
                names(s, "properties"),
                names(r, "properties"),
                "{name}: property names"
            );
            assert_eq!(
                names(s, "required"),
                names(r, "required"),
                "{name}: required set"
            );
            checked += 1;
        }
        if s.get("enum").is_some() {
            assert_eq!(names(s, "enum"), enum_values(r), "{name}: enum values");
            checked += 1;
        }
        let replaced_by_hand = nicerouter_kling_codegen::OPEN_ENUMS
            .iter()
            .any(|(schema, _)| schema == name);
        if let (Some(_), false) = (s.get("x-extensible-enum"), replaced_by_hand) {
            // An open vocabulary (models, durations, modes, …): any string, no closed enum.
            assert_eq!(
                r["type"], "string",
                "{name}: an open vocabulary is a string"
            );
            assert!(
                r.get("enum").is_none(),
                "{name}: an open vocabulary has no enum"
            );
            checked += 1;
        } else if let Some(known) = s.get("x-extensible-enum") {
            // Open enums replaced by hand-written types know exactly the spec's values.
            let known: BTreeSet<String> = known
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            let ours: BTreeSet<String> = nicerouter_kling_raw::TaskStatus::KNOWN
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            assert_eq!(
                known, ours,
                "{name}: x-extensible-enum vs TaskStatus::KNOWN"
            );
            assert_eq!(r["type"], "string", "{name}: an open enum is a string");
            checked += 1;
        }
        if s["type"] == "string" && s.get("enum").is_none() {
            assert_eq!(r["type"], "string", "{name}: a string");
        }
    }
    assert!(checked >= 35, "only {checked} schemas compared");
}
