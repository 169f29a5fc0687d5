import type { DbType, ExecConfig } from '../config/types';
import { isSynctlError } from '../errors';
import type { ApplyTarget } from '../exec/target';
import { mssqlConnectionLost } from './mssql/mssql-errors';

/**
 * The one place that picks the target engine's implementation for exec. Drivers load
 * lazily: a PostgreSQL exec never pays for loading mysql2, nor the reverse.
 */
export async function openApplyTarget(exec: Pick<ExecConfig, 'db' | 'zeroDate' | 'sysSchema' | 'typeMap'>): Promise<ApplyTarget> {
  switch (exec.db.dbType) {
    case 'PG': {
      const { openPgTarget } = await import('./postgres/pg-target.js');
      return openPgTarget(exec.db, { zeroDate: exec.zeroDate, systemSchema: exec.sysSchema, typeMap: exec.typeMap });
    }
    case 'MYSQL':
    case 'MARIADB': {
      const { openMysqlTarget } = await import('./mysql/mysql-target.js');
      return openMysqlTarget(exec.db, { systemSchema: exec.sysSchema });
    }
    case 'MSSQL': {
      const { openMssqlTarget } = await import('./mssql/mssql-target.js');
      return openMssqlTarget(exec.db, { zeroDate: exec.zeroDate, systemSchema: exec.sysSchema, typeMap: exec.typeMap });
    }
  }
}

const NET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST']);

/** The error means the target connection is gone (a restart of the server, a network cut), not that a statement failed. */
export function isTargetConnectionError(dbType: DbType, e: unknown): boolean {
  const err = e as { code?: string; errno?: number; fatal?: boolean; message?: string } | undefined;
  if (!err) return false;
  if (typeof err.code === 'string' && NET_CODES.has(err.code)) return true;
  // a failed connect: retry only when the server was unreachable, not on a refused login
  if (isSynctlError(e, 'DB')) return isTargetConnectionError(dbType, (e as Error).cause);
  switch (dbType) {
    case 'PG':
      // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions
      return (typeof err.code === 'string' && (/^08/.test(err.code) || /^57P0[123]$/.test(err.code))) || /Connection terminated|connection is closed|Client was closed|not queryable|terminating connection/i.test(err.message ?? '');
    case 'MYSQL':
    case 'MARIADB':
      // 1053 server shutdown, 2006 gone away, 2013 lost connection
      return err.fatal === true || err.errno === 1053 || err.errno === 2006 || err.errno === 2013 || /closed state/i.test(err.message ?? '');
    case 'MSSQL':
      return mssqlConnectionLost(e);
  }
}
