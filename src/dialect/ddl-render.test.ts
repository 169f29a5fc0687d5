import { readMysqlDefault, readMysqlType } from './ddl-render';
import { mysqlDdlToMssql } from './mssql/mssql-ddl';
import { parseMysqlDdl } from './mysql/mysql-ddl-parse';
import { mysqlDdlToPg } from './postgres/pg-ddl';

/** Paths of the shared statement walk that the engines' own tests do not take, through both engines. */
const both = (sql: string): { pg: string[]; ms: string[] } => {
  const { statement, why } = parseMysqlDdl(sql);
  if (!statement) throw new Error(`not parsed: ${why}`);
  const target = (t: { schema?: string; table: string }) => ({ schema: t.schema ?? 'app', table: t.table });
  return { pg: mysqlDdlToPg(statement, { target }), ms: mysqlDdlToMssql(statement, { target }) };
};

const msDropDefault = (column: string): string =>
  "EXEC(N'DECLARE @d sysname = (SELECT dc.name FROM sys.default_constraints dc JOIN sys.columns c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id" +
  ` WHERE dc.parent_object_id = OBJECT_ID(N''[app].[t]'') AND c.name = N''${column}''); IF @d IS NOT NULL EXEC(N''ALTER TABLE [app].[t] DROP CONSTRAINT '' + QUOTENAME(@d))')`;

test('ALTER COLUMN SET / DROP DEFAULT: a string and an integer as literals the column type takes', () => {
  expect(both("ALTER TABLE t ALTER COLUMN a SET DEFAULT 'z', ALTER COLUMN b DROP DEFAULT, ALTER c SET DEFAULT 5")).toEqual({
    pg: [`ALTER TABLE "app"."t" ALTER COLUMN "a" SET DEFAULT 'z'`, `ALTER TABLE "app"."t" ALTER COLUMN "b" DROP DEFAULT`, `ALTER TABLE "app"."t" ALTER COLUMN "c" SET DEFAULT '5'`],
    ms: [msDropDefault('a'), "ALTER TABLE [app].[t] ADD DEFAULT N'z' FOR [a]", msDropDefault('b'), msDropDefault('c'), 'ALTER TABLE [app].[t] ADD DEFAULT 5 FOR [c]'],
  });
});

test('ALTER COLUMN SET DEFAULT on PostgreSQL, the column type unknown: CURRENT_TIMESTAMP, NULL, numbers, strings, expressions', () => {
  const pg = (sql: string): string[] => both(sql).pg;
  const set = (c: string, d: string): string => `ALTER TABLE "app"."t" ALTER COLUMN "${c}" SET DEFAULT ${d}`;
  expect(pg('ALTER TABLE t ALTER COLUMN a SET DEFAULT CURRENT_TIMESTAMP, ALTER b SET DEFAULT now(), ALTER c SET DEFAULT current_timestamp(6)')).toEqual([
    set('a', 'CURRENT_TIMESTAMP'),
    set('b', 'CURRENT_TIMESTAMP'),
    set('c', 'CURRENT_TIMESTAMP'),
  ]);
  expect(pg('ALTER TABLE t ALTER a SET DEFAULT NULL, ALTER b SET DEFAULT -7, ALTER c SET DEFAULT 2.50, ALTER d SET DEFAULT 1e3')).toEqual([
    set('a', 'NULL'),
    set('b', "'-7'"), // an integer quoted: integer, numeric, text and boolean (0, 1) columns take it
    set('c', '2.50'),
    set('d', '1e3'),
  ]);
  // a quoted number stays a string: '1e3' in a varchar column is not 1000
  expect(pg(`ALTER TABLE t ALTER a SET DEFAULT '1e3', ALTER b SET DEFAULT "it's", ALTER c SET DEFAULT '2024-02-29 10:00:00'`)).toEqual([
    set('a', "'1e3'"),
    set('b', "'it''s'"),
    set('c', "'2024-02-29 10:00:00'"),
  ]);
  // no PostgreSQL spelling (an expression, a zero date): the default goes
  expect(pg("ALTER TABLE t ALTER a SET DEFAULT (uuid()), ALTER b SET DEFAULT '0000-00-00'")).toEqual([
    `ALTER TABLE "app"."t" ALTER COLUMN "a" DROP DEFAULT`,
    `ALTER TABLE "app"."t" ALTER COLUMN "b" DROP DEFAULT`,
  ]);
});

test('ALTER COLUMN SET DEFAULT on SQL Server, the column type unknown: CURRENT_TIMESTAMP, numbers bare, strings as N-strings, expressions dropped', () => {
  const ms = (sql: string): string[] => both(sql).ms.filter((s) => !s.startsWith('EXEC('));
  const add = (c: string, d: string): string => `ALTER TABLE [app].[t] ADD DEFAULT ${d} FOR [${c}]`;
  // SYSUTCDATETIME() converts to datetime2, datetimeoffset, date and time; a number to int, decimal, bit and strings
  expect(ms("ALTER TABLE t ALTER a SET DEFAULT CURRENT_TIMESTAMP, ALTER b SET DEFAULT 2.5, ALTER c SET DEFAULT -7, ALTER d SET DEFAULT '2.5', ALTER e SET DEFAULT NULL")).toEqual([
    add('a', 'SYSUTCDATETIME()'),
    add('b', '2.5'),
    add('c', '-7'),
    add('d', "N'2.5'"),
  ]);
  // no SQL Server spelling (an expression, a zero date): the old default is dropped, none added
  expect(ms("ALTER TABLE t ALTER a SET DEFAULT (uuid()), ALTER b SET DEFAULT '0000-00-00'")).toEqual([]);
});

