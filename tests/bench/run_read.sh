#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Storage Read API export benchmark (issue 23): a query over N synthetic nested persons rows
# exported to NDJSON from one quarry-sandbox, same run, four ways:
#   quarry-cli query -o --api read   (the job's result table through the Read API: Arrow, 4 streams)
#   quarry-cli query -o --api rest   (getQueryResults pages)
#   Google's Node clients            (node_read.mjs: getQueryResultsStream, and the Read API's TableReader)
# The query runs once first, so every export reads the cached result. quarry-cli's two files
# must be the same bytes. Prints rows/s and peak RSS of each, and ratios.
# Usage: tests/bench/run_read.sh [ROWS=1000000]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox_grpc
cli() { XDG_STATE_HOME="$work/state" "$build/app/quarry-cli" --endpoint "$url" --project bench "$@"; }
curl -sf -X POST -H "Content-Type: application/json" "$url/bigquery/v2/projects/bench/datasets" -d '{"datasetReference":{"datasetId":"b"}}' >/dev/null
cli upload "$work/persons.ndjson" b.persons --create --schema "$root/resources/samples/persons/schema.json" --no-progress > /dev/null 2>&1
sql='SELECT * FROM b.persons'
cli query --no-history --max-rows 1 "$sql" > /dev/null 2>&1 # the result is cached from here on
for api in read rest; do
  /usr/bin/time -f '%e %M' -o "$work/qtime.$api" bash -c "$(declare -f cli); work=$work build=$build url=$url; \
    cli query --no-history --job-creation required -o '$work/q.$api.ndjson' --api $api '$sql'" 2> "$work/q.$api.err" ||
    { cat "$work/q.$api.err"; exit 1; }
done
cmp -s "$work/q.read.ndjson" "$work/q.rest.ndjson" || { echo "the Read API's export differs from getQueryResults'"; exit 1; }
for mode in rest read; do
  /usr/bin/time -f '%e %M' -o "$work/ntime.$mode" node "$here/node_read.mjs" "$url" "$grpc" "$sql" "$work/n.$mode.ndjson" "$mode" > "$work/n.$mode.json"
done
python3 - "$work" "$rows" <<'PY'
import json, sys, os
w, rows = sys.argv[1], int(sys.argv[2])
rate = {}
for api in ("read", "rest"):
    secs, rss = open(os.path.join(w, "qtime." + api)).read().split()
    n = sum(1 for _ in open(os.path.join(w, "q.%s.ndjson" % api)))
    assert n == rows, (api, n)
    rate[api] = rows / float(secs)
    print(json.dumps({"impl": "quarry-cli query -o --api %s" % api, "rows": n, "seconds": float(secs),
                      "rows_per_s": round(rate[api]), "peak_rss_mb": round(int(rss) / 1024, 1)}))
for mode in ("rest", "read"):
    n = json.load(open(os.path.join(w, "n.%s.json" % mode)))
    secs, rss = open(os.path.join(w, "ntime." + mode)).read().split()
    assert n["rows"] == rows, (mode, n["rows"])
    rate["node_" + mode] = n["rows_per_s"]
    print(json.dumps({**n, "peak_rss_mb": round(int(rss) / 1024, 1)}))
print("the Read API's file and getQueryResults' are the same bytes")
print("ratio Read API / getQueryResults (quarry, rows per second): %.2fx" % (rate["read"] / rate["rest"]))
print("ratio quarry Read API / Node TableReader: %.2fx" % (rate["read"] / rate["node_read"]))
print("ratio quarry Read API / Node getQueryResultsStream: %.2fx" % (rate["read"] / rate["node_rest"]))
PY
