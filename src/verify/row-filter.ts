/**
 * The send's row conditions (`<filter><enable><item>APP.T(X > 100)</item>`), applied on both
 * sides so verify compares only the rows the send replicates: a source row the filter drops is
 * not "missing", a target row outside the filter is not "extra".
 *
 * The condition is evaluated on the canonical texts (plan.ts), which both engines print alike,
 * so one translation serves both sides even when the map renames columns or the engines differ.
 * Pushed down as SQL (then chunk hashes still run in the database) when every leaf has an exact
 * SQL twin of the filter's own comparison (src/filter/compare.ts):
 *   numbers (int, decimal)   exact numeric compare           text    code point (binary) order
 *   date / datetime          fixed-width canonical text       binary  byte order
 *   bool (PostgreSQL)        '0' < '1'                        LIKE    on text, one character per _
 * Anything else (float, time, json, LIKE on a non-text column, odd literals) is evaluated in JS
 * with compileSendFilter itself on each row read, and the table is compared row by row.
 *
 * When the map drops a condition column the target cannot evaluate the condition: it is then
 * evaluated on the source only (SQL, as a flag on each row read) and the table is compared row
 * by row with target rows matched by key: a target row whose source row fails the condition is
 * left out, one with no source row at all is extra (nothing replicated explains it).
 *
 * Which items concern a table follows send-filter.ts: rows pass when an enable item matching the
 * table has no condition or a TRUE one, and no matching disable item's condition is TRUE.
 */
import type { CptConfig, ExecConfig } from '../config/types';
import { compileSendFilter, parseFilterItem, type Condition, type FilterItem } from '../filter';
import { parseDec, type Dec } from '../filter/compare';
import { conditionColumns, type ColumnRef, type Literal } from '../filter/condition';
import { partMatches } from '../filter/object-name';
import { isNumericType } from '../filter/predicate';
import type { TableDescriptor, Transaction } from '../model/change';
import { binlogPosition } from '../model/position';
import { Temporal, type Value } from '../model/value';
import type { PairPlan } from './plan';
import type { Side, TextRow } from './side';
import type { ColKind, VColumn, VTable } from './types';

/** What a table's rows are restricted to; undefined from rowScope when every row is replicated. */
export type RowScope =
  | { readonly kind: 'sql'; readonly src: string; readonly dst: string; readonly text: string }
  | { readonly kind: 'js'; readonly pass: (row: TextRow) => boolean; readonly text: string }
  /** the condition on the source only (the map drops a column it reads): target rows matched by key */
  | { readonly kind: 'source-only'; readonly src: string; readonly text: string };

interface Items {
  readonly enable: readonly Condition[];
  readonly disable: readonly Condition[];
  readonly text: string;
}

/** The row conditions of the send's filter that concern one source table. */
function itemsFor(cpt: CptConfig, ci: boolean, schema: string, table: string): Items | undefined {
  const parse = (texts: readonly string[]): FilterItem[] =>
    texts.flatMap((t) => {
      const r = parseFilterItem(t);
      return typeof r === 'string' ? [] : [r]; // the config loader already refused bad items
    });
  const db = cpt.db.dbType === 'PG' || cpt.db.dbType === 'MSSQL' ? cpt.db.database : undefined;
  const su = schema.toUpperCase();
  const tu = table.toUpperCase();
  const matches = (i: FilterItem): boolean =>
    (i.name.db === undefined || db === undefined || partMatches(i.name.db, db, db.toUpperCase(), ci)) &&
    partMatches(i.name.schema, schema, su, ci) &&
    partMatches(i.name.table, table, tu, ci);
  const en = parse(cpt.send.filter.enable.length === 0 ? ['*.*'] : cpt.send.filter.enable).filter(matches);
  const dis = parse(cpt.send.filter.disable).filter((i) => matches(i) && i.condition !== undefined);
  const unconditional = en.some((i) => i.condition === undefined);
  const enable = unconditional ? [] : en.flatMap((i) => (i.condition === undefined ? [] : [i.condition]));
  const disable = dis.map((i) => i.condition!);
  if (enable.length === 0 && disable.length === 0) return undefined;
  const text = [...(unconditional ? [] : en), ...dis].map((i) => i.text).join(', ');
  return { enable, disable, text };
}

