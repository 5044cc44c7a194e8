// SPDX-License-Identifier: MIT
// The peer for bench_decode: Google's Node client (@google-cloud/bigquery) turning the same
// page into rows, the way it does after getQueryResults: JSON.parse of the body, then
// BigQuery.mergeSchemaWithRows_ (the client's own decoder). Prints one JSON line like bench_decode.
// Usage: node node_decode.mjs PAGE.json [REPEATS]
import { readFileSync } from 'node:fs';
import { BigQuery } from '@google-cloud/bigquery';

const file = process.argv[2];
const repeats = Number(process.argv[3] || 7);
const body = readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(body);
const times = [];
let rows = 0;
for (let i = 0; i < repeats; i++) {
  const t0 = process.hrtime.bigint();
  const resp = JSON.parse(body);
  const out = BigQuery.mergeSchemaWithRows_(resp.schema, resp.rows, { wrapIntegers: false, parseJSON: false });
  const t1 = process.hrtime.bigint();
  rows = out.length;
  times.push(Number(t1 - t0) / 1e9);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
console.log(JSON.stringify({ impl: 'node @google-cloud/bigquery', rows, bytes, seconds: +med.toFixed(4),
  rows_per_s: Math.round(rows / med), mb_per_s: +(bytes / med / 1e6).toFixed(1) }));
