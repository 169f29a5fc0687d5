/**
 * Values of the model (src/model/value.ts) as tedious' bulk load takes them for a column of
 * a given SQL Server type. The bulk stream carries typed values, not SQL text, so every
 * conversion exec's literals leave to the server (mssql-sql.ts) is done here, to the same
 * stored value:
 *  - exact numbers stay exact: decimal as canonical text rounded to the column's scale
 *    (tedious' own Decimal goes through a double; EXACT_DECIMAL in mssql-bulk-table.ts
 *    writes the text), bigint as a JS bigint;
 *  - dates and times as Date objects read in UTC (the session runs useUTC) with the
 *    digits below the millisecond in tedious' `nanosecondDelta` (seconds), rounded to the
 *    column's scale first as SQL Server rounds a literal; years 1..99 kept (no 19xx shift);
 *  - datetimeoffset keeps the value's zone offset, which tedious writes from
 *    getTimezoneOffset(): the Date is given its own;
 *  - binary as Buffer (binary(n) padded with zero bytes, as SQL Server pads it), bit as
 *    boolean; zero dates follow the exec's zero_date rule, as in exec.
 */
import { SynctlError } from '../../errors';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../../model/value';
import { utcWallClock } from '../temporal-text';
import { isZeroDate, zeroDateValue, type ZeroDateRule } from '../zero-date';

/** tedious type names a bulk column is sent as (mssql's sql.TYPES; EXACT_DECIMAL/EXACT_NUMERIC of mssql-bulk-table.ts for decimal/numeric). */
export type BulkType =
  | 'TinyInt'
  | 'SmallInt'
  | 'Int'
  | 'BigInt'
  | 'Decimal'
  | 'Numeric'
  | 'Real'
  | 'Float'
  | 'Bit'
  | 'NVarChar'
  | 'NChar'
  | 'VarChar'
  | 'Char'
  | 'VarBinary'
  | 'Binary'
  | 'Date'
  | 'Time'
  | 'DateTime'
  | 'SmallDateTime'
  | 'DateTime2'
  | 'DateTimeOffset'
  | 'UniqueIdentifier';

/** One column of a bulk load, typed exactly as the target column is (SQL Server refuses another type: error 4816). */
export interface BulkColumnDef {
  /** the target column's name */
  readonly name: string;
  readonly type: BulkType;
  /** characters (N types) or bytes; 'max' for (max) */
  readonly length?: number | 'max';
  readonly precision?: number;
  readonly scale?: number;
  readonly nullable: boolean;
}

/** What tedious takes for a column (a bigint is given as a JS bigint; a Date may carry nanosecondDelta). */
export type BulkValue = null | boolean | number | bigint | string | Buffer | Date;

function bad(col: BulkColumnDef, what: string): SynctlError {
  return new SynctlError('APPLY_VALUE', `column ${col.name} (${describe(col)}): ${what}`, { column: col.name });
}

export function describe(col: BulkColumnDef): string {
  const t = col.type.toLowerCase();
  if (col.length !== undefined) return `${t}(${col.length})`;
  if (col.type === 'Decimal' || col.type === 'Numeric') return `${t}(${col.precision},${col.scale})`;
  if (col.scale !== undefined) return `${t}(${col.scale})`;
  return t;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number's text as a decimal(precision, scale) value: plain digits, rounded half away
 * from zero to `scale` fraction digits (what SQL Server does with a longer literal).
 * Undefined when it is not a number; throws nothing (the caller says which column).
 */
export function decimalText(text: string, precision: number, scale: number): { text: string; fits: boolean } | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m as unknown as [string, string, string, string | undefined, string | undefined];
  // all digits as one integer and the position of the point counted from the right
  let digits = (int + frac).replace(/^0+(?=\d)/, '');
  let point = frac.length - Number(exp);
  if (point < 0) {
    digits += '0'.repeat(-point);
    point = 0;
  }
  let n = BigInt(digits === '' ? '0' : digits);
  if (point > scale) {
    const div = 10n ** BigInt(point - scale);
    const q = n / div;
    n = n % div >= (div + 1n) / 2n ? q + 1n : q;
  } else n *= 10n ** BigInt(scale - point);
  const abs = n.toString().padStart(scale + 1, '0');
  const whole = abs.slice(0, abs.length - scale);
  const out = scale === 0 ? whole : `${whole}.${abs.slice(abs.length - scale)}`;
  return { text: (sign === '-' && n !== 0n ? '-' : '') + out, fits: whole.replace(/^0+/, '').length <= precision - scale };
}

