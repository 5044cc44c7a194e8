// SPDX-License-Identifier: MIT
// The peers for run_read.sh: Google's Node clients exporting a query's result to an NDJSON
// file, through getQueryResults pages (@google-cloud/bigquery's getQueryResultsStream) or
// through the Storage Read API (@google-cloud/bigquery-storage's TableReader on the job's
// result table, Arrow decoded by apache-arrow).
// Usage: node node_read.mjs BASE_URL GRPC_HOST:PORT SQL OUT.ndjson rest|read
import { BigQuery } from '@google-cloud/bigquery';
import { reader } from '@google-cloud/bigquery-storage';
import { grpc } from 'google-gax';
import { PassThroughClient } from 'google-auth-library';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const [base, grpcAddr, sql, outFile, mode] = process.argv.slice(2);
const colon = grpcAddr.lastIndexOf(':');
const bq = new BigQuery({ projectId: 'bench', apiEndpoint: base, authClient: new PassThroughClient() });
const out = createWriteStream(outFile);
const t0 = process.hrtime.bigint();
const [job] = await bq.createQueryJob({ query: sql });
let rows = 0;
async function drain(stream, toLine) {
  for await (const row of stream) {
    if (!out.write(toLine(row) + '\n')) await once(out, 'drain');
    rows++;
  }
}
if (mode === 'rest') {
  await drain(job.getQueryResultsStream(), (r) => JSON.stringify(r));
} else {
  await job.getQueryResults({ maxResults: 0 });
  const [meta] = await job.getMetadata();
  const dest = meta.configuration.query.destinationTable;
  const client = new reader.ReadClient({ projectId: 'bench', apiEndpoint: grpcAddr.slice(0, colon), port: Number(grpcAddr.slice(colon + 1)),
    sslCreds: grpc.credentials.createInsecure(), authClient: new PassThroughClient() });
  const tr = await client.createTableReader({ table: dest });
  // Arrow's 64-bit integers arrive as BigInt, which JSON.stringify refuses: written as strings,
  // as BigQuery's JSON writes INT64.
  await drain(await tr.getRowStream(), (r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
  client.close();
}
out.end();
await once(out, 'finish');
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ impl: `Node ${mode === 'rest' ? '@google-cloud/bigquery getQueryResultsStream' : '@google-cloud/bigquery-storage TableReader'}`,
  rows, seconds: Math.round(seconds * 1000) / 1000, rows_per_s: Math.round(rows / seconds) }));
