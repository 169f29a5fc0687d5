/**
 * MySQL/MariaDB side of verify's canonical value text: a SELECT expression per column that
 * makes the server print the same text PostgreSQL's expression (postgres-normalize.ts)
 * prints for the value replication would have written there.
 *
 * Canonical text, by kind (NULL stays NULL):
 *   int          decimal digits ('18446744073709551615' for unsigned BIGINT; tinyint(1) is 0/1,
 *                which is how a PostgreSQL boolean prints too)
 *   decimal      exact value, trailing fractional zeros and a bare '.' removed (1.5000 -> 1.5)
 *   float        the server's shortest text; across engines re-printed in JS (see JsCanon)
 *   text         the characters as utf8mb4 (CHAR is read without its padding by the server)
 *   binary       lower-case hex
 *   BIT(n)       (kind 'other', told by its type) the value in binary digits without leading
 *                zeros ('0' for zero): exec's BIT(n) -> bit varying(n) keeps the value, which
 *                PostgreSQL prints n digits wide
 *   date         YYYY-MM-DD;  datetime 'YYYY-MM-DD HH:MM:SS.ffffff';  time '[-]HH:MM:SS.ffffff'
 *   timestamptz  MySQL TIMESTAMP read with time_zone '+00:00', printed as datetime (UTC)
 *   json         the stored text; across engines (or MySQL's binary JSON) canonicalised in JS
 * Zero dates: PostgreSQL cannot hold them, so on the source side of a pair across engines a
 * date/datetime with a zero year, month or day compares as what exec's `zero_date` rule writes
 * (dialect/zero-date.ts): NULL, or the rule's date with the time of day kept. Elsewhere (same
 * engine, a MySQL target) it is compared as its own text, which nothing else prints.
 * The session must run SET NAMES utf8mb4 and time_zone '+00:00' (SESSION_SETUP).
 */
import type { DictColumn } from '../../dict/entry';
import type { ColKind } from '../../verify/types';

export const MYSQL_SESSION_SETUP = ['SET NAMES utf8mb4', "SET time_zone = '+00:00'"];

/** the one MySQL identifier quoting (mysql-sql.ts), under the name verify uses */
export { quoteIdent as mysqlQuoteIdent } from './mysql-sql';

const INT = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

export function mysqlColumnKind(c: Pick<DictColumn, 'dataType' | 'columnType'>): ColKind {
  const t = c.dataType.toLowerCase();
  if (INT.has(t)) return 'int';
  if (t === 'decimal' || t === 'numeric') return 'decimal';
  if (t === 'float' || t === 'double' || t === 'real') return 'float';
  if (TEXT.has(t)) return 'text';
  if (BINARY.has(t)) return 'binary';
  if (t === 'date') return 'date';
  if (t === 'time') return 'time';
  if (t === 'datetime') return 'datetime';
  if (t === 'timestamp') return 'timestamptz';
  if (t === 'json') return 'json';
  return 'other';
}

export interface CanonOptions {
  /** the other side is a different engine (zero dates become NULL) */
  readonly crossEngine: boolean;
  readonly scale?: number;
  /** the column's type text ('bit(5)'): BIT is told by it */
  readonly type?: string;
  /** exec's zero_date rule, on the source side across engines: null (NULL) or a 'YYYY-MM-DD' date; absent: no rule */
  readonly zeroDate?: string | null;
}

/** A bit-string type: MySQL BIT(n), PostgreSQL bit(n) / bit varying(n) (exec keeps their kind 'other'). */
export const isBitType = (type: string | undefined): boolean => type !== undefined && /^bit\b/i.test(type);

