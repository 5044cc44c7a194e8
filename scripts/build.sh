#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds Quarry into build/ (or $QUARRY_BUILD_DIR). Extra args go to cmake and
# come after the defaults, so they win.
# RelWithDebInfo keeps line tables only (-g1): backtraces, sanitizer reports and perf still name
# file:line, and the build takes about a third less time than with full -g (the type and local
# variable records GCC writes for every template instance are most of the debug-info work).
# A debugger session wants `scripts/build.sh -DCMAKE_BUILD_TYPE=Debug` in its own build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QUARRY_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@" >/dev/null
# QUARRY_TARGETS (space-separated) limits the build to those targets.
targets=()
for t in ${QUARRY_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
