#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bq CLI (from the google-cloud-cli package) against quarry-sandbox: the Sandbox issue's
# scenario. Usage: bq_scenario.sh BASE_URL SAMPLES_DIR [QUARRY_CLI]. Prints "N passed, M failed".
# With QUARRY_CLI, Quarry's load, mk, cp and update run on the same inputs as bq's and must
# give the same tables.
# bq.py is run with the SDK's bundled Python directly: the `bq` wrapper insists on a gcloud
# login, while bq itself takes --oauth_access_token as the issue describes.
set -uo pipefail
base=$1
samples=$2
quarry=${3:-}
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
# Load jobs (the file goes up through the resumable upload protocol), copy jobs, update, mk, rm.
printf 'name,age,born\nAda,36,1815-12-10\nAlan,41,1912-06-23\n' > "$work/people.csv"
printf 'name,age\nAda,36\nBob,old\nCy\n' > "$work/bad.csv"
gzip -c "$samples/persons/persons.ndjson" > "$work/persons.ndjson.gz"
check "load NDJSON with a schema file" "Upload complete" bq load --source_format=NEWLINE_DELIMITED_JSON \
  bqp:bqds.loaded "$samples/persons/persons.ndjson" "$work/schema.json"
check "the loaded rows are there once, nested" '"n":"3"' bq query --use_legacy_sql=false --format=json \
  'SELECT COUNT(*) AS n FROM bqds.loaded WHERE ARRAY_LENGTH(children) >= 0'
check "load gzip NDJSON with --replace" "Upload complete" bq load --replace --source_format=NEWLINE_DELIMITED_JSON \
  bqp:bqds.loaded "$work/persons.ndjson.gz"
check "--replace left the file's rows only" '"numRows": "3"' bq show --format=prettyjson bqp:bqds.loaded
check "load CSV with --autodetect" "Upload complete" bq load --autodetect bqp:bqds.people "$work/people.csv"
check "autodetection read the header and the types" '"type": "INTEGER"' bq show --format=prettyjson bqp:bqds.people
check "autodetected dates" '"born":"1815-12-10"' bq query --use_legacy_sql=false --format=json \
  "SELECT name, born FROM bqds.people WHERE name = 'Ada'"
check "a bad CSV row fails the load and names its line" "line_number: 3" bq load --skip_leading_rows=1 \
  bqp:bqds.bad "$work/bad.csv" name:STRING,age:INTEGER
check "a failed load adds no table and no rows" "Not found: Table bqp:bqds.bad" bq show bqp:bqds.bad
check "--max_bad_records skips them and says which" "line_number: 4" bq load --skip_leading_rows=1 --max_bad_records=2 \
  bqp:bqds.bad "$work/bad.csv" name:STRING,age:INTEGER
check "copy a table" "successfully copied" bq cp bqp:bqds.people bqp:bqds.people2
check "copy again, appending" "successfully copied" bq cp -a bqp:bqds.people bqp:bqds.people2
check "the copy has both" '"n":"4"' bq query --use_legacy_sql=false --format=json 'SELECT COUNT(*) AS n FROM bqds.people2'
check "update a table's description, expiration and labels" "successfully updated" bq update \
  --description "people, loaded" --expiration 3600 --set_label team:data bqp:bqds.people2
check "they show" '"team": "data"' bq show --format=prettyjson bqp:bqds.people2
check "update adds a column" "successfully updated" bq update bqp:bqds.people2 name:STRING,age:INTEGER,born:DATE,email:STRING
check "the column shows" '"name": "email"' bq show --format=prettyjson bqp:bqds.people2
check "update a dataset" "successfully updated" bq update --description "scenario" --default_table_expiration 7200 bqp:bqds
check "mk a partitioned, clustered table with an inline schema" "successfully created" bq mk --table \
  --description made --time_partitioning_field born --clustering_fields name bqp:bqds.parts name:STRING,born:DATE
check "its partitioning shows" '"field": "born"' bq show --format=prettyjson bqp:bqds.parts
check "rows go in" "Number of affected rows: 3" bq query --use_legacy_sql=false \
  "INSERT INTO bqds.parts (name, born) VALUES ('Ada', '1815-12-10'), ('Alan', '1912-06-23'), ('Grace', '1906-12-09')"
check "mk a table whose partitions expire after a day" "successfully created" bq mk --table \
  --time_partitioning_field born --time_partitioning_expiration 86400 bqp:bqds.expiring name:STRING,born:DATE
