#!/usr/bin/env bash
# Complete Pre-Fill flows, several idv builds side by side, on SQLite and on
# PostgreSQL, in alternating rounds (the shared machine's speed drifts, so only
# measurements taken in the same run compare):
#
#  - closed loop: wrk with bench/flow.lua (CONNECTIONS connections, each sending
#    the next step when the last is answered), for flows/s;
#  - fixed rate (open loop): crates/server/examples/flowrate.rs starts a flow every
#    1/RATE s whatever the server does, for p50 / p99 per request. The default
#    rates are half the targets of issue 8 (2,000 flows/s on SQLite, 1,500 on
#    PostgreSQL).
#
#   bench/flows-rate.sh                                  # this checkout only
#   BINS="base=/path/to/idv new=target/release/idv" bench/flows-rate.sh
#   ROUNDS=3 SECONDS_PER=10 RATE_SQLITE=1000 RATE_PG=750 bench/flows-rate.sh
#   PG= bench/flows-rate.sh                              # skip PostgreSQL
#   SQLITE= bench/flows-rate.sh                          # skip SQLite
#   FLOWRATE=/path/to/flowrate bench/flows-rate.sh       # a generator already built
#
# Each build gets its own fresh database (an SQLite file; a PostgreSQL database
# idv_rate_<pid>_<n>, dropped at the end) and its own OAuth clients, and each
# measurement a fresh `idv serve`. Builds flowrate (and, with no BINS, idv) in
# release mode; set CARGO_TARGET_DIR to keep the build apart.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER=${SECONDS_PER:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CLIENTS=${CLIENTS:-3000}
RATE_SQLITE=${RATE_SQLITE:-1000}
RATE_PG=${RATE_PG:-750}
PORT=${PORT:-18091}
PG=${PG-postgres://postgres@127.0.0.1:5432}
SQLITE=${SQLITE-yes}
PG_ADMIN_DB=${PG_ADMIN_DB:-test}

command -v wrk >/dev/null || { echo "flows-rate: wrk is missing (apt-get install wrk)" >&2; exit 1; }
TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${FLOWRATE:-}" ]; then
  cargo build --release -q -p idv-server --example flowrate
  FLOWRATE="$TARGET/release/examples/flowrate"
fi
if [ -z "${BINS:-}" ]; then
  cargo build --release -q -p idv
  BINS="this=$TARGET/release/idv"
fi

TMP=$(mktemp -d)
SERVER=""
declare -A NO_CAP_VAR
stop_server() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  SERVER=""
}
cleanup() {
  stop_server
  if [ -n "$PG" ]; then
    for n in $(seq 9); do
      psql -q -h 127.0.0.1 -U postgres -d "$PG_ADMIN_DB" -c "drop database if exists idv_rate_$$_$n" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

start_server() { # start_server BIN DB
  # One load generator on one address: lift the per-address connection cap
  # (256), which would otherwise shed the open-loop generator's connections.
  # A build older than the cap has no such setting and refuses the unknown
  # variable at once: it is started without it.
  local cap=(IDV__MAX_CONNECTIONS_PER_PEER=100000)
  [ "${NO_CAP_VAR[$1]:-}" ] && cap=()
  env "${cap[@]}" IDV__LOG=warn "$1" serve --listen "127.0.0.1:$PORT" --database "$2" > /dev/null 2>> "$TMP/serve.err" &
  SERVER=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/openapi.json" && return 0
    if ! kill -0 "$SERVER" 2>/dev/null && [ ${#cap[@]} -gt 0 ]; then
      NO_CAP_VAR[$1]=1
      sed -i '/IDV__MAX_CONNECTIONS_PER_PEER/d' "$TMP/serve.err"
      start_server "$1" "$2"
      return
    fi
    sleep 0.1
  done
  echo "flows-rate: nothing listens on port $PORT" >&2
  return 1
}

# prepare BIN DB TOKENS: OAuth clients of a new Pre-Fill project, and a token each.
prepare() {
  "$1" admin client create --database "$2" --solution prefill --name bench --count "$CLIENTS" --json > "$TMP/clients.jsonl"
  start_server "$1" "$2"
  sed 's/.*"client_id":"\([^"]*\)".*"client_secret":"\([^"]*\)".*/next\nurl = "http:\/\/127.0.0.1:'"$PORT"'\/token"\ndata = "grant_type=client_credentials\&client_id=\1\&client_secret=\2"\nwrite-out = "\\n"/' "$TMP/clients.jsonl" \
    | tail -n +2 | curl -s -K - | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' > "$3"
  stop_server
  [ "$(wc -l < "$3")" = "$CLIENTS" ] || { echo "flows-rate: could not fetch every token" >&2; exit 1; }
}

result() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
CLK_TCK=$(getconf CLK_TCK)
# utime + stime of process $1, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The same, summed over PostgreSQL's backends connected to database URL $1
# (0 for an SQLite URL).
db_ticks() {
  case $1 in postgres*) ;; *) echo 0; return ;; esac
  local t=0 p
  for p in $(psql -Atq -h 127.0.0.1 -U postgres -d "$PG_ADMIN_DB" -c "select pid from pg_stat_activity where datname = '${1##*/}'"); do
    t=$((t + $(cpu_ticks "$p")))
  done
  echo "$t"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== idv $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'); builds: $BINS"
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; closed loop: wrk $THREADS threads, $CONNECTIONS connections, ${SECONDS_PER}s; fixed rate: ${SECONDS_PER}s; $ROUNDS rounds, alternating"

# run_db NAME RATE DB_OF: every build on one backend; DB_OF LABEL N prints the
# database URL for build N.
run_db() {
  local name=$1 rate=$2 db_of=$3 n=0 label bin
  declare -A db tok closed open
  for spec in $BINS; do
    label=${spec%%=*} bin=${spec#*=}
    n=$((n + 1))
    db[$label]=$($db_of "$label" "$n")
    tok[$label]="$TMP/tokens.$name.$label"
    prepare "$bin" "${db[$label]}" "${tok[$label]}"
  done
  echo
  echo "-- $name: per round, closed loop flows/s (p99 ms) and at $rate flows/s offered p50 / p99 ms"
  for round in $(seq "$ROUNDS"); do
    for spec in $BINS; do
      label=${spec%%=*} bin=${spec#*=}
      start_server "$bin" "${db[$label]}"
      local c o s0 s1 d0 d1 cpu
      s0=$(cpu_ticks "$SERVER") d0=$(db_ticks "${db[$label]}")
      c=$(IDV_BENCH_MODE=flow IDV_BENCH_TOKENS=${tok[$label]} wrk -t "$THREADS" -c "$CONNECTIONS" -d "${SECONDS_PER}s" \
        -s bench/flow.lua "http://127.0.0.1:$PORT" | grep '^RESULT' | sed 's/^RESULT //')
      s1=$(cpu_ticks "$SERVER") d1=$(db_ticks "${db[$label]}")
      stop_server
      # CPU time per completed flow, µs: idv's, and PostgreSQL's backends'
      # serving this database (0 on SQLite, which runs inside idv).
      cpu=$(awk -v s=$((s1 - s0)) -v d=$((d1 - d0)) -v hz="$CLK_TCK" -v f="$(result "$c" flows)" -v t="$SECONDS_PER" \
        'BEGIN { n = f * t; if (n < 1) n = 1; printf "%.0f/%.0f", s / hz * 1e6 / n, d / hz * 1e6 / n }')
      start_server "$bin" "${db[$label]}"
      o=$("$FLOWRATE" "http://127.0.0.1:$PORT" "${tok[$label]}" "$rate" "$SECONDS_PER" | sed 's/^RESULT //')
      stop_server
      closed[$label]="${closed[$label]:-} $(result "$c" flows)/$(result "$c" p99)/$cpu"
      open[$label]="${open[$label]:-} $(result "$o" p50)/$(result "$o" p99)"
      printf '   round %s %-8s closed: %s flows/s, p50 %s p99 %s ms, CPU µs/flow idv %s db %s | fixed %s/s: %s flows/s, p50 %s p90 %s p99 %s max %s ms, %s errors, %s late starts\n' \
        "$round" "$label" "$(result "$c" flows)" "$(result "$c" p50)" "$(result "$c" p99)" "${cpu%/*}" "${cpu#*/}" \
        "$rate" "$(result "$o" flows)" "$(result "$o" p50)" "$(result "$o" p90)" "$(result "$o" p99)" \
        "$(result "$o" max)" "$(result "$o" errors)" "$(result "$o" late)"
    done
  done
  printf '   %-8s %12s %12s %12s %12s %12s %12s   (medians of %s rounds)\n' build "flows/s" "closed p99" "idv µs/flow" "db µs/flow" "fixed p50" "fixed p99" "$ROUNDS"
  for spec in $BINS; do
    label=${spec%%=*}
    printf '   %-8s %12s %12s %12s %12s %12s %12s\n' "$label" \
      "$(echo "${closed[$label]}" | tr ' ' '\n' | cut -d/ -f1 | median)" \
      "$(echo "${closed[$label]}" | tr ' ' '\n' | cut -d/ -f2 | median)" \
      "$(echo "${closed[$label]}" | tr ' ' '\n' | cut -d/ -f3 | median)" \
      "$(echo "${closed[$label]}" | tr ' ' '\n' | cut -d/ -f4 | median)" \
      "$(echo "${open[$label]}" | tr ' ' '\n' | cut -d/ -f1 | median)" \
      "$(echo "${open[$label]}" | tr ' ' '\n' | cut -d/ -f2 | median)"
  done
}

sqlite_db() { echo "sqlite://$TMP/$1.db"; }
pg_db() {
  local db="idv_rate_$$_$2"
  psql -q -h 127.0.0.1 -U postgres -d "$PG_ADMIN_DB" -c "create database $db" >/dev/null
  echo "$PG/$db"
}

if [ -n "$SQLITE" ]; then run_db SQLite "$RATE_SQLITE" sqlite_db; fi
if [ -n "$PG" ]; then run_db PostgreSQL "$RATE_PG" pg_db; fi

if [ -s "$TMP/serve.err" ]; then
  echo
  echo "-- idv serve logged (warn and above), first lines:"
  head -5 "$TMP/serve.err"
fi
