import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { need, valueError } from './common';

/**
 * Integer, floating-point, YEAR and BIT values. Row images store integers little-endian in
 * their natural width; signedness comes from the column (TABLE_MAP optional metadata or
 * the dictionary), not from the bytes.
 *
 * - TINY/SHORT/INT24/LONG → number; LONGLONG → bigint (unsigned up to 2^64-1).
 * - FLOAT → number holding the exact float32 value (what Math.fround would give, e.g.
 *   FLOAT 42.42 is 42.41999816894531): the stored binary value is kept, not a shortened
 *   decimal rendering, so nothing is invented or lost. DOUBLE → number.
 * - YEAR (1 byte) → 0 for the zero year, else 1900 + byte.
 * - BIT(n) → Buffer of ceil(n/8) bytes, big-endian as stored (BIT(10) b'1000000001' is
 *   <02 01>); a copy, safe to keep after the row buffer is reused.
 */

export function decodeTiny(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 1, col, 'TINYINT');
  const b = buf[offset]!;
  at.end = offset + 1;
  return col.unsigned ? b : (b << 24) >> 24;
}

export function decodeShort(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 2, col, 'SMALLINT');
  const v = buf[offset]! | (buf[offset + 1]! << 8);
  at.end = offset + 2;
  return col.unsigned ? v : (v << 16) >> 16;
}

export function decodeInt24(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 3, col, 'MEDIUMINT');
  const v = buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16);
  at.end = offset + 3;
  return col.unsigned ? v : (v << 8) >> 8;
}

export function decodeLong(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 4, col, 'INT');
  const v = buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24);
  at.end = offset + 4;
  return col.unsigned ? v >>> 0 : v;
}

export function decodeLongLong(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 8, col, 'BIGINT');
  at.end = offset + 8;
  return col.unsigned ? buf.readBigUInt64LE(offset) : buf.readBigInt64LE(offset);
}

export function decodeFloat(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  // meta is the storage size (4); a FLOAT column with meta 8 would be a DOUBLE in disguise
  const size = col.meta === 8 ? 8 : 4;
  need(buf, offset, size, col, 'FLOAT');
  at.end = offset + size;
  return size === 8 ? buf.readDoubleLE(offset) : buf.readFloatLE(offset);
}

export function decodeDouble(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 8, col, 'DOUBLE');
  at.end = offset + 8;
  return buf.readDoubleLE(offset);
}

export function decodeYear(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 1, col, 'YEAR');
  const b = buf[offset]!;
  at.end = offset + 1;
  return b === 0 ? 0 : 1900 + b;
}

/**
 * Number of bits of a BIT column from its metadata. Accepts both the plain bit count
 * (1..64, what the contract asks for) and go-mysql's raw TABLE_MAP word
 * (bytes << 8 | remaining bits, e.g. BIT(16) = 512): the two never collide because the
 * raw word is either < 8 (and then equal to the bit count) or ≥ 256.
 */
export function bitCount(meta: number): number {
  return meta >= 256 ? (meta >> 8) * 8 + (meta & 0xff) : meta;
}

export function decodeBit(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const bits = bitCount(col.meta);
  if (bits < 1 || bits > 64) throw valueError(col, `bad BIT metadata ${col.meta}`, offset);
  const n = (bits + 7) >> 3;
  need(buf, offset, n, col, `BIT(${bits})`);
  const out = Buffer.allocUnsafe(n);
  buf.copy(out, 0, offset, offset + n);
  at.end = offset + n;
  return out;
}
