/**
 * The PostgreSQL LoadSource: COPY from a PostgreSQL cpt source.
 *
 * Snapshot: prepare() adds the fresh tables to the publication and creates the slot with
 * an exported snapshot (pg-slot.ts); every reader session of the run (THREAD readers,
 * key ranges, TRYTIMES retries) imports that one snapshot, so every table of the run is
 * consistent at the slot's consistent_point, its POS. A resumed table (CONTINUE) in a
 * run without fresh tables reads at a new REPEATABLE READ snapshot, keeping its POS.
 *
 * Reading: each chunk is COPY (SELECT ... ORDER BY key LIMIT n) TO STDOUT in text format,
 * streamed and decoded (pg-source-values.ts); COPY takes no bind parameters, so key
 * values are inlined as quoted literals (the column's type reads them back exactly).
 */
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CptConfig, ExecConfig } from '../../config/types';
import type { Condition } from '../../dict/condition';
import type { DictColumn } from '../../dict/entry';
import { readPgEstimates, readPgIndexes } from '../../dict/pg-introspect';
import { SynctlError } from '../../errors';
import { chunkConditions, pumpStream, type ChunkQuery, type LoadSource, type SourceReader, type StoredKey } from '../../load/load-source';
import { pgDumpRestore, pgBackupRefusal } from '../../load/pg-backup';
import type { TablePlan } from '../../load/plan';
import type { RawValue } from '../../load/source-values';
import { pgTableDdl } from '../../load/target-ddl';
import { formatPosition, pgPosition } from '../../model/position';
import { pgQuote } from './pg-literal';
import { checkSlotPrerequisites, connectPg, createSlotSnapshot, ensurePublication, pgSourceLabel, setSnapshotSql, type ExportedSnapshot } from './pg-slot';
import { CopyTextRows, PG_SOURCE_SESSION, pgConverterFor } from './pg-source-values';
import { pgColumnKind, pgQuoteIdent } from './postgres-normalize';

/** every value as its text (keys are stored and compared as PostgreSQL's text) */
const TEXT_TYPES = { getTypeParser: () => (v: string) => v };

const INTEGER = new Set(['int2', 'int4', 'int8']);

function literal(v: number | string | Buffer): string {
  if (typeof v === 'number') return String(v);
  if (Buffer.isBuffer(v)) return `'\\x${v.toString('hex')}'`;
  return pgQuote(v);
}

class PgReader implements SourceReader {
  constructor(
    readonly client: Client,
    readonly label: string,
    private readonly source: PgLoadSource,
  ) {}

  async startSnapshot(opts: { fresh: boolean }): Promise<string> {
    const snap = this.source.snapshot;
    if (snap === undefined && opts.fresh) throw new SynctlError('INTERNAL', `${this.label}: a fresh table is read without the slot's snapshot`);
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (snap !== undefined) {
      await this.client.query(setSnapshotSql(snap));
      return formatPosition(pgPosition(snap.lsn));
    }
    return this.source.currentPosition();
  }

  async endSnapshot(): Promise<void> {
    await this.client.query('COMMIT').catch(() => undefined);
  }

  async rangeBounds(t: { schema: string; table: string }, key: readonly string[], integerKey: boolean, estimate: number, n: number): Promise<StoredKey[]> {
    const cols = key.map(pgQuoteIdent).join(', ');
    const from = `${pgQuoteIdent(t.schema)}.${pgQuoteIdent(t.table)}`;
    const out: StoredKey[] = [];
    if (integerKey && key.length === 1) {
      const r = await this.client.query<{ lo: string | null; hi: string | null }>(`SELECT MIN(${cols})::text AS lo, MAX(${cols})::text AS hi FROM ${from}`);
      const { lo, hi } = r.rows[0] ?? { lo: null, hi: null };
      if (lo === null || hi === null) return out;
      const a = BigInt(lo);
      const span = BigInt(hi) - a;
      for (let i = 1; i < n; i++) {
        const b = String(a + (span * BigInt(i)) / BigInt(n));
        if (out.length === 0 || (out[out.length - 1]![0] as { s: string }).s !== b) out.push([{ s: b }]);
      }
      return out;
    }
    for (let i = 1; i < n; i++) {
      const r = await this.client.query({ text: `SELECT ${cols} FROM ${from} ORDER BY ${cols} LIMIT 1 OFFSET ${Math.floor((estimate * i) / n)}`, rowMode: 'array', types: TEXT_TYPES });
      const row = r.rows[0] as (string | null)[] | undefined;
      if (row === undefined) break;
      out.push(row.map((v) => ({ s: String(v) })));
    }
    return out;
  }

