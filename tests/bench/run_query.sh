#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Query benchmark: GROUP BY over UNNEST of 1M synthetic nested persons rows in quarry-sandbox,
# and sqlite3 doing the same with json_each over the same NDJSON stored as JSON text.
# Usage: tests/bench/run_query.sh [ROWS=1000000]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox
"$build/tests/bench/bench_ingest" "$url" "$work/persons.ndjson" "$root/resources/samples/persons/schema.json" 500 4 >/dev/null
python3 - "$url" "$work" <<'PY'
import json, sqlite3, subprocess, sys, time, urllib.request
url, work = sys.argv[1], sys.argv[2]
sql = ("SELECT c.gender AS g, COUNT(*) AS n, AVG(c.age) AS avg_age "
       "FROM bench_cpp.persons, UNNEST(children) AS c GROUP BY g ORDER BY g")
def run_quarry():
    body = json.dumps({"query": sql, "useLegacySql": False, "useQueryCache": False, "timeoutMs": 600000}).encode()
    req = urllib.request.Request(url + "/bigquery/v2/projects/bench/queries", body, {"Content-Type": "application/json"})
    t0 = time.perf_counter()
    resp = json.load(urllib.request.urlopen(req))
    return time.perf_counter() - t0, [[c["v"] for c in r["f"]] for r in resp["rows"]]
db = work + "/persons.db"
con = sqlite3.connect(db)
con.execute("CREATE TABLE persons(doc TEXT)")
with open(work + "/persons.ndjson") as fh:
    con.executemany("INSERT INTO persons VALUES (?)", ((l,) for l in fh if l.strip()))
con.commit(); con.close()
lite_sql = ("SELECT json_extract(c.value,'$.gender') AS g, COUNT(*) AS n, AVG(json_extract(c.value,'$.age')) "
            "FROM persons, json_each(persons.doc,'$.children') AS c GROUP BY g ORDER BY g;")
def run_sqlite():
    t0 = time.perf_counter()
    out = subprocess.run(["sqlite3", db, lite_sql], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - t0, [l.split("|") for l in out.strip().splitlines()]
q = sorted(run_quarry()[0] for _ in range(3)); qrows = run_quarry()[1]
s = sorted(run_sqlite()[0] for _ in range(3)); srows = run_sqlite()[1]
assert [r[:2] for r in qrows] == [r[:2] for r in srows], (qrows, srows)
ver = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
print(json.dumps({"impl": "quarry-sandbox", "seconds": round(q[1], 3), "rows": qrows}))
print(json.dumps({"impl": "sqlite3 " + ver + " json_each", "seconds": round(s[1], 3), "rows": srows}))
print("ratio (sqlite3 time / sandbox time): %.2fx" % (s[1] / q[1]))
PY
