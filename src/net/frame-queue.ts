/**
 * A bounded async queue: producers push, one consumer pulls with for-await.
 * `push` reports whether the queue is over its high-water mark so producers (sockets)
 * can pause; `onDrain` tells them when to resume. `fail` ends the consumer with an error.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;
  private drainListeners: (() => void)[] = [];

  constructor(private readonly highWater: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Returns false when the queue is at or over its high-water mark (pause the producer). */
  push(item: T): boolean {
    if (this.ended) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return true;
    }
    this.items.push(item);
    return this.size < this.highWater;
  }

  onDrain(fn: () => void): void {
    this.drainListeners.push(fn);
  }

  end(): void {
    this.ended = true;
    if (this.waiter && this.size === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.error === undefined) this.error = error;
    this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(error);
    }
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.size === Math.floor(this.highWater / 2) || this.size === 0) this.drainListeners.forEach((fn) => fn());
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
