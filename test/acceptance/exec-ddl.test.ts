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
import { captureFrames } from '../support/offline-capture';
import { writeSite } from '../support/site';
import { expectExitOk, freePort, requireBuiltCli, runSynctl, SynctlProcess } from '../support/synctl-process';

const SRC = 'exd_src';
const PGDB = 'exd_pg';
let my: Connection;
let pg: Client;
let dir: string;

function config(name: string, extra = '', port?: number, siteid = 23): string {
  return writeSite(path.join(dir, `${name}.hs`), {
    siteid,
    cpt: '<ddl_mask>op:obj</ddl_mask>',
    link: port ? { port } : { stdio: true },
    enable: [`${SRC}.*`],
    exec: { engine: 'postgres', db: PGDB, extra },
  });
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
  return captureFrames(cfg, path.join(dir, `state-${Date.now()}`), start);
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
    // SET DEFAULT without the column's type at hand: each default as its column takes it (2.5 rounds in an INT)
    await step("ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 5, ALTER placed SET DEFAULT CURRENT_TIMESTAMP(6), ALTER memo SET DEFAULT 'n/a', ALTER qty SET DEFAULT 2.5");
    // MariaDB's INET4 / INET6 become inet, JSON jsonb
    await step('CREATE TABLE hosts (id INT PRIMARY KEY, v4 INET4, v6 INET6, doc JSON)');
    await step(`INSERT INTO hosts VALUES (1, '10.0.0.1', '::ffff:1.2.3.4', '{"b": 1, "a": [1, 2.5]}'), (2, '255.255.255.255', '2001:db8::1', NULL), (3, NULL, '::', '[]')`);
    await step("UPDATE hosts SET v6 = 'fe80::1:0:0:2' WHERE id = 3");
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
    'hosts.id integer',
    'hosts.v4 inet',
    'hosts.v6 inet',
    'hosts.doc jsonb',
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
  expect(idx.rows.map((r) => r.indexname)).toEqual(['hosts_pkey', 'kept_pkey', 'orders_ix_amount', 'orders_ix_note', 'orders_pkey']);
  const hosts = await pg.query(`SELECT id, host(v4) AS v4, host(v6) AS v6, doc::text AS doc FROM ${SRC}.hosts ORDER BY id`);
  expect(hosts.rows).toEqual([
    { id: 1, v4: '10.0.0.1', v6: '::ffff:1.2.3.4', doc: '{"a": [1, 2.5], "b": 1}' },
    { id: 2, v4: '255.255.255.255', v6: '2001:db8::1', doc: null },
    { id: 3, v4: null, v6: 'fe80::1:0:0:2', doc: '[]' },
  ]);
  // the defaults SET DEFAULT gave, as a row written on PostgreSQL alone gets them
  await pg.query('BEGIN');
  const fresh = await pg
    .query(`INSERT INTO ${SRC}.orders (id, tag) VALUES (1000, 'new') RETURNING amount::text AS amount, placed > now() - interval '1 hour' AS placed, memo, qty`)
    .finally(() => pg.query('ROLLBACK'));
  expect(fresh.rows).toEqual([{ amount: '5.000', placed: true, memo: 'n/a', qty: 3 }]);
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

test('MariaDB to MariaDB through a schema map: DDL naming its tables with their schema changes the mapped tables, not the source', async () => {
  const DST = 'exd_dst';
  await createDatabase('mariadb', DST);
  const dst = await mariaConnect({ database: DST });
  try {
    const cfg = writeSite(path.join(dir, 'mapped.hs'), {
      siteid: 88, // exec tests share the MariaDB server's synctl tables: a siteid of its own
      cpt: '<ddl_mask>op:obj</ddl_mask>',
      link: { stdio: true },
      enable: [`${SRC}.*`],
      map: `${SRC}.* == ${DST}.*`,
      exec: { engine: 'mariadb', db: DST },
    });
    // the tables exist on both sides before the captured range; their dictionary is taken then
    for (const c of [my, dst]) {
      await c.query('CREATE TABLE mp (id INT PRIMARY KEY, v INT)');
      await c.query('CREATE TABLE mp_child (id INT PRIMARY KEY, mp_id INT, FOREIGN KEY (mp_id) REFERENCES mp (id))');
    }
    expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}' AND TAB.NAME LIKE 'mp%'`, 'DICT', '-c', cfg]), 'copy DICT');
    const start = await masterPos();
    await my.query('INSERT INTO mp VALUES (1, 10)');
    await my.query('INSERT INTO mp_child VALUES (1, 1)');
    // written with the schema (the target is the same server: as written they would change the source's tables)
    await my.query('INSERT INTO mp VALUES (2, 20)');
    await my.query('INSERT INTO mp_child VALUES (2, 2)');
    // no rows after the DDL: the offline dictionary taken before it would not name their columns
    await my.query(`ALTER TABLE \`${SRC}\`.mp ADD COLUMN w INT DEFAULT 5`);
    await my.query(`RENAME TABLE ${SRC}.mp_child TO ${SRC}.mp_kid`);
    await my.query(`CREATE TABLE ${SRC}.mp_like LIKE ${SRC}.mp`);
    const frames = await captureFrom(start, cfg);
    const run = await runSynctl(['exec', '-c', cfg, '--from', '-'], frames);
    expectExitOk(run, 'exec');
    expect(run.stderr).not.toMatch(/ WARN | ERROR /);
    const [rows] = await dst.query<import('mysql2').RowDataPacket[]>('SELECT id, v, w FROM mp ORDER BY id');
    expect(rows.map((r) => [r.id, r.v, r.w])).toEqual([
      [1, 10, 5],
      [2, 20, 5],
    ]);
    const [kids] = await dst.query<import('mysql2').RowDataPacket[]>('SELECT id, mp_id FROM mp_kid ORDER BY id');
    expect(kids.map((r) => [r.id, r.mp_id])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const [like] = await dst.query<import('mysql2').RowDataPacket[]>(`SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${DST}' AND TABLE_NAME = 'mp_like'`);
    expect(Number(like[0]!.n)).toBe(3);
    expectExitOk(await runSynctl(['verify', '-c', cfg, `SCH.NAME='${SRC}' AND TAB.NAME LIKE 'mp%'`]), 'verify');
  } finally {
    await dst.end();
    await dropDatabase('mariadb', DST);
  }
});
