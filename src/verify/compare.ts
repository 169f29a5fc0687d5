/**
 * Compares one table pair.
 *
 * With a primary key and SQL alone making both sides print the same canonical text, chunks are
 * key ranges of `chunk` source rows (the key of the chunk-th row after the previous bound closes
 * a chunk; the last chunk is open-ended so target rows past the source's last key are seen).
 * While chunks match, each side returns one digest per chunk (count + the sums of per-row hash
 * parts: order-independent). A differing chunk is hashed again per bucket of chunk/BUCKETS rows,
 * and so are the chunks after it until QUIET_CHUNKS in a row match: one source query takes the
 * next `chunk` rows in key order, numbers them (ROW_NUMBER) and returns per bucket the digest
 * and the key of its last row; the target digests the same range cut at those keys (a CASE
 * tree) while the source already reads the next chunk.
 * For a bucket whose digests differ each side lists (key, row hash) and only the rows whose
 * hashes differ are read in full: a few differences cost a few buckets' hashes and a few rows.
 * Otherwise (texts only JS can align, a row filter evaluated per row) every chunk is read:
 * keyset-paged (`chunk` rows per query) on both sides and merged in key order, so memory stays
 * at a few pages whatever the table size.
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

/** Binds key values as parameters (numbered after those already in `params`); the placeholder tuple. */
function bindKey(s: SideSql, plan: PairPlan, values: readonly Text[], params: Text[]): string {
  const ps = plan.keyIdx.map((ci, j) => s.side.keyParam(s.cols[ci]!, params.length + j + 1));
  params.push(...values);
  return tuple(ps);
}

/** WHERE for lo < key <= hi (either bound may be absent); its parameters are appended to `params`. */
function rangeInto(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined, params: Text[]): string {
  const parts: string[] = [];
  if (lo !== undefined) parts.push(`${tuple(s.keyExprs)} > ${bindKey(s, plan, lo, params)}`);
  if (hi !== undefined) parts.push(`${tuple(s.keyExprs)} <= ${bindKey(s, plan, hi, params)}`);
  const scope = scopeSql(s, plan);
  if (scope !== undefined) parts.push(scope);
  return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
}

function range(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined): { sql: string; params: Text[] } {
  const params: Text[] = [];
  return { sql: rangeInto(s, plan, lo, hi, params), params };
}

/** The row filter as SQL for this side, when it is pushed down. */
function scopeSql(s: SideSql, plan: PairPlan): string | undefined {
  const sc = plan.scope;
  if (sc === undefined || sc.kind !== 'sql') return undefined;
  return s === plan.src ? sc.src : sc.dst;
}

/** Source rows a source-only row filter fails (RowScope 'source-only'): matched by key, then left out. */
const outsideScope = new WeakSet<TextRow>();

