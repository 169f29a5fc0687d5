import type { BinlogColumn, ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { MysqlType } from '../column';
import { D2, need, pad4, padHours, padNum, valueError } from './common';
import { checkPrecision, decimalBinarySize, decimalText } from './decimal';
import { blobLengthBytes, readLength } from './string';

/**
 * MySQL binary JSON (sql-common/json_binary.cc) → JSON text exactly as MySQL prints it
 * (Json_wrapper::to_string, which mysqlbinlog -v uses too):
 *
 *   {"a": 1, "b": [true, null]}    ", " between members/elements, ": " after keys
 *   keys in stored order (MySQL stores them sorted by length, then bytes)
 *   int16/int32/int64/uint16/uint32/uint64 as decimal integers
 *   double as my_gcvt(MY_GCVT_MAX_FIELD_WIDTH) prints it (shortest round-trip digits,
 *     'e' notation outside 1e-15 ≤ |x| < 1e15) plus '.0' when neither '.' nor 'e'
 *     appears: 1.0, 0.1, 1e15, 1.5e-20, -2.5
 *   strings quoted, escaping " \ \b \f \n \r \t and other bytes ≤ 0x1f as \u00xx
 *   opaque DECIMAL as its number text ('9.00', keeping the scale)
 *   opaque DATE "YYYY-MM-DD"; DATETIME/TIMESTAMP "YYYY-MM-DD HH:MM:SS.ffffff" and TIME
 *     "[-]HH:MM:SS.ffffff" (always 6 fraction digits, as MySQL prints JSON temporals)
 *   opaque VAR_STRING as a string; any other opaque "base64:type<N>:<base64>" (MIME
 *     base64, a newline every 76 characters, escaped as \n)
 *
 * An empty value (length 0: MySQL writes it for a NULL forced into a NOT NULL JSON
 * column with IGNORE / non-strict mode) is the JSON null literal, as json_binary's
 * parse_binary reads it: the text 'null'.
 *
 * Layout: a document is a type byte and a value. Objects and arrays ("small" with 2-byte,
 * "large" with 4-byte counts and offsets) are
 *   element count, byte size, [key entries: offset, u16 length], value entries
 *   (type byte + offset, or the value inlined for literals, (u)int16 and, in large
 *   containers, (u)int32), then keys and values; offsets count from the count field.
 * Strings and opaque data carry a variable-length length (7 bits per byte, ≤ 5 bytes).
 */

const SMALL_OBJECT = 0x00;
const LARGE_OBJECT = 0x01;
const SMALL_ARRAY = 0x02;
const LARGE_ARRAY = 0x03;
const LITERAL = 0x04;
const INT16 = 0x05;
const UINT16 = 0x06;
const INT32 = 0x07;
const UINT32 = 0x08;
const INT64 = 0x09;
const UINT64 = 0x0a;
const DOUBLE = 0x0b;
const STRING = 0x0c;
const OPAQUE = 0x0f;

/** deeper nesting than MySQL allows (100) is malformed; also bounds the recursion */
const MAX_DEPTH = 100;

// the column being decoded, for error messages (module state: no closure per value)
let jCol: BinlogColumn | undefined;

function fail(message: string, at: number): Error {
  return valueError(jCol!, `binary JSON: ${message}`, at, MysqlType.JSON);
}

export function decodeJson(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const lenBytes = blobLengthBytes(col, offset);
  const n = readLength(buf, offset, lenBytes, col, 'JSON');
  need(buf, offset + lenBytes, n, col, 'JSON');
  const start = offset + lenBytes;
  at.end = offset + lenBytes + n;
  return n === 0 ? 'null' : jsonBinaryToText(buf, start, start + n, col);
}

/** JSON text of the binary JSON document buf[start, end) (end > start). */
export function jsonBinaryToText(buf: Buffer, start: number, end: number, col: BinlogColumn): string {
  jCol = col;
  if (end <= start) return 'null';
  return value(buf, buf[start]!, start + 1, end, 0);
}

function value(buf: Buffer, type: number, pos: number, end: number, depth: number): string {
  switch (type) {
    case SMALL_OBJECT:
      return container(buf, true, false, pos, end, depth);
    case LARGE_OBJECT:
      return container(buf, true, true, pos, end, depth);
    case SMALL_ARRAY:
      return container(buf, false, false, pos, end, depth);
    case LARGE_ARRAY:
      return container(buf, false, true, pos, end, depth);
    case LITERAL:
      if (pos >= end) throw fail('truncated literal', pos);
      return literal(buf[pos]!, pos);
    case INT16:
      if (end - pos < 2) throw fail('truncated int16', pos);
      return String(buf.readInt16LE(pos));
    case UINT16:
      if (end - pos < 2) throw fail('truncated uint16', pos);
      return String(buf.readUInt16LE(pos));
    case INT32:
      if (end - pos < 4) throw fail('truncated int32', pos);
      return String(buf.readInt32LE(pos));
    case UINT32:
      if (end - pos < 4) throw fail('truncated uint32', pos);
      return String(buf.readUInt32LE(pos));
    case INT64:
      if (end - pos < 8) throw fail('truncated int64', pos);
      return buf.readBigInt64LE(pos).toString();
    case UINT64:
      if (end - pos < 8) throw fail('truncated uint64', pos);
      return buf.readBigUInt64LE(pos).toString();
    case DOUBLE:
      if (end - pos < 8) throw fail('truncated double', pos);
      return formatJsonDouble(buf.readDoubleLE(pos), pos);
    case STRING: {
      const n = varLength(buf, pos, end);
      return quote(buf, vlEnd, vlEnd + n);
    }
    case OPAQUE:
      return opaque(buf, pos, end);
    default:
      throw fail(`unknown value type 0x${type.toString(16)}`, pos - 1);
  }
}

function literal(b: number, at: number): string {
  switch (b) {
    case 0:
      return 'null';
    case 1:
      return 'true';
    case 2:
      return 'false';
    default:
      throw fail(`bad literal 0x${b.toString(16)}`, at);
  }
}

function container(buf: Buffer, isObject: boolean, large: boolean, pos: number, end: number, depth: number): string {
  if (depth >= MAX_DEPTH) throw fail(`nesting deeper than ${MAX_DEPTH}`, pos);
  const w = large ? 4 : 2;
  if (end - pos < 2 * w) throw fail(`truncated ${isObject ? 'object' : 'array'} header`, pos);
  const count = large ? buf.readUInt32LE(pos) : buf.readUInt16LE(pos);
  const size = large ? buf.readUInt32LE(pos + w) : buf.readUInt16LE(pos + w);
  if (size > end - pos) throw fail(`${isObject ? 'object' : 'array'} size ${size} exceeds the ${end - pos} bytes left`, pos);
  const cEnd = pos + size;
  const keyEntry = w + 2;
  const valueEntry = 1 + w;
  const keysAt = pos + 2 * w;
  const valuesAt = keysAt + (isObject ? count * keyEntry : 0);
  if (valuesAt + count * valueEntry > cEnd) {
    throw fail(`${count} entries do not fit in a ${isObject ? 'object' : 'array'} of ${size} bytes`, pos);
  }
  if (count === 0) return isObject ? '{}' : '[]';
  let out = isObject ? '{' : '[';
  for (let i = 0; i < count; i++) {
    if (i > 0) out += ', ';
    if (isObject) {
      const ke = keysAt + i * keyEntry;
      const keyOff = large ? buf.readUInt32LE(ke) : buf.readUInt16LE(ke);
      const keyLen = buf.readUInt16LE(ke + w);
      const k = pos + keyOff;
      if (keyOff > size || keyLen > cEnd - k) throw fail(`key ${i} outside its object`, ke);
      out += quote(buf, k, k + keyLen) + ': ';
    }
    const ve = valuesAt + i * valueEntry;
    const t = buf[ve]!;
    out += entry(buf, t, ve + 1, large, pos, cEnd, depth);
  }
  return out + (isObject ? '}' : ']');
}

/** one value entry: inlined scalar or an offset into the container */
function entry(buf: Buffer, t: number, at: number, large: boolean, cStart: number, cEnd: number, depth: number): string {
  switch (t) {
    case LITERAL:
      return literal(buf[at]!, at);
    case INT16:
      return String(buf.readInt16LE(at));
    case UINT16:
      return String(buf.readUInt16LE(at));
    case INT32:
      if (large) return String(buf.readInt32LE(at));
      break;
    case UINT32:
      if (large) return String(buf.readUInt32LE(at));
      break;
    default:
      break;
  }
  const off = large ? buf.readUInt32LE(at) : buf.readUInt16LE(at);
  if (off >= cEnd - cStart) throw fail(`value offset ${off} outside its container`, at);
  return value(buf, t, cStart + off, cEnd, depth + 1);
}

// end of the last variable-length length read (module state instead of a result object)
let vlEnd = 0;

/** variable-length length (7 bits per byte, little-endian groups, ≤ 5 bytes, < 2^32) */
function varLength(buf: Buffer, pos: number, end: number): number {
  let len = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) throw fail('truncated length', pos);
    const b = buf[pos + i]!;
    len += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (len > 0xffffffff) break;
      vlEnd = pos + i + 1;
      if (len > end - vlEnd) throw fail(`length ${len} exceeds the ${end - vlEnd} bytes left`, pos);
      return len;
    }
    mul *= 128;
  }
  throw fail('bad variable-length length', pos);
}

