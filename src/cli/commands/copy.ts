/**
 * `synctl copy <n> "<condition>" <MASKS>` (DMHS COPY/LOAD).
 *
 * Today only DICT is implemented, for MySQL/MariaDB sources: read the source catalog of
 * the matching tables in one consistent read, save one dictionary version per table at
 * the binlog position of that read (DICT/ beside the config), print a summary.
 * Every other mask is refused up front (nothing is done) until the initial-load work lands.
 */
import Table from 'cli-table3';
import mysql from 'mysql2/promise';
import { loadSiteConfig } from '../../config/load';
import type { CptConfig } from '../../config/types';
import { SynctlError } from '../../errors';
import { logger } from '../../log';
import { formatPosition } from '../../model/position';
import { parseCondition } from '../../dict/condition';
import { parseCopyMasks, type CopyMasks } from '../../dict/copy-masks';
import { introspectMysql } from '../../dict/mysql-introspect';
import { DictStore, dictDirFor } from '../../dict/store';

export interface CopyOptions {
  /** the dmhs.hs file (default ./dmhs.hs) */
  readonly config: string;
  /** COPY <n>: the send index (0 = all sends) */
  readonly sendIndex: number;
  readonly condition: string;
  readonly masks: string;
  /** key file for encrypted db_pwd values */
  readonly keyFile?: string;
  /** dictionary directory (default DICT/ beside the config) */
  readonly dictDir?: string;
}

/** Masks that COPY can carry out today (NOLOCK: DICT takes no lock anyway). */
const IMPLEMENTED = new Set(['DICT', 'NOLOCK']);

/** COPY <n> as typed: a non-negative integer (0 = all sends). */
export function parseSendIndex(text: string): number {
  if (!/^\d{1,6}$/.test(text.trim())) throw new SynctlError('USAGE', `COPY <n>: expected 0 (all sends) or a send index, got '${text}'`);
  return Number(text.trim());
}

const STYLE = { head: [] as string[], border: [] as string[], compact: true };

export async function copyCommand(opts: CopyOptions): Promise<number> {
  const log = logger('copy');
  // everything the user typed is checked before anything touches the config or the database
  if (!Number.isInteger(opts.sendIndex) || opts.sendIndex < 0) {
    throw new SynctlError('USAGE', `COPY <n>: expected 0 (all sends) or a send index, got '${String(opts.sendIndex)}'`);
  }
  const masks = parseCopyMasks(opts.masks);
  const condition = parseCondition(opts.condition);
  refuseUnimplemented(masks);

  const { config, warnings } = loadSiteConfig(opts.config, opts.keyFile === undefined ? {} : { keyFile: opts.keyFile });
  for (const w of warnings) log.warn(`${w.path}: ${w.message}`);
  const cpt = config.cpt;
  if (cpt === undefined) throw new SynctlError('USAGE', `${opts.config} has no <cpt> element: COPY reads the capture source`);
  if (opts.sendIndex !== 0 && opts.sendIndex !== cpt.send.index) {
    throw new SynctlError('USAGE', `COPY ${opts.sendIndex}: ${opts.config} has no send ${opts.sendIndex} under <cpt> (use 0 or ${cpt.send.index})`);
  }
  const dbType = cpt.db.dbType;
  if (dbType !== 'MYSQL' && dbType !== 'MARIADB') {
    throw new SynctlError('USAGE', `COPY DICT for a ${dbType} source is not implemented yet; only MYSQL and MARIADB sources work today`);
  }

  const conn = await connect(cpt);
  let snapshot;
  try {
    snapshot = await introspectMysql(conn, condition, { source: dbType });
  } finally {
    await conn.end().catch(() => undefined);
  }
  if (snapshot.entries.length === 0) {
    process.stderr.write(`synctl: no table matches ${opts.condition}\n`);
    return 1;
  }

  const store = new DictStore(opts.dictDir ?? dictDirFor(opts.config));
  const t = new Table({ head: ['schema', 'table', 'columns', 'key', 'dictionary'], style: STYLE });
  let written = 0;
  for (const e of snapshot.entries) {
    const r = await store.saveVersion(e, snapshot.position, 'copy');
    if (r.written) written++;
    const key = e.rowKey === 'PRIMARY' ? `PK(${e.primaryKey.join(',')})` : e.rowKey === '' ? '(none)' : `UNIQUE ${e.rowKey}`;
    t.push([e.schema, e.table, String(e.columns.length), key, r.written ? 'saved' : 'unchanged']);
  }
  const keyless = snapshot.entries.filter((e) => e.rowKey === '').length;
  process.stdout.write(t.toString() + '\n');
  process.stdout.write(`position: ${formatPosition(snapshot.position)}\n`);
  process.stdout.write(
    `dictionary: ${store.dir} (${snapshot.entries.length} table${snapshot.entries.length === 1 ? '' : 's'}, ${written} new version${written === 1 ? '' : 's'})\n`,
  );
  if (keyless > 0) {
    process.stdout.write(`warning: ${keyless} table${keyless === 1 ? ' has' : 's have'} no primary key and no NOT NULL unique key: rows are matched on every column\n`);
  }
  return 0;
}

function refuseUnimplemented(masks: CopyMasks): void {
  const missing = masks.masks.filter((m) => !IMPLEMENTED.has(m));
  if (missing.length > 0) {
    throw new SynctlError(
      'USAGE',
      `COPY ${missing.join('|')} is not implemented yet (the initial-load issue brings it); only DICT works today`,
      { masks: missing },
    );
  }
  if (!masks.flags.has('DICT')) throw new SynctlError('USAGE', 'COPY needs DICT (the only mask implemented today)');
}

async function connect(cpt: CptConfig): Promise<mysql.Connection> {
  const db = cpt.db;
  try {
    return await mysql.createConnection({
      host: db.server,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.database !== '' ? { database: db.database } : {}),
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      connectTimeout: 10_000,
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SynctlError('NET', `cannot connect to the ${db.dbType} source ${db.server}:${db.port} as ${db.user}: ${why}`, {}, { cause: e });
  }
}
