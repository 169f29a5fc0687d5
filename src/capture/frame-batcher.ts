import type { Transaction } from '../model/change';
import { formatPosition } from '../model/position';
import { encodeBatchFrame } from '../wire/batch';
import type { Frame } from '../wire/frame';

export interface BatchedFrame {
  readonly frame: Frame;
  /** position after the frame's last transaction */
  readonly position: string;
}

/**
 * Cuts the transaction stream into DATA frames of about `maxBytes`, numbering them with
 * the origin's dense sequence. The caller also cuts by time (a quiet source, a batch
 * that has waited long enough), so frame boundaries are not reproducible: nothing relies
 * on them (exec skips replays by source position).
 */
export class FrameBatcher {
  private txs: Transaction[] = [];
  private ops = 0;
  /** when the pending batch got its first transaction (ms) */
  private startedAt = 0;

  constructor(
    private readonly origin: number,
    private seq: bigint,
    private readonly opts: { maxBytes: number; compress: boolean },
  ) {}

  get lastSeq(): bigint {
    return this.seq;
  }

  /** Adds a transaction; returns a frame when the batch is full. */
  add(tx: Transaction): BatchedFrame | undefined {
    if (this.txs.length === 0) this.startedAt = Date.now();
    this.txs.push(tx);
    this.ops += tx.ops.length;
    // a cheap size estimate (most row images are well under 512 bytes) decides when to encode
    return this.ops * 512 >= this.opts.maxBytes ? this.flush() : undefined;
  }

  /** How long the oldest pending transaction has waited (0 when none). */
  ageMs(now = Date.now()): number {
    return this.txs.length === 0 ? 0 : now - this.startedAt;
  }

  /** The pending transactions as a frame (undefined when none). */
  flush(): BatchedFrame | undefined {
    if (this.txs.length === 0) return undefined;
    this.seq += 1n;
    const frame = encodeBatchFrame(this.origin, this.seq, this.txs, { compress: this.opts.compress });
    const position = formatPosition(this.txs[this.txs.length - 1]!.position);
    this.txs = [];
    this.ops = 0;
    return { frame, position };
  }
}
