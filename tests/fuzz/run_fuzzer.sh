#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one libFuzzer target for a bounded time over a seed corpus made from the test data.
# Usage: run_fuzzer.sh BINARY NAME SOURCE_DIR [SECONDS=20]
set -euo pipefail
bin=$1; name=$2; src=$3; seconds=${4:-20}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
case "$name" in
  fuzz_sql)
    i=0
    for f in "$src"/tests/data/sql/cases/*/query.sql; do
      sed -e 's/samples\.persons/d.t/g' -e 's/t\.nums/d.t/g' "$f" > "$corpus/c$i"; i=$((i+1))
    done
    # Long and deep: operator chains past their limit, nesting near it, a 100 KB literal.
    { printf 'SELECT 1'; for _ in $(seq 1500); do printf '+1'; done; } > "$corpus/chain"
    { printf 'SELECT TRUE'; for _ in $(seq 1200); do printf ' AND x.a[OFFSET(0)]'; done; printf ' FROM d.t x'; } > "$corpus/chain2"
    { printf 'SELECT '; for _ in $(seq 250); do printf '('; done; printf '1'; for _ in $(seq 250); do printf ')'; done; } > "$corpus/deep"
    { printf "SELECT '"; head -c 60000 /dev/zero | tr '\0' 'a'; printf "'"; } > "$corpus/long"
    ;;
  fuzz_insert_rows)
    i=0
    while IFS= read -r line; do echo "{\"rows\":[{\"json\":$line}]}" > "$corpus/p$i"; i=$((i+1)); done < "$src/resources/samples/persons/persons.ndjson"
    echo '{"rows":[{"json":{"i":"1","f":1.5,"n":"1.25","b":true,"by":"AAE=","ts":"2022-01-01T00:00:00Z","d":"2024-02-29","t":"01:02:03","dt":"2024-01-01T00:00:00","j":{"a":[1]},"rg":"[2020-01-01, UNBOUNDED)","r":[{"s":"x","deep":{"x":[1,2]}}]}}]}' > "$corpus/all"
    # Deep values: in a JSON column, and where a RECORD is expected.
    { printf '{"rows":[{"json":{"j":'; for _ in $(seq 3000); do printf '['; done; for _ in $(seq 3000); do printf ']'; done; printf '}}]}'; } > "$corpus/deep"
    { printf '{"rows":[{"json":{"r":'; for _ in $(seq 3000); do printf '{"s":'; done; printf '1'; for _ in $(seq 3000); do printf '}'; done; printf '}}]}'; } > "$corpus/deep2"
    ;;
  fuzz_record_reader)
    i=0
    # The first byte of each seed picks format and chunking (see the fuzzer).
    for f in "$src"/tests/data/hostile/upload/*/input*; do
      { printf 'A'; head -c 3000 "$f"; } > "$corpus/u$i"; { printf 'I'; head -c 3000 "$f"; } > "$corpus/v$i"; i=$((i+1))
    done
    { printf 'A{"a":'; for _ in $(seq 5000); do printf '['; done; for _ in $(seq 5000); do printf ']'; done; printf '}\n'; } > "$corpus/deep"
    { printf 'A{"s":"'; head -c 60000 /dev/zero | tr '\0' 'x'; printf '"}\n{"s":1}\n'; } > "$corpus/long"
    ;;
  fuzz_sandbox_auth)
    # Mode byte + input (see the fuzzer): claims to sign, bearer tokens, forms, upload bodies.
    printf '\003{"iss":"fuzz@p.iam.gserviceaccount.com","sub":"fuzz@p.iam.gserviceaccount.com","aud":"https://bigquery.googleapis.com/","iat":1800000000,"exp":1800003600}' > "$corpus/s1"
    printf '\003{"iss":"fuzz@p.iam.gserviceaccount.com","scope":"x","aud":"https://oauth2.googleapis.com/token","iat":1800000000,"exp":1800003600}' > "$corpus/s2"
    printf '\000eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln' > "$corpus/b1"
    printf '\001grant_type=refresh_token&x=%%41%%' > "$corpus/f1"
    printf '\004{"publicKeyData":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}' > "$corpus/u1"
    ;;
  fuzz_load_input)
    # Mode byte (see the fuzzer) + a CSV file, a multipart body, a Content-Range.
    printf '\000a,b,c\r\n"x, ""y""",,\n\n"open\nline",2\n\357\273\277bom,\351\n' > "$corpus/c1"
    printf '\004"multi\nline",x\n"never closed\n' > "$corpus/c2"
    printf '\001a\tb\n"q"x\ty\n' > "$corpus/c3"
    printf '\000--b\r\nContent-Type: application/json\r\n\r\n{"configuration":{"load":{}}}\r\n--b\r\n\r\n{"a":1}\n\r\n--b--\r\n' > "$corpus/m1"
    printf '\040--b\n\n{}\n--b\n\nx\n--b--' > "$corpus/m2"
    printf '\000bytes 0-99/1000' > "$corpus/r1"
    printf '\000bytes */*' > "$corpus/r2"
    ;;
  fuzz_segment)
    # Row group bodies (see sandbox/Segment.cpp): INT64s, text, an ARRAY of STRUCTs, NULLs.
    python3 - "$corpus" <<'PY'
