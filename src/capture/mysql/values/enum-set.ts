import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { need, valueError } from './common';

/**
 * ENUM and SET (MYSQL_TYPE_STRING in TABLE_MAP with real_type ENUM/SET in the metadata;
 * the event decoder hands them over as type ENUM/SET).
 *
 * ENUM: little-endian index of 1 or 2 bytes (the pack length: col.length, else meta & 0xff).
 *   With labels (col.enumValues): index i ≥ 1 → enumValues[i - 1]; index 0 → '' (MySQL's
 *   error value for an invalid ENUM). Without labels: the index as a number.
 * SET: little-endian bitmap of 1..8 bytes, bit i = member i.
 *   With labels (col.setValues): the members' labels joined with ',' in member order
 *   ('' for the empty set). Without labels: the bitmap as a bigint.
 * An index or bit beyond the known labels means the labels do not match the binlog: a
 * WIRE_DECODE error, rather than a silently wrong value.
 */

export function packLength(col: BinlogColumn): number {
  return col.length ?? col.meta & 0xff;
}

export function decodeEnum(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const n = packLength(col);
  if (n !== 1 && n !== 2) throw valueError(col, `bad ENUM pack length ${n}`, offset);
  need(buf, offset, n, col, 'ENUM');
  const index = n === 1 ? buf[offset]! : buf[offset]! | (buf[offset + 1]! << 8);
  const labels = col.enumValues;
  at.end = offset + n;
  if (labels === undefined) return index;
  if (index === 0) return '';
  if (index > labels.length) {
    throw valueError(col, `ENUM index ${index} beyond the ${labels.length} known labels`, offset);
  }
  return labels[index - 1]!;
}

export function decodeSet(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const n = packLength(col);
  if (n < 1 || n > 8) throw valueError(col, `bad SET pack length ${n}`, offset);
  need(buf, offset, n, col, 'SET');
  const labels = col.setValues;
  if (labels === undefined) {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[offset + i]!);
    at.end = offset + n;
    return v;
  }
  let s = '';
  let first = true;
  for (let byte = 0; byte < n; byte++) {
    const b = buf[offset + byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((b & (1 << bit)) === 0) continue;
      const member = byte * 8 + bit;
      if (member >= labels.length) {
        throw valueError(col, `SET member ${member + 1} beyond the ${labels.length} known labels`, offset);
      }
      if (first) {
        s = labels[member]!;
        first = false;
      } else {
        s += ',' + labels[member]!;
      }
    }
  }
  at.end = offset + n;
  return s;
}
