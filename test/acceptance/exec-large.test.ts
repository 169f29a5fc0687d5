/**
 * A source transaction larger than a capture part (10,000 row changes) is applied part
 * by part in one target transaction: exec holds one part at a time, not the whole
 * transaction. Each exec here runs with a V8 heap far smaller than the transaction's
 * changes would take held whole, so it would run out of memory if it held them.
 *
 * - MariaDB to PostgreSQL and to MariaDB (another database): equal after, counted once,
 *   a replay changes nothing;
 * - exec killed with SIGKILL while the transaction is half applied, then restarted: the
 *   target never shows part of it, and ends equal, counted once;
 * - a conflict inside a part (a row already on the target) is resolved change by change
 *   (source wins) without leaving the transaction;
 * - exec_policy 0 with a failing change in a later part: the whole transaction is
 *   discarded and recorded, and the transactions after it are applied.
 */
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, mariaConnect } from '../harness';
import { closeExecDatabases, openExecDatabases, writeExecSite } from '../support/exec-databases';
import { captureFrames } from '../support/offline-capture';
import { expectExitOk, runSynctl, SynctlProcess } from '../support/synctl-process';

const SRC = 'big_src';
const PGDB = 'big_pg';
const MYDST = 'big_dst';
const ROWS = 120_000;
/** exec's V8 heap (MB): the big transaction's changes alone take several times this held whole */
const HEAP_MB = 48;
let my: Connection;
let pg: Client;
let dir: string;

const config = (name: string, target: 'pg' | 'mariadb', siteid: number, extra = ''): string =>
  writeExecSite(path.join(dir, `${name}.hs`), NAMES, target === 'pg' ? 'postgres' : 'mariadb', siteid, extra);

/** Runs exec with a small heap: it fails with an out-of-memory crash if it holds the transaction whole. */
function smallHeapExec(args: readonly string[], input: Buffer): Promise<{ code: number | null; stderr: string }> {
  return runSynctl(args, input, [`--max-old-space-size=${HEAP_MB}`]);
}

async function captureFrom(cfg: string, start: string, name: string): Promise<Buffer> {
  await my.query('FLUSH BINARY LOGS');
  return captureFrames(cfg, path.join(dir, `cap-${name}`), start);
}

async function trxCount(siteid: number): Promise<number> {
  try {
    const r = await pg.query<{ n: string }>('SELECT trx_count::text AS n FROM synctl.dmhs_trxid_table WHERE siteid = $1', [siteid]);
    return Number(r.rows[0]?.n ?? 0);
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return 0; // exec has not created it yet
    throw e;
  }
}

const NAMES = { src: SRC, pg: PGDB, mariadb: MYDST };
beforeAll(async () => {
  ({ dir, my, pg } = await openExecDatabases('exec-large-', NAMES));
  await my.query('CREATE TABLE big (id INT PRIMARY KEY, n INT NOT NULL, s VARCHAR(200) NOT NULL)');
  await my.query('CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(20))');
  await pg.query(`CREATE SCHEMA ${SRC}`);
  await pg.query(`CREATE TABLE ${SRC}.big (id integer PRIMARY KEY, n integer NOT NULL, s varchar(200) NOT NULL)`);
  await pg.query(`CREATE TABLE ${SRC}.small (id integer PRIMARY KEY, v varchar(20))`);
  const dst = await mariaConnect({ database: MYDST });
  try {
    await dst.query('CREATE TABLE big (id INT PRIMARY KEY, n INT NOT NULL, s VARCHAR(200) NOT NULL)');
    await dst.query('CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(20))');
  } finally {
    await dst.end();
  }
  // the offline capture's dictionary (DICT/ beside the site configs, shared by all of them)
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', config('dict', 'pg', 80)]), 'copy DICT');
}, 60_000);

afterAll(() => closeExecDatabases(NAMES, { my, pg }));

/** One source transaction deleting every row, inserting ROWS, updating them all and deleting a third, between two small ones. */
async function bigTransaction(tag: string): Promise<void> {
  await my.query('INSERT INTO small VALUES (1, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)', [`before-${tag}`]);
  await my.query('BEGIN');
  await my.query('DELETE FROM big');
  await my.query(
    `INSERT INTO big SELECT seq, seq % 1000, CONCAT(?, REPEAT('x', 150), seq) FROM seq_1_to_${ROWS}`,
    [tag],
  );
  await my.query('UPDATE big SET n = n + 1, s = CONCAT(s, ?)', ['!']);
  await my.query('DELETE FROM big WHERE id % 3 = 0');
  await my.query('COMMIT');
  await my.query('INSERT INTO small VALUES (2, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)', [`after-${tag}`]);
}

