import * as net from 'node:net';
import * as tls from 'node:tls';
import { SynctlError, isSynctlError } from '../errors';
import { logger } from '../log';
import type { TlsOptions } from '../config/types';
import { FrameDecoder, FrameType, encodeFrame, type Frame } from '../wire/frame';
import { HEARTBEAT_FRAME, ackFrame, errorFrame, parseHello, resumeFrame, type AckEntry } from '../wire/control';
import { AsyncQueue } from './frame-queue';
import type { InboundLink, InboundOptions } from './link';
import { SequenceTracker } from './sequence';
import { serverTlsOptions } from './tls';

const log = logger('tcp-recv');

export interface TcpReceiverOptions extends InboundOptions {
  readonly host: string;
  /** 0 picks a free port (tests); see `port` after start() */
  readonly port: number;
  /** 网闸 gateway mode: no HELLO/RESUME/ACK, one reply byte per DATA frame (0 ok, 255 error) */
  readonly gateway?: boolean;
  readonly tls?: TlsOptions;
  readonly heartbeatMs?: number;
  /** a peer silent this long is dead (default 3 heartbeats) */
  readonly deadMs?: number;
  /** frames queued for the consumer before sockets are paused */
  readonly queueFrames?: number;
}

interface Conn {
  readonly socket: net.Socket;
  readonly peer: string;
  readonly decoder: FrameDecoder;
  siteid: number | undefined;
  lastRecv: number;
  lastSend: number;
  /** gateway mode: frames waiting for their one-byte reply, in arrival order */
  readonly pendingReplies: AckEntry[];
}

const GATEWAY_OK = Buffer.from([0]);
const GATEWAY_ERR = Buffer.from([255]);

/**
 * TCP receiving end of a link. Accepts any number of upstream senders (a route has
 * several), one connection per siteid. Frames at or below the per-origin progress are
 * replays and are dropped here, so the consumer sees each sequence once.
 */
export class TcpReceiver implements InboundLink {
  private server: net.Server | undefined;
  private readonly conns = new Set<Conn>();
  private readonly bySite = new Map<number, Conn>();
  /** which connection last delivered each origin: ACKs for that origin go there */
  private readonly originConn = new Map<number, Conn>();
  /** highest sequence handed to the consumer per origin (in memory, >= durable); set at start() */
  private delivered = new SequenceTracker('tcp');
  private readonly acked = new Map<number, bigint>();
  private readonly dirtyAcks = new Set<number>();
  private ackScheduled = false;
  private readonly queue: AsyncQueue<Frame>;
  private timer: NodeJS.Timeout | undefined;
  private boundPort = 0;
  private closed = false;

  constructor(private readonly opts: TcpReceiverOptions) {
    this.queue = new AsyncQueue<Frame>(opts.queueFrames ?? 20000);
    this.queue.onDrain(() => {
      for (const c of this.conns) c.socket.resume();
    });
  }

