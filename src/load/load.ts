/**
 * The initial load (COPY ... CREATE|INSERT|INDEX ...): source tables into the exec side's
 * target, each consistent at one binlog position recorded in DMHS_TABLE_SEQID.
 *
 * Order, per run:
 *  1. every table to load gets its DMHS_TABLE_SEQID row with STATUS 'loading' first, all in
 *     one target transaction that locks the gate row first (a placeholder position: exec
 *     only waits on it): it waits for an exec group in flight, and every later group sees
 *     'loading', so exec leaves the tables alone before their structure or rows are touched;
 *  2. THREAD workers take tables, largest first; per table: DROP/CREATE/TRUNCATE, a
 *     consistent snapshot on its own source session and its exact position (POS), then
 *     key-range chunks read in key order from that snapshot and bulk-written, one target
 *     transaction per chunk carrying the CHUNKS_DONE update; the last chunk sets 'done';
 *  3. INDEX builds the secondary indexes after the rows.
 *
 * The source is read through a LoadSource (load-source.ts). A PostgreSQL source has one
 * snapshot per run instead of one per table: the exported snapshot of the replication slot
 * created before step 1 (src/dialect/postgres/pg-slot.ts), imported by every reader, its
 * consistent point every table's POS.
 *
 * CONTINUE resumes each 'loading' table after the key of its last committed chunk, keeping
 * its first POS. Chunks loaded in the resumed run come from a newer snapshot; exec replays
 * the table's changes after POS over them, which converges (source wins: a duplicate insert
 * overwrites, an update of a missing row inserts it, a delete of a missing row is a no-op)
 * with full row images.
 */
import type { CptConfig, ExecConfig } from '../config/types';
import type { CopyMasks } from '../dict/copy-masks';
import type { DictionaryEntry } from '../dict/entry';
import { openApplyTarget } from '../dialect/apply-target';
import { bindTable, type BoundTable } from '../dialect/bound-table';
import { isSynctlError, SynctlError } from '../errors';
import { createSystemTables, type ApplyTarget } from '../exec/target';
import type { Value } from '../model/value';
import type { Condition } from '../dict/condition';
import type { BulkTarget, ChunkWriter, RowMode } from './chunk-writer';
import { parseAsList, type AsItem } from './as-columns';
import { planTables, type TablePlan } from './plan';
import { LoadProgress } from './progress';
import { rowFilterFor } from './row-filter';
import { chunkTotals, parseSeqidRow, type ChunksDone, type RangeDone, type SeqidSql, type TargetEngine } from './seqid';
import { openBulkWriter, seqidSql, targetEngine, targetErrorKind } from './target-engine';
import { countRowsSql, createTargetSchema } from './backup';
import { storeKey, type LoadSource, type SourceReader, type StoredKey } from './load-source';
import type { RawValue } from './source-values';
import type { TableDdl } from './target-ddl';

export const DEFAULT_CHUNK_ROWS = 50_000;
export const DEFAULT_THREADS = 4;
/**
 * A table is split into key ranges (read by several THREAD readers at one snapshot) when it
 * has this many rows or more (estimated) and fewer tables wait or load than there are readers.
 */
export const MIN_SPLIT_ROWS = 10_000;

export interface TableLoadReport {
  readonly source: string;
  readonly target: string;
  /** 'loaded' (rows copied this run), 'done-before' (CONTINUE: finished in an earlier run), 'structure' (no INSERT) */
  readonly status: 'loaded' | 'done-before' | 'structure';
  /** source position the table's copy is consistent at (DMHS_TABLE_SEQID.POS) */
  readonly position: string;
  /** rows and chunks written by this run */
  readonly rows: number;
  readonly chunks: number;
  /** rows and chunks an earlier run had committed (CONTINUE) */
  readonly rowsBefore: number;
  readonly chunksBefore: number;
  readonly indexes: number;
  readonly seconds: number;
}

export interface LoadReport {
  readonly tables: TableLoadReport[];
  /** tables the condition selects that the send's filter does not replicate */
  readonly skipped: string[];
  readonly seconds: number;
}

export interface LoadInput {
  readonly cpt: CptConfig;
  readonly exec: ExecConfig;
  readonly condition: Condition;
  readonly masks: CopyMasks;
  /** the source engine's reading, snapshots and DDL */
  readonly source: LoadSource;
  readonly entries: readonly DictionaryEntry[];
  readonly progress?: LoadProgress;
}

