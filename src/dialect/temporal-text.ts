/**
 * The UTC wall-clock text of a timestamptz value's canonical text
 * ('2026-01-02 03:04:05.123456+05:30' → '2026-01-01 21:34:05.123456'), for engines and
 * column types that store instants without a zone. Microseconds are carried as text.
 */
export function utcWallClock(text: string): string {
  const m = /^(.*?)([+-]\d\d):(\d\d)$/.exec(text);
  if (!m) return text;
  if (m[2] === '+00' && m[3] === '00') return m[1]!;
  const frac = /\.(\d+)$/.exec(m[1]!)?.[1];
  const ms = Date.parse(m[1]!.replace(' ', 'T').replace(/\.\d+$/, '') + 'Z');
  if (Number.isNaN(ms)) return m[1]!; // zero dates and the like carry no real instant
  const sign = m[2]!.startsWith('-') ? -1 : 1;
  const offsetMs = sign * (Math.abs(Number(m[2])) * 60 + Number(m[3])) * 60000;
  const iso = new Date(ms - offsetMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''}`;
}
