import * as net from 'node:net';
import * as tls from 'node:tls';
import { SynctlError } from '../errors';
import { logger } from '../log';
import type { TlsOptions } from '../config/types';
import { FrameDecoder, FrameType, WIRE_VERSION, encodeFrame, type Frame } from '../wire/frame';
import { HEARTBEAT_FRAME, helloFrame, parseAck, parseError, parseResume, type AckEntry } from '../wire/control';
import type { OutboundLink, ResumeMap } from './link';
import { clientTlsOptions } from './tls';

const log = logger('tcp-send');

export interface TcpSenderOptions {
  readonly host: string;
  readonly port: number;
  /** this module's siteid, sent in HELLO */
  readonly siteid: number;
  /** role name for the peer's logs ('capture', 'transfer', ...) */
  readonly role: string;
  readonly gateway?: boolean;
  readonly tls?: TlsOptions;
  readonly heartbeatMs?: number;
  readonly deadMs?: number;
  /** bytes of unacknowledged frames kept for replay before send() waits (default 64 MiB) */
  readonly maxUnackedBytes?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
}

interface Kept {
  readonly origin: number;
  readonly seq: bigint;
  readonly bytes: Buffer;
}

/** Per-origin FIFO of frames sent but not yet acknowledged. */
class KeptQueue {
  items: Kept[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  peek(): Kept | undefined {
    return this.items[this.head];
  }
  shift(): Kept {
    const k = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as Kept;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return k;
  }
  *all(): Iterable<Kept> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

/**
 * TCP sending end of a link: HELLO, RESUME, then DATA; keeps every unacknowledged frame
 * and replays it after a reconnect (with backoff), so the receiver loses nothing.
 */
export class TcpSender implements OutboundLink {
  readonly name: string;
  private socket: net.Socket | undefined;
  private ready = false;
  private everReady = false;
  private closed = false;
  private fatal: SynctlError | undefined;
  private readonly kept = new Map<number, KeptQueue>();
  private readonly lastAcked = new Map<number, bigint>();
  /** gateway mode: frames written on the current connection awaiting their reply byte */
  private gatewayFifo: { origin: number; seq: bigint }[] = [];
  private gatewayHead = 0;
  private keptBytes = 0;
  private readonly ackListeners: ((e: readonly AckEntry[]) => void)[] = [];
  private spaceWaiters: (() => void)[] = [];
  private drainWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private openWaiter: { resolve: (m: ResumeMap) => void; reject: (e: unknown) => void } | undefined;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private hbTimer: NodeJS.Timeout | undefined;
  private lastRecv = 0;
  private lastSend = 0;
  private connectFailures = 0;

  constructor(private readonly opts: TcpSenderOptions) {
    this.name = `tcp ${opts.host}:${opts.port}${opts.gateway ? ' (gateway)' : ''}`;
    this.backoff = opts.backoffMinMs ?? 100;
  }

  open(): Promise<ResumeMap> {
    return new Promise<ResumeMap>((resolve, reject) => {
      this.openWaiter = { resolve, reject };
      const hb = this.opts.heartbeatMs ?? 5000;
      this.hbTimer = setInterval(() => this.tick(), Math.max(50, Math.floor(hb / 2)));
      this.hbTimer.unref();
      this.connect();
    });
  }

  async send(frame: Frame): Promise<void> {
    if (this.fatal) throw this.fatal;
    if (this.closed) throw new SynctlError('NET', `${this.name}: send after close`);
    const bytes = encodeFrame(frame);
    let q = this.kept.get(frame.origin);
    if (!q) this.kept.set(frame.origin, (q = new KeptQueue()));
    q.items.push({ origin: frame.origin, seq: frame.seq, bytes });
    this.keptBytes += bytes.length;
    if (this.ready && this.socket) this.writeData(frame.origin, frame.seq, bytes);
    const max = this.opts.maxUnackedBytes ?? 64 * 1024 * 1024;
    while (this.keptBytes > max && !this.fatal && !this.closed) {
      await new Promise<void>((r) => this.spaceWaiters.push(r));
    }
    if (this.fatal) throw this.fatal;
  }

  onAck(listener: (entries: readonly AckEntry[]) => void): void {
    this.ackListeners.push(listener);
  }

  drain(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.keptBytes === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** frames sent and not yet acknowledged */
  get unacked(): number {
    let n = 0;
    for (const q of this.kept.values()) n += q.size;
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.socket?.destroy();
    const err = new SynctlError('NET', `${this.name}: link closed`);
    this.openWaiter?.reject(err);
    this.openWaiter = undefined;
    this.drainWaiters.forEach((w) => w.reject(err));
    this.drainWaiters = [];
    this.spaceWaiters.forEach((w) => w());
    this.spaceWaiters = [];
  }

  private connect(): void {
    if (this.closed || this.fatal) return;
    const { host, port } = this.opts;
    const socket = this.opts.tls ? tls.connect({ host, port, ...clientTlsOptions(this.opts.tls, host) }) : net.connect({ host, port });
    this.socket = socket;
    this.ready = false;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10000);
    const decoder = new FrameDecoder({ where: `peer ${host}:${port}` });
    const onConnected = () => {
      this.lastRecv = Date.now();
      if (this.opts.gateway) {
        this.onReady(new Map());
      } else {
        this.write(encodeFrame(helloFrame({ siteid: this.opts.siteid, version: WIRE_VERSION, role: this.opts.role })));
      }
    };
    socket.once(this.opts.tls ? 'secureConnect' : 'connect', onConnected);
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.lastRecv = Date.now();
      try {
        if (this.opts.gateway) this.onGatewayBytes(chunk);
        else for (const f of decoder.push(chunk)) this.onFrame(f);
      } catch (e) {
        log.error(`${this.name}: ${(e as Error).message}; reconnecting`);
        socket.destroy();
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket !== socket) return;
      this.connectFailures++;
      const msg = `${this.name}: ${e.code ?? e.message}`;
      if (this.connectFailures <= 3 || this.connectFailures % 50 === 0) log.warn(`${msg}; retrying in ${this.backoff} ms`);
      else log.debug(msg);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.ready = false;
      this.socket = undefined;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.fatal || this.reconnectTimer) return;
    const delay = Math.round(this.backoff * (0.75 + Math.random() * 0.5));
    this.backoff = Math.min(this.backoff * 2, this.opts.backoffMaxMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case FrameType.RESUME: {
        const map: ResumeMap = new Map();
        for (const e of parseResume(f.payload)) map.set(e.origin, e);
        this.onReady(map);
        return;
      }
      case FrameType.ACK:
        this.onAcks(parseAck(f.payload));
        return;
      case FrameType.HEARTBEAT:
        return;
      case FrameType.ERROR: {
        const e = parseError(f.payload);
        if (e.code === 'SITE_CONFLICT' && !this.everReady) {
          this.fail(new SynctlError('SITE_CONFLICT', `${this.name} refused this sender: ${e.message}`));
          return;
        }
        log.error(`${this.name} reported ${e.code}: ${e.message}`);
        this.socket?.destroy();
        return;
      }
      default:
        throw new SynctlError('PROTOCOL', `unexpected frame type ${f.type} from the receiver`);
    }
  }

  /** Connected and told where the peer stands: drop what it has, replay the rest. */
  private onReady(resume: ResumeMap): void {
    const acks: AckEntry[] = [];
    for (const [origin, e] of resume) {
      const acked = this.lastAcked.get(origin);
      if (acked !== undefined && e.seq < acked) {
        this.fail(
          new SynctlError(
            'PROTOCOL',
            `${this.name} resumes origin ${origin} at seq ${e.seq}, but it had acknowledged up to ${acked}: its state was lost or restored; stopping so frames ${e.seq + 1n}..${acked} are not skipped`,
          ),
        );
        return;
      }
      if (this.dropAcked(origin, e.seq)) acks.push({ origin, seq: e.seq });
    }
    this.ready = true;
    this.backoff = this.opts.backoffMinMs ?? 100;
    if (this.everReady || this.connectFailures > 0) log.info(`${this.name}: connected, resuming`);
    this.everReady = true;
    this.connectFailures = 0;
    this.gatewayFifo = [];
    this.gatewayHead = 0;
    if (this.openWaiter) {
      const w = this.openWaiter;
      this.openWaiter = undefined;
      w.resolve(resume);
    }
    if (acks.length) this.emitAcks(acks);
    for (const q of this.kept.values()) for (const k of q.all()) this.writeData(k.origin, k.seq, k.bytes);
  }

  private onAcks(entries: readonly AckEntry[]): void {
    const fresh: AckEntry[] = [];
    for (const e of entries) if (this.dropAcked(e.origin, e.seq)) fresh.push(e);
    if (fresh.length) this.emitAcks(fresh);
  }

  private onGatewayBytes(chunk: Buffer): void {
    const acked = new Map<number, bigint>();
    for (const b of chunk) {
      const p = this.gatewayFifo[this.gatewayHead];
      if (!p) throw new SynctlError('PROTOCOL', 'gateway replied for a frame that was not sent');
      if (b !== 0) {
        throw new SynctlError('PROTOCOL', `gateway peer refused frame seq ${p.seq} of origin ${p.origin} (reply byte ${b})`);
      }
      this.gatewayHead++;
      acked.set(p.origin, p.seq);
    }
    if (this.gatewayHead > 4096) {
      this.gatewayFifo = this.gatewayFifo.slice(this.gatewayHead);
      this.gatewayHead = 0;
    }
    this.onAcks([...acked].map(([origin, seq]) => ({ origin, seq })));
  }

  /** Forgets kept frames of `origin` up to `seq`; true when that advanced the ack point. */
  private dropAcked(origin: number, seq: bigint): boolean {
    const prev = this.lastAcked.get(origin);
    if (prev !== undefined && prev >= seq) return false;
    this.lastAcked.set(origin, seq);
    const q = this.kept.get(origin);
    while (q && q.size > 0 && q.peek()!.seq <= seq) this.keptBytes -= q.shift().bytes.length;
    const max = this.opts.maxUnackedBytes ?? 64 * 1024 * 1024;
    if (this.keptBytes <= max && this.spaceWaiters.length) {
      const w = this.spaceWaiters;
      this.spaceWaiters = [];
      w.forEach((r) => r());
    }
    if (this.keptBytes === 0 && this.drainWaiters.length) {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      w.forEach((d) => d.resolve());
    }
    return true;
  }

  private emitAcks(entries: readonly AckEntry[]): void {
    for (const l of this.ackListeners) l(entries);
  }

  private writeData(origin: number, seq: bigint, bytes: Buffer): void {
    if (this.opts.gateway) this.gatewayFifo.push({ origin, seq });
    this.write(bytes);
  }

  private write(bytes: Buffer): void {
    this.lastSend = Date.now();
    this.socket?.write(bytes);
  }

  private fail(e: SynctlError): void {
    this.fatal = e;
    log.error(e.message);
    this.socket?.destroy();
    this.openWaiter?.reject(e);
    this.openWaiter = undefined;
    this.drainWaiters.forEach((w) => w.reject(e));
    this.drainWaiters = [];
    this.spaceWaiters.forEach((w) => w());
    this.spaceWaiters = [];
  }

  private tick(): void {
    if (!this.socket || !this.ready) return;
    const now = Date.now();
    const hb = this.opts.heartbeatMs ?? 5000;
    const dead = this.opts.deadMs ?? hb * 3;
    const waiting = this.opts.gateway ? this.gatewayFifo.length > this.gatewayHead : true;
    if (waiting && now - this.lastRecv > dead) {
      log.warn(`${this.name}: no reply for ${now - this.lastRecv} ms; reconnecting`);
      this.socket.destroy();
      return;
    }
    if (!this.opts.gateway && now - this.lastSend >= hb) this.write(encodeFrame(HEARTBEAT_FRAME));
  }
}