interface Job {
  readonly plan: TablePlan;
  /** CONTINUE: the table finished in an earlier run */
  readonly doneBefore: boolean;
  /** CONTINUE: resume point of a table an earlier run left 'loading' */
  readonly resume?: { pos: string; chunks: ChunksDone };
}

const fail = (p: TablePlan, what: string): SynctlError => new SynctlError('STATE', `${p.sourceName} -> ${p.targetName}: ${what}`, { table: p.sourceName });

export async function runLoad(input: LoadInput): Promise<LoadReport> {
  const t0 = Date.now();
  const { cpt, exec, masks } = input;
  const engine = targetEngine(exec);
  const has = (m: string): boolean => masks.flags.has(m as never);
  const mode: RowMode | undefined = has('INSERT') ? 'insert' : has('REPLACE') ? 'replace' : has('UPDATE') ? 'update' : undefined;
  const { tables, skipped } = await planTables(input.source, input.condition, input.entries, cpt, exec);
  // AS is checked against every table before anything is written
  const asItems = masks.as === undefined ? [] : parseAsList(masks.as);
  const computed = new Map(tables.map((p) => [p, computedColumns(p, asItems)]));
  const keyless = mode === 'replace' || mode === 'update' ? tables.find((p) => p.key.length === 0) : undefined;
  if (keyless) throw new SynctlError('USAGE', `${keyless.sourceName} -> ${keyless.targetName}: ${mode!.toUpperCase()} matches rows by key: the table has no primary or unique key`);
  if (has('BACKUP')) {
    // refused before anything is written to the target
    const why =
      input.source.backupRefusal(tables, exec) ??
      tables.map((p) => (rowFilterFor(cpt, exec, p.source) ? `${p.sourceName}: the send's row conditions apply to it: BACKUP copies whole tables (use CREATE|INSERT)` : undefined)).find((x) => x !== undefined) ??
      (masks.masks.some((m) => !['BACKUP', 'DICT', 'NOLOCK', 'LSN'].includes(m)) ? 'BACKUP loads whole tables through the dump (its own DROP/CREATE): give it with DICT, NOLOCK or LSN only' : undefined);
    if (why !== undefined) throw new SynctlError('USAGE', why);
  }
  const control = serialized(await openApplyTarget(exec));
  const seq = seqidSql(engine, exec.sysSchema);
  const progress = input.progress ?? new LoadProgress();
  try {
    await createSystemTables(control);
    const jobs: Job[] = [];
    for (const p of tables) {
      const rows = await control.query(seq.read(p.target.schema, p.target.table));
      const row = rows[0] ? parseSeqidRow(rows[0], `${exec.sysSchema}.DMHS_TABLE_SEQID ${p.targetName}`) : undefined;
      if (has('CONTINUE') && row?.status === 'done') jobs.push({ plan: p, doneBefore: true });
      else if (has('CONTINUE') && row?.status === 'loading') jobs.push({ plan: p, doneBefore: false, resume: { pos: row.pos, chunks: row.chunks } });
      else {
        if (mode === 'insert' && row?.status === 'loading' && !has('TRUNCATE') && !has('DROP') && !has('DELETE')) {
          throw fail(p, 'an earlier load stopped half-way (DMHS_TABLE_SEQID STATUS loading): give CONTINUE to resume it, or TRUNCATE|INSERT to start over');
        }
        jobs.push({ plan: p, doneBefore: false });
      }
    }
    // the source's snapshot first: a source that cannot give one (PostgreSQL: no logical
    // WAL, no REPLICATION) is refused before any table is announced 'loading'
    if (has('BACKUP')) {
      await input.source.prepare(tables);
      await announce(control, seq, jobs, input.source);
      return { tables: await runBackup(input, engine, control, seq, tables, progress), skipped, seconds: (Date.now() - t0) / 1000 };
    }
    if (mode !== undefined) {
      await input.source.prepare(jobs.filter((j) => !j.doneBefore && j.resume === undefined).map((j) => j.plan));
      await announce(control, seq, jobs, input.source);
    }

    const reports: TableLoadReport[] = [];
    let firstError: unknown;
    const queue = [...jobs];
    const threads = Math.max(1, masks.thread ?? DEFAULT_THREADS);
    const ctx: Ctx = { input, engine, control, seq, progress, mode, has, computed, threads, tablesBusy: () => queue.length + active };
    // THREAD workers take key ranges of split tables first, then tables; a worker with
    // nothing to take waits while another is starting a table it may help with
    const ranges: RangeTask[] = [];
    const splits: Promise<void>[] = [];
    let starting = 0;
    let active = 0; // tables taken and not finished
    let wake: () => void = () => undefined;
    let signal = new Promise<void>((r) => (wake = r));
    const notify = (): void => {
      wake();
      signal = new Promise<void>((r) => (wake = r));
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        if (firstError !== undefined) return;
        const range = ranges.shift();
        if (range !== undefined) {
          await range().catch((e: unknown) => void (firstError ??= e));
          continue;
        }
        const job = queue.shift();
        if (job === undefined) {
          if (starting === 0) return;
          await signal;
          continue;
        }
        starting++;
        active++;
        try {
          const r = await loadTable(job, ctx);
          if (isSplit(r)) {
            ranges.unshift(...r.tasks);
            splits.push(r.report.then((x) => void reports.push(x), (e: unknown) => void (firstError ??= e)).finally(() => active--));
          } else {
            active--;
            reports.push(r);
          }
        } catch (e) {
          active--;
          firstError ??= e;
        } finally {
          starting--;
          notify();
        }
      }
    };
    await progress.start();
    try {
      await Promise.all(Array.from({ length: threads }, worker));
      // stopped on an error: ranges no worker took give up (their sessions close)
      for (const r of ranges.splice(0)) void r(true).catch(() => undefined);
      await Promise.all(splits);
    } finally {
      progress.stop();
    }
    if (firstError !== undefined) throw firstError;
    const order = new Map(tables.map((p, i) => [p.sourceName, i]));
    reports.sort((a, b) => order.get(a.source)! - order.get(b.source)!);
    return { tables: reports, skipped, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await control.close();
  }
}

