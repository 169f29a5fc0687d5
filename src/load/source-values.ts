/**
 * Rows read by SELECT from MySQL/MariaDB (mysql2 text protocol, session time_zone +00:00,
 * dateStrings, big numbers as strings, JSON as text, GEOMETRY as bytes) turned into the
 * same model Values the binlog decoder gives for those columns (src/capture/mysql/values),
 * so the initial load and exec write a value the same way:
 *
 *   TINYINT..INT, YEAR   number          BIGINT        bigint
 *   FLOAT                number (the float32 value, as the binlog holds it)
 *   DOUBLE               number          DECIMAL       string
 *   DATE / TIME / DATETIME   Temporal('date' | 'time' | 'datetime', text)
 *   TIMESTAMP            Temporal('timestamptz', UTC text + '+00:00')
 *   text types, ENUM, SET, MariaDB JSON, UUID, INET   string
 *   binary types, BIT, GEOMETRY                        Buffer
 */
import type { DictColumn } from '../dict/entry';
import { Temporal, type Value } from '../model/value';

/** mysql2 field types whose text mysql2 would otherwise turn into objects. */
export type RawValue = null | number | string | Buffer;

export type Converter = (v: RawValue) => Value;

const same: Converter = (v) => v;

export function converterFor(c: Pick<DictColumn, 'dataType'>): Converter {
  switch (c.dataType.toLowerCase()) {
    case 'bigint':
      return (v) => (v === null ? null : BigInt(typeof v === 'string' ? v : String(v)));
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'year':
      return (v) => (v === null ? null : typeof v === 'number' ? v : Number(String(v)));
    case 'float':
      return (v) => (v === null ? null : Math.fround(typeof v === 'number' ? v : Number(String(v))));
    case 'double':
    case 'real':
      return (v) => (v === null ? null : typeof v === 'number' ? v : Number(String(v)));
    case 'decimal':
    case 'numeric':
      return (v) => (v === null ? null : String(v));
    case 'date':
      return (v) => (v === null ? null : new Temporal('date', String(v)));
    case 'time':
      return (v) => (v === null ? null : new Temporal('time', String(v)));
    case 'datetime':
      return (v) => (v === null ? null : new Temporal('datetime', String(v)));
    case 'timestamp':
      return (v) => (v === null ? null : new Temporal('timestamptz', String(v) + '+00:00'));
    default:
      return same;
  }
}

/** mysql2 connection options that make rows come back as RawValues (see converterFor). */
export const MYSQL_READ_OPTIONS = {
  charset: 'utf8mb4',
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  jsonStrings: true,
  decimalNumbers: false,
} as const;

/** A typeCast that keeps GEOMETRY as its stored bytes (mysql2 parses it into objects). */
export function geometryAsBytes(field: { type: string; buffer(): Buffer | null }, next: () => unknown): unknown {
  return field.type === 'GEOMETRY' ? field.buffer() : next();
}
