/**
 * synctl verify: every source table a condition selects, compared with the table the send's
 * map replicates it to (see map.ts), at one consistent snapshot per side; optionally repaired
 * and then verified again at fresh snapshots.
 */
import type { CptConfig, ExecConfig } from '../config/types';
import { conditionFields, parseCondition, type Condition } from '../dict/condition';
import { SynctlError } from '../errors';
import { readTables, targetCondition } from './catalog';
import { createMissingTable } from './create-table';
import { compareTable, type CompareStats, type DiffSink } from './compare';
import { tableMapper, type TargetName } from './map';
import { planPair, type PairPlan } from './plan';
import { Repairer } from './repair';
import { rowScope } from './row-filter';
import { openSide, type Side, type TextRow } from './side';
import type { DiffKey, TableReport, VTable, VerifyReport } from './types';

export interface VerifyOptions {
  readonly cpt: CptConfig;
  readonly exec: ExecConfig;
  readonly condition: Condition;
  /** rows per chunk (default 10,000) */
  readonly chunk?: number;
  /** keep each differing key in the report (at most maxKeys per table) */
  readonly rows?: boolean;
  readonly maxKeys?: number;
  readonly repair?: boolean;
  /** changes per repair transaction (default 1,000) */
  readonly repairBatch?: number;
  /** progress text (a TTY shows it) */
  readonly progress?: (line: string) => void;
}

const DEFAULT_CHUNK = 10_000;

const name = (schema: string, table: string): string => `${schema}.${table}`;

interface Work {
  readonly source: VTable;
  readonly names: TargetName;
  target: VTable | undefined;
  /** --repair created the target table (create-table.ts); else why it could not */
  created?: true;
  notCreated?: string;
}

/** --repair: creates what it can of the missing target tables, before the snapshots start. */
async function createMissing(src: Side, dst: Side, opts: VerifyOptions, work: Work[]): Promise<void> {
  for (const w of work) {
    if (w.target !== undefined) continue;
    const why = await createMissingTable(src, dst, w.source, w.names, { sourceType: opts.cpt.db.dbType, typeMap: opts.exec.typeMap });
    if (why !== undefined) {
      w.notCreated = why;
      continue;
    }
    const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;
    const made = await readTables(dst, opts.exec.db.dbType, parseCondition(`SCH.NAME = ${quote(w.names.schema)} AND TAB.NAME = ${quote(w.names.table)}`));
    w.target = made[0];
    if (w.target !== undefined) w.created = true;
  }
}

export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  const t0 = Date.now();
  const chunk = opts.chunk ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 1) throw new SynctlError('USAGE', `--chunk must be a positive integer, got ${chunk}`);
  const ci = !opts.exec.caseSensitive;
  const mapper = tableMapper(opts.cpt, opts.exec);
  const src = await openSide('source', opts.cpt.db);
  let dst: Side | undefined;
  try {
    dst = await openSide('target', opts.exec.db);
    const sources = await readTables(src, opts.cpt.db.dbType, opts.condition);
    const skipped: TableReport[] = [];
    const work: Work[] = [];
    const replicated = sources.filter((t) => {
      if (mapper.allowed(t.schema, t.table)) return true;
      skipped.push(emptyReport(name(t.schema, t.table), '', 'skipped', "the send's filter does not replicate it"));
      return false;
    });
    const named = replicated.map((s) => ({ source: s, names: mapper.target(s) }));
    const targets = await readTables(dst, opts.exec.db.dbType, targetCondition(named.map((n) => n.names.schema), ci));
    const find = (schema: string, table: string): VTable | undefined =>
      targets.find((t) => t.schema === schema && t.table === table) ??
      (ci ? targets.find((t) => t.schema.toUpperCase() === schema.toUpperCase() && t.table.toUpperCase() === table.toUpperCase()) : undefined);
    for (const n of named) work.push({ ...n, target: find(n.names.schema, n.names.table) });
    if (opts.repair === true) await createMissing(src, dst, opts, work);
    // a table only the target has: reported when the condition picks whole schemas (with a
    // TAB.NAME condition the target's other tables are simply out of scope)
    if (!conditionFields(opts.condition.ast).has('TAB')) {
      const reached = new Set(work.flatMap((w) => (w.target === undefined ? [] : [name(w.target.schema, w.target.table)])));
      const schemas = new Set(named.map((n) => (ci ? n.names.schema.toUpperCase() : n.names.schema)));
      for (const t of targets) {
        if (!schemas.has(ci ? t.schema.toUpperCase() : t.schema) || reached.has(name(t.schema, t.table))) continue;
        skipped.push(emptyReport('', name(t.schema, t.table), 'missing-source', 'no source table is replicated to it'));
      }
    }

    const reports = await runAll(src, dst, work, opts, chunk, opts.repair === true);
    let final = reports;
    if (opts.repair === true && reports.some((r) => r.repair !== undefined)) {
      // re-verify the repaired tables at fresh snapshots
      const again = await runAll(src, dst, work.filter((_w, i) => reports[i]!.repair !== undefined), { ...opts, rows: false }, chunk, false);
      let k = 0;
      final = reports.map((r) => {
        if (r.repair === undefined) return r;
        const a = again[k++]!;
        return { ...r, repair: { ...r.repair, equalAfter: isEqual(a) } };
      });
    }
    const tables = [...final, ...skipped];
    const equal = tables.every((r) => r.status === 'skipped' || (r.repair !== undefined ? r.repair.equalAfter : isEqual(r)));
    return {
      condition: opts.condition.text,
      sourceType: opts.cpt.db.dbType,
      targetType: opts.exec.db.dbType,
      equal,
      tables,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await src.close();
    await dst?.close();
  }
}

