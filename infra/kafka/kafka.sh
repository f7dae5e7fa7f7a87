#!/usr/bin/env bash
# A real Apache Kafka 3.9 broker for local development and tests, without Docker:
# the jars come from Maven Central (pom.xml beside this file) and the broker runs as a
# single KRaft node (broker + controller in one JVM) bound to 127.0.0.1.
#
# Run `infra/kafka/kafka.sh --help` (or `npm run kafka -- --help`) for the commands.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
KAFKA_START_TIMEOUT_S="${KAFKA_START_TIMEOUT_S:-90}"
KAFKA_STOP_TIMEOUT_S="${KAFKA_STOP_TIMEOUT_S:-30}"

LIB_DIR="$HERE/target/lib"
CLASSPATH_GLOB="$LIB_DIR/*"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
CONFIG="$KAFKA_DATA_DIR/server.properties"
ADMIN_CONFIG="$KAFKA_DATA_DIR/admin.properties"
LOG_DIRS="$KAFKA_DATA_DIR/logs"
BROKER_LOG="$KAFKA_DATA_DIR/broker.log"
PID_FILE="$KAFKA_DATA_DIR/broker.pid"
# Outside the data dir so `reset` can delete the dir while holding the lock.
LOCK_FILE="$(dirname "$KAFKA_DATA_DIR")/.kafka-$(basename "$KAFKA_DATA_DIR").lock"

# The application's topics: name:partitions. Must match TOPICS in libs/schema/src/names.ts
# (libs/kafka/__tests__/topic-names.spec.ts checks it).
TOPIC_SPECS=(
  "sales.events:6"
  "sales.events.dlq:1"
  "sales.product-sums:6"
)
# Compacted on its key (source partition:offset): a replayed flush's DLQ record replaces the first.
DLQ_TOPIC="sales.events.dlq"

usage() {
  cat <<EOF
Usage: kafka.sh <command> [args]

A single-node Apache Kafka 3.9.1 (KRaft) on 127.0.0.1, run from Maven Central jars.

Commands:
  fetch              download the broker jars into infra/kafka/target/lib (only if missing or pom.xml changed)
  start              fetch if needed, format storage if new, start in the background, wait until
                     ready (a real metadata request), then create the topics; no-op if already running
  topics             create the application topics if missing (broker must be running)
  stop               graceful shutdown (SIGTERM), SIGKILL after ${KAFKA_STOP_TIMEOUT_S}s
  status             print state; exit 0 if running and answering, 3 if not
  reset              stop and delete all data (topics, offsets, cluster id)
  logs               follow the broker log
  run-class CLASS .. run a Kafka CLI class on the broker's classpath with quiet logging, e.g.
                     kafka.sh run-class kafka.tools.ConsoleProducer --bootstrap-server $BOOTSTRAP --topic t
  -h, --help         this help

Topics created by start/topics: ${TOPIC_SPECS[*]}

Environment (defaults):
  KAFKA_PORT=$KAFKA_PORT             client listener (export KAFKA_BROKERS=127.0.0.1:\$KAFKA_PORT)
  KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT  KRaft controller listener
  KAFKA_DATA_DIR=$KAFKA_DATA_DIR
  KAFKA_HEAP_OPTS="$KAFKA_HEAP_OPTS"
  KAFKA_JVM_OPTS                extra JVM flags for the broker
  KAFKA_START_TIMEOUT_S=$KAFKA_START_TIMEOUT_S  KAFKA_STOP_TIMEOUT_S=$KAFKA_STOP_TIMEOUT_S

Broker log: $BROKER_LOG
EOF
}

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { printf '[kafka.sh] ERROR: %s\n' "$*" >&2; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
}

# Quiet JVM for the CLI tools (TopicCommand, StorageTool, ConsoleProducer).
tool() {
  java -Xmx256m -Dlog4j.configuration="file:$HERE/tools-log4j.properties" -cp "$CLASSPATH_GLOB" "$@"
}

with_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 180 9 || die "another kafka.sh holds $LOCK_FILE for more than 180 s"
}

# --- fetch -----------------------------------------------------------------------------

pom_stamp() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

jars_present() {
  [[ -f "$LIB_DIR/.pom.sha256" && "$(cat "$LIB_DIR/.pom.sha256")" == "$(pom_stamp)" ]] &&
    compgen -G "$LIB_DIR/kafka_2.13-*.jar" >/dev/null
}

do_fetch() {
  if jars_present; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven 3.8+ (e.g. apt-get install maven) to fetch the Kafka jars"
  log "fetching Kafka jars from Maven Central into $LIB_DIR (cached in ~/.m2) ..."
  rm -rf "$LIB_DIR"
  (cd "$HERE" && mvn -q -B -Dstyle.color=never ${KAFKA_MVN_OPTS:-} package) || die "mvn failed to fetch the Kafka jars"
  pom_stamp >"$LIB_DIR/.pom.sha256"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars"
}

# --- process state ---------------------------------------------------------------------

# Prints the broker's pid if the pid file names a live broker of *this* data dir.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be kafka.Kafka with our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A real readiness check: the broker answers a metadata request (list topics).
broker_answers() {
  timeout 30 java -Xmx256m -Dlog4j.configuration="file:$HERE/tools-log4j.properties" -cp "$CLASSPATH_GLOB" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --list \
    >/dev/null 2>&1
}

# --- start -----------------------------------------------------------------------------

