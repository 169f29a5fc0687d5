/**
 * The tables on each side, as VTable: MySQL/MariaDB through the dictionary's introspection
 * (dict/mysql-introspect.ts), PostgreSQL through dialect/postgres/postgres-catalog.ts.
 */
import type { DbType } from '../config/types';
import { parseCondition, type Condition } from '../dict/condition';
import { introspectMysql } from '../dict/mysql-introspect';
import { mysqlColumnKind } from '../dialect/mysql/mysql-normalize';
import { readPgTables } from '../dialect/postgres/postgres-catalog';
import { SynctlError } from '../errors';
import { mysqlConnectionOf, pgClientOf, type Side } from './side';
import type { VTable } from './types';

export async function readTables(side: Side, dbType: DbType, cond: Condition): Promise<VTable[]> {
  const my = mysqlConnectionOf(side);
  if (my !== undefined) {
    const snap = await introspectMysql(my, cond, { source: dbType });
    return snap.entries.map((e) => ({
      schema: e.schema,
      table: e.table,
      columns: e.columns.map((c) => ({
        name: c.name,
        kind: mysqlColumnKind(c),
        type: c.columnType,
        ...(c.scale !== undefined ? { scale: c.scale } : {}),
      })),
      key: [...e.primaryKey],
    }));
  }
  const pg = pgClientOf(side);
  if (pg !== undefined) return readPgTables(pg, cond);
  if (dbType === 'MSSQL') {
    const { readMssqlSideTables } = await import('../dialect/mssql/mssql-side.js');
    const tables = readMssqlSideTables(side, cond);
    if (tables !== undefined) return tables;
  }
  throw new SynctlError('INTERNAL', `${side.label}: no catalog reader`);
}

const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** A condition selecting the target schemas (every schema when names match ignoring case). */
export function targetCondition(schemas: Iterable<string>, caseInsensitive: boolean): Condition {
  const list = [...new Set(schemas)];
  if (caseInsensitive || list.length === 0) return parseCondition("SCH.NAME LIKE '%'");
  return parseCondition(`SCH.NAME IN (${list.map(quote).join(', ')})`);
}
