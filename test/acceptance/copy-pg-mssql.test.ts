/**
 * COPY from a PostgreSQL source into SQL Server, without a SQL Server (none can run here):
 * tables with every PostgreSQL type family are created on the harness PostgreSQL, read back
 * through the copy's own catalog reading (pg-introspect.ts, plan.ts) and row reading
 * (PgLoadSource: COPY TO STDOUT, pg-source-values.ts), then
 *  - the CREATE TABLE / INDEX T-SQL pgTableDdl renders is checked statement by statement
 *    (type map of mssql-pg-types.ts, the exec site's type_map winning, partial and
 *    expression indexes left out);
 *  - the rows go through the SQL Server bulk path (columns typed as sys.columns shows the
 *    created ones, mssql-bulk-values.ts) and tedious' encoder: the values and bytes that
 *    would be sent; what SQL Server cannot hold fails with one line naming column and value;
 *  - verify compares a column the target keeps as text (inet, bit varying, interval, a
 *    numeric type_map'd to text) by that text: PG -> MariaDB copy, verify equal.
 * The live run against a SQL Server is in mssql-live.test.ts (MSSQL_URL).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import { loadSiteConfig } from '../../src/config/load';
import type { CptConfig, ExecConfig } from '../../src/config/types';
import { parseCondition } from '../../src/dict/condition';
import { introspectPg } from '../../src/dict/pg-introspect';
import { bulkColumnOf, bulkRow, bulkTable, type MssqlBulkColumnRow } from '../../src/dialect/mssql/mssql-bulk-table';
import type { BulkColumnDef, BulkValue } from '../../src/dialect/mssql/mssql-bulk-values';
import { loadMssql, type MssqlModule } from '../../src/dialect/mssql/mssql-session';
import { PgLoadSource } from '../../src/dialect/postgres/pg-source';
import { planTables, type TablePlan } from '../../src/load/plan';
import type { TableDdl } from '../../src/load/target-ddl';
import type { Value } from '../../src/model/value';
import { setLogSink } from '../../src/log';
import { createDatabase, dropDatabase, harness, pgConnect } from '../harness';
import { copyReport, verifyEqual } from '../support/copy-site';
import { dbXml } from '../support/site';
import { requireBuiltCli } from '../support/synctl-process';
import { encodeBulk, le } from '../support/tedious-bulk';

const SRC = 'pgms_src';
const MYDB = 'pgms_my';

let src: Client;
let sql: MssqlModule;

/** `app.*` mapped to schema `dst` of the exec's target (`exec`: its db_* elements) */
function site(name: string, exec: string, dst: string, typeMap: readonly string[]): string {
  const file = path.join(harness().tmpDir, `pgms-${name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>72</siteid></base>
  <cpt>${dbXml('postgres', SRC)}<slot_name>pgms_${name}</slot_name><publication>pgms_${name}_pub</publication>
    <send><ip>127.0.0.1</ip><data_port>15475</data_port><map><item>app.* == ${dst}.*</item></map></send></cpt>
  <exec>${exec}<sys_schema>${dst}</sys_schema><type_map>${typeMap.map((i) => `<item>${i}</item>`).join('')}</type_map><recv><data_port>15476</data_port></recv></exec></dmhs>`,
  );
  return file;
}

/** an exec on a SQL Server that is never connected to: the DDL and the values only */
const MSSQL_EXEC = '<db_type>MSSQL</db_type><db_server>127.0.0.1</db_server><db_port>1433</db_port><db_user>sa</db_user><db_pwd>unused</db_pwd><db_name>dst</db_name>';

interface Opened {
  readonly cpt: CptConfig;
  readonly exec: ExecConfig;
  readonly source: PgLoadSource;
  readonly client: Client;
  readonly plans: Map<string, TablePlan>;
}

/** The copy's view of the source tables (catalog, plan) for a site config, as `synctl copy` builds it. */
async function open(config: string, condition: string): Promise<Opened> {
  const { config: c } = loadSiteConfig(config);
  const client = await pgConnect({ database: SRC });
  const source = new PgLoadSource(c.cpt!, client);
  const cond = parseCondition(condition);
  const { entries } = await introspectPg(client, cond, 'PG');
  const { tables } = await planTables(source, cond, entries, c.cpt!, c.exec!);
  return { cpt: c.cpt!, exec: c.exec!, source, client, plans: new Map(tables.map((p) => [p.entry.table, p])) };
}