/** The source-only row filter as a select-list flag, when this side is the source. */
function scopeFlag(s: SideSql, plan: PairPlan): string | undefined {
  const sc = plan.scope;
  return sc?.kind === 'source-only' && s === plan.src ? `CASE WHEN ${sc.src} THEN '1' ELSE '0' END` : undefined;
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

/** Buckets per chunk: a chunk hashed per bucket shows which bucket differs, so a difference costs one bucket's listing. */
const BUCKETS = 20;
/** Matching chunks in a row after which chunks are hashed whole again. */
const QUIET_CHUNKS = 8;

/** One bucket's digest: row count and the sums of the per-row hash parts, as one text. */
type Digests = Map<number, { n: number; digest: string }>;

/** One source chunk: its buckets' digests and the upper key of each bucket (the last one's is the chunk's when full). */
interface SourceChunk {
  readonly digests: Digests;
  readonly uppers: readonly Text[][];
  /** the chunk holds `chunk` rows: more may follow after its last key */
  readonly full: boolean;
}

const digestOf = (r: TextRow, from: number): { n: number; digest: string } => ({ n: Number(r[from]), digest: r.slice(from).join('/') });
/** the sums of the hash parts selected as synctl_p0, synctl_p1, ... */
const partSums = (s: SideSql): string => s.parts.map((_p, j) => `SUM(synctl_p${j}) AS synctl_s${j}`).join(', ');

/**
 * The source's next chunk after `lo` in one query: its first `n` rows in key order, numbered,
 * cut into buckets of `size`; per bucket the digest and the canonical key of its last row.
 */
async function sourceChunk(plan: PairPlan, lo: readonly Text[] | undefined, n: number, size: number): Promise<SourceChunk> {
  const s = plan.src;
  const params: Text[] = [];
  const w = rangeInto(s, plan, lo, undefined, params);
  const k = plan.keyIdx.length;
  const keyCanon = plan.keyIdx.map((i, j) => `${s.canon[i]!} AS synctl_k${j}`);
  const order = s.keyExprs.map((e, j) => `${e} AS synctl_o${j}`);
  const parts = s.parts.map((e, j) => `${e} AS synctl_p${j}`);
  const first = `SELECT ${[...keyCanon, ...order, ...parts].join(', ')} FROM ${s.from} WHERE ${w} ORDER BY ${s.keyExprs.join(', ')} LIMIT ${n}`;
  const numbered = `SELECT d1.*, ROW_NUMBER() OVER (ORDER BY ${s.keyExprs.map((_e, j) => `synctl_o${j}`).join(', ')}) AS synctl_rn FROM (${first}) d1`;
  const g = `FLOOR((synctl_rn - 1) / ${size})`;
  const last = Array.from({ length: k }, (_x, j) => `MAX(CASE WHEN synctl_rn % ${size} = 0 OR synctl_rn = ${n} THEN synctl_k${j} END)`);
  const rows = await s.side.query(
    `SELECT ${g} AS synctl_g, ${last.join(', ')}, COUNT(*) AS synctl_n, ${partSums(s)} FROM (${numbered}) d2 GROUP BY ${g}`,
    params,
  );
  rows.sort((x, y) => Number(x[0]) - Number(y[0]));
  const digests: Digests = new Map();
  let total = 0;
  for (const [b, r] of rows.entries()) {
    const d = digestOf(r, 1 + k);
    digests.set(b, d);
    total += d.n;
  }
  return { digests, uppers: rows.map((r) => r.slice(1, 1 + k)), full: total === n };
}

/** Bucket number of a row: a CASE tree over the bucket bounds (key <= bound j: bucket j or lower). */
function bucketExpr(s: SideSql, plan: PairPlan, bounds: readonly Text[][], params: Text[]): string {
  const tree = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo);
    const mid = (lo + hi) >> 1;
    const p = bindKey(s, plan, bounds[mid]!, params);
    return `CASE WHEN ${tuple(s.keyExprs)} <= ${p} THEN ${tree(lo, mid)} ELSE ${tree(mid + 1, hi)} END`;
  };
  return tree(0, bounds.length);
}

/** Per-bucket digests of lo < key <= hi on one side, buckets cut at `bounds` (the source's bucket upper keys). */
async function bucketDigests(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined, bounds: readonly Text[][]): Promise<Digests> {
  const params: Text[] = [];
  const parts = s.parts.map((e, j) => `${e} AS synctl_p${j}`);
  // one bucket (a whole chunk): no grouping, which costs as much as the hashing
  const g = bounds.length === 0 ? undefined : bucketExpr(s, plan, bounds, params);
  const w = rangeInto(s, plan, lo, hi, params);
  const sums = `COUNT(*) AS synctl_n, ${partSums(s)}`;
  const rows = await s.side.query(
    g === undefined
      ? `SELECT 0 AS synctl_g, ${sums} FROM (SELECT ${parts.join(', ')} FROM ${s.from} WHERE ${w}) d`
      : `SELECT synctl_g, ${sums} FROM (SELECT ${g} AS synctl_g, ${parts.join(', ')} FROM ${s.from} WHERE ${w}) d GROUP BY synctl_g`,
    params,
  );
  // an empty range: no bucket (COUNT without GROUP BY still gives a row)
  return new Map(rows.filter((r) => Number(r[1]) !== 0).map((r) => [Number(r[0]), digestOf(r, 1)]));
}

