#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Restart benchmark (issue 20): N synthetic persons rows streamed into a fresh quarry-sandbox
# (insertAll), then the sandbox stopped and started again on its data folder. Measured for
# the log-only format (--checkpoint-mb 0: every row in JSON logs, as before checkpoints) and
# for checkpointed row groups (the default, after the idle checkpoint has run): the data
# folder's size, the seconds from starting the process to its "listening" line, the resident
# memory once it listens, the rows it then counts, and the ingest rate (insertAll, 500-row
# batches, 4 in flight) with checkpoints running meanwhile or not. Peer: DuckDB (npm @duckdb/node-api) with
# the same rows in a database file, opened in a fresh process and counted.
# Usage: tests/bench/run_restart.sh [ROWS=1000000]   (LOG_ONLY=0 skips the log-only format,
# whose first query at 10M rows takes minutes; RUNS=N restarts each N times, default 3;
# PERSONS=FILE reads that NDJSON of generate_persons.py instead of generating ROWS rows)
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
persons=${PERSONS:-$work/persons.ndjson}
[[ -n "${PERSONS:-}" ]] || python3 "$root/resources/samples/generate_persons.py" "$rows" > "$persons"
ndjson_mb=$(du -m --apparent-size "$persons" | cut -f1)

count_rows() {
  curl -s -X POST "$1/bigquery/v2/projects/bench/queries" -H 'Content-Type: application/json' \
    -d '{"query":"SELECT COUNT(*) FROM bench_cpp.persons","useLegacySql":false,"useQueryCache":false,"timeoutMs":600000}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["f"][0]["v"])'
}

# measure NAME ARGS: ingest into a fresh folder, wait for the log to be folded (unless
# checkpoints are off), stop, restart three times; prints a result line.
measure() {
  local name=$1 args=$2 data="$work/data-$1"
  "$build/app/quarry-sandbox" --port 0 --data "$data" $args > "$work/out" 2>/dev/null &
  local pid=$!
  for _ in $(seq 200); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.05; done
  local url; url=$(sed -n 's/^listening on //p' "$work/out")
  local ingest; ingest=$("$build/tests/bench/bench_ingest" "$url" "$persons" "$root/resources/samples/persons/schema.json" 500 4)
  local rate; rate=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rows_per_s"])' "$ingest")
  if [[ "$args" != *"--checkpoint-mb 0"* ]]; then
    # The idle checkpoint (5 s without writes) folds the log: wait until no log holds rows
    # (up to 30 minutes; a folder measured half folded would say nothing true).
    local folded=0
    for _ in $(seq 3600); do
      if ! find "$data" -name 'rows*.qrl' -size +0 | grep -q .; then folded=1; break; fi
      sleep 0.5
    done
    if [[ $folded != 1 ]]; then echo "the checkpoint did not fold the log within 30 minutes" >&2; exit 1; fi
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  local size_mb; size_mb=$(du -sm --apparent-size "$data" | cut -f1)
  local best="" best_first=""
  for _ in $(seq "${RUNS:-3}"); do
    local t0; t0=$(date +%s.%N)
    "$build/app/quarry-sandbox" --port 0 --data "$data" $args > "$work/out" 2>/dev/null &
    pid=$!
    until grep -q listening "$work/out" 2>/dev/null; do sleep 0.005; done
    local t1; t1=$(date +%s.%N)
    local rss; rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
    url=$(sed -n 's/^listening on //p' "$work/out")
    local n; n=$(count_rows "$url")
    local t2; t2=$(date +%s.%N)
    local rss2; rss2=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    local s; s=$(echo "$t1 - $t0" | bc)
    local first; first=$(echo "$t2 - $t0" | bc)
    if [[ -z "$best" ]] || (( $(echo "$s < $best" | bc) )); then best=$s; fi
    if [[ -z "$best_first" ]] || (( $(echo "$first < $best_first" | bc) )); then best_first=$first; fi
    echo "  $name: listening after ${s}s (RSS ${rss} MB), the first COUNT(*) answered after ${first}s (RSS ${rss2} MB): ${n} rows" >&2
    [[ "$n" == "$rows" ]] || { echo "expected $rows rows, counted $n" >&2; exit 1; }
  done
  echo "$name | ingest ${rate} rows/s | folder ${size_mb} MB ($(echo "scale=2; $size_mb / $ndjson_mb" | bc)x the NDJSON) | listening after ${best} s, RSS ${rss} MB | start + COUNT(*) ${best_first} s, RSS then ${rss2} MB (best of ${RUNS:-3})"
}

echo "persons rows: $rows, NDJSON ${ndjson_mb} MB"
if [[ "${LOG_ONLY:-1}" != 0 ]]; then measure log-only "--checkpoint-mb 0"; fi
measure row-groups ""
node "$here/duck_restart.mjs" load "$work/duck.db" "$persons"
duck_mb=$(du -m --apparent-size "$work/duck.db" | cut -f1)
for _ in $(seq "${RUNS:-3}"); do node "$here/duck_restart.mjs" open "$work/duck.db"; done | tee "$work/duck.out" >&2
python3 - "$work/duck.out" "$duck_mb" "$ndjson_mb" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
best = min(runs, key=lambda r: r["seconds"])
print("duckdb | file %s MB (%.2fx the NDJSON) | open + count %.3f s (best of %s) | RSS then %d MB (node alone %d MB)"
      % (sys.argv[2], int(sys.argv[2]) / int(sys.argv[3]), best["seconds"], len(runs), best["rss_mb"], best["node_rss_mb"]))
PY
