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
    ;;
  fuzz_insert_rows)
    i=0
    while IFS= read -r line; do echo "{\"rows\":[{\"json\":$line}]}" > "$corpus/p$i"; i=$((i+1)); done < "$src/resources/samples/persons/persons.ndjson"
    echo '{"rows":[{"json":{"i":"1","f":1.5,"n":"1.25","b":true,"by":"AAE=","ts":"2022-01-01T00:00:00Z","d":"2024-02-29","t":"01:02:03","dt":"2024-01-01T00:00:00","j":{"a":[1]},"rg":"[2020-01-01, UNBOUNDED)","r":[{"s":"x","deep":{"x":[1,2]}}]}}]}' > "$corpus/all"
    ;;
  fuzz_record_reader)
    i=0
    # The first byte of each seed picks format and chunking (see the fuzzer).
    for f in "$src"/tests/data/hostile/upload/*/input*; do
      { printf 'A'; head -c 3000 "$f"; } > "$corpus/u$i"; { printf 'I'; head -c 3000 "$f"; } > "$corpus/v$i"; i=$((i+1))
    done
    ;;
  fuzz_sandbox_auth)
    # Mode byte + input (see the fuzzer): claims to sign, bearer tokens, forms, upload bodies.
    printf '\003{"iss":"fuzz@p.iam.gserviceaccount.com","sub":"fuzz@p.iam.gserviceaccount.com","aud":"https://bigquery.googleapis.com/","iat":1800000000,"exp":1800003600}' > "$corpus/s1"
    printf '\003{"iss":"fuzz@p.iam.gserviceaccount.com","scope":"x","aud":"https://oauth2.googleapis.com/token","iat":1800000000,"exp":1800003600}' > "$corpus/s2"
    printf '\000eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln' > "$corpus/b1"
    printf '\001grant_type=refresh_token&x=%%41%%' > "$corpus/f1"
    printf '\004{"publicKeyData":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}' > "$corpus/u1"
    ;;
  fuzz_fv_decoder)
    i=0
    for f in "$src"/tests/data/fv/*/response.json "$src"/tests/data/hostile/fv/*/response.json; do cp "$f" "$corpus/r$i"; i=$((i+1)); done
    ;;
esac
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 "$corpus"
