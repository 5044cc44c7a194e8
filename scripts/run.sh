#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and starts Quarry. With no Google connection set up the
# app works on the local sandbox (embedded; see docs/ARCHITECTURE.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "${QUARRY_BUILD_DIR:-$root/build}/app/quarry" "$@"
