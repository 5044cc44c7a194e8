// SPDX-License-Identifier: MIT
// The peer for bench_ingest: Google's Node client streaming the same NDJSON file with the
// same batch size and requests in flight (table.insert with raw rows and insertIds).
// Usage: node node_ingest.mjs BASE_URL FILE.ndjson SCHEMA.json [BATCH=500] [CONCURRENCY=4]
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { readFileSync } from 'node:fs';

const [base, file, schemaFile, batchArg, concArg] = process.argv.slice(2);
const batch = Number(batchArg || 500);
const concurrency = Number(concArg || 4);
const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
const bq = new BigQuery({ projectId: 'bench', apiEndpoint: base, authClient: new PassThroughClient() });
const [ds] = await bq.createDataset('bench_node');
const [table] = await ds.createTable('persons', { schema });

const t0 = process.hrtime.bigint();
let next = 0;
let failed = 0;
async function worker() {
  for (let b; (b = next++) * batch < lines.length; ) {
    const rows = [];
    for (let i = b * batch; i < Math.min(lines.length, (b + 1) * batch); i++)
      rows.push({ insertId: `bench:${i + 1}`, json: JSON.parse(lines[i]) });
    try {
      await table.insert(rows, { raw: true });
    } catch (e) {
      failed++;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const [meta] = await table.getMetadata();
console.log(JSON.stringify({ impl: 'node @google-cloud/bigquery', rows: lines.length, stored: Number(meta.numRows), batch,
  concurrency, seconds: +secs.toFixed(3), rows_per_s: Math.round(lines.length / secs), failed_batches: failed }));
process.exit(failed ? 1 : 0);
