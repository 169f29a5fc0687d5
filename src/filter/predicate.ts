/**
 * Binding a parsed row condition to one table: column names become indexes, literals take
 * the forms their column needs, and the result is a closure evaluated per row with no
 * parsing. Evaluation is SQL three-valued logic plus one extra state:
 *
 *   TRUE, FALSE, UNKNOWN (a NULL was compared: `X = 1`, `X <> 1`, `X IN (..)` are all UNKNOWN
 *   for NULL X; NOT UNKNOWN is UNKNOWN; a row passes only when the condition is TRUE),
 *   UNEVALUABLE (a column the condition needs was not sent: UNCHANGED). FALSE AND anything is
 *   FALSE and TRUE OR anything is TRUE, so a condition stays decidable when the missing column
 *   cannot change the outcome; otherwise UNEVALUABLE propagates and the caller keeps the op.
 */

import type { ColumnDescriptor, Row, TableDescriptor } from '../model/change';
import { Temporal, UNCHANGED, type Value } from '../model/value';
import {
  compareBigInt,
  compareDecimalText,
  compareNumber,
  compareTemporal,
  compareText,
  isTemporalText,
  numLit,
  parseDec,
  type NumLit,
  TemporalLit,
} from './compare';
import type { CmpOp, ColumnRef, Condition, Literal } from './condition';

export const Tri = { FALSE: 0, TRUE: 1, UNKNOWN: 2, UNEVALUABLE: 3 } as const;
export type Tri = (typeof Tri)[keyof typeof Tri];

/**
 * Evaluate against `row`; where `row` has UNCHANGED, `fill` (the update's before image) is
 * read instead.
 */
export type Predicate = (row: Row, fill: Row | undefined) => Tri;

const NUMERIC_TYPE =
  /^\s*(?:unsigned\s+)?(?:decimal|numeric|dec|fixed|number|money|smallmoney|real|double|float\d*|int\d*|integer|tinyint|smallint|mediumint|bigint|serial\d*|smallserial|bigserial)\b/i;
const TEMPORAL_TYPE = /^\s*(?:date|time|datetime|datetime2|smalldatetime|datetimeoffset|timestamp|timestamptz|timetz)\b/i;

export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type);
}

/** A literal in every form a value of its column may need. */
interface BoundLit {
  readonly text: string;
  readonly num: NumLit | undefined;
  readonly bool: boolean | undefined;
  readonly bytes: Buffer;
  readonly temporal: TemporalLit;
}

/** Column lookup used by binding: returns the index or -1. */
export type ColumnIndex = (ref: ColumnRef) => number;

export function columnIndexer(table: TableDescriptor, caseInsensitive: boolean): ColumnIndex {
  return (ref) => {
    const exact = table.columns.findIndex((c) => c.name === ref.name);
    if (exact >= 0 || ref.quoted || !caseInsensitive) return exact;
    const up = ref.name.toUpperCase();
    return table.columns.findIndex((c) => c.name.toUpperCase() === up);
  };
}

/** Thrown by bind for problems only the table's columns reveal; the caller adds the item path. */
export class BindProblem extends Error {}

function bindLiteral(lit: Literal, col: ColumnDescriptor): BoundLit {
  let text: string;
  let num: NumLit | undefined;
  let bool: boolean | undefined;
  let bytes: Buffer | undefined;
  switch (lit.k) {
    case 'num': {
      text = lit.text;
      const d = parseDec(lit.text);
      num = d === undefined ? undefined : numLit(d);
      if (d !== undefined && d.exp >= 0 && (d.sign === 0 || (d.sign === 1 && d.coef === 1n && d.exp === 0))) bool = d.sign === 1;
      break;
    }
    case 'str': {
      text = lit.text;
      const d = parseDec(lit.text);
      num = d === undefined ? undefined : numLit(d);
      break;
    }
    case 'bool':
      text = lit.value ? 'TRUE' : 'FALSE';
      bool = lit.value;
      num = numLit(parseDec(lit.value ? '1' : '0')!);
      break;
    case 'bytes':
      bytes = lit.value;
      text = lit.value.toString('utf8');
      break;
  }
  if (isNumericType(col.type) && num === undefined) {
    throw new BindProblem(`column ${col.name} is ${col.type}, but ${showLit(lit)} is not a number`);
  }
  if (TEMPORAL_TYPE.test(col.type) && lit.k === 'str' && !isTemporalText(lit.text.trim())) {
    throw new BindProblem(`column ${col.name} is ${col.type}, but ${showLit(lit)} is not a date/time`);
  }
  return { text, num, bool, bytes: bytes ?? Buffer.from(text, 'utf8'), temporal: new TemporalLit(text) };
}

function showLit(lit: Literal): string {
  switch (lit.k) {
    case 'num':
      return lit.text;
    case 'str':
      return `'${lit.text.replace(/'/g, "''")}'`;
    case 'bool':
      return lit.value ? 'TRUE' : 'FALSE';
    case 'bytes':
      return `X'${lit.value.toString('hex').toUpperCase()}'`;
  }
}

/** -1/0/1, NaN when incomparable. v is neither null nor UNCHANGED. */
function compareValue(v: Value, lit: BoundLit, decimalText: boolean): number {
  switch (typeof v) {
    case 'number':
      return lit.num === undefined ? NaN : compareNumber(v, lit.num);
    case 'bigint':
      return lit.num === undefined ? NaN : compareBigInt(v, lit.num);
    case 'string':
      if (decimalText) return lit.num === undefined ? NaN : compareDecimalText(v, lit.num);
      return compareText(v, lit.text);
    case 'boolean':
      return lit.bool === undefined ? NaN : v === lit.bool ? 0 : v ? 1 : -1;
    default:
      if (v instanceof Temporal) return compareTemporal(v, lit.temporal);
      if (Buffer.isBuffer(v)) return Buffer.compare(v, lit.bytes);
      return NaN;
  }
}

