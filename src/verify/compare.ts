/**
 * Compares one table pair.
 *
 * With a primary key: the source's key order is cut into chunks of `chunk` rows (the key of
 * the chunk-th row after the previous bound closes a chunk; the last chunk is open-ended so
 * target rows past the source's last key are seen). When SQL alone makes both sides print the
 * same canonical text, each side returns a digest of the chunk (count + a sum of per-row
 * hashes, order-independent); for a chunk whose digests differ each side lists (key, row
 * hash) and only the rows whose hashes differ are read in full. Otherwise every chunk is read.
 * Reading is keyset-paged (`chunk` rows per query) on both sides and
 * merged in key order, so memory stays at a few pages whatever the table size.
 * Without a primary key: both sides stream every row ordered by all canonical texts and the
 * two ordered multisets are merged (missing / extra only).
 */
import type { PairPlan, SideSql } from './plan';
import { applyJs } from './plan';
import type { Text, TextRow } from './side';

export interface DiffSink {
  missing(srcRow: TextRow): Promise<void>;
  extra(dstRow: TextRow): Promise<void>;
  differ(srcRow: TextRow, dstRow: TextRow, cols: number[]): Promise<void>;
}

export interface CompareStats {
  rowsCompared: number;
  missing: number;
  extra: number;
  differing: number;
  chunks: number;
  chunksDescended: number;
  /** rows fetched row by row, both sides */
  rowsRead: number;
  method: 'chunk-hash' | 'rows';
}

export interface CompareOptions {
  readonly chunk: number;
  readonly progress?: (s: CompareStats) => void;
}

const tuple = (xs: readonly string[]): string => (xs.length === 1 ? xs[0]! : `(${xs.join(', ')})`);
/** select list with aliases: an unaliased `(id)::text` is named id, and ORDER BY id would then sort the text */
const selectList = (exprs: readonly string[]): string => exprs.map((e, i) => `${e} AS synctl_v${i}`).join(', ');

/** WHERE for lo < key <= hi (either bound may be absent), with its parameters. */
function range(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined): { sql: string; params: Text[] } {
  const parts: string[] = [];
  const params: Text[] = [];
  const bound = (op: string, values: readonly Text[]): void => {
    const ps = plan.keyIdx.map((ci, j) => s.side.keyParam(s.cols[ci]!, params.length + j + 1));
    params.push(...values);
    parts.push(`${tuple(s.keyExprs)} ${op} ${tuple(ps)}`);
  };
  if (lo !== undefined) bound('>', lo);
  if (hi !== undefined) bound('<=', hi);
  const scope = scopeSql(s, plan);
  if (scope !== undefined) parts.push(scope);
  return { sql: parts.length === 0 ? '1 = 1' : parts.join(' AND '), params };
}

/** The row filter as SQL for this side, when it is pushed down. */
function scopeSql(s: SideSql, plan: PairPlan): string | undefined {
  const sc = plan.scope;
  if (sc === undefined || sc.kind !== 'sql') return undefined;
  return s === plan.src ? sc.src : sc.dst;
}

/** The row filter evaluated in JS, when it could not be pushed down. */
const jsPass = (plan: PairPlan): ((r: TextRow) => boolean) | undefined => (plan.scope?.kind === 'js' ? plan.scope.pass : undefined);

const keyOf = (plan: PairPlan, row: TextRow): Text[] => plan.keyIdx.map((i) => row[i]!);

/** Key of the `n`-th source row after `lo`; undefined when fewer rows remain. */
async function upperBound(plan: PairPlan, lo: readonly Text[] | undefined, n: number): Promise<Text[] | undefined> {
  const s = plan.src;
  const w = range(s, plan, lo, undefined);
  const keyCanon = plan.keyIdx.map((i) => s.canon[i]!);
  const rows = await s.side.query(
    `SELECT ${selectList(keyCanon)} FROM ${s.from} WHERE ${w.sql} ORDER BY ${s.keyExprs.join(', ')} LIMIT 1 OFFSET ${n - 1}`,
    w.params,
  );
  return rows[0];
}

