//! Reads an upstream description of the API into routes, whatever form it came in:
//! - an OpenAPI document (YAML or JSON): a vendor's or relay's spec, an Apifox export;
//! - an Apifox page's Markdown export (`<page>.md`), whose `## OpenAPI Specification` YAML
//!   block is a one-operation OpenAPI fragment;
//! - an Apifox site's `llms.txt` index (page titles only);
//! - the text of a rendered Apifox page, as copied from a browser: its navigation lists each
//!   route's title and method, and the page itself one route's path and body examples;
//! - a directory saved by `cargo xtask docs-fetch` (every file in it).

use std::path::Path;

use serde_json::Value;

use crate::fields::{self, Field, Fields};

/// One upstream route.
#[derive(Debug, Clone, Default)]
pub struct Route {
    /// `POST`, when known.
    pub method: Option<String>,
    /// The path as upstream writes it (`/kling/v1/videos/image2video`), when known.
    pub path: Option<String>,
    /// The page title or summary, when known.
    pub title: Option<String>,
    /// The request body's fields, when upstream describes them.
    pub request: Fields,
    /// The response body's fields, when upstream describes them.
    pub response: Fields,
}

/// What one input held.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file or URL.
    pub name: String,
    /// What form it was read as.
    pub form: &'static str,
    /// Its routes.
    pub routes: Vec<Route>,
}

/// Reads a file, a directory or a URL.
pub fn load(input: &str) -> Result<Vec<Source>, String> {
    if input.starts_with("http://") || input.starts_with("https://") {
        let body = crate::fetch::get(input)?;
        let text = String::from_utf8_lossy(&body.bytes).into_owned();
        return Ok(vec![read(input, &text)?]);
    }
    let path = Path::new(input);
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read {input}: {e}"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for entry in entries {
            let name = entry.display().to_string();
            if entry.file_name().is_some_and(|n| n == "manifest.json") {
                continue;
            }
            out.extend(load(&name)?);
        }
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {input}: {e}"))?;
    Ok(vec![read(input, &text)?])
}

/// Reads one document's text, recognising its form.
pub fn read(name: &str, text: &str) -> Result<Source, String> {
    let source = |form, routes| Source {
        name: name.to_owned(),
        form,
        routes,
    };
    if let Ok(value) = nicerouter_kling_spec::parse_value(text)
        && (value.get("openapi").is_some() || value.get("swagger").is_some())
    {
        return Ok(source("OpenAPI document", openapi_routes(text)?));
    }
    let blocks = yaml_blocks(text);
    if !blocks.is_empty() {
        let mut routes = Vec::new();
        for block in blocks {
            routes.extend(openapi_routes(&block)?);
        }
        return Ok(source("Apifox page Markdown (OpenAPI fragments)", routes));
    }
    let index = llms_index(text);
    if !index.is_empty() {
        return Ok(source("llms.txt index (titles only)", index));
    }
    let page = page_text(text);
    if page.is_empty() {
        return Err(format!(
            "{name}: not an OpenAPI document, an Apifox page (Markdown or text) or an llms.txt index"
        ));
    }
    Ok(source("Apifox page text (navigation and one page)", page))
}

/// The routes of an OpenAPI document or fragment.
fn openapi_routes(text: &str) -> Result<Vec<Route>, String> {
    let spec = nicerouter_kling_spec::parse(text).map_err(|e| e.to_string())?;
    Ok(fields::operations(&spec)
        .into_values()
        .map(|op| {
            let (method, path) = op.key.split_once(' ').unwrap_or(("", &op.key));
            Route {
                method: Some(method.to_owned()),
                path: Some(path.to_owned()),
                title: op.summary.clone(),
                request: op.request,
                response: op.response,
            }
        })
        .collect())
}

/// The fenced YAML blocks of a Markdown text that hold an OpenAPI document.
fn yaml_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) if line.contains("yaml") || line.contains("json") => {
                current = Some(String::new())
            }
            (Some(block), true) => {
                if block.contains("openapi:") || block.contains("\"openapi\"") {
                    out.push(std::mem::take(block));
                }
                current = None;
            }
            (Some(block), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

/// The Kling pages of an `llms.txt` index: `- [Title](https://….md)` lines in a section or line
/// that names Kling (every page when none does).
fn llms_index(text: &str) -> Vec<Route> {
    let mut all = Vec::new();
    let mut kling = Vec::new();
    let mut heading = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            heading = trimmed.to_owned();
            continue;
        }
        let Some((title, url)) = markdown_link(trimmed) else {
            continue;
        };
        if !url.ends_with(".md") {
            continue;
        }
        let route = Route {
            title: Some(title.to_owned()),
            ..Route::default()
        };
        if is_kling(&heading) || is_kling(trimmed) {
            kling.push(route.clone());
        }
        all.push(route);
    }
    if kling.is_empty() { all } else { kling }
}

fn is_kling(text: &str) -> bool {
    text.to_lowercase().contains("kling") || text.contains("可灵")
}

