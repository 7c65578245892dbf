//! Saving a task's results: each output is streamed to a temporary file in the target
//! directory (with a size cap, a `Content-Length` check, a content sniff and a SHA-256), then
//! renamed into place atomically, with a small JSON sidecar. Partial files never survive a
//! failure. Result URLs expire about 30 days after the task; downloads past that are refused
//! with a message that says so.

use std::future::{Future, IntoFuture};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tracing::Instrument;

use crate::Kind;
use crate::client::Client;
use crate::error::{Error, TransportError};
use crate::task::{Output, OutputKind, RequestSummary, Task, TaskHandle};
use nicerouter_kling_raw::ClientInfo;

const DEFAULT_MAX_BYTES: u64 = 2 << 30;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// A saved output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Where its JSON sidecar is (`<file>.json`).
    pub sidecar: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Which output it is.
    pub index: u32,
    /// Video or image.
    pub kind: OutputKind,
}

/// The JSON sidecar written next to each downloaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sidecar {
    /// Kling's task id.
    pub task_id: String,
    /// The task's `external_task_id`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
    /// The kind of task, when known (from the handle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Which output of the task.
    pub output_index: u32,
    /// Video or image.
    pub output_kind: OutputKind,
    /// The file name.
    pub file: String,
    /// The result URL without its signature (query string).
    pub source: String,
    /// The `Content-Type` the media host sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// When it was downloaded (RFC 3339, UTC).
    pub downloaded_at: String,
    /// When the result URL stops working (RFC 3339, UTC): about 30 days after the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// What was asked, when known (from the handle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSummary>,
}

/// A download that failed or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The task has no outputs to download.
    #[error("task {task_id} has no outputs to download")]
    NoOutputs {
        /// The task.
        task_id: String,
    },
    /// The results are past their expiry.
    #[error(
        "task {task_id}'s results expired at {} (Kling deletes result media about 30 days after the task); create the task again to get new results",
        rfc3339(*expired_at)
    )]
    Expired {
        /// The task.
        task_id: String,
        /// When they expired.
        expired_at: SystemTime,
    },
    /// The media host refused the URL (403, 404, 410): typically an expired result.
    #[error(
        "the media host answered HTTP {} for {url}: result URLs expire about 30 days after the task{}",
        status.as_u16(),
        expires_at.map(|t| format!(" (this one's expiry: {})", rfc3339(t))).unwrap_or_default()
    )]
    Gone {
        /// The status.
        status: StatusCode,
        /// The URL, without its signature.
        url: String,
        /// The task's computed expiry, when known.
        expires_at: Option<SystemTime>,
    },
    /// Another HTTP error from the media host.
    #[error("the media host answered HTTP {} for {url}", status.as_u16())]
    Http {
        /// The status.
        status: StatusCode,
        /// The URL, without its signature.
        url: String,
    },
    /// The file is larger than allowed.
    #[error("the file is larger than the {limit}-byte limit{}", declared.map(|d| format!(" (Content-Length {d})")).unwrap_or_default())]
    TooLarge {
        /// The cap.
        limit: u64,
        /// The announced size, when the host announced one.
        declared: Option<u64>,
    },
    /// Fewer or more bytes arrived than `Content-Length` announced.
    #[error("received {received} bytes but Content-Length announced {expected}")]
    LengthMismatch {
        /// Announced.
        expected: u64,
        /// Received.
        received: u64,
    },
    /// The file ends before its own format says it does (a PNG without its `IEND` chunk, a
    /// JPEG without its end-of-image marker, MP4 boxes longer than the file): the host sent a
    /// short body, even if its `Content-Length` agreed.
    #[error("the {format} file is incomplete ({detail}): the transfer was cut short")]
    Incomplete {
        /// The format, by file extension.
        format: &'static str,
        /// What is missing.
        detail: String,
    },
    /// The content is not the expected kind of media (for example an HTML error page).
    #[error("expected {expected:?} data but got {detail}{}", content_type.as_ref().map(|c| format!(" (Content-Type {c})")).unwrap_or_default())]
    UnexpectedContent {
        /// The expected kind.
        expected: OutputKind,
        /// The `Content-Type` sent.
        content_type: Option<String>,
        /// What the first bytes look like.
        detail: String,
    },
    /// The target file exists and overwriting is off.
    #[error("{} exists; pass .overwrite(true) to replace it", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A local file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl DownloadError {
    /// The media host's HTTP status, when it answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            DownloadError::Gone { status, .. } | DownloadError::Http { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Whether trying again may help: a cut-off transfer, or HTTP 408/429/5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            DownloadError::LengthMismatch { .. } | DownloadError::Incomplete { .. } => true,
            DownloadError::Http { status, .. } => {
                *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || status.is_server_error()
            }
            _ => false,
        }
    }

    /// Whether the refusal is about the 30-day expiry of result URLs.
    pub fn is_expired(&self) -> bool {
        matches!(
            self,
            DownloadError::Expired { .. } | DownloadError::Gone { .. }
        )
    }
}

