//! The create commands: flags → a library request → a paid task → (optionally) wait and
//! download.

use nicerouter_kling::entropy::{self, OsEntropy};
use nicerouter_kling::{Error, TaskHandle};
use serde_json::json;

use crate::args::CreateOptions;
use crate::backend::Backend;
use crate::failure::Failure;
use crate::flags::{self, CallCommand, Create};
use crate::interrupt::Interrupt;
use crate::output::{Output, call_lines};
use crate::task::finish;

/// Runs a create command: the request from its flags (an external id generated when
/// absent), checked with local media read (nothing is sent if a rule is broken), then the
/// paid task, and the wait and download when asked.
pub async fn run(backend: &Backend, create: Create, out: &Output) -> Result<(), Failure> {
    let request = flags::request(&backend.client, &create)?;
    let external_id = request
        .external_task_id()
        .map_or_else(new_external_id, str::to_owned);
    let request = request.with_external_task_id(external_id.clone());
    // Local media are read and encoded here.
    let body = tokio::task::block_in_place(|| request.body()).map_err(Error::from)?;
    send(backend, create.kind, body, external_id, create.options, out).await
}

/// Runs a call that is not a task, and prints its answer's `data`: the JSON document with
/// `--json`, else the call's human rendering (the same JSON, indented, for most calls).
pub async fn call(backend: &Backend, command: &CallCommand, out: &Output) -> Result<(), Failure> {
    let params = flags::params(command)?;
    let data = backend.client.execute(command.call, params).await?;
    out.result(&data, &call_lines(command.call, &data));
    Ok(())
}

/// A fresh `external_task_id`, made by the library's generator here rather than inside the
/// create so that it is printed before the create is sent.
fn new_external_id() -> String {
    entropy::external_task_id(&OsEntropy)
}

/// Creates the task from its checked `body`, catching Ctrl-C from just before it is sent:
/// the external id is printed first, so that a create cut short (Ctrl-C, or the process
/// killed while it retries) can still be found by it. Then prints the paid task, and waits
/// and downloads when asked.
async fn send(
    backend: &Backend,
    kind: nicerouter_kling::Kind,
    body: serde_json::Value,
    external_id: String,
    opts: CreateOptions,
    out: &Output,
) -> Result<(), Failure> {
    let interrupt = Interrupt::catch().await;
    out.event(
        &json!({
            "event": "submitting",
            "kind": kind.segment(),
            "external_task_id": external_id,
        }),
        format!("submitting {kind} with external id {external_id}"),
    );
    let handle = tokio::select! {
        sent = backend.client.create_json(kind, body) => sent?,
        () = interrupt.token().cancelled() => {
            return Err(Failure::interrupted_create(kind, &external_id));
        }
    };
    after_create(backend, &handle, &opts, out, &interrupt).await
}

/// Prints the paid task, then waits and downloads when asked (`--output` implies `--wait`).
async fn after_create(
    backend: &Backend,
    handle: &TaskHandle,
    opts: &CreateOptions,
    out: &Output,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    if !opts.wait && opts.then.output.is_none() {
        // Kling's own word, as the create (or the lookup that recovered a lost answer)
        // answered; `submitted`, what a create answers, when the handle has none.
        let status = handle
            .task_status
            .as_ref()
            .map_or("submitted", |status| status.as_str());
        let doc = json!({
            "task_id": handle.task_id,
            "external_task_id": handle.external_task_id,
            "kind": handle.kind.segment(),
            "status": status,
        });
        out.result(
            &doc,
            &[format!("{} task {}: {status}", handle.kind, handle.task_id)],
        );
        return Ok(());
    }
    // The paid task's id, out before the wait: a wait that is interrupted or killed must not
    // lose it (with --json too, as a JSON line on stderr).
    out.event(
        &json!({
            "event": "created",
            "kind": handle.kind.segment(),
            "task_id": handle.task_id,
            "external_task_id": handle.external_task_id,
        }),
        format!(
            "created {} task {} (external id {})",
            handle.kind,
            handle.task_id,
            handle.external_task_id.as_deref().unwrap_or("none")
        ),
    );
    finish(backend, handle, &opts.then, out, interrupt).await
}
