#!/usr/bin/env bash
# Peak memory of the real server (`idv serve`, release build, SQLite, images in
# the local object store) while ten 10 MB document images are uploaded at once
# through `POST /api/v1/identity/documents`. The issue's target: peak RSS under
# 300 MB.
#
# Rows, each a fresh server on a fresh data directory, alternating over ROUNDS
# (the shared machine's speed drifts, so only figures of one run compare):
#   idle      the server after start-up and ten small creates (no big body)
#   bodies    baseline: ten concurrent bodies of the same size (a comment whose
#             body is the same base64 text) read, parsed and refused with a 422
#             (what a 13 MB request costs before any image work)
#   uploads   ten concurrent uploads of the 10 MB PNGs (decode, check, encrypt,
#             store, record), each answered 201
# Each row: the server's VmHWM (peak RSS) after the ten answers, its VmRSS then,
# the answers' statuses, and the wall time of the ten.
#
#   bench/documents-rss.sh             # 2 rounds
#   ROUNDS=3 bench/documents-rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p idv --bin idv
cargo build -q -p idv-server --example images_rss
idv="$TARGET/release/idv"
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$TARGET/debug/examples/images_rss" gen "$work/img"
echo "ten PNGs of noise, $(du -sh "$work/img" | cut -f1) of base64 ($(nproc) cores; machine shared, timings noisy)"

kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$pid/status"; }

run() {
  local mode=$1 round=$2
  local data="$work/data-$mode-$round"
  mkdir -p "$data"
  local db="sqlite://$data/idv.db"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local token
  token=$("$idv" admin workspace create --database "$db" --name bench --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  IDV__LOG=warn "$idv" serve --database "$db" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
  pid=$!
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$base/api/v1/verifications" -H "Authorization: Bearer $token" && break
    sleep 0.1
  done
  local ids=()
  for i in $(seq 0 9); do
    ids+=("$(curl -s -X POST "$base/api/v1/identity/verifications" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d '{"expected_data": {"person": {"first_name": "Ida", "last_name": "Entity"}, "documents": {"photo_id": {"type": "Passport", "country": "GBR"}}}}' \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])')")
  done
  for i in $(seq 0 9); do
    python3 - "$mode" "${ids[$i]}" "$work/img/image-$i.b64" "$data/body-$i.json" <<'EOF'
import json, sys
mode, ver, image, out = sys.argv[1:]
text = open(image).read()
if mode == "uploads":
    body = {"verification": ver, "document": {"context_type": "PHOTO_ID", "type": "Passport", "image": text}}
else:
    body = {"body": text}
open(out, "w").write(json.dumps(body))
EOF
  done
  sleep 1.2 # a fresh second of the workspace's 25 requests
  local started codes
  started=$(date +%s.%N)
  if [ "$mode" != idle ]; then
    local curls=()
    for i in $(seq 0 9); do
      if [ "$mode" = uploads ]; then
        path="/api/v1/identity/documents"
      else
        path="/api/v1/identity/verifications/${ids[$i]}/comments"
      fi
      curl -s -o /dev/null -w '%{http_code}\n' -X POST "$base$path" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' --data-binary "@$data/body-$i.json" >"$data/code-$i" &
      curls+=($!)
    done
    wait "${curls[@]}" || true
    codes=$(cat "$data"/code-* | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')
  else
    codes="-"
  fi
  local secs
  secs=$(echo "$(date +%s.%N) - $started" | bc)
  printf 'round %s  %-8s peak %4d MB  rss %4d MB  answers %s  %.2fs\n' "$round" "$mode" \
    $(( $(kb VmHWM) / 1024 )) $(( $(kb VmRSS) / 1024 )) "$codes" "$secs"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  rm -rf "$data"
}

for round in $(seq 1 "$ROUNDS"); do
  for mode in idle bodies uploads; do
    run "$mode" "$round"
  done
done
