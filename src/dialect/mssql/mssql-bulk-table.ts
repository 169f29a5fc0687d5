/**
 * Bulk loads into SQL Server through the mssql package: a `sql.Table` whose columns are
 * typed from the target table's own catalog row (INSERT BULK refuses a column sent as
 * another type or nullability than the table has: "Invalid column type from bcp client"),
 * rows converted by mssql-bulk-values.ts, sent by `request.bulk(table, BULK_OPTIONS)` on
 * the session, inside the transaction the session has open (a bulk load is one statement
 * of it: a duplicate key fails it whole, error 2627/2601 like an INSERT).
 *
 * A table with a column the bulk path cannot write exactly (IDENTITY: tedious has no
 * KEEPIDENTITY, the server would number the rows itself; money, xml, sql_variant, spatial
 * and other types without an exact conversion here) is not bulk loaded: `bulkColumns`
 * says why and the callers write INSERT statements instead.
 */
import type { ISqlType, Table } from 'mssql';
import type { Row } from '../../model/change';
import type { BoundTable } from '../bound-table';
import type { ZeroDateRule } from '../zero-date';
import { bulkValue, type BulkColumnDef, type BulkType, type BulkValue } from './mssql-bulk-values';
import type { MssqlModule } from './mssql-session';
import { mssqlQuoteIdent, mssqlString } from './mssql-sql';

/**
 * KEEP_NULLS: a NULL stays NULL (not the column default), as an INSERT stores it;
 * CHECK_CONSTRAINTS and FIRE_TRIGGERS: the table's constraints and triggers act as they do
 * on exec's INSERTs, constraints stay trusted, and (by SQL Server's bulk-load permission
 * rules) the login needs no ALTER permission on the table, only INSERT.
 */
export const BULK_OPTIONS = { keepNulls: true, checkConstraints: true, fireTriggers: true } as const;

/** The target's columns as the bulk load needs them, in column order. */
export function mssqlBulkColumnsSql(schema: string, table: string): string {
  return (
    `SELECT c.name AS c, ty.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed` +
    ` FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.system_type_id` +
    ` WHERE c.object_id = OBJECT_ID(${mssqlString(`${mssqlQuoteIdent(schema)}.${mssqlQuoteIdent(table)}`)}) ORDER BY c.column_id`
  );
}

export interface MssqlBulkColumnRow {
  readonly c: string;
  readonly type_name: string;
  /** bytes; -1 for (max) */
  readonly max_length: number;
  readonly precision: number;
  readonly scale: number;
  readonly is_nullable: boolean;
  readonly is_identity: boolean;
  readonly is_computed: boolean;
}

const SIMPLE: Readonly<Record<string, BulkType>> = {
  tinyint: 'TinyInt',
  smallint: 'SmallInt',
  int: 'Int',
  bigint: 'BigInt',
  real: 'Real',
  float: 'Float',
  bit: 'Bit',
  date: 'Date',
  datetime: 'DateTime',
  smalldatetime: 'SmallDateTime',
  uniqueidentifier: 'UniqueIdentifier',
};

/** Types with a length: the bulk type and bytes per character (max_length is in bytes). */
const SIZED: Readonly<Record<string, readonly [BulkType, number]>> = {
  nvarchar: ['NVarChar', 2],
  nchar: ['NChar', 2],
  varchar: ['VarChar', 1],
  char: ['Char', 1],
  varbinary: ['VarBinary', 1],
  binary: ['Binary', 1],
};

/** Types with fractional seconds (their digits in scale). */
const SCALED: Readonly<Record<string, BulkType>> = { time: 'Time', datetime2: 'DateTime2', datetimeoffset: 'DateTimeOffset' };

/** One catalog row as a bulk column, or why it cannot be one. */
export function bulkColumnOf(r: MssqlBulkColumnRow): BulkColumnDef | string {
  const t = r.type_name.toLowerCase();
  const nullable = Boolean(r.is_nullable);
  if (r.is_identity) return `${r.c} is an IDENTITY column (a bulk load cannot keep its values)`;
  if (r.is_computed) return `${r.c} is a computed column`;
  const simple = SIMPLE[t];
  if (simple) return { name: r.c, type: simple, nullable };
  const sized = SIZED[t];
  if (sized) return { name: r.c, type: sized[0], length: r.max_length === -1 ? 'max' : r.max_length / sized[1], nullable };
  const scaled = SCALED[t];
  if (scaled) return { name: r.c, type: scaled, scale: r.scale, nullable };
  if (t === 'decimal' || t === 'numeric') return { name: r.c, type: t === 'decimal' ? 'Decimal' : 'Numeric', precision: r.precision, scale: r.scale, nullable };
  return `${r.c} is ${t}, which the bulk path does not write`;
}

/** The bulk columns for the bound columns `indexes` (source column indexes), or why the table is not bulk loaded. */
export function bulkColumns(t: BoundTable, indexes: readonly number[], catalog: readonly Record<string, unknown>[]): BulkColumnDef[] | string {
  const rows = catalog as unknown as MssqlBulkColumnRow[];
  const out: BulkColumnDef[] = [];
  for (const i of indexes) {
    const name = t.columns[i]!.name;
    const r = rows.find((x) => x.c === name);
    if (r === undefined) return `${name} is not a column of the table`;
    const c = bulkColumnOf({ ...r, max_length: Number(r.max_length), precision: Number(r.precision), scale: Number(r.scale) });
    if (typeof c === 'string') return c;
    out.push(c);
  }
  return out;
}

