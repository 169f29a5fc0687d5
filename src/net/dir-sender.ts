import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SynctlError } from '../errors';
import { logger } from '../log';
import { encodeFrame, FrameType, type Frame } from '../wire/frame';
import type { AckEntry, ResumeEntry } from '../wire/control';
import type { OutboundLink, ResumeMap } from './link';
import { errnoCode, fsyncDir, readJsonIfExists, writeFileAtomic } from './fs-durable';

/**
 * The dir link, sending side: a file drop that crosses a one-way gate (see
 * ../shared/reference/dmhs.md §5). Frames go, unchanged, into segment files, one open
 * segment per origin:
 *
 *   <origin>_<firstSeq:012>.dat.tmp   being written
 *   <origin>_<firstSeq:012>.dat       finished (fsync'd, renamed)
 *   <origin>_<firstSeq:012>.rec       manifest, written last: a segment is complete when
 *                                     both .dat and .rec exist
 *
 * There is no back channel, so the "ack" is local: a segment is acked once it is durably
 * complete. The sender's own progress lives in `<stateDir>/dir-sender.json`.
 */

const log = logger('dir');

const SEQ_DIGITS = 12;
const WRITE_CHUNK = 1024 * 1024;
export const SENDER_STATE_FILE = 'dir-sender.json';

/** `3_000000000101` */
export function segmentBase(origin: number, firstSeq: bigint): string {
  return `${origin}_${firstSeq.toString().padStart(SEQ_DIGITS, '0')}`;
}

export type SegmentFileKind = 'dat' | 'rec' | 'tmp';

export interface SegmentFileName {
  readonly origin: number;
  readonly firstSeq: bigint;
  /** `3_000000000101` */
  readonly base: string;
  readonly kind: SegmentFileKind;
}

const SEGMENT_NAME = /^(\d{1,10})_(\d{12,20})\.(dat|rec|dat\.tmp)$/;

/** Parses a segment file name; undefined for anything else (temp manifests, state files, dirs). */
export function parseSegmentName(name: string): SegmentFileName | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const origin = Number(m[1]);
  const firstSeq = BigInt(m[2]!);
  if (origin > 0xffffffff || firstSeq < 1n || firstSeq > 0xffffffffffffffffn) return undefined;
  const kind: SegmentFileKind = m[3] === 'dat.tmp' ? 'tmp' : (m[3] as 'dat' | 'rec');
  return { origin, firstSeq, base: `${m[1]}_${m[2]}`, kind };
}

/** The `.rec` manifest as stored (JSON). Sequences are strings: they are u64. */
export interface SegmentManifestJson {
  readonly version: 1;
  readonly origin: number;
  readonly firstSeq: string;
  readonly lastSeq: string;
  readonly firstPosition: string;
  readonly lastPosition: string;
  readonly frames: number;
  readonly bytes: number;
  /** zlib.crc32 of the whole .dat */
  readonly crc32: number;
  readonly createdAt: string;
}

export interface DirSenderOptions {
  /** the drop directory (created if missing) */
  readonly path: string;
  /** roll a segment when it reaches this size; fractions allowed (0.05 = 52,428 bytes) */
  readonly fileSizeMb: number;
  /** roll a segment once it has been open this long; 0 disables the time roll */
  readonly fileTimeSec: number;
  /** where `dir-sender.json` lives (created if missing) */
  readonly stateDir: string;
}

interface Progress {
  seq: bigint;
  position: string;
}

interface OpenSegment {
  readonly origin: number;
  readonly firstSeq: bigint;
  readonly firstPosition: string;
  readonly tmpPath: string;
  readonly fh: fsp.FileHandle;
  lastSeq: bigint;
  lastPosition: string;
  frames: number;
  bytes: number;
  crc: number;
  /** encoded frames not yet written to the file */
  pending: Buffer[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
}

interface SenderStateJson {
  version: 1;
  origins: Record<string, { seq: string; position: string }>;
  updatedAt: string;
}

export class DirSender implements OutboundLink {
  readonly name: string;
  private readonly dir: string;
  private readonly stateFile: string;
  private readonly maxBytes: number;
  private readonly timeMs: number;
  /** durably complete per origin (what dir-sender.json says) */
  private readonly written = new Map<number, Progress>();
  /** last seq accepted per origin, including the open segment */
  private readonly accepted = new Map<number, bigint>();
  private readonly segments = new Map<number, OpenSegment>();
  private readonly listeners: Array<(entries: readonly AckEntry[]) => void> = [];
  /** every file operation runs in this chain, so a timer roll never interleaves with a send */
  private chain: Promise<void> = Promise.resolve();
  private state: 'new' | 'open' | 'closed' = 'new';
  /** an I/O error leaves the open segments in an unknown state: everything after it fails */
  private failure: unknown;
  private rolled = 0;

