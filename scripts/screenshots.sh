#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes docs/screenshots/*.png from the real window (tests/ui/quarry-screenshot drives it; the
# shipping binary has no such options) on the local sandbox, offscreen, in a
# fresh home folder (so the welcome tab and the sample table are what a new user sees).
# Usage: scripts/screenshots.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${QUARRY_BUILD_DIR:-$root/build}}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
out="$root/docs/screenshots"
mkdir -p "$out"
export QUARRY_SANDBOX_BIN="$build/app/quarry-sandbox"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config"
"$build/tests/ui/quarry-screenshot" --screenshot "$out/main-window.png"
echo "wrote $out/main-window.png"

# The same in the dark palette, at twice the pixel density (icons and text drawn for it).
QUARRY_THEME=dark QT_SCALE_FACTOR=2 XDG_DATA_HOME="$home/data6" "$build/tests/ui/quarry-screenshot" --screenshot "$out/main-window-dark-2x.png"
echo "wrote $out/main-window-dark-2x.png"

# The chart tab over a GROUP BY of the nested cities.
XDG_DATA_HOME="$home/data4" "$build/tests/ui/quarry-screenshot" --screenshot "$out/chart.png" --screenshot-view chart --screenshot-sql \
  "SELECT c.place, COUNT(*) AS people, SUM(ARRAY_LENGTH(c.yearsLived)) AS years FROM samples.persons, UNNEST(citiesLived) AS c GROUP BY c.place ORDER BY years DESC"
echo "wrote $out/chart.png"

# The execution plan of that query (from the jobs panel's context menu).
XDG_DATA_HOME="$home/data7" "$build/tests/ui/quarry-screenshot" --screenshot "$out/execution-plan.png" --screenshot-plan --screenshot-sql \
  "SELECT c.place, COUNT(*) AS people FROM samples.persons, UNNEST(citiesLived) AS c WHERE c.place != 'Russia' GROUP BY c.place HAVING people > 1 ORDER BY people DESC"
echo "wrote $out/execution-plan.png"

# Legacy SQL on the sandbox: flattened output, WITHIN RECORD and WITHIN a node.
XDG_DATA_HOME="$home/data8" "$build/tests/ui/quarry-screenshot" --screenshot "$out/legacy-sql.png" --screenshot-sql "#legacySQL
SELECT fullName,
  COUNT(children.name) WITHIN RECORD AS kids,
  citiesLived.place,
  COUNT(citiesLived.yearsLived) WITHIN citiesLived AS years
FROM [samples.persons]"
echo "wrote $out/legacy-sql.png"

# The upload dialog mid-upload: 20,000 generated persons, each insertAll slowed down (a sandbox
# without the Storage API, so the dialog streams with insertAll, which the faults can slow).
python3 "$root/resources/samples/generate_persons.py" 20000 > "$home/persons_20000.ndjson"
printf '#!/bin/sh\nexec "%s" --grpc-port -1 "$@"\n' "$build/app/quarry-sandbox" > "$home/sandbox-insertall"
chmod +x "$home/sandbox-insertall"
QUARRY_SANDBOX_BIN="$home/sandbox-insertall" QUARRY_SANDBOX_FAULTS="insertAll:delay=300ms:1" XDG_DATA_HOME="$home/data2" \
  "$build/tests/ui/quarry-screenshot" --screenshot "$out/upload-dialog.png" --screenshot-upload "$home/persons_20000.ndjson"
echo "wrote $out/upload-dialog.png"

# The Project jobs window: three users' slowed jobs, with what each has left.
QUARRY_SANDBOX_FAULTS="job@w=slow:delay=600s:1,job@w=medium:delay=200s:1" XDG_DATA_HOME="$home/data9" \
  "$build/tests/ui/quarry-screenshot" --screenshot "$out/project-jobs.png" --screenshot-project-jobs
echo "wrote $out/project-jobs.png"

# The Cost window per user, over three users' queries.
XDG_DATA_HOME="$home/data10" "$build/tests/ui/quarry-screenshot" --screenshot "$out/cost.png" --screenshot-cost
echo "wrote $out/cost.png"

# The dialog that adds a connection (keys, ADC or an endpoint).
XDG_DATA_HOME="$home/data3" "$build/tests/ui/quarry-screenshot" --screenshot "$out/connection-dialog.png" --screenshot-connection
echo "wrote $out/connection-dialog.png"

# The key-pair wizard right after it generated a key (fingerprint and the admin's command).
XDG_DATA_HOME="$home/data5" "$build/tests/ui/quarry-screenshot" --screenshot "$out/key-pair-wizard.png" --screenshot-keypair
echo "wrote $out/key-pair-wizard.png"
