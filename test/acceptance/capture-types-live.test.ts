/**
 * Issue 3 acceptance: a table per MariaDB type family with edge values, captured LIVE from
 * the binlog dump; every decoded value equals what the server returns for SELECT.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { readSourceInfo } from '../../src/capture/mysql/binlog-stream';
import { captureLive } from '../../src/capture/mysql/live-capture';
import type { Transaction } from '../../src/model/change';
import { binlogPosition } from '../../src/model/position';
import { Temporal, type Value } from '../../src/model/value';
import { buildDictionary } from '../support/dictionary';
import { createDatabase, dropDatabase, harness, mariaConnect } from '../harness';

const DB = 'cap_types';
let conn: Connection;
let tmp: string;

/** column: DDL type, values to insert (SQL literals), and how the server should print it for comparison */
interface Col {
  readonly name: string;
  readonly type: string;
  readonly values: readonly string[];
  /** SELECT expression (default: the column); FLOAT goes through CAST(... AS DOUBLE), the server's exact value, not its 6-digit display */
  readonly select?: string;
}

const FAMILIES: Record<string, Col[]> = {
  ints: [
    { name: 'u', type: 'BIGINT UNSIGNED', values: ['18446744073709551615', '0', 'NULL'] },
    { name: 's', type: 'BIGINT', values: ['-9223372036854775808', '9223372036854775807', '-1'] },
    { name: 'ti', type: 'TINYINT UNSIGNED', values: ['255', '0', '1'] },
    { name: 'mi', type: 'MEDIUMINT', values: ['-8388608', '8388607', '0'] },
    { name: 'b64', type: 'BIT(64)', values: ["b'1111111111111111111111111111111111111111111111111111111111111111'", "b'0'", "b'1000000000000000000000000000000000000000000000000000000000000001'"], select: "LPAD(HEX(b64), 16, '0')" },
    { name: 'b1', type: 'BIT(1)', values: ["b'1'", "b'0'", 'NULL'], select: "LPAD(HEX(b1), 2, '0')" },
  ],
  numbers: [
    { name: 'd', type: 'DECIMAL(65,30)', values: ['99999999999999999999999999999999999.999999999999999999999999999999', '-0.000000000000000000000000000001', '0'] },
    { name: 'd0', type: 'DECIMAL(10,0)', values: ['-9999999999', '0', '1'] },
    { name: 'f', type: 'FLOAT', values: ['3.4028235e38', '-1.17549435e-38', '0.1'], select: 'CAST(f AS DOUBLE)' },
    { name: 'dbl', type: 'DOUBLE', values: ['1.7976931348623157e308', '-2.2250738585072014e-308', '0.1'] },
  ],
  temporal: [
    { name: 'dt', type: 'DATETIME(6)', values: ["'9999-12-31 23:59:59.999999'", "'0000-00-00 00:00:00'", "'1000-01-01 00:00:00.000001'"] },
    { name: 'dte', type: 'DATE', values: ["'9999-12-31'", "'0000-00-00'", "'2024-02-29'"] },
    { name: 'tm', type: 'TIME(6)', values: ["'838:59:59.000000'", "'-838:59:59.000000'", "'-00:00:00.000001'"] },
    { name: 'ts', type: 'TIMESTAMP(6) NULL DEFAULT NULL', values: ["'2038-01-19 03:14:07.999999'", "'1970-01-01 00:00:01.000000'", 'NULL'] },
    { name: 'y', type: 'YEAR', values: ['2155', '0', '1901'] },
  ],
  text: [
    { name: 'u8', type: 'VARCHAR(20) CHARACTER SET utf8mb4', values: ["'😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'", "''", "'tab\\there'"] },
    { name: 'l1', type: 'VARCHAR(20) CHARACTER SET latin1', values: ["'café €'", "'ÿ'", "'  trail  '"] },
    { name: 'gb', type: 'VARCHAR(20) CHARACTER SET gbk', values: ["'中文字符'", "'汉'", "'a'"] },
    { name: 'vb', type: 'VARBINARY(20)', values: ["X'00FF00'", "X''", "X'000000'"], select: 'HEX(vb)' },
    { name: 'fb', type: 'BINARY(6)', values: ["X'0000'", "X'010203040506'", "X'FF'"], select: 'HEX(fb)' },
    { name: 'e', type: "ENUM('a','b,c','dé')", values: ["'dé'", "'b,c'", "''"] },
    { name: 'st', type: "SET('x','y','z')", values: ["'x,z'", "''", "'x,y,z'"] },
    { name: 'tx', type: 'MEDIUMTEXT CHARACTER SET utf8mb4', values: ["REPEAT('ab', 40000)", "''", 'NULL'] },
  ],
  geometry: [
    { name: 'g', type: 'GEOMETRY', values: ["ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('LINESTRING(0 0,1 1,2 3)', 4326)", 'NULL'], select: 'HEX(g)' },
    { name: 'p', type: 'POINT', values: ["ST_GeomFromText('POINT(-1.5 1e300)')", "ST_GeomFromText('POINT(0 0)')", "ST_GeomFromText('POINT(3 4)')"], select: 'HEX(p)' },
  ],
};

function ourText(v: Value): string {
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return v.toString('hex').toUpperCase();
  if (v instanceof Temporal) return v.kind === 'timestamptz' ? v.text.replace(/\+00:00$/, '') : v.text;
  return String(v);
}

function serverText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return v.toString('hex').toUpperCase();
  return String(v);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-types-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect({ dateStrings: true, supportBigNumbers: true, bigNumberStrings: true } as never);
  await conn.query("SET SESSION sql_mode = '', time_zone = '+00:00'");
  for (const [family, cols] of Object.entries(FAMILIES)) {
    await conn.query(`CREATE TABLE ${DB}.${family} (id INT PRIMARY KEY, ${cols.map((c) => `${c.name} ${c.type}`).join(', ')}) DEFAULT CHARSET=utf8mb4`);
  }
});
afterAll(async () => {
  await conn?.end();
  await dropDatabase('mariadb', DB);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('type matrix captured live: every value equals the server’s own SELECT', async () => {
  const m = harness().mariadb;
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}'`, path.join(tmp, 'DICT'));
  const info = await readSourceInfo(m);
  const abort = new AbortController();
  const got: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({ ...m, origin: 5, ddl: false, dictionary, start: binlogPosition(info.file, info.pos, info.gtid), tableAllowed: (s) => s === DB, signal: abort.signal })) got.push(tx);
  })();
  const families = Object.entries(FAMILIES);
  for (const [family, cols] of families) {
    for (let r = 0; r < 3; r++) {
      await conn.query(`INSERT INTO ${DB}.${family} VALUES (${r + 1}, ${cols.map((c) => c.values[r]).join(', ')})`);
    }
  }
  const t0 = Date.now();
  while (got.length < families.length * 3 && Date.now() - t0 < 30000) await new Promise((res) => setTimeout(res, 20));
  abort.abort();
  await consumer;

  for (const [family, cols] of families) {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT id, ${cols.map((c) => `${c.select ?? c.name} AS ${c.name}`).join(', ')} FROM ${DB}.${family} ORDER BY id`);
    const server = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, serverText(v)])));
    const ours = got
      .flatMap((tx) => tx.ops)
      .filter((op) => op.kind === 'insert' && op.table.table === family)
      .map((op) => (op.kind === 'insert' ? Object.fromEntries(op.table.columns.map((c, i) => [c.name, ourText(op.after[i]!)])) : {}));
    expect({ family, rows: ours }).toEqual({ family, rows: server });
  }
});
