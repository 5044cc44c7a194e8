// SPDX-License-Identifier: MIT
// The peer for `quarry-cli validate`: Google's Node client doing the same work over a folder
// made by gen_views.py, in the order its manifest gives (which quarry-cli finds by itself):
// per file a dry run, then the view or table made (as validate does on a sandbox), then a dry
// run of SELECT * FROM the view for its bytes; files of one layer 8 at a time.
// Usage: node node_validate.mjs BASE_URL DIR [PARALLEL=8]
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dir, parallelArg] = process.argv.slice(2);
const parallel = Number(parallelArg || 8);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const bq = new BigQuery({ projectId: 'p', apiEndpoint: base, authClient: new PassThroughClient() });

let files = 0, failed = 0;
const t0 = process.hrtime.bigint();
for (const layer of manifest.layers) {
  let next = 0;
  async function worker() {
    for (let k; (k = next++) < layer.length; ) {
      const item = layer[k];
      const sql = readFileSync(join(dir, item.file), 'utf8');
      try {
        await bq.createQueryJob({ query: sql, dryRun: true, useLegacySql: false });
        await bq.query({ query: sql, useLegacySql: false });
        if (item.kind === 'view')
          await bq.createQueryJob({ query: `SELECT * FROM \`p.${item.name}\``, dryRun: true, useLegacySql: false });
      } catch (e) {
        failed++;
      }
      files++;
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ impl: 'node @google-cloud/bigquery', files, failed, seconds: +secs.toFixed(3) }));
process.exit(failed ? 1 : 0);
