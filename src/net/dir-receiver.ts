import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SynctlError } from '../errors';
import { logger } from '../log';
import { decodeAll, FrameType, type Frame } from '../wire/frame';
import type { InboundLink, ResumeMap } from './link';
import { errnoCode } from './fs-durable';
import { parseSegmentName, type SegmentFileName } from './dir-sender';

/**
 * The dir link, receiving side. Polls the drop directory (fs.watch is not reliable on
 * network filesystems or with gate appliances), takes complete segments (`.rec` + `.dat`)
 * per origin in sequence order, verifies each one whole before yielding any of its
 * frames, and archives or deletes a segment only once the consumer has acked all of it.
 */

const log = logger('dir');

export interface DirReceiverOptions {
  /** the drop directory */
  readonly path: string;
  /** where consumed segments go; '' deletes them */
  readonly archivePath: string;
  /** seconds between directory scans when there is nothing to take (fractions allowed) */
  readonly pollSec: number;
  /** the consumer's durable progress per origin, read when frames() starts */
  readonly resume: () => ResumeMap;
  readonly siteid: number;
}

/** A verified manifest. */
interface Manifest {
  readonly origin: number;
  readonly firstSeq: bigint;
  readonly lastSeq: bigint;
  readonly frames: number;
  readonly bytes: number;
  readonly crc32: number;
}

/** The files one segment name has in the directory right now. */
interface SegmentEntry {
  readonly origin: number;
  readonly firstSeq: bigint;
  readonly base: string;
  dat: boolean;
  rec: boolean;
  tmp: boolean;
}

interface Delivered {
  readonly base: string;
  readonly lastSeq: bigint;
}

type Decision =
  | { readonly kind: 'ready'; readonly entry: SegmentEntry; readonly manifest: Manifest }
  | { readonly kind: 'wait' }
  | { readonly kind: 'gap'; readonly expected: bigint; readonly next: SegmentEntry; readonly nextFile: string };

