/**
 * The load's one choice of target engine: which bulk writer and which DMHS_TABLE_SEQID
 * spelling (both in src/dialect/<engine>) a target takes.
 */
import type { ExecConfig } from '../config/types';
import { openMssqlBulkWriter } from '../dialect/mssql/mssql-bulk-writer';
import { mssqlErrorKind } from '../dialect/mssql/mssql-errors';
import { MssqlSeqidSql } from '../dialect/mssql/mssql-seqid';
import { openMysqlBulkWriter } from '../dialect/mysql/mysql-bulk-writer';
import { mysqlErrorKind } from '../dialect/mysql/mysql-errors';
import { mysqlSeqidSpelling } from '../dialect/mysql/mysql-seqid';
import { openPgBulkWriter } from '../dialect/postgres/pg-bulk-writer';
import { pgErrorKind } from '../dialect/postgres/pg-errors';
import type { TargetErrorKind } from '../dialect/target-errors';
import { pgSeqidSpelling } from '../dialect/postgres/pg-seqid';
import type { BulkTarget, ChunkWriter } from './chunk-writer';
import { SeqidSql, type TargetEngine } from './seqid';

export function targetEngine(exec: ExecConfig): TargetEngine {
  switch (exec.db.dbType) {
    case 'PG':
      return 'pg';
    case 'MYSQL':
    case 'MARIADB':
      return 'mysql';
    case 'MSSQL':
      return 'mssql';
  }
}

export function seqidSql(engine: TargetEngine, sysSchema: string): SeqidSql {
  switch (engine) {
    case 'pg':
      return new SeqidSql(pgSeqidSpelling(sysSchema));
    case 'mysql':
      return new SeqidSql(mysqlSeqidSpelling(sysSchema));
    case 'mssql':
      return new MssqlSeqidSql(sysSchema);
  }
}

export function openBulkWriter(engine: TargetEngine, exec: ExecConfig, t: BulkTarget): Promise<ChunkWriter> {
  switch (engine) {
    case 'pg':
      return openPgBulkWriter(exec.db, t, exec.zeroDate);
    case 'mysql':
      return openMysqlBulkWriter(exec.db, t);
    case 'mssql':
      return openMssqlBulkWriter(exec.db, t, exec.zeroDate);
  }
}

/** What the target's error says about retrying a chunk (target-errors.ts). */
export function targetErrorKind(engine: TargetEngine, e: unknown): TargetErrorKind {
  switch (engine) {
    case 'pg':
      return pgErrorKind(e);
    case 'mysql':
      return mysqlErrorKind(e);
    case 'mssql':
      return mssqlErrorKind(e);
  }
}