  constructor(opts: DirSenderOptions) {
    if (!(opts.fileSizeMb > 0)) throw new SynctlError('INTERNAL', `dir ${opts.path}: fileSizeMb must be > 0`);
    if (!(opts.fileTimeSec >= 0)) throw new SynctlError('INTERNAL', `dir ${opts.path}: fileTimeSec must be >= 0`);
    this.dir = path.resolve(opts.path);
    this.name = `dir ${opts.path}`;
    this.stateFile = path.join(path.resolve(opts.stateDir), SENDER_STATE_FILE);
    this.maxBytes = Math.max(1, Math.floor(opts.fileSizeMb * 1024 * 1024));
    this.timeMs = opts.fileTimeSec * 1000;
  }

  async open(): Promise<ResumeMap> {
    if (this.state !== 'new') throw new SynctlError('STATE', `${this.name}: open() called twice`);
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.mkdir(path.dirname(this.stateFile), { recursive: true });
    await this.loadState();
    const adopted = await this.adoptCompleteSegments();
    if (adopted) await this.saveState();
    this.state = 'open';
    const resume: ResumeMap = new Map();
    for (const [origin, p] of this.written) {
      this.accepted.set(origin, p.seq);
      resume.set(origin, { origin, seq: p.seq, position: p.position } satisfies ResumeEntry);
    }
    const summary = [...resume.values()].map((e) => `origin ${e.origin} after seq ${e.seq}`).join(', ');
    log.info(`${this.name}: open${summary ? `, resuming ${summary}` : ', no previous segments'}`);
    return resume;
  }

