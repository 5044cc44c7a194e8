#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds Quarry into build/ (or $QUARRY_BUILD_DIR). Extra args go to cmake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QUARRY_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# QUARRY_TARGETS (space-separated) limits the build to those targets.
targets=()
for t in ${QUARRY_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
