//! Building answers: Kling envelopes and errors, and the bodies faults need.

use std::time::Duration;

use bytes::Bytes;
use futures::stream;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use serde_json::{Value, json};

/// The body of every answer; a cut-off body ends in [`BodyCut`].
pub(crate) type Body = BoxBody<Bytes, BodyCut>;

/// Ends a body early: hyper then closes the connection mid-body.
#[derive(Debug, thiserror::Error)]
#[error("the mock cut this body off on purpose")]
pub(crate) struct BodyCut;

/// Returned by the service to close the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("the mock dropped this connection on purpose")]
pub(crate) struct Dropped;

/// An answer before it is sent: status, a few headers and the body bytes.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) retry_after: Option<u32>,
    pub(crate) body: Bytes,
    /// The JSON the body holds, for checking against the spec; `None` for non-JSON bodies.
    pub(crate) json: Option<Value>,
}

impl Answer {
    /// A JSON answer.
    pub(crate) fn json(status: u16, value: Value) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            retry_after: None,
            body: Bytes::from(value.to_string()),
            json: Some(value),
        }
    }

    /// Kling's success envelope around `data`.
    pub(crate) fn ok(request_id: &str, data: Value) -> Answer {
        Answer::json(
            200,
            json!({ "code": 0, "message": "SUCCEED", "request_id": request_id, "data": data }),
        )
    }

    /// Kling's error envelope: `{code, message, request_id}`.
    pub(crate) fn error(
        status: u16,
        code: u32,
        message: impl Into<String>,
        request_id: &str,
    ) -> Answer {
        Answer::json(
            status,
            json!({ "code": code, "message": message.into(), "request_id": request_id }),
        )
    }

    /// A proxy's HTML error page.
    pub(crate) fn html(status: u16) -> Answer {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let page = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        Answer {
            status,
            content_type: "text/html",
            retry_after: None,
            body: Bytes::from(page),
            json: None,
        }
    }

    /// Raw bytes (media).
    pub(crate) fn bytes(content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status: 200,
            content_type,
            retry_after: None,
            body: Bytes::from(body),
            json: None,
        }
    }

    /// The same status and type, with a body that is not JSON.
    pub(crate) fn malformed(self) -> Answer {
        let body = r#"{"code": 0, "message": "SUCCEED", "data": {task_id: "814570891207524415", }"#;
        Answer {
            body: Bytes::from_static(body.as_bytes()),
            json: None,
            ..self
        }
    }

    /// The same status and type, with only the first half of the body (a complete HTTP
    /// message whose JSON stops half-way).
    pub(crate) fn truncated(self) -> Answer {
        let half = self.body.slice(..self.body.len() / 2);
        Answer {
            body: half,
            json: None,
            ..self
        }
    }

    /// The HTTP response, whole.
    pub(crate) fn into_response(self) -> Response<Body> {
        let body = Full::new(self.body.clone())
            .map_err(|never| match never {})
            .boxed();
        self.response_with(body, None)
    }

    /// The HTTP response announcing the whole body's length but sending only its first half,
    /// then failing, so hyper closes the connection mid-body.
    pub(crate) fn into_cut_response(self) -> Response<Body> {
        let full_len = self.body.len();
        let part = self.body.slice(..full_len / 2);
        let chunks = stream::unfold(Some(part), |state| async move {
            match state {
                Some(part) => Some((Ok(Frame::data(part)), None)),
                None => {
                    // Give the partial bytes time to reach the client before the cut.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((Err(BodyCut), None))
                }
            }
        });
        let body = StreamBody::new(chunks).boxed();
        self.response_with(body, Some(full_len))
    }

    fn response_with(&self, body: Body, content_length: Option<usize>) -> Response<Body> {
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(len) = content_length {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        }
        response
    }
}

/// A request id that looks like Kling's (a UUID), deterministic per request number.
pub(crate) fn request_id(seq: usize) -> String {
    let mut x = (seq as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        // splitmix64
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        0x8000 | (b >> 48) & 0x3FFF,
        b & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuids_and_differ() {
        let a = request_id(0);
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().filter(|c| *c == '-').count(), 4);
        assert_ne!(a, request_id(1));
        assert_eq!(a, request_id(0));
    }

    #[test]
    fn truncated_and_malformed_bodies_are_not_json() {
        let a = Answer::ok("r", json!({"task_id": "1"}));
        assert!(serde_json::from_slice::<Value>(&a.clone().truncated().body).is_err());
        assert!(serde_json::from_slice::<Value>(&a.malformed().body).is_err());
    }
}
