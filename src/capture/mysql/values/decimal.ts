import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { padNum, valueError } from './common';

/**
 * NEWDECIMAL (MySQL's packed decimal, strings/decimal.cc bin2decimal) → exact text.
 *
 * Layout for DECIMAL(precision, scale): the integer digits (precision - scale) and the
 * fraction digits (scale) are each cut into groups of 9 decimal digits stored as 4-byte
 * big-endian integers; a leftover group of k < 9 digits takes DIG2BYTES[k] bytes. The
 * integer leftover comes first (most significant), the fraction leftover last. The sign
 * is the top bit of the first byte, inverted (1 = positive); a negative number has every
 * byte inverted as well.
 *
 * Output: '-'? integer digits without leading zeros ('0' when none) and, when scale > 0,
 * '.' and exactly `scale` fraction digits: '-123.4500', '0.00', '-0.5'. A value whose
 * digits are all zero prints without sign.
 *
 * Values with ≤ 15 integer and ≤ 9 fraction digits (most columns) are read as two exact
 * doubles and printed with one String() each; wider ones print each 9-digit group once.
 */

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Bytes a NEWDECIMAL(precision, scale) value takes. */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    ((intg / 9) | 0) * 4 + DIG2BYTES[intg % 9]! + ((scale / 9) | 0) * 4 + DIG2BYTES[scale % 9]!
  );
}

// decoder state while one value is decoded (module-level: no closures per value)
let rPos = 0;
let rFirst = 0;
let rMask = 0;

/** `n` bytes big-endian with the sign mask applied (and the sign bit flipped on byte 0). */
function readGroup(buf: Buffer, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    let b = buf[rPos]! ^ rMask;
    if (rPos === rFirst) b ^= 0x80;
    v = v * 256 + b;
    rPos++;
  }
  return v;
}

/**
 * Decodes the packed decimal at buf[offset] and returns its text. The caller has checked
 * precision/scale and that `decimalBinarySize` bytes are present.
 */
export function decimalText(
  buf: Buffer,
  offset: number,
  precision: number,
  scale: number,
  col: BinlogColumn,
  type: number,
): string {
  const intg = precision - scale;
  const intg0 = (intg / 9) | 0;
  const intg0x = intg % 9;
  const frac0 = (scale / 9) | 0;
  const frac0x = scale % 9;

  const negative = (buf[offset]! & 0x80) === 0;
  rMask = negative ? 0xff : 0;
  rPos = offset;
  rFirst = offset;
  if (intg <= 15 && scale <= 9) {
    // fast path (most real columns): both parts are exact doubles
    let iv = 0;
    if (intg0x > 0) {
      iv = readGroup(buf, DIG2BYTES[intg0x]!);
      if (iv >= POW10[intg0x]!) throw badDigits(col, type, offset);
    }
    for (let g = 0; g < intg0; g++) {
      const v = readGroup(buf, 4);
      if (v > 999999999) throw badDigits(col, type, offset);
      iv = iv * 1000000000 + v;
    }
    let fv = 0;
    if (scale > 0) {
      fv = readGroup(buf, frac0 === 1 ? 4 : DIG2BYTES[frac0x]!);
      if (fv >= POW10[scale]!) throw badDigits(col, type, offset);
    }
    const s = scale > 0 ? String(iv) + '.' + padNum(fv, scale) : String(iv);
    return negative && (iv !== 0 || fv !== 0) ? '-' + s : s;
  }
  // general path: ≤ 8 digit groups, each turned into text once
  let int = '';
  if (intg0x > 0) {
    const v = readGroup(buf, DIG2BYTES[intg0x]!);
    if (v >= POW10[intg0x]!) throw badDigits(col, type, offset);
    if (v !== 0) int = String(v);
  }
  for (let g = 0; g < intg0; g++) {
    const v = readGroup(buf, 4);
    if (v > 999999999) throw badDigits(col, type, offset);
    if (int !== '') int += padNum(v, 9);
    else if (v !== 0) int = String(v);
  }
  let nonZero = int !== '';
  if (!nonZero) int = '0';
  if (scale === 0) return negative && nonZero ? '-' + int : int;
  let frac = '';
  for (let g = 0; g < frac0; g++) {
    const v = readGroup(buf, 4);
    if (v > 999999999) throw badDigits(col, type, offset);
    if (v !== 0) nonZero = true;
    frac += padNum(v, 9);
  }
  if (frac0x > 0) {
    const v = readGroup(buf, DIG2BYTES[frac0x]!);
    if (v >= POW10[frac0x]!) throw badDigits(col, type, offset);
    if (v !== 0) nonZero = true;
    frac += padNum(v, frac0x);
  }
  // "-0.00" is not a number MySQL prints: drop the sign of an all-zero value
  return (negative && nonZero ? '-' : '') + int + '.' + frac;
}

function badDigits(col: BinlogColumn, type: number, offset: number) {
  return valueError(col, 'malformed packed decimal (digit group out of range)', offset, type);
}

/**
 * Throws unless precision/scale are a valid DECIMAL(M,D): 1 ≤ M ≤ 65, 0 ≤ D ≤ min(M, 38)
 * (MySQL allows scale 30, MariaDB 38).
 */
export function checkPrecision(precision: number, scale: number, col: BinlogColumn, offset: number, type: number): void {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 38 || scale > precision) {
    throw valueError(col, `bad DECIMAL precision/scale ${precision},${scale}`, offset, type);
  }
}

export function decodeNewDecimal(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const precision = col.meta >> 8;
  const scale = col.meta & 0xff;
  checkPrecision(precision, scale, col, offset, col.type);
  const size = decimalBinarySize(precision, scale);
  if (offset < 0 || size > buf.length - offset) {
    throw valueError(
      col,
      `truncated: DECIMAL(${precision},${scale}) needs ${size} bytes, ${Math.max(0, buf.length - offset)} left`,
      offset,
    );
  }
  at.end = offset + size;
  return decimalText(buf, offset, precision, scale, col, col.type);
}