impl From<DownloadError> for Error {
    fn from(error: DownloadError) -> Self {
        Error::Download(Box::new(error))
    }
}

impl Client {
    /// Downloads every output of a succeeded task into `dir` (created if needed), as
    /// `<task_id>-<index>.<ext>` plus a `<file>.json` [`Sidecar`]. Await the returned
    /// [`Download`]; configure it first with its methods.
    ///
    /// The URLs are fetched without the API key (they are signed media-host URLs).
    pub fn download<'a>(&'a self, task: &'a Task, dir: impl Into<PathBuf>) -> Download<'a> {
        Download {
            client: self,
            task,
            dir: dir.into(),
            handle: None,
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: DEFAULT_TIMEOUT,
            overwrite: false,
            watermarked: false,
        }
    }
}

/// A download being configured; see [`Client::download`].
#[derive(Debug)]
#[must_use = "a download does nothing until awaited"]
pub struct Download<'a> {
    client: &'a Client,
    task: &'a Task,
    dir: PathBuf,
    handle: Option<&'a TaskHandle>,
    max_bytes: u64,
    timeout: Duration,
    overwrite: bool,
    watermarked: bool,
}

impl<'a> Download<'a> {
    /// The largest file accepted, in bytes (default 2 GiB). Checked against `Content-Length`
    /// before reading and against the bytes received while streaming.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The time limit for one file (default 10 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether existing files are replaced (default false: an existing file is an error).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Downloads the watermarked variants instead (outputs without one are skipped).
    pub fn watermarked(mut self, watermarked: bool) -> Self {
        self.watermarked = watermarked;
        self
    }

    /// Records the task's kind, `external_task_id` and request summary in the sidecars.
    pub fn handle(mut self, handle: &'a TaskHandle) -> Self {
        self.handle = Some(handle);
        self
    }

