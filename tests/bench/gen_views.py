#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A folder of .sql files shaped like a dbt project, for `quarry-cli validate`: TABLES base
tables (CREATE TABLE, with a few rows inserted by the caller), then VIEWS views in LAYERS
layers; each view reads one view of the layer before it (a second one with probability 0.3,
or a base table in the first layer) and filters, groups or joins. Deterministic (seed 7).
Writes DIR/manifest.json: the files in an order that can be checked, layer by layer.
Usage: gen_views.py DIR [VIEWS=5000] [LAYERS=8] [TABLES=50]"""
import json
import os
import random
import sys

out = sys.argv[1]
views = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
layers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
tables = int(sys.argv[4]) if len(sys.argv) > 4 else 50
rnd = random.Random(7)
os.makedirs(os.path.join(out, "base"), exist_ok=True)
manifest = {"layers": []}

base = []
for t in range(tables):
    path = f"base/t{t:03d}.sql"
    with open(os.path.join(out, path), "w") as f:
        f.write(f"-- base table {t}\nCREATE TABLE IF NOT EXISTS vg.t{t:03d} (\n  id INT64,\n  name STRING,\n"
                f"  amount FLOAT64,\n  day DATE\n);\n")
    base.append({"file": path, "name": f"vg.t{t:03d}", "kind": "table"})
manifest["layers"].append(base)

previous = base
per_layer = views // layers
made = 0
for layer in range(layers):
    count = per_layer if layer < layers - 1 else views - made
    folder = f"layer{layer}"
    os.makedirs(os.path.join(out, folder), exist_ok=True)
    current = []
    for k in range(count):
        name = f"vg.l{layer}_v{k:04d}"
        src = rnd.choice(previous)["name"]
        shape = rnd.random()
        if shape < 0.3:
            other = rnd.choice(previous)["name"]
            body = (f"SELECT a.id, a.name, a.amount + b.amount AS amount, a.day\nFROM `p.{src}` AS a\n"
                    f"JOIN `p.{other}` AS b USING (id)")
        elif shape < 0.6:
            body = (f"SELECT id, ANY_VALUE(name) AS name, SUM(amount) AS amount, MAX(day) AS day\n"
                    f"FROM `p.{src}`\nGROUP BY id")
        else:
            body = f"SELECT id, UPPER(name) AS name, amount * 2 AS amount, day\nFROM `p.{src}`\nWHERE amount > {k % 10}"
        path = f"{folder}/v{k:04d}.sql"
        with open(os.path.join(out, path), "w") as f:
            f.write(f"-- layer {layer}, view {k}\nCREATE OR REPLACE VIEW `p.{name}` AS\n{body}\n")
        current.append({"file": path, "name": name, "kind": "view"})
    manifest["layers"].append(current)
    previous = current
    made += count

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f)
