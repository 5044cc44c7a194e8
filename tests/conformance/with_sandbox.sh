#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Starts quarry-sandbox on a free loopback port with a scratch data folder, runs a scenario
# against it, and stops the sandbox. Usage: with_sandbox.sh SANDBOX_BINARY node|storage|read|bq [QUARRY_CLI]
# (storage, read: the Storage Write and Read API scenarios over the sandbox's gRPC port)
# Exit 77 (skipped) when the client is not installed on this machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sandbox=$1
client=$2
case "$client" in
  node|storage|read)
    command -v node >/dev/null || { echo "node is not installed: skipped"; exit 77; }
    # The Node scenarios run at once under ctest -j: one installs, the other waits
    # for it (a half-made node_modules looks installed).
    (
      flock 9
      if [[ ! -d "$here/node_modules/@google-cloud/bigquery" || ! -d "$here/node_modules/@google-cloud/bigquery-storage" ]]; then
        (cd "$here" && npm ci --no-audit --no-fund --silent) || { echo "npm ci failed"; exit 1; }
      fi
    ) 9> "${TMPDIR:-/tmp}/quarry-conformance-npm.lock" || exit 1
    ;;
  bq)
    command -v bq >/dev/null || { echo "the bq CLI (google-cloud-cli) is not installed: skipped"; exit 77; }
    ;;
esac
work=$(mktemp -d)
# Jobs labelled quarry-test:slow run for two minutes (a scenario cancels one); no other job is slowed.
"$sandbox" --port 0 --data "$work/data" --require-routing-header --faults 'job@quarry-test=slow:delay=120s:1' > "$work/out" 2> "$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")
[[ -n "$url" ]] || { echo "quarry-sandbox did not start:"; cat "$work/err"; exit 1; }
if [[ "$client" == storage || "$client" == read ]]; then # its line follows the first at once, when it serves one
  for _ in $(seq 100); do grep -q "storage API" "$work/out" 2>/dev/null && break; sleep 0.05; done
fi
grpc=$(sed -n 's/^storage API (gRPC) on //p' "$work/out")
if [[ "$client" == node ]]; then
  node "$here/node_scenario.mjs" "$url" "$root/resources/samples"
elif [[ "$client" == storage || "$client" == read ]]; then
  [[ -n "$grpc" ]] || { echo "this quarry-sandbox was built without the Storage API: skipped"; exit 77; }
  node "$here/${client}_scenario.mjs" "$url" "$grpc"
else
  "$here/bq_scenario.sh" "$url" "$root/resources/samples" "${3:-}"
fi
