// SPDX-License-Identifier: MIT
// The peer for run_write.sh: Google's Node client for the Storage Write API (its managed
// writer's JSONWriter) streaming the same NDJSON file into a COMMITTED stream of the sandbox,
// with offsets and the same appends in flight as quarry-cli.
// Usage: node node_write.mjs BASE_URL GRPC_HOST:PORT FILE.ndjson SCHEMA.json [BATCH=50000] [IN_FLIGHT=8]
import { BigQuery } from '@google-cloud/bigquery';
import { managedwriter, adapt } from '@google-cloud/bigquery-storage';
import { grpc } from 'google-gax';
import { PassThroughClient } from 'google-auth-library';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [base, grpcAddr, file, schemaFile, batchArg, inFlightArg] = process.argv.slice(2);
const batch = Number(batchArg || 50000);
const inFlight = Number(inFlightArg || 8);
const colon = grpcAddr.lastIndexOf(':');
const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
const bq = new BigQuery({ projectId: 'bench', apiEndpoint: base, authClient: new PassThroughClient() });
const [ds] = await bq.createDataset('bench_node_write');
await ds.createTable('persons', { schema });
const destinationTable = 'projects/bench/datasets/bench_node_write/tables/persons';
const client = new managedwriter.WriterClient({
  projectId: 'bench', apiEndpoint: grpcAddr.slice(0, colon), port: Number(grpcAddr.slice(colon + 1)),
  sslCreds: grpc.credentials.createInsecure(), authClient: new PassThroughClient(),
});

const t0 = process.hrtime.bigint();
const ws = await client.getWriteStream({ streamId: `${destinationTable}/streams/_default`, view: 'FULL' });
const protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(ws.tableSchema, 'root');
const streamId = await client.createWriteStream({ streamType: managedwriter.CommittedStream, destinationTable });
const connection = await client.createStreamConnection({ streamId });
const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
let offset = 0, stored = 0, failed = 0;
const pending = [];
async function settle(p) {
  const r = await p.result.getResult();
  if (r.error) failed++;
  else stored += p.count;
}
let rows = [];
async function send() {
  if (!rows.length) return;
  pending.push({ result: writer.appendRows(rows, offset), count: rows.length });
  offset += rows.length;
  rows = [];
  while (pending.length >= inFlight) await settle(pending.shift());
}
for await (const line of createInterface({ input: createReadStream(file) })) {
  if (!line) continue;
  rows.push(JSON.parse(line));
  if (rows.length >= batch) await send();
}
await send();
while (pending.length) await settle(pending.shift());
await connection.finalize();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
writer.close();
client.close();
console.log(JSON.stringify({ impl: '@google-cloud/bigquery-storage JSONWriter', stored, failed_batches: failed,
                             seconds: Math.round(seconds * 1000) / 1000, rows_per_s: Math.round(stored / seconds) }));
