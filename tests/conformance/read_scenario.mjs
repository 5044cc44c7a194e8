// SPDX-License-Identifier: MIT
// Google's Node client for the BigQuery Storage Read API (@google-cloud/bigquery-storage: its
// ReadClient and TableReader, and the generated BigQueryReadClient for what they leave out)
// against quarry-sandbox's gRPC port, rows decoded by Apache Arrow's own reader (npm
// apache-arrow), compared with what the REST API (@google-cloud/bigquery) answers.
// Usage: node read_scenario.mjs BASE_URL GRPC_HOST:PORT. Prints "N passed, 0 failed" at the end.
import { BigQuery } from '@google-cloud/bigquery';
import { reader, BigQueryReadClient } from '@google-cloud/bigquery-storage';
import { tableFromIPC } from 'apache-arrow';
import { grpc } from 'google-gax';
import { PassThroughClient } from 'google-auth-library';
import assert from 'node:assert/strict';
import { beforeExit, check, done, queryRows, rejects } from './checks.mjs';

const [base, grpcAddr] = process.argv.slice(2);
const [grpcHost, grpcPort] = [grpcAddr.slice(0, grpcAddr.lastIndexOf(':')), Number(grpcAddr.slice(grpcAddr.lastIndexOf(':') + 1))];
const projectId = 'conformance';
const bq = new BigQuery({ projectId, apiEndpoint: base, authClient: new PassThroughClient() });
const clientOptions = { projectId, apiEndpoint: grpcHost, port: grpcPort, sslCreds: grpc.credentials.createInsecure(), authClient: new PassThroughClient() };
const readClient = new reader.ReadClient(clientOptions);
const raw = new BigQueryReadClient(clientOptions);
beforeExit(() => {
  readClient.close();
  raw.close();
});
const rows = (sql) => queryRows(bq, sql);
const table = `projects/${projectId}/datasets/read_ds/tables/people`;
const ARROW = 'ARROW';

async function session(options = {}, maxStreamCount = 0) {
  const [s] = await raw.createReadSession({
    parent: `projects/${projectId}`,
    readSession: { table, dataFormat: ARROW, ...options },
    maxStreamCount,
  });
  return s;
}
/// Every row of a stream from `offset`, as Apache Arrow reads them, and the answers' row counts.
async function readStream(s, name, offset = 0) {
  const chunks = [s.arrowSchema.serializedSchema];
  const counts = [];
  await new Promise((resolve, reject) => {
    raw.readRows({ readStream: name, offset })
      .on('data', (r) => {
        chunks.push(r.arrowRecordBatch.serializedRecordBatch);
        counts.push(Number(r.rowCount));
      })
      .on('error', reject)
      .on('end', resolve);
  });
  return { table: tableFromIPC(Buffer.concat(chunks)), counts };
}
async function readAll(s) {
  let all = [];
  for (const st of s.streams) all = all.concat((await readStream(s, st.name)).table.toArray().map((r) => r.toJSON()));
  return all;
}

await check('make a table of every type over REST (1,500 rows)', async () => {
  await bq.dataset('read_ds').create({ location: 'US' });
  await rows(`CREATE TABLE read_ds.people AS
    SELECT id, CONCAT('name ', CAST(id AS STRING)) AS name, id * 1.5 AS score, MOD(id, 2) = 0 AS even,
      CAST(CONCAT('b', CAST(id AS STRING)) AS BYTES) AS raw, CAST(id AS NUMERIC) / 8 AS num,
      CAST('-12345678901234567890123456789.123456789' AS BIGNUMERIC) AS big,
      DATE_ADD(DATE '2020-01-01', INTERVAL id DAY) AS day, TIME '12:34:56.789' AS t,
      DATETIME '2021-02-03 04:05:06.123456' AS dt, TIMESTAMP_ADD(TIMESTAMP '2022-01-01 00:00:00 UTC', INTERVAL id SECOND) AS ts,
      JSON '{"a": 1}' AS doc, [id, id + 1] AS pair,
      STRUCT(CONCAT('city', CAST(id AS STRING)) AS city, IF(MOD(id, 3) = 0, NULL, id) AS zip) AS address,
      IF(MOD(id, 5) = 0, NULL, id) AS maybe
    FROM UNNEST(GENERATE_ARRAY(1, 1500)) AS id`);
});

await check('ReadClient.createTableReader: every row, as the REST API gives them', async () => {
  const tr = await readClient.createTableReader({ table: { projectId, datasetId: 'read_ds', tableId: 'people' } });
  const [got] = await tr.getRows();
  tr.close();
  assert.equal(got.length, 1500);
  const byId = new Map(got.map((r) => [Number(r.f[0].v), r]));
  const r7 = byId.get(7);
  assert.equal(r7.f[1].v, 'name 7');
  assert.equal(r7.f[2].v, 10.5);
  assert.equal(r7.f[3].v, false);
  assert.equal(r7.f[12].v.length, 2);
  assert.equal(Number(r7.f[12].v[1].v), 8);
  assert.equal(r7.f[13].v.f[0].v, 'city7');
  const r5 = byId.get(5);
  assert.equal(r5.f[14].v, null);
});

