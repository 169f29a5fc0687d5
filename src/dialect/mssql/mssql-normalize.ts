/**
 * SQL Server side of verify's canonical value text; the rules are listed in
 * src/dialect/mysql/mysql-normalize.ts and all three engines must agree, so that a chunk's
 * digest (row count + sum of a 60-bit slice of each row text's MD5) is the same number on
 * MySQL/MariaDB, PostgreSQL and SQL Server when the rows are equal.
 *
 * What it takes on SQL Server (2019 or newer, for UTF-8 collations):
 *  - the row text is hashed as UTF-8, like the other engines' text: nvarchar is converted to
 *    varchar under a _UTF8 collation (code page 65001) before HASHBYTES;
 *  - each value's length is counted in characters, a surrogate pair as one (LEN under a
 *    supplementary-character (_SC) collation, with a '.' appended: LEN ignores trailing
 *    spaces);
 *  - text keys are ordered by code point: their UTF-8 bytes under a BIN2 collation;
 *  - decimals lose trailing fractional zeros, times and timestamps print 6 fractional
 *    digits, datetimeoffset is printed in UTC, binary as lower-case hex, bit as 1/0, nchar
 *    without its padding.
 * Written from the T-SQL documentation; no SQL Server runs where synctl is tested.
 */
import type { ColKind, VColumn } from '../../verify/types';
import { mssqlString } from './mssql-sql';

/** UTF-8 varchar, binary (byte = code point) order; SQL Server 2019+. */
const UTF8_BIN2 = 'Latin1_General_100_BIN2_UTF8';
/** LEN counts a surrogate pair as one character under an _SC collation. */
const SC = 'Latin1_General_100_CI_AS_SC';
/** exact, case- and accent-sensitive equality of nvarchar */
const BIN2 = 'Latin1_General_100_BIN2';

/** One row, column n: 1 when the server has the UTF-8 collation the canonical text needs (SQL Server 2019+, Azure SQL). */
export const MSSQL_UTF8_CHECK_SQL = `SELECT COUNT(*) AS n FROM sys.fn_helpcollations() WHERE name = '${UTF8_BIN2}'`;

