// SPDX-License-Identifier: MIT
// DuckDB, the peer of the restart benchmark (run_restart.sh). "load DB FILE": reads the persons
// NDJSON into a DuckDB database file (nested types kept) and closes it. "open DB": opens the
// file in this fresh process, counts the rows, and prints the seconds from the start of the
// open to the count's answer and this process's resident memory then (VmRSS, MB).
// Usage: node duck_restart.mjs load DB FILE | node duck_restart.mjs open DB
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync } from "node:fs";

const [mode, dbFile, file] = process.argv.slice(2);
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
if (mode === "load") {
  const db = await DuckDBInstance.create(dbFile);
  const con = await db.connect();
  await con.run(`CREATE TABLE persons AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`);
  await con.run("CHECKPOINT");
  con.closeSync();
  db.closeSync();
} else {
  const before = rssMb();
  const t0 = performance.now();
  const db = await DuckDBInstance.create(dbFile);
  const con = await db.connect();
  const n = (await con.runAndReadAll("SELECT COUNT(*) AS n FROM persons")).getRowObjectsJson()[0].n;
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, rows: Number(n), rss_mb: Math.round(rssMb()), node_rss_mb: Math.round(before) }));
}
