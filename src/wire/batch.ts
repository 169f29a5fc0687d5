import { SynctlError } from '../errors';
import { formatPosition, parsePosition, type Position } from '../model/position';
import { JsonDiff, Temporal, UNCHANGED, type JsonDiffStep, type TemporalKind, type Value } from '../model/value';
import type { ColumnDescriptor, Op, Row, TableDescriptor, Transaction } from '../model/change';
import { BufferReader } from './buffer-reader';
import { BufferWriter } from './buffer-writer';
import { compress, decompress } from './compress';
import { FRAME_TYPE_NAMES, FrameFlag, FrameType, type Frame } from './frame';

/**
 * DATA payload codec: a batch of transactions in a compact binary form (see
 * docs/wire-format.md, "DATA batch"). All multi-byte fixed-width numbers are
 * little-endian; `varint` is unsigned LEB128 (≤ 8 bytes, value < 2^53); `str` is
 * varint byte length + UTF-8.
 *
 *   u8      format version (BATCH_FORMAT_VERSION)
 *   varint  table count T
 *   T ×     table:  str schema | str table | varint ncols | ncols × column
 *           column: str name | str type | u8 flags (1 key, 2 nullable, 4 has charset) | [str charset]
 *   varint  transaction count N
 *   N ×     varint origin | str position | f64 commitTimeUs | str xid | u8 flags (1 continued) | varint nops | nops × op
 *   op:     u8 kind, then
 *             1 insert    varint table | row after
 *             2 update    varint table | row before | row after
 *             3 delete    varint table | row before
 *             4 truncate  varint table
 *             5 ddl       str schema | str sql | varint table+1 (0: no table)
 *   row:    varint n | n × value
 *   value:  u8 tag, then (see ValueTag)
 *
 * Tables are referenced by index into the batch's table dictionary; the decoder gives
 * every op of one table the same TableDescriptor object.
 */
export const BATCH_FORMAT_VERSION = 2;

export const enum ValueTag {
  NULL = 0,
  UNCHANGED = 1,
  FALSE = 2,
  TRUE = 3,
  /** number, safe integer ≥ 0: varint n */
  UINT = 4,
  /** number, safe integer < 0: varint (-n - 1) */
  NINT = 5,
  /** number, anything else (fractions, -0, NaN, ±Infinity, unsafe integers): f64, bit exact */
  F64 = 6,
  /** bigint 0 ≤ b < 2^53: varint */
  BIG_UINT = 7,
  /** bigint -2^53 ≤ b < 0: varint (-b - 1) */
  BIG_NINT = 8,
  /** bigint in the signed 64-bit range (outside the two above): i64 */
  BIG_I64 = 9,
  /** bigint in 2^63 .. 2^64-1 (BIGINT UNSIGNED): u64 */
  BIG_U64 = 10,
  /** any other bigint: u8 sign (0 +, 1 -) | varint n | n bytes magnitude, big-endian, no leading zero */
  BIG_ARB = 11,
  /** string: varint byte length | UTF-8 */
  STRING = 12,
  /** Buffer: varint length | bytes */
  BYTES = 13,
  /** Temporal: str text, one tag per kind */
  DATE = 14,
  TIME = 15,
  DATETIME = 16,
  TIMESTAMPTZ = 17,
  /** JsonDiff: varint n | n × (u8 op (0 replace, 1 insert, 2 remove) | str path | [str value unless remove]) */
  JSON_DIFF = 18,
}

const JSON_DIFF_OPS = ['replace', 'insert', 'remove'] as const;

const enum OpKind {
  INSERT = 1,
  UPDATE = 2,
  DELETE = 3,
  TRUNCATE = 4,
  DDL = 5,
}

