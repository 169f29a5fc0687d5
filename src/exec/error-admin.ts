import { SynctlError } from '../errors';
import { createSystemTables, type ApplyTarget, type ErrorRecord } from './target';

/** A row of DMHS_ERROR_TSK_TABLE: the record exec wrote, with its id and time. */
export interface RecordedError extends ErrorRecord {
  readonly id: number;
  readonly at: string;
}

function field(r: Record<string, unknown>, name: string): unknown {
  return r[name] ?? r[name.toLowerCase()];
}

/** Every failure exec recorded on this target (DMHS_ERROR_TSK_TABLE), oldest first. */
export async function listErrors(target: ApplyTarget): Promise<RecordedError[]> {
  await createSystemTables(target);
  const rows = await target.query(target.system.listErrors());
  return rows.map((r) => ({
    id: Number(field(r, 'ID')),
    siteid: Number(field(r, 'SITEID')),
    position: String(field(r, 'POS')),
    xid: String(field(r, 'XID')),
    table: String(field(r, 'TABLE_NAME')),
    op: String(field(r, 'OP')),
    statement: String(field(r, 'STMT')),
    error: String(field(r, 'ERROR')),
    action: String(field(r, 'ACTION')),
    at: field(r, 'AT') instanceof Date ? (field(r, 'AT') as Date).toISOString() : String(field(r, 'AT')),
  }));
}

/** The recorded statements without their comment lines (ops that could not be written as SQL). */
export function runnableStatements(stmt: string): string[] {
  return stmt
    .split(';\n')
    .map((s) => s.split('\n').filter((l) => !l.startsWith('-- ')).join('\n').trim())
    .filter((s) => s.length > 0);
}

/**
 * Runs a recorded failure's statements in one transaction (after the DBA fixed the cause)
 * and marks the record 'reapplied'. Nothing is applied when any statement fails.
 */
export async function reapplyError(target: ApplyTarget, id: number): Promise<RecordedError> {
  const rec = (await listErrors(target)).find((e) => e.id === id);
  if (!rec) throw new SynctlError('USAGE', `${target.label}: no recorded error with id ${id} (synctl exec --errors lists them)`);
  if (rec.action === 'reapplied') throw new SynctlError('USAGE', `error ${id} was already reapplied`);
  const statements = runnableStatements(rec.statement);
  if (statements.length === 0) throw new SynctlError('USAGE', `error ${id} holds no statement that can run (${rec.op} could not be written as SQL)`);
  try {
    await target.run(['BEGIN', ...statements, target.system.markReapplied(id), 'COMMIT']);
  } catch (e) {
    await target.rollback().catch(() => undefined);
    throw new SynctlError('APPLY_FAILED', `error ${id} (${rec.op} ${rec.table} at ${rec.position}): reapplying failed, nothing applied: ${(e as Error).message.split('\n')[0]}`);
  }
  return { ...rec, action: 'reapplied' };
}
