import { Temporal } from '../../../model/value';
import { MysqlType, type BinlogColumn, type ValueEnd } from '../column';
import type { Value } from '../../../model/value';
import { D2, fraction, need, pad4, padHours, valueError, zeroFraction } from './common';

/**
 * Date and time values → Temporal (canonical text, see src/model/value.ts).
 *
 *   DATE, NEWDATE (3 bytes LE: day 5 bits, month 4 bits, year 15 bits)   'YYYY-MM-DD'
 *   TIME2 (3 bytes BE + fsp bytes)                                       '[-]HH:MM:SS[.f]'
 *   DATETIME2 (5 bytes BE + fsp bytes)                                   'YYYY-MM-DD HH:MM:SS[.f]'
 *   TIMESTAMP2 (4 bytes BE seconds + fsp bytes)                          '... +00:00' (UTC)
 *   legacy TIME (3 bytes LE, signed HHMMSS), DATETIME (8 bytes LE, YYYYMMDDhhmmss),
 *   TIMESTAMP (4 bytes LE seconds), as written by MySQL ≤ 5.5 (sakila) and 5.6 for old
 *   tables.
 *   MariaDB "hires" TIME/DATETIME/TIMESTAMP(n) (MariaDB 5.3–10.0, or later servers with
 *   mysql56_temporal_format=OFF): the legacy type codes with fsp n > 0 in the metadata,
 *   stored big-endian in MariaDB's own packed form (see decodeMariaHires* below).
 *
 * Fractions have exactly fsp digits (none for fsp 0). Zero dates, zero months/days and
 * the zero datetime '0000-00-00 00:00:00' are kept as they are. TIME hours can exceed 99
 * (up to 838 for valid values; legacy formats can hold more) and TIME can be negative.
 * TIMESTAMP seconds 0 is MySQL's zero timestamp and gives '0000-00-00 00:00:00[.000]+00:00'.
 */

const TIMEF_INT_OFS = 0x800000;
const TIMEF_OFS = 0x800000000000;
const DATETIMEF_INT_OFS = 0x8000000000;
const TWO_24 = 0x1000000;
const MICROS_PER_SEC = 1000000;

function fspOf(col: BinlogColumn, offset: number): number {
  const fsp = col.meta;
  if (fsp < 0 || fsp > 6 || !Number.isInteger(fsp)) throw valueError(col, `bad fractional-seconds precision ${fsp}`, offset);
  return fsp;
}

/** bytes of the fractional part of TIME2/DATETIME2/TIMESTAMP2 for fsp 0..6 */
const FRAC_BYTES = [0, 1, 1, 2, 2, 3, 3];
/** bytes of MariaDB's hires TIME(n) / DATETIME(n) (legacy type codes, fsp in the metadata; see below) */
const HIRES_TIME_BYTES = [3, 4, 4, 5, 5, 5, 6];
const HIRES_DATETIME_BYTES = [5, 6, 6, 7, 7, 7, 8];

/** Bytes a value of a date/time column takes in a row image (every format the decoders below read). */
export function temporalLength(col: BinlogColumn, offset: number): number {
  switch (col.type) {
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return 3;
    case MysqlType.TIME2:
      return 3 + FRAC_BYTES[fspOf(col, offset)]!;
    case MysqlType.DATETIME2:
      return 5 + FRAC_BYTES[fspOf(col, offset)]!;
    case MysqlType.TIMESTAMP2:
      return 4 + FRAC_BYTES[fspOf(col, offset)]!;
    case MysqlType.TIME:
      return col.meta > 0 ? HIRES_TIME_BYTES[fspOf(col, offset)]! : 3;
    case MysqlType.DATETIME:
      return col.meta > 0 ? HIRES_DATETIME_BYTES[fspOf(col, offset)]! : 8;
    case MysqlType.TIMESTAMP:
      return col.meta > 0 ? 4 + FRAC_BYTES[fspOf(col, offset)]! : 4;
    default:
      throw valueError(col, 'not a date/time type', offset);
  }
}

