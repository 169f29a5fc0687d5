/**
 * CREATE / DROP / INDEX statements for a target table.
 *
 * PostgreSQL and SQL Server: the source table as the neutral `createTable` model of
 * mysql-ddl-parse, rendered by pg-ddl.ts / mssql-ddl.ts (the type maps exec uses for
 * replicated DDL), with the primary key and without secondary indexes; INDEX renders each
 * source index as a `createIndex`.
 * MySQL/MariaDB: the source's SHOW CREATE TABLE replayed under the target name, with its
 * secondary KEY lines (and foreign keys) taken out; INDEX adds the KEY lines back.
 * From a PostgreSQL source (pgTableDdl) the column types come from its DictColumns.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { quoteIdent as mysqlQuoteIdent } from '../dialect/mysql/mysql-sql';
import type { ColumnDef, DdlStatement, IndexDef } from '../dialect/mysql/mysql-ddl-parse';
import { mysqlTypeForPg } from '../dialect/mysql/pg-mysql-types';
import type { DdlContext } from '../dialect/ddl-render';
import { mssqlCreateSchema, mssqlQualified, mysqlDdlToMssql } from '../dialect/mssql/mssql-ddl';
import { mssqlTypeForPg } from '../dialect/mssql/mssql-pg-types';
import { typeMapLookup, type TypeMapItem } from '../dialect/type-map';
import { mysqlDdlToPg } from '../dialect/postgres/pg-ddl';
import { pgQuoteIdent } from '../dialect/postgres/postgres-normalize';
import { SynctlError } from '../errors';
import type { TablePlan } from './plan';
import type { TargetEngine } from './seqid';

export interface TableDdl {
  readonly create: readonly string[];
  readonly drop: readonly string[];
  /** statements of INDEX; a statement whose index exists already may fail with a duplicate-name error (ignored) */
  readonly indexes: readonly string[];
}

/** target column name of a source column (undefined: the map drops it) */
function targetColumn(p: TablePlan, name: string): string | undefined {
  const i = p.entry.columns.findIndex((c) => c.name === name);
  return i < 0 ? undefined : p.target.columns[i];
}

/**
 * The source table as the neutral `createTable` model of mysql-ddl-parse (the map's column
 * names, the primary key, no secondary indexes) and its indexes as the model's IndexDefs
 * (expression parts and columns the map drops left out).
 */
function neutralTable(p: TablePlan, typeFor?: DdlContext['typeFor'], sourceCase = false): { create: DdlStatement & { kind: 'createTable' }; indexes: IndexDef[]; ctx: DdlContext } {
  const target = { schema: p.target.schema, table: p.target.table };
  const columns: ColumnDef[] = [];
  p.entry.columns.forEach((c, i) => {
    const name = p.target.columns[i];
    if (name === undefined) return;
    columns.push({ name, type: sourceCase ? c.columnType : c.columnType.toLowerCase(), nullable: c.nullable, autoIncrement: c.autoIncrement, primaryKey: false, unique: false });
  });
  const primaryKey = p.entry.primaryKey.map((k) => targetColumn(p, k));
  if (primaryKey.some((k) => k === undefined)) {
    throw new SynctlError('USAGE', `${p.sourceName}: the send's map drops a primary key column: COPY CREATE cannot build ${p.targetName}`);
  }
  const indexes: IndexDef[] = [];
  for (const ix of p.indexes) {
    const cols = ix.columns.map((c) => (c === '' ? undefined : targetColumn(p, c)));
    if (cols.some((c) => c === undefined)) continue; // expression parts, or a column the map drops
    indexes.push({ name: ix.name, unique: ix.unique, columns: cols as string[] });
  }
  const create = { kind: 'createTable' as const, table: { schema: p.entry.schema, table: p.entry.table }, ifNotExists: false, columns, primaryKey: primaryKey as string[], indexes: [] };
  return { create, indexes, ctx: { target: () => target, ...(typeFor !== undefined ? { typeFor } : {}) } };
}