const enum ColFlag {
  KEY = 1,
  NULLABLE = 2,
  CHARSET = 4,
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

const TEMPORAL_KINDS: readonly TemporalKind[] = ['date', 'time', 'datetime', 'timestamptz'];

// ---------------------------------------------------------------------------------------
// encoding

/** One writer reused by every encode (encoding is synchronous); big buffers are dropped. */
const writer = new BufferWriter(256 * 1024);
const KEEP_WRITER_BYTES = 16 * 1024 * 1024;

export function encodeBatch(txs: readonly Transaction[]): Buffer {
  const w = writer.reset(KEEP_WRITER_BYTES);
  w.u8(BATCH_FORMAT_VERSION);

  // Table dictionary, by descriptor identity (captures reuse one object per table).
  const tableIndex = new Map<TableDescriptor, number>();
  const tables: TableDescriptor[] = [];
  const addTable = (t: TableDescriptor): void => {
    if (!tableIndex.has(t)) {
      tableIndex.set(t, tables.length);
      tables.push(t);
    }
  };
  for (const tx of txs) {
    for (const op of tx.ops) {
      if (op.table !== undefined) addTable(op.table);
    }
  }
  w.varuint(tables.length);
  for (const t of tables) writeTable(w, t);

  w.varuint(txs.length);
  for (const tx of txs) {
    w.varuint(tx.origin);
    w.lenString(formatPosition(tx.position));
    w.f64le(tx.commitTimeUs);
    w.lenString(tx.xid);
    w.u8(tx.continued ? 1 : 0);
    w.varuint(tx.ops.length);
    for (const op of tx.ops) {
      switch (op.kind) {
        case 'insert':
          w.u8(OpKind.INSERT).varuint(tableIndex.get(op.table)!);
          writeRow(w, op.after);
          break;
        case 'update':
          w.u8(OpKind.UPDATE).varuint(tableIndex.get(op.table)!);
          writeRow(w, op.before);
          writeRow(w, op.after);
          break;
        case 'delete':
          w.u8(OpKind.DELETE).varuint(tableIndex.get(op.table)!);
          writeRow(w, op.before);
          break;
        case 'truncate':
          w.u8(OpKind.TRUNCATE).varuint(tableIndex.get(op.table)!);
          break;
        case 'ddl':
          w.u8(OpKind.DDL).lenString(op.schema).lenString(op.sql);
          w.varuint(op.table === undefined ? 0 : tableIndex.get(op.table)! + 1);
          break;
        default:
          throw new SynctlError('INTERNAL', `cannot encode op kind '${(op as { kind: unknown }).kind}'`);
      }
    }
  }
  return w.finish();
}

function writeTable(w: BufferWriter, t: TableDescriptor): void {
  w.lenString(t.schema).lenString(t.table).varuint(t.columns.length);
  for (const c of t.columns) {
    const hasCharset = c.charset !== undefined;
    w.lenString(c.name).lenString(c.type);
    w.u8((c.key ? ColFlag.KEY : 0) | (c.nullable ? ColFlag.NULLABLE : 0) | (hasCharset ? ColFlag.CHARSET : 0));
    if (hasCharset) w.lenString(c.charset!);
  }
}

function writeRow(w: BufferWriter, row: Row): void {
  const n = row.length;
  w.varuint(n);
  for (let i = 0; i < n; i++) writeValue(w, row[i]!);
}

function writeValue(w: BufferWriter, v: Value): void {
  switch (typeof v) {
    case 'number':
      if (Number.isSafeInteger(v) && (v !== 0 || 1 / v > 0)) {
        if (v >= 0) w.u8(ValueTag.UINT).varuint(v);
        else w.u8(ValueTag.NINT).varuint(-v - 1);
      } else {
        w.u8(ValueTag.F64).f64le(v);
      }
      return;
    case 'string':
      w.u8(ValueTag.STRING).lenString(v);
      return;
    case 'bigint':
      writeBigint(w, v);
      return;
    case 'boolean':
      w.u8(v ? ValueTag.TRUE : ValueTag.FALSE);
      return;
    case 'symbol':
      if (v === UNCHANGED) {
        w.u8(ValueTag.UNCHANGED);
        return;
      }
      break;
    case 'object':
      if (v === null) {
        w.u8(ValueTag.NULL);
        return;
      }
      if (v instanceof Temporal) {
        const i = TEMPORAL_KINDS.indexOf(v.kind);
        if (i >= 0) {
          w.u8(ValueTag.DATE + i).lenString(v.text);
          return;
        }
        break;
      }
      if (Buffer.isBuffer(v)) {
        w.u8(ValueTag.BYTES).lenBytes(v);
        return;
      }
      if (v instanceof JsonDiff) {
        w.u8(ValueTag.JSON_DIFF).varuint(v.steps.length);
        for (const st of v.steps) {
          w.u8(JSON_DIFF_OPS.indexOf(st.op)).lenString(st.path);
          if (st.op !== 'remove') w.lenString(st.value ?? 'null');
        }
        return;
      }
      break;
  }
  throw new SynctlError('INTERNAL', `cannot encode value ${describe(v)}: not a synctl Value`);
}

function writeBigint(w: BufferWriter, v: bigint): void {
  if (v >= 0n) {
    if (v <= MAX_SAFE_BIG) w.u8(ValueTag.BIG_UINT).varuint(Number(v));
    else if (v <= I64_MAX) w.u8(ValueTag.BIG_I64).i64le(v);
    else if (v <= U64_MAX) w.u8(ValueTag.BIG_U64).u64le(v);
    else writeBigArb(w, 0, v);
  } else {
    if (v >= MIN_SAFE_BIG) w.u8(ValueTag.BIG_NINT).varuint(Number(-v - 1n));
    else if (v >= I64_MIN) w.u8(ValueTag.BIG_I64).i64le(v);
    else writeBigArb(w, 1, -v);
  }
}

function writeBigArb(w: BufferWriter, sign: number, magnitude: bigint): void {
  let hex = magnitude.toString(16);
  if (hex.length & 1) hex = '0' + hex;
  w.u8(ValueTag.BIG_ARB).u8(sign).lenBytes(Buffer.from(hex, 'hex'));
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null) return `of class ${v.constructor?.name ?? 'Object'}`;
  return `of type ${typeof v}`;
}

