#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the f/v decoder fixtures. Expected outputs are computed here, independently of the
C++ code (Python's datetime, decimal and base64), so the tests check the decoder against a
second implementation. Each folder: response.json, optional schema.json (tabledata.list has
no schema in the body), optional encoding (auto|float|int64|iso), expected.ndjson (the JSON
view of each row, one per line)."""
import base64, datetime as dt, json, math, os, shutil
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

def f(name, type_, mode="NULLABLE", fields=None, **kw):
    d = {"name": name, "type": type_, "mode": mode}
    if fields: d["fields"] = fields
    d.update(kw)
    return d

def cell(v): return {"v": v}
def rec(*cells): return {"f": list(cells)}
def rep(*vals): return [cell(v) for v in vals]

def ts_display(us):
    t = EPOCH + dt.timedelta(microseconds=us)
    s = "%04d-" % t.year + t.strftime("%m-%d %H:%M:%S")
    if us % 1_000_000: s += ".%06d" % (us % 1_000_000)
    return s + " UTC"

def java_double(x):
    """Java's Double.toString for the values used here."""
    if math.isnan(x): return "NaN"
    if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
    r = repr(x)
    if 1e-3 <= abs(x) < 1e7:
        if "e" in r:  # python prints 1e-03 style for some
            r = format(Decimal(r), "f")
        return r if "." in r else r + ".0"
    m, e = "%r" % x, 0
    d = Decimal(repr(x)).normalize()
    sign, digits, exp = d.as_tuple()
    digs = "".join(map(str, digits))
    e = len(digs) - 1 + exp
    mant = digs[0] + "." + (digs[1:] or "0")
    return ("-" if sign else "") + mant + "E" + str(e)

def write(name, schema, rows, expected, encoding="auto", schema_in_body=True, extra=None):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    body = {"kind": "bigquery#getQueryResultsResponse", "jobComplete": True,
            "totalRows": str(len(rows)), "rows": rows}
    if extra: body.update(extra)
    if schema_in_body: body["schema"] = {"fields": schema}
    else:
        body["kind"] = "bigquery#tableDataList"
        with open(os.path.join(d, "schema.json"), "w") as fh: json.dump({"fields": schema}, fh, indent=1)
    with open(os.path.join(d, "response.json"), "w") as fh: json.dump(body, fh, indent=1)
    with open(os.path.join(d, "encoding"), "w") as fh: fh.write(encoding + "\n")
    with open(os.path.join(d, "expected.ndjson"), "w") as fh:
        for e in expected: fh.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n")

# --- every scalar type, with NULLs, int64 timestamps ---
ts1 = int((dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc) - EPOCH).total_seconds()) * 1_000_000
ts2 = -62135596800000000  # 0001-01-01 00:00:00 UTC
ts3 = 253402300799999999  # 9999-12-31 23:59:59.999999 UTC
raw = bytes(range(0, 256, 17))
all_schema = [f("i", "INTEGER"), f("f", "FLOAT64"), f("n", "NUMERIC"), f("bn", "BIGNUMERIC"),
              f("b", "BOOLEAN"), f("s", "STRING"), f("by", "BYTES"), f("d", "DATE"), f("t", "TIME"),
              f("dt", "DATETIME"), f("ts", "TIMESTAMP"), f("g", "GEOGRAPHY"), f("j", "JSON"),
              f("iv", "INTERVAL"), f("r", "RANGE", rangeElementType={"type": "DATE"}),
              f("rt", "RANGE", rangeElementType={"type": "TIMESTAMP"})]
