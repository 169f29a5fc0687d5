import type { BufferReader } from '../../wire/buffer-reader';
import { charsetOfCollation } from './values/charset';
import { lenencInt } from './codec';
import { MysqlType, type BinlogColumn } from './column';
import type { BinlogEventHeader, ColumnPrimaryKey, TableMapEvent } from './events';

/** MariaDB compressed column types (TABLE_MAP only) */
export const MARIA_VARCHAR_COMPRESSED = 140;
export const MARIA_BLOB_COMPRESSED = 141;

/** Optional metadata TLV types (MySQL Table_map_log_event::Optional_metadata_field_type). */
const enum Opt {
  SIGNEDNESS = 1,
  DEFAULT_CHARSET = 2,
  COLUMN_CHARSET = 3,
  COLUMN_NAME = 4,
  SET_STR_VALUE = 5,
  ENUM_STR_VALUE = 6,
  GEOMETRY_TYPE = 7,
  SIMPLE_PRIMARY_KEY = 8,
  PRIMARY_KEY_WITH_PREFIX = 9,
  ENUM_AND_SET_DEFAULT_CHARSET = 10,
  ENUM_AND_SET_COLUMN_CHARSET = 11,
  COLUMN_VISIBILITY = 12,
  VECTOR_DIMENSIONALITY = 13,
}

/**
 * Reads one column's metadata at buf[pos] → [meta, bytes]. Normalised like go-mysql's
 * decodeMeta except BIT, which becomes the number of bits.
 */
function readMeta(type: number, buf: Buffer, pos: number): [number, number] {
  switch (type) {
    case MysqlType.FLOAT:
    case MysqlType.DOUBLE:
    case MysqlType.BLOB:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.GEOMETRY:
    case MysqlType.JSON:
    case MysqlType.VECTOR:
    case MysqlType.TIMESTAMP2:
    case MysqlType.DATETIME2:
    case MysqlType.TIME2:
    case MARIA_BLOB_COMPRESSED:
      return [buf[pos]!, 1];
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case MARIA_VARCHAR_COMPRESSED:
      return [buf[pos]! | (buf[pos + 1]! << 8), 2];
    case MysqlType.BIT:
      return [buf[pos + 1]! * 8 + buf[pos]!, 2];
    case MysqlType.NEWDECIMAL:
    case MysqlType.STRING:
    case MysqlType.ENUM:
    case MysqlType.SET:
      return [(buf[pos]! << 8) | buf[pos + 1]!, 2];
    default:
      return [0, 0];
  }
}

function isNumeric(t: number): boolean {
  switch (t) {
    case MysqlType.TINY:
    case MysqlType.SHORT:
    case MysqlType.INT24:
    case MysqlType.LONG:
    case MysqlType.LONGLONG:
    case MysqlType.NEWDECIMAL:
    case MysqlType.FLOAT:
    case MysqlType.DOUBLE:
      return true;
    default:
      return false;
  }
}

function isCharacter(realType: number, mariadb: boolean): boolean {
  switch (realType) {
    case MysqlType.STRING:
    case MysqlType.VAR_STRING:
    case MysqlType.VARCHAR:
    case MysqlType.BLOB:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
      return true;
    case MysqlType.GEOMETRY:
    case MARIA_VARCHAR_COMPRESSED:
    case MARIA_BLOB_COMPRESSED:
      return mariadb;
    default:
      return false;
  }
}

interface MutableColumn {
  index: number;
  name: string;
  type: number;
  meta: number;
  length?: number;
  unsigned: boolean;
  collation?: number;
  charset?: string;
  enumValues?: readonly string[];
  setValues?: readonly string[];
  vectorDimensions?: number;
  nullable: boolean;
}

/**
 * TABLE_MAP body (reader positioned right after the common header, ending before the
 * checksum). `postHeaderLength` 6 means a 4-byte table id (old servers).
 */
