import * as path from 'node:path';
import { logger } from '../log';
import type { OutboundLink } from '../net/link';
import { readJsonIfExists, writeFileAtomic } from '../net/fs-durable';
import type { AckEntry } from '../wire/control';
import type { Spool, SpoolCursor } from './spool';

/**
 * One next hop of a relay: reads the spool from its own cursor and sends to its link.
 * The cursor only moves past frames the hop has acknowledged (or that the hop said it
 * already had), and is saved to <state>/hop-<n>.json, so a restart re-sends at most
 * what was unacknowledged and the hop's receiver drops those replays by sequence.
 */
export class Hop {
  private readonly log;
  private cursor: SpoolCursor | undefined;
  private readonly acked = new Map<number, bigint>();
  /** frames read from the spool in order, waiting for their ack to move the cursor */
  private inflight: { origin: number; seq: bigint; next: SpoolCursor; done: boolean }[] = [];
  private inflightHead = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;
  private sent = 0;
  /** spool position just after the last frame read */
  private readPos: SpoolCursor | undefined;
  private readonly stateFile: string;

  constructor(
    readonly index: number,
    private readonly spool: Spool,
    private readonly link: OutboundLink,
    stateDir: string,
    /** origins this hop forwards (route siteids); empty = all */
    private readonly origins: ReadonlySet<number>,
  ) {
    this.stateFile = path.join(stateDir, `hop-${index}.json`);
    this.log = logger(`hop${index}`);
  }

  get name(): string {
    return this.link.name;
  }

  /** The saved cursor, or undefined before run() loaded it. Used to release spool files. */
  get savedCursor(): SpoolCursor | undefined {
    return this.cursor;
  }

  async run(): Promise<void> {
    const saved = await readJsonIfExists<SpoolCursor>(this.stateFile);
    this.cursor = saved ?? this.spool.firstCursor();
    this.link.onAck((entries) => this.onAcks(entries));
    const resume = await this.link.open();
    for (const [origin, e] of resume) this.acked.set(origin, e.seq);
    this.log.info(`${this.link.name}: sending from spool file ${this.cursor.file} offset ${this.cursor.offset}`);
    for await (const { frame, next } of this.spool.read(this.cursor)) {
      if (this.stopped) break;
      this.readPos = next;
      const skip = (this.origins.size > 0 && !this.origins.has(frame.origin)) || frame.seq <= (this.acked.get(frame.origin) ?? 0n);
      this.inflight.push({ origin: frame.origin, seq: frame.seq, next, done: skip });
      if (skip) this.advance();
      else {
        this.sent++;
        await this.link.send(frame);
      }
    }
  }

  /** 'sent 1200, acked 1:1100, cursor 1/115200' for progress lines */
  describe(): string {
    const acked = [...this.acked].map(([o, s]) => `${o}:${s}`).join(' ') || '-';
    const c = this.cursor ? `${this.cursor.file}/${this.cursor.offset}` : '-';
    return `sent ${this.sent}, acked ${acked}, cursor ${c}`;
  }

  private onAcks(entries: readonly AckEntry[]): void {
    for (const e of entries) if ((this.acked.get(e.origin) ?? 0n) < e.seq) this.acked.set(e.origin, e.seq);
    this.advance();
  }

  private advance(): void {
    let moved = false;
    while (this.inflightHead < this.inflight.length) {
      const h = this.inflight[this.inflightHead]!;
      if (!h.done && h.seq > (this.acked.get(h.origin) ?? 0n)) break;
      this.cursor = h.next;
      this.inflightHead++;
      moved = true;
    }
    if (this.inflightHead > 4096 && this.inflightHead * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.inflightHead);
      this.inflightHead = 0;
    }
    if (moved && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        void this.save();
      }, 100);
    }
  }

  /** Persists the cursor (serialised: one write at a time, newest wins). */
  save(): Promise<void> {
    const cursor = this.cursor;
    if (!cursor) return this.saving;
    this.saving = this.saving.then(() => writeFileAtomic(this.stateFile, JSON.stringify(cursor))).catch((e: unknown) => {
      this.log.error(`cannot save progress to ${this.stateFile}: ${(e as Error).message}`);
    });
    return this.saving;
  }

  /** Stops after up to `drainMs` spent sending what the spool holds and waiting for its acks. */
  async stop(drainMs: number): Promise<void> {
    if (drainMs > 0) {
      const deadline = Date.now() + drainMs;
      const end = this.spool.endCursor();
      const caughtUp = () => {
        const p = this.readPos ?? this.cursor;
        return p !== undefined && (p.file > end.file || (p.file === end.file && p.offset >= end.offset));
      };
      while (!caughtUp() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const left = Math.max(0, deadline - Date.now());
      await Promise.race([this.link.drain().catch(() => undefined), new Promise((r) => setTimeout(r, left).unref())]);
    }
    this.stopped = true;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.save();
    await this.link.close();
  }
}