function valueText(v: Value): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return String(v);
}

/** LIKE pattern → anchored RegExp: % any run, _ one character, \x a literal x. */
export function likeRegExp(pattern: string): RegExp {
  let re = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\\' && i + 1 < chars.length) re += escapeRe(chars[++i]!);
    else if (ch === '%') re += '[^]*';
    else if (ch === '_') re += '.';
    else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, 'su');
}

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

const TEST: Record<CmpOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0 && !Number.isNaN(c),
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

function not(t: Tri): Tri {
  return t === Tri.TRUE ? Tri.FALSE : t === Tri.FALSE ? Tri.TRUE : t;
}

/**
 * Compile a condition for one table. Throws BindProblem naming the first unknown column or
 * literal that does not fit its column's type.
 */
export function bindCondition(cond: Condition, table: TableDescriptor, index: ColumnIndex): Predicate {
  const colOf = (ref: ColumnRef): { i: number; col: ColumnDescriptor } => {
    const i = index(ref);
    if (i < 0) throw new BindProblem(`table ${table.schema}.${table.table} has no column ${ref.quoted ? `"${ref.name}"` : ref.name}`);
    return { i, col: table.columns[i]! };
  };

  const bind = (c: Condition): Predicate => {
    switch (c.k) {
      case 'and':
      case 'or': {
        const parts = c.items.map(bind);
        const decisive = c.k === 'and' ? Tri.FALSE : Tri.TRUE;
        const neutral = c.k === 'and' ? Tri.TRUE : Tri.FALSE;
        return (row, fill) => {
          let acc: Tri = neutral;
          for (const p of parts) {
            const r = p(row, fill);
            if (r === decisive) return decisive;
            if (r === Tri.UNEVALUABLE || (r === Tri.UNKNOWN && acc !== Tri.UNEVALUABLE)) acc = r;
          }
          return acc;
        };
      }
      case 'not': {
        const inner = bind(c.item);
        return (row, fill) => not(inner(row, fill));
      }
      default:
        return bindLeaf(c, colOf(c.col));
    }
  };

  return bind(cond);
}

type Leaf = Exclude<Condition, { k: 'and' | 'or' | 'not' }>;

function bindLeaf(c: Leaf, { i, col }: { i: number; col: ColumnDescriptor }): Predicate {
  const decimalText = isNumericType(col.type);
  /** the value to test; UNCHANGED when the source did not send it (nor the before image) */
  const read = (row: Row, fill: Row | undefined): Value => {
    const v = row[i];
    if (v !== UNCHANGED) return v === undefined ? UNCHANGED : v;
    const f = fill === undefined ? UNCHANGED : fill[i];
    return f === undefined ? UNCHANGED : f;
  };

  switch (c.k) {
    case 'null': {
      return (row, fill) => {
        const v = read(row, fill);
        if (v === UNCHANGED) return Tri.UNEVALUABLE;
        return (v === null) !== c.negate ? Tri.TRUE : Tri.FALSE;
      };
    }
    case 'cmp': {
      const lit = bindLiteral(c.lit, col);
      const test = TEST[c.op];
      return (row, fill) => {
        const v = read(row, fill);
        if (v === UNCHANGED) return Tri.UNEVALUABLE;
        if (v === null) return Tri.UNKNOWN;
        const k = compareValue(v, lit, decimalText);
        if (Number.isNaN(k)) return Tri.UNKNOWN;
        return test(k) ? Tri.TRUE : Tri.FALSE;
      };
    }
    case 'in': {
      const lits = c.lits.map((l) => bindLiteral(l, col));
      return (row, fill) => {
        const v = read(row, fill);
        if (v === UNCHANGED) return Tri.UNEVALUABLE;
        if (v === null) return Tri.UNKNOWN;
        let found: Tri = Tri.FALSE;
        for (const lit of lits) {
          const k = compareValue(v, lit, decimalText);
          if (k === 0) {
            found = Tri.TRUE;
            break;
          }
          if (Number.isNaN(k)) found = Tri.UNKNOWN;
        }
        return c.negate ? not(found) : found;
      };
    }
    case 'between': {
      const lo = bindLiteral(c.lo, col);
      const hi = bindLiteral(c.hi, col);
      return (row, fill) => {
        const v = read(row, fill);
        if (v === UNCHANGED) return Tri.UNEVALUABLE;
        if (v === null) return Tri.UNKNOWN;
        const a = compareValue(v, lo, decimalText);
        const b = compareValue(v, hi, decimalText);
        if (a < 0 || b > 0) return c.negate ? Tri.TRUE : Tri.FALSE;
        if (Number.isNaN(a) || Number.isNaN(b)) return Tri.UNKNOWN;
        return c.negate ? Tri.FALSE : Tri.TRUE;
      };
    }
    case 'like': {
      const re = likeRegExp(c.pattern);
      return (row, fill) => {
        const v = read(row, fill);
        if (v === UNCHANGED) return Tri.UNEVALUABLE;
        if (v === null) return Tri.UNKNOWN;
        return re.test(valueText(v)) !== c.negate ? Tri.TRUE : Tri.FALSE;
      };
    }
  }
}
