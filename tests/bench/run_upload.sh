#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Upload benchmark: N synthetic nested persons rows (NDJSON) streamed into a fresh
# quarry-sandbox by `quarry-cli upload` (read, check, batch, insertIds, requests in flight) and
# by Google's Node client (node_ingest.mjs: table.insert of the same rows, same batch size and
# concurrency), same run, same server. Prints rows/s and peak RSS of each, and the ratio.
# Usage: tests/bench/run_upload.sh [ROWS=1000000] [BATCH=500] [CONC=4]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${QUARRY_BUILD_DIR:-$root/build}
rows=${1:-1000000}; batch=${2:-500}; conc=${3:-4}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
"$build/app/quarry-sandbox" --port 0 --data "$work/data" > "$work/out" 2>/dev/null &
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")
schema="$root/resources/samples/persons/schema.json"
curl -sf -X POST "$url/bigquery/v2/projects/bench/datasets" -d '{"datasetReference":{"datasetId":"bench_cpp"}}' >/dev/null
XDG_STATE_HOME="$work/state" /usr/bin/time -f '%e %M' -o "$work/qtime" \
  "$build/app/quarry-cli" --endpoint "$url" --project bench --format ndjson upload "$work/persons.ndjson" \
  bench_cpp.persons --create --schema "$schema" --no-progress --batch-rows "$batch" --concurrency "$conc" > "$work/q.json"
/usr/bin/time -f '%e %M' -o "$work/ntime" node "$here/node_ingest.mjs" "$url" "$work/persons.ndjson" "$schema" "$batch" "$conc" > "$work/n.json"
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]
q = json.load(open(os.path.join(w, "q.json"))); n = json.load(open(os.path.join(w, "n.json")))
qt, qrss = open(os.path.join(w, "qtime")).read().split(); nt, nrss = open(os.path.join(w, "ntime")).read().split()
qr = q["inserted"] / q["seconds"]
print(json.dumps({"impl": "quarry-cli upload", "rows": q["inserted"], "seconds": round(q["seconds"], 3), "rows_per_s": round(qr), "peak_rss_mb": round(int(qrss) / 1024, 1)}))
print(json.dumps({"impl": n["impl"], "rows": n["stored"], "seconds": n["seconds"], "rows_per_s": n["rows_per_s"], "peak_rss_mb": round(int(nrss) / 1024, 1), "failed_batches": n["failed_batches"]}))
print("ratio (quarry / node rows per second): %.2fx" % (qr / n["rows_per_s"]))
PY