function cmpSeq(a: { firstSeq: bigint }, b: { firstSeq: bigint }): number {
  return a.firstSeq < b.firstSeq ? -1 : a.firstSeq > b.firstSeq ? 1 : 0;
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export class DirReceiver implements InboundLink {
  private readonly dir: string;
  private readonly archive: string;
  private readonly pollMs: number;
  private readonly name: string;
  /** last seq handed to the consumer per origin */
  private readonly taken = new Map<number, bigint>();
  /** last seq the consumer acked per origin (starts at the resume point) */
  private readonly acked = new Map<number, bigint>();
  /** segments handed out (in part or whole) and not yet fully acked, per origin, in order */
  private readonly delivered = new Map<number, Delivered[]>();
  private readonly busy = new Set<string>();
  private readonly disposals = new Set<Promise<void>>();
  private failure: unknown;
  private started = false;
  private closed = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private lastOrigin = -1;
  private consumed = 0;
  private warnedMissing = false;

  constructor(private readonly opts: DirReceiverOptions) {
    if (!(opts.pollSec > 0)) throw new SynctlError('INTERNAL', `dir ${opts.path}: pollSec must be > 0`);
    this.dir = path.resolve(opts.path);
    this.archive = opts.archivePath === '' ? '' : path.resolve(opts.archivePath);
    this.pollMs = Math.max(5, Math.round(opts.pollSec * 1000));
    this.name = `dir ${opts.path}`;
  }

  frames(): AsyncIterable<Frame> {
    if (this.started) throw new SynctlError('STATE', `${this.name}: frames() called twice`);
    this.started = true;
    return this.run();
  }

  ack(origin: number, seq: bigint): void {
    if (seq <= (this.acked.get(origin) ?? 0n)) return;
    this.acked.set(origin, seq);
    this.release(origin);
  }

  /** Disposes of the delivered segments of `origin` that are now acked in full. */
  private release(origin: number): void {
    const acked = this.acked.get(origin) ?? 0n;
    const list = this.delivered.get(origin);
    while (list && list.length > 0 && list[0]!.lastSeq <= acked) {
      const d = list.shift()!;
      void this.dispose(d.base, `acked up to ${acked}`);
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      clearTimeout(this.sleepTimer);
      this.wake?.();
      if (this.started) log.info(`${this.name}: closed after ${this.consumed} segment(s)`);
    }
    while (this.disposals.size > 0) await Promise.allSettled([...this.disposals]);
  }

  // ---------------------------------------------------------------- the loop

  private async *run(): AsyncGenerator<Frame> {
    const resume = this.opts.resume();
    for (const [origin, e] of resume) {
      this.taken.set(origin, e.seq);
      if (e.seq > (this.acked.get(origin) ?? 0n)) this.acked.set(origin, e.seq);
    }
    const summary = [...resume.values()].map((e) => `origin ${e.origin} after seq ${e.seq}`).join(', ');
    log.info(`${this.name}: site ${this.opts.siteid} receiving${summary ? `, resuming ${summary}` : ''}`);
    try {
      while (!this.closed) {
        this.throwFailure();
        const next = await this.pick();
        if (this.closed) break;
        if (next === undefined) {
          await this.sleep();
          continue;
        }
        const frames = await this.load(next.entry, next.manifest);
        if (this.closed) break;
        const origin = next.entry.origin;
        const list = this.delivered.get(origin) ?? [];
        list.push({ base: next.entry.base, lastSeq: next.manifest.lastSeq });
        this.delivered.set(origin, list);
        this.lastOrigin = origin;
        this.consumed++;
        for (const f of frames) {
          if (f.seq <= (this.taken.get(origin) ?? 0n)) continue; // replayed, already taken
          this.taken.set(origin, f.seq);
          yield f;
          if (this.closed) return;
        }
        this.release(origin); // in case the acks already cover it (a segment of replays only)
      }
    } finally {
      this.closed = true;
      clearTimeout(this.sleepTimer);
    }
  }

  private throwFailure(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Not unref'd on purpose: a receiver waiting for files is what keeps a daemon alive. close() clears it. */
  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, this.pollMs);
    }).then(() => {
      this.wake = undefined;
      this.sleepTimer = undefined;
    });
  }

  /**
   * Scans the directory and returns the next segment to take, round-robin over the
   * origins that have one ready; undefined when nothing is ready. A gap in any origin
   * stops the link; it is confirmed by a second scan before it is reported (a rename in
   * progress may hide a file from one readdir).
   */
  private async pick(): Promise<{ entry: SegmentEntry; manifest: Manifest } | undefined> {
    let gap: Extract<Decision, { kind: 'gap' }> | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const byOrigin = await this.scan();
      const ready = new Map<number, { entry: SegmentEntry; manifest: Manifest }>();
      gap = undefined;
      for (const [origin, entries] of byOrigin) {
        const d = await this.decide(origin, entries);
        if (d.kind === 'ready') ready.set(origin, d);
        else if (d.kind === 'gap') gap ??= d;
      }
      // A gap stops everything, even while other origins still have data: seen twice, it is real.
      if (gap === undefined || attempt === 1) {
        if (gap !== undefined || ready.size === 0) break;
        const origins = [...ready.keys()].sort((a, b) => a - b);
        const origin = origins.find((o) => o > this.lastOrigin) ?? origins[0]!;
        return ready.get(origin);
      }
    }
    if (gap === undefined) return undefined;
    const g = gap;
    throw new SynctlError(
      'SEQUENCE_GAP',
      `${this.name}: missing sequence for origin ${g.next.origin}: expected ${g.expected}, next segment ${g.nextFile} starts at ${g.next.firstSeq}`,
      { path: this.dir, origin: g.next.origin, expected: String(g.expected), next: g.nextFile, nextSeq: String(g.next.firstSeq) },
    );
  }

  private async scan(): Promise<Map<number, SegmentEntry[]>> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      if (!this.warnedMissing) log.warn(`${this.name}: directory does not exist (yet); waiting`);
      this.warnedMissing = true;
      names = [];
    }
    const byBase = new Map<string, SegmentEntry>();
    for (const name of names) {
      const n: SegmentFileName | undefined = parseSegmentName(name);
      if (!n) continue;
      let e = byBase.get(n.base);
      if (!e) {
        e = { origin: n.origin, firstSeq: n.firstSeq, base: n.base, dat: false, rec: false, tmp: false };
        byBase.set(n.base, e);
      }
      e[n.kind] = true;
    }
    const byOrigin = new Map<number, SegmentEntry[]>();
    for (const e of byBase.values()) {
      const list = byOrigin.get(e.origin) ?? [];
      list.push(e);
      byOrigin.set(e.origin, list);
    }
    for (const list of byOrigin.values()) list.sort(cmpSeq);
    return byOrigin;
  }

  /** What to do next for one origin, given its files in firstSeq order. */
  private async decide(origin: number, entries: readonly SegmentEntry[]): Promise<Decision> {
    const taken = this.taken.get(origin) ?? 0n;
    const acked = this.acked.get(origin) ?? 0n;
    const expected = taken + 1n;
    const pending = new Set((this.delivered.get(origin) ?? []).map((d) => d.base));
    let incomplete = false;
    for (const e of entries) {
      if (e.firstSeq > expected) {
        // Segments are written one after the other per origin: a later one existing while
        // nothing covers `expected` means that sequence is lost, unless it is still coming.
        if (incomplete) return { kind: 'wait' };
        if (!(e.dat || e.tmp)) continue; // a lone manifest: leftover, not data
        const nextFile = `${e.base}.${e.dat ? 'dat' : 'dat.tmp'}`;
        return { kind: 'gap', expected, next: e, nextFile };
      }
      if (pending.has(e.base) || this.busy.has(e.base)) continue;
      if (!e.rec) {
        // .dat.tmp or .dat without manifest: still being written (or renamed) upstream
        if (e.dat || e.tmp) incomplete = true;
        continue;
      }
      const manifest = await this.readManifest(e);
      if (manifest === undefined) continue; // vanished between readdir and read
      if (manifest.lastSeq < expected) {
        // wholly taken before: processed before a restart, or replayed by the sender
        if (manifest.lastSeq <= acked) await this.dispose(e.base, `at or below the resume point (${acked})`);
        continue;
      }
      if (!e.dat) {
        // a manifest whose data is gone: leftover of an interrupted archive
        continue;
      }
      return { kind: 'ready', entry: e, manifest };
    }
    return { kind: 'wait' };
  }

  private corrupt(file: string, why: string, details: Record<string, unknown> = {}): SynctlError {
    return new SynctlError('SEGMENT_CORRUPT', `segment ${file}: ${why}`, { path: file, ...details });
  }

  private async readManifest(e: SegmentEntry): Promise<Manifest | undefined> {
    const file = path.join(this.dir, `${e.base}.rec`);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw this.corrupt(file, 'manifest is not valid JSON');
    }
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const seq = (key: string): bigint => {
      const v = r[key];
      if (typeof v !== 'string' || !/^\d+$/.test(v)) throw this.corrupt(file, `manifest field ${key} is not a sequence string`);
      return BigInt(v);
    };
    const int = (key: string): number => {
      const v = r[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.corrupt(file, `manifest field ${key} is not a count`);
      return v;
    };
    if (r.version !== 1) throw this.corrupt(file, `unsupported manifest version ${JSON.stringify(r.version)}`);
    const m: Manifest = {
      origin: int('origin'),
      firstSeq: seq('firstSeq'),
      lastSeq: seq('lastSeq'),
      frames: int('frames'),
      bytes: int('bytes'),
      crc32: int('crc32'),
    };
    if (m.origin !== e.origin || m.firstSeq !== e.firstSeq) {
      throw this.corrupt(file, `manifest says origin ${m.origin} seq ${m.firstSeq}, the file name says origin ${e.origin} seq ${e.firstSeq}`);
    }
    if (m.lastSeq < m.firstSeq || BigInt(m.frames) !== m.lastSeq - m.firstSeq + 1n) {
      throw this.corrupt(file, `manifest is inconsistent: seq ${m.firstSeq}..${m.lastSeq} with ${m.frames} frame(s)`);
    }
    return m;
  }

  /** Reads and verifies a whole segment. Nothing is yielded from a segment that fails. */
  private async load(e: SegmentEntry, m: Manifest): Promise<Frame[]> {
    const file = path.join(this.dir, `${e.base}.dat`);
    const buf = await fsp.readFile(file);
    if (buf.length !== m.bytes) {
      throw this.corrupt(file, `length mismatch (manifest ${m.bytes} bytes, file ${buf.length})`, {
        expectedBytes: m.bytes,
        actualBytes: buf.length,
      });
    }
    // Frame checks first: a damaged byte is then reported with its offset.
    const frames = decodeAll(buf, { where: `segment ${file}` });
    const crc = zlib.crc32(buf);
    if (crc !== m.crc32) {
      throw this.corrupt(file, `CRC mismatch (manifest ${hex32(m.crc32)}, file ${hex32(crc)})`, {
        expectedCrc: hex32(m.crc32),
        actualCrc: hex32(crc),
      });
    }
    if (frames.length !== m.frames) throw this.corrupt(file, `manifest says ${m.frames} frame(s), file holds ${frames.length}`);
    let expect = m.firstSeq;
    for (const f of frames) {
      if (f.type !== FrameType.DATA) throw this.corrupt(file, `frame seq ${f.seq} is not a DATA frame (type ${f.type})`);
      if (f.origin !== m.origin) throw this.corrupt(file, `frame seq ${f.seq} has origin ${f.origin}, the segment is origin ${m.origin}`);
      if (f.seq !== expect) throw this.corrupt(file, `frame sequence broken: expected ${expect}, found ${f.seq}`);
      expect++;
    }
    log.debug(`${this.name}: taking ${e.base}.dat: seq ${m.firstSeq}..${m.lastSeq}, ${m.frames} frame(s)`);
    return frames;
  }

  /** Moves a segment's files to the archive (or deletes them): .dat first, then .rec. */
  private dispose(base: string, why: string): Promise<void> {
    if (this.busy.has(base)) return Promise.resolve();
    this.busy.add(base);
    const p = (async () => {
      if (this.archive !== '') await fsp.mkdir(this.archive, { recursive: true });
      for (const ext of ['dat', 'rec']) {
        const from = path.join(this.dir, `${base}.${ext}`);
        try {
          if (this.archive === '') await fsp.unlink(from);
          else await fsp.rename(from, path.join(this.archive, `${base}.${ext}`));
        } catch (e) {
          if (errnoCode(e) !== 'ENOENT') throw e;
        }
      }
      log.debug(`${this.name}: ${this.archive === '' ? 'deleted' : `archived to ${this.archive}:`} ${base} (${why})`);
    })()
      .catch((e: unknown) => {
        log.error(`${this.name}: could not ${this.archive === '' ? 'delete' : 'archive'} ${base}: ${String(e)}`);
        this.failure ??= e;
      })
      .finally(() => {
        this.busy.delete(base);
        this.disposals.delete(p);
      });
    this.disposals.add(p);
    return p;
  }
}
