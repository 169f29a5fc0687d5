/**
 * SQL Server tables as VTable, from sys.tables / sys.columns / sys.types and the primary
 * key's index columns. The queries are plain text (schema inlined as N'...'): exec's
 * target and verify's side run them on their own connections, and the row mapping below is
 * tested against recorded result sets.
 */
import type { ColKind, VColumn, VTable } from '../../verify/types';
import { mssqlString } from './mssql-sql';

/** Columns of every user table (of one schema when given), in table and column order. */
export function mssqlColumnsSql(schema?: string): string {
  return (
    `SELECT s.name AS s, t.name AS t, c.name AS c, ty.name AS type_name, c.max_length, c.precision, c.scale` +
    ` FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id` +
    ` JOIN sys.columns c ON c.object_id = t.object_id` +
    // the base type of an alias type (sysname is nvarchar(128))
    ` JOIN sys.types ty ON ty.user_type_id = c.system_type_id` +
    ` WHERE t.is_ms_shipped = 0${schema !== undefined ? ` AND s.name = ${mssqlString(schema)}` : ''}` +
    ` ORDER BY s.name, t.name, c.column_id`
  );
}

/** Primary key columns in key order. */
export function mssqlKeysSql(schema?: string): string {
  return (
    `SELECT s.name AS s, t.name AS t, c.name AS c` +
    ` FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id` +
    ` JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id` +
    ` JOIN sys.tables t ON t.object_id = i.object_id JOIN sys.schemas s ON s.schema_id = t.schema_id` +
    ` WHERE i.is_primary_key = 1 AND t.is_ms_shipped = 0${schema !== undefined ? ` AND s.name = ${mssqlString(schema)}` : ''}` +
    ` ORDER BY s.name, t.name, ic.key_ordinal`
  );
}

export interface MssqlColumnRow {
  readonly s: string;
  readonly t: string;
  readonly c: string;
  readonly type_name: string;
  /** bytes; -1 for (max) */
  readonly max_length: number;
  readonly precision: number;
  readonly scale: number;
}

const INT = new Set(['tinyint', 'smallint', 'int', 'bigint']);
const TEXT = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext', 'sysname']);
const BINARY = new Set(['binary', 'varbinary', 'image', 'timestamp', 'rowversion']);

export function mssqlColumnKind(typeName: string): ColKind {
  const t = typeName.toLowerCase();
  if (INT.has(t)) return 'int';
  if (t === 'bit') return 'bool';
  if (t === 'decimal' || t === 'numeric' || t === 'money' || t === 'smallmoney') return 'decimal';
  if (t === 'float' || t === 'real') return 'float';
  if (TEXT.has(t)) return 'text';
  if (BINARY.has(t)) return 'binary';
  if (t === 'date') return 'date';
  if (t === 'time') return 'time';
  if (t === 'datetime2' || t === 'datetime' || t === 'smalldatetime') return 'datetime';
  if (t === 'datetimeoffset') return 'timestamptz';
  if (t === 'json') return 'json';
  return 'other';
}

/** The type as it is declared: 'nvarchar(40)', 'varbinary(max)', 'decimal(12,2)', 'datetime2(6)'. */
export function mssqlTypeText(r: Pick<MssqlColumnRow, 'type_name' | 'max_length' | 'precision' | 'scale'>): string {
  const t = r.type_name.toLowerCase();
  const len = (perChar: number) => (r.max_length === -1 ? 'max' : String(r.max_length / perChar));
  switch (t) {
    case 'nchar':
    case 'nvarchar':
      return `${t}(${len(2)})`;
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return `${t}(${len(1)})`;
    case 'decimal':
    case 'numeric':
      return `${t}(${r.precision},${r.scale})`;
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return `${t}(${r.scale})`;
    default:
      return t;
  }
}

/** Rows of mssqlColumnsSql and mssqlKeysSql as tables. */
export function mssqlTablesFromRows(cols: readonly Record<string, unknown>[], keys: readonly Record<string, unknown>[]): VTable[] {
  const byTable = new Map<string, { schema: string; table: string; columns: VColumn[]; key: string[] }>();
  for (const raw of cols) {
    const r = raw as unknown as MssqlColumnRow;
    const k = `${r.s}\u0000${r.t}`;
    let t = byTable.get(k);
    if (t === undefined) byTable.set(k, (t = { schema: String(r.s), table: String(r.t), columns: [], key: [] }));
    const kind = mssqlColumnKind(String(r.type_name));
    t.columns.push({
      name: String(r.c),
      kind,
      type: mssqlTypeText({ type_name: String(r.type_name), max_length: Number(r.max_length), precision: Number(r.precision), scale: Number(r.scale) }),
      ...(kind === 'decimal' ? { scale: Number(r.scale) } : {}),
    });
  }
  for (const r of keys) byTable.get(`${String(r['s'])}\u0000${String(r['t'])}`)?.key.push(String(r['c']));
  return [...byTable.values()];
}
