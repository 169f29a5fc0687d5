import type { TargetErrorKind } from '../target-errors';

/** 1062 duplicate entry, 1586 duplicate entry for a key of a partitioned or unique index */
const DUPLICATE = new Set([1062, 1586]);
/** 1048 NULL into NOT NULL, 1264 out of range, 1265 truncated, 1292 bad temporal value, 1366 bad value, 1406 too long */
const DATA = new Set([1048, 1264, 1265, 1292, 1366, 1406]);

/** What a MySQL/MariaDB server error (mysql2's `errno`) says about retrying. */
export function mysqlErrorKind(e: unknown): TargetErrorKind {
  const n = (e as { errno?: unknown } | undefined)?.errno;
  if (typeof n !== 'number') return 'other';
  return DUPLICATE.has(n) ? 'duplicate' : DATA.has(n) ? 'data' : 'other';
}
