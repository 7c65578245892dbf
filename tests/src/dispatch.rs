//! Calls the generated method of any operation by its `operationId`.

use nicerouter_kling_raw::{Client, Error, types};
use nicerouter_kling_spec::Operation;
use serde_json::Value;

/// The arguments of a call.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The body of a create, as JSON (decoded into the generated request type first).
    pub body: Value,
    /// The `{task_id}` of a get.
    pub task_id: String,
    /// `pageNum` and `pageSize` of a list.
    pub page: Option<(u32, u32)>,
    /// `start_time` and `end_time` (Unix milliseconds) of the account's usage.
    pub period: Option<(i64, i64)>,
}

/// What a successful call answered.
#[derive(Debug, Clone)]
pub struct Called {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The decoded envelope's `data`, re-encoded as JSON.
    pub data: Value,
}

impl Called {
    fn from<T: serde::Serialize>(
        r: progenitor_client::ResponseValue<T>,
        data: impl FnOnce(&T) -> Value,
    ) -> Self {
        Self {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            data: data(&r),
        }
    }
}

/// Calls `op` through the generated client and returns what it answered.
///
/// # Panics
/// If the spec has an operation this dispatcher does not know: every operation must have a
/// contract case, and adding one to the spec without one fails the suite.
pub async fn call(
    client: &Client,
    op: &Operation,
    args: &CallOptions,
) -> Result<Called, Error<types::KlingError>> {
    macro_rules! kinds {
        (
            tasks { $( $create:ident, $get:ident, $list:ident, $body:ident; )* }
            plain_posts { $( $post:ident, $post_body:ident; )* }
            plain_pages { $( $page:ident; )* }
        ) => {
            match op.operation_id.as_str() {
                $(
                    stringify!($post) => {
                        let body: types::$post_body = serde_json::from_value(args.body.clone())
                            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                        let r = client.$post().body(body).send().await?;
                        Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                    }
                )*
                $(
                    stringify!($page) => {
                        let mut b = client.$page();
                        if let Some((num, size)) = args.page {
                            b = b.page_num(num).page_size(size);
                        }
                        let r = b.send().await?;
                        Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                    }
                )*
                "get_account_costs" => {
                    let mut b = client.get_account_costs();
                    if let Some((start, end)) = args.period {
                        b = b.start_time(start).end_time(end);
                    }
                    let r = b.send().await?;
                    Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                }
                $(
                    stringify!($create) => {
                        let body: types::$body = serde_json::from_value(args.body.clone())
                            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                        let r = client.$create().body(body).send().await?;
                        Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                    }
                    stringify!($get) => {
                        let r = client.$get().task_id(args.task_id.as_str()).send().await?;
                        Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                    }
                    stringify!($list) => {
                        let mut b = client.$list();
                        if let Some((num, size)) = args.page {
                            b = b.page_num(num).page_size(size);
                        }
                        let r = b.send().await?;
                        Ok(Called::from(r, |r| serde_json::to_value(&r.data).unwrap_or_default()))
                    }
                )*
                other => panic!("operation `{other}` is in the spec but has no contract case in tests/src/dispatch.rs"),
            }
        };
    }
    kinds! {
        tasks {
        create_text2video, get_text2video, list_text2video, Text2VideoRequest;
        create_image2video, get_image2video, list_image2video, Image2VideoRequest;
        create_multi_image2video, get_multi_image2video, list_multi_image2video, MultiImage2VideoRequest;
        create_video_extend, get_video_extend, list_video_extend, VideoExtendRequest;
        create_lip_sync, get_lip_sync, list_lip_sync, LipSyncRequest;
        create_video_effects, get_video_effects, list_video_effects, VideoEffectsRequest;
        create_image_generation, get_image_generation, list_image_generation, ImageGenerationRequest;
        create_virtual_try_on, get_virtual_try_on, list_virtual_try_on, VirtualTryOnRequest;
        create_omni_video, get_omni_video, list_omni_video, OmniVideoRequest;
        create_motion_control, get_motion_control, list_motion_control, MotionControlRequest;
        create_avatar, get_avatar, list_avatar, AvatarRequest;
        create_advanced_lip_sync, get_advanced_lip_sync, list_advanced_lip_sync, AdvancedLipSyncRequest;
        create_text_to_audio, get_text_to_audio, list_text_to_audio, TextToAudioRequest;
        create_video_to_audio, get_video_to_audio, list_video_to_audio, VideoToAudioRequest;
        create_omni_image, get_omni_image, list_omni_image, OmniImageRequest;
        create_multi_image2image, get_multi_image2image, list_multi_image2image, MultiImage2ImageRequest;
        create_image_expand, get_image_expand, list_image_expand, ImageExpandRequest;
        create_custom_voice, get_custom_voice, list_custom_voice, CustomVoiceRequest;
        create_advanced_element, get_advanced_element, list_advanced_element, AdvancedElementRequest;
        create_ai_multi_shot, get_ai_multi_shot, list_ai_multi_shot, AiMultiShotRequest;
        create_multi_elements, get_multi_elements, list_multi_elements, MultiElementsRequest;
        }
        plain_posts {
        create_tts, TtsRequest;
        identify_face, IdentifyFaceRequest;
        recognize_image, ImageRecognizeRequest;
        delete_custom_voice, DeleteVoiceRequest;
        delete_advanced_element, DeleteElementRequest;
        delete_element, DeleteElementRequest;
        init_multi_element_selection, MultiElementInitRequest;
        add_multi_element_selection, MultiElementPointsRequest;
        delete_multi_element_selection, MultiElementPointsRequest;
        clear_multi_element_selection, MultiElementSessionRequest;
        preview_multi_element_selection, MultiElementSessionRequest;
        list_balance_deductions, BillingQuery;
        list_unit_deductions, BillingQuery;
        }
        plain_pages {
        list_preset_voices;
        list_preset_elements;
        }
    }
}
