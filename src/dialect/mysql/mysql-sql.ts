import type { ColumnDescriptor, Row, TableDescriptor } from '../../model/change';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../../model/value';
import type { ColKind } from '../../verify/types';
import { identityBinding, type BoundColumn } from '../bound-table';
import { SqlWriter, type DialectParts } from '../sql-writer';
import { utcWallClock } from '../temporal-text';
import { mysqlColumnKind } from './mysql-normalize';

/**
 * MySQL/MariaDB statement text with literal values inlined: for audit output
 * (`capture --format sql`, like `mysqlbinlog -v` but re-executable) and for error
 * records, and for exec, which sends many such statements in one round trip.
 * Assumes the session runs with `SET time_zone = '+00:00'` (see SQL_PREAMBLE), so
 * TIMESTAMP values are written in UTC.
 */

export const SQL_PREAMBLE = "SET time_zone = '+00:00';\nSET NAMES utf8mb4;\n";

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function qualifiedName(t: TableDescriptor): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

const NEEDS_ESCAPE = /[\\'\0]/;

/** A MySQL string literal that is safe whatever sql_mode says about backslashes. */
function quoteString(s: string): string {
  // most values hold none of the three: one scan instead of three replaces (exec's hot path)
  if (!NEEDS_ESCAPE.test(s)) return "'" + s + "'";
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0') + "'";
}

export function literal(v: Value, _col?: ColumnDescriptor): string {
  if (v === null) return 'NULL';
  if (v === UNCHANGED) throw new Error('literal() of an UNCHANGED value'); // callers skip those columns
  switch (typeof v) {
    case 'boolean':
      return v ? '1' : '0';
    case 'number':
      // String() gives the shortest text that reads back as the same double
      return Number.isFinite(v) ? (Object.is(v, -0) ? '-0e0' : String(v)) : 'NULL';
    case 'bigint':
      return v.toString();
    case 'string':
      return quoteString(v);
  }
  if (Buffer.isBuffer(v)) return v.length === 0 ? "''" : `X'${v.toString('hex')}'`;
  if (v instanceof Temporal) {
    return quoteString(v.kind === 'timestamptz' ? utcWallClock(v.text) : v.text);
  }
  throw new Error(`no MySQL literal for ${String(v)}`);
}

/** Decimal columns compare as exact numbers: keep them unquoted. */
function valueFor(v: Value, col: BoundColumn): string {
  if (typeof v === 'string' && (col.kind === 'decimal' || col.kind === 'int') && /^-?\d+(\.\d+)?$/.test(v)) return v;
  return literal(v);
}

/** A partial JSON update as nested JSON_SET/JSON_REPLACE/JSON_REMOVE over the column's current value. */
function jsonDiffExpr(col: string, d: JsonDiff): string {
  let expr = col;
  for (const st of d.steps) {
    const path = quoteString(st.path);
    if (st.op === 'remove') expr = `JSON_REMOVE(${expr}, ${path})`;
    else expr = `${st.op === 'replace' ? 'JSON_REPLACE' : 'JSON_SET'}(${expr}, ${path}, CAST(${quoteString(st.value ?? 'null')} AS JSON))`;
  }
  return expr;
}

/** What MySQL/MariaDB statements do their own way (see SqlWriter). */
export const MYSQL_PARTS: DialectParts = {
  quoteIdent,
  literal: (v, col) => valueFor(v, col),
  jsonDiff: (column, d) => jsonDiffExpr(column, d),
  oneRow: (table, where, set) => (set === undefined ? `DELETE FROM ${table} WHERE ${where} LIMIT 1` : `UPDATE ${table} SET ${set} WHERE ${where} LIMIT 1`),
  upsert: (table, t, cols, values, set) => {
    const update = set.length ? set : [quoteIdent(t.columns[t.key[0]!]!.name)];
    return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values} ON DUPLICATE KEY UPDATE ${update.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
  },
  // a multi-table UPDATE joined to the rows as a UNION ALL of SELECTs (portable across MySQL
  // and MariaDB, unlike their two VALUES syntaxes); affected rows = rows matched (FOUND_ROWS)
  updateFromValues: (table, keys, set, rows) => {
    const v = (n: number) => `v${n}`;
    const selects = rows.map((r, n) => 'SELECT ' + (n === 0 ? r.map((lit, j) => `${lit} AS ${v(j)}`) : r).join(', '));
    const assign = set.length ? set.map((c, j) => `d.${c} = s.${v(keys.length + j)}`) : [`d.${keys[0]} = s.${v(0)}`];
    const on = keys.map((k, j) => `d.${k} = s.${v(j)}`).join(' AND ');
    return `UPDATE ${table} AS d JOIN (${selects.join(' UNION ALL ')}) AS s ON ${on} SET ${assign.join(', ')}`;
  },
  // MySQL reports a duplicate key as error 1062 without aborting the transaction; INSERT
  // IGNORE would also hide truncations, so exec catches the error instead
  insertUnlessExists: () => undefined,
};

const writer = new SqlWriter(MYSQL_PARTS);

/** The kind of a source column, from its MySQL type text (audit output binds a table to itself). */
export function mysqlKindOfType(c: ColumnDescriptor): ColKind {
  const t = c.type.toLowerCase().replace(/\(.*$/, '').replace(/ .*$/, '');
  return mysqlColumnKind({ dataType: t, columnType: c.type });
}

const bind = (t: TableDescriptor) => identityBinding(t, mysqlKindOfType);

export function insertSql(t: TableDescriptor, after: Row): string {
  return writer.insert(bind(t), [after]) + ';';
}

export function updateSql(t: TableDescriptor, before: Row, after: Row): string {
  return writer.update(bind(t), before, after) + ';';
}

export function deleteSql(t: TableDescriptor, before: Row): string {
  return writer.delete(bind(t), [before]) + ';';
}

export function truncateSql(t: TableDescriptor): string {
  return writer.truncate(bind(t)) + ';';
}