/** `typeFor`: per-column target types (a PostgreSQL source's own types, the type map); `sourceCase`: keep the source type text's case */
function pgDdl(p: TablePlan, typeFor?: DdlContext['typeFor'], sourceCase = false): TableDdl {
  const { create, indexes, ctx } = neutralTable(p, typeFor, sourceCase);
  const t = p.target;
  return {
    create: [`CREATE SCHEMA IF NOT EXISTS ${pgQuoteIdent(t.schema)}`, ...mysqlDdlToPg(create, ctx)],
    drop: [`DROP TABLE IF EXISTS ${pgQuoteIdent(t.schema)}.${pgQuoteIdent(t.table)}`],
    indexes: indexes.flatMap((index) => mysqlDdlToPg({ kind: 'createIndex', table: create.table, index }, ctx)),
  };
}

/** SQL Server: the table rendered with its indexes, so an index on an (max) column is known and left out (mssql-ddl.ts). */
function mssqlDdl(p: TablePlan, typeFor?: DdlContext['typeFor']): TableDdl {
  const { create, indexes, ctx } = neutralTable(p, typeFor);
  const [table, ...indexSql] = mysqlDdlToMssql({ ...create, indexes }, ctx);
  const t = p.target;
  return { create: [mssqlCreateSchema(t.schema), table!], drop: [`DROP TABLE IF EXISTS ${mssqlQualified(t)}`], indexes: indexSql };
}

