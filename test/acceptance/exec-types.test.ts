/**
 * Exec applies captured MariaDB changes to PostgreSQL and to another MariaDB database:
 * capture reads the binlog (offline), frames go over a pipe, exec applies them. On
 * PostgreSQL every value must equal what PostgreSQL stores when the same value is written
 * to it directly (a reference table filled by hand); on MariaDB the target must equal the
 * source (synctl verify). A second run of the same frames changes nothing (exactly once).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { captureFrames } from '../support/offline-capture';
import { writeSite, type Engine } from '../support/site';
import { expectExitOk, requireBuiltCli, runSynctl } from '../support/synctl-process';

const SRC = 'ex_src';
const DST = 'ex_dst'; // MariaDB database, and the schema inside the PostgreSQL database PGDB
const PGDB = 'ex_pg';
let my: Connection;
let pg: Client;
let dir: string;

const MY_TABLE = `CREATE TABLE %s.types (
  id INT PRIMARY KEY, u BIGINT UNSIGNED, amount DECIMAL(12,2), f FLOAT, d DOUBLE, flag TINYINT(1), small SMALLINT,
  note VARCHAR(40), latin VARCHAR(20) CHARACTER SET latin1, at DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, dt DATE,
  tm TIME(3), raw BLOB, b BIT(5), j JSON, e ENUM('small','large'), y YEAR, fixed CHAR(5), i4 INET4, i6 INET6) CHARACTER SET utf8mb4`;

const PG_TABLE = `CREATE TABLE %s (
  id integer PRIMARY KEY, u numeric(20), amount numeric(12,2), f real, d double precision, flag boolean, small smallint,
  note varchar(40), latin varchar(20), at timestamp(6), ts timestamptz(6), dt date,
  tm time(3), raw bytea, b bit varying(5), j jsonb, e text, y smallint, fixed char(5), i4 inet, i6 inet)`;

/** Source rows (MariaDB literals) and how PostgreSQL stores the same values written directly. */
const ROWS: { my: string; pg: string }[] = [
  {
    my: "1, 18446744073709551615, -1234567890.12, 0.1, 0.1, 1, -32768, 'héllo ✓ 😀', 'café', '2026-11-21 10:00:00.123456', '2026-11-21 10:00:00.000001', '2024-02-29', '23:59:59.999', X'00FF10', b'10101', '{\"b\": [1, 2.50, null], \"a\": \"x\"}', 'large', 2155, 'ab', '10.0.0.1', '::ffff:1.2.3.4'",
    pg: "1, 18446744073709551615, -1234567890.12, 0.1, 0.1, true, -32768, 'héllo ✓ 😀', 'café', '2026-11-21 10:00:00.123456', '2026-11-21 10:00:00.000001+00', '2024-02-29', '23:59:59.999', '\\x00ff10', B'10101', '{\"b\": [1, 2.50, null], \"a\": \"x\"}', 'large', 2155, 'ab', '10.0.0.1', '::ffff:1.2.3.4'",
  },
  {
    my: "2, 0, 0.00, -3.4028235e38, 1.7976931348623157e308, 0, 0, '', 'x''y', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '0000-00-00', '00:00:00', X'', b'00000', '[]', 'small', 1901, 'abcde', '0.0.0.0', '2001:db8::ff00:42:8329'",
    pg: "2, 0, 0.00, -3.4028235e38, 1.7976931348623157e308, false, 0, '', 'x''y', '1000-01-01 00:00:00', '1970-01-01 00:00:01+00', NULL, '00:00:00', '\\x', B'00000', '[]', 'small', 1901, 'abcde', '0.0.0.0', '2001:db8::ff00:42:8329'",
  },
  {
    my: '3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    pg: '3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
  },
];

function siteConfig(name: string, engine: Engine): string {
  return writeSite(path.join(dir, `${name}.hs`), {
    siteid: 21,
    cpt: '<ddl_mask>0</ddl_mask>',
    link: { stdio: true },
    enable: [`${SRC}.*`],
    map: `${SRC}.* == ${DST}.*`,
    exec: engine === 'postgres' ? { engine, db: PGDB } : { engine },
  });
}

