//! Rendering: human lines, or exactly one JSON document on stdout with `--json` (progress
//! events go to stderr, as JSON lines with `--json`).

use std::borrow::Cow;
use std::io::Write;
use std::process::ExitCode;

use nicerouter_kling::catalog::Call;
use nicerouter_kling::raw::types;
use nicerouter_kling::{DownloadedFile, Output as TaskOutput, OutputKind, Task};
use serde::Serialize;
use serde_json::{Value, json};

use crate::failure::Failure;

/// Where results go.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// `json`: one JSON document on stdout and nothing else.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// A progress event, on stderr as it happens (stdout keeps the one result): the `human`
    /// line, or with `--json` the `doc` as one JSON line, `{"event": …, …}`. Stderr is not
    /// buffered, so the line is out even if the process is killed right after; it is written
    /// whole, in one call, so that no trace line (`-v`) lands inside it.
    pub fn event(&self, doc: &Value, human: impl AsRef<str>) {
        let line = if self.json {
            format!("{doc}\n")
        } else {
            format!("{}\n", printable(human.as_ref()))
        };
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    /// The command's result: `human` lines on stdout, or `doc` as JSON.
    pub fn result(&self, doc: &Value, human: &[String]) {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            let _ = writeln!(stdout, "{doc}");
        } else {
            for line in human {
                let _ = writeln!(stdout, "{}", printable(line));
            }
        }
    }

    /// Reports `failure` (one line on stderr for humans, `{"error": …}` on stdout with
    /// `--json`) and returns its exit code.
    pub fn fail(&self, failure: &Failure) -> ExitCode {
        if self.json {
            let _ = writeln!(std::io::stdout().lock(), "{}", json!({ "error": failure }));
        } else {
            eprintln!("error: {}", printable(&error_line(failure)));
        }
        failure.exit_code()
    }
}

/// The human error line: the message, then the facts it does not already state (code,
/// request id, task, external id), then what to do.
fn error_line(failure: &Failure) -> String {
    let mut line = failure.message.clone();
    let mut add = |label: &str, value: &str| {
        if !mentions(&line, value) {
            line.push_str(&format!(" [{label} {value}]"));
        }
    };
    if let Some(code) = &failure.code {
        let code = code
            .as_str()
            .map_or_else(|| code.to_string(), str::to_owned);
        add("code", &code);
    }
    if let Some(id) = &failure.request_id {
        add("request_id", id);
    }
    if let Some(id) = &failure.task_id {
        add("task", id);
    }
    if let Some(id) = &failure.external_task_id {
        add("external_task_id", id);
    }
    if let Some(hint) = &failure.hint {
        line.push_str("; ");
        line.push_str(hint);
    }
    line
}

/// `text` made safe for a terminal: server-controlled strings (messages, statuses, URLs,
/// ids) must not move the cursor, clear the screen, retitle the window, ring the bell or
/// reorder the line. Line breaks and tabs become spaces (a human line stays one line); every
/// other control character (C0, DEL, C1, so ESC and with it every escape sequence) and the
/// bidirectional-text controls are shown escaped, `\u{1b}`, so that the sequence is visible
/// and inert. JSON output needs none of this: serde escapes control characters.
pub fn printable(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => safe.push(' '),
            c if unsafe_char(c) => safe.extend(c.escape_unicode()),
            c => safe.push(c),
        }
    }
    Cow::Owned(safe)
}

/// Whether `text` mentions `value` as a whole token (so that task `42` is not taken as
/// mentioned by request id `…-4e42-…`).
fn mentions(text: &str, value: &str) -> bool {
    let part_of_token =
        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
    text.match_indices(value).any(|(at, _)| {
        !part_of_token(text[..at].chars().next_back())
            && !part_of_token(text[at + value.len()..].chars().next())
    })
}

/// One output of a task, as printed.
#[derive(Debug, Serialize)]
pub struct OutputDoc<'a> {
    url: &'a str,
    kind: OutputKind,
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_secs: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    watermark_url: Option<&'a str>,
}

