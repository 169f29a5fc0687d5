import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../net/fs-durable';

/**
 * A capture's own progress, in <state>/:
 *   checkpoint.json  {seq, position}: the last frame the next hop acknowledged (or, for
 *                    links with no back channel, the last frame handed over)
 *   sent.log         "seq position" per frame sent since that checkpoint, written before
 *                    the frame goes out, so a RESUME naming any of those sequences maps
 *                    back to the binlog position to continue from
 */
export interface Checkpoint {
  readonly seq: bigint;
  /** serialised position ('' = from the start of the input) */
  readonly position: string;
}

export class CaptureState {
  private readonly checkpointFile: string;
  private readonly sentFile: string;
  private sent: fsp.FileHandle | undefined;

  constructor(readonly dir: string) {
    this.checkpointFile = path.join(dir, 'checkpoint.json');
    this.sentFile = path.join(dir, 'sent.log');
  }

  async load(): Promise<Checkpoint> {
    await fsp.mkdir(this.dir, { recursive: true });
    const c = await readJsonIfExists<{ seq: string; position: string }>(this.checkpointFile);
    return c ? { seq: BigInt(c.seq), position: c.position } : { seq: 0n, position: '' };
  }

  /** Position of a sequence sent after the checkpoint, from sent.log. */
  async positionOf(seq: bigint): Promise<string | undefined> {
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

  /** Records a frame about to be sent. */
  async willSend(seq: bigint, position: string): Promise<void> {
    this.sent ??= await fsp.open(this.sentFile, 'a');
    await this.sent.write(`${seq} ${position}\n`);
  }

  /**
   * Saves the checkpoint durably and forgets sent.log entries at or below it. The entries
   * after it stay: frames sent but not yet acknowledged when the checkpoint was taken may
   * be what a next hop answering RESUME by sequence alone (a relay's spool) holds last.
   */
  async commit(c: Checkpoint): Promise<void> {
    await writeFileAtomic(this.checkpointFile, JSON.stringify({ seq: String(c.seq), position: c.position }));
    await this.sent?.close();
    this.sent = undefined;
    const later = (await this.sentEntries()).filter((e) => e.seq > c.seq);
    if (later.length === 0) await fsp.rm(this.sentFile, { force: true });
    else await writeFileAtomic(this.sentFile, later.map((e) => `${e.seq} ${e.position}\n`).join(''));
  }

  async close(): Promise<void> {
    await this.sent?.close();
    this.sent = undefined;
  }
}
