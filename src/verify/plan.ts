/**
 * A source table paired with its target: matched columns, key, and the SQL each side runs
 * to read canonical row texts over key ranges.
 */
import { isBitType } from '../dialect/mysql/mysql-normalize';
import { compareDec, parseDec } from '../filter/compare';
import { canonicalJson, codePointCompare } from './canonical-json';
import type { CanonContext, Side, Text, TextRow } from './side';
import type { ColKind, JsCanon, VColumn, VTable } from './types';
import type { TargetName } from './map';
import type { RowScope } from './row-filter';

export interface SideSql {
  readonly side: Side;
  readonly from: string;
  readonly cols: readonly VColumn[];
  /** canonical text expression per paired column */
  readonly canon: readonly string[];
  readonly keyExprs: readonly string[];
  /** integer hashes of one row (the side's hashParts): digests sum them, a differing bucket lists them */
  readonly parts: readonly string[];
}

export interface PairPlan {
  readonly source: VTable;
  readonly target: VTable;
  readonly src: SideSql;
  readonly dst: SideSql;
  /** target column names, in pair order */
  readonly names: readonly string[];
  readonly js: readonly (JsCanon | undefined)[];
  /** pair indexes of the key columns; empty: no primary key */
  readonly keyIdx: readonly number[];
  /** SQL alone gives equal texts on both sides: chunks can be hashed in the database */
  readonly dbHash: boolean;
  readonly compareKey: (a: TextRow, b: TextRow) => number;
  /** order of two key tuples (canonical key texts, key order) */
  readonly compareKeys: (a: readonly Text[], b: readonly Text[]) => number;
  /** the send's row conditions for this table (row-filter.ts); absent: every row */
  readonly scope?: RowScope;
  /** how the source side's canonical texts were made (row-filter.ts makes more) */
  readonly srcCanon: CanonContext;
}

const ci = (s: string): string => s.toUpperCase();

