#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs whatever Quarry needs to build and test on Debian/Ubuntu and is not there yet.
# Idempotent: a machine that has everything is left alone (no apt-get update, no network).
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev libfarmhash-dev libxxhash-dev
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libsimdjson-dev libre2-dev libicu-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libqscintilla2-qt6-dev qtkeychain-qt6-dev libgl-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libflatbuffers-dev libavro-dev nodejs npm
)
test_pkgs=(
  libgtest-dev clang libclang-rt-14-dev xvfb xauth sqlite3
  dpkg-dev desktop-file-utils appstream file curl openssl
  dbus gnome-keyring libsecret-tools
  xdotool xclip
  g++-mingw-w64-x86-64-posix wine64
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node and npm may come from outside Debian's packages (already on PATH): accept those.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=()
for p in "${missing[@]}"; do [[ -n "$p" ]] && filtered+=("$p"); done

if ((${#filtered[@]})); then
  echo "Installing: ${filtered[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}"
fi

# Google's .proto files for the BigQuery Storage API come from npm (protos/package-lock.json);
# the build generates C++ from them.
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f "$root/protos/node_modules/@google-cloud/bigquery-storage/build/protos/google/cloud/bigquery/storage/v1/storage.proto" ]]; then
  echo "Fetching the Storage API's .proto files (npm ci in protos/)"
  (cd "$root/protos" && npm ci --no-audit --no-fund --silent --ignore-scripts)
fi
