#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile inputs for the f/v decoder: each folder holds response.json, an optional
schema.json and error.txt, a piece of text the DecodeError message must contain (so the error
says where and what)."""
import json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
S = {"fields": [{"name": "id", "type": "INTEGER"}, {"name": "r", "type": "RECORD",
                 "fields": [{"name": "x", "type": "STRING", "mode": "REPEATED"}]}]}

def body(rows, schema=S, **extra):
    b = {"kind": "bigquery#getQueryResultsResponse", "jobComplete": True, "schema": schema, "rows": rows}
    b.update(extra)
    return json.dumps(b)

def row(*cells): return {"f": [{"v": c} for c in cells]}
GOOD = row("1", {"f": [{"v": [{"v": "a"}]}]})

def case(name, text, error, schema=None):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "response.json"), "wb") as fh:
        fh.write(text if isinstance(text, bytes) else text.encode())
    if schema is not None:
        with open(os.path.join(d, "schema.json"), "w") as fh: json.dump(schema, fh)
    with open(os.path.join(d, "error.txt"), "w") as fh: fh.write(error)

full = body([GOOD, GOOD])
case("truncated", full[: len(full) // 2], "not valid JSON")
case("empty_body", "", "not valid JSON")
case("top_level_array", "[1,2]", "not a JSON object")
case("rows_not_array", body({"f": []}), "rows: expected an array")
case("row_without_f", body([GOOD, {"g": []}]), "rows[1]: expected {\"f\":[...]}")
case("f_longer_than_schema", body([row("1", None, "extra")]), "rows[0]: has 3 cells but the schema has 2 fields")
case("f_shorter_than_schema", body([GOOD, row("1")]), "rows[1]: has 1 cells but the schema has 2 fields")
case("cell_without_v", body([{"f": [{"w": "1"}, {"v": None}]}]), "rows[0].id: cell is not {\"v\":...}")
case("record_got_string", body([row("1", "oops")]), "rows[0].r: expected a record")
case("repeated_got_string", body([row("1", {"f": [{"v": "a"}]})]), "rows[0].r.x: expected an array for REPEATED STRING")
case("repeated_element_not_wrapped", body([row("1", {"f": [{"v": ["a"]}]})]), "rows[0].r.x[0]: array element is not {\"v\":...}")
case("null_array_element", body([row("1", {"f": [{"v": [{"v": None}]}]})]), "rows[0].r.x[0]: arrays cannot hold NULL")
case("int_garbage", body([row("12abc", None)]), "rows[0].id: '12abc' is not a valid INTEGER")
case("int_overflow", body([row("99999999999999999999", None)]), "is not a valid INTEGER")
case("int_as_object", body([row({"a": 1}, None)]), "rows[0].id: expected a string for INTEGER, got an object")
case("huge_float", body([row("1", None)], schema={"fields": [{"name": "f", "type": "FLOAT"}, {"name": "g", "type": "STRING"}]}).replace('"1"', '"1e999999"', 1),
     "'1e999999' is not a valid FLOAT")
case("numeric_too_many_digits", body([row("1" * 40, None)], schema={"fields": [{"name": "n", "type": "NUMERIC"}, {"name": "g", "type": "STRING"}]}),
     "is not a valid NUMERIC")
case("bignumeric_scale_39", body([row("0." + "1" * 39, None)], schema={"fields": [{"name": "n", "type": "BIGNUMERIC"}, {"name": "g", "type": "STRING"}]}),
     "is not a valid BIGNUMERIC")
case("bad_date", body([row("2023-02-30", None)], schema={"fields": [{"name": "d", "type": "DATE"}, {"name": "g", "type": "STRING"}]}),
     "'2023-02-30' is not a valid DATE")
case("bad_timestamp", body([row("yesterday", None)], schema={"fields": [{"name": "t", "type": "TIMESTAMP"}, {"name": "g", "type": "STRING"}]}),
     "'yesterday' is not a TIMESTAMP")
case("bad_base64", body([row("@@@", None)], schema={"fields": [{"name": "b", "type": "BYTES"}, {"name": "g", "type": "STRING"}]}),
     "'@@@' is not a valid BYTES")
case("bad_bool", body([row("yes", None)], schema={"fields": [{"name": "b", "type": "BOOL"}, {"name": "g", "type": "STRING"}]}),
     "'yes' is not a valid BOOLEAN")
case("rows_without_schema", json.dumps({"rows": [GOOD]}), "has rows but no schema")
case("bad_total_rows", body([GOOD], totalRows="many"), "totalRows: 'many' is not a number")
case("invalid_utf8", b'{"schema":{"fields":[{"name":"s","type":"STRING"}]},"rows":[{"f":[{"v":"\xff\xfe"}]}]}', "not valid JSON")
case("deep_10000_arrays", '{"rows":' + "[" * 10000 + "]" * 10000 + "}", "not valid JSON")
case("deep_10000_objects", '{"rows":[' + '{"f":[{"v":' * 5000 + "null" + "}]}" * 5000 + "]}", "not valid JSON")
def deep_schema(n):
    f = {"name": "leaf", "type": "STRING"}
    for i in range(n): f = {"name": "r%d" % i, "type": "RECORD", "fields": [f]}
    return {"fields": [f]}
case("schema_16_levels", body([], schema=deep_schema(16)), "deeper than 15 levels")
case("schema_unknown_type", body([], schema={"fields": [{"name": "a", "type": "VARCHAR"}]}), "unknown type 'VARCHAR'")
case("schema_record_without_fields", body([], schema={"fields": [{"name": "a", "type": "RECORD"}]}), "RECORD field 'a' has no sub-fields")
case("schema_bad_name", body([], schema={"fields": [{"name": "a b", "type": "STRING"}]}), "invalid field name 'a b'")
case("range_garbage", body([row("[2020-01-01,", None)], schema={"fields": [{"name": "r", "type": "RANGE", "rangeElementType": {"type": "DATE"}}, {"name": "g", "type": "STRING"}]}),
     "is not a valid RANGE")
print("corpus written")