render_config() {
  mkdir -p "$KAFKA_DATA_DIR" "$LOG_DIRS"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@LOG_DIRS@|$LOG_DIRS|g" \
    "$HERE/server.properties" >"$CONFIG"
  cat >"$ADMIN_CONFIG" <<EOF
# Admin client settings for kafka.sh's own probes: fail fast while the broker is starting.
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage() {
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then return 0; fi
  local cluster_id
  cluster_id="$(tool kafka.tools.StorageTool random-uuid)"
  log "formatting KRaft storage in $LOG_DIRS (cluster id $cluster_id)"
  tool kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$CONFIG" >/dev/null
}

wait_ready() {
  local pid="$1" started="$2" deadline=$(($(date +%s) + KAFKA_START_TIMEOUT_S))
  while (($(date +%s) < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during startup; last lines of $BROKER_LOG:"
      tail -n 30 "$BROKER_LOG" >&2 || true
      rm -f "$PID_FILE"
      return 1
    fi
    if port_open "$KAFKA_PORT" && broker_answers; then
      log "ready on $BOOTSTRAP (pid $pid) after $(($(date +%s) - started)) s"
      return 0
    fi
    sleep 0.5
  done
  log "not ready after ${KAFKA_START_TIMEOUT_S} s; last lines of $BROKER_LOG:"
  tail -n 30 "$BROKER_LOG" >&2 || true
  return 1
}

do_start() {
  require_java
  do_fetch
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    wait_ready "$pid" "$(date +%s)" || die "running broker (pid $pid) does not answer on $BOOTSTRAP"
    do_topics
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open "$KAFKA_PORT"; then
    die "port $KAFKA_PORT is taken by another process (another Kafka?): stop it, or set KAFKA_PORT"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_CONTROLLER_PORT is taken: set KAFKA_CONTROLLER_PORT"
  fi
  render_config
  format_storage
  [[ -f "$BROKER_LOG" ]] && mv -f "$BROKER_LOG" "$BROKER_LOG.1"
  local started
  started="$(date +%s)"
  # setsid + nohup: the broker outlives this shell and its terminal. 9>&- keeps the lock
  # fd out of the JVM, or the lock would be held for the broker's whole life.
  # shellcheck disable=SC2086
  setsid nohup java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/log4j.properties" \
    -cp "$CLASSPATH_GLOB" kafka.Kafka "$CONFIG" \
    </dev/null >"$BROKER_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting broker (pid $pid) on $BOOTSTRAP, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, log $BROKER_LOG"
  wait_ready "$pid" "$started" || { stop_pid "$pid"; die "broker failed to start"; }
  do_topics
}

# --- topics ----------------------------------------------------------------------------

do_topics() {
  [[ -f "$ADMIN_CONFIG" ]] || render_config
  local described name partitions current failed=0
  described="$(tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
    --describe --if-exists --topic 'sales\..*' 2>/dev/null)" || die "cannot describe topics on $BOOTSTRAP: is the broker running? (kafka.sh start)"
  local pids=()
  for spec in "${TOPIC_SPECS[@]}"; do
    name="${spec%%:*}"
    partitions="${spec##*:}"
    # Summary lines look like: "Topic: sales.events<TAB>TopicId: ...<TAB>PartitionCount: 6<TAB>..."
    current="$(awk -v t="$name" -F'\t' '$1 == "Topic: " t && $3 ~ /^PartitionCount: / { sub("PartitionCount: ", "", $3); print $3 }' <<<"$described")"
    if [[ -z "$current" ]]; then
      tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
        --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor 1 >/dev/null &
      pids+=($!)
      log "topic $name: creating with $partitions partitions"
    elif ((current < partitions)); then
      tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
        --alter --topic "$name" --partitions "$partitions" >/dev/null &
      pids+=($!)
      log "topic $name: growing from $current to $partitions partitions"
    elif ((current > partitions)); then
      log "topic $name: has $current partitions, wanted $partitions (partitions cannot shrink; kafka.sh reset to recreate)"
    else
      log "topic $name: ok ($current partitions)"
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  ((failed == 0)) || die "creating topics failed"
  # The DLQ is keyed by source partition:offset and may receive a record twice (a flush replayed after
  # a crash or rebalance): compaction keeps one per key. Idempotent: also brings an existing DLQ to it.
  tool kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
    --alter --entity-type topics --entity-name "$DLQ_TOPIC" --add-config cleanup.policy=compact >/dev/null \
    || die "setting cleanup.policy=compact on $DLQ_TOPIC failed"
  log "topic $DLQ_TOPIC: cleanup.policy=compact"
}

# --- stop ------------------------------------------------------------------------------

stop_pid() {
  local pid="$1" deadline=$(($(date +%s) + KAFKA_STOP_TIMEOUT_S))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (($(date +%s) < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${KAFKA_STOP_TIMEOUT_S} s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

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

do_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$KAFKA_PORT" && broker_answers; then
      echo "running (pid $pid) on $BOOTSTRAP, data $KAFKA_DATA_DIR"
      return 0
    fi
    echo "starting or unhealthy (pid $pid, not answering on $BOOTSTRAP); see $BROKER_LOG"
    return 3
  fi
  echo "stopped (data $KAFKA_DATA_DIR)"
  return 3
}

do_reset() {
  do_stop
  rm -rf "$KAFKA_DATA_DIR"
  log "wiped $KAFKA_DATA_DIR"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) require_java; with_lock; do_fetch ;;
    start) with_lock; do_start ;;
    topics) require_java; with_lock; do_fetch; do_topics ;;
    stop) with_lock; do_stop ;;
    status) do_status ;;
    reset) with_lock; do_reset ;;
    logs) exec tail -n 50 -F "$BROKER_LOG" ;;
    run-class)
      [[ $# -gt 0 ]] || die "run-class needs a class name"
      require_java; jars_present || { with_lock; do_fetch; exec 9>&-; }
      tool "$@" ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) printf 'unknown command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
