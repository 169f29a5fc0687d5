/**
 * Offline capture against the real harness MariaDB: the values decoded from its binlog
 * equal what the server itself returns for the same rows, and replaying the captured
 * transactions in memory gives exactly the table's final state.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { captureOffline, DictionaryView } from '../../src/capture/mysql/offline-capture';
import type { Transaction } from '../../src/model/change';
import { Temporal, UNCHANGED, type Value } from '../../src/model/value';
import { buildDictionary } from '../support/dictionary';
import { createDatabase, dropDatabase, harness, mariaConnect } from '../harness';

const DB = 'cap_offline';
let conn: Connection;
let tmp: string;

const COLUMNS = `
  id INT NOT NULL PRIMARY KEY,
  u BIGINT UNSIGNED, i8 TINYINT, s SMALLINT UNSIGNED, m MEDIUMINT,
  d DECIMAL(20,6), f FLOAT, db DOUBLE,
  dt DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, t TIME(2), dte DATE, y YEAR,
  vc VARCHAR(40) CHARACTER SET utf8mb4, c CHAR(10) CHARACTER SET latin1, g VARCHAR(20) CHARACTER SET gbk,
  e ENUM('a','b,c','d'), st SET('x','y','z'), j JSON, b BIT(5), bl BLOB, vb VARBINARY(8), tx TEXT`;

/** The server's value and ours, both as comparable text. */
function serverText(v: unknown, col: string): string {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (col === 'f' && typeof v === 'number') return String(Math.fround(v));
  return String(v);
}
function ourText(v: Value): string {
  if (v === null) return 'NULL';
  if (v === UNCHANGED) return 'UNCHANGED';
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (v instanceof Temporal) return v.kind === 'timestamptz' ? v.text.replace(/\+00:00$/, '') : v.text;
  return String(v);
}

