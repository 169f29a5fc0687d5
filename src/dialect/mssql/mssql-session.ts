/**
 * One SQL Server session through the `mssql` package (tedious), loaded only when a SQL
 * Server is configured. A pool of exactly one connection that never idles out: exec's
 * transaction spans several batches and its lock is the session's, so every batch must
 * run on the same connection. The session is marked (CONTEXT_INFO) so that a batch run on
 * a connection the pool silently replaced fails instead (mssql-batch.ts).
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionPool, IBulkOptions, IResult, Request, Table } from 'mssql';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { logger } from '../../log';

/**
 * Certificate checking: on by default (tedious encrypts). A server with a self-signed
 * certificate (SQL Server's default) needs SYNCTL_MSSQL_TRUST_CERT=1.
 */
export const TRUST_CERT_ENV = 'SYNCTL_MSSQL_TRUST_CERT';

export interface MssqlSession {
  readonly label: string;
  /** hex of the 16 bytes in this session's CONTEXT_INFO */
  readonly mark: string;
  /** one batch (no parameters: sent as SQL text, so session SET options persist) */
  batch(sql: string): Promise<IResult<Record<string, unknown>>>;
  /** a request for streaming rows (rows as arrays) */
  request(): Request;
  /** the mssql module (tables for bulk()) */
  readonly sql: MssqlModule;
  /** one bulk load (INSERT BULK) of `table` in the session, inside its open transaction if any */
  bulk(table: Table, options: IBulkOptions): Promise<void>;
  close(): Promise<void>;
}

/** Statements every session runs first. */
export function sessionSetup(markHex: string): string {
  return [
    'SET NOCOUNT ON', // counts come from @@ROWCOUNT (mssql-batch.ts), not DONE tokens
    'SET XACT_ABORT OFF', // a failed statement must not doom the transaction (guarded(), duplicate keys)
    'SET DATEFORMAT ymd',
    'SET ANSI_NULLS ON',
    'SET QUOTED_IDENTIFIER ON',
    'SET CONCAT_NULL_YIELDS_NULL ON',
    `SET CONTEXT_INFO 0x${markHex}`,
  ].join(';\n');
}

const log = logger('mssql');

/** A request's info messages (PRINT, severity <= 10): synctl's own logged as warnings, others ignored. */
export function infoHandler(label: string): (m: { message?: string }) => void {
  return (m) => {
    if (m.message?.startsWith(SYNCTL_MESSAGE)) log.warn(`${label}: ${m.message.slice(SYNCTL_MESSAGE.length)}`);
  };
}

export function mssqlLabel(db: DbConnection): string {
  return `mssql ${db.server}:${db.port}/${db.database || 'master'}`;
}

export type MssqlModule = typeof import('mssql');

/** PRINT messages of synctl's own statements (mssql-ddl.ts) start so; the session logs them as warnings. */
export const SYNCTL_MESSAGE = 'synctl: ';

/**
 * The driver, loaded on first use. mssql is CommonJS: Node's import() puts its exports on
 * `default` (cjs-module-lexer does not see through its re-export), a transpiler may not.
 */
export async function loadMssql(): Promise<MssqlModule> {
  const mod = (await import('mssql')) as MssqlModule & { default?: MssqlModule };
  return mod.default ?? mod;
}

export async function openMssqlSession(db: DbConnection, appName: string): Promise<MssqlSession> {
  const label = mssqlLabel(db);
  const sql = await loadMssql();
  const mark = randomBytes(16).toString('hex');
  const pool: ConnectionPool = new sql.ConnectionPool({
    server: db.server,
    port: db.port,
    user: db.user,
    password: db.password,
    ...(db.database !== '' ? { database: db.database } : {}),
    connectionTimeout: 15_000,
    requestTimeout: 0, // no limit: a large group, DDL or a lock wait may take long
    // a dropped connection is seen by the next batch (the session mark), not by a probe per request
    validateConnection: false,
    pool: { min: 1, max: 1, idleTimeoutMillis: 2 ** 31 - 1 },
    options: { encrypt: true, trustServerCertificate: process.env[TRUST_CERT_ENV] === '1', appName, useUTC: true },
  });
  pool.on('error', () => undefined); // surfaces as the next batch's error
  try {
    await pool.connect();
    await pool.request().batch(sessionSetup(mark));
  } catch (e) {
    await pool.close().catch(() => undefined);
    const msg = (e as Error).message;
    const hint = /certificate/i.test(msg) ? ` (a self-signed server certificate is accepted with ${TRUST_CERT_ENV}=1)` : '';
    throw new SynctlError('DB', `${label}: cannot connect as ${db.user}: ${msg}${hint}`, { target: label }, { cause: e });
  }
  return {
    label,
    mark,
    batch: (text) => {
      const r = pool.request();
      r.on('info', infoHandler(label));
      return r.batch<Record<string, unknown>>(text);
    },
    sql,
    bulk: async (table, options) => void (await pool.request().bulk(table, options)),
    request: () => {
      const r = pool.request();
      r.arrayRowMode = true;
      return r;
    },
    close: () => pool.close().catch(() => undefined),
  };
}
