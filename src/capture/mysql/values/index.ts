import type { Value } from '../../../model/value';
import type { BinlogColumn, ColumnValueDecoder, DecodedValue, ValueEnd } from '../column';
import { MysqlType } from '../column';
import { valueError } from './common';
import { BLOB_COMPRESSED, VARCHAR_COMPRESSED, decodeCompressed } from './compressed';
import { decodeNewDecimal } from './decimal';
import { decodeEnum, decodeSet } from './enum-set';
import { decodeJson } from './json-binary';
import {
  decodeBit,
  decodeDouble,
  decodeFloat,
  decodeInt24,
  decodeLong,
  decodeLongLong,
  decodeShort,
  decodeTiny,
  decodeYear,
} from './numeric';
import { decodeBlob, decodeGeometry, decodeString, decodeVarchar, decodeVector } from './string';
import {
  decodeDate,
  decodeDatetime2,
  decodeDatetimeLegacy,
  decodeTime2,
  decodeTimeLegacy,
  decodeTimestamp2,
  decodeTimestampLegacy,
} from './temporal';

export { charsetOfCollation, decodeText, isTextCharset } from './charset';
export { formatJsonDouble, jsonBinaryToText } from './json-binary';

/**
 * Decodes one non-NULL column value of a row image at buf[offset] (see column.ts for the
 * contract, and the helper files for each format). Every read is bounds-checked:
 * malformed or truncated input throws SynctlError('WIRE_DECODE') naming the column, its
 * type and the offset; no RangeError escapes.
 */
export const readColumnValue: ColumnValueDecoder = (buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value => {
  switch (col.type) {
    case MysqlType.TINY:
      return decodeTiny(buf, offset, col, at);
    case MysqlType.SHORT:
      return decodeShort(buf, offset, col, at);
    case MysqlType.INT24:
      return decodeInt24(buf, offset, col, at);
    case MysqlType.LONG:
      return decodeLong(buf, offset, col, at);
    case MysqlType.LONGLONG:
      return decodeLongLong(buf, offset, col, at);
    case MysqlType.FLOAT:
      return decodeFloat(buf, offset, col, at);
    case MysqlType.DOUBLE:
      return decodeDouble(buf, offset, col, at);
    case MysqlType.YEAR:
      return decodeYear(buf, offset, col, at);
    case MysqlType.BIT:
      return decodeBit(buf, offset, col, at);
    case MysqlType.NEWDECIMAL:
      return decodeNewDecimal(buf, offset, col, at);
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return decodeDate(buf, offset, col, at);
    case MysqlType.TIME2:
      return decodeTime2(buf, offset, col, at);
    case MysqlType.DATETIME2:
      return decodeDatetime2(buf, offset, col, at);
    case MysqlType.TIMESTAMP2:
      return decodeTimestamp2(buf, offset, col, at);
    case MysqlType.TIME:
      return decodeTimeLegacy(buf, offset, col, at);
    case MysqlType.DATETIME:
      return decodeDatetimeLegacy(buf, offset, col, at);
    case MysqlType.TIMESTAMP:
      return decodeTimestampLegacy(buf, offset, col, at);
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
      return decodeVarchar(buf, offset, col, at);
    case MysqlType.STRING:
      return decodeString(buf, offset, col, at);
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
      return decodeBlob(buf, offset, col, at);
    case MysqlType.ENUM:
      return decodeEnum(buf, offset, col, at);
    case MysqlType.SET:
      return decodeSet(buf, offset, col, at);
    case MysqlType.JSON:
      return decodeJson(buf, offset, col, at);
    case MysqlType.GEOMETRY:
      return decodeGeometry(buf, offset, col, at);
    case MysqlType.VECTOR:
      return decodeVector(buf, offset, col, at);
    case VARCHAR_COMPRESSED:
    case BLOB_COMPRESSED:
      return decodeCompressed(buf, offset, col, at);
    case MysqlType.DECIMAL:
      throw valueError(col, 'legacy DECIMAL (pre-5.0 unpacked decimal) is not supported', offset);
    default:
      throw valueError(col, 'unsupported column type in a row image', offset);
  }
};

/** readColumnValue with the length returned beside the value (tests, one-off callers; not the row walker). */
export function decodeColumnValue(buf: Buffer, offset: number, col: BinlogColumn): DecodedValue {
  const at = { end: offset };
  const value = readColumnValue(buf, offset, col, at);
  return { value, length: at.end - offset };
}
