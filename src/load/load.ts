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
 * CONTINUE resumes each 'loading' table after the key of its last committed chunk, keeping
 * its first POS. Chunks loaded in the resumed run come from a newer snapshot; exec replays
 * the table's changes after POS over them, which converges (source wins: a duplicate insert
 * overwrites, an update of a missing row inserts it, a delete of a missing row is a no-op)
 * with full row images.
 */
import type { Connection } from 'mysql2/promise';
import type { CptConfig, ExecConfig } from '../config/types';
import type { CopyMasks } from '../dict/copy-masks';
import type { DictionaryEntry } from '../dict/entry';
import { readBinlogPosition } from '../dict/mysql-introspect';
import { openApplyTarget } from '../dialect/apply-target';
import { bindTable, type BoundTable } from '../dialect/bound-table';
import { isSynctlError, SynctlError } from '../errors';
import type { ApplyTarget } from '../exec/target';
import type { Value } from '../model/value';
import { formatPosition } from '../model/position';
import type { Condition } from '../dict/condition';
import type { BulkTarget, ChunkWriter } from './chunk-writer';
import { planTables, type TablePlan } from './plan';
import { backupRefusal, countRowsSql, createTargetSchema, dumpAndRestore } from './backup';
import { LoadProgress } from './progress';
import { rowFilterFor } from './row-filter';
import { parseSeqidRow, type ChunksDone, type SeqidSql, type TargetEngine } from './seqid';
import { openBulkWriter, seqidSql, targetEngine } from './target-engine';
import { chunkQuery, endSnapshot, openSource, startSnapshot, storeKey, pumpRows } from './source-snapshot';
import { converterFor, type RawValue } from './source-values';
import { tableDdl, type TableDdl } from './target-ddl';

