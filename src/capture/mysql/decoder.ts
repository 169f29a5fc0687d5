import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { SynctlError } from '../../errors';
import { BufferReader } from '../../wire/buffer-reader';
import { formatUuid, lenencInt, mysqlVarlenInt, mysqlVarlenUint } from './codec';
import type { BinlogColumn, ColumnValueDecoder } from './column';
import {
  EventType,
  LOG_EVENT_ARTIFICIAL_F,
  LOG_EVENT_BINLOG_IN_USE_F,
  MariaGtidFlags,
  STMT_END_F,
  eventTypeName,
  type BinlogEvent,
  type BinlogEventHeader,
  type ChecksumAlg,
  type FormatDescriptionEvent,
  type GtidInterval,
  type GtidSetEntry,
  type MariaGtid,
  type MariaGtidEvent,
  type QueryStatusVars,
  type RowsAction,
  type TableMapEvent,
} from './events';
import { decodePartialRows, decodeRowImages, type RowWalkContext } from './rows';
import { decodeTableMap } from './table-map';

/**
 * One binlog event decoder for both sources (binlog files and the replication stream):
 * `decode(eventBytes, fileOffset)` takes exactly one event (common header through
 * checksum) and returns its typed form.
 *
 * State is explicit and small: the current FORMAT_DESCRIPTION (checksum algorithm,
 * header and post-header lengths, flavour) and the table-id → TABLE_MAP cache, which is
 * cleared at each statement end (STMT_END_F) and at each FORMAT_DESCRIPTION.
 */

export interface BinlogDecoderOptions {
  /** decodes one non-NULL column value of a row image (src/capture/mysql/values) */
  readonly decodeValue: ColumnValueDecoder;
  /**
   * Called for each TABLE_MAP: may return columns enriched from a dictionary (names,
   * signedness, charsets) when the binlog lacks them. Must keep index/type/meta/length.
   */
  readonly resolveColumns?: (map: TableMapEvent) => readonly BinlogColumn[] | undefined;
  /**
   * Rows of tables the capture does not replicate: their values are not decoded (the
   * event comes back with no rows), so a table nobody asked for can neither slow nor
   * stop the capture.
   */
  readonly skipRowsOf?: (map: TableMapEvent) => boolean;
  /** verify CRC32 trailers (default true) */
  readonly verifyChecksum?: boolean;
  /** names the binlog in errors (the file name; the network source sets it from ROTATE) */
  readonly source?: string;
}

const HEADER_LEN = 19;

/** v4 post-header lengths used when the FDE does not cover a type (or before any FDE). */
const DEFAULT_POST_HEADER: Record<number, number> = {
  [EventType.QUERY]: 13,
  [EventType.ROTATE]: 8,
  [EventType.TABLE_MAP]: 8,
  [EventType.PRE_GA_WRITE_ROWS]: 8,
  [EventType.PRE_GA_UPDATE_ROWS]: 8,
  [EventType.PRE_GA_DELETE_ROWS]: 8,
  [EventType.WRITE_ROWS_V1]: 8,
  [EventType.UPDATE_ROWS_V1]: 8,
  [EventType.DELETE_ROWS_V1]: 8,
  [EventType.WRITE_ROWS_V2]: 10,
  [EventType.UPDATE_ROWS_V2]: 10,
  [EventType.DELETE_ROWS_V2]: 10,
  [EventType.PARTIAL_UPDATE_ROWS]: 10,
  [EventType.MARIA_QUERY_COMPRESSED]: 13,
  [EventType.MARIA_WRITE_ROWS_COMPRESSED_V1]: 8,
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1]: 8,
  [EventType.MARIA_DELETE_ROWS_COMPRESSED_V1]: 8,
  [EventType.MARIA_WRITE_ROWS_COMPRESSED]: 10,
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED]: 10,
  [EventType.MARIA_DELETE_ROWS_COMPRESSED]: 10,
};

/**
 * MySQL 5.1 "wl2325"/alcatel trees numbered events differently (MySQL applies the same
 * permutation in Format_description_log_event): raw code → standard code.
 */
const ALCATEL_PERMUTATION: readonly number[] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  EventType.TABLE_MAP,
  EventType.PRE_GA_WRITE_ROWS,
  EventType.PRE_GA_UPDATE_ROWS,
  EventType.PRE_GA_DELETE_ROWS,
  EventType.XID,
  EventType.BEGIN_LOAD_QUERY,
  EventType.EXECUTE_LOAD_QUERY,
];

interface RowsKind {
  readonly action: RowsAction;
  readonly version: 0 | 1 | 2;
  readonly compressed: boolean;
}