/** BACKUP: one dump per source schema, restored into its target schema, its position recorded for every table. */
async function runBackup(input: LoadInput, engine: TargetEngine, control: Control, seq: SeqidSql, tables: readonly TablePlan[], progress: LoadProgress): Promise<TableLoadReport[]> {
  const out: TableLoadReport[] = [];
  const schemas = [...new Set(tables.map((p) => p.entry.schema))];
  for (const schema of schemas) {
    const group = tables.filter((p) => p.entry.schema === schema);
    const target = group[0]!.target.schema;
    progress.note(`BACKUP ${schema} -> ${target}: ${input.source.backupTools} (${group.length} table${group.length === 1 ? '' : 's'})`);
    await control.run([createTargetSchema(engine, target)]);
    const r = await input.source.backup(input.exec, schema, group.map((p) => p.entry.table), target);
    for (const p of group) {
      const rows = Number((await control.query(countRowsSql(engine, p.target.schema, p.target.table)))[0]?.n ?? 0);
      await control.run([seq.setPosition(p.target.schema, p.target.table, r.position), seq.progress(p.target.schema, p.target.table, { chunks: 1, rows }, true)]);
      progress.done(p.targetName, `${rows} rows restored from the dump`);
      out.push({ source: p.sourceName, target: p.targetName, status: 'loaded', position: r.position, rows, chunks: 1, rowsBefore: 0, chunksBefore: 0, indexes: 0, seconds: r.seconds });
    }
  }
  return out;
}

/** What the load uses of exec's target connection, one call at a time (THREAD workers share it). */
type Control = Pick<ApplyTarget, 'run' | 'query' | 'table' | 'invalidate' | 'close' | 'writer' | 'system'> & {
  /** the statements in one transaction, committed (rolled back when one fails) */
  transaction(statements: readonly string[]): Promise<void>;
};

function serialized(t: ApplyTarget): Control {
  let tail: Promise<unknown> = Promise.resolve();
  const one = <T>(work: () => Promise<T>): Promise<T> => {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    writer: t.writer,
    system: t.system,
    run: (statements) => one(() => t.run(statements)),
    query: (sql) => one(() => t.query(sql)),
    table: (schema, table, cs) => one(() => t.table(schema, table, cs)),
    invalidate: () => t.invalidate(),
    close: () => one(() => t.close()),
    transaction: (statements) =>
      one(async () => {
        try {
          await t.run(['BEGIN', ...statements]);
          await t.run(['COMMIT']);
        } catch (e) {
          await t.rollback().catch(() => undefined);
          throw e;
        }
      }),
  };
}

/** Step 1: every table to load is 'loading' before anything of it is touched. */
async function announce(control: Control, seq: SeqidSql, jobs: readonly Job[], source: LoadSource): Promise<void> {
  const fresh = jobs.filter((j) => !j.doneBefore && j.resume === undefined);
  if (fresh.length === 0) return;
  const placeholder = await source.currentPosition();
  const rows = fresh.map((j) => seq.loading(j.plan.target.schema, j.plan.target.table, placeholder, { chunks: 0, rows: 0 }));
  await control.transaction([seq.lockGate(), ...rows]);
}

