/**
 * The offline dictionary on disk (DMHS `DICT/`), versioned by source log position:
 *
 *   <dictDir>/<schema>/<table>/<position>.json
 *
 * A version saved at position P describes the table for every log event at or after P,
 * until the next version. So:
 *   - COPY ... DICT saves each table at the position its catalog read is valid at;
 *   - the capture, on a DDL that changes a table, saves the new definition at the position
 *     just AFTER the DDL event (the start of the next event): saveVersion(entry, endOfDdl);
 *   - to decode an event that starts at position E the capture asks versionAt(schema, table, E).
 *
 * Names are made filesystem-safe reversibly (percent-encoding, see encodeName); each file
 * also holds its schema, table and position, checked when read. Files are written
 * atomically (temp + fsync + rename).
 */
import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SynctlError } from '../errors';
import { comparePositions, formatPosition, parsePosition, type Position } from '../model/position';
import { errnoCode, readJsonIfExists, writeFileAtomic } from '../net/fs-durable';
import { DICT_FORMAT, type DictionaryEntry } from './entry';

/** `DICT/` beside the site config, as DMHS keeps it. */
export function dictDirFor(configFile: string): string {
  return path.join(path.dirname(path.resolve(configFile)), 'DICT');
}

/**
 * Reversible, filesystem-safe form of a name: ASCII letters, digits, '_', '-', '$' and
 * '.' (not leading) stay; every other character is %XX of its UTF-8 bytes. '' → '%'.
 * (On a case-insensitive filesystem 'T' and 't' would still collide; the file's own
 * schema/table fields catch that as a STATE error.)
 */
