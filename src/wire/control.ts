import { SynctlError } from '../errors';
import { FrameType, type Frame } from './frame';

/**
 * Link-control payloads. Small and rare next to DATA, but still binary so that every
 * frame on a link is read by the same code:
 *
 *   HELLO   u32 siteid | u16 wireVersion | u16 nameLen | name (utf8: role name, for logs)
 *   RESUME  u32 n | n × (u32 origin | u64 lastSeq | u16 posLen | position text)
 *   ACK     u32 n | n × (u32 origin | u64 seq)            cumulative per origin
 *   ERROR   u16 codeLen | code | u32 msgLen | message
 *   HEARTBEAT  empty
 */

export interface Hello {
  readonly siteid: number;
  readonly version: number;
  readonly role: string;
}

export interface ResumeEntry {
  readonly origin: number;
  /** last sequence durably taken from that origin (0n: nothing yet) */
  readonly seq: bigint;
  /** serialised source position of that sequence, '' when unknown */
  readonly position: string;
}

export interface AckEntry {
  readonly origin: number;
  readonly seq: bigint;
}

export interface LinkError {
  readonly code: string;
  readonly message: string;
}

function control(type: FrameType, payload: Buffer): Frame {
  return { type, flags: 0, origin: 0, seq: 0n, payload };
}

/** u16-length text fields: refuse (never a RangeError mid-write) anything longer. */
function shortText(text: string, what: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length > 0xffff) throw new SynctlError('WIRE_DECODE', `${what} is ${b.length} bytes; at most 65535 fit in a control frame`);
  return b;
}

export function helloFrame(h: Hello): Frame {
  const name = shortText(h.role, 'HELLO role');
  const b = Buffer.allocUnsafe(8 + name.length);
  b.writeUInt32BE(h.siteid, 0);
  b.writeUInt16BE(h.version, 4);
  b.writeUInt16BE(name.length, 6);
  name.copy(b, 8);
  return control(FrameType.HELLO, b);
}

export function parseHello(p: Buffer): Hello {
  need(p, 8, 'HELLO');
  const len = p.readUInt16BE(6);
  need(p, 8 + len, 'HELLO');
  return { siteid: p.readUInt32BE(0), version: p.readUInt16BE(4), role: p.toString('utf8', 8, 8 + len) };
}

export function resumeFrame(entries: readonly ResumeEntry[]): Frame {
  const texts = entries.map((e) => shortText(e.position, 'RESUME position'));
  const b = Buffer.allocUnsafe(4 + entries.reduce((n, _e, i) => n + 14 + texts[i]!.length, 0));
  let at = b.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    at = b.writeUInt32BE(e.origin, at);
    at = b.writeBigUInt64BE(e.seq, at);
    at = b.writeUInt16BE(texts[i]!.length, at);
    at += texts[i]!.copy(b, at);
  });
  return control(FrameType.RESUME, b);
}

export function parseResume(p: Buffer): ResumeEntry[] {
  need(p, 4, 'RESUME');
  const n = p.readUInt32BE(0);
  const out: ResumeEntry[] = [];
  let at = 4;
  for (let i = 0; i < n; i++) {
    need(p, at + 14, 'RESUME');
    const origin = p.readUInt32BE(at);
    const seq = p.readBigUInt64BE(at + 4);
    const len = p.readUInt16BE(at + 12);
    need(p, at + 14 + len, 'RESUME');
    out.push({ origin, seq, position: p.toString('utf8', at + 14, at + 14 + len) });
    at += 14 + len;
  }
  return out;
}

export function ackFrame(entries: readonly AckEntry[]): Frame {
  const b = Buffer.allocUnsafe(4 + entries.length * 12);
  let at = b.writeUInt32BE(entries.length, 0);
  for (const e of entries) {
    at = b.writeUInt32BE(e.origin, at);
    at = b.writeBigUInt64BE(e.seq, at);
  }
  return control(FrameType.ACK, b);
}

export function parseAck(p: Buffer): AckEntry[] {
  need(p, 4, 'ACK');
  const n = p.readUInt32BE(0);
  need(p, 4 + n * 12, 'ACK');
  const out: AckEntry[] = [];
  for (let i = 0, at = 4; i < n; i++, at += 12) out.push({ origin: p.readUInt32BE(at), seq: p.readBigUInt64BE(at + 4) });
  return out;
}

export function errorFrame(e: LinkError): Frame {
  const code = shortText(e.code, 'ERROR code');
  const msg = Buffer.from(e.message, 'utf8');
  const b = Buffer.allocUnsafe(6 + code.length + msg.length);
  b.writeUInt16BE(code.length, 0);
  code.copy(b, 2);
  b.writeUInt32BE(msg.length, 2 + code.length);
  msg.copy(b, 6 + code.length);
  return control(FrameType.ERROR, b);
}

export function parseError(p: Buffer): LinkError {
  need(p, 2, 'ERROR');
  const cl = p.readUInt16BE(0);
  need(p, 6 + cl, 'ERROR');
  const ml = p.readUInt32BE(2 + cl);
  need(p, 6 + cl + ml, 'ERROR');
  return { code: p.toString('utf8', 2, 2 + cl), message: p.toString('utf8', 6 + cl, 6 + cl + ml) };
}

export const HEARTBEAT_FRAME: Frame = Object.freeze(control(FrameType.HEARTBEAT, Buffer.alloc(0)));

function need(p: Buffer, n: number, what: string): void {
  if (p.length < n) throw new SynctlError('WIRE_DECODE', `${what} payload truncated: ${p.length} bytes, need ${n}`);
}
