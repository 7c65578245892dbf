//! Signed callbacks: the Standard Webhooks scheme Kling signs callbacks with, checked against
//! vectors made with the scheme itself and against known answers computed independently
//! (Python's `hmac` and `base64`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nicerouter_kling::Status;
use nicerouter_kling::webhook::{
    DEFAULT_TOLERANCE, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Verifier, WebhookError,
};

/// The key bytes 0..32, as a webhook secret.
const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// Another secret: the key before a rotation, or a wrong one.
const OTHER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_kling_01";
const TIMESTAMP: i64 = 1_786_000_000;
const BODY: &[u8] = br#"{"task_id":"814570891207524415","task_status":"succeed","task_info":{"external_task_id":"nrk-1"},"task_result":{"videos":[{"id":"v1","url":"https://cdn.example/v1.mp4","duration":"5.1"}]}}"#;

fn at(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap())
}

fn now() -> SystemTime {
    at(TIMESTAMP)
}

fn verifier() -> Verifier {
    Verifier::new(SECRET).unwrap()
}

fn headers(id: &str, timestamp: &str, signature: &str) -> Vec<(String, String)> {
    vec![
        (HEADER_ID.to_owned(), id.to_owned()),
        (HEADER_TIMESTAMP.to_owned(), timestamp.to_owned()),
        (HEADER_SIGNATURE.to_owned(), signature.to_owned()),
    ]
}

/// Headers signed by `secret` for `body` at `timestamp`.
fn signed_by(secret: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
    let signature = Verifier::new(secret).unwrap().sign(ID, timestamp, body);
    headers(ID, &timestamp.to_string(), &signature)
}

#[test]
fn a_valid_signature_passes_and_the_task_is_parsed() {
    let h = signed_by(SECRET, TIMESTAMP, BODY);
    verifier().verify(&h, BODY, now()).unwrap();
    let task = verifier().verify_task(&h, BODY, now()).unwrap();
    assert_eq!(task.id(), "814570891207524415");
    assert_eq!(task.status(), Status::Succeeded);
    assert_eq!(task.external_task_id(), Some("nrk-1"));
    assert_eq!(task.outputs()[0].url, "https://cdn.example/v1.mp4");
}

