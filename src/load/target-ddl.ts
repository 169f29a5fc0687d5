/**
 * CREATE / DROP / INDEX statements for a target table.
 *
 * PostgreSQL: the source table as the neutral `createTable` model of mysql-ddl-parse,
 * rendered by pg-ddl.ts (the type map exec uses for replicated DDL), with the primary key
 * and without secondary indexes; INDEX renders each source index as a `createIndex`.
 * MySQL/MariaDB: the source's SHOW CREATE TABLE replayed under the target name, with its
 * secondary KEY lines (and foreign keys) taken out; INDEX adds the KEY lines back.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { quoteIdent as mysqlQuoteIdent } from '../dialect/mysql/mysql-sql';
import type { ColumnDef, DdlStatement } from '../dialect/mysql/mysql-ddl-parse';
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

function pgDdl(p: TablePlan): TableDdl {
  const target = { schema: p.target.schema, table: p.target.table };
  const ctx = { target: () => target };
  const columns: ColumnDef[] = [];
  p.entry.columns.forEach((c, i) => {
    const name = p.target.columns[i];
    if (name === undefined) return;
    columns.push({ name, type: c.columnType.toLowerCase(), nullable: c.nullable, autoIncrement: c.autoIncrement, primaryKey: false, unique: false });
  });
  const primaryKey = p.entry.primaryKey.map((k) => targetColumn(p, k));
  if (primaryKey.some((k) => k === undefined)) {
    throw new SynctlError('USAGE', `${p.sourceName}: the send's map drops a primary key column: COPY CREATE cannot build ${p.targetName}`);
  }
  const create: DdlStatement = { kind: 'createTable', table: { schema: p.entry.schema, table: p.entry.table }, ifNotExists: false, columns, primaryKey: primaryKey as string[], indexes: [] };
  const indexes: string[] = [];
  for (const ix of p.indexes) {
    const cols = ix.columns.map((c) => (c === '' ? undefined : targetColumn(p, c)));
    if (cols.some((c) => c === undefined)) continue; // expression parts, or a column the map drops
    indexes.push(...mysqlDdlToPg({ kind: 'createIndex', table: { schema: p.entry.schema, table: p.entry.table }, index: { name: ix.name, unique: ix.unique, columns: cols as string[] } }, ctx));
  }
  return {
    create: [`CREATE SCHEMA IF NOT EXISTS ${pgQuoteIdent(target.schema)}`, ...mysqlDdlToPg(create, ctx)],
    drop: [`DROP TABLE IF EXISTS ${pgQuoteIdent(target.schema)}.${pgQuoteIdent(target.table)}`],
    indexes,
  };
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

/** CREATE/DROP/INDEX statements of a table (MySQL targets: read from the source's SHOW CREATE TABLE). */
export async function tableDdl(engine: TargetEngine, p: TablePlan, source: Connection): Promise<TableDdl> {
  return engine === 'pg' ? pgDdl(p) : mysqlDdl(p, source);
}

/** The map renames or drops columns: MySQL → MySQL CREATE/INDEX replay SHOW CREATE TABLE and cannot follow. */
export function mysqlReplayRefusal(p: TablePlan): string | undefined {
  const renamed = p.entry.columns.some((c, i) => p.target.columns[i] === undefined || p.target.columns[i]!.toLowerCase() !== c.name.toLowerCase());
  return renamed ? `${p.sourceName}: the send's map renames or drops columns: COPY CREATE/INDEX into MySQL/MariaDB replays SHOW CREATE TABLE and cannot; create ${p.targetName} by hand` : undefined;
}