/** SELECT expression printing the canonical text of column `q` (already quoted). */
export function mysqlCanonExpr(q: string, kind: ColKind, opts: CanonOptions): string {
  const rule = opts.zeroDate;
  const zeroAs = (kind: ColKind): string => {
    if (rule === undefined || rule === null) return 'NULL';
    const date = `'${rule.replace(/'/g, "''")}'`;
    return kind === 'date' ? date : `CONCAT(${date}, DATE_FORMAT(${q}, ' %H:%i:%s.%f'))`;
  };
  const zeroNull = (e: string, kind: ColKind = 'date'): string =>
    rule !== undefined ? `IF(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0, ${zeroAs(kind)}, ${e})` : e;
  switch (kind) {
    case 'int':
      return `CAST(${q} AS CHAR)`;
    case 'decimal':
      // scale 0 has no '.', so stripping zeros would turn 100 into 1
      return opts.scale !== undefined && opts.scale > 0
        ? `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(${q} AS CHAR)))`
        : `CAST(${q} AS CHAR)`;
    case 'float':
      return `CAST(${q} AS CHAR)`;
    case 'text':
    case 'json':
      return `CONVERT(${q} USING utf8mb4)`;
    case 'binary':
      return `LOWER(HEX(${q}))`;
    case 'date':
      return zeroNull(`DATE_FORMAT(${q}, '%Y-%m-%d')`);
    case 'datetime':
    case 'timestamptz':
      return zeroNull(`DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f')`, kind);
    case 'time':
      return `TIME_FORMAT(${q}, '%H:%i:%s.%f')`;
    case 'bool':
      return `IF(${q}, '1', '0')`;
    case 'other':
      return isBitType(opts.type) ? `BIN(${q} + 0)` : `CAST(${q} AS CHAR)`;
  }
}

/**
 * Expression a key column is ordered and range-compared by. Text keys compare as bytes
 * (code point order for utf8mb4), the order PostgreSQL's COLLATE "C" gives and verify's merge uses.
 */
export function mysqlKeyExpr(q: string, kind: ColKind): string {
  return kind === 'text' ? `CAST(CONVERT(${q} USING utf8mb4) AS BINARY)` : q;
}

/**
 * The bound key value (canonical text) as something comparable with mysqlKeyExpr. Typed
 * casts matter: BIGINT compared with a string goes through DOUBLE and loses precision.
 */
export function mysqlKeyParam(kind: ColKind, type?: string): string {
  if (isBitType(type)) return 'CAST(CONV(?, 2, 10) AS UNSIGNED)';
  switch (kind) {
    case 'text':
      return 'CAST(CONVERT(? USING utf8mb4) AS BINARY)';
    case 'binary':
      return 'UNHEX(?)';
    case 'int':
    case 'bool':
      return 'CAST(? AS DECIMAL(65,0))';
    case 'decimal':
      return 'CAST(? AS DECIMAL(65,30))';
    case 'float':
      return 'CAST(? AS DOUBLE)';
    case 'date':
      return 'CAST(? AS DATE)';
    case 'time':
      return 'CAST(? AS TIME(6))';
    case 'datetime':
    case 'timestamptz':
      return 'CAST(? AS DATETIME(6))';
    default:
      return '?';
  }
}

/** The canonical text written back (repair): binary arrives as hex, BIT as binary digits. */
export function mysqlValueParam(kind: ColKind, type?: string): string {
  if (isBitType(type)) return 'CAST(CONV(?, 2, 10) AS UNSIGNED)';
  return kind === 'binary' ? 'UNHEX(?)' : '?';
}

/** One row's canonical text for hashing: each value length-prefixed ('N' for NULL), comma-joined. */
export function mysqlRowText(exprs: readonly string[]): string {
  return `CONCAT(${exprs.map((e) => `COALESCE(CONCAT(CHAR_LENGTH(${e}), ':', ${e}), 'N')`).join(", ',', ")})`;
}

/**
 * Per-row hash parts over the canonical row text: the 60-bit head of its MD5 as an integer.
 * A chunk's digest is the row count and the sum of each part (verify/compare.ts), so it is
 * independent of row order (collations never matter); PostgreSQL's twin gives the same
 * numbers. (One slice: CONV is the costly part, and 60 bits per bucket is plenty.)
 */