/** The DDL of a table, with what it logged. */
async function ddlOf(o: Opened, table: string): Promise<{ ddl: TableDdl; log: string[] }> {
  const log: string[] = [];
  const prev = setLogSink((l) => log.push(l));
  try {
    return { ddl: await o.source.tableDdl('mssql', o.plans.get(table)!, o.exec), log };
  } finally {
    setLogSink(prev);
  }
}

/**
 * What sys.columns shows for each column of a CREATE TABLE the renderer wrote (per the
 * sys.columns documentation: max_length in bytes, -1 for (max), 2 bytes per n-character;
 * scale the fractional digits), as the bulk writer reads it from the created table.
 */
function catalogOf(create: string): MssqlBulkColumnRow[] {
  const rows: MssqlBulkColumnRow[] = [];
  for (const m of create.matchAll(/\[((?:[^\]]|\]\])+)\] ([a-z0-9]+)(?:\((max|\d+)(?:,(\d+))?\))? (NOT NULL|NULL)/g)) {
    const [, name, type, a, b, nullability] = m as unknown as [string, string, string, string | undefined, string | undefined, string];
    const n = a === 'max' ? -1 : a === undefined ? 0 : Number(a);
    const perChar = type.startsWith('n') && type.endsWith('char') ? 2 : 1;
    const scaled = type === 'time' || type === 'datetime2' || type === 'datetimeoffset';
    rows.push({
      c: name.replace(/]]/g, ']'),
      type_name: type,
      max_length: /char|binary/.test(type) ? (n === -1 ? -1 : n * perChar) : 0,
      precision: type === 'decimal' ? n : 0,
      scale: type === 'decimal' ? Number(b ?? 0) : scaled ? n : 0,
      is_nullable: nullability === 'NULL',
      is_identity: false,
      is_computed: false,
    });
  }
  return rows;
}

