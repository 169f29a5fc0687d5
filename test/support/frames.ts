import * as crypto from 'node:crypto';
import { FrameType, type Frame } from '../../src/wire/frame';

/** Deterministic DATA frames for link tests: payload = origin|seq|filler, checkable on arrival. */
export function testFrame(origin: number, seq: number, size = 64): Frame {
  const payload = Buffer.alloc(Math.max(16, size));
  payload.writeUInt32BE(origin, 0);
  payload.writeBigUInt64BE(BigInt(seq), 4);
  const filler = crypto.createHash('sha256').update(`${origin}:${seq}`).digest();
  for (let i = 12; i < payload.length; i++) payload[i] = filler[i % filler.length]!;
  return { type: FrameType.DATA, flags: 0, origin, seq: BigInt(seq), payload };
}

/** True when `f` is exactly what testFrame(origin, seq) produced. */
export function isIntact(f: Frame, size = 64): boolean {
  return f.payload.equals(testFrame(f.origin, Number(f.seq), size).payload);
}
