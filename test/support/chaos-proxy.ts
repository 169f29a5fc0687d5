import * as net from 'node:net';
import { prng } from './prng';

/**
 * A TCP proxy for link tests: forwards client→server and back, and on request cuts every
 * live connection at random moments, or flips one byte of the client→server stream.
 */
export interface ChaosProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** cut all connections every [min,max] ms; undefined = never */
  readonly cutEveryMs?: readonly [number, number];
  /** deterministic randomness */
  readonly seed?: number;
}

export class ChaosProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private timer: NodeJS.Timeout | undefined;
  private rnd: () => number;
  private flipAt: number | undefined;
  private forwarded = 0;
  cuts = 0;
  /** connections made while frozen stay frozen; thaw() affects only new ones */
  private frozen = { value: false };
  port = 0;

  constructor(private readonly opts: ChaosProxyOptions) {
    this.rnd = prng(opts.seed ?? 42);
  }

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.opts.targetPort, this.opts.targetHost);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      const frozenHere = this.frozen;
      client.on('data', (chunk: Buffer) => {
        if (frozenHere.value) return; // a black hole: the connection stays up, nothing passes
        if (this.flipAt !== undefined && this.flipAt >= this.forwarded && this.flipAt < this.forwarded + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[this.flipAt - this.forwarded]! ^= 0x40;
          this.flipAt = undefined;
        }
        this.forwarded += chunk.length;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!frozenHere.value) client.write(chunk);
      });
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    this.schedule();
    return this.port;
  }

  /** Flips one bit of the byte `afterBytes` bytes further into the client→server stream. */
  corruptAfter(afterBytes: number): void {
    this.flipAt = this.forwarded + afterBytes;
  }

  /** Live connections stop passing bytes but stay open (a hung peer or a dead route). */
  freeze(): void {
    this.frozen.value = true;
  }

  /** New connections pass bytes again; the frozen ones stay dead. */
  thaw(): void {
    this.frozen = { value: false };
  }

  cutNow(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    this.cuts++;
  }

  private schedule(): void {
    const range = this.opts.cutEveryMs;
    if (!range) return;
    const delay = range[0] + this.rnd() * (range[1] - range[0]);
    this.timer = setTimeout(() => {
      if (this.pairs.size > 0) this.cutNow();
      this.schedule();
    }, delay);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.cutNow();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
