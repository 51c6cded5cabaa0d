#!/usr/bin/env bash
# Peak memory of ten concurrent 10 MB document images through idv's image
# functions (crates/server/examples/images_rss.rs): decode the base64, check the
# image (size first, header dimensions through the image crate's limits, the
# PNG's rows one at a time), encrypt it (AES-256-GCM, in place) and store it in
# a local object store. The upload endpoint adds its request body on top; the
# `inputs` row is those bodies alone.
#
# Rows, each a fresh process, alternating over ROUNDS (the shared machine's
# speed drifts, so only figures of the same run compare):
#   inputs    the ten base64 texts read, nothing else (what the bodies cost)
#   baseline  decode + encrypt + store, no validation
#   full      decode + validate + encrypt + store (what an upload does)
# The issue's target: the server's peak RSS under 300 MB for ten concurrent
# 10 MB uploads.
#
#   bench/images-rss.sh               # 3 rounds
#   ROUNDS=5 bench/images-rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p idv-server --example images_rss
bin="$TARGET/release/examples/images_rss"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" gen "$dir"
echo "ten inputs: $(du -sh "$dir" | cut -f1) of base64 ($(nproc) cores; machine shared, timings noisy)"
for round in $(seq 1 "$ROUNDS"); do
  for mode in inputs baseline full; do
    timeout 300 "$bin" "$mode" "$dir" | sed "s/^/round $round  /"
  done
done
