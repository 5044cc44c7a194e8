// SPDX-License-Identifier: MIT
// Google's Node client for the BigQuery Storage Write API (@google-cloud/bigquery-storage, its
// managed writer and JSONWriter) against quarry-sandbox's gRPC port, with the REST client
// (@google-cloud/bigquery) to make the table and read it back.
// Usage: node storage_scenario.mjs BASE_URL GRPC_HOST:PORT. Prints "N passed, 0 failed" at the end.
import { BigQuery } from '@google-cloud/bigquery';
import { managedwriter, adapt } from '@google-cloud/bigquery-storage';
import { grpc } from 'google-gax';
import { PassThroughClient } from 'google-auth-library';
import assert from 'node:assert/strict';
import { beforeExit, check, done, queryRows, rejects } from './checks.mjs';

const [base, grpcAddr] = process.argv.slice(2);
const [grpcHost, grpcPort] = [grpcAddr.slice(0, grpcAddr.lastIndexOf(':')), Number(grpcAddr.slice(grpcAddr.lastIndexOf(':') + 1))];
const projectId = 'conformance';
const bq = new BigQuery({ projectId, apiEndpoint: base, authClient: new PassThroughClient() });
const writeClient = new managedwriter.WriterClient({
  projectId,
  apiEndpoint: grpcHost,
  port: grpcPort,
  sslCreds: grpc.credentials.createInsecure(),
  authClient: new PassThroughClient(),
});
beforeExit(() => writeClient.close());
const rows = (sql) => queryRows(bq, sql);

const schema = [
  { name: 'name', type: 'STRING', mode: 'REQUIRED' },
  { name: 'age', type: 'INTEGER' },
  { name: 'score', type: 'NUMERIC' },
  { name: 'born', type: 'DATE' },
  { name: 'seen', type: 'TIMESTAMP' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  { name: 'address', type: 'RECORD', fields: [{ name: 'city', type: 'STRING' }, { name: 'zip', type: 'INTEGER' }] },
];
const ds = bq.dataset('storage_ds');
const destinationTable = `projects/${projectId}/datasets/storage_ds/tables/people`;
let protoDescriptor;

await check('make the table over REST', async () => {
  await ds.create({ location: 'US' });
  await ds.createTable('people', { schema });
});
await check('GetWriteStream of _default gives the table schema', async () => {
  const ws = await writeClient.getWriteStream({ streamId: `${destinationTable}/streams/_default`, view: 'FULL' });
  assert.equal(ws.tableSchema.fields.length, 7);
  protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(ws.tableSchema, 'root');
});

function person(name, age, extra = {}) {
  return { name, age, score: 12.5, born: new Date('1990-05-17T00:00:00Z'), seen: new Date('2026-01-02T03:04:05.678Z'),
    tags: ['a', 'b'], address: { city: 'Oslo', zip: 150 }, ...extra };
}

await check('append to the default stream: rows at once in the table, nested and typed', async () => {
  const connection = await writeClient.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable });
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
  const result = await writer.appendRows([person('Ann', 31), person('Bo', 42, { tags: [] })]).getResult();
  assert.ok(!result.error, JSON.stringify(result.error));
  writer.close();
  const r = await rows('SELECT name, age, CAST(score AS STRING) AS score, born, seen, tags, address FROM storage_ds.people ORDER BY name');
  assert.equal(r.length, 2);
  assert.equal(r[0].name, 'Ann');
  assert.equal(r[0].age, 31);
  assert.equal(r[0].score, '12.5');
  assert.equal(r[0].born.value, '1990-05-17');
  assert.equal(r[0].seen.value, '2026-01-02T03:04:05.678Z');
  assert.deepEqual(r[0].tags, ['a', 'b']);
  assert.deepEqual(r[0].address, { city: 'Oslo', zip: 150 });
  assert.deepEqual(r[1].tags, []);
});

