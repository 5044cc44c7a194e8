#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Query benchmarks on 1M synthetic nested persons rows: GROUP BY over UNNEST, a JOIN with a
# lookup table, and a window function, in quarry-sandbox (jobs.query over HTTP, cache off) and
# in sqlite3 on the same data, stored two ways: the NDJSON documents as JSON text (queried with
# json_extract/json_each), and flattened into plain columns and a children table (what a
# relational tool would load). Each query: median of 3 wall times; the script checks that all
# three engines return the same rows.
# Usage: tests/bench/run_query.sh [ROWS=1000000]
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
python3 "$root/resources/samples/generate_persons.py" "$rows" > "$work/persons.ndjson"
start_sandbox
"$build/tests/bench/bench_ingest" "$url" "$work/persons.ndjson" "$root/resources/samples/persons/schema.json" 500 4 >/dev/null
python3 - "$url" "$work" <<'PY'
import json, sqlite3, subprocess, sys, time, urllib.request
url, work = sys.argv[1], sys.argv[2]

def call(method, path, body=None):
    req = urllib.request.Request(url + "/bigquery/v2/projects/bench" + path, json.dumps(body).encode() if body else None,
                                 {"Content-Type": "application/json"}, method=method)
    return json.load(urllib.request.urlopen(req))

# The lookup table: area code -> region, in the sandbox and in both sqlite3 databases.
areas = [(code, "R%d" % (code % 10)) for code in range(200, 1000)]
call("POST", "/datasets/bench_cpp/tables", {"tableReference": {"tableId": "areas"}, "schema": {"fields": [
    {"name": "code", "type": "INTEGER"}, {"name": "region", "type": "STRING"}]}})
call("POST", "/datasets/bench_cpp/tables/areas/insertAll", {"rows": [{"json": {"code": c, "region": r}} for c, r in areas]})

json_db, flat_db = work + "/json.db", work + "/flat.db"
con = sqlite3.connect(json_db)
con.execute("CREATE TABLE persons(doc TEXT)")
con.execute("CREATE TABLE areas(code INTEGER, region TEXT)")
con.executemany("INSERT INTO areas VALUES (?, ?)", areas)
with open(work + "/persons.ndjson") as fh:
    con.executemany("INSERT INTO persons VALUES (?)", ((l,) for l in fh if l.strip()))
con.commit(); con.close()
con = sqlite3.connect(flat_db)
con.execute("CREATE TABLE persons(id INTEGER PRIMARY KEY, fullName TEXT, age INTEGER, gender TEXT, areaCode INTEGER)")
con.execute("CREATE TABLE children(person INTEGER, name TEXT, gender TEXT, age INTEGER)")
con.execute("CREATE TABLE areas(code INTEGER, region TEXT)")
con.executemany("INSERT INTO areas VALUES (?, ?)", areas)
def flat_rows():
    with open(work + "/persons.ndjson") as fh:
        for i, l in enumerate(fh):
            d = json.loads(l)
            yield i, d
con.executemany("INSERT INTO persons VALUES (?,?,?,?,?)",
                ((i, d["fullName"], d["age"], d["gender"], d["phoneNumber"]["areaCode"]) for i, d in flat_rows()))
con.executemany("INSERT INTO children VALUES (?,?,?,?)",
                ((i, c["name"], c["gender"], c["age"]) for i, d in flat_rows() for c in d.get("children", [])))
con.commit(); con.close()

queries = {
    "GROUP BY over UNNEST": (
        "SELECT c.gender AS g, COUNT(*) AS n, AVG(c.age) AS avg_age FROM bench_cpp.persons, UNNEST(children) AS c GROUP BY g ORDER BY g",
        "SELECT json_extract(c.value,'$.gender') AS g, COUNT(*), AVG(json_extract(c.value,'$.age')) "
        "FROM persons, json_each(persons.doc,'$.children') AS c GROUP BY g ORDER BY g;",
        "SELECT gender AS g, COUNT(*), AVG(age) FROM children GROUP BY g ORDER BY g;"),
    "JOIN with a lookup table": (
        "SELECT a.region, COUNT(*) AS n FROM bench_cpp.persons p JOIN bench_cpp.areas a ON p.phoneNumber.areaCode = a.code "
        "GROUP BY a.region ORDER BY a.region",
        "SELECT a.region, COUNT(*) FROM persons p JOIN areas a ON json_extract(p.doc,'$.phoneNumber.areaCode') = a.code "
        "GROUP BY a.region ORDER BY a.region;",
        "SELECT a.region, COUNT(*) FROM persons p JOIN areas a ON p.areaCode = a.code GROUP BY a.region ORDER BY a.region;"),
    "window (RANK over partitions)": (
        "SELECT gender, COUNT(*) AS n, MAX(r) AS top FROM (SELECT gender, RANK() OVER (PARTITION BY gender ORDER BY age DESC) AS r "
        "FROM bench_cpp.persons) GROUP BY gender ORDER BY gender",
        "SELECT g, COUNT(*), MAX(r) FROM (SELECT json_extract(doc,'$.gender') AS g, RANK() OVER (PARTITION BY "
        "json_extract(doc,'$.gender') ORDER BY json_extract(doc,'$.age') DESC) AS r FROM persons) GROUP BY g ORDER BY g;",
        "SELECT gender, COUNT(*), MAX(r) FROM (SELECT gender, RANK() OVER (PARTITION BY gender ORDER BY age DESC) AS r "
        "FROM persons) GROUP BY gender ORDER BY gender;"),
}

def run_quarry(sql):
    t0 = time.perf_counter()
    resp = call("POST", "/queries", {"query": sql, "useLegacySql": False, "useQueryCache": False, "timeoutMs": 600000})
    return time.perf_counter() - t0, [[c["v"] for c in r["f"]] for r in resp["rows"]]

def run_sqlite(db, sql):
    t0 = time.perf_counter()
    out = subprocess.run(["sqlite3", db, sql], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - t0, [l.split("|") for l in out.strip().splitlines()]

def median3(f):
    runs = [f() for _ in range(3)]
    return sorted(r[0] for r in runs)[1], runs[0][1]

def same(a, b):  # integers exactly, averages to 6 digits
    def norm(r): return [str(round(float(x), 6)) if "." in str(x) else str(x) for x in r]
    return [norm(r) for r in a] == [norm(r) for r in b]

ver = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
for name, (q, lj, lf) in queries.items():
    qt, qrows = median3(lambda: run_quarry(q))
    jt, jrows = median3(lambda: run_sqlite(json_db, lj))
    ft, frows = median3(lambda: run_sqlite(flat_db, lf))
    assert same(qrows, jrows) and same(qrows, frows), (name, qrows, jrows, frows)
    print(json.dumps({"query": name, "quarry_sandbox_s": round(qt, 3), "sqlite3_json_s": round(jt, 3),
                      "sqlite3_flat_s": round(ft, 3), "sqlite3": ver, "rows": qrows}))
    print("  %s: sqlite3 (JSON text) / sandbox = %.2fx, sqlite3 (flat columns) / sandbox = %.2fx" % (name, jt / qt, ft / qt))
PY