test('a transaction of 280,000 row changes is applied part by part with a small heap, into PostgreSQL and MariaDB; a replay changes nothing', async () => {
  const pgCfg = config('pg', 'pg', 81);
  const myCfg = config('my', 'mariadb', 81);
  const start = await binlogEnd(my);
  await bigTransaction('a');
  for (const [cfg, name] of [
    [pgCfg, 'PostgreSQL'],
    [myCfg, 'MariaDB'],
  ] as const) {
    const frames = await captureFrom(cfg, start, name);
    for (const round of ['first', 'replay']) {
      const run = await smallHeapExec(['exec', '-c', cfg, '--from', '-'], frames);
      expectExitOk(run, `exec into ${name} (${round})`);
      expect(run.stderr).not.toMatch(/ WARN | ERROR /);
    }
    expectExitOk(await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]), `verify ${name}`);
  }
  expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.big`)).rows[0].n).toBe(ROWS - Math.floor(ROWS / 3));
  expect(await trxCount(81)).toBe(3);
  const [myCount] = await my.query<RowDataPacket[]>('SELECT TRX_COUNT AS n FROM synctl.DMHS_TRXID_TABLE WHERE SITEID = 81');
  expect(Number(myCount[0]!.n)).toBe(3);
});

test('exec killed while a large transaction is half applied: the target never shows part of it, and after a restart it is equal, counted once', async () => {
  const cfg = config('pg-kill', 'pg', 82);
  const start = await binlogEnd(my);
  await bigTransaction('b');
  const frames = await captureFrom(cfg, start, 'kill');
  const before = (await pg.query(`SELECT count(*)::int AS n, max(s) AS s FROM ${SRC}.big`)).rows[0];
  const p = new SynctlProcess(['exec', '-c', cfg, '--from', '-', '--debug'], { stdin: 'pipe' });
  p.child.stdin!.on('error', () => undefined); // EPIPE once it is killed
  p.child.stdin!.end(frames);
  // the first group (the small transaction before) has committed once origin 82 has a checkpoint
  for (let i = 0; i < 600 && (await trxCount(82)) < 1; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1500));
  expect(p.child.exitCode).toBeNull(); // still applying the big one
  await p.kill('SIGKILL');
  // nothing of the big transaction is visible: the table is as it was before it
  expect((await pg.query(`SELECT count(*)::int AS n, max(s) AS s FROM ${SRC}.big`)).rows[0]).toEqual(before);
  expect(await trxCount(82)).toBe(1);
  const run = await smallHeapExec(['exec', '-c', cfg, '--from', '-'], frames);
  expectExitOk(run, 'exec after the kill');
  expect(run.stderr).not.toMatch(/ WARN | ERROR /);
  expectExitOk(await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]), 'verify');
  expect(await trxCount(82)).toBe(3);
});

test('a conflict inside a part goes change by change (source wins); exec_policy 0 discards a large transaction failing in a later part and goes on', async () => {
  const cfg = config('pg-conflict', 'pg', 83);
  const start = await binlogEnd(my);
  await bigTransaction('c');
  const frames = await captureFrom(cfg, start, 'conflict');
  // a row only the target has (the source deleted id 3 the last time): the big
  // transaction's insert of id 3 finds it there
  await pg.query(`INSERT INTO ${SRC}.big VALUES (3, 0, 'only on the target')`);
  const run = await smallHeapExec(['exec', '-c', cfg, '--from', '-'], frames);
  expectExitOk(run, 'exec with a conflict');
  expect(run.stderr).toMatch(/insert big_src\.big key \(id=3\).*the row already exists: overwritten with the source row/);
  expectExitOk(await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]), 'verify after the conflict');
  expect(await trxCount(83)).toBe(3);

  // exec_policy 0: a value too long for the target, in the transaction's last part
  const discard = config('pg-discard', 'pg', 84, '<exec_policy>0</exec_policy>');
  await my.query('ALTER TABLE big MODIFY s VARCHAR(300) NOT NULL');
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', discard]), 'copy DICT after the ALTER');
  const start3 = await binlogEnd(my);
  await my.query('BEGIN');
  await my.query('UPDATE big SET n = n + 1');
  await my.query(`UPDATE big SET s = REPEAT('y', 250) WHERE id = ?`, [ROWS - 1]);
  await my.query('COMMIT');
  await my.query('INSERT INTO small VALUES (3, ?)', ['after-discard']);
  const before = (await pg.query(`SELECT sum(n)::text AS n FROM ${SRC}.big`)).rows[0];
  const frames2 = await captureFrom(discard, start3, 'discard');
  const run2 = await smallHeapExec(['exec', '-c', discard, '--from', '-'], frames2);
  expectExitOk(run2, 'exec with exec_policy 0');
  expect(run2.stderr).toMatch(/transaction discarded \(exec_policy 0\)/);
  // nothing of the discarded transaction; the one after it applied
  expect((await pg.query(`SELECT sum(n)::text AS n FROM ${SRC}.big`)).rows[0]).toEqual(before);
  expect((await pg.query(`SELECT v FROM ${SRC}.small WHERE id = 3`)).rows).toEqual([{ v: 'after-discard' }]);
  const errors = await runSynctl(['exec', '-c', discard, '--errors', '--json']);
  expectExitOk(errors, 'exec --errors');
  const list = JSON.parse(errors.stdout.toString()) as { action: string; table: string }[];
  expect(list.map((e) => [e.action, e.table])).toEqual([['discarded', `${SRC}.big`]]);
  expect(await trxCount(84)).toBe(2);
});