const HEAD = /^CREATE TABLE `(?:[^`]|``)+`/;
const KEY_LINE = /^\s*((?:UNIQUE |FULLTEXT |SPATIAL )?KEY .*?),?$/;
const FK_LINE = /^\s*CONSTRAINT .* FOREIGN KEY /;

async function mysqlDdl(p: TablePlan, source: Connection): Promise<TableDdl> {
  const refusal = mysqlReplayRefusal(p);
  if (refusal !== undefined) throw new SynctlError('USAGE', refusal);
  const q = `${mysqlQuoteIdent(p.target.schema)}.${mysqlQuoteIdent(p.target.table)}`;
  const [rows] = await source.query<RowDataPacket[]>({ sql: `SHOW CREATE TABLE ${mysqlQuoteIdent(p.entry.schema)}.${mysqlQuoteIdent(p.entry.table)}`, rowsAsArray: true });
  const ddl = (rows as unknown as unknown[][])[0]?.[1];
  if (typeof ddl !== 'string' || !HEAD.test(ddl)) throw new SynctlError('STATE', `${p.sourceName}: SHOW CREATE TABLE gave no CREATE TABLE statement`);
  const keep: string[] = [];
  const indexes: string[] = [];
  for (const line of ddl.split('\n')) {
    const k = KEY_LINE.exec(line);
    if (k) indexes.push(`ALTER TABLE ${q} ADD ${k[1]}`);
    else if (!FK_LINE.test(line)) keep.push(line);
  }
  // the line before ')' may now end with a comma
  const body = keep.join('\n').replace(/,(\s*\n\))/, '$1');
  return {
    create: [`CREATE DATABASE IF NOT EXISTS ${mysqlQuoteIdent(p.target.schema)}`, body.replace(HEAD, `CREATE TABLE ${q}`)],
    drop: [`DROP TABLE IF EXISTS ${q}`],
    indexes,
  };
}

/**
 * CREATE/DROP/INDEX statements of a table from a MySQL/MariaDB source (MySQL targets: read
 * from the source's SHOW CREATE TABLE; the others through their type map, where the exec
 * site's `type_map` wins, as for the DDL exec translates).
 */
export async function tableDdl(engine: TargetEngine, p: TablePlan, source: Connection, typeMap: readonly TypeMapItem[] = []): Promise<TableDdl> {
  const typeFor = typeMapLookup(typeMap);
  switch (engine) {
    case 'pg':
      return pgDdl(p, typeFor);
    case 'mssql':
      return mssqlDdl(p, typeFor);
    case 'mysql':
      return mysqlDdl(p, source);
  }
}

/**
 * CREATE/DROP/INDEX of a table from a PostgreSQL source. PostgreSQL target: the source's
 * own types; SQL Server: mssql-pg-types.ts through the SQL Server DDL renderer; MySQL/MariaDB:
 * pg-mysql-types.ts. The exec site's type map wins in all three. A partial or expression
 * index of PostgreSQL is not rebuilt (MySQL prefix parts are, in full).
 */
export function pgTableDdl(engine: TargetEngine, p: TablePlan, typeMap: readonly TypeMapItem[]): TableDdl {
  const mapped = typeMapLookup(typeMap);
  const whole = { ...p, indexes: p.indexes.filter((ix) => !ix.partial) };
  switch (engine) {
    case 'pg':
      return pgDdl(whole, (t, c) => mapped?.(t, c) ?? c.type, true);
    case 'mssql': {
      const byTarget = new Map(p.entry.columns.map((c, i) => [p.target.columns[i], c]));
      const indexed = indexedColumns(whole);
      return mssqlDdl(whole, (t, c) => {
        const source = byTarget.get(c.name);
        return mapped?.(t, c) ?? (source === undefined ? undefined : mssqlTypeForPg(source, indexed.has(source.name)));
      });
    }
    case 'mysql':
      return pgMysqlDdl(whole, mapped);
  }
}

/** source columns in the primary key or in an index the target gets (none the map drops a column of) */
function indexedColumns(p: TablePlan): Set<string> {
  const kept = p.indexes.filter((ix) => ix.columns.every((c) => targetColumn(p, c) !== undefined));
  return new Set([...p.entry.primaryKey, ...kept.flatMap((ix) => ix.columns)]);
}

function pgMysqlDdl(p: TablePlan, mapped: ReturnType<typeof typeMapLookup>): TableDdl {
  const q = mysqlQuoteIdent;
  const table = `${q(p.target.schema)}.${q(p.target.table)}`;
  const indexed = indexedColumns(p);
  const defs: string[] = [];
  p.entry.columns.forEach((c, i) => {
    const name = p.target.columns[i];
    if (name === undefined) return;
    const type = mapped?.(p.target, { name, type: c.columnType }) ?? mysqlTypeForPg(c, indexed.has(c.name));
    defs.push(`${q(name)} ${type}${c.nullable ? ' NULL' : ' NOT NULL'}`);
  });
  const primaryKey = p.entry.primaryKey.map((k) => targetColumn(p, k));
  if (primaryKey.some((k) => k === undefined)) throw new SynctlError('USAGE', `${p.sourceName}: the send's map drops a primary key column: COPY CREATE cannot build ${p.targetName}`);
  if (primaryKey.length > 0) defs.push(`PRIMARY KEY (${primaryKey.map((k) => q(k!)).join(', ')})`);
  const indexes: string[] = [];
  for (const ix of p.indexes) {
    const cols = ix.columns.map((c) => (c === '' ? undefined : targetColumn(p, c)));
    if (cols.some((c) => c === undefined)) continue; // expression parts, or a column the map drops
    indexes.push(`ALTER TABLE ${table} ADD ${ix.unique ? 'UNIQUE ' : ''}KEY ${q(ix.name.slice(0, 64))} (${cols.map((c) => q(c!)).join(', ')})`);
  }
  return {
    create: [`CREATE DATABASE IF NOT EXISTS ${q(p.target.schema)}`, `CREATE TABLE ${table} (${defs.join(', ')}) DEFAULT CHARSET = utf8mb4`],
    drop: [`DROP TABLE IF EXISTS ${table}`],
    indexes,
  };
}

/** The map renames or drops columns: MySQL → MySQL CREATE/INDEX replay SHOW CREATE TABLE and cannot follow. */
export function mysqlReplayRefusal(p: TablePlan): string | undefined {
  const renamed = p.entry.columns.some((c, i) => p.target.columns[i] === undefined || p.target.columns[i]!.toLowerCase() !== c.name.toLowerCase());
  return renamed ? `${p.sourceName}: the send's map renames or drops columns: COPY CREATE/INDEX into MySQL/MariaDB replays SHOW CREATE TABLE and cannot; create ${p.targetName} by hand` : undefined;
}