    async fn run(self) -> Result<Vec<DownloadedFile>, Error> {
        let task = self.task;
        let outputs: Vec<Output> = task
            .outputs()
            .into_iter()
            .filter_map(|mut o| {
                if !self.watermarked {
                    return Some(o);
                }
                o.url = o.watermark_url.take()?;
                Some(o)
            })
            .collect();
        if outputs.is_empty() {
            return Err(DownloadError::NoOutputs {
                task_id: task.id().to_owned(),
            }
            .into());
        }
        let clock = &self.client.inner().clock;
        let expires_at = task.expires_at();
        if let Some(expired_at) = expires_at.filter(|at| clock.system_time() > *at) {
            return Err(DownloadError::Expired {
                task_id: task.id().to_owned(),
                expired_at,
            }
            .into());
        }
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|source| DownloadError::Io {
                path: self.dir.clone(),
                source,
            })?;
        let mut files = Vec::with_capacity(outputs.len());
        for (position, output) in outputs.iter().enumerate() {
            let span = tracing::info_span!(
                "kling.download",
                task_id = task.id(),
                index = output.index,
                bytes = tracing::field::Empty
            );
            let file = self
                .one(position, output, expires_at)
                .instrument(span.clone())
                .await?;
            span.record("bytes", file.bytes);
            files.push(file);
        }
        Ok(files)
    }

    /// Downloads one output. The file is named by its position among the outputs (not the
    /// server's `index`, which may repeat or be missing), so two outputs never share a name.
    async fn one(
        &self,
        position: usize,
        output: &Output,
        expires_at: Option<SystemTime>,
    ) -> Result<DownloadedFile, Error> {
        let variant = if self.watermarked { "-watermarked" } else { "" };
        let stem = format!("{}-{position}{variant}", safe_file_stem(self.task.id()));
        let fetched = self
            .client
            .with_read_retries(None, || self.fetch_to_temp(output, expires_at))
            .await?;
        let file_name = format!("{stem}.{}", fetched.extension);
        let path = self.dir.join(&file_name);
        let sidecar_path = self.dir.join(format!("{file_name}.json"));
        let sidecar = Sidecar {
            task_id: self.task.id().to_owned(),
            external_task_id: self
                .task
                .external_task_id()
                .map(str::to_owned)
                .or_else(|| self.handle.and_then(|h| h.external_task_id.clone())),
            kind: self.handle.map(|h| h.kind),
            output_index: output.index,
            output_kind: output.kind,
            file: file_name,
            source: unsigned(&output.url),
            content_type: fetched.content_type,
            bytes: fetched.bytes,
            sha256: fetched.sha256.clone(),
            downloaded_at: rfc3339(self.client.inner().clock.system_time()),
            expires_at: expires_at.map(rfc3339),
            request: self.handle.and_then(|h| h.request.clone()),
        };
        let sidecar_json = serde_json::to_vec_pretty(&sidecar).map_err(|e| DownloadError::Io {
            path: sidecar_path.clone(),
            source: io::Error::other(e),
        })?;
        let sidecar_temp = write_temp(&self.dir, &sidecar_json).await?;
        persist(fetched.temp, &path, self.overwrite)?;
        persist(sidecar_temp, &sidecar_path, true)?;
        tracing::debug!(path = %path.display(), bytes = fetched.bytes, "downloaded");
        Ok(DownloadedFile {
            path,
            sidecar: sidecar_path,
            bytes: fetched.bytes,
            sha256: fetched.sha256,
            index: output.index,
            kind: output.kind,
        })
    }

    /// One attempt: GET the URL and stream it into a temporary file in the target directory.
    /// On any error the temporary file is dropped, which deletes it.
    async fn fetch_to_temp(
        &self,
        output: &Output,
        expires_at: Option<SystemTime>,
    ) -> Result<Fetched, Error> {
        let inner = self.client.inner();
        let mut response = inner
            .raw
            .client()
            .get(&output.url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| TransportError::new("download", e.without_url()))?;
        let status = response.status();
        if matches!(status.as_u16(), 403 | 404 | 410) {
            return Err(DownloadError::Gone {
                status,
                url: unsigned(&output.url),
                expires_at,
            }
            .into());
        }
        if !status.is_success() {
            return Err(DownloadError::Http {
                status,
                url: unsigned(&output.url),
            }
            .into());
        }
        let declared = response.content_length();
        if let Some(len) = declared.filter(|len| *len > self.max_bytes) {
            return Err(DownloadError::TooLarge {
                limit: self.max_bytes,
                declared: Some(len),
            }
            .into());
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let temp = temp_file_in(&self.dir, ".nrk-download-")?;
        let io_error = |source| DownloadError::Io {
            path: temp.path().to_owned(),
            source,
        };
        let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(io_error)?);
        let mut hasher = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut extension: Option<&'static str> = None;
        let mut received = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| TransportError::new("download", e.without_url()))?
        {
            received += chunk.len() as u64;
            if received > self.max_bytes {
                return Err(DownloadError::TooLarge {
                    limit: self.max_bytes,
                    declared,
                }
                .into());
            }
            if extension.is_none() {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() == SNIFF_BYTES {
                    extension = Some(sniff(output.kind, &head, content_type.as_deref())?);
                }
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(io_error)?;
        }
        if let Some(expected) = declared.filter(|len| *len != received) {
            return Err(DownloadError::LengthMismatch { expected, received }.into());
        }
        let extension = match extension {
            Some(ext) => ext,
            None => sniff(output.kind, &head, content_type.as_deref())?,
        };
        file.flush().await.map_err(io_error)?;
        if let Some(detail) = truncation(&mut file, extension, received)
            .await
            .map_err(io_error)?
        {
            return Err(DownloadError::Incomplete {
                format: extension,
                detail,
            }
            .into());
        }
        file.sync_all().await.map_err(io_error)?;
        Ok(Fetched {
            temp,
            bytes: received,
            sha256: hex::encode(hasher.finalize()),
            extension,
            content_type,
        })
    }
}

