/**
 * `synctl copy <n> "<condition>" <MASKS>` (DMHS COPY/LOAD).
 *
 * For MySQL/MariaDB and PostgreSQL sources (PostgreSQL: the tables are read at the snapshot
 * of the logical replication slot COPY creates for capture, see src/dialect/postgres/pg-slot.ts).
 * DICT (MySQL/MariaDB sources): read the source catalog of the matching tables in one
 * consistent read, save one dictionary version per table at the binlog position of that
 * read (DICT/ beside the config). CREATE, DROP, TRUNCATE, DELETE, INSERT, REPLACE, UPDATE,
 * INDEX, CONTINUE, THREAD, ROWS, GROUP, WHERE, AS, TRYTIMES, NOLOCK, LSN: the initial load into the exec side's target
 * (src/load); BACKUP: the same engine through mariadb-dump | mariadb, or pg_dump | psql. Masks not implemented yet are refused up front, before anything is done.
 */
import Table from 'cli-table3';
import mysql from 'mysql2/promise';
import { loadSiteConfig } from '../../config/load';
import type { CptConfig } from '../../config/types';
import { SynctlError } from '../../errors';
import { logger } from '../../log';
import { formatPosition, parsePosition, type Position } from '../../model/position';
import { parseCondition, type Condition } from '../../dict/condition';
import type { DictionaryEntry } from '../../dict/entry';
import { introspectPg } from '../../dict/pg-introspect';
import { PgLoadSource } from '../../dialect/postgres/pg-source';
import { connectPg } from '../../dialect/postgres/pg-slot';
import type { LoadSource } from '../../load/load-source';
import { mysqlLoadSource } from '../../load/mysql-load-source';
import { parseCopyMasks, type CopyMasks } from '../../dict/copy-masks';
import { introspectMysql } from '../../dict/mysql-introspect';
import { DictStore, dictDirFor } from '../../dict/store';
import { runLoad, type LoadReport } from '../../load/load';

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
  /** print the load report as JSON on stdout */
  readonly json?: boolean;
  /** receives the load report (tests) */
  readonly onReport?: (r: LoadReport) => void;
}

/** Masks that COPY can carry out today (LSN: every load records its position anyway). */
const IMPLEMENTED = new Set(['DICT', 'NOLOCK', 'LSN', 'CREATE', 'DROP', 'INSERT', 'REPLACE', 'UPDATE', 'TRUNCATE', 'DELETE', 'INDEX', 'CONTINUE', 'THREAD', 'ROWS', 'GROUP', 'WHERE', 'AS', 'TRYTIMES', 'BACKUP']);
/** Masks that need the exec side's target. */
const LOAD_MASKS = ['CREATE', 'DROP', 'INSERT', 'REPLACE', 'UPDATE', 'TRUNCATE', 'DELETE', 'INDEX', 'CONTINUE', 'BACKUP'];

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
  if (dbType === 'MSSQL') {
    throw new SynctlError('USAGE', `COPY ${masks.text} for a ${dbType} source is not implemented yet; MYSQL, MARIADB and PG sources work today`);
  }
  if (dbType === 'PG' && masks.flags.has('DICT')) {
    // PostgreSQL capture (to come) takes table definitions from the slot's stream itself
    throw new SynctlError('USAGE', 'COPY DICT for a PG source is not implemented yet; only MYSQL and MARIADB sources work today');
  }
  const load = masks.masks.some((m) => LOAD_MASKS.includes(m));
  const exec = config.exec;
  if (load && exec === undefined) {
    throw new SynctlError('USAGE', `${opts.config} has no <exec> element: COPY ${masks.masks.filter((m) => LOAD_MASKS.includes(m)).join('|')} writes to the exec side's target database`);
  }

  const src = dbType === 'PG' ? await openPgSource(cpt, condition) : await openMysqlSource(cpt, condition);
  try {
    if (src.entries.length === 0) {
      process.stderr.write(`synctl: no table matches ${opts.condition}\n`);
      return 1;
    }
    if (masks.flags.has('DICT')) await saveDict(opts, src);
    if (!load || exec === undefined) return 0;
    const report = await runLoad({ cpt, exec, condition, masks, source: src.source, entries: src.entries });
    opts.onReport?.(report);
    if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
    else printReport(report);
    return 0;
  } finally {
    await src.close();
  }
}

/** The source's catalog (entries, the position it was read at) and its LoadSource. */
interface OpenedSource {
  readonly entries: DictionaryEntry[];
  readonly position: Position;
  readonly source: LoadSource;
  close(): Promise<void>;
}

async function openMysqlSource(cpt: CptConfig, condition: Condition): Promise<OpenedSource> {
  const conn = await connect(cpt);
  try {
    const snapshot = await introspectMysql(conn, condition, { source: cpt.db.dbType });
    return { entries: snapshot.entries, position: snapshot.position, source: mysqlLoadSource(cpt, conn), close: () => conn.end().catch(() => undefined) };
  } catch (e) {
    await conn.end().catch(() => undefined);
    throw e;
  }
}

/** PostgreSQL: the catalog read at the current WAL position (DDL during a copy is not supported). */
async function openPgSource(cpt: CptConfig, condition: Condition): Promise<OpenedSource> {
  const client = await connectPg(cpt.db, { application_name: 'synctl copy' });
  const source = new PgLoadSource(cpt, client);
  try {
    const position = parsePosition(await source.currentPosition());
    const { entries } = await introspectPg(client, condition, 'PG');
    return {
      entries,
      position,
      source,
      close: async () => {
        await source.close();
        await client.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

function printReport(r: LoadReport): void {
  const t = new Table({ head: ['source', 'target', 'rows', 'chunks', 'before (CONTINUE)', 'indexes', 'position', 's'], style: STYLE });
  for (const x of r.tables) {
    const before = x.status === 'done-before' ? `done: ${x.rowsBefore} rows` : x.chunksBefore > 0 ? `${x.rowsBefore} rows, ${x.chunksBefore} chunks` : '';
    t.push([x.source, x.target, x.status === 'structure' ? '(structure)' : String(x.rows), String(x.chunks), before, String(x.indexes), x.position, x.seconds.toFixed(1)]);
  }
  process.stdout.write(t.toString() + '\n');
  const rows = r.tables.reduce((a, x) => a + x.rows, 0);
  process.stdout.write(`loaded ${rows} rows into ${r.tables.length} table${r.tables.length === 1 ? '' : 's'} in ${r.seconds.toFixed(1)} s (${Math.round(rows / Math.max(r.seconds, 0.001))} rows/s)\n`);
  if (r.skipped.length > 0) process.stdout.write(`not replicated by the send's filter, skipped: ${r.skipped.join(', ')}\n`);
}

async function saveDict(opts: CopyOptions, snapshot: Pick<OpenedSource, 'entries' | 'position'>): Promise<void> {
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
}

function refuseUnimplemented(masks: CopyMasks): void {
  const missing = masks.masks.filter((m) => !IMPLEMENTED.has(m));
  if (missing.length > 0) {
    throw new SynctlError(
      'USAGE',
      `COPY ${missing.join('|')}: not implemented yet (implemented: ${[...IMPLEMENTED].join(', ')})`,
      { masks: missing },
    );
  }
  if (!masks.masks.some((m) => m === 'DICT' || LOAD_MASKS.includes(m))) {
    throw new SynctlError('USAGE', `masks "${masks.text}": nothing to do (give DICT, CREATE, INSERT, REPLACE, UPDATE, INDEX or BACKUP)`);
  }
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
