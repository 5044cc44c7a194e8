# SPDX-License-Identifier: MIT
# Sourced by the run_*.sh benchmarks: paths, a scratch folder removed at exit, and a sandbox.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${QUARRY_BUILD_DIR:-$root/build}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Starts a fresh quarry-sandbox on a free port with its data in $work/data (and the options
# in $SANDBOX_ARGS); sets $url.
start_sandbox() {
  "$build/app/quarry-sandbox" --port 0 --data "$work/data" ${SANDBOX_ARGS:-} > "$work/out" 2>/dev/null &
  for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$work/out")
}

# start_sandbox, then waits for its Storage API line; sets $grpc (host:port) or fails.
start_sandbox_grpc() {
  start_sandbox
  for _ in $(seq 100); do grep -q "storage API" "$work/out" && break; sleep 0.05; done
  grpc=$(sed -n 's/^storage API (gRPC) on //p' "$work/out")
  [[ -n "$grpc" ]] || { echo "this quarry-sandbox serves no Storage API"; exit 1; }
}
