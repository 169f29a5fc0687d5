/**
 * PostgreSQL side of verify's canonical value text; the rules are listed in
 * src/dialect/mysql/mysql-normalize.ts and both files must agree.
 *   int/bigint/numeric(20) '123';  numeric: trim_scale() drops trailing zeros (PG 13+)
 *   boolean '1'/'0' (MySQL tinyint(1));  float: shortest exact text (extra_float_digits=3)
 *   text: ::text (char(n) loses its padding);  bytea: lower-case hex
 *   bit / bit varying: against MySQL the value's binary digits without leading zeros (MySQL BIT(n)
 *   is a number; exec writes it n digits wide); between PostgreSQL servers ::text (every digit)
 *   timestamp 'YYYY-MM-DD HH:MM:SS.ffffff';  timestamptz the same in UTC (session TimeZone UTC)
 *   json/jsonb: jsonb::text (normalised key order and spacing) between PostgreSQL servers;
 *   against MySQL the text is re-serialised in JS (canonical-json.ts)
 *   inet: against MariaDB INET4/INET6 the address without its /32 or /128 (host()), as MariaDB prints it;
 *   against a text column (kind 'text', see verify's plan) as PostgreSQL prints it, which a copy stored
 */
import type { ColKind } from '../../verify/types';
import { isBitType } from '../mysql/mysql-normalize';

export const PG_SESSION_SETUP = [
  "SET TimeZone = 'UTC'",
  'SET extra_float_digits = 3',
  "SET client_encoding = 'UTF8'",
  // row-filter literals are quoted with '' only
  'SET standard_conforming_strings = on',
];

export function pgQuoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Kind from pg_type.typname (arrays and other types compare by their ::text). */
export function pgColumnKind(typname: string): ColKind {
  switch (typname) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return 'int';
    case 'numeric':
      return 'decimal';
    case 'float4':
    case 'float8':
      return 'float';
    case 'bool':
      return 'bool';
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'citext':
      return 'text';
    case 'bytea':
      return 'binary';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'timestamp':
      return 'datetime';
    case 'timestamptz':
      return 'timestamptz';
    case 'json':
    case 'jsonb':
      return 'json';
    default:
      return 'other';
  }
}

export interface PgCanonOptions {
  readonly crossEngine: boolean;
  /** the column's type text: bit / bit varying are told by it (kind 'other') */
  readonly type?: string;
}

export function pgCanonExpr(q: string, kind: ColKind, opts: PgCanonOptions): string {
  switch (kind) {
    case 'other':
      if (opts.crossEngine && isBitType(opts.type)) return `CASE WHEN ${q} IS NOT NULL THEN COALESCE(NULLIF(ltrim((${q})::text, '0'), ''), '0') END`;
      if (opts.crossEngine && opts.type === 'inet') return `host(${q})`;
      return `(${q})::text`;
    case 'text':
      return pgValueText(q, opts.type);
    case 'int':
    case 'float':
      return `(${q})::text`;
    case 'decimal':
      return `trim_scale(${q})::text`;
    case 'bool':
      return `CASE WHEN ${q} THEN '1' WHEN NOT ${q} THEN '0' END`;
    case 'binary':
      return `encode(${q}, 'hex')`;
    case 'date':
      return `to_char(${q}, 'YYYY-MM-DD')`;
    case 'time':
      return `to_char(${q}, 'HH24:MI:SS.US')`;
    case 'datetime':
    case 'timestamptz':
      return `to_char(${q}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'json':
      // MySQL keeps the text it was given: the JS step canonicalises both sides then
      return opts.crossEngine ? `(${q})::text` : `(${q})::jsonb::text`;
  }
}

/**
 * A value's text: ::text, which drops char(n)'s padding; inet's cast to text (unlike its
 * output, which COPY and a text column hold) keeps a host's /32 or /128: abbrev() is the output.
 */
function pgValueText(q: string, type: string | undefined): string {
  return type === 'inet' ? `abbrev(${q})` : `(${q})::text`;
}

/** Key ordering/range expression: text keys by byte (code point) order, like MySQL's BINARY. */
export function pgKeyExpr(q: string, kind: ColKind, type?: string): string {
  return kind === 'text' ? `${pgValueText(q, type)} COLLATE "C"` : q;
}

/** A bound key value ($n holds canonical text) comparable with pgKeyExpr. */
export function pgKeyParam(kind: ColKind, n: number, type: string): string {
  if (kind === 'text') return `$${n}::text COLLATE "C"`;
  if (kind === 'binary') return `decode($${n}, 'hex')`;
  return `$${n}::${type}`;
}

/** The canonical text written back (repair). */
export function pgValueParam(kind: ColKind, n: number, type: string): string {
  if (kind === 'binary') return `decode($${n}, 'hex')`;
  // a value from MySQL has no leading zeros: back to the column's width
  const width = isBitType(type) ? /\((\d+)\)/.exec(type)?.[1] : undefined;
  if (width !== undefined) return `lpad($${n}, ${width}, '0')::${type}`;
  if (kind === 'bool') return `($${n})::int::boolean`;
  return `$${n}::${type}`;
}

export function pgRowText(exprs: readonly string[]): string {
  return exprs.map((e) => `COALESCE(char_length(${e})::text || ':' || ${e}, 'N')`).join(" || ',' || ");
}

/** Twin of mysqlCanonicalHashParts: the 60-bit head of the row text's MD5 as an integer. */
export function pgHashParts(rowText: string): string[] {
  return [`('x' || substr(md5(${rowText}), 1, 15))::bit(60)::bigint`];
}

/** Same engine, same column types: the row value's own text (ROW(...)::text quotes every field). */
export function pgRawRowText(cols: readonly { q: string }[]): string {
  return `ROW(${cols.map(({ q }) => q).join(', ')})::text`;
}

/** Row-filter pushdown, twin of mysqlFilterOperand: numeric, text in "C" (code point) order, bytea. */
export function pgFilterOperand(op: 'num' | 'text' | 'bytes', canon: string): string {
  if (op === 'num') return `(${canon})::numeric`;
  if (op === 'bytes') return `decode(${canon}, 'hex')`;
  return `(${canon}) COLLATE "C"`;
}

const pgText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function pgFilterLiteral(op: 'num' | 'text' | 'bytes', value: string): string {
  if (op === 'num') return `${pgText(value)}::numeric`;
  if (op === 'bytes') return `decode('${value}', 'hex')`;
  return `${pgText(value)} COLLATE "C"`;
}

/** LIKE by character, `\` escapes (PostgreSQL's default escape, as in the filter). */
export function pgFilterLike(canon: string, pattern: string, negate: boolean): string {
  return `((${canon}) COLLATE "C" ${negate ? 'NOT ' : ''}LIKE ${pgText(pattern)})`;
}
