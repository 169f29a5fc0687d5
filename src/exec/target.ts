import type { BoundTable } from '../dialect/bound-table';
import type { SqlWriter } from '../dialect/sql-writer';
import type { Row } from '../model/change';
import type { VTable } from '../verify/types';

/**
 * The database exec writes to, as the apply engine sees it. Each engine implements it
 * in src/dialect/<engine>/*-target.ts; the engine never asks which one it has.
 */
export interface ApplyTarget {
  /** 'postgres 127.0.0.1:5432/app' for logs and errors (never the password) */
  readonly label: string;
  readonly writer: SqlWriter;
  /** the source engines whose DDL this target runs as it is ('mysql' for MySQL/MariaDB) */
  readonly sameEngineDdl: 'mysql' | 'pg' | 'mssql';
  /**
   * Runs the statements in order in one round trip; resolves with each one's affected-row
   * count. A failing statement rejects the whole trip (the transaction is then unusable
   * until rollback()).
   */
  run(statements: readonly string[]): Promise<number[]>;
  /**
   * run(), and the rows of the statement at `readAt` (a SELECT): a read a transaction
   * needs first travels in the same round trip as the statements after it.
   */
  runReading(statements: readonly string[], readAt: number): Promise<{ counts: number[]; rows: Record<string, unknown>[] }>;
  rollback(): Promise<void>;
  /**
   * Takes the session lock that makes this the only exec writing `name` on the target,
   * waiting up to `timeoutSec` (a killed predecessor's session ends first: its last
   * transaction is then committed or rolled back, never still in flight). False on timeout.
   */
  lock(name: string, timeoutSec: number): Promise<boolean>;
  /** rows of one query (system tables, catalog) */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * Inserts `rows` by the engine's bulk path inside the open transaction (PostgreSQL: COPY
   * FROM STDIN); resolves with the rows inserted. Absent where multi-row INSERTs are the
   * bulk path. A duplicate key fails the whole call, like a multi-row INSERT.
   */
  bulkInsert?(t: BoundTable, rows: readonly Row[]): Promise<number>;
  /** a statement inside a transaction that may fail without spoiling the transaction */
  guarded<T>(work: () => Promise<T>): Promise<T>;
  /** the error is a duplicate-key violation */
  isDuplicateKey(e: unknown): boolean;
  /** the target's table, or undefined when it has none by that name (catalog cached until invalidate) */
  table(schema: string, table: string, caseSensitive: boolean): Promise<VTable | undefined>;
  invalidate(): void;
  /** statements copying a table (rows included) to `copyName` beside it, for soft_op */
  copyTable(schema: string, table: string, copyName: string): string[];
  /**
   * DDL text the source logged, run as is in `schema` (same engine only). `subject`: the
   * target table the statement is about (its op's table, through the send's map); a
   * statement that names another table is refused (APPLY_SCHEMA) rather than run there.
   */
  ddl(schema: string, sql: string, subject?: { schema: string; table: string }): string[];
  /** DDL from another engine, translated. Throws APPLY_SCHEMA saying why when the statement is not translated. */
  translateDdl(sourceEngine: 'mysql' | 'pg' | 'mssql', sql: string, names: DdlNames): string[];
  readonly system: SystemTables;
  close(): Promise<void>;
}

/** One row of DMHS_TRXID_TABLE: how far exec has applied the changes of one origin. */
export interface TrxidRow {
  readonly siteid: number;
  readonly worker: number;
  /** highest frame sequence whose transactions are all applied */
  readonly seq: bigint;
  /** source position of the last applied transaction (resume point, skip boundary) */
  readonly position: string;
  readonly xid: string;
  /** source commit time of the last applied transaction, µs since the epoch */
  readonly commitTimeUs: number;
  /** transactions applied so far from this origin */
  readonly trxCount: bigint;
}

export interface ErrorRecord {
  readonly siteid: number;
  readonly position: string;
  readonly xid: string;
  readonly table: string;
  readonly op: string;
  /** the statement that failed (or would have run) */
  readonly statement: string;
  readonly error: string;
  /** 'discarded' (transaction), 'skipped' (operation), 'stopped' (exec), 'conflict' (recorded and skipped) */
  readonly action: string;
}

/** The exec's own tables on the target and the statements that keep them. */
export interface SystemTables {
  /** where they live, as the target spells it */
  readonly schema: string;
  create(): string[];
  /**
   * The checkpoint rows. `locked`: a locking read, which waits for a transaction still
   * writing them (a killed exec's last commit the server is still processing).
   */
  read(locked?: boolean): string;
  /** upsert of checkpoint rows, in the same transaction as the data */
  save(rows: readonly TrxidRow[]): string;
  recordError(e: ErrorRecord): string;
  /** every recorded error, newest last */
  listErrors(): string;
  /** SCHEMA_NAME, TABLE_NAME, POS, STATUS of DMHS_TABLE_SEQID (written by copy) */
  readTableSeqids(): string;
  /**
   * Locks DMHS_TABLE_SEQID's gate row (SEQID_GATE) shared until the transaction ends.
   * Copy locks it exclusively while it marks tables 'loading', so an exec group and a
   * copy's marking never overlap: a group either commits first or sees the mark.
   */
  gateShared(): string;
  /** marks a recorded error as reapplied */
  markReapplied(id: number): string;
}

/**
 * The gate row of DMHS_TABLE_SEQID (see SystemTables.gateShared): not a table, never
 * loaded; created with the table by exec and by copy, whichever comes first.
 */
export const SEQID_GATE = { schema: '', table: '', pos: '', status: 'gate' } as const;

/** How names in a DDL statement become target names. */
export interface DdlNames {
  /** schema of unqualified names */
  readonly defaultSchema: string;
  /** the target of the table the statement is about (as the send's map renamed it), when known */
  readonly subject?: { schema: string; table: string };
  /** any other table's target name */
  name(schema: string, table: string): { schema: string; table: string };
}

/**
 * Creates exec's tables when missing (SystemTables.create). Execs and copies starting
 * together on a new target race in CREATE ... IF NOT EXISTS: PostgreSQL then fails one of
 * them with a duplicate key in its catalog (seen every time in a 20-try check, and an
 * advisory lock around the creates did not stop it: the waiting session checks with a
 * catalog snapshot from before the other committed). The loser tries again, and then
 * finds the tables there.
 */
export async function createSystemTables(t: Pick<ApplyTarget, 'run' | 'system'>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await t.run(t.system.create());
      return;
    } catch (e) {
      // the statements go in one implicit transaction, rolled back whole by the failure
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}
