//! `kling doctor`: checks the setup with free calls only (GETs: a task that does not exist,
//! and the first page of each list), never a create.
//!
//! - **credentials**: which key is used (never the key itself), and whether the API accepts
//!   it: an answer of 401, or a code 1000–1004, means it was refused;
//! - **base_url**: whether the Kling API answers at the base URL; when it does not, whether it
//!   answers with one `/kling` less (a doubled `/kling`) or one more (a missing one);
//! - **clock**: the server's clock (`Date`) against ours; it matters to the JWTs minted from
//!   an access key and a secret key, which a server more than 5 s behind refuses as not yet
//!   valid (1003) and one far ahead as expired (1004);
//! - **route PATH**, per kind: a GET of an unknown task id. Kling's (or the relay's) JSON
//!   answer, such as 400/1201 "task not found", means the relay forwards the route; its own
//!   404 page (HTML, plain text, an OpenAI-style not-found) means it does not;
//! - **list PATH**, per forwarded kind: whether the list answers (page 1, one task).
//!
//! The result is a table (check, result, detail), or with `--json` one document
//! `{"ok", "base_url", "credential", "checks": [{"check", "result", "detail"}], "summary"}`.
//! Exit code 0 when no check failed, 1 otherwise.

use std::process::ExitCode;

use futures::StreamExt;
use nicerouter_kling::probe::{JWT_SKEW_AHEAD, JWT_SKEW_BEHIND, Probe, Route};
use nicerouter_kling::{Backend as Service, Client, Error, Kind};
use serde::Serialize;
use serde_json::json;

use crate::args::Global;
use crate::backend::{self, Backend};
use crate::output::Output;

/// A task id no account has: a GET of it is free, and tells whether the route is served.
const UNKNOWN_ID: &str = "999999999999999999";

/// Probes in flight at once.
const CONCURRENCY: usize = 4;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
struct Check {
    check: String,
    result: Verdict,
    detail: String,
}

impl Check {
    fn new(check: impl Into<String>, result: Verdict, detail: impl Into<String>) -> Self {
        Check {
            check: check.into(),
            result,
            detail: detail.into(),
        }
    }
}

/// Runs every check, prints the report and returns the exit code.
pub async fn run(global: &Global, out: &Output) -> ExitCode {
    let mut checks = Vec::new();
    let backend = match backend::connect(global).await {
        Ok(backend) => backend,
        Err(failure) => {
            let mut detail = failure.message.clone();
            if let Some(hint) = &failure.hint {
                detail.push_str("; ");
                detail.push_str(hint);
            }
            checks.push(Check::new("credentials", Verdict::Fail, detail));
            return report(out, None, None, &checks);
        }
    };
    diagnose(&backend, &mut checks).await;
    report(
        out,
        Some(backend.client.base_url()),
        Some(backend.credential),
        &checks,
    )
}

/// The checks, in the order they are printed.
async fn diagnose(backend: &Backend, checks: &mut Vec<Check>) {
    let client = &backend.client;
    let base = client.base_url();
    let routes = probe_all(client, |kind| format!("{base}{}/{UNKNOWN_ID}", kind.path())).await;
    let reached = routes
        .iter()
        .filter(|(_, p)| route_of(p) == Some(Route::Reached))
        .count();
    let refused = routes
        .iter()
        .filter_map(|(_, p)| p.as_ref().ok())
        .find(|p| p.route() == Route::KeyRefused);

    checks.push(match (refused, reached) {
        (Some(probe), _) => Check::new(
            "credentials",
            Verdict::Fail,
            format!("{} refused: {}", backend.credential, answer_words(probe)),
        ),
        (None, 0) => Check::new(
            "credentials",
            Verdict::Skip,
            format!("{} not checked: no route answered", backend.credential),
        ),
        (None, n) => Check::new(
            "credentials",
            Verdict::Pass,
            format!(
                "{} accepted ({n} of {} routes answered)",
                backend.credential,
                routes.len()
            ),
        ),
    });
    checks.push(base_url_check(client, reached, refused.is_some()).await);
    checks.push(clock_check(backend, &routes));

    for (kind, probe) in &routes {
        checks.push(route_check(*kind, probe));
    }
    let forwarded: Vec<Kind> = routes
        .iter()
        .filter(|(_, p)| route_of(p) == Some(Route::Reached))
        .map(|(kind, _)| *kind)
        .collect();
    let lists = probe_all(client, |kind| {
        format!("{base}{}?pageNum=1&pageSize=1", kind.path())
    })
    .await;
    for (kind, probe) in &lists {
        let name = format!("list {}", kind.path());
        checks.push(if forwarded.contains(kind) {
            list_check(name, probe)
        } else {
            Check::new(name, Verdict::Skip, "the route is not forwarded")
        });
    }
}