interface Ctx {
  readonly input: LoadInput;
  readonly engine: TargetEngine;
  readonly control: Control;
  readonly seq: SeqidSql;
  readonly progress: LoadProgress;
  /** how rows are written; undefined: structure only */
  readonly mode: RowMode | undefined;
  readonly has: (m: string) => boolean;
  /** AS: per table, source column index -> SELECT expression */
  readonly computed: ReadonlyMap<TablePlan, ReadonlyMap<number, string>>;
  /** THREAD: readers at once (tables, or key ranges of one table) */
  readonly threads: number;
  /** tables no worker has taken yet, and tables being loaded */
  readonly tablesBusy: () => number;
}

/** AS items as source column index -> expression of one table; refused when a column is not copied or is a key column. */
function computedColumns(p: TablePlan, items: readonly AsItem[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const a of items) {
    const c = a.column.toLowerCase();
    const i = p.entry.columns.findIndex((col, j) => p.target.columns[j]?.toLowerCase() === c || (p.target.columns[j] !== undefined && col.name.toLowerCase() === c));
    if (i < 0) throw new SynctlError('USAGE', `AS|"... AS ${a.column}": ${p.sourceName} has no column ${a.column} copied into ${p.targetName}`);
    if (p.key.includes(p.entry.columns[i]!.name)) {
      throw new SynctlError('USAGE', `AS|"... AS ${a.column}": ${a.column} is a key column of ${p.sourceName}: rows are read, resumed and matched by it, it cannot be computed`);
    }
    out.set(i, a.expr);
  }
  return out;
}

function bind(p: TablePlan, ctx: Ctx, target: Awaited<ReturnType<ApplyTarget['table']>>): BulkTarget {
  if (target === undefined) throw fail(p, `the target table does not exist: give CREATE to create it`);
  const cs = ctx.input.exec.caseSensitive;
  const byName = (n: string) => target.columns.find((c) => c.name === n) ?? (cs ? undefined : target.columns.find((c) => c.name.toLowerCase() === n.toLowerCase()));
  const nameOf = new Map(p.entry.columns.map((c, i) => [c.name, p.target.columns[i]]));
  const bound: BoundTable = bindTable(p.source, target, (src) => {
    const n = nameOf.get(src);
    return n === undefined ? undefined : byName(n);
  });
  const columns = bound.columns.flatMap((c, i) => {
    if (c === undefined) return [];
    // a generated column is generated again by a MySQL target: it takes no value
    if (ctx.engine === 'mysql' && p.entry.columns[i]!.generated !== undefined) return [];
    return [i];
  });
  if (columns.length === 0) throw fail(p, 'no source column has a target column of the same (mapped) name');
  const mode = ctx.mode ?? 'insert';
  if (mode !== 'insert' && bound.keyless) throw fail(p, `${mode.toUpperCase()} matches rows by key: the table has no primary or unique key`);
  return { bound, columns, mode };
}

async function runDdl(writer: { run(sql: string): Promise<void> }, statements: readonly string[], p: TablePlan, what: string, ignoreDuplicate = false): Promise<number> {
  let n = 0;
  for (const s of statements) {
    try {
      await writer.run(s);
      n++;
    } catch (e) {
      const err = e as { code?: string; errno?: number; message?: string };
      if (ignoreDuplicate && (err.code === '42P07' || err.errno === 1061)) continue;
      throw fail(p, `${what} failed: ${err.message ?? String(e)} (statement: ${s.replace(/\s+/g, ' ').slice(0, 160)})`);
    }
  }
  return n;
}