  /**
   * Appends a DATA frame to its origin's open segment. Frames at or below what was
   * already accepted are skipped (a restarted caller resending); anything but last+1 is a
   * SEQUENCE_GAP. `position` is the source position of the frame, kept in the manifest and
   * in the sender's state.
   */
  send(frame: Frame, position?: string): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(new SynctlError('STATE', `${this.name}: send() ${this.state === 'new' ? 'before open()' : 'after close()'}`));
    }
    if (frame.type !== FrameType.DATA) {
      return Promise.reject(new SynctlError('PROTOCOL', `${this.name}: only DATA frames go into segments (got type ${frame.type})`));
    }
    const last = this.accepted.get(frame.origin) ?? 0n;
    if (frame.seq <= last) return Promise.resolve();
    if (frame.seq !== last + 1n) {
      return Promise.reject(
        new SynctlError(
          'SEQUENCE_GAP',
          `${this.name}: sequence gap for origin ${frame.origin}: expected ${last + 1n}, got ${frame.seq}`,
          { origin: frame.origin, expected: String(last + 1n), got: String(frame.seq) },
        ),
      );
    }
    this.accepted.set(frame.origin, frame.seq);
    const bytes = encodeFrame(frame);
    return this.serial(() => this.append(frame, bytes, position ?? ''));
  }

  onAck(listener: (entries: readonly AckEntry[]) => void): void {
    this.listeners.push(listener);
  }

  /** Rolls every open segment: once it resolves, everything sent is in complete segments. */
  drain(): Promise<void> {
    return this.serial(() => this.rollAll());
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    try {
      if (wasOpen) await this.serial(() => this.rollAll());
    } finally {
      // On failure the open segments stay as .dat.tmp: never consumed, rewritten on restart.
      for (const seg of this.segments.values()) {
        clearTimeout(seg.timer);
        await seg.fh.close().catch(() => undefined);
      }
      this.segments.clear();
      if (wasOpen) log.info(`${this.name}: closed after ${this.rolled} segment(s)`);
    }
  }

  // ---------------------------------------------------------------- internals

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return fn().catch((e: unknown) => {
        this.failure ??= e;
        throw e;
      });
    });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async append(frame: Frame, bytes: Buffer, position: string): Promise<void> {
    let seg = this.segments.get(frame.origin);
    if (seg && seg.bytes > 0 && seg.bytes + bytes.length > this.maxBytes) {
      await this.roll(seg);
      seg = undefined;
    }
    seg ??= await this.startSegment(frame.origin, frame.seq, position);
    seg.crc = zlib.crc32(bytes, seg.crc);
    seg.bytes += bytes.length;
    seg.frames++;
    seg.lastSeq = frame.seq;
    seg.lastPosition = position;
    seg.pending.push(bytes);
    seg.pendingBytes += bytes.length;
    if (seg.pendingBytes >= WRITE_CHUNK) await this.flush(seg);
    if (seg.bytes >= this.maxBytes) await this.roll(seg);
  }

  private async startSegment(origin: number, firstSeq: bigint, position: string): Promise<OpenSegment> {
    const tmpPath = path.join(this.dir, `${segmentBase(origin, firstSeq)}.dat.tmp`);
    const fh = await fsp.open(tmpPath, 'w');
    const seg: OpenSegment = {
      origin,
      firstSeq,
      firstPosition: position,
      tmpPath,
      fh,
      lastSeq: firstSeq,
      lastPosition: position,
      frames: 0,
      bytes: 0,
      crc: 0,
      pending: [],
      pendingBytes: 0,
      timer: undefined,
    };
    if (this.timeMs > 0) {
      seg.timer = setTimeout(() => this.onTimer(seg), this.timeMs);
      seg.timer.unref();
    }
    this.segments.set(origin, seg);
    return seg;
  }

  private onTimer(seg: OpenSegment): void {
    this.serial(async () => {
      if (this.segments.get(seg.origin) === seg) await this.roll(seg);
    }).catch((e: unknown) => {
      log.error(`${this.name}: time roll of ${segmentBase(seg.origin, seg.firstSeq)} failed: ${String(e)}`);
    });
  }

  private async flush(seg: OpenSegment): Promise<void> {
    if (seg.pendingBytes === 0) return;
    const chunk = seg.pending.length === 1 ? seg.pending[0]! : Buffer.concat(seg.pending, seg.pendingBytes);
    seg.pending = [];
    seg.pendingBytes = 0;
    let at = 0;
    while (at < chunk.length) {
      const { bytesWritten } = await seg.fh.write(chunk, at, chunk.length - at);
      at += bytesWritten;
    }
  }

  private async rollAll(): Promise<void> {
    for (const seg of [...this.segments.values()]) await this.roll(seg);
  }

  /**
   * Finishes a segment. Order matters: the receiver takes a segment only when both .dat
   * and .rec exist, so the data is on disk and renamed before its manifest appears.
   */
  private async roll(seg: OpenSegment): Promise<void> {
    clearTimeout(seg.timer);
    this.segments.delete(seg.origin);
    await this.flush(seg);
    await seg.fh.sync();
    await seg.fh.close();
    const base = segmentBase(seg.origin, seg.firstSeq);
    const datPath = path.join(this.dir, `${base}.dat`);
    const recPath = path.join(this.dir, `${base}.rec`);
    // A manifest of an earlier segment with the same first seq (state lost, frames resent)
    // must not sit beside the new data even for a moment.
    const stale = await fsp.unlink(recPath).then(
      () => true,
      (e: unknown) => {
        if (errnoCode(e) === 'ENOENT') return false;
        throw e;
      },
    );
    if (stale) await fsyncDir(this.dir);
    await fsp.rename(seg.tmpPath, datPath);
    await fsyncDir(this.dir);
    const manifest: SegmentManifestJson = {
      version: 1,
      origin: seg.origin,
      firstSeq: String(seg.firstSeq),
      lastSeq: String(seg.lastSeq),
      firstPosition: seg.firstPosition,
      lastPosition: seg.lastPosition,
      frames: seg.frames,
      bytes: seg.bytes,
      crc32: seg.crc,
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(recPath, JSON.stringify(manifest) + '\n');
    this.written.set(seg.origin, { seq: seg.lastSeq, position: seg.lastPosition });
    await this.saveState();
    this.rolled++;
    log.info(`${this.name}: rolled ${base}.dat: seq ${seg.firstSeq}..${seg.lastSeq}, ${seg.frames} frame(s), ${seg.bytes} bytes`);
    this.notify([{ origin: seg.origin, seq: seg.lastSeq }]);
  }

  private notify(entries: readonly AckEntry[]): void {
    for (const l of this.listeners) {
      try {
        l(entries);
      } catch (e) {
        log.error(`${this.name}: ack listener failed: ${String(e)}`);
      }
    }
  }

  private async loadState(): Promise<void> {
    const raw = await readJsonIfExists<unknown>(this.stateFile);
    if (raw === undefined) return;
    const bad = (why: string): SynctlError =>
      new SynctlError('STATE', `${this.stateFile}: ${why}`, { path: this.stateFile });
    if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) {
      throw bad('not a version 1 dir-sender state');
    }
    const origins = (raw as { origins?: unknown }).origins;
    if (typeof origins !== 'object' || origins === null) throw bad('missing "origins"');
    for (const [key, value] of Object.entries(origins as Record<string, unknown>)) {
      const origin = Number(key);
      const v = value as { seq?: unknown; position?: unknown } | null;
      if (!/^\d+$/.test(key) || origin > 0xffffffff || typeof v !== 'object' || v === null) {
        throw bad(`bad entry for origin "${key}"`);
      }
      if (typeof v.seq !== 'string' || !/^\d+$/.test(v.seq) || typeof v.position !== 'string') {
        throw bad(`bad entry for origin ${key}: need {seq: "<digits>", position: "<text>"}`);
      }
      this.written.set(origin, { seq: BigInt(v.seq), position: v.position });
    }
  }

  private async saveState(): Promise<void> {
    const origins: SenderStateJson['origins'] = {};
    for (const [origin, p] of [...this.written].sort((a, b) => a[0] - b[0])) {
      origins[String(origin)] = { seq: String(p.seq), position: p.position };
    }
    const json: SenderStateJson = { version: 1, origins, updatedAt: new Date().toISOString() };
    await writeFileAtomic(this.stateFile, JSON.stringify(json, null, 2) + '\n');
  }

  /**
   * A crash between writing a manifest and saving the state leaves complete segments the
   * state does not know about. Adopt them, so they are not rewritten under the same name.
   * Returns true when the state moved.
   */
  private async adoptCompleteSegments(): Promise<boolean> {
    const byOrigin = new Map<number, SegmentFileName[]>();
    const names = new Set(await fsp.readdir(this.dir));
    for (const name of names) {
      const n = parseSegmentName(name);
      if (n?.kind !== 'rec' || !names.has(`${n.base}.dat`)) continue;
      const list = byOrigin.get(n.origin) ?? [];
      list.push(n);
      byOrigin.set(n.origin, list);
    }
    let moved = false;
    for (const [origin, list] of byOrigin) {
      list.sort((a, b) => (a.firstSeq < b.firstSeq ? -1 : a.firstSeq > b.firstSeq ? 1 : 0));
      const p: Progress = this.written.get(origin) ?? { seq: 0n, position: '' };
      for (const n of list) {
        if (n.firstSeq > p.seq + 1n) break;
        const m = await readJsonIfExists<SegmentManifestJson>(path.join(this.dir, `${n.base}.rec`)).catch(() => undefined);
        if (typeof m?.lastSeq !== 'string' || !/^\d+$/.test(m.lastSeq)) continue;
        const lastSeq = BigInt(m.lastSeq);
        if (lastSeq > p.seq) {
          p.seq = lastSeq;
          p.position = typeof m.lastPosition === 'string' ? m.lastPosition : '';
          moved = true;
          log.info(`${this.name}: adopted complete segment ${n.base} (origin ${origin} up to seq ${lastSeq})`);
        }
      }
      if (p.seq > 0n) this.written.set(origin, p);
    }
    return moved;
  }
}
