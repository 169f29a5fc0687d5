import type { Readable, Writable } from 'node:stream';
import { SynctlError } from '../errors';
import { FrameDecoder, FrameType, encodeFrame, type Frame } from '../wire/frame';
import type { AckEntry } from '../wire/control';
import type { InboundLink, InboundOptions, OutboundLink, ResumeMap } from './link';
import { SequenceTracker } from './sequence';

/**
 * stdio links: a raw frame stream on stdout/stdin so shell pipes chain modules.
 * A pipe has no back channel: the writer counts a frame as delivered once the pipe took
 * it, and the reader relies on its consumer's durable progress to drop replays.
 */
export class StreamSender implements OutboundLink {
  readonly name: string;
  private readonly listeners: ((e: readonly AckEntry[]) => void)[] = [];
  private broken: SynctlError | undefined;

  constructor(
    private readonly out: Writable,
    name = 'stdout',
  ) {
    this.name = name;
    out.on('error', (e: NodeJS.ErrnoException) => {
      this.broken = new SynctlError('NET', `${this.name}: ${e.code === 'EPIPE' ? 'the reading side of the pipe closed' : e.message}`);
    });
  }

  async open(): Promise<ResumeMap> {
    return new Map();
  }

  async send(frame: Frame): Promise<void> {
    if (this.broken) throw this.broken;
    const ok = this.out.write(encodeFrame(frame));
    if (!ok) await new Promise<void>((resolve) => this.out.once('drain', resolve));
    if (this.broken) throw this.broken;
    const entry = [{ origin: frame.origin, seq: frame.seq }];
    for (const l of this.listeners) l(entry);
  }

  onAck(listener: (entries: readonly AckEntry[]) => void): void {
    this.listeners.push(listener);
  }

  async drain(): Promise<void> {
    if (this.broken) throw this.broken;
  }

  async close(): Promise<void> {
    // stdout is never ended here: the process may still write to it (and Node owns fd 1)
  }
}

export class StreamReceiver implements InboundLink {
  constructor(
    private readonly input: Readable,
    private readonly opts: InboundOptions,
    private readonly where = 'stdin',
  ) {}

  async *frames(): AsyncIterable<Frame> {
    const seen = new SequenceTracker(this.where, this.opts.resume());
    const decoder = new FrameDecoder({ where: this.where });
    for await (const chunk of this.input as AsyncIterable<Buffer>) {
      for (const f of decoder.push(chunk)) {
        if (f.type === FrameType.HEARTBEAT) continue;
        if (f.type !== FrameType.DATA) throw new SynctlError('PROTOCOL', `${this.where}: unexpected frame type ${f.type}`);
        if (!seen.accept(f.origin, f.seq)) continue;
        yield { type: f.type, flags: f.flags, origin: f.origin, seq: f.seq, payload: Buffer.from(f.payload) };
      }
    }
    decoder.finish();
  }

  ack(): void {
    // no back channel on a pipe
  }

  async close(): Promise<void> {
    this.input.destroy();
  }
}
