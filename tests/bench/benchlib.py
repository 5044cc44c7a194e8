# SPDX-License-Identifier: MIT
"""What the engine benchmarks (run_engine.sh, run_skip.sh) share: a sandbox's REST calls, its
peak RSS, a query timed as a median of three, DuckDB run on the same questions through
duck_sql.mjs, and rows compared across the two engines."""
import json, os, subprocess, sys, time, urllib.error, urllib.request


class Sandbox:
    def __init__(self, url, pid, project="bench"):
        self.url, self.pid, self.project = url, pid, project

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.url + "/bigquery/v2/projects/" + self.project + path,
                                     json.dumps(body).encode() if body else None, {"Content-Type": "application/json"}, method=method)
        try:
            return json.load(urllib.request.urlopen(req))
        except urllib.error.HTTPError as e:
            sys.exit("sandbox refused %s: %s" % (json.dumps(body)[:200], e.read().decode()[:500]))

    def sql(self, q):
        return self.call("POST", "/queries", {"query": q, "useLegacySql": False, "useQueryCache": False, "timeoutMs": 600000})

    def peak_mb(self):
        for line in open("/proc/%s/status" % self.pid):
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024

    def timed(self, q):
        """Median of three runs, the peak RSS during them, the rows of the last and its answer."""
        times, peak, rows, resp = [], 0, None, None
        for _ in range(3):
            open("/proc/%s/clear_refs" % self.pid, "w").write("5")
            t0 = time.perf_counter()
            resp = self.sql(q)
            times.append(time.perf_counter() - t0)
            peak = max(peak, self.peak_mb())
            rows = [[c["v"] for c in r["f"]] for r in resp.get("rows", [])]
        self.last_times = times  # in run order: the first pays for what the later ones reuse
        return sorted(times)[1], peak, rows, resp


def duckdb(here, work, setup, queries):
    """DuckDB's load metadata and, by name, each query's median seconds, peak RSS and rows."""
    json.dump(setup, open(work + "/duck_setup.json", "w"))
    json.dump(queries, open(work + "/duck_queries.json", "w"))
    out = subprocess.run(["node", os.path.join(here, "duck_sql.mjs"), work + "/duck_setup.json", work + "/duck_queries.json"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return json.loads(out[0]), {d["query"]: d for d in map(json.loads, out[1:])}


def norm(rows):
    """Rows as text both engines agree on: integers exactly, other numbers to 6 digits."""
    def one(x):
        s = str(x)
        try:
            return str(round(float(s), 6)) if "." in s else str(int(s)) if s.lstrip("-").isdigit() else s
        except ValueError:
            return s
    return [[one(x) for x in r] for r in rows]