export function mysqlCanonicalHashParts(rowText: string): string[] {
  return [`CAST(CONV(SUBSTRING(MD5(${rowText}), 1, 15), 16, 10) AS UNSIGNED)`];
}

/**
 * Same engine, same column types: the stored values' own text instead of the canonical one
 * (several times cheaper). Unambiguous: text-like values are prefixed by their byte length,
 * numbers and dates hold no '#', and the ISNULL flags at the end say which fields CONCAT_WS
 * skipped. A digest mismatch only makes verify read the rows, which it compares canonically.
 */
export function mysqlRawRowText(cols: readonly { q: string; kind: ColKind }[]): string {
  const fields = cols.map(({ q, kind }) =>
    kind === 'int' || kind === 'decimal' || kind === 'float' || kind === 'date' || kind === 'datetime' || kind === 'timestamptz' || kind === 'time' || kind === 'bool'
      ? q
      : `LENGTH(${q}), ${q}`,
  );
  return `CONCAT_WS('#', ${fields.join(', ')}, CONCAT(${cols.map(({ q }) => `ISNULL(${q})`).join(', ')}))`;
}

/** The server has window functions (MySQL 8.0+, MariaDB 10.2+), which verify's chunk query numbers rows with. */
export function mysqlHasWindowFunctions(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (m === null) return true; // an unknown form: let the query say
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return /mariadb/i.test(version) ? major > 10 || (major === 10 && minor >= 2) : major >= 8;
}

/** Which same-engine digest a server computes: CRC32 + CRC32C (MariaDB 10.8+), else MD5. */
export function mysqlFastDigestKind(version: string): 'crc32+crc32c' | 'md5' {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const mariadb = /mariadb/i.test(version);
  return mariadb && m !== null && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 8)) ? 'crc32+crc32c' : 'md5';
}

/** Per-row hash parts over mysqlRawRowText: two 32-bit CRCs of different polynomials (64 bits), or MD5's head. */
export function mysqlFastHashParts(kind: 'crc32+crc32c' | 'md5', rowText: string): string[] {
  return kind === 'md5' ? mysqlCanonicalHashParts(rowText) : [`CRC32(${rowText})`, `CRC32C(${rowText})`];
}

/**
 * Row-filter pushdown (src/verify/row-filter.ts): a canonical text made comparable the way the
 * send's filter compares ('num' exactly as DECIMAL, 'text' by code point = utf8mb4 bytes,
 * 'bytes' from its hex), and literals to match. Literal text travels as hex, so no quoting or
 * sql_mode (NO_BACKSLASH_ESCAPES) can change it.
 */
export type FilterOperand = 'num' | 'text' | 'bytes';

export function mysqlFilterOperand(op: FilterOperand, canon: string): string {
  if (op === 'num') return `CAST(${canon} AS DECIMAL(65,30))`;
  if (op === 'bytes') return `UNHEX(${canon})`;
  return `CAST(CONVERT(${canon} USING utf8mb4) AS BINARY)`;
}

/** value: plain decimal text ('num'), the characters ('text'), lower-case hex ('bytes') */
export function mysqlFilterLiteral(op: FilterOperand, value: string): string {
  if (op === 'num') return `CAST('${value}' AS DECIMAL(65,30))`;
  const hex = op === 'bytes' ? value : Buffer.from(value, 'utf8').toString('hex');
  return hex === '' ? "CAST('' AS BINARY)" : `X'${hex}'`;
}

/** LIKE by character (utf8mb4_bin: `_` is one character, no PAD SPACE in LIKE), `\` escapes. */
export function mysqlFilterLike(canon: string, pattern: string, negate: boolean): string {
  const hex = Buffer.from(pattern, 'utf8').toString('hex');
  const pat = hex === '' ? "''" : `X'${hex}'`;
  return `(CONVERT(${canon} USING utf8mb4) COLLATE utf8mb4_bin ${negate ? 'NOT ' : ''}LIKE CONVERT(${pat} USING utf8mb4) COLLATE utf8mb4_bin)`;
}
