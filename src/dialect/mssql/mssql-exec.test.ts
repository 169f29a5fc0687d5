/**
 * Exec into SQL Server, by its generated SQL and recorded result sets (fixtures/, written
 * from documentation: no SQL Server runs where these tests run).
 */
import type { TableDescriptor } from '../../model/change';
import type { VTable } from '../../verify/types';
import { bindTable } from '../bound-table';
import { parseMysqlDdl } from '../mysql/mysql-ddl-parse';
import { countedBatch, parseCounts, rowsOfStatement, sessionCheck, transactionCheck, transactionOpenAfter, tsqlStatement } from './mssql-batch';
import { mssqlColumnsSql, mssqlKeysSql, mssqlTablesFromRows } from './mssql-catalog';
import { mssqlDefault, mssqlTypeForMysql, mysqlDdlToMssql } from './mssql-ddl';
import { mssqlConnectionLost, mssqlErrorKind, mssqlIsDuplicateKey } from './mssql-errors';
import { loadMssql, sessionSetup, type MssqlModule } from './mssql-session';
import { mssqlSystemTables, mssqlWriter } from './mssql-sql';
import { applockSql, mssqlCopyTable, mssqlTargetOn, mssqlTranslateDdl } from './mssql-target';
import batchResult from './fixtures/batch-result.json';
import catalog from './fixtures/catalog-result.json';
import duplicate from './fixtures/error-duplicate.json';

const MARK = '00112233445566778899aabbccddeeff';

