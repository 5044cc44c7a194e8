// SPDX-License-Identifier: MIT
// DuckDB as the peer of a benchmark whose data SQL makes (run_skip.sh): runs the setup
// statements, then each query three times. Prints a JSON line with the setup's seconds and
// DuckDB's version, then one per query: median seconds, peak RSS of this process during the
// query (VmHWM, reset before it), and the rows.
// Usage: node duck_sql.mjs SETUP.json QUERIES.json   (a list of statements; {name: sql})
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync, writeFileSync } from "node:fs";

const [setupFile, queriesFile] = process.argv.slice(2);
const setup = JSON.parse(readFileSync(setupFile, "utf8"));
const queries = JSON.parse(readFileSync(queriesFile, "utf8"));
const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
const resetPeak = () => writeFileSync("/proc/self/clear_refs", "5");

const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
const t0 = performance.now();
for (const statement of setup) await con.run(statement);
console.log(JSON.stringify({ load_s: (performance.now() - t0) / 1000, version: (await con.runAndReadAll("SELECT version() AS v")).getRowObjectsJson()[0].v }));
for (const [name, sql] of Object.entries(queries)) {
  const times = [];
  let rows = null, peak = 0;
  for (let i = 0; i < 3; ++i) {
    resetPeak();
    const s = performance.now();
    const r = await con.runAndReadAll(sql);
    times.push((performance.now() - s) / 1000);
    peak = Math.max(peak, peakMb());
    rows = r.getRowsJson();
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ query: name, seconds: times[1], peak_rss_mb: Math.round(peak), rows }));
}