await check('a COMMITTED stream with offsets: a retry at the same offset is refused, nothing twice', async () => {
  const streamId = await writeClient.createWriteStream({ streamType: managedwriter.CommittedStream, destinationTable });
  assert.match(streamId, /\/streams\/[0-9a-f]+$/);
  const connection = await writeClient.createStreamConnection({ streamId });
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
  const first = await writer.appendRows([person('C1', 1), person('C2', 2)], 0).getResult();
  assert.equal(Number(first.appendResult.offset.value), 0);
  const again = await writer.appendRows([person('C1', 1), person('C2', 2)], 0).getResult();
  assert.equal(again.error.code, grpc.status.ALREADY_EXISTS);
  const ahead = await writer.appendRows([person('C9', 9)], 7).getResult();
  assert.equal(ahead.error.code, grpc.status.OUT_OF_RANGE);
  const next = await writer.appendRows([person('C3', 3)], 2).getResult();
  assert.equal(Number(next.appendResult.offset.value), 2);
  const fin = await connection.finalize();
  assert.equal(Number(fin.rowCount), 3);
  const late = await writer.appendRows([person('C4', 4)], 3).getResult();
  assert.ok(late.error, 'an append after finalize is refused');
  writer.close();
  const r = await rows("SELECT name FROM storage_ds.people WHERE STARTS_WITH(name, 'C') ORDER BY name");
  assert.deepEqual(r.map((x) => x.name), ['C1', 'C2', 'C3']);
});

await check('a PENDING stream: nothing visible until finalized and committed, then all of it', async () => {
  const streamId = await writeClient.createWriteStream({ streamType: managedwriter.PendingStream, destinationTable });
  const connection = await writeClient.createStreamConnection({ streamId });
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
  await writer.appendRows([person('P1', 1)], 0).getResult();
  await writer.appendRows([person('P2', 2)], 1).getResult();
  assert.equal((await rows("SELECT COUNT(*) AS n FROM storage_ds.people WHERE STARTS_WITH(name, 'P')"))[0].n, 0);
  const early = await writeClient.batchCommitWriteStream({ parent: destinationTable, writeStreams: [streamId] });
  assert.equal(early.commitTime, null, 'an unfinalized stream is not committed');
  assert.equal(early.streamErrors.length, 1);
  await connection.finalize();
  const done = await writeClient.batchCommitWriteStream({ parent: destinationTable, writeStreams: [streamId] });
  assert.ok(done.commitTime);
  assert.equal(done.streamErrors.length, 0);
  writer.close();
  assert.equal((await rows("SELECT COUNT(*) AS n FROM storage_ds.people WHERE STARTS_WITH(name, 'P')"))[0].n, 2);
  const twice = await writeClient.batchCommitWriteStream({ parent: destinationTable, writeStreams: [streamId] });
  assert.equal(twice.streamErrors[0].code, 'STREAM_ALREADY_COMMITTED');
});

await check('a BUFFERED stream: rows visible up to the flushed offset', async () => {
  const streamId = await writeClient.createWriteStream({ streamType: managedwriter.BufferedStream, destinationTable });
  const connection = await writeClient.createStreamConnection({ streamId });
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
  await writer.appendRows([person('F1', 1), person('F2', 2), person('F3', 3)], 0).getResult();
  assert.equal((await rows("SELECT COUNT(*) AS n FROM storage_ds.people WHERE STARTS_WITH(name, 'F')"))[0].n, 0);
  const flushed = await connection.flushRows({ offset: 1 });
  assert.equal(Number(flushed.offset), 1);
  writer.close();
  const r = await rows("SELECT name FROM storage_ds.people WHERE STARTS_WITH(name, 'F') ORDER BY name");
  assert.deepEqual(r.map((x) => x.name), ['F1', 'F2']);
});

await check('a row without a REQUIRED field: row_errors name it, nothing of the request is written', async () => {
  const connection = await writeClient.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable });
  const loose = adapt.convertStorageSchemaToProto2Descriptor(
    { fields: schema.map((f) => ({ name: f.name, type: f.type === 'INTEGER' ? 'INT64' : f.type === 'RECORD' ? 'STRUCT' : f.type,
      mode: f.mode === 'REPEATED' ? 'REPEATED' : 'NULLABLE', fields: f.fields?.map((s) => ({ ...s, type: s.type === 'INTEGER' ? 'INT64' : s.type })) })) },
    'root');
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: loose });
  const result = await writer.appendRows([person('R1', 1), { age: 5 }]).getResult();
  assert.equal(result.error.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(result.rowErrors.length, 1);
  assert.equal(Number(result.rowErrors[0].index), 1);
  assert.match(result.rowErrors[0].message, /name/);
  writer.close();
  assert.equal((await rows("SELECT COUNT(*) AS n FROM storage_ds.people WHERE name = 'R1'"))[0].n, 0);
});

await check('a stream that does not exist: NOT_FOUND', async () => {
  const e = await rejects(writeClient.getWriteStream({ streamId: `${destinationTable}/streams/nope` }));
  assert.equal(e.code, grpc.status.NOT_FOUND);
});

writeClient.close();
done();
