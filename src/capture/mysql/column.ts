import type { Value } from '../../model/value';

/**
 * The contract between the binlog event decoder (TABLE_MAP / ROWS events) and the column
 * value decoder. The event decoder builds one BinlogColumn per column from TABLE_MAP
 * (type, metadata, optional metadata) merged with the offline dictionary when the binlog
 * lacks names/signedness/charsets; the value decoder turns the bytes of one non-NULL
 * column value in a row image into an exact model Value.
 */

/** MYSQL_TYPE_* codes as they appear in TABLE_MAP. */
export const enum MysqlType {
  DECIMAL = 0,
  TINY = 1,
  SHORT = 2,
  LONG = 3,
  FLOAT = 4,
  DOUBLE = 5,
  NULL = 6,
  TIMESTAMP = 7,
  LONGLONG = 8,
  INT24 = 9,
  DATE = 10,
  TIME = 11,
  DATETIME = 12,
  YEAR = 13,
  NEWDATE = 14,
  VARCHAR = 15,
  BIT = 16,
  TIMESTAMP2 = 17,
  DATETIME2 = 18,
  TIME2 = 19,
  TYPED_ARRAY = 20,
  VECTOR = 242,
  INVALID = 243,
  BOOL = 244,
  JSON = 245,
  NEWDECIMAL = 246,
  ENUM = 247,
  SET = 248,
  TINY_BLOB = 249,
  MEDIUM_BLOB = 250,
  LONG_BLOB = 251,
  BLOB = 252,
  VAR_STRING = 253,
  STRING = 254,
  GEOMETRY = 255,
}

export interface BinlogColumn {
  /** column index in the table (0-based) */
  readonly index: number;
  /** name from optional metadata or the dictionary; '' when unknown */
  readonly name: string;
  /**
   * The type to decode with. For MYSQL_TYPE_STRING this is already the real type from
   * the metadata (ENUM, SET or STRING); MariaDB's compressed columns are kept (MariaDB 10.11 writes 141 for a compressed VARCHAR
   * and 140 for a compressed TEXT/BLOB, as seen in its binlogs).
   */
  readonly type: number;
  /**
   * Metadata from TABLE_MAP, normalised to one number per column as go-mysql's decodeMeta
   * does: e.g. VARCHAR max length, BLOB/GEOMETRY/JSON length-bytes, NEWDECIMAL
   * (precision << 8 | scale), FLOAT/DOUBLE size, BIT (bits), TIME2/DATETIME2/TIMESTAMP2
   * fsp, STRING/ENUM/SET (real_type << 8 | length) with the MySQL 5.x high-bits trick for
   * CHAR lengths > 255 already undone into `length` here.
   */
  readonly meta: number;
  /** STRING/ENUM/SET: the byte length from the metadata (CHAR(n) byte length, ENUM/SET pack length) */
  readonly length?: number;
  readonly unsigned: boolean;
  /** collation id (from optional metadata or dictionary); undefined = binary / unknown */
  readonly collation?: number;
  /** charset name for text columns ('utf8mb4', 'latin1', 'gbk', 'binary'...) when known */
  readonly charset?: string;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  /** MariaDB types logged as fixed-size binary strings (from the dictionary): decoded to their text */
  readonly logicalType?: 'uuid' | 'inet4' | 'inet6';
  /** VECTOR dimensionality (MySQL 9) */
  readonly vectorDimensions?: number;
  readonly nullable: boolean;
}

/** One decoded value and the number of bytes it took in the row image (tests, one-off callers). */
export interface DecodedValue {
  readonly value: Value;
  readonly length: number;
}

/**
 * Where the value just decoded ends: the decoder sets `end` (the offset after the value).
 * The row walker passes one such object for all the values of an event, so decoding a
 * value allocates nothing but the value itself (a {value, length} result per value was a
 * large part of the capture's garbage).
 */
export interface ValueEnd {
  end: number;
}

/** Signature of the value decoder (src/capture/mysql/values): returns the value, sets `at.end`. */
export type ColumnValueDecoder = (buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd) => Value;