// ---- strings -------------------------------------------------------------------------

const HEX = '0123456789abcdef';

/** '"' + escaped UTF-8 text of buf[start, end) + '"', escaping as MySQL's double_quote */
function quote(buf: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b < 0x20 || b === 0x22 || b === 0x5c) {
      plain = false;
      break;
    }
  }
  const s = buf.toString('utf8', start, end);
  return plain ? '"' + s + '"' : '"' + escape(s) + '"';
}

function escape(s: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      switch (c) {
        case 0x08:
          esc = '\\b';
          break;
        case 0x0c:
          esc = '\\f';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        default:
          esc = '\\u00' + HEX[c >> 4]! + HEX[c & 15]!;
      }
    }
    if (esc !== undefined) {
      if (run < i) out += s.slice(run, i);
      out += esc;
      run = i + 1;
    }
  }
  return run === 0 ? out + s : out + s.slice(run);
}

// ---- doubles -------------------------------------------------------------------------

/** MY_GCVT_MAX_FIELD_WIDTH = DBL_DIG + 4 + max(5, MAX_DECPT_FOR_F_FORMAT) */
const GCVT_WIDTH = 34;
const MAX_DECPT_FOR_F_FORMAT = 15;

/**
 * A double as MySQL's JSON printing renders it: strings/dtoa.cc my_gcvt(x,
 * MY_GCVT_ARG_DOUBLE, MY_GCVT_MAX_FIELD_WIDTH) with the shortest round-trip digits
 * (dtoa mode 4 with 34 digits never needs more than 17), then '.0' appended when the
 * text has neither '.' nor 'e'.
 */