/// The outputs of a task, as JSON.
pub fn outputs_doc(outputs: &[TaskOutput]) -> Value {
    let docs: Vec<OutputDoc<'_>> = outputs
        .iter()
        .map(|o| OutputDoc {
            url: &o.url,
            kind: o.kind,
            index: o.index,
            id: o.id.as_deref(),
            duration_secs: o.duration.map(|d| d.as_secs_f64()),
            watermark_url: o.watermark_url.as_deref(),
        })
        .collect();
    serde_json::to_value(docs).unwrap_or_default()
}

/// Downloaded files, as JSON.
pub fn files_doc(files: &[DownloadedFile]) -> Value {
    Value::Array(
        files
            .iter()
            .map(|f| json!({ "path": f.path.display().to_string(), "bytes": f.bytes, "sha256": f.sha256 }))
            .collect(),
    )
}

/// Downloaded files, as human lines.
pub fn files_lines(files: &[DownloadedFile]) -> impl Iterator<Item = String> + '_ {
    files.iter().map(|f| {
        format!(
            "  saved {} ({} bytes, sha256 {})",
            f.path.display(),
            f.bytes,
            f.sha256
        )
    })
}

/// A task as JSON: the documented members first, then Kling's own object under `task`.
/// A failed task has `failure: {category, reason}`; the deductions are there when the
/// server reported them.
pub fn task_doc(kind: &str, task: &Task) -> Value {
    let mut doc = json!({
        "task_id": task.id(),
        "external_task_id": task.external_task_id(),
        "kind": kind,
        "status": task.raw().task_status.as_str(),
        "status_message": task.status_message(),
        "outputs": outputs_doc(&task.outputs()),
    });
    if let Some(failure) = task.failure() {
        doc["failure"] = serde_json::to_value(failure).unwrap_or_default();
    }
    add_deductions(&mut doc, task);
    doc["task"] = serde_json::to_value(task).unwrap_or_default();
    doc
}

/// Adds `final_unit_deduction` and `final_balance_deduction` to a task's JSON document,
/// each when the server reported it.
pub fn add_deductions(doc: &mut Value, task: &Task) {
    if let Some(units) = task.final_unit_deduction() {
        doc["final_unit_deduction"] = units.into();
    }
    if let Some(balance) = task.final_balance_deduction() {
        doc["final_balance_deduction"] = serde_json::to_value(balance).unwrap_or_default();
    }
}

/// Human lines describing a task: its status, external id, failure category and Kling's
/// words, deductions, and outputs.
pub fn task_lines(kind: &str, task: &Task) -> Vec<String> {
    let mut lines = vec![format!(
        "{kind} task {}: {}",
        task.id(),
        task.raw().task_status.as_str()
    )];
    if let Some(ext) = task.external_task_id() {
        lines.push(format!("  external id: {ext}"));
    }
    if let Some(failure) = task.failure() {
        lines.push(format!("  failure: {}", failure.category));
    }
    if let Some(msg) = task.status_message().filter(|m| !m.is_empty()) {
        lines.push(format!("  message: {msg}"));
    }
    lines.extend(deduction_lines(task));
    for o in task.outputs() {
        lines.push(format!("  output {}: {}", o.index, o.url));
    }
    lines
}

/// The human lines of a task's deductions, each when the server reported it.
pub fn deduction_lines(task: &Task) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(units) = task.final_unit_deduction() {
        lines.push(format!("  units deducted: {units}"));
    }
    if let Some(balance) = task.final_balance_deduction() {
        let quota = balance.quota.as_deref().unwrap_or("?");
        let line = match balance.list_price.as_deref() {
            Some(list) => format!("  balance deducted: {quota} (list price {list})"),
            None => format!("  balance deducted: {quota}"),
        };
        lines.push(line);
    }
    lines
}

/// A human renderer of a call's answer: `None` for an answer it cannot read, which is then
/// shown as JSON.
type Render = fn(&Value) -> Option<Vec<String>>;

/// The human renderers of calls' answers, by the call's operation id in the catalogue.
const CALL_RENDERERS: &[(&str, Render)] = &[("get_account_costs", account_costs_lines)];

/// The human lines of a call's answer (`data`): its renderer's, else the JSON indented.
pub fn call_lines(call: &Call, data: &Value) -> Vec<String> {
    CALL_RENDERERS
        .iter()
        .find(|(operation, _)| *operation == call.operation)
        .and_then(|(_, render)| render(data))
        .unwrap_or_else(|| {
            serde_json::to_string_pretty(data)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect()
        })
}

