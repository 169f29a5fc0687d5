import type { TableDescriptor } from '../model/change';
import { JsonDiff, Temporal, UNCHANGED } from '../model/value';
import type { VColumn, VTable } from '../verify/types';
import { bindTable, type BoundTable } from './bound-table';
import { MYSQL_PARTS } from './mysql/mysql-sql';
import { mssqlLiteral, mssqlSystemTables, mssqlWriter } from './mssql/mssql-sql';
import { pgJsonPath, pgLiteral } from './postgres/pg-literal';
import { pgWriter } from './postgres/pg-sql';
import { SqlWriter } from './sql-writer';

const source: TableDescriptor = {
  schema: 'app',
  table: 'orders',
  columns: [
    { name: 'id', type: 'int', key: true, nullable: false },
    { name: 'amount', type: 'decimal(12,2)', key: false, nullable: true },
    { name: 'note', type: 'varchar(40)', key: false, nullable: true },
    { name: 'doc', type: 'json', key: false, nullable: true },
  ],
};
const col = (name: string, kind: VColumn['kind'], type: string): VColumn => ({ name, kind, type });
const target: VTable = {
  schema: 'app',
  table: 'orders',
  columns: [col('id', 'int', 'integer'), col('amount', 'decimal', 'numeric(12,2)'), col('note', 'text', 'varchar(40)'), col('doc', 'json', 'jsonb')],
  key: ['id'],
};
const bound = (t: VTable = target, s: TableDescriptor = source): BoundTable => bindTable(s, t, (n) => t.columns.find((c) => c.name === n));
const pg = pgWriter({ zeroDate: null });
const my = new SqlWriter(MYSQL_PARTS);
const ms = mssqlWriter({ zeroDate: null });