import sys, struct
def v(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7f) | 0x80]); n >>= 7
    return out + bytes([n])
def zz(n): return (n << 1) ^ (n >> 63) if n >= 0 else ((-n) << 1) - 1
def column(kinds, ints=b"", doubles=b"", lens=b"", text=b"", sizes=b""):
    streams = [kinds, ints, doubles, lens, text, sizes]
    return b"".join(v(len(x)) for x in streams) + b"".join(streams)
def body(rows, cols, widths, ids=b"", nids=0):
    schema = b'{"fields":[{"name":"a","type":"INTEGER"},{"name":"b","type":"STRING"}]}'
    # A head (rows, more, next log, schema, each column's bytes, each column's statistics:
    # NULLs, memory, then a kind and the least and greatest value, or 0) before the rest.
    stats = v(len(cols)) + v(0) + v(0) + b"\1" + v(zz(-100)) + v(zz(7)) + b"".join(v(1) + v(40) + b"\0" for _ in cols[1:])
    head = v(rows) + b"\0" + v(3) + v(len(schema)) + schema + v(len(cols)) + b"".join(v(40) for _ in cols) + stats
    return v(len(head)) + head + v(3) + b"\0" + v(rows) + v(len(schema)) + schema + v(nids) + ids + v(len(cols)) + b"".join(cols) + b"".join(v(w) for w in widths)
ints = column(bytes([1] * 4), ints=b"".join(v(zz(d)) for d in [5, 1, 1, -100]))
texts = column(bytes([6, 0, 6, 7]), lens=v(3) + v(5) + v(1), text=b"abchello" + b"\x01")
nested = column(bytes([17, 16, 1, 6, 16, 1, 0, 0, 17, 255]), ints=v(zz(7)) + v(zz(1)), lens=v(2), text=b"xy", sizes=v(2) + v(2) + v(2) + v(0))
floats = column(bytes([2, 2, 0, 2]), doubles=struct.pack("<ddd", 1.5, float("nan"), -0.0))
open(sys.argv[1] + "/s1", "wb").write(b"B" + body(4, [ints, texts], [2, 2, 2, 2]))
open(sys.argv[1] + "/s2", "wb").write(b"B" + body(4, [ints, floats, nested], [3, 3, 3, 2], struct.pack("<qQQ", 1, 2, 3), 1))
PY
    ;;
  fuzz_client_text)
    # 'R' + a watch rule; otherwise .sql files joined by NUL bytes (views reading each other).
    printf 'Rtype=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m' > "$corpus/r1"
    printf 'Rstate!=DONE user=a@b.c slot>1.5h remaining<90s' > "$corpus/r2"
    printf 'FCREATE VIEW ds.a AS SELECT 1 AS x;\0CREATE OR REPLACE VIEW `p.ds.b` AS\nSELECT * FROM ds.a\0SELECT * FROM b JOIN ds.c USING (x)' > "$corpus/v1"
    printf "FCREATE TEMP FUNCTION f(x INT64) AS (x);\nSELECT f(1) FROM ds.t;\nCREATE PROCEDURE ds.p() BEGIN SELECT CASE WHEN 1 THEN 2 END; END;\0/* c */ CREATE TABLE ds.t AS SELECT 'a;b' AS s" > "$corpus/v2"
    printf 'FCREATE TABLE ds.t AS;\nSELECT 1 AS y\0CREATE PROCEDURE ds.p() BEGIN SELECT 1; BEGIN SELECT 2; END;' > "$corpus/v3"
    i=0
    for f in "$src"/tests/data/sql/cases/*/query.sql; do { printf 'F'; cat "$f"; } > "$corpus/q$i"; i=$((i+1)); done
    ;;
  fuzz_proto_rows|fuzz_arrow_batch)
    # Seeds the fuzzer writes itself: AppendRowsRequest.ProtoData (it has protobuf at hand), or
    # Arrow record batches of its table; and the inputs it once failed on, run again first.
    QUARRY_FUZZ_SEEDS_OUT="$corpus" "$bin"
    if [[ "$name" == fuzz_arrow_batch ]]; then cp "$src"/tests/data/hostile/arrow/* "$corpus/"; fi
    if [[ "$name" == fuzz_proto_rows ]]; then cp "$src"/tests/data/hostile/protorows/* "$corpus/"; fi
    ;;
  fuzz_fv_decoder)
    i=0
    for f in "$src"/tests/data/fv/*/response.json "$src"/tests/data/hostile/fv/*/response.json; do cp "$f" "$corpus/r$i"; i=$((i+1)); done
    ;;
esac
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 "$corpus"
