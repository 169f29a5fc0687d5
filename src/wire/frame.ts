import * as zlib from 'node:zlib';
import { SynctlError } from '../errors';

/**
 * Frame layout (all integers big-endian), see docs/wire-format.md:
 *
 *   0  magic       u32  0x53594E43 'SYNC'
 *   4  version     u8   1
 *   5  type        u8   FrameType
 *   6  flags       u16  FrameFlag bits
 *   8  origin      u32  siteid of the capture that produced the data (0 for link control)
 *  12  seq         u64  per-origin sequence number, 1-based, dense for DATA
 *  20  length      u32  payload length in bytes (as sent, i.e. compressed when LZ4)
 *  24  payloadCrc  u32  CRC32 of the payload bytes as sent
 *  28  headerCrc   u32  CRC32 of bytes 0..27
 *  32  payload
 *
 * The header has its own CRC so that a damaged length is caught before we wait for
 * (or read) the wrong number of bytes.
 */
export const FRAME_MAGIC = 0x53594e43;
export const WIRE_VERSION = 1;
export const HEADER_SIZE = 32;
/** Largest payload we accept; anything larger is corruption or a misbehaving peer. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;

export const enum FrameType {
  DATA = 1,
  ACK = 2,
  HELLO = 3,
  RESUME = 4,
  HEARTBEAT = 5,
  ERROR = 6,
}

export const FRAME_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'DATA',
  2: 'ACK',
  3: 'HELLO',
  4: 'RESUME',
  5: 'HEARTBEAT',
  6: 'ERROR',
};

export const enum FrameFlag {
  /** payload is one LZ4 frame (lz4js) */
  LZ4 = 0x0001,
}

export interface Frame {
  readonly type: FrameType;
  readonly flags: number;
  readonly origin: number;
  readonly seq: bigint;
  /** payload as sent (still compressed when flags has LZ4) */
  readonly payload: Buffer;
}

/** Where a frame came from, for error messages: a file+offset or a peer. */
export interface FrameSourceInfo {
  /** 'segment /gap/in/1_000000000042.dat' or 'peer 127.0.0.1:5346' */
  readonly where: string;
}

export function encodeFrame(frame: Frame): Buffer {
  const { payload } = frame;
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  writeHeader(out, frame.type, frame.flags, frame.origin, frame.seq, payload);
  payload.copy(out, HEADER_SIZE);
  return out;
}

/** Header only, for writers that want to send header and payload without a copy. */
export function encodeHeader(frame: Frame): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(out, frame.type, frame.flags, frame.origin, frame.seq, frame.payload);
  return out;
}

function writeHeader(out: Buffer, type: number, flags: number, origin: number, seq: bigint, payload: Buffer): void {
  out.writeUInt32BE(FRAME_MAGIC, 0);
  out.writeUInt8(WIRE_VERSION, 4);
  out.writeUInt8(type, 5);
  out.writeUInt16BE(flags, 6);
  out.writeUInt32BE(origin, 8);
  out.writeBigUInt64BE(seq, 12);
  out.writeUInt32BE(payload.length, 20);
  out.writeUInt32BE(zlib.crc32(payload), 24);
  out.writeUInt32BE(zlib.crc32(out.subarray(0, 28)), 28);
}

function corrupt(info: FrameSourceInfo, offset: number, what: string, seq?: bigint): SynctlError {
  const at = seq === undefined ? `offset ${offset}` : `offset ${offset} (seq ${seq})`;
  return new SynctlError('FRAME_CORRUPT', `${info.where}: corrupt frame at ${at}: ${what}`, {
    where: info.where,
    offset,
    seq: seq === undefined ? undefined : String(seq),
  });
}

/**
 * Checks a header at `buf[at..at+32)` and returns the payload length.
 * `offset` is the stream offset of that header, used only for messages.
 */
function checkHeader(buf: Buffer, at: number, info: FrameSourceInfo, offset: number): number {
  if (zlib.crc32(buf.subarray(at, at + 28)) !== buf.readUInt32BE(at + 28)) {
    const magicOk = buf.readUInt32BE(at) === FRAME_MAGIC;
    throw corrupt(info, offset, magicOk ? 'header CRC mismatch' : 'bad magic (not a synctl frame stream)');
  }
  if (buf.readUInt32BE(at) !== FRAME_MAGIC) throw corrupt(info, offset, 'bad magic');
  const version = buf.readUInt8(at + 4);
  if (version !== WIRE_VERSION) throw corrupt(info, offset, `unsupported wire version ${version}`);
  const length = buf.readUInt32BE(at + 20);
  if (length > MAX_PAYLOAD) throw corrupt(info, offset, `payload length ${length} exceeds ${MAX_PAYLOAD}`);
  return length;
}

