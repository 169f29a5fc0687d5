/**
 * Reads an async iterator with a time limit on each wait, for capture's loop ("send the
 * batch when the source has been quiet for 50 ms").
 *
 * Written by hand instead of Promise.race([next, timer, stopped]): a race adds a reaction
 * to every promise it is given, freed only when that promise settles. The pending `next`
 * of a quiet source (raced every 50 ms) and a stop signal that fires once at the end
 * (raced for every transaction) would collect them without bound, over hours or days.
 * Here each pending result has one handler, and each wait one timer.
 */
export class TimedPull<T> {
  private result: IteratorResult<T> | undefined;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly it: AsyncIterator<T>,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
    this.pull();
  }

  private pull(): void {
    this.it.next().then(
      (r) => {
        this.result = r;
        this.wake?.();
      },
      (error: unknown) => {
        this.failure = { error };
        this.wake?.();
      },
    );
  }

  /** The next result; 'idle' when none came within `ms`; 'stop' once the signal has aborted. */
  async take(ms: number): Promise<IteratorResult<T> | 'idle' | 'stop'> {
    if (this.result === undefined && this.failure === undefined && !this.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms).unref();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    if (this.signal.aborted) return 'stop';
    if (this.failure) throw this.failure.error;
    const r = this.result;
    if (r === undefined) return 'idle';
    this.result = undefined;
    if (!r.done) this.pull();
    return r;
  }
}
