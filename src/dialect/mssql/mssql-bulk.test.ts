/**
 * Bulk loads into SQL Server (copy's chunk writer, exec's bulkInsert), by what is sent:
 * the mssql Table (column types, converted values), the batches around it, and recorded
 * result/error shapes (fixtures/, written from documentation: no SQL Server runs here).
 */
import type { Table } from 'mssql';
import type { ColumnDescriptor, TableDescriptor } from '../../model/change';
import { Temporal, UNCHANGED } from '../../model/value';
import type { BulkTarget } from '../../load/chunk-writer';
import type { TablePlan } from '../../load/plan';
import { tableDdl } from '../../load/target-ddl';
import { seqidSql, targetEngine } from '../../load/target-engine';
import { setLogSink } from '../../log';
import type { ExecConfig } from '../../config/types';
import type { BoundColumn, BoundTable } from '../bound-table';
import { sessionCheck, transactionCheck } from './mssql-batch';
import { BULK_OPTIONS, EXACT_DECIMAL, EXACT_NUMERIC, bulkColumnOf, bulkColumns, bulkTable, decimalBytes, mssqlBulkColumnsSql, type MssqlBulkColumnRow } from './mssql-bulk-table';
import { bulkValue, decimalText, type BulkColumnDef } from './mssql-bulk-values';
import { mssqlBulkWriterOn, mssqlStaging } from './mssql-bulk-writer';
import { mysqlDdlToMssql } from './mssql-ddl';
import { infoHandler, loadMssql, type MssqlModule, type MssqlSession } from './mssql-session';
import { mssqlWriter } from './mssql-sql';
import { mssqlTargetOn } from './mssql-target';
import { parseMysqlDdl } from '../mysql/mysql-ddl-parse';
import bulkCatalog from './fixtures/bulk-columns-result.json';
import bulkDuplicate from './fixtures/error-bulk-duplicate.json';
import { encodeBulk, le } from '../../../test/support/tedious-bulk';

const MARK = '00112233445566778899aabbccddeeff';
let sql: MssqlModule;
beforeAll(async () => {
  sql = await loadMssql();
});

const catalogRows = bulkCatalog.columns as MssqlBulkColumnRow[];
const def = (name: string): BulkColumnDef => {
  const c = bulkColumnOf(catalogRows.find((r) => r.c === name)!);
  if (typeof c === 'string') throw new Error(c);
  return c;
};