const ROWS_KINDS: Record<number, RowsKind> = {
  [EventType.PRE_GA_WRITE_ROWS]: { action: 'insert', version: 0, compressed: false },
  [EventType.PRE_GA_UPDATE_ROWS]: { action: 'update', version: 0, compressed: false },
  [EventType.PRE_GA_DELETE_ROWS]: { action: 'delete', version: 0, compressed: false },
  [EventType.WRITE_ROWS_V1]: { action: 'insert', version: 1, compressed: false },
  [EventType.UPDATE_ROWS_V1]: { action: 'update', version: 1, compressed: false },
  [EventType.DELETE_ROWS_V1]: { action: 'delete', version: 1, compressed: false },
  [EventType.WRITE_ROWS_V2]: { action: 'insert', version: 2, compressed: false },
  [EventType.UPDATE_ROWS_V2]: { action: 'update', version: 2, compressed: false },
  [EventType.DELETE_ROWS_V2]: { action: 'delete', version: 2, compressed: false },
  [EventType.MARIA_WRITE_ROWS_COMPRESSED_V1]: { action: 'insert', version: 1, compressed: true },
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1]: { action: 'update', version: 1, compressed: true },
  [EventType.MARIA_DELETE_ROWS_COMPRESSED_V1]: { action: 'delete', version: 1, compressed: true },
  [EventType.MARIA_WRITE_ROWS_COMPRESSED]: { action: 'insert', version: 2, compressed: true },
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED]: { action: 'update', version: 2, compressed: true },
  [EventType.MARIA_DELETE_ROWS_COMPRESSED]: { action: 'delete', version: 2, compressed: true },
};

/**
 * ROWS_QUERY / ANNOTATE_ROWS carry the statement text of every row event (a 1000-row
 * INSERT is most of a sysbench binlog) and replication rarely reads it: decode on demand.
 */
class LazySqlEvent<K extends 'rowsQuery' | 'annotateRows'> {
  private text: Buffer | string;

  constructor(
    readonly kind: K,
    readonly header: BinlogEventHeader,
    text: Buffer,
  ) {
    this.text = text;
  }

  get sql(): string {
    if (typeof this.text !== 'string') this.text = this.text.toString('utf8');
    return this.text;
  }
}

/** '<file>: <TYPE> event at offset N', which names an event in errors (built only for an error) */
function eventWhat(source: string, type: number, offset: number): string {
  return `${source}: ${eventTypeName(type)} event at offset ${offset}`;
}

const NO_OPTIONS = {};

/**
 * The decoder's one reader, re-pointed at each event body. Its errors name the event; the
 * name is built only when an error is thrown (not a string per event).
 */
class EventReader extends BufferReader {
  source = '';
  type = 0;
  eventOffset = 0;

  point(body: Buffer, source: string, type: number, eventOffset: number): this {
    this.source = source;
    this.type = type;
    this.eventOffset = eventOffset;
    return this.setBuffer(body, NO_OPTIONS);
  }

  override error(message: string, at: number = this.offset): SynctlError {
    const what = eventWhat(this.source, this.type, this.eventOffset);
    const offset = this.eventOffset + at;
    return new SynctlError('WIRE_DECODE', `${what}: ${message} at offset ${offset}`, { what, offset });
  }
}

/** The row walker's context, one per decoder, re-pointed at each rows event. */
class RowsContext implements RowWalkContext {
  source = '';
  type = 0;
  eventOffset = 0;
  baseOffset = 0;
  nullBitShift = 0;

  constructor(readonly decodeValue: ColumnValueDecoder) {}

  what(): string {
    return eventWhat(this.source, this.type, this.eventOffset);
  }
}

/** A TABLE_MAP decoded before, by table id: a busy binlog repeats the same one before every rows event. */
interface KnownTableMap {
  /** the event body after the common header (a copy) */
  readonly body: Buffer;
  /** decoded from that copy (its views point there); header and resolved columns are per event */
  readonly map: TableMapEvent;
}

export class BinlogDecoder {
  /** names the binlog in error messages */
  source: string;
  private readonly resolveColumns: ((map: TableMapEvent) => readonly BinlogColumn[] | undefined) | undefined;
  private readonly skipRowsOf: ((map: TableMapEvent) => boolean) | undefined;
  private readonly verify: boolean;
  private fde: FormatDescriptionEvent | undefined;
  private checksum: ChecksumAlg = 'undefined';
  private headerLength = HEADER_LEN;
  private postHeader: readonly number[] = [];
  private permutation: readonly number[] | undefined;
  private mariadb = false;
  private readonly tables = new Map<number, TableMapEvent>();
  private readonly r = new EventReader();
  private readonly rowsCtx: RowsContext;
  private readonly knownMaps = new Map<number, KnownTableMap>();
  /** the last columns-present bitmap copied: rows events of a table repeat it, so they share one copy */
  private lastBitmap: Buffer = EMPTY;

  constructor(options: BinlogDecoderOptions) {
    this.rowsCtx = new RowsContext(options.decodeValue);
    this.resolveColumns = options.resolveColumns;
    this.skipRowsOf = options.skipRowsOf;
    this.verify = options.verifyChecksum ?? true;
    this.source = options.source ?? 'binlog';
  }

  /** the last FORMAT_DESCRIPTION seen */
  get formatDescription(): FormatDescriptionEvent | undefined {
    return this.fde;
  }

  get checksumAlg(): ChecksumAlg {
    return this.checksum;
  }

  /** true once a MariaDB FORMAT_DESCRIPTION was seen */
  get isMariadb(): boolean {
    return this.mariadb;
  }

  /**
   * For the network source: the checksum algorithm negotiated with the server
   * (@master_binlog_checksum) applies to events sent before the FDE (the fake ROTATE).
   */
  setChecksum(alg: ChecksumAlg): void {
    this.checksum = alg;
  }

  /** TABLE_MAP currently cached for a table id */
  tableMap(tableId: number): TableMapEvent | undefined {
    return this.tables.get(tableId);
  }

