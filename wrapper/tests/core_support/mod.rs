//! Shared helpers for the core tests: clients wired to a [`ManualClock`] against the mock
//! server, and a tiny scripted HTTP server for answers the mock does not give.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nicerouter_kling::clock::ManualClock;
use nicerouter_kling::entropy::SeededEntropy;
use nicerouter_kling::{Auth, Client, ClientBuilder, PollPolicy, RetryPolicy};
use nicerouter_kling_mock::{MockServer, MockServerBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A mock server whose tasks finish on the second poll.
pub async fn mock() -> MockServer {
    MockServer::builder().start().await.unwrap()
}

/// A mock server from a builder.
pub async fn mock_with(builder: MockServerBuilder) -> MockServer {
    builder.start().await.unwrap()
}

/// Test defaults: a manual clock, a seeded entropy source, no jitter (neither on retries nor
/// on polls, so that schedules can be asserted exactly).
pub fn builder(clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .clock(clock.clone())
        .entropy(SeededEntropy::new(42))
        .retry_policy(RetryPolicy::default().jitter(false))
        .poll_policy(PollPolicy::default().jitter(0.0))
        .timeout(Duration::from_secs(5))
}

/// A NiceRouter client for the mock (its origin; the client appends `/kling`).
pub fn client(server: &MockServer, clock: &ManualClock) -> Client {
    builder(clock)
        .auth(Auth::nicerouter(server.api_key()))
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// A request the scripted server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the scripted server does with a request.
pub enum Reply {
    /// Writes these bytes, then closes the connection.
    Raw(Vec<u8>),
    /// Closes the connection without answering.
    Close,
    /// Waits (on the runtime's clock), then replies.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    /// A complete response.
    pub fn with(status: u16, content_type: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        Reply::Raw(bytes)
    }

    /// A JSON response.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::with(status, "application/json", &[], body.as_bytes())
    }

    /// A JSON response with extra headers.
    pub fn json_with(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Reply::with(status, "application/json", headers, body.as_bytes())
    }

    /// Announces `announced` bytes, sends `body`, closes.
    pub fn cut(content_type: &str, announced: usize, body: &[u8]) -> Reply {
        let mut bytes = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
        )
        .into_bytes();
        bytes.extend_from_slice(body);
        Reply::Raw(bytes)
    }

    /// A chunked response (no `Content-Length`).
    pub fn chunked(content_type: &str, body: &[u8]) -> Reply {
        let mut bytes = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        .into_bytes();
        for chunk in body.chunks(4096) {
            bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            bytes.extend_from_slice(chunk);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        Reply::Raw(bytes)
    }
}

type Handler = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server answering each request from a script. One request per
/// connection.
pub struct ScriptServer {
    pub origin: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// (requests being answered now, the most at any time).
    in_flight: Arc<Mutex<(usize, usize)>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptServer {
    pub async fn start(handler: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = seen.clone();
        let in_flight = Arc::new(Mutex::new((0, 0)));
        let gauge = in_flight.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let log = log.clone();
                let gauge = gauge.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    {
                        let mut g = gauge.lock().unwrap();
                        g.0 += 1;
                        g.1 = g.1.max(g.0);
                    }
                    let index = {
                        let mut log = log.lock().unwrap();
                        log.push(request.clone());
                        log.len() - 1
                    };
                    let mut reply = handler(index, &request);
                    while let Reply::Delayed(delay, next) = reply {
                        tokio::time::sleep(delay).await;
                        reply = *next;
                    }
                    match reply {
                        Reply::Raw(bytes) => {
                            let _ = socket.write_all(&bytes).await;
                            let _ = socket.shutdown().await;
                        }
                        Reply::Close | Reply::Delayed(..) => drop(socket),
                    }
                    gauge.lock().unwrap().0 -= 1;
                });
            }
        });
        ScriptServer {
            origin,
            seen,
            in_flight,
            task,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The most requests the server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

/// A Kling envelope around a task.
pub fn task_json(task_id: &str, status: &str) -> String {
    format!(
        r#"{{"code":0,"message":"SUCCEED","request_id":"req-{task_id}","data":{{"task_id":"{task_id}","task_status":"{status}","created_at":1722769557708,"updated_at":1722769557708}}}}"#
    )
}

/// A scripted-server client (NiceRouter mode).
pub fn script_client(server: &ScriptServer, clock: &ManualClock) -> Client {
    builder(clock)
        .api_key("sk-script-key")
        .base_url(&server.origin)
        .build()
        .unwrap()
}
