/**
 * Filter and map items, parsed once.
 *
 * Filter item:  NAME  or  NAME(<row condition>)      NAME: see object-name.ts
 *   A row condition needs one table (no '*' in the name). See condition.ts for its grammar.
 *
 * Map item:     SRC[(<columns>)] == DST
 *   SRC and DST are object names. A '*' in DST keeps the source's part ('APP.* == BAK.*',
 *   'APP.T == BAK.*' keeps the table name); a named DST part replaces it ('*.T == X.T' moves
 *   T of every schema into X). A DST table must be '*' when the SRC table is '*' (many tables
 *   cannot be merged into one). A 3-part DST names no new database (the exec connection picks
 *   the database): its first part must be '*' or repeat SRC's.
 *   <columns> renames or drops columns of the matched tables, comma-separated:
 *     COL_A == COL_B     rename COL_A to COL_B
 *     COL_C ==           drop COL_C (empty target)
 *   e.g. 'APP.T(COL_A == COL_B, COL_C == ) == BAK.T2', or 'APP.T(NOTE ==) == APP.T' to only
 *   drop a column. With a wildcard SRC the list applies to each matched table that has the
 *   column; with one named table an unknown column is a config error.
 *
 * Each parse returns the item or the rule text of its first problem ("'<item>' ...", the
 * shape config/names.ts uses, so the loader can report `<path>: <rule>`).
 */

import { parseCondition, type Condition } from './condition';
import { hasWildcard, namePart, parseObjectName, splitName, type NamePart, type ObjectName } from './object-name';

export interface FilterItem {
  readonly text: string;
  readonly name: ObjectName;
  readonly condition?: Condition;
}

export interface ColumnMapping {
  readonly from: NamePart;
  /** undefined = drop the column */
  readonly to?: NamePart;
}

export interface MapItem {
  readonly text: string;
  readonly src: ObjectName;
  readonly dst: ObjectName;
  readonly columns: readonly ColumnMapping[];
}

/** Index of the ')' closing the '(' at 0, ignoring quoted text; -1 when unbalanced. */
function matchParen(s: string): number | 'quote' {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return i;
      if (depth < 0) return -1;
    }
  }
  return quote !== undefined ? 'quote' : -1;
}

/** Index of the first '(' outside double quotes, -1 when none. */
function openParen(s: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') quoted = !quoted;
    else if (s[i] === '(' && !quoted) return i;
  }
  return -1;
}

/** Split `NAME(inner)` into name and the inner text; rule text on error. */
function splitParens(item: string, what: string): { name: string; inner?: string } | string {
  const open = openParen(item);
  if (open < 0) {
    if (item.includes(')')) return `'${item}' has ')' without '('`;
    return { name: item.trim() };
  }
  const rest = item.slice(open);
  const close = matchParen(rest);
  if (close === 'quote') return `'${item}' has an unterminated quote in its ${what}`;
  if (close < 0) return `'${item}' has unbalanced parentheses in its ${what}`;
  if (rest.slice(close + 1).trim() !== '') return `'${item}' has text after the ${what}`;
  const inner = rest.slice(1, close);
  if (inner.trim() === '') return `'${item}' has an empty ${what}`;
  return { name: item.slice(0, open).trim(), inner };
}

export function parseFilterItem(item: string): FilterItem | string {
  if (item.trim() === '') return 'is empty';
  const parts = splitParens(item, 'row condition');
  if (typeof parts === 'string') return parts;
  const name = parseObjectName(parts.name);
  if (typeof name === 'string') return name;
  if (parts.inner === undefined) return { text: item, name };
  if (hasWildcard(name)) return `'${item}': a row condition needs one table, not '${parts.name}'`;
  const condition = parseCondition(parts.inner);
  if (typeof condition === 'string') return `'${item}': row condition: ${condition}`;
  return { text: item, name, condition };
}

/** Index of each '==' outside parentheses and quotes. */
function topLevelEq(s: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '=' && s[i + 1] === '=' && depth === 0) {
      out.push(i);
      i++;
    }
  }
  return out;
}

const COLUMN = /^(?:[\p{L}\p{N}_$#]+|"[^"]+")$/u;

function parseColumns(item: string, inner: string): ColumnMapping[] | string {
  const out: ColumnMapping[] = [];
  // split on commas outside double quotes
  const entries: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of inner) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      entries.push(cur);
      cur = '';
    } else cur += ch;
  }
  entries.push(cur);
  for (const raw of entries) {
    const e = raw.trim();
    const eq = e.indexOf('==');
    if (eq < 0) return `'${item}': column mapping '${e}' is not 'COL == NEW' (or 'COL ==' to drop it)`;
    const from = e.slice(0, eq).trim();
    const to = e.slice(eq + 2).trim();
    if (!COLUMN.test(from)) return `'${item}': '${from}' is not a column name`;
    if (to !== '' && !COLUMN.test(to)) return `'${item}': '${to}' is not a column name`;
    const f = namePart(from);
    if (out.some((m) => m.from.text === f.text)) return `'${item}': column ${from} is mapped twice`;
    out.push(to === '' ? { from: f } : { from: f, to: namePart(to) });
  }
  return out;
}

export function parseMapItem(item: string): MapItem | string {
  if (item.trim() === '') return 'is empty';
  const eqs = topLevelEq(item);
  if (eqs.length !== 1) return `'${item}' is not 'SRC == DST'`;
  const left = item.slice(0, eqs[0]).trim();
  const dstText = item.slice(eqs[0]! + 2).trim();
  if (left === '') return `'${item}' has no source before '=='`;
  if (dstText === '') return `'${item}' has no target after '=='`;
  const srcParts = splitParens(left, 'column list');
  if (typeof srcParts === 'string') return srcParts.replace(`'${left}'`, `'${item}'`);
  const src = parseObjectName(srcParts.name);
  if (typeof src === 'string') return src;
  if (splitName(dstText).some((p) => p.includes('('))) return `'${item}': column mappings go on the source side: SRC(COL == NEW) == DST`;
  const dst = parseObjectName(dstText);
  if (typeof dst === 'string') return dst;
  if (src.table.wild && !dst.table.wild) {
    return `'${item}': wildcards differ ('${srcParts.name}' vs '${dstText}'; use APP.* == BAK.* or APP.T == BAK.T)`;
  }
  if (dst.db !== undefined && !dst.db.wild && (src.db === undefined || src.db.text !== dst.db.text)) {
    return `'${item}': a map cannot move a table to another database ('${dst.db.text}'); write the target as SCH.TAB`;
  }
  let columns: ColumnMapping[] = [];
  if (srcParts.inner !== undefined) {
    const c = parseColumns(item, srcParts.inner);
    if (typeof c === 'string') return c;
    columns = c;
  }
  return { text: item, src, dst, columns };
}

/** For the config loader: the problem with a filter item, or undefined when it is valid. */
export function checkFilterItem(item: string): string | undefined {
  const r = parseFilterItem(item);
  return typeof r === 'string' ? r : undefined;
}

/** For the config loader: the problem with a map item, or undefined when it is valid. */
export function checkMapItem(item: string): string | undefined {
  const r = parseMapItem(item);
  return typeof r === 'string' ? r : undefined;
}
