#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a getQueryResults response page of N nested rows (persons-like: records, repeated
records, repeated scalars, TIMESTAMP, FLOAT, NUMERIC). Deterministic for a given N and seed.
Usage: gen_page.py OUT.json [N] [--int64-ts]"""
import json, random, sys

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else 100000
    int64 = "--int64-ts" in sys.argv
    rnd = random.Random(20261122)
    F = lambda name, t, mode="NULLABLE", fields=None: dict(name=name, type=t, mode=mode, **({"fields": fields} if fields else {}))
    schema = [F("id", "INTEGER", "REQUIRED"), F("fullName", "STRING"), F("age", "INTEGER"), F("gender", "STRING"),
              F("score", "FLOAT"), F("balance", "NUMERIC"), F("updated", "TIMESTAMP"),
              F("phoneNumber", "RECORD", fields=[F("areaCode", "INTEGER"), F("number", "INTEGER")]),
              F("children", "RECORD", "REPEATED", [F("name", "STRING"), F("gender", "STRING"), F("age", "INTEGER")]),
              F("citiesLived", "RECORD", "REPEATED", [F("place", "STRING"), F("numberOfYears", "INTEGER"),
                                                      F("yearsLived", "INTEGER", "REPEATED")]),
              F("tags", "STRING", "REPEATED")]
    names = ["John Doe", "Mike Jones", "Anna Karenina", "Jane Austen", "Ada Lovelace", "Alan Turing"]
    cities = ["Seattle", "Stockholm", "Austin", "Tokyo", "Paris", "Lagos", "Lima"]
    def v(x): return {"v": x}
    rows = []
    for i in range(n):
        us = 1_600_000_000_000_000 + rnd.randrange(10**14)
        ts = str(us) if int64 else repr(us / 1e6).replace("e+", "E")
        kids = [v({"f": [v(rnd.choice(names).split()[0]), v(rnd.choice(["M", "F"])), v(str(rnd.randrange(1, 18)))]})
                for _ in range(rnd.randrange(0, 4))]
        lived = [v({"f": [v(rnd.choice(cities)), v(str(rnd.randrange(1, 20))),
                          v([v(str(1950 + rnd.randrange(70))) for _ in range(rnd.randrange(1, 4))])]})
                 for _ in range(rnd.randrange(1, 4))]
        rows.append({"f": [v(str(i)), v(rnd.choice(names)), v(str(rnd.randrange(18, 90))),
                           v(rnd.choice(["Male", "Female", None])), v(repr(rnd.random() * 100)),
                           v("%d.%02d" % (rnd.randrange(10**6), rnd.randrange(100))), v(ts),
                           v({"f": [v(str(rnd.randrange(200, 999))), v(str(rnd.randrange(10**6, 10**7)))]}),
                           v(kids), v(lived), v([v(t) for t in rnd.sample(["a", "b", "vip", "new"], rnd.randrange(0, 3))])]})
    page = {"kind": "bigquery#getQueryResultsResponse", "etag": "\"bench\"", "schema": {"fields": schema},
            "jobReference": {"projectId": "bench", "jobId": "job_bench", "location": "US"},
            "totalRows": str(n), "rows": rows, "totalBytesProcessed": "0", "jobComplete": True, "cacheHit": False}
    with open(out, "w") as fh:
        json.dump(page, fh, separators=(",", ":"))

if __name__ == "__main__":
    main()
