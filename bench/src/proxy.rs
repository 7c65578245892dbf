//! A counting TCP proxy: forwards every connection to an upstream server unchanged and records
//! the time of every HTTP request line starting with a given prefix (`GET /`) in the client's
//! stream. Used to see the request rate over time without touching the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Counts the occurrences of a pattern in a byte stream that arrives in chunks.
#[derive(Debug)]
pub struct Matcher {
    pattern: &'static [u8],
    carry: Vec<u8>,
}

impl Matcher {
    /// A matcher for `pattern` (not empty).
    pub fn new(pattern: &'static [u8]) -> Self {
        Self {
            pattern,
            carry: Vec::new(),
        }
    }

    /// The occurrences that end in `chunk`.
    pub fn feed(&mut self, chunk: &[u8]) -> usize {
        // The carry is shorter than the pattern, so a match inside it alone is impossible and
        // none is counted twice.
        self.carry.extend_from_slice(chunk);
        let count = self
            .carry
            .windows(self.pattern.len())
            .filter(|w| *w == self.pattern)
            .count();
        let keep = self.pattern.len().saturating_sub(1).min(self.carry.len());
        let drop = self.carry.len() - keep;
        self.carry.drain(..drop);
        count
    }
}

/// A running proxy. Stops accepting when dropped (open connections end with the runtime).
pub struct CountingProxy {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Instant>>>,
    stop: watch::Sender<bool>,
}

impl CountingProxy {
    /// Starts a proxy on a free port of 127.0.0.1 forwarding to `upstream`, counting
    /// `pattern` in what clients send. Must be called on a Tokio runtime.
    pub async fn start(upstream: SocketAddr, pattern: &'static [u8]) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(Mutex::new(Vec::with_capacity(1 << 20)));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(accept(
            listener,
            upstream,
            pattern,
            Arc::clone(&hits),
            stopped,
        ));
        Ok(Self { addr, hits, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// When each counted request was seen.
    pub fn hits(&self) -> Vec<Instant> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept(
    listener: TcpListener,
    upstream: SocketAddr,
    pattern: &'static [u8],
    hits: Arc<Mutex<Vec<Instant>>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let client = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(_) => continue,
            },
        };
        let hits = Arc::clone(&hits);
        tokio::spawn(async move {
            let _ = forward(client, upstream, pattern, hits).await;
        });
    }
}

async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    pattern: &'static [u8],
    hits: Arc<Mutex<Vec<Instant>>>,
) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let upstream_half = async move {
        let mut matcher = Matcher::new(pattern);
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = from_client.read(&mut buf).await?;
            if n == 0 {
                return to_server.shutdown().await;
            }
            let seen = matcher.feed(&buf[..n]);
            if seen > 0 {
                let now = Instant::now();
                if let Ok(mut h) = hits.lock() {
                    h.extend(std::iter::repeat_n(now, seen));
                }
            }
            to_server.write_all(&buf[..n]).await?;
        }
    };
    let downstream_half = async move {
        tokio::io::copy(&mut from_server, &mut to_client).await?;
        to_client.shutdown().await
    };
    let (a, b) = tokio::join!(upstream_half, downstream_half);
    a.and(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn matches_across_chunk_boundaries_are_counted_once() {
        let mut m = Matcher::new(b"GET /");
        assert_eq!(m.feed(b"GET /a HTTP/1.1\r\n\r\nGE"), 1);
        assert_eq!(m.feed(b"T /b HTTP/1.1\r\n\r\n"), 1);
        assert_eq!(m.feed(b"G"), 0);
        assert_eq!(m.feed(b"E"), 0);
        assert_eq!(m.feed(b"T"), 0);
        assert_eq!(m.feed(b" /"), 1);
        assert_eq!(m.feed(b"GET /GET /"), 2);
        assert_eq!(m.feed(b""), 0);
    }

    #[test]
    fn the_proxy_forwards_and_counts() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = crate::server::FixedServer::start().unwrap();
            let upstream: SocketAddr = server.origin()["http://".len()..].parse().unwrap();
            let proxy = CountingProxy::start(upstream, b"GET /").await.unwrap();
            let http = reqwest::Client::new();
            for _ in 0..3 {
                let text = http
                    .get(format!("{}/kling/v1/videos/text2video/1", proxy.origin()))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert_eq!(text, crate::server::GET_ANSWER);
            }
            http.post(format!("{}/kling/v1/videos/text2video", proxy.origin()))
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(proxy.hits().len(), 3);
        });
    }
}
