import * as iconv from 'iconv-lite';

/**
 * Collation ids → character sets, and character-set decoding of text column bytes.
 *
 * Ids are MySQL's (SHOW COLLATION; INFORMATION_SCHEMA.COLLATIONS.ID) plus MariaDB's own
 * ranges: 576–767 (extra utf8mb3/utf8mb4/ucs2/utf16/utf32 collations), 1024 + id for the
 * NO PAD variants of collation id, and 2048–3327 for the UCA 14.0.0 collations of
 * MariaDB ≥ 10.10 (one block of 256 ids per charset: utf8mb3, utf8mb4, ucs2, utf16, utf32).
 * MySQL ≥ 8.0.30 reports utf8 as utf8mb3; both decode as UTF-8.
 */

const BY_ID: (string | undefined)[] = [];

function set(ids: readonly number[], charset: string): void {
  for (const id of ids) BY_ID[id] = charset;
}
function range(from: number, to: number, charset: string): void {
  for (let id = from; id <= to; id++) BY_ID[id] = charset;
}

// single ids (MySQL 8.4 / MariaDB 10.11 SHOW COLLATION)
set([1, 84], 'big5');
set([2, 9, 21, 27, 77], 'latin2');
set([3, 69], 'dec8');
set([4, 80], 'cp850');
set([5, 8, 15, 31, 47, 48, 49, 94], 'latin1');
set([6, 72], 'hp8');
set([7, 74], 'koi8r');
set([10, 82], 'swe7');
set([11, 65], 'ascii');
set([12, 91], 'ujis');
set([13, 88], 'sjis');
set([14, 23, 50, 51, 52], 'cp1251');
set([16, 71], 'hebrew');
set([18, 89], 'tis620');
set([19, 85], 'euckr');
set([20, 41, 42, 79], 'latin7');
set([22, 75], 'koi8u');
set([24, 86], 'gb2312');
set([25, 70], 'greek');
set([26, 34, 44, 66, 99], 'cp1250');
set([28, 87], 'gbk');
set([29, 58, 59], 'cp1257');
set([30, 78], 'latin5');
set([32, 64], 'armscii8');
set([33, 76, 83], 'utf8mb3');
set([35, 90], 'ucs2');
set([36, 68], 'cp866');
set([37, 73], 'keybcs2');
set([38, 43], 'macce');
set([39, 53], 'macroman');
set([40, 81], 'cp852');
set([45, 46], 'utf8mb4');
set([54, 55], 'utf16');
set([56, 62], 'utf16le');
set([57, 67], 'cp1256');
set([60, 61], 'utf32');
set([63], 'binary');
set([92, 93], 'geostd8');
set([95, 96], 'cp932');
set([97, 98], 'eucjpms');
// UCA collations, one block per charset
range(101, 124, 'utf16');
range(128, 151, 'ucs2');
set([159], 'ucs2'); // ucs2_general_mysql500_ci
range(160, 183, 'utf32');
range(192, 215, 'utf8mb3');
set([223], 'utf8mb3'); // utf8mb3_general_mysql500_ci
range(224, 247, 'utf8mb4');
range(248, 250, 'gb18030');
// utf8mb4_0900_* (255..309) and the MySQL 8.0.30+ additions up to 323
range(255, 323, 'utf8mb4');
// MariaDB extras: *_croatian_mysql561_ci, *_myanmar_ci, *_thai_520_w2
range(576, 578, 'utf8mb3');
range(608, 610, 'utf8mb4');
range(640, 642, 'ucs2');
range(672, 674, 'utf16');
range(736, 738, 'utf32');

const MARIADB_UCA1400 = ['utf8mb3', 'utf8mb4', 'ucs2', 'utf16', 'utf32'];

/** Character set of a collation id, or undefined when the id is not known. */
export function charsetOfCollation(id: number): string | undefined {
  if (!Number.isInteger(id) || id < 0) return undefined;
  if (id < 1024) return BY_ID[id];
  if (id < 2048) {
    // MariaDB NO PAD collations: base id + 1024 (MySQL has no ids in this range)
    const base = BY_ID[id - 1024];
    return base === 'binary' ? undefined : base;
  }
  if (id < 2048 + 256 * MARIADB_UCA1400.length) return MARIADB_UCA1400[(id - 2048) >> 8];
  return undefined;
}

// ---- decoding ------------------------------------------------------------------------

/** how a charset's bytes are decoded */
const enum Codec {
  BINARY = 0,
  UTF8 = 1,
  LATIN1 = 2, // MySQL latin1 = cp1252 with 0x81/0x8D/0x8F/0x90/0x9D passed through
  ASCII = 3,
  UTF16LE = 4,
  ICONV = 5,
}

interface CharsetCodec {
  readonly codec: Codec;
  readonly iconvName: string;
}