  /** Forgets everything (a new, unrelated stream). */
  reset(): void {
    this.fde = undefined;
    this.checksum = 'undefined';
    this.headerLength = HEADER_LEN;
    this.postHeader = [];
    this.permutation = undefined;
    this.mariadb = false;
    this.tables.clear();
    this.knownMaps.clear();
  }

  /** Decodes one whole event (header .. checksum) that starts at `fileOffset`. */
  decode(eventBytes: Buffer, fileOffset: number): BinlogEvent {
    return this.decodeOne(eventBytes, 0, eventBytes.length, fileOffset, true);
  }

  /**
   * Decodes the one whole event in buf[start, start + size) that starts at `fileOffset`:
   * `decode` without a view of the event first (the file reader's hot path).
   */
  decodeAt(buf: Buffer, start: number, size: number, fileOffset: number): BinlogEvent {
    if (start < 0 || start + size > buf.length) throw this.err(fileOffset, `event of ${size} bytes is not within the buffer given`);
    return this.decodeOne(buf, start, size, fileOffset, true);
  }

  private err(offset: number, message: string, details: Record<string, unknown> = {}): SynctlError {
    return new SynctlError('WIRE_DECODE', `${this.source}: event at offset ${offset}: ${message}`, {
      file: this.source,
      offset,
      ...details,
    });
  }

  private phl(raw: number, type: number): number {
    const v = this.postHeader[raw - 1];
    return v !== undefined ? v : (DEFAULT_POST_HEADER[type] ?? 0);
  }