function bulkColumnsOf(create: string): BulkColumnDef[] {
  return catalogOf(create).map((r) => {
    const c = bulkColumnOf(r);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

/** Every row of a table as the copy reads and converts it (PgLoadSource), in key order. */
async function readRows(o: Opened, table: string): Promise<Value[][]> {
  const p = o.plans.get(table)!;
  const reader = await o.source.open();
  try {
    await reader.startSnapshot({ nolock: false, fresh: false });
    const conv = p.entry.columns.map((c) => o.source.converterFor(c));
    const rows: Value[][] = [];
    const q = o.source.chunkQuery(p.entry, p.entry.columns.map((c) => o.source.quoteIdent(c.name)), p.key, undefined, 1000, undefined);
    await reader.pump(q, (raw) => void rows.push(raw.map((v, i) => conv[i]!(v))));
    await reader.endSnapshot();
    return rows;
  } finally {
    await reader.close();
  }
}

/** One row through the bulk conversions: column name -> value tedious is given (or the error text). */
function bulkValues(cols: readonly BulkColumnDef[], row: readonly Value[]): Record<string, BulkValue | string> {
  const out: Record<string, BulkValue | string> = {};
  cols.forEach((c, i) => {
    try {
      out[c.name] = bulkRow([row[i]!], [c], [0], null)[0]!;
    } catch (e) {
      out[c.name] = `ERROR ${(e as Error).message}`;
    }
  });
  return out;
}

beforeAll(async () => {
  requireBuiltCli();
  sql = await loadMssql();
  await createDatabase('postgres', SRC);
  await createDatabase('mariadb', MYDB);
  src = await pgConnect({ database: SRC });
  await src.query('CREATE SCHEMA app');
  await src.query(`CREATE TABLE app.every (
    id int PRIMARY KEY, sm smallint, big bigint, o oid, f4 real, f8 float8,
    n numeric(12,2), n38 numeric(38,10), nn numeric, nwide numeric(40,2), nneg numeric(5,-2),
    flag boolean, b bytea, vc varchar(20), vbig varchar(3000), vfree varchar, ch char(5), txt text, nm name,
    d date, tm time, tm3 time(3), ts timestamp, ts0 timestamp(0), tz timestamptz, tz3 timestamptz(3),
    j json, jb jsonb, u uuid, arr int[], iv interval, ip inet, bits bit varying(8), rng int4range, ttz timetz)`);
  await src.query('CREATE INDEX every_txt ON app.every (txt)');
  await src.query('CREATE UNIQUE INDEX every_vc_sm ON app.every (vc, sm)');
  await src.query('CREATE INDEX every_b ON app.every (b)');
  await src.query('CREATE INDEX every_part ON app.every (big) WHERE big > 0');
  await src.query('CREATE INDEX every_expr ON app.every (lower(vfree))');
  await src.query(`INSERT INTO app.every VALUES
    (1, -32768, 9223372036854775807, 4294967295, 0.1, 0.1,
     1234567890.12, 1234567890123456789012345678.0123456789, 1.50, 12345678901234567890123456789012345678.25, 12345,
     true, '\\x00ff5c0a', 'héllo 😀', repeat('é', 3000), 'free', 'ab', E'line\\ttab 中 😀', 'a_name',
     '2024-02-29', '23:59:59.999999', '12:00:00.123', '1999-12-31 23:59:59.123456', '2000-01-01 00:00:00',
     '2024-03-01 12:00:00.123456+02', '2024-03-01 12:00:00.5+05:30',
     '{"a": [1, "x"]}', '{"b": null, "a": 1}', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{1,NULL,3}',
     '1 year 2 mons 3 days 04:05:06.789', '10.0.0.0/8', B'0101', '[1,5)', '12:00:00+05:30'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 0, -9223372036854775808, 0, -0, 1e308, -0.01, -0.0000000001, 'NaN', 0, 0,
     false, '\\x', '', '', '', '😀😀😀😀😀', '', '',
     '0001-01-01', '00:00:00', '00:00:00', '0001-01-01 00:00:00', '9999-12-31 23:59:59', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999+00',
     '[]', '{}', '00000000-0000-0000-0000-000000000000', '{}', '-1 days', '::1', B'', 'empty', '00:00:00-14')`);
  // values SQL Server has no type for
  await src.query('CREATE TABLE app.odd (id int PRIMARY KEY, ts timestamp, d date, tm time, f8 float8, n numeric(10,2), tz timestamptz)');
  await src.query(`INSERT INTO app.odd VALUES
    (1, 'infinity', 'infinity', '24:00:00', 'NaN', 'NaN', 'infinity'),
    (2, '-infinity', '-infinity', '00:00:00', 'Infinity', 0, '-infinity'),
    (3, '0044-03-15 12:00:00 BC', '4713-01-01 BC', '00:00:00', '-Infinity', 0, '0044-03-15 12:00:00+00 BC'),
    (4, '10000-01-01 00:00:00', '10000-01-01', '00:00:00', 0, 0, '10000-01-01 00:00:00+00')`);
  await src.query(`CREATE TABLE app.tkey (k text PRIMARY KEY, v int NOT NULL)`);
  await src.query(`INSERT INTO app.tkey VALUES ('short', 1), (repeat('x', 451), 2), (repeat('😀', 226), 3)`);
  await src.query('CREATE TABLE app.texty (id int PRIMARY KEY, ip inet, bits bit varying(8), iv interval, nn numeric)');
  await src.query(`INSERT INTO app.texty VALUES (1, '10.0.0.0/8', B'0101', '1 day 02:00:00', 1.50), (2, '192.168.1.1', B'0', '-00:00:01.5', 'NaN'), (3, NULL, B'', NULL, 100)`);
}, 60_000);

afterAll(async () => {
  await src?.end();
  await dropDatabase('postgres', SRC);
  await dropDatabase('mariadb', MYDB);
});

describe('PG -> SQL Server: CREATE / INDEX T-SQL from the PostgreSQL catalog', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open(site('ddl', MSSQL_EXEC, 'ms', ['ms.every.o == decimal(10,0)', 'interval == nvarchar(100)']), "SCH.NAME='app'");
  });
  afterAll(async () => {
    await o?.client.end();
  });

  test('every type family: exact where SQL Server has the type, PostgreSQL text otherwise; bounded in keys and indexes; type_map wins', async () => {
    const { ddl, log } = await ddlOf(o, 'every');
    expect(ddl.create).toEqual([
      "IF SCHEMA_ID(N'ms') IS NULL EXEC(N'CREATE SCHEMA [ms]')",
      'CREATE TABLE [ms].[every] (' +
        [
          '[id] int NOT NULL',
          '[sm] smallint NULL',
          '[big] bigint NULL',
          '[o] decimal(10,0) NULL', // the type_map's column item
          '[f4] real NULL',
          '[f8] float NULL',
          '[n] decimal(12,2) NULL',
          '[n38] decimal(38,10) NULL',
          '[nn] nvarchar(max) NULL', // numeric without a precision: its text
          '[nwide] nvarchar(max) NULL', // 40 digits: wider than decimal(38)
          '[nneg] nvarchar(max) NULL', // a negative scale
          '[flag] bit NULL',
          '[b] varbinary(900) NULL', // in an index
          '[vc] nvarchar(40) NULL', // 20 characters may be 40 UTF-16 code units
          '[vbig] nvarchar(max) NULL',
          '[vfree] nvarchar(max) NULL', // only in an expression index, which is left out
          '[ch] nchar(10) NULL',
          '[txt] nvarchar(450) NULL', // in an index
          '[nm] nvarchar(64) NULL',
          '[d] date NULL',
          '[tm] time(6) NULL',
          '[tm3] time(3) NULL',
          '[ts] datetime2(6) NULL',
          '[ts0] datetime2(0) NULL',
          '[tz] datetimeoffset(6) NULL',
          '[tz3] datetimeoffset(3) NULL',
          '[j] nvarchar(max) NULL',
          '[jb] nvarchar(max) NULL',
          '[u] uniqueidentifier NULL',
          '[arr] nvarchar(max) NULL',
          '[iv] nvarchar(100) NULL', // the type_map's type item
          '[ip] nvarchar(max) NULL',
          '[bits] nvarchar(max) NULL',
          '[rng] nvarchar(max) NULL',
          '[ttz] nvarchar(max) NULL',
          'CONSTRAINT [PK_every] PRIMARY KEY ([id])',
        ].join(', ') +
        ')',
    ]);
    expect(ddl.drop).toEqual(['DROP TABLE IF EXISTS [ms].[every]']);
    const ix = (name: string, cols: string, unique = false): string =>
      `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[ms].[every]') AND name = N'${name}') CREATE ${unique ? 'UNIQUE ' : ''}INDEX [${name}] ON [ms].[every] (${cols})`;
    // every_part (WHERE) and every_expr (lower(vfree)) are not rebuilt
    expect(ddl.indexes).toEqual([ix('every_b', '[b]'), ix('every_txt', '[txt]'), ix('every_vc_sm', '[vc], [sm]', true)]);
    expect(log.filter((l) => l.includes('WARN'))).toEqual([]);
  });

  test('a text primary key is nvarchar(450): 900 bytes, the clustered key limit', async () => {
    const { ddl } = await ddlOf(o, 'tkey');
    expect(ddl.create[1]).toBe('CREATE TABLE [ms].[tkey] ([k] nvarchar(450) NOT NULL, [v] int NOT NULL, CONSTRAINT [PK_tkey] PRIMARY KEY ([k]))');
  });

  test("the rows the source gives, converted for the created columns: what tedious is handed and the bytes it sends", async () => {
    const { ddl } = await ddlOf(o, 'every');
    const cols = bulkColumnsOf(ddl.create[1]!);
    expect(cols.map((c) => c.name)).toEqual(o.plans.get('every')!.target.columns);
    const rows = await readRows(o, 'every');
    expect(rows).toHaveLength(3);
    const [one, nulls, three] = rows.map((r) => bulkValues(cols, r));
    const date = (v: BulkValue | string | undefined): string => {
      const d = v as Date & { nanosecondDelta?: number };
      const zoned = Object.prototype.hasOwnProperty.call(d, 'getTimezoneOffset'); // datetimeoffset values carry their own
      return `${d.toISOString()}${d.nanosecondDelta !== undefined ? ` +${Math.round(d.nanosecondDelta * 1e7)}00ns` : ''}${zoned ? ` offset ${-d.getTimezoneOffset()}` : ''}`;
    };
    const temporal = ['d', 'tm', 'tm3', 'ts', 'ts0', 'tz', 'tz3'];
    const plain = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !temporal.includes(k)));
    expect(plain(one!)).toEqual({
      id: 1,
      sm: -32768,
      big: 9223372036854775807n,
      o: '4294967295',
      f4: Math.fround(0.1),
      f8: 0.1,
      n: '1234567890.12',
      n38: '1234567890123456789012345678.0123456789',
      nn: '1.50',
      nwide: '12345678901234567890123456789012345678.25',
      nneg: '12300',
      flag: true,
      b: Buffer.from([0x00, 0xff, 0x5c, 0x0a]),
      vc: 'héllo 😀',
      vbig: 'é'.repeat(3000),
      vfree: 'free',
      ch: 'ab   ',
      txt: 'line\ttab 中 😀',
      nm: 'a_name',
      j: '{"a": [1, "x"]}',
      jb: '{"a": 1, "b": null}',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      arr: '{1,NULL,3}',
      iv: '1 year 2 mons 3 days 04:05:06.789',
      ip: '10.0.0.0/8',
      bits: '0101',
      rng: '[1,5)',
      ttz: '12:00:00+05:30',
    });
    // temporal values: UTC fields, digits below the millisecond in nanosecondDelta, timestamptz the instant at offset 0
    expect(Object.fromEntries(temporal.map((k) => [k, date(one![k])]))).toEqual({
      d: '2024-02-29T00:00:00.000Z',
      tm: '1970-01-01T23:59:59.999Z +999000ns',
      tm3: '1970-01-01T12:00:00.123Z',
      ts: '1999-12-31T23:59:59.123Z +456000ns',
      ts0: '2000-01-01T00:00:00.000Z',
      tz: '2024-03-01T10:00:00.123Z +456000ns offset 0',
      tz3: '2024-03-01T06:30:00.500Z offset 0',
    });
    expect(Object.values(nulls!).slice(1).every((v) => v === null)).toBe(true);
    expect(plain(three!)).toMatchObject({ big: -9223372036854775808n, f4: 0, f8: 1e308, n: '-0.01', n38: '-0.0000000001', nn: 'NaN', b: Buffer.alloc(0), vc: '', ch: '😀😀😀😀😀', u: '00000000-0000-0000-0000-000000000000', ip: '::1', bits: '', rng: 'empty', ttz: '00:00:00-14' });
    expect([three!['d'], three!['ts'], three!['ts0'], three!['tz'], three!['tz3']].map(date)).toEqual([
      '0001-01-01T00:00:00.000Z',
      '0001-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.000Z',
      '0001-01-01T00:00:00.000Z offset 0',
      '9999-12-31T23:59:59.999Z offset 0',
    ]);

    // through mssql's request.bulk and tedious' encoder
    const table = bulkTable(sql, '[ms].[every]', cols, cols.map((_, i) => i), rows, null);
    const got = await encodeBulk(sql, table);
    expect(got.rows).toBe(3);
    expect(got.sql).toMatch(/^insert bulk \[ms\]\.\[every\]\(\[id\] int, \[sm\] smallint, \[big\] bigint, \[o\] decimal\(10, 0\),/);
    expect(got.sql).toContain('[u] uniqueidentifier, [arr] nvarchar(max), [iv] nvarchar(100),');
    // uniqueidentifier: length 16, then the GUID's bytes (first three groups little-endian)
    expect(got.bytes.includes(Buffer.from('10' + '99bceea0' + '0b9c' + 'f84e' + 'bb6d' + '6bb9bd380a11', 'hex'))).toBe(true);
    // decimal(38,10): length 17, sign 1, the unscaled value in 16 bytes
    expect(got.bytes.includes(Buffer.concat([Buffer.from([17, 1]), le(12345678901234567890123456780123456789n, 16)]))).toBe(true);
    // time(6) 23:59:59.999999 in microseconds (5 bytes)
    expect(got.bytes.includes(Buffer.concat([Buffer.from([5]), le(86399999999n, 5)]))).toBe(true);
    // datetimeoffset(6): length 10, 10:00:00.123456 UTC in microseconds, the day, offset 0
    const tzAt = got.bytes.indexOf(Buffer.concat([Buffer.from([10]), le(36000123456n, 5)]));
    expect(tzAt).toBeGreaterThan(0);
    expect(got.bytes.readInt16LE(tzAt + 1 + 5 + 3)).toBe(0);
    // nvarchar text as UTF-16LE, the emoji a surrogate pair; numeric NaN as its text
    expect(got.bytes.includes(Buffer.from('héllo 😀', 'utf16le'))).toBe(true);
    expect(got.bytes.includes(Buffer.from('NaN', 'utf16le'))).toBe(true);
  });

  test('what SQL Server cannot hold fails with one line naming the column and the value', async () => {
    const { ddl } = await ddlOf(o, 'odd');
    expect(ddl.create[1]).toBe('CREATE TABLE [ms].[odd] ([id] int NOT NULL, [ts] datetime2(6) NULL, [d] date NULL, [tm] time(6) NULL, [f8] float NULL, [n] decimal(10,2) NULL, [tz] datetimeoffset(6) NULL, CONSTRAINT [PK_odd] PRIMARY KEY ([id]))');
    const cols = bulkColumnsOf(ddl.create[1]!);
    const errors = (await readRows(o, 'odd')).map((r) => Object.values(bulkValues(cols, r)).filter((v): v is string => typeof v === 'string' && v.startsWith('ERROR')));
    expect(errors).toEqual([
      [
        'ERROR column ts (datetime2(6)): infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
        'ERROR column d (date): infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
        "ERROR column tm (time(6)): TIME 24:00:00 is outside SQL Server's time range",
        'ERROR column f8 (float): NaN cannot be stored (SQL Server floats have no NaN or infinity)',
        'ERROR column n (decimal(10,2)): NaN is not a number',
        'ERROR column tz (datetimeoffset(6)): infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
      ],
      [
        'ERROR column ts (datetime2(6)): -infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
        'ERROR column d (date): -infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
        'ERROR column f8 (float): Infinity cannot be stored (SQL Server floats have no NaN or infinity)',
        'ERROR column tz (datetimeoffset(6)): -infinity: SQL Server has no such date (years 1 to 9999, no infinity)',
      ],
      [
        'ERROR column ts (datetime2(6)): 0044-03-15 12:00:00 BC: SQL Server has no such date (years 1 to 9999, no infinity)',
        'ERROR column d (date): 4713-01-01 BC: SQL Server has no such date (years 1 to 9999, no infinity)',
        'ERROR column f8 (float): -Infinity cannot be stored (SQL Server floats have no NaN or infinity)',
        'ERROR column tz (datetimeoffset(6)): 0044-03-15 12:00:00+00 BC: SQL Server has no such date (years 1 to 9999, no infinity)',
      ],
      [
        'ERROR column ts (datetime2(6)): 10000-01-01 00:00:00: SQL Server dates are years 1 to 9999',
        'ERROR column d (date): 10000-01-01: SQL Server dates are years 1 to 9999',
        'ERROR column tz (datetimeoffset(6)): 10000-01-01 00:00:00+00:00: SQL Server dates are years 1 to 9999',
      ],
    ]);
    for (const e of errors.flat()) expect(e).not.toContain('\n');
  });

  test('a key longer than its bounded column is refused before it is sent (451 characters, 226 emoji = 452 UTF-16 code units)', async () => {
    const { ddl } = await ddlOf(o, 'tkey');
    const cols = bulkColumnsOf(ddl.create[1]!);
    // by v: the key order is the source collation's
    const k = (await readRows(o, 'tkey')).sort((a, b) => Number(a[1]) - Number(b[1])).map((r) => bulkValues(cols, r)['k']);
    expect(k).toEqual([
      'short',
      'ERROR column k (nvarchar(450)): 451 UTF-16 code units do not fit (String or binary data would be truncated)',
      'ERROR column k (nvarchar(450)): 452 UTF-16 code units do not fit (String or binary data would be truncated)',
    ]);
  });
});

test('verify compares a column the target keeps as text by that text: PG -> MariaDB inet, bit varying, interval, numeric (type_map) equal', async () => {
  const config = site('texty', dbXml('mariadb', MYDB), MYDB, ['numeric == longtext']);
  const cond = "SCH.NAME='app' AND TAB.NAME='texty'";
  await copyReport(config, cond, 'CREATE|INSERT');
  const report = await verifyEqual(config, cond);
  expect(report.tables.map((t) => [t.target, t.status, t.rowsCompared])).toEqual([[`${MYDB}.texty`, 'compared', 3]]);
}, 60_000);
