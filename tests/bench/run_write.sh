#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Storage Write API upload benchmark (issue 23): N synthetic nested persons rows (NDJSON) into
# one fresh quarry-sandbox, same run, three ways:
#   quarry-cli upload --api write      (protobuf rows on one gRPC connection, offsets journaled)
#   quarry-cli upload --api insertall  (insertAll, 500-row requests, 4 in flight)
#   Google's Node Write API client     (node_write.mjs: JSONWriter, same batch and appends in flight)
# Each table is then counted (every row once). Prints rows/s and peak RSS of each, and ratios.
# Usage: tests/bench/run_write.sh [ROWS=1000000]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox_grpc
schema="$root/resources/samples/persons/schema.json"
curl -sf -X POST -H "Content-Type: application/json" "$url/bigquery/v2/projects/bench/datasets" -d '{"datasetReference":{"datasetId":"bench_cpp"}}' >/dev/null
for api in write insertall; do
  XDG_STATE_HOME="$work/state" /usr/bin/time -f '%e %M' -o "$work/qtime.$api" \
    "$build/app/quarry-cli" --endpoint "$url" --project bench --format ndjson upload "$work/persons.ndjson" \
    "bench_cpp.persons_$api" --create --schema "$schema" --no-progress --api "$api" > "$work/q.$api.json" 2> "$work/q.$api.err"
done
/usr/bin/time -f '%e %M' -o "$work/ntime" node "$here/node_write.mjs" "$url" "$grpc" "$work/persons.ndjson" "$schema" 50000 8 > "$work/n.json"
count() {
  curl -sf -X POST -H "Content-Type: application/json" "$url/bigquery/v2/projects/bench/queries" \
    -d "{\"query\":\"SELECT COUNT(*) AS n, COUNT(DISTINCT fullName) AS d FROM $1\",\"useLegacySql\":false}" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["rows"][0]["f"]; print(r[0]["v"], r[1]["v"])'
}
for t in bench_cpp.persons_write bench_cpp.persons_insertall bench_node_write.persons; do
  read -r n d < <(count "$t")
  [[ "$n" == "$rows" && "$d" == "$rows" ]] || { echo "$t holds $n rows ($d distinct), not $rows"; exit 1; }
done
python3 - "$work" "$rows" <<'PY'
import json, sys, os
w, rows = sys.argv[1], int(sys.argv[2])
rate = {}
for api in ("write", "insertall"):
    q = json.load(open(os.path.join(w, "q.%s.json" % api)))
    qt, qrss = open(os.path.join(w, "qtime." + api)).read().split()
    rate[api] = q["inserted"] / q["seconds"]
    print(json.dumps({"impl": "quarry-cli upload --api %s" % api, "rows": q["inserted"], "seconds": round(q["seconds"], 3),
                      "rows_per_s": round(rate[api]), "peak_rss_mb": round(int(qrss) / 1024, 1)}))
n = json.load(open(os.path.join(w, "n.json")))
nt, nrss = open(os.path.join(w, "ntime")).read().split()
print(json.dumps({"impl": n["impl"], "rows": n["stored"], "seconds": n["seconds"], "rows_per_s": n["rows_per_s"],
                  "peak_rss_mb": round(int(nrss) / 1024, 1), "failed_batches": n["failed_batches"]}))
print("every table holds the %d rows once" % rows)
print("ratio Write API / insertAll (quarry, rows per second): %.2fx" % (rate["write"] / rate["insertall"]))
print("ratio quarry Write API / Node Write API client: %.2fx" % (rate["write"] / n["rows_per_s"]))
PY
