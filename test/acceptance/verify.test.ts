/**
 * synctl verify against the real harness servers, for MariaDB -> MariaDB, MariaDB ->
 * PostgreSQL and PostgreSQL -> PostgreSQL: equal tables of many types report equal; one
 * changed decimal digit, microsecond, blob byte and trailing character, a deleted and an
 * extra row are each found by key with the right column; --repair makes them equal. Also a
 * table without a primary key, a table missing on the target, and chunking (several chunks
 * hashed, only the differing one read row by row).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyCommand } from '../../src/cli/commands/verify';
import type { TableReport, VerifyReport } from '../../src/verify/types';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';

type Engine = 'mariadb' | 'postgres';

interface Endpoint {
  readonly engine: Engine;
  /** database to connect to */
  readonly db: string;
  /** schema the tables live in (MariaDB: = db) */
  readonly schema: string;
}

// ---------------------------------------------------------------------------------------------
// data: one definition, written for each engine

interface Row {
  id: number;
  bu: string | null;
  d: string | null;
  vc: string | null;
  ch: string | null;
  dt: string | null;
  ts: string | null;
  dd: string | null;
  tm: string | null;
  bl: string | null; // hex
  js: string | null;
  fl: number | null;
  db: number | null;
  flag: 0 | 1 | null;
}

const ROWS: Row[] = [
  { id: 1, bu: '18446744073709551615', d: '12345678.1234', vc: 'héllo 😀', ch: 'abc', dt: '2024-01-02 03:04:05.123456', ts: '2024-01-02 03:04:05.654321', dd: '2024-02-29', tm: '12:34:56.789012', bl: '00ff10', js: '{"b": 1, "a": [1, 2.5, "x"]}', fl: 0.1, db: 0.30000000000000004, flag: 1 },
  { id: 2, bu: '0', d: '-0.5000', vc: 'trail', ch: 'x', dt: '1999-12-31 23:59:59.999999', ts: '2038-01-19 03:14:07.000000', dd: '1000-01-01', tm: '00:00:00.000001', bl: '', js: '{}', fl: -1.5, db: 1e300, flag: 0 },
  { id: 3, bu: '9007199254740993', d: '0.0001', vc: '', ch: ' lead', dt: '2024-06-01 00:00:00.000000', ts: null, dd: null, tm: null, bl: 'deadbeef', js: '[1, {"z": null, "y": true}]', fl: 3.25, db: -2.5e-7, flag: null },
  { id: 4, bu: null, d: null, vc: 'abc', ch: null, dt: null, ts: '2000-02-29 12:00:00.000001', dd: '2024-01-01', tm: '23:59:59.999999', bl: null, js: null, fl: null, db: null, flag: 1 },
  { id: 5, bu: '42', d: '99999999.9999', vc: 'to delete', ch: 'del', dt: '2024-03-03 03:03:03.000003', ts: '2024-03-03 03:03:03.000003', dd: '2024-03-03', tm: '03:03:03.000000', bl: '03', js: '"s"', fl: 5, db: 5, flag: 0 },
  { id: 6, bu: '7', d: '1.0000', vc: 'quote \' and \\ back', ch: 'z', dt: '2024-01-01 00:00:00.000000', ts: '2024-01-01 00:00:00.000000', dd: '2024-01-01', tm: '01:00:00.000000', bl: '0a0d', js: '{"n": 12345678901234567890}', fl: 1e10, db: 123.456, flag: 1 },
];

const TEXT_KEYS = ['a', 'B', 'b', 'é', 'e', 'Z', '😀', 'ａ', ' x', 'x', 'é2', 'A'];

const DDL: Record<Engine, string[]> = {
  mariadb: [
    `CREATE TABLE t_types (id INT NOT NULL PRIMARY KEY, bu BIGINT UNSIGNED, d DECIMAL(12,4), vc VARCHAR(40) CHARACTER SET utf8mb4,
       ch CHAR(10), dt DATETIME(6), ts TIMESTAMP(6) NULL, dd DATE, tm TIME(6), bl BLOB, js JSON, fl FLOAT, db DOUBLE, flag TINYINT(1))`,
    'CREATE TABLE t_nopk (a INT, b VARCHAR(20))',
    'CREATE TABLE t_chunks (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL)',
    'CREATE TABLE t_textkey (k1 VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, k2 INT NOT NULL, v INT, PRIMARY KEY (k1, k2))',
  ],
  postgres: [
    `CREATE TABLE t_types (id int PRIMARY KEY, bu numeric(20,0), d numeric(12,4), vc varchar(40), ch char(10),
       dt timestamp(6), ts timestamptz(6), dd date, tm time(6), bl bytea, js jsonb, fl real, db double precision, flag boolean)`,
    'CREATE TABLE t_nopk (a int, b varchar(20))',
    'CREATE TABLE t_chunks (id int PRIMARY KEY, v varchar(20) NOT NULL)',
    'CREATE TABLE t_textkey (k1 varchar(20) NOT NULL, k2 int NOT NULL, v int, PRIMARY KEY (k1, k2))',
  ],
};

const q = (s: string, engine: Engine): string =>
  engine === 'mariadb' ? `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${s.replace(/'/g, "''")}'`;