function readFrameAt(buf: Buffer, at: number, length: number, info: FrameSourceInfo, offset: number): Frame {
  const seq = buf.readBigUInt64BE(at + 12);
  const payload = buf.subarray(at + HEADER_SIZE, at + HEADER_SIZE + length);
  if (zlib.crc32(payload) !== buf.readUInt32BE(at + 24)) throw corrupt(info, offset, 'payload CRC mismatch', seq);
  return {
    type: buf.readUInt8(at + 5) as FrameType,
    flags: buf.readUInt16BE(at + 6),
    origin: buf.readUInt32BE(at + 8),
    seq,
    payload,
  };
}

/**
 * Incremental frame reader for byte streams (sockets, pipes, files read in chunks).
 * push() chunks of any size; it yields every complete frame and keeps the tail.
 * Payloads returned are views into internal buffers: copy them if kept past the next push.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** buf is ours (not a caller's chunk), so bytes after `end` may be written */
  private owned = false;
  private start = 0;
  private end = 0;
  /** stream offset of buf[0] */
  private base = 0;

  constructor(private readonly info: FrameSourceInfo) {}

  /** stream offset of the first byte not yet consumed as part of a complete frame */
  get offset(): number {
    return this.base + this.start;
  }

  /** bytes held that do not yet make a complete frame */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): Frame[] {
    this.append(chunk);
    const frames: Frame[] = [];
    for (;;) {
      const avail = this.end - this.start;
      if (avail < HEADER_SIZE) break;
      const length = checkHeader(this.buf, this.start, this.info, this.offset);
      if (avail < HEADER_SIZE + length) break;
      frames.push(readFrameAt(this.buf, this.start, length, this.info, this.offset));
      this.start += HEADER_SIZE + length;
    }
    if (!this.owned && this.end > this.start) {
      // keep the partial tail in a buffer of our own: the caller may reuse its chunk
      this.adopt(this.end - this.start, this.end - this.start);
    }
    return frames;
  }

  /** Call at end of input: a partial frame left over is an error. */
  finish(): void {
    if (this.pending > 0) {
      throw new SynctlError(
        'FRAME_TRUNCATED',
        `${this.info.where}: input ends inside a frame at offset ${this.offset} (${this.pending} bytes left)`,
        { where: this.info.where, offset: this.offset },
      );
    }
  }

  /**
   * Frames already handed out are views into earlier bytes of `buf`, so held bytes are
   * never moved within a buffer: new bytes go into spare room after `end`, or the held
   * bytes move to a fresh, larger buffer.
   */
  private append(chunk: Buffer): void {
    const held = this.end - this.start;
    if (held === 0) {
      // Common case: no carry-over. Use the chunk in place (frames are views into it).
      this.base += this.end;
      this.buf = chunk;
      this.owned = false;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    this.adopt(held, held + chunk.length);
    chunk.copy(this.buf, held);
    this.end = held + chunk.length;
  }

  /** Moves the `held` unconsumed bytes to the front of a new owned buffer with room for `need`. */
  private adopt(held: number, need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need * 2, 64 * 1024));
    this.buf.copy(next, 0, this.start, this.start + held);
    this.base += this.start;
    this.buf = next;
    this.owned = true;
    this.start = 0;
    this.end = held;
  }
}

/** Decodes a whole buffer that must hold only complete frames (a segment file). */
export function decodeAll(buf: Buffer, info: FrameSourceInfo): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < HEADER_SIZE) {
      throw new SynctlError('FRAME_TRUNCATED', `${info.where}: input ends inside a frame header at offset ${at}`, {
        where: info.where,
        offset: at,
      });
    }
    const length = checkHeader(buf, at, info, at);
    if (buf.length - at - HEADER_SIZE < length) {
      throw new SynctlError('FRAME_TRUNCATED', `${info.where}: input ends inside a frame at offset ${at}`, {
        where: info.where,
        offset: at,
      });
    }
    frames.push(readFrameAt(buf, at, length, info, at));
    at += HEADER_SIZE + length;
  }
  return frames;
}
