import type { Frame } from '../wire/frame';
import type { AckEntry, ResumeEntry } from '../wire/control';

/**
 * The one interface every transport implements (tcp, gateway, dir, stdio).
 * Transports move frames only; what a frame means is for the roles (transfer, route,
 * capture, exec). Backpressure: `send` resolves when the transport can take more;
 * `frames()` pulls, so a slow consumer slows the producer.
 */

/** Per-origin progress: the last sequence durably taken from each origin siteid. */
export type ResumeMap = Map<number, ResumeEntry>;

/** Frames coming in from the previous hop. */
export interface InboundLink {
  /** DATA frames in arrival order. Frames at or below the resume point are already dropped. */
  frames(): AsyncIterable<Frame>;
  /**
   * The consumer has durably processed every frame of `origin` up to `seq`
   * (cumulative). TCP sends an ACK, dir archives finished segments, stdio ignores it.
   */
  ack(origin: number, seq: bigint, position?: string): void;
  close(): Promise<void>;
}

/** Frames going out to the next hop. */
export interface OutboundLink {
  /** human-readable name for logs and errors: 'tcp 10.0.0.5:5346', 'dir /gap/out', 'stdout' */
  readonly name: string;
  /**
   * Connects (or prepares) and returns where the next hop stands per origin, so the
   * caller starts after it. Must be called once before `send`.
   */
  open(): Promise<ResumeMap>;
  /**
   * Queues a DATA frame; resolves when there is room for more (backpressure).
   * `position` is the source position the frame ends at; links that keep their own
   * progress (dir) record it so a restarted sender can resume from it.
   */
  send(frame: Frame, position?: string): Promise<void>;
  /** Called with cumulative (origin, seq) pairs the next hop has durably taken. */
  onAck(listener: (entries: readonly AckEntry[]) => void): void;
  /** Resolves once every frame sent so far has been acked (dir: written and renamed). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Factory input for an inbound link: where to resume, per origin, from the consumer's durable state. */
export interface InboundOptions {
  readonly resume: () => ResumeMap;
  /** siteid of this module (HELLO/log lines) */
  readonly siteid: number;
}
