#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ingest benchmark: N synthetic persons rows streamed into a fresh quarry-sandbox by Quarry's
# C++ client (bench_ingest) and by Google's Node client (node_ingest.mjs), same batch size and
# requests in flight, same run. Usage: tests/bench/run_ingest.sh [ROWS=100000] [BATCH=500] [CONC=4]
source "$(dirname "$0")/common.sh"
rows=${1:-100000}; batch=${2:-500}; conc=${3:-4}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox
schema="$root/resources/samples/persons/schema.json"
q=$("$build/tests/bench/bench_ingest" "$url" "$work/persons.ndjson" "$schema" "$batch" "$conc")
n=$(node "$here/node_ingest.mjs" "$url" "$work/persons.ndjson" "$schema" "$batch" "$conc")
echo "$q"; echo "$n"
python3 -c 'import json,sys; q,n=map(json.loads,sys.argv[1:]); print("ratio (quarry / node rows per second): %.2fx" % (q["rows_per_s"]/n["rows_per_s"]))' "$q" "$n"
