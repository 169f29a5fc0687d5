/**
 * What a PostgreSQL source column becomes in a SQL Server table that COPY creates (the
 * exec site's type_map overrides it, see type-map.ts); the twin of pg-mysql-types.ts.
 * Chosen so every value the source can hold is stored exactly, or as its PostgreSQL text
 * where SQL Server has no such type:
 *
 *   int2 smallint, int4 int, int8 bigint, oid bigint, float4 real, float8 float
 *   numeric(p,s) decimal(p,s) (p <= 38, 0 <= s <= p); numeric without a precision, wider,
 *   or with a scale SQL Server has no decimal for: nvarchar(max) holding its text
 *   bool bit; bytea varbinary(max)
 *   varchar(n) nvarchar(2n), char(n) nchar(2n) (nvarchar(max) past 4000): n counts
 *   byte-pairs in SQL Server and a character outside the BMP takes two; text nvarchar(max);
 *   name nvarchar(64)
 *   date date, time(p) time(p), timestamp(p) datetime2(p), timestamptz(p) datetimeoffset(p)
 *   (the instant, offset +00:00)
 *   json, jsonb nvarchar(max) (their text); uuid uniqueidentifier
 *   arrays, intervals, network, geometric, range and every other type: nvarchar(max) (their
 *   PostgreSQL text form)
 *
 * A column in the primary key or an index cannot be (max) (SQL Server cannot index it):
 * an unbounded text becomes nvarchar(450) and bytea varbinary(900), 900 bytes, the key
 * limit of a clustered index (a longer value is refused when it is written).
 * What SQL Server cannot hold at all (NaN and infinite floats, dates before year 1 or
 * after 9999, infinity, time 24:00:00) is refused per value by mssql-bulk-values.ts.
 */
import type { DictColumn } from '../../dict/entry';

/** SQL Server's largest DECIMAL precision and n of nvarchar(n)/nchar(n). */
const MAX_PRECISION = 38;
const MAX_CHARS = 4000;

/** types with one SQL Server type whatever their modifiers (a Map: a type may be named 'constructor') */
const FIXED: ReadonlyMap<string, string> = new Map([
  ['int2', 'smallint'],
  ['int4', 'int'],
  ['int8', 'bigint'],
  ['oid', 'bigint'],
  ['float4', 'real'],
  ['float8', 'float'],
  ['bool', 'bit'],
  ['name', 'nvarchar(64)'],
  ['date', 'date'],
  ['uuid', 'uniqueidentifier'],
]);

/** types with fractional seconds: PostgreSQL's 0..6 digits (6 when not given) fit SQL Server's 0..7 */
const TIMED: ReadonlyMap<string, string> = new Map([
  ['time', 'time'],
  ['timestamp', 'datetime2'],
  ['timestamptz', 'datetimeoffset'],
]);

export function mssqlTypeForPg(c: Pick<DictColumn, 'dataType' | 'columnType' | 'charLength' | 'precision' | 'scale' | 'datetimePrecision'>, indexed: boolean): string {
  const fixed = FIXED.get(c.dataType);
  if (fixed !== undefined) return fixed;
  const timed = TIMED.get(c.dataType);
  if (timed !== undefined) return `${timed}(${c.datetimePrecision ?? 6})`;
  const maxText = indexed ? 'nvarchar(450)' : 'nvarchar(max)';
  const chars = (kind: 'nchar' | 'nvarchar'): string => (c.charLength !== undefined && 2 * c.charLength <= MAX_CHARS ? `${kind}(${2 * c.charLength})` : maxText);
  switch (c.dataType) {
    case 'numeric': {
      const p = c.precision;
      const s = c.scale ?? 0;
      return /\(/.test(c.columnType) && p !== undefined && p <= MAX_PRECISION && s >= 0 && s <= p ? `decimal(${p},${s})` : maxText;
    }
    case 'bytea':
      return indexed ? 'varbinary(900)' : 'varbinary(max)';
    case 'varchar':
      return chars('nvarchar');
    case 'bpchar':
      return chars('nchar');
    default:
      return maxText;
  }
}