/// Probes one URL per kind, a few at a time, in the order of [`Kind::ALL`].
async fn probe_all(
    client: &Client,
    url: impl Fn(Kind) -> String,
) -> Vec<(Kind, Result<Probe, Error>)> {
    futures::stream::iter(Kind::ALL.iter().copied())
        .map(|kind| {
            let url = url(kind);
            async move { (kind, client.probe(&url).await) }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}

fn route_of(probe: &Result<Probe, Error>) -> Option<Route> {
    probe.as_ref().ok().map(Probe::route)
}

/// A probe's answer in a few words: status, code and message, or the page's type.
fn answer_words(probe: &Probe) -> String {
    let status = probe.status();
    let mut words = status.as_u16().to_string();
    if let Some(reason) = status.canonical_reason() {
        words.push(' ');
        words.push_str(reason);
    }
    if let Some(code) = probe.code() {
        words.push_str(&format!(", code {code}"));
    }
    match probe
        .error()
        .and_then(|e| e.api().map(|a| a.message.clone()))
    {
        Some(message) if probe.code().is_some() && !message.is_empty() => {
            words.push_str(&format!(": {message}"));
        }
        _ => match probe.content_type() {
            Some(ct) => words.push_str(&format!(" ({ct})")),
            None => words.push_str(" (no Content-Type)"),
        },
    }
    words
}

/// Whether the API answers at the base URL; when no route does, the base URL with one
/// `/kling` less and one more, each probed kind by kind until one answers.
async fn base_url_check(client: &Client, reached: usize, refused: bool) -> Check {
    let base = client.base_url();
    if reached > 0 {
        return Check::new(
            "base_url",
            Verdict::Pass,
            format!("{base}: the Kling API answers"),
        );
    }
    if refused {
        return Check::new(
            "base_url",
            Verdict::Skip,
            format!("{base}: not checked, the key was refused"),
        );
    }
    let mut candidates = Vec::new();
    if let Some(shorter) = base.strip_suffix("/kling") {
        candidates.push((shorter.to_owned(), "has one /kling too many"));
    }
    candidates.push((format!("{base}/kling"), "lacks /kling"));
    for (candidate, mistake) in candidates {
        for &kind in Kind::ALL {
            let url = format!("{candidate}{}/{UNKNOWN_ID}", kind.path());
            let Ok(probe) = client.probe(&url).await else {
                continue;
            };
            if matches!(probe.route(), Route::Reached | Route::KeyRefused) {
                return Check::new(
                    "base_url",
                    Verdict::Fail,
                    format!(
                        "{base}: no Kling route answers, but {candidate} does: the base URL \
                         {mistake}; {}",
                        advice(client.backend(), &candidate)
                    ),
                );
            }
        }
    }
    Check::new(
        "base_url",
        Verdict::Fail,
        format!("{base}: no Kling route answers, with or without one more /kling"),
    )
}

/// What to pass for the API to answer at `working`.
fn advice(service: Service, working: &str) -> String {
    match service {
        Service::NiceRouter => {
            let origin = working.strip_suffix("/kling").unwrap_or(working);
            format!("pass --base-url {origin} (the relay's origin; /kling is added)")
        }
        _ => format!("pass --base-url {working}"),
    }
}

/// The clock skew from the first `Date` header; it fails only for JWTs.
fn clock_check(backend: &Backend, routes: &[(Kind, Result<Probe, Error>)]) -> Check {
    let skew = routes
        .iter()
        .filter_map(|(_, p)| p.as_ref().ok())
        .find_map(Probe::clock_skew);
    let Some(skew) = skew else {
        return Check::new("clock", Verdict::Skip, "the server sent no Date header");
    };
    let words = match skew {
        0 => "the server's clock agrees with ours (to the second)".to_owned(),
        s if s > 0 => format!("the server's clock is {s} s ahead of ours"),
        s => format!("the server's clock is {} s behind ours", -s),
    };
    if !backend.signs_jwt {
        return Check::new(
            "clock",
            Verdict::Skip,
            format!("{words}; only JWTs (--access-key and --secret-key) depend on it"),
        );
    }
    let behind = i64::try_from(JWT_SKEW_BEHIND.as_secs()).unwrap_or(i64::MAX);
    let ahead = i64::try_from(JWT_SKEW_AHEAD.as_secs()).unwrap_or(i64::MAX);
    if skew < -behind {
        Check::new(
            "clock",
            Verdict::Fail,
            format!(
                "{words}: the server takes new JWTs as not yet valid (1003); set this \
                 machine's clock"
            ),
        )
    } else if skew > ahead {
        Check::new(
            "clock",
            Verdict::Fail,
            format!("{words}: the server takes JWTs as expired (1004); set this machine's clock"),
        )
    } else {
        Check::new("clock", Verdict::Pass, format!("{words}; JWTs are valid"))
    }
}

/// A kind's route, from the GET of an unknown id.
fn route_check(kind: Kind, probe: &Result<Probe, Error>) -> Check {
    let name = format!("route {}", kind.path());
    let probe = match probe {
        Ok(probe) => probe,
        Err(error) => return Check::new(name, Verdict::Fail, error.to_string()),
    };
    let words = answer_words(probe);
    match probe.route() {
        Route::Reached => Check::new(
            name,
            Verdict::Pass,
            format!("forwarded (an unknown id: {words})"),
        ),
        Route::NotServed => Check::new(name, Verdict::Fail, format!("not forwarded ({words})")),
        Route::KeyRefused => Check::new(name, Verdict::Fail, format!("key refused ({words})")),
        _ => Check::new(name, Verdict::Fail, format!("cannot tell ({words})")),
    }
}

/// A kind's list, page 1 of one task.
fn list_check(name: String, probe: &Result<Probe, Error>) -> Check {
    let probe = match probe {
        Ok(probe) => probe,
        Err(error) => return Check::new(name, Verdict::Fail, error.to_string()),
    };
    if probe.route() != Route::Reached {
        return Check::new(
            name,
            Verdict::Fail,
            format!("does not answer ({})", answer_words(probe)),
        );
    }
    match probe.tasks() {
        Ok(tasks) => Check::new(
            name,
            Verdict::Pass,
            format!("answers ({} task(s) on page 1 of size 1)", tasks.len()),
        ),
        Err(error) => Check::new(name, Verdict::Fail, format!("answers, but: {error}")),
    }
}

/// Prints the table (or the JSON document) and returns the exit code.
fn report(
    out: &Output,
    base_url: Option<&str>,
    credential: Option<&str>,
    checks: &[Check],
) -> ExitCode {
    let count = |v: Verdict| checks.iter().filter(|c| c.result == v).count();
    let (passed, failed, skipped) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Skip),
    );
    let doc = json!({
        "ok": failed == 0,
        "base_url": base_url,
        "credential": credential,
        "checks": checks,
        "summary": { "pass": passed, "fail": failed, "skip": skipped },
    });
    let width = checks
        .iter()
        .map(|c| c.check.chars().count())
        .max()
        .unwrap_or(0)
        .max("CHECK".len());
    let mut lines = vec![format!("{:width$}  RESULT  DETAIL", "CHECK")];
    lines.extend(
        checks
            .iter()
            .map(|c| format!("{:width$}  {:6}  {}", c.check, c.result.word(), c.detail)),
    );
    lines.push(format!(
        "{passed} passed, {failed} failed, {skipped} skipped"
    ));
    out.result(&doc, &lines);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_names_what_to_pass() {
        assert_eq!(
            advice(Service::NiceRouter, "https://relay.example.com/kling"),
            "pass --base-url https://relay.example.com (the relay's origin; /kling is added)"
        );
        assert_eq!(
            advice(Service::Official, "https://relay.example.com/kling"),
            "pass --base-url https://relay.example.com/kling"
        );
    }
}
