/**
 * What the load reads a source through, one implementation per source engine:
 * MySQL/MariaDB (mysql-load-source.ts: a snapshot per table, binlog positions) and
 * PostgreSQL (src/dialect/postgres/pg-source.ts: one exported replication-slot snapshot
 * shared by every reader, LSN positions). load.ts, plan.ts and the DDL code ask only this.
 */
import type { Readable } from 'node:stream';
import type { ExecConfig } from '../config/types';
import type { Condition } from '../dict/condition';
import type { DictColumn } from '../dict/entry';
import type { VColumn } from '../verify/types';
import type { BackupResult } from './backup';
import type { SourceIndex, TablePlan } from './plan';
import type { TargetEngine } from './seqid';
import type { Converter, RawValue } from './source-values';
import type { TableDdl } from './target-ddl';

/** A key value as kept in CHUNKS_DONE (JSON): numbers and strings as they are, bytes as hex. */
export type StoredKey = ({ n: number } | { s: string } | { x: string })[];

export interface ChunkQuery {
  readonly sql: string;
  readonly params: (number | string | Buffer)[];
}

/** One source session reading rows. */
export interface SourceReader {
  readonly label: string;
  /**
   * Starts the session's consistent snapshot; the position (formatPosition text) it is
   * consistent at. `fresh`: the table has no POS yet (a first read, not a resume).
   */
  startSnapshot(opts: { nolock: boolean; fresh: boolean }): Promise<string>;
  endSnapshot(): Promise<void>;
  /** keys cutting the table into `n` ranges, read in the session's snapshot */
  rangeBounds(t: { schema: string; table: string }, key: readonly string[], integerKey: boolean, estimate: number, n: number): Promise<StoredKey[]>;
  /** streams the rows of a query (arrays in select order) into onRow, pausing while its promise runs */
  pump(q: ChunkQuery, onRow: (row: RawValue[]) => Promise<void> | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface LoadSource {
  /** 'MARIADB source 127.0.0.1:3306' */
  readonly label: string;
  /** the source's current position (the placeholder POS of tables announced 'loading') */
  currentPosition(): Promise<string>;
  indexes(cond: Condition): Promise<Map<string, SourceIndex[]>>;
  estimates(cond: Condition): Promise<Map<string, number>>;
  columnKind(c: DictColumn): VColumn['kind'];
  /** the column's values are integers (key ranges cut arithmetically) */
  integerColumn(c: DictColumn): boolean;
  quoteIdent(name: string): string;
  converterFor(c: DictColumn): Converter;
  /**
   * Called once, after the tables are announced 'loading' and before any is read:
   * `fresh` are the tables that will be read from a new snapshot (no POS of an earlier run).
   */
  prepare(fresh: readonly TablePlan[]): Promise<void>;
  open(opts: { geometry: boolean }): Promise<SourceReader>;
  /** starts every reader's snapshot at one position; undefined when that cannot be had (read with one session) */
  sharedSnapshot(readers: readonly SourceReader[], table: { schema: string; table: string }, nolock: boolean): Promise<string | undefined>;
  chunkQuery(t: { schema: string; table: string }, select: readonly string[], key: readonly string[], after: StoredKey | undefined, limit: number, where: string | undefined, upTo?: StoredKey): ChunkQuery;
  tableDdl(engine: TargetEngine, p: TablePlan, exec: ExecConfig): Promise<TableDdl>;
  /** why BACKUP cannot load these tables into exec's target, or undefined */
  backupRefusal(tables: readonly TablePlan[], exec: ExecConfig): string | undefined;
  /** the engine's dump tool name(s) for progress lines */
  readonly backupTools: string;
  /** dumps `tables` (all of one source schema) into `targetSchema`; the position the dump is consistent at */
  backup(exec: ExecConfig, schema: string, tables: readonly string[], targetSchema: string): Promise<BackupResult>;
  close(): Promise<void>;
}

export function storeKey(values: readonly RawValue[]): StoredKey {
  return values.map((v) => (typeof v === 'number' ? { n: v } : Buffer.isBuffer(v) ? { x: v.toString('hex') } : { s: String(v) }));
}

export function keyParams(k: StoredKey): (number | string | Buffer)[] {
  return k.map((p) => ('n' in p ? p.n : 's' in p ? p.s : Buffer.from(p.x, 'hex')));
}

/**
 * The WHERE conditions of a chunk: the user's WHERE, key > `after` and NOT key > `upTo`,
 * the row comparison spelled out ((k1 = a AND k2 > b) OR k1 > a), which every optimiser
 * reads as a range; `param(value)` gives a value's placeholder or literal.
 */
export function chunkConditions(key: readonly string[], q: (name: string) => string, param: (v: number | string | Buffer) => string, after: StoredKey | undefined, where: string | undefined, upTo?: StoredKey): string[] {
  const conds: string[] = [];
  if (where !== undefined) conds.push(`(${where})`);
  const greater = (k: StoredKey): string => {
    const vals = keyParams(k);
    const ors: string[] = [];
    for (let i = 0; i < key.length; i++) {
      const eqs = key.slice(0, i).map((c, j) => `${q(c)} = ${param(vals[j]!)}`);
      ors.push('(' + [...eqs, `${q(key[i]!)} > ${param(vals[i]!)}`].join(' AND ') + ')');
    }
    return `(${ors.join(' OR ')})`;
  };
  if (key.length > 0 && after !== undefined) conds.push(greater(after));
  if (key.length > 0 && upTo !== undefined) conds.push(`NOT ${greater(upTo)}`);
  return conds;
}

/**
 * Streams the rows of an object-mode stream into `onRow`, in order. When onRow returns a
 * promise the stream pauses until it settles (backpressure: the source waits while the
 * target does). Resolves when the rows end; rejects with the first error of the stream or
 * of onRow. `watch` may fail the pump from outside (a lost connection) and returns its undo.
 */
export function pumpStream<R>(stream: Readable, onRow: (row: R) => Promise<void> | undefined, watch?: (fail: (e: unknown) => void) => () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      unwatch();
      stream.destroy();
      reject(e);
    };
    const unwatch = watch?.(fail) ?? ((): void => undefined);
    stream.on('data', (row: R) => {
      if (failed) return;
      let wait: Promise<void> | undefined;
      try {
        wait = onRow(row);
      } catch (e) {
        fail(e);
        return;
      }
      if (wait) {
        stream.pause();
        wait.then(() => failed || stream.resume(), fail);
      }
    });
    stream.on('error', fail);
    stream.on('end', () => {
      if (failed) return;
      unwatch();
      resolve();
    });
  });
}