#[test]
fn known_answer_for_a_kling_callback() {
    // python3: base64.b64encode(hmac.new(bytes(range(32)),
    //     b"msg_kling_01.1786000000." + BODY, hashlib.sha256).digest())
    let expected = "v1,I6AMSpx3S5XZyR93xgbWyMWbYNOuE+ARUOFjFfvKeEE=";
    assert_eq!(verifier().sign(ID, TIMESTAMP, BODY), expected);
    let h = headers(ID, "1786000000", expected);
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn known_answer_of_the_standard_webhooks_example() {
    // The Standard Webhooks example message, checked with Python's hmac and base64.
    let verifier = Verifier::new(OTHER_SECRET).unwrap();
    let body = br#"{"test": 2432232314}"#;
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    assert_eq!(
        verifier.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
        expected
    );
    let h = headers("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", expected);
    verifier.verify(&h, body, at(1_614_265_330)).unwrap();
}

#[test]
fn a_tampered_body_fails() {
    let h = signed_by(SECRET, TIMESTAMP, BODY);
    let tampered = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replace("succeed", "failed");
    let e = verifier()
        .verify(&h, tampered.as_bytes(), now())
        .unwrap_err();
    assert!(
        matches!(e, WebhookError::NoMatchingSignature { v1_signatures: 1 }),
        "{e:?}"
    );
    assert!(e.is_unauthenticated());
    // One byte more (a trailing newline) is a different body too.
    let mut longer = BODY.to_vec();
    longer.push(b'\n');
    assert!(verifier().verify(&h, &longer, now()).is_err());
    // And so is a changed id or timestamp under the same signature.
    let signature = verifier().sign(ID, TIMESTAMP, BODY);
    let other_id = headers("msg_kling_02", "1786000000", &signature);
    assert!(verifier().verify(&other_id, BODY, now()).is_err());
    let other_time = headers(ID, "1786000001", &signature);
    assert!(verifier().verify(&other_time, BODY, now()).is_err());
}

#[test]
fn an_old_timestamp_fails() {
    let old = TIMESTAMP - 301;
    let h = signed_by(SECRET, old, BODY);
    let e = verifier().verify(&h, BODY, now()).unwrap_err();
    let WebhookError::TimestampOutsideTolerance {
        timestamp,
        now: seen_now,
        tolerance,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!((timestamp, seen_now), (old, TIMESTAMP));
    assert_eq!(tolerance, DEFAULT_TOLERANCE);
    let e = verifier().verify(&h, BODY, now()).unwrap_err();
    assert!(e.is_timestamp() && e.is_unauthenticated());
    assert!(e.to_string().contains("301s behind"), "{e}");
    // Exactly five minutes old still passes.
    let h = signed_by(SECRET, TIMESTAMP - 300, BODY);
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn a_timestamp_too_far_ahead_fails() {
    let h = signed_by(SECRET, TIMESTAMP + 301, BODY);
    let e = verifier().verify(&h, BODY, now()).unwrap_err();
    assert!(e.is_timestamp(), "{e:?}");
    assert!(e.to_string().contains("301s ahead of"), "{e}");
    let h = signed_by(SECRET, TIMESTAMP + 300, BODY);
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn the_tolerance_can_be_changed() {
    let h = signed_by(SECRET, TIMESTAMP - 60, BODY);
    let strict = verifier().tolerance(Duration::from_secs(30));
    assert!(strict.verify(&h, BODY, now()).unwrap_err().is_timestamp());
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn during_a_key_rotation_any_matching_signature_passes() {
    let old = Verifier::new(OTHER_SECRET)
        .unwrap()
        .sign(ID, TIMESTAMP, BODY);
    let new = verifier().sign(ID, TIMESTAMP, BODY);

    // Old key first, new key second: the second matches.
    let h = headers(ID, "1786000000", &format!("{old} {new}"));
    verifier().verify(&h, BODY, now()).unwrap();
    // A receiver still on the old secret accepts the same callback.
    Verifier::new(OTHER_SECRET)
        .unwrap()
        .verify(&h, BODY, now())
        .unwrap();

    // Only the old key's signature: a receiver on the new secret refuses it.
    let h = headers(ID, "1786000000", &old);
    let e = verifier().verify(&h, BODY, now()).unwrap_err();
    assert!(
        matches!(e, WebhookError::NoMatchingSignature { v1_signatures: 1 }),
        "{e:?}"
    );

    // Several spaces between entries, and a garbage entry among them, change nothing.
    let h = headers(ID, "1786000000", &format!("v1,%%%notbase64  {old}   {new}"));
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn a_wrong_secret_fails() {
    let h = signed_by(OTHER_SECRET, TIMESTAMP, BODY);
    let e = verifier().verify(&h, BODY, now()).unwrap_err();
    assert!(
        matches!(e, WebhookError::NoMatchingSignature { .. }),
        "{e:?}"
    );
    assert!(e.is_unauthenticated());
    assert!(!e.is_body());
    // verify_task refuses before looking at the body.
    let e = verifier().verify_task(&h, BODY, now()).unwrap_err();
    assert!(e.is_unauthenticated(), "{e:?}");
}

#[test]
fn missing_or_empty_headers_fail_and_are_named() {
    let full = signed_by(SECRET, TIMESTAMP, BODY);
    for name in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
        let without: Vec<_> = full.iter().filter(|(k, _)| k != name).cloned().collect();
        let e = verifier().verify(&without, BODY, now()).unwrap_err();
        assert!(
            matches!(e, WebhookError::MissingHeader { header } if header == name),
            "{e:?}"
        );
        assert!(e.is_unauthenticated());
        assert!(e.to_string().contains(name), "{e}");

        let empty: Vec<_> = full
            .iter()
            .map(|(k, v)| {
                let v = if k == name { " " } else { v.as_str() };
                (k.clone(), v.to_owned())
            })
            .collect();
        let e = verifier().verify(&empty, BODY, now()).unwrap_err();
        assert!(matches!(e, WebhookError::MissingHeader { .. }), "{e:?}");
    }
    let none: [(&str, &str); 0] = [];
    assert!(verifier().verify(&none, BODY, now()).is_err());
}

#[test]
fn a_timestamp_that_is_not_unix_seconds_fails() {
    let signature = verifier().sign(ID, TIMESTAMP, BODY);
    for bad in [
        "2026-08-07T00:00:00Z",
        "-1786000000",
        "1786000000.5",
        "1e9",
        "99999999999999999999999",
    ] {
        let e = verifier()
            .verify(&headers(ID, bad, &signature), BODY, now())
            .unwrap_err();
        assert!(
            matches!(e, WebhookError::InvalidHeader { header, .. } if header == HEADER_TIMESTAMP),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn malformed_secrets_are_refused_without_repeating_them() {
    for secret in [
        "",
        "whsec_",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "sk-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "whsec_not base64 at all!",
        "whsec_QUJD*REVG",
    ] {
        let e = Verifier::new(secret).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidSecret { .. }), "{e:?}");
        assert!(!e.is_unauthenticated() && !e.is_body());
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("base64 at all"), "{shown}");
        assert!(!shown.contains("QUJD"), "{shown}");
        assert!(!shown.contains("AAECAwQF"), "{shown}");
    }
    // Surrounding whitespace (a secret read from a file) and missing padding are fine.
    let padded = Verifier::new(&format!(" {SECRET}\n")).unwrap();
    let unpadded = Verifier::new(SECRET.trim_end_matches('=')).unwrap();
    assert_eq!(
        padded.sign(ID, TIMESTAMP, BODY),
        unpadded.sign(ID, TIMESTAMP, BODY)
    );
}

#[test]
fn the_secret_is_not_in_debug_output() {
    let shown = format!("{:?}", verifier());
    assert!(!shown.contains("AAECAwQF"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[test]
fn entries_of_unknown_versions_are_ignored() {
    let good = verifier().sign(ID, TIMESTAMP, BODY);
    let b64 = good.trim_start_matches("v1,");
    // The same bytes under another version do not count as v1.
    for only_unknown in [
        format!("v1a,{b64}"),
        format!("v2,{b64}"),
        b64.to_owned(),
        format!("V1,{b64}"),
    ] {
        let h = headers(ID, "1786000000", &only_unknown);
        let e = verifier().verify(&h, BODY, now()).unwrap_err();
        assert!(
            matches!(e, WebhookError::NoMatchingSignature { v1_signatures: 0 }),
            "{only_unknown}: {e:?}"
        );
    }
    // Alongside a good v1 entry, in either order, they change nothing.
    let h = headers(ID, "1786000000", &format!("v1a,{b64} {good} v2,AAAA"));
    verifier().verify(&h, BODY, now()).unwrap();
    let h = headers(ID, "1786000000", &format!("{good} v1a,AAAA"));
    verifier().verify(&h, BODY, now()).unwrap();
}

#[test]
fn header_names_are_matched_without_regard_to_case() {
    let signature = verifier().sign(ID, TIMESTAMP, BODY);
    let h = [
        ("Webhook-Id", ID),
        ("WEBHOOK-TIMESTAMP", "1786000000"),
        ("webhook-Signature", signature.as_str()),
    ];
    verifier().verify(&h, BODY, now()).unwrap();

    let map: HashMap<String, String> = h
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    verifier().verify(&map, BODY, now()).unwrap();

    let mut http = reqwest::header::HeaderMap::new();
    for (k, v) in h {
        http.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    verifier().verify(&http, BODY, now()).unwrap();
}

#[test]
fn both_callback_shapes_are_parsed_after_verification() {
    let enveloped = br#"{"code":0,"message":"SUCCEED","request_id":"r-1","data":{"task_id":"7","task_status":"failed","task_status_msg":"Image pixel is invalid"}}"#;
    let h = signed_by(SECRET, TIMESTAMP, enveloped);
    let task = verifier().verify_task(&h, enveloped, now()).unwrap();
    assert_eq!(task.id(), "7");
    assert_eq!(task.status(), Status::Failed);
    assert_eq!(task.status_message(), Some("Image pixel is invalid"));

    let h = signed_by(SECRET, TIMESTAMP, BODY);
    assert_eq!(
        verifier().verify_task(&h, BODY, now()).unwrap().id(),
        "814570891207524415"
    );
}

#[test]
fn a_signed_body_that_is_not_a_task_is_a_body_error() {
    let body = br#"{"hello":"world"}"#;
    let h = signed_by(SECRET, TIMESTAMP, body);
    verifier().verify(&h, body, now()).unwrap();
    let e = verifier().verify_task(&h, body, now()).unwrap_err();
    assert!(e.is_body() && !e.is_unauthenticated(), "{e:?}");
    assert!(std::error::Error::source(&e).is_some());
}
