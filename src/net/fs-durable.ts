import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { SynctlError } from '../errors';

/**
 * Small durability helpers for files that must survive a crash or power loss in a known
 * state: progress files, segment manifests. The pattern is always the same: write a
 * temp file beside the target, fsync it, rename it over the target, fsync the directory
 * so that the rename itself is on disk.
 */

/** The errno code of a Node fs error (`'ENOENT'`...), or undefined for anything else. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Directory fsync is not possible everywhere (Windows, some network filesystems). */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

/** Makes renames and creations inside `dir` durable. A no-op where the platform cannot do it. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has(errnoCode(e) ?? '')) throw e;
  } finally {
    await fh?.close();
  }
}

let tmpCounter = 0;

/** A temp name beside `file` that no other writer (process or concurrent call) uses. */
export function tempPathFor(file: string): string {
  tmpCounter = (tmpCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${file}.${process.pid}-${tmpCounter}.tmp`;
}

/**
 * Replaces `file` with `data` so that after a crash the file holds either the old or the
 * new content, never a mix: temp file + fsync + rename + fsync of the directory.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(file);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'w', mode);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/**
 * Reads and parses a JSON file; undefined when it does not exist. The result is not
 * validated: `T` is what the caller expects, check the fields before trusting them.
 * Unparseable content is a STATE error naming the file.
 */
export async function readJsonIfExists<T = unknown>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SynctlError('STATE', `${file}: not valid JSON: ${why}`, { path: file }, { cause: e });
  }
}
