//! The command line, as a contract: names, flags and defaults that scripts depend on.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, FromArgMatches, Subcommand};

/// A parsed command line.
#[derive(Debug)]
pub struct Cli {
    /// Options that apply to every command.
    pub global: Global,
    /// What to do.
    pub command: Command,
}

/// The exit codes, as `kling --help` lists them.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  anything else: the network, a 5xx or a proxy's page, a create whose outcome is unknown, a
     failed download, or Ctrl-C (the message names the task, or the external id to look it
     up by when the create was interrupted)
  2  usage or validation error; nothing was sent
  3  the API refused the request (auth, balance, parameters, policy, rate limited after
     retries)
  4  the task failed
  5  the maximum wait was exceeded; the task may still be running";

/// Which key goes where, as `kling --help` says it.
const KEYS: &str = "\
Keys (one service at a time; an option typed on the command line wins over the environment):
  NiceRouter relay    --api-key KEY (NICEROUTER_API_KEY), a key from your relay account,
                      sent to <base-url>/kling; --base-url (NICEROUTER_BASE_URL) is the
                      relay's origin
  official Kling API  --kling-api-key KEY (KLING_API_KEY), an API key from the Kling console,
                      sent as a bearer token to the official host, without /kling;
                      or, for accounts that still sign JWTs, --access-key AK --secret-key SK
                      (KLING_ACCESS_KEY, KLING_SECRET_KEY). The host is
                      https://api-singapore.klingai.com unless --base-url or KLING_BASE_URL
                      says otherwise.
  From the environment alone: NICEROUTER_API_KEY first, then KLING_API_KEY, then the pair.
  --mock needs no key.";

/// Global options, accepted before or after the subcommand.
#[derive(Debug, Default, Args)]
pub struct Global {
    /// Where requests go. With --api-key: the relay's origin, e.g. https://relay.example.com
    /// (the `/kling` prefix is added). With --kling-api-key or --access-key: the official
    /// host, by default https://api-singapore.klingai.com (or KLING_BASE_URL);
    /// NICEROUTER_BASE_URL is not used for the official API.
    #[arg(long, global = true, env = "NICEROUTER_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// A NiceRouter key, from your relay account: sent as a bearer token to the relay
    /// (<base-url>/kling). Not an official Kling key; that is --kling-api-key.
    #[arg(
        long,
        global = true,
        env = "NICEROUTER_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// An official Kling API key, from the Kling console: sent as a bearer token to the
    /// official host, without /kling. Not a NiceRouter key; that is --api-key. Not with
    /// --api-key or --access-key/--secret-key.
    #[arg(
        long,
        global = true,
        env = "KLING_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub kling_api_key: Option<String>,
    /// The official Kling API access key, for accounts that still sign JWTs with an access
    /// key and a secret key (no `/kling` prefix); needs --secret-key.
    #[arg(
        long,
        global = true,
        env = "KLING_ACCESS_KEY",
        hide_env_values = true,
        value_name = "AK"
    )]
    pub access_key: Option<String>,
    /// The official Kling API secret key; needs --access-key.
    #[arg(
        long,
        global = true,
        env = "KLING_SECRET_KEY",
        hide_env_values = true,
        value_name = "SK"
    )]
    pub secret_key: Option<String>,
    /// The time limit for one API request, answer included, in seconds (default 60; decimals
    /// allowed). A request that takes longer fails as a timeout and reads are retried.
    /// Downloads have their own limit.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        value_parser = timeout_seconds,
        allow_negative_numbers = true
    )]
    pub timeout: Option<Duration>,
    /// Start the embedded simulated server in-process and talk to it (no key, no network).
    #[arg(long, global = true)]
    pub mock: bool,
    /// Print exactly one JSON document on stdout, and nothing else. Progress goes to stderr
    /// as JSON lines ({"event": "submitting"|"created"|"status"|"downloading", "kind", …}):
    /// a create prints "submitting" with its external_task_id before it is sent, and with
    /// --wait or --output "created" with its task_id before it waits. With -v the traces are
    /// JSON lines too ({"event": "trace", "level", "message", …}).
    #[arg(long, global = true)]
    pub json: bool,
    /// Trace requests on stderr (repeat for more; JSON lines with --json). Keys are never
    /// printed.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Which of the options above were typed on the command line (not taken from the
    /// environment): a typed option wins over the environment.
    #[arg(skip)]
    pub typed: Typed,
}

/// Which connection options were given on the command line rather than by the environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct Typed {
    /// `--base-url`.
    pub base_url: bool,
    /// `--api-key`.
    pub api_key: bool,
    /// `--kling-api-key`.
    pub kling_api_key: bool,
    /// `--access-key` or `--secret-key`.
    pub official_keys: bool,
}

