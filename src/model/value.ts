/**
 * Column values, exact for every source type.
 *
 * - integers up to 32 bits and floats: number (FLOAT/DOUBLE keep their exact IEEE value)
 * - 64-bit integers (and wider unsigned): bigint
 * - DECIMAL/NUMERIC, character data, JSON: string (the column's source type says which)
 * - binary: Buffer
 * - dates and times: Temporal (text with microseconds, optional zone; zero dates and
 *   negative TIME are representable, which Date is not)
 * - boolean: boolean (PostgreSQL bool, bit(1) when a dialect maps it so)
 * - SQL NULL: null; a column whose value the source did not send (PostgreSQL unchanged
 *   TOAST, MySQL minimal row image): UNCHANGED. The two are never confused.
 */

export const UNCHANGED: unique symbol = Symbol.for('synctl.unchanged');
export type Unchanged = typeof UNCHANGED;

export type TemporalKind = 'date' | 'time' | 'datetime' | 'timestamptz';

/**
 * A date/time value kept as canonical text so no precision or odd value is lost.
 *   date        'YYYY-MM-DD'                      ('0000-00-00' allowed)
 *   time        '[-]HHH:MM:SS[.ffffff]'           (MySQL TIME spans -838:59:59..838:59:59)
 *   datetime    'YYYY-MM-DD HH:MM:SS[.ffffff]'    (no zone: wall-clock time)
 *   timestamptz 'YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM' (an instant, zone offset explicit)
 */
export class Temporal {
  constructor(
    readonly kind: TemporalKind,
    readonly text: string,
  ) {}

  toString(): string {
    return this.text;
  }

  equals(other: unknown): boolean {
    return other instanceof Temporal && other.kind === this.kind && other.text === this.text;
  }
}

/** One step of a MySQL partial JSON update: at `path` ('$.a[2]'), replace/insert `value` (JSON text) or remove. */
export interface JsonDiffStep {
  readonly op: 'replace' | 'insert' | 'remove';
  readonly path: string;
  /** JSON text of the new value (absent for remove) */
  readonly value?: string;
}

/**
 * A JSON column's new value given as changes to its old one (MySQL
 * binlog_row_value_options=PARTIAL_JSON logs only these, often with no before image):
 * apply the steps, in order, to the column's current value on the target.
 */
export class JsonDiff {
  constructor(readonly steps: readonly JsonDiffStep[]) {}

  equals(other: unknown): boolean {
    return (
      other instanceof JsonDiff &&
      other.steps.length === this.steps.length &&
      other.steps.every((s, i) => s.op === this.steps[i]!.op && s.path === this.steps[i]!.path && s.value === this.steps[i]!.value)
    );
  }
}

export type Value = null | Unchanged | boolean | number | bigint | string | Buffer | Temporal | JsonDiff;

/** Exact equality of two values (Buffers by bytes, -0 vs 0 and NaN by bit pattern). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return typeof a !== 'number' || !Object.is(a, -0) === !Object.is(b, -0);
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (a instanceof Temporal || a instanceof JsonDiff) return a.equals(b);
  return false;
}
