#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Engine benchmark against DuckDB (npm @duckdb/node-api), same run, same data: N synthetic
# nested persons rows (generate_persons.py) loaded into a fresh quarry-sandbox (insertAll) and
# into DuckDB (read_json, nested types kept), an 800-row lookup table and a second large table
# (ages) in both. Each query: median of 3 wall times (the sandbox's over HTTP, cache off), the
# peak RSS of each engine during it, and the rows, which must be the same.
# RESTART=1: once the tables are loaded and their logs folded into row groups, the sandbox is
# stopped and started again on its folder, so the queries read tables as a restarted sandbox
# does (a table whose rows would take more than --scan-in-place-mb in memory is read in place,
# a group at a time, never held whole).
# SCAN_IN_PLACE_MB: the sandbox's --scan-in-place-mb (default 512).
# Usage: [RESTART=1] [SCAN_IN_PLACE_MB=N] [PERSONS_FILE=F] tests/bench/run_engine.sh [ROWS=1000000]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
(cd "$here" && npm ci --no-audit --no-fund --silent)
# PERSONS_FILE: a file of that many rows generate_persons.py wrote before (it is made and kept
# when missing): generating 10M rows takes minutes.
if [[ -n ${PERSONS_FILE:-} ]]; then
  [[ -s $PERSONS_FILE ]] || python3 "$root/resources/samples/generate_persons.py" "$rows" > "$PERSONS_FILE"
  ln -s "$(realpath "$PERSONS_FILE")" "$work/persons.ndjson"
else
  python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
fi
# The sandbox still holds tables and results as rows of values (about 1 KB a persons row):
# at 10M rows a copy of a table (the ages table, a window's input) is over the default 2 GB
# per-query budget, which is a limit, not what this measures.
SANDBOX_ARGS="--query-memory 16384 --scan-in-place-mb ${SCAN_IN_PLACE_MB:-512}"
start_sandbox
"$build/tests/bench/bench_ingest" "$url" "$work/persons.ndjson" "$root/resources/samples/persons/schema.json" 500 4 >/dev/null
sql() {
  python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "useLegacySql": False, "timeoutMs": 600000}))' "$1" |
    curl -sf -H 'Content-Type: application/json' --data-binary @- "$url/bigquery/v2/projects/bench/queries" > /dev/null
}
sql "CREATE TABLE bench_cpp.areas AS SELECT code, CONCAT('R', CAST(MOD(code, 10) AS STRING)) AS region FROM UNNEST(GENERATE_ARRAY(200, 999)) AS code"
sql "CREATE TABLE bench_cpp.ages AS SELECT fullName, age FROM bench_cpp.persons"
if [[ ${RESTART:-0} == 1 ]]; then
  # The idle checkpoint (5 s without writes) folds the logs: wait until none holds rows.
  folded=0
  for _ in $(seq 1800); do
    if ! find "$work/data" -name 'rows*.qrl' -size +0 | grep -q .; then folded=1; break; fi
    sleep 1
  done
  if [[ $folded != 1 ]]; then echo "the checkpoint did not fold the logs within 30 minutes" >&2; exit 1; fi
  old=$(pgrep -n -f "quarry-sandbox --port 0 --data $work/data")
  kill -TERM "$old"; while kill -0 "$old" 2>/dev/null; do sleep 0.1; done
  start_sandbox
fi
pid=$(pgrep -n -f "quarry-sandbox --port 0 --data $work/data")
python3 - "$url" "$work" "$pid" "$here" <<'PY'
import json, sys, time
url, work, pid, here = sys.argv[1:5]
sys.path.insert(0, here)
from benchlib import Sandbox, duckdb, norm
sandbox = Sandbox(url, pid)
sql = sandbox.sql

