import type { Value } from '../../model/value';
import type { BinlogColumn } from './column';

/**
 * The binlog event model: one discriminated union keyed on `kind`, one shape per event,
 * every event carrying the common v4 header plus the file offset where it starts.
 * Events the decoder does not model (LOAD DATA leftovers, VIEW_CHANGE, newer types...)
 * come out as `{ kind: 'unknown', raw }` so a newer server never breaks the reader.
 */

/** Binlog event type codes (MySQL and MariaDB). */
export const EventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  LOAD: 6,
  SLAVE: 7,
  CREATE_FILE: 8,
  APPEND_BLOCK: 9,
  EXEC_LOAD: 10,
  DELETE_FILE: 11,
  NEW_LOAD: 12,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  BEGIN_LOAD_QUERY: 17,
  EXECUTE_LOAD_QUERY: 18,
  TABLE_MAP: 19,
  PRE_GA_WRITE_ROWS: 20,
  PRE_GA_UPDATE_ROWS: 21,
  PRE_GA_DELETE_ROWS: 22,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  MARIA_ANNOTATE_ROWS: 160,
  MARIA_BINLOG_CHECKPOINT: 161,
  MARIA_GTID: 162,
  MARIA_GTID_LIST: 163,
  MARIA_START_ENCRYPTION: 164,
  MARIA_QUERY_COMPRESSED: 165,
  MARIA_WRITE_ROWS_COMPRESSED_V1: 166,
  MARIA_UPDATE_ROWS_COMPRESSED_V1: 167,
  MARIA_DELETE_ROWS_COMPRESSED_V1: 168,
  MARIA_WRITE_ROWS_COMPRESSED: 169,
  MARIA_UPDATE_ROWS_COMPRESSED: 170,
  MARIA_DELETE_ROWS_COMPRESSED: 171,
} as const;

const TYPE_NAMES: Record<number, string> = {};
for (const [name, code] of Object.entries(EventType)) TYPE_NAMES[code] = name;

/** 'QUERY', 'WRITE_ROWS_V2', 'MARIA_GTID'... or 'TYPE_<n>' for codes nobody defined. */
export function eventTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `TYPE_${code}`;
}

/** Header flags. */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
export const LOG_EVENT_ARTIFICIAL_F = 0x20;
/** Rows event flag: last rows event of the statement. */
export const STMT_END_F = 0x1;

export type ChecksumAlg = 'off' | 'crc32' | 'undefined';

export interface BinlogEventHeader {
  /** seconds since the epoch (server clock when the statement started) */
  readonly timestamp: number;
  readonly typeCode: number;
  readonly serverId: number;
  /** whole event size including header and checksum */
  readonly eventSize: number;
  /** end_log_pos: position of the next event in the *source* binlog (0 in some relay/nested events) */
  readonly logPos: number;
  readonly flags: number;
  /** file offset where this event starts (for events nested in TRANSACTION_PAYLOAD: the payload event's offset) */
  readonly offset: number;
}

interface EventBase {
  readonly header: BinlogEventHeader;
}

export interface FormatDescriptionEvent extends EventBase {
  readonly kind: 'formatDescription';
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** post-header length per event type: index = typeCode - 1 */
  readonly postHeaderLengths: readonly number[];
  readonly checksumAlg: ChecksumAlg;
  readonly mariadb: boolean;
}

export interface RotateEvent extends EventBase {
  readonly kind: 'rotate';
  readonly nextFile: string;
  readonly position: number;
  /** fake rotate (relay-log start, network stream start): not a file switch of this file */
  readonly artificial: boolean;
}

export interface StopEvent extends EventBase {
  readonly kind: 'stop';
}

