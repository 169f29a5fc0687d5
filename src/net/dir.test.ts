import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSynctlError } from '../errors';
import { setLogSink } from '../log';
import { decodeAll, encodeFrame, FrameType, HEADER_SIZE, type Frame } from '../wire/frame';
import type { AckEntry, ResumeEntry } from '../wire/control';
import type { ResumeMap } from './link';
import { DirReceiver } from './dir-receiver';
import { DirSender, segmentBase, SENDER_STATE_FILE, type SegmentManifestJson } from './dir-sender';
import { fsyncDir, readJsonIfExists, writeFileAtomic } from './fs-durable';

// ---------------------------------------------------------------- helpers

const roots: string[] = [];
let restoreSink: ((line: string) => void) | undefined;

beforeAll(() => {
  restoreSink = setLogSink(() => undefined);
});

afterAll(async () => {
  if (restoreSink) setLogSink(restoreSink);
  for (const d of roots) await fsp.rm(d, { recursive: true, force: true });
});

interface Dirs {
  root: string;
  drop: string;
  archive: string;
  state: string;
}

async function dirs(): Promise<Dirs> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'synctl-dir-'));
  roots.push(root);
  return { root, drop: path.join(root, 'drop'), archive: path.join(root, 'archive'), state: path.join(root, 'state') };
}

