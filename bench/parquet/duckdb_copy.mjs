// DuckDB reference for bench/parquet: one thread, JSON file -> Parquet.
// Prints "SECONDS <s>" for the COPY alone (no node start-up).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
const here = dirname(fileURLToPath(import.meta.url));
const { DuckDBInstance } = await import(join(here, '../../tests/peers/node_modules/@duckdb/node-api/lib/index.js'));
const [src, dst, codec] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
const con = await inst.connect();
await con.run('SET threads=1');
const t = performance.now();
await con.run(`COPY (SELECT * FROM read_json('${src}')) TO '${dst}' (FORMAT PARQUET, COMPRESSION ${codec})`);
console.log('SECONDS ' + ((performance.now() - t) / 1000).toFixed(3));