check "its expiration shows" '"expirationMs": "86400000"' bq show --format=prettyjson bqp:bqds.expiring
bq query --use_legacy_sql=false "INSERT INTO bqds.expiring (name, born) VALUES ('Ada', '1815-12-10'), ('Now', CURRENT_DATE())" >/dev/null
expiring() { bq query --use_legacy_sql=false --format=json 'SELECT COUNT(*) AS n FROM bqds.expiring' 2>&1; }
for _ in $(seq 40); do [[ "$(expiring)" == *'"n":"1"'* ]] && break; sleep 0.25; done
check "the expired partition's row is deleted, today's stays" '"n":"1"' expiring
dry() { bq query --use_legacy_sql=false --dry_run "$1" 2>&1 | sed -n 's/.*will process \([0-9]*\) bytes.*/\1/p'; }
drops() { # drops NAME QUERY FILTERED-QUERY: the filtered dry run processes fewer bytes, but some
  local all one
  all=$(dry "$2"); one=$(dry "$3")
  if [[ -n "$all" && -n "$one" && "$one" -gt 0 && "$one" -lt "$all" ]]; then
    passed=$((passed + 1)); echo "ok - $1 ($all -> $one)"
  else
    failed=$((failed + 1)); echo "FAILED - $1: '$all' -> '$one'"
  fi
}
drops "a dry run's bytes drop with a partition filter" 'SELECT name FROM bqds.parts WHERE born IS NOT NULL' \
  "SELECT name FROM bqds.parts WHERE born = '1815-12-10'"
check "mk an ingestion-time partitioned table" "successfully created" bq mk --table \
  --time_partitioning_type=DAY bqp:bqds.ingested name:STRING
check "it has no partitioning field" '"type": "DAY"' bq show --format=prettyjson bqp:bqds.ingested
bq query --use_legacy_sql=false "INSERT INTO bqds.ingested (_PARTITIONTIME, name) VALUES ('2024-01-01', 'old'), ('2024-01-02', 'older')" >/dev/null 2>&1
bq query --use_legacy_sql=false "INSERT INTO bqds.ingested (name) VALUES ('today')" >/dev/null 2>&1
check "_PARTITIONDATE reads each row's partition" '"pd":"2024-01-01"' bq query --use_legacy_sql=false --format=json \
  "SELECT _PARTITIONDATE AS pd, name FROM bqds.ingested WHERE name = 'old'"
drops "a dry run's bytes drop with a _PARTITIONTIME filter" 'SELECT name FROM bqds.ingested' \
  "SELECT name FROM bqds.ingested WHERE _PARTITIONTIME = TIMESTAMP '2024-01-02'"
bq query --use_legacy_sql=false --destination_table bqds.qout 'SELECT n FROM UNNEST([1, 2, 3]) AS n' >/dev/null 2>&1
check "a query's result goes to its --destination_table" '"n":"3"' bq query --use_legacy_sql=false --format=json \
  'SELECT COUNT(*) AS n FROM bqds.qout'
replaced=$(date +%s%3N)
sleep 0.01
bq query --use_legacy_sql=false --replace --destination_table bqds.qout 'SELECT 9 AS n' >/dev/null 2>&1
check "--replace replaces it" '"c":"1","n":"9"' bq query --use_legacy_sql=false --format=json 'SELECT MAX(n) AS n, COUNT(*) AS c FROM bqds.qout'
check "FOR SYSTEM_TIME AS OF reads it as it was" '"c":"3","n":"3"' bq query --use_legacy_sql=false --format=json \
  "SELECT MAX(n) AS n, COUNT(*) AS c FROM bqds.qout FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS($replaced)"
check "mk an integer-range partitioned table" "successfully created" bq mk --table \
  --range_partitioning=id,0,100,10 bqp:bqds.ranged id:INTEGER,name:STRING
check "its range shows" '"interval": "10"' bq show --format=prettyjson bqp:bqds.ranged
bq query --use_legacy_sql=false "INSERT INTO bqds.ranged (id, name) VALUES (5, 'a'), (15, 'b'), (25, 'c'), (250, 'd')" >/dev/null 2>&1
drops "a dry run's bytes drop with an integer-range filter" 'SELECT name FROM bqds.ranged WHERE id IS NOT NULL' \
  'SELECT name FROM bqds.ranged WHERE id BETWEEN 10 AND 19'
