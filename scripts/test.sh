#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs every test:
#   1. the full suite (ctest) on a RelWithDebInfo build;
#   2. the core and sandbox tests again under AddressSanitizer + UBSan (hostile inputs included),
#      built with clang, which also builds
#   3. the libFuzzer targets, run for QUARRY_FUZZ_SECONDS (20) each over seed corpora.
#   One sanitizer tree at -O1 with line tables only: it builds in a fraction of GCC's ASan time
#   at -O2 -g and still reports every frame with file:line.
# QUARRY_SKIP_ASAN=1 skips steps 2 and 3 for a quick local loop.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/install-deps.sh" --test

echo "== build"
"$root/scripts/build.sh"
echo "== test"
ctest --test-dir "${QUARRY_BUILD_DIR:-$root/build}" -j"$jobs" --output-on-failure --timeout 600

if [[ "${QUARRY_SKIP_ASAN:-0}" != 1 ]]; then
  echo "== build (AddressSanitizer + UBSan + libFuzzer, clang, no GUI)"
  asan=${QUARRY_ASAN_BUILD_DIR:-$root/build-asan}
  CC=clang CXX=clang++ QUARRY_BUILD_DIR=$asan "$root/scripts/build.sh" -DQUARRY_SANITIZE=ON -DQUARRY_FUZZ=ON \
    -DQUARRY_BUILD_GUI=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DQUARRY_FUZZ_SECONDS="${QUARRY_FUZZ_SECONDS:-20}"
  echo "== test (AddressSanitizer + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$asan" -j"$jobs" --output-on-failure --timeout 900 -L "core|sandbox"
  echo "== fuzz"
  ctest --test-dir "$asan" -j"$jobs" --output-on-failure -L fuzz
fi
