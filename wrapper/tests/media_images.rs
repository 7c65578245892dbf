//! `ImageInput` through the builders: every way to give an image, and the limits at their
//! exact edges.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builders_support;

use builders_support::{Server, b64, client, jpeg, png, png_of_size};
use nicerouter_kling::catalog::Media;
use nicerouter_kling::media::ImageInput;
use nicerouter_kling::{Client, CreateRequest};
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

async fn setup() -> (Server, Client) {
    let server = Server::start().await;
    let client = client(&server);
    (server, client)
}

/// The `image` an image-to-video body would send for `input`.
fn sent_image(client: &Client, input: impl Into<ImageInput>) -> Result<String, (String, String)> {
    let body = client
        .image_to_video()
        .image(input)
        .build()
        .map_err(|e| (e.field, e.rule))?;
    match serde_json::to_value(body).unwrap()["image"].clone() {
        Value::String(s) => Ok(s),
        other => panic!("image is not a string: {other}"),
    }
}

#[tokio::test]
async fn the_limits_are_inclusive() {
    let (_server, client) = setup().await;
    let exactly_10_mb = png_of_size(1000, 1000, 10 * MIB);
    assert_eq!(
        sent_image(&client, ImageInput::bytes(exactly_10_mb.clone())).unwrap(),
        b64(&exactly_10_mb)
    );
    sent_image(&client, ImageInput::bytes(png(300, 300))).unwrap();
    sent_image(&client, ImageInput::bytes(png(750, 300))).unwrap(); // 2.5:1
    sent_image(&client, ImageInput::bytes(jpeg(300, 750))).unwrap(); // 1:2.5
    let (field, rule) = sent_image(&client, ImageInput::bytes(png(751, 300))).unwrap_err();
    assert_eq!(
        (field.as_str(), rule.as_str()),
        (
            "image",
            "must have an aspect ratio between 1:2.5 and 2.5:1 (got 751×300)"
        )
    );
    let (_, rule) = sent_image(&client, ImageInput::bytes(png(300, 299))).unwrap_err();
    assert_eq!(rule, "each side must be at least 300 px (got 300×299)");
}