impl<'a> IntoFuture for Download<'a> {
    type Output = Result<Vec<DownloadedFile>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

struct Fetched {
    temp: tempfile::NamedTempFile,
    bytes: u64,
    sha256: String,
    extension: &'static str,
    content_type: Option<String>,
}

const SNIFF_BYTES: usize = 12;

/// Checks the first bytes against the expected media kind; returns the file extension.
fn sniff(
    expected: OutputKind,
    head: &[u8],
    content_type: Option<&str>,
) -> Result<&'static str, DownloadError> {
    let found = match head {
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some((OutputKind::Video, "mp4")),
        [0x1A, 0x45, 0xDF, 0xA3, ..] => Some((OutputKind::Video, "webm")),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some((OutputKind::Image, "png")),
        [0xFF, 0xD8, 0xFF, ..] => Some((OutputKind::Image, "jpg")),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some((OutputKind::Image, "webp")),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ] => Some((OutputKind::Audio, "wav")),
        // An ID3v2 tag, or an MPEG audio frame header: 11 sync bits, then Layer III.
        [b'I', b'D', b'3', ..] => Some((OutputKind::Audio, "mp3")),
        [0xFF, second, ..] if second & 0xE6 == 0xE2 => Some((OutputKind::Audio, "mp3")),
        _ => None,
    };
    match found {
        Some((kind, ext)) if kind == expected => Ok(ext),
        Some((kind, ext)) => Err(DownloadError::UnexpectedContent {
            expected,
            content_type: content_type.map(str::to_owned),
            detail: format!("{kind:?} data ({ext})"),
        }),
        None => Err(DownloadError::UnexpectedContent {
            expected,
            content_type: content_type.map(str::to_owned),
            detail: describe(head),
        }),
    }
}

/// Why a finished download is shorter than its own format says, if it is: a PNG must hold its
/// `IEND` chunk near the end, a JPEG its end-of-image marker (`FF D9`), and an MP4's top-level
/// boxes must add up to at least the file's length. Catches a host that sends a short body
/// with a matching `Content-Length`, or none. Other formats are not checked.
async fn truncation(
    file: &mut tokio::fs::File,
    extension: &str,
    len: u64,
) -> io::Result<Option<String>> {
    const PNG_IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    let found = |tail: &[u8], needle: &[u8]| tail.windows(needle.len()).any(|w| w == needle);
    Ok(match extension {
        "png" if !found(&read_tail(file, len, 1024).await?, &PNG_IEND) => {
            Some(format!("no IEND chunk at the end of {len} bytes"))
        }
        "jpg" if !found(&read_tail(file, len, 64 * 1024).await?, &[0xFF, 0xD9]) => Some(format!(
            "no end-of-image marker (FF D9) at the end of {len} bytes"
        )),
        "mp4" => mp4_truncation(file, len).await?,
        _ => None,
    })
}

async fn read_tail(file: &mut tokio::fs::File, len: u64, max: u64) -> io::Result<Vec<u8>> {
    let take = len.min(max);
    let mut tail = vec![0; usize::try_from(take).unwrap_or(0)];
    file.seek(io::SeekFrom::Start(len - take)).await?;
    file.read_exact(&mut tail).await?;
    Ok(tail)
}

