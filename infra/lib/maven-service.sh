# shellcheck shell=bash
# What infra/kafka/kafka.sh and infra/s3/s3.sh share: a Java service run on 127.0.0.1 from jars
# that Maven fetches from Central (no Docker), with a pid file, a lock and a bounded stop.
#
# The sourcing script sets, before calling these functions:
#   SERVICE         its name in log lines (kafka.sh, s3.sh)
#   HERE            its folder, holding the pom.xml that lists the jars
#   LIB_DIR         where `mvn package` copies them; FETCH_WHAT names them in messages
#   MAIN_JAR        a glob under LIB_DIR that exists once they are fetched; MVN_OPTS extra mvn options
#   LOCK_FILE       the flock file; PID_FILE the current process's pid file (may change per node)
#   STOP_TIMEOUT_S  how long a SIGTERM gets before SIGKILL
# and defines running_pid (the live process of this data dir, usually through live_pid_matching).

log() { printf '[%s] %s\n' "$SERVICE" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$SERVICE" "$*" >&2; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
}

with_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 180 9 || die "another $SERVICE holds $LOCK_FILE for more than 180 s"
}

# --- fetch -----------------------------------------------------------------------------

pom_stamp() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

jars_present() {
  [[ -f "$LIB_DIR/.pom.sha256" && "$(cat "$LIB_DIR/.pom.sha256")" == "$(pom_stamp)" ]] &&
    compgen -G "$LIB_DIR/$MAIN_JAR" >/dev/null
}

do_fetch() {
  if jars_present; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven 3.8+ (e.g. apt-get install maven) to fetch the $FETCH_WHAT"
  log "fetching $FETCH_WHAT from Maven Central into $LIB_DIR (cached in ~/.m2) ..."
  rm -rf "$LIB_DIR"
  # shellcheck disable=SC2086
  (cd "$HERE" && mvn -q -B -Dstyle.color=never ${MVN_OPTS:-} package) || die "mvn failed to fetch the $FETCH_WHAT"
  pom_stamp >"$LIB_DIR/.pom.sha256"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars"
}

# --- process state ---------------------------------------------------------------------

# Prints the pid in PID_FILE if it is alive and its command line contains $1: a recycled pid
# that now belongs to another program (or to the same service with another data dir) is not ours.
live_pid_matching() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$1" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The `stop` command: the running process (running_pid, defined by the sourcing script), if any.
do_stop() {
  local pid
  if pid="$(running_pid)"; then
    local t0
    t0="$(date +%s)"
    stop_pid "$pid"
    log "stopped (pid $pid) in $(($(date +%s) - t0)) s"
  else
    rm -f "$PID_FILE"
    log "not running"
  fi
}

# SIGTERM, then SIGKILL after STOP_TIMEOUT_S; waits until the process is gone.
stop_pid() {
  local pid="$1" deadline=$(($(date +%s) + STOP_TIMEOUT_S))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (($(date +%s) < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${STOP_TIMEOUT_S} s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}