/** The text as UTF-8 bytes in code point order (varchar under a UTF-8 BIN2 collation). */
export function mssqlUtf8(expr: string): string {
  return `CAST((${expr}) COLLATE ${UTF8_BIN2} AS varchar(max))`;
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff' of a datetime2/datetime value. */
function dateTime6(e: string): string {
  return `CONVERT(char(19), ${e}, 120) + '.' + RIGHT('000000' + CAST(DATEPART(microsecond, ${e}) AS varchar(6)), 6)`;
}

/** Decimal text without trailing fractional zeros or a bare '.', as MySQL's TRIM and PostgreSQL's trim_scale give. */
function decimalText(q: string): string {
  const t = `CAST(${q} AS varchar(60))`;
  const rev = `SUBSTRING(REVERSE(${t}), PATINDEX('%[^0]%', REVERSE(${t})), 60)`;
  return `CASE WHEN CHARINDEX('.', ${t}) = 0 THEN ${t} ELSE REVERSE(SUBSTRING(${rev}, CASE WHEN LEFT(${rev}, 1) = '.' THEN 2 ELSE 1 END, 60)) END`;
}

const CLR_TYPES = /^(geography|geometry|hierarchyid)$/;

/** SELECT expression printing the canonical text of column `q` (already quoted). */
export function mssqlCanonExpr(q: string, kind: ColKind, type = ''): string {
  const t = type.toLowerCase();
  switch (kind) {
    case 'int':
      return `CAST(${q} AS varchar(40))`;
    case 'decimal':
      return decimalText(q);
    case 'float':
      // 17 significant digits (style 3, SQL Server 2016+): exact; JS re-prints it across engines
      return `CONVERT(varchar(40), ${q}, 3)`;
    case 'text':
      return /^n?char\b/.test(t) ? `RTRIM(${q})` : `CAST(${q} AS nvarchar(max))`;
    case 'json':
      return `CAST(${q} AS nvarchar(max))`;
    case 'binary':
      return `LOWER(CONVERT(varchar(max), CAST(${q} AS varbinary(max)), 2))`;
    case 'date':
      return `CONVERT(char(10), ${q}, 23)`;
    case 'time':
      return `CONVERT(char(8), ${q}, 108) + '.' + RIGHT('000000' + CAST(DATEPART(microsecond, ${q}) AS varchar(6)), 6)`;
    case 'datetime':
      return dateTime6(q);
    case 'timestamptz':
      return dateTime6(`CAST(SWITCHOFFSET(${q}, '+00:00') AS datetime2(7))`);
    case 'bool':
      return `CASE WHEN ${q} = 1 THEN '1' WHEN ${q} = 0 THEN '0' END`;
    case 'other':
      if (t === 'uniqueidentifier') return `LOWER(CAST(${q} AS char(36)))`;
      if (CLR_TYPES.test(t)) return `${q}.ToString()`;
      return `CAST(${q} AS nvarchar(max))`;
  }
}

/** Key ordering/range expression: text-like keys by code point (UTF-8 bytes), the rest by value. */
export function mssqlKeyExpr(q: string, kind: ColKind, type = ''): string {
  return kind === 'text' || kind === 'json' || kind === 'other' ? mssqlUtf8(mssqlCanonExpr(q, kind, type)) : q;
}

/** A bound key value (@pN holds canonical text) comparable with mssqlKeyExpr, cast to the column's own type so an index can seek. */
export function mssqlKeyParam(col: Pick<VColumn, 'kind' | 'type'>, n: number): string {
  const p = `@p${n}`;
  switch (col.kind) {
    case 'int':
    case 'decimal':
      return `CAST(${p} AS ${col.type})`;
    case 'bool':
      return `CAST(${p} AS bit)`;
    case 'float':
      return `CAST(${p} AS float)`;
    case 'binary':
      return `CONVERT(varbinary(max), ${p}, 2)`;
    case 'date':
      return `CAST(${p} AS date)`;
    case 'time':
      return `CAST(${p} AS time(7))`;
    case 'datetime':
      return `CAST(${p} AS datetime2(7))`;
    case 'timestamptz':
      return `CAST(${p} + N' +00:00' AS datetimeoffset(7))`;
    default:
      return mssqlUtf8(`CAST(${p} AS nvarchar(max))`);
  }
}

/** The canonical text written back (repair): converted where assignment from text would not do it. */
export function mssqlValueParam(col: Pick<VColumn, 'kind' | 'type'>, n: number): string {
  return col.kind === 'binary' || col.kind === 'bool' || col.kind === 'datetime' || col.kind === 'timestamptz' ? mssqlKeyParam(col, n) : `@p${n}`;
}

/** One row's canonical text: each value length-prefixed (characters) or 'N' for NULL, comma-joined. */
export function mssqlRowText(exprs: readonly string[]): string {
  return exprs.map((e) => `COALESCE(CAST(LEN((${e} + N'.') COLLATE ${SC}) - 1 AS nvarchar(20)) + N':' + ${e}, N'N')`).join(" + N',' + ");
}

const md5 = (rowText: string): string => `HASHBYTES('MD5', ${mssqlUtf8(rowText)})`;

/**
 * verify's per-row hash parts (Side.hashParts), twin of MySQL's and PostgreSQL's: the first
 * 60 bits of the row text's MD5 (15 hex digits = 7 bytes and the high half of the 8th), as
 * bigint because tedious hands bigint to JS as exact text (decimal arrives as a double).
 * verify sums them per bucket; the T-SQL rewriting (mssql-tsql.ts) makes each SUM an exact
 * decimal sum returned as text.
 */
export function mssqlHashParts(rowText: string): string[] {
  const h = md5(rowText);
  return [`CAST(SUBSTRING(${h}, 1, 7) AS bigint) * 16 + CAST(SUBSTRING(${h}, 8, 1) AS int) / 16`];
}

/** ORDER BY term for a canonical text when rows have no key: code point order (SQL Server sorts NULL first). */
export function mssqlOrderText(expr: string): string {
  return mssqlUtf8(expr);
}

/** NULL-safe exact equality with the parameter used once (repair's keyless rows bind it by position); '.' defeats trailing-space padding. */
export function mssqlNullSafeEq(expr: string, param: string): string {
  const exact = (e: string) => `(CAST(${e} AS nvarchar(max)) + N'.') COLLATE ${BIN2}`;
  return `EXISTS (SELECT ${exact(expr)} INTERSECT SELECT ${exact(param)})`;
}

/** Row-filter pushdown, twin of mysqlFilterOperand: exact numeric (38 digits, 18 after the point), code point text, bytes. */
export function mssqlFilterOperand(op: 'num' | 'text' | 'bytes', canon: string): string {
  if (op === 'num') return `CAST(${canon} AS decimal(38,18))`;
  if (op === 'bytes') return `CONVERT(varbinary(max), ${canon}, 2)`;
  return mssqlUtf8(canon);
}

export function mssqlFilterLiteral(op: 'num' | 'text' | 'bytes', value: string): string {
  if (op === 'num') return `CAST('${value}' AS decimal(38,18))`;
  if (op === 'bytes') return `0x${value}`;
  return mssqlUtf8(mssqlString(value));
}

/** The filter's LIKE pattern (`\` escapes) in T-SQL's: literal %, _ and [ go in brackets. */
export function mssqlLikePattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      out += n === '%' || n === '_' || n === '[' ? `[${n}]` : n;
    } else out += c === '[' ? '[[]' : c;
  }
  return out;
}

/** LIKE by character with exact (binary) comparison. */
export function mssqlFilterLike(canon: string, pattern: string, negate: boolean): string {
  return `(CAST(${canon} AS nvarchar(max)) COLLATE ${BIN2} ${negate ? 'NOT ' : ''}LIKE ${mssqlString(mssqlLikePattern(pattern))})`;
}