  pump(q: ChunkQuery, onRow: (row: RawValue[]) => Promise<void> | undefined): Promise<void> {
    const copy = this.client.query(copyTo(`COPY (${q.sql}) TO STDOUT`));
    const rows = new CopyTextRows();
    // pipe() does not pass errors on; a failed pump leaves the session to close()
    copy.on('error', (e: Error) => rows.destroy(e));
    return pumpStream(copy.pipe(rows), onRow);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export class PgLoadSource implements LoadSource {
  readonly label: string;
  readonly backupTools = 'pg_dump | psql';
  /** the run's exported snapshot (prepare() with fresh tables) */
  snapshot: ExportedSnapshot | undefined;
  private closeSlot: (() => Promise<void>) | undefined;

  constructor(
    private readonly cpt: CptConfig,
    /** a session outside any transaction (catalog) */
    private readonly client: Client,
  ) {
    this.label = pgSourceLabel(cpt.db);
  }

  async currentPosition(): Promise<string> {
    const r = await this.client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return formatPosition(pgPosition(r.rows[0]!.lsn));
  }

  indexes(cond: Condition): ReturnType<LoadSource['indexes']> {
    return readPgIndexes(this.client, cond);
  }

  estimates(cond: Condition): ReturnType<LoadSource['estimates']> {
    return readPgEstimates(this.client, cond);
  }

  columnKind(c: DictColumn): ReturnType<LoadSource['columnKind']> {
    return pgColumnKind(c.dataType);
  }

  integerColumn(c: DictColumn): boolean {
    return INTEGER.has(c.dataType);
  }

  quoteIdent(name: string): string {
    return pgQuoteIdent(name);
  }

  converterFor(c: DictColumn): ReturnType<LoadSource['converterFor']> {
    return pgConverterFor(c);
  }

  async prepare(fresh: readonly TablePlan[]): Promise<void> {
    if (fresh.length === 0) return;
    await checkSlotPrerequisites(this.client, this.cpt.db);
    await ensurePublication(this.client, this.cpt.publication, fresh.map((p) => p.entry));
    const s = await createSlotSnapshot(this.cpt.db, this.cpt.slotName);
    this.snapshot = s.snapshot;
    this.closeSlot = s.close;
  }

  async open(): Promise<SourceReader> {
    const client = await connectPg(this.cpt.db, { application_name: 'synctl copy' });
    try {
      for (const s of PG_SOURCE_SESSION) await client.query(s);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new SynctlError('DB', `${this.label}: ${(e as Error).message}`, {}, { cause: e });
    }
    return new PgReader(client, this.label, this);
  }

  /** every reader imports the one exported snapshot: they all are at its consistent_point */
  async sharedSnapshot(readers: readonly SourceReader[]): Promise<string | undefined> {
    if (this.snapshot === undefined) return undefined;
    const at = await Promise.all(readers.map((r) => r.startSnapshot({ nolock: true, fresh: true })));
    return at[0];
  }

  chunkQuery(t: { schema: string; table: string }, select: readonly string[], key: readonly string[], after: StoredKey | undefined, limit: number, where: string | undefined, upTo?: StoredKey): ChunkQuery {
    const q = pgQuoteIdent;
    const conds = chunkConditions(key, q, literal, after, where, upTo);
    let sql = `SELECT ${select.join(', ')} FROM ${q(t.schema)}.${q(t.table)}`;
    if (conds.length > 0) sql += ` WHERE ${conds.join(' AND ')}`;
    if (key.length > 0) sql += ` ORDER BY ${key.map(q).join(', ')} LIMIT ${limit}`;
    return { sql, params: [] };
  }

  tableDdl(engine: Parameters<LoadSource['tableDdl']>[0], p: TablePlan, exec: ExecConfig): ReturnType<LoadSource['tableDdl']> {
    return Promise.resolve(pgTableDdl(engine, p, exec.typeMap));
  }

  backupRefusal(tables: readonly TablePlan[], exec: ExecConfig): string | undefined {
    return pgBackupRefusal(tables, exec);
  }

  backup(exec: ExecConfig, schema: string, tables: readonly string[], targetSchema: string): ReturnType<LoadSource['backup']> {
    if (this.snapshot === undefined) throw new SynctlError('INTERNAL', 'BACKUP without the slot snapshot');
    return pgDumpRestore(this.cpt.db, exec, this.snapshot, schema, tables, targetSchema);
  }

  async close(): Promise<void> {
    await this.closeSlot?.();
    this.closeSlot = undefined;
  }
}
