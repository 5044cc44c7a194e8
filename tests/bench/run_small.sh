#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Small work over HTTP, end to end, as tools that dry-run thousands of views in CI see it: a
# dry run, a one-row INSERT and a query over a 100-row table, each sent 100 times over one
# kept-alive connection to a fresh quarry-sandbox (query cache off). Prints the median and the
# 90th percentile of each, and the sandbox's peak RSS. Goal (issue 19): each median under 10 ms.
# Usage: tests/bench/run_small.sh [N=100]
source "$(dirname "$0")/common.sh"
n=${1:-100}
start_sandbox
pid=$(pgrep -n -f "quarry-sandbox --port 0 --data $work/data")
python3 - "$url" "$n" "$pid" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
url, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body=None):
    conn.request(method, "/bigquery/v2/projects/bench" + path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    if r.status >= 300: raise SystemExit("%s %s: %s" % (method, path, data))
    return data
call("POST", "/datasets", {"datasetReference": {"datasetId": "small"}})
call("POST", "/queries", {"query": "CREATE TABLE small.t AS SELECT x, CONCAT('name ', CAST(x AS STRING)) AS s "
                          "FROM UNNEST(GENERATE_ARRAY(1, 100)) AS x", "useLegacySql": False})
call("POST", "/queries", {"query": "CREATE TABLE small.u AS SELECT * FROM small.t", "useLegacySql": False})
work = {
    "dry run": {"query": "SELECT s, x * 2 AS y FROM small.t WHERE x > 10", "useLegacySql": False, "dryRun": True},
    "one-row INSERT": {"query": "INSERT INTO small.t (x, s) VALUES (1000, 'one more')", "useLegacySql": False},
    "query over a 100-row table": {"query": "SELECT s, x * 2 AS y FROM small.t WHERE x > 10 ORDER BY x LIMIT 20",
                                   "useLegacySql": False, "useQueryCache": False},
    "UPDATE of 100 rows (a version kept)": {"query": "UPDATE small.u SET x = x + 1 WHERE TRUE", "useLegacySql": False},
}
for name, body in work.items():
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call("POST", "/queries", body)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"work": name, "n": n, "median_ms": round(statistics.median(times), 2),
                      "p90_ms": round(times[int(0.9 * (n - 1))], 2), "goal_ms": 10}))
rss = [l for l in open("/proc/%s/status" % pid) if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"sandbox_peak_rss_mb": round(int(rss) / 1024, 1)}))
PY
