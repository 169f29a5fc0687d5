import { SynctlError } from '../../errors';
import type { Value } from '../../model/value';
import { MysqlType, type BinlogColumn, type ValueEnd } from './column';

/**
 * Byte length of one non-NULL value in a row image, from the column type and metadata
 * alone. Used to walk row images without decoding them (tests, skipping filtered tables),
 * and as a cross-check of the real value decoder.
 */

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9]!
  );
}

function need(buf: Buffer, pos: number, n: number, col: BinlogColumn): void {
  if (pos + n > buf.length) {
    throw new SynctlError('WIRE_DECODE', `column ${col.index} type ${col.type}: value needs ${n} bytes, ${buf.length - pos} left`);
  }
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
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
    case MysqlType.TIME:
      return 3;
    case MysqlType.LONG:
    case MysqlType.FLOAT:
    case MysqlType.TIMESTAMP:
      return 4;
    case MysqlType.LONGLONG:
    case MysqlType.DOUBLE:
    case MysqlType.DATETIME:
      return 8;
    case MysqlType.NULL:
      return 0;
    case MysqlType.TIMESTAMP2:
      return 4 + ((meta + 1) >> 1);
    case MysqlType.DATETIME2:
      return 5 + ((meta + 1) >> 1);
    case MysqlType.TIME2:
      return 3 + ((meta + 1) >> 1);
    case MysqlType.NEWDECIMAL:
      return decimalBinarySize(meta >> 8, meta & 0xff);
    case MysqlType.BIT:
      return (meta + 7) >> 3;
    case MysqlType.ENUM:
    case MysqlType.SET:
      return col.length ?? meta & 0xff;
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case 140: {
      const lb = meta < 256 ? 1 : 2;
      need(buf, pos, lb, col);
      return lb + (lb === 1 ? buf[pos]! : buf.readUInt16LE(pos));
    }
    case MysqlType.STRING: {
      const len = col.length ?? meta;
      const lb = len < 256 ? 1 : 2;
      need(buf, pos, lb, col);
      return lb + (lb === 1 ? buf[pos]! : buf.readUInt16LE(pos));
    }
    case MysqlType.BLOB:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.GEOMETRY:
    case MysqlType.JSON:
    case MysqlType.VECTOR:
    case 141: {
      const lb = meta;
      if (lb < 1 || lb > 4) throw new SynctlError('WIRE_DECODE', `column ${col.index}: bad length-bytes metadata ${lb}`);
      need(buf, pos, lb, col);
      return lb + buf.readUIntLE(pos, lb);
    }
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