describe('one round trip with a count per statement', () => {
  test('exec engine words become T-SQL transaction statements', () => {
    expect(tsqlStatement('BEGIN')).toBe('BEGIN TRANSACTION');
    expect(tsqlStatement('COMMIT')).toBe('COMMIT TRANSACTION');
    expect(tsqlStatement('ROLLBACK')).toBe('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
    expect(tsqlStatement('MERGE INTO t ...;')).toBe('MERGE INTO t ...');
  });

  test('every statement is followed by its @@ROWCOUNT, inside TRY with the error re-thrown', () => {
    expect(countedBatch(['BEGIN', 'INSERT INTO [a].[t] ([id]) VALUES (1)', 'MERGE INTO x USING y ON z WHEN MATCHED THEN DELETE;'], MARK)).toBe(
      [
        `IF CONTEXT_INFO() IS NULL OR SUBSTRING(CONTEXT_INFO(), 1, 16) <> 0x${MARK} THROW 50001, N'synctl: not the session exec opened (the connection was lost and replaced)', 1;`,
        "DECLARE @synctl_rc nvarchar(max) = N'';",
        'BEGIN TRY',
        'BEGIN TRANSACTION',
        ';',
        "SET @synctl_rc += CONCAT(@@ROWCOUNT, N' ');",
        'INSERT INTO [a].[t] ([id]) VALUES (1)',
        ';',
        "SET @synctl_rc += CONCAT(@@ROWCOUNT, N' ');",
        'MERGE INTO x USING y ON z WHEN MATCHED THEN DELETE',
        ';',
        "SET @synctl_rc += CONCAT(@@ROWCOUNT, N' ');",
        'END TRY',
        'BEGIN CATCH',
        '  THROW;',
        'END CATCH;',
        'SELECT @synctl_rc AS rc;',
      ].join('\n'),
    );
  });

  test('the recorded result of a batch gives one count per statement', () => {
    expect(parseCounts(batchResult.recordsets, 4)).toEqual([0, 2, 0, 1]);
    expect(() => parseCounts(batchResult.recordsets, 3)).toThrow(/4 row counts for 3 statements/);
    expect(() => parseCounts([], 1)).toThrow(/no row counts/);
  });

  test('the session is set up once: no DONE counts, errors do not doom the transaction, marked', () => {
    const s = sessionSetup(MARK);
    expect(s).toContain('SET NOCOUNT ON');
    expect(s).toContain('SET XACT_ABORT OFF');
    expect(s).toContain(`SET CONTEXT_INFO 0x${MARK}`);
    expect(sessionCheck(MARK)).toMatch(/^IF CONTEXT_INFO\(\) IS NULL/);
  });

  test('the session lock and soft_op copy', () => {
    expect(applockSql("synctl-exec-5-0'", 60)).toBe(
      "DECLARE @r int; EXEC @r = sp_getapplock @Resource = N'synctl-exec-5-0''', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 60000; SELECT @r AS r",
    );
    expect(mssqlCopyTable('app', 'orders', 'orders_bak_20260101000000')).toEqual(['SELECT * INTO [app].[orders_bak_20260101000000] FROM [app].[orders]']);
  });
});

describe('errors', () => {
  test('a recorded duplicate-key error is one; other numbers are not', () => {
    expect(mssqlIsDuplicateKey(duplicate)).toBe(true);
    expect(mssqlIsDuplicateKey({ number: 2601 })).toBe(true);
    expect(mssqlIsDuplicateKey({ number: 547 })).toBe(false);
    expect(mssqlIsDuplicateKey(new Error('x'))).toBe(false);
    // what a load's TRYTIMES must not retry: the same again on every try
    expect(mssqlErrorKind(duplicate)).toBe('duplicate');
    expect(mssqlErrorKind({ number: 8152 })).toBe('data');
    expect(mssqlErrorKind({ number: 1205, precedingErrors: [{ number: 2628 }] })).toBe('data');
    expect(mssqlErrorKind({ number: 1205 })).toBe('other'); // a deadlock victim may succeed next time
  });

  test('connection loss: socket codes, transport numbers, a replaced session; not statement errors', () => {
    expect(mssqlConnectionLost({ name: 'ConnectionError', code: 'ESOCKET' })).toBe(true);
    expect(mssqlConnectionLost({ name: 'RequestError', code: 'ECONNCLOSED' })).toBe(true);
    expect(mssqlConnectionLost({ name: 'ConnectionError', code: 'ETIMEOUT' })).toBe(true);
    expect(mssqlConnectionLost({ name: 'RequestError', code: 'ETIMEOUT' })).toBe(false);
    expect(mssqlConnectionLost({ number: 50001 })).toBe(true);
    expect(mssqlConnectionLost({ number: 6005 })).toBe(true);
    expect(mssqlConnectionLost(duplicate)).toBe(false);
    expect(mssqlConnectionLost(undefined)).toBe(false);
  });
});

describe('catalog', () => {
  test('queries read user tables, optionally one schema', () => {
    expect(mssqlColumnsSql('app')).toContain("WHERE t.is_ms_shipped = 0 AND s.name = N'app' ORDER BY s.name, t.name, c.column_id");
    expect(mssqlColumnsSql()).not.toContain('s.name = ');
    expect(mssqlKeysSql("o'k")).toContain("s.name = N'o''k'");
  });

  test('a recorded catalog result becomes the table with kinds and declared types', () => {
    const [t] = mssqlTablesFromRows(catalog.columns, catalog.keys);
    expect(t!.schema).toBe('app');
    expect(t!.key).toEqual(['id']);
    expect(t!.columns.map((c) => [c.name, c.kind, c.type])).toEqual([
      ['id', 'int', 'int'],
      ['big', 'decimal', 'decimal(20,0)'],
      ['amount', 'decimal', 'decimal(12,2)'],
      ['note', 'text', 'nvarchar(40)'],
      ['code', 'text', 'nchar(3)'],
      ['body', 'text', 'nvarchar(max)'],
      ['raw', 'binary', 'varbinary(max)'],
      ['flag', 'bool', 'bit'],
      ['at', 'datetime', 'datetime2(6)'],
      ['ts', 'timestamptz', 'datetimeoffset(6)'],
      ['d', 'date', 'date'],
      ['t', 'time', 'time(6)'],
      ['f', 'float', 'float'],
      ['u', 'other', 'uniqueidentifier'],
      ['nm', 'text', 'nvarchar(128)'],
    ]);
    expect(t!.columns[2]!.scale).toBe(2);
  });
});

describe('statements SQL Server spells its own way', () => {
  const source: TableDescriptor = {
    schema: 'app',
    table: 'lines',
    columns: [
      { name: 'order_id', type: 'int', key: true, nullable: false },
      { name: 'line', type: 'int', key: true, nullable: false },
      { name: 'qty', type: 'int', key: false, nullable: true },
    ],
  };
  const target: VTable = {
    schema: 'app',
    table: 'lines',
    columns: [
      { name: 'order_id', kind: 'int', type: 'int' },
      { name: 'line', kind: 'int', type: 'int' },
      { name: 'qty', kind: 'int', type: 'int' },
    ],
    key: ['order_id', 'line'],
  };
  const b = bindTable(source, target, (n) => target.columns.find((c) => c.name === n));
  const w = mssqlWriter({ zeroDate: null });

  test('composite-key multi-row DELETE is an OR of ANDs (no row-value IN)', () => {
    expect(w.delete(b, [[1, 1, 5], [1, 2, 6]])).toBe('DELETE FROM [app].[lines] WHERE ([order_id] = 1 AND [line] = 1) OR ([order_id] = 1 AND [line] = 2)');
    expect(w.delete(b, [[1, 1, 5]])).toBe('DELETE FROM [app].[lines] WHERE [order_id] = 1 AND [line] = 1');
  });

  test('more than 1000 rows insert through a derived table; up to 1000 through VALUES', () => {
    const rows = Array.from({ length: 1001 }, (_, i) => [i, 1, null]);
    const big = w.insert(b, rows);
    expect(big.startsWith('INSERT INTO [app].[lines] ([order_id], [line], [qty]) SELECT * FROM (VALUES (0, 1, NULL), (1, 1, NULL)')).toBe(true);
    expect(big.endsWith('(1000, 1, NULL)) AS s ([order_id], [line], [qty])')).toBe(true);
    expect(w.insert(b, rows.slice(0, 1000)).startsWith('INSERT INTO [app].[lines] ([order_id], [line], [qty]) VALUES (0, 1, NULL)')).toBe(true);
  });

  test('several updates setting the same columns: one UPDATE ... FROM (VALUES ...)', () => {
    expect(w.updateMany(b, [{ before: [1, 1, 5], after: [1, 1, 7] }, { before: [1, 2, 6], after: [1, 2, 8] }])).toEqual([
      {
        sql: 'UPDATE d SET d.[qty] = s.[qty] FROM [app].[lines] AS d JOIN (VALUES (1, 1, 7), (1, 2, 8)) AS s ([order_id], [line], [qty]) ON d.[order_id] = s.[order_id] AND d.[line] = s.[line]',
        rows: 2,
      },
    ]);
  });

  test('source wins: MERGE with HOLDLOCK', () => {
    expect(w.upsert(b, [1, 1, 9])).toBe(
      'MERGE INTO [app].[lines] WITH (HOLDLOCK) AS d USING (VALUES (1, 1, 9)) AS s ([order_id], [line], [qty]) ON d.[order_id] = s.[order_id] AND d.[line] = s.[line]' +
        ' WHEN MATCHED THEN UPDATE SET d.[qty] = s.[qty] WHEN NOT MATCHED THEN INSERT ([order_id], [line], [qty]) VALUES (s.[order_id], s.[line], s.[qty]);',
    );
    expect(w.insertIgnoringDuplicate(b, [1, 1, 9])).toMatch(/^MERGE INTO \[app\]\.\[lines\] WITH \(HOLDLOCK\) AS d .* WHEN NOT MATCHED THEN INSERT/);
  });
});

describe('system tables', () => {
  const sys = mssqlSystemTables('syn ctl');
  test('created when missing, in the configured schema', () => {
    const c = sys.create();
    expect(c[0]).toBe("IF SCHEMA_ID(N'syn ctl') IS NULL EXEC(N'CREATE SCHEMA [syn ctl]')");
    expect(c[1]).toMatch(/^IF OBJECT_ID\(N'\[syn ctl\]\.\[DMHS_TRXID_TABLE\]', 'U'\) IS NULL CREATE TABLE \[syn ctl\]\.\[DMHS_TRXID_TABLE\] \(SITEID int NOT NULL/);
    expect(c[2]).toMatch(/CREATE TABLE \[syn ctl\]\.\[DMHS_ERROR_TSK_TABLE\] \(ID bigint IDENTITY PRIMARY KEY/);
    expect(c[3]).toMatch(/CREATE TABLE \[syn ctl\]\.\[DMHS_TABLE_SEQID\] \(SCHEMA_NAME nvarchar\(256\) NOT NULL/);
  });

  test("DMHS_TABLE_SEQID's gate row: added when absent (atomically), taken shared by each group", () => {
    expect(sys.create()[4]).toBe(
      "MERGE INTO [syn ctl].[DMHS_TABLE_SEQID] WITH (HOLDLOCK) AS d USING (VALUES (N'', N'', N'', N'gate')) AS s (SCHEMA_NAME, TABLE_NAME, POS, STATUS)" +
        ' ON d.SCHEMA_NAME = s.SCHEMA_NAME AND d.TABLE_NAME = s.TABLE_NAME WHEN NOT MATCHED THEN INSERT (SCHEMA_NAME, TABLE_NAME, POS, STATUS) VALUES (s.SCHEMA_NAME, s.TABLE_NAME, s.POS, s.STATUS);',
    );
    expect(sys.gateShared()).toBe("SELECT 1 FROM [syn ctl].[DMHS_TABLE_SEQID] WITH (HOLDLOCK, ROWLOCK) WHERE SCHEMA_NAME = N'' AND TABLE_NAME = N''");
  });

  test('reads, error records, reapplied marks', () => {
    expect(sys.read()).toBe('SELECT SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT FROM [syn ctl].[DMHS_TRXID_TABLE]');
    expect(sys.readTableSeqids()).toBe('SELECT SCHEMA_NAME, TABLE_NAME, POS, STATUS FROM [syn ctl].[DMHS_TABLE_SEQID]');
    expect(
      sys.recordError({ siteid: 2, position: 'binlog:b.1:4', xid: '9', table: 'app.t', op: 'insert', statement: "INSERT ... N'x'", error: 'dup', action: 'discarded' }),
    ).toBe(
      "INSERT INTO [syn ctl].[DMHS_ERROR_TSK_TABLE] (SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION) VALUES (2, N'binlog:b.1:4', N'9', N'app.t', N'insert', N'INSERT ... N''x''', N'dup', N'discarded')",
    );
    expect(sys.listErrors()).toBe('SELECT ID, SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION, AT FROM [syn ctl].[DMHS_ERROR_TSK_TABLE] ORDER BY ID');
    expect(sys.markReapplied(4)).toBe("UPDATE [syn ctl].[DMHS_ERROR_TSK_TABLE] SET ACTION = N'reapplied' WHERE ID = 4");
  });
});

describe('MySQL types and DDL in SQL Server', () => {
  const toMs = (sql: string): string[] => {
    const { statement, why } = parseMysqlDdl(sql);
    if (!statement) throw new Error(`not parsed: ${why}`);
    return mysqlDdlToMssql(statement, { target: (t) => ({ schema: t.schema ?? 'app', table: t.table }) });
  };

  test('type map', () => {
    const cases: [string, string][] = [
      ['tinyint(1)', 'smallint'],
      ['tinyint unsigned', 'tinyint'],
      ['smallint unsigned', 'int'],
      ['mediumint', 'int'],
      ['int(11)', 'int'],
      ['int unsigned', 'bigint'],
      ['bigint(20) unsigned', 'decimal(20,0)'],
      ['decimal(12,2)', 'decimal(12,2)'],
      ['decimal', 'decimal(10,0)'],
      ['float', 'real'],
      ['float(30)', 'float'],
      ['double', 'float'],
      ['bit(1)', 'bit'],
      ['bit(10)', 'binary(2)'],
      ['boolean', 'bit'],
      ['char(10)', 'nchar(10)'],
      ['varchar(40)', 'nvarchar(40)'],
      ['varchar(5000)', 'nvarchar(max)'],
      ['longtext', 'nvarchar(max)'],
      ["enum('a','b')", 'nvarchar(255)'],
      ['json', 'nvarchar(max)'],
      ['binary(16)', 'binary(16)'],
      ['varbinary(9000)', 'varbinary(max)'],
      ['longblob', 'varbinary(max)'],
      ['geometry', 'varbinary(max)'],
      ['date', 'date'],
      ['time(3)', 'time(3)'],
      ['datetime', 'datetime2(0)'],
      ['datetime(6)', 'datetime2(6)'],
      ['timestamp(6)', 'datetimeoffset(6)'],
      ['year', 'smallint'],
    ];
    expect(cases.map(([m]) => mssqlTypeForMysql(m))).toEqual(cases.map(([, s]) => s));
    expect(() => mssqlTypeForMysql('decimal(65,30)')).toThrow(/at most 38 digits/);
  });

  test('defaults', () => {
    expect(mssqlDefault("'it''s'", 'nvarchar(10)')).toBe("N'it''s'");
    expect(mssqlDefault('CURRENT_TIMESTAMP', 'datetime2(3)')).toBe('CAST(SYSUTCDATETIME() AS datetime2(3))');
    expect(mssqlDefault('CURRENT_TIMESTAMP', 'datetimeoffset(0)')).toBe('SYSDATETIMEOFFSET()');
    expect(mssqlDefault("'0000-00-00'", 'date')).toBeUndefined();
    expect(mssqlDefault("'1'", 'bit')).toBe('1');
    expect(mssqlDefault('-5', 'int')).toBe('-5');
  });

  test('sysbench CREATE TABLE and its index', () => {
    expect(
      toMs(`CREATE TABLE sbtest1(
  id INTEGER NOT NULL AUTO_INCREMENT,
  k INTEGER DEFAULT '0' NOT NULL,
  c CHAR(120) DEFAULT '' NOT NULL,
  pad CHAR(60) DEFAULT '' NOT NULL,
  PRIMARY KEY (id)
) /*! ENGINE = innodb */`),
    ).toEqual([
      "CREATE TABLE [app].[sbtest1] ([id] int NOT NULL, [k] int DEFAULT 0 NOT NULL, [c] nchar(120) DEFAULT N'' NOT NULL, [pad] nchar(60) DEFAULT N'' NOT NULL, CONSTRAINT [PK_sbtest1] PRIMARY KEY ([id]))",
    ]);
    // the column's type is not known here: the server checks it is not (max) first
    expect(toMs('CREATE INDEX k_1 ON sbtest1(k)')).toEqual([
      "IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[app].[sbtest1]') AND name IN (N'k') AND (max_length = -1 OR system_type_id IN (34, 35, 99, 241)))" +
        " PRINT N'synctl: index k_1 on [app].[sbtest1] left out: SQL Server cannot index a (max) column among k' ELSE " +
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[sbtest1]') AND name = N'k_1') CREATE INDEX [k_1] ON [app].[sbtest1] ([k])",
    ]);
  });

  test('CREATE TABLE IF NOT EXISTS; indexes on (max) columns are left out', () => {
    expect(toMs('CREATE TABLE IF NOT EXISTS `s`.`t` (`id` bigint unsigned NOT NULL PRIMARY KEY, `body` text, `n` varchar(20), KEY (`body`(10)), UNIQUE KEY `u_n` (`n`))')).toEqual([
      "IF OBJECT_ID(N'[s].[t]', 'U') IS NULL CREATE TABLE [s].[t] ([id] decimal(20,0) NOT NULL, [body] nvarchar(max) NULL, [n] nvarchar(20) NULL, CONSTRAINT [PK_t] PRIMARY KEY ([id]))",
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[s].[t]') AND name = N'u_n') CREATE UNIQUE INDEX [u_n] ON [s].[t] ([n])",
    ]);
  });

  test('ALTER TABLE: add (NOT NULL gets the implicit default), drop (its default constraint first), rename column', () => {
    const out = toMs('ALTER TABLE t ADD COLUMN c2 int unsigned NOT NULL AFTER id, DROP COLUMN old, RENAME COLUMN a TO b');
    expect(out[0]).toBe('ALTER TABLE [app].[t] ADD [c2] bigint DEFAULT 0 NOT NULL');
    expect(out[1]).toBe(
      "EXEC(N'DECLARE @d sysname = (SELECT dc.name FROM sys.default_constraints dc JOIN sys.columns c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id" +
        " WHERE dc.parent_object_id = OBJECT_ID(N''[app].[t]'') AND c.name = N''old''); IF @d IS NOT NULL EXEC(N''ALTER TABLE [app].[t] DROP CONSTRAINT '' + QUOTENAME(@d))')",
    );
    expect(out[2]).toBe('ALTER TABLE [app].[t] DROP COLUMN [old]');
    expect(out[3]).toBe("EXEC sp_rename N'[app].[t].[a]', N'b', 'COLUMN'");
  });

  test('MODIFY / CHANGE: rename, type, nullability, default', () => {
    const out = toMs("ALTER TABLE t CHANGE COLUMN a b varchar(10) NOT NULL DEFAULT 'x'");
    expect(out[0]).toBe("EXEC sp_rename N'[app].[t].[a]', N'b', 'COLUMN'");
    expect(out[1]).toMatch(/^EXEC\(N'DECLARE @d sysname/);
    expect(out[2]).toBe('ALTER TABLE [app].[t] ALTER COLUMN [b] nvarchar(10) NOT NULL');
    expect(out[3]).toBe("ALTER TABLE [app].[t] ADD DEFAULT N'x' FOR [b]");
  });

  test('TRUNCATE, DROP TABLE, RENAME TABLE (across schemas), keys, DROP DATABASE refused', () => {
    expect(toMs('TRUNCATE TABLE t')).toEqual(['TRUNCATE TABLE [app].[t]']);
    expect(toMs('DROP TABLE IF EXISTS t, x.u')).toEqual(['DROP TABLE IF EXISTS [app].[t], [x].[u]']);
    expect(toMs('RENAME TABLE t TO x.t2')).toEqual(['ALTER SCHEMA [x] TRANSFER [app].[t]', "EXEC sp_rename N'[x].[t]', N't2'"]);
    expect(toMs('ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)')).toEqual([
      "EXEC(N'DECLARE @k sysname = (SELECT name FROM sys.key_constraints WHERE type = ''PK'' AND parent_object_id = OBJECT_ID(N''[app].[t]'')); IF @k IS NOT NULL EXEC(N''ALTER TABLE [app].[t] DROP CONSTRAINT '' + QUOTENAME(@k))')",
      'ALTER TABLE [app].[t] ADD CONSTRAINT [PK_t] PRIMARY KEY ([a], [b])',
    ]);
    expect(toMs('ALTER TABLE t DROP INDEX k_1')).toEqual(['DROP INDEX IF EXISTS [k_1] ON [app].[t]']);
    expect(toMs('CREATE DATABASE IF NOT EXISTS app2')).toEqual(["IF SCHEMA_ID(N'app2') IS NULL EXEC(N'CREATE SCHEMA [app2]')"]);
    expect(() => toMs('DROP DATABASE app')).toThrow(/not replayed on SQL Server/);
  });

  test('translateDdl: names through the map, the type map, refusals say why', () => {
    const names = { defaultSchema: 'app', subject: { schema: 'APP_BAK', table: 'T1' }, name: (s: string, t: string) => ({ schema: s.toUpperCase(), table: t.toUpperCase() }) };
    expect(mssqlTranslateDdl('mysql', 'CREATE TABLE t1 (id int PRIMARY KEY, ok tinyint(1))', names, [{ source: 'tinyint(1)', target: 'bit' }])).toEqual([
      'CREATE TABLE [APP_BAK].[T1] ([id] int NOT NULL, [ok] bit NULL, CONSTRAINT [PK_T1] PRIMARY KEY ([id]))',
    ]);
    expect(() => mssqlTranslateDdl('mysql', 'CREATE VIEW v AS SELECT 1', names)).toThrow(/not translated to SQL Server \(not a table or index statement\)/);
    expect(() => mssqlTranslateDdl('pg', 'ALTER TABLE t ADD c int', names)).toThrow(/DDL from pg into SQL Server is not translated/);
  });
});

describe('the target over a session answering with recorded results', () => {
  let sql: MssqlModule;
  beforeAll(async () => {
    sql = await loadMssql();
  });
  /** A session that records each batch and answers from a script (IResult shapes as mssql returns them). */
  function fakeSession(answers: ((sql: string) => unknown)[]) {
    const sent: string[] = [];
    const session = {
      label: 'mssql db.example:1433/app',
      mark: MARK,
      batch: async (sql: string) => {
        sent.push(sql);
        const a = answers.shift();
        const r = a ? a(sql) : { recordsets: [], recordset: undefined, rowsAffected: [], output: {} };
        if (r instanceof Error || (r as { number?: number }).number !== undefined) throw r;
        return r as never;
      },
      request: () => {
        throw new Error('not used');
      },
      sql,
      bulk: async () => {
        throw new Error('not used');
      },
      close: async () => undefined,
    };
    return { session, sent };
  }
  const result = (recordsets: Record<string, unknown>[][]) => () => ({ recordsets, recordset: recordsets[0], rowsAffected: [], output: {} });

  test('run: one batch, a count per statement', async () => {
    const { session, sent } = fakeSession([() => batchResult]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    expect(await t.run(['BEGIN', 'INSERT ...', 'UPDATE ...', 'MERGE ...;'])).toEqual([0, 2, 0, 1]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('BEGIN TRANSACTION\n;');
    expect(await t.run([])).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  test("runReading: one batch; the read's rows are the result set of its SELECT, counted past the SELECTs before it", async () => {
    const seqids = [{ SCHEMA_NAME: 'app', TABLE_NAME: 't', POS: 'binlog:b.1:4', STATUS: 'done' }];
    // what SQL Server returns for BEGIN; gate SELECT; seqid SELECT; UPDATE; then the counts row
    const { session, sent } = fakeSession([result([[{ '': 1 }], seqids, [{ rc: '0 1 1 3 ' }]])]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    const sys = t.system;
    const r = await t.runReading(['BEGIN', sys.gateShared(), sys.readTableSeqids(), 'UPDATE ...'], 2);
    expect(r).toEqual({ counts: [0, 1, 1, 3], rows: seqids });
    expect(sent).toHaveLength(1);
    expect(() => rowsOfStatement([], ['BEGIN', 'UPDATE ...'], 1)).toThrow(/not a SELECT/);
  });

  test('while exec has a transaction open, every batch first checks SQL Server has not rolled it back', async () => {
    const counts = (n: number) => () => ({ recordsets: [[{ rc: '0 '.repeat(n) }]], recordset: undefined, rowsAffected: [], output: {} });
    const { session, sent } = fakeSession([counts(1), counts(1), counts(2), counts(1), counts(1)]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    await t.run(['BEGIN']);
    await t.run(['INSERT ...']);
    await t.run(['UPDATE ...', 'COMMIT']);
    await t.run(['INSERT ...']);
    await t.run(['BEGIN']);
    await t.rollback();
    expect(sent.map((b) => b.includes('IF @@TRANCOUNT = 0 THROW 50002'))).toEqual([false, true, true, false, false, false]);
    expect(transactionOpenAfter(['BEGIN', 'x', 'ROLLBACK'], false)).toBe(false);
    expect(transactionOpenAfter(['x'], true)).toBe(true);
  });

  test('lock: granted (0, 1) or not (negative)', async () => {
    const { session, sent } = fakeSession([result([[{ r: 1 }]]), result([[{ r: -1 }]])]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    expect(await t.lock('synctl-exec-1-0', 5)).toBe(true);
    expect(await t.lock('synctl-exec-1-0', 5)).toBe(false);
    expect(sent[0]).toContain("@LockOwner = 'Session', @LockTimeout = 5000");
  });

  test('guarded: a savepoint, rolled back to when the work fails (a duplicate key stays recognisable)', async () => {
    const { session, sent } = fakeSession([]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    expect(await t.guarded(async () => 7)).toBe(7);
    const err = await t
      .guarded(async () => {
        throw duplicate;
      })
      .catch((e: unknown) => e);
    expect(t.isDuplicateKey(err)).toBe(true);
    expect(sent).toEqual([`${transactionCheck()}\nSAVE TRANSACTION g1`, `${transactionCheck()}\nSAVE TRANSACTION g2`, 'IF XACT_STATE() = 1 ROLLBACK TRANSACTION g2']);
  });

  test('table: the recorded catalog, names matched ignoring case when asked; query checks the session first', async () => {
    const { session, sent } = fakeSession([result([catalog.columns]), result([catalog.keys])]);
    const t = mssqlTargetOn(session, { zeroDate: null, systemSchema: 'synctl' });
    const got = await t.table('APP', 'Orders', false);
    expect(got?.table).toBe('orders');
    expect(got?.key).toEqual(['id']);
    expect(await t.table('app', 'missing', false)).toBeUndefined(); // cached: no new batch
    expect(sent).toHaveLength(2);
    expect(sent[0]!.startsWith(sessionCheck(MARK))).toBe(true);
    await t.rollback();
    expect(sent[2]).toBe('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
  });
});
