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

test('a table whose copy finishes after exec first read its schema is found (the catalog is read again on a miss)', async () => {
  // live capture into a directory and exec from it: the order of a DBA adding a table to a running site
  const LIVE = 'seq_live';
  const TGT = 'seq_live_dst';
  await createDatabase('mariadb', LIVE);
  await my.query(`CREATE TABLE ${LIVE}.a (id INT PRIMARY KEY, v VARCHAR(10))`);
  await my.query(`CREATE TABLE ${LIVE}.b (id INT PRIMARY KEY, v VARCHAR(10))`);
  const link = path.join(dir, 'live-link');
  fs.mkdirSync(link, { recursive: true });
  const cfg = writeSite(path.join(dir, 'live.hs'), {
    siteid: 89,
    srcDb: LIVE,
    cpt: '<ddl_mask>0</ddl_mask>',
    link: { dir: link },
    enable: [`${LIVE}.*`],
    map: `${LIVE}.* == ${TGT}.*`,
    exec: { engine: 'postgres', db: PGDB, extra: '<sys_schema>seq_live_sys</sys_schema><exec_thr>1</exec_thr>' }, // one connection: the one whose catalog cache saw only a
  });
  const only = (t: string): string => `SCH.NAME='${LIVE}' AND TAB.NAME='${t}'`;
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${LIVE}'`, 'DICT', '-c', cfg]), 'copy DICT');
  const capture = new SynctlProcess(['capture', '-c', cfg]);
  let exec: SynctlProcess | undefined;
  const count = async (t: string): Promise<number> => (await pg.query(`SELECT count(*)::int AS n FROM ${TGT}.${t}`)).rows[0].n;
  const until = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
    const t0 = Date.now();
    while (!(await ok())) {
      if (Date.now() - t0 > 30_000) throw new Error(`${what}:\n${exec?.stderr ?? ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await capture.waitForLog(/dumping from/, 'capture did not start', 30_000);
    expectExitOk(await runSynctl(['copy', '0', only('a'), 'CREATE|INSERT', '-c', cfg]), 'copy a');
    exec = new SynctlProcess(['exec', '-c', cfg]);
    // exec reads the target schema while it holds only a
    await my.query(`INSERT INTO ${LIVE}.a VALUES (1, 'a1'), (2, 'a2')`);
    await until('a rows not applied', async () => (await count('a')) === 2);
    // b is added to the site: copied (its table created on the target), then written
    await my.query(`INSERT INTO ${LIVE}.b VALUES (1, 'copied')`);
    expectExitOk(await runSynctl(['copy', '0', only('b'), 'CREATE|INSERT', '-c', cfg]), 'copy b');
    await my.query(`INSERT INTO ${LIVE}.b VALUES (2, 'b2')`);
    await my.query(`UPDATE ${LIVE}.b SET v = 'b1' WHERE id = 1`);
    await until('b rows not applied', async () => (await pg.query(`SELECT count(*)::int AS n FROM ${TGT}.b WHERE v IN ('b1', 'b2')`)).rows[0].n === 2);
    expect(exec.stderr).not.toMatch(/ WARN | ERROR /);
    expect((await pg.query('SELECT count(*)::int AS n FROM seq_live_sys.dmhs_error_tsk_table')).rows[0].n).toBe(0);
    expectExitOk(await runSynctl(['verify', '-c', cfg, `SCH.NAME='${LIVE}'`]), 'verify');
  } finally {
    await exec?.kill('SIGKILL');
    await capture.kill('SIGKILL');
    await dropDatabase('mariadb', LIVE);
    await pg.query(`DROP SCHEMA IF EXISTS ${TGT} CASCADE`);
    await pg.query('DROP SCHEMA IF EXISTS seq_live_sys CASCADE');
  }
});
