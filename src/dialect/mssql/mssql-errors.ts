/**
 * What a SQL Server error means for exec, without loading the driver (apply-target.ts
 * asks synchronously). tedious/mssql errors carry `code` (connection-level: ESOCKET,
 * ECONNCLOSED, ...) and, for server errors, `number` (also on originalError.info).
 */
import type { TargetErrorKind } from '../target-errors';
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

/**
 * 515 NULL into NOT NULL, 241/242 bad date or time, 245/8114 conversion failed, 8115
 * arithmetic overflow, 8152/2628 string or binary data truncated, 4815/4816 a bulk load's
 * value or column type the column cannot take
 */
const DATA_NUMBERS = new Set([515, 241, 242, 245, 8114, 8115, 8152, 2628, 4815, 4816]);

/** What a SQL Server error says about retrying (a bulk load's earlier errors count too, as for duplicates). */
export function mssqlErrorKind(e: unknown): TargetErrorKind {
  if (mssqlIsDuplicateKey(e)) return 'duplicate';
  const data = (x: unknown): boolean => DATA_NUMBERS.has(mssqlErrorNumber(x) ?? -1);
  const preceding = (e as { precedingErrors?: unknown } | undefined)?.precedingErrors;
  return data(e) || (Array.isArray(preceding) && preceding.some(data)) ? 'data' : 'other';
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