#[tokio::test]
async fn a_10_mb_file_from_disk_is_sent_as_exact_base64() {
    let (_server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.png");
    let image = png_of_size(4000, 3000, 10 * MIB);
    std::fs::write(&path, &image).unwrap();
    let sent = sent_image(&client, path.as_path()).unwrap();
    assert_eq!(sent.len(), 4 * (10 * MIB).div_ceil(3));
    assert!(sent == b64(&image), "the body holds the file's raw base64");
}

#[tokio::test]
async fn data_urls_are_stripped_and_normalized() {
    let (_server, client) = setup().await;
    let image = png(640, 480);
    let encoded = b64(&image);
    let wrapped: String = encoded
        .as_bytes()
        .chunks(20)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let unpadded = wrapped.trim_end_matches('=');
    let given = format!("DATA:Image/PNG;charset=binary;BASE64,{unpadded}");
    assert_eq!(sent_image(&client, given).unwrap(), encoded);
    assert_eq!(
        sent_image(&client, ImageInput::base64(encoded.clone())).unwrap(),
        encoded
    );
}

#[tokio::test]
async fn a_file_holding_a_data_url_is_read_as_one() {
    let (_server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let image = jpeg(800, 600);
    let path = dir.path().join("cat.txt");
    std::fs::write(&path, format!("data:image/jpeg;base64,{}\n", b64(&image))).unwrap();
    assert_eq!(
        sent_image(&client, ImageInput::path(&path)).unwrap(),
        b64(&image)
    );
}

#[tokio::test]
async fn the_format_is_sniffed_not_taken_from_the_name() {
    let (_server, client) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let image = jpeg(800, 600);
    let path = dir.path().join("photo.png");
    std::fs::write(&path, &image).unwrap();
    assert_eq!(
        sent_image(&client, path.to_str().unwrap()).unwrap(),
        b64(&image)
    );

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        sent_image(&client, empty.as_path()).unwrap_err().1,
        "must not be empty (got 0 bytes)"
    );

    let truncated = png(800, 600)[..14].to_vec();
    let (field, rule) = sent_image(&client, truncated).unwrap_err();
    assert_eq!(field, "image");
    assert_eq!(
        rule,
        "is a damaged PNG file (its width and height cannot be read)"
    );
}

#[tokio::test]
async fn strings_follow_the_documented_rule() {
    let (_server, client) = setup().await;
    assert_eq!(
        sent_image(&client, "HTTPS://Example.com/Cat.png").unwrap(),
        "HTTPS://Example.com/Cat.png"
    );
    // Raw base64 given as a plain string is a path, and the error says how to pass base64.
    let (field, rule) = sent_image(&client, b64(&png(800, 600))).unwrap_err();
    assert_eq!(field, "image");
    assert!(rule.starts_with("cannot read file `iVBORw0KGgo"), "{rule}");
    assert!(
        rule.contains("give raw base64 as `data:<type>;base64,<data>`"),
        "{rule}"
    );
    assert!(rule.len() < 400, "the path is shortened: {}", rule.len());
}

#[tokio::test]
async fn end_frames_try_on_images_and_masks_follow_their_own_rules() {
    let (_server, client) = setup().await;
    // image_tail and try-on images: no aspect rule, but 300 px.
    client
        .image_to_video()
        .image(ImageInput::bytes(png(1000, 800)))
        .image_tail(ImageInput::bytes(png(300, 1200)))
        .build()
        .unwrap();
    client
        .virtual_try_on(
            ImageInput::bytes(png(300, 1500)),
            ImageInput::bytes(png(1500, 300)),
        )
        .build()
        .unwrap();
    let err = client
        .virtual_try_on(
            ImageInput::bytes(png(300, 1500)),
            ImageInput::bytes(png(299, 500)),
        )
        .build()
        .unwrap_err();
    assert_eq!(err.field, "cloth_image");
    // Masks: no 300 px rule, but the image's aspect ratio. A local dynamic mask is set by its
    // pointer (the typed setter takes the generated `DynamicMask`, whose mask is a string).
    let dynamic_mask = |request: CreateRequest, mask: ImageInput| {
        request
            .set(
                "/dynamic_masks/0/trajectories",
                json!([{"x": 0, "y": 0}, {"x": 5, "y": 5}]),
            )
            .media("/dynamic_masks/0/mask", Media::ImageMask, mask)
    };
    let body = dynamic_mask(
        client
            .image_to_video()
            .image(ImageInput::bytes(png(1000, 800)))
            .static_mask(ImageInput::bytes(png(100, 80)))
            .into_request(),
        ImageInput::bytes(png(100, 80)),
    )
    .body()
    .unwrap();
    assert_eq!(body["dynamic_masks"][0]["mask"], b64(&png(100, 80)));
    let err = dynamic_mask(
        client
            .image_to_video()
            .image(ImageInput::bytes(png(1000, 800)))
            .into_request(),
        ImageInput::bytes(jpeg(100, 100)),
    )
    .body()
    .unwrap_err();
    assert_eq!(err.field, "dynamic_masks[0].mask");
    assert!(err.rule.contains("aspect ratio of `image`"), "{}", err.rule);
}

#[tokio::test]
async fn debug_output_never_holds_the_payload() {
    let (_server, client) = setup().await;
    let builder = client
        .image_to_video()
        .image(ImageInput::bytes(png_of_size(1000, 1000, MIB)))
        .image_tail(ImageInput::base64("QUJD".repeat(100_000)));
    let debug = format!("{builder:?}");
    assert!(debug.contains("Bytes(1048576 bytes)"), "{debug}");
    assert!(debug.contains("Base64(400000 chars)"), "{debug}");
    assert!(debug.len() < 4096, "{}", debug.len());
}
