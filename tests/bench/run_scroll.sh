#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The app's memory while the nested grid of a ROWS-row result (INT64, STRING, FLOAT64, TIMESTAMP) is
# scrolled from the first row to the last and back (the real main window on its sandbox,
# offscreen): with the result's memory budget (pages read longest ago are dropped and read
# again when scrolled back to) and, as the peer in the same run, without it (every page kept).
# Usage: tests/bench/run_scroll.sh [ROWS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-5000000}
build=${QUARRY_BUILD_DIR:-$root/build}
export QT_QPA_PLATFORM=offscreen
export QUARRY_SANDBOX_BIN=${QUARRY_SANDBOX_BIN:-$build/app/quarry-sandbox}
"$build/tests/bench/bench_ui" scroll "$rows" 2>/dev/null
"$build/tests/bench/bench_ui" scroll "$rows" --unbounded 2>/dev/null
