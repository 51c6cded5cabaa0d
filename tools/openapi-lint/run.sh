#!/usr/bin/env bash
# Lints idv's OpenAPI document with Redocly's recommended rules and fails on any
# error or warning. Installs the pinned linter (package-lock.json) first when it
# is missing; needs node 20.19+ and npm, and reaches the npm registry only then.
#
#   tools/openapi-lint/run.sh              # lint the document the server serves,
#                                          # through the test that also checks it
#   tools/openapi-lint/run.sh FILE.json    # lint a document saved to a file
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -x "$here/node_modules/.bin/redocly" ]; then
  npm ci --prefix "$here" --no-audit --no-fund
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
if [ $# -eq 0 ]; then
  cd "$root"
  IDV_TEST_OPENAPI_LINT=1 exec cargo test -p idv-server --test it -- openapi_document_passes_the_redocly_lint
fi
# redocly exits 1 on errors; the verdict below counts warnings too.
report=$("$here/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --format json "$1") || true
node -e '
  const r = JSON.parse(process.argv[1]);
  for (const p of r.problems) console.error(`${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map(l => l.pointer).join(", ")}`);
  console.error(`openapi lint: ${r.totals.errors} errors, ${r.totals.warnings} warnings`);
  process.exit(r.totals.errors + r.totals.warnings === 0 ? 0 : 1);
' "$report"
