/**
 * exec_thr: groups apply on several target connections at once and commit in source
 * order. A workload built to collide (the same rows changed again and again, values of a
 * UNIQUE secondary key moved between rows, a keyless table) with tiny groups (exec_trx 8)
 * so that many are in flight together, MariaDB to PostgreSQL and MariaDB to MariaDB
 * (another database): the targets equal the source, every source transaction is counted
 * once, nothing is recorded as an error, and a replay changes nothing.
 */
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, mariaConnect } from '../harness';
import { closeExecDatabases, openExecDatabases, writeExecSite } from '../support/exec-databases';
import { captureFrames } from '../support/offline-capture';
import { prng } from '../support/prng';
import { expectExitOk, runSynctl } from '../support/synctl-process';

const SRC = 'par_src';
const PGDB = 'par_pg';
const MYDST = 'par_dst';
const ROWS = 60;
const EXEC_THR = '<exec_thr>4</exec_thr><exec_trx>8</exec_trx>';
const TRANSACTIONS = 1500;
let my: Connection;
let pg: Client;
let dir: string;

const config = (name: string, target: 'pg' | 'mariadb', siteid = 31): string =>
  writeExecSite(path.join(dir, `${name}.hs`), NAMES, target === 'pg' ? 'postgres' : 'mariadb', siteid, EXEC_THR);

const NAMES = { src: SRC, pg: PGDB, mariadb: MYDST };
beforeAll(async () => ({ dir, my, pg } = await openExecDatabases('exec-par-', NAMES)));
afterAll(() => closeExecDatabases(NAMES, { my, pg }));

/** Source transactions that keep hitting the same rows and move UNIQUE values between them. */
async function collidingWorkload(): Promise<number> {
  const rnd = prng(31);
  const pick = (n: number) => Math.floor(rnd() * n);
  let nextId = ROWS + 1;
  const live = Array.from({ length: ROWS }, (_, i) => i + 1);
  let count = 0;
  for (let t = 0; t < TRANSACTIONS; t++) {
    await my.query('BEGIN');
    const kind = pick(5);
    const a = live[pick(live.length)]!;
    if (kind === 0) {
      // a row leaves; a new one takes its unique value in the same transaction
      const [r] = await my.query<import('mysql2').RowDataPacket[]>('SELECT u FROM h WHERE id = ?', [a]);
      await my.query('DELETE FROM h WHERE id = ?', [a]);
      live.splice(live.indexOf(a), 1);
      const id = nextId++;
      await my.query('INSERT INTO h VALUES (?, ?, ?)', [id, r[0]!.u, `new${t}`]);
      live.push(id);
    } else if (kind === 1) {
      // two rows swap their unique values (through a free value)
      const b = live[pick(live.length)]!;
      if (b === a) {
        await my.query('ROLLBACK');
        continue; // nothing written: no transaction in the binlog
      }
      {
        const [r] = await my.query<import('mysql2').RowDataPacket[]>('SELECT id, u FROM h WHERE id IN (?, ?) ORDER BY id', [a, b]);
        await my.query('UPDATE h SET u = -1 WHERE id = ?', [r[0]!.id]);
        await my.query('UPDATE h SET u = ? WHERE id = ?', [r[0]!.u, r[1]!.id]);
        await my.query('UPDATE h SET u = ? WHERE id = ?', [r[1]!.u, r[0]!.id]);
      }
    } else if (kind === 2) {
      await my.query('UPDATE h SET v = ? WHERE id = ?', [`t${t}`, a]);
      await my.query('UPDATE h SET v = CONCAT(v, ?) WHERE id = ?', ['+', live[pick(live.length)]!]);
    } else if (kind === 3) {
      await my.query('INSERT INTO k VALUES (?, ?)', [pick(20), `k${t}`]);
    } else {
      await my.query('UPDATE k SET note = ? WHERE n = ? LIMIT 1', [`kk${t}`, pick(20)]);
      await my.query('UPDATE h SET v = ? WHERE id = ?', [`x${t}`, a]);
    }
    await my.query('COMMIT');
    count++;
  }
  return count;
}

