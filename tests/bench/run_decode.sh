#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Decode benchmark: a 100k-row nested getQueryResults page decoded by Quarry (bench_decode)
# and by Google's Node client (@google-cloud/bigquery) in the same run; prints both and the ratio.
# Usage: tests/bench/run_decode.sh [ROWS] (after scripts/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-100000}
build=${QUARRY_BUILD_DIR:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$here/gen_page.py" "$work/page.json" "$rows" --int64-ts
q=$("$build/tests/bench/bench_decode" "$work/page.json" 7)
n=$(node "$here/node_decode.mjs" "$work/page.json" 7)
echo "$q"
echo "$n"
python3 - "$q" "$n" <<'PY'
import json, sys
q, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("ratio (quarry / node rows per second): %.1fx" % (q["rows_per_s"] / n["rows_per_s"]))
PY