export function encodeName(name: string): string {
  if (name === '') return '%';
  let out = '';
  const bytes = Buffer.from(name, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    const keep = b < 0x80 && (/[A-Za-z0-9_\-$]/.test(c) || (c === '.' && i > 0));
    out += keep ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function decodeName(encoded: string): string {
  if (encoded === '%') return '';
  if (!/^(?:[A-Za-z0-9_\-$.]|%[0-9A-F]{2})+$/.test(encoded)) throw new SynctlError('STATE', `not an encoded dictionary name: ${encoded}`);
  return decodeURIComponent(encoded);
}

const MAX_FILE_NAME = 200;

/**
 * File name of a version: the encoded formatted position; a GTID set too long for a file
 * name is replaced by a hash of it (positions order by file and offset, never by GTID).
 */
export function versionFileName(position: Position): string {
  const full = encodeName(formatPosition(position)) + '.json';
  if (full.length <= MAX_FILE_NAME || position.kind !== 'binlog') return full;
  const hash = createHash('sha256').update(position.gtid).digest('hex').slice(0, 16);
  return encodeName(formatPosition({ ...position, gtid: '' })) + `~${hash}.json`;
}

/** Position from a version file name, without the GTID when it was hashed. */
function positionFromFileName(name: string): Position | undefined {
  const m = /^(.*?)(?:~[0-9a-f]{16})?\.json$/.exec(name);
  if (!m) return undefined;
  try {
    return parsePosition(decodeName(m[1]!));
  } catch {
    return undefined;
  }
}

/** What a version file holds. */
export interface DictVersionFile {
  readonly format: number;
  /** formatPosition() of the position the version holds from */
  readonly position: string;
  /** ISO time it was written */
  readonly savedAt: string;
  /** 'copy' (COPY ... DICT), 'ddl' (the capture after a DDL) or another caller's tag */
  readonly origin: string;
  readonly entry: DictionaryEntry;
}

export interface DictVersion {
  readonly position: Position;
  readonly savedAt: string;
  readonly origin: string;
  readonly entry: DictionaryEntry;
  readonly file: string;
}

export interface SaveResult {
  readonly file: string;
  /** false when the version in effect at that position is already identical (nothing written) */
  readonly written: boolean;
}

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export class DictStore {
  constructor(readonly dir: string) {}

  tableDir(schema: string, table: string): string {
    return path.join(this.dir, encodeName(schema), encodeName(table));
  }

  /**
   * Records that from `position` on, the table is described by `entry`.
   * An identical definition already in effect at `position` is not written again.
   * A version at exactly the same position is replaced.
   */
  async saveVersion(entry: DictionaryEntry, position: Position, origin = 'copy'): Promise<SaveResult> {
    const dir = this.tableDir(entry.schema, entry.table);
    const file = path.join(dir, versionFileName(position));
    const current = await this.versionAt(entry.schema, entry.table, position);
    if (current !== undefined && isDeepStrictEqual(current.entry, entry)) return { file: current.file, written: false };
    await fsp.mkdir(dir, { recursive: true });
    const body: DictVersionFile = { format: DICT_FORMAT, position: formatPosition(position), savedAt: new Date().toISOString(), origin, entry };
    await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
    return { file, written: true };
  }

  /** Positions of every version of a table, oldest first (GTIDs may be missing when hashed in the name). */
  async listVersions(schema: string, table: string): Promise<{ position: Position; file: string }[]> {
    const dir = this.tableDir(schema, table);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    const out: { position: Position; file: string }[] = [];
    for (const n of names) {
      if (n.endsWith('.tmp')) continue;
      const position = positionFromFileName(n);
      if (position !== undefined) out.push({ position, file: path.join(dir, n) });
    }
    return out.sort((a, b) => comparePositions(a.position, b.position));
  }

  /**
   * The version in effect at `position`: the newest one saved at a position ≤ it.
   * undefined when the table has no version that old (or none at all).
   */
  async versionAt(schema: string, table: string, position: Position): Promise<DictVersion | undefined> {
    const versions = await this.listVersions(schema, table);
    let pick: { position: Position; file: string } | undefined;
    for (const v of versions) {
      if (v.position.kind !== position.kind) continue;
      if (comparePositions(v.position, position) <= 0) pick = v;
      else break;
    }
    return pick === undefined ? undefined : this.readVersion(pick.file, schema, table);
  }

  /** The newest version of a table, whatever its position. */
  async latest(schema: string, table: string): Promise<DictVersion | undefined> {
    const versions = await this.listVersions(schema, table);
    const last = versions[versions.length - 1];
    return last === undefined ? undefined : this.readVersion(last.file, schema, table);
  }

  /** Every table that has at least one version, sorted by schema then table. */
  async listTables(): Promise<TableRef[]> {
    const out: TableRef[] = [];
    for (const s of await dirs(this.dir)) {
      for (const t of await dirs(path.join(this.dir, s))) {
        const schema = safeDecode(s);
        const table = safeDecode(t);
        if (schema === undefined || table === undefined) continue;
        if ((await this.listVersions(schema, table)).length > 0) out.push({ schema, table });
      }
    }
    return out.sort((a, b) => (a.schema === b.schema ? cmp(a.table, b.table) : cmp(a.schema, b.schema)));
  }

  private async readVersion(file: string, schema: string, table: string): Promise<DictVersion> {
    const body = await readJsonIfExists<DictVersionFile>(file);
    if (body === undefined) throw new SynctlError('STATE', `${file}: dictionary version vanished while reading`, { path: file });
    if (body.format !== DICT_FORMAT || typeof body.position !== 'string' || typeof body.entry !== 'object' || body.entry === null) {
      throw new SynctlError('STATE', `${file}: not a synctl dictionary version (format ${String(body.format)})`, { path: file });
    }
    if (body.entry.schema !== schema || body.entry.table !== table) {
      throw new SynctlError(
        'STATE',
        `${file}: holds ${body.entry.schema}.${body.entry.table}, expected ${schema}.${table} (a case-insensitive filesystem?)`,
        { path: file },
      );
    }
    let position: Position;
    try {
      position = parsePosition(body.position);
    } catch (e) {
      throw new SynctlError('STATE', `${file}: bad position '${body.position}'`, { path: file }, { cause: e });
    }
    return { position, savedAt: body.savedAt, origin: body.origin, entry: body.entry, file };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function safeDecode(s: string): string | undefined {
  try {
    return decodeName(s);
  } catch {
    return undefined;
  }
}

async function dirs(dir: string): Promise<string[]> {
  try {
    const ents = await fsp.readdir(dir, { withFileTypes: true });
    return ents.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}