test('primary keys: inline on an added column, dropped, added', () => {
  const { pg, ms } = both('ALTER TABLE t ADD COLUMN id int PRIMARY KEY, DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)');
  expect(pg).toEqual([
    // MySQL's implicit default for the rows the table has (as SQL Server below)
    `ALTER TABLE "app"."t" ADD COLUMN "id" integer DEFAULT 0 NOT NULL`,
    `ALTER TABLE "app"."t" ADD PRIMARY KEY ("id")`,
    `ALTER TABLE "app"."t" DROP CONSTRAINT IF EXISTS "t_pkey"`,
    `ALTER TABLE "app"."t" ADD PRIMARY KEY ("a", "b")`,
  ]);
  expect(ms[0]).toBe('ALTER TABLE [app].[t] ADD [id] int DEFAULT 0 NOT NULL');
  expect(ms[1]).toBe('ALTER TABLE [app].[t] ADD CONSTRAINT [PK_t] PRIMARY KEY ([id])');
  expect(ms[2]).toMatch(/^EXEC\(N'DECLARE @k sysname/);
  expect(ms[3]).toBe('ALTER TABLE [app].[t] ADD CONSTRAINT [PK_t] PRIMARY KEY ([a], [b])');
});

test('actions after RENAME TO apply to the renamed table', () => {
  expect(both('ALTER TABLE t RENAME TO x.u, ADD INDEX ix (a), DROP INDEX old_ix, ADD COLUMN z int NULL')).toEqual({
    pg: [
      `ALTER TABLE "app"."t" SET SCHEMA "x"`,
      `ALTER TABLE "x"."t" RENAME TO "u"`,
      expect.stringMatching(/^DO \$synctl\$ .*schemaname = 'x' AND tablename = 'u' .*'t_'.*'u_'/),
      `CREATE INDEX IF NOT EXISTS "u_ix" ON "x"."u" ("a")`,
      `DROP INDEX IF EXISTS "x"."u_old_ix"`,
      `ALTER TABLE "x"."u" ADD COLUMN "z" integer`,
    ],
    ms: [
      'ALTER SCHEMA [x] TRANSFER [app].[t]',
      "EXEC sp_rename N'[x].[t]', N'u'",
      // the column's type is not known here: SQL Server checks it is not (max) first (mssql-ddl.ts)
      "IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[x].[u]') AND name IN (N'a') AND (max_length = -1 OR system_type_id IN (34, 35, 99, 241)))" +
        " PRINT N'synctl: index ix on [x].[u] left out: SQL Server cannot index a (max) column among a' ELSE" +
        " IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[x].[u]') AND name = N'ix') CREATE INDEX [ix] ON [x].[u] ([a])",
      'DROP INDEX IF EXISTS [old_ix] ON [x].[u]',
      'ALTER TABLE [x].[u] ADD [z] int NULL',
    ],
  });
});

test('DROP INDEX, functional indexes left out, DROP DATABASE refused', () => {
  expect(both('DROP INDEX k_1 ON x.t')).toEqual({ pg: [`DROP INDEX IF EXISTS "x"."t_k_1"`], ms: ['DROP INDEX IF EXISTS [k_1] ON [x].[t]'] });
  expect(both('CREATE TABLE f (a int, b varchar(10), KEY ((a + 1)), KEY kb (b))')).toEqual({
    pg: [`CREATE TABLE "app"."f" ("a" integer, "b" varchar(10))`, `CREATE INDEX IF NOT EXISTS "f_kb" ON "app"."f" ("b")`],
    ms: ['CREATE TABLE [app].[f] ([a] int NULL, [b] nvarchar(10) NULL)', "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[f]') AND name = N'kb') CREATE INDEX [kb] ON [app].[f] ([b])"],
  });
  expect(() => both('DROP DATABASE app')).toThrow(/DROP DATABASE app is not replayed on PostgreSQL/);
});

test('MySQL defaults and type texts as the engines read them', () => {
  expect(readMysqlDefault('null')).toEqual({ kind: 'null' });
  expect(readMysqlDefault('CURRENT_TIMESTAMP')).toEqual({ kind: 'currentTimestamp' });
  expect(readMysqlDefault("'it''s\\n'")).toEqual({ kind: 'value', text: "it's\n" });
  expect(readMysqlDefault('-5')).toEqual({ kind: 'value', text: '-5' });
  expect(readMysqlDefault('(1 + 1)')).toBeUndefined();
  expect(readMysqlDefault("'2020-00-01'")).toBeUndefined();
  expect(readMysqlDefault('TRUE')).toBeUndefined();
  expect(readMysqlType(' Int(11) UNSIGNED zerofill', 'a-z')).toEqual({ base: 'int', args: '11', unsigned: true, n: 11 });
  expect(readMysqlType("enum('a','b')", 'a-z')).toEqual({ base: 'enum', args: "'a','b'", unsigned: false, n: undefined });
  expect(readMysqlType('inet6', 'a-z')?.base).toBe('inet');
  expect(readMysqlType('inet6', 'a-z0-9_')?.base).toBe('inet6');
  expect(readMysqlType('(x)', 'a-z')).toBeUndefined();
});
