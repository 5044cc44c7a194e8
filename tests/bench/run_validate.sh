#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Validating a folder of views: `quarry-cli validate` over a generated dbt-like graph
# (gen_views.py: base tables and VIEWS views in 8 layers), against a fresh sandbox, and Google's
# Node client doing the same dry runs and creations in the order the generator knows
# (node_validate.mjs) against another fresh sandbox, same run. Peak RSS of each client.
# Usage: tests/bench/run_validate.sh [VIEWS=5000]
source "$(dirname "$0")/common.sh"
views=${1:-5000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$here/gen_views.py" "$work/views" "$views" 8 50
files=$(find "$work/views" -name '*.sql' | wc -l)

start_sandbox
"$build/app/quarry-cli" --endpoint "$url" --project p mk -d vg > /dev/null
/usr/bin/time -f '%M' -o "$work/q.rss" "$build/app/quarry-cli" --endpoint "$url" --project p validate "$work/views" \
  > "$work/q.out" 2> "$work/q.err" || { cat "$work/q.err"; grep -v '^ok' "$work/q.out" | head; exit 1; }
q_secs=$(sed -n 's/.* rounds, \([0-9.]*\) s:.*/\1/p' "$work/q.err")
kill %1 2>/dev/null || true; wait 2>/dev/null || true
rm -rf "$work/data"; : > "$work/out"
start_sandbox
"$build/app/quarry-cli" --endpoint "$url" --project p mk -d vg > /dev/null
n=$(/usr/bin/time -f '%M' -o "$work/n.rss" node "$here/node_validate.mjs" "$url" "$work/views" 8)
python3 - "$files" "$q_secs" "$(cat "$work/q.rss")" "$n" "$(cat "$work/n.rss")" <<'PY'
import json, sys
files, q, qrss, n, nrss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5])
print(f"files: {files}")
print(f"quarry-cli validate: {q:.1f} s, {files / q:,.0f} files/s, peak RSS {qrss // 1024} MB (finds the order itself)")
print(f"node @google-cloud/bigquery: {n['seconds']:.1f} s, {files / n['seconds']:,.0f} files/s, peak RSS {nrss // 1024} MB (order given)")
print(f"ratio (node time / quarry time): {n['seconds'] / q:.2f}x")
PY
