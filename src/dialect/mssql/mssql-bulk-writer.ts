/**
 * Chunks into a SQL Server table by bulk load (mssql `Table` + `request.bulk`, tedious'
 * INSERT BULK; mssql-bulk-table.ts), one session of its own, each chunk in one transaction
 * (BEGIN TRANSACTION ... the chunk's bulk loads ... the CHUNKS_DONE update, COMMIT): the
 * bulk loads run in the open transaction of the session, so the chunk's rows and its
 * progress commit together. Rows are sent every FLUSH_ROWS rows or FLUSH_BYTES, each send
 * preceded by the session/transaction check of mssql-batch.ts (a connection the pool
 * replaced would otherwise load the rows in autocommit).
 *
 * REPLACE/UPDATE: the rows go into a session temporary table (#synctl_copy_stage, the
 * written columns of the table, made by SELECT TOP 0 ... INTO), merged into the table by
 * MERGE / UPDATE ... FROM and emptied before the commit.
 *
 * A table the bulk path cannot write (an IDENTITY or money/xml/... column: bulkColumns
 * says why) is written with exec's multi-row INSERT statements instead, with a warning
 * (INSERT mode only; REPLACE/UPDATE stage through a bulk load and are refused).
 */
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { mergeColumns, type BulkTarget, type ChunkWriter } from '../../load/chunk-writer';
import { logger } from '../../log';
import type { Row } from '../../model/change';
import type { BoundTable } from '../bound-table';
import type { ZeroDateRule } from '../zero-date';
import { countedBatch, sessionCheck, transactionCheck } from './mssql-batch';
import { BULK_OPTIONS, bulkColumns, bulkTable, mssqlBulkColumnsSql } from './mssql-bulk-table';
import type { BulkColumnDef } from './mssql-bulk-values';
import { openMssqlSession, type MssqlSession } from './mssql-session';
import { mssqlQuoteIdent as q, mssqlWriter } from './mssql-sql';

const FLUSH_ROWS = 20_000;
const FLUSH_BYTES = 8 * 1024 * 1024;
/** SQL Server takes at most 1000 rows in one INSERT ... VALUES; the INSERT fallback sends that many per statement. */
const INSERT_ROWS = 1000;
export const STAGE = '[#synctl_copy_stage]';

const log = logger('copy');

/** The statements that create the staging table, merge it into the table and empty it (REPLACE/UPDATE). */
export function mssqlStaging(t: BulkTarget): { create: string; merge: string[] } | undefined {
  if (t.mode === 'insert') return undefined;
  const table = `${q(t.bound.schema)}.${q(t.bound.table)}`;
  const { all, key, set } = mergeColumns(t);
  const create = `IF OBJECT_ID(N'tempdb..#synctl_copy_stage') IS NULL SELECT TOP 0 ${all.map(q).join(', ')} INTO ${STAGE} FROM ${table}`;
  const empty = `TRUNCATE TABLE ${STAGE}`;
  const on = key.map((c) => `d.${q(c)} = s.${q(c)}`).join(' AND ');
  if (t.mode === 'replace') {
    return {
      create,
      merge: [
        `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING ${STAGE} AS s ON ${on}` +
          (set.length ? ` WHEN MATCHED THEN UPDATE SET ${set.map((c) => `d.${q(c)} = s.${q(c)}`).join(', ')}` : '') +
          ` WHEN NOT MATCHED THEN INSERT (${all.map(q).join(', ')}) VALUES (${all.map((c) => `s.${q(c)}`).join(', ')});`,
        empty,
      ],
    };
  }
  return { create, merge: [...(set.length ? [`UPDATE d SET ${set.map((c) => `d.${q(c)} = s.${q(c)}`).join(', ')} FROM ${table} AS d JOIN ${STAGE} AS s ON ${on}`] : []), empty] };
}

/** Rough bytes of a row on the wire, to bound what one bulk send holds. */
function rowBytes(r: Row): number {
  let n = 0;
  for (const v of r) n += typeof v === 'string' ? v.length * 2 + 2 : Buffer.isBuffer(v) ? v.length + 2 : 9;
  return n;
}