export interface QueryStatusVars {
  readonly flags2?: number;
  /** sql_mode as a 64-bit mask */
  readonly sqlMode?: bigint;
  readonly catalog?: string;
  readonly autoIncrementIncrement?: number;
  readonly autoIncrementOffset?: number;
  /** character_set_client, collation_connection, collation_server (collation ids) */
  readonly charset?: { readonly client: number; readonly connection: number; readonly server: number };
  readonly timeZone?: string;
  readonly lcTimeNames?: number;
  readonly charsetDatabase?: number;
  readonly tableMapForUpdate?: bigint;
  readonly invoker?: { readonly user: string; readonly host: string };
  readonly updatedDbNames?: readonly string[];
  readonly microseconds?: number;
  readonly explicitDefaultsForTimestamp?: boolean;
  readonly ddlXid?: bigint;
  readonly defaultCollationForUtf8mb4?: number;
  readonly sqlRequirePrimaryKey?: number;
  readonly defaultTableEncryption?: number;
  /** MariaDB Q_XID (DDL logged with an xid) */
  readonly xid?: bigint;
  /** MariaDB Q_HRNOW microseconds */
  readonly hrnow?: number;
  readonly gtidFlags3?: number;
  /** first status-var code the decoder could not size; parsing stopped there */
  readonly unknownCode?: number;
}

export interface QueryEvent extends EventBase {
  readonly kind: 'query';
  readonly threadId: number;
  readonly execTime: number;
  readonly schema: string;
  readonly errorCode: number;
  readonly statusVars: QueryStatusVars;
  readonly sql: string;
  /** true for MariaDB QUERY_COMPRESSED (165) */
  readonly compressed: boolean;
}

export interface XidEvent extends EventBase {
  readonly kind: 'xid';
  readonly xid: bigint;
}

export interface XaPrepareEvent extends EventBase {
  readonly kind: 'xaPrepare';
  readonly onePhase: boolean;
  readonly formatId: number;
  readonly gtrid: Buffer;
  readonly bqual: Buffer;
}

export interface IntvarEvent extends EventBase {
  readonly kind: 'intvar';
  /** 1 LAST_INSERT_ID, 2 INSERT_ID */
  readonly type: number;
  readonly value: bigint;
}

export interface RandEvent extends EventBase {
  readonly kind: 'rand';
  readonly seed1: bigint;
  readonly seed2: bigint;
}

export interface UserVarEvent extends EventBase {
  readonly kind: 'userVar';
  readonly name: string;
  readonly isNull: boolean;
  /** Item_result: 0 STRING, 1 REAL, 2 INT, 3 ROW, 4 DECIMAL */
  readonly valueType?: number;
  readonly charset?: number;
  readonly value?: Buffer;
  readonly flags?: number;
}

export interface ColumnPrimaryKey {
  readonly index: number;
  /** prefix length, 0 = whole column */
  readonly prefix: number;
}

export interface TableMapEvent extends EventBase {
  readonly kind: 'tableMap';
  readonly tableId: number;
  readonly flags: number;
  readonly schema: string;
  readonly table: string;
  /** TABLE_MAP column types as written (STRING stays 254 here; see columns[i].type for the real type) */
  readonly columnTypes: Uint8Array;
  /** raw metadata block */
  readonly rawMetadata: Buffer;
  readonly nullBitmap: Buffer;
  /** one per column, optional metadata merged in */
  readonly columns: readonly BinlogColumn[];
  /** optional metadata that is not per-column in BinlogColumn */
  readonly primaryKey?: readonly ColumnPrimaryKey[];
  /** per column: visible? (MySQL >= 8.0.23 with FULL metadata) */
  readonly visibility?: readonly boolean[];
  /** per column: geometry type (0 for non-geometry columns) */
  readonly geometryTypes?: readonly (number | undefined)[];
  /** true when the binlog carried column names (binlog_row_metadata=FULL) */
  readonly hasColumnNames: boolean;
  /** true when the binlog carried signedness */
  readonly hasSignedness: boolean;
}

export type RowsAction = 'insert' | 'update' | 'delete';

/**
 * One row change. Images are aligned to ALL table columns: null = SQL NULL,
 * UNCHANGED = column not present in a partial (minimal/noblob) image.
 */
export interface BinlogRow {
  readonly before?: Value[];
  readonly after?: Value[];
}

