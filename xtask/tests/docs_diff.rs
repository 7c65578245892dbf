//! `cargo xtask docs-diff` on the recorded upstream documents in `openapi/upstream/fixtures/`,
//! one of each form: the NiceRouter page this project started from (its text), an Apifox
//! export, an Apifox page's Markdown, an `llms.txt` index and a vendor spec. No network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn docs_diff(fixture: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root())
        .arg("docs-diff")
        .arg(root().join("openapi/upstream/fixtures").join(fixture))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{report}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}

fn row<'a>(report: &'a str, title: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with("| `") && l.contains(&format!("| {title} |")))
        .unwrap_or_else(|| panic!("no route titled {title} in:\n{report}"))
}

#[test]
fn the_nicerouter_page_lists_its_nine_routes_and_which_we_have() {
    let report = docs_diff("nicerouter-doc.txt");
    assert!(report.contains("Read as: Apifox page text"), "{report}");
    assert!(report.contains("9 route(s)"), "{report}");
    for (title, ours) in [
        ("图像生成", "`create_image_generation`"),
        ("文生视频", "`create_text2video`"),
        ("图生视频", "`create_image2video`"),
        ("多图参考生视频", "`create_multi_image2video`"),
        ("虚拟试穿", "`create_virtual_try_on`"),
        ("对口型", "`create_lip_sync`"),
        ("视频延长", "`create_video_extend`"),
        ("视频特效", "`create_video_effects`"),
    ] {
        let line = row(&report, title);
        assert!(line.contains(ours), "{line}");
    }
    // The page itself gives image2video's path; the generic task query is a route we lack.
    assert!(row(&report, "图生视频").contains("`POST /kling/v1/videos/image2video`"));
    assert!(row(&report, "图生视频").contains("by path"));
    assert!(row(&report, "查询任务(免费)").contains("**we lack it**"));
    assert!(
        report.contains("Upstream documents 9 route(s): we have 8, we lack 1."),
        "{report}"
    );
    // The page's example body is compared too: we document more than it shows.
    assert!(
        report.contains("request fields we have, upstream lacks:"),
        "{report}"
    );
    assert!(report.contains("`cfg_scale`"), "{report}");
}

#[test]
fn an_apifox_export_shows_fields_and_values_both_ways() {
    let report = docs_diff("apifox-export.json");
    assert!(report.contains("Read as: OpenAPI document"), "{report}");
    assert!(row(&report, "文生视频").contains("`create_text2video`"));
    assert!(row(&report, "查询任务(免费)").contains("**we lack it**"));
    assert!(
        report.contains("- request fields upstream has, we lack: `seed`"),
        "{report}"
    );
    assert!(
        report.contains("- request `mode` values upstream has, we lack: \"ultra-hd\""),
        "{report}"
    );
    assert!(
        report.contains("request fields we have, upstream lacks:"),
        "{report}"
    );
}

#[test]
fn an_apifox_page_markdown_is_read_through_its_openapi_fragment() {
    let report = docs_diff("apifox-page.md");
    assert!(report.contains("Read as: Apifox page Markdown"), "{report}");
    assert!(row(&report, "图像生成").contains("`create_image_generation`"));
    assert!(
        report.contains(
            "`image_reference` values upstream has, we lack: \"upstream-only-reference\""
        ),
        "{report}"
    );
    assert!(
        report.contains("`aspect_ratio` values upstream has, we lack: \"7:5\""),
        "{report}"
    );
}

#[test]
fn an_llms_txt_index_keeps_the_kling_pages_and_matches_them_by_title() {
    let report = docs_diff("llms.txt");
    assert!(report.contains("Read as: llms.txt index"), "{report}");
    assert!(report.contains("4 route(s)"), "{report}");
    assert!(
        !report.contains("Midjourney") && !report.contains("提交Imagine任务"),
        "{report}"
    );
    assert!(row(&report, "文生视频").contains("`create_text2video`"));
}

#[test]
fn a_vendor_spec_shows_an_operation_we_lack() {
    let report = docs_diff("kling-vendor.yaml");
    assert!(row(&report, "Hologram video").contains("**we lack it**"));
    assert!(row(&report, "Text to video").contains("`create_text2video`"));
    assert!(
        report.contains("## Operations we have that upstream lacks"),
        "{report}"
    );
    assert!(report.contains("`create_lip_sync`"), "{report}");
}
