import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as os from 'node:os';
import type { ColumnValueDecoder } from '../../src/capture/mysql/column';
import { BinlogDecoder } from '../../src/capture/mysql/decoder';
import type { BinlogEvent } from '../../src/capture/mysql/events';
import { BinlogFileReader, type BinlogFileEvent } from '../../src/capture/mysql/file-reader';
import { rawValueDecoder } from '../../src/capture/mysql/value-length';

/**
 * Test support (no jest globals here): where the shared corpora live and small helpers to
 * read a whole binlog through the file reader.
 */

/** <repo root>/../shared/corpora; the repo root is two levels above this folder. */
export function corporaDir(): string {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const dir = path.resolve(repoRoot, '../shared/corpora');
  if (!fs.existsSync(path.join(dir, 'binlog-scan.json'))) {
    throw new Error(`shared corpora not found at ${dir}: these tests need ../shared/corpora`);
  }
  return dir;
}

export function corpus(rel: string): string {
  return path.join(corporaDir(), rel);
}

/** Every binlog file under mysql-found/** and generated/mariadb-10.11-datatypes/ (relative paths as in binlog-scan.json). */
export function corpusBinlogs(): string[] {
  const scan = JSON.parse(fs.readFileSync(corpus('binlog-scan.json'), 'utf8')) as Record<string, unknown>;
  return Object.keys(scan).filter((k) => k.startsWith('mysql-found/') || k.startsWith('generated/mariadb-10.11-datatypes/'));
}

let tmp: string | undefined;
export function tempDir(): string {
  tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-binlog-'));
  return tmp;
}

export function removeTempDir(): void {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

/** The on-disk path of a corpus binlog: .gz files are unpacked into the temp dir once. */
export function binlogPath(rel: string): string {
  const p = corpus(rel);
  if (!p.endsWith('.gz')) return p;
  const out = path.join(tempDir(), path.basename(p, '.gz'));
  if (!fs.existsSync(out)) fs.writeFileSync(out, zlib.gunzipSync(fs.readFileSync(p)));
  return out;
}

export interface ReadResult {
  readonly items: BinlogFileEvent[];
  readonly error?: unknown;
}

/** Reads one file to the end (or the first error), without following ROTATE into other files. */
export async function readAll(file: string, decodeValue: ColumnValueDecoder = rawValueDecoder): Promise<ReadResult> {
  const decoder = new BinlogDecoder({ decodeValue });
  const reader = new BinlogFileReader([file], { decoder, followRotate: false });
  const items: BinlogFileEvent[] = [];
  try {
    for await (const it of reader.events()) {
      items.push(it);
    }
  } catch (error) {
    return { items, error };
  }
  return { items };
}

/** Flattens TRANSACTION_PAYLOAD contents after the payload event itself. */
export function flatten(events: readonly BinlogEvent[]): BinlogEvent[] {
  const out: BinlogEvent[] = [];
  for (const e of events) {
    out.push(e);
    if (e.kind === 'transactionPayload') out.push(...flatten(e.events));
  }
  return out;
}