async function digest(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined): Promise<string> {
  const w = range(s, plan, lo, hi);
  const rows = await s.side.query(s.digest(w.sql), w.params);
  const r = rows[0] ?? [];
  return r.map((v) => v ?? '').join('/');
}

/** Rows of lo < key <= hi in key order, `page` at a time. Keys are kept raw (SQL text) for the next page. */
async function* pages(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined, page: number, st: CompareStats): AsyncGenerator<TextRow> {
  let last = lo;
  for (;;) {
    const w = range(s, plan, last, hi);
    const rows = await s.side.query(
      `SELECT ${selectList(s.canon)} FROM ${s.from} WHERE ${w.sql} ORDER BY ${s.keyExprs.join(', ')} LIMIT ${page}`,
      w.params,
    );
    if (rows.length === 0) return;
    last = keyOf(plan, rows[rows.length - 1]!);
    st.rowsRead += rows.length;
    const pass = jsPass(plan);
    for (const r of rows) {
      applyJs(r, plan.js);
      if (pass === undefined || pass(r)) yield r;
    }
    if (rows.length < page) return;
  }
}

async function* allRows(s: SideSql, plan: PairPlan, batch: number, st: CompareStats): AsyncGenerator<TextRow> {
  const order = s.canon.map((e) => s.side.orderText(e)).join(', ');
  const where = scopeSql(s, plan);
  const pass = jsPass(plan);
  for await (const r of s.side.stream(`SELECT ${selectList(s.canon)} FROM ${s.from}${where === undefined ? '' : ` WHERE ${where}`} ORDER BY ${order}`, [], batch)) {
    st.rowsRead++;
    if (pass === undefined || pass(r)) yield r;
  }
}

async function merge(plan: PairPlan, a: AsyncGenerator<TextRow>, b: AsyncGenerator<TextRow>, st: CompareStats, sink: DiffSink): Promise<void> {
  let x = await a.next();
  let y = await b.next();
  const width = plan.names.length;
  while (!x.done || !y.done) {
    const c = x.done ? 1 : y.done ? -1 : plan.compareKey(x.value, y.value);
    if (c < 0) {
      st.rowsCompared++;
      st.missing++;
      await sink.missing(x.value as TextRow);
      x = await a.next();
    } else if (c > 0) {
      st.extra++;
      await sink.extra(y.value as TextRow);
      y = await b.next();
    } else {
      st.rowsCompared++;
      const xr = x.value as TextRow;
      const yr = y.value as TextRow;
      let cols: number[] | undefined;
      for (let i = 0; i < width; i++) if (xr[i] !== yr[i]) (cols ??= []).push(i);
      if (cols !== undefined) {
        st.differing++;
        await sink.differ(xr, yr, cols);
      }
      x = await a.next();
      y = await b.next();
    }
  }
}

/** Differing keys fetched per query when a chunk is read by key. */
const KEYS_PER_READ = 500;

/** (canonical key..., row hash) of every row of lo < key <= hi, in key order (at most a chunk). */
async function rowHashes(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined): Promise<TextRow[]> {
  const w = range(s, plan, lo, hi);
  const keyCanon = plan.keyIdx.map((i) => s.canon[i]!);
  return s.side.query(`SELECT ${selectList([...keyCanon, s.rowHash])} FROM ${s.from} WHERE ${w.sql} ORDER BY ${s.keyExprs.join(', ')}`, w.params);
}

