/**
 * What a SQL Server error means for exec, without loading the driver (apply-target.ts
 * asks synchronously). tedious/mssql errors carry `code` (connection-level: ESOCKET,
 * ECONNCLOSED, ...) and, for server errors, `number` (also on originalError.info).
 */
import { SESSION_LOST_ERROR } from './mssql-batch';

interface MssqlErrorLike {
  code?: unknown;
  number?: unknown;
  name?: unknown;
  originalError?: { info?: { number?: unknown }; code?: unknown };
}

/** The server error number, when the error is one SQL Server raised. */
export function mssqlErrorNumber(e: unknown): number | undefined {
  const err = e as MssqlErrorLike | undefined;
  const n = err?.number ?? err?.originalError?.info?.number;
  return typeof n === 'number' ? n : undefined;
}

/**
 * 2627 PRIMARY KEY / UNIQUE constraint, 2601 unique index. mssql raises the last of a
 * request's errors and keeps the ones before it in precedingErrors: a bulk load's
 * duplicate key counts there too.
 */
export function mssqlIsDuplicateKey(e: unknown): boolean {
  const dup = (x: unknown): boolean => {
    const n = mssqlErrorNumber(x);
    return n === 2627 || n === 2601;
  };
  const preceding = (e as { precedingErrors?: unknown } | undefined)?.precedingErrors;
  return dup(e) || (Array.isArray(preceding) && preceding.some(dup));
}

const LOST_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ENOTOPEN', 'ECONNRESET']);
// 233/10053/10054/64: transport-level errors; 6005/6006: server shutting down
const LOST_NUMBERS = new Set([64, 233, 10053, 10054, 6005, 6006, SESSION_LOST_ERROR]);

/** The connection to SQL Server is gone (or was replaced under us), not a statement failure. */
export function mssqlConnectionLost(e: unknown): boolean {
  const err = e as MssqlErrorLike | undefined;
  if (!err) return false;
  const code = typeof err.code === 'string' ? err.code : typeof err.originalError?.code === 'string' ? err.originalError.code : undefined;
  if (code !== undefined && LOST_CODES.has(code)) return true;
  // a connect that timed out (ConnectionError ETIMEOUT); a request timeout is a statement's
  if (code === 'ETIMEOUT' && err.name === 'ConnectionError') return true;
  const n = mssqlErrorNumber(e);
  return n !== undefined && LOST_NUMBERS.has(n);
}
