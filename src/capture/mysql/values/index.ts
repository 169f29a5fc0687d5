import type { BinlogColumn, ColumnValueDecoder, DecodedValue } from '../column';
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
export const decodeColumnValue: ColumnValueDecoder = (buf: Buffer, offset: number, col: BinlogColumn): DecodedValue => {
  switch (col.type) {
    case MysqlType.TINY:
      return decodeTiny(buf, offset, col);
    case MysqlType.SHORT:
      return decodeShort(buf, offset, col);
    case MysqlType.INT24:
      return decodeInt24(buf, offset, col);
    case MysqlType.LONG:
      return decodeLong(buf, offset, col);
    case MysqlType.LONGLONG:
      return decodeLongLong(buf, offset, col);
    case MysqlType.FLOAT:
      return decodeFloat(buf, offset, col);
    case MysqlType.DOUBLE:
      return decodeDouble(buf, offset, col);
    case MysqlType.YEAR:
      return decodeYear(buf, offset, col);
    case MysqlType.BIT:
      return decodeBit(buf, offset, col);
    case MysqlType.NEWDECIMAL:
      return decodeNewDecimal(buf, offset, col);
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return decodeDate(buf, offset, col);
    case MysqlType.TIME2:
      return decodeTime2(buf, offset, col);
    case MysqlType.DATETIME2:
      return decodeDatetime2(buf, offset, col);
    case MysqlType.TIMESTAMP2:
      return decodeTimestamp2(buf, offset, col);
    case MysqlType.TIME:
      return decodeTimeLegacy(buf, offset, col);
    case MysqlType.DATETIME:
      return decodeDatetimeLegacy(buf, offset, col);
    case MysqlType.TIMESTAMP:
      return decodeTimestampLegacy(buf, offset, col);
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
      return decodeVarchar(buf, offset, col);
    case MysqlType.STRING:
      return decodeString(buf, offset, col);
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
      return decodeBlob(buf, offset, col);
    case MysqlType.ENUM:
      return decodeEnum(buf, offset, col);
    case MysqlType.SET:
      return decodeSet(buf, offset, col);
    case MysqlType.JSON:
      return decodeJson(buf, offset, col);
    case MysqlType.GEOMETRY:
      return decodeGeometry(buf, offset, col);
    case MysqlType.VECTOR:
      return decodeVector(buf, offset, col);
    case VARCHAR_COMPRESSED:
    case BLOB_COMPRESSED:
      return decodeCompressed(buf, offset, col);
    case MysqlType.DECIMAL:
      throw valueError(col, 'legacy DECIMAL (pre-5.0 unpacked decimal) is not supported', offset);
    default:
      throw valueError(col, 'unsupported column type in a row image', offset);
  }
};
