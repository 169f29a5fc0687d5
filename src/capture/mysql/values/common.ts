import { SynctlError } from '../../../errors';
import type { BinlogColumn } from '../column';

/**
 * Shared helpers of the value decoders: WIRE_DECODE errors that name the column, its type
 * and the offset, bounds checks, and zero-padded number formatting without regexes.
 */

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'DECIMAL',
  1: 'TINY',
  2: 'SHORT',
  3: 'LONG',
  4: 'FLOAT',
  5: 'DOUBLE',
  6: 'NULL',
  7: 'TIMESTAMP',
  8: 'LONGLONG',
  9: 'INT24',
  10: 'DATE',
  11: 'TIME',
  12: 'DATETIME',
  13: 'YEAR',
  14: 'NEWDATE',
  15: 'VARCHAR',
  16: 'BIT',
  17: 'TIMESTAMP2',
  18: 'DATETIME2',
  19: 'TIME2',
  20: 'TYPED_ARRAY',
  140: 'VARCHAR_COMPRESSED',
  141: 'BLOB_COMPRESSED',
  242: 'VECTOR',
  243: 'INVALID',
  244: 'BOOL',
  245: 'JSON',
  246: 'NEWDECIMAL',
  247: 'ENUM',
  248: 'SET',
  249: 'TINY_BLOB',
  250: 'MEDIUM_BLOB',
  251: 'LONG_BLOB',
  252: 'BLOB',
  253: 'VAR_STRING',
  254: 'STRING',
  255: 'GEOMETRY',
};

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

function columnLabel(col: BinlogColumn): string {
  return col.name !== '' ? `column ${col.name} (#${col.index})` : `column #${col.index}`;
}

/**
 * A WIRE_DECODE error: `column <name> (#i) <TYPE>: <message> at offset N`. `offset` is the
 * offset in the buffer handed to decodeColumnValue (the event decoder knows where that
 * buffer sits in the file and may wrap the error with the file offset).
 */
export function valueError(col: BinlogColumn, message: string, offset: number, type: number = col.type): SynctlError {
  const t = typeName(type);
  return new SynctlError('WIRE_DECODE', `${columnLabel(col)} ${t}: ${message} at offset ${offset}`, {
    column: col.name,
    columnIndex: col.index,
    type: t,
    offset,
  });
}

/** Throws unless buf[offset, offset + n) exists. */
export function need(buf: Buffer, offset: number, n: number, col: BinlogColumn, what: string): void {
  if (offset < 0 || n > buf.length - offset) {
    const left = Math.max(0, buf.length - offset);
    throw valueError(col, `truncated: ${what} needs ${n} bytes, ${left} left`, offset);
  }
}

/** '00'..'99' */
export const D2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' + i : String(i)));

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

/** n ≥ 0 as a decimal string of at least `width` (≤ 9 extra zeros) digits. */
export function padNum(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : ZEROS[width - s.length]! + s;
}

/** Four-digit year (or more digits when larger). */
export function pad4(n: number): string {
  return n >= 1000 ? String(n) : n >= 100 ? '0' + n : n >= 10 ? '00' + n : '000' + n;
}

/** HH with at least two digits (TIME hours go up to 838 and beyond in legacy values). */
export function padHours(n: number): string {
  return n < 100 ? D2[n]! : String(n);
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

/**
 * '.ffffff' cut to `fsp` digits from microseconds (MySQL prints the first fsp digits of
 * the 6-digit microsecond value); '' when fsp is 0.
 */
export function fraction(micros: number, fsp: number): string {
  if (fsp <= 0) return '';
  const v = Math.floor(micros / POW10[6 - fsp]!);
  return '.' + padNum(v, fsp);
}

/** '.ffffff' with zero digits of the given precision; '' when fsp is 0. */
export function zeroFraction(fsp: number): string {
  return fsp <= 0 ? '' : '.' + ZEROS[fsp]!;
}
