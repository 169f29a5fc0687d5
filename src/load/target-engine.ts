/**
 * The load's one choice of target engine: which bulk writer and which DMHS_TABLE_SEQID
 * spelling (both in src/dialect/<engine>) a target takes.
 */
import type { ExecConfig } from '../config/types';
import { openMysqlBulkWriter } from '../dialect/mysql/mysql-bulk-writer';
import { mysqlSeqidSpelling } from '../dialect/mysql/mysql-seqid';
import { openPgBulkWriter } from '../dialect/postgres/pg-bulk-writer';
import { pgSeqidSpelling } from '../dialect/postgres/pg-seqid';
import { SynctlError } from '../errors';
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
      throw new SynctlError('USAGE', 'dmhs/exec/db_type: COPY into SQL Server is not implemented yet');
  }
}

export function seqidSql(engine: TargetEngine, sysSchema: string): SeqidSql {
  return new SeqidSql(engine === 'pg' ? pgSeqidSpelling(sysSchema) : mysqlSeqidSpelling(sysSchema));
}

export function openBulkWriter(engine: TargetEngine, exec: ExecConfig, t: BulkTarget): Promise<ChunkWriter> {
  return engine === 'pg' ? openPgBulkWriter(exec.db, t, exec.zeroDate) : openMysqlBulkWriter(exec.db, t);
}
