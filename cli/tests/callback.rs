//! `kling callback listen`: a real receiver on 127.0.0.1, sent callbacks signed with the
//! library's Standard Webhooks signer over plain HTTP/1.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nicerouter_kling::webhook::Verifier;
use serde_json::Value;

const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const OTHER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BARE: &str = r#"{"task_id":"814570891207524415","task_status":"succeed","task_info":{"external_task_id":"nrk-1"},"task_result":{"videos":[{"id":"v1","url":"https://cdn.example/v1.mp4","duration":"5.1"}]}}"#;
const ENVELOPED: &str = r#"{"code":0,"message":"SUCCEED","data":{"task_id":"7","task_status":"failed","task_status_msg":"Image pixel is invalid"}}"#;

/// A running `kling callback listen --port 0 …`, and the port it printed.
struct Listener {
    child: Child,
    stderr: BufReader<ChildStderr>,
    port: u16,
}

fn listen(args: &[&str]) -> Listener {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["callback", "listen", "--port", "0"])
        .args(args)
        .env("KLING_WEBHOOK_SECRET", SECRET)
        .env_remove("NICEROUTER_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let port = if args.contains(&"--json") {
        let event: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(event["event"], "listening", "{first}");
        u16::try_from(event["port"].as_u64().unwrap()).unwrap()
    } else {
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        url.trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap()
    };
    assert_ne!(port, 0);
    Listener {
        child,
        stderr,
        port,
    }
}

impl Listener {
    /// Waits (at most 30 s) for the receiver to exit; returns its status, stdout and stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the receiver did not stop");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let mut stderr = String::new();
        self.stderr.read_to_string(&mut stderr).unwrap();
        (status, stdout, stderr)
    }
}

fn unix_now() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(secs.as_secs()).unwrap()
}

/// The headers Kling sends with `body`, signed with `secret` at `timestamp`.
fn signed(secret: &str, id: &str, timestamp: i64, body: &str) -> Vec<(String, String)> {
    let signature = Verifier::new(secret)
        .unwrap()
        .sign(id, timestamp, body.as_bytes());
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        ("webhook-signature".into(), signature),
    ]
}

/// Sends one HTTP/1.1 request and returns the answer's status code.
fn send(port: u16, method: &str, headers: &[(String, String)], body: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} /kling/callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

fn post(port: u16, headers: &[(String, String)], body: &str) -> u16 {
    send(port, "POST", headers, body)
}

#[test]
fn verified_callbacks_are_printed_and_the_others_refused() {
    let listener = listen(&["--max", "2", "--json"]);
    let port = listener.port;
    let now = unix_now();

    // A valid callback, the bare task object.
    assert_eq!(post(port, &signed(SECRET, "msg_1", now, BARE), BARE), 204);
    // The same signature over a changed body.
    let tampered = BARE.replace("succeed", "failed");
    assert_eq!(
        post(port, &signed(SECRET, "msg_2", now, BARE), &tampered),
        401
    );
    // Signed with another secret, signed ten minutes ago, or not signed at all.
    assert_eq!(
        post(port, &signed(OTHER_SECRET, "msg_3", now, BARE), BARE),
        401
    );
    assert_eq!(
        post(port, &signed(SECRET, "msg_4", now - 600, BARE), BARE),
        401
    );
    assert_eq!(post(port, &[], BARE), 401);
    // Signed, but not a task.
    assert_eq!(post(port, &signed(SECRET, "msg_5", now, "[1]"), "[1]"), 400);
    // Not a POST.
    assert_eq!(send(port, "GET", &[], ""), 405);
    // A valid callback in an envelope: the second verified one ends the receiver.
    assert_eq!(
        post(port, &signed(SECRET, "msg_6", now, ENVELOPED), ENVELOPED),
        204
    );

    let (status, stdout, stderr) = listener.finish();
    assert!(status.success(), "{status}: {stderr}");
    let tasks: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(tasks.len(), 2, "{stdout}");
    assert_eq!(tasks[0]["task_id"], "814570891207524415");
    assert_eq!(tasks[0]["status"], "succeed");
    assert_eq!(tasks[0]["external_task_id"], "nrk-1");
    assert_eq!(tasks[0]["outputs"][0]["url"], "https://cdn.example/v1.mp4");
    assert_eq!(tasks[0]["webhook_id"], "msg_1");
    assert_eq!(tasks[1]["task_id"], "7");
    assert_eq!(tasks[1]["status"], "failed");
    assert_eq!(tasks[1]["status_message"], "Image pixel is invalid");
    assert_eq!(tasks[1]["webhook_id"], "msg_6");

    // Every refusal is on stderr as a JSON line, with its status and reason.
    let events: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let refused: Vec<u64> = events
        .iter()
        .filter(|e| e["event"] == "refused")
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(refused, [401, 401, 401, 401, 400], "{stderr}");
    assert!(stderr.contains("webhook timestamp"), "{stderr}");
    assert!(stderr.contains("webhook-id"), "{stderr}");
    assert!(!stderr.contains("AAECAwQF") && !stdout.contains("AAECAwQF"));
}

#[test]
fn human_output_prints_tasks_as_task_get_does() {
    let listener = listen(&["--max", "1"]);
    let now = unix_now();
    let tampered = BARE.replace("v1.mp4", "evil.mp4");
    assert_eq!(
        post(listener.port, &signed(SECRET, "m1", now, BARE), &tampered),
        401
    );
    assert_eq!(
        post(listener.port, &signed(SECRET, "m2", now, BARE), BARE),
        204
    );
    let (status, stdout, stderr) = listener.finish();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(
        stdout,
        "callback task 814570891207524415: succeed\n  external id: nrk-1\n  \
         output 0: https://cdn.example/v1.mp4\n"
    );
    assert!(stderr.contains("refused a callback (401)"), "{stderr}");
    assert!(stderr.contains("stopped after 1 callback(s)"), "{stderr}");
}

#[test]
fn ctrl_c_stops_the_receiver() {
    let listener = listen(&[]);
    assert_eq!(
        post(listener.port, &signed(SECRET, "m1", unix_now(), BARE), BARE),
        204
    );
    let interrupted = Command::new("kill")
        .args(["-INT", &listener.child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let (status, stdout, stderr) = listener.finish();
    assert!(status.success(), "{status}: {stderr}");
    assert!(stdout.starts_with("callback task 814570891207524415"));
    assert!(stderr.contains("stopped after 1 callback(s)"), "{stderr}");
}

#[test]
fn a_bad_secret_is_a_usage_error_that_does_not_repeat_it() {
    for secret in ["not-a-webhook-secret", "whsec_%%%SECRET%%%"] {
        let output = Command::new(env!("CARGO_BIN_EXE_kling"))
            .args(["callback", "listen", "--port", "0", "--secret", secret])
            .env_remove("KLING_WEBHOOK_SECRET")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("webhook secret is not valid"), "{stderr}");
        assert!(!stderr.contains("SECRET%") && !stderr.contains("not-a-webhook"));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn the_secret_is_required_and_hidden_in_help() {
    let output = Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["callback", "listen", "--port", "0"])
        .env_remove("KLING_WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--secret"));

    let help = Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["callback", "listen", "--help"])
        .env("KLING_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("KLING_WEBHOOK_SECRET"), "{help}");
    assert!(!help.contains("AAECAwQF"), "{help}");

    let zero = Command::new(env!("CARGO_BIN_EXE_kling"))
        .args(["callback", "listen", "--port", "0", "--max", "0"])
        .env("KLING_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
}
