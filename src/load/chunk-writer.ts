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

/** What a writer writes: the source table bound to its target table; only bound columns are written. */
export interface BulkTarget {
  readonly bound: BoundTable;
  /** source column indexes to write, in order (bound columns that the target accepts values for) */
  readonly columns: readonly number[];
}