/** Keys whose row is on one side only or hashes differently; counts the equal rows. */
function differingKeys(plan: PairPlan, a: readonly TextRow[], b: readonly TextRow[], st: CompareStats): Text[][] {
  const k = plan.keyIdx.length;
  const out: Text[][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const c = i === a.length ? 1 : j === b.length ? -1 : plan.compareKeys(a[i]!, b[j]!);
    if (c < 0) out.push(a[i++]!.slice(0, k));
    else if (c > 0) out.push(b[j++]!.slice(0, k));
    else {
      if (a[i]![k] === b[j]![k]) st.rowsCompared++;
      else out.push(a[i]!.slice(0, k));
      i++;
      j++;
    }
  }
  return out;
}

/** Full rows of the given keys (sorted) within lo < key <= hi, in key order. */
async function* rowsByKeys(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined, keys: readonly Text[][], st: CompareStats): AsyncGenerator<TextRow> {
  for (let p = 0; p < keys.length; p += KEYS_PER_READ) {
    const w = range(s, plan, lo, hi);
    const params = [...w.params];
    const list = keys.slice(p, p + KEYS_PER_READ).map((key) => {
      const ps = plan.keyIdx.map((ci, j) => s.side.keyParam(s.cols[ci]!, params.length + j + 1));
      params.push(...key);
      return tuple(ps);
    });
    // the range bounds the scan where the key expression cannot use the index (text keys)
    const rows = await s.side.query(
      `SELECT ${selectList(s.canon)} FROM ${s.from} WHERE ${w.sql} AND ${tuple(s.keyExprs)} IN (${list.join(', ')}) ORDER BY ${s.keyExprs.join(', ')}`,
      params,
    );
    st.rowsRead += rows.length;
    for (const r of rows) yield applyJs(r, plan.js);
  }
}

export async function compareTable(plan: PairPlan, opts: CompareOptions, sink: DiffSink): Promise<CompareStats> {
  const st: CompareStats = { rowsCompared: 0, missing: 0, extra: 0, differing: 0, chunks: 0, chunksDescended: 0, rowsRead: 0, method: 'rows' };
  const n = opts.chunk;
  if (plan.keyIdx.length === 0) {
    st.chunks = 1;
    st.chunksDescended = 1;
    await merge(plan, allRows(plan.src, plan, n, st), allRows(plan.dst, plan, n, st), st, sink);
    return st;
  }
  st.method = plan.dbHash ? 'chunk-hash' : 'rows';
  const read = (lo: Text[] | undefined, hi: Text[] | undefined): Promise<void> =>
    merge(plan, pages(plan.src, plan, lo, hi, n, st), pages(plan.dst, plan, lo, hi, n, st), st, sink);
  const check = async (lo: Text[] | undefined, hi: Text[] | undefined): Promise<void> => {
    if (!plan.dbHash) {
      st.chunksDescended++;
      return read(lo, hi);
    }
    const [ds, dt] = await Promise.all([digest(plan.src, plan, lo, hi), digest(plan.dst, plan, lo, hi)]);
    if (ds === dt) {
      st.rowsCompared += Number(ds.split('/')[0]);
      return;
    }
    st.chunksDescended++;
    // more rows than a chunk on a side (a target with many rows past the source's last key):
    // paged reading keeps memory bounded where a hash listing would not
    if (Number(ds.split('/')[0]) > 2 * n || Number(dt.split('/')[0]) > 2 * n) return read(lo, hi);
    // a differing chunk: each side lists (key, row hash), compared here, and only the rows
    // whose hashes differ are read, so a few differences cost a few rows
    const [hs, ht] = await Promise.all([rowHashes(plan.src, plan, lo, hi), rowHashes(plan.dst, plan, lo, hi)]);
    const keys = differingKeys(plan, hs, ht, st);
    await merge(plan, rowsByKeys(plan.src, plan, lo, hi, keys, st), rowsByKeys(plan.dst, plan, lo, hi, keys, st), st, sink);
  };
  let lo: Text[] | undefined;
  for (;;) {
    const hi = await upperBound(plan, lo, n);
    st.chunks++;
    await check(lo, hi);
    opts.progress?.(st);
    if (hi === undefined) return st;
    lo = hi;
  }
}
