import type { BoundTable } from '../dialect/bound-table';
import type { Row } from '../model/change';

/**
 * Bulk writes of one target table, a chunk per target transaction: begin(), the chunk's
 * rows, then commit(progressSql) runs the DMHS_TABLE_SEQID progress statement in the same
 * transaction and commits, so a chunk's rows and its CHUNKS_DONE entry are durable
 * together or not at all. Implemented per engine in src/dialect/<engine>/*-bulk-writer.ts.
 */
export interface ChunkWriter {
  /** 'postgres 127.0.0.1:5432/app' */
  readonly label: string;
  begin(): Promise<void>;
  /** adds one row (Values indexed like the bound table's source columns); await when it returns a promise (backpressure) */
  write(row: Row): Promise<void> | undefined;
  /** ends the chunk's data, runs `progressSql`, commits */
  commit(progressSql: string): Promise<void>;
  /** abandons the open chunk (nothing of it stays) */
  rollback(): Promise<void>;
  /** one statement outside any chunk (autocommit) */
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * How rows meet the target's rows: 'insert' adds them (a duplicate key fails the chunk),
 * 'replace' overwrites the row with the same key or adds it, 'update' changes only the
 * rows the target has (by key). 'replace' and 'update' write a chunk into a session
 * temporary table first and merge it into the table at commit.
 */
export type RowMode = 'insert' | 'replace' | 'update';

/** What a writer writes: the source table bound to its target table; only bound columns are written. */
export interface BulkTarget {
  readonly bound: BoundTable;
  /** source column indexes to write, in order (bound columns that the target accepts values for) */
  readonly columns: readonly number[];
  readonly mode: RowMode;
}

/** Target column names of a merge: the written columns, the key among them, the others. */
export function mergeColumns(t: BulkTarget): { all: string[]; key: string[]; set: string[] } {
  const name = (i: number): string => t.bound.columns[i]!.name;
  const keys = new Set(t.bound.key);
  return { all: t.columns.map(name), key: t.bound.key.map(name), set: t.columns.filter((i) => !keys.has(i)).map(name) };
}
