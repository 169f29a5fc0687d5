import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { SynctlError, isSynctlError } from '../errors';
import { logger } from '../log';
import { FrameDecoder, HEADER_SIZE, encodeFrame, type Frame } from '../wire/frame';
import type { ResumeMap } from '../net/link';
import { fsyncDir, readJsonIfExists, writeFileAtomic } from '../net/fs-durable';
import { SequenceTracker } from '../net/sequence';

const log = logger('spool');

/**
 * The durable frame log of a relay (transfer or route). Received frames are appended and
 * fsync'd before the previous hop gets its ACK; every next hop reads the log from its own
 * cursor, so a slow or dead hop holds data back for itself only.
 *
 * Layout in <state>/spool/:
 *   000000000001.log   frames, exactly as on the wire (each with its own CRCs)
 *   000000000001.idx   written when a log file is rolled: per-origin last seq, size
 *   base.json          per-origin last seq of log files already released (deleted)
 * Only the newest log file is scanned at start; older ones are summarised by their .idx.
 */

export interface SpoolCursor {
  readonly file: number;
  readonly offset: number;
}

interface FileSummary {
  readonly file: number;
  readonly bytes: number;
  /** origin → last seq in this file */
  readonly last: Record<string, string>;
}

const NAME_RE = /^(\d{12})\.log$/;
const fileName = (n: number, ext: string) => `${String(n).padStart(12, '0')}.${ext}`;

export class Spool {
  private readonly dir: string;
  /** per-origin last seq appended (flushed or not): for replay and gap checks */
  private readonly last: SequenceTracker;
  /** per-origin last seq that is fsync'd: the only thing RESUME may claim */
  private durableLast = new Map<number, bigint>();
  private readonly summaries = new Map<number, FileSummary>();
  private active = 0;
  private activeLast = new Map<number, bigint>();
  private fh: fsp.FileHandle | undefined;
  /** bytes of the active file that are written and fsync'd */
  private durable = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushing: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;
  private firstFile = 0;

  constructor(
    stateDir: string,
    private readonly segmentBytes = 64 * 1024 * 1024,
  ) {
    this.dir = path.join(stateDir, 'spool');
    this.last = new SequenceTracker(`spool ${this.dir}`);
  }

  async open(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const base = (await readJsonIfExists<Record<string, string>>(path.join(this.dir, 'base.json'))) ?? {};
    for (const [o, s] of Object.entries(base)) this.last.raise(Number(o), BigInt(s));
    const files = (await fsp.readdir(this.dir))
      .map((n) => NAME_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of files.slice(0, -1)) {
      const s = await readJsonIfExists<FileSummary>(path.join(this.dir, fileName(n, 'idx')));
      // a crash between the roll and the .idx write: summarise by scanning
      const summary = s ?? (await this.scan(n, false)).summary;
      this.summaries.set(n, summary);
      this.merge(summary.last);
    }
    this.firstFile = files[0] ?? 1;
    this.active = files[files.length - 1] ?? 1;
    const { summary } = await this.scan(this.active, true);
    this.activeLast = new Map(Object.entries(summary.last).map(([o, s]) => [Number(o), BigInt(s)]));
    this.merge(summary.last);
    this.fh = await fsp.open(path.join(this.dir, fileName(this.active, 'log')), 'a+');
    this.durable = summary.bytes;
    this.durableLast = new Map(this.last.entries());
    log.debug(`opened ${this.dir}: files ${this.firstFile}..${this.active}, ${this.durableLast.size} origins`);
  }

  /** Per-origin last sequence held durably: what RESUME tells the previous hop. */
  progress(): ResumeMap {
    const m: ResumeMap = new Map();
    for (const [origin, seq] of this.durableLast) m.set(origin, { origin, seq, position: '' });
    return m;
  }

  /** Where a hop with no saved cursor starts: the oldest data still held. */
  firstCursor(): SpoolCursor {
    return { file: this.firstFile, offset: 0 };
  }

  /** Just past the last durable frame. */
  endCursor(): SpoolCursor {
    return { file: this.active, offset: this.durable };
  }

  /**
   * Appends a DATA frame (buffered until flush). Replays at or below what is held are
   * ignored; a frame past the next sequence is a gap in the upstream and an error.
   * Returns false for an ignored replay.
   */
  append(frame: Frame): boolean {
    if (!this.last.accept(frame.origin, frame.seq)) return false;
    this.activeLast.set(frame.origin, frame.seq);
    const bytes = encodeFrame(frame);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    return true;
  }

  get unflushedBytes(): number {
    return this.pendingBytes;
  }