async function selectAll(): Promise<Map<string, Record<string, string>>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM ${DB}.t ORDER BY id`);
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const rec: Record<string, string> = {};
    for (const [k, v] of Object.entries(r)) rec[k] = serverText(v, k);
    out.set(rec.id!, rec);
  }
  return out;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-capoff-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect({ dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true } as never);
  await conn.query("SET time_zone = '+00:00'");
  await conn.query(`CREATE TABLE ${DB}.t (${COLUMNS})`);
});
afterAll(async () => {
  await conn?.end();
  await dropDatabase('mariadb', DB);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('decoded values equal the server’s own; replaying the transactions gives the final table', async () => {
  // the offline dictionary at the current position (as `synctl copy 0 ... DICT` does)
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}'`, path.join(tmp, 'DICT'));
  expect(dictionary.size).toBe(1);

  await conn.query('FLUSH BINARY LOGS');
  const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status!.File);

  await conn.query(`INSERT INTO ${DB}.t VALUES
    (1, 18446744073709551615, -128, 65535, -8388608, '-12345678901234.123456', 0.1, 2.718281828459045,
     '2026-11-21 08:09:10.123456', '2026-11-21 08:09:10.125', '-838:59:59.99', '0000-00-00', 2026,
     'héllo wörld 😀', 'café', '中文字符', 'b,c', 'x,z', '{"a": [1, 2.5, "x"], "b": null}', b'10101',
     X'00FF10', X'DEADBEEF', 'long text'),
    (2, 0, 127, 0, 8388607, '0.000001', -3.5, -0.0, '1000-01-01 00:00:00', NULL, '00:00:00', '9999-12-31', 1901,
     '', '', '', 'a', '', '[]', b'0', X'', X'', ''),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  const afterInsert = await selectAll();
  await conn.query('START TRANSACTION');
  await conn.query(`UPDATE ${DB}.t SET vc = 'changed', d = d * 2, u = 42 WHERE id = 1`);
  await conn.query(`DELETE FROM ${DB}.t WHERE id = 2`);
  await conn.query(`INSERT INTO ${DB}.t (id, vc) VALUES (4, 'four')`);
  await conn.query('COMMIT');
  await conn.query('START TRANSACTION');
  await conn.query(`INSERT INTO ${DB}.t (id, vc) VALUES (99, 'rolled back')`);
  await conn.query('ROLLBACK');
  const final = await selectAll();
  await conn.query('FLUSH BINARY LOGS');

  const binlog = path.join(path.dirname(harness().mariadb.binlogBasename), file);
  const txs: Transaction[] = [];
  const gen = captureOffline({ inputs: [binlog], origin: 1, ddl: true, dictionary });
  for await (const tx of gen) txs.push(tx);

  const data = txs.filter((tx) => tx.ops.some((o) => o.kind !== 'ddl'));
  expect(data.length).toBe(2); // the insert, the update/delete/insert transaction; never the rollback

  // 1. every inserted row, column by column, equals the server's own value
  const ins = data[0]!.ops;
  expect(ins.map((o) => o.kind)).toEqual(['insert', 'insert', 'insert']);
  for (const op of ins) {
    if (op.kind !== 'insert') continue;
    const cols = op.table.columns.map((c) => c.name);
    const ours: Record<string, string> = {};
    cols.forEach((c, i) => (ours[c] = ourText(op.after[i]!)));
    expect(ours).toEqual(afterInsert.get(ours.id!));
  }
  expect(ins[0]!.kind === 'insert' && ins[0]!.table.columns.filter((c) => c.key).map((c) => c.name)).toEqual(['id']);

  // 2. replaying every captured op in memory gives the server's final table
  const state = new Map<string, Record<string, string>>();
  for (const tx of data) {
    for (const op of tx.ops) {
      if (op.kind === 'ddl' || op.kind === 'truncate') continue;
      const names = op.table.columns.map((c) => c.name);
      const rec = (row: readonly Value[]) => Object.fromEntries(names.map((n, i) => [n, ourText(row[i]!)]));
      if (op.kind === 'insert') state.set(rec(op.after).id!, rec(op.after));
      if (op.kind === 'delete') state.delete(rec(op.before).id!);
      if (op.kind === 'update') {
        state.delete(rec(op.before).id!);
        state.set(rec(op.after).id!, rec(op.after));
      }
    }
  }
  expect(state).toEqual(final);

  // 3. positions: after each transaction, inside the captured file, with the MariaDB GTID state
  for (const tx of data) {
    expect(tx.position.kind).toBe('binlog');
    if (tx.position.kind === 'binlog') {
      expect(tx.position.file).toBe(file);
      expect(tx.position.gtid).toMatch(/^\d+-\d+-\d+/);
    }
  }
  const [[gtid]] = await conn.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS g');
  const last = data[data.length - 1]!.position;
  expect(last.kind === 'binlog' && last.gtid).toBe(String(gtid!.g));
});

test('XA transactions come out at XA COMMIT, rolled-back ones never', async () => {
  await conn.query(`CREATE TABLE ${DB}.xa (id INT PRIMARY KEY, v VARCHAR(10))`);
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}' AND TAB.NAME='xa'`, path.join(tmp, 'DICT-xa'));
  await conn.query('FLUSH BINARY LOGS');
  const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status!.File);
  await conn.query("XA START 'g1'");
  await conn.query(`INSERT INTO ${DB}.xa VALUES (1, 'one')`);
  await conn.query("XA END 'g1'");
  await conn.query("XA PREPARE 'g1'");
  // a session holding a prepared XA transaction can start nothing else: one session each
  const c2 = await mariaConnect();
  const c3 = await mariaConnect();
  try {
    await c2.query("XA START 'g2', 'b2'");
    await c2.query(`INSERT INTO ${DB}.xa VALUES (2, 'two')`);
    await c2.query("XA END 'g2', 'b2'");
    await c2.query("XA PREPARE 'g2', 'b2'");
    await c3.query(`INSERT INTO ${DB}.xa VALUES (3, 'plain')`);
    await c2.query("XA ROLLBACK 'g2', 'b2'");
    await conn.query("XA COMMIT 'g1'");
  } finally {
    await c2.end();
    await c3.end();
  }
  await conn.query('FLUSH BINARY LOGS');
  const binlog = path.join(path.dirname(harness().mariadb.binlogBasename), file);
  const txs: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: [binlog], origin: 1, ddl: false, dictionary, tableAllowed: (_s, t) => t === 'xa' })) txs.push(tx);
  const ids = txs.map((tx) => tx.ops.map((o) => (o.kind === 'insert' ? ourText(o.after[0]!) : o.kind)).join(','));
  expect(ids).toEqual(['3', '1']); // commit order: the plain insert, then g1 at its XA COMMIT; g2 rolled back
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT id FROM ${DB}.xa ORDER BY id`);
  expect(rows.map((r) => String(r.id))).toEqual(['1', '3']);
});

test('a large transaction comes out in consecutive parts: the last one commits them; parts resume at its start', async () => {
  await conn.query(`CREATE TABLE ${DB}.big (id INT PRIMARY KEY, v VARCHAR(10))`);
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}' AND TAB.NAME='big'`, path.join(tmp, 'DICT-big'));
  await conn.query('FLUSH BINARY LOGS');
  const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status!.File);
  await conn.query('START TRANSACTION');
  for (let i = 1; i <= 25; i++) await conn.query(`INSERT INTO ${DB}.big VALUES (?, 'x')`, [i]);
  await conn.query('COMMIT');
  await conn.query(`INSERT INTO ${DB}.big VALUES (26, 'small')`);
  await conn.query('FLUSH BINARY LOGS');
  const binlog = path.join(path.dirname(harness().mariadb.binlogBasename), file);
  const txs: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: [binlog], origin: 1, ddl: false, dictionary, maxOpsPerPart: 10, tableAllowed: (_s, t) => t === 'big' })) txs.push(tx);
  expect(txs.map((t) => `${t.ops.length}${t.continued ? '+' : ''}`)).toEqual(['10+', '10+', '5', '1']);
  expect(txs[0]!.xid).toBe('');
  expect(txs[2]!.xid).not.toBe('');
  // the parts' position is where the transaction starts: before its commit, and re-reading from it yields the same parts
  const [p0, p2] = [txs[0]!.position, txs[2]!.position];
  if (p0.kind !== 'binlog' || p2.kind !== 'binlog') throw new Error('binlog positions expected');
  expect(p0.pos).toBeLessThan(p2.pos);
  const again: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: [binlog], origin: 1, ddl: false, dictionary, maxOpsPerPart: 10, start: { file: p0.file, pos: p0.pos }, gtid: p0.gtid, tableAllowed: (_s, t) => t === 'big' })) again.push(tx);
  expect(again.map((t) => `${t.ops.length}${t.continued ? '+' : ''}`)).toEqual(['10+', '10+', '5', '1']);
  expect(again[2]!.position).toEqual(txs[2]!.position);
});

