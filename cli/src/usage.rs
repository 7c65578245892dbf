//! What the command-line parser ends with: help and version (exit 0), or a usage error
//! (exit 2) as one line — or, with `--json`, as one JSON document.

use std::process::ExitCode;

use clap::error::ErrorKind;
use serde_json::json;

use crate::failure::Failure;
use crate::output::Output;

/// Prints help or version, or reports the usage error; returns the exit code.
pub fn report(error: &clap::Error, json: bool) -> ExitCode {
    let out = Output::new(json);
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion if !json => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelp => {
            out.result(&json!({ "help": error.render().to_string() }), &[]);
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayVersion => {
            let doc = json!({ "name": "kling", "version": env!("CARGO_PKG_VERSION") });
            out.result(&doc, &[]);
            ExitCode::SUCCESS
        }
        _ => out.fail(&describe(error)),
    }
}

/// A parser error as one line, with the usage line as the advice.
///
/// clap renders `error: …` with details on indented lines, a blank line, `Usage: …`, and
/// `For more information, try '--help'.`; the details join the first line.
fn describe(error: &clap::Error) -> Failure {
    let rendered = error.render().to_string();
    let mut message = String::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("Usage: ") {
            usage = Some(rest.to_owned());
        } else if line.starts_with("For more information") {
            continue;
        } else if usage.is_none() {
            let line = line.strip_prefix("error: ").unwrap_or(line);
            if !message.is_empty() {
                message.push_str(if line.starts_with("tip:") { "; " } else { " " });
            }
            message.push_str(line);
        }
    }
    let hint = match usage {
        Some(usage) => format!("usage: {usage} (more with --help)"),
        None => "see --help".to_owned(),
    };
    Failure::usage(message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn usage_error(args: &[&str]) -> Failure {
        let error = crate::args::parse_from(args).unwrap_err();
        describe(&error)
    }

    #[test]
    fn details_join_the_first_line_and_usage_becomes_the_hint() {
        let f = usage_error(&["kling", "--api-key", "k", "video", "extend"]);
        assert_eq!(
            f.message,
            "the following required arguments were not provided: --video-id <VALUE>"
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("usage: kling video extend --video-id <VALUE> (more with --help)")
        );
        let f = usage_error(&[
            "kling",
            "video",
            "text2video",
            "--prompt",
            "x",
            "--sound",
            "loud",
        ]);
        assert!(
            f.message.starts_with(
                "invalid value 'loud' for '--sound <VALUE>' [possible values: on, off]"
            ),
            "{}",
            f.message
        );
        assert!(!f.message.contains('\n'));
    }

    #[test]
    fn a_missing_subcommand_is_an_error_naming_the_choices() {
        let f = usage_error(&["kling", "video"]);
        assert!(
            f.message.contains("'kling video' requires a subcommand"),
            "{}",
            f.message
        );
        assert!(f.message.contains("text2video"), "{}", f.message);
    }
}
