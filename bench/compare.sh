#!/usr/bin/env bash
# The whole performance comparison of issue 8, unattended: several commits of
# idv built in release mode and measured side by side in the same run, so the
# machine's drift falls on every build alike.
#
#   bench/compare.sh                        # base=2e6bb10 main=f9f6d31 this=HEAD
#   REFS="main=f9f6d31 this=HEAD" bench/compare.sh
#   ROUNDS=5 SECONDS_PER=10 bench/compare.sh
#   PARTS=flows bench/compare.sh            # only some of: flows,errors
#   PG= bench/compare.sh                    # skip PostgreSQL
#
# 1. Builds each ref of REFS (label=commit) once, in a git worktree and target
#    directory of its own under WORK (default /tmp/idv-compare; kept, so a
#    second run builds nothing). `this` is the checkout itself, built into
#    CARGO_TARGET_DIR (default target/).
# 2. Complete Pre-Fill flows (bench/flows-rate.sh): every build on SQLite, then
#    on PostgreSQL, ROUNDS alternating rounds of a closed loop (wrk,
#    bench/flow.lua, flows/s) and a fixed offered rate (half the targets:
#    RATE_SQLITE=1000, RATE_PG=750 flows/s; p50 / p99 per request).
# 3. Error paths of this checkout against the bare axum app (bench/run.sh
#    PARTS=errors), ERROR_ROUNDS alternating rounds of ERROR_DURATION.
#
# Then prints one table. With the defaults (3 builds, 3 rounds of 10 s, both
# backends, 3 error rounds of 5 s) the measuring takes about 10 minutes; the
# first build of each ref comes on top of that. The load generators run on the
# same cores as the server: on a 2-core machine they take a large share of it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

REFS=${REFS:-base=2e6bb10 main=f9f6d31 this=HEAD}
WORK=${WORK:-/tmp/idv-compare}
PARTS=${PARTS:-flows,errors}
export ROUNDS=${ROUNDS:-3}
export SECONDS_PER=${SECONDS_PER:-10}
ERROR_ROUNDS=${ERROR_ROUNDS:-3}
ERROR_DURATION=${ERROR_DURATION:-5s}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

load() { cut -d' ' -f1-3 /proc/loadavg; }
START_LOAD=$(load)
echo "== bench/compare.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $START_LOAD"

# The binary of one ref, built if needed.
bin_of() { # bin_of LABEL REF
  local label=$1 ref=$2 sha dir
  if [ "$label" = this ]; then
    cargo build --release -q -p idv >&2
    echo "$TARGET/release/idv"
    return
  fi
  sha=$(git rev-parse --short=12 "$ref^{commit}")
  dir="$WORK/src-$sha"
  if [ ! -x "$WORK/idv-$sha" ]; then
    [ -d "$dir" ] || git worktree add -f --detach "$dir" "$sha" >&2
    echo "== building $label ($sha) in $dir" >&2
    (cd "$dir" && CARGO_TARGET_DIR="$WORK/target-$sha" cargo build --release -q -p idv >&2)
    cp "$WORK/target-$sha/release/idv" "$WORK/idv-$sha"
  fi
  echo "$WORK/idv-$sha"
}

BINS=""
DESC=""
for spec in $REFS; do
  label=${spec%%=*} ref=${spec#*=}
  BINS="$BINS $label=$(bin_of "$label" "$ref")"
  DESC="$DESC $label=$(git rev-parse --short "$ref^{commit}")"
done
export BINS
# The open-loop generator is built from this checkout for every build alike.
cargo build --release -q -p idv-server --example flowrate
export FLOWRATE="$TARGET/release/examples/flowrate"
echo "== builds:$DESC"

OUT="$WORK/last-run.txt"
: > "$OUT"
if [[ $PARTS == *flows* ]]; then
  bench/flows-rate.sh | tee -a "$OUT"
fi
FLOWS_LOAD=$(load)
if [[ $PARTS == *errors* ]]; then
  PARTS=errors ROUNDS=$ERROR_ROUNDS DURATION=$ERROR_DURATION bench/run.sh | tee -a "$OUT"
fi

echo
echo "== summary ($(date -u '+%H:%M UTC'); load average $START_LOAD at start, $FLOWS_LOAD after the flows, $(load) at the end)"
echo "   builds:$DESC"
if [[ $PARTS == *flows* ]]; then
  # flows-rate.sh ends each backend with a table of medians; print both.
  awk '/^-- (SQLite|PostgreSQL):/ { db = $2; sub(":", "", db) }
       /^   build / { print "   " db; print; show = 1; next }
       show && /^   [^ r]/ { print; next }
       { show = 0 }' "$OUT"
  echo "   targets: closed loop >= 2000 flows/s (SQLite), >= 1500 (PostgreSQL); fixed-rate p99 < 10 ms"
fi
if [[ $PARTS == *errors* ]]; then
  grep -E '^ *(path|401|8001|429)' "$OUT" | tail -n 5 || true
  echo "   target: error-path ratio >= 0.9"
fi
