//! `kling`: Kling (可灵) video and image generation from the command line, through NiceRouter
//! or the official Kling API, or against an embedded simulated server with `--mock`.
//!
//! A command is thin: flags → a `nicerouter-kling` request → outcome → rendering. The create
//! commands and their flags are made from the spec's catalogue, and validation lives in the
//! library, so the CLI rejects the same inputs with the same words.
//!
//! Exit codes: 0 success; 2 usage or validation error (nothing was sent); 3 the API refused
//! the request (auth, balance, parameters, policy, rate limited after retries); 4 the task
//! failed; 5 the maximum wait was exceeded (the task may still be running); 1 anything else
//! (the network, a 5xx or a proxy's page, a create whose outcome is unknown, a download, Ctrl-C).
//!
//! The paid task's id is part of every message once the task exists, so that it can be
//! waited for later with `kling task wait KIND TASK_ID`. Before it exists, the create's
//! `external_task_id` (generated here when not given) is printed before the create is sent,
//! so that a create cut short is found with `kling task get KIND EXTERNAL_ID`.

mod args;
mod backend;
mod callback;
mod create;
mod doctor;
mod failure;
mod flags;
mod inputs;
mod interrupt;
mod output;
mod progress;
mod task;
mod trace;
mod usage;

use std::process::ExitCode;

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match args::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => return usage::report(&e, std::env::args_os().any(|a| a == "--json")),
    };
    trace::init(cli.global.verbose, cli.global.json);
    let out = Output::new(cli.global.json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return out.fail(&Failure::other(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    match runtime.block_on(run(cli, &out)) {
        Ok(code) => code,
        Err(failure) => out.fail(&failure),
    }
}

async fn run(cli: Cli, out: &Output) -> Result<ExitCode, Failure> {
    let connect = || backend::connect(&cli.global);
    let done = |()| ExitCode::SUCCESS;
    match cli.command {
        Command::Create(create) => create::run(&connect().await?, *create, out).await.map(done),
        Command::Call(call) => create::call(&connect().await?, &call, out).await.map(done),
        Command::Task(cmd) => task::run(&connect().await?, cmd, out).await.map(done),
        // A callback receiver talks to no API: it needs no key.
        Command::Callback(cmd) => callback::run(cmd, out).await.map(done),
        // The doctor reports a missing key as a failed check, and exits 1 when any failed.
        Command::Doctor => Ok(doctor::run(&cli.global, out).await),
    }
}
