import { SynctlError } from '../../errors';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../../model/value';
import type { BoundColumn } from '../bound-table';
import { utcWallClock } from '../temporal-text';
import { isZeroDate, zeroDateValue, type ZeroDateRule } from '../zero-date';

/**
 * PostgreSQL literals for values from any source, converted for the target column's
 * type: this is where MySQL's types meet PostgreSQL's (tinyint(1) into boolean, BIT into
 * bit varying, BINARY(16) into uuid, zero dates by the configured rule, DATETIME into
 * timestamp, TIMESTAMP into timestamptz). Assumes the session set in PG_APPLY_SESSION:
 * UTC and standard_conforming_strings, so a quoted string needs only '' doubling.
 */

export const PG_APPLY_SESSION = ["SET TimeZone = 'UTC'", 'SET standard_conforming_strings = on', "SET client_encoding = 'UTF8'"];

export interface PgLiteralOptions {
  readonly zeroDate: ZeroDateRule;
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function pgQuote(s: string): string {
  if (s.includes('\0')) throw new SynctlError('APPLY_VALUE', 'PostgreSQL text cannot hold a NUL (0x00) character');
  return "'" + s.replace(/'/g, "''") + "'";
}

function bad(col: BoundColumn, what: string): SynctlError {
  return new SynctlError('APPLY_VALUE', `column ${col.name} (${col.type}): ${what}`, { column: col.name });
}

function bitsOf(type: string): number | undefined {
  const m = /\((\d+)\)/.exec(type);
  return m ? Number(m[1]) : undefined;
}

function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return "'NaN'";
  if (!Number.isFinite(v)) return v > 0 ? "'Infinity'" : "'-Infinity'";
  return Object.is(v, -0) ? "'-0'" : String(v);
}

function bufferLiteral(b: Buffer, col: BoundColumn): string {
  const t = col.type.toLowerCase();
  if (col.kind === 'binary') return `'\\x${b.toString('hex')}'`;
  if (t.startsWith('bit')) {
    // MySQL BIT(n) arrives as ceil(n/8) bytes; a bit(n) target wants exactly n digits
    const n = bitsOf(t) ?? bitsOf(col.source.type) ?? b.length * 8;
    let digits = [...b].map((x) => x.toString(2).padStart(8, '0')).join('');
    digits = digits.length > n ? digits.slice(digits.length - n) : digits.padStart(n, '0');
    return `B'${digits}'`;
  }
  if (col.kind === 'bool' && b.length === 1) return b[0] ? 'TRUE' : 'FALSE';
  if (col.kind === 'int' || col.kind === 'decimal') return b.length === 0 ? '0' : BigInt('0x' + b.toString('hex')).toString();
  if (t === 'uuid' && b.length === 16) {
    const h = b.toString('hex');
    return `'${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}'`;
  }
  throw bad(col, `cannot store ${b.length} bytes of binary data; map the column to bytea`);
}

function temporalLiteral(v: Temporal, col: BoundColumn, opts: PgLiteralOptions): string {
  if (isZeroDate(v)) {
    const z = zeroDateValue(v, opts.zeroDate);
    if (z === null) return 'NULL';
    v = z;
  }
  switch (col.kind) {
    case 'date':
      return pgQuote(v.kind === 'timestamptz' ? utcWallClock(v.text).slice(0, 10) : v.text.slice(0, 10));
    case 'datetime':
      if (v.kind === 'time') throw bad(col, `a TIME value (${v.text}) cannot go into a timestamp`);
      return pgQuote(v.kind === 'timestamptz' ? utcWallClock(v.text) : v.text);
    case 'timestamptz':
      if (v.kind === 'time') throw bad(col, `a TIME value (${v.text}) cannot go into a timestamptz`);
      // a wall-clock DATETIME is taken as UTC (the session's zone); an instant keeps its offset
      return pgQuote(v.text);
    case 'time': {
      if (v.kind !== 'time') return pgQuote(v.kind === 'timestamptz' ? utcWallClock(v.text).slice(11) : v.text.slice(11));
      const h = /^(-?)(\d+):/.exec(v.text);
      if (h && (h[1] === '-' || Number(h[2]) > 24)) throw bad(col, `TIME ${v.text} is outside PostgreSQL's time range; map the column to interval`);
      return pgQuote(v.text);
    }
    default:
      return pgQuote(v.text); // text, interval and the like parse the canonical text
  }
}

export function pgLiteral(v: Value, col: BoundColumn, opts: PgLiteralOptions): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'boolean':
      if (col.kind === 'bool') return v ? 'TRUE' : 'FALSE';
      if (col.kind === 'text') return v ? "'true'" : "'false'";
      return v ? '1' : '0';
    case 'number':
      if (col.kind === 'bool') return v !== 0 ? 'TRUE' : 'FALSE';
      if (col.kind === 'text' || col.kind === 'json') return pgQuote(String(v));
      return numberLiteral(v);
    case 'bigint':
      if (col.kind === 'bool') return v !== 0n ? 'TRUE' : 'FALSE';
      return col.kind === 'text' ? `'${v}'` : v.toString();
    case 'string':
      if ((col.kind === 'int' || col.kind === 'decimal' || col.kind === 'float') && NUMBER_TEXT.test(v)) return v;
      if (col.kind === 'binary') return `'\\x${Buffer.from(v, 'utf8').toString('hex')}'`;
      return pgQuote(v);
  }
  if (Buffer.isBuffer(v)) return bufferLiteral(v, col);
  if (v instanceof Temporal) return temporalLiteral(v, col, opts);
  if (v === UNCHANGED) throw bad(col, 'an unchanged (not sent) value has no literal');
  if (v instanceof JsonDiff) throw bad(col, 'a partial JSON update has no literal');
  throw bad(col, `no PostgreSQL literal for ${String(v)}`);
}

/** '$.a[2]."b c"' → a PostgreSQL text[] path literal '{a,2,"b c"}' for jsonb_set / #-. */
export function pgJsonPath(path: string): string {
  if (!path.startsWith('$')) throw new SynctlError('APPLY_VALUE', `JSON path ${path} does not start with $`);
  const parts: string[] = [];
  const re = /\.("(?:[^"\\]|\\.)*"|[^.[]+)|\[(\d+)\]/gy;
  re.lastIndex = 1;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    if (m[2] !== undefined) parts.push(m[2]);
    else parts.push(m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!);
  }
  if (re.lastIndex !== path.length && path.length > 1) throw new SynctlError('APPLY_VALUE', `JSON path ${path}: cannot translate to a PostgreSQL path`);
  return pgQuote('{' + parts.map((p) => '"' + p.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"').join(',') + '}');
}
