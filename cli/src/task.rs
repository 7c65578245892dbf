//! `kling task get|list|wait`, and the wait-and-download flow shared with the create commands.

use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use nicerouter_kling::{Kind, TaskHandle, WaitEvent};
use serde_json::json;

use crate::args::TaskCommand;
use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::{Output, files_doc, outputs_doc, task_doc, task_lines};
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
                .map_err(|e| Failure::from(e).with_task(&task_id))?;
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
            let page = u32::try_from(page).unwrap_or(0);
            let page_size = u32::try_from(page_size).unwrap_or(0);
            let tasks = backend
                .client
                .list(kind, page, page_size)
                .await
                .map_err(Failure::from)?;
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
            max_wait,
            output,
        } => {
            let kind = parse_kind(&kind)?;
            let handle = TaskHandle::new(kind, task_id);
            finish(
                backend,
                &handle,
                Duration::from_secs(max_wait),
                output.as_deref(),
                out,
            )
            .await
        }
    }
}

/// Waits for `handle` with progress on stderr, then prints the outcome and downloads the
/// results into `output`. The task id is part of every message, success or not.
pub async fn finish(
    backend: &Backend,
    handle: &TaskHandle,
    max_wait: Duration,
    output: Option<&Path>,
    out: &Output,
) -> Result<(), Failure> {
    let client = &backend.client;
    let progress = Progress::start(out, handle);
    let mut events = Box::pin(handle.wait(client, max_wait).events());
    let mut outcome = None;
    while let Some(event) = events.next().await {
        match event {
            WaitEvent::Status(change) => progress.status(&change),
            WaitEvent::Finished(o) => outcome = Some(o),
        }
    }
    progress.finish();
    let outcome = outcome.ok_or_else(|| {
        Failure::other("the wait ended without an outcome").with_task(&handle.task_id)
    })?;
    let kind = handle.kind.segment();
    let task = outcome
        .into_result()
        .map_err(|e| Failure::from(e).with_task(&handle.task_id))?;
    let mut doc = json!({
        "task_id": task.id(),
        "external_task_id": task.external_task_id().or(handle.external_task_id.as_deref()),
        "kind": kind,
        "status": task.raw().task_status.as_str(),
        "outputs": outputs_doc(&task.outputs()),
    });
    let mut lines = task_lines(kind, &task);
    if let Some(dir) = output {
        out.note(format!(
            "downloading {} output(s) to {}",
            task.outputs().len(),
            dir.display()
        ));
        let files = client
            .download(&task, dir)
            .handle(handle)
            .await
            .map_err(|e| Failure::from(e).with_task(task.id()))?;
        doc["files"] = files_doc(&files);
        lines.extend(files.iter().map(|f| {
            format!(
                "  saved {} ({} bytes, sha256 {})",
                f.path.display(),
                f.bytes,
                f.sha256
            )
        }));
    }
    out.result(&doc, &lines);
    Ok(())
}

/// A kind from its path segment, or a friendly alias.
fn parse_kind(value: &str) -> Result<Kind, Failure> {
    let segment = match value {
        "extend" => "video-extend",
        "image" | "images" | "image-generation" => "generations",
        "try-on" | "tryon" => "kolors-virtual-try-on",
        "multi-image" => "multi-image2video",
        other => other,
    };
    Kind::from_segment(segment).ok_or_else(|| {
        Failure::usage(format!(
            "unknown kind `{value}`: one of text2video, image2video, multi-image2video, video-extend, \
             lip-sync, effects, generations, kolors-virtual-try-on"
        ))
    })
}