# name: (GoogleSQL for the sandbox, DuckDB's SQL)
queries = {
    "GROUP BY over UNNEST": (
        "SELECT c.gender AS g, COUNT(*) AS n, AVG(c.age) AS avg_age FROM bench_cpp.persons, UNNEST(children) AS c GROUP BY g ORDER BY g",
        "SELECT c.gender AS g, COUNT(*) AS n, AVG(c.age) AS avg_age FROM persons, UNNEST(children) AS t(c) GROUP BY g ORDER BY g"),
    "JOIN with an 800-row lookup table": (
        "SELECT a.region, COUNT(*) AS n FROM bench_cpp.persons p JOIN bench_cpp.areas a ON p.phoneNumber.areaCode = a.code "
        "GROUP BY a.region ORDER BY a.region",
        "SELECT a.region, COUNT(*) AS n FROM persons p JOIN areas a ON p.phoneNumber.areaCode = a.code "
        "GROUP BY a.region ORDER BY a.region"),
    "window (RANK over partitions)": (
        "SELECT gender, COUNT(*) AS n, MAX(r) AS top FROM (SELECT gender, RANK() OVER (PARTITION BY gender ORDER BY age DESC) AS r "
        "FROM bench_cpp.persons) GROUP BY gender ORDER BY gender",
        "SELECT gender, COUNT(*) AS n, MAX(r) AS top FROM (SELECT gender, RANK() OVER (PARTITION BY gender ORDER BY age DESC) AS r "
        "FROM persons) GROUP BY gender ORDER BY gender"),
    "ORDER BY ... LIMIT 10": (
        "SELECT fullName, age FROM bench_cpp.persons ORDER BY age DESC, fullName LIMIT 10",
        "SELECT fullName, age FROM persons ORDER BY age DESC, fullName LIMIT 10"),
    "COUNT(DISTINCT) on a unique column": (
        "SELECT COUNT(DISTINCT fullName) AS n FROM bench_cpp.persons",
        "SELECT COUNT(DISTINCT fullName) AS n FROM persons"),
    "LIKE filter": (
        "SELECT COUNT(*) AS n FROM bench_cpp.persons WHERE fullName LIKE '%Doe 1%'",
        "SELECT COUNT(*) AS n FROM persons WHERE fullName LIKE '%Doe 1%'"),
    "GROUP BY two keys": (
        "SELECT gender, phoneNumber.areaCode AS code, COUNT(*) AS n FROM bench_cpp.persons GROUP BY gender, code ORDER BY gender, code LIMIT 10",
        "SELECT gender, phoneNumber.areaCode AS code, COUNT(*) AS n FROM persons GROUP BY gender, code ORDER BY gender, code LIMIT 10"),
    "JOIN of two large tables": (
        "SELECT COUNT(*) AS n, SUM(p.age + q.age) AS s FROM bench_cpp.persons p JOIN bench_cpp.ages q ON p.fullName = q.fullName",
        "SELECT COUNT(*) AS n, SUM(p.age + q.age) AS s FROM persons p JOIN ages q ON p.fullName = q.fullName"),
    "scalar functions (LENGTH, STARTS_WITH, MOD)": (
        "SELECT SUM(LENGTH(fullName)) AS l, COUNTIF(STARTS_WITH(fullName, 'Ada')) AS a, SUM(MOD(age, 7)) AS m FROM bench_cpp.persons",
        "SELECT SUM(length(fullName)) AS l, count_if(starts_with(fullName, 'Ada')) AS a, SUM(age % 7) AS m FROM persons"),
    "REGEXP_CONTAINS filter": (
        "SELECT COUNTIF(REGEXP_CONTAINS(fullName, r'Doe 1')) AS n FROM bench_cpp.persons",
        "SELECT count_if(regexp_matches(fullName, 'Doe 1')) AS n FROM persons"),
    "correlated EXISTS over an array": (
        "SELECT COUNT(*) AS n FROM bench_cpp.persons p WHERE EXISTS (SELECT 1 FROM UNNEST(p.children) AS c WHERE c.age > 15)",
        "SELECT COUNT(*) AS n FROM persons p WHERE EXISTS (SELECT 1 FROM UNNEST(p.children) AS t(c) WHERE c.age > 15)"),
}

setup = ["CREATE TABLE persons AS SELECT * FROM read_json('%s', format = 'newline_delimited')" % (work + "/persons.ndjson"),
         "CREATE TABLE areas AS SELECT code, 'R' || (code % 10) AS region FROM range(200, 1000) t(code)",
         "CREATE TABLE ages AS SELECT fullName, age FROM persons"]
duck_meta, duck = duckdb(here, work, setup, {k: v[1] for k, v in queries.items()})

print(json.dumps({"rows": sum(1 for _ in open(work + "/persons.ndjson")), "duckdb": duck_meta["version"]}))
# The first query a restarted sandbox answers (RESTART=1: nothing of the tables read yet).
t0 = time.perf_counter()
first = sql("SELECT COUNT(*) AS n FROM bench_cpp.persons")
print(json.dumps({"first COUNT(*)": first["rows"][0]["f"][0]["v"], "seconds": round(time.perf_counter() - t0, 3),
                  "sandbox_peak_rss_mb": round(sandbox.peak_mb())}))
for name, (q, _) in queries.items():
    qt, qpeak, qrows, _ = sandbox.timed(q)
    d = duck[name]
    same = norm(qrows) == norm(d["rows"])
    print(json.dumps({"query": name, "sandbox_s": round(qt, 3), "sandbox_first_s": round(sandbox.last_times[0], 3),
                      "sandbox_peak_rss_mb": round(qpeak),
                      "duckdb_s": round(d["seconds"], 3), "duckdb_peak_rss_mb": d["peak_rss_mb"],
                      "sandbox_over_duckdb": round(qt / d["seconds"], 1), "same_rows": same}))
    if not same:
        print("  rows differ:\n    sandbox %s\n    duckdb  %s" % (qrows[:5], d["rows"][:5]))
PY
