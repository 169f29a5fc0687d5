import { SynctlError } from '../errors';
import type { ResumeMap } from './link';

/**
 * The per-origin sequence rule every receiver applies: a frame at or below the last one
 * taken is a replay (dropped), the next one is taken, anything further is a gap (error).
 */
export class SequenceTracker {
  private readonly last = new Map<number, bigint>();

  constructor(
    /** names the receiver in errors: 'peer 10.0.0.3:40022', 'stdin', 'spool /var/...' */
    private readonly where: string,
    start?: ResumeMap,
  ) {
    if (start) for (const [origin, e] of start) this.last.set(origin, e.seq);
  }

  /** True for the next frame of its origin (now taken), false for a replay; throws on a gap. */
  accept(origin: number, seq: bigint, where = this.where): boolean {
    const prev = this.last.get(origin) ?? 0n;
    if (seq <= prev) return false;
    if (seq !== prev + 1n) {
      throw new SynctlError('SEQUENCE_GAP', `${where}: origin ${origin} sent seq ${seq} but seq ${prev + 1n} was expected`, {
        where,
        origin,
        seq: String(seq),
      });
    }
    this.last.set(origin, seq);
    return true;
  }

  /** Moves an origin's last sequence up to `seq` (state rebuilt from disk); never down. */
  raise(origin: number, seq: bigint): void {
    if ((this.last.get(origin) ?? 0n) < seq) this.last.set(origin, seq);
  }

  lastOf(origin: number): bigint {
    return this.last.get(origin) ?? 0n;
  }

  entries(): IterableIterator<[number, bigint]> {
    return this.last.entries();
  }
}
