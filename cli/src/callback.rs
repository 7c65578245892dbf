//! `kling callback listen`: a receiver for the callbacks Kling POSTs to a task's callback
//! URL. It listens on 127.0.0.1 only, checks each callback's signature with the webhook
//! secret, and prints each verified task as `kling task get` does.

use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, HeaderMap};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use nicerouter_kling::CancellationToken;
use nicerouter_kling::webhook::{HEADER_ID, Verifier, WebhookError};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::args::{CallbackCommand, ListenOptions};
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::{Output, task_doc, task_lines};

/// The largest callback body read: a task object is a few kilobytes.
const MAX_BODY: usize = 1 << 20;
/// How long the answers in flight get to finish once the receiver stops.
const DRAIN: Duration = Duration::from_secs(5);
/// How long to pause after a failed accept (out of file descriptors, say) before the next.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// What a task is called in human lines: a callback does not say which kind it is.
const KIND_LABEL: &str = "callback";

/// Runs a `callback` subcommand.
pub async fn run(cmd: CallbackCommand, out: &Output) -> Result<(), Failure> {
    match cmd {
        CallbackCommand::Listen(options) => listen(options, *out).await,
    }
}

/// What every connection shares: the secret, where tasks are printed, how many have been
/// verified, and the signal to stop.
struct Receiver {
    verifier: Verifier,
    out: Output,
    max: Option<u64>,
    verified: Mutex<u64>,
    stop: CancellationToken,
}

/// Listens until `--max` callbacks have been verified or Ctrl-C.
async fn listen(options: ListenOptions, out: Output) -> Result<(), Failure> {
    let verifier = Verifier::new(&options.secret.0).map_err(|e| {
        Failure::usage(e.to_string()).with_hint(
            "give the secret Kling shows for signed callbacks, whsec_ followed by base64, \
             with --secret or KLING_WEBHOOK_SECRET",
        )
    })?;
    // Caught before the address is printed, so that a Ctrl-C as soon as it is printed stops
    // the receiver instead of killing it.
    let interrupt = Interrupt::catch().await;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .await
        .map_err(|e| Failure::other(format!("cannot listen on 127.0.0.1:{}: {e}", options.port)))?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::other(format!("cannot read the address listened on: {e}")))?;
    out.event(
        &json!({
            "event": "listening",
            "address": address.to_string(),
            "port": address.port(),
            "url": format!("http://{address}/"),
        }),
        format!("listening for callbacks on http://{address}/ (Ctrl-C stops)"),
    );

    let receiver = Arc::new(Receiver {
        verifier,
        out,
        max: options.max,
        verified: Mutex::new(0),
        stop: CancellationToken::new(),
    });
    let mut connections = JoinSet::new();
    let interrupted = loop {
        tokio::select! {
            () = receiver.stop.cancelled() => break false,
            () = interrupt.token().cancelled() => break true,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve(stream, Arc::clone(&receiver)));
                }
                Err(_) => tokio::time::sleep(ACCEPT_PAUSE).await,
            },
            // Finished connections are collected as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    };
    receiver.stop.cancel();
    drop(listener);
    // The last callback's answer is still being written: let it (and any other in flight)
    // finish, within a bound, before the process ends.
    let _ = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();

    let verified = *receiver
        .verified
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match options.max {
        Some(max) if interrupted && verified < max => Err(Failure::other(format!(
            "interrupted after {verified} of {max} callback(s)"
        ))),
        _ => {
            out.event(
                &json!({ "event": "stopped", "callbacks": verified }),
                format!("stopped after {verified} callback(s)"),
            );
            Ok(())
        }
    }
}

/// Serves one connection until it closes, or until the receiver stops: then the request in
/// flight is answered and the connection closed.
async fn serve(stream: TcpStream, receiver: Arc<Receiver>) {
    let stop = receiver.stop.clone();
    let service = service_fn(move |request| {
        let receiver = Arc::clone(&receiver);
        async move { Ok::<_, Infallible>(receiver.answer(request).await) }
    });
    let mut connection = pin!(
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service)
    );
    tokio::select! {
        _ = connection.as_mut() => {}
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

impl Receiver {
    /// Answers one request: 204 for a verified task, 401 for a callback not proven to come
    /// from Kling, 400 for a signed body that is not a task; 405 for anything but a POST,
    /// 413 for a body over the limit, 503 once the receiver is stopping.
    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::POST {
            let mut response = empty(StatusCode::METHOD_NOT_ALLOWED);
            response
                .headers_mut()
                .insert(ALLOW, hyper::header::HeaderValue::from_static("POST"));
            return response;
        }
        if self.stop.is_cancelled() {
            return empty(StatusCode::SERVICE_UNAVAILABLE);
        }
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<LengthLimitError>() => {
                return self.refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("the body is over {MAX_BODY} bytes"),
                );
            }
            Err(e) => {
                return self.refuse(
                    StatusCode::BAD_REQUEST,
                    &format!("the body could not be read: {e}"),
                );
            }
        };
        match self
            .verifier
            .verify_task(&parts.headers, &body, SystemTime::now())
        {
            Ok(task) => self.accept(&parts.headers, &task),
            Err(e) => self.refuse(status_of(&e), &e.to_string()),
        }
    }

    /// Prints a verified task and counts it; the last one `--max` allows stops the receiver.
    fn accept(&self, headers: &HeaderMap, task: &nicerouter_kling::Task) -> Response<Full<Bytes>> {
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if self.max.is_some_and(|max| *verified >= max) {
            return empty(StatusCode::SERVICE_UNAVAILABLE);
        }
        *verified += 1;
        let mut doc = task_doc(KIND_LABEL, task);
        doc["kind"] = Value::Null;
        doc["webhook_id"] = headers
            .get(HEADER_ID)
            .and_then(|v| v.to_str().ok())
            .map_or(Value::Null, |id| Value::from(id.trim()));
        self.out.result(&doc, &task_lines(KIND_LABEL, task));
        if Some(*verified) == self.max {
            self.stop.cancel();
        }
        empty(StatusCode::NO_CONTENT)
    }

    /// Reports a refused callback on stderr and answers with `status` and no body: the
    /// reason is for the receiver's owner, not for whoever sent it.
    fn refuse(&self, status: StatusCode, reason: &str) -> Response<Full<Bytes>> {
        self.out.event(
            &json!({ "event": "refused", "status": status.as_u16(), "reason": reason }),
            format!("refused a callback ({}): {reason}", status.as_u16()),
        );
        empty(status)
    }
}

/// The HTTP status for a callback that did not verify or parse.
fn status_of(error: &WebhookError) -> StatusCode {
    if error.is_unauthenticated() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    }
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