/// Walks the top-level ISO-BMFF boxes (at most 10 000 of them): each announces its size; the
/// last must not end past the file.
async fn mp4_truncation(file: &mut tokio::fs::File, len: u64) -> io::Result<Option<String>> {
    let mut at = 0u64;
    for _ in 0..10_000 {
        if at >= len {
            return Ok(None);
        }
        let mut header = [0u8; 16];
        let available = (len - at).min(16);
        let header = &mut header[..usize::try_from(available).unwrap_or(16)];
        file.seek(io::SeekFrom::Start(at)).await?;
        file.read_exact(header).await?;
        if header.len() < 8 {
            return Ok(Some(format!(
                "a box header is cut off at byte {at} of {len}"
            )));
        }
        let small = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        let size = match small {
            // The last box, to the end of the file.
            0 => return Ok(None),
            1 if header.len() < 16 => {
                return Ok(Some(format!(
                    "a box header is cut off at byte {at} of {len}"
                )));
            }
            1 => u64::from_be_bytes([
                header[8], header[9], header[10], header[11], header[12], header[13], header[14],
                header[15],
            ]),
            n => n,
        };
        if size < 8 {
            return Ok(Some(format!(
                "a box at byte {at} has an invalid size {size}"
            )));
        }
        let end = at.saturating_add(size);
        if end > len {
            let kind = String::from_utf8_lossy(&header[4..8]).into_owned();
            return Ok(Some(format!(
                "the `{kind}` box at byte {at} needs {size} bytes; only {} arrived",
                len - at
            )));
        }
        at = end;
    }
    Ok(None)
}

fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "an empty body".to_owned();
    }
    let printable = head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if printable {
        format!("text starting {:?}", String::from_utf8_lossy(head))
    } else {
        format!("unrecognised bytes {}", hex::encode(head))
    }
}

/// A URL without its query (the signature) and fragment, for messages and sidecars.
fn unsigned(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// A task id made safe as a file name.
fn safe_file_stem(task_id: &str) -> String {
    let stem: String = task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if stem.is_empty() {
        "task".to_owned()
    } else {
        stem
    }
}

async fn write_temp(dir: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, DownloadError> {
    let temp = temp_file_in(dir, ".nrk-sidecar-")?;
    let io_error = |source| DownloadError::Io {
        path: temp.path().to_owned(),
        source,
    };
    let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(io_error)?);
    file.write_all(bytes).await.map_err(io_error)?;
    file.flush().await.map_err(io_error)?;
    file.sync_all().await.map_err(io_error)?;
    Ok(temp)
}

/// A hidden temporary file in `dir`, renamed into place once complete. It is created as any
/// new file is (on Unix `0o666` less the umask, usually `0o644`), not with a temporary
/// file's owner-only `0o600`, so that results are as readable as the user's other files.
fn temp_file_in(dir: &Path, prefix: &str) -> Result<tempfile::NamedTempFile, DownloadError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .map_err(|source| DownloadError::Io {
            path: dir.to_owned(),
            source,
        })
}

/// Renames a finished temporary file into place (atomically, in the same directory).
fn persist(
    temp: tempfile::NamedTempFile,
    path: &Path,
    overwrite: bool,
) -> Result<(), DownloadError> {
    let result = if overwrite {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    result.map(drop).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            DownloadError::Exists {
                path: path.to_owned(),
            }
        } else {
            DownloadError::Io {
                path: path.to_owned(),
                source: e.error,
            }
        }
    })
}

