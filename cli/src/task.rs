//! `kling task get|list|wait`, and the wait-and-download flow shared with the create commands.

use std::time::Duration;

use futures::StreamExt;
use nicerouter_kling::{CancellationToken, Kind, Task, TaskHandle, WaitEvent};
use serde_json::json;

use crate::args::{TaskCommand, WaitOptions};
use crate::backend::Backend;
use crate::failure::Failure;
use crate::inputs;
use crate::interrupt::Interrupt;
use crate::output::{
    Output, add_deductions, files_doc, files_lines, outputs_doc, task_doc, task_lines,
};
use crate::progress::Progress;

/// Runs a `task` subcommand.
pub async fn run(backend: &Backend, cmd: TaskCommand, out: &Output) -> Result<(), Failure> {
    match cmd {
        TaskCommand::Get { kind, task_id } => {
            let kind = parse_kind(&kind)?;
            let task = backend
                .client
                .get(kind, &task_id)
                .await
                .map_err(|e| Failure::lookup(&e, &TaskHandle::new(kind, &task_id)))?;
            out.result(
                &task_doc(kind.segment(), &task),
                &task_lines(kind.segment(), &task),
            );
            Ok(())
        }
        TaskCommand::List {
            kind,
            page,
            page_size,
        } => {
            let kind = parse_kind(&kind)?;
            let page = inputs::count("pageNum", page)?;
            let page_size = inputs::count("pageSize", page_size)?;
            let tasks = backend.client.list(kind, page, page_size).await?;
            let doc = json!({
                "kind": kind.segment(),
                "page": page,
                "page_size": page_size,
                "tasks": tasks.iter().map(|t| task_doc(kind.segment(), t)).collect::<Vec<_>>(),
            });
            let mut lines = vec![format!("{} {kind} task(s), page {page}", tasks.len())];
            lines.extend(tasks.iter().map(|t| {
                format!(
                    "{}  {:<10}  {}",
                    t.id(),
                    t.raw().task_status.as_str(),
                    t.external_task_id().unwrap_or("")
                )
            }));
            out.result(&doc, &lines);
            Ok(())
        }
        TaskCommand::Wait {
            kind,
            task_id,
            then,
        } => {
            let kind = parse_kind(&kind)?;
            if task_id.trim().is_empty() {
                return Err(
                    nicerouter_kling::Error::from(nicerouter_kling::ValidationError::new(
                        "task_id",
                        "must not be empty",
                    ))
                    .into(),
                );
            }
            let handle = TaskHandle::new(kind, task_id);
            let interrupt = Interrupt::catch().await;
            finish(backend, &handle, &then, out, &interrupt).await
        }
    }
}

/// Waits for `handle` (up to `--max-wait`) with progress on stderr, then prints the outcome
/// and downloads the results into `--output`. Every failure names the task; Ctrl-C (caught by
/// `interrupt`) ends the wait (not the task) with the command that resumes it.
pub async fn finish(
    backend: &Backend,
    handle: &TaskHandle,
    then: &WaitOptions,
    out: &Output,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    wait_and_download(backend, handle, then, out, interrupt.token()).await
}

async fn wait_and_download(
    backend: &Backend,
    handle: &TaskHandle,
    then: &WaitOptions,
    out: &Output,
    interrupt: &CancellationToken,
) -> Result<(), Failure> {
    let max_wait = Duration::from_secs(then.max_wait);
    let task = wait(backend, handle, max_wait, out, interrupt).await?;
    let kind = handle.kind.segment();
    let mut doc = json!({
        "task_id": task.id(),
        "external_task_id": task.external_task_id().or(handle.external_task_id.as_deref()),
        "kind": kind,
        "status": task.raw().task_status.as_str(),
        "outputs": outputs_doc(&task.outputs()),
    });
    add_deductions(&mut doc, &task);
    let mut lines = task_lines(kind, &task);
    if let Some(dir) = then.output.as_deref() {
        out.event(
            &json!({
                "event": "downloading",
                "kind": kind,
                "task_id": task.id(),
                "outputs": task.outputs().len(),
                "dir": dir.display().to_string(),
            }),
            format!(
                "downloading {} output(s) of task {} to {}",
                task.outputs().len(),
                task.id(),
                dir.display()
            ),
        );
        // A rerun of the same download replaces the same files.
        let download = backend
            .client
            .download(&task, dir)
            .handle(handle)
            .overwrite(true);
        let files = tokio::select! {
            files = download => files.map_err(|e| Failure::downloading(e, handle, dir))?,
            () = interrupt.cancelled() => return Err(Failure::interrupted(handle)),
        };
        doc["files"] = files_doc(&files);
        lines.extend(files_lines(&files));
    }
    out.result(&doc, &lines);
    Ok(())
}

/// Polls until the task succeeds, showing each status change.
async fn wait(
    backend: &Backend,
    handle: &TaskHandle,
    max_wait: Duration,
    out: &Output,
    interrupt: &CancellationToken,
) -> Result<Task, Failure> {
    let progress = Progress::start(out, handle);
    let mut events = std::pin::pin!(
        handle
            .wait(&backend.client, max_wait)
            .cancel_token(interrupt.clone())
            .events()
    );
    let mut outcome = None;
    while let Some(event) = events.next().await {
        match event {
            WaitEvent::Status(change) => progress.status(&change),
            WaitEvent::Finished(o) => outcome = Some(o),
            // Events a newer library may add: nothing to show.
            _ => {}
        }
    }
    progress.finish();
    let outcome = outcome.ok_or_else(|| {
        Failure::other("the wait ended without an outcome").with_task(&handle.task_id)
    })?;
    outcome
        .into_result()
        .map_err(|e| Failure::waiting(e, handle))
}

/// A kind from its path segment, or the name of its create command (`extend`, `try-on`).
fn parse_kind(value: &str) -> Result<Kind, Failure> {
    let named = |k: &&Kind| k.segment() == value || k.cli().last() == Some(&value);
    Kind::ALL.iter().find(named).copied().ok_or_else(|| {
        let segments: Vec<&str> = Kind::ALL.iter().map(|k| k.segment()).collect();
        let commands: Vec<&str> = Kind::ALL
            .iter()
            .filter_map(|k| k.cli().last().copied())
            .collect();
        Failure::usage(format!(
            "unknown kind `{value}`: one of {}",
            segments.join(", ")
        ))
        .with_hint(format!(
            "or a create command's name: {}",
            commands.join(", ")
        ))
    })
}
