import { isSynctlError } from '../errors';
import {
  ackFrame,
  errorFrame,
  HEARTBEAT_FRAME,
  helloFrame,
  parseAck,
  parseError,
  parseHello,
  parseResume,
  resumeFrame,
  type AckEntry,
  type Hello,
  type LinkError,
  type ResumeEntry,
} from './control';
import { decodeAll, encodeFrame, FrameDecoder, FrameType, WIRE_VERSION, type Frame } from './frame';

/** Through the byte stream and back, so the envelope is part of every round trip. */
function viaStream(f: Frame): Frame {
  const d = new FrameDecoder({ where: 'test' });
  const [back, ...rest] = d.push(encodeFrame(f));
  expect(rest).toEqual([]);
  d.finish();
  expect(back!.type).toBe(f.type);
  expect(back!.origin).toBe(0);
  expect(back!.seq).toBe(0n);
  expect(back!.flags).toBe(0);
  return back!;
}

function expectTruncationsFail(payload: Buffer, parse: (p: Buffer) => unknown, name: string): void {
  for (let n = 0; n < payload.length; n++) {
    let err: unknown;
    try {
      parse(payload.subarray(0, n));
    } catch (e) {
      err = e;
    }
    if (!isSynctlError(err, 'WIRE_DECODE')) throw new Error(`${name} cut to ${n} bytes: expected WIRE_DECODE, got ${String(err)}`);
    expect(err.message).toMatch(new RegExp(`^${name} payload truncated: ${n} bytes, need \\d+$`));
  }
}

const hellos: Hello[] = [
  { siteid: 1, version: WIRE_VERSION, role: 'transfer' },
  { siteid: 0xffffffff, version: 0xffff, role: '' },
  { siteid: 42, version: 1, role: '网闸-relay 😀' },
];
const resumes: ResumeEntry[][] = [
  [],
  [{ origin: 1, seq: 0n, position: '' }],
  [
    { origin: 1, seq: 42n, position: 'binlog:mysql-bin.000042:1234:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,ce9be252-2b71-11e6-b8f4-00212844f856:1-3' },
    { origin: 0xffffffff, seq: 0xffffffffffffffffn, position: 'pg:16/B374D848' },
    { origin: 7, seq: 1n, position: 'mssql:0000002a000001f80003' },
  ],
];
const acks: AckEntry[][] = [[], [{ origin: 3, seq: 1n }], [{ origin: 1, seq: 2n ** 63n }, { origin: 0xffffffff, seq: 0xffffffffffffffffn }]];
const errors: LinkError[] = [
  { code: 'SITE_CONFLICT', message: 'siteid 5 is already connected from 10.0.0.5:41000' },
  { code: '', message: '' },
  { code: 'PROTOCOL', message: 'ünïcödé 中文 '.repeat(1000) },
];

describe('control frames', () => {
  it.each(hellos)('HELLO %p round trips', (h) => {
    const f = viaStream(helloFrame(h));
    expect(f.type).toBe(FrameType.HELLO);
    expect(parseHello(f.payload)).toEqual(h);
    expectTruncationsFail(f.payload, parseHello, 'HELLO');
  });

  it.each(resumes.map((r) => [r]))('RESUME %p round trips', (entries) => {
    const f = viaStream(resumeFrame(entries));
    expect(f.type).toBe(FrameType.RESUME);
    expect(parseResume(f.payload)).toEqual(entries);
    expectTruncationsFail(f.payload, parseResume, 'RESUME');
  });

  it.each(acks.map((a) => [a]))('ACK %p round trips', (entries) => {
    const f = viaStream(ackFrame(entries));
    expect(f.type).toBe(FrameType.ACK);
    expect(parseAck(f.payload)).toEqual(entries);
    expectTruncationsFail(f.payload, parseAck, 'ACK');
  });

  it.each(errors)('ERROR %p round trips', (e) => {
    const f = viaStream(errorFrame(e));
    expect(f.type).toBe(FrameType.ERROR);
    expect(parseError(f.payload)).toEqual(e);
    expectTruncationsFail(f.payload, parseError, 'ERROR');
  });

  it('HEARTBEAT is an empty frame of 32 bytes', () => {
    const b = encodeFrame(HEARTBEAT_FRAME);
    expect(b.length).toBe(32);
    const [f] = decodeAll(b, { where: 'test' });
    expect(f!.type).toBe(FrameType.HEARTBEAT);
    expect(f!.payload.length).toBe(0);
  });

  it('a RESUME/ACK count larger than the payload is refused, not looped on', () => {
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(() => parseAck(huge)).toThrow(expect.objectContaining({ code: 'WIRE_DECODE' }));
    expect(() => parseResume(huge)).toThrow(expect.objectContaining({ code: 'WIRE_DECODE' }));
  });
});
