/**
 * PostgreSQL COPY text format (FORMAT text, the default: tab-separated, \N for NULL,
 * backslash escapes) for values from any source, converted for the target column exactly
 * as exec converts them: the conversion IS pgLiteral's (pg-literal.ts). The common cases
 * (NULL, numbers into numeric columns, strings into text-like columns) take a fast path
 * that gives the same text pgLiteral would; everything else goes through pgLiteral and
 * the literal is turned back into the field text the server reads the same way.
 *
 * COPY text escapes (PostgreSQL docs, COPY "Text Format"): backslash is \\, and newline,
 * carriage return and tab inside a value are \n, \r and \t. Nothing else needs escaping.
 * The session must be PG_APPLY_SESSION (UTC, UTF8), like exec's.
 */
import { SynctlError } from '../../errors';
import type { Value } from '../../model/value';
import type { BoundColumn } from '../bound-table';
import { pgLiteral, type PgLiteralOptions } from './pg-literal';

export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\n\r\t]/;

/** Escapes a raw field text for COPY text format. */
export function copyEscape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else out += s[i];
  }
  return out;
}

/**
 * The COPY field for a PostgreSQL literal as pgLiteral writes them: NULL, TRUE/FALSE,
 * a bare number, a quoted string ('' doubled), B'0101' (bit string) or '\x..' (bytea hex,
 * a quoted string too).
 */
export function literalToCopyField(lit: string): string {
  if (lit === 'NULL') return COPY_NULL;
  if (lit === 'TRUE') return 't';
  if (lit === 'FALSE') return 'f';
  if (lit.startsWith("B'") && lit.endsWith("'")) return lit.slice(2, -1);
  if (lit.startsWith("'") && lit.endsWith("'") && lit.length >= 2) return copyEscape(lit.slice(1, -1).replace(/''/g, "'"));
  if (/^[+-]?[0-9.eE+-]+$/.test(lit)) return lit;
  throw new SynctlError('APPLY_VALUE', `no COPY text for the PostgreSQL literal ${lit.slice(0, 40)}`);
}

/** Column kinds into which pgLiteral writes a string as the quoted string itself (numbers and bytes take the slow path). */
const STRING_QUOTED: Readonly<Record<BoundColumn['kind'], boolean>> = {
  int: false,
  decimal: false,
  float: false,
  binary: false,
  text: true,
  date: true,
  time: true,
  datetime: true,
  timestamptz: true,
  json: true,
  bool: true,
  other: true,
};

/** what copyEscape changes, and NUL (which pgLiteral refuses) */
const SPECIAL = /[\\\n\r\t\0]/;

/** The COPY text field for `v` stored into target column `col` (same conversion as pgLiteral). */
export function copyField(v: Value, col: BoundColumn, opts: PgLiteralOptions): string {
  if (v === null) return COPY_NULL;
  switch (typeof v) {
    case 'string':
      if (STRING_QUOTED[col.kind]) {
        if (!SPECIAL.test(v)) return v;
        if (!v.includes('\0')) return copyEscape(v);
      }
      break;
    case 'number':
      if ((col.kind === 'int' || col.kind === 'decimal' || col.kind === 'float') && Number.isFinite(v) && !Object.is(v, -0)) return String(v);
      break;
    case 'bigint':
      if (col.kind !== 'bool' && col.kind !== 'text') return v.toString();
      break;
  }
  return literalToCopyField(pgLiteral(v, col, opts));
}

/** One COPY text line (with its newline) for the values at `indexes` of `row`, in that order. */
export function copyLine(row: readonly Value[], indexes: readonly number[], cols: readonly BoundColumn[], opts: PgLiteralOptions): string {
  let line = '';
  for (let j = 0; j < indexes.length; j++) {
    const i = indexes[j]!;
    if (j > 0) line += '\t';
    line += copyField(row[i]!, cols[i]!, opts);
  }
  return line + '\n';
}
