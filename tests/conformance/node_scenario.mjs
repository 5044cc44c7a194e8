// SPDX-License-Identifier: MIT
// Google's Node client (@google-cloud/bigquery) against quarry-sandbox: the scenario of the
// Sandbox issue. Usage: node node_scenario.mjs BASE_URL SAMPLES_DIR. Exits non-zero on the
// first failed check; prints "N passed, 0 failed" at the end.
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { check, done } from './checks.mjs';

const [base, samples] = process.argv.slice(2);
const bq = new BigQuery({ projectId: 'conformance', apiEndpoint: base, authClient: new PassThroughClient() });

const schema = JSON.parse(readFileSync(`${samples}/persons/schema.json`, 'utf8'));
const rows = readFileSync(`${samples}/persons/persons.ndjson`, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const ds = bq.dataset('node_ds');
const table = ds.table('persons');

await check('create a dataset', async () => {
  const [d] = await ds.create({ location: 'US' });
  assert.equal(d.id, 'node_ds');
});
await check('create a nested table', async () => {
  const [t, meta] = await ds.createTable('persons', { schema });
  assert.equal(meta.schema.fields.find((f) => f.name === 'children').type, 'RECORD');
});
await check('insert the persons rows with insertIds, twice: no duplicates', async () => {
  const raw = rows.map((json, i) => ({ insertId: `persons-${i}`, json }));
  await table.insert(raw, { raw: true });
  await table.insert(raw, { raw: true });
  const [meta] = await table.getMetadata();
  assert.equal(meta.numRows, '3');
});
await check('query with UNNEST', async () => {
  const [result] = await bq.query({
    query: 'SELECT fullName, c.name AS child FROM node_ds.persons, UNNEST(children) AS c WHERE c.age > 6 ORDER BY child',
  });
  assert.deepEqual(result.map((r) => r.child), ['Earl', 'John', 'Kit']);
});
await check('nested values come back typed', async () => {
  const [result] = await bq.query({ query: "SELECT phoneNumber, citiesLived FROM node_ds.persons WHERE fullName = 'John Doe'" });
  assert.equal(result[0].phoneNumber.areaCode, 206);
  assert.deepEqual(result[0].citiesLived[0].yearsLived, [1995]);
});
await check('page query results with maxResults=1', async () => {
  const [job] = await bq.createQueryJob({ query: 'SELECT fullName FROM node_ds.persons ORDER BY fullName' });
  let [page, next] = await job.getQueryResults({ maxResults: 1, autoPaginate: false });
  const names = [...page.map((r) => r.fullName)];
  while (next) {
    [page, next] = await job.getQueryResults(next);
    names.push(...page.map((r) => r.fullName));
  }
  assert.deepEqual(names, ['Anna Karenina', 'John Doe', 'Mike Jones']);
});
await check('list rows with tabledata.list, one per page', async () => {
  let [page, next] = await table.getRows({ maxResults: 1, autoPaginate: false });
  let count = page.length;
  while (next) {
    [page, next] = await table.getRows(next);
    count += page.length;
  }
  assert.equal(count, 3);
});
await check('a syntax error is invalidQuery with a position', async () => {
  await assert.rejects(bq.query({ query: 'SELECT FROM WHERE' }), (e) => {
    assert.equal(e.errors?.[0]?.reason ?? e.response?.error?.errors?.[0]?.reason, 'invalidQuery');
    assert.match(e.message, /at \[1:8\]/);
    return true;
  });
});
await check('a missing table is a 404', async () => {
  await assert.rejects(ds.table('nope').getMetadata(), (e) => {
    assert.equal(e.code, 404);
    return true;
  });
});
await check('DML: UPDATE reports its affected rows, and the rows change', async () => {
  const [job] = await bq.createQueryJob({ query: "UPDATE node_ds.persons SET age = age + 1 WHERE gender = 'Male'" });
  await job.getQueryResults();
  const [meta] = await job.getMetadata();
  assert.equal(meta.statistics.query.statementType, 'UPDATE');
  assert.equal(meta.statistics.query.numDmlAffectedRows, '2');
  const [result] = await bq.query({ query: "SELECT age FROM node_ds.persons WHERE fullName = 'John Doe'" });
  assert.equal(result[0].age, 23);
});
await check('DDL: CREATE TABLE AS SELECT makes a table the client can read', async () => {
  await bq.query({ query: 'CREATE TABLE node_ds.names AS SELECT fullName FROM node_ds.persons' });
  const [rows] = await ds.table('names').getRows();
  assert.equal(rows.length, 3);
});
await check('a time_zone connection property and SET @@time_zone set the default zone', async () => {
  const sql = "SELECT CAST(TIMESTAMP '2024-01-01 00:00:00+00' AS STRING) AS s";
  const [byProperty] = await bq.query({ query: sql, connectionProperties: [{ key: 'time_zone', value: 'America/Los_Angeles' }] });
  assert.equal(byProperty[0].s, '2023-12-31 16:00:00-08');
  const [byScript] = await bq.query({ query: "SET @@time_zone = 'Asia/Kolkata';\n" + sql });
  assert.equal(byScript[0].s, '2024-01-01 05:30:00+05:30');
});
await check('a STRING COLLATE und:ci column compares without case', async () => {
  await bq.query({ query: "CREATE TABLE node_ds.ci (name STRING COLLATE 'und:ci') AS SELECT 'Alice' AS name" });
  const [meta] = await ds.table('ci').getMetadata();
  assert.equal(meta.schema.fields[0].collation, 'und:ci');
  const [rows] = await bq.query({ query: "SELECT COUNT(*) AS n FROM node_ds.ci WHERE name = 'ALICE'" });
  assert.equal(rows[0].n, 1);
});
await check('a view made through the client reads its table as it is now', async () => {
  await ds.createTable('grown', { view: { query: 'SELECT fullName FROM node_ds.persons WHERE age >= 20', useLegacySql: false } });
  const [meta] = await ds.table('grown').getMetadata();
  assert.equal(meta.type, 'VIEW');
  const [viaView] = await bq.query({ query: 'SELECT COUNT(*) AS n FROM node_ds.grown' });
  const [direct] = await bq.query({ query: 'SELECT COUNT(*) AS n FROM node_ds.persons WHERE age >= 20' });
  assert.equal(viaView[0].n, direct[0].n);
  assert.ok(direct[0].n > 0);
  await assert.rejects(ds.table('grown').getRows(), (e) => e.code === 400 && /VIEW/.test(e.message));
});
await check('a SQL function made through the client (routines.insert) is called by queries', async () => {
  const [routine] = await ds.createRoutine('add_tax', {
    routineType: 'SCALAR_FUNCTION',
    language: 'SQL',
    arguments: [{ name: 'price', dataType: { typeKind: 'FLOAT64' } }],
    returnType: { typeKind: 'FLOAT64' },
    definitionBody: 'ROUND(price * 1.2, 2)',
  });
  const [meta] = await routine.getMetadata();
  assert.equal(meta.routineReference.routineId, 'add_tax');
  assert.equal(meta.arguments[0].dataType.typeKind, 'FLOAT64');
  const [listed] = await ds.getRoutines();
  assert.deepEqual(listed.map((r) => r.id), ['add_tax']);
  const [rows] = await bq.query({ query: 'SELECT node_ds.add_tax(10) AS gross, `conformance.node_ds.add_tax`(2.5) AS small' });
  assert.equal(rows[0].gross, 12);
  assert.equal(rows[0].small, 3);
  await routine.delete();
  await assert.rejects(bq.query({ query: 'SELECT node_ds.add_tax(1)' }), /Function not found: node_ds.add_tax/);
});
await check('CREATE TEMP FUNCTION before a query is one query; CREATE FUNCTION stores one', async () => {
  const [rows, , response] = await bq.query({
    query: 'CREATE TEMP FUNCTION twice(x ANY TYPE) AS (x * 2);\nSELECT twice(21) AS n, twice(1.25) AS f',
  });
  assert.deepEqual(rows, [{ n: 42, f: 2.5 }]);
  await bq.query({ query: 'CREATE FUNCTION node_ds.initials(name STRING) AS (REGEXP_REPLACE(name, r"([A-Z])[a-z]* ?", r"\\1"))' });
  const [r] = await ds.routine('initials').getMetadata();
  assert.equal(r.routineType, 'SCALAR_FUNCTION');
  const [people] = await bq.query({ query: "SELECT node_ds.initials('John Doe') AS i" });
  assert.equal(people[0].i, 'JD');
});
await check('a script runs its statements as child jobs; the last one gives the rows', async () => {
  const script = `DECLARE n INT64 DEFAULT 0;
DECLARE names ARRAY<STRING> DEFAULT [];
WHILE n < 3 DO
  SET n = n + 1;
END WHILE;
FOR p IN (SELECT fullName FROM node_ds.persons ORDER BY fullName) DO
  SET names = ARRAY_CONCAT(names, [p.fullName]);
END FOR;
SELECT n, ARRAY_LENGTH(names) AS people`;
  const [job] = await bq.createQueryJob({ query: script });
  const [rows] = await job.getQueryResults();
  assert.deepEqual(rows, [{ n: 3, people: 3 }]);
  const [meta] = await job.getMetadata();
  assert.equal(meta.statistics.query.statementType, 'SCRIPT');
  assert.equal(meta.statistics.numChildJobs, '1');
  const [children] = await bq.getJobs({ parentJobId: job.id });
  assert.equal(children.length, 1);
  assert.equal(children[0].metadata.statistics.parentJobId, job.id);
  assert.equal(children[0].metadata.statistics.scriptStatistics.evaluationKind, 'STATEMENT');
  const [childRows] = await children[0].getQueryResults();
  assert.deepEqual(childRows, [{ n: 3, people: 3 }]);
  const [top] = await bq.getJobs();
  assert.ok(!top.some((j) => j.metadata.statistics.parentJobId), 'children are listed only under their parent');
  const [everyone] = await bq.getJobs({ allUsers: true, projection: 'full' });
  assert.ok(everyone.some((j) => j.id === job.id && j.metadata.user_email === 'sandbox@quarry.local'
    && j.metadata.configuration.query.query === script), 'allUsers lists the job with its user and query');
});
await check("a script's temporary tables are read unqualified and gone when it ends", async () => {
  const [rows] = await bq.query({ query: `CREATE TEMP TABLE grownups AS SELECT fullName FROM node_ds.persons WHERE age >= 20;
INSERT INTO grownups VALUES ('Zed');
SELECT COUNT(*) AS n FROM grownups` });
  const [direct] = await bq.query({ query: 'SELECT COUNT(*) AS n FROM node_ds.persons WHERE age >= 20' });
  assert.equal(rows[0].n, direct[0].n + 1);
  const [all] = await bq.getDatasets({ all: true });
  assert.deepEqual(all.map((d) => d.id), ['node_ds'], 'the hidden dataset of the temporary tables is dropped');
});
await check('a session keeps variables, functions and temporary tables from one query to the next', async () => {
  const [job] = await bq.createQueryJob({
    query: "DECLARE greeting STRING DEFAULT 'hello';\nCREATE TEMP TABLE seen (n INT64);\nINSERT INTO seen VALUES (1), (2)",
    createSession: true,
  });
  await job.getQueryResults();
  const [meta] = await job.getMetadata();
  const sessionId = meta.statistics.sessionInfo.sessionId;
  assert.ok(sessionId);
  const inSession = { connectionProperties: [{ key: 'session_id', value: sessionId }] };
  await bq.query({ query: "SET greeting = CONCAT(greeting, ' again');\nCREATE TEMP FUNCTION twice(x INT64) AS (2 * x);\nSET @@time_zone = 'Asia/Tokyo'", ...inSession });
  const [zone] = await bq.query({ query: "SELECT @@time_zone AS z, EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 00:00:00+00') AS h", ...inSession });
  assert.deepEqual(zone, [{ z: 'Asia/Tokyo', h: 9 }]);
  const [rows] = await bq.query({ query: 'SELECT greeting AS g, twice(SUM(n)) AS s FROM seen', ...inSession });
  assert.deepEqual(rows, [{ g: 'hello again', s: 6 }]);
  await assert.rejects(bq.query({ query: 'SELECT greeting' }), /Unrecognized name: greeting/);
  await bq.query({ query: 'CALL BQ.ABORT_SESSION()', ...inSession });
  await assert.rejects(bq.query({ query: 'SELECT 1', ...inSession }), /not found or has ended/);
  const [all] = await bq.getDatasets({ all: true });
  assert.deepEqual(all.map((d) => d.id), ['node_ds'], "the session's temporary tables are dropped with it");
});
await check('an error a script does not handle fails it at its [line:col]', async () => {
  await assert.rejects(bq.query({ query: 'DECLARE x INT64 DEFAULT 1;\nIF x = 1 THEN\n  RAISE USING MESSAGE = "x is one";\nEND IF' }),
    /x is one at \[3:3\]/);
});
await check("region-us.INFORMATION_SCHEMA.JOBS lists the project's jobs, a script's children too", async () => {
  const [rows] = await bq.query({ query: `SELECT statement_type, state, total_bytes_processed, total_bytes_billed, user_email
    FROM \`region-us\`.INFORMATION_SCHEMA.JOBS WHERE statement_type = 'UPDATE'` });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].state, 'DONE');
  assert.ok(rows[0].total_bytes_processed > 0);
  assert.ok(rows[0].total_bytes_billed >= rows[0].total_bytes_processed);
  const [kids] = await bq.query({ query: `SELECT COUNT(*) AS n FROM region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT
    WHERE parent_job_id IS NOT NULL` });
  assert.ok(kids[0].n >= 1);
});
await check('a load job from a local NDJSON file (multipart upload) adds its rows once, with statistics', async () => {
  const [job] = await ds.table('loaded').load(`${samples}/persons/persons.ndjson`,
    { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema });
  assert.equal(job.status.state, 'DONE');
  assert.equal(job.status.errorResult, undefined);
  assert.equal(job.statistics.load.outputRows, '3');
  const [rows] = await bq.query({ query: 'SELECT COUNT(*) AS n, COUNTIF(ARRAY_LENGTH(children) > 0) AS parents FROM node_ds.loaded' });
  assert.equal(rows[0].n, 3);
  assert.ok(rows[0].parents >= 1);
});
await check('a CSV load job with a bad row fails whole and names the line', async () => {
  const file = join(tmpdir(), `quarry-node-${process.pid}.csv`);
  writeFileSync(file, 'name,age\nAda,36\nBob,old\n');
  try {
    await assert.rejects(ds.table('loaded_csv').load(file, { sourceFormat: 'CSV', skipLeadingRows: 1,
      schema: { fields: [{ name: 'name', type: 'STRING' }, { name: 'age', type: 'INTEGER' }] } }),
      (e) => /too many errors/.test(e.message) && e.errors.some((x) => /line_number: 3/.test(x.message)));
    const [exists] = await ds.table('loaded_csv').exists();
    if (exists) {
      const [rows] = await bq.query({ query: 'SELECT COUNT(*) AS n FROM node_ds.loaded_csv' });
      assert.equal(rows[0].n, 0);
    }
  } finally {
    unlinkSync(file);
  }
});
await check('a copy job appends a table to another', async () => {
  const [job] = await ds.table('loaded').copy(ds.table('loaded_copy'));
  assert.equal(job.statistics.copy.copiedRows, '3');
  await ds.table('loaded').copy(ds.table('loaded_copy'), { writeDisposition: 'WRITE_APPEND' });
  const [meta] = await ds.table('loaded_copy').getMetadata();
  assert.equal(meta.numRows, '6');
});
await check('time travel: a snapshot copy job, and FOR SYSTEM_TIME AS OF before a DELETE', async () => {
  await ds.table('loaded_copy').copy(ds.table('loaded_snap'), { operationType: 'SNAPSHOT' });
  const [snap] = await ds.table('loaded_snap').getMetadata();
  assert.equal(snap.type, 'SNAPSHOT');
  assert.equal(snap.snapshotDefinition.baseTableReference.tableId, 'loaded_copy');
  await assert.rejects(bq.query({ query: 'DELETE FROM node_ds.loaded_snap WHERE TRUE' }), /is a table snapshot/);
  const [[{ now }]] = await bq.query({ query: 'SELECT UNIX_MILLIS(CURRENT_TIMESTAMP()) AS now' });
  await new Promise((r) => setTimeout(r, 5));
  await bq.query({ query: 'DELETE FROM node_ds.loaded_copy WHERE TRUE' });
  const [[then]] = await bq.query({
    query: 'SELECT COUNT(*) AS n FROM node_ds.loaded_copy FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(@now)', params: { now },
  });
  assert.equal(then.n, 6);
  await ds.table('loaded_snap').copy(ds.table('loaded_copy'), { operationType: 'RESTORE', writeDisposition: 'WRITE_TRUNCATE' });
  const [meta] = await ds.table('loaded_copy').getMetadata();
  assert.equal(meta.numRows, '6');
});
await check('short query mode: a small query is answered without a job, a large one gets one', async () => {
  const short = new BigQuery({ projectId: 'conformance', apiEndpoint: base, authClient: new PassThroughClient(),
    defaultJobCreationMode: 'JOB_CREATION_OPTIONAL' });
  const [rows] = await short.query({ query: 'SELECT COUNT(*) AS n FROM node_ds.loaded_copy' });
  assert.deepEqual(rows, [{ n: 6 }]);
  const [before] = await bq.getJobs({ allUsers: true });
  const [, , resp] = await short.query({ query: 'SELECT 7 AS n' }, { autoPaginate: false });
  assert.ok(resp.queryId && !resp.jobReference, 'answered with a queryId and no job');
  const [after] = await bq.getJobs({ allUsers: true });
  assert.equal(after.length, before.length, 'no job was made');
  const [many] = await short.query({ query: 'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 5)) AS x', maxResults: 2 });
  assert.equal(many.length, 5, 'every row, through the job it needed');
});
await check('delete the dataset with its contents', async () => {
  await ds.delete({ force: true });
  const [exists] = await ds.exists();
  assert.equal(exists, false);
});
done();
