#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the ZetaSQL compliance suite's numbers per area as a Markdown table.

Usage: python3 ../shared/conformance/zetasql/run.py --bin build/app/quarry-sandbox --out z.json
       python3 tests/conformance/zetasql_areas.py z.json
The runner's JSON report has counts per test file; files are grouped into areas by name.
"""
import json
import sys

AREAS = [  # (area, file-name prefixes), first match wins
    ("Window functions", ("analytic_",)),
    ("Aggregates", ("aggregation_", "approx_", "stat_", "numeric_aggregation", "hash")),
    ("Collation", ("collation", "orderby_collate", "like_all")),
    ("Set operations", ("set_operation", "union", "except_intersect")),
    ("GROUP BY, grouping sets, HAVING, QUALIFY", ("group", "having", "qualify")),
    ("Arrays, UNNEST, joins", ("array", "unnest", "join", "in_queries", "exists")),
    ("Dates, times, intervals, time zones", ("interval", "timestamp", "default_timezone")),
    ("Encryption (AEAD, KEYS)", ("aead", "keys")),
    ("PIVOT, TABLESAMPLE, pipes, value tables", ("pivot", "tablesample", "pipe_", "value_table")),
    ("DML", ("dml_",)),
]


def area(name):
    for a, prefixes in AREAS:
        if name.startswith(prefixes):
            return a
    return "Other queries and functions"


def main():
    report = json.load(open(sys.argv[1]))
    totals = {}
    for name, counts in report["per_file"].items():
        t = totals.setdefault(area(name), {"pass": 0, "run": 0, "wrong": 0})
        run = sum(n for k, n in counts.items() if k != "skipped")
        t["run"] += run
        t["pass"] += counts.get("pass", 0)
        t["wrong"] += counts.get("wrong", 0) + counts.get("expected-error-missed", 0)
    print("| area | cases run | pass | % | wrong or missed |")
    print("|---|---:|---:|---:|---:|")
    for a in sorted(totals, key=lambda a: -totals[a]["run"]):
        t = totals[a]
        print("| %s | %d | %d | %.0f%% | %d |" % (a, t["run"], t["pass"], 100.0 * t["pass"] / max(t["run"], 1), t["wrong"]))
    run = sum(t["run"] for t in totals.values())
    passed = sum(t["pass"] for t in totals.values())
    print("| **all** | %d | %d | %.1f%% | %d |" % (run, passed, 100.0 * passed / max(run, 1), sum(t["wrong"] for t in totals.values())))


if __name__ == "__main__":
    main()