// ---------------------------------------------------------------------------------------
// decoding

const WHAT = 'DATA payload';

export function decodeBatch(payload: Buffer): Transaction[] {
  const r = new BufferReader(payload, { what: WHAT });
  const version = r.u8();
  if (version !== BATCH_FORMAT_VERSION) throw r.error(`unsupported batch format version ${version}`, 0);

  const ntables = r.count(3);
  const tables: TableDescriptor[] = [];
  for (let i = 0; i < ntables; i++) tables.push(readTable(r));

  const ntx = r.count(12);
  const txs: Transaction[] = [];
  for (let i = 0; i < ntx; i++) {
    const origin = r.varuint();
    if (origin > 0xffffffff) throw r.error(`origin ${origin} is not a u32`);
    const posAt = r.offset;
    const posText = r.lenString();
    let position: Position;
    try {
      position = parsePosition(posText);
    } catch (e) {
      throw new SynctlError('WIRE_DECODE', `${WHAT}: bad position ${JSON.stringify(posText.slice(0, 200))} at offset ${posAt}`, { offset: posAt }, { cause: e });
    }
    const commitTimeUs = r.f64le();
    const xid = r.lenString();
    const flags = r.u8();
    if (flags & ~1) throw r.error(`unknown transaction flags ${flags}`);
    const nops = r.count(2);
    const ops: Op[] = [];
    for (let j = 0; j < nops; j++) ops.push(readOp(r, tables));
    txs.push(flags & 1 ? { origin, position, commitTimeUs, xid, ops, continued: true } : { origin, position, commitTimeUs, xid, ops });
  }
  r.expectEnd();
  return txs;
}

function readTable(r: BufferReader): TableDescriptor {
  const schema = r.lenString();
  const table = r.lenString();
  const ncols = r.count(3);
  const columns: ColumnDescriptor[] = [];
  for (let i = 0; i < ncols; i++) {
    const name = r.lenString();
    const type = r.lenString();
    const flagsAt = r.offset;
    const flags = r.u8();
    if (flags & ~(ColFlag.KEY | ColFlag.NULLABLE | ColFlag.CHARSET)) throw r.error(`bad column flags 0x${flags.toString(16)}`, flagsAt);
    const key = (flags & ColFlag.KEY) !== 0;
    const nullable = (flags & ColFlag.NULLABLE) !== 0;
    columns.push(flags & ColFlag.CHARSET ? { name, type, key, nullable, charset: r.lenString() } : { name, type, key, nullable });
  }
  return { schema, table, columns };
}

function readTableRef(r: BufferReader, tables: readonly TableDescriptor[]): TableDescriptor {
  const at = r.offset;
  const i = r.varuint();
  const t = tables[i];
  if (t === undefined) throw r.error(`table index ${i} outside the dictionary of ${tables.length}`, at);
  return t;
}

function readOp(r: BufferReader, tables: readonly TableDescriptor[]): Op {
  const at = r.offset;
  const kind = r.u8();
  switch (kind) {
    case OpKind.INSERT: {
      const table = readTableRef(r, tables);
      return { kind: 'insert', table, after: readRow(r) };
    }
    case OpKind.UPDATE: {
      const table = readTableRef(r, tables);
      const before = readRow(r);
      return { kind: 'update', table, before, after: readRow(r) };
    }
    case OpKind.DELETE: {
      const table = readTableRef(r, tables);
      return { kind: 'delete', table, before: readRow(r) };
    }
    case OpKind.TRUNCATE:
      return { kind: 'truncate', table: readTableRef(r, tables) };
    case OpKind.DDL: {
      const schema = r.lenString();
      const sql = r.lenString();
      const refAt = r.offset;
      const ref = r.varuint();
      if (ref === 0) return { kind: 'ddl', schema, sql };
      const table = tables[ref - 1];
      if (table === undefined) throw r.error(`table index ${ref - 1} outside the dictionary of ${tables.length}`, refAt);
      return { kind: 'ddl', schema, sql, table };
    }
    default:
      throw r.error(`unknown op kind ${kind}`, at);
  }
}