  get name(): string {
    return `tcp ${this.opts.host}:${this.boundPort || this.opts.port}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    this.delivered = new SequenceTracker(`tcp ${this.opts.host}:${this.opts.port}`, this.opts.resume());
    const onConn = (s: net.Socket) => this.accept(s);
    this.server = this.opts.tls ? tls.createServer(serverTlsOptions(this.opts.tls), onConn) : net.createServer(onConn);
    await new Promise<void>((resolve, reject) => {
      const srv = this.server!;
      srv.once('error', (e: NodeJS.ErrnoException) =>
        reject(new SynctlError('NET', `cannot listen on ${this.opts.host}:${this.opts.port}: ${e.code ?? e.message}`)),
      );
      srv.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    const hb = this.opts.heartbeatMs ?? 5000;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(hb / 2)));
    this.timer.unref();
    log.info(`listening on ${this.opts.host}:${this.boundPort}${this.opts.gateway ? ' (gateway mode)' : ''}${this.opts.tls ? ' (TLS)' : ''}`);
    return this.boundPort;
  }

  frames(): AsyncIterable<Frame> {
    if (!this.server) throw new SynctlError('INTERNAL', 'TcpReceiver.frames() before start()');
    return this.queue;
  }

  ack(origin: number, seq: bigint): void {
    const prev = this.acked.get(origin);
    if (prev !== undefined && prev >= seq) return;
    this.acked.set(origin, seq);
    this.scheduleAck(origin);
  }

  private scheduleAck(origin: number): void {
    this.dirtyAcks.add(origin);
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(() => this.flushAcks());
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.flushAcks();
    for (const c of this.conns) c.socket.destroy();
    this.queue.end();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10000);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const conn: Conn = {
      socket,
      peer,
      decoder: new FrameDecoder({ where: `peer ${peer}` }),
      siteid: undefined,
      lastRecv: Date.now(),
      lastSend: Date.now(),
      pendingReplies: [],
    };
    this.conns.add(conn);
    log.debug(`connection from ${peer}`);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (e) => log.debug(`peer ${peer}: ${e.message}`));
    socket.on('close', () => this.drop(conn));
  }

  private drop(conn: Conn): void {
    this.conns.delete(conn);
    if (conn.siteid !== undefined && this.bySite.get(conn.siteid) === conn) this.bySite.delete(conn.siteid);
    for (const [origin, c] of this.originConn) if (c === conn) this.originConn.delete(origin);
    log.debug(`peer ${conn.peer} disconnected`);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    conn.lastRecv = Date.now();
    let frames: Frame[];
    try {
      frames = conn.decoder.push(chunk);
    } catch (e) {
      this.refuse(conn, e);
      return;
    }
    for (const f of frames) {
      if (conn.socket.destroyed) return;
      try {
        this.onFrame(conn, f);
      } catch (e) {
        this.refuse(conn, e);
        return;
      }
    }
  }

  private onFrame(conn: Conn, f: Frame): void {
    const gateway = this.opts.gateway === true;
    if (f.type === FrameType.HEARTBEAT) return;
    if (!gateway && conn.siteid === undefined) {
      if (f.type !== FrameType.HELLO) throw new SynctlError('PROTOCOL', `peer ${conn.peer}: expected HELLO, got frame type ${f.type}`);
      const hello = parseHello(f.payload);
      const other = this.bySite.get(hello.siteid);
      if (other && !other.socket.destroyed) {
        throw new SynctlError(
          'SITE_CONFLICT',
          `siteid ${hello.siteid} is already connected from ${other.peer}; refusing a second connection from ${conn.peer}`,
        );
      }
      conn.siteid = hello.siteid;
      this.bySite.set(hello.siteid, conn);
      log.info(`peer ${conn.peer} is siteid ${hello.siteid} (${hello.role || 'sender'})`);
      this.write(conn, encodeFrame(resumeFrame([...this.opts.resume().values()])));
      return;
    }
    if (f.type !== FrameType.DATA) throw new SynctlError('PROTOCOL', `peer ${conn.peer}: unexpected frame type ${f.type}`);
    if (!this.delivered.accept(f.origin, f.seq, `peer ${conn.peer}`)) {
      // a replay of something we already have
      if (gateway) {
        conn.pendingReplies.push({ origin: f.origin, seq: f.seq });
        this.flushGatewayReplies(conn);
      } else {
        // re-ack on this connection: an ACK sent on the old one may have been lost
        this.originConn.set(f.origin, conn);
        if (this.acked.has(f.origin)) this.scheduleAck(f.origin);
      }
      return;
    }
    this.originConn.set(f.origin, conn);
    if (gateway) conn.pendingReplies.push({ origin: f.origin, seq: f.seq });
    // the decoder's payload is a view into a socket chunk: copy what we keep
    const kept: Frame = { type: f.type, flags: f.flags, origin: f.origin, seq: f.seq, payload: Buffer.from(f.payload) };
    if (!this.queue.push(kept)) conn.socket.pause();
  }

  /** Reports a broken frame or protocol breach to the peer and the log, then hangs up. */
  private refuse(conn: Conn, e: unknown): void {
    const err = isSynctlError(e) ? e : new SynctlError('INTERNAL', String(e));
    const siteNote = conn.siteid !== undefined ? ` (siteid ${conn.siteid})` : '';
    log.error(`${err.message}${siteNote}; closing the connection, the sender will resend`);
    if (this.opts.gateway) conn.socket.write(GATEWAY_ERR);
    else conn.socket.write(encodeFrame(errorFrame({ code: err.code, message: err.message })));
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 200).unref();
    // a half-read connection must not deliver anything more
    conn.socket.removeAllListeners('data');
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    if (this.opts.gateway) {
      for (const c of this.conns) this.flushGatewayReplies(c);
      this.dirtyAcks.clear();
      return;
    }
    const perConn = new Map<Conn, AckEntry[]>();
    for (const origin of this.dirtyAcks) {
      const c = this.originConn.get(origin);
      if (!c || c.socket.destroyed) continue;
      const list = perConn.get(c) ?? [];
      list.push({ origin, seq: this.acked.get(origin)! });
      perConn.set(c, list);
    }
    this.dirtyAcks.clear();
    for (const [c, entries] of perConn) this.write(c, encodeFrame(ackFrame(entries)));
  }

  private flushGatewayReplies(conn: Conn): void {
    let n = 0;
    while (n < conn.pendingReplies.length) {
      const p = conn.pendingReplies[n]!;
      const acked = this.acked.get(p.origin);
      if (acked === undefined || acked < p.seq) break;
      n++;
    }
    if (n === 0) return;
    conn.pendingReplies.splice(0, n);
    this.write(conn, n === 1 ? GATEWAY_OK : Buffer.alloc(n, 0));
  }

  private write(conn: Conn, buf: Buffer): void {
    if (conn.socket.destroyed) return;
    conn.lastSend = Date.now();
    conn.socket.write(buf);
  }

  private tick(): void {
    const now = Date.now();
    const hb = this.opts.heartbeatMs ?? 5000;
    const dead = this.opts.deadMs ?? hb * 3;
    for (const c of this.conns) {
      if (this.opts.gateway) continue; // gateway links carry only frames and reply bytes
      if (now - c.lastRecv > dead) {
        log.warn(`peer ${c.peer}${c.siteid !== undefined ? ` (siteid ${c.siteid})` : ''} silent for ${now - c.lastRecv} ms; dropping it`);
        c.socket.destroy();
      } else if (c.siteid !== undefined && now - c.lastSend >= hb) {
        this.write(c, encodeFrame(HEARTBEAT_FRAME));
      }
    }
  }
}
