import { Temporal } from '../model/value';

/**
 * MySQL's zero dates ('0000-00-00', '2024-00-15', '0000-00-00 00:00:00') exist in no other
 * engine. The exec site's `zero_date` rule says what they become: NULL (the default) or a
 * fixed date such as '0001-01-01' (the time of day, if any, is kept).
 */
export type ZeroDateRule = null | string;

const ZERO_PART = /^(\d{4})-(\d\d)-(\d\d)/;

export function isZeroDate(v: Temporal): boolean {
  if (v.kind === 'time') return false;
  const m = ZERO_PART.exec(v.text);
  return m !== null && (m[1] === '0000' || m[2] === '00' || m[3] === '00');
}

/** The value a zero date becomes under the rule (null: SQL NULL). */
export function zeroDateValue(v: Temporal, rule: ZeroDateRule): Temporal | null {
  if (rule === null) return null;
  return new Temporal(v.kind, rule + v.text.slice(10));
}