function readRow(r: BufferReader): Value[] {
  const n = r.count(1);
  const row: Value[] = [];
  for (let i = 0; i < n; i++) row.push(readValue(r));
  return row;
}

function readValue(r: BufferReader): Value {
  const at = r.offset;
  const tag = r.u8();
  switch (tag) {
    case ValueTag.NULL:
      return null;
    case ValueTag.UNCHANGED:
      return UNCHANGED;
    case ValueTag.FALSE:
      return false;
    case ValueTag.TRUE:
      return true;
    case ValueTag.UINT:
      return r.varuint();
    case ValueTag.NINT:
      return -r.varuint() - 1;
    case ValueTag.F64:
      return r.f64le();
    case ValueTag.STRING:
      return r.lenString();
    case ValueTag.BYTES:
      return r.lenBytes();
    case ValueTag.BIG_UINT:
      return BigInt(r.varuint());
    case ValueTag.BIG_NINT:
      return -BigInt(r.varuint()) - 1n;
    case ValueTag.BIG_I64:
      return r.i64le();
    case ValueTag.BIG_U64:
      return r.u64le();
    case ValueTag.BIG_ARB: {
      const sign = r.u8();
      if (sign > 1) throw r.error(`bad bigint sign ${sign}`, at + 1);
      const mag = r.lenBytes();
      const v = mag.length === 0 ? 0n : BigInt('0x' + mag.toString('hex'));
      return sign ? -v : v;
    }
    case ValueTag.DATE:
      return new Temporal('date', r.lenString());
    case ValueTag.TIME:
      return new Temporal('time', r.lenString());
    case ValueTag.DATETIME:
      return new Temporal('datetime', r.lenString());
    case ValueTag.TIMESTAMPTZ:
      return new Temporal('timestamptz', r.lenString());
    case ValueTag.JSON_DIFF: {
      const n = r.count(2);
      const steps: JsonDiffStep[] = [];
      for (let i = 0; i < n; i++) {
        const opAt = r.offset;
        const op = JSON_DIFF_OPS[r.u8()];
        if (!op) throw r.error('unknown JSON diff operation', opAt);
        const path = r.lenString();
        steps.push(op === 'remove' ? { op, path } : { op, path, value: r.lenString() });
      }
      return new JsonDiff(steps);
    }
    default:
      throw r.error(`unknown value tag ${tag}`, at);
  }
}

// ---------------------------------------------------------------------------------------
// frames

export interface BatchFrameOptions {
  /** LZ4-compress the payload (kept uncompressed when that would not make it smaller) */
  readonly compress?: boolean;
}

/** Flag bits a DATA frame may carry; any other bit set is an error. */
const KNOWN_DATA_FLAGS: number = FrameFlag.LZ4;

export function encodeBatchFrame(
  origin: number,
  seq: bigint,
  txs: readonly Transaction[],
  options: BatchFrameOptions = {},
): Frame {
  const raw = encodeBatch(txs);
  if (options.compress) {
    const packed = compress(raw);
    if (packed.length < raw.length) return { type: FrameType.DATA, flags: FrameFlag.LZ4, origin, seq, payload: packed };
  }
  return { type: FrameType.DATA, flags: 0, origin, seq, payload: raw };
}

/** Decodes the transactions of a DATA frame (decompressing when flagged LZ4). */
export function decodeDataFrame(frame: Frame): Transaction[] {
  if (frame.type !== FrameType.DATA) {
    throw new SynctlError('WIRE_DECODE', `not a DATA frame: ${FRAME_TYPE_NAMES[frame.type] ?? `type ${frame.type}`} (seq ${frame.seq})`, {
      seq: String(frame.seq),
    });
  }
  const unknown = frame.flags & ~KNOWN_DATA_FLAGS;
  if (unknown) {
    throw new SynctlError('WIRE_DECODE', `DATA frame seq ${frame.seq}: unknown flags 0x${unknown.toString(16)}`, {
      seq: String(frame.seq),
    });
  }
  try {
    return decodeBatch(frame.flags & FrameFlag.LZ4 ? decompress(frame.payload) : frame.payload);
  } catch (e) {
    if (e instanceof SynctlError && e.code === 'WIRE_DECODE') {
      throw new SynctlError(
        'WIRE_DECODE',
        `DATA frame origin ${frame.origin} seq ${frame.seq}: ${e.message}`,
        { ...e.details, origin: frame.origin, seq: String(frame.seq) },
        { cause: e },
      );
    }
    throw e;
  }
}
