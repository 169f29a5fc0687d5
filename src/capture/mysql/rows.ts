import { isSynctlError, SynctlError } from '../../errors';
import { UNCHANGED, type Value } from '../../model/value';
import { lenencAt } from './codec';
import { MysqlType, type ColumnValueDecoder, type ValueEnd } from './column';
import type { BinlogRow, JsonDiff, PartialRow, TableMapEvent } from './events';

/**
 * Row images of WRITE/UPDATE/DELETE_ROWS (all versions) and PARTIAL_UPDATE_ROWS.
 * Works on plain offsets into the rows part of the event (no reader, no per-row objects
 * beyond the Value arrays themselves).
 */

export interface RowWalkContext {
  /** names the event in errors: '<file>: WRITE_ROWS_V2 event at offset N' (called only for an error) */
  what(): string;
  /** file offset of buf[0] (for error offsets); -1 when buf is decompressed data */
  readonly baseOffset: number;
  readonly decodeValue: ColumnValueDecoder;
  /** pre-GA rows: null bits start at bit 1 (the MyISAM record's reserved bit) */
  readonly nullBitShift: number;
}

/** where each decoded value ends: one object for all values (decoding never re-enters the walker) */
const valueEnd: ValueEnd = { end: 0 };

function fail(ctx: RowWalkContext, message: string, pos: number): SynctlError {
  const where = ctx.baseOffset >= 0 ? ` at offset ${ctx.baseOffset + pos}` : ` at byte ${pos} of the uncompressed rows`;
  return new SynctlError('WIRE_DECODE', `${ctx.what()}: ${message}${where}`, {
    offset: ctx.baseOffset >= 0 ? ctx.baseOffset + pos : undefined,
  });
}

/**
 * Decodes one image starting at `pos`; writes the values into `out` (length = column
 * count) and returns the position after the image.
 */
function readImage(
  ctx: RowWalkContext,
  buf: Buffer,
  pos: number,
  end: number,
  table: TableMapEvent,
  present: Buffer,
  presentCount: number,
  out: Value[],
  partialBits?: Buffer,
): number {
  const cols = table.columns;
  const n = out.length;
  const nullBytes = (presentCount + ctx.nullBitShift + 7) >> 3;
  if (pos + nullBytes > end) throw fail(ctx, `truncated row image: NULL bitmap needs ${nullBytes} bytes, ${end - pos} left`, pos);
  const nullStart = pos;
  pos += nullBytes;
  let k = ctx.nullBitShift;
  let jsonIndex = 0;
  for (let i = 0; i < n; i++) {
    const col = cols[i]!;
    let partial = false;
    if (partialBits !== undefined && col.type === MysqlType.JSON) {
      partial = (partialBits[jsonIndex >> 3]! & (1 << (jsonIndex & 7))) !== 0;
      jsonIndex++;
    }
    if ((present[i >> 3]! & (1 << (i & 7))) === 0) {
      out[i] = UNCHANGED;
      continue;
    }
    if ((buf[nullStart + (k >> 3)]! & (1 << (k & 7))) !== 0) {
      out[i] = null;
      k++;
      continue;
    }
    k++;
    if (partial) {
      // JSON diff vector: meta-byte length + diffs; decoded by decodePartialRows
      out[i] = UNCHANGED;
      const lb = col.meta || 4;
      if (pos + lb > end) throw fail(ctx, `truncated JSON diff length of column ${i}`, pos);
      const len = buf.readUIntLE(pos, lb);
      pos += lb + len;
      if (pos > end) throw fail(ctx, `JSON diff of column ${i} (${len} bytes) runs past the event`, pos - len);
      continue;
    }
    let value: Value;
    try {
      value = ctx.decodeValue(buf, pos, col, valueEnd);
    } catch (e) {
      if (isSynctlError(e)) {
        throw new SynctlError(
          'WIRE_DECODE',
          `${ctx.what()}: ${table.schema}.${table.table} column ${i}${col.name ? ` (${col.name})` : ''} type ${col.type}: ${e.message}`,
          { ...e.details, column: i },
          { cause: e },
        );
      }
      throw e;
    }
    const next = valueEnd.end;
    if (next > end || next < pos) {
      throw fail(ctx, `value of ${table.schema}.${table.table} column ${i} (type ${col.type}) runs past the row data`, pos);
    }
    pos = next;
    out[i] = value;
  }
  return pos;
}

function countBits(bitmap: Buffer, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (bitmap[i >> 3]! & (1 << (i & 7))) c++;
  return c;
}