test('exec_thr 4 with colliding tiny groups: targets equal the source, each transaction counted once, a replay changes nothing', async () => {
  await my.query('CREATE TABLE h (id INT PRIMARY KEY, u INT NOT NULL, v VARCHAR(64), UNIQUE KEY (u))');
  await my.query('CREATE TABLE k (n INT, note VARCHAR(32))'); // no key: matched on all columns
  const pgCfg = config('pg', 'pg');
  const myCfg = config('my', 'mariadb');
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', pgCfg]), 'copy DICT');
  const start = await binlogEnd(my);
  for (let i = 1; i <= ROWS; i++) await my.query('INSERT INTO h VALUES (?, ?, ?)', [i, i * 10, `v${i}`]);
  const transactions = ROWS + (await collidingWorkload());
  await my.query('FLUSH BINARY LOGS');
  // the send's map (MariaDB target: another database) is applied by capture: one capture per site

  await pg.query(`CREATE SCHEMA ${SRC}`);
  await pg.query(`CREATE TABLE ${SRC}.h (id integer PRIMARY KEY, u integer NOT NULL UNIQUE, v varchar(64))`);
  await pg.query(`CREATE TABLE ${SRC}.k (n integer, note varchar(32))`);
  const myDst = await mariaConnect({ database: MYDST });
  try {
    await myDst.query('CREATE TABLE h (id INT PRIMARY KEY, u INT NOT NULL, v VARCHAR(64), UNIQUE KEY (u))');
    await myDst.query('CREATE TABLE k (n INT, note VARCHAR(32))');
  } finally {
    await myDst.end();
  }

  for (const [cfg, name] of [
    [pgCfg, 'PostgreSQL'],
    [myCfg, 'MariaDB'],
  ] as const) {
    const frames = await captureFrames(cfg, path.join(dir, `cap-${name}`), start);
    for (const round of ['first', 'replay']) {
      const run = await runSynctl(['exec', '-c', cfg, '--from', '-'], frames);
      expectExitOk(run, `exec into ${name} (${round})`);
      expect(run.stderr).toMatch(/4 connections, exec_thr/);
      expect(run.stderr).not.toMatch(/ WARN | ERROR /);
    }
    const errors = await runSynctl(['exec', '-c', cfg, '--errors', '--json']);
    expectExitOk(errors, 'exec --errors');
    expect(JSON.parse(errors.stdout.toString())).toEqual([]);
    const v = await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]);
    expectExitOk(v, `verify ${name}`);
  }
  const pgCount = await pg.query<{ n: string }>('SELECT trx_count::text AS n FROM synctl.dmhs_trxid_table WHERE siteid = 31');
  expect(Number(pgCount.rows[0]!.n)).toBe(transactions);
  const [myCount] = await my.query<import('mysql2').RowDataPacket[]>('SELECT TRX_COUNT AS n FROM synctl.DMHS_TRXID_TABLE WHERE SITEID = 31');
  expect(Number(myCount[0]!.n)).toBe(transactions);
});

test('a group inserting 2,000 rows into one PostgreSQL table takes the COPY path; a duplicate sends it change by change (source wins)', async () => {
  await my.query('CREATE TABLE bulk (id INT PRIMARY KEY, d DECIMAL(12,3), t DATETIME(6), s VARCHAR(40), b VARBINARY(8), j JSON)');
  const pgCfg = config('pg-bulk', 'pg', 32); // its own origin: this capture numbers its frames from 1
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', pgCfg]), 'copy DICT');
  const start = await binlogEnd(my);
  await my.query('BEGIN');
  for (let i = 0; i < 2000; i += 500) {
    const rows = Array.from({ length: 500 }, (_, j) => {
      const id = i + j + 1;
      return [id, `${id}.${id % 1000}`, `2026-01-02 03:04:05.${String(id).padStart(6, '0')}`, `tab\there\nnew"line'${id}\\`, Buffer.from([id & 255, 0, 10, 92]), JSON.stringify({ id, k: [1, 'a\tb'] })];
    });
    await my.query('INSERT INTO bulk VALUES ?', [rows]);
  }
  await my.query('COMMIT');
  await my.query('FLUSH BINARY LOGS');
  const frames = await captureFrames(pgCfg, path.join(dir, 'cap-bulk'), start);
  await pg.query(`CREATE SCHEMA IF NOT EXISTS ${SRC}`);
  await pg.query(`CREATE TABLE ${SRC}.bulk (id integer PRIMARY KEY, d numeric(12,3), t timestamp(6), s varchar(40), b bytea, j jsonb)`);
  await pg.query(`INSERT INTO ${SRC}.bulk (id, s) VALUES (777, 'already here')`); // a conflict for the COPY
  // this capture numbers its frames from 1 again: a fresh origin checkpoint, not a replay
  const run = await runSynctl(['exec', '-c', pgCfg, '--from', '-'], frames);
  expectExitOk(run, 'exec');
  expect(run.stderr).toMatch(/insert par_src\.bulk key \(id=777\).*the row already exists: overwritten with the source row/);
  expect((await pg.query('SELECT count(*)::int AS n FROM par_src.bulk')).rows[0].n).toBe(2000);
  const v = await runSynctl(['verify', '-c', pgCfg, `SCH.NAME='${SRC}' AND TAB.NAME='bulk'`]);
  expectExitOk(v, 'verify');
  // without the conflict the same group lands by COPY in one go: no change-by-change warnings
  await pg.query(`TRUNCATE ${SRC}.bulk`);
  // a statement trigger notes how rows arrive: 'COPY' once, else one 'INSE' per INSERT
  await pg.query(`CREATE TABLE ${SRC}.bulk_log (q text)`);
  await pg.query(`CREATE FUNCTION ${SRC}.note_bulk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${SRC}.bulk_log VALUES (left(current_query(), 4)); RETURN NULL; END $$`);
  await pg.query(`CREATE TRIGGER note_bulk AFTER INSERT ON ${SRC}.bulk FOR EACH STATEMENT EXECUTE FUNCTION ${SRC}.note_bulk()`);
  await pg.query('DELETE FROM synctl.dmhs_trxid_table WHERE siteid = 32');
  const again = await runSynctl(['exec', '-c', pgCfg, '--from', '-'], frames);
  expectExitOk(again, 'exec again');
  expect(again.stderr).not.toMatch(/ WARN | ERROR /);
  expectExitOk(await runSynctl(['verify', '-c', pgCfg, `SCH.NAME='${SRC}' AND TAB.NAME='bulk'`]), 'verify again');
  expect((await pg.query(`SELECT q FROM ${SRC}.bulk_log`)).rows).toEqual([{ q: 'COPY' }]);
});
