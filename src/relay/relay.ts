import type { RecvConfig, SendConfig } from '../config/types';
import { SynctlError } from '../errors';
import { logger } from '../log';
import { createInbound, createOutbound, hopStateDir } from '../net/factory';
import type { InboundLink } from '../net/link';
import { Hop } from './hop';
import { Spool } from './spool';

export type RelayRole = 'transfer' | 'route';

export interface RelayOptions {
  readonly role: RelayRole;
  readonly siteid: number;
  readonly stateDir: string;
  readonly recvs: readonly Pick<RecvConfig, 'source' | 'gateway' | 'tls'>[];
  readonly sends: readonly Pick<SendConfig, 'target' | 'gateway' | 'tls' | 'siteids'>[];
  readonly heartbeatMs?: number;
  /** spool file size before rolling (tests use small ones) */
  readonly spoolSegmentBytes?: number;
}

/**
 * transfer and route: recvs → durable spool → N hops. A frame is acknowledged upstream
 * only once it is fsync'd in the spool; each hop keeps its own cursor, so one slow or dead
 * hop never costs the others anything. Route differs only in that a hop may forward
 * a subset of origins (its siteids rule).
 */
export class Relay {
  private readonly log;
  private readonly spool: Spool;
  private inbounds: InboundLink[] = [];
  private hops: Hop[] = [];
  private hopRuns: Promise<void>[] = [];
  private releaseTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private endedInbounds = 0;
  private received = 0;
  private failure: unknown;
  private readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly opts: RelayOptions) {
    this.log = logger(opts.role);
    this.spool = new Spool(opts.stateDir, opts.spoolSegmentBytes);
    this.done = new Promise((r) => (this.finish = r));
  }

  async start(): Promise<void> {
    if (this.opts.recvs.length === 0) throw new SynctlError('CONFIG_INVALID', `${this.opts.role}: no recv configured`);
    if (this.opts.sends.length === 0) throw new SynctlError('CONFIG_INVALID', `${this.opts.role}: no send configured`);
    await this.spool.open();
    this.hops = this.opts.sends.map(
      (s, i) =>
        new Hop(
          i + 1,
          this.spool,
          createOutbound(s, {
            siteid: this.opts.siteid,
            role: this.opts.role,
            stateDir: hopStateDir(this.opts.stateDir, i + 1),
            ...(this.opts.heartbeatMs ? { heartbeatMs: this.opts.heartbeatMs } : {}),
          }),
          this.opts.stateDir,
          new Set(s.siteids),
        ),
    );
    this.hopRuns = this.hops.map((h) =>
      h.run().catch((e: unknown) => {
        // a failed hop stops alone; the others keep going and its data stays in the spool
        if (!this.stopping) this.log.error(`hop ${h.index} (${h.name}) stopped: ${(e as Error).message}`);
      }),
    );
    for (const r of this.opts.recvs) {
      const inbound = await createInbound(r, {
        siteid: this.opts.siteid,
        resume: () => this.spool.progress(),
        ...(this.opts.heartbeatMs ? { heartbeatMs: this.opts.heartbeatMs } : {}),
      });
      this.inbounds.push(inbound);
    }
    for (const inbound of this.inbounds) void this.receive(inbound);
    this.releaseTimer = setInterval(() => {
      void this.release();
      this.logProgress();
    }, 5000);
    this.releaseTimer.unref();
    this.log.info(`${this.opts.role} siteid ${this.opts.siteid}: ${this.inbounds.length} recv, ${this.hops.length} send`);
  }

  /** The TCP port the first recv listens on (tests start on port 0). */
  get listenPorts(): number[] {
    return this.inbounds.map((i) => (i as { port?: number }).port ?? 0);
  }

  /** Resolves when the relay stops: all stdin input relayed, stop() called, or a fatal error. */
  async wait(): Promise<void> {
    await this.done;
    if (this.failure) throw this.failure;
  }

  private async receive(inbound: InboundLink): Promise<void> {
    let toAck = new Map<number, bigint>();
    let flushScheduled = false;
    const flush = async () => {
      flushScheduled = false;
      const acks = toAck;
      toAck = new Map();
      await this.spool.flush(); // covers every frame appended before this call
      for (const [origin, seq] of acks) inbound.ack(origin, seq);
    };
    try {
      for await (const frame of inbound.frames()) {
        this.spool.append(frame);
        this.received++;
        toAck.set(frame.origin, frame.seq);
        if (this.spool.unflushedBytes > 4 * 1024 * 1024) await flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(() => void flush().catch((e: unknown) => this.fail(e)));
        }
      }
      await flush();
      // Only a finite input (stdin) ends by itself: once every recv has ended,
      // deliver what the spool holds and stop.
      if (++this.endedInbounds === this.inbounds.length && !this.stopping) await this.stop(60_000);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.stopping) return;
    this.failure = e;
    this.log.error((e as Error).message);
    void this.stop();
  }

  /** One line every few seconds: what is held, and where each hop stands. */
  private logProgress(): void {
    const held = [...this.spool.progress().values()].map((e) => `${e.origin}:${e.seq}`).join(' ') || 'nothing';
    const hops = this.hops.map((h) => `hop${h.index} ${h.describe()}`).join(', ');
    this.log.info(`received ${this.received} frames; holding ${held}; ${hops}`);
  }

  private async release(): Promise<void> {
    const cursors = this.hops.map((h) => h.savedCursor);
    if (cursors.some((c) => c === undefined)) return;
    const min = Math.min(...cursors.map((c) => c!.file));
    await this.spool.release(min).catch((e: unknown) => this.log.warn(`spool release: ${(e as Error).message}`));
  }

  /** Stops receiving, gives each hop up to `drainMs` to get its frames acknowledged, saves progress. */
  async stop(drainMs = 2000): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    if (this.releaseTimer) clearInterval(this.releaseTimer);
    await Promise.all(this.inbounds.map((i) => i.close()));
    await this.spool.flush().catch(() => undefined);
    await Promise.all(this.hops.map((h) => h.stop(drainMs)));
    await this.spool.close();
    await Promise.all(this.hopRuns);
    this.finish();
  }
}