all_rows = [
    rec(cell("9223372036854775807"), cell("3.14"), cell("123.456"), cell("-0.5"), cell("true"),
        cell("h\u00e9llo \"w\"\n"), cell(base64.b64encode(raw).decode()), cell("2024-02-29"),
        cell("23:59:59.123456"), cell("2024-02-29T12:34:56"), cell(str(ts1)),
        cell("POINT(-122.35 47.62)"), cell("{\"a\":[1,2]}"), cell("1-2 3 4:5:6.789"),
        cell("[2020-10-01, UNBOUNDED)"), cell("[%d, %d)" % (ts1, ts1 + 1_000_000))),
    rec(*[cell(None)] * 16),
    rec(cell("-9223372036854775808"), cell("-1.0E-5"), cell("0"), cell("1"), cell("false"), cell(""),
        cell(""), cell("0001-01-01"), cell("00:00:00"), cell("9999-12-31T23:59:59.999999"),
        cell(str(ts2)), cell("LINESTRING(1 2, 3 4)"), cell("null"), cell("0-0 -1 0:0:0"),
        cell("[UNBOUNDED, 2021-01-01)"), cell("[UNBOUNDED, UNBOUNDED)")),
    rec(cell("0"), cell("1.6409952E9"), cell(None), cell(None), cell(None), cell(None), cell(None),
        cell(None), cell(None), cell(None), cell(str(ts3)), cell(None), cell(None), cell(None),
        cell(None), cell(None)),
]
all_expected = [
    {"i": "9223372036854775807", "f": 3.14, "n": "123.456", "bn": "-0.5", "b": True,
     "s": "h\u00e9llo \"w\"\n", "by": base64.b64encode(raw).decode(), "d": "2024-02-29",
     "t": "23:59:59.123456", "dt": "2024-02-29T12:34:56", "ts": ts_display(ts1),
     "g": "POINT(-122.35 47.62)", "j": "{\"a\":[1,2]}", "iv": "1-2 3 4:5:6.789",
     "r": "[2020-10-01, UNBOUNDED)", "rt": "[%s, %s)" % (ts_display(ts1), ts_display(ts1 + 1_000_000))},
    {k["name"]: None for k in all_schema},
    {"i": "-9223372036854775808", "f": -1.0e-5, "n": "0", "bn": "1", "b": False, "s": "", "by": "",
     "d": "0001-01-01", "t": "00:00:00", "dt": "9999-12-31T23:59:59.999999", "ts": ts_display(ts2),
     "g": "LINESTRING(1 2, 3 4)", "j": "null", "iv": "0-0 -1 0:0:0", "r": "[UNBOUNDED, 2021-01-01)",
     "rt": "[UNBOUNDED, UNBOUNDED)"},
    dict({k["name"]: None for k in all_schema}, i="0", f=1.6409952e9, ts=ts_display(ts3)),
]
# Finite FLOAT64 values are JSON numbers (compared by value); NaN and Infinity are strings.
write("all_types_int64_ts", all_schema, all_rows, all_expected, encoding="int64")

# --- the reference's nested repeated example, float-second timestamps at depth ---
nested_schema = [f("id", "INTEGER", "REQUIRED"), f("name", "STRING"), f("tags", "STRING", "REPEATED"),
                 f("address", "RECORD", fields=[f("city", "STRING"), f("zip", "STRING")]),
                 f("orders", "RECORD", "REPEATED", fields=[
                     f("sku", "STRING"), f("qty", "INTEGER"), f("ts", "TIMESTAMP"),
                     f("opts", "RECORD", "REPEATED", fields=[f("k", "STRING"), f("v", "FLOAT")])])]
