/**
 * One round trip of statements to SQL Server with each statement's affected-row count.
 *
 * tedious reports a count only for statements that have one (its `rowsAffected` list skips
 * BEGIN TRANSACTION, IF, SET...), so the list cannot be matched to the statements. Instead
 * the batch reads @@ROWCOUNT right after every statement into a variable and returns the
 * list as the batch's last result set. TRY/CATCH with a bare THROW makes the first failing
 * statement end the batch with its own error number (2627 stays 2627): without it SQL
 * Server would go on with the next statement after a statement-level error.
 *
 * The batch also starts by checking the session's CONTEXT_INFO mark: the mssql pool
 * replaces a dropped connection silently, and statements of a half-applied group must not
 * run in a fresh session (autocommit, no lock) as if nothing happened.
 */
import { SynctlError } from '../../errors';

/** THROW number of the "not the session exec opened" check (mssqlConnectionLost knows it). */
export const SESSION_LOST_ERROR = 50001;
export const SESSION_LOST_TEXT = 'synctl: not the session exec opened (the connection was lost and replaced)';

/** The statement text exec's engine sends, in T-SQL (BEGIN alone is a block in T-SQL, not a transaction). */
export function tsqlStatement(sql: string): string {
  const s = sql.trim().replace(/;+\s*$/, '');
  switch (s.toUpperCase()) {
    case 'BEGIN':
    case 'START TRANSACTION':
      return 'BEGIN TRANSACTION';
    case 'COMMIT':
      return 'COMMIT TRANSACTION';
    case 'ROLLBACK':
      return 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION';
    default:
      return s;
  }
}

/** The check that the batch runs in the session whose CONTEXT_INFO holds `mark` (16 bytes, hex). */
export function sessionCheck(markHex: string): string {
  return `IF CONTEXT_INFO() IS NULL OR SUBSTRING(CONTEXT_INFO(), 1, ${markHex.length / 2}) <> 0x${markHex} THROW ${SESSION_LOST_ERROR}, N'${SESSION_LOST_TEXT}', 1;`;
}

/** THROW number of the "the transaction exec opened is gone" check. */
export const TRANSACTION_LOST_ERROR = 50002;

/**
 * The check that the transaction exec opened is still open. An error that makes a
 * transaction uncommittable (most DDL errors inside TRY, for one) gets it rolled back when
 * the batch ends; without this check the next batches would run in autocommit, each
 * statement committed on its own, outside the group exec thinks it is in.
 */
export function transactionCheck(): string {
  return `IF @@TRANCOUNT = 0 THROW ${TRANSACTION_LOST_ERROR}, N'synctl: the open transaction was rolled back by SQL Server (an error in it made it uncommittable)', 1;`;
}

/** Whether a transaction is open after `statements` ran, starting from `open`. */
export function transactionOpenAfter(statements: readonly string[], open: boolean): boolean {
  for (const s of statements) {
    const t = tsqlStatement(s);
    if (t === 'BEGIN TRANSACTION') open = true;
    else if (t === 'COMMIT TRANSACTION' || t.endsWith('ROLLBACK TRANSACTION')) open = false;
  }
  return open;
}

/**
 * The batch text for `statements`; its last result set is one row, column rc: the counts
 * separated by spaces. `inTransaction`: exec's transaction is open and must still be.
 */
export function countedBatch(statements: readonly string[], markHex: string, inTransaction = false): string {
  const lines = [sessionCheck(markHex), ...(inTransaction ? [transactionCheck()] : []), "DECLARE @synctl_rc nvarchar(max) = N'';", 'BEGIN TRY'];
  for (const s of statements) {
    // the terminator on its own line: a statement may end in a -- comment
    lines.push(tsqlStatement(s), ';');
    lines.push("SET @synctl_rc += CONCAT(@@ROWCOUNT, N' ');");
  }
  lines.push('END TRY', 'BEGIN CATCH', '  THROW;', 'END CATCH;', 'SELECT @synctl_rc AS rc;');
  return lines.join('\n');
}

/** The counts from the batch's last result set; exactly one per statement. */
export function parseCounts(recordsets: readonly (readonly Record<string, unknown>[])[], expected: number): number[] {
  const last = recordsets[recordsets.length - 1];
  const rc = last?.[0]?.['rc'];
  if (typeof rc !== 'string') throw new SynctlError('DB', 'SQL Server batch returned no row counts (was SET NOCOUNT or a trigger changing the result sets?)');
  const counts = rc.trim() === '' ? [] : rc.trim().split(' ').map(Number);
  if (counts.length !== expected || counts.some((n) => !Number.isInteger(n))) {
    throw new SynctlError('DB', `SQL Server batch returned ${counts.length} row counts for ${expected} statements`);
  }
  return counts;
}

/**
 * The rows of statement `readAt` of a countedBatch: each SELECT of the batch returns one
 * result set, in order (exec's other statements, and the counts row, come after or return
 * none), so it is the result set numbered by the SELECTs before it.
 */
export function rowsOfStatement(recordsets: readonly (readonly Record<string, unknown>[])[], statements: readonly string[], readAt: number): Record<string, unknown>[] {
  if (!/^\s*SELECT\b/i.test(statements[readAt] ?? '')) throw new SynctlError('DB', `statement ${readAt} of the batch is not a SELECT`);
  const before = statements.slice(0, readAt).filter((s) => /^\s*SELECT\b/i.test(s)).length;
  return [...(recordsets[before] ?? [])];
}
