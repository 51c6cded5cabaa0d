#!/usr/bin/env bash
# The idv benchmark, on loopback, bounded in time, stopping by itself:
#
#  1. error paths (401 / 8002 without a token and with an unknown one, 400 / 8001
#     over-size body, 429 / 8018) of `idv serve` against the bare axum app
#     (crates/server/examples/bare.rs) returning the same bytes, same wrk settings,
#     ROUNDS times each, alternating, reporting medians and the server's CPU time
#     per request (user + system, from /proc/<pid>/stat);
#  2. complete Pre-Fill flows per second on SQLite and on PostgreSQL, with p50 /
#     p99 latency per request and the peak RSS (VmHWM) of the idv process;
#  3. rate-limiter accuracy with hey: one client offered 100 requests/second for
#     10 s must get 250 to 275 accepted, while a second client at 10 requests/second
#     sees no 429.
#
# bench/flows-rate.sh compares builds side by side on the flows, closed loop and
# at a fixed offered rate (p50 / p99); bench/sqlite-waits.sh counts SQLite's
# busy-handler sleeps under the flow load.
#
#   bench/run.sh
#   DURATION=20s CONNECTIONS=64 CLIENTS=4000 ROUNDS=5 bench/run.sh
#   PG=postgres://postgres@127.0.0.1:5432 PG_ADMIN_DB=test bench/run.sh   # (defaults)
#   PG= bench/run.sh                                                      # skip PostgreSQL
#   PARTS=errors bench/run.sh                    # only some of: errors,limiter,flows
#
# Installs wrk and hey with apt-get when missing. Builds in release mode (set
# CARGO_TARGET_DIR to keep the build apart). A fresh PostgreSQL database
# idv_bench_<pid> is created and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
# Enough clients that the over-size-body row is not rate limited: 25 requests/s
# each, so 3,000 clients allow 75,000 requests/s.
CLIENTS=${CLIENTS:-3000}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18089}
BARE_PORT=${BARE_PORT:-18090}
PG=${PG-postgres://postgres@127.0.0.1:5432}
PG_ADMIN_DB=${PG_ADMIN_DB:-test}
WRK=(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION")

for tool in wrk hey; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: installing $tool" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q "$tool" >/dev/null
    else sudo apt-get install -y -q "$tool" >/dev/null; fi
  fi
done

cargo build --release -q -p idv
cargo build --release -q -p idv-server --example bare
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/idv"
BARE="$TARGET/release/examples/bare"

TMP=$(mktemp -d)
SERVER=""
BARE_PID=""
PG_DB=""
stop_server() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  SERVER=""
}
stop_bare() {
  if [ -n "$BARE_PID" ]; then kill -TERM "$BARE_PID" 2>/dev/null || true; wait "$BARE_PID" 2>/dev/null || true; fi
  BARE_PID=""
}
cleanup() {
  stop_server
  stop_bare
  if [ -n "$PG_DB" ]; then
    psql -q -h 127.0.0.1 -U postgres -d "$PG_ADMIN_DB" -c "drop database if exists $PG_DB" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/openapi.json" && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on port $1" >&2
  return 1
}

# make_clients DB N FILE: one new Pre-Fill project, N OAuth clients of it.
make_clients() {
  "$BIN" admin client create --database "$1" --solution prefill --name bench --count "$2" --json > "$3"
}

# tokens FILE: one access token per client line of FILE (server running), fetched
# by one curl process over one connection.
tokens() {
  sed 's/.*"client_id":"\([^"]*\)".*"client_secret":"\([^"]*\)".*/next\nurl = "http:\/\/127.0.0.1:'"$PORT"'\/token"\ndata = "grant_type=client_credentials\&client_id=\1\&client_secret=\2"\nwrite-out = "\\n"/' "$1" \
    | tail -n +2 | curl -s -K - | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

start_server() {
  IDV__LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --database "$1" > "$TMP/serve.out" 2>> "$TMP/serve.err" &
  SERVER=$!
  wait_port "$PORT"
}

start_bare() {
  "$BARE" "$BARE_PORT" "$1" 2>> "$TMP/bare.err" &
  BARE_PID=$!
  wait_port "$BARE_PORT"
}

# result LINE KEY: the value of KEY=… in a RESULT line.
result() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

wrk_run() { # wrk_run SCRIPT MODE PORT → the RESULT line
  IDV_BENCH_MODE=$2 "${WRK[@]}" -s "$1" "http://127.0.0.1:$3" | grep '^RESULT' | sed 's/^RESULT //'
}

echo "== idv $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "== $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "== wrk $THREADS threads, $CONNECTIONS connections, $DURATION per scenario, on the same cores; $CLIENTS OAuth clients"

# ---------------------------------------------------------------- SQLite
SQLITE="sqlite://$TMP/idv.db"
make_clients "$SQLITE" "$CLIENTS" "$TMP/clients.jsonl"
make_clients "$SQLITE" 3 "$TMP/special.jsonl" # hammer, rate-limit A, rate-limit B
start_server "$SQLITE"
tokens "$TMP/clients.jsonl" > "$TMP/tokens"
tokens "$TMP/special.jsonl" > "$TMP/special"
sed -n 1p "$TMP/special" > "$TMP/hammer"
TOKEN_A=$(sed -n 2p "$TMP/special")
TOKEN_B=$(sed -n 3p "$TMP/special")
[ "$(wc -l < "$TMP/tokens")" = "$CLIENTS" ] || { echo "bench: could not fetch every token" >&2; exit 1; }


# cpu_ticks PID: user + system CPU time of PID so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# measure SCRIPT MODE PORT PID → "rps=… p50=… p99=… statuses=… cpu_us=…": one wrk
# run, with the CPU time PID spent per request during it.
measure() {
  local c0 c1 r
  c0=$(cpu_ticks "$4")
  r=$(wrk_run "$1" "$2" "$3")
  c1=$(cpu_ticks "$4")
  echo "$r cpu_us=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v rps="$(result "$r" rps)" -v d="${DURATION%s}" \
    'BEGIN { printf "%.1f", t / hz * 1e6 / (rps * d) }')"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [[ ",${PARTS:-errors,limiter,flows}," == *,errors,* ]]; then
echo
echo "-- error paths: idv serve (SQLite) vs bare axum, POST /v3/start, $ROUNDS rounds each, alternating (target ratio >= 0.9)"
echo "   req/s and server CPU µs per request are medians; ratio = idv req/s / bare req/s"
printf '%-26s %9s %9s %6s %9s %9s  %-24s %s\n' path idv_req/s bare_req/s ratio idv_cpu_us bare_cpu_us "ratios per round" "idv statuses (last round)"
for row in "noauth 401 no token" "badauth 401 unknown token" "big 8001 5000-byte body" "hammer 429 one client"; do
  set -- $row
  mode=$1 bare_mode=$2
  shift 2
  name="$bare_mode $*"
  tok="$TMP/tokens"
  [ "$mode" = hammer ] && tok="$TMP/hammer"
  ri_all="" rb_all="" ci_all="" cb_all="" ratios=""
  for _ in $(seq "$ROUNDS"); do
    idv=$(IDV_BENCH_TOKENS=$tok measure bench/errors.lua "$mode" "$PORT" "$SERVER")
    start_bare "$bare_mode"
    bare=$(IDV_BENCH_TOKENS=$tok measure bench/errors.lua "$mode" "$BARE_PORT" "$BARE_PID")
    stop_bare
    ri_all="$ri_all $(result "$idv" rps)" rb_all="$rb_all $(result "$bare" rps)"
    ci_all="$ci_all $(result "$idv" cpu_us)" cb_all="$cb_all $(result "$bare" cpu_us)"
    ratios="$ratios$(awk -v a="$(result "$idv" rps)" -v b="$(result "$bare" rps)" 'BEGIN { printf "%.2f", a / b }') "
  done
  ri=$(echo "$ri_all" | median) rb=$(echo "$rb_all" | median)
  printf '%-26s %9s %9s %6s %9s %9s  %-24s %s\n' "$name" "$ri" "$rb" \
    "$(awk -v a="$ri" -v b="$rb" 'BEGIN { printf "%.2f", a / b }')" \
    "$(echo "$ci_all" | median)" "$(echo "$cb_all" | median)" "$ratios" "$(result "$idv" statuses)"
done
fi

if [[ ",${PARTS:-errors,limiter,flows}," != *,limiter,* ]]; then stop_server; else
echo
echo "-- rate limiter: client A offered 100 req/s for 10 s, client B 10 req/s, GET /v3/identity/unknown (404 = accepted)"
sleep 2 # let the hammered client's and the peer's buckets refill; A and B are fresh
hey -z 10s -q 100 -c 1 -H "Authorization: Bearer $TOKEN_A" "http://127.0.0.1:$PORT/v3/identity/unknown" > "$TMP/hey.a" &
HEY_A=$!
hey -z 10s -q 10 -c 1 -H "Authorization: Bearer $TOKEN_B" "http://127.0.0.1:$PORT/v3/identity/unknown" > "$TMP/hey.b"
wait "$HEY_A"
count() { sed -n "s/^ *\[$2\][[:space:]]*\([0-9]*\) responses.*/\1/p" "$1" | head -1; }
a_ok=$(count "$TMP/hey.a" 404) a_429=$(count "$TMP/hey.a" 429)
b_ok=$(count "$TMP/hey.b" 404) b_429=$(count "$TMP/hey.b" 429)
a_ok=${a_ok:-0} a_429=${a_429:-0} b_ok=${b_ok:-0} b_429=${b_429:-0}
verdict=FAIL
if [ "$a_ok" -ge 250 ] && [ "$a_ok" -le 275 ] && [ "$b_429" = 0 ] && [ "$b_ok" -gt 0 ]; then verdict=PASS; fi
echo "client A: $((a_ok + a_429)) sent, $a_ok accepted, $a_429 rejected (429); client B: $((b_ok + b_429)) sent, $b_ok accepted, $b_429 rejected → $verdict (A in 250..275, B none rejected)"
stop_server
fi
[[ ",${PARTS:-errors,limiter,flows}," == *,flows,* ]] || exit 0

# ---------------------------------------------------------------- flows
flows() { # flows NAME DB TOKENS
  start_server "$2"
  local r
  r=$(IDV_BENCH_TOKENS=$3 wrk_run bench/flow.lua flow "$PORT")
  local hwm
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$SERVER/status")
  stop_server
  printf '%-12s %9s %8s %8s %8s %10s  %s\n' "$1" "$(result "$r" flows)" "$(result "$r" rps)" \
    "$(result "$r" p50)" "$(result "$r" p99)" "$hwm" "$(result "$r" counts)"
}

echo
echo "-- complete Pre-Fill flows (start, validate, challenge, complete), a fresh idv process each"
printf '%-12s %9s %8s %8s %8s %10s  %s\n' database flows/s req/s p50_ms p99_ms peak_RSS counts
flows SQLite "$SQLITE" "$TMP/tokens"

if [ -n "$PG" ]; then
  PG_DB="idv_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -d "$PG_ADMIN_DB" -c "create database $PG_DB" >/dev/null
  POSTGRES="$PG/$PG_DB"
  make_clients "$POSTGRES" "$CLIENTS" "$TMP/pg-clients.jsonl"
  start_server "$POSTGRES"
  tokens "$TMP/pg-clients.jsonl" > "$TMP/pg-tokens"
  stop_server
  flows PostgreSQL "$POSTGRES" "$TMP/pg-tokens"
fi

if [ -s "$TMP/serve.err" ]; then
  echo
  echo "-- idv serve logged (warn and above), first lines:"
  head -5 "$TMP/serve.err"
fi
