import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { SynctlError } from '../../errors';
import type { BinlogDecoder } from './decoder';
import type { BinlogEvent } from './events';

/**
 * Reads binlog FILES (or relay logs) front to back in chunks, one event at a time, through
 * the same BinlogDecoder the network source uses.
 *
 * Input: one file, a list of files, a directory, or a `.index` file. Files are read in
 * binlog index order (numeric extension; a `.index` file's order when there is one).
 * A ROTATE at the end of a file names the next one; it is followed when that file exists.
 */

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

export interface BinlogFileEvent {
  readonly event: BinlogEvent;
  /** base name of the file, e.g. 'mysql-bin.000042' */
  readonly file: string;
  /** full path */
  readonly path: string;
  /** file offset where the event starts */
  readonly offset: number;
  /** file offset right after the event: where to resume reading this file */
  readonly nextPos: number;
}

export interface BinlogReadEnd {
  readonly file: string;
  /** offset after the last whole event */
  readonly pos: number;
  /** false when the last file ends inside an event (still being written, or cut short) */
  readonly clean: boolean;
  /** bytes of the incomplete trailing event */
  readonly pendingBytes: number;
}

export interface BinlogFileReaderOptions {
  readonly decoder: BinlogDecoder;
  /** read size (default 2 MiB); events larger than this get a buffer of their own size */
  readonly chunkSize?: number;
  /**
   * Live files: stop quietly at an incomplete final event (see `end`) instead of failing.
   * Default false: a truncated final event is a WIRE_DECODE error naming file and offset.
   */
  readonly allowTruncatedTail?: boolean;
  /** follow a final ROTATE to the file it names (default true); false: stop after the listed files */
  readonly followRotate?: boolean;
}

export interface BinlogStart {
  readonly file: string;
  readonly pos: number;
}

const HEADER_LEN = 19;

function indexOf(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : -1;
}

function prefixOf(file: string): string {
  return file.replace(/\.\d+$/, '');
}

/** Sorts binlog paths by base-name prefix, then numeric extension. */
export function sortBinlogFiles(files: readonly string[]): string[] {
  return [...files].sort((a, b) => {
    const ba = path.basename(a);
    const bb = path.basename(b);
    const pa = prefixOf(ba);
    const pb = prefixOf(bb);
    if (pa !== pb) return pa < pb ? -1 : 1;
    const d = indexOf(ba) - indexOf(bb);
    return d !== 0 ? d : ba < bb ? -1 : ba > bb ? 1 : 0;
  });
}

async function readIndexFile(indexPath: string): Promise<string[]> {
  const dir = path.dirname(indexPath);
  const text = await fsp.readFile(indexPath, 'utf8');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => (path.isAbsolute(l) && l.startsWith(dir) ? l : path.join(dir, path.basename(l))));
}

/** Resolves a file, directory, `.index` file or list into an ordered list of binlog paths. */
export async function listBinlogFiles(input: string | readonly string[]): Promise<string[]> {
  if (typeof input !== 'string') {
    // each entry may itself be a directory or an index file (a CLI list of one is common)
    if (input.length === 1) return listBinlogFiles(input[0]!);
    const all: string[] = [];
    for (const one of input) all.push(...(await listBinlogFiles(one)));
    return sortBinlogFiles([...new Set(all)]);
  }
  const st = await fsp.stat(input);
  if (st.isDirectory()) {
    const names = await fsp.readdir(input);
    const index = names.filter((n) => n.endsWith('.index'));
    if (index.length === 1) return readIndexFile(path.join(input, index[0]!));
    return sortBinlogFiles(names.filter((n) => /\.\d+$/.test(n)).map((n) => path.join(input, n)));
  }
  if (input.endsWith('.index')) return readIndexFile(input);
  return [input];
}

/**
 * Room kept free in front of each chunk read: the partial event at the end of the previous
 * chunk is copied there, so every event stays one view without copying the new chunk.
 * (Untouched room costs no memory: the pages are never written.)
 */
const HEADROOM = 1 << 20;

interface Chunk {
  /** file offset of the chunk's first byte (at buf[HEADROOM]) */
  readonly start: number;
  readonly buf: Buffer;
  /** resolves to the number of bytes read */
  readonly read: Promise<number>;
}

/**
 * Chunked reads of one file with one chunk read ahead: while the events of a chunk are
 * decoded, the next chunk is read in libuv's thread pool. Every chunk gets a fresh buffer,
 * so views handed out stay valid.
 */
class ChunkedFile {
  private buf: Buffer = Buffer.alloc(0);
  /** index in buf of file offset bufStart */
  private base = 0;
  private bufStart = 0;
  private bufLen = 0;
  private ahead: Chunk | undefined;

  constructor(
    private readonly fh: fsp.FileHandle,
    private readonly chunkSize: number,
  ) {}

