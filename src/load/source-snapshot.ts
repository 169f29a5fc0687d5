/**
 * Reading one source table at a consistent snapshot, with the exact binlog position the
 * snapshot is consistent at (every transaction committed at or before it is in the
 * snapshot, none after).
 *
 * MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT, then the session status
 * Binlog_snapshot_file / Binlog_snapshot_position, which MariaDB keeps consistent with
 * the snapshot without any lock (the same thing mariadb-dump --single-transaction
 * --master-data uses), and BINLOG_GTID_POS() of that position for the GTID state.
 * MySQL has no such status: FLUSH TABLES WITH READ LOCK for the instant it takes to start
 * the snapshot and read SHOW MASTER STATUS (needs RELOAD), or with NOLOCK the lock-free
 * observation: the position read before and after starting the snapshot is the same.
 *
 * One snapshot per table: MariaDB cannot share a snapshot between sessions, so every chunk
 * of a table is read by the one session that holds its snapshot; tables load in parallel.
 * Rows are read in key order by keyset pagination (each chunk one streamed query inside
 * the snapshot): memory holds one chunk's rows in flight at most, never a table.
 */
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { Readable } from 'node:stream';
import type { CptConfig } from '../config/types';
import { readBinlogPosition } from '../dict/mysql-introspect';
import { SynctlError } from '../errors';
import { binlogPosition, type BinlogPosition } from '../model/position';
import { quoteIdent } from '../dialect/mysql/mysql-sql';
import { geometryAsBytes, MYSQL_READ_OPTIONS, type RawValue } from './source-values';
import { chunkConditions, pumpStream, storeKey, type ChunkQuery, type StoredKey } from './load-source';

export type Flavor = 'mysql' | 'mariadb';

export interface SourceSession {
  readonly conn: mysql.Connection;
  readonly flavor: Flavor;
  readonly label: string;
  /** set when the connection is gone (KILL, network): mysql2 then leaves a row stream hanging */
  readonly lost: { error?: Error };
}

type CoreConnection = NodeJS.EventEmitter & { query(o: object, v: unknown[]): { stream(o?: object): Readable } };
const coreOf = (conn: mysql.Connection): CoreConnection => (conn as unknown as { connection: CoreConnection }).connection;