export const DEFAULT_CHUNK_ROWS = 50_000;
export const DEFAULT_THREADS = 4;

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
  /** a source session outside any transaction (catalog, SHOW CREATE TABLE) */
  readonly sourceConn: Connection;
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
  const insert = has('INSERT');
  const { tables, skipped } = await planTables(input.sourceConn, input.condition, input.entries, cpt, exec);
  if (has('BACKUP')) {
    // refused before anything is written to the target
    const why =
      backupRefusal(tables, exec) ??
      tables.map((p) => (rowFilterFor(cpt, exec, p.source) ? `${p.sourceName}: the send's row conditions apply to it: BACKUP copies whole tables (use CREATE|INSERT)` : undefined)).find((x) => x !== undefined) ??
      (masks.masks.some((m) => !['BACKUP', 'DICT', 'NOLOCK', 'LSN'].includes(m)) ? 'BACKUP loads whole tables through the dump (its own DROP/CREATE): give it with DICT, NOLOCK or LSN only' : undefined);
    if (why !== undefined) throw new SynctlError('USAGE', why);
  }
  const control = serialized(await openApplyTarget(exec));
  const seq = seqidSql(engine, exec.sysSchema);
  const progress = input.progress ?? new LoadProgress();
  try {
    await control.run([...control.system.create(), seq.gate()]);
    const jobs: Job[] = [];
    for (const p of tables) {
      const rows = await control.query(seq.read(p.target.schema, p.target.table));
      const row = rows[0] ? parseSeqidRow(rows[0], `${exec.sysSchema}.DMHS_TABLE_SEQID ${p.targetName}`) : undefined;
      if (has('CONTINUE') && row?.status === 'done') jobs.push({ plan: p, doneBefore: true });
      else if (has('CONTINUE') && row?.status === 'loading') jobs.push({ plan: p, doneBefore: false, resume: { pos: row.pos, chunks: row.chunks } });
      else {
        if (insert && row?.status === 'loading' && !has('TRUNCATE') && !has('DROP')) {
          throw fail(p, 'an earlier load stopped half-way (DMHS_TABLE_SEQID STATUS loading): give CONTINUE to resume it, or TRUNCATE|INSERT to start over');
        }
        jobs.push({ plan: p, doneBefore: false });
      }
    }
    if (has('BACKUP')) {
      await announce(control, seq, jobs, input.sourceConn);
      return { tables: await runBackup(input, control, seq, tables, progress), skipped, seconds: (Date.now() - t0) / 1000 };
    }
    if (insert) await announce(control, seq, jobs, input.sourceConn);

    const reports: TableLoadReport[] = [];
    let firstError: unknown;
    const queue = [...jobs];
    const threads = Math.max(1, Math.min(masks.thread ?? DEFAULT_THREADS, queue.length));
    await progress.start();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (firstError !== undefined) return;
        const job = queue.shift();
        if (job === undefined) return;
        try {
          reports.push(await loadTable(job, { input, engine, control, seq, progress, insert, has }));
        } catch (e) {
          firstError ??= e;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: threads }, worker));
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
async function runBackup(input: LoadInput, control: Control, seq: SeqidSql, tables: readonly TablePlan[], progress: LoadProgress): Promise<TableLoadReport[]> {
  const out: TableLoadReport[] = [];
  const schemas = [...new Set(tables.map((p) => p.entry.schema))];
  for (const schema of schemas) {
    const group = tables.filter((p) => p.entry.schema === schema);
    const target = group[0]!.target.schema;
    progress.note(`BACKUP ${schema} -> ${target}: mariadb-dump | mariadb (${group.length} table${group.length === 1 ? '' : 's'})`);
    await control.run([createTargetSchema(target)]);
    const r = await dumpAndRestore(input.cpt, input.exec, schema, group.map((p) => p.entry.table), target);
    for (const p of group) {
      const rows = Number((await control.query(countRowsSql(p.target.schema, p.target.table)))[0]?.n ?? 0);
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
async function announce(control: Control, seq: SeqidSql, jobs: readonly Job[], source: Connection): Promise<void> {
  const fresh = jobs.filter((j) => !j.doneBefore && j.resume === undefined);
  if (fresh.length === 0) return;
  const flavor = /mariadb/i.test(String(((await source.query('SELECT VERSION() AS v'))[0] as { v: string }[])[0]?.v)) ? 'mariadb' : 'mysql';
  const placeholder = formatPosition(await readBinlogPosition(source, flavor));
  const rows = fresh.map((j) => seq.loading(j.plan.target.schema, j.plan.target.table, placeholder, { chunks: 0, rows: 0 }));
  await control.transaction([seq.lockGate(), ...rows]);
}

interface Ctx {
  readonly input: LoadInput;
  readonly engine: TargetEngine;
  readonly control: Control;
  readonly seq: SeqidSql;
  readonly progress: LoadProgress;
  readonly insert: boolean;
  readonly has: (m: string) => boolean;
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
  return { bound, columns };
}

async function openWriter(ctx: Ctx, t: BulkTarget): Promise<ChunkWriter> {
  return openBulkWriter(ctx.engine, ctx.input.exec, t);
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

async function loadTable(job: Job, ctx: Ctx): Promise<TableLoadReport> {
  const t0 = Date.now();
  const p = job.plan;
  const { control, seq, engine } = ctx;
  const needDdl = ctx.has('CREATE') || ctx.has('INDEX');
  const ddl: TableDdl | undefined = needDdl ? await tableDdl(engine, p, ctx.input.sourceConn) : undefined;
  const base = { source: p.sourceName, target: p.targetName };

  if (job.doneBefore) {
    const idx = ctx.has('INDEX') && ddl ? await withControl(control, (w) => runDdl(w, ddl.indexes, p, 'INDEX', true)) : 0;
    const rows = await control.query(seq.read(p.target.schema, p.target.table));
    const r = parseSeqidRow(rows[0]!, p.targetName);
    ctx.progress.done(p.targetName, 'finished in an earlier run');
    return { ...base, status: 'done-before', position: r.pos, rows: 0, chunks: 0, rowsBefore: r.chunks.rows, chunksBefore: r.chunks.chunks, indexes: idx, seconds: 0 };
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
  if (!ctx.insert) {
    const idx = ctx.has('INDEX') && ddl ? await withControl(control, (w) => runDdl(w, ddl.indexes, p, 'INDEX', true)) : 0;
    ctx.progress.done(p.targetName, 'structure only');
    return { ...base, status: 'structure', position: '', rows: 0, chunks: 0, rowsBefore: 0, chunksBefore: 0, indexes: idx, seconds: (Date.now() - t0) / 1000 };
  }

  const target = bind(p, ctx, existing);
  const writer = await openWriter(ctx, target);
  const geometry = p.entry.columns.some((c) => /geometry|point|linestring|polygon|geomcollection|geometrycollection/.test(c.dataType));
  const source = await openSource(ctx.input.cpt, { geometry });
  try {
    const snap = formatPosition(await startSnapshot(source, ctx.has('NOLOCK')));
    const pos = job.resume?.pos ?? snap;
    if (job.resume === undefined) await writer.run(seq.setPosition(p.target.schema, p.target.table, pos));
    const before = job.resume?.chunks ?? { chunks: 0, rows: 0 };
    const out = await copyChunks(p, target, writer, source, before, ctx);
    await endSnapshot(source);
    const idx = ctx.has('INDEX') && ddl ? await runDdl(writer, ddl.indexes, p, 'INDEX', true) : 0;
    ctx.progress.done(p.targetName, `${out.rows} rows in ${out.chunks} chunks${before.chunks > 0 ? ` (${before.chunks} chunks, ${before.rows} rows loaded before)` : ''}`);
    return { ...base, status: 'loaded', position: pos, rows: out.rows, chunks: out.chunks, rowsBefore: before.rows, chunksBefore: before.chunks, indexes: idx, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await source.conn.end().catch(() => undefined);
    await writer.close();
  }
}

/** DDL through the control connection (autocommit). */
function withControl<T>(control: Control, work: (w: { run(sql: string): Promise<void> }) => Promise<T>): Promise<T> {
  return work({ run: async (sql) => void (await control.run([sql])) });
}

async function copyChunks(
  p: TablePlan,
  target: BulkTarget,
  writer: ChunkWriter,
  source: Awaited<ReturnType<typeof openSource>>,
  before: ChunksDone,
  ctx: Ctx,
): Promise<{ rows: number; chunks: number }> {
  const masks = ctx.input.masks;
  const chunkRows = masks.rows ?? DEFAULT_CHUNK_ROWS;
  const width = p.entry.columns.length;
  const filter = rowFilterFor(ctx.input.cpt, ctx.input.exec, p.source);
  if (filter) ctx.progress.note(`${p.targetName}: only rows passing the send's filter ${filter.text}`);
  // read: the written columns, then any key column not among them (needed to resume); every column under a row condition
  const read = filter ? p.entry.columns.map((_, i) => i) : [...target.columns];
  for (const k of p.key) {
    const i = p.entry.columns.findIndex((c) => c.name === k);
    if (!read.includes(i)) read.push(i);
  }
  const names = read.map((i) => p.entry.columns[i]!.name);
  const conv = read.map((i) => converterFor(p.entry.columns[i]!));
  const keyAt = p.key.map((k) => names.indexOf(k));
  ctx.progress.table(p.targetName, p.estimatedRows, before.rows);
  let done = before;
  let rows = 0;
  let chunks = 0;
  for (;;) {
    const q = chunkQuery(p.entry, names, p.key, done.last, chunkRows, masks.where);
    await writer.begin();
    let n = 0; // rows read (a short chunk is the last one)
    let w = 0; // rows written
    let last: RawValue[] | undefined;
    try {
      const onRow = (raw: RawValue[]): Promise<void> | undefined => {
        const row: Value[] = new Array<Value>(width).fill(null);
        for (let j = 0; j < read.length; j++) row[read[j]!] = conv[j]!(raw[j]!);
        n++;
        last = raw;
        if (filter && !filter.pass(row)) return undefined;
        w++;
        if ((w & 1023) === 0) ctx.progress.rows(p.targetName, 1024);
        return writer.write(row);
      };
      await pumpRows(source, q, onRow);
      const final = p.key.length === 0 || n < chunkRows;
      const next: ChunksDone = { chunks: done.chunks + 1, rows: done.rows + w, ...(last !== undefined && keyAt.length > 0 ? { last: storeKey(keyAt.map((j) => last![j]!)) } : done.last ? { last: done.last } : {}) };
      await writer.commit(ctx.seq.progress(p.target.schema, p.target.table, next, final));
      ctx.progress.rows(p.targetName, w & 1023);
      done = next;
      rows += w;
      chunks++;
      if (final) return { rows, chunks };
    } catch (e) {
      await writer.rollback();
      if (isSynctlError(e)) throw fail(p, `chunk ${done.chunks + 1}: ${e.message}`);
      const err = e as { code?: string; errno?: number; message?: string };
      const dup = err.code === '23505' || err.errno === 1062;
      throw fail(
        p,
        `chunk ${done.chunks + 1} (after key ${JSON.stringify(done.last ?? null)}): ${err.message ?? String(e)}${dup ? ' (the target has these rows already: TRUNCATE|INSERT starts over, CONTINUE resumes a load)' : ''}`,
      );
    }
  }
}