export function planPair(
  source: VTable,
  target: VTable,
  names: TargetName,
  sides: { src: Side; dst: Side },
  caseInsensitive: boolean,
  zeroDate: string | null,
): PairPlan | string {
  const crossEngine = sides.src.engine !== sides.dst.engine;
  // exec applies zero_date to what it writes from a MySQL source into another engine
  const srcCanon: CanonContext = crossEngine ? { crossEngine, zeroDate } : { crossEngine };
  const dstCanon: CanonContext = { crossEngine };
  const srcCols: VColumn[] = [];
  const dstCols: VColumn[] = [];
  const missing: string[] = [];
  source.columns.forEach((c, i) => {
    const n = names.columns[i];
    if (n === undefined) return;
    const d = target.columns.find((x) => x.name === n) ?? (caseInsensitive ? target.columns.find((x) => ci(x.name) === ci(n)) : undefined);
    if (d === undefined) missing.push(n);
    else {
      srcCols.push(crossEngine ? asStoredText(c, d) : c);
      dstCols.push(d);
    }
  });
  if (missing.length > 0) return `target has no column ${missing.join(', ')}`;
  const keyIdx = source.key.map((k) => srcCols.findIndex((c) => c.name === k));
  if (keyIdx.some((i) => i < 0)) return 'a primary key column is dropped by the map';
  // MySQL orders BIT by value, PostgreSQL bit strings digit by digit: no common key order
  if (crossEngine && keyIdx.some((i) => isBitType(srcCols[i]!.type) || isBitType(dstCols[i]!.type))) return 'a BIT primary key column cannot be ordered alike on both engines';
  const js = srcCols.map((c, i): JsCanon | undefined => {
    if (!crossEngine) return undefined;
    const kinds = [c.kind, dstCols[i]!.kind];
    if (kinds.includes('json')) return 'json';
    if (kinds.includes('float')) return 'float';
    return undefined;
  });
  // same engine, same digest function and identical column types: hash the stored values' own
  // text (several times cheaper than the canonical text; rows are still compared canonically)
  const fast =
    !crossEngine && sides.src.fastDigest === sides.dst.fastDigest && srcCols.every((c, i) => c.type === dstCols[i]!.type && c.kind === dstCols[i]!.kind);
  const sideSql = (side: Side, t: VTable, cols: VColumn[], ctx: CanonContext): SideSql => {
    const q = cols.map((c) => side.ident(c.name));
    const from = side.table(t.schema, t.table);
    const canon = cols.map((c, i) => side.canon(c, q[i]!, ctx));
    const text = fast ? side.rawRowText(cols.map((c, i) => ({ q: q[i]!, kind: c.kind }))) : side.rowText(canon);
    return {
      side,
      from,
      cols,
      canon,
      keyExprs: keyIdx.map((i) => side.keyExpr(cols[i]!, q[i]!)),
      parts: side.hashParts(text, fast),
    };
  };
  const src = sideSql(sides.src, source, srcCols, srcCanon);
  const dst = sideSql(sides.dst, target, dstCols, dstCanon);
  if (keyIdx.length === 0 && js.some((j) => j !== undefined)) {
    return 'no primary key, and float/JSON columns whose text only JS can align across engines (no common row order)';
  }
  const cmps = keyIdx.map((i) => keyComparator(srcCols[i]!.kind));
  const compareKeys = (a: readonly Text[], b: readonly Text[]): number => {
    for (let j = 0; j < cmps.length; j++) {
      const r = cmps[j]!(a[j]!, b[j]!);
      if (r !== 0) return r;
    }
    return 0;
  };
  const compareKey =
    keyIdx.length === 0
      ? compareAll
      : (a: TextRow, b: TextRow): number => {
          for (let j = 0; j < keyIdx.length; j++) {
            const i = keyIdx[j]!;
            const r = cmps[j]!(a[i]!, b[i]!);
            if (r !== 0) return r;
          }
          return 0;
        };
  return {
    source,
    target,
    src,
    dst,
    names: dstCols.map((c) => c.name),
    js,
    keyIdx,
    dbHash: js.every((j) => j === undefined),
    compareKey,
    compareKeys,
    srcCanon,
  };
}

/**
 * A source column the target keeps as text (a PostgreSQL numeric wider than the target's
 * decimal, an interval, inet, bit string, ... in an nvarchar/longtext column) holds the
 * source's own text there: it is compared, and keys ordered, as that text, not by the
 * source kind's canonical form (trimmed decimals, host(inet), bits without leading zeros).
 */
function asStoredText(c: VColumn, target: VColumn): VColumn {
  return target.kind === 'text' && (c.kind === 'decimal' || c.kind === 'other') ? { ...c, kind: 'text' } : c;
}

/** Rows without a key: every column, NULL first, code point order (the SQL ORDER BY twin). */
function compareAll(a: TextRow, b: TextRow): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    const r = codePointCompare(x, y);
    if (r !== 0) return r;
  }
  return 0;
}

/** JS order of canonical key texts, matching the order the key expressions give in SQL. */
function keyComparator(kind: ColKind): (a: Text, b: Text) => number {
  const nn = (f: (a: string, b: string) => number) => (a: Text, b: Text) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : f(a, b);
  switch (kind) {
    case 'int':
      return nn((a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    case 'decimal':
      return nn((a, b) => {
        const x = parseDec(a);
        const y = parseDec(b);
        return x && y ? compareDec(x, y) : codePointCompare(a, b);
      });
    case 'float':
      return nn((a, b) => Number(a) - Number(b));
    default:
      return nn(codePointCompare);
  }
}

/** The JS step of JsCanon columns, in place. */
export function applyJs(row: TextRow, js: readonly (JsCanon | undefined)[]): TextRow {
  for (let i = 0; i < js.length; i++) {
    const j = js[i];
    const v = row[i];
    if (j === undefined || v === null || v === undefined) continue;
    row[i] = j === 'json' ? canonicalJson(v) : String(Number(v));
  }
  return row;
}
