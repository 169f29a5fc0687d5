/**
 * Exact comparisons of column values with row-filter literals.
 *
 * Numbers never go through a float unless both sides already are floats: integers compare
 * as bigints, decimals as (coefficient, exponent) pairs, so 2^53+1 and '10.50' = 10.5 are
 * exact. A JS number (FLOAT/DOUBLE, small ints) is taken at its shortest decimal text, which
 * is what a DBA means by `PRICE = 0.1`.
 *
 * Temporal values compare by their canonical text, with trailing fraction zeros ignored
 * ('10:00:00' = '10:00:00.000000'); TIME by signed microseconds (it can be negative and have
 * three-digit hours); timestamptz by instant when the offsets differ (a literal with no offset
 * is taken as UTC). A date-only literal compared with a datetime means midnight.
 *
 * Every compare returns -1, 0, 1, or NaN when the two cannot be compared (the predicate is
 * then UNKNOWN, as a comparison with NULL is).
 */

import { Temporal, type TemporalKind } from '../model/value';

/** value = sign * coef * 10^exp; coef has no trailing zeros (0 when sign is 0) */
export interface Dec {
  readonly sign: -1 | 0 | 1;
  readonly coef: bigint;
  readonly exp: number;
}

const DEC = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;
const ZERO: Dec = { sign: 0, coef: 0n, exp: 0 };
/** refuse absurd exponents so aligning two decimals stays cheap */
const MAX_EXP = 4000;

export function parseDec(text: string): Dec | undefined {
  const m = DEC.exec(text);
  if (m === null) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  let e = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(e) || Math.abs(e) > MAX_EXP) return undefined;
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return ZERO;
  e -= frac.length;
  const trimmed = digits.replace(/0+$/, '');
  e += digits.length - trimmed.length;
  digits = trimmed;
  return { sign: m[1] === '-' ? -1 : 1, coef: BigInt(digits), exp: e };
}

export function decFromBigInt(v: bigint): Dec {
  if (v === 0n) return ZERO;
  const sign = v < 0n ? -1 : 1;
  let coef = v < 0n ? -v : v;
  let exp = 0;
  while (coef % 10n === 0n) {
    coef /= 10n;
    exp++;
  }
  return { sign, coef, exp };
}

/** Finite numbers only: integers exactly, others by their shortest round-trip text. */
export function decFromNumber(v: number): Dec {
  return Number.isInteger(v) ? decFromBigInt(BigInt(v)) : (parseDec(String(v)) as Dec);
}

export function compareDec(a: Dec, b: Dec): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let x = a.coef;
  let y = b.coef;
  if (a.exp > b.exp) x *= 10n ** BigInt(a.exp - b.exp);
  else if (b.exp > a.exp) y *= 10n ** BigInt(b.exp - a.exp);
  const mag = x < y ? -1 : x > y ? 1 : 0;
  return a.sign * mag;
}

/** A literal's numeric forms, built once at bind time. */
export interface NumLit {
  readonly dec: Dec;
  /** set when the literal is an integer */
  readonly big?: bigint;
  /** set when the literal round-trips through a double (0.1, 42, not 2^53+1) */
  readonly f64?: number;
  /** f64, when the literal has at most 15 significant digits (see compareDecimalText) */
  readonly short?: number;
}

const TEN15 = 10n ** 15n;

export function numLit(dec: Dec): NumLit {
  const big = dec.exp >= 0 ? BigInt(dec.sign) * dec.coef * 10n ** BigInt(dec.exp) : undefined;
  const f = big !== undefined ? Number(big) : Number(`${dec.sign < 0 ? '-' : ''}${dec.coef}e${dec.exp}`);
  const f64 = Number.isFinite(f) && compareDec(decFromNumber(f), dec) === 0 ? f : undefined;
  const out: { dec: Dec; big?: bigint; f64?: number; short?: number } = { dec };
  if (big !== undefined) out.big = big;
  if (f64 !== undefined) out.f64 = f64;
  if (f64 !== undefined && dec.coef < TEN15 && Math.abs(dec.exp) < 290) out.short = f64;
  return out;
}

export function compareNumber(v: number, lit: NumLit): number {
  const f = lit.f64;
  if (f !== undefined) return v < f ? -1 : v > f ? 1 : v === f ? 0 : NaN;
  if (Number.isNaN(v)) return NaN;
  if (v === Infinity) return 1;
  if (v === -Infinity) return -1;
  return compareDec(decFromNumber(v), lit.dec);
}