describe('statements per engine from one builder', () => {
  const b = bound();
  const row1 = [1, '10.50', "it's", '{"a":1}'];
  const row2 = [2, null, 'x', null];

  test('multi-row INSERT', () => {
    expect(pg.insert(b, [row1, row2])).toBe(`INSERT INTO "app"."orders" ("id", "amount", "note", "doc") VALUES (1, 10.50, 'it''s', '{"a":1}'), (2, NULL, 'x', NULL)`);
    expect(my.insert(b, [row1])).toBe("INSERT INTO `app`.`orders` (`id`, `amount`, `note`, `doc`) VALUES (1, 10.50, 'it''s', '{\"a\":1}')");
    expect(ms.insert(b, [row1])).toBe(`INSERT INTO [app].[orders] ([id], [amount], [note], [doc]) VALUES (1, 10.50, N'it''s', N'{"a":1}')`);
  });

  test('UPDATE sets only what changed and addresses the row by the before key (a key change included)', () => {
    expect(pg.update(b, row1, [1, '11.00', "it's", UNCHANGED])).toBe(`UPDATE "app"."orders" SET "amount" = 11.00 WHERE "id" = 1`);
    expect(pg.update(b, row1, [5, '10.50', "it's", '{"a":1}'])).toBe(`UPDATE "app"."orders" SET "id" = 5 WHERE "id" = 1`);
    // nothing changed: the statement still proves the row exists (affected rows 1)
    expect(my.update(b, row1, row1)).toBe('UPDATE `app`.`orders` SET `id` = `id` WHERE `id` = 1');
  });

  test('DELETE of several keys in one statement', () => {
    expect(pg.delete(b, [row1, row2])).toBe(`DELETE FROM "app"."orders" WHERE "id" IN (1, 2)`);
    expect(ms.delete(b, [row1])).toBe(`DELETE FROM [app].[orders] WHERE [id] = 1`);
    const two: VTable = { ...target, key: ['id', 'note'] };
    expect(pg.delete(bound(two), [row1, row2])).toBe(`DELETE FROM "app"."orders" WHERE ("id", "note") IN ((1, 'it''s'), (2, 'x'))`);
  });

  test('source wins: upsert and insert-unless-exists', () => {
    expect(pg.upsert(b, row1)).toBe(
      `INSERT INTO "app"."orders" ("id", "amount", "note", "doc") VALUES (1, 10.50, 'it''s', '{"a":1}') ON CONFLICT ("id") DO UPDATE SET "amount" = EXCLUDED."amount", "note" = EXCLUDED."note", "doc" = EXCLUDED."doc"`,
    );
    expect(my.upsert(b, row2)).toBe(
      "INSERT INTO `app`.`orders` (`id`, `amount`, `note`, `doc`) VALUES (2, NULL, 'x', NULL) ON DUPLICATE KEY UPDATE `amount` = VALUES(`amount`), `note` = VALUES(`note`), `doc` = VALUES(`doc`)",
    );
    expect(ms.upsert(b, [3, '1.00', 'n', UNCHANGED])).toBe(
      'MERGE INTO [app].[orders] WITH (HOLDLOCK) AS d USING (VALUES (3, 1.00, N\'n\')) AS s ([id], [amount], [note]) ON d.[id] = s.[id] WHEN MATCHED THEN UPDATE SET d.[amount] = s.[amount], d.[note] = s.[note] WHEN NOT MATCHED THEN INSERT ([id], [amount], [note]) VALUES (s.[id], s.[amount], s.[note]);',
    );
    expect(pg.insertIgnoringDuplicate(b, row2)).toBe(`INSERT INTO "app"."orders" ("id", "amount", "note", "doc") VALUES (2, NULL, 'x', NULL) ON CONFLICT DO NOTHING`);
    expect(my.insertIgnoringDuplicate(b, row2)).toBeUndefined(); // MySQL: duplicate key is an error exec catches
  });

  test('a table with no key anywhere: every column, one row, NULL-safe', () => {
    const nk = bound({ ...target, key: [] }, { ...source, columns: source.columns.map((c) => ({ ...c, key: false })) });
    expect(pg.delete(nk, [row2])).toBe(`DELETE FROM "app"."orders" WHERE ctid = (SELECT ctid FROM "app"."orders" WHERE "id" = 2 AND "amount" IS NULL AND "note" = 'x' AND "doc" IS NULL LIMIT 1)`);
    expect(my.delete(nk, [row2])).toBe("DELETE FROM `app`.`orders` WHERE `id` = 2 AND `amount` IS NULL AND `note` = 'x' AND `doc` IS NULL LIMIT 1");
    expect(ms.update(nk, row2, [2, null, 'y', null])).toBe(`UPDATE TOP (1) [app].[orders] SET [note] = N'y' WHERE [id] = 2 AND [amount] IS NULL AND [note] = N'x' AND [doc] IS NULL`);
  });

  test('partial JSON updates become each engine\'s JSON functions', () => {
    const diff = new JsonDiff([
      { op: 'replace', path: '$.a', value: '2' },
      { op: 'insert', path: '$.list[1]."b c"', value: '{"x":true}' },
      { op: 'remove', path: '$.gone' },
    ]);
    expect(pg.update(b, [1, UNCHANGED, UNCHANGED, UNCHANGED], [UNCHANGED, UNCHANGED, UNCHANGED, diff])).toBe(
      `UPDATE "app"."orders" SET "doc" = (jsonb_set(jsonb_set("doc"::jsonb, '{"a"}', '2'::jsonb, false), '{"list","1","b c"}', '{"x":true}'::jsonb, true) #- '{"gone"}') WHERE "id" = 1`,
    );
    expect(ms.update(b, [1, UNCHANGED, UNCHANGED, UNCHANGED], [UNCHANGED, UNCHANGED, UNCHANGED, diff])).toBe(
      `UPDATE [app].[orders] SET [doc] = JSON_MODIFY(JSON_MODIFY(JSON_MODIFY([doc], N'strict $.a', 2), N'$.list[1]."b c"', JSON_QUERY(N'{"x":true}')), N'$.gone', NULL) WHERE [id] = 1`,
    );
  });

  test('the target column names come from the target (case, renames), not the source', () => {
    const upper: VTable = { ...target, columns: target.columns.map((c) => ({ ...c, name: c.name.toUpperCase() })), key: ['ID'] };
    const b2 = bindTable(source, upper, (n) => upper.columns.find((c) => c.name === n.toUpperCase()));
    expect(pg.delete(b2, [row1])).toBe(`DELETE FROM "app"."orders" WHERE "ID" = 1`);
  });
});

