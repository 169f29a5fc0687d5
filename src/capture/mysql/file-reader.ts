import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { SynctlError } from '../../errors';
import type { BinlogDecoder } from './decoder';
import { isBegin, isCommit, type BinlogEvent } from './events';

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
  /** read size (default 1 MiB); events larger than this get a buffer of their own size */
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

/** Chunked random-access reads; each refill gets a fresh buffer so yielded views stay valid. */
class ChunkedFile {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly fh: fsp.FileHandle,
    private readonly chunkSize: number,
  ) {}

  /** Makes [offset, offset+n) available; returns how many of those bytes exist. */
  async ensure(offset: number, n: number): Promise<number> {
    const have = this.bufStart + this.bufLen - offset;
    if (offset >= this.bufStart && have >= n) return n;
    const cap = Math.max(this.chunkSize, n);
    const next = Buffer.allocUnsafe(cap);
    let filled = 0;
    if (offset >= this.bufStart && have > 0) {
      this.buf.copy(next, 0, offset - this.bufStart, this.bufLen);
      filled = have;
    }
    while (filled < cap) {
      const { bytesRead } = await this.fh.read(next, filled, cap - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.buf = next;
    this.bufStart = offset;
    this.bufLen = filled;
    return Math.min(filled, n);
  }

  /** [offset, offset+n) is already buffered (no read needed) */
  has(offset: number, n: number): boolean {
    return offset >= this.bufStart && offset + n <= this.bufStart + this.bufLen;
  }

  view(offset: number, n: number): Buffer {
    const s = offset - this.bufStart;
    return this.buf.subarray(s, s + n);
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
    this.chunkSize = options.chunkSize ?? 1 << 20;
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
   * The same events in batches: every event already in the read buffer is decoded in one
   * synchronous run, so a consumer pays one await per buffer, not per event (the hot path).
   */
  async *eventBatches(start?: BinlogStart): AsyncGenerator<BinlogFileEvent[], void, undefined> {
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
  ): AsyncGenerator<BinlogFileEvent[], { clean: boolean; rotateTo?: string }, undefined> {
    const file = path.basename(filePath);
    this.decoder.source = file;
    const fh = await fsp.open(filePath, 'r');
    try {
      const cf = new ChunkedFile(fh, this.chunkSize);
      const got = await cf.ensure(0, 4);
      if (got < 4 || !cf.view(0, 4).equals(BINLOG_MAGIC)) {
        throw new SynctlError('WIRE_DECODE', `${file}: not a binlog file (no 0xFE 'bin' magic at offset 0)`, { file, offset: 0 });
      }
      let pos = 4;
      if (startPos > 4) {
        // read the FORMAT_DESCRIPTION first (checksum algorithm, post-header lengths), then seek
        const fde = await this.readEvent(cf, file, pos);
        if (fde === undefined || 'pending' in fde || fde.event.kind !== 'formatDescription') {
          throw new SynctlError('WIRE_DECODE', `${file}: no FORMAT_DESCRIPTION event at offset 4`, { file, offset: 4 });
        }
        pos = startPos;
      } else if (startPos < 4) {
        throw new SynctlError('STATE', `${file}: start position ${startPos} is inside the file header`, { file, offset: startPos });
      }
      let rotateTo: string | undefined;
      let batch: BinlogFileEvent[] = [];
      for (;;) {
        // decode synchronously while the next whole event is buffered; await only to read more
        let r: { event: BinlogEvent; size: number } | { pending: number } | undefined;
        try {
          r = this.readBufferedEvent(cf, pos);
        } catch (e) {
          if (batch.length) yield batch; // the good events before a broken one still count
          throw e;
        }
        if (r === undefined) {
          if (batch.length) {
            yield batch;
            batch = [];
          }
          r = await this.readEvent(cf, file, pos);
        }
        if (r === undefined) {
          this.lastEnd = { file, pos, clean: true, pendingBytes: 0 };
          if (batch.length) yield batch;
          return { clean: true, ...(rotateTo !== undefined ? { rotateTo } : {}) };
        }
        if ('pending' in r) {
          this.lastEnd = { file, pos, clean: false, pendingBytes: r.pending };
          if (batch.length) yield batch;
          return { clean: false };
        }
        const ev = r.event;
        rotateTo = ev.kind === 'rotate' && !ev.artificial ? ev.nextFile : undefined;
        batch.push({ event: ev, file, path: filePath, offset: pos, nextPos: pos + r.size });
        pos += r.size;
        this.lastEnd = { file, pos, clean: true, pendingBytes: 0 };
        // a statement other than BEGIN/COMMIT may be DDL: hand it over before decoding further
        // events, so the consumer can version its dictionary before the next TABLE_MAP
        if (batch.length >= 4096 || (ev.kind === 'query' && !isBegin(ev) && !isCommit(ev))) {
          yield batch;
          batch = [];
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** undefined at a clean end of file; {pending} at an incomplete tail when allowed. */
  /** The event at `pos` when it is wholly buffered (undefined: read first, via readEvent). */
  private readBufferedEvent(cf: ChunkedFile, pos: number): { event: BinlogEvent; size: number } | undefined {
    if (!cf.has(pos, HEADER_LEN)) return undefined;
    const size = cf.view(pos, HEADER_LEN).readUInt32LE(9);
    if (size < HEADER_LEN || !cf.has(pos, size)) return undefined; // readEvent reports a bad size
    return { event: this.decoder.decode(cf.view(pos, size), pos), size };
  }

  private async readEvent(
    cf: ChunkedFile,
    file: string,
    pos: number,
  ): Promise<{ event: BinlogEvent; size: number } | { pending: number } | undefined> {
    const h = await cf.ensure(pos, HEADER_LEN);
    if (h === 0) return undefined;
    if (h < HEADER_LEN) {
      if (this.allowTruncatedTail) return { pending: h };
      throw new SynctlError('WIRE_DECODE', `${file}: truncated event at offset ${pos}: ${h} of the ${HEADER_LEN} header bytes`, {
        file,
        offset: pos,
      });
    }
    const size = cf.view(pos, HEADER_LEN).readUInt32LE(9);
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
    const event = this.decoder.decode(cf.view(pos, size), pos);
    return { event, size };
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