function rowValues(r: Row, e: Engine): string {
  const s = (v: string | null): string => (v === null ? 'NULL' : q(v, e));
  const n = (v: number | null): string => (v === null ? 'NULL' : String(v));
  const bl = r.bl === null ? 'NULL' : e === 'mariadb' ? (r.bl === '' ? "''" : `X'${r.bl}'`) : `decode('${r.bl}', 'hex')`;
  const flag = r.flag === null ? 'NULL' : e === 'mariadb' ? String(r.flag) : r.flag === 1 ? 'true' : 'false';
  const ts = r.ts === null ? 'NULL' : e === 'mariadb' ? s(r.ts) : s(r.ts + '+00');
  return `(${r.id}, ${s(r.bu)}, ${s(r.d)}, ${s(r.vc)}, ${s(r.ch)}, ${s(r.dt)}, ${ts}, ${s(r.dd)}, ${s(r.tm)}, ${bl}, ${s(r.js)}, ${n(r.fl)}, ${n(r.db)}, ${flag})`;
}

// ---------------------------------------------------------------------------------------------
// running SQL on an endpoint

async function run(ep: Endpoint, statements: string[]): Promise<void> {
  if (ep.engine === 'mariadb') {
    const c = await mariaConnect({ database: ep.db });
    try {
      await c.query("SET time_zone = '+00:00'");
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  } else {
    const c = await pgConnect({ database: ep.db });
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${ep.schema}"`);
      await c.query(`SET search_path = "${ep.schema}"`);
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  }
}

async function fill(ep: Endpoint, side: 'source' | 'target'): Promise<void> {
  const chunkRows = Array.from({ length: 50 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(', ');
  await run(ep, [
    ...DDL[ep.engine],
    `INSERT INTO t_types VALUES ${ROWS.map((r) => rowValues(r, ep.engine)).join(', ')}`,
    "INSERT INTO t_nopk VALUES (1, 'a'), (1, 'a'), (2, NULL), (NULL, 'n')",
    `INSERT INTO t_chunks VALUES ${chunkRows}`,
    // collations disagree on these (case, accents, astral): verify orders keys by code point on both sides
    `INSERT INTO t_textkey VALUES ${TEXT_KEYS.flatMap((k, i) => [1, 2].map((k2) => `(${q(k, ep.engine)}, ${k2}, ${i})`)).join(', ')}`,
    side === 'source' ? 'CREATE TABLE t_only_src (id int PRIMARY KEY)' : 'CREATE TABLE t_only_dst (id int PRIMARY KEY)',
  ]);
}

/** The planted differences, on the target. */
async function plant(ep: Endpoint): Promise<void> {
  const hex = (h: string) => (ep.engine === 'mariadb' ? `X'${h}'` : `decode('${h}', 'hex')`);
  await run(ep, [
    "UPDATE t_types SET d = 12345678.1235 WHERE id = 1", // one decimal digit
    "UPDATE t_types SET dt = '1999-12-31 23:59:59.999998' WHERE id = 2", // one microsecond
    `UPDATE t_types SET bl = ${hex('deadbeee')} WHERE id = 3`, // one byte of a blob
    "UPDATE t_types SET vc = 'abd' WHERE id = 4", // one trailing character
    'DELETE FROM t_types WHERE id = 5',
    `INSERT INTO t_types (id, vc) VALUES (99, 'extra')`,
    "DELETE FROM t_nopk WHERE b = 'a' LIMIT 1".replace(ep.engine === 'postgres' ? / LIMIT 1/ : /$^/, ''),
    "INSERT INTO t_nopk VALUES (3, 'x')",
    "UPDATE t_chunks SET v = 'changed' WHERE id = 25",
  ].map((s) => (ep.engine === 'postgres' && s.startsWith('DELETE FROM t_nopk') ? "DELETE FROM t_nopk WHERE ctid = (SELECT ctid FROM t_nopk WHERE b = 'a' LIMIT 1)" : s)));
}

// ---------------------------------------------------------------------------------------------
// the site config

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function dbXml(ep: Endpoint): string {
  const h = harness();
  const c = ep.engine === 'mariadb' ? h.mariadb : h.postgres;
  return (
    `<db_type>${ep.engine === 'mariadb' ? 'MARIADB' : 'PG'}</db_type><db_server>${c.host}</db_server><db_port>${c.port}</db_port>` +
    `<db_user>${xml(c.user)}</db_user><db_pwd>${xml(c.password)}</db_pwd><db_name>${ep.db}</db_name>`
  );
}

function siteConfig(name: string, src: Endpoint, dst: Endpoint): string {
  const file = path.join(harness().tmpDir, `verify-${name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>1</siteid><mgr_port>15345</mgr_port></base>
  <cpt>${dbXml(src)}
    <send><ip>127.0.0.1</ip><data_port>15346</data_port><map><item>${src.schema}.* == ${dst.schema}.*</item></map></send></cpt>
  <exec>${dbXml(dst)}<recv><data_port>15347</data_port></recv></exec></dmhs>`,
  );
  return file;
}

async function verifyRun(config: string, condition: string, extra: { repair?: boolean; chunk?: number } = {}): Promise<{ code: number; report: VerifyReport; text: string }> {
  let report: VerifyReport | undefined;
  let text = '';
  const code = await verifyCommand({
    config,
    condition,
    rows: true,
    ...extra,
    out: (s) => (text += s),
    onReport: (r) => (report = r),
  });
  return { code, report: report!, text };
}

const table = (r: VerifyReport, name: string): TableReport => {
  const t = r.tables.find((x) => x.source.endsWith(`.${name}`) || x.target.endsWith(`.${name}`));
  if (t === undefined) throw new Error(`no report for ${name}: ${JSON.stringify(r.tables.map((x) => x.source))}`);
  return t;
};

// ---------------------------------------------------------------------------------------------

const PAIRS: { name: string; src: Endpoint; dst: Endpoint }[] = [
  { name: 'mariadb-mariadb', src: { engine: 'mariadb', db: 'vfy_mm_src', schema: 'vfy_mm_src' }, dst: { engine: 'mariadb', db: 'vfy_mm_dst', schema: 'vfy_mm_dst' } },
  { name: 'mariadb-postgres', src: { engine: 'mariadb', db: 'vfy_mp_src', schema: 'vfy_mp_src' }, dst: { engine: 'postgres', db: 'vfy_mp_dst', schema: 'app' } },
  { name: 'postgres-mariadb', src: { engine: 'postgres', db: 'vfy_pm_src', schema: 'app' }, dst: { engine: 'mariadb', db: 'vfy_pm_dst', schema: 'vfy_pm_dst' } },
  { name: 'postgres-postgres', src: { engine: 'postgres', db: 'vfy_pp_src', schema: 'app' }, dst: { engine: 'postgres', db: 'vfy_pp_dst', schema: 'app_copy' } },
];

describe.each(PAIRS)('verify $name', ({ name, src, dst }) => {
  let config: string;
  const cond = (extra = ''): string => `SCH.NAME='${src.schema}'${extra}`;

  beforeAll(async () => {
    for (const ep of [src, dst]) await createDatabase(ep.engine, ep.db);
    await fill(src, 'source');
    await fill(dst, 'target');
    config = siteConfig(name, src, dst);
  });
  afterAll(async () => {
    for (const ep of [src, dst]) await dropDatabase(ep.engine, ep.db);
  });

  test('equal tables report equal; a table on one side only is reported', async () => {
    const { code, report, text } = await verifyRun(config, cond(" AND TAB.NAME <> 't_only_src'"));
    expect({ code, text }).toEqual({ code: 0, text: expect.any(String) });
    expect(report.tables.map((t) => [t.target, t.status, t.rowsCompared])).toEqual([
      [`${dst.schema}.t_chunks`, 'compared', 50],
      [`${dst.schema}.t_nopk`, 'compared', 4],
      [`${dst.schema}.t_textkey`, 'compared', 24],
      [`${dst.schema}.t_types`, 'compared', 6],
    ]);
    expect(table(report, 't_nopk').method).toBe('rows');

    const all = await verifyRun(config, cond());
    expect(all.code).toBe(1);
    expect(table(all.report, 't_only_src')).toMatchObject({ status: 'missing-target', target: `${dst.schema}.t_only_src` });
    expect(table(all.report, 't_only_dst')).toMatchObject({ status: 'missing-source', source: '' });
    expect(all.text).toMatch(/MISSING ON TARGET/);
  });

  test('each planted difference is found by key and column; --repair makes the tables equal', async () => {
    await plant(dst);
    const c = cond(" AND TAB.NAME IN ('t_types', 't_nopk', 't_chunks')");
    const { code, report, text } = await verifyRun(config, c, { chunk: 10 });
    expect(code).toBe(1);
    const types = table(report, 't_types');
    expect(types).toMatchObject({ missingOnTarget: 1, extraOnTarget: 1, differing: 4 });
    expect(types.keys).toEqual([
      { kind: 'differ', key: ['1'], columns: ['d'] },
      { kind: 'differ', key: ['2'], columns: ['dt'] },
      { kind: 'differ', key: ['3'], columns: ['bl'] },
      { kind: 'differ', key: ['4'], columns: ['vc'] },
      { kind: 'missing', key: ['5'] },
      { kind: 'extra', key: ['99'] },
    ]);
    expect(text).toMatch(/differ .*t_types \("1"\) d/);

    const nopk = table(report, 't_nopk');
    expect(nopk).toMatchObject({ missingOnTarget: 1, extraOnTarget: 1, differing: 0 });
    expect(nopk.keys).toEqual([
      { kind: 'missing', key: ['1', 'a'] },
      { kind: 'extra', key: ['3', 'x'] },
    ]);

    // 50 rows by 10: five full chunks and the open-ended tail; only the chunk holding id 25 is read
    const chunks = table(report, 't_chunks');
    expect(chunks).toMatchObject({ method: 'chunk-hash', chunks: 6, chunksDescended: 1, differing: 1, differingColumns: ['v'] });
    expect(chunks.keys).toEqual([{ kind: 'differ', key: ['25'], columns: ['v'] }]);

    const repaired = await verifyRun(config, c, { repair: true, chunk: 10 });
    expect(repaired.code).toBe(0);
    expect(table(repaired.report, 't_types').repair).toEqual({ inserted: 1, deleted: 1, updated: 4, equalAfter: true });
    expect(table(repaired.report, 't_nopk').repair).toEqual({ inserted: 1, deleted: 1, updated: 0, equalAfter: true });

    const after = await verifyRun(config, c);
    expect(after.code).toBe(0);
    expect(after.report.equal).toBe(true);
  });

  test('composite text keys are chunked and merged in the same order on both sides', async () => {
    const c = cond(" AND TAB.NAME = 't_textkey'");
    const eq = await verifyRun(config, c, { chunk: 5 });
    expect(eq.code).toBe(0);
    expect(table(eq.report, 't_textkey')).toMatchObject({ rowsCompared: 24, chunks: 5, chunksDescended: 0 });
    await run(dst, ["UPDATE t_textkey SET v = 100 WHERE k1 = 'ａ' AND k2 = 2", "DELETE FROM t_textkey WHERE k1 = 'B'"]);
    const d = await verifyRun(config, c, { chunk: 5 });
    expect(d.code).toBe(1);
    expect(table(d.report, 't_textkey').keys).toEqual([
      { kind: 'missing', key: ['B', '1'] },
      { kind: 'missing', key: ['B', '2'] },
      { kind: 'differ', key: ['ａ', '2'], columns: ['v'] },
    ]);
    expect((await verifyRun(config, c, { chunk: 5, repair: true })).code).toBe(0);
  });

  test('--json prints the report; what replication does not map still differs', async () => {
    // a trailing space is data, not CHAR padding, in a VARCHAR
    await run(dst, ["UPDATE t_types SET vc = 'trail ' WHERE id = 2"]);
    let text = '';
    const code = await verifyCommand({ config, condition: cond(" AND TAB.NAME = 't_types'"), json: true, out: (s) => (text += s) });
    expect(code).toBe(1);
    const parsed = JSON.parse(text) as VerifyReport;
    expect(parsed.equal).toBe(false);
    expect(parsed.tables[0]).toMatchObject({ differing: 1, differingColumns: ['vc'] });
    await run(dst, ["UPDATE t_types SET vc = 'trail' WHERE id = 2"]);
  });

  test('a differing chunk is narrowed to its differing rows, with no row counted twice or skipped', async () => {
    const gen = (e: Engine): string =>
      e === 'mariadb' ? "INSERT INTO t_big SELECT seq, CONCAT('r', seq) FROM seq_1_to_3000" : "INSERT INTO t_big SELECT g, 'r' || g FROM generate_series(1, 3000) g";
    for (const ep of [src, dst]) await run(ep, ['CREATE TABLE t_big (id int NOT NULL PRIMARY KEY, v varchar(20) NOT NULL)', gen(ep.engine)]);
    await run(dst, ["UPDATE t_big SET v = 'changed' WHERE id = 1500", 'DELETE FROM t_big WHERE id = 777', "INSERT INTO t_big VALUES (5000, 'extra')"]);
    const c = cond(" AND TAB.NAME = 't_big'");
    const r = await verifyRun(config, c, { chunk: 2000 });
    expect(r.code).toBe(1);
    // 2000 + the open tail; both differ, each lists (key, row hash) and only the rows whose hashes differ are read
    expect(table(r.report, 't_big')).toMatchObject({ rowsCompared: 3000, chunks: 2, chunksDescended: 2, differing: 1, missingOnTarget: 1, extraOnTarget: 1 });
    // 777 from the source, 1500 from both, 5000 from the target: not 6000 rows
    expect(table(r.report, 't_big').rowsRead).toBe(4);
    expect(table(r.report, 't_big').keys).toEqual([
      { kind: 'missing', key: ['777'] },
      { kind: 'differ', key: ['1500'], columns: ['v'] },
      { kind: 'extra', key: ['5000'] },
    ]);
    // 100-row chunks: hashed whole until chunk 8 (777) differs, then per bucket (1500 in chunk 15),
    // whole again after 8 matching chunks, and per bucket again for the open tail (5000)
    const small = await verifyRun(config, c, { chunk: 100 });
    expect(table(small.report, 't_big')).toMatchObject({ rowsCompared: 3000, chunks: 31, chunksDescended: 3, rowsRead: 4 });
    expect(table(small.report, 't_big').keys).toEqual(table(r.report, 't_big').keys);
    expect((await verifyRun(config, c, { chunk: 2000, repair: true })).code).toBe(0);
  });

  test('--repair creates a missing table from a MariaDB source (MariaDB or PostgreSQL target), and says why not otherwise', async () => {
    await run(src, ['INSERT INTO t_only_src VALUES (1), (2), (3)']);
    const c = cond(" AND TAB.NAME = 't_only_src'");
    const r = await verifyRun(config, c, { repair: true });
    const t = table(r.report, 't_only_src');
    if (src.engine === 'mariadb') {
      expect(r.code).toBe(0);
      expect(t).toMatchObject({ status: 'compared', createdOnTarget: true, repair: { inserted: 3, deleted: 0, updated: 0, equalAfter: true } });
      expect(r.text).toMatch(/CREATED; DIFFERENT; repaired \+3/);
      expect((await verifyRun(config, c)).code).toBe(0);
    } else {
      expect(r.code).toBe(1);
      expect(t).toMatchObject({ status: 'missing-target', reason: expect.stringMatching(/only from a MySQL\/MariaDB source/) });
    }
  });
});

describe('verify refuses what it cannot do', () => {
  test('an unreachable SQL Server side is one clear error naming it', async () => {
    const file = path.join(harness().tmpDir, 'verify-mssql.hs');
    fs.writeFileSync(
      file,
      `<dmhs><base><siteid>1</siteid></base>
  <cpt><db_type>MSSQL</db_type><db_server>127.0.0.1</db_server><db_port>1</db_port><db_user>sa</db_user><db_pwd>x</db_pwd>
    <send><ip>127.0.0.1</ip><data_port>15346</data_port></send></cpt>
  <exec><db_type>PG</db_type><db_server>127.0.0.1</db_server><db_user>u</db_user><db_pwd>x</db_pwd><recv><data_port>15347</data_port></recv></exec></dmhs>`,
    );
    await expect(verifyCommand({ config: file, condition: "SCH.NAME='dbo'" })).rejects.toMatchObject({ code: 'DB', message: expect.stringMatching(/^mssql 127\.0\.0\.1:1\/master: cannot connect as sa: /) });
  });

  test('a config without <exec> is a usage error', async () => {
    const file = path.join(harness().tmpDir, 'verify-noexec.hs');
    fs.writeFileSync(
      file,
      `<dmhs><base><siteid>1</siteid></base><cpt><db_type>PG</db_type><db_server>h</db_server><db_user>u</db_user><db_pwd>x</db_pwd>
    <send><ip>127.0.0.1</ip><data_port>15346</data_port></send></cpt></dmhs>`,
    );
    await expect(verifyCommand({ config: file, condition: "SCH.NAME='x'" })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(verifyCommand({ config: file, condition: "SCH.NAME='x'", chunk: '0' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

// ---------------------------------------------------------------------------------------------
// the send's row filter: only the rows it replicates are compared, on both sides

const RF_ROWS: [number, string, string | null, string | null][] = [
  [1, 'EU', '150.00', 'a'], // passes
  [2, 'EU', '99.99', 'b'], // amount too small
  [3, 'US', '500.00', 'c'], // region
  [4, 'EU', '100.00', 'test1'], // disabled by the note condition
  [5, 'eu', '200.00', 'd'], // the filter compares text exactly: 'eu' is not 'EU'
  [6, 'EU', '1000.50', null], // passes: a NULL note is not disabled (UNKNOWN)
  [7, 'EU', null, 'e'], // a NULL amount is not enabled (UNKNOWN)
  [8, 'EU', '100.00', 'x'], // passes, on the bound
];
const RF_PASS = new Set([1, 6, 8]);
const RF_CODES = [1, 2, 10, 11, 12, 20, 100]; // `id LIKE '1%'` passes 1, 10, 11, 12, 100

const RF_PAIRS: { name: string; src: Endpoint; dst: Endpoint }[] = [
  { name: 'mariadb-mariadb', src: { engine: 'mariadb', db: 'vfy_rf_mm_src', schema: 'vfy_rf_mm_src' }, dst: { engine: 'mariadb', db: 'vfy_rf_mm_dst', schema: 'vfy_rf_mm_dst' } },
  { name: 'mariadb-postgres', src: { engine: 'mariadb', db: 'vfy_rf_mp_src', schema: 'vfy_rf_mp_src' }, dst: { engine: 'postgres', db: 'vfy_rf_mp_dst', schema: 'app' } },
  { name: 'postgres-postgres', src: { engine: 'postgres', db: 'vfy_rf_pp_src', schema: 'app' }, dst: { engine: 'postgres', db: 'vfy_rf_pp_dst', schema: 'app_copy' } },
];

function rowFilterConfig(name: string, src: Endpoint, dst: Endpoint): string {
  const file = path.join(harness().tmpDir, `verify-rf-${name}.hs`);
  const s = src.schema;
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>1</siteid><mgr_port>15345</mgr_port></base>
  <cpt>${dbXml(src)}
    <send><ip>127.0.0.1</ip><data_port>15346</data_port>
      <filter>
        <enable><item>${s}.t_orders(region = 'EU' AND amount &gt;= 100)</item><item>${s}.t_codes(id LIKE '1%')</item><item>${s}.t_all</item></enable>
        <disable><item>${s}.t_orders(note LIKE 'test%')</item></disable>
      </filter>
      <map><item>${s}.* == ${dst.schema}.*</item></map></send></cpt>
  <exec>${dbXml(dst)}<recv><data_port>15347</data_port></recv></exec></dmhs>`,
  );
  return file;
}

async function countRows(ep: Endpoint, sql: string): Promise<number> {
  if (ep.engine === 'mariadb') {
    const c = await mariaConnect({ database: ep.db });
    try {
      const [rows] = await c.query(sql);
      return Number((rows as Record<string, unknown>[])[0]!.n);
    } finally {
      await c.end();
    }
  }
  const c = await pgConnect({ database: ep.db });
  try {
    await c.query(`SET search_path = "${ep.schema}"`);
    return Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

describe.each(RF_PAIRS)("verify $name under the send's row filter", ({ name, src, dst }) => {
  let config: string;
  const cond = `SCH.NAME='${src.schema}'`;
  const orders = (rows: typeof RF_ROWS, e: Engine): string =>
    `INSERT INTO t_orders VALUES ${rows.map(([id, r, a, n]) => `(${id}, ${q(r, e)}, ${a ?? 'NULL'}, ${n === null ? 'NULL' : q(n, e)})`).join(', ')}`;
  const codes = (ids: number[]): string => `INSERT INTO t_codes VALUES ${ids.map((i) => `(${i}, 'v${i}')`).join(', ')}`;
  const ddl = [
    'CREATE TABLE t_orders (id int NOT NULL PRIMARY KEY, region varchar(10), amount decimal(10,2), note varchar(20))',
    'CREATE TABLE t_codes (id int NOT NULL PRIMARY KEY, v varchar(10))',
    'CREATE TABLE t_all (id int NOT NULL PRIMARY KEY)',
    'CREATE TABLE t_other (id int NOT NULL PRIMARY KEY)',
  ];

  beforeAll(async () => {
    for (const ep of [src, dst]) await createDatabase(ep.engine, ep.db);
    await run(src, [...ddl, orders(RF_ROWS, src.engine), codes(RF_CODES), 'INSERT INTO t_all VALUES (1), (2)', 'INSERT INTO t_other VALUES (1)']);
    // the target holds what replication wrote, and rows of its own outside the filter
    await run(dst, [
      ...ddl.slice(0, 3),
      orders([...RF_ROWS.filter(([id]) => RF_PASS.has(id)), [3, 'US', '1.00', 'other'], [9, 'EU', '50.00', 'f']], dst.engine),
      codes([1, 10, 11, 12, 100, 2, 20]),
      "UPDATE t_codes SET v = 'mine' WHERE id IN (2, 20)",
      'INSERT INTO t_all VALUES (1), (2)',
    ]);
    config = rowFilterConfig(name, src, dst);
  });
  afterAll(async () => {
    for (const ep of [src, dst]) await dropDatabase(ep.engine, ep.db);
  });

  test('rows the filter drops are neither missing nor extra; differences inside it are found and repaired', async () => {
    const eq = await verifyRun(config, cond);
    expect(eq.report.tables.map((t) => [t.source.split('.')[1], t.status, t.rowsCompared, t.method ?? '-'])).toEqual([
      ['t_all', 'compared', 2, 'chunk-hash'],
      ['t_codes', 'compared', 5, 'rows'],
      ['t_orders', 'compared', 3, 'chunk-hash'],
      ['t_other', 'skipped', 0, '-'],
    ]);
    expect(eq.code).toBe(0);
    expect(table(eq.report, 't_orders').rowFilter).toMatch(/region = 'EU'.*note LIKE/);
    expect(table(eq.report, 't_codes').rowFilter).toMatch(/id LIKE '1%'.*evaluated per row/);
    expect(table(eq.report, 't_all').rowFilter).toBeUndefined();
    expect(eq.text).toMatch(/hash 0\/1, filtered/);

    await run(dst, [
      "UPDATE t_orders SET note = 'changed' WHERE id = 1",
      'DELETE FROM t_orders WHERE id = 8',
      `INSERT INTO t_orders VALUES (10, 'EU', 300, 'new'), (11, 'US', 300, 'z'), (12, 'EU', 300, 'test-ignored')`,
      'UPDATE t_orders SET amount = 2 WHERE id = 3',
      'DELETE FROM t_codes WHERE id = 11',
      "UPDATE t_codes SET v = 'again' WHERE id = 2",
    ]);
    const d = await verifyRun(config, cond);
    expect(d.code).toBe(1);
    expect(table(d.report, 't_orders').keys).toEqual([
      { kind: 'differ', key: ['1'], columns: ['note'] },
      { kind: 'missing', key: ['8'] },
      { kind: 'extra', key: ['10'] },
    ]);
    expect(table(d.report, 't_codes').keys).toEqual([{ kind: 'missing', key: ['11'] }]);

    const r = await verifyRun(config, cond, { repair: true });
    expect(r.code).toBe(0);
    expect(table(r.report, 't_orders').repair).toEqual({ inserted: 1, deleted: 1, updated: 1, equalAfter: true });
    expect(table(r.report, 't_codes').repair).toEqual({ inserted: 1, deleted: 0, updated: 0, equalAfter: true });
    // the target's rows outside the filter were left alone
    expect(await countRows(dst, 'SELECT COUNT(*) AS n FROM t_orders WHERE id IN (3, 9, 11, 12)')).toBe(4);
    expect(await countRows(dst, "SELECT COUNT(*) AS n FROM t_codes WHERE id IN (2, 20) AND v <> 'v2'")).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// MariaDB -> PostgreSQL: --repair creates the missing table through exec's type mapping; BIT(n)
// against bit varying(n); a row filter whose column the map drops

function siteXml(name: string, src: Endpoint, dst: Endpoint, send: string, exec = ''): string {
  const file = path.join(harness().tmpDir, `verify-${name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>1</siteid><mgr_port>15345</mgr_port></base>
  <cpt>${dbXml(src)}
    <send><ip>127.0.0.1</ip><data_port>15346</data_port>${send}</send></cpt>
  <exec>${dbXml(dst)}<recv><data_port>15347</data_port></recv>${exec}</exec></dmhs>`,
  );
  return file;
}

async function pgColumns(ep: Endpoint, tableName: string): Promise<[string, string, boolean][]> {
  const c = await pgConnect({ database: ep.db });
  try {
    const r = await c.query<{ n: string; t: string; nn: boolean }>(
      `SELECT a.attname AS n, format_type(a.atttypid, a.atttypmod) AS t, a.attnotnull AS nn FROM pg_attribute a
         WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [`"${ep.schema}"."${tableName}"`],
    );
    return r.rows.map((x) => [x.n, x.t, x.nn]);
  } finally {
    await c.end();
  }
}

describe('verify MariaDB -> PostgreSQL: a missing table created by --repair, BIT columns', () => {
  const src: Endpoint = { engine: 'mariadb', db: 'vfy_mk_src', schema: 'vfy_mk_src' };
  const dst: Endpoint = { engine: 'postgres', db: 'vfy_mk_dst', schema: 'app' };
  let config: string;
  const cond = (t: string): string => `SCH.NAME='${src.schema}' AND TAB.NAME = '${t}'`;

  beforeAll(async () => {
    for (const ep of [src, dst]) await createDatabase(ep.engine, ep.db);
    await run(src, [
      `CREATE TABLE t_made (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, amount DECIMAL(12,4),
         at DATETIME(6), flag TINYINT(1), bits BIT(5), big BIT(64), data BLOB, doc JSON, secret VARCHAR(10))`,
      `INSERT INTO t_made VALUES (1, 'a', 1.5, '2024-01-02 03:04:05.000006', 1, b'00011', b'1000000000000000000000000000000000000000000000000000000000000001', X'00ff', '{"k": [1, 2]}', 's1'),
         (2, 'b', NULL, NULL, 0, b'0', b'0', X'', '[]', 's2'), (3, 'c', -0.0001, '1999-12-31 23:59:59.999999', NULL, NULL, NULL, NULL, NULL, NULL)`,
      'CREATE TABLE t_bits (id INT NOT NULL PRIMARY KEY, b1 BIT(1), b5 BIT(5), b64 BIT(64))',
      `INSERT INTO t_bits VALUES (1, b'1', b'10110', b'1111111111111111111111111111111111111111111111111111111111111111'), (2, b'0', b'00001', b'0'), (3, NULL, NULL, NULL)`,
    ]);
    // what exec writes for BIT(n): bit varying(n), n digits
    await run(dst, [
      'CREATE TABLE t_bits (id int PRIMARY KEY, b1 bit varying(1), b5 bit varying(5), b64 bit varying(64))',
      `INSERT INTO t_bits VALUES (1, B'1', B'10110', B'${'1'.repeat(64)}'), (2, B'0', B'00001', B'${'0'.repeat(64)}'), (3, NULL, NULL, NULL)`,
    ]);
    const s = src.schema;
    config = siteXml(
      'made',
      src,
      dst,
      `<map><item>${s}.t_made(secret ==, name == label) == ${dst.schema}.t_made</item><item>${s}.* == ${dst.schema}.*</item></map>`,
      '<type_map><item>tinyint(1) == boolean</item></type_map>',
    );
  });
  afterAll(async () => {
    for (const ep of [src, dst]) await dropDatabase(ep.engine, ep.db);
  });

  test("--repair creates the table with exec's MySQL-to-PostgreSQL types and the map's columns, fills it, and it compares equal", async () => {
    const before = await verifyRun(config, cond('t_made'));
    expect(table(before.report, 't_made')).toMatchObject({ status: 'missing-target' });
    const r = await verifyRun(config, cond('t_made'), { repair: true });
    expect(r.code).toBe(0);
    expect(table(r.report, 't_made')).toMatchObject({ status: 'compared', createdOnTarget: true, repair: { inserted: 3, deleted: 0, updated: 0, equalAfter: true } });
    // pg-ddl.ts's mapping (int unsigned -> bigint, BIT(n) -> bit varying(n), ...), the type map's boolean, the map's renamed and dropped columns
    expect(await pgColumns(dst, 't_made')).toEqual([
      ['id', 'bigint', true],
      ['label', 'character varying(20)', true],
      ['amount', 'numeric(12,4)', false],
      ['at', 'timestamp(6) without time zone', false],
      ['flag', 'boolean', false],
      ['bits', 'bit varying(5)', false],
      ['big', 'bit varying(64)', false],
      ['data', 'bytea', false],
      // MariaDB's JSON (LONGTEXT with a json_valid CHECK in its catalog): jsonb, as `copy ... CREATE` makes it
      ['doc', 'jsonb', false],
    ]);
    expect((await verifyRun(config, cond('t_made'))).code).toBe(0);
    // the created table holds what replication would have written
    await run(dst, ["UPDATE t_made SET bits = B'00111' WHERE id = 1"]);
    const d = await verifyRun(config, cond('t_made'));
    expect(table(d.report, 't_made').keys).toEqual([{ kind: 'differ', key: ['1'], columns: ['bits'] }]);
  });

  test("zero dates compare as exec's zero_date rule wrote them", async () => {
    await run(src, [
      "SET SESSION sql_mode = ''",
      'CREATE TABLE t_zero (id INT NOT NULL PRIMARY KEY, d DATE, dt DATETIME(6))',
      "INSERT INTO t_zero VALUES (1, '0000-00-00', '0000-00-00 12:34:56.000001'), (2, '2024-00-15', '2024-02-03 04:05:06.000000')",
    ]);
    // what exec writes with <zero_date>0001-01-01</zero_date>: the date replaced, the time of day kept
    await run(dst, [
      'CREATE TABLE t_zero (id int PRIMARY KEY, d date, dt timestamp(6))',
      "INSERT INTO t_zero VALUES (1, '0001-01-01', '0001-01-01 12:34:56.000001'), (2, '0001-01-01', '2024-02-03 04:05:06')",
    ]);
    const s = src.schema;
    const ruled = siteXml('zero', src, dst, `<map><item>${s}.* == ${dst.schema}.*</item></map>`, '<zero_date>0001-01-01</zero_date>');
    expect((await verifyRun(ruled, cond('t_zero'))).code).toBe(0);
    // the default rule is NULL: then these target values differ
    const d = await verifyRun(config, cond('t_zero'));
    expect(table(d.report, 't_zero').keys).toEqual([
      { kind: 'differ', key: ['1'], columns: ['d', 'dt'] },
      { kind: 'differ', key: ['2'], columns: ['d'] },
    ]);
  });

  test('BIT(n) against bit varying(n): equal when equal, one bit differs, --repair writes it back', async () => {
    const eq = await verifyRun(config, cond('t_bits'));
    expect(eq.code).toBe(0);
    expect(table(eq.report, 't_bits')).toMatchObject({ rowsCompared: 3, method: 'chunk-hash' });
    await run(dst, [`UPDATE t_bits SET b5 = B'10111' WHERE id = 1`, `UPDATE t_bits SET b64 = B'1${'0'.repeat(63)}' WHERE id = 2`, "UPDATE t_bits SET b1 = B'0' WHERE id = 3"]);
    const d = await verifyRun(config, cond('t_bits'));
    expect(d.code).toBe(1);
    expect(table(d.report, 't_bits').keys).toEqual([
      { kind: 'differ', key: ['1'], columns: ['b5'] },
      { kind: 'differ', key: ['2'], columns: ['b64'] },
      { kind: 'differ', key: ['3'], columns: ['b1'] },
    ]);
    expect((await verifyRun(config, cond('t_bits'), { repair: true })).code).toBe(0);
    const c = await pgConnect({ database: dst.db });
    try {
      const rows = await c.query<{ b5: string | null; b64: string | null }>(`SELECT b5::text AS b5, b64::text AS b64 FROM app.t_bits ORDER BY id`);
      expect(rows.rows).toEqual([
        { b5: '10110', b64: '1'.repeat(64) },
        { b5: '00001', b64: '0'.repeat(64) },
        { b5: null, b64: null },
      ]);
    } finally {
      await c.end();
    }
  });
});

describe.each(RF_PAIRS)("verify $name: a row filter whose column the map drops", ({ name, src, dst }) => {
  const srcDb = { ...src, db: `${src.db}_drop`, schema: src.engine === 'mariadb' ? `${src.db}_drop` : src.schema };
  const dstDb = { ...dst, db: `${dst.db}_drop`, schema: dst.engine === 'mariadb' ? `${dst.db}_drop` : dst.schema };
  let config: string;
  const cond = `SCH.NAME='${srcDb.schema}'`;

  beforeAll(async () => {
    for (const ep of [srcDb, dstDb]) await createDatabase(ep.engine, ep.db);
    await run(srcDb, [
      'CREATE TABLE t_notes (id int NOT NULL PRIMARY KEY, region varchar(10), body varchar(20))',
      "INSERT INTO t_notes VALUES (1, 'EU', 'a'), (2, 'EU', 'b'), (3, 'US', 'c'), (4, 'EU', 'd'), (5, 'EU', 'e'), (6, NULL, 'f')",
      'CREATE TABLE t_scores (id int NOT NULL PRIMARY KEY, score float, body varchar(20))',
      "INSERT INTO t_scores VALUES (1, 2.5, 'x')",
    ]);
    // the target has no region: EU rows as replicated, 3 (US) written there by someone else,
    // 4 not replicated yet, 5 changed, 9 with no source row at all
    await run(dstDb, [
      'CREATE TABLE t_notes (id int NOT NULL PRIMARY KEY, body varchar(20))',
      "INSERT INTO t_notes VALUES (1, 'a'), (2, 'b'), (3, 'not from the source'), (5, 'changed'), (6, 'f?'), (9, 'z')",
      'CREATE TABLE t_scores (id int NOT NULL PRIMARY KEY, body varchar(20))',
      "INSERT INTO t_scores VALUES (1, 'x')",
    ]);
    const s = srcDb.schema;
    config = siteXml(
      `dropcol-${name}`,
      srcDb,
      dstDb,
      `<filter><enable><item>${s}.t_notes(region = 'EU')</item><item>${s}.t_scores(score &gt; 1.5)</item></enable></filter>
       <map><item>${s}.t_notes(region ==) == ${dstDb.schema}.t_notes</item><item>${s}.t_scores(score ==) == ${dstDb.schema}.t_scores</item><item>${s}.* == ${dstDb.schema}.*</item></map>`,
    );
  });
  afterAll(async () => {
    for (const ep of [srcDb, dstDb]) await dropDatabase(ep.engine, ep.db);
  });

  test('the condition is evaluated on the source only and target rows are matched by key', async () => {
    const d = await verifyRun(config, `${cond} AND TAB.NAME = 't_notes'`);
    expect(d.code).toBe(1);
    const t = table(d.report, 't_notes');
    expect(t).toMatchObject({ status: 'compared', method: 'rows', rowsCompared: 4, missingOnTarget: 1, extraOnTarget: 1, differing: 1 });
    expect(t.rowFilter).toMatch(/region = 'EU'.*on the source only: the map drops region; target rows matched by key/);
    // 3 (US) and 6 (NULL region) fail the condition: their target rows are neither compared nor extra
    expect(t.keys).toEqual([
      { kind: 'missing', key: ['4'] },
      { kind: 'differ', key: ['5'], columns: ['body'] },
      { kind: 'extra', key: ['9'] },
    ]);
    const r = await verifyRun(config, `${cond} AND TAB.NAME = 't_notes'`, { repair: true });
    expect(r.code).toBe(0);
    expect(table(r.report, 't_notes').repair).toEqual({ inserted: 1, deleted: 1, updated: 1, equalAfter: true });
    expect(await countRows(dstDb, "SELECT COUNT(*) AS n FROM t_notes WHERE (id = 3 AND body = 'not from the source') OR (id = 6 AND body = 'f?')")).toBe(2);
  });

  test('a dropped column whose condition has no SQL form is one clear error for that table', async () => {
    const r = await verifyRun(config, `${cond} AND TAB.NAME = 't_scores'`);
    expect(r.code).toBe(2);
    expect(table(r.report, 't_scores')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/^row filter column score is dropped by the map, and its condition has no SQL form to evaluate on the source alone: /),
    });
  });
});
