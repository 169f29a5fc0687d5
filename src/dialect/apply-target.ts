import type { ExecConfig } from '../config/types';
import { usageError } from '../errors';
import type { ApplyTarget } from '../exec/target';
import { openMysqlTarget } from './mysql/mysql-target';
import { openPgTarget } from './postgres/pg-target';

/** The one place that picks the target engine's implementation for exec. */
export function openApplyTarget(exec: Pick<ExecConfig, 'db' | 'zeroDate' | 'sysSchema'>): Promise<ApplyTarget> {
  switch (exec.db.dbType) {
    case 'PG':
      return openPgTarget(exec.db, { zeroDate: exec.zeroDate, systemSchema: exec.sysSchema });
    case 'MYSQL':
    case 'MARIADB':
      return openMysqlTarget(exec.db, { systemSchema: exec.sysSchema });
    case 'MSSQL':
      throw usageError('dmhs/exec/db_type: MSSQL apply is not implemented yet');
  }
}
