import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../net/fs-durable';

/**
 * A capture's own progress, in <state>/:
 *   checkpoint.json  {seq, position}: the last frame the next hop acknowledged (or, for
 *                    links with no back channel, the last frame handed over)
 *   sent.log         "seq position" per frame sent, written before the frame goes out,
 *                    so a RESUME naming a sequence after the checkpoint maps back to the
 *                    binlog position to continue from (entries at or below the
 *                    checkpoint are stale, trimmed now and then)
 */
export interface Checkpoint {
  readonly seq: bigint;
  /** serialised position ('' = from the start of the input) */
  readonly position: string;
}

/** Stale sent.log entries (at or below the checkpoint) tolerated before the file is rewritten. */
const STALE_ENTRIES_KEPT = 1_000;

export class CaptureState {
  private readonly checkpointFile: string;
  private readonly sentFile: string;
  private sent: fsp.FileHandle | undefined;
  /** sent.log as written: its entries, oldest first */
  private entries: { seq: bigint; position: string }[] = [];
  /** entries at or below it are stale: they resolve nothing */
  private checkpointSeq = 0n;
  /** sent.log's writers, one at a time (a frame's record must not be lost to a rewrite) */
  private sentLock: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.checkpointFile = path.join(dir, 'checkpoint.json');
    this.sentFile = path.join(dir, 'sent.log');
  }

  async load(): Promise<Checkpoint> {
    await fsp.mkdir(this.dir, { recursive: true });
    const c = await readJsonIfExists<{ seq: string; position: string }>(this.checkpointFile);
    const checkpoint = c ? { seq: BigInt(c.seq), position: c.position } : { seq: 0n, position: '' };
    this.checkpointSeq = checkpoint.seq;
    this.entries = await this.sentEntries();
    return checkpoint;
  }

  /** Position of a sequence sent after the checkpoint, from sent.log. */
  async positionOf(seq: bigint): Promise<string | undefined> {
    if (seq <= this.checkpointSeq) return undefined;
    for (const e of await this.sentEntries()) if (e.seq === seq) return e.position;
    return undefined;
  }

  /** sent.log's entries, oldest first (none when it does not exist) */
  private async sentEntries(): Promise<{ seq: bigint; position: string }[]> {
    let text: string;
    try {
      text = await fsp.readFile(this.sentFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { seq: bigint; position: string }[] = [];
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) out.push({ seq: BigInt(line.slice(0, sp)), position: line.slice(sp + 1) });
    }
    return out;
  }

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.sentLock.then(f, f);
    this.sentLock = run.catch(() => undefined);
    return run;
  }

  /** Records a frame about to be sent. */
  willSend(seq: bigint, position: string): Promise<void> {
    return this.exclusive(async () => {
      this.sent ??= await fsp.open(this.sentFile, 'a');
      await this.sent.write(`${seq} ${position}\n`);
      this.entries.push({ seq, position });
    });
  }

  /**
   * Saves the checkpoint durably. The sent.log entries after it stay: frames sent but not
   * yet acknowledged when the checkpoint was taken may be what a next hop answering RESUME
   * by sequence alone (a relay's spool) holds last. Those at or below it are stale; the
   * file is removed when nothing follows the checkpoint, and rewritten only once a
   * thousand stale entries have piled up, so that frames are not held up behind a
   * rewrite's fsync at every checkpoint (capture checkpoints while it sends).
   */
  async commit(c: Checkpoint): Promise<void> {
    await writeFileAtomic(this.checkpointFile, JSON.stringify({ seq: String(c.seq), position: c.position }));
    if (c.seq > this.checkpointSeq) this.checkpointSeq = c.seq;
    await this.exclusive(async () => {
      const later = this.entries.filter((e) => e.seq > this.checkpointSeq);
      if (later.length > 0 && this.entries.length - later.length < STALE_ENTRIES_KEPT) return;
      await this.sent?.close();
      this.sent = undefined;
      this.entries = later;
      if (later.length === 0) await fsp.rm(this.sentFile, { force: true });
      else await writeFileAtomic(this.sentFile, later.map((e) => `${e.seq} ${e.position}\n`).join(''));
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.sent?.close();
      this.sent = undefined;
    });
  }
}
