#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs every test:
#   1. the full suite (ctest) on a RelWithDebInfo build;
#   2. the core and sandbox tests again under AddressSanitizer + UBSan (hostile inputs included).
#   3. the libFuzzer targets (clang) for QUARRY_FUZZ_SECONDS (20) each over seed corpora.
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
  echo "== build (AddressSanitizer + UBSan, core only)"
  asan=${QUARRY_ASAN_BUILD_DIR:-$root/build-asan}
  QUARRY_BUILD_DIR=$asan "$root/scripts/build.sh" -DQUARRY_SANITIZE=ON -DQUARRY_BUILD_GUI=OFF
  echo "== test (AddressSanitizer + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$asan" -j"$jobs" --output-on-failure --timeout 900 -L "core|sandbox"
  echo "== build (libFuzzer + ASan, clang)"
  fuzz=${QUARRY_FUZZ_BUILD_DIR:-$root/build-fuzz}
  CC=clang CXX=clang++ QUARRY_BUILD_DIR=$fuzz QUARRY_TARGETS="fuzz_sql fuzz_insert_rows fuzz_fv_decoder fuzz_record_reader fuzz_sandbox_auth" \
    "$root/scripts/build.sh" -DQUARRY_FUZZ=ON -DQUARRY_BUILD_GUI=OFF \
    -DQUARRY_BUILD_TESTS=OFF -DQUARRY_FUZZ_SECONDS="${QUARRY_FUZZ_SECONDS:-20}"
  echo "== fuzz"
  ctest --test-dir "$fuzz" -j"$jobs" --output-on-failure -L fuzz
fi
