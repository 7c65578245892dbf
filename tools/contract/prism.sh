#!/usr/bin/env bash
# Background Prism mock server for the spec, on loopback.
#
#   prism.sh start [NAME] [--] [PRISM_ARGS...]  start `prism mock SPEC -h 127.0.0.1 -p <free port>`,
#                                               wait until it answers, print its URL
#   prism.sh url   [NAME]                       print the URL of a running instance (rc 1 if none)
#   prism.sh stop  [NAME]                       stop it (rc 0 if it was not running)
#   prism.sh run   [NAME] [PRISM_ARGS...] -- CMD [ARGS...]
#                                               start, run CMD with PRISM_URL set, always stop;
#                                               exits with CMD's status
#
# NAME (default `mock`) allows several instances, e.g. `prism.sh start dyn -d --seed 1`.
# State lives in target/contract/prism/NAME.{pid,url,log}. A failed start never leaves a
# process behind.
# Environment: KLING_SPEC (spec to serve), PRISM_PORT (fixed port instead of a free one),
# PRISM_START_TIMEOUT (seconds to wait for it to answer, default 30).
set -euo pipefail
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(dirname -- "${BASH_SOURCE[0]}")/_common.sh"

PRISM_DIR="$STATE_DIR/prism"
START_TIMEOUT="${PRISM_START_TIMEOUT:-30}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# is_our_prism PID: the process exists and is a Prism (guards against a recycled PID).
is_our_prism() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'prism'
}

# kill_pid PID: TERM, wait up to 5 s, then KILL.
kill_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

free_port() {
  "${PYTHON:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# answers URL: any HTTP response at all (Prism answers 404 on `/`) means it is up.
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1/" 2>/dev/null || true)"
  [[ -n "$code" && "$code" != "000" ]]
}

cmd_url() {
  local name="$1" pid
  pid="$(cat "$PRISM_DIR/$name.pid" 2>/dev/null || true)"
  if is_our_prism "$pid" && [[ -f "$PRISM_DIR/$name.url" ]]; then
    cat "$PRISM_DIR/$name.url"
  else
    contract_log "prism '$name' is not running"
    return 1
  fi
}

cmd_stop() {
  local name="$1" pid
  pid="$(cat "$PRISM_DIR/$name.pid" 2>/dev/null || true)"
  if is_our_prism "$pid"; then
    kill_pid "$pid"
    contract_log "prism '$name' stopped (pid $pid)"
  else
    contract_log "prism '$name' was not running"
  fi
  rm -f "$PRISM_DIR/$name.pid" "$PRISM_DIR/$name.url"
}

# Set while an instance is starting; the EXIT trap kills it unless the start succeeded.
STARTING_PID=""
STARTING_NAME=""
STARTED_URL=""
RUN_NAME=""
RUN_CHILD=""
cleanup_failed_start() {
  if [[ -n "$STARTING_PID" ]]; then
    kill_pid "$STARTING_PID"
    rm -f "$PRISM_DIR/$STARTING_NAME.pid" "$PRISM_DIR/$STARTING_NAME.url"
  fi
}
trap cleanup_failed_start EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cmd_start() {
  local name="$1"; shift
  local pid port url log attempt deadline
  [[ -f "$SPEC" ]] || contract_die "spec not found: $SPEC"

  pid="$(cat "$PRISM_DIR/$name.pid" 2>/dev/null || true)"
  if is_our_prism "$pid"; then
    contract_log "prism '$name' already running (pid $pid)"
    STARTED_URL="$(cat "$PRISM_DIR/$name.url")"
    return 0
  fi

  "$CONTRACT_DIR/install.sh" >/dev/null
  mkdir -p "$PRISM_DIR"
  log="$PRISM_DIR/$name.log"

  # A free port can be taken between probing and binding; retry with a fresh one.
  for attempt in 1 2 3; do
    port="${PRISM_PORT:-$(free_port)}"
    url="http://127.0.0.1:$port"
    # Started directly (no shell in between), so $! is Prism's own node process.
    # Output goes to a file so no caller's pipe is held open by the background process.
    "$NODE_BIN/prism" mock "$SPEC" -h 127.0.0.1 -p "$port" "$@" >"$log" 2>&1 </dev/null &
    pid=$!
    STARTING_PID="$pid"
    STARTING_NAME="$name"
    printf '%s\n' "$pid" >"$PRISM_DIR/$name.pid"

    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
      if ! kill -0 "$pid" 2>/dev/null; then
        break
      fi
      if answers "$url"; then
        printf '%s\n' "$url" >"$PRISM_DIR/$name.url"
        STARTING_PID=""
        contract_log "prism '$name' listening on $url (pid $pid, log ${log#"$REPO_ROOT"/})"
        STARTED_URL="$url"
        return 0
      fi
      sleep 0.2
    done

    if kill -0 "$pid" 2>/dev/null; then
      head -n 20 "$log" >&2
      contract_die "prism '$name' did not answer on $url within ${START_TIMEOUT}s"
    fi
    wait "$pid" 2>/dev/null || true
    STARTING_PID=""
    rm -f "$PRISM_DIR/$name.pid"
    if grep -q 'EADDRINUSE' "$log" && [[ -z "${PRISM_PORT:-}" ]]; then
      contract_log "port $port was taken (attempt $attempt); retrying"
      continue
    fi
    head -n 20 "$log" >&2
    contract_die "prism '$name' exited during startup (full log: ${log#"$REPO_ROOT"/})"
  done
  contract_die "prism '$name' could not find a free port"
}

cmd_run() {
  local name="$1"; shift
  local -a prism_args=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do prism_args+=("$1"); shift; done
  [[ $# -gt 1 ]] || usage
  shift # the `--`
  local rc=0
  # Stop the command and the instance whatever happens from here on (failure, signal, success).
  RUN_NAME="$name"
  trap 'cleanup_failed_start; [[ -z "$RUN_CHILD" ]] || kill_pid "$RUN_CHILD"; [[ -z "$RUN_NAME" ]] || cmd_stop "$RUN_NAME"' EXIT
  cmd_start "$name" "${prism_args[@]}"
  # In the background (stdin kept) so that a signal to this script is handled at once.
  PRISM_URL="$STARTED_URL" "$@" <&0 &
  RUN_CHILD=$!
  wait "$RUN_CHILD" || rc=$?
  RUN_CHILD=""
  return "$rc"
}

[[ $# -ge 1 ]] || usage
action="$1"; shift
name="mock"
if [[ $# -gt 0 && "$1" != -* ]]; then
  name="$1"; shift
fi
[[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || contract_die "bad instance name: $name"

case "$action" in
  start)
    if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi
    cmd_start "$name" "$@"
    printf '%s\n' "$STARTED_URL"
    ;;
  url) cmd_url "$name" ;;
  stop) cmd_stop "$name" ;;
  run) cmd_run "$name" "$@" ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
