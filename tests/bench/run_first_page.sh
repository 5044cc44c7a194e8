#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# First-page benchmark: a finished query over 20,000 nested persons rows, then the time to the
# first page (1,000 rows) decoded, by Quarry's ResultPager and by the Node client, same run.
# Usage: tests/bench/run_first_page.sh [PAGE_ROWS=1000]
source "$(dirname "$0")/common.sh"
page=${1:-1000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
python3 "$root/resources/samples/generate_persons.py" 20000 > "$work/persons.ndjson"
start_sandbox
"$build/tests/bench/bench_ingest" "$url" "$work/persons.ndjson" "$root/resources/samples/persons/schema.json" 500 4 >/dev/null
sql='SELECT * FROM bench_cpp.persons'
q=$("$build/tests/bench/bench_first_page" "$url" bench "$sql" "$page" 20)
n=$(node "$here/node_first_page.mjs" "$url" bench "$sql" "$page" 20)
echo "$q"; echo "$n"
python3 -c 'import json,sys; q,n=map(json.loads,sys.argv[1:]); print("ratio (node / quarry median time): %.1fx" % (n["median_ms"]/q["median_ms"]))' "$q" "$n"
