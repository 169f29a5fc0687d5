/**
 * Conflicts and failures on the target, MariaDB to PostgreSQL, with one apply connection
 * (exec_thr 1; the other exec tests run the default 4):
 * - "source wins": a duplicate insert overwrites, an update of a missing row inserts the
 *   after image, a delete of a missing row is recorded and skipped;
 * - a value the target column cannot hold (negative TIME into time) is handled by
 *   exec_policy: 0 discards its transaction, 2 skips the operation, 1 stops exec with a
 *   one-line error naming table, key and position; each is recorded in
 *   DMHS_ERROR_TSK_TABLE, listed by `synctl exec --errors`, and `--reapply` applies it once
 *   the cause is fixed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { captureFrames } from '../support/offline-capture';
import { writeSite } from '../support/site';
import { expectExitOk, requireBuiltCli, runSynctl } from '../support/synctl-process';

const SRC = 'pol';
const POLICIES = [0, 1, 2] as const;
const pgdb = (p: number) => `pol_p${p}`;
let my: Connection;
let dir: string;
let frames: Buffer;
const pgs = new Map<number, Client>();

function config(policy: number): string {
  return writeSite(path.join(dir, `p${policy}.hs`), {
    siteid: 25,
    link: { stdio: true },
    enable: [`${SRC}.*`],
    exec: { engine: 'postgres', db: pgdb(policy), extra: `<exec_policy>${policy}</exec_policy><exec_thr>1</exec_thr>` },
  });
}

async function rows(policy: number): Promise<string[]> {
  const r = await pgs.get(policy)!.query<{ t: string }>(`SELECT t::text AS t FROM ${SRC}.t t ORDER BY id`);
  return r.rows.map((x) => x.t);
}

interface Listed {
  id: number;
  op: string;
  action: string;
  table: string;
  statement: string;
  error: string;
}

async function listed(policy: number): Promise<Listed[]> {
  const r = await runSynctl(['exec', '-c', config(policy), '--errors', '--json']);
  expectExitOk(r, 'exec --errors');
  return JSON.parse(r.stdout.toString()) as Listed[];
}

beforeAll(async () => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(harness().tmpDir, 'exec-policy-'));
  await createDatabase('mariadb', SRC);
  my = await mariaConnect({ database: SRC });
  await my.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10), tm TIME)');
  // rows 4 and 5 exist on the source before capture starts, never on the targets
  await my.query("INSERT INTO t VALUES (4, 'four', '04:00:00'), (5, 'five', '05:00:00')");
  for (const p of POLICIES) {
    await createDatabase('postgres', pgdb(p));
    const c = await pgConnect({ database: pgdb(p) });
    pgs.set(p, c);
    await c.query(`CREATE SCHEMA ${SRC}`);
    await c.query(`CREATE TABLE ${SRC}.t (id integer PRIMARY KEY, v varchar(10), tm time)`);
    await c.query(`INSERT INTO ${SRC}.t VALUES (1, 'old', '00:00:01')`);
  }
  const start = await binlogEnd(my);
  await my.query("INSERT INTO t VALUES (1, 'a', '01:00:00')"); // duplicate on the targets
  await my.query('BEGIN');
  await my.query("INSERT INTO t VALUES (2, 'b', '-01:00:00')"); // PostgreSQL time cannot hold it
  await my.query("INSERT INTO t VALUES (3, 'c', '02:00:00')");
  await my.query('COMMIT');
  await my.query("UPDATE t SET v = 'FOUR' WHERE id = 4"); // missing on the targets
  await my.query('DELETE FROM t WHERE id = 5'); // missing on the targets
  await my.query('FLUSH BINARY LOGS');
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', config(0)]), 'copy DICT');
  frames = await captureFrames(config(0), path.join(dir, 'cap'), start);
});

afterAll(async () => {
  await my?.end();
  for (const [p, c] of pgs) {
    await c.end();
    await dropDatabase('postgres', pgdb(p));
  }
  await dropDatabase('mariadb', SRC);
});

test('exec_policy 0: the failing transaction is discarded and recorded whole; conflicts resolved source-wins; --reapply after the fix', async () => {
  const r = await runSynctl(['exec', '-c', config(0), '--from', '-'], frames);
  expectExitOk(r, 'exec');
  expect(r.stderr).toMatch(/insert pol\.t key \(id=1\) at binlog:.*: the row already exists: overwritten with the source row/);
  expect(r.stderr).toMatch(/update pol\.t key \(id=4\) at binlog:.*: update of a row missing on the target: inserted the source row/);
  expect(r.stderr).toMatch(/delete pol\.t key \(id=5\) at binlog:.*: delete of a row missing on the target: skipped/);
  expect(r.stderr).toMatch(/insert pol\.t key \(id=2\) at binlog:\S+ xid \d+: column tm \(time without time zone\): TIME -01:00:00 is outside PostgreSQL's time range; map the column to interval; transaction discarded \(exec_policy 0\)/);
  expect(await rows(0)).toEqual(['(1,a,01:00:00)', '(4,FOUR,04:00:00)']);

  const errors = await listed(0);
  expect(errors.map((e) => [e.op, e.action, e.table])).toEqual([
    ['insert', 'discarded', 'pol.t'],
    ['delete', 'conflict', 'pol.t'],
  ]);
  // the discarded transaction is kept whole: its second insert as SQL, the failing one as a comment
  expect(errors[0]!.statement).toContain(`INSERT INTO "pol"."t" ("id", "v", "tm") VALUES (3, 'c', '02:00:00')`);
  expect(errors[0]!.statement).toMatch(/-- failed: column tm/);

  // the table listing for people
  const table = await runSynctl(['exec', '-c', config(0), '--errors']);
  expectExitOk(table, 'exec --errors');
  expect(table.stdout.toString()).toMatch(/discarded/);

  await pgs.get(0)!.query(`ALTER TABLE ${SRC}.t ALTER COLUMN tm TYPE interval USING tm::interval`);
  const again = await runSynctl(['exec', '-c', config(0), '--reapply', String(errors[0]!.id)]);
  // the failing insert was not written as SQL: only row 3 comes back
  expectExitOk(again, 'exec --reapply');
  expect(await rows(0)).toEqual(['(1,a,01:00:00)', '(3,c,02:00:00)', '(4,FOUR,04:00:00)']);
  expect((await listed(0))[0]!.action).toBe('reapplied');
  const twice = await runSynctl(['exec', '-c', config(0), '--reapply', String(errors[0]!.id)]);
  expect(twice.code).toBe(2);
  expect(twice.stderr.trim()).toBe(`synctl: error ${errors[0]!.id} was already reapplied`);
});

test('exec_policy 2: only the failing operation is skipped and recorded', async () => {
  const r = await runSynctl(['exec', '-c', config(2), '--from', '-'], frames);
  expectExitOk(r, 'exec');
  expect(await rows(2)).toEqual(['(1,a,01:00:00)', '(3,c,02:00:00)', '(4,FOUR,04:00:00)']);
  expect((await listed(2)).map((e) => [e.op, e.action])).toEqual([
    ['insert', 'skipped'],
    ['delete', 'conflict'],
  ]);
});

test('exec_policy 1: exec stops with one line naming table, key and position; the rest is not applied; a restart stops again', async () => {
  const r = await runSynctl(['exec', '-c', config(1), '--from', '-'], frames);
  expect(r.code).toBe(1);
  const last = r.stderr.trim().split('\n').pop()!;
  expect(last).toMatch(/^synctl: insert pol\.t key \(id=2\) at binlog:\S+ xid \d+: column tm \(time without time zone\): TIME -01:00:00 is outside PostgreSQL's time range; map the column to interval \(exec stopped: exec_policy 1\)$/);
  expect(await rows(1)).toEqual(['(1,a,01:00:00)']);
  expect((await listed(1)).map((e) => [e.op, e.action])).toEqual([['insert', 'stopped']]);
  const again = await runSynctl(['exec', '-c', config(1), '--from', '-'], frames);
  expect(again.code).toBe(1);
  expect(await rows(1)).toEqual(['(1,a,01:00:00)']);
});
