/**
 * Live capture from the harness MariaDB's binlog dump: transactions arrive in commit
 * order while the source is written to; the dump connection is killed on the server
 * mid-stream and capture reconnects from its last position; replaying what arrived gives
 * exactly the source table.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { readSourceInfo } from '../../src/capture/mysql/binlog-stream';
import { DictionaryView } from '../../src/capture/mysql/dictionary-columns';
import { captureLive } from '../../src/capture/mysql/live-capture';
import { DictStore } from '../../src/dict/store';
import { introspectMysql } from '../../src/dict/mysql-introspect';
import { parseCondition } from '../../src/dict/condition';
import { setLogSink } from '../../src/log';
import type { Transaction } from '../../src/model/change';
import { binlogPosition } from '../../src/model/position';
import { Temporal, type Value } from '../../src/model/value';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDictionary } from '../support/dictionary';
import { createDatabase, dropDatabase, harness, mariaConnect } from '../harness';
import { SynctlProcess, requireBuiltCli } from '../support/synctl-process';

const DB = 'cap_live';
let conn: Connection;
let tmp: string;

const text = (v: Value): string =>
  v === null ? 'NULL' : Buffer.isBuffer(v) ? v.toString('hex') : v instanceof Temporal ? v.text : String(v);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-caplive-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect({ supportBigNumbers: true, bigNumberStrings: true, decimalNumbers: false } as never);
  await conn.query(`CREATE TABLE ${DB}.acct (id INT PRIMARY KEY, balance DECIMAL(14,2) NOT NULL, big BIGINT UNSIGNED, name VARCHAR(30))`);
});
afterAll(async () => {
  await conn?.end();
  await dropDatabase('mariadb', DB);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('live dump: every committed change once, in order, across a killed dump connection', async () => {
  const logs: string[] = [];
  const restore = setLogSink((l) => logs.push(l));
  const m = harness().mariadb;
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}'`, path.join(tmp, 'DICT'));
  const info = await readSourceInfo(m);
  const abort = new AbortController();
  const got: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({
      host: m.host,
      port: m.port,
      user: m.user,
      password: m.password,
      origin: 3,
      ddl: false,
      dictionary,
      start: binlogPosition(info.file, info.pos, info.gtid),
      tableAllowed: (s) => s === DB,
      heartbeatSec: 1,
      signal: abort.signal,
    })) {
      got.push(tx);
    }
  })();
  const waitFor = async (n: number) => {
    const t0 = Date.now();
    while (got.length < n) {
      if (Date.now() - t0 > 30000) throw new Error(`only ${got.length} of ${n} transactions arrived\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  for (let i = 1; i <= 100; i++) {
    await conn.query(`INSERT INTO ${DB}.acct VALUES (?, ?, ?, ?)`, [i, `${i}.50`, i === 1 ? '18446744073709551615' : String(i), `n${i}`]);
  }
  await waitFor(100);
  // kill the dump thread on the server: capture must reconnect from where it stood
  const [procs] = await conn.query<RowDataPacket[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
  expect(procs.length).toBeGreaterThan(0);
  for (const p of procs) await conn.query(`KILL ${Number(p.ID)}`);
  for (let i = 1; i <= 50; i++) {
    await conn.query('START TRANSACTION');
    await conn.query(`UPDATE ${DB}.acct SET balance = balance - 1 WHERE id = ?`, [i]);
    await conn.query(`UPDATE ${DB}.acct SET balance = balance + 1 WHERE id = ?`, [101 - i]);
    await conn.query('COMMIT');
  }
  await conn.query(`DELETE FROM ${DB}.acct WHERE id > 90`);
  await waitFor(151);
  await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up now
  abort.abort();
  await consumer;
  setLogSink(restore);

  expect(logs.some((l) => /reconnecting in \d+ ms from/.test(l))).toBe(true);
  expect(got.length).toBe(151);
  for (let i = 1; i < got.length; i++) {
    const a = got[i - 1]!.position;
    const b = got[i]!.position;
    if (a.kind === 'binlog' && b.kind === 'binlog') expect(a.file < b.file || (a.file === b.file && a.pos < b.pos)).toBe(true);
  }
  const state = new Map<string, string[]>();
  for (const tx of got) {
    for (const op of tx.ops) {
      if (op.kind === 'insert' || op.kind === 'update') state.set(text(op.after[0]!), op.after.map(text));
      if (op.kind === 'delete') state.delete(text(op.before[0]!));
    }
  }
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT id, balance, big, name FROM ${DB}.acct ORDER BY id`);
  expect(state).toEqual(new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.balance), String(r.big), String(r.name)]])));
});

test('`synctl capture -c cpt.hs --format json` follows the live binlog until SIGTERM', async () => {
  requireBuiltCli();
  const m = harness().mariadb;
  const cfg = path.join(tmp, 'cpt.hs');
  fs.writeFileSync(
    cfg,
    `<dmhs><base><siteid>4</siteid></base><cpt>
  <db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port>
  <db_user>${m.user}</db_user><db_pwd>${m.password.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</db_pwd>
  <send><stdio>1</stdio><filter><enable><item>${DB}.*</item></enable></filter></send>
</cpt></dmhs>`,
  );
  const p = new SynctlProcess(['capture', '-c', cfg, '--format', 'json']);
  let out = '';
  p.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const t0 = Date.now();
  while (!/dumping from/.test(p.stderr) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 50));
  await conn.query(`INSERT INTO ${DB}.acct VALUES (500, '7.25', 1, 'cli')`);
  await conn.query(`UPDATE ${DB}.acct SET name = 'cli2' WHERE id = 500`);
  while (out.split('\n').filter(Boolean).length < 2 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 50));
  expect(await p.kill('SIGTERM')).toBe(0);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { op: string; table: string; after: Record<string, unknown> });
  expect(lines.map((l) => `${l.op} ${l.table} ${String(l.after.name)} ${String(l.after.balance)}`)).toEqual(['insert acct cli 7.25', 'update acct cli2 7.25']);
});

test('DDL in the live stream: the table gets a new dictionary version at the statement, later rows decode with it', async () => {
  const m = harness().mariadb;
  const { store, dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}'`, path.join(tmp, 'DICT-ddl'));
  const info = await readSourceInfo(m);
  const abort = new AbortController();
  const got: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({
      ...m,
      origin: 3,
      ddl: true,
      dictionary,
      store,
      start: binlogPosition(info.file, info.pos, info.gtid),
      tableAllowed: (s) => s === DB,
      signal: abort.signal,
    })) got.push(tx);
  })();
  await conn.query(`INSERT INTO ${DB}.acct (id, balance, big, name) VALUES (700, '1.00', 7, 'before')`);
  await conn.query(`ALTER TABLE ${DB}.acct ADD COLUMN note VARCHAR(20) CHARACTER SET utf8mb4 AFTER balance`);
  await conn.query(`INSERT INTO ${DB}.acct (id, balance, note, big, name) VALUES (701, '2.00', 'añadido', 8, 'after')`);
  const t0 = Date.now();
  while (got.length < 3 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  await consumer;
  expect(got.map((t) => t.ops[0]!.kind)).toEqual(['insert', 'ddl', 'insert']);
  const last = got[2]!.ops[0]!;
  if (last.kind !== 'insert') throw new Error('expected an insert');
  const row = Object.fromEntries(last.table.columns.map((c, i) => [c.name, text(last.after[i]!)]));
  expect(row).toEqual({ id: '701', balance: '2.00', note: 'añadido', big: '8', name: 'after' });
  expect((await store.listVersions(DB, 'acct')).length).toBe(2);
  await conn.query(`ALTER TABLE ${DB}.acct DROP COLUMN note`);
});

test('a table created in the live stream gets its first dictionary version there', async () => {
  const m = harness().mariadb;
  const store = new DictStore(path.join(tmp, 'DICT-new'));
  const dictionary = DictionaryView.empty();
  const info = await readSourceInfo(m);
  const abort = new AbortController();
  const got: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({ ...m, origin: 3, ddl: false, dictionary, store, start: binlogPosition(info.file, info.pos, info.gtid), tableAllowed: (s) => s === DB, signal: abort.signal })) got.push(tx);
  })();
  await conn.query(`CREATE TABLE ${DB}.born (id BIGINT UNSIGNED PRIMARY KEY, label VARCHAR(10) CHARACTER SET utf8mb4)`);
  await conn.query(`INSERT INTO ${DB}.born VALUES (18446744073709551615, 'né')`);
  const t0 = Date.now();
  while (got.length < 1 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  await consumer;
  const op = got[0]!.ops[0]!;
  if (op.kind !== 'insert') throw new Error('expected an insert');
  expect(Object.fromEntries(op.table.columns.map((c, i) => [c.name, text(op.after[i]!)]))).toEqual({ id: '18446744073709551615', label: 'né' });
  expect((await store.listVersions(DB, 'born')).length).toBe(1);
});

test('capture SIGKILLed mid-stream and restarted: the relay’s RESUME and sent.log continue it with no loss or repeat', async () => {
  requireBuiltCli();
  const { freePort } = await import('../support/synctl-process.js');
  const { FrameDecoder } = await import('../../src/wire/frame.js');
  const { decodeDataFrame } = await import('../../src/wire/batch.js');
  const m = harness().mariadb;
  await conn.query(`CREATE TABLE ${DB}.seqs (id INT PRIMARY KEY, v VARCHAR(10))`);
  const dictDir = path.join(tmp, 'DICT-kill');
  const store = new DictStore(dictDir);
  const snap = await introspectMysql(conn, parseCondition(`SCH.NAME='${DB}' AND TAB.NAME='seqs'`), { source: 'MARIADB' });
  for (const e of snap.entries) await store.saveVersion(e, snap.position);
  const port = await freePort();
  const cfg = path.join(tmp, 'cpt-kill.hs');
  fs.writeFileSync(
    cfg,
    `<dmhs><base><siteid>21</siteid><ckpt_interval>10</ckpt_interval></base><cpt>
  <db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port>
  <db_user>${m.user}</db_user><db_pwd>${m.password.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</db_pwd>
  <send><ip>127.0.0.1</ip><data_port>${port}</data_port><filter><enable><item>${DB}.seqs</item></enable></filter></send>
</cpt></dmhs>`,
  );
  const relay = new SynctlProcess(['transfer', '--siteid', '22', '--from', `tcp:127.0.0.1:${port}`, '--to', '-', '--state', path.join(tmp, 'relay-kill')]);
  const ids: number[] = [];
  const dec = new FrameDecoder({ where: 'relay stdout' });
  relay.child.stdout!.on('data', (c: Buffer) => {
    for (const f of dec.push(c)) for (const tx of decodeDataFrame(f)) for (const op of tx.ops) if (op.kind === 'insert') ids.push(Number(op.after[0]));
  });
  const startCapture = async () => {
    const p = new SynctlProcess(['capture', '-c', cfg, '--dict', dictDir]);
    const t0 = Date.now();
    while (!/dumping from/.test(p.stderr) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 25));
    return p;
  };
  let cap = await startCapture();
  try {
    for (let i = 1; i <= 200; i++) {
      await conn.query(`INSERT INTO ${DB}.seqs VALUES (?, 'x')`, [i]);
      if (i === 100) {
        const t0 = Date.now();
        while (ids.length < 60 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
        await cap.kill('SIGKILL');
        cap = await startCapture();
        expect(cap.stderr).toMatch(/starting at binlog:mariadb-bin\.\d+:\d+/); // from the relay's RESUME via sent.log
      }
    }
    const t0 = Date.now();
    while (ids.length < 200 && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  } finally {
    await cap.kill('SIGTERM');
    await relay.kill('SIGTERM');
  }
});

test('auto-position: a MariaDB capture resumes by GTID even when the file name it knows does not exist there', async () => {
  const m = harness().mariadb;
  const info = await readSourceInfo(m);
  const abort = new AbortController();
  const got: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({
      ...m,
      origin: 3,
      ddl: false,
      dictionary: DictionaryView.empty(),
      // as after a failover: the GTID state is right, the file name is another server's
      start: binlogPosition('other-server-bin.000042', 1234, info.gtid),
      autoPosition: true,
      tableAllowed: (s) => s === DB,
      signal: abort.signal,
    })) got.push(tx);
  })();
  await conn.query(`INSERT INTO ${DB}.acct (id, balance, big, name) VALUES (900, '9.00', 9, 'gtid')`);
  const t0 = Date.now();
  while (got.length < 1 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  await consumer;
  expect(got.length).toBe(1);
  const op = got[0]!.ops[0]!;
  expect(op.kind === 'insert' && text(op.after[0]!)).toBe('900');
  const pos = got[0]!.position;
  expect(pos.kind === 'binlog' && pos.file).toMatch(/^mariadb-bin\.\d+$/); // the real file, learned from the server
});

test('a start position the source no longer has is a clear error, not an endless retry', async () => {
  const m = harness().mariadb;
  const run = (async () => {
    for await (const _tx of captureLive({ ...m, origin: 3, ddl: false, dictionary: DictionaryView.empty(), start: binlogPosition('mariadb-bin.999999', 4) })) void _tx;
  })();
  const err = await Promise.race([run.then(() => undefined, (e: unknown) => e), new Promise((r) => setTimeout(() => r('still retrying'), 10000).unref())]);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(/cannot send the binlog from mariadb-bin\.999999:4: .*(purged\?)/);
});
