// SPDX-License-Identifier: MIT
// The peer for bench_first_page: Google's Node client, a finished query job, then the time to
// its first page of rows (job.getQueryResults with the same page size). Median of REPEATS.
// Usage: node node_first_page.mjs BASE_URL PROJECT SQL [PAGE_ROWS=1000] [REPEATS=20]
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';

const [base, project, sql, pageArg, repArg] = process.argv.slice(2);
const pageRows = Number(pageArg || 1000);
const repeats = Number(repArg || 20);
const bq = new BigQuery({ projectId: project, apiEndpoint: base, authClient: new PassThroughClient() });
const [job] = await bq.createQueryJob({ query: sql });
await job.getQueryResults({ maxResults: 0 }); // wait until the job is done
const ms = [];
let rows = 0;
for (let i = 0; i < repeats; i++) {
  const t0 = process.hrtime.bigint();
  const [page] = await job.getQueryResults({ maxResults: pageRows, autoPaginate: false });
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  rows = page.length;
}
ms.sort((a, b) => a - b);
console.log(JSON.stringify({ impl: 'node @google-cloud/bigquery', page_rows: rows, median_ms: +ms[Math.floor(ms.length / 2)].toFixed(2),
  min_ms: +ms[0].toFixed(2) }));
