#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bq CLI (from the google-cloud-cli package) against quarry-sandbox: the Sandbox issue's
# scenario. Usage: bq_scenario.sh BASE_URL SAMPLES_DIR. Prints "N passed, M failed".
# bq.py is run with the SDK's bundled Python directly: the `bq` wrapper insists on a gcloud
# login, while bq itself takes --oauth_access_token as the issue describes.
set -uo pipefail
base=$1
samples=$2
sdk=$(dirname "$(dirname "$(readlink -f "$(command -v bq)")")")
[[ -f "$sdk/platform/bq/bq.py" ]] || sdk=/usr/lib/google-cloud-sdk
discovery=$sdk/platform/bq/discovery_next/bigquery.json
py=$sdk/platform/bundledpythonunix/bin/python3
[[ -x "$py" ]] || py=python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDSDK_CONFIG=$work/gcloud
bq() { "$py" "$sdk/platform/bq/bq.py" --api "$base" --discovery_file "$discovery" --oauth_access_token x \
         --project_id bqp --bigqueryrc "$work/bqrc" --quiet "$@"; }
touch "$work/bqrc"
passed=0
failed=0
check() { # check NAME EXPECTED-SUBSTRING COMMAND...
  local name=$1 want=$2
  shift 2
  local out
  out=$("$@" 2>&1)
  if [[ "$out" == *"$want"* ]]; then
    passed=$((passed + 1)); echo "ok - $name"
  else
    failed=$((failed + 1)); echo "FAILED - $name: wanted '$want' in:"; echo "$out" | sed 's/^/    /'
  fi
}
check_clean() { # check_clean NAME COMMAND...: succeeds and prints no error
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1) && [[ "$out" != *rror* ]]; then
    passed=$((passed + 1)); echo "ok - $name"
  else
    failed=$((failed + 1)); echo "FAILED - $name:"; echo "$out" | sed 's/^/    /'
  fi
}

python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["fields"]))' "$samples/persons/schema.json" > "$work/schema.json"
check "create a dataset" "successfully created" bq mk --dataset bqp:bqds
check "create a nested table" "successfully created" bq mk --table bqp:bqds.persons "$work/schema.json"
check "show the nested schema" "children" bq show --format=prettyjson bqp:bqds.persons
check_clean "insert the persons rows with insert ids" bq insert --insert_id=persons bqp:bqds.persons "$samples/persons/persons.ndjson"
check_clean "insert them again" bq insert --insert_id=persons bqp:bqds.persons "$samples/persons/persons.ndjson"
check "no duplicates" '"numRows": "3"' bq show --format=prettyjson bqp:bqds.persons
check "query with UNNEST" '"child":"Earl"' bq query --use_legacy_sql=false --format=json \
  'SELECT fullName, c.name AS child FROM bqds.persons, UNNEST(children) AS c WHERE c.age > 6 ORDER BY child'
check "page with max_rows=1" '"fullName":"Anna Karenina"' bq query --use_legacy_sql=false --format=json --max_rows=1 \
  'SELECT fullName FROM bqds.persons ORDER BY fullName'
check "list rows" '"fullName":"Mike Jones"' bq head --format=json --max_rows=3 bqp:bqds.persons
check "list rows one at a time from an offset" '"fullName":"Anna Karenina"' bq head --format=json --max_rows=1 --start_row=2 bqp:bqds.persons
check "DML reports its affected rows" "Number of affected rows: 1" bq query --use_legacy_sql=false \
  "DELETE FROM bqds.persons WHERE fullName = 'Mike Jones'"
check "DDL creates a table" "Created bqp.bqds.kids" bq query --use_legacy_sql=false \
  'CREATE TABLE bqds.kids AS SELECT c.name FROM bqds.persons, UNNEST(children) AS c'
check "legacy SQL is the default: WITHIN RECORD" '"kids":"2"' bq query --format=json \
  'SELECT fullName, COUNT(children.name) WITHIN RECORD AS kids FROM [bqp:bqds.persons] ORDER BY fullName'
check "make a view with bq mk --view" "successfully created" bq mk --use_legacy_sql=false \
  --view 'SELECT fullName FROM bqds.persons WHERE age >= 20' bqp:bqds.grown
check "show it as a VIEW" '"type": "VIEW"' bq show --format=prettyjson bqp:bqds.grown
check "query the view" '"n":"' bq query --use_legacy_sql=false --format=json 'SELECT COUNT(*) AS n FROM bqds.grown'
check "a script prints each statement's rows" '"kids":"2"' bq query --use_legacy_sql=false --format=json "$(cat <<'SQL'
DECLARE adults INT64;
SET adults = (SELECT COUNT(*) FROM bqds.persons WHERE age >= 20);
IF adults > 0 THEN
  SELECT adults;
END IF;
SELECT fullName, ARRAY_LENGTH(children) AS kids FROM bqds.persons WHERE fullName = 'John Doe'
SQL
)"
check "a script's child jobs are listed under it" '"parentJobId"' bq ls -j --format=prettyjson \
  --parent_job_id="$(bq ls -j --format=json -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["jobReference"]["jobId"])')"
check "CREATE FUNCTION stores a routine" "Created bqp.bqds.initial" bq query --use_legacy_sql=false \
  'CREATE FUNCTION bqds.initial(name STRING) AS (SUBSTR(name, 1, 1))'
check "list the routine" "initial" bq ls --routines bqp:bqds
check "a query calls it, and a temp function" '"i":"J","t":"JJ"' bq query --use_legacy_sql=false --format=json \
  "CREATE TEMP FUNCTION twice(s STRING) AS (CONCAT(s, s)); SELECT bqds.initial(fullName) AS i, twice(bqds.initial(fullName)) AS t FROM bqds.persons WHERE fullName = 'John Doe'"
session=$(bq query --use_legacy_sql=false --create_session 'DECLARE base INT64 DEFAULT 41; SELECT base' 2>&1 |
  sed -n 's/^In session: //p')
check "a session made with --create_session keeps its variables" '"answer":"42"' bq query --use_legacy_sql=false \
  --format=json --session_id="$session" 'SELECT base + 1 AS answer'
check "a syntax error is invalidQuery" "Syntax error" bq query --use_legacy_sql=false 'SELECT FROM WHERE'
check "a missing table is not found" "Not found: Table bqp:bqds.nope" bq show bqp:bqds.nope
check_clean "delete the dataset" bq rm -r -f -d bqp:bqds
check "it is gone" "Not found: Dataset bqp:bqds" bq show bqp:bqds
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
