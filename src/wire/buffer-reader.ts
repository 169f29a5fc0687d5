import { SynctlError } from '../errors';

/**
 * Bounds-checked reader over one buffer, front to back. Every read checks that its bytes
 * are there first and throws SynctlError('WIRE_DECODE', '<what>: ... at offset N')
 * instead of letting Buffer throw a RangeError or, worse, return undefined/garbage.
 *
 * Offsets in messages are relative to the start of the buffer given to the reader (or
 * to `setBuffer`), plus `baseOffset` when the buffer is itself a slice of a larger
 * stream (a binlog file, a frame payload inside a segment).
 *
 * `bytes()` returns a view into the buffer: copy it if it must outlive the buffer.
 */
export interface BufferReaderOptions {
  /** names the thing being read in error messages, e.g. 'DATA payload', 'binlog event' */
  readonly what?: string;
  /** added to offsets in error messages */
  readonly baseOffset?: number;
}

const TWO_32 = 0x1_0000_0000;

export class BufferReader {
  private buf: Buffer;
  private pos: number;
  private end: number;
  private what: string;
  private baseOffset: number;

  constructor(buf: Buffer = Buffer.alloc(0), options: BufferReaderOptions = {}) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    this.what = options.what ?? 'payload';
    this.baseOffset = options.baseOffset ?? 0;
  }

  /** Re-points the reader at a new buffer (reuse one reader per stream). */
  setBuffer(buf: Buffer, options: BufferReaderOptions = {}): this {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    if (options.what !== undefined) this.what = options.what;
    this.baseOffset = options.baseOffset ?? 0;
    return this;
  }

  /** current read offset within the buffer */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Moves to an absolute offset within the buffer (0..length). */
  seek(offset: number): this {
    if (offset < 0 || offset > this.end) throw this.error(`seek to ${offset} outside 0..${this.end}`, this.pos);
    this.pos = offset;
    return this;
  }

  skip(n: number): this {
    this.need(n, 'skip');
    this.pos += n;
    return this;
  }

  /** A WIRE_DECODE error naming `what` and the offset (default: the current one). */
  error(message: string, at: number = this.pos): SynctlError {
    const offset = this.baseOffset + at;
    return new SynctlError('WIRE_DECODE', `${this.what}: ${message} at offset ${offset}`, { what: this.what, offset });
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, reading: string): void {
    if (n > this.end - this.pos) {
      throw this.error(`truncated: ${reading} needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  /** Throws unless the whole buffer was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) throw this.error(`${this.end - this.pos} unexpected trailing bytes`);
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16le(): number {
    this.need(2, 'u16');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u16be(): number {
    this.need(2, 'u16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24le(): number {
    this.need(3, 'u24');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32le(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u32be(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** little-endian unsigned integer of 1..6 bytes (binlog packs 6-byte table ids) */
  uintle(bytes: number): number {
    this.need(bytes, `u${bytes * 8}`);
    const v = this.buf.readUIntLE(this.pos, bytes);
    this.pos += bytes;
    return v;
  }

  u64le(): bigint {
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  u64be(): bigint {
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  i64le(): bigint {
    this.need(8, 'i64');
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  i64be(): bigint {
    this.need(8, 'i64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** u64 LE as a number; throws when it is above 2^53-1 (not exact as a number). */
  u64leSafe(): number {
    this.need(8, 'u64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    if (hi > 0x1fffff) throw this.error('u64 above 2^53-1');
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  f64le(): number {
    this.need(8, 'f64');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Unsigned LEB128 varint of at most 8 bytes whose value is a safe integer (< 2^53).
   * Longer or larger encodings are malformed.
   */
  varuint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos < end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
    }
    const start = pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= end) throw this.error('truncated varint', start);
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw this.error('varint above 2^53-1', start);
        this.pos = pos;
        return result;
      }
      mul *= 0x80;
    }
    throw this.error('varint longer than 8 bytes', start);
  }

  /** A varint used as a count of items that each take at least `minItemBytes` bytes. */
  count(minItemBytes = 1): number {
    const at = this.pos;
    const n = this.varuint();
    if (n * minItemBytes > this.end - this.pos) {
      throw this.error(`count ${n} exceeds the ${this.end - this.pos} bytes left`, at);
    }
    return n;
  }

  /** `n` bytes as a view into the buffer. */
  bytes(n: number): Buffer {
    this.need(n, 'bytes');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` bytes as a fresh copy. */
  bytesCopy(n: number): Buffer {
    this.need(n, 'bytes');
    const v = Buffer.allocUnsafe(n);
    this.buf.copy(v, 0, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** varint length + bytes (copied) */
  lenBytes(): Buffer {
    return this.bytesCopy(this.lenAt());
  }

  /** `n` bytes decoded as UTF-8 */
  utf8(n: number): string {
    this.need(n, 'string');
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    return utf8Slice(this.buf, start, end);
  }

  /** `n` bytes decoded as latin1 (binary-safe one char per byte) */
  latin1(n: number): string {
    this.need(n, 'string');
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** varint byte length + UTF-8 string */
  lenString(): string {
    return this.utf8(this.lenAt());
  }

  /** NUL-terminated string (the NUL is consumed, not returned) */
  cstring(encoding: BufferEncoding = 'utf8'): string {
    const i = this.buf.indexOf(0, this.pos);
    if (i < 0 || i >= this.end) throw this.error('unterminated string');
    const s = this.buf.toString(encoding, this.pos, i);
    this.pos = i + 1;
    return s;
  }

  private lenAt(): number {
    const at = this.pos;
    const n = this.varuint();
    if (n > this.end - this.pos) throw this.error(`length ${n} exceeds the ${this.end - this.pos} bytes left`, at);
    return n;
  }
}

/**
 * UTF-8 decode of buf[start..end). Short pure-ASCII runs are built in JS (a call into
 * C++ costs more than the copy); anything else goes to Buffer's decoder, which turns
 * invalid sequences into U+FFFD exactly like TextDecoder.
 */
function utf8Slice(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n <= 16) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
      return s;
    }
  }
  return buf.toString('utf8', start, end);
}