const CODECS = new Map<string, CharsetCodec>();
function codec(names: readonly string[], c: Codec, iconvName = ''): void {
  const entry = { codec: c, iconvName };
  for (const n of names) CODECS.set(n, entry);
}
codec(['utf8mb4', 'utf8mb3', 'utf8', 'utf-8'], Codec.UTF8);
codec(['latin1', 'cp1252'], Codec.LATIN1);
codec(['ascii'], Codec.ASCII);
codec(['binary'], Codec.BINARY);
codec(['utf16le'], Codec.UTF16LE);
codec(['ucs2', 'utf16'], Codec.ICONV, 'utf16be'); // MySQL ucs2 and utf16 are big-endian
codec(['utf32'], Codec.ICONV, 'utf32be');
codec(['gbk'], Codec.ICONV, 'gbk');
codec(['gb18030'], Codec.ICONV, 'gb18030');
codec(['gb2312'], Codec.ICONV, 'gb2312');
codec(['big5'], Codec.ICONV, 'cp950');
codec(['sjis'], Codec.ICONV, 'shift_jis');
codec(['cp932'], Codec.ICONV, 'cp932');
codec(['ujis', 'eucjpms'], Codec.ICONV, 'euc-jp');
codec(['euckr'], Codec.ICONV, 'euc-kr');
codec(['cp1250'], Codec.ICONV, 'cp1250');
codec(['cp1251'], Codec.ICONV, 'cp1251');
codec(['cp1256'], Codec.ICONV, 'cp1256');
codec(['cp1257'], Codec.ICONV, 'cp1257');
codec(['latin2'], Codec.ICONV, 'iso-8859-2');
codec(['latin5'], Codec.ICONV, 'iso-8859-9');
codec(['latin7'], Codec.ICONV, 'iso-8859-13');
codec(['greek'], Codec.ICONV, 'iso-8859-7');
codec(['hebrew'], Codec.ICONV, 'iso-8859-8');
codec(['koi8r'], Codec.ICONV, 'koi8-r');
codec(['koi8u'], Codec.ICONV, 'koi8-u');
codec(['cp850'], Codec.ICONV, 'cp850');
codec(['cp852'], Codec.ICONV, 'cp852');
codec(['cp866'], Codec.ICONV, 'cp866');
codec(['macce'], Codec.ICONV, 'maccenteuro');
codec(['macroman'], Codec.ICONV, 'macroman');
codec(['armscii8'], Codec.ICONV, 'armscii8');
codec(['tis620'], Codec.ICONV, 'tis620');
codec(['geostd8'], Codec.ICONV, 'georgianps');
codec(['hp8'], Codec.ICONV, 'hp-roman8');
// dec8, swe7, keybcs2: no decoder → the bytes are returned as a Buffer

function lookup(charset: string): CharsetCodec | undefined {
  return CODECS.get(charset) ?? CODECS.get(charset.toLowerCase());
}

/** True when `charset` is a text charset this module can decode. */
export function isTextCharset(charset: string | undefined): boolean {
  if (charset === undefined) return false;
  const c = lookup(charset);
  return c !== undefined && c.codec !== Codec.BINARY;
}

/**
 * Buffer's own per-encoding slicers (what toString calls after checking its arguments and
 * looking the encoding up): called directly for the text columns of every row. Callers
 * pass 0 <= start <= end <= length.
 */
interface Slicer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

function utf8Slice(buf: Buffer, start: number, end: number): string {
  return (buf as Buffer & Slicer).utf8Slice(start, end);
}

function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as Buffer & Slicer).latin1Slice(start, end);
}

/** cp1252 0x80..0x9F as MySQL's latin1 maps them (undefined cp1252 bytes stay C1 controls) */
const LATIN1_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

function latin1Text(buf: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b >= 0x80 && b < 0xa0) break;
    i++;
  }
  if (i === end) return latin1Slice(buf, start, end);
  // there are cp1252-specific bytes: decode in runs between them
  let s = latin1Slice(buf, start, i);
  let runStart = i;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80 && b < 0xa0) {
      if (runStart < i) s += latin1Slice(buf, runStart, i);
      s += String.fromCharCode(LATIN1_HIGH[b - 0x80]!);
      runStart = i + 1;
    }
  }
  if (runStart < end) s += latin1Slice(buf, runStart, end);
  return s;
}

/** UTF-8 decode; short pure-ASCII strings are built in JS (cheaper than a call into C++). */
function utf8Text(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n <= 16) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) return utf8Slice(buf, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return utf8Slice(buf, start, end);
}

/**
 * Decodes buf[start, end) in `charset`; undefined when the charset is binary or has no
 * decoder here (the caller then keeps the bytes). Invalid byte sequences become U+FFFD.
 */
export function decodeText(buf: Buffer, start: number, end: number, charset: string): string | undefined {
  if (charset === 'utf8mb4' || charset === 'utf8mb3' || charset === 'utf8') return utf8Text(buf, start, end);
  const c = lookup(charset);
  if (c === undefined) return undefined;
  switch (c.codec) {
    case Codec.UTF8:
      return utf8Text(buf, start, end);
    case Codec.LATIN1:
      return latin1Text(buf, start, end);
    case Codec.ASCII:
      return latin1Slice(buf, start, end);
    case Codec.UTF16LE:
      return buf.toString('utf16le', start, end);
    case Codec.ICONV:
      return iconv.decode(buf.subarray(start, end), c.iconvName);
    default:
      return undefined;
  }
}

/**
 * The charset a column's text is decoded with: `charset` when given, else the charset of
 * `collation`; undefined (binary) when neither is known.
 */
export function columnCharset(charset: string | undefined, collation: number | undefined): string | undefined {
  if (charset !== undefined) return charset;
  if (collation !== undefined) return charsetOfCollation(collation);
  return undefined;
}
