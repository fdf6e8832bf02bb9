// parquet_check.mjs - read Parquet files written by sluice with independent
// readers (DuckDB through @duckdb/node-api, hyparquet) and compare values.
//
//   node parquet_check.mjs cases DIR            every DIR/*.parquet against
//                                               its .jsonl (pq_gen random)
//   node parquet_check.mjs hyparquet DIR N      the first N cases, hyparquet
//   node parquet_check.mjs big FILE ROWS [RGS]  pq_gen big: values recomputed
//                                               in SQL, stats, row groups
//   node parquet_check.mjs exactly LAKE N [K]   ids 0..N-1 exactly K times
//   node parquet_check.mjs sql "QUERY"          print rows as JSON lines
//
// Canonical values are described in tests/tools/pq_gen.c. Exits 1 with the
// first differences on a mismatch.
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const peers = join(here, '..', 'peers', 'node_modules');
const require = createRequire(join(peers, 'x.js'));
const duck = await import(join(peers, '@duckdb/node-api/lib/index.js'));
const { DuckDBInstance, DuckDBTypeId } = duck;

async function connect() {
  const inst = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: '1',
  });
  return inst.connect();
}

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function f32bits(x) {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true).toString(16).padStart(8, '0');
}

function f64bits(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true).toString(16).padStart(16, '0');
}

// DuckDB value + type -> canonical JS value
function canon(v, t) {
  if (v === null || v === undefined) return null;
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return v;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT: return 'i:' + v.toString();
    case DuckDBTypeId.FLOAT: return Number.isNaN(v) ? 'nan' : 'f:' + f32bits(v);
    case DuckDBTypeId.DOUBLE: return Number.isNaN(v) ? 'nan' : 'd:' + f64bits(v);
    case DuckDBTypeId.DECIMAL: return 'q:' + v.value.toString();
    case DuckDBTypeId.VARCHAR: return v;
    case DuckDBTypeId.BLOB: return 'b:' + hex(v.bytes);
    case DuckDBTypeId.DATE: return 'D:' + v.days;
    case DuckDBTypeId.TIMESTAMP_TZ: return 'T:' + v.micros.toString();
    case DuckDBTypeId.STRUCT: {
      const o = {};
      t.entryNames.forEach((n, i) => { o[n] = canon(v.entries[n], t.entryTypes[i]); });
      return o;
    }
    case DuckDBTypeId.LIST: return v.items.map((x) => canon(x, t.valueType));
    case DuckDBTypeId.MAP:
      return v.entries.map((e) => [canon(e.key, t.keyType), canon(e.value, t.valueType)]);
    default: throw new Error('unexpected DuckDB type ' + t.toString());
  }
}

function readExpected(path) {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
}

function diff(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g === w) return 0;
  console.error(`MISMATCH ${what}\n  got  ${g.slice(0, 600)}\n  want ${w.slice(0, 600)}`);
  return 1;
}

async function cases(dir) {
  const con = await connect();
  const files = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  let bad = 0, rows = 0;
  for (const f of files) {
    const path = join(dir, f);
    const want = readExpected(path.replace(/\.parquet$/, '.jsonl'));
    const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    const types = r.columnTypes();
    const got = r.getRows().map((row) => row.map((v, i) => canon(v, types[i])));
    rows += got.length;
    if (got.length !== want.length) {
      console.error(`MISMATCH ${f}: ${got.length} rows, want ${want.length}`);
      bad++;
      continue;
    }
    for (let i = 0; i < got.length && bad < 20; i++)
      bad += diff(got[i], want[i], `${f} row ${i} (schema ${readFileSync(path.replace(/\.parquet$/, '.schema'), 'utf8')})`);
    if (got.length) bad += await statsFilters(con, path, r.columnNames(), types);
  }
  console.log(`duckdb: ${files.length} files, ${rows} rows compared, ${statsChecked} filters on statistics, ${bad} mismatches`);
  return bad === 0;
}