/** All row images of a WRITE/UPDATE/DELETE rows event: buf[pos..end) is the row data. */
export function decodeRowImages(
  ctx: RowWalkContext,
  buf: Buffer,
  pos: number,
  end: number,
  table: TableMapEvent,
  columnCount: number,
  present: Buffer,
  presentAfter: Buffer | undefined,
  action: 'insert' | 'update' | 'delete',
): BinlogRow[] {
  if (table.columns.length !== columnCount) {
    throw fail(ctx, `rows event has ${columnCount} columns, TABLE_MAP of ${table.schema}.${table.table} has ${table.columns.length}`, pos);
  }
  const rows: BinlogRow[] = [];
  const c1 = countBits(present, columnCount);
  const c2 = presentAfter ? countBits(presentAfter, columnCount) : 0;
  while (pos < end) {
    const start = pos;
    const img: Value[] = new Array<Value>(columnCount);
    pos = readImage(ctx, buf, pos, end, table, present, c1, img);
    if (action === 'update') {
      const after: Value[] = new Array<Value>(columnCount);
      pos = readImage(ctx, buf, pos, end, table, presentAfter!, c2, after);
      rows.push({ before: img, after });
    } else if (action === 'insert') {
      rows.push({ after: img });
    } else {
      rows.push({ before: img });
    }
    if (pos === start) throw fail(ctx, 'empty row image', pos);
  }
  return rows;
}

/** PARTIAL_UPDATE_ROWS: before image, value_options, [partial bits], after image (with JSON diffs). */
export function decodePartialRows(
  ctx: RowWalkContext,
  buf: Buffer,
  pos: number,
  end: number,
  table: TableMapEvent,
  columnCount: number,
  present: Buffer,
  presentAfter: Buffer,
): PartialRow[] {
  if (table.columns.length !== columnCount) {
    throw fail(ctx, `rows event has ${columnCount} columns, TABLE_MAP of ${table.schema}.${table.table} has ${table.columns.length}`, pos);
  }
  let jsonCols = 0;
  for (const c of table.columns) if (c.type === MysqlType.JSON) jsonCols++;
  const c1 = countBits(present, columnCount);
  const c2 = countBits(presentAfter, columnCount);
  const rows: PartialRow[] = [];
  while (pos < end) {
    const before: Value[] = new Array<Value>(columnCount);
    pos = readImage(ctx, buf, pos, end, table, present, c1, before);
    const [options, ol] = lenencAt(buf, pos, end);
    if (options < 0) throw fail(ctx, 'truncated value_options', pos);
    pos += ol;
    let partialBits: Buffer | undefined;
    if (options & 1) {
      const nb = (jsonCols + 7) >> 3;
      if (pos + nb > end) throw fail(ctx, 'truncated partial-JSON bitmap', pos);
      partialBits = buf.subarray(pos, pos + nb);
      pos += nb;
    }
    const afterStart = pos;
    const after: Value[] = new Array<Value>(columnCount);
    pos = readImage(ctx, buf, pos, end, table, presentAfter, c2, after, partialBits);
    const jsonDiffs = new Map<number, JsonDiff[]>();
    if (partialBits) collectDiffs(ctx, buf, afterStart, table, presentAfter, c2, partialBits, jsonDiffs);
    rows.push({ before, after, jsonDiffs });
  }
  return rows;
}

/** Second pass over an after image to pull the JSON diffs out (only rows that have them). */
function collectDiffs(
  ctx: RowWalkContext,
  buf: Buffer,
  pos: number,
  table: TableMapEvent,
  present: Buffer,
  presentCount: number,
  partialBits: Buffer,
  out: Map<number, JsonDiff[]>,
): void {
  const cols = table.columns;
  const nullStart = pos;
  pos += (presentCount + 7) >> 3;
  let k = 0;
  let jsonIndex = 0;
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]!;
    let partial = false;
    if (col.type === MysqlType.JSON) {
      partial = (partialBits[jsonIndex >> 3]! & (1 << (jsonIndex & 7))) !== 0;
      jsonIndex++;
    }
    if ((present[i >> 3]! & (1 << (i & 7))) === 0) continue;
    const isNull = (buf[nullStart + (k >> 3)]! & (1 << (k & 7))) !== 0;
    k++;
    if (isNull) continue;
    if (partial) {
      const lb = col.meta || 4;
      const len = buf.readUIntLE(pos, lb);
      pos += lb;
      out.set(i, parseDiffs(ctx, buf, pos, pos + len));
      pos += len;
    } else {
      ctx.decodeValue(buf, pos, col, valueEnd);
      pos = valueEnd.end;
    }
  }
}

function parseDiffs(ctx: RowWalkContext, buf: Buffer, pos: number, end: number): JsonDiff[] {
  const diffs: JsonDiff[] = [];
  while (pos < end) {
    const op = buf[pos++]!;
    if (op > 2) throw fail(ctx, `bad JSON diff operation ${op}`, pos - 1);
    const [pl, pn] = lenencAt(buf, pos, end);
    if (pl < 0 || pos + pn + pl > end) throw fail(ctx, 'truncated JSON diff path', pos);
    pos += pn;
    const path = buf.toString('utf8', pos, pos + pl);
    pos += pl;
    if (op === 2) {
      diffs.push({ operation: 2, path });
      continue;
    }
    const [vl, vn] = lenencAt(buf, pos, end);
    if (vl < 0 || pos + vn + vl > end) throw fail(ctx, 'truncated JSON diff value', pos);
    pos += vn;
    diffs.push({ operation: op as 0 | 1, path, value: Buffer.from(buf.subarray(pos, pos + vl)) });
    pos += vl;
  }
  return diffs;
}
