//! A minimal loopback Kling server with fixed answers, on its own thread and runtime so that it
//! never runs on the client's executor: a create answers [`CREATE_ANSWER`], a get answers
//! [`GET_ANSWER`]. Bodies are read chunk by chunk and only counted, never kept, so a 14 MB
//! upload costs the server no memory.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The bearer key the fixed server is sent (it accepts any).
pub const API_KEY: &str = "bench-key";

/// What a create answers: Kling's envelope around a submitted task.
pub const CREATE_ANSWER: &str = r#"{"code":0,"message":"SUCCEED","request_id":"8d1c5a4e-6f0b-4a8e-9d3c-2b7e1f0a9c11","data":{"task_id":"814570891207524415","task_status":"submitted","task_info":{"external_task_id":"bench-0"},"created_at":1722769557708,"updated_at":1722769557708}}"#;

/// What a get answers: a succeeded task with one video.
pub const GET_ANSWER: &str = r#"{"code":0,"message":"SUCCEED","request_id":"3f2a9b7c-1d4e-4c6f-8a0b-5e9d7c3b1a22","data":{"task_id":"814570891207524415","task_status":"succeed","task_status_msg":"","task_info":{"external_task_id":"bench-0"},"created_at":1722769557708,"updated_at":1722769617708,"task_result":{"videos":[{"id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","url":"https://cdn.example.com/kling/814570891207524415.mp4","duration":"5.1"}]},"final_unit_deduction":"1"}}"#;

/// A running fixed-answer server. Stops (and joins its thread) when dropped.
pub struct FixedServer {
    addr: SocketAddr,
    bodies: Arc<Mutex<Vec<u64>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FixedServer {
    /// Starts a server on a free port of 127.0.0.1, on a new thread with a current-thread
    /// runtime.
    pub fn start() -> Result<Self> {
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the server runtime")?;
        let recorded = Arc::clone(&bodies);
        let thread = std::thread::Builder::new()
            .name("fixed-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    serve(listener, recorded, stopped).await;
                });
            })
            .context("spawning the server thread")?;
        Ok(Self {
            addr,
            bodies,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` (the relay's origin; the API is under `/kling`).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The sizes of the request bodies received so far, in arrival order.
    pub fn body_sizes(&self) -> Vec<u64> {
        self.bodies.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: TcpListener,
    bodies: Arc<Mutex<Vec<u64>>>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let _ = stream.set_nodelay(true);
        let bodies = Arc::clone(&bodies);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&bodies)));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    bodies: Arc<Mutex<Vec<u64>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let is_api = request.uri().path().starts_with("/kling/v1/");
    let mut body = request.into_body();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    received += data.len() as u64;
                }
            }
            Err(_) => break,
        }
    }
    if let Ok(mut b) = bodies.lock() {
        b.push(received);
    }
    let (status, text) = match (method, is_api) {
        (Method::POST, true) => (StatusCode::OK, CREATE_ANSWER),
        (Method::GET, true) => (StatusCode::OK, GET_ANSWER),
        _ => (
            StatusCode::NOT_FOUND,
            r#"{"code":1201,"message":"not found"}"#,
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn answers_decode_as_the_spec_types() {
        use nicerouter_kling::raw::types::TaskResponse;
        for text in [CREATE_ANSWER, GET_ANSWER] {
            let parsed: TaskResponse = serde_json::from_str(text).unwrap();
            assert_eq!(parsed.code, 0);
            assert!(parsed.data.is_some());
        }
    }

    #[test]
    fn the_server_answers_and_counts_bodies() {
        let server = FixedServer::start().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let http = reqwest::Client::new();
            let base = format!("{}/kling/v1/videos/text2video", server.origin());
            let created = http
                .post(&base)
                .body("x".repeat(1000))
                .send()
                .await
                .unwrap();
            assert_eq!(created.text().await.unwrap(), CREATE_ANSWER);
            let got = http.get(format!("{base}/1")).send().await.unwrap();
            assert_eq!(got.text().await.unwrap(), GET_ANSWER);
            let missing = http.get(server.origin()).send().await.unwrap();
            assert_eq!(missing.status(), 404);
        });
        assert_eq!(server.body_sizes(), vec![1000, 0, 0]);
    }
}