/** Plain decimal text of a Dec (no exponent), for SQL numeric literals. */
function decText(d: Dec): string {
  if (d.sign === 0) return '0';
  let digits = d.coef.toString();
  if (d.exp >= 0) digits += '0'.repeat(d.exp);
  else {
    const f = -d.exp;
    if (digits.length <= f) digits = '0'.repeat(f - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - f)}.${digits.slice(digits.length - f)}`;
  }
  return (d.sign < 0 ? '-' : '') + digits;
}

/** Outside what DECIMAL(65,30) holds exactly: leave it to JS. */
const decFits = (d: Dec): boolean => {
  const t = decText(d).replace('-', '');
  const [int = '', frac = ''] = t.split('.');
  return int.length <= 35 && frac.length <= 30;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

class NoSql extends Error {}

/** A literal as the canonical text its column kind prints (what SQL compares against). */
function literalFor(kind: ColKind, type: string, lit: Literal): { op: 'num' | 'text' | 'bytes'; value: string } {
  const raw = lit.k === 'num' || lit.k === 'str' ? lit.text : undefined;
  if ((kind === 'int' || kind === 'decimal') && isNumericType(type)) {
    const d = lit.k === 'bool' ? parseDec(lit.value ? '1' : '0') : raw !== undefined ? parseDec(raw) : undefined;
    if (d === undefined || !decFits(d)) throw new NoSql();
    return { op: 'num', value: decText(d) };
  }
  if (kind === 'text' && raw !== undefined) return { op: 'text', value: raw };
  if (kind === 'binary') {
    if (lit.k === 'bytes') return { op: 'bytes', value: lit.value.toString('hex') };
    if (raw !== undefined) return { op: 'bytes', value: Buffer.from(raw, 'utf8').toString('hex') };
  }
  if ((kind === 'date' || kind === 'datetime' || kind === 'timestamptz') && lit.k === 'str') {
    const t = lit.text.trim();
    if (kind === 'date' && DATE.test(t)) return { op: 'text', value: t };
    if (kind !== 'date') {
      if (DATE.test(t)) return { op: 'text', value: `${t} 00:00:00.000000` };
      const m = DATETIME.exec(t);
      if (m !== null) return { op: 'text', value: `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0')}` };
    }
  }
  if (kind === 'bool') {
    const b = lit.k === 'bool' ? lit.value : lit.k === 'num' && (lit.text === '0' || lit.text === '1') ? lit.text === '1' : undefined;
    if (b !== undefined) return { op: 'text', value: b ? '1' : '0' };
  }
  throw new NoSql();
}

/** SQL for one condition on one side; `col` gives the canonical expression and column of a reference. */
function toSql(c: Condition, side: Side, col: (ref: ColumnRef) => { expr: string; c: VColumn }): string {
  const lit = (k: ColKind, type: string, l: Literal): { op: 'num' | 'text' | 'bytes'; sql: string } => {
    const v = literalFor(k, type, l);
    return { op: v.op, sql: side.filterLiteral(v.op, v.value) };
  };
  switch (c.k) {
    case 'and':
    case 'or':
      return `(${c.items.map((i) => toSql(i, side, col)).join(c.k === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${toSql(c.item, side, col)})`;
    case 'null': {
      const { expr } = col(c.col);
      return `(${expr} IS ${c.negate ? 'NOT ' : ''}NULL)`;
    }
    case 'cmp': {
      const { expr, c: vc } = col(c.col);
      const l = lit(vc.kind, vc.type, c.lit);
      return `(${side.filterOperand(l.op, expr)} ${c.op} ${l.sql})`;
    }
    case 'in': {
      const { expr, c: vc } = col(c.col);
      const ls = c.lits.map((x) => lit(vc.kind, vc.type, x));
      return `(${side.filterOperand(ls[0]!.op, expr)} ${c.negate ? 'NOT ' : ''}IN (${ls.map((l) => l.sql).join(', ')}))`;
    }
    case 'between': {
      const { expr, c: vc } = col(c.col);
      const lo = lit(vc.kind, vc.type, c.lo);
      const hi = lit(vc.kind, vc.type, c.hi);
      return `(${side.filterOperand(lo.op, expr)} ${c.negate ? 'NOT ' : ''}BETWEEN ${lo.sql} AND ${hi.sql})`;
    }
    case 'like': {
      const { expr, c: vc } = col(c.col);
      if (vc.kind !== 'text') throw new NoSql();
      return side.filterLike(expr, c.pattern, c.negate);
    }
  }
}

/** enable: some condition TRUE (none listed: all rows); disable: no condition TRUE. */
function combine(items: Items, one: (c: Condition) => string): string {
  const parts: string[] = [];
  if (items.enable.length > 0) parts.push(`(${items.enable.map(one).join(' OR ')})`);
  if (items.disable.length > 0) parts.push(`((${items.disable.map(one).join(' OR ')}) IS NOT TRUE)`);
  return parts.join(' AND ');
}

