import type { ColumnDescriptor, Row, TableDescriptor } from '../../model/change';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../../model/value';

/**
 * MySQL/MariaDB statement text with literal values inlined: for audit output
 * (`capture --format sql`, like `mysqlbinlog -v` but re-executable) and for error
 * records. Exec's hot path uses bound parameters instead.
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

/** A MySQL string literal that is safe whatever sql_mode says about backslashes. */
function quoteString(s: string): string {
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
    return quoteString(v.kind === 'timestamptz' ? v.text.replace(/[+-]\d\d:\d\d$/, '') : v.text);
  }
  throw new Error(`no MySQL literal for ${String(v)}`);
}

/** Decimal columns compare as exact numbers: keep them unquoted in WHERE. */
function valueFor(v: Value, col: ColumnDescriptor): string {
  if (typeof v === 'string' && /^(decimal|numeric)\b/i.test(col.type) && /^-?\d+(\.\d+)?$/.test(v)) return v;
  return literal(v, col);
}

export function insertSql(t: TableDescriptor, after: Row): string {
  const cols: string[] = [];
  const vals: string[] = [];
  t.columns.forEach((c, i) => {
    const v = after[i]!;
    if (v === UNCHANGED) return;
    cols.push(quoteIdent(c.name));
    vals.push(valueFor(v, c));
  });
  return `INSERT INTO ${qualifiedName(t)} (${cols.join(', ')}) VALUES (${vals.join(', ')});`;
}

/** Key columns when the table has any, else every column the image carries. */
function whereClause(t: TableDescriptor, before: Row): string {
  const hasKey = t.columns.some((c) => c.key);
  const parts: string[] = [];
  t.columns.forEach((c, i) => {
    const v = before[i]!;
    if ((hasKey && !c.key) || v === UNCHANGED) return;
    parts.push(v === null ? `${quoteIdent(c.name)} IS NULL` : `${quoteIdent(c.name)} = ${valueFor(v, c)}`);
  });
  return parts.join(' AND ');
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

export function updateSql(t: TableDescriptor, before: Row, after: Row): string {
  const sets: string[] = [];
  t.columns.forEach((c, i) => {
    const v = after[i]!;
    if (v === UNCHANGED) return;
    const name = quoteIdent(c.name);
    sets.push(`${name} = ${v instanceof JsonDiff ? jsonDiffExpr(name, v) : valueFor(v, c)}`);
  });
  const limit = t.columns.some((c) => c.key) ? '' : ' LIMIT 1';
  return `UPDATE ${qualifiedName(t)} SET ${sets.join(', ')} WHERE ${whereClause(t, before)}${limit};`;
}

export function deleteSql(t: TableDescriptor, before: Row): string {
  const limit = t.columns.some((c) => c.key) ? '' : ' LIMIT 1';
  return `DELETE FROM ${qualifiedName(t)} WHERE ${whereClause(t, before)}${limit};`;
}

export function truncateSql(t: TableDescriptor): string {
  return `TRUNCATE TABLE ${qualifiedName(t)};`;
}
