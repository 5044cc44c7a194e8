#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Row groups skipped by their statistics (issue 20), against DuckDB's zone maps, same run:
# an events table of N rows in insertion (time) order, built by SQL in both engines (the
# sandbox: INSERT ... SELECT in chunks of 1M, then its logs folded into row groups and the
# sandbox restarted, so the table is read in place, as a large table is), then filters that
# a group's bounds can rule out, and one that none can, and COUNT, MIN and MAX of the whole
# table (answered from the groups' heads). Each query: median of 3 wall times
# (the sandbox's over HTTP, cache off), each engine's peak RSS during it, and the rows, which
# must be the same; the sandbox's records read from its plan.
# SCAN_IN_PLACE_MB: the sandbox's --scan-in-place-mb (default 0: read in place whatever the size).
# Usage: [SCAN_IN_PLACE_MB=N] tests/bench/run_skip.sh [ROWS=10000000]
source "$(dirname "$0")/common.sh"
rows=${1:-10000000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
SANDBOX_ARGS="--query-memory 16384 --scan-in-place-mb ${SCAN_IN_PLACE_MB:-0}"
start_sandbox
python3 - "$url" "$work" "$here" "$rows" "$build/app/quarry-sandbox" "$SANDBOX_ARGS" <<'PY'
import json, os, subprocess, sys, time, datetime
url, work, here, rows, binary, args = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
sys.path.insert(0, here)
from benchlib import Sandbox, duckdb, norm

pid = int(subprocess.check_output(["pgrep", "-n", "-f", "quarry-sandbox --port 0 --data " + work + "/data"]))
sandbox = Sandbox(url, pid)
sql = sandbox.sql
# One row a second from 2026-01-01; v and user are spread over every group.
columns = ("i AS id, TIMESTAMP_ADD(TIMESTAMP '2026-01-01 00:00:00+00', INTERVAL i SECOND) AS ts, "
           "MOD(i * 7919, 1000) AS v, CONCAT('user', CAST(MOD(i, 5000) AS STRING)) AS user")
sql("CREATE SCHEMA bench")
sql("CREATE TABLE bench.events (id INT64, ts TIMESTAMP, v INT64, user STRING)")
t0 = time.perf_counter()
for start in range(0, rows, 1000000):
    sql("INSERT bench.events SELECT %s FROM UNNEST(GENERATE_ARRAY(%d, %d)) AS i" % (columns, start, min(rows, start + 1000000) - 1))
load_s = time.perf_counter() - t0
# The idle checkpoint (5 s without writes) folds the log; then a restart reads the table in place.
for _ in range(1800):
    if not any(f.startswith("rows") and f.endswith(".qrl") and os.path.getsize(os.path.join(d, f)) > 0
               for d, _, fs in os.walk(work + "/data") for f in fs):
        break
    time.sleep(1)
else:
    sys.exit("the checkpoint did not fold the log within 30 minutes")
os.kill(pid, 15)
while os.path.exists("/proc/%d" % pid):
    time.sleep(0.1)
proc = subprocess.Popen([binary, "--port", "0", "--data", work + "/data"] + args.split(), stdout=open(work + "/out2", "w"),
                        stderr=subprocess.DEVNULL)
for _ in range(200):
    text = open(work + "/out2").read()
    if "listening on " in text:
        sandbox = Sandbox(text.split("listening on ")[1].split()[0], proc.pid)
        break
    time.sleep(0.05)
else:
    sys.exit("the restarted sandbox did not listen")

# The hour from the middle row on, and the key three quarters in.
hour = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=rows // 2)
since, until = hour.strftime("%Y-%m-%d %H:%M:%S+00"), (hour + datetime.timedelta(seconds=3599)).strftime("%Y-%m-%d %H:%M:%S+00")
key = rows * 3 // 4
queries = {  # name: (GoogleSQL for the sandbox, DuckDB's SQL)
    "an hour of a time-ordered column": (
        "SELECT COUNT(*) AS n, SUM(v) AS s FROM bench.events WHERE ts BETWEEN TIMESTAMP '%s' AND TIMESTAMP '%s'" % (since, until),
        "SELECT COUNT(*) AS n, SUM(v) AS s FROM events WHERE ts BETWEEN TIMESTAMPTZ '%s' AND TIMESTAMPTZ '%s'" % (since, until)),
    "one row by its key": (
        "SELECT id, v, user FROM bench.events WHERE id = %d" % key,
        "SELECT id, v, \"user\" FROM events WHERE id = %d" % key),
    "a range no row is in": (
        "SELECT COUNT(*) AS n FROM bench.events WHERE ts < TIMESTAMP '2025-01-01 00:00:00+00'",
        "SELECT COUNT(*) AS n FROM events WHERE ts < TIMESTAMPTZ '2025-01-01 00:00:00+00'"),
    "COUNT, MIN and MAX of the whole table": (
        "SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi, MIN(user) AS first, MAX(user) AS last FROM bench.events",
        "SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi, MIN(\"user\") AS first, MAX(\"user\") AS last FROM events"),
    "an unordered column (every group read)": (
        "SELECT COUNT(*) AS n FROM bench.events WHERE v = 7",
        "SELECT COUNT(*) AS n FROM events WHERE v = 7"),
}
setup = ["SET TimeZone = 'UTC'",
         "CREATE TABLE events AS SELECT i AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS ts, (i * 7919) %% 1000 AS v, "
         "'user' || (i %% 5000) AS \"user\" FROM range(0, %d) t(i)" % rows]
duck_meta, duck = duckdb(here, work, setup, {k: v[1] for k, v in queries.items()})
print(json.dumps({"rows": rows, "sandbox_insert_s": round(load_s, 1), "duckdb_load_s": round(duck_meta["load_s"], 1),
                  "duckdb": duck_meta["version"]}))
for name, (q, _) in queries.items():
    qt, peak, got, resp = sandbox.timed(q)
    job = sandbox.call("GET", "/jobs/%s?location=US" % resp["jobReference"]["jobId"])
    read = job["statistics"]["query"]["queryPlan"][0]["recordsRead"]
    d = duck[name]
    same = norm(got) == norm(d["rows"])
    print(json.dumps({"query": name, "sandbox_s": round(qt, 4), "sandbox_records_read": int(read), "sandbox_peak_rss_mb": round(peak),
                      "duckdb_s": round(d["seconds"], 4), "duckdb_peak_rss_mb": d["peak_rss_mb"],
                      "sandbox_over_duckdb": round(qt / d["seconds"], 1), "same_rows": same}))
    if not same:
        print("  rows differ:\n    sandbox %s\n    duckdb  %s" % (got[:5], d["rows"][:5]))
proc.terminate()
proc.wait()
PY