async function loadTable(job: Job, ctx: Ctx): Promise<TableLoadReport | SplitStart> {
  const t0 = Date.now();
  const p = job.plan;
  const { control, seq } = ctx;
  const needDdl = ctx.has('CREATE') || ctx.has('INDEX');
  const ddl: TableDdl | undefined = needDdl ? await ctx.input.source.tableDdl(ctx.engine, p, ctx.input.exec) : undefined;
  const base = { source: p.sourceName, target: p.targetName };

  if (job.doneBefore) {
    const idx = ctx.has('INDEX') && ddl ? await withControl(control, (w) => runDdl(w, ddl.indexes, p, 'INDEX', true)) : 0;
    const rows = await control.query(seq.read(p.target.schema, p.target.table));
    const r = parseSeqidRow(rows[0]!, p.targetName);
    ctx.progress.done(p.targetName, 'finished in an earlier run');
    const t = chunkTotals(r.chunks);
    return { ...base, status: 'done-before', position: r.pos, rows: 0, chunks: 0, rowsBefore: t.rows, chunksBefore: t.chunks, indexes: idx, seconds: 0 };
  }

  // structure
  control.invalidate();
  let existing = await control.table(p.target.schema, p.target.table, ctx.input.exec.caseSensitive);
  if (ctx.has('DROP') && ddl) {
    await withControl(control, (w) => runDdl(w, ddl.drop, p, 'DROP'));
    existing = undefined;
  }
  if (ctx.has('CREATE') && ddl) {
    if (existing === undefined) await withControl(control, (w) => runDdl(w, ddl.create, p, 'CREATE'));
    else if (job.resume === undefined) throw fail(p, 'CREATE: the target table exists already: give DROP|CREATE to re-create it, or leave CREATE out');
    control.invalidate();
    existing = await control.table(p.target.schema, p.target.table, ctx.input.exec.caseSensitive);
  }
  if (ctx.has('TRUNCATE')) {
    if (existing === undefined) throw fail(p, 'TRUNCATE: the target table does not exist (give CREATE)');
    await control.run([control.writer.truncate(bind(p, ctx, existing).bound)]);
  }
  if (ctx.has('DELETE')) {
    // the rows the copy is about to write again: those the WHERE selects (run on the target as given), else all
    if (existing === undefined) throw fail(p, 'DELETE: the target table does not exist (give CREATE)');
    const where = ctx.input.masks.where;
    const sql = `DELETE FROM ${control.writer.tableName(bind(p, ctx, existing).bound)}${where === undefined ? '' : ` WHERE ${where}`}`;
    const [n] = await control.run([sql]).catch((e: unknown) => {
      throw fail(p, `DELETE failed (the WHERE runs on the target too): ${(e as Error).message} (statement: ${sql.slice(0, 160)})`);
    });
    ctx.progress.note(`${p.targetName}: ${n ?? 0} rows deleted`);
  }
  if (ctx.mode === undefined) {
    const idx = ctx.has('INDEX') && ddl ? await withControl(control, (w) => runDdl(w, ddl.indexes, p, 'INDEX', true)) : 0;
    ctx.progress.done(p.targetName, 'structure only');
    return { ...base, status: 'structure', position: '', rows: 0, chunks: 0, rowsBefore: 0, chunksBefore: 0, indexes: idx, seconds: (Date.now() - t0) / 1000 };
  }

  const target = bind(p, ctx, existing);
  const geometry = p.entry.columns.some((c) => /geometry|point|linestring|polygon|geomcollection|geometrycollection/.test(c.dataType));
  const chunkRows = ctx.input.masks.rows ?? DEFAULT_CHUNK_ROWS;
  const layout = job.resume?.chunks.ranges;
  const splittable = job.resume === undefined && p.key.length > 0 && p.estimatedRows >= MIN_SPLIT_ROWS;
  // split only for readers no other table keeps busy: concurrent writes into one table
  // cost more than they gain while other tables could be loaded instead (bench/copy)
  const want = layout !== undefined ? layout.length : splittable ? Math.min(ctx.threads - (ctx.tablesBusy() - 1), Math.floor(p.estimatedRows / chunkRows)) : 1;
  if (want > 1) {
    const split = await startSplit({ job, target, ddl, ctx, t0, geometry }, want);
    if (split !== undefined) return split;
  }

  const before = job.resume?.chunks ?? { chunks: 0, rows: 0 };
  const state: CopyState = { done: before, rows: 0, chunks: 0 };
  let pos = job.resume?.pos;
  let idx = 0;
  ctx.progress.table(p.targetName, p.estimatedRows, before.rows);
  await copyWithRetries(p, target, ctx, state, geometry, undefined, async (source, writer) => {
    const snap = await source.startSnapshot({ nolock: ctx.has('NOLOCK'), fresh: pos === undefined });
    if (pos === undefined) {
      await writer.run(seq.setPosition(p.target.schema, p.target.table, snap));
      pos = snap;
    }
  }, async (source, writer) => {
    await copyChunks(p, target, writer, source, state, ctx, { progress: (next, final) => seq.progress(p.target.schema, p.target.table, next, final) });
    await source.endSnapshot();
    idx = ctx.has('INDEX') && ddl ? await runDdl(writer, ddl.indexes, p, 'INDEX', true) : 0;
  });
  ctx.progress.done(p.targetName, `${state.rows} rows in ${state.chunks} chunks${before.chunks > 0 ? ` (${before.chunks} chunks, ${before.rows} rows loaded before)` : ''}`);
  return { ...base, status: 'loaded', position: pos!, rows: state.rows, chunks: state.chunks, rowsBefore: before.rows, chunksBefore: before.chunks, indexes: idx, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Runs `copy` with a target writer and a source session at a snapshot, TRYTIMES more times
 * when it fails on the way: a retry opens both again and reads on from the last commit at
 * a newer snapshot, keeping the table's first POS (as CONTINUE does). `session`: one whose
 * snapshot is started already (first try only); else `start` starts a new session's.
 */
async function copyWithRetries(
  p: TablePlan,
  target: BulkTarget,
  ctx: Ctx,
  state: CopyState,
  geometry: boolean,
  session: SourceReader | undefined,
  start: (source: SourceReader, writer: ChunkWriter) => Promise<void>,
  copy: (source: SourceReader, writer: ChunkWriter) => Promise<void>,
): Promise<void> {
  const tries = ctx.input.masks.tryTimes ?? 0;
  let given = session;
  for (let attempt = 0; ; attempt++) {
    let writer: ChunkWriter | undefined;
    let source = given;
    given = undefined;
    try {
      writer = await openBulkWriter(ctx.engine, ctx.input.exec, target);
      if (source === undefined) {
        source = await ctx.input.source.open({ geometry });
        await start(source, writer);
      }
      await copy(source, writer);
      return;
    } catch (e) {
      if (attempt >= tries || !retryable(ctx.engine, e)) throw e;
      ctx.progress.note(`${p.targetName}: ${(e as Error).message}; trying again after chunk ${state.done.chunks} (${attempt + 1} of TRYTIMES|${tries})`);
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
    } finally {
      await source?.close();
      await writer?.close();
    }
  }
}

const isSplit = (r: TableLoadReport | SplitStart): r is SplitStart => 'tasks' in r;

/** A key range to load; `abort`: give it up unloaded (the load stopped on an error). */
type RangeTask = (abort?: boolean) => Promise<void>;

/** A table read in key ranges by several workers: the ranges to run, and the table's report once they are all done. */
interface SplitStart {
  readonly tasks: RangeTask[];
  readonly report: Promise<TableLoadReport>;
}

interface SplitInput {
  readonly job: Job;
  readonly target: BulkTarget;
  readonly ddl: TableDdl | undefined;
  readonly ctx: Ctx;
  readonly t0: number;
  readonly geometry: boolean;
}

/**
 * Starts a table split into `want` key ranges: sessions at one shared snapshot (see
 * shared-snapshot.ts), range bounds read in it, the position and layout recorded in
 * DMHS_TABLE_SEQID; each range then commits its own progress (CHUNKS_DONE.ranges[i]).
 * CONTINUE resumes the unfinished ranges of the recorded layout, each at a newer snapshot
 * of its own, keeping POS. Undefined: no shared snapshot could be had, read it with one session.
 */
async function startSplit(s: SplitInput, want: number): Promise<SplitStart | undefined> {
  const { job, target, ctx } = s;
  const p = job.plan;
  const { seq } = ctx;
  const resumed = job.resume?.chunks.ranges;
  let layout: RangeDone[];
  let sessions: (SourceReader | undefined)[];
  let pos: string;
  if (resumed !== undefined) {
    layout = [...resumed];
    sessions = layout.map(() => undefined);
    pos = job.resume!.pos;
  } else {
    const opened = await Promise.all(Array.from({ length: want }, () => ctx.input.source.open({ geometry: s.geometry })));
    const closeAll = (list: readonly SourceReader[]): Promise<unknown> => Promise.all(list.map((x) => x.close()));
    let at: string | undefined;
    let bounds: StoredKey[];
    try {
      at = await ctx.input.source.sharedSnapshot(opened, p.entry, ctx.has('NOLOCK'));
      const first = p.entry.columns.find((c) => c.name === p.key[0]);
      const integerKey = first !== undefined && ctx.input.source.integerColumn(first);
      bounds = at === undefined ? [] : await opened[0]!.rangeBounds(p.entry, p.key, integerKey, p.estimatedRows, want);
    } catch (e) {
      await closeAll(opened);
      throw e;
    }
    if (at === undefined || bounds.length === 0) {
      await closeAll(opened);
      ctx.progress.note(`${p.targetName}: read by one session (${at === undefined ? 'no shared snapshot of its readers could be had' : 'too few rows to split'})`);
      return undefined;
    }
    await closeAll(opened.slice(bounds.length + 1));
    sessions = opened.slice(0, bounds.length + 1);
    layout = [...bounds.map((b) => ({ upTo: b, chunks: 0, rows: 0, done: false })), { chunks: 0, rows: 0, done: false }];
    pos = at;
    await ctx.control.run([seq.setRanges(p.target.schema, p.target.table, pos, { chunks: 0, rows: 0, ranges: layout })]);
  }
  const before = chunkTotals({ chunks: 0, rows: 0, ranges: layout });
  ctx.progress.table(p.targetName, p.estimatedRows, before.rows);
  ctx.progress.note(`${p.targetName}: ${layout.length} key ranges${resumed ? `, ${layout.filter((r) => !r.done).length} to finish` : ''}`);
  const totals = { rows: 0, chunks: 0 };
  const runRange = async (i: number): Promise<void> => {
    const r = layout[i]!;
    const lower = i === 0 ? undefined : layout[i - 1]!.upTo;
    const from = r.last ?? lower;
    const state: CopyState = { done: { chunks: r.chunks, rows: r.rows, ...(from ? { last: from } : {}) }, rows: 0, chunks: 0 };
    const progress = (next: ChunksDone, final: boolean): string =>
      seq.rangeProgress(p.target.schema, p.target.table, i, { ...(r.upTo ? { upTo: r.upTo } : {}), chunks: next.chunks, rows: next.rows, ...(next.last ? { last: next.last } : {}), done: final });
    const session = sessions[i];
    sessions[i] = undefined;
    try {
      await copyWithRetries(p, target, ctx, state, s.geometry, session, async (source) => void (await source.startSnapshot({ nolock: ctx.has('NOLOCK'), fresh: false })), async (source, writer) => {
        await copyChunks(p, target, writer, source, state, ctx, { progress, ...(r.upTo ? { upTo: r.upTo } : {}) });
        await source.endSnapshot();
      });
    } finally {
      totals.rows += state.rows;
      totals.chunks += state.chunks;
    }
  };
  const todo = layout.flatMap((r, i) => (r.done ? [] : [i]));
  const settled: Promise<void>[] = [];
  const tasks = todo.map((i, k): RangeTask => {
    let go!: (run: boolean) => void;
    const started = new Promise<boolean>((r) => (go = r));
    settled.push(started.then((run) => (run ? runRange(i) : Promise.reject(new SynctlError('STATE', `${p.targetName}: key range ${i + 1} not loaded: the load stopped`)))));
    return async (abort = false): Promise<void> => {
      go(!abort);
      await settled[k];
    };
  });
  const report = (async (): Promise<TableLoadReport> => {
    try {
      await Promise.all(settled);
    } finally {
      // ranges never run (the load stopped on an error elsewhere) still hold a session
      await Promise.all(sessions.map((x) => x?.close()));
    }
    const w = await openBulkWriter(ctx.engine, ctx.input.exec, target);
    let idx = 0;
    try {
      await w.run(seq.markDone(p.target.schema, p.target.table));
      idx = ctx.has('INDEX') && s.ddl ? await runDdl(w, s.ddl.indexes, p, 'INDEX', true) : 0;
    } finally {
      await w.close();
    }
    ctx.progress.done(p.targetName, `${totals.rows} rows in ${totals.chunks} chunks, ${layout.length} key ranges${before.chunks > 0 ? ` (${before.chunks} chunks, ${before.rows} rows loaded before)` : ''}`);
    return { source: p.sourceName, target: p.targetName, status: 'loaded', position: pos, rows: totals.rows, chunks: totals.chunks, rowsBefore: before.rows, chunksBefore: before.chunks, indexes: idx, seconds: (Date.now() - s.t0) / 1000 };
  })();
  return { tasks, report };
}

/** TRYTIMES retries a chunk that failed on the way (connection lost, deadlock), not one that cannot succeed. */
function retryable(engine: TargetEngine, e: unknown): boolean {
  const cause = (e as { cause?: unknown }).cause ?? e;
  if (isSynctlError(cause) && cause.code === 'USAGE') return false;
  // duplicate keys, data that does not fit: the same again on a retry
  return targetErrorKind(engine, cause) === 'other';
}

/** DDL through the control connection (autocommit). */
function withControl<T>(control: Control, work: (w: { run(sql: string): Promise<void> }) => Promise<T>): Promise<T> {
  return work({ run: async (sql) => void (await control.run([sql])) });
}

/** A table's copy progress: `done` as committed (CHUNKS_DONE), rows and chunks committed by this run. */
interface CopyState {
  done: ChunksDone;
  rows: number;
  chunks: number;
}

/**
 * Reads the table in key order from `done.last` in ROWS-row keyset queries and writes it in
 * target transactions of GROUP rows (default: one per query), each committed with its
 * CHUNKS_DONE (chunks = commits, the last key read); the last one sets 'done'.
 */
async function copyChunks(
  p: TablePlan,
  target: BulkTarget,
  writer: ChunkWriter,
  source: SourceReader,
  state: CopyState,
  ctx: Ctx,
  opts: { progress: (next: ChunksDone, final: boolean) => string; upTo?: StoredKey },
): Promise<void> {
  const masks = ctx.input.masks;
  const chunkRows = masks.rows ?? DEFAULT_CHUNK_ROWS;
  const group = masks.group;
  const width = p.entry.columns.length;
  const filter = rowFilterFor(ctx.input.cpt, ctx.input.exec, p.source);
  if (filter && state.done.chunks === 0) ctx.progress.note(`${p.targetName}: only rows passing the send's filter ${filter.text}`);
  // read: the written columns, then any key column not among them (needed to resume); every column under a row condition
  const read = filter ? p.entry.columns.map((_, i) => i) : [...target.columns];
  for (const k of p.key) {
    const i = p.entry.columns.findIndex((c) => c.name === k);
    if (!read.includes(i)) read.push(i);
  }
  const names = read.map((i) => p.entry.columns[i]!.name);
  const computed = ctx.computed.get(p);
  const src = ctx.input.source;
  const select = read.map((i) => computed?.get(i) ?? src.quoteIdent(p.entry.columns[i]!.name));
  const conv = read.map((i) => src.converterFor(p.entry.columns[i]!));
  const keyAt = p.key.map((k) => names.indexOf(k));

  let after = state.done.last; // key of the last row read (ahead of done.last inside an open transaction)
  let open = false;
  let written = 0; // rows written in the open transaction
  let last: RawValue[] | undefined;
  const keyOf = (): { last?: StoredKey } => (last !== undefined && keyAt.length > 0 ? { last: storeKey(keyAt.map((j) => last![j]!)) } : after ? { last: after } : {});
  const commit = async (final: boolean): Promise<void> => {
    if (!open) await writer.begin();
    const next: ChunksDone = { chunks: state.done.chunks + 1, rows: state.done.rows + written, ...keyOf() };
    await writer.commit(opts.progress(next, final));
    open = false;
    ctx.progress.rows(p.targetName, written & 1023);
    state.done = next;
    state.rows += written;
    state.chunks++;
    written = 0;
  };
  try {
    for (;;) {
      const q = src.chunkQuery(p.entry, select, p.key, after, chunkRows, masks.where, opts.upTo);
      if (!open) {
        await writer.begin();
        open = true;
      }
      let n = 0; // rows read by this query (a short one is the last)
      const onRow = (raw: RawValue[]): Promise<void> | undefined => {
        const row: Value[] = new Array<Value>(width).fill(null);
        for (let j = 0; j < read.length; j++) row[read[j]!] = conv[j]!(raw[j]!);
        n++;
        last = raw;
        let wait: Promise<void> | undefined;
        if (!filter || filter.pass(row)) {
          written++;
          if ((written & 1023) === 0) ctx.progress.rows(p.targetName, 1024);
          wait = writer.write(row);
        }
        if (group === undefined || written < group) return wait;
        return (wait ?? Promise.resolve()).then(() => commit(false)).then(async () => {
          await writer.begin();
          open = true;
        });
      };
      await source.pump(q, onRow);
      after = keyOf().last;
      const final = p.key.length === 0 || n < chunkRows;
      if (final || group === undefined) await commit(final);
      if (final) return;
    }
  } catch (e) {
    if (open) await writer.rollback();
    if (isSynctlError(e)) throw new SynctlError('STATE', `${p.sourceName} -> ${p.targetName}: chunk ${state.done.chunks + 1}: ${e.message}`, { table: p.sourceName }, { cause: e });
    const err = e as { code?: string; errno?: number; message?: string };
    const dup = targetErrorKind(ctx.engine, e) === 'duplicate';
    throw new SynctlError(
      'STATE',
      `${p.sourceName} -> ${p.targetName}: chunk ${state.done.chunks + 1} (after key ${JSON.stringify(state.done.last ?? null)}): ${err.message ?? String(e)}${dup ? ' (the target has these rows already: TRUNCATE|INSERT starts over, REPLACE overwrites them, CONTINUE resumes a load)' : ''}`,
      { table: p.sourceName },
      { cause: e },
    );
  }
}