  /** The event in buf[start, start + size). */
  private decodeOne(buf: Buffer, start: number, size: number, offset: number, topLevel: boolean): BinlogEvent {
    if (size < HEADER_LEN) throw this.err(offset, `truncated event header: ${size} of ${HEADER_LEN} bytes`);
    const raw = buf[start + 4]!;
    const eventSize = buf.readUInt32LE(start + 9);
    if (eventSize !== size) {
      throw this.err(offset, `event size field says ${eventSize} bytes but ${size} were given`);
    }
    const type = this.permutation !== undefined && raw < this.permutation.length ? this.permutation[raw]! : raw;
    const header: BinlogEventHeader = {
      timestamp: buf.readUInt32LE(start),
      typeCode: type,
      serverId: buf.readUInt32LE(start + 5),
      eventSize,
      logPos: buf.readUInt32LE(start + 13),
      flags: buf.readUInt16LE(start + 17),
      offset,
    };
    if (type === EventType.FORMAT_DESCRIPTION) return this.decodeFde(buf.subarray(start, start + size), header);

    let bodyEnd = size;
    if (topLevel && this.checksum === 'crc32') {
      if (eventSize < HEADER_LEN + 4) throw this.err(offset, `${eventSize}-byte event too short for its CRC32`);
      bodyEnd = size - 4;
    }
    // one view of the event without its trailer, for the CRC and for decoding
    const body = start === 0 && bodyEnd === buf.length ? buf : buf.subarray(start, start + bodyEnd);
    if (bodyEnd !== size && this.verify) this.checkCrc(body, buf.readUInt32LE(start + bodyEnd), offset);
    const r = this.r.point(body, this.source, type, offset);
    if (this.headerLength > bodyEnd) throw this.err(offset, `event shorter than the ${this.headerLength}-byte header`);
    r.seek(this.headerLength);

    switch (type) {
      case EventType.QUERY:
      case EventType.MARIA_QUERY_COMPRESSED:
        return this.decodeQuery(r, body, header, this.phl(raw, type), type === EventType.MARIA_QUERY_COMPRESSED);
      case EventType.ROTATE: {
        const position = this.phl(raw, type) >= 8 ? r.u64leSafe() : 4;
        const nextFile = r.utf8(r.remaining);
        const artificial = (header.flags & LOG_EVENT_ARTIFICIAL_F) !== 0 || header.logPos === 0;
        return { kind: 'rotate', header, nextFile, position, artificial };
      }
      case EventType.STOP:
        return { kind: 'stop', header };
      case EventType.XID: {
        if (r.remaining !== 8) throw r.error(`XID body is ${r.remaining} bytes, expected 8`);
        return { kind: 'xid', header, xid: r.u64le() };
      }
      case EventType.XA_PREPARE: {
        const onePhase = r.u8() !== 0;
        const formatId = r.u32le();
        const gl = r.u32le();
        const bl = r.u32le();
        const gtrid = r.bytesCopy(gl);
        const bqual = r.bytesCopy(bl);
        return { kind: 'xaPrepare', header, onePhase, formatId, gtrid, bqual };
      }
      case EventType.INTVAR:
        return { kind: 'intvar', header, type: r.u8(), value: r.u64le() };
      case EventType.RAND:
        return { kind: 'rand', header, seed1: r.u64le(), seed2: r.u64le() };
      case EventType.USER_VAR:
        return this.decodeUserVar(r, header);
      case EventType.TABLE_MAP: {
        const map = this.tableMapEvent(r, body, header, raw, type);
        this.tables.set(map.tableId, map);
        return map;
      }
      case EventType.PARTIAL_UPDATE_ROWS:
        return this.decodeRows(r, body, header, raw, type, { action: 'update', version: 2, compressed: false }, true);
      case EventType.ROWS_QUERY: {
        if (!r.done) r.skip(1); // length byte (wrong for long statements: the rest is the text)
        return new LazySqlEvent('rowsQuery', header, r.bytes(r.remaining));
      }
      case EventType.MARIA_ANNOTATE_ROWS:
        return new LazySqlEvent('annotateRows', header, r.bytes(r.remaining));
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
        return this.decodeGtid(r, header, type === EventType.ANONYMOUS_GTID);
      case EventType.GTID_TAGGED:
        return this.decodeTaggedGtid(r, header);
      case EventType.PREVIOUS_GTIDS:
        return this.decodePreviousGtids(r, header);
      case EventType.TRANSACTION_PAYLOAD:
        return this.decodePayload(r, header);
      case EventType.MARIA_GTID:
        return this.decodeMariaGtid(r, header);
      case EventType.MARIA_GTID_LIST: {
        const word = r.u32le();
        const count = word & 0x0fffffff;
        r.need(count * 16, 'GTID list');
        const gtids: MariaGtid[] = [];
        for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32le(), serverId: r.u32le(), seqNo: r.u64le() });
        return { kind: 'mariaGtidList', header, flags: word >>> 28, gtids };
      }
      case EventType.MARIA_BINLOG_CHECKPOINT: {
        const len = r.u32le();
        return { kind: 'binlogCheckpoint', header, file: r.utf8(len) };
      }
      case EventType.MARIA_START_ENCRYPTION:
        throw this.err(offset, 'START_ENCRYPTION: encrypted binlogs are not supported');
      case EventType.HEARTBEAT:
        return { kind: 'heartbeat', header, logFile: r.utf8(r.remaining) };
      case EventType.HEARTBEAT_V2:
        return this.decodeHeartbeatV2(r, header);
      case EventType.INCIDENT: {
        const incident = r.u16le();
        const message = r.done ? '' : r.utf8(r.u8());
        return { kind: 'incident', header, incident, message };
      }
      default: {
        const rows = ROWS_KINDS[type];
        if (rows !== undefined) return this.decodeRows(r, body, header, raw, type, rows, false);
        return { kind: 'unknown', header, raw: Buffer.from(buf.subarray(start, start + size)) };
      }
    }
  }

  /** Throws unless the CRC32 of `data` (an event without its trailer) is `stored`. */
  private checkCrc(data: Buffer, stored: number, offset: number): void {
    const computed = zlib.crc32(data) >>> 0;
    if (computed !== stored) {
      throw this.err(
        offset,
        `CRC32 mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')})`,
        { stored, computed },
      );
    }
  }

  private decodeFde(bytes: Buffer, header: BinlogEventHeader): FormatDescriptionEvent {
    const r = this.r.point(bytes, this.source, EventType.FORMAT_DESCRIPTION, header.offset);
    r.seek(HEADER_LEN);
    const binlogVersion = r.u16le();
    const serverVersion = r.latin1(50).replace(/\0.*$/s, '');
    const createTimestamp = r.u32le();
    const headerLength = r.u8();
    if (headerLength < HEADER_LEN) throw r.error(`header length ${headerLength} below ${HEADER_LEN}`);
    const mariadb = /mariadb/i.test(serverVersion);
    const hasAlg = versionAtLeast(serverVersion, mariadb ? [5, 3, 0] : [5, 6, 1]);
    let phEnd = bytes.length;
    let checksumAlg: ChecksumAlg = 'undefined';
    if (hasAlg) {
      if (bytes.length - 5 < r.offset) throw r.error('too short for its checksum algorithm');
      phEnd = bytes.length - 5;
      const alg = bytes[phEnd]!;
      checksumAlg = alg === 1 ? 'crc32' : alg === 0 ? 'off' : 'undefined';
      if (alg !== 0 && alg !== 1 && alg !== 255) throw r.error(`unknown checksum algorithm ${alg}`, phEnd);
    }
    const postHeaderLengths = Array.from(bytes.subarray(r.offset, phEnd));
    if (checksumAlg === 'crc32' && this.verify) {
      // the server computed the FDE's checksum before setting its "binlog in use" flag
      let data = bytes.subarray(0, bytes.length - 4);
      if ((bytes[17]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
        data = Buffer.from(data);
        data[17] = data[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
      }
      this.checkCrc(data, bytes.readUInt32LE(bytes.length - 4), header.offset);
    }
    const fde: FormatDescriptionEvent = {
      kind: 'formatDescription',
      header,
      binlogVersion,
      serverVersion,
      createTimestamp,
      headerLength,
      postHeaderLengths,
      checksumAlg,
      mariadb,
    };
    this.fde = fde;
    this.checksum = checksumAlg;
    this.headerLength = headerLength;
    this.postHeader = postHeaderLengths;
    this.mariadb = mariadb;
    this.permutation =
      postHeaderLengths.length === 22 && /^5\.[12]\.\d+-a(_drop|lcatel)/.test(serverVersion) ? ALCATEL_PERMUTATION : undefined;
    this.tables.clear();
    this.knownMaps.clear();
    return fde;
  }

  private decodeQuery(r: BufferReader, bytes: Buffer, header: BinlogEventHeader, phl: number, compressed: boolean): BinlogEvent {
    const threadId = r.u32le();
    const execTime = r.u32le();
    const schemaLen = r.u8();
    const errorCode = r.u16le();
    let statusLen = 0;
    if (phl >= 13) {
      statusLen = r.u16le();
      if (phl > 13) r.skip(phl - 13);
    }
    r.need(statusLen, 'status vars');
    const statusVars = parseStatusVars(r, statusLen);
    const schema = r.utf8(schemaLen);
    r.skip(1);
    let sql: string;
    if (compressed) {
      const start = r.offset;
      const end = start + r.remaining;
      sql = mariaUncompress(bytes, start, end, (m) => r.error(m, start)).toString('utf8');
      r.skip(r.remaining);
    } else {
      sql = r.utf8(r.remaining);
    }
    return { kind: 'query', header, threadId, execTime, schema, errorCode, statusVars, sql, compressed };
  }

  private decodeUserVar(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    const name = r.utf8(r.u32le());
    const isNull = r.u8() !== 0;
    if (isNull) return { kind: 'userVar', header, name, isNull };
    const valueType = r.u8();
    const charset = r.u32le();
    const value = r.bytesCopy(r.u32le());
    const flags = r.done ? undefined : r.u8();
    return flags === undefined
      ? { kind: 'userVar', header, name, isNull, valueType, charset, value }
      : { kind: 'userVar', header, name, isNull, valueType, charset, value, flags };
  }

  private decodeRows(
    r: BufferReader,
    bytes: Buffer,
    header: BinlogEventHeader,
    raw: number,
    type: number,
    k: RowsKind,
    partial: boolean,
  ): BinlogEvent {
    const phl = this.phl(raw, type);
    const tableId = r.uintle(phl === 6 ? 4 : 6);
    const flags = r.u16le();
    let extraData: Buffer = EMPTY;
    if (k.version === 2) {
      const at = r.offset;
      const extraLen = r.u16le();
      if (extraLen < 2) throw r.error(`extra-data length ${extraLen} below 2`, at);
      if (extraLen > 2) extraData = r.bytesCopy(extraLen - 2);
    }
    const columnCount = lenencInt(r);
    const bitmapLen = (columnCount + 7) >> 3;
    const columnsPresent = this.bitmap(r, bytes, bitmapLen);
    // pre-GA update events carry one bitmap for both images
    const columnsPresentAfter =
      k.action === 'update' ? (k.version === 0 ? columnsPresent : this.bitmap(r, bytes, bitmapLen)) : undefined;
    const table = this.tables.get(tableId);
    let data: Buffer = bytes;
    let pos = r.offset;
    let end = pos + r.remaining;
    let baseOffset = header.offset;
    if (k.compressed && pos < end) {
      data = mariaUncompress(bytes, pos, end, (m) => r.error(m, pos));
      pos = 0;
      end = data.length;
      baseOffset = -1;
    }
    if (table === undefined) {
      if (pos === end) {
        // dummy end-of-statement event (table id 0x00ffffff and no rows)
        if (flags & STMT_END_F) this.tables.clear();
        const placeholder = emptyTable(header, tableId);
        return partial
          ? { kind: 'partialUpdateRows', header, tableId, flags, table: placeholder, columnCount, extraData, columnsPresent, columnsPresentAfter: columnsPresentAfter ?? EMPTY, rows: [] }
          : { kind: 'rows', header, action: k.action, version: k.version, compressed: k.compressed, tableId, flags, table: placeholder, columnCount, extraData, columnsPresent, ...(columnsPresentAfter ? { columnsPresentAfter } : {}), rows: [] };
      }
      throw r.error(`no TABLE_MAP for table id ${tableId}`);
    }
    const ctx = this.rowsCtx;
    ctx.source = this.source;
    ctx.type = type;
    ctx.eventOffset = header.offset;
    ctx.baseOffset = baseOffset;
    ctx.nullBitShift = k.version === 0 ? 1 : 0;
    if (flags & STMT_END_F) this.tables.clear();
    if (this.skipRowsOf?.(table)) {
      return partial
        ? { kind: 'partialUpdateRows', header, tableId, flags, table, columnCount, extraData, columnsPresent, columnsPresentAfter: columnsPresentAfter ?? EMPTY, rows: [] }
        : { kind: 'rows', header, action: k.action, version: k.version, compressed: k.compressed, tableId, flags, table, columnCount, extraData, columnsPresent, ...(columnsPresentAfter ? { columnsPresentAfter } : {}), rows: [] };
    }
    if (partial) {
      const rows = decodePartialRows(ctx, data, pos, end, table, columnCount, columnsPresent, columnsPresentAfter!);
      return {
        kind: 'partialUpdateRows',
        header,
        tableId,
        flags,
        table,
        columnCount,
        extraData,
        columnsPresent,
        columnsPresentAfter: columnsPresentAfter!,
        rows,
      };
    }
    const rows = decodeRowImages(ctx, data, pos, end, table, columnCount, columnsPresent, columnsPresentAfter, k.action);
    const { action, version, compressed } = k;
    return columnsPresentAfter
      ? { kind: 'rows', header, action, version, compressed, tableId, flags, table, columnCount, extraData, columnsPresent, columnsPresentAfter, rows }
      : { kind: 'rows', header, action, version, compressed, tableId, flags, table, columnCount, extraData, columnsPresent, rows };
  }

  /**
   * The `n` bitmap bytes at the reader, as a copy; the same copy as the previous rows
   * event's when the bytes are equal (they nearly always are). Events' bitmaps are read-only.
   */
  private bitmap(r: BufferReader, body: Buffer, n: number): Buffer {
    const last = this.lastBitmap;
    const at = r.offset;
    if (last.length === n && at + n <= body.length) {
      let i = 0;
      while (i < n && body[at + i] === last[i]) i++;
      if (i === n) {
        r.skip(n);
        return last;
      }
    }
    return (this.lastBitmap = r.bytesCopy(n));
  }

  /**
   * TABLE_MAP, decoded once per table id while its bytes stay the same (a busy binlog
   * repeats it before every rows event); the columns are resolved (dictionary) every time,
   * since the dictionary version valid at this position may differ.
   */
  private tableMapEvent(r: BufferReader, body: Buffer, header: BinlogEventHeader, raw: number, type: number): TableMapEvent {
    const phl = this.phl(raw, type);
    const start = r.offset;
    const idBytes = phl === 6 ? 4 : 6;
    const tableId = body.length - start >= idBytes ? body.readUIntLE(start, idBytes) : -1;
    const known = this.knownMaps.get(tableId);
    let decoded: TableMapEvent;
    if (known !== undefined && body.length - start === known.body.length && body.compare(known.body, 0, known.body.length, start) === 0) {
      decoded = known.map;
    } else {
      // decode from a copy, so the cached map does not keep the whole read buffer alive
      const own = Buffer.from(body);
      decoded = decodeTableMap(this.r.point(own, this.source, type, header.offset).seek(start), own, header, phl, this.mariadb);
      this.knownMaps.set(decoded.tableId, { body: own.subarray(start), map: decoded });
    }
    const map: { -readonly [K in keyof TableMapEvent]: TableMapEvent[K] } = { ...decoded, header };
    const cols = this.resolveColumns?.(map);
    if (cols) map.columns = cols;
    return map;
  }

  private decodeGtid(r: BufferReader, header: BinlogEventHeader, anonymous: boolean): BinlogEvent {
    const flags = r.u8();
    const uuid = formatUuid(r.bytes(16));
    const gno = r.u64le();
    let lastCommitted: bigint | undefined;
    let sequenceNumber: bigint | undefined;
    let immediateCommitTimestamp: bigint | undefined;
    let originalCommitTimestamp: bigint | undefined;
    let transactionLength: bigint | undefined;
    let immediateServerVersion: number | undefined;
    let originalServerVersion: number | undefined;
    if (!r.done && r.remaining >= 17) {
      const lt = r.u8();
      if (lt === 2) {
        lastCommitted = r.u64le();
        sequenceNumber = r.u64le();
        if (r.remaining >= 7) {
          let ict = BigInt(r.uintle(6)) | (BigInt(r.u8()) << 48n);
          if (ict & (1n << 55n)) {
            ict &= ~(1n << 55n);
            originalCommitTimestamp = BigInt(r.uintle(6)) | (BigInt(r.u8()) << 48n);
          } else {
            originalCommitTimestamp = ict;
          }
          immediateCommitTimestamp = ict;
        }
        if (!r.done) transactionLength = BigInt(lenencInt(r));
        if (r.remaining >= 4) {
          let isv = r.u32le();
          if (isv & 0x80000000) {
            isv = isv & 0x7fffffff;
            originalServerVersion = r.u32le();
          } else {
            originalServerVersion = isv;
          }
          immediateServerVersion = isv;
        }
      }
    }
    if (anonymous) {
      return { kind: 'anonymousGtid', header, flags, lastCommitted, sequenceNumber, immediateCommitTimestamp, originalCommitTimestamp, transactionLength };
    }
    return {
      kind: 'gtid',
      header,
      flags,
      uuid,
      tag: '',
      gno,
      lastCommitted,
      sequenceNumber,
      immediateCommitTimestamp,
      originalCommitTimestamp,
      transactionLength,
      immediateServerVersion,
      originalServerVersion,
    };
  }

  /** GTID_TAGGED (42): MySQL serialization library message (format version byte, size, fields). */
  private decodeTaggedGtid(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    const start = r.offset;
    const version = r.u8();
    const payloadSize = Number(mysqlVarlenUint(r));
    const lastNonIgnorable = mysqlVarlenUint(r);
    const end = start + payloadSize;
    if (payloadSize < r.offset - start || end > r.offset + r.remaining) {
      throw r.error(`serialized GTID payload size ${payloadSize} does not fit the event (format version ${version})`, start);
    }
    let flags = 0;
    let uuid = '';
    let tag = '';
    let gno = 0n;
    let lastCommitted: bigint | undefined;
    let sequenceNumber: bigint | undefined;
    let immediateCommitTimestamp: bigint | undefined;
    let originalCommitTimestamp: bigint | undefined;
    let transactionLength: bigint | undefined;
    let immediateServerVersion: number | undefined;
    let originalServerVersion: number | undefined;
    while (r.offset < end) {
      const at = r.offset;
      const field = mysqlVarlenUint(r);
      switch (field) {
        case 0n:
          flags = Number(mysqlVarlenUint(r));
          break;
        case 1n: {
          const b = Buffer.alloc(16);
          for (let i = 0; i < 16; i++) b[i] = Number(mysqlVarlenUint(r) & 0xffn);
          uuid = formatUuid(b);
          break;
        }
        case 2n:
          gno = mysqlVarlenInt(r);
          break;
        case 3n:
          tag = r.utf8(Number(mysqlVarlenUint(r)));
          break;
        case 4n:
          lastCommitted = mysqlVarlenInt(r);
          break;
        case 5n:
          sequenceNumber = mysqlVarlenInt(r);
          break;
        case 6n:
          immediateCommitTimestamp = mysqlVarlenUint(r);
          break;
        case 7n:
          originalCommitTimestamp = mysqlVarlenUint(r);
          break;
        case 8n:
          transactionLength = mysqlVarlenUint(r);
          break;
        case 9n:
          immediateServerVersion = Number(mysqlVarlenUint(r));
          break;
        case 10n:
          originalServerVersion = Number(mysqlVarlenUint(r));
          break;
        case 11n:
          mysqlVarlenUint(r); // commit group ticket
          break;
        default:
          if (field <= lastNonIgnorable) throw r.error(`unknown non-ignorable GTID field ${field}`, at);
          r.seek(end); // ignorable unknown field: its length is unknown, stop here
      }
    }
    if (r.offset !== end) throw r.error(`serialized GTID fields overrun the ${payloadSize}-byte payload`);
    return {
      kind: 'gtid',
      header,
      flags,
      uuid,
      tag,
      gno,
      lastCommitted,
      sequenceNumber,
      immediateCommitTimestamp,
      originalCommitTimestamp: originalCommitTimestamp ?? immediateCommitTimestamp,
      transactionLength,
      immediateServerVersion,
      originalServerVersion: originalServerVersion ?? immediateServerVersion,
    };
  }

  private decodePreviousGtids(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    const word = r.u64le();
    const tagged = word >> 56n !== 0n;
    const nSids = Number(tagged ? (word >> 8n) & 0xffffffffffffn : word & 0xffffffffffffffn);
    r.need(nSids * 24, 'PREVIOUS_GTIDS entries');
    const sets: GtidSetEntry[] = [];
    for (let i = 0; i < nSids; i++) {
      const uuid = formatUuid(r.bytes(16));
      const tag = tagged ? r.utf8(Number(mysqlVarlenUint(r))) : '';
      const n = r.u64leSafe();
      r.need(n * 16, 'GTID intervals');
      const intervals: GtidInterval[] = [];
      for (let j = 0; j < n; j++) intervals.push({ start: r.u64le(), end: r.u64le() });
      sets.push({ uuid, tag, intervals });
    }
    return { kind: 'previousGtids', header, sets };
  }

  private decodePayload(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    let compressionType = 255;
    let payloadSize = -1;
    let uncompressedSize = -1;
    for (;;) {
      const field = lenencInt(r);
      if (field === 0) break; // end mark
      const len = lenencInt(r);
      const end = r.offset + len;
      r.need(len, `payload header field ${field}`);
      if (field === 1) payloadSize = lenencInt(r);
      else if (field === 2) compressionType = lenencInt(r);
      else if (field === 3) uncompressedSize = lenencInt(r);
      r.seek(end);
    }
    const at = r.offset;
    if (payloadSize >= 0 && payloadSize !== r.remaining) {
      throw r.error(`payload is ${r.remaining} bytes, header says ${payloadSize}`);
    }
    const compressed = r.bytes(r.remaining);
    let inner: Buffer;
    if (compressionType === 0) {
      let out: Uint8Array;
      try {
        out = zstdDecompress(compressed);
      } catch (e) {
        throw r.error(`zstd decompression failed: ${(e as Error).message}`, at);
      }
      inner = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } else if (compressionType === 255) {
      inner = compressed;
    } else {
      throw r.error(`unsupported TRANSACTION_PAYLOAD compression type ${compressionType}`, at);
    }
    if (uncompressedSize >= 0 && inner.length !== uncompressedSize) {
      throw r.error(`payload decompressed to ${inner.length} bytes, header says ${uncompressedSize}`, at);
    }
    // the reader is shared: nothing below uses `r` any more
    const events: BinlogEvent[] = [];
    let pos = 0;
    while (pos < inner.length) {
      if (pos + HEADER_LEN > inner.length) {
        throw this.err(header.offset, `TRANSACTION_PAYLOAD: truncated nested event header at byte ${pos} of ${inner.length}`);
      }
      const size = inner.readUInt32LE(pos + 9);
      if (size < HEADER_LEN || pos + size > inner.length) {
        throw this.err(header.offset, `TRANSACTION_PAYLOAD: nested event at byte ${pos} claims ${size} bytes, ${inner.length - pos} left`);
      }
      events.push(this.decodeOne(inner, pos, size, header.offset, false));
      pos += size;
    }
    return { kind: 'transactionPayload', header, compressionType, payloadSize: compressed.length, uncompressedSize: inner.length, events };
  }

  private decodeMariaGtid(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    const seqNo = r.u64le();
    const domainId = r.u32le();
    const flags = r.u8();
    let commitId: bigint | undefined;
    let xa: { formatId: number; gtrid: Buffer; bqual: Buffer } | undefined;
    if (flags & MariaGtidFlags.GROUP_COMMIT_ID) {
      commitId = r.u64le();
    } else if (flags & (MariaGtidFlags.PREPARED_XA | MariaGtidFlags.COMPLETED_XA)) {
      const formatId = r.u32le();
      const gl = r.u8();
      const bl = r.u8();
      xa = { formatId, gtrid: r.bytesCopy(gl), bqual: r.bytesCopy(bl) };
    } else {
      r.skip(Math.min(6, r.remaining));
    }
    const flagsExtra = r.done ? undefined : r.u8();
    const serverId = header.serverId;
    const ev: { -readonly [K in keyof MariaGtidEvent]: MariaGtidEvent[K] } = {
      kind: 'mariaGtid',
      header,
      domainId,
      serverId,
      seqNo,
      flags,
      gtid: `${domainId}-${serverId}-${seqNo}`,
      standalone: (flags & MariaGtidFlags.STANDALONE) !== 0,
    };
    // optional fields only when present (no object spreads: one of these per transaction)
    if (commitId !== undefined) ev.commitId = commitId;
    if (xa !== undefined) ev.xa = xa;
    if (flagsExtra !== undefined) ev.flagsExtra = flagsExtra;
    return ev;
  }

  private decodeHeartbeatV2(r: BufferReader, header: BinlogEventHeader): BinlogEvent {
    let logFile = '';
    let logPosition: number | undefined;
    while (!r.done) {
      const field = r.u8();
      const len = lenencInt(r);
      const end = r.offset + len;
      r.need(len, `heartbeat field ${field}`);
      if (field === 0) logFile = r.utf8(len);
      else if (field === 1) logPosition = len === 8 ? r.u64leSafe() : lenencInt(r);
      r.seek(end);
    }
    return logPosition === undefined ? { kind: 'heartbeat', header, logFile } : { kind: 'heartbeat', header, logFile, logPosition };
  }
}

const EMPTY = Buffer.alloc(0);

function emptyTable(header: BinlogEventHeader, tableId: number): TableMapEvent {
  return {
    kind: 'tableMap',
    header,
    tableId,
    flags: 0,
    schema: '',
    table: '',
    columnTypes: new Uint8Array(0),
    rawMetadata: EMPTY,
    nullBitmap: EMPTY,
    columns: [],
    hasColumnNames: false,
    hasSignedness: false,
  };
}

function versionAtLeast(version: string, min: readonly [number, number, number]): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}

