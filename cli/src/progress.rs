//! Progress while waiting: a spinner when stderr is a terminal, plain lines otherwise, and
//! with `--json` one JSON line per status change (`{"event": "status", …}`), all on stderr.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use nicerouter_kling::{StatusChange, TaskHandle};
use serde_json::json;

use crate::output::{Output, printable};

/// The progress display of one wait.
pub struct Progress {
    bar: Option<ProgressBar>,
    out: Output,
    kind: &'static str,
    task_id: String,
}

impl Progress {
    /// Starts showing progress for `handle`.
    pub fn start(out: &Output, handle: &TaskHandle) -> Self {
        let interactive = !out.is_json() && std::io::stderr().is_terminal();
        let bar = interactive.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(printable(&format!("task {}: waiting", handle.task_id)).into_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            out: *out,
            kind: handle.kind.segment(),
            task_id: handle.task_id.clone(),
        }
    }

    /// A status change.
    pub fn status(&self, change: &StatusChange) {
        let status = change.task.raw().task_status.as_str();
        let elapsed = change.elapsed.as_secs_f64();
        let line = format!(
            "task {}: {status} after {elapsed:.1}s ({} poll{})",
            self.task_id,
            change.polls,
            if change.polls == 1 { "" } else { "s" }
        );
        match &self.bar {
            Some(bar) => bar.set_message(printable(&line).into_owned()),
            None => self.out.event(
                &json!({
                    "event": "status",
                    "kind": self.kind,
                    "task_id": self.task_id,
                    "status": status,
                    "elapsed_secs": (elapsed * 10.0).round() / 10.0,
                    "polls": change.polls,
                }),
                line,
            ),
        }
    }

    /// Stops the display.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
