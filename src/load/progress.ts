/**
 * Load progress on stderr: on a TTY an ora spinner whose text lists every table being
 * loaded (rows, rows/s, ETA from the catalog's row estimate); otherwise plain lines, one
 * per table every few seconds and one when a table is done.
 */
import type { Ora } from 'ora';

interface TableState {
  readonly name: string;
  readonly estimate: number;
  readonly started: number;
  rows: number;
  /** rows an earlier run loaded (not part of the rate) */
  readonly before: number;
  lastLine: number;
}

export class LoadProgress {
  private readonly active = new Map<string, TableState>();
  private spinner: Ora | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly lineEveryMs = 5000,
  ) {
    // a terminal with no width (some ptys) would make ora's line clearing loop: plain lines then
    this.tty = out.isTTY === true && (out.columns ?? 0) > 0 && process.env.CI === undefined;
  }

  async start(): Promise<void> {
    if (!this.tty) return;
    const ora = (await import('ora')).default;
    this.spinner = ora({ stream: this.out, text: 'starting', discardStdin: false }).start();
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
  }

  table(name: string, estimate: number, already: number): void {
    this.active.set(name, { name, estimate, started: Date.now(), rows: already, before: already, lastLine: Date.now() });
    if (!this.tty) this.out.write(`copy: ${name}: loading (about ${estimate} rows${already > 0 ? `, ${already} loaded before` : ''})\n`);
  }

  rows(name: string, n: number): void {
    const t = this.active.get(name);
    if (!t) return;
    t.rows += n;
    if (!this.tty && Date.now() - t.lastLine >= this.lineEveryMs) {
      t.lastLine = Date.now();
      this.out.write(`copy: ${this.describe(t)}\n`);
    }
  }

  /** a one-off line (above the spinner on a TTY) */
  note(line: string): void {
    if (this.spinner) {
      this.spinner.stopAndPersist({ symbol: 'i', text: line });
      this.spinner.start();
    } else this.out.write(`copy: ${line}\n`);
  }

  done(name: string, message: string): void {
    const t = this.active.get(name);
    this.active.delete(name);
    const line = `${name}: ${message}${t ? ` (${rate(t)} rows/s)` : ''}`;
    if (this.spinner) {
      this.spinner.stopAndPersist({ symbol: '✔', text: line });
      this.render();
      this.spinner.start();
    } else this.out.write(`copy: ${line}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private describe(t: TableState): string {
    const r = rate(t);
    const left = t.estimate > t.rows && r > 0 ? Math.round((t.estimate - t.rows) / r) : undefined;
    return `${t.name}: ${t.rows}${t.estimate > 0 ? `/~${t.estimate}` : ''} rows, ${r} rows/s${left !== undefined ? `, ETA ${left}s` : ''}`;
  }

  private render(): void {
    if (!this.spinner) return;
    // (text set while stopped shows at the next start)
    this.spinner.text = [...this.active.values()].map((t) => this.describe(t)).join('\n  ') || 'finishing';
  }
}

function rate(t: TableState): number {
  const s = (Date.now() - t.started) / 1000;
  return s > 0 ? Math.round((t.rows - t.before) / s) : 0;
}