/** Deterministic payload of 20..299 bytes for (origin, seq). */
function payloadFor(origin: number, seq: bigint): Buffer {
  const n = Number(seq);
  const len = 20 + ((n * 7919 + origin * 104729) % 280);
  const b = Buffer.allocUnsafe(len);
  let x = (n * 2654435761 + origin * 40503) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

function frame(origin: number, seq: number | bigint): Frame {
  const s = BigInt(seq);
  return { type: FrameType.DATA, flags: 0, origin, seq: s, payload: payloadFor(origin, s) };
}

function sender(d: Dirs, fileSizeMb = 0.05, fileTimeSec = 0): DirSender {
  return new DirSender({ path: d.drop, fileSizeMb, fileTimeSec, stateDir: d.state });
}

function receiver(d: Dirs, resume: ResumeMap = new Map(), archivePath = d.archive): DirReceiver {
  return new DirReceiver({ path: d.drop, archivePath, pollSec: 0.02, resume: () => resume, siteid: 99 });
}

async function sendRange(tx: DirSender, origins: readonly number[], from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    for (const o of origins) await tx.send(frame(o, seq), `pos-${o}-${seq}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Pulls frames until `n` (or until the iterator ends), acking each one unless
 * `ackWhile` says no. Frames go into `out` as they come, so a caller still sees them
 * when the iteration fails.
 */
async function take(
  rx: DirReceiver,
  n: number,
  out: Frame[] = [],
  ackWhile: (f: Frame, index: number) => boolean = () => true,
): Promise<Frame[]> {
  if (n === 0) return out;
  for await (const f of rx.frames()) {
    out.push(f);
    if (ackWhile(f, out.length - 1)) rx.ack(f.origin, f.seq);
    if (out.length >= n) break;
  }
  return out;
}

function seqsOf(frames: readonly Frame[], origin: number): bigint[] {
  return frames.filter((f) => f.origin === origin).map((f) => f.seq);
}

function range(from: number, to: number): bigint[] {
  const out: bigint[] = [];
  for (let i = from; i <= to; i++) out.push(BigInt(i));
  return out;
}

async function listExt(dir: string, ext: string): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(ext)).sort();
}

async function manifest(file: string): Promise<SegmentManifestJson> {
  const m = await readJsonIfExists<SegmentManifestJson>(file);
  if (!m) throw new Error(`no manifest ${file}`);
  return m;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- fs-durable

describe('fs-durable', () => {
  it('writes atomically, reads JSON back, and leaves no temp file', async () => {
    const d = await dirs();
    const file = path.join(d.root, 'x.json');
    expect(await readJsonIfExists(file)).toBeUndefined();
    await writeFileAtomic(file, JSON.stringify({ a: 1 }));
    await writeFileAtomic(file, JSON.stringify({ a: 2 }));
    expect(await readJsonIfExists<{ a: number }>(file)).toEqual({ a: 2 });
    expect(await fsp.readdir(d.root)).toEqual(['x.json']);
    await fsyncDir(d.root);
  });

  it('reports unparseable JSON as a STATE error naming the file', async () => {
    const d = await dirs();
    const file = path.join(d.root, 'bad.json');
    await fsp.writeFile(file, '{nope');
    await expect(readJsonIfExists(file)).rejects.toMatchObject({ code: 'STATE', message: expect.stringContaining(file) });
  });
});

// ---------------------------------------------------------------- the link

describe('dir link', () => {
  it('moves 20,000 frames from 2 origins exactly once, in order, and archives acked segments', async () => {
    const d = await dirs();
    const tx = sender(d, 0.05);
    const acks: AckEntry[] = [];
    tx.onAck((e) => acks.push(...e));
    expect((await tx.open()).size).toBe(0);
    expect(tx.name).toBe(`dir ${d.drop}`);

    const rx = receiver(d);
    const got: Frame[] = [];
    const receiving = take(rx, 20_000, got);
    await sendRange(tx, [3, 7], 1, 10_000);
    await tx.drain();
    await withTimeout(receiving, 60_000, `receiving (got ${got.length})`);
    await rx.close();
    await tx.close();

    expect(got).toHaveLength(20_000);
    for (const o of [3, 7]) {
      const mine = got.filter((f) => f.origin === o);
      expect(mine.map((f) => f.seq)).toEqual(range(1, 10_000));
      for (const f of mine) {
        if (!f.payload.equals(payloadFor(o, f.seq))) throw new Error(`payload differs at origin ${o} seq ${f.seq}`);
      }
    }

    // acked segments are archived, nothing is left in the drop directory
    expect((await fsp.readdir(d.drop)).filter((n) => /\.(dat|rec|tmp)$/.test(n))).toEqual([]);
    const dats = await listExt(d.archive, '.dat');
    const recs = await listExt(d.archive, '.rec');
    expect(dats.length).toBeGreaterThan(40); // ~4 MB in 50 KiB segments
    expect(recs.map((n) => n.replace(/\.rec$/, ''))).toEqual(dats.map((n) => n.replace(/\.dat$/, '')));
    let total = 0;
    for (const r of recs) {
      const m = await manifest(path.join(d.archive, r));
      const data = await fsp.readFile(path.join(d.archive, r.replace(/\.rec$/, '.dat')));
      expect(m.bytes).toBe(data.length);
      expect(m.bytes).toBeLessThanOrEqual(0.05 * 1024 * 1024);
      expect(r).toBe(`${segmentBase(m.origin, BigInt(m.firstSeq))}.rec`);
      expect(m.firstPosition).toBe(`pos-${m.origin}-${m.firstSeq}`);
      expect(m.lastPosition).toBe(`pos-${m.origin}-${m.lastSeq}`);
      total += m.frames;
    }
    expect(total).toBe(20_000);

    // the sender's "acks": cumulative, one per segment, ending at the last seq
    expect(acks).toHaveLength(dats.length);
    for (const o of [3, 7]) expect(acks.filter((a) => a.origin === o).pop()?.seq).toBe(10_000n);
    const state = await readJsonIfExists<{ origins: Record<string, { seq: string; position: string }> }>(
      path.join(d.state, SENDER_STATE_FILE),
    );
    expect(state?.origins).toEqual({
      '3': { seq: '10000', position: 'pos-3-10000' },
      '7': { seq: '10000', position: 'pos-7-10000' },
    });
  });

  it('interleaves origins fairly, one segment at a time', async () => {
    const d = await dirs();
    const tx = sender(d, 0.01);
    await tx.open();
    await sendRange(tx, [1], 1, 400);
    await sendRange(tx, [2], 1, 400);
    await tx.close();
    const perSegment = new Map<string, number>();
    for (const r of await listExt(d.drop, '.rec')) {
      const m = await manifest(path.join(d.drop, r));
      perSegment.set(`${m.origin}:${m.firstSeq}`, m.frames);
    }
    const rx = receiver(d);
    const got = await withTimeout(take(rx, 800), 20_000, 'receiving');
    await rx.close();
    // runs of the same origin are exactly one segment long, alternating origins
    const runs: Array<{ origin: number; first: bigint; n: number }> = [];
    for (const f of got) {
      const last = runs[runs.length - 1];
      if (last && last.origin === f.origin) last.n++;
      else runs.push({ origin: f.origin, first: f.seq, n: 1 });
    }
    const seg1 = [...perSegment.keys()].filter((k) => k.startsWith('1:')).length;
    const seg2 = [...perSegment.keys()].filter((k) => k.startsWith('2:')).length;
    expect(runs.length).toBeGreaterThanOrEqual(2 * Math.min(seg1, seg2));
    for (const r of runs.slice(0, 2 * Math.min(seg1, seg2))) {
      expect(r.n).toBe(perSegment.get(`${r.origin}:${r.first}`));
    }
  });

  it('resumes both sides after a restart: no frame lost, none delivered twice', async () => {
    const d = await dirs();
    // phase A: first sender writes 1..3000 for origins 1 and 2
    const tx1 = sender(d, 0.02);
    await tx1.open();
    await sendRange(tx1, [1, 2], 1, 3000);
    await tx1.close();

    // phase B: first receiver takes 3500 frames but the consumer only made 2200 durable
    const rx1 = receiver(d);
    const first = await withTimeout(
      take(rx1, 3500, [], (_f, i) => i < 2200),
      20_000,
      'receiving phase B',
    );
    await rx1.close();
    const resume: ResumeMap = new Map();
    for (const f of first.slice(0, 2200)) resume.set(f.origin, { origin: f.origin, seq: f.seq, position: '' });
    expect(resume.size).toBe(2);
    // only segments wholly acked are archived
    for (const r of await listExt(d.archive, '.rec')) {
      const m = await manifest(path.join(d.archive, r));
      expect(BigInt(m.lastSeq)).toBeLessThanOrEqual(resume.get(m.origin)!.seq);
    }
    expect((await listExt(d.archive, '.rec')).length).toBeGreaterThan(0);
    // unacked ones are still there
    expect((await listExt(d.drop, '.rec')).length).toBeGreaterThan(0);

    // debris of a crashed sender: a half-written segment where the next one will start
    await fsp.writeFile(path.join(d.drop, `${segmentBase(1, 3001n)}.dat.tmp`), Buffer.from('half a frame'));

    // phase C: restarted sender resumes from its own state, the caller resends from 2500
    const tx2 = sender(d, 0.02);
    const acks: AckEntry[] = [];
    tx2.onAck((e) => acks.push(...e));
    const out = await tx2.open();
    expect([...out.values()].sort((a, b) => a.origin - b.origin)).toEqual<ResumeEntry[]>([
      { origin: 1, seq: 3000n, position: 'pos-1-3000' },
      { origin: 2, seq: 3000n, position: 'pos-2-3000' },
    ]);
    await sendRange(tx2, [1, 2], 2500, 4000);
    await expect(tx2.send(frame(1, 4002))).rejects.toMatchObject({
      code: 'SEQUENCE_GAP',
      message: expect.stringMatching(/origin 1: expected 4001, got 4002/),
    });
    await tx2.close();
    expect(acks.every((a) => a.seq > 3000n)).toBe(true);
    // nothing at or below 3000 was written again
    const remaining = [...(await listExt(d.drop, '.rec')), ...(await listExt(d.archive, '.rec'))];
    const starts = new Map<number, bigint[]>();
    for (const r of remaining) {
      const dir = (await listExt(d.drop, '.rec')).includes(r) ? d.drop : d.archive;
      const m = await manifest(path.join(dir, r));
      starts.set(m.origin, [...(starts.get(m.origin) ?? []), BigInt(m.firstSeq)]);
    }
    for (const list of starts.values()) expect(new Set(list.map(String)).size).toBe(list.length);

    // phase D: second receiver starts at the consumer's durable progress
    const want = 2 * 4000 - Number(resume.get(1)!.seq) - Number(resume.get(2)!.seq);
    const rx2 = receiver(d, resume);
    const second = await withTimeout(take(rx2, want), 20_000, 'receiving phase D');
    await rx2.close();
    for (const o of [1, 2]) {
      expect(seqsOf(second, o)).toEqual(range(Number(resume.get(o)!.seq) + 1, 4000));
    }
    for (const f of second) {
      if (!f.payload.equals(payloadFor(f.origin, f.seq))) throw new Error(`payload differs at ${f.origin}/${f.seq}`);
    }
    // everything was acked: only the crash debris (overwritten and renamed) is gone too
    expect((await fsp.readdir(d.drop)).filter((n) => /\.(dat|rec|tmp)$/.test(n))).toEqual([]);
  });

  it('adopts complete segments its state file does not know about (crash before the state save)', async () => {
    const d = await dirs();
    const tx1 = sender(d, 0.01);
    await tx1.open();
    await sendRange(tx1, [4], 1, 500);
    await tx1.close();
    await fsp.writeFile(path.join(d.state, SENDER_STATE_FILE), JSON.stringify({ version: 1, origins: {} }));
    const tx2 = sender(d, 0.01);
    expect(await tx2.open()).toEqual(new Map([[4, { origin: 4, seq: 500n, position: 'pos-4-500' }]]));
    await tx2.close();
  });

  it('refuses a bad state file and misuse', async () => {
    const d = await dirs();
    await fsp.mkdir(d.state, { recursive: true });
    await fsp.writeFile(path.join(d.state, SENDER_STATE_FILE), JSON.stringify({ version: 1, origins: { 3: { seq: 'x' } } }));
    await expect(sender(d).open()).rejects.toMatchObject({ code: 'STATE' });

    const e = await dirs();
    const tx = sender(e);
    await expect(tx.send(frame(1, 1))).rejects.toMatchObject({ code: 'STATE' });
    await tx.open();
    await expect(tx.send(frame(1, 2))).rejects.toMatchObject({
      code: 'SEQUENCE_GAP',
      message: expect.stringContaining('origin 1: expected 1, got 2'),
    });
    await tx.send(frame(1, 1)); // a gap error does not break the sender
    await tx.close();
    await expect(tx.send(frame(1, 2))).rejects.toMatchObject({ code: 'STATE' });
  });

  describe('a damaged segment is refused whole', () => {
    /** Writes origin 5 seq 1..300 in small segments; returns the sorted .dat names. */
    async function written(d: Dirs): Promise<string[]> {
      const tx = sender(d, 0.01);
      await tx.open();
      await sendRange(tx, [5], 1, 300);
      await tx.close();
      const dats = await listExt(d.drop, '.dat');
      expect(dats.length).toBeGreaterThanOrEqual(3);
      return dats;
    }

    /** Offset of the frame that holds byte `pos`. */
    function frameStartOf(buf: Buffer, pos: number): number {
      let at = 0;
      for (const f of decodeAll(buf, { where: 'test' })) {
        const end = at + HEADER_SIZE + f.payload.length;
        if (pos < end) return at;
        at = end;
      }
      throw new Error('position past the end');
    }

    const positions: Array<[string, (len: number, buf: Buffer) => number]> = [
      ['first header byte (magic)', () => 0],
      ['length field of the first header', () => 21],
      ['header CRC of the second frame', (_l, buf) => HEADER_SIZE + buf.readUInt32BE(20) + 29],
      ['payload of the first frame', () => HEADER_SIZE + 3],
      ['middle of the file', (len) => Math.floor(len / 2)],
      ['last byte', (len) => len - 1],
    ];

    it.each(positions)('flipped byte at the %s', async (_what, where) => {
      const d = await dirs();
      const dats = await written(d);
      const bad = path.join(d.drop, dats[1]!);
      const buf = await fsp.readFile(bad);
      const pos = where(buf.length, buf);
      const start = frameStartOf(buf, pos);
      buf[pos] = buf[pos]! ^ 0x10;
      await fsp.writeFile(bad, buf);
      const firstSeg = await manifest(path.join(d.drop, dats[0]!.replace(/\.dat$/, '.rec')));

      const rx = receiver(d);
      const got: Frame[] = [];
      const err: unknown = await withTimeout(take(rx, 300, got), 20_000, 'receiving').then(
        () => undefined,
        (e: unknown) => e,
      );
      await rx.close();
      expect(isSynctlError(err, 'FRAME_CORRUPT') || isSynctlError(err, 'SEGMENT_CORRUPT')).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(`segment ${bad}`);
      expect(message).toContain(`offset ${start}`);
      // only the good first segment came through, none of the damaged one
      expect(seqsOf(got, 5)).toEqual(range(1, Number(firstSeg.lastSeq)));
      // and the damaged one is still there, not archived
      expect(await listExt(d.drop, '.dat')).toContain(dats[1]);
    });

    it('a manifest CRC that does not match is SEGMENT_CORRUPT', async () => {
      const d = await dirs();
      const dats = await written(d);
      const rec = path.join(d.drop, dats[0]!.replace(/\.dat$/, '.rec'));
      const m = await manifest(rec);
      await fsp.writeFile(rec, JSON.stringify({ ...m, crc32: 0x0badf00d }));
      const rx = receiver(d);
      const got: Frame[] = [];
      await expect(withTimeout(take(rx, 300, got), 20_000, 'receiving')).rejects.toMatchObject({
        code: 'SEGMENT_CORRUPT',
        message: `segment ${path.join(d.drop, dats[0]!)}: CRC mismatch (manifest 0badf00d, file ${(m.crc32 >>> 0).toString(16).padStart(8, '0')})`,
      });
      await rx.close();
      expect(got).toEqual([]);
    });

    it('a truncated .dat is SEGMENT_CORRUPT', async () => {
      const d = await dirs();
      const dats = await written(d);
      const dat = path.join(d.drop, dats[0]!);
      await fsp.truncate(dat, (await fsp.stat(dat)).size - 10);
      const rx = receiver(d);
      await expect(withTimeout(take(rx, 300), 20_000, 'receiving')).rejects.toMatchObject({
        code: 'SEGMENT_CORRUPT',
        message: expect.stringMatching(/length mismatch/),
      });
      await rx.close();
    });
  });

  it('a missing segment stops the receiver with SEQUENCE_GAP naming the origin and the seqs', async () => {
    const d = await dirs();
    const tx = sender(d, 0.01);
    await tx.open();
    await sendRange(tx, [3], 1, 500);
    await tx.close();
    const recs = await listExt(d.drop, '.rec');
    expect(recs.length).toBeGreaterThanOrEqual(4);
    const lost = await manifest(path.join(d.drop, recs[2]!));
    const next = recs[3]!.replace(/\.rec$/, '.dat');
    await fsp.unlink(path.join(d.drop, recs[2]!));
    await fsp.unlink(path.join(d.drop, recs[2]!.replace(/\.rec$/, '.dat')));

    const rx = receiver(d);
    const got: Frame[] = [];
    const nextSeq = BigInt(lost.lastSeq) + 1n;
    await expect(withTimeout(take(rx, 500, got), 20_000, 'receiving')).rejects.toMatchObject({
      code: 'SEQUENCE_GAP',
      message: `dir ${d.drop}: missing sequence for origin 3: expected ${lost.firstSeq}, next segment ${next} starts at ${nextSeq}`,
    });
    await rx.close();
    expect(seqsOf(got, 3)).toEqual(range(1, Number(lost.firstSeq) - 1));
  });

  it('a gap in one origin stops the link even while another origin has data', async () => {
    const d = await dirs();
    const tx = sender(d, 0.01);
    await tx.open();
    await sendRange(tx, [1], 1, 100);
    await sendRange(tx, [2], 1, 2000);
    await tx.close();
    const recs = (await listExt(d.drop, '.rec')).filter((n) => n.startsWith('1_'));
    await fsp.unlink(path.join(d.drop, recs[0]!));
    await fsp.unlink(path.join(d.drop, recs[0]!.replace(/\.rec$/, '.dat')));
    const rx = receiver(d);
    const got: Frame[] = [];
    await expect(withTimeout(take(rx, 2100, got), 20_000, 'receiving')).rejects.toMatchObject({
      code: 'SEQUENCE_GAP',
      message: expect.stringContaining('missing sequence for origin 1: expected 1,'),
    });
    await rx.close();
    expect(got).toEqual([]);
  });

  it('does not consume the open segment (.dat.tmp) before it is rolled', async () => {
    const d = await dirs();
    const tx = sender(d, 64);
    await tx.open();
    await sendRange(tx, [6], 1, 100);
    expect(await listExt(d.drop, '.dat.tmp')).toEqual([`${segmentBase(6, 1n)}.dat.tmp`]);
    const rx = receiver(d);
    const got: Frame[] = [];
    const receiving = take(rx, 150, got);
    await sleep(300);
    expect(got).toHaveLength(0);
    await tx.drain();
    await sendRange(tx, [6], 101, 150);
    await tx.close();
    await withTimeout(receiving, 20_000, `receiving (got ${got.length})`);
    await rx.close();
    expect(seqsOf(got, 6)).toEqual(range(1, 150));
  });

  it('waits for a .dat without .rec (or a .dat.tmp) even when a later segment is complete', async () => {
    const d = await dirs();
    const tx = sender(d, 64);
    await tx.open();
    await sendRange(tx, [8], 1, 50);
    await tx.drain();
    await sendRange(tx, [8], 51, 100);
    await tx.drain();
    await sendRange(tx, [8], 101, 150);
    await tx.close();
    const seg1 = segmentBase(8, 1n);
    const seg2 = segmentBase(8, 51n);
    const hold = path.join(d.root, 'held.rec');
    // seg 1: complete; seg 2: data renamed but no manifest yet; seg 3: complete
    await fsp.rename(path.join(d.drop, `${seg2}.rec`), hold);

    const rx = receiver(d);
    const got: Frame[] = [];
    const receiving = take(rx, 150, got);
    await sleep(300);
    expect(seqsOf(got, 8)).toEqual(range(1, 50));
    // still being written: turn the .dat back into a .dat.tmp, still no error
    await fsp.rename(path.join(d.drop, `${seg2}.dat`), path.join(d.drop, `${seg2}.dat.tmp`));
    await sleep(200);
    expect(got).toHaveLength(50);
    await fsp.rename(path.join(d.drop, `${seg2}.dat.tmp`), path.join(d.drop, `${seg2}.dat`));
    await fsp.rename(hold, path.join(d.drop, `${seg2}.rec`));
    await withTimeout(receiving, 20_000, `receiving (got ${got.length})`);
    await rx.close();
    expect(seqsOf(got, 8)).toEqual(range(1, 150));
    expect(await listExt(d.archive, '.dat')).toEqual([`${seg1}.dat`, `${seg2}.dat`, `${segmentBase(8, 101n)}.dat`]);
  });

  it('archives segments wholly at or below the resume point at start, and deletes when archivePath is empty', async () => {
    const d = await dirs();
    const tx = sender(d, 0.01);
    await tx.open();
    await sendRange(tx, [2], 1, 400);
    await tx.close();
    const recs = await listExt(d.drop, '.rec');
    const m1 = await manifest(path.join(d.drop, recs[1]!));
    // the consumer had processed up to the middle of segment 2 before a crash
    const resumeAt = (BigInt(m1.firstSeq) + BigInt(m1.lastSeq)) / 2n;
    const rx = receiver(d, new Map([[2, { origin: 2, seq: resumeAt, position: '' }]]), '');
    const got = await withTimeout(take(rx, 400 - Number(resumeAt), [], () => false), 20_000, 'receiving');
    expect(seqsOf(got, 2)).toEqual(range(Number(resumeAt) + 1, 400));
    // segment 1 was deleted at start; segment 2 (partly before the resume point) waits for its ack
    const left = await listExt(d.drop, '.rec');
    expect(left).not.toContain(recs[0]);
    expect(left).toContain(recs[1]);
    rx.ack(2, 400n);
    await rx.close();
    expect((await fsp.readdir(d.drop)).filter((n) => /\.(dat|rec)$/.test(n))).toEqual([]);
    expect(await fsp.readdir(d.root)).not.toContain('archive');
  });

  it('rolls on time, and the timer does not keep the process alive', async () => {
    const d = await dirs();
    const tx = sender(d, 64, 0.2);
    await tx.open();
    const acked = new Promise<readonly AckEntry[]>((resolve) => tx.onAck(resolve));
    const t0 = Date.now();
    await sendRange(tx, [9], 1, 10);
    expect(await withTimeout(acked, 5_000, 'time roll')).toEqual([{ origin: 9, seq: 10n }]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(await listExt(d.drop, '.dat.tmp')).toEqual([]);
    expect(await listExt(d.drop, '.rec')).toEqual([`${segmentBase(9, 1n)}.rec`]);
    // a new segment after the roll has its own timer; close() rolls it and clears it
    await sendRange(tx, [9], 11, 12);
    await tx.close();
    expect(await listExt(d.drop, '.rec')).toEqual([`${segmentBase(9, 1n)}.rec`, `${segmentBase(9, 11n)}.rec`]);
    const rx = receiver(d);
    const got = await withTimeout(take(rx, 12), 20_000, 'receiving');
    await rx.close();
    expect(seqsOf(got, 9)).toEqual(range(1, 12));
  });

  it('close() ends an idle receiver promptly', async () => {
    const d = await dirs();
    const rx = new DirReceiver({ path: d.drop, archivePath: '', pollSec: 30, resume: () => new Map(), siteid: 1 });
    const got: Frame[] = [];
    const receiving = take(rx, 1, got);
    await sleep(50);
    const t0 = Date.now();
    await rx.close();
    await withTimeout(receiving, 2_000, 'iterator end');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(got).toEqual([]);
  });

  it('keeps encodeFrame bytes unchanged in the .dat', async () => {
    const d = await dirs();
    const tx = sender(d, 64);
    await tx.open();
    await sendRange(tx, [1], 1, 3);
    await tx.close();
    const data = await fsp.readFile(path.join(d.drop, `${segmentBase(1, 1n)}.dat`));
    expect(data.equals(Buffer.concat([1, 2, 3].map((s) => encodeFrame(frame(1, s)))))).toBe(true);
  });
});