describe('bulk columns typed from the target catalog', () => {
  test('the catalog query reads one table by its quoted name', () => {
    expect(mssqlBulkColumnsSql('app', 'or]ders')).toBe(
      'SELECT c.name AS c, ty.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed' +
        ' FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.system_type_id' +
        " WHERE c.object_id = OBJECT_ID(N'[app].[or]]ders]') ORDER BY c.column_id",
    );
  });

  test('type matrix: a recorded catalog row per type becomes the bulk column (lengths in characters, max, scale, nullability)', () => {
    expect(catalogRows.map((r) => bulkColumnOf(r))).toEqual([
      { name: 'id', type: 'Int', nullable: false },
      { name: 't', type: 'TinyInt', nullable: true },
      { name: 's', type: 'SmallInt', nullable: true },
      { name: 'big', type: 'BigInt', nullable: false },
      { name: 'u', type: 'Decimal', precision: 20, scale: 0, nullable: true },
      { name: 'amount', type: 'Decimal', precision: 12, scale: 2, nullable: true },
      { name: 'n', type: 'Numeric', precision: 10, scale: 3, nullable: true },
      { name: 'r', type: 'Real', nullable: true },
      { name: 'f', type: 'Float', nullable: true },
      { name: 'flag', type: 'Bit', nullable: true },
      { name: 'note', type: 'NVarChar', length: 40, nullable: true },
      { name: 'code', type: 'NChar', length: 3, nullable: true },
      { name: 'body', type: 'NVarChar', length: 'max', nullable: true },
      { name: 'legacy', type: 'VarChar', length: 10, nullable: true },
      { name: 'raw', type: 'VarBinary', length: 'max', nullable: true },
      { name: 'fixed', type: 'Binary', length: 4, nullable: true },
      { name: 'd', type: 'Date', nullable: true },
      { name: 'tm', type: 'Time', scale: 6, nullable: true },
      { name: 'at', type: 'DateTime2', scale: 6, nullable: true },
      { name: 'ts', type: 'DateTimeOffset', scale: 6, nullable: true },
      { name: 'old', type: 'DateTime', nullable: true },
      { name: 'g', type: 'UniqueIdentifier', nullable: true },
      'seq is an IDENTITY column (a bulk load cannot keep its values)',
      'price is money, which the bulk path does not write',
      'calc is a computed column',
    ]);
  });

  test('the mssql Table: path as given, names with ] doubled, types/lengths/scales as tedious needs them', () => {
    const cols: BulkColumnDef[] = [def('id'), def('amount'), def('note'), def('body'), def('raw'), def('fixed'), def('at'), def('ts'), def('tm'), def('flag'), { ...def('big'), name: 'we]ird' }];
    const t: Table = bulkTable(sql, '[app].[m]', cols, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [], null);
    expect(t.path).toBe('[app].[m]');
    const got = t.columns.map((c) => {
      const x = c as unknown as { name: string; type: unknown; length?: number; precision?: number; scale?: number; nullable: boolean };
      return [x.name, x.type === EXACT_DECIMAL ? 'EXACT_DECIMAL' : (x.type as { declaration?: unknown; name?: string }).name, x.length, x.precision, x.scale, x.nullable];
    });
    expect(got).toEqual([
      ['id', 'Int', undefined, undefined, undefined, false],
      ['amount', 'EXACT_DECIMAL', undefined, 12, 2, true],
      ['note', 'NVarChar', 40, undefined, undefined, true],
      ['body', 'NVarChar', sql.MAX, undefined, undefined, true],
      ['raw', 'VarBinary', sql.MAX, undefined, undefined, true],
      ['fixed', 'Binary', 4, undefined, undefined, true],
      ['at', 'DateTime2', undefined, undefined, 6, true],
      ['ts', 'DateTimeOffset', undefined, undefined, 6, true],
      ['tm', 'Time', undefined, undefined, 6, true],
      ['flag', 'Bit', undefined, undefined, undefined, true],
      ['we]]ird', 'BigInt', undefined, undefined, undefined, false],
    ]);
    // mssql's own factories, so its bulk path maps them to tedious' types
    expect((t.columns[2] as unknown as { type: unknown }).type).toBe(sql.TYPES.NVarChar);
    expect((t.columns[0] as unknown as { type: unknown }).type).toBe(sql.TYPES.Int);
  });

  test('written columns: a table with an IDENTITY or money column among them is not bulk loaded', () => {
    const bound = boundOf(['id', 'note', 'seq']);
    expect(bulkColumns(bound, [0, 1], bulkCatalog.columns)).toEqual([def('id'), def('note')]);
    expect(bulkColumns(bound, [0, 2], bulkCatalog.columns)).toBe('seq is an IDENTITY column (a bulk load cannot keep its values)');
    expect(bulkColumns(boundOf(['id', 'nope']), [0, 1], bulkCatalog.columns)).toBe('nope is not a column of the table');
  });

  test('bulk options: NULLs stay NULL, constraints checked and triggers fired, as with INSERT', () => {
    expect(BULK_OPTIONS).toEqual({ keepNulls: true, checkConstraints: true, fireTriggers: true });
  });
});