/** MariaDB compressed payload: 0x80|lenlen, big-endian uncompressed length, zlib stream. */
function mariaUncompress(buf: Buffer, start: number, end: number, error: (m: string) => SynctlError): Buffer {
  if (start >= end) throw error('empty compressed payload');
  const first = buf[start]!;
  if ((first & 0xe0) !== 0x80) throw error(`bad compressed-payload header 0x${first.toString(16)}`);
  const lenlen = first & 0x07;
  if (lenlen < 1 || lenlen > 4 || start + 1 + lenlen > end) throw error(`bad compressed-payload length size ${lenlen}`);
  let len = 0;
  for (let i = 0; i < lenlen; i++) len = len * 256 + buf[start + 1 + i]!;
  let out: Buffer;
  try {
    out = zlib.inflateSync(buf.subarray(start + 1 + lenlen, end));
  } catch (e) {
    throw error(`zlib: ${(e as Error).message}`);
  }
  if (out.length !== len) throw error(`decompressed to ${out.length} bytes, header says ${len}`);
  return out;
}

function parseStatusVars(r: BufferReader, len: number): QueryStatusVars {
  const end = r.offset + len;
  const s: { -readonly [K in keyof QueryStatusVars]: QueryStatusVars[K] } = {};
  while (r.offset < end) {
    const code = r.u8();
    switch (code) {
      case 0:
        s.flags2 = r.u32le();
        break;
      case 1:
        s.sqlMode = r.u64le();
        break;
      case 2: // Q_CATALOG_CODE (5.0.0-5.0.3): length, string, NUL
        s.catalog = r.utf8(r.u8());
        r.skip(1);
        break;
      case 3:
        s.autoIncrementIncrement = r.u16le();
        s.autoIncrementOffset = r.u16le();
        break;
      case 4:
        s.charset = { client: r.u16le(), connection: r.u16le(), server: r.u16le() };
        break;
      case 5:
        s.timeZone = r.utf8(r.u8());
        break;
      case 6:
        s.catalog = r.utf8(r.u8());
        break;
      case 7:
        s.lcTimeNames = r.u16le();
        break;
      case 8:
        s.charsetDatabase = r.u16le();
        break;
      case 9:
        s.tableMapForUpdate = r.u64le();
        break;
      case 10: // Q_MASTER_DATA_WRITTEN_CODE
        r.skip(4);
        break;
      case 11: {
        const user = r.utf8(r.u8());
        const host = r.utf8(r.u8());
        s.invoker = { user, host };
        break;
      }
      case 12: {
        const n = r.u8();
        const names: string[] = [];
        if (n !== 254) for (let i = 0; i < n; i++) names.push(r.cstring());
        s.updatedDbNames = names;
        break;
      }
      case 13:
        s.microseconds = r.u24le();
        break;
      case 16:
        s.explicitDefaultsForTimestamp = r.u8() !== 0;
        break;
      case 17:
        s.ddlXid = r.u64le();
        break;
      case 18:
        s.defaultCollationForUtf8mb4 = r.u16le();
        break;
      case 19:
        s.sqlRequirePrimaryKey = r.u8();
        break;
      case 20:
        s.defaultTableEncryption = r.u8();
        break;
      case 128: // MariaDB Q_HRNOW
        s.hrnow = r.u24le();
        break;
      case 129: // MariaDB Q_XID
        s.xid = r.u64le();
        break;
      case 130: // MariaDB Q_GTID_FLAGS3
        s.gtidFlags3 = r.u8();
        break;
      default:
        s.unknownCode = code;
        r.seek(end);
    }
  }
  if (r.offset !== end) throw r.error(`status vars overrun their ${len}-byte block`);
  return s;
}
