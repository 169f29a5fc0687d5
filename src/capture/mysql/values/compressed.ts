import * as zlib from 'node:zlib';
import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { need, valueError } from './common';
import { blobLengthBytes, readLength, textOrBytes } from './string';

/**
 * MariaDB compressed columns (VARCHAR/TEXT/BLOB ... COMPRESSED, MariaDB ≥ 10.3), logged
 * with their own TABLE_MAP types: 140 VARCHAR_COMPRESSED (meta = max byte length, as
 * VARCHAR) and 141 BLOB_COMPRESSED (meta = length bytes, as BLOB). The row image holds
 * the stored (compressed) form behind the usual length prefix (MariaDB sql/field_comp.cc):
 *
 *   length 0                 the empty string (no header byte)
 *   header byte, high nibble the method: 0 = stored as is, the data follows the header;
 *                            8 = zlib: bits 0-2 = n, the number of bytes of the original
 *                            length, bit 3 = raw deflate (no zlib wrapper); then the
 *                            original length (n bytes, big-endian) and the deflate stream
 *
 * The decompressed bytes are then decoded like a VARCHAR/BLOB of the column's charset.
 */

export const VARCHAR_COMPRESSED = 140;
export const BLOB_COMPRESSED = 141;

/** upper bound on a decompressed value (MariaDB's max_allowed_packet ceiling is 1 GiB) */
const MAX_ORIGINAL = 1 << 30;

export function decodeCompressed(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = col.type === VARCHAR_COMPRESSED ? (col.meta > 255 ? 2 : 1) : blobLengthBytes(col, offset);
  const n = readLength(buf, offset, lenBytes, col, 'compressed value');
  const start = offset + lenBytes;
  need(buf, start, n, col, 'compressed value');
  at.end = start + n;
  if (n === 0) return textOrBytes(buf, start, start, col);
  const header = buf[start]!;
  const method = header >> 4;
  if (method === 0) return textOrBytes(buf, start + 1, start + n, col);
  if (method !== 8) throw valueError(col, `unknown compression method ${method}`, start);
  const packLen = header & 7;
  if (packLen < 1 || packLen > 4 || 1 + packLen > n) throw valueError(col, 'bad compressed header', start);
  let original = 0;
  for (let i = 0; i < packLen; i++) original = original * 256 + buf[start + 1 + i]!;
  if (original > MAX_ORIGINAL) throw valueError(col, `compressed value claims ${original} bytes`, start);
  const input = buf.subarray(start + 1 + packLen, start + n);
  let out: Buffer;
  try {
    const opts = { maxOutputLength: Math.max(1, original) };
    out = (header & 8) !== 0 ? zlib.inflateRawSync(input, opts) : zlib.inflateSync(input, opts);
  } catch (e) {
    throw valueError(col, `zlib: ${(e as Error).message}`, start);
  }
  if (out.length !== original) {
    throw valueError(col, `decompressed ${out.length} bytes, header says ${original}`, start);
  }
  return textOrBytes(out, 0, out.length, col);
}
