/**
 * What a PostgreSQL source column becomes in a MySQL/MariaDB table that COPY creates (the
 * exec site's type_map overrides it, see type-map.ts). Chosen so every value the source
 * can hold is stored exactly, or as its PostgreSQL text where MySQL has no such type:
 *
 *   int2 smallint, int4 int, int8 bigint, oid int unsigned, float4 float, float8 double
 *   numeric(p,s) decimal(p,s); numeric without a precision decimal(65,30)
 *   bool tinyint(1); bytea longblob
 *   varchar(n) varchar(n), char(n) char(n) (n <= 255), text/varchar/char longtext
 *   date date, time(p) time(p), timestamp(p) datetime(p)
 *   timestamptz(p) datetime(p): the UTC wall-clock time (the instant, zone dropped)
 *   json, jsonb json; uuid char(36)
 *   arrays, intervals, network, geometric, range and every other type: longtext (their
 *   PostgreSQL text form)
 *
 * A text column in a key or index (MySQL cannot index an unbounded text) becomes
 * varchar(768) (3072 bytes of utf8mb4, InnoDB's largest key part).
 */
import type { DictColumn } from '../../dict/entry';

const frac = (c: Pick<DictColumn, 'datetimePrecision'>): string => `(${Math.min(c.datetimePrecision ?? 6, 6)})`;

export function mysqlTypeForPg(c: Pick<DictColumn, 'dataType' | 'columnType' | 'charLength' | 'precision' | 'scale' | 'datetimePrecision'>, indexed: boolean): string {
  const longText = indexed ? 'varchar(768)' : 'longtext';
  switch (c.dataType) {
    case 'int2':
      return 'smallint';
    case 'int4':
      return 'int';
    case 'int8':
      return 'bigint';
    case 'oid':
      return 'int unsigned';
    case 'float4':
      return 'float';
    case 'float8':
      return 'double';
    case 'numeric':
      return /\(/.test(c.columnType) && c.precision !== undefined && c.precision <= 65 && (c.scale ?? 0) <= 30 ? `decimal(${c.precision},${c.scale ?? 0})` : 'decimal(65,30)';
    case 'bool':
      return 'tinyint(1)';
    case 'bytea':
      return indexed ? 'varbinary(3072)' : 'longblob';
    case 'varchar':
      return c.charLength !== undefined && c.charLength <= 16383 ? `varchar(${c.charLength})` : longText;
    case 'bpchar':
      return c.charLength !== undefined && c.charLength <= 255 ? `char(${c.charLength})` : c.charLength !== undefined && c.charLength <= 16383 ? `varchar(${c.charLength})` : longText;
    case 'name':
      return 'varchar(64)';
    case 'date':
      return 'date';
    case 'time':
      return `time${frac(c)}`;
    case 'timestamp':
    case 'timestamptz':
      return `datetime${frac(c)}`;
    case 'json':
    case 'jsonb':
      return 'json';
    case 'uuid':
      return 'char(36)';
    default:
      return longText;
  }
}