/// The account's resource packs (`get_account_costs`) as a table: name, remaining, total,
/// status, and the expiry (`invalid_time`) as a UTC date.
fn account_costs_lines(data: &Value) -> Option<Vec<String>> {
    let costs: types::AccountCosts = serde_json::from_value(data.clone()).ok()?;
    let mut lines = Vec::new();
    if let Some(code) = costs.code.filter(|code| *code != 0) {
        lines.push(format!(
            "the account service answered code {code}: {}",
            costs.msg.as_deref().unwrap_or("no message")
        ));
    }
    let packs = costs.resource_pack_subscribe_infos.unwrap_or_default();
    if packs.is_empty() {
        lines.push("no resource packs".to_owned());
        return Some(lines);
    }
    let text = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    let mut rows = vec![[
        "NAME".to_owned(),
        "REMAINING".to_owned(),
        "TOTAL".to_owned(),
        "STATUS".to_owned(),
        "EXPIRES".to_owned(),
    ]];
    rows.extend(packs.into_iter().map(|pack| {
        [
            text(pack.resource_pack_name),
            text(pack.remaining_quantity.map(|n| n.to_string())),
            text(pack.total_quantity.map(|n| n.to_string())),
            text(pack.status),
            text(pack.invalid_time.and_then(utc_date)),
        ]
    }));
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    lines.extend(rows.iter().map(|row| {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        cells.join("  ").trim_end().to_owned()
    }));
    lines.push("(remaining lags by up to 12 hours)".to_owned());
    Some(lines)
}

/// A Unix time in milliseconds as a UTC date, `YYYY-MM-DD` (`None` before 1970 or beyond
/// year 9999).
fn utc_date(millis: i64) -> Option<String> {
    let days = u64::try_from(millis).ok()? / 86_400_000;
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, for days ≥ 0).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year <= 9999).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn printable_escapes_every_control_and_keeps_the_rest() {
        assert!(matches!(printable("plain 可灵 text"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nb\r\nc\td"), "a b  c d");
        assert_eq!(printable("x\u{1b}[2J\u{7}y"), "x\\u{1b}[2J\\u{7}y");
        // OSC (retitle the window) ended by BEL, a C1 CSI, DEL, NUL.
        assert_eq!(
            printable("\u{1b}]0;pwned\u{7}\u{9b}31m\u{7f}\u{0}"),
            "\\u{1b}]0;pwned\\u{7}\\u{9b}31m\\u{7f}\\u{0}"
        );
        // Right-to-left override and isolates.
        assert_eq!(printable("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        for c in (0..=0x1f).chain(0x7f..=0x9f) {
            let c = char::from_u32(c).unwrap();
            assert!(!printable(&format!("<{c}>")).contains(c), "{:?}", c);
        }
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(utc_date(0).as_deref(), Some("1970-01-01"));
        assert_eq!(utc_date(1_727_366_400_000).as_deref(), Some("2024-09-26"));
        assert_eq!(utc_date(951_782_400_000).as_deref(), Some("2000-02-29"));
        assert_eq!(utc_date(-1), None);
        assert_eq!(utc_date(i64::MAX), None);
    }

    #[test]
    fn call_renderers_name_calls_of_the_catalogue() {
        for (operation, _) in CALL_RENDERERS {
            assert!(
                nicerouter_kling::catalog::CALLS
                    .iter()
                    .any(|call| call.operation == *operation),
                "{operation} is not a call"
            );
        }
    }

    #[test]
    fn an_unreadable_costs_answer_is_shown_as_json() {
        assert_eq!(account_costs_lines(&json!({"code": "x"})), None);
        let lines = account_costs_lines(&json!({"code": 0, "msg": "success",
                                                "resource_pack_subscribe_infos": []}))
        .unwrap();
        assert_eq!(lines, ["no resource packs"]);
    }

    #[test]
    fn mentions_are_whole_tokens() {
        assert!(mentions("task 42 failed", "42"));
        assert!(mentions("[request_id abc-1]", "abc-1"));
        assert!(mentions("code 1002: invalid", "1002"));
        assert!(!mentions("[request_id bfc84610-0bfc-4e42-987b]", "42"));
        assert!(!mentions("task 8145 failed", "814"));
        assert!(!mentions("", "1"));
    }
}