function sortKeys(entries) {
  const key = (e) => JSON.stringify(e[0]);
  return entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// Row-group statistics must never hide a row: for each top-level scalar
// column, filters on its min and max (which DuckDB pushes down to the
// statistics) count the same rows as over a copy in memory.
const FILTERABLE = new Set([DuckDBTypeId.BOOLEAN, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL, DuckDBTypeId.VARCHAR,
  DuckDBTypeId.DATE, DuckDBTypeId.TIMESTAMP_TZ, DuckDBTypeId.BLOB]);
let statsChecked = 0;
async function statsFilters(con, path, names, types) {
  let bad = 0;
  await con.run(`CREATE OR REPLACE TEMP TABLE mem AS SELECT * FROM read_parquet('${path}')`);
  for (let k = 0; k < names.length; k++) {
    if (!FILTERABLE.has(types[k].typeId)) continue;
    const col = '"' + names[k].replace(/"/g, '""') + '"';
    const ty = types[k].toString();
    const [mm] = (await con.runAndReadAll(`SELECT min(${col})::VARCHAR, max(${col})::VARCHAR FROM mem`)).getRowsJS();
    for (const v of mm) {
      if (v === null) continue;
      const lit = `CAST('${v.replace(/'/g, "''")}' AS ${ty})`;
      for (const op of ['=', '>=', '<=']) {
        const q = (t) => `SELECT count(*) FROM ${t} WHERE ${col} ${op} ${lit}`;
        const a = (await con.runAndReadAll(q(`read_parquet('${path}')`))).getRowsJS()[0][0];
        const b = (await con.runAndReadAll(q('mem'))).getRowsJS()[0][0];
        statsChecked++;
        if (a !== b) {
          console.error(`MISMATCH statistics of ${path} column ${names[k]}: ${op} ${v} counts ${a} from the file, ${b} in memory`);
          bad++;
        }
      }
    }
  }
  return bad;
}

// hyparquet: dates/timestamps/decimals through custom parsers so nothing
// is rounded; decimals come back as Numbers (hyparquet divides by the
// scale), compared with the same division of the exact unscaled value.
async function hyp(dir, n) {
  const { parquetRead, parquetMetadata } = await import(join(peers, 'hyparquet/src/node.js'));
  const { compressors } = await import(join(peers, 'hyparquet-compressors/src/index.js'));
  const files = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort().slice(0, n);
  let bad = 0, rows = 0;
  const parsers = {
    timestampFromMilliseconds: (x) => 'T:' + (BigInt(x) * 1000n).toString(),
    timestampFromMicroseconds: (x) => 'T:' + BigInt(x).toString(),
    timestampFromNanoseconds: (x) => 'T:' + (BigInt(x) / 1000n).toString(),
    dateFromDays: (x) => 'D:' + x,
    stringFromBytes: (b) => b === undefined || b === null ? b : new TextDecoder().decode(b),
  };
  for (const f of files) {
    const path = join(dir, f);
    const buf = readFileSync(path);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(file);
    const want = readExpected(path.replace(/\.parquet$/, '.jsonl'));
    let got = [];
    await parquetRead({ file, compressors, parsers, utf8: false, onComplete: (rows) => { got = rows; } });
    rows += got.length;
    const schema = meta.schema;
    // walk the Parquet schema tree to convert values
    let pos = 1;
    function node() {
      const el = schema[pos++];
      const kids = [];
      for (let i = 0; i < (el.num_children || 0); i++) kids.push(node());
      return { el, kids };
    }
    const top = [];
    for (let i = 0; i < schema[0].num_children; i++) top.push(node());
    function conv(v, nd) {
      if (v === null || v === undefined) return null;
      const el = nd.el;
      if (el.converted_type === 'LIST') return v.map((x) => conv(x, nd.kids[0].kids[0]));
      if (el.converted_type === 'MAP') {
        const kv = nd.kids[0];
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
        // hyparquet gives a map as a JS object: entry order is lost for
        // integer-like keys, so both sides are compared sorted by key
        return sortKeys(entries.map(([k, x]) => [conv(k, kv.kids[0]), conv(x, kv.kids[1])]));
      }
      if (nd.kids.length) {
        const o = {};
        for (const k of nd.kids) o[k.el.name] = conv(v[k.el.name], k);
        return o;
      }
      if (el.converted_type === 'DECIMAL') return { dec: Number(v) };
      if (el.converted_type === 'UTF8') return typeof v === 'string' ? v : new TextDecoder().decode(v);
      if (el.converted_type === 'DATE' || el.converted_type === 'TIMESTAMP_MICROS') return v;
      switch (el.type) {
        case 'BOOLEAN': return v;
        case 'INT32': case 'INT64': return 'i:' + v.toString();
        case 'FLOAT': return Number.isNaN(v) ? 'nan' : 'f:' + f32bits(v);
        case 'DOUBLE': return Number.isNaN(v) ? 'nan' : 'd:' + f64bits(v);
        case 'BYTE_ARRAY': return 'b:' + hex(v);
      }
      throw new Error('unexpected ' + JSON.stringify(el));
    }
    // expected decimals as Numbers the way hyparquet computes them
    function wantConv(w, nd) {
      if (w === null) return null;
      const el = nd.el;
      if (el.converted_type === 'LIST') return w.map((x) => wantConv(x, nd.kids[0].kids[0]));
      if (el.converted_type === 'MAP') {
        const kv = nd.kids[0];
        return sortKeys(w.map(([k, x]) => [wantConv(k, kv.kids[0]), wantConv(x, kv.kids[1])]));
      }
      if (nd.kids.length) {
        const o = {};
        for (const k of nd.kids) o[k.el.name] = wantConv(w[k.el.name], k);
        return o;
      }
      if (el.converted_type === 'DECIMAL') return { dec: Number(BigInt(w.slice(2))) / 10 ** (el.scale || 0) };
      return w;
    }
    for (let i = 0; i < got.length && bad < 20; i++) {
      const g = got[i].map((v, k) => conv(v, top[k]));
      const w = want[i].map((v, k) => wantConv(v, top[k]));
      bad += diff(g, w, `hyparquet ${f} row ${i}`);
    }
    if (got.length !== want.length) {
      console.error(`MISMATCH hyparquet ${f}: ${got.length} rows, want ${want.length}`);
      bad++;
    }
  }
  console.log(`hyparquet: ${files.length} files, ${rows} rows compared, ${bad} mismatches`);
  return bad === 0;
}

async function one(con, sql) {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJS();
}

// pq_gen big: every value is a function of i; DuckDB recomputes it.
async function big(file, rows, rgs) {
  const con = await connect();
  const t = `read_parquet('${file}')`;
  const checks = {
    rows: `SELECT count(*) FROM ${t}`,
    distinct_i: `SELECT count(DISTINCT i) FROM ${t}`,
    bad: `SELECT count(*) FROM ${t} WHERE
      a IS DISTINCT FROM (CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7919) % 100000 - 50000)::INTEGER END)
      OR s IS DISTINCT FROM 'user-' || (i % 1000)
      OR u IS DISTINCT FROM 'v' || i
      OR d IS DISTINCT FROM i / 8.0
      OR epoch_us(t) IS DISTINCT FROM 1700000000000000 + i * 1000003
      OR b IS DISTINCT FROM (i % 3 = 0)
      OR m IS DISTINCT FROM ((i * 37 - 500000)::DECIMAL(18,0) / 100)::DECIMAL(12,2)
      OR l IS DISTINCT FROM (CASE WHEN i % 4 = 0 THEN []::INTEGER[] ELSE range(i, i + i % 4)::INTEGER[] END)`,
  };
  const got = {};
  for (const [k, q] of Object.entries(checks)) got[k] = Number((await one(con, q))[0][0]);
  const want = { rows, distinct_i: rows, bad: 0 };
  let ok = diff(got, want, `big ${file}`) === 0;
  // statistics: DuckDB's view of each row group's min/max/null count
  const md = await one(con, `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value,
      stats_null_count, num_values, encodings FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`);
  const nrg = new Set(md.map((r) => r[0])).size;
  if (rgs !== undefined && nrg !== rgs) {
    console.error(`MISMATCH big ${file}: ${nrg} row groups, want ${rgs}`);
    ok = false;
  }
  const real = await one(con, `SELECT file_row_number // ${Math.ceil(rows / Math.max(nrg, 1))} AS g,
      min(i)::VARCHAR, max(i)::VARCHAR, min(s), max(s), count(*) - count(a), min(a)::VARCHAR, max(a)::VARCHAR
      FROM read_parquet('${file}', file_row_number=true) GROUP BY g ORDER BY g`);
  if (rgs !== undefined) {
    for (const r of real) {
      const g = Number(r[0]);
      const st = (p) => md.find((m) => Number(m[0]) === g && m[1] === p);
      const want2 = [r[1], r[2], r[3], r[4], Number(r[5]), r[6], r[7]];
      const got2 = [st('i')[2], st('i')[3], st('s')[2], st('s')[3], Number(st('a')[4]), st('a')[2], st('a')[3]];
      if (diff(got2, want2, `stats of row group ${g}`)) ok = false;
    }
  }
  const enc = [...new Set(md.filter((m) => m[1] === 'u' || m[1] === 's').map((m) => m[1] + ':' + m[6]))].sort();
  console.log(`big ${file}: ${got.rows} rows, ${nrg} row groups, encodings ${enc.join(' ')}`);
  return ok;
}

// Data files of a lake (skips _errors, _sluice_tmp and dot files).
function lakeFiles(root) {
  const out = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...lakeFiles(p));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out.sort();
}

// Every id 0..n-1 appears exactly k times in the lake's Parquet files.
async function exactly(root, n, k) {
  const files = lakeFiles(root);
  if (!files.length) {
    console.error(`no Parquet file under ${root}`);
    return false;
  }
  const con = await connect();
  const list = files.map((f) => `'${f}'`).join(',');
  const [r] = await one(con, `SELECT count(*), count(*) FILTER (WHERE c <> ${k}),
      min(id), max(id), sum(c) FROM (SELECT id, count(*) AS c
      FROM read_parquet([${list}], union_by_name=true) GROUP BY id)`);
  const got = r.map((x) => (x === null ? null : Number(x)));
  const want = [n, 0, 0, n - 1, n * k];
  const ok = diff(got, want, `ids in ${root} (distinct, wrong count, min, max, rows)`) === 0;
  if (ok) console.log(`ok: ${n} ids exactly ${k} times in ${files.length} Parquet files`);
  return ok;
}

const [mode, ...args] = process.argv.slice(2);
let ok;
if (mode === 'cases') ok = await cases(args[0]);
else if (mode === 'hyparquet') ok = await hyp(args[0], Number(args[1] || 50));
else if (mode === 'big') ok = await big(args[0], Number(args[1]), args[2] === undefined ? undefined : Number(args[2]));
else if (mode === 'exactly') ok = await exactly(args[0], Number(args[1]), Number(args[2] || 1));
else if (mode === 'sql') {
  const con = await connect();
  for (const r of await one(con, args[0]))
    console.log(JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  ok = true;
} else {
  console.error('usage: parquet_check.mjs cases DIR | hyparquet DIR N | big FILE ROWS [RGS] | sql QUERY');
  process.exit(2);
}
process.exit(ok ? 0 : 1);