/// RFC 3339 in UTC with second precision, for example `2025-01-31T12:00:00Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_722_769_557)),
            "2024-08-04T11:05:57Z"
        );
    }

    #[test]
    fn sniffing_matches_the_expected_kind() {
        let mp4 = b"\0\0\0\x18ftypisom\0\0";
        assert_eq!(sniff(OutputKind::Video, mp4, None).ok(), Some("mp4"));
        assert_eq!(
            sniff(OutputKind::Image, b"\x89PNG\r\n\x1a\n\0\0\0\0", None).ok(),
            Some("png")
        );
        assert_eq!(
            sniff(OutputKind::Image, b"\xff\xd8\xff\xe0\0\0", None).ok(),
            Some("jpg")
        );
        assert_eq!(
            sniff(OutputKind::Audio, b"RIFF\x24\0\0\0WAVEfmt ", None).ok(),
            Some("wav")
        );
        assert_eq!(
            sniff(OutputKind::Audio, b"ID3\x03\0\0\0\0\0\x10", None).ok(),
            Some("mp3")
        );
        assert_eq!(
            sniff(OutputKind::Audio, b"\xff\xfb\x90\x64\0\0", None).ok(),
            Some("mp3")
        );
        assert!(sniff(OutputKind::Audio, b"RIFF\x24\0\0\0WEBPVP8 ", None).is_err());
        assert!(sniff(OutputKind::Image, b"\xff\xf3\x70\xc0\0\0", None).is_err());
        let e = sniff(OutputKind::Video, b"\x89PNG\r\n\x1a\n\0\0\0\0", None).unwrap_err();
        assert!(e.to_string().contains("Image"), "{e}");
        let e = sniff(OutputKind::Video, b"<html><body>", Some("text/html")).unwrap_err();
        assert!(
            e.to_string().contains("<html>") && e.to_string().contains("text/html"),
            "{e}"
        );
    }

    async fn check(extension: &str, bytes: &[u8]) -> Option<String> {
        let temp = tempfile::tempfile().unwrap();
        let mut file = tokio::fs::File::from_std(temp);
        file.write_all(bytes).await.unwrap();
        file.flush().await.unwrap();
        truncation(&mut file, extension, bytes.len() as u64)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn short_files_are_recognised_by_their_format() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[0, 0, 0, 4, b'm', b'o', b'C', b'k', 1, 2, 3, 4, 0, 0, 0, 0]);
        png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        assert_eq!(check("png", &png).await, None);
        let cut = check("png", &png[..png.len() - 5]).await.unwrap();
        assert!(cut.contains("IEND"), "{cut}");

        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xDA, 1, 2, 3, 0xFF, 0xD9,
        ];
        assert_eq!(check("jpg", &jpeg).await, None);
        assert!(check("jpg", &jpeg[..10]).await.is_some());

        let mut mp4 = vec![0, 0, 0, 16];
        mp4.extend_from_slice(b"ftypisom\0\0\0\0");
        mp4.extend_from_slice(&[0, 0, 0, 12]);
        mp4.extend_from_slice(b"free\x01\x02\x03\x04");
        assert_eq!(check("mp4", &mp4).await, None);
        let cut = check("mp4", &mp4[..24]).await.unwrap();
        assert!(
            cut.contains("`free` box at byte 16 needs 12 bytes; only 8 arrived"),
            "{cut}"
        );
        assert!(check("mp4", &mp4[..18]).await.unwrap().contains("cut off"));
        // Size 0: the last box runs to the end of the file; 64-bit sizes are read.
        let mut open_ended = mp4[..16].to_vec();
        open_ended.extend_from_slice(&[0, 0, 0, 0, b'm', b'd', b'a', b't', 9, 9]);
        assert_eq!(check("mp4", &open_ended).await, None);
        let mut large = mp4[..16].to_vec();
        large.extend_from_slice(&[0, 0, 0, 1, b'm', b'd', b'a', b't', 0, 0, 0, 0, 0, 0, 0, 40]);
        assert!(
            check("mp4", &large)
                .await
                .unwrap()
                .contains("needs 40 bytes")
        );
        assert!(
            check("mp4", &[0, 0, 0, 3, b'b', b'a', b'd', b'!'])
                .await
                .unwrap()
                .contains("invalid size 3")
        );
        assert_eq!(check("webm", b"anything").await, None);
    }

    #[test]
    fn urls_lose_their_signature_and_ids_become_safe_names() {
        assert_eq!(
            unsigned("https://cdn.example/v/a.mp4?Expires=1&Signature=s"),
            "https://cdn.example/v/a.mp4"
        );
        assert_eq!(safe_file_stem("../etc/passwd"), "___etc_passwd");
        assert_eq!(safe_file_stem("814570891207524415"), "814570891207524415");
    }
}