await check('types as Apache Arrow reads them: decimals, dates, times, nested', async () => {
  const s = await session({ readOptions: { rowRestriction: 'id = 6' } });
  const [r] = await readAll(s);
  assert.equal(Number(r.id), 6);
  assert.equal(r.num.toString(), '750000000'); // 0.75 as decimal128(38, 9)
  assert.equal(r.day, Date.UTC(2020, 0, 7));
  assert.equal(Number(r.t), (12 * 3600 + 34 * 60 + 56) * 1e6 + 789000);
  // Arrow's JS reader gives timestamps in milliseconds, the microseconds as a fraction.
  assert.ok(Math.abs(r.dt - (Date.UTC(2021, 1, 3, 4, 5, 6) + 123.456)) < 1e-3, String(r.dt));
  assert.equal(r.ts, Date.UTC(2022, 0, 1) + 6000);
  assert.equal(r.doc, (await rows('SELECT doc FROM read_ds.people WHERE id = 6'))[0].doc); // as REST gives it
  assert.deepEqual([...r.pair].map(Number), [6, 7]);
  assert.equal(r.address.city, 'city6');
  assert.equal(r.address.zip, null);
  assert.equal(r.raw.length, 2);
  const fields = Object.fromEntries(tableFromIPC(s.arrowSchema.serializedSchema).schema.fields.map((f) => [f.name, f]));
  assert.equal(String(fields.ts.type), 'Timestamp<MICROSECOND, UTC>');
  assert.equal(String(fields.dt.type), 'Timestamp<MICROSECOND>');
  assert.equal(String(fields.num.type), 'Decimal[38e+9]');
  assert.equal(fields.big.type.bitWidth, 256);
});

await check('selected fields and a row restriction, several streams, the rows the same query gives', async () => {
  const s = await session({ readOptions: { selectedFields: ['name', 'id', 'address.city'], rowRestriction: 'MOD(id, 7) = 0 AND id > 100' } }, 3);
  const got = await readAll(s);
  const want = await rows('SELECT id FROM read_ds.people WHERE MOD(id, 7) = 0 AND id > 100');
  assert.equal(got.length, want.length);
  assert.deepEqual(Object.keys(got[0]), ['id', 'name', 'address']); // the table's order
  assert.deepEqual(Object.keys(got[0].address), ['city']);
  assert.deepEqual(got.map((r) => Number(r.id)).sort((a, b) => a - b), want.map((r) => r.id).sort((a, b) => a - b));
  assert.equal(Number(s.estimatedRowCount), want.length);
});

await check('ReadRows from an offset, and progress that ends at 1', async () => {
  const s = await session({}, 1);
  assert.equal(s.streams.length, 1);
  const whole = await readStream(s, s.streams[0].name);
  assert.equal(whole.table.numRows, 1500);
  const rest = await readStream(s, s.streams[0].name, 1000);
  assert.equal(rest.table.numRows, 500);
  assert.deepEqual(rest.table.toArray().map((r) => Number(r.id)), whole.table.toArray().slice(1000).map((r) => Number(r.id)));
});

await check('SplitReadStream: the two parts are the stream, back to back', async () => {
  const s = await session({}, 1);
  const [split] = await raw.splitReadStream({ name: s.streams[0].name, fraction: 0.25 });
  const a = await readStream(s, split.primaryStream.name);
  const b = await readStream(s, split.remainderStream.name);
  assert.equal(a.table.numRows + b.table.numRows, 1500);
  assert.equal(a.table.numRows, 375);
  const whole = await readStream(s, s.streams[0].name);
  assert.deepEqual(a.table.toArray().concat(b.table.toArray()).map((r) => Number(r.id)), whole.table.toArray().map((r) => Number(r.id)));
});

await check('a session reads its snapshot: rows written after it are not seen; snapshot_time reads the past', async () => {
  const before = new Date();
  await new Promise((r) => setTimeout(r, 20));
  const s = await session({}, 1);
  await rows('INSERT INTO read_ds.people (id, name) VALUES (9999, "late")');
  assert.equal((await readAll(s)).length, 1500);
  const past = await session({ tableModifiers: { snapshotTime: { seconds: Math.floor(before.getTime() / 1000), nanos: (before.getTime() % 1000) * 1e6 } } });
  assert.equal((await readAll(past)).length, 1500);
  assert.equal((await readAll(await session())).length, 1501);
});

await check('an empty result has no streams', async () => {
  const s = await session({ readOptions: { rowRestriction: 'id < 0' } });
  assert.equal((s.streams || []).length, 0);
});

await check('refusals: missing table, bad restriction, unknown field, offset past the end, unknown stream, a view', async () => {
  let e = await rejects(raw.createReadSession({ parent: `projects/${projectId}`, readSession: { table: `${table}_nope`, dataFormat: ARROW } }));
  assert.equal(e.code, grpc.status.NOT_FOUND);
  e = await rejects(session({ readOptions: { rowRestriction: 'id = = 3' } }));
  assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
  assert.match(e.details, /row_restriction.*\[1:/);
  e = await rejects(session({ readOptions: { selectedFields: ['nope'] } }));
  assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
  const s = await session({}, 1);
  e = await rejects(readStream(s, s.streams[0].name, 5000));
  assert.equal(e.code, grpc.status.OUT_OF_RANGE);
  e = await rejects(readStream(s, `${s.name}/streams/nope`));
  assert.equal(e.code, grpc.status.NOT_FOUND);
  await rows('CREATE VIEW read_ds.v AS SELECT id FROM read_ds.people');
  e = await rejects(raw.createReadSession({ parent: `projects/${projectId}`, readSession: { table: `projects/${projectId}/datasets/read_ds/tables/v`, dataFormat: ARROW } }));
  assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
});

await check("a query's destination table reads as a table", async () => {
  const [job] = await bq.createQueryJob({ query: 'SELECT id, name FROM read_ds.people WHERE id <= 10' });
  await job.getQueryResults();
  const [meta] = await job.getMetadata();
  const dest = meta.configuration.query.destinationTable;
  const [s] = await raw.createReadSession({
    parent: `projects/${projectId}`,
    readSession: { table: `projects/${dest.projectId}/datasets/${dest.datasetId}/tables/${dest.tableId}`, dataFormat: ARROW },
  });
  assert.equal((await readAll(s)).length, 10);
});

readClient.close();
raw.close();
done();
