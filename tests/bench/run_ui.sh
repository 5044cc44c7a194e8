#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Desktop benchmarks, offscreen (after scripts/build.sh):
#  1. start-up: from exec to the first paint of the window (wall clock), Quarry's main
#     window (fresh home folder: welcome tab, the sandbox child process) vs a bare QMainWindow; median
#     of RUNS runs each, plus Quarry's time to ready (sandbox up, tabs restored).
#  2. the nested grid model over ROWS x 10 columns: heap growth and ns per data() call, vs a
#     QStandardItemModel holding the same cells as display text (what generic tools do).
# Usage: tests/bench/run_ui.sh [ROWS] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-1000000}
runs=${2:-7}
bench=${QUARRY_BUILD_DIR:-$root/build}/tests/bench/bench_ui
export QT_QPA_PLATFORM=offscreen
# The window starts the sandbox this build made as its child process.
export QUARRY_SANDBOX_BIN=${QUARRY_SANDBOX_BIN:-${QUARRY_BUILD_DIR:-$root/build}/app/quarry-sandbox}
python3 - "$bench" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time
bench, runs = sys.argv[1], int(sys.argv[2])
def once(mode):
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, XDG_DATA_HOME=home + "/data", XDG_CONFIG_HOME=home + "/config")
        # exec -> first paint: the wall clock before exec against the one the first paint
        # read (loading libraries, static init, main(), the window, its first paint).
        t0 = time.time_ns()
        out = subprocess.run([bench, "startup", mode], env=env, capture_output=True, text=True, check=True).stdout
        j = json.loads(out)
        wall = (j["paint_epoch_ns"] - t0) / 1e6
        first = j["first_paint_ms"]
        ready = -1
        if mode == "quarry":
            out = subprocess.run([bench, "startup", mode, "--ready"], env=env, capture_output=True, text=True, check=True).stdout
            ready = json.loads(out)["ready_ms"]
        return first, ready, wall
res = {}
for mode in ("bare", "quarry"):
    samples = [once(mode) for _ in range(runs)]
    res[mode] = [statistics.median(s[i] for s in samples) for i in range(3)]
    print(json.dumps({"mode": mode, "first_paint_ms_in_process": round(res[mode][0], 1),
                      "ready_ms": round(res[mode][1], 1), "exec_to_first_paint_ms": round(res[mode][2], 1)}))
print("first paint ratio (quarry / bare): main() to paint %.1fx, exec to paint %.1fx" % (res["quarry"][0] / res["bare"][0], res["quarry"][2] / res["bare"][2]))
PY
q=$("$bench" model "$rows" 2>/dev/null)
p=$("$bench" model "$rows" --peer 2>/dev/null)
echo "$q"
echo "$p"
python3 - "$q" "$p" <<'PY'
import json, sys
q, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("memory ratio (peer / quarry): %.1fx; data() ratio (peer / quarry): %.1fx" % (p["heap_mb"] / q["heap_mb"], p["data_ns"] / q["data_ns"]))
PY
