#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes N synthetic persons-like nested rows as NDJSON, matching persons/schema.json
(records, repeated records, repeated integers inside them). Deterministic for a given seed.
Usage: generate_persons.py N [--seed S] > persons_N.ndjson"""
import json, random, sys

def main():
    args = sys.argv[1:]
    if not args or not args[0].isdigit():
        sys.exit("usage: generate_persons.py N [--seed S]")
    n = int(args[0])
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    rnd = random.Random(seed)
    first = ["John", "Mike", "Anna", "Jane", "Earl", "Sam", "Kit", "Ada", "Alan", "Grace", "Linus", "Tim"]
    last = ["Doe", "Jones", "Karenina", "Austen", "Lovelace", "Turing", "Hopper", "Torvalds"]
    places = ["Seattle", "Stockholm", "Los Angeles", "Washington DC", "Portland", "Austin", "Russia", "Tokyo", "Lagos"]
    out = sys.stdout
    for i in range(n):
        row = {
            "kind": "person",
            "fullName": "%s %s %d" % (rnd.choice(first), rnd.choice(last), i),
            "age": rnd.randrange(18, 90),
            "gender": rnd.choice(["Male", "Female"]),
            "phoneNumber": {"areaCode": rnd.randrange(200, 999), "number": rnd.randrange(1000000, 9999999)},
            "children": [{"name": rnd.choice(first), "gender": rnd.choice(["Male", "Female"]), "age": rnd.randrange(0, 18)}
                         for _ in range(rnd.randrange(0, 4))],
            "citiesLived": [{"place": rnd.choice(places),
                             "yearsLived": sorted(rnd.sample(range(1960, 2025), rnd.randrange(1, 4)))}
                            for _ in range(rnd.randrange(1, 4))],
        }
        out.write(json.dumps(row, separators=(",", ":")) + "\n")

if __name__ == "__main__":
    main()
