/**
 * One growing buffer written front to back: fixed-width integers (LE and BE), LEB128
 * varints, float64, raw bytes and UTF-8 strings. Build a message in one pass, then take
 * it with `finish()` (a copy, so the writer can be reset and reused for the next message
 * without allocating a new backing buffer each time).
 *
 * Varints are unsigned LEB128 for safe integers (0 .. 2^53-1): 7 bits per byte, low
 * group first, high bit set on every byte but the last.
 */
/** Strings up to this many UTF-16 units are written with room for 3 bytes per unit. */
const MAX_GUESSED_STRING = 1 << 20;

/** Bytes of the unsigned LEB128 varint of a safe non-negative integer. */
function varuintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

export class BufferWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** bytes written so far */
  get length(): number {
    return this.pos;
  }

  /** capacity of the backing buffer */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forget what was written; optionally drop an oversized backing buffer. */
  reset(maxKeep = Infinity): this {
    this.pos = 0;
    if (this.buf.length > maxKeep) this.buf = Buffer.allocUnsafe(Math.max(16, maxKeep));
    return this;
  }

  /** A copy of the bytes written so far. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** A view of the bytes written so far (valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16le(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16LE(v, this.pos);
    return this;
  }

  u16be(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
    return this;
  }

  u32le(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(v, this.pos);
    return this;
  }

  u32be(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
    return this;
  }

  u64le(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64LE(v, this.pos);
    return this;
  }

  u64be(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64BE(v, this.pos);
    return this;
  }

  i64le(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64LE(v, this.pos);
    return this;
  }

  i64be(v: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
    return this;
  }

  f64le(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
    return this;
  }

  /** Unsigned LEB128 varint of a safe non-negative integer (at most 8 bytes). */
  varuint(v: number): this {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0x80) {
      buf[pos++] = v;
    } else if (v < 0x4000) {
      buf[pos++] = (v & 0x7f) | 0x80;
      buf[pos++] = v >>> 7;
    } else if (v <= 0x7fffffff) {
      while (v >= 0x80) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      // above 31 bits: bit operators would truncate, so use arithmetic
      while (v >= 0x80) {
        buf[pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      buf[pos++] = v;
    }
    this.pos = pos;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** varint byte length + bytes */
  lenBytes(b: Uint8Array): this {
    this.varuint(b.length);
    return this.bytes(b);
  }

  /** varint UTF-8 byte length + UTF-8 bytes */
  lenString(s: string): this {
    const n = s.length;
    // Tiny strings: copying ASCII in JS beats a call into C++ below about 16 units
    // (measured: 16 ns against 50 for 8 units, 2.5 ns per unit in JS against 0.1).
    // At most 48 UTF-8 bytes, so the length is one byte.
    if (n <= 16) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const lenAt = this.pos;
      let pos = lenAt + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i < n) pos += buf.write(s.slice(i), pos, 'utf8');
      buf[lenAt] = pos - lenAt - 1;
      this.pos = pos;
      return this;
    }
    if (n <= MAX_GUESSED_STRING) {
      // One call into C++: write the UTF-8 after a length slot sized for n bytes (the byte
      // length is n .. 3n); when the length needs a longer varint, move the bytes up.
      this.ensure(8 + 3 * n);
      const slot = varuintSize(n);
      const start = this.pos + slot;
      const len = this.buf.write(s, start, 'utf8');
      const need = varuintSize(len);
      if (need !== slot) this.buf.copyWithin(this.pos + need, start, start + len);
      this.varuint(len);
      this.pos += len;
      return this;
    }
    // huge strings: the exact length first, rather than room for three times it
    const len = Buffer.byteLength(s, 'utf8');
    this.varuint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
    return this;
  }

  /** UTF-8 bytes without a length (the caller knows where the string ends). */
  utf8(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
    return this;
  }
}
