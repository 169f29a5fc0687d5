/**
 * The hand-over from an initial load to replication: DMHS_TABLE_SEQID says a target
 * table's copy is consistent at source position P. Exec waits while the table is still
 * loading, then skips the table's changes at or below P and applies those after it: no
 * gap, no double apply (a replayed insert would be a recorded conflict).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { captureFrames } from '../support/offline-capture';
import { writeSite } from '../support/site';
import { expectExitOk, requireBuiltCli, runSynctl, SynctlProcess } from '../support/synctl-process';

const SRC = 'seq_src';
const PGDB = 'seq_pg';
let my: Connection;
let pg: Client;
let dir: string;

function config(): string {
  return writeSite(path.join(dir, 'site.hs'), {
    siteid: 27,
    link: { stdio: true },
    enable: [`${SRC}.*`],
    exec: { engine: 'postgres', db: PGDB },
  });
}

/** exec on no frames: it creates its system tables, DMHS_TABLE_SEQID with its gate row among them, and stops */
async function execSystemTables(cfg: string): Promise<void> {
  expectExitOk(await runSynctl(['exec', '-c', cfg, '--from', '-'], Buffer.alloc(0)), 'exec on no frames');
  const gate = await pg.query('SELECT schema_name, table_name, pos, status FROM synctl.dmhs_table_seqid');
  expect(gate.rows).toContainEqual({ schema_name: '', table_name: '', pos: '', status: 'gate' });
}

beforeAll(async () => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(harness().tmpDir, 'exec-seqid-'));
  await createDatabase('mariadb', SRC);
  await createDatabase('postgres', PGDB);
  my = await mariaConnect({ database: SRC });
  pg = await pgConnect({ database: PGDB });
});

afterAll(async () => {
  await my?.end();
  await pg?.end();
  await dropDatabase('mariadb', SRC);
  await dropDatabase('postgres', PGDB);
});

const masterPos = (): Promise<string> => binlogEnd(my);

