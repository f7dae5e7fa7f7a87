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
# The three-broker cluster (`kafka.sh cluster ...`): its own ports and data, never the single broker's.
KAFKA_CLUSTER_PORTS="${KAFKA_CLUSTER_PORTS:-29092,29093,29094}"
KAFKA_CLUSTER_CONTROLLER_PORTS="${KAFKA_CLUSTER_CONTROLLER_PORTS:-29192,29193,29194}"
KAFKA_CLUSTER_DIR="${KAFKA_CLUSTER_DIR:-$ROOT/.data/cluster}"
KAFKA_CLUSTER_HEAP_OPTS="${KAFKA_CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}"

LIB_DIR="$HERE/target/lib"
CLASSPATH_GLOB="$LIB_DIR/*"
# Where one broker's things are, from KAFKA_PORT and KAFKA_DATA_DIR (cluster_select points them at a node).
broker_paths() {
  BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
  CONFIG="$KAFKA_DATA_DIR/server.properties"
  ADMIN_CONFIG="$KAFKA_DATA_DIR/admin.properties"
  LOG_DIRS="$KAFKA_DATA_DIR/logs"
  BROKER_LOG="$KAFKA_DATA_DIR/broker.log"
  PID_FILE="$KAFKA_DATA_DIR/broker.pid"
}
broker_paths
# Outside the data dir so `reset` can delete the dir while holding the lock.
LOCK_FILE="$(dirname "$KAFKA_DATA_DIR")/.kafka-$(basename "$KAFKA_DATA_DIR").lock"

SERVICE=kafka.sh
FETCH_WHAT="Kafka jars"
MAIN_JAR='kafka_2.13-*.jar'
MVN_OPTS="${KAFKA_MVN_OPTS:-}"
STOP_TIMEOUT_S="$KAFKA_STOP_TIMEOUT_S"
# shellcheck source=../lib/maven-service.sh
source "$ROOT/infra/lib/maven-service.sh"

# The application's topics: name:partitions. Must match TOPICS in libs/schema/src/names.ts
# (libs/kafka/__tests__/topic-names.spec.ts checks it).
TOPIC_SPECS=(
  "sales.events:6"
  "sales.events.dlq:1"
  "sales.product-sums:6"
)
# Compacted on its key (source partition:offset): a replayed flush's DLQ record replaces the first.
DLQ_TOPIC="sales.events.dlq"
# Single broker: one replica. The cluster sets 3 and min.insync.replicas=2 (see cluster_select).
REPLICATION_FACTOR=1
MIN_ISR=""
TEMPLATE="$HERE/server.properties"

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
  cluster CMD [N]    the local three-broker KRaft cluster (ports $KAFKA_CLUSTER_PORTS, controllers
                     $KAFKA_CLUSTER_CONTROLLER_PORTS, data $KAFKA_CLUSTER_DIR); topics with replication
                     factor 3 and min.insync.replicas=2. CMD: start (every node not running; idempotent),
                     stop, status, topics, reset, kill N (SIGKILL node N, for fault tests), start-node N,
                     bootstrap (print the KAFKA_BROKERS value). Never touches the single broker.
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
  KAFKA_CLUSTER_PORTS=$KAFKA_CLUSTER_PORTS  KAFKA_CLUSTER_CONTROLLER_PORTS=$KAFKA_CLUSTER_CONTROLLER_PORTS
  KAFKA_CLUSTER_DIR=$KAFKA_CLUSTER_DIR  KAFKA_CLUSTER_HEAP_OPTS="$KAFKA_CLUSTER_HEAP_OPTS"

Broker log: $BROKER_LOG
EOF
}

# Quiet JVM for the CLI tools (TopicCommand, StorageTool, ConsoleProducer).
tool() {
  java -Xmx256m -Dlog4j.configuration="file:$HERE/tools-log4j.properties" -cp "$CLASSPATH_GLOB" "$@"
}

# --- process state ---------------------------------------------------------------------

# The broker's pid if the pid file names a live broker of *this* data dir.
running_pid() { live_pid_matching "kafka.Kafka $CONFIG"; }

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
    -e "s|@NODE_ID@|${NODE_ID:-1}|g" -e "s|@VOTERS@|${VOTERS:-}|g" \
    "$TEMPLATE" >"$CONFIG"
  cat >"$ADMIN_CONFIG" <<EOF
