#!/usr/bin/env bash
# What `npm test` runs: lint, type-check and test every project, against a real Kafka broker.
# Run `bash tools/scripts/test.sh --help` for details.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_SH="$ROOT/infra/kafka/kafka.sh"

usage() {
  cat <<'EOF'
Usage: npm test [-- NX_ARGS...]      (or: bash tools/scripts/test.sh [NX_ARGS...])

First checks the docs: every repository path a Markdown doc names must exist
(tools/scripts/check-doc-paths.ts, with its unit tests; a missing path fails the run at the end).
Then runs `nx run-many -t lint,build,test --parallel=2` over every project, with a real Kafka:
  - KAFKA_BROKERS set: uses it as is.
  - else a local broker already running (infra/kafka/kafka.sh status): uses it, leaves it running.
  - else starts one with infra/kafka/kafka.sh start and stops it when done.
If no broker can be had: with CI or KAFKA_REQUIRED set, fails; otherwise warns loudly and
runs anyway (the Kafka suites then report as skipped).

NX_ARGS go to nx run-many, e.g.:
  npm test -- --projects=@hitboard/kafka,@hitboard/testkit
  npm test -- --skip-nx-cache

The last line is a tally of every jest run: "jest: N passed, N failed, N skipped".
If HITBOARD_TEST_SUMMARY names a file, that line is written there too.
EOF
}

for arg in "$@"; do
  case "$arg" in -h | --help) usage; exit 0 ;; esac
done

# The docs name real paths: a moved or renamed file breaks the doc that names it, and the run.
docs_rc=0
(cd "$ROOT" && node --require tsx/cjs --test --test-reporter=dot tools/scripts/check-doc-paths.spec.ts \
  && node --require tsx/cjs tools/scripts/check-doc-paths.ts) || docs_rc=1

is_set() { [[ -n "${1:-}" && "$1" != "0" && "${1,,}" != "false" ]]; }
required() { is_set "${CI:-}" || is_set "${KAFKA_REQUIRED:-}"; }

banner() {
  local line
  printf '\n%s\n' '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
  for line in "$@"; do printf '!! %s\n' "$line" >&2; done
  printf '%s\n\n' '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
}

STARTED_KAFKA=0
LOG=""
cleanup() {
  if ((STARTED_KAFKA)); then
    echo "[test.sh] stopping the Kafka broker this run started" >&2
    bash "$KAFKA_SH" stop || true
  fi
  [[ -n "$LOG" ]] && rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${KAFKA_BROKERS:-}" ]]; then
  echo "[test.sh] Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS" >&2
elif kafka_status="$(bash "$KAFKA_SH" status 2>/dev/null)" || [[ "$kafka_status" == starting* ]]; then
  # Running (or still starting: someone else's `kafka.sh start`): use it, never stop it.
  bash "$KAFKA_SH" start >&2 || { echo "[test.sh] the running local broker does not answer" >&2; required && exit 1; }
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-19092}"
  echo "[test.sh] Kafka: using the running local broker at $KAFKA_BROKERS (left running)" >&2
else
  echo "[test.sh] Kafka: starting a local broker (infra/kafka/kafka.sh start)" >&2
  t0=$SECONDS
  if bash "$KAFKA_SH" start; then
    STARTED_KAFKA=1
    export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-19092}"
    echo "[test.sh] Kafka: ready at $KAFKA_BROKERS in $((SECONDS - t0)) s" >&2
  elif required; then
    # kafka.sh may have left a half-started broker behind; it stops what it started on failure.
    banner "KAFKA REQUIRED (CI=${CI:-} KAFKA_REQUIRED=${KAFKA_REQUIRED:-}) BUT THE BROKER DID NOT START." \
      "See the kafka.sh output above and .data/kafka/broker.log. Needs Java 17+ and Maven (first fetch)."
    exit 1
  else
    banner "KAFKA TESTS WILL BE SKIPPED: the local broker did not start (see above)." \
      "Fix it and run \`npm run kafka start\`, or set KAFKA_BROKERS=host:port."
  fi
fi

LOG="$(mktemp)"
export NX_DAEMON=false NX_NO_CLOUD=true
(cd "$ROOT" && npx nx run-many -t lint,build,test --parallel=2 --outputStyle=stream "$@") 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}

# Tally every jest summary line ("Tests:       1 failed, 2 skipped, 30 passed, 33 total").
# Only jest's own summary lines: "Tests:" first on the line, or right after nx's "project: " prefix
# (an indented one is a test's output quoting another jest run).
tally="$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^([^[:space:]]+: )?Tests:[[:space:]]+.*[0-9]+ total' | awk '
  { for (i = 1; i <= NF; i++) { n = $i + 0; w = $(i + 1); sub(/,$/, "", w);
      if (w == "passed") p += n; else if (w == "failed") f += n; else if (w == "skipped" || w == "todo") s += n } }
  END { printf "jest: %d passed, %d failed, %d skipped", p, f, s }')"
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  banner "KAFKA TESTS SKIPPED: no broker; run \`npm run kafka start\` or set KAFKA_BROKERS"
fi
echo "[test.sh] nx run-many exited $rc" >&2
if ((docs_rc)); then
  echo "[test.sh] the docs name paths that do not exist (see check-doc-paths above)" >&2
  ((rc)) || rc=1
fi
[[ -n "${HITBOARD_TEST_SUMMARY:-}" ]] && echo "$tally" >"$HITBOARD_TEST_SUMMARY"
echo "$tally"
exit "$rc"