/// Parses `args` (the program name first) and the environment.
///
/// A missing subcommand is a usage error like any other (one line, exit 2), not a help page.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    fn no_help_on_missing(command: clap::Command) -> clap::Command {
        command
            .arg_required_else_help(false)
            .mut_subcommands(no_help_on_missing)
    }
    let matches = no_help_on_missing(command()).try_get_matches_from(args)?;
    let mut global = Global::from_arg_matches(&matches)?;
    let command = match crate::flags::create_from(&matches)? {
        Some(create) => Command::Create(Box::new(create)),
        None => match crate::flags::call_from(&matches) {
            Some(call) => Command::Call(Box::new(call)),
            None => match Fixed::from_arg_matches(&matches)? {
                Fixed::Task(task) => Command::Task(task),
                Fixed::Callback(callback) => Command::Callback(callback),
                Fixed::Doctor => Command::Doctor,
            },
        },
    };
    let mut cli = Cli {
        global: std::mem::take(&mut global),
        command,
    };
    let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    cli.global.typed = Typed {
        base_url: typed("base_url"),
        api_key: typed("api_key"),
        kling_api_key: typed("kling_api_key"),
        official_keys: typed("access_key") || typed("secret_key"),
    };
    Ok(cli)
}

/// The commands.
#[derive(Debug)]
pub enum Command {
    /// A create command, made from the spec's create operation of `kind`.
    Create(Box<crate::flags::Create>),
    /// A call that is not a task, made from the spec's operation.
    Call(Box<crate::flags::CallCommand>),
    /// Look at tasks that already exist (free).
    Task(TaskCommand),
    /// Receive the callbacks Kling sends to a task's callback URL.
    Callback(CallbackCommand),
    /// Check the key, the base URL, the routes a relay forwards, the lists and the clock.
    Doctor,
}

/// The `task`, `callback` and `doctor` commands, as the derive sees them.
#[derive(Debug, Subcommand)]
enum Fixed {
    /// Look at tasks that already exist (free).
    #[command(subcommand)]
    Task(TaskCommand),
    /// Receive the callbacks Kling sends to a task's callback URL.
    #[command(subcommand)]
    Callback(CallbackCommand),
    /// Check the setup with free calls only: the key, the base URL, the routes a relay
    /// forwards, the lists and the clock.
    #[command(long_about = DOCTOR, after_help = DOCTOR_EXIT_CODES)]
    Doctor,
}

/// What `kling doctor` checks, as its help says it.
const DOCTOR: &str = "\
Check the setup with free calls only: GETs of a task that does not exist and of the first
page of each list, never a create. Prints a table of check, result and detail; with --json,
one document {\"ok\", \"base_url\", \"credential\", \"checks\": [{\"check\", \"result\",
\"detail\"}], \"summary\"}.

  credentials  which key is used (never the key), and whether the API accepts it: 401 or a
               code 1000-1004 means refused
  base_url     whether the Kling API answers at the base URL; if not, whether it answers with
               one /kling less (a doubled /kling) or one more (a missing /kling)
  clock        the server's clock (its Date header) against this machine's; it fails only
               for JWTs (--access-key/--secret-key), refused by a server more than 5 s behind
               (1003) or 25 min ahead (1004)
  route PATH   per kind, a GET of an unknown task id: Kling's JSON answer (400/1201, or a 404
               with Kling's code) means the relay forwards the route; the relay's own 404
               page (HTML, text, an OpenAI-style not-found) means it does not
  list PATH    per forwarded kind, whether its list answers (page 1, one task)";

/// `kling doctor`'s exit codes.
const DOCTOR_EXIT_CODES: &str = "\
Exit codes:
  0  every check passed or was skipped
  1  a check failed (the table says which)";

/// The whole command line: the global options, the `task` commands, and a group of create
/// commands per category of the spec (`video`, `image`, …).
pub fn command() -> clap::Command {
    let base = Global::augment_args(clap::Command::new("kling"));
    let base = Fixed::augment_subcommands(crate::flags::create_groups(base));
    base.version(env!("CARGO_PKG_VERSION"))
        .about("Kling (可灵) video and image generation through NiceRouter or the official Kling API.")
        .long_about(
            "Kling (可灵) video and image generation through NiceRouter or the official Kling API.\n\n\
             Every generation is a paid task: the task id is always printed, so that a task can \
             be waited for later with `kling task wait`.",
        )
        .max_term_width(100)
        .after_help(format!("{KEYS}\n\n{EXIT_CODES}"))
        .subcommand_required(true)
}

/// Existing tasks.
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Show one task.
    Get {
        /// The kind: a create path's last segment (text2video, lip-sync, generations, …) or
        /// the create command's name (extend, try-on, …).
        kind: String,
        /// The task id (or your external task id).
        task_id: String,
    },
    /// List tasks of a kind, newest first.
    List {
        /// The kind (see `task get`).
        kind: String,
        /// Page number, 1–1000.
        #[arg(
            long,
            default_value_t = 1,
            value_name = "N",
            allow_negative_numbers = true
        )]
        page: i64,
        /// Tasks per page, 1–500.
        #[arg(
            long,
            default_value_t = 30,
            value_name = "N",
            allow_negative_numbers = true
        )]
        page_size: i64,
    },
    /// Wait for a task to finish, and optionally download its results.
    Wait {
        /// The kind (see `task get`).
        kind: String,
        /// The task id (or your external task id).
        task_id: String,
        /// How long to wait, and where the results go.
        #[command(flatten)]
        then: WaitOptions,
    },
}