function numberText(v: Value, col: BulkColumnDef): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bad(col, `${v} cannot be stored`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return v;
  // BIT(n) values into a number column: their bytes as an unsigned integer (as exec's literal)
  if (Buffer.isBuffer(v)) return v.length === 0 ? '0' : BigInt('0x' + v.toString('hex')).toString();
  throw bad(col, `a ${kindOf(v)} is not a number`);
}

function kindOf(v: Value): string {
  if (v instanceof Temporal) return `${v.kind} value`;
  return typeof v;
}

const INT_RANGE: Partial<Record<BulkType, [number, number]>> = { TinyInt: [0, 255], SmallInt: [-32768, 32767], Int: [-2147483648, 2147483647] };

/** Date parts of a temporal text: 'YYYY-MM-DD[ HH:MM:SS[.fffffff]][+HH:MM]'. */
const TEMPORAL = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(?:([+-])(\d{2}):(\d{2}))?$/;
const TIME = /^(-?)(\d+):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
/** PostgreSQL's dates SQL Server cannot hold: 'infinity', '-infinity', '0044-03-15 BC' */
const NO_SUCH_DATE = /infinity$| BC$/;

type TediousDate = Date & { nanosecondDelta?: number };

/**
 * A Date whose UTC fields are the given wall-clock parts, with the fraction (digits after
 * the point) rounded to `scale` digits: milliseconds in the Date, the rest in
 * nanosecondDelta (seconds), as tedious reads them.
 */
function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number, fraction: string, scale: number): TediousDate {
  const ticks = Number((fraction + '0000000').slice(0, 7)) + (fraction.length > 7 && Number(fraction[7]) >= 5 ? 1 : 0); // 100 ns units
  const unit = 10 ** (7 - scale);
  let rounded = Math.round(ticks / unit) * unit;
  const date: TediousDate = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (rounded >= 10_000_000) {
    date.setUTCSeconds(date.getUTCSeconds() + 1); // carries into minutes, days, years as needed
    rounded -= 10_000_000;
  }
  date.setUTCMilliseconds(Math.floor(rounded / 10_000));
  const rest = rounded % 10_000;
  if (rest !== 0) date.nanosecondDelta = rest / 10_000_000;
  return date;
}