# Quarry's own verbs on the same inputs give the same tables as bq's (schema, rows, metadata).
if [[ -n "$quarry" ]]; then
  q() { XDG_STATE_HOME="$work/state" "$quarry" --endpoint "$base" --project bqp "$@" </dev/null; }
  # Both tables are read the same neutral way: the REST API itself (curl; a bq call costs ~2 s).
  shape() { # a table's schema, row count and metadata, without ids, times and etags
    curl -sf "$base/bigquery/v2/projects/bqp/datasets/bqds/tables/$1" | python3 -c 'import json,sys; t=json.load(sys.stdin)
print(json.dumps({k: t.get(k) for k in ("schema","numRows","description","labels","timePartitioning","rangePartitioning","clustering","type")}, sort_keys=True),
      "expires" if t.get("expirationTime") else "never")'
  }
  rows() {
    curl -sf -H 'Content-Type: application/json' "$base/bigquery/v2/projects/bqp/queries" -d "$(python3 -c 'import json,sys
print(json.dumps({"query": "SELECT TO_JSON_STRING(t) AS j FROM bqds.%s AS t ORDER BY j" % sys.argv[1], "useLegacySql": False}))' "$1")" |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["rows"]) if "rows" in r else "ERROR: no rows: %s" % r)'
  }
  same() { # same NAME BQ_TABLE QUARRY_TABLE
    local a b
    a="$(shape "$2") $(rows "$2")"; b="$(shape "$3") $(rows "$3")"
    if [[ "$a" == "$b" && "$a" == *'"schema"'* && "$a" != *ERROR* ]]; then
      passed=$((passed + 1)); echo "ok - $1"
    else
      failed=$((failed + 1)); echo "FAILED - $1:"; echo "    bq:     $a"; echo "    quarry: $b"
    fi
  }
  q load --autodetect "$work/people.csv" bqds.q_people >/dev/null
  same "quarry-cli load --autodetect makes bq's table" people q_people
  q load --replace "$work/persons.ndjson.gz" bqds.q_loaded "$work/schema.json" >/dev/null
  same "quarry-cli load of gzip NDJSON with a schema file makes bq's table" loaded q_loaded
  q load --skip_leading_rows 1 --max_bad_records 2 "$work/bad.csv" bqds.q_bad name:STRING,age:INTEGER >/dev/null
  same "quarry-cli load --max_bad_records keeps bq's rows" bad q_bad
  q cp bqds.people bqds.q_people2 >/dev/null && q cp -a bqds.people bqds.q_people2 >/dev/null
  q update bqds.q_people2 --description "people, loaded" --expiration 3600 --set_label team:data >/dev/null
  q update bqds.q_people2 name:STRING,age:INTEGER,born:DATE,email:STRING >/dev/null
  same "quarry-cli cp and update give bq's table" people2 q_people2
  q mk bqds.q_parts name:STRING,born:DATE --description made --time_partitioning_field born --clustering_fields name >/dev/null
  q query "INSERT INTO bqds.q_parts (name, born) VALUES ('Ada', '1815-12-10'), ('Alan', '1912-06-23'), ('Grace', '1906-12-09')" >/dev/null
  same "quarry-cli mk gives bq's partitioned, clustered table" parts q_parts
  q mk bqds.q_ranged id:INTEGER,name:STRING --range_partitioning id,0,100,10 >/dev/null
  q query "INSERT INTO bqds.q_ranged (id, name) VALUES (5, 'a'), (15, 'b'), (25, 'c'), (250, 'd')" >/dev/null
  same "quarry-cli mk --range_partitioning gives bq's table" ranged q_ranged
fi
# The jobs monitor: a job slowed by the sandbox (with_sandbox.sh's fault rule for the label
# quarry-test:slow) is listed for all users while it runs, and bq cancel stops it.
bq query --nosync --use_legacy_sql=false --label quarry-test:slow 'SELECT 1' >/dev/null 2>&1
slow=$(bq ls -j -a --format=json 2>/dev/null | python3 -c 'import json,sys
print(next((j["jobReference"]["jobId"] for j in json.load(sys.stdin) if j["status"]["state"] == "RUNNING"), ""))')
check "ls -j -a lists the running job with its user" 'sandbox@quarry.local' bq ls -j -a --format=prettyjson
check "cancel stops it" "Job has been cancelled successfully" bq cancel "${slow:-none}"
check "it is listed as failed" "FAILURE" bq ls -j -a
# Time travel: a snapshot is read-only, and a dropped table comes back from t@<ms>.
check "cp --snapshot makes a table snapshot" "successfully snapshotted" bq cp --snapshot bqp:bqds.qout bqp:bqds.qsnap
check "DML on it is refused" "qsnap is a" bq query --use_legacy_sql=false 'DELETE FROM bqds.qsnap WHERE TRUE'
check "cp --restore makes a table of it" "successfully restored" bq cp --restore bqp:bqds.qsnap bqp:bqds.qback
if [[ -n "$quarry" ]]; then
  q cp --snapshot bqds.qout bqds.q_qsnap >/dev/null
  same "quarry-cli cp --snapshot makes bq's snapshot" qsnap q_qsnap
  q cp --restore bqds.q_qsnap bqds.q_qback >/dev/null
  same "quarry-cli cp --restore makes bq's table" qback q_qback
fi
before=$(date +%s%3N)
sleep 0.01
check_clean "rm a table with -f" bq rm -f -t bqp:bqds.people2
check "it is gone" "Not found: Table bqp:bqds.people2" bq show bqp:bqds.people2
check "cp of people2@<ms> restores it" "successfully copied" bq cp "bqp:bqds.people2@$before" bqp:bqds.people2_back
check "with its rows" '"n":"4"' bq query --use_legacy_sql=false --format=json 'SELECT COUNT(*) AS n FROM bqds.people2_back'
check_clean "delete the dataset" bq rm -r -f -d bqp:bqds
check "the dataset is gone" "Not found: Dataset bqp:bqds" bq show bqp:bqds
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