describe('PostgreSQL literals convert MySQL values for the target column type', () => {
  const c = (kind: VColumn['kind'], type: string, srcType = type) => ({ name: 'c', kind, type, source: { name: 'c', type: srcType, key: false, nullable: true } });
  const lit = (v: Parameters<typeof pgLiteral>[0], kind: VColumn['kind'], type: string, srcType?: string, zeroDate: string | null = null) =>
    pgLiteral(v, c(kind, type, srcType), { zeroDate });

  test('numbers, booleans, bigints', () => {
    expect(lit(1, 'bool', 'boolean', 'tinyint(1)')).toBe('TRUE');
    expect(lit(0, 'bool', 'boolean')).toBe('FALSE');
    expect(lit(18446744073709551615n, 'decimal', 'numeric(20,0)')).toBe('18446744073709551615');
    expect(lit(0.1, 'float', 'real')).toBe('0.1');
    expect(lit(Number.NaN, 'float', 'double precision')).toBe("'NaN'");
    expect(lit(-0, 'float', 'double precision')).toBe("'-0'");
    expect(lit('-12.50', 'decimal', 'numeric(12,2)')).toBe('-12.50');
  });

  test('binary, BIT, uuid', () => {
    expect(lit(Buffer.from([0, 255]), 'binary', 'bytea')).toBe("'\\x00ff'");
    expect(lit(Buffer.from([0x15]), 'other', 'bit varying(5)', 'bit(5)')).toBe("B'10101'");
    expect(lit(Buffer.from([0x01, 0x00]), 'other', 'bit(10)', 'bit(10)')).toBe("B'0100000000'");
    expect(lit(Buffer.from('00112233445566778899aabbccddeeff', 'hex'), 'other', 'uuid', 'binary(16)')).toBe("'00112233-4455-6677-8899-aabbccddeeff'");
    expect(() => lit(Buffer.from([1]), 'text', 'text', 'blob')).toThrow(/map the column to bytea/);
  });

  test('dates and times, zero dates by the rule', () => {
    expect(lit(new Temporal('date', '0000-00-00'), 'date', 'date')).toBe('NULL');
    expect(lit(new Temporal('date', '2024-00-10'), 'date', 'date', 'date', '0001-01-01')).toBe("'0001-01-01'");
    expect(lit(new Temporal('datetime', '0000-00-00 00:00:00'), 'datetime', 'timestamp without time zone', 'datetime', '1970-01-01')).toBe("'1970-01-01 00:00:00'");
    expect(lit(new Temporal('timestamptz', '2026-01-02 03:04:05.5+05:30'), 'datetime', 'timestamp without time zone')).toBe("'2026-01-01 21:34:05.5'");
    expect(lit(new Temporal('timestamptz', '2026-01-02 03:04:05.000001+00:00'), 'timestamptz', 'timestamp with time zone')).toBe("'2026-01-02 03:04:05.000001+00:00'");
    expect(lit(new Temporal('time', '-01:00:00'), 'other', 'interval')).toBe("'-01:00:00'");
    expect(() => lit(new Temporal('time', '-01:00:00'), 'time', 'time without time zone')).toThrow(/map the column to interval/);
  });

  test('text: quotes doubled, NUL refused with the column named', () => {
    expect(lit("a'b\\c", 'text', 'text')).toBe("'a''b\\c'");
    expect(() => lit('a\0b', 'text', 'text')).toThrow(/NUL/);
  });

  test('JSON paths', () => {
    expect(pgJsonPath('$')).toBe("'{}'");
    expect(pgJsonPath('$.a[3]."x.y"')).toBe(`'{"a","3","x.y"}'`);
  });
});

describe('SQL Server', () => {
  const c = (kind: VColumn['kind'], type: string) => ({ name: 'c', kind, type, source: { name: 'c', type, key: false, nullable: true } });
  test('literals', () => {
    expect(mssqlLiteral('ü €', c('text', 'nvarchar(10)'), { zeroDate: null })).toBe("N'ü €'");
    expect(mssqlLiteral(Buffer.from([1, 2]), c('binary', 'varbinary(10)'), { zeroDate: null })).toBe('0x0102');
    expect(mssqlLiteral(new Temporal('timestamptz', '2026-01-02 03:04:05.123456+00:00'), c('other', 'datetimeoffset(6)'), { zeroDate: null })).toBe("'2026-01-02 03:04:05.123456 +00:00'");
    expect(mssqlLiteral(new Temporal('timestamptz', '2026-01-02 03:04:05+01:00'), c('datetime', 'datetime2(6)'), { zeroDate: null })).toBe("'2026-01-02 02:04:05'");
    expect(mssqlLiteral(new Temporal('date', '0000-00-00'), c('date', 'date'), { zeroDate: null })).toBe('NULL');
    expect(() => mssqlLiteral(Number.POSITIVE_INFINITY, c('float', 'float'), { zeroDate: null })).toThrow(/infinity/);
  });
  test('checkpoint rows are merged in the data transaction', () => {
    const sql = mssqlSystemTables('synctl').save([{ siteid: 3, worker: 0, seq: 9n, position: "binlog:f.1:4", xid: '7', commitTimeUs: 1, trxCount: 2n }]);
    expect(sql).toMatch(/^MERGE INTO \[synctl\]\.\[DMHS_TRXID_TABLE\] WITH \(HOLDLOCK\) AS d USING \(VALUES \(3, 0, 9, N'binlog:f.1:4', N'7', 1, 2\)\)/);
  });
});