describe('values converted for tedious bulk, per column type', () => {
  test('exact decimals: canonical text rounded to the scale (half away from zero), exponents, overflow', () => {
    expect(decimalText('12.5', 12, 2)).toEqual({ text: '12.50', fits: true });
    expect(decimalText('-0.005', 12, 2)).toEqual({ text: '-0.01', fits: true });
    expect(decimalText('0.004', 12, 2)).toEqual({ text: '0.00', fits: true });
    expect(decimalText('-0.004', 12, 2)).toEqual({ text: '0.00', fits: true });
    expect(decimalText('1.5e3', 12, 2)).toEqual({ text: '1500.00', fits: true });
    expect(decimalText('.5', 5, 0)).toEqual({ text: '1', fits: true });
    expect(decimalText('18446744073709551615', 20, 0)).toEqual({ text: '18446744073709551615', fits: true });
    expect(decimalText('1234567890123.45', 12, 2)).toEqual({ text: '1234567890123.45', fits: false });
    expect(decimalText('abc', 12, 2)).toBeUndefined();
    expect(bulkValue('99999999999999999999999999999999999999', { name: 'd', type: 'Decimal', precision: 38, scale: 0, nullable: true }, null)).toBe('99999999999999999999999999999999999999');
    expect(bulkValue(18446744073709551615n, def('u'), null)).toBe('18446744073709551615');
    expect(bulkValue(2.5, def('amount'), null)).toBe('2.50');
    expect(() => bulkValue('1e11', def('amount'), null)).toThrow(/column amount \(decimal\(12,2\)\): 1e11 does not fit/);
  });

  test('EXACT_DECIMAL writes the unscaled integer little-endian after the sign byte (TDS DECIMALN), all 16 bytes of a decimal(38)', () => {
    expect(EXACT_DECIMAL.generateTypeInfo({ value: null, precision: 12, scale: 2 })).toEqual(Buffer.from([0x6a, 9, 12, 2]));
    expect(EXACT_NUMERIC.generateTypeInfo({ value: null, precision: 10, scale: 3 })).toEqual(Buffer.from([0x6c, 9, 10, 3]));
    expect(bulkValue('1.2345', def('n'), null)).toBe('1.235');
    expect(decimalBytes('-12.50', 12)).toEqual(Buffer.from([0, 0xe2, 0x04, 0, 0, 0, 0, 0, 0]));
    expect(decimalBytes('18446744073709551615', 20)).toEqual(Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    const big = decimalBytes('99999999999999999999999999999999999999', 38);
    expect(big).toHaveLength(17);
    expect(BigInt('0x' + Buffer.from(big.subarray(1)).reverse().toString('hex'))).toBe(10n ** 38n - 1n);
    expect([...EXACT_DECIMAL.generateParameterData({ value: '0.01', precision: 5, scale: 2 })]).toEqual([Buffer.from([1, 1, 0, 0, 0])]);
    expect(EXACT_DECIMAL.generateParameterLength({ value: null, precision: 5 })).toEqual(Buffer.from([0]));
  });

  test('integers, floats, bit', () => {
    expect(bulkValue(7, def('id'), null)).toBe(7);
    expect(bulkValue('255', def('t'), null)).toBe(255);
    expect(() => bulkValue(-1, def('t'), null)).toThrow(/column t \(tinyint\): -1 is not an integer in 0\.\.255/);
    expect(bulkValue(9223372036854775807n, def('big'), null)).toBe(9223372036854775807n);
    expect(() => bulkValue(9223372036854775808n, def('big'), null)).toThrow(/outside bigint/);
    expect(bulkValue(Buffer.from([1, 0]), def('big'), null)).toBe(256n); // BIT(16) bytes as their unsigned value
    expect(bulkValue(-0, def('f'), null)).toBe(0);
    expect(bulkValue('1.5', def('r'), null)).toBe(1.5);
    expect(() => bulkValue(Number.NaN, def('f'), null)).toThrow(/no NaN or infinity/);
    expect([true, 0, 2n, Buffer.from([1]), Buffer.from([0]), 'false', '1'].map((v) => bulkValue(v, def('flag'), null))).toEqual([true, false, true, true, false, false, true]);
    expect(() => bulkValue('maybe', def('flag'), null)).toThrow(/not a bit value/);
  });

  test('text and binary: strings as they are; binary(n) padded with zero bytes; too long refused', () => {
    expect(bulkValue('héllo 😀', def('note'), null)).toBe('héllo 😀');
    expect(bulkValue(new Temporal('date', '2026-01-02'), def('note'), null)).toBe('2026-01-02');
    expect(bulkValue(Buffer.from('abc'), def('body'), null)).toBe('abc');
    expect(bulkValue(Buffer.from([0, 255]), def('raw'), null)).toEqual(Buffer.from([0, 255]));
    expect(bulkValue('é', def('raw'), null)).toEqual(Buffer.from('é', 'utf8'));
    expect(bulkValue(Buffer.from([1]), def('fixed'), null)).toEqual(Buffer.from([1, 0, 0, 0]));
    expect(() => bulkValue(Buffer.alloc(5), def('fixed'), null)).toThrow(/5 bytes do not fit/);
    expect(bulkValue('6F9619FF-8B86-D011-B42D-00C04FC964FF', def('g'), null)).toBe('6F9619FF-8B86-D011-B42D-00C04FC964FF');
  });

  test('uniqueidentifier: either case (PostgreSQL prints lower case); anything else refused here, as tedious checks the first row only', () => {
    expect(bulkValue('6f9619ff-8b86-d011-b42d-00c04fc964ff', def('g'), null)).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    expect(() => bulkValue('6f9619ff8b86d011b42d00c04fc964ff', def('g'), null)).toThrow('column g (uniqueidentifier): 6f9619ff8b86d011b42d00c04fc964ff is not a uniqueidentifier');
    expect(() => bulkValue('{6f9619ff-8b86-d011-b42d-00c04fc964ff}', def('g'), null)).toThrow(/is not a uniqueidentifier/);
  });

  test('nvarchar(n) / nchar(n): n UTF-16 code units (a character outside the BMP takes two); longer refused before sending', () => {
    expect(bulkValue('x'.repeat(40), def('note'), null)).toBe('x'.repeat(40));
    expect(() => bulkValue('😀'.repeat(21), def('note'), null)).toThrow('column note (nvarchar(40)): 42 UTF-16 code units do not fit (String or binary data would be truncated)');
    expect(() => bulkValue('abcd', def('code'), null)).toThrow(/column code \(nchar\(3\)\): 4 UTF-16 code units do not fit/);
    expect(bulkValue('y'.repeat(5000), def('body'), null)).toHaveLength(5000);
    expect(bulkValue('a much longer text', def('legacy'), null)).toBe('a much longer text'); // varchar(n) counts bytes of its code page: left to the server
  });

  test('datetime2: UTC fields, sub-millisecond digits in nanosecondDelta, rounded to the scale, years below 100 kept', () => {
    const d = bulkValue(new Temporal('datetime', '2026-11-21 10:00:00.123456'), def('at'), null) as Date & { nanosecondDelta?: number };
    expect(d.toISOString()).toBe('2026-11-21T10:00:00.123Z');
    expect(d.nanosecondDelta).toBeCloseTo(0.000456, 12); // seconds, as tedious adds it
    const two = bulkValue(new Temporal('datetime', '2026-12-31 23:59:59.9999996'), { ...def('at'), scale: 6 }, null) as Date;
    expect(two.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    const early = bulkValue(new Temporal('datetime', '0050-03-04 05:06:07'), def('at'), null) as Date;
    expect(early.getUTCFullYear()).toBe(50);
    const s0 = bulkValue(new Temporal('datetime', '2026-01-01 00:00:00.5'), { ...def('at'), scale: 0 }, null) as Date;
    expect(s0.toISOString()).toBe('2026-01-01T00:00:01.000Z');
    // an instant into a column without a zone: its UTC wall clock
    expect((bulkValue(new Temporal('timestamptz', '2026-01-01 02:00:00+02:00'), def('at'), null) as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(() => bulkValue(new Temporal('datetime', '10000-01-01 00:00:00'), def('at'), null)).toThrow(/years 1 to 9999/);
  });

  test('zero dates follow zero_date: NULL by default, the configured replacement otherwise', () => {
    expect(bulkValue(new Temporal('datetime', '0000-00-00 00:00:00'), def('at'), null)).toBeNull();
    const z = bulkValue(new Temporal('date', '0000-00-00'), def('d'), '1970-01-01') as Date;
    expect(z.toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });

  test('datetimeoffset keeps the value offset (tedious writes it from getTimezoneOffset); a wall-clock value is +00:00', () => {
    const ts = bulkValue(new Temporal('timestamptz', '2026-01-01 12:00:00.5+05:30'), def('ts'), null) as Date;
    expect(ts.toISOString()).toBe('2026-01-01T06:30:00.500Z');
    expect(ts.getTimezoneOffset()).toBe(-330);
    const wall = bulkValue(new Temporal('datetime', '2026-01-01 12:00:00'), def('ts'), null) as Date;
    expect(wall.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(wall.getTimezoneOffset()).toBe(-0);
  });

  test('time: within a day only; date', () => {
    const t = bulkValue(new Temporal('time', '23:59:59.000001'), def('tm'), null) as Date & { nanosecondDelta?: number };
    expect(t.toISOString()).toBe('1970-01-01T23:59:59.000Z');
    expect(t.nanosecondDelta).toBeCloseTo(0.000001, 12);
    expect(() => bulkValue(new Temporal('time', '-01:00:00'), def('tm'), null)).toThrow(/outside SQL Server's time range/);
    expect(() => bulkValue(new Temporal('time', '838:59:59'), def('tm'), null)).toThrow(/outside SQL Server's time range/);
    expect((bulkValue(new Temporal('date', '2026-02-28'), def('d'), null) as Date).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });

  test('NULL passes; values with no bulk form are refused naming the column', () => {
    expect(bulkValue(null, def('note'), null)).toBeNull();
    expect(() => bulkValue(UNCHANGED, def('note'), null)).toThrow(/column note \(nvarchar\(40\)\): an unchanged/);
  });
});

/** A bound table over the fixture's columns `names` (id the key). */
function boundOf(names: readonly string[]): BoundTable {
  const source: TableDescriptor = {
    schema: 'src',
    table: 'm',
    columns: names.map((n) => ({ name: n, type: 'int', key: n === 'id' }) as unknown as ColumnDescriptor),
  } as unknown as TableDescriptor;
  const columns = names.map((n) => ({ name: n, type: 'int', kind: 'int', source: {} }) as unknown as BoundColumn);
  return { source, schema: 'app', table: 'm', columns, key: [0], keyless: false };
}

/** A session that records batches and bulk loads; `answer` gives each batch's result (or throws). */
function fakeSession(answer: (sql: string) => unknown = () => ({ recordsets: [], recordset: undefined, rowsAffected: [], output: {} }), bulkError?: unknown) {
  const log: (string | { bulk: Table; options: unknown })[] = [];
  const session: MssqlSession = {
    label: 'mssql db.example:1433/app',
    mark: MARK,
    batch: async (text: string) => {
      log.push(text);
      return answer(text) as never;
    },
    request: () => {
      throw new Error('not used');
    },
    sql,
    bulk: async (table, options) => {
      log.push({ bulk: table, options });
      if (bulkError) throw bulkError;
    },
    close: async () => undefined,
  };
  return { session, log };
}

/** The catalog for its query; for a counted batch, 2 for each of its statements. */
const catalogAnswer = (text: string) =>
  text.includes('FROM sys.columns c JOIN sys.types')
    ? { recordsets: [bulkCatalog.columns], recordset: bulkCatalog.columns }
    : { recordsets: [[{ rc: '2 '.repeat(text.split('SET @synctl_rc +=').length - 1) }]], recordset: undefined };

describe('exec: bulkInsert on the SQL Server target', () => {
  test('checks the session and transaction, then bulk loads the bound columns into the table; all rows counted', async () => {
    const { session, log } = fakeSession(catalogAnswer);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    const b = boundOf(['id', 'amount', 'note']);
    const n = await t.bulkInsert!(b, [[1, '10.5', 'a'], [2, null, 'b']]);
    expect(n).toBe(2);
    expect(log[0]).toBe(`${sessionCheck(MARK)}\n${mssqlBulkColumnsSql('app', 'm')}`);
    expect(log[1]).toBe(`${sessionCheck(MARK)}\n${transactionCheck()}`);
    const sent = log[2] as { bulk: Table; options: unknown };
    expect(sent.options).toBe(BULK_OPTIONS);
    expect(sent.bulk.path).toBe('[app].[m]');
    expect(sent.bulk.rows).toEqual([
      [1, '10.50', 'a'],
      [2, null, 'b'],
    ]);
    await t.bulkInsert!(b, [[3, '1', 'c']]);
    expect(log.filter((x) => typeof x === 'string' && x.includes('sys.columns c'))).toHaveLength(1); // cached until invalidate
  });

  test('a duplicate key (recorded bulk error shape) is recognised and rejects the call: exec rolls back and applies change by change', async () => {
    const { session, log } = fakeSession(catalogAnswer, bulkDuplicate);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    await t.run(['BEGIN']);
    const err = await t.bulkInsert!(boundOf(['id', 'note']), [[7, 'x']]).catch((e: unknown) => e);
    expect(err).toBe(bulkDuplicate);
    expect(t.isDuplicateKey(err)).toBe(true);
    expect(t.isDuplicateKey({ number: 4815, precedingErrors: [{ number: 2601 }] })).toBe(true);
    expect(t.isDuplicateKey({ number: 4816, precedingErrors: [] })).toBe(false);
    await t.rollback();
    expect(log[log.length - 1]).toBe('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
  });

  test('a table with an IDENTITY column among the written ones gets the multi-row INSERT instead', async () => {
    const { session, log } = fakeSession(catalogAnswer);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    const n = await t.bulkInsert!(boundOf(['id', 'seq']), [
      [1, 5],
      [2, 6],
    ]);
    expect(log.some((x) => typeof x !== 'string')).toBe(false);
    expect(String(log[1])).toContain('INSERT INTO [app].[m] ([id], [seq]) VALUES (1, 5), (2, 6)');
    expect(n).toBe(2); // the statement's @@ROWCOUNT
  });
});

describe('copy: the chunk writer', () => {
  const target = (mode: BulkTarget['mode'], names = ['id', 'amount', 'note']): BulkTarget => ({ bound: boundOf(names), columns: names.map((_, i) => i), mode });

  test('INSERT: BEGIN, bulk loads of the rows (checked session), then progress and COMMIT in one TRY batch', async () => {
    const { session, log } = fakeSession(catalogAnswer);
    const w = await mssqlBulkWriterOn(session, target('insert'), null);
    await w.begin();
    await w.write([1, '1.005', 'x']);
    await w.commit("UPDATE [synctl].[DMHS_TABLE_SEQID] SET CHUNKS_DONE = N'{}'");
    expect(log[0]).toBe(mssqlBulkColumnsSql('app', 'm'));
    expect(log[1]).toBe(`${sessionCheck(MARK)}\nBEGIN TRANSACTION`);
    expect(log[2]).toBe(`${sessionCheck(MARK)}\n${transactionCheck()}`);
    expect((log[3] as { bulk: Table }).bulk.rows).toEqual([[1, '1.01', 'x']]);
    const commit = String(log[4]);
    expect(commit).toContain("BEGIN TRY\nUPDATE [synctl].[DMHS_TABLE_SEQID] SET CHUNKS_DONE = N'{}'\n;");
    expect(commit).toContain('COMMIT TRANSACTION\n;');
    expect(commit.indexOf('UPDATE [synctl]')).toBeLessThan(commit.indexOf('COMMIT TRANSACTION'));
    await w.rollback();
    expect(log[5]).toBe('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
  });

  test('REPLACE/UPDATE: rows bulk loaded into #synctl_copy_stage, merged into the table and emptied before the commit', async () => {
    expect(mssqlStaging(target('replace'))).toEqual({
      create: "IF OBJECT_ID(N'tempdb..#synctl_copy_stage') IS NULL SELECT TOP 0 [id], [amount], [note] INTO [#synctl_copy_stage] FROM [app].[m]",
      merge: [
        'MERGE INTO [app].[m] WITH (HOLDLOCK) AS d USING [#synctl_copy_stage] AS s ON d.[id] = s.[id] WHEN MATCHED THEN UPDATE SET d.[amount] = s.[amount], d.[note] = s.[note]' +
          ' WHEN NOT MATCHED THEN INSERT ([id], [amount], [note]) VALUES (s.[id], s.[amount], s.[note]);',
        'TRUNCATE TABLE [#synctl_copy_stage]',
      ],
    });
    expect(mssqlStaging(target('update'))!.merge).toEqual([
      'UPDATE d SET d.[amount] = s.[amount], d.[note] = s.[note] FROM [app].[m] AS d JOIN [#synctl_copy_stage] AS s ON d.[id] = s.[id]',
      'TRUNCATE TABLE [#synctl_copy_stage]',
    ]);
    expect(mssqlStaging(target('insert'))).toBeUndefined();
    const { session, log } = fakeSession(catalogAnswer);
    const w = await mssqlBulkWriterOn(session, target('replace'), null);
    await w.begin();
    await w.write([1, '2', 'y']);
    await w.commit('UPDATE x');
    expect(String(log[1])).toMatch(/^IF OBJECT_ID\(N'tempdb\.\.#synctl_copy_stage'\)/);
    expect((log[4] as { bulk: Table }).bulk.path).toBe('[#synctl_copy_stage]');
    expect(String(log[5])).toMatch(/MERGE INTO \[app\]\.\[m\][\s\S]*TRUNCATE TABLE \[#synctl_copy_stage\][\s\S]*UPDATE x[\s\S]*COMMIT TRANSACTION/);
  });

  test('a table the bulk path cannot write: INSERT statements for INSERT, a clear refusal for REPLACE', async () => {
    const quiet = setLogSink(() => undefined);
    try {
      const { session, log } = fakeSession(catalogAnswer);
      const w = await mssqlBulkWriterOn(session, target('insert', ['id', 'price']), null);
      await w.begin();
      await w.write([1, '2.5']);
      await w.commit('UPDATE x');
      expect(String(log[2])).toContain('INSERT INTO [app].[m] ([id], [price]) VALUES (1, 2.5)');
      expect(log.some((x) => typeof x !== 'string')).toBe(false);
      await expect(mssqlBulkWriterOn(fakeSession(catalogAnswer).session, target('replace', ['id', 'price']), null)).rejects.toThrow(
        'app.m: REPLACE into SQL Server stages rows by bulk load, and price is money, which the bulk path does not write: load it with INSERT',
      );
    } finally {
      setLogSink(quiet);
    }
  });
});

describe('copy: DMHS_TABLE_SEQID in T-SQL', () => {
  const exec = { db: { dbType: 'MSSQL' } } as unknown as ExecConfig;
  const s = seqidSql(targetEngine(exec), 'synctl');

  test('the gate row is locked exclusively to the end of the transaction (X waits for and blocks exec groups holding it shared)', () => {
    expect(s.lockGate()).toBe("SELECT STATUS AS status FROM [synctl].[DMHS_TABLE_SEQID] WITH (XLOCK, HOLDLOCK, ROWLOCK) WHERE SCHEMA_NAME = N'' AND TABLE_NAME = N''");
  });

  test('loading (MERGE upsert), read, progress, ranges (JSON_MODIFY on the row as locked), done, position', () => {
    expect(s.loading('app', "o'rders", 'mysql-bin.000001:4', { chunks: 0, rows: 0 })).toBe(
      'MERGE INTO [synctl].[DMHS_TABLE_SEQID] WITH (HOLDLOCK) AS d USING (VALUES ' +
        `(N'app', N'o''rders', N'mysql-bin.000001:4', 'loading', N'{"chunks":0,"rows":0}', SYSUTCDATETIME())) AS s (SCHEMA_NAME, TABLE_NAME, POS, STATUS, CHUNKS_DONE, UPDATED_AT)` +
        ' ON d.SCHEMA_NAME = s.SCHEMA_NAME AND d.TABLE_NAME = s.TABLE_NAME' +
        ' WHEN MATCHED THEN UPDATE SET POS = s.POS, STATUS = s.STATUS, CHUNKS_DONE = s.CHUNKS_DONE, UPDATED_AT = s.UPDATED_AT' +
        ' WHEN NOT MATCHED THEN INSERT (SCHEMA_NAME, TABLE_NAME, POS, STATUS, CHUNKS_DONE, UPDATED_AT) VALUES (s.SCHEMA_NAME, s.TABLE_NAME, s.POS, s.STATUS, s.CHUNKS_DONE, s.UPDATED_AT);',
    );
    expect(seqidSql('mssql', 'my sys').loading('a', 't', 'p', { chunks: 0, rows: 0 })).toMatch(/^MERGE INTO \[my sys\]\.\[DMHS_TABLE_SEQID\] WITH \(HOLDLOCK\) AS d USING \(VALUES \(N'a', N't', N'p', 'loading'/);
    expect(s.read('app', 't')).toBe("SELECT POS AS pos, STATUS AS status, CHUNKS_DONE AS chunks_done FROM [synctl].[DMHS_TABLE_SEQID] WHERE SCHEMA_NAME = N'app' AND TABLE_NAME = N't'");
    expect(s.progress('app', 't', { chunks: 1, rows: 5, last: [{ n: 5 }] }, true)).toBe(
      `UPDATE [synctl].[DMHS_TABLE_SEQID] SET CHUNKS_DONE = N'{"chunks":1,"rows":5,"last":[{"n":5}]}', UPDATED_AT = SYSUTCDATETIME(), STATUS = 'done' WHERE SCHEMA_NAME = N'app' AND TABLE_NAME = N't'`,
    );
    expect(s.rangeProgress('app', 't', 2, { chunks: 1, rows: 5, done: false })).toBe(
      `UPDATE [synctl].[DMHS_TABLE_SEQID] SET CHUNKS_DONE = JSON_MODIFY(CHUNKS_DONE, N'$.ranges[2]', JSON_QUERY(N'{"chunks":1,"rows":5,"done":false}')), UPDATED_AT = SYSUTCDATETIME() WHERE SCHEMA_NAME = N'app' AND TABLE_NAME = N't'`,
    );
    expect(s.markDone('app', 't')).toBe("UPDATE [synctl].[DMHS_TABLE_SEQID] SET STATUS = 'done', UPDATED_AT = SYSUTCDATETIME() WHERE SCHEMA_NAME = N'app' AND TABLE_NAME = N't'");
    expect(s.setPosition('app', 't', 'p')).toBe("UPDATE [synctl].[DMHS_TABLE_SEQID] SET POS = N'p', UPDATED_AT = SYSUTCDATETIME() WHERE SCHEMA_NAME = N'app' AND TABLE_NAME = N't'");
  });
});

describe('copy: CREATE / DROP / INDEX for a SQL Server target', () => {
  const plan = {
    entry: {
      schema: 'src',
      table: 'orders',
      primaryKey: ['id'],
      columns: [
        { name: 'id', columnType: 'bigint unsigned', nullable: false, autoIncrement: true },
        { name: 'amount', columnType: 'decimal(12,2)', nullable: true, autoIncrement: false },
        { name: 'note', columnType: 'varchar(40)', nullable: true, autoIncrement: false },
        { name: 'body', columnType: 'longtext', nullable: true, autoIncrement: false },
        { name: 'dropped', columnType: 'int', nullable: true, autoIncrement: false },
      ],
    },
    target: { schema: 'app', table: 'Orders', columns: ['id', 'amount', 'note', 'body', undefined] },
    indexes: [
      { name: 'k_note', unique: false, columns: ['note'], partial: false },
      { name: 'k_body', unique: false, columns: ['body'], partial: true },
      { name: 'k_gone', unique: true, columns: ['dropped'], partial: false },
    ],
    sourceName: 'src.orders',
    targetName: 'app.Orders',
  } as unknown as TablePlan;

  test('through the MySQL -> SQL Server type map; indexes after the data, the (max) one left out with a warning', async () => {
    const lines: string[] = [];
    const prev = setLogSink((l) => lines.push(l));
    let ddl;
    try {
      ddl = await tableDdl('mssql', plan, undefined as never);
    } finally {
      setLogSink(prev);
    }
    expect(ddl).toEqual({
      create: [
        "IF SCHEMA_ID(N'app') IS NULL EXEC(N'CREATE SCHEMA [app]')",
        'CREATE TABLE [app].[Orders] ([id] decimal(20,0) NOT NULL, [amount] decimal(12,2) NULL, [note] nvarchar(40) NULL, [body] nvarchar(max) NULL, CONSTRAINT [PK_Orders] PRIMARY KEY ([id]))',
      ],
      drop: ['DROP TABLE IF EXISTS [app].[Orders]'],
      indexes: ["IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[Orders]') AND name = N'k_note') CREATE INDEX [k_note] ON [app].[Orders] ([note])"],
    });
    expect(lines.some((l) => l.includes('WARN') && l.includes('index k_body on [app].[Orders] left out: SQL Server cannot index body (nvarchar(max))'))).toBe(true);
  });

  test('TRUNCATE through the exec writer', () => {
    expect(mssqlWriter({ zeroDate: null }).truncate(boundOf(['id']))).toBe('TRUNCATE TABLE [app].[m]');
  });
});

describe('DDL translation: an index on a (max) column', () => {
  const toMs = (s: string) => mysqlDdlToMssql(parseMysqlDdl(s).statement!, { target: (t) => ({ schema: t.schema ?? 'app', table: t.table }) });

  test('ADD INDEX on a table that exists: the server checks sys.columns and PRINTs a synctl: warning instead of failing', () => {
    const guard =
      "IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[app].[t]') AND name IN (N'body', N'n') AND (max_length = -1 OR system_type_id IN (34, 35, 99, 241)))" +
      " PRINT N'synctl: index k_b on [app].[t] left out: SQL Server cannot index a (max) column among body, n'" +
      " ELSE IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[t]') AND name = N'k_b') CREATE INDEX [k_b] ON [app].[t] ([body], [n])";
    expect(toMs('ALTER TABLE t ADD INDEX k_b (body(20), n)')).toEqual([guard]);
    expect(toMs('CREATE INDEX k_b ON t (body(20), n)')).toEqual([guard]);
  });

  test("the session logs a PRINTed 'synctl:' message as a warning, other info messages not", () => {
    const lines: string[] = [];
    const prev = setLogSink((l) => lines.push(l));
    try {
      const on = infoHandler('mssql db:1433/app');
      on({ message: 'synctl: index k_b on [app].[t] left out: SQL Server cannot index a (max) column among body' });
      on({ message: "Changed database context to 'app'." });
    } finally {
      setLogSink(prev);
    }
    expect(lines).toEqual([expect.stringMatching(/WARN .*mssql db:1433\/app: index k_b on \[app\]\.\[t\] left out/)]);
  });

  test('an index on a column added by the same statement: its type is known, left out when (max) with a warning', () => {
    const lines: string[] = [];
    const prev = setLogSink((l) => lines.push(l));
    try {
      expect(toMs('CREATE TABLE t2 (id int PRIMARY KEY, doc json, KEY k_doc (doc(10)), KEY k_id2 (id))')).toEqual([
        'CREATE TABLE [app].[t2] ([id] int NOT NULL, [doc] nvarchar(max) NULL, CONSTRAINT [PK_t2] PRIMARY KEY ([id]))',
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[t2]') AND name = N'k_id2') CREATE INDEX [k_id2] ON [app].[t2] ([id])",
      ]);
    } finally {
      setLogSink(prev);
    }
    expect(lines.filter((l) => l.includes('WARN'))).toEqual([expect.stringContaining('index k_doc on [app].[t2] left out: SQL Server cannot index doc (nvarchar(max))')]);
  });
});

describe("through mssql's request.bulk and tedious' row encoding (a connection that captures the bytes instead of sending them)", () => {
  test('the INSERT BULK statement declares the target types with the options; exact values are in the row bytes', async () => {
    const cols: BulkColumnDef[] = [
      def('id'),
      { name: 'amount', type: 'Decimal', precision: 38, scale: 2, nullable: true },
      def('n'),
      def('note'),
      def('body'),
      def('legacy'),
      def('raw'),
      def('fixed'),
      def('at'),
      def('ts'),
      def('tm'),
      def('d'),
      def('big'),
      def('flag'),
      def('g'),
      def('f'),
    ];
    const row = [
      1,
      '123456789012345678901234567890.25',
      '-0.5',
      'héllo',
      'x'.repeat(5000),
      'abc',
      Buffer.from([0, 255]),
      Buffer.from([1]),
      new Temporal('datetime', '2026-11-21 10:00:00.123456'),
      new Temporal('timestamptz', '2026-01-01 12:00:00.5+05:30'),
      new Temporal('time', '23:59:59.999999'),
      new Temporal('date', '0050-01-02'),
      9223372036854775807n,
      true,
      '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      1.5,
    ];
    const nulls = row.map((_, i) => (i === 0 ? 2 : null));
    const got = await encodeBulk(sql, bulkTable(sql, '[app].[m]', cols, cols.map((_, i) => i), [row, nulls], null));
    expect(got.rows).toBe(2);
    expect(got.sql).toBe(
      'insert bulk [app].[m]([id] int, [amount] decimal(38, 2), [n] numeric(10, 3), [note] nvarchar(40), [body] nvarchar(max), [legacy] varchar(10), [raw] varbinary(max), [fixed] binary(4),' +
        ' [at] datetime2(6), [ts] datetimeoffset(6), [tm] time(6), [d] date, [big] bigint, [flag] bit, [g] uniqueidentifier, [f] float) WITH (CHECK_CONSTRAINTS,FIRE_TRIGGERS,KEEP_NULLS)',
    );
    // decimal(38,2): length 17, sign 1, the unscaled 12345678901234567890123456789025 in 16 bytes
    expect(got.bytes.includes(Buffer.concat([Buffer.from([17, 1]), le(12345678901234567890123456789025n, 16)]))).toBe(true);
    // numeric(10,3) -0.5: length 9, sign 0, 500
    expect(got.bytes.includes(Buffer.concat([Buffer.from([9, 0]), le(500n, 8)]))).toBe(true);
    // datetime2(6): 10:00:00.123456 as 36000123456 microseconds (5 bytes), then the day
    expect(got.bytes.includes(le(36000123456n, 5))).toBe(true);
    // datetimeoffset(6): the UTC time 06:30:00.5, the day, then the offset +330 minutes
    const tsAt = got.bytes.indexOf(le(23400500000n, 5));
    expect(tsAt).toBeGreaterThan(0);
    expect(got.bytes.readInt16LE(tsAt + 8)).toBe(330);
    // binary(4) padded, bigint max
    expect(got.bytes.includes(Buffer.from([4, 0, 1, 0, 0, 0]))).toBe(true);
    expect(got.bytes.includes(le(9223372036854775807n, 8))).toBe(true);
  });
});
