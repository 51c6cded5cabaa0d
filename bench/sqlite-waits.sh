#!/usr/bin/env bash
# Where SQLite flows wait: runs the closed-loop flow load (wrk, bench/flow.lua)
# against `idv serve` on SQLite under strace, tracing only the sleeping and
# syncing system calls (seccomp-bpf, so other calls run untraced), and prints how
# many sleeps of each length the server's threads asked for, and the syncs.
#
# SQLite's default busy handler (the one sqlx installs with `busy_timeout`)
# sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, 100, … ms between tries
# while another connection holds the write lock; tokio and hyper never call
# nanosleep, so on this server every such sleep is a writer waiting for the lock.
#
#   bench/sqlite-waits.sh BIN [BIN …]        # e.g. a build of main, then this one
#   DURATION=10s CONNECTIONS=32 CLIENTS=3000 bench/sqlite-waits.sh target/release/idv
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
CLIENTS=${CLIENTS:-3000}
PORT=${PORT:-18092}
command -v strace >/dev/null || { echo "sqlite-waits: strace is missing (apt-get install strace)" >&2; exit 1; }
TMP=$(mktemp -d)
SERVER=""
stop_server() {
  if [ -n "$SERVER" ]; then
    # Under strace the server is strace's child.
    kill -TERM $(pgrep -P "$SERVER") "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  SERVER=""
}
trap 'stop_server; rm -rf "$TMP"' EXIT
wait_port() {
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/openapi.json" && return 0
    sleep 0.1
  done
  echo "sqlite-waits: nothing listens on port $PORT" >&2
  return 1
}

for bin in "$@"; do
  dir="$TMP/$(basename "$(dirname "$bin")")-$RANDOM"
  mkdir -p "$dir"
  db="sqlite://$dir/idv.db"
  "$bin" admin client create --database "$db" --solution prefill --name bench --count "$CLIENTS" --json > "$dir/clients.jsonl"
  IDV__LOG=warn "$bin" serve --listen "127.0.0.1:$PORT" --database "$db" > /dev/null 2>&1 &
  SERVER=$!
  wait_port
  sed 's/.*"client_id":"\([^"]*\)".*"client_secret":"\([^"]*\)".*/next\nurl = "http:\/\/127.0.0.1:'"$PORT"'\/token"\ndata = "grant_type=client_credentials\&client_id=\1\&client_secret=\2"\nwrite-out = "\\n"/' "$dir/clients.jsonl" \
    | tail -n +2 | curl -s -K - | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' > "$dir/tokens"
  stop_server
  # strace runs the server itself (seccomp-bpf needs that) and ignores TERM with
  # -o, so the server (strace's child) is stopped, and strace ends with it.
  IDV__LOG=warn strace -f -qq --seccomp-bpf -e trace=nanosleep,clock_nanosleep,fsync,fdatasync \
    -o "$dir/strace" "$bin" serve --listen "127.0.0.1:$PORT" --database "$db" > /dev/null 2>&1 &
  SERVER=$!
  wait_port
  cp "$dir/strace" "$dir/strace.before"
  r=$(IDV_BENCH_MODE=flow IDV_BENCH_TOKENS="$dir/tokens" wrk -t 2 -c "$CONNECTIONS" -d "$DURATION" \
    -s bench/flow.lua "http://127.0.0.1:$PORT" | sed -n 's/^RESULT //p')
  cp "$dir/strace" "$dir/strace.after"
  stop_server
  echo "== $bin: $r"
  # Only the calls made during the load.
  tail -n +"$(($(wc -l < "$dir/strace.before") + 1))" "$dir/strace.after" > "$dir/strace.load"
  awk '
    /nanosleep\(/ {
      s = 0; ns = 0
      if (match($0, /tv_sec=[0-9]+/)) s = substr($0, RSTART + 7, RLENGTH - 7)
      if (match($0, /tv_nsec=[0-9]+/)) ns = substr($0, RSTART + 8, RLENGTH - 8)
      ms = s * 1000 + ns / 1e6
      n[ms]++; total++; sum += ms
      next
    }
    /fdatasync\(/ { fd++ } /[^a]fsync\(/ { fs++ }
    END {
      printf "   sleeps asked for: %d, %.0f ms in all", total, sum
      if (total) { printf "; by length:"; for (k in n) printf " %sms x%d", k, n[k] }
      printf "\n   fdatasync: %d, fsync: %d\n", fd, fs
    }' "$dir/strace.load"
done