export function compareBigInt(v: bigint, lit: NumLit): number {
  const b = lit.big;
  if (b !== undefined) return v < b ? -1 : v > b ? 1 : 0;
  return compareDec(decFromBigInt(v), lit.dec);
}

/**
 * A DECIMAL/NUMERIC value's text against a literal. Fast path: a decimal of at most 15
 * significant digits round-trips through a double (DBL_DIG), so two such numbers compare
 * exactly as doubles; a text of at most 15 characters has at most 15 digits. Anything longer
 * is compared exactly as (coefficient, exponent).
 */
export function compareDecimalText(v: string, lit: NumLit): number {
  const s = lit.short;
  if (s !== undefined && v.length <= 15 && v.length > 0) {
    const x = Number(v);
    if (!Number.isNaN(x)) return x < s ? -1 : x > s ? 1 : 0;
  }
  const d = parseDec(v);
  if (d !== undefined) return compareDec(d, lit.dec);
  // PostgreSQL numeric also has 'Infinity', '-Infinity' and 'NaN'
  return v === 'Infinity' ? 1 : v === '-Infinity' ? -1 : NaN;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- temporal ------------------------------------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const TZ = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([+-])(\d{2}):?(\d{2})|Z)?$/;
const TIME = /^(-)?(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** drop trailing zeros of the fraction (and a bare '.') so equal instants have equal text */
function trimFraction(text: string): string {
  const dot = text.indexOf('.');
  if (dot < 0) return text;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end--;
  if (end === dot + 1) end = dot;
  return end === text.length ? text : text.slice(0, end);
}

function micros(frac: string | undefined): number {
  return frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(0, 6));
}

/** days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function tzInstant(text: string): bigint | undefined {
  const m = TZ.exec(text);
  if (m === null) return undefined;
  const n = (i: number): number => Number(m[i]);
  const offsetSec = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (n(9) * 3600 + n(10) * 60);
  const sec = daysFromCivil(n(1), n(2), n(3)) * 86400 + n(4) * 3600 + n(5) * 60 + n(6) - offsetSec;
  return BigInt(sec) * 1000000n + BigInt(micros(m[7]));
}

function timeMicros(text: string): number | undefined {
  const m = TIME.exec(text);
  if (m === null) return undefined;
  const v = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1e6 + micros(m[5]);
  return m[1] === '-' ? -v : v;
}

/** Is the literal text some date/time form (used to reject `TS > 'abc'` at bind time)? */
export function isTemporalText(text: string): boolean {
  return DATE.test(text) || DATETIME.test(text) || TZ.test(text) || TIME.test(text);
}

/** A temporal literal's comparable key per value kind, computed on first use. */
export class TemporalLit {
  private readonly keys = new Map<TemporalKind, string | number | bigint | undefined>();
  constructor(readonly text: string) {}

  key(kind: TemporalKind): string | number | bigint | undefined {
    if (this.keys.has(kind)) return this.keys.get(kind);
    let k: string | number | bigint | undefined;
    const t = this.text.trim();
    if (kind === 'time') k = timeMicros(t);
    else if (kind === 'timestamptz') k = tzInstant(DATE.test(t) ? `${t} 00:00:00` : t);
    else if (kind === 'datetime') k = DATE.test(t) ? `${t} 00:00:00` : DATETIME.test(t) ? trimFraction(t.replace('T', ' ')) : undefined;
    else k = DATE.test(t) ? t : undefined;
    this.keys.set(kind, k);
    return k;
  }
}

export function compareTemporal(v: Temporal, lit: TemporalLit): number {
  const k = lit.key(v.kind);
  if (k === undefined) return NaN;
  switch (v.kind) {
    case 'time': {
      const x = timeMicros(v.text);
      return x === undefined ? NaN : x < (k as number) ? -1 : x > (k as number) ? 1 : 0;
    }
    case 'timestamptz': {
      const x = tzInstant(v.text);
      return x === undefined ? NaN : x < (k as bigint) ? -1 : x > (k as bigint) ? 1 : 0;
    }
    default:
      return compareText(trimFraction(v.text), k as string);
  }
}
