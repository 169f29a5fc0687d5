/**
 * SQL Server, live: MariaDB changes captured (offline, over a pipe) and applied by exec to
 * the SQL Server at MSSQL_URL, then `synctl verify` must find MariaDB and SQL Server equal,
 * and a replay of the same frames must change nothing (exactly once). Then copy loads a
 * table into SQL Server by bulk load and exec applies large groups by its bulk path. Last,
 * copy creates and loads a PostgreSQL table (every type family) in SQL Server, and verify
 * finds PostgreSQL and SQL Server equal.
 *
 * Runs only when MSSQL_URL is set: mssql://user:password@host:1433/database
 * (?trustServerCertificate=true for a server with a self-signed certificate). No SQL Server
 * can run where synctl is developed; without MSSQL_URL this file says so and is skipped.
 * The SQL Server login must be able to create a schema and tables in the database and to
 * turn on ALLOW_SNAPSHOT_ISOLATION (verify reads at a snapshot).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { ConnectionPool } from 'mssql';
import { loadMssql } from '../../src/dialect/mssql/mssql-session';
import { binlogEnd, createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { expectExitOk, requireBuiltCli, runSynctl } from '../support/synctl-process';

const MSSQL_URL = process.env['MSSQL_URL'];

interface MssqlUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly trustCert: boolean;
}

function parseMssqlUrl(text: string): MssqlUrl {
  const u = new URL(text);
  if (u.protocol !== 'mssql:') throw new Error('MSSQL_URL must look like mssql://user:password@host:1433/database');
  return {
    host: u.hostname,
    port: u.port === '' ? 1433 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'master',
    trustCert: u.searchParams.get('trustServerCertificate') === 'true',
  };
}

if (MSSQL_URL === undefined || MSSQL_URL === '') {
  process.stderr.write('mssql-live.test.ts: NOT RUN: MSSQL_URL is not set (no SQL Server on this machine); set MSSQL_URL=mssql://user:pass@host:1433/db to run it\n');
}
const live = MSSQL_URL ? describe : describe.skip;

const SRC = 'ms_src';
const DST = 'ms_dst'; // the SQL Server schema the send's map writes to
const PG_SRC = 'ms_pgsrc'; // the PostgreSQL database of the PG -> SQL Server copy
const PG_DST = 'ms_pgdst'; // its SQL Server schema

live('SQL Server live (MSSQL_URL set)', () => {
  let ms: MssqlUrl;
  let pool: ConnectionPool;
  let my: Connection;
  let dir: string;

  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

  function siteConfig(siteid = 23): string {
    const m = harness().mariadb;
    const file = path.join(dir, `to-mssql-${siteid}.hs`);
    fs.writeFileSync(
      file,
      `<dmhs><base><siteid>${siteid}</siteid></base>
  <cpt><db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port><db_user>${m.user}</db_user><db_pwd>${xml(m.password)}</db_pwd>
    <ddl_mask>0</ddl_mask>
    <send><stdio>1</stdio><filter><enable><item>${SRC}.*</item></enable></filter><map><item>${SRC}.* == ${DST}.*</item></map></send></cpt>
  <exec><db_type>MSSQL</db_type><db_server>${xml(ms.host)}</db_server><db_port>${ms.port}</db_port><db_user>${xml(ms.user)}</db_user><db_pwd>${xml(ms.password)}</db_pwd><db_name>${xml(ms.database)}</db_name>
    <recv><stdio>1</stdio></recv></exec></dmhs>`,
    );
    return file;
  }

  /** a PostgreSQL source (app.* mapped to PG_DST) into the SQL Server */
  function pgSiteConfig(): string {
    const p = harness().postgres;
    const file = path.join(dir, 'pg-to-mssql.hs');
    fs.writeFileSync(
      file,
      `<dmhs><base><siteid>25</siteid></base>
  <cpt><db_type>PG</db_type><db_server>${p.host}</db_server><db_port>${p.port}</db_port><db_user>${xml(p.user)}</db_user><db_pwd>${xml(p.password)}</db_pwd><db_name>${PG_SRC}</db_name>
    <send><stdio>1</stdio><map><item>app.* == ${PG_DST}.*</item></map></send></cpt>
  <exec><db_type>MSSQL</db_type><db_server>${xml(ms.host)}</db_server><db_port>${ms.port}</db_port><db_user>${xml(ms.user)}</db_user><db_pwd>${xml(ms.password)}</db_pwd><db_name>${xml(ms.database)}</db_name>
    <recv><stdio>1</stdio></recv></exec></dmhs>`,
    );
    return file;
  }

  async function msRows(): Promise<unknown[]> {
    const r = await pool.request().query(`SELECT id, amount, note, at, raw FROM [${DST}].[orders] ORDER BY id`);
    return r.recordset;
  }

  beforeAll(async () => {
    requireBuiltCli();
    ms = parseMssqlUrl(MSSQL_URL!);
    if (ms.trustCert) process.env['SYNCTL_MSSQL_TRUST_CERT'] = '1';
    const sql = await loadMssql();
    pool = await new sql.ConnectionPool({
      server: ms.host,
      port: ms.port,
      user: ms.user,
      password: ms.password,
      database: ms.database,
      options: { encrypt: true, trustServerCertificate: ms.trustCert },
    }).connect();
    await pool.request().batch(`ALTER DATABASE [${ms.database}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
    await pool.request().batch(`IF OBJECT_ID(N'[${DST}].[orders]', 'U') IS NOT NULL DROP TABLE [${DST}].[orders]`);
    await pool.request().batch(`IF OBJECT_ID(N'[${DST}].[bulk]', 'U') IS NOT NULL DROP TABLE [${DST}].[bulk]`);
    await pool.request().batch(`IF OBJECT_ID(N'[${PG_DST}].[every]', 'U') IS NOT NULL DROP TABLE [${PG_DST}].[every]`);
    await pool.request().batch(`IF OBJECT_ID(N'[synctl].[DMHS_TABLE_SEQID]', 'U') IS NOT NULL DELETE FROM [synctl].[DMHS_TABLE_SEQID] WHERE SCHEMA_NAME = N'${PG_DST}'`);
    await pool.request().batch(`IF OBJECT_ID(N'[synctl].[DMHS_TRXID_TABLE]', 'U') IS NOT NULL DELETE FROM [synctl].[DMHS_TRXID_TABLE] WHERE SITEID IN (23, 24)`);
    await pool.request().batch(`IF OBJECT_ID(N'[synctl].[DMHS_TABLE_SEQID]', 'U') IS NOT NULL DELETE FROM [synctl].[DMHS_TABLE_SEQID] WHERE SCHEMA_NAME = N'${DST}'`);
    await pool.request().batch(`IF SCHEMA_ID(N'${DST}') IS NULL EXEC(N'CREATE SCHEMA [${DST}]')`);
    await pool
      .request()
      .batch(`CREATE TABLE [${DST}].[orders] (id int NOT NULL PRIMARY KEY, amount decimal(12,2) NULL, note nvarchar(40) NULL, at datetime2(6) NULL, raw varbinary(max) NULL)`);
    dir = fs.mkdtempSync(path.join(harness().tmpDir, 'mssql-live-'));
    await createDatabase('mariadb', SRC);
    my = await mariaConnect();
    await my.query("SET time_zone = '+00:00'");
    await my.query(`CREATE TABLE ${SRC}.orders (id INT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(40), at DATETIME(6), raw BLOB) CHARACTER SET utf8mb4`);
  });

  afterAll(async () => {
    await my?.end();
    await dropDatabase('mariadb', SRC);
    await dropDatabase('postgres', PG_SRC); // and the slot the copy made
    await pool?.close();
  });

  test('a few transactions applied by exec; verify MariaDB -> SQL Server equal; a replay changes nothing', async () => {
    const m = harness().mariadb;
    await my.query(`INSERT INTO ${SRC}.orders VALUES (1, 10.50, 'héllo 😀', '2026-11-21 10:00:00.123456', X'00FF'), (2, NULL, 'it''s', NULL, NULL), (3, 0.01, '', '1000-01-01 00:00:00', X'')`);
    await my.query('START TRANSACTION');
    await my.query(`UPDATE ${SRC}.orders SET amount = amount + 1, note = 'updated' WHERE id = 1`);
    await my.query(`DELETE FROM ${SRC}.orders WHERE id = 3`);
    await my.query(`INSERT INTO ${SRC}.orders (id, note) VALUES (4, 'four')`);
    await my.query('COMMIT');
    await my.query('FLUSH BINARY LOGS');

    const config = siteConfig();
    expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', config]), 'copy DICT');
    const cap = await runSynctl(['capture', '-c', config, '--offline', `${m.binlogBasename}.index`, '--to', '-', '--state', path.join(dir, 'cap-state')]);
    expectExitOk(cap, 'capture');

    const run = await runSynctl(['exec', '-c', config, '--from', '-'], cap.stdout);
    expectExitOk(run, 'exec to SQL Server');
    expect(run.stderr).not.toMatch(/WARN|ERROR/);
    const after = await msRows();
    expect(after).toHaveLength(3);

    const again = await runSynctl(['exec', '-c', config, '--from', '-'], cap.stdout);
    expectExitOk(again, 'exec replay');
    expect(await msRows()).toEqual(after);
    const ck = await pool.request().query('SELECT TRX_COUNT FROM [synctl].[DMHS_TRXID_TABLE] WHERE SITEID = 23');
    expect(Number(ck.recordset[0]?.['TRX_COUNT'])).toBe(2);

    const v = await runSynctl(['verify', '-c', config, `SCH.NAME='${SRC}'`, '--json']);
    expect({ code: v.code, err: v.stderr }).toEqual({ code: 0, err: expect.any(String) });
  });

  test('copy CREATE|INSERT|INDEX bulk loads a table (exact values; the (max) index left out with a warning); exec bulk loads a 600-row group, and a duplicate sends one change by change', async () => {
    const m = harness().mariadb;
    await my.query(
      `CREATE TABLE ${SRC}.bulk (id INT PRIMARY KEY, amount DECIMAL(38,2), u BIGINT UNSIGNED, note VARCHAR(40), body TEXT, at DATETIME(6), ts TIMESTAMP(6) NULL, raw BLOB, KEY k_note (note), KEY k_body (body(20))) CHARACTER SET utf8mb4`,
    );
    const row = (id: number) => [id, `${id}23456789012345678901234567890.${String(id % 100).padStart(2, '0')}`, `${18446744073709551615n - BigInt(id)}`, `n'${id} é😀`, 'x'.repeat(id % 5000), `2026-11-21 10:00:00.${String(id).padStart(6, '0')}`, `2026-01-0${1 + (id % 9)} 00:00:00.000001`, Buffer.from([id & 255, 0, 255])];
    await my.query(`INSERT INTO ${SRC}.bulk VALUES ?`, [Array.from({ length: 1200 }, (_, i) => row(i + 1))]);
    const config = siteConfig(24);
    expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', config]), 'copy DICT');
    const copy = await runSynctl(['copy', '0', `SCH.NAME='${SRC}' AND TAB.NAME='bulk'`, 'CREATE|INSERT|INDEX|ROWS|500', '-c', config]);
    expectExitOk(copy, 'copy CREATE|INSERT|INDEX into SQL Server');
    expect(copy.stderr).toMatch(/index k_body on \[ms_dst\]\.\[bulk\] left out: SQL Server cannot index body \(nvarchar\(max\)\)/);
    const idx = await pool.request().query(`SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(N'[${DST}].[bulk]') AND name IS NOT NULL ORDER BY name`);
    expect(idx.recordset.map((r) => r['name'])).toEqual(expect.arrayContaining(['k_note']));
    expect(idx.recordset.map((r) => r['name'])).not.toContain('k_body');
    const seq = await pool.request().query(`SELECT STATUS, CHUNKS_DONE FROM [synctl].[DMHS_TABLE_SEQID] WHERE SCHEMA_NAME = N'${DST}' AND TABLE_NAME = N'bulk'`);
    expect(seq.recordset[0]?.['STATUS']).toBe('done');
    const exact = await pool.request().query(`SELECT CAST(amount AS varchar(50)) AS amount, CAST(u AS varchar(30)) AS u, note, CONVERT(varchar(30), at, 121) AS at FROM [${DST}].[bulk] WHERE id = 7`);
    expect(exact.recordset[0]).toEqual({ amount: '723456789012345678901234567890.07', u: '18446744073709551608', note: "n'7 é😀", at: '2026-11-21 10:00:00.000007' });

    // exec: one transaction of 600 inserts (the bulk path), then one of 600 with a row SQL Server has already
    const start = await binlogEnd(my);
    await my.query(`INSERT INTO ${SRC}.bulk VALUES ?`, [Array.from({ length: 600 }, (_, i) => row(2001 + i))]);
    await my.query(`INSERT INTO ${SRC}.bulk VALUES ?`, [Array.from({ length: 600 }, (_, i) => row(3001 + i))]);
    await my.query('FLUSH BINARY LOGS');
    await pool.request().batch(`INSERT INTO [${DST}].[bulk] (id, note) VALUES (3300, N'already here')`);
    const cap = await runSynctl(['capture', '-c', config, '--offline', `${m.binlogBasename}.index`, '--start', start, '--to', '-', '--state', path.join(dir, 'cap-bulk')]);
    expectExitOk(cap, 'capture');
    const run = await runSynctl(['exec', '-c', config, '--from', '-'], cap.stdout);
    expectExitOk(run, 'exec bulk to SQL Server');
    expect(run.stderr).toMatch(/key \(id=3300\).*the row already exists: overwritten with the source row/);
    const n = await pool.request().query(`SELECT COUNT(*) AS n FROM [${DST}].[bulk]`);
    expect(n.recordset[0]?.['n']).toBe(2400);
    const v = await runSynctl(['verify', '-c', config, `SCH.NAME='${SRC}' AND TAB.NAME='bulk'`]);
    expectExitOk(v, 'verify MariaDB -> SQL Server after copy and exec bulk');
  });

  test('PG -> SQL Server: copy CREATE|INSERT|INDEX creates the table through the PostgreSQL type map and bulk loads it; verify finds both equal', async () => {
    await createDatabase('postgres', PG_SRC);
    const pg = await pgConnect({ database: PG_SRC });
    try {
      await pg.query('CREATE SCHEMA app');
      await pg.query(`CREATE TABLE app.every (
        id int PRIMARY KEY, sm smallint, big bigint, f8 float8, n numeric(12,2), nn numeric, flag boolean, b bytea,
        vc varchar(20), ch char(5), txt text, d date, tm time, ts timestamp, tz timestamptz, j jsonb, u uuid,
        arr int[], iv interval, ip inet)`);
      await pg.query('CREATE INDEX every_txt ON app.every (txt)');
      await pg.query('CREATE INDEX every_part ON app.every (big) WHERE big > 0');
      await pg.query(`INSERT INTO app.every
        SELECT i, (i % 30000)::smallint, -9007199254740993 * (i % 3 - 1), i / 7.0, i * 1.25 - 100, CASE WHEN i % 10 = 0 THEN 'NaN' ELSE i::numeric / 8 END,
               i % 2 = 0, decode(lpad(to_hex(i), 8, '0') || '00ff', 'hex'), 'v' || i || ' é😀', 'c' || (i % 100), 'line ' || i || E'\t中',
               date '2000-02-28' + i, time '00:00:01.5' + i * interval '1 min', timestamp '1999-12-31 23:59:59.123456' + i * interval '1 day',
               timestamptz '2024-03-01 12:00:00.123456+02' + i * interval '1 hour 17 min', jsonb_build_object('i', i, 'tags', jsonb_build_array(i, 'x', NULL)),
               md5(i::text)::uuid, ARRAY[i, NULL], i * interval '1 day 1 sec', ('10.0.' || (i % 256) || '.0/' || (16 + i % 17))::inet
          FROM generate_series(1, 2000) i`);
      await pg.query('INSERT INTO app.every (id) VALUES (0)');
    } finally {
      await pg.end();
    }
    const config = pgSiteConfig();
    const copy = await runSynctl(['copy', '0', "SCH.NAME='app' AND TAB.NAME='every'", 'CREATE|INSERT|INDEX|ROWS|500', '-c', config]);
    expectExitOk(copy, 'copy PG -> SQL Server');
    const types = await pool.request().query(
      `SELECT c.name, TYPE_NAME(c.system_type_id) AS t, c.max_length FROM sys.columns c WHERE c.object_id = OBJECT_ID(N'[${PG_DST}].[every]') AND c.name IN ('nn', 'ch', 'txt', 'tz', 'u') ORDER BY c.name`,
    );
    expect(types.recordset).toEqual([
      { name: 'ch', t: 'nchar', max_length: 20 },
      { name: 'nn', t: 'nvarchar', max_length: -1 },
      { name: 'txt', t: 'nvarchar', max_length: 900 },
      { name: 'tz', t: 'datetimeoffset', max_length: 10 },
      { name: 'u', t: 'uniqueidentifier', max_length: 16 },
    ]);
    const idx = await pool.request().query(`SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(N'[${PG_DST}].[every]') AND name IS NOT NULL AND is_primary_key = 0`);
    expect(idx.recordset.map((r) => r['name'])).toEqual(['every_txt']); // the partial index is not rebuilt
    // numeric without a precision as its PostgreSQL text; timestamptz the instant at +00:00; time with 6 digits
    const exact = await pool
      .request()
      .query(
        `SELECT nn, CONVERT(char(19), CAST(tz AS datetime2(7)), 120) AS tz, DATEPART(microsecond, tz) AS tz_us, DATEPART(TZOFFSET, tz) AS tz_off,` +
          ` LOWER(CAST(u AS char(36))) AS u, CONVERT(char(8), tm, 108) AS tm, DATEPART(microsecond, tm) AS tm_us FROM [${PG_DST}].[every] WHERE id IN (7, 10) ORDER BY id`,
      );
    expect(exact.recordset[0]).toEqual({ nn: '0.87500000000000000000', tz: '2024-03-01 18:59:00', tz_us: 123456, tz_off: 0, u: '8f14e45f-ceea-167a-5a36-dedd4bea2543', tm: '00:07:01', tm_us: 500000 });
    expect(exact.recordset[1]?.['nn']).toBe('NaN');
    const v = await runSynctl(['verify', '-c', config, "SCH.NAME='app' AND TAB.NAME='every'"]);
    expectExitOk(v, 'verify PostgreSQL -> SQL Server after copy');
  });
});
