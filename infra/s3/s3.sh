#!/usr/bin/env bash
# A real S3 API server for local development and tests, without Docker: S3Proxy 2.6.0 from Maven
# Central (pom.xml beside this file) on its jclouds filesystem backend, bound to 127.0.0.1.
# The lake (libs/lake) talks to it as to any S3-compatible store: LAKE_URL=s3://bucket/prefix.
#
# Run `infra/s3/s3.sh --help` (or `npm run s3 -- --help`) for the commands.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

S3_PORT="${S3_PORT:-19400}"
S3_DATA_DIR="${S3_DATA_DIR:-$ROOT/.data/s3}"
S3_BUCKET="${S3_BUCKET:-hitboard}"
S3_IDENTITY="${S3_IDENTITY:-hitboard}"
S3_CREDENTIAL="${S3_CREDENTIAL:-hitboard-local-secret}"
S3_HEAP_OPTS="${S3_HEAP_OPTS:--Xms64m -Xmx256m}"
# A small test and dev server: the serial GC and the C1 compiler alone start it with far less CPU.
S3_JVM_OPTS="${S3_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
S3_START_TIMEOUT_S="${S3_START_TIMEOUT_S:-180}"
S3_STOP_TIMEOUT_S="${S3_STOP_TIMEOUT_S:-15}"

LIB_DIR="$HERE/lib"
ENDPOINT="http://127.0.0.1:$S3_PORT"
CONFIG="$S3_DATA_DIR/s3proxy.properties"
BLOBS="$S3_DATA_DIR/blobs"
SERVER_LOG="$S3_DATA_DIR/s3proxy.log"
PID_FILE="$S3_DATA_DIR/s3proxy.pid"
# Outside the data dir so `reset` can delete the dir while holding the lock.
LOCK_FILE="$(dirname "$S3_DATA_DIR")/.s3-$(basename "$S3_DATA_DIR").lock"

SERVICE=s3.sh
FETCH_WHAT="S3Proxy jars"
MAIN_JAR='s3proxy-*.jar'
MVN_OPTS="${S3_MVN_OPTS:-}"
STOP_TIMEOUT_S="$S3_STOP_TIMEOUT_S"
# shellcheck source=../lib/maven-service.sh
source "$ROOT/infra/lib/maven-service.sh"

usage() {
  cat <<USAGE
Usage: s3.sh <command>

S3Proxy 2.6.0 (filesystem backend) on 127.0.0.1, run from Maven Central jars.

Commands:
  fetch       download the jars into infra/s3/lib (only if missing or pom.xml changed)
  start       fetch if needed, start in the background, wait until it answers; the bucket
              \$S3_BUCKET exists from the start; no-op if already running
  stop        graceful shutdown (SIGTERM), SIGKILL after ${S3_STOP_TIMEOUT_S}s
  status      print state; exit 0 if running and answering, 3 if not
  env         print the variables an app needs to use this server as its lake
  reset       stop and delete all data
  -h, --help  this help

Environment (defaults):
  S3_PORT=$S3_PORT  S3_DATA_DIR=$S3_DATA_DIR  S3_BUCKET=$S3_BUCKET
  S3_IDENTITY=$S3_IDENTITY  S3_CREDENTIAL=(set)  S3_HEAP_OPTS="$S3_HEAP_OPTS"  S3_JVM_OPTS="$S3_JVM_OPTS"
  S3_START_TIMEOUT_S=$S3_START_TIMEOUT_S  S3_STOP_TIMEOUT_S=$S3_STOP_TIMEOUT_S

Use it as the lake:
  eval "\$(infra/s3/s3.sh env)"   # LAKE_URL, AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY

Server log: $SERVER_LOG
USAGE
}

# The server's pid if the pid file names a live S3Proxy of *this* data dir.
running_pid() { live_pid_matching "org.gaul.s3proxy.Main --properties $CONFIG"; }

# Any HTTP status means the S3 front end is up (an unsigned GET / answers 403).
answers() { [[ "$(curl -s -o /dev/null -m 15 -w '%{http_code}' "$ENDPOINT/" || true)" =~ ^[1-5][0-9][0-9]$ ]]; }

# --- start / stop ----------------------------------------------------------------------

render_config() {
  mkdir -p "$BLOBS"
  cat >"$CONFIG" <<PROPERTIES
s3proxy.endpoint=$ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_IDENTITY
s3proxy.credential=$S3_CREDENTIAL
jclouds.provider=filesystem
jclouds.filesystem.basedir=$BLOBS
PROPERTIES
}

do_start() {
  require_java
  do_fetch
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $ENDPOINT"
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open "$S3_PORT"; then die "port $S3_PORT is taken by another process: stop it, or set S3_PORT"; fi
  render_config
  # The filesystem backend's buckets are folders: creating one here needs no signed request.
  mkdir -p "$BLOBS/$S3_BUCKET"
  [[ -f "$SERVER_LOG" ]] && mv -f "$SERVER_LOG" "$SERVER_LOG.1"
  local started deadline
  started="$(date +%s)"
  # setsid + nohup: the server outlives this shell. 9>&- keeps the lock fd out of the JVM.
  # shellcheck disable=SC2086
  setsid nohup java $S3_HEAP_OPTS $S3_JVM_OPTS -Djava.awt.headless=true -cp "$LIB_DIR/*" org.gaul.s3proxy.Main --properties "$CONFIG" \
    </dev/null >"$SERVER_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  deadline=$((started + S3_START_TIMEOUT_S))
  while (($(date +%s) < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$SERVER_LOG" >&2 || true
      rm -f "$PID_FILE"
      die "S3Proxy exited during startup"
    fi
    if port_open "$S3_PORT" && answers; then
      log "ready on $ENDPOINT (pid $pid, bucket $S3_BUCKET) after $(($(date +%s) - started)) s"
      return 0
    fi
    sleep 0.3
  done
  tail -n 30 "$SERVER_LOG" >&2 || true
  stop_pid "$pid"
  die "S3Proxy not ready after ${S3_START_TIMEOUT_S} s"
}

do_status() {
  local pid
  if pid="$(running_pid)"; then
    if answers; then
      echo "running (pid $pid) on $ENDPOINT, data $S3_DATA_DIR"
      return 0
    fi
    echo "starting or unhealthy (pid $pid, not answering on $ENDPOINT); see $SERVER_LOG"
    return 3
  fi
  echo "stopped (data $S3_DATA_DIR)"
  return 3
}

do_env() {
  cat <<ENV
export LAKE_URL=s3://$S3_BUCKET/lake
export AWS_ENDPOINT_URL_S3=$ENDPOINT
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=$S3_IDENTITY
export AWS_SECRET_ACCESS_KEY=$S3_CREDENTIAL
ENV
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    fetch) require_java; with_lock; do_fetch ;;
    start) with_lock; do_start ;;
    stop) with_lock; do_stop ;;
    status) do_status ;;
    env) do_env ;;
    reset) with_lock; do_stop; rm -rf "$S3_DATA_DIR"; log "wiped $S3_DATA_DIR" ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) printf 'unknown command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