/** The row as the filter's Values (the types capture would give), from canonical texts. */
function toValue(kind: ColKind, t: string | null): Value {
  if (t === null) return null;
  switch (kind) {
    case 'int':
      return BigInt(t);
    case 'float':
      return Number(t);
    case 'binary':
      return Buffer.from(t, 'hex');
    case 'bool':
      return t === '1';
    case 'date':
    case 'time':
    case 'datetime':
    case 'timestamptz':
      return new Temporal(kind, t);
    default:
      return t;
  }
}

/**
 * The row scope of one pair, undefined when the send replicates every row of the table, or
 * the reason it cannot be applied (a condition column the map drops).
 */
export function rowScope(plan: PairPlan, cpt: CptConfig, exec: ExecConfig): RowScope | undefined | string {
  const ci = !exec.caseSensitive;
  const items = itemsFor(cpt, ci, plan.source.schema, plan.source.table);
  if (items === undefined) return undefined;
  const srcCols = plan.src.cols;
  const find = (ref: ColumnRef): number => {
    const exact = srcCols.findIndex((c) => c.name === ref.name);
    if (exact >= 0 || ref.quoted || !ci) return exact;
    return srcCols.findIndex((c) => c.name.toUpperCase() === ref.name.toUpperCase());
  };
  const findSource = (ref: ColumnRef): VColumn | undefined =>
    plan.source.columns.find((c) => c.name === ref.name) ?? (ref.quoted || !ci ? undefined : plan.source.columns.find((c) => c.name.toUpperCase() === ref.name.toUpperCase()));
  const dropped: string[] = [];
  for (const c of [...items.enable, ...items.disable]) {
    for (const ref of conditionColumns(c)) {
      if (find(ref) >= 0) continue;
      if (findSource(ref) === undefined) return `row filter: table has no column ${ref.name}`;
      dropped.push(ref.name);
    }
  }
  if (dropped.length > 0) return sourceOnly(plan, items, findSource, [...new Set(dropped)]);
  try {
    const sideSql = (s: PairPlan['src']): string =>
      combine(items, (c) =>
        toSql(c, s.side, (ref) => {
          const i = find(ref);
          // float/JSON texts agree only after the JS step (plan.ts): no SQL twin
          if (plan.js[i] !== undefined) throw new NoSql();
          // kinds and types of the source decide the comparison, as they do for capture
          return { expr: s.canon[i]!, c: srcCols[i]! };
        }),
      );
    return { kind: 'sql', src: sideSql(plan.src), dst: sideSql(plan.dst), text: items.text };
  } catch (e) {
    if (!(e instanceof NoSql)) throw e;
  }
  return { kind: 'js', pass: jsPass(plan.source, srcCols, cpt, exec), text: items.text };
}

/** The condition as SQL on the source alone, over any source column (the map drops some it reads). */
function sourceOnly(plan: PairPlan, items: Items, findSource: (ref: ColumnRef) => VColumn | undefined, dropped: readonly string[]): RowScope | string {
  const cols = dropped.join(', ');
  if (plan.keyIdx.length === 0) return `row filter column ${cols} is dropped by the map and the table has no primary key: the target's rows cannot be matched to the source's`;
  const s = plan.src.side;
  try {
    const src = combine(items, (c) =>
      toSql(c, s, (ref) => {
        const col = findSource(ref)!;
        return { expr: s.canon(col, s.ident(col.name), plan.srcCanon), c: col };
      }),
    );
    return { kind: 'source-only', src, text: `${items.text} (on the source only: the map drops ${cols}; target rows matched by key)` };
  } catch (e) {
    if (!(e instanceof NoSql)) throw e;
    return `row filter column ${cols} is dropped by the map, and its condition has no SQL form to evaluate on the source alone: ${items.text}`;
  }
}

/** compileSendFilter itself, on a one-insert transaction per row (the pair's columns, source names). */
function jsPass(t: VTable, cols: readonly VColumn[], cpt: CptConfig, exec: ExecConfig): (row: TextRow) => boolean {
  const filter = compileSendFilter(cpt.send.filter, [], {
    caseInsensitive: !exec.caseSensitive,
    itemPath: 'dmhs/cpt/send',
    ...(cpt.db.dbType === 'PG' || cpt.db.dbType === 'MSSQL' ? { database: cpt.db.database } : {}),
  });
  const keys = new Set(t.key);
  const desc: TableDescriptor = {
    schema: t.schema,
    table: t.table,
    columns: cols.map((c) => ({ name: c.name, type: c.type, key: keys.has(c.name), nullable: true })),
  };
  const position = binlogPosition('verify', 4);
  return (row) => {
    const tx: Transaction = {
      origin: 0,
      position,
      commitTimeUs: 0,
      xid: '',
      ops: [{ kind: 'insert', table: desc, after: cols.map((c, i) => toValue(c.kind, row[i] ?? null)) }],
    };
    return filter.apply(tx) !== undefined;
  };
}
