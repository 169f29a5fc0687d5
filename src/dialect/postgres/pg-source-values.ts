/**
 * Rows read from a PostgreSQL source by COPY (...) TO STDOUT (text format) turned into the
 * model's Values, so both targets' bulk writers take them as they take MySQL rows.
 * The reader session sets TimeZone UTC, DateStyle ISO, IntervalStyle postgres,
 * bytea_output hex and extra_float_digits 3 (PG_SOURCE_SESSION), so the text is exact:
 *
 *   int2, int4, oid       number           int8           bigint
 *   float4                number (the float32 value)      float8   number
 *   numeric               string (exact digits, 'NaN')
 *   bool                  boolean          bytea          Buffer
 *   date / time / timestamp   Temporal('date' | 'time' | 'datetime', text)
 *   timestamptz           Temporal('timestamptz', UTC text + '+00:00')
 *   json, jsonb, uuid, text types, arrays, everything else   string (PostgreSQL's text form)
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { DictColumn } from '../../dict/entry';
import { SynctlError } from '../../errors';
import { Temporal } from '../../model/value';
import type { Converter, RawValue } from '../../load/source-values';

export const PG_SOURCE_SESSION = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  "SET bytea_output = 'hex'",
  'SET extra_float_digits = 3',
  "SET client_encoding = 'UTF8'",
  'SET standard_conforming_strings = on',
];

const text = (f: (s: string) => unknown): Converter => (v: RawValue) => (v === null ? null : (f(String(v)) as ReturnType<Converter>));

/** '2026-01-02 03:04:05.5+00' (UTC session) → '2026-01-02 03:04:05.5+00:00' */
function zoned(s: string): string {
  const m = /([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(s);
  return m ? `${s.slice(0, m.index)}${m[1]}:${m[2] ?? '00'}` : s;
}

export function pgConverterFor(c: Pick<DictColumn, 'dataType'>): Converter {
  switch (c.dataType) {
    case 'int2':
    case 'int4':
    case 'oid':
      return text(Number);
    case 'int8':
      return text(BigInt);
    case 'float4':
      return text((s) => Math.fround(Number(s)));
    case 'float8':
      return text(Number);
    case 'bool':
      return text((s) => s === 't');
    case 'bytea':
      return text((s) => Buffer.from(s.slice(2), 'hex'));
    case 'date':
      return text((s) => new Temporal('date', s));
    case 'time':
      return text((s) => new Temporal('time', s));
    case 'timestamp':
      return text((s) => new Temporal('datetime', s));
    case 'timestamptz':
      return text((s) => new Temporal('timestamptz', zoned(s)));
    default:
      return (v) => v;
  }
}

const ESC: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One COPY text field: \N is NULL, backslash escapes undone (PostgreSQL docs, COPY "Text Format"). */
export function copyUnescape(f: string): string | null {
  if (f === '\\N') return null;
  if (!f.includes('\\')) return f;
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '\\' || i + 1 >= f.length) {
      out += c;
      continue;
    }
    const n = f[++i]!;
    if (n in ESC) out += ESC[n];
    else if (n >= '0' && n <= '7') {
      let j = i;
      while (j < i + 3 && j < f.length && f[j]! >= '0' && f[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(f.slice(i, j), 8));
      i = j - 1;
    } else if (n === 'x' && /[0-9a-fA-F]/.test(f[i + 1] ?? '')) {
      let j = i + 1;
      while (j < i + 3 && /[0-9a-fA-F]/.test(f[j] ?? '')) j++;
      out += String.fromCharCode(parseInt(f.slice(i + 1, j), 16));
      i = j - 1;
    } else out += n;
  }
  return out;
}

/**
 * COPY text output (chunks cut anywhere, even inside a UTF-8 character) as rows of fields,
 * an object-mode stream: a raw newline or tab never occurs inside a field (they are escaped).
 */
export class CopyTextRows extends Transform {
  private rest: Buffer = Buffer.alloc(0);

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.push(buf.toString('utf8', start, nl).split('\t').map(copyUnescape));
      start = nl + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    done();
  }

  override _flush(done: TransformCallback): void {
    done(this.rest.length > 0 ? new SynctlError('DB', 'COPY output ended inside a row') : null);
  }
}