beforeAll(async () => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(harness().tmpDir, 'exec-types-'));
  await createDatabase('mariadb', SRC);
  await createDatabase('mariadb', DST);
  await createDatabase('postgres', PGDB);
  my = await mariaConnect();
  await my.query("SET SESSION sql_mode = '', time_zone = '+00:00'");
  pg = await pgConnect({ database: PGDB });
  await pg.query("SET TimeZone = 'UTC'");
  await pg.query(`CREATE SCHEMA ${DST}`);
  await pg.query(PG_TABLE.replace('%s', `${DST}.types`));
  await pg.query(PG_TABLE.replace('%s', `${DST}.types_ref`));
  await my.query(MY_TABLE.replace('%s', SRC));
  await my.query(MY_TABLE.replace('%s', DST));
});

afterAll(async () => {
  await my?.end();
  await pg?.end();
  await dropDatabase('mariadb', SRC);
  await dropDatabase('mariadb', DST);
  await dropDatabase('postgres', PGDB);
});

async function pgRows(table: string): Promise<string[]> {
  const r = await pg.query<{ t: string }>(`SELECT t::text AS t FROM ${DST}.${table} t ORDER BY id`);
  return r.rows.map((x) => x.t);
}

test('MariaDB to PostgreSQL and to MariaDB: every value as the target stores it written directly; a replay changes nothing', async () => {
  for (const r of ROWS) await my.query(`INSERT INTO ${SRC}.types VALUES (${r.my})`);
  for (const r of ROWS) await pg.query(`INSERT INTO ${DST}.types_ref VALUES (${r.pg})`);
  // changes after the inserts: an update of some columns, a key change, a delete, one more insert
  await my.query(`UPDATE ${SRC}.types SET note = 'updated', amount = amount + 1 WHERE id = 1`);
  await pg.query(`UPDATE ${DST}.types_ref SET note = 'updated', amount = amount + 1 WHERE id = 1`);
  await my.query(`UPDATE ${SRC}.types SET id = 30 WHERE id = 3`);
  await pg.query(`UPDATE ${DST}.types_ref SET id = 30 WHERE id = 3`);
  await my.query(`INSERT INTO ${SRC}.types (id, note) VALUES (4, 'gone soon'), (5, 'stays')`);
  await pg.query(`INSERT INTO ${DST}.types_ref (id, note) VALUES (5, 'stays')`);
  await my.query(`DELETE FROM ${SRC}.types WHERE id = 4`);
  await my.query('FLUSH BINARY LOGS');

  const pgConfig = siteConfig('to-pg', 'postgres');
  const dict = await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', pgConfig]);
  expectExitOk(dict, 'copy DICT');
  const frames = await captureFrames(pgConfig, path.join(dir, 'cap-state'));
  expect(frames.length).toBeGreaterThan(0);

  const toPg = await runSynctl(['exec', '-c', pgConfig, '--from', '-'], frames);
  expectExitOk(toPg, 'exec to PostgreSQL');
  expect(toPg.stderr).not.toMatch(/WARN|ERROR/);
  expect(await pgRows('types')).toEqual(await pgRows('types_ref'));

  // the same frames again: exec's checkpoint (DMHS_TRXID_TABLE) skips every one
  const again = await runSynctl(['exec', '-c', pgConfig, '--from', '-'], frames);
  expectExitOk(again, 'exec replay');
  expect(again.stderr).not.toMatch(/WARN|ERROR/);
  expect(await pgRows('types')).toEqual(await pgRows('types_ref'));
  const ck = await pg.query<{ siteid: number; trx_count: string; pos: string }>('SELECT siteid, trx_count, pos FROM synctl.dmhs_trxid_table');
  expect(ck.rows).toHaveLength(1);
  expect(ck.rows[0]!.siteid).toBe(21);
  expect(Number(ck.rows[0]!.trx_count)).toBe(ROWS.length + 4);

  // MariaDB to MariaDB: verify proves the target equals the source
  const myConfig = siteConfig('to-maria', 'mariadb');
  fs.mkdirSync(path.join(dir, 'DICT'), { recursive: true });
  const toMy = await runSynctl(['exec', '-c', myConfig, '--from', '-'], frames);
  expectExitOk(toMy, 'exec to MariaDB');
  expect(toMy.stderr).not.toMatch(/WARN|ERROR/);
  const v = await runSynctl(['verify', '-c', myConfig, `SCH.NAME='${SRC}'`]);
  expect({ code: v.code, out: v.stdout.toString() + v.stderr }).toEqual({ code: 0, out: expect.any(String) });
});
