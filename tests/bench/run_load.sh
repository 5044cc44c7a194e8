#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load benchmark: a ~1 GB NDJSON file of synthetic persons rows (3.4M rows by default) loaded
# into a fresh quarry-sandbox with a load job through the resumable upload protocol, by
# quarry-cli load (killed twice mid-upload with SIGKILL, then run again to the end) and by the
# bq CLI's own `bq load`, in the same run. Prints each one's wall time (from the first start to
# the loaded job), MB/s, peak RSS, and the rows each table ends with (must be the file's, each
# fullName once). Usage: tests/bench/run_load.sh [ROWS=3400000]
source "$(dirname "$0")/common.sh"
rows=${1:-3400000}
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox
exec python3 "$here/load_bench.py" "$build/app/quarry-cli" "$url" "$work" "$root/resources/samples/persons/schema.json" "$rows"