export interface RowsEvent extends EventBase {
  readonly kind: 'rows';
  readonly action: RowsAction;
  /** 0 = pre-GA (20-22), 1 = v1 (23-25, MariaDB 166-168), 2 = v2 (30-32, MariaDB 169-171) */
  readonly version: 0 | 1 | 2;
  /** MariaDB compressed rows events */
  readonly compressed: boolean;
  readonly tableId: number;
  readonly flags: number;
  readonly table: TableMapEvent;
  readonly columnCount: number;
  /** v2 extra data (after the 2-byte length), empty for v1 */
  readonly extraData: Buffer;
  /** columns-present bitmap of the before image (delete/update) or the only image (insert) */
  readonly columnsPresent: Buffer;
  /** update only: columns-present bitmap of the after image */
  readonly columnsPresentAfter?: Buffer;
  readonly rows: readonly BinlogRow[];
}

export interface JsonDiff {
  /** 0 REPLACE, 1 INSERT, 2 REMOVE */
  readonly operation: 0 | 1 | 2;
  readonly path: string;
  /** binary JSON value (MySQL format) for REPLACE/INSERT; undefined for REMOVE */
  readonly value?: Buffer;
}

export interface PartialRow {
  readonly before: Value[];
  /** columns whose after value is a JSON diff hold UNCHANGED here: apply `jsonDiffs` */
  readonly after: Value[];
  /** column index → diffs to apply to that column's before value (in order) */
  readonly jsonDiffs: ReadonlyMap<number, readonly JsonDiff[]>;
}

/**
 * PARTIAL_UPDATE_ROWS (39, binlog_row_value_options=PARTIAL_JSON). The structure is fully
 * parsed; applying the diffs is left to the caller. A caller that does not apply them
 * must stop with an error rather than treat UNCHANGED as "not modified".
 */
export interface PartialUpdateRowsEvent extends EventBase {
  readonly kind: 'partialUpdateRows';
  readonly tableId: number;
  readonly flags: number;
  readonly table: TableMapEvent;
  readonly columnCount: number;
  readonly extraData: Buffer;
  readonly columnsPresent: Buffer;
  readonly columnsPresentAfter: Buffer;
  readonly rows: readonly PartialRow[];
}

export interface RowsQueryEvent extends EventBase {
  readonly kind: 'rowsQuery';
  readonly sql: string;
}

export interface AnnotateRowsEvent extends EventBase {
  readonly kind: 'annotateRows';
  readonly sql: string;
}

export interface MysqlGtidEvent extends EventBase {
  /** GTID (33), GTID_TAGGED (42) */
  readonly kind: 'gtid';
  readonly flags: number;
  /** 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' */
  readonly uuid: string;
  /** '' when untagged */
  readonly tag: string;
  readonly gno: bigint;
  readonly lastCommitted?: bigint;
  readonly sequenceNumber?: bigint;
  /** microseconds since the epoch */
  readonly immediateCommitTimestamp?: bigint;
  readonly originalCommitTimestamp?: bigint;
  readonly transactionLength?: bigint;
  readonly immediateServerVersion?: number;
  readonly originalServerVersion?: number;
}

export interface AnonymousGtidEvent extends EventBase {
  readonly kind: 'anonymousGtid';
  readonly flags: number;
  readonly lastCommitted?: bigint;
  readonly sequenceNumber?: bigint;
  readonly immediateCommitTimestamp?: bigint;
  readonly originalCommitTimestamp?: bigint;
  readonly transactionLength?: bigint;
}

export interface GtidInterval {
  readonly start: bigint;
  /** exclusive */
  readonly end: bigint;
}

export interface GtidSetEntry {
  readonly uuid: string;
  readonly tag: string;
  readonly intervals: readonly GtidInterval[];
}

export interface PreviousGtidsEvent extends EventBase {
  readonly kind: 'previousGtids';
  readonly sets: readonly GtidSetEntry[];
}

export interface TransactionPayloadEvent extends EventBase {
  readonly kind: 'transactionPayload';
  /** 0 = zstd, 255 = none */
  readonly compressionType: number;
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** the nested events, decoded with the same decoder state (no checksums) */
  readonly events: readonly BinlogEvent[];
}

export const MariaGtidFlags = {
  STANDALONE: 1,
  GROUP_COMMIT_ID: 2,
  TRANSACTIONAL: 4,
  ALLOW_PARALLEL: 8,
  WAITED: 16,
  DDL: 32,
  PREPARED_XA: 64,
  COMPLETED_XA: 128,
} as const;

