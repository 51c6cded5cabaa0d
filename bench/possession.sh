#!/usr/bin/env bash
# Benchmark of the possession surface on this machine: a release `idv serve` on
# loopback, many OAuth clients (the limit is 25 requests/second per client), and
# wrk for a bounded time per scenario. Needs wrk (`apt-get install -y wrk`).
#
#   bench/possession.sh                       # SQLite in a temp dir
#   DB=postgres://postgres@127.0.0.1:5432/bench bench/possession.sh
#   DURATION=30s CONNECTIONS=64 CLIENTS=400 bench/possession.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CLIENTS=${CLIENTS:-400}
PORT=${PORT:-18089}

command -v wrk >/dev/null || { echo "bench: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p idv
BIN="${CARGO_TARGET_DIR:-target}/release/idv"
TMP=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
DB=${DB:-sqlite://$TMP/idv.db}

# One project, CLIENTS clients of it.
first=$("$BIN" admin client create --database "$DB" --solution prefill --name bench --json)
project=$(echo "$first" | sed 's/.*"project_id":"\([^"]*\)".*/\1/')
echo "$first" > "$TMP/clients.jsonl"
for _ in $(seq 2 "$CLIENTS"); do
  "$BIN" admin client create --database "$DB" --project "$project" --json >> "$TMP/clients.jsonl"
done

IDV__LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$DB" > "$TMP/serve.out" 2> "$TMP/serve.err" &
SERVER=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/openapi.json" && break
  sleep 0.1
done

while read -r line; do
  id=$(echo "$line" | sed 's/.*"client_id":"\([^"]*\)".*/\1/')
  secret=$(echo "$line" | sed 's/.*"client_secret":"\([^"]*\)".*/\1/')
  curl -s -X POST "http://127.0.0.1:$PORT/token" -d grant_type=client_credentials \
    -d "client_id=$id" -d "client_secret=$secret" | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
  echo
done < "$TMP/clients.jsonl" | grep -v '^$' > "$TMP/tokens"
export IDV_BENCH_TOKENS="$TMP/tokens"

echo "== idv $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, database ${DB%%:*}, $CLIENTS clients, $CONNECTIONS connections, $DURATION per scenario"
for mode in start identity; do
  case $mode in
    start) echo "-- POST /v3/start (authenticate, rate limit, validate, insert a flow)";;
    identity) echo "-- GET /v3/identity/unknown (authenticate, rate limit, one lookup, 404 / 8011)";;
  esac
  IDV_BENCH_MODE=$mode wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" -s bench/possession.lua \
    "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|statuses|latency p50|Non-2xx|Socket errors'
done
