#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Upload benchmark: N synthetic nested persons rows (NDJSON) streamed into a fresh
# quarry-sandbox by `quarry-cli upload` (read, check, batch, insertIds, requests in flight) in
# its two modes -- strict (the default: every row checked before anything is sent, then the
# upload) and single-pass (--skip-invalid: rows checked as they are sent) -- and by Google's
# Node client (node_ingest.mjs: table.insert of the same rows, same batch size and
# concurrency), same run, same server. Both through insertAll (--api insertall: the sandbox
# also serves the Write API, which quarry-cli would take by default; run_write.sh measures it). Prints rows/s and peak RSS of each, and the ratios.
# Usage: tests/bench/run_upload.sh [ROWS=1000000] [BATCH=500] [CONC=4]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}; batch=${2:-500}; conc=${3:-4}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox
schema="$root/resources/samples/persons/schema.json"
curl -sf -X POST -H "Content-Type: application/json" "$url/bigquery/v2/projects/bench/datasets" -d '{"datasetReference":{"datasetId":"bench_cpp"}}' >/dev/null
for mode in strict single; do
  extra=(); [[ $mode == single ]] && extra=(--skip-invalid)
  XDG_STATE_HOME="$work/state" /usr/bin/time -f '%e %M' -o "$work/qtime.$mode" \
    "$build/app/quarry-cli" --endpoint "$url" --project bench --format ndjson upload "$work/persons.ndjson" \
    "bench_cpp.persons_$mode" --create --schema "$schema" --no-progress --batch-rows "$batch" --concurrency "$conc" --api insertall \
    "${extra[@]}" > "$work/q.$mode.json"
done
/usr/bin/time -f '%e %M' -o "$work/ntime" node "$here/node_ingest.mjs" "$url" "$work/persons.ndjson" "$schema" "$batch" "$conc" > "$work/n.json"
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]
n = json.load(open(os.path.join(w, "n.json")))
nt, nrss = open(os.path.join(w, "ntime")).read().split()
for mode in ("strict", "single"):
    q = json.load(open(os.path.join(w, "q.%s.json" % mode)))
    qt, qrss = open(os.path.join(w, "qtime." + mode)).read().split()
    qr = q["inserted"] / q["seconds"]
    print(json.dumps({"impl": "quarry-cli upload (%s)" % mode, "rows": q["inserted"], "seconds": round(q["seconds"], 3),
                      "rows_per_s": round(qr), "peak_rss_mb": round(int(qrss) / 1024, 1)}))
    globals()["rate_" + mode] = qr
print(json.dumps({"impl": n["impl"], "rows": n["stored"], "seconds": n["seconds"], "rows_per_s": n["rows_per_s"],
                  "peak_rss_mb": round(int(nrss) / 1024, 1), "failed_batches": n["failed_batches"]}))
for mode in ("strict", "single"):
    print("ratio %s (quarry / node rows per second): %.2fx" % (mode, globals()["rate_" + mode] / n["rows_per_s"]))
PY