/** Rows of lo < key <= hi in key order, `page` at a time. Keys are kept raw (SQL text) for the next page. */
async function* pages(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined, page: number, st: CompareStats): AsyncGenerator<TextRow> {
  let last = lo;
  const flag = scopeFlag(s, plan);
  for (;;) {
    const w = range(s, plan, last, hi);
    const rows = await s.side.query(
      `SELECT ${selectList(flag === undefined ? s.canon : [...s.canon, flag])} FROM ${s.from} WHERE ${w.sql} ORDER BY ${s.keyExprs.join(', ')} LIMIT ${page}`,
      w.params,
    );
    if (rows.length === 0) return;
    last = keyOf(plan, rows[rows.length - 1]!);
    st.rowsRead += rows.length;
    const pass = jsPass(plan);
    for (const r of rows) {
      if (flag !== undefined && r.pop() !== '1') outsideScope.add(r);
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
    if (c <= 0 && outsideScope.has(x.value as TextRow)) {
      // outside the source-only row filter: neither missing nor compared, its target row left alone
      x = await a.next();
      if (c === 0) y = await b.next();
    } else if (c < 0) {
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

/** (canonical key..., row hash parts...) of every row of lo < key <= hi, in key order (at most two buckets). */
async function rowHashes(s: SideSql, plan: PairPlan, lo: readonly Text[] | undefined, hi: readonly Text[] | undefined): Promise<TextRow[]> {
  const w = range(s, plan, lo, hi);
  const keyCanon = plan.keyIdx.map((i) => s.canon[i]!);
  return s.side.query(`SELECT ${selectList([...keyCanon, ...s.parts])} FROM ${s.from} WHERE ${w.sql} ORDER BY ${s.keyExprs.join(', ')}`, w.params);
}

const sameFrom = (a: TextRow, b: TextRow, from: number): boolean => {
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

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
      if (sameFrom(a[i]!, b[j]!, k)) st.rowsCompared++;
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
    const list = keys.slice(p, p + KEYS_PER_READ).map((key) => bindKey(s, plan, key, params));
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
  if (!plan.dbHash) {
    // texts only JS can align (float, JSON across engines) or a row filter evaluated per row
    let lo: Text[] | undefined;
    for (;;) {
      const hi = await upperBound(plan, lo, n);
      st.chunks++;
      st.chunksDescended++;
      await read(lo, hi);
      opts.progress?.(st);
      if (hi === undefined) return st;
      lo = hi;
    }
  }
  const size = Math.ceil(n / BUCKETS);
  /** A bucket whose digests differ: list (key, row hash) per side and read only the rows whose hashes differ. */
  const descend = async (lo: Text[] | undefined, hi: Text[] | undefined, rows: number): Promise<void> => {
    // many more rows than a bucket on a side (a target with many rows past the source's last
    // key): paged reading keeps memory bounded where a hash listing would not
    if (rows > 2 * size) return read(lo, hi);
    const [hs, ht] = await Promise.all([rowHashes(plan.src, plan, lo, hi), rowHashes(plan.dst, plan, lo, hi)]);
    const keys = differingKeys(plan, hs, ht, st);
    await merge(plan, rowsByKeys(plan.src, plan, lo, hi, keys, st), rowsByKeys(plan.dst, plan, lo, hi, keys, st), st, sink);
  };
  /** Compares one source chunk's buckets with the target's; true when some bucket differed. */
  const compareBuckets = async (sc: SourceChunk, lo: Text[] | undefined, hi: Text[] | undefined): Promise<boolean> => {
    const bounds = sc.uppers.slice(0, -1);
    const dt = await bucketDigests(plan.dst, plan, lo, hi, bounds);
    let differed = false;
    for (let b = 0; b <= bounds.length; b++) {
      const x = sc.digests.get(b);
      const y = dt.get(b);
      if (x !== undefined && y !== undefined && x.digest === y.digest) {
        st.rowsCompared += x.n;
        continue;
      }
      if (x === undefined && y === undefined) continue;
      differed = true;
      await descend(b === 0 ? lo : bounds[b - 1], b < bounds.length ? bounds[b] : hi, Math.max(x?.n ?? 0, y?.n ?? 0));
    }
    return differed;
  };
  // Chunks are hashed whole (cheapest) while they match; a differing chunk is hashed again per
  // bucket, and so are the chunks after it (differences cluster) until QUIET_CHUNKS in a row
  // match. Per bucket, the source reads its next chunk while the target hashes the current one.
  let next: Promise<SourceChunk> | undefined;
  let lo: Text[] | undefined;
  let quiet = QUIET_CHUNKS;
  try {
    for (;;) {
      st.chunks++;
      let sc: SourceChunk;
      if (next === undefined) {
        const hi = await upperBound(plan, lo, n);
        const [ds, dt] = await Promise.all([bucketDigests(plan.src, plan, lo, hi, []), bucketDigests(plan.dst, plan, lo, hi, [])]);
        const x = ds.get(0);
        if (x?.digest === dt.get(0)?.digest) {
          st.rowsCompared += x?.n ?? 0;
          opts.progress?.(st);
          if (hi === undefined) return st;
          lo = hi;
          continue;
        }
        quiet = 0;
        sc = await sourceChunk(plan, lo, n, size);
      } else {
        sc = await next;
      }
      const hi = sc.full ? sc.uppers[sc.uppers.length - 1] : undefined;
      // the next chunk per bucket, read while this one is compared, unless a match here ends the run
      next = hi !== undefined && quiet < QUIET_CHUNKS - 1 ? sourceChunk(plan, hi, n, size) : undefined;
      next?.catch(() => undefined); // awaited in turn (or in finally); not an unhandled rejection meanwhile
      if (await compareBuckets(sc, lo, hi)) {
        st.chunksDescended++;
        quiet = 0;
      } else quiet++;
      opts.progress?.(st);
      if (hi === undefined) return st;
      if (next === undefined && quiet < QUIET_CHUNKS) next = sourceChunk(plan, hi, n, size);
      lo = hi;
    }
  } finally {
    await next?.catch(() => undefined);
  }
}
