//! `nicerouter-kling-mock`: runs the simulated NiceRouter Kling server until Ctrl-C.
//!
//! Prints the server's origin (`http://127.0.0.1:PORT`) on stdout; the NiceRouter API is under
//! `/kling`, the official API at the origin. Details go to stderr.

use std::net::IpAddr;
use std::process::ExitCode;

use clap::Parser;
use nicerouter_kling_mock::{DuplicatePolicy, Fault, Match, MockServer, Timing};

/// A simulated NiceRouter Kling server for tests (loopback only).
#[derive(Debug, Parser)]
#[command(name = "nicerouter-kling-mock", version, about)]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Bearer key accepted on /kling/... (default: mock-key).
    #[arg(long, env = "NICEROUTER_MOCK_API_KEY")]
    api_key: Option<String>,
    /// Official Kling API key, accepted as a bearer token on the official paths (/v1/...)
    /// besides JWTs (default: none).
    #[arg(long, env = "NICEROUTER_MOCK_KLING_API_KEY", hide_env_values = true)]
    kling_api_key: Option<String>,
    /// Official API access key (JWT `iss`).
    #[arg(long, requires = "secret_key")]
    access_key: Option<String>,
    /// Official API secret key (signs the JWT).
    #[arg(long, env = "NICEROUTER_MOCK_SECRET_KEY", requires = "access_key")]
    secret_key: Option<String>,
    /// Task timing: `polls:P:D` (processing after P polls, done after D) or `ms:P:D`.
    #[arg(long, default_value = "polls:1:2")]
    timing: Timing,
    /// Let a create reuse an `external_task_id` (default: rejected with 400/1201).
    #[arg(long)]
    allow_duplicate_external_ids: bool,
    /// Serve result media files of exactly this many bytes (default: each file as long as
    /// its content).
    #[arg(long)]
    media_size: Option<usize>,
    /// A fault applied to every request, by name (repeatable), for example `latency:200`
    /// or `extra-fields`. Single requests can ask with the header `x-mock-fault`.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<Fault>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let mut builder = MockServer::builder()
        .host(args.host)
        .port(args.port)
        .timing(args.timing)
        .duplicate_external_ids(if args.allow_duplicate_external_ids {
            DuplicatePolicy::Allow
        } else {
            DuplicatePolicy::Reject
        });
    if let Some(size) = args.media_size {
        builder = builder.media_size(size);
    }
    if let Some(key) = args.api_key {
        builder = builder.api_key(key);
    }
    let official_auth = if args.kling_api_key.is_some() {
        "an official API key or an HS256 JWT"
    } else {
        "HS256 JWT"
    };
    if let Some(key) = args.kling_api_key {
        builder = builder.official_api_key(key);
    }
    if let (Some(access), Some(secret)) = (args.access_key, args.secret_key) {
        builder = builder.official_keys(access, secret);
    }
    for fault in args.faults {
        builder = builder.fault(Match::any(), fault);
    }
    let server = match builder.start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", server.base_url());
    eprintln!(
        "NiceRouter API: {} (Authorization: Bearer <api key>)\nofficial API:   {} ({official_auth}, iss = {})\nCtrl-C to stop",
        server.nicerouter_base_url(),
        server.official_base_url(),
        server.access_key(),
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
