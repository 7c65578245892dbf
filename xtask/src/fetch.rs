//! `cargo xtask docs-fetch URL...`: a maintainer's snapshot of upstream docs. Each document is
//! saved under `openapi/upstream/<UTC date>/` and recorded in that directory's `manifest.json`
//! (URL, final URL, time, content type, bytes, SHA-256); a saved file is never overwritten.
//! With `--follow TEXT`, the `.md` pages of an `llms.txt` whose lines contain TEXT are fetched
//! too. Nothing else in the project touches the network: tests read recorded fixtures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// One fetched document.
#[derive(Debug)]
pub struct Fetched {
    /// The URL after redirects.
    pub final_url: String,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Its body.
    pub bytes: Vec<u8>,
}

/// GETs one URL (30 s timeout, redirects followed, non-2xx refused).
pub fn get(url: &str) -> Result<Fetched, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!(
            "nicerouter-kling-xtask/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let response = client
        .get(url)
        .send()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let final_url = response.url().to_string();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !status.is_success() {
        return Err(format!("GET {url}: {status}"));
    }
    let bytes = response
        .bytes()
        .map_err(|e| format!("GET {url}: {e}"))?
        .to_vec();
    Ok(Fetched {
        final_url,
        content_type,
        bytes,
    })
}

/// `cargo xtask docs-fetch`.
pub fn run(root: &Path, urls: &[String], follow: &[String]) -> Result<(), String> {
    let dir = root.join("openapi/upstream").join(crate::clock::today());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut queue: Vec<String> = urls.to_vec();
    let mut done = Vec::new();
    while let Some(url) = queue.first().cloned() {
        queue.remove(0);
        if done.contains(&url) {
            continue;
        }
        done.push(url.clone());
        let fetched = get(&url)?;
        let saved = save(&dir, &url, &fetched)?;
        println!(
            "saved {} ({} bytes)",
            saved.strip_prefix(root).unwrap_or(&saved).display(),
            fetched.bytes.len()
        );
        if !follow.is_empty() && url.ends_with("llms.txt") {
            let text = String::from_utf8_lossy(&fetched.bytes);
            for line in text.lines() {
                if !follow.iter().any(|f| line.contains(f.as_str())) {
                    continue;
                }
                if let Some((_, link)) = crate::upstream::markdown_link(line)
                    && link.ends_with(".md")
                {
                    queue.push(link.to_owned());
                }
            }
        }
    }
    Ok(())
}

/// Writes the document under a free name and appends it to the manifest.
fn save(dir: &Path, url: &str, fetched: &Fetched) -> Result<PathBuf, String> {
    let base = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .unwrap_or("index")
        .replace(
            |c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)),
            "_",
        );
    let sha = hex::encode(Sha256::digest(&fetched.bytes));
    let mut path = dir.join(&base);
    let mut n = 1;
    while path.exists() {
        if std::fs::read(&path).is_ok_and(|old| old == fetched.bytes) {
            break;
        }
        n += 1;
        path = dir.join(format!("{n}-{base}"));
    }
    std::fs::write(&path, &fetched.bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;

    let manifest_path = dir.join("manifest.json");
    let mut manifest: Value = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({ "documents": [] }));
    let entry = json!({
        "file": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "url": url,
        "final_url": fetched.final_url,
        "fetched_at": crate::clock::timestamp(),
        "content_type": fetched.content_type,
        "bytes": fetched.bytes.len(),
        "sha256": sha,
    });
    if let Some(docs) = manifest.get_mut("documents").and_then(Value::as_array_mut) {
        docs.push(entry);
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&manifest_path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    Ok(path)
}
