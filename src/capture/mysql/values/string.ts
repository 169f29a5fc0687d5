import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { MysqlType } from '../column';
import { columnCharset, decodeText } from './charset';
import { need, valueError } from './common';

/**
 * Character and binary strings: VARCHAR/VAR_STRING, STRING (CHAR/BINARY), the BLOB/TEXT
 * family, plus the other length-prefixed types whose payload is returned as bytes
 * (GEOMETRY, VECTOR).
 *
 * Length prefix (little-endian):
 *   VARCHAR, VAR_STRING  1 byte when the max byte length (meta) ≤ 255, else 2
 *   STRING (CHAR(n))     1 byte when the max byte length ≤ 255, else 2 (the max byte
 *                        length is col.length, or comes from meta as go-mysql does)
 *   BLOB family, GEOMETRY, JSON, VECTOR: meta = number of length bytes (1..4)
 *
 * A text column (its charset, or the charset of its collation, names a text charset this
 * module decodes) gives a string; anything else (binary, unknown, or a charset without a
 * decoder such as dec8/swe7/keybcs2) gives a Buffer copy of the bytes. CHAR values come
 * as the binlog stores them: MySQL strips the trailing pad spaces of CHAR, and BINARY(n)
 * values may be shorter than n (the trailing 0x00 bytes are not always logged).
 */

/** Reads a little-endian length of `n` (1..4) bytes at `offset`. */
export function readLength(buf: Buffer, offset: number, n: number, col: BinlogColumn, what: string): number {
  need(buf, offset, n, col, `${what} length`);
  switch (n) {
    case 1:
      return buf[offset]!;
    case 2:
      return buf[offset]! | (buf[offset + 1]! << 8);
    case 3:
      return buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16);
    default:
      return buf.readUInt32LE(offset);
  }
}