export function decodeTableMap(
  r: BufferReader,
  buf: Buffer,
  header: BinlogEventHeader,
  postHeaderLength: number,
  mariadb: boolean,
): TableMapEvent {
  const tableId = r.uintle(postHeaderLength === 6 ? 4 : 6);
  const flags = r.u16le();
  const schemaLen = r.u8();
  const schema = r.utf8(schemaLen);
  r.skip(1);
  const tableLen = r.u8();
  const table = r.utf8(tableLen);
  r.skip(1);
  const n = lenencInt(r);
  if (n > r.remaining) throw r.error(`column count ${n} exceeds the ${r.remaining} bytes left`);
  const columnTypes = Uint8Array.from(r.bytes(n));
  let rawMetadata: Buffer = Buffer.alloc(0);
  let nullBitmap: Buffer = Buffer.alloc((n + 7) >> 3);
  const cols: MutableColumn[] = new Array(n);
  // pre-GA table maps (5.1 alcatel trees) end right after the column types
  const hasMeta = !r.done;
  if (hasMeta) {
    const metaLen = lenencInt(r);
    const metaStart = r.offset;
    rawMetadata = Buffer.from(r.bytes(metaLen));
    nullBitmap = Buffer.from(r.bytes((n + 7) >> 3));
    let p = 0;
    for (let i = 0; i < n; i++) {
      const t = columnTypes[i]!;
      const [meta, size] = readMeta(t, rawMetadata, p);
      p += size;
      if (p > metaLen) throw r.error(`column ${i} metadata runs past the ${metaLen}-byte metadata block`, metaStart);
      cols[i] = makeColumn(i, t, meta, nullBitmap);
    }
    if (p !== metaLen) throw r.error(`metadata block is ${metaLen} bytes, columns use ${p}`, metaStart);
  } else {
    for (let i = 0; i < n; i++) cols[i] = makeColumn(i, columnTypes[i]!, 0, nullBitmap, true);
  }

  let primaryKey: ColumnPrimaryKey[] | undefined;
  let visibility: boolean[] | undefined;
  let geometryTypes: (number | undefined)[] | undefined;
  let hasColumnNames = false;
  let hasSignedness = false;

  if (!r.done) {
    // optional metadata (MySQL >= 8.0.1 / MariaDB >= 10.5, binlog_row_metadata)
    const numericCols: number[] = [];
    const charCols: number[] = [];
    const enumSetCols: number[] = [];
    const enumCols: number[] = [];
    const setCols: number[] = [];
    const geomCols: number[] = [];
    const vectorCols: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = cols[i]!.type;
      if (isNumeric(t)) numericCols.push(i);
      if (t === MysqlType.ENUM || t === MysqlType.SET) {
        enumSetCols.push(i);
        (t === MysqlType.ENUM ? enumCols : setCols).push(i);
      } else if (isCharacter(t, mariadb)) charCols.push(i);
      if (t === MysqlType.GEOMETRY) geomCols.push(i);
      if (t === MysqlType.VECTOR) vectorCols.push(i);
    }
    while (!r.done) {
      const at = r.offset;
      const tlvType = r.u8();
      const len = lenencInt(r);
      const end = r.offset + len;
      if (end > r.offset + r.remaining) throw r.error(`optional metadata ${tlvType} of ${len} bytes runs past the event`, at);
      switch (tlvType) {
        case Opt.SIGNEDNESS: {
          hasSignedness = true;
          for (let k = 0; k < numericCols.length; k++) {
            const byte = buf[r.offset + (k >> 3)];
            if (byte === undefined || (k >> 3) >= len) break;
            cols[numericCols[k]!]!.unsigned = (byte & (0x80 >> (k & 7))) !== 0;
          }
          break;
        }
        case Opt.DEFAULT_CHARSET:
        case Opt.ENUM_AND_SET_DEFAULT_CHARSET: {
          const target = tlvType === Opt.DEFAULT_CHARSET ? charCols : enumSetCols;
          const def = lenencInt(r);
          for (const c of target) setCollation(cols[c]!, def);
          while (r.offset < end) {
            const idx = lenencInt(r);
            const coll = lenencInt(r);
            const c = target[idx];
            if (c !== undefined) setCollation(cols[c]!, coll);
          }
          break;
        }
        case Opt.COLUMN_CHARSET:
        case Opt.ENUM_AND_SET_COLUMN_CHARSET: {
          const target = tlvType === Opt.COLUMN_CHARSET ? charCols : enumSetCols;
          let k = 0;
          while (r.offset < end) {
            const coll = lenencInt(r);
            const c = target[k++];
            if (c !== undefined) setCollation(cols[c]!, coll);
          }
          break;
        }
        case Opt.COLUMN_NAME: {
          hasColumnNames = true;
          let k = 0;
          while (r.offset < end) {
            const l = lenencInt(r);
            const name = r.utf8(l);
            if (k < n) cols[k]!.name = name;
            k++;
          }
          break;
        }
        case Opt.SET_STR_VALUE:
        case Opt.ENUM_STR_VALUE: {
          const target = tlvType === Opt.SET_STR_VALUE ? setCols : enumCols;
          let k = 0;
          while (r.offset < end) {
            const count = lenencInt(r);
            const values: string[] = [];
            for (let j = 0; j < count; j++) values.push(r.utf8(lenencInt(r)));
            const c = target[k++];
            if (c === undefined) continue;
            if (tlvType === Opt.SET_STR_VALUE) cols[c]!.setValues = values;
            else cols[c]!.enumValues = values;
          }
          break;
        }
        case Opt.GEOMETRY_TYPE: {
          geometryTypes = new Array<number | undefined>(n).fill(undefined);
          let k = 0;
          while (r.offset < end) {
            const g = lenencInt(r);
            const c = geomCols[k++];
            if (c !== undefined) geometryTypes[c] = g;
          }
          break;
        }
        case Opt.SIMPLE_PRIMARY_KEY: {
          primaryKey = [];
          while (r.offset < end) primaryKey.push({ index: lenencInt(r), prefix: 0 });
          break;
        }
        case Opt.PRIMARY_KEY_WITH_PREFIX: {
          primaryKey = [];
          while (r.offset < end) {
            const index = lenencInt(r);
            primaryKey.push({ index, prefix: lenencInt(r) });
          }
          break;
        }
        case Opt.COLUMN_VISIBILITY: {
          visibility = [];
          for (let i = 0; i < n; i++) {
            const byte = (i >> 3) < len ? buf[r.offset + (i >> 3)]! : 0;
            visibility.push((byte & (0x80 >> (i & 7))) !== 0);
          }
          break;
        }
        case Opt.VECTOR_DIMENSIONALITY: {
          let k = 0;
          while (r.offset < end) {
            const d = lenencInt(r);
            const c = vectorCols[k++];
            if (c !== undefined) cols[c]!.vectorDimensions = d;
          }
          break;
        }
        default:
          break; // unknown TLV: skip by its length
      }
      if (r.offset > end) throw r.error(`optional metadata ${tlvType} overruns its ${len}-byte length`, at);
      r.seek(end);
    }
  }

  const ev: TableMapEvent = {
    kind: 'tableMap',
    header,
    tableId,
    flags,
    schema,
    table,
    columnTypes,
    rawMetadata,
    nullBitmap,
    columns: cols as BinlogColumn[],
    hasColumnNames,
    hasSignedness,
  };
  if (primaryKey) (ev as { primaryKey?: ColumnPrimaryKey[] }).primaryKey = primaryKey;
  if (visibility) (ev as { visibility?: boolean[] }).visibility = visibility;
  if (geometryTypes) (ev as { geometryTypes?: (number | undefined)[] }).geometryTypes = geometryTypes;
  return ev;
}

function setCollation(c: MutableColumn, coll: number): void {
  c.collation = coll;
  const cs = charsetOfCollation(coll);
  if (cs !== undefined) c.charset = cs;
  else delete c.charset;
}

function makeColumn(index: number, type: number, meta: number, nullBitmap: Buffer, noMeta = false): MutableColumn {
  const c: MutableColumn = {
    index,
    name: '',
    type,
    meta,
    unsigned: false,
    nullable: (nullBitmap[index >> 3]! & (1 << (index & 7))) !== 0,
  };
  if (type === MysqlType.STRING || type === MysqlType.ENUM || type === MysqlType.SET) {
    if (noMeta) {
      c.length = 0;
    } else if (meta >= 256) {
      const b0 = meta >> 8;
      const b1 = meta & 0xff;
      if ((b0 & 0x30) !== 0x30) {
        // MySQL 5.x: CHAR byte length > 255 keeps its high bits in real_type
        c.length = b1 | (((b0 & 0x30) ^ 0x30) << 4);
        c.type = b0 | 0x30;
      } else {
        c.length = b1;
        c.type = b0;
      }
    } else {
      c.length = meta;
    }
  }
  return c;
}
