/**
 * Canonical JSON text for comparing documents across engines: object keys sorted (by code
 * point, duplicates: last wins as in jsonb), no insignificant spaces, strings re-escaped the
 * one way JSON.stringify does, and numbers kept exact (no double rounding): a number is
 * printed as its exact decimal value, so 1.0, 1 and 1e0 are equal and 0.1 stays 0.1.
 * Text that is not JSON is returned unchanged (then it compares as text).
 */

type J = { n: string } | string | boolean | null | J[] | { o: [string, J][] };

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }
  value(): J {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') {
      this.i++;
      const o = new Map<string, J>();
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return { o: [] };
      }
      for (;;) {
        this.ws();
        const k = this.string();
        this.ws();
        this.expect(':');
        o.set(k, this.value());
        this.ws();
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        this.expect('}');
        return { o: [...o.entries()] };
      }
    }
    if (c === '[') {
      this.i++;
      const a: J[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return a;
      }
      for (;;) {
        a.push(this.value());
        this.ws();
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        this.expect(']');
        return a;
      }
    }
    if (c === '"') return this.string();
    for (const [w, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(w, this.i)) {
        this.i += w.length;
        return v;
      }
    }
    const m = /^-?(\d+)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null) throw new Error('bad json');
    this.i += m[0].length;
    return { n: exactNumber(m[0]) };
  }
  string(): string {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\.)*"/su.exec(this.s.slice(this.i));
    if (m === null) throw new Error('bad json string');
    this.i += m[0].length;
    return JSON.parse(m[0]) as string;
  }
  expect(c: string): void {
    if (this.s[this.i] !== c) throw new Error('bad json');
    this.i++;
  }
}

/** '1.50e2' -> '150', '-0.0' -> '0', '1e-3' -> '0.001' (exact decimal, no exponent). */
export function exactNumber(t: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t);
  if (m === null) return t;
  const exp = Number(m[4] ?? '0');
  if (Math.abs(exp) > 1000) return t; // absurd exponents stay as written
  let digits = m[2]! + (m[3] ?? '');
  // the decimal point sits before digits[point]
  let point = m[2]!.length + exp;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, ''); // zeros past the end are implied by `point`
  if (digits === '') return '0';
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (m[1] === '-' ? '-' : '') + out;
}

function write(v: J): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(write).join(',') + ']';
  if ('n' in v) return v.n;
  const entries = [...v.o].sort((a, b) => codePointCompare(a[0], b[0]));
  return '{' + entries.map(([k, x]) => JSON.stringify(k) + ':' + write(x)).join(',') + '}';
}

export function canonicalJson(text: string): string {
  try {
    const r = new Reader(text);
    const v = r.value();
    r.ws();
    if (r.i !== text.length) return text;
    return write(v);
  } catch {
    return text;
  }
}

/** Code point order (what byte order of UTF-8 gives), not UTF-16 unit order. */
export function codePointCompare(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (0xD800..0xDFFF) stand for code points above every BMP character
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
