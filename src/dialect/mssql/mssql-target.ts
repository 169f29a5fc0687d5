import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import type { ApplyTarget, DdlNames } from '../../exec/target';
import type { VTable } from '../../verify/types';
import { ddlSubject, parseMysqlDdl } from '../mysql/mysql-ddl-parse';
import { typeMapLookup, type TypeMapItem } from '../type-map';
import type { ZeroDateRule } from '../zero-date';
import type { Row } from '../../model/change';
import type { BoundTable } from '../bound-table';
import { BULK_OPTIONS, bulkColumns, bulkTable, mssqlBulkColumnsSql } from './mssql-bulk-table';
import type { BulkColumnDef } from './mssql-bulk-values';
import { countedBatch, parseCounts, rowsOfStatement, sessionCheck, transactionCheck, transactionOpenAfter } from './mssql-batch';
import { mssqlColumnsSql, mssqlKeysSql, mssqlTablesFromRows } from './mssql-catalog';
import { mysqlDdlToMssql } from './mssql-ddl';
import { mssqlIsDuplicateKey } from './mssql-errors';
import { openMssqlSession, type MssqlSession } from './mssql-session';
import { mssqlQuoteIdent, mssqlString, mssqlSystemTables, mssqlWriter } from './mssql-sql';

export interface MssqlTargetOptions {
  readonly zeroDate: ZeroDateRule;
  /** schema of exec's own tables (created when missing) */
  readonly systemSchema: string;
  /** the site's type_map, for tables exec creates from DDL */
  readonly typeMap?: readonly TypeMapItem[];
}

/** sp_getapplock resource names are at most 255 characters. */
export function applockSql(name: string, timeoutSec: number): string {
  return (
    `DECLARE @r int; EXEC @r = sp_getapplock @Resource = ${mssqlString(name.slice(0, 255))}, @LockMode = 'Exclusive',` +
    ` @LockOwner = 'Session', @LockTimeout = ${Math.max(0, Math.round(timeoutSec * 1000))}; SELECT @r AS r`
  );
}

/** SELECT INTO copies columns and rows (not keys or indexes): enough for soft_op's backup. */
export function mssqlCopyTable(schema: string, table: string, copyName: string): string[] {
  const s = mssqlQuoteIdent(schema);
  return [`SELECT * INTO ${s}.${mssqlQuoteIdent(copyName.slice(0, 128))} FROM ${s}.${mssqlQuoteIdent(table)}`];
}

/** MySQL DDL in SQL Server's spelling; throws APPLY_SCHEMA saying why when it is not translated. */
export function mssqlTranslateDdl(sourceEngine: 'mysql' | 'pg' | 'mssql', sql: string, names: DdlNames, typeMap: readonly TypeMapItem[] = []): string[] {
  if (sourceEngine !== 'mysql') throw new SynctlError('APPLY_SCHEMA', `DDL from ${sourceEngine} into SQL Server is not translated`);
  const { statement, why } = parseMysqlDdl(sql);
  if (!statement) throw new SynctlError('APPLY_SCHEMA', `DDL not translated to SQL Server (${why}): ${sql.replace(/\s+/g, ' ').slice(0, 200)}`);
  const subject = ddlSubject(statement);
  const typeFor = typeMapLookup(typeMap);
  return mysqlDdlToMssql(statement, {
    ...(typeFor ? { typeFor } : {}),
    target: (t) => (names.subject && t.table === subject.table && t.schema === subject.schema ? names.subject : names.name(t.schema ?? names.defaultSchema, t.table)),
  });
}

class MssqlTarget implements ApplyTarget {
  readonly sameEngineDdl = 'mssql' as const;
  readonly writer;
  readonly system;
  readonly label: string;
  private readonly tables = new Map<string, VTable[]>();
  /** bulk columns per table and written columns (or why it is not bulk loaded), until invalidate */
  private readonly bulkCols = new Map<string, BulkColumnDef[] | string>();
  private savepoints = 0;
  /** exec opened a transaction (BEGIN) that it has not ended: every batch checks it is still open */
  private inTransaction = false;

  constructor(
    private readonly session: MssqlSession,
    private readonly opts: MssqlTargetOptions,
  ) {
    this.label = session.label;
    this.writer = mssqlWriter({ zeroDate: opts.zeroDate });
    this.system = mssqlSystemTables(opts.systemSchema);
  }

  async run(statements: readonly string[]): Promise<number[]> {
    if (statements.length === 0) return [];
    return parseCounts((await this.batch(statements)).recordsets, statements.length);
  }

  async runReading(statements: readonly string[], readAt: number): Promise<{ counts: number[]; rows: Record<string, unknown>[] }> {
    const r = await this.batch(statements);
    return { counts: parseCounts(r.recordsets, statements.length), rows: rowsOfStatement(r.recordsets, statements, readAt) };
  }

