import { isSynctlError } from '../errors';
import type { Op, TableDescriptor, Transaction } from '../model/change';
import { binlogPosition, pgPosition } from '../model/position';
import { Temporal, UNCHANGED, type Value } from '../model/value';
import { decodeDataFrame, encodeBatchFrame } from './batch';
import { ackFrame, HEARTBEAT_FRAME, helloFrame } from './control';
import { decodeAll, encodeFrame, encodeHeader, FrameDecoder, FrameFlag, FrameType, HEADER_SIZE, type Frame } from './frame';
import { prng } from '../../test/support/prng';


const rnd = prng(0xf00d);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const table: TableDescriptor = {
  schema: 'sbtest',
  table: 'sbtest1',
  columns: [
    { name: 'id', type: 'int', key: true, nullable: false },
    { name: 'k', type: 'int', key: false, nullable: false },
    { name: 'c', type: 'char(120)', key: false, nullable: false, charset: 'utf8mb4' },
    { name: 'amount', type: 'decimal(12,2)', key: false, nullable: true },
    { name: 'big', type: 'bigint', key: false, nullable: true },
    { name: 'at', type: 'datetime(6)', key: false, nullable: true },
    { name: 'raw', type: 'blob', key: false, nullable: true },
  ],
};

function row(i: number): Value[] {
  return [i, int(0, 1e6), `c-${i}-${'x'.repeat(int(0, 60))}`, `${int(0, 99999)}.${int(10, 99)}`, BigInt(i) ** 3n, new Temporal('datetime', '2024-05-06 07:08:09.123456'), i % 3 ? null : Buffer.from([i & 255, 0, 255])];
}

function txs(n: number, first: number): Transaction[] {
  const out: Transaction[] = [];
  for (let t = 0; t < n; t++) {
    const ops: Op[] = [];
    for (let j = int(1, 5); j > 0; j--) {
      const i = first + t * 10 + j;
      ops.push(j % 2 ? { kind: 'insert', table, after: row(i) } : { kind: 'update', table, before: row(i), after: [i, UNCHANGED, 'new', null, -1n, null, null] });
    }
    out.push({ origin: 5, position: t % 2 ? pgPosition(BigInt(first + t)) : binlogPosition('mysql-bin.000003', first + t, 'uuid-a:1-9,uuid-b:4'), commitTimeUs: 1.7e15 + t, xid: String(first + t), ops });
  }
  return out;
}

const where = { where: 'peer 127.0.0.1:5346' };

/** A stream of frames: DATA (plain and LZ4) mixed with control frames, and where each starts. */
function stream(nData: number, txPerFrame: number): { frames: Frame[]; bytes: Buffer; starts: number[]; batches: Transaction[][] } {
  const frames: Frame[] = [];
  const batches: Transaction[][] = [];
  for (let i = 0; i < nData; i++) {
    const b = txs(txPerFrame, i * 1000);
    batches.push(b);
    frames.push(encodeBatchFrame(5, BigInt(i + 1), b, { compress: i % 2 === 1 }));
    if (i % 3 === 0) frames.push(HEARTBEAT_FRAME);
    if (i % 4 === 1) frames.push(ackFrame([{ origin: 5, seq: BigInt(i) }]));
  }
  const parts = frames.map(encodeFrame);
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    at += p.length;
  }
  return { frames, bytes: Buffer.concat(parts), starts, batches };
}

function sameFrame(a: Frame, b: Frame): boolean {
  return a.type === b.type && a.flags === b.flags && a.origin === b.origin && a.seq === b.seq && a.payload.equals(b.payload);
}