/** decimal(p, s) byte size on the wire (sign byte included), by precision. */
function decimalSize(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

interface DecimalParameter {
  readonly value: unknown;
  readonly precision?: number;
  readonly scale?: number;
}

/**
 * tedious' Decimal/Numeric with an exact value: the canonical text from decimalText(),
 * written as sign byte + the unscaled integer, little-endian (TDS DECIMALN/NUMERICN),
 * instead of tedious' Math.round(value * 10^scale) over a double, which loses digits past
 * the 15th and writes at most 64 bits of a decimal(38). Only what a bulk load calls is
 * here. A numeric column is sent as NUMERICN: the bulk column's type is the table's.
 */
function exactDecimal(kind: 'decimal' | 'numeric') {
  const n = kind === 'decimal' ? { id: 0x37, typeInfo: 0x6a, name: 'Decimal' } : { id: 0x3f, typeInfo: 0x6c, name: 'Numeric' };
  return {
    id: n.id,
    type: kind.toUpperCase(),
    name: n.name,
    declaration: (p: DecimalParameter): string => `${kind}(${p.precision ?? 18}, ${p.scale ?? 0})`,
    resolvePrecision: (p: DecimalParameter): number => p.precision ?? 18,
    resolveScale: (p: DecimalParameter): number => p.scale ?? 0,
    generateTypeInfo: (p: DecimalParameter): Buffer => Buffer.from([n.typeInfo, decimalSize(p.precision ?? 18), p.precision ?? 18, p.scale ?? 0]),
    generateParameterLength: (p: DecimalParameter): Buffer => Buffer.from([p.value == null ? 0 : decimalSize(p.precision ?? 18)]),
    *generateParameterData(p: DecimalParameter): Generator<Buffer> {
      if (p.value == null) return;
      yield decimalBytes(String(p.value), p.precision ?? 18);
    },
    validate: (value: unknown): string | null => (value == null ? null : String(value)),
  };
}

export const EXACT_DECIMAL = exactDecimal('decimal');
export const EXACT_NUMERIC = exactDecimal('numeric');

/** The DECIMALN data bytes of a canonical decimal text (no exponent, scale digits after the point). */
export function decimalBytes(text: string, precision: number): Buffer {
  const negative = text.startsWith('-');
  const unscaled = BigInt(text.replace(/^[+-]/, '').replace('.', ''));
  const size = decimalSize(precision);
  const out = Buffer.alloc(size);
  out[0] = negative && unscaled !== 0n ? 0 : 1;
  let n = unscaled;
  for (let i = 1; i < size; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** The mssql column (type object) for a bulk column. */
function sqlColumn(sql: MssqlModule, c: BulkColumnDef): ISqlType {
  const len = (l: number | 'max' | undefined): number => (l === 'max' || l === undefined ? sql.MAX : l);
  switch (c.type) {
    case 'Decimal':
    case 'Numeric':
      return { type: c.type === 'Decimal' ? EXACT_DECIMAL : EXACT_NUMERIC, precision: c.precision, scale: c.scale } as unknown as ISqlType;
    case 'NVarChar':
      return sql.NVarChar(len(c.length));
    case 'NChar':
      return sql.NChar(len(c.length));
    case 'VarChar':
      return sql.VarChar(len(c.length));
    case 'Char':
      return sql.Char(len(c.length));
    case 'VarBinary':
      return sql.VarBinary(len(c.length));
    case 'Binary':
      return { ...sql.Binary(), length: len(c.length) } as ISqlType; // takes a length (the typings say none)
    case 'Time':
      return sql.Time(c.scale);
    case 'DateTime2':
      return sql.DateTime2(c.scale);
    case 'DateTimeOffset':
      return sql.DateTimeOffset(c.scale);
    default:
      return sql[c.type]();
  }
}

/**
 * The mssql Table for `rows` into [schema].[table] (`path`: another table, a #temp
 * staging table). Column names are passed with ']' doubled: tedious writes them in [...].
 */
export function bulkTable(sql: MssqlModule, path: string, cols: readonly BulkColumnDef[], indexes: readonly number[], rows: readonly Row[], zeroDate: ZeroDateRule): Table {
  const table = new sql.Table('synctl_bulk');
  table.path = path;
  for (const c of cols) table.columns.add(c.name.replace(/]/g, ']]'), sqlColumn(sql, c), { nullable: c.nullable });
  for (const r of rows) table.rows.push(bulkRow(r, cols, indexes, zeroDate) as never);
  return table;
}

export function bulkRow(r: Row, cols: readonly BulkColumnDef[], indexes: readonly number[], zeroDate: ZeroDateRule): BulkValue[] {
  return indexes.map((i, k) => bulkValue(r[i] ?? null, cols[k]!, zeroDate));
}
