#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Portability check (issue 26): Debian's MinGW-w64 cross compiler compiles the platform
# layer's Windows implementation and every core source for Windows, then links a program of
# the platform layer's checks (platform_check.cpp) against the Windows implementation and
# runs it under Debian's wine64: the Win32 calls really made, by wine's implementation of them.
#
# Third-party libraries: their headers are portable C/C++ (zlib, zstd, simdjson, RE2,
# farmhash, cpp-httplib, nlohmann-json) and are taken from this machine; a source that needs
# a library whose headers are configured for this machine's platform (OpenSSL, curl, ICU), or
# code generated for it (protobuf and gRPC: the Storage API), is left out and named.
#
# Usage: mingw_check.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
cxx=x86_64-w64-mingw32-g++-posix
command -v "$cxx" >/dev/null || { echo "mingw_check: $cxx is missing: run scripts/install-deps.sh --test" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work/include"
for h in nlohmann re2 simdjson.h zlib.h zconf.h zstd.h zstd_errors.h farmhash.h httplib.h xxhash.h; do
  [[ -e /usr/include/$h ]] && ln -s "/usr/include/$h" "$work/include/$h"
done
flags=(-std=c++20 -Wall -Wextra -Wshadow -DNOMINMAX -D_WIN32_WINNT=0x0A00 -I"$src/core" -isystem "$work/include")

# Every core source, less the POSIX implementations, the ones not ported yet and the ones
# that need a platform-configured third-party header.
skip_posix='core/platform/[A-Za-z]+Posix\.cpp'
needs_native='#include <(openssl/|curl/|unicode/|google/|grpcpp/)'
mapfile -t all < <(cd "$src" && find core -name '*.cpp' | sort)
sources=() left=()
for f in "${all[@]}"; do
  if [[ $f =~ $skip_posix ]]; then continue; fi
  # The Storage API (core/storageapi) is protobuf and gRPC code throughout, some of it through
  # its own headers: left out as a whole.
  if [[ $f == core/storageapi/* ]]; then left+=("$f"); continue; fi
  if grep -Eq "$needs_native" "$src/$f"; then left+=("$f"); continue; fi
  sources+=("$f")
done
echo "mingw_check: compiling ${#sources[@]} core sources for Windows; left out (OpenSSL, curl, ICU, protobuf or gRPC headers): ${left[*]}"
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  'if ! out=$("$0" "$@" -fsyntax-only "'"$src"'/{}" 2>&1); then printf "%s\n%s\n" "FAILED {}" "$out"; exit 255; fi' \
  "$cxx" "${flags[@]}"

# Link the Windows platform layer into a program and run it under wine (Debian's wine64).
"$cxx" "${flags[@]}" -O1 -static -o "$work/platform_check.exe" "$src/tests/portability/platform_check.cpp" \
  "$src/core/platform/FileWindows.cpp" "$src/core/platform/AccessWindows.cpp" "$src/core/platform/SystemWindows.cpp" "$src/core/platform/SocketWindows.cpp" "$src/core/platform/ProcessWindows.cpp" -lws2_32 -lpsapi -ladvapi32
echo "mingw_check: linked platform_check.exe"
wine=$(command -v wine64 || command -v wine || { [[ -x /usr/lib/wine/wine64 ]] && echo /usr/lib/wine/wine64; } || true)
if [[ -z $wine ]]; then
  echo "mingw_check: wine is missing: run scripts/install-deps.sh --test" >&2
  exit 1
fi
export WINEPREFIX="$work/wine" WINEDEBUG=-all
status=0
# Its output goes through a file: wine's own servers, which outlive it, must not hold the test's.
"$wine" "$work/platform_check.exe" "Z:${work//\//\\}" </dev/null >"$work/wine.out" 2>&1 || status=$?
"$(dirname "$(readlink -f "$wine")")/wineserver" -k 2>/dev/null || true
cat "$work/wine.out"
exit $status