test('exec waits for a loading table, then applies only the changes after its copy position', async () => {
  await my.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))');
  await my.query('CREATE TABLE other (id INT PRIMARY KEY)');
  const cfg = config();
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', cfg]), 'copy DICT');
  const start = await masterPos();
  for (let i = 1; i <= 5; i++) await my.query('INSERT INTO t VALUES (?, ?)', [i, `v${i}`]);
  await my.query("UPDATE t SET v = 'changed' WHERE id = 2");
  await my.query('INSERT INTO other VALUES (1)');
  const copyAt = await masterPos(); // the "initial load" of t is consistent here
  for (let i = 6; i <= 8; i++) await my.query('INSERT INTO t VALUES (?, ?)', [i, `v${i}`]);
  await my.query("UPDATE t SET v = 'later' WHERE id = 3");
  await my.query('DELETE FROM t WHERE id = 1');
  await my.query('FLUSH BINARY LOGS');
  const frames = await captureFrames(cfg, path.join(dir, 'cap'), start);

  // what a load would have written: the table as of copyAt, and its DMHS_TABLE_SEQID row, still loading
  await pg.query(`CREATE SCHEMA ${SRC}`);
  await pg.query(`CREATE TABLE ${SRC}.t (id integer PRIMARY KEY, v varchar(10))`);
  await pg.query(`CREATE TABLE ${SRC}.other (id integer PRIMARY KEY)`);
  await execSystemTables(cfg);
  await pg.query("INSERT INTO synctl.dmhs_table_seqid (schema_name, table_name, pos, status) VALUES ($1, 't', $2, 'loading')", [SRC, `binlog:${copyAt}`]);

  const exec = new SynctlProcess(['exec', '-c', cfg, '--from', '-'], { stdin: 'pipe' });
  exec.child.stdin!.write(frames);
  await exec.waitForLog(/waiting for the initial load of seq_src\.t to finish/, 'exec did not wait');
  // nothing of t applied while it loads (other is not held back by t's load, but it shares the group)
  expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.t`)).rows[0].n).toBe(0);
  // the load finishes: rows as of copyAt, then 'done'
  await pg.query(`INSERT INTO ${SRC}.t VALUES (1, 'v1'), (2, 'changed'), (3, 'v3'), (4, 'v4'), (5, 'v5')`);
  await pg.query("UPDATE synctl.dmhs_table_seqid SET status = 'done' WHERE table_name = 't'");
  exec.child.stdin!.end();
  expect(await exec.exited).toBe(0);
  expect(exec.stderr).not.toMatch(/ WARN | ERROR /); // no conflict: nothing applied twice
  const got = await pg.query<{ t: string }>(`SELECT t::text AS t FROM ${SRC}.t t ORDER BY id`);
  expect(got.rows.map((r) => r.t)).toEqual(['(2,changed)', '(3,later)', '(4,v4)', '(5,v5)', '(6,v6)', '(7,v7)', '(8,v8)']);
  expect((await pg.query(`SELECT id FROM ${SRC}.other`)).rows).toEqual([{ id: 1 }]);
  const v = await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]);
  expectExitOk(v, 'verify');
});

test('a copy marking tables (gate row held) holds back the exec group; exec then sees the mark and waits', async () => {
  await my.query('CREATE TABLE g (id INT PRIMARY KEY, v VARCHAR(10))');
  const cfg = config();
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', cfg]), 'copy DICT');
  const start = await masterPos();
  for (let i = 1; i <= 3; i++) await my.query('INSERT INTO g VALUES (?, ?)', [i, `v${i}`]);
  const copyAt = await masterPos();
  await my.query("UPDATE g SET v = 'after' WHERE id = 3");
  await my.query('FLUSH BINARY LOGS');
  const frames = await captureFrames(cfg, path.join(dir, 'cap-g'), start);
  await pg.query(`CREATE TABLE IF NOT EXISTS ${SRC}.g (id integer PRIMARY KEY, v varchar(10))`);
  await execSystemTables(cfg);
  // this capture numbers its frames from 1 again: a fresh origin checkpoint, not a replay
  await pg.query('DELETE FROM synctl.dmhs_trxid_table');

  // what copy does while it marks its tables: the gate row locked exclusively
  const copy = await pgConnect({ database: PGDB });
  let exec: SynctlProcess | undefined;
  try {
    await copy.query('BEGIN');
    await copy.query("SELECT 1 FROM synctl.dmhs_table_seqid WHERE schema_name = '' AND table_name = '' FOR UPDATE");
    exec = new SynctlProcess(['exec', '-c', cfg, '--from', '-'], { stdin: 'pipe' });
    exec.child.stdin!.write(frames);
    await exec.waitForLog(/applying to/, 'exec did not start');
    await new Promise((r) => setTimeout(r, 1500));
    // the group waits for the gate: nothing applied before the mark is visible
    expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.g`)).rows[0].n).toBe(0);
    await copy.query("INSERT INTO synctl.dmhs_table_seqid (schema_name, table_name, pos, status) VALUES ($1, 'g', $2, 'loading')", [SRC, `binlog:${copyAt}`]);
    await copy.query('COMMIT');
    await exec.waitForLog(/waiting for the initial load of seq_src\.g to finish/, 'exec did not see the mark');
    expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.g`)).rows[0].n).toBe(0);
    await pg.query(`INSERT INTO ${SRC}.g VALUES (1, 'v1'), (2, 'v2'), (3, 'v3')`);
    await pg.query("UPDATE synctl.dmhs_table_seqid SET status = 'done' WHERE table_name = 'g'");
    exec.child.stdin!.end();
    expect(await exec.exited).toBe(0);
    expect(exec.stderr).not.toMatch(/ WARN | ERROR /);
  } finally {
    await copy.end();
    await exec?.kill('SIGKILL');
  }
  const got = await pg.query<{ t: string }>(`SELECT g::text AS t FROM ${SRC}.g g ORDER BY id`);
  expect(got.rows.map((r) => r.t)).toEqual(['(1,v1)', '(2,v2)', '(3,after)']);
});

test("execs starting together on a new target create exec's tables once, without failing each other", async () => {
  const { openApplyTarget } = await import('../../src/dialect/apply-target.js');
  const { createSystemTables } = await import('../../src/exec/target.js');
  for (const engine of ['postgres', 'mariadb'] as const) {
    const h = engine === 'postgres' ? harness().postgres : harness().mariadb;
    const exec = {
      db: { dbType: engine === 'postgres' ? ('PG' as const) : ('MARIADB' as const), server: h.host, port: h.port, user: h.user, password: h.password, database: engine === 'postgres' ? PGDB : '' },
      zeroDate: null,
      sysSchema: 'race_sys',
      typeMap: [],
    };
    const targets = await Promise.all([1, 2, 3].map(() => openApplyTarget(exec)));
    try {
      for (let round = 0; round < 5; round++) {
        await targets[0]!.run([engine === 'postgres' ? 'DROP SCHEMA IF EXISTS race_sys CASCADE' : 'DROP DATABASE IF EXISTS race_sys']);
        // concurrent CREATE ... IF NOT EXISTS fails one of them on PostgreSQL: it tries again
        await Promise.all(targets.map((t) => createSystemTables(t)));
        const gate = await targets[0]!.query(targets[0]!.system.readTableSeqids());
        expect({ engine, round, rows: gate.length }).toEqual({ engine, round, rows: 1 });
      }
    } finally {
      await targets[0]!.run([engine === 'postgres' ? 'DROP SCHEMA IF EXISTS race_sys CASCADE' : 'DROP DATABASE IF EXISTS race_sys']);
      for (const t of targets) await t.close();
    }
  }
});
