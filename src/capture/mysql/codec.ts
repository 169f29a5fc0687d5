import type { BufferReader } from '../../wire/buffer-reader';

/**
 * Small MySQL wire integer helpers on top of BufferReader (which stays format-neutral).
 */

/** MySQL length-encoded integer ("net_field_length"): < 251 one byte, 0xfc u16, 0xfd u24, 0xfe u64. */
export function lenencInt(r: BufferReader): number {
  const at = r.offset;
  const b = r.u8();
  if (b < 0xfb) return b;
  if (b === 0xfc) return r.u16le();
  if (b === 0xfd) return r.u24le();
  if (b === 0xfe) return r.u64leSafe();
  throw r.error(`bad length-encoded integer prefix 0x${b.toString(16)}`, at);
}

/** lenenc-int at buf[pos]: [value, bytes used]; -1 value when not enough bytes. */
export function lenencAt(buf: Buffer, pos: number, end: number): [number, number] {
  if (pos >= end) return [-1, 0];
  const b = buf[pos]!;
  if (b < 0xfb) return [b, 1];
  if (b === 0xfc) return pos + 3 <= end ? [buf.readUInt16LE(pos + 1), 3] : [-1, 0];
  if (b === 0xfd) return pos + 4 <= end ? [buf.readUIntLE(pos + 1, 3), 4] : [-1, 0];
  if (b === 0xfe) {
    if (pos + 9 > end) return [-1, 0];
    const lo = buf.readUInt32LE(pos + 1);
    const hi = buf.readUInt32LE(pos + 5);
    if (hi > 0x1fffff) return [-1, 0];
    return [hi * 0x1_0000_0000 + lo, 9];
  }
  return [-1, 0];
}

/**
 * MySQL serialization-library varlen unsigned integer (libs/mysql/serialization): the
 * number of trailing 1 bits of the first byte + 1 is the byte count (1..9); the value is
 * the little-endian integer of those bytes shifted right by the byte count (9 bytes: the
 * last 8 bytes as is).
 */
export function mysqlVarlenUint(r: BufferReader): bigint {
  const first = r.u8();
  let n = 1;
  while (n < 9 && (first >> (n - 1)) & 1) n++;
  if (n === 9) return r.u64le();
  let v = BigInt(first);
  for (let i = 1; i < n; i++) v |= BigInt(r.u8()) << BigInt(8 * i);
  return v >> BigInt(n);
}

/** zig-zag signed varlen */
export function mysqlVarlenInt(r: BufferReader): bigint {
  const u = mysqlVarlenUint(r);
  return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
}

export function formatUuid(b: Buffer | Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function bitSet(bitmap: Buffer | Uint8Array, i: number): boolean {
  return (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}

export function popcount(bitmap: Buffer | Uint8Array, nbits: number): number {
  let c = 0;
  for (let i = 0; i < nbits; i++) if (bitmap[i >> 3]! & (1 << (i & 7))) c++;
  return c;
}

/** Inverse of mysqlVarlenUint: n-1 trailing 1 bits mark an n-byte value. */
export function encodeMysqlVarlenUint(v: bigint): Buffer {
  for (let n = 1; n <= 8; n++) {
    if (v < 1n << BigInt(7 * n)) {
      let w = (v << BigInt(n)) | ((1n << BigInt(n - 1)) - 1n);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++, w >>= 8n) out[i] = Number(w & 0xffn);
      return out;
    }
  }
  const out = Buffer.alloc(9);
  out[0] = 0xff;
  out.writeBigUInt64LE(v, 1);
  return out;
}
