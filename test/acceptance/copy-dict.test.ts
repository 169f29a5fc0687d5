/**
 * COPY ... DICT against the real harness MariaDB: the dictionary builder reads every column
 * as the server reports it, its mysqlTypeCode is what the server writes in TABLE_MAP (read
 * from the binlog file itself), the condition's SQL fragment selects exactly what its
 * evaluator selects, and `synctl copy` works end to end from a dmhs.hs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { copyCommand } from '../../src/cli/commands/copy';
import { parseCondition } from '../../src/dict/condition';
import type { DictColumn, DictionaryEntry } from '../../src/dict/entry';
import { introspectMysql, readBinlogPosition, toTableDescriptor, type CatalogSnapshot } from '../../src/dict/mysql-introspect';
import { DictStore } from '../../src/dict/store';
import { isSynctlError } from '../../src/errors';
import { comparePositions } from '../../src/model/position';
import { createDatabase, dropDatabase, harness, mariaConnect } from '../harness';
import { writeSite } from '../support/site';

const DB = 'copy_dict_types';
const NAMES_DB = 'copy_dict_names';

const TABLES = [
  `CREATE TABLE all_types (
     id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
     ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, bi BIGINT NOT NULL, bu BIGINT UNSIGNED,
     fl FLOAT, db DOUBLE, dec1 DECIMAL(12,4) NOT NULL DEFAULT 0,
     vc VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
     ch CHAR(10) CHARACTER SET latin1,
     gb TEXT CHARACTER SET gbk,
     bn BINARY(4), vb VARBINARY(8),
     en ENUM('a','b,c','it''s','x\\\\y') NOT NULL DEFAULT 'a',
     st SET('x','y','z''w'),
     js JSON,
     dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), dd DATE, yr YEAR,
     bt BIT(5),
     bl BLOB, mt MEDIUMTEXT, lb LONGBLOB,
     geo GEOMETRY,
     uu UUID, i6 INET6,
     cz VARCHAR(100) COMPRESSED, tz TEXT COMPRESSED,
     gen INT AS (id * 2) VIRTUAL,
     gst VARCHAR(50) AS (CONCAT(vc, 'x')) PERSISTENT,
     hid INT INVISIBLE
   )`,
  // no PK: a nullable unique key first, then a NOT NULL one (the one that identifies rows)
  `CREATE TABLE no_pk (x INT NULL, a INT NOT NULL, b VARCHAR(10) NOT NULL, c TEXT,
     UNIQUE KEY u_nullable (x), UNIQUE KEY u_nn (a, b), KEY k_c (c(10)))`,
  `CREATE TABLE composite_pk (k1 INT NOT NULL, k2 VARCHAR(8) NOT NULL, v INT, PRIMARY KEY (k2, k1))`,
  `CREATE TABLE no_key (a INT, b INT)`,
  `CREATE VIEW v_all AS SELECT id FROM all_types`,
];

/** What the server is expected to report, column by column (subset of DictColumn). */
const EXPECTED_ALL_TYPES: Record<string, Partial<DictColumn>> = {
  id: { dataType: 'int', columnType: 'int(10) unsigned', mysqlTypeCode: 3, unsigned: true, nullable: false, key: true, autoIncrement: true },
  ti: { dataType: 'tinyint', columnType: 'tinyint(4)', mysqlTypeCode: 1, unsigned: false, nullable: true, key: false },
  si: { dataType: 'smallint', columnType: 'smallint(5) unsigned', mysqlTypeCode: 2, unsigned: true },
  mi: { dataType: 'mediumint', mysqlTypeCode: 9 },
  bi: { dataType: 'bigint', columnType: 'bigint(20)', mysqlTypeCode: 8, unsigned: false, nullable: false },
  bu: { dataType: 'bigint', columnType: 'bigint(20) unsigned', mysqlTypeCode: 8, unsigned: true },
  fl: { dataType: 'float', mysqlTypeCode: 4 },
  db: { dataType: 'double', mysqlTypeCode: 5 },
  dec1: { dataType: 'decimal', columnType: 'decimal(12,4)', mysqlTypeCode: 246, precision: 12, scale: 4, nullable: false },
  vc: { dataType: 'varchar', columnType: 'varchar(40)', mysqlTypeCode: 15, charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', charLength: 40, octetLength: 160 },
  ch: { dataType: 'char', columnType: 'char(10)', mysqlTypeCode: 254, mysqlRealType: 254, charset: 'latin1', collation: 'latin1_swedish_ci', collationId: 8 },
  gb: { dataType: 'text', mysqlTypeCode: 252, charset: 'gbk', collation: 'gbk_chinese_ci', collationId: 28 },
  bn: { dataType: 'binary', columnType: 'binary(4)', mysqlTypeCode: 254, mysqlRealType: 254 },
  vb: { dataType: 'varbinary', mysqlTypeCode: 15 },
  en: { dataType: 'enum', mysqlTypeCode: 254, mysqlRealType: 247, enumValues: ['a', 'b,c', "it's", 'x\\y'], nullable: false, charset: 'utf8mb4' },
  st: { dataType: 'set', mysqlTypeCode: 254, mysqlRealType: 248, setValues: ['x', 'y', "z'w"] },
  // MariaDB's JSON: longtext with a CHECK (json_valid(`js`)), binlogged as a BLOB
  js: { dataType: 'longtext', columnType: 'json', mysqlTypeCode: 252, charset: 'utf8mb4', collation: 'utf8mb4_bin' },
  dt: { dataType: 'datetime', columnType: 'datetime(6)', mysqlTypeCode: 18, datetimePrecision: 6 },
  ts: { dataType: 'timestamp', columnType: 'timestamp(3)', mysqlTypeCode: 17, datetimePrecision: 3, nullable: true },
  tm: { dataType: 'time', columnType: 'time(2)', mysqlTypeCode: 19, datetimePrecision: 2 },
  dd: { dataType: 'date', mysqlTypeCode: 10 },
  yr: { dataType: 'year', mysqlTypeCode: 13 },
  bt: { dataType: 'bit', columnType: 'bit(5)', mysqlTypeCode: 16, precision: 5 },
  bl: { dataType: 'blob', mysqlTypeCode: 252 },
  mt: { dataType: 'mediumtext', mysqlTypeCode: 252, charset: 'utf8mb4' },
  lb: { dataType: 'longblob', mysqlTypeCode: 252 },
  geo: { dataType: 'geometry', mysqlTypeCode: 255 },
  uu: { dataType: 'uuid', mysqlTypeCode: 254 },
  i6: { dataType: 'inet6', mysqlTypeCode: 254 },
  cz: { dataType: 'varchar', columnType: 'varchar(100)', mysqlTypeCode: 141 },
  tz: { dataType: 'text', columnType: 'text', mysqlTypeCode: 140 },
  gen: { dataType: 'int', generated: 'virtual', invisible: false },
  gst: { dataType: 'varchar', generated: 'stored' },
  hid: { dataType: 'int', invisible: true },
};

let conn: Connection;
let snapshot: CatalogSnapshot;
let tmp: string;

function entry(table: string): DictionaryEntry {
  const e = snapshot.entries.find((x) => x.schema === DB && x.table === table);
  if (!e) throw new Error(`no entry for ${table}`);
  return e;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-copy-dict-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect({ database: DB });
  for (const sql of TABLES) await conn.query(sql);
  const before = await readBinlogPosition(conn, 'mariadb');
  snapshot = await introspectMysql(conn, parseCondition(`SCH.NAME='${DB}'`), { source: 'MARIADB' });
  const after = await readBinlogPosition(conn, 'mariadb');
  // the catalog read is valid at a position after our DDL (other test files may write meanwhile)
  expect(comparePositions(snapshot.position, before)).toBeGreaterThanOrEqual(0);
  expect(comparePositions(snapshot.position, after)).toBeLessThanOrEqual(0);
  expect(snapshot.position.gtid).toMatch(/^\d+-\d+-\d+/);
});

