#!/usr/bin/env bash
# Runs every fuzz target of idv for a bounded time: `fuzz/run.sh [SECONDS]`
# (default 60 s per target). Installs cargo-fuzz if it is missing. Exits non-zero
# when a target crashes (panic, failed assertion, timeout, out of memory); the
# input is then in fuzz/artifacts/<target>/ and the command to replay it is printed.
#
# Environment:
#   FUZZ_TARGETS    space-separated targets to run (default: all, `cargo fuzz list`)
#   FUZZ_SANITIZER  none (default) or address; see fuzz/README.md
#   FUZZ_RUNS       stop each target after this many executions instead of SECONDS
#                   (or after SECONDS too, when SECONDS is given: whichever comes first)
#   FUZZ_SEED       libFuzzer's random seed (CI sets 1, so a run is reproducible)
#
# cargo-fuzz needs nightly compiler flags; only the stable toolchain is assumed, so
# RUSTC_BOOTSTRAP=1 lets stable rustc accept them (for this build only).
set -euo pipefail

secs="${1:-60}"
given_secs="${1:-}"
case "$secs" in
  '' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
sanitizer="${FUZZ_SANITIZER:-none}"
flags=(--debug-assertions --sanitizer "$sanitizer")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
echo "fuzz: building ($sanitizer sanitizer, debug assertions on)"
cargo fuzz build "${flags[@]}"

limit=(-max_total_time="$secs")
if [ -n "${FUZZ_RUNS:-}" ]; then
  limit=(-runs="$FUZZ_RUNS")
  if [ -n "$given_secs" ]; then
    limit+=(-max_total_time="$secs")
  fi
fi
if [ -n "${FUZZ_SEED:-}" ]; then
  limit+=(-seed="$FUZZ_SEED")
fi

failed=()
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t (${FUZZ_RUNS:-${secs} s})"
  start=$(date +%s)
  # corpus/<t> collects what the run finds (kept between runs, not committed);
  # seeds/<t> is the committed seed corpus (python3 fuzz/make_seeds.py).
  if cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
      "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
    echo "fuzz: $t ok in $(( $(date +%s) - start )) s"
  else
    failed+=("$t")
    echo "fuzz: $t FAILED; replay with: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run ${flags[*]} $t artifacts/$t/<file>)"
    ls -1 "artifacts/$t" 2>/dev/null | sed 's/^/fuzz:   artifacts\/'"$t"'\//' || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]}"
  exit 1
fi
echo "fuzz: every target ran clean"
