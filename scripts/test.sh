#!/usr/bin/env bash
# What `npm test` runs. Installs the local test services if needed, starts a private Kafka broker on
# free ports unless KAFKA_BROKERS is already set, runs vitest with the given arguments, and always
# stops the broker it started. Exits with vitest's exit code.
#
#   npm test                                        # whole suite
#   npm test -- test/integration/services.test.ts   # arguments go to `vitest run`
#   KAFKA_BROKERS=127.0.0.1:19092 npm test          # use an already running broker
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "test.sh: $*" >&2; }

bash scripts/kafka.sh install
bash scripts/rsyslog.sh install
if ! command -v openssl >/dev/null 2>&1; then
  log "installing openssl"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq openssl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }
fi

if [ -z "${KAFKA_BROKERS:-}" ]; then
  # Two ports that are free right now (listener + KRaft controller).
  read -r KAFKA_PORT KAFKA_CONTROLLER_PORT < <(node -e '
    const net = require("node:net");
    const take = () => new Promise((res) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => res(s)); });
    Promise.all([take(), take()]).then((ss) => {
      console.log(ss.map((s) => s.address().port).join(" "));
      ss.forEach((s) => s.close());
    });')
  export KAFKA_PORT KAFKA_CONTROLLER_PORT
  stop_broker() { bash "$ROOT/scripts/kafka.sh" stop || true; }
  trap stop_broker EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bash scripts/kafka.sh start
  export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
else
  log "using KAFKA_BROKERS=$KAFKA_BROKERS"
fi

VITEST="$ROOT/node_modules/.bin/vitest"
[ -x "$VITEST" ] || VITEST="npx --no-install vitest"
set +e
# shellcheck disable=SC2086
mkdir -p "$ROOT/.cache"
$VITEST run --reporter=default --reporter=json --outputFile.json="$ROOT/.cache/vitest-report.json" "$@" </dev/null
rc=$?
set -e
# A plain closing line that any CI reads: "N passed, N failed".
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$ROOT/.cache/vitest-report.json" 2>/dev/null || true
exit "$rc"
