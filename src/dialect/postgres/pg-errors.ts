import type { TargetErrorKind } from '../target-errors';

/** What a PostgreSQL error (its SQLSTATE in pg's `code`) says about retrying: 23505 unique violation; class 22 data exceptions and 23502 NULL into NOT NULL. */
export function pgErrorKind(e: unknown): TargetErrorKind {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return 'other';
  if (code === '23505') return 'duplicate';
  return code.startsWith('22') || code === '23502' ? 'data' : 'other';
}