afterAll(async () => {
  await conn?.end();
  fs.rmSync(tmp, { recursive: true, force: true });
  await dropDatabase('mariadb', DB).catch(() => undefined);
  await dropDatabase('mariadb', NAMES_DB).catch(() => undefined);
});

test('base tables only (the view is left out), sorted', () => {
  expect(snapshot.flavor).toBe('mariadb');
  expect(snapshot.entries.map((e) => e.table)).toEqual(['all_types', 'composite_pk', 'no_key', 'no_pk']);
});

test('every column of all_types is what the server reports', async () => {
  const e = entry('all_types');
  expect(e.columns.map((c) => c.name)).toEqual(Object.keys(EXPECTED_ALL_TYPES));
  for (const c of e.columns) expect(c).toMatchObject({ name: c.name, ...EXPECTED_ALL_TYPES[c.name] });
  expect(e.primaryKey).toEqual(['id']);
  expect(e.rowKey).toBe('PRIMARY');

  // and against information_schema, column by column
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT c.COLUMN_NAME n, c.ORDINAL_POSITION o, c.DATA_TYPE t, c.IS_NULLABLE nl, c.CHARACTER_SET_NAME cs, c.COLLATION_NAME cl, co.ID id
       FROM information_schema.COLUMNS c LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME
      WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = 'all_types' ORDER BY c.ORDINAL_POSITION`,
    [DB],
  );
  expect(rows).toHaveLength(e.columns.length);
  rows.forEach((r, i) => {
    const c = e.columns[i]!;
    expect([c.name, c.ordinal, c.dataType, c.nullable, c.charset ?? null, c.collation ?? null, c.collationId ?? null]).toEqual([
      r.n,
      Number(r.o),
      r.t,
      r.nl === 'YES',
      r.cs,
      r.cl,
      r.id === null ? null : Number(r.id),
    ]);
  });
});

test('keys: composite PK in key order; first NOT NULL unique key without a PK; none at all', () => {
  const cpk = entry('composite_pk');
  expect(cpk.primaryKey).toEqual(['k2', 'k1']);
  expect(cpk.columns.filter((c) => c.key).map((c) => c.name)).toEqual(['k1', 'k2']);

  const nopk = entry('no_pk');
  expect(nopk.primaryKey).toEqual([]);
  expect(nopk.rowKey).toBe('u_nn');
  expect(nopk.columns.filter((c) => c.key).map((c) => c.name)).toEqual(['a', 'b']);
  expect(nopk.uniqueKeys).toEqual(
    expect.arrayContaining([
      { name: 'u_nn', columns: ['a', 'b'], identifying: true },
      { name: 'u_nullable', columns: ['x'], identifying: false },
    ]),
  );
  expect(nopk.uniqueKeys).toHaveLength(2);

  const nokey = entry('no_key');
  expect(nokey.rowKey).toBe('');
  expect(nokey.columns.some((c) => c.key)).toBe(false);
});

test('TableDescriptor conversion', () => {
  const d = toTableDescriptor(entry('composite_pk'));
  expect(d).toEqual({
    schema: DB,
    table: 'composite_pk',
    columns: [
      { name: 'k1', type: 'int(11)', key: true, nullable: false },
      { name: 'k2', type: 'varchar(8)', key: true, nullable: false, charset: 'utf8mb4' },
      { name: 'v', type: 'int(11)', key: false, nullable: true },
    ],
  });
});

// ---------------------------------------------------------------------------------------------
// TABLE_MAP as the server writes it

interface TableMap {
  schema: string;
  table: string;
  types: number[];
  /** per column: for STRING (254) the real type from the metadata, else the type */
  realTypes: number[];
}

function lenenc(buf: Buffer, pos: number): [number, number] {
  const b = buf[pos]!;
  if (b < 0xfb) return [b, pos + 1];
  if (b === 0xfc) return [buf.readUInt16LE(pos + 1), pos + 3];
  if (b === 0xfd) return [buf.readUIntLE(pos + 1, 3), pos + 4];
  return [Number(buf.readBigUInt64LE(pos + 1)), pos + 9];
}

/** Bytes of TABLE_MAP metadata per column type (MySQL/MariaDB log_event.cc). */
function metaSize(type: number): number {
  if ([4, 5, 252, 255, 245, 17, 18, 19, 140].includes(type)) return 1;
  if ([15, 253, 16, 246, 254, 247, 248, 0, 141].includes(type)) return 2;
  return 0;
}

/** Every TABLE_MAP event of a binlog file (events are scanned by their length; checksums skipped). */
function readTableMaps(file: string): TableMap[] {
  const buf = fs.readFileSync(file);
  expect(buf.subarray(0, 4).toString('latin1')).toBe('\xfebin');
  const out: TableMap[] = [];
  let at = 4;
  while (at + 19 <= buf.length) {
    const type = buf[at + 4]!;
    const size = buf.readUInt32LE(at + 9);
    if (size < 19 || at + size > buf.length) break; // an event still being written
    if (type === 19) {
      let p = at + 19 + 8; // table id (6) + flags (2)
      const sl = buf[p]!;
      const schema = buf.subarray(p + 1, p + 1 + sl).toString('utf8');
      p += 1 + sl + 1;
      const tl = buf[p]!;
      const table = buf.subarray(p + 1, p + 1 + tl).toString('utf8');
      p += 1 + tl + 1;
      let n: number;
      [n, p] = lenenc(buf, p);
      const types = [...buf.subarray(p, p + n)];
      p += n;
      [, p] = lenenc(buf, p);
      const realTypes = types.map((t) => {
        const size = metaSize(t);
        const rt = t === 254 ? buf[p]! | 0x30 : t; // the high-bits trick: real type | 0x30 (ENUM 0xf7, SET 0xf8, STRING 0xfe)
        p += size;
        return rt;
      });
      out.push({ schema, table, types, realTypes });
    }
    at += size;
  }
  return out;
}

test("mysqlTypeCode is the type the server writes in TABLE_MAP (binlog read directly)", async () => {
  await conn.query(`INSERT INTO all_types (bi, vc, ch, gb, en, dt, geo, uu, i6, cz, tz) VALUES
    (1, 'x', 'y', 'z', 'b,c', '2024-01-02 03:04:05.123456', ST_GeomFromText('POINT(1 2)'), UUID(), '::1', 'compressed', 'tz')`);
  await conn.query(`INSERT INTO no_pk (a, b) VALUES (1, 'b')`);
  await conn.query(`INSERT INTO composite_pk VALUES (1, 'k', 2)`);
  await conn.query(`INSERT INTO no_key VALUES (1, 2)`);
  const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const last = String(logs[logs.length - 1]!.Log_name);
  const file = path.join(path.dirname(harness().mariadb.binlogBasename), last);
  const maps = readTableMaps(file).filter((m) => m.schema === DB);
  for (const e of snapshot.entries) {
    const m = maps.filter((x) => x.table === e.table).pop();
    if (!m) throw new Error(`no TABLE_MAP for ${e.table} in ${file}`);
    const cols = [...e.columns].sort((a, b) => a.ordinal - b.ordinal);
    expect({ table: e.table, types: cols.map((c) => c.mysqlTypeCode) }).toEqual({ table: e.table, types: m.types });
    expect({ table: e.table, real: cols.map((c) => c.mysqlRealType) }).toEqual({ table: e.table, real: m.realTypes });
  }
});

// ---------------------------------------------------------------------------------------------
// condition: SQL fragment and evaluator agree on a real catalog

test('the condition SQL fragment selects exactly what the evaluator selects', async () => {
  await createDatabase('mariadb', NAMES_DB);
  const c = await mariaConnect({ database: NAMES_DB });
  try {
    const names = ['T1', 't1', 'ORDERS', 'ORDERS_TMP', 'ORDERSXTMP', 'a%b', 'axb', 'a_b', 'été', 'Été', "it's", 'x\\y', 'xy', 'T1 x'];
    for (const n of names) await c.query(`CREATE TABLE \`${n}\` (id INT PRIMARY KEY)`);
    const [all] = await c.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA s, TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?)`,
      [NAMES_DB, DB],
    );
    expect(all.length).toBe(names.length + 5);
    const conditions = [
      `SCH.NAME='${NAMES_DB}'`,
      `SCH.NAME='${NAMES_DB.toUpperCase()}'`,
      "TAB.NAME='T1'",
      "TAB.NAME='t1'",
      "TAB.NAME='T1 '",
      "TAB.NAME!='T1 '",
      "TAB.NAME<>'T1'",
      "TAB.NAME IN ('T1','été','it''s')",
      "TAB.NAME=('ORDERS','Été')",
      "TAB.NAME NOT IN ('T1','t1')",
      "TAB.NAME LIKE 'ORDERS_TMP'",
      "TAB.NAME LIKE 'ORDERS\\_TMP'",
      "TAB.NAME LIKE 'a\\%b'",
      "TAB.NAME LIKE 'a_b'",
      "TAB.NAME LIKE '_té'",
      "TAB.NAME LIKE 'é%'",
      "TAB.NAME LIKE 't%'",
      "TAB.NAME NOT LIKE '%T%'",
      "TAB.NAME LIKE 'x\\\\y'",
      "TAB.NAME LIKE 'x!y'",
      "TAB.NAME LIKE '%!%'",
      `DB.NAME='${DB}' AND TAB.NAME LIKE 'no%'`,
      `NOT (SCH.NAME='${DB}' OR TAB.NAME LIKE '%T%') AND TAB.NAME != 'xy'`,
      "TAB.NAME LIKE 'T1 %'",
    ];
    for (const text of conditions) {
      const cond = parseCondition(text);
      const f = cond.toSql({ dialect: 'mysql', columns: { DB: 't.TABLE_SCHEMA', SCH: 't.TABLE_SCHEMA', TAB: 't.TABLE_NAME' } });
      const [rows] = await c.query<RowDataPacket[]>(
        `SELECT t.TABLE_SCHEMA s, t.TABLE_NAME n FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA IN (?, ?) AND ${f.sql}`,
        [NAMES_DB, DB, ...f.params],
      );
      const viaSql = rows.map((r) => `${r.s}.${r.n}`).sort();
      const viaJs = all.filter((r) => cond.matches({ db: r.s, schema: r.s, table: r.t })).map((r) => `${r.s}.${r.t}`).sort();
      expect({ text, rows: viaSql }).toEqual({ text, rows: viaJs });
    }
    // a few that must select something, so the comparison above is not vacuous
    const count = (t: string) => all.filter((r) => parseCondition(t).matches({ db: r.s, schema: r.s, table: r.t })).length;
    expect(count("TAB.NAME='T1'")).toBe(1);
    expect(count("TAB.NAME LIKE 'a_b'")).toBe(3);
    expect(count("TAB.NAME LIKE '_té'")).toBe(2);
  } finally {
    await c.end();
  }
});

// ---------------------------------------------------------------------------------------------
// the CLI function end to end

/** a site with a send and no exec; `dbType` names the harness MariaDB as another source type */
const writeConfig = (dir: string, dbType = 'MARIADB'): string =>
  writeSite(path.join(dir, 'dmhs.hs'), { siteid: 7, srcType: dbType, link: { port: 5546 } });

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await fn();
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('synctl copy', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(tmp, 'site-'));
    config = writeConfig(dir);
  });

  test('DICT saves one version per table in DICT/ beside the config and prints a summary', async () => {
    const condition = `SCH.NAME='${DB}' AND TAB.NAME IN ('all_types','no_pk','no_key')`;
    const r = await capture(() => copyCommand({ config, sendIndex: 0, condition, masks: 'DICT' }));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/all_types\s.*\s34\s.*PK\(id\)\s.*saved/);
    expect(r.out).toMatch(/no_pk\s.*UNIQUE u_nn/);
    expect(r.out).toMatch(/no_key\s.*\(none\)/);
    expect(r.out).toMatch(/^position: binlog:mariadb-bin\.\d+:\d+:0-1-\d+$/m);
    expect(r.out).toContain('warning: 1 table has no primary key and no NOT NULL unique key');

    const store = new DictStore(path.join(dir, 'DICT'));
    expect(await store.listTables()).toEqual([
      { schema: DB, table: 'all_types' },
      { schema: DB, table: 'no_key' },
      { schema: DB, table: 'no_pk' },
    ]);
    const latest = (await store.latest(DB, 'all_types'))!;
    expect(latest.origin).toBe('copy');
    expect(latest.entry.columns.find((c) => c.name === 'en')!.enumValues).toEqual(['a', 'b,c', "it's", 'x\\y']);
    expect((await store.versionAt(DB, 'all_types', latest.position))!.file).toBe(latest.file);

    // a second run with no DDL in between writes nothing new
    const again = await capture(() => copyCommand({ config, sendIndex: 1, condition, masks: 'dict' }));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/all_types\s.*unchanged/);
    expect(again.out).toContain('0 new versions');

    // DDL: a new version, the old one still answers for older positions
    await conn.query('ALTER TABLE no_key ADD COLUMN c INT');
    const third = await capture(() => copyCommand({ config, sendIndex: 0, condition, masks: 'DICT' }));
    expect(third.out).toMatch(/no_key\s.*\s3\s.*saved/);
    const versions = await store.listVersions(DB, 'no_key');
    expect(versions).toHaveLength(2);
    expect((await store.versionAt(DB, 'no_key', versions[0]!.position))!.entry.columns).toHaveLength(2);
    expect((await store.versionAt(DB, 'no_key', versions[1]!.position))!.entry.columns).toHaveLength(3);
  });

  test('no matching table: message and exit 1', async () => {
    const r = await capture(() => copyCommand({ config, sendIndex: 0, condition: "SCH.NAME='no_such_schema'", masks: 'DICT' }));
    expect(r.code).toBe(1);
    expect(r.err).toBe("synctl: no table matches SCH.NAME='no_such_schema'\n");
  });

  test('masks not implemented yet are refused honestly, before anything is done', async () => {
    const err = await copyCommand({ config, sendIndex: 0, condition: `SCH.NAME='${DB}'`, masks: 'DICT|UPDATE|BLOB' }).catch((e: unknown) => e);
    expect(isSynctlError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toMatch(/^COPY BLOB: not implemented yet \(implemented: DICT, NOLOCK, LSN, CREATE/);
    const noExec = await copyCommand({ config, sendIndex: 0, condition: `SCH.NAME='${DB}'`, masks: 'DICT|CREATE|INSERT' }).catch((e: unknown) => e);
    expect((noExec as Error).message).toContain("has no <exec> element: COPY CREATE|INSERT writes to the exec side's target database");
    const bad = await copyCommand({ config, sendIndex: 0, condition: `SCH.NAME='${DB}'`, masks: 'DICT|BOGUS' }).catch((e: unknown) => e);
    expect((bad as Error).message).toContain("unknown mask 'BOGUS'");
    const cond = await copyCommand({ config, sendIndex: 0, condition: "SCH.NAME='x' AND", masks: 'DICT' }).catch((e: unknown) => e);
    expect((cond as Error).message).toContain('expected a comparison after AND at column 18');
  });

  test('a send index the config does not have, and PG sources, are usage errors', async () => {
    const err = await copyCommand({ config, sendIndex: 2, condition: `SCH.NAME='${DB}'`, masks: 'DICT' }).catch((e: unknown) => e);
    expect(isSynctlError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toContain('has no send 2 under <cpt> (use 0 or 1)');
    const pgDir = fs.mkdtempSync(path.join(tmp, 'pg-'));
    const pg = writeConfig(pgDir, 'PG');
    const e2 = await copyCommand({ config: pg, sendIndex: 0, condition: `SCH.NAME='public'`, masks: 'DICT' }).catch((e: unknown) => e);
    expect(isSynctlError(e2, 'USAGE')).toBe(true);
    expect((e2 as Error).message).toBe('COPY DICT for a PG source is not implemented yet; only MYSQL and MARIADB sources work today');
    expect(fs.existsSync(path.join(pgDir, 'DICT'))).toBe(false);
  });
});