/** microseconds from the unsigned big-endian fractional bytes of a *2 type */
function fracMicros(buf: Buffer, at: number, fsp: number): number {
  switch (fsp) {
    case 1:
    case 2:
      return buf[at]! * 10000;
    case 3:
    case 4:
      return ((buf[at]! << 8) | buf[at + 1]!) * 100;
    case 5:
    case 6:
      return (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
    default:
      return 0;
  }
}

function dateText(year: number, month: number, day: number): string {
  return pad4(year) + '-' + D2[month]! + '-' + D2[day]!;
}

function datetimeText(year: number, month: number, day: number, hour: number, minute: number, second: number): string {
  return pad4(year) + '-' + D2[month]! + '-' + D2[day]! + ' ' + D2[hour]! + ':' + D2[minute]! + ':' + D2[second]!;
}

function checkDatetimeFields(col: BinlogColumn, offset: number, month: number, hour: number, minute: number, second: number): void {
  // day < 32 and year ≤ 9999 follow from the bit widths / digit counts of each format
  if (month > 12 || hour > 23 || minute > 59 || second > 59) {
    throw valueError(col, 'malformed date/time value', offset);
  }
}

export function decodeDate(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  need(buf, offset, 3, col, 'DATE');
  const v = buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16);
  const day = v & 31;
  const month = (v >> 5) & 15;
  const year = v >> 9;
  if (month > 12) throw valueError(col, 'malformed DATE value', offset);
  at.end = offset + 3;
  return new Temporal('date', dateText(year, month, day));
}

/** '[-]HH:MM:SS[.f]' from a sign and a non-negative count of microseconds */
function timeText(negative: boolean, hours: number, minute: number, second: number, micros: number, fsp: number): string {
  const s = padHours(hours) + ':' + D2[minute]! + ':' + D2[second]! + fraction(micros, fsp);
  return negative ? '-' + s : s;
}

export function decodeTime2(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const n = 3 + FRAC_BYTES[fsp]!;
  need(buf, offset, n, col, `TIME(${fsp})`);
  // MySQL my_time_packed_from_binary: a packed value (intpart << 24) + microseconds
  let intpart = ((buf[offset]! << 16) | (buf[offset + 1]! << 8) | buf[offset + 2]!) - TIMEF_INT_OFS;
  let packed: number;
  switch (fsp) {
    case 1:
    case 2: {
      let frac = buf[offset + 3]!;
      // negative values keep the fraction in reverse order for binary sorting
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x100;
      }
      packed = intpart * TWO_24 + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      let frac = (buf[offset + 3]! << 8) | buf[offset + 4]!;
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x10000;
      }
      packed = intpart * TWO_24 + frac * 100;
      break;
    }
    case 5:
    case 6:
      // the 6 bytes are one offset integer
      packed = readUIntBE(buf, offset, 6) - TIMEF_OFS;
      break;
    default:
      packed = intpart * TWO_24;
      break;
  }
  const negative = packed < 0;
  if (negative) packed = -packed;
  const hms = Math.floor(packed / TWO_24);
  const micros = packed - hms * TWO_24;
  const hour = (hms >> 12) % 1024;
  const minute = (hms >> 6) & 63;
  const second = hms & 63;
  if (minute > 59 || second > 59 || micros >= MICROS_PER_SEC) throw valueError(col, 'malformed TIME value', offset);
  at.end = offset + n;
  return new Temporal('time', timeText(negative, hour, minute, second, micros, fsp));
}

export function decodeDatetime2(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const n = 5 + FRAC_BYTES[fsp]!;
  need(buf, offset, n, col, `DATETIME(${fsp})`);
  const hi = buf[offset]!;
  const lo = buf.readUInt32BE(offset + 1);
  const intpart = hi * 0x100000000 + lo - DATETIMEF_INT_OFS;
  if (intpart < 0) throw valueError(col, 'negative DATETIME value', offset);
  const micros = fracMicros(buf, offset + 5, fsp);
  // intpart = ymd << 17 | hms; ymd = (year * 13 + month) << 5 | day
  const hms = intpart % 0x20000;
  const ymd = Math.floor(intpart / 0x20000);
  const ym = ymd >> 5;
  const day = ymd & 31;
  const month = ym % 13;
  const year = Math.floor(ym / 13);
  const hour = hms >> 12;
  const minute = (hms >> 6) & 63;
  const second = hms & 63;
  checkDatetimeFields(col, offset, month, hour, minute, second);
  if (year > 9999 || micros >= MICROS_PER_SEC) throw valueError(col, 'malformed DATETIME value', offset);
  const text = datetimeText(year, month, day, hour, minute, second) + fraction(micros, fsp);
  at.end = offset + n;
  return new Temporal('datetime', text);
}

