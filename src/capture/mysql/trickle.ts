/**
 * A busy OLTP source sends its binlog a transaction or two at a time. Read as it comes,
 * that is a wake-up per transaction, and in Node a wake-up (the read, the stream and
 * mysql2's packet machinery, the promise chain up to the send) costs more CPU than
 * decoding the events it brings: at 2,000 sysbench transactions/s, `synctl capture`
 * spent 105 µs of CPU per transaction reading as events came, 59–62 µs with these rests.
 *
 * So when capture is current with its source and a short read ends less than
 * TRICKLE_BYTES read since the last such decision, the socket rests for GATHER_MS (the
 * events wait in the kernel's socket buffer) and the next read takes them together.
 * Each event waits at most GATHER_MS more, against capture's 100 ms batches.
 */
export const GATHER_MS = 20;
const TRICKLE_BYTES = 256 * 1024;
/**
 * Events this many seconds old (source clock) mean capture is catching up: it never rests
 * then, however its reads come (a far source over a slow link reads short).
 */
const BEHIND_SEC = 3;
/** a read this long may have stopped only because its buffer was full (TLS records are at most 16 KB; plain reads up to 64 KB) */
const FULL_READ = 16 * 1024;

export interface TrickleSocket {
  pause(): void;
  resume(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): void;
}

export interface TrickleGather {
  /** pause for the caller's own reason (backpressure), until `resume` */
  hold(): void;
  /** ends `hold`; a rest in progress still runs out first */
  resume(): void;
  /** no more rests (the stream is ending) */
  stop(): void;
}

/**
 * Rests `socket` after each trickle of reads. `secondsBehind` tells how old the newest
 * event read is; `ms` = 0 never rests.
 */
export function gatherTrickle(socket: TrickleSocket, ms: number, secondsBehind: () => number): TrickleGather {
  /** bytes read since the socket last rested or last decided not to */
  let bytes = 0;
  let resting: NodeJS.Timeout | undefined;
  let held = false;
  let stopped = false;
  if (ms > 0) {
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      // a long read may have more behind it; a short one ends what had arrived
      if (chunk.length >= FULL_READ || resting !== undefined || stopped) return;
      const trickle = bytes < TRICKLE_BYTES;
      bytes = 0;
      if (!trickle || secondsBehind() >= BEHIND_SEC) return;
      // decided here, not at the end of the event loop's turn: until then it goes on reading
      socket.pause();
      resting = setTimeout(() => {
        resting = undefined;
        if (!held && !stopped) socket.resume();
      }, ms);
    });
  }
  return {
    hold() {
      held = true;
      socket.pause();
    },
    resume() {
      held = false;
      if (resting === undefined) socket.resume();
    },
    stop() {
      stopped = true;
      if (resting !== undefined) clearTimeout(resting);
      resting = undefined;
    },
  };
}
