// SPDX-License-Identifier: MIT
// DuckDB, the peer of the engine benchmark (run_engine.sh): loads the persons NDJSON with
// read_json (nested STRUCT and LIST types kept) and the lookup table, then runs each query
// three times. Prints one JSON line per query: median seconds, peak RSS of this process during
// the query (VmHWM, reset before it), and the rows.
// Usage: node duck_queries.mjs PERSONS.ndjson QUERIES.json
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync, writeFileSync } from "node:fs";

const [file, queriesFile] = process.argv.slice(2);
const queries = JSON.parse(readFileSync(queriesFile, "utf8"));
const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
const resetPeak = () => writeFileSync("/proc/self/clear_refs", "5");

const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
const t0 = performance.now();
await con.run(`CREATE TABLE persons AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`);
await con.run("CREATE TABLE areas AS SELECT code, 'R' || (code % 10) AS region FROM range(200, 1000) t(code)");
await con.run("CREATE TABLE ages AS SELECT fullName, age FROM persons");
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