/// Callbacks: what Kling POSTs to a task's `--callback-url` as the task changes.
#[derive(Debug, Subcommand)]
pub enum CallbackCommand {
    /// Receive signed callbacks on 127.0.0.1, verify them and print each task.
    #[command(
        long_about = "Receive signed callbacks on 127.0.0.1, verify them and print each task.\n\n\
        Each POST is checked with the webhook secret (Standard Webhooks: the webhook-id, \
        webhook-timestamp and webhook-signature headers, at most 5 minutes old) and answered \
        204 when it verifies, 401 when it does not, and 400 when its signed body is not a \
        task. Each verified task is printed as `kling task get` prints tasks (with --json, one \
        JSON line per task, with its webhook_id for dropping repeats); the address, and every \
        refused callback with the reason, go to stderr. It runs until --max callbacks have \
        been verified, or until Ctrl-C.\n\n\
        To receive callbacks from the internet, put a tunnel or a reverse proxy in front of \
        the port and give its URL as --callback-url."
    )]
    Listen(ListenOptions),
}

/// `kling callback listen`.
#[derive(Debug, Args)]
pub struct ListenOptions {
    /// The port to listen on, on 127.0.0.1 only; 0 picks a free one (the address is printed
    /// on stderr).
    #[arg(long, value_name = "PORT")]
    pub port: u16,
    /// The webhook secret Kling signs callbacks with, `whsec_…`. Prefer the environment
    /// variable: a command line can be seen by other users of the machine.
    #[arg(
        long,
        env = "KLING_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        value_parser = webhook_secret
    )]
    pub secret: WebhookSecret,
    /// Stop after this many verified callbacks, 1 or more (default: run until Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max: Option<u64>,
}

/// A webhook secret as given; `Debug` does not show it.
#[derive(Clone)]
pub struct WebhookSecret(pub String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// `--secret`: taken as it is here and checked when the command runs, so that a usage error
/// never repeats it.
fn webhook_secret(value: &str) -> Result<WebhookSecret, String> {
    Ok(WebhookSecret(value.to_owned()))
}

/// How long to wait for a task, and where its results go (`task wait`, and every create).
#[derive(Debug, Args)]
pub struct WaitOptions {
    /// Give up waiting after this many seconds (the task keeps running).
    #[arg(
        long,
        default_value_t = 900,
        value_name = "SECS",
        value_parser = whole_seconds,
        allow_negative_numbers = true
    )]
    pub max_wait: u64,
    /// Download the results into this directory.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `--max-wait`: a whole number of seconds, 0 or more. The flag takes negative numbers so
/// that `--max-wait -1` is refused as a negative wait, not as an unknown flag `-1`.
fn whole_seconds(value: &str) -> Result<u64, String> {
    use std::num::IntErrorKind;
    let value = value.trim();
    value.parse::<u64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => "too large".to_owned(),
        _ if value.starts_with('-') => "must not be negative".to_owned(),
        _ => "expected a whole number of seconds".to_owned(),
    })
}

/// `--timeout`: seconds, more than 0 (decimals allowed).
fn timeout_seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, for example 30 or 2.5".to_owned())?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be more than 0 seconds".to_owned());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| "too large".to_owned())
}

/// What a create does after the task exists: wait, and where the results go.
#[derive(Debug, Args)]
pub struct CreateOptions {
    /// Wait until the task finishes (--output implies it).
    #[arg(long)]
    pub wait: bool,
    /// With --wait or --output: how long to wait, and where the results go.
    #[command(flatten)]
    pub then: WaitOptions,
}