// civil date of a day count since 1970-01-01 (H. Hinnant's days_from_civil inverse);
// results in module state to avoid allocating a tuple per value
let cYear = 0;
let cMonth = 0;
let cDay = 0;
function civilFromDays(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  cDay = doy - Math.floor((153 * mp + 2) / 5) + 1;
  cMonth = mp < 10 ? mp + 3 : mp - 9;
  cYear = yoe + era * 400 + (cMonth <= 2 ? 1 : 0);
}

/** 'YYYY-MM-DD HH:MM:SS[.f]+00:00' for epoch seconds; seconds 0 → MySQL's zero timestamp */
function timestampText(seconds: number, micros: number, fsp: number): string {
  if (seconds === 0) return '0000-00-00 00:00:00' + fraction(micros, fsp) + '+00:00';
  const days = Math.floor(seconds / 86400);
  let rest = seconds - days * 86400;
  civilFromDays(days);
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const second = rest - minute * 60;
  return datetimeText(cYear, cMonth, cDay, hour, minute, second) + fraction(micros, fsp) + '+00:00';
}

export function decodeTimestamp2(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const n = 4 + FRAC_BYTES[fsp]!;
  need(buf, offset, n, col, `TIMESTAMP(${fsp})`);
  const seconds = buf.readUInt32BE(offset);
  const micros = fracMicros(buf, offset + 4, fsp);
  if (micros >= MICROS_PER_SEC) throw valueError(col, 'malformed TIMESTAMP fraction', offset);
  at.end = offset + n;
  return new Temporal('timestamptz', timestampText(seconds, micros, fsp));
}

// ---- legacy (pre-5.6.4) formats ------------------------------------------------------

export function decodeTimeLegacy(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  if (col.meta > 0) return decodeMariaHiresTime(buf, offset, col, at);
  need(buf, offset, 3, col, 'TIME');
  // signed 3-byte integer [-]HHHMMSS
  const raw = ((buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16)) << 8) >> 8;
  const negative = raw < 0;
  const v = negative ? -raw : raw;
  const hours = Math.floor(v / 10000);
  const minute = Math.floor(v / 100) % 100;
  const second = v % 100;
  if (minute > 59 || second > 59) throw valueError(col, 'malformed TIME value', offset);
  at.end = offset + 3;
  return new Temporal('time', timeText(negative, hours, minute, second, 0, 0));
}

export function decodeDatetimeLegacy(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  if (col.meta > 0) return decodeMariaHiresDatetime(buf, offset, col, at);
  need(buf, offset, 8, col, 'DATETIME');
  // unsigned 8-byte integer YYYYMMDDhhmmss (≤ 99991231235959 < 2^53)
  const lo = buf.readUInt32LE(offset);
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1fffff) throw valueError(col, 'malformed DATETIME value', offset);
  const v = hi * 0x100000000 + lo;
  const d = Math.floor(v / 1000000);
  const t = v - d * 1000000;
  const year = Math.floor(d / 10000);
  const month = Math.floor(d / 100) % 100;
  const day = d % 100;
  const hour = Math.floor(t / 10000);
  const minute = Math.floor(t / 100) % 100;
  const second = t % 100;
  checkDatetimeFields(col, offset, month, hour, minute, second);
  if (year > 9999 || day > 31) throw valueError(col, 'malformed DATETIME value', offset);
  at.end = offset + 8;
  return new Temporal('datetime', datetimeText(year, month, day, hour, minute, second));
}

export function decodeTimestampLegacy(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  if (col.meta > 0) return decodeMariaHiresTimestamp(buf, offset, col, at);
  need(buf, offset, 4, col, 'TIMESTAMP');
  const seconds = buf.readUInt32LE(offset);
  at.end = offset + 4;
  return new Temporal('timestamptz', timestampText(seconds, 0, 0));
}

