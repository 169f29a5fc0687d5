/**
 * --repair for a table missing on the target, created from a MySQL/MariaDB source's catalog
 * under the name the send's map gives it; its rows then arrive as "missing" rows.
 *   MySQL/MariaDB target: the source's SHOW CREATE TABLE replayed under the target name (every
 *     column must keep its own name: the statement cannot follow a column map).
 *   PostgreSQL target: the columns the map keeps, under their target names, typed by exec's
 *     type map (`<exec><type_map>`, else pg-ddl.ts's default MySQL-to-PostgreSQL mapping, the one
 *     exec and `copy ... CREATE` use), with the primary key; secondary indexes are not built.
 * Other pairs are left reported as missing with the reason.
 */
import type { DbType } from '../config/types';
import { parseCondition } from '../dict/condition';
import { introspectMysql } from '../dict/mysql-introspect';
import type { ColumnDef, DdlStatement } from '../dialect/mysql/mysql-ddl-parse';
import { mysqlDdlToPg } from '../dialect/postgres/pg-ddl';
import { typeMapLookup, type TypeMapItem } from '../dialect/type-map';
import type { TargetName } from './map';
import { mysqlConnectionOf, type Side } from './side';
import type { VTable } from './types';

export interface CreateContext {
  /** the source's configured db_type (MYSQL or MARIADB), recorded by the catalog reader */
  readonly sourceType: DbType;
  /** exec's `<type_map>` items */
  readonly typeMap: readonly TypeMapItem[];
}

/** Creates the target table; returns why not when it does not. */
export async function createMissingTable(src: Side, dst: Side, source: VTable, names: TargetName, ctx: CreateContext): Promise<string | undefined> {
  if (src.engine !== 'mysql' || (dst.engine !== 'mysql' && dst.engine !== 'pg')) {
    return '--repair creates missing tables only from a MySQL/MariaDB source into MySQL/MariaDB or PostgreSQL: create it by hand or with the initial load';
  }
  try {
    return dst.engine === 'mysql' ? await replayShowCreate(src, dst, source, names) : await createOnPostgres(src, dst, source, names, ctx);
  } catch (e) {
    return `could not create it: ${(e as Error).message}`;
  }
}

async function replayShowCreate(src: Side, dst: Side, source: VTable, names: TargetName): Promise<string | undefined> {
  if (names.columns.some((n, i) => n !== source.columns[i]!.name)) {
    return '--repair does not create a MySQL/MariaDB table whose columns the map renames or drops: create it by hand';
  }
  const rows = await src.query(`SHOW CREATE TABLE ${src.table(source.schema, source.table)}`, []);
  const ddl = rows[0]?.[1];
  const head = /^CREATE TABLE `(?:[^`]|``)+`/;
  if (typeof ddl !== 'string' || !head.test(ddl)) return `SHOW CREATE TABLE ${source.schema}.${source.table} gave no CREATE TABLE statement`;
  // foreign keys may name tables the repair has not created yet
  await dst.write([
    { sql: 'SET SESSION foreign_key_checks = 0', params: [] },
    { sql: ddl.replace(head, `CREATE TABLE ${dst.table(names.schema, names.table)}`), params: [] },
    { sql: 'SET SESSION foreign_key_checks = 1', params: [] },
  ]);
  return undefined;
}

const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

async function createOnPostgres(src: Side, dst: Side, source: VTable, names: TargetName, ctx: CreateContext): Promise<string | undefined> {
  const conn = mysqlConnectionOf(src);
  if (conn === undefined) return 'no MySQL catalog connection on the source';
  // the catalog again, for what VTable does not keep (NULL-ability, AUTO_INCREMENT)
  const snap = await introspectMysql(conn, parseCondition(`SCH.NAME = ${quote(source.schema)} AND TAB.NAME = ${quote(source.table)}`), { source: ctx.sourceType });
  const entry = snap.entries.find((e) => e.schema === source.schema && e.table === source.table);
  if (entry === undefined) return `${source.schema}.${source.table} is no longer in the source catalog`;
  const targetName = (col: string): string | undefined => names.columns[source.columns.findIndex((c) => c.name === col)];
  const columns: ColumnDef[] = entry.columns.flatMap((c) => {
    const name = targetName(c.name);
    return name === undefined ? [] : [{ name, type: c.columnType.toLowerCase(), nullable: c.nullable, autoIncrement: c.autoIncrement, primaryKey: false, unique: false }];
  });
  const primaryKey = entry.primaryKey.map(targetName);
  if (primaryKey.some((k) => k === undefined)) return "the send's map drops a primary key column: create it by hand";
  const target = { schema: names.schema, table: names.table };
  const create: DdlStatement = { kind: 'createTable', table: { schema: entry.schema, table: entry.table }, ifNotExists: false, columns, primaryKey: primaryKey as string[], indexes: [] };
  const typeFor = typeMapLookup(ctx.typeMap);
  const ddl = mysqlDdlToPg(create, { target: () => target, ...(typeFor !== undefined ? { typeFor } : {}) });
  await dst.write([`CREATE SCHEMA IF NOT EXISTS ${dst.ident(names.schema)}`, ...ddl].map((sql) => ({ sql, params: [] })));
  return undefined;
}