  private async fill(buf: Buffer, at: number, n: number, fileOffset: number): Promise<number> {
    let filled = 0;
    while (filled < n) {
      const { bytesRead } = await this.fh.read(buf, at + filled, n - filled, fileOffset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  private readChunk(start: number): Chunk {
    const buf = Buffer.allocUnsafe(HEADROOM + this.chunkSize);
    const read = this.fill(buf, HEADROOM, this.chunkSize, start);
    read.catch(() => undefined); // a read ahead nobody waits for must not be an unhandled rejection
    return { start, buf, read };
  }

  /** Makes [offset, offset+n) available as one view; returns how many of those bytes exist. */
  async ensure(offset: number, n: number): Promise<number> {
    if (this.has(offset, n)) return n;
    const end = this.bufStart + this.bufLen;
    // the buffered bytes from `offset` on (a partial event) move to the front of the next chunk
    const carry = offset >= this.bufStart && offset < end ? end - offset : 0;
    const from = offset + carry;
    const chunk = this.ahead?.start === from ? this.ahead : this.readChunk(from);
    this.ahead = undefined;
    const got = await chunk.read;
    const carryAt = this.base + offset - this.bufStart;
    let buf = chunk.buf;
    let base = HEADROOM - carry;
    let len = carry + got;
    if (carry > HEADROOM || len < n) {
      // an event larger than the headroom or the chunk: a buffer of its own size
      buf = Buffer.allocUnsafe(Math.max(n, len));
      base = 0;
      this.buf.copy(buf, 0, carryAt, carryAt + carry);
      chunk.buf.copy(buf, carry, HEADROOM, HEADROOM + got);
      if (len < n && got === this.chunkSize) len += await this.fill(buf, len, n - len, offset + len);
    } else if (carry > 0) {
      this.buf.copy(buf, base, carryAt, carryAt + carry);
    }
    this.buf = buf;
    this.base = base;
    this.bufStart = offset;
    this.bufLen = len;
    // a short read is the end of the file (for now: a live file may grow; read again then)
    if (got === this.chunkSize) this.ahead = this.readChunk(offset + len);
    return Math.min(len, n);
  }

  /** [offset, offset+n) is already buffered (no read needed) */
  has(offset: number, n: number): boolean {
    return offset >= this.bufStart && offset + n <= this.bufStart + this.bufLen;
  }

  view(offset: number, n: number): Buffer {
    const s = this.base + offset - this.bufStart;
    return this.buf.subarray(s, s + n);
  }

  /** little-endian u32 at a buffered file offset (no view needed) */
  u32At(offset: number): number {
    return this.buf.readUInt32LE(this.base + offset - this.bufStart);
  }

  /** the current buffer: file offset o is at buffer[index(o)] while has(o, ...) */
  get buffer(): Buffer {
    return this.buf;
  }

  index(offset: number): number {
    return this.base + offset - this.bufStart;
  }
}

export class BinlogFileReader {
  private readonly decoder: BinlogDecoder;
  private readonly chunkSize: number;
  private readonly allowTruncatedTail: boolean;
  private readonly followRotate: boolean;
  private lastEnd: BinlogReadEnd | undefined;

  constructor(
    private readonly input: string | readonly string[],
    options: BinlogFileReaderOptions,
  ) {
    this.decoder = options.decoder;
    this.chunkSize = options.chunkSize ?? 2 << 20;
    this.allowTruncatedTail = options.allowTruncatedTail ?? false;
    this.followRotate = options.followRotate ?? true;
  }

  /** Where reading stopped (set when `events()` finishes without throwing). */
  get end(): BinlogReadEnd | undefined {
    return this.lastEnd;
  }

  files(): Promise<string[]> {
    return listBinlogFiles(this.input);
  }

  async *events(start?: BinlogStart): AsyncGenerator<BinlogFileEvent, void, undefined> {
    for await (const batch of this.eventBatches(start)) yield* batch;
  }

  /**
   * The same events in runs: each run is a synchronous iterable over the events already in
   * the read buffer, so a consumer pays one await per buffer, not per event (the hot path).
   * A run decodes each event only when the consumer takes it: nothing is decoded ahead of
   * the consumer (decoded events waiting in a batch were most of the garbage collector's
   * work), and a consumer that versions its dictionary at a DDL statement does so before
   * the next TABLE_MAP is decoded. Take all of a run's events before asking for the next run.
   */
  async *eventBatches(start?: BinlogStart): AsyncGenerator<Iterable<BinlogFileEvent>, void, undefined> {
    const files = await this.files();
    let i = 0;
    let startPos = 4;
    if (start) {
      i = files.findIndex((f) => path.basename(f) === path.basename(start.file));
      if (i < 0) throw new SynctlError('STATE', `start file ${start.file} is not among the binlog files (${files.length} found)`, { file: start.file });
      startPos = start.pos;
    }
    while (i < files.length) {
      const p = files[i]!;
      const result = yield* this.readFile(p, startPos);
      if (!result.clean) return;
      startPos = 4;
      if (result.rotateTo !== undefined && this.followRotate) {
        const target = result.rotateTo;
        const j = files.findIndex((f) => path.basename(f) === target);
        if (j >= 0) {
          i = j;
          continue;
        }
        const candidate = path.join(path.dirname(p), target);
        if (await exists(candidate)) {
          files.splice(i + 1, 0, candidate);
          i++;
          continue;
        }
        return; // the next file does not exist (yet)
      }
      i++;
    }
  }

  private async *readFile(
    filePath: string,
    startPos: number,
  ): AsyncGenerator<Iterable<BinlogFileEvent>, { clean: boolean; rotateTo?: string }, undefined> {
    const file = path.basename(filePath);
    this.decoder.source = file;
    const fh = await fsp.open(filePath, 'r');
    try {
      const cf = new ChunkedFile(fh, this.chunkSize);
      const got = await cf.ensure(0, 4);
      if (got < 4 && this.allowTruncatedTail && cf.view(0, got).equals(BINLOG_MAGIC.subarray(0, got))) {
        // a file the server has only just created (FLUSH LOGS): nothing to read yet
        this.lastEnd = { file, pos: 4, clean: false, pendingBytes: got };
        return { clean: false };
      }
      if (got < 4 || !cf.view(0, 4).equals(BINLOG_MAGIC)) {
        throw new SynctlError('WIRE_DECODE', `${file}: not a binlog file (no 0xFE 'bin' magic at offset 0)`, { file, offset: 0 });
      }
      let pos = 4;
      if (startPos > 4) {
        // read the FORMAT_DESCRIPTION first (checksum algorithm, post-header lengths), then seek
        const size = (await this.fetch(cf, file, pos)) === 'ready' ? this.bufferedSize(cf, pos) : 0;
        if (size === 0 || this.decoder.decodeAt(cf.buffer, cf.index(pos), size, pos).kind !== 'formatDescription') {
          throw new SynctlError('WIRE_DECODE', `${file}: no FORMAT_DESCRIPTION event at offset 4`, { file, offset: 4 });
        }
        pos = startPos;
      } else if (startPos < 4) {
        throw new SynctlError('STATE', `${file}: start position ${startPos} is inside the file header`, { file, offset: startPos });
      }
      const run: RunState = { pos, rotateTo: undefined };
      for (;;) {
        yield this.bufferedEvents(cf, file, filePath, run);
        this.lastEnd = { file, pos: run.pos, clean: true, pendingBytes: 0 };
        // await only to read more: the next event is not (wholly) in the buffer
        const status = await this.fetch(cf, file, run.pos);
        if (status === 'eof') return { clean: true, ...(run.rotateTo !== undefined ? { rotateTo: run.rotateTo } : {}) };
        if (status !== 'ready') {
          this.lastEnd = { file, pos: run.pos, clean: false, pendingBytes: status.pending };
          return { clean: false };
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** The buffered events from run.pos on, each decoded when taken; run.pos moves past each. */
  private *bufferedEvents(cf: ChunkedFile, file: string, filePath: string, run: RunState): Generator<BinlogFileEvent, void, undefined> {
    for (;;) {
      const pos = run.pos;
      const size = this.bufferedSize(cf, pos);
      if (size === 0) return;
      const ev = this.decoder.decodeAt(cf.buffer, cf.index(pos), size, pos);
      run.rotateTo = ev.kind === 'rotate' && !ev.artificial ? ev.nextFile : undefined;
      run.pos = pos + size;
      yield { event: ev, file, path: filePath, offset: pos, nextPos: pos + size };
    }
  }

  /** Size of the event at `pos` when it is wholly buffered, else 0 (fetch it first). */
  private bufferedSize(cf: ChunkedFile, pos: number): number {
    if (!cf.has(pos, HEADER_LEN)) return 0;
    const size = cf.u32At(pos + 9);
    return size >= HEADER_LEN && cf.has(pos, size) ? size : 0; // fetch reports a bad size
  }

  /**
   * Reads until the event at `pos` is wholly buffered: 'ready', 'eof' at a clean end of file,
   * {pending} at an incomplete tail when allowed (else a WIRE_DECODE error).
   */
  private async fetch(cf: ChunkedFile, file: string, pos: number): Promise<'ready' | 'eof' | { pending: number }> {
    const h = await cf.ensure(pos, HEADER_LEN);
    if (h === 0) return 'eof';
    if (h < HEADER_LEN) {
      if (this.allowTruncatedTail) return { pending: h };
      throw new SynctlError('WIRE_DECODE', `${file}: truncated event at offset ${pos}: ${h} of the ${HEADER_LEN} header bytes`, {
        file,
        offset: pos,
      });
    }
    const size = cf.u32At(pos + 9);
    if (size < HEADER_LEN) {
      throw new SynctlError('WIRE_DECODE', `${file}: event at offset ${pos}: size ${size} is below the ${HEADER_LEN}-byte header`, {
        file,
        offset: pos,
      });
    }
    const got = await cf.ensure(pos, size);
    if (got < size) {
      if (this.allowTruncatedTail) return { pending: got };
      throw new SynctlError('WIRE_DECODE', `${file}: truncated event at offset ${pos}: header says ${size} bytes, only ${got} in the file`, {
        file,
        offset: pos,
      });
    }
    return 'ready';
  }
}

/** Where a file's read stands between runs of buffered events. */
interface RunState {
  pos: number;
  /** the next file named by the last event when it is a real (not artificial) ROTATE */
  rotateTo: string | undefined;
}
async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