// ---- MariaDB hires (legacy type codes with fsp in the metadata) ----------------------
//
// MariaDB sql/field.cc Field_{time,datetime,timestamp}_hires, all big-endian:
//   TIME(n):      sec_part_shift(pack_time(t), n) + zero_point, in {3,4,4,5,5,5,6}[n] bytes
//                 zero_point = (838:59:59 + 1 s) in units of 10^-n s
//   DATETIME(n):  sec_part_shift(pack_time(t), n), in {5,6,6,7,7,7,8}[n] bytes
//   TIMESTAMP(n): 4 bytes seconds + usec / 10^(6-n) in {0,1,1,2,2,3,3}[n] bytes
// pack_time = ((((((year*13 + month)*32 + day)*24 + hour)*60 + minute)*60 + second)
//              * 10^6 + usec), negated for negative TIME; sec_part_shift divides by 10^(6-n).

const SEC_PART_UNIT = [1000000, 100000, 10000, 1000, 100, 10, 1];
const TIME_MAX_SECONDS_PLUS_1 = 838 * 3600 + 59 * 60 + 59 + 1;

function readUIntBE(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[at + i]!;
  return v;
}

function decodeMariaHiresTime(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const n = HIRES_TIME_BYTES[fsp]!;
  need(buf, offset, n, col, `TIME(${fsp})`);
  const unit = SEC_PART_UNIT[fsp]!;
  const zero = TIME_MAX_SECONDS_PLUS_1 * (MICROS_PER_SEC / unit);
  let v = readUIntBE(buf, offset, n) - zero; // in units of 10^-fsp s, < 2^48
  const negative = v < 0;
  if (negative) v = -v;
  const perSec = MICROS_PER_SEC / unit;
  const totalSeconds = Math.floor(v / perSec);
  const micros = (v - totalSeconds * perSec) * unit;
  // pack_time counts days in 24-hour units; TIME prints them as hours
  const hours = Math.floor(totalSeconds / 3600);
  const minute = Math.floor(totalSeconds / 60) % 60;
  const second = totalSeconds % 60;
  at.end = offset + n;
  return new Temporal('time', timeText(negative, hours, minute, second, micros, fsp));
}

function decodeMariaHiresDatetime(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const n = HIRES_DATETIME_BYTES[fsp]!;
  need(buf, offset, n, col, `DATETIME(${fsp})`);
  // up to 8 bytes: exact arithmetic in bigint (a rare legacy format)
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[offset + i]!);
  v *= BigInt(SEC_PART_UNIT[fsp]!);
  const micros = Number(v % 1000000n);
  let rest = v / 1000000n;
  const second = Number(rest % 60n);
  rest /= 60n;
  const minute = Number(rest % 60n);
  rest /= 60n;
  const hour = Number(rest % 24n);
  rest /= 24n;
  const day = Number(rest % 32n);
  rest /= 32n;
  const month = Number(rest % 13n);
  const year = Number(rest / 13n);
  if (year > 9999) throw valueError(col, 'malformed DATETIME value', offset);
  const text = datetimeText(year, month, day, hour, minute, second) + fraction(micros, fsp);
  at.end = offset + n;
  return new Temporal('datetime', text);
}

function decodeMariaHiresTimestamp(buf: Buffer, offset: number, col: BinlogColumn, at: ValueEnd): Value {
  const fsp = fspOf(col, offset);
  const fracBytes = FRAC_BYTES[fsp]!;
  const n = 4 + fracBytes;
  need(buf, offset, n, col, `TIMESTAMP(${fsp})`);
  const seconds = buf.readUInt32BE(offset);
  const micros = readUIntBE(buf, offset + 4, fracBytes) * SEC_PART_UNIT[fsp]!;
  if (micros >= MICROS_PER_SEC) throw valueError(col, 'malformed TIMESTAMP fraction', offset);
  at.end = offset + n;
  return new Temporal('timestamptz', timestampText(seconds, micros, fsp));
}

/** '0000-00-00 00:00:00' with fsp zero digits: the zero DATETIME (exported for tests) */
export function zeroDatetimeText(fsp: number): string {
  return '0000-00-00 00:00:00' + zeroFraction(fsp);
}
