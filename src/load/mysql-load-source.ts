/**
 * The MySQL/MariaDB LoadSource: the per-table snapshots of source-snapshot.ts and
 * shared-snapshot.ts, the catalog's indexes and estimates (plan.ts), SHOW CREATE TABLE
 * for MySQL targets (target-ddl.ts), mariadb-dump for BACKUP (backup.ts).
 */
import type { Connection } from 'mysql2/promise';
import type { CptConfig, ExecConfig } from '../config/types';
import { readBinlogPosition } from '../dict/mysql-introspect';
import { mysqlColumnKind } from '../dialect/mysql/mysql-normalize';
import { quoteIdent } from '../dialect/mysql/mysql-sql';
import { formatPosition } from '../model/position';
import { backupRefusal, dumpAndRestore } from './backup';
import type { LoadSource, SourceReader } from './load-source';
import { readMysqlEstimates, readMysqlIndexes } from './plan';
import { startSharedSnapshot } from './shared-snapshot';
import { chunkQuery, endSnapshot, openSource, pumpRows, rangeBounds, startSnapshot, type SourceSession } from './source-snapshot';
import { converterFor } from './source-values';
import { tableDdl } from './target-ddl';

export function mysqlLoadSource(cpt: CptConfig, conn: Connection): LoadSource {
  const sessions = new WeakMap<SourceReader, SourceSession>();
  const reader = (s: SourceSession): SourceReader => {
    const r: SourceReader = {
      label: s.label,
      startSnapshot: async ({ nolock }) => formatPosition(await startSnapshot(s, nolock)),
      endSnapshot: () => endSnapshot(s),
      rangeBounds: (t, key, integerKey, estimate, n) => rangeBounds(s, t, key, integerKey, estimate, n),
      pump: (q, onRow) => pumpRows(s, q, onRow),
      close: () => s.conn.end().catch(() => undefined),
    };
    sessions.set(r, s);
    return r;
  };
  return {
    label: `${cpt.db.dbType} source ${cpt.db.server}:${cpt.db.port}`,
    currentPosition: async () => {
      const flavor = /mariadb/i.test(String(((await conn.query('SELECT VERSION() AS v'))[0] as { v: string }[])[0]?.v)) ? 'mariadb' : 'mysql';
      return formatPosition(await readBinlogPosition(conn, flavor));
    },
    indexes: (cond) => readMysqlIndexes(conn, cond),
    estimates: (cond) => readMysqlEstimates(conn, cond),
    columnKind: (c) => mysqlColumnKind(c),
    integerColumn: (c) => /^(tiny|small|medium|big)?int(eger)?$/.test(c.dataType.toLowerCase()),
    quoteIdent,
    converterFor,
    prepare: async () => undefined,
    open: async (opts) => reader(await openSource(cpt, opts)),
    sharedSnapshot: async (readers, table, nolock) => {
      const at = await startSharedSnapshot(cpt, readers.map((r) => sessions.get(r)!), table, nolock);
      return at === undefined ? undefined : formatPosition(at);
    },
    chunkQuery,
    tableDdl: (engine, p, exec) => tableDdl(engine, p, conn, exec.typeMap),
    backupRefusal: (tables, exec: ExecConfig) => backupRefusal(tables, exec),
    backupTools: 'mariadb-dump | mariadb',
    backup: (exec, schema, tables, targetSchema) => dumpAndRestore(cpt, exec, schema, tables, targetSchema),
    close: async () => undefined,
  };
}
