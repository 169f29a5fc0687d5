import type { Position } from './position';
import type { Value } from './value';

/** One column of a replicated table, as the source describes it. */
export interface ColumnDescriptor {
  readonly name: string;
  /** the source's own type text, e.g. 'decimal(12,2)', 'varchar(40)', 'timestamp(6)', 'int unsigned' */
  readonly type: string;
  /** part of the primary key (or the replica identity / unique key used to address rows) */
  readonly key: boolean;
  readonly nullable: boolean;
  /** character set of text columns when the source has one (utf8mb4, latin1, gbk...) */
  readonly charset?: string;
}

export interface TableDescriptor {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly ColumnDescriptor[];
}

/** A row image: one value per column of its table descriptor, same order. */
export type Row = readonly Value[];

export type Op = InsertOp | UpdateOp | DeleteOp | TruncateOp | DdlOp;

export interface InsertOp {
  readonly kind: 'insert';
  readonly table: TableDescriptor;
  readonly after: Row;
}

export interface UpdateOp {
  readonly kind: 'update';
  readonly table: TableDescriptor;
  /** before image: at least the key columns; other columns may be UNCHANGED */
  readonly before: Row;
  /** after image: columns the source did not send are UNCHANGED */
  readonly after: Row;
}

export interface DeleteOp {
  readonly kind: 'delete';
  readonly table: TableDescriptor;
  readonly before: Row;
}

export interface TruncateOp {
  readonly kind: 'truncate';
  readonly table: TableDescriptor;
}

export interface DdlOp {
  readonly kind: 'ddl';
  /** default schema the statement ran in */
  readonly schema: string;
  /** the statement as the source logged it */
  readonly sql: string;
  /** the table it touches, when known */
  readonly table?: TableDescriptor;
}

/** One committed source transaction, the unit of replication. */
export interface Transaction {
  /** siteid of the capture that produced it (loop prevention, per-origin checkpoints) */
  readonly origin: number;
  /** position just after the commit: resuming here starts with the next transaction */
  readonly position: Position;
  /** source commit time, microseconds since the Unix epoch (UTC) */
  readonly commitTimeUs: number;
  /** source transaction id (MySQL XID / GTID, PostgreSQL xid, SQL Server tran id), as text */
  readonly xid: string;
  readonly ops: readonly Op[];
  /**
   * A large source transaction travels in parts so no hop holds it whole. Parts are
   * consecutive in the stream; every part but the last has `continued` and, as its
   * position, where the transaction began (resuming there replays all of it); the last
   * part carries the commit position and the xid (it may have no ops). Apply the parts
   * as one target transaction, committed with the last part.
   */
  readonly continued?: boolean;
}