# Admin client settings for kafka.sh's own probes: fail fast while the broker is starting.
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage() {
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then return 0; fi
  local cluster_id="${CLUSTER_ID:-}"
  [[ -n "$cluster_id" ]] || cluster_id="$(tool kafka.tools.StorageTool random-uuid)"
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
  local started
  started="$(date +%s)"
  pid="$(launch_broker)" || die "broker failed to start"
  wait_ready "$pid" "$started" || { stop_pid "$pid"; die "broker failed to start"; }
  do_topics
}

# Starts the broker of the selected data dir in the background and prints its pid (no wait).
launch_broker() {
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
  local pid
  # setsid + nohup: the broker outlives this shell and its terminal. 9>&- keeps the lock
  # fd out of the JVM, or the lock would be held for the broker's whole life.
  # shellcheck disable=SC2086
  setsid nohup java ${HEAP_OPTS:-$KAFKA_HEAP_OPTS} $KAFKA_JVM_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/log4j.properties" \
    -cp "$CLASSPATH_GLOB" kafka.Kafka "$CONFIG" \
    </dev/null >"$BROKER_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting broker (pid $pid) on 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, log $BROKER_LOG"
  echo "$pid"
}

# --- topics ----------------------------------------------------------------------------

# A broker that answers may not be registered with its controller yet ("Timed out waiting for a node
# assignment", seen on a loaded machine): the create is idempotent (--if-not-exists), so ask again.
create_topic() {
  local name="$1" partitions="$2" attempt
  for attempt in 1 2 3 4 5 6; do
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
      --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" \
      ${MIN_ISR:+--config min.insync.replicas=$MIN_ISR} >/dev/null && return 0
    log "topic $name: create failed (attempt $attempt of 6); trying again in $((attempt * 5)) s"
    sleep $((attempt * 5))
  done
  return 1
}

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
      create_topic "$name" "$partitions" &
      pids+=($!)
      log "topic $name: creating with $partitions partitions, replication factor $REPLICATION_FACTOR"
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

# --- the three-broker cluster ------------------------------------------------------------

IFS=',' read -r -a CLUSTER_PORTS <<<"$KAFKA_CLUSTER_PORTS"
IFS=',' read -r -a CLUSTER_CONTROLLER_PORTS <<<"$KAFKA_CLUSTER_CONTROLLER_PORTS"
CLUSTER_BOOTSTRAP="$(printf '127.0.0.1:%s,' "${CLUSTER_PORTS[@]}")"
CLUSTER_BOOTSTRAP="${CLUSTER_BOOTSTRAP%,}"

cluster_nodes() { seq 1 "${#CLUSTER_PORTS[@]}"; }

