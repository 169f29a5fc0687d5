import * as lz4 from 'lz4js';
import { SynctlError } from '../errors';

/**
 * LZ4 for DATA payloads (FrameFlag.LZ4), with lz4js (pure JS, LZ4 frame format).
 *
 * Compressed payload layout:
 *
 *   0  rawLength  u32 BE  length of the uncompressed payload
 *   4  lz4 frame         one LZ4 frame as lz4js writes it (linked 4 MiB blocks, no checksums)
 *
 * Why the length prefix: lz4js verifies no checksum, silently decodes only the first of
 * concatenated frames, and writes past-the-end/short output without complaint. We only
 * ever decompress payloads we produced, and the frame's payload CRC covers these
 * compressed bytes, so damage in transit is caught before we get here; the prefix is the
 * second guard: it sizes the output exactly (lz4js would otherwise allocate 4 MiB per
 * block as an upper bound) and any length mismatch after decoding is a WIRE_DECODE error.
 * Before decoding we also walk the frame's block headers so a bad block size can never
 * send lz4js reading far past the input.
 */

const LZ4_MAGIC = 0x184d2204;
/** LZ4 needs at least 1 byte per 255 output bytes; anything claiming more is corrupt. */
const MAX_RATIO = 255;

function fail(message: string, offset: number): SynctlError {
  return new SynctlError('WIRE_DECODE', `LZ4 payload: ${message} at offset ${offset}`, { offset });
}

export function compress(buf: Buffer): Buffer {
  const bound = lz4.compressBound(buf.length);
  const out = Buffer.allocUnsafe(4 + bound);
  out.writeUInt32BE(buf.length, 0);
  // compressFrame writes every byte it reports (header, block sizes, block data, end mark)
  const n = lz4.compressFrame(buf, out.subarray(4));
  const used = 4 + n;
  // Don't keep a mostly empty worst-case buffer alive behind a small view.
  return out.length - used > 64 * 1024 ? Buffer.from(out.subarray(0, used)) : out.subarray(0, used);
}

export function decompress(buf: Buffer): Buffer {
  if (buf.length < 4) throw fail(`truncated: ${buf.length} bytes, need a 4-byte length`, 0);
  const rawLength = buf.readUInt32BE(0);
  const frame = buf.subarray(4);
  if (rawLength > frame.length * MAX_RATIO) {
    throw fail(`length prefix ${rawLength} is impossible for ${frame.length} compressed bytes`, 0);
  }
  checkFrameStructure(frame);
  // zero-filled: a corrupt match offset must not copy uninitialised memory
  const out = Buffer.alloc(rawLength);
  let n: number;
  try {
    n = lz4.decompressFrame(frame, out);
  } catch (e) {
    throw new SynctlError('WIRE_DECODE', `LZ4 payload: ${(e as Error).message} at offset 4`, { offset: 4 }, { cause: e });
  }
  if (n !== rawLength) throw fail(`decompressed to ${n} bytes, length prefix says ${rawLength}`, 0);
  return out;
}

/**
 * Validates the LZ4 frame envelope (magic, descriptor, block sizes, end mark) so that
 * every block lies inside `frame` and the frame ends exactly at its end.
 * Offsets in errors are of the whole compressed payload (prefix included).
 */
function checkFrameStructure(frame: Buffer): void {
  const len = frame.length;
  if (len < 7) throw fail('truncated LZ4 frame header', 4);
  if (frame.readUInt32LE(0) !== LZ4_MAGIC) throw fail('bad LZ4 magic', 4);
  const flg = frame[4]!;
  if ((flg & 0xc0) !== 0x40) throw fail(`unsupported LZ4 frame version in FLG 0x${flg.toString(16)}`, 8);
  // lz4js mis-reads block checksums and cannot use a dictionary: refuse them
  if (flg & 0x10) throw fail('LZ4 block checksums are not supported', 8);
  if (flg & 0x01) throw fail('LZ4 dictionary ids are not supported', 8);
  const bsIdx = (frame[5]! >> 4) & 7;
  if (bsIdx < 4) throw fail(`invalid LZ4 block size code ${bsIdx}`, 9);
  const maxBlock = 1 << (8 + 2 * bsIdx);
  let at = 6 + (flg & 0x08 ? 8 : 0) + 1; // optional content size, then header checksum
  for (;;) {
    if (at + 4 > len) throw fail('truncated LZ4 block header', 4 + at);
    const word = frame.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlock) throw fail(`LZ4 block size ${size} exceeds ${maxBlock}`, 4 + at - 4);
    if (at + size > len) throw fail(`truncated LZ4 block of ${size} bytes`, 4 + at);
    at += size;
  }
  if (flg & 0x04) at += 4; // content checksum (lz4js never writes one)
  if (at !== len) throw fail(`${len - at} bytes after the LZ4 end mark (or missing checksum)`, 4 + Math.min(at, len));
}
