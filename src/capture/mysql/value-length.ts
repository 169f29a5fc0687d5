import { SynctlError } from '../../errors';
import type { Value } from '../../model/value';
import { MysqlType, type BinlogColumn, type ValueEnd } from './column';
import { BLOB_COMPRESSED, VARCHAR_COMPRESSED } from './values/compressed';
import { decimalBinarySize } from './values/decimal';
import { packLength } from './values/enum-set';
import { bitCount } from './values/numeric';
import { blobLengthBytes, readLength, stringMaxLength } from './values/string';
import { temporalLength } from './values/temporal';

/**
 * Byte length of one non-NULL value in a row image, without decoding it. Used to walk row
 * images without decoding them (tests, skipping filtered tables). The per-type rules are
 * the value decoders' own (src/capture/mysql/values: the same helpers and tables), and a
 * test checks both agree on every value of the corpus binlogs.
 */

function need(buf: Buffer, pos: number, n: number, col: BinlogColumn): void {
  if (pos + n > buf.length) {
    throw new SynctlError('WIRE_DECODE', `column ${col.index} type ${col.type}: value needs ${n} bytes, ${buf.length - pos} left`);
  }
}

/** a length prefix of `lenBytes` plus what it counts */
function prefixed(buf: Buffer, pos: number, lenBytes: number, col: BinlogColumn): number {
  return lenBytes + readLength(buf, pos, lenBytes, col, 'value');
}

export function columnValueLength(buf: Buffer, pos: number, col: BinlogColumn): number {
  const meta = col.meta;
  switch (col.type) {
    case MysqlType.TINY:
    case MysqlType.YEAR:
      return 1;
    case MysqlType.SHORT:
      return 2;
    case MysqlType.INT24:
      return 3;
    case MysqlType.LONG:
      return 4;
    case MysqlType.FLOAT:
      return meta === 8 ? 8 : 4; // as decodeFloat
    case MysqlType.LONGLONG:
    case MysqlType.DOUBLE:
      return 8;
    case MysqlType.NULL:
      return 0;
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
    case MysqlType.TIME:
    case MysqlType.DATETIME:
    case MysqlType.TIMESTAMP:
    case MysqlType.TIME2:
    case MysqlType.DATETIME2:
    case MysqlType.TIMESTAMP2:
      return temporalLength(col, pos);
    case MysqlType.NEWDECIMAL:
      return decimalBinarySize(meta >> 8, meta & 0xff);
    case MysqlType.BIT:
      return (bitCount(meta) + 7) >> 3;
    case MysqlType.ENUM:
    case MysqlType.SET:
      return packLength(col);
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case VARCHAR_COMPRESSED:
      return prefixed(buf, pos, meta > 255 ? 2 : 1, col);
    case MysqlType.STRING:
      return prefixed(buf, pos, stringMaxLength(col) > 255 ? 2 : 1, col);
    case MysqlType.BLOB:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.GEOMETRY:
    case MysqlType.JSON:
    case MysqlType.VECTOR:
    case BLOB_COMPRESSED:
      return prefixed(buf, pos, blobLengthBytes(col, pos), col);
    default:
      throw new SynctlError('WIRE_DECODE', `column ${col.index}: cannot size values of type ${col.type}`);
  }
}

/** A ColumnValueDecoder that returns each value's raw bytes (a view into the event). */
export function rawValueDecoder(buf: Buffer, pos: number, col: BinlogColumn, at: ValueEnd): Value {
  const length = columnValueLength(buf, pos, col);
  need(buf, pos, length, col);
  at.end = pos + length;
  return buf.subarray(pos, pos + length);
}