# Points every per-broker variable (ports, data dir, config, pid, log) at cluster node N (1-based).
cluster_select() {
  local n="$1" i voters=""
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= ${#CLUSTER_PORTS[@]})) || die "cluster node must be 1..${#CLUSTER_PORTS[@]}, got '$n'"
  ((${#CLUSTER_PORTS[@]} == ${#CLUSTER_CONTROLLER_PORTS[@]})) || die "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS must list as many ports"
  for i in $(cluster_nodes); do voters+="$i@127.0.0.1:${CLUSTER_CONTROLLER_PORTS[$((i - 1))]},"; done
  NODE_ID="$n"
  VOTERS="${voters%,}"
  KAFKA_PORT="${CLUSTER_PORTS[$((n - 1))]}"
  KAFKA_CONTROLLER_PORT="${CLUSTER_CONTROLLER_PORTS[$((n - 1))]}"
  KAFKA_DATA_DIR="$KAFKA_CLUSTER_DIR/broker$n"
  broker_paths
  TEMPLATE="$HERE/server-cluster.properties"
  HEAP_OPTS="$KAFKA_CLUSTER_HEAP_OPTS"
  REPLICATION_FACTOR=3
  MIN_ISR=2
  # Every node is formatted with one cluster id, made on the first start.
  mkdir -p "$KAFKA_CLUSTER_DIR"
  [[ -s "$KAFKA_CLUSTER_DIR/cluster.id" ]] || tool kafka.tools.StorageTool random-uuid >"$KAFKA_CLUSTER_DIR/cluster.id"
  CLUSTER_ID="$(cat "$KAFKA_CLUSTER_DIR/cluster.id")"
}

# Starts every node that is not running (all at once: a lone KRaft node waits for a quorum),
# waits until each answers, then creates the topics on the whole cluster.
cluster_start() {
  require_java
  do_fetch
  local n pid started pids=()
  started="$(date +%s)"
  for n in $(cluster_nodes); do
    cluster_select "$n"
    pid="$(running_pid)" || pid="$(launch_broker)" || die "cluster node $n failed to start"
    pids+=("$pid")
  done
  for n in $(cluster_nodes); do
    cluster_select "$n"
    wait_ready "${pids[$((n - 1))]}" "$started" || die "cluster node $n did not become ready (see $BROKER_LOG)"
  done
  BOOTSTRAP="$CLUSTER_BOOTSTRAP"
  do_topics
  log "cluster ready: KAFKA_BROKERS=$CLUSTER_BOOTSTRAP"
}

# One node only (after `cluster kill N`): the others keep serving.
cluster_start_node() {
  require_java
  do_fetch
  cluster_select "$1"
  local pid started
  started="$(date +%s)"
  pid="$(running_pid)" || pid="$(launch_broker)" || die "cluster node $1 failed to start"
  wait_ready "$pid" "$started" || die "cluster node $1 did not become ready (see $BROKER_LOG)"
}

cluster_kill() {
  cluster_select "$1"
  local pid
  if pid="$(running_pid)"; then
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$PID_FILE"
    log "cluster node $1 killed (SIGKILL, pid $pid)"
  else
    log "cluster node $1 not running"
  fi
}

cluster_stop() {
  local n pid pids=()
  for n in $(cluster_nodes); do
    cluster_select "$n"
    if pid="$(running_pid)"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$n:$pid"); fi
  done
  for np in "${pids[@]}"; do
    cluster_select "${np%%:*}"
    stop_pid "${np##*:}"
    log "cluster node ${np%%:*} stopped"
  done
  ((${#pids[@]} > 0)) || log "cluster not running"
}

# Exit 0 when every node runs and answers, 3 otherwise (each node's state is printed).
cluster_status() {
  local n pid rc=0
  for n in $(cluster_nodes); do
    cluster_select "$n"
    if pid="$(running_pid)"; then
      if port_open "$KAFKA_PORT" && broker_answers; then echo "node $n: running (pid $pid) on $BOOTSTRAP"
      else echo "node $n: starting or unhealthy (pid $pid); see $BROKER_LOG"; rc=3; fi
    else
      echo "node $n: stopped (data $KAFKA_DATA_DIR)"; rc=3
    fi
  done
  echo "KAFKA_BROKERS=$CLUSTER_BOOTSTRAP"
  return "$rc"
}

do_cluster() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  # The cluster's own lock: its commands never wait on (or block) the single broker's.
  LOCK_FILE="$(dirname "$KAFKA_CLUSTER_DIR")/.kafka-$(basename "$KAFKA_CLUSTER_DIR").lock"
  case "$cmd" in
    start) with_lock; cluster_start ;;
    start-node) [[ $# -eq 1 ]] || die "cluster start-node needs a node number"; with_lock; cluster_start_node "$1" ;;
    kill) [[ $# -eq 1 ]] || die "cluster kill needs a node number"; cluster_kill "$1" ;;
    stop) with_lock; cluster_stop ;;
    status) cluster_status ;;
    topics) require_java; with_lock; do_fetch; cluster_select 1; BOOTSTRAP="$CLUSTER_BOOTSTRAP"; do_topics ;;
    reset) with_lock; cluster_stop; rm -rf "$KAFKA_CLUSTER_DIR"; log "wiped $KAFKA_CLUSTER_DIR" ;;
    bootstrap) echo "$CLUSTER_BOOTSTRAP" ;;
    *) printf 'unknown cluster command: %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
  esac
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
    cluster) do_cluster "$@" ;;
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