function expectFrames(got: readonly Frame[], want: readonly Frame[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((f, i) => {
    if (!sameFrame(f, want[i]!)) throw new Error(`frame ${i} differs`);
  });
}

describe('frame envelope', () => {
  it('encodes the documented header and encodeHeader matches encodeFrame', () => {
    const f: Frame = { type: FrameType.DATA, flags: FrameFlag.LZ4, origin: 0x01020304, seq: 0x0102030405060708n, payload: Buffer.from('hi') };
    const b = encodeFrame(f);
    expect(b.length).toBe(HEADER_SIZE + 2);
    expect(b.subarray(0, 24).toString('hex')).toBe('53594e43' + '01' + '01' + '0001' + '01020304' + '0102030405060708' + '00000002');
    expect(encodeHeader(f)).toEqual(b.subarray(0, HEADER_SIZE));
    expectFrames(decodeAll(b, where), [f]);
  });

  it('an empty input decodes to no frames', () => {
    expect(decodeAll(Buffer.alloc(0), where)).toEqual([]);
    const d = new FrameDecoder(where);
    expect(d.push(Buffer.alloc(0))).toEqual([]);
    expect(() => d.finish()).not.toThrow();
  });
});

describe('FrameDecoder: splitting', () => {
  const small = stream(4, 2);

  it('a small stream split at every byte position gives the same frames', () => {
    for (let cut = 0; cut <= small.bytes.length; cut++) {
      const d = new FrameDecoder(where);
      const got = [...d.push(small.bytes.subarray(0, cut)), ...d.push(small.bytes.subarray(cut))];
      expectFrames(got, small.frames);
      expect(d.pending).toBe(0);
      expect(d.offset).toBe(small.bytes.length);
      d.finish();
    }
  });

  it('a small stream split at every pair of positions gives the same frames', () => {
    const n = small.bytes.length;
    for (let a = 0; a <= n; a += 13) {
      for (let b = a; b <= n; b += 5) {
        const d = new FrameDecoder(where);
        const got = [...d.push(small.bytes.subarray(0, a)), ...d.push(small.bytes.subarray(a, b)), ...d.push(small.bytes.subarray(b))];
        expectFrames(got, small.frames);
      }
    }
  });

  it('byte by byte', () => {
    const d = new FrameDecoder(where);
    const got: Frame[] = [];
    for (let i = 0; i < small.bytes.length; i++) {
      // copy: a frame's payload may view the chunk it completed in
      for (const f of d.push(small.bytes.subarray(i, i + 1))) got.push({ ...f, payload: Buffer.from(f.payload) });
    }
    expectFrames(got, small.frames);
    d.finish();
  });

  it('streams fed in random chunk sizes give the same frames and decoded transactions', () => {
    // FrameDecoder copies the held tail on every push, so tiny chunks get a smaller stream
    const medium = stream(8, 4);
    const big = stream(40, 20);
    for (let round = 0; round < 30; round++) {
      const maxChunk = [3, 100, 4096, 65536, 1 << 30][round % 5]!;
      const s = maxChunk <= 100 ? medium : big;
      const d = new FrameDecoder(where);
      const got: Frame[] = [];
      for (let at = 0; at < s.bytes.length; ) {
        const n = int(0, maxChunk);
        got.push(...d.push(s.bytes.subarray(at, at + n)));
        at += n;
      }
      d.finish();
      expectFrames(got, s.frames);
      if (round < 5) {
        const data = got.filter((f) => f.type === FrameType.DATA);
        expect(data.map(decodeDataFrame)).toStrictEqual(s.batches);
      }
    }
  });
});

describe('FrameDecoder: corruption and truncation', () => {
  /**
   * Flips one byte at each chosen position and feeds the whole stream: the decoder must
   * throw FRAME_CORRUPT naming where, the offset of the damaged frame and, for payload
   * damage, its seq; frames delivered before the throw must be the undamaged ones.
   */
  function corruptAt(s: ReturnType<typeof stream>, positions: readonly number[], chunk: number): void {
    for (const pos of positions) {
      const bad = Buffer.from(s.bytes);
      bad[pos] ^= int(1, 255);
      let k = 0;
      while (k + 1 < s.starts.length && s.starts[k + 1]! <= pos) k++;
      const frameStart = s.starts[k]!;
      const inPayload = pos >= frameStart + HEADER_SIZE;

      const d = new FrameDecoder(where);
      const got: Frame[] = [];
      let err: unknown;
      try {
        for (let at = 0; at < bad.length; at += chunk) got.push(...d.push(bad.subarray(at, at + chunk)));
        d.finish();
      } catch (e) {
        err = e;
      }
      if (!isSynctlError(err, 'FRAME_CORRUPT')) throw new Error(`flip at ${pos}: expected FRAME_CORRUPT, got ${String(err)}`);
      const seqText = inPayload ? ` (seq ${s.frames[k]!.seq})` : '';
      expect(err.message).toBe(
        `${where.where}: corrupt frame at offset ${frameStart}${seqText}: ${err.message.split(': ').slice(-1)[0]}`,
      );
      expect(err.details).toMatchObject({ where: where.where, offset: frameStart });
      expect(got.length).toBeLessThanOrEqual(k);
      expectFrames(got, s.frames.slice(0, got.length));

      let err2: unknown;
      try {
        decodeAll(bad, where);
      } catch (e) {
        err2 = e;
      }
      if (!isSynctlError(err2, 'FRAME_CORRUPT')) throw new Error(`decodeAll, flip at ${pos}: expected FRAME_CORRUPT`);
      expect(err2.details).toMatchObject({ offset: frameStart });
    }
  }

  it('every single-byte corruption of a small stream is detected (whole-stream push)', () => {
    const s = stream(3, 2);
    corruptAt(s, Array.from({ length: s.bytes.length }, (_, i) => i), s.bytes.length);
  });

  it('every single-byte corruption of a DATA frame is detected, fed in 97-byte chunks', () => {
    const s = stream(2, 6);
    corruptAt(s, Array.from({ length: s.bytes.length }, (_, i) => i), 97);
  });

  it('2000+ sampled single-byte corruptions of a big LZ4 DATA stream are detected', () => {
    const s = stream(12, 100);
    expect(s.frames.some((f) => f.flags & FrameFlag.LZ4)).toBe(true);
    const positions = new Set<number>();
    for (const st of s.starts) for (let i = 0; i < HEADER_SIZE; i++) positions.add(st + i);
    while (positions.size < 2500) positions.add(int(0, s.bytes.length - 1));
    corruptAt(s, [...positions], 8192);
  });

  it('bad magic is named as such', () => {
    expect(() => decodeAll(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n__________'), where)).toThrow(
      /peer 127.0.0.1:5346: corrupt frame at offset 0: bad magic/,
    );
  });

  it('every truncation is caught by finish() (and by decodeAll), after the complete frames', () => {
    const s = stream(3, 2);
    const n = s.bytes.length;
    for (let cut = 0; cut < n; cut++) {
      const complete = s.starts.filter((st, i) => (s.starts[i + 1] ?? n) <= cut && st < cut).length;
      const d = new FrameDecoder(where);
      const got = d.push(s.bytes.subarray(0, cut));
      expectFrames(got, s.frames.slice(0, complete));
      if (cut === (s.starts[complete] ?? n)) {
        // cut exactly between frames: nothing pending, not a truncation
        expect(d.pending).toBe(0);
        d.finish();
        expect(decodeAll(s.bytes.subarray(0, cut), where).length).toBe(complete);
        continue;
      }
      const at = s.starts[complete]!;
      expect(() => d.finish()).toThrow(expect.objectContaining({ code: 'FRAME_TRUNCATED', details: { where: where.where, offset: at } }));
      expect(() => d.finish()).toThrow(`${where.where}: input ends inside a frame at offset ${at} (${cut - at} bytes left)`);
      expect(() => decodeAll(s.bytes.subarray(0, cut), where)).toThrow(expect.objectContaining({ code: 'FRAME_TRUNCATED', details: { where: where.where, offset: at } }));
    }
  });

  it('a frame after a HELLO with a non-UTF-8 role still frames correctly', () => {
    const h = helloFrame({ siteid: 1, version: 1, role: '\u{1F600}' });
    const b = Buffer.concat([encodeFrame(h), encodeFrame(HEARTBEAT_FRAME)]);
    expect(decodeAll(b, where).map((f) => f.type)).toEqual([FrameType.HELLO, FrameType.HEARTBEAT]);
  });
});