  private async batch(statements: readonly string[]): Promise<{ recordsets: Record<string, unknown>[][] }> {
    const r = await this.session.batch(countedBatch(statements, this.session.mark, this.inTransaction));
    this.inTransaction = transactionOpenAfter(statements, this.inTransaction);
    return r as { recordsets: Record<string, unknown>[][] };
  }

  async lock(name: string, timeoutSec: number): Promise<boolean> {
    const r = await this.session.batch(applockSql(name, timeoutSec));
    // 0 granted, 1 granted after waiting; negative: timeout, deadlock, error
    return Number(r.recordset?.[0]?.['r']) >= 0;
  }

  async rollback(): Promise<void> {
    this.inTransaction = false;
    await this.session.batch('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.session.batch(`${sessionCheck(this.session.mark)}\n${sql}`);
    return r.recordset ?? [];
  }

  /** SAVE TRANSACTION: a failed statement is undone alone and the transaction goes on. */
  async guarded<T>(work: () => Promise<T>): Promise<T> {
    const name = `g${++this.savepoints}`;
    await this.session.batch(`${transactionCheck()}\nSAVE TRANSACTION ${name}`);
    try {
      return await work();
    } catch (e) {
      // a doomed transaction (XACT_STATE -1) cannot go back to a savepoint: the caller rolls it back
      await this.session.batch(`IF XACT_STATE() = 1 ROLLBACK TRANSACTION ${name}`);
      throw e;
    }
  }

  /**
   * A bulk load (INSERT BULK, mssql-bulk-table.ts) straight into the table, in the open
   * transaction: all rows or, on a duplicate key (2627/2601, as a multi-row INSERT fails),
   * none, and exec then applies the group change by change. A table the bulk path cannot
   * write exactly (an IDENTITY column, a type without an exact conversion) gets the
   * multi-row INSERT instead, with the same outcome.
   */
  async bulkInsert(t: BoundTable, rows: readonly Row[]): Promise<number> {
    const indexes = t.columns.flatMap((c, i) => (c ? [i] : []));
    const key = `${t.schema}\u0000${t.table}\u0000${indexes.join(',')}`;
    let cols = this.bulkCols.get(key);
    if (cols === undefined) this.bulkCols.set(key, (cols = bulkColumns(t, indexes, await this.query(mssqlBulkColumnsSql(t.schema, t.table)))));
    if (typeof cols === 'string') return (await this.run([this.writer.insert(t, rows)]))[0]!;
    const table = bulkTable(this.session.sql, `${mssqlQuoteIdent(t.schema)}.${mssqlQuoteIdent(t.table)}`, cols, indexes, rows, this.opts.zeroDate);
    // the bulk runs in this session's open transaction, which must still be the one exec opened
    await this.session.batch(`${sessionCheck(this.session.mark)}\n${transactionCheck()}`);
    await this.session.bulk(table, BULK_OPTIONS);
    // SET NOCOUNT ON leaves the bulk's DONE without a count: it loaded every row or failed
    return rows.length;
  }

  isDuplicateKey(e: unknown): boolean {
    return mssqlIsDuplicateKey(e);
  }

  async table(schema: string, table: string, caseSensitive: boolean): Promise<VTable | undefined> {
    const key = caseSensitive ? schema : schema.toLowerCase();
    let list = this.tables.get(key);
    if (list === undefined) {
      // names compared here: the server's collation may or may not ignore case
      const only = caseSensitive ? schema : undefined;
      const all = mssqlTablesFromRows(await this.query(mssqlColumnsSql(only)), await this.query(mssqlKeysSql(only)));
      list = all.filter((t) => (caseSensitive ? t.schema === schema : t.schema.toLowerCase() === key));
      this.tables.set(key, list);
    }
    return list.find((t) => t.table === table) ?? (caseSensitive ? undefined : list.find((t) => t.table.toLowerCase() === table.toLowerCase()));
  }

  invalidate(): void {
    this.tables.clear();
    this.bulkCols.clear();
  }

  copyTable(schema: string, table: string, copyName: string): string[] {
    return mssqlCopyTable(schema, table, copyName);
  }

  /** SQL Server has no per-session default schema to switch to: the text runs as logged. */
  ddl(_schema: string, sql: string): string[] {
    return [sql];
  }

  translateDdl(sourceEngine: 'mysql' | 'pg' | 'mssql', sql: string, names: DdlNames): string[] {
    return mssqlTranslateDdl(sourceEngine, sql, names, this.opts.typeMap);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/** The target on an open session (tests give it a session that answers with recorded results). */
export function mssqlTargetOn(session: MssqlSession, opts: MssqlTargetOptions): ApplyTarget {
  return new MssqlTarget(session, opts);
}

export async function openMssqlTarget(db: DbConnection, opts: MssqlTargetOptions): Promise<ApplyTarget> {
  return mssqlTargetOn(await openMssqlSession(db, 'synctl exec'), opts);
}