export function formatJsonDouble(x: number, at = 0): string {
  if (!Number.isFinite(x)) throw fail('non-finite double', at);
  const s = mysqlGcvt(x);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x65) return s; // '.' or 'e'
  }
  return s + '.0';
}

function mysqlGcvt(x: number): string {
  const negative = x < 0 || Object.is(x, -0);
  let width = GCVT_WIDTH;
  if (x < 0) width--;
  let digits: string;
  let decpt: number;
  if (x === 0) {
    digits = '0';
    decpt = 1;
  } else {
    // shortest round-trip digits: "d[.ddd]e±N"
    const e = Math.abs(x).toExponential();
    const ePos = e.indexOf('e');
    digits = ePos > 1 ? e[0]! + e.slice(2, ePos) : e[0]!;
    decpt = Number(e.slice(ePos + 1)) + 1;
  }
  const len = digits.length;
  const expLen = 1 + (decpt >= 101 || decpt <= -99 ? 1 : 0) + (decpt >= 11 || decpt <= -9 ? 1 : 0);
  const haveSpace = (decpt <= 0 ? len - decpt + 2 : decpt > 0 && decpt < len ? len + 1 : decpt) <= width;
  const forceE = decpt <= 0 && width <= 2 - decpt && width >= 3 + expLen;
  const useF =
    (haveSpace || (decpt <= width && (decpt >= -1 || (decpt === -2 && (len > 1 || !forceE))) && !forceE)) &&
    (!haveSpace || (decpt >= -MAX_DECPT_FOR_F_FORMAT + 1 && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt)));
  const sign = negative ? '-' : '';
  if (useF) {
    // with width 34 and ≤ 17 digits the 'f' format never truncates
    if (decpt <= 0) return sign + '0.' + '0'.repeat(-decpt) + digits;
    if (decpt < len) return sign + digits.slice(0, decpt) + '.' + digits.slice(decpt);
    return sign + digits + '0'.repeat(decpt - len);
  }
  const exp = decpt - 1;
  const mantissa = len > 1 ? digits[0]! + '.' + digits.slice(1) : digits;
  return sign + mantissa + 'e' + (exp < 0 ? '-' + -exp : String(exp));
}