nested_rows = [
    rec(cell("1"), cell("alice"), cell(rep("a", "b")), cell(rec(cell("Paris"), cell(None))),
        cell([cell(rec(cell("X1"), cell("2"), cell("1.6409952E9"),
                       cell([cell(rec(cell("color"), cell("NaN")))])))])),
    rec(cell("2"), cell(None), cell([]), cell(None), cell([])),
    rec(cell("3"), cell("bob"), cell(None), cell(rec(cell(None), cell("75001"))),
        cell([cell(rec(cell("Y"), cell(None), cell("-1.9954383398377106E10"), cell([]))),
              cell(rec(cell(None), cell("7"), cell("1640995200.123456"),
                       cell([cell(rec(cell("a"), cell("Infinity"))), cell(rec(cell("b"), cell("-Infinity")))])))])),
]
nested_expected = [
    {"id": "1", "name": "alice", "tags": ["a", "b"], "address": {"city": "Paris", "zip": None},
     "orders": [{"sku": "X1", "qty": "2", "ts": ts_display(1640995200000000), "opts": [{"k": "color", "v": "NaN"}]}]},
    {"id": "2", "name": None, "tags": [], "address": None, "orders": []},
    {"id": "3", "name": "bob", "tags": [], "address": {"city": None, "zip": "75001"},
     "orders": [{"sku": "Y", "qty": None, "ts": ts_display(-19954383398377106), "opts": []},
                {"sku": None, "qty": "7", "ts": ts_display(1640995200123456),
                 "opts": [{"k": "a", "v": "Infinity"}, {"k": "b", "v": "-Infinity"}]}]},
]
write("nested_float_ts", nested_schema, nested_rows, nested_expected, encoding="float")
# The same rows with int64 timestamps.
def int_ts(rows):
    s = json.dumps(rows)
    for a, b in (("1.6409952E9", "1640995200000000"), ("-1.9954383398377106E10", "-19954383398377106"),
                 ("1640995200.123456", "1640995200123456")):
        s = s.replace('"%s"' % a, '"%s"' % b)
    return json.loads(s)
write("nested_int64_ts", nested_schema, int_ts(nested_rows), nested_expected, encoding="int64")

# --- 15-deep nesting, the limit ---
def deep_schema(level):
    if level == 15: return [f("leaf", "INTEGER"), f("ts", "TIMESTAMP", "REPEATED")]
    return [f("n%d" % level, "STRING"), f("r%d" % (level + 1), "RECORD", "REPEATED" if level % 2 else "NULLABLE",
                                         fields=deep_schema(level + 1))]
def deep_row(level):
    if level == 15: return rec(cell("15"), cell(rep("1.6409952E9", "0.000001")))
    inner = deep_row(level + 1)
    return rec(cell("L%d" % level), cell([cell(inner)] if level % 2 else inner))
def deep_expected(level):
    if level == 15: return {"leaf": "15", "ts": [ts_display(1640995200000000), ts_display(1)]}
    inner = deep_expected(level + 1)
    return {"n%d" % level: "L%d" % level, "r%d" % (level + 1): [inner] if level % 2 else inner}
write("deep_15_levels", [f("r1", "RECORD", fields=deep_schema(1))], [rec(cell(deep_row(1)))],
      [{"r1": deep_expected(1)}], encoding="float")

# --- exact decimals at full precision ---
n38 = "12345678901234567890123456789.123456789"      # 29 + 9 digits
n38neg = "-99999999999999999999999999999.999999999"
bn76 = "12345678901234567890123456789012345678.12345678901234567890123456789012345678"  # 38 + 38
bn_small = "-0.00000000000000000000000000000000000001"
write("numeric_exact", [f("n", "NUMERIC"), f("bn", "BIGNUMERIC"), f("ns", "NUMERIC", "REPEATED")],
      [rec(cell(n38), cell(bn76), cell(rep(n38neg, "0.000000001"))),
       rec(cell(n38neg), cell(bn_small), cell([]))],
      [{"n": n38, "bn": bn76, "ns": [n38neg, "0.000000001"]}, {"n": n38neg, "bn": bn_small, "ns": []}],
      encoding="int64")

# --- tabledata.list: no schema in the body, legacy and standard type names mixed ---
td_schema = [f("a", "INT64"), f("b", "STRUCT", fields=[f("c", "BOOL"), f("d", "FLOAT", "REPEATED")])]
write("tabledata_no_schema", td_schema,
      [rec(cell("5"), cell(rec(cell("TRUE"), cell(rep("1", "2.5", "NaN", "1e300"))))),
       rec(cell(None), cell(rec(cell(None), cell(None))))],
      [{"a": "5", "b": {"c": True, "d": [1.0, 2.5, "NaN", 1e300]}}, {"a": None, "b": {"c": None, "d": []}}],
      encoding="int64", schema_in_body=False)
print("fixtures written")