  /** Writes and fsyncs everything appended so far; readers then see it. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pendingBytes ? this.flush() : undefined));
    if (this.pendingBytes === 0) return Promise.resolve();
    this.flushing = this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const chunks = this.pending;
    const size = this.pendingBytes;
    const upto = new Map(this.last.entries()); // everything appended so far is in `chunks`
    this.pending = [];
    this.pendingBytes = 0;
    const fh = this.fh!;
    await fh.writev(chunks, this.durable);
    await fh.sync();
    this.durable += size;
    this.durableLast = upto;
    if (this.durable >= this.segmentBytes) await this.roll();
    const w = this.waiters;
    this.waiters = [];
    w.forEach((fn) => fn());
  }

  private async roll(): Promise<void> {
    const summary: FileSummary = {
      file: this.active,
      bytes: this.durable,
      last: Object.fromEntries([...this.activeLast].map(([o, s]) => [String(o), String(s)])),
    };
    await writeFileAtomic(path.join(this.dir, fileName(this.active, 'idx')), JSON.stringify(summary));
    this.summaries.set(this.active, summary);
    await this.fh!.close();
    this.active++;
    this.activeLast = new Map();
    this.fh = await fsp.open(path.join(this.dir, fileName(this.active, 'log')), 'a+');
    this.durable = 0;
    await fsyncDir(this.dir);
  }

  /** Frames from `cursor` on, waiting for new ones at the end, until close(). */
  async *read(cursor: SpoolCursor): AsyncGenerator<{ frame: Frame; next: SpoolCursor }> {
    let { file, offset } = cursor;
    if (file < this.firstFile) ({ file, offset } = this.firstCursor());
    while (!this.closed) {
      const end = file === this.active ? this.durable : this.summaries.get(file)?.bytes;
      if (end === undefined) throw new SynctlError('STATE', `spool ${this.dir}: file ${fileName(file, 'log')} is missing`);
      if (offset >= end) {
        if (file < this.active) {
          file++;
          offset = 0;
          continue;
        }
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const rh = await fsp.open(path.join(this.dir, fileName(file, 'log')), 'r');
      try {
        const decoder = new FrameDecoder({ where: `spool ${path.join(this.dir, fileName(file, 'log'))}` });
        let readAt = offset;
        let frameAt = offset;
        const stop = end;
        while (readAt < stop && !this.closed) {
          // a fresh buffer per read: the decoder may still hold the tail of the previous one
          const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, stop - readAt));
          const { bytesRead } = await rh.read(buf, 0, Math.min(buf.length, stop - readAt), readAt);
          if (bytesRead === 0) break;
          readAt += bytesRead;
          for (const f of decoder.push(buf.subarray(0, bytesRead))) {
            frameAt += HEADER_SIZE + f.payload.length;
            const frame: Frame = { type: f.type, flags: f.flags, origin: f.origin, seq: f.seq, payload: Buffer.from(f.payload) };
            yield { frame, next: { file, offset: frameAt } };
          }
        }
        offset = frameAt;
      } finally {
        await rh.close();
      }
    }
  }

  /** Deletes log files that every hop has passed (cursor file numbers below `file`). */
  async release(file: number): Promise<void> {
    if (file <= this.firstFile) return;
    const base: Record<string, string> = {};
    for (const [o, s] of this.durableLast) base[String(o)] = String(s);
    await writeFileAtomic(path.join(this.dir, 'base.json'), JSON.stringify(base));
    for (let n = this.firstFile; n < file && n < this.active; n++) {
      await fsp.rm(path.join(this.dir, fileName(n, 'log')), { force: true });
      await fsp.rm(path.join(this.dir, fileName(n, 'idx')), { force: true });
      this.summaries.delete(n);
      this.firstFile = n + 1;
    }
    log.debug(`released spool files below ${this.firstFile}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.waiters.forEach((fn) => fn());
    this.waiters = [];
    await this.fh?.close();
  }

  private merge(last: Record<string, string>): void {
    for (const [o, s] of Object.entries(last)) this.last.raise(Number(o), BigInt(s));
  }

  /**
   * Reads a log file to rebuild its summary. In the active file a torn tail (a crash
   * mid-write, never acknowledged upstream) is cut off; anything else broken is an error.
   */
  private async scan(n: number, isActive: boolean): Promise<{ summary: FileSummary }> {
    const file = path.join(this.dir, fileName(n, 'log'));
    let data: Buffer;
    try {
      data = await fsp.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { summary: { file: n, bytes: 0, last: {} } };
      throw e;
    }
    const decoder = new FrameDecoder({ where: `spool ${file}` });
    const last: Record<string, string> = {};
    try {
      for (const f of decoder.push(data)) last[String(f.origin)] = String(f.seq);
    } catch (e) {
      // zero-filled blocks after a crash look like a bad header: cut them like a torn tail
      const at = isSynctlError(e, 'FRAME_CORRUPT') ? Number(e.details.offset) : -1;
      if (!isActive || at < 0 || data.subarray(at).some((b) => b !== 0)) throw e;
      log.warn(`spool ${file}: cutting ${data.length - at} zero bytes at offset ${at} (crash during a write)`);
      await fsp.truncate(file, at);
      return this.scan(n, isActive);
    }
    const good = decoder.offset;
    if (good < data.length) {
      if (!isActive) throw new SynctlError('STATE', `spool ${file}: ends inside a frame at offset ${good}`);
      log.warn(`spool ${file}: cutting a torn tail of ${data.length - good} bytes at offset ${good} (crash during a write)`);
      await fsp.truncate(file, good);
    }
    return { summary: { file: n, bytes: good, last } };
  }
}