/** A copy of buf[start, end): values must outlive the row buffer, which may be reused. */
export function copyBytes(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

/** text or bytes of buf[start, end) for this column */
export function textOrBytes(buf: Buffer, start: number, end: number, col: BinlogColumn): string | Buffer {
  const charset = columnCharset(col.charset, col.collation);
  if (charset !== undefined) {
    const s = decodeText(buf, start, end, charset);
    if (s !== undefined) return s;
  }
  return copyBytes(buf, start, end);
}

/** The byte length of the payload after a length prefix of `lenBytes`, bounds-checked. */
function payload(buf: Buffer, offset: number, lenBytes: number, col: BinlogColumn, what: string): number {
  const n = readLength(buf, offset, lenBytes, col, what);
  need(buf, offset + lenBytes, n, col, what);
  return n;
}

export function decodeVarchar(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = col.meta > 255 ? 2 : 1;
  const n = payload(buf, offset, lenBytes, col, 'VARCHAR');
  const start = offset + lenBytes;
  at.end = offset + lenBytes + n;
  return textOrBytes(buf, start, start + n, col);
}

/**
 * The max byte length of a STRING column: col.length when the event decoder gives it,
 * else decoded from meta = (real_type << 8 | length byte) with the MySQL 5.1+ trick that
 * stores bits 8-9 of lengths > 255 inverted in bits 4-5 of real_type (go-mysql
 * decodeValue).
 */
export function stringMaxLength(col: BinlogColumn): number {
  if (col.length !== undefined) return col.length;
  const meta = col.meta;
  if (meta < 256) return meta;
  const b0 = meta >> 8;
  const b1 = meta & 0xff;
  if ((b0 & 0x30) !== 0x30) return b1 | (((b0 & 0x30) ^ 0x30) << 4);
  return b1;
}

export function decodeString(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const max = stringMaxLength(col);
  const lenBytes = max > 255 ? 2 : 1;
  const n = payload(buf, offset, lenBytes, col, 'CHAR');
  const start = offset + lenBytes;
  let value = textOrBytes(buf, start, start + n, col);
  at.end = start + n;
  if (Buffer.isBuffer(value)) {
    // BINARY(n) is logged without its trailing 0x00 padding; the column's value has it.
    // Only when the column is known to be binary: without charset metadata a CHAR looks the same.
    const binary = col.charset === 'binary' || col.collation === 63;
    if (binary && value.length < max) value = Buffer.concat([value, Buffer.alloc(max - value.length)]);
    if (col.logicalType) return formatFixedBinary(value, col.logicalType);
  }
  return value;
}

/** MariaDB's UUID/INET4/INET6 types are fixed-size binary strings in the binlog: give their text form. */
function formatFixedBinary(b: Buffer, type: 'uuid' | 'inet4' | 'inet6'): string | Buffer {
  if (type === 'inet4' && b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (type === 'uuid' && b.length === 16) {
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  if (type === 'inet6' && b.length === 16) return formatInet6(b);
  return b;
}

/** RFC 5952 text: lower-case hex, longest run of two or more zero groups as '::', IPv4-mapped tail dotted. */
export function formatInet6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const compat = groups.slice(0, 6).every((g) => g === 0) && (groups[6] !== 0 || groups[7]! > 1);
  const tail = mapped || compat ? `${b[12]}.${b[13]}.${b[14]}.${b[15]}` : undefined;
  const words = tail ? groups.slice(0, 6) : groups;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < words.length; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  let text = best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  if (tail) text = text.endsWith(':') ? `${text}${tail}` : `${text}:${tail}`;
  return text;
}

/** Length bytes of a BLOB-like column: meta (1..4), or the type's own width when meta is 0. */
export function blobLengthBytes(col: BinlogColumn, offset: number): number {
  const m = col.meta;
  if (m >= 1 && m <= 4) return m;
  if (m === 0) {
    switch (col.type) {
      case MysqlType.TINY_BLOB:
        return 1;
      case MysqlType.BLOB:
        return 2;
      case MysqlType.MEDIUM_BLOB:
        return 3;
      case MysqlType.LONG_BLOB:
      case MysqlType.JSON:
      case MysqlType.GEOMETRY:
      case MysqlType.VECTOR:
        return 4;
      default:
        break;
    }
  }
  throw valueError(col, `bad length-bytes metadata ${m}`, offset);
}

export function decodeBlob(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = blobLengthBytes(col, offset);
  const n = payload(buf, offset, lenBytes, col, 'BLOB');
  const start = offset + lenBytes;
  at.end = offset + lenBytes + n;
  return textOrBytes(buf, start, start + n, col);
}

/** GEOMETRY → Buffer of the stored bytes: 4-byte SRID (LE) followed by WKB. */
export function decodeGeometry(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = blobLengthBytes(col, offset);
  const n = payload(buf, offset, lenBytes, col, 'GEOMETRY');
  const start = offset + lenBytes;
  at.end = offset + lenBytes + n;
  return copyBytes(buf, start, start + n);
}

/**
 * VECTOR (MySQL 9) → Buffer of the stored float32 little-endian values, 4 bytes per
 * dimension (e.g. [1.1, 2.2, 3.3] is <cdcc8c3f cdcc0c40 33335340>): the exact stored
 * bits, readable with buf.readFloatLE(4 * i). A length that is not a multiple of 4 is
 * malformed; the dimensionality in the metadata is a maximum, so shorter vectors pass.
 */
export function decodeVector(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = blobLengthBytes(col, offset);
  const n = payload(buf, offset, lenBytes, col, 'VECTOR');
  if (n % 4 !== 0) throw valueError(col, `VECTOR length ${n} is not a multiple of 4`, offset);
  if (col.vectorDimensions !== undefined && col.vectorDimensions > 0 && n > col.vectorDimensions * 4) {
    throw valueError(col, `VECTOR of ${n / 4} dimensions exceeds VECTOR(${col.vectorDimensions})`, offset);
  }
  const start = offset + lenBytes;
  at.end = offset + lenBytes + n;
  return copyBytes(buf, start, start + n);
}