function temporalValue(v: Temporal, col: BulkColumnDef, zeroDate: ZeroDateRule): Date | null {
  if (isZeroDate(v)) {
    const z = zeroDateValue(v, zeroDate);
    if (z === null) return null;
    v = z;
  }
  const scale = col.scale ?? (col.type === 'DateTime' ? 3 : 0);
  if (col.type === 'Time') {
    const t = TIME.exec(v.kind === 'time' ? v.text : v.text.slice(11));
    if (!t || t[1] === '-' || Number(t[2]) > 23) throw bad(col, `TIME ${v.text} is outside SQL Server's time range`);
    const d = utcDate(1970, 1, 1, Number(t[2]), Number(t[3]), Number(t[4]), t[5] ?? '', scale);
    if (d.getUTCDate() !== 1) throw bad(col, `TIME ${v.text} rounds to 24:00:00, outside SQL Server's time range`);
    return d;
  }
  if (v.kind === 'time') throw bad(col, `a TIME value (${v.text}) is not a date`);
  // an instant into a column without a zone: its UTC wall clock (as exec's literal)
  const text = v.kind === 'timestamptz' && col.type !== 'DateTimeOffset' ? utcWallClock(v.text) : v.text;
  const m = TEMPORAL.exec(text);
  if (!m) throw bad(col, NO_SUCH_DATE.test(v.text) ? `${v.text}: SQL Server has no such date (years 1 to 9999, no infinity)` : `${v.text} is not a date/time text`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', f = '', zs, zh, zm] = m as unknown as string[];
  const year = Number(y);
  if (year < 1 || year > 9999) throw bad(col, `${v.text}: SQL Server dates are years 1 to 9999`);
  if (col.type === 'Date') return utcDate(year, Number(mo), Number(d), 0, 0, 0, '', 0);
  const wall = utcDate(year, Number(mo), Number(d), Number(h), Number(mi), Number(s), f ?? '', scale);
  if (col.type !== 'DateTimeOffset') return wall;
  // the instant is the wall clock minus its offset; tedious writes the offset from getTimezoneOffset()
  const offset = zs === undefined ? 0 : (zs === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  const at: TediousDate = new Date(wall.getTime() - offset * 60_000);
  if (wall.nanosecondDelta !== undefined) at.nanosecondDelta = wall.nanosecondDelta;
  Object.defineProperty(at, 'getTimezoneOffset', { value: () => -offset });
  return at;
}

/** the text tedious turns into a uniqueidentifier's bytes, either case (PostgreSQL prints lower case) */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRUE_TEXT = /^(1|true)$/i;
const FALSE_TEXT = /^(0|false)$/i;

/** The value tedious takes for `col`; throws APPLY_VALUE naming the column when it cannot be stored there. */
export function bulkValue(v: Value, col: BulkColumnDef, zeroDate: ZeroDateRule): BulkValue {
  if (v === null) return null;
  if (v === UNCHANGED) throw bad(col, 'an unchanged (not sent) value cannot be bulk loaded');
  if (v instanceof JsonDiff) throw bad(col, 'a partial JSON update cannot be bulk loaded');
  switch (col.type) {
    case 'TinyInt':
    case 'SmallInt':
    case 'Int': {
      const n = Number(numberText(v, col));
      const [lo, hi] = INT_RANGE[col.type]!;
      if (!Number.isInteger(n) || n < lo || n > hi) throw bad(col, `${numberText(v, col)} is not an integer in ${lo}..${hi}`);
      return n;
    }
    case 'BigInt': {
      const text = numberText(v, col);
      if (!/^[+-]?\d+$/.test(text.trim())) throw bad(col, `${text} is not an integer`);
      const n = BigInt(text.trim());
      if (n < -(2n ** 63n) || n >= 2n ** 63n) throw bad(col, `${text} is outside bigint`);
      return n;
    }
    case 'Decimal':
    case 'Numeric': {
      const text = numberText(v, col);
      const d = decimalText(text, col.precision ?? 18, col.scale ?? 0);
      if (d === undefined) throw bad(col, `${text.slice(0, 40)} is not a number`);
      if (!d.fits) throw bad(col, `${text} does not fit (arithmetic overflow)`);
      return d.text;
    }
    case 'Real':
    case 'Float': {
      const n = typeof v === 'number' ? v : Number(numberText(v, col));
      if (!Number.isFinite(n)) throw bad(col, `${String(v)} cannot be stored (SQL Server floats have no NaN or infinity)`);
      return Object.is(n, -0) ? 0 : n;
    }
    case 'Bit':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'bigint') return v !== 0n;
      if (Buffer.isBuffer(v)) return v.some((b) => b !== 0);
      if (typeof v === 'string' && TRUE_TEXT.test(v.trim())) return true;
      if (typeof v === 'string' && FALSE_TEXT.test(v.trim())) return false;
      if (typeof v === 'string' && /^[+-]?\d+(\.\d+)?$/.test(v.trim())) return Number(v) !== 0;
      throw bad(col, `${String(v).slice(0, 40)} is not a bit value`);
    case 'NVarChar':
    case 'NChar':
    case 'VarChar':
    case 'Char': {
      const text = typeof v === 'string' ? v : v instanceof Temporal ? v.text : Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
      // nvarchar(n) holds n UTF-16 code units (JS string length); tedious would send a longer one and the server refuse the whole load
      const n = col.length === 'max' ? undefined : col.length;
      if ((col.type === 'NVarChar' || col.type === 'NChar') && n !== undefined && text.length > n) throw bad(col, `${text.length} UTF-16 code units do not fit (String or binary data would be truncated)`);
      return text;
    }
    case 'VarBinary':
    case 'Binary': {
      let b: Buffer;
      if (Buffer.isBuffer(v)) b = v;
      else if (typeof v === 'string') b = Buffer.from(v, 'utf8');
      else throw bad(col, `a ${kindOf(v)} is not binary data`);
      const n = col.length === 'max' ? undefined : col.length;
      if (n !== undefined && b.length > n) throw bad(col, `${b.length} bytes do not fit (String or binary data would be truncated)`);
      return col.type === 'Binary' && n !== undefined && b.length < n ? Buffer.concat([b, Buffer.alloc(n - b.length)]) : b;
    }
    case 'Date':
    case 'Time':
    case 'DateTime':
    case 'SmallDateTime':
    case 'DateTime2':
    case 'DateTimeOffset':
      if (v instanceof Temporal) return temporalValue(v, col, zeroDate);
      if (typeof v === 'string') return temporalValue(new Temporal(col.type === 'Time' ? 'time' : 'datetime', v), col, zeroDate);
      throw bad(col, `a ${kindOf(v)} is not a date/time`);
    case 'UniqueIdentifier':
      // tedious checks the text of a bulk load's first row only: a malformed later one would be written as other bytes
      if (typeof v === 'string' && GUID.test(v)) return v;
      throw bad(col, `${String(v).slice(0, 40)} is not a uniqueidentifier`);
  }
}