// ---- opaque values -------------------------------------------------------------------

function opaque(buf: Buffer, pos: number, end: number): string {
  if (pos >= end) throw fail('truncated opaque value', pos);
  const fieldType = buf[pos]!;
  const n = varLength(buf, pos + 1, end);
  const start = vlEnd;
  switch (fieldType) {
    case MysqlType.NEWDECIMAL: {
      if (n < 2) throw fail('truncated opaque DECIMAL', pos);
      const precision = buf[start]!;
      const scale = buf[start + 1]!;
      checkPrecision(precision, scale, jCol!, start, MysqlType.JSON);
      if (decimalBinarySize(precision, scale) > n - 2) throw fail('truncated opaque DECIMAL', pos);
      return decimalText(buf, start + 2, precision, scale, jCol!, MysqlType.JSON);
    }
    case MysqlType.DATE:
    case MysqlType.TIME:
    case MysqlType.DATETIME:
    case MysqlType.TIMESTAMP:
      if (n !== 8) throw fail(`opaque temporal of ${n} bytes (expected 8)`, pos);
      return '"' + packedTemporalText(buf, start, fieldType) + '"';
    case MysqlType.VAR_STRING:
      return quote(buf, start, start + n);
    default: {
      const b64 = buf.toString('base64', start, start + n);
      let text = 'base64:type' + fieldType + ':';
      if (b64.length <= 76) text += b64;
      else {
        for (let i = 0; i < b64.length; i += 76) text += (i > 0 ? '\\n' : '') + b64.slice(i, i + 76);
      }
      return '"' + text + '"';
    }
  }
}

/**
 * Text of MySQL's 8-byte packed temporal (TIME_to_longlong_*_packed):
 * (intpart << 24) | microseconds, negated for negative TIME; intpart is
 * hh << 12 | mm << 6 | ss for TIME and ((year * 13 + month) << 5 | day) << 17 | hms for
 * DATE/DATETIME/TIMESTAMP.
 */
function packedTemporalText(buf: Buffer, at: number, fieldType: number): string {
  let lo = buf.readUInt32LE(at);
  let hi = buf.readInt32LE(at + 4);
  const negative = hi < 0;
  if (negative) {
    // two's complement negation of the 64-bit value
    lo = (~lo + 1) >>> 0;
    hi = ~hi + (lo === 0 ? 1 : 0);
  }
  const hiU = hi >>> 0;
  const micros = lo & 0xffffff;
  const intpart = hiU * 256 + (lo >>> 24); // < 2^40
  if (micros >= 1000000) throw fail('bad packed temporal fraction', at);
  const frac = '.' + padNum(micros, 6);
  if (fieldType === MysqlType.TIME) {
    const hms = intpart;
    const hour = Math.floor(hms / 4096) % 1024;
    const minute = (hms >> 6) & 63;
    const second = hms & 63;
    return (negative ? '-' : '') + padHours(hour) + ':' + D2[minute]! + ':' + D2[second]! + frac;
  }
  if (negative) throw fail('negative packed date', at);
  const ymd = Math.floor(intpart / 0x20000);
  const hms = intpart % 0x20000;
  const day = ymd & 31;
  const ym = Math.floor(ymd / 32);
  const month = ym % 13;
  const year = Math.floor(ym / 13);
  if (year > 9999) throw fail('bad packed date', at);
  const date = pad4(year) + '-' + D2[month]! + '-' + D2[day]!;
  if (fieldType === MysqlType.DATE) return date;
  const hour = hms >> 12;
  const minute = (hms >> 6) & 63;
  const second = hms & 63;
  if (hour > 23 || minute > 59 || second > 59) throw fail('bad packed datetime', at);
  return date + ' ' + D2[hour]! + ':' + D2[minute]! + ':' + D2[second]! + frac;
}