export async function openSource(cpt: CptConfig, opts: { geometry: boolean }): Promise<SourceSession> {
  const db = cpt.db;
  const label = `${db.dbType} source ${db.server}:${db.port}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: db.server,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.database !== '' ? { database: db.database } : {}),
      ...MYSQL_READ_OPTIONS,
      rowsAsArray: true,
      connectTimeout: 10_000,
      ...(opts.geometry ? { typeCast: geometryAsBytes as never } : {}),
    });
  } catch (e) {
    throw new SynctlError('NET', `cannot connect to the ${label} as ${db.user}: ${(e as Error).message}`, {}, { cause: e });
  }
  const lost: SourceSession['lost'] = {};
  conn.on('error', () => undefined); // surfaces as the next query's error
  const gone = (e?: unknown): void => {
    lost.error ??= e instanceof Error ? e : new SynctlError('NET', `${label}: the connection was closed`);
  };
  coreOf(conn).on('error', gone).on('end', gone);
  const [v] = await conn.query({ sql: 'SELECT VERSION()', rowsAsArray: true });
  const version = String((v as unknown as string[][])[0]?.[0] ?? '');
  await conn.query("SET time_zone = '+00:00'");
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  // long chunk streams into a slow target must not hit the server's write timeout
  await conn.query('SET SESSION net_write_timeout = 3600').catch(() => undefined);
  return { conn, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql', label, lost };
}

async function statusRows(conn: mysql.Connection, sql: string): Promise<Map<string, string>> {
  const [rows] = await conn.query<RowDataPacket[]>({ sql, rowsAsArray: true });
  return new Map((rows as unknown as unknown[][]).map((r) => [String(r[0]).toLowerCase(), String(r[1] ?? '')]));
}

/**
 * Keys that cut the table into `n` ranges, read in the session's snapshot: an integer key
 * is cut evenly between its MIN and MAX (two index lookups); any other key at every
 * estimate/n-th row (an index scan), fewer ranges when it has fewer rows than `estimate`.
 */
export async function rangeBounds(s: SourceSession, t: { schema: string; table: string }, key: readonly string[], integerKey: boolean, estimate: number, n: number): Promise<StoredKey[]> {
  const out: StoredKey[] = [];
  const cols = key.map(quoteIdent).join(', ');
  const from = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
  if (integerKey && key.length === 1) {
    const [rows] = await s.conn.query({ sql: `SELECT MIN(${cols}), MAX(${cols}) FROM ${from}`, rowsAsArray: true });
    const [lo, hi] = (rows as unknown as RawValue[][])[0] ?? [];
    if (lo === null || lo === undefined || hi === null || hi === undefined) return out;
    const a = BigInt(String(lo));
    const span = BigInt(String(hi)) - a;
    for (let i = 1; i < n; i++) {
      const b = a + (span * BigInt(i)) / BigInt(n);
      const v = typeof lo === 'number' ? Number(b) : String(b);
      if (out.length === 0 || JSON.stringify(out[out.length - 1]) !== JSON.stringify(storeKey([v]))) out.push(storeKey([v]));
    }
    return out;
  }
  for (let i = 1; i < n; i++) {
    const [rows] = await s.conn.query({ sql: `SELECT ${cols} FROM ${from} ORDER BY ${cols} LIMIT 1 OFFSET ${Math.floor((estimate * i) / n)}`, rowsAsArray: true });
    const row = (rows as unknown as RawValue[][])[0];
    if (row === undefined) break;
    out.push(storeKey(row));
  }
  return out;
}

/** Starts the session's consistent snapshot and returns the binlog position it is consistent at. */
export async function startSnapshot(s: SourceSession, nolock: boolean): Promise<BinlogPosition> {
  if (s.flavor === 'mariadb') {
    await s.conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const st = await statusRows(s.conn, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
    const file = st.get('binlog_snapshot_file') ?? '';
    const pos = Number(st.get('binlog_snapshot_position') ?? '0');
    if (file === '') throw new SynctlError('STATE', `${s.label}: the server has no binary log (log_bin is OFF): COPY needs it to know where capture takes over`);
    const [g] = await s.conn.query({ sql: 'SELECT BINLOG_GTID_POS(?, ?)', values: [file, pos], rowsAsArray: true });
    const gtid = (g as unknown as unknown[][])[0]?.[0];
    return binlogPosition(file, pos, gtid === null || gtid === undefined ? '' : String(gtid));
  }
  if (!nolock) {
    try {
      await s.conn.query('FLUSH TABLES WITH READ LOCK');
    } catch (e) {
      throw new SynctlError('STATE', `${s.label}: FLUSH TABLES WITH READ LOCK failed (${(e as Error).message}): grant RELOAD, or give NOLOCK to use the lock-free position check`);
    }
    try {
      await s.conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      return await readBinlogPosition(s.conn, 'mysql');
    } finally {
      await s.conn.query('UNLOCK TABLES');
    }
  }
  for (let i = 0; i < 50; i++) {
    const before = await readBinlogPosition(s.conn, 'mysql');
    await s.conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const after = await readBinlogPosition(s.conn, 'mysql');
    if (before.file === after.file && before.pos === after.pos) return after;
    await s.conn.query('ROLLBACK');
    await new Promise((r) => setTimeout(r, 20 * (i + 1)));
  }
  throw new SynctlError('STATE', `${s.label}: the binlog kept moving while starting a snapshot (50 tries): run COPY without NOLOCK`);
}

export async function endSnapshot(s: SourceSession): Promise<void> {
  await s.conn.query('COMMIT').catch(() => undefined);
}

export { storeKey, keyParams, type StoredKey, type ChunkQuery } from './load-source';

/**
 * SELECT of the next chunk: `select` (SQL expressions: quoted columns, or AS expressions)
 * in key order after `after` (the last key of the previous chunk) up to `upTo` (a key
 * range's end), at most `limit` rows; `where` is the user's WHERE|"expr". A table without
 * a key is one chunk (no ORDER BY, no LIMIT).
 */
export function chunkQuery(
  t: { schema: string; table: string },
  select: readonly string[],
  key: readonly string[],
  after: StoredKey | undefined,
  limit: number,
  where: string | undefined,
  upTo?: StoredKey,
): ChunkQuery {
  const q = quoteIdent;
  const params: (number | string | Buffer)[] = [];
  const conds = chunkConditions(key, q, (v) => (params.push(v), '?'), after, where, upTo);
  let sql = `SELECT ${select.join(', ')} FROM ${q(t.schema)}.${q(t.table)}`;
  if (conds.length > 0) sql += ` WHERE ${conds.join(' AND ')}`;
  if (key.length > 0) sql += ` ORDER BY ${key.map(q).join(', ')} LIMIT ${limit}`;
  return { sql, params };
}

/**
 * Streams the rows of a query into `onRow` (arrays, in order). When onRow returns a promise
 * the stream pauses until it settles (backpressure: the server waits while the target does).
 * Resolves when the rows end; rejects with the first error of the query or of onRow.
 */
export function pumpRows(s: SourceSession, qy: ChunkQuery, onRow: (row: RawValue[]) => Promise<void> | undefined): Promise<void> {
  if (s.lost.error) return Promise.reject(s.lost.error);
  const core = coreOf(s.conn);
  const stream = core.query({ sql: qy.sql, rowsAsArray: true }, qy.params).stream({ highWaterMark: 2000 });
  return pumpStream(stream, onRow, (fail) => {
    // a connection lost mid-stream (KILL, network) ends the connection but not the row stream (mysql2)
    const lost = (): void => fail(s.lost.error ?? new SynctlError('NET', `${s.label}: the connection was closed while reading rows`));
    core.once('error', lost);
    core.once('end', lost);
    return () => {
      core.off('error', lost);
      core.off('end', lost);
    };
  });
}
