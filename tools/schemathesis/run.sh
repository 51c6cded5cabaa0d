#!/usr/bin/env bash
# Runs schemathesis over the OpenAPI document of a fresh `idv serve` three times:
# with a valid Bearer token, a wrong one and none. Exits non-zero when any check
# failed in any of the three runs. Needs python3 (3.11+) with venv and pip, and
# reaches PyPI only to install the pinned schemathesis (requirements.txt) into
# tools/schemathesis/.venv-st the first time.
#
#   tools/schemathesis/run.sh                 # build idv, then the three runs
#   ST_MAX_EXAMPLES=200 ST_MAX_TIME=600 tools/schemathesis/run.sh   # a longer campaign
#   ST_SEED=7 tools/schemathesis/run.sh       # another seed (default 1)
#
# Reports (JUnit XML and the schemathesis output of each run) go to
# tools/schemathesis/report/ (or $ST_REPORT_DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$here/.venv-st"
python="${PYTHON:-python3}"

# The virtual environment, rebuilt when requirements.txt changes.
stamp="$venv/.requirements.txt"
if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "== installing $(grep '^schemathesis==' "$here/requirements.txt") (pinned with its dependencies) into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

echo "== cargo build -p idv"
(cd "$root" && cargo build --quiet -p idv --bin idv)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

exec "$venv/bin/python" "$here/run.py" --idv "$target_dir/debug/idv" --config "$here/schemathesis.toml" \
  --schemathesis "$venv/bin/schemathesis" --report-dir "${ST_REPORT_DIR:-$here/report}"