test('non-transactional changes before a logged ROLLBACK stay, as they did on the source', async () => {
  await conn.query(`CREATE TABLE ${DB}.myi (id INT PRIMARY KEY) ENGINE=MyISAM`);
  await conn.query(`CREATE TABLE ${DB}.inno (id INT PRIMARY KEY) ENGINE=InnoDB`);
  await conn.query('FLUSH BINARY LOGS');
  const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status!.File);
  await conn.query('START TRANSACTION');
  await conn.query(`INSERT INTO ${DB}.inno VALUES (1)`);
  await conn.query(`INSERT INTO ${DB}.myi VALUES (1)`);
  await conn.query('ROLLBACK');
  await conn.query('FLUSH BINARY LOGS');
  const binlog = path.join(path.dirname(harness().mariadb.binlogBasename), file);
  const txs: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: [binlog], origin: 1, ddl: false, dictionary: DictionaryView.empty(), tableAllowed: (s) => s === DB })) txs.push(tx);
  expect(txs.flatMap((t) => t.ops.map((o) => (o.kind === 'insert' ? o.table.table : o.kind)))).toEqual(['myi']);
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT (SELECT COUNT(*) FROM ${DB}.myi) AS m, (SELECT COUNT(*) FROM ${DB}.inno) AS i`);
  expect([Number(rows[0]!.m), Number(rows[0]!.i)]).toEqual([1, 0]);
});

test('MariaDB UUID/INET4/INET6 decode to the server’s own text; BINARY(n) keeps its trailing zero bytes', async () => {
  await conn.query(`CREATE TABLE ${DB}.net (id INT PRIMARY KEY, u UUID, i6 INET6, i4 INET4, b BINARY(8))`);
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}' AND TAB.NAME='net'`, path.join(tmp, 'DICT-net'));
  await conn.query('FLUSH BINARY LOGS');
  const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status!.File);
  await conn.query(`INSERT INTO ${DB}.net VALUES
    (1, '123e4567-e89b-12d3-a456-426614174000', '::ffff:1.2.3.4', '10.0.0.1', X'0102000000000000'),
    (2, '00000000-0000-7000-8000-000000000001', '2001:db8::1', '255.255.255.255', X'00'),
    (3, 'ffeeddcc-bbaa-1998-8877-665544332211', '::1.2.3.4', '0.0.0.0', X'FFFFFFFFFFFFFFFF'),
    (4, NULL, '::', NULL, NULL), (5, NULL, '1::', NULL, NULL), (6, NULL, 'fe80::1:0:0:0:1', NULL, NULL), (7, NULL, '::1', NULL, NULL)`);
  await conn.query('FLUSH BINARY LOGS');
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT id, u, i6, i4, HEX(b) AS b FROM ${DB}.net ORDER BY id`);
  const binlog = path.join(path.dirname(harness().mariadb.binlogBasename), file);
  const got: string[][] = [];
  for await (const tx of captureOffline({ inputs: [binlog], origin: 1, ddl: false, dictionary, tableAllowed: (_s, t) => t === 'net' })) {
    for (const op of tx.ops) if (op.kind === 'insert') got.push(op.after.map((v) => (Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : ourText(v))));
  }
  expect(got).toEqual(rows.map((r) => [String(r.id), ...['u', 'i6', 'i4', 'b'].map((k) => (r[k] === null ? 'NULL' : String(r[k])))]));
});