function isEqual(r: TableReport): boolean {
  return r.status === 'compared' && r.missingOnTarget === 0 && r.extraOnTarget === 0 && r.differing === 0;
}

function emptyReport(source: string, target: string, status: TableReport['status'], reason?: string): TableReport {
  return {
    source,
    target,
    status,
    ...(reason !== undefined ? { reason } : {}),
    rowsCompared: 0,
    missingOnTarget: 0,
    extraOnTarget: 0,
    differing: 0,
    differingColumns: [],
    chunks: 0,
    chunksDescended: 0,
    rowsRead: 0,
    seconds: 0,
  };
}

async function runAll(src: Side, dst: Side, work: readonly Work[], opts: VerifyOptions, chunk: number, repair: boolean): Promise<TableReport[]> {
  await Promise.all([src.beginSnapshot(), dst.beginSnapshot()]);
  try {
    const out: TableReport[] = [];
    for (const w of work) out.push(await runOne(src, dst, w, opts, chunk, repair));
    return out;
  } finally {
    await Promise.all([src.endSnapshot().catch(() => undefined), dst.endSnapshot().catch(() => undefined)]);
  }
}

async function runOne(src: Side, dst: Side, w: Work, opts: VerifyOptions, chunk: number, repair: boolean): Promise<TableReport> {
  const sName = name(w.source.schema, w.source.table);
  const tName = name(w.names.schema, w.names.table);
  if (w.target === undefined) return emptyReport(sName, tName, 'missing-target', `no such table on the target${w.notCreated !== undefined ? `; ${w.notCreated}` : ''}`);
  const paired: PairPlan | string = planPair(w.source, w.target, w.names, { src, dst }, !opts.exec.caseSensitive, opts.exec.zeroDate);
  if (typeof paired === 'string') return emptyReport(sName, tName, 'error', paired);
  // only the rows the send replicates: SQL pushdown keeps chunk hashing, JS means row by row
  const scope = rowScope(paired, opts.cpt, opts.exec);
  if (typeof scope === 'string') return emptyReport(sName, tName, 'error', scope);
  const plan: PairPlan = scope === undefined ? paired : { ...paired, scope, dbHash: paired.dbHash && scope.kind === 'sql' };
  const t0 = Date.now();
  const maxKeys = opts.maxKeys ?? 100_000;
  const keys: DiffKey[] = [];
  const diffCols = new Set<string>();
  const keyOf = (r: TextRow): (string | null)[] => (plan.keyIdx.length === 0 ? [...r] : plan.keyIdx.map((i) => r[i]!));
  let truncated = false;
  const note = (k: DiffKey): void => {
    if (opts.rows !== true) return;
    if (keys.length < maxKeys) keys.push(k);
    else truncated = true;
  };
  const record: DiffSink = {
    missing: async (r) => note({ kind: 'missing', key: keyOf(r) }),
    extra: async (r) => note({ kind: 'extra', key: keyOf(r) }),
    differ: async (s, _t, cols) => {
      const names = cols.map((i) => plan.names[i]!);
      for (const n of names) diffCols.add(n);
      note({ kind: 'differ', key: keyOf(s), columns: names });
    },
  };
  const repairer = repair ? new Repairer(plan, opts.repairBatch ?? 1000) : undefined;
  const progress = opts.progress;
  const stats: CompareStats = await compareTable(
    plan,
    {
      chunk,
      ...(progress !== undefined
        ? { progress: (s: CompareStats) => progress(`${sName}: ${s.chunks} chunks, ${s.rowsCompared} rows, ${s.missing + s.extra + s.differing} differences`) }
        : {}),
    },
    repairer?.sink(record) ?? record,
  );
  await repairer?.flush();
  const diffs = stats.missing + stats.extra + stats.differing;
  return {
    source: sName,
    target: tName,
    status: 'compared',
    ...(plan.keyIdx.length === 0 ? { reason: 'no primary key: every row read and ordered by all columns (slower)' } : {}),
    method: stats.method,
    ...(w.created === true ? { createdOnTarget: true as const } : {}),
    ...(scope !== undefined ? { rowFilter: `${scope.text}${scope.kind === 'js' ? ' (evaluated per row)' : ''}` } : {}),
    rowsCompared: stats.rowsCompared,
    missingOnTarget: stats.missing,
    extraOnTarget: stats.extra,
    differing: stats.differing,
    differingColumns: [...diffCols],
    chunks: stats.chunks,
    chunksDescended: stats.chunksDescended,
    rowsRead: stats.rowsRead,
    seconds: (Date.now() - t0) / 1000,
    ...(opts.rows === true ? { keys, ...(truncated ? { keysTruncated: true } : {}) } : {}),
    ...(repairer !== undefined && diffs > 0 ? { repair: { ...repairer.counts, equalAfter: false } } : {}),
  };
}
