import { EventEmitter } from 'node:events';
import { gatherTrickle } from './trickle';

/** A socket that records its pauses and resumes; reads are emitted by the test. */
class FakeSocket extends EventEmitter {
  paused = false;
  log: string[] = [];
  pause(): void {
    this.paused = true;
    this.log.push('pause');
  }
  resume(): void {
    this.paused = false;
    this.log.push('resume');
  }
  read(bytes: number): void {
    this.emit('data', Buffer.alloc(bytes));
  }
}

const KB = 1024;

describe('gatherTrickle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rests after a short read of a current source, then resumes', () => {
    const s = new FakeSocket();
    gatherTrickle(s, 20, () => 0);
    s.read(2 * KB);
    expect(s.paused).toBe(true);
    jest.advanceTimersByTime(19);
    expect(s.paused).toBe(true);
    jest.advanceTimersByTime(1);
    expect(s.log).toEqual(['pause', 'resume']);
  });

  it('does not rest while reads come full, nor after a run of them that reached 256 KB', () => {
    const s = new FakeSocket();
    gatherTrickle(s, 20, () => 0);
    for (let i = 0; i < 4; i++) s.read(64 * KB);
    expect(s.log).toEqual([]);
    s.read(1 * KB); // ends 257 KB: a stream, not a trickle
    expect(s.log).toEqual([]);
    s.read(1 * KB); // counted afresh: a trickle
    expect(s.log).toEqual(['pause']);
  });

  it('never rests while the events read are 3 s or more behind the source clock (catching up)', () => {
    const s = new FakeSocket();
    let behind = 3;
    gatherTrickle(s, 20, () => behind);
    s.read(1 * KB);
    s.read(1 * KB);
    expect(s.log).toEqual([]);
    behind = 2.9;
    s.read(1 * KB);
    expect(s.log).toEqual(['pause']);
  });

  it('a hold taken during a rest outlasts it; resume after the rest resumes', () => {
    const s = new FakeSocket();
    const g = gatherTrickle(s, 20, () => 0);
    s.read(1 * KB);
    g.hold();
    jest.advanceTimersByTime(50);
    expect(s.paused).toBe(true);
    g.resume();
    expect(s.paused).toBe(false);
  });

  it('resume during a rest leaves the rest to end it', () => {
    const s = new FakeSocket();
    const g = gatherTrickle(s, 20, () => 0);
    s.read(1 * KB);
    g.hold();
    g.resume();
    expect(s.paused).toBe(true);
    jest.advanceTimersByTime(20);
    expect(s.paused).toBe(false);
  });

  it('stop ends rests for good; 0 ms never rests', () => {
    const s = new FakeSocket();
    const g = gatherTrickle(s, 20, () => 0);
    s.read(1 * KB);
    g.stop();
    jest.advanceTimersByTime(100);
    expect(s.log).toEqual(['pause']);
    s.read(1 * KB);
    expect(s.log).toEqual(['pause']);

    const t = new FakeSocket();
    gatherTrickle(t, 0, () => 0);
    t.read(1 * KB);
    expect(t.log).toEqual([]);
  });
});
