/**
 * DDL across engines: MariaDB statements (CREATE TABLE, ALTER TABLE add/change/rename
 * column, CREATE INDEX, TRUNCATE, RENAME TABLE, DROP TABLE) captured with DDL on and
 * replayed by exec on PostgreSQL, translated; the data changes between them land in the
 * reshaped tables, and verify finds the result equal to the source. A statement that is
 * not translated (a view) stops exec with ddl_continue 0, naming it, and is recorded and
 * skipped with ddl_continue 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { expectExitOk, freePort, requireBuiltCli, runSynctl, SynctlProcess } from '../support/synctl-process';

const SRC = 'exd_src';
const PGDB = 'exd_pg';
let my: Connection;
let pg: Client;
let dir: string;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function config(name: string, extra = '', port?: number, siteid = 23): string {
  const send = port ? `<ip>127.0.0.1</ip><data_port>${port}</data_port>` : '<stdio>1</stdio>';
  const recv = port ? `<ip>127.0.0.1</ip><data_port>${port}</data_port>` : '<stdio>1</stdio>';
  const m = harness().mariadb;
  const p = harness().postgres;
  const file = path.join(dir, `${name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>${siteid}</siteid></base>
  <cpt><db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port><db_user>${m.user}</db_user><db_pwd>${xml(m.password)}</db_pwd>
    <ddl_mask>op:obj</ddl_mask>
    <send>${send}<filter><enable><item>${SRC}.*</item></enable></filter></send></cpt>
  <exec><db_type>PG</db_type><db_server>127.0.0.1</db_server><db_port>${p.port}</db_port><db_user>${p.user}</db_user><db_pwd>${xml(p.password)}</db_pwd><db_name>${PGDB}</db_name>
    <recv>${recv}</recv>${extra}</exec></dmhs>`,
  );
  return file;
}

beforeAll(async () => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(harness().tmpDir, 'exec-ddl-'));
  await createDatabase('mariadb', SRC);
  await createDatabase('postgres', PGDB);
  my = await mariaConnect({ database: SRC });
  await my.query("SET time_zone = '+00:00'");
  pg = await pgConnect({ database: PGDB });
  await pg.query(`CREATE SCHEMA ${SRC}`);
});

afterAll(async () => {
  await my?.end();
  await pg?.end();
  await dropDatabase('mariadb', SRC);
  await dropDatabase('postgres', PGDB);
});

const masterPos = (): Promise<string> => binlogEnd(my);

async function captureFrom(start: string, cfg: string): Promise<Buffer> {
  await my.query('FLUSH BINARY LOGS');
  const cap = await runSynctl(['capture', '-c', cfg, '--offline', `${harness().mariadb.binlogBasename}.index`, '--start', start, '--to', '-', '--state', path.join(dir, `state-${Date.now()}`)]);
  expectExitOk(cap, 'capture');
  return cap.stdout;
}

test('CREATE / ALTER / INDEX / TRUNCATE / RENAME / DROP replayed on PostgreSQL; the data fits; verify equal', async () => {
  // live: capture reads each new table layout from the source as its DDL goes by
  const cfg = config('ddl', '', await freePort());
  const exec = new SynctlProcess(['exec', '-c', cfg]);
  const capture = new SynctlProcess(['capture', '-c', cfg]);
  try {
    await capture.waitForLog(/dumping from/, 'capture did not start');
    let applied = 0;
    // one statement = one source transaction; wait for exec to apply it before the next
    const step = async (sql: string) => {
      await my.query(sql);
      applied++;
      const t1 = Date.now();
      for (;;) {
        const r = await pg.query<{ n: string }>('SELECT trx_count AS n FROM synctl.dmhs_trxid_table WHERE siteid = 23').catch(() => ({ rows: [] as { n: string }[] }));
        if (Number(r.rows[0]?.n ?? 0) >= applied) return;
        if (Date.now() - t1 > 20_000) throw new Error(`not applied: ${sql}\nexec:\n${exec.stderr}\ncapture:\n${capture.stderr}`);
        await new Promise((r2) => setTimeout(r2, 50));
      }
    };
    await step('CREATE TABLE orders (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL DEFAULT 0, note VARCHAR(20), flag TINYINT(1) NOT NULL DEFAULT 1) ENGINE=InnoDB');
    await step("INSERT INTO orders (amount, note) VALUES (1.50, 'a'), (2.25, 'b'), (3.00, NULL)");
    await step('ALTER TABLE orders ADD COLUMN placed DATETIME(6) NULL AFTER amount, ADD INDEX ix_note (note)');
    await step("UPDATE orders SET placed = '2026-11-21 12:00:00.5' WHERE id = 2");
    await step('ALTER TABLE orders CHANGE note memo VARCHAR(60) NULL, MODIFY amount DECIMAL(14,3) NOT NULL');
    await step("INSERT INTO orders (amount, memo, placed) VALUES (12345678901.125, 'a longer memo than twenty chars', NULL)");
    // NOT NULL without a default: MariaDB fills the rows it has with 0 and '', PostgreSQL needs the default said
    await step('ALTER TABLE orders ADD COLUMN qty INT NOT NULL, ADD COLUMN tag VARCHAR(8) NOT NULL');
    await step('CREATE TABLE scratch (k VARCHAR(10) PRIMARY KEY, v BLOB)');
    await step("INSERT INTO scratch VALUES ('x', X'0102'), ('y', NULL)");
    await step('TRUNCATE TABLE scratch');
    await step("INSERT INTO scratch VALUES ('z', X'03')");
    await step('CREATE INDEX ix_k ON scratch (k)');
    await step('RENAME TABLE scratch TO kept');
    await step('DROP INDEX ix_k ON kept'); // found under the renamed table's name
    await step('CREATE TABLE gone (id INT PRIMARY KEY)');
    await step('INSERT INTO gone VALUES (1)');
    await step('DROP TABLE gone');
    await step('CREATE INDEX ix_amount ON orders (amount)');
    expect(await capture.kill('SIGTERM')).toBe(0);
    expect(await exec.kill('SIGTERM')).toBe(0);
    expect(exec.stderr).not.toMatch(/ WARN | ERROR /);
  } finally {
    await capture.kill('SIGTERM');
    await exec.kill('SIGKILL');
  }

  const cols = await pg.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = '${SRC}' ORDER BY table_name, ordinal_position`,
  );
  expect(cols.rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}`)).toEqual([
    'kept.k character varying',
    'kept.v bytea',
    'orders.id integer',
    'orders.amount numeric',
    'orders.memo character varying',
    'orders.flag smallint',
    'orders.placed timestamp without time zone', // PostgreSQL adds columns last (AFTER is not kept)
    'orders.qty integer',
    'orders.tag character varying',
  ]);
  const idx = await pg.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = '${SRC}' ORDER BY indexname`);
  // a renamed table's indexes follow its name (scratch -> kept), as MySQL's per-table names do
  expect(idx.rows.map((r) => r.indexname)).toEqual(['kept_pkey', 'orders_ix_amount', 'orders_ix_note', 'orders_pkey']);
  const v = await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}'`]);
  expect({ code: v.code, out: v.stdout.toString() + v.stderr }).toEqual({ code: 0, out: expect.any(String) });
}, 120_000);

test('a statement that is not translated stops exec (ddl_continue 0) or is recorded and skipped (ddl_continue 1)', async () => {
  const start = await masterPos();
  await my.query('CREATE TABLE t2 (id INT PRIMARY KEY)');
  await my.query('CREATE VIEW v2 AS SELECT id FROM t2');
  await my.query('INSERT INTO t2 VALUES (7)');
  // offline: the dictionary taken now describes t2 as the binlog has it
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', config('stop', '', undefined, 24)]), 'copy DICT');
  const frames = await captureFrom(start, config('stop', '', undefined, 24));

  const stop = await runSynctl(['exec', '-c', config('stop', '', undefined, 24), '--from', '-'], frames);
  expect({ code: stop.code, stderr: stop.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('exec stopped') });
  expect(stop.stderr).toMatch(/^synctl: DDL in exd_src at binlog:.*: DDL not translated to PostgreSQL \(not a table or index statement\): CREATE .*VIEW .*v2.* \(exec stopped: exec_policy 0, ddl_continue 0\)$/m);
  // the table created before the view is there, the insert after it is not
  expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.t2`)).rows[0].n).toBe(0);

  const goOn = await runSynctl(['exec', '-c', config('go-on', '<ddl_continue>1</ddl_continue>', undefined, 24), '--from', '-'], frames);
  expectExitOk(goOn, 'exec with ddl_continue 1');
  expect((await pg.query(`SELECT id FROM ${SRC}.t2`)).rows).toEqual([{ id: 7 }]);
  const rec = await pg.query<{ op: string; action: string }>("SELECT op, action FROM synctl.dmhs_error_tsk_table WHERE stmt LIKE '%VIEW%' ORDER BY id");
  expect(rec.rows).toEqual([
    { op: 'ddl', action: 'stopped' },
    { op: 'ddl', action: 'discarded' },
  ]);
});

test('a lost target connection: exec reconnects in place and loses or repeats nothing', async () => {
  const cfg = config('reconnect', '', await freePort(), 26);
  await my.query('CREATE TABLE rc (id INT PRIMARY KEY, v INT)');
  await pg.query(`CREATE TABLE ${SRC}.rc (id integer PRIMARY KEY, v integer)`);
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}' AND TAB.NAME='rc'`, 'DICT', '-c', cfg]), 'copy DICT');
  const exec = new SynctlProcess(['exec', '-c', cfg]);
  const capture = new SynctlProcess(['capture', '-c', cfg]);
  const count = async () => Number((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.rc`)).rows[0].n);
  const waitCount = async (n: number) => {
    const t0 = Date.now();
    while ((await count()) < n) {
      if (Date.now() - t0 > 30_000) throw new Error(`only ${await count()} of ${n} rows\nexec:\n${exec.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await capture.waitForLog(/dumping from/, 'capture did not start');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) await my.query('INSERT INTO rc VALUES (?, ?)', [round * 100 + i, i]);
      await my.query('UPDATE rc SET v = v + 1 WHERE id >= ?', [round * 100]);
      await waitCount((round + 1) * 50);
      // the server ends exec's session, as a restart or a network cut would
      await pg.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'synctl exec' AND datname = $1", [PGDB]);
    }
    for (let i = 0; i < 50; i++) await my.query('INSERT INTO rc VALUES (?, ?)', [1000 + i, i]);
    await waitCount(200);
    const v = await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}' AND TAB.NAME='rc'`]);
    expect({ code: v.code, out: v.stdout.toString() + v.stderr }).toEqual({ code: 0, out: expect.any(String) });
    expect(exec.child.exitCode).toBeNull();
    expect(exec.stderr).toMatch(/target connection lost .*; reconnecting in 1 s/);
    expect(await capture.kill('SIGTERM')).toBe(0);
    expect(await exec.kill('SIGTERM')).toBe(0);
  } finally {
    await capture.kill('SIGTERM');
    await exec.kill('SIGKILL');
  }
}, 120_000);

test('soft_op: a copy of the table, rows included, is kept before TRUNCATE and DROP', async () => {
  const cfg = config('soft', '<soft_op>1</soft_op>', await freePort(), 28);
  await my.query('CREATE TABLE soft1 (id INT PRIMARY KEY, v VARCHAR(10))');
  await pg.query(`CREATE TABLE ${SRC}.soft1 (id integer PRIMARY KEY, v varchar(10))`);
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}' AND TAB.NAME='soft1'`, 'DICT', '-c', cfg]), 'copy DICT');
  const exec = new SynctlProcess(['exec', '-c', cfg]);
  const capture = new SynctlProcess(['capture', '-c', cfg]);
  const bak = async () =>
    (await pg.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = '${SRC}' AND table_name LIKE 'soft1_bak_%' ORDER BY table_name`)).rows.map((r) => r.t);
  try {
    await capture.waitForLog(/dumping from/, 'capture did not start');
    await my.query("INSERT INTO soft1 VALUES (1, 'a'), (2, 'b')");
    await new Promise((r) => setTimeout(r, 1100)); // the copies are named by the second of the source commit
    await my.query('TRUNCATE TABLE soft1');
    await my.query("INSERT INTO soft1 VALUES (3, 'c')");
    await new Promise((r) => setTimeout(r, 1100));
    await my.query('DROP TABLE soft1');
    const t1 = Date.now();
    while ((await bak()).length < 2 || (await pg.query(`SELECT to_regclass('${SRC}.soft1') AS r`)).rows[0].r !== null) {
      if (Date.now() - t1 > 20_000) throw new Error(`copies not kept: ${(await bak()).join(', ')}\nexec:\n${exec.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [first, second] = await bak();
    expect((await pg.query(`SELECT id, v FROM ${SRC}.${first} ORDER BY id`)).rows).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ]);
    expect((await pg.query(`SELECT id, v FROM ${SRC}.${second} ORDER BY id`)).rows).toEqual([{ id: 3, v: 'c' }]);
    expect(exec.stderr).toMatch(/soft_op: kept exd_src\.soft1 as exd_src\.soft1_bak_\d{14} before it is emptied/);
  } finally {
    await capture.kill('SIGTERM');
    await exec.kill('SIGKILL');
  }
}, 120_000);
