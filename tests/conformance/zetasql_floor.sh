#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Google's ZetaSQL compliance cases (the BigQuery subset, ../shared/conformance/zetasql) against
# the sandbox: fails on more wrong answers or missed errors than zetasql_floor.txt allows, or on
# fewer passes than its floor, so a regression cannot land. Raise the floor (and lower the
# ceilings) as work lands. Skips (77) when the suite is not beside the checkout; set
# QUARRY_ZETASQL_DIR to run it from elsewhere.
# Usage: zetasql_floor.sh QUARRY_SANDBOX
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${QUARRY_ZETASQL_DIR:-$here/../../../shared/conformance/zetasql}
if [[ ! -f $suite/run.py ]]; then
  echo "SKIP: no ZetaSQL suite at $suite (set QUARRY_ZETASQL_DIR)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$suite/run.py" --bin "$1" --out "$out/report.json" | tee "$out/log" | tail -1
python3 - "$out/report.json" "$here/zetasql_floor.txt" <<'PY'
import json, sys
report, floor = json.load(open(sys.argv[1])), {}
for line in open(sys.argv[2]):
    line = line.split("#")[0].strip()
    if line:
        k, v = line.split("=")
        floor[k.strip()] = int(v)
s = report["summary"]
names = {"PASS": "pass", "WRONG": "wrong", "MISSED": "expected-error-missed"}
get = lambda k: s.get(names[k], 0)
failed = []
if get("PASS") < floor["pass_at_least"]: failed.append("PASS %d < floor %d" % (get("PASS"), floor["pass_at_least"]))
if get("WRONG") > floor["wrong_at_most"]: failed.append("WRONG %d > %d" % (get("WRONG"), floor["wrong_at_most"]))
if get("MISSED") > floor["missed_at_most"]: failed.append("MISSED %d > %d" % (get("MISSED"), floor["missed_at_most"]))
for c in report["cases"]:
    if c["status"] in ("wrong", "expected-error-missed"):
        print("%s: %s %s" % (c["status"], c["file"], c["name"]))
if failed:
    print("ZetaSQL suite regressed: " + "; ".join(failed))
    sys.exit(1)
print("ZetaSQL suite within its floor")
PY