class MssqlBulkWriter implements ChunkWriter {
  readonly label: string;
  private rows: Row[] = [];
  private bytes = 0;
  private readonly stage: ReturnType<typeof mssqlStaging>;
  /** the bound table with only the written columns (the INSERT fallback) */
  private readonly insertTable: BoundTable;
  private readonly writer;

  constructor(
    private readonly session: MssqlSession,
    private readonly t: BulkTarget,
    private readonly zeroDate: ZeroDateRule,
    /** the bulk columns, or undefined: INSERT statements */
    private readonly cols: readonly BulkColumnDef[] | undefined,
  ) {
    this.label = session.label;
    this.stage = mssqlStaging(t);
    const keep = new Set(t.columns);
    this.insertTable = { ...t.bound, columns: t.bound.columns.map((c, i) => (keep.has(i) ? c : undefined)) };
    this.writer = mssqlWriter({ zeroDate });
  }

  async begin(): Promise<void> {
    if (this.stage) await this.session.batch(this.stage.create);
    await this.session.batch(`${sessionCheck(this.session.mark)}\nBEGIN TRANSACTION`);
  }

  write(row: Row): Promise<void> | undefined {
    this.rows.push(row);
    this.bytes += rowBytes(row);
    if (this.rows.length < FLUSH_ROWS && this.bytes < FLUSH_BYTES) return undefined;
    return this.flush();
  }

  private async flush(): Promise<void> {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    this.bytes = 0;
    const check = `${sessionCheck(this.session.mark)}\n${transactionCheck()}`;
    if (this.cols === undefined) {
      for (let i = 0; i < rows.length; i += INSERT_ROWS) await this.session.batch(`${check}\n${this.writer.insert(this.insertTable, rows.slice(i, i + INSERT_ROWS))}`);
      return;
    }
    const path = this.stage ? STAGE : `${q(this.t.bound.schema)}.${q(this.t.bound.table)}`;
    const table = bulkTable(this.session.sql, path, this.cols, this.t.columns, rows, this.zeroDate);
    await this.session.batch(check);
    await this.session.bulk(table, BULK_OPTIONS);
  }

  async commit(progressSql: string): Promise<void> {
    await this.flush();
    // TRY/CATCH: a failing statement ends the batch before the COMMIT
    await this.session.batch(countedBatch([...(this.stage?.merge ?? []), progressSql, 'COMMIT'], this.session.mark, true));
  }

  async rollback(): Promise<void> {
    this.rows = [];
    this.bytes = 0;
    await this.session.batch('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION').catch(() => undefined);
  }

  async run(sql: string): Promise<void> {
    await this.session.batch(sql);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/** The writer on an open session (tests give it a session that answers with recorded results). */
export async function mssqlBulkWriterOn(session: MssqlSession, t: BulkTarget, zeroDate: ZeroDateRule): Promise<ChunkWriter> {
  const name = `${t.bound.schema}.${t.bound.table}`;
  const catalog = (await session.batch(mssqlBulkColumnsSql(t.bound.schema, t.bound.table))).recordset ?? [];
  const cols = bulkColumns(t.bound, t.columns, catalog);
  if (typeof cols === 'string') {
    if (t.mode !== 'insert') throw new SynctlError('USAGE', `${name}: ${t.mode.toUpperCase()} into SQL Server stages rows by bulk load, and ${cols}: load it with INSERT`);
    log.warn(`${name}: not bulk loaded (${cols}): written with INSERT statements`);
  }
  return new MssqlBulkWriter(session, t, zeroDate, typeof cols === 'string' ? undefined : cols);
}

export async function openMssqlBulkWriter(db: DbConnection, t: BulkTarget, zeroDate: ZeroDateRule): Promise<ChunkWriter> {
  const session = await openMssqlSession(db, 'synctl copy');
  try {
    return await mssqlBulkWriterOn(session, t, zeroDate);
  } catch (e) {
    await session.close();
    throw e;
  }
}
