#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Is the GUI thread ever blocked? A 10 ms timer ticks on the GUI thread of the real main
# window (its sandbox a child process, offscreen) while it sits idle (the baseline, measured in the same
# run), runs a slow job (job:delay 2 s), uploads a ROWS-row nested NDJSON file, queries it and
# exports every row. Reports the worst tick gap and the 99th percentile per phase over RUNS
# runs. Usage: tests/bench/run_responsive.sh [ROWS] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-100000}
runs=${2:-3}
bench=${QUARRY_BUILD_DIR:-$root/build}/tests/bench/bench_ui
export QT_QPA_PLATFORM=offscreen
# The window starts the sandbox this build made as its child process.
export QUARRY_SANDBOX_BIN=${QUARRY_SANDBOX_BIN:-${QUARRY_BUILD_DIR:-$root/build}/app/quarry-sandbox}
for _ in $(seq "$runs"); do "$bench" responsive "$rows" 2>/dev/null; done | python3 -c '
import json, sys
worst = {}
for line in sys.stdin:
    j = json.loads(line)
    if "app_peak_rss_mb" in j:
        print("peak RSS: the app %d MB, its sandbox child %d MB" % (j["app_peak_rss_mb"], j["sandbox_peak_rss_mb"]))
    if "phase" not in j: continue
    w = worst.setdefault(j["phase"], [0, 0])
    w[0] = max(w[0], j["max_gap_ms"]); w[1] = max(w[1], j["p99_gap_ms"])
base = worst.get("idle (baseline)", [1, 1])
for phase, (mx, p99) in worst.items():
    print("%-28s worst gap %6.1f ms (%.1fx idle)   p99 %5.1f ms" % (phase, mx, mx / base[0], p99))
'
