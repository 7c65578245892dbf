//! Progress while waiting: a spinner when stderr is a terminal, plain lines otherwise, nothing
//! with `--json`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use nicerouter_kling::{StatusChange, TaskHandle};

use crate::output::Output;

/// The progress display of one wait.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
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
            bar.set_message(format!("task {}: waiting", handle.task_id));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            plain: !out.is_json() && !interactive,
            task_id: handle.task_id.clone(),
        }
    }

    /// A status change.
    pub fn status(&self, change: &StatusChange) {
        let line = format!(
            "task {}: {} after {:.1}s ({} poll{})",
            self.task_id,
            change.task.raw().task_status.as_str(),
            change.elapsed.as_secs_f64(),
            change.polls,
            if change.polls == 1 { "" } else { "s" }
        );
        if let Some(bar) = &self.bar {
            bar.set_message(line);
        } else if self.plain {
            eprintln!("{line}");
        }
    }

    /// Stops the display.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