export interface MariaGtidEvent extends EventBase {
  readonly kind: 'mariaGtid';
  readonly domainId: number;
  readonly serverId: number;
  readonly seqNo: bigint;
  readonly flags: number;
  readonly commitId?: bigint;
  readonly xa?: { readonly formatId: number; readonly gtrid: Buffer; readonly bqual: Buffer };
  readonly flagsExtra?: number;
  /** 'domain-server-seq' */
  readonly gtid: string;
  /** FL_STANDALONE: no terminating XID/COMMIT follows (DDL, non-transactional) */
  readonly standalone: boolean;
}

export interface MariaGtid {
  readonly domainId: number;
  readonly serverId: number;
  readonly seqNo: bigint;
}

export interface MariaGtidListEvent extends EventBase {
  readonly kind: 'mariaGtidList';
  readonly flags: number;
  readonly gtids: readonly MariaGtid[];
}

export interface BinlogCheckpointEvent extends EventBase {
  readonly kind: 'binlogCheckpoint';
  readonly file: string;
}

export interface HeartbeatEvent extends EventBase {
  /** HEARTBEAT (27) and HEARTBEAT_V2 (41) */
  readonly kind: 'heartbeat';
  readonly logFile: string;
  /** v2 only */
  readonly logPosition?: number;
}

export interface IncidentEvent extends EventBase {
  readonly kind: 'incident';
  readonly incident: number;
  readonly message: string;
}

export interface UnknownEvent extends EventBase {
  readonly kind: 'unknown';
  /** the whole event (header, body and checksum), copied */
  readonly raw: Buffer;
}

export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | StopEvent
  | QueryEvent
  | XidEvent
  | XaPrepareEvent
  | IntvarEvent
  | RandEvent
  | UserVarEvent
  | TableMapEvent
  | RowsEvent
  | PartialUpdateRowsEvent
  | RowsQueryEvent
  | AnnotateRowsEvent
  | MysqlGtidEvent
  | AnonymousGtidEvent
  | PreviousGtidsEvent
  | TransactionPayloadEvent
  | MariaGtidEvent
  | MariaGtidListEvent
  | BinlogCheckpointEvent
  | HeartbeatEvent
  | IncidentEvent
  | UnknownEvent;

export type BinlogEventKind = BinlogEvent['kind'];

// ---- QUERY helpers --------------------------------------------------------------------

const BEGIN_RE = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const COMMIT_RE = /^\s*COMMIT\b/i;
const ROLLBACK_RE = /^\s*ROLLBACK\s*$/i;
const XA_RE = /^\s*XA\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK)\b/i;

/** BEGIN / START TRANSACTION (what a row-format transaction opens with before MySQL GTIDs). */
export function isBegin(e: QueryEvent): boolean {
  return e.sql.length < 40 && BEGIN_RE.test(e.sql);
}

/** COMMIT written as a QUERY (non-transactional engines, MariaDB without XID). */
export function isCommit(e: QueryEvent): boolean {
  return e.sql.length < 40 && COMMIT_RE.test(e.sql);
}

/** A bare ROLLBACK (not ROLLBACK TO SAVEPOINT). */
export function isRollback(e: QueryEvent): boolean {
  return e.sql.length < 40 && ROLLBACK_RE.test(e.sql);
}

/** XA START/END/PREPARE/COMMIT/ROLLBACK: returns the verb upper-cased, or undefined. */
export function xaVerb(e: QueryEvent): 'START' | 'END' | 'PREPARE' | 'COMMIT' | 'ROLLBACK' | undefined {
  if (e.sql.length > 400) return undefined;
  const m = XA_RE.exec(e.sql);
  if (!m) return undefined;
  const v = m[1]!.toUpperCase();
  return (v === 'BEGIN' ? 'START' : v) as 'START' | 'END' | 'PREPARE' | 'COMMIT' | 'ROLLBACK';
}

/** Position to resume after this event: logPos, or offset + size when logPos is 0. */
export function nextPosition(h: BinlogEventHeader): number {
  return h.logPos !== 0 ? h.logPos : h.offset + h.eventSize;
}