/// `[title](url)` anywhere in a line.
pub fn markdown_link(line: &str) -> Option<(&str, &str)> {
    let open = line.find('[')?;
    let close = open + line[open..].find("](")?;
    let end = close + line[close..].find(')')?;
    Some((&line[open + 1..close], &line[close + 2..end]))
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// The routes of a rendered Apifox page's text.
fn page_text(text: &str) -> Vec<Route> {
    let lines: Vec<&str> = text.lines().collect();
    let next_nonempty = |from: usize| {
        (from..lines.len())
            .find(|&j| !lines[j].trim().is_empty())
            .map(|j| (j, lines[j].trim()))
    };
    // The page's own route: a method line, then a path line, then the breadcrumb.
    let mut page: Option<Route> = None;
    let mut group: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if !METHODS.contains(&t) {
            continue;
        }
        let Some((j, path)) = next_nonempty(i + 1) else {
            continue;
        };
        if !path.starts_with('/') || path.contains(' ') {
            continue;
        }
        let title = (0..i)
            .rev()
            .map(|k| lines[k].trim())
            .find(|l| !l.is_empty())
            .map(str::to_owned);
        group =
            next_nonempty(j + 1).and_then(|(_, crumb)| crumb.rsplit('/').next().map(str::to_owned));
        let tail = &lines[j..];
        let request_at = tail
            .iter()
            .position(|l| l.contains("Body 参数") || l.contains("Body Params"));
        let response_at = tail
            .iter()
            .position(|l| l.contains("返回响应") || l.contains("Responses"));
        page = Some(Route {
            method: Some(t.to_owned()),
            path: Some(path.to_owned()),
            title,
            request: request_at
                .and_then(|k| example_after(&tail[k..]))
                .map(|v| example_fields(&v))
                .unwrap_or_default(),
            response: response_at
                .and_then(|k| example_after(&tail[k..]))
                .map(|v| example_fields(&v))
                .unwrap_or_default(),
        });
        break;
    }
    // The navigation: `• title` lines with a method on the next line, under the page's group.
    let indent = |l: &str| l.len() - l.trim_start().len();
    let bullet = |l: &str| l.trim().strip_prefix('•').map(|t| t.trim().to_owned());
    let start = group.as_ref().and_then(|g| {
        lines
            .iter()
            .position(|l| bullet(l).as_deref() == Some(g.as_str()))
    });
    let (from, to, min_indent) = match start {
        Some(s) => {
            let base = indent(lines[s]);
            let end = (s + 1..lines.len())
                .find(|&k| !lines[k].trim().is_empty() && indent(lines[k]) <= base)
                .unwrap_or(lines.len());
            (s + 1, end, base + 1)
        }
        None => (0, lines.len(), 0),
    };
    let mut routes = Vec::new();
    for k in from..to {
        let Some(title) = bullet(lines[k]) else {
            continue;
        };
        if indent(lines[k]) < min_indent {
            continue;
        }
        let Some(method) = lines
            .get(k + 1)
            .map(|l| l.trim())
            .filter(|l| METHODS.contains(l))
        else {
            continue;
        };
        let mut route = Route {
            method: Some(method.to_owned()),
            title: Some(title.clone()),
            ..Route::default()
        };
        if let Some(p) = &page
            && p.title.as_deref() == Some(title.as_str())
            && p.method.as_deref() == Some(method)
        {
            route = p.clone();
        }
        routes.push(route);
    }
    if routes.is_empty() {
        routes.extend(page);
    }
    routes
}

/// The first JSON object after a `示例` (example) line, with `//` comment lines dropped.
fn example_after(lines: &[&str]) -> Option<Value> {
    let start = lines
        .iter()
        .position(|l| matches!(l.trim(), "示例" | "Example"))?;
    let open = start + lines[start..].iter().position(|l| l.trim() == "{")?;
    let mut depth = 0i32;
    let mut text = String::new();
    for line in &lines[open..] {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        for ch in t.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        text.push_str(line);
        text.push('\n');
        if depth <= 0 {
            break;
        }
    }
    serde_json::from_str(&text)
        .ok()
        .or_else(|| lenient_object(&text))
}

/// The top-level keys of a JSON object that does not parse (a page's example may be cut short
/// or carry comments), each with the type its value starts as.
fn lenient_object(text: &str) -> Option<Value> {
    let mut map = serde_json::Map::new();
    let mut depth = 0i32;
    for line in text.lines() {
        let t = line.trim_start();
        if depth == 1
            && let Some(rest) = t.strip_prefix('"')
            && let Some((key, value)) = rest.split_once("\":")
        {
            let v = value.trim_start();
            let guess = match v.chars().next() {
                Some('"') => Value::String(String::new()),
                Some('{') => Value::Object(serde_json::Map::new()),
                Some('[') => Value::Array(Vec::new()),
                Some('t' | 'f') => Value::Bool(true),
                Some(c) if c.is_ascii_digit() || c == '-' => {
                    if v.contains('.') {
                        serde_json::json!(0.5)
                    } else {
                        serde_json::json!(0)
                    }
                }
                _ => Value::Null,
            };
            map.insert(key.to_owned(), guess);
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// The fields an example shows: names and JSON types (nothing says what is required).
fn example_fields(example: &Value) -> Fields {
    let mut out = Fields::new();
    fn walk(v: &Value, path: String, out: &mut Fields) {
        let ty = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        out.insert(
            path.clone(),
            Field {
                types: [ty.to_owned()].into(),
                ..Field::default()
            },
        );
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(child, p, out);
                }
            }
            Value::Array(items) => {
                if let Some(first) = items.first() {
                    walk(first, format!("{path}[]"), out);
                }
            }
            _ => {}
        }
    }
    walk(example, String::new(), &mut out);
    out
}
