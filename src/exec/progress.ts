import * as fs from 'node:fs';
import type { Logger } from '../log';
import type { ApplyStats } from './applier';

/**
 * Exec's progress for people and for the `stat` command: position, source commit time of
 * the last applied transaction, lag, rows/s and transactions/s, logged every interval
 * and written to progress.json (temp file + rename, so a reader never sees half of it).
 */
export class ProgressReporter {
  private last = { at: Date.now(), rows: 0, transactions: 0 };
  private lastLog = Date.now();

  constructor(
    private readonly stats: ApplyStats,
    private readonly opts: { file: string; log: Logger; intervalSec: number },
  ) {}

  tick(): void {
    const now = Date.now();
    if (now - this.lastLog < this.opts.intervalSec * 1000) return;
    const secs = (now - this.last.at) / 1000;
    const rowsPerSec = Math.round((this.stats.rows - this.last.rows) / secs);
    const trxPerSec = Math.round((this.stats.transactions - this.last.transactions) / secs);
    const lagSec = this.stats.lastCommitUs ? Math.max(0, now / 1000 - this.stats.lastCommitUs / 1e6) : 0;
    const snapshot = {
      at: new Date(now).toISOString(),
      position: this.stats.lastPosition,
      lastCommit: this.stats.lastCommitUs ? new Date(this.stats.lastCommitUs / 1000).toISOString() : null,
      lagSeconds: Number(lagSec.toFixed(3)),
      rowsPerSecond: rowsPerSec,
      transactionsPerSecond: trxPerSec,
      ...this.stats,
    };
    const tmp = `${this.opts.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snapshot, null, 2) + '\n');
    fs.renameSync(tmp, this.opts.file);
    this.opts.log.info(
      `applied ${this.stats.transactions} transactions, ${this.stats.rows} rows (${rowsPerSec} rows/s, ${trxPerSec} tx/s), lag ${lagSec.toFixed(1)} s, at ${this.stats.lastPosition}`,
    );
    this.last = { at: now, rows: this.stats.rows, transactions: this.stats.transactions };
    this.lastLog = now;
  }

  stop(): void {}
}
